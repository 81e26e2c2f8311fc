// Trainer updates against a direct transcription of the original word2vec.c update rules
// (TrainModelThread), on tiny cases made free of randomness: window 1 (the reduced window
// is always 0), keepProbability 1 (no subsampling draw), and negative-sampling weights that
// put all the mass on one word. The weights are preset large enough that some dot products
// fall outside [-6, 6] and take the clipped branches.
#include <cmath>
#include <cstdint>
#include <vector>

#include "check.h"
#include "corpus.h"
#include "random.h"
#include "sigmoid_table.h"
#include "trainer.h"
#include "vector_math.h"

using w2v::TrainerConfig;
using w2v::TrainerTables;

namespace {

constexpr int32_t kV = 4;
constexpr int32_t kDim = 8;
constexpr int32_t kOnlyNegative = 3;  // the only word with a negative-sampling weight

using Sentences = std::vector<std::vector<int32_t>>;

struct Weights {
  std::vector<float> syn0, syn1neg, syn1;
};

/// word2vec.c's skip-gram / CBOW step for every position of every sentence.
/// Returns how many dot products fell outside [-6, 6].
int32_t referenceTrain(const TrainerConfig& c, const TrainerTables& t, const Sentences& sentences, Weights& w) {
  int32_t clipped = 0;
  const w2v::SigmoidTable sig;
  const float alpha = static_cast<float>(c.alpha);
  const int32_t dim = c.dim;
  std::vector<float> neu1(static_cast<size_t>(dim)), neu1e(static_cast<size_t>(dim));
  auto learn = [&](const float* l1, int32_t word) {
    if (c.hs) {
      for (int64_t k = t.huffmanOffsets[static_cast<size_t>(word)]; k < t.huffmanOffsets[static_cast<size_t>(word) + 1]; ++k) {
        float* l2 = w.syn1.data() + static_cast<size_t>(t.huffmanPoints[static_cast<size_t>(k)]) * dim;
        const float f = w2v::dot(l1, l2, dim);
        if (f <= -w2v::kMaxExp || f >= w2v::kMaxExp) {
          ++clipped;
          continue;
        }
        const float g = (1.0f - static_cast<float>(t.huffmanCodes[static_cast<size_t>(k)]) - sig.sigmoid(f)) * alpha;
        w2v::axpy(g, l2, neu1e.data(), dim);
        w2v::axpy(g, l1, l2, dim);
      }
    }
    for (int32_t d = 0; d < c.negative + 1 && c.negative > 0; ++d) {
      int32_t target;
      float label;
      if (d == 0) {
        target = word;
        label = 1;
      } else {
        target = kOnlyNegative;
        if (target == word) continue;
        label = 0;
      }
      float* l2 = w.syn1neg.data() + static_cast<size_t>(target) * dim;
      const float f = w2v::dot(l1, l2, dim);
      float g;
      clipped += f > w2v::kMaxExp || f < -w2v::kMaxExp;
      if (f > w2v::kMaxExp)
        g = (label - 1) * alpha;
      else if (f < -w2v::kMaxExp)
        g = (label - 0) * alpha;
      else
        g = (label - sig.sigmoid(f)) * alpha;
      w2v::axpy(g, l2, neu1e.data(), dim);
      w2v::axpy(g, l1, l2, dim);
    }
  };
  for (const auto& s : sentences) {
    const int32_t n = static_cast<int32_t>(s.size());
    for (int32_t pos = 0; pos < n; ++pos) {
      const int32_t word = s[static_cast<size_t>(pos)];
      const int32_t from = std::max(0, pos - c.window), to = std::min(n - 1, pos + c.window);
      if (c.cbow) {
        std::fill(neu1.begin(), neu1.end(), 0.0f);
        int32_t cw = 0;
        for (int32_t a = from; a <= to; ++a) {
          if (a == pos) continue;
          w2v::axpy(1.0f, w.syn0.data() + static_cast<size_t>(s[static_cast<size_t>(a)]) * dim, neu1.data(), dim);
          ++cw;
        }
        if (cw == 0) continue;
        w2v::scale(1.0f / static_cast<float>(cw), neu1.data(), dim);
        std::fill(neu1e.begin(), neu1e.end(), 0.0f);
        learn(neu1.data(), word);
        for (int32_t a = from; a <= to; ++a) {
          if (a == pos) continue;
          w2v::axpy(1.0f, neu1e.data(), w.syn0.data() + static_cast<size_t>(s[static_cast<size_t>(a)]) * dim, dim);
        }
      } else {
        for (int32_t a = from; a <= to; ++a) {
          if (a == pos) continue;
          float* l1 = w.syn0.data() + static_cast<size_t>(s[static_cast<size_t>(a)]) * dim;  // the context word
          std::fill(neu1e.begin(), neu1e.end(), 0.0f);
          learn(l1, word);  // predicts the centre word, as word2vec.c
          w2v::axpy(1.0f, neu1e.data(), l1, dim);
        }
      }
    }
  }
  return clipped;
}

void fillRandom(w2v::AlignedFloats& a, uint64_t seed, float range) {
  w2v::Random rng(seed);
  for (size_t i = 0; i < a.size(); ++i) a.data()[i] = (rng.uniform() * 2.0f - 1.0f) * range;
}

std::vector<float> copyOf(const w2v::AlignedFloats& a) { return std::vector<float>(a.data(), a.data() + a.size()); }

int32_t mismatches(const w2v::AlignedFloats& got, const std::vector<float>& want, const char* what) {
  if (!CHECK_EQ(got.size(), want.size())) return 1;
  int32_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::fabs(got.data()[i] - want[i]) > 1e-5f * (1.0f + std::fabs(want[i]))) {
      if (bad++ < 3) CHECK_MSG(false, what << "[" << i << "]: trainer " << got.data()[i] << ", reference " << want[i]);
    }
  }
  return bad;
}

void checkAgainstReference(bool cbow, bool hs, int32_t negative, float range) {
  TrainerConfig c;
  c.dim = kDim;
  c.window = 1;
  c.negative = negative;
  c.cbow = cbow;
  c.hs = hs;
  c.alpha = 0.1;
  c.minAlpha = 0.0001;
  c.epochs = 1;
  c.threads = 1;
  c.seed = 77;
  TrainerTables t;
  t.keepProbability.assign(kV, 1.0f);
  t.negativeWeights.assign(kV, 0.0);
  t.negativeWeights[kOnlyNegative] = 1.0;
  if (hs) testing_corpus::buildHuffman({9, 5, 3, 2}, t);
  const Sentences sentences = {{0, 1, 3, 1}, {2}, {}, {1, 0, 0, 3, 2, 1, 2}, {3, 3}};

  w2v::Trainer trainer(c, t, kV);
  // Preset weights (the trainer's are plain arrays the owner may fill before start).
  fillRandom(trainer.inputVectors(), 1, range);
  if (negative > 0) fillRandom(trainer.outputVectors(), 2, range);
  if (hs) fillRandom(trainer.hsVectors(), 3, range);
  Weights ref{copyOf(trainer.inputVectors()), copyOf(trainer.outputVectors()), copyOf(trainer.hsVectors())};

  // Large preset weights must reach the clipped branches, small ones must not.
  const int32_t clipped = referenceTrain(c, t, sentences, ref);
  if (range > 1.0f) CHECK_MSG(clipped > 0, "no clipped dot product");
  if (range < 1.0f) CHECK_EQ(clipped, 0);

  w2v::Chunk chunk;
  for (const auto& s : sentences) {
    chunk.tokens.insert(chunk.tokens.end(), s.begin(), s.end());
    chunk.sentenceEnds.push_back(static_cast<int64_t>(chunk.tokens.size()));
  }
  const int64_t words = static_cast<int64_t>(chunk.tokens.size());
  trainer.start();
  trainer.push(std::move(chunk));
  trainer.close();
  trainer.join();
  CHECK_EQ(trainer.progress().wordsDone, words);
  CHECK_EQ(mismatches(trainer.inputVectors(), ref.syn0, "syn0"), 0);
  if (negative > 0) CHECK_EQ(mismatches(trainer.outputVectors(), ref.syn1neg, "syn1neg"), 0);
  if (hs) CHECK_EQ(mismatches(trainer.hsVectors(), ref.syn1, "syn1"), 0);
}

}  // namespace

TEST(trainer_matches_reference_skipgram_negative) {
  checkAgainstReference(false, false, 2, 0.3f);
  checkAgainstReference(false, false, 1, 2.0f);  // large weights: clipped branches
}

TEST(trainer_matches_reference_skipgram_hs) {
  checkAgainstReference(false, true, 0, 0.3f);
  checkAgainstReference(false, true, 0, 2.0f);
}

TEST(trainer_matches_reference_cbow_negative) {
  checkAgainstReference(true, false, 3, 0.3f);
  checkAgainstReference(true, false, 1, 4.0f);
}

TEST(trainer_matches_reference_cbow_hs_and_negative) {
  checkAgainstReference(true, true, 2, 0.3f);
  checkAgainstReference(true, true, 2, 4.0f);
}
