// AliasSampler, Random, SigmoidTable and the initial weights.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "alias_sampler.h"
#include "check.h"
#include "random.h"
#include "sigmoid_table.h"
#include "weight_init.h"

using w2v::AliasSampler;
using w2v::Random;
using w2v::SigmoidTable;

namespace {

void checkProbabilities(const std::vector<double>& weights) {
  const AliasSampler sampler(weights);
  CHECK_EQ(sampler.size(), static_cast<uint32_t>(weights.size()));
  double sum = 0;
  for (double w : weights) sum += w;
  double total = 0;
  int bad = 0;
  for (uint32_t i = 0; i < weights.size(); ++i) {
    const double p = sampler.probability(i);
    total += p;
    if (std::fabs(p - weights[i] / sum) > 1e-6 && bad++ < 5)
      CHECK_NEAR(p, weights[i] / sum, 1e-6);
  }
  CHECK_EQ(bad, 0);
  CHECK_NEAR(total, 1.0, 1e-6);
}

/// A 64-bit value whose low half picks `bucket` of `n` and whose high half is `high`.
uint64_t randomFor(uint32_t bucket, uint32_t n, uint32_t high) {
  const uint64_t low = ((static_cast<uint64_t>(bucket) << 32) + n - 1) / n;  // ceil(b * 2^32 / n)
  return (static_cast<uint64_t>(high) << 32) | low;
}

}  // namespace

TEST(alias_probability_uniform) {
  checkProbabilities(std::vector<double>(7, 1.0));
  checkProbabilities(std::vector<double>(1, 3.5));
  checkProbabilities(std::vector<double>(1000, 0.25));
}

TEST(alias_probability_zipf_power_075) {
  std::vector<double> weights;
  for (int i = 0; i < 1000; ++i) weights.push_back(std::pow(1e6 / (i + 1.0), 0.75));
  checkProbabilities(weights);
}

TEST(alias_probability_single_nonzero) {
  std::vector<double> weights(50, 0.0);
  weights[17] = 2.5;
  checkProbabilities(weights);
  const AliasSampler sampler(weights);
  CHECK_NEAR(sampler.probability(17), 1.0, 1e-9);
  Random rng(3);
  int other = 0;
  for (int i = 0; i < 100000; ++i) other += sampler.sample(rng) != 17;
  CHECK_EQ(other, 0);
}

TEST(alias_empirical_frequencies) {
  const std::vector<double> weights = {5, 0, 1, 3, 0, 2, 8, 1, 0.5, 4};
  const AliasSampler sampler(weights);
  double sum = 0;
  for (double w : weights) sum += w;
  const int n = 2000000;
  std::vector<int64_t> counts(weights.size(), 0);
  Random rng(12345);
  for (int i = 0; i < n; ++i) {
    const int32_t s = sampler.sample(rng);
    if (!CHECK(s >= 0 && s < static_cast<int32_t>(weights.size()))) return;
    ++counts[static_cast<size_t>(s)];
  }
  for (size_t i = 0; i < weights.size(); ++i) {
    const double p = weights[i] / sum;
    const double expected = n * p;
    const double sigma = std::sqrt(n * p * (1 - p));
    if (weights[i] == 0) {
      CHECK_MSG(counts[i] == 0, "zero-weight index " << i << " drawn " << counts[i] << " times");
    } else {
      CHECK_MSG(std::fabs(static_cast<double>(counts[i]) - expected) <= 5 * sigma,
                "index " << i << ": " << counts[i] << " draws, expected " << expected << " +- " << sigma);
    }
  }
}

TEST(alias_zero_weights_never_drawn_for_any_random_value) {
  const std::vector<double> weights = {0, 3, 0, 0, 1, 7, 0, 2, 0, 0, 5};
  const AliasSampler sampler(weights);
  const uint32_t n = static_cast<uint32_t>(weights.size());
  const uint32_t highs[] = {0u, 1u, 0x7FFFFFFFu, 0xFFFFFFFEu, 0xFFFFFFFFu};
  for (uint32_t b = 0; b < n; ++b) {
    for (uint32_t high : highs) {
      const int32_t s = sampler.sampleWith(randomFor(b, n, high));
      CHECK_MSG(s >= 0 && s < static_cast<int32_t>(n) && weights[static_cast<size_t>(s)] > 0,
                "bucket " << b << ", high bits " << high << " gave " << s);
    }
  }
  // The last low value of each bucket too.
  for (uint32_t b = 0; b < n; ++b) {
    const uint64_t lastLow = randomFor(b + 1, n, 0) - 1;
    if (b + 1 == n) continue;
    const int32_t s = sampler.sampleWith(lastLow | (0xFFFFFFFFULL << 32));
    CHECK(weights[static_cast<size_t>(s)] > 0);
  }
}

TEST(alias_rejects_bad_weights) {
  CHECK_THROWS_AS(AliasSampler(std::vector<double>{}), std::invalid_argument, "must not be empty");
  CHECK_THROWS_AS(AliasSampler(std::vector<double>{1, -1, 2}), std::invalid_argument,
                  "sampling weight 1 must be finite and >= 0, got -1");
  CHECK_THROWS_AS(AliasSampler(std::vector<double>{1, 2, std::nan("")}), std::invalid_argument,
                  "sampling weight 2 must be finite and >= 0, got nan");
  CHECK_THROWS_AS(AliasSampler(std::vector<double>{std::numeric_limits<double>::infinity()}),
                  std::invalid_argument, "sampling weight 0 must be finite and >= 0, got inf");
  CHECK_THROWS_AS(AliasSampler(std::vector<double>{0, 0, 0}), std::invalid_argument,
                  "must not all be zero");
}

// Found by fuzz_samplers: a sum beyond DBL_MAX made every scaled weight 0 and the table
// uniform, weights of 0 drawn like the others.
TEST(alias_weights_near_double_max_keep_their_shares) {
  const double big = std::numeric_limits<double>::max();
  const std::vector<double> weights = {big, 0, big / 2, 1e308, 3};
  const AliasSampler sampler(weights);
  double scaledSum = 0;
  for (double w : weights) scaledSum += w / big;
  double total = 0;
  for (uint32_t i = 0; i < weights.size(); ++i) {
    const double p = sampler.probability(i);
    total += p;
    CHECK_MSG(std::fabs(p - weights[i] / big / scaledSum) <= 1e-6,
              "index " << i << " drawn with probability " << p << ", expected " << weights[i] / big / scaledSum);
  }
  CHECK_EQ(sampler.probability(1), 0.0);
  CHECK_NEAR(total, 1.0, 1e-6);
  // weight * n overflows though the sum does not.
  const AliasSampler two(std::vector<double>{big * 0.75, 0});
  CHECK_EQ(two.probability(0), 1.0);
  CHECK_EQ(two.probability(1), 0.0);
}

TEST(random_below_in_range_and_uniform) {
  Random rng(7);
  const uint32_t ns[] = {1, 2, 3, 7, 1000, 0x80000001u, 0xFFFFFFFFu};
  for (uint32_t n : ns) {
    bool ok = true;
    for (int i = 0; i < 100000 && ok; ++i) ok = rng.below(n) < n;
    CHECK_MSG(ok, "below(" << n << ") returned a value >= n");
  }
  const int draws = 1000000;
  const uint32_t n = 10;
  std::vector<int> counts(n, 0);
  for (int i = 0; i < draws; ++i) ++counts[rng.below(n)];
  const double expected = draws / static_cast<double>(n);
  const double sigma = std::sqrt(draws * 0.1 * 0.9);
  for (uint32_t i = 0; i < n; ++i)
    CHECK_MSG(std::fabs(counts[i] - expected) <= 5 * sigma, "value " << i << " drawn " << counts[i] << " times");
  // uniform() stays in [0, 1) with a mean of 1/2.
  double sum = 0;
  bool inRange = true;
  for (int i = 0; i < draws; ++i) {
    const float u = rng.uniform();
    inRange = inRange && u >= 0.0f && u < 1.0f;
    sum += u;
  }
  CHECK(inRange);
  CHECK_NEAR(sum / draws, 0.5, 5 * std::sqrt(1.0 / 12 / draws));
}

TEST(random_same_seed_same_stream) {
  Random a(42), b(42), c(43), zero(0);
  bool same = true, differs = false;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a.next();
    same = same && x == b.next();
    differs = differs || x != c.next();
  }
  CHECK(same);
  CHECK(differs);
  // Seed 0 still gives a live stream (xorshift must not get a zero state).
  bool nonZero = false;
  for (int i = 0; i < 10; ++i) nonZero = nonZero || zero.next() != 0;
  CHECK(nonZero);
}

// The original word2vec's expTable and lookup, transcribed from word2vec.c (InitNet and
// TrainModelThread): real = float, EXP_TABLE_SIZE 1000, MAX_EXP 6, integer 1000 / 6 / 2 = 83.
static float originalSigmoid(float f) {
  const int i = static_cast<int>((f + 6) * (1000 / 6 / 2));
  float e = static_cast<float>(std::exp(static_cast<double>((i / static_cast<float>(1000) * 2 - 1) * 6)));
  e = e / (e + 1);
  return e;
}

TEST(sigmoid_table_is_the_originals) {
  const SigmoidTable table;
  double worst = 0;
  for (int i = -5999; i <= 5999; ++i) {
    const float x = static_cast<float>(i) / 1000.0f;
    CHECK_MSG(table.sigmoid(x) == originalSigmoid(x), "sigmoid(" << x << ") = " << table.sigmoid(x) << ", the original's " << originalSigmoid(x));
    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(x)));
    worst = std::max(worst, std::fabs(table.sigmoid(x) - exact));
  }
  // Its lookup reads the entry of about 0.996 x - 0.03: within 0.01 of the exact sigmoid, and
  // below it at 0.
  CHECK_MSG(worst <= 0.01, "largest sigmoid error " << worst);
  CHECK(table.sigmoid(0.0f) < 0.5f && table.sigmoid(0.0f) > 0.49f);
}

TEST(log_sigmoid_accuracy_and_tail) {
  const SigmoidTable table;
  double worst = 0;
  for (int i = -20000; i <= 20000; ++i) {
    const float x = static_cast<float>(i) / 1000.0f;
    const double exact = -std::log1p(std::exp(-static_cast<double>(x)));
    worst = std::max(worst, std::fabs(table.logSigmoid(x) - exact));
  }
  CHECK_MSG(worst <= 1e-2, "largest logSigmoid error " << worst);
  // The linear tail: log sigmoid(x) = x for x <= -6, 0 for x >= 6.
  CHECK_EQ(table.logSigmoid(-6.0f), -6.0f);
  CHECK_EQ(table.logSigmoid(-50.0f), -50.0f);
  CHECK_EQ(table.logSigmoid(6.0f), 0.0f);
  CHECK_EQ(table.logSigmoid(1e6f), 0.0f);
  CHECK_NEAR(table.logSigmoid(0.0f), -std::log(2.0), 4e-3);  // one index bin is 1/83 wide
  CHECK(table.logSigmoid(-1.0f) < table.logSigmoid(1.0f));
}

// Found by fuzz_trainer: a diverged training (alpha 1 or more) computes NaN dot products,
// which pass every range test; (int)NaN indexed the table at INT_MIN and crashed the process.
TEST(sigmoid_lookups_of_nan_and_infinities_stay_in_the_table) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (float x : {nan, -nan, inf, -inf, 1e30f, -1e30f}) {
    const int i = w2v::sigmoidIndex(x);
    CHECK_MSG(i >= 0 && i <= w2v::kSigmoidTableSize, "sigmoidIndex(" << x << ") = " << i);
  }
  CHECK_EQ(w2v::sigmoidIndex(inf), w2v::kSigmoidTableSize);
  CHECK_EQ(w2v::sigmoidIndex(-inf), 0);
  // In range, the index is the original's, (int)((x + 6) * 83).
  CHECK_EQ(w2v::sigmoidIndex(0.0f), 498);
  CHECK_EQ(w2v::sigmoidIndex(-5.99f), 0);
  CHECK_EQ(w2v::sigmoidIndex(5.999f), 995);
  const SigmoidTable table;
  CHECK(std::isnan(table.logSigmoid(nan)));
  CHECK_EQ(table.logSigmoid(-inf), -inf);
}

// word2vec.c's initial weights (InitNet), transcribed: real = float, layer1_size a long long,
// next_random an unsigned long long that starts at 1.
static std::vector<float> originalInitialWeights(long long vocabSize, long long layer1Size) {
  std::vector<float> syn0(static_cast<size_t>(vocabSize * layer1Size));
  unsigned long long next_random = 1;
  for (long long a = 0; a < vocabSize; a++)
    for (long long b = 0; b < layer1Size; b++) {
      next_random = next_random * (unsigned long long)25214903917 + 11;
      syn0[static_cast<size_t>(a * layer1Size + b)] = (((next_random & 0xFFFF) / (float)65536) - 0.5) / layer1Size;
    }
  return syn0;
}

TEST(initial_weights_seed_1_are_the_originals) {
  for (int32_t dim : {100, 128, 7}) {
    const int32_t rows = 700;
    w2v::AlignedFloats syn0(static_cast<size_t>(rows) * static_cast<size_t>(dim));
    w2v::initInputVectors(syn0, 1, dim);
    const std::vector<float> original = originalInitialWeights(rows, dim);
    int bad = 0;
    for (size_t i = 0; i < original.size(); ++i)
      if (syn0.data()[i] != original[i] && bad++ < 5)
        CHECK_MSG(false, "dim " << dim << " weight " << i << " = " << syn0.data()[i] << ", the original's " << original[i]);
    CHECK_EQ(bad, 0);
  }
}

TEST(initial_weights_in_parts_are_the_same_bit_for_bit) {
  // lcgSkip agrees with stepping the generator; rows split between threads, padded or not, give
  // the one-thread weights (the original's, for seed 1) exactly.
  uint64_t stepped = 12345;
  for (uint64_t steps = 0; steps < 300; ++steps) {
    CHECK_EQ(w2v::lcgSkip(12345, steps), stepped);
    stepped = stepped * 25214903917ULL + 11ULL;
  }
  for (int32_t stride : {0, 104}) {
    const int32_t dim = 100, rows = 1001;
    const size_t cells = static_cast<size_t>(rows) * static_cast<size_t>(stride > 0 ? stride : dim);
    w2v::AlignedFloats one(cells);
    w2v::initInputVectors(one, 7, dim, stride);
    for (size_t parts : {size_t{2}, size_t{3}, size_t{8}, size_t{5000}}) {
      w2v::AlignedFloats split(cells);
      std::fill(split.data(), split.data() + cells, 1.0f);  // every cell written, padding too
      w2v::initInputVectors(split, 7, dim, stride, parts);
      CHECK_MSG(std::memcmp(one.data(), split.data(), cells * sizeof(float)) == 0, "stride " << stride << ", " << parts << " parts");
    }
  }
}

TEST(initial_weights_range_and_seeds) {
  const int32_t dim = 100;
  const size_t cells = 20000 * static_cast<size_t>(dim);
  w2v::AlignedFloats a(cells), b(cells);
  w2v::initInputVectors(a, 1, dim);
  w2v::initInputVectors(b, 2, dim);
  double sum = 0;
  size_t same = 0;
  for (size_t i = 0; i < cells; ++i) {
    const float w = a.data()[i];
    CHECK_MSG(w >= -0.5f / dim && w < 0.5f / dim, "weight " << i << " = " << w);
    sum += w;
    same += w == b.data()[i];
  }
  // Uniform: mean 0 within a few standard errors (sd of one weight 0.289 / dim).
  CHECK_NEAR(sum / static_cast<double>(cells), 0.0, 4 * 0.289 / dim / std::sqrt(static_cast<double>(cells)));
  // Another seed starts elsewhere: few weights agree by chance (1 in 65,536 each).
  CHECK_MSG(same < cells / 1000, same << " of " << cells << " weights equal under seeds 1 and 2");
  // The original's quirk, kept: the low 16 bits repeat every 65,536 draws, so at dim 100 row i and
  // row i + 16384 start from the same vector.
  for (int32_t i = 0; i < dim; ++i) CHECK_EQ(a.data()[i], a.data()[static_cast<size_t>(16384) * dim + i]);
}
