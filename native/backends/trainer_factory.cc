// The one place that knows which trainer backends this build has. W2V_HAVE_CUDA is defined
// by CMake when native/cuda was compiled in (never by binding.gyp).
#include <stdexcept>

#include "../core/eges_trainer.h"
#include "../core/trainer.h"
#include "backends.h"

#ifdef W2V_HAVE_CUDA
#include "../cuda/cuda_trainer.h"
#endif

namespace w2v {

std::unique_ptr<TrainerBackend> makeTrainer(TrainerDevice device, const TrainerConfig& config, TrainerTables tables,
                                            int32_t vocabSize) {
  if (config.sideInfo != SideInfoMode::kNone) {
    // EGES / GES: the CPU's side-information trainer; no device kernel has it.
    if (device != TrainerDevice::kCpu)
      throw std::invalid_argument("device \"cuda\" does not support sideInfo (EGES/GES side information); "
                                  "train it with device \"cpu\"");
    return std::make_unique<EgesTrainer>(config, std::move(tables), vocabSize);
  }
  if (device == TrainerDevice::kCpu) return std::make_unique<Trainer>(config, std::move(tables), vocabSize);
#ifdef W2V_HAVE_CUDA
  return cuda::makeCudaTrainer(config, std::move(tables), vocabSize);
#else
  throw std::invalid_argument(
      "this build of word2vec-native has no CUDA support; build it with npm run build:cuda");
#endif
}

CudaStatus cudaStatus() {
#ifdef W2V_HAVE_CUDA
  return cuda::probeCudaDevices();
#else
  CudaStatus status;
  status.error = "this build of word2vec-native has no CUDA support";
  return status;
#endif
}

}  // namespace w2v
