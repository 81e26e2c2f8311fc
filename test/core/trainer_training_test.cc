// Trainer behaviour: learning planted structure, determinism, learning-rate decay,
// callbacks, cancellation.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "corpus.h"
#include "trainer.h"
#include "weight_init.h"

using namespace testing_corpus;
using w2v::Chunk;
using w2v::Progress;
using w2v::Trainer;
using w2v::TrainerConfig;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/// 40 words in 4 groups of 10, 200k tokens per epoch in sentences of 20 words of one group.
const Corpus& planted() {
  static const Corpus corpus = plantedCorpus(200000, 2024);
  return corpus;
}

constexpr int32_t kEpochs = 5;

bool sameFloats(const w2v::AlignedFloats& a, const w2v::AlignedFloats& b) {
  // Empty buffers hold null, which memcmp must not be given even for 0 bytes.
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

TEST(trainer_skipgram_negative_learns_planted_groups) {
  const Corpus& c = planted();
  const TrainerConfig config = plantedConfig(c, kEpochs);
  const auto t = train(config, tablesFor(c, false), c);
  const int32_t recall = worstGroupRecall(*t, c);
  CHECK_MSG(recall >= 8, "a word has only " << recall << " of its 9 nearest neighbours in its group");
  // Every token consumed, the learning rate decayed to minAlpha, the loss went down.
  const Progress p = t->progress();
  const int64_t total = kEpochs * static_cast<int64_t>(c.tokens.size());
  CHECK_EQ(p.wordsDone, total);
  CHECK_EQ(p.wordsTotal, total);
  CHECK_EQ(p.epoch, kEpochs - 1);
  CHECK_MSG(std::fabs(p.alpha - config.minAlpha) <= 0.01 * config.minAlpha,
            "final alpha " << p.alpha << ", minAlpha " << config.minAlpha);
  CHECK(p.loss > 0 && std::isfinite(p.loss));
  checkEpochStats(*t, kEpochs, static_cast<int64_t>(c.tokens.size()));
  CHECK(t->state() == w2v::TrainerState::kFinished);
  CHECK(!t->cancelled());
  CHECK(t->error().empty());
}

TEST(trainer_cbow_negative_learns_planted_groups) {
  const Corpus& c = planted();
  TrainerConfig config = plantedConfig(c, kEpochs);
  config.cbow = true;
  config.alpha = 0.05;
  const auto t = train(config, tablesFor(c, false), c);
  const int32_t recall = worstGroupRecall(*t, c);
  CHECK_MSG(recall >= 8, "a word has only " << recall << " of its 9 nearest neighbours in its group");
  checkEpochStats(*t, kEpochs, static_cast<int64_t>(c.tokens.size()));
}

TEST(trainer_hierarchical_softmax_learns_planted_groups) {
  const Corpus& c = planted();
  TrainerConfig config = plantedConfig(c, kEpochs);
  config.hs = true;
  config.negative = 0;
  const auto t = train(config, tablesFor(c, true), c);
  CHECK(t->outputVectors().empty());
  CHECK(!t->hsVectors().empty());
  const int32_t recall = worstGroupRecall(*t, c);
  CHECK_MSG(recall >= 8, "a word has only " << recall << " of its 9 nearest neighbours in its group");
  // The hierarchical-softmax loss is the exact cross-entropy of the tree's distribution.
  // Given its context, a word is uniform over the 10 words of its group, so the loss
  // cannot beat ln 10 and converges to it (the first epoch is already close, so "last <
  // first" would be noise here). The table lookups allow a small error.
  const auto stats = t->epochStats();
  for (const auto& s : stats) CHECK_EQ(s.words, static_cast<int64_t>(c.tokens.size()));
  const double last = stats.back().loss / static_cast<double>(stats.back().predictions);
  const double first = stats.front().loss / static_cast<double>(stats.front().predictions);
  CHECK_NEAR(last, std::log(10.0), 0.05);
  CHECK(first < std::log(40.0));  // better than uniform over the vocabulary
}

TEST(trainer_cbow_hierarchical_softmax_learns_planted_groups) {
  const Corpus& c = planted();
  TrainerConfig config = plantedConfig(c, 3);
  config.cbow = true;
  config.hs = true;
  config.negative = 0;
  config.alpha = 0.05;
  const auto t = train(config, tablesFor(c, true), c);
  const int32_t recall = worstGroupRecall(*t, c);
  CHECK_MSG(recall >= 8, "a word has only " << recall << " of its 9 nearest neighbours in its group");
}

// Two threads with hierarchical softmax: the second trains its own copy of the inner nodes
// nearest the root (with this vocabulary, most of them) and adds its changes into the shared
// rows every few centre words. Both objectives still learn the groups and reach the loss
// floor, and the rows stay finite (a merge adding the changes twice diverges). That the merge
// loses nothing is the agreement test's "top nodes in a copy" modes (kernel_agreement_test.cc).
TEST(trainer_two_threads_hierarchical_softmax_merge_the_top_nodes) {
  const Corpus& c = planted();
  for (const bool cbow : {false, true}) {
    TrainerConfig config = plantedConfig(c, kEpochs);
    config.hs = true;
    config.negative = 0;
    config.cbow = cbow;
    config.threads = 2;
    const auto t = train(config, tablesFor(c, true), c);
    // The planted corpus draws a word's neighbours uniformly from its group of 10: the first
    // epoch already reaches the loss floor, log(10) a prediction, so the epochs' losses are
    // checked against it instead of against each other (checkEpochStats).
    const auto stats = t->epochStats();
    CHECK_EQ(stats.size(), static_cast<size_t>(kEpochs));
    for (const auto& e : stats) {
      CHECK_EQ(e.words, static_cast<int64_t>(c.tokens.size()));
      CHECK(e.predictions > 0);
    }
    const double last = stats.back().loss / static_cast<double>(stats.back().predictions);
    std::printf("  %s: mean loss of the last epoch %.4f (floor log 10 = %.4f)\n", cbow ? "cbow" : "skip-gram", last, std::log(10.0));
    CHECK_NEAR(last, std::log(10.0), 0.05);
    const int32_t recall = worstGroupRecall(*t, c);
    CHECK_MSG(recall >= 8, (cbow ? "cbow" : "skip-gram") << ": a word has only " << recall << " of its 9 nearest neighbours in its group");
    // The root's row (the last inner node) is in every path: trained, finite, of a sane size.
    const size_t dim = static_cast<size_t>(config.dim);
    const w2v::AlignedFloats& nodes = t->hsVectors();
    const size_t inner = nodes.size() / dim - 1;
    double norm = 0;
    for (size_t d = 0; d < dim; ++d) {
      const float v = nodes.data()[(inner - 1) * dim + d];
      CHECK(std::isfinite(v));
      norm += double{v} * v;
    }
    CHECK_MSG(norm > 1e-4 && norm < 1e4, "root row norm^2 " << norm);
  }
}

TEST(trainer_single_thread_is_deterministic) {
  const Corpus c = plantedCorpus(25000, 7);
  TrainerConfig config = plantedConfig(c, 2);
  const auto a = train(config, tablesFor(c, false), c);
  const auto b = train(config, tablesFor(c, false), c);
  CHECK(sameFloats(a->inputVectors(), b->inputVectors()));
  CHECK(sameFloats(a->outputVectors(), b->outputVectors()));
  config.seed = 2;
  const auto other = train(config, tablesFor(c, false), c);
  CHECK(!sameFloats(a->inputVectors(), other->inputVectors()));
  CHECK(!sameFloats(a->outputVectors(), other->outputVectors()));
  // Hierarchical softmax + negative sampling together, deterministic as well.
  config.seed = 3;
  config.hs = true;
  const auto h1 = train(config, tablesFor(c, true), c);
  const auto h2 = train(config, tablesFor(c, true), c);
  CHECK(sameFloats(h1->inputVectors(), h2->inputVectors()));
  CHECK(sameFloats(h1->hsVectors(), h2->hsVectors()));
}

// The rows are padded to simd::paddedRowStride(dim) floats while training (for a matrix of
// pages::kMapBytes and more) and packed after: the weights read are vocabSize x dim floats,
// the same bit for bit as a training on rows dim floats apart (the kernels compute the same
// lanes either way), whose initial weights are the original's draws.
TEST(trainer_padded_rows_train_as_packed_rows) {
  const Corpus c = plantedCorpus(30000, 11, 30, 100);  // 3,000 words: 1.2 MB a matrix at dim 100
  struct Mode {
    bool cbow, hs;
  };
  for (const Mode m : {Mode{false, false}, Mode{true, false}, Mode{false, true}, Mode{true, true}}) {
    TrainerConfig config = plantedConfig(c, 1);
    config.dim = 100;
    config.cbow = m.cbow;
    config.hs = m.hs;
    const size_t cells = static_cast<size_t>(c.vocabSize) * 100;
    Trainer padded(config, tablesFor(c, m.hs), c.vocabSize);
    Trainer packed(config, tablesFor(c, m.hs), c.vocabSize);
    CHECK_EQ(padded.rowStride(), 104);
    // Read before the start, the weights are packed, and this one trains on rows 100 apart.
    w2v::AlignedFloats original(cells);
    w2v::initInputVectors(original, config.seed, config.dim);
    CHECK(sameFloats(packed.inputVectors(), original));
    CHECK_EQ(packed.rowStride(), 100);
    for (Trainer* t : {&padded, &packed}) {
      t->start();
      pushAll(*t, c, 1);
      t->join();
    }
    CHECK_EQ(padded.rowStride(), 100);  // packed when the training ended
    CHECK_EQ(padded.inputVectors().size(), cells);
    CHECK(!sameFloats(padded.inputVectors(), original));  // it trained
    CHECK(sameFloats(padded.inputVectors(), packed.inputVectors()));
    CHECK(sameFloats(padded.outputVectors(), packed.outputVectors()));
    CHECK(sameFloats(padded.hsVectors(), packed.hsVectors()));
  }
}

// Found by fuzz_trainer: with a large learning rate the weights overflow to infinity and
// NaN within a few updates, and the kernels' sigmoid lookups then read far outside their
// table (a segfault from train({ alpha: 1 }) in Node). Diverging must not crash, in any
// mode, with either kernel.
TEST(trainer_diverging_learning_rate_does_not_crash) {
  const Corpus c = plantedCorpus(20000, 11);
  const char* const kernels[] = {"scalar", "best"};
  for (const char* kernel : kernels) {
    if (std::strcmp(kernel, "scalar") == 0) setenv("W2V_SIMD", "scalar", 1);
    else unsetenv("W2V_SIMD");
    for (int mode = 0; mode < 5; ++mode) {
      TrainerConfig config = plantedConfig(c, 2);
      config.alpha = 10;
      config.minAlpha = 10;
      config.cbow = mode == 1 || mode == 3;
      config.hs = mode >= 2;
      if (mode == 2) config.negative = 0;
      config.sharedNegatives = mode == 4;
      const auto trainer = train(config, tablesFor(c, config.hs), c);
      const w2v::AlignedFloats& w = trainer->inputVectors();
      bool diverged = false;
      for (size_t i = 0; i < w.size(); ++i) diverged = diverged || !std::isfinite(w.data()[i]);
      // Hierarchical softmax alone skips saturated updates (as the original) and stays finite.
      if (mode != 2) CHECK_MSG(diverged, kernel << " kernel, mode " << mode << ": alpha 10 was expected to diverge");
      CHECK_EQ(trainer->epochStats()[1].words, static_cast<int64_t>(c.tokens.size()));
    }
  }
  unsetenv("W2V_SIMD");
}

TEST(trainer_two_threads_consume_everything_and_learn) {
  const Corpus& c = planted();
  TrainerConfig config = plantedConfig(c, kEpochs);
  config.threads = 2;
  const auto t = train(config, tablesFor(c, false), c);
  CHECK_EQ(t->progress().wordsDone, kEpochs * static_cast<int64_t>(c.tokens.size()));
  checkEpochStats(*t, kEpochs, static_cast<int64_t>(c.tokens.size()));
  const int32_t recall = worstGroupRecall(*t, c);
  CHECK_MSG(recall >= 8, "a word has only " << recall << " of its 9 nearest neighbours in its group");
}

TEST(trainer_subsampling_drops_words) {
  const Corpus c = plantedCorpus(20000, 9);
  TrainerConfig config = plantedConfig(c, 1);
  w2v::TrainerTables tables = tablesFor(c, false);
  tables.keepProbability[5] = 0.0f;  // never kept: its input vector must not move
  tables.keepProbability[6] = 0.5f;
  tables.keepProbability[7] = 0.0f;
  tables.negativeWeights[7] = 0.0;  // never a target nor a negative: its output row stays zero
  Trainer fresh(config, tablesFor(c, false), c.vocabSize);
  const auto t = train(config, std::move(tables), c);
  const size_t dim = static_cast<size_t>(config.dim);
  CHECK(std::memcmp(t->inputVectors().data() + 5 * dim, fresh.inputVectors().data() + 5 * dim,
                    dim * sizeof(float)) == 0);
  CHECK(std::memcmp(t->inputVectors().data() + 6 * dim, fresh.inputVectors().data() + 6 * dim,
                    dim * sizeof(float)) != 0);
  bool zero7 = true, zero5 = true;
  for (size_t i = 0; i < dim; ++i) {
    zero7 = zero7 && t->outputVectors().data()[7 * dim + i] == 0.0f;
    zero5 = zero5 && t->outputVectors().data()[5 * dim + i] == 0.0f;
  }
  CHECK(zero7);
  CHECK(!zero5);  // word 5 still serves as a negative sample
  // Words are counted before subsampling.
  CHECK_EQ(t->epochStats()[0].words, static_cast<int64_t>(c.tokens.size()));
}

TEST(trainer_progress_and_done_callbacks) {
  const Corpus c = plantedCorpus(16000, 11);
  TrainerConfig config = plantedConfig(c, 1);
  config.progressIntervalMs = 50;
  std::mutex m;
  std::vector<Progress> reports;
  std::atomic<int> done{0};
  Trainer t(config, tablesFor(c, false), c.vocabSize);
  t.start(
      [&](const Progress& p) {
        std::lock_guard<std::mutex> lock(m);
        reports.push_back(p);
      },
      nullptr, [&] { done.fetch_add(1); });
  // Feed slowly so the run lasts well over 300 ms whatever the machine.
  const auto begin = Clock::now();
  auto chunks = chunksOf(c, 0, 100);  // 8 chunks of 2000 tokens
  for (Chunk& chunk : chunks) {
    t.push(std::move(chunk));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  t.close();
  t.join();
  CHECK(msSince(begin) > 300);
  CHECK_EQ(done.load(), 1);
  CHECK(t.state() == w2v::TrainerState::kFinished);
  std::lock_guard<std::mutex> lock(m);
  CHECK_MSG(reports.size() >= 1, reports.size() << " progress reports");
  for (size_t i = 1; i < reports.size(); ++i) {
    CHECK(reports[i].wordsDone >= reports[i - 1].wordsDone);
    CHECK(reports[i].alpha <= reports[i - 1].alpha);
    CHECK(reports[i].elapsedSeconds >= reports[i - 1].elapsedSeconds);
  }
  if (!reports.empty()) {
    // The last report comes after every worker stopped: all words are in.
    CHECK_EQ(reports.back().wordsDone, static_cast<int64_t>(c.tokens.size()));
    CHECK_EQ(reports.back().wordsTotal, static_cast<int64_t>(c.tokens.size()));
    CHECK(reports.back().alpha < config.alpha);
    CHECK(std::isfinite(reports.back().loss) && reports.back().loss > 0);
  }
  // join() after the end returns at once, and again.
  CHECK_NOTHROW(t.join());
  CHECK_EQ(done.load(), 1);
}

TEST(trainer_on_space_after_refused_push) {
  const Corpus& c = planted();
  TrainerConfig config = plantedConfig(c, 1);
  config.queueCapacity = 1;
  std::mutex m;
  std::condition_variable cv;
  int spaceCalls = 0;
  Trainer t(config, tablesFor(c, false), c.vocabSize);
  t.start(nullptr, [&] {
    std::lock_guard<std::mutex> lock(m);
    ++spaceCalls;
    cv.notify_all();
  });
  std::vector<Chunk> chunks = chunksOf(c, 0, 1000);  // 10 chunks of 20000 tokens
  size_t next = 0;
  bool refused = false;
  while (next < chunks.size()) {
    if (!t.tryPush(std::move(chunks[next]))) {
      refused = true;
      break;
    }
    ++next;
  }
  CHECK(refused);
  if (refused) {
    // A refused chunk is left intact for the retry.
    CHECK_EQ(chunks[next].tokens.size(), 20000u);
    std::unique_lock<std::mutex> lock(m);
    const bool called = cv.wait_for(lock, std::chrono::seconds(20), [&] { return spaceCalls > 0; });
    CHECK_MSG(called, "onSpace was not called within 20 s of a refused push");
  }
  for (; next < chunks.size(); ++next) t.push(std::move(chunks[next]));
  t.close();
  t.join();
  CHECK_EQ(t.progress().wordsDone, static_cast<int64_t>(c.tokens.size()));
}

TEST(trainer_cancel_stops_quickly) {
  const Corpus& c = planted();
  TrainerConfig config = plantedConfig(c, 100);
  config.threads = 2;
  std::atomic<int> done{0};
  Trainer t(config, tablesFor(c, false), c.vocabSize);
  t.start(nullptr, nullptr, [&] { done.fetch_add(1); });
  std::string producerError;
  std::thread producer([&] {
    try {
      for (int32_t e = 0; e < config.epochs && !t.cancelled(); ++e)
        for (Chunk& chunk : chunksOf(c, e)) t.push(std::move(chunk));  // dropped once cancelled
      t.close();
    } catch (const std::exception& e) {
      producerError = e.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto begin = Clock::now();
  t.cancel();
  CHECK_NOTHROW(t.join());
  const double ms = msSince(begin);
  CHECK_MSG(ms < 200, "join() took " << ms << " ms after cancel()");
  producer.join();
  CHECK_MSG(producerError.empty(), "the producer got: " << producerError);
  CHECK(t.cancelled());
  CHECK(t.error().empty());
  CHECK_EQ(done.load(), 1);
  CHECK(t.state() == w2v::TrainerState::kFinished);
  CHECK(t.progress().wordsDone < static_cast<int64_t>(config.epochs) * config.wordsPerEpoch);
}

TEST(trainer_push_after_cancel_is_dropped) {
  // After cancel(), pushes are dropped quietly, whether or not the workers have stopped yet.
  const Corpus c = plantedCorpus(2000, 13);
  Trainer t(plantedConfig(c, 1), tablesFor(c, false), c.vocabSize);
  t.start();
  t.cancel();
  t.join();
  bool accepted = false;
  CHECK_NOTHROW(accepted = t.tryPush(std::move(chunksOf(c, 0)[0])));
  CHECK(accepted);
  CHECK_NOTHROW(t.push(std::move(chunksOf(c, 0)[0])));
  CHECK_EQ(t.progress().wordsDone, 0);
  t.close();
  CHECK_THROWS_AS(t.tryPush(std::move(chunksOf(c, 0)[0])), std::logic_error, "trainer input is closed");
}

TEST(trainer_destroyed_while_running) {
  const Corpus& c = planted();
  const auto begin = Clock::now();
  {
    TrainerConfig config = plantedConfig(c, 100);
    config.threads = 2;
    Trainer t(config, tablesFor(c, false), c.vocabSize);
    t.start([](const Progress&) {}, [] {}, [] {});
    auto chunks = chunksOf(c, 0, 200);
    for (size_t i = 0; i < 4; ++i) t.push(std::move(chunks[i]));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }  // no close(), no join()
  {
    // Started, idle workers waiting for input.
    Trainer t(plantedConfig(c, 1), tablesFor(c, false), c.vocabSize);
    t.start();
  }
  {
    Trainer t(plantedConfig(c, 1), tablesFor(c, false), c.vocabSize);  // never started
  }
  const double ms = msSince(begin);
  CHECK_MSG(ms < 2000, "destroying running trainers took " << ms << " ms");
}
