// What ann_index.cc, ann_index_search.cc and ann_index_io.cc share: the library's index
// type and AnnIndex's private state. Only those files include the library.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

// The library's headers see mmap and aligned_alloc renamed (huge_pages.h); the system headers
// declaring them come first, so that only the library's calls are renamed.
#include <stdlib.h>
#if !defined(_WIN32)
#include <sys/mman.h>
#endif
#include "huge_pages.h"
#if !defined(_WIN32)
#define mmap ::w2v::ann::mapAdvisingHugePages
#define aligned_alloc ::w2v::ann::alignedAllocAdvisingHugePages
#endif
#include <usearch/index_dense.hpp>
#undef mmap
#undef aligned_alloc
// The headers native/index/usearch-patch.mjs writes (a row and node prefetch in the graph's traversals,
// no removed-key check while every node is live), at the patch level it writes.
#if !defined(W2V_USEARCH_PATCHED) || W2V_USEARCH_PATCHED != 4
#error "USearch's headers without our patches: build through binding.gyp or CMakeLists.txt (native/index/usearch-patch.mjs)"
#endif

#include "../core/mapped_file.h"
#include "ann_index.h"
#include "stored_rows.h"

namespace w2v {
namespace ann {

namespace us = unum::usearch;
using Dense = us::index_dense_gt<uint64_t, uint32_t>;

/// Search and insert contexts (the library's per-thread scratch): callers beyond this wait.
constexpr size_t kContexts = 64;

us::metric_punned_t ourMetric(const IndexSettings& s);
/// Copies a stored row out, in the storage format (the library's same-type cast is a copy);
/// false for an id not in the index.
bool getStored(const Dense& index, Quantization q, uint64_t key, uint8_t* out);


/// Dot indexes: every stored row's norm, in the units of the scores a search returns (the row
/// as added, to the storage's rounding), with its id, ascending (see AnnIndex::search). Built
/// from the stored rows on a search's first need of it; an add merges its rows in; a removed or
/// replaced row's entry stays, stale (a search skips an id it cannot read, and scores the row an
/// id holds now), until stale entries are half the list and the next search builds it again.
using NormList = std::vector<std::pair<float, uint64_t>>;

struct AnnIndex::Impl {
  Dense index;
  mutable std::shared_mutex lock;  // shared: search, add; exclusive: growth, remove, settings
  std::unique_ptr<MappedFile> mapped;  // the file a view reads
  float i8Scale = 0;
  float normBound = 0;  // the dot transform's R, set by the first add
  // Rows of adds in flight, counted in the capacity the next add reserves (adds reserve under
  // the exclusive lock, then insert under the shared one, concurrently).
  std::atomic<size_t> pending{0};
  std::atomic<size_t> relinked{0};
  std::atomic<size_t> unreachable{0};  // found by the last multi-threaded add's check and left
  mutable std::mutex normMutex;
  mutable std::shared_ptr<const NormList> norms;  // null until needed
  mutable size_t staleNorms = 0;                   // entries of removed or replaced rows
  // Adds begun and removes done: an add into an empty index that saw no other change has the
  // whole norm list in hand when it ends.
  std::atomic<uint64_t> changes{0};
  mutable std::mutex poolMutex;
  mutable std::condition_variable poolFree;
  mutable std::vector<size_t> freeContexts;

  Impl() {
    for (size_t i = kContexts; i-- > 0;) freeContexts.push_back(i);
  }

  // A search / insert context for the calling thread, returned when the lease ends.
  struct Lease {
    const Impl& impl;
    size_t id;
    explicit Lease(const Impl& i) : impl(i) {
      std::unique_lock<std::mutex> g(impl.poolMutex);
      impl.poolFree.wait(g, [&] { return !impl.freeContexts.empty(); });
      id = impl.freeContexts.back();
      impl.freeContexts.pop_back();
    }
    ~Lease() {
      {
        std::lock_guard<std::mutex> g(impl.poolMutex);
        impl.freeContexts.push_back(id);
      }
      impl.poolFree.notify_one();
    }
  };

  /// The norm list (dot only), built on first need; null while an add is inserting rows and
  /// none is built. Call holding `lock` (shared at least).
  std::shared_ptr<const NormList> normList(const IndexSettings& s) const;
  /// After an add: its rows' entries (`added`, from the rows as stored) merged in, `replaced`
  /// of them in place of rows the list still holds; or, when the add filled an empty index and
  /// nothing else changed it meanwhile (`whole`), they are the list.
  void addNorms(NormList added, size_t replaced, bool whole);
  /// After a remove: `count` entries became stale.
  void staleNormsAdded(size_t count) {
    std::lock_guard<std::mutex> g(normMutex);
    staleNorms += count;
    if (norms && staleNorms * 2 > norms->size()) norms.reset(), staleNorms = 0;
  }

  void reserve(size_t members) {
    if (!index.try_reserve(us::index_limits_t(members, kContexts)))
      throw std::runtime_error("cannot reserve memory for an index of " + std::to_string(members) + " rows");
  }
};

}  // namespace ann
}  // namespace w2v
