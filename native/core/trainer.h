// The Hogwild word2vec trainer on the CPU: skip-gram or CBOW, negative sampling and/or
// hierarchical softmax, on its own thread pool, fed with chunks of token ids through a bounded
// queue (the lifecycle is TrainerRuntime's). Knows nothing of Node: the binding and the C++
// tests drive it the same way.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "aligned_buffer.h"
#include "random.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"
#include "trainer_runtime.h"
#include "trainer_types.h"

namespace w2v {

class Trainer final : public TrainerRuntime {
 public:
  /// Validates everything and allocates the weights; throws std::invalid_argument with a
  /// message naming the bad value.
  Trainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);
  ~Trainer() override;

  std::vector<EpochStats> epochStats() const override;

 private:
  struct ThreadState;
  int32_t workerCount() const override { return config_.threads; }
  void prepareWorkers() override;
  void runWorker(int32_t index) override;
  void lossTotals(double& loss, int64_t& predictions) const override;
  void trainChunk(const Chunk& chunk, ThreadState& state);
  void prepareJob(ThreadState& state, int32_t index);
  void trainSentence(const int32_t* sentence, int32_t length, int32_t globalContext, ThreadState& state);

  simd::SentenceKernel kernel_ = nullptr;
  SigmoidTable sigmoid_;
  std::vector<std::unique_ptr<ThreadState>> states_;
};

}  // namespace w2v
