// Synchronous query entry points (top-k by inner product, row normalisation).
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value TopK(const Napi::CallbackInfo& info);
Napi::Value NormalizeRows(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
