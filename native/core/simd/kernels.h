// The per-sentence training kernel, one build per instruction set (scalar.cc, avx2.cc,
// avx512.cc, neon.cc), chosen at run time (dispatch.cc). Each file defines its vector
// operations and includes the bodies written once over them: sentence_kernel.inl (every
// file), and for the wide-vector files tiles.inl (the tiled forms' coefficients) and
// window_forms.inl (the shapes the tiles do not take). Kernels take plain data only: they are
// compiled with their own -m flags and must not share inline code with the rest of the core.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "../alias_sampler.h"
#include "../group_sampler.h"

namespace w2v {
namespace simd {

/// Everything one sentence's updates need; the kernel adds to loss and predictions.
struct SentenceJob {
  const int32_t* sentence;
  int32_t length;
  float* syn0;     // input vectors
  float* syn1neg;  // output vectors of negative sampling (null when negative == 0)
  float* syn1;     // inner-node vectors of hierarchical softmax (null when !hs)
  int32_t dim;
  /// Floats from one row of syn0, syn1neg, syn1 (and syn1Top, and the scratch rows) to the
  /// next, at least dim (the trainer's is paddedRowStride(dim)). The floats past dim in each
  /// row (the padding) must be zero, scratch included; the kernels keep them zero, and may
  /// read them (an AVX2 row of dim 100 at stride 104 is 13 whole chunks of 8).
  int32_t stride;
  int32_t window;
  int32_t negative;
  bool cbow;
  bool hs;
  /// Skip-gram: draw one set of negatives per centre word and share it across the window
  /// (pWord2Vec's batching). False: fresh negatives for every (context, centre) pair.
  bool sharedNegatives;
  float alpha;
  const AliasEntry* negativeTable;
  uint32_t vocabSize;
  const float* sigmoid;     // kSigmoidTableSize + 1 entries over [-kMaxExp, kMaxExp]
  const float* logSigmoid;  // same grid
  const uint8_t* codes;     // hierarchical softmax tables (see TrainerTables)
  const int32_t* points;
  const int64_t* offsets;
  /// Hierarchical softmax on several threads: this thread's own copy of the `syn1TopRows`
  /// inner nodes nearest the root (points syn1TopFirst and above), which every path crosses;
  /// `syn1TopBase` holds those shared rows as last copied. Every `topMergeEvery` centre words
  /// the kernel adds the copy's changes into syn1 and copies it afresh (mergeTopNodes). Null:
  /// every node row is syn1's (one thread, or the thread that writes syn1 directly).
  float* syn1Top = nullptr;
  float* syn1TopBase = nullptr;
  int32_t syn1TopFirst = 0;
  int32_t syn1TopRows = 0;
  int32_t topMergeEvery = 0;
  int32_t topSinceMerge = 0;
  // item2vec: whole-sentence window (set mode), in-group negatives, global context.
  bool wholeSentence;
  int32_t groupNegative;        // 0: none
  const int32_t* groupOf;       // per word, -1 none (when groupNegative > 0)
  const int32_t* groupMembers;  // see GroupSampler
  const int64_t* groupOffsets;
  const AliasEntry* groupEntries;
  int32_t globalContext;        // -1: none
  uint64_t* rng;            // xorshift64* state of the calling thread
  float* scratch;           // (2 + 2*window + negative + 1) * stride floats, 64-byte aligned, zero
  double loss;
  int64_t predictions;
  /// Checked every kCancelCheckWords centre words (null: never): a cancelled training stops
  /// inside a long sentence (maxSentenceLength up to 10^6, item2vec sets with no length cap,
  /// whose cost grows with the square of their size) instead of finishing it.
  const std::atomic<bool>* cancelled = nullptr;
};

/// The row stride the trainer gives its weight matrices: dim rounded up to a multiple of 8
/// floats, so that every row starts 32-byte aligned and no 32-byte load of a row straddles two
/// cache lines. At dim 100 (400-byte rows, a quarter of the loads split across two lines) the
/// kernels took 0.87x (skip-gram) and 0.92x (CBOW) the time with rows padded to 104 floats
/// (build/core/w2v_kernel_bench; the study in bench/results/studies/row-stride.md).
/// `static`: each per-ISA kernel file keeps its own copy (see random.h).
static constexpr int32_t paddedRowStride(int32_t dim) { return (dim + 7) / 8 * 8; }

/// Centre words between two looks at SentenceJob::cancelled.
constexpr int32_t kCancelCheckWords = 64;
/// Context words between two looks in item2vec's set mode (every pair of a set is trained).
constexpr int32_t kCancelCheckPairs = 1024;

using SentenceKernel = void (*)(SentenceJob& job);

void trainSentenceScalar(SentenceJob& job);
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
void trainSentenceAvx2(SentenceJob& job);
void trainSentenceAvx512(SentenceJob& job);
#endif
#if defined(__aarch64__)
void trainSentenceNeon(SentenceJob& job);
#endif

/// The default kernel for this CPU, and its name: "avx2+fma", "neon" or "scalar".
/// W2V_SIMD in the environment overrides: "scalar" forces the portable kernel, "avx512"
/// asks for the AVX-512F one ("avx512f"), "avx2" for avx2+fma. AVX-512F is verified on AVX-512
/// hardware but not the default set: on AMD Zen 5 it is slower than avx2+fma at dim 100 (the
/// default dim); selectTrainingKernel() takes it for the shapes where it is faster.
SentenceKernel selectSentenceKernel(const char** name);

/// Rows at least this wide train on AVX-512F by default (selectTrainingKernel).
constexpr int32_t kAvx512MinDim = 256;

/// The kernel one training runs, and its name: selectSentenceKernel()'s, except that where the
/// CPU runs AVX-512F it is taken for negative sampling without hierarchical softmax at dim
/// kAvx512MinDim and above. There it was measured faster than avx2+fma on AMD Zen 4 (EPYC
/// family 25 model 17; kernel bench, one thread: skip-gram 1.13x at dim 256, 1.17x at 300;
/// CBOW 0.98x and 1.06x; whole trainings at dim 300 on 2 threads: skip-gram 0.88x the time,
/// CBOW 0.98x), as on Zen 5 at dim 300 before it, and slower at dim 100 and with hierarchical
/// softmax: bench/results/studies/simd-avx512.md. Checked again after both sets' kernels
/// changed (bench/results/studies/kernel-instructions.md): skip-gram 1.11x at 256, 1.09x at
/// 300; CBOW's kernel bench now favours avx2+fma (0.81x, 0.95x) but a one-thread en-8m CBOW
/// training at dim 300 still takes avx512f 0.95x the time; dim 256's whole training untested.
/// W2V_SIMD forces a set for every training: "scalar", "avx2" (avx2+fma), "avx512".
SentenceKernel selectTrainingKernel(int32_t dim, bool hs, int32_t negative, const char** name);

/// One sentence kernel built into this binary, and whether this CPU (and OS) can run it.
struct SentenceKernelInfo {
  const char* name;  // as selectSentenceKernel() names it
  SentenceKernel kernel;
  bool runs;
};

/// Every sentence kernel built for this architecture, portable one first, whether or not
/// this CPU runs it (tests run each that does and report the others as skipped).
std::vector<SentenceKernelInfo> sentenceKernels();

// ---- Query kernels (exact top-k search): scores only; selection is generic code. ----

/// The batch kernel takes rows and queries copied into blocks whose rows are zero-padded to
/// a stride that is a multiple of kPanelStride floats (32-byte aligned), and row counts padded
/// with zero rows to a multiple of kPanelRows.
constexpr int32_t kPanelStride = 8;
constexpr int32_t kPanelRows = 4;

/// scores[r] = <matrix row r, query> for r in [0, rows).
using DotRowsKernel = void (*)(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores);
/// out[q * paddedRows + r] = <query q, packed row r> for q in [0, queryCount), r in [0, paddedRows),
/// over `stride` floats (see kPanelStride, kPanelRows).
using DotPanelKernel = void (*)(const float* queries, int32_t queryCount, int32_t stride, const float* panel,
                                int32_t paddedRows, float* out);

struct QueryKernels {
  DotRowsKernel dotRows;
  DotPanelKernel dotPanel;
};

void dotRowsScalar(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores);
void dotPanelScalar(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                    float* out);
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
void dotRowsAvx2(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores);
void dotPanelAvx2(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                  float* out);
void dotRowsAvx512(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores);
void dotPanelAvx512(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                    float* out);
#endif
#if defined(__aarch64__)
void dotRowsNeon(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores);
void dotPanelNeon(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                  float* out);
#endif

/// The query kernels matching selectSentenceKernel()'s choice.
QueryKernels selectQueryKernels();

/// Name of the kernel selectSentenceKernel() picks.
const char* simdName();

/// Adds what this thread changed in its copy of the top inner nodes into syn1 (Hogwild, as
/// every other update) and takes a fresh copy. `static`: each per-ISA kernel file and the
/// trainer keep their own copy (see random.h).
static inline void mergeTopNodes(SentenceJob& j) {
  j.topSinceMerge = 0;
  if (j.syn1Top == nullptr) return;
  // The copy holds its rows at the matrices' stride, so the rows are one contiguous block.
  float* shared = j.syn1 + static_cast<size_t>(j.syn1TopFirst) * static_cast<size_t>(j.stride);
  const size_t n = static_cast<size_t>(j.syn1TopRows) * static_cast<size_t>(j.stride);
  for (size_t i = 0; i < n; ++i) {
    shared[i] += j.syn1Top[i] - j.syn1TopBase[i];
    j.syn1Top[i] = j.syn1TopBase[i] = shared[i];
  }
}

}  // namespace simd
}  // namespace w2v
