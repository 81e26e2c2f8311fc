// Exact top-k search over a row-major matrix by inner product: SIMD scoring (simd/) and a
// bounded heap per query (a partial selection, never a full sort), rows split over threads.
#pragma once
#include <cstdint>
#include <vector>

namespace w2v {

struct Scored {
  int32_t id;
  float score;
};

/// Ids a query must not return. `perQueryOffsets` (queryCount + 1 entries, or null) delimits
/// each query's list in `perQueryIds`; `sharedIds` apply to every query. Unsorted is fine.
struct Exclusions {
  const int32_t* perQueryOffsets = nullptr;
  const int32_t* perQueryIds = nullptr;
  const int32_t* sharedIds = nullptr;
  int32_t sharedCount = 0;
};

/// The k rows of `matrix` (rows x dim) with the largest inner product with `query`,
/// best first, skipping the ids in `exclude` (sorted or not). Ties keep the lower id first;
/// NaN scores are never returned.
std::vector<Scored> topKByDot(const float* matrix, int64_t rows, int32_t dim, const float* query,
                              int32_t k, const int32_t* exclude, int32_t excludeCount);

/// topKByDot for `queryCount` queries (row-major, queryCount x dim) at once: rows are scored
/// in cache-sized blocks by a register-tiled matrix product when there are several queries,
/// split over up to `threads` threads. Writes queryCount x k results, best first; a query
/// with fewer than k candidates has its tail filled with id -1 and score NaN. With
/// `rowScale` (rows entries), row r's scores are multiplied by rowScale[r]: 1/|row| gives
/// cosines of unit queries without a unit-length copy of the matrix.
void topKBatchByDot(const float* matrix, int64_t rows, int32_t dim, const float* queries, int32_t queryCount,
                    int32_t k, const Exclusions& exclude, int32_t threads, int32_t* outIds, float* outScores,
                    const float* rowScale = nullptr);

/// 3CosMul (Levy & Goldberg 2014) for "a is to b as c is to ?" over unit-length rows:
/// argmax_d cos'(d,b) cos'(d,c) / (cos'(d,a) + epsilon) with cos' = (cos + 1) / 2, the k best,
/// a, b, c and `exclude` left out. The queries a, b, c must be unit length.
std::vector<Scored> topKByCosMul(const float* unitMatrix, int64_t rows, int32_t dim, const float* a,
                                 const float* b, const float* c, int32_t k, const int32_t* exclude,
                                 int32_t excludeCount, float epsilon, int32_t threads);

/// Writes unit-length copies of the rows of `matrix` into `out` (rows of zeros stay zero).
void normalizeRows(const float* matrix, int64_t rows, int32_t dim, float* out);

/// Writes 1/|row| of each row of `matrix` into `out` (rows entries; 0 for a row of zeros), the
/// factor normalizeRows applies.
void inverseRowNorms(const float* matrix, int64_t rows, int32_t dim, float* out);

}  // namespace w2v
