// The plain data a trainer takes and gives: configuration, per-word tables, chunks of token
// ids, progress and per-epoch totals. Shared by every trainer backend.
#pragma once
#include <cstdint>
#include <vector>

#include "w2v_limits.h"

namespace w2v {

/// Side information of graph nodes (EGES, Wang et al. KDD 2018): each node has categorical
/// attributes (category, brand, ...) with embeddings of their own, and its hidden vector is a
/// weighted mean of its id embedding and its attributes' embeddings. kEges learns the weights
/// per node (a softmax of learned logits); kGes keeps them uniform.
enum class SideInfoMode { kNone, kEges, kGes };

struct TrainerConfig {
  int32_t dim = 100;
  int32_t window = 5;
  int32_t negative = 5;
  bool cbow = false;
  bool hs = false;
  double alpha = 0.025;
  double minAlpha = 0.0000025;
  int32_t epochs = 5;
  int32_t threads = 1;
  uint64_t seed = 1;
  /// Tokens the caller will push per epoch; the learning rate decays over epochs * this.
  int64_t wordsPerEpoch = 0;
  /// Chunks that may wait in the queue; 0 means 2 per thread.
  int32_t queueCapacity = 0;
  int32_t progressIntervalMs = 100;
  /// Skip-gram + negative sampling only: one set of negatives per centre word, shared by
  /// its window (pWord2Vec). Off (the core's default; the TS layer turns it on): the
  /// original's fresh negatives per pair.
  bool sharedNegatives = false;
  /// item2vec's set objective: every token of a sentence is context of every other,
  /// whatever the distance (the window is ignored).
  bool wholeSentenceWindow = false;
  /// Negatives per prediction drawn from the centre word's own group (Airbnb's in-market
  /// negatives), besides the `negative` global ones; needs TrainerTables::groupOf.
  int32_t groupNegative = 0;
  /// EGES / GES side information (skip-gram + negative sampling only; trained by EgesTrainer,
  /// which makeTrainer picks when this is not kNone). Negatives are drawn fresh for every
  /// (centre, context) pair there, whatever sharedNegatives says.
  SideInfoMode sideInfo = SideInfoMode::kNone;
  /// Attribute slots per node (categories: e.g. 2 for category and brand), when sideInfo is on.
  int32_t attributeSlots = 0;
  /// Distinct attribute values over all slots: attribute ids are in [0, attributeCount).
  int32_t attributeCount = 0;
};

/// Per-word tables, computed by the caller (the TypeScript layer) from the vocabulary.
struct TrainerTables {
  /// Probability of keeping each occurrence of word i (frequent-word subsampling).
  std::vector<float> keepProbability;
  /// Unnormalised negative-sampling weights (count^exponent); needed when negative > 0.
  std::vector<double> negativeWeights;
  /// Hierarchical softmax, needed when hs: word i's code bits are
  /// huffmanCodes[huffmanOffsets[i] .. huffmanOffsets[i+1]) and the inner nodes on its
  /// path huffmanPoints[same range], each in [0, vocabSize - 1).
  std::vector<uint8_t> huffmanCodes;
  std::vector<int32_t> huffmanPoints;
  std::vector<int64_t> huffmanOffsets;
  /// Group of each word in [0, groups) or -1 for none; needed when groupNegative > 0.
  /// Group negatives are drawn by negativeWeights within the group.
  std::vector<int32_t> groupOf;
  /// Side information, needed when sideInfo is on: vocabSize * attributeSlots entries, node v's
  /// attribute ids at [v * slots, (v + 1) * slots), each in [0, attributeCount) or -1 (absent).
  std::vector<int32_t> attributeOf;
};

/// A run of sentences: sentence k is tokens[sentenceEnds[k-1] .. sentenceEnds[k]).
struct Chunk {
  std::vector<int32_t> tokens;
  std::vector<int64_t> sentenceEnds;
  /// Empty, or one id per sentence (-1 for none): a word every centre word of that sentence
  /// also predicts, whatever the window (Airbnb's global context, e.g. the booked listing).
  std::vector<int32_t> sentenceContext;
  int32_t epoch = 0;
};

struct Progress {
  int64_t wordsDone = 0;
  int64_t wordsTotal = 0;
  int32_t epoch = 0;
  double alpha = 0;
  /// Mean loss per predicted word over the updates since the previous report
  /// (negative sampling: -log sigmoid terms of the positive and negative samples).
  double loss = 0;
  double elapsedSeconds = 0;
  double wordsPerSecond = 0;
};

struct EpochStats {
  int64_t words = 0;        // tokens consumed (before subsampling)
  int64_t predictions = 0;  // (input, target word) updates
  double loss = 0;          // summed loss over those updates
  /// Device backends only (0 on the CPU): weight bytes the kernels read and wrote, and the
  /// seconds the device spent training this epoch's batches.
  int64_t bytesMoved = 0;
  double deviceSeconds = 0;
};

enum class TrainerState { kCreated, kRunning, kFinished };

}  // namespace w2v
