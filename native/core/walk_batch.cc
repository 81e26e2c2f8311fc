#include "walk_batch.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "w2v_limits.h"

namespace w2v {

namespace {

/// Walks [begin, end) of the plan by one walker; false once `cancel` is seen.
bool walkRange(RandomWalker& walker, const WalkPlan& plan, int64_t first, int64_t begin, int64_t end,
               int32_t walkLength, int32_t* out, int32_t* lengths, const std::atomic<bool>* cancel) {
  const int64_t n = plan.nodeCount();
  for (int64_t w = begin; w < end; ++w) {
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return false;
    const int32_t round = static_cast<int32_t>(w / n);
    const int32_t position = static_cast<int32_t>(w % n);
    walker.restart(static_cast<uint64_t>(plan.walkIndex(round, position)));
    const size_t slot = static_cast<size_t>(w - first);
    const size_t length = walker.walk(plan.startNode(round, position), out + slot * static_cast<size_t>(walkLength));
    lengths[slot] = static_cast<int32_t>(length);
  }
  return true;
}

}  // namespace

bool makeWalks(const WalkTables& tables, const WalkPlan& plan, int64_t first, int64_t count, int32_t threads,
               int32_t* out, int32_t* lengths, const std::atomic<bool>* cancel) {
  if (first < 0 || count < 0 || first > plan.walkCount() || count > plan.walkCount() - first)
    throw std::invalid_argument("walks [" + std::to_string(first) + ", " + std::to_string(first + count) +
                                ") are not within the plan's " + std::to_string(plan.walkCount()) + " walks");
  if (threads < 1 || threads > kMaxThreads)
    throw std::invalid_argument("threads must be an integer in [1, " + std::to_string(kMaxThreads) + "], got " +
                                std::to_string(threads));
  if (count == 0) return cancel == nullptr || !cancel->load();
  const int32_t walkLength = tables.config().walkLength;
  // No more threads than walks: a thread of no walks would only cost its start.
  const int64_t used = std::min<int64_t>(threads, count);
  std::vector<std::thread> pool;
  std::mutex errorMutex;
  std::exception_ptr error;
  std::atomic<bool> finished{true};
  const auto run = [&](int64_t t) {
    try {
      RandomWalker walker(tables, static_cast<uint64_t>(t));
      const int64_t begin = first + count * t / used, end = first + count * (t + 1) / used;
      if (!walkRange(walker, plan, first, begin, end, walkLength, out, lengths, cancel)) finished = false;
    } catch (...) {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!error) error = std::current_exception();
      finished = false;
    }
  };
  try {
    for (int64_t t = 1; t < used; ++t) pool.emplace_back(run, t);
  } catch (...) {
    // A thread that could not start: the walks of those that did are waited for, then the
    // failure is reported.
    for (std::thread& thread : pool) thread.join();
    throw;
  }
  run(0);
  for (std::thread& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
  return finished.load();
}

int64_t packWalks(int32_t* out, const int32_t* lengths, int64_t count, int32_t walkLength) {
  int64_t at = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t from = i * static_cast<int64_t>(walkLength);
    // Walk i moves left (at <= from): memmove keeps an overlap right.
    if (at != from) std::memmove(out + at, out + from, static_cast<size_t>(lengths[i]) * sizeof(int32_t));
    at += lengths[i];
  }
  return at;
}

void appendWalkLine(std::string& text, const int32_t* walk, size_t length, const NodeNames* names) {
  for (size_t i = 0; i < length; ++i) {
    if (i > 0) text += ' ';
    const size_t node = static_cast<size_t>(walk[i]);
    if (names != nullptr) {
      text.append(names->bytes + names->offsets[node], static_cast<size_t>(names->offsets[node + 1] - names->offsets[node]));
    } else {
      text += std::to_string(walk[i]);
    }
  }
  text += '\n';
}

}  // namespace w2v
