// Fuzz target: the byte tokenizer (token_scanner.h) on arbitrary corpus bytes cut at
// fuzz-chosen places, through a counting table and then a fixed table built from what was
// counted. Oracles: every write stays inside the documented bound; the tokens and sentence
// ends equal a plain reference tokenizer's; counts add up; the fixed table gives each token
// the counting table's id, except the dropped one and keys it never held.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "token_scanner.h"

namespace {

bool separator(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0; }

// Tokens as strings and "\n" for each sentence end, by the rules written plainly.
std::vector<std::string> reference(const std::vector<uint8_t>& text) {
  std::vector<std::string> out;
  std::string token;
  bool open = false;
  for (uint8_t c : text) {
    if (!separator(c)) {
      token += static_cast<char>(c);
      continue;
    }
    if (!token.empty()) out.push_back(token), token.clear(), open = true;
    if (c == '\n') {
      if (open) out.push_back("\n");
      open = false;
    }
  }
  if (!token.empty()) out.push_back(token), open = true;
  if (open) out.push_back("\n");
  return out;
}

// Scans `text` in the given pieces; every call's output is checked against its bound with a
// guard value written just past it.
std::vector<int32_t> scanInPieces(w2v::TokenScanner& scanner, const std::vector<uint8_t>& text,
                                  const std::vector<size_t>& cuts) {
  std::vector<int32_t> ids;
  size_t at = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const size_t end = i < cuts.size() ? cuts[i] : text.size();
    const size_t n = end - at;
    std::vector<int32_t> out(w2v::TokenScanner::maxOutput(n) + 1, INT32_MIN);
    const size_t k = scanner.scan(text.data() + at, n, out.data());
    FUZZ_ASSERT(k <= w2v::TokenScanner::maxOutput(n), "wrote %zu for %zu bytes", k, n);
    FUZZ_ASSERT(out.back() == INT32_MIN, "wrote past the bound");
    ids.insert(ids.end(), out.begin(), out.begin() + static_cast<long>(k));
    at = end;
  }
  int32_t tail[3] = {INT32_MIN, INT32_MIN, INT32_MIN};
  const size_t k = scanner.finish(tail);
  FUZZ_ASSERT(k <= 2 && tail[2] == INT32_MIN, "finish wrote %zu", k);
  ids.insert(ids.end(), tail, tail + k);
  return ids;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A byte of pieces (mod 9), then 2 x pieces cut positions (the counting scan's and the
  // fixed scan's); the rest of the input is the corpus.
  fuzz::Input in(data, size);
  const size_t pieces = in.byte() % 9;
  std::vector<uint16_t> raw;
  for (size_t i = 0; i < 2 * pieces; ++i) raw.push_back(in.raw<uint16_t>());
  const std::vector<uint8_t> text(data + (size - in.remaining()), data + size);
  std::vector<size_t> cuts, other;
  for (size_t i = 0; i < pieces; ++i) {
    cuts.push_back(raw[i] % (text.size() + 1));
    other.push_back(raw[pieces + i] % (text.size() + 1));
  }
  std::sort(cuts.begin(), cuts.end());
  std::sort(other.begin(), other.end());

  auto counting = std::make_shared<w2v::TokenTable>();
  w2v::TokenScanner scanner(counting);
  const std::vector<int32_t> ids = scanInPieces(scanner, text, cuts);
  const std::vector<std::string> want = reference(text);
  FUZZ_ASSERT(ids.size() == want.size(), "%zu values, reference %zu", ids.size(), want.size());
  std::map<std::string, uint64_t> counts;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (want[i] == "\n") {
      FUZZ_ASSERT(ids[i] == -1, "value %zu is %d, want a sentence end", i, ids[i]);
      continue;
    }
    FUZZ_ASSERT(ids[i] >= 0 && static_cast<size_t>(ids[i]) < counting->size(), "id %d out of range", ids[i]);
    const auto& a = counting->keyBytes();
    const std::string key(a.begin() + static_cast<long>(counting->keyStart(static_cast<size_t>(ids[i]))),
                          a.begin() + static_cast<long>(counting->keyEnd(static_cast<size_t>(ids[i]))));
    FUZZ_ASSERT(key == want[i], "token %zu differs from the reference", i);
    ++counts[key];
  }
  FUZZ_ASSERT(counts.size() == counting->size(), "%zu keys, %zu distinct tokens", counting->size(), counts.size());
  for (size_t id = 0; id < counting->size(); ++id) {
    const auto& a = counting->keyBytes();
    const std::string key(a.begin() + static_cast<long>(counting->keyStart(id)), a.begin() + static_cast<long>(counting->keyEnd(id)));
    FUZZ_ASSERT(counting->count(id) == counts[key], "count of id %zu", id);
  }

  // A fixed table of the counted keys but the last, with key 0 dropped.
  if (counting->size() < 2) return 0;
  const size_t kept = counting->size() - 1;
  std::vector<uint64_t> offsets(kept + 1, 0);
  for (size_t id = 0; id < kept; ++id) offsets[id + 1] = counting->keyEnd(id);
  auto fixed = std::make_shared<w2v::TokenTable>(counting->keyBytes().data(), static_cast<size_t>(offsets.back()), offsets,
                                                 std::vector<int32_t>{0});
  w2v::TokenScanner encoder(fixed);
  const std::vector<int32_t> encoded = scanInPieces(encoder, text, other);
  std::vector<int32_t> expected;
  for (int32_t id : ids)
    if (id == -1 || (id != 0 && static_cast<size_t>(id) < kept)) expected.push_back(id);
  FUZZ_ASSERT(encoded == expected, "the fixed table's ids differ (%zu vs %zu values)", encoded.size(), expected.size());
  return 0;
}
