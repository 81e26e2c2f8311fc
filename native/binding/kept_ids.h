// The corpus kept as ids in the vocabulary pass (TokenScanner.takeIds), shared by the JS views
// of its blocks and by a trainer replaying it (Trainer.replay) on a native thread: the memory
// goes when the last of them lets go, so a training that outlives its JS objects (a worker
// thread torn down mid-training) never reads freed memory.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "../core/id_replay.h"
#include "../core/token_scanner.h"

namespace w2v_binding {

struct KeptIdStore {
  std::vector<w2v::IdBlocks> parts;  // compacted (w2v::compactIds)
  bool narrow = false;
  /// The parts as the replay reads them: each block's used values.
  std::vector<w2v::KeptIdPart> views() const;
};

/// { handle, narrow, parts: [{ blocks, length }] }: `handle` (a tagged External) is what
/// Trainer.replay takes; the blocks are views of the store (Uint16Array when narrow, else
/// Int32Array), or copies where the runtime forbids external buffers.
Napi::Object KeptIdsObject(Napi::Env env, std::shared_ptr<KeptIdStore> store);

/// The store behind a KeptIdsObject's handle; throws a TypeError naming `name` for anything else.
std::shared_ptr<const KeptIdStore> KeptIdsOf(const Napi::Value& handle, const char* name);

}  // namespace w2v_binding
