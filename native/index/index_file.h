// The index file: our own 128-byte header, then the library's serialized index, then an
// optional "extra" section the caller fills (the TypeScript layer keeps the labels and groups
// of ids there). The header records what the vectors were (the model's row count, dim, input
// or output vectors and a fingerprint of them), how they are stored and searched, and a hash of
// every other byte, so that a file that is truncated, corrupted, from another model or from
// another version is refused with a message instead of being served.
//
// Layout, little-endian:
//   0 magic "W2VINDEX"    8 u32 version     12 u32 dim
//  16 u8 metric (1 cosine, 2 dot)  17 u8 quantization (1 f32, 2 f16, 3 i8)
//  18 u8 vectors (1 input, 2 output, 3 given)  19 u8 flags (version 2; 1: the dot transform;
//  version 3, 2: inverted lists)
//  20 f32 i8 scale (0 unless i8)
//  24 u64 model rows      32 u64 fingerprint of the model's vectors
//  40 u64 payload offset  48 u64 payload length  56 u64 payload hash
//  64 u64 extra offset    72 u64 extra length    80 u64 extra hash
//  88 u64 file size       96 f32 norm bound (version 2; see below)  100 20 zero bytes
// 120 u64 hash of bytes [0, 120)
//
// Version 2 adds the flags and the norm bound: a dot index over f32 or f16 rows built with
// AnnIndex's dot transform (flag 1) stores unit rows one value longer, and the norm bound is
// the R it divides rows by (0 for an index saved empty); without the flag both are 0. Version
// 3 adds flag 2: the index section holds inverted lists (IvfLists' payload), not a graph
// (never with flag 1). Versions 1 (neither field) and 2 are still read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace w2v {
namespace ann {

constexpr uint32_t kIndexFileVersion = 3;
/// The oldest version this build reads.
constexpr uint32_t kOldestIndexFileVersion = 1;
/// Header flags (byte 19, version 2).
constexpr uint8_t kIndexFlagDotTransform = 1;
/// Version 3: the index section is inverted lists.
constexpr uint8_t kIndexFlagLists = 2;
constexpr size_t kIndexHeaderBytes = 128;
/// Sections start at multiples of this.
constexpr uint64_t kIndexSectionAlignment = 64;

enum class VectorKind : uint8_t { kInput = 1, kOutput = 2, kGiven = 3 };

struct IndexFileHeader {
  uint32_t version = kIndexFileVersion;
  uint32_t dim = 0;
  uint8_t metric = 0;
  uint8_t quantization = 0;
  uint8_t vectors = 0;
  /// Version 2: kIndexFlag* bits.
  uint8_t flags = 0;
  float i8Scale = 0;
  /// Version 2: the dot transform's R (see above); 0 otherwise.
  float normBound = 0;
  uint64_t modelRows = 0;
  uint64_t fingerprint = 0;
  uint64_t payloadOffset = 0;
  uint64_t payloadLength = 0;
  uint64_t payloadHash = 0;
  uint64_t extraOffset = 0;
  uint64_t extraLength = 0;
  uint64_t extraHash = 0;
  uint64_t fileSize = 0;
};

/// The 128 header bytes of `h` (its header hash filled in).
void encodeIndexHeader(const IndexFileHeader& h, uint8_t out[kIndexHeaderBytes]);

/// Reads and checks a header against the file's actual size: magic, header hash, version,
/// every field's range, sections inside the file, aligned and apart. Returns "" and fills
/// `out`, or a message saying what is wrong (the file's hashes over its sections are checked
/// by verifyIndexSections once the bytes are at hand).
std::string parseIndexHeader(const uint8_t* data, size_t available, uint64_t fileSize, IndexFileHeader* out);

/// Checks the payload and extra hashes of a whole file in memory (`data` holds h.fileSize
/// bytes), on up to `threads` threads. Returns "" or a message naming the damaged section.
std::string verifyIndexSections(const uint8_t* data, const IndexFileHeader& h, int threads);

/// A 64-bit hash of bytes (xxHash64's mixing, over 4 MiB blocks whose hashes are hashed in
/// turn, so that large inputs hash on several threads). A checksum, not a cryptographic hash.
uint64_t hashBytes(const uint8_t* data, size_t length, int threads);

/// hashBytes of bytes given in pieces (as a file is written).
class StreamHasher {
 public:
  void update(const uint8_t* data, size_t length);
  uint64_t finish();

 private:
  std::vector<uint8_t> block_;
  std::vector<uint8_t> blockHashes_;
  uint64_t total_ = 0;
};

/// The fingerprint an index records of a model's rows: hashBytes of the rows' bytes, mixed
/// with their count and dim.
uint64_t fingerprintRows(const float* rows, uint64_t count, uint32_t dim, int threads);

}  // namespace ann
}  // namespace w2v
