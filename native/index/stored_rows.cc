#include "stored_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace w2v {
namespace ann {
namespace {

/// Values sampled to choose the i8 scale.
constexpr size_t kScaleSample = size_t{1} << 20;

}  // namespace

float chooseI8Scale(const float* rows, size_t count, const IndexSettings& s) {
  const size_t dim = static_cast<size_t>(s.dim);
  const size_t total = count * dim;
  const size_t step = std::max<size_t>(1, total / kScaleSample);
  std::vector<float> sample;
  std::vector<float> unit(dim);
  for (size_t v = 0; v < total; v += step) {
    const size_t r = v / dim;
    float norm = 1;
    if (s.metric == Metric::kCosine) {
      double n = 0;
      for (size_t d = 0; d < dim; ++d) n += double{rows[r * dim + d]} * rows[r * dim + d];
      norm = n > 0 ? static_cast<float>(std::sqrt(n)) : 1.0f;
    }
    sample.push_back(std::fabs(rows[v]) / norm);
  }
  if (sample.empty()) return 1;
  const size_t at = std::min(sample.size() - 1, static_cast<size_t>(static_cast<double>(sample.size()) * 0.9999));
  std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(at), sample.end());
  const float top = sample[at];
  return top > 0 && std::isfinite(127.0f / top) ? 127.0f / top : 1.0f;
}

double squaredNorm(const float* row, int32_t dim) {
  double n = 0;
  for (int32_t d = 0; d < dim; ++d) n += double{row[d]} * row[d];
  return n;
}

void checkRows(const int32_t* ids, const float* rows, size_t count, int32_t dim) {
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] < 0) throw std::invalid_argument("ids[" + std::to_string(i) + "] must be an id in [0, 2147483647], got " + std::to_string(ids[i]));
    const float* row = rows + i * static_cast<size_t>(dim);
    for (int32_t d = 0; d < dim; ++d)
      if (!std::isfinite(row[d]))
        throw std::invalid_argument("vector " + std::to_string(i) + " (id " + std::to_string(ids[i]) + ") value " + std::to_string(d) +
                                    " must be finite, got " + std::to_string(row[d]));
  }
  std::vector<int32_t> sorted(ids, ids + count);
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end()) throw std::invalid_argument("id " + std::to_string(*twice) + " appears more than once in one add");
}

size_t bytesPerValue(Quantization q) { return q == Quantization::kF32 ? 4 : q == Quantization::kF16 ? 2 : 1; }



float encodeRow(const float* row, const IndexSettings& s, float normBound, float scale, float* unit, uint8_t* out) {
  const int32_t dim = s.storedDim();
  float inv = 1;
  double n = 0;
  if (s.metric == Metric::kCosine || normBound > 0) n = squaredNorm(row, s.dim);
  if (s.metric == Metric::kCosine) inv = n > 0 ? static_cast<float>(1.0 / std::sqrt(n)) : 0.0f;
  if (normBound > 0) inv = 1.0f / normBound;
  for (int32_t d = 0; d < s.dim; ++d) unit[d] = row[d] * inv;
  // The dot transform's added value: what brings a row to unit length (0 past R), 0 for a query.
  if (s.transformsDot()) unit[s.dim] = normBound > 0 ? static_cast<float>(std::sqrt(std::max(0.0, 1.0 - n / (double{normBound} * normBound)))) : 0.0f;
  switch (s.quantization) {
    case Quantization::kF32:
      std::memcpy(out, unit, static_cast<size_t>(dim) * 4);
      return 1;
    case Quantization::kF16: {
      uint16_t* h = reinterpret_cast<uint16_t*>(out);
      for (int32_t d = 0; d < dim; ++d) h[d] = floatToHalf(unit[d]);
      return 1;
    }
    case Quantization::kI8:
    default: {
      if (scale == 0) {
        float top = 0;
        for (int32_t d = 0; d < dim; ++d) top = std::max(top, std::fabs(unit[d]));
        scale = top > 0 ? 127.0f / top : 1.0f;
      }
      int8_t* q = reinterpret_cast<int8_t*>(out);
      for (int32_t d = 0; d < dim; ++d) q[d] = static_cast<int8_t>(std::lround(std::max(-127.0f, std::min(127.0f, unit[d] * scale))));
      return scale;
    }
  }
}

}  // namespace ann
}  // namespace w2v
