// Distances the nearest-neighbour index ranks by, one build per instruction set
// (distance.cc: portable; distance_avx2.cc: AVX2 + FMA + F16C), chosen at run time from CPUID.
// Every distance is the negated inner product of two stored rows: the index keeps unit rows
// for cosine and raw rows for dot, so one kernel per storage type serves both metrics.
#pragma once
#include <cstddef>
#include <cstdint>

namespace w2v {
namespace ann {

/// How the index stores a row: 32-bit floats, IEEE half floats, or int8 with one scale for
/// the whole index (see AnnIndex).
enum class Quantization : uint8_t { kF32 = 1, kF16 = 2, kI8 = 3 };

/// The library's stateless distance signature: (row a, row b, values per row), all pointer-sized.
using DistanceFn = float (*)(size_t a, size_t b, size_t n);

struct DistanceKernels {
  const char* name;  // "scalar" or "avx2+fma+f16c"
  DistanceFn f32;
  DistanceFn f16;
  DistanceFn i8;

  DistanceFn of(Quantization q) const { return q == Quantization::kF32 ? f32 : q == Quantization::kF16 ? f16 : i8; }
};

/// The fastest set this CPU runs (W2V_SIMD=scalar forces the portable one).
const DistanceKernels& distanceKernels();
/// The portable set (tests compare every set against it).
const DistanceKernels& portableDistanceKernels();

/// IEEE binary16 <-> binary32, round to nearest even.
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
float negDotF32Avx2(size_t a, size_t b, size_t n);
float negDotF16Avx2(size_t a, size_t b, size_t n);
float negDotI8Avx2(size_t a, size_t b, size_t n);
#endif

}  // namespace ann
}  // namespace w2v
