// The bounded queue of chunks between the producer (the binding, feeding chunks from JS, or a
// C++ caller) and a trainer's consumers (TrainerRuntime's workers: the CPU trainer's threads,
// or a device backend's driver thread). Holds the trainer's cancel flag too: cancelling
// empties the queue, wakes everyone waiting on it, and the training kernels poll the flag.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

#include "trainer_types.h"

namespace w2v {

class ChunkQueue {
 public:
  /// At most `capacity` chunks wait (at least 1).
  explicit ChunkQueue(size_t capacity);
  ChunkQueue(const ChunkQueue&) = delete;
  ChunkQueue& operator=(const ChunkQueue&) = delete;

  /// Called by a consumer that takes a chunk after tryPush() was refused for want of room.
  void onSpace(std::function<void()> notify) { onSpace_ = std::move(notify); }

  /// Queues the chunk; false when the queue is full (try again after onSpace). After cancel()
  /// the chunk is dropped and true returned: the training is stopping anyway. Throws
  /// std::logic_error after close().
  bool tryPush(Chunk&& chunk);
  /// Waits until there is room (or the queue is cancelled): a blocking producer's wait.
  void waitForSpace();
  /// Queues the chunk, waiting for room as long as it takes: a native producer's push (no
  /// onSpace call, nobody was refused). False when the queue is cancelled (the chunk dropped).
  /// Throws std::logic_error after close().
  bool pushWaiting(Chunk&& chunk);
  /// No more chunks: consumers finish what is queued, then pop() says the end.
  void close();
  /// Drops the queued chunks and ends every wait; consumers stop at once.
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  bool closed() const;
  /// The flag cancel() sets, for code that polls it (the training kernels).
  const std::atomic<bool>* cancelledFlag() const { return &cancelled_; }

  enum class Pop { kChunk, kEnd, kEmpty };
  /// Takes the oldest chunk, waiting for one as long as it takes (kChunk), or says the end:
  /// closed and drained, or cancelled (kEnd).
  Pop pop(Chunk& out);
  /// As pop(), but waits at most `wait`: kEmpty when nothing came in that time.
  Pop popWithin(Chunk& out, std::chrono::milliseconds wait);

 private:
  template <class Wait>
  Pop take(Chunk& out, Wait wait);

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> chunks_;
  bool closed_ = false;
  std::atomic<bool> producerRefused_{false};
  std::atomic<bool> cancelled_{false};
  std::function<void()> onSpace_;
};

}  // namespace w2v
