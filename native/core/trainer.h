// The Hogwild word2vec trainer: skip-gram or CBOW, negative sampling and/or hierarchical
// softmax, on its own thread pool, fed with chunks of token ids through a bounded queue.
// Knows nothing of Node: the binding and the C++ tests drive it the same way.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aligned_buffer.h"
#include "alias_sampler.h"
#include "group_sampler.h"
#include "random.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"

namespace w2v {

constexpr int32_t kMaxDim = 10000;
constexpr int32_t kMaxWindow = 1000;
constexpr int32_t kMaxNegative = 1000;
constexpr int32_t kMaxThreads = 1024;
constexpr int32_t kMaxEpochs = 100000;
constexpr int32_t kMaxCodeLength = 64;

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
};

enum class TrainerState { kCreated, kRunning, kFinished };

class Trainer {
 public:
  using ProgressCallback = std::function<void(const Progress&)>;
  using Notify = std::function<void()>;

  /// Validates everything and allocates the weights; throws std::invalid_argument with a
  /// message naming the bad value.
  Trainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// Starts the worker threads and the supervisor. `onProgress` is called from the
  /// supervisor thread every progressIntervalMs; `onSpace` from a worker when a queue slot
  /// frees while a producer was refused; `onDone` once from the supervisor after every
  /// worker has stopped (then join() returns at once).
  void start(ProgressCallback onProgress = nullptr, Notify onSpace = nullptr,
             Notify onDone = nullptr);

  /// Queues a chunk unless the queue is full (returns false; try again after onSpace).
  /// Token ids are checked. Throws std::invalid_argument on a bad chunk, std::logic_error
  /// after close().
  bool tryPush(Chunk&& chunk);
  /// Blocking push, for C++ callers.
  void push(Chunk&& chunk);
  /// No more chunks: workers finish the queue and stop.
  void close();
  /// Stops the workers as soon as possible; queued chunks are dropped.
  void cancel();
  /// Waits for every thread. Rethrows the first error a worker hit.
  void join();

  bool cancelled() const { return cancelled_.load(); }
  /// First error raised on a worker thread, empty if none.
  std::string error() const;
  TrainerState state() const { return state_.load(); }

  int32_t vocabSize() const { return vocabSize_; }
  int32_t dim() const { return config_.dim; }
  const TrainerConfig& config() const { return config_; }
  AlignedFloats& inputVectors() { return syn0_; }
  AlignedFloats& outputVectors() { return syn1neg_; }
  AlignedFloats& hsVectors() { return syn1_; }
  /// Bytes of the weight matrices still held here (not yet handed out or released).
  size_t weightBytes() const { return (syn0_.size() + syn1neg_.size() + syn1_.size()) * sizeof(float); }
  /// Frees the weights of a stopped run (call after join()): a cancelled or failed training
  /// gives them back at once instead of when the owner is destroyed.
  void releaseWeights();
  std::vector<EpochStats> epochStats() const;
  Progress progress() const;

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

  std::mutex queueMutex_;
  std::condition_variable queueChanged_;
  std::deque<Chunk> queue_;
  size_t queueCapacity_ = 0;
  bool closed_ = false;
  std::atomic<bool> producerRefused_{false};

  std::atomic<bool> cancelled_{false};
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
  Notify onSpace_;
  Notify onDone_;
  std::chrono::steady_clock::time_point startTime_;
  std::atomic<TrainerState> state_{TrainerState::kCreated};
  // Supervisor-only: loss totals at the previous progress report.
  double reportedLoss_ = 0;
  int64_t reportedPredictions_ = 0;
};

}  // namespace w2v
