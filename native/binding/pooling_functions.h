// embedSequencesAsync(matrix, dim, ids, offsets, options): the pooled rows of token sequences
// (native/core/pooling.h), computed on a worker thread. Arguments are checked and copied on the
// JS thread (all but the matrix, which a reference keeps alive); ids, offsets and weights are
// checked value by value by the core on the worker, and a bad one rejects the promise.
#pragma once
#include <napi.h>

namespace w2v_binding {

Napi::Value EmbedSequencesAsync(const Napi::CallbackInfo& info);

}  // namespace w2v_binding
