// Fixed parts of one job on threads of their own: part 0 on the calling thread, the others each
// on a new thread, every exception carried back to the caller instead of ending the process.
#pragma once
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace w2v {

/// Runs work(i) for every part i in [0, parts): part 0 on the calling thread, each other part
/// on a thread of its own (a part whose thread cannot be started runs on the calling thread
/// after part 0). Returns once every part has finished; then rethrows the exception of the
/// lowest-numbered part that threw, if any.
template <typename Work>
void runParts(size_t parts, const Work& work) {
  std::vector<std::exception_ptr> failures(parts);
  auto guarded = [&](size_t i) {
    try {
      work(i);
    } catch (...) {
      failures[i] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  size_t started = 1;
  try {
    threads.reserve(parts > 0 ? parts - 1 : 0);
    for (; started < parts; ++started) threads.emplace_back(guarded, started);
  } catch (...) {
    // No more threads to be had: the parts from `started` on run here.
  }
  if (parts > 0) guarded(0);
  for (size_t i = started; i < parts; ++i) guarded(i);
  for (auto& t : threads) t.join();
  for (const auto& f : failures)
    if (f) std::rethrow_exception(f);
}

}  // namespace w2v
