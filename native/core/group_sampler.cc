#include "group_sampler.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace w2v {

GroupSampler::GroupSampler(const std::vector<int32_t>& groupOf, const std::vector<double>& weights) {
  if (groupOf.size() != weights.size())
    throw std::invalid_argument("groupOf must have one entry per word (" + std::to_string(weights.size()) + "), got " +
                                std::to_string(groupOf.size()));
  int32_t groups = 0;
  for (size_t i = 0; i < groupOf.size(); ++i) {
    if (groupOf[i] < -1 || groupOf[i] >= static_cast<int32_t>(groupOf.size()))
      throw std::invalid_argument("groupOf[" + std::to_string(i) + "] must be -1 or a group id in [0, " +
                                  std::to_string(groupOf.size()) + "), got " + std::to_string(groupOf[i]));
    groups = std::max(groups, groupOf[i] + 1);
    // Checked here, by the word's own index: a group's alias table would name the bad weight
    // by its place within the group.
    if (!std::isfinite(weights[i]) || weights[i] < 0)
      throw std::invalid_argument("sampling weight " + std::to_string(i) + " must be finite and >= 0, got " +
                                  std::to_string(weights[i]));
  }
  // Counting sort of the words by group.
  offsets_.assign(static_cast<size_t>(groups) + 1, 0);
  for (int32_t g : groupOf)
    if (g >= 0) ++offsets_[static_cast<size_t>(g) + 1];
  for (size_t g = 0; g < static_cast<size_t>(groups); ++g) offsets_[g + 1] += offsets_[g];
  members_.resize(static_cast<size_t>(offsets_.back()));
  std::vector<int64_t> next(offsets_.begin(), offsets_.end() - 1);
  for (size_t i = 0; i < groupOf.size(); ++i)
    if (groupOf[i] >= 0) members_[static_cast<size_t>(next[static_cast<size_t>(groupOf[i])]++)] = static_cast<int32_t>(i);
  entries_.resize(members_.size());
  for (size_t g = 0; g < static_cast<size_t>(groups); ++g) {
    const int64_t begin = offsets_[g], end = offsets_[g + 1];
    if (begin == end) continue;
    std::vector<double> w;
    double sum = 0;
    for (int64_t k = begin; k < end; ++k) {
      w.push_back(weights[static_cast<size_t>(members_[static_cast<size_t>(k)])]);
      sum += w.back();
    }
    if (!(sum > 0)) w.assign(w.size(), 1.0);
    const AliasSampler table(w);
    for (int64_t k = begin; k < end; ++k) entries_[static_cast<size_t>(k)] = table.entries()[k - begin];
  }
}

}  // namespace w2v
