// What the tiled kernels of avx2.cc and avx512.cc share: the coefficients in 8-lane vectors
// (one vector holds a context's scores against its up-to-six targets, the centre word in lane
// 0), the loss's sum, a tile's target list, the call of a kernel templated on the target
// count, and the window's updates chunk by chunk. Included by both files inside their
// anonymous namespace, after kernels.h, sigmoid_table.h, <immintrin.h> and <utility>, and
// after they define kTileTargets and Lanes (window_forms.inl says what it holds); each
// compiles its own copy with its own instruction-set flags. The updates take the chunk's
// loads and stores from an `io` argument (io.load(p), io.store(p, v)): a whole chunk, or the
// row's last partial one, as each file reads it.

// Sums of six vectors, in lanes 0-5 (lanes 6 and 7 repeat 4 and 5).
inline __m256 sumsOfSix(const __m256* a) {
  const __m256 g0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  const __m256 h2 = _mm256_hadd_ps(a[4], a[5]);
  const __m256 g1 = _mm256_hadd_ps(h2, h2);
  return _mm256_add_ps(_mm256_permute2f128_ps(g0, g1, 0x20), _mm256_permute2f128_ps(g0, g1, 0x31));
}

// sigmoidIndex for eight lanes: (x + 6) * 83 truncated, 0 below the table (NaN too), 1000 above.
inline __m256i sigmoidIndices(__m256 x) {
  const __m256 at = _mm256_mul_ps(_mm256_add_ps(x, _mm256_set1_ps(kMaxExp)), _mm256_set1_ps(kSigmoidIndexScale));
  // max(at, 0) gives 0 for a NaN `at` (the second operand), as sigmoidIndex does.
  const __m256 clamped =
      _mm256_min_ps(_mm256_max_ps(at, _mm256_setzero_ps()), _mm256_set1_ps(static_cast<float>(kSigmoidTableSize)));
  return _mm256_cvttps_epi32(clamped);
}

// log sigmoid(f) in the lanes of `positive`, log sigmoid(-f) in the others, as logSigmoidFrom
// (0 at or above 6, the argument itself at or below -6 and for NaN), added to `loss` in the
// lanes of `valid`.
inline void addLogSigmoid(__m256 f, __m256 positive, __m256 valid, const SentenceJob& j, __m256& loss) {
  const __m256 y = _mm256_blendv_ps(_mm256_sub_ps(_mm256_setzero_ps(), f), f, positive);
  __m256 l = _mm256_i32gather_ps(j.logSigmoid, sigmoidIndices(y), 4);
  l = _mm256_blendv_ps(l, _mm256_setzero_ps(), _mm256_cmp_ps(y, _mm256_set1_ps(kMaxExp), _CMP_GE_OQ));
  l = _mm256_blendv_ps(l, y, _mm256_cmp_ps(y, _mm256_set1_ps(-kMaxExp), _CMP_NGT_UQ));
  loss = _mm256_add_ps(loss, _mm256_and_ps(l, valid));
}

// Coefficients of one context's targets (lanes 0 to T - 1; label 1 in lane 0), stored to G, as
// labelCoefficient: sigmoid taken as 1 above 6 and 0 below -6; their loss terms added to
// `loss` (lanes T and above add nothing).
inline void contextCoefficients(__m256 f, __m256 valid, const SentenceJob& j, float* G, __m256& loss) {
  const __m256 label = _mm256_setr_ps(1, 0, 0, 0, 0, 0, 0, 0);
  __m256 s = _mm256_i32gather_ps(j.sigmoid, sigmoidIndices(f), 4);
  s = _mm256_blendv_ps(s, _mm256_set1_ps(1.0f), _mm256_cmp_ps(f, _mm256_set1_ps(kMaxExp), _CMP_GT_OQ));
  s = _mm256_blendv_ps(s, _mm256_setzero_ps(), _mm256_cmp_ps(f, _mm256_set1_ps(-kMaxExp), _CMP_LT_OQ));
  _mm256_store_ps(G, _mm256_mul_ps(_mm256_sub_ps(label, s), _mm256_set1_ps(j.alpha)));
  addLogSigmoid(f, _mm256_castsi256_ps(_mm256_setr_epi32(-1, 0, 0, 0, 0, 0, 0, 0)), valid, j, loss);
}

// Coefficients of up to six inner nodes of a hierarchical-softmax path, stored to G, as the
// original's block: label 1 - code, g = (label - sigmoid(f)) alpha, no update (g = 0) where
// f <= -6 or f >= 6; the loss terms of the lanes of `valid` added to `loss`.
inline void pathCoefficients(__m256 f, const uint8_t* codes, int32_t n, __m256 valid, const SentenceJob& j, float* G,
                             __m256& loss) {
  alignas(32) int32_t positive[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int32_t i = 0; i < n; ++i) positive[i] = codes[i] == 0 ? -1 : 0;
  const __m256 pos = _mm256_load_ps(reinterpret_cast<const float*>(positive));
  const __m256 label = _mm256_and_ps(pos, _mm256_set1_ps(1.0f));
  const __m256 s = _mm256_i32gather_ps(j.sigmoid, sigmoidIndices(f), 4);
  const __m256 saturated = _mm256_or_ps(_mm256_cmp_ps(f, _mm256_set1_ps(-kMaxExp), _CMP_LE_OQ),
                                        _mm256_cmp_ps(f, _mm256_set1_ps(kMaxExp), _CMP_GE_OQ));
  _mm256_store_ps(G, _mm256_andnot_ps(saturated, _mm256_mul_ps(_mm256_sub_ps(label, s), _mm256_set1_ps(j.alpha))));
  addLogSigmoid(f, pos, valid, j, loss);
}

// Adds a tile's 8-lane loss terms to the job's loss.
inline void addLoss(SentenceJob& j, __m256 loss) {
  alignas(32) float terms[8];
  _mm256_store_ps(terms, loss);
  double sum = 0;
  for (float t : terms) sum += t;
  j.loss -= sum;
}

// Calls f(std::integral_constant<int32_t, n>) for n in 1 .. kTileTargets, so the callee has the
// target count at compile time; false for any other n.
template <class F>
inline bool withTargetCount(int64_t n, F&& f) {
  switch (n) {
    case 6: f(std::integral_constant<int32_t, 6>{}); return true;
    case 5: f(std::integral_constant<int32_t, 5>{}); return true;
    case 4: f(std::integral_constant<int32_t, 4>{}); return true;
    case 3: f(std::integral_constant<int32_t, 3>{}); return true;
    case 2: f(std::integral_constant<int32_t, 2>{}); return true;
    case 1: f(std::integral_constant<int32_t, 1>{}); return true;
    default: return false;
  }
}
static_assert(kTileTargets == 6, "withTargetCount covers 1 to 6 targets");

// Whether rows[0, n) are n different rows (a window's contexts: a word may occur twice in it).
inline bool distinctRows(float* const* rows, int32_t n) {
  for (int32_t a = 1; a < n; ++a)
    for (int32_t b = 0; b < a; ++b)
      if (rows[a] == rows[b]) return false;
  return true;
}

// CBOW's targets, the centre word then the negatives, into `samples` when they fit a tile and
// are distinct (a negative drawn twice sees its first update in the original's order, which a
// tile's scores taken before any update would not); their count, else 0.
inline int32_t cbowTileTargets(int32_t word, const int32_t* negatives, int32_t negativeCount, int32_t* samples) {
  if (negativeCount + 1 > kTileTargets) return 0;
  samples[0] = word;
  for (int32_t d = 0; d < negativeCount; ++d) {
    for (int32_t e = 0; e <= d; ++e)
      if (samples[e] == negatives[d]) return 0;
    samples[d + 1] = negatives[d];
  }
  return negativeCount + 1;
}

// The three updates of a window's chunk at `off`: OUT's gradient = G^T IN from the old IN, then
// IN += G OUT from the old OUT, then OUT += its gradient; G holds 8 coefficients a context.
template <int32_t T, class IO>
inline void updateChunk(const WindowProduct& w, const float* G, size_t off, const IO& io) {
  using V = Lanes::V;
  const int32_t C = w.contexts;
  V grad[kTileTargets];
  for (auto& g : grad) g = Lanes::zero();
  for (int32_t c = 0; c < C; ++c) {  // OUT's gradient = G^T IN, from the old IN
    const V in = io.load(w.in[c] + off);
    for (int32_t t = 0; t < T; ++t) grad[t] = Lanes::fmadd(Lanes::set1(G[c * 8 + t]), in, grad[t]);
  }
  V out[kTileTargets];
  for (int32_t t = 0; t < T; ++t) out[t] = io.load(w.out[t] + off);
  for (int32_t c = 0; c < C; ++c) {  // IN += G OUT, from the old OUT
    V in = io.load(w.in[c] + off);
    for (int32_t t = 0; t < T; ++t) in = Lanes::fmadd(Lanes::set1(G[c * 8 + t]), out[t], in);
    io.store(w.in[c] + off, in);
  }
  for (int32_t t = 0; t < T; ++t)  // OUT += its gradient (reloaded: a row drawn twice takes both)
    io.store(w.out[t] + off, Lanes::add(io.load(w.out[t] + off), grad[t]));
}

// The same three updates in one pass over the contexts, for windows whose context rows are
// distinct: each context chunk is loaded once and each coefficient broadcast once for both
// OUT's gradient and IN's update (the two-pass form loads and broadcasts each twice); in
// avx2.cc the 6 gradients, the 6 output chunks, the context chunk and its update take 15 of
// the 16 registers. Lane by lane the same sums in the same order, so the same results: OUT's
// gradient still sees each context's old chunk, because no context row is written before it
// is read. A window with a context word twice keeps the two-pass form, where the second
// occurrence's update starts from the first's (as in the original's pair-by-pair order).
// (Kernel bench, avx2+fma, dim 100: 71 ns a prediction against 79.5.)
template <int32_t T, class IO>
inline void updateChunkOnePass(const WindowProduct& w, const float* G, size_t off, const IO& io) {
  using V = Lanes::V;
  V grad[kTileTargets];
  V out[kTileTargets];
  for (int32_t t = 0; t < T; ++t) {
    grad[t] = Lanes::zero();
    out[t] = io.load(w.out[t] + off);
  }
  for (int32_t c = 0; c < w.contexts; ++c) {
    const V in = io.load(w.in[c] + off);
    V updated = in;
    for (int32_t t = 0; t < T; ++t) {
      const V g = Lanes::set1(G[c * 8 + t]);
      grad[t] = Lanes::fmadd(g, in, grad[t]);       // OUT's gradient, from the old IN
      updated = Lanes::fmadd(g, out[t], updated);  // IN += G OUT, from the old OUT
    }
    io.store(w.in[c] + off, updated);
  }
  for (int32_t t = 0; t < T; ++t)  // OUT += its gradient (reloaded: a row drawn twice takes both)
    io.store(w.out[t] + off, Lanes::add(io.load(w.out[t] + off), grad[t]));
}
