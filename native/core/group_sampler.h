// Negative sampling within a word's own group (Airbnb's in-market negatives, Grbovic & Cheng,
// KDD 2018): one alias table per group, all stored back to back.
#pragma once
#include <cstdint>
#include <vector>

#include "alias_sampler.h"

namespace w2v {

class GroupSampler {
 public:
  GroupSampler() = default;
  /// `groupOf[i]` is word i's group in [0, groups) or -1; a group's members are drawn by
  /// their `weights` (all equal when the group's weights sum to zero). Throws
  /// std::invalid_argument for a group id < -1 or >= the word count, a negative or
  /// non-finite weight, or sizes that disagree.
  GroupSampler(const std::vector<int32_t>& groupOf, const std::vector<double>& weights);

  int32_t groups() const { return static_cast<int32_t>(offsets_.size()) - 1; }
  /// Members of group g are members()[offsets()[g] .. offsets()[g+1]), and entries() over
  /// the same range is their alias table (aliases local to the group).
  const int32_t* members() const { return members_.data(); }
  const int64_t* offsets() const { return offsets_.data(); }
  const AliasEntry* entries() const { return entries_.data(); }

 private:
  std::vector<int32_t> members_;
  std::vector<int64_t> offsets_{0};
  std::vector<AliasEntry> entries_;
};

/// A draw from group `group` with one 64-bit random value. `static` so each per-ISA kernel
/// file keeps its own copy (see random.h).
static inline int32_t groupDraw(const int32_t* members, const int64_t* offsets, const AliasEntry* entries,
                                int32_t group, uint64_t r) {
  const int64_t begin = offsets[group];
  const uint32_t size = static_cast<uint32_t>(offsets[group + 1] - begin);
  return members[begin + aliasDraw(entries + begin, size, r)];
}

}  // namespace w2v
