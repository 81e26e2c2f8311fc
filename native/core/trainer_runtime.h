// The lifecycle every trainer backend shares: the bounded chunk queue, the state, the first
// error a thread hits, the supervisor thread and its progress reports, and start / push /
// close / cancel / join / releaseWeights. A backend derives from it and supplies its workers
// (how many threads, what each runs), its weights, and its loss and per-epoch figures; a fix
// to the lifecycle is made here, once, for every backend.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aligned_buffer.h"
#include "chunk_queue.h"
#include "trainer_backend.h"
#include "trainer_checks.h"
#include "trainer_types.h"
#include "worker_stats.h"

namespace w2v {

class TrainerRuntime : public TrainerBackend {
 public:
  ~TrainerRuntime() override;
  TrainerRuntime(const TrainerRuntime&) = delete;
  TrainerRuntime& operator=(const TrainerRuntime&) = delete;

  /// Starts the workers and the supervisor. `onProgress` is called from the supervisor every
  /// progressIntervalMs; `onSpace` from a worker when a queue slot frees while a producer was
  /// refused; `onDone` once from the supervisor after every worker has stopped (then join()
  /// returns at once).
  void start(ProgressCallback onProgress = nullptr, Notify onSpace = nullptr, Notify onDone = nullptr) override;
  /// Queues a chunk unless the queue is full (returns false; try again after onSpace).
  /// Token ids are checked. Throws std::invalid_argument on a bad chunk, std::logic_error
  /// after close().
  bool tryPush(Chunk&& chunk) override;
  /// Blocking push, for C++ callers: waits for room; the chunk is dropped once cancelled.
  void push(Chunk&& chunk);
  void feed(std::function<void(const Push&)> produce) override;
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

  Progress progress() const override;
  /// Floats from one row of the weights to the next: more than dim while the rows are padded
  /// for the kernels (the CPU trainer's, from its construction until the training ends or the
  /// weights are read), else dim.
  int32_t rowStride() const { return rowStride_; }
  // The weights, row after row at dim floats. Read once the training has stopped (or before
  // it starts): rows padded for the kernels (rowStride_) are packed here first.
  AlignedFloats& inputVectors() override { packRowsUnlessRunning(); return syn0_; }
  AlignedFloats& outputVectors() override { packRowsUnlessRunning(); return syn1neg_; }
  AlignedFloats& hsVectors() override { packRowsUnlessRunning(); return syn1_; }
  AlignedFloats& attributeVectors() override { return attributeVectors_; }
  AlignedFloats& attributeLogits() override { return attributeLogits_; }
  size_t weightBytes() const override {
    return (syn0_.size() + syn1neg_.size() + syn1_.size() + attributeVectors_.size() + attributeLogits_.size()) *
           sizeof(float);
  }
  void releaseWeights() override;

 protected:
  /// Checks the configuration and tables (std::invalid_argument naming the bad value) and
  /// builds the samplers. The queue holds config.queueCapacity chunks, or
  /// `defaultQueueCapacity` when that is 0. A worker's error is reported as
  /// "<failurePrefix>: <what>".
  TrainerRuntime(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize, size_t defaultQueueCapacity,
                 std::string failurePrefix);

  /// Cancels and joins every thread, swallowing the error (it stays in error()). The threads
  /// call the backend's overrides, so a backend's destructor calls this first.
  void stopThreads() noexcept;

  /// Threads start() runs, each runWorker(index) for index in [0, workerCount()).
  virtual int32_t workerCount() const = 0;
  /// Called by start() before any thread exists: per-worker state.
  virtual void prepareWorkers() {}
  /// Trains until queue_ says the end; an exception becomes the training's error.
  virtual void runWorker(int32_t index) = 0;
  /// Refuses a chunk this backend cannot train (std::invalid_argument), after the shared checks.
  virtual void checkBackendChunk(const Chunk&) const {}
  /// Loss summed over the predictions made so far, and their count.
  virtual void lossTotals(double& loss, int64_t& predictions) const = 0;
  /// Frees what the backend holds besides the host weights (device copies).
  virtual void releaseBackendWeights() {}

  /// Allocates syn0_ with the original's random initialisation, its rows `rowStride` floats
  /// apart (at least dim; 0: dim): syn1neg_ and syn1_ take the same stride, and the rows are
  /// packed to dim floats apart when the training ends (packRows).
  void allocateInputVectors(int32_t rowStride = 0);
  /// The learning rate after the words done so far.
  double currentAlpha() const { return linearAlpha(config_, wordsDone_.load(std::memory_order_relaxed)); }
  /// One CPU worker's pass over a chunk, the same for every CPU backend: each sentence's tokens
  /// subsampled by keepProbability into state.sentence, the words counted in batches of
  /// kWordCountBatch for the learning rate's linear decay, `trainSentence(sentenceIndex)`
  /// called, and the loss published after each sentence; stops early when cancelled.
  template <class TrainSentence>
  void trainChunkSentences(const Chunk& chunk, CpuWorker& state, TrainSentence&& trainSentence) {
    EpochStats& stats = state.epochs[static_cast<size_t>(chunk.epoch)];
    const double lossBefore = state.loss;
    const int64_t predictionsBefore = state.predictions;
    const float* keep = tables_.keepProbability.data();
    int64_t begin = 0;
    for (size_t sentenceIndex = 0; sentenceIndex < chunk.sentenceEnds.size(); ++sentenceIndex) {
      const int64_t end = chunk.sentenceEnds[sentenceIndex];
      if (queue_.cancelled()) return;
      state.sentence.clear();
      for (int64_t i = begin; i < end; ++i) {
        const int32_t w = chunk.tokens[static_cast<size_t>(i)];
        const float p = keep[w];
        if (p >= 1.0f || state.rng.uniform() < p) state.sentence.push_back(w);
      }
      state.wordsSinceReport += end - begin;
      stats.words += end - begin;
      begin = end;
      if (state.wordsSinceReport >= kWordCountBatch) {
        wordsDone_.fetch_add(state.wordsSinceReport, std::memory_order_relaxed);
        state.wordsSinceReport = 0;
        state.alpha = currentAlpha();
      }
      trainSentence(sentenceIndex);
      state.publishedLoss.store(state.loss, std::memory_order_relaxed);
      state.publishedPredictions.store(state.predictions, std::memory_order_relaxed);
    }
    wordsDone_.fetch_add(state.wordsSinceReport, std::memory_order_relaxed);
    state.wordsSinceReport = 0;
    state.alpha = currentAlpha();
    stats.loss += state.loss - lossBefore;
    stats.predictions += state.predictions - predictionsBefore;
  }
  /// Words a CPU worker trains between two updates of the shared count (and its learning rate).
  static constexpr int64_t kWordCountBatch = 10000;
  /// A worker took a chunk of `epoch`: progress reports the latest.
  void noteEpoch(int32_t epoch) {
    latestEpoch_.store(std::max(latestEpoch_.load(std::memory_order_relaxed), epoch), std::memory_order_relaxed);
  }

  const TrainerConfig config_;
  const TrainerTables tables_;
  const int32_t vocabSize_;
  TrainerSamplers samplers_;
  ChunkQueue queue_;
  /// Tokens trained (before subsampling), all epochs.
  std::atomic<int64_t> wordsDone_{0};
  // The weights on the host: input vectors, negative-sampling output vectors (empty when
  // negative == 0), hierarchical-softmax inner nodes (empty unless hs).
  AlignedFloats syn0_;
  AlignedFloats syn1neg_;
  AlignedFloats syn1_;
  // Side information (EGES / GES; empty for other backends): attribute embeddings and the
  // nodes' slot logits.
  AlignedFloats attributeVectors_;
  AlignedFloats attributeLogits_;

 private:
  /// tryPush()'s and push()'s checks of a chunk and of the state.
  void checkPush(const Chunk& chunk) const;
  void workerMain(int32_t index);
  void feederMain(const std::function<void(const Push&)>& produce);
  void supervisorMain();
  /// Moves padded rows to dim floats apart, in place, and gives the freed tail back; no-op
  /// once packed. Only while no worker runs.
  void packRows();
  void packRowsUnlessRunning() {
    if (state_.load() != TrainerState::kRunning) packRows();
  }
  Progress progressSinceLastReport();
  void fail(const std::string& message);

  int32_t rowStride_;
  const std::string failurePrefix_;
  std::atomic<bool> failed_{false};
  mutable std::mutex errorMutex_;
  std::string error_;

  std::atomic<int32_t> latestEpoch_{0};
  std::atomic<int32_t> workersRunning_{0};
  std::vector<std::thread> workers_;
  std::thread supervisor_;
  // feed()'s thread, joined by the supervisor once the workers have stopped; feederMutex_
  // guards it against a feed() racing that join (feedingOver_: too late to feed).
  std::thread feeder_;
  std::mutex feederMutex_;
  bool feedingOver_ = false;
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
