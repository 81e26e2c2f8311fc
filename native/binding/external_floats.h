// Hands a core float buffer to JS as a Float32Array without copying. V8 counts the bytes of
// every ArrayBuffer's backing store, external ones included, as external memory (for its
// collection heuristics and in process.memoryUsage().external): adding them again with
// AdjustExternalMemory would count them twice.
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
    ab = Napi::ArrayBuffer::New(
        env, data, bytes,
        [](Napi::Env, void* p, size_t* floats) {
          w2v::AlignedFloats::release(static_cast<float*>(p), *floats);
          delete floats;
        },
        new size_t(count));
  } catch (...) {
    // Runtimes that forbid external buffers: copy instead.
    ab = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(ab.Data(), data, bytes);
    w2v::AlignedFloats::release(data, count);
    return Napi::Float32Array::New(env, count, ab, 0);
  }
  return Napi::Float32Array::New(env, count, ab, 0);
}

}  // namespace w2v_binding
