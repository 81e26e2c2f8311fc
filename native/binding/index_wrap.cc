#include "index_wrap.h"

#include <algorithm>
#include <functional>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "../core/mapped_file.h"
#include "../core/w2v_limits.h"
#include "../index/index_file.h"
#include "args.h"

namespace w2v_binding {
namespace {

using w2v::ann::AnnIndex;
using w2v::ann::IndexFileHeader;

// Results larger than this (queries x k) are refused, as for nearest(): 2 GB of ids and scores.
constexpr double kMaxResults = 268435456.0;
constexpr double kMaxThreads = 256;

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t parseHex64(const Napi::Value& v, const char* name) {
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (s.size() != 16 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
    throwType(v.Env(), std::string(name) + " must be a string of 16 hex digits, got " + describe(v));
  return std::stoull(s, nullptr, 16);
}

const char* metricName(w2v::ann::Metric m) { return m == w2v::ann::Metric::kCosine ? "cosine" : "dot"; }
const char* quantizationName(w2v::ann::Quantization q) {
  return q == w2v::ann::Quantization::kF32 ? "f32" : q == w2v::ann::Quantization::kF16 ? "f16" : "i8";
}

// A search's filter, owned: exclude sorted, allow copied.
struct FilterArgs {
  std::vector<int32_t> exclude;
  std::vector<uint64_t> allow;
  bool hasAllow = false;
  uint64_t allowCount = 0;

  w2v::ann::SearchFilter view() const {
    w2v::ann::SearchFilter f;
    f.exclude = exclude.data();
    f.excludeCount = exclude.size();
    if (hasAllow) {
      f.allow = allow.data();
      f.allowBits = static_cast<uint64_t>(allow.size()) * 64;
      f.allowCount = allowCount;
    }
    return f;
  }
};

// (exclude: Int32Array | null, allow: BigUint64Array | null) at info[first], info[first + 1].
FilterArgs ParseFilter(const Napi::CallbackInfo& info, size_t first) {
  FilterArgs f;
  if (!info[first].IsNull() && !info[first].IsUndefined()) {
    auto ex = typedArray<int32_t>(info[first], "exclude", napi_int32_array, "Int32Array");
    f.exclude.assign(ex.Data(), ex.Data() + ex.ElementLength());
    std::sort(f.exclude.begin(), f.exclude.end());
  }
  if (!info[first + 1].IsNull() && !info[first + 1].IsUndefined()) {
    auto allow = typedArray<uint64_t>(info[first + 1], "allow", napi_biguint64_array, "BigUint64Array");
    f.allow.assign(allow.Data(), allow.Data() + allow.ElementLength());
    f.hasAllow = true;
    for (uint64_t w : f.allow) f.allowCount += static_cast<uint64_t>(__builtin_popcountll(w));
  }
  return f;
}

struct SearchArgs {
  std::vector<float> queries;
  size_t count = 0;
  int32_t k = 0;
  FilterArgs filter;
  int threads = 1;
};

// (queries: Float32Array, k, exclude, allow, threads)
SearchArgs ParseSearch(const Napi::CallbackInfo& info, const AnnIndex& index) {
  SearchArgs a;
  auto queries = typedArray<float>(info[0], "queries", napi_float32_array, "Float32Array");
  const size_t dim = static_cast<size_t>(index.settings().dim);
  if (queries.ElementLength() % dim != 0)
    throwRange(info.Env(), "queries length " + std::to_string(queries.ElementLength()) + " is not a multiple of dim " + std::to_string(dim));
  a.count = queries.ElementLength() / dim;
  a.k = static_cast<int32_t>(integerArg(info[1], "k", 1, kMaxInt32));
  if (static_cast<double>(a.k) * static_cast<double>(a.count) > kMaxResults)
    throwRange(info.Env(), "queries x k must be at most 268435456, got " + std::to_string(a.count) + " x " + std::to_string(a.k));
  a.queries.assign(queries.Data(), queries.Data() + queries.ElementLength());
  for (size_t i = 0; i < a.queries.size(); ++i)
    if (!std::isfinite(a.queries[i]))
      throwRange(info.Env(), "query " + std::to_string(i / dim) + " value " + std::to_string(i % dim) + " must be finite, got " + jsNumber(a.queries[i]));
  a.filter = ParseFilter(info, 2);
  a.threads = static_cast<int>(integerArg(info[4], "threads", 1, kMaxThreads));
  return a;
}

Napi::Object SearchResult(Napi::Env env, const std::vector<int32_t>& ids, const std::vector<float>& scores, bool exact) {
  auto idArray = Napi::Int32Array::New(env, ids.size());
  std::copy(ids.begin(), ids.end(), idArray.Data());
  auto scoreArray = Napi::Float32Array::New(env, scores.size());
  std::copy(scores.begin(), scores.end(), scoreArray.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("ids", idArray);
  out.Set("scores", scoreArray);
  out.Set("exact", Napi::Boolean::New(env, exact));
  return out;
}

class SearchWorker : public Napi::AsyncWorker {
 public:
  SearchWorker(Napi::Env env, std::shared_ptr<AnnIndex> index, SearchArgs args)
      : Napi::AsyncWorker(env, "word2vec-native index search"), deferred_(Napi::Promise::Deferred::New(env)),
        index_(std::move(index)), args_(std::move(args)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      ids_.resize(args_.count * static_cast<size_t>(args_.k));
      scores_.resize(ids_.size());
      exact_ = index_->search(args_.queries.data(), args_.count, args_.k, args_.filter.view(), args_.threads, ids_.data(), scores_.data());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(SearchResult(Env(), ids_, scores_, exact_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<AnnIndex> index_;
  SearchArgs args_;
  std::vector<int32_t> ids_;
  std::vector<float> scores_;
  bool exact_ = false;
};

// Adds rows read in place from a Float32Array kept alive by a reference; progress goes to an
// optional callback on the JS thread.
class AddWorker : public Napi::AsyncProgressWorker<uint64_t> {
 public:
  AddWorker(Napi::Env env, std::shared_ptr<AnnIndex> index, std::vector<int32_t> ids, Napi::Float32Array rows, int threads,
            Napi::Value onProgress, std::shared_ptr<std::atomic<bool>> cancelled, std::function<void()> leave)
      : Napi::AsyncProgressWorker<uint64_t>(env, "word2vec-native index add"), deferred_(Napi::Promise::Deferred::New(env)),
        index_(std::move(index)), ids_(std::move(ids)), rows_(rows.Data()), rowsRef_(Napi::Persistent(rows.As<Napi::Object>())),
        threads_(threads), cancelled_(std::move(cancelled)), leave_(std::move(leave)) {
    if (onProgress.IsFunction()) progress_ = Napi::Persistent(onProgress.As<Napi::Function>());
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute(const ExecutionProgress& progress) override {
    try {
      const bool report = !progress_.IsEmpty();
      finished_ = index_->add(
          ids_.data(), rows_, ids_.size(), threads_,
          [&](uint64_t done, uint64_t) {
            if (report) progress.Send(&done, 1);
          },
          cancelled_.get());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnProgress(const uint64_t* done, size_t count) override {
    if (count == 0 || progress_.IsEmpty()) return;
    Napi::HandleScope scope(Env());
    progress_.Call({Napi::Number::New(Env(), static_cast<double>(*done)), Napi::Number::New(Env(), static_cast<double>(ids_.size()))});
  }
  void OnOK() override {
    rowsRef_.Reset();
    leave_();
    deferred_.Resolve(Napi::Boolean::New(Env(), finished_));
  }
  void OnError(const Napi::Error& e) override {
    rowsRef_.Reset();
    leave_();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<AnnIndex> index_;
  std::vector<int32_t> ids_;
  const float* rows_;
  Napi::ObjectReference rowsRef_;
  Napi::FunctionReference progress_;
  int threads_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  std::function<void()> leave_;
  bool finished_ = false;
};

}  // namespace

namespace {

class SaveWorker : public Napi::AsyncWorker {
 public:
  SaveWorker(Napi::Env env, std::shared_ptr<AnnIndex> index, std::string path, IndexFileHeader header, std::vector<uint8_t> extra)
      : Napi::AsyncWorker(env, "word2vec-native index save"), deferred_(Napi::Promise::Deferred::New(env)), index_(std::move(index)),
        path_(std::move(path)), header_(header), extra_(std::move(extra)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      index_->save(path_, header_, extra_.data(), extra_.size());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<AnnIndex> index_;
  std::string path_;
  IndexFileHeader header_;
  std::vector<uint8_t> extra_;
};

Napi::Object HeaderObject(Napi::Env env, const IndexFileHeader& h) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", Napi::Number::New(env, h.version));
  o.Set("dim", Napi::Number::New(env, h.dim));
  o.Set("vectors", Napi::Number::New(env, h.vectors));
  o.Set("modelRows", Napi::Number::New(env, static_cast<double>(h.modelRows)));
  o.Set("fingerprint", Napi::String::New(env, hex64(h.fingerprint)));
  return o;
}

class OpenWorker : public Napi::AsyncWorker {
 public:
  OpenWorker(Napi::Env env, std::string path, bool view, int threads)
      : Napi::AsyncWorker(env, "word2vec-native index open"), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)),
        view_(view), threads_(threads) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      index_ = AnnIndex::open(path_, view_, threads_, &header_, &extra_);
    } catch (const w2v::MappedFileError& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object out = Napi::Object::New(env);
    out.Set("index", IndexWrap::Wrap(env, std::shared_ptr<AnnIndex>(std::move(index_))));
    out.Set("header", HeaderObject(env, header_));
    auto extra = Napi::Uint8Array::New(env, extra_.size());
    std::copy(extra_.begin(), extra_.end(), extra.Data());
    out.Set("extra", extra);
    deferred_.Resolve(out);
  }
  void OnError(const Napi::Error& e) override {
    if (code_ != 0) e.Value().Set("errno", Napi::Number::New(Env(), code_));
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string path_;
  bool view_;
  int threads_;
  int code_ = 0;
  std::unique_ptr<AnnIndex> index_;
  IndexFileHeader header_;
  std::vector<uint8_t> extra_;
};

class FingerprintWorker : public Napi::AsyncWorker {
 public:
  FingerprintWorker(Napi::Env env, Napi::Float32Array rows, uint32_t dim, int threads)
      : Napi::AsyncWorker(env, "word2vec-native fingerprint"), deferred_(Napi::Promise::Deferred::New(env)), rows_(rows.Data()),
        count_(rows.ElementLength() / dim), dim_(dim), threads_(threads), ref_(Napi::Persistent(rows.As<Napi::Object>())) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { value_ = w2v::ann::fingerprintRows(rows_, count_, dim_, threads_); }
  void OnOK() override {
    ref_.Reset();
    deferred_.Resolve(Napi::String::New(Env(), hex64(value_)));
  }
  void OnError(const Napi::Error& e) override {
    ref_.Reset();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  const float* rows_;
  uint64_t count_;
  uint32_t dim_;
  int threads_;
  Napi::ObjectReference ref_;
  uint64_t value_ = 0;
};

w2v::ann::IndexSettings ParseSettings(const Napi::Object& o) {
  w2v::ann::IndexSettings s;
  s.dim = static_cast<int32_t>(integerProp(o, "dim", 1, w2v::kMaxModelDim));
  const std::string metric = o.Get("metric").IsString() ? o.Get("metric").As<Napi::String>().Utf8Value() : "";
  if (metric != "cosine" && metric != "dot") throwType(o.Env(), "metric must be \"cosine\" or \"dot\", got " + describe(o.Get("metric")));
  s.metric = metric == "cosine" ? w2v::ann::Metric::kCosine : w2v::ann::Metric::kDot;
  const std::string q = o.Get("quantization").IsString() ? o.Get("quantization").As<Napi::String>().Utf8Value() : "";
  if (q != "f32" && q != "f16" && q != "i8") throwType(o.Env(), "quantization must be \"f32\", \"f16\" or \"i8\", got " + describe(o.Get("quantization")));
  s.quantization = q == "f32" ? w2v::ann::Quantization::kF32 : q == "f16" ? w2v::ann::Quantization::kF16 : w2v::ann::Quantization::kI8;
  s.connectivity = static_cast<int32_t>(integerProp(o, "connectivity", w2v::ann::kMinConnectivity, w2v::ann::kMaxConnectivity));
  s.expansionAdd = static_cast<int32_t>(integerProp(o, "expansionAdd", 1, w2v::ann::kMaxExpansion));
  s.expansionSearch = static_cast<int32_t>(integerProp(o, "expansionSearch", 1, w2v::ann::kMaxExpansion));
  s.dotTransform = boolProp(o, "dotTransform");
  const std::string kind = o.Get("kind").IsString() ? o.Get("kind").As<Napi::String>().Utf8Value() : "";
  if (kind != "hnsw" && kind != "ivf") throwType(o.Env(), "kind must be \"hnsw\" or \"ivf\", got " + describe(o.Get("kind")));
  s.kind = kind == "hnsw" ? w2v::ann::IndexKind::kGraph : w2v::ann::IndexKind::kLists;
  s.lists = static_cast<int32_t>(integerProp(o, "lists", 0, w2v::ann::kMaxLists));
  s.probes = static_cast<int32_t>(integerProp(o, "probes", 1, w2v::ann::kMaxLists));
  return s;
}

}  // namespace

Napi::Function IndexWrap::Define(Napi::Env env, Napi::FunctionReference* constructor) {
  Napi::Function f = DefineClass(env, "Index",
                                 {InstanceMethod<&IndexWrap::Add>("add"), InstanceMethod<&IndexWrap::Cancel>("cancel"),
                                  InstanceMethod<&IndexWrap::Remove>("remove"), InstanceMethod<&IndexWrap::Contains>("contains"),
                                  InstanceMethod<&IndexWrap::Search>("search"), InstanceMethod<&IndexWrap::SearchSync>("searchSync"),
                                  InstanceMethod<&IndexWrap::Save>("save"), InstanceMethod<&IndexWrap::Info>("info"),
                                  InstanceMethod<&IndexWrap::Size>("size"),
                                  InstanceMethod<&IndexWrap::SetExpansionSearch>("setExpansionSearch"),
                                  InstanceMethod<&IndexWrap::SetProbes>("setProbes"),
                                  InstanceMethod<&IndexWrap::SetExpansionAdd>("setExpansionAdd"),
                                  InstanceMethod<&IndexWrap::Dispose>("dispose")});
  *constructor = Napi::Persistent(f);
  return f;
}

IndexWrap::IndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IndexWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) throwType(info.Env(), "Index is made by createIndex() or openIndex(), not by new");
  index_ = *info[0].As<Napi::External<std::shared_ptr<AnnIndex>>>().Data();
}

Napi::Object IndexWrap::Wrap(Napi::Env env, std::shared_ptr<AnnIndex> index) {
  auto* constructor = env.GetInstanceData<Napi::FunctionReference>();
  return constructor->New({Napi::External<std::shared_ptr<AnnIndex>>::New(env, &index)});
}

const std::shared_ptr<AnnIndex>& IndexWrap::live(Napi::Env env) const {
  if (!index_) throwType(env, "index is disposed");
  return index_;
}

Napi::Value IndexWrap::Add(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  auto ids = typedArray<int32_t>(info[0], "ids", napi_int32_array, "Int32Array");
  auto rows = typedArray<float>(info[1], "vectors", napi_float32_array, "Float32Array");
  const size_t dim = static_cast<size_t>(index->settings().dim);
  if (rows.ElementLength() != ids.ElementLength() * dim)
    throwRange(info.Env(), "vectors must hold " + std::to_string(ids.ElementLength()) + " x " + std::to_string(dim) + " values, got " +
                               std::to_string(rows.ElementLength()));
  const int threads = static_cast<int>(integerArg(info[2], "threads", 1, kMaxThreads));
  const double job = static_cast<double>(integerArg(info[4], "job", 0, kMaxSafeInteger));
  auto flag = std::make_shared<std::atomic<bool>>(false);
  {
    std::lock_guard<std::mutex> g(jobs_->mutex);
    if (!jobs_->flags.emplace(job, flag).second) throwRange(info.Env(), "job " + jsNumber(job) + " is already running");
  }
  std::weak_ptr<AddJobs> jobs = jobs_;
  auto leave = [jobs, job]() {
    if (auto j = jobs.lock()) {
      std::lock_guard<std::mutex> g(j->mutex);
      j->flags.erase(job);
    }
  };
  auto* worker = new AddWorker(info.Env(), index, std::vector<int32_t>(ids.Data(), ids.Data() + ids.ElementLength()), rows, threads,
                               info[3], flag, leave);
  worker->Queue();
  return worker->Promise();
}

// cancel(job): stops that add at its next row (a job that has finished is ignored).
Napi::Value IndexWrap::Cancel(const Napi::CallbackInfo& info) {
  const double job = static_cast<double>(integerArg(info[0], "job", 0, kMaxSafeInteger));
  std::lock_guard<std::mutex> g(jobs_->mutex);
  auto found = jobs_->flags.find(job);
  if (found != jobs_->flags.end()) found->second->store(true);
  return info.Env().Undefined();
}

Napi::Value IndexWrap::Remove(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  auto ids = typedArray<int32_t>(info[0], "ids", napi_int32_array, "Int32Array");
  return Napi::Number::New(info.Env(), static_cast<double>(index->remove(ids.Data(), ids.ElementLength())));
}

Napi::Value IndexWrap::Contains(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  return Napi::Boolean::New(info.Env(), index->contains(static_cast<int32_t>(integerArg(info[0], "id", 0, kMaxInt32))));
}

Napi::Value IndexWrap::Search(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  auto* worker = new SearchWorker(info.Env(), index, ParseSearch(info, *index));
  worker->Queue();
  return worker->Promise();
}

Napi::Value IndexWrap::SearchSync(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  SearchArgs a = ParseSearch(info, *index);
  std::vector<int32_t> ids(a.count * static_cast<size_t>(a.k));
  std::vector<float> scores(ids.size());
  const bool exact = index->search(a.queries.data(), a.count, a.k, a.filter.view(), a.threads, ids.data(), scores.data());
  return SearchResult(info.Env(), ids, scores, exact);
}

// save(path, { vectors, modelRows, fingerprint }, extra: Uint8Array | null)
Napi::Value IndexWrap::Save(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  if (!info[0].IsString()) throwType(info.Env(), "path must be a string, got " + describe(info[0]));
  if (!info[1].IsObject()) throwType(info.Env(), "header must be an object, got " + describe(info[1]));
  Napi::Object o = info[1].As<Napi::Object>();
  IndexFileHeader h;
  h.vectors = static_cast<uint8_t>(integerProp(o, "vectors", 1, 3));
  h.modelRows = static_cast<uint64_t>(integerProp(o, "modelRows", 0, kMaxInt32));
  h.fingerprint = parseHex64(o.Get("fingerprint"), "fingerprint");
  std::vector<uint8_t> extra;
  if (!info[2].IsNull() && !info[2].IsUndefined()) {
    auto bytes = typedArray<uint8_t>(info[2], "extra", napi_uint8_array, "Uint8Array");
    extra.assign(bytes.Data(), bytes.Data() + bytes.ElementLength());
  }
  auto* worker = new SaveWorker(info.Env(), index, info[0].As<Napi::String>().Utf8Value(), h, std::move(extra));
  worker->Queue();
  return worker->Promise();
}

// size(): the rows the index holds (cheap, for every search's k check; info() also computes
// memoryBytes, which walks the library's allocators).
Napi::Value IndexWrap::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env())->size()));
}

Napi::Value IndexWrap::Info(const Napi::CallbackInfo& info) {
  const auto& index = live(info.Env());
  Napi::Env env = info.Env();
  const auto& s = index->settings();
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", Napi::String::New(env, s.kind == w2v::ann::IndexKind::kGraph ? "hnsw" : "ivf"));
  o.Set("size", Napi::Number::New(env, static_cast<double>(index->size())));
  o.Set("memoryBytes", Napi::Number::New(env, static_cast<double>(index->memoryBytes())));
  o.Set("dim", Napi::Number::New(env, s.dim));
  o.Set("metric", Napi::String::New(env, metricName(s.metric)));
  o.Set("quantization", Napi::String::New(env, quantizationName(s.quantization)));
  o.Set("connectivity", Napi::Number::New(env, s.connectivity));
  o.Set("expansionAdd", Napi::Number::New(env, s.expansionAdd));
  o.Set("expansionSearch", Napi::Number::New(env, s.expansionSearch));
  o.Set("lists", Napi::Number::New(env, index->lists()));
  o.Set("probes", Napi::Number::New(env, s.probes));
  o.Set("dotTransform", Napi::Boolean::New(env, s.transformsDot()));
  o.Set("normBound", Napi::Number::New(env, index->normBound()));
  o.Set("view", Napi::Boolean::New(env, index->isView()));
  o.Set("kernel", Napi::String::New(env, AnnIndex::kernelName()));
  o.Set("relinkedRows", Napi::Number::New(env, static_cast<double>(index->relinkedRows())));
  o.Set("unreachableRows", Napi::Number::New(env, static_cast<double>(index->unreachableRows())));
  return o;
}

Napi::Value IndexWrap::SetExpansionSearch(const Napi::CallbackInfo& info) {
  live(info.Env())->setExpansionSearch(static_cast<int32_t>(integerArg(info[0], "expansionSearch", 1, w2v::ann::kMaxExpansion)));
  return info.Env().Undefined();
}

Napi::Value IndexWrap::SetProbes(const Napi::CallbackInfo& info) {
  live(info.Env())->setProbes(static_cast<int32_t>(integerArg(info[0], "probes", 1, w2v::ann::kMaxLists)));
  return info.Env().Undefined();
}

Napi::Value IndexWrap::SetExpansionAdd(const Napi::CallbackInfo& info) {
  live(info.Env())->setExpansionAdd(static_cast<int32_t>(integerArg(info[0], "expansionAdd", 1, w2v::ann::kMaxExpansion)));
  return info.Env().Undefined();
}

Napi::Value IndexWrap::Dispose(const Napi::CallbackInfo& info) {
  {
    std::lock_guard<std::mutex> g(jobs_->mutex);
    for (auto& entry : jobs_->flags) entry.second->store(true);
  }
  index_.reset();
  return info.Env().Undefined();
}

Napi::Value CreateIndex(const Napi::CallbackInfo& info) {
  if (!info[0].IsObject()) throwType(info.Env(), "settings must be an object, got " + describe(info[0]));
  return IndexWrap::Wrap(info.Env(), std::make_shared<AnnIndex>(ParseSettings(info[0].As<Napi::Object>())));
}

Napi::Value OpenIndex(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throwType(info.Env(), "path must be a string, got " + describe(info[0]));
  if (!info[1].IsBoolean()) throwType(info.Env(), "view must be a boolean, got " + describe(info[1]));
  const int threads = static_cast<int>(integerArg(info[2], "threads", 1, kMaxThreads));
  auto* worker = new OpenWorker(info.Env(), info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Boolean>().Value(), threads);
  worker->Queue();
  return worker->Promise();
}

Napi::Value FingerprintRowsAsync(const Napi::CallbackInfo& info) {
  auto rows = typedArray<float>(info[0], "rows", napi_float32_array, "Float32Array");
  const auto dim = static_cast<uint32_t>(integerArg(info[1], "dim", 1, w2v::kMaxModelDim));
  if (rows.ElementLength() % dim != 0)
    throwRange(info.Env(), "rows length " + std::to_string(rows.ElementLength()) + " is not a multiple of dim " + std::to_string(dim));
  const int threads = static_cast<int>(integerArg(info[2], "threads", 1, kMaxThreads));
  auto* worker = new FingerprintWorker(info.Env(), rows, dim, threads);
  worker->Queue();
  return worker->Promise();
}

}  // namespace w2v_binding
