// A graph for random walks, in compressed sparse rows (CSR): node v's out-neighbours are
// targets[offsets[v] .. offsets[v+1]), sorted by id, each once. Memory is about the edges'
// size: 8 bytes per node for the offsets, 4 per stored edge for the targets, 4 more for the
// weights of a weighted graph; never anything sized by the nodes squared. Immutable once
// built, so one Graph is shared by every walker thread without locks.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace w2v {

struct GraphOptions {
  /// Undirected graphs store each edge {a, b} both ways, a -> b and b -> a.
  bool directed = false;
  /// Keep the edges' weights (duplicates summed); otherwise weights are not stored.
  bool weighted = false;
  /// Keep edges a -> a; otherwise they are dropped.
  bool keepSelfLoops = false;
};

class Graph {
 public:
  /// A graph of no nodes.
  Graph();

  int32_t nodeCount() const { return static_cast<int32_t>(offsets_.size() - 1); }
  /// Stored (directed) edges: an undirected edge {a, b} with a != b counts twice, once each
  /// way; a self loop once.
  int64_t arcCount() const { return static_cast<int64_t>(targets_.size()); }
  /// Edges as the input names them after merging duplicates: an undirected edge once.
  int64_t edgeCount() const { return edgeCount_; }
  bool directed() const { return options_.directed; }
  bool weighted() const { return options_.weighted; }
  bool keepsSelfLoops() const { return options_.keepSelfLoops; }

  /// Out-degree (distinct out-neighbours; a kept self loop counts once).
  int32_t degree(int32_t node) const {
    return static_cast<int32_t>(offsets_[static_cast<size_t>(node) + 1] - offsets_[static_cast<size_t>(node)]);
  }
  /// Index of node's first out-edge in the arrays below.
  int64_t firstArc(int32_t node) const { return offsets_[static_cast<size_t>(node)]; }
  /// degree(node) out-neighbours, ascending.
  const int32_t* neighbours(int32_t node) const { return targets_.data() + firstArc(node); }
  /// degree(node) weights, one per neighbour; nullptr when the graph is unweighted.
  const float* weights(int32_t node) const {
    return options_.weighted ? weights_.data() + firstArc(node) : nullptr;
  }
  /// Position of `to` among from's neighbours, or -1 (binary search).
  int32_t findNeighbour(int32_t from, int32_t to) const;
  /// Whether the edge from -> to exists (for an undirected graph, either way).
  bool hasEdge(int32_t from, int32_t to) const { return findNeighbour(from, to) >= 0; }
  /// Weight of from -> to: 1 for an unweighted graph's edge, 0 where there is none.
  float edgeWeight(int32_t from, int32_t to) const;
  int32_t maxDegree() const { return maxDegree_; }
  /// Bytes of the arrays the graph holds.
  size_t memoryBytes() const;

 private:
  friend class GraphBuilder;
  GraphOptions options_;
  std::vector<int64_t> offsets_;
  std::vector<int32_t> targets_;
  std::vector<float> weights_;
  int64_t edgeCount_ = 0;
  int32_t maxDegree_ = 0;
};

/// Takes edges in chunks (as the TypeScript layer streams them, over dense node ids it
/// assigned) and builds the Graph. Holds the edges as given until build(): 8 bytes per edge,
/// 4 more once any chunk has weights.
class GraphBuilder {
 public:
  /// Appends `count` edges src[i] -> dst[i] with weight[i] (weight may be nullptr: each edge
  /// weighs 1). Checks the chunk before taking any of it: throws std::invalid_argument naming
  /// the edge's index in the input order (over all chunks) and the value, for a negative
  /// node id or one past kMaxGraphNodes, or a weight that is not finite and > 0.
  void add(const int32_t* src, const int32_t* dst, const float* weight, size_t count);
  /// Edges added so far.
  int64_t edgeCount() const { return static_cast<int64_t>(src_.size()); }
  /// Builds the graph over nodes [0, nodeCount) and empties the builder (also when the merge
  /// throws). Throws
  /// std::invalid_argument for a nodeCount outside [0, kMaxGraphNodes], an edge naming a
  /// node >= nodeCount (the first in input order), or duplicates whose summed weight
  /// overflows a float. Weights are read only when options.weighted.
  Graph build(int64_t nodeCount, const GraphOptions& options);

 private:
  std::vector<int32_t> src_;
  std::vector<int32_t> dst_;
  std::vector<float> weight_;  // empty until a chunk brings weights
};

}  // namespace w2v
