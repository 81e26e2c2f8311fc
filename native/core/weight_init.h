// The original word2vec's initial weights, shared by every trainer backend so that a seed
// starts every device from the same vectors.
#pragma once
#include <cstddef>
#include <cstdint>

#include <algorithm>

#include "aligned_buffer.h"
#include "parallel_parts.h"

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
/// The generator's state `steps` draws after `state` (next = next * 25214903917 + 11, mod 2^64),
/// in O(log steps): the map composed with itself by squaring.
inline uint64_t lcgSkip(uint64_t state, uint64_t steps) {
  uint64_t mul = 25214903917ULL, add = 11ULL;  // one draw
  uint64_t accMul = 1, accAdd = 0;              // no draw
  for (; steps > 0; steps >>= 1) {
    if (steps & 1) {
      accMul *= mul;
      accAdd = accAdd * mul + add;
    }
    add = (mul + 1) * add;
    mul *= mul;
  }
  return accMul * state + accAdd;
}

/// `stride` (at least dim; 0: dim) is the floats from one row to the next: rows of `stride`
/// floats get the same draws in their first dim floats, and zeros after them. `parts` > 1 splits
/// the rows between that many threads (parallel_parts.h), each starting from the generator's
/// state at its first row (lcgSkip): the same weights bit for bit, in a fraction of the time
/// (5 million draws, each a double division, and the first touch of every page).
inline void initInputVectors(AlignedFloats& syn0, uint64_t seed, int32_t dim, int32_t stride = 0, size_t parts = 1) {
  const size_t width = static_cast<size_t>(dim), step = stride > dim ? static_cast<size_t>(stride) : width;
  const size_t rows = syn0.size() / step;
  const double denominator = static_cast<double>(dim);
  float* w = syn0.data();
  parts = std::max<size_t>(1, std::min(parts, rows));
  runParts(parts, [&](size_t part) {
    const size_t first = rows * part / parts, last = rows * (part + 1) / parts;
    uint64_t next = lcgSkip(seed, static_cast<uint64_t>(first) * width);
    for (size_t row = first * step; row < last * step; row += step) {
      for (size_t i = row; i < row + width; ++i) {
        next = next * 25214903917ULL + 11ULL;
        // As word2vec.c: ((next & 0xFFFF) / (real)65536 - 0.5) / layer1_size, in double, stored as float.
        const float unit = static_cast<float>(next & 0xFFFFULL) / 65536.0f;
        w[i] = static_cast<float>((static_cast<double>(unit) - 0.5) / denominator);
      }
      for (size_t i = row + width; i < row + step; ++i) w[i] = 0.0f;
    }
  });
}

}  // namespace w2v
