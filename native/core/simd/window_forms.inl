// The forms of avx2.cc's and avx512.cc's kernels for the shapes their tiled forms do not take
// (a window of more than kTileTargets targets or kTileContexts contexts; CBOW with a negative
// drawn twice), written once over the vector operations. Included by both files inside their
// anonymous namespace, after sentence_kernel.inl and after they define:
//   Lanes:  V, the vector type; zero(), set1(float), add, mul, fmadd(a, b, c) = a b + c, and
//           sum(V), its lanes' sum in that file's order;
//   Chunks: a row of dim floats as `count` vectors, the last maybe partial: load(row, k),
//           store(row, k, v);
//   kGroup: the most chunks a group holds in registers (8).
// Each file compiles its own copy with its own instruction-set flags, so the results are the
// ones each file computed before this was shared.

// Calls f(std::integral_constant<int32_t, n>) for a group of n chunks, 1 <= n <= kGroup, so
// the callee keeps the group's chunks in registers.
template <class F>
inline void withGroupSize(int32_t n, F&& f) {
  switch (n) {
    case 8: f(std::integral_constant<int32_t, 8>{}); break;
    case 7: f(std::integral_constant<int32_t, 7>{}); break;
    case 6: f(std::integral_constant<int32_t, 6>{}); break;
    case 5: f(std::integral_constant<int32_t, 5>{}); break;
    case 4: f(std::integral_constant<int32_t, 4>{}); break;
    case 3: f(std::integral_constant<int32_t, 3>{}); break;
    case 2: f(std::integral_constant<int32_t, 2>{}); break;
    default: f(std::integral_constant<int32_t, 1>{}); break;
  }
}
static_assert(kGroup == 8, "withGroupSize covers groups of 1 to 8 chunks");

// The window's three products with each row's chunks held in registers: every chunk of a row
// is loaded once per group and reused across the other side's rows, about one load per FMA
// (the row-by-row form needs two loads and a store per FMA).

// Scores S = IN OUT^T over chunks [k0, k0 + N) of the rows, added to S unless `first`.
template <int32_t N>
inline void scoreGroup(const WindowProduct& w, const Chunks& ch, int32_t k0, float* S, bool first) {
  using V = Lanes::V;
  const int32_t T = w.targets;
  for (int32_t c = 0; c < w.contexts; ++c) {
    V in[N];
    for (int32_t k = 0; k < N; ++k) in[k] = ch.load(w.in[c], k0 + k);
    for (int32_t t = 0; t < T; ++t) {
      V a0 = Lanes::mul(in[0], ch.load(w.out[t], k0));
      V a1 = Lanes::zero();
      for (int32_t k = 1; k < N; ++k) {
        if (k & 1) a1 = Lanes::fmadd(in[k], ch.load(w.out[t], k0 + k), a1);
        else a0 = Lanes::fmadd(in[k], ch.load(w.out[t], k0 + k), a0);
      }
      const float v = Lanes::sum(Lanes::add(a0, a1));
      S[c * T + t] = first ? v : S[c * T + t] + v;
    }
  }
}

// OUT's gradient rows (in scratch) = G^T IN over chunks [k0, k0 + N).
template <int32_t N>
inline void outGradientGroup(const WindowProduct& w, const Chunks& ch, int32_t k0, const float* G) {
  using V = Lanes::V;
  const int32_t T = w.targets;
  for (int32_t t = 0; t < T; ++t) {
    V acc[N];
    for (int32_t k = 0; k < N; ++k) acc[k] = Lanes::zero();
    for (int32_t c = 0; c < w.contexts; ++c) {
      const V g = Lanes::set1(G[c * T + t]);
      for (int32_t k = 0; k < N; ++k) acc[k] = Lanes::fmadd(g, ch.load(w.in[c], k0 + k), acc[k]);
    }
    float* og = w.scratch + static_cast<size_t>(t) * w.dim;
    for (int32_t k = 0; k < N; ++k) ch.store(og, k0 + k, acc[k]);
  }
}

// IN += G OUT over chunks [k0, k0 + N).
template <int32_t N>
inline void inUpdateGroup(const WindowProduct& w, const Chunks& ch, int32_t k0, const float* G) {
  using V = Lanes::V;
  const int32_t T = w.targets;
  for (int32_t c = 0; c < w.contexts; ++c) {
    V acc[N];
    for (int32_t k = 0; k < N; ++k) acc[k] = ch.load(w.in[c], k0 + k);
    for (int32_t t = 0; t < T; ++t) {
      const V g = Lanes::set1(G[c * T + t]);
      for (int32_t k = 0; k < N; ++k) acc[k] = Lanes::fmadd(g, ch.load(w.out[t], k0 + k), acc[k]);
    }
    for (int32_t k = 0; k < N; ++k) ch.store(w.in[c], k0 + k, acc[k]);
  }
}

// Calls F<n>::run(ch, k0, args...) for groups of up to kGroup chunks covering every chunk of a row.
template <template <int32_t> class F, class... Args>
inline void forGroups(const Chunks& ch, Args&&... args) {
  for (int32_t k0 = 0; k0 < ch.count; k0 += kGroup)
    withGroupSize(std::min(kGroup, ch.count - k0), [&](auto N) { F<N>::run(ch, k0, args...); });
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

// A window of any shape as the three products group by group: the scores, the coefficients
// (in place of the scores), OUT's gradient from the old IN, IN's update from the old OUT, then
// OUT's update.
template <class Ops>
void windowProductsByGroups(const WindowProduct& w, SentenceJob& j) {
  const Chunks ch(w.dim);
  forGroups<Scores>(ch, w);
  windowCoefficients(w, j);       // the scores become the coefficients G
  forGroups<OutGradient>(ch, w);  // from the old IN
  forGroups<InUpdate>(ch, w);     // from the old OUT
  for (int32_t t = 0; t < w.targets; ++t) Ops::axpy(1.0f, w.scratch + static_cast<size_t>(t) * w.dim, w.out[t], w.dim);
}

// CBOW with negative sampling target by target, in fewer passes over memory than the
// row-by-row form: the mean of the context rows in one pass, then for each target (in the
// original's order, each seeing the rows as the previous targets left them) a dot product and
// one fused pass that updates the gradient and the output row together, then the gradient
// added to every context row. The negatives were drawn a word ahead and their rows
// prefetched (trainSentenceWith).
template <class Ops>
void cbowByTargets(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* negatives,
                   int32_t negativeCount) {
  using V = Lanes::V;
  const int32_t dim = j.dim;
  const Chunks ch(dim);
  float* hidden = j.scratch;
  float* gradient = j.scratch + j.stride;
  int32_t samples[kMaxNegative + 1];
  samples[0] = word;
  for (int32_t d = 0; d < negativeCount; ++d) samples[1 + d] = negatives[d];
  const int32_t n = 1 + negativeCount;
  const V inv = Lanes::set1(1.0f / static_cast<float>(count));
  for (int32_t k = 0; k < ch.count; ++k) {
    V acc = ch.load(rows[0], k);
    for (int32_t c = 1; c < count; ++c) acc = Lanes::add(acc, ch.load(rows[c], k));
    ch.store(hidden, k, Lanes::mul(acc, inv));
    ch.store(gradient, k, Lanes::zero());
  }
  ++j.predictions;
  for (int32_t i = 0; i < n; ++i) {
    float* out = outputRow(j, samples[i]);
    const V gv = Lanes::set1(labelGradient(j, Ops::dot(hidden, out, dim), i == 0 ? 1.0f : 0.0f));
    for (int32_t k = 0; k < ch.count; ++k) {
      const V o = ch.load(out, k);
      ch.store(gradient, k, Lanes::fmadd(gv, o, ch.load(gradient, k)));
      ch.store(out, k, Lanes::fmadd(gv, ch.load(hidden, k), o));
    }
  }
  for (int32_t c = 0; c < count; ++c)
    for (int32_t k = 0; k < ch.count; ++k) ch.store(rows[c], k, Lanes::add(ch.load(rows[c], k), ch.load(gradient, k)));
}
