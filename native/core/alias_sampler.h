// Walker/Vose alias table: O(1) draws from a discrete distribution in 8 bytes per word,
// instead of the original's 10^8-entry (400 MB) unigram table.
#pragma once
#include <cstdint>
#include <vector>

#include "random.h"

namespace w2v {

class AliasSampler {
 public:
  AliasSampler() = default;
  /// Builds the table from non-negative finite weights (need not be normalised).
  /// Throws std::invalid_argument for an empty list, a negative or non-finite weight, or a
  /// zero sum.
  explicit AliasSampler(const std::vector<double>& weights);

  int32_t sample(Random& rng) const {
    const uint64_t r = rng.next();
    const uint32_t bucket =
        static_cast<uint32_t>(((r & 0xFFFFFFFFULL) * static_cast<uint64_t>(size_)) >> 32);
    const Entry& e = entries_[bucket];
    return static_cast<uint32_t>(r >> 32) < e.threshold ? static_cast<int32_t>(bucket) : e.alias;
  }
  /// Same as sample() but for a caller-supplied 64-bit random value (for tests).
  int32_t sampleWith(uint64_t r) const {
    const uint32_t bucket =
        static_cast<uint32_t>(((r & 0xFFFFFFFFULL) * static_cast<uint64_t>(size_)) >> 32);
    const Entry& e = entries_[bucket];
    return static_cast<uint32_t>(r >> 32) < e.threshold ? static_cast<int32_t>(bucket) : e.alias;
  }
  uint32_t size() const { return size_; }
  /// Probability the table assigns to index i (exact, from the thresholds), for tests.
  double probability(uint32_t i) const;

 private:
  struct Entry {
    uint32_t threshold;  // keep `bucket` when the high 32 random bits fall below this
    int32_t alias;
  };
  std::vector<Entry> entries_;
  uint32_t size_ = 0;
};

}  // namespace w2v
