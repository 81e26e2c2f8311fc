// poolSequences, firstSingularVector and embedSequences against double-precision references
// written out here, and the checks that refuse bad ids, offsets and weights.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "pooling.h"
#include "random.h"

using w2v::Pooling;
using w2v::TokenSequences;

namespace {

struct Fixture {
  int32_t dim;
  int64_t rows;
  std::vector<float> matrix;
  std::vector<int32_t> ids;
  std::vector<int32_t> offsets;
  std::vector<double> weights;

  TokenSequences view(bool weighted) const {
    TokenSequences in;
    in.matrix = matrix.data();
    in.rows = rows;
    in.dim = dim;
    in.ids = ids.data();
    in.idCount = static_cast<int64_t>(ids.size());
    in.offsets = offsets.data();
    in.sequences = static_cast<int64_t>(offsets.size()) - 1;
    in.weights = weighted ? weights.data() : nullptr;
    return in;
  }
};

/// `sequences` random sequences of 0 to maxLength tokens (some empty), random weights in [0, 2).
Fixture randomFixture(uint64_t seed, int64_t rows, int32_t dim, int64_t sequences, int32_t maxLength) {
  uint64_t state = seed;
  Fixture f{dim, rows, {}, {}, {0}, {}};
  f.matrix.resize(static_cast<size_t>(rows) * dim);
  for (float& x : f.matrix) x = w2v::uniformFrom(w2v::splitmix64(state)) * 2 - 1;
  for (int64_t s = 0; s < sequences; ++s) {
    const uint32_t length = w2v::belowFrom(w2v::splitmix64(state), static_cast<uint32_t>(maxLength) + 1);
    for (uint32_t t = 0; t < length; ++t) {
      f.ids.push_back(static_cast<int32_t>(w2v::belowFrom(w2v::splitmix64(state), static_cast<uint32_t>(rows))));
      f.weights.push_back(2.0 * w2v::uniformFrom(w2v::splitmix64(state)));
    }
    f.offsets.push_back(static_cast<int32_t>(f.ids.size()));
  }
  return f;
}

/// The pooled row of sequence s, in double, written the plain way.
std::vector<double> reference(const Fixture& f, int64_t s, Pooling mode, bool weighted) {
  const size_t d = static_cast<size_t>(f.dim);
  std::vector<double> out(d, 0.0);
  const int32_t from = f.offsets[static_cast<size_t>(s)], to = f.offsets[static_cast<size_t>(s) + 1];
  if (from == to) return out;
  double total = 0;
  for (size_t j = 0; j < d; ++j) {
    double acc = mode == Pooling::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
    total = 0;
    for (int32_t t = from; t < to; ++t) {
      const double w = weighted ? f.weights[static_cast<size_t>(t)] : 1.0;
      const double x = w * f.matrix[static_cast<size_t>(f.ids[static_cast<size_t>(t)]) * d + j];
      total += w;
      acc = mode == Pooling::kMax ? std::max(acc, x) : acc + x;
    }
    out[j] = acc;
  }
  if (mode == Pooling::kMean)
    for (double& x : out) x = total > 0 ? x / total : 0.0;
  return out;
}

bool matchesReference(const Fixture& f, const std::vector<float>& got, Pooling mode, bool weighted) {
  const int64_t sequences = static_cast<int64_t>(f.offsets.size()) - 1;
  for (int64_t s = 0; s < sequences; ++s) {
    const std::vector<double> want = reference(f, s, mode, weighted);
    for (size_t j = 0; j < want.size(); ++j) {
      const double g = got[static_cast<size_t>(s) * want.size() + j];
      if (!CHECK_MSG(std::fabs(g - want[j]) <= 1e-6 * (1 + std::fabs(want[j])),
                     "sequence " << s << " value " << j << ": got " << g << ", want " << want[j]))
        return false;
    }
  }
  return true;
}

std::vector<float> pool(const Fixture& f, Pooling mode, bool weighted, int32_t threads) {
  std::vector<float> out(static_cast<size_t>(f.offsets.size() - 1) * f.dim, -7.0f);
  w2v::poolSequences(f.view(weighted), mode, threads, out.data());
  return out;
}

double dotD(const float* a, const double* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

/// The top eigenvector of the rows' Gram matrix, in double, by 20000 plain power steps.
std::vector<double> topEigenvector(const std::vector<float>& rows, int64_t n, int32_t dim) {
  const size_t d = static_cast<size_t>(dim);
  std::vector<double> gram(d * d, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j)
        gram[i * d + j] += static_cast<double>(rows[static_cast<size_t>(r) * d + i]) * rows[static_cast<size_t>(r) * d + j];
  std::vector<double> v(d, 1.0), w(d);
  for (int step = 0; step < 20000; ++step) {
    double n2 = 0;
    for (size_t i = 0; i < d; ++i) {
      w[i] = 0;
      for (size_t j = 0; j < d; ++j) w[i] += gram[i * d + j] * v[j];
      n2 += w[i] * w[i];
    }
    for (size_t i = 0; i < d; ++i) v[i] = w[i] / std::sqrt(n2);
  }
  return v;
}

}  // namespace

TEST(pooling_modes_match_the_double_reference_with_and_without_weights) {
  // 3000 sequences: several blocks of 256, so several threads take part.
  const Fixture f = randomFixture(11, 50, 7, 3000, 9);
  for (Pooling mode : {Pooling::kMean, Pooling::kSum, Pooling::kMax}) {
    for (bool weighted : {false, true}) {
      const std::vector<float> one = pool(f, mode, weighted, 1);
      CHECK(matchesReference(f, one, mode, weighted));
      // Each row is one thread's work in token order: bit-identical whatever the thread count.
      CHECK(pool(f, mode, weighted, 4) == one);
    }
  }
}

TEST(pooling_gives_zero_rows_for_empty_sequences_and_zero_total_weight) {
  Fixture f{2, 3, {1, 2, 3, 4, 5, 6}, {0, 1, 2}, {0, 0, 2, 2, 3}, {0, 0, 1}};
  // Sequence 0 and 2 empty, 1 = rows 0 and 1 with weight 0, 3 = row 2.
  const std::vector<float> mean = pool(f, Pooling::kMean, true, 1);
  CHECK(mean == (std::vector<float>{0, 0, 0, 0, 0, 0, 5, 6}));
  CHECK(pool(f, Pooling::kMax, true, 1) == (std::vector<float>{0, 0, 0, 0, 0, 0, 5, 6}));
  CHECK(pool(f, Pooling::kSum, false, 1) == (std::vector<float>{0, 0, 4, 6, 0, 0, 5, 6}));
  CHECK(pool(f, Pooling::kMean, false, 1) == (std::vector<float>{0, 0, 2, 3, 0, 0, 5, 6}));
}

TEST(pooling_max_takes_each_coordinate_apart) {
  Fixture f{3, 3, {1, -5, 0, -2, 4, -1, 0.5f, 0.5f, -3}, {0, 1, 2}, {0, 3}, {}};
  CHECK(pool(f, Pooling::kMax, false, 1) == (std::vector<float>{1, 4, 0}));
}

TEST(pooling_refuses_bad_ids_offsets_and_weights) {
  Fixture f{2, 3, {1, 2, 3, 4, 5, 6}, {0, 1, 2}, {0, 1, 3}, {1, 1, 1}};
  std::vector<float> out(4);
  auto run = [&](const Fixture& g) { w2v::poolSequences(g.view(true), Pooling::kMean, 1, out.data()); };
  CHECK_NOTHROW(run(f));
  Fixture bad = f;
  bad.ids[2] = 3;
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "ids[2] must be a row in [0, 3), got 3");
  bad.ids[2] = -1;
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "ids[2] must be a row in [0, 3), got -1");
  bad = f;
  bad.offsets[0] = 1;
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "offsets[0] must be 0, got 1");
  bad = f;
  bad.offsets = {0, 2, 1};
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "offsets must rise from 0 to the id count 3, got 1 at index 2");
  bad.offsets = {0, 4, 4};
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "got 4 at index 1");
  bad.offsets = {0, 1, 2};
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "offsets must end at the id count 3, got 2");
  bad = f;
  bad.weights[1] = -0.5;
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "weights[1] must be a finite number >= 0, got -0.5");
  bad.weights[1] = std::nan("");
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "weights[1] must be a finite number >= 0, got nan");
  bad.weights[1] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(run(bad), std::invalid_argument, "weights[1] must be a finite number >= 0, got inf");
  // Nothing was written before the checks refused the input.
  std::vector<float> untouched(4, -7.0f);
  bad.weights[1] = -1;
  CHECK_THROWS_AS(w2v::poolSequences(bad.view(true), Pooling::kSum, 1, untouched.data()), std::invalid_argument,
                  "weights[1]");
  CHECK(untouched == std::vector<float>(4, -7.0f));
}

TEST(pooling_first_singular_vector_maximises_the_projected_energy) {
  // Rows = a shared direction times a random amount plus small noise: the answer is that
  // direction (up to the noise), and no other unit vector captures more energy.
  const int32_t dim = 6;
  const int64_t n = 9000;  // three row blocks
  const double shared[dim] = {0.5, -0.1, 0.7, 0.2, -0.4, 0.2};
  uint64_t state = 5;
  std::vector<float> rows(static_cast<size_t>(n) * dim);
  for (int64_t r = 0; r < n; ++r) {
    const double a = 1 + w2v::uniformFrom(w2v::splitmix64(state));
    for (int32_t j = 0; j < dim; ++j)
      rows[static_cast<size_t>(r) * dim + j] =
          static_cast<float>(a * shared[j] + 0.2 * (w2v::uniformFrom(w2v::splitmix64(state)) - 0.5));
  }
  const std::vector<float> u = w2v::firstSingularVector(rows.data(), n, dim, 1);
  CHECK(w2v::firstSingularVector(rows.data(), n, dim, 3) == u);
  double norm = 0, along = 0, sharedNorm = 0;
  for (int32_t j = 0; j < dim; ++j) {
    norm += static_cast<double>(u[j]) * u[j];
    along += u[j] * shared[j];
    sharedNorm += shared[j] * shared[j];
  }
  CHECK_NEAR(norm, 1, 1e-6);
  CHECK(along / std::sqrt(sharedNorm) > 0.99);  // and the sign: largest entry (0.7) positive
  // The double-precision Gram matrix's top eigenvector by many power steps agrees.
  CHECK_NEAR(std::fabs(dotD(u.data(), topEigenvector(rows, n, dim).data(), dim)), 1, 1e-7);  // u is float
}

TEST(pooling_first_singular_vector_of_rows_without_a_dominant_direction) {
  // Uniform noise: the top two singular values are within a few percent, so the steps on the
  // rows do not converge and the Gram matrix takes over.
  const int32_t dim = 16;
  const int64_t n = 5000;
  uint64_t state = 9;
  std::vector<float> rows(static_cast<size_t>(n) * dim);
  for (float& x : rows) x = w2v::uniformFrom(w2v::splitmix64(state)) - 0.5f;
  const std::vector<float> u = w2v::firstSingularVector(rows.data(), n, dim, 1);
  CHECK(w2v::firstSingularVector(rows.data(), n, dim, 4) == u);
  CHECK_NEAR(std::fabs(dotD(u.data(), topEigenvector(rows, n, dim).data(), dim)), 1, 1e-7);
  size_t largest = 0;
  for (size_t j = 1; j < u.size(); ++j)
    if (std::fabs(u[j]) > std::fabs(u[largest])) largest = j;
  CHECK(u[largest] > 0);
}

TEST(pooling_first_singular_vector_of_zero_rows_is_zero) {
  std::vector<float> rows(12, 0.0f);
  CHECK(w2v::firstSingularVector(rows.data(), 4, 3, 2) == std::vector<float>(3, 0.0f));
  CHECK(w2v::firstSingularVector(rows.data(), 0, 3, 2) == std::vector<float>(3, 0.0f));
  // Rows that cancel out (sum zero) still have a direction: +-(1, 1, 0) / sqrt 2.
  rows = {1, 1, 0, -1, -1, 0};
  const std::vector<float> u = w2v::firstSingularVector(rows.data(), 2, 3, 1);
  CHECK_NEAR(u[0], std::sqrt(0.5), 1e-6);
  CHECK_NEAR(u[1], std::sqrt(0.5), 1e-6);
  CHECK_NEAR(u[2], 0, 1e-6);
}

TEST(pooling_embed_sequences_removes_the_component_and_normalises) {
  const Fixture f = randomFixture(23, 40, 5, 700, 6);
  std::vector<float> out(700 * 5), component(5);
  w2v::EmbedSteps steps;
  steps.pooling = Pooling::kSum;
  steps.computeComponent = true;
  steps.normalize = true;
  w2v::embedSequences(f.view(true), steps, 2, out.data(), component.data());
  const std::vector<float> pooled = pool(f, Pooling::kSum, true, 1);
  CHECK(component == w2v::firstSingularVector(pooled.data(), 700, 5, 1));
  for (int64_t s = 0; s < 700; ++s) {
    const float* p = pooled.data() + s * 5;
    double proj = 0;
    for (int j = 0; j < 5; ++j) proj += static_cast<double>(p[j]) * component[j];
    double want[5], n2 = 0;
    for (int j = 0; j < 5; ++j) {
      want[j] = p[j] - proj * component[j];
      n2 += want[j] * want[j];
    }
    for (int j = 0; j < 5; ++j) {
      const double expected = n2 > 0 ? want[j] / std::sqrt(n2) : 0.0;
      CHECK_NEAR(out[static_cast<size_t>(s) * 5 + j], expected, 2e-5);
    }
  }
  // The same component given back gives the same rows.
  std::vector<float> again(700 * 5);
  steps.computeComponent = false;
  steps.givenComponent = component.data();
  w2v::embedSequences(f.view(true), steps, 3, again.data(), nullptr);
  CHECK(again == out);
  steps.computeComponent = true;
  CHECK_THROWS_AS(w2v::embedSequences(f.view(true), steps, 1, again.data(), component.data()), std::invalid_argument,
                  "either computed or given");
}
