// parseNativeModelHeader / checkNativeModelVocabulary on files built here byte by byte: valid
// ones parse, every kind of corruption is an error naming the field, value and byte offset, and
// no truncation or flipped byte reads outside the buffer (run under ASan in CI).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "mapped_file.h"
#include "native_model_format.h"
#include "random.h"

using w2v::NativeModelHeader;
using w2v::NativeModelParse;

namespace {

void putU32(std::vector<unsigned char>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}
void putU64(std::vector<unsigned char>& b, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t alignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/// A valid file, laid out as the TypeScript writer does.
std::vector<unsigned char> buildFile(const std::vector<std::string>& words, uint32_t dim, bool output, bool counts) {
  const uint64_t n = words.size();
  const uint64_t vectorBytes = n * dim * 4;
  uint64_t at = w2v::kNativeModelHeaderBytes;
  const uint64_t inputAt = at;
  at += vectorBytes;
  uint64_t outputAt = 0;
  if (output) {
    outputAt = at = alignUp(at, 64);
    at += vectorBytes;
  }
  uint64_t countsAt = 0;
  if (counts) {
    countsAt = at = alignUp(at, 64);
    at += n * 8;
  }
  std::string vocab;
  for (const auto& w : words) vocab += w + "\n";
  const uint64_t vocabAt = at;
  at += vocab.size();
  std::vector<unsigned char> b(at, 0);
  std::memcpy(b.data(), w2v::kNativeModelMagic, 8);
  putU32(b, 8, 1);
  putU32(b, 12, (output ? 1u : 0u) | (counts ? 2u : 0u));
  putU64(b, 16, n);
  putU32(b, 24, dim);
  putU64(b, 32, at);
  putU64(b, 40, inputAt);
  putU64(b, 48, vectorBytes);
  putU64(b, 56, outputAt);
  putU64(b, 64, output ? vectorBytes : 0);
  putU64(b, 72, countsAt);
  putU64(b, 80, counts ? n * 8 : 0);
  putU64(b, 88, vocabAt);
  putU64(b, 96, vocab.size());
  for (uint64_t i = 0; i < n * dim; ++i) {
    const float x = static_cast<float>(i) * 0.5f;
    std::memcpy(&b[inputAt + i * 4], &x, 4);
  }
  std::memcpy(&b[vocabAt], vocab.data(), vocab.size());
  return b;
}

NativeModelParse parse(const std::vector<unsigned char>& b) { return w2v::parseNativeModel(b.data(), b.size()); }

bool hasError(const std::vector<unsigned char>& b, const std::string& substring) {
  const NativeModelParse p = parse(b);
  return CHECK_MSG(!p.ok() && p.error.find(substring) != std::string::npos,
                   "error \"" << p.error << "\" should contain \"" << substring << "\"");
}

const std::vector<std::string> kWords = {"</s>", "the", "\xff\xfe", "caf\xc3\xa9", "x"};

}  // namespace

TEST(native_model_valid_files_parse) {
  for (int variant = 0; variant < 4; ++variant) {
    const bool output = variant & 1, counts = variant & 2;
    const auto b = buildFile(kWords, 3, output, counts);
    const NativeModelParse p = parse(b);
    if (!CHECK_MSG(p.ok(), p.error)) continue;
    CHECK_EQ(p.header.words, 5u);
    CHECK_EQ(p.header.dim, 3u);
    CHECK_EQ(p.header.inputVectors.offset, 128u);
    CHECK_EQ(p.header.inputVectors.length, 60u);
    CHECK_EQ(p.header.outputVectors.length, output ? 60u : 0u);
    if (output) CHECK_EQ(p.header.outputVectors.offset % 64, 0u);
    CHECK_EQ(p.header.counts.length, counts ? 40u : 0u);
    CHECK_EQ(p.header.fileSize, b.size());
  }
  // No words at all is a valid (empty) model.
  CHECK_MSG(parse(buildFile({}, 4, true, true)).ok(), parse(buildFile({}, 4, true, true)).error);
}

TEST(native_model_empty_and_bad_magic) {
  CHECK_EQ(w2v::parseNativeModel(nullptr, 0).error, std::string("native model file is empty"));
  std::vector<unsigned char> text = {'3', ' ', '2', '\n'};
  hasError(text, "native model magic bytes at byte offset 0 are 33 20 32 0a, expected 89 57 32 56 4e 0d 0a 1a");
  auto b = buildFile(kWords, 3, false, false);
  b[1] = 'w';
  hasError(b, "magic bytes at byte offset 0 are 89 77 32 56 4e 0d 0a 1a");
}

TEST(native_model_header_truncated) {
  const auto b = buildFile(kWords, 3, false, false);
  for (size_t n = 8; n < 128; n += 7) {
    std::vector<unsigned char> cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    hasError(cut, "native model header is truncated: the file has " + std::to_string(n) + " bytes, the header needs 128");
  }
}

TEST(native_model_bad_version_flags_words_dim) {
  auto b = buildFile(kWords, 3, false, false);
  putU32(b, 8, 2);
  hasError(b, "native model version 2 at byte offset 8 is not supported (this reader knows version 1)");
  b = buildFile(kWords, 3, false, false);
  putU32(b, 12, 4);
  hasError(b, "native model flags 0x00000004 at byte offset 12 have unknown bits 0x00000004");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 16, 1000000000000ull);
  hasError(b, "native model word count 1000000000000 at byte offset 16 exceeds the maximum of 2147483647");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 16, UINT64_MAX);
  hasError(b, "native model word count 18446744073709551615 at byte offset 16");
  b = buildFile(kWords, 3, false, false);
  putU32(b, 24, 2147483648u);
  hasError(b, "native model dimension 2147483648 at byte offset 24 must be from 1 to 100000");
  b = buildFile(kWords, 3, false, false);
  putU32(b, 24, 0);
  hasError(b, "native model dimension 0 at byte offset 24");
  // A plausible but wrong word count: the sections' lengths no longer agree.
  b = buildFile(kWords, 3, false, false);
  putU64(b, 16, 2000000000);
  hasError(b, "native model input vectors section (offset at byte offset 40, length at byte offset 48) has length 60, "
              "expected 24000000000 for 2000000000 words of dimension 3");
}

TEST(native_model_truncated_in_each_section) {
  const auto b = buildFile(kWords, 3, true, true);
  const NativeModelHeader h = parse(b).header;
  struct Cut {
    uint64_t at;
    const char* section;
  } cuts[] = {
      {h.inputVectors.offset + 1, "input vectors"},
      {h.outputVectors.offset + 10, "output vectors"},
      {h.counts.offset + 8, "counts"},
      {h.vocabulary.offset + 3, "vocabulary"},
      {b.size() - 1, "vocabulary"},
  };
  for (const Cut& c : cuts) {
    std::vector<unsigned char> cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(c.at));
    hasError(cut, "native model file is truncated: it has " + std::to_string(c.at) + " bytes, the header declares " +
                      std::to_string(b.size()) + " (file size at byte offset 32); the " + c.section + " section (");
  }
  // Cut right after the header: the first section is missing, not cut.
  std::vector<unsigned char> cut(b.begin(), b.begin() + 128);
  hasError(cut, "; the input vectors section (bytes 128 to 187) is missing");
}

TEST(native_model_every_truncation_is_an_error) {
  const auto b = buildFile(kWords, 3, true, true);
  for (size_t n = 0; n < b.size(); ++n) {
    const NativeModelParse p = w2v::parseNativeModel(b.data(), n);
    CHECK_MSG(!p.ok(), "truncated to " << n << " bytes parsed");
  }
}

TEST(native_model_trailing_data) {
  auto b = buildFile(kWords, 3, false, false);
  const size_t size = b.size();
  b.push_back(0);
  hasError(b, "native model file has " + std::to_string(size + 1) + " bytes, but the header declares " +
                  std::to_string(size) + " (file size at byte offset 32): 1 bytes of trailing data");
}

TEST(native_model_bad_sections) {
  auto b = buildFile(kWords, 3, false, false);
  putU64(b, 48, 64);
  hasError(b, "native model input vectors section (offset at byte offset 40, length at byte offset 48) has length 64, expected 60");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 40, 96);
  hasError(b, "input vectors section (offset at byte offset 40, length at byte offset 48) starts at 96, inside the 128-byte header");
  b = buildFile(kWords, 3, true, false);
  putU64(b, 56, 200);
  hasError(b, "output vectors section (offset at byte offset 56, length at byte offset 64) starts at 200, which is not a multiple of 64");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 72, 128);
  hasError(b, "counts section (offset at byte offset 72, length at byte offset 80) must be 0 and 0 when its flag is clear, got offset 128 and length 0");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 40, UINT64_MAX - 63);
  hasError(b, "input vectors section (offset at byte offset 40, length at byte offset 48) (bytes 18446744073709551552 to "
              "18446744073709551611) extends past the end of the file");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 88, UINT64_MAX - 5);
  hasError(b, "vocabulary section (offset at byte offset 88, length at byte offset 96) (bytes 18446744073709551610 to "
              "beyond 2^64) extends past the end of the file");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 40, 192);
  hasError(b, "(bytes 192 to 251) extends past the end of the file (" + std::to_string(b.size()) + " bytes)");
  b = buildFile(kWords, 3, false, false);
  putU64(b, 96, 9);
  hasError(b, "vocabulary section (offset at byte offset 88, length at byte offset 96) has length 9, too short for 5 words");
  // Vocabulary laid over the vectors.
  b = buildFile(kWords, 3, false, false);
  putU64(b, 88, 130);
  hasError(b, "native model sections input vectors (bytes 128 to 187) and vocabulary (bytes 130 to 149) overlap");
}

TEST(native_model_bad_vocabulary) {
  auto b = buildFile({"a", "b", "c"}, 1, false, false);
  const size_t v = parse(b).header.vocabulary.offset;  // "a\nb\nc\n"
  auto e = b;
  e[v + 2] = '\n';  // "a\n\nc\n": word 1 empty
  hasError(e, "native model vocabulary word 1 at byte offset " + std::to_string(v + 2) + " is empty");
  e = b;
  e[v + 2] = ' ';
  hasError(e, "native model vocabulary word 1 contains a space at byte offset " + std::to_string(v + 2));
  e = b;
  e[v + 4] = '\r';
  hasError(e, "native model vocabulary word 2 contains a carriage return at byte offset " + std::to_string(v + 4));
  e = b;
  e[v + 5] = 'z';  // last word without its newline
  hasError(e, "native model vocabulary word 2 at byte offset " + std::to_string(v + 4) + " is not followed by a newline");
  e = b;
  e[v + 0] = '\n';
  e[v + 1] = 'a';  // "\nab\nc\n"
  hasError(e, "native model vocabulary word 0 at byte offset " + std::to_string(v) + " is empty");
  e = b;
  e[v + 3] = 'b';  // "a\nbbc\n": 2 words
  hasError(e, "holds 2 words, the header declares 3 (word count at byte offset 16)");
  // Four words where three are declared: a section longer than they need.
  auto four = buildFile({"a", "b", "cc"}, 1, false, false);
  four[parse(four).header.vocabulary.offset + 5] = '\n';  // "a\nb\nc\n\n" -> empty 4th word
  hasError(four, "native model vocabulary word 3 at byte offset");
  four = buildFile({"a", "b", "c", "d"}, 1, false, false);
  putU64(four, 16, 3);
  putU64(four, 48, 12);
  hasError(four, "holds more than the 3 words the header declares");
}

TEST(native_model_random_corruption_never_reads_outside) {
  // Flipped header bytes and cut files: each parses or is refused, never reads past the end
  // (ASan) and never claims a section outside the file.
  const auto base = buildFile(kWords, 3, true, true);
  w2v::Random rng(7);
  for (int round = 0; round < 20000; ++round) {
    auto b = base;
    const int flips = 1 + static_cast<int>(rng.below(4));
    for (int f = 0; f < flips; ++f) b[rng.below(128)] = static_cast<unsigned char>(rng.below(256));
    const size_t size = rng.below(4) == 0 ? rng.below(b.size() + 1) : b.size();
    std::vector<unsigned char> cut(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(size));
    const NativeModelParse p = w2v::parseNativeModel(cut.data(), cut.size());
    if (!p.ok()) continue;
    const w2v::NativeModelSection* sections[] = {&p.header.inputVectors, &p.header.outputVectors, &p.header.counts,
                                                 &p.header.vocabulary};
    for (const auto* s : sections) CHECK(s->offset <= size && s->length <= size - s->offset);
  }
}

TEST(mapped_file_maps_and_reports_errors) {
  CHECK(w2v::canMapFiles());
  const std::string path = "native_model_format_test.tmp";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  CHECK(f != nullptr);
  const auto b = buildFile(kWords, 3, true, true);
  std::fwrite(b.data(), 1, b.size(), f);
  std::fclose(f);
  {
    w2v::MappedFile m(path);
    CHECK_EQ(m.size(), b.size());
    CHECK(std::memcmp(m.data(), b.data(), b.size()) == 0);
    m.data()[0] = 'X';  // private mapping: the file keeps its bytes
    CHECK(parse(b).ok());
  }
  {
    w2v::MappedFile again(path);
    CHECK_EQ(again.data()[0], 0x89);
  }
  std::remove(path.c_str());
  CHECK_THROWS_AS(w2v::MappedFile(path), w2v::MappedFileError, "cannot open \"native_model_format_test.tmp\": No such file");
  CHECK_THROWS_AS(w2v::MappedFile("."), w2v::MappedFileError, "cannot map \".\": Is a directory");
  f = std::fopen(path.c_str(), "wb");
  std::fclose(f);
  w2v::MappedFile empty(path);
  CHECK_EQ(empty.size(), 0u);
  CHECK(empty.data() == nullptr);
  std::remove(path.c_str());
}
