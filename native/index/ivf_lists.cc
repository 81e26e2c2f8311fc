#include "ivf_lists.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "../core/parallel_parts.h"
#include "../core/query.h"
#include "../core/random.h"
#include "best_k.h"
#include "distance.h"
#include "stored_rows.h"

namespace w2v {
namespace ann {
namespace {

constexpr char kListsMagic[8] = {'W', '2', 'V', 'I', 'V', 'F', '0', '1'};
/// k-means: rows sampled per list (FAISS's clustering warns below 39 and samples at most 256),
/// and rounds.
constexpr size_t kSamplePerList = 64;
constexpr int kTrainingRounds = 10;
/// Rows an add assigns to lists per call of the batched product (and per progress report).
constexpr size_t kAssignBlock = 4096;
/// Queries whose lists are chosen by one batched product.
constexpr size_t kQueryBlock = 64;
constexpr size_t kIdPageBits = 12;
constexpr size_t kIdPage = size_t{1} << kIdPageBits;

Exclusions none() { return Exclusions{}; }

/// The nearest centroid (largest inner product) of each of `count` rows, on `threads` threads.
void nearestCentroids(const float* centroids, int32_t lists, int32_t dim, const float* rows, size_t count, int threads,
                      int32_t* out) {
  std::vector<float> scores(count);
  topKBatchByDot(centroids, lists, dim, rows, static_cast<int32_t>(count), 1, none(), threads, out, scores.data());
  // A row of zeros (or one the product cannot score) goes to list 0.
  for (size_t i = 0; i < count; ++i)
    if (out[i] < 0) out[i] = 0;
}

void unitInPlace(float* row, int32_t dim) {
  const double n = squaredNorm(row, dim);
  if (n <= 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(n));
  for (int32_t d = 0; d < dim; ++d) row[d] *= inv;
}

uint32_t readU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t readU64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

int32_t IvfLists::IdPages::get(int32_t id) const {
  if (id < 0) return -1;
  const size_t page = static_cast<size_t>(id) >> kIdPageBits;
  if (page >= pages_.size() || !pages_[page]) return -1;
  return pages_[page][static_cast<size_t>(id) & (kIdPage - 1)];
}

void IvfLists::IdPages::set(int32_t id, int32_t list) {
  const size_t page = static_cast<size_t>(id) >> kIdPageBits;
  if (page >= pages_.size()) pages_.resize(page + 1);
  if (!pages_[page]) {
    if (list < 0) return;
    pages_[page].reset(new int32_t[kIdPage]);
    std::fill(pages_[page].get(), pages_[page].get() + kIdPage, -1);
    ++allocated_;
  }
  pages_[page][static_cast<size_t>(id) & (kIdPage - 1)] = list;
}

size_t IvfLists::IdPages::bytes() const { return pages_.capacity() * sizeof(pages_[0]) + allocated_ * kIdPage * sizeof(int32_t); }

IvfLists::IvfLists(const IndexSettings& s)
    : settings_(s), rowBytes_(static_cast<size_t>(s.storedDim()) * bytesPerValue(s.quantization)), probes_(s.probes) {}

IvfLists::~IvfLists() = default;

int32_t IvfLists::defaultLists(size_t rows) {
  const double lists = std::round(4 * std::sqrt(static_cast<double>(rows)));
  return static_cast<int32_t>(std::max<double>(1, std::min<double>({lists, static_cast<double>(rows), double{kMaxLists}})));
}

size_t IvfLists::size() const {
  std::shared_lock<std::shared_mutex> g(lock_);
  return size_;
}

float IvfLists::i8Scale() const {
  std::shared_lock<std::shared_mutex> g(lock_);
  return i8Scale_;
}

int32_t IvfLists::lists() const {
  std::shared_lock<std::shared_mutex> g(lock_);
  return lists_;
}

void IvfLists::setProbes(int32_t probes) {
  checkProbes(probes);
  probes_ = probes;
}

size_t IvfLists::memoryBytes() const {
  std::shared_lock<std::shared_mutex> g(lock_);
  size_t bytes = sizeof(*this) + centroids_.capacity() * sizeof(float) + owned_.capacity() * sizeof(List) +
                 viewStarts_.capacity() * sizeof(uint64_t) + where_.bytes();
  // A view's lists stay in the mapped file: not counted (as for a graph's view).
  for (const List& l : owned_) bytes += l.ids.capacity() * sizeof(int32_t) + l.rows.capacity();
  return bytes;
}

bool IvfLists::contains(int32_t id) const {
  std::shared_lock<std::shared_mutex> g(lock_);
  return where_.get(id) >= 0;
}

IvfLists::ListRef IvfLists::listRef(size_t l) const {
  if (viewIds_ != nullptr) {
    const uint64_t from = viewStarts_[l], to = viewStarts_[l + 1];
    return ListRef{viewIds_ + from, viewRows_ + from * rowBytes_, static_cast<size_t>(to - from)};
  }
  const List& list = owned_[l];
  return ListRef{list.ids.data(), list.rows.data(), list.ids.size()};
}

std::vector<float> IvfLists::train(const float* rows, size_t count, int32_t lists, int threads,
                                   const std::atomic<bool>* cancelled) const {
  const size_t dim = static_cast<size_t>(settings_.dim);
  const size_t n = std::min(count, static_cast<size_t>(lists) * kSamplePerList);
  Random random(0x1f83d9abfb41bd6bULL ^ count);
  // The sample: n rows drawn without replacement in one pass (Knuth's algorithm S), as unit rows
  // (the lists partition directions: spherical k-means, for cosine and dot alike).
  std::vector<float> sample(n * dim);
  for (size_t r = 0, taken = 0; r < count && taken < n; ++r) {
    if (static_cast<double>(count - r) * random.uniform() >= static_cast<double>(n - taken)) continue;
    std::copy(rows + r * dim, rows + (r + 1) * dim, sample.begin() + static_cast<std::ptrdiff_t>(taken * dim));
    unitInPlace(&sample[taken * dim], settings_.dim);
    ++taken;
  }
  // Centroids start at distinct sampled rows, chosen at random.
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  std::vector<float> centroids(static_cast<size_t>(lists) * dim);
  for (size_t c = 0; c < static_cast<size_t>(lists); ++c) {
    std::swap(order[c], order[c + random.below(static_cast<uint32_t>(n - c))]);
    std::copy(&sample[order[c] * dim], &sample[order[c] * dim] + dim, &centroids[c * dim]);
  }
  std::vector<int32_t> assigned(n);
  std::vector<double> sums(static_cast<size_t>(lists) * dim);
  std::vector<size_t> members(static_cast<size_t>(lists));
  for (int round = 0; round < kTrainingRounds; ++round) {
    if (cancelled != nullptr && cancelled->load()) return {};
    nearestCentroids(centroids.data(), lists, settings_.dim, sample.data(), n, threads, assigned.data());
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(members.begin(), members.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      const size_t c = static_cast<size_t>(assigned[i]);
      ++members[c];
      for (size_t d = 0; d < dim; ++d) sums[c * dim + d] += sample[i * dim + d];
    }
    for (size_t c = 0; c < static_cast<size_t>(lists); ++c) {
      if (members[c] == 0) {
        // An empty list takes a sampled row of a list that has others (FAISS splits its largest
        // instead; a random row of a populous list does the same on average).
        for (int tries = 0; tries < 64; ++tries) {
          const size_t i = random.below(static_cast<uint32_t>(n));
          if (members[static_cast<size_t>(assigned[i])] < 2) continue;
          --members[static_cast<size_t>(assigned[i])];
          assigned[i] = static_cast<int32_t>(c);
          std::copy(&sample[i * dim], &sample[i * dim] + dim, &centroids[c * dim]);
          break;
        }
        continue;
      }
      double norm = 0;
      for (size_t d = 0; d < dim; ++d) norm += sums[c * dim + d] * sums[c * dim + d];
      if (norm <= 0) continue;  // members that cancel out: the centroid stays
      const double inv = 1 / std::sqrt(norm);
      for (size_t d = 0; d < dim; ++d) centroids[c * dim + d] = static_cast<float>(sums[c * dim + d] * inv);
    }
  }
  return centroids;
}

bool IvfLists::add(const int32_t* ids, const float* rows, size_t count, int threads, const ProgressFn& progress,
                   const std::atomic<bool>* cancelled) {
  checkRows(ids, rows, count, settings_.dim);
  if (count == 0) return true;
  std::lock_guard<std::mutex> one(addMutex_);
  auto stopped = [&] { return cancelled != nullptr && cancelled->load(); };
  // Only adds change the lists' number, centroids and scale, and this one holds addMutex_.
  const bool first = lists_ == 0;
  const int32_t lists = first ? (settings_.lists > 0 ? static_cast<int32_t>(std::min<size_t>(static_cast<size_t>(settings_.lists), count))
                                                     : defaultLists(count))
                              : lists_;
  const float scale = !first ? i8Scale_ : settings_.quantization == Quantization::kI8 ? chooseI8Scale(rows, count, settings_) : 0.0f;
  std::vector<float> learnt;
  if (first) {
    learnt = train(rows, count, lists, threads, cancelled);
    if (learnt.empty()) {
      if (progress) progress(0, count);
      return false;
    }
  }
  const float* centroids = first ? learnt.data() : centroids_.data();
  // Each row's list and stored values, computed outside the lock (searches go on meanwhile).
  std::vector<int32_t> listOf(count);
  std::vector<uint8_t> stored(count * rowBytes_);
  const size_t dim = static_cast<size_t>(settings_.dim);
  const size_t workers = static_cast<size_t>(std::max(1, threads));
  for (size_t from = 0; from < count; from += kAssignBlock) {
    if (stopped()) {
      if (progress) progress(from, count);
      return false;
    }
    const size_t n = std::min(kAssignBlock, count - from);
    nearestCentroids(centroids, lists, settings_.dim, rows + from * dim, n, threads, listOf.data() + from);
    runParts(std::min(workers, n), [&](size_t part) {
      std::vector<float> unit(static_cast<size_t>(settings_.storedDim()));
      const size_t parts = std::min(workers, n);
      for (size_t i = from + n * part / parts; i < from + n * (part + 1) / parts; ++i)
        encodeRow(rows + i * dim, settings_, 0, scale, unit.data(), stored.data() + i * rowBytes_);
    });
    if (progress && from + n < count) progress(from + n, count);
  }
  if (stopped()) {
    if (progress) progress(count, count);
    return false;
  }
  std::vector<size_t> added(static_cast<size_t>(lists));
  for (int32_t l : listOf) ++added[static_cast<size_t>(l)];
  {
    std::unique_lock<std::shared_mutex> g(lock_);
    if (first) {
      centroids_ = std::move(learnt);
      lists_ = lists;
      i8Scale_ = scale;
      owned_.resize(static_cast<size_t>(lists));
    }
    for (size_t i = 0; i < count; ++i) removeLocked(ids[i]);
    for (size_t l = 0; l < owned_.size(); ++l) {
      List& list = owned_[l];
      const size_t needed = list.ids.size() + added[l];
      if (needed <= list.ids.capacity()) continue;
      // The first add reserves exactly; later ones grow by half at least, as push_back would.
      const size_t grown = list.ids.empty() ? needed : std::max(needed, list.ids.capacity() + list.ids.capacity() / 2);
      list.ids.reserve(grown);
      list.rows.reserve(grown * rowBytes_);
    }
    for (size_t i = 0; i < count; ++i) {
      List& list = owned_[static_cast<size_t>(listOf[i])];
      list.ids.push_back(ids[i]);
      list.rows.insert(list.rows.end(), stored.begin() + static_cast<std::ptrdiff_t>(i * rowBytes_),
                       stored.begin() + static_cast<std::ptrdiff_t>((i + 1) * rowBytes_));
      where_.set(ids[i], listOf[i]);
    }
    size_ += count;
  }
  if (progress) progress(count, count);
  return true;
}

size_t IvfLists::removeLocked(int32_t id) {
  const int32_t l = where_.get(id);
  if (l < 0) return 0;
  List& list = owned_[static_cast<size_t>(l)];
  const size_t at = static_cast<size_t>(std::find(list.ids.begin(), list.ids.end(), id) - list.ids.begin());
  const size_t last = list.ids.size() - 1;
  if (at != last) {
    list.ids[at] = list.ids[last];
    std::memcpy(list.rows.data() + at * rowBytes_, list.rows.data() + last * rowBytes_, rowBytes_);
  }
  list.ids.pop_back();
  list.rows.resize(last * rowBytes_);
  where_.set(id, -1);
  --size_;
  return 1;
}

size_t IvfLists::remove(const int32_t* ids, size_t count) {
  std::unique_lock<std::shared_mutex> g(lock_);
  size_t removed = 0;
  for (size_t i = 0; i < count; ++i) removed += removeLocked(ids[i]);
  return removed;
}

bool IvfLists::search(const float* queries, size_t count, int32_t k, const SearchFilter& filter, int threads, int32_t* ids,
                      float* scores) const {
  if (k < 1) throw std::invalid_argument("k must be at least 1, got " + std::to_string(k));
  std::shared_lock<std::shared_mutex> g(lock_);
  const size_t wanted = std::min<size_t>(static_cast<size_t>(k), std::max<size_t>(size_, 1));
  const size_t dim = static_cast<size_t>(settings_.dim);
  // A filter admitting a share s of the rows scans probes / s lists: about as many admitted
  // rows as an unfiltered search scores; when that is every list, the search is exact.
  size_t probes = static_cast<size_t>(probes_.load());
  if (filter.allow != nullptr) {
    const double share = size_ > 0 ? static_cast<double>(filter.allowCount) / static_cast<double>(size_) : 0;
    probes = share > 0 ? static_cast<size_t>(std::min(std::ceil(static_cast<double>(probes) / share), double{kMaxLists})) : static_cast<size_t>(lists_);
  }
  const size_t lists = static_cast<size_t>(lists_);
  const bool exact = lists > 0 && probes >= lists;
  probes = std::min(probes, lists);
  const DistanceFn fn = distanceKernels().of(settings_.quantization);
  const size_t n = static_cast<size_t>(settings_.storedDim());
  const bool restricts = filter.restricts();
  const size_t blocks = (count + kQueryBlock - 1) / kQueryBlock;
  const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), blocks));
  std::atomic<size_t> next{0};
  runParts(workers, [&](size_t) {
    // The lists each query of a block scans (none to choose when every list is scanned).
    std::vector<int32_t> chosen(exact ? 0 : kQueryBlock * probes);
    std::vector<float> chosenScores(chosen.size());
    std::vector<float> unit(n);
    std::vector<uint8_t> query(n * 4);
    std::vector<int32_t> found(wanted);
    std::vector<float> distances(wanted);
    BestK best;
    for (size_t b; (b = next.fetch_add(1)) < blocks;) {
      const size_t first = b * kQueryBlock, inBlock = std::min(kQueryBlock, count - first);
      if (!exact && probes > 0)
        topKBatchByDot(centroids_.data(), lists_, settings_.dim, queries + first * dim, static_cast<int32_t>(inBlock),
                       static_cast<int32_t>(probes), none(), 1, chosen.data(), chosenScores.data());
      for (size_t q = first; q < first + inBlock; ++q) {
        const float queryScale = encodeRow(queries + q * dim, settings_, 0, 0, unit.data(), query.data());
        // Distances are negated inner products: of i8 values (both scales undone), else as stored.
        const float toScore = settings_.quantization == Quantization::kI8 ? -1.0f / (i8Scale_ * queryScale) : -1.0f;
        best.reset(wanted);
        const size_t scanned = exact ? lists : probes;
        for (size_t p = 0; p < scanned; ++p) {
          const int32_t l = exact ? static_cast<int32_t>(p) : chosen[(q - first) * probes + p];
          if (l < 0) continue;
          const ListRef list = listRef(static_cast<size_t>(l));
          for (size_t i = 0; i < list.count; ++i) {
            const int32_t id = list.ids[i];
            if (restricts && !filter.admits(static_cast<uint64_t>(id))) continue;
            best.offer(fn(reinterpret_cast<size_t>(query.data()), reinterpret_cast<size_t>(list.rows + i * rowBytes_), n),
                       static_cast<uint64_t>(id));
          }
        }
        const size_t got = best.finish(found.data(), distances.data());
        int32_t* outIds = ids + q * static_cast<size_t>(k);
        float* outScores = scores + q * static_cast<size_t>(k);
        for (size_t i = 0; i < static_cast<size_t>(k); ++i) {
          outIds[i] = i < got ? found[i] : -1;
          outScores[i] = i < got ? distances[i] * toScore : std::numeric_limits<float>::quiet_NaN();
        }
      }
    }
  });
  return exact;
}

void IvfLists::write(const std::function<void(const void*, size_t)>& write) const {
  std::shared_lock<std::shared_mutex> g(lock_);
  uint8_t head[kListsPayloadHeaderBytes] = {};
  std::memcpy(head, kListsMagic, 8);
  const uint32_t fields[4] = {static_cast<uint32_t>(settings_.storedDim()), static_cast<uint32_t>(settings_.quantization),
                              static_cast<uint32_t>(lists_), static_cast<uint32_t>(probes_.load())};
  std::memcpy(head + 8, fields, sizeof fields);
  const uint64_t rows = size_;
  std::memcpy(head + 24, &rows, 8);
  write(head, sizeof head);
  write(centroids_.data(), centroids_.size() * sizeof(float));
  std::vector<uint64_t> counts(static_cast<size_t>(lists_));
  for (size_t l = 0; l < counts.size(); ++l) counts[l] = listRef(l).count;
  write(counts.data(), counts.size() * sizeof(uint64_t));
  for (size_t l = 0; l < counts.size(); ++l) write(listRef(l).ids, counts[l] * sizeof(int32_t));
  for (size_t l = 0; l < counts.size(); ++l) write(listRef(l).rows, counts[l] * rowBytes_);
}

void IvfLists::read(const uint8_t* data, size_t length, bool view, float i8Scale) {
  auto bad = [](const std::string& what) { throw std::runtime_error("index file's lists section " + what); };
  if (length < kListsPayloadHeaderBytes || std::memcmp(data, kListsMagic, 8) != 0) bad("has no W2VIVF01 magic");
  const uint32_t storedDim = readU32(data + 8), quantization = readU32(data + 12), lists = readU32(data + 16), probes = readU32(data + 20);
  const uint64_t rows = readU64(data + 24);
  if (storedDim != static_cast<uint32_t>(settings_.storedDim()) || quantization != static_cast<uint32_t>(settings_.quantization))
    bad("does not match its header (dim or storage type)");
  // Lists without rows: an index whose rows were all removed keeps its lists.
  if (lists > static_cast<uint32_t>(kMaxLists) || (lists == 0 && rows > 0)) bad("has " + std::to_string(lists) + " lists for " + std::to_string(rows) + " rows");
  if (probes < 1 || probes > static_cast<uint32_t>(kMaxLists)) bad("has probes " + std::to_string(probes) + ", out of [1, " + std::to_string(kMaxLists) + "]");
  if (rows > static_cast<uint64_t>(kMaxId)) bad("has " + std::to_string(rows) + " rows, more than ids can name");
  const uint64_t dim = static_cast<uint64_t>(settings_.dim);
  const uint64_t centroidsAt = kListsPayloadHeaderBytes, countsAt = centroidsAt + uint64_t{lists} * dim * 4,
                 idsAt = countsAt + uint64_t{lists} * 8, rowsAt = idsAt + rows * 4, end = rowsAt + rows * rowBytes_;
  if (end != length) bad("has " + std::to_string(length) + " bytes where its counts declare " + std::to_string(end));
  std::vector<float> centroids(static_cast<size_t>(uint64_t{lists} * dim));
  if (!centroids.empty()) std::memcpy(centroids.data(), data + centroidsAt, centroids.size() * sizeof(float));
  for (float v : centroids)
    if (!std::isfinite(v)) bad("has a centroid value that is not finite");
  std::vector<uint64_t> starts(lists + size_t{1}, 0);
  for (uint32_t l = 0; l < lists; ++l) {
    const uint64_t c = readU64(data + countsAt + uint64_t{l} * 8);
    if (c > rows - starts[l]) bad("has lists holding more than its " + std::to_string(rows) + " rows");
    starts[l + 1] = starts[l] + c;
  }
  if (starts[lists] != rows) bad("has lists holding " + std::to_string(starts[lists]) + " of its " + std::to_string(rows) + " rows");
  // Stored values finite (i8's always are): a search orders scores, and NaN has no order. A
  // float or half is infinite or NaN when its exponent bits are all set.
  const size_t values = settings_.quantization == Quantization::kI8 ? 0 : static_cast<size_t>(rows) * static_cast<size_t>(settings_.storedDim());
  const bool f32 = settings_.quantization == Quantization::kF32;
  for (size_t v = 0; v < values; ++v) {
    uint32_t bits = 0;
    std::memcpy(&bits, data + rowsAt + v * (f32 ? 4 : 2), f32 ? 4 : 2);  // little-endian, as the file
    const uint32_t exponent = f32 ? 0x7f800000u : 0x7c00u;
    if ((bits & exponent) == exponent) bad("has a stored value that is not finite (row " + std::to_string(v / static_cast<size_t>(settings_.storedDim())) + ")");
  }
  std::unique_lock<std::shared_mutex> g(lock_);
  where_.clear();
  for (uint32_t l = 0; l < lists; ++l)
    for (uint64_t r = starts[l]; r < starts[l + 1]; ++r) {
      const int32_t id = static_cast<int32_t>(readU32(data + idsAt + r * 4));
      if (id < 0) bad("has an id out of range (" + std::to_string(id) + ")");
      if (where_.get(id) >= 0) bad("has id " + std::to_string(id) + " twice");
      where_.set(id, static_cast<int32_t>(l));
    }
  centroids_ = std::move(centroids);
  lists_ = static_cast<int32_t>(lists);
  probes_ = static_cast<int32_t>(probes);
  i8Scale_ = i8Scale;
  size_ = static_cast<size_t>(rows);
  owned_.clear();
  viewIds_ = nullptr, viewRows_ = nullptr, viewStarts_.clear();
  if (view) {
    // 4-byte aligned: the section starts 64-aligned and every part before the ids is a multiple of 4.
    viewIds_ = reinterpret_cast<const int32_t*>(data + idsAt);
    viewRows_ = data + rowsAt;
    viewStarts_ = std::move(starts);
    return;
  }
  owned_.resize(lists);
  for (uint32_t l = 0; l < lists; ++l) {
    List& list = owned_[l];
    const size_t c = static_cast<size_t>(starts[l + 1] - starts[l]);
    list.ids.resize(c);
    if (c > 0) std::memcpy(list.ids.data(), data + idsAt + starts[l] * 4, c * 4);  // an empty list's data() may be null
    list.rows.assign(data + rowsAt + starts[l] * rowBytes_, data + rowsAt + starts[l + 1] * rowBytes_);
  }
}

}  // namespace ann
}  // namespace w2v
