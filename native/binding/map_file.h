// mapFile(path): the whole file as an ArrayBuffer over a private memory mapping (see
// core/mapped_file.h), unmapped when the ArrayBuffer is garbage-collected.
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value MapFile(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
