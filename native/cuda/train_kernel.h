// Launching the training kernel (train_kernel.cu) on a stream. Included by host code compiled
// by nvcc only (it names cudaStream_t).
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>

#include "batch_layout.h"

namespace w2v {
namespace cuda {

/// Warps in one thread block; each warp trains one slice.
constexpr int32_t kWarpsPerBlock = 4;

/// Shared memory one block of the kernel needs for `args`' maxTargets, tileRows and dim.
size_t trainKernelSharedBytes(const KernelArgs& args);

/// Lets the kernel variant for `dim` use `sharedBytes` of dynamic shared memory per block
/// (beyond the default 48 KB needs this opt-in). Call once before launching.
cudaError_t prepareTrainKernel(int32_t dim, size_t sharedBytes);

/// Trains every slice of `args` (device pointers) on `stream`, adding to args.counters. One
/// warp per slice, or at most `maxBlocks` blocks (> 0) whose warps take several slices in turn.
cudaError_t launchTrainKernel(const KernelArgs& args, cudaStream_t stream, int32_t maxBlocks = 0);

}  // namespace cuda
}  // namespace w2v
