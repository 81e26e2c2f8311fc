// Sigmoid and log-sigmoid by table lookup, clipped at |x| > 6: the original word2vec's table
// and lookup.
#pragma once
#include <cmath>

namespace w2v {

constexpr float kMaxExp = 6.0f;
/// The original's EXP_TABLE_SIZE: entry i holds sigmoid((2 i / 1000 - 1) * 6).
constexpr int kSigmoidTableSize = 1000;
/// The original's index scale, EXP_TABLE_SIZE / MAX_EXP / 2 in integer arithmetic: 83, not
/// 83.33. Its lookup, (int)((f + 6) * 83), reads the entry of (f + 6) * 0.996 - 6 rounded
/// down: sigmoid(0) is 0.494, about sigmoid(0.996 f - 0.03) in all. We use the original's
/// lookup exactly, so that no difference of arithmetic stands between our quality and the
/// original's; against the exact sigmoid we had before (1024 entries, index rounded) its
/// effect on quality was within the noise of 4 to 8 seeds (bench/results/studies/quality-gap.md).
constexpr float kSigmoidIndexScale = 83.0f;

/// Table lookups by raw pointer, `static` so each per-ISA kernel file keeps its own copy.
/// Callers keep |x| < kMaxExp, but a training that diverges (a large alpha) computes NaN dot
/// products, which pass no range test: the index is clamped into the table (NaN to 0), since
/// converting NaN to int is undefined and on x86 gives INT_MIN, a read 8 GB before the table.
static inline int sigmoidIndex(float x) {
  const float at = (x + kMaxExp) * kSigmoidIndexScale;
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
      // The original's InitNet, in its float arithmetic.
      const float arg = (static_cast<float>(i) / static_cast<float>(kSigmoidTableSize) * 2 - 1) * kMaxExp;
      const float e = static_cast<float>(std::exp(static_cast<double>(arg)));  // C's exp, in double
      sigmoid_[i] = e / (e + 1);
      // The loss (reported, not trained on) at the middle of the inputs the index maps here.
      const double x = (i + 0.5) / kSigmoidIndexScale - kMaxExp;
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
