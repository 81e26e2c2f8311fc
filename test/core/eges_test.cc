// The EGES / GES update (native/core/eges_kernel.h) against a double-precision transcription
// of the paper's maths written here independently, and its gradient against finite
// differences of the loss, so that a wrong sign or a missing factor fails.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "check.h"
#include "eges_kernel.h"
#include "random.h"

using w2v::EgesScratch;
using w2v::EgesTarget;
using w2v::EgesWeights;

namespace {

constexpr int32_t kNodes = 6;
constexpr int32_t kDim = 8;
constexpr int32_t kSlots = 3;
constexpr int32_t kValues = 5;

/// Node v's attribute ids in slots 0..2: some absent (-1); node 4 has no attribute at all and
/// node 5 holds value 2 in two slots (one row reached twice).
const std::vector<int32_t> kAttributeOf = {
    0, 1, 2,     // node 0: every slot
    3, -1, 4,    // node 1: slot 1 absent
    -1, -1, 1,   // node 2: one attribute
    0, 4, -1,    // node 3
    -1, -1, -1,  // node 4: the id alone
    2, 2, 3,     // node 5: value 2 twice
};

/// The weights in float (what the kernel updates) and in double (what the transcription
/// updates), both from the same random start.
struct Model {
  std::vector<float> id, attributes, logits, output;
  std::vector<double> idD, attributesD, logitsD, outputD;

  explicit Model(uint64_t seed) {
    w2v::Random rng(seed);
    auto fill = [&](std::vector<float>& f, std::vector<double>& d, size_t n, float scale) {
      for (size_t i = 0; i < n; ++i) {
        f.push_back((rng.uniform() - 0.5f) * 2.0f * scale);
        d.push_back(static_cast<double>(f.back()));
      }
    };
    fill(id, idD, kNodes * kDim, 0.5f);
    fill(attributes, attributesD, kValues * kDim, 0.5f);
    fill(logits, logitsD, kNodes * (kSlots + 1), 1.0f);
    fill(output, outputD, kNodes * kDim, 0.5f);
  }

  EgesWeights weights(bool learn) {
    EgesWeights w;
    w.idVectors = id.data();
    w.attributeVectors = attributes.data();
    w.logits = logits.data();
    w.outputVectors = output.data();
    w.attributeOf = kAttributeOf.data();
    w.dim = kDim;
    w.slots = kSlots;
    w.learnWeights = learn;
    return w;
  }
};

/// The rows and logits of node v's present slots in the double copy: the id first, then its
/// attributes in slot order.
struct Slots {
  std::vector<double*> rows;
  std::vector<double*> logits;
};

Slots slotsOf(Model& m, int32_t v) {
  Slots s;
  s.rows.push_back(&m.idD[static_cast<size_t>(v * kDim)]);
  s.logits.push_back(&m.logitsD[static_cast<size_t>(v * (kSlots + 1))]);
  for (int32_t slot = 0; slot < kSlots; ++slot) {
    const int32_t value = kAttributeOf[static_cast<size_t>(v * kSlots + slot)];
    if (value < 0) continue;
    s.rows.push_back(&m.attributesD[static_cast<size_t>(value * kDim)]);
    s.logits.push_back(&m.logitsD[static_cast<size_t>(v * (kSlots + 1) + slot + 1)]);
  }
  return s;
}

/// a_j -> e^{a_j} / sum_k e^{a_k} (EGES) or 1/n (GES).
std::vector<double> slotWeights(const Slots& s, bool learn) {
  const size_t n = s.rows.size();
  std::vector<double> w(n, 1.0 / static_cast<double>(n));
  if (!learn) return w;
  double sum = 0;
  for (size_t k = 0; k < n; ++k) sum += std::exp(*s.logits[k]);
  for (size_t k = 0; k < n; ++k) w[k] = std::exp(*s.logits[k]) / sum;
  return w;
}

std::vector<double> hiddenOf(const Slots& s, const std::vector<double>& w) {
  std::vector<double> h(kDim, 0.0);
  for (size_t k = 0; k < s.rows.size(); ++k)
    for (int32_t i = 0; i < kDim; ++i) h[static_cast<size_t>(i)] += w[k] * s.rows[k][i];
  return h;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// The transcription: EGES Algorithm 1's update for one centre, in double.
double referenceUpdate(Model& m, int32_t centre, const std::vector<EgesTarget>& targets, double alpha, bool learn) {
  const Slots s = slotsOf(m, centre);
  const std::vector<double> w = slotWeights(s, learn);
  const std::vector<double> h = hiddenOf(s, w);
  std::vector<double> e(kDim, 0.0);
  double loss = 0;
  for (const EgesTarget& t : targets) {
    double* z = &m.outputD[static_cast<size_t>(t.node * kDim)];
    double f = 0;
    for (int32_t i = 0; i < kDim; ++i) f += h[static_cast<size_t>(i)] * z[i];
    const double p = sigmoid(f);
    loss += t.label > 0 ? -std::log(p) : -std::log(1.0 - p);
    const double g = (t.label - p) * alpha;
    for (int32_t i = 0; i < kDim; ++i) {
      e[static_cast<size_t>(i)] += g * z[i];
      z[i] += g * h[static_cast<size_t>(i)];
    }
  }
  // dL/da_j = -w_j e.(E_j - H) / alpha, from every E_j before any moves.
  std::vector<double> da(s.rows.size(), 0.0);
  for (size_t k = 0; k < s.rows.size(); ++k)
    for (int32_t i = 0; i < kDim; ++i)
      da[k] += w[k] * e[static_cast<size_t>(i)] * (s.rows[k][i] - h[static_cast<size_t>(i)]);
  for (size_t k = 0; k < s.rows.size(); ++k) {
    for (int32_t i = 0; i < kDim; ++i) s.rows[k][i] += w[k] * e[static_cast<size_t>(i)];
    if (learn) *s.logits[k] += da[k];
  }
  return loss;
}

double maxDifference(const std::vector<float>& f, const std::vector<double>& d) {
  double worst = 0;
  for (size_t i = 0; i < f.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(f[i]) - d[i]));
  return worst;
}

double maxChange(const std::vector<float>& after, const std::vector<float>& before) {
  double worst = 0;
  for (size_t i = 0; i < after.size(); ++i) worst = std::max(worst, std::fabs(static_cast<double>(after[i] - before[i])));
  return worst;
}

/// Several centres in turn (the weights carry over), with positives, negatives, a target
/// repeated and a target equal to the centre.
const std::vector<std::pair<int32_t, std::vector<EgesTarget>>>& updates() {
  static const std::vector<std::pair<int32_t, std::vector<EgesTarget>>> list = {
      {0, {{1, 1}, {3, 0}, {4, 0}, {2, 1}, {5, 0}}},
      {1, {{0, 1}, {2, 0}, {2, 0}, {5, 0}}},
      {2, {{2, 1}, {0, 0}, {3, 1}, {1, 0}, {4, 0}, {5, 0}}},
      {3, {{4, 1}, {1, 0}}},
      {4, {{3, 1}, {0, 0}, {5, 1}, {2, 0}}},
      {5, {{0, 1}, {1, 1}, {4, 0}, {3, 0}}},
      {0, {{5, 1}, {2, 0}, {1, 0}}},
      {5, {{2, 1}, {3, 0}, {0, 0}, {4, 1}}},
  };
  return list;
}

void checkAgainstTranscription(bool learn) {
  Model m(learn ? 17 : 18);
  const std::vector<float> logitsBefore = m.logits;
  const std::vector<float> attributesBefore = m.attributes;
  const EgesWeights w = m.weights(learn);
  EgesScratch scratch(kDim, kSlots);
  const float alpha = 0.1f;  // large enough that every step shows
  for (const auto& [centre, targets] : updates()) {
    const double loss = w2v::egesUpdate(w, centre, targets.data(), static_cast<int32_t>(targets.size()), alpha, scratch);
    const double expected = referenceUpdate(m, centre, targets, alpha, learn);
    CHECK_NEAR(loss, expected, 1e-5);
  }
  // Float against double over 8 updates of rows of 8: agreement to 1e-5 leaves room for
  // float rounding (about 1e-7 a step) and none for a wrong term.
  const double tolerance = 1e-5;
  CHECK_MSG(maxDifference(m.id, m.idD) <= tolerance, "id embeddings differ by " << maxDifference(m.id, m.idD));
  CHECK_MSG(maxDifference(m.attributes, m.attributesD) <= tolerance,
            "attribute embeddings differ by " << maxDifference(m.attributes, m.attributesD));
  CHECK_MSG(maxDifference(m.output, m.outputD) <= tolerance, "output vectors differ by " << maxDifference(m.output, m.outputD));
  CHECK_MSG(maxDifference(m.logits, m.logitsD) <= tolerance, "logits differ by " << maxDifference(m.logits, m.logitsD));
  CHECK_MSG(maxChange(m.attributes, attributesBefore) > 1e-3, "the attribute embeddings did not move");
  if (learn) {
    CHECK_MSG(maxChange(m.logits, logitsBefore) > 1e-4, "EGES did not move the logits");
  } else {
    CHECK(m.logits == logitsBefore);  // GES: uniform weights, the logits are not read or written
  }
  // Absent slots' logits are untouched either way (node 4 has only its id).
  for (int32_t slot = 1; slot <= kSlots; ++slot) {
    const size_t at = static_cast<size_t>(4 * (kSlots + 1) + slot);
    CHECK_EQ(m.logits[at], logitsBefore[at]);
  }
}

}  // namespace

TEST(eges_update_matches_double_transcription) { checkAgainstTranscription(true); }

TEST(ges_update_matches_double_transcription) { checkAgainstTranscription(false); }

TEST(eges_hidden_is_the_weighted_mean_of_present_slots) {
  Model m(3);
  EgesWeights w = m.weights(true);
  EgesScratch scratch(kDim, kSlots);
  std::vector<float> h(kDim);
  for (const bool learn : {true, false}) {
    w.learnWeights = learn;
    for (int32_t v = 0; v < kNodes; ++v) {
      w2v::egesHidden(w, v, scratch, h.data());
      const Slots s = slotsOf(m, v);
      const std::vector<double> expected = hiddenOf(s, slotWeights(s, learn));
      for (int32_t i = 0; i < kDim; ++i) CHECK_NEAR(h[static_cast<size_t>(i)], expected[static_cast<size_t>(i)], 1e-6);
    }
  }
  // Node 4 has no attribute: H is its id embedding, whatever the logits.
  w2v::egesHidden(w, 4, scratch, h.data());
  for (int32_t i = 0; i < kDim; ++i) CHECK_NEAR(h[static_cast<size_t>(i)], m.id[static_cast<size_t>(4 * kDim + i)], 1e-7);
}

namespace {

/// The loss of one prediction, -log sigmoid(+-H_v . Z_u), in double from the double copy.
double lossOf(Model& m, int32_t centre, const EgesTarget& t, bool learn) {
  const Slots s = slotsOf(m, centre);
  const std::vector<double> h = hiddenOf(s, slotWeights(s, learn));
  double f = 0;
  for (int32_t i = 0; i < kDim; ++i) f += h[static_cast<size_t>(i)] * m.outputD[static_cast<size_t>(t.node * kDim + i)];
  return -std::log(sigmoid(t.label > 0 ? f : -f));
}

/// dLoss/dx by central differences, x one value of the double copy.
double numericGradient(Model& m, double& x, int32_t centre, const EgesTarget& t, bool learn) {
  const double h = 1e-5;
  const double saved = x;
  x = saved + h;
  const double up = lossOf(m, centre, t, learn);
  x = saved - h;
  const double down = lossOf(m, centre, t, learn);
  x = saved;
  return (up - down) / (2 * h);
}

/// One single-target update (float kernel) against -alpha x the finite-difference gradient
/// of the loss w.r.t. every value it moves: the slot rows W^j, the logits a_v,j and Z_u. With
/// one target the update is exactly a gradient step (each value moves once, from the values
/// before the step), so the only slack is float rounding.
void checkGradient(int32_t centre, EgesTarget target, bool learn) {
  Model m(100 + static_cast<uint64_t>(centre) * 2 + (learn ? 1 : 0));
  const Model before = m;
  const float alpha = 0.01f;
  EgesScratch scratch(kDim, kSlots);
  w2v::egesUpdate(m.weights(learn), centre, &target, 1, alpha, scratch);

  // Each coordinate: observed step (float) against -alpha dL/dx (double, before the step).
  Model probe = before;
  double largest = 0;
  int32_t compared = 0;
  auto compare = [&](const std::vector<float>& after, const std::vector<float>& start, std::vector<double>& probeValues,
                     size_t at, const char* what) {
    const double step = static_cast<double>(after[at]) - static_cast<double>(start[at]);
    const double expected = -static_cast<double>(alpha) * numericGradient(probe, probeValues[at], centre, target, learn);
    largest = std::max(largest, std::fabs(expected));
    ++compared;
    CHECK_MSG(std::fabs(step - expected) <= 2e-7 + 1e-3 * std::fabs(expected),
              what << "[" << at << "] moved by " << step << ", -alpha dLoss/dx = " << expected << " (centre " << centre
                   << ", label " << target.label << ")");
  };
  const Slots s = slotsOf(probe, centre);
  for (size_t k = 0; k < s.rows.size(); ++k) {
    const bool isId = k == 0;
    std::vector<double>& values = isId ? probe.idD : probe.attributesD;
    const size_t row = static_cast<size_t>(s.rows[k] - values.data());
    for (int32_t i = 0; i < kDim; ++i)
      compare(isId ? m.id : m.attributes, isId ? before.id : before.attributes, values, row + static_cast<size_t>(i),
              isId ? "id embedding" : "attribute embedding");
    compare(m.logits, before.logits, probe.logitsD, static_cast<size_t>(s.logits[k] - probe.logitsD.data()), "logit");
  }
  for (int32_t i = 0; i < kDim; ++i)
    compare(m.output, before.output, probe.outputD, static_cast<size_t>(target.node * kDim + i), "output vector");
  CHECK(compared > 0);
  CHECK_MSG(largest > 1e-4, "the steps are too small to check anything: " << largest);
}

}  // namespace

TEST(eges_gradient_matches_finite_differences) {
  // Nodes with every slot, one slot absent, one attribute, a value in two slots; both labels.
  for (const int32_t centre : {0, 1, 2, 5}) {
    checkGradient(centre, EgesTarget{(centre + 1) % kNodes, 1.0f}, true);
    checkGradient(centre, EgesTarget{(centre + 3) % kNodes, 0.0f}, true);
  }
}

TEST(ges_gradient_matches_finite_differences) {
  // GES: the loss does not depend on the logits (uniform weights), so their step must be 0.
  for (const int32_t centre : {0, 3, 4}) {
    checkGradient(centre, EgesTarget{(centre + 2) % kNodes, 1.0f}, false);
    checkGradient(centre, EgesTarget{(centre + 4) % kNodes, 0.0f}, false);
  }
}
