// The device probe: what cudaGetDeviceCount and cudaGetDeviceProperties say.
#include <cuda_runtime.h>

#include "cuda_memory.h"
#include "cuda_trainer.h"

namespace w2v {
namespace cuda {

CudaStatus probeCudaDevices() {
  CudaStatus status;
  status.compiled = true;
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();  // clears the sticky error for later calls
    status.error = "cudaGetDeviceCount returned " + errorText(e);
    return status;
  }
  status.deviceCount = count;
  if (count == 0) status.error = "cudaGetDeviceCount returned 0 devices";
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    CudaDeviceInfo info;
    info.index = i;
    info.name = p.name;
    info.memoryBytes = p.totalGlobalMem;
    info.computeMajor = p.major;
    info.computeMinor = p.minor;
    info.multiprocessors = p.multiProcessorCount;
    int clockKHz = 0, busBits = 0;
    if (cudaDeviceGetAttribute(&clockKHz, cudaDevAttrMemoryClockRate, i) == cudaSuccess &&
        cudaDeviceGetAttribute(&busBits, cudaDevAttrGlobalMemoryBusWidth, i) == cudaSuccess)
      info.memoryBandwidthBytesPerSecond = 2.0 * clockKHz * 1000.0 * busBits / 8.0;
    cudaGetLastError();
    status.devices.push_back(info);
  }
  return status;
}

}  // namespace cuda
}  // namespace w2v
