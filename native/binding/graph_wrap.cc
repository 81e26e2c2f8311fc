#include "graph_wrap.h"

#include <stdexcept>
#include <string>
#include <utility>

#include "../core/w2v_limits.h"
#include "args.h"

namespace w2v_binding {

namespace {

// Marks the objects GraphWrap made, so that GraphWalks refuses any other object (unwrapping
// an object of another class as a GraphWrap would read the wrong memory).
constexpr napi_type_tag kGraphTag = {0x7d1f0b6a2c4e4f19ULL, 0x9a3b5c8d1e2f4a6bULL};

}  // namespace

// Merges the builder's edges on a worker thread; the Graph object is kept alive (Ref) until
// the result is handed back to it.
class GraphBuildWorker : public Napi::AsyncWorker {
 public:
  GraphBuildWorker(Napi::Env env, GraphWrap* wrap, std::unique_ptr<w2v::GraphBuilder> builder, int64_t nodeCount,
                   const w2v::GraphOptions& options)
      : Napi::AsyncWorker(env, "word2vec-native graph build"), deferred_(Napi::Promise::Deferred::New(env)),
        wrap_(wrap), builder_(std::move(builder)), nodeCount_(nodeCount), options_(options) {
    wrap_->Ref();
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      graph_ = std::make_shared<const w2v::Graph>(builder_->build(nodeCount_, options_));
    } catch (const std::invalid_argument& e) {
      badInput_ = true;
      SetError(e.what());
    } catch (const std::exception& e) {
      SetError(std::string("graph build failed: ") + e.what());
    }
    builder_.reset();
  }
  void OnOK() override {
    wrap_->building_ = false;
    if (!wrap_->disposed_) wrap_->graph_ = std::move(graph_);
    wrap_->Unref();
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override {
    wrap_->building_ = false;
    wrap_->failed_ = true;
    wrap_->Unref();
    deferred_.Reject(badInput_ ? Napi::RangeError::New(Env(), e.Message()).Value() : e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  GraphWrap* wrap_;
  std::unique_ptr<w2v::GraphBuilder> builder_;
  int64_t nodeCount_;
  w2v::GraphOptions options_;
  std::shared_ptr<const w2v::Graph> graph_;
  bool badInput_ = false;
};

Napi::Function GraphWrap::Define(Napi::Env env) {
  return DefineClass(env, "Graph",
                     {InstanceMethod<&GraphWrap::Add>("add"), InstanceMethod<&GraphWrap::Build>("build"),
                      InstanceMethod<&GraphWrap::Info>("info"), InstanceMethod<&GraphWrap::Dispose>("dispose")});
}

GraphWrap::GraphWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GraphWrap>(info) {
  info.This().As<Napi::Object>().TypeTag(&kGraphTag);
}

std::shared_ptr<const w2v::Graph> GraphWrap::BuiltGraph(const Napi::Value& object, const char* name) {
  Napi::Env env = object.Env();
  if (!object.IsObject() || !object.As<Napi::Object>().CheckTypeTag(&kGraphTag))
    throwType(env, std::string(name) + " must be a native Graph, got " + describe(object));
  const GraphWrap* wrap = GraphWrap::Unwrap(object.As<Napi::Object>());
  if (wrap->disposed_) throwType(env, std::string(name) + " is disposed");
  if (!wrap->graph_) throwType(env, std::string(name) + " is not built yet");
  return wrap->graph_;
}

w2v::GraphBuilder& GraphWrap::builder(Napi::Env env) {
  if (disposed_) throwType(env, "graph is disposed");
  if (building_) throwType(env, "graph is being built: edges can no longer be added");
  if (failed_) throwType(env, "graph build failed: make a new Graph");
  if (!builder_) throwType(env, "graph is built: edges can no longer be added");
  return *builder_;
}

// add(src: Int32Array, dst: Int32Array, weight: Float32Array | null): edges src[i] -> dst[i].
// Copied before returning, so the caller may reuse its arrays.
Napi::Value GraphWrap::Add(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  w2v::GraphBuilder& b = builder(env);
  auto src = typedArray<int32_t>(info[0], "src", napi_int32_array, "Int32Array");
  auto dst = typedArray<int32_t>(info[1], "dst", napi_int32_array, "Int32Array");
  const size_t count = src.ElementLength();
  if (dst.ElementLength() != count)
    throwRange(env, "dst must hold as many nodes as src (" + std::to_string(count) + "), got " +
                        std::to_string(dst.ElementLength()));
  const float* weights = nullptr;
  if (!info[2].IsNull() && !info[2].IsUndefined()) {
    auto weight = typedArray<float>(info[2], "weight", napi_float32_array, "Float32Array");
    if (weight.ElementLength() != count)
      throwRange(env, "weight must hold as many values as src (" + std::to_string(count) + "), got " +
                          std::to_string(weight.ElementLength()));
    weights = weight.Data();
  }
  try {
    b.add(src.Data(), dst.Data(), weights, count);
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  }
  return Napi::Number::New(env, static_cast<double>(b.edgeCount()));
}

// build(nodeCount, { directed, weighted, keepSelfLoops }): Promise<void>. The edges added so
// far are merged on a worker thread; the builder is spent whatever the outcome.
Napi::Value GraphWrap::Build(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  builder(env);
  const int64_t nodeCount = integerArg(info[0], "nodeCount", 0, static_cast<double>(w2v::kMaxGraphNodes));
  if (!info[1].IsObject()) throwType(env, "options must be an object, got " + describe(info[1]));
  const Napi::Object o = info[1].As<Napi::Object>();
  w2v::GraphOptions options;
  options.directed = boolProp(o, "directed");
  options.weighted = boolProp(o, "weighted");
  options.keepSelfLoops = boolProp(o, "keepSelfLoops");
  auto* worker = new GraphBuildWorker(env, this, std::move(builder_), nodeCount, options);
  building_ = true;
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// info(): { nodes, arcs, edges, maxDegree, memoryBytes, directed, weighted, keepSelfLoops }
Napi::Value GraphWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::shared_ptr<const w2v::Graph> g = BuiltGraph(info.This(), "graph");
  Napi::Object o = Napi::Object::New(env);
  o.Set("nodes", Napi::Number::New(env, g->nodeCount()));
  o.Set("arcs", Napi::Number::New(env, static_cast<double>(g->arcCount())));
  o.Set("edges", Napi::Number::New(env, static_cast<double>(g->edgeCount())));
  o.Set("maxDegree", Napi::Number::New(env, g->maxDegree()));
  o.Set("memoryBytes", Napi::Number::New(env, static_cast<double>(g->memoryBytes())));
  o.Set("directed", Napi::Boolean::New(env, g->directed()));
  o.Set("weighted", Napi::Boolean::New(env, g->weighted()));
  o.Set("keepSelfLoops", Napi::Boolean::New(env, g->keepsSelfLoops()));
  return o;
}

// dispose(): frees the edges (a build in flight drops its result); walks in flight keep the
// graph until they end.
Napi::Value GraphWrap::Dispose(const Napi::CallbackInfo& info) {
  disposed_ = true;
  if (!building_) builder_.reset();
  graph_.reset();
  return info.Env().Undefined();
}

}  // namespace w2v_binding
