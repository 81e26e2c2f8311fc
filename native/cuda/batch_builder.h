// Turns chunks into GPU batches on the host: subsamples frequent words (as the CPU trainer:
// keep word w with probability keepProbability[w]), drops sentences left with fewer than 2
// words, and cuts the rest into slices of kSliceCentres centre words, each with its sentence
// bounds and its learning rate. Writes into caller-owned buffers (pinned host memory on the
// GPU path). Plain C++: tested without a GPU.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../core/random.h"
#include "../core/trainer_types.h"
#include "batch_layout.h"

namespace w2v {
namespace cuda {

class BatchBuilder {
 public:
  BatchBuilder(const TrainerConfig& config, const std::vector<float>& keepProbability);

  /// Starts an empty batch in these buffers.
  void reset(int32_t* tokens, size_t tokenCapacity, SliceDesc* slices, size_t sliceCapacity);

  /// Buffer sizes that hold any chunk of `tokens` tokens in `sentences` sentences.
  static size_t tokensNeeded(size_t tokens) { return tokens; }
  static size_t slicesNeeded(size_t tokens, size_t sentences) {
    return tokens / static_cast<size_t>(kSliceCentres) + sentences;
  }
  /// Whether `chunk` surely fits in what is left of the buffers.
  bool fits(const Chunk& chunk) const;

  /// Appends the chunk (which must fit) and returns the raw words it held. `wordsBefore`:
  /// words of all epochs trained or launched before this batch, for the learning rate.
  int64_t add(const Chunk& chunk, int64_t wordsBefore);

  bool empty() const { return rawWords_ == 0; }
  size_t tokenCount() const { return tokenCount_; }
  size_t sliceCount() const { return sliceCount_; }
  /// Words before subsampling.
  int64_t rawWords() const { return rawWords_; }
  /// Epoch of the chunks in the batch (-1 while empty); a batch holds one epoch.
  int32_t epoch() const { return epoch_; }

 private:
  TrainerConfig config_;
  const std::vector<float>& keep_;
  Random rng_;
  std::vector<int32_t> rawIndex_;  // raw position of each kept word of the sentence in hand
  int32_t* tokens_ = nullptr;
  SliceDesc* slices_ = nullptr;
  size_t tokenCapacity_ = 0;
  size_t sliceCapacity_ = 0;
  size_t tokenCount_ = 0;
  size_t sliceCount_ = 0;
  int64_t rawWords_ = 0;
  int32_t epoch_ = -1;
};

}  // namespace cuda
}  // namespace w2v
