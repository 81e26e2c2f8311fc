// cudaStatus(): whether this build has the CUDA trainer and which devices it sees.
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value CudaStatus(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
