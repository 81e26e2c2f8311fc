// Argument readers for the binding: each check throws a JS TypeError/RangeError naming the
// argument and the value, so nothing unchecked reaches the core.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace w2v_binding {

/// Number.MAX_SAFE_INTEGER: the largest count or offset a JS number holds exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;
/// INT32_MAX as a JS number: the bound of what the core counts in int32 (ids, k, epochs).
constexpr double kMaxInt32 = 2147483647.0;

/// `d` as JavaScript's String(d) prints it, so a message reads the same from the binding as
/// from the TypeScript layer: the fewest digits that read back as `d`, in fixed notation for
/// 1e-7 <= |d| < 1e21, else `D.DDDe+X` ("5e-324", "1.7976931348623157e+308").
inline std::string jsNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  char buf[64];
  int precision = 1;
  for (; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::snprintf(buf, sizeof buf, "%.*e", precision - 1, d);
  const std::string printed(buf);
  const size_t e = printed.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (printed[i] >= '0' && printed[i] <= '9') digits += printed[i];
  const int exponent = std::atoi(printed.c_str() + e + 1);
  std::string out = d < 0 ? "-" : "";
  const double magnitude = std::fabs(d);
  if (magnitude >= 1e-7 && magnitude < 1e21) {
    const int point = exponent + 1;  // digits before the decimal point
    const int count = static_cast<int>(digits.size());
    if (point <= 0) out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
    else if (point >= count) out += digits + std::string(static_cast<size_t>(point - count), '0');
    else out += digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += (exponent < 0 ? "e-" : "e+") + std::to_string(exponent < 0 ? -exponent : exponent);
  }
  return out;
}

inline std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return jsNumber(v.As<Napi::Number>().DoubleValue());
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

/// A bound for a message: "10000", "0.5", "9007199254740991", as JavaScript prints it.
inline std::string formatBound(double d) { return jsNumber(d); }

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
