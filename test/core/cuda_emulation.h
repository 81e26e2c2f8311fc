// The CUDA trainer's algorithm on the host: chunks batched as its driver thread batches them
// (BatchBuilder), each batch trained by the kernel's host emulation. The host tests check the
// algorithm with it; the GPU tests (test/cuda) check the kernel against it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../../native/core/trainer_checks.h"
#include "../../native/core/weight_init.h"
#include "../../native/cuda/batch_builder.h"
#include "../../native/cuda/device_math.h"
#include "../../native/cuda/reference_kernel.h"
#include "corpus.h"

namespace cuda_emulation {

using w2v::cuda::BatchBuilder;
using w2v::cuda::BatchCounters;
using w2v::cuda::KernelArgs;
using w2v::cuda::SliceDesc;

/// Weights and host copies of the tables, laid out as the CUDA trainer uploads them.
struct Model {
  int32_t vocabSize = 0;
  int32_t dim = 0;
  w2v::AlignedFloats syn0, syn1neg, syn1;
  w2v::TrainerSamplers samplers;
  w2v::TrainerTables tables;
  KernelArgs args{};

  Model(const w2v::TrainerConfig& config, w2v::TrainerTables t, int32_t vocab, size_t sharedBudget = 16 * 1024)
      : vocabSize(vocab), dim(config.dim), tables(std::move(t)) {
    samplers = w2v::checkTrainerInputs(config, tables, vocab);
    const size_t cells = static_cast<size_t>(vocab) * static_cast<size_t>(config.dim);
    syn0 = w2v::AlignedFloats(cells);
    w2v::initInputVectors(syn0, config.seed, config.dim);
    int32_t maxCode = 0;
    if (config.negative > 0) {
      syn1neg = w2v::AlignedFloats(cells);
      syn1neg.zero();
    }
    if (config.hs) {
      syn1 = w2v::AlignedFloats(cells);
      syn1.zero();
      for (int32_t w = 0; w < vocab; ++w)
        maxCode = std::max(maxCode, static_cast<int32_t>(tables.huffmanOffsets[static_cast<size_t>(w) + 1] -
                                                         tables.huffmanOffsets[static_cast<size_t>(w)]));
    }
    args.syn0 = syn0.data();
    args.syn1neg = syn1neg.data();
    args.syn1 = syn1.data();
    args.alias = samplers.negative.entries();
    args.vocabSize = static_cast<uint32_t>(vocab);
    args.codes = tables.huffmanCodes.data();
    args.points = tables.huffmanPoints.data();
    args.offsets = tables.huffmanOffsets.data();
    args.dim = config.dim;
    args.window = config.window;
    args.negative = config.negative;
    args.cbow = config.cbow;
    args.hs = config.hs;
    args.sharedNegatives = config.sharedNegatives;
    args.maxTargets = maxCode + (config.negative > 0 ? 1 + config.negative : 0);
    args.tileRows = w2v::cuda::tileRowsFor(args.maxTargets, config.dim, sharedBudget);
  }
};

/// One batch as the driver hands it to the kernel.
struct Batch {
  std::vector<int32_t> tokens;
  std::vector<SliceDesc> slices;
  int64_t rawWords = 0;
};

inline Batch buildBatch(BatchBuilder& builder, const std::vector<w2v::Chunk>& chunks, int64_t wordsBefore) {
  size_t tokens = 0, sentences = 0;
  for (const auto& c : chunks) {
    tokens += c.tokens.size();
    sentences += c.sentenceEnds.size();
  }
  Batch b;
  b.tokens.resize(std::max<size_t>(tokens, 1));
  b.slices.resize(std::max<size_t>(BatchBuilder::slicesNeeded(tokens, sentences), 1));
  builder.reset(b.tokens.data(), b.tokens.size(), b.slices.data(), b.slices.size());
  for (const auto& c : chunks) builder.add(c, wordsBefore);
  b.tokens.resize(builder.tokenCount());
  b.slices.resize(builder.sliceCount());
  b.rawWords = builder.rawWords();
  return b;
}

/// Trains `epochs` over the corpus, one batch per `sentencesPerBatch` sentences; returns the
/// summed counters.
inline BatchCounters train(Model& model, const w2v::TrainerConfig& config, const testing_corpus::Corpus& corpus,
                           size_t sentencesPerBatch = 2000) {
  BatchBuilder builder(config, model.tables.keepProbability);
  BatchCounters totals{0, 0, 0};
  int64_t wordsBefore = 0;
  uint64_t batchNumber = 0;
  for (int32_t e = 0; e < config.epochs; ++e) {
    for (const w2v::Chunk& chunk : testing_corpus::chunksOf(corpus, e, sentencesPerBatch)) {
      Batch batch = buildBatch(builder, {chunk}, wordsBefore);
      KernelArgs args = model.args;
      args.tokens = batch.tokens.data();
      args.slices = batch.slices.data();
      args.sliceCount = static_cast<int32_t>(batch.slices.size());
      args.key = w2v::cuda::batchKey(config.seed, batchNumber++);
      args.counters = &totals;
      w2v::cuda::referenceTrainBatch(args);
      wordsBefore += batch.rawWords;
    }
  }
  return totals;
}

/// For each word, how many of its groupSize-1 nearest neighbours are in its group; the
/// smallest count over the vocabulary.
inline int32_t worstGroupRecall(const float* vectors, int32_t v, int32_t dim, const testing_corpus::Corpus& c) {
  std::vector<float> unit(static_cast<size_t>(v) * static_cast<size_t>(dim));
  w2v::normalizeRows(vectors, v, dim, unit.data());
  int32_t worst = c.groupSize;
  for (int32_t w = 0; w < v; ++w) {
    const auto near = w2v::topKByDot(unit.data(), v, dim, unit.data() + static_cast<size_t>(w) * dim, c.groupSize - 1,
                                     &w, 1);
    int32_t same = 0;
    for (const auto& s : near) same += c.group(s.id) == c.group(w);
    worst = std::min(worst, same);
  }
  return worst;
}

}  // namespace cuda_emulation
