// parseNativeModel(bytes): the native model file's header and layout, validated by the core
// (core/native_model_format.h) against the bytes given, or the reason it is invalid.
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value ParseNativeModel(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
