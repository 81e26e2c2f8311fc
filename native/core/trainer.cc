#include "trainer.h"
#include "worker_stats.h"

#include <algorithm>

namespace w2v {

// Hierarchical softmax on several threads: every path starts at the root, so the inner nodes
// nearest it are written by every prediction of every thread, and each write takes the rows'
// cache lines from the other cores (skip-gram + HS ran slower on 2 threads than on 1). Every
// thread but the first trains its own copy of the kTopNodes nodes nearest the root (the last
// created: the largest counts) and adds what it changed into the shared rows every
// kTopMergeWords centre words, mid-sentence, and at each chunk's start and end; the first
// thread writes the shared rows directly, so one thread trains exactly as the original.
// Merging at sentence ends instead (every 256 to 4096 words) cost CBOW + HS 0.5 to 0.8 analogy
// points; every 16 centre words costs nothing measurable
// (bench/results/studies/top-nodes-16-quality-hs.md).
constexpr int32_t kTopNodes = 64;
constexpr int32_t kTopMergeWords = 16;

struct Trainer::ThreadState : CpuWorker {
  explicit ThreadState(uint64_t seed, size_t scratchFloats, int32_t epochs)
      : CpuWorker(seed, epochs), scratch(scratchFloats) {
    scratch.zero();  // the rows' padding must be zero (SentenceJob::stride)
  }
  AlignedFloats scratch;  // the kernel's hidden / gradient rows
  AlignedFloats top;      // this thread's copy of the top inner nodes (kTopNodes above)
  AlignedFloats topBase;  // the shared rows as last copied into `top`
  /// What the kernel is handed, filled once (weights, objective, tables, this thread's random
  /// state and scratch); each sentence sets only its words, learning rate and global context.
  simd::SentenceJob job{};
};

Trainer::Trainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize)
    // Two chunks a thread by default: each worker has its next chunk waiting. Counted in
    // size_t: the config is not checked yet here, and 2 * a huge int overflowed (found by
    // the trainer fuzz target); the runtime refuses such a count.
    : TrainerRuntime(config, std::move(tables), vocabSize, 2 * static_cast<size_t>(std::max(1, config.threads)),
                     "training thread failed") {
  // Rows padded to 32-byte multiples while training (simd::paddedRowStride), packed after.
  allocateInputVectors(simd::paddedRowStride(config_.dim));
  const size_t cells = static_cast<size_t>(vocabSize_) * static_cast<size_t>(rowStride());
  // The original's initialisation: output weights zero.
  // (Fresh mappings come zeroed: the pages are touched first by the training threads.)
  if (config_.negative > 0) syn1neg_ = AlignedFloats::zeros(cells);
  if (config_.hs) syn1_ = AlignedFloats::zeros(cells);
  kernel_ = simd::selectTrainingKernel(config_.dim, config_.hs, config_.negative, nullptr);
}

Trainer::~Trainer() { stopThreads(); }

void Trainer::prepareWorkers() {
  uint64_t seeder = config_.seed;
  for (int32_t t = 0; t < config_.threads; ++t) {
    // Hidden + gradient rows, and for the shared-negative window the context and target rows,
    // plus the shared-negative window's C x T scores.
    const size_t rows = 2 + 2 * static_cast<size_t>(config_.window) + static_cast<size_t>(config_.negative) + 1;
    const size_t scores = 2 * static_cast<size_t>(config_.window) * (static_cast<size_t>(config_.negative) + 1) + 16;
    states_.push_back(
        std::make_unique<ThreadState>(splitmix64(seeder), rows * static_cast<size_t>(rowStride()) + scores, config_.epochs));
    states_.back()->alpha = config_.alpha;
    prepareJob(*states_.back(), t);
  }
}

void Trainer::prepareJob(ThreadState& state, int32_t index) {
  simd::SentenceJob& job = state.job;
  job.syn0 = syn0_.data();
  job.syn1neg = syn1neg_.data();
  job.syn1 = syn1_.data();
  job.negativeTable = config_.negative > 0 ? samplers_.negative.entries() : nullptr;
  job.vocabSize = static_cast<uint32_t>(vocabSize_);
  job.sigmoid = sigmoid_.sigmoidData();
  job.logSigmoid = sigmoid_.logSigmoidData();
  job.dim = config_.dim;
  job.stride = rowStride();
  job.window = config_.window;
  job.negative = config_.negative;
  job.cbow = config_.cbow;
  job.hs = config_.hs;
  job.sharedNegatives = config_.sharedNegatives;
  job.codes = tables_.huffmanCodes.data();
  job.points = tables_.huffmanPoints.data();
  job.offsets = tables_.huffmanOffsets.data();
  job.wholeSentence = config_.wholeSentenceWindow;
  job.groupNegative = config_.groupNegative;
  job.groupOf = config_.groupNegative > 0 ? tables_.groupOf.data() : nullptr;
  job.groupMembers = samplers_.group.members();
  job.groupOffsets = samplers_.group.offsets();
  job.groupEntries = samplers_.group.entries();
  job.rng = &state.rng.state();
  job.scratch = state.scratch.data();
  job.cancelled = queue_.cancelledFlag();
  if (config_.hs && index > 0 && vocabSize_ > 1) {
    const int32_t inner = vocabSize_ - 1;  // inner nodes: points 0 .. vocabSize - 2, the root last
    job.syn1TopRows = std::min(kTopNodes, inner);
    job.syn1TopFirst = inner - job.syn1TopRows;
    job.topMergeEvery = kTopMergeWords;
    state.top = AlignedFloats(static_cast<size_t>(job.syn1TopRows) * static_cast<size_t>(job.stride));
    state.topBase = AlignedFloats(state.top.size());
    state.top.zero();  // the first merge (a chunk's start) adds top - base: nothing
    state.topBase.zero();
    job.syn1Top = state.top.data();
    job.syn1TopBase = state.topBase.data();
  }
}

void Trainer::runWorker(int32_t index) {
  ThreadState& state = *states_[static_cast<size_t>(index)];
  Chunk chunk;
  while (queue_.pop(chunk) == ChunkQueue::Pop::kChunk) {
    noteEpoch(chunk.epoch);
    trainChunk(chunk, state);
  }
}

void Trainer::lossTotals(double& loss, int64_t& predictions) const { sumPublished(states_, loss, predictions); }

std::vector<EpochStats> Trainer::epochStats() const { return sumEpochs(states_, config_.epochs); }

void Trainer::trainChunk(const Chunk& chunk, ThreadState& state) {
  simd::mergeTopNodes(state.job);  // a fresh copy of the top nodes (no-op without one)
  trainChunkSentences(chunk, state, [&](size_t sentenceIndex) {
    const int32_t context = chunk.sentenceContext.empty() ? -1 : chunk.sentenceContext[sentenceIndex];
    trainSentence(state.sentence.data(), static_cast<int32_t>(state.sentence.size()), context, state);
  });
  simd::mergeTopNodes(state.job);  // the chunk's last changes, before the worker may stop
}

void Trainer::trainSentence(const int32_t* sentence, int32_t length, int32_t globalContext, ThreadState& state) {
  simd::SentenceJob& job = state.job;
  job.sentence = sentence;
  job.length = length;
  job.alpha = static_cast<float>(state.alpha);
  job.globalContext = globalContext;
  job.loss = 0;
  job.predictions = 0;
  kernel_(job);
  state.loss += job.loss;
  state.predictions += job.predictions;
}

}  // namespace w2v
