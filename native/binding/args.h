// Argument readers for the binding: each check throws a JS TypeError/RangeError naming the
// argument and the value, so nothing unchecked reaches the core.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <string>

namespace w2v_binding {

/// Number.MAX_SAFE_INTEGER: the largest count or offset a JS number holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;
/// INT32_MAX as a JS number: the bound of what the core counts in int32 (ids, k, epochs).
constexpr double kMaxInt32 = 2147483647.0;

inline std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsString()) return "\"" + v.As<Napi::String>().Utf8Value().substr(0, 64) + "\"";
  if (v.IsTypedArray()) return "a typed array";
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  return "an object";
}

[[noreturn]] inline void throwType(Napi::Env env, const std::string& message) {
  throw Napi::TypeError::New(env, message);
}
[[noreturn]] inline void throwRange(Napi::Env env, const std::string& message) {
  throw Napi::RangeError::New(env, message);
}

/// A bound for a message: "10000", "0.5", "9007199254740991" (std::to_string prints "10000.000000").
inline std::string formatBound(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

inline double numberValue(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throwType(o.Env(), std::string(name) + " must be a number, got " + describe(v));
  return v.As<Napi::Number>().DoubleValue();
}

/// A number property in [lo, hi]; the message is the TS layer's (lib/util/validate.ts):
/// `NAME must be a number in [LO, HI], got VALUE`.
inline double numberProp(const Napi::Object& o, const char* name, double lo, double hi) {
  const double d = numberValue(o, name);
  if (!(d >= lo && d <= hi))
    throwRange(o.Env(), std::string(name) + " must be a number in [" + formatBound(lo) + ", " + formatBound(hi) +
                            "], got " + describe(o.Get(name)));
  return d;
}

/// An integer property in [lo, hi]; the message is the TS layer's and the core's:
/// `NAME must be an integer in [LO, HI], got VALUE`.
inline int64_t integerProp(const Napi::Object& o, const char* name, double lo, double hi) {
  const double d = numberValue(o, name);
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throwRange(o.Env(), std::string(name) + " must be an integer in [" + formatBound(lo) + ", " + formatBound(hi) +
                            "], got " + describe(o.Get(name)));
  return static_cast<int64_t>(d);
}

inline bool boolProp(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsBoolean()) throwType(o.Env(), std::string(name) + " must be a boolean, got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

/// A positional integer argument in [lo, hi].
inline int64_t integerArg(const Napi::Value& v, const char* name, double lo, double hi) {
  if (!v.IsNumber()) throwType(v.Env(), std::string(name) + " must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != std::floor(d))
    throwRange(v.Env(), std::string(name) + " must be an integer in [" + std::to_string(static_cast<int64_t>(lo)) +
                            ", " + std::to_string(static_cast<int64_t>(hi)) + "], got " + describe(v));
  return static_cast<int64_t>(d);
}

template <typename T>
Napi::TypedArrayOf<T> typedArray(const Napi::Value& v, const char* name, napi_typedarray_type type,
                                 const char* typeName) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throwType(v.Env(), std::string(name) + " must be a " + typeName + ", got " + describe(v));
  return v.As<Napi::TypedArrayOf<T>>();
}

}  // namespace w2v_binding
