// Which walks make a corpus, and which thread makes each: walksPerNode rounds, each starting
// one walk from every node (isolated ones too: their walks of one node the trainer skips) in
// an order shuffled per round, so that the walks of a node do not come in runs and the
// learning rate's decay does not follow node ids. The order is a keyed permutation computed
// on demand (a Feistel network with cycle walking), so the plan holds no per-node memory,
// and threads need no shared state: thread t of T takes share(t, T) of every round.
#pragma once
#include <cstdint>
#include <vector>

namespace w2v {

class WalkPlan {
 public:
  /// Throws std::invalid_argument for nodeCount outside [0, kMaxGraphNodes] or walksPerNode
  /// outside [1, kMaxWalksPerNode].
  WalkPlan(int64_t nodeCount, int32_t walksPerNode, uint64_t seed);

  int32_t nodeCount() const { return nodeCount_; }
  int32_t rounds() const { return rounds_; }
  /// nodeCount * walksPerNode.
  int64_t walkCount() const { return static_cast<int64_t>(nodeCount_) * rounds_; }
  /// The start of round `round`'s walk at `position` in [0, nodeCount): over the positions
  /// of a round, every node exactly once.
  int32_t startNode(int32_t round, int32_t position) const;
  /// round * nodeCount + position: unique per walk, a stream for RandomWalker::restart.
  int64_t walkIndex(int32_t round, int32_t position) const {
    return static_cast<int64_t>(round) * nodeCount_ + position;
  }

  struct Range {
    int32_t begin;
    int32_t end;
  };
  /// Thread `thread` of `threads`' positions in every round, [begin, end): the shares of
  /// threads 0 .. threads-1 tile [0, nodeCount) in order. Throws std::invalid_argument unless
  /// 0 <= thread < threads.
  Range share(int32_t thread, int32_t threads) const;

 private:
  uint64_t permute(uint64_t x, const uint64_t* keys) const;

  int32_t nodeCount_;
  int32_t rounds_;
  int32_t halfBits_;  // the permuted domain is [0, 2^(2 * halfBits_))
  std::vector<uint64_t> keys_;  // kFeistelRounds per round of walks
};

}  // namespace w2v
