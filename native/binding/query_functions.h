// Query entry points: top-k by inner product (one query, a batch synchronously, a batch on a
// worker thread), 3CosMul analogies, row normalisation (also on a worker thread), and freeing a
// model's buffers (detach).
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value TopK(const Napi::CallbackInfo& info);
Napi::Value TopKBatch(const Napi::CallbackInfo& info);
Napi::Value TopKBatchAsync(const Napi::CallbackInfo& info);
Napi::Value TopKCosMul(const Napi::CallbackInfo& info);
Napi::Value NormalizeRows(const Napi::CallbackInfo& info);
Napi::Value NormalizeRowsAsync(const Napi::CallbackInfo& info);
Napi::Value InverseRowNormsAsync(const Napi::CallbackInfo& info);
Napi::Value DetachBuffer(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
