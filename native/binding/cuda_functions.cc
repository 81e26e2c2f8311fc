#include "cuda_functions.h"

#include "../backends/backends.h"

namespace w2v_binding {

// cudaStatus(): { compiled, deviceCount, error?, devices: [{ index, name, memoryBytes,
// computeMajor, computeMinor, multiprocessors, memoryBandwidth }] }
Napi::Value CudaStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const w2v::CudaStatus status = w2v::cudaStatus();
  Napi::Object result = Napi::Object::New(env);
  result.Set("compiled", status.compiled);
  result.Set("deviceCount", status.deviceCount);
  if (!status.error.empty()) result.Set("error", status.error);
  Napi::Array devices = Napi::Array::New(env, status.devices.size());
  for (size_t i = 0; i < status.devices.size(); ++i) {
    const w2v::CudaDeviceInfo& d = status.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", d.index);
    o.Set("name", d.name);
    o.Set("memoryBytes", static_cast<double>(d.memoryBytes));
    o.Set("computeMajor", d.computeMajor);
    o.Set("computeMinor", d.computeMinor);
    o.Set("multiprocessors", d.multiprocessors);
    o.Set("memoryBandwidth", d.memoryBandwidthBytesPerSecond);
    devices.Set(static_cast<uint32_t>(i), o);
  }
  result.Set("devices", devices);
  return result;
}

}  // namespace w2v_binding
