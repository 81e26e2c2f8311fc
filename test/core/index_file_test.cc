// The index file header (native/index/index_file.h) on files built here byte by byte: every
// field round-trips at its documented offset, every kind of damage is refused with a message
// naming it, the section hashes catch any flipped byte, and the block hash is the same however
// its input is cut into pieces or threads. An independent xxHash64 (checked against published
// digests) pins the hash the format uses, so that a changed hash cannot pass as compatible.
// Last, files written by AnnIndex::save and then damaged are refused by AnnIndex::open.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "ann_index.h"
#include "check.h"
#include "index_file.h"
#include "random.h"
#include "../common/xxh64_reference.h"

using w2v::ann::IndexFileHeader;
using w2v::ann::kIndexHeaderBytes;

namespace {

uint64_t readU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}
uint32_t readU32(const uint8_t* p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24; }
void putU64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void putU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

using xxh64_reference::xxh64;

/// Rewrites the header hash of a header whose bytes were patched by hand.
void rehash(std::vector<uint8_t>& file) { putU64(&file[120], xxh64(file.data(), 120, 0)); }

std::vector<uint8_t> randomBytes(size_t n, uint64_t seed) {
  w2v::Random r(seed);
  std::vector<uint8_t> b(n);
  for (auto& x : b) x = static_cast<uint8_t>(r.next() >> 56);
  return b;
}

constexpr uint64_t kPayloadLength = 1000;
constexpr uint64_t kExtraOffset = 1152;  // 128 + 1000 rounded up to 64
constexpr uint64_t kExtraLength = 50;
constexpr uint64_t kFileSize = kExtraOffset + kExtraLength;

/// A valid i8 file: header, 1000 payload bytes, padding, 50 extra bytes.
std::vector<uint8_t> buildFile(IndexFileHeader* out = nullptr) {
  std::vector<uint8_t> file(kFileSize, 0);
  const std::vector<uint8_t> payload = randomBytes(kPayloadLength, 1), extra = randomBytes(kExtraLength, 2);
  std::memcpy(&file[128], payload.data(), payload.size());
  std::memcpy(&file[kExtraOffset], extra.data(), extra.size());
  IndexFileHeader h;
  h.dim = 300;
  h.metric = 2;
  h.quantization = 3;
  h.vectors = 2;
  h.i8Scale = 12.5f;
  h.modelRows = 71290;
  h.fingerprint = 0x0123456789abcdefull;
  h.payloadOffset = 128;
  h.payloadLength = kPayloadLength;
  h.payloadHash = w2v::ann::hashBytes(payload.data(), payload.size(), 1);
  h.extraOffset = kExtraOffset;
  h.extraLength = kExtraLength;
  h.extraHash = w2v::ann::hashBytes(extra.data(), extra.size(), 1);
  h.fileSize = kFileSize;
  w2v::ann::encodeIndexHeader(h, file.data());
  if (out != nullptr) *out = h;
  return file;
}

/// The file with `edit` applied to its header fields, encoded again (header hash valid).
template <typename Edit>
std::vector<uint8_t> withHeader(Edit edit) {
  IndexFileHeader h;
  std::vector<uint8_t> file = buildFile(&h);
  edit(h);
  w2v::ann::encodeIndexHeader(h, file.data());
  return file;
}

std::string parse(const std::vector<uint8_t>& file, IndexFileHeader* out = nullptr) {
  IndexFileHeader h;
  return w2v::ann::parseIndexHeader(file.data(), file.size(), file.size(), out != nullptr ? out : &h);
}

bool refused(const std::vector<uint8_t>& file, const std::string& substring) {
  const std::string e = parse(file);
  return CHECK_MSG(e.find(substring) != std::string::npos, "error \"" << e << "\" should contain \"" << substring << "\"");
}

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("w2v_index_file_test_" + std::to_string(getpid()) + "_" + name)).string();
}

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST(index_file_hash_is_xxhash64_of_published_digests) {
  const std::string abc = "abc", nobody = "Nobody inspects the spammish repetition";
  CHECK_EQ(xxh64(nullptr, 0, 0), 0xEF46DB3751D8E999ull);
  CHECK_EQ(xxh64(reinterpret_cast<const uint8_t*>(abc.data()), abc.size(), 0), 0x44BC2CF5AD770999ull);
  CHECK_EQ(xxh64(reinterpret_cast<const uint8_t*>(nobody.data()), nobody.size(), 0), 0xFBCEA83C8A378BF1ull);
  // hashBytes: XXH64 of each 4 MiB block (seed 0), then XXH64 of those hashes seeded with the length.
  for (size_t n : {size_t{0}, size_t{1}, size_t{31}, size_t{32}, size_t{1000}}) {
    const std::vector<uint8_t> b = randomBytes(n, n);
    uint8_t block[8];
    putU64(block, xxh64(b.data(), n, 0));
    const uint64_t want = n == 0 ? xxh64(nullptr, 0, 0) : xxh64(block, 8, n);
    CHECK_MSG(w2v::ann::hashBytes(b.data(), n, 1) == want, "length " << n);
  }
  const std::vector<uint8_t> file = buildFile();
  CHECK_EQ(readU64(&file[120]), xxh64(file.data(), 120, 0));
}

TEST(index_file_header_fields_round_trip_at_their_offsets) {
  IndexFileHeader h;
  const std::vector<uint8_t> file = buildFile(&h);
  CHECK(std::memcmp(file.data(), "W2VINDEX", 8) == 0);
  CHECK_EQ(readU32(&file[8]), w2v::ann::kIndexFileVersion);
  CHECK_EQ(readU32(&file[12]), 300u);
  CHECK_EQ(int{file[16]}, 2);
  CHECK_EQ(int{file[17]}, 3);
  CHECK_EQ(int{file[18]}, 2);
  CHECK_EQ(int{file[19]}, 0);
  float scale;
  std::memcpy(&scale, &file[20], 4);
  CHECK_EQ(scale, 12.5f);
  const uint64_t want[9] = {71290, 0x0123456789abcdefull, 128, kPayloadLength, h.payloadHash, kExtraOffset, kExtraLength, h.extraHash, kFileSize};
  for (int i = 0; i < 9; ++i) CHECK_MSG(readU64(&file[24 + 8 * i]) == want[i], "field at byte " << 24 + 8 * i);
  for (int i = 96; i < 120; ++i) CHECK_EQ(int{file[i]}, 0);

  IndexFileHeader got;
  CHECK_EQ(parse(file, &got), std::string());
  CHECK_EQ(got.version, h.version);
  CHECK_EQ(got.dim, h.dim);
  CHECK_EQ(int{got.metric}, int{h.metric});
  CHECK_EQ(int{got.quantization}, int{h.quantization});
  CHECK_EQ(int{got.vectors}, int{h.vectors});
  CHECK_EQ(got.i8Scale, h.i8Scale);
  CHECK_EQ(got.modelRows, h.modelRows);
  CHECK_EQ(got.fingerprint, h.fingerprint);
  CHECK_EQ(got.payloadOffset, h.payloadOffset);
  CHECK_EQ(got.payloadLength, h.payloadLength);
  CHECK_EQ(got.payloadHash, h.payloadHash);
  CHECK_EQ(got.extraOffset, h.extraOffset);
  CHECK_EQ(got.extraLength, h.extraLength);
  CHECK_EQ(got.extraHash, h.extraHash);
  CHECK_EQ(got.fileSize, h.fileSize);
  CHECK_EQ(w2v::ann::verifyIndexSections(file.data(), got, 2), std::string());

  // Every other valid value of the small fields, and no extra section.
  for (uint8_t metric : {1, 2})
    for (uint8_t quantization : {1, 2, 3})
      for (uint8_t vectors : {1, 2, 3}) {
        const auto f = withHeader([&](IndexFileHeader& e) {
          e.metric = metric, e.quantization = quantization, e.vectors = vectors;
          e.i8Scale = quantization == 3 ? 0.25f : 0.0f;
          e.extraOffset = e.extraLength = e.extraHash = 0;
          e.dim = quantization;
        });
        CHECK_EQ(parse(f, &got), std::string());
        CHECK(got.metric == metric && got.quantization == quantization && got.vectors == vectors && got.dim == quantization);
      }

  // Version 2's norm bound (dot over f32 or f16), at byte 96; version 1 (no norm bound) still reads.
  const auto dot = withHeader([](IndexFileHeader& e) { e.quantization = 1, e.i8Scale = 0, e.flags = 1, e.normBound = 6.5f; });
  CHECK_EQ(int{dot[19]}, 1);
  float bound;
  std::memcpy(&bound, &dot[96], 4);
  CHECK_EQ(bound, 6.5f);
  for (int i = 100; i < 120; ++i) CHECK_EQ(int{dot[i]}, 0);
  CHECK_EQ(parse(dot, &got), std::string());
  CHECK(got.version == 3 && got.flags == 1 && got.normBound == 6.5f);
  // Version 3's inverted lists flag.
  const auto lists = withHeader([](IndexFileHeader& e) { e.flags = 2; });
  CHECK_EQ(int{lists[19]}, 2);
  CHECK_EQ(parse(lists, &got), std::string());
  CHECK(got.version == 3 && got.flags == 2);
  // Version 2 (no lists flag) still reads.
  const auto two = withHeader([](IndexFileHeader& e) { e.version = 2, e.quantization = 1, e.i8Scale = 0, e.flags = 1, e.normBound = 2; });
  CHECK_EQ(parse(two, &got), std::string());
  CHECK(got.version == 2 && got.flags == 1);
  const auto old = withHeader([](IndexFileHeader& e) { e.version = 1, e.quantization = 1, e.i8Scale = 0; });
  CHECK_EQ(parse(old, &got), std::string());
  CHECK(got.version == 1 && got.flags == 0 && got.normBound == 0 && got.metric == 2);
}

TEST(index_file_refuses_short_foreign_and_other_version_files) {
  const std::vector<uint8_t> file = buildFile();
  IndexFileHeader h;
  CHECK(w2v::ann::parseIndexHeader(file.data(), 127, file.size(), &h).find("127 bytes, shorter than the 128-byte header") != std::string::npos);
  CHECK(w2v::ann::parseIndexHeader(file.data(), file.size(), 100, &h).find("100 bytes, shorter") != std::string::npos);
  CHECK(w2v::ann::parseIndexHeader(nullptr, 0, 0, &h).find("0 bytes, shorter") != std::string::npos);
  std::vector<uint8_t> f = file;
  f[3] = 'i';
  refused(f, "no W2VINDEX magic");
  // The version is read before the hash: a later version may hash its header differently.
  f = file;
  putU32(&f[8], 4);
  refused(f, "index file version 4 is not supported (this build reads versions 1 to 3)");
  putU32(&f[8], 0);
  refused(f, "version 0 is not supported");
  // Any other changed byte of the header breaks its hash.
  for (size_t at = 12; at < kIndexHeaderBytes; ++at) {
    f = file;
    f[at] ^= 0x10;
    CHECK_MSG(parse(f).find("index file header is corrupted (its hash does not match)") != std::string::npos,
              "byte " << at << ": " << parse(f));
  }
}

TEST(index_file_refuses_fields_out_of_range) {
  refused(withHeader([](IndexFileHeader& h) { h.metric = 0; }), "index file metric 0 is unknown");
  refused(withHeader([](IndexFileHeader& h) { h.metric = 3; }), "index file metric 3 is unknown");
  refused(withHeader([](IndexFileHeader& h) { h.quantization = 0; }), "index file quantization 0 is unknown");
  refused(withHeader([](IndexFileHeader& h) { h.quantization = 4; }), "index file quantization 4 is unknown");
  refused(withHeader([](IndexFileHeader& h) { h.vectors = 0; }), "index file vector kind 0 is unknown");
  refused(withHeader([](IndexFileHeader& h) { h.vectors = 255; }), "index file vector kind 255 is unknown");
  refused(withHeader([](IndexFileHeader& h) { h.dim = 0; }), "index file dim 0 is out of range");
  refused(withHeader([](IndexFileHeader& h) { h.dim = 100001; }), "index file dim 100001 is out of range");
  refused(withHeader([](IndexFileHeader& h) { h.modelRows = uint64_t{1} << 31; }), "index file model rows 2147483648 is out of range");
  for (float scale : {0.0f, -1.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()})
    refused(withHeader([&](IndexFileHeader& h) { h.i8Scale = scale; }), "index file i8 scale");
  refused(withHeader([](IndexFileHeader& h) { h.quantization = 1, h.i8Scale = 1; }), "index file i8 scale 1.000000 is invalid");
  refused(withHeader([](IndexFileHeader& h) { h.quantization = 2, h.i8Scale = -0.5f; }), "i8 scale");
  // The dot transform: on dot over f32 or f16 only, its norm bound finite and >= 0; without it 0.
  for (float bound : {-1.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()})
    refused(withHeader([&](IndexFileHeader& h) { h.quantization = 1, h.i8Scale = 0, h.flags = 1, h.normBound = bound; }), "index file norm bound");
  refused(withHeader([](IndexFileHeader& h) { h.quantization = 1, h.i8Scale = 0, h.normBound = 1; }), "index file norm bound 1.000000 is invalid");
  refused(withHeader([](IndexFileHeader& h) { h.flags = 1, h.normBound = 1; }), "dot transform flag on a cosine or i8 index");  // i8
  refused(withHeader([](IndexFileHeader& h) { h.metric = 1, h.quantization = 2, h.i8Scale = 0, h.flags = 1, h.normBound = 2; }),
          "dot transform flag on a cosine or i8 index");
  refused(withHeader([](IndexFileHeader& h) { h.flags = 4; }), "index file header has unknown flags set (4)");
  refused(withHeader([](IndexFileHeader& h) { h.version = 2, h.flags = 2; }), "index file header has unknown flags set (2)");
  refused(withHeader([](IndexFileHeader& h) { h.metric = 2, h.quantization = 1, h.i8Scale = 0, h.flags = 3, h.normBound = 1; }),
          "both the dot transform flag and the inverted lists flag");
  // Unknown fields: bytes [100, 120) (version 1: byte 19 and [96, 120)), set with a valid header hash.
  for (size_t at : {size_t{100}, size_t{107}, size_t{119}}) {
    std::vector<uint8_t> f = buildFile();
    f[at] = 1;
    rehash(f);
    CHECK_MSG(parse(f) == "index file header has unknown fields set", "byte " << at << ": " << parse(f));
  }
  for (size_t at : {size_t{19}, size_t{96}}) {
    std::vector<uint8_t> old = withHeader([](IndexFileHeader& h) { h.version = 1; });
    CHECK_EQ(parse(old), std::string());
    old[at] = 1;
    rehash(old);
    CHECK_MSG(parse(old) == "index file header has unknown fields set", "version 1, byte " << at << ": " << parse(old));
  }
}

TEST(index_file_refuses_wrong_sizes_and_sections) {
  const std::vector<uint8_t> file = buildFile();
  IndexFileHeader h;
  std::vector<uint8_t> cut(file.begin(), file.end() - 1);
  CHECK(w2v::ann::parseIndexHeader(cut.data(), cut.size(), cut.size(), &h) ==
        "index file is truncated or corrupted: its header says 1202 bytes, the file has 1201");
  // Only the header at hand, the file's real size given apart.
  CHECK_EQ(w2v::ann::parseIndexHeader(file.data(), kIndexHeaderBytes, file.size(), &h), std::string());
  CHECK(w2v::ann::parseIndexHeader(file.data(), kIndexHeaderBytes, file.size() + 64, &h).find("truncated") != std::string::npos);
  refused(withHeader([](IndexFileHeader& e) { e.fileSize = 5000; }), "its header says 5000 bytes, the file has 1202");
  refused(withHeader([](IndexFileHeader& e) { e.payloadLength = 0; }), "index file has an empty index section");
  refused(withHeader([](IndexFileHeader& e) { e.payloadLength = kFileSize; }), "its index section (128 + 1202 bytes) ends past the end of the file (1202 bytes)");
  refused(withHeader([](IndexFileHeader& e) { e.payloadLength = UINT64_MAX; }), "ends past the end of the file");
  refused(withHeader([](IndexFileHeader& e) { e.payloadOffset = UINT64_MAX - 63; }), "ends past the end of the file");
  refused(withHeader([](IndexFileHeader& e) { e.extraLength = 51; }), "its extra section (1152 + 51 bytes) ends past the end");
  refused(withHeader([](IndexFileHeader& e) { e.extraOffset = 1216; }), "extra section (1216 + 50 bytes) ends past the end");
  refused(withHeader([](IndexFileHeader& e) { e.payloadOffset = 0; }), "index section starts inside the header (offset 0)");
  refused(withHeader([](IndexFileHeader& e) { e.payloadOffset = 64; }), "index section starts inside the header (offset 64)");
  refused(withHeader([](IndexFileHeader& e) { e.payloadOffset = 136; }), "index section is not aligned (offset 136)");
  refused(withHeader([](IndexFileHeader& e) { e.extraOffset = 1153, e.extraLength = 49; }), "extra section is not aligned (offset 1153)");
  refused(withHeader([](IndexFileHeader& e) { e.extraOffset = 64; }), "extra section starts inside the header");
  refused(withHeader([](IndexFileHeader& e) { e.extraOffset = 1088; }), "index file sections overlap");
  refused(withHeader([](IndexFileHeader& e) { e.extraOffset = 128; }), "index file sections overlap");
  // The extra section first, the index section after it, each inside the other's bounds.
  refused(withHeader([](IndexFileHeader& e) { e.payloadOffset = 192, e.payloadLength = 1000, e.extraOffset = 128, e.extraLength = 65; }),
          "index file sections overlap");
  CHECK_EQ(parse(withHeader([](IndexFileHeader& e) { e.payloadOffset = 192, e.payloadLength = 1000, e.extraOffset = 128, e.extraLength = 64; })),
           std::string());
  refused(withHeader([](IndexFileHeader& e) { e.extraLength = 0; }), "index file's empty extra section has an offset or hash");
  refused(withHeader([](IndexFileHeader& e) { e.extraLength = 0, e.extraOffset = 0; }), "empty extra section has an offset or hash");
  CHECK_EQ(parse(withHeader([](IndexFileHeader& e) { e.extraLength = e.extraOffset = e.extraHash = 0; })), std::string());
}

TEST(index_file_sections_hashes_catch_any_flipped_byte) {
  IndexFileHeader h;
  const std::vector<uint8_t> file = buildFile(&h);
  CHECK_EQ(w2v::ann::verifyIndexSections(file.data(), h, 1), std::string());
  int missed = 0;
  for (uint64_t at = 128; at < kFileSize; ++at) {
    const bool inPayload = at < 128 + kPayloadLength, inExtra = at >= kExtraOffset;
    if (!inPayload && !inExtra) continue;  // the padding between sections is not hashed
    std::vector<uint8_t> f = file;
    f[at] ^= static_cast<uint8_t>(1u << (at % 8));
    const std::string e = w2v::ann::verifyIndexSections(f.data(), h, 2);
    const std::string want = inPayload ? "index file is corrupted: its index section does not match its hash"
                                       : "index file is corrupted: its extra section does not match its hash";
    if (e != want) ++missed;
  }
  CHECK_EQ(missed, 0);
}

TEST(index_file_stream_hasher_equals_hash_bytes_in_any_pieces) {
  constexpr size_t kBlock = size_t{4} << 20;
  const std::vector<uint8_t> data = randomBytes(2 * kBlock + 12345, 7);
  w2v::Random r(11);
  for (size_t n : {size_t{0}, size_t{1}, size_t{33}, kBlock - 1, kBlock, kBlock + 1, 2 * kBlock, data.size()}) {
    const uint64_t whole = w2v::ann::hashBytes(data.data(), n, 1);
    for (int trial = 0; trial < 3; ++trial) {
      w2v::ann::StreamHasher s;
      size_t at = 0;
      while (at < n) {
        // Pieces from 1 byte to 1.5 MiB, so that some cross each 4 MiB boundary and some end on it.
        const size_t piece = r.below(4) == 0 ? 1 + r.below(100) : 1 + r.below(3 << 19);
        const size_t take = std::min(piece, n - at);
        s.update(data.data() + at, take);
        at += take;
      }
      if (trial == 2 && n > 0) s.update(data.data() + n, 0);
      CHECK_MSG(s.finish() == whole, "length " << n << ", trial " << trial);
    }
    // Pieces that end exactly on the block boundary.
    if (n > kBlock) {
      w2v::ann::StreamHasher s;
      s.update(data.data(), kBlock);
      s.update(data.data() + kBlock, n - kBlock);
      CHECK_MSG(s.finish() == whole, "length " << n << " cut at the block");
    }
  }
}

TEST(index_file_hash_bytes_tells_inputs_apart_and_ignores_threads) {
  constexpr size_t kBlock = size_t{4} << 20;
  std::vector<uint8_t> data = randomBytes(4 * kBlock + 999, 8);
  const uint64_t one = w2v::ann::hashBytes(data.data(), data.size(), 1);
  CHECK_EQ(w2v::ann::hashBytes(data.data(), data.size(), 4), one);
  CHECK_EQ(w2v::ann::hashBytes(data.data(), data.size(), 64), one);
  CHECK_EQ(w2v::ann::hashBytes(data.data(), data.size(), 0), one);
  for (size_t at : {size_t{0}, size_t{77}, kBlock - 1, kBlock, 3 * kBlock + 5, data.size() - 1}) {
    for (int bit : {0, 7}) {
      data[at] ^= static_cast<uint8_t>(1u << bit);
      CHECK_MSG(w2v::ann::hashBytes(data.data(), data.size(), 4) != one, "bit " << bit << " of byte " << at);
      data[at] ^= static_cast<uint8_t>(1u << bit);
    }
  }
  CHECK_EQ(w2v::ann::hashBytes(data.data(), data.size(), 2), one);
  // Lengths: a prefix, and the same bytes followed by a zero (the length seeds the last hash).
  CHECK(w2v::ann::hashBytes(data.data(), data.size() - 1, 4) != one);
  CHECK(w2v::ann::hashBytes(data.data(), kBlock, 1) != w2v::ann::hashBytes(data.data(), kBlock + 1, 1));
  std::vector<uint8_t> zeros(65, 0);
  CHECK(w2v::ann::hashBytes(zeros.data(), 64, 1) != w2v::ann::hashBytes(zeros.data(), 65, 1));
  CHECK(w2v::ann::hashBytes(zeros.data(), 0, 1) != w2v::ann::hashBytes(zeros.data(), 1, 1));
}

TEST(index_file_fingerprint_depends_on_shape_and_bytes) {
  std::vector<float> rows(12);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = 0.25f * static_cast<float>(i) - 1;
  const uint64_t f34 = w2v::ann::fingerprintRows(rows.data(), 3, 4, 1);
  CHECK_EQ(w2v::ann::fingerprintRows(rows.data(), 3, 4, 4), f34);
  CHECK(w2v::ann::fingerprintRows(rows.data(), 4, 3, 1) != f34);
  CHECK(w2v::ann::fingerprintRows(rows.data(), 2, 6, 1) != f34);
  CHECK(w2v::ann::fingerprintRows(rows.data(), 6, 2, 1) != f34);
  CHECK(w2v::ann::fingerprintRows(rows.data(), 12, 1, 1) != w2v::ann::fingerprintRows(rows.data(), 1, 12, 1));
  // The rows' own hash is not their fingerprint (the shape is mixed in), and a value matters.
  CHECK(w2v::ann::hashBytes(reinterpret_cast<const uint8_t*>(rows.data()), 48, 1) != f34);
  rows[11] = -0.0f;
  const uint64_t negativeZero = w2v::ann::fingerprintRows(rows.data(), 3, 4, 1);
  rows[11] = 0.0f;
  CHECK(negativeZero != w2v::ann::fingerprintRows(rows.data(), 3, 4, 1));
  CHECK(w2v::ann::fingerprintRows(rows.data(), 3, 4, 1) != f34);
}

TEST(index_file_damage_is_refused_by_open) {
  w2v::ann::IndexSettings settings;
  settings.dim = 8;
  w2v::ann::AnnIndex index(settings);
  std::vector<int32_t> ids(200);
  std::vector<float> rows(200 * 8);
  w2v::Random r(91);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  for (float& v : rows) v = r.uniform() - 0.5f;
  CHECK(index.add(ids.data(), rows.data(), ids.size(), 1, nullptr, nullptr));
  const std::string saved = tempPath("good.idx"), damaged = tempPath("damaged.idx");
  w2v::ann::IndexFileHeader h;
  h.vectors = 1;
  const std::vector<uint8_t> extra(20, 0xab);
  index.save(saved, h, extra.data(), extra.size());
  const std::vector<uint8_t> good = readFile(saved);
  CHECK(good.size() > 1000);
  const auto refuses = [&](const std::vector<uint8_t>& bytes, const std::string& substring) {
    writeFile(damaged, bytes);
    for (bool view : {false, true}) {
      CHECK_THROWS_AS(w2v::ann::AnnIndex::open(damaged, view, 2, &h), std::runtime_error, substring);
      CHECK_THROWS_AS(w2v::ann::AnnIndex::open(damaged, view, 2, &h), std::runtime_error, "\"" + damaged + "\"");
    }
  };
  const auto flipped = [&](size_t at, uint8_t bits) {
    std::vector<uint8_t> b = good;
    b[at] ^= bits;
    return b;
  };
  refuses(std::vector<uint8_t>(good.begin(), good.end() - 1), "index file is truncated or corrupted: its header says " +
                                                                  std::to_string(good.size()) + " bytes, the file has " + std::to_string(good.size() - 1));
  refuses(std::vector<uint8_t>(good.begin(), good.begin() + 1000), "index file is truncated or corrupted");
  refuses({}, "not an index file: 0 bytes");
  refuses(flipped(128 + (good.size() - 128 - 64) / 2, 0x04), "index file is corrupted: its index section does not match its hash");
  refuses(flipped(good.size() - 3, 0x80), "index file is corrupted: its extra section does not match its hash");
  refuses(flipped(8, 4), "index file version 7 is not supported");
  refuses(flipped(40, 1), "index file header is corrupted");
  std::filesystem::remove(damaged);
  CHECK_THROWS_AS(w2v::ann::AnnIndex::open(damaged, false, 1, &h), std::runtime_error, damaged);
  CHECK_THROWS_AS(w2v::ann::AnnIndex::open(damaged, true, 1, &h), std::runtime_error, "No such file");
  std::filesystem::remove(saved);
}
