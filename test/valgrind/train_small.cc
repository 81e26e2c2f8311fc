// A small end-to-end run of the core for valgrind (bench/valgrind.sh): every training mode on
// a 10k-token planted corpus with 2 threads and progress callbacks, a training cancelled
// half way, a trainer destroyed while it runs, a constructor that throws, then queries on
// the trained vectors. Sized to take seconds under memcheck; exits non-zero when a result
// is wrong, so that a broken run cannot pass as a clean one. CTest also runs it natively.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus.h"
#include "query.h"
#include "trainer.h"

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (ok) return;
  ++failures;
  std::fprintf(stderr, "FAILED: %s\n", what.c_str());
}

struct Mode {
  const char* name;
  bool cbow, hs, sharedNegatives, wholeSentence, groups, context;
  int32_t negative;
};

void trainMode(const testing_corpus::Corpus& corpus, const Mode& mode) {
  w2v::TrainerConfig config = testing_corpus::plantedConfig(corpus, 2);
  config.threads = 2;
  config.cbow = mode.cbow;
  config.hs = mode.hs;
  config.negative = mode.negative;
  config.sharedNegatives = mode.sharedNegatives;
  config.wholeSentenceWindow = mode.wholeSentence;
  config.groupNegative = mode.groups ? 2 : 0;
  config.progressIntervalMs = 1;
  w2v::TrainerTables tables = testing_corpus::tablesFor(corpus, mode.hs);
  if (mode.groups)
    for (int32_t w = 0; w < corpus.vocabSize; ++w) tables.groupOf.push_back(w % 3 == 0 ? -1 : corpus.group(w));
  w2v::Trainer trainer(config, std::move(tables), corpus.vocabSize);
  std::atomic<int> reports{0};
  trainer.start([&](const w2v::Progress&) { ++reports; });
  for (int32_t epoch = 0; epoch < config.epochs; ++epoch) {
    for (w2v::Chunk& chunk : testing_corpus::chunksOf(corpus, epoch)) {
      // The global context of each sentence: its first word.
      if (mode.context)
        for (size_t s = 0; s < chunk.sentenceEnds.size(); ++s)
          chunk.sentenceContext.push_back(chunk.tokens[s == 0 ? 0 : static_cast<size_t>(chunk.sentenceEnds[s - 1])]);
      trainer.push(std::move(chunk));
    }
  }
  trainer.close();
  trainer.join();
  const auto stats = trainer.epochStats();
  for (const auto& e : stats)
    expect(e.words == static_cast<int64_t>(corpus.tokens.size()) && e.predictions > 0 && std::isfinite(e.loss),
           std::string(mode.name) + ": an epoch did not consume the corpus");
  expect(reports.load() >= 1, std::string(mode.name) + ": no progress report");
  // Queries on what it learnt: cosine top-k (batch and single) and 3CosMul.
  const int32_t v = trainer.vocabSize(), dim = trainer.dim();
  std::vector<float> unit(static_cast<size_t>(v) * dim);
  w2v::normalizeRows(trainer.inputVectors().data(), v, dim, unit.data());
  const int32_t queries = 5, k = 4;
  std::vector<int32_t> ids(queries * k);
  std::vector<float> scores(queries * k);
  const int32_t offsets[] = {0, 1, 2, 2, 3, 3};
  const int32_t perQuery[] = {0, 1, 3};
  const int32_t shared[] = {39, 39, -1, 1000};
  w2v::Exclusions ex;
  ex.perQueryOffsets = offsets;
  ex.perQueryIds = perQuery;
  ex.sharedIds = shared;
  ex.sharedCount = 4;
  w2v::topKBatchByDot(unit.data(), v, dim, unit.data(), queries, k, ex, 2, ids.data(), scores.data());
  for (int32_t i : ids) expect(i >= 0 && i < v && i != 39, std::string(mode.name) + ": bad batch result");
  const auto one = w2v::topKByDot(unit.data(), v, dim, unit.data() + dim, k, shared, 4);
  expect(one.size() == static_cast<size_t>(k), std::string(mode.name) + ": topKByDot");
  const auto mul = w2v::topKByCosMul(unit.data(), v, dim, unit.data(), unit.data() + dim, unit.data() + 2 * dim, k,
                                     shared, 4, 1e-3f, 2);
  expect(mul.size() == static_cast<size_t>(k), std::string(mode.name) + ": topKByCosMul");
  if (!mode.wholeSentence && !mode.groups && !mode.context)
    expect(testing_corpus::worstGroupRecall(trainer, corpus) >= 5, std::string(mode.name) + ": did not learn");
}

}  // namespace

int main() {
  const testing_corpus::Corpus corpus = testing_corpus::plantedCorpus(10000, 5);
  const Mode modes[] = {
      {"skip-gram", false, false, false, false, false, false, 5},
      {"skip-gram shared negatives", false, false, true, false, false, false, 5},
      {"cbow", true, false, false, false, false, false, 5},
      {"skip-gram hs", false, true, false, false, false, false, 0},
      {"cbow hs + negative", true, true, false, false, false, false, 3},
      {"item2vec set + groups + context", false, false, false, true, true, true, 5},
  };
  for (const Mode& mode : modes) trainMode(corpus, mode);

  // Cancelled half way: threads joined, queued chunks dropped, nothing leaked.
  {
    w2v::TrainerConfig config = testing_corpus::plantedConfig(corpus, 3);
    config.threads = 2;
    w2v::Trainer trainer(config, testing_corpus::tablesFor(corpus, false), corpus.vocabSize);
    trainer.start();
    auto chunks = testing_corpus::chunksOf(corpus, 0);
    for (size_t i = 0; i < chunks.size() / 2; ++i) trainer.push(std::move(chunks[i]));
    trainer.cancel();
    trainer.join();
    expect(trainer.cancelled(), "cancel");
  }
  // Destroyed while running (the destructor cancels and joins).
  {
    w2v::TrainerConfig config = testing_corpus::plantedConfig(corpus, 1);
    config.threads = 2;
    w2v::Trainer trainer(config, testing_corpus::tablesFor(corpus, false), corpus.vocabSize);
    trainer.start();
    for (w2v::Chunk& chunk : testing_corpus::chunksOf(corpus, 0)) trainer.push(std::move(chunk));
  }
  // A constructor that throws after the tables were moved in.
  try {
    w2v::TrainerConfig config = testing_corpus::plantedConfig(corpus, 1);
    config.hs = true;  // without Huffman tables
    w2v::Trainer trainer(config, testing_corpus::tablesFor(corpus, false), corpus.vocabSize);
    expect(false, "hs without Huffman tables was accepted");
  } catch (const std::invalid_argument&) {
  }
  std::printf("%s\n", failures == 0 ? "train_small: every check passed" : "train_small: FAILED");
  return failures == 0 ? 0 : 1;
}
