#include "query.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <thread>

#include "aligned_buffer.h"
#include "simd/kernels.h"
#include "vector_math.h"

namespace w2v {

namespace {

// Heap order: the worst kept candidate on top. Better = higher score, then lower id.
bool worse(const Scored& a, const Scored& b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

// Rows per block: a packed block of this many rows of dim 100 is 200 KB, which stays in L2
// while every query of the batch is scored against it.
constexpr int64_t kBlockRows = 512;
// With fewer queries than this, scoring each query by streaming the rows beats packing them.
constexpr int32_t kPanelMinQueries = 3;
// Below this much work (rows x queries x dim) one thread is quicker than starting more.
constexpr double kMinWorkPerThread = 4e6;

// One query's bounded heap and the sorted ids it must skip.
class Selection {
 public:
  void reset(int32_t k, std::vector<int32_t> excluded) {
    keep_ = static_cast<size_t>(k);
    heap_.clear();
    heap_.reserve(keep_ + 1);
    excluded_ = std::move(excluded);
    std::sort(excluded_.begin(), excluded_.end());
    threshold_ = -std::numeric_limits<float>::infinity();
  }
  // Scores of consecutive rows starting at id `first`.
  void offer(const float* scores, int32_t count, int32_t first) {
    if (keep_ == 0) return;
    for (int32_t i = 0; i < count; ++i) {
      const float s = scores[i];
      // Not-yet-full heaps take any non-NaN score; full ones only a strictly better one
      // (an equal score from a later row loses the tie to the lower id already kept).
      if (!(s > threshold_) && !(heap_.size() < keep_ && s == s)) continue;
      const int32_t id = first + i;
      if (!excluded_.empty() && std::binary_search(excluded_.begin(), excluded_.end(), id)) continue;
      heap_.push_back(Scored{id, s});
      std::push_heap(heap_.begin(), heap_.end(), worse);
      if (heap_.size() > keep_) {
        std::pop_heap(heap_.begin(), heap_.end(), worse);
        heap_.pop_back();
      }
      if (heap_.size() == keep_) threshold_ = heap_.front().score;
    }
  }
  std::vector<Scored>& candidates() { return heap_; }

 private:
  size_t keep_ = 0;
  std::vector<Scored> heap_;
  std::vector<int32_t> excluded_;
  float threshold_ = 0;
};

std::vector<int32_t> exclusionsOf(const Exclusions& ex, int32_t query) {
  std::vector<int32_t> ids;
  if (ex.sharedIds != nullptr) ids.assign(ex.sharedIds, ex.sharedIds + std::max(0, ex.sharedCount));
  if (ex.perQueryOffsets != nullptr && ex.perQueryIds != nullptr)
    ids.insert(ids.end(), ex.perQueryIds + ex.perQueryOffsets[query], ex.perQueryIds + ex.perQueryOffsets[query + 1]);
  return ids;
}

int32_t paddedStride(int32_t dim) { return (dim + simd::kPanelStride - 1) / simd::kPanelStride * simd::kPanelStride; }

// Copies `count` rows into the batch kernel's layout (simd/kernels.h): each row zero-padded
// to `stride` floats, zero rows up to a multiple of kPanelRows. Returns the padded count.
int32_t packRows(const float* matrix, int64_t first, int32_t count, int32_t dim, int32_t stride, float* panel) {
  const int32_t padded = (count + simd::kPanelRows - 1) / simd::kPanelRows * simd::kPanelRows;
  for (int32_t r = 0; r < padded; ++r) {
    float* out = panel + static_cast<size_t>(r) * stride;
    if (r < count) {
      std::copy(matrix + static_cast<size_t>(first + r) * dim, matrix + static_cast<size_t>(first + r + 1) * dim, out);
      std::fill(out + dim, out + stride, 0.0f);
    } else {
      std::fill(out, out + stride, 0.0f);
    }
  }
  return padded;
}

// Scores rows [begin, end) against every query and offers them to the selections.
void scanRows(const float* matrix, int64_t begin, int64_t end, int32_t dim, const float* queries,
              int32_t queryCount, std::vector<Selection>& selections, const float* rowScale) {
  auto scale = [rowScale](float* scores, int32_t count, int64_t first) {
    if (rowScale == nullptr) return;
    for (int32_t i = 0; i < count; ++i) scores[i] *= rowScale[first + i];
  };
  const simd::QueryKernels kernels = simd::selectQueryKernels();
  const bool panel = queryCount >= kPanelMinQueries;
  const int64_t blockRows = kBlockRows;
  const int32_t stride = paddedStride(dim);
  AlignedFloats packed(panel ? static_cast<size_t>(blockRows + simd::kPanelRows) * stride : 0);
  // packRows pads to a multiple of kPanelRows rows, for the queries too.
  AlignedFloats paddedQueries(panel ? static_cast<size_t>(queryCount + simd::kPanelRows) * stride : 0);
  if (panel) packRows(queries, 0, queryCount, dim, stride, paddedQueries.data());
  // Scores of one block: every query's row when packed, one row at a time otherwise.
  std::vector<float> scores(static_cast<size_t>(blockRows + simd::kPanelRows) * (panel ? queryCount : 1));
  for (int64_t first = begin; first < end; first += blockRows) {
    const int32_t count = static_cast<int32_t>(std::min(blockRows, end - first));
    if (panel) {
      const int32_t padded = packRows(matrix, first, count, dim, stride, packed.data());
      kernels.dotPanel(paddedQueries.data(), queryCount, stride, packed.data(), padded, scores.data());
      for (int32_t q = 0; q < queryCount; ++q) {
        float* own = scores.data() + static_cast<size_t>(q) * padded;
        scale(own, count, first);
        selections[static_cast<size_t>(q)].offer(own, count, static_cast<int32_t>(first));
      }
    } else {
      for (int32_t q = 0; q < queryCount; ++q) {
        kernels.dotRows(matrix + static_cast<size_t>(first) * dim, count, dim, queries + static_cast<size_t>(q) * dim,
                        scores.data());
        scale(scores.data(), count, first);
        selections[static_cast<size_t>(q)].offer(scores.data(), count, static_cast<int32_t>(first));
      }
    }
  }
}

int32_t threadsFor(double work, int64_t rows, int32_t threads) {
  const double byWork = std::max(1.0, std::floor(work / kMinWorkPerThread));
  const int64_t byRows = std::max<int64_t>(1, rows / kBlockRows);
  return static_cast<int32_t>(std::max<double>(1, std::min<double>({static_cast<double>(std::clamp(threads, 1, 256)),
                                                                     byWork, static_cast<double>(byRows)})));
}

}  // namespace

void topKBatchByDot(const float* matrix, int64_t rows, int32_t dim, const float* queries, int32_t queryCount,
                    int32_t k, const Exclusions& exclude, int32_t threads, int32_t* outIds, float* outScores,
                    const float* rowScale) {
  if (queryCount <= 0 || k <= 0) return;
  const int32_t keep = static_cast<int32_t>(std::min<int64_t>(k, std::max<int64_t>(rows, 0)));
  const int32_t workers =
      rows <= 0 ? 1 : threadsFor(static_cast<double>(rows) * queryCount * dim, rows, threads);
  // Each worker selects over its own slice of rows; the slices' winners are merged below.
  std::vector<std::vector<Selection>> perWorker(static_cast<size_t>(workers), std::vector<Selection>(queryCount));
  for (auto& selections : perWorker)
    for (int32_t q = 0; q < queryCount; ++q) selections[static_cast<size_t>(q)].reset(keep, exclusionsOf(exclude, q));
  if (rows > 0) {
    const int64_t step = (rows + workers - 1) / workers;
    auto work = [&](int32_t w) {
      const int64_t begin = std::min(rows, step * w);
      const int64_t end = std::min(rows, begin + step);
      scanRows(matrix, begin, end, dim, queries, queryCount, perWorker[static_cast<size_t>(w)], rowScale);
    };
    std::vector<std::thread> pool;
    for (int32_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& t : pool) t.join();
  }
  for (int32_t q = 0; q < queryCount; ++q) {
    std::vector<Scored> merged;
    for (auto& selections : perWorker) {
      auto& c = selections[static_cast<size_t>(q)].candidates();
      merged.insert(merged.end(), c.begin(), c.end());
    }
    const size_t n = std::min(merged.size(), static_cast<size_t>(keep));
    std::partial_sort(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(n), merged.end(),
                      [](const Scored& a, const Scored& b) { return worse(a, b); });
    for (int32_t i = 0; i < k; ++i) {
      const size_t o = static_cast<size_t>(q) * k + i;
      outIds[o] = static_cast<size_t>(i) < n ? merged[static_cast<size_t>(i)].id : -1;
      outScores[o] = static_cast<size_t>(i) < n ? merged[static_cast<size_t>(i)].score
                                                 : std::numeric_limits<float>::quiet_NaN();
    }
  }
}

std::vector<Scored> topKByDot(const float* matrix, int64_t rows, int32_t dim, const float* query,
                              int32_t k, const int32_t* exclude, int32_t excludeCount) {
  std::vector<Scored> out;
  if (k <= 0 || rows <= 0) return out;
  const int32_t keep = static_cast<int32_t>(std::min<int64_t>(k, rows));
  std::vector<int32_t> ids(static_cast<size_t>(keep));
  std::vector<float> scores(static_cast<size_t>(keep));
  Exclusions ex;
  ex.sharedIds = exclude;
  ex.sharedCount = excludeCount;
  topKBatchByDot(matrix, rows, dim, query, 1, keep, ex, 1, ids.data(), scores.data());
  for (int32_t i = 0; i < keep && ids[static_cast<size_t>(i)] >= 0; ++i)
    out.push_back(Scored{ids[static_cast<size_t>(i)], scores[static_cast<size_t>(i)]});
  return out;
}

std::vector<Scored> topKByCosMul(const float* unitMatrix, int64_t rows, int32_t dim, const float* a,
                                 const float* b, const float* c, int32_t k, const int32_t* exclude,
                                 int32_t excludeCount, float epsilon, int32_t threads) {
  std::vector<Scored> out;
  if (k <= 0 || rows <= 0) return out;
  const int32_t keep = static_cast<int32_t>(std::min<int64_t>(k, rows));
  std::vector<int32_t> excluded(exclude, exclude + std::max(0, excludeCount));
  const int32_t workers = threadsFor(static_cast<double>(rows) * 3 * dim, rows, threads);
  std::vector<Selection> selections(static_cast<size_t>(workers));
  for (auto& s : selections) s.reset(keep, excluded);
  const int64_t step = (rows + workers - 1) / workers;
  auto work = [&](int32_t w) {
    const simd::QueryKernels kernels = simd::selectQueryKernels();
    const int64_t begin = std::min(rows, step * w);
    const int64_t end = std::min(rows, begin + step);
    std::vector<float> sa(kBlockRows), sb(kBlockRows), sc(kBlockRows);
    for (int64_t first = begin; first < end; first += kBlockRows) {
      const int32_t count = static_cast<int32_t>(std::min<int64_t>(kBlockRows, end - first));
      const float* block = unitMatrix + static_cast<size_t>(first) * dim;
      kernels.dotRows(block, count, dim, a, sa.data());
      kernels.dotRows(block, count, dim, b, sb.data());
      kernels.dotRows(block, count, dim, c, sc.data());
      for (int32_t i = 0; i < count; ++i)
        sa[static_cast<size_t>(i)] = ((sb[i] + 1) * 0.5f) * ((sc[i] + 1) * 0.5f) / ((sa[i] + 1) * 0.5f + epsilon);
      selections[static_cast<size_t>(w)].offer(sa.data(), count, static_cast<int32_t>(first));
    }
  };
  std::vector<std::thread> pool;
  for (int32_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  for (auto& s : selections) out.insert(out.end(), s.candidates().begin(), s.candidates().end());
  const size_t n = std::min(out.size(), static_cast<size_t>(keep));
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    [](const Scored& x, const Scored& y) { return worse(x, y); });
  out.resize(n);
  return out;
}

void inverseRowNorms(const float* matrix, int64_t rows, int32_t dim, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = matrix + static_cast<size_t>(r) * dim;
    const double n2 = dot(in, in, dim);
    out[r] = n2 > 0 ? static_cast<float>(1.0 / std::sqrt(n2)) : 0.0f;
  }
}

void normalizeRows(const float* matrix, int64_t rows, int32_t dim, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = matrix + static_cast<size_t>(r) * dim;
    float* o = out + static_cast<size_t>(r) * dim;
    const double n2 = dot(in, in, dim);
    const float inv = n2 > 0 ? static_cast<float>(1.0 / std::sqrt(n2)) : 0.0f;
    for (int32_t i = 0; i < dim; ++i) o[i] = in[i] * inv;
  }
}

}  // namespace w2v
