// A double-precision transcription of the updates one sentence kernel call makes, written
// for reading, not speed: straight from word2vec.c's TrainModelThread (the CBOW mean, the
// hierarchical-softmax block, the negative-sampling block), plus this project's variants as
// native/core/simd/sentence_kernel.inl implements them: one set of negatives shared by a
// skip-gram window (pWord2Vec), and item2vec's whole-sentence window, in-group negatives and
// global context.
//
// It consumes the kernel's random stream in the kernel's order, so both land on the same
// words and the only differences left are float against double rounding:
//   - every centre word: one window-shrink draw, first (none in item2vec's set mode);
//   - every prediction: its `negative` draws before any update (HS included), a draw equal
//     to the target skipped; then, in item2vec, `groupNegative` in-group draws;
//   - shared negatives, and CBOW with negative sampling alone (no HS): the centre word's set
//     is drawn one word ahead, right after the previous centre word's window draw (the kernel
//     prefetches its rows meanwhile); the first word's set right after its own window draw;
//     a centre word with no context word still has its set drawn.
// Sigmoid and log-sigmoid come from the same tables with the same index computation as the
// kernel (word2vec.c's expTable, here rounded to the nearest of 1025 entries), taken at the
// double score rounded to float: the kernel's float score differs from it by rounding only,
// so the two pick different entries only within ~1e-6 of a bin edge (see the test's tolerance).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "alias_sampler.h"
#include "group_sampler.h"
#include "random.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"

namespace sentence_reference {

/// The three weight matrices in double, row-major like the kernel's.
struct Weights {
  std::vector<double> syn0, syn1neg, syn1;
};

/// Trains one sentence as `job` describes it (its sentence, options and tables, and its rng,
/// which it advances) on `weights`; adds to job.loss and job.predictions. job's float weight
/// pointers and scratch are not touched. train() returns how many scores fell outside
/// [-MAX_EXP, MAX_EXP] (the clipped branches), so a test can tell that it reached them.
class SentenceReference {
 public:
  SentenceReference(w2v::simd::SentenceJob& job, Weights& weights)
      : j_(job), w_(weights), dim_(job.dim), alpha_(static_cast<double>(job.alpha)) {}

  int64_t train() {
    if (j_.wholeSentence || j_.groupNegative > 0 || j_.globalContext >= 0) {
      trainItems();
    } else if (j_.sharedNegatives && !j_.cbow && !j_.hs && j_.negative > 0) {
      trainSkipgramShared();
    } else if (j_.cbow) {
      trainCbow();
    } else {
      trainSkipgram();
    }
    return saturated_;
  }

 private:
  using Vector = std::vector<double>;

  double* input(int32_t word) { return w_.syn0.data() + static_cast<size_t>(word) * dim_; }
  double* output(int32_t word) { return w_.syn1neg.data() + static_cast<size_t>(word) * dim_; }
  double* innerNode(int32_t point) { return w_.syn1.data() + static_cast<size_t>(point) * dim_; }

  double dot(const double* a, const double* b) const {
    double s = 0;
    for (int32_t i = 0; i < dim_; ++i) s += a[i] * b[i];
    return s;
  }
  void addScaled(double g, const double* x, double* y) const {  // y += g x
    for (int32_t i = 0; i < dim_; ++i) y[i] += g * x[i];
  }

  double sigmoid(double f) const { return j_.sigmoid[w2v::sigmoidIndex(static_cast<float>(f))]; }
  double logSigmoid(double f) const { return w2v::logSigmoidFrom(j_.logSigmoid, static_cast<float>(f)); }

  uint64_t draw() { return w2v::xorshiftNext(*j_.rng); }

  /// word2vec.c: b = next_random % window; the window reaches window - b words each side.
  void window(int32_t pos, int32_t& from, int32_t& to) {
    const int32_t b = static_cast<int32_t>(w2v::belowFrom(draw(), static_cast<uint32_t>(j_.window)));
    from = std::max(0, pos - (j_.window - b));
    to = std::min(j_.length - 1, pos + (j_.window - b));
  }

  std::vector<int32_t> drawNegatives(int32_t target) {
    std::vector<int32_t> negatives;
    for (int32_t d = 0; d < j_.negative; ++d) {
      const int32_t sample = w2v::aliasDraw(j_.negativeTable, j_.vocabSize, draw());
      if (sample != target) negatives.push_back(sample);  // word2vec.c: if (target == word) continue;
    }
    return negatives;
  }

  /// word2vec.c's negative-sampling coefficient: g = (label - sigmoid(f)) * alpha, with
  /// sigmoid taken as exactly 1 above MAX_EXP and 0 below -MAX_EXP. Adds -log sigmoid(+-f).
  double coefficient(double f, double label) {
    saturated_ += f > w2v::kMaxExp || f < -w2v::kMaxExp;
    j_.loss -= logSigmoid(label > 0 ? f : -f);
    if (f > w2v::kMaxExp) return (label - 1) * alpha_;
    if (f < -w2v::kMaxExp) return (label - 0) * alpha_;
    return (label - sigmoid(f)) * alpha_;
  }

  /// One prediction of `target` from l1 (a context row, or CBOW's mean): word2vec.c's
  /// "if (hs)" block, then its "if (negative > 0)" block, both adding l1's gradient to neu1e.
  /// `drawn`: the negatives drawn a word ahead (CBOW with negative sampling alone), else drawn here.
  void predict(const Vector& l1, int32_t target, Vector& neu1e, const std::vector<int32_t>* drawn = nullptr) {
    ++j_.predictions;
    std::vector<int32_t> negatives;
    if (j_.negative > 0) negatives = drawn ? *drawn : drawNegatives(target);
    if (j_.hs) {
      for (int64_t k = j_.offsets[target]; k < j_.offsets[target + 1]; ++k) {
        double* l2 = innerNode(j_.points[k]);
        const double f = dot(l1.data(), l2);
        const double label = 1 - j_.codes[k];
        j_.loss -= logSigmoid(label > 0 ? f : -f);
        if (f <= -w2v::kMaxExp || f >= w2v::kMaxExp) {  // word2vec.c: no update
          ++saturated_;
          continue;
        }
        const double g = (label - sigmoid(f)) * alpha_;
        addScaled(g, l2, neu1e.data());
        addScaled(g, l1.data(), l2);
      }
    }
    if (j_.negative > 0) {
      std::vector<int32_t> targets{target};
      targets.insert(targets.end(), negatives.begin(), negatives.end());
      for (size_t d = 0; d < targets.size(); ++d) {
        double* l2 = output(targets[d]);
        const double g = coefficient(dot(l1.data(), l2), d == 0 ? 1 : 0);
        addScaled(g, l2, neu1e.data());
        addScaled(g, l1.data(), l2);
      }
    }
  }

  /// Skip-gram as word2vec.c: every context word's row predicts the centre word on its own,
  /// and takes its gradient at once.
  void trainSkipgram() {
    for (int32_t pos = 0; pos < j_.length; ++pos) {
      int32_t from, to;
      window(pos, from, to);
      for (int32_t c = from; c <= to; ++c) {
        if (c == pos) continue;
        double* row = input(j_.sentence[c]);
        const Vector l1(row, row + dim_);
        Vector neu1e(static_cast<size_t>(dim_), 0.0);
        predict(l1, j_.sentence[pos], neu1e);
        addScaled(1, neu1e.data(), row);
      }
    }
  }

  /// CBOW as word2vec.c (cbow_mean): the mean of the context rows predicts the centre word,
  /// and every context row takes the whole gradient.
  void trainCbow() {
    const bool ahead = !j_.hs && j_.negative > 0;
    std::vector<int32_t> negatives, next;  // the current and next centre word's, when ahead
    for (int32_t pos = 0; pos < j_.length; ++pos) {
      int32_t from, to;
      window(pos, from, to);
      if (ahead) {
        if (pos == 0) negatives = drawNegatives(j_.sentence[pos]);
        else negatives = next;
        if (pos + 1 < j_.length) next = drawNegatives(j_.sentence[pos + 1]);
      }
      Vector neu1(static_cast<size_t>(dim_), 0.0);
      int32_t cw = 0;
      for (int32_t c = from; c <= to; ++c) {
        if (c == pos) continue;
        addScaled(1, input(j_.sentence[c]), neu1.data());
        ++cw;
      }
      if (cw == 0) continue;
      for (double& x : neu1) x /= cw;
      Vector neu1e(static_cast<size_t>(dim_), 0.0);
      predict(neu1, j_.sentence[pos], neu1e, ahead ? &negatives : nullptr);
      for (int32_t c = from; c <= to; ++c)
        if (c != pos) addScaled(1, neu1e.data(), input(j_.sentence[c]));
    }
  }

  /// Skip-gram with one set of negatives per centre word, shared by its window, all of the
  /// window's C x T predictions computed from the rows as they were before it (pWord2Vec):
  ///   G[c][t] = alpha (label[t] - sigmoid(in[c] . out[t])),
  ///   in[c] += sum_t G[c][t] out[t],   out[t] += sum_c G[c][t] in[c].
  /// A row that appears twice (a repeated context word, a negative drawn twice) takes both terms.
  void trainSkipgramShared() {
    std::vector<int32_t> negatives;  // the current centre word's
    std::vector<int32_t> next;       // the next one's, drawn a word ahead
    for (int32_t pos = 0; pos < j_.length; ++pos) {
      const int32_t word = j_.sentence[pos];
      int32_t from, to;
      window(pos, from, to);
      if (pos == 0) negatives = drawNegatives(word);
      else negatives = next;
      if (pos + 1 < j_.length) next = drawNegatives(j_.sentence[pos + 1]);
      std::vector<int32_t> contexts;
      for (int32_t c = from; c <= to; ++c)
        if (c != pos) contexts.push_back(j_.sentence[c]);
      if (contexts.empty()) continue;
      std::vector<int32_t> targets{word};
      targets.insert(targets.end(), negatives.begin(), negatives.end());
      const size_t C = contexts.size(), T = targets.size();
      std::vector<Vector> G(C, Vector(T));
      for (size_t c = 0; c < C; ++c)
        for (size_t t = 0; t < T; ++t) G[c][t] = coefficient(dot(input(contexts[c]), output(targets[t])), t == 0 ? 1 : 0);
      std::vector<Vector> inGradient(C, Vector(static_cast<size_t>(dim_), 0.0));
      std::vector<Vector> outGradient(T, Vector(static_cast<size_t>(dim_), 0.0));
      for (size_t c = 0; c < C; ++c)
        for (size_t t = 0; t < T; ++t) {
          addScaled(G[c][t], output(targets[t]), inGradient[c].data());
          addScaled(G[c][t], input(contexts[c]), outGradient[t].data());
        }
      for (size_t c = 0; c < C; ++c) addScaled(1, inGradient[c].data(), input(contexts[c]));
      for (size_t t = 0; t < T; ++t) addScaled(1, outGradient[t].data(), output(targets[t]));
      j_.predictions += static_cast<int64_t>(C);
    }
  }

  /// item2vec: skip-gram with per-pair negatives over the window or, in set mode, the whole
  /// sentence; each pair also contrasts `groupNegative` draws from the centre word's group
  /// (Airbnb's in-market negatives); then the centre word's row predicts the sentence's
  /// global context (Airbnb's booked listing), a positive term only.
  void trainItems() {
    for (int32_t pos = 0; pos < j_.length; ++pos) {
      const int32_t word = j_.sentence[pos];
      int32_t from = 0, to = j_.length - 1;
      if (!j_.wholeSentence) window(pos, from, to);
      for (int32_t c = from; c <= to; ++c) {
        if (c == pos) continue;
        double* row = input(j_.sentence[c]);
        const Vector l1(row, row + dim_);
        Vector neu1e(static_cast<size_t>(dim_), 0.0);
        predict(l1, word, neu1e);
        const int32_t group = j_.groupNegative > 0 ? j_.groupOf[word] : -1;
        if (group >= 0) {
          for (int32_t d = 0; d < j_.groupNegative; ++d) {
            const int32_t sample = w2v::groupDraw(j_.groupMembers, j_.groupOffsets, j_.groupEntries, group, draw());
            if (sample == word) continue;
            double* l2 = output(sample);
            const double g = coefficient(dot(l1.data(), l2), 0);
            addScaled(g, l2, neu1e.data());
            addScaled(g, l1.data(), l2);
          }
        }
        addScaled(1, neu1e.data(), row);
      }
      if (j_.globalContext >= 0 && j_.globalContext != word) {
        double* row = input(word);
        double* l2 = output(j_.globalContext);
        const Vector l1(row, row + dim_);
        ++j_.predictions;
        const double g = coefficient(dot(l1.data(), l2), 1);
        addScaled(g, l2, row);
        addScaled(g, l1.data(), l2);
      }
    }
  }

  w2v::simd::SentenceJob& j_;
  Weights& w_;
  const int32_t dim_;
  const double alpha_;
  int64_t saturated_ = 0;
};

}  // namespace sentence_reference
