// Graph and GraphBuilder: the CSR layout, merging, options, memory, and refused input.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "check.h"
#include "graph.h"
#include "w2v_limits.h"
#include "random.h"

using w2v::Graph;
using w2v::GraphBuilder;
using w2v::GraphOptions;

namespace {

struct Edges {
  std::vector<int32_t> src, dst;
  std::vector<float> weight;
  void add(int32_t a, int32_t b, float w = 1.0f) {
    src.push_back(a);
    dst.push_back(b);
    weight.push_back(w);
  }
};

Graph buildGraph(const Edges& e, int64_t nodes, GraphOptions options, bool withWeights = true) {
  GraphBuilder builder;
  builder.add(e.src.data(), e.dst.data(), withWeights ? e.weight.data() : nullptr, e.src.size());
  return builder.build(nodes, options);
}

std::vector<int32_t> neighboursOf(const Graph& g, int32_t v) {
  return std::vector<int32_t>(g.neighbours(v), g.neighbours(v) + g.degree(v));
}

std::vector<float> weightsOf(const Graph& g, int32_t v) {
  return std::vector<float>(g.weights(v), g.weights(v) + g.degree(v));
}

GraphOptions options(bool directed, bool weighted, bool keepSelfLoops) {
  GraphOptions o;
  o.directed = directed;
  o.weighted = weighted;
  o.keepSelfLoops = keepSelfLoops;
  return o;
}

}  // namespace

TEST(graph_undirected_stores_both_ways_sorted) {
  Edges e;
  e.add(3, 1, 2.0f);
  e.add(0, 3, 0.5f);
  e.add(1, 0, 4.0f);
  e.add(3, 2, 1.0f);
  const Graph g = buildGraph(e, 5, options(false, true, false));
  CHECK_EQ(g.nodeCount(), 5);
  CHECK_EQ(g.edgeCount(), int64_t{4});
  CHECK_EQ(g.arcCount(), int64_t{8});
  CHECK(neighboursOf(g, 0) == (std::vector<int32_t>{1, 3}));
  CHECK(neighboursOf(g, 1) == (std::vector<int32_t>{0, 3}));
  CHECK(neighboursOf(g, 2) == (std::vector<int32_t>{3}));
  CHECK(neighboursOf(g, 3) == (std::vector<int32_t>{0, 1, 2}));
  CHECK(weightsOf(g, 3) == (std::vector<float>{0.5f, 2.0f, 1.0f}));
  CHECK(weightsOf(g, 0) == (std::vector<float>{4.0f, 0.5f}));
  CHECK_EQ(g.degree(4), 0);  // isolated
  CHECK_EQ(g.maxDegree(), 3);
  CHECK(g.hasEdge(1, 3) && g.hasEdge(3, 1) && !g.hasEdge(0, 2) && !g.hasEdge(4, 0) && !g.hasEdge(0, 0));
  CHECK_EQ(g.edgeWeight(1, 3), 2.0f);
  CHECK_EQ(g.edgeWeight(0, 2), 0.0f);
  CHECK_EQ(g.findNeighbour(3, 2), 2);
  CHECK_EQ(g.findNeighbour(3, 4), -1);
}

TEST(graph_directed_stores_one_way) {
  Edges e;
  e.add(0, 1);
  e.add(2, 0);
  e.add(0, 2);
  e.add(1, 2);
  const Graph g = buildGraph(e, 3, options(true, false, false));
  CHECK_EQ(g.edgeCount(), int64_t{4});
  CHECK_EQ(g.arcCount(), int64_t{4});
  CHECK(neighboursOf(g, 0) == (std::vector<int32_t>{1, 2}));
  CHECK(neighboursOf(g, 1) == (std::vector<int32_t>{2}));
  CHECK(neighboursOf(g, 2) == (std::vector<int32_t>{0}));
  CHECK(g.hasEdge(1, 2) && !g.hasEdge(2, 1));
  CHECK(g.weights(0) == nullptr);
  CHECK_EQ(g.edgeWeight(1, 2), 1.0f);
  CHECK_EQ(g.memoryBytes(), 4 * sizeof(int64_t) + 4 * sizeof(int32_t));
}

TEST(graph_duplicates_summed) {
  Edges e;
  e.add(0, 1, 1.5f);
  e.add(1, 0, 2.0f);  // the same undirected edge, the other way
  e.add(0, 1, 0.25f);
  e.add(2, 1, 1.0f);
  const Graph undirected = buildGraph(e, 3, options(false, true, false));
  CHECK_EQ(undirected.edgeCount(), int64_t{2});
  CHECK(neighboursOf(undirected, 0) == (std::vector<int32_t>{1}));
  CHECK(weightsOf(undirected, 0) == (std::vector<float>{3.75f}));
  CHECK(weightsOf(undirected, 1) == (std::vector<float>{3.75f, 1.0f}));
  const Graph directed = buildGraph(e, 3, options(true, true, false));
  CHECK_EQ(directed.edgeCount(), int64_t{3});
  CHECK(weightsOf(directed, 0) == (std::vector<float>{1.75f}));
  CHECK(weightsOf(directed, 1) == (std::vector<float>{2.0f}));
  // Unweighted: merged, no weights stored.
  const Graph plain = buildGraph(e, 3, options(false, false, false));
  CHECK(neighboursOf(plain, 1) == (std::vector<int32_t>{0, 2}));
  CHECK_EQ(plain.arcCount(), int64_t{4});
}

TEST(graph_self_loops_kept_or_dropped) {
  Edges e;
  e.add(1, 1, 2.0f);
  e.add(0, 1, 1.0f);
  e.add(1, 1, 3.0f);
  e.add(2, 2, 1.0f);
  const Graph dropped = buildGraph(e, 3, options(false, true, false));
  CHECK(neighboursOf(dropped, 1) == (std::vector<int32_t>{0}));
  CHECK_EQ(dropped.degree(2), 0);
  CHECK_EQ(dropped.edgeCount(), int64_t{1});
  const Graph kept = buildGraph(e, 3, options(false, true, true));
  CHECK(neighboursOf(kept, 1) == (std::vector<int32_t>{0, 1}));  // a self loop stored once
  CHECK(weightsOf(kept, 1) == (std::vector<float>{1.0f, 5.0f}));
  CHECK(neighboursOf(kept, 2) == (std::vector<int32_t>{2}));
  CHECK_EQ(kept.arcCount(), int64_t{4});
  CHECK_EQ(kept.edgeCount(), int64_t{3});
  const Graph keptDirected = buildGraph(e, 3, options(true, false, true));
  CHECK(neighboursOf(keptDirected, 1) == (std::vector<int32_t>{1}));
  CHECK_EQ(keptDirected.edgeCount(), int64_t{3});
}

TEST(graph_empty_and_isolated) {
  GraphBuilder builder;
  const Graph none = builder.build(0, GraphOptions());
  CHECK_EQ(none.nodeCount(), 0);
  CHECK_EQ(none.arcCount(), int64_t{0});
  const Graph defaulted;
  CHECK_EQ(defaulted.nodeCount(), 0);
  const Graph three = builder.build(3, options(false, true, false));
  for (int32_t v = 0; v < 3; ++v) CHECK_EQ(three.degree(v), 0);
  CHECK_EQ(three.maxDegree(), 0);
}

TEST(graph_chunks_weights_default_to_one) {
  GraphBuilder builder;
  const int32_t s1[] = {0, 1}, d1[] = {1, 2};
  const int32_t s2[] = {2, 0}, d2[] = {3, 1};
  const float w2[] = {4.0f, 0.5f};
  const int32_t s3[] = {3}, d3[] = {0};
  builder.add(s1, d1, nullptr, 2);
  builder.add(s2, d2, w2, 2);
  builder.add(s3, d3, nullptr, 1);
  CHECK_EQ(builder.edgeCount(), int64_t{5});
  const Graph g = builder.build(4, options(true, true, false));
  CHECK(weightsOf(g, 0) == (std::vector<float>{1.5f}));
  CHECK(weightsOf(g, 1) == (std::vector<float>{1.0f}));
  CHECK(weightsOf(g, 2) == (std::vector<float>{4.0f}));
  CHECK(weightsOf(g, 3) == (std::vector<float>{1.0f}));
  CHECK_EQ(builder.edgeCount(), int64_t{0});  // build empties the builder
}

// The CSR of a random multigraph (duplicates, both orders, self loops, in chunks) against a
// map-based reference.
TEST(graph_matches_reference_on_random_multigraph) {
  for (int variant = 0; variant < 4; ++variant) {
    const bool directed = (variant & 1) != 0, keepSelfLoops = (variant & 2) != 0;
    const int32_t n = 300;
    w2v::Random rng(17 + variant);
    Edges e;
    std::map<std::pair<int32_t, int32_t>, double> reference;
    for (int i = 0; i < 4000; ++i) {
      const int32_t a = static_cast<int32_t>(rng.below(n)), b = static_cast<int32_t>(rng.below(i % 7 == 0 ? 5 : n));
      const float w = 0.25f * static_cast<float>(1 + rng.below(8));
      e.add(a, b, w);
      if (a == b && !keepSelfLoops) continue;
      reference[{a, b}] += w;
      if (!directed && a != b) reference[{b, a}] += w;
    }
    GraphBuilder builder;
    for (size_t at = 0; at < e.src.size(); at += 333) {
      const size_t count = std::min<size_t>(333, e.src.size() - at);
      builder.add(e.src.data() + at, e.dst.data() + at, e.weight.data() + at, count);
    }
    const Graph g = builder.build(n, options(directed, true, keepSelfLoops));
    CHECK_EQ(g.arcCount(), static_cast<int64_t>(reference.size()));
    int64_t degreeSum = 0, mismatches = 0;
    auto it = reference.begin();
    for (int32_t v = 0; v < n; ++v) {
      degreeSum += g.degree(v);
      for (int32_t i = 0; i < g.degree(v); ++i, ++it) {
        const bool same = it != reference.end() && it->first.first == v && it->first.second == g.neighbours(v)[i] &&
                          std::fabs(it->second - g.weights(v)[i]) <= 1e-4;
        if (!same && mismatches++ < 3) CHECK_MSG(same, "variant " << variant << ", node " << v << ", neighbour " << i);
      }
    }
    CHECK_EQ(mismatches, int64_t{0});
    CHECK(it == reference.end());
    CHECK_EQ(degreeSum, g.arcCount());
    CHECK_EQ(g.memoryBytes(), (n + 1) * sizeof(int64_t) + static_cast<size_t>(g.arcCount()) * 8);
  }
}

TEST(graph_refuses_bad_weights_naming_the_edge) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const int32_t src[] = {0, 1, 2, 0}, dst[] = {1, 2, 0, 2};
  const struct {
    float bad;
    const char* message;
  } cases[] = {{-1.0f, "edge 6: weight must be finite and > 0, got -1"},
               {0.0f, "edge 6: weight must be finite and > 0, got 0"},
               {nan, "edge 6: weight must be finite and > 0, got nan"},
               {inf, "edge 6: weight must be finite and > 0, got inf"}};
  for (const auto& c : cases) {
    GraphBuilder builder;
    const float good[] = {1, 2, 3, 4};
    builder.add(src, dst, good, 4);
    const float weights[] = {1, 1, c.bad, 1};
    CHECK_THROWS_AS(builder.add(src, dst, weights, 4), std::invalid_argument, c.message);
    CHECK_EQ(builder.edgeCount(), int64_t{4});  // the refused chunk left nothing behind
  }
}

TEST(graph_refuses_node_ids_out_of_range) {
  {
    GraphBuilder builder;
    const int32_t src[] = {0, -3}, dst[] = {1, 1};
    CHECK_THROWS_AS(builder.add(src, dst, nullptr, 2), std::invalid_argument, "edge 1: source node must be >= 0, got -3");
    const int32_t src2[] = {0, 1}, dst2[] = {1, -1};
    CHECK_THROWS_AS(builder.add(src2, dst2, nullptr, 2), std::invalid_argument, "edge 1: target node must be >= 0, got -1");
  }
  GraphBuilder builder;
  const int32_t src[] = {0, 1, 2, 9}, dst[] = {1, 2, 10, 0};
  builder.add(src, dst, nullptr, 4);
  CHECK_THROWS_AS(builder.build(10, GraphOptions()), std::invalid_argument,
                  "edge 2: target node must be in [0, 10), got 10");
  GraphBuilder second;
  const int32_t src2[] = {0, 5}, dst2[] = {1, 0};
  second.add(src2, dst2, nullptr, 2);
  CHECK_THROWS_AS(second.build(5, GraphOptions()), std::invalid_argument, "edge 1: source node must be in [0, 5), got 5");
  // Refused before anything is allocated: the builder still holds its edges.
  CHECK_EQ(second.edgeCount(), int64_t{2});
  CHECK_EQ(second.build(6, GraphOptions()).edgeCount(), int64_t{2});
}

TEST(graph_refuses_node_count_beyond_the_limit) {
  GraphBuilder builder;
  CHECK_THROWS_AS(builder.build(-1, GraphOptions()), std::invalid_argument, "nodeCount must be in [0, 2147483647], got -1");
  CHECK_THROWS_AS(builder.build(w2v::kMaxGraphNodes + 1, GraphOptions()), std::invalid_argument,
                  "nodeCount must be in [0, 2147483647], got 2147483648");
}

TEST(graph_refuses_summed_weight_beyond_float) {
  GraphBuilder builder;
  const int32_t src[] = {0, 0}, dst[] = {1, 1};
  const float w[] = {3e38f, 3e38f};
  builder.add(src, dst, w, 2);
  CHECK_THROWS_AS(builder.build(2, options(true, true, false)), std::invalid_argument,
                  "duplicate edges 0 -> 1 sum to a weight beyond a float's range, got 6e+38");
}

// Ten million isolated nodes: the offsets alone, 8 bytes a node.
TEST(graph_ten_million_isolated_nodes) {
  GraphBuilder builder;
  const int64_t n = 10000000;
  const Graph g = builder.build(n, options(false, true, false));
  CHECK_EQ(g.nodeCount(), 10000000);
  CHECK_EQ(g.memoryBytes(), static_cast<size_t>(n + 1) * sizeof(int64_t));
  CHECK_EQ(g.degree(0), 0);
  CHECK_EQ(g.degree(9999999), 0);
  CHECK(!g.hasEdge(9999999, 0));
}
