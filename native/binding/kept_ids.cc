#include "kept_ids.h"

#include <cstring>
#include <string>

#include "args.h"

namespace w2v_binding {

namespace {

constexpr napi_type_tag kKeptIdsTag = {0x4b1d2c7e9a035f68ULL, 0xd2e84f10b7c6a395ULL};

using Handle = std::shared_ptr<KeptIdStore>;

// A view of `bytes` of the store's memory that keeps the store alive, or a copy.
Napi::ArrayBuffer viewOf(Napi::Env env, const Handle& store, void* data, size_t bytes) {
  auto* hold = new Handle(store);
  try {
    return Napi::ArrayBuffer::New(env, data, bytes, [](Napi::Env, void*, Handle* h) { delete h; }, hold);
  } catch (...) {
    delete hold;
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, bytes);
    std::memcpy(copy.Data(), data, bytes);
    return copy;
  }
}

}  // namespace

std::vector<w2v::KeptIdPart> KeptIdStore::views() const {
  std::vector<w2v::KeptIdPart> out;
  for (const w2v::IdBlocks& ids : parts) out.push_back(w2v::keptIdPart(ids, narrow));
  return out;
}

Napi::Object KeptIdsObject(Napi::Env env, std::shared_ptr<KeptIdStore> store) {
  const size_t width = w2v::IdBlocks::valueWidth(store->narrow);
  const std::vector<w2v::KeptIdPart> views = store->views();
  Napi::Array parts = Napi::Array::New(env, views.size());
  for (size_t p = 0; p < views.size(); ++p) {
    Napi::Array blocks = Napi::Array::New(env, views[p].size());
    for (size_t b = 0; b < views[p].size(); ++b) {
      const size_t n = views[p][b].count;
      Napi::ArrayBuffer buffer = viewOf(env, store, const_cast<void*>(views[p][b].data), n * width);
      blocks.Set(static_cast<uint32_t>(b), store->narrow ? static_cast<Napi::Value>(Napi::Uint16Array::New(env, n, buffer, 0))
                                                         : static_cast<Napi::Value>(Napi::Int32Array::New(env, n, buffer, 0)));
    }
    Napi::Object part = Napi::Object::New(env);
    part.Set("blocks", blocks);
    part.Set("length", Napi::Number::New(env, static_cast<double>(store->parts[p].length)));
    parts.Set(static_cast<uint32_t>(p), part);
  }
  Napi::External<Handle> handle =
      Napi::External<Handle>::New(env, new Handle(store), [](Napi::Env, Handle* h) { delete h; });
  handle.TypeTag(&kKeptIdsTag);
  Napi::Object result = Napi::Object::New(env);
  result.Set("handle", handle);
  result.Set("narrow", store->narrow);
  result.Set("parts", parts);
  return result;
}

std::shared_ptr<const KeptIdStore> KeptIdsOf(const Napi::Value& handle, const char* name) {
  if (!handle.IsExternal() || !handle.As<Napi::External<Handle>>().CheckTypeTag(&kKeptIdsTag))
    throwType(handle.Env(), std::string(name) + " must be the handle of takeIds()'s kept ids, got " + describe(handle));
  return *handle.As<Napi::External<Handle>>().Data();
}

}  // namespace w2v_binding
