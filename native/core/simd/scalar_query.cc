// The portable query kernels: plain loops the compiler vectorises for the baseline ISA.
#include <cstddef>

#include "../vector_math.h"
#include "kernels.h"

namespace w2v {
namespace simd {

void dotRowsScalar(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores) {
  for (int64_t r = 0; r < rows; ++r) scores[r] = w2v::dot(matrix + static_cast<size_t>(r) * dim, query, dim);
}

void dotPanelScalar(const float* queries, int32_t queryCount, int32_t dim, const float* panel, int32_t paddedRows,
                    float* out) {
  const int32_t groups = paddedRows / kPanelLanes;
  for (int32_t q = 0; q < queryCount; ++q) {
    const float* query = queries + static_cast<size_t>(q) * dim;
    for (int32_t g = 0; g < groups; ++g) {
      const float* group = panel + static_cast<size_t>(g) * dim * kPanelLanes;
      float acc[kPanelLanes] = {};
      for (int32_t d = 0; d < dim; ++d)
        for (int32_t l = 0; l < kPanelLanes; ++l) acc[l] += query[d] * group[d * kPanelLanes + l];
      float* o = out + static_cast<size_t>(q) * paddedRows + static_cast<size_t>(g) * kPanelLanes;
      for (int32_t l = 0; l < kPanelLanes; ++l) o[l] = acc[l];
    }
  }
}

}  // namespace simd
}  // namespace w2v
