// Fuzz target: the index file checks (native/index/index_file.h), the first code an index file
// from disk reaches (AnnIndex::open). Whatever the bytes, parseIndexHeader and
// verifyIndexSections must return and read nothing outside them (ASan), and a header that is
// accepted must keep every promise: known field values, the real file size, sections inside
// the file, aligned and apart; encoding it again gives the same 128 bytes, and the file less
// its last byte is refused. A refusal must say what it is about.
//
// The first byte picks how the rest is read. Bit 0 clear: as a whole file. Set: with the magic,
// version and file size patched to valid values and the header hash recomputed, so that
// mutations reach the field and section checks instead of dying at the hash (bit 4 picks the
// version patched in: set, the oldest this build reads; clear, the current). Bit 1: once a
// header is accepted, the padding between its sections is zeroed and its section hashes are
// recomputed too, and then the sections must verify.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "index_file.h"
#include "w2v_limits.h"
#include "../common/xxh64_reference.h"

using w2v::ann::IndexFileHeader;
using w2v::ann::kIndexHeaderBytes;

namespace {

void putU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

using xxh64_reference::xxh64;

void checkSection(const char* name, uint64_t offset, uint64_t length, size_t size) {
  FUZZ_ASSERT(offset >= kIndexHeaderBytes, "%s section at %llu, inside the header", name, (unsigned long long)offset);
  FUZZ_ASSERT(offset % w2v::ann::kIndexSectionAlignment == 0, "%s section misaligned at %llu", name, (unsigned long long)offset);
  FUZZ_ASSERT(offset <= size && length <= size - offset, "%s section %llu + %llu outside the file of %zu bytes", name,
              (unsigned long long)offset, (unsigned long long)length, size);
}

void checkAccepted(const std::vector<uint8_t>& file, const IndexFileHeader& h) {
  const size_t size = file.size();
  FUZZ_ASSERT(h.version >= w2v::ann::kOldestIndexFileVersion && h.version <= w2v::ann::kIndexFileVersion, "accepted version %u", h.version);
  // Version 2's flags and norm bound: the dot transform only on dot over f32 or f16, its R finite
  // and >= 0; without it (and in version 1) both zero. Version 3's inverted lists flag: never
  // with the dot transform, never in an older version.
  const uint8_t known = h.version >= 3 ? w2v::ann::kIndexFlagDotTransform | w2v::ann::kIndexFlagLists : w2v::ann::kIndexFlagDotTransform;
  FUZZ_ASSERT((h.flags & ~known) == 0, "accepted flags %u in version %u", h.flags, h.version);
  FUZZ_ASSERT((h.flags & (w2v::ann::kIndexFlagDotTransform | w2v::ann::kIndexFlagLists)) !=
                  (w2v::ann::kIndexFlagDotTransform | w2v::ann::kIndexFlagLists),
              "accepted both the dot transform and the inverted lists");
  FUZZ_ASSERT(h.version >= 2 || (h.flags == 0 && h.normBound == 0), "accepted version 1 with flags %u, norm bound %g", h.flags,
              static_cast<double>(h.normBound));
  if ((h.flags & w2v::ann::kIndexFlagDotTransform) != 0)
    FUZZ_ASSERT(h.metric == 2 && h.quantization != 3 && std::isfinite(h.normBound) && h.normBound >= 0,
                "accepted the dot transform on metric %u, quantization %u, norm bound %g", h.metric, h.quantization, static_cast<double>(h.normBound));
  else
    FUZZ_ASSERT(h.normBound == 0, "accepted norm bound %g without the dot transform", static_cast<double>(h.normBound));
  FUZZ_ASSERT(h.dim >= 1 && h.dim <= static_cast<uint32_t>(w2v::kMaxModelDim), "accepted dim %u", h.dim);
  FUZZ_ASSERT(h.metric >= 1 && h.metric <= 2, "accepted metric %u", h.metric);
  FUZZ_ASSERT(h.quantization >= 1 && h.quantization <= 3, "accepted quantization %u", h.quantization);
  FUZZ_ASSERT(h.vectors >= 1 && h.vectors <= 3, "accepted vector kind %u", h.vectors);
  if (h.quantization == 3)
    FUZZ_ASSERT(std::isfinite(h.i8Scale) && h.i8Scale > 0, "accepted i8 scale %g", static_cast<double>(h.i8Scale));
  else
    FUZZ_ASSERT(h.i8Scale == 0, "accepted i8 scale %g without i8", static_cast<double>(h.i8Scale));
  FUZZ_ASSERT(h.modelRows <= static_cast<uint64_t>(w2v::kMaxVocabSize), "accepted %llu model rows", (unsigned long long)h.modelRows);
  FUZZ_ASSERT(h.fileSize == size, "accepted file size %llu for %zu bytes", (unsigned long long)h.fileSize, size);
  FUZZ_ASSERT(h.payloadLength > 0, "accepted an empty index section");
  checkSection("index", h.payloadOffset, h.payloadLength, size);
  if (h.extraLength == 0) {
    FUZZ_ASSERT(h.extraOffset == 0 && h.extraHash == 0, "empty extra section at %llu", (unsigned long long)h.extraOffset);
  } else {
    checkSection("extra", h.extraOffset, h.extraLength, size);
    FUZZ_ASSERT(h.extraOffset + h.extraLength <= h.payloadOffset || h.payloadOffset + h.payloadLength <= h.extraOffset,
                "sections overlap");
  }
  // Every accepted header is the one encoding of its fields (unknown bytes zero, hash valid).
  uint8_t again[kIndexHeaderBytes];
  w2v::ann::encodeIndexHeader(h, again);
  FUZZ_ASSERT(std::memcmp(again, file.data(), kIndexHeaderBytes) == 0, "the accepted header encodes to other bytes");
  IndexFileHeader cut;
  FUZZ_ASSERT(!w2v::ann::parseIndexHeader(file.data(), size - 1, size - 1, &cut).empty(), "accepted the file less its last byte");
}

bool sameFields(const IndexFileHeader& a, const IndexFileHeader& b) {
  return a.version == b.version && a.dim == b.dim && a.metric == b.metric && a.quantization == b.quantization && a.vectors == b.vectors &&
         a.flags == b.flags && a.normBound == b.normBound && a.i8Scale == b.i8Scale && a.modelRows == b.modelRows && a.fingerprint == b.fingerprint && a.payloadOffset == b.payloadOffset &&
         a.payloadLength == b.payloadLength && a.payloadHash == b.payloadHash && a.extraOffset == b.extraOffset &&
         a.extraLength == b.extraLength && a.extraHash == b.extraHash && a.fileSize == b.fileSize;
}

void checkRefused(const std::string& error) {
  // "index section ..." and "extra section ..." are the section messages (sectionError).
  const bool named = error.rfind("not an index file", 0) == 0 || error.rfind("index file", 0) == 0 ||
                     error.rfind("index section ", 0) == 0 || error.rfind("extra section ", 0) == 0;
  FUZZ_ASSERT(named, "error does not say what it is about: \"%s\"", error.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t mode = size > 0 ? data[0] : 0;
  // An exact-size heap copy, so that ASan sees any read past the end.
  std::vector<uint8_t> file(size > 0 ? data + 1 : data, data + size);
  if ((mode & 1) != 0 && file.size() >= kIndexHeaderBytes) {
    std::memcpy(file.data(), "W2VINDEX", 8);
    file[8] = static_cast<uint8_t>((mode & 16) != 0 ? w2v::ann::kOldestIndexFileVersion : w2v::ann::kIndexFileVersion);
    file[9] = file[10] = file[11] = 0;
    putU64(&file[88], file.size());
    putU64(&file[120], xxh64(file.data(), 120, 0));
  }
  const uint8_t* bytes = file.empty() ? nullptr : file.data();
  IndexFileHeader h;
  const std::string error = w2v::ann::parseIndexHeader(bytes, file.size(), file.size(), &h);
  // The header alone (its own exact-size copy) with the file's size apart: the same answer.
  const std::vector<uint8_t> head(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(std::min(file.size(), kIndexHeaderBytes)));
  IndexFileHeader fromHead;
  const std::string headError = w2v::ann::parseIndexHeader(head.empty() ? nullptr : head.data(), head.size(), file.size(), &fromHead);
  FUZZ_ASSERT(headError == error, "header alone: \"%s\", whole file: \"%s\"", headError.c_str(), error.c_str());
  if (!error.empty()) {
    checkRefused(error);
    fuzz::note("refused: %s", error.c_str());
    return 0;
  }
  FUZZ_ASSERT(sameFields(fromHead, h), "the header alone reads other fields");
  checkAccepted(file, h);
  if ((mode & 2) != 0) {
    // The writer's zeros between the sections, then the sections' hashes.
    const uint64_t payloadEnd = h.payloadOffset + h.payloadLength;
    if (h.extraLength > 0 && h.extraOffset > payloadEnd)
      std::fill(file.begin() + static_cast<std::ptrdiff_t>(payloadEnd), file.begin() + static_cast<std::ptrdiff_t>(h.extraOffset), 0);
    h.payloadHash = w2v::ann::hashBytes(bytes + h.payloadOffset, static_cast<size_t>(h.payloadLength), 1);
    if (h.extraLength > 0) h.extraHash = w2v::ann::hashBytes(bytes + h.extraOffset, static_cast<size_t>(h.extraLength), 1);
    w2v::ann::encodeIndexHeader(h, file.data());
    IndexFileHeader rehashed;
    FUZZ_ASSERT(w2v::ann::parseIndexHeader(bytes, file.size(), file.size(), &rehashed).empty(), "refused after rehashing");
    FUZZ_ASSERT(w2v::ann::verifyIndexSections(bytes, rehashed, 2).empty(), "sections refused after rehashing");
  }
  const std::string sections = w2v::ann::verifyIndexSections(bytes, h, 1 + (mode >> 2) % 4);
  FUZZ_ASSERT(sections.empty() || sections == "index file is corrupted: its index section does not match its hash" ||
                  sections == "index file is corrupted: its extra section does not match its hash" ||
                  sections == "index file is corrupted: the padding between its sections is not zero",
              "section error \"%s\"", sections.c_str());
  fuzz::note("accepted: dim %u, metric %u, quantization %u, index %llu bytes, extra %llu bytes; sections: %s", h.dim, h.metric,
             h.quantization, (unsigned long long)h.payloadLength, (unsigned long long)h.extraLength,
             sections.empty() ? "verified" : sections.c_str());
  return 0;
}
