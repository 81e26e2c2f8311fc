// Fuzz target: the trainer's validation of its configuration, tables and chunks, and the
// training kernels behind it. A Trainer is built from a fuzz-derived TrainerConfig and
// TrainerTables over a tiny vocabulary, started, and fed fuzz-derived chunks (token ids,
// sentence ends, sentence contexts, epochs). Every refusal must be std::invalid_argument
// (bad values) or std::logic_error (wrong call order) with a message; anything else (another
// exception, a crash, a sanitizer report, a worker error on join) is a bug. When training
// runs to the end, each epoch's word count must equal the tokens of the chunks accepted.
//
// Sizes are folded small (dim <= 16, vocabulary <= 24, <= 2 threads, <= 3 epochs, a bounded
// amount of work per input) so that an execution takes well under a millisecond; values
// outside the valid ranges are kept as they are, since those are what the checks are for.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "corpus.h"  // buildHuffman (word2vec.c's tree), shared with the core tests
#include "fuzz_input.h"
#include "trainer.h"

namespace {

/// Usually a value in [lo, hi]; one time in eight any int32 at all.
int32_t smallOrAny(fuzz::Input& in, int32_t lo, int32_t hi) {
  const uint8_t b = in.byte();
  if (b >= 224) return in.raw<int32_t>();
  return static_cast<int32_t>(lo + b % (hi - lo + 1));
}

/// Folds a valid but costly value into [1, small]; invalid values stay as they are.
int32_t fold(int32_t v, int32_t small, int32_t max) { return v > small && v <= max ? 1 + v % small : v; }

double learningRate(fuzz::Input& in) {
  switch (in.byte() % 6) {
    case 0: return in.nastyDouble();
    case 1: return 10.0;  // the largest accepted: weights overflow within a few updates
    case 2: return 0.0;
    default: return 0.001 + (in.byte() % 100) * 0.001;
  }
}

/// Any standard exception that is not invalid_argument or logic_error itself (its
/// subclasses length_error, out_of_range... would be bugs) fails the run.
void expectRefusal(const std::exception& e, const char* what) {
  const bool allowed = typeid(e) == typeid(std::invalid_argument) || typeid(e) == typeid(std::logic_error);
  FUZZ_ASSERT(allowed, "%s threw %s: %s", what, typeid(e).name(), e.what());
  FUZZ_ASSERT(e.what()[0] != '\0', "%s threw an empty message", what);
}

w2v::TrainerTables makeTables(fuzz::Input& in, int32_t vocab, bool hs) {
  w2v::TrainerTables t;
  // A table's length is the vocabulary's, or (rarely) off by one either way.
  auto length = [&]() -> size_t {
    const uint8_t b = in.byte();
    const int64_t n = static_cast<int64_t>(vocab) + (b == 255 ? 1 : b == 254 ? -1 : 0);
    return static_cast<size_t>(std::max<int64_t>(0, std::min<int64_t>(n, 64)));
  };
  const size_t keepLength = length();
  for (size_t i = 0; i < keepLength; ++i) {
    const uint8_t b = in.byte();
    t.keepProbability.push_back(b < 128 ? 1.0f : b < 192 ? 0.5f : b < 224 ? 0.0f : in.nastyFloat());
  }
  const size_t weightLength = length();
  for (size_t i = 0; i < weightLength; ++i) {
    const uint8_t b = in.byte();
    t.negativeWeights.push_back(b < 224 ? static_cast<double>(b % 16) : in.nastyDouble());
  }
  if (hs || in.byte() >= 128) {
    const size_t n = static_cast<size_t>(std::max(0, std::min(vocab, 64)));
    std::vector<int64_t> counts(n);
    for (auto& c : counts) c = 1 + in.byte();
    if (n >= 2) testing_corpus::buildHuffman(counts, t);
    // Corrupt one entry of one of the tables (or none).
    const uint8_t which = in.byte() % 5;
    const int64_t value = smallOrAny(in, -2, 66);
    const size_t at = in.byte();
    if (which == 1 && !t.huffmanCodes.empty()) t.huffmanCodes[at % t.huffmanCodes.size()] = static_cast<uint8_t>(value);
    if (which == 2 && !t.huffmanPoints.empty()) t.huffmanPoints[at % t.huffmanPoints.size()] = static_cast<int32_t>(value);
    if (which == 3 && !t.huffmanOffsets.empty()) t.huffmanOffsets[at % t.huffmanOffsets.size()] = value;
    if (which == 4 && !t.huffmanOffsets.empty()) t.huffmanOffsets.pop_back();
  }
  const size_t groupLength = length();
  for (size_t i = 0; i < groupLength; ++i) t.groupOf.push_back(smallOrAny(in, -2, std::max(1, vocab / 3)));
  return t;
}

w2v::Chunk makeChunk(fuzz::Input& in, int32_t vocab, int32_t epochs, size_t maxTokens) {
  w2v::Chunk c;
  c.epoch = in.byte() < 240 ? static_cast<int32_t>(in.byte() % epochs) : smallOrAny(in, -1, epochs);
  const size_t tokens = std::min<size_t>(maxTokens, in.byte() % 48);
  for (size_t i = 0; i < tokens; ++i)
    c.tokens.push_back(in.byte() < 248 ? static_cast<int32_t>(in.byte() % vocab) : smallOrAny(in, -1, vocab));
  // Sentence ends: increasing cuts ending at the token count, unless damaged below.
  int64_t end = 0;
  while (end < static_cast<int64_t>(tokens)) {
    end = std::min<int64_t>(static_cast<int64_t>(tokens), end + 1 + in.byte() % 16);
    c.sentenceEnds.push_back(end);
    if (in.empty()) break;
  }
  if (!c.sentenceEnds.empty() && c.sentenceEnds.back() != static_cast<int64_t>(tokens))
    c.sentenceEnds.back() = static_cast<int64_t>(tokens);
  switch (in.byte() % 8) {
    case 0: if (!c.sentenceEnds.empty()) c.sentenceEnds[in.byte() % c.sentenceEnds.size()] = in.raw<int64_t>(); break;
    case 1: c.sentenceEnds.push_back(static_cast<int64_t>(tokens)); break;  // an empty sentence
    case 2: if (!c.sentenceEnds.empty()) c.sentenceEnds.pop_back(); break;
    default: break;
  }
  const uint8_t context = in.byte() % 4;
  if (context != 0) {
    size_t n = c.sentenceEnds.size();
    if (context == 3) n = in.byte() % 4;  // probably the wrong length
    for (size_t i = 0; i < n; ++i)
      c.sentenceContext.push_back(in.byte() < 224 ? static_cast<int32_t>(in.byte() % vocab) - 1 : smallOrAny(in, -3, vocab));
  }
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  // Both kernels: the portable one and the CPU's best (avx2+fma where the CPU has it).
  if (in.flag()) setenv("W2V_SIMD", "scalar", 1);
  else unsetenv("W2V_SIMD");

  w2v::TrainerConfig c;
  c.dim = fold(smallOrAny(in, 1, 16), 16, w2v::kMaxDim);
  c.window = smallOrAny(in, 1, 6);  // up to kMaxWindow: sentences are short anyway
  c.negative = fold(smallOrAny(in, 0, 8), 32, w2v::kMaxNegative);
  c.cbow = in.flag();
  c.hs = in.flag();
  c.alpha = learningRate(in);
  c.minAlpha = in.byte() < 192 ? c.alpha * 1e-4 : learningRate(in);
  c.epochs = fold(smallOrAny(in, 1, 3), 3, w2v::kMaxEpochs);
  c.threads = fold(smallOrAny(in, 1, 2), 2, w2v::kMaxThreads);
  c.seed = in.raw<uint64_t>();
  c.wordsPerEpoch = in.byte() < 224 ? in.byte() : in.raw<int64_t>();
  c.queueCapacity = smallOrAny(in, 0, 3);
  c.progressIntervalMs = smallOrAny(in, 1, 50);
  c.sharedNegatives = in.flag();
  c.wholeSentenceWindow = in.byte() >= 192;
  c.groupNegative = fold(smallOrAny(in, 0, 3), 8, w2v::kMaxNegative);
  const uint8_t v = in.byte();
  const int32_t vocab = v < 240 ? 1 + v % 24 : smallOrAny(in, -1, 0);
  w2v::TrainerTables tables = makeTables(in, vocab, c.hs);

  std::unique_ptr<w2v::Trainer> trainer;
  try {
    trainer = std::make_unique<w2v::Trainer>(c, std::move(tables), vocab);
  } catch (const std::exception& e) {
    expectRefusal(e, "Trainer()");
    fuzz::note("refused: %s", e.what());
    return 0;
  }
  // Accepted: the values are in range, so the chunk generator may use them.
  FUZZ_ASSERT(vocab >= 1 && c.dim >= 1 && c.epochs >= 1, "accepted vocab %d dim %d epochs %d", vocab, c.dim, c.epochs);

  // Work per token grows with the window, the samples and the dim: keep each input cheap
  // (a few milliseconds at most), yet allow enough updates, by pushing a chunk again and
  // again, for a large learning rate to drive the weights to infinity and NaN.
  const double perToken = static_cast<double>(std::min(c.window, 48)) * 2 * (c.negative + c.groupNegative + 8) * c.dim;
  size_t budget = static_cast<size_t>(std::max(4.0, 1e7 / perToken));

  if (in.flag()) {  // a push before start()
    try {
      trainer->tryPush(makeChunk(in, vocab, c.epochs, 8));
      FUZZ_ASSERT(false, "tryPush before start() was accepted");
    } catch (const std::exception& e) {
      expectRefusal(e, "tryPush before start()");
    }
  }
  trainer->start();
  std::vector<int64_t> pushed(static_cast<size_t>(c.epochs), 0);
  const int chunks = in.byte() % 5;
  const bool cancelAtEnd = in.byte() >= 224;
  for (int k = 0; k < chunks && budget > 0; ++k) {
    const w2v::Chunk chunk = makeChunk(in, vocab, c.epochs, budget);
    const size_t tokens = chunk.tokens.size();
    const uint8_t r = in.byte();
    const size_t repeats = r < 192 ? 1 : std::max<size_t>(1, std::min<size_t>(r - 191, budget / std::max<size_t>(tokens, 1)));
    for (size_t i = 0; i < repeats; ++i) {
      try {
        trainer->push(w2v::Chunk(chunk));
        pushed[static_cast<size_t>(chunk.epoch)] += static_cast<int64_t>(tokens);
        budget -= std::min(budget, tokens);
      } catch (const std::exception& e) {
        expectRefusal(e, "push()");
        fuzz::note("chunk refused: %s", e.what());
        break;
      }
    }
  }
  if (cancelAtEnd) trainer->cancel();
  trainer->close();
  try {
    trainer->tryPush(makeChunk(in, vocab, c.epochs, 4));
    FUZZ_ASSERT(false, "tryPush after close() was accepted");
  } catch (const std::exception& e) {
    expectRefusal(e, "tryPush after close()");
  }
  try {
    trainer->join();
  } catch (const std::exception& e) {
    FUZZ_ASSERT(false, "a training thread failed: %s", e.what());
  }
  if (cancelAtEnd) {
    fuzz::note("cancelled");
    return 0;
  }
  const std::vector<w2v::EpochStats> stats = trainer->epochStats();
  int64_t words = 0, predictions = 0;
  for (size_t e = 0; e < stats.size(); ++e) {
    FUZZ_ASSERT(stats[e].words == pushed[e], "epoch %zu counted %lld words, %lld were pushed", e,
                static_cast<long long>(stats[e].words), static_cast<long long>(pushed[e]));
    words += stats[e].words;
    predictions += stats[e].predictions;
  }
  fuzz::note("trained %lld tokens (%lld predictions): %s%s%s, dim %d, window %d, negative %d, %d epochs, %d threads, alpha %g",
             static_cast<long long>(words), static_cast<long long>(predictions), c.cbow ? "cbow" : "skip-gram",
             c.hs ? " hs" : "", c.wholeSentenceWindow ? " whole-sentence" : c.groupNegative > 0 ? " group negatives" : "",
             c.dim, c.window, c.negative, c.epochs, c.threads, c.alpha);
  return 0;
}
