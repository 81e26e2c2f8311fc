// An approximate nearest-neighbour index (HNSW) over rows of a model: the graph and its
// search are the USearch library's (header-only, built into this addon); this class decides
// how rows are stored (unit rows for cosine, f32 / f16 / i8), scores with our run-time
// dispatched distances, filters inside the search, runs on a bounded pool of search contexts
// so that any number of callers may search and add at once, and reads and writes the index
// file (index_file.h). It knows nothing of Node.
//
// Dot over f32 or f16 rows may be searched through the transform of Bachrach et al. (2014,
// "Speeding up the Xbox recommender system using a Euclidean transformation for inner-product
// spaces"), on request (dotTransform): a row x is stored as the unit row
// [x / R, sqrt(1 - |x|^2 / R^2)], R the largest norm of the index's first add, and a query q as
// [q, 0]. The query's inner product with a stored row is q.x / R, so the ranking is the exact
// dot's, while the graph links rows as a cosine graph of unit rows does. Which graph recalls more
// depends on the data (bench/results/studies/index-dot-transform.md): on item2vec output vectors
// the transform's, on rows of tight clusters (the tests') the inner product's. A
// row added later with a norm above R is stored as [x / R, 0]: its scores stay exact, but it
// lies off the unit sphere and the graph may link it poorly (rebuild when norms grow past R).
// Not for i8: one scale cannot hold both x / R and the added value (near 1).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "distance.h"
#include "index_file.h"

namespace w2v {
namespace ann {

enum class Metric : uint8_t { kCosine = 1, kDot = 2 };

/// How rows are found: an HNSW graph (the library's), or inverted lists (IvfLists: rows kept
/// in the list of their nearest k-means centroid, a query scanning the lists of its nearest
/// centroids), which store no links: a row costs its stored values and its id.
enum class IndexKind : uint8_t { kGraph = 1, kLists = 2 };

struct IndexSettings {
  IndexKind kind = IndexKind::kGraph;
  int32_t dim = 0;
  Metric metric = Metric::kCosine;
  Quantization quantization = Quantization::kF32;
  /// Links per node (HNSW's M).
  int32_t connectivity = 16;
  /// Candidates kept while inserting (efConstruction) and while searching (ef).
  int32_t expansionAdd = 128;
  int32_t expansionSearch = 64;
  /// Dot over f32 or f16 only: store rows through the dot transform (see AnnIndex).
  bool dotTransform = false;
  /// Lists kind: the number of lists (k-means centroids), learnt from the first add; 0: about
  /// 4 sqrt(rows of the first add) (see IvfLists). At most the first add's rows.
  int32_t lists = 0;
  /// Lists kind: lists a query scans (IVF's nprobe).
  int32_t probes = 32;

  bool transformsDot() const { return metric == Metric::kDot && dotTransform; }
  /// Values per stored row: dim, one more under the dot transform.
  int32_t storedDim() const { return dim + (transformsDot() ? 1 : 0); }
};

constexpr int32_t kMinConnectivity = 2;
constexpr int32_t kMaxConnectivity = 256;
constexpr int32_t kMaxExpansion = 1 << 20;
constexpr int32_t kMaxLists = 1 << 16;

/// @throws std::invalid_argument naming the value when probes is outside [1, kMaxLists].
void checkProbes(int32_t probes);
/// Ids are int32 row ids, as everywhere else.
constexpr int64_t kMaxId = INT32_MAX;

/// What a search may return: ids outside `exclude` (sorted ascending) and, when `allow` is
/// set, inside the set whose bit i (word i / 64, bit i % 64) is on; `allowCount` of them.
struct SearchFilter {
  const int32_t* exclude = nullptr;
  size_t excludeCount = 0;
  const uint64_t* allow = nullptr;
  uint64_t allowBits = 0;
  uint64_t allowCount = 0;

  bool restricts() const { return excludeCount > 0 || allow != nullptr; }
  bool admits(uint64_t id) const;
};

/// Called on the adding thread with rows done so far and the total.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

class IvfLists;

class AnnIndex {
 public:
  /// An empty index. @throws std::invalid_argument for settings out of range.
  explicit AnnIndex(const IndexSettings& settings);
  ~AnnIndex();
  AnnIndex(const AnnIndex&) = delete;
  AnnIndex& operator=(const AnnIndex&) = delete;

  /// Reads (or, with `view`, maps) an index file; `header` (when given) receives its header and `extra`
  /// (when given) a copy of its extra section. @throws std::runtime_error naming what is wrong
  /// with the file.
  static std::unique_ptr<AnnIndex> open(const std::string& path, bool view, int threads, IndexFileHeader* header,
                                        std::vector<uint8_t>* extra = nullptr);

  /// Adds `count` rows (count x dim floats) under `ids` on `threads` threads (one for fewer
  /// than 4,096 rows); an id already in the index gets the new row. After a multi-threaded add,
  /// rows no search can reach are inserted again alone (the library's concurrent insert can
  /// strand a row). All or nothing: returns false when `cancelled` stopped it, and then, as
  /// when it throws, the index holds what it held before (replaced rows restored).
  /// @throws std::invalid_argument for a non-finite value or an id out of range or repeated
  /// (nothing is added), std::runtime_error for a view or the library's failure.
  bool add(const int32_t* ids, const float* rows, size_t count, int threads, const ProgressFn& progress,
           const std::atomic<bool>* cancelled);
  /// Removes ids; unknown ids are skipped. Returns how many were removed.
  size_t remove(const int32_t* ids, size_t count);
  bool contains(int32_t id) const;

  /// k nearest rows of each query (count x dim floats), best first, into ids and scores
  /// (count x k; -1 and NaN past the last match). Scores are inner products (cosine: of unit
  /// vectors) as stored: approximate for f16 and i8. Returns true when every result is exact
  /// (a filter so narrow that scanning its ids beats the graph). Dot: when the k-th result
  /// scores s < 0, every row of norm below -s / |q| (each beats s) is scored too, in increasing
  /// norm: the answers of a query that prefers no row, which the graph reaches worst
  /// (bench/results/studies/index-dot-low-norms.md; W2V_DOT_NORM_SCAN=0 turns it off).
  bool search(const float* queries, size_t count, int32_t k, const SearchFilter& filter, int threads, int32_t* ids,
              float* scores) const;

  /// Writes the index file to `path` (created or truncated; the caller renames it into
  /// place): header fields other than layout and hashes come from `header`.
  void save(const std::string& path, IndexFileHeader header, const uint8_t* extra, size_t extraLength) const;

  size_t size() const;
  size_t memoryBytes() const;
  const IndexSettings& settings() const { return settings_; }
  void setExpansionSearch(int32_t expansion);
  void setExpansionAdd(int32_t expansion);
  /// Lists kind: lists a query scans (ignored by a graph). @throws std::invalid_argument
  /// outside [1, kMaxLists].
  void setProbes(int32_t probes);
  /// Lists kind: the lists learnt (0 before the first add, and for a graph).
  int32_t lists() const;
  /// Stored i8 value per unit of the rows (0 unless i8).
  float i8Scale() const;
  /// The dot transform's R (0 before the first add, or without the transform).
  float normBound() const;
  bool isView() const;
  /// The distance set in use ("avx2+fma+f16c" or "scalar").
  static const char* kernelName();
  /// Rows inserted again because a multi-threaded add left them unreachable (see add()).
  size_t relinkedRows() const;
  /// Rows the last multi-threaded add found unreachable and left so, too many to insert again
  /// (see add()); 0 when it inserted them again or found none.
  size_t unreachableRows() const;

 private:
  /// `norms` (dot, or null): receives each inserted row's stored norm and id (see NormList).
  size_t insertRows(const int32_t* ids, const float* rows, const std::vector<size_t>& which, size_t workers,
                    const ProgressFn& progress, const std::atomic<bool>* cancelled,
                    std::vector<std::pair<float, uint64_t>>* norms = nullptr);
  /// Rows (positions in `which`'s ids) no search can reach: not linked from the top layer down.
  std::vector<size_t> findUnreachable(const int32_t* ids, const std::vector<size_t>& which) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<IvfLists> ivf_;  // the lists kind: every call goes there
  IndexSettings settings_;
};

}  // namespace ann
}  // namespace w2v
