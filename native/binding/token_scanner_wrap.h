// JS class `TokenScanner`: a w2v::TokenScanner over a counting or fixed w2v::TokenTable. The
// TypeScript layer hands it buffers of corpus bytes and gets ids back in an Int32Array it
// provides; scanning is synchronous and takes about a millisecond per 512 KiB.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "../core/token_scanner.h"

namespace w2v_binding {

class TokenScannerWrap : public Napi::ObjectWrap<TokenScannerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TokenScannerWrap(const Napi::CallbackInfo& info);
  /// Installs what a countFile() counted (on the main thread, when it finished).
  void FinishCount(w2v::CountedFile counted);

 private:
  Napi::Value Scan(const Napi::CallbackInfo& info);
  Napi::Value Finish(const Napi::CallbackInfo& info);
  Napi::Value Token(const Napi::CallbackInfo& info);
  Napi::Value EndSentence(const Napi::CallbackInfo& info);
  Napi::Value Totals(const Napi::CallbackInfo& info);
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Keys(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value CountFile(const Napi::CallbackInfo& info);
  Napi::Value CountProgress(const Napi::CallbackInfo& info);
  Napi::Value CancelCount(const Napi::CallbackInfo& info);
  Napi::Value KeepIds(const Napi::CallbackInfo& info);
  Napi::Value TakeIds(const Napi::CallbackInfo& info);
  // Keeps what a scan wrote, when keepIds() asked for it.
  void keep(const int32_t* ids, size_t n);
  w2v::TokenScanner& scanner(Napi::Env env);
  w2v::TokenTable& table(Napi::Env env);

  std::unique_ptr<w2v::TokenScanner> scanner_;
  // Set while a countFile() runs: its progress and cancel flag (shared with the worker).
  std::shared_ptr<w2v::CountControl> counting_;
  // keepIds(): the limit, and the ids kept (one list for this scanner's scans, or one a part
  // of a countFile()) until takeIds() hands them over.
  std::unique_ptr<w2v::IdKeeping> keeping_;
  uint64_t keepLimit_ = 0;
  std::vector<w2v::IdBlocks> keptIds_;
};

}  // namespace w2v_binding
