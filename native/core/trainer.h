// The Hogwild word2vec trainer: skip-gram or CBOW, negative sampling and/or hierarchical
// softmax, on its own thread pool, fed with chunks of token ids through a bounded queue.
// Knows nothing of Node: the binding and the C++ tests drive it the same way.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aligned_buffer.h"
#include "alias_sampler.h"
#include "chunk_queue.h"
#include "group_sampler.h"
#include "random.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"
#include "trainer_backend.h"
#include "trainer_types.h"

namespace w2v {

class Trainer : public TrainerBackend {
 public:

  /// Validates everything and allocates the weights; throws std::invalid_argument with a
  /// message naming the bad value.
  Trainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);
  ~Trainer() override;
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Starts the worker threads and the supervisor. `onProgress` is called from the
  /// supervisor thread every progressIntervalMs; `onSpace` from a worker when a queue slot
  /// frees while a producer was refused; `onDone` once from the supervisor after every
  /// worker has stopped (then join() returns at once).
  void start(ProgressCallback onProgress = nullptr, Notify onSpace = nullptr,
             Notify onDone = nullptr) override;

  /// Queues a chunk unless the queue is full (returns false; try again after onSpace).
  /// Token ids are checked. Throws std::invalid_argument on a bad chunk, std::logic_error
  /// after close().
  bool tryPush(Chunk&& chunk) override;
  /// Blocking push, for C++ callers.
  void push(Chunk&& chunk);
  /// No more chunks: workers finish the queue and stop.
  void close() override;
  /// Stops the workers as soon as possible; queued chunks are dropped.
  void cancel() override;
  /// Waits for every thread. Rethrows the first error a worker hit.
  void join() override;

  bool cancelled() const override { return queue_.cancelled(); }
  /// First error raised on a worker thread, empty if none.
  std::string error() const;
  TrainerState state() const { return state_.load(); }

  int32_t vocabSize() const { return vocabSize_; }
  int32_t dim() const { return config_.dim; }
  const TrainerConfig& config() const { return config_; }
  AlignedFloats& inputVectors() override { return syn0_; }
  AlignedFloats& outputVectors() override { return syn1neg_; }
  AlignedFloats& hsVectors() override { return syn1_; }
  size_t weightBytes() const override { return (syn0_.size() + syn1neg_.size() + syn1_.size()) * sizeof(float); }
  void releaseWeights() override;
  std::vector<EpochStats> epochStats() const override;
  Progress progress() const override;

 private:
  struct ThreadState;
  void workerMain(int32_t index);
  void supervisorMain();
  void trainChunk(const Chunk& chunk, ThreadState& state);
  void trainSentence(const int32_t* sentence, int32_t length, int32_t globalContext, ThreadState& state);
  simd::SentenceKernel kernel_ = nullptr;
  double currentAlpha() const;
  void lossTotals(double& loss, int64_t& predictions) const;
  Progress progressSinceLastReport();
  void fail(const std::string& message);

  TrainerConfig config_;
  TrainerTables tables_;
  int32_t vocabSize_;
  AliasSampler negativeSampler_;
  GroupSampler groupSampler_;
  SigmoidTable sigmoid_;
  AlignedFloats syn0_;
  AlignedFloats syn1neg_;
  AlignedFloats syn1_;

  ChunkQueue queue_;
  std::atomic<bool> failed_{false};
  mutable std::mutex errorMutex_;
  std::string error_;

  std::atomic<int64_t> wordsDone_{0};
  std::atomic<int32_t> latestEpoch_{0};
  std::atomic<int32_t> workersRunning_{0};
  std::vector<std::unique_ptr<ThreadState>> states_;
  std::vector<std::thread> workers_;
  std::thread supervisor_;
  std::mutex supervisorMutex_;
  std::condition_variable supervisorWake_;
  ProgressCallback onProgress_;
  Notify onDone_;
  std::chrono::steady_clock::time_point startTime_;
  std::atomic<TrainerState> state_{TrainerState::kCreated};
  // Supervisor-only: loss totals at the previous progress report.
  double reportedLoss_ = 0;
  int64_t reportedPredictions_ = 0;
};

}  // namespace w2v
