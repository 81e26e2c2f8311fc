#include "graph.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include "w2v_limits.h"
#include "arg_checks.h"

namespace w2v {

namespace {

std::string edgeName(int64_t index) { return "edge " + std::to_string(index); }

template <typename T>
void release(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

template <typename T>
void reserveFor(std::vector<T>& v, size_t size) {
  if (size > v.capacity()) v.reserve(std::max(size, 2 * v.capacity()));
}

/// Sorts one node's unweighted neighbours and drops repeats; returns how many remain.
int64_t mergeTargets(int32_t* targets, int64_t count) {
  std::sort(targets, targets + count);
  return std::unique(targets, targets + count) - targets;
}

/// Sorts one node's (neighbour, weight) pairs, sums the weights of repeats and writes the
/// merged lists to targets / weights; returns how many remain. `scratch` is reused.
int64_t mergeWeighted(int32_t node, const int32_t* inTargets, const float* inWeights, int64_t count,
                      int32_t* targets, float* weights, std::vector<std::pair<int32_t, float>>& scratch) {
  scratch.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) scratch[static_cast<size_t>(i)] = {inTargets[i], inWeights[i]};
  std::sort(scratch.begin(), scratch.end(),
            [](const std::pair<int32_t, float>& a, const std::pair<int32_t, float>& b) { return a.first < b.first; });
  int64_t out = 0;
  for (size_t i = 0; i < scratch.size();) {
    const int32_t target = scratch[i].first;
    double sum = 0;
    for (; i < scratch.size() && scratch[i].first == target; ++i) sum += scratch[i].second;
    if (!(sum <= FLT_MAX))
      throw std::invalid_argument("duplicate edges " + std::to_string(node) + " -> " + std::to_string(target) +
                                  " sum to a weight beyond a float's range, got " + str(sum));
    targets[out] = target;
    weights[out] = static_cast<float>(sum);
    ++out;
  }
  return out;
}

}  // namespace

Graph::Graph() : offsets_(1, 0) {}

int32_t Graph::findNeighbour(int32_t from, int32_t to) const {
  const int32_t* begin = neighbours(from);
  const int32_t* end = begin + degree(from);
  const int32_t* it = std::lower_bound(begin, end, to);
  return it != end && *it == to ? static_cast<int32_t>(it - begin) : -1;
}

float Graph::edgeWeight(int32_t from, int32_t to) const {
  const int32_t at = findNeighbour(from, to);
  if (at < 0) return 0.0f;
  return options_.weighted ? weights(from)[at] : 1.0f;
}

size_t Graph::memoryBytes() const {
  return offsets_.capacity() * sizeof(int64_t) + targets_.capacity() * sizeof(int32_t) +
         weights_.capacity() * sizeof(float);
}

void GraphBuilder::add(const int32_t* src, const int32_t* dst, const float* weight, size_t count) {
  const int64_t first = edgeCount();
  for (size_t i = 0; i < count; ++i) {
    if (src[i] < 0)
      throw std::invalid_argument(edgeName(first + static_cast<int64_t>(i)) + ": source node must be >= 0, got " +
                                  std::to_string(src[i]));
    if (dst[i] < 0)
      throw std::invalid_argument(edgeName(first + static_cast<int64_t>(i)) + ": target node must be >= 0, got " +
                                  std::to_string(dst[i]));
    if (weight != nullptr && !(std::isfinite(weight[i]) && weight[i] > 0.0f))
      throw std::invalid_argument(edgeName(first + static_cast<int64_t>(i)) + ": weight must be finite and > 0, got " +
                                  str(weight[i]));
  }
  // Room first, so that the appends below cannot throw and leave the arrays of unequal
  // lengths; growth stays geometric over many small chunks.
  const size_t total = src_.size() + count;
  const bool weights = weight != nullptr || !weight_.empty();
  reserveFor(src_, total);
  reserveFor(dst_, total);
  if (weights) reserveFor(weight_, total);
  // The first chunk with weights gives the earlier edges their implicit weight of 1.
  if (weight != nullptr && weight_.size() < src_.size()) weight_.resize(src_.size(), 1.0f);
  src_.insert(src_.end(), src, src + count);
  dst_.insert(dst_.end(), dst, dst + count);
  if (weight != nullptr) {
    weight_.insert(weight_.end(), weight, weight + count);
  } else if (!weight_.empty()) {
    weight_.resize(src_.size(), 1.0f);
  }
}

Graph GraphBuilder::build(int64_t nodeCount, const GraphOptions& options) {
  if (nodeCount < 0 || nodeCount > kMaxGraphNodes)
    throw std::invalid_argument("nodeCount must be in [0, " + std::to_string(kMaxGraphNodes) + "], got " +
                                std::to_string(nodeCount));
  const size_t edges = src_.size();
  for (size_t i = 0; i < edges; ++i) {
    if (src_[i] >= nodeCount)
      throw std::invalid_argument(edgeName(static_cast<int64_t>(i)) + ": source node must be in [0, " +
                                  std::to_string(nodeCount) + "), got " + std::to_string(src_[i]));
    if (dst_[i] >= nodeCount)
      throw std::invalid_argument(edgeName(static_cast<int64_t>(i)) + ": target node must be in [0, " +
                                  std::to_string(nodeCount) + "), got " + std::to_string(dst_[i]));
  }
  Graph g;
  g.options_ = options;
  const size_t n = static_cast<size_t>(nodeCount);
  std::vector<int64_t>& offsets = g.offsets_;
  offsets.assign(n + 1, 0);
  const auto kept = [&](size_t i) { return options.keepSelfLoops || src_[i] != dst_[i]; };
  const auto bothWays = [&](size_t i) { return !options.directed && src_[i] != dst_[i]; };
  for (size_t i = 0; i < edges; ++i) {
    if (!kept(i)) continue;
    ++offsets[static_cast<size_t>(src_[i]) + 1];
    if (bothWays(i)) ++offsets[static_cast<size_t>(dst_[i]) + 1];
  }
  for (size_t v = 0; v < n; ++v) offsets[v + 1] += offsets[v];

  // Scatter with offsets[v] as node v's cursor: afterwards offsets[v] is v's end, which
  // shifting by one turns back into starts.
  const bool weighted = options.weighted;
  std::vector<int32_t> targets(static_cast<size_t>(offsets[n]));
  std::vector<float> weights(weighted ? targets.size() : 0);
  for (size_t i = 0; i < edges; ++i) {
    if (!kept(i)) continue;
    const float w = weight_.empty() ? 1.0f : weight_[i];
    const int64_t a = offsets[static_cast<size_t>(src_[i])]++;
    targets[static_cast<size_t>(a)] = dst_[i];
    if (weighted) weights[static_cast<size_t>(a)] = w;
    if (bothWays(i)) {
      const int64_t b = offsets[static_cast<size_t>(dst_[i])]++;
      targets[static_cast<size_t>(b)] = src_[i];
      if (weighted) weights[static_cast<size_t>(b)] = w;
    }
  }
  for (size_t v = n; v > 0; --v) offsets[v] = offsets[v - 1];
  offsets[0] = 0;
  release(src_);
  release(dst_);
  release(weight_);

  // Sort and merge each node's list, compacting in place: a node's merged list is never
  // longer than its input, so writing never overtakes reading.
  std::vector<std::pair<int32_t, float>> scratch;
  int64_t write = 0, selfLoops = 0;
  int64_t begin = 0;
  for (size_t v = 0; v < n; ++v) {
    const int64_t end = offsets[v + 1];
    int32_t* out = targets.data() + write;
    int64_t merged;
    if (weighted) {
      merged = mergeWeighted(static_cast<int32_t>(v), targets.data() + begin, weights.data() + begin, end - begin, out,
                             weights.data() + write, scratch);
    } else {
      merged = mergeTargets(targets.data() + begin, end - begin);
      if (out != targets.data() + begin) std::copy(targets.data() + begin, targets.data() + begin + merged, out);
    }
    selfLoops += std::binary_search(out, out + merged, static_cast<int32_t>(v)) ? 1 : 0;
    g.maxDegree_ = std::max(g.maxDegree_, static_cast<int32_t>(merged));
    write += merged;
    begin = end;
    offsets[v + 1] = write;
  }
  targets.resize(static_cast<size_t>(write));
  targets.shrink_to_fit();
  weights.resize(weighted ? static_cast<size_t>(write) : 0);
  weights.shrink_to_fit();
  g.targets_ = std::move(targets);
  g.weights_ = std::move(weights);
  g.edgeCount_ = options.directed ? write : (write + selfLoops) / 2;
  return g;
}

}  // namespace w2v
