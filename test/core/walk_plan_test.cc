// WalkPlan: every (node, round) once across any number of threads, rounds shuffled by seed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "w2v_limits.h"
#include "walk_plan.h"

using w2v::WalkPlan;

namespace {

/// Visits each thread's share of every round as a trainer's threads would; counts the
/// walks each (round, node) gets.
std::vector<int32_t> visits(const WalkPlan& plan, int32_t threads) {
  const size_t n = static_cast<size_t>(plan.nodeCount());
  std::vector<int32_t> count(n * static_cast<size_t>(plan.rounds()), 0);
  for (int32_t t = 0; t < threads; ++t) {
    const WalkPlan::Range share = plan.share(t, threads);
    for (int32_t round = 0; round < plan.rounds(); ++round)
      for (int32_t position = share.begin; position < share.end; ++position) {
        const int32_t node = plan.startNode(round, position);
        if (node < 0 || node >= plan.nodeCount()) {
          CHECK_MSG(false, "start node " << node << " out of range");
          return count;
        }
        ++count[static_cast<size_t>(round) * n + static_cast<size_t>(node)];
      }
  }
  return count;
}

}  // namespace

TEST(walk_plan_covers_each_node_and_round_once_for_any_threads) {
  for (int64_t nodes : {0, 1, 2, 3, 5, 17, 64, 65, 1000, 4097}) {
    const WalkPlan plan(nodes, 3, 99);
    CHECK_EQ(plan.walkCount(), nodes * 3);
    for (int32_t threads : {1, 2, 3, 7, 64}) {
      const std::vector<int32_t> count = visits(plan, threads);
      int64_t wrong = 0;
      for (int32_t c : count) wrong += c != 1;
      CHECK_MSG(wrong == 0, nodes << " nodes, " << threads << " threads: " << wrong << " (round, node) pairs not walked once");
    }
  }
}

TEST(walk_plan_shares_tile_the_round) {
  const WalkPlan plan(1000003, 1, 1);
  for (int32_t threads : {1, 2, 3, 16, 1024}) {
    int32_t expectedBegin = 0;
    int32_t smallest = plan.nodeCount(), largest = 0;
    for (int32_t t = 0; t < threads; ++t) {
      const WalkPlan::Range r = plan.share(t, threads);
      CHECK_EQ(r.begin, expectedBegin);
      expectedBegin = r.end;
      smallest = std::min(smallest, r.end - r.begin);
      largest = std::max(largest, r.end - r.begin);
    }
    CHECK_EQ(expectedBegin, plan.nodeCount());
    CHECK(largest - smallest <= 1);
  }
  CHECK_THROWS_AS(plan.share(2, 2), std::invalid_argument, "thread must be in [0, threads), got thread 2 of 2");
  CHECK_THROWS_AS(plan.share(0, 0), std::invalid_argument, "got thread 0 of 0");
}

TEST(walk_plan_order_is_shuffled_per_round_and_seeded) {
  const int32_t n = 10000;
  const WalkPlan plan(n, 3, 7), same(n, 3, 7), other(n, 3, 8);
  int64_t sameAsTwin = 0, sameAsOtherSeed = 0, sameAsNextRound = 0, fixedPoints = 0;
  double sumXY = 0;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t node = plan.startNode(0, i);
    sameAsTwin += node == same.startNode(0, i);
    sameAsOtherSeed += node == other.startNode(0, i);
    sameAsNextRound += node == plan.startNode(1, i);
    fixedPoints += node == i;
    sumXY += (i - (n - 1) / 2.0) * (node - (n - 1) / 2.0);
  }
  CHECK_EQ(sameAsTwin, int64_t{n});
  // A random permutation agrees with another at about one position, and Pearson's
  // correlation of position and node is about N(0, 1/n): here 5 standard errors.
  CHECK_MSG(sameAsOtherSeed <= 10, sameAsOtherSeed);
  CHECK_MSG(sameAsNextRound <= 10, sameAsNextRound);
  CHECK_MSG(fixedPoints <= 10, fixedPoints);
  const double variance = (static_cast<double>(n) * n - 1) / 12.0;
  const double correlation = sumXY / n / variance;
  CHECK_MSG(std::fabs(correlation) <= 5 / std::sqrt(static_cast<double>(n)), correlation);
}

TEST(walk_plan_walk_index_is_unique) {
  const WalkPlan plan(5, 4, 1);
  CHECK_EQ(plan.walkIndex(0, 0), int64_t{0});
  CHECK_EQ(plan.walkIndex(0, 4), int64_t{4});
  CHECK_EQ(plan.walkIndex(1, 0), int64_t{5});
  CHECK_EQ(plan.walkIndex(3, 4), int64_t{19});
  const WalkPlan big(w2v::kMaxGraphNodes, 2, 1);
  CHECK_EQ(big.walkIndex(1, 0), int64_t{2147483647});
  const int32_t last = big.startNode(1, w2v::kMaxGraphNodes - 1);
  CHECK(last >= 0 && last < big.nodeCount());
}

TEST(walk_plan_refuses_bad_sizes) {
  CHECK_THROWS_AS(WalkPlan(-1, 1, 1), std::invalid_argument, "nodeCount must be in [0, 2147483647], got -1");
  CHECK_THROWS_AS(WalkPlan(w2v::kMaxGraphNodes + 1, 1, 1), std::invalid_argument, "got 2147483648");
  CHECK_THROWS_AS(WalkPlan(10, 0, 1), std::invalid_argument, "walksPerNode must be an integer in [1, 100000], got 0");
  CHECK_THROWS_AS(WalkPlan(10, 100001, 1), std::invalid_argument, "got 100001");
}
