#include "trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>


namespace w2v {

namespace {

constexpr int64_t kWordCountBatch = 10000;

std::string str(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument(message);
}

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
    : config_(config), tables_(std::move(tables)), vocabSize_(vocabSize) {
  const TrainerConfig& c = config_;
  require(vocabSize >= 1, "vocabulary size must be >= 1, got " + std::to_string(vocabSize));
  require(c.dim >= 1 && c.dim <= kMaxDim,
          "dim must be an integer in [1, " + std::to_string(kMaxDim) + "], got " + std::to_string(c.dim));
  require(c.window >= 1 && c.window <= kMaxWindow,
          "window must be an integer in [1, " + std::to_string(kMaxWindow) + "], got " + std::to_string(c.window));
  require(c.negative >= 0 && c.negative <= kMaxNegative,
          "negative must be an integer in [0, " + std::to_string(kMaxNegative) + "], got " + std::to_string(c.negative));
  require(c.negative > 0 || c.hs, "negative must be > 0 when hs is off, got 0");
  require(c.threads >= 1 && c.threads <= kMaxThreads,
          "threads must be an integer in [1, " + std::to_string(kMaxThreads) + "], got " + std::to_string(c.threads));
  require(c.epochs >= 1 && c.epochs <= kMaxEpochs,
          "epochs must be an integer in [1, " + std::to_string(kMaxEpochs) + "], got " + std::to_string(c.epochs));
  require(std::isfinite(c.alpha) && c.alpha > 0 && c.alpha <= 10, "alpha must be in (0, 10], got " + str(c.alpha));
  require(std::isfinite(c.minAlpha) && c.minAlpha >= 0 && c.minAlpha <= c.alpha,
          "minAlpha must be in [0, alpha], got " + str(c.minAlpha));
  require(c.wordsPerEpoch >= 0, "wordsPerEpoch must be >= 0, got " + std::to_string(c.wordsPerEpoch));
  require(c.queueCapacity >= 0 && c.queueCapacity <= 4096,
          "queueCapacity must be in [0, 4096], got " + std::to_string(c.queueCapacity));
  require(c.progressIntervalMs >= 1 && c.progressIntervalMs <= 3600000,
          "progressIntervalMs must be in [1, 3600000], got " + std::to_string(c.progressIntervalMs));

  const size_t v = static_cast<size_t>(vocabSize);
  require(tables_.keepProbability.size() == v,
          "keepProbability must have one entry per word (" + std::to_string(v) + "), got " +
              std::to_string(tables_.keepProbability.size()));
  for (size_t i = 0; i < v; ++i) {
    const float p = tables_.keepProbability[i];
    require(p >= 0.0f && p <= 1.0f,  // false for NaN too
            "keepProbability[" + std::to_string(i) + "] must be in [0, 1], got " + str(p));
  }
  if (c.negative > 0) {
    require(tables_.negativeWeights.size() == v,
            "negativeWeights must have one entry per word (" + std::to_string(v) + "), got " +
                std::to_string(tables_.negativeWeights.size()));
    negativeSampler_ = AliasSampler(tables_.negativeWeights);
  }
  require(c.groupNegative >= 0 && c.groupNegative <= kMaxNegative,
          "groupNegative must be in [0, " + std::to_string(kMaxNegative) + "], got " + std::to_string(c.groupNegative));
  if (c.groupNegative > 0) {
    require(c.negative > 0, "groupNegative needs negative sampling (negative > 0)");
    require(!c.cbow && !c.hs, "groupNegative is for skip-gram with negative sampling only");
    try {
      groupSampler_ = GroupSampler(tables_.groupOf, tables_.negativeWeights);
    } catch (const std::invalid_argument& e) {
      require(false, e.what());
    }
  }
  require(!c.wholeSentenceWindow || (!c.cbow && !c.hs && c.negative > 0),
          "wholeSentenceWindow is for skip-gram with negative sampling only");
  if (c.hs) {
    require(vocabSize >= 2, "hs needs a vocabulary of at least 2 words, got " + std::to_string(vocabSize));
    require(tables_.huffmanOffsets.size() == v + 1,
            "huffmanOffsets must have vocabulary size + 1 entries (" + std::to_string(v + 1) + "), got " +
                std::to_string(tables_.huffmanOffsets.size()));
    require(tables_.huffmanCodes.size() == tables_.huffmanPoints.size(),
            "huffmanCodes and huffmanPoints must have the same length, got " +
                std::to_string(tables_.huffmanCodes.size()) + " and " + std::to_string(tables_.huffmanPoints.size()));
    require(tables_.huffmanOffsets[0] == 0, "huffmanOffsets[0] must be 0, got " + std::to_string(tables_.huffmanOffsets[0]));
    for (size_t i = 0; i < v; ++i) {
      const int64_t a = tables_.huffmanOffsets[i], b = tables_.huffmanOffsets[i + 1];
      require(b > a && b - a <= kMaxCodeLength,
              "huffman code of word " + std::to_string(i) + " must have 1.." + std::to_string(kMaxCodeLength) +
                  " bits, got " + std::to_string(b - a));
    }
    require(static_cast<size_t>(tables_.huffmanOffsets[v]) == tables_.huffmanCodes.size(),
            "huffmanOffsets must end at the code table's length (" + std::to_string(tables_.huffmanCodes.size()) +
                "), got " + std::to_string(tables_.huffmanOffsets[v]));
    for (size_t k = 0; k < tables_.huffmanPoints.size(); ++k) {
      require(tables_.huffmanPoints[k] >= 0 && tables_.huffmanPoints[k] < vocabSize - 1,
              "huffmanPoints[" + std::to_string(k) + "] must be in [0, " + std::to_string(vocabSize - 1) + "), got " +
                  std::to_string(tables_.huffmanPoints[k]));
      require(tables_.huffmanCodes[k] <= 1, "huffmanCodes[" + std::to_string(k) + "] must be 0 or 1, got " +
                                                std::to_string(tables_.huffmanCodes[k]));
    }
  }

  const size_t cells = v * static_cast<size_t>(c.dim);
  syn0_ = AlignedFloats(cells);
  // The original's initialisation: uniform in [-0.5, 0.5) / dim, output weights zero.
  Random init(c.seed ^ 0x5DEECE66DULL);
  const float invDim = 1.0f / static_cast<float>(c.dim);
  float* w = syn0_.data();
  for (size_t i = 0; i < cells; ++i) w[i] = (init.uniform() - 0.5f) * invDim;
  if (c.negative > 0) {
    syn1neg_ = AlignedFloats(cells);
    syn1neg_.zero();
  }
  if (c.hs) {
    syn1_ = AlignedFloats(cells);
    syn1_.zero();
  }
  queueCapacity_ = static_cast<size_t>(c.queueCapacity > 0 ? c.queueCapacity : 2 * c.threads);
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
  onSpace_ = std::move(onSpace);
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
  for (int32_t id : chunk.tokens)
    if (id < 0 || id >= vocabSize_)
      throw std::invalid_argument("token id must be in [0, " + std::to_string(vocabSize_) + "), got " +
                                  std::to_string(id));
  int64_t previous = 0;
  for (int64_t end : chunk.sentenceEnds) {
    if (end < previous || end > static_cast<int64_t>(chunk.tokens.size()))
      throw std::invalid_argument("sentence ends must be non-decreasing and within the chunk (" +
                                  std::to_string(chunk.tokens.size()) + " tokens), got " + std::to_string(end));
    previous = end;
  }
  if (previous != static_cast<int64_t>(chunk.tokens.size()))
    throw std::invalid_argument("the last sentence end must equal the chunk's token count (" +
                                std::to_string(chunk.tokens.size()) + "), got " + std::to_string(previous));
  if (!chunk.sentenceContext.empty()) {
    if (chunk.sentenceContext.size() != chunk.sentenceEnds.size())
      throw std::invalid_argument("sentenceContext must have one entry per sentence (" +
                                  std::to_string(chunk.sentenceEnds.size()) + "), got " +
                                  std::to_string(chunk.sentenceContext.size()));
    if (config_.negative == 0 || config_.cbow || config_.hs)
      throw std::invalid_argument("sentenceContext is for skip-gram with negative sampling only");
    for (int32_t id : chunk.sentenceContext)
      if (id < -1 || id >= vocabSize_)
        throw std::invalid_argument("sentence context must be -1 or a word id in [0, " + std::to_string(vocabSize_) +
                                    "), got " + std::to_string(id));
  }
  if (chunk.epoch < 0 || chunk.epoch >= config_.epochs)
    throw std::invalid_argument("chunk epoch must be in [0, " + std::to_string(config_.epochs) + "), got " +
                                std::to_string(chunk.epoch));
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    if (closed_) throw std::logic_error("trainer input is closed");
    // Checked before the state: once cancelled, the workers may already have stopped.
    if (cancelled_.load()) return true;  // dropped: training is stopping anyway
    if (state_ != TrainerState::kRunning) throw std::logic_error("trainer is not running");
    if (queue_.size() >= queueCapacity_) {
      producerRefused_.store(true);
      return false;
    }
    queue_.push_back(std::move(chunk));
  }
  queueChanged_.notify_one();
  return true;
}

void Trainer::push(Chunk&& chunk) {
  while (!tryPush(std::move(chunk))) {
    std::unique_lock<std::mutex> lock(queueMutex_);
    queueChanged_.wait(lock, [&] { return queue_.size() < queueCapacity_ || cancelled_.load(); });
  }
}

void Trainer::close() {
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    closed_ = true;
  }
  queueChanged_.notify_all();
}

void Trainer::cancel() {
  cancelled_.store(true);
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    queue_.clear();
  }
  queueChanged_.notify_all();
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

double Trainer::currentAlpha() const {
  const double total = static_cast<double>(config_.epochs) * static_cast<double>(config_.wordsPerEpoch) + 1.0;
  const double done = std::min(1.0, static_cast<double>(wordsDone_.load(std::memory_order_relaxed)) / total);
  return std::max(config_.minAlpha, config_.alpha - (config_.alpha - config_.minAlpha) * done);
}

void Trainer::workerMain(int32_t index) {
  ThreadState& state = *states_[static_cast<size_t>(index)];
  try {
    for (;;) {
      Chunk chunk;
      {
        std::unique_lock<std::mutex> lock(queueMutex_);
        queueChanged_.wait(lock, [&] { return !queue_.empty() || closed_ || cancelled_.load(); });
        if (cancelled_.load() || queue_.empty()) break;
        chunk = std::move(queue_.front());
        queue_.pop_front();
      }
      queueChanged_.notify_all();  // wakes blocking push()
      if (producerRefused_.exchange(false) && onSpace_) onSpace_();
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
    if (onProgress_ && workersRunning_.load() > 0 && !cancelled_.load()) {
      lock.unlock();
      onProgress_(progressSinceLastReport());
      lock.lock();
    }
  }
  lock.unlock();
  if (onProgress_ && !cancelled_.load()) onProgress_(progressSinceLastReport());
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
    if (cancelled_.load(std::memory_order_relaxed)) return;
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
  job.cancelled = &cancelled_;
  kernel_(job);
  state.loss += job.loss;
  state.predictions += job.predictions;
}

}  // namespace w2v
