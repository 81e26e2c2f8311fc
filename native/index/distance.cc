#include "distance.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

#include <cstdlib>
#include <cstring>

namespace w2v {
namespace ann {
namespace {

float negDotF32(size_t a, size_t b, size_t n) {
  const float* x = reinterpret_cast<const float*>(a);
  const float* y = reinterpret_cast<const float*>(b);
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += x[i] * y[i];
  return -s;
}

float negDotF16(size_t a, size_t b, size_t n) {
  const uint16_t* x = reinterpret_cast<const uint16_t*>(a);
  const uint16_t* y = reinterpret_cast<const uint16_t*>(b);
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += halfToFloat(x[i]) * halfToFloat(y[i]);
  return -s;
}

float negDotI8(size_t a, size_t b, size_t n) {
  const int8_t* x = reinterpret_cast<const int8_t*>(a);
  const int8_t* y = reinterpret_cast<const int8_t*>(b);
  int32_t s = 0;
  for (size_t i = 0; i < n; ++i) s += int32_t{x[i]} * int32_t{y[i]};
  return -static_cast<float>(s);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
bool cpuRunsAvx2FmaF16c() {
  __builtin_cpu_init();
  // F16C from CPUID leaf 1 (ECX bit 29): Clang 14's __builtin_cpu_supports does not know "f16c".
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
}
#else
bool cpuRunsAvx2FmaF16c() { return false; }
#endif

const DistanceKernels kPortable{"scalar", negDotF32, negDotF16, negDotI8};

const DistanceKernels& choose() {
  const char* forced = std::getenv("W2V_SIMD");
  if (forced != nullptr && std::strcmp(forced, "scalar") == 0) return kPortable;
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  static const DistanceKernels avx2{"avx2+fma+f16c", negDotF32Avx2, negDotF16Avx2, negDotI8Avx2};
  if (cpuRunsAvx2FmaF16c()) return avx2;
#endif
  return kPortable;
}

}  // namespace

const DistanceKernels& distanceKernels() {
  static const DistanceKernels& chosen = choose();
  return chosen;
}

const DistanceKernels& portableDistanceKernels() { return kPortable; }

float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // infinity or NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exp = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
  if (absx >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds past 65504: infinity
  if (absx < 0x33000001u) return sign;                                     // below half the smallest subnormal
  int32_t exp = static_cast<int32_t>(absx >> 23) - 127;
  uint32_t mant = (absx & 0x7fffffu) | 0x800000u;
  int32_t shift = exp < -14 ? 13 + (-14 - exp) : 13;  // subnormals shift further
  const uint32_t halfMant = mant >> shift;
  const uint32_t rest = mant & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  uint32_t rounded = halfMant + ((rest > halfway || (rest == halfway && (halfMant & 1u))) ? 1u : 0u);
  uint32_t bits;
  if (exp < -14) {
    bits = rounded;  // a carry into bit 10 makes it the smallest normal, as it should
  } else {
    bits = (static_cast<uint32_t>(exp + 15) << 10) + (rounded - 0x400u);
  }
  return static_cast<uint16_t>(sign | bits);
}

}  // namespace ann
}  // namespace w2v
