// RandomWalker: the walks' distributions against node2vec's transition probabilities,
// computed here in double precision from the definition; directions, dead ends, seeds,
// memory and refused configurations.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "check.h"
#include "graph.h"
#include "w2v_limits.h"
#include "random.h"
#include "random_walks.h"

using w2v::Graph;
using w2v::GraphBuilder;
using w2v::GraphOptions;
using w2v::RandomWalker;
using w2v::WalkConfig;
using w2v::WalkTables;

namespace {

/// A small graph with triangles and a leaf, and its weights as a dense matrix.
struct SmallGraph {
  int32_t n = 8;
  Graph graph;
  std::vector<double> weight;  // weight[a * n + b] of the stored edge a -> b, 0 if none
  double w(int32_t a, int32_t b) const { return weight[static_cast<size_t>(a * n + b)]; }
};

SmallGraph makeSmallGraph(bool directed) {
  std::vector<std::tuple<int32_t, int32_t, float>> edges = {
      {0, 1, 1.0f}, {0, 2, 2.0f}, {1, 2, 0.5f}, {1, 3, 0.25f}, {2, 3, 3.0f},
      {3, 4, 1.0f}, {3, 5, 1.5f}, {4, 5, 4.0f}, {5, 6, 2.0f},  {6, 7, 1.0f}};
  if (directed) {
    // Some edges back, so that some steps can return and others cannot.
    const std::vector<std::tuple<int32_t, int32_t, float>> back = {{2, 0, 1.5f}, {3, 1, 2.0f}, {4, 3, 0.5f}, {5, 3, 1.0f},
                                                                   {5, 4, 2.0f}, {6, 5, 3.0f}, {7, 6, 1.0f}, {7, 2, 0.5f}};
    edges.insert(edges.end(), back.begin(), back.end());
  }
  SmallGraph s;
  s.weight.assign(static_cast<size_t>(s.n * s.n), 0.0);
  GraphBuilder builder;
  for (const auto& [a, b, w] : edges) {
    builder.add(&a, &b, &w, 1);
    s.weight[static_cast<size_t>(a * s.n + b)] += w;
    if (!directed) s.weight[static_cast<size_t>(b * s.n + a)] += w;
  }
  GraphOptions options;
  options.directed = directed;
  options.weighted = true;
  s.graph = builder.build(s.n, options);
  return s;
}

/// node2vec's P(x | t, v) from the definition: alpha(t, x) * w(v, x), normalised over x.
double transition(const SmallGraph& s, bool weighted, double p, double q, int32_t t, int32_t v, int32_t x) {
  const auto unnormalised = [&](int32_t y) {
    if (s.w(v, y) == 0) return 0.0;
    const double alpha = y == t ? 1 / p : s.w(t, y) > 0 ? 1.0 : 1 / q;
    return alpha * (weighted ? s.w(v, y) : 1.0);
  };
  double total = 0;
  for (int32_t y = 0; y < s.n; ++y) total += unnormalised(y);
  return unnormalised(x) / total;
}

double firstStep(const SmallGraph& s, bool weighted, int32_t t, int32_t v) {
  double total = 0;
  for (int32_t y = 0; y < s.n; ++y) total += s.w(t, y) > 0 ? (weighted ? s.w(t, y) : 1.0) : 0.0;
  return s.w(t, v) > 0 ? (weighted ? s.w(t, v) : 1.0) / total : 0.0;
}

/// `count` of `trials` is within 5 standard errors of trials * p (exact when p is 0 or 1).
/// Two counts more cover the Poisson tail where the expected count is below 1 and the normal
/// approximation fails (one draw of probability 5e-7 in 20000 trials happens 1% of the time).
bool binomialFits(int64_t count, int64_t trials, double p) {
  if (p <= 0) return count == 0;
  if (p >= 1) return count == trials;
  return std::fabs(static_cast<double>(count) - trials * p) <= 5 * std::sqrt(trials * p * (1 - p)) + 2;
}

/// Walks of three nodes from every node; checks the first step against the first-order
/// probabilities and the second against P(x | t, v).
void checkSecondStep(const SmallGraph& s, bool weighted, double p, double q, int32_t maxProposals, int64_t walksPerStart,
                     uint64_t seed) {
  WalkConfig config;
  config.walkLength = 3;
  config.p = p;
  config.q = q;
  config.weighted = weighted;
  config.seed = seed;
  config.maxProposals = maxProposals;
  const WalkTables tables(s.graph, config);
  RandomWalker walker(tables, 0);
  const size_t n = static_cast<size_t>(s.n);
  int failures = 0;
  for (int32_t t = 0; t < s.n; ++t) {
    std::vector<int64_t> first(n, 0), second(n * n, 0);
    int32_t out[3];
    int64_t short_walks = 0;
    for (int64_t i = 0; i < walksPerStart; ++i) {
      short_walks += walker.walk(t, out) != 3;
      ++first[static_cast<size_t>(out[1])];
      ++second[static_cast<size_t>(out[1]) * n + static_cast<size_t>(out[2])];
    }
    CHECK_EQ(short_walks, int64_t{0});
    for (int32_t v = 0; v < s.n; ++v) {
      const int64_t reached = first[static_cast<size_t>(v)];
      const double p1 = firstStep(s, weighted, t, v);
      if (!binomialFits(reached, walksPerStart, p1) && failures++ < 5)
        CHECK_MSG(false, "p " << p << " q " << q << ": first step " << t << " -> " << v << " taken " << reached << " of "
                              << walksPerStart << ", expected probability " << p1);
      for (int32_t x = 0; x < s.n; ++x) {
        const int64_t taken = second[static_cast<size_t>(v) * n + static_cast<size_t>(x)];
        const double p2 = reached == 0 ? 0 : transition(s, weighted, p, q, t, v, x);
        if (!binomialFits(taken, reached, p2) && failures++ < 5)
          CHECK_MSG(false, "p " << p << " q " << q << " maxProposals " << maxProposals << ": " << t << " -> " << v
                                << " -> " << x << " taken " << taken << " of " << reached << ", expected probability "
                                << p2);
      }
    }
  }
  CHECK_EQ(failures, 0);
}

const double kBiases[][2] = {{1, 1}, {0.25, 4}, {4, 0.25}, {2, 0.5}};

Graph randomGraph(int32_t n, int64_t edges, bool directed, bool weighted, uint64_t seed) {
  w2v::Random rng(seed);
  std::vector<int32_t> src, dst;
  std::vector<float> w;
  for (int64_t i = 0; i < edges; ++i) {
    src.push_back(static_cast<int32_t>(rng.below(static_cast<uint32_t>(n))));
    dst.push_back(static_cast<int32_t>(rng.below(static_cast<uint32_t>(n))));
    w.push_back(0.5f + rng.uniform());
  }
  GraphBuilder builder;
  builder.add(src.data(), dst.data(), w.data(), src.size());
  GraphOptions options;
  options.directed = directed;
  options.weighted = weighted;
  return builder.build(n, options);
}

std::vector<int32_t> walksFrom(RandomWalker& walker, int32_t nodes, int32_t length) {
  std::vector<int32_t> all, out(static_cast<size_t>(length));
  for (int32_t v = 0; v < nodes; ++v) {
    const size_t got = walker.walk(v, out.data());
    all.insert(all.end(), out.begin(), out.begin() + static_cast<long>(got));
    all.push_back(-1);
  }
  return all;
}

}  // namespace

TEST(walks_second_step_matches_node2vec_undirected) {
  const SmallGraph s = makeSmallGraph(false);
  for (bool weighted : {false, true})
    for (const auto& pq : kBiases) checkSecondStep(s, weighted, pq[0], pq[1], 64, 150000, 11);
}

TEST(walks_second_step_matches_node2vec_directed) {
  const SmallGraph s = makeSmallGraph(true);
  for (bool weighted : {false, true})
    for (const auto& pq : kBiases) checkSecondStep(s, weighted, pq[0], pq[1], 64, 150000, 12);
}

// After maxProposals rejections a step draws from the exact distribution: 0 proposals is that
// draw alone, 1 mixes both.
TEST(walks_second_step_exact_after_rejections) {
  for (bool directed : {false, true}) {
    const SmallGraph s = makeSmallGraph(directed);
    for (int32_t maxProposals : {0, 1})
      for (const auto& pq : {kBiases[1], kBiases[2]}) checkSecondStep(s, true, pq[0], pq[1], maxProposals, 100000, 13);
  }
}

TEST(walks_second_step_extreme_biases) {
  const SmallGraph s = makeSmallGraph(false);
  checkSecondStep(s, true, 1e-3, 1e3, 64, 100000, 14);
  checkSecondStep(s, true, 1e3, 1e-3, 64, 100000, 15);
  checkSecondStep(s, false, w2v::kMinWalkBias, w2v::kMaxWalkBias, 64, 20000, 16);
}

// A weighted graph walked without weights: uniform proposals, weights ignored.
TEST(walks_unweighted_walk_on_weighted_graph) {
  const SmallGraph s = makeSmallGraph(false);
  checkSecondStep(s, false, 1, 1, 64, 100000, 17);
  checkSecondStep(s, false, 0.25, 4, 64, 100000, 18);
}

TEST(walks_first_step_follows_weights) {
  // A star: node 0 to leaves 1..10 weighing 1..10, and a lighter heavy-tailed spread.
  GraphBuilder builder;
  std::vector<double> weights(11, 0.0);
  for (int32_t leaf = 1; leaf <= 10; ++leaf) {
    const float w = leaf == 10 ? 0.01f : static_cast<float>(leaf);
    const int32_t centre = 0;
    builder.add(&centre, &leaf, &w, 1);
    weights[static_cast<size_t>(leaf)] = w;
  }
  GraphOptions options;
  options.weighted = true;
  const Graph g = builder.build(11, options);
  double sum = 0;
  for (double w : weights) sum += w;
  for (const auto& pq : kBiases) {
    WalkConfig config;
    config.walkLength = 2;
    config.weighted = true;
    config.p = pq[0];
    config.q = pq[1];
    const WalkTables tables(g, config);
    RandomWalker walker(tables, 3);
    const int64_t walks = 1000000;
    std::vector<int64_t> counts(11, 0);
    int32_t out[2];
    for (int64_t i = 0; i < walks; ++i) {
      walker.walk(0, out);
      ++counts[static_cast<size_t>(out[1])];
    }
    for (size_t leaf = 0; leaf < 11; ++leaf)
      CHECK_MSG(binomialFits(counts[leaf], walks, weights[leaf] / sum),
                "leaf " << leaf << " drawn " << counts[leaf] << " times, expected probability " << weights[leaf] / sum);
  }
}

TEST(walks_follow_edges_and_directions) {
  for (bool directed : {false, true}) {
    const Graph g = randomGraph(500, 3000, directed, true, 21);
    for (const auto& pq : kBiases) {
      for (bool weighted : {false, true}) {
        WalkConfig config;
        config.walkLength = 40;
        config.p = pq[0];
        config.q = pq[1];
        config.weighted = weighted;
        const WalkTables tables(g, config);
        RandomWalker walker(tables, 1);
        std::vector<int32_t> out(40);
        int64_t bad = 0, shortButNotStuck = 0;
        for (int32_t v = 0; v < g.nodeCount(); ++v) {
          const size_t length = walker.walk(v, out.data());
          for (size_t i = 1; i < length; ++i) bad += !g.hasEdge(out[i - 1], out[i]);
          // A walk ends early only at a node with no out-edges.
          shortButNotStuck += length < 40 && g.degree(out[length - 1]) != 0;
        }
        CHECK_MSG(bad == 0, bad << " steps off the graph's edges (directed " << directed << ")");
        CHECK_EQ(shortButNotStuck, int64_t{0});
      }
    }
  }
}

TEST(walks_directed_never_go_backwards_and_stop_at_sinks) {
  // Edges only from lower to higher ids: every walk climbs and ends at a node with no
  // out-edges (node 4 and node 6 below).
  GraphBuilder builder;
  const int32_t src[] = {0, 0, 1, 2, 3, 1, 5};
  const int32_t dst[] = {1, 2, 2, 3, 4, 3, 6};
  builder.add(src, dst, nullptr, 7);
  GraphOptions options;
  options.directed = true;
  const Graph g = builder.build(7, options);
  for (const auto& pq : kBiases) {
    WalkConfig config;
    config.walkLength = 10;
    config.p = pq[0];
    config.q = pq[1];
    const WalkTables tables(g, config);
    RandomWalker walker(tables, 0);
    int32_t out[10];
    for (int i = 0; i < 20000; ++i) {
      const int32_t start = i % 7;
      const size_t length = walker.walk(start, out);
      bool climbing = true;
      for (size_t k = 1; k < length; ++k) climbing = climbing && out[k] > out[k - 1] && g.hasEdge(out[k - 1], out[k]);
      if (!CHECK_MSG(climbing, "walk from " << start << " went against an edge")) return;
      if (!CHECK(out[length - 1] == 4 || out[length - 1] == 6)) return;
    }
    CHECK_EQ(walker.walk(4, out), size_t{1});
    CHECK_EQ(out[0], 4);
    CHECK_EQ(walker.walk(6, out), size_t{1});
    CHECK_EQ(walker.walk(5, out), size_t{2});
  }
}

TEST(walks_of_length_one_and_from_isolated_nodes) {
  const SmallGraph s = makeSmallGraph(false);
  WalkConfig config;
  config.walkLength = 1;
  const WalkTables tables(s.graph, config);
  RandomWalker walker(tables, 0);
  int32_t out[1] = {-1};
  CHECK_EQ(walker.walk(3, out), size_t{1});
  CHECK_EQ(out[0], 3);
  const Graph isolated = GraphBuilder().build(3, GraphOptions());
  config.walkLength = 80;
  config.p = 0.5;
  const WalkTables isolatedTables(isolated, config);
  RandomWalker isolatedWalker(isolatedTables, 0);
  std::vector<int32_t> buffer(80, -1);
  CHECK_EQ(isolatedWalker.walk(2, buffer.data()), size_t{1});
  CHECK_EQ(buffer[0], 2);
  CHECK_EQ(buffer[1], -1);  // nothing written past the walk
}

TEST(walks_ten_million_isolated_nodes) {
  const Graph g = GraphBuilder().build(10000000, GraphOptions());
  CHECK_EQ(g.memoryBytes(), size_t{80000008});
  WalkConfig config;
  config.walkLength = 80;
  const WalkTables tables(g, config);
  CHECK_EQ(tables.memoryBytes(), size_t{0});
  RandomWalker walker(tables, 0);
  std::vector<int32_t> out(80);
  int64_t wrong = 0;
  for (int32_t v = 0; v < g.nodeCount(); ++v) wrong += walker.walk(v, out.data()) != 1 || out[0] != v;
  CHECK_EQ(wrong, int64_t{0});
}

TEST(walks_same_seed_same_walks) {
  const Graph g = randomGraph(300, 2000, false, true, 5);
  for (const auto& pq : kBiases) {
    WalkConfig config;
    config.walkLength = 20;
    config.p = pq[0];
    config.q = pq[1];
    config.weighted = true;
    config.seed = 42;
    const WalkTables tables(g, config);
    RandomWalker a(tables, 7), b(tables, 7), otherStream(tables, 8);
    const std::vector<int32_t> first = walksFrom(a, 300, 20);
    CHECK(first == walksFrom(b, 300, 20));
    CHECK(first != walksFrom(otherStream, 300, 20));
    a.restart(7);
    CHECK(first == walksFrom(a, 300, 20));
    config.seed = 43;
    const WalkTables otherTables(g, config);
    RandomWalker otherSeed(otherTables, 7);
    CHECK(first != walksFrom(otherSeed, 300, 20));
  }
}

TEST(walks_tables_memory) {
  const Graph g = randomGraph(1000, 5000, false, true, 9);
  WalkConfig config;
  CHECK_EQ(WalkTables(g, config).memoryBytes(), size_t{0});
  config.weighted = true;
  const size_t alias = static_cast<size_t>(g.arcCount()) * sizeof(w2v::AliasEntry);
  CHECK_EQ(sizeof(w2v::AliasEntry), size_t{8});
  CHECK_EQ(WalkTables(g, config).memoryBytes(), alias);
  config.p = 0.5;
  CHECK_EQ(WalkTables(g, config).memoryBytes(), alias + 1000 * sizeof(double));
}

TEST(walks_refuse_bad_configuration) {
  const SmallGraph s = makeSmallGraph(false);
  const auto refused = [&](WalkConfig c, const std::string& message) {
    CHECK_THROWS_AS(WalkTables(s.graph, c), std::invalid_argument, message);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  WalkConfig c;
  c.walkLength = 0;
  refused(c, "walkLength must be an integer in [1, 100000], got 0");
  c.walkLength = 100001;
  refused(c, "walkLength must be an integer in [1, 100000], got 100001");
  c = WalkConfig();
  c.p = 0;
  refused(c, "p must be in [1e-06, 1e+06], got 0");
  c.p = -1;
  refused(c, "p must be in [1e-06, 1e+06], got -1");
  c.p = nan;
  refused(c, "p must be in [1e-06, 1e+06], got nan");
  c = WalkConfig();
  c.q = 0;
  refused(c, "q must be in [1e-06, 1e+06], got 0");
  c.q = std::numeric_limits<double>::infinity();
  refused(c, "q must be in [1e-06, 1e+06], got inf");
  c = WalkConfig();
  c.maxProposals = -1;
  refused(c, "maxProposals must be in [0, 1048576], got -1");
  const Graph plain = GraphBuilder().build(2, GraphOptions());
  c = WalkConfig();
  c.weighted = true;
  CHECK_THROWS_AS(WalkTables(plain, c), std::invalid_argument, "weighted walks need a weighted graph");
  const WalkTables tables(s.graph, WalkConfig());
  RandomWalker walker(tables, 0);
  std::vector<int32_t> out(80);
  CHECK_THROWS_AS(walker.walk(-1, out.data()), std::invalid_argument, "walk start must be a node in [0, 8), got -1");
  CHECK_THROWS_AS(walker.walk(8, out.data()), std::invalid_argument, "walk start must be a node in [0, 8), got 8");
}
