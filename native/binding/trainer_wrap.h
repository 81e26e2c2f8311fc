// JS class `Trainer`: wraps a w2v::TrainerBackend (CPU threads or CUDA, from makeTrainer). Progress, queue space and completion reach JS
// through one thread-safe function; the event loop never waits on training.
#pragma once
#include <napi.h>

#include <memory>

#include "../core/trainer_backend.h"

namespace w2v_binding {

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);
  ~TrainerWrap() override;

 private:
  struct Event;
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Push(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value TakeVectors(const Napi::CallbackInfo& info);
  Napi::Value EpochStats(const Napi::CallbackInfo& info);
  Napi::Value GetProgress(const Napi::CallbackInfo& info);
  void Post(Event* event);
  static void Deliver(Napi::Env env, Napi::Function callback, Event* event);
  void Finish(Napi::Env env, Napi::Function callback);

  std::unique_ptr<w2v::TrainerBackend> trainer_;
  Napi::ThreadSafeFunction events_;
  bool started_ = false;
  bool finished_ = false;
  bool taken_ = false;
};

}  // namespace w2v_binding
