// JS class `Trainer`: wraps a w2v::TrainerBackend (CPU threads or CUDA, from makeTrainer).
// Progress, queue space and completion reach JS through one thread-safe function; the event
// loop never waits on training.
#pragma once
#include <napi.h>

#include <memory>

#include "../backends/backends.h"

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
  Napi::Value Replay(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value TakeVectors(const Napi::CallbackInfo& info);
  Napi::Value EpochStats(const Napi::CallbackInfo& info);
  Napi::Value GetProgress(const Napi::CallbackInfo& info);
  void Post(Event* event);
  static void Deliver(Napi::Env env, Napi::Function callback, Event* event);
  void Finish(Napi::Env env, Napi::Function callback);
  void ReportExternal(Napi::Env env, size_t bytes);

  // Shared with the thread-safe function's finalizer, which joins the threads before the
  // function is deleted (at environment teardown that may happen before this object's
  // destructor runs, e.g. when a worker_thread is terminated mid-training).
  std::shared_ptr<w2v::TrainerBackend> trainer_;
  Napi::ThreadSafeFunction events_;
  // False once the function's finalizer ran: at teardown Node deletes every thread-safe
  // function, and releasing a deleted one aborts the process.
  std::shared_ptr<bool> eventsAlive_ = std::make_shared<bool>(true);
  // Native bytes of weights reported to V8 as external memory and not yet handed to JS.
  size_t externalBytes_ = 0;
  bool started_ = false;
  bool finished_ = false;
  bool taken_ = false;
};

}  // namespace w2v_binding
