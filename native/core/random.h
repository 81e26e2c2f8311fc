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

/// xorshift64* : one multiply and three shifts per draw, good enough for sampling and
/// far better than the original's LCG, whose low bits it used for subsampling decisions.
class Random {
 public:
  explicit Random(uint64_t seed) {
    uint64_t s = seed;
    state_ = splitmix64(s);
    if (state_ == 0) state_ = 0x2545F4914F6CDD1DULL;
  }
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  /// Uniform in [0, 1) with 24 bits of precision.
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  /// Uniform integer in [0, n) by multiply-shift (no division).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }

 private:
  uint64_t state_;
};

}  // namespace w2v
