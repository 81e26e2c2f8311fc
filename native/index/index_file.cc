#include "index_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "../core/w2v_limits.h"

namespace w2v {
namespace ann {
namespace {

constexpr char kMagic[8] = {'W', '2', 'V', 'I', 'N', 'D', 'E', 'X'};
constexpr size_t kHashBlock = size_t{4} << 20;
constexpr uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full, P3 = 0x165667B19E3779F9ull,
                   P4 = 0x85EBCA77C2B2AE63ull, P5 = 0x27D4EB2F165667C5ull;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t readU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
inline uint32_t readU32(const uint8_t* p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24; }
inline void writeU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void writeU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

inline uint64_t round64(uint64_t acc, uint64_t input) { return rotl(acc + input * P2, 31) * P1; }
inline uint64_t merge64(uint64_t acc, uint64_t lane) { return (acc ^ round64(0, lane)) * P1 + P4; }

// One stream, xxHash64's structure (4 lanes over 32-byte stripes, then the tail, then the
// avalanche), reading little-endian words whatever the host's order.
uint64_t hashStream(const uint8_t* p, size_t n, uint64_t seed) {
  const uint8_t* end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (; p + 32 <= end; p += 32) {
      v1 = round64(v1, readU64(p));
      v2 = round64(v2, readU64(p + 8));
      v3 = round64(v3, readU64(p + 16));
      v4 = round64(v4, readU64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge64(merge64(merge64(merge64(h, v1), v2), v3), v4);
  } else {
    h = seed + P5;
  }
  h += static_cast<uint64_t>(n);
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round64(0, readU64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ (uint64_t{readU32(p)} * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) h = rotl(h ^ (uint64_t{*p} * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

bool isZero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

std::string sectionError(const char* name, uint64_t offset, uint64_t length, uint64_t fileSize) {
  if (offset < kIndexHeaderBytes) return std::string(name) + " section starts inside the header (offset " + std::to_string(offset) + ")";
  if (offset % kIndexSectionAlignment != 0) return std::string(name) + " section is not aligned (offset " + std::to_string(offset) + ")";
  if (offset > fileSize || length > fileSize - offset)
    return std::string("index file is truncated or corrupted: its ") + name + " section (" + std::to_string(offset) + " + " +
           std::to_string(length) + " bytes) ends past the end of the file (" + std::to_string(fileSize) + " bytes)";
  return "";
}

}  // namespace

uint64_t hashBytes(const uint8_t* data, size_t length, int threads) {
  const size_t blocks = length == 0 ? 0 : (length + kHashBlock - 1) / kHashBlock;
  std::vector<uint8_t> blockHashes(blocks * 8);
  auto hashRange = [&](size_t first, size_t step) {
    for (size_t b = first; b < blocks; b += step) {
      const size_t begin = b * kHashBlock;
      writeU64(&blockHashes[b * 8], hashStream(data + begin, std::min(kHashBlock, length - begin), 0));
    }
  };
  const size_t workers = std::min<size_t>(blocks, static_cast<size_t>(std::max(1, threads)));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < workers; ++t) pool.emplace_back(hashRange, t, workers);
  hashRange(0, std::max<size_t>(workers, 1));
  for (auto& th : pool) th.join();
  return hashStream(blockHashes.data(), blockHashes.size(), static_cast<uint64_t>(length));
}

void StreamHasher::update(const uint8_t* data, size_t length) {
  total_ += length;
  while (length > 0) {
    const size_t take = std::min(length, kHashBlock - block_.size());
    block_.insert(block_.end(), data, data + take);
    data += take;
    length -= take;
    if (block_.size() == kHashBlock) {
      uint8_t h[8];
      writeU64(h, hashStream(block_.data(), block_.size(), 0));
      blockHashes_.insert(blockHashes_.end(), h, h + 8);
      block_.clear();
    }
  }
}

uint64_t StreamHasher::finish() {
  if (!block_.empty()) {
    uint8_t h[8];
    writeU64(h, hashStream(block_.data(), block_.size(), 0));
    blockHashes_.insert(blockHashes_.end(), h, h + 8);
    block_.clear();
  }
  return hashStream(blockHashes_.data(), blockHashes_.size(), total_);
}

uint64_t fingerprintRows(const float* rows, uint64_t count, uint32_t dim, int threads) {
  const uint64_t h = hashBytes(reinterpret_cast<const uint8_t*>(rows), static_cast<size_t>(count * dim * sizeof(float)), threads);
  uint8_t mixed[24];
  writeU64(mixed, h);
  writeU64(mixed + 8, count);
  writeU64(mixed + 16, dim);
  return hashStream(mixed, sizeof mixed, P3);
}

void encodeIndexHeader(const IndexFileHeader& h, uint8_t out[kIndexHeaderBytes]) {
  std::memset(out, 0, kIndexHeaderBytes);
  std::memcpy(out, kMagic, 8);
  writeU32(out + 8, h.version);
  writeU32(out + 12, h.dim);
  out[16] = h.metric;
  out[17] = h.quantization;
  out[18] = h.vectors;
  if (h.version >= 2) out[19] = h.flags;
  uint32_t scaleBits;
  std::memcpy(&scaleBits, &h.i8Scale, 4);
  writeU32(out + 20, scaleBits);
  const uint64_t fields[9] = {h.modelRows,   h.fingerprint, h.payloadOffset, h.payloadLength, h.payloadHash,
                              h.extraOffset, h.extraLength, h.extraHash,     h.fileSize};
  for (int i = 0; i < 9; ++i) writeU64(out + 24 + 8 * i, fields[i]);
  if (h.version >= 2) {
    uint32_t boundBits;
    std::memcpy(&boundBits, &h.normBound, 4);
    writeU32(out + 96, boundBits);
  }
  writeU64(out + 120, hashStream(out, 120, 0));
}

std::string parseIndexHeader(const uint8_t* data, size_t available, uint64_t fileSize, IndexFileHeader* out) {
  if (available < kIndexHeaderBytes || fileSize < kIndexHeaderBytes)
    return "not an index file: " + std::to_string(std::min<uint64_t>(available, fileSize)) + " bytes, shorter than the " +
           std::to_string(kIndexHeaderBytes) + "-byte header";
  if (std::memcmp(data, kMagic, 8) != 0) return "not an index file (no W2VINDEX magic at its start)";
  IndexFileHeader h;
  h.version = readU32(data + 8);
  // The version first: a later version may lay the rest out differently (its header hash too).
  if (h.version < kOldestIndexFileVersion || h.version > kIndexFileVersion)
    return "index file version " + std::to_string(h.version) + " is not supported (this build reads versions " +
           std::to_string(kOldestIndexFileVersion) + " to " + std::to_string(kIndexFileVersion) + ")";
  if (readU64(data + 120) != hashStream(data, 120, 0)) return "index file header is corrupted (its hash does not match)";
  h.dim = readU32(data + 12);
  h.metric = data[16];
  h.quantization = data[17];
  h.vectors = data[18];
  const uint32_t scaleBits = readU32(data + 20);
  std::memcpy(&h.i8Scale, &scaleBits, 4);
  uint64_t* fields[9] = {&h.modelRows,   &h.fingerprint, &h.payloadOffset, &h.payloadLength, &h.payloadHash,
                         &h.extraOffset, &h.extraLength, &h.extraHash,     &h.fileSize};
  for (int i = 0; i < 9; ++i) *fields[i] = readU64(data + 24 + 8 * i);
  const bool v2 = h.version >= 2;
  if (v2) {
    h.flags = data[19];
    const uint32_t boundBits = readU32(data + 96);
    std::memcpy(&h.normBound, &boundBits, 4);
  }
  if ((!v2 && data[19] != 0) || !isZero(data + (v2 ? 100 : 96), v2 ? 20 : 24)) return "index file header has unknown fields set";
  const uint8_t knownFlags = h.version >= 3 ? kIndexFlagDotTransform | kIndexFlagLists : kIndexFlagDotTransform;
  if ((h.flags & ~knownFlags) != 0) return "index file header has unknown flags set (" + std::to_string(h.flags) + ")";
  if ((h.flags & kIndexFlagLists) != 0 && (h.flags & kIndexFlagDotTransform) != 0)
    return "index file has both the dot transform flag and the inverted lists flag";
  if (h.dim < 1 || h.dim > static_cast<uint32_t>(kMaxModelDim))
    return "index file dim " + std::to_string(h.dim) + " is out of range [1, " + std::to_string(kMaxModelDim) + "]";
  if (h.metric < 1 || h.metric > 2) return "index file metric " + std::to_string(h.metric) + " is unknown";
  if (h.quantization < 1 || h.quantization > 3) return "index file quantization " + std::to_string(h.quantization) + " is unknown";
  if (h.vectors < 1 || h.vectors > 3) return "index file vector kind " + std::to_string(h.vectors) + " is unknown";
  const bool i8 = h.quantization == 3;
  if (i8 ? !(std::isfinite(h.i8Scale) && h.i8Scale > 0) : h.i8Scale != 0)
    return "index file i8 scale " + std::to_string(h.i8Scale) + " is invalid";
  // The dot transform: for dot over f32 or f16 only; its norm bound a finite R >= 0, else 0.
  const bool transformed = (h.flags & kIndexFlagDotTransform) != 0;
  if (transformed && (h.metric != 2 || i8)) return "index file has the dot transform flag on a cosine or i8 index";
  if (transformed ? !(std::isfinite(h.normBound) && h.normBound >= 0) : h.normBound != 0)
    return "index file norm bound " + std::to_string(h.normBound) + " is invalid";
  if (h.modelRows > static_cast<uint64_t>(kMaxVocabSize))
    return "index file model rows " + std::to_string(h.modelRows) + " is out of range";
  if (h.fileSize != fileSize)
    return "index file is truncated or corrupted: its header says " + std::to_string(h.fileSize) + " bytes, the file has " +
           std::to_string(fileSize);
  if (h.payloadLength == 0) return "index file has an empty index section";
  std::string e = sectionError("index", h.payloadOffset, h.payloadLength, fileSize);
  if (!e.empty()) return e;
  if (h.extraLength == 0) {
    if (h.extraOffset != 0 || h.extraHash != 0) return "index file's empty extra section has an offset or hash";
  } else {
    e = sectionError("extra", h.extraOffset, h.extraLength, fileSize);
    if (!e.empty()) return e;
    if (h.extraOffset < h.payloadOffset + h.payloadLength && h.payloadOffset < h.extraOffset + h.extraLength)
      return "index file sections overlap";
  }
  *out = h;
  return "";
}

std::string verifyIndexSections(const uint8_t* data, const IndexFileHeader& h, int threads) {
  if (hashBytes(data + h.payloadOffset, static_cast<size_t>(h.payloadLength), threads) != h.payloadHash)
    return "index file is corrupted: its index section does not match its hash";
  if (h.extraLength > 0 && hashBytes(data + h.extraOffset, static_cast<size_t>(h.extraLength), threads) != h.extraHash)
    return "index file is corrupted: its extra section does not match its hash";
  // The bytes between the sections (alignment) are zeros, so that no byte of the file goes unchecked.
  const uint64_t payloadEnd = h.payloadOffset + h.payloadLength;
  if (h.extraLength > 0 && h.extraOffset > payloadEnd && !isZero(data + payloadEnd, static_cast<size_t>(h.extraOffset - payloadEnd)))
    return "index file is corrupted: the padding between its sections is not zero";
  return "";
}

}  // namespace ann
}  // namespace w2v
