// Every sentence kernel this CPU runs (scalar, avx2+fma, avx512f, neon: simd::sentenceKernels())
// against a direct double-precision transcription of the word2vec updates
// (sentence_reference.h), in every training mode: skip-gram with shared and with per-pair
// negatives, CBOW, hierarchical softmax for both (alone and with negatives), and item2vec's
// set window, in-group negatives and global context. The same sentences, weights, tables and
// random state must give the same words drawn (the same final generator state, the same
// prediction count) and the same weights and loss within float rounding. Each is also
// checked against the portable kernel, float against float, with the same tolerances. Every
// kernel runs on rows dim floats apart and on rows padded as the trainer pads them
// (simd::paddedRowStride), the padding zero: it must stay zero.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "alias_sampler.h"
#include "check.h"
#include "corpus.h"
#include "group_sampler.h"
#include "random.h"
#include "sentence_reference.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"

namespace {

using w2v::simd::SentenceJob;
using w2v::simd::SentenceKernel;
using w2v::simd::SentenceKernelInfo;

constexpr int32_t kVocab = 50;
constexpr int32_t kPasses = 2;
constexpr uint64_t kRngSeed = 12345;

struct Mode {
  const char* name;
  bool cbow, hs;
  int32_t negative;
  bool shared, whole;
  int32_t groupNegative, globalContext;
  /// Hierarchical softmax: the inner nodes nearest the root trained in a copy of their own
  /// (SentenceJob::syn1Top, as the trainer gives every thread but the first), its changes
  /// merged into syn1 every kTopMergeEvery centre words and once after the run.
  int32_t topNodes = 0;
};
constexpr int32_t kTopMergeEvery = 3;

const Mode kModes[] = {
    {"skip-gram, shared negatives", false, false, 5, true, false, 0, -1},
    {"skip-gram, per-pair negatives", false, false, 5, false, false, 0, -1},
    // Fewer and more targets than the avx2+fma tiles hold (6: the centre word and 5 negatives).
    {"skip-gram, shared negatives, 2 negatives", false, false, 2, true, false, 0, -1},
    {"skip-gram, shared negatives, 8 negatives", false, false, 8, true, false, 0, -1},
    {"cbow, 2 negatives", true, false, 2, false, false, 0, -1},
    {"cbow, 8 negatives", true, false, 8, false, false, 0, -1},
    {"cbow, negatives", true, false, 5, false, false, 0, -1},
    {"skip-gram, hierarchical softmax", false, true, 0, false, false, 0, -1},
    {"cbow, hierarchical softmax", true, true, 0, false, false, 0, -1},
    {"skip-gram, hierarchical softmax, top nodes in a copy", false, true, 0, false, false, 0, -1, 12},
    {"cbow, hierarchical softmax, top nodes in a copy", true, true, 0, false, false, 0, -1, 12},
    // sharedNegatives is asked for, but HS turns it off: per-pair negatives after the HS block.
    {"skip-gram, hierarchical softmax and negatives", false, true, 3, true, false, 0, -1},
    {"cbow, hierarchical softmax and negatives", true, true, 3, false, false, 0, -1},
    {"items: set, group negatives, global context", false, false, 5, false, true, 3, 7},
    {"items: window, group negatives", false, false, 4, false, false, 2, -1},
    {"items: window, global context", false, false, 5, false, false, 0, 11},
};

// Rows of whole and partial chunks (8 lanes in avx2+fma, 16 in avx512f, 4 in neon), in one
// register group of chunks or several (a group holds 64 floats in avx2+fma, 128 in avx512f).
const int32_t kDims[] = {1, 8, 16, 17, 37, 100, 130, 300};

/// Sentences, tables and starting weights shared by every kernel and the reference.
struct Setup {
  int32_t dim = 0;
  std::vector<float> syn0, syn1neg, syn1;
  std::vector<std::vector<int32_t>> sentences;
  std::vector<double> negativeWeights;
  std::vector<int32_t> groupOf;
  w2v::TrainerTables huffman;  // codes, points, offsets only
};

Setup makeSetup(const Mode& m, int32_t dim) {
  Setup s;
  s.dim = dim;
  w2v::Random r(static_cast<uint64_t>(dim));
  // Scores (dot products) spread with a standard deviation of about 2 at every dim, so some
  // fall outside [-6, 6] and take the clipped branches while most do not. CBOW's input is
  // the mean of ~5 rows, which narrows the spread by ~sqrt(5): its input rows are wider.
  const float spread = 2.0f * std::sqrt(6.0f / std::sqrt(static_cast<float>(dim)));
  const float inputSpread = m.cbow ? 2.5f * spread : spread;
  const size_t cells = static_cast<size_t>(kVocab) * dim;
  for (auto* v : {&s.syn0, &s.syn1neg, &s.syn1}) {
    v->resize(cells);
    for (float& x : *v) x = (r.uniform() - 0.5f) * (v == &s.syn0 ? inputSpread : spread);
  }
  // One long sentence (words repeat in a window, and a negative may repeat or hit a context
  // word), then the short cases: one word (no context at all) and two words.
  std::vector<int32_t> sentence;
  for (int i = 0; i < 40; ++i) sentence.push_back(static_cast<int32_t>(r.below(kVocab)));
  s.sentences = {sentence, {3}, {5, 9}};
  std::vector<int64_t> counts;
  for (int32_t i = 0; i < kVocab; ++i) {
    counts.push_back(1000 / (i + 1) + (i % 3));  // Zipf-like: Huffman codes of 1 to ~10 bits
    s.negativeWeights.push_back(1.0 + (i % 7));
    s.groupOf.push_back(i % 5 == 4 ? -1 : i % 3);  // a few words in no group
  }
  testing_corpus::buildHuffman(counts, s.huffman);
  return s;
}

/// The tables a SentenceJob points into, kept alive for the run.
struct Tables {
  w2v::AliasSampler sampler;
  w2v::GroupSampler groups;
  w2v::SigmoidTable sigmoid;
  explicit Tables(const Setup& s) : sampler(s.negativeWeights), groups(s.groupOf, s.negativeWeights) {}
};

SentenceJob makeJob(const Setup& s, const Tables& t, const Mode& m, uint64_t* rng, float* scratch, int32_t stride) {
  SentenceJob j{};
  j.dim = s.dim;
  j.stride = stride;
  j.window = 4;
  j.negative = m.negative;
  j.cbow = m.cbow;
  j.hs = m.hs;
  j.sharedNegatives = m.shared;
  j.alpha = 0.05f;
  j.negativeTable = t.sampler.entries();
  j.vocabSize = kVocab;
  j.sigmoid = t.sigmoid.sigmoidData();
  j.logSigmoid = t.sigmoid.logSigmoidData();
  j.codes = s.huffman.huffmanCodes.data();
  j.points = s.huffman.huffmanPoints.data();
  j.offsets = s.huffman.huffmanOffsets.data();
  j.wholeSentence = m.whole;
  j.groupNegative = m.groupNegative;
  j.groupOf = s.groupOf.data();
  j.groupMembers = t.groups.members();
  j.groupOffsets = t.groups.offsets();
  j.groupEntries = t.groups.entries();
  j.globalContext = m.globalContext;
  j.rng = rng;
  j.scratch = scratch;
  return j;
}

struct Result {
  std::vector<double> syn0, syn1neg, syn1;
  double loss = 0;
  int64_t predictions = 0;
  uint64_t rng = 0;          // the generator's state at the end: the same draws were made
  int64_t saturated = 0;     // reference only: scores outside [-6, 6]
};

/// Rows `dim` floats apart spread to `stride` floats apart, the padding zero.
std::vector<float> padRows(const std::vector<float>& rows, int32_t dim, int32_t stride) {
  const size_t n = rows.size() / static_cast<size_t>(dim);
  std::vector<float> out(n * static_cast<size_t>(stride), 0.0f);
  for (size_t r = 0; r < n; ++r) std::copy_n(rows.data() + r * dim, dim, out.data() + r * stride);
  return out;
}

/// The rows packed back; checks that every padding float is still zero and every value finite.
std::vector<double> unpadRows(const std::vector<float>& rows, int32_t dim, int32_t stride, const std::string& what) {
  const size_t n = rows.size() / static_cast<size_t>(stride);
  std::vector<double> out;
  out.reserve(n * static_cast<size_t>(dim));
  bool padKept = true, finite = true;
  for (size_t r = 0; r < n; ++r) {
    for (int32_t i = 0; i < dim; ++i) {
      finite = finite && std::isfinite(rows[r * stride + i]);
      out.push_back(rows[r * stride + i]);
    }
    for (int32_t i = dim; i < stride; ++i) padKept = padKept && rows[r * stride + i] == 0.0f;
  }
  CHECK_MSG(padKept, what << ": the rows' padding is no longer zero (stride " << stride << ")");
  CHECK_MSG(finite, what << ": a weight is not finite");
  return out;
}

/// The kernels' two row layouts: dim floats apart, and padded as the trainer pads them.
std::vector<int32_t> strides(int32_t dim) {
  const int32_t padded = w2v::simd::paddedRowStride(dim);
  return padded == dim ? std::vector<int32_t>{dim} : std::vector<int32_t>{dim, padded};
}

Result runKernel(SentenceKernel kernel, const Setup& s, const Mode& m, int32_t stride) {
  const Tables tables(s);
  const std::string layout = std::string(m.name) + ", dim " + std::to_string(s.dim);
  std::vector<float> syn0 = padRows(s.syn0, s.dim, stride), syn1neg = padRows(s.syn1neg, s.dim, stride),
                     syn1 = padRows(s.syn1, s.dim, stride);
  // (2 + 2 window + negative + 1) rows, as the trainer allocates, with room to spare.
  std::vector<float> scratch(static_cast<size_t>(64) * stride + 4096);
  uint64_t rng = kRngSeed;
  // The top nodes' copy and its base: inner nodes are points 0 .. kVocab - 2, the root last.
  const size_t topCells = static_cast<size_t>(m.topNodes) * static_cast<size_t>(stride);
  std::vector<float> top(topCells), topBase(topCells);
  Result r;
  SentenceJob j{};
  for (int pass = 0; pass < kPasses; ++pass)
    for (const auto& sentence : s.sentences) {
      j = makeJob(s, tables, m, &rng, scratch.data(), stride);
      j.sentence = sentence.data();
      j.length = static_cast<int32_t>(sentence.size());
      j.syn0 = syn0.data();
      j.syn1neg = syn1neg.data();
      j.syn1 = syn1.data();
      if (m.topNodes > 0) {
        j.syn1Top = top.data();
        j.syn1TopBase = topBase.data();
        j.syn1TopRows = m.topNodes;
        j.syn1TopFirst = kVocab - 1 - m.topNodes;
        j.topMergeEvery = kTopMergeEvery;
        if (pass == 0 && &sentence == &s.sentences[0]) w2v::simd::mergeTopNodes(j);  // the first copy
      }
      kernel(j);
      r.loss += j.loss;
      r.predictions += j.predictions;
    }
  if (m.topNodes > 0) w2v::simd::mergeTopNodes(j);  // the last changes
  r.syn0 = unpadRows(syn0, s.dim, stride, layout);
  r.syn1neg = unpadRows(syn1neg, s.dim, stride, layout);
  r.syn1 = unpadRows(syn1, s.dim, stride, layout);
  r.rng = rng;
  return r;
}

Result runReference(const Setup& s, const Mode& m) {
  const Tables tables(s);
  sentence_reference::Weights w{std::vector<double>(s.syn0.begin(), s.syn0.end()),
                                std::vector<double>(s.syn1neg.begin(), s.syn1neg.end()),
                                std::vector<double>(s.syn1.begin(), s.syn1.end())};
  uint64_t rng = kRngSeed;
  Result r;
  for (int pass = 0; pass < kPasses; ++pass)
    for (const auto& sentence : s.sentences) {
      SentenceJob j = makeJob(s, tables, m, &rng, nullptr, s.dim);
      j.sentence = sentence.data();
      j.length = static_cast<int32_t>(sentence.size());
      r.saturated += sentence_reference::SentenceReference(j, w).train();
      r.loss += j.loss;
      r.predictions += j.predictions;
    }
  r.syn0 = std::move(w.syn0);
  r.syn1neg = std::move(w.syn1neg);
  r.syn1 = std::move(w.syn1);
  r.rng = rng;
  return r;
}

double largestDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

double totalChange(const std::vector<double>& after, const std::vector<float>& before) {
  double moved = 0;
  for (size_t i = 0; i < after.size(); ++i) moved += std::fabs(after[i] - static_cast<double>(before[i]));
  return moved;
}

// How far float may stray from double. Rounding alone (relative 6e-8 per operation, on
// values up to ~5 here, compounding over a few hundred sequential updates of a row) leaves
// the weights ~1e-6 apart. Rarer and larger: a score within rounding of a sigmoid-table bin
// edge (bins 12/1024 wide) makes the two read neighbouring entries, a coefficient off by up
// to 0.25 * 12/1024 * alpha = 1.5e-4 and a weight by that times a row value: the worst seen
// over every kernel, mode and dim (AMD Zen 5, scalar / avx2+fma / avx512f) is 2.6e-4, the
// loss 1e-5 relative. A logic error (an update skipped or with the wrong sign, another word
// drawn) moves weights by alpha times a row value, 1e-2 or more: 1e-3 sits between the two.
constexpr double kWeightTolerance = 1e-3;
constexpr double kLossTolerance = 1e-4;  // relative

/// Checks `got` against `want`; returns the largest weight difference.
double checkAgreement(const Result& got, const Result& want, const std::string& what) {
  CHECK_MSG(got.rng == want.rng, what << ": different random draws (final generator state)");
  CHECK_MSG(got.predictions == want.predictions, what << ": " << got.predictions << " predictions vs " << want.predictions);
  CHECK_MSG(std::fabs(got.loss - want.loss) <= kLossTolerance * std::max(1.0, std::fabs(want.loss)),
            what << ": loss " << got.loss << " vs " << want.loss);
  const double worst = std::max({largestDifference(got.syn0, want.syn0), largestDifference(got.syn1neg, want.syn1neg),
                                 largestDifference(got.syn1, want.syn1)});
  CHECK_MSG(worst < kWeightTolerance, what << ": largest weight difference " << worst);
  return worst;
}

/// The kernels this CPU runs; prints which ran and which were skipped.
std::vector<SentenceKernelInfo> runnableKernels() {
  std::vector<SentenceKernelInfo> runnable;
  for (const SentenceKernelInfo& k : w2v::simd::sentenceKernels()) {
    std::printf("  kernel set %-9s %s\n", k.name, k.runs ? "runs" : "SKIPPED: this CPU (or OS) lacks it");
    if (k.runs) runnable.push_back(k);
  }
  return runnable;
}

}  // namespace

TEST(sentence_kernels_agree_with_the_double_precision_reference) {
  const std::vector<SentenceKernelInfo> kernels = runnableKernels();
  CHECK(!kernels.empty() && std::string(kernels[0].name) == "scalar");
  std::vector<double> worstByKernel(kernels.size(), 0.0);
  for (const Mode& m : kModes) {
    int64_t saturated = 0;
    for (int32_t dim : kDims) {
      const Setup s = makeSetup(m, dim);
      const Result want = runReference(s, m);
      saturated += want.saturated;
      const std::string where = std::string(m.name) + ", dim " + std::to_string(dim);
      // The reference did train: every matrix the mode uses moved, and predictions were made.
      CHECK_MSG(want.predictions > 0, where);
      CHECK_MSG(totalChange(want.syn0, s.syn0) > 1e-2, where << ": input vectors did not move");
      if (m.negative > 0) CHECK_MSG(totalChange(want.syn1neg, s.syn1neg) > 1e-2, where << ": output vectors did not move");
      if (m.hs) CHECK_MSG(totalChange(want.syn1, s.syn1) > 1e-2, where << ": inner-node vectors did not move");
      for (size_t k = 0; k < kernels.size(); ++k)
        for (int32_t stride : strides(dim)) {
          const Result got = runKernel(kernels[k].kernel, s, m, stride);
          worstByKernel[k] = std::max(worstByKernel[k], checkAgreement(got, want, std::string(kernels[k].name) + ", " + where +
                                                                                      ", stride " + std::to_string(stride)));
        }
    }
    // Dims 8 and up reach scores beyond +-6 (see makeSetup): the clipped branches were checked.
    CHECK_MSG(saturated > 0, m.name << ": no score outside [-6, 6]");
  }
  for (size_t k = 0; k < kernels.size(); ++k)
    std::printf("  %-9s worst weight difference from the reference: %.2g\n", kernels[k].name, worstByKernel[k]);
}

TEST(sentence_kernels_agree_with_the_portable_kernel) {
  const std::vector<SentenceKernelInfo> kernels = runnableKernels();
  if (kernels.size() < 2) std::printf("  (this CPU runs the portable kernel only: nothing to compare)\n");
  for (const Mode& m : kModes)
    for (int32_t dim : kDims) {
      const Setup s = makeSetup(m, dim);
      const Result portable = runKernel(w2v::simd::trainSentenceScalar, s, m, dim);
      for (size_t k = 0; k < kernels.size(); ++k)
        for (int32_t stride : strides(dim)) {
          if (k == 0 && stride == dim) continue;  // the portable kernel itself
          checkAgreement(runKernel(kernels[k].kernel, s, m, stride), portable,
                         std::string(kernels[k].name) + " vs scalar, " + m.name + ", dim " + std::to_string(dim) +
                             ", stride " + std::to_string(stride));
        }
    }
}

TEST(sentence_kernel_selection_is_one_of_the_runnable_kernels) {
  const char* name = nullptr;
  const SentenceKernel chosen = w2v::simd::selectSentenceKernel(&name);
  bool listed = false;
  for (const SentenceKernelInfo& k : w2v::simd::sentenceKernels())
    if (k.kernel == chosen) {
      listed = true;
      CHECK(k.runs);
      CHECK_EQ(std::string(k.name), std::string(name));
    }
  CHECK_MSG(listed, name << " is not in sentenceKernels()");
  std::printf("  selectSentenceKernel() picks %s\n", name);
}

TEST(training_kernel_takes_avx512_for_wide_rows_of_negative_sampling_only) {
  unsetenv("W2V_SIMD");
  const char* base = nullptr;
  const SentenceKernel fallback = w2v::simd::selectSentenceKernel(&base);
  bool avx512 = false;
  for (const SentenceKernelInfo& k : w2v::simd::sentenceKernels())
    if (std::string(k.name) == "avx512f") avx512 = k.runs;
  const int32_t wide = w2v::simd::kAvx512MinDim;
  const char* name = nullptr;
  // Wide rows, negative sampling alone: AVX-512F where the CPU runs it, else the default set.
  const SentenceKernel chosen = w2v::simd::selectTrainingKernel(wide, false, 5, &name);
  CHECK_EQ(std::string(name), std::string(avx512 ? "avx512f" : base));
  CHECK(avx512 ? chosen != fallback : chosen == fallback);
  // Narrower rows, hierarchical softmax (alone or with negatives), no negatives: the default.
  for (const auto& shape : {std::make_tuple(wide - 1, false, 5), std::make_tuple(wide, true, 0), std::make_tuple(wide, true, 5),
                            std::make_tuple(1000, false, 0)}) {
    CHECK(w2v::simd::selectTrainingKernel(std::get<0>(shape), std::get<1>(shape), std::get<2>(shape), &name) == fallback);
    CHECK_EQ(std::string(name), std::string(base));
  }
  // W2V_SIMD forces a set for every shape.
  setenv("W2V_SIMD", "avx2", 1);
  CHECK(w2v::simd::selectTrainingKernel(wide, false, 5, &name) == fallback);
  CHECK_EQ(std::string(name), std::string(base));
  setenv("W2V_SIMD", "scalar", 1);
  CHECK(w2v::simd::selectTrainingKernel(wide, false, 5, &name) == w2v::simd::trainSentenceScalar);
  CHECK_EQ(std::string(name), std::string("scalar"));
  unsetenv("W2V_SIMD");
  std::printf("  dim %d with negatives trains on %s\n", wide, avx512 ? "avx512f" : base);
}
