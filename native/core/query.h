// Exact top-k search over a row-major matrix by inner product, with a bounded heap
// (a partial selection, never a full sort).
#pragma once
#include <cstdint>
#include <vector>

namespace w2v {

struct Scored {
  int32_t id;
  float score;
};

/// The k rows of `matrix` (rows x dim) with the largest inner product with `query`,
/// best first, skipping the ids in `exclude` (sorted or not). Ties keep the lower id first.
std::vector<Scored> topKByDot(const float* matrix, int64_t rows, int32_t dim, const float* query,
                              int32_t k, const int32_t* exclude, int32_t excludeCount);

/// Writes unit-length copies of the rows of `matrix` into `out` (rows of zeros stay zero).
void normalizeRows(const float* matrix, int64_t rows, int32_t dim, float* out);

}  // namespace w2v
