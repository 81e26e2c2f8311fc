#include "map_file.h"

#include <cstring>
#include <memory>
#include <string>

#include "../core/mapped_file.h"
#include "args.h"

namespace w2v_binding {

// mapFile(path: string): ArrayBuffer. Errors are JS Errors naming the path and the system's
// reason, with `syscall` ("open", "fstat", "mmap" or "none") and `errno` set, so that the
// caller can fall back to reading when only the mapping failed.
Napi::Value MapFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwType(env, "path must be a string, got " + describe(info[0]));
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  std::unique_ptr<w2v::MappedFile> mapped;
  try {
    mapped = std::make_unique<w2v::MappedFile>(path);
  } catch (const w2v::MappedFileError& e) {
    Napi::Error error = Napi::Error::New(env, e.what());
    error.Set("syscall", Napi::String::New(env, e.syscall()));
    error.Set("errno", Napi::Number::New(env, e.code()));
    throw error;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("cannot map \"") + path + "\": " + e.what());
  }
  const size_t size = mapped->size();
  if (size == 0) return Napi::ArrayBuffer::New(env, 0);
  w2v::MappedFile* raw = mapped.get();
  try {
    // Not reported with AdjustExternalMemory: V8 already counts the mapping's length as
    // external memory, as it does for every ArrayBuffer (pages of the page cache, shared
    // with other processes, look to it like an allocation of that size).
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
        env, raw->data(), size, [](Napi::Env, void*, w2v::MappedFile* file) { delete file; }, raw);
    mapped.release();  // owned by the ArrayBuffer's finalizer from here on
    return buffer;
  } catch (const Napi::Error&) {
    // Runtimes that forbid external buffers (e.g. with the V8 sandbox): copy instead.
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, size);
    std::memcpy(copy.Data(), raw->data(), size);
    return copy;
  }
}

}  // namespace w2v_binding
