// The training kernel's body, templated on the vector operations. Included only by the
// per-ISA files (scalar.cc, avx2.cc), inside an anonymous namespace, so each compiles its
// own copy with its own instruction-set flags.
//
// Ops must provide: float dot(const float*, const float*, int32_t);
//                   void axpy(float a, const float* x, float* y, int32_t n)   // y += a x
//                   void zero(float*, int32_t); void scale(float, float*, int32_t)
//                   kTiledPath, and when true hierarchicalPath(job, in, first, last, gradient):
//                   a hierarchical-softmax path's nodes [first, last) predicted from `in`

// The including file includes <algorithm>, ../random.h, ../sigmoid_table.h and
// ../trainer_types.h first (their kernel helpers are `static inline`, so each ISA file keeps
// its own copy).

// The gradient coefficient of one (input, target) prediction with label 1 (the target is the
// word) or 0 (a negative), times the learning rate, clipped as the original at |f| > 6; adds
// the prediction's loss. Every negative-sampling update goes through it.
// The coefficient alone (the loss added by the caller).
inline float labelCoefficient(const SentenceJob& j, float f, float label) {
  if (f > kMaxExp) return (label - 1.0f) * j.alpha;
  if (f < -kMaxExp) return label * j.alpha;
  return (label - j.sigmoid[sigmoidIndex(f)]) * j.alpha;
}
inline float labelGradient(SentenceJob& j, float f, float label) {
  j.loss -= logSigmoidFrom(j.logSigmoid, label > 0 ? f : -f);
  return labelCoefficient(j, f, label);
}

// Draws the negatives of a centre word (its own id is skipped, as the original does).
inline int32_t drawNegatives(SentenceJob& j, int32_t word, int32_t* out) {
  int32_t n = 0;
  for (int32_t d = 0; d < j.negative; ++d) {
    const int32_t s = aliasDraw(j.negativeTable, j.vocabSize, xorshiftNext(*j.rng));
    if (s != word) out[n++] = s;
  }
  return n;
}

// Rows of the weight matrices, j.stride floats apart (SentenceJob::stride).
inline float* inputRow(const SentenceJob& j, int32_t word) { return j.syn0 + static_cast<size_t>(word) * j.stride; }
inline float* outputRow(const SentenceJob& j, int32_t word) { return j.syn1neg + static_cast<size_t>(word) * j.stride; }

// The row of hierarchical softmax's inner node `point`: the thread's copy for the nodes
// nearest the root when it has one (SentenceJob::syn1Top), else syn1's.
inline float* nodeRow(const SentenceJob& j, int32_t point) {
  if (j.syn1Top != nullptr && point >= j.syn1TopFirst)
    return j.syn1Top + static_cast<size_t>(point - j.syn1TopFirst) * j.stride;
  return j.syn1 + static_cast<size_t>(point) * j.stride;
}

// Asks for a row's cache lines ahead of use: negatives are random rows, mostly not cached.
// Into L2 (prefetcht1), not L1: a window asks for ~40 lines a word ahead, more than L1's miss
// buffers hold, and an L1 prefetch then stalls until one frees; measured with
// build/core/w2v_kernel_bench (avx2+fma, dim 100), L2 was 5-20% faster for skip-gram and
// 20-35% for CBOW than L1, and the non-temporal hint slower than both.
inline void prefetchRow(const float* row, int32_t dim) {
  const char* p = reinterpret_cast<const char*>(row);
  for (int32_t off = 0; off < dim * static_cast<int32_t>(sizeof(float)); off += 64) __builtin_prefetch(p + off, 0, 2);
}

// One prediction of `target` from the input row `in` (hierarchical softmax and/or negative
// sampling); the input's gradient is added to `gradient`. The negatives are drawn first (the
// generator's sequence is the same) and every output row of the prediction is prefetched, so
// their cache misses overlap instead of each stalling its own dot product.
// `drawn`: negatives drawn before (CBOW draws them a word ahead), else drawn here.
template <class Ops>
inline void predictOne(SentenceJob& j, const float* in, int32_t target, float* gradient, const int32_t* drawn = nullptr,
                       int32_t drawnCount = 0) {
  const int32_t dim = j.dim;
  const float alpha = j.alpha;
  ++j.predictions;
  int32_t samples[kMaxNegative + 1];
  int32_t n = 0;
  if (j.negative > 0) {
    samples[n++] = target;
    if (drawn) {
      for (int32_t d = 0; d < drawnCount; ++d) samples[n++] = drawn[d];
    } else {
      n += drawNegatives(j, target, samples + 1);
    }
    for (int32_t i = 0; i < n; ++i) prefetchRow(outputRow(j, samples[i]), dim);
  }
  if (j.hs) {
    const int64_t first = j.offsets[target], last = j.offsets[target + 1];
    for (int64_t k = first; k < last; ++k) prefetchRow(nodeRow(j, j.points[k]), dim);
    if constexpr (Ops::kTiledPath) {
      Ops::hierarchicalPath(j, in, first, last, gradient);
    } else {
      for (int64_t k = first; k < last; ++k) {
        float* out = nodeRow(j, j.points[k]);
        const float f = Ops::dot(in, out, dim);
        const float label = 1.0f - static_cast<float>(j.codes[k]);
        j.loss -= logSigmoidFrom(j.logSigmoid, label > 0 ? f : -f);
        if (f <= -kMaxExp || f >= kMaxExp) continue;  // as the original: no update when saturated
        const float g = (label - j.sigmoid[sigmoidIndex(f)]) * alpha;
        Ops::axpy(g, out, gradient, dim);
        Ops::axpy(g, in, out, dim);
      }
    }
  }
  for (int32_t i = 0; i < n; ++i) {
    float* out = outputRow(j, samples[i]);
    const float g = labelGradient(j, Ops::dot(in, out, dim), i == 0 ? 1.0f : 0.0f);
    Ops::axpy(g, out, gradient, dim);
    Ops::axpy(g, in, out, dim);
  }
}

// One window of the shared-negative skip-gram as three small matrix products over the rows
// as they were before the window (Ji et al. 2016, pWord2Vec): scores S = IN OUT^T (C x T),
// coefficients G = alpha (labels - sigmoid(S)), then IN += G OUT and OUT += G^T IN.
struct WindowProduct {
  float* const* in;     // C context rows (syn0)
  float* const* out;    // T target rows (syn1neg): the centre word, then the negatives
  const float* labels;  // T labels: 1 for the centre word, 0 for negatives
  int32_t contexts;
  int32_t targets;
  int32_t dim;
  float* scores;        // C x T, row-major (reused for the coefficients)
  float* scratch;       // T x dim floats for OUT's gradient
  int32_t stride;       // the rows' SentenceJob::stride
};

// Scores in, coefficients out (in place), as the original's clipped sigmoid; adds the loss.
// The window's loss terms are summed in two float accumulators and added to the job's total
// once: one double sum through memory per term was a chain of dependent adds.
inline void windowCoefficients(const WindowProduct& w, SentenceJob& j) {
  float loss[2] = {0.0f, 0.0f};
  for (int32_t c = 0; c < w.contexts; ++c) {
    float* row = w.scores + static_cast<size_t>(c) * w.targets;
    for (int32_t t = 0; t < w.targets; ++t) {
      const float f = row[t];
      const float label = w.labels[t];
      loss[t & 1] += logSigmoidFrom(j.logSigmoid, label > 0 ? f : -f);
      row[t] = labelCoefficient(j, f, label);
    }
  }
  j.loss -= static_cast<double>(loss[0]) + static_cast<double>(loss[1]);
}

// The portable products: dot products and axpys, row by row.
template <class Ops>
inline void windowProductsByRows(const WindowProduct& w, SentenceJob& j) {
  const int32_t C = w.contexts, T = w.targets, dim = w.dim;
  for (int32_t c = 0; c < C; ++c)
    for (int32_t t = 0; t < T; ++t) w.scores[c * T + t] = Ops::dot(w.in[c], w.out[t], dim);
  windowCoefficients(w, j);
  std::fill(w.scratch, w.scratch + static_cast<size_t>(T) * dim, 0.0f);
  for (int32_t c = 0; c < C; ++c)
    for (int32_t t = 0; t < T; ++t) Ops::axpy(w.scores[c * T + t], w.in[c], w.scratch + static_cast<size_t>(t) * dim, dim);
  for (int32_t c = 0; c < C; ++c)
    for (int32_t t = 0; t < T; ++t) Ops::axpy(w.scores[c * T + t], w.out[t], w.in[c], dim);
  for (int32_t t = 0; t < T; ++t) Ops::axpy(1.0f, w.scratch + static_cast<size_t>(t) * dim, w.out[t], dim);
}

// Skip-gram with one set of negatives per centre word shared by its whole window.
template <class Ops>
inline void skipgramSharedWindow(SentenceJob& j, int32_t word, const int32_t* context, int32_t contextCount,
                                 const int32_t* negatives, int32_t negativeCount) {
  const int32_t dim = j.dim;
  float* outRows[1024];
  float* inRows[2 * 1000];
  float labels[1024];
  int32_t targetCount = 0;
  outRows[targetCount] = outputRow(j, word);
  labels[targetCount++] = 1.0f;
  for (int32_t d = 0; d < negativeCount; ++d) {
    outRows[targetCount] = outputRow(j, negatives[d]);
    labels[targetCount++] = 0.0f;
  }
  for (int32_t c = 0; c < contextCount; ++c) inRows[c] = inputRow(j, context[c]);
  // Scratch layout: [0, T*dim) OUT's gradient, then the C x T scores.
  WindowProduct w{inRows, outRows, labels, contextCount, targetCount, dim,
                  j.scratch + static_cast<size_t>(targetCount) * dim, j.scratch, j.stride};
  Ops::windowProducts(w, j);
  j.predictions += contextCount;
}

// Negatives drawn from the target's own group (Airbnb's in-market negatives): contrasted with
// `in` like the global ones, so items of one group are told apart from each other too.
template <class Ops>
inline void groupNegatives(SentenceJob& j, const float* in, int32_t target, float* gradient) {
  const int32_t group = j.groupOf[target];
  if (group < 0) return;
  const int32_t dim = j.dim;
  for (int32_t d = 0; d < j.groupNegative; ++d) {
    const int32_t sample = groupDraw(j.groupMembers, j.groupOffsets, j.groupEntries, group, xorshiftNext(*j.rng));
    if (sample == target) continue;
    float* out = outputRow(j, sample);
    const float g = labelGradient(j, Ops::dot(in, out, dim), 0.0f);
    Ops::axpy(g, out, gradient, dim);
    Ops::axpy(g, in, out, dim);
  }
}

// The global context (Airbnb's booked listing): the centre word's input vector also predicts
// it, a positive term only, whatever the window.
template <class Ops>
inline void globalContextUpdate(SentenceJob& j, int32_t word, float* gradient) {
  const int32_t dim = j.dim;
  float* in = inputRow(j, word);
  float* out = outputRow(j, j.globalContext);
  const float g = labelGradient(j, Ops::dot(in, out, dim), 1.0f);
  ++j.predictions;
  Ops::zero(gradient, dim);
  Ops::axpy(g, out, gradient, dim);
  Ops::axpy(g, in, out, dim);
  Ops::axpy(1.0f, gradient, in, dim);
}

// item2vec: skip-gram with per-pair negatives over a window or the whole sentence (set mode),
// with in-group negatives and a global context when given.
template <class Ops>
inline void trainItemSentenceWith(SentenceJob& j) {
  const int32_t dim = j.dim;
  const int32_t length = j.length;
  const int32_t* sentence = j.sentence;
  float* gradient = j.scratch + j.stride;
  for (int32_t pos = 0; pos < length; ++pos) {
    if (pos % kCancelCheckWords == 0 && j.cancelled && j.cancelled->load(std::memory_order_relaxed)) return;
    const int32_t word = sentence[pos];
    int32_t from = 0;
    int32_t to = length - 1;
    if (!j.wholeSentence) {
      const int32_t reduced = static_cast<int32_t>(belowFrom(xorshiftNext(*j.rng), static_cast<uint32_t>(j.window)));
      from = std::max(0, pos - (j.window - reduced));
      to = std::min(length - 1, pos + (j.window - reduced));
    }
    for (int32_t c = from; c <= to; ++c) {
      if (c == pos) continue;
      // A whole-sentence window makes one centre word as costly as the set is large.
      if (j.wholeSentence && c % kCancelCheckPairs == 0 && j.cancelled && j.cancelled->load(std::memory_order_relaxed))
        return;
      float* in = inputRow(j, sentence[c]);
      Ops::zero(gradient, dim);
      predictOne<Ops>(j, in, word, gradient);
      if (j.groupNegative > 0) groupNegatives<Ops>(j, in, word, gradient);
      Ops::axpy(1.0f, gradient, in, dim);
    }
    if (j.globalContext >= 0 && j.globalContext != word) globalContextUpdate<Ops>(j, word, gradient);
  }
}

// CBOW by the generic operations: the mean of the context rows predicts the centre word, and
// every context row takes the whole gradient. `drawn` as predictOne's.
template <class Ops>
inline void cbowWindow(SentenceJob& j, int32_t word, float* const* rows, int32_t count, const int32_t* drawn,
                       int32_t drawnCount) {
  const int32_t dim = j.dim;
  float* hidden = j.scratch;
  float* gradient = j.scratch + j.stride;
  Ops::zero(hidden, dim);
  for (int32_t c = 0; c < count; ++c) Ops::axpy(1.0f, rows[c], hidden, dim);
  Ops::scale(1.0f / static_cast<float>(count), hidden, dim);
  Ops::zero(gradient, dim);
  predictOne<Ops>(j, hidden, word, gradient, drawn, drawnCount);
  for (int32_t c = 0; c < count; ++c) Ops::axpy(1.0f, gradient, rows[c], dim);
}

template <class Ops>
inline void trainSentenceWith(SentenceJob& j) {
  if (j.wholeSentence || j.groupNegative > 0 || j.globalContext >= 0) {
    trainItemSentenceWith<Ops>(j);
    return;
  }
  const int32_t dim = j.dim;
  const int32_t window = j.window;
  const int32_t length = j.length;
  const int32_t* sentence = j.sentence;
  float* gradient = j.scratch + j.stride;
  const bool shared = j.sharedNegatives && !j.cbow && !j.hs && j.negative > 0;
  // CBOW with negative sampling alone draws its negatives a word ahead as well.
  const bool cbowAhead = j.cbow && !j.hs && j.negative > 0;
  int32_t context[2 * 1000 + 1];
  float* rows[2 * 1000];
  int32_t negatives[2][1000];
  int32_t negativeCounts[2] = {0, 0};
  for (int32_t pos = 0; pos < length; ++pos) {
    if (pos % kCancelCheckWords == 0 && j.cancelled && j.cancelled->load(std::memory_order_relaxed)) return;
    if (j.syn1Top != nullptr && ++j.topSinceMerge >= j.topMergeEvery) mergeTopNodes(j);
    const int32_t word = sentence[pos];
    const int32_t reduced = static_cast<int32_t>(belowFrom(xorshiftNext(*j.rng), static_cast<uint32_t>(window)));
    const int32_t span = window - reduced;
    const int32_t from = std::max(0, pos - span);
    const int32_t to = std::min(length - 1, pos + span);
    const int32_t current = pos & 1;
    if (shared || cbowAhead) {
      // The next centre word's negatives are drawn one step ahead and their rows prefetched,
      // with the input row entering the window next, so their cache misses overlap this
      // window's arithmetic.
      if (pos == 0) negativeCounts[current] = drawNegatives(j, word, negatives[current]);
      if (pos + 1 < length) {
        const int32_t nextWord = sentence[pos + 1];
        negativeCounts[current ^ 1] = drawNegatives(j, nextWord, negatives[current ^ 1]);
        prefetchRow(outputRow(j, nextWord), dim);
        for (int32_t d = 0; d < negativeCounts[current ^ 1]; ++d)
          prefetchRow(outputRow(j, negatives[current ^ 1][d]), dim);
        if (pos + window + 1 < length) prefetchRow(inputRow(j, sentence[pos + window + 1]), dim);
      }
    }
    if (shared) {
      int32_t count = 0;
      for (int32_t c = from; c <= to; ++c)
        if (c != pos) context[count++] = sentence[c];
      if (count > 0) skipgramSharedWindow<Ops>(j, word, context, count, negatives[current], negativeCounts[current]);
    } else if (j.cbow) {
      int32_t count = 0;
      for (int32_t c = from; c <= to; ++c)
        if (c != pos) rows[count++] = inputRow(j, sentence[c]);
      if (count == 0) continue;
      if (!cbowAhead) {
        cbowWindow<Ops>(j, word, rows, count, nullptr, 0);
      } else if constexpr (Ops::kFusedCbow) {
        Ops::cbowNegative(j, word, rows, count, negatives[current], negativeCounts[current]);
      } else {
        cbowWindow<Ops>(j, word, rows, count, negatives[current], negativeCounts[current]);
      }
    } else {
      for (int32_t c = from; c <= to; ++c) {
        if (c == pos) continue;
        float* in = inputRow(j, sentence[c]);
        Ops::zero(gradient, dim);
        predictOne<Ops>(j, in, word, gradient);
        Ops::axpy(1.0f, gradient, in, dim);
      }
    }
  }
}
