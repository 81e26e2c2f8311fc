// Fuzz target: the negative samplers (alias_sampler.h, group_sampler.h) on fuzz-derived
// weights and groups: NaN, infinities, negatives, zeros, denormals, weights near DBL_MAX
// whose sum overflows. Each either refuses with std::invalid_argument (and then the input
// really is invalid) or builds a table that draws every index with its weight's share,
// never an index of weight 0, never out of range.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "alias_sampler.h"
#include "fuzz_input.h"
#include "group_sampler.h"

namespace {

double weight(fuzz::Input& in) {
  const uint8_t b = in.byte();
  if (b < 128) return static_cast<double>(b % 8);
  if (b < 160) return 1e308;  // two of these overflow a double sum
  if (b < 176) return std::numeric_limits<double>::max();
  if (b < 192) return 4.9e-324 * (1 + b % 4);
  return in.nastyDouble();
}

/// Probability an alias table over `n` buckets gives bucket-local index i (as
/// AliasSampler::probability, but for any run of entries, e.g. one group's).
double aliasProbability(const w2v::AliasEntry* entries, uint32_t n, uint32_t i) {
  double p = 0;
  for (uint32_t b = 0; b < n; ++b) {
    const double keep = static_cast<double>(entries[b].threshold) / 4294967296.0;
    if (b == i) p += keep / n;
    if (entries[b].alias == static_cast<int32_t>(i)) p += (1.0 - keep) / n;
  }
  return p;
}

/// Each index's share of the total, computed without overflow (scaled by the largest).
std::vector<double> shares(const std::vector<double>& w) {
  const double top = *std::max_element(w.begin(), w.end());
  double sum = 0;
  for (double x : w) sum += x / top;
  std::vector<double> out;
  for (double x : w) out.push_back(x / top / sum);
  return out;
}

bool validWeights(const std::vector<double>& w) {
  if (w.empty()) return false;
  bool positive = false;
  for (double x : w) {
    if (!std::isfinite(x) || x < 0) return false;
    positive = positive || x > 0;
  }
  return positive;
}

/// The table matches the weights: shares within 32-bit threshold rounding, zero never drawn.
void checkTable(const w2v::AliasEntry* entries, const std::vector<double>& w, const char* what) {
  const uint32_t n = static_cast<uint32_t>(w.size());
  const std::vector<double> expected = shares(w);
  double total = 0;
  for (uint32_t i = 0; i < n; ++i) {
    FUZZ_ASSERT(entries[i].alias >= 0 && static_cast<uint32_t>(entries[i].alias) < n, "%s: bucket %u aliases %d of %u",
                what, i, entries[i].alias, n);
    const double p = aliasProbability(entries, n, i);
    total += p;
    FUZZ_ASSERT(std::fabs(p - expected[i]) <= 1e-6, "%s: index %u of %u (weight %g) drawn with probability %.9g, expected %.9g",
                what, i, n, w[i], p, expected[i]);
    if (w[i] == 0) FUZZ_ASSERT(p == 0, "%s: index %u of weight 0 drawn with probability %g", what, i, p);
  }
  FUZZ_ASSERT(std::fabs(total - 1) <= 1e-6, "%s: probabilities sum to %.9g", what, total);
}

void expectInvalidArgument(const std::exception& e, const char* what) {
  FUZZ_ASSERT(typeid(e) == typeid(std::invalid_argument), "%s threw %s: %s", what, typeid(e).name(), e.what());
  FUZZ_ASSERT(e.what()[0] != '\0', "%s threw an empty message", what);
}

void fuzzAlias(fuzz::Input& in) {
  std::vector<double> w(in.byte() < 240 ? in.byte() % 48 : in.byte() * 2);
  for (auto& x : w) x = weight(in);
  try {
    const w2v::AliasSampler sampler(w);
    FUZZ_ASSERT(validWeights(w), "AliasSampler accepted invalid weights");
    FUZZ_ASSERT(sampler.size() == w.size(), "size %u for %zu weights", sampler.size(), w.size());
    checkTable(sampler.entries(), w, "AliasSampler");
    for (int i = 0; i < 4; ++i) {
      const int32_t s = sampler.sampleWith(in.raw<uint64_t>());
      FUZZ_ASSERT(s >= 0 && static_cast<size_t>(s) < w.size() && w[static_cast<size_t>(s)] > 0, "drew %d", s);
    }
    fuzz::note("alias table of %zu weights", w.size());
  } catch (const std::exception& e) {
    expectInvalidArgument(e, "AliasSampler()");
    FUZZ_ASSERT(!validWeights(w), "AliasSampler refused valid weights: %s", e.what());
    fuzz::note("alias refused: %s", e.what());
  }
}

void fuzzGroups(fuzz::Input& in) {
  const size_t n = in.byte() % 40;
  std::vector<double> w(n);
  for (auto& x : w) x = weight(in);
  std::vector<int32_t> groupOf(in.byte() < 248 ? n : n + 1);
  for (auto& g : groupOf) g = in.byte() < 248 ? static_cast<int32_t>(in.byte() % 6) - 1 : in.raw<int32_t>();
  w2v::GroupSampler sampler;
  try {
    sampler = w2v::GroupSampler(groupOf, w);
  } catch (const std::exception& e) {
    expectInvalidArgument(e, "GroupSampler()");
    fuzz::note("groups refused: %s", e.what());
    return;
  }
  FUZZ_ASSERT(groupOf.size() == w.size(), "GroupSampler accepted %zu groups for %zu weights", groupOf.size(), w.size());
  for (double x : w) FUZZ_ASSERT(std::isfinite(x) && x >= 0, "GroupSampler accepted weight %g", x);
  int32_t groups = 0;
  for (int32_t g : groupOf) {
    FUZZ_ASSERT(g >= -1 && g < static_cast<int32_t>(n), "GroupSampler accepted group %d", g);
    groups = std::max(groups, g + 1);
  }
  FUZZ_ASSERT(sampler.groups() == groups, "%d groups, expected %d", sampler.groups(), groups);
  for (int32_t g = 0; g < groups; ++g) {
    const int64_t begin = sampler.offsets()[g], end = sampler.offsets()[g + 1];
    FUZZ_ASSERT(begin <= end, "group %d runs from %lld to %lld", g, static_cast<long long>(begin), static_cast<long long>(end));
    std::vector<double> members;
    for (int64_t k = begin; k < end; ++k) {
      const int32_t word = sampler.members()[k];
      FUZZ_ASSERT(word >= 0 && static_cast<size_t>(word) < n && groupOf[static_cast<size_t>(word)] == g,
                  "group %d lists word %d", g, word);
      members.push_back(w[static_cast<size_t>(word)]);
    }
    FUZZ_ASSERT(static_cast<size_t>(std::count(groupOf.begin(), groupOf.end(), g)) == members.size(),
                "group %d lists %zu members", g, members.size());
    if (members.empty()) continue;
    // A group whose weights are all zero draws its members uniformly.
    if (!validWeights(members)) members.assign(members.size(), 1.0);
    checkTable(sampler.entries() + begin, members, "GroupSampler");
    for (int i = 0; i < 2; ++i) {
      const int32_t s = w2v::groupDraw(sampler.members(), sampler.offsets(), sampler.entries(), g, in.raw<uint64_t>());
      FUZZ_ASSERT(s >= 0 && static_cast<size_t>(s) < n && groupOf[static_cast<size_t>(s)] == g,
                  "group %d drew word %d", g, s);
    }
  }
  fuzz::note("%d groups over %zu words", groups, n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  if (in.flag()) fuzzAlias(in);
  else fuzzGroups(in);
  return 0;
}
