// The CUDA trainer behind TrainerBackend, and the device probe. Plain C++: the factory in
// native/backends includes this header, never a CUDA one.
#pragma once
#include <cstdint>
#include <memory>

#include "../core/trainer_backend.h"
#include "cuda_status.h"

namespace w2v {
namespace cuda {

/// Throws std::invalid_argument for what the CUDA trainer cannot train (checked before any
/// GPU work; needs no GPU): dim above kMaxCudaDim, item2vec's group negatives and
/// whole-sentence window.
void checkCudaSupport(const TrainerConfig& config);

/// A trainer on CUDA device 0 (of those CUDA_VISIBLE_DEVICES shows). Throws
/// std::invalid_argument for a bad or unsupported configuration or when no device is
/// visible, std::runtime_error when the device fails (e.g. not enough GPU memory).
std::unique_ptr<TrainerBackend> makeCudaTrainer(const TrainerConfig& config, TrainerTables tables, int32_t vocabSize);

/// What cudaGetDeviceCount and cudaGetDeviceProperties say; never throws.
CudaStatus probeCudaDevices();

}  // namespace cuda
}  // namespace w2v
