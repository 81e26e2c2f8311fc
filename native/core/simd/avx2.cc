// The AVX2 + FMA kernel. This file alone is compiled with -mavx2 -mfma; it runs only when
// dispatch.cc has seen both in CPUID (and the OS saving the YMM state).
#include <immintrin.h>

#include <algorithm>
#include <cstddef>

#include "../random.h"
#include "../sigmoid_table.h"
#include "../trainer_types.h"
#include "kernels.h"

namespace w2v {
namespace simd {
namespace {

struct WindowProduct;
struct Avx2Ops {
  static constexpr bool kFusedCbow = true;
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
    __m256 s = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float r = _mm_cvtss_f32(h);
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

// The window's three products with each row's chunks held in registers: every chunk of a row
// is loaded once per group and reused across the other side's rows, about one load per FMA
// (the row-by-row form needs two loads and a store per FMA). Up to kGroup chunks of 8 floats
// at a time; the row's last partial chunk is loaded and stored with a mask.
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

// Chunks [k0, k0 + N) of the rows, N known at compile time so the group stays in registers.
template <int32_t N>
inline void scoreGroup(const WindowProduct& w, const Chunks& ch, int32_t k0, float* S, bool first) {
  const int32_t T = w.targets;
  for (int32_t c = 0; c < w.contexts; ++c) {
    __m256 in[N];
    for (int32_t k = 0; k < N; ++k) in[k] = ch.load(w.in[c], k0 + k);
    for (int32_t t = 0; t < T; ++t) {
      __m256 a0 = _mm256_mul_ps(in[0], ch.load(w.out[t], k0));
      __m256 a1 = _mm256_setzero_ps();
      for (int32_t k = 1; k < N; ++k) {
        if (k & 1) a1 = _mm256_fmadd_ps(in[k], ch.load(w.out[t], k0 + k), a1);
        else a0 = _mm256_fmadd_ps(in[k], ch.load(w.out[t], k0 + k), a0);
      }
      const __m256 sum = _mm256_add_ps(a0, a1);
      __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
      h = _mm_add_ps(h, _mm_movehl_ps(h, h));
      h = _mm_add_ss(h, _mm_movehdup_ps(h));
      const float v = _mm_cvtss_f32(h);
      S[c * T + t] = first ? v : S[c * T + t] + v;
    }
  }
}

// OUT's gradient rows (in scratch) = G^T IN over chunks [k0, k0 + N).
template <int32_t N>
inline void outGradientGroup(const WindowProduct& w, const Chunks& ch, int32_t k0, const float* G) {
  const int32_t T = w.targets;
  for (int32_t t = 0; t < T; ++t) {
    __m256 acc[N];
    for (int32_t k = 0; k < N; ++k) acc[k] = _mm256_setzero_ps();
    for (int32_t c = 0; c < w.contexts; ++c) {
      const __m256 g = _mm256_set1_ps(G[c * T + t]);
      for (int32_t k = 0; k < N; ++k) acc[k] = _mm256_fmadd_ps(g, ch.load(w.in[c], k0 + k), acc[k]);
    }
    float* og = w.scratch + static_cast<size_t>(t) * w.dim;
    for (int32_t k = 0; k < N; ++k) ch.store(og, k0 + k, acc[k]);
  }
}

// IN += G OUT over chunks [k0, k0 + N).
template <int32_t N>
inline void inUpdateGroup(const WindowProduct& w, const Chunks& ch, int32_t k0, const float* G) {
  const int32_t T = w.targets;
  for (int32_t c = 0; c < w.contexts; ++c) {
    __m256 acc[N];
    for (int32_t k = 0; k < N; ++k) acc[k] = ch.load(w.in[c], k0 + k);
    for (int32_t t = 0; t < T; ++t) {
      const __m256 g = _mm256_set1_ps(G[c * T + t]);
      for (int32_t k = 0; k < N; ++k) acc[k] = _mm256_fmadd_ps(g, ch.load(w.out[t], k0 + k), acc[k]);
    }
    for (int32_t k = 0; k < N; ++k) ch.store(w.in[c], k0 + k, acc[k]);
  }
}

// Calls F<n>(k0) for groups of up to kGroup chunks covering every chunk of a row.
template <template <int32_t> class F, class... Args>
inline void forGroups(const Chunks& ch, Args&&... args) {
  for (int32_t k0 = 0; k0 < ch.count; k0 += kGroup) {
    switch (std::min(kGroup, ch.count - k0)) {
      case 8: F<8>::run(ch, k0, args...); break;
      case 7: F<7>::run(ch, k0, args...); break;
      case 6: F<6>::run(ch, k0, args...); break;
      case 5: F<5>::run(ch, k0, args...); break;
      case 4: F<4>::run(ch, k0, args...); break;
      case 3: F<3>::run(ch, k0, args...); break;
      case 2: F<2>::run(ch, k0, args...); break;
      default: F<1>::run(ch, k0, args...); break;
    }
  }
}

template <int32_t N>
struct Scores {
  static void run(const Chunks& ch, int32_t k0, const WindowProduct& w) { scoreGroup<N>(w, ch, k0, w.scores, k0 == 0); }
};
template <int32_t N>
struct OutGradient {
  static void run(const Chunks& ch, int32_t k0, const WindowProduct& w) { outGradientGroup<N>(w, ch, k0, w.scores); }
};
template <int32_t N>
struct InUpdate {
  static void run(const Chunks& ch, int32_t k0, const WindowProduct& w) { inUpdateGroup<N>(w, ch, k0, w.scores); }
};

// CBOW with negative sampling in fewer passes over memory than the row-by-row form: the
// mean of the context rows in one pass, then for each target (in the original's order, each
// seeing the rows as the previous targets left them) a dot product and one fused pass that
// updates the gradient and the output row together, then the gradient added to every
// context row.
void Avx2Ops::cbowNegative(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                            int32_t negativeCount) {
  const int32_t dim = j.dim;
  const Chunks ch(dim);
  float* hidden = j.scratch;
  float* gradient = j.scratch + dim;
  // The negatives were drawn a word ahead and their rows prefetched (trainSentenceWith).
  int32_t samples[kMaxNegative + 1];
  samples[0] = word;
  for (int32_t d = 0; d < negativeCount; ++d) samples[1 + d] = negatives[d];
  const int32_t n = 1 + negativeCount;
  const __m256 inv = _mm256_set1_ps(1.0f / static_cast<float>(count));
  for (int32_t k = 0; k < ch.count; ++k) {
    __m256 acc = ch.load(rows[0], k);
    for (int32_t c = 1; c < count; ++c) acc = _mm256_add_ps(acc, ch.load(rows[c], k));
    ch.store(hidden, k, _mm256_mul_ps(acc, inv));
    ch.store(gradient, k, _mm256_setzero_ps());
  }
  ++j.predictions;
  for (int32_t i = 0; i < n; ++i) {
    float* out = j.syn1neg + static_cast<size_t>(samples[i]) * dim;
    const __m256 gv = _mm256_set1_ps(labelGradient(j, dot(hidden, out, dim), i == 0 ? 1.0f : 0.0f));
    for (int32_t k = 0; k < ch.count; ++k) {
      const __m256 o = ch.load(out, k);
      ch.store(gradient, k, _mm256_fmadd_ps(gv, o, ch.load(gradient, k)));
      ch.store(out, k, _mm256_fmadd_ps(gv, ch.load(hidden, k), o));
    }
  }
  for (int32_t c = 0; c < count; ++c)
    for (int32_t k = 0; k < ch.count; ++k) ch.store(rows[c], k, _mm256_add_ps(ch.load(rows[c], k), ch.load(gradient, k)));
}

void Avx2Ops::windowProducts(const WindowProduct& w, SentenceJob& j) {
  const Chunks ch(w.dim);
  forGroups<Scores>(ch, w);
  windowCoefficients(w, j);  // the scores become the coefficients G
  forGroups<OutGradient>(ch, w);  // from the old IN
  forGroups<InUpdate>(ch, w);     // from the old OUT
  for (int32_t t = 0; t < w.targets; ++t) axpy(1.0f, w.scratch + static_cast<size_t>(t) * w.dim, w.out[t], w.dim);
}

}  // namespace

void trainSentenceAvx2(SentenceJob& job) { trainSentenceWith<Avx2Ops>(job); }

}  // namespace simd
}  // namespace w2v
