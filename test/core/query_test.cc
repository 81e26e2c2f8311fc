// topKByDot and normalizeRows against a brute-force full sort.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "check.h"
#include "query.h"
#include "random.h"
#include "simd/kernels.h"
#include "vector_math.h"

using w2v::Scored;

namespace {

// Scores in double precision: exact for the small-integer matrices, within float rounding
// of the SIMD kernels' sums otherwise.
double exactDot(const float* a, const float* b, int32_t dim) {
  double s = 0;
  for (int32_t i = 0; i < dim; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

std::vector<Scored> bruteForce(const std::vector<float>& m, int64_t rows, int32_t dim, const float* q, int32_t k,
                               const std::vector<int32_t>& exclude) {
  const std::set<int32_t> excluded(exclude.begin(), exclude.end());
  std::vector<Scored> all;
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t id = static_cast<int32_t>(r);
    if (excluded.count(id)) continue;
    const double s = exactDot(m.data() + r * dim, q, dim);
    if (std::isnan(s)) continue;
    all.push_back(Scored{id, static_cast<float>(s)});
  }
  std::sort(all.begin(), all.end(),
            [](const Scored& a, const Scored& b) { return a.score > b.score || (a.score == b.score && a.id < b.id); });
  if (k < 0) k = 0;
  if (all.size() > static_cast<size_t>(k)) all.resize(static_cast<size_t>(k));
  return all;
}

// Exact data: the same ids and scores in the same order. Float data: the same scores within
// rounding at every rank, and every returned id really has (about) the score reported.
bool sameResults(const std::vector<Scored>& got, const std::vector<Scored>& want, const std::vector<float>* m = nullptr,
                 int32_t dim = 0, const float* q = nullptr) {
  if (!CHECK_EQ(got.size(), want.size())) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (m == nullptr) {
      if (!CHECK_MSG(got[i].id == want[i].id && got[i].score == want[i].score,
                     "rank " << i << ": got id " << got[i].id << " score " << got[i].score << ", want id "
                             << want[i].id << " score " << want[i].score))
        return false;
    } else {
      const double truth = exactDot(m->data() + static_cast<size_t>(got[i].id) * dim, q, dim);
      if (!CHECK_MSG(std::fabs(got[i].score - want[i].score) <= 1e-5 && std::fabs(got[i].score - truth) <= 1e-5,
                     "rank " << i << ": got id " << got[i].id << " score " << got[i].score << " (true " << truth
                             << "), want id " << want[i].id << " score " << want[i].score))
        return false;
    }
  }
  return true;
}

std::vector<float> randomMatrix(w2v::Random& rng, int64_t rows, int32_t dim, bool smallIntegers) {
  std::vector<float> m(static_cast<size_t>(rows * dim));
  for (float& x : m)
    x = smallIntegers ? static_cast<float>(static_cast<int>(rng.below(3)) - 1) : rng.uniform() * 2.0f - 1.0f;
  return m;
}

std::vector<Scored> topK(const std::vector<float>& m, int64_t rows, int32_t dim, const float* q, int32_t k,
                         const std::vector<int32_t>& exclude) {
  return w2v::topKByDot(m.data(), rows, dim, q, k, exclude.empty() ? nullptr : exclude.data(),
                        static_cast<int32_t>(exclude.size()));
}

}  // namespace

TEST(topk_matches_brute_force_on_random_data) {
  w2v::Random rng(99);
  for (int round = 0; round < 40; ++round) {
    const int64_t rows = 1 + rng.below(600);
    const int32_t dim = 1 + static_cast<int32_t>(rng.below(40));
    const bool ties = round % 2 == 1;  // small integer entries: many exact ties
    const std::vector<float> m = randomMatrix(rng, rows, dim, ties);
    const std::vector<float> q = randomMatrix(rng, 1, dim, ties);
    const int32_t ks[] = {1, 5, 10, static_cast<int32_t>(rows)};
    for (int32_t k : ks)
      if (!sameResults(topK(m, rows, dim, q.data(), k, {}), bruteForce(m, rows, dim, q.data(), k, {}),
                       ties ? nullptr : &m, dim, q.data()))
        return;
  }
}

TEST(topk_ties_prefer_lower_id) {
  // Rows 3, 5, 8 and 9 are identical; rows 0 and 1 identical and better.
  const int32_t dim = 3;
  std::vector<float> m(10 * dim, 0.0f);
  auto setRow = [&](int r, float a, float b, float c) {
    m[r * dim] = a;
    m[r * dim + 1] = b;
    m[r * dim + 2] = c;
  };
  for (int r = 0; r < 10; ++r) setRow(r, -1, 0, 0);
  for (int r : {3, 5, 8, 9}) setRow(r, 1, 1, 0);
  for (int r : {0, 1}) setRow(r, 2, 2, 2);
  const float q[] = {1, 1, 1};
  const std::vector<Scored> got = topK(m, 10, dim, q, 4, {});
  if (!CHECK_EQ(got.size(), 4u)) return;
  CHECK_EQ(got[0].id, 0);
  CHECK_EQ(got[1].id, 1);
  CHECK_EQ(got[2].id, 3);
  CHECK_EQ(got[3].id, 5);
  CHECK_EQ(got[2].score, 2.0f);
  sameResults(got, bruteForce(m, 10, dim, q, 4, {}));
  // Excluding 3 lets 8 in, ahead of 9.
  const std::vector<Scored> without3 = topK(m, 10, dim, q, 4, {3});
  if (CHECK_EQ(without3.size(), 4u)) CHECK_EQ(without3[3].id, 8);
}

TEST(topk_exclusions) {
  w2v::Random rng(5);
  const int64_t rows = 300;
  const int32_t dim = 16;
  const std::vector<float> m = randomMatrix(rng, rows, dim, false);
  for (int round = 0; round < 30; ++round) {
    const std::vector<float> q = randomMatrix(rng, 1, dim, false);
    // Unsorted, with duplicates and ids outside the matrix.
    std::vector<int32_t> exclude;
    const uint32_t count = rng.below(40);
    for (uint32_t i = 0; i < count; ++i) exclude.push_back(static_cast<int32_t>(rng.below(320)) - 10);
    // Always exclude the true best row, so an ignored exclusion shows.
    exclude.push_back(bruteForce(m, rows, dim, q.data(), 1, {})[0].id);
    const std::vector<Scored> got = topK(m, rows, dim, q.data(), 10, exclude);
    if (!sameResults(got, bruteForce(m, rows, dim, q.data(), 10, exclude), &m, dim, q.data())) return;
    for (const Scored& s : got)
      CHECK(std::find(exclude.begin(), exclude.end(), s.id) == exclude.end());
  }
}

TEST(topk_k_larger_than_rows_and_zero) {
  w2v::Random rng(6);
  const int64_t rows = 12;
  const int32_t dim = 5;
  const std::vector<float> m = randomMatrix(rng, rows, dim, false);
  const std::vector<float> q = randomMatrix(rng, 1, dim, false);
  const std::vector<Scored> all = topK(m, rows, dim, q.data(), 100, {});
  CHECK_EQ(all.size(), static_cast<size_t>(rows));
  sameResults(all, bruteForce(m, rows, dim, q.data(), 100, {}), &m, dim, q.data());
  const std::vector<Scored> allButTwo = topK(m, rows, dim, q.data(), 100, {0, 7});
  CHECK_EQ(allButTwo.size(), static_cast<size_t>(rows - 2));
  sameResults(allButTwo, bruteForce(m, rows, dim, q.data(), 100, {0, 7}), &m, dim, q.data());
  CHECK(topK(m, rows, dim, q.data(), 0, {}).empty());
  CHECK(topK(m, rows, dim, q.data(), -3, {}).empty());
  CHECK(topK(m, 0, dim, q.data(), 5, {}).empty());
}

TEST(topk_skips_nan_rows) {
  w2v::Random rng(8);
  const int64_t rows = 50;
  const int32_t dim = 8;
  std::vector<float> m = randomMatrix(rng, rows, dim, false);
  const std::vector<float> q = randomMatrix(rng, 1, dim, false);
  const std::set<int32_t> nanRows = {0, 13, 14, 49};
  for (int32_t r : nanRows) m[static_cast<size_t>(r * dim + 3)] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<Scored> got = topK(m, rows, dim, q.data(), static_cast<int32_t>(rows), {});
  CHECK_EQ(got.size(), static_cast<size_t>(rows) - nanRows.size());
  for (const Scored& s : got) {
    CHECK(nanRows.count(s.id) == 0);
    CHECK(!std::isnan(s.score));
  }
  sameResults(got, bruteForce(m, rows, dim, q.data(), static_cast<int32_t>(rows), {}), &m, dim, q.data());
  sameResults(topK(m, rows, dim, q.data(), 3, {}), bruteForce(m, rows, dim, q.data(), 3, {}), &m, dim, q.data());
}

TEST(normalize_rows) {
  w2v::Random rng(11);
  const int64_t rows = 40;
  const int32_t dim = 7;
  std::vector<float> m = randomMatrix(rng, rows, dim, false);
  for (int32_t i = 0; i < dim; ++i) m[static_cast<size_t>(5 * dim + i)] = 0.0f;  // a zero row
  for (int32_t i = 0; i < dim; ++i) m[static_cast<size_t>(6 * dim + i)] = i == 2 ? 1e-20f : 0.0f;  // tiny
  std::vector<float> out(m.size(), -7.0f);
  w2v::normalizeRows(m.data(), rows, dim, out.data());
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = m.data() + r * dim;
    const float* o = out.data() + r * dim;
    double n2 = 0;
    for (int32_t i = 0; i < dim; ++i) n2 += static_cast<double>(in[i]) * in[i];
    if (r == 5) {
      for (int32_t i = 0; i < dim; ++i) CHECK_EQ(o[i], 0.0f);
      continue;
    }
    double on2 = 0;
    for (int32_t i = 0; i < dim; ++i) on2 += static_cast<double>(o[i]) * o[i];
    if (r == 6) {
      // A tiny row: either normalised or left zero, never NaN/Inf.
      for (int32_t i = 0; i < dim; ++i) CHECK(std::isfinite(o[i]));
      continue;
    }
    CHECK_NEAR(on2, 1.0, 1e-5);
    const double inv = 1.0 / std::sqrt(n2);
    for (int32_t i = 0; i < dim; ++i) CHECK_NEAR(o[i], in[i] * inv, 1e-6);
  }
  // Cosine top-k = dot top-k over the normalised rows: the query row itself comes first.
  const std::vector<Scored> got = w2v::topKByDot(out.data(), rows, dim, out.data() + 9 * dim, 3, nullptr, 0);
  if (CHECK_EQ(got.size(), 3u)) {
    CHECK_EQ(got[0].id, 9);
    CHECK_NEAR(got[0].score, 1.0, 1e-5);
  }
}

namespace {

// Runs the batch search and returns query q's results up to the first id -1.
std::vector<std::vector<Scored>> batch(const std::vector<float>& m, int64_t rows, int32_t dim,
                                       const std::vector<float>& queries, int32_t queryCount, int32_t k,
                                       const w2v::Exclusions& ex, int32_t threads) {
  std::vector<int32_t> ids(static_cast<size_t>(queryCount) * k, 12345);
  std::vector<float> scores(ids.size(), 12345.0f);
  w2v::topKBatchByDot(m.data(), rows, dim, queries.data(), queryCount, k, ex, threads, ids.data(), scores.data());
  std::vector<std::vector<Scored>> out(static_cast<size_t>(queryCount));
  for (int32_t q = 0; q < queryCount; ++q) {
    bool ended = false;
    for (int32_t i = 0; i < k; ++i) {
      const size_t o = static_cast<size_t>(q) * k + i;
      if (ids[o] < 0) {
        ended = true;
        CHECK(std::isnan(scores[o]));
        continue;
      }
      CHECK_MSG(!ended, "query " << q << ": a result after the -1 padding at rank " << i);
      out[static_cast<size_t>(q)].push_back(Scored{ids[o], scores[o]});
    }
  }
  return out;
}

}  // namespace

TEST(batch_topk_matches_brute_force_across_blocks_threads_and_query_counts) {
  w2v::Random rng(2024);
  const int64_t rowChoices[] = {1, 17, 511, 512, 513, 1500};
  const int32_t dimChoices[] = {1, 7, 8, 16, 100};
  const int32_t queryChoices[] = {1, 2, 3, 6, 7, 13};
  for (int round = 0; round < 36; ++round) {
    const int64_t rows = rowChoices[round % 6];
    const int32_t dim = dimChoices[(round / 2) % 5];
    const int32_t queryCount = queryChoices[(round / 3) % 6];
    const int32_t threads = 1 + round % 3;
    const bool ties = round % 4 == 3;
    const std::vector<float> m = randomMatrix(rng, rows, dim, ties);
    const std::vector<float> queries = randomMatrix(rng, queryCount, dim, ties);
    // Per-query exclusions: query q excludes its own true best row and a few random ids.
    std::vector<int32_t> offsets{0};
    std::vector<int32_t> perQuery;
    std::vector<std::vector<int32_t>> excluded(static_cast<size_t>(queryCount));
    for (int32_t q = 0; q < queryCount; ++q) {
      const float* query = queries.data() + static_cast<size_t>(q) * dim;
      excluded[static_cast<size_t>(q)].push_back(bruteForce(m, rows, dim, query, 1, {})[0].id);
      for (uint32_t i = rng.below(4); i > 0; --i)
        excluded[static_cast<size_t>(q)].push_back(static_cast<int32_t>(rng.below(static_cast<uint32_t>(rows))));
      perQuery.insert(perQuery.end(), excluded[static_cast<size_t>(q)].begin(), excluded[static_cast<size_t>(q)].end());
      offsets.push_back(static_cast<int32_t>(perQuery.size()));
    }
    const int32_t shared = static_cast<int32_t>(rows / 2);
    w2v::Exclusions ex;
    ex.perQueryOffsets = offsets.data();
    ex.perQueryIds = perQuery.data();
    ex.sharedIds = &shared;
    ex.sharedCount = 1;
    for (int32_t k : {1, 10, static_cast<int32_t>(rows) + 3}) {
      const auto got = batch(m, rows, dim, queries, queryCount, k, ex, threads);
      for (int32_t q = 0; q < queryCount; ++q) {
        std::vector<int32_t> all = excluded[static_cast<size_t>(q)];
        all.push_back(shared);
        const float* query = queries.data() + static_cast<size_t>(q) * dim;
        if (!CHECK_MSG(sameResults(got[static_cast<size_t>(q)], bruteForce(m, rows, dim, query, k, all),
                                   ties ? nullptr : &m, dim, query),
                       "rows " << rows << " dim " << dim << " queries " << queryCount << " threads " << threads
                               << " k " << k << " query " << q))
          return;
      }
    }
  }
}

TEST(batch_topk_row_scale_gives_cosines_without_a_unit_copy) {
  // Scores scaled by 1/|row| against unit queries rank as the same search over unit rows,
  // in both paths (one query: row by row; several: packed panels), on 1 and 3 threads.
  w2v::Random rng(91);
  const int64_t rows = 1300;
  const int32_t dim = 19;
  std::vector<float> m = randomMatrix(rng, rows, dim, false);
  for (int32_t i = 0; i < dim; ++i) m[static_cast<size_t>(40 * dim + i)] = 0.0f;  // a zero row scores 0
  std::vector<float> unit(m.size());
  w2v::normalizeRows(m.data(), rows, dim, unit.data());
  std::vector<float> inverse(static_cast<size_t>(rows));
  w2v::inverseRowNorms(m.data(), rows, dim, inverse.data());
  CHECK_EQ(inverse[40], 0.0f);
  for (int32_t queryCount : {1, 5}) {
    std::vector<float> queries = randomMatrix(rng, queryCount, dim, false);
    w2v::normalizeRows(queries.data(), queryCount, dim, queries.data());
    const int32_t k = 7;
    for (int32_t threads : {1, 3}) {
      std::vector<int32_t> ids(static_cast<size_t>(queryCount) * k);
      std::vector<float> scores(ids.size());
      w2v::topKBatchByDot(m.data(), rows, dim, queries.data(), queryCount, k, w2v::Exclusions{}, threads, ids.data(),
                          scores.data(), inverse.data());
      for (int32_t q = 0; q < queryCount; ++q) {
        const float* query = queries.data() + static_cast<size_t>(q) * dim;
        const std::vector<Scored> want = bruteForce(unit, rows, dim, query, k, {});
        std::vector<Scored> got;
        for (int32_t i = 0; i < k; ++i) got.push_back(Scored{ids[static_cast<size_t>(q * k + i)], scores[static_cast<size_t>(q * k + i)]});
        if (!CHECK_MSG(sameResults(got, want, &unit, dim, query), "queries " << queryCount << " threads " << threads << " query " << q))
          return;
      }
    }
  }
}

TEST(batch_topk_kernels_agree_with_scalar) {
  // The kernel this CPU runs and the portable one give the same scores within rounding.
  w2v::Random rng(77);
  const int32_t dim = 37;
  const int32_t rows = 48;  // a multiple of the panel tile
  const int32_t queryCount = 8;
  const std::vector<float> m = randomMatrix(rng, rows, dim, false);
  const std::vector<float> queries = randomMatrix(rng, queryCount, dim, false);
  const w2v::simd::QueryKernels best = w2v::simd::selectQueryKernels();
  std::vector<float> a(static_cast<size_t>(rows)), b(static_cast<size_t>(rows));
  w2v::simd::dotRowsScalar(m.data(), rows, dim, queries.data(), a.data());
  best.dotRows(m.data(), rows, dim, queries.data(), b.data());
  for (int32_t r = 0; r < rows; ++r) CHECK_NEAR(a[static_cast<size_t>(r)], b[static_cast<size_t>(r)], 1e-5);
  for (int32_t r = 0; r < rows; ++r)
    CHECK_NEAR(a[static_cast<size_t>(r)], exactDot(m.data() + static_cast<size_t>(r) * dim, queries.data(), dim), 1e-5);
}

TEST(cosmul_matches_brute_force) {
  w2v::Random rng(31);
  const int64_t rows = 900;
  const int32_t dim = 24;
  std::vector<float> raw = randomMatrix(rng, rows, dim, false);
  std::vector<float> unit(raw.size());
  w2v::normalizeRows(raw.data(), rows, dim, unit.data());
  const float* a = unit.data() + 3 * dim;
  const float* b = unit.data() + 10 * dim;
  const float* c = unit.data() + 77 * dim;
  const int32_t exclude[] = {3, 10, 77};
  for (int32_t threads : {1, 2}) {
    const auto got = w2v::topKByCosMul(unit.data(), rows, dim, a, b, c, 5, exclude, 3, 1e-3f, threads);
    std::vector<Scored> want;
    for (int64_t r = 0; r < rows; ++r) {
      if (r == 3 || r == 10 || r == 77) continue;
      const float* d = unit.data() + r * dim;
      const double ca = (exactDot(d, a, dim) + 1) / 2, cb = (exactDot(d, b, dim) + 1) / 2,
                   cc = (exactDot(d, c, dim) + 1) / 2;
      want.push_back(Scored{static_cast<int32_t>(r), static_cast<float>(cb * cc / (ca + 1e-3))});
    }
    std::sort(want.begin(), want.end(), [](const Scored& x, const Scored& y) { return x.score > y.score; });
    if (!CHECK_EQ(got.size(), 5u)) return;
    for (size_t i = 0; i < 5; ++i) CHECK_NEAR(got[i].score, want[i].score, 1e-4);
    CHECK_EQ(got[0].id, want[0].id);
  }
}
