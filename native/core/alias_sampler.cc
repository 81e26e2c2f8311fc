#include "alias_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace w2v {

AliasSampler::AliasSampler(const std::vector<double>& weights) {
  if (weights.empty()) throw std::invalid_argument("sampling weights must not be empty");
  if (weights.size() > 0x7FFFFFFFULL)
    throw std::invalid_argument("sampling weights: too many entries (" +
                                std::to_string(weights.size()) + ")");
  double sum = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double w = weights[i];
    if (!std::isfinite(w) || w < 0)
      throw std::invalid_argument("sampling weight " + std::to_string(i) +
                                  " must be finite and >= 0, got " + std::to_string(w));
    sum += w;
  }
  if (!(sum > 0)) throw std::invalid_argument("sampling weights must not all be zero");

  size_ = static_cast<uint32_t>(weights.size());
  const size_t n = weights.size();
  std::vector<double> scaled(weights);
  // Finite weights near DBL_MAX can overflow the sum (or weight * n) to infinity, which made
  // every scaled weight 0 and the table uniform, zero weights included: rescale such weights
  // by the largest first. Other weights are used as they are, so their tables do not change.
  if (!(sum <= std::numeric_limits<double>::max() / static_cast<double>(n))) {
    const double largest = *std::max_element(weights.begin(), weights.end());
    sum = 0;
    for (double& w : scaled) sum += (w /= largest);
  }
  for (size_t i = 0; i < n; ++i) scaled[i] = scaled[i] * static_cast<double>(n) / sum;
  std::vector<uint32_t> small, large;
  small.reserve(n);
  large.reserve(n);
  for (size_t i = 0; i < n; ++i) (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  entries_.assign(n, Entry{0xFFFFFFFFu, 0});
  for (size_t i = 0; i < n; ++i) entries_[i].alias = static_cast<int32_t>(i);
  const double scale = 4294967296.0;  // 2^32
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    const double t = scaled[s] * scale;
    entries_[s].threshold = t >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<uint32_t>(t);
    entries_[s].alias = static_cast<int32_t>(l);
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers (rounding) keep their own bucket always. A threshold of 2^32-1 keeps the
  // bucket for all but one of 2^32 draws; the alias is the bucket itself, so it is exact.
  for (uint32_t i : large) entries_[i] = Entry{0xFFFFFFFFu, static_cast<int32_t>(i)};
  for (uint32_t i : small) entries_[i] = Entry{0xFFFFFFFFu, static_cast<int32_t>(i)};
}

double AliasSampler::probability(uint32_t i) const {
  double p = 0;
  const double inv = 1.0 / static_cast<double>(size_);
  for (uint32_t b = 0; b < size_; ++b) {
    const double keep = static_cast<double>(entries_[b].threshold) / 4294967296.0;
    if (b == i) p += keep * inv;
    if (entries_[b].alias == static_cast<int32_t>(i)) p += (1.0 - keep) * inv;
  }
  return p;
}

}  // namespace w2v
