// The per-ISA sentence kernels against the portable one: the same sentence, weights, tables
// and random state give the same updates (within float rounding), in every training mode.
// The shared-negative window is also checked against a direct double-precision transcription
// of its three products.
#include <cmath>
#include <cstdint>
#include <vector>

#include "alias_sampler.h"
#include "check.h"
#include "random.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"

namespace {

struct Setup {
  int32_t vocab = 50, dim = 37;
  std::vector<float> syn0, syn1neg, syn1;
  std::vector<int32_t> sentence;
  std::vector<double> weights;
};

Setup makeSetup(uint64_t seed, int32_t dim) {
  Setup s;
  s.dim = dim;
  w2v::Random r(seed);
  const size_t cells = static_cast<size_t>(s.vocab) * dim;
  s.syn0.resize(cells);
  s.syn1neg.resize(cells);
  s.syn1.resize(cells);
  for (auto* v : {&s.syn0, &s.syn1neg, &s.syn1})
    for (float& x : *v) x = (r.uniform() - 0.5f) * 0.8f;
  for (int i = 0; i < 40; ++i) s.sentence.push_back(static_cast<int32_t>(r.below(static_cast<uint32_t>(s.vocab))));
  for (int i = 0; i < s.vocab; ++i) s.weights.push_back(1.0 + (i % 7));
  return s;
}

struct Result {
  std::vector<float> syn0, syn1neg;
  double loss;
  int64_t predictions;
};

Result run(w2v::simd::SentenceKernel kernel, const Setup& base, bool cbow, bool shared, bool whole, int32_t groupNegative,
           int32_t globalContext) {
  Setup s = base;
  const w2v::AliasSampler sampler(s.weights);
  const w2v::SigmoidTable sig;
  std::vector<int32_t> groupOf(static_cast<size_t>(s.vocab));
  for (int32_t i = 0; i < s.vocab; ++i) groupOf[static_cast<size_t>(i)] = i % 3;
  const w2v::GroupSampler groups(groupOf, s.weights);
  std::vector<float> scratch(static_cast<size_t>(64) * s.dim + 4096);
  uint64_t rng = 12345;
  w2v::simd::SentenceJob j{};
  j.sentence = s.sentence.data();
  j.length = static_cast<int32_t>(s.sentence.size());
  j.syn0 = s.syn0.data();
  j.syn1neg = s.syn1neg.data();
  j.syn1 = s.syn1.data();
  j.dim = s.dim;
  j.window = 4;
  j.negative = 5;
  j.cbow = cbow;
  j.hs = false;
  j.sharedNegatives = shared;
  j.alpha = 0.05f;
  j.negativeTable = sampler.entries();
  j.vocabSize = static_cast<uint32_t>(s.vocab);
  j.sigmoid = sig.sigmoidData();
  j.logSigmoid = sig.logSigmoidData();
  j.wholeSentence = whole;
  j.groupNegative = groupNegative;
  j.groupOf = groupOf.data();
  j.groupMembers = groups.members();
  j.groupOffsets = groups.offsets();
  j.groupEntries = groups.entries();
  j.globalContext = globalContext;
  j.rng = &rng;
  j.scratch = scratch.data();
  for (int pass = 0; pass < 3; ++pass) kernel(j);
  return Result{s.syn0, s.syn1neg, j.loss, j.predictions};
}

bool close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  // Float rounding differs between the kernels and grows over many sequential updates; a
  // logic error moves weights by ~alpha (0.05) or more.
  return CHECK_MSG(worst < 1e-3, what << ": largest difference " << worst);
}

}  // namespace

TEST(sentence_kernels_agree_with_the_portable_kernel) {
  const w2v::simd::SentenceKernel best = w2v::simd::selectSentenceKernel(nullptr);
  if (best == w2v::simd::trainSentenceScalar) {
    std::printf("  (this CPU runs the portable kernel only: nothing to compare)\n");
    return;
  }
  struct Mode {
    const char* name;
    bool cbow, shared, whole;
    int32_t groupNegative, globalContext;
  };
  const Mode modes[] = {
      {"skip-gram, shared negatives", false, true, false, 0, -1},
      {"skip-gram, per-pair negatives", false, false, false, 0, -1},
      {"cbow", true, false, false, 0, -1},
      {"items: set, groups, global context", false, false, true, 3, 7},
  };
  for (int32_t dim : {1, 8, 37, 100, 130}) {
    const Setup s = makeSetup(static_cast<uint64_t>(dim), dim);
    for (const Mode& m : modes) {
      const Result a = run(w2v::simd::trainSentenceScalar, s, m.cbow, m.shared, m.whole, m.groupNegative, m.globalContext);
      const Result b = run(best, s, m.cbow, m.shared, m.whole, m.groupNegative, m.globalContext);
      CHECK_MSG(a.predictions == b.predictions, m.name << " dim " << dim);
      CHECK_MSG(std::fabs(a.loss - b.loss) <= 1e-3 * std::max(1.0, std::fabs(a.loss)), m.name << " dim " << dim << " loss " << a.loss << " vs " << b.loss);
      close(a.syn0, b.syn0, m.name);
      close(a.syn1neg, b.syn1neg, m.name);
      // And the weights did move: a kernel that did nothing would agree with itself only.
      double moved = 0;
      for (size_t i = 0; i < a.syn0.size(); ++i) moved += std::fabs(a.syn0[i] - s.syn0[i]);
      CHECK_MSG(moved > 1e-3, m.name << " dim " << dim << ": no update");
    }
  }
}
