// The lists kind of index (IVF, as FAISS's IndexIVFFlat and IndexIVFScalarQuantizer): rows
// kept in the list of their nearest centroid, the centroids learnt by spherical k-means from
// the first add; a query scans the rows of the `probes` lists whose centroids score highest
// against it. It stores no links, so a row costs its stored values and its 4-byte id: i8 rows
// of dim 100 take about 0.27x the memory of their f32 vectors, where an HNSW graph's level-0
// links alone take 128 bytes a row at connectivity 16. Recall is set by `probes` (the share of
// the rows scanned), not by a graph. AnnIndex serves this kind through its own interface
// (AnnIndex forwards every call); this class knows nothing of the library nor of Node.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "ann_index.h"

namespace w2v {
namespace ann {

/// Payload layout (index_file.h's index section for this kind), little-endian:
///   0 magic "W2VIVF01"   8 u32 stored dim   12 u32 quantization   16 u32 lists   20 u32 probes
///  24 u64 rows
///  32 f32 centroids (lists x dim, unit rows), then u64 rows of each list, then the rows' i32
///  ids list by list, then their stored values in the same order.
constexpr size_t kListsPayloadHeaderBytes = 32;

class IvfLists {
 public:
  /// `s` already checked by AnnIndex.
  explicit IvfLists(const IndexSettings& s);
  ~IvfLists();

  /// As AnnIndex::add (the caller refuses views). The first add (into an index with no lists) learns the lists from its
  /// rows (s.lists of them, or the default; never more than the rows) and, for i8, the scale.
  bool add(const int32_t* ids, const float* rows, size_t count, int threads, const ProgressFn& progress,
           const std::atomic<bool>* cancelled);
  size_t remove(const int32_t* ids, size_t count);
  bool contains(int32_t id) const;
  /// As AnnIndex::search: exact (true) when every list was scanned, which a filter admitting a
  /// small share of the rows asks for (the probes grow as 1 / the share admitted).
  bool search(const float* queries, size_t count, int32_t k, const SearchFilter& filter, int threads, int32_t* ids,
              float* scores) const;

  /// Writes the payload through `write`, in pieces.
  void write(const std::function<void(const void*, size_t)>& write) const;
  /// Reads a payload `write` wrote (`length` bytes) and the i8 scale its file's header records;
  /// with `view` the lists are read where they lie (the bytes must outlive this).
  /// @throws std::runtime_error naming what is wrong.
  void read(const uint8_t* data, size_t length, bool view, float i8Scale);

  size_t size() const;
  size_t memoryBytes() const;
  float i8Scale() const;
  /// Lists learnt (0 before the first add).
  int32_t lists() const;
  int32_t probes() const { return probes_.load(); }
  /// @throws std::invalid_argument outside [1, kMaxLists].
  void setProbes(int32_t probes);
  /// The lists of `rows` rows when not given: 4 sqrt(rows), in [1, min(rows, kMaxLists)].
  static int32_t defaultLists(size_t rows);

 private:
  struct List {
    std::vector<int32_t> ids;
    std::vector<uint8_t> rows;
  };
  struct ListRef {
    const int32_t* ids;
    const uint8_t* rows;
    size_t count;
  };
  /// Id -> list, in pages of 4,096 ids allocated as ids arrive: no allocation sized by an id.
  class IdPages {
   public:
    int32_t get(int32_t id) const;
    void set(int32_t id, int32_t list);
    size_t bytes() const;
    void clear() { pages_.clear(); }

   private:
    std::vector<std::unique_ptr<int32_t[]>> pages_;
    size_t allocated_ = 0;
  };

  ListRef listRef(size_t l) const;
  size_t removeLocked(int32_t id);
  std::vector<float> train(const float* rows, size_t count, int32_t lists, int threads, const std::atomic<bool>* cancelled) const;

  IndexSettings settings_;
  size_t rowBytes_;
  mutable std::shared_mutex lock_;  // shared: searches and reads; exclusive: changing the lists
  std::mutex addMutex_;             // one add at a time: the first learns the lists
  std::vector<float> centroids_;    // lists x dim
  int32_t lists_ = 0;
  std::atomic<int32_t> probes_;
  float i8Scale_ = 0;
  size_t size_ = 0;
  std::vector<List> owned_;
  // A view: every list read in place.
  const int32_t* viewIds_ = nullptr;
  const uint8_t* viewRows_ = nullptr;
  std::vector<uint64_t> viewStarts_;  // lists + 1
  IdPages where_;
};

}  // namespace ann
}  // namespace w2v
