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

// Queries per register tile of the batch kernel: kTileQueries x (kPanelPair x 8 rows) sums,
// 12 accumulators, enough independent FMAs to cover the FMA latency of two pipes.
constexpr int32_t kTileQueries = 6;

template <int32_t Q>
inline void panelTile(const float* queries, int32_t dim, const float* g0, const float* g1, float* out,
                      int32_t paddedRows) {
  __m256 acc0[Q], acc1[Q];
  for (int32_t q = 0; q < Q; ++q) acc0[q] = acc1[q] = _mm256_setzero_ps();
  for (int32_t d = 0; d < dim; ++d) {
    const __m256 p0 = _mm256_load_ps(g0 + static_cast<size_t>(d) * kPanelLanes);
    const __m256 p1 = _mm256_load_ps(g1 + static_cast<size_t>(d) * kPanelLanes);
    for (int32_t q = 0; q < Q; ++q) {
      const __m256 b = _mm256_broadcast_ss(queries + static_cast<size_t>(q) * dim + d);
      acc0[q] = _mm256_fmadd_ps(b, p0, acc0[q]);
      acc1[q] = _mm256_fmadd_ps(b, p1, acc1[q]);
    }
  }
  for (int32_t q = 0; q < Q; ++q) {
    _mm256_storeu_ps(out + static_cast<size_t>(q) * paddedRows, acc0[q]);
    _mm256_storeu_ps(out + static_cast<size_t>(q) * paddedRows + kPanelLanes, acc1[q]);
  }
}

template <int32_t Q>
void panelQueries(const float* queries, int32_t dim, const float* panel, int32_t paddedRows, float* out) {
  const size_t groupFloats = static_cast<size_t>(dim) * kPanelLanes;
  for (int32_t g = 0; g < paddedRows / kPanelLanes; g += kPanelPair)
    panelTile<Q>(queries, dim, panel + g * groupFloats, panel + (g + 1) * groupFloats,
                 out + static_cast<size_t>(g) * kPanelLanes, paddedRows);
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

void dotPanelAvx2(const float* queries, int32_t queryCount, int32_t dim, const float* panel, int32_t paddedRows,
                  float* out) {
  int32_t q = 0;
  for (; q + kTileQueries <= queryCount; q += kTileQueries)
    panelQueries<kTileQueries>(queries + static_cast<size_t>(q) * dim, dim, panel, paddedRows,
                               out + static_cast<size_t>(q) * paddedRows);
  const float* rest = queries + static_cast<size_t>(q) * dim;
  float* restOut = out + static_cast<size_t>(q) * paddedRows;
  switch (queryCount - q) {
    case 5: panelQueries<5>(rest, dim, panel, paddedRows, restOut); break;
    case 4: panelQueries<4>(rest, dim, panel, paddedRows, restOut); break;
    case 3: panelQueries<3>(rest, dim, panel, paddedRows, restOut); break;
    case 2: panelQueries<2>(rest, dim, panel, paddedRows, restOut); break;
    case 1: panelQueries<1>(rest, dim, panel, paddedRows, restOut); break;
    default: break;
  }
}

}  // namespace simd
}  // namespace w2v
