#include "ann_index.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../core/w2v_limits.h"
#include "../core/mapped_file.h"
#include "../core/parallel_parts.h"
#include "ann_index_impl.h"
#include "ivf_lists.h"

namespace w2v {
namespace ann {
namespace {

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
  if (s.dotTransform && (s.metric != Metric::kDot || s.quantization == Quantization::kI8 || s.kind != IndexKind::kGraph))
    bad("dotTransform applies to a dot index over f32 or f16 rows only, of kind graph");
  if (s.kind != IndexKind::kGraph && s.kind != IndexKind::kLists) bad("index kind " + std::to_string(static_cast<int>(s.kind)) + " is unknown");
  if (s.lists < 0 || s.lists > kMaxLists) bad("lists must be an integer in [1, " + std::to_string(kMaxLists) + "] (or 0: the default), got " + std::to_string(s.lists));
  checkProbes(s.probes);
}

/// The dot transform's R: the largest row norm (1 when every row is zero).
float largestNorm(const float* rows, size_t count, int32_t dim) {
  double top = 0;
  for (size_t r = 0; r < count; ++r) top = std::max(top, squaredNorm(rows + r * static_cast<size_t>(dim), dim));
  const float bound = static_cast<float>(std::sqrt(top));
  return bound > 0 && std::isfinite(bound) ? bound : 1.0f;
}

}  // namespace

us::metric_punned_t ourMetric(const IndexSettings& s) {
  const DistanceFn fn = distanceKernels().of(s.quantization);
  return us::metric_punned_t::stateless(static_cast<size_t>(s.storedDim()), reinterpret_cast<std::uintptr_t>(fn),
                                        us::metric_punned_signature_t::array_array_size_k, us::metric_kind_t::ip_k,
                                        scalarKind(s.quantization));
}

bool getStored(const Dense& index, Quantization q, uint64_t key, uint8_t* out) {
  switch (q) {
    case Quantization::kF32: return index.get(key, reinterpret_cast<float*>(out)) != 0;
    case Quantization::kF16: return index.get(key, reinterpret_cast<us::f16_t*>(out)) != 0;
    default: return index.get(key, reinterpret_cast<us::i8_t*>(out)) != 0;
  }
}

bool SearchFilter::admits(uint64_t id) const {
  if (allow != nullptr && (id >= allowBits || ((allow[id >> 6] >> (id & 63)) & 1) == 0)) return false;
  return excludeCount == 0 || !std::binary_search(exclude, exclude + excludeCount, static_cast<int32_t>(id));
}

AnnIndex::AnnIndex(const IndexSettings& settings) : impl_(new Impl), settings_(settings) {
  checkSettings(settings);
  if (settings.kind == IndexKind::kLists) {
    ivf_ = std::make_unique<IvfLists>(settings);
    return;
  }
  us::index_dense_config_t config(static_cast<size_t>(settings.connectivity), static_cast<size_t>(settings.expansionAdd),
                                  static_cast<size_t>(settings.expansionSearch));
  auto made = Dense::make(ourMetric(settings), config, us::default_free_value<uint64_t>(), us::index_limits_t(0, kContexts));
  if (!made) throw std::runtime_error(std::string("cannot create the index: ") + made.error.what());
  impl_->index = std::move(made.index);
}

AnnIndex::~AnnIndex() = default;

const char* AnnIndex::kernelName() { return distanceKernels().name; }
size_t AnnIndex::size() const {
  if (ivf_) return ivf_->size();
  std::shared_lock<std::shared_mutex> g(impl_->lock);
  return impl_->index.size();
}
size_t AnnIndex::memoryBytes() const {
  if (ivf_) return ivf_->memoryBytes();
  std::shared_lock<std::shared_mutex> g(impl_->lock);
  return impl_->index.memory_usage();
}
float AnnIndex::i8Scale() const { return ivf_ ? ivf_->i8Scale() : impl_->i8Scale; }
float AnnIndex::normBound() const { return impl_->normBound; }
size_t AnnIndex::relinkedRows() const { return impl_->relinked.load(); }
size_t AnnIndex::unreachableRows() const { return impl_->unreachable.load(); }
bool AnnIndex::isView() const { return impl_->mapped != nullptr; }

bool AnnIndex::contains(int32_t id) const {
  if (ivf_) return ivf_->contains(id);
  std::shared_lock<std::shared_mutex> g(impl_->lock);
  return id >= 0 && impl_->index.contains(static_cast<uint64_t>(id));
}

void AnnIndex::setExpansionAdd(int32_t expansion) {
  if (expansion < 1 || expansion > kMaxExpansion)
    throw std::invalid_argument("expansionAdd must be an integer in [1, " + std::to_string(kMaxExpansion) + "], got " + std::to_string(expansion));
  if (ivf_) return;  // no graph to build
  std::unique_lock<std::shared_mutex> g(impl_->lock);
  impl_->index.change_expansion_add(static_cast<size_t>(expansion));
  settings_.expansionAdd = expansion;
}

void AnnIndex::setExpansionSearch(int32_t expansion) {
  if (expansion < 1 || expansion > kMaxExpansion)
    throw std::invalid_argument("expansionSearch must be an integer in [1, " + std::to_string(kMaxExpansion) + "], got " + std::to_string(expansion));
  if (ivf_) return;  // no graph to search
  std::unique_lock<std::shared_mutex> g(impl_->lock);
  impl_->index.change_expansion_search(static_cast<size_t>(expansion));
  settings_.expansionSearch = expansion;
}

void checkProbes(int32_t probes) {
  if (probes < 1 || probes > kMaxLists)
    throw std::invalid_argument("probes must be an integer in [1, " + std::to_string(kMaxLists) + "], got " + std::to_string(probes));
}

void AnnIndex::setProbes(int32_t probes) {
  checkProbes(probes);
  if (ivf_) ivf_->setProbes(probes);
  settings_.probes = probes;
}

int32_t AnnIndex::lists() const { return ivf_ ? ivf_->lists() : 0; }


namespace {

// Inserts one row already in the index's storage format.
Dense::add_result_t addStored(Dense& index, Quantization q, uint64_t key, const uint8_t* stored, size_t context) {
  switch (q) {
    case Quantization::kF32: return index.add(key, reinterpret_cast<const float*>(stored), context);
    case Quantization::kF16: return index.add(key, reinterpret_cast<const us::f16_t*>(stored), context);
    default: return index.add(key, reinterpret_cast<const us::i8_t*>(stored), context);
  }
}

// The order an add inserts its rows in; HNSW graphs depend on it. Cosine: a seeded random
// order (built in a model's order, most frequent first, a graph recalls far less: recall@10
// 0.79 against 0.98 at expansionSearch 64 on 100k item vectors, bench/index.mjs --quick; hnswlib
// shows the same). Dot: the order given, which for a model is most frequent first: on those
// items it measured best (recall@10 at ef 256: 0.93, against 0.91 by decreasing norm and 0.85 at
// random). Through the dot transform too: on 1M item output vectors, recall@10 at ef 64 0.85 in
// the order given against 0.10 in a random order (bench/results/studies/index-dot-transform.md).
std::vector<size_t> insertionOrder(size_t count, const IndexSettings& s) {
  std::vector<size_t> order(count);
  for (size_t i = 0; i < count; ++i) order[i] = i;
  if (s.metric == Metric::kCosine) {
    std::mt19937_64 random(0x9e3779b97f4a7c15ull ^ count);
    for (size_t i = count; i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(random() % i)]);
  }
  return order;
}

// The norm of a stored row's first `dim` values, in score units: i8's scale and the dot
// transform's 1 / R undone.
float storedNorm(const uint8_t* stored, const IndexSettings& s, float i8Scale, float normBound) {
  double sum = 0;
  for (int32_t d = 0; d < s.dim; ++d) {
    const double v = s.quantization == Quantization::kF32   ? reinterpret_cast<const float*>(stored)[d]
                     : s.quantization == Quantization::kF16 ? halfToFloat(reinterpret_cast<const uint16_t*>(stored)[d])
                                                            : reinterpret_cast<const int8_t*>(stored)[d] / double{i8Scale};
    sum += v * v;
  }
  return static_cast<float>(std::sqrt(sum) * (s.transformsDot() ? double{normBound} : 1.0));
}

// The norm list's first listing: at most this many threads, each for at least this many slots.
constexpr size_t kMaxListingThreads = 8;
constexpr size_t kMinRowsPerListingThread = 65536;

// Adds smaller than this run on one thread: threads would not pay, and the reachability pass
// after a multi-threaded add reads the whole graph.
constexpr size_t kMinRowsPerExtraThread = 4096;

// The repair pass after a multi-threaded add inserts again at most this many rows, plus one in
// 500 of the add's (see add()).
constexpr size_t kMaxRelinked = 64;

}  // namespace

std::shared_ptr<const NormList> AnnIndex::Impl::normList(const IndexSettings& s) const {
  std::lock_guard<std::mutex> g(normMutex);
  if (norms) return norms;
  // Rows being inserted (an add holds the lock shared, as the caller does) are not read here:
  // the add merges them in when done.
  if (pending.load() > 0) return nullptr;
  // The slots split over threads, each part listed and sorted on its own thread, then merged:
  // an index opened from a file lists every row here, on its first dot search (1M x 100 rows
  // of a view: 635-657 ms on one thread, 0.6x that on two; bench/results/studies/index-first-search.md).
  const size_t slots = static_cast<size_t>(get_slot(index.cend()));
  // W2V_INDEX_LISTING_ROWS: the rows a thread lists at least, for tests of the split on small
  // indexes (as W2V_DOT_NORM_SCAN is for studies).
  const char* rowsSetting = std::getenv("W2V_INDEX_LISTING_ROWS");
  const long long asked = rowsSetting != nullptr ? std::atoll(rowsSetting) : 0;
  const size_t rowsPerThread = asked > 0 ? static_cast<size_t>(asked) : kMinRowsPerListingThread;
  const size_t threads =
      std::max<size_t>(1, std::min<size_t>({std::thread::hardware_concurrency(), kMaxListingThreads, slots / rowsPerThread}));
  std::vector<NormList> parts(threads);
  const uint64_t freeKey = index.free_key();
  auto listPart = [&](size_t t) {
    std::vector<uint8_t> stored(static_cast<size_t>(s.storedDim()) * 4);
    NormList& part = parts[t];
    const size_t from = slots * t / threads, to = slots * (t + 1) / threads;
    part.reserve(to - from);
    auto it = index.cbegin(), end = index.cbegin();
    it += static_cast<std::ptrdiff_t>(from);
    end += static_cast<std::ptrdiff_t>(to);
    for (; it != end; ++it) {
      const uint64_t key = get_key(it);
      if (key == freeKey || !getStored(index, s.quantization, key, stored.data())) continue;
      part.emplace_back(storedNorm(stored.data(), s, i8Scale, normBound), key);
    }
    std::sort(part.begin(), part.end());
  };
  runParts(threads, listPart);
  auto list = std::make_shared<NormList>(std::move(parts[0]));
  for (size_t t = 1; t < threads; ++t) {
    const size_t middle = list->size();
    list->insert(list->end(), parts[t].begin(), parts[t].end());
    std::inplace_merge(list->begin(), list->begin() + static_cast<std::ptrdiff_t>(middle), list->end());
  }
  norms = list;
  staleNorms = 0;
  return norms;
}

void AnnIndex::Impl::addNorms(NormList added, size_t replaced, bool whole) {
  std::sort(added.begin(), added.end());
  std::lock_guard<std::mutex> g(normMutex);
  if (!norms) {
    if (whole) norms = std::make_shared<const NormList>(std::move(added)), staleNorms = 0;
    return;  // else the next search builds it, with these rows
  }
  auto merged = std::make_shared<NormList>();
  merged->reserve(norms->size() + added.size());
  std::merge(norms->begin(), norms->end(), added.begin(), added.end(), std::back_inserter(*merged));
  norms = merged;
  staleNorms += replaced;
  if (staleNorms * 2 > norms->size()) norms.reset(), staleNorms = 0;
}

bool AnnIndex::add(const int32_t* ids, const float* rows, size_t count, int threads, const ProgressFn& progress,
                   const std::atomic<bool>* cancelled) {
  if (isView()) throw std::runtime_error("this index is a read-only view of its file: load it without view to add or remove rows");
  if (ivf_) return ivf_->add(ids, rows, count, threads, progress, cancelled);
  checkRows(ids, rows, count, settings_.dim);
  if (count == 0) return true;
  Impl& impl = *impl_;
  const size_t rowBytes = static_cast<size_t>(settings_.storedDim()) * bytesPerValue(settings_.quantization);
  // Rows this add replaces, kept (in the storage format) until it has finished, so that an add
  // that is cancelled or fails leaves the index as it found it.
  std::vector<int32_t> replacedIds;
  std::vector<uint8_t> replaced;
  bool wasEmpty = false;
  uint64_t changesAtStart = 0;
  {
    std::unique_lock<std::shared_mutex> g(impl.lock);
    if (settings_.quantization == Quantization::kI8 && impl.i8Scale == 0) impl.i8Scale = chooseI8Scale(rows, count, settings_);
    if (settings_.transformsDot() && impl.normBound == 0) impl.normBound = largestNorm(rows, count, settings_.dim);
    for (size_t i = 0; i < count; ++i) {
      const uint64_t key = static_cast<uint64_t>(ids[i]);
      if (!impl.index.contains(key)) continue;
      replaced.resize(replaced.size() + rowBytes);
      if (!getStored(impl.index, settings_.quantization, key, replaced.data() + replaced.size() - rowBytes))
        throw std::runtime_error("cannot read the stored row of id " + std::to_string(ids[i]) + " before replacing it");
      replacedIds.push_back(ids[i]);
    }
    for (int32_t id : replacedIds) impl.index.remove(static_cast<uint64_t>(id));
    const size_t needed = impl.index.size() + impl.pending.load() + count;
    if (needed > impl.index.capacity()) impl.reserve(std::max(needed, impl.index.capacity() + impl.index.capacity() / 2));
    impl.pending += count;
    wasEmpty = impl.index.size() == 0 && impl.pending.load() == count;
    changesAtStart = ++impl.changes;
  }
  struct PendingRows {
    std::atomic<size_t>& pending;
    size_t count;
    ~PendingRows() { pending -= count; }
  } pendingRows{impl.pending, count};
  // Undoes this add: its rows out, the rows it replaced back in.
  auto rollBack = [&]() {
    std::unique_lock<std::shared_mutex> g(impl.lock);
    for (size_t i = 0; i < count; ++i) impl.index.remove(static_cast<uint64_t>(ids[i]));
    Impl::Lease lease(impl);
    for (size_t r = 0; r < replacedIds.size(); ++r)
      addStored(impl.index, settings_.quantization, static_cast<uint64_t>(replacedIds[r]), replaced.data() + r * rowBytes, lease.id);
  };
  const size_t wanted = static_cast<size_t>(std::max(threads, 1));
  const size_t workers = std::max<size_t>(1, std::min({wanted, count / kMinRowsPerExtraThread + 1, kContexts}));
  const std::vector<size_t> all = insertionOrder(count, settings_);
  NormList addedNorms;
  size_t done = 0;
  try {
    done = insertRows(ids, rows, all, workers, progress, cancelled, settings_.metric == Metric::kDot ? &addedNorms : nullptr);
  } catch (...) {
    rollBack();
    throw;
  }
  if (done != count) {
    rollBack();
    if (progress) progress(done, count);
    return false;
  }
  // USearch 2.26's concurrent inserts can strand a row: stored, yet linked from no row a
  // search walks, so no search finds it (unum-cloud/USearch issue 735). After a multi-threaded add, rows
  // of this add that no search can reach are inserted again, alone (three rounds at most): one
  // walk over the graph's links, O(rows x connectivity). Only a few: the issue strands a handful
  // of rows in ten thousand. Many more unreachable rows are the graph's own (inner-product
  // graphs leave rows that no query prefers unlinked), and inserting them again, one at a
  // time, would not link them and would take longer than the add: they are counted, not redone.
  if (workers > 1) {
    std::vector<size_t> check = all;
    for (int round = 0; round < 3; ++round) {
      const std::vector<size_t> lost = findUnreachable(ids, check);
      impl.unreachable = lost.size();
      if (lost.empty() || lost.size() > kMaxRelinked + count / 500) break;
      {
        std::unique_lock<std::shared_mutex> g(impl.lock);
        for (size_t i : lost) impl.index.remove(static_cast<uint64_t>(ids[i]));
      }
      insertRows(ids, rows, lost, 1, nullptr, nullptr);
      impl.relinked += lost.size();
      impl.unreachable = 0;
      check = lost;
    }
  }
  if (settings_.metric == Metric::kDot) impl.addNorms(std::move(addedNorms), replacedIds.size(), wasEmpty && impl.changes.load() == changesAtStart);
  if (progress) progress(done, count);
  return true;
}

size_t AnnIndex::insertRows(const int32_t* ids, const float* rows, const std::vector<size_t>& which, size_t workers,
                            const ProgressFn& progress, const std::atomic<bool>* cancelled, NormList* norms) {
  Impl& impl = *impl_;
  std::shared_lock<std::shared_mutex> g(impl.lock);
  const size_t count = which.size();
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex errorMutex;
  std::string error;
  std::mutex normsMutex;
  auto fail = [&](const std::string& message) {
    std::lock_guard<std::mutex> e(errorMutex);
    if (error.empty()) error = message;
    next.store(count);
  };
  auto work = [&](bool reports) {
    try {
      Impl::Lease lease(impl);
      const size_t dim = static_cast<size_t>(settings_.dim);
      std::vector<float> unit(static_cast<size_t>(settings_.storedDim()));
      std::vector<uint8_t> stored(unit.size() * 4);
      NormList myNorms;
      size_t sinceReport = 0;
      for (size_t j; (j = next.fetch_add(1)) < count;) {
        if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) break;
        const size_t i = which[j];
        encodeRow(rows + i * dim, settings_, impl.normBound, impl.i8Scale, unit.data(), stored.data());
        const Dense::add_result_t r = addStored(impl.index, settings_.quantization, static_cast<uint64_t>(ids[i]), stored.data(), lease.id);
        if (!r) {
          fail(std::string("cannot add id ") + std::to_string(ids[i]) + ": " + r.error.what());
          break;
        }
        if (norms != nullptr) myNorms.emplace_back(storedNorm(stored.data(), settings_, impl.i8Scale, impl.normBound), static_cast<uint64_t>(ids[i]));
        done.fetch_add(1, std::memory_order_relaxed);
        if (reports && progress && ++sinceReport >= 1024) {
          sinceReport = 0;
          progress(done.load(std::memory_order_relaxed), count);
        }
      }
      if (norms != nullptr) {
        std::lock_guard<std::mutex> l(normsMutex);
        norms->insert(norms->end(), myNorms.begin(), myNorms.end());
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
  return done.load();
}

std::vector<size_t> AnnIndex::findUnreachable(const int32_t* ids, const std::vector<size_t>& which) const {
  const Impl& impl = *impl_;
  std::shared_lock<std::shared_mutex> g(impl.lock);
  const Dense& index = impl.index;
  if (index.size() <= 1) return {};
  // The rows a search can reach: those on the top layer (the entry row is one of them) and
  // every row linked, on any layer, from one reached. (A removed row keeps its links, which
  // searches still walk; they are not followed here: a row only they reach is inserted again,
  // which costs time, never recall.)
  const size_t slots = static_cast<size_t>(get_slot(index.cend()));
  std::vector<uint8_t> reached(slots, 0);
  std::vector<uint64_t> queue;
  std::unordered_map<uint64_t, size_t> slotOf;
  slotOf.reserve(which.size());
  for (size_t i : which) slotOf.emplace(static_cast<uint64_t>(ids[i]), slots);
  const uint64_t freeKey = index.free_key();
  const size_t top = index.max_level();
  for (auto it = index.cbegin(); it != index.cend(); ++it) {
    const uint64_t key = get_key(it);
    if (key == freeKey) continue;
    const auto found = slotOf.find(key);
    if (found != slotOf.end()) found->second = static_cast<size_t>(get_slot(it));
    if (index.level_of(key) == top) {
      reached[get_slot(it)] = 1;
      queue.push_back(key);
    }
  }
  while (!queue.empty()) {
    const uint64_t key = queue.back();
    queue.pop_back();
    const size_t levels = index.level_of(key);
    for (size_t level = 0; level <= levels; ++level)
      for (const auto member : index.neighbors(key, level)) {
        const size_t slot = static_cast<size_t>(member.slot);
        if (slot >= slots || reached[slot]) continue;
        reached[slot] = 1;
        const uint64_t next = member.key;
        if (next != freeKey) queue.push_back(next);
      }
  }
  std::vector<size_t> lost;
  for (size_t i : which) {
    const size_t slot = slotOf[static_cast<uint64_t>(ids[i])];
    if (slot >= slots || !reached[slot]) lost.push_back(i);
  }
  return lost;
}

size_t AnnIndex::remove(const int32_t* ids, size_t count) {
  if (isView()) throw std::runtime_error("this index is a read-only view of its file: load it without view to add or remove rows");
  if (ivf_) return ivf_->remove(ids, count);
  std::unique_lock<std::shared_mutex> g(impl_->lock);
  size_t removed = 0;
  for (size_t i = 0; i < count; ++i) {
    if (ids[i] < 0) continue;
    auto r = impl_->index.remove(static_cast<uint64_t>(ids[i]));
    if (!r) throw std::runtime_error(std::string("cannot remove id ") + std::to_string(ids[i]) + ": " + r.error.what());
    removed += r.completed;
  }
  ++impl_->changes;
  if (settings_.metric == Metric::kDot) impl_->staleNormsAdded(removed);
  return removed;
}

}  // namespace ann
}  // namespace w2v
