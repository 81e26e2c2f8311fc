// The AVX2 + FMA kernel. This file alone is compiled with -mavx2 -mfma; it runs only when
// dispatch.cc has seen both in CPUID (and the OS saving the YMM state).
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

// The vector operations of window_forms.inl (and the sum of lanes dot() takes): 8 lanes.
struct Lanes {
  using V = __m256;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(V v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
};

struct WindowProduct;
struct Avx2Ops {
  static constexpr bool kFusedCbow = true;
  static constexpr bool kTiledPath = true;
  static void hierarchicalPath(SentenceJob& j, const float* in, int64_t first, int64_t last, float* gradient);
  static void cbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                           int32_t negativeCount);
  static void windowProducts(const WindowProduct& w, SentenceJob& j);
  static float dot(const float* a, const float* b, int32_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int32_t i = 0;
    for (; i + 16 <= n; i += 16) {
      s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
      s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float r = Lanes::sum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) r += a[i] * b[i];
    return r;
  }
  static void axpy(float alpha, const float* x, float* y, int32_t n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(a, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    if (i + 4 <= n) {
      _mm_storeu_ps(y + i, _mm_fmadd_ps(_mm256_castps256_ps128(a), _mm_loadu_ps(x + i), _mm_loadu_ps(y + i)));
      i += 4;
    }
    for (; i < n; ++i) y[i] += alpha * x[i];
  }
  static void zero(float* x, int32_t n) {
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_setzero_ps());
    for (; i < n; ++i) x[i] = 0;
  }
  static void scale(float alpha, float* x, int32_t n) {
    const __m256 a = _mm256_set1_ps(alpha);
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(a, _mm256_loadu_ps(x + i)));
    for (; i < n; ++i) x[i] *= alpha;
  }
};

#include "sentence_kernel.inl"

bool tiledCbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                       int32_t negativeCount);

// Up to kGroup chunks of 8 floats at a time in registers (window_forms.inl, and CBOW's tiled
// sums below).
constexpr int32_t kGroup = 8;

// A last chunk of exactly 4 floats (dim 100, 300: any dim = 4 mod 8) is loaded and stored as a
// 128-bit half, its upper lanes zero: on AMD Zen a masked store (VMASKMOVPS) costs many
// cycles, and a load of what it stored waits for it instead of being forwarded. Other partial
// chunks use the mask. The lanes computed are the same either way, so the results are too.
struct Chunks {
  int32_t dim;
  int32_t count;  // chunks of 8 floats, the last maybe partial
  int32_t last;   // floats in the last chunk, 1 to 8
  __m256i tail;   // mask of the last chunk's lanes
  explicit Chunks(int32_t d) : dim(d), count((d + 7) / 8), last(d - ((d + 7) / 8 - 1) * 8) {
    alignas(32) static const int32_t ramp[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    tail = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ramp + 8 - last));
  }
  __m256 load(const float* row, int32_t k) const {
    if (k != count - 1 || last == 8) return _mm256_loadu_ps(row + 8 * k);
    if (last == 4) return _mm256_insertf128_ps(_mm256_setzero_ps(), _mm_loadu_ps(row + 8 * k), 0);
    return _mm256_maskload_ps(row + 8 * k, tail);
  }
  void store(float* row, int32_t k, __m256 v) const {
    if (k != count - 1 || last == 8) _mm256_storeu_ps(row + 8 * k, v);
    else if (last == 4) _mm_storeu_ps(row + 8 * k, _mm256_castps256_ps128(v));
    else _mm256_maskstore_ps(row + 8 * k, tail, v);
  }
};

#include "window_forms.inl"

void Avx2Ops::cbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                           int32_t negativeCount) {
  if (!tiledCbowNegative(j, word, rows, count, negatives, negativeCount))
    cbowByTargets<Avx2Ops>(j, word, rows, count, negatives, negativeCount);
}

// The window's products tiled for the common shape, at most kTileTargets targets (5 negatives
// and the centre word) and kTileContexts contexts (a window of 16), with the row split into
// whole chunks of 8 floats and one partial chunk, so no load in the inner loops branches:
// - scores: two contexts against every target at once, one accumulator per pair held in
//   registers over the whole row, then the pairs' sums reduced together (horizontal adds)
//   instead of one reduction per pair;
// - coefficients: the clipped sigmoid and the loss of a context's targets as one vector
//   (table lookups by gather), the same arithmetic as labelCoefficient and logSigmoidFrom;
// - updates: one pass over the row's chunks doing OUT's gradient (from the old IN), IN's
//   update (from the old OUT) and OUT's update, in the order and rounding of the three passes
//   of the generic form, each chunk's contexts in one pass when they are distinct rows
//   (updateChunkOnePass; both forms in tiles.inl, shared with avx512.cc). A row that occurs
//   twice (a repeated context word, a negative drawn twice) takes both updates, as there.
constexpr int32_t kTileTargets = 6;
constexpr int32_t kTileContexts = 32;

// How a chunk is read and written: 8 floats, a 128-bit half (4 floats: dim 100, 300), or a mask.
enum class Part { kWhole, kHalf, kMasked };

#include "tiles.inl"

// A row split for the tiles: its whole chunks of 8 floats, then how its last partial chunk is
// read and written (none when dim is a multiple of 8). Rows padded to a multiple of 8 floats
// (SentenceJob::stride, the trainer's) take their last chunk whole: the padding is zero and
// stays zero (every update of a padding lane adds a product with a zero factor), so the
// lanes past dim add exact zeros to the scores, as the half or masked load's zeros did, and
// the results are the same bit for bit.
struct RowChunks {
  int32_t whole;
  Part tail;
  __m256i mask;
  RowChunks(int32_t dim, int32_t stride) : RowChunks(dim, stride % 8 == 0 && stride >= dim) {}

 private:
  RowChunks(int32_t dim, bool padded)
      : whole(padded ? (dim + 7) / 8 : dim / 8),
        tail(padded || dim % 8 == 0 ? Part::kWhole : dim % 8 == 4 ? Part::kHalf : Part::kMasked),
        mask(Chunks(dim).tail) {}
};

// Calls f(part, offset) for every chunk of the row, `part` a compile-time Part
// (std::integral_constant), so each call is compiled for its kind of chunk.
template <class F>
inline void forEachChunk(const RowChunks& r, F&& f) {
  size_t off = 0;
  for (int32_t k = 0; k < r.whole; ++k, off += 8) f(std::integral_constant<Part, Part::kWhole>{}, off);
  if (r.tail == Part::kHalf) f(std::integral_constant<Part, Part::kHalf>{}, off);
  else if (r.tail == Part::kMasked) f(std::integral_constant<Part, Part::kMasked>{}, off);
}

template <Part P>
inline __m256 loadPart(const float* p, __m256i mask) {
  if constexpr (P == Part::kWhole) return _mm256_loadu_ps(p);
  else if constexpr (P == Part::kHalf) return _mm256_insertf128_ps(_mm256_setzero_ps(), _mm_loadu_ps(p), 0);
  else return _mm256_maskload_ps(p, mask);
}
template <Part P>
inline void storePart(float* p, __m256 v, __m256i mask) {
  if constexpr (P == Part::kWhole) _mm256_storeu_ps(p, v);
  else if constexpr (P == Part::kHalf) _mm_storeu_ps(p, _mm256_castps256_ps128(v));
  else _mm256_maskstore_ps(p, mask, v);
}
// A chunk of kind P as the tiles' shared updates read and write it (tiles.inl's `io`).
template <Part P>
struct PartIO {
  __m256i mask;
  __m256 load(const float* p) const { return loadPart<P>(p, mask); }
  void store(float* p, __m256 v) const { storePart<P>(p, v, mask); }
};

// Accumulates chunk `off` of NC contexts against the T targets.
template <int32_t T, int32_t NC, Part P>
inline void scoreChunk(const WindowProduct& w, int32_t c0, size_t off, __m256i mask, __m256 (&acc)[2][kTileTargets]) {
  __m256 in[NC];
  for (int32_t c = 0; c < NC; ++c) in[c] = loadPart<P>(w.in[c0 + c] + off, mask);
  for (int32_t t = 0; t < T; ++t) {
    const __m256 o = loadPart<P>(w.out[t] + off, mask);
    for (int32_t c = 0; c < NC; ++c) acc[c][t] = _mm256_fmadd_ps(in[c], o, acc[c][t]);
  }
}

// Scores and coefficients of contexts [c0, c0 + NC).
template <int32_t T, int32_t NC>
inline void scoreContexts(const WindowProduct& w, int32_t c0, const RowChunks& r, __m256 valid, const SentenceJob& j,
                          float* G, __m256& loss) {
  __m256 acc[2][kTileTargets];
  for (auto& row : acc)
    for (auto& a : row) a = _mm256_setzero_ps();
  forEachChunk(r, [&](auto P, size_t off) { scoreChunk<T, NC, P>(w, c0, off, r.mask, acc); });
  for (int32_t c = 0; c < NC; ++c) contextCoefficients(sumsOfSix(acc[c]), valid, j, G + (c0 + c) * 8, loss);
}

template <int32_t T>
void tiledWindowProducts(const WindowProduct& w, SentenceJob& j) {
  const RowChunks r(w.dim, w.stride);
  const __m256 valid = _mm256_castsi256_ps(
      _mm256_cmpgt_epi32(_mm256_set1_epi32(w.targets), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  alignas(32) float G[kTileContexts * 8];
  __m256 loss = _mm256_setzero_ps();
  int32_t c0 = 0;
  for (; c0 + 2 <= w.contexts; c0 += 2) scoreContexts<T, 2>(w, c0, r, valid, j, G, loss);
  if (c0 < w.contexts) scoreContexts<T, 1>(w, c0, r, valid, j, G, loss);
  if (distinctRows(w.in, w.contexts)) {
    forEachChunk(r, [&](auto P, size_t off) { updateChunkOnePass<T>(w, G, off, PartIO<P>{r.mask}); });
  } else {
    forEachChunk(r, [&](auto P, size_t off) { updateChunk<T>(w, G, off, PartIO<P>{r.mask}); });
  }
  addLoss(j, loss);
}

// Calls f(n, offset) for groups of the row's whole chunks, n (a std::integral_constant) up to
// kGroup, so each group's chunks can stay in registers; then tail(part, offset) for its last
// partial chunk, if any (rows dim floats apart, not padded).
template <class Group, class Tail>
inline void forGroupsAndTail(const RowChunks& r, Group&& group, Tail&& tail) {
  for (int32_t k = 0; k < r.whole; k += kGroup) {
    const size_t off = static_cast<size_t>(k) * 8;
    withGroupSize(std::min(kGroup, r.whole - k), [&](auto N) { group(N, off); });
  }
  const size_t tailOff = static_cast<size_t>(r.whole) * 8;
  if (r.tail == Part::kHalf) tail(std::integral_constant<Part, Part::kHalf>{}, tailOff);
  else if (r.tail == Part::kMasked) tail(std::integral_constant<Part, Part::kMasked>{}, tailOff);
}

// CBOW with negative sampling, tiled: (1) the context rows' mean into the hidden row, row by
// row over groups of whole chunks whose sums stay in registers (a row adds each chunk with one
// instruction; chunk by chunk, every row's chunk cost a pointer load and a loop step too);
// (2) the targets' scores in one pass over the hidden row (one accumulator per target,
// reduced together); (3) the coefficients as one vector; (4) one pass over the chunks doing
// the gradient and the output rows' updates; (5) the gradient added to every context row,
// group by group as in (1). Lane by lane the same sums in the same order as the original's
// (the context rows added in window order, then the targets in order), and the output rows
// (syn1neg) never alias the context rows (syn0). Every target's score is taken before any
// update, so this path is for distinct targets only: a negative drawn twice sees its first
// update in the original's order, and such windows keep the target-by-target form.
// (Kernel bench, avx2+fma, ns a prediction: dim 100 223 against 233-236 chunk by chunk, dim 300
// 510-517 against 567-583; instructions a prediction 20% fewer, by cachegrind.)
template <int32_t N>
inline void cbowSumGroup(float* const* rows, int32_t count, float* hidden, size_t off, __m256 inv) {
  __m256 h[N];
  for (int32_t k = 0; k < N; ++k) h[k] = _mm256_loadu_ps(rows[0] + off + 8 * k);
  for (int32_t c = 1; c < count; ++c) {
    const float* row = rows[c] + off;
    for (int32_t k = 0; k < N; ++k) h[k] = _mm256_add_ps(h[k], _mm256_loadu_ps(row + 8 * k));
  }
  for (int32_t k = 0; k < N; ++k) _mm256_storeu_ps(hidden + off + 8 * k, _mm256_mul_ps(h[k], inv));
}

template <Part P>
inline void cbowSumChunk(float* const* rows, int32_t count, float* hidden, size_t off, __m256i mask, __m256 inv) {
  __m256 h = loadPart<P>(rows[0] + off, mask);
  for (int32_t c = 1; c < count; ++c) h = _mm256_add_ps(h, loadPart<P>(rows[c] + off, mask));
  storePart<P>(hidden + off, _mm256_mul_ps(h, inv), mask);
}

template <int32_t T, Part P>
inline void cbowScoreChunk(const float* hidden, float* const* out, size_t off, __m256i mask,
                           __m256 (&acc)[kTileTargets]) {
  const __m256 h = loadPart<P>(hidden + off, mask);
  for (int32_t t = 0; t < T; ++t) acc[t] = _mm256_fmadd_ps(h, loadPart<P>(out[t] + off, mask), acc[t]);
}

template <int32_t T, Part P>
inline void cbowOutputChunk(float* const* out, const float* hidden, const __m256 (&g)[kTileTargets], float* gradient,
                            size_t off, __m256i mask) {
  const __m256 h = loadPart<P>(hidden + off, mask);
  __m256 grad = _mm256_setzero_ps();
  for (int32_t t = 0; t < T; ++t) {
    const __m256 o = loadPart<P>(out[t] + off, mask);
    grad = _mm256_fmadd_ps(g[t], o, grad);
    storePart<P>(out[t] + off, _mm256_fmadd_ps(g[t], h, o), mask);
  }
  storePart<P>(gradient + off, grad, mask);
}

template <int32_t N>
inline void cbowAddGroup(float* const* rows, int32_t count, const float* gradient, size_t off) {
  __m256 g[N];
  for (int32_t k = 0; k < N; ++k) g[k] = _mm256_loadu_ps(gradient + off + 8 * k);
  for (int32_t c = 0; c < count; ++c) {
    float* row = rows[c] + off;
    for (int32_t k = 0; k < N; ++k) _mm256_storeu_ps(row + 8 * k, _mm256_add_ps(_mm256_loadu_ps(row + 8 * k), g[k]));
  }
}

template <Part P>
inline void cbowAddChunk(float* const* rows, int32_t count, const float* gradient, size_t off, __m256i mask) {
  const __m256 g = loadPart<P>(gradient + off, mask);
  for (int32_t c = 0; c < count; ++c) storePart<P>(rows[c] + off, _mm256_add_ps(loadPart<P>(rows[c] + off, mask), g), mask);
}

template <int32_t T>
void tiledCbow(SentenceJob& j, float* const* rows, int32_t count, const int32_t* samples) {
  const int32_t dim = j.dim;
  const RowChunks r(dim, j.stride);
  float* out[T];
  for (int32_t t = 0; t < T; ++t) out[t] = outputRow(j, samples[t]);
  float* hidden = j.scratch;
  float* gradient = j.scratch + j.stride;
  const __m256 inv = _mm256_set1_ps(1.0f / static_cast<float>(count));
  forGroupsAndTail(
      r, [&](auto N, size_t off) { cbowSumGroup<N>(rows, count, hidden, off, inv); },
      [&](auto P, size_t off) { cbowSumChunk<P>(rows, count, hidden, off, r.mask, inv); });
  __m256 acc[kTileTargets];
  for (auto& a : acc) a = _mm256_setzero_ps();
  forEachChunk(r, [&](auto P, size_t off) { cbowScoreChunk<T, P>(hidden, out, off, r.mask, acc); });
  const __m256 valid =
      _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(T), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  alignas(32) float G[8];
  __m256 loss = _mm256_setzero_ps();
  contextCoefficients(sumsOfSix(acc), valid, j, G, loss);
  ++j.predictions;
  __m256 g[kTileTargets];
  for (int32_t t = 0; t < T; ++t) g[t] = _mm256_broadcast_ss(G + t);
  forEachChunk(r, [&](auto P, size_t off) { cbowOutputChunk<T, P>(out, hidden, g, gradient, off, r.mask); });
  forGroupsAndTail(
      r, [&](auto N, size_t off) { cbowAddGroup<N>(rows, count, gradient, off); },
      [&](auto P, size_t off) { cbowAddChunk<P>(rows, count, gradient, off, r.mask); });
  addLoss(j, loss);
}

// Takes the window when its targets (the centre word and the negatives) are at most
// kTileTargets and distinct; false: the caller trains it target by target.
bool tiledCbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                       int32_t negativeCount) {
  int32_t samples[kTileTargets];
  return withTargetCount(cbowTileTargets(word, negatives, negativeCount, samples),
                         [&](auto T) { tiledCbow<T>(j, rows, count, samples); });
}

// A hierarchical-softmax path in tiles of up to six inner nodes: their scores against `in` in
// one pass over the row's chunks (one accumulator per node, reduced together), the
// coefficients as one vector, then one pass adding each node's term to the gradient and
// updating the node, in the original's node order and rounding. A path visits distinct nodes
// and `in` does not change along it, so scoring a tile's nodes before updating any of them
// gives what the node-by-node form gives, up to the dot products' summation order.
template <int32_t N, Part P>
inline void pathScoreChunk(const float* in, float* const* node, size_t off, __m256i mask, __m256 (&acc)[kTileTargets]) {
  const __m256 x = loadPart<P>(in + off, mask);
  for (int32_t i = 0; i < N; ++i) acc[i] = _mm256_fmadd_ps(x, loadPart<P>(node[i] + off, mask), acc[i]);
}

template <int32_t N, Part P>
inline void pathUpdateChunk(const float* in, float* const* node, const float* G, float* gradient, size_t off,
                            __m256i mask) {
  const __m256 x = loadPart<P>(in + off, mask);
  __m256 grad = loadPart<P>(gradient + off, mask);
  for (int32_t i = 0; i < N; ++i) {
    const __m256 g = _mm256_broadcast_ss(G + i);
    const __m256 o = loadPart<P>(node[i] + off, mask);
    grad = _mm256_fmadd_ps(g, o, grad);
    storePart<P>(node[i] + off, _mm256_fmadd_ps(g, x, o), mask);
  }
  storePart<P>(gradient + off, grad, mask);
}

template <int32_t N>
void pathTile(SentenceJob& j, const float* in, int64_t first, float* gradient) {
  const int32_t dim = j.dim;
  const RowChunks r(dim, j.stride);
  float* node[N];
  for (int32_t i = 0; i < N; ++i) node[i] = nodeRow(j, j.points[first + i]);
  __m256 acc[kTileTargets];
  for (auto& a : acc) a = _mm256_setzero_ps();
  forEachChunk(r, [&](auto P, size_t off) { pathScoreChunk<N, P>(in, node, off, r.mask, acc); });
  const __m256 valid =
      _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(N), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  alignas(32) float G[8];
  __m256 loss = _mm256_setzero_ps();
  pathCoefficients(sumsOfSix(acc), j.codes + first, N, valid, j, G, loss);
  forEachChunk(r, [&](auto P, size_t off) { pathUpdateChunk<N, P>(in, node, G, gradient, off, r.mask); });
  addLoss(j, loss);
}

void Avx2Ops::hierarchicalPath(SentenceJob& j, const float* in, int64_t first, int64_t last, float* gradient) {
  for (int64_t k = first; k < last; k += kTileTargets) {
    withTargetCount(std::min<int64_t>(kTileTargets, last - k), [&](auto N) { pathTile<N>(j, in, k, gradient); });
  }
}

void Avx2Ops::windowProducts(const WindowProduct& w, SentenceJob& j) {
  // The target count known at compile time: no branch in the inner loops.
  if (w.contexts <= kTileContexts && withTargetCount(w.targets, [&](auto T) { tiledWindowProducts<T>(w, j); })) return;
  windowProductsByGroups<Avx2Ops>(w, j);
}

}  // namespace

void trainSentenceAvx2(SentenceJob& job) { trainSentenceWith<Avx2Ops>(job); }

}  // namespace simd
}  // namespace w2v
