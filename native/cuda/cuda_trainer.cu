// The host side of GPU training: device weights and tables, a driver thread that turns
// queued chunks into batches (batch_builder.h) in pinned host buffers and streams them to
// the device on a copy stream while the previous batch trains on the compute stream (two
// slots, events between), and a supervisor thread for progress, as the CPU Trainer's.
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../core/chunk_queue.h"
#include "../core/trainer_checks.h"
#include "../core/weight_init.h"
#include "batch_builder.h"
#include "cuda_trainer.h"
#include "device_math.h"
#include "train_kernel.h"

namespace w2v {
namespace cuda {

namespace {

/// Raw words per batch: ~50k slices, several per resident warp of a large GPU, and ~0.1 s of
/// work at 20M words/s, so launches and the host's batching are amortised.
/// W2V_CUDA_BATCH_WORDS in the environment overrides it (for tuning on a GPU).
constexpr int64_t kBatchWords = int64_t{1} << 21;
/// Shared memory a warp may take for its targets; more targets are trained in tiles.
constexpr size_t kSharedBudgetPerWarp = 16 * 1024;
constexpr int32_t kDefaultQueueCapacity = 16;

/// An integer tuning knob from the environment, `fallback` when unset; a bad value is refused.
int64_t environmentInteger(const char* name, int64_t fallback, int64_t lo, int64_t hi) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (*end != '\0' || value < lo || value > hi)
    throw std::invalid_argument(std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got \"" + text + "\"");
  return value;
}

std::string errorText(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + " failed: " + errorText(e));
}

// Where a CudaArray's memory comes from: the device, or pinned (page-locked) host memory that
// copies can stream from. Each says how to allocate, free, and word a failure.
struct DeviceMemory {
  static constexpr bool kAllocatesEmpty = false;  // an empty array holds no allocation
  static cudaError_t allocate(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
  static void release(void* p) { cudaFree(p); }
  static std::string failure(const char* what, size_t bytes, cudaError_t e) {
    return "not enough GPU memory for " + std::string(what) + " (" + std::to_string(bytes) + " bytes): " + errorText(e);
  }
};
struct PinnedMemory {
  static constexpr bool kAllocatesEmpty = true;  // always a valid pointer, even for 0 elements
  static cudaError_t allocate(void** p, size_t bytes) { return cudaHostAlloc(p, bytes, cudaHostAllocDefault); }
  static void release(void* p) { cudaFreeHost(p); }
  static std::string failure(const char* what, size_t, cudaError_t e) {
    return "could not pin host memory for " + std::string(what) + ": " + errorText(e);
  }
};

/// An owned array of `count` T in device or pinned host memory (RAII; not copyable).
template <class T, class Memory>
class CudaArray {
 public:
  CudaArray() = default;
  CudaArray(const CudaArray&) = delete;
  CudaArray& operator=(const CudaArray&) = delete;
  ~CudaArray() { reset(); }
  void allocate(size_t count, const char* what) {
    reset();
    if (count == 0 && !Memory::kAllocatesEmpty) return;
    const size_t bytes = std::max<size_t>(count, 1) * sizeof(T);
    void* p = nullptr;
    const cudaError_t e = Memory::allocate(&p, bytes);
    if (e != cudaSuccess) {
      cudaGetLastError();
      throw std::runtime_error(Memory::failure(what, bytes, e));
    }
    data_ = static_cast<T*>(p);
    count_ = count;
  }
  void reset() {
    if (data_ != nullptr) Memory::release(data_);
    data_ = nullptr;
    count_ = 0;
  }
  T* data() const { return data_; }
  size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

template <class T>
using DeviceArray = CudaArray<T, DeviceMemory>;
template <class T>
using PinnedArray = CudaArray<T, PinnedMemory>;

/// One of the two batches in flight: its host and device buffers and its events.
struct Slot {
  PinnedArray<int32_t> hostTokens;
  PinnedArray<SliceDesc> hostSlices;
  PinnedArray<BatchCounters> hostCounters;
  DeviceArray<int32_t> tokens;
  DeviceArray<SliceDesc> slices;
  DeviceArray<BatchCounters> counters;
  cudaEvent_t copied = nullptr;
  cudaEvent_t started = nullptr;
  cudaEvent_t done = nullptr;
  bool busy = false;
  int32_t epoch = 0;
  int64_t rawWords = 0;

  void allocate(size_t tokenCapacity, size_t sliceCapacity) {
    hostTokens.allocate(tokenCapacity, "a batch's tokens");
    hostSlices.allocate(sliceCapacity, "a batch's slices");
    tokens.allocate(tokenCapacity, "a batch's tokens");
    slices.allocate(sliceCapacity, "a batch's slices");
  }
};

class CudaTrainer final : public TrainerBackend {
 public:
  CudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);
  ~CudaTrainer() override;

  void start(ProgressCallback onProgress, Notify onSpace, Notify onDone) override;
  bool tryPush(Chunk&& chunk) override;
  void close() override;
  void cancel() override;
  void join() override;
  bool cancelled() const override { return queue_.cancelled(); }
  Progress progress() const override;
  std::vector<EpochStats> epochStats() const override;
  AlignedFloats& inputVectors() override { return syn0Host_; }
  AlignedFloats& outputVectors() override { return syn1negHost_; }
  AlignedFloats& hsVectors() override { return syn1Host_; }
  size_t weightBytes() const override {
    return (syn0Host_.size() + syn1negHost_.size() + syn1Host_.size()) * sizeof(float);
  }
  void releaseWeights() override;

 private:
  enum class Take { kChunk, kEnd, kLaunchNow };
  Take takeChunk(Chunk& out, bool batchEmpty, const Slot& other);
  void driverMain();
  void supervisorMain();
  void launch(Slot& slot, const BatchBuilder& builder);
  void retire(Slot& slot);
  void download();
  void fail(const std::string& message);
  Progress progressSinceLastReport();

  TrainerConfig config_;
  TrainerTables tables_;
  int32_t vocabSize_;
  int device_ = 0;
  int64_t batchWords_ = kBatchWords;
  int32_t maxBlocks_ = 0;  // 0: one warp per slice
  KernelArgs baseArgs_{};
  size_t sharedBytes_ = 0;

  DeviceArray<float> syn0_, syn1neg_, syn1_;
  DeviceArray<AliasEntry> alias_;
  DeviceArray<uint8_t> codes_;
  DeviceArray<int32_t> points_;
  DeviceArray<int64_t> offsets_;
  AlignedFloats syn0Host_, syn1negHost_, syn1Host_;
  cudaStream_t computeStream_ = nullptr;
  cudaStream_t copyStream_ = nullptr;
  Slot slots_[2];
  uint64_t batchNumber_ = 0;
  int64_t wordsLaunched_ = 0;  // driver thread only

  ChunkQueue queue_;
  std::atomic<bool> failed_{false};
  mutable std::mutex errorMutex_;
  std::string error_;

  mutable std::mutex statsMutex_;
  std::vector<EpochStats> stats_;
  double lossTotal_ = 0;
  int64_t predictionsTotal_ = 0;
  std::atomic<int64_t> wordsDone_{0};
  std::atomic<int32_t> latestEpoch_{0};

  std::thread driver_;
  std::thread supervisor_;
  std::atomic<bool> driverRunning_{false};
  std::mutex supervisorMutex_;
  std::condition_variable supervisorWake_;
  ProgressCallback onProgress_;
  Notify onDone_;
  std::chrono::steady_clock::time_point startTime_;
  std::atomic<TrainerState> state_{TrainerState::kCreated};
  double reportedLoss_ = 0;  // supervisor only
  int64_t reportedPredictions_ = 0;
};

CudaTrainer::CudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize)
    : config_(config), tables_(std::move(tables)), vocabSize_(vocabSize),
      queue_(static_cast<size_t>(config.queueCapacity > 0 ? config.queueCapacity : kDefaultQueueCapacity)),
      stats_(static_cast<size_t>(config.epochs)) {
  TrainerSamplers samplers = checkTrainerInputs(config_, tables_, vocabSize);
  checkCudaSupport(config_);
  // Tuning knobs for GPU sessions (bench/gpu.sh): words per batch, and a cap on the blocks of
  // a launch (fewer warps at once: less staleness between Hogwild updates, less speed).
  batchWords_ = environmentInteger("W2V_CUDA_BATCH_WORDS", kBatchWords, 1 << 12, int64_t{1} << 28);
  maxBlocks_ = static_cast<int32_t>(environmentInteger("W2V_CUDA_MAX_BLOCKS", 0, 0, 1 << 24));
  const CudaStatus status = probeCudaDevices();
  if (status.deviceCount == 0) throw std::invalid_argument("no CUDA device is visible: " + status.error);
  check(cudaSetDevice(device_), "cudaSetDevice");
  cudaDeviceProp properties;
  check(cudaGetDeviceProperties(&properties, device_), "cudaGetDeviceProperties");

  const size_t v = static_cast<size_t>(vocabSize);
  const size_t cells = v * static_cast<size_t>(config_.dim);
  const std::string weights = std::to_string(vocabSize) + " x " + std::to_string(config_.dim) + " weights on " +
                              properties.name;
  syn0Host_ = AlignedFloats(cells);
  initInputVectors(syn0Host_, config_.seed, config_.dim);
  syn0_.allocate(cells, weights.c_str());
  check(cudaMemcpy(syn0_.data(), syn0Host_.data(), cells * sizeof(float), cudaMemcpyHostToDevice), "uploading weights");
  int32_t maxCode = 0;
  if (config_.negative > 0) {
    syn1neg_.allocate(cells, weights.c_str());
    check(cudaMemset(syn1neg_.data(), 0, cells * sizeof(float)), "cudaMemset");
    alias_.allocate(samplers.negative.size(), "the negative-sampling table");
    check(cudaMemcpy(alias_.data(), samplers.negative.entries(), samplers.negative.size() * sizeof(AliasEntry),
                     cudaMemcpyHostToDevice),
          "uploading the negative-sampling table");
  }
  if (config_.hs) {
    syn1_.allocate(cells, weights.c_str());
    check(cudaMemset(syn1_.data(), 0, cells * sizeof(float)), "cudaMemset");
    codes_.allocate(tables_.huffmanCodes.size(), "the Huffman codes");
    points_.allocate(tables_.huffmanPoints.size(), "the Huffman codes");
    offsets_.allocate(tables_.huffmanOffsets.size(), "the Huffman codes");
    check(cudaMemcpy(codes_.data(), tables_.huffmanCodes.data(), tables_.huffmanCodes.size(), cudaMemcpyHostToDevice),
          "uploading the Huffman codes");
    check(cudaMemcpy(points_.data(), tables_.huffmanPoints.data(), tables_.huffmanPoints.size() * sizeof(int32_t),
                     cudaMemcpyHostToDevice),
          "uploading the Huffman codes");
    check(cudaMemcpy(offsets_.data(), tables_.huffmanOffsets.data(), tables_.huffmanOffsets.size() * sizeof(int64_t),
                     cudaMemcpyHostToDevice),
          "uploading the Huffman codes");
    for (size_t i = 0; i < v; ++i)
      maxCode = std::max(maxCode, static_cast<int32_t>(tables_.huffmanOffsets[i + 1] - tables_.huffmanOffsets[i]));
  }

  KernelArgs& a = baseArgs_;
  a.syn0 = syn0_.data();
  a.syn1neg = syn1neg_.data();
  a.syn1 = syn1_.data();
  a.alias = alias_.data();
  a.vocabSize = static_cast<uint32_t>(vocabSize);
  a.codes = codes_.data();
  a.points = points_.data();
  a.offsets = offsets_.data();
  a.dim = config_.dim;
  a.window = config_.window;
  a.negative = config_.negative;
  a.cbow = config_.cbow ? 1 : 0;
  a.hs = config_.hs ? 1 : 0;
  a.sharedNegatives = config_.sharedNegatives ? 1 : 0;
  a.maxTargets = maxCode + (config_.negative > 0 ? 1 + config_.negative : 0);
  const size_t budget = std::min(kSharedBudgetPerWarp, properties.sharedMemPerBlockOptin / kWarpsPerBlock);
  a.tileRows = tileRowsFor(a.maxTargets, config_.dim, budget);
  sharedBytes_ = trainKernelSharedBytes(a);
  if (sharedBytes_ > properties.sharedMemPerBlockOptin)
    throw std::invalid_argument("device \"cuda\": " + std::to_string(config_.negative) + " negatives at dim " +
                                std::to_string(config_.dim) + " need " + std::to_string(sharedBytes_) +
                                " bytes of shared memory per block, more than the " +
                                std::to_string(properties.sharedMemPerBlockOptin) + " of " + properties.name);
  check(prepareTrainKernel(config_.dim, sharedBytes_), "setting the kernel's shared memory");

  const size_t tokenCapacity = static_cast<size_t>(batchWords_) + (size_t{1} << 16);
  for (Slot& slot : slots_) {
    slot.allocate(tokenCapacity, BatchBuilder::slicesNeeded(tokenCapacity, tokenCapacity / 2));
    slot.hostCounters.allocate(1, "a batch's counters");
    slot.counters.allocate(1, "a batch's counters");
  }
  check(cudaStreamCreateWithFlags(&computeStream_, cudaStreamNonBlocking), "cudaStreamCreate");
  check(cudaStreamCreateWithFlags(&copyStream_, cudaStreamNonBlocking), "cudaStreamCreate");
  for (Slot& slot : slots_) {
    // Blocking sync: the driver sleeps while a batch trains instead of spinning a core.
    check(cudaEventCreateWithFlags(&slot.copied, cudaEventDisableTiming), "cudaEventCreate");
    check(cudaEventCreateWithFlags(&slot.started, cudaEventBlockingSync), "cudaEventCreate");
    check(cudaEventCreateWithFlags(&slot.done, cudaEventBlockingSync), "cudaEventCreate");
  }
}

CudaTrainer::~CudaTrainer() {
  cancel();
  try {
    join();
  } catch (...) {
    // Destructors must not throw; the error was reported through the done event.
  }
  cudaSetDevice(device_);
  if (computeStream_ != nullptr) cudaStreamSynchronize(computeStream_);
  if (copyStream_ != nullptr) cudaStreamSynchronize(copyStream_);
  for (Slot& slot : slots_) {
    if (slot.copied != nullptr) cudaEventDestroy(slot.copied);
    if (slot.started != nullptr) cudaEventDestroy(slot.started);
    if (slot.done != nullptr) cudaEventDestroy(slot.done);
  }
  if (computeStream_ != nullptr) cudaStreamDestroy(computeStream_);
  if (copyStream_ != nullptr) cudaStreamDestroy(copyStream_);
}

void CudaTrainer::start(ProgressCallback onProgress, Notify onSpace, Notify onDone) {
  if (state_ != TrainerState::kCreated) throw std::logic_error("trainer already started");
  onProgress_ = std::move(onProgress);
  queue_.onSpace(std::move(onSpace));
  onDone_ = std::move(onDone);
  startTime_ = std::chrono::steady_clock::now();
  state_ = TrainerState::kRunning;
  driverRunning_ = true;
  try {
    driver_ = std::thread(&CudaTrainer::driverMain, this);
    supervisor_ = std::thread(&CudaTrainer::supervisorMain, this);
  } catch (...) {
    cancel();
    if (driver_.joinable()) driver_.join();
    driverRunning_ = false;
    state_ = TrainerState::kFinished;
    throw;
  }
}

bool CudaTrainer::tryPush(Chunk&& chunk) {
  checkChunk(chunk, config_, vocabSize_);
  if (!chunk.sentenceContext.empty())
    throw std::invalid_argument("device \"cuda\" does not support sentenceContext (item2vec global context)");
  // As the CPU trainer: once closed, the queue refuses the chunk; once cancelled, it drops it.
  if (!queue_.closed() && !queue_.cancelled() && state_ != TrainerState::kRunning)
    throw std::logic_error("trainer is not running");
  return queue_.tryPush(std::move(chunk));
}

void CudaTrainer::close() { queue_.close(); }

void CudaTrainer::cancel() {
  queue_.cancel();
  supervisorWake_.notify_all();
}

void CudaTrainer::join() {
  if (driver_.joinable()) driver_.join();
  if (supervisor_.joinable()) supervisor_.join();
  std::lock_guard<std::mutex> lock(errorMutex_);
  if (!error_.empty()) throw std::runtime_error(error_);
}

void CudaTrainer::releaseWeights() {
  if (state_ == TrainerState::kRunning) throw std::logic_error("releaseWeights() while the trainer is running");
  syn0Host_ = AlignedFloats();
  syn1negHost_ = AlignedFloats();
  syn1Host_ = AlignedFloats();
  syn0_.reset();
  syn1neg_.reset();
  syn1_.reset();
}

void CudaTrainer::fail(const std::string& message) {
  if (!failed_.exchange(true)) {
    std::lock_guard<std::mutex> lock(errorMutex_);
    error_ = message;
  }
  cancel();
}

// A chunk from the queue. With a batch in hand, waits only while the GPU is still busy with
// the other batch; once it would idle, the batch in hand is launched (kLaunchNow).
CudaTrainer::Take CudaTrainer::takeChunk(Chunk& out, bool batchEmpty, const Slot& other) {
  for (;;) {
    const bool mayWait = batchEmpty || (other.busy && cudaEventQuery(other.done) == cudaErrorNotReady);
    switch (queue_.popWithin(out, std::chrono::milliseconds(mayWait ? 1 : 0))) {
      case ChunkQueue::Pop::kChunk:
        return Take::kChunk;
      case ChunkQueue::Pop::kEnd:
        return Take::kEnd;
      case ChunkQueue::Pop::kEmpty:
        if (!mayWait) return Take::kLaunchNow;
        break;
    }
  }
}

void CudaTrainer::launch(Slot& slot, const BatchBuilder& builder) {
  slot.epoch = builder.epoch();
  slot.rawWords = builder.rawWords();
  wordsLaunched_ += builder.rawWords();
  KernelArgs args = baseArgs_;
  args.tokens = slot.tokens.data();
  args.slices = slot.slices.data();
  args.sliceCount = static_cast<int32_t>(builder.sliceCount());
  args.key = batchKey(config_.seed, batchNumber_++);
  args.counters = slot.counters.data();
  check(cudaMemcpyAsync(slot.tokens.data(), slot.hostTokens.data(), builder.tokenCount() * sizeof(int32_t),
                        cudaMemcpyHostToDevice, copyStream_),
        "copying a batch to the GPU");
  check(cudaMemcpyAsync(slot.slices.data(), slot.hostSlices.data(), builder.sliceCount() * sizeof(SliceDesc),
                        cudaMemcpyHostToDevice, copyStream_),
        "copying a batch to the GPU");
  check(cudaEventRecord(slot.copied, copyStream_), "cudaEventRecord");
  check(cudaStreamWaitEvent(computeStream_, slot.copied, 0), "cudaStreamWaitEvent");
  check(cudaMemsetAsync(slot.counters.data(), 0, sizeof(BatchCounters), computeStream_), "cudaMemsetAsync");
  check(cudaEventRecord(slot.started, computeStream_), "cudaEventRecord");
  check(launchTrainKernel(args, computeStream_, maxBlocks_), "launching the training kernel");
  check(cudaMemcpyAsync(slot.hostCounters.data(), slot.counters.data(), sizeof(BatchCounters), cudaMemcpyDeviceToHost,
                        computeStream_),
        "copying a batch's totals from the GPU");
  check(cudaEventRecord(slot.done, computeStream_), "cudaEventRecord");
  slot.busy = true;
}

void CudaTrainer::retire(Slot& slot) {
  if (!slot.busy) return;
  slot.busy = false;
  check(cudaEventSynchronize(slot.done), "training a batch");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, slot.started, slot.done), "cudaEventElapsedTime");
  const BatchCounters counters = *slot.hostCounters.data();
  {
    std::lock_guard<std::mutex> lock(statsMutex_);
    EpochStats& e = stats_[static_cast<size_t>(slot.epoch)];
    e.words += slot.rawWords;
    e.predictions += static_cast<int64_t>(counters.predictions);
    e.loss += counters.loss;
    e.bytesMoved += static_cast<int64_t>(counters.rowsMoved) * config_.dim * static_cast<int64_t>(sizeof(float));
    e.deviceSeconds += ms / 1000.0;
    lossTotal_ += counters.loss;
    predictionsTotal_ += static_cast<int64_t>(counters.predictions);
  }
  wordsDone_.fetch_add(slot.rawWords);
}

void CudaTrainer::download() {
  const size_t cells = static_cast<size_t>(vocabSize_) * static_cast<size_t>(config_.dim);
  check(cudaMemcpy(syn0Host_.data(), syn0_.data(), cells * sizeof(float), cudaMemcpyDeviceToHost),
        "copying the vectors from the GPU");
  if (config_.negative > 0) {
    syn1negHost_ = AlignedFloats(cells);
    check(cudaMemcpy(syn1negHost_.data(), syn1neg_.data(), cells * sizeof(float), cudaMemcpyDeviceToHost),
          "copying the vectors from the GPU");
  }
  if (config_.hs) {
    syn1Host_ = AlignedFloats(cells);
    check(cudaMemcpy(syn1Host_.data(), syn1_.data(), cells * sizeof(float), cudaMemcpyDeviceToHost),
          "copying the vectors from the GPU");
  }
}

void CudaTrainer::driverMain() {
  try {
    check(cudaSetDevice(device_), "cudaSetDevice");
    BatchBuilder builder(config_, tables_.keepProbability);
    std::optional<Chunk> pending;
    int current = 0;
    bool end = false;
    while (!end && !queue_.cancelled()) {
      Slot& slot = slots_[current];
      retire(slot);
      builder.reset(slot.hostTokens.data(), slot.hostTokens.size(), slot.hostSlices.data(), slot.hostSlices.size());
      for (;;) {
        Chunk chunk;
        if (pending) {
          chunk = std::move(*pending);
          pending.reset();
        } else {
          const Take take = takeChunk(chunk, builder.empty(), slots_[current ^ 1]);
          if (take == Take::kEnd) {
            end = true;
            break;
          }
          if (take == Take::kLaunchNow) break;
        }
        if (!builder.empty() && (chunk.epoch != builder.epoch() || !builder.fits(chunk))) {
          pending = std::move(chunk);  // starts the next batch
          break;
        }
        if (!builder.fits(chunk)) {
          // A chunk larger than a batch (one very long sentence): grow this slot to hold it.
          const size_t tokens = BatchBuilder::tokensNeeded(chunk.tokens.size());
          slot.allocate(tokens, BatchBuilder::slicesNeeded(tokens, chunk.sentenceEnds.size()));
          builder.reset(slot.hostTokens.data(), slot.hostTokens.size(), slot.hostSlices.data(), slot.hostSlices.size());
        }
        builder.add(chunk, wordsLaunched_);
        latestEpoch_.store(std::max(latestEpoch_.load(), chunk.epoch));
        if (builder.rawWords() >= batchWords_) break;
      }
      if (queue_.cancelled()) break;
      if (!builder.empty()) {
        launch(slot, builder);
        current ^= 1;
      }
    }
    for (Slot& slot : slots_) retire(slot);
    if (!queue_.cancelled()) download();
  } catch (const std::exception& e) {
    fail(std::string("training on the GPU failed: ") + e.what());
  }
  {
    std::lock_guard<std::mutex> lock(supervisorMutex_);
    driverRunning_ = false;
  }
  supervisorWake_.notify_all();
}

void CudaTrainer::supervisorMain() {
  std::unique_lock<std::mutex> lock(supervisorMutex_);
  while (driverRunning_.load()) {
    supervisorWake_.wait_for(lock, std::chrono::milliseconds(config_.progressIntervalMs),
                             [&] { return !driverRunning_.load(); });
    if (onProgress_ && driverRunning_.load() && !queue_.cancelled()) {
      lock.unlock();
      onProgress_(progressSinceLastReport());
      lock.lock();
    }
  }
  lock.unlock();
  if (onProgress_ && !queue_.cancelled()) onProgress_(progressSinceLastReport());
  state_ = TrainerState::kFinished;
  if (onDone_) onDone_();
}

Progress CudaTrainer::progress() const {
  Progress p;
  p.wordsDone = wordsDone_.load();
  p.wordsTotal = static_cast<int64_t>(config_.epochs) * config_.wordsPerEpoch;
  p.epoch = latestEpoch_.load();
  p.alpha = linearAlpha(config_, p.wordsDone);
  {
    std::lock_guard<std::mutex> lock(statsMutex_);
    p.loss = predictionsTotal_ > 0 ? lossTotal_ / static_cast<double>(predictionsTotal_) : 0;
  }
  p.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - startTime_).count();
  p.wordsPerSecond = p.elapsedSeconds > 0 ? static_cast<double>(p.wordsDone) / p.elapsedSeconds : 0;
  return p;
}

Progress CudaTrainer::progressSinceLastReport() {
  Progress p = progress();
  std::lock_guard<std::mutex> lock(statsMutex_);
  if (predictionsTotal_ > reportedPredictions_) {
    p.loss = (lossTotal_ - reportedLoss_) / static_cast<double>(predictionsTotal_ - reportedPredictions_);
    reportedLoss_ = lossTotal_;
    reportedPredictions_ = predictionsTotal_;
  }
  return p;
}

std::vector<EpochStats> CudaTrainer::epochStats() const {
  std::lock_guard<std::mutex> lock(statsMutex_);
  return stats_;
}

}  // namespace

std::unique_ptr<TrainerBackend> makeCudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize) {
  return std::make_unique<CudaTrainer>(config, std::move(tables), vocabSize);
}

CudaStatus probeCudaDevices() {
  CudaStatus status;
  status.compiled = true;
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clears the sticky error for later calls
    status.error = "cudaGetDeviceCount returned " + errorText(e);
    return status;
  }
  status.deviceCount = count;
  if (count == 0) status.error = "cudaGetDeviceCount returned 0 devices";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    CudaDeviceInfo info;
    info.index = i;
    info.name = p.name;
    info.memoryBytes = p.totalGlobalMem;
    info.computeMajor = p.major;
    info.computeMinor = p.minor;
    info.multiprocessors = p.multiProcessorCount;
    int clockKHz = 0, busBits = 0;
    if (cudaDeviceGetAttribute(&clockKHz, cudaDevAttrMemoryClockRate, i) == cudaSuccess &&
        cudaDeviceGetAttribute(&busBits, cudaDevAttrGlobalMemoryBusWidth, i) == cudaSuccess)
      info.memoryBandwidthBytesPerSecond = 2.0 * clockKHz * 1000.0 * busBits / 8.0;
    cudaGetLastError();
    status.devices.push_back(info);
  }
  return status;
}

}  // namespace cuda
}  // namespace w2v
