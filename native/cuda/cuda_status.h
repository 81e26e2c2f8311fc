// What the device probe reports: whether this build has the CUDA trainer and which devices
// it sees. Plain C++, no CUDA header: native/backends fills it in builds without CUDA too.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace w2v {

/// One visible CUDA device.
struct CudaDeviceInfo {
  int32_t index = 0;
  std::string name;
  uint64_t memoryBytes = 0;
  int32_t computeMajor = 0;
  int32_t computeMinor = 0;
  int32_t multiprocessors = 0;
  /// Peak DRAM bandwidth from the memory clock and bus width (2 transfers a clock).
  double memoryBandwidthBytesPerSecond = 0;
};

/// What this build and machine offer for CUDA.
struct CudaStatus {
  /// Built with the CUDA trainer (cmake -DW2V_CUDA=ON with a toolkit found).
  bool compiled = false;
  int32_t deviceCount = 0;
  /// Why no device is usable: cudaGetDeviceCount's error name and text, or empty.
  std::string error;
  std::vector<CudaDeviceInfo> devices;
};

}  // namespace w2v
