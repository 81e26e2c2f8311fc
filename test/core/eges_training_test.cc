// EgesTrainer (native/core/eges_trainer.h) end to end: planted groups of nodes whose random
// walks stay in their group and whose nodes share the group's attribute value; bad
// configurations and tables; cancellation; two threads; the factory's choice.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../../native/backends/backends.h"
#include "check.h"
#include "corpus.h"
#include "eges_trainer.h"
#include "random.h"
#include "weight_init.h"

using w2v::Chunk;
using w2v::EgesTrainer;
using w2v::SideInfoMode;
using w2v::TrainerConfig;
using w2v::TrainerTables;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int32_t kGroups = 4;
constexpr int32_t kGroupSize = 12;
constexpr int32_t kNodes = kGroups * kGroupSize;
constexpr int32_t kSlots = 2;
/// Slot 0 holds the group's value (0..3); slot 1 a value shared across groups (4..6), absent
/// for every third node.
constexpr int32_t kValues = kGroups + 3;
constexpr int32_t kWalkLength = 20;

/// Random walks that stay in one group (each step to another node of it, uniformly), and each
/// node's attributes.
struct WalkCorpus : testing_corpus::Corpus {
  std::vector<int32_t> attributeOf;
  static int32_t group(int32_t node) { return node / kGroupSize; }
};

WalkCorpus plantedWalks(int32_t walks, uint64_t seed) {
  WalkCorpus c;
  c.vocabSize = kNodes;
  c.groupSize = kGroupSize;
  w2v::Random rng(seed);
  for (int32_t w = 0; w < walks; ++w) {
    const int32_t g = static_cast<int32_t>(rng.below(kGroups));
    int32_t node = g * kGroupSize + static_cast<int32_t>(rng.below(kGroupSize));
    for (int32_t step = 0; step < kWalkLength; ++step) {
      c.tokens.push_back(node);
      node = g * kGroupSize + (node % kGroupSize + 1 + static_cast<int32_t>(rng.below(kGroupSize - 1))) % kGroupSize;
    }
    c.sentenceEnds.push_back(static_cast<int64_t>(c.tokens.size()));
  }
  for (int32_t v = 0; v < kNodes; ++v) {
    c.attributeOf.push_back(WalkCorpus::group(v));
    c.attributeOf.push_back(v % 3 == 2 ? -1 : kGroups + static_cast<int32_t>(rng.below(3)));
  }
  return c;
}

const WalkCorpus& planted() {
  static const WalkCorpus corpus = plantedWalks(1500, 7);
  return corpus;
}

TrainerConfig egesConfig(SideInfoMode mode, int32_t epochs, int64_t wordsPerEpoch) {
  TrainerConfig c;
  c.dim = 16;
  c.window = 5;
  c.negative = 5;
  c.epochs = epochs;
  c.threads = 1;
  c.seed = 1;
  c.alpha = 0.025;
  c.minAlpha = 0.0001;
  c.wordsPerEpoch = wordsPerEpoch;
  c.sideInfo = mode;
  c.attributeSlots = kSlots;
  c.attributeCount = kValues;
  return c;
}

TrainerTables egesTables(const WalkCorpus& c) {
  TrainerTables t;
  t.keepProbability.assign(kNodes, 1.0f);
  t.negativeWeights.assign(kNodes, 1.0);
  t.attributeOf = c.attributeOf;
  return t;
}

std::unique_ptr<EgesTrainer> train(const TrainerConfig& config, const WalkCorpus& c) {
  auto t = std::make_unique<EgesTrainer>(config, egesTables(c), kNodes);
  t->start();
  testing_corpus::pushAll(*t, c, config.epochs);
  t->join();
  return t;
}

double cosine(const float* a, const float* b, int32_t dim) {
  double ab = 0, aa = 0, bb = 0;
  for (int32_t i = 0; i < dim; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb + 1e-30);
}

/// Mean cosine of `vector` to the hidden vectors of group g's nodes (other than `skip`).
double meanCosineToGroup(const float* vector, const w2v::AlignedFloats& hidden, int32_t dim, int32_t g, int32_t skip) {
  double sum = 0;
  int32_t count = 0;
  for (int32_t u = g * kGroupSize; u < (g + 1) * kGroupSize; ++u) {
    if (u == skip) continue;
    sum += cosine(vector, hidden.data() + static_cast<size_t>(u) * dim, dim);
    ++count;
  }
  return sum / count;
}

/// Mean cosine of pairs of nodes in one group, and of pairs across groups.
void groupCosines(const w2v::AlignedFloats& hidden, int32_t dim, double& within, double& across) {
  within = across = 0;
  for (int32_t v = 0; v < kNodes; ++v) {
    const float* row = hidden.data() + static_cast<size_t>(v) * dim;
    double others = 0;
    for (int32_t g = 0; g < kGroups; ++g) {
      if (g == WalkCorpus::group(v)) within += meanCosineToGroup(row, hidden, dim, g, v);
      else others += meanCosineToGroup(row, hidden, dim, g, v);
    }
    across += others / (kGroups - 1);
  }
  within /= kNodes;
  across /= kNodes;
}

double largestAbs(const w2v::AlignedFloats& values) {
  double m = 0;
  for (size_t i = 0; i < values.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(values.data()[i])));
  return m;
}

/// Hidden vectors of one group are closer than across groups; the loss went down; every
/// walk's nodes were counted.
void checkLearnedGroups(EgesTrainer& t, const WalkCorpus& c, int32_t epochs) {
  double within, across;
  groupCosines(t.inputVectors(), t.dim(), within, across);
  CHECK_MSG(within > 0.5 && within > across + 0.4,
            "mean cosine within groups " << within << ", across groups " << across);
  testing_corpus::checkEpochStats(t, epochs, static_cast<int64_t>(c.tokens.size()));
  const w2v::Progress p = t.progress();
  CHECK_EQ(p.wordsDone, epochs * static_cast<int64_t>(c.tokens.size()));
  CHECK_NEAR(p.alpha, t.config().minAlpha, 0.01 * t.config().minAlpha);
  CHECK(t.error().empty());
}

}  // namespace

TEST(eges_trainer_learns_planted_groups_and_attribute_vectors) {
  const WalkCorpus& c = planted();
  const int32_t epochs = 5;
  const auto t = train(egesConfig(SideInfoMode::kEges, epochs, static_cast<int64_t>(c.tokens.size())), c);
  checkLearnedGroups(*t, c, epochs);
  CHECK_EQ(t->attributeVectors().size(), static_cast<size_t>(kValues * t->dim()));
  CHECK_EQ(t->attributeLogits().size(), static_cast<size_t>(kNodes * (kSlots + 1)));
  CHECK_MSG(largestAbs(t->attributeLogits()) > 0.01, "EGES left its logits at " << largestAbs(t->attributeLogits()));
  // Cold start: a node's attribute vectors alone (their mean, as for a node never seen) are
  // nearer its own group's nodes than any other group's.
  const int32_t dim = t->dim();
  std::vector<float> attributesOnly(static_cast<size_t>(dim));
  for (int32_t v = 0; v < kNodes; ++v) {
    std::fill(attributesOnly.begin(), attributesOnly.end(), 0.0f);
    for (int32_t slot = 0; slot < kSlots; ++slot) {
      const int32_t value = c.attributeOf[static_cast<size_t>(v * kSlots + slot)];
      if (value < 0) continue;
      for (int32_t i = 0; i < dim; ++i)
        attributesOnly[static_cast<size_t>(i)] += t->attributeVectors().data()[static_cast<size_t>(value * dim + i)];
    }
    const int32_t own = WalkCorpus::group(v);
    const double near = meanCosineToGroup(attributesOnly.data(), t->inputVectors(), dim, own, -1);
    for (int32_t g = 0; g < kGroups; ++g) {
      if (g == own) continue;
      const double far = meanCosineToGroup(attributesOnly.data(), t->inputVectors(), dim, g, -1);
      CHECK_MSG(near > far + 0.2, "node " << v << "'s attribute vector: cosine " << near << " to its group, " << far
                                          << " to group " << g);
    }
  }
}

TEST(ges_trainer_learns_planted_groups_and_keeps_uniform_weights) {
  const WalkCorpus& c = planted();
  const int32_t epochs = 5;
  const auto t = train(egesConfig(SideInfoMode::kGes, epochs, static_cast<int64_t>(c.tokens.size())), c);
  checkLearnedGroups(*t, c, epochs);
  CHECK_EQ(largestAbs(t->attributeLogits()), 0.0);
}

TEST(eges_trainer_two_threads_learn) {
  const WalkCorpus& c = planted();
  TrainerConfig config = egesConfig(SideInfoMode::kEges, 4, static_cast<int64_t>(c.tokens.size()));
  config.threads = 2;
  const auto t = train(config, c);
  checkLearnedGroups(*t, c, 4);
}

TEST(eges_trainer_single_thread_is_deterministic) {
  const WalkCorpus c = plantedWalks(200, 3);
  const TrainerConfig config = egesConfig(SideInfoMode::kEges, 2, static_cast<int64_t>(c.tokens.size()));
  const auto a = train(config, c);
  const auto b = train(config, c);
  auto same = [](w2v::AlignedFloats& x, w2v::AlignedFloats& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
  };
  CHECK(same(a->inputVectors(), b->inputVectors()));
  CHECK(same(a->attributeVectors(), b->attributeVectors()));
  CHECK(same(a->attributeLogits(), b->attributeLogits()));
  CHECK(same(a->outputVectors(), b->outputVectors()));
}

TEST(eges_trainer_input_vectors_are_hidden_vectors) {
  // No walk at all: the weights keep their start, so the closing pass must give
  // H_v = mean(W^0_v, present attributes) with the logits at zero (uniform weights).
  const WalkCorpus& c = planted();
  const TrainerConfig config = egesConfig(SideInfoMode::kEges, 1, 0);
  EgesTrainer t(config, egesTables(c), kNodes);
  t.start();
  t.close();
  t.join();
  const int32_t dim = config.dim;
  w2v::AlignedFloats ids(static_cast<size_t>(kNodes * dim));
  w2v::initInputVectors(ids, config.seed, dim);  // the original's start, as the trainer's
  for (int32_t v = 0; v < kNodes; ++v)
    for (int32_t i = 0; i < dim; ++i) {
      double sum = ids.data()[static_cast<size_t>(v * dim + i)];
      int32_t present = 1;
      for (int32_t slot = 0; slot < kSlots; ++slot) {
        const int32_t value = c.attributeOf[static_cast<size_t>(v * kSlots + slot)];
        if (value < 0) continue;
        sum += t.attributeVectors().data()[static_cast<size_t>(value * dim + i)];
        ++present;
      }
      CHECK_NEAR(t.inputVectors().data()[static_cast<size_t>(v * dim + i)], sum / present, 1e-7);
    }
}

TEST(eges_trainer_refuses_bad_configuration_and_tables) {
  const WalkCorpus& c = planted();
  const TrainerConfig good = egesConfig(SideInfoMode::kEges, 1, 100);
  auto refuses = [&](const TrainerConfig& config, const TrainerTables& tables, const std::string& message) {
    CHECK_THROWS_AS(EgesTrainer(config, tables, kNodes), std::invalid_argument, message);
  };
  TrainerConfig bad = good;
  bad.attributeSlots = 0;
  refuses(bad, egesTables(c), "attributeSlots must be an integer in [1, 64], got 0");
  bad.attributeSlots = 65;
  refuses(bad, egesTables(c), "attributeSlots must be an integer in [1, 64], got 65");
  bad = good;
  bad.attributeCount = -1;
  refuses(bad, egesTables(c), "attributeCount must be an integer in [0, 16777216], got -1");
  bad = good;
  bad.sideInfo = SideInfoMode::kNone;
  refuses(bad, egesTables(c), "EgesTrainer needs sideInfo eges or ges, got none");
  bad = good;
  bad.cbow = true;
  refuses(bad, egesTables(c), "sideInfo (EGES/GES) trains skip-gram with negative sampling only: cbow must be off");
  bad = good;
  bad.hs = true;
  bad.negative = 0;
  TrainerTables hsTables = egesTables(c);
  hsTables.huffmanOffsets.assign(kNodes + 1, 0);
  for (int32_t v = 0; v <= kNodes; ++v) hsTables.huffmanOffsets[static_cast<size_t>(v)] = v;
  hsTables.huffmanCodes.assign(kNodes, 0);
  hsTables.huffmanPoints.assign(kNodes, 0);
  refuses(bad, hsTables, "sideInfo (EGES/GES) trains skip-gram with negative sampling only: hs must be off");
  bad = good;
  bad.wholeSentenceWindow = true;
  refuses(bad, egesTables(c), "wholeSentenceWindow must be off");
  bad = good;
  bad.groupNegative = 2;
  TrainerTables grouped = egesTables(c);
  grouped.groupOf.assign(kNodes, 0);
  refuses(bad, grouped, "groupNegative must be 0, got 2");

  TrainerTables t = egesTables(c);
  t.attributeOf.pop_back();
  refuses(good, t, "attributeOf must have vocabSize x attributeSlots = 96 entries, got 95");
  t = egesTables(c);
  t.attributeOf.clear();
  refuses(good, t, "attributeOf must have vocabSize x attributeSlots = 96 entries, got 0");
  t = egesTables(c);
  t.attributeOf[13] = kValues;
  refuses(good, t, "attributeOf[13] (node 6, slot 1) must be -1 or an attribute id in [0, 7), got 7");
  t.attributeOf[13] = -2;
  refuses(good, t, "attributeOf[13] (node 6, slot 1) must be -1 or an attribute id in [0, 7), got -2");
  // The checks every trainer shares come first.
  bad = good;
  bad.dim = 0;
  refuses(bad, egesTables(c), "dim must be an integer in [1, 10000], got 0");
  // No attribute value at all is allowed (every slot absent: the id alone, DeepWalk).
  TrainerConfig none = good;
  none.attributeCount = 0;
  t = egesTables(c);
  std::fill(t.attributeOf.begin(), t.attributeOf.end(), -1);
  CHECK_NOTHROW(EgesTrainer(none, t, kNodes));
}

TEST(eges_trainer_refuses_sentence_context) {
  const WalkCorpus& c = planted();
  EgesTrainer t(egesConfig(SideInfoMode::kEges, 1, 100), egesTables(c), kNodes);
  t.start();
  Chunk chunk = testing_corpus::chunksOf(c, 0)[0];
  chunk.sentenceContext.assign(chunk.sentenceEnds.size(), 0);
  CHECK_THROWS_AS(t.tryPush(std::move(chunk)), std::invalid_argument,
                  "sentenceContext is not supported with sideInfo (EGES/GES)");
  t.close();
  t.join();
}

TEST(eges_trainer_cancel_stops_quickly) {
  const WalkCorpus& c = planted();
  TrainerConfig config = egesConfig(SideInfoMode::kEges, 100, static_cast<int64_t>(c.tokens.size()));
  config.threads = 2;
  std::atomic<int> done{0};
  EgesTrainer t(config, egesTables(c), kNodes);
  t.start(nullptr, nullptr, [&] { done.fetch_add(1); });
  std::string producerError;
  std::thread producer([&] {
    try {
      for (int32_t e = 0; e < config.epochs && !t.cancelled(); ++e)
        for (Chunk& chunk : testing_corpus::chunksOf(c, e)) t.push(std::move(chunk));  // dropped once cancelled
      t.close();
    } catch (const std::exception& e) {
      producerError = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto begin = Clock::now();
  t.cancel();
  CHECK_NOTHROW(t.join());
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
  CHECK_MSG(ms < 200, "join() took " << ms << " ms after cancel()");
  producer.join();
  CHECK_MSG(producerError.empty(), "the producer got: " << producerError);
  CHECK(t.cancelled());
  CHECK(t.error().empty());
  CHECK_EQ(done.load(), 1);
  CHECK(t.progress().wordsDone > 0);
  CHECK(t.progress().wordsDone < static_cast<int64_t>(config.epochs) * config.wordsPerEpoch);
  t.releaseWeights();
  CHECK(t.attributeVectors().empty() && t.attributeLogits().empty() && t.inputVectors().empty());
  CHECK_EQ(t.weightBytes(), static_cast<size_t>(0));
}

TEST(eges_factory_picks_the_cpu_side_information_trainer) {
  const WalkCorpus& c = planted();
  const TrainerConfig config = egesConfig(SideInfoMode::kGes, 1, 100);
  auto t = w2v::makeTrainer(w2v::TrainerDevice::kCpu, config, egesTables(c), kNodes);
  CHECK(dynamic_cast<EgesTrainer*>(t.get()) != nullptr);
  CHECK_EQ(t->attributeLogits().size(), static_cast<size_t>(kNodes * (kSlots + 1)));
  CHECK_EQ(t->weightBytes(), static_cast<size_t>((2 * kNodes * 16 + kValues * 16 + kNodes * (kSlots + 1)) * 4));
  CHECK_THROWS_AS(w2v::makeTrainer(w2v::TrainerDevice::kCuda, config, egesTables(c), kNodes), std::invalid_argument,
                  "device \"cuda\" does not support sideInfo (EGES/GES side information); train it with device \"cpu\"");
  // Without side information the word2vec trainer has no attribute weights.
  TrainerConfig plain = config;
  plain.sideInfo = SideInfoMode::kNone;
  auto word2vec = w2v::makeTrainer(w2v::TrainerDevice::kCpu, plain, egesTables(c), kNodes);
  CHECK(dynamic_cast<EgesTrainer*>(word2vec.get()) == nullptr);
  CHECK(word2vec->attributeVectors().empty() && word2vec->attributeLogits().empty());
}
