// Trainer: configuration, table and chunk validation.
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

#include "check.h"
#include "corpus.h"
#include "group_sampler.h"
#include "random.h"
#include "trainer.h"

using w2v::Chunk;
using w2v::Trainer;
using w2v::TrainerConfig;
using w2v::TrainerTables;

namespace {

constexpr int32_t kVocab = 40;

TrainerConfig smallConfig() {
  TrainerConfig c;
  c.dim = 8;
  c.window = 2;
  c.negative = 3;
  c.epochs = 2;
  c.threads = 1;
  return c;
}

TrainerTables smallTables(bool hs = false) {
  testing_corpus::Corpus corpus = testing_corpus::plantedCorpus(2000, 1);
  return testing_corpus::tablesFor(corpus, hs);
}

void expectConfigError(const std::function<void(TrainerConfig&)>& edit, const std::string& message,
                       bool hsTables = false) {
  TrainerConfig c = smallConfig();
  edit(c);
  CHECK_THROWS_AS(Trainer(c, smallTables(hsTables), kVocab), std::invalid_argument, message);
}

void expectTablesError(const std::function<void(TrainerTables&)>& edit, const std::string& message, bool hs) {
  TrainerConfig c = smallConfig();
  c.hs = hs;
  TrainerTables t = smallTables(hs);
  edit(t);
  CHECK_THROWS_AS(Trainer(c, std::move(t), kVocab), std::invalid_argument, message);
}

Chunk chunk(std::vector<int32_t> tokens, std::vector<int64_t> ends, int32_t epoch = 0) {
  Chunk c;
  c.tokens = std::move(tokens);
  c.sentenceEnds = std::move(ends);
  c.epoch = epoch;
  return c;
}

}  // namespace

TEST(trainer_valid_configs_construct) {
  CHECK_NOTHROW(Trainer(smallConfig(), smallTables(), kVocab));
  TrainerConfig hs = smallConfig();
  hs.hs = true;
  hs.negative = 0;
  CHECK_NOTHROW(Trainer(hs, smallTables(true), kVocab));
  hs.negative = 2;
  CHECK_NOTHROW(Trainer(hs, smallTables(true), kVocab));
  TrainerConfig edges = smallConfig();
  edges.dim = 10000;
  edges.threads = 1024;
  edges.minAlpha = edges.alpha;
  CHECK_NOTHROW(Trainer(edges, smallTables(), kVocab));
  Trainer t(smallConfig(), smallTables(), kVocab);
  CHECK_EQ(t.inputVectors().size(), static_cast<size_t>(kVocab * 8));
  CHECK_EQ(t.outputVectors().size(), static_cast<size_t>(kVocab * 8));
  CHECK(t.hsVectors().empty());
  CHECK(t.state() == w2v::TrainerState::kCreated);
  // Input vectors start small and non-zero, output vectors at zero, as in the original.
  bool inRange = true, anyNonZero = false, outputZero = true;
  for (size_t i = 0; i < t.inputVectors().size(); ++i) {
    const float x = t.inputVectors().data()[i];
    inRange = inRange && std::fabs(x) <= 0.5f / 8;
    anyNonZero = anyNonZero || x != 0;
    outputZero = outputZero && t.outputVectors().data()[i] == 0.0f;
  }
  CHECK(inRange);
  CHECK(anyNonZero);
  CHECK(outputZero);
}

TEST(trainer_rejects_bad_config_values) {
  expectConfigError([](TrainerConfig& c) { c.dim = 0; }, "dim must be an integer in [1, 10000], got 0");
  expectConfigError([](TrainerConfig& c) { c.dim = 10001; }, "dim must be an integer in [1, 10000], got 10001");
  expectConfigError([](TrainerConfig& c) { c.window = 0; }, "window must be an integer in [1, 1000], got 0");
  expectConfigError([](TrainerConfig& c) { c.negative = -1; }, "negative must be an integer in [0, 1000], got -1");
  expectConfigError([](TrainerConfig& c) { c.negative = 0; }, "negative must be > 0 when hs is off, got 0");
  expectConfigError([](TrainerConfig& c) { c.threads = 0; }, "threads must be an integer in [1, 1024], got 0");
  expectConfigError([](TrainerConfig& c) { c.epochs = 0; }, "epochs must be an integer in [1, 100000], got 0");
  expectConfigError([](TrainerConfig& c) { c.alpha = std::nan(""); }, "alpha must be in (0, 10], got nan");
  expectConfigError([](TrainerConfig& c) { c.alpha = 0; }, "alpha must be in (0, 10], got 0");
  expectConfigError(
      [](TrainerConfig& c) {
        c.alpha = 0.025;
        c.minAlpha = 0.5;
      },
      "minAlpha must be in [0, alpha], got 0.5");
  expectConfigError([](TrainerConfig& c) { c.minAlpha = std::nan(""); }, "minAlpha must be in [0, alpha], got nan");
  expectConfigError([](TrainerConfig& c) { c.wordsPerEpoch = -1; }, "wordsPerEpoch must be >= 0, got -1");
  expectConfigError([](TrainerConfig& c) { c.queueCapacity = 4097; }, "queueCapacity must be in [0, 4096], got 4097");
  expectConfigError([](TrainerConfig& c) { c.progressIntervalMs = 0; },
                    "progressIntervalMs must be in [1, 3600000], got 0");
  CHECK_THROWS_AS(Trainer(smallConfig(), smallTables(), 0), std::invalid_argument,
                  "vocabulary size must be >= 1, got 0");
}

TEST(trainer_rejects_bad_tables) {
  expectTablesError([](TrainerTables& t) { t.keepProbability.pop_back(); },
                    "keepProbability must have one entry per word (40), got 39", false);
  expectTablesError([](TrainerTables& t) { t.keepProbability[3] = 1.5f; },
                    "keepProbability[3] must be in [0, 1], got 1.5", false);
  expectTablesError([](TrainerTables& t) { t.keepProbability[7] = std::nanf(""); },
                    "keepProbability[7] must be in [0, 1], got nan", false);
  expectTablesError([](TrainerTables& t) { t.keepProbability[0] = -0.1f; },
                    "keepProbability[0] must be in [0, 1], got -0.1", false);
  expectTablesError([](TrainerTables& t) { t.negativeWeights.resize(41, 1.0); },
                    "negativeWeights must have one entry per word (40), got 41", false);
  expectTablesError([](TrainerTables& t) { t.negativeWeights[2] = -1; },
                    "sampling weight 2 must be finite and >= 0", false);
  // Hierarchical softmax tables.
  expectTablesError([](TrainerTables& t) { t.huffmanOffsets.pop_back(); },
                    "huffmanOffsets must have vocabulary size + 1 entries (41), got 40", true);
  expectTablesError([](TrainerTables& t) { t.huffmanPoints[5] = 39; },
                    "huffmanPoints[5] must be in [0, 39), got 39", true);
  expectTablesError([](TrainerTables& t) { t.huffmanPoints[0] = -1; },
                    "huffmanPoints[0] must be in [0, 39), got -1", true);
  expectTablesError([](TrainerTables& t) { t.huffmanCodes[4] = 2; }, "huffmanCodes[4] must be 0 or 1, got 2", true);
  const size_t codeBits = smallTables(true).huffmanCodes.size();
  expectTablesError([](TrainerTables& t) { t.huffmanPoints.pop_back(); },
                    "huffmanCodes and huffmanPoints must have the same length, got " + std::to_string(codeBits) + " and " +
                        std::to_string(codeBits - 1),
                    true);
  expectTablesError([](TrainerTables& t) { t.huffmanOffsets[0] = 1; }, "huffmanOffsets[0] must be 0, got 1", true);
  expectTablesError(
      [](TrainerTables& t) {
        // Word 0's code grows to 65 bits.
        const int64_t extra = 65 - (t.huffmanOffsets[1] - t.huffmanOffsets[0]);
        t.huffmanCodes.insert(t.huffmanCodes.begin(), static_cast<size_t>(extra), 0);
        t.huffmanPoints.insert(t.huffmanPoints.begin(), static_cast<size_t>(extra), 0);
        for (size_t i = 1; i < t.huffmanOffsets.size(); ++i) t.huffmanOffsets[i] += extra;
      },
      "huffman code of word 0 must have 1..64 bits, got 65", true);
  expectTablesError([](TrainerTables& t) { t.huffmanOffsets[2] = t.huffmanOffsets[1]; },
                    "huffman code of word 1 must have 1..64 bits, got 0", true);
  expectTablesError([](TrainerTables& t) { t.huffmanOffsets.back() = t.huffmanOffsets[t.huffmanOffsets.size() - 2]; },
                    "huffman code of word 39 must have 1..64 bits, got 0", true);
  expectTablesError(
      [](TrainerTables& t) {
        t.huffmanCodes.push_back(0);
        t.huffmanPoints.push_back(0);
      },
      "huffmanOffsets must end at the code table's length (" + std::to_string(codeBits + 1) + "), got " +
          std::to_string(codeBits),
      true);
  // hs with no tables at all, and a one-word vocabulary.
  TrainerConfig hs = smallConfig();
  hs.hs = true;
  CHECK_THROWS_AS(Trainer(hs, smallTables(false), kVocab), std::invalid_argument,
                  "huffmanOffsets must have vocabulary size + 1 entries (41), got 0");
  TrainerTables one;
  one.keepProbability = {1.0f};
  one.negativeWeights = {1.0};
  CHECK_THROWS_AS(Trainer(hs, one, 1), std::invalid_argument, "hs needs a vocabulary of at least 2 words, got 1");
}

TEST(trainer_rejects_bad_chunks) {
  TrainerConfig c = smallConfig();
  Trainer t(c, smallTables(), kVocab);
  // Before start(): a valid chunk is refused with a logic error.
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2, 3}, {3})), std::logic_error, "trainer is not running");
  t.start();
  CHECK_THROWS_AS(t.start(), std::logic_error, "trainer already started");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 40, 3}, {3})), std::invalid_argument, "token id must be in [0, 40), got 40");
  CHECK_THROWS_AS(t.tryPush(chunk({1, -1, 3}, {3})), std::invalid_argument, "token id must be in [0, 40), got -1");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2, 3, 4}, {3, 2, 4})), std::invalid_argument,
                  "sentence ends must be non-decreasing and within the chunk (4 tokens), got 2");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2, 3, 4}, {2, 5})), std::invalid_argument,
                  "sentence ends must be non-decreasing and within the chunk (4 tokens), got 5");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2, 3, 4}, {-1, 4})), std::invalid_argument,
                  "sentence ends must be non-decreasing and within the chunk (4 tokens), got -1");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2, 3, 4}, {2, 3})), std::invalid_argument,
                  "the last sentence end must equal the chunk's token count (4), got 3");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2, 3, 4}, {})), std::invalid_argument,
                  "the last sentence end must equal the chunk's token count (4), got 0");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2}, {2}, -1)), std::invalid_argument, "chunk epoch must be in [0, 2), got -1");
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2}, {2}, 2)), std::invalid_argument, "chunk epoch must be in [0, 2), got 2");
  // Valid chunks, an empty sentence and an empty chunk included.
  CHECK_NOTHROW(t.push(chunk({1, 2, 3, 4}, {2, 2, 4}, 1)));
  CHECK_NOTHROW(t.push(chunk({}, {}, 0)));
  t.close();
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2}, {2})), std::logic_error, "trainer input is closed");
  CHECK_THROWS_AS(t.push(chunk({1, 2}, {2})), std::logic_error, "trainer input is closed");
  CHECK_NOTHROW(t.join());
  CHECK(t.state() == w2v::TrainerState::kFinished);
  CHECK(!t.cancelled());
  CHECK_EQ(t.progress().wordsDone, 4);
  CHECK_THROWS_AS(t.tryPush(chunk({1, 2}, {2})), std::logic_error, "trainer input is closed");
}

TEST(huffman_helper_matches_word2vec_tree) {
  // Sanity of the test's own Huffman tree: prefix code, Kraft sum 1, root first, and
  // rarer words never get shorter codes.
  const testing_corpus::Corpus c = testing_corpus::plantedCorpus(5000, 3);
  std::vector<int64_t> counts = c.counts;
  counts[0] = 4000;  // one very frequent word
  counts[1] = 1;     // one very rare word
  TrainerTables t;
  testing_corpus::buildHuffman(counts, t);
  const size_t v = counts.size();
  CHECK_EQ(t.huffmanOffsets.size(), v + 1);
  double kraft = 0;
  std::vector<std::string> codes;
  for (size_t w = 0; w < v; ++w) {
    const int64_t a = t.huffmanOffsets[w], b = t.huffmanOffsets[w + 1];
    CHECK(b > a);
    kraft += std::ldexp(1.0, -static_cast<int>(b - a));
    CHECK_EQ(t.huffmanPoints[static_cast<size_t>(a)], static_cast<int32_t>(v - 2));
    std::string code;
    for (int64_t k = a; k < b; ++k) {
      code += static_cast<char>('0' + t.huffmanCodes[static_cast<size_t>(k)]);
      CHECK(t.huffmanPoints[static_cast<size_t>(k)] >= 0 && t.huffmanPoints[static_cast<size_t>(k)] < static_cast<int32_t>(v - 1));
    }
    codes.push_back(code);
  }
  CHECK_NEAR(kraft, 1.0, 1e-12);
  for (size_t i = 0; i < v; ++i)
    for (size_t j = 0; j < v; ++j)
      if (i != j) CHECK(codes[j].compare(0, codes[i].size(), codes[i]) != 0 || codes[j].size() < codes[i].size());
  for (size_t i = 0; i < v; ++i)
    for (size_t j = 0; j < v; ++j)
      if (counts[i] > counts[j]) CHECK(codes[i].size() <= codes[j].size());
  // Two words: codes "0"/"1" at the single inner node 0.
  TrainerTables two;
  testing_corpus::buildHuffman({5, 3}, two);
  CHECK(two.huffmanOffsets == (std::vector<int64_t>{0, 1, 2}));
  CHECK(two.huffmanPoints == (std::vector<int32_t>{0, 0}));
  CHECK(two.huffmanCodes[0] != two.huffmanCodes[1]);
}

TEST(trainer_item2vec_settings_are_checked) {
  // Group negatives need groupOf with one valid entry per word.
  TrainerConfig c = smallConfig();
  c.groupNegative = 2;
  CHECK_THROWS_AS(Trainer(c, smallTables(), kVocab), std::invalid_argument,
                  "groupOf must have one entry per word (40), got 0");
  TrainerTables t = smallTables();
  t.groupOf.assign(kVocab, 0);
  t.groupOf[7] = -2;
  CHECK_THROWS_AS(Trainer(c, t, kVocab), std::invalid_argument, "groupOf[7] must be -1 or a group id in [0, 40), got -2");
  t.groupOf[7] = 40;
  CHECK_THROWS_AS(Trainer(c, t, kVocab), std::invalid_argument, "groupOf[7] must be -1 or a group id in [0, 40), got 40");
  c.groupNegative = 1001;
  CHECK_THROWS_AS(Trainer(c, t, kVocab), std::invalid_argument, "groupNegative must be in [0, 1000], got 1001");
  c.groupNegative = 2;
  c.cbow = true;
  t.groupOf[7] = 1;
  CHECK_THROWS_AS(Trainer(c, t, kVocab), std::invalid_argument, "groupNegative is for skip-gram with negative sampling only");
  TrainerConfig set = smallConfig();
  set.wholeSentenceWindow = true;
  set.hs = true;
  CHECK_THROWS_AS(Trainer(set, smallTables(true), kVocab), std::invalid_argument,
                  "wholeSentenceWindow is for skip-gram with negative sampling only");
  // A sentence context per sentence, each -1 or a word id.
  Trainer trainer(smallConfig(), smallTables(), kVocab);
  trainer.start();
  Chunk bad = chunk({1, 2, 3, 4}, {2, 4});
  bad.sentenceContext = {5};
  CHECK_THROWS_AS(trainer.tryPush(std::move(bad)), std::invalid_argument,
                  "sentenceContext must have one entry per sentence (2), got 1");
  Chunk outOfRange = chunk({1, 2, 3, 4}, {2, 4});
  outOfRange.sentenceContext = {5, 40};
  CHECK_THROWS_AS(trainer.tryPush(std::move(outOfRange)), std::invalid_argument,
                  "sentence context must be -1 or a word id in [0, 40), got 40");
  Chunk good = chunk({1, 2, 3, 4}, {2, 4});
  good.sentenceContext = {-1, 39};
  CHECK_NOTHROW(trainer.push(std::move(good)));
  trainer.close();
  CHECK_NOTHROW(trainer.join());
}

TEST(group_sampler_draws_within_the_group_by_weight) {
  // Words 0..9: group of i is i % 3, except word 9 (none); weights i + 1.
  std::vector<int32_t> groupOf = {0, 1, 2, 0, 1, 2, 0, 1, 2, -1};
  std::vector<double> weights;
  for (int i = 0; i < 10; ++i) weights.push_back(i + 1);
  const w2v::GroupSampler sampler(groupOf, weights);
  CHECK_EQ(sampler.groups(), 3);
  w2v::Random rng(3);
  for (int32_t g = 0; g < 3; ++g) {
    std::vector<int> hits(10, 0);
    const int draws = 200000;
    for (int n = 0; n < draws; ++n)
      ++hits[static_cast<size_t>(w2v::groupDraw(sampler.members(), sampler.offsets(), sampler.entries(), g, rng.next()))];
    double groupWeight = 0;
    for (int i = 0; i < 9; ++i)
      if (groupOf[static_cast<size_t>(i)] == g) groupWeight += weights[static_cast<size_t>(i)];
    for (int i = 0; i < 10; ++i) {
      const double expected = groupOf[static_cast<size_t>(i)] == g ? weights[static_cast<size_t>(i)] / groupWeight : 0.0;
      CHECK_NEAR(static_cast<double>(hits[static_cast<size_t>(i)]) / draws, expected, 0.01);
    }
  }
  CHECK_THROWS_AS(w2v::GroupSampler({0, 1}, {1.0}), std::invalid_argument, "groupOf must have one entry per word (1), got 2");
  // A bad weight is named by the word's index, not by its place in its group (found by
  // fuzz_samplers: word 3 was reported as "sampling weight 1").
  CHECK_THROWS_AS(w2v::GroupSampler({0, 1, 1, 1}, {1.0, 2.0, 3.0, -1.0}), std::invalid_argument,
                  "sampling weight 3 must be finite and >= 0, got -1");
  CHECK_THROWS_AS(w2v::GroupSampler({0, -1}, {1.0, std::nan("")}), std::invalid_argument,
                  "sampling weight 1 must be finite and >= 0, got nan");
}
