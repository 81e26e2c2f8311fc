// Small dense kernels of the trainer and the queries. Plain loops that the compiler
// vectorises for the baseline instruction set; per-ISA kernels are chosen at run time
// in native/core/simd.
#pragma once
#include <cstdint>

namespace w2v {

inline float dot(const float* __restrict a, const float* __restrict b, int32_t n) {
  // Four partial sums so the compiler may vectorise without -ffast-math reassociation.
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

/// y += alpha * x
inline void axpy(float alpha, const float* __restrict x, float* __restrict y, int32_t n) {
  for (int32_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

inline void scale(float alpha, float* __restrict x, int32_t n) {
  for (int32_t i = 0; i < n; ++i) x[i] *= alpha;
}

}  // namespace w2v
