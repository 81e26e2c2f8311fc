#include "eges_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "vector_math.h"

namespace w2v {

namespace {

/// -log sigmoid(x) = log(1 + e^-x), without overflow for either sign of x.
inline float softplusOfMinus(float x) { return std::max(-x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }

/// 1 / (1 + e^-x): e^-x overflows to infinity for x < -88, which gives 0 as it should.
inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

EgesScratch::EgesScratch(int32_t dim, int32_t slots)
    : hidden(static_cast<size_t>(dim)),
      gradient(static_cast<size_t>(dim)),
      weights(static_cast<size_t>(slots) + 1),
      logitSteps(static_cast<size_t>(slots) + 1),
      rows(static_cast<size_t>(slots) + 1),
      logitOf(static_cast<size_t>(slots) + 1) {}

int32_t egesSlots(const EgesWeights& w, int32_t node, EgesScratch& s) {
  const size_t dim = static_cast<size_t>(w.dim);
  const size_t slots = static_cast<size_t>(w.slots);
  float* logits = w.logits + static_cast<size_t>(node) * (slots + 1);
  const int32_t* attributes = w.attributeOf + static_cast<size_t>(node) * slots;
  // Slot 0, W^0_v: the node's own id embedding, always present.
  int32_t present = 0;
  s.rows[0] = w.idVectors + static_cast<size_t>(node) * dim;
  s.logitOf[0] = logits;
  ++present;
  for (size_t slot = 0; slot < slots; ++slot) {
    const int32_t value = attributes[slot];
    if (value < 0) continue;  // the node has no value in this slot
    s.rows[static_cast<size_t>(present)] = w.attributeVectors + static_cast<size_t>(value) * dim;
    s.logitOf[static_cast<size_t>(present)] = logits + slot + 1;
    ++present;
  }
  if (!w.learnWeights) {
    // GES: the plain mean.
    std::fill(s.weights.begin(), s.weights.begin() + present, 1.0f / static_cast<float>(present));
    return present;
  }
  // EGES: w_j = e^{a_v,j} / sum_k e^{a_v,k} over the present slots, shifted by the largest
  // logit so that no exponential overflows.
  float largest = *s.logitOf[0];
  for (int32_t k = 1; k < present; ++k) largest = std::max(largest, *s.logitOf[static_cast<size_t>(k)]);
  float sum = 0;
  for (int32_t k = 0; k < present; ++k) {
    const float e = std::exp(*s.logitOf[static_cast<size_t>(k)] - largest);
    s.weights[static_cast<size_t>(k)] = e;
    sum += e;
  }
  for (int32_t k = 0; k < present; ++k) s.weights[static_cast<size_t>(k)] /= sum;
  return present;
}

namespace {

/// H_v = sum_j w_j W^j over the `present` slots egesSlots gathered.
void hiddenOfSlots(const EgesScratch& s, int32_t present, int32_t dim, float* hidden) {
  std::fill(hidden, hidden + dim, 0.0f);
  for (int32_t k = 0; k < present; ++k) axpy(s.weights[static_cast<size_t>(k)], s.rows[static_cast<size_t>(k)], hidden, dim);
}

}  // namespace

void egesHidden(const EgesWeights& w, int32_t node, EgesScratch& s, float* hidden) {
  hiddenOfSlots(s, egesSlots(w, node, s), w.dim, hidden);
}

double egesUpdate(const EgesWeights& w, int32_t centre, const EgesTarget* targets, int32_t targetCount, float alpha,
                  EgesScratch& s) {
  const int32_t dim = w.dim;
  float* hidden = s.hidden.data();
  float* neu1e = s.gradient.data();
  const int32_t present = egesSlots(w, centre, s);
  hiddenOfSlots(s, present, dim, hidden);
  std::fill(neu1e, neu1e + dim, 0.0f);

  double loss = 0;
  for (int32_t t = 0; t < targetCount; ++t) {
    const EgesTarget& target = targets[t];
    float* z = w.outputVectors + static_cast<size_t>(target.node) * static_cast<size_t>(dim);
    const float f = dot(hidden, z, dim);
    loss += softplusOfMinus(target.label > 0 ? f : -f);
    const float g = (target.label - sigmoid(f)) * alpha;
    axpy(g, z, neu1e, dim);    // neu1e += g Z_u (Z_u before its own step)
    axpy(g, hidden, z, dim);   // Z_u += g H_v
  }

  // The logits' steps first, from the slot rows as they are now: two slots may hold the same
  // attribute value (one row), and the step of the second must not see the first's update.
  if (w.learnWeights) {
    const float gradientDotHidden = dot(neu1e, hidden, dim);
    for (int32_t k = 0; k < present; ++k)
      s.logitSteps[static_cast<size_t>(k)] =
          s.weights[static_cast<size_t>(k)] * (dot(neu1e, s.rows[static_cast<size_t>(k)], dim) - gradientDotHidden);
  }
  for (int32_t k = 0; k < present; ++k) {
    axpy(s.weights[static_cast<size_t>(k)], neu1e, s.rows[static_cast<size_t>(k)], dim);  // W^j += w_j neu1e
    if (w.learnWeights) *s.logitOf[static_cast<size_t>(k)] += s.logitSteps[static_cast<size_t>(k)];
  }
  return loss;
}

}  // namespace w2v
