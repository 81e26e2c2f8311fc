// The host side of GPU training: device weights and tables, a driver thread (the runtime's one
// worker) that turns queued chunks into batches (batch_builder.h) in pinned host buffers and
// streams them to the device on a copy stream while the previous batch trains on the compute
// stream (two slots, events between). Queue, supervisor, progress and errors are
// TrainerRuntime's, as for the CPU trainer.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../core/trainer_runtime.h"
#include "batch_builder.h"
#include "cuda_memory.h"
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
constexpr size_t kDefaultQueueCapacity = 16;

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

class CudaTrainer final : public TrainerRuntime {
 public:
  CudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);
  ~CudaTrainer() override;

  std::vector<EpochStats> epochStats() const override;

 private:
  enum class Take { kChunk, kEnd, kLaunchNow };
  // One worker: the driver thread, which feeds the GPU.
  int32_t workerCount() const override { return 1; }
  void runWorker(int32_t) override { driverMain(); }
  void checkBackendChunk(const Chunk& chunk) const override;
  void lossTotals(double& loss, int64_t& predictions) const override;
  void releaseBackendWeights() override;

  void selectDevice(cudaDeviceProp& properties);
  int32_t uploadWeightsAndTables(const cudaDeviceProp& properties);
  void prepareKernel(const cudaDeviceProp& properties, int32_t maxCode);
  void createSlotsAndStreams();
  Take takeChunk(Chunk& out, bool batchEmpty, const Slot& other);
  void driverMain();
  void launch(Slot& slot, const BatchBuilder& builder);
  void retire(Slot& slot);
  void download();

  int device_ = 0;
  int64_t batchWords_ = kBatchWords;
  int32_t maxBlocks_ = 0;  // 0: one warp per slice
  KernelArgs baseArgs_{};
  size_t sharedBytes_ = 0;

  DeviceArray<float> deviceSyn0_, deviceSyn1neg_, deviceSyn1_;
  DeviceArray<AliasEntry> alias_;
  DeviceArray<uint8_t> codes_;
  DeviceArray<int32_t> points_;
  DeviceArray<int64_t> offsets_;
  cudaStream_t computeStream_ = nullptr;
  cudaStream_t copyStream_ = nullptr;
  Slot slots_[2];
  uint64_t batchNumber_ = 0;
  int64_t wordsLaunched_ = 0;  // driver thread only

  mutable std::mutex statsMutex_;
  std::vector<EpochStats> stats_;
  double lossTotal_ = 0;
  int64_t predictionsTotal_ = 0;
};

CudaTrainer::CudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize)
    : TrainerRuntime(config, std::move(tables), vocabSize, kDefaultQueueCapacity, "training on the GPU failed"),
      stats_(static_cast<size_t>(config.epochs)) {
  checkCudaSupport(config_);
  // Tuning knobs for GPU sessions (bench/gpu.sh): words per batch, and a cap on the blocks of
  // a launch (fewer warps at once: less staleness between Hogwild updates, less speed).
  batchWords_ = environmentInteger("W2V_CUDA_BATCH_WORDS", kBatchWords, 1 << 12, int64_t{1} << 28);
  maxBlocks_ = static_cast<int32_t>(environmentInteger("W2V_CUDA_MAX_BLOCKS", 0, 0, 1 << 24));
  cudaDeviceProp properties;
  selectDevice(properties);
  const int32_t maxCode = uploadWeightsAndTables(properties);
  prepareKernel(properties, maxCode);
  createSlotsAndStreams();
}

CudaTrainer::~CudaTrainer() {
  stopThreads();
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

void CudaTrainer::selectDevice(cudaDeviceProp& properties) {
  const CudaStatus status = probeCudaDevices();
  if (status.deviceCount == 0) throw std::invalid_argument("no CUDA device is visible: " + status.error);
  check(cudaSetDevice(device_), "cudaSetDevice");
  check(cudaGetDeviceProperties(&properties, device_), "cudaGetDeviceProperties");
}

// The weights (input vectors initialised as the CPU's, output weights zero) and the tables,
// on the device. Returns the longest Huffman code (0 without hs).
int32_t CudaTrainer::uploadWeightsAndTables(const cudaDeviceProp& properties) {
  const size_t v = static_cast<size_t>(vocabSize_);
  const size_t cells = v * static_cast<size_t>(config_.dim);
  const std::string weights = std::to_string(vocabSize_) + " x " + std::to_string(config_.dim) + " weights on " +
                              properties.name;
  allocateInputVectors();
  deviceSyn0_.allocate(cells, weights.c_str());
  check(cudaMemcpy(deviceSyn0_.data(), syn0_.data(), cells * sizeof(float), cudaMemcpyHostToDevice),
        "uploading weights");
  int32_t maxCode = 0;
  if (config_.negative > 0) {
    deviceSyn1neg_.allocate(cells, weights.c_str());
    check(cudaMemset(deviceSyn1neg_.data(), 0, cells * sizeof(float)), "cudaMemset");
    // The host's copy of the table is not needed once uploaded.
    const AliasSampler negative = std::move(samplers_.negative);
    alias_.allocate(negative.size(), "the negative-sampling table");
    check(cudaMemcpy(alias_.data(), negative.entries(), negative.size() * sizeof(AliasEntry), cudaMemcpyHostToDevice),
          "uploading the negative-sampling table");
  }
  if (config_.hs) {
    deviceSyn1_.allocate(cells, weights.c_str());
    check(cudaMemset(deviceSyn1_.data(), 0, cells * sizeof(float)), "cudaMemset");
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
  return maxCode;
}

// The kernel's fixed arguments, and its shared memory: checked against what the device offers.
void CudaTrainer::prepareKernel(const cudaDeviceProp& properties, int32_t maxCode) {
  KernelArgs& a = baseArgs_;
  a.syn0 = deviceSyn0_.data();
  a.syn1neg = deviceSyn1neg_.data();
  a.syn1 = deviceSyn1_.data();
  a.alias = alias_.data();
  a.vocabSize = static_cast<uint32_t>(vocabSize_);
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
}

void CudaTrainer::createSlotsAndStreams() {
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

void CudaTrainer::checkBackendChunk(const Chunk& chunk) const {
  if (!chunk.sentenceContext.empty())
    throw std::invalid_argument("device \"cuda\" does not support sentenceContext (item2vec global context)");
}

void CudaTrainer::releaseBackendWeights() {
  deviceSyn0_.reset();
  deviceSyn1neg_.reset();
  deviceSyn1_.reset();
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
  check(cudaMemcpy(syn0_.data(), deviceSyn0_.data(), cells * sizeof(float), cudaMemcpyDeviceToHost),
        "copying the vectors from the GPU");
  if (config_.negative > 0) {
    syn1neg_ = AlignedFloats(cells);
    check(cudaMemcpy(syn1neg_.data(), deviceSyn1neg_.data(), cells * sizeof(float), cudaMemcpyDeviceToHost),
          "copying the vectors from the GPU");
  }
  if (config_.hs) {
    syn1_ = AlignedFloats(cells);
    check(cudaMemcpy(syn1_.data(), deviceSyn1_.data(), cells * sizeof(float), cudaMemcpyDeviceToHost),
          "copying the vectors from the GPU");
  }
}

void CudaTrainer::driverMain() {
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
      noteEpoch(chunk.epoch);
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
}

void CudaTrainer::lossTotals(double& loss, int64_t& predictions) const {
  std::lock_guard<std::mutex> lock(statsMutex_);
  loss = lossTotal_;
  predictions = predictionsTotal_;
}

std::vector<EpochStats> CudaTrainer::epochStats() const {
  std::lock_guard<std::mutex> lock(statsMutex_);
  return stats_;
}

}  // namespace

std::unique_ptr<TrainerBackend> makeCudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize) {
  return std::make_unique<CudaTrainer>(config, std::move(tables), vocabSize);
}

}  // namespace cuda
}  // namespace w2v
