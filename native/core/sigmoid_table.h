// Sigmoid and log-sigmoid by table lookup, clipped at |x| > 6 as in the original word2vec.
#pragma once
#include <cmath>

namespace w2v {

constexpr float kMaxExp = 6.0f;
constexpr int kSigmoidTableSize = 1024;

/// Table lookups by raw pointer, `static` so each per-ISA kernel file keeps its own copy.
static inline int sigmoidIndex(float x) {
  return static_cast<int>((x + kMaxExp) * (kSigmoidTableSize / (2.0f * kMaxExp)) + 0.5f);
}
static inline float logSigmoidFrom(const float* table, float x) {
  if (x >= kMaxExp) return 0.0f;
  if (x <= -kMaxExp) return x;
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
