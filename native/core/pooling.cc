#include "pooling.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "w2v_limits.h"

namespace w2v {

namespace {

// Work is handed out in blocks: small enough to balance sequences of uneven length over the
// threads, large enough that taking one costs nothing.
constexpr int64_t kSequenceBlock = 256;
constexpr int64_t kRowBlock = 4096;
// Below this many values one thread does it: starting threads would cost more.
constexpr int64_t kMinValuesPerExtraThread = int64_t{1} << 16;
// Power iteration stops once a step moves the unit vector by at most this (Euclidean), or
// after kMaxPowerIterations steps on the rows (kMaxGramIterations on the Gram matrix): rows
// whose first two singular values are (nearly) equal have no one first direction.
constexpr double kPowerStepTolerance = 1e-10;
constexpr int32_t kMaxPowerIterations = 1000;
constexpr int32_t kMaxGramIterations = 20000;
/// Up to this dim the Gram matrix (dim^2 doubles: 32 MiB at 2048) may take over.
constexpr int32_t kMaxGramDim = 2048;
/// Rows of the Gram matrix one thread computes at a time.
constexpr int64_t kGramBand = 8;

std::string show(double d) {
  std::ostringstream s;
  s.precision(17);
  s << d;
  return s.str();
}

int32_t threadCount(int32_t threads, int64_t blocks, int64_t values) {
  int64_t t = std::max<int64_t>(1, std::min<int64_t>(threads, kMaxPoolingThreads));
  t = std::min(t, blocks);
  t = std::min(t, std::max<int64_t>(1, values / kMinValuesPerExtraThread));
  return static_cast<int32_t>(std::max<int64_t>(1, t));
}

/// Runs work(block, scratch) for every block in [0, blocks) on up to `threads` threads, each
/// with its own scratch of `scratchSize` doubles; the first exception is rethrown after all join.
template <typename Work>
void forEachBlock(int64_t blocks, int32_t threads, size_t scratchSize, const Work& work) {
  std::atomic<int64_t> next{0};
  std::exception_ptr failure;
  std::mutex failureLock;
  auto run = [&]() {
    try {
      std::vector<double> scratch(scratchSize);
      for (int64_t b = next++; b < blocks; b = next++) work(b, scratch.data());
    } catch (...) {
      std::lock_guard<std::mutex> lock(failureLock);
      if (!failure) failure = std::current_exception();
      next = blocks;
    }
  };
  if (threads <= 1) {
    run();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(threads - 1));
    try {
      for (int32_t t = 1; t < threads; ++t) pool.emplace_back(run);
    } catch (...) {
      // No more threads to be had: the ones started and this one share the blocks.
    }
    run();
    for (auto& th : pool) th.join();
  }
  if (failure) std::rethrow_exception(failure);
}

/// Scales `u` to unit length; false when it is zero (or not finite).
bool normalise(std::vector<double>& u) {
  double n2 = 0;
  for (double x : u) n2 += x * x;
  if (!(n2 > 0) || !std::isfinite(n2)) return false;
  const double inv = 1.0 / std::sqrt(n2);
  for (double& x : u) x *= inv;
  return true;
}

/// Power iteration's start: the rows' sum (close to the answer when the rows share a
/// direction, as pooled word vectors do), else the longest row (rows that cancel out);
/// empty when every row is zero.
std::vector<double> powerStart(const float* rows, int64_t n, int32_t dim) {
  const size_t d = static_cast<size_t>(dim);
  std::vector<double> v(d, 0.0);
  double best = 0;
  int64_t longest = -1;
  for (int64_t r = 0; r < n; ++r) {
    const float* x = rows + static_cast<size_t>(r) * d;
    double n2 = 0;
    for (size_t j = 0; j < d; ++j) {
      v[j] += x[j];
      n2 += static_cast<double>(x[j]) * x[j];
    }
    if (n2 > best) {
      best = n2;
      longest = r;
    }
  }
  if (longest < 0) return {};
  if (normalise(v)) return v;
  const float* x = rows + static_cast<size_t>(longest) * d;
  v.assign(x, x + d);
  if (!normalise(v)) return {};
  return v;
}

struct RowMatrix {
  const float* rows;
  int64_t n;
  int32_t dim;
};

enum class PowerState { kRunning, kConverged, kZero };

/// One step v <- A v / |A v|, A v given by `times`.
template <typename Times>
PowerState powerStep(std::vector<double>& v, const Times& times) {
  std::vector<double> z(v.size());
  times(v, z);
  if (!normalise(z)) return PowerState::kZero;
  double step = 0;
  for (size_t j = 0; j < v.size(); ++j) step += (z[j] - v[j]) * (z[j] - v[j]);
  v.swap(z);
  return step <= kPowerStepTolerance * kPowerStepTolerance ? PowerState::kConverged : PowerState::kRunning;
}

/// to = X^T X from, summed per block of rows and then over the blocks in order: the same sums
/// in the same order whatever the thread count.
void gramTimesOnRows(const RowMatrix& x, const std::vector<double>& from, std::vector<double>& to,
                     std::vector<double>& partial, int32_t threads) {
  const size_t d = static_cast<size_t>(x.dim);
  const int64_t blocks = (x.n + kRowBlock - 1) / kRowBlock;
  forEachBlock(blocks, threads, 0, [&](int64_t b, double*) {
    double* p = partial.data() + static_cast<size_t>(b) * d;
    std::fill(p, p + d, 0.0);
    const int64_t end = std::min(x.n, (b + 1) * kRowBlock);
    for (int64_t r = b * kRowBlock; r < end; ++r) {
      const float* row = x.rows + static_cast<size_t>(r) * d;
      double proj = 0;
      for (size_t j = 0; j < d; ++j) proj += row[j] * from[j];
      for (size_t j = 0; j < d; ++j) p[j] += proj * row[j];
    }
  });
  std::fill(to.begin(), to.end(), 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (size_t j = 0; j < d; ++j) to[j] += partial[static_cast<size_t>(b) * d + j];
}

/// X^T X (dim x dim), each entry summed over the rows in order; threads take bands of its
/// rows, so the result does not depend on their number.
std::vector<double> gramMatrix(const RowMatrix& x, int32_t threads) {
  const size_t d = static_cast<size_t>(x.dim);
  std::vector<double> gram(d * d, 0.0);
  const int64_t bands = (x.dim + kGramBand - 1) / kGramBand;
  forEachBlock(bands, threadCount(threads, bands, x.n * x.dim), 0, [&](int64_t b, double*) {
    const size_t from = static_cast<size_t>(b * kGramBand), to = std::min(d, from + kGramBand);
    for (int64_t r = 0; r < x.n; ++r) {
      const float* row = x.rows + static_cast<size_t>(r) * d;
      for (size_t i = from; i < to; ++i) {
        const double xi = row[i];
        double* g = gram.data() + i * d;
        for (size_t j = i; j < d; ++j) g[j] += xi * row[j];
      }
    }
  });
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < i; ++j) gram[i * d + j] = gram[j * d + i];
  return gram;
}

void poolOne(const TokenSequences& in, Pooling mode, int64_t s, double* acc, float* out) {
  const size_t d = static_cast<size_t>(in.dim);
  const int64_t from = in.offsets[s], to = in.offsets[s + 1];
  std::fill(acc, acc + d, mode == Pooling::kMax ? -std::numeric_limits<double>::infinity() : 0.0);
  double total = 0;
  for (int64_t t = from; t < to; ++t) {
    const float* row = in.matrix + static_cast<size_t>(in.ids[t]) * d;
    const double w = in.weights ? in.weights[t] : 1.0;
    total += w;
    if (mode == Pooling::kMax) {
      for (size_t j = 0; j < d; ++j) acc[j] = std::max(acc[j], w * row[j]);
    } else {
      for (size_t j = 0; j < d; ++j) acc[j] += w * row[j];
    }
  }
  float* o = out + static_cast<size_t>(s) * d;
  if (from == to || (mode == Pooling::kMean && total == 0)) {
    std::fill(o, o + d, 0.0f);
    return;
  }
  const double scale = mode == Pooling::kMean ? 1.0 / total : 1.0;
  for (size_t j = 0; j < d; ++j) o[j] = static_cast<float>(acc[j] * scale);
}

}  // namespace

void checkSequences(const TokenSequences& in) {
  if (in.dim < 1) throw std::invalid_argument("dim must be at least 1, got " + std::to_string(in.dim));
  if (in.rows < 0 || in.idCount < 0 || in.sequences < 0)
    throw std::invalid_argument("rows, idCount and sequences must be >= 0");
  if ((in.rows > 0 && in.matrix == nullptr) || (in.idCount > 0 && in.ids == nullptr) || in.offsets == nullptr)
    throw std::invalid_argument("matrix, ids and offsets must be given");
  if (in.offsets[0] != 0) throw std::invalid_argument("offsets[0] must be 0, got " + std::to_string(in.offsets[0]));
  for (int64_t s = 1; s <= in.sequences; ++s) {
    const int32_t o = in.offsets[s];
    if (o < in.offsets[s - 1] || o > in.idCount)
      throw std::invalid_argument("offsets must rise from 0 to the id count " + std::to_string(in.idCount) +
                                  ", got " + std::to_string(o) + " at index " + std::to_string(s));
  }
  if (in.offsets[in.sequences] != in.idCount)
    throw std::invalid_argument("offsets must end at the id count " + std::to_string(in.idCount) + ", got " +
                                std::to_string(in.offsets[in.sequences]));
  for (int64_t t = 0; t < in.idCount; ++t) {
    if (in.ids[t] < 0 || in.ids[t] >= in.rows)
      throw std::invalid_argument("ids[" + std::to_string(t) + "] must be a row in [0, " + std::to_string(in.rows) +
                                  "), got " + std::to_string(in.ids[t]));
  }
  if (in.weights != nullptr) {
    for (int64_t t = 0; t < in.idCount; ++t) {
      if (!(in.weights[t] >= 0) || !std::isfinite(in.weights[t]))
        throw std::invalid_argument("weights[" + std::to_string(t) + "] must be a finite number >= 0, got " +
                                    show(in.weights[t]));
    }
  }
}

void poolSequences(const TokenSequences& in, Pooling mode, int32_t threads, float* out) {
  checkSequences(in);
  const int64_t blocks = (in.sequences + kSequenceBlock - 1) / kSequenceBlock;
  const int64_t work = std::max<int64_t>(in.idCount, in.sequences) * in.dim;
  forEachBlock(blocks, threadCount(threads, blocks, work), static_cast<size_t>(in.dim), [&](int64_t b, double* acc) {
    const int64_t to = std::min(in.sequences, (b + 1) * kSequenceBlock);
    for (int64_t s = b * kSequenceBlock; s < to; ++s) poolOne(in, mode, s, acc, out);
  });
}

std::vector<float> firstSingularVector(const float* rows, int64_t n, int32_t dim, int32_t threads) {
  const size_t d = static_cast<size_t>(dim);
  std::vector<float> result(d, 0.0f);
  std::vector<double> v = powerStart(rows, n, dim);
  if (v.empty()) return result;  // no rows, or every row zero
  const RowMatrix x{rows, n, dim};
  // Steps on the rows cost 2 n dim each; the Gram matrix costs n dim^2 / 2 once, then dim^2
  // a step. Rows first (pooled word vectors share a direction: a few steps do), the Gram
  // matrix once as many steps as it costs have not converged.
  const int32_t rowSteps = dim <= kMaxGramDim ? std::max(8, dim / 4) : kMaxPowerIterations;
  const int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
  const int32_t used = threadCount(threads, blocks, n * dim);
  std::vector<double> partial(static_cast<size_t>(blocks) * d);
  PowerState state = PowerState::kRunning;
  for (int32_t it = 0; it < rowSteps && state == PowerState::kRunning; ++it) {
    state = powerStep(v, [&](const std::vector<double>& from, std::vector<double>& to) {
      gramTimesOnRows(x, from, to, partial, used);
    });
  }
  if (state == PowerState::kRunning) {
    const std::vector<double> gram = gramMatrix(x, threads);
    for (int32_t it = 0; it < kMaxGramIterations && state == PowerState::kRunning; ++it) {
      state = powerStep(v, [&](const std::vector<double>& from, std::vector<double>& to) {
        for (size_t i = 0; i < d; ++i) {
          double s = 0;
          for (size_t j = 0; j < d; ++j) s += gram[i * d + j] * from[j];
          to[i] = s;
        }
      });
    }
  }
  if (state == PowerState::kZero) return result;
  size_t largest = 0;
  for (size_t j = 1; j < d; ++j)
    if (std::fabs(v[j]) > std::fabs(v[largest])) largest = j;
  const double sign = v[largest] < 0 ? -1.0 : 1.0;
  for (size_t j = 0; j < d; ++j) result[j] = static_cast<float>(sign * v[j]);
  return result;
}

namespace {

/// Runs `work(row)` on each of the n rows (dim floats each), in blocks over the threads.
template <typename RowWork>
void forEachRow(float* rows, int64_t n, int32_t dim, int32_t threads, const RowWork& work) {
  const size_t d = static_cast<size_t>(dim);
  const int64_t blocks = (n + kRowBlock - 1) / kRowBlock;
  forEachBlock(blocks, threadCount(threads, blocks, n * dim), 0, [&](int64_t b, double*) {
    const int64_t to = std::min(n, (b + 1) * kRowBlock);
    for (int64_t r = b * kRowBlock; r < to; ++r) work(rows + static_cast<size_t>(r) * d);
  });
}

}  // namespace

void removeComponent(float* rows, int64_t n, int32_t dim, const float* u, int32_t threads) {
  const size_t d = static_cast<size_t>(dim);
  forEachRow(rows, n, dim, threads, [&](float* x) {
    double proj = 0;
    for (size_t j = 0; j < d; ++j) proj += static_cast<double>(x[j]) * u[j];
    for (size_t j = 0; j < d; ++j) x[j] = static_cast<float>(x[j] - proj * u[j]);
  });
}

void normalizeRowsInPlace(float* rows, int64_t n, int32_t dim, int32_t threads) {
  const size_t d = static_cast<size_t>(dim);
  forEachRow(rows, n, dim, threads, [&](float* x) {
    double n2 = 0;
    for (size_t j = 0; j < d; ++j) n2 += static_cast<double>(x[j]) * x[j];
    if (!(n2 > 0)) return;
    const double inv = 1.0 / std::sqrt(n2);
    for (size_t j = 0; j < d; ++j) x[j] = static_cast<float>(x[j] * inv);
  });
}

void embedSequences(const TokenSequences& in, const EmbedSteps& steps, int32_t threads, float* out,
                    float* component) {
  if (steps.computeComponent && steps.givenComponent != nullptr)
    throw std::invalid_argument("a component is either computed or given, not both");
  if (steps.computeComponent && component == nullptr) throw std::invalid_argument("no room for the component");
  poolSequences(in, steps.pooling, threads, out);
  const float* remove = steps.givenComponent;
  if (steps.computeComponent) {
    const std::vector<float> u = firstSingularVector(out, in.sequences, in.dim, threads);
    std::copy(u.begin(), u.end(), component);
    remove = component;
  }
  if (remove != nullptr) removeComponent(out, in.sequences, in.dim, remove, threads);
  if (steps.normalize) normalizeRowsInPlace(out, in.sequences, in.dim, threads);
}

}  // namespace w2v
