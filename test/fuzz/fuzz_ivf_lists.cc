// Fuzz target: the inverted lists' payload reader (IvfLists::read, native/index/ivf_lists.h),
// which an index file of kind 'ivf' reaches once its hashes check out (a hash is no defence
// against a file made to pass it). Whatever the bytes, read must return or throw a message
// about the lists section, and read nothing outside them (ASan). A payload it accepts must keep
// its promises: size within the rows it declares, every search well formed (ids it holds,
// sorted, -1 / NaN padding), and written again it is the same bytes.
//
// The first byte picks the index it is read into: bits 0-2 dim - 1 (1..8), bits 3-4 the
// storage (f32, f16, i8; 3 is f32), bit 5 the metric (cosine, dot), bit 6 read as a view.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "ivf_lists.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t mode = size > 0 ? data[0] : 0;
  // An exact-size heap copy, so that ASan sees any read past the end.
  const std::vector<uint8_t> payload(size > 0 ? data + 1 : data, data + size);
  w2v::ann::IndexSettings s;
  s.kind = w2v::ann::IndexKind::kLists;
  s.dim = 1 + (mode & 7);
  const int storage = (mode >> 3) & 3;
  s.quantization = storage == 1 ? w2v::ann::Quantization::kF16 : storage == 2 ? w2v::ann::Quantization::kI8 : w2v::ann::Quantization::kF32;
  s.metric = (mode & 32) != 0 ? w2v::ann::Metric::kDot : w2v::ann::Metric::kCosine;
  const bool view = (mode & 64) != 0;
  w2v::ann::IvfLists lists(s);
  try {
    lists.read(payload.empty() ? nullptr : payload.data(), payload.size(), view, s.quantization == w2v::ann::Quantization::kI8 ? 0.5f : 0.0f);
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    FUZZ_ASSERT(message.rfind("index file's lists section ", 0) == 0, "error does not say what it is about: \"%s\"", message.c_str());
    fuzz::note("refused: %s", message.c_str());
    return 0;
  }
  const size_t rows = lists.size();
  FUZZ_ASSERT(payload.size() >= w2v::ann::kListsPayloadHeaderBytes, "accepted %zu bytes", payload.size());
  uint64_t declared;
  std::memcpy(&declared, payload.data() + 24, 8);
  FUZZ_ASSERT(rows == declared, "size %zu, the payload declares %llu rows", rows, static_cast<unsigned long long>(declared));
  // Written again: the same bytes.
  std::vector<uint8_t> again;
  lists.write([&](const void* p, size_t n) { again.insert(again.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); });
  FUZZ_ASSERT(again == payload, "written again: %zu bytes differ from the %zu read", again.size(), payload.size());
  // Two queries, every list scanned and then one: results well formed.
  const std::vector<float> queries(2 * static_cast<size_t>(s.dim), 0.5f);
  constexpr int32_t k = 3;
  for (int32_t probes : {w2v::ann::kMaxLists, 1}) {
    lists.setProbes(probes);
    std::vector<int32_t> ids(2 * k, 7);
    std::vector<float> scores(2 * k, 7.0f);
    lists.search(queries.data(), 2, k, w2v::ann::SearchFilter{}, 1, ids.data(), scores.data());
    for (size_t q = 0; q < 2; ++q)
      for (size_t i = 0; i < static_cast<size_t>(k); ++i) {
        const int32_t id = ids[q * k + i];
        if (id == -1) {
          FUZZ_ASSERT(std::isnan(scores[q * k + i]), "padding with score %g", static_cast<double>(scores[q * k + i]));
          continue;
        }
        FUZZ_ASSERT(lists.contains(id), "returned id %d it does not hold", id);
        FUZZ_ASSERT(i == 0 || ids[q * k + i - 1] != -1, "an id after padding");
        FUZZ_ASSERT(std::isfinite(scores[q * k + i]) && (i == 0 || scores[q * k + i] <= scores[q * k + i - 1]), "scores not finite and sorted");
      }
  }
  return 0;
}
