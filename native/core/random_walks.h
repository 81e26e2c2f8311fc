// Random walks on a Graph: DeepWalk (first order: the next node uniform among the current
// node's out-neighbours, or in proportion to the edges' weights) and node2vec (second order:
// biased by the return parameter p and the in-out parameter q). A trainer thread owns one
// RandomWalker (its generator and scratch) and writes walks into its own buffer; every walker
// of a graph shares one read-only WalkTables.
//
// node2vec (Grover & Leskovec, 2016): having come from t to v, the walk moves to x in N(v)
// with probability proportional to alpha(t, x) * w(v, x), where alpha = 1/p if x == t, 1 if
// x is an out-neighbour of t, 1/q otherwise. Drawn by rejection, as KnightKing (Yang et al.,
// SOSP 2019) does, in memory O(edges): propose x from the first-order distribution of v and
// accept it with probability alpha(t, x) / envelope. Per-edge alias tables, whose memory
// grows with the sum of the squared degrees, are what users of other node2vec
// implementations run out of memory on.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "alias_sampler.h"
#include "graph.h"
#include "random.h"

namespace w2v {

struct WalkConfig {
  /// Nodes per walk, the start included, in [1, kMaxWalkLength].
  int32_t walkLength = 80;
  /// node2vec's return (p) and in-out (q) parameters, in [kMinWalkBias, kMaxWalkBias];
  /// p == q == 1 is DeepWalk.
  double p = 1;
  double q = 1;
  /// Draw neighbours in proportion to the edges' weights (needs a weighted graph).
  bool weighted = false;
  uint64_t seed = 1;
  /// node2vec: proposals a step tries before it draws from the exact distribution, which
  /// costs O(degree(v) * log degree(t)). Either way the step's distribution is exact; the
  /// bound only keeps a step with a low acceptance rate from running long. 0: always exact.
  int32_t maxProposals = 64;
};

/// Throws std::invalid_argument naming the bad value.
void checkWalkConfig(const WalkConfig& config, const Graph& graph);

/// What every walker of one graph and configuration shares, read-only: the configuration, and
/// for weighted walks one alias table per node (8 bytes per stored edge, laid out like the
/// graph's targets) and, for node2vec, each node's total out-weight (8 bytes per node).
/// Keeps a reference to the graph, which must outlive it.
class WalkTables {
 public:
  /// Checks the configuration (checkWalkConfig) and builds the tables.
  WalkTables(const Graph& graph, const WalkConfig& config);

  const Graph& graph() const { return graph_; }
  const WalkConfig& config() const { return config_; }
  /// node2vec rather than DeepWalk (p or q other than 1).
  bool secondOrder() const { return config_.p != 1.0 || config_.q != 1.0; }
  /// Node v's alias table (degree(v) entries); weighted walks only.
  const AliasEntry* aliasTable(int32_t node) const { return alias_.data() + graph_.firstArc(node); }
  /// Sum of node v's out-weights; weighted node2vec walks only.
  double weightSum(int32_t node) const { return weightSums_[static_cast<size_t>(node)]; }
  size_t memoryBytes() const;

 private:
  const Graph& graph_;
  const WalkConfig config_;
  std::vector<AliasEntry> alias_;
  std::vector<double> weightSums_;
};

/// One thread's walker: its own generator and scratch over shared tables. Not thread-safe
/// itself; make one per thread.
class RandomWalker {
 public:
  /// `stream` tells walkers of one seed apart (e.g. the thread's index).
  RandomWalker(const WalkTables& tables, uint64_t stream);
  /// Restarts the generator on another stream of the same seed. Restarting on a walk's own
  /// index (WalkPlan::walkIndex) before each walk makes the walks the same whatever the
  /// number of threads.
  void restart(uint64_t stream);
  /// Writes one walk from `start` into out[0 ..) and returns its length: walkLength, or
  /// less when it reaches a node with no out-edges (a node with none gives a walk of one
  /// node). `out` must hold walkLength ids. Throws std::invalid_argument for a start outside
  /// [0, nodeCount).
  size_t walk(int32_t start, int32_t* out);

 private:
  int32_t firstOrderIndex(int32_t node, int32_t degree);
  int32_t secondOrderStep(int32_t previous, int32_t current);
  bool accepts(int32_t previous, int32_t candidate, double level) const;
  int32_t exactStep(int32_t previous, int32_t current);

  const WalkTables& tables_;
  const Graph& graph_;
  const bool weighted_;
  const bool secondOrder_;
  // node2vec's alphas: of the return step (1/p), of a step away from the previous node (1/q).
  const double alphaReturn_;
  const double alphaOutward_;
  /// Height of the rejection envelope: max(1, 1/q). A return step's alpha above it is drawn
  /// from its own region (KnightKing's outlier folding) rather than raising the envelope
  /// for every proposal.
  const double envelope_;
  /// Every candidate other than the previous node has at least this alpha: min(1, 1/q).
  const double lowestOtherAlpha_;
  Random rng_;
  std::vector<double> cumulative_;  // exactStep's scratch
};

}  // namespace w2v
