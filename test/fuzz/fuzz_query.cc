// Fuzz target: the query core (query.h). topKBatchByDot, topKByDot, topKByCosMul and
// normalizeRows on fuzz-derived matrices (NaN, infinities, denormals, huge values), shapes,
// k (negative, zero, beyond the row count) and exclusion lists (duplicates, ids out of
// range, per-query and shared). The results must be well formed whatever the values: ids
// distinct, in range, not excluded, scores never NaN and best first, the tail marked with
// -1 / NaN. When every value is small and finite the results are also checked against a
// brute-force search in double precision: as many as k allows, scores right, none better
// left out.
//
// The preconditions the Node binding checks before calling the core hold here too: rows >= 0,
// dim >= 1, and per-query exclusion offsets that rise from 0 to the id count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "fuzz_input.h"
#include "query.h"

namespace {

struct Case {
  int64_t rows = 0;
  int32_t dim = 1;
  bool moderate = true;  // every value finite and small: results checked against brute force
  std::vector<float> matrix;
};

float value(fuzz::Input& in, bool moderate) {
  return moderate ? static_cast<float>(static_cast<int8_t>(in.byte())) / 32.0f : in.nastyFloat();
}

double refDot(const float* a, const float* b, int32_t dim) {
  double s = 0;
  for (int32_t i = 0; i < dim; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double tolerance(const float* a, const float* b, int32_t dim) {
  double s = 0;
  for (int32_t i = 0; i < dim; ++i) s += std::fabs(static_cast<double>(a[i]) * b[i]);
  return 1e-5 * s + 1e-6;
}

/// What every result list must satisfy. `n` entries before the -1 tail.
size_t checkWellFormed(const int32_t* ids, const float* scores, int32_t k, int64_t rows,
                       const std::set<int32_t>& excluded) {
  size_t n = 0;
  while (n < static_cast<size_t>(k) && ids[n] != -1) ++n;
  std::set<int32_t> seen;
  for (size_t i = 0; i < n; ++i) {
    FUZZ_ASSERT(ids[i] >= 0 && ids[i] < rows, "id %d of %lld rows", ids[i], static_cast<long long>(rows));
    FUZZ_ASSERT(!excluded.count(ids[i]), "excluded id %d returned", ids[i]);
    FUZZ_ASSERT(seen.insert(ids[i]).second, "id %d returned twice", ids[i]);
    FUZZ_ASSERT(!std::isnan(scores[i]), "NaN score returned for id %d", ids[i]);
    if (i > 0) FUZZ_ASSERT(scores[i - 1] >= scores[i], "scores out of order at %zu: %g then %g", i, scores[i - 1], scores[i]);
  }
  for (size_t i = n; i < static_cast<size_t>(k); ++i)
    FUZZ_ASSERT(ids[i] == -1 && std::isnan(scores[i]), "tail entry %zu is id %d score %g", i, ids[i], scores[i]);
  return n;
}

/// Against brute force: `n` = min(k, eligible rows), scores right, nothing better left out.
void checkAgainstBruteForce(const int32_t* ids, const float* scores, size_t n, int32_t k,
                            const std::vector<double>& reference, const std::vector<double>& tolerances,
                            const std::set<int32_t>& excluded) {
  size_t eligible = 0;
  for (size_t r = 0; r < reference.size(); ++r) eligible += excluded.count(static_cast<int32_t>(r)) ? 0 : 1;
  FUZZ_ASSERT(n == std::min(static_cast<size_t>(std::max(k, 0)), eligible), "%zu results, k %d, %zu eligible rows", n,
              k, eligible);
  std::set<int32_t> returned(ids, ids + n);
  for (size_t i = 0; i < n; ++i) {
    const size_t id = static_cast<size_t>(ids[i]);
    FUZZ_ASSERT(std::fabs(scores[i] - reference[id]) <= tolerances[id], "row %zu scored %g, brute force %g", id,
                scores[i], reference[id]);
  }
  if (n == 0) return;
  const size_t last = static_cast<size_t>(ids[n - 1]);
  for (size_t r = 0; r < reference.size(); ++r) {
    if (excluded.count(static_cast<int32_t>(r)) || returned.count(static_cast<int32_t>(r))) continue;
    FUZZ_ASSERT(reference[r] <= reference[last] + tolerances[r] + tolerances[last],
                "row %zu (brute force %g) left out for row %zu (%g)", r, reference[r], last, reference[last]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  Case c;
  c.moderate = in.byte() < 160;
  // Mostly a few rows; sometimes more than one 512-row block. (Splitting the scan over
  // threads takes 8e6 multiply-adds, too slow for a fuzz input: the core tests cover it.)
  const bool many = in.byte() >= 240;
  c.rows = many ? 500 + in.byte() * 3 : in.byte() % 40;
  c.dim = many ? 1 + in.byte() % 3 : 1 + in.byte() % 37;
  const int32_t queryCount = in.byte() % 7;
  const int32_t k = static_cast<int32_t>(in.byte() % 48) - 2;
  const int32_t threads = 1 + in.byte() % 4;
  const size_t cells = static_cast<size_t>(c.rows) * c.dim;
  c.matrix.resize(cells);
  for (size_t i = 0; i < cells; ++i) c.matrix[i] = value(in, c.moderate);
  std::vector<float> queries(static_cast<size_t>(queryCount) * c.dim);
  for (auto& q : queries) q = value(in, c.moderate);

  // Exclusions: shared ids, and per-query lists; duplicates and out-of-range ids included.
  auto excludedId = [&]() { return static_cast<int32_t>(in.byte() % (c.rows + 6)) - 3; };
  std::vector<int32_t> shared(in.byte() % 9);
  for (auto& id : shared) id = excludedId();
  const bool negativeSharedCount = in.byte() >= 248;
  std::vector<int32_t> offsets{0}, perQuery;
  const bool usePerQuery = in.flag();
  for (int32_t q = 0; q < queryCount; ++q) {
    const int n = in.byte() % 5;
    for (int i = 0; i < n; ++i) perQuery.push_back(excludedId());
    offsets.push_back(static_cast<int32_t>(perQuery.size()));
  }
  w2v::Exclusions ex;
  ex.sharedIds = shared.empty() && !in.flag() ? nullptr : shared.data();
  ex.sharedCount = negativeSharedCount ? -1 - in.byte() : static_cast<int32_t>(shared.size());
  if (usePerQuery) {
    ex.perQueryOffsets = offsets.data();
    ex.perQueryIds = perQuery.data();
  }
  auto excludedFor = [&](int32_t q) {
    std::set<int32_t> s;
    if (ex.sharedIds != nullptr && ex.sharedCount > 0) s.insert(shared.begin(), shared.end());
    if (usePerQuery) s.insert(perQuery.begin() + offsets[q], perQuery.begin() + offsets[q + 1]);
    return s;
  };

  const size_t outLength = static_cast<size_t>(queryCount) * static_cast<size_t>(std::max(k, 0));
  std::vector<int32_t> ids(outLength, -7);
  std::vector<float> scores(outLength, -7.0f);
  w2v::topKBatchByDot(c.matrix.data(), c.rows, c.dim, queries.data(), queryCount, k, ex, threads, ids.data(),
                      scores.data());
  for (int32_t q = 0; q < queryCount && k > 0; ++q) {
    const std::set<int32_t> excluded = excludedFor(q);
    const int32_t* qIds = ids.data() + static_cast<size_t>(q) * k;
    const float* qScores = scores.data() + static_cast<size_t>(q) * k;
    const size_t n = checkWellFormed(qIds, qScores, k, c.rows, excluded);
    const float* query = queries.data() + static_cast<size_t>(q) * c.dim;
    if (c.moderate) {
      std::vector<double> reference, tolerances;
      for (int64_t r = 0; r < c.rows; ++r) {
        reference.push_back(refDot(c.matrix.data() + r * c.dim, query, c.dim));
        tolerances.push_back(tolerance(c.matrix.data() + r * c.dim, query, c.dim));
      }
      checkAgainstBruteForce(qIds, qScores, n, k, reference, tolerances, excluded);
    }
    // The one-query entry point agrees with the batch (other kernel, same selection).
    if (!usePerQuery) {
      const std::vector<w2v::Scored> one = w2v::topKByDot(c.matrix.data(), c.rows, c.dim, query, k,
                                                          ex.sharedIds, ex.sharedCount);
      FUZZ_ASSERT(one.size() == n || !c.moderate, "topKByDot found %zu, the batch %zu", one.size(), n);
      std::vector<int32_t> oneIds(static_cast<size_t>(k), -1);
      std::vector<float> oneScores(static_cast<size_t>(k), NAN);
      for (size_t i = 0; i < one.size() && i < static_cast<size_t>(k); ++i) oneIds[i] = one[i].id, oneScores[i] = one[i].score;
      FUZZ_ASSERT(one.size() <= static_cast<size_t>(k), "topKByDot returned %zu for k %d", one.size(), k);
      checkWellFormed(oneIds.data(), oneScores.data(), k, c.rows, excluded);
    }
  }

  // 3CosMul over unit rows, with a, b, c taken from the queries (or rows) and any epsilon.
  std::vector<float> unit(cells);
  w2v::normalizeRows(c.matrix.data(), c.rows, c.dim, unit.data());
  if (c.moderate) {
    for (int64_t r = 0; r < c.rows; ++r) {
      const double n2 = refDot(unit.data() + r * c.dim, unit.data() + r * c.dim, c.dim);
      FUZZ_ASSERT(n2 == 0 || std::fabs(n2 - 1) < 1e-4, "normalised row %lld has squared norm %g",
                  static_cast<long long>(r), n2);
    }
  }
  std::vector<float> abc(static_cast<size_t>(3) * c.dim);
  for (auto& x : abc) x = value(in, c.moderate);
  w2v::normalizeRows(abc.data(), 3, c.dim, abc.data());
  const float epsilon = in.byte() < 200 ? 1e-3f : in.nastyFloat();
  const std::set<int32_t> excluded = ex.sharedIds != nullptr && ex.sharedCount > 0
                                         ? std::set<int32_t>(shared.begin(), shared.end())
                                         : std::set<int32_t>();
  const std::vector<w2v::Scored> mul =
      w2v::topKByCosMul(unit.data(), c.rows, c.dim, abc.data(), abc.data() + c.dim, abc.data() + 2 * c.dim, k,
                        ex.sharedIds, ex.sharedCount, epsilon, threads);
  if (k > 0) {
    FUZZ_ASSERT(mul.size() <= static_cast<size_t>(k), "topKByCosMul returned %zu for k %d", mul.size(), k);
    std::vector<int32_t> mulIds(static_cast<size_t>(k), -1);
    std::vector<float> mulScores(static_cast<size_t>(k), NAN);
    for (size_t i = 0; i < mul.size(); ++i) mulIds[i] = mul[i].id, mulScores[i] = mul[i].score;
    const size_t n = checkWellFormed(mulIds.data(), mulScores.data(), k, c.rows, excluded);
    if (c.moderate && epsilon > 0) {
      size_t eligible = 0;
      for (int64_t r = 0; r < c.rows; ++r) eligible += excluded.count(static_cast<int32_t>(r)) ? 0 : 1;
      FUZZ_ASSERT(n == std::min(static_cast<size_t>(k), eligible), "topKByCosMul: %zu results, %zu eligible", n, eligible);
    }
  } else {
    FUZZ_ASSERT(mul.empty(), "topKByCosMul returned %zu for k %d", mul.size(), k);
  }
  fuzz::note("%s values: %lld rows of dim %d, %d queries, k %d, %zu shared and %zu per-query exclusions, %zu 3CosMul results",
             c.moderate ? "moderate" : "any", static_cast<long long>(c.rows), c.dim, queryCount, k, shared.size(),
             usePerQuery ? perQuery.size() : size_t{0}, mul.size());
  return 0;
}
