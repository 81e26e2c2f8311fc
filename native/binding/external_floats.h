// Hands a core float buffer to JS as a Float32Array without copying, and tells V8 how much
// native memory the array keeps alive.
#pragma once
#include <napi.h>

#include "../core/aligned_buffer.h"

namespace w2v_binding {

inline Napi::Float32Array ExternalFloats(Napi::Env env, w2v::AlignedFloats& buffer) {
  const size_t count = buffer.size();
  const size_t bytes = count * sizeof(float);
  float* data = buffer.detach();
  Napi::ArrayBuffer ab;
  try {
    ab = Napi::ArrayBuffer::New(env, data, bytes, [](Napi::Env e, void* p, size_t* size) {
      Napi::MemoryManagement::AdjustExternalMemory(e, -static_cast<int64_t>(*size));
      delete size;
      w2v::AlignedFloats::release(static_cast<float*>(p));
    }, new size_t(bytes));
  } catch (...) {
    // Runtimes that forbid external buffers: copy instead.
    ab = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(ab.Data(), data, bytes);
    w2v::AlignedFloats::release(data);
    return Napi::Float32Array::New(env, count, ab, 0);
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  return Napi::Float32Array::New(env, count, ab, 0);
}

}  // namespace w2v_binding
