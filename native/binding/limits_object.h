// `limits`: the core's limits (native/core/w2v_limits.h) and the devices' (native/backends), so
// that TypeScript checks options against the very numbers the native side enforces.
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Object LimitsObject(Napi::Env env);

}  // namespace w2v_binding
