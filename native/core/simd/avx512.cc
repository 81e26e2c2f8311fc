// The AVX-512F kernels: 16-lane vectors with masked tails. This file alone is compiled with
// -mavx512f; dispatch.cc runs it only when CPUID and the OS (ZMM state) support AVX-512F and
// the environment asks for it (W2V_SIMD=avx512): it has not been run on AVX-512 hardware
// yet, so AVX2 stays the default there until it has (see README, "SIMD kernels").
// GCC 12's own AVX-512 intrinsics headers trip -Wmaybe-uninitialized (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstddef>

#include "../random.h"
#include "../sigmoid_table.h"
#include "../trainer_types.h"
#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

inline __mmask16 tailMask(int32_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

struct WindowProduct;
struct Avx512Ops {
  static constexpr bool kFusedCbow = false;
  static void cbowNegative(SentenceJob&, int32_t, float* const*, int32_t) {}
  static void windowProducts(const WindowProduct& w, SentenceJob& j);
  static float dot(const float* a, const float* b, int32_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
      const __mmask16 m = tailMask(n - i);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    const __m512 s = _mm512_add_ps(s0, s1);
    const __m256 lo = _mm512_castps512_ps256(s);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1));
    const __m256 h8 = _mm256_add_ps(lo, hi);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  static void axpy(float alpha, const float* x, float* y, int32_t n) {
    const __m512 a = _mm512_set1_ps(alpha);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
      const __mmask16 m = tailMask(n - i);
      _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
  }
  static void zero(float* x, int32_t n) { std::fill(x, x + n, 0.0f); }
  static void scale(float alpha, float* x, int32_t n) {
    const __m512 a = _mm512_set1_ps(alpha);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(a, _mm512_loadu_ps(x + i)));
    for (; i < n; ++i) x[i] *= alpha;
  }
};

#include "sentence_kernel.inl"

void Avx512Ops::windowProducts(const WindowProduct& w, SentenceJob& j) { windowProductsByRows<Avx512Ops>(w, j); }

}  // namespace

void trainSentenceAvx512(SentenceJob& job) { trainSentenceWith<Avx512Ops>(job); }

void dotRowsAvx512(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores) {
  for (int64_t r = 0; r < rows; ++r) scores[r] = Avx512Ops::dot(matrix + static_cast<size_t>(r) * dim, query, dim);
}

void dotPanelAvx512(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                    float* out) {
  // The stride is a multiple of 8 floats: 16-lane chunks, then one masked 8-lane half.
  for (int32_t q = 0; q < queryCount; ++q)
    for (int32_t r = 0; r < paddedRows; ++r)
      out[static_cast<size_t>(q) * paddedRows + r] =
          Avx512Ops::dot(queries + static_cast<size_t>(q) * stride, panel + static_cast<size_t>(r) * stride, stride);
}

}  // namespace simd
}  // namespace w2v
