#include "batch_builder.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "../core/trainer_checks.h"

namespace w2v {
namespace cuda {

BatchBuilder::BatchBuilder(const TrainerConfig& config, const std::vector<float>& keepProbability)
    : config_(config), keep_(keepProbability), rng_(config.seed ^ 0xC2B2AE3D27D4EB4FULL) {}

void BatchBuilder::reset(int32_t* tokens, size_t tokenCapacity, SliceDesc* slices, size_t sliceCapacity) {
  tokens_ = tokens;
  tokenCapacity_ = tokenCapacity;
  slices_ = slices;
  sliceCapacity_ = sliceCapacity;
  tokenCount_ = 0;
  sliceCount_ = 0;
  rawWords_ = 0;
  epoch_ = -1;
}

bool BatchBuilder::fits(const Chunk& chunk) const {
  return tokenCount_ + tokensNeeded(chunk.tokens.size()) <= tokenCapacity_ &&
         sliceCount_ + slicesNeeded(chunk.tokens.size(), chunk.sentenceEnds.size()) <= sliceCapacity_;
}

int64_t BatchBuilder::add(const Chunk& chunk, int64_t wordsBefore) {
  if (!fits(chunk))
    throw std::logic_error("BatchBuilder::add: a chunk of " + std::to_string(chunk.tokens.size()) +
                           " tokens does not fit the batch");
  if (epoch_ >= 0 && chunk.epoch != epoch_)
    throw std::logic_error("BatchBuilder::add: a batch holds one epoch");
  epoch_ = chunk.epoch;
  const float* keep = keep_.data();
  int64_t begin = 0;
  for (int64_t end : chunk.sentenceEnds) {
    const size_t sentenceBegin = tokenCount_;
    rawIndex_.clear();
    for (int64_t i = begin; i < end; ++i) {
      const int32_t w = chunk.tokens[static_cast<size_t>(i)];
      const float p = keep[w];
      if (p >= 1.0f || rng_.uniform() < p) {
        tokens_[tokenCount_++] = w;
        rawIndex_.push_back(static_cast<int32_t>(i - begin));
      }
    }
    const size_t kept = tokenCount_ - sentenceBegin;
    if (kept < 2) {
      tokenCount_ = sentenceBegin;  // no word of it has a context: nothing to upload
    } else {
      const int64_t sentenceWordsBefore = wordsBefore + rawWords_ + begin;
      for (size_t s = 0; s < kept; s += static_cast<size_t>(kSliceCentres)) {
        SliceDesc& d = slices_[sliceCount_++];
        d.begin = static_cast<int32_t>(sentenceBegin + s);
        d.end = static_cast<int32_t>(sentenceBegin + std::min(kept, s + static_cast<size_t>(kSliceCentres)));
        d.sentenceBegin = static_cast<int32_t>(sentenceBegin);
        d.sentenceEnd = static_cast<int32_t>(tokenCount_);
        d.alpha = static_cast<float>(linearAlpha(config_, sentenceWordsBefore + rawIndex_[s]));
        d.reserved = 0;
      }
    }
    begin = end;
  }
  const int64_t raw = static_cast<int64_t>(chunk.tokens.size());
  rawWords_ += raw;
  return raw;
}

}  // namespace cuda
}  // namespace w2v
