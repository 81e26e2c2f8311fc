#include "pooling_functions.h"

#include <cmath>
#include <new>
#include <string>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/w2v_limits.h"
#include "../core/pooling.h"
#include "args.h"
#include "external_floats.h"

namespace w2v_binding {

namespace {

/// A JS typed array's elements, for the worker to copy.
template <typename T>
struct Elements {
  const T* data = nullptr;
  size_t length = 0;
  void from(const Napi::TypedArrayOf<T>& array) {
    data = array.Data();
    length = array.ElementLength();
  }
};

// One embed call, checked on the JS thread. The ids, offsets and weights are copied by the
// worker (copying megabytes into fresh pages stalled the event loop for tens of ms) and then
// checked value by value by the core, so that what JS writes into those arrays meanwhile
// cannot take a read out of bounds; the worker's references keep them alive.
struct EmbedRequest {
  const float* matrix = nullptr;
  int64_t rows = 0;
  int32_t dim = 0;
  Elements<int32_t> idsIn;
  Elements<int32_t> offsetsIn;
  Elements<double> weightsIn;  // length 0: every token weighs 1
  Napi::Value weightsArray;     // the array weightsIn views (a getter may not answer twice alike)
  std::vector<int32_t> ids;
  std::vector<int32_t> offsets;
  std::vector<double> weights;
  std::vector<float> component;  // empty: none given
  w2v::EmbedSteps steps;
  int32_t threads = 1;

  /// On the worker: the copies the core reads.
  void copyInputs() {
    ids.assign(idsIn.data, idsIn.data + idsIn.length);
    offsets.assign(offsetsIn.data, offsetsIn.data + offsetsIn.length);
    if (weightsIn.data != nullptr) weights.assign(weightsIn.data, weightsIn.data + weightsIn.length);
  }

  int64_t sequences() const { return static_cast<int64_t>(offsetsIn.length) - 1; }
  w2v::TokenSequences view() const {
    w2v::TokenSequences in;
    in.matrix = matrix;
    in.rows = rows;
    in.dim = dim;
    in.ids = ids.data();
    in.idCount = static_cast<int64_t>(ids.size());
    in.offsets = offsets.data();
    in.sequences = sequences();
    in.weights = weights.empty() ? nullptr : weights.data();
    return in;
  }
};

bool isAbsent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

w2v::Pooling PoolingOption(const Napi::Object& options) {
  Napi::Value v = options.Get("pooling");
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (name == "mean") return w2v::Pooling::kMean;
  if (name == "sum") return w2v::Pooling::kSum;
  if (name == "max") return w2v::Pooling::kMax;
  throwType(options.Env(), "pooling must be \"mean\", \"sum\" or \"max\", got " + describe(v));
}

bool OptionalBool(const Napi::Object& options, const char* name) {
  return isAbsent(options.Get(name)) ? false : boolProp(options, name);
}

// Arguments: (matrix: Float32Array, dim, ids: Int32Array, offsets: Int32Array, options:
//             { pooling, weights?: Float64Array, component?: Float32Array, computeComponent?,
//               normalize?, threads })
void ParseOptions(const Napi::Value& value, EmbedRequest& r) {
  Napi::Env env = value.Env();
  if (!value.IsObject() || value.IsArray()) throwType(env, "options must be an object, got " + describe(value));
  const Napi::Object options = value.As<Napi::Object>();
  r.steps.pooling = PoolingOption(options);
  const Napi::Value weightsOption = options.Get("weights");
  if (!isAbsent(weightsOption)) {
    auto weights = typedArray<double>(weightsOption, "weights", napi_float64_array, "Float64Array");
    if (weights.ElementLength() != r.idsIn.length)
      throwRange(env, "weights must have one entry per id (" + std::to_string(r.idsIn.length) + "), got " +
                          std::to_string(weights.ElementLength()));
    r.weightsIn.from(weights);
    r.weightsArray = weights;
  }
  const Napi::Value componentOption = options.Get("component");
  if (!isAbsent(componentOption)) {
    auto component = typedArray<float>(componentOption, "component", napi_float32_array, "Float32Array");
    if (component.ElementLength() != static_cast<size_t>(r.dim))
      throwRange(env, "component must have dim (" + std::to_string(r.dim) + ") values, got " +
                          std::to_string(component.ElementLength()));
    r.component.assign(component.Data(), component.Data() + component.ElementLength());
    for (size_t j = 0; j < r.component.size(); ++j)
      if (!std::isfinite(r.component[j]))
        throwRange(env, "component[" + std::to_string(j) + "] must be finite, got " + jsNumber(r.component[j]));
  }
  r.steps.computeComponent = OptionalBool(options, "computeComponent");
  if (r.steps.computeComponent && !r.component.empty())
    throwType(env, "computeComponent and component exclude each other");
  r.steps.normalize = OptionalBool(options, "normalize");
  r.threads = static_cast<int32_t>(integerProp(options, "threads", 1, w2v::kMaxPoolingThreads));
}

EmbedRequest ParseEmbed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EmbedRequest r;
  auto matrix = typedArray<float>(info[0], "matrix", napi_float32_array, "Float32Array");
  r.dim = static_cast<int32_t>(integerArg(info[1], "dim", 1, w2v::kMaxModelDim));
  if (matrix.ElementLength() % static_cast<size_t>(r.dim) != 0)
    throwRange(env, "matrix length " + std::to_string(matrix.ElementLength()) + " is not a multiple of dim " +
                        std::to_string(r.dim));
  r.matrix = matrix.Data();
  r.rows = static_cast<int64_t>(matrix.ElementLength() / static_cast<size_t>(r.dim));
  auto ids = typedArray<int32_t>(info[2], "ids", napi_int32_array, "Int32Array");
  auto offsets = typedArray<int32_t>(info[3], "offsets", napi_int32_array, "Int32Array");
  if (offsets.ElementLength() == 0) throwRange(env, "offsets must have sequences + 1 entries, got 0");
  const double sequences = static_cast<double>(offsets.ElementLength() - 1);
  if (sequences * r.dim > static_cast<double>(w2v::kMaxPooledValues))
    throwRange(env, "sequences x dim must be at most " + std::to_string(w2v::kMaxPooledValues) + ", got " +
                        jsNumber(sequences) + " x " + std::to_string(r.dim) + " (embed fewer sequences at a time)");
  r.idsIn.from(ids);
  r.offsetsIn.from(offsets);
  ParseOptions(info[4], r);
  return r;
}

// The pooling on a libuv worker thread, into a native buffer handed to JS without a copy.
class EmbedSequencesWorker : public Napi::AsyncWorker {
 public:
  EmbedSequencesWorker(Napi::Env env, EmbedRequest request, const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(env, "word2vec-native embed"), deferred_(Napi::Promise::Deferred::New(env)),
        request_(std::move(request)) {
    // The arrays read on the worker: the matrix, ids, offsets and weights.
    Napi::Object inputs = Napi::Object::New(env);
    inputs.Set("matrix", info[0]);
    inputs.Set("ids", info[2]);
    inputs.Set("offsets", info[3]);
    if (!request_.weightsArray.IsEmpty()) inputs.Set("weights", request_.weightsArray);
    inputsRef_ = Napi::Persistent(inputs);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    const size_t values = static_cast<size_t>(request_.sequences()) * static_cast<size_t>(request_.dim);
    try {
      request_.copyInputs();
      out_ = w2v::AlignedFloats(values);
      if (request_.steps.computeComponent) component_.assign(static_cast<size_t>(request_.dim), 0.0f);
      if (!request_.component.empty()) request_.steps.givenComponent = request_.component.data();
      w2v::embedSequences(request_.view(), request_.steps, request_.threads, out_.data(),
                          component_.empty() ? nullptr : component_.data());
    } catch (const std::bad_alloc&) {
      SetError("not enough memory for " + std::to_string(values) + " values and the ids");
    } catch (const std::exception& e) {
      SetError(e.what());
    } catch (...) {
      SetError("embed failed in native code");
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    inputsRef_.Reset();
    Napi::Object result = Napi::Object::New(env);
    result.Set("vectors", out_.empty() ? Napi::Float32Array::New(env, 0) : ExternalFloats(env, out_));
    if (component_.empty()) {
      result.Set("component", env.Null());
    } else {
      Napi::Float32Array component = Napi::Float32Array::New(env, component_.size());
      std::copy(component_.begin(), component_.end(), component.Data());
      result.Set("component", component);
    }
    deferred_.Resolve(result);
  }
  void OnError(const Napi::Error& e) override {
    inputsRef_.Reset();
    deferred_.Reject(Napi::RangeError::New(Env(), e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  EmbedRequest request_;
  Napi::ObjectReference inputsRef_;
  w2v::AlignedFloats out_;
  std::vector<float> component_;
};

}  // namespace

Napi::Value EmbedSequencesAsync(const Napi::CallbackInfo& info) {
  EmbedRequest request = ParseEmbed(info);
  auto* worker = new EmbedSequencesWorker(info.Env(), std::move(request), info);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace w2v_binding
