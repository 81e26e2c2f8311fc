#include "chunk_queue.h"

#include <stdexcept>
#include <utility>

namespace w2v {

ChunkQueue::ChunkQueue(size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

bool ChunkQueue::tryPush(Chunk&& chunk) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) throw std::logic_error("trainer input is closed");
    if (cancelled_.load()) return true;  // dropped: training is stopping anyway
    if (chunks_.size() >= capacity_) {
      producerRefused_.store(true);
      return false;
    }
    chunks_.push_back(std::move(chunk));
  }
  changed_.notify_all();
  return true;
}

void ChunkQueue::waitForSpace() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return chunks_.size() < capacity_ || cancelled_.load(); });
}

bool ChunkQueue::pushWaiting(Chunk&& chunk) {
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return chunks_.size() < capacity_ || cancelled_.load() || closed_; });
    if (closed_) throw std::logic_error("trainer input is closed");
    if (cancelled_.load()) return false;
    chunks_.push_back(std::move(chunk));
  }
  changed_.notify_all();
  return true;
}

void ChunkQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

bool ChunkQueue::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void ChunkQueue::cancel() {
  cancelled_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    chunks_.clear();
  }
  changed_.notify_all();
}

template <class Wait>
ChunkQueue::Pop ChunkQueue::take(Chunk& out, Wait wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto ready = [&] { return !chunks_.empty() || closed_ || cancelled_.load(); };
  if (!wait(lock, ready)) return Pop::kEmpty;
  if (cancelled_.load() || chunks_.empty()) return Pop::kEnd;
  out = std::move(chunks_.front());
  chunks_.pop_front();
  lock.unlock();
  changed_.notify_all();  // wakes a blocking producer
  if (producerRefused_.exchange(false) && onSpace_) onSpace_();
  return Pop::kChunk;
}

ChunkQueue::Pop ChunkQueue::pop(Chunk& out) {
  return take(out, [&](std::unique_lock<std::mutex>& lock, const auto& ready) {
    changed_.wait(lock, ready);
    return true;
  });
}

ChunkQueue::Pop ChunkQueue::popWithin(Chunk& out, std::chrono::milliseconds wait) {
  return take(out, [&](std::unique_lock<std::mutex>& lock, const auto& ready) { return changed_.wait_for(lock, wait, ready); });
}

}  // namespace w2v
