// The vocabulary pass alone (w2v::countFile: tokenize, count, keep the ids), away from Node, so
// a change to the token table or the scanner can be measured in seconds (issue 18: the
// vocabulary pass shrinks with the rest). A benchmark tool, built with the core tests
// (W2V_CORE_TESTS) and never shipped; prints one JSON line per round.
//
//   build/core/w2v_count_bench FILE [--parts 2] [--rounds 5] [--keep-ids 0|1]
//
// The file is cut into --parts parts at line starts, one thread each, as train() does; with
// --keep-ids 1 (the default) every id is kept, as train() keeps a corpus within cacheTokens.
// Read from the page cache after the first round: the figure is the fastest round.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "token_scanner.h"

namespace {

// Part starts at the first line start at or after size * i / parts.
std::vector<uint64_t> lineStartParts(const char* path, int parts) {
  std::FILE* f = std::fopen(path, "rb");
  if (!f) return {};
  std::fseek(f, 0, SEEK_END);
  const uint64_t size = static_cast<uint64_t>(std::ftell(f));
  std::vector<uint64_t> starts{0};
  for (int i = 1; i < parts; ++i) {
    uint64_t at = size * static_cast<uint64_t>(i) / static_cast<uint64_t>(parts);
    std::fseek(f, static_cast<long>(at), SEEK_SET);
    for (int c = 0; at < size && at > 0 && c != '\n'; ++at) c = std::fgetc(f);
    starts.push_back(std::max(at, starts.back()));
  }
  starts.push_back(size);
  std::fclose(f);
  return starts;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: w2v_count_bench FILE [--parts N] [--rounds N] [--keep-ids 0|1]\n");
    return 2;
  }
  const char* path = argv[1];
  int parts = 2, rounds = 5;
  bool keepIds = true;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--parts") == 0) parts = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--keep-ids") == 0) keepIds = std::atoi(argv[i + 1]) != 0;
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (parts < 1 || rounds < 1) {
    std::fprintf(stderr, "--parts and --rounds must be at least 1\n");
    return 2;
  }
  const std::vector<uint64_t> starts = lineStartParts(path, parts);
  if (starts.empty()) {
    std::fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  for (int r = 0; r < rounds; ++r) {
    w2v::CountControl control;
    const auto t0 = std::chrono::steady_clock::now();
    const w2v::CountedFile counted = w2v::countFile(path, starts, control, keepIds ? UINT64_MAX : 0);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"parts\":%d,\"ms\":%.1f,\"mbPerSecond\":%.1f,\"tokens\":%llu,\"distinct\":%zu}\n", parts, ms,
                static_cast<double>(counted.totals.bytes) / ms / 1e3,
                static_cast<unsigned long long>(counted.totals.tokens), counted.table->size());
  }
  return 0;
}
