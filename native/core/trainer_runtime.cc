#include "trainer_runtime.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "weight_init.h"

namespace w2v {

TrainerRuntime::TrainerRuntime(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize,
                               size_t defaultQueueCapacity, std::string failurePrefix)
    : config_(config), tables_(std::move(tables)), vocabSize_(vocabSize),
      samplers_(checkTrainerInputs(config_, tables_, vocabSize)),
      queue_(config.queueCapacity > 0 ? static_cast<size_t>(config.queueCapacity) : defaultQueueCapacity),
      rowStride_(config_.dim), failurePrefix_(std::move(failurePrefix)) {}

TrainerRuntime::~TrainerRuntime() { stopThreads(); }

void TrainerRuntime::stopThreads() noexcept {
  cancel();
  try {
    join();
  } catch (...) {
    // Destructors must not throw; the error was already reported through error().
  }
}

void TrainerRuntime::allocateInputVectors(int32_t rowStride) {
  // Padded only where the packed matrix is still a mapping of its own (pages::kMapBytes), so
  // that packing it unmaps its tail in place and never allocates.
  const size_t packedBytes = static_cast<size_t>(vocabSize_) * static_cast<size_t>(config_.dim) * sizeof(float);
  rowStride_ = packedBytes >= pages::kMapBytes ? std::max(config_.dim, rowStride) : config_.dim;
  syn0_ = AlignedFloats(static_cast<size_t>(vocabSize_) * static_cast<size_t>(rowStride_));
  // A part a training thread (of at least 16,384 rows: a thread for less costs more than it
  // saves); the cores are idle until the training starts anyway.
  const size_t parts = std::min(static_cast<size_t>(std::max(1, config_.threads)),
                                std::max<size_t>(1, static_cast<size_t>(vocabSize_) / 16384));
  w2v::initInputVectors(syn0_, config_.seed, config_.dim, rowStride_, parts);
}

void TrainerRuntime::packRows() {
  if (rowStride_ == config_.dim) return;
  const size_t dim = static_cast<size_t>(config_.dim), stride = static_cast<size_t>(rowStride_);
  for (AlignedFloats* m : {&syn0_, &syn1neg_, &syn1_}) {
    if (m->empty()) continue;
    const size_t rows = m->size() / stride;
    float* w = m->data();
    // Row r moves down to r * dim from r * stride >= r * dim: rows in ascending order never
    // overwrite one not yet moved (memmove: row r's old and new places may overlap).
    for (size_t r = 1; r < rows; ++r) std::memmove(w + r * dim, w + r * stride, dim * sizeof(float));
    m->shrink(rows * dim);
  }
  rowStride_ = config_.dim;
}

void TrainerRuntime::start(ProgressCallback onProgress, Notify onSpace, Notify onDone) {
  if (state_ != TrainerState::kCreated) throw std::logic_error("trainer already started");
  onProgress_ = std::move(onProgress);
  queue_.onSpace(std::move(onSpace));
  onDone_ = std::move(onDone);
  startTime_ = std::chrono::steady_clock::now();
  prepareWorkers();
  const int32_t workers = workerCount();
  state_ = TrainerState::kRunning;
  workersRunning_.store(workers);
  try {
    for (int32_t t = 0; t < workers; ++t) workers_.emplace_back(&TrainerRuntime::workerMain, this, t);
    supervisor_ = std::thread(&TrainerRuntime::supervisorMain, this);
  } catch (...) {
    // Could not create every thread: stop the ones that started.
    cancel();
    workersRunning_.fetch_sub(workers - static_cast<int32_t>(workers_.size()));
    for (auto& t : workers_) t.join();
    workers_.clear();
    state_ = TrainerState::kFinished;
    throw;
  }
}

void TrainerRuntime::checkPush(const Chunk& chunk) const {
  checkChunk(chunk, config_, vocabSize_);
  checkBackendChunk(chunk);
  // Once closed, the queue refuses the chunk; once cancelled, it drops it (the workers may
  // already have stopped).
  if (!queue_.closed() && !queue_.cancelled() && state_ != TrainerState::kRunning)
    throw std::logic_error("trainer is not running");
}

bool TrainerRuntime::tryPush(Chunk&& chunk) {
  checkPush(chunk);
  return queue_.tryPush(std::move(chunk));
}

void TrainerRuntime::push(Chunk&& chunk) {
  checkPush(chunk);
  queue_.pushWaiting(std::move(chunk));
}

void TrainerRuntime::feed(std::function<void(const Push&)> produce) {
  std::lock_guard<std::mutex> lock(feederMutex_);
  if (state_ != TrainerState::kRunning || feedingOver_) throw std::logic_error("feed(): the trainer is not running");
  if (feeder_.joinable()) throw std::logic_error("feed(): the trainer is already fed");
  feeder_ = std::thread(&TrainerRuntime::feederMain, this, std::move(produce));
}

void TrainerRuntime::feederMain(const std::function<void(const Push&)>& produce) {
  try {
    produce([this](Chunk&& chunk) {
      checkPush(chunk);
      return queue_.pushWaiting(std::move(chunk));
    });
    close();
  } catch (const std::exception& e) {
    fail(failurePrefix_ + ": " + e.what());
  } catch (...) {
    fail(failurePrefix_ + " with an unknown error");
  }
}

void TrainerRuntime::close() { queue_.close(); }

void TrainerRuntime::cancel() {
  queue_.cancel();
  supervisorWake_.notify_all();
}

void TrainerRuntime::join() {
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  if (supervisor_.joinable()) supervisor_.join();
  const std::string e = error();
  if (!e.empty()) throw std::runtime_error(e);
}

void TrainerRuntime::releaseWeights() {
  if (state_ == TrainerState::kRunning) throw std::logic_error("releaseWeights() while the trainer is running");
  syn0_ = AlignedFloats();
  syn1neg_ = AlignedFloats();
  syn1_ = AlignedFloats();
  attributeVectors_ = AlignedFloats();
  attributeLogits_ = AlignedFloats();
  releaseBackendWeights();
}

std::string TrainerRuntime::error() const {
  std::lock_guard<std::mutex> lock(errorMutex_);
  return error_;
}

void TrainerRuntime::fail(const std::string& message) {
  if (!failed_.exchange(true)) {
    std::lock_guard<std::mutex> lock(errorMutex_);
    error_ = message;
  }
  cancel();
}

void TrainerRuntime::workerMain(int32_t index) {
  try {
    runWorker(index);
  } catch (const std::exception& e) {
    fail(failurePrefix_ + ": " + e.what());
  } catch (...) {
    fail(failurePrefix_ + " with an unknown error");
  }
  if (workersRunning_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(supervisorMutex_);
    supervisorWake_.notify_all();
  }
}

void TrainerRuntime::supervisorMain() {
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
  // A feeder still pushing has been cancelled (the workers stop only once its input is closed
  // or cancelled): it returns at its next push.
  std::thread feeder;
  {
    std::lock_guard<std::mutex> feederLock(feederMutex_);
    feedingOver_ = true;
    feeder = std::move(feeder_);
  }
  if (feeder.joinable()) feeder.join();
  if (onProgress_ && !queue_.cancelled()) onProgress_(progressSinceLastReport());
  // Every worker has stopped: the weights are packed here, off the caller's thread, before
  // anyone is told the training is done.
  try {
    packRows();
  } catch (const std::exception& e) {
    fail(failurePrefix_ + ": " + e.what());
  }
  state_ = TrainerState::kFinished;
  if (onDone_) onDone_();
}

Progress TrainerRuntime::progress() const {
  Progress p;
  p.wordsDone = wordsDone_.load();
  p.wordsTotal = static_cast<int64_t>(config_.epochs) * config_.wordsPerEpoch;
  p.epoch = latestEpoch_.load();
  p.alpha = currentAlpha();
  double loss;
  int64_t predictions;
  lossTotals(loss, predictions);
  p.loss = predictions > 0 ? loss / static_cast<double>(predictions) : 0;
  p.elapsedSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - startTime_).count();
  p.wordsPerSecond = p.elapsedSeconds > 0 ? static_cast<double>(p.wordsDone) / p.elapsedSeconds : 0;
  return p;
}

Progress TrainerRuntime::progressSinceLastReport() {
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

}  // namespace w2v
