#include "token_scanner_wrap.h"

#include "kept_ids.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "args.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace w2v_binding {
namespace {

// Hands freed heap memory back to the system. The tables of a corpus's distinct tokens are
// tens of MB built by doubling, partly on worker threads (their own malloc arenas): once
// freed, glibc keeps most of it mapped, and it would count in the training's peak RSS.
void returnFreedMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

// countFile(): counts a file's parts on their own threads (w2v::countFile), off the event loop.
class CountFileWorker : public Napi::AsyncWorker {
 public:
  CountFileWorker(Napi::Env env, TokenScannerWrap* wrap, Napi::Object self, std::string path,
                  std::vector<uint64_t> starts, uint64_t keepIds, std::shared_ptr<w2v::CountControl> control)
      : Napi::AsyncWorker(env, "word2vec-native countFile"), deferred_(Napi::Promise::Deferred::New(env)),
        wrap_(wrap), self_(Napi::Persistent(self)), path_(std::move(path)), starts_(std::move(starts)),
        keepIds_(keepIds), control_(std::move(control)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = w2v::countFile(path_, starts_, *control_, keepIds_);
    } catch (const w2v::FileOpenError& e) {
      cannotOpen_ = true;
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      SetError("not enough memory for the distinct tokens" + std::string(keepIds_ > 0 ? " and the ids" : "") + " of " + path_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    const bool cancelled = control_->cancelled.load();
    wrap_->FinishCount(std::move(result_));
    self_.Reset();
    deferred_.Resolve(Napi::Boolean::New(Env(), !cancelled));
  }
  void OnError(const Napi::Error& e) override {
    wrap_->FinishCount(w2v::CountedFile{std::make_shared<w2v::TokenTable>(), {}, {}});
    self_.Reset();
    Napi::Error error = Napi::Error::New(Env(), e.Message());
    // The caller may read the file another way (Node opens paths the C library cannot).
    if (cannotOpen_) error.Set("code", Napi::String::New(Env(), "W2V_CANNOT_OPEN"));
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  TokenScannerWrap* wrap_;
  Napi::ObjectReference self_;  // keeps the scanner alive while its count runs
  std::string path_;
  std::vector<uint64_t> starts_;
  uint64_t keepIds_;
  std::shared_ptr<w2v::CountControl> control_;
  w2v::CountedFile result_;
  bool cannotOpen_ = false;
};

// Marks the objects this class wraps, so that `new TokenScanner(other)` unwraps only a
// TokenScanner (napi_type_tag_object, N-API 8).
constexpr napi_type_tag kScannerTag = {0x7f3c1a9e5b2d4c81ULL, 0x93e0b6a4d2f1c857ULL};

template <typename T>
T* data(Napi::TypedArrayOf<T>& a) {
  return a.Data();
}

Napi::Int32Array outArray(const Napi::Value& v, size_t need) {
  auto out = typedArray<int32_t>(v, "out", napi_int32_array, "Int32Array");
  if (out.ElementLength() < need)
    throwRange(v.Env(), "out must hold at least " + std::to_string(need) + " ids, got " +
                            std::to_string(out.ElementLength()));
  return out;
}

Napi::Uint8Array byteArray(const Napi::Value& v, const char* name) {
  return typedArray<uint8_t>(v, name, napi_uint8_array, "Uint8Array or Buffer");
}

}  // namespace

Napi::Function TokenScannerWrap::Define(Napi::Env env) {
  return DefineClass(env, "TokenScanner",
                     {
                         InstanceMethod<&TokenScannerWrap::Scan>("scan"),
                         InstanceMethod<&TokenScannerWrap::Finish>("finish"),
                         InstanceMethod<&TokenScannerWrap::Token>("token"),
                         InstanceMethod<&TokenScannerWrap::EndSentence>("endSentence"),
                         InstanceMethod<&TokenScannerWrap::Totals>("totals"),
                         InstanceMethod<&TokenScannerWrap::Size>("size"),
                         InstanceMethod<&TokenScannerWrap::Keys>("keys"),
                         InstanceMethod<&TokenScannerWrap::Lookup>("lookup"),
                         InstanceMethod<&TokenScannerWrap::Release>("release"),
                         InstanceMethod<&TokenScannerWrap::CountFile>("countFile"),
                         InstanceMethod<&TokenScannerWrap::CountProgress>("countProgress"),
                         InstanceMethod<&TokenScannerWrap::CancelCount>("cancelCount"),
                         InstanceMethod<&TokenScannerWrap::KeepIds>("keepIds"),
                         InstanceMethod<&TokenScannerWrap::TakeIds>("takeIds"),
                     });
}

// new TokenScanner()                              a counting table
// new TokenScanner(keyBytes, offsets, dropped)    a fixed table: key i is keyBytes[offsets[i], offsets[i+1])
// new TokenScanner(scanner)                       a new stream over another scanner's table
TokenScannerWrap::TokenScannerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenScannerWrap>(info) {
  Napi::Env env = info.Env();
  std::shared_ptr<w2v::TokenTable> table;
  try {
    if (info.Length() == 0) {
      table = std::make_shared<w2v::TokenTable>();
    } else if (info.Length() == 1) {
      if (!info[0].IsObject() || !info[0].As<Napi::Object>().CheckTypeTag(&kScannerTag))
        throwType(env, "TokenScanner(scanner): scanner must be a TokenScanner, got " + describe(info[0]));
      table = Unwrap(info[0].As<Napi::Object>())->scanner(env).table();
    } else {
      auto keyBytes = byteArray(info[0], "keyBytes");
      auto offsets = typedArray<double>(info[1], "offsets", napi_float64_array, "Float64Array");
      auto dropped = typedArray<int32_t>(info[2], "dropped", napi_int32_array, "Int32Array");
      std::vector<uint64_t> ends(offsets.ElementLength());
      for (size_t i = 0; i < ends.size(); ++i) {
        const double d = offsets[i];
        if (!(d >= 0 && d <= static_cast<double>(keyBytes.ByteLength())) || d != static_cast<double>(static_cast<uint64_t>(d)))
          throwRange(env, "offsets[" + std::to_string(i) + "] must be an integer in [0, " +
                              std::to_string(keyBytes.ByteLength()) + "], got " + formatBound(d));
        ends[i] = static_cast<uint64_t>(d);
      }
      const std::vector<int32_t> drop(data(dropped), data(dropped) + dropped.ElementLength());
      table = std::make_shared<w2v::TokenTable>(data(keyBytes), keyBytes.ByteLength(), ends, drop);
    }
    scanner_ = std::make_unique<w2v::TokenScanner>(std::move(table));
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  } catch (const std::bad_alloc&) {
    throwRange(env, "not enough memory for the token table");
  }
  info.This().As<Napi::Object>().TypeTag(&kScannerTag);
}

// scan(bytes, out): ids of the tokens ended in `bytes`, -1 after each sentence; returns the count.
Napi::Value TokenScannerWrap::Scan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto buf = byteArray(info[0], "bytes");
  auto out = outArray(info[1], w2v::TokenScanner::maxOutput(buf.ByteLength()));
  try {
    const size_t n = scanner(env).scan(data(buf), buf.ByteLength(), data(out));
    keep(data(out), n);
    return Napi::Number::New(env, static_cast<double>(n));
  } catch (const std::length_error& e) {
    throwRange(env, e.what());
  } catch (const std::bad_alloc&) {
    throwRange(env, "not enough memory for the corpus's distinct tokens (" + std::to_string(table(env).size()) +
                        " so far)" + (keeping_ ? " and its ids" : ""));
  }
}

Napi::Value TokenScannerWrap::Finish(const Napi::CallbackInfo& info) {
  auto out = outArray(info[0], 2);
  try {
    const size_t n = scanner(info.Env()).finish(data(out));
    keep(data(out), n);
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  } catch (const std::exception& e) {
    throwRange(info.Env(), e.what());
  }
}

// token(key, out): one whole token given apart (token arrays).
Napi::Value TokenScannerWrap::Token(const Napi::CallbackInfo& info) {
  auto key = byteArray(info[0], "key");
  auto out = outArray(info[1], 1);
  try {
    const size_t n = scanner(info.Env()).token(data(key), key.ByteLength(), data(out));
    keep(data(out), n);
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  } catch (const std::exception& e) {
    throwRange(info.Env(), e.what());
  }
}

Napi::Value TokenScannerWrap::EndSentence(const Napi::CallbackInfo& info) {
  auto out = outArray(info[0], 1);
  try {
    const size_t n = scanner(info.Env()).endSentence(data(out));
    keep(data(out), n);
    return Napi::Number::New(info.Env(), static_cast<double>(n));
  } catch (const std::bad_alloc&) {
    throwRange(info.Env(), "not enough memory for the corpus's ids");
  }
}

Napi::Value TokenScannerWrap::Totals(const Napi::CallbackInfo& info) {
  const w2v::ScanTotals& t = scanner(info.Env()).totals();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("bytes", static_cast<double>(t.bytes));
  o.Set("tokens", static_cast<double>(t.tokens));
  o.Set("sentences", static_cast<double>(t.sentences));
  o.Set("lines", static_cast<double>(t.lines));
  return o;
}

Napi::Value TokenScannerWrap::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(table(info.Env()).size()));
}

// keys(minCount): a counting table's keys counted at least minCount times, most counted first
// (ties in id order, i.e. first seen first): { bytes, offsets (one more than the keys), counts, ids }.
Napi::Value TokenScannerWrap::Keys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const w2v::TokenTable& table = this->table(env);
  const double minCount = static_cast<double>(integerArg(info[0], "minCount", 0, kMaxSafeInteger));
  if (!table.counting()) throwType(env, "keys() reads a counting table; this scanner's table is fixed");
  std::vector<uint32_t> kept;
  size_t keyBytes = 0;
  for (size_t id = 0; id < table.size(); ++id)
    if (static_cast<double>(table.count(id)) >= minCount) {
      kept.push_back(static_cast<uint32_t>(id));
      keyBytes += table.keyEnd(id) - table.keyStart(id);
    }
  std::stable_sort(kept.begin(), kept.end(), [&](uint32_t a, uint32_t b) { return table.count(a) > table.count(b); });
  Napi::Buffer<uint8_t> bytes = Napi::Buffer<uint8_t>::New(env, keyBytes);
  Napi::Float64Array offsets = Napi::Float64Array::New(env, kept.size() + 1);
  Napi::Float64Array counts = Napi::Float64Array::New(env, kept.size());
  Napi::Int32Array ids = Napi::Int32Array::New(env, kept.size());
  size_t at = 0;
  for (size_t k = 0; k < kept.size(); ++k) {
    const uint32_t id = kept[k];
    const size_t n = table.keyEnd(id) - table.keyStart(id);
    if (n > 0) std::memcpy(bytes.Data() + at, table.keyBytes().data() + table.keyStart(id), n);
    offsets[k] = static_cast<double>(at);
    counts[k] = static_cast<double>(table.count(id));
    ids[k] = static_cast<int32_t>(id);
    at += n;
  }
  offsets[kept.size()] = static_cast<double>(at);
  Napi::Object o = Napi::Object::New(env);
  o.Set("bytes", bytes);
  o.Set("offsets", offsets);
  o.Set("counts", counts);
  o.Set("ids", ids);
  return o;
}

// lookup(keyBytes, offsets): the id and count of each key (-1 and 0 when absent).
Napi::Value TokenScannerWrap::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  w2v::TokenTable& table = this->table(env);
  auto keyBytes = byteArray(info[0], "keyBytes");
  auto offsets = typedArray<double>(info[1], "offsets", napi_float64_array, "Float64Array");
  if (offsets.ElementLength() < 1) throwRange(env, "offsets must hold at least one entry (the end), got none");
  const size_t keys = offsets.ElementLength() - 1;
  Napi::Int32Array ids = Napi::Int32Array::New(env, keys);
  Napi::Float64Array counts = Napi::Float64Array::New(env, keys);
  for (size_t i = 0; i < keys; ++i) {
    const double begin = offsets[i], end = offsets[i + 1];
    if (!(begin >= 0 && begin <= end && end <= static_cast<double>(keyBytes.ByteLength())) ||
        begin != static_cast<double>(static_cast<uint64_t>(begin)) || end != static_cast<double>(static_cast<uint64_t>(end)))
      throwRange(env, "key " + std::to_string(i) + " has bad offsets " + formatBound(begin) + " to " + formatBound(end) +
                          " (key bytes: " + std::to_string(keyBytes.ByteLength()) + ")");
    const uint8_t* p = data(keyBytes) + static_cast<size_t>(begin);
    const size_t n = static_cast<size_t>(end - begin);
    const int32_t id = table.find(p, n);
    ids[i] = id;
    counts[i] = id >= 0 && table.counting() ? static_cast<double>(table.count(static_cast<size_t>(id))) : 0;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("ids", ids);
  o.Set("counts", counts);
  return o;
}

// release(): frees the scanner and, when no other scanner shares it, its table.
Napi::Value TokenScannerWrap::Release(const Napi::CallbackInfo& info) {
  scanner_.reset();
  keeping_.reset();
  keptIds_.clear();
  returnFreedMemory();
  return info.Env().Undefined();
}

w2v::TokenScanner& TokenScannerWrap::scanner(Napi::Env env) {
  if (counting_) throw Napi::Error::New(env, "this TokenScanner is counting a file (countFile)");
  if (!scanner_) throw Napi::Error::New(env, "this TokenScanner was released");
  return *scanner_;
}

// countFile(path, starts): a promise of true once path's parts [starts[i], starts[i + 1]) are
// counted (false when cancelled); the counts then replace this scanner's table and totals.
// After keepIds(limit), each part's ids are kept for takeIds() too, while all of them come to
// at most `limit` values.
Napi::Value TokenScannerWrap::CountFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const w2v::TokenTable& table = this->table(env);
  if (!table.counting() || table.size() != 0 || scanner_->totals().bytes != 0)
    throwType(env, "countFile() fills a new counting scanner; this one is fixed or has counted already");
  if (!info[0].IsString()) throwType(env, "path must be a string, got " + describe(info[0]));
  auto offsets = typedArray<double>(info[1], "starts", napi_float64_array, "Float64Array");
  if (offsets.ElementLength() < 2 || offsets.ElementLength() > 1025)
    throwRange(env, "starts must hold 2 to 1025 offsets (1 to 1024 parts), got " + std::to_string(offsets.ElementLength()));
  std::vector<uint64_t> starts(offsets.ElementLength());
  for (size_t i = 0; i < starts.size(); ++i) {
    const double d = offsets[i];
    if (!(d >= 0 && d <= kMaxSafeInteger) || d != static_cast<double>(static_cast<uint64_t>(d)) ||
        (i > 0 && d < offsets[i - 1]))
      throwRange(env, "starts[" + std::to_string(i) + "] must be an integer offset, not below the one before, got " +
                          formatBound(d));
    starts[i] = static_cast<uint64_t>(d);
  }
  const uint64_t keepIds = keeping_ ? keepLimit_ : 0;
  keptIds_.clear();
  counting_ = std::make_shared<w2v::CountControl>();
  auto* worker = new CountFileWorker(env, this, info.This().As<Napi::Object>(), info[0].As<Napi::String>().Utf8Value(),
                                     std::move(starts), keepIds, counting_);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void TokenScannerWrap::FinishCount(w2v::CountedFile counted) {
  scanner_ = std::make_unique<w2v::TokenScanner>(std::move(counted.table), counted.totals);
  keptIds_ = std::move(counted.ids);
  keeping_.reset();  // the parts kept their own
  counting_.reset();
  returnFreedMemory();  // the parts' tables, merged and freed
}

// countProgress(): tokens counted so far by the running countFile() (0 when none runs).
Napi::Value TokenScannerWrap::CountProgress(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), counting_ ? static_cast<double>(counting_->tokensDone.load()) : 0);
}

// cancelCount(): stops the running countFile() soon; its promise then resolves to false.
Napi::Value TokenScannerWrap::CancelCount(const Napi::CallbackInfo& info) {
  if (counting_) counting_->cancelled.store(true);
  return info.Env().Undefined();
}

// keepIds(limit): from now on, keeps the ids this scanner's scans write (or a countFile()'s
// parts), while they come to at most `limit` values in all; past it, drops them and keeps none.
Napi::Value TokenScannerWrap::KeepIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const w2v::TokenTable& table = this->table(env);
  if (!table.counting() || table.size() != 0 || scanner_->totals().bytes != 0 || scanner_->totals().tokens != 0)
    throwType(env, "keepIds() is for a new counting scanner, before it scans");
  keepLimit_ = static_cast<uint64_t>(integerArg(info[0], "limit", 1, kMaxSafeInteger));
  keeping_ = std::make_unique<w2v::IdKeeping>(keepLimit_);
  keptIds_.clear();
  keptIds_.emplace_back();
  return env.Undefined();
}

void TokenScannerWrap::keep(const int32_t* ids, size_t n) {
  if (!keeping_ || !keeping_->keeping()) return;
  keeping_->keep(keptIds_[0], ids, n);
  if (keeping_->over()) keptIds_.clear();  // past the limit: free them now
}

namespace {

// takeIds(): rewrites the kept ids as final ids (w2v::compactParts, a thread a part) off the
// event loop; they stay native (KeptIdStore), JS gets views of them.
class CompactIdsWorker : public Napi::AsyncWorker {
 public:
  CompactIdsWorker(Napi::Env env, std::vector<w2v::IdBlocks> ids, std::vector<int32_t> finalId, bool narrow)
      : Napi::AsyncWorker(env, "word2vec-native takeIds"), deferred_(Napi::Promise::Deferred::New(env)),
        ids_(std::move(ids)), finalId_(std::move(finalId)), narrow_(narrow) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      w2v::compactParts(ids_, finalId_, narrow_);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    auto store = std::make_shared<KeptIdStore>();
    store->parts = std::move(ids_);
    store->narrow = narrow_;
    deferred_.Resolve(KeptIdsObject(Env(), std::move(store)));
  }
  void OnError(const Napi::Error& e) override {
    ids_.clear();
    deferred_.Reject(Napi::RangeError::New(Env(), e.Message()).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<w2v::IdBlocks> ids_;
  std::vector<int32_t> finalId_;
  bool narrow_;
};

}  // namespace

// takeIds(finalId, narrow): a promise of the kept ids as final ids, { handle, narrow, parts:
// [{ blocks, length }] one a part } (kept_ids.h: the handle for Trainer.replay, the blocks
// views), or undefined when none were kept (keepIds() not called, or past its limit).
// Provisional id p becomes finalId[p], left out when negative; each sentence ends with -1, or
// 0xffff when narrow (Uint16Array blocks of 2^21 ids; else Int32Array blocks of 2^20). Hands
// them over once.
Napi::Value TokenScannerWrap::TakeIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (counting_) throw Napi::Error::New(env, "this TokenScanner is counting a file (countFile)");
  auto finalId = typedArray<int32_t>(info[0], "finalId", napi_int32_array, "Int32Array");
  if (!info[1].IsBoolean()) throwType(env, "narrow must be a boolean, got " + describe(info[1]));
  if (keptIds_.empty()) return env.Undefined();
  auto* worker = new CompactIdsWorker(env, std::move(keptIds_), std::vector<int32_t>(data(finalId), data(finalId) + finalId.ElementLength()),
                                      info[1].As<Napi::Boolean>().Value());
  keeping_.reset();
  keptIds_.clear();
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

w2v::TokenTable& TokenScannerWrap::table(Napi::Env env) { return *scanner(env).table(); }

}  // namespace w2v_binding
