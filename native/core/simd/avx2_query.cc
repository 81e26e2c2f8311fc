// The AVX2 + FMA query kernels. This file alone (with avx2.cc) is compiled with -mavx2 -mfma;
// it runs only when dispatch.cc has seen both in CPUID.
#include <immintrin.h>

#include <cstddef>

#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

inline float horizontalSum(__m256 s) {
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  return _mm_cvtss_f32(h);
}

// Lanes [0, n) set, for the masked load of a row's tail.
inline __m256i tailMask(int32_t n) {
  alignas(32) static const int32_t ramp[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ramp + 8 - n));
}

// The batch kernel's register tile: Q queries x kPanelRows rows, 12 accumulators at most,
// each a dot product over the padded stride, reduced across lanes at the end. Plain loads
// only: AMD cores run broadcasts from memory at a fraction of their FMA rate.
constexpr int32_t kTileQueries = 3;

// The four sums of a0..a3 in one vector.
inline __m128 horizontalSums(__m256 a0, __m256 a1, __m256 a2, __m256 a3) {
  const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
  return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

template <int32_t Q>
inline void panelTile(const float* queries, int32_t stride, const float* rows, float* out, int32_t paddedRows) {
  __m256 acc[Q][kPanelRows];
  for (int32_t q = 0; q < Q; ++q)
    for (int32_t r = 0; r < kPanelRows; ++r) acc[q][r] = _mm256_setzero_ps();
  for (int32_t d = 0; d < stride; d += kPanelStride) {
    __m256 row[kPanelRows];
    for (int32_t r = 0; r < kPanelRows; ++r) row[r] = _mm256_load_ps(rows + static_cast<size_t>(r) * stride + d);
    for (int32_t q = 0; q < Q; ++q) {
      const __m256 v = _mm256_load_ps(queries + static_cast<size_t>(q) * stride + d);
      for (int32_t r = 0; r < kPanelRows; ++r) acc[q][r] = _mm256_fmadd_ps(v, row[r], acc[q][r]);
    }
  }
  for (int32_t q = 0; q < Q; ++q)
    _mm_storeu_ps(out + static_cast<size_t>(q) * paddedRows, horizontalSums(acc[q][0], acc[q][1], acc[q][2], acc[q][3]));
}

template <int32_t Q>
void panelQueries(const float* queries, int32_t stride, const float* panel, int32_t paddedRows, float* out) {
  for (int32_t r = 0; r < paddedRows; r += kPanelRows)
    panelTile<Q>(queries, stride, panel + static_cast<size_t>(r) * stride, out + r, paddedRows);
}

}  // namespace

void dotRowsAvx2(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores) {
  const int32_t full = dim / 8 * 8;
  const __m256i mask = tailMask(dim - full);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = matrix + static_cast<size_t>(r) * dim;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int32_t i = 0;
    for (; i + 16 <= full; i += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(query + i), s0);
      s1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 8), _mm256_loadu_ps(query + i + 8), s1);
    }
    if (i < full) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(query + i), s0);
    if (full < dim)
      s1 = _mm256_fmadd_ps(_mm256_maskload_ps(row + full, mask), _mm256_maskload_ps(query + full, mask), s1);
    scores[r] = horizontalSum(_mm256_add_ps(s0, s1));
  }
}

void dotPanelAvx2(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                  float* out) {
  static_assert(kPanelRows == 4, "horizontalSums reduces four rows");
  int32_t q = 0;
  for (; q + kTileQueries <= queryCount; q += kTileQueries)
    panelQueries<kTileQueries>(queries + static_cast<size_t>(q) * stride, stride, panel, paddedRows,
                               out + static_cast<size_t>(q) * paddedRows);
  const float* rest = queries + static_cast<size_t>(q) * stride;
  float* restOut = out + static_cast<size_t>(q) * paddedRows;
  switch (queryCount - q) {
    case 2: panelQueries<2>(rest, stride, panel, paddedRows, restOut); break;
    case 1: panelQueries<1>(rest, stride, panel, paddedRows, restOut); break;
    default: break;
  }
}

}  // namespace simd
}  // namespace w2v
