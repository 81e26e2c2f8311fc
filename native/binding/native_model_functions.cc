#include "native_model_functions.h"

#include <string>

#include "../core/native_model_format.h"
#include "args.h"

namespace w2v_binding {

namespace {

Napi::Object Section(Napi::Env env, const w2v::NativeModelSection& s) {
  Napi::Object o = Napi::Object::New(env);
  // Validated to lie inside the file, so below 2^53: exact as JS numbers.
  o.Set("offset", Napi::Number::New(env, static_cast<double>(s.offset)));
  o.Set("length", Napi::Number::New(env, static_cast<double>(s.length)));
  return o;
}

}  // namespace

// parseNativeModel(bytes: Uint8Array): { ok: true, version, flags, words, dim, fileSize,
//   inputVectors, outputVectors, counts, vocabulary } | { ok: false, error: string }
Napi::Value ParseNativeModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto bytes = typedArray<uint8_t>(info[0], "bytes", napi_uint8_array, "Uint8Array");
  w2v::NativeModelParse parse;
  try {
    parse = w2v::parseNativeModel(bytes.Data(), bytes.ByteLength());
  } catch (const std::exception& e) {  // only std::bad_alloc building a message
    throw Napi::Error::New(env, std::string("parseNativeModel: ") + e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", Napi::Boolean::New(env, parse.ok()));
  if (!parse.ok()) {
    out.Set("error", Napi::String::New(env, parse.error));
    return out;
  }
  const w2v::NativeModelHeader& h = parse.header;
  out.Set("version", Napi::Number::New(env, h.version));
  out.Set("flags", Napi::Number::New(env, h.flags));
  out.Set("words", Napi::Number::New(env, static_cast<double>(h.words)));
  out.Set("dim", Napi::Number::New(env, h.dim));
  out.Set("fileSize", Napi::Number::New(env, static_cast<double>(h.fileSize)));
  out.Set("inputVectors", Section(env, h.inputVectors));
  out.Set("outputVectors", Section(env, h.outputVectors));
  out.Set("counts", Section(env, h.counts));
  out.Set("vocabulary", Section(env, h.vocabulary));
  return out;
}

}  // namespace w2v_binding
