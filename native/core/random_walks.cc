#include "random_walks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "w2v_limits.h"
#include "arg_checks.h"

namespace w2v {

namespace {

/// Uniform in [0, 1) with 53 bits: the acceptance test compares against ratios as small as
/// kMinWalkBias / kMaxWalkBias, which 24 bits would round.
double unitFrom(uint64_t r) { return static_cast<double>(r >> 11) * 0x1.0p-53; }

uint64_t streamSeed(uint64_t seed, uint64_t stream) {
  uint64_t s = stream;
  return seed ^ splitmix64(s);
}

constexpr int32_t kMaxProposals = 1 << 20;

}  // namespace

void checkWalkConfig(const WalkConfig& c, const Graph& graph) {
  require(c.walkLength >= 1 && c.walkLength <= kMaxWalkLength,
          "walkLength must be an integer in [1, " + std::to_string(kMaxWalkLength) + "], got " +
              std::to_string(c.walkLength));
  const std::string range = "[" + str(kMinWalkBias) + ", " + str(kMaxWalkBias) + "]";
  require(c.p >= kMinWalkBias && c.p <= kMaxWalkBias, "p must be in " + range + ", got " + str(c.p));
  require(c.q >= kMinWalkBias && c.q <= kMaxWalkBias, "q must be in " + range + ", got " + str(c.q));
  require(!c.weighted || graph.weighted(), "weighted walks need a weighted graph");
  require(c.maxProposals >= 0 && c.maxProposals <= kMaxProposals,
          "maxProposals must be in [0, " + std::to_string(kMaxProposals) + "], got " + std::to_string(c.maxProposals));
}

WalkTables::WalkTables(const Graph& graph, const WalkConfig& config) : graph_(graph), config_(config) {
  checkWalkConfig(config, graph);
  if (!config.weighted) return;
  alias_.resize(static_cast<size_t>(graph.arcCount()));
  // Isolated nodes need no total: a graph of no edges keeps no per-node array.
  if (secondOrder() && graph.arcCount() > 0) weightSums_.assign(static_cast<size_t>(graph.nodeCount()), 0.0);
  std::vector<double> weights;
  for (int32_t v = 0; v < graph.nodeCount(); ++v) {
    const int32_t degree = graph.degree(v);
    if (degree == 0) continue;
    const float* w = graph.weights(v);
    weights.assign(w, w + degree);
    const AliasSampler table(weights);
    std::copy(table.entries(), table.entries() + degree, alias_.begin() + graph.firstArc(v));
    if (!weightSums_.empty()) {
      double sum = 0;
      for (double x : weights) sum += x;
      weightSums_[static_cast<size_t>(v)] = sum;
    }
  }
}

size_t WalkTables::memoryBytes() const {
  return alias_.capacity() * sizeof(AliasEntry) + weightSums_.capacity() * sizeof(double);
}

RandomWalker::RandomWalker(const WalkTables& tables, uint64_t stream)
    : tables_(tables),
      graph_(tables.graph()),
      weighted_(tables.config().weighted),
      secondOrder_(tables.secondOrder()),
      alphaReturn_(1.0 / tables.config().p),
      alphaOutward_(1.0 / tables.config().q),
      envelope_(std::max(1.0, alphaOutward_)),
      lowestOtherAlpha_(std::min(1.0, alphaOutward_)),
      rng_(streamSeed(tables.config().seed, stream)) {}

void RandomWalker::restart(uint64_t stream) { rng_ = Random(streamSeed(tables_.config().seed, stream)); }

int32_t RandomWalker::firstOrderIndex(int32_t node, int32_t degree) {
  const uint64_t r = rng_.next();
  if (weighted_) return aliasDraw(tables_.aliasTable(node), static_cast<uint32_t>(degree), r);
  return static_cast<int32_t>(belowFrom(r, static_cast<uint32_t>(degree)));
}

size_t RandomWalker::walk(int32_t start, int32_t* out) {
  if (start < 0 || start >= graph_.nodeCount())
    throw std::invalid_argument("walk start must be a node in [0, " + std::to_string(graph_.nodeCount()) +
                                "), got " + std::to_string(start));
  out[0] = start;
  const size_t length = static_cast<size_t>(tables_.config().walkLength);
  const int32_t startDegree = graph_.degree(start);
  if (length == 1 || startDegree == 0) return 1;
  // The first step has no previous node: first order whatever p and q.
  int32_t previous = start;
  int32_t current = graph_.neighbours(start)[firstOrderIndex(start, startDegree)];
  out[1] = current;
  for (size_t i = 2; i < length; ++i) {
    const int32_t degree = graph_.degree(current);
    if (degree == 0) return i;
    const int32_t next = secondOrder_ ? secondOrderStep(previous, current)
                                      : graph_.neighbours(current)[firstOrderIndex(current, degree)];
    out[i] = next;
    previous = current;
    current = next;
  }
  return length;
}

// Accepts candidate x (proposed in proportion to w(v, x)) with probability
// min(alpha(t, x), envelope) / envelope, `level` being uniform in [0, envelope).
bool RandomWalker::accepts(int32_t previous, int32_t candidate, double level) const {
  if (candidate == previous) return level < alphaReturn_;
  // Every other candidate's alpha is 1 or 1/q: below the smaller, no adjacency test needed.
  if (level < lowestOtherAlpha_) return true;
  return level < (graph_.hasEdge(previous, candidate) ? 1.0 : alphaOutward_);
}

int32_t RandomWalker::secondOrderStep(int32_t previous, int32_t current) {
  const int32_t degree = graph_.degree(current);
  const int32_t* neighbours = graph_.neighbours(current);
  if (degree == 1) return neighbours[0];  // the only candidate, whatever its alpha
  // The area under the target, alpha(t, x) * w(v, x) summed over x, is covered by the
  // proposal region (envelope * W(v)) plus, when the return step's alpha exceeds the
  // envelope, the return step's excess (1/p - envelope) * w(v, t): a dart in the excess
  // returns at once; one in the proposal region is an ordinary proposal.
  double proposalArea = 0, returnExcessArea = 0;
  if (alphaReturn_ > envelope_) {
    const int32_t at = graph_.findNeighbour(current, previous);
    if (at >= 0) {
      const double w = weighted_ ? graph_.weights(current)[at] : 1.0;
      returnExcessArea = (alphaReturn_ - envelope_) * w;
      proposalArea = envelope_ * (weighted_ ? tables_.weightSum(current) : static_cast<double>(degree));
    }
  }
  const int32_t maxProposals = tables_.config().maxProposals;
  for (int32_t proposal = 0; proposal < maxProposals; ++proposal) {
    if (returnExcessArea > 0 && unitFrom(rng_.next()) * (proposalArea + returnExcessArea) >= proposalArea)
      return previous;
    const int32_t candidate = neighbours[firstOrderIndex(current, degree)];
    if (accepts(previous, candidate, unitFrom(rng_.next()) * envelope_)) return candidate;
  }
  // Each proposal is accepted with the exact distribution, so after rejections an exact
  // draw keeps the step's distribution exact.
  return exactStep(previous, current);
}

int32_t RandomWalker::exactStep(int32_t previous, int32_t current) {
  const int32_t degree = graph_.degree(current);
  const int32_t* neighbours = graph_.neighbours(current);
  const float* weights = weighted_ ? graph_.weights(current) : nullptr;
  if (cumulative_.size() < static_cast<size_t>(degree)) cumulative_.resize(static_cast<size_t>(degree));
  double total = 0;
  for (int32_t i = 0; i < degree; ++i) {
    const int32_t x = neighbours[i];
    const double alpha = x == previous ? alphaReturn_ : graph_.hasEdge(previous, x) ? 1.0 : alphaOutward_;
    total += alpha * (weights != nullptr ? weights[i] : 1.0);
    cumulative_[static_cast<size_t>(i)] = total;
  }
  const double level = unitFrom(rng_.next()) * total;
  const double* begin = cumulative_.data();
  const double* end = begin + degree;
  const int32_t at = static_cast<int32_t>(std::upper_bound(begin, end, level) - begin);
  return neighbours[std::min(at, degree - 1)];
}

}  // namespace w2v
