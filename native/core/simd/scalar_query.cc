// The portable query kernels: plain loops the compiler vectorises for the baseline ISA.
#include <cstddef>

#include "../vector_math.h"
#include "kernels.h"

namespace w2v {
namespace simd {

void dotRowsScalar(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores) {
  for (int64_t r = 0; r < rows; ++r) scores[r] = w2v::dot(matrix + static_cast<size_t>(r) * dim, query, dim);
}

void dotPanelScalar(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                    float* out) {
  for (int32_t q = 0; q < queryCount; ++q)
    for (int32_t r = 0; r < paddedRows; ++r)
      out[static_cast<size_t>(q) * paddedRows + r] =
          w2v::dot(queries + static_cast<size_t>(q) * stride, panel + static_cast<size_t>(r) * stride, stride);
}

}  // namespace simd
}  // namespace w2v
