// kmeansClasses(vectors, dim, classes, iterations, threads): Promise<Int32Array>, computed
// on a worker thread (the vectors array is kept alive by a reference meanwhile).
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value KMeansClasses(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
