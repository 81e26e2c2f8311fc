// A float array aligned to a cache line, whose ownership can be handed to another owner
// (the Node binding gives it to a JS ArrayBuffer without copying).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(_WIN32)
#include <malloc.h>
#else
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace w2v {

/// Memory 64-byte aligned; blocks of at least kMapBytes are memory mappings of their own, so
/// that freeing one gives its pages back to the system at once. From malloc, a large block
/// lands in the allocator's heap once its adaptive mmap threshold has risen (glibc raises it
/// to the size of any mapped block freed, up to 32 MiB), and what is freed there mostly stays
/// in the process: 100 train/abort cycles went from 108 to 220 MB before, and stay flat with
/// this; the vocabulary pass's tables and kept ids left ~20 MB behind for the training.
/// Blocks of kHugePageAdviceBytes and more (the weight matrices) are advised as transparent
/// huge pages where the system offers them on request (THP mode "madvise"): training reads
/// rows at random, and 2 MiB pages take TLB misses off those reads.
namespace pages {

constexpr size_t kAlignment = 64;
constexpr size_t kMapBytes = size_t{1} << 20;
constexpr size_t kHugePageAdviceBytes = size_t{4} << 20;

inline size_t roundedBytes(size_t bytes) {
  if (bytes > SIZE_MAX - kAlignment) throw std::bad_alloc();
  return ((bytes + kAlignment - 1) / kAlignment) * kAlignment;
}

/// `bytes` bytes, 64-byte aligned; throws std::bad_alloc.
inline void* allocate(size_t bytes) {
  bytes = roundedBytes(bytes);
#if defined(_WIN32)
  void* p = _aligned_malloc(bytes, kAlignment);
#else
  void* p = nullptr;
  if (bytes >= kMapBytes) {
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) p = nullptr;
#if defined(MADV_HUGEPAGE)
    if (p != nullptr && bytes >= kHugePageAdviceBytes) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  } else {
    p = std::aligned_alloc(kAlignment, bytes);
  }
#endif
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

/// True when allocate(bytes) gives fresh pages of a mapping of their own, which the system
/// hands over zeroed (so a caller wanting zeros need not write them, nor fault every page in).
inline bool allocatesZeroed(size_t bytes) {
#if defined(_WIN32)
  (void)bytes;
  return false;
#else
  return roundedBytes(bytes) >= kMapBytes;
#endif
}

/// Frees what allocate(bytes) returned (null is fine).
inline void release(void* p, size_t bytes) {
  if (p == nullptr) return;
#if defined(_WIN32)
  (void)bytes;
  _aligned_free(p);
#else
  bytes = roundedBytes(bytes);
  if (bytes >= kMapBytes) {
    munmap(p, bytes);
  } else {
    std::free(p);
  }
#endif
}

/// Keeps the first `newBytes` of what allocate(oldBytes) returned and gives the rest back where
/// the block is a mapping of its own: its pages past the kept ones are unmapped, in place. A
/// mapped block shrunk below kMapBytes moves to a heap block (release() frees by the size), and
/// so does nothing else. Returns the block, moved or not; release it as allocate(newBytes)'s.
/// newBytes 0 frees the block and returns null. Throws std::bad_alloc (the block then unchanged).
inline void* shrink(void* p, size_t oldBytes, size_t newBytes) {
  if (p == nullptr || newBytes >= oldBytes) return p;
  if (newBytes == 0) {
    release(p, oldBytes);
    return nullptr;
  }
#if defined(_WIN32)
  return p;
#else
  oldBytes = roundedBytes(oldBytes);
  newBytes = roundedBytes(newBytes);
  if (oldBytes < kMapBytes) return p;  // a heap block: free() needs no size
  if (newBytes < kMapBytes) {
    void* q = allocate(newBytes);
    std::memcpy(q, p, newBytes);
    release(p, oldBytes);
    return q;
  }
  const long page = sysconf(_SC_PAGESIZE);
  const size_t unit = page > 0 ? static_cast<size_t>(page) : size_t{4096};
  const size_t keep = (newBytes + unit - 1) / unit * unit, end = (oldBytes + unit - 1) / unit * unit;
  if (end > keep) munmap(static_cast<char*>(p) + keep, end - keep);
  return p;
#endif
}

/// A standard allocator over allocate()/release(), for large containers built and dropped
/// (the tokenizer's tables).
template <class T>
struct Allocator {
  using value_type = T;
  Allocator() = default;
  template <class U>
  Allocator(const Allocator<U>&) noexcept {}
  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(pages::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept { pages::release(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const Allocator<U>&) const noexcept { return true; }
  template <class U>
  bool operator!=(const Allocator<U>&) const noexcept { return false; }
};

}  // namespace pages

class AlignedFloats {
 public:
  static constexpr size_t kAlignment = pages::kAlignment;

  AlignedFloats() = default;
  explicit AlignedFloats(size_t count) : size_(count) {
    if (count == 0) return;
    data_ = allocate(count);
  }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  AlignedFloats(AlignedFloats&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  AlignedFloats& operator=(AlignedFloats&& o) noexcept {
    if (this != &o) {
      release(data_, size_);
      data_ = o.data_;
      size_ = o.size_;
      o.data_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }
  ~AlignedFloats() { release(data_, size_); }

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void zero() {
    if (data_) std::memset(data_, 0, size_ * sizeof(float));
  }
  /// `count` zeros: written only where the memory does not come zeroed (pages::allocatesZeroed).
  static AlignedFloats zeros(size_t count) {
    AlignedFloats z(count);
    if (!pages::allocatesZeroed(bytesOf(count))) z.zero();
    return z;
  }
  /// Keeps the first `count` floats (at most size()) and gives the memory past them back
  /// (pages::shrink). Throws std::bad_alloc, the buffer then unchanged.
  void shrink(size_t count) {
    if (count >= size_) return;
    data_ = static_cast<float*>(pages::shrink(data_, bytesOf(size_), bytesOf(count)));
    size_ = data_ == nullptr ? 0 : count;
  }
  /// Gives up ownership; the caller frees the pointer with AlignedFloats::release(p, count),
  /// `count` being size() before the call.
  float* detach() {
    float* p = data_;
    data_ = nullptr;
    size_ = 0;
    return p;
  }

  /// `count` floats, 64-byte aligned (see pages::allocate); throws std::bad_alloc.
  static float* allocate(size_t count) { return static_cast<float*>(pages::allocate(bytesOf(count))); }

  /// Frees what allocate(count) returned (null is fine).
  static void release(float* p, size_t count) { pages::release(p, bytesOf(count)); }

 private:
  static size_t bytesOf(size_t count) {
    if (count > SIZE_MAX / sizeof(float)) throw std::bad_alloc();
    return count * sizeof(float);
  }

  float* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace w2v
