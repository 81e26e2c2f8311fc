// EGES / GES on the CPU (Wang et al., KDD 2018): skip-gram with negative sampling over random
// walks, where a centre node's input vector is its hidden vector H_v, the weighted mean of its
// id embedding and its attributes' embeddings (eges_kernel.h has the maths). A trainer backend
// of its own, beside the word2vec Trainer, whose kernels it leaves alone; the lifecycle (queue,
// threads, progress, cancel) is TrainerRuntime's. makeTrainer picks it when config.sideInfo is
// set.
//
// Weights: syn0_ the id embeddings W^0 (the original's initialisation), attributeVectors_ the
// attribute values' embeddings (the same kind of small random start, from the seed),
// attributeLogits_ the per-node logits a_v (zero: uniform weights at first), syn1neg_ the
// output vectors Z (zero). When training ends (all input consumed, not cancelled) syn0_ is
// overwritten with every node's hidden vector H_v, so inputVectors() is the nodes' final
// embeddings like any trainer's word vectors; the id embeddings themselves are not kept.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "eges_kernel.h"
#include "trainer_runtime.h"
#include "trainer_types.h"

namespace w2v {

class EgesTrainer final : public TrainerRuntime {
 public:
  /// Validates everything (the shared checks, then side information: the mode, slots,
  /// attribute count, attributeOf's size and ids, and the options EGES does not train: cbow,
  /// hs, wholeSentenceWindow, groupNegative) and allocates the weights; throws
  /// std::invalid_argument naming the bad value.
  EgesTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);
  ~EgesTrainer() override;

  std::vector<EpochStats> epochStats() const override;

 private:
  struct ThreadState;
  int32_t workerCount() const override { return config_.threads; }
  void prepareWorkers() override;
  void runWorker(int32_t index) override;
  void checkBackendChunk(const Chunk& chunk) const override;
  void lossTotals(double& loss, int64_t& predictions) const override;
  void trainChunk(const Chunk& chunk, ThreadState& state);
  void trainSentence(ThreadState& state);
  /// syn0_ row v = H_v for every node (after the last worker's last chunk).
  void writeHiddenVectors();
  EgesWeights weights();

  std::vector<std::unique_ptr<ThreadState>> states_;
  std::atomic<int32_t> workersFinished_{0};
};

}  // namespace w2v
