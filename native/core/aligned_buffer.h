// A float array aligned to a cache line, whose ownership can be handed to another owner
// (the Node binding gives it to a JS ArrayBuffer without copying).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace w2v {

class AlignedFloats {
 public:
  static constexpr size_t kAlignment = 64;
  AlignedFloats() = default;
  explicit AlignedFloats(size_t count) : size_(count) {
    if (count == 0) return;
    const size_t bytes = ((count * sizeof(float) + kAlignment - 1) / kAlignment) * kAlignment;
    data_ = static_cast<float*>(std::aligned_alloc(kAlignment, bytes));
    if (data_ == nullptr) throw std::bad_alloc();
  }
  AlignedFloats(const AlignedFloats&) = delete;
  AlignedFloats& operator=(const AlignedFloats&) = delete;
  AlignedFloats(AlignedFloats&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  AlignedFloats& operator=(AlignedFloats&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = o.data_;
      size_ = o.size_;
      o.data_ = nullptr;
      o.size_ = 0;
    }
    return *this;
  }
  ~AlignedFloats() { std::free(data_); }

  float* data() { return data_; }
  const float* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void zero() {
    if (data_) std::memset(data_, 0, size_ * sizeof(float));
  }
  /// Gives up ownership; the caller frees the pointer with AlignedFloats::release().
  float* detach() {
    float* p = data_;
    data_ = nullptr;
    size_ = 0;
    return p;
  }
  static void release(float* p) { std::free(p); }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace w2v
