// A CPU training thread's running figures, the same for every CPU backend (Trainer,
// EgesTrainer): its per-epoch totals, its running loss and prediction count, the copies it
// publishes for progress reports; and their sums over the threads. CpuWorker adds what the
// shared sentence loop (TrainerRuntime::trainChunkSentences) keeps per thread.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "random.h"
#include "trainer_types.h"

namespace w2v {

struct WorkerStats {
  explicit WorkerStats(int32_t epochCount) : epochs(static_cast<size_t>(epochCount)) {}
  std::vector<EpochStats> epochs;
  double loss = 0;  // running totals, this thread only
  int64_t predictions = 0;
  std::atomic<double> publishedLoss{0};
  std::atomic<int64_t> publishedPredictions{0};
};

/// A CPU worker's state for TrainerRuntime::trainChunkSentences: its random generator (also
/// the subsampling draws), the kept tokens of the sentence in hand, its learning rate and the
/// words it has not yet added to the shared count.
struct CpuWorker : WorkerStats {
  CpuWorker(uint64_t seed, int32_t epochCount) : WorkerStats(epochCount), rng(seed) {}
  Random rng;
  std::vector<int32_t> sentence;
  double alpha = 0;
  int64_t wordsSinceReport = 0;
};

/// Loss and predictions published so far, summed over `states` (pointers to WorkerStats).
template <class States>
void sumPublished(const States& states, double& loss, int64_t& predictions) {
  loss = 0;
  predictions = 0;
  for (const auto& s : states) {
    loss += s->publishedLoss.load(std::memory_order_relaxed);
    predictions += s->publishedPredictions.load(std::memory_order_relaxed);
  }
}

/// Each epoch's totals summed over `states` (call once the threads have stopped).
template <class States>
std::vector<EpochStats> sumEpochs(const States& states, int32_t epochCount) {
  std::vector<EpochStats> total(static_cast<size_t>(epochCount));
  for (const auto& s : states)
    for (size_t e = 0; e < total.size(); ++e) {
      total[e].words += s->epochs[e].words;
      total[e].predictions += s->epochs[e].predictions;
      total[e].loss += s->epochs[e].loss;
    }
  return total;
}

}  // namespace w2v
