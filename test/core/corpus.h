// Helpers of the trainer tests: a synthetic corpus with planted structure, the per-word
// tables, a Huffman tree built exactly as the original word2vec.c CreateBinaryTree, and a
// measure of how well trained vectors recover the planted groups.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "check.h"
#include "query.h"
#include "random.h"
#include "trainer.h"

namespace testing_corpus {

/// Vocabulary of groups * groupSize words; word w belongs to group w / groupSize. Each
/// sentence has `sentenceLength` words drawn uniformly from ONE random group.
struct Corpus {
  int32_t vocabSize = 0;
  int32_t groupSize = 0;
  std::vector<int32_t> tokens;
  std::vector<int64_t> sentenceEnds;
  std::vector<int64_t> counts;
  int32_t group(int32_t word) const { return word / groupSize; }
};

inline Corpus plantedCorpus(int64_t tokenCount, uint64_t seed, int32_t groups = 4, int32_t groupSize = 10,
                            int32_t sentenceLength = 20) {
  Corpus c;
  c.vocabSize = groups * groupSize;
  c.groupSize = groupSize;
  c.counts.assign(static_cast<size_t>(c.vocabSize), 0);
  w2v::Random rng(seed);
  c.tokens.reserve(static_cast<size_t>(tokenCount));
  while (static_cast<int64_t>(c.tokens.size()) < tokenCount) {
    const int32_t g = static_cast<int32_t>(rng.below(static_cast<uint32_t>(groups)));
    const int64_t n = std::min<int64_t>(sentenceLength, tokenCount - static_cast<int64_t>(c.tokens.size()));
    for (int64_t i = 0; i < n; ++i) {
      const int32_t w = g * groupSize + static_cast<int32_t>(rng.below(static_cast<uint32_t>(groupSize)));
      c.tokens.push_back(w);
      ++c.counts[static_cast<size_t>(w)];
    }
    c.sentenceEnds.push_back(static_cast<int64_t>(c.tokens.size()));
  }
  return c;
}

/// The corpus cut into chunks of `sentencesPerChunk` sentences, for one epoch.
inline std::vector<w2v::Chunk> chunksOf(const Corpus& c, int32_t epoch, size_t sentencesPerChunk = 50) {
  std::vector<w2v::Chunk> chunks;
  int64_t begin = 0;
  for (size_t s = 0; s < c.sentenceEnds.size(); s += sentencesPerChunk) {
    w2v::Chunk chunk;
    chunk.epoch = epoch;
    const size_t last = std::min(c.sentenceEnds.size(), s + sentencesPerChunk);
    const int64_t end = c.sentenceEnds[last - 1];
    chunk.tokens = std::vector<int32_t>(c.tokens.begin() + begin, c.tokens.begin() + end);
    for (size_t k = s; k < last; ++k) chunk.sentenceEnds.push_back(c.sentenceEnds[k] - begin);
    begin = end;
    chunks.push_back(std::move(chunk));
  }
  return chunks;
}

/// Huffman codes and inner-node points exactly as word2vec.c's CreateBinaryTree (which
/// expects the vocabulary sorted by decreasing count: we sort a copy, then map back).
inline void buildHuffman(const std::vector<int64_t>& wordCounts, w2v::TrainerTables& t) {
  const int64_t v = static_cast<int64_t>(wordCounts.size());
  std::vector<int32_t> order(static_cast<size_t>(v));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return wordCounts[static_cast<size_t>(a)] > wordCounts[static_cast<size_t>(b)]; });
  std::vector<int64_t> count(static_cast<size_t>(v * 2 + 1), 0), binary(static_cast<size_t>(v * 2 + 1), 0),
      parent(static_cast<size_t>(v * 2 + 1), 0);
  for (int64_t a = 0; a < v; ++a) count[static_cast<size_t>(a)] = wordCounts[static_cast<size_t>(order[static_cast<size_t>(a)])];
  for (int64_t a = v; a < v * 2; ++a) count[static_cast<size_t>(a)] = static_cast<int64_t>(1e15);
  int64_t pos1 = v - 1, pos2 = v, min1i, min2i;
  for (int64_t a = 0; a < v - 1; ++a) {
    if (pos1 >= 0 && count[static_cast<size_t>(pos1)] < count[static_cast<size_t>(pos2)]) {
      min1i = pos1--;
    } else {
      min1i = pos2++;
    }
    if (pos1 >= 0 && count[static_cast<size_t>(pos1)] < count[static_cast<size_t>(pos2)]) {
      min2i = pos1--;
    } else {
      min2i = pos2++;
    }
    count[static_cast<size_t>(v + a)] = count[static_cast<size_t>(min1i)] + count[static_cast<size_t>(min2i)];
    parent[static_cast<size_t>(min1i)] = v + a;
    parent[static_cast<size_t>(min2i)] = v + a;
    binary[static_cast<size_t>(min2i)] = 1;
  }
  // Per sorted word: code bits root-first and the inner node deciding each bit.
  std::vector<std::vector<uint8_t>> codes(static_cast<size_t>(v));
  std::vector<std::vector<int32_t>> points(static_cast<size_t>(v));
  for (int64_t a = 0; a < v; ++a) {
    std::vector<uint8_t> code;
    std::vector<int64_t> point;
    int64_t b = a;
    for (;;) {
      code.push_back(static_cast<uint8_t>(binary[static_cast<size_t>(b)]));
      point.push_back(b);
      b = parent[static_cast<size_t>(b)];
      if (b == v * 2 - 2) break;
    }
    const size_t len = code.size();
    std::vector<uint8_t> wc(len);
    std::vector<int32_t> wp(len + 1);
    wp[0] = static_cast<int32_t>(v - 2);
    for (size_t k = 0; k < len; ++k) {
      wc[len - k - 1] = code[k];
      wp[len - k] = static_cast<int32_t>(point[k] - v);
    }
    wp.resize(len);  // point[len] is the leaf itself (negative), unused by training
    const size_t word = static_cast<size_t>(order[static_cast<size_t>(a)]);
    codes[word] = std::move(wc);
    points[word] = std::move(wp);
  }
  t.huffmanCodes.clear();
  t.huffmanPoints.clear();
  t.huffmanOffsets.assign(1, 0);
  for (int64_t w = 0; w < v; ++w) {
    t.huffmanCodes.insert(t.huffmanCodes.end(), codes[static_cast<size_t>(w)].begin(), codes[static_cast<size_t>(w)].end());
    t.huffmanPoints.insert(t.huffmanPoints.end(), points[static_cast<size_t>(w)].begin(), points[static_cast<size_t>(w)].end());
    t.huffmanOffsets.push_back(static_cast<int64_t>(t.huffmanCodes.size()));
  }
}

/// keepProbability all 1, negativeWeights count^0.75, Huffman tables when `hs`.
inline w2v::TrainerTables tablesFor(const Corpus& c, bool hs) {
  w2v::TrainerTables t;
  t.keepProbability.assign(static_cast<size_t>(c.vocabSize), 1.0f);
  for (int64_t n : c.counts) t.negativeWeights.push_back(std::pow(static_cast<double>(n), 0.75));
  if (hs) buildHuffman(c.counts, t);
  return t;
}

inline w2v::TrainerConfig plantedConfig(const Corpus& c, int32_t epochs) {
  w2v::TrainerConfig config;
  config.dim = 20;
  config.window = 3;
  config.negative = 5;
  config.epochs = epochs;
  config.threads = 1;
  config.seed = 1;
  config.alpha = 0.025;
  config.minAlpha = 0.0001;
  config.wordsPerEpoch = static_cast<int64_t>(c.tokens.size());
  return config;
}

/// Pushes every epoch's chunks (blocking push) and closes the input.
/// Pushes every epoch's chunks to a started backend (Trainer, EgesTrainer) and closes it.
template <class Backend>
inline void pushAll(Backend& trainer, const Corpus& c, int32_t epochs, size_t sentencesPerChunk = 50) {
  for (int32_t e = 0; e < epochs; ++e)
    for (w2v::Chunk& chunk : chunksOf(c, e, sentencesPerChunk)) trainer.push(std::move(chunk));
  trainer.close();
}

inline std::unique_ptr<w2v::Trainer> train(const w2v::TrainerConfig& config, w2v::TrainerTables tables,
                                           const Corpus& c) {
  auto trainer = std::make_unique<w2v::Trainer>(config, std::move(tables), c.vocabSize);
  trainer->start();
  pushAll(*trainer, c, config.epochs);
  trainer->join();
  return trainer;
}

/// For each word, how many of its groupSize-1 nearest neighbours (cosine of the input
/// vectors) are in its own group; returns the smallest such count over the vocabulary.
inline int32_t worstGroupRecall(w2v::Trainer& trainer, const Corpus& c) {
  const int32_t v = trainer.vocabSize(), dim = trainer.dim();
  std::vector<float> unit(static_cast<size_t>(v) * static_cast<size_t>(dim));
  w2v::normalizeRows(trainer.inputVectors().data(), v, dim, unit.data());
  int32_t worst = c.groupSize;
  for (int32_t w = 0; w < v; ++w) {
    const auto near = w2v::topKByDot(unit.data(), v, dim, unit.data() + static_cast<size_t>(w) * dim,
                                     c.groupSize - 1, &w, 1);
    int32_t same = 0;
    for (const auto& s : near) same += c.group(s.id) == c.group(w);
    worst = std::min(worst, same);
  }
  return worst;
}

/// Every epoch of a finished backend counted `wordsPerEpoch` words and made predictions with
/// a finite loss, and the last epoch's mean loss is below the first's.
template <class Backend>
inline void checkEpochStats(const Backend& t, int32_t epochs, int64_t wordsPerEpoch) {
  const auto stats = t.epochStats();
  if (!CHECK_EQ(stats.size(), static_cast<size_t>(epochs))) return;
  for (const auto& e : stats) {
    CHECK_EQ(e.words, wordsPerEpoch);
    CHECK(e.predictions > 0);
    CHECK(std::isfinite(e.loss));
  }
  const double first = stats.front().loss / static_cast<double>(stats.front().predictions);
  const double last = stats.back().loss / static_cast<double>(stats.back().predictions);
  CHECK_MSG(last < first, "mean loss of the last epoch " << last << " is not below the first's " << first);
}

}  // namespace testing_corpus
