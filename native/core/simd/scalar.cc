// The portable kernel: plain loops the compiler vectorises for the baseline instruction set.
#include <algorithm>
#include <cstddef>

#include "../random.h"
#include "../sigmoid_table.h"
#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

struct ScalarOps {
  static float dot(const float* __restrict a, const float* __restrict b, int32_t n) {
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
  static void axpy(float alpha, const float* __restrict x, float* __restrict y, int32_t n) {
    for (int32_t i = 0; i < n; ++i) y[i] += alpha * x[i];
  }
  static void zero(float* x, int32_t n) {
    for (int32_t i = 0; i < n; ++i) x[i] = 0;
  }
  static void scale(float alpha, float* x, int32_t n) {
    for (int32_t i = 0; i < n; ++i) x[i] *= alpha;
  }
};

#include "sentence_kernel.inl"

}  // namespace

void trainSentenceScalar(SentenceJob& job) { trainSentenceWith<ScalarOps>(job); }

}  // namespace simd
}  // namespace w2v
