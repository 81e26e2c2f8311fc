#include "limits_object.h"

#include "../backends/backends.h"
#include "../core/w2v_limits.h"
#include "../index/ann_index.h"

namespace w2v_binding {

// A frozen plain object of numbers, keyed maxXxx / minXxx.
Napi::Object LimitsObject(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("maxDim", w2v::kMaxDim);
  o.Set("maxWindow", w2v::kMaxWindow);
  o.Set("maxNegative", w2v::kMaxNegative);
  o.Set("maxGroupNegative", w2v::kMaxGroupNegative);
  o.Set("maxThreads", w2v::kMaxThreads);
  o.Set("maxEpochs", w2v::kMaxEpochs);
  o.Set("maxAlpha", w2v::kMaxAlpha);
  o.Set("minProgressIntervalMs", w2v::kMinProgressIntervalMs);
  o.Set("maxProgressIntervalMs", w2v::kMaxProgressIntervalMs);
  o.Set("maxQueueCapacity", w2v::kMaxQueueCapacity);
  o.Set("maxCodeLength", w2v::kMaxCodeLength);
  o.Set("maxVocabSize", w2v::kMaxVocabSize);
  o.Set("maxAttributeSlots", w2v::kMaxAttributeSlots);
  o.Set("maxAttributeValues", w2v::kMaxAttributeValues);
  o.Set("maxAttributeCells", static_cast<double>(w2v::kMaxAttributeCells));
  o.Set("maxModelDim", w2v::kMaxModelDim);
  o.Set("maxKMeansIterations", w2v::kMaxKMeansIterations);
  o.Set("maxKMeansThreads", w2v::kMaxKMeansThreads);
  o.Set("maxPoolingThreads", w2v::kMaxPoolingThreads);
  o.Set("maxPooledValues", static_cast<double>(w2v::kMaxPooledValues));
  o.Set("maxGraphNodes", static_cast<double>(w2v::kMaxGraphNodes));
  o.Set("maxWalkLength", w2v::kMaxWalkLength);
  o.Set("maxWalksPerNode", w2v::kMaxWalksPerNode);
  o.Set("minWalkBias", w2v::kMinWalkBias);
  o.Set("maxWalkBias", w2v::kMaxWalkBias);
  o.Set("maxWalkChunkTokens", w2v::kMaxWalkChunkTokens);
  o.Set("maxCudaDim", w2v::maxDim(w2v::TrainerDevice::kCuda));
  o.Set("minIndexConnectivity", w2v::ann::kMinConnectivity);
  o.Set("maxIndexConnectivity", w2v::ann::kMaxConnectivity);
  o.Set("maxIndexExpansion", w2v::ann::kMaxExpansion);
  o.Set("maxIndexLists", w2v::ann::kMaxLists);
  o.Freeze();
  return o;
}

}  // namespace w2v_binding
