// The AVX-512F kernels: 16-lane vectors with masked tails. This file alone is compiled with
// -mavx512f; dispatch.cc runs it only when CPUID and the OS (ZMM state) support AVX-512F, for
// the trainings where it was measured faster (selectTrainingKernel: negative sampling at dim
// 256 and above) or when the environment asks for it (W2V_SIMD=avx512). Checked on AVX-512
// hardware (AMD Zen 4 and Zen 5) against the double-precision reference in every mode
// (test/core/kernel_agreement_test.cc); slower than avx2+fma at dim 100 and with hierarchical
// softmax (bench/results/studies/tiled-kernels.md, simd-avx512.md). Its masked last chunk
// costs nothing measurable on padded rows: taking it whole at dim 300 (stride 304) left the
// kernel bench at 170-174 ns (skip-gram) against 173.
// GCC 12's own AVX-512 intrinsics headers trip -Wmaybe-uninitialized (a known false positive).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <utility>

#include "../random.h"
#include "../sigmoid_table.h"
#include "../trainer_types.h"
#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

inline __mmask16 tailMask(int32_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

struct WindowProduct;
struct Avx512Ops {
  static constexpr bool kFusedCbow = true;
  static constexpr bool kTiledPath = false;
  static void cbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                           int32_t negativeCount);
  static void windowProducts(const WindowProduct& w, SentenceJob& j);
  static float dot(const float* a, const float* b, int32_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int32_t i = 0;
    for (; i + 32 <= n; i += 32) {
      s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
      s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
      const __mmask16 m = tailMask(n - i);
      s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    const __m512 s = _mm512_add_ps(s0, s1);
    const __m256 lo = _mm512_castps512_ps256(s);
    const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1));
    const __m256 h8 = _mm256_add_ps(lo, hi);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(h8), _mm256_extractf128_ps(h8, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  static void axpy(float alpha, const float* x, float* y, int32_t n) {
    const __m512 a = _mm512_set1_ps(alpha);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_fmadd_ps(a, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
      const __mmask16 m = tailMask(n - i);
      _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(a, _mm512_maskz_loadu_ps(m, x + i), _mm512_maskz_loadu_ps(m, y + i)));
    }
  }
  static void zero(float* x, int32_t n) { std::fill(x, x + n, 0.0f); }
  static void scale(float alpha, float* x, int32_t n) {
    const __m512 a = _mm512_set1_ps(alpha);
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, _mm512_mul_ps(a, _mm512_loadu_ps(x + i)));
    for (; i < n; ++i) x[i] *= alpha;
  }
};

#include "sentence_kernel.inl"

bool tiledCbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                       int32_t negativeCount);

// The vector operations of window_forms.inl: 16 lanes, their sum by _mm512_reduce_add_ps.
struct Lanes {
  using V = __m512;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(V v) { return _mm512_reduce_add_ps(v); }
};

// The window's three products and CBOW's target-by-target form (window_forms.inl) in chunks
// of 16 floats, up to kGroup chunks at a time in registers (32 ZMM registers: a group of N
// chunks takes N + 3), the row's last partial chunk loaded and stored with a mask.
constexpr int32_t kGroup = 8;

struct Chunks {
  int32_t dim;
  int32_t count;  // chunks of 16 floats, the last maybe partial
  __mmask16 tail;  // the last chunk's lanes
  explicit Chunks(int32_t d) : dim(d), count((d + 15) / 16), tail(tailMask(d - ((d + 15) / 16 - 1) * 16)) {}
  __m512 load(const float* row, int32_t k) const {
    return k == count - 1 ? _mm512_maskz_loadu_ps(tail, row + 16 * k) : _mm512_loadu_ps(row + 16 * k);
  }
  void store(float* row, int32_t k, __m512 v) const {
    if (k == count - 1) _mm512_mask_storeu_ps(row + 16 * k, tail, v);
    else _mm512_storeu_ps(row + 16 * k, v);
  }
};

#include "window_forms.inl"

void Avx512Ops::cbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                             int32_t negativeCount) {
  if (!tiledCbowNegative(j, word, rows, count, negatives, negativeCount))
    cbowByTargets<Avx512Ops>(j, word, rows, count, negatives, negativeCount);
}

// The tiled forms of avx2.cc (see there) in 16-lane chunks, the row's last partial chunk by
// mask: skip-gram scores four contexts against up to six targets at a time (24 accumulators
// of the 32 registers), and the updates take each coefficient as an embedded broadcast.
constexpr int32_t kTileTargets = 6;
constexpr int32_t kTileContexts = 32;

#include "tiles.inl"

// Lanes i and i + 8 added: a 16-lane accumulator as 8 lanes, for sumsOfSix.
inline __m256 foldHalves(__m512 v) {
  return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

template <bool Masked>
inline __m512 loadChunk(const float* p, __mmask16 m) {
  if constexpr (Masked) return _mm512_maskz_loadu_ps(m, p);
  else return _mm512_loadu_ps(p);
}
template <bool Masked>
inline void storeChunk(float* p, __m512 v, __mmask16 m) {
  if constexpr (Masked) _mm512_mask_storeu_ps(p, m, v);
  else _mm512_storeu_ps(p, v);
}
// A whole or masked chunk as the tiles' shared updates read and write it (tiles.inl's `io`).
template <bool Masked>
struct ChunkIO {
  __mmask16 mask;
  __m512 load(const float* p) const { return loadChunk<Masked>(p, mask); }
  void store(float* p, __m512 v) const { storeChunk<Masked>(p, v, mask); }
};

constexpr int32_t kTileRows = 4;  // contexts scored at once

template <int32_t T, int32_t NC, bool Masked>
inline void scoreChunk(const WindowProduct& w, int32_t c0, size_t off, __mmask16 m,
                       __m512 (&acc)[kTileRows][kTileTargets]) {
  __m512 in[NC];
  for (int32_t c = 0; c < NC; ++c) in[c] = loadChunk<Masked>(w.in[c0 + c] + off, m);
  for (int32_t t = 0; t < T; ++t) {
    const __m512 o = loadChunk<Masked>(w.out[t] + off, m);
    for (int32_t c = 0; c < NC; ++c) acc[c][t] = _mm512_fmadd_ps(in[c], o, acc[c][t]);
  }
}

template <int32_t T, int32_t NC>
inline void scoreContexts(const WindowProduct& w, int32_t c0, __mmask16 tail, __m256 valid, const SentenceJob& j,
                          float* G, __m256& loss) {
  __m512 acc[kTileRows][kTileTargets];
  for (auto& row : acc)
    for (auto& a : row) a = _mm512_setzero_ps();
  const int32_t whole = w.dim / 16;
  size_t off = 0;
  for (int32_t k = 0; k < whole; ++k, off += 16) scoreChunk<T, NC, false>(w, c0, off, tail, acc);
  if (w.dim % 16 != 0) scoreChunk<T, NC, true>(w, c0, off, tail, acc);
  for (int32_t c = 0; c < NC; ++c) {
    __m256 folded[kTileTargets];
    for (int32_t t = 0; t < kTileTargets; ++t) folded[t] = foldHalves(acc[c][t]);
    contextCoefficients(sumsOfSix(folded), valid, j, G + (c0 + c) * 8, loss);
  }
}

template <int32_t T>
void tiledWindowProducts(const WindowProduct& w, SentenceJob& j) {
  const __mmask16 tail = tailMask(w.dim % 16);
  const __m256 valid = _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_set1_epi32(T), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  alignas(32) float G[kTileContexts * 8];
  __m256 loss = _mm256_setzero_ps();
  int32_t c0 = 0;
  for (; c0 + kTileRows <= w.contexts; c0 += kTileRows) scoreContexts<T, kTileRows>(w, c0, tail, valid, j, G, loss);
  switch (w.contexts - c0) {
    case 3: scoreContexts<T, 3>(w, c0, tail, valid, j, G, loss); break;
    case 2: scoreContexts<T, 2>(w, c0, tail, valid, j, G, loss); break;
    case 1: scoreContexts<T, 1>(w, c0, tail, valid, j, G, loss); break;
    default: break;
  }
  const int32_t whole = w.dim / 16;
  size_t off = 0;
  if (distinctRows(w.in, w.contexts)) {
    for (int32_t k = 0; k < whole; ++k, off += 16) updateChunkOnePass<T>(w, G, off, ChunkIO<false>{tail});
    if (w.dim % 16 != 0) updateChunkOnePass<T>(w, G, off, ChunkIO<true>{tail});
  } else {
    for (int32_t k = 0; k < whole; ++k, off += 16) updateChunk<T>(w, G, off, ChunkIO<false>{tail});
    if (w.dim % 16 != 0) updateChunk<T>(w, G, off, ChunkIO<true>{tail});
  }
  addLoss(j, loss);
}

template <int32_t T, bool Masked>
inline void cbowScoreChunk(float* const* rows, int32_t count, float* const* out, float* hidden, size_t off,
                           __mmask16 m, __m512 inv, __m512 (&acc)[kTileTargets]) {
  __m512 h = loadChunk<Masked>(rows[0] + off, m);
  for (int32_t c = 1; c < count; ++c) h = _mm512_add_ps(h, loadChunk<Masked>(rows[c] + off, m));
  h = _mm512_mul_ps(h, inv);
  storeChunk<Masked>(hidden + off, h, m);
  for (int32_t t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(h, loadChunk<Masked>(out[t] + off, m), acc[t]);
}

template <int32_t T, bool Masked>
inline void cbowUpdateChunk(float* const* rows, int32_t count, float* const* out, const float* hidden, const float* G,
                            size_t off, __mmask16 m) {
  const __m512 h = loadChunk<Masked>(hidden + off, m);
  __m512 grad = _mm512_setzero_ps();
  for (int32_t t = 0; t < T; ++t) {
    const __m512 g = _mm512_set1_ps(G[t]);
    const __m512 o = loadChunk<Masked>(out[t] + off, m);
    grad = _mm512_fmadd_ps(g, o, grad);
    storeChunk<Masked>(out[t] + off, _mm512_fmadd_ps(g, h, o), m);
  }
  for (int32_t c = 0; c < count; ++c)
    storeChunk<Masked>(rows[c] + off, _mm512_add_ps(loadChunk<Masked>(rows[c] + off, m), grad), m);
}

template <int32_t T>
void tiledCbow(SentenceJob& j, float* const* rows, int32_t count, const int32_t* samples) {
  const int32_t dim = j.dim;
  const __mmask16 tail = tailMask(dim % 16);
  float* out[T];
  for (int32_t t = 0; t < T; ++t) out[t] = outputRow(j, samples[t]);
  float* hidden = j.scratch;
  const __m512 inv = _mm512_set1_ps(1.0f / static_cast<float>(count));
  __m512 acc[kTileTargets];
  for (auto& a : acc) a = _mm512_setzero_ps();
  const int32_t whole = dim / 16;
  size_t off = 0;
  for (int32_t k = 0; k < whole; ++k, off += 16) cbowScoreChunk<T, false>(rows, count, out, hidden, off, tail, inv, acc);
  if (dim % 16 != 0) cbowScoreChunk<T, true>(rows, count, out, hidden, off, tail, inv, acc);
  __m256 folded[kTileTargets];
  for (int32_t t = 0; t < kTileTargets; ++t) folded[t] = foldHalves(acc[t]);
  const __m256 valid =
      _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(T), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  alignas(32) float G[8];
  __m256 loss = _mm256_setzero_ps();
  contextCoefficients(sumsOfSix(folded), valid, j, G, loss);
  ++j.predictions;
  off = 0;
  for (int32_t k = 0; k < whole; ++k, off += 16) cbowUpdateChunk<T, false>(rows, count, out, hidden, G, off, tail);
  if (dim % 16 != 0) cbowUpdateChunk<T, true>(rows, count, out, hidden, G, off, tail);
  addLoss(j, loss);
}

bool tiledCbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                       int32_t negativeCount) {
  int32_t samples[kTileTargets];
  return withTargetCount(cbowTileTargets(word, negatives, negativeCount, samples),
                         [&](auto T) { tiledCbow<T>(j, rows, count, samples); });
}

void Avx512Ops::windowProducts(const WindowProduct& w, SentenceJob& j) {
  // The target count known at compile time: no branch in the inner loops.
  if (w.contexts <= kTileContexts && withTargetCount(w.targets, [&](auto T) { tiledWindowProducts<T>(w, j); })) return;
  windowProductsByGroups<Avx512Ops>(w, j);
}

}  // namespace

void trainSentenceAvx512(SentenceJob& job) { trainSentenceWith<Avx512Ops>(job); }

void dotRowsAvx512(const float* matrix, int64_t rows, int32_t dim, const float* query, float* scores) {
  for (int64_t r = 0; r < rows; ++r) scores[r] = Avx512Ops::dot(matrix + static_cast<size_t>(r) * dim, query, dim);
}

void dotPanelAvx512(const float* queries, int32_t queryCount, int32_t stride, const float* panel, int32_t paddedRows,
                    float* out) {
  // The stride is a multiple of 8 floats: 16-lane chunks, then one masked 8-lane half.
  for (int32_t q = 0; q < queryCount; ++q)
    for (int32_t r = 0; r < paddedRows; ++r)
      out[static_cast<size_t>(q) * paddedRows + r] =
          Avx512Ops::dot(queries + static_cast<size_t>(q) * stride, panel + static_cast<size_t>(r) * stride, stride);
}

}  // namespace simd
}  // namespace w2v
