// Walker/Vose alias table: O(1) draws from a discrete distribution in 8 bytes per word,
// instead of the original's 10^8-entry (400 MB) unigram table.
#pragma once
#include <cstdint>
#include <vector>

#include "random.h"

namespace w2v {

/// One bucket of an alias table.
struct AliasEntry {
  uint32_t threshold;  // keep the bucket when the high 32 random bits fall below this
  int32_t alias;
};

/// A draw from an alias table of n buckets with one 64-bit random value. `static` so each
/// per-ISA kernel file keeps its own copy (see random.h).
static inline int32_t aliasDraw(const AliasEntry* entries, uint32_t n, uint64_t r) {
  const uint32_t bucket = static_cast<uint32_t>(((r & 0xFFFFFFFFULL) * static_cast<uint64_t>(n)) >> 32);
  const AliasEntry& e = entries[bucket];
  // A select by mask, not a branch: the entry is a cache miss more often than not, and a
  // branch on it, taken at random, stalls on every misprediction until the miss resolves.
  const int32_t keep = -static_cast<int32_t>(static_cast<uint32_t>(r >> 32) < e.threshold);
  return (static_cast<int32_t>(bucket) & keep) | (e.alias & ~keep);
}

class AliasSampler {
 public:
  AliasSampler() = default;
  /// Builds the table from non-negative finite weights (need not be normalised).
  /// Throws std::invalid_argument for an empty list, a negative or non-finite weight, or a
  /// zero sum.
  explicit AliasSampler(const std::vector<double>& weights);

  int32_t sample(Random& rng) const { return aliasDraw(entries_.data(), size_, rng.next()); }
  /// Same as sample() but for a caller-supplied 64-bit random value (for tests).
  int32_t sampleWith(uint64_t r) const { return aliasDraw(entries_.data(), size_, r); }
  const AliasEntry* entries() const { return entries_.data(); }
  uint32_t size() const { return size_; }
  /// Probability the table assigns to index i (exact, from the thresholds), for tests.
  double probability(uint32_t i) const;

 private:
  using Entry = AliasEntry;
  std::vector<Entry> entries_;
  uint32_t size_ = 0;
};

}  // namespace w2v
