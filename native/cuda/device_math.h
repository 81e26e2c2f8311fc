// Arithmetic the CUDA kernel and its host emulation (reference_kernel.cc) share, written once
// for both: a counter-based random stream, alias-table draws, the reduced window, and the
// original word2vec's clipped gradient (MAX_EXP 6) and loss. Plain C++ when not compiled by
// nvcc, so host tests reproduce the kernel's every draw.
#pragma once
#include <cmath>
#include <cstdint>

#include "../core/alias_sampler.h"
#include "host_device.h"

namespace w2v {
namespace cuda {

constexpr float kMaxExpClip = 6.0f;  // the original's MAX_EXP

/// SplitMix64's output function: a bijective 64-bit mix.
W2V_HOST_DEVICE uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// The key of batch `batch`'s random stream under `seed`.
W2V_HOST_DEVICE uint64_t batchKey(uint64_t seed, uint64_t batch) {
  return mix64(seed ^ mix64(batch + 0x632BE59BD9B4E019ULL));
}

/// Draw `draw` for the centre word at batch position `position`: SplitMix64 evaluated at a
/// counter, so any thread computes any draw without state (a counter-based generator).
/// Draw 0 picks the reduced window; draws 1.. the negatives.
W2V_HOST_DEVICE uint64_t counterRandom(uint64_t key, uint32_t position, uint32_t draw) {
  const uint64_t counter = (static_cast<uint64_t>(position) << 32) | draw;
  return mix64(key + (counter + 1) * 0x9E3779B97F4A7C15ULL);
}

/// The effective window of a centre word: window - b for b uniform in [0, window), as the
/// original (multiply-shift on the high 32 bits, as the CPU kernel's belowFrom).
W2V_HOST_DEVICE int32_t reducedSpan(uint64_t r, int32_t window) {
  const uint32_t b = static_cast<uint32_t>(((r >> 32) * static_cast<uint64_t>(window)) >> 32);
  return window - static_cast<int32_t>(b);
}

/// An alias-table draw with one 64-bit value (same rule as aliasDraw in alias_sampler.h).
W2V_HOST_DEVICE int32_t aliasPick(const AliasEntry* entries, uint32_t n, uint64_t r) {
  const uint32_t bucket = static_cast<uint32_t>(((r & 0xFFFFFFFFULL) * static_cast<uint64_t>(n)) >> 32);
  const AliasEntry e = entries[bucket];
  return static_cast<uint32_t>(r >> 32) < e.threshold ? static_cast<int32_t>(bucket) : e.alias;
}

/// (label - sigmoid(f)), clipped as the original: negative sampling takes the limit outside
/// [-6, 6]; hierarchical softmax makes no update there.
W2V_HOST_DEVICE float gradientScale(float f, float label, bool hierarchical) {
  if (f >= kMaxExpClip) return hierarchical ? 0.0f : label - 1.0f;
  if (f <= -kMaxExpClip) return hierarchical ? 0.0f : label;
  return label - 1.0f / (1.0f + expf(-f));
}

/// -log sigmoid(+-f) for label 1 / 0, with the CPU core's linear asymptote beyond +-6.
W2V_HOST_DEVICE float lossTerm(float f, float label) {
  const float x = label > 0.5f ? f : -f;
  if (x >= kMaxExpClip) return 0.0f;
  if (x <= -kMaxExpClip) return -x;
  return log1pf(expf(-x));
}

}  // namespace cuda
}  // namespace w2v
