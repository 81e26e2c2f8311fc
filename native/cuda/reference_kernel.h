// The training kernel's algorithm run on the host, one warp's slice after another: the
// specification the CUDA kernel (train_kernel.cu) is checked against on a GPU, and what the
// host tests run to check the algorithm (draws, windows, targets, tiles, updates) without one.
#pragma once
#include "batch_layout.h"

namespace w2v {
namespace cuda {

/// Trains every slice of `args` in order, on host pointers; adds to *args.counters.
void referenceTrainBatch(const KernelArgs& args);

}  // namespace cuda
}  // namespace w2v
