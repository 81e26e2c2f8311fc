// Sigmoid and log-sigmoid by table lookup, clipped at |x| > 6 as in the original word2vec.
#pragma once
#include <cmath>

namespace w2v {

constexpr float kMaxExp = 6.0f;
constexpr int kSigmoidTableSize = 1024;

/// Table lookups by raw pointer, `static` so each per-ISA kernel file keeps its own copy.
/// Callers keep |x| < kMaxExp, but a training that diverges (a large alpha) computes NaN dot
/// products, which pass no range test: the index is clamped into the table (NaN to 0), since
/// converting NaN to int is undefined and on x86 gives INT_MIN, a read 8 GB before the table.
static inline int sigmoidIndex(float x) {
  const float at = (x + kMaxExp) * (kSigmoidTableSize / (2.0f * kMaxExp)) + 0.5f;
  if (at >= 0.0f && at <= static_cast<float>(kSigmoidTableSize)) return static_cast<int>(at);
  return at > 0.0f ? kSigmoidTableSize : 0;
}
static inline float logSigmoidFrom(const float* table, float x) {
  if (x >= kMaxExp) return 0.0f;
  if (!(x > -kMaxExp)) return x;  // NaN too: a diverged training reports a NaN loss
  return table[sigmoidIndex(x)];
}

class SigmoidTable {
 public:
  SigmoidTable() {
    for (int i = 0; i <= kSigmoidTableSize; ++i) {
      const double x = (2.0 * i / kSigmoidTableSize - 1.0) * kMaxExp;
      sigmoid_[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
      logSigmoid_[i] = static_cast<float>(-std::log1p(std::exp(-x)));
    }
  }
  /// sigmoid(x) for |x| < kMaxExp.
  float sigmoid(float x) const { return sigmoid_[sigmoidIndex(x)]; }
  /// log(sigmoid(x)), with the linear asymptote outside the table's range.
  float logSigmoid(float x) const { return logSigmoidFrom(logSigmoid_, x); }
  const float* sigmoidData() const { return sigmoid_; }
  const float* logSigmoidData() const { return logSigmoid_; }

 private:
  float sigmoid_[kSigmoidTableSize + 1];
  float logSigmoid_[kSigmoidTableSize + 1];
};

}  // namespace w2v
