// Run-time choice of the training kernel from CPUID, not from build-host flags.
#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
// libgcc's checks include the OS saving the YMM / ZMM registers (XGETBV), not only CPUID.
bool cpuRunsAvx2Fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool cpuRunsAvx512f() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}
#elif defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
// No CPU detection on this compiler: the kernels are built but only the portable one runs.
bool cpuRunsAvx2Fma() { return false; }
bool cpuRunsAvx512f() { return false; }
#endif

}  // namespace

SentenceKernel selectSentenceKernel(const char** name) {
  const char* forced = std::getenv("W2V_SIMD");
  const bool portable = forced != nullptr && std::strcmp(forced, "scalar") == 0;
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  // AVX-512F only when asked for (selectTrainingKernel takes it for the shapes where it pays).
  if (!portable && forced != nullptr && std::strcmp(forced, "avx512") == 0 && cpuRunsAvx512f()) {
    if (name) *name = "avx512f";
    return trainSentenceAvx512;
  }
  if (!portable && cpuRunsAvx2Fma()) {
    if (name) *name = "avx2+fma";
    return trainSentenceAvx2;
  }
#endif
#if defined(__aarch64__)
  if (!portable) {
    if (name) *name = "neon";
    return trainSentenceNeon;
  }
#endif
  (void)portable;
  if (name) *name = "scalar";
  return trainSentenceScalar;
}

SentenceKernel selectTrainingKernel(int32_t dim, bool hs, int32_t negative, const char** name) {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  const char* forced = std::getenv("W2V_SIMD");
  if (forced == nullptr && negative > 0 && !hs && dim >= kAvx512MinDim && cpuRunsAvx512f()) {
    if (name) *name = "avx512f";
    return trainSentenceAvx512;
  }
#else
  (void)dim, (void)hs, (void)negative;
#endif
  return selectSentenceKernel(name);
}

std::vector<SentenceKernelInfo> sentenceKernels() {
  std::vector<SentenceKernelInfo> kernels{{"scalar", trainSentenceScalar, true}};
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  kernels.push_back({"avx2+fma", trainSentenceAvx2, cpuRunsAvx2Fma()});
  kernels.push_back({"avx512f", trainSentenceAvx512, cpuRunsAvx512f()});
#endif
#if defined(__aarch64__)
  kernels.push_back({"neon", trainSentenceNeon, true});  // part of AArch64's base set
#endif
  return kernels;
}

QueryKernels selectQueryKernels() {
  const SentenceKernel chosen = selectSentenceKernel(nullptr);
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  if (chosen == trainSentenceAvx512) return QueryKernels{dotRowsAvx512, dotPanelAvx512};
  if (chosen == trainSentenceAvx2) return QueryKernels{dotRowsAvx2, dotPanelAvx2};
#endif
#if defined(__aarch64__)
  if (chosen == trainSentenceNeon) return QueryKernels{dotRowsNeon, dotPanelNeon};
#endif
  (void)chosen;
  return QueryKernels{dotRowsScalar, dotPanelScalar};
}

const char* simdName() {
  const char* name = "scalar";
  selectSentenceKernel(&name);
  return name;
}

}  // namespace simd
}  // namespace w2v
