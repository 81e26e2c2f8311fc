// The k best (lowest distance) of the (distance, id) pairs a search offers, kept in a max-heap
// on the worst kept: what both kinds of index use where they score rows themselves.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace w2v {
namespace ann {

struct BestK {
  size_t k = 0;
  std::vector<std::pair<float, uint64_t>> heap;

  void reset(size_t kk) {
    k = kk;
    heap.clear();
  }
  /// The worst distance kept (call when something is kept).
  float worst() const { return heap.front().first; }
  bool full() const { return heap.size() >= k; }
  void offer(float d, uint64_t id) {
    if (heap.size() < k) {
      heap.emplace_back(d, id);
      std::push_heap(heap.begin(), heap.end());
    } else if (d < heap.front().first) {
      std::pop_heap(heap.begin(), heap.end());
      heap.back() = {d, id};
      std::push_heap(heap.begin(), heap.end());
    }
  }
  /// The kept pairs, best first, into ids and distances (k entries each at least); returns how
  /// many. Empties the heap.
  template <typename Id>
  size_t finish(Id* ids, float* distances) {
    std::sort_heap(heap.begin(), heap.end());
    for (size_t i = 0; i < heap.size(); ++i) ids[i] = static_cast<Id>(heap[i].second), distances[i] = heap[i].first;
    const size_t n = heap.size();
    heap.clear();
    return n;
  }
};

}  // namespace ann
}  // namespace w2v
