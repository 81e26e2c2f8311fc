// Per-thread pseudo-random numbers for the trainer: cheap, seedable, reproducible.
#pragma once
#include <cstdint>

namespace w2v {

/// splitmix64: turns a user seed (and a thread index) into well-mixed 64-bit states.
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// One step of xorshift64*. `static` (internal linkage) on purpose: the per-ISA kernel files
/// are compiled with their own instruction-set flags and must each keep their own copy.
static inline uint64_t xorshiftNext(uint64_t& state) {
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

/// Uniform in [0, 1) with 24 bits of precision, from one draw.
static inline float uniformFrom(uint64_t r) { return static_cast<float>(r >> 40) * (1.0f / 16777216.0f); }

/// Uniform integer in [0, n) by multiply-shift (no division), from one draw.
static inline uint32_t belowFrom(uint64_t r, uint32_t n) {
  return static_cast<uint32_t>(((r >> 32) * static_cast<uint64_t>(n)) >> 32);
}

/// xorshift64* : one multiply and three shifts per draw, good enough for sampling and
/// far better than the original's LCG, whose low bits it used for subsampling decisions.
class Random {
 public:
  explicit Random(uint64_t seed) {
    uint64_t s = seed;
    state_ = splitmix64(s);
    if (state_ == 0) state_ = 0x2545F4914F6CDD1DULL;
  }
  uint64_t next() { return xorshiftNext(state_); }
  /// Uniform in [0, 1) with 24 bits of precision.
  float uniform() { return uniformFrom(next()); }
  /// Uniform integer in [0, n) by multiply-shift (no division).
  uint32_t below(uint32_t n) { return belowFrom(next(), n); }
  /// The raw state, for kernels that draw through xorshiftNext().
  uint64_t& state() { return state_; }

 private:
  uint64_t state_;
};

}  // namespace w2v
