// The training kernels alone, on one thread, away from the corpus reader and the threads: how
// many useful GFLOP/s each kernel this CPU runs (scalar, avx2+fma, avx512f) reaches on
// word2vec's shapes, so a kernel change can be measured in seconds and with less noise than a
// whole training (issue 18). A benchmark tool, built with the core tests (W2V_CORE_TESTS) and
// never shipped; prints JSON lines.
//
//   build/core/w2v_kernel_bench [--dims 100,300] [--seconds 0.3] [--rounds 5] [--kernel NAME]
//                               [--config sg-neg|cbow-neg] [--rows padded|packed]
//
// --rows: the weight matrices' rows at the trainer's stride (padded, the default:
// simd::paddedRowStride) or dim floats apart (packed), for the study of the stride.
//
// Data: a 50,000-word vocabulary with Zipf counts (count of rank r ~ 1 / r), sentences of
// 1,000 words drawn from them and subsampled as word2vec does at -sample 1e-4, negatives from
// count^0.75, window 5, 5 negatives, weights initialised as the trainer does. Each round
// trains passes over the sentences for at least --seconds; the figure is the fastest round
// (the machine's noise only ever slows a round down). FLOPs are the bench's formula: 6 x dim
// per predicted target (a dot product and two axpys), 1 + negative targets per prediction;
// hierarchical softmax (word2vec.c's Huffman tree over the same counts) gets time only.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "alias_sampler.h"
#include "corpus.h"  // test/core: word2vec.c's Huffman tree
#include "random.h"
#include "sigmoid_table.h"
#include "simd/kernels.h"
#include "weight_init.h"

namespace {

using w2v::simd::SentenceJob;

constexpr int32_t kVocab = 50000;
constexpr int32_t kSentences = 200;
constexpr int32_t kSentenceWords = 1000;
constexpr int32_t kWindow = 5;
constexpr int32_t kNegative = 5;

struct Corpus {
  std::vector<std::vector<int32_t>> sentences;
  std::vector<int64_t> counts;
  std::vector<double> negativeWeights;
};

Corpus makeCorpus() {
  Corpus c;
  std::vector<double> counts(kVocab);
  double total = 0;
  for (int32_t i = 0; i < kVocab; ++i) total += counts[i] = 1e6 / (i + 1);
  for (double n : counts) c.counts.push_back(static_cast<int64_t>(n));
  for (double n : counts) c.negativeWeights.push_back(std::pow(n, 0.75));
  const w2v::AliasSampler words(counts);
  w2v::Random r(7);
  const double sample = 1e-4 * total;
  while (static_cast<int32_t>(c.sentences.size()) < kSentences) {
    std::vector<int32_t> s;
    while (static_cast<int32_t>(s.size()) < kSentenceWords) {
      const int32_t w = words.sample(r);
      const double keep = (std::sqrt(counts[w] / sample) + 1) * sample / counts[w];  // word2vec.c's
      if (keep >= 1 || r.uniform() < keep) s.push_back(w);
    }
    c.sentences.push_back(std::move(s));
  }
  return c;
}

struct Shape {
  const char* name;
  bool cbow;
  bool hs;  // hierarchical softmax instead of negatives
};

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int32_t> dims = {100, 300};
  double minSeconds = 0.3;
  int rounds = 5;
  std::string onlyKernel, onlyConfig;
  bool padded = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dims") {
      dims.clear();
      for (char* p = argv[i + 1]; *p;) {
        dims.push_back(static_cast<int32_t>(std::strtol(p, &p, 10)));
        if (*p == ',') ++p;
      }
    } else if (a == "--seconds") {
      minSeconds = std::atof(argv[i + 1]);
    } else if (a == "--kernel") {
      onlyKernel = argv[i + 1];
    } else if (a == "--config") {
      onlyConfig = argv[i + 1];
    } else if (a == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (a == "--rows" && (std::string(argv[i + 1]) == "padded" || std::string(argv[i + 1]) == "packed")) {
      padded = std::string(argv[i + 1]) == "padded";
    } else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  const Corpus corpus = makeCorpus();
  const w2v::AliasSampler negatives(corpus.negativeWeights);
  const w2v::SigmoidTable sigmoid;
  const Shape shapes[] = {{"sg-neg", false, false}, {"cbow-neg", true, false}, {"sg-hs", false, true}, {"cbow-hs", true, true}};
  w2v::TrainerTables huffman;
  testing_corpus::buildHuffman(corpus.counts, huffman);
  for (int32_t dim : dims) {
    for (const Shape& shape : shapes) {
      for (const auto& k : w2v::simd::sentenceKernels()) {
        if (!k.runs || (!onlyKernel.empty() && onlyKernel != k.name)) continue;
        if (!onlyConfig.empty() && onlyConfig != shape.name) continue;
        const int32_t stride = padded ? w2v::simd::paddedRowStride(dim) : dim;
        w2v::AlignedFloats syn0(static_cast<size_t>(kVocab) * stride), syn1neg(syn0.size()), syn1(syn0.size());
        syn1.zero();
        w2v::initInputVectors(syn0, 1, dim, stride);
        syn1neg.zero();
        w2v::AlignedFloats scratch(static_cast<size_t>(4 + 2 * kWindow + kNegative) * stride + 4096);
        scratch.zero();
        uint64_t rng = 12345;
        double best = 1e300;
        int64_t predictions = 0;
        for (int round = 0; round < rounds; ++round) {
          const auto start = std::chrono::steady_clock::now();
          int64_t made = 0;
          do {
            for (const auto& s : corpus.sentences) {
              SentenceJob j{};
              j.sentence = s.data();
              j.length = static_cast<int32_t>(s.size());
              j.syn0 = syn0.data();
              j.syn1neg = syn1neg.data();
              j.dim = dim;
              j.stride = stride;
              j.window = kWindow;
              j.negative = shape.hs ? 0 : kNegative;
              j.hs = shape.hs;
              j.syn1 = syn1.data();
              j.codes = huffman.huffmanCodes.data();
              j.points = huffman.huffmanPoints.data();
              j.offsets = huffman.huffmanOffsets.data();
              j.cbow = shape.cbow;
              j.sharedNegatives = true;
              j.alpha = 0.025f;
              j.negativeTable = negatives.entries();
              j.vocabSize = kVocab;
              j.sigmoid = sigmoid.sigmoidData();
              j.logSigmoid = sigmoid.logSigmoidData();
              j.globalContext = -1;
              j.rng = &rng;
              j.scratch = scratch.data();
              k.kernel(j);
              made += j.predictions;
            }
          } while (secondsSince(start) < minSeconds);
          const double seconds = secondsSince(start);
          if (seconds / made < best) {
            best = seconds / made;
            predictions = made;
          }
        }
        // Hierarchical softmax's work depends on the path lengths: no FLOP figure (as the bench).
        const double flops = shape.hs ? 0 : 6.0 * dim * (1 + kNegative);
        std::printf(
            "{\"kernel\":\"%s\",\"config\":\"%s\",\"dim\":%d,\"stride\":%d,\"nsPerPrediction\":%.2f,\"gflops\":%.2f,"
            "\"predictionsPerRound\":%lld}\n",
            k.name, shape.name, dim, stride, best * 1e9, flops / best * 1e-9, static_cast<long long>(predictions));
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
