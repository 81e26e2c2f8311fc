// Validation shared by every trainer backend, so that a bad value gets the same message
// whichever device trains: configuration and tables when a trainer is made, chunks when
// they are pushed. Each check throws std::invalid_argument naming the value.
#pragma once
#include <cstdint>

#include "alias_sampler.h"
#include "group_sampler.h"
#include "trainer_types.h"

namespace w2v {

/// The samplers built while checking the tables (their constructors check the weights).
struct TrainerSamplers {
  AliasSampler negative;  // built when negative > 0
  GroupSampler group;     // built when groupNegative > 0
};

/// Checks the configuration and tables against the vocabulary size and builds the samplers.
TrainerSamplers checkTrainerInputs(const TrainerConfig& config, const TrainerTables& tables, int32_t vocabSize);

/// Checks a chunk's token ids, sentence ends, sentence contexts and epoch.
void checkChunk(const Chunk& chunk, const TrainerConfig& config, int32_t vocabSize);

/// The learning rate after `wordsDone` of all epochs' words: linear from alpha to minAlpha
/// over epochs * wordsPerEpoch, as the original.
double linearAlpha(const TrainerConfig& config, int64_t wordsDone);

}  // namespace w2v
