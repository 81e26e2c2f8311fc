// What the binding drives, whichever backend trains: the CPU's Hogwild thread pool (Trainer)
// or a device's trainer; native/backends makes one (makeTrainer). Every backend derives from
// TrainerRuntime (trainer_runtime.h), which implements this lifecycle around its workers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
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
  /// What a native producer is given: a push that waits for room, false once the training is
  /// stopping (the producer should return then).
  using Push = std::function<bool(Chunk&&)>;
  /// Feeds the training from native code on a thread of its own, instead of the caller's
  /// tryPush() and close(): `produce` is called once with a Push; the input is closed when it
  /// returns, and an exception it throws fails the training. Once, while running. The thread
  /// is joined before onDone is called, so what `produce` reads may be freed from then on.
  /// Throws std::logic_error when not running or already feeding.
  virtual void feed(std::function<void(const Push&)> produce) = 0;
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
  /// Side information (EGES / GES), empty otherwise: the attribute values' embeddings
  /// (attributeCount x dim) and each node's slot logits (vocabSize x (attributeSlots + 1),
  /// slot 0 the node's own id; zero for GES). With side information, inputVectors() holds each
  /// node's hidden vector (the weighted mean of its id and attribute embeddings).
  virtual AlignedFloats& attributeVectors() = 0;
  virtual AlignedFloats& attributeLogits() = 0;
  /// Bytes of host memory the weights still hold here (not yet handed out or released).
  virtual size_t weightBytes() const = 0;
  /// Frees the weights of a stopped run (call after join()): a cancelled or failed training
  /// gives them back at once instead of when the owner is destroyed.
  virtual void releaseWeights() = 0;
};

}  // namespace w2v
