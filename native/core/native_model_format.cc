#include "native_model_format.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace w2v {

namespace {

uint32_t readU32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

uint64_t readU64(const unsigned char* p) {
  return static_cast<uint64_t>(readU32(p)) | static_cast<uint64_t>(readU32(p + 4)) << 32;
}

std::string num(uint64_t v) { return std::to_string(v); }

std::string hexBytes(const unsigned char* p, size_t n) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, i == 0 ? "%02x" : " %02x", p[i]);
    out += buf;
  }
  return out;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

/// "bytes 128 to 4127" (inclusive), or "empty, at byte 128".
std::string range(uint64_t offset, uint64_t length) {
  if (length == 0) return "empty, at byte " + num(offset);
  // offset + length may overflow for a hostile header: say so rather than wrap.
  if (length - 1 > UINT64_MAX - offset) return "bytes " + num(offset) + " to beyond 2^64";
  return "bytes " + num(offset) + " to " + num(offset + length - 1);
}

struct SectionSpec {
  const char* name;
  NativeModelSection* section;
  size_t fieldOffset;  // where the section's offset field is in the header
  bool present;
  uint64_t expectedLength;
  uint64_t alignment;
};

}  // namespace

namespace {

// Each step of parseNativeModelHeader returns the error, or an empty string.

/// The magic, version, flags, word count and dim, checked; then the file size and the
/// sections' offsets and lengths, as they are.
std::string readHeaderFields(const unsigned char* data, size_t size, NativeModelHeader& h) {
  if (size == 0 || data == nullptr) return "native model file is empty";
  if (size < sizeof kNativeModelMagic || std::memcmp(data, kNativeModelMagic, sizeof kNativeModelMagic) != 0) {
    const size_t n = std::min(size, sizeof kNativeModelMagic);
    return "native model magic bytes at byte offset 0 are " + hexBytes(data, n) + ", expected " +
           hexBytes(kNativeModelMagic, sizeof kNativeModelMagic);
  }
  if (size < kNativeModelHeaderBytes) {
    return "native model header is truncated: the file has " + num(size) + " bytes, the header needs " +
           num(kNativeModelHeaderBytes);
  }
  h.version = readU32(data + 8);
  if (h.version != kNativeModelVersion) {
    return "native model version " + num(h.version) + " at byte offset 8 is not supported (this reader knows version " +
           num(kNativeModelVersion) + ")";
  }
  h.flags = readU32(data + 12);
  const uint32_t known = kNativeModelHasOutputVectors | kNativeModelHasCounts;
  if ((h.flags & ~known) != 0) {
    return "native model flags " + hex32(h.flags) + " at byte offset 12 have unknown bits " + hex32(h.flags & ~known);
  }
  h.words = readU64(data + 16);
  if (h.words > kNativeModelMaxWords) {
    return "native model word count " + num(h.words) + " at byte offset 16 exceeds the maximum of " +
           num(kNativeModelMaxWords);
  }
  h.dim = readU32(data + 24);
  if (h.dim < 1 || h.dim > kNativeModelMaxDim) {
    return "native model dimension " + num(h.dim) + " at byte offset 24 must be from 1 to " + num(kNativeModelMaxDim);
  }
  h.fileSize = readU64(data + 32);
  h.inputVectors = {readU64(data + 40), readU64(data + 48)};
  h.outputVectors = {readU64(data + 56), readU64(data + 64)};
  h.counts = {readU64(data + 72), readU64(data + 80)};
  h.vocabulary = {readU64(data + 88), readU64(data + 96)};
  return "";
}

/// The declared file size against the real one; when the file is short, which section it cuts.
std::string fileSizeError(const NativeModelHeader& h, const SectionSpec (&specs)[4], size_t size) {
  if (h.fileSize == size) return "";
  if (size < h.fileSize) {
    std::string cut;
    for (const auto& s : specs) {
      const NativeModelSection& sec = *s.section;
      if (!s.present || sec.length == 0) continue;
      if (sec.offset < size && sec.length > size - sec.offset) {
        cut = "; the " + std::string(s.name) + " section (" + range(sec.offset, sec.length) + ") is cut short";
        break;
      }
      if (sec.offset >= size && cut.empty()) {
        cut = "; the " + std::string(s.name) + " section (" + range(sec.offset, sec.length) + ") is missing";
      }
    }
    return "native model file is truncated: it has " + num(size) + " bytes, the header declares " + num(h.fileSize) +
           " (file size at byte offset 32)" + cut;
  }
  return "native model file has " + num(size) + " bytes, but the header declares " + num(h.fileSize) +
         " (file size at byte offset 32): " + num(size - h.fileSize) + " bytes of trailing data";
}

/// One section's presence, length, offset, alignment and bounds.
std::string sectionError(const SectionSpec& s, const NativeModelHeader& h, size_t size) {
  const NativeModelSection& sec = *s.section;
  const std::string where = std::string("native model ") + s.name + " section (offset at byte offset " +
                            num(s.fieldOffset) + ", length at byte offset " + num(s.fieldOffset + 8) + ")";
  if (!s.present) {
    if (sec.offset != 0 || sec.length != 0) {
      return where + " must be 0 and 0 when its flag is clear, got offset " + num(sec.offset) + " and length " +
             num(sec.length);
    }
    return "";
  }
  if (s.section == &h.vocabulary) {
    // Each word takes at least one byte and its '\n'.
    if (sec.length < 2 * h.words) {
      return where + " has length " + num(sec.length) + ", too short for " + num(h.words) +
             " words (at least 2 bytes each)";
    }
  } else if (sec.length != s.expectedLength) {
    return where + " has length " + num(sec.length) + ", expected " + num(s.expectedLength) + " for " + num(h.words) +
           " words of dimension " + num(h.dim);
  }
  if (sec.offset < kNativeModelHeaderBytes) {
    return where + " starts at " + num(sec.offset) + ", inside the " + num(kNativeModelHeaderBytes) + "-byte header";
  }
  if (sec.offset % s.alignment != 0) {
    return where + " starts at " + num(sec.offset) + ", which is not a multiple of " + num(s.alignment);
  }
  if (sec.offset > size || sec.length > size - sec.offset) {
    return where + " (" + range(sec.offset, sec.length) + ") extends past the end of the file (" + num(size) +
           " bytes)";
  }
  return "";
}

/// The first two present sections that overlap.
std::string overlapError(const SectionSpec (&specs)[4]) {
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = i + 1; j < 4; ++j) {
      const NativeModelSection& a = *specs[i].section;
      const NativeModelSection& b = *specs[j].section;
      if (!specs[i].present || !specs[j].present || a.length == 0 || b.length == 0) continue;
      if (a.offset < b.offset + b.length && b.offset < a.offset + a.length) {
        return std::string("native model sections ") + specs[i].name + " (" + range(a.offset, a.length) + ") and " +
               specs[j].name + " (" + range(b.offset, b.length) + ") overlap";
      }
    }
  }
  return "";
}

}  // namespace

NativeModelParse parseNativeModelHeader(const unsigned char* data, size_t size) {
  NativeModelParse out;
  NativeModelHeader& h = out.header;
  out.error = readHeaderFields(data, size, h);
  if (!out.error.empty()) return out;
  // words <= 2^31 - 1 and dim <= kMaxModelDim: the products below fit in 64 bits.
  const uint64_t vectorBytes = h.words * h.dim * sizeof(float);
  const SectionSpec specs[4] = {
      {"input vectors", &h.inputVectors, 40, true, vectorBytes, kNativeModelVectorAlignment},
      {"output vectors", &h.outputVectors, 56, (h.flags & kNativeModelHasOutputVectors) != 0, vectorBytes,
       kNativeModelVectorAlignment},
      {"counts", &h.counts, 72, (h.flags & kNativeModelHasCounts) != 0, h.words * sizeof(double), sizeof(double)},
      {"vocabulary", &h.vocabulary, 88, true, 0, 1},
  };
  out.error = fileSizeError(h, specs, size);
  for (size_t i = 0; i < 4 && out.error.empty(); ++i) out.error = sectionError(specs[i], h, size);
  if (out.error.empty()) out.error = overlapError(specs);
  return out;
}

std::string checkNativeModelVocabulary(const unsigned char* data, size_t size, const NativeModelHeader& header) {
  const NativeModelSection& v = header.vocabulary;
  if (v.offset > size || v.length > size - v.offset) return "native model vocabulary section lies outside the file";
  const unsigned char* block = data + v.offset;
  const uint64_t length = v.length;
  uint64_t word = 0;
  uint64_t start = 0;
  for (uint64_t i = 0; i < length; ++i) {
    const unsigned char c = block[i];
    if (c == '\n') {
      if (i == start) return "native model vocabulary word " + num(word) + " at byte offset " + num(v.offset + i) + " is empty";
      ++word;
      start = i + 1;
      if (word > header.words) break;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\0') {
      static const char* const names[] = {"a space", "a tab", "a carriage return", "a NUL byte"};
      const char* name = c == ' ' ? names[0] : c == '\t' ? names[1] : c == '\r' ? names[2] : names[3];
      return "native model vocabulary word " + num(word) + " contains " + name + " at byte offset " + num(v.offset + i);
    }
  }
  if (word > header.words) {
    return "native model vocabulary (" + range(v.offset, v.length) + ") holds more than the " + num(header.words) +
           " words the header declares (word count at byte offset 16)";
  }
  if (start != length) {
    return "native model vocabulary word " + num(word) + " at byte offset " + num(v.offset + start) +
           " is not followed by a newline (the section ends at byte offset " + num(v.offset + length) + ")";
  }
  if (word != header.words) {
    return "native model vocabulary (" + range(v.offset, v.length) + ") holds " + num(word) + " words, the header declares " +
           num(header.words) + " (word count at byte offset 16)";
  }
  return "";
}

NativeModelParse parseNativeModel(const unsigned char* data, size_t size) {
  NativeModelParse parse = parseNativeModelHeader(data, size);
  if (parse.ok()) parse.error = checkNativeModelVocabulary(data, size, parse.header);
  return parse;
}

}  // namespace w2v
