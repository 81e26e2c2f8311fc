#include "eges_trainer.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "alias_sampler.h"
#include "random.h"
#include "weight_init.h"
#include "arg_checks.h"
#include "worker_stats.h"

namespace w2v {

namespace {

/// Centre nodes between two looks at the cancel flag (as the CPU kernel's kCancelCheckWords).
constexpr int32_t kCancelCheckNodes = 64;
/// Rows of the closing hidden-vector pass between two looks at the cancel flag.
constexpr int32_t kCancelCheckRows = 4096;
/// Mixed into the seed for the attribute embeddings, so they do not repeat the id embeddings'
/// random numbers.
constexpr uint64_t kAttributeSeedSalt = 0xA77B'1B07'E5ULL;

/// The side-information checks, after the checks every backend shares (checkTrainerInputs).
void checkSideInfo(const TrainerConfig& c, const TrainerTables& tables, int32_t vocabSize) {
  require(c.sideInfo == SideInfoMode::kEges || c.sideInfo == SideInfoMode::kGes,
          "EgesTrainer needs sideInfo eges or ges, got none");
  require(c.attributeSlots >= 1 && c.attributeSlots <= kMaxAttributeSlots,
          "attributeSlots must be an integer in [1, " + std::to_string(kMaxAttributeSlots) + "], got " +
              std::to_string(c.attributeSlots));
  require(c.attributeCount >= 0 && c.attributeCount <= kMaxAttributeValues,
          "attributeCount must be an integer in [0, " + std::to_string(kMaxAttributeValues) + "], got " +
              std::to_string(c.attributeCount));
  const std::string unsupported = "sideInfo (EGES/GES) trains skip-gram with negative sampling only: ";
  require(!c.cbow, unsupported + "cbow must be off");
  require(!c.hs, unsupported + "hs must be off");
  require(c.negative > 0, unsupported + "negative must be > 0, got " + std::to_string(c.negative));
  require(!c.wholeSentenceWindow, unsupported + "wholeSentenceWindow must be off");
  require(c.groupNegative == 0, unsupported + "groupNegative must be 0, got " + std::to_string(c.groupNegative));

  const int64_t cells = static_cast<int64_t>(vocabSize) * c.attributeSlots;
  require(cells <= kMaxAttributeCells, "vocabSize x attributeSlots must be at most " +
                                           std::to_string(kMaxAttributeCells) + ", got " + std::to_string(cells));
  require(static_cast<int64_t>(tables.attributeOf.size()) == cells,
          "attributeOf must have vocabSize x attributeSlots = " + std::to_string(cells) + " entries, got " +
              std::to_string(tables.attributeOf.size()));
  for (size_t i = 0; i < tables.attributeOf.size(); ++i) {
    const int32_t value = tables.attributeOf[i];
    if (value >= -1 && value < c.attributeCount) continue;
    const size_t slots = static_cast<size_t>(c.attributeSlots);
    throw std::invalid_argument("attributeOf[" + std::to_string(i) + "] (node " + std::to_string(i / slots) +
                                ", slot " + std::to_string(i % slots) + ") must be -1 or an attribute id in [0, " +
                                std::to_string(c.attributeCount) + "), got " + std::to_string(value));
  }
}

}  // namespace

struct EgesTrainer::ThreadState : CpuWorker {
  ThreadState(uint64_t seed, int32_t dim, int32_t slots, int32_t epochCount)
      : CpuWorker(seed, epochCount), scratch(dim, slots) {}
  std::vector<EgesTarget> targets;  // one centre's window nodes and negatives
  EgesScratch scratch;
};

EgesTrainer::EgesTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize)
    // Two chunks a thread by default, as the CPU trainer (counted in size_t: see trainer.cc).
    : TrainerRuntime(config, std::move(tables), vocabSize, 2 * static_cast<size_t>(std::max(1, config.threads)),
                     "training thread failed") {
  checkSideInfo(config_, tables_, vocabSize_);
  const size_t dim = static_cast<size_t>(config_.dim);
  const size_t nodes = static_cast<size_t>(vocabSize_);
  allocateInputVectors();  // W^0, the original's initialisation
  attributeVectors_ = AlignedFloats(static_cast<size_t>(config_.attributeCount) * dim);
  initInputVectors(attributeVectors_, config_.seed ^ kAttributeSeedSalt, config_.dim);
  attributeLogits_ = AlignedFloats(nodes * (static_cast<size_t>(config_.attributeSlots) + 1));
  attributeLogits_.zero();  // uniform weights at the start, EGES as GES
  syn1neg_ = AlignedFloats(nodes * dim);
  syn1neg_.zero();
}

EgesTrainer::~EgesTrainer() { stopThreads(); }

EgesWeights EgesTrainer::weights() {
  EgesWeights w;
  w.idVectors = syn0_.data();
  w.attributeVectors = attributeVectors_.data();
  w.logits = attributeLogits_.data();
  w.outputVectors = syn1neg_.data();
  w.attributeOf = tables_.attributeOf.data();
  w.dim = config_.dim;
  w.slots = config_.attributeSlots;
  w.learnWeights = config_.sideInfo == SideInfoMode::kEges;
  return w;
}

void EgesTrainer::prepareWorkers() {
  uint64_t seeder = config_.seed;
  // Every window node and its negatives: 2 * window * (negative + 1) targets at most.
  const size_t targets = 2 * static_cast<size_t>(config_.window) * (static_cast<size_t>(config_.negative) + 1);
  for (int32_t t = 0; t < config_.threads; ++t) {
    states_.push_back(std::make_unique<ThreadState>(splitmix64(seeder), config_.dim, config_.attributeSlots,
                                                    config_.epochs));
    states_.back()->alpha = config_.alpha;
    states_.back()->targets.reserve(targets);
  }
}

void EgesTrainer::checkBackendChunk(const Chunk& chunk) const {
  if (!chunk.sentenceContext.empty())
    throw std::invalid_argument("sentenceContext is not supported with sideInfo (EGES/GES)");
}

void EgesTrainer::runWorker(int32_t index) {
  ThreadState& state = *states_[static_cast<size_t>(index)];
  Chunk chunk;
  while (queue_.pop(chunk) == ChunkQueue::Pop::kChunk) {
    noteEpoch(chunk.epoch);
    trainChunk(chunk, state);
  }
  // The last worker out writes the hidden vectors: by then no thread touches the weights
  // (acq_rel: it sees every other worker's updates), and the supervisor reports the end only
  // after this returns, so whoever reads inputVectors() after join() or onDone sees H_v.
  const bool last = workersFinished_.fetch_add(1, std::memory_order_acq_rel) + 1 == workerCount();
  if (last && !queue_.cancelled()) writeHiddenVectors();
}

void EgesTrainer::writeHiddenVectors() {
  const EgesWeights w = weights();
  EgesScratch scratch(config_.dim, config_.attributeSlots);
  const size_t dim = static_cast<size_t>(config_.dim);
  for (int32_t v = 0; v < vocabSize_; ++v) {
    if (v % kCancelCheckRows == 0 && queue_.cancelled()) return;
    // Row v of syn0_ is W^0_v, an input of H_v: computed aside, then written over it.
    egesHidden(w, v, scratch, scratch.hidden.data());
    std::copy(scratch.hidden.begin(), scratch.hidden.end(), syn0_.data() + static_cast<size_t>(v) * dim);
  }
}

void EgesTrainer::lossTotals(double& loss, int64_t& predictions) const { sumPublished(states_, loss, predictions); }

std::vector<EpochStats> EgesTrainer::epochStats() const { return sumEpochs(states_, config_.epochs); }

void EgesTrainer::trainChunk(const Chunk& chunk, ThreadState& state) {
  trainChunkSentences(chunk, state, [&](size_t) { trainSentence(state); });
}

// Skip-gram over one walk: each centre node v's hidden vector H_v predicts the nodes of its
// window (shrunk at random as the original's, to window - b with b uniform in [0, window)),
// each with `negative` fresh negatives from the unigram^0.75 table (a draw equal to the window
// node is skipped, as the original does); one egesUpdate per centre.
void EgesTrainer::trainSentence(ThreadState& state) {
  const EgesWeights w = weights();
  const int32_t length = static_cast<int32_t>(state.sentence.size());
  const int32_t* walk = state.sentence.data();
  const int32_t window = config_.window;
  const AliasEntry* negativeTable = samplers_.negative.entries();
  const uint32_t nodes = static_cast<uint32_t>(vocabSize_);
  const float alpha = static_cast<float>(state.alpha);
  for (int32_t pos = 0; pos < length; ++pos) {
    if (pos % kCancelCheckNodes == 0 && queue_.cancelled()) return;
    const int32_t span = window - static_cast<int32_t>(state.rng.below(static_cast<uint32_t>(window)));
    const int32_t from = std::max(0, pos - span);
    const int32_t to = std::min(length - 1, pos + span);
    state.targets.clear();
    int32_t contexts = 0;
    for (int32_t c = from; c <= to; ++c) {
      if (c == pos) continue;
      const int32_t context = walk[c];
      state.targets.push_back(EgesTarget{context, 1.0f});
      ++contexts;
      for (int32_t d = 0; d < config_.negative; ++d) {
        const int32_t sample = aliasDraw(negativeTable, nodes, state.rng.next());
        if (sample != context) state.targets.push_back(EgesTarget{sample, 0.0f});
      }
    }
    if (contexts == 0) continue;
    state.loss += egesUpdate(w, walk[pos], state.targets.data(), static_cast<int32_t>(state.targets.size()), alpha,
                             state.scratch);
    state.predictions += contexts;
  }
}

}  // namespace w2v
