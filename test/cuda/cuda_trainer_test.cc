// GPU tests of the CUDA trainer. Built with -DW2V_CUDA=ON -DW2V_CORE_TESTS=ON; exit code 77
// (CTest: skipped) where no CUDA device is visible. The kernel is checked against its host
// emulation (reference_kernel.cc), which the host tests check in turn.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../../native/backends/backends.h"
#include "../../native/cuda/train_kernel.h"
#include "check.h"
#include "corpus.h"
#include "cuda_emulation.h"

using namespace w2v::cuda;
using testing_corpus::Corpus;

namespace {

void cudaOk(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(e));
}

template <class T>
T* upload(const T* data, size_t count) {
  T* p = nullptr;
  cudaOk(cudaMalloc(&p, std::max<size_t>(count, 1) * sizeof(T)), "cudaMalloc");
  if (count > 0) cudaOk(cudaMemcpy(p, data, count * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
  return p;
}

template <class T>
void download(T* host, const T* device, size_t count) {
  cudaOk(cudaMemcpy(host, device, count * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
}

struct Variant {
  const char* name;
  int32_t dim;
  bool cbow, hs, shared;
  int32_t negative;
  int32_t tileRows;  // 0: as many as fit
};

double largestDifference(const w2v::AlignedFloats& a, const std::vector<float>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a.data()[i] - b[i])));
  return worst;
}

// One batch trained by the kernel one slice per launch (the host emulation's order), and by
// the emulation; or by the kernel in one launch (`concurrent`), where only the counts that
// depend on the draws alone can be compared.
void compareWithEmulation(const Variant& v, bool concurrent, int32_t maxBlocks = 0) {
  static const Corpus c = testing_corpus::plantedCorpus(6000, 11);
  w2v::TrainerConfig config = testing_corpus::plantedConfig(c, 1);
  config.dim = v.dim;
  config.cbow = v.cbow;
  config.hs = v.hs;
  config.negative = v.negative;
  config.sharedNegatives = v.shared;
  config.alpha = 0.05;
  cuda_emulation::Model model(config, testing_corpus::tablesFor(c, v.hs), c.vocabSize);
  if (v.tileRows > 0) model.args.tileRows = v.tileRows;
  // Non-zero output rows, so that every dot product matters.
  w2v::Random rng(3);
  for (w2v::AlignedFloats* m : {&model.syn1neg, &model.syn1})
    for (size_t i = 0; i < m->size(); ++i) m->data()[i] = (rng.uniform() - 0.5f) * 0.2f;
  BatchBuilder builder(config, model.tables.keepProbability);
  std::vector<w2v::Chunk> chunks = testing_corpus::chunksOf(c, 0, 100000);
  cuda_emulation::Batch batch = cuda_emulation::buildBatch(builder, chunks, 0);

  KernelArgs d = model.args;
  float* syn0 = upload(model.syn0.data(), model.syn0.size());
  float* syn1neg = upload(model.syn1neg.data(), model.syn1neg.size());
  float* syn1 = upload(model.syn1.data(), model.syn1.size());
  d.syn0 = syn0;
  d.syn1neg = model.syn1neg.empty() ? nullptr : syn1neg;
  d.syn1 = model.syn1.empty() ? nullptr : syn1;
  d.alias = v.negative > 0 ? upload(model.samplers.negative.entries(), model.samplers.negative.size()) : nullptr;
  d.codes = v.hs ? upload(model.tables.huffmanCodes.data(), model.tables.huffmanCodes.size()) : nullptr;
  d.points = v.hs ? upload(model.tables.huffmanPoints.data(), model.tables.huffmanPoints.size()) : nullptr;
  d.offsets = v.hs ? upload(model.tables.huffmanOffsets.data(), model.tables.huffmanOffsets.size()) : nullptr;
  d.tokens = upload(batch.tokens.data(), batch.tokens.size());
  SliceDesc* slices = upload(batch.slices.data(), batch.slices.size());
  const BatchCounters zero{0, 0, 0};
  BatchCounters* counters = upload(&zero, 1);
  d.counters = counters;
  d.key = batchKey(config.seed, 0);
  cudaOk(prepareTrainKernel(v.dim, trainKernelSharedBytes(d)), "prepareTrainKernel");
  if (concurrent) {
    d.slices = slices;
    d.sliceCount = static_cast<int32_t>(batch.slices.size());
    cudaOk(launchTrainKernel(d, nullptr, maxBlocks), "launchTrainKernel");
  } else {
    for (size_t s = 0; s < batch.slices.size(); ++s) {
      d.slices = slices + s;
      d.sliceCount = 1;
      cudaOk(launchTrainKernel(d, nullptr), "launchTrainKernel");
    }
  }
  cudaOk(cudaDeviceSynchronize(), "the kernel");
  std::vector<float> gpu0(model.syn0.size()), gpu1neg(model.syn1neg.size()), gpu1(model.syn1.size());
  download(gpu0.data(), syn0, gpu0.size());
  download(gpu1neg.data(), syn1neg, gpu1neg.size());
  download(gpu1.data(), syn1, gpu1.size());
  BatchCounters gpu;
  download(&gpu, counters, 1);

  KernelArgs h = model.args;
  BatchCounters host{0, 0, 0};
  h.tokens = batch.tokens.data();
  h.slices = batch.slices.data();
  h.sliceCount = static_cast<int32_t>(batch.slices.size());
  h.key = d.key;
  h.counters = &host;
  referenceTrainBatch(h);

  CHECK_MSG(gpu.predictions == host.predictions, v.name << ": predictions " << gpu.predictions << " vs " << host.predictions);
  CHECK_MSG(gpu.rowsMoved == host.rowsMoved, v.name << ": rows " << gpu.rowsMoved << " vs " << host.rowsMoved);
  if (concurrent) {
    bool finite = true;
    for (float x : gpu0) finite = finite && std::isfinite(x);
    CHECK_MSG(finite, v.name << ": non-finite weights");
    CHECK_MSG(std::fabs(gpu.loss - host.loss) < 0.1 * host.loss, v.name << ": loss " << gpu.loss << " vs " << host.loss);
  } else {
    CHECK_MSG(std::fabs(gpu.loss - host.loss) <= 1e-4 * host.loss, v.name << ": loss " << gpu.loss << " vs " << host.loss);
    const double d0 = largestDifference(model.syn0, gpu0);
    const double d1 = model.syn1neg.empty() ? 0 : largestDifference(model.syn1neg, gpu1neg);
    const double d2 = model.syn1.empty() ? 0 : largestDifference(model.syn1, gpu1);
    CHECK_MSG(d0 < 1e-4 && d1 < 1e-4 && d2 < 1e-4, v.name << ": largest differences " << d0 << ", " << d1 << ", " << d2);
  }
  for (const void* p : {static_cast<const void*>(syn0), static_cast<const void*>(syn1neg), static_cast<const void*>(syn1),
                        static_cast<const void*>(d.alias), static_cast<const void*>(d.codes),
                        static_cast<const void*>(d.points), static_cast<const void*>(d.offsets),
                        static_cast<const void*>(d.tokens), static_cast<const void*>(slices),
                        static_cast<const void*>(counters)})
    if (p != nullptr) cudaFree(const_cast<void*>(p));
}

const Variant kVariants[] = {
    {"skip-gram, shared negatives, dim 100", 100, false, false, true, 5, 0},
    {"skip-gram, shared negatives, dim 300", 300, false, false, true, 5, 0},
    {"skip-gram, negatives per pair, dim 100", 100, false, false, false, 5, 0},
    {"cbow, dim 100", 100, true, false, true, 5, 0},
    {"cbow, dim 300", 300, true, false, true, 5, 0},
    {"skip-gram, hs + negatives, dim 64", 64, false, true, true, 3, 0},
    {"cbow, hs, dim 200", 200, true, true, true, 0, 0},
    {"skip-gram, tiles of 2, dim 100", 100, false, true, true, 7, 2},
    {"cbow, tiles of 3, dim 1000", 1000, true, true, true, 4, 3},
    {"skip-gram, 40 negatives, dim 20", 20, false, false, true, 40, 0},
};

w2v::TrainerConfig trainerConfig(const Corpus& c, bool cbow) {
  w2v::TrainerConfig config = testing_corpus::plantedConfig(c, 5);
  config.cbow = cbow;
  config.sharedNegatives = true;
  if (cbow) config.alpha = 0.05;
  return config;
}

}  // namespace

TEST(cuda_device_is_described) {
  const w2v::CudaStatus status = w2v::cudaStatus();
  CHECK(status.compiled);
  if (!CHECK(!status.devices.empty())) return;
  const w2v::CudaDeviceInfo& d = status.devices[0];
  CHECK(!d.name.empty());
  CHECK(d.memoryBytes > (uint64_t{1} << 30));
  CHECK(d.computeMajor >= 5);
  CHECK(d.multiprocessors > 0);
  CHECK(d.memoryBandwidthBytesPerSecond > 1e11);
  std::printf("  %s: %d SMs, %.1f GB, %.0f GB/s, compute %d.%d\n", d.name.c_str(), d.multiprocessors,
              static_cast<double>(d.memoryBytes) / 1e9, d.memoryBandwidthBytesPerSecond / 1e9, d.computeMajor,
              d.computeMinor);
}

TEST(cuda_kernel_slice_by_slice_matches_the_host_emulation) {
  for (const Variant& v : kVariants) compareWithEmulation(v, false);
}

TEST(cuda_kernel_in_one_launch_makes_the_same_draws) {
  for (const Variant& v : kVariants) compareWithEmulation(v, true);
  // A capped grid: each warp takes several slices in turn.
  compareWithEmulation(kVariants[0], true, 3);
  compareWithEmulation(kVariants[3], true, 1);
}

TEST(cuda_trainer_learns_planted_groups) {
  static const Corpus c = testing_corpus::plantedCorpus(200000, 2024);
  for (const bool cbow : {false, true}) {
    const w2v::TrainerConfig config = trainerConfig(c, cbow);
    auto trainer = w2v::makeTrainer(w2v::TrainerDevice::kCuda, config, testing_corpus::tablesFor(c, false), c.vocabSize);
    trainer->start();
    for (int32_t e = 0; e < config.epochs; ++e)
      for (w2v::Chunk& chunk : testing_corpus::chunksOf(c, e, 50))
        while (!trainer->tryPush(std::move(chunk))) std::this_thread::sleep_for(std::chrono::microseconds(100));
    trainer->close();
    trainer->join();
    const int32_t recall = cuda_emulation::worstGroupRecall(trainer->inputVectors().data(), c.vocabSize, config.dim, c);
    CHECK_MSG(recall >= 8, (cbow ? "cbow" : "skip-gram") << ": worst group recall " << recall << " of 9");
    const auto stats = trainer->epochStats();
    for (const auto& e : stats) {
      CHECK_EQ(e.words, static_cast<int64_t>(c.tokens.size()));
      CHECK(e.predictions > 0 && e.bytesMoved > 0 && e.deviceSeconds > 0);
    }
    CHECK(stats.back().loss / stats.back().predictions < stats.front().loss / stats.front().predictions);
    CHECK_EQ(trainer->progress().wordsDone, static_cast<int64_t>(c.tokens.size()) * config.epochs);
    CHECK_EQ(trainer->outputVectors().size(), trainer->inputVectors().size());
  }
}

TEST(cuda_trainer_takes_a_sentence_longer_than_a_batch) {
  Corpus c = testing_corpus::plantedCorpus(3000000, 5, 4, 10, 3000000);
  w2v::TrainerConfig config = trainerConfig(c, false);
  config.epochs = 1;
  auto trainer = w2v::makeTrainer(w2v::TrainerDevice::kCuda, config, testing_corpus::tablesFor(c, false), c.vocabSize);
  trainer->start();
  for (w2v::Chunk& chunk : testing_corpus::chunksOf(c, 0, 1)) CHECK(trainer->tryPush(std::move(chunk)));
  trainer->close();
  CHECK_NOTHROW(trainer->join());
  CHECK_EQ(trainer->epochStats()[0].words, static_cast<int64_t>(3000000));
}

TEST(cuda_trainer_cancels_promptly_and_refuses_what_it_cannot_train) {
  static const Corpus c = testing_corpus::plantedCorpus(200000, 9);
  w2v::TrainerConfig config = trainerConfig(c, false);
  config.epochs = 100;
  auto trainer = w2v::makeTrainer(w2v::TrainerDevice::kCuda, config, testing_corpus::tablesFor(c, false), c.vocabSize);
  trainer->start();
  w2v::Chunk withContext = testing_corpus::chunksOf(c, 0, 2)[0];
  withContext.sentenceContext.assign(withContext.sentenceEnds.size(), 1);
  CHECK_THROWS_AS(trainer->tryPush(std::move(withContext)), std::invalid_argument,
                  "device \"cuda\" does not support sentenceContext");
  for (w2v::Chunk& chunk : testing_corpus::chunksOf(c, 0, 50)) trainer->tryPush(std::move(chunk));
  const auto begin = std::chrono::steady_clock::now();
  trainer->cancel();
  CHECK_NOTHROW(trainer->join());
  CHECK(trainer->cancelled());
  CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(2));
  w2v::TrainerConfig wide = config;
  wide.dim = 2000;
  CHECK_THROWS_AS(w2v::makeTrainer(w2v::TrainerDevice::kCuda, wide, testing_corpus::tablesFor(c, false), c.vocabSize),
                  std::invalid_argument, "device \"cuda\" supports dim up to 1024, got 2000");
}

int main(int argc, char** argv) {
  const w2v::CudaStatus status = w2v::cudaStatus();
  if (status.deviceCount == 0) {
    std::printf("skipped: no CUDA device is visible (%s)\n", status.error.c_str());
    return 77;
  }
  return check::runAll(argc > 1 ? argv[1] : nullptr);
}
