// JS class `Index`: wraps a w2v::ann::AnnIndex (native/index). Builds, adds and searches run
// on libuv's worker threads (and the index's own threads), each holding the index alive, so
// that dispose() during a search frees it when the search ends. Also createIndex (a new empty
// index), openIndex (read or map an index file) and fingerprintRowsAsync.
#pragma once
#include <napi.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>

#include "../index/ann_index.h"

namespace w2v_binding {

class IndexWrap : public Napi::ObjectWrap<IndexWrap> {
 public:
  static Napi::Function Define(Napi::Env env, Napi::FunctionReference* constructor);
  explicit IndexWrap(const Napi::CallbackInfo& info);
  /// A JS Index around `index` (constructed through the stored constructor).
  static Napi::Object Wrap(Napi::Env env, std::shared_ptr<w2v::ann::AnnIndex> index);

 private:
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value Contains(const Napi::CallbackInfo& info);
  Napi::Value Search(const Napi::CallbackInfo& info);
  Napi::Value SearchSync(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value SetExpansionSearch(const Napi::CallbackInfo& info);
  Napi::Value SetProbes(const Napi::CallbackInfo& info);
  Napi::Value SetExpansionAdd(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  const std::shared_ptr<w2v::ann::AnnIndex>& live(Napi::Env env) const;

  std::shared_ptr<w2v::ann::AnnIndex> index_;
  // The adds in flight by the caller's job number, each with its own flag: cancel(job) stops
  // that add at its next row, dispose() stops all. Shared with the workers, which leave it
  // when they finish.
  struct AddJobs {
    std::mutex mutex;
    std::map<double, std::shared_ptr<std::atomic<bool>>> flags;
  };
  std::shared_ptr<AddJobs> jobs_ = std::make_shared<AddJobs>();
};

/// createIndex({ kind, dim, metric, quantization, connectivity, expansionAdd, expansionSearch, dotTransform,
/// lists, probes }): Index
Napi::Value CreateIndex(const Napi::CallbackInfo& info);
/// openIndex(path, view, threads): Promise<{ index, header, extra }>
Napi::Value OpenIndex(const Napi::CallbackInfo& info);
/// fingerprintRowsAsync(rows: Float32Array, dim, threads): Promise<string> (16 hex digits)
Napi::Value FingerprintRowsAsync(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
