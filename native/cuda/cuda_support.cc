#include <stdexcept>
#include <string>

#include "batch_layout.h"
#include "cuda_trainer.h"

namespace w2v {
namespace cuda {

void checkCudaSupport(const TrainerConfig& config) {
  if (config.dim > kMaxCudaDim)
    throw std::invalid_argument("device \"cuda\" supports dim up to " + std::to_string(kMaxCudaDim) + ", got " +
                                std::to_string(config.dim));
  if (config.groupNegative > 0)
    throw std::invalid_argument("device \"cuda\" does not support groupNegative (item2vec group negatives)");
  if (config.wholeSentenceWindow)
    throw std::invalid_argument("device \"cuda\" does not support wholeSentenceWindow (item2vec set mode)");
  if (config.sideInfo != SideInfoMode::kNone)
    throw std::invalid_argument("device \"cuda\" does not support sideInfo (EGES/GES side information); "
                                "train it with device \"cpu\"");
}

}  // namespace cuda
}  // namespace w2v
