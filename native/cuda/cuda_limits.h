// What the CUDA kernel can train, for the kernel, the host checks and native/backends (which
// hands it to the binding). Plain C++, no CUDA header.
#pragma once
#include <cstdint>

namespace w2v {
namespace cuda {

/// Largest dim the kernel takes: 32 lanes x 32 floats of a row in registers.
constexpr int32_t kMaxCudaDim = 1024;

}  // namespace cuda
}  // namespace w2v
