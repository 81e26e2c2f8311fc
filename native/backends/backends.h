// The trainer backends this build has, and the choice between them: the CPU's thread pool
// (native/core) or the optional CUDA trainer (native/cuda). The binding includes this header,
// never a backend's own; native/core knows nothing of devices.
#pragma once
#include <cstdint>
#include <memory>

#include "../core/w2v_limits.h"
#include "../core/trainer_backend.h"
#include "../cuda/cuda_limits.h"
#include "../cuda/cuda_status.h"

namespace w2v {

enum class TrainerDevice { kCpu, kCuda };

/// Largest dim `device` trains (the CUDA kernel holds a row in one warp's registers).
constexpr int32_t maxDim(TrainerDevice device) {
  return device == TrainerDevice::kCuda ? cuda::kMaxCudaDim : kMaxDim;
}

/// A trainer on `device`. Throws std::invalid_argument for a bad configuration, table or a
/// device that cannot train this configuration (the message names it), std::runtime_error
/// when the device itself fails (e.g. out of GPU memory).
std::unique_ptr<TrainerBackend> makeTrainer(TrainerDevice device, const TrainerConfig& config, TrainerTables tables,
                                            int32_t vocabSize);

/// Whether this build has the CUDA trainer, and the devices it sees; never throws.
CudaStatus cudaStatus();

}  // namespace w2v
