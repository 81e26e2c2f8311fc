// Fuzz target: the native model file parser (native_model_format.h), the first code a
// downloaded .w2vn file reaches. Whatever the bytes, the parser must return, read nothing
// outside them (ASan), and when it accepts a file everything it promises must hold: sections
// inside the file, of the declared sizes, aligned, apart, and a vocabulary of exactly
// `words` well-formed words. When it refuses, the message must say so.
//
// The first byte picks how the rest is read: as a whole file (even), or with the magic,
// version and file size fields patched to valid values (odd), so that mutations reach the
// section checks instead of dying at the magic.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "native_model_format.h"

namespace {

uint64_t u64At(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

void putU64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

void checkAccepted(const unsigned char* data, size_t size, const w2v::NativeModelHeader& h, bool vocabularyChecked) {
  FUZZ_ASSERT(h.fileSize == size, "accepted file size %llu for %zu bytes", (unsigned long long)h.fileSize, size);
  FUZZ_ASSERT(h.version == w2v::kNativeModelVersion, "accepted version %u", h.version);
  FUZZ_ASSERT(h.dim >= 1 && h.dim <= w2v::kNativeModelMaxDim, "accepted dim %u", h.dim);
  FUZZ_ASSERT(h.words <= w2v::kNativeModelMaxWords, "accepted %llu words", (unsigned long long)h.words);
  const uint64_t vectorBytes = h.words * h.dim * 4;
  const bool hasOutput = (h.flags & w2v::kNativeModelHasOutputVectors) != 0;
  const bool hasCounts = (h.flags & w2v::kNativeModelHasCounts) != 0;
  FUZZ_ASSERT((h.flags & ~3u) == 0, "accepted flags %u", h.flags);
  const w2v::NativeModelSection sections[4] = {h.inputVectors, h.outputVectors, h.counts, h.vocabulary};
  const bool present[4] = {true, hasOutput, hasCounts, true};
  const uint64_t lengths[4] = {vectorBytes, hasOutput ? vectorBytes : 0, hasCounts ? h.words * 8 : 0, h.vocabulary.length};
  const uint64_t alignments[4] = {64, 64, 8, 1};
  for (int i = 0; i < 4; ++i) {
    const w2v::NativeModelSection& s = sections[i];
    if (!present[i]) {
      FUZZ_ASSERT(s.offset == 0 && s.length == 0, "absent section %d at %llu+%llu", i, (unsigned long long)s.offset,
                  (unsigned long long)s.length);
      continue;
    }
    FUZZ_ASSERT(s.length == lengths[i], "section %d length %llu", i, (unsigned long long)s.length);
    FUZZ_ASSERT(s.offset >= w2v::kNativeModelHeaderBytes, "section %d inside the header", i);
    FUZZ_ASSERT(s.offset % alignments[i] == 0, "section %d misaligned at %llu", i, (unsigned long long)s.offset);
    FUZZ_ASSERT(s.offset <= size && s.length <= size - s.offset, "section %d outside the file", i);
    for (int j = 0; j < i; ++j) {
      const w2v::NativeModelSection& t = sections[j];
      if (!present[j] || s.length == 0 || t.length == 0) continue;
      FUZZ_ASSERT(s.offset + s.length <= t.offset || t.offset + t.length <= s.offset, "sections %d and %d overlap", j, i);
    }
  }
  if (!vocabularyChecked) return;
  // An independent count of the vocabulary: `words` newline-terminated, non-empty words.
  const unsigned char* v = data + h.vocabulary.offset;
  uint64_t words = 0;
  uint64_t length = 0;
  for (uint64_t i = 0; i < h.vocabulary.length; ++i) {
    const unsigned char c = v[i];
    FUZZ_ASSERT(c != ' ' && c != '\t' && c != '\r' && c != 0, "accepted byte %u in a word", c);
    if (c == '\n') {
      FUZZ_ASSERT(length > 0, "accepted an empty word");
      ++words;
      length = 0;
    } else {
      ++length;
    }
  }
  FUZZ_ASSERT(length == 0, "accepted a vocabulary that does not end with a newline");
  FUZZ_ASSERT(words == h.words, "accepted %llu words for %llu declared", (unsigned long long)words,
              (unsigned long long)h.words);
}

void checkRefused(const std::string& error) {
  FUZZ_ASSERT(error.rfind("native model ", 0) == 0, "error does not say what it is about: %s", error.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    checkRefused(w2v::parseNativeModel(data, 0).error);
    return 0;
  }
  const bool patch = (data[0] & 1) != 0;
  // An exact-size heap copy, so that ASan sees any read past the end.
  std::vector<unsigned char> file(data + 1, data + size);
  if (patch && file.size() >= w2v::kNativeModelHeaderBytes) {
    std::memcpy(file.data(), w2v::kNativeModelMagic, sizeof w2v::kNativeModelMagic);
    file[8] = 1, file[9] = file[10] = file[11] = 0;
    putU64(file.data() + 32, file.size());
  }
  const unsigned char* bytes = file.empty() ? nullptr : file.data();
  const w2v::NativeModelParse header = w2v::parseNativeModelHeader(bytes, file.size());
  const w2v::NativeModelParse whole = w2v::parseNativeModel(bytes, file.size());
  // The whole-file check is the header check and then the vocabulary's.
  FUZZ_ASSERT(header.ok() || whole.error == header.error, "header error \"%s\" but file error \"%s\"",
              header.error.c_str(), whole.error.c_str());
  if (!header.ok()) {
    checkRefused(header.error);
    fuzz::note("refused: %s", header.error.c_str());
    return 0;
  }
  checkAccepted(bytes, file.size(), header.header, false);
  if (!whole.ok()) {
    checkRefused(whole.error);
    fuzz::note("header accepted, refused: %s", whole.error.c_str());
    return 0;
  }
  checkAccepted(bytes, file.size(), whole.header, true);
  FUZZ_ASSERT(u64At(bytes + 32) == file.size(), "file size field");
  // Any shorter prefix of an accepted file is refused (the declared size no longer matches).
  const w2v::NativeModelParse cut = w2v::parseNativeModel(bytes, file.size() - 1);
  FUZZ_ASSERT(!cut.ok(), "accepted the file less its last byte");
  checkRefused(cut.error);
  fuzz::note("accepted: %llu words of dim %u, flags %u", static_cast<unsigned long long>(whole.header.words),
             whole.header.dim, whole.header.flags);
  return 0;
}
