// AnnIndex::search: the graph search of the library, or, for a filter admitting few ids, an
// exact scan of those ids; queries split over threads, each with a leased search context.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "ann_index_impl.h"
#include "best_k.h"
#include "ivf_lists.h"

namespace w2v {
namespace ann {
namespace {

/// A filter admitting at most this share of the rows is answered by scanning its ids: the
/// graph's filtered search then visits many rejected nodes for each result it keeps.
constexpr double kExactScanShare = 0.05;

/// A batch whose admitted rows are read out once (kGatherBytes) scores each of them from that
/// copy at the speed of a sequential read, against a random read for each node the graph
/// visits: it is answered by the scan while the filter admits at most this share of the rows.
/// Measured on 1M x 100 f32 cosine rows, 2 threads, ef 160 (bench/results/studies/index-filter-share.md).
constexpr double kGatheredScanShare = 0.25;

/// addLowNorms looks for a scanned id among the kept ones linearly up to this k, in a set above.
constexpr size_t kLinearIdCheck = 64;

/// A batch of queries answered by a scan reads the admitted rows out once, when they take at
/// most this many bytes, and every query scores that copy: reading a row through the library
/// (a hash probe for its slot, then the row: cache misses both) costs more than scoring it.
constexpr size_t kGatherBytes = size_t{64} << 20;

/// The rows a filter admits, as stored (rowBytes each), with their ids: read once for a batch's scan.
struct Gathered {
  size_t rowBytes = 0;
  std::vector<uint8_t> rows;
  std::vector<uint64_t> ids;
};

/// Calls fn(id) for every id the filter admits, in increasing order.
template <typename Fn>
void forEachAdmitted(const SearchFilter& filter, Fn&& fn) {
  const size_t words = static_cast<size_t>((filter.allowBits + 63) / 64);
  for (size_t w = 0; w < words; ++w) {
    for (uint64_t bits = filter.allow[w]; bits != 0; bits &= bits - 1) {
      const uint64_t id = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits));
      if (filter.admits(id)) fn(id);
    }
  }
}

/// The admitted rows of `index` (ids it does not hold skipped), read out in increasing id order.
Gathered gatherAdmitted(const Dense& index, const IndexSettings& settings, const SearchFilter& filter, size_t rowBytes) {
  Gathered g;
  g.rowBytes = rowBytes;
  g.rows.resize(static_cast<size_t>(filter.allowCount) * rowBytes);
  g.ids.reserve(static_cast<size_t>(filter.allowCount));
  forEachAdmitted(filter, [&](uint64_t id) {
    if (g.ids.size() < filter.allowCount && getStored(index, settings.quantization, id, g.rows.data() + g.ids.size() * rowBytes)) g.ids.push_back(id);
  });
  g.rows.resize(g.ids.size() * rowBytes);
  return g;
}

// One query's search: the library's graph search, or an exact scan of the allowed ids.
struct QuerySearch {
  const Dense& index;
  const IndexSettings& settings;
  const SearchFilter& filter;
  const NormList* norms;  // dot only (see addLowNorms), else null
  const Gathered* gathered;  // the admitted rows read out for a batch's scan, or null
  float i8Scale;
  float normBound;
  int32_t k;
  size_t context;
  std::vector<float> unit;
  std::vector<uint8_t> query;
  std::vector<uint8_t> row;
  std::vector<uint64_t> keys;
  std::vector<float> distances;
  BestK best;
  std::unordered_set<uint64_t> seen;  // addLowNorms, for k past kLinearIdCheck

  QuerySearch(const Dense& i, const IndexSettings& s, const SearchFilter& f, const NormList* n, const Gathered* g, float scale, float bound,
              int32_t kk, size_t ctx)
      : index(i), settings(s), filter(f), norms(n), gathered(g), i8Scale(scale), normBound(bound), k(kk), context(ctx), unit(static_cast<size_t>(s.storedDim())),
        query(static_cast<size_t>(s.storedDim()) * 4), row(static_cast<size_t>(s.storedDim()) * 4), keys(static_cast<size_t>(kk)),
        distances(static_cast<size_t>(kk)) {}

  template <typename T>
  size_t graphTyped(const T* typed) {
    auto admit = [this](uint64_t key) { return filter.admits(key); };
    auto r = filter.restricts() ? index.filtered_search(typed, static_cast<size_t>(k), admit, context)
                                : index.search(typed, static_cast<size_t>(k), context);
    if (!r) throw std::runtime_error(std::string("search failed: ") + r.error.what());
    return r.dump_to(keys.data(), distances.data());
  }

  size_t graph(const uint8_t* q) {
    switch (settings.quantization) {
      case Quantization::kF32: return graphTyped(reinterpret_cast<const float*>(q));
      case Quantization::kF16: return graphTyped(reinterpret_cast<const us::f16_t*>(q));
      default: return graphTyped(reinterpret_cast<const us::i8_t*>(q));
    }
  }

  // Every allowed id, scored exactly against the stored rows (best k kept in a max-heap): the
  // rows read out for the batch when there are, else each read through the library.
  size_t scan(const uint8_t* q) {
    const DistanceFn fn = distanceKernels().of(settings.quantization);
    const size_t n = static_cast<size_t>(settings.storedDim());
    best.reset(static_cast<size_t>(k));
    if (gathered != nullptr) {
      for (size_t i = 0; i < gathered->ids.size(); ++i)
        best.offer(fn(reinterpret_cast<size_t>(q), reinterpret_cast<size_t>(gathered->rows.data() + i * gathered->rowBytes), n), gathered->ids[i]);
    } else {
      forEachAdmitted(filter, [&](uint64_t id) {
        if (getStored(index, settings.quantization, id, row.data())) best.offer(fn(reinterpret_cast<size_t>(q), reinterpret_cast<size_t>(row.data()), n), id);
      });
    }
    return best.finish(keys.data(), distances.data());
  }

  // Dot: a row x scores q.x >= -|q| |x| against a query q, so when the k-th result scores s < 0,
  // every row of norm below -s / |q| beats it. Those rows, of small norm, score near 0 against
  // every query and are what a query that prefers no row (all of its scores negative) is
  // answered with; the graph reaches them worst (under the dot transform they crowd at the
  // added axis's pole). They are scored exactly here, in increasing norm, the bound tightening
  // as the k-th score rises. A query whose k-th score is positive scans nothing.
  size_t addLowNorms(const uint8_t* q, const float* input, size_t found, float toScore) {
    const size_t wanted = static_cast<size_t>(k);
    // Most queries: k results, the k-th scoring >= 0 (results come best first): nothing to scan.
    if (found == wanted && double{distances[found - 1]} * toScore >= 0) return found;
    double sum = 0;
    for (int32_t d = 0; d < settings.dim; ++d) sum += double{input[d]} * input[d];
    const double queryNorm = std::sqrt(sum);
    if (queryNorm == 0) return found;
    best.reset(static_cast<size_t>(k));
    for (size_t i = 0; i < found; ++i) best.offer(distances[i], keys[i]);
    const DistanceFn fn = distanceKernels().of(settings.quantization);
    const size_t n = static_cast<size_t>(settings.storedDim());
    // An id already kept or scored (a replaced row's stale entry scores its current row again)
    // is skipped: looked for in the heap for the usual k, in a set of every id seen past
    // kLinearIdCheck (the heap's look is linear in k for each row scanned).
    const bool large = wanted > kLinearIdCheck;
    if (large) {
      seen.clear();
      for (const auto& h : best.heap) seen.insert(h.second);
    }
    for (const auto& entry : *norms) {
      const double bound = best.heap.size() < wanted ? std::numeric_limits<double>::infinity() : -(double{best.worst()} * toScore) / queryNorm;
      if (!(entry.first < bound)) break;
      const uint64_t id = entry.second;
      if (!filter.admits(id)) continue;
      if (large ? !seen.insert(id).second
                : std::any_of(best.heap.begin(), best.heap.end(), [id](const std::pair<float, uint64_t>& h) { return h.second == id; }))
        continue;
      if (!getStored(index, settings.quantization, id, row.data())) continue;
      best.offer(fn(reinterpret_cast<size_t>(q), reinterpret_cast<size_t>(row.data()), n), id);
    }
    return best.finish(keys.data(), distances.data());
  }

  void run(const float* input, bool exact, int32_t* outIds, float* outScores) {
    const float queryScale = encodeRow(input, settings, 0, 0, unit.data(), query.data());
    // Distances are negated inner products: of i8 values (both scales undone), of [q, 0] and
    // [x / R, ...] under the dot transform (R undone), else of the rows as stored.
    const float toScore = settings.quantization == Quantization::kI8 ? -1.0f / (i8Scale * queryScale)
                          : settings.transformsDot()                 ? -normBound
                                                                     : -1.0f;
    size_t found = exact ? scan(query.data()) : graph(query.data());
    if (!exact && norms != nullptr) found = addLowNorms(query.data(), input, found, toScore);
    for (size_t i = 0; i < static_cast<size_t>(k); ++i) {
      outIds[i] = i < found ? static_cast<int32_t>(keys[i]) : -1;
      outScores[i] = i < found ? distances[i] * toScore : std::numeric_limits<float>::quiet_NaN();
    }
  }
};

}  // namespace

bool AnnIndex::search(const float* queries, size_t count, int32_t k, const SearchFilter& filter, int threads, int32_t* ids,
                      float* scores) const {
  if (ivf_) return ivf_->search(queries, count, k, filter, threads, ids, scores);
  if (k < 1) throw std::invalid_argument("k must be at least 1, got " + std::to_string(k));
  const Impl& impl = *impl_;
  std::shared_lock<std::shared_mutex> g(impl.lock);
  const double rows = static_cast<double>(impl.index.size());
  const int32_t wanted = static_cast<int32_t>(std::min<size_t>(static_cast<size_t>(k), std::max<size_t>(impl.index.size(), 1)));
  const size_t rowBytes = static_cast<size_t>(settings_.storedDim()) * bytesPerValue(settings_.quantization);
  const bool gatherable = filter.allow != nullptr && count > 1 && filter.allowCount <= kGatherBytes / rowBytes;
  // W2V_GATHERED_SCAN_SHARE replaces kGatheredScanShare (for studies: 0 sends such batches to the graph).
  const char* shareSwitch = std::getenv("W2V_GATHERED_SCAN_SHARE");
  const double scanShare = !gatherable ? kExactScanShare : shareSwitch != nullptr ? std::atof(shareSwitch) : kGatheredScanShare;
  const bool exact = filter.allow != nullptr && static_cast<double>(filter.allowCount) <= std::max<double>(k, scanShare * rows);
  const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), std::min(count, kContexts)));
  const size_t dim = static_cast<size_t>(settings_.dim);
  // W2V_DOT_NORM_SCAN=0 turns the scan of small norms off (for studies: its effect on one graph).
  const char* scanSwitch = std::getenv("W2V_DOT_NORM_SCAN");
  const bool scanNorms = settings_.metric == Metric::kDot && !exact && (scanSwitch == nullptr || std::strcmp(scanSwitch, "0") != 0);
  const std::shared_ptr<const NormList> norms = scanNorms ? impl.normList(settings_) : nullptr;
  const bool gather = exact && gatherable;
  const Gathered gathered = gather ? gatherAdmitted(impl.index, settings_, filter, rowBytes) : Gathered{};
  std::atomic<size_t> next{0};
  std::mutex errorMutex;
  std::string error;
  auto work = [&]() {
    try {
      Impl::Lease lease(impl);
      // At most every row can be found: buffers (and the library's) sized by that, output padded to k.
      QuerySearch one(impl.index, settings_, filter, norms.get(), gather ? &gathered : nullptr, impl.i8Scale, impl.normBound, wanted, lease.id);
      for (size_t q; (q = next.fetch_add(1)) < count;) {
        int32_t* outIds = ids + q * static_cast<size_t>(k);
        float* outScores = scores + q * static_cast<size_t>(k);
        one.run(queries + q * dim, exact, outIds, outScores);
        std::fill(outIds + wanted, outIds + k, -1);
        std::fill(outScores + wanted, outScores + k, std::numeric_limits<float>::quiet_NaN());
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> l(errorMutex);
      if (error.empty()) error = e.what();
      next.store(count);
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  return exact;
}

}  // namespace ann
}  // namespace w2v
