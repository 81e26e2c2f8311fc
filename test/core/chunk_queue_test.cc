// ChunkQueue: the bounded queue both trainers take their chunks from: room and refusal (with
// the onSpace call once a consumer makes room), close, cancel, timed takes, and several
// consumers taking each chunk once.
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "check.h"
#include "chunk_queue.h"

using w2v::Chunk;
using w2v::ChunkQueue;

namespace {

Chunk chunkOf(int32_t first) {
  Chunk c;
  c.tokens = {first};
  c.sentenceEnds = {1};
  return c;
}

}  // namespace

TEST(chunk_queue_refuses_when_full_and_says_when_there_is_room) {
  ChunkQueue q(2);
  int spaces = 0;
  q.onSpace([&] { ++spaces; });
  CHECK(q.tryPush(chunkOf(1)));
  CHECK(q.tryPush(chunkOf(2)));
  CHECK(!q.tryPush(chunkOf(3)));  // full
  Chunk out;
  CHECK(q.pop(out) == ChunkQueue::Pop::kChunk);
  CHECK_EQ(out.tokens[0], 1);  // oldest first
  CHECK_EQ(spaces, 1);         // the refused producer is told once
  CHECK(q.tryPush(chunkOf(3)));
  CHECK(q.pop(out) == ChunkQueue::Pop::kChunk);
  CHECK_EQ(spaces, 1);  // no refusal since: no call
  CHECK_EQ(out.tokens[0], 2);
}

TEST(chunk_queue_close_drains_then_ends) {
  ChunkQueue q(4);
  CHECK(q.tryPush(chunkOf(7)));
  q.close();
  CHECK(q.closed());
  CHECK_THROWS_AS(q.tryPush(chunkOf(8)), std::logic_error, "trainer input is closed");
  Chunk out;
  CHECK(q.pop(out) == ChunkQueue::Pop::kChunk);
  CHECK_EQ(out.tokens[0], 7);
  CHECK(q.pop(out) == ChunkQueue::Pop::kEnd);
  CHECK(q.popWithin(out, std::chrono::milliseconds(0)) == ChunkQueue::Pop::kEnd);
}

TEST(chunk_queue_cancel_drops_chunks_and_ends_every_wait) {
  ChunkQueue q(1);
  CHECK(q.tryPush(chunkOf(1)));
  std::atomic<bool> producerDone{false};
  std::thread producer([&] {
    q.waitForSpace();  // full: waits until the cancel
    producerDone = true;
  });
  std::atomic<int> ended{0};
  ChunkQueue empty(1);
  std::thread consumer([&] {
    Chunk out;
    if (empty.pop(out) == ChunkQueue::Pop::kEnd) ++ended;  // empty: waits until the cancel
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(!producerDone.load());
  q.cancel();
  empty.cancel();
  producer.join();
  consumer.join();
  CHECK(producerDone.load());
  CHECK_EQ(ended.load(), 1);
  CHECK(q.cancelled());
  CHECK(q.cancelledFlag()->load());
  CHECK(q.tryPush(chunkOf(2)));  // dropped, not refused: training is stopping
  Chunk out;
  CHECK(q.pop(out) == ChunkQueue::Pop::kEnd);  // the queued chunk was dropped too
}

TEST(chunk_queue_timed_take_says_empty_after_the_wait) {
  ChunkQueue q(2);
  Chunk out;
  const auto started = std::chrono::steady_clock::now();
  CHECK(q.popWithin(out, std::chrono::milliseconds(15)) == ChunkQueue::Pop::kEmpty);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(15));
  CHECK(q.popWithin(out, std::chrono::milliseconds(0)) == ChunkQueue::Pop::kEmpty);
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    q.tryPush(chunkOf(5));
  });
  CHECK(q.popWithin(out, std::chrono::seconds(10)) == ChunkQueue::Pop::kChunk);  // woken by the push
  later.join();
  CHECK_EQ(out.tokens[0], 5);
}

TEST(chunk_queue_blocking_producer_and_several_consumers_take_each_chunk_once) {
  ChunkQueue q(3);
  constexpr int kChunks = 2000;
  std::mutex seenMutex;
  std::vector<int> seen(kChunks, 0);
  std::vector<std::thread> consumers;
  for (int t = 0; t < 3; ++t)
    consumers.emplace_back([&] {
      Chunk out;
      while (q.pop(out) == ChunkQueue::Pop::kChunk) {
        std::lock_guard<std::mutex> lock(seenMutex);
        ++seen[static_cast<size_t>(out.tokens[0])];
      }
    });
  for (int i = 0; i < kChunks; ++i) {
    Chunk c = chunkOf(i);
    while (!q.tryPush(std::move(c))) {
      q.waitForSpace();
      c = chunkOf(i);
    }
  }
  q.close();
  for (auto& t : consumers) t.join();
  bool once = true;
  for (int v : seen) once = once && v == 1;
  CHECK(once);
}
