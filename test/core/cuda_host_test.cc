// The CUDA path's host side, on any machine: the counter-based draws, the upload layout, the
// batch builder, the kernel's algorithm (its host emulation) learning planted structure and
// matching a hand-computed update, the support checks and the factory's refusals.
#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include "../../native/backends/backends.h"
#include "../../native/cuda/cuda_trainer.h"
#include "check.h"
#include "corpus.h"
#include "cuda_emulation.h"

using namespace w2v::cuda;
using testing_corpus::Corpus;

namespace {

w2v::TrainerConfig plantedCudaConfig(const Corpus& c, int32_t epochs) {
  w2v::TrainerConfig config = testing_corpus::plantedConfig(c, epochs);
  config.sharedNegatives = true;
  return config;
}

w2v::Chunk chunkOf(std::vector<int32_t> tokens, std::vector<int64_t> ends, int32_t epoch = 0) {
  w2v::Chunk c;
  c.tokens = std::move(tokens);
  c.sentenceEnds = std::move(ends);
  c.epoch = epoch;
  return c;
}

}  // namespace

TEST(cuda_counter_random_is_a_pure_function_of_key_position_draw) {
  const uint64_t key = batchKey(7, 3);
  CHECK_EQ(counterRandom(key, 10, 2), counterRandom(key, 10, 2));
  CHECK(batchKey(7, 3) != batchKey(7, 4));
  CHECK(batchKey(7, 3) != batchKey(8, 3));
  std::set<uint64_t> seen;
  for (uint32_t p = 0; p < 100; ++p)
    for (uint32_t d = 0; d < 100; ++d) seen.insert(counterRandom(key, p, d));
  CHECK_EQ(seen.size(), static_cast<size_t>(10000));
}

TEST(cuda_reduced_span_is_uniform_over_1_to_window) {
  const int32_t window = 5;
  std::vector<int> counts(window + 1, 0);
  const int n = 200000;
  for (int i = 0; i < n; ++i) ++counts[static_cast<size_t>(reducedSpan(counterRandom(99, static_cast<uint32_t>(i), 0), window))];
  CHECK_EQ(counts[0], 0);
  for (int s = 1; s <= window; ++s) CHECK_NEAR(counts[static_cast<size_t>(s)] / static_cast<double>(n), 0.2, 0.005);
}

TEST(cuda_alias_pick_with_counter_draws_follows_the_weights) {
  const std::vector<double> weights = {8, 4, 2, 1, 1, 0, 16};
  const w2v::AliasSampler sampler(weights);
  std::vector<int> counts(weights.size(), 0);
  const int n = 400000;
  for (int i = 0; i < n; ++i)
    ++counts[static_cast<size_t>(aliasPick(sampler.entries(), sampler.size(), counterRandom(5, static_cast<uint32_t>(i), 1)))];
  for (size_t i = 0; i < weights.size(); ++i) CHECK_NEAR(counts[i] / static_cast<double>(n), weights[i] / 32.0, 0.004);
  CHECK_EQ(counts[5], 0);
}

TEST(cuda_gradient_is_clipped_at_max_exp_6_as_the_original) {
  CHECK_EQ(gradientScale(7.0f, 1.0f, false), 0.0f);
  CHECK_EQ(gradientScale(7.0f, 0.0f, false), -1.0f);
  CHECK_EQ(gradientScale(-7.0f, 1.0f, false), 1.0f);
  CHECK_EQ(gradientScale(-7.0f, 0.0f, false), 0.0f);
  CHECK_EQ(gradientScale(6.5f, 1.0f, true), 0.0f);  // hierarchical softmax: no update
  CHECK_EQ(gradientScale(-6.5f, 0.0f, true), 0.0f);
  CHECK_NEAR(gradientScale(1.0f, 1.0f, false), 1.0 - 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  CHECK_NEAR(gradientScale(-2.0f, 0.0f, true), -1.0 / (1.0 + std::exp(2.0)), 1e-6);
  CHECK_NEAR(lossTerm(1.0f, 1.0f), std::log1p(std::exp(-1.0)), 1e-6);
  CHECK_NEAR(lossTerm(1.0f, 0.0f), std::log1p(std::exp(1.0)), 1e-6);
  CHECK_EQ(lossTerm(7.0f, 1.0f), 0.0f);
  CHECK_EQ(lossTerm(7.0f, 0.0f), 7.0f);
}

TEST(cuda_upload_layout_is_fixed) {
  CHECK_EQ(sizeof(SliceDesc), static_cast<size_t>(24));
  CHECK_EQ(offsetof(SliceDesc, begin), static_cast<size_t>(0));
  CHECK_EQ(offsetof(SliceDesc, sentenceBegin), static_cast<size_t>(8));
  CHECK_EQ(offsetof(SliceDesc, alpha), static_cast<size_t>(16));
  CHECK_EQ(sizeof(w2v::AliasEntry), static_cast<size_t>(8));
  CHECK_EQ(offsetof(w2v::AliasEntry, alias), static_cast<size_t>(4));
  // ids (6 ints -> 32 bytes), kinds (6 bytes -> 16), 2 x 6 rows of 100 floats.
  CHECK_EQ(warpSharedBytes(6, 6, 100), static_cast<size_t>(32 + 16 + 4800));
  CHECK_EQ(tileRowsFor(6, 100, 16 * 1024), 6);
  // hs path of 40 + 1 + 15 negatives at dim 1024: 16 KB hold 1 row pair beside the ids.
  CHECK_EQ(tileRowsFor(56, 1024, 16 * 1024), 1);
  CHECK_EQ(tileRowsFor(56, 300, 16 * 1024), 6);
  CHECK(warpSharedBytes(56, 6, 300) <= 16 * 1024);
  CHECK(warpSharedBytes(56, 7, 300) > 16 * 1024);
}

TEST(cuda_batch_builder_slices_sentences_and_drops_single_words) {
  w2v::TrainerConfig config;
  config.epochs = 2;
  config.wordsPerEpoch = 1000;
  const std::vector<float> keep(10, 1.0f);
  BatchBuilder builder(config, keep);
  std::vector<int32_t> tokens(200);
  std::vector<SliceDesc> slices(20);
  builder.reset(tokens.data(), tokens.size(), slices.data(), slices.size());
  CHECK(builder.empty());
  // Sentences of 3, 1 and 70 words: the single word has no context and is dropped.
  std::vector<int32_t> ids;
  for (int i = 0; i < 74; ++i) ids.push_back(i % 10);
  CHECK_EQ(builder.add(chunkOf(ids, {3, 4, 74}, 1), 500), static_cast<int64_t>(74));
  CHECK_EQ(builder.epoch(), 1);
  CHECK_EQ(builder.rawWords(), static_cast<int64_t>(74));
  CHECK_EQ(builder.tokenCount(), static_cast<size_t>(73));
  if (!CHECK_EQ(builder.sliceCount(), static_cast<size_t>(4))) return;
  CHECK_EQ(tokens[2], 2);
  CHECK_EQ(tokens[3], 4);  // word 3 (the single-word sentence) is gone
  const SliceDesc& s0 = slices[0];
  CHECK_EQ(s0.begin, 0);
  CHECK_EQ(s0.end, 3);
  CHECK_EQ(s0.sentenceBegin, 0);
  CHECK_EQ(s0.sentenceEnd, 3);
  const int32_t expected[3][2] = {{3, 35}, {35, 67}, {67, 73}};
  for (int k = 0; k < 3; ++k) {
    const SliceDesc& s = slices[static_cast<size_t>(k) + 1];
    CHECK_EQ(s.begin, expected[k][0]);
    CHECK_EQ(s.end, expected[k][1]);
    CHECK_EQ(s.sentenceBegin, 3);
    CHECK_EQ(s.sentenceEnd, 73);
  }
  // Learning rate at each slice's first raw word, over epochs * wordsPerEpoch.
  CHECK_NEAR(s0.alpha, w2v::linearAlpha(config, 500), 1e-9);
  CHECK_NEAR(slices[1].alpha, w2v::linearAlpha(config, 504), 1e-9);
  CHECK_NEAR(slices[2].alpha, w2v::linearAlpha(config, 536), 1e-9);
  CHECK(slices[3].alpha < slices[2].alpha);
}

TEST(cuda_batch_builder_capacity_and_epochs) {
  w2v::TrainerConfig config;
  config.wordsPerEpoch = 100;
  const std::vector<float> keep(10, 1.0f);
  BatchBuilder builder(config, keep);
  std::vector<int32_t> tokens(10);
  std::vector<SliceDesc> slices(4);
  builder.reset(tokens.data(), tokens.size(), slices.data(), slices.size());
  const w2v::Chunk six = chunkOf({1, 2, 3, 4, 5, 6}, {6});
  CHECK(builder.fits(six));
  builder.add(six, 0);
  CHECK(!builder.fits(six));  // 12 tokens > 10
  CHECK_THROWS_AS(builder.add(six, 0), std::logic_error, "does not fit the batch");
  CHECK_THROWS_AS(builder.add(chunkOf({1, 2}, {2}, 1), 0), std::logic_error, "a batch holds one epoch");
  builder.reset(tokens.data(), tokens.size(), slices.data(), slices.size());
  CHECK(builder.empty());
  CHECK_EQ(builder.epoch(), -1);
}

TEST(cuda_batch_builder_subsamples_by_keep_probability) {
  w2v::TrainerConfig config;
  config.wordsPerEpoch = 100000;
  std::vector<float> keep = {0.0f, 0.5f, 1.0f};
  BatchBuilder builder(config, keep);
  std::vector<int32_t> ids;
  for (int i = 0; i < 30000; ++i) ids.push_back(i % 3);
  std::vector<int32_t> tokens(ids.size());
  std::vector<SliceDesc> slices(BatchBuilder::slicesNeeded(ids.size(), 1));
  builder.reset(tokens.data(), tokens.size(), slices.data(), slices.size());
  builder.add(chunkOf(ids, {static_cast<int64_t>(ids.size())}), 0);
  std::map<int32_t, int> counts;
  for (size_t i = 0; i < builder.tokenCount(); ++i) ++counts[tokens[i]];
  CHECK_EQ(counts[0], 0);
  CHECK_NEAR(counts[1], 5000, 300);
  CHECK_EQ(counts[2], 10000);
  CHECK_EQ(builder.rawWords(), static_cast<int64_t>(30000));
}

// Skip-gram on a 2-word vocabulary with hierarchical softmax (one inner node, codes 0 and
// 1), sentence "0 1", window 1: every draw is irrelevant, so the update can be written out.
TEST(cuda_emulated_kernel_matches_a_hand_computed_update) {
  w2v::TrainerConfig config;
  config.dim = 3;
  config.window = 1;
  config.negative = 0;
  config.hs = true;
  config.epochs = 1;
  config.wordsPerEpoch = 2;
  config.alpha = 0.5;
  config.minAlpha = 0.5;
  w2v::TrainerTables tables;
  tables.keepProbability = {1.0f, 1.0f};
  tables.huffmanCodes = {0, 1};
  tables.huffmanPoints = {0, 0};
  tables.huffmanOffsets = {0, 1, 2};
  cuda_emulation::Model model(config, tables, 2);
  const std::vector<float> in0(model.syn0.data(), model.syn0.data() + 3), in1(model.syn0.data() + 3, model.syn0.data() + 6);
  BatchBuilder builder(config, model.tables.keepProbability);
  cuda_emulation::Batch batch = cuda_emulation::buildBatch(builder, {chunkOf({0, 1}, {2})}, 0);
  KernelArgs args = model.args;
  BatchCounters counters{0, 0, 0};
  args.tokens = batch.tokens.data();
  args.slices = batch.slices.data();
  args.sliceCount = static_cast<int32_t>(batch.slices.size());
  args.key = 1;
  args.counters = &counters;
  referenceTrainBatch(args);

  // Centre 0 (code 0: label 1), context word 1: node row u = 0, so f = 0, g = 0.5 * 0.5.
  const float g1 = 0.25f;
  std::vector<float> u(3), e0 = in0, e1 = in1;
  for (int i = 0; i < 3; ++i) u[i] = g1 * in1[i];  // in1 unchanged: its gradient g1 * 0
  // Centre 1 (code 1: label 0), context word 0: f = in0 . u.
  float f = 0;
  for (int i = 0; i < 3; ++i) f += in0[i] * u[i];
  const float g2 = (0.0f - 1.0f / (1.0f + std::exp(-f))) * 0.5f;
  for (int i = 0; i < 3; ++i) {
    e0[i] = in0[i] + g2 * u[i];
    u[i] += g2 * in0[i];
  }
  for (int i = 0; i < 3; ++i) {
    CHECK_NEAR(model.syn0.data()[i], e0[i], 1e-7);
    CHECK_NEAR(model.syn0.data()[3 + i], e1[i], 1e-7);
    CHECK_NEAR(model.syn1.data()[i], u[i], 1e-7);
  }
  CHECK_EQ(counters.predictions, 2ULL);
  // Per centre: the node row loaded and written back, the context row read and written.
  CHECK_EQ(counters.rowsMoved, 8ULL);
  CHECK_NEAR(counters.loss, std::log(2.0) + std::log1p(std::exp(f)), 1e-6);
}

TEST(cuda_emulated_kernel_learns_planted_groups) {
  static const Corpus c = testing_corpus::plantedCorpus(200000, 2024);
  struct Variant {
    const char* name;
    bool cbow, hs, shared;
    int32_t negative;
  };
  const Variant variants[] = {
      {"skip-gram, shared negatives", false, false, true, 5},
      {"skip-gram, negatives per pair", false, false, false, 5},
      {"cbow", true, false, true, 5},
      {"skip-gram, hs", false, true, true, 0},
      {"cbow, hs + negatives", true, true, true, 3},
  };
  for (const Variant& v : variants) {
    w2v::TrainerConfig config = plantedCudaConfig(c, 3);
    config.cbow = v.cbow;
    config.hs = v.hs;
    config.negative = v.negative;
    config.sharedNegatives = v.shared;
    if (v.cbow) config.alpha = 0.05;
    cuda_emulation::Model model(config, testing_corpus::tablesFor(c, v.hs), c.vocabSize);
    const BatchCounters totals = cuda_emulation::train(model, config, c);
    const int32_t recall = cuda_emulation::worstGroupRecall(model.syn0.data(), c.vocabSize, config.dim, c);
    CHECK_MSG(recall >= 8, v.name << ": worst group recall " << recall << " of 9");
    CHECK_MSG(totals.predictions > 0 && std::isfinite(totals.loss), v.name);
  }
}

// Targets that do not fit a warp's shared memory are trained in tiles. CBOW's targets meet
// one fixed hidden row, so with distinct targets (hs only: a path never repeats a node) tiles
// of 2 rows give exactly what one tile gives. Skip-gram's context rows change between tiles
// (and a repeated negative in a later tile sees the earlier one's update): there, tiling must
// still learn the planted groups, and costs a read and write of each context row per tile.
TEST(cuda_emulated_kernel_tiles) {
  static const Corpus c = testing_corpus::plantedCorpus(200000, 7);
  {
    w2v::TrainerConfig config = plantedCudaConfig(c, 1);
    config.cbow = true;
    config.hs = true;
    config.negative = 0;
    cuda_emulation::Model whole(config, testing_corpus::tablesFor(c, true), c.vocabSize);
    cuda_emulation::Model tiled(config, testing_corpus::tablesFor(c, true), c.vocabSize);
    CHECK(whole.args.tileRows == whole.args.maxTargets && whole.args.maxTargets > 2);
    tiled.args.tileRows = 2;
    const BatchCounters a = cuda_emulation::train(whole, config, c);
    const BatchCounters b = cuda_emulation::train(tiled, config, c);
    CHECK_EQ(a.predictions, b.predictions);
    CHECK_EQ(a.rowsMoved, b.rowsMoved);
    size_t different = 0;
    for (size_t i = 0; i < whole.syn0.size(); ++i) different += whole.syn0.data()[i] != tiled.syn0.data()[i];
    CHECK_EQ(different, static_cast<size_t>(0));
  }
  {
    w2v::TrainerConfig config = plantedCudaConfig(c, 3);
    config.hs = true;
    config.negative = 7;
    cuda_emulation::Model whole(config, testing_corpus::tablesFor(c, true), c.vocabSize);
    cuda_emulation::Model tiled(config, testing_corpus::tablesFor(c, true), c.vocabSize);
    tiled.args.tileRows = 2;
    const BatchCounters a = cuda_emulation::train(whole, config, c);
    const BatchCounters b = cuda_emulation::train(tiled, config, c);
    CHECK_EQ(a.predictions, b.predictions);
    CHECK(b.rowsMoved > a.rowsMoved);
    CHECK(cuda_emulation::worstGroupRecall(whole.syn0.data(), c.vocabSize, config.dim, c) >= 8);
    CHECK(cuda_emulation::worstGroupRecall(tiled.syn0.data(), c.vocabSize, config.dim, c) >= 8);
  }
}

TEST(cuda_support_checks_name_the_value) {
  w2v::TrainerConfig config;
  CHECK_NOTHROW(checkCudaSupport(config));
  config.dim = 1024;
  CHECK_NOTHROW(checkCudaSupport(config));
  config.dim = 1025;
  CHECK_THROWS_AS(checkCudaSupport(config), std::invalid_argument, "device \"cuda\" supports dim up to 1024, got 1025");
  config.dim = 100;
  config.groupNegative = 2;
  CHECK_THROWS_AS(checkCudaSupport(config), std::invalid_argument, "device \"cuda\" does not support groupNegative");
  config.groupNegative = 0;
  config.wholeSentenceWindow = true;
  CHECK_THROWS_AS(checkCudaSupport(config), std::invalid_argument, "device \"cuda\" does not support wholeSentenceWindow");
  config.wholeSentenceWindow = false;
  config.sideInfo = w2v::SideInfoMode::kEges;
  CHECK_THROWS_AS(checkCudaSupport(config), std::invalid_argument, "device \"cuda\" does not support sideInfo");
}

TEST(cuda_factory_refuses_without_a_device_and_says_why) {
  const Corpus c = testing_corpus::plantedCorpus(2000, 1);
  const w2v::TrainerConfig config = plantedCudaConfig(c, 1);
  CHECK_NOTHROW(w2v::makeTrainer(w2v::TrainerDevice::kCpu, config, testing_corpus::tablesFor(c, false), c.vocabSize));
  const w2v::CudaStatus status = w2v::cudaStatus();
  if (!status.compiled) {
    CHECK_EQ(status.deviceCount, 0);
    CHECK_EQ(status.error, std::string("this build of word2vec-native has no CUDA support"));
    CHECK_THROWS_AS(w2v::makeTrainer(w2v::TrainerDevice::kCuda, config, testing_corpus::tablesFor(c, false), c.vocabSize),
                    std::invalid_argument,
                    "this build of word2vec-native has no CUDA support; build it with npm run build:cuda");
  } else if (status.deviceCount == 0) {
    CHECK(status.error.rfind("cudaGetDeviceCount returned ", 0) == 0);
    CHECK_THROWS_AS(w2v::makeTrainer(w2v::TrainerDevice::kCuda, config, testing_corpus::tablesFor(c, false), c.vocabSize),
                    std::invalid_argument, "no CUDA device is visible: cudaGetDeviceCount returned ");
  }
  // A bad configuration gets the CPU trainer's message on either device.
  w2v::TrainerConfig bad = config;
  bad.window = 0;
  for (const auto device : {w2v::TrainerDevice::kCpu, w2v::TrainerDevice::kCuda})
    CHECK_THROWS_AS(w2v::makeTrainer(device, bad, testing_corpus::tablesFor(c, false), c.vocabSize),
                    std::invalid_argument, status.compiled || device == w2v::TrainerDevice::kCpu
                                               ? "window must be an integer in [1, 1000], got 0"
                                               : "no CUDA support");
}
