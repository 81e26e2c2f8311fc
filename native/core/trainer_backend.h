// What the binding drives, whichever device trains: the CPU's Hogwild thread pool (Trainer)
// or the optional CUDA trainer (native/cuda). The binding includes this header only, never a
// CUDA header; makeTrainer() picks the implementation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "aligned_buffer.h"
#include "trainer_types.h"

namespace w2v {

class TrainerBackend {
 public:
  using ProgressCallback = std::function<void(const Progress&)>;
  using Notify = std::function<void()>;

  virtual ~TrainerBackend() = default;

  /// Starts training threads. `onProgress` is called every progressIntervalMs; `onSpace` when
  /// a queue slot frees while a producer was refused; `onDone` once after training stopped
  /// (then join() returns at once). All three are called from a trainer thread.
  virtual void start(ProgressCallback onProgress = nullptr, Notify onSpace = nullptr, Notify onDone = nullptr) = 0;
  /// Queues a chunk unless the queue is full (returns false; try again after onSpace).
  /// Throws std::invalid_argument on a bad chunk, std::logic_error after close().
  virtual bool tryPush(Chunk&& chunk) = 0;
  /// No more chunks: the queue is finished, then training stops.
  virtual void close() = 0;
  /// Stops as soon as possible; queued chunks are dropped.
  virtual void cancel() = 0;
  /// Waits for every thread; rethrows the first error training hit.
  virtual void join() = 0;
  virtual bool cancelled() const = 0;

  virtual Progress progress() const = 0;
  virtual std::vector<EpochStats> epochStats() const = 0;
  /// The weights, on the host, once join() returned: input vectors, negative-sampling output
  /// vectors (empty when negative == 0), hierarchical-softmax inner nodes (empty unless hs).
  virtual AlignedFloats& inputVectors() = 0;
  virtual AlignedFloats& outputVectors() = 0;
  virtual AlignedFloats& hsVectors() = 0;
  /// Bytes of host memory the weights still hold here (not yet handed out or released).
  virtual size_t weightBytes() const = 0;
  /// Frees the weights of a stopped run (call after join()): a cancelled or failed training
  /// gives them back at once instead of when the owner is destroyed.
  virtual void releaseWeights() = 0;
};

enum class TrainerDevice { kCpu, kCuda };

/// A trainer on `device`. Throws std::invalid_argument for a bad configuration, table or a
/// device that cannot train this configuration (the message names it), std::runtime_error
/// when the device itself fails (e.g. out of GPU memory).
std::unique_ptr<TrainerBackend> makeTrainer(TrainerDevice device, const TrainerConfig& config, TrainerTables tables,
                                            int32_t vocabSize);

/// One visible CUDA device.
struct CudaDeviceInfo {
  int32_t index = 0;
  std::string name;
  uint64_t memoryBytes = 0;
  int32_t computeMajor = 0;
  int32_t computeMinor = 0;
  int32_t multiprocessors = 0;
  /// Peak DRAM bandwidth from the memory clock and bus width (2 transfers a clock).
  double memoryBandwidthBytesPerSecond = 0;
};

/// What this build and machine offer for CUDA.
struct CudaStatus {
  /// Built with the CUDA trainer (cmake -DW2V_CUDA=ON with a toolkit found).
  bool compiled = false;
  int32_t deviceCount = 0;
  /// Why no device is usable: cudaGetDeviceCount's error name and text, or empty.
  std::string error;
  std::vector<CudaDeviceInfo> devices;
};

CudaStatus cudaStatus();

}  // namespace w2v
