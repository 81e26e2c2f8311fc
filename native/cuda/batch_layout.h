// What travels to the GPU for one batch, and the kernel's arguments: plain structs shared by
// the host code (batch_builder, cuda_trainer), the kernel and its host emulation.
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/alias_sampler.h"
#include "cuda_limits.h"
#include "host_device.h"

namespace w2v {
namespace cuda {

/// Centre words a warp trains, one after the other (a sentence slice).
constexpr int32_t kSliceCentres = 32;

/// One warp's work: centre positions [begin, end) of the batch's token array, inside the
/// sentence [sentenceBegin, sentenceEnd) that bounds their windows; alpha at the slice's
/// first word (linear decay over all epochs' words).
struct SliceDesc {
  int32_t begin;
  int32_t end;
  int32_t sentenceBegin;
  int32_t sentenceEnd;
  float alpha;
  int32_t reserved;  // keeps the struct 8-byte aligned, 24 bytes
};
static_assert(sizeof(SliceDesc) == 24, "SliceDesc is uploaded as is");
static_assert(sizeof(AliasEntry) == 8, "AliasEntry is uploaded as is");

/// Totals a batch's warps add up.
struct BatchCounters {
  double loss;
  unsigned long long predictions;
  /// Weight rows read or written (each dim floats): the bandwidth the kernel asked for.
  unsigned long long rowsMoved;
};

/// The kernel's arguments (device pointers on the GPU, host pointers in the emulation).
struct KernelArgs {
  const int32_t* tokens;
  const SliceDesc* slices;
  int32_t sliceCount;
  float* syn0;
  float* syn1neg;  // null when negative == 0
  float* syn1;     // null unless hs
  const AliasEntry* alias;
  uint32_t vocabSize;
  const uint8_t* codes;   // hierarchical softmax tables (see TrainerTables), null unless hs
  const int32_t* points;
  const int64_t* offsets;
  int32_t dim;
  int32_t window;
  int32_t negative;
  int32_t cbow;
  int32_t hs;
  int32_t sharedNegatives;
  /// Targets one centre can have: hs path (max code length) + 1 + negative.
  int32_t maxTargets;
  /// Target rows staged in shared memory at a time (a tile).
  int32_t tileRows;
  uint64_t key;  // batchKey(seed, batch number)
  BatchCounters* counters;
};

/// Bytes of shared memory one warp uses: target ids, target kinds, then its tile of rows
/// and their changes (16-byte aligned parts).
W2V_HOST_DEVICE size_t warpSharedBytes(int32_t maxTargets, int32_t tileRows, int32_t dim) {
  const size_t ids = (static_cast<size_t>(maxTargets) * sizeof(int32_t) + 15) / 16 * 16;
  const size_t kinds = (static_cast<size_t>(maxTargets) + 15) / 16 * 16;
  return ids + kinds + 2 * static_cast<size_t>(tileRows) * static_cast<size_t>(dim) * sizeof(float);
}

/// Tile rows for a per-warp shared-memory budget: all targets when they fit, else as many
/// as fit (at least 1).
inline int32_t tileRowsFor(int32_t maxTargets, int32_t dim, size_t budgetBytes) {
  int32_t rows = maxTargets;
  while (rows > 1 && warpSharedBytes(maxTargets, rows, dim) > budgetBytes) --rows;
  return rows;
}

}  // namespace cuda
}  // namespace w2v
