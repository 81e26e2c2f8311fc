#include "trainer_checks.h"
#include "arg_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace w2v {

TrainerSamplers checkTrainerInputs(const TrainerConfig& c, const TrainerTables& tables, int32_t vocabSize) {
  TrainerSamplers samplers;
  require(vocabSize >= 1, "vocabulary size must be >= 1, got " + std::to_string(vocabSize));
  require(c.dim >= 1 && c.dim <= kMaxDim,
          "dim must be an integer in [1, " + std::to_string(kMaxDim) + "], got " + std::to_string(c.dim));
  require(c.window >= 1 && c.window <= kMaxWindow,
          "window must be an integer in [1, " + std::to_string(kMaxWindow) + "], got " + std::to_string(c.window));
  require(c.negative >= 0 && c.negative <= kMaxNegative,
          "negative must be an integer in [0, " + std::to_string(kMaxNegative) + "], got " + std::to_string(c.negative));
  require(c.negative > 0 || c.hs, "negative must be > 0 when hs is off, got 0");
  require(c.threads >= 1 && c.threads <= kMaxThreads,
          "threads must be an integer in [1, " + std::to_string(kMaxThreads) + "], got " + std::to_string(c.threads));
  require(c.epochs >= 1 && c.epochs <= kMaxEpochs,
          "epochs must be an integer in [1, " + std::to_string(kMaxEpochs) + "], got " + std::to_string(c.epochs));
  require(std::isfinite(c.alpha) && c.alpha > 0 && c.alpha <= kMaxAlpha,
          "alpha must be in (0, " + str(kMaxAlpha) + "], got " + str(c.alpha));
  require(std::isfinite(c.minAlpha) && c.minAlpha >= 0 && c.minAlpha <= c.alpha,
          "minAlpha must be in [0, alpha], got " + str(c.minAlpha));
  require(c.wordsPerEpoch >= 0, "wordsPerEpoch must be >= 0, got " + std::to_string(c.wordsPerEpoch));
  require(c.queueCapacity >= 0 && c.queueCapacity <= kMaxQueueCapacity,
          "queueCapacity must be in [0, " + std::to_string(kMaxQueueCapacity) + "], got " +
              std::to_string(c.queueCapacity));
  require(c.progressIntervalMs >= kMinProgressIntervalMs && c.progressIntervalMs <= kMaxProgressIntervalMs,
          "progressIntervalMs must be in [" + std::to_string(kMinProgressIntervalMs) + ", " +
              std::to_string(kMaxProgressIntervalMs) + "], got " + std::to_string(c.progressIntervalMs));

  const size_t v = static_cast<size_t>(vocabSize);
  require(tables.keepProbability.size() == v,
          "keepProbability must have one entry per word (" + std::to_string(v) + "), got " +
              std::to_string(tables.keepProbability.size()));
  for (size_t i = 0; i < v; ++i) {
    const float p = tables.keepProbability[i];
    require(p >= 0.0f && p <= 1.0f,  // false for NaN too
            [&] { return "keepProbability[" + std::to_string(i) + "] must be in [0, 1], got " + str(p); });
  }
  if (c.negative > 0) {
    require(tables.negativeWeights.size() == v,
            "negativeWeights must have one entry per word (" + std::to_string(v) + "), got " +
                std::to_string(tables.negativeWeights.size()));
    samplers.negative = AliasSampler(tables.negativeWeights);
  }
  require(c.groupNegative >= 0 && c.groupNegative <= kMaxGroupNegative,
          "groupNegative must be in [0, " + std::to_string(kMaxGroupNegative) + "], got " +
              std::to_string(c.groupNegative));
  if (c.groupNegative > 0) {
    require(c.negative > 0, "groupNegative needs negative sampling (negative > 0)");
    require(!c.cbow && !c.hs, "groupNegative is for skip-gram with negative sampling only");
    try {
      samplers.group = GroupSampler(tables.groupOf, tables.negativeWeights);
    } catch (const std::invalid_argument& e) {
      require(false, e.what());
    }
  }
  require(!c.wholeSentenceWindow || (!c.cbow && !c.hs && c.negative > 0),
          "wholeSentenceWindow is for skip-gram with negative sampling only");
  if (c.hs) {
    require(vocabSize >= 2, "hs needs a vocabulary of at least 2 words, got " + std::to_string(vocabSize));
    require(tables.huffmanOffsets.size() == v + 1,
            "huffmanOffsets must have vocabulary size + 1 entries (" + std::to_string(v + 1) + "), got " +
                std::to_string(tables.huffmanOffsets.size()));
    require(tables.huffmanCodes.size() == tables.huffmanPoints.size(),
            "huffmanCodes and huffmanPoints must have the same length, got " +
                std::to_string(tables.huffmanCodes.size()) + " and " + std::to_string(tables.huffmanPoints.size()));
    require(tables.huffmanOffsets[0] == 0, "huffmanOffsets[0] must be 0, got " + std::to_string(tables.huffmanOffsets[0]));
    for (size_t i = 0; i < v; ++i) {
      const int64_t a = tables.huffmanOffsets[i], b = tables.huffmanOffsets[i + 1];
      require(b > a && b - a <= kMaxCodeLength, [&] {
        return "huffman code of word " + std::to_string(i) + " must have 1.." + std::to_string(kMaxCodeLength) +
               " bits, got " + std::to_string(b - a);
      });
    }
    require(static_cast<size_t>(tables.huffmanOffsets[v]) == tables.huffmanCodes.size(),
            "huffmanOffsets must end at the code table's length (" + std::to_string(tables.huffmanCodes.size()) +
                "), got " + std::to_string(tables.huffmanOffsets[v]));
    for (size_t k = 0; k < tables.huffmanPoints.size(); ++k) {
      require(tables.huffmanPoints[k] >= 0 && tables.huffmanPoints[k] < vocabSize - 1, [&] {
        return "huffmanPoints[" + std::to_string(k) + "] must be in [0, " + std::to_string(vocabSize - 1) + "), got " +
               std::to_string(tables.huffmanPoints[k]);
      });
      require(tables.huffmanCodes[k] <= 1, [&] {
        return "huffmanCodes[" + std::to_string(k) + "] must be 0 or 1, got " + std::to_string(tables.huffmanCodes[k]);
      });
    }
  }
  return samplers;
}

void checkChunk(const Chunk& chunk, const TrainerConfig& config, int32_t vocabSize) {
  for (int32_t id : chunk.tokens)
    if (id < 0 || id >= vocabSize)
      throw std::invalid_argument("token id must be in [0, " + std::to_string(vocabSize) + "), got " +
                                  std::to_string(id));
  int64_t previous = 0;
  for (int64_t end : chunk.sentenceEnds) {
    if (end < previous || end > static_cast<int64_t>(chunk.tokens.size()))
      throw std::invalid_argument("sentence ends must be non-decreasing and within the chunk (" +
                                  std::to_string(chunk.tokens.size()) + " tokens), got " + std::to_string(end));
    previous = end;
  }
  if (previous != static_cast<int64_t>(chunk.tokens.size()))
    throw std::invalid_argument("the last sentence end must equal the chunk's token count (" +
                                std::to_string(chunk.tokens.size()) + "), got " + std::to_string(previous));
  if (!chunk.sentenceContext.empty()) {
    if (chunk.sentenceContext.size() != chunk.sentenceEnds.size())
      throw std::invalid_argument("sentenceContext must have one entry per sentence (" +
                                  std::to_string(chunk.sentenceEnds.size()) + "), got " +
                                  std::to_string(chunk.sentenceContext.size()));
    if (config.negative == 0 || config.cbow || config.hs)
      throw std::invalid_argument("sentenceContext is for skip-gram with negative sampling only");
    for (int32_t id : chunk.sentenceContext)
      if (id < -1 || id >= vocabSize)
        throw std::invalid_argument("sentence context must be -1 or a word id in [0, " + std::to_string(vocabSize) +
                                    "), got " + std::to_string(id));
  }
  if (chunk.epoch < 0 || chunk.epoch >= config.epochs)
    throw std::invalid_argument("chunk epoch must be in [0, " + std::to_string(config.epochs) + "), got " +
                                std::to_string(chunk.epoch));
}

double linearAlpha(const TrainerConfig& config, int64_t wordsDone) {
  const double total = static_cast<double>(config.epochs) * static_cast<double>(config.wordsPerEpoch) + 1.0;
  const double done = std::min(1.0, static_cast<double>(wordsDone) / total);
  return std::max(config.minAlpha, config.alpha - (config.alpha - config.minAlpha) * done);
}

}  // namespace w2v
