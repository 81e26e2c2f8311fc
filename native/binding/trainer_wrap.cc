#include "trainer_wrap.h"

#include <limits>
#include <string>
#include <utility>

#include "../core/id_replay.h"
#include "kept_ids.h"
#include "../core/w2v_limits.h"
#include "args.h"
#include "external_floats.h"

namespace w2v_binding {

struct TrainerWrap::Event {
  enum Kind { kProgress, kSpace, kDone } kind;
  TrainerWrap* self;
  w2v::Progress progress;
};

namespace {

// config.device: "cpu" (also when absent) or "cuda"; the TS layer has resolved "auto".
w2v::TrainerDevice ReadDevice(const Napi::Object& o) {
  Napi::Value v = o.Get("device");
  if (v.IsUndefined()) return w2v::TrainerDevice::kCpu;
  const std::string device = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (device == "cpu") return w2v::TrainerDevice::kCpu;
  if (device == "cuda") return w2v::TrainerDevice::kCuda;
  throwType(o.Env(), "device must be \"cpu\" or \"cuda\", got " + describe(v));
}

// config.sideInfo: "eges" or "ges" (EGES / GES side information; absent: none), with
// attributeSlots and attributeCount. Which options EGES trains is the core's check.
void ReadSideInfo(const Napi::Object& o, w2v::TrainerConfig& c) {
  Napi::Value v = o.Get("sideInfo");
  if (v.IsUndefined()) return;
  const std::string mode = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (mode == "eges") c.sideInfo = w2v::SideInfoMode::kEges;
  else if (mode == "ges") c.sideInfo = w2v::SideInfoMode::kGes;
  else throwType(o.Env(), "sideInfo must be \"eges\" or \"ges\", got " + describe(v));
  c.attributeSlots = static_cast<int32_t>(integerProp(o, "attributeSlots", 1, w2v::kMaxAttributeSlots));
  c.attributeCount = static_cast<int32_t>(integerProp(o, "attributeCount", 0, w2v::kMaxAttributeValues));
}

w2v::TrainerConfig ReadConfig(const Napi::Object& o) {
  w2v::TrainerConfig c;
  c.dim = static_cast<int32_t>(integerProp(o, "dim", 1, w2v::kMaxDim));
  c.window = static_cast<int32_t>(integerProp(o, "window", 1, w2v::kMaxWindow));
  c.negative = static_cast<int32_t>(integerProp(o, "negative", 0, w2v::kMaxNegative));
  c.cbow = boolProp(o, "cbow");
  c.hs = boolProp(o, "hs");
  // alpha > 0: from the smallest positive double, the TS layer's Number.MIN_VALUE; minAlpha
  // up to alpha. The bounds and messages of lib/training/options.ts.
  c.alpha = numberProp(o, "alpha", std::numeric_limits<double>::denorm_min(), w2v::kMaxAlpha);
  c.minAlpha = numberProp(o, "minAlpha", 0, c.alpha);
  c.epochs = static_cast<int32_t>(integerProp(o, "epochs", 1, w2v::kMaxEpochs));
  c.threads = static_cast<int32_t>(integerProp(o, "threads", 1, w2v::kMaxThreads));
  c.seed = static_cast<uint64_t>(integerProp(o, "seed", 0, kMaxSafeInteger));
  c.wordsPerEpoch = integerProp(o, "wordsPerEpoch", 0, kMaxSafeInteger);
  c.queueCapacity = static_cast<int32_t>(integerProp(o, "queueCapacity", 0, w2v::kMaxQueueCapacity));
  c.progressIntervalMs = static_cast<int32_t>(
      integerProp(o, "progressIntervalMs", w2v::kMinProgressIntervalMs, w2v::kMaxProgressIntervalMs));
  if (!o.Get("sharedNegatives").IsUndefined()) c.sharedNegatives = boolProp(o, "sharedNegatives");
  if (!o.Get("wholeSentenceWindow").IsUndefined()) c.wholeSentenceWindow = boolProp(o, "wholeSentenceWindow");
  if (!o.Get("groupNegative").IsUndefined())
    c.groupNegative = static_cast<int32_t>(integerProp(o, "groupNegative", 0, w2v::kMaxGroupNegative));
  ReadSideInfo(o, c);
  return c;
}

// Sizes are checked by the core, against the vocabulary size.
w2v::TrainerTables ReadTables(const Napi::Object& o) {
  w2v::TrainerTables t;
  auto keep = typedArray<float>(o.Get("keepProbability"), "keepProbability", napi_float32_array, "Float32Array");
  t.keepProbability.assign(keep.Data(), keep.Data() + keep.ElementLength());
  Napi::Value weights = o.Get("negativeWeights");
  if (!weights.IsUndefined()) {
    auto w = typedArray<double>(weights, "negativeWeights", napi_float64_array, "Float64Array");
    t.negativeWeights.assign(w.Data(), w.Data() + w.ElementLength());
  }
  Napi::Value codes = o.Get("huffmanCodes");
  if (!codes.IsUndefined()) {
    auto c = typedArray<uint8_t>(codes, "huffmanCodes", napi_uint8_array, "Uint8Array");
    auto p = typedArray<int32_t>(o.Get("huffmanPoints"), "huffmanPoints", napi_int32_array, "Int32Array");
    auto off = typedArray<int32_t>(o.Get("huffmanOffsets"), "huffmanOffsets", napi_int32_array, "Int32Array");
    t.huffmanCodes.assign(c.Data(), c.Data() + c.ElementLength());
    t.huffmanPoints.assign(p.Data(), p.Data() + p.ElementLength());
    t.huffmanOffsets.assign(off.Data(), off.Data() + off.ElementLength());
  }
  Napi::Value groups = o.Get("groupOf");
  if (!groups.IsUndefined()) {
    auto g = typedArray<int32_t>(groups, "groupOf", napi_int32_array, "Int32Array");
    t.groupOf.assign(g.Data(), g.Data() + g.ElementLength());
  }
  Napi::Value attributes = o.Get("attributeOf");
  if (!attributes.IsUndefined()) {
    auto a = typedArray<int32_t>(attributes, "attributeOf", napi_int32_array, "Int32Array");
    t.attributeOf.assign(a.Data(), a.Data() + a.ElementLength());
  }
  return t;
}

Napi::Object ProgressObject(Napi::Env env, const w2v::Progress& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("wordsDone", static_cast<double>(p.wordsDone));
  o.Set("wordsTotal", static_cast<double>(p.wordsTotal));
  o.Set("epoch", p.epoch);
  o.Set("alpha", p.alpha);
  o.Set("loss", p.loss);
  o.Set("elapsedSeconds", p.elapsedSeconds);
  o.Set("wordsPerSecond", p.wordsPerSecond);
  return o;
}

}  // namespace

Napi::Function TrainerWrap::Define(Napi::Env env) {
  return DefineClass(env, "Trainer",
                     {
                         InstanceMethod<&TrainerWrap::Start>("start"),
                         InstanceMethod<&TrainerWrap::Push>("push"),
                         InstanceMethod<&TrainerWrap::Replay>("replay"),
                         InstanceMethod<&TrainerWrap::Close>("close"),
                         InstanceMethod<&TrainerWrap::Cancel>("cancel"),
                         InstanceMethod<&TrainerWrap::TakeVectors>("takeVectors"),
                         InstanceMethod<&TrainerWrap::EpochStats>("epochStats"),
                         InstanceMethod<&TrainerWrap::GetProgress>("progress"),
                     });
}

// new Trainer(config, tables, vocabSize, onEvent)
TrainerWrap::TrainerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TrainerWrap>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsObject() || !info[1].IsObject() || !info[2].IsNumber() ||
      !info[3].IsFunction())
    throwType(env, "Trainer(config, tables, vocabSize, onEvent): wrong argument types");
  const double vocab = info[2].As<Napi::Number>().DoubleValue();
  if (!(vocab >= 1 && vocab <= w2v::kMaxVocabSize) || vocab != static_cast<double>(static_cast<int64_t>(vocab)))
    throwRange(env, "vocabSize must be an integer in [1, " + std::to_string(w2v::kMaxVocabSize) + "], got " +
                        describe(info[2]));
  const w2v::TrainerDevice device = ReadDevice(info[0].As<Napi::Object>());
  w2v::TrainerConfig config = ReadConfig(info[0].As<Napi::Object>());
  w2v::TrainerTables tables = ReadTables(info[1].As<Napi::Object>());
  try {
    trainer_ = w2v::makeTrainer(device, config, std::move(tables), static_cast<int32_t>(vocab));
  } catch (const std::bad_alloc&) {
    throwRange(env, "not enough memory for " + std::to_string(static_cast<int64_t>(vocab)) + " x " +
                        std::to_string(config.dim) + " weights");
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  } catch (const std::exception& e) {
    // The device failed (e.g. GPU memory): not a bad argument.
    throw Napi::Error::New(env, e.what());
  }
  // The weights count against V8's external memory, so that the collector sees them.
  ReportExternal(env, trainer_->weightBytes());
  // The finalizer runs when the function is deleted: after the last Release(), or at
  // environment teardown while threads may still be running. Joining them there means no
  // thread ever calls a deleted function.
  struct FinalizerData {
    std::shared_ptr<w2v::TrainerBackend> trainer;
    std::shared_ptr<bool> alive;
  };
  events_ = Napi::ThreadSafeFunction::New(
      env, info[3].As<Napi::Function>(), "word2vec-native trainer", 0, 1,
      [](Napi::Env, FinalizerData* data) {
        *data->alive = false;
        data->trainer->cancel();
        try {
          data->trainer->join();
        } catch (...) {
        }
        delete data;
      },
      new FinalizerData{trainer_, eventsAlive_});
  // Until start(), the function must not keep the event loop alive.
  events_.Unref(env);
}

void TrainerWrap::ReportExternal(Napi::Env env, size_t bytes) {
  if (bytes == externalBytes_) return;
  const int64_t change = static_cast<int64_t>(bytes) - static_cast<int64_t>(externalBytes_);
  externalBytes_ = bytes;
  try {
    Napi::MemoryManagement::AdjustExternalMemory(env, change);
  } catch (...) {
    // Only an accounting hint: nothing to do if the environment is going away.
  }
}

TrainerWrap::~TrainerWrap() {
  if (trainer_) {
    trainer_->cancel();
    try {
      trainer_->join();
    } catch (...) {
    }
  }
  if (externalBytes_ > 0) ReportExternal(Env(), 0);
  if (!finished_ && *eventsAlive_ && static_cast<napi_threadsafe_function>(events_) != nullptr) events_.Release();
}

void TrainerWrap::Post(Event* event) {
  if (events_.NonBlockingCall(event, Deliver) != napi_ok) delete event;
}

void TrainerWrap::Deliver(Napi::Env env, Napi::Function callback, Event* event) {
  std::unique_ptr<Event> owned(event);
  if (env == nullptr || callback.IsEmpty()) return;  // the function is being torn down
  TrainerWrap* self = owned->self;
  try {
    switch (owned->kind) {
      case Event::kProgress:
        callback.Call({Napi::String::New(env, "progress"), ProgressObject(env, owned->progress)});
        break;
      case Event::kSpace:
        callback.Call({Napi::String::New(env, "space")});
        break;
      case Event::kDone:
        self->Finish(env, callback);
        break;
    }
  } catch (const Napi::Error& e) {
    // An exception thrown by the JS callback: surface it as an uncaught exception the way
    // Node does for any callback, rather than losing it. Throwing fails while the
    // environment shuts down (a worker_thread terminated mid-training): nothing is left
    // to report to then, and nothing may escape into Node's C callback.
    try {
      e.ThrowAsJavaScriptException();
    } catch (...) {
    }
  } catch (...) {
  }
}

void TrainerWrap::Finish(Napi::Env env, Napi::Function callback) {
  if (finished_) return;
  finished_ = true;
  std::string error;
  try {
    trainer_->join();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (trainer_->cancelled() || !error.empty()) {
    // Nobody takes the weights of a stopped run: free them now, not at garbage collection.
    trainer_->releaseWeights();
    ReportExternal(env, 0);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("cancelled", trainer_->cancelled() && error.empty());
  if (!error.empty()) result.Set("error", error);
  events_.Release();
  Unref();
  callback.Call({Napi::String::New(env, "done"), result});
}

Napi::Value TrainerWrap::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (started_) throw Napi::Error::New(env, "Trainer.start() was already called");
  started_ = true;
  Ref();  // stay alive until the done event, even if JS drops its references
  events_.Ref(env);
  try {
    trainer_->start([this](const w2v::Progress& p) { Post(new Event{Event::kProgress, this, p}); },
                    [this] { Post(new Event{Event::kSpace, this, {}}); },
                    [this] { Post(new Event{Event::kDone, this, {}}); });
  } catch (const std::exception& e) {
    Unref();
    throw Napi::Error::New(env, std::string("could not start training threads: ") + e.what());
  }
  return env.Undefined();
}

// push(tokens: Int32Array, sentenceEnds: Int32Array, epoch: number, sentenceContext?: Int32Array): boolean
Napi::Value TrainerWrap::Push(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!started_ || finished_) throw Napi::Error::New(env, "Trainer.push(): the trainer is not running");
  auto tokens = typedArray<int32_t>(info[0], "tokens", napi_int32_array, "Int32Array");
  auto ends = typedArray<int32_t>(info[1], "sentenceEnds", napi_int32_array, "Int32Array");
  if (!info[2].IsNumber()) throwType(env, "epoch must be a number, got " + describe(info[2]));
  const double epoch = info[2].As<Napi::Number>().DoubleValue();
  if (!(epoch >= 0 && epoch < kMaxInt32) || epoch != static_cast<double>(static_cast<int64_t>(epoch)))
    throwRange(env, "epoch must be a non-negative integer, got " + describe(info[2]));
  w2v::Chunk chunk;
  chunk.tokens.assign(tokens.Data(), tokens.Data() + tokens.ElementLength());
  chunk.sentenceEnds.assign(ends.Data(), ends.Data() + ends.ElementLength());
  chunk.epoch = static_cast<int32_t>(epoch);
  if (info.Length() > 3 && !info[3].IsUndefined()) {
    auto context = typedArray<int32_t>(info[3], "sentenceContext", napi_int32_array, "Int32Array");
    chunk.sentenceContext.assign(context.Data(), context.Data() + context.ElementLength());
  }
  try {
    return Napi::Boolean::New(env, trainer_->tryPush(std::move(chunk)));
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// replay(kept, lanes, maxSentenceLength, epochs): trains every epoch on the corpus kept as ids
// in the vocabulary pass (takeIds()'s handle), fed from a native thread (w2v::IdReplay: chunks
// cut as the JS ChunkEncoder cuts them), which closes the input at the end: push() and close()
// are not called then. The replay holds the kept ids until it ends.
Napi::Value TrainerWrap::Replay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!started_ || finished_) throw Napi::Error::New(env, "Trainer.replay(): the trainer is not running");
  std::shared_ptr<const KeptIdStore> kept = KeptIdsOf(info[0], "kept");
  const int32_t lanes = static_cast<int32_t>(integerArg(info[1], "lanes", 1, w2v::kMaxThreads));
  const int64_t maxSentenceLength = integerArg(info[2], "maxSentenceLength", 1, w2v::IdReplay::kMaxSentenceLength);
  const int32_t epochs = static_cast<int32_t>(integerArg(info[3], "epochs", 1, w2v::kMaxEpochs));
  std::shared_ptr<const w2v::IdReplay> replay;
  try {
    replay = std::make_shared<const w2v::IdReplay>(kept->views(), kept->narrow, lanes, maxSentenceLength);
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  }
  try {
    trainer_->feed([kept, replay, epochs](const w2v::TrainerBackend::Push& push) {
      bool more = true;
      const std::function<bool(w2v::Chunk&&)> emit = [&](w2v::Chunk&& chunk) { return more = push(std::move(chunk)); };
      for (int32_t e = 0; e < epochs && more; ++e) replay->replayEpoch(e, emit);
    });
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("Trainer.replay(): ") + e.what());
  }
  return env.Undefined();
}

Napi::Value TrainerWrap::Close(const Napi::CallbackInfo& info) {
  trainer_->close();
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::Cancel(const Napi::CallbackInfo& info) {
  trainer_->cancel();
  return info.Env().Undefined();
}

Napi::Value TrainerWrap::GetProgress(const Napi::CallbackInfo& info) {
  return ProgressObject(info.Env(), trainer_->progress());
}

// takeVectors(): { input: Float32Array, output?: Float32Array, attributes?: Float32Array,
// attributeLogits?: Float32Array } — ownership moves to JS. With side information, input holds
// the nodes' hidden vectors, attributes the attribute values' embeddings (attributeCount x dim)
// and attributeLogits each node's slot logits (vocabSize x (attributeSlots + 1)).
Napi::Value TrainerWrap::TakeVectors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!finished_) throw Napi::Error::New(env, "Trainer.takeVectors(): training has not finished");
  if (taken_) throw Napi::Error::New(env, "Trainer.takeVectors(): the vectors were already taken");
  if (trainer_->inputVectors().empty()) throw Napi::Error::New(env, "Trainer.takeVectors(): training was stopped");
  taken_ = true;
  // From here the arrays account for their own bytes (ExternalFloats).
  ReportExternal(env, 0);
  Napi::Object result = Napi::Object::New(env);
  result.Set("input", ExternalFloats(env, trainer_->inputVectors()));
  if (!trainer_->outputVectors().empty()) result.Set("output", ExternalFloats(env, trainer_->outputVectors()));
  if (!trainer_->attributeLogits().empty()) {
    // No attribute value at all (attributeCount 0) still gives an (empty) array.
    w2v::AlignedFloats& attributes = trainer_->attributeVectors();
    result.Set("attributes", attributes.empty() ? Napi::Float32Array::New(env, 0) : ExternalFloats(env, attributes));
    result.Set("attributeLogits", ExternalFloats(env, trainer_->attributeLogits()));
  }
  // What is left (hierarchical softmax's inner nodes) nobody reads: free it now.
  trainer_->releaseWeights();
  return result;
}

Napi::Value TrainerWrap::EpochStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto stats = trainer_->epochStats();
  Napi::Array out = Napi::Array::New(env, stats.size());
  for (size_t e = 0; e < stats.size(); ++e) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("words", static_cast<double>(stats[e].words));
    o.Set("predictions", static_cast<double>(stats[e].predictions));
    o.Set("loss", stats[e].predictions > 0 ? stats[e].loss / static_cast<double>(stats[e].predictions) : 0.0);
    o.Set("bytesMoved", static_cast<double>(stats[e].bytesMoved));
    o.Set("deviceSeconds", stats[e].deviceSeconds);
    out.Set(static_cast<uint32_t>(e), o);
  }
  return out;
}

}  // namespace w2v_binding
