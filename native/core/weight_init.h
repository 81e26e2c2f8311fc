// The original word2vec's initial weights, shared by every trainer backend so that a seed
// starts every device from the same vectors.
#pragma once
#include <cstddef>
#include <cstdint>

#include "aligned_buffer.h"
#include "random.h"

namespace w2v {

/// Input vectors uniform in [-0.5, 0.5) / dim, drawn from the seed.
inline void initInputVectors(AlignedFloats& syn0, uint64_t seed, int32_t dim) {
  Random init(seed ^ 0x5DEECE66DULL);
  const float invDim = 1.0f / static_cast<float>(dim);
  float* w = syn0.data();
  for (size_t i = 0; i < syn0.size(); ++i) w[i] = (init.uniform() - 0.5f) * invDim;
}

}  // namespace w2v
