// CUDA runtime errors as exceptions, and owned arrays in device or pinned host memory.
// Included by code compiled by nvcc only (it names the CUDA runtime's types).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

namespace w2v {
namespace cuda {

inline std::string errorText(cudaError_t e) {
  return std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ")";
}

inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + " failed: " + errorText(e));
}

// Where a CudaArray's memory comes from: the device, or pinned (page-locked) host memory that
// copies can stream from. Each says how to allocate, free, and word a failure.
struct DeviceMemory {
  static constexpr bool kAllocatesEmpty = false;  // an empty array holds no allocation
  static cudaError_t allocate(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
  static void release(void* p) { cudaFree(p); }
  static std::string failure(const char* what, size_t bytes, cudaError_t e) {
    return "not enough GPU memory for " + std::string(what) + " (" + std::to_string(bytes) + " bytes): " + errorText(e);
  }
};
struct PinnedMemory {
  static constexpr bool kAllocatesEmpty = true;  // always a valid pointer, even for 0 elements
  static cudaError_t allocate(void** p, size_t bytes) { return cudaHostAlloc(p, bytes, cudaHostAllocDefault); }
  static void release(void* p) { cudaFreeHost(p); }
  static std::string failure(const char* what, size_t, cudaError_t e) {
    return "could not pin host memory for " + std::string(what) + ": " + errorText(e);
  }
};

/// An owned array of `count` T in device or pinned host memory (RAII; not copyable).
template <class T, class Memory>
class CudaArray {
 public:
  CudaArray() = default;
  CudaArray(const CudaArray&) = delete;
  CudaArray& operator=(const CudaArray&) = delete;
  ~CudaArray() { reset(); }
  void allocate(size_t count, const char* what) {
    reset();
    if (count == 0 && !Memory::kAllocatesEmpty) return;
    const size_t bytes = std::max<size_t>(count, 1) * sizeof(T);
    void* p = nullptr;
    const cudaError_t e = Memory::allocate(&p, bytes);
    if (e != cudaSuccess) {
      cudaGetLastError();
      throw std::runtime_error(Memory::failure(what, bytes, e));
    }
    data_ = static_cast<T*>(p);
    count_ = count;
  }
  void reset() {
    if (data_ != nullptr) Memory::release(data_);
    data_ = nullptr;
    count_ = 0;
  }
  T* data() const { return data_; }
  size_t size() const { return count_; }

 private:
  T* data_ = nullptr;
  size_t count_ = 0;
};

template <class T>
using DeviceArray = CudaArray<T, DeviceMemory>;
template <class T>
using PinnedArray = CudaArray<T, PinnedMemory>;

}  // namespace cuda
}  // namespace w2v
