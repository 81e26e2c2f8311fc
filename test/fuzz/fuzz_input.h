// Turns a fuzzer's bytes into typed values, front to back. Past the end every read returns 0
// (or the low end of its range), so every input, however short, is a complete test case.
// Our own rather than LLVM's <fuzzer/FuzzedDataProvider.h>: the targets also build with g++
// as replay runners (replay_main.cc), where that header does not exist.
#pragma once
#include <cmath>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t remaining() const { return size_ - at_; }
  bool empty() const { return at_ >= size_; }

  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  bool flag() { return (byte() & 1) != 0; }

  template <typename T>
  T raw() {
    T v{};
    unsigned char bytes[sizeof(T)] = {};
    for (size_t i = 0; i < sizeof(T); ++i) bytes[i] = byte();
    std::memcpy(&v, bytes, sizeof(T));
    return v;
  }

  /// An integer in [lo, hi] (inclusive; lo <= hi).
  int64_t range(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    if (span == 0) return lo;
    const uint64_t r = raw<uint64_t>();
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + (span == UINT64_MAX ? r : r % (span + 1)));
  }

  /// A float that is usually ordinary but often one of the values that break arithmetic:
  /// NaN, infinities, zeros of both signs, denormals, the largest and smallest normals.
  float nastyFloat() {
    switch (byte() % 16) {
      case 0: return std::numeric_limits<float>::quiet_NaN();
      case 1: return std::numeric_limits<float>::infinity();
      case 2: return -std::numeric_limits<float>::infinity();
      case 3: return -0.0f;
      case 4: return std::numeric_limits<float>::denorm_min();
      case 5: return std::numeric_limits<float>::max();
      case 6: return -std::numeric_limits<float>::max();
      case 7: return std::numeric_limits<float>::min();
      case 8: return raw<float>();  // any bit pattern, signalling NaNs included
      default: return static_cast<float>(static_cast<int8_t>(byte())) / 16.0f;
    }
  }

  /// The same for doubles.
  double nastyDouble() {
    switch (byte() % 16) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return -std::numeric_limits<double>::infinity();
      case 3: return -0.0;
      case 4: return std::numeric_limits<double>::denorm_min();
      case 5: return std::numeric_limits<double>::max();
      case 6: return -std::numeric_limits<double>::max();
      case 7: return std::numeric_limits<double>::min();
      case 8: return raw<double>();
      default: return static_cast<double>(static_cast<int8_t>(byte())) / 16.0;
    }
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

/// With W2V_FUZZ_VERBOSE set, says what one input did ("trained 120 tokens", "refused: ..."):
/// for reading a regression input, or picking inputs that reach the accepting paths.
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
inline void note(const char* format, ...) {
  static const bool verbose = std::getenv("W2V_FUZZ_VERBOSE") != nullptr;
  if (!verbose) return;
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fprintf(stderr, "\n");
}

}  // namespace fuzz

/// Stops the run with a message when an oracle fails: abort() is what libFuzzer (and the
/// replay runner's caller, CTest) report as a crash.
#define FUZZ_ASSERT(cond, ...)                                                        \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "fuzz oracle failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                              \
      std::fprintf(stderr, "\n");                                                     \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)
