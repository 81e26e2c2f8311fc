// Rows as an index stores them, for both kinds of index (the graph, ann_index.cc; the lists,
// ivf_lists.cc): the checks an add makes, the i8 scale, and the encoding of a row or a query.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ann_index.h"

namespace w2v {
namespace ann {

/// Bytes per stored value: 4, 2 or 1.
size_t bytesPerValue(Quantization q);

/// A row's squared norm, summed in double.
double squaredNorm(const float* row, int32_t dim);

/// The checks of an add's input: every id >= 0, every value finite, no id twice.
/// @throws std::invalid_argument naming the first offender.
void checkRows(const int32_t* ids, const float* rows, size_t count, int32_t dim);

/// i8: stored value per unit, so that all but the largest 0.01% of |values| (after the
/// cosine normalisation) fit in [-127, 127]; the rest are clamped.
float chooseI8Scale(const float* rows, size_t count, const IndexSettings& s);

/// A row as the index stores it (`normBound` the index's R under the dot transform), or a query
/// as the index compares it (`normBound` 0): unit length for cosine; under the dot transform
/// [x / R, sqrt(1 - |x / R|^2)] for a row and [q, 0] for a query; then f32, f16 or i8. For i8,
/// `scale` is the index's (stored rows) or 0 (a query: its own, 127 / its largest magnitude).
/// `unit` and `out` hold s.storedDim() values. Returns the scale applied (1 for f32 and f16).
float encodeRow(const float* row, const IndexSettings& s, float normBound, float scale, float* unit, uint8_t* out);

}  // namespace ann
}  // namespace w2v
