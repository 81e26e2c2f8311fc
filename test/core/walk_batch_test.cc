// makeWalks / packWalks / appendWalkLine: runs of a walk plan's walks, the same whatever the
// threads and however the plan is cut into runs; cancellation; the text form.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "graph.h"
#include "random_walks.h"
#include "walk_batch.h"
#include "walk_plan.h"

using w2v::Graph;
using w2v::GraphBuilder;
using w2v::GraphOptions;
using w2v::WalkConfig;
using w2v::WalkPlan;
using w2v::WalkTables;

namespace {

/// A ring of n nodes with chords i -> i + 3, and node n - 1 left with no out-edges when
/// directed (so some walks end early); weights vary.
Graph ringGraph(int32_t n, bool directed) {
  GraphBuilder builder;
  for (int32_t i = 0; i < n - 1; ++i) {
    const int32_t next = i + 1, chord = (i + 3) % n;
    const float w1 = 1.0f + static_cast<float>(i % 3), w2 = 0.5f;
    builder.add(&i, &next, &w1, 1);
    if (chord != n - 1 || !directed) builder.add(&i, &chord, &w2, 1);
  }
  GraphOptions options;
  options.directed = directed;
  options.weighted = true;
  return builder.build(n, options);
}

struct Walks {
  std::vector<int32_t> ids;
  std::vector<int32_t> lengths;
};

/// Every walk of the plan, made in runs of `run` walks on `threads` threads, packed.
Walks allWalks(const WalkTables& tables, const WalkPlan& plan, int64_t run, int32_t threads) {
  Walks all;
  const int32_t L = tables.config().walkLength;
  for (int64_t first = 0; first < plan.walkCount(); first += run) {
    const int64_t count = std::min(run, plan.walkCount() - first);
    std::vector<int32_t> out(static_cast<size_t>(count * L), -7), lengths(static_cast<size_t>(count));
    CHECK(w2v::makeWalks(tables, plan, first, count, threads, out.data(), lengths.data(), nullptr));
    const int64_t used = w2v::packWalks(out.data(), lengths.data(), count, L);
    all.ids.insert(all.ids.end(), out.begin(), out.begin() + used);
    all.lengths.insert(all.lengths.end(), lengths.begin(), lengths.end());
  }
  return all;
}

}  // namespace

TEST(walk_batch_same_walks_for_any_threads_and_runs) {
  for (bool directed : {false, true}) {
    const Graph g = ringGraph(37, directed);
    for (double q : {1.0, 0.5}) {
      WalkConfig config;
      config.walkLength = 9;
      config.q = q;
      config.weighted = true;
      config.seed = 11;
      const WalkTables tables(g, config);
      const WalkPlan plan(g.nodeCount(), 3, 5);
      const Walks reference = allWalks(tables, plan, plan.walkCount(), 1);
      CHECK_EQ(static_cast<int64_t>(reference.lengths.size()), plan.walkCount());
      int64_t shorter = 0, total = 0;
      for (int32_t length : reference.lengths) {
        shorter += length < 9;
        total += length;
      }
      CHECK_EQ(static_cast<int64_t>(reference.ids.size()), total);
      // The directed ring's last node has no out-edges: some walks end there.
      CHECK(directed ? shorter > 0 : shorter == 0);
      for (int32_t threads : {2, 3, 8}) {
        for (int64_t run : {int64_t{1}, int64_t{5}, int64_t{64}}) {
          const Walks other = allWalks(tables, plan, run, threads);
          CHECK_MSG(other.ids == reference.ids && other.lengths == reference.lengths,
                    "walks differ with " << threads << " threads in runs of " << run);
        }
      }
      // Each walk starts where the plan says and follows edges.
      size_t at = 0;
      for (int64_t w = 0; w < plan.walkCount(); ++w) {
        const int32_t n = plan.nodeCount();
        CHECK_EQ(reference.ids[at], plan.startNode(static_cast<int32_t>(w / n), static_cast<int32_t>(w % n)));
        for (int32_t i = 1; i < reference.lengths[static_cast<size_t>(w)]; ++i)
          CHECK(g.hasEdge(reference.ids[at + static_cast<size_t>(i) - 1], reference.ids[at + static_cast<size_t>(i)]));
        at += static_cast<size_t>(reference.lengths[static_cast<size_t>(w)]);
      }
    }
  }
}

TEST(walk_batch_cancel_and_bad_ranges) {
  const Graph g = ringGraph(10, false);
  WalkConfig config;
  config.walkLength = 4;
  const WalkTables tables(g, config);
  const WalkPlan plan(g.nodeCount(), 2, 1);
  std::vector<int32_t> out(80), lengths(20, -1);
  std::atomic<bool> cancel{true};
  CHECK(!w2v::makeWalks(tables, plan, 0, 20, 2, out.data(), lengths.data(), &cancel));
  CHECK_EQ(lengths[0], -1);
  CHECK(w2v::makeWalks(tables, plan, 20, 0, 1, out.data(), lengths.data(), nullptr));
  CHECK_THROWS_AS(w2v::makeWalks(tables, plan, 15, 6, 1, out.data(), lengths.data(), nullptr), std::invalid_argument,
                  "walks [15, 21) are not within the plan's 20 walks");
  CHECK_THROWS_AS(w2v::makeWalks(tables, plan, -1, 1, 1, out.data(), lengths.data(), nullptr), std::invalid_argument,
                  "not within");
  CHECK_THROWS_AS(w2v::makeWalks(tables, plan, 0, 1, 0, out.data(), lengths.data(), nullptr), std::invalid_argument,
                  "threads must be an integer in [1, 1024], got 0");
}

TEST(walk_batch_text_lines) {
  const int32_t walk[] = {2, 0, 11};
  std::string text;
  w2v::appendWalkLine(text, walk, 3, nullptr);
  w2v::appendWalkLine(text, walk, 1, nullptr);
  CHECK_EQ(text, std::string("2 0 11\n2\n"));
  const std::string bytes = "zeroonetwo";
  std::vector<int64_t> offsets(13, 10);
  offsets[0] = 0;
  offsets[1] = 4;
  offsets[2] = 7;
  const w2v::NodeNames names{bytes.data(), offsets.data()};
  text.clear();
  w2v::appendWalkLine(text, walk, 2, &names);
  CHECK_EQ(text, std::string("two zero\n"));
}
