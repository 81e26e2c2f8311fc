// The NEON kernels (AArch64, where NEON is part of the base instruction set): training and
// query scoring with 4-lane float vectors and fused multiply-adds.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <algorithm>
#include <cstddef>

#include "../random.h"
#include "../sigmoid_table.h"
#include "../trainer_types.h"
#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

struct WindowProduct;
struct NeonOps {
  static constexpr bool kFusedCbow = false;
  static constexpr bool kTiledPath = false;
  static void cbowNegative(SentenceJob&, int32_t, float* const*, int32_t, const int32_t*, int32_t) {}
  static void windowProducts(const WindowProduct& w, SentenceJob& j);
  static float dot(const float* a, const float* b, int32_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) {
      s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
      s1 = vfmaq_f32(s1, vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    }
    for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, vld1q_f32(a + i), vld1q_f32(b + i));
    float r = vaddvq_f32(vaddq_f32(s0, s1));
    for (; i < n; ++i) r += a[i] * b[i];
    return r;
  }
  static void axpy(float alpha, const float* x, float* y, int32_t n) {
    const float32x4_t a = vdupq_n_f32(alpha);
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vfmaq_f32(vld1q_f32(y + i), a, vld1q_f32(x + i)));
    for (; i < n; ++i) y[i] += alpha * x[i];
  }
  static void zero(float* x, int32_t n) { std::fill(x, x + n, 0.0f); }
  static void scale(float alpha, float* x, int32_t n) {
    const float32x4_t a = vdupq_n_f32(alpha);
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) vst1q_f32(x + i, vmulq_f32(a, vld1q_f32(x + i)));
    for (; i < n; ++i) x[i] *= alpha;
  }
};

#include "sentence_kernel.inl"

void NeonOps::windowProducts(const WindowProduct& w, SentenceJob& j) { windowProductsByRows<NeonOps>(w, j); }

}  // namespace

void trainSentenceNeon(SentenceJob& job) { trainSentenceWith<NeonOps>(job); }

void dotRowsNeon(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores) {
  for (int64_t r = 0; r < rows; ++r) scores[r] = NeonOps::dot(matrix + static_cast<size_t>(r) * dim, query, dim);
}

void dotPanelNeon(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                  float* out) {
  // Tiles of 2 queries x 4 rows: eight 4-lane accumulators, reduced at the end.
  for (int32_t q = 0; q < queryCount; q += 2) {
    const int32_t nq = std::min(2, queryCount - q);
    for (int32_t r = 0; r < paddedRows; r += kPanelRows) {
      float32x4_t acc[2][kPanelRows];
      for (auto& row : acc)
        for (auto& a : row) a = vdupq_n_f32(0);
      for (int32_t d = 0; d < stride; d += 4) {
        float32x4_t rows[kPanelRows];
        for (int32_t k = 0; k < kPanelRows; ++k) rows[k] = vld1q_f32(panel + static_cast<size_t>(r + k) * stride + d);
        for (int32_t i = 0; i < nq; ++i) {
          const float32x4_t v = vld1q_f32(queries + static_cast<size_t>(q + i) * stride + d);
          for (int32_t k = 0; k < kPanelRows; ++k) acc[i][k] = vfmaq_f32(acc[i][k], v, rows[k]);
        }
      }
      for (int32_t i = 0; i < nq; ++i)
        for (int32_t k = 0; k < kPanelRows; ++k) out[static_cast<size_t>(q + i) * paddedRows + r + k] = vaddvq_f32(acc[i][k]);
    }
  }
}

}  // namespace simd
}  // namespace w2v
#endif
