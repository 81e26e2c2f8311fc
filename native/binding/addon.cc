// Module entry: context-aware (one set of classes per environment, so the addon loads in
// worker_threads), with every C++ exception turned into a JS exception by node-addon-api.
#include <napi.h>

#include "../core/mapped_file.h"
#include "../core/simd/kernels.h"
#include "cuda_functions.h"
#include "graph_wrap.h"
#include "index_wrap.h"
#include "kmeans_worker.h"
#include "limits_object.h"
#include "map_file.h"
#include "native_model_functions.h"
#include "pooling_functions.h"
#include "query_functions.h"
#include "token_scanner_wrap.h"
#include "trainer_wrap.h"

namespace w2v_binding {

// externalMemory(): the bytes V8 counts as external memory for its collection heuristics
// (ArrayBuffer backing stores plus what addons report, such as a trainer's weights).
// process.memoryUsage().external shows only the backing stores.
Napi::Value ExternalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Trainer", TrainerWrap::Define(env));
  exports.Set("TokenScanner", TokenScannerWrap::Define(env));
  exports.Set("topK", Napi::Function::New<TopK>(env, "topK"));
  exports.Set("topKBatch", Napi::Function::New<TopKBatch>(env, "topKBatch"));
  exports.Set("topKBatchAsync", Napi::Function::New<TopKBatchAsync>(env, "topKBatchAsync"));
  exports.Set("topKCosMul", Napi::Function::New<TopKCosMul>(env, "topKCosMul"));
  exports.Set("normalizeRows", Napi::Function::New<NormalizeRows>(env, "normalizeRows"));
  exports.Set("normalizeRowsAsync", Napi::Function::New<NormalizeRowsAsync>(env, "normalizeRowsAsync"));
  exports.Set("inverseRowNormsAsync", Napi::Function::New<InverseRowNormsAsync>(env, "inverseRowNormsAsync"));
  exports.Set("detachBuffer", Napi::Function::New<DetachBuffer>(env, "detachBuffer"));
  exports.Set("kmeansClasses", Napi::Function::New<KMeansClasses>(env, "kmeansClasses"));
  exports.Set("embedSequencesAsync", Napi::Function::New<EmbedSequencesAsync>(env, "embedSequencesAsync"));
  if (w2v::canMapFiles()) exports.Set("mapFile", Napi::Function::New<MapFile>(env, "mapFile"));
  exports.Set("parseNativeModel", Napi::Function::New<ParseNativeModel>(env, "parseNativeModel"));
  exports.Set("externalMemory", Napi::Function::New<ExternalMemory>(env, "externalMemory"));
  exports.Set("simd", Napi::String::New(env, w2v::simd::simdName()));
  exports.Set("cudaStatus", Napi::Function::New<CudaStatus>(env, "cudaStatus"));
  exports.Set("limits", LimitsObject(env));
  // The Index class's constructor, kept per environment: createIndex and openIndex make them.
  auto* indexClass = new Napi::FunctionReference();
  exports.Set("Index", IndexWrap::Define(env, indexClass));
  env.SetInstanceData<Napi::FunctionReference>(indexClass);
  exports.Set("createIndex", Napi::Function::New<CreateIndex>(env, "createIndex"));
  exports.Set("openIndex", Napi::Function::New<OpenIndex>(env, "openIndex"));
  exports.Set("Graph", GraphWrap::Define(env));
  exports.Set("GraphWalks", GraphWalksWrap::Define(env));
  exports.Set("fingerprintRowsAsync", Napi::Function::New<FingerprintRowsAsync>(env, "fingerprintRowsAsync"));
  return exports;
}

}  // namespace w2v_binding

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return w2v_binding::Init(env, exports); }

NODE_API_MODULE(word2vec_native, InitModule)
