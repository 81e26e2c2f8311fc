#include "query_functions.h"

#include <string>

#include "../core/query.h"
#include "args.h"

namespace w2v_binding {

namespace {
int32_t DimArgument(const Napi::Value& v, size_t matrixLength) {
  if (!v.IsNumber()) throwType(v.Env(), "dim must be a number, got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 1e6) || d != static_cast<double>(static_cast<int64_t>(d)))
    throwRange(v.Env(), "dim must be a positive integer, got " + describe(v));
  const auto dim = static_cast<int32_t>(d);
  if (matrixLength % static_cast<size_t>(dim) != 0)
    throwRange(v.Env(), "matrix length " + std::to_string(matrixLength) + " is not a multiple of dim " +
                            std::to_string(dim));
  return dim;
}
}  // namespace

// topK(matrix: Float32Array, dim, query: Float32Array, k, exclude: Int32Array)
//   -> { ids: Int32Array, scores: Float32Array }
Napi::Value TopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto matrix = typedArray<float>(info[0], "matrix", napi_float32_array, "Float32Array");
  const int32_t dim = DimArgument(info[1], matrix.ElementLength());
  auto query = typedArray<float>(info[2], "query", napi_float32_array, "Float32Array");
  if (query.ElementLength() != static_cast<size_t>(dim))
    throwRange(env, "query must have " + std::to_string(dim) + " values, got " +
                        std::to_string(query.ElementLength()));
  if (!info[3].IsNumber()) throwType(env, "k must be a number, got " + describe(info[3]));
  const double kd = info[3].As<Napi::Number>().DoubleValue();
  if (!(kd >= 0 && kd <= 2147483647.0) || kd != static_cast<double>(static_cast<int64_t>(kd)))
    throwRange(env, "k must be a non-negative integer, got " + describe(info[3]));
  auto exclude = typedArray<int32_t>(info[4], "exclude", napi_int32_array, "Int32Array");
  const int64_t rows = static_cast<int64_t>(matrix.ElementLength() / static_cast<size_t>(dim));
  const auto best = w2v::topKByDot(matrix.Data(), rows, dim, query.Data(), static_cast<int32_t>(kd),
                                   exclude.Data(), static_cast<int32_t>(exclude.ElementLength()));
  Napi::Int32Array ids = Napi::Int32Array::New(env, best.size());
  Napi::Float32Array scores = Napi::Float32Array::New(env, best.size());
  for (size_t i = 0; i < best.size(); ++i) {
    ids[i] = best[i].id;
    scores[i] = best[i].score;
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("ids", ids);
  out.Set("scores", scores);
  return out;
}

// normalizeRows(matrix: Float32Array, dim): Float32Array (a new array of unit rows)
Napi::Value NormalizeRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto matrix = typedArray<float>(info[0], "matrix", napi_float32_array, "Float32Array");
  const int32_t dim = DimArgument(info[1], matrix.ElementLength());
  Napi::Float32Array out = Napi::Float32Array::New(env, matrix.ElementLength());
  w2v::normalizeRows(matrix.Data(), static_cast<int64_t>(matrix.ElementLength() / static_cast<size_t>(dim)), dim,
                     out.Data());
  return out;
}

}  // namespace w2v_binding
