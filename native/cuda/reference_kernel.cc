#include "reference_kernel.h"

#include <algorithm>
#include <vector>

#include "device_math.h"

namespace w2v {
namespace cuda {

namespace {

struct Target {
  int32_t row;
  bool positive;
  bool hierarchical;
};

// Hierarchical-softmax path nodes, then the word itself and the negatives drawn for it
// (draws drawBase .. drawBase + negative - 1), skipping draws of the word.
void buildTargets(const KernelArgs& a, int32_t word, uint32_t position, uint32_t drawBase, std::vector<Target>& out) {
  out.clear();
  if (a.hs)
    for (int64_t k = a.offsets[word]; k < a.offsets[word + 1]; ++k) out.push_back({a.points[k], a.codes[k] == 0, true});
  if (a.negative > 0) {
    out.push_back({word, true, false});
    for (int32_t k = 0; k < a.negative; ++k) {
      const int32_t s = aliasPick(a.alias, a.vocabSize, counterRandom(a.key, position, drawBase + static_cast<uint32_t>(k)));
      if (s != word) out.push_back({s, false, false});
    }
  }
}

float dot(const float* x, const float* y, int32_t n) {
  float s = 0;
  for (int32_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

// One tile of targets against one input row `x`: each target row (a private copy, as the
// kernel's shared-memory tile) is updated in place and its change kept in `delta`.
void trainTile(const KernelArgs& a, const float* x, float* gradient, const Target* targets, int32_t count,
               float* tile, float* delta, float alpha, double& loss) {
  const int32_t dim = a.dim;
  for (int32_t t = 0; t < count; ++t) {
    float* o = tile + static_cast<size_t>(t) * dim;
    float* d = delta + static_cast<size_t>(t) * dim;
    const float label = targets[t].positive ? 1.0f : 0.0f;
    const float f = dot(x, o, dim);
    const float g = gradientScale(f, label, targets[t].hierarchical) * alpha;
    loss += lossTerm(f, label);
    for (int32_t i = 0; i < dim; ++i) {
      gradient[i] += g * o[i];
      o[i] += g * x[i];
      d[i] += g * x[i];
    }
  }
}

float* rowOf(const KernelArgs& a, const Target& t) {
  return (t.hierarchical ? a.syn1 : a.syn1neg) + static_cast<size_t>(t.row) * static_cast<size_t>(a.dim);
}

}  // namespace

void referenceTrainBatch(const KernelArgs& a) {
  const int32_t dim = a.dim;
  const size_t d = static_cast<size_t>(dim);
  std::vector<Target> targets;
  std::vector<int32_t> contexts;
  std::vector<float> x(d), gradient(d);
  std::vector<float> tile(static_cast<size_t>(a.tileRows) * d), delta(tile.size());
  double loss = 0;
  unsigned long long predictions = 0, rows = 0;

  // Runs `targets` in tiles against `inputs` (skip-gram: each context row in turn, updated
  // after its pass over a tile) or against the fixed `hidden` (CBOW: the gradient summed
  // over all tiles is left in `gradient`).
  auto runTargets = [&](const int32_t* inputs, int32_t inputCount, const float* hidden, float alpha) {
    const int32_t total = static_cast<int32_t>(targets.size());
    for (int32_t t0 = 0; t0 < total; t0 += a.tileRows) {
      const int32_t n = std::min(a.tileRows, total - t0);
      for (int32_t t = 0; t < n; ++t) {
        const float* src = rowOf(a, targets[static_cast<size_t>(t0 + t)]);
        std::copy(src, src + dim, tile.begin() + static_cast<ptrdiff_t>(t) * dim);
      }
      std::fill(delta.begin(), delta.end(), 0.0f);
      rows += static_cast<unsigned long long>(n);
      if (hidden != nullptr) {
        trainTile(a, hidden, gradient.data(), targets.data() + t0, n, tile.data(), delta.data(), alpha, loss);
      } else {
        for (int32_t c = 0; c < inputCount; ++c) {
          float* in = a.syn0 + static_cast<size_t>(inputs[c]) * d;
          std::copy(in, in + dim, x.begin());
          std::fill(gradient.begin(), gradient.end(), 0.0f);
          trainTile(a, x.data(), gradient.data(), targets.data() + t0, n, tile.data(), delta.data(), alpha, loss);
          for (int32_t i = 0; i < dim; ++i) in[i] += gradient[static_cast<size_t>(i)];
          rows += 2;
        }
      }
      for (int32_t t = 0; t < n; ++t) {
        float* dst = rowOf(a, targets[static_cast<size_t>(t0 + t)]);
        const float* change = delta.data() + static_cast<size_t>(t) * d;
        for (int32_t i = 0; i < dim; ++i) dst[i] += change[i];
      }
      rows += static_cast<unsigned long long>(n);
    }
  };

  for (int32_t s = 0; s < a.sliceCount; ++s) {
    const SliceDesc& slice = a.slices[s];
    for (int32_t p = slice.begin; p < slice.end; ++p) {
      const uint32_t position = static_cast<uint32_t>(p);
      const int32_t word = a.tokens[p];
      const int32_t span = reducedSpan(counterRandom(a.key, position, 0), a.window);
      const int32_t from = std::max(slice.sentenceBegin, p - span);
      const int32_t to = std::min(slice.sentenceEnd - 1, p + span);
      contexts.clear();
      for (int32_t c = from; c <= to; ++c)
        if (c != p) contexts.push_back(a.tokens[c]);
      const int32_t count = static_cast<int32_t>(contexts.size());
      if (count == 0) continue;
      if (a.cbow) {
        std::fill(x.begin(), x.end(), 0.0f);
        for (int32_t c : contexts) {
          const float* in = a.syn0 + static_cast<size_t>(c) * d;
          for (int32_t i = 0; i < dim; ++i) x[static_cast<size_t>(i)] += in[i];
        }
        const float scale = 1.0f / static_cast<float>(count);
        for (float& v : x) v *= scale;
        rows += static_cast<unsigned long long>(count);
        buildTargets(a, word, position, 1, targets);
        std::fill(gradient.begin(), gradient.end(), 0.0f);
        runTargets(nullptr, 0, x.data(), slice.alpha);
        for (int32_t c : contexts) {
          float* in = a.syn0 + static_cast<size_t>(c) * d;
          for (int32_t i = 0; i < dim; ++i) in[i] += gradient[static_cast<size_t>(i)];
        }
        rows += static_cast<unsigned long long>(count);
        predictions += 1;
      } else if (a.negative > 0 && !a.sharedNegatives) {
        // The original's fresh negatives for every (context, centre) pair.
        for (int32_t j = 0; j < count; ++j) {
          buildTargets(a, word, position, 1 + static_cast<uint32_t>(j * a.negative), targets);
          runTargets(&contexts[static_cast<size_t>(j)], 1, nullptr, slice.alpha);
        }
        predictions += static_cast<unsigned long long>(count);
      } else {
        buildTargets(a, word, position, 1, targets);
        runTargets(contexts.data(), count, nullptr, slice.alpha);
        predictions += static_cast<unsigned long long>(count);
      }
    }
  }
  a.counters->loss += loss;
  a.counters->predictions += predictions;
  a.counters->rowsMoved += rows;
}

}  // namespace cuda
}  // namespace w2v
