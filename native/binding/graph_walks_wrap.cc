// GraphWalks (declared in graph_wrap.h): a walk plan over a built Graph, made a chunk at a time
// on native threads (next) or written whole to a file (writeAll).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../core/w2v_limits.h"
#include "../core/walk_batch.h"
#include "args.h"
#include "graph_wrap.h"

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace w2v_binding {

namespace {

/// Node ids of one batch of walkAll's (4 MiB of ids; the text of a batch is a few times more).
constexpr int64_t kWriteBatchTokens = int64_t{1} << 20;
/// The largest proposal bound a caller may set (the core's own bound).
constexpr double kMaxProposalsArg = 1 << 20;

w2v::WalkConfig ParseWalkConfig(const Napi::Object& o) {
  w2v::WalkConfig c;
  c.walkLength = static_cast<int32_t>(integerProp(o, "walkLength", 1, w2v::kMaxWalkLength));
  c.p = numberProp(o, "p", w2v::kMinWalkBias, w2v::kMaxWalkBias);
  c.q = numberProp(o, "q", w2v::kMinWalkBias, w2v::kMaxWalkBias);
  c.weighted = boolProp(o, "weighted");
  c.seed = static_cast<uint64_t>(integerProp(o, "seed", 0, kMaxSafeInteger));
  if (!o.Get("maxProposals").IsUndefined())
    c.maxProposals = static_cast<int32_t>(integerProp(o, "maxProposals", 0, kMaxProposalsArg));
  return c;
}

// next(maxTokens, threads): the plan's next walks, as many whole walks as maxTokens ids hold
// (at least one, since maxTokens >= walkLength).
class WalksNextWorker : public Napi::AsyncWorker {
 public:
  WalksNextWorker(Napi::Env env, std::shared_ptr<WalkState> state, int64_t maxTokens, int32_t threads)
      : Napi::AsyncWorker(env, "word2vec-native graph walks"), deferred_(Napi::Promise::Deferred::New(env)),
        state_(std::move(state)), maxTokens_(maxTokens), threads_(threads) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      WalkState& s = *state_;
      const w2v::WalkTables& tables = s.walkTables();
      const int64_t first = s.next.load();
      const int64_t walkLength = s.config.walkLength;
      const int64_t count = std::min(maxTokens_ / walkLength, s.plan.walkCount() - first);
      tokens_.resize(static_cast<size_t>(count * walkLength));
      lengths_.resize(static_cast<size_t>(count));
      if (!w2v::makeWalks(tables, s.plan, first, count, threads_, tokens_.data(), lengths_.data(), &s.cancelled)) {
        cancelled_ = true;
        return;
      }
      used_ = w2v::packWalks(tokens_.data(), lengths_.data(), count, s.config.walkLength);
      s.next.store(first + count);
    } catch (const std::invalid_argument& e) {
      SetError(e.what());
    } catch (const std::exception& e) {
      SetError(std::string("walks failed: ") + e.what());
    }
  }
  void OnOK() override {
    state_->busy.store(false);
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    const size_t walks = cancelled_ ? 0 : lengths_.size();
    auto tokens = Napi::Int32Array::New(env, cancelled_ ? 0 : static_cast<size_t>(used_));
    if (tokens.ElementLength() > 0) std::memcpy(tokens.Data(), tokens_.data(), tokens.ElementLength() * sizeof(int32_t));
    auto lengths = Napi::Int32Array::New(env, walks);
    if (walks > 0) std::memcpy(lengths.Data(), lengths_.data(), walks * sizeof(int32_t));
    out.Set("tokens", tokens);
    out.Set("lengths", lengths);
    out.Set("cancelled", Napi::Boolean::New(env, cancelled_));
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override {
    state_->busy.store(false);
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<WalkState> state_;
  int64_t maxTokens_;
  int32_t threads_;
  std::vector<int32_t> tokens_;
  std::vector<int32_t> lengths_;
  int64_t used_ = 0;
  bool cancelled_ = false;
};

/// Owned copies of the node names a writeAll was given (JavaScript may change its arrays
/// meanwhile; the offsets were checked once, here).
struct OwnedNames {
  std::string bytes;
  std::vector<int64_t> offsets;
  bool present = false;
};

OwnedNames ParseNames(const Napi::Value& bytesArg, const Napi::Value& offsetsArg, int64_t nodeCount) {
  OwnedNames names;
  if (bytesArg.IsNull() || bytesArg.IsUndefined()) return names;
  Napi::Env env = bytesArg.Env();
  auto bytes = typedArray<uint8_t>(bytesArg, "names", napi_uint8_array, "Uint8Array");
  auto offsets = typedArray<double>(offsetsArg, "nameOffsets", napi_float64_array, "Float64Array");
  if (static_cast<int64_t>(offsets.ElementLength()) != nodeCount + 1)
    throwRange(env, "nameOffsets must hold nodes + 1 (" + std::to_string(nodeCount + 1) + ") offsets, got " +
                        std::to_string(offsets.ElementLength()));
  const double size = static_cast<double>(bytes.ElementLength());
  names.offsets.resize(offsets.ElementLength());
  double previous = 0;
  for (size_t i = 0; i < offsets.ElementLength(); ++i) {
    const double at = offsets[i];
    if (!(at >= previous && at <= size) || at != static_cast<double>(static_cast<int64_t>(at)) || (i == 0 && at != 0))
      throwRange(env, "nameOffsets[" + std::to_string(i) + "] must be an integer in [" + jsNumber(i == 0 ? 0 : previous) +
                          ", " + jsNumber(i == 0 ? 0 : size) + "], got " + jsNumber(at));
    names.offsets[i] = static_cast<int64_t>(at);
    previous = at;
  }
  if (previous != size) throwRange(env, "nameOffsets must end at names' length " + jsNumber(size) + ", got " + jsNumber(previous));
  names.bytes.assign(reinterpret_cast<const char*>(bytes.Data()), bytes.ElementLength());
  names.present = true;
  return names;
}

// writeAll(path, threads, names, nameOffsets, onProgress): every walk left, a line each, in
// plan order; resolves true when all were written, false when cancelled (the file is then
// incomplete: the caller removes it).
class WalksWriteWorker : public Napi::AsyncProgressWorker<double> {
 public:
  WalksWriteWorker(Napi::Env env, std::shared_ptr<WalkState> state, std::string path, int32_t threads, OwnedNames names,
                   const Napi::Value& onProgress)
      : Napi::AsyncProgressWorker<double>(env, "word2vec-native graph walks file"),
        deferred_(Napi::Promise::Deferred::New(env)), state_(std::move(state)), path_(std::move(path)),
        threads_(threads), names_(std::move(names)) {
    if (onProgress.IsFunction()) progress_ = Napi::Persistent(onProgress.As<Napi::Function>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    std::FILE* file = nullptr;
    try {
      file = std::fopen(path_.c_str(), "wb");
      if (file == nullptr) fail("open");
      finished_ = writeWalks(file, progress);
      // Durable before the caller renames it over the target (an incomplete file is removed).
      if (finished_ && std::fflush(file) != 0) fail("write");
#if defined(_WIN32)
      if (finished_ && _commit(_fileno(file)) != 0) fail("fsync");
#else
      if (finished_ && fsync(fileno(file)) != 0) fail("fsync");
#endif
      const int closed = std::fclose(file);
      file = nullptr;
      if (closed != 0) fail("close");
    } catch (const std::exception& e) {
      if (file != nullptr) std::fclose(file);
      SetError(e.what());
    }
  }
  void OnProgress(const double* done, size_t count) override {
    if (count == 0 || progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    progress_.Call({Napi::Number::New(Env(), done[count - 1]),
                    Napi::Number::New(Env(), static_cast<double>(state_->plan.walkCount()))});
  }
  void OnOK() override {
    state_->busy.store(false);
    deferred_.Resolve(Napi::Boolean::New(Env(), finished_));
  }
  void OnError(const Napi::Error& e) override {
    state_->busy.store(false);
    deferred_.Reject(e.Value());
  }

 private:
  bool writeWalks(std::FILE* file, const ExecutionProgress& progress) {
    WalkState& s = *state_;
    const w2v::WalkTables& tables = s.walkTables();
    const int64_t walkLength = s.config.walkLength;
    const int64_t batch = std::max<int64_t>(1, kWriteBatchTokens / walkLength);
    const w2v::NodeNames view{names_.bytes.data(), names_.offsets.data()};
    std::vector<int32_t> tokens(static_cast<size_t>(std::min(batch, s.plan.walkCount()) * walkLength));
    std::vector<int32_t> lengths(static_cast<size_t>(std::min(batch, s.plan.walkCount())));
    std::string text;
    for (int64_t first = s.next.load(); first < s.plan.walkCount(); first = s.next.load()) {
      const int64_t count = std::min(batch, s.plan.walkCount() - first);
      if (!w2v::makeWalks(tables, s.plan, first, count, threads_, tokens.data(), lengths.data(), &s.cancelled))
        return false;
      text.clear();
      for (int64_t i = 0; i < count; ++i)
        w2v::appendWalkLine(text, tokens.data() + i * walkLength, static_cast<size_t>(lengths[static_cast<size_t>(i)]),
                            names_.present ? &view : nullptr);
      if (std::fwrite(text.data(), 1, text.size(), file) != text.size()) fail("write");
      s.next.store(first + count);
      const double done = static_cast<double>(first + count);
      if (!progress_.IsEmpty()) progress.Send(&done, 1);
    }
    return true;
  }

  /// Throws naming the file, the call that failed and the system's reason.
  [[noreturn]] void fail(const char* call) const {
    throw std::runtime_error("cannot write walks to \"" + path_ + "\": " + call + ": " + std::strerror(errno));
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<WalkState> state_;
  std::string path_;
  int32_t threads_;
  OwnedNames names_;
  Napi::FunctionReference progress_;
  bool finished_ = false;
};

}  // namespace

Napi::Function GraphWalksWrap::Define(Napi::Env env) {
  return DefineClass(env, "GraphWalks",
                     {InstanceMethod<&GraphWalksWrap::Next>("next"), InstanceMethod<&GraphWalksWrap::WriteAll>("writeAll"),
                      InstanceMethod<&GraphWalksWrap::Cancel>("cancel"),
                      InstanceMethod<&GraphWalksWrap::Position>("position")});
}

// new GraphWalks(graph, { walkLength, p, q, weighted, seed, walksPerNode, maxProposals? })
GraphWalksWrap::GraphWalksWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GraphWalksWrap>(info) {
  Napi::Env env = info.Env();
  std::shared_ptr<const w2v::Graph> graph = GraphWrap::BuiltGraph(info[0], "graph");
  if (!info[1].IsObject()) throwType(env, "config must be an object, got " + describe(info[1]));
  const Napi::Object o = info[1].As<Napi::Object>();
  const w2v::WalkConfig config = ParseWalkConfig(o);
  const auto walksPerNode = static_cast<int32_t>(integerProp(o, "walksPerNode", 1, w2v::kMaxWalksPerNode));
  try {
    w2v::checkWalkConfig(config, *graph);
    state_ = std::make_shared<WalkState>(std::move(graph), config, walksPerNode);
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  }
}

void GraphWalksWrap::claim(Napi::Env env) {
  if (state_->busy.exchange(true)) throwType(env, "walks are already being made: await the previous call first");
}

Napi::Value GraphWalksWrap::Next(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t maxTokens = integerArg(info[0], "maxTokens", state_->config.walkLength, w2v::kMaxWalkChunkTokens);
  const auto threads = static_cast<int32_t>(integerArg(info[1], "threads", 1, w2v::kMaxThreads));
  claim(env);
  auto* worker = new WalksNextWorker(env, state_, maxTokens, threads);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value GraphWalksWrap::WriteAll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwType(env, "path must be a string, got " + describe(info[0]));
  const auto threads = static_cast<int32_t>(integerArg(info[1], "threads", 1, w2v::kMaxThreads));
  OwnedNames names = ParseNames(info[2], info[3], state_->graph->nodeCount());
  if (!info[4].IsNull() && !info[4].IsUndefined() && !info[4].IsFunction())
    throwType(env, "onProgress must be a function or null, got " + describe(info[4]));
  claim(env);
  auto* worker = new WalksWriteWorker(env, state_, info[0].As<Napi::String>().Utf8Value(), threads, std::move(names), info[4]);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// cancel(): the running call stops at its next walk and every later call makes none.
Napi::Value GraphWalksWrap::Cancel(const Napi::CallbackInfo& info) {
  state_->cancelled.store(true);
  return info.Env().Undefined();
}

// position(): { done, total } walks of the plan.
Napi::Value GraphWalksWrap::Position(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("done", Napi::Number::New(env, static_cast<double>(state_->next.load())));
  o.Set("total", Napi::Number::New(env, static_cast<double>(state_->plan.walkCount())));
  return o;
}

}  // namespace w2v_binding
