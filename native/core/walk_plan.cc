#include "walk_plan.h"

#include <stdexcept>
#include <string>

#include "w2v_limits.h"
#include "random.h"

namespace w2v {

namespace {

constexpr int kFeistelRounds = 4;

/// The Feistel round function: a 64-bit finaliser (splitmix64's) of the half and the key.
uint64_t roundFunction(uint64_t half, uint64_t key) {
  uint64_t z = half ^ key;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

WalkPlan::WalkPlan(int64_t nodeCount, int32_t walksPerNode, uint64_t seed) {
  if (nodeCount < 0 || nodeCount > kMaxGraphNodes)
    throw std::invalid_argument("nodeCount must be in [0, " + std::to_string(kMaxGraphNodes) + "], got " +
                                std::to_string(nodeCount));
  if (walksPerNode < 1 || walksPerNode > kMaxWalksPerNode)
    throw std::invalid_argument("walksPerNode must be an integer in [1, " + std::to_string(kMaxWalksPerNode) +
                                "], got " + std::to_string(walksPerNode));
  nodeCount_ = static_cast<int32_t>(nodeCount);
  rounds_ = walksPerNode;
  // The smallest even number of bits whose domain holds every node: the domain is under 4x
  // the nodes, so cycle walking takes under 4 permutations on average.
  int32_t bits = 1;
  while (bits < 62 && (uint64_t{1} << bits) < static_cast<uint64_t>(nodeCount)) ++bits;
  halfBits_ = (bits + 1) / 2;
  uint64_t state = seed;
  keys_.resize(static_cast<size_t>(rounds_) * kFeistelRounds);
  for (uint64_t& key : keys_) key = splitmix64(state);
}

uint64_t WalkPlan::permute(uint64_t x, const uint64_t* keys) const {
  const uint64_t mask = (uint64_t{1} << halfBits_) - 1;
  uint64_t left = x >> halfBits_, right = x & mask;
  for (int k = 0; k < kFeistelRounds; ++k) {
    const uint64_t next = left ^ (roundFunction(right, keys[k]) & mask);
    left = right;
    right = next;
  }
  return (left << halfBits_) | right;
}

int32_t WalkPlan::startNode(int32_t round, int32_t position) const {
  const uint64_t* keys = keys_.data() + static_cast<size_t>(round) * kFeistelRounds;
  // Cycle walking: a permutation of the larger domain, applied until it lands in
  // [0, nodeCount), is a permutation of [0, nodeCount).
  uint64_t x = static_cast<uint64_t>(position);
  do {
    x = permute(x, keys);
  } while (x >= static_cast<uint64_t>(nodeCount_));
  return static_cast<int32_t>(x);
}

WalkPlan::Range WalkPlan::share(int32_t thread, int32_t threads) const {
  if (threads < 1 || thread < 0 || thread >= threads)
    throw std::invalid_argument("thread must be in [0, threads), got thread " + std::to_string(thread) + " of " +
                                std::to_string(threads));
  const int64_t n = nodeCount_;
  return Range{static_cast<int32_t>(n * thread / threads), static_cast<int32_t>(n * (thread + 1) / threads)};
}

}  // namespace w2v
