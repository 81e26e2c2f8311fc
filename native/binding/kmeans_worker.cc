#include "kmeans_worker.h"

#include <string>
#include <vector>

#include "../core/kmeans.h"
#include "../core/w2v_limits.h"
#include "args.h"

namespace w2v_binding {

namespace {

class KMeansWorker : public Napi::AsyncWorker {
 public:
  KMeansWorker(Napi::Env env, Napi::Float32Array vectors, int32_t dim, int32_t classes, int32_t iterations,
               int32_t threads)
      : Napi::AsyncWorker(env, "word2vec-native kmeans"), deferred_(Napi::Promise::Deferred::New(env)),
        vectorsRef_(Napi::Persistent(vectors)), data_(vectors.Data()),
        rows_(static_cast<int64_t>(vectors.ElementLength() / static_cast<size_t>(dim))), dim_(dim),
        classes_(classes), iterations_(iterations), threads_(threads) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = w2v::kmeansClasses(data_, rows_, dim_, classes_, iterations_, threads_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Int32Array out = Napi::Int32Array::New(env, result_.size());
    std::copy(result_.begin(), result_.end(), out.Data());
    vectorsRef_.Reset();
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override {
    vectorsRef_.Reset();
    deferred_.Reject(Napi::RangeError::New(Env(), e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Float32Array> vectorsRef_;
  const float* data_;
  int64_t rows_;
  int32_t dim_, classes_, iterations_, threads_;
  std::vector<int32_t> result_;
};

}  // namespace

Napi::Value KMeansClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto vectors = typedArray<float>(info[0], "vectors", napi_float32_array, "Float32Array");
  const int32_t dim = static_cast<int32_t>(integerArg(info[1], "dim", 1, w2v::kMaxModelDim));
  if (vectors.ElementLength() == 0 || vectors.ElementLength() % static_cast<size_t>(dim) != 0)
    throwRange(env, "vectors length " + std::to_string(vectors.ElementLength()) + " is not a positive multiple of dim " +
                        std::to_string(dim));
  const double rows = static_cast<double>(vectors.ElementLength() / static_cast<size_t>(dim));
  const int32_t classes = static_cast<int32_t>(integerArg(info[2], "classes", 1, rows));
  const int32_t iterations = static_cast<int32_t>(integerArg(info[3], "iterations", 1, w2v::kMaxKMeansIterations));
  const int32_t threads = static_cast<int32_t>(integerArg(info[4], "threads", 1, w2v::kMaxKMeansThreads));
  auto* worker = new KMeansWorker(env, vectors, dim, classes, iterations, threads);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace w2v_binding
