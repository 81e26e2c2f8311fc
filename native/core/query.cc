#include "query.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "vector_math.h"

namespace w2v {

namespace {
// Heap order: the worst kept candidate on top.
bool worse(const Scored& a, const Scored& b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}
}  // namespace

std::vector<Scored> topKByDot(const float* matrix, int64_t rows, int32_t dim, const float* query,
                              int32_t k, const int32_t* exclude, int32_t excludeCount) {
  std::vector<Scored> heap;
  if (k <= 0 || rows <= 0) return heap;
  std::vector<int32_t> excluded(exclude, exclude + std::max(0, excludeCount));
  std::sort(excluded.begin(), excluded.end());
  const size_t keep = static_cast<size_t>(std::min<int64_t>(k, rows));
  heap.reserve(keep + 1);
  for (int64_t r = 0; r < rows; ++r) {
    const int32_t id = static_cast<int32_t>(r);
    const float s = dot(matrix + static_cast<size_t>(r) * dim, query, dim);
    if (std::isnan(s)) continue;
    if (heap.size() == keep && !(s > heap.front().score)) continue;
    if (!excluded.empty() && std::binary_search(excluded.begin(), excluded.end(), id)) continue;
    heap.push_back(Scored{id, s});
    std::push_heap(heap.begin(), heap.end(), worse);
    if (heap.size() > keep) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.pop_back();
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  return heap;
}

void normalizeRows(const float* matrix, int64_t rows, int32_t dim, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = matrix + static_cast<size_t>(r) * dim;
    float* o = out + static_cast<size_t>(r) * dim;
    const double n2 = dot(in, in, dim);
    const float inv = n2 > 0 ? static_cast<float>(1.0 / std::sqrt(n2)) : 0.0f;
    for (int32_t i = 0; i < dim; ++i) o[i] = in[i] * inv;
  }
}

}  // namespace w2v
