#include "ann_index.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../core/limits.h"
#include "../core/mapped_file.h"
#include "ann_index_impl.h"

namespace w2v {
namespace ann {
namespace {

/// Values sampled to choose the i8 scale.
constexpr size_t kScaleSample = size_t{1} << 20;

us::scalar_kind_t scalarKind(Quantization q) {
  return q == Quantization::kF32 ? us::scalar_kind_t::f32_k : q == Quantization::kF16 ? us::scalar_kind_t::f16_k : us::scalar_kind_t::i8_k;
}

void checkSettings(const IndexSettings& s) {
  auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
  if (s.dim < 1 || s.dim > kMaxModelDim) bad("dim must be an integer in [1, " + std::to_string(kMaxModelDim) + "], got " + std::to_string(s.dim));
  if (s.connectivity < kMinConnectivity || s.connectivity > kMaxConnectivity)
    bad("connectivity must be an integer in [2, 256], got " + std::to_string(s.connectivity));
  if (s.expansionAdd < 1 || s.expansionAdd > kMaxExpansion)
    bad("expansionAdd must be an integer in [1, " + std::to_string(kMaxExpansion) + "], got " + std::to_string(s.expansionAdd));
  if (s.expansionSearch < 1 || s.expansionSearch > kMaxExpansion)
    bad("expansionSearch must be an integer in [1, " + std::to_string(kMaxExpansion) + "], got " + std::to_string(s.expansionSearch));
}

/// i8: stored value per unit, so that all but the largest 0.01% of |values| (after the
/// cosine normalisation) fit in [-127, 127]; the rest are clamped.
float chooseI8Scale(const float* rows, size_t count, const IndexSettings& s) {
  const size_t dim = static_cast<size_t>(s.dim);
  const size_t total = count * dim;
  const size_t step = std::max<size_t>(1, total / kScaleSample);
  std::vector<float> sample;
  std::vector<float> unit(dim);
  for (size_t v = 0; v < total; v += step) {
    const size_t r = v / dim;
    float norm = 1;
    if (s.metric == Metric::kCosine) {
      double n = 0;
      for (size_t d = 0; d < dim; ++d) n += double{rows[r * dim + d]} * rows[r * dim + d];
      norm = n > 0 ? static_cast<float>(std::sqrt(n)) : 1.0f;
    }
    sample.push_back(std::fabs(rows[v]) / norm);
  }
  if (sample.empty()) return 1;
  const size_t at = std::min(sample.size() - 1, static_cast<size_t>(static_cast<double>(sample.size()) * 0.9999));
  std::nth_element(sample.begin(), sample.begin() + static_cast<std::ptrdiff_t>(at), sample.end());
  const float top = sample[at];
  return top > 0 && std::isfinite(127.0f / top) ? 127.0f / top : 1.0f;
}

void checkRows(const int32_t* ids, const float* rows, size_t count, int32_t dim) {
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] < 0) throw std::invalid_argument("ids[" + std::to_string(i) + "] must be an id in [0, 2147483647], got " + std::to_string(ids[i]));
    const float* row = rows + i * static_cast<size_t>(dim);
    for (int32_t d = 0; d < dim; ++d)
      if (!std::isfinite(row[d]))
        throw std::invalid_argument("vector " + std::to_string(i) + " (id " + std::to_string(ids[i]) + ") value " + std::to_string(d) +
                                    " must be finite, got " + std::to_string(row[d]));
  }
  std::vector<int32_t> sorted(ids, ids + count);
  std::sort(sorted.begin(), sorted.end());
  const auto twice = std::adjacent_find(sorted.begin(), sorted.end());
  if (twice != sorted.end()) throw std::invalid_argument("id " + std::to_string(*twice) + " appears more than once in one add");
}

}  // namespace

us::metric_punned_t ourMetric(const IndexSettings& s) {
  const DistanceFn fn = distanceKernels().of(s.quantization);
  return us::metric_punned_t::stateless(static_cast<size_t>(s.dim), reinterpret_cast<std::uintptr_t>(fn),
                                        us::metric_punned_signature_t::array_array_size_k, us::metric_kind_t::ip_k,
                                        scalarKind(s.quantization));
}

size_t bytesPerValue(Quantization q) { return q == Quantization::kF32 ? 4 : q == Quantization::kF16 ? 2 : 1; }

float encodeRow(const float* row, const IndexSettings& s, float scale, float* unit, uint8_t* out) {
  const int32_t dim = s.dim;
  float inv = 1;
  if (s.metric == Metric::kCosine) {
    double n = 0;
    for (int32_t d = 0; d < dim; ++d) n += double{row[d]} * row[d];
    inv = n > 0 ? static_cast<float>(1.0 / std::sqrt(n)) : 0.0f;
  }
  for (int32_t d = 0; d < dim; ++d) unit[d] = row[d] * inv;
  switch (s.quantization) {
    case Quantization::kF32:
      std::memcpy(out, unit, static_cast<size_t>(dim) * 4);
      return 1;
    case Quantization::kF16: {
      uint16_t* h = reinterpret_cast<uint16_t*>(out);
      for (int32_t d = 0; d < dim; ++d) h[d] = floatToHalf(unit[d]);
      return 1;
    }
    case Quantization::kI8:
    default: {
      if (scale == 0) {
        float top = 0;
        for (int32_t d = 0; d < dim; ++d) top = std::max(top, std::fabs(unit[d]));
        scale = top > 0 ? 127.0f / top : 1.0f;
      }
      int8_t* q = reinterpret_cast<int8_t*>(out);
      for (int32_t d = 0; d < dim; ++d) q[d] = static_cast<int8_t>(std::lround(std::max(-127.0f, std::min(127.0f, unit[d] * scale))));
      return scale;
    }
  }
}

bool SearchFilter::admits(uint64_t id) const {
  if (allow != nullptr && (id >= allowBits || ((allow[id >> 6] >> (id & 63)) & 1) == 0)) return false;
  return excludeCount == 0 || !std::binary_search(exclude, exclude + excludeCount, static_cast<int32_t>(id));
}

AnnIndex::AnnIndex(const IndexSettings& settings) : impl_(new Impl), settings_(settings) {
  checkSettings(settings);
  us::index_dense_config_t config(static_cast<size_t>(settings.connectivity), static_cast<size_t>(settings.expansionAdd),
                                  static_cast<size_t>(settings.expansionSearch));
  auto made = Dense::make(ourMetric(settings), config, us::default_free_value<uint64_t>(), us::index_limits_t(0, kContexts));
  if (!made) throw std::runtime_error(std::string("cannot create the index: ") + made.error.what());
  impl_->index = std::move(made.index);
}

AnnIndex::~AnnIndex() = default;

const char* AnnIndex::kernelName() { return distanceKernels().name; }
size_t AnnIndex::size() const {
  std::shared_lock<std::shared_mutex> g(impl_->lock);
  return impl_->index.size();
}
size_t AnnIndex::memoryBytes() const {
  std::shared_lock<std::shared_mutex> g(impl_->lock);
  return impl_->index.memory_usage();
}
float AnnIndex::i8Scale() const { return impl_->i8Scale; }
bool AnnIndex::isView() const { return impl_->mapped != nullptr; }

bool AnnIndex::contains(int32_t id) const {
  std::shared_lock<std::shared_mutex> g(impl_->lock);
  return id >= 0 && impl_->index.contains(static_cast<uint64_t>(id));
}

void AnnIndex::setExpansionAdd(int32_t expansion) {
  if (expansion < 1 || expansion > kMaxExpansion)
    throw std::invalid_argument("expansionAdd must be an integer in [1, " + std::to_string(kMaxExpansion) + "], got " + std::to_string(expansion));
  std::unique_lock<std::shared_mutex> g(impl_->lock);
  impl_->index.change_expansion_add(static_cast<size_t>(expansion));
  settings_.expansionAdd = expansion;
}

void AnnIndex::setExpansionSearch(int32_t expansion) {
  if (expansion < 1 || expansion > kMaxExpansion)
    throw std::invalid_argument("expansionSearch must be an integer in [1, " + std::to_string(kMaxExpansion) + "], got " + std::to_string(expansion));
  std::unique_lock<std::shared_mutex> g(impl_->lock);
  impl_->index.change_expansion_search(static_cast<size_t>(expansion));
  settings_.expansionSearch = expansion;
}


bool AnnIndex::add(const int32_t* ids, const float* rows, size_t count, int threads, const ProgressFn& progress,
                   const std::atomic<bool>* cancelled) {
  if (isView()) throw std::runtime_error("this index is a read-only view of its file: load it without view to add or remove rows");
  checkRows(ids, rows, count, settings_.dim);
  if (count == 0) return true;
  Impl& impl = *impl_;
  {
    std::unique_lock<std::shared_mutex> g(impl.lock);
    if (settings_.quantization == Quantization::kI8 && impl.i8Scale == 0) impl.i8Scale = chooseI8Scale(rows, count, settings_);
    for (size_t i = 0; i < count; ++i) impl.index.remove(static_cast<uint64_t>(ids[i]));  // replaced rows
    const size_t needed = impl.index.size() + impl.pending.load() + count;
    if (needed > impl.index.capacity()) impl.reserve(std::max(needed, impl.index.capacity() + impl.index.capacity() / 2));
    impl.pending += count;
  }
  struct PendingRows {
    std::atomic<size_t>& pending;
    size_t count;
    ~PendingRows() { pending -= count; }
  } pendingRows{impl.pending, count};
  std::shared_lock<std::shared_mutex> g(impl.lock);
  const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), std::min(count, kContexts)));
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex errorMutex;
  std::string error;
  auto fail = [&](const std::string& message) {
    std::lock_guard<std::mutex> e(errorMutex);
    if (error.empty()) error = message;
    next.store(count);
  };
  auto work = [&](bool reports) {
    try {
      Impl::Lease lease(impl);
      const size_t dim = static_cast<size_t>(settings_.dim);
      std::vector<float> unit(dim);
      std::vector<uint8_t> stored(dim * 4);
      size_t sinceReport = 0;
      for (size_t i; (i = next.fetch_add(1)) < count;) {
        if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) break;
        encodeRow(rows + i * dim, settings_, impl.i8Scale, unit.data(), stored.data());
        const uint64_t key = static_cast<uint64_t>(ids[i]);
        Dense::add_result_t r;
        switch (settings_.quantization) {
          case Quantization::kF32: r = impl.index.add(key, reinterpret_cast<const float*>(stored.data()), lease.id); break;
          case Quantization::kF16: r = impl.index.add(key, reinterpret_cast<const us::f16_t*>(stored.data()), lease.id); break;
          default: r = impl.index.add(key, reinterpret_cast<const us::i8_t*>(stored.data()), lease.id); break;
        }
        if (!r) {
          fail(std::string("cannot add id ") + std::to_string(ids[i]) + ": " + r.error.what());
          break;
        }
        done.fetch_add(1, std::memory_order_relaxed);
        if (reports && progress && ++sinceReport >= 1024) {
          sinceReport = 0;
          progress(done.load(std::memory_order_relaxed), count);
        }
      }
    } catch (const std::exception& e) {
      fail(e.what());
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(work, false);
  work(true);
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  if (progress) progress(done.load(), count);
  return done.load() == count;
}

size_t AnnIndex::remove(const int32_t* ids, size_t count) {
  if (isView()) throw std::runtime_error("this index is a read-only view of its file: load it without view to add or remove rows");
  std::unique_lock<std::shared_mutex> g(impl_->lock);
  size_t removed = 0;
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] < 0) continue;
    auto r = impl_->index.remove(static_cast<uint64_t>(ids[i]));
    if (!r) throw std::runtime_error(std::string("cannot remove id ") + std::to_string(ids[i]) + ": " + r.error.what());
    removed += r.completed;
  }
  return removed;
}

}  // namespace ann
}  // namespace w2v
