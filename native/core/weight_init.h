// The original word2vec's initial weights, shared by every trainer backend so that a seed
// starts every device from the same vectors.
#pragma once
#include <cstddef>
#include <cstdint>

#include "aligned_buffer.h"

namespace w2v {

/// Input vectors uniform in [-0.5, 0.5) / dim, drawn as word2vec.c draws them: its linear
/// congruential generator (next = next * 25214903917 + 11, from the seed) and the low 16 bits of
/// each draw, row after row. Seed 1 gives the original's initial weights bit for bit (the
/// original always starts at 1).
///
/// Why the original's and not a better generator: over 12 seeds of skip-gram on en-8m (5 epochs)
/// these weights scored 20.20% on analogies against 19.69% with uniform draws from Random, 2.8
/// standard errors (bench/results/studies/quality-gap.md); CBOW was unchanged. Their known quirk
/// is kept with them: the low 16 bits repeat every 65,536 draws, so rows i and
/// i + 65536 / gcd(dim, 65536) start from the same vector. Training moves every row that occurs
/// far beyond this start (|w| < 0.5 / dim); only rows that never train keep it.
///
/// `stride` (at least dim; 0: dim) is the floats from one row to the next: rows of `stride`
/// floats get the same draws in their first dim floats, and zeros after them.
inline void initInputVectors(AlignedFloats& syn0, uint64_t seed, int32_t dim, int32_t stride = 0) {
  const size_t width = static_cast<size_t>(dim), step = stride > dim ? static_cast<size_t>(stride) : width;
  uint64_t next = seed;
  const double denominator = static_cast<double>(dim);
  float* w = syn0.data();
  for (size_t row = 0; row + step <= syn0.size(); row += step) {
    for (size_t i = row; i < row + width; ++i) {
      next = next * 25214903917ULL + 11ULL;
      // As word2vec.c: ((next & 0xFFFF) / (real)65536 - 0.5) / layer1_size, in double, stored as float.
      const float unit = static_cast<float>(next & 0xFFFFULL) / 65536.0f;
      w[i] = static_cast<float>((static_cast<double>(unit) - 0.5) / denominator);
    }
    for (size_t i = row + width; i < row + step; ++i) w[i] = 0.0f;
  }
}

}  // namespace w2v
