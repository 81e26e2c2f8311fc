// Huge-page advice for the library's own large memory. Included by ann_index_impl.h around the
// library's headers only: it renames their calls of mmap and aligned_alloc, textually, to the
// functions below, so the index's node and vector arenas and its slot arrays are advised as
// transparent huge pages, as the trainer's weights are (core/aligned_buffer.h), where the
// system offers them on request (THP mode "madvise"). A search reads a node, its vector and
// two slot arrays at random over hundreds of MiB: with 4 KiB pages nearly each such read also
// misses the TLB; 2 MiB pages cover 1M x 100 in a few hundred TLB entries.
#pragma once
#include <cstddef>
#include <sys/types.h>

namespace w2v {
namespace ann {

/// W2V_INDEX_HUGE_PAGES=0 in the environment turns the advice off (both are then the plain calls).
/// Blocks of at least this many bytes are advised (smaller ones would not fill a huge page).
constexpr size_t kIndexHugePageBytes = size_t{4} << 20;

/// mmap; an anonymous private mapping of kIndexHugePageBytes or more is then advised
/// MADV_HUGEPAGE (files the library maps for views are left as they are).
void* mapAdvisingHugePages(void* address, size_t length, int protection, int flags, int fd, off_t offset);

/// aligned_alloc; a block of kIndexHugePageBytes or more is aligned to 2 MiB and advised
/// MADV_HUGEPAGE. Freed by free(), as any aligned_alloc block.
void* alignedAllocAdvisingHugePages(size_t alignment, size_t size);

}  // namespace ann
}  // namespace w2v
