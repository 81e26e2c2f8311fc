#include "query_functions.h"

#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/query.h"
#include "args.h"
#include "external_floats.h"

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
// Results larger than this (queries x k) are refused: 2^28 ids and scores are 2 GB.
constexpr double kMaxResults = 268435456.0;

// A batch search request, validated and copied (except the matrix) on the JS thread.
struct BatchRequest {
  const float* matrix = nullptr;
  int64_t rows = 0;
  int32_t dim = 0;
  std::vector<float> queries;
  int32_t queryCount = 0;
  int32_t k = 0;
  std::vector<int32_t> excludeOffsets;  // empty, or queryCount + 1 entries
  std::vector<int32_t> excludeIds;
  std::vector<int32_t> sharedExclude;
  std::vector<float> rowScale;  // empty, or rows entries
  int32_t threads = 1;

  void run(int32_t* ids, float* scores) const {
    w2v::Exclusions ex;
    if (!excludeOffsets.empty()) {
      ex.perQueryOffsets = excludeOffsets.data();
      ex.perQueryIds = excludeIds.data();
    }
    ex.sharedIds = sharedExclude.data();
    ex.sharedCount = static_cast<int32_t>(sharedExclude.size());
    w2v::topKBatchByDot(matrix, rows, dim, queries.data(), queryCount, k, ex, threads, ids, scores,
                        rowScale.empty() ? nullptr : rowScale.data());
  }
};

// Arguments: (matrix: Float32Array, dim, queries: Float32Array, k, excludeOffsets: Int32Array|null,
//             excludeIds: Int32Array|null, sharedExclude: Int32Array|null, threads,
//             rowScale?: Float32Array|null)
BatchRequest ParseBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchRequest r;
  auto matrix = typedArray<float>(info[0], "matrix", napi_float32_array, "Float32Array");
  r.dim = DimArgument(info[1], matrix.ElementLength());
  r.matrix = matrix.Data();
  r.rows = static_cast<int64_t>(matrix.ElementLength() / static_cast<size_t>(r.dim));
  auto queries = typedArray<float>(info[2], "queries", napi_float32_array, "Float32Array");
  if (queries.ElementLength() % static_cast<size_t>(r.dim) != 0)
    throwRange(env, "queries length " + std::to_string(queries.ElementLength()) + " is not a multiple of dim " +
                        std::to_string(r.dim));
  const size_t queryCount = queries.ElementLength() / static_cast<size_t>(r.dim);
  if (static_cast<double>(queryCount) > kMaxInt32) throwRange(env, "too many queries: " + std::to_string(queryCount));
  r.queryCount = static_cast<int32_t>(queryCount);
  r.queries.assign(queries.Data(), queries.Data() + queries.ElementLength());
  r.k = static_cast<int32_t>(integerArg(info[3], "k", 0, kMaxInt32));
  if (static_cast<double>(r.k) * static_cast<double>(r.queryCount) > kMaxResults)
    throwRange(env, "queries x k must be at most 268435456, got " + std::to_string(r.queryCount) + " x " +
                        std::to_string(r.k));
  if (!info[4].IsNull() && !info[4].IsUndefined()) {
    auto offsets = typedArray<int32_t>(info[4], "excludeOffsets", napi_int32_array, "Int32Array");
    auto ids = typedArray<int32_t>(info[5], "excludeIds", napi_int32_array, "Int32Array");
    if (offsets.ElementLength() != queryCount + 1)
      throwRange(env, "excludeOffsets must have queries + 1 = " + std::to_string(queryCount + 1) + " entries, got " +
                          std::to_string(offsets.ElementLength()));
    r.excludeOffsets.assign(offsets.Data(), offsets.Data() + offsets.ElementLength());
    r.excludeIds.assign(ids.Data(), ids.Data() + ids.ElementLength());
    int32_t previous = 0;
    for (size_t q = 0; q <= queryCount; ++q) {
      const int32_t o = r.excludeOffsets[q];
      if (o < previous || static_cast<size_t>(o) > r.excludeIds.size() || (q == 0 && o != 0))
        throwRange(env, "excludeOffsets must rise from 0 to excludeIds.length, got " + std::to_string(o) +
                            " at index " + std::to_string(q));
      previous = o;
    }
  }
  if (!info[6].IsNull() && !info[6].IsUndefined()) {
    auto shared = typedArray<int32_t>(info[6], "exclude", napi_int32_array, "Int32Array");
    r.sharedExclude.assign(shared.Data(), shared.Data() + shared.ElementLength());
  }
  r.threads = static_cast<int32_t>(integerArg(info[7], "threads", 1, 256));
  if (info.Length() > 8 && !info[8].IsNull() && !info[8].IsUndefined()) {
    auto scale = typedArray<float>(info[8], "rowScale", napi_float32_array, "Float32Array");
    if (scale.ElementLength() != static_cast<size_t>(r.rows))
      throwRange(env, "rowScale must have one entry per row (" + std::to_string(r.rows) + "), got " +
                          std::to_string(scale.ElementLength()));
    r.rowScale.assign(scale.Data(), scale.Data() + scale.ElementLength());
  }
  return r;
}

Napi::Object BatchResult(Napi::Env env, const std::vector<int32_t>& ids, const std::vector<float>& scores) {
  Napi::Int32Array outIds = Napi::Int32Array::New(env, ids.size());
  Napi::Float32Array outScores = Napi::Float32Array::New(env, scores.size());
  std::copy(ids.begin(), ids.end(), outIds.Data());
  std::copy(scores.begin(), scores.end(), outScores.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("ids", outIds);
  out.Set("scores", outScores);
  return out;
}

// The batch search on a libuv worker thread; the matrix is kept alive by a reference.
class TopKBatchWorker : public Napi::AsyncWorker {
 public:
  TopKBatchWorker(Napi::Env env, BatchRequest request, Napi::Object matrix)
      : Napi::AsyncWorker(env, "word2vec-native nearest"), deferred_(Napi::Promise::Deferred::New(env)),
        request_(std::move(request)), matrixRef_(Napi::Persistent(matrix)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      const size_t n = static_cast<size_t>(request_.queryCount) * static_cast<size_t>(request_.k);
      ids_.resize(n);
      scores_.resize(n);
      request_.run(ids_.data(), scores_.data());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    matrixRef_.Reset();
    deferred_.Resolve(BatchResult(Env(), ids_, scores_));
  }
  void OnError(const Napi::Error& e) override {
    matrixRef_.Reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  BatchRequest request_;
  Napi::ObjectReference matrixRef_;
  std::vector<int32_t> ids_;
  std::vector<float> scores_;
};

// Unit rows (or the rows' inverse norms) on a libuv worker thread, into a new native buffer
// handed to JS without a copy. The input is kept alive by a reference.
class NormalizeRowsWorker : public Napi::AsyncWorker {
 public:
  enum class Output { kUnitRows, kInverseNorms };
  NormalizeRowsWorker(Napi::Env env, Napi::Float32Array matrix, int32_t dim, Output output)
      : Napi::AsyncWorker(env, "word2vec-native normalizeRows"), deferred_(Napi::Promise::Deferred::New(env)),
        matrixRef_(Napi::Persistent(matrix)), data_(matrix.Data()), rows_(matrix.ElementLength() / static_cast<size_t>(dim)),
        dim_(dim), output_(output),
        count_(output == Output::kUnitRows ? matrix.ElementLength() : matrix.ElementLength() / static_cast<size_t>(dim)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      out_ = w2v::AlignedFloats(count_);
      if (output_ == Output::kUnitRows)
        w2v::normalizeRows(data_, static_cast<int64_t>(rows_), dim_, out_.data());
      else
        w2v::inverseRowNorms(data_, static_cast<int64_t>(rows_), dim_, out_.data());
    } catch (const std::bad_alloc&) {
      SetError("not enough memory for " + std::to_string(count_) + " values");
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    matrixRef_.Reset();
    if (count_ == 0) {
      deferred_.Resolve(Napi::Float32Array::New(Env(), 0));
      return;
    }
    deferred_.Resolve(ExternalFloats(Env(), out_));
  }
  void OnError(const Napi::Error& e) override {
    matrixRef_.Reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Float32Array> matrixRef_;
  const float* data_;
  size_t rows_;
  int32_t dim_;
  Output output_;
  size_t count_;
  w2v::AlignedFloats out_;
};

Napi::Value RowsAsync(const Napi::CallbackInfo& info, NormalizeRowsWorker::Output output) {
  auto matrix = typedArray<float>(info[0], "matrix", napi_float32_array, "Float32Array");
  const int32_t dim = DimArgument(info[1], matrix.ElementLength());
  auto* worker = new NormalizeRowsWorker(info.Env(), matrix, dim, output);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

Napi::Value TopKBatch(const Napi::CallbackInfo& info) {
  const BatchRequest r = ParseBatch(info);
  const size_t n = static_cast<size_t>(r.queryCount) * static_cast<size_t>(r.k);
  std::vector<int32_t> ids(n);
  std::vector<float> scores(n);
  r.run(ids.data(), scores.data());
  return BatchResult(info.Env(), ids, scores);
}

Napi::Value TopKBatchAsync(const Napi::CallbackInfo& info) {
  BatchRequest r = ParseBatch(info);
  auto* worker = new TopKBatchWorker(info.Env(), std::move(r), info[0].As<Napi::Object>());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// topKCosMul(unitMatrix, dim, a, b, c, k, exclude: Int32Array, epsilon, threads)
//   -> { ids: Int32Array, scores: Float32Array }
Napi::Value TopKCosMul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto matrix = typedArray<float>(info[0], "matrix", napi_float32_array, "Float32Array");
  const int32_t dim = DimArgument(info[1], matrix.ElementLength());
  const char* names[3] = {"a", "b", "c"};
  const float* abc[3];
  for (int i = 0; i < 3; ++i) {
    auto v = typedArray<float>(info[2 + i], names[i], napi_float32_array, "Float32Array");
    if (v.ElementLength() != static_cast<size_t>(dim))
      throwRange(env, std::string(names[i]) + " must have " + std::to_string(dim) + " values, got " +
                          std::to_string(v.ElementLength()));
    abc[i] = v.Data();
  }
  const auto k = static_cast<int32_t>(integerArg(info[5], "k", 0, kMaxInt32));
  auto exclude = typedArray<int32_t>(info[6], "exclude", napi_int32_array, "Int32Array");
  if (!info[7].IsNumber()) throwType(env, "epsilon must be a number, got " + describe(info[7]));
  const double epsilon = info[7].As<Napi::Number>().DoubleValue();
  if (!(epsilon > 0 && epsilon <= 1)) throwRange(env, "epsilon must be in (0, 1], got " + describe(info[7]));
  const auto threads = static_cast<int32_t>(integerArg(info[8], "threads", 1, 256));
  const auto best = w2v::topKByCosMul(matrix.Data(), static_cast<int64_t>(matrix.ElementLength() / dim), dim, abc[0],
                                      abc[1], abc[2], k, exclude.Data(), static_cast<int32_t>(exclude.ElementLength()),
                                      static_cast<float>(epsilon), threads);
  std::vector<int32_t> ids;
  std::vector<float> scores;
  for (const auto& s : best) {
    ids.push_back(s.id);
    scores.push_back(s.score);
  }
  return BatchResult(env, ids, scores);
}

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
  if (!(kd >= 0 && kd <= kMaxInt32) || kd != static_cast<double>(static_cast<int64_t>(kd)))
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

// normalizeRowsAsync(matrix: Float32Array, dim): Promise<Float32Array> (unit rows)
Napi::Value NormalizeRowsAsync(const Napi::CallbackInfo& info) {
  return RowsAsync(info, NormalizeRowsWorker::Output::kUnitRows);
}

// inverseRowNormsAsync(matrix: Float32Array, dim): Promise<Float32Array> (1/|row| per row)
Napi::Value InverseRowNormsAsync(const Napi::CallbackInfo& info) {
  return RowsAsync(info, NormalizeRowsWorker::Output::kInverseNorms);
}

// detachBuffer(buffer: ArrayBuffer): boolean. Detaches the buffer, so that its memory is freed
// now rather than at garbage collection and every view of it reads as empty (never as freed
// memory). False when it was already detached or cannot be detached.
Napi::Value DetachBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) throwType(env, "buffer must be an ArrayBuffer, got " + describe(info[0]));
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  if (buffer.IsDetached()) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, napi_detach_arraybuffer(env, buffer) == napi_ok);
}

}  // namespace w2v_binding
