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
#endif

namespace w2v {

class AlignedFloats {
 public:
  static constexpr size_t kAlignment = 64;
  /// Buffers of at least this many bytes are memory mappings of their own, so that freeing
  /// one gives its pages back to the system at once. From malloc, a large block lands in the
  /// allocator's heap once its adaptive mmap threshold has risen (glibc raises it to the size
  /// of any mapped block freed, up to 32 MiB), and a process that trains and drops models
  /// over and over grows in RSS by fragmentation: 100 train/abort cycles went from 108 to
  /// 220 MB before, and stay flat with this.
  static constexpr size_t kMapBytes = size_t{1} << 20;

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
  /// Gives up ownership; the caller frees the pointer with AlignedFloats::release(p, count),
  /// `count` being size() before the call.
  float* detach() {
    float* p = data_;
    data_ = nullptr;
    size_ = 0;
    return p;
  }

  /// `count` floats, 64-byte aligned (mapped pages from kMapBytes up); throws std::bad_alloc.
  static float* allocate(size_t count) {
    const size_t bytes = roundedBytes(count);
#if defined(_WIN32)
    void* p = _aligned_malloc(bytes, kAlignment);
#else
    void* p = nullptr;
    if (bytes >= kMapBytes) {
      p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) p = nullptr;
    } else {
      p = std::aligned_alloc(kAlignment, bytes);
    }
#endif
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<float*>(p);
  }

  /// Frees what allocate(count) returned (null is fine).
  static void release(float* p, size_t count) {
    if (p == nullptr) return;
#if defined(_WIN32)
    (void)count;
    _aligned_free(p);
#else
    const size_t bytes = roundedBytes(count);
    if (bytes >= kMapBytes) {
      munmap(p, bytes);
    } else {
      std::free(p);
    }
#endif
  }

 private:
  static size_t roundedBytes(size_t count) {
    if (count > (SIZE_MAX - kAlignment) / sizeof(float)) throw std::bad_alloc();
    return ((count * sizeof(float) + kAlignment - 1) / kAlignment) * kAlignment;
  }

  float* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace w2v
