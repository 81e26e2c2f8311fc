// The portable kernel: plain loops the compiler vectorises for the baseline instruction set.
#include <algorithm>
#include <cstddef>

#include "../random.h"
#include "../sigmoid_table.h"
#include "../trainer_types.h"
#include "../vector_math.h"
#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

// This file is built with the core's own flags, so it may share vector_math.h's inline loops.
struct WindowProduct;
struct ScalarOps {
  static constexpr bool kFusedCbow = false;
  static constexpr bool kTiledPath = false;
  static void cbowNegative(SentenceJob&, int32_t, float* const*, int32_t, const int32_t*, int32_t) {}
  static void windowProducts(const WindowProduct& w, SentenceJob& j);
  static float dot(const float* a, const float* b, int32_t n) { return w2v::dot(a, b, n); }
  static void axpy(float alpha, const float* x, float* y, int32_t n) { w2v::axpy(alpha, x, y, n); }
  static void zero(float* x, int32_t n) { std::fill(x, x + n, 0.0f); }
  static void scale(float alpha, float* x, int32_t n) { w2v::scale(alpha, x, n); }
};

#include "sentence_kernel.inl"

void ScalarOps::windowProducts(const WindowProduct& w, SentenceJob& j) { windowProductsByRows<ScalarOps>(w, j); }

}  // namespace

void trainSentenceScalar(SentenceJob& job) { trainSentenceWith<ScalarOps>(job); }

}  // namespace simd
}  // namespace w2v
