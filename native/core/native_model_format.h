// The native model file (".w2vn"): what its header says and whether a file agrees with it.
// Pure functions over (bytes, size), no I/O and no exceptions for bad input, so that they can
// be fuzzed (libFuzzer) and so that a corrupt or hostile header can never make a reader
// allocate or view more than the file holds.
//
// Layout (all integers little-endian; sections are written in this order):
//
//   offset  size  field
//        0     8  magic: 89 57 32 56 4e 0d 0a 1a ("\x89W2VN\r\n\x1a")
//        8     4  version (u32), 1
//       12     4  flags (u32): bit 0 output vectors present, bit 1 counts present
//       16     8  words (u64), at most 2^31 - 1
//       24     4  dim (u32), 1 to 100000
//       28     4  reserved, 0
//       32     8  file size in bytes (u64), the whole file
//       40    16  input vectors section: offset (u64), length (u64)
//       56    16  output vectors section: offset, length (both 0 when absent)
//       72    16  counts section: offset, length (both 0 when absent)
//       88    16  vocabulary section: offset, length
//      104    24  reserved, 0 (ignored by version 1 readers)
//      128        input vectors: words x dim float32, row-major
//                 (zero padding to a multiple of 64)
//                 output vectors: words x dim float32 (when flag bit 0)
//                 (zero padding to a multiple of 64)
//                 counts: words float64 (when flag bit 1)
//                 vocabulary: each word's bytes followed by '\n', in id order
//
// Vector sections start at multiples of 64 bytes (a cache line, and the alignment SIMD loads
// like); counts at a multiple of 8. Words are byte strings (any bytes but '\n', ' ', '\t',
// '\r' and NUL; not necessarily UTF-8), at least one byte long.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "w2v_limits.h"

namespace w2v {

constexpr size_t kNativeModelHeaderBytes = 128;
constexpr uint32_t kNativeModelVersion = 1;
constexpr unsigned char kNativeModelMagic[8] = {0x89, 'W', '2', 'V', 'N', '\r', '\n', 0x1a};
constexpr uint32_t kNativeModelHasOutputVectors = 1u << 0;
constexpr uint32_t kNativeModelHasCounts = 1u << 1;
constexpr uint64_t kNativeModelMaxWords = kMaxVocabSize;
constexpr uint32_t kNativeModelMaxDim = kMaxModelDim;
constexpr uint64_t kNativeModelVectorAlignment = 64;

/// A byte range of the file.
struct NativeModelSection {
  uint64_t offset = 0;
  uint64_t length = 0;
};

/// The decoded header.
struct NativeModelHeader {
  uint32_t version = kNativeModelVersion;
  uint32_t flags = 0;
  uint64_t words = 0;
  uint32_t dim = 0;
  uint64_t fileSize = 0;
  NativeModelSection inputVectors;
  NativeModelSection outputVectors;
  NativeModelSection counts;
  NativeModelSection vocabulary;
};

/// A parsed header, or why the bytes are not a valid native model (error non-empty).
struct NativeModelParse {
  NativeModelHeader header;
  /// Empty when valid; otherwise names the field, its value and its byte offset.
  std::string error;
  bool ok() const { return error.empty(); }
};

/// Decodes and checks the header of a native model file of `size` bytes starting at `data`:
/// magic, version, known flags, word count and dim within limits, the declared file size
/// equal to `size`, every section of the exact length words and dim call for, aligned, after
/// the header, inside the file and not overlapping another. Reads only the first
/// kNativeModelHeaderBytes bytes (fewer when `size` is smaller); never throws for bad input.
NativeModelParse parseNativeModelHeader(const unsigned char* data, size_t size);

/// Checks the vocabulary section of a file whose header parsed: exactly `header.words`
/// words, each non-empty, without forbidden bytes, each followed by '\n'. Returns "" when it
/// is valid, else the problem with its byte offset.
std::string checkNativeModelVocabulary(const unsigned char* data, size_t size, const NativeModelHeader& header);

/// parseNativeModelHeader, then checkNativeModelVocabulary: the whole file validated.
NativeModelParse parseNativeModel(const unsigned char* data, size_t size);

}  // namespace w2v
