// See huge_pages.h. This file sees the system's own mmap and aligned_alloc.
#include "huge_pages.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

#if !defined(_WIN32)
#include <sys/mman.h>

namespace w2v {
namespace ann {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// W2V_INDEX_HUGE_PAGES=0 leaves the library's memory unadvised (for studies: what the advice
// buys, bench/tools/index-huge-pages.mjs); read once.
bool adviceOn() {
  static const bool on = [] {
    const char* v = std::getenv("W2V_INDEX_HUGE_PAGES");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return on;
}

void advise(void* p, size_t bytes) {
#if defined(MADV_HUGEPAGE)
  // Advice only: where the system does not offer huge pages, the call fails and nothing changes.
  madvise(p, bytes, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace

void* mapAdvisingHugePages(void* address, size_t length, int protection, int flags, int fd, off_t offset) {
  void* p = mmap(address, length, protection, flags, fd, offset);
  if (p != MAP_FAILED && adviceOn() && (flags & MAP_ANONYMOUS) != 0 && (flags & MAP_PRIVATE) != 0 && length >= kIndexHugePageBytes) advise(p, length);
  return p;
}

void* alignedAllocAdvisingHugePages(size_t alignment, size_t size) {
  if (!adviceOn() || size < kIndexHugePageBytes || alignment > kHugePage) return std::aligned_alloc(alignment, size);
  // aligned_alloc wants a size that is a multiple of the alignment.
  if (size > SIZE_MAX - kHugePage) return nullptr;
  const size_t rounded = (size + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (p != nullptr) advise(p, rounded);
  return p;
}

}  // namespace ann
}  // namespace w2v
#endif
