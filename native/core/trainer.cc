#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "trainer_checks.h"
#include "weight_init.h"

namespace w2v {

namespace {

constexpr int64_t kWordCountBatch = 10000;

}  // namespace

struct Trainer::ThreadState {
  explicit ThreadState(uint64_t seed, size_t scratchFloats, int32_t epochs)
      : rng(seed), scratch(scratchFloats), epochs(static_cast<size_t>(epochs)) {}
  Random rng;
  std::vector<int32_t> sentence;  // kept token ids of the sentence in hand
  AlignedFloats scratch;          // the kernel's hidden / gradient rows
  std::vector<EpochStats> epochs;
  double alpha = 0;
  int64_t wordsSinceReport = 0;
  double loss = 0;           // running totals, this thread only
  int64_t predictions = 0;
  std::atomic<double> publishedLoss{0};
  std::atomic<int64_t> publishedPredictions{0};
};

Trainer::Trainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize)
    : config_(config), tables_(std::move(tables)), vocabSize_(vocabSize),
      // Two chunks a thread by default: each worker has its next chunk waiting. Counted in
      // size_t: the config is not checked yet here, and 2 * a huge int overflowed (found by
      // the trainer fuzz target); checkTrainerInputs refuses such a count just below.
      queue_(config.queueCapacity > 0 ? static_cast<size_t>(config.queueCapacity)
                                      : 2 * static_cast<size_t>(std::max(1, config.threads))) {
  const TrainerConfig& c = config_;
  TrainerSamplers samplers = checkTrainerInputs(c, tables_, vocabSize);
  negativeSampler_ = std::move(samplers.negative);
  groupSampler_ = std::move(samplers.group);
  const size_t v = static_cast<size_t>(vocabSize);
  const size_t cells = v * static_cast<size_t>(c.dim);
  syn0_ = AlignedFloats(cells);
  // The original's initialisation: output weights zero.
  initInputVectors(syn0_, c.seed, c.dim);
  if (c.negative > 0) {
    syn1neg_ = AlignedFloats(cells);
    syn1neg_.zero();
  }
  if (c.hs) {
    syn1_ = AlignedFloats(cells);
    syn1_.zero();
  }
  kernel_ = simd::selectSentenceKernel(nullptr);
}

Trainer::~Trainer() {
  cancel();
  try {
    join();
  } catch (...) {
    // Destructors must not throw; the error was already reported through error().
  }
}

void Trainer::start(ProgressCallback onProgress, Notify onSpace, Notify onDone) {
  if (state_ != TrainerState::kCreated) throw std::logic_error("trainer already started");
  onProgress_ = std::move(onProgress);
  queue_.onSpace(std::move(onSpace));
  onDone_ = std::move(onDone);
  startTime_ = std::chrono::steady_clock::now();
  uint64_t seeder = config_.seed;
  for (int32_t t = 0; t < config_.threads; ++t) {
    // Hidden + gradient rows, and for the shared-negative window the context and target rows.
    // plus the shared-negative window's C x T scores.
    const size_t rows = 2 + 2 * static_cast<size_t>(config_.window) + static_cast<size_t>(config_.negative) + 1;
    const size_t scores = 2 * static_cast<size_t>(config_.window) * (static_cast<size_t>(config_.negative) + 1) + 16;
    states_.push_back(std::make_unique<ThreadState>(splitmix64(seeder), rows * static_cast<size_t>(config_.dim) + scores, config_.epochs));
    states_.back()->alpha = config_.alpha;
  }
  state_ = TrainerState::kRunning;
  workersRunning_.store(config_.threads);
  try {
    for (int32_t t = 0; t < config_.threads; ++t) workers_.emplace_back(&Trainer::workerMain, this, t);
    supervisor_ = std::thread(&Trainer::supervisorMain, this);
  } catch (...) {
    // Could not create every thread: stop the ones that started.
    cancel();
    workersRunning_.fetch_sub(config_.threads - static_cast<int32_t>(workers_.size()));
    for (auto& t : workers_) t.join();
    workers_.clear();
    state_ = TrainerState::kFinished;
    throw;
  }
}

bool Trainer::tryPush(Chunk&& chunk) {
  checkChunk(chunk, config_, vocabSize_);
  // Once closed, the queue refuses the chunk; once cancelled, it drops it (the workers may
  // already have stopped).
  if (!queue_.closed() && !queue_.cancelled() && state_ != TrainerState::kRunning)
    throw std::logic_error("trainer is not running");
  return queue_.tryPush(std::move(chunk));
}

void Trainer::push(Chunk&& chunk) {
  while (!tryPush(std::move(chunk))) queue_.waitForSpace();
}

void Trainer::close() { queue_.close(); }

void Trainer::cancel() {
  queue_.cancel();
  supervisorWake_.notify_all();
}

void Trainer::join() {
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  if (supervisor_.joinable()) supervisor_.join();
  const std::string e = error();
  if (!e.empty()) throw std::runtime_error(e);
}

void Trainer::releaseWeights() {
  if (state_ == TrainerState::kRunning) throw std::logic_error("releaseWeights() while the trainer is running");
  syn0_ = AlignedFloats();
  syn1neg_ = AlignedFloats();
  syn1_ = AlignedFloats();
}

std::string Trainer::error() const {
  std::lock_guard<std::mutex> lock(errorMutex_);
  return error_;
}

void Trainer::fail(const std::string& message) {
  if (!failed_.exchange(true)) {
    std::lock_guard<std::mutex> lock(errorMutex_);
    error_ = message;
  }
  cancel();
}

double Trainer::currentAlpha() const { return linearAlpha(config_, wordsDone_.load(std::memory_order_relaxed)); }

void Trainer::workerMain(int32_t index) {
  ThreadState& state = *states_[static_cast<size_t>(index)];
  try {
    Chunk chunk;
    while (queue_.pop(chunk) == ChunkQueue::Pop::kChunk) {
      latestEpoch_.store(std::max(latestEpoch_.load(std::memory_order_relaxed), chunk.epoch),
                         std::memory_order_relaxed);
      trainChunk(chunk, state);
    }
  } catch (const std::exception& e) {
    fail(std::string("training thread failed: ") + e.what());
  } catch (...) {
    fail("training thread failed with an unknown error");
  }
  if (workersRunning_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(supervisorMutex_);
    supervisorWake_.notify_all();
  }
}

void Trainer::supervisorMain() {
  std::unique_lock<std::mutex> lock(supervisorMutex_);
  while (workersRunning_.load() > 0) {
    supervisorWake_.wait_for(lock, std::chrono::milliseconds(config_.progressIntervalMs),
                             [&] { return workersRunning_.load() == 0; });
    if (onProgress_ && workersRunning_.load() > 0 && !queue_.cancelled()) {
      lock.unlock();
      onProgress_(progressSinceLastReport());
      lock.lock();
    }
  }
  lock.unlock();
  if (onProgress_ && !queue_.cancelled()) onProgress_(progressSinceLastReport());
  state_ = TrainerState::kFinished;
  if (onDone_) onDone_();
}

void Trainer::lossTotals(double& loss, int64_t& predictions) const {
  loss = 0;
  predictions = 0;
  for (const auto& s : states_) {
    loss += s->publishedLoss.load(std::memory_order_relaxed);
    predictions += s->publishedPredictions.load(std::memory_order_relaxed);
  }
}

Progress Trainer::progress() const {
  Progress p;
  p.wordsDone = wordsDone_.load();
  p.wordsTotal = static_cast<int64_t>(config_.epochs) * config_.wordsPerEpoch;
  p.epoch = latestEpoch_.load();
  p.alpha = currentAlpha();
  double loss;
  int64_t predictions;
  lossTotals(loss, predictions);
  p.loss = predictions > 0 ? loss / static_cast<double>(predictions) : 0;
  p.elapsedSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - startTime_).count();
  p.wordsPerSecond = p.elapsedSeconds > 0 ? static_cast<double>(p.wordsDone) / p.elapsedSeconds : 0;
  return p;
}

Progress Trainer::progressSinceLastReport() {
  Progress p = progress();
  double loss;
  int64_t predictions;
  lossTotals(loss, predictions);
  if (predictions > reportedPredictions_) {
    p.loss = (loss - reportedLoss_) / static_cast<double>(predictions - reportedPredictions_);
    reportedLoss_ = loss;
    reportedPredictions_ = predictions;
  }
  return p;
}

std::vector<EpochStats> Trainer::epochStats() const {
  std::vector<EpochStats> total(static_cast<size_t>(config_.epochs));
  for (const auto& s : states_)
    for (size_t e = 0; e < total.size(); ++e) {
      total[e].words += s->epochs[e].words;
      total[e].predictions += s->epochs[e].predictions;
      total[e].loss += s->epochs[e].loss;
    }
  return total;
}

void Trainer::trainChunk(const Chunk& chunk, ThreadState& state) {
  EpochStats& stats = state.epochs[static_cast<size_t>(chunk.epoch)];
  const double lossBefore = state.loss;
  const int64_t predictionsBefore = state.predictions;
  const float* keep = tables_.keepProbability.data();
  int64_t begin = 0;
  for (size_t sentenceIndex = 0; sentenceIndex < chunk.sentenceEnds.size(); ++sentenceIndex) {
    const int64_t end = chunk.sentenceEnds[sentenceIndex];
    if (queue_.cancelled()) return;
    state.sentence.clear();
    for (int64_t i = begin; i < end; ++i) {
      const int32_t w = chunk.tokens[static_cast<size_t>(i)];
      const float p = keep[w];
      if (p >= 1.0f || state.rng.uniform() < p) state.sentence.push_back(w);
    }
    state.wordsSinceReport += end - begin;
    stats.words += end - begin;
    begin = end;
    if (state.wordsSinceReport >= kWordCountBatch) {
      wordsDone_.fetch_add(state.wordsSinceReport, std::memory_order_relaxed);
      state.wordsSinceReport = 0;
      state.alpha = currentAlpha();
    }
    const int32_t context = chunk.sentenceContext.empty() ? -1 : chunk.sentenceContext[sentenceIndex];
    trainSentence(state.sentence.data(), static_cast<int32_t>(state.sentence.size()), context, state);
    state.publishedLoss.store(state.loss, std::memory_order_relaxed);
    state.publishedPredictions.store(state.predictions, std::memory_order_relaxed);
  }
  wordsDone_.fetch_add(state.wordsSinceReport, std::memory_order_relaxed);
  state.wordsSinceReport = 0;
  state.alpha = currentAlpha();
  stats.loss += state.loss - lossBefore;
  stats.predictions += state.predictions - predictionsBefore;
}

void Trainer::trainSentence(const int32_t* sentence, int32_t length, int32_t globalContext, ThreadState& state) {
  simd::SentenceJob job;
  job.sentence = sentence;
  job.length = length;
  job.syn0 = syn0_.data();
  job.syn1neg = syn1neg_.data();
  job.syn1 = syn1_.data();
  job.dim = config_.dim;
  job.window = config_.window;
  job.negative = config_.negative;
  job.cbow = config_.cbow;
  job.hs = config_.hs;
  job.sharedNegatives = config_.sharedNegatives;
  job.alpha = static_cast<float>(state.alpha);
  job.negativeTable = config_.negative > 0 ? negativeSampler_.entries() : nullptr;
  job.vocabSize = static_cast<uint32_t>(vocabSize_);
  job.sigmoid = sigmoid_.sigmoidData();
  job.logSigmoid = sigmoid_.logSigmoidData();
  job.codes = tables_.huffmanCodes.data();
  job.points = tables_.huffmanPoints.data();
  job.offsets = tables_.huffmanOffsets.data();
  job.wholeSentence = config_.wholeSentenceWindow;
  job.groupNegative = config_.groupNegative;
  job.groupOf = config_.groupNegative > 0 ? tables_.groupOf.data() : nullptr;
  job.groupMembers = groupSampler_.members();
  job.groupOffsets = groupSampler_.offsets();
  job.groupEntries = groupSampler_.entries();
  job.globalContext = globalContext;
  job.rng = &state.rng.state();
  job.scratch = state.scratch.data();
  job.loss = 0;
  job.predictions = 0;
  job.cancelled = queue_.cancelledFlag();
  kernel_(job);
  state.loss += job.loss;
  state.predictions += job.predictions;
}

}  // namespace w2v
