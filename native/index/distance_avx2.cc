// AVX2 + FMA + F16C distances (compiled with those -m flags only here; see distance.h).
#include <immintrin.h>

#include "distance.h"

namespace w2v {
namespace ann {
namespace {

inline float horizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

float negDotF32Avx2(size_t a, size_t b, size_t n) {
  const float* x = reinterpret_cast<const float*>(a);
  const float* y = reinterpret_cast<const float*>(b);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
  }
  if (i + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    i += 8;
  }
  float s = horizontalSum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += x[i] * y[i];
  return -s;
}

float negDotF16Avx2(size_t a, size_t b, size_t n) {
  const uint16_t* x = reinterpret_cast<const uint16_t*>(a);
  const uint16_t* y = reinterpret_cast<const uint16_t*>(b);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))),
                         _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i))), s0);
    s1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i + 8))),
                         _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i + 8))), s1);
  }
  if (i + 8 <= n) {
    s0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))),
                         _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i))), s0);
    i += 8;
  }
  float s = horizontalSum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += _cvtsh_ss(x[i]) * _cvtsh_ss(y[i]);
  return -s;
}

float negDotI8Avx2(size_t a, size_t b, size_t n) {
  const int8_t* x = reinterpret_cast<const int8_t*>(a);
  const int8_t* y = reinterpret_cast<const int8_t*>(b);
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  // 16 values a step, widened to int16; madd sums adjacent products into int32 lanes
  // (|product sum| <= 2 * 127 * 127 per lane a step: no overflow below 2^31 / 32258 steps).
  for (; i + 16 <= n; i += 16) {
    const __m256i xi = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i)));
    const __m256i yi = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xi, yi));
  }
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  int32_t total = _mm_cvtsi128_si32(s);
  for (; i < n; ++i) total += int32_t{x[i]} * int32_t{y[i]};
  return -static_cast<float>(total);
}

}  // namespace ann
}  // namespace w2v
