#include "token_scanner.h"

#include "parallel_parts.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <sys/types.h>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace w2v {
namespace {

// 1 for the bytes that separate tokens, 2 for the newline that also ends a sentence. NUL
// separates too: the original keeps words as C strings.
struct SeparatorTable {
  uint8_t kind[256] = {};
  SeparatorTable() {
    for (uint8_t c : {0x20, 0x09, 0x0b, 0x0c, 0x0d, 0x00}) kind[c] = 1;
    kind[0x0a] = 2;
  }
};
const SeparatorTable kSeparators;

}  // namespace

namespace {

bool sameBytes(const uint8_t* a, const uint8_t* b, size_t n) {
  // Most keys are short: compare them without a call.
  if (n <= 8) {
    for (size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  return std::memcmp(a, b, n) == 0;
}

constexpr size_t kInitialSlots = size_t{1} << 15;  // 512 KiB of slots

}  // namespace

TokenTable::TokenTable() : counting_(true), slots_(kInitialSlots, Slot{0, 0, 0}), mask_(kInitialSlots - 1) {}

TokenTable::TokenTable(const uint8_t* bytes, size_t byteCount, const std::vector<uint64_t>& offsets,
                       const std::vector<int32_t>& dropped)
    : counting_(false) {
  if (offsets.empty()) throw std::invalid_argument("key offsets must hold at least one entry (the end), got none");
  const size_t keys = offsets.size() - 1;
  if (keys > static_cast<size_t>(INT32_MAX) - 1)
    throw std::invalid_argument("a table holds at most 2147483646 keys, got " + std::to_string(keys));
  if (offsets.front() != 0 || offsets.back() != byteCount)
    throw std::invalid_argument("key offsets must run from 0 to the key bytes' length (" + std::to_string(byteCount) +
                                "), got " + std::to_string(offsets.front()) + " to " + std::to_string(offsets.back()));
  size_t slots = kInitialSlots;
  while (slots < keys * 2) slots *= 2;
  slots_.assign(slots, Slot{0, 0, 0});
  mask_ = slots - 1;
  arena_.assign(bytes, bytes + byteCount);
  entries_.reserve(keys);
  for (size_t i = 0; i < keys; ++i) {
    const uint64_t begin = offsets[i], end = offsets[i + 1];
    // A key holding a separator byte (a token given apart, in a token array) is kept: it
    // never matches scanned bytes, only token().
    if (end < begin || end > byteCount || end - begin > kMaxTokenBytes)
      throw std::invalid_argument("key " + std::to_string(i) + " has descending or out-of-range offsets (" +
                                  std::to_string(begin) + " to " + std::to_string(end) + ")");
    const size_t n = end - begin;
    const uint64_t hash = hashToken(bytes + begin, n);
    if (find(bytes + begin, n, hash) >= 0)
      throw std::invalid_argument("key " + std::to_string(i) + " is given twice");
    entries_.push_back(Entry{begin, n});
    place(static_cast<int32_t>(i), hash, checkOf(hash, n), headBytes(bytes + begin, n));
  }
  for (int32_t id : dropped) {
    if (id < 0 || static_cast<size_t>(id) >= keys)
      throw std::invalid_argument("dropped id " + std::to_string(id) + " is outside [0, " + std::to_string(keys) + ")");
    dropped_.push_back(id);
  }
  std::sort(dropped_.begin(), dropped_.end());
  dropped_.erase(std::unique(dropped_.begin(), dropped_.end()), dropped_.end());
}

bool TokenTable::sameTail(int32_t id, const uint8_t* p, size_t n) const {
  const Entry& e = entries_[static_cast<size_t>(id)];
  return e.length == n && sameBytes(arena_.data() + e.start + 8, p + 8, n - 8);
}

void TokenTable::place(int32_t id, uint64_t hash, uint32_t check, uint64_t head) {
  size_t slot = hash & mask_;
  while (slots_[slot].idPlusOne != 0) slot = (slot + 1) & mask_;
  slots_[slot] = Slot{head, check, id + 1};
}

void TokenTable::reserve(size_t keys) {
  size_t slots = slots_.size();
  while (slots < keys * 2) slots *= 2;
  if (slots > slots_.size()) rehash(slots);
  entries_.reserve(keys);
  if (counting_) counts_.reserve(keys);
}

void TokenTable::rehash(size_t slots) {
  // Slots keep no position: each key's hash is taken again from its bytes.
  PageVector<Slot> old(slots, Slot{0, 0, 0});
  old.swap(slots_);
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.idPlusOne == 0) continue;
    const Entry& e = entries_[static_cast<size_t>(s.idPlusOne - 1)];
    place(s.idPlusOne - 1, hashToken(arena_.data() + e.start, e.length), s.check, s.head);
  }
}

int32_t TokenTable::add(const uint8_t* p, size_t n, uint64_t hash) {
  if (entries_.size() >= static_cast<size_t>(INT32_MAX) - 1)
    throw std::length_error("the corpus holds more than 2147483646 distinct tokens");
  const int32_t id = static_cast<int32_t>(entries_.size());
  entries_.push_back(Entry{arena_.size(), n});
  counts_.push_back(0);
  arena_.insert(arena_.end(), p, p + n);
  if (entries_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  place(id, hash, checkOf(hash, n), headBytes(p, n));
  return id;
}

std::vector<int32_t> TokenTable::absorb(const TokenTable& other) {
  if (!counting_ || !other.counting_) throw std::invalid_argument("absorb() merges counting tables");
  std::vector<int32_t> mapping(other.entries_.size());
  for (size_t id = 0; id < other.entries_.size(); ++id) {
    const Entry& e = other.entries_[id];
    const uint8_t* p = other.arena_.data() + e.start;
    const uint64_t hash = hashToken(p, e.length);
    int32_t mine = find(p, e.length, hash);
    if (mine < 0) mine = add(p, e.length, hash);
    counts_[static_cast<size_t>(mine)] += other.counts_[id];
    mapping[id] = mine;
  }
  return mapping;
}

void IdBlocks::append(const int32_t* ids, size_t n) {
  while (n > 0) {
    const size_t offset = static_cast<size_t>(length % kBlock);
    if (offset == 0) blocks.push_back(newBlock());
    const size_t take = std::min(n, kBlock - offset);
    std::memcpy(blocks.back().get() + offset, ids, take * sizeof(int32_t));
    length += take;
    ids += take;
    n -= take;
  }
}

size_t TokenTable::bytesHeld() const {
  return slots_.capacity() * sizeof(Slot) + entries_.capacity() * sizeof(Entry) + counts_.capacity() * sizeof(uint64_t) +
         arena_.capacity();
}

TokenScanner::TokenScanner(std::shared_ptr<TokenTable> table, const ScanTotals& totals)
    : table_(std::move(table)), totals_(totals) {
  if (!table_) throw std::invalid_argument("a token scanner needs a table");
}

namespace {

// Out of line, so that the hot note() stays small enough to inline into scan().
#if defined(__GNUC__)
__attribute__((noinline, cold))
#endif
[[noreturn]] void throwTokenTooLong(size_t n) {
  throw std::length_error("a token of " + std::to_string(n) + " bytes is longer than the limit of " +
                          std::to_string(TokenTable::kMaxTokenBytes));
}

}  // namespace

inline void TokenScanner::note(const uint8_t* p, size_t n, int32_t*& out, bool padded) {
  if (n > TokenTable::kMaxTokenBytes) throwTokenTooLong(n);
  ++totals_.tokens;
  sentenceOpen_ = true;
  const uint64_t head = padded ? headBytesPadded(p, n) : headBytes(p, n);
  const uint64_t hash = n <= 8 ? hashTokenHead(head, n) : hashToken(p, n);
  table_->prefetchSlot(hash);  // looked up at the batch's flush
  batch_[batched_++] = Found{p, hash, head, static_cast<uint32_t>(n)};
  if (batched_ == kBatch) flush(out);
}

void TokenScanner::noteSentenceEnd(int32_t*& out) {
  ++totals_.sentences;
  sentenceOpen_ = false;
  batch_[batched_++] = Found{nullptr, 0, 0, kSentenceEnd};
  if (batched_ == kBatch) flush(out);
}

void TokenScanner::flush(int32_t*& out) {
  TokenTable& table = *table_;
  for (size_t i = 0; i < batched_; ++i) {
    const Found& f = batch_[i];
    if (f.n == kSentenceEnd) {
      *out++ = -1;
      continue;
    }
    const int32_t id = table.lookup(f.p, f.n, f.hash, f.head);
    if (id >= 0 && !table.isDropped(id)) *out++ = id;
  }
  batched_ = 0;
}

size_t TokenScanner::scan(const uint8_t* buf, size_t n, int32_t* out) {
  int32_t* const first = out;
  totals_.bytes += n;
  const uint8_t* kind = kSeparators.kind;
  size_t i = 0;
  if (!pending_.empty()) {
    // Finish the token carried over from the previous buffer.
    while (i < n && kind[buf[i]] == 0) ++i;
    if (pending_.size() + i > TokenTable::kMaxTokenBytes)
      throw std::length_error("a token of more than " + std::to_string(TokenTable::kMaxTokenBytes) +
                              " bytes (the limit)");
    pending_.insert(pending_.end(), buf, buf + i);
    if (i == n) return 0;
    note(pending_.data(), pending_.size(), out);
    flush(out);  // before pending_ is reused
    pending_.clear();
  }
  size_t start = i;
  // A separator at i ends the token [start, i); a newline also ends the sentence.
  const auto separatorAt = [&](size_t at, bool newline) {
    if (at > start) note(buf + start, at - start, out, start + 8 <= n);
    start = at + 1;
    if (newline) {
      ++totals_.lines;
      if (sentenceOpen_) noteSentenceEnd(out);
    }
  };
#if defined(__SSE2__)
  // 16 bytes at a time (SSE2 is part of x86-64): a mask of the separators, visited a set bit
  // at a time, instead of a branch on every byte.
  const __m128i space = _mm_set1_epi8(' '), nul = _mm_setzero_si128(), newline = _mm_set1_epi8('\n');
  const __m128i below9 = _mm_set1_epi8(8), above13 = _mm_set1_epi8(14);  // \t \n \v \f \r: 9 to 13
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(buf + i));
    // Signed compares: bytes of 0x80 and above are negative, so never in 9..13.
    const __m128i control = _mm_and_si128(_mm_cmpgt_epi8(v, below9), _mm_cmplt_epi8(v, above13));
    const __m128i separators = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, space), _mm_cmpeq_epi8(v, nul)), control);
    uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(separators));
    if (mask == 0) continue;
    const uint32_t newlines = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline)));
    do {
      const uint32_t bit = static_cast<uint32_t>(__builtin_ctz(mask));
      separatorAt(i + bit, ((newlines >> bit) & 1u) != 0);
      mask &= mask - 1;
    } while (mask != 0);
  }
#endif
  for (; i < n; ++i) {
    const uint8_t k = kind[buf[i]];
    if (k != 0) separatorAt(i, k == 2);
  }
  flush(out);  // the batch points into buf
  if (start < n) pending_.assign(buf + start, buf + n);
  return static_cast<size_t>(out - first);
}

size_t TokenScanner::finish(int32_t* out) {
  int32_t* const first = out;
  if (!pending_.empty()) {
    note(pending_.data(), pending_.size(), out);
    flush(out);
    pending_.clear();
    pending_.shrink_to_fit();
  }
  out += endSentence(out);
  return static_cast<size_t>(out - first);
}

size_t TokenScanner::token(const uint8_t* p, size_t n, int32_t* out) {
  if (n == 0) return 0;
  int32_t* const first = out;
  note(p, n, out);
  flush(out);
  return static_cast<size_t>(out - first);
}

size_t TokenScanner::endSentence(int32_t* out) {
  if (!sentenceOpen_) return 0;
  int32_t* const first = out;
  noteSentenceEnd(out);
  flush(out);
  return static_cast<size_t>(out - first);
}

namespace {

// fseek with a 64-bit offset (long is 32 bits on Windows).
int seekTo(std::FILE* f, uint64_t offset) {
#if defined(_WIN32)
  return _fseeki64(f, static_cast<__int64>(offset), SEEK_SET);
#else
  return fseeko(f, static_cast<off_t>(offset), SEEK_SET);
#endif
}

template <typename Out>
uint64_t compactInto(IdBlocks& ids, const std::vector<int32_t>& finalId, Out sentenceEnd, int32_t maxId) {
  // Values per block at the output width: writes trail reads (j <= i, and an output value is no
  // wider than an input one), so each lands on bytes already read.
  constexpr uint64_t kPerBlock = IdBlocks::valuesPerBlock(sizeof(Out));
  uint64_t j = 0;
  bool open = false;
  auto put = [&](Out v) {
    // memcpy: the bytes belong to int32 values, and memcpy may write any object's bytes.
    std::memcpy(reinterpret_cast<unsigned char*>(ids.blocks[j / kPerBlock].get()) + (j % kPerBlock) * sizeof(Out), &v,
                sizeof(Out));
    ++j;
  };
  for (uint64_t b = 0; b < ids.blocks.size(); ++b) {
    const int32_t* block = ids.blocks[b].get();
    const size_t n = static_cast<size_t>(std::min<uint64_t>(IdBlocks::kBlock, ids.length - b * IdBlocks::kBlock));
    for (size_t i = 0; i < n; ++i) {
      const int32_t p = block[i];
      if (p < 0) {
        if (open) put(sentenceEnd);
        open = false;
        continue;
      }
      if (static_cast<size_t>(p) >= finalId.size())
        throw std::invalid_argument("id " + std::to_string(p) + " is outside the " + std::to_string(finalId.size()) +
                                    " final ids");
      const int32_t id = finalId[static_cast<size_t>(p)];
      if (id < 0) continue;
      if (id > maxId)
        throw std::invalid_argument("final id " + std::to_string(id) + " does not fit (at most " + std::to_string(maxId) + ")");
      put(static_cast<Out>(id));
      open = true;
    }
  }
  if (open) {
    // The ids ended without a sentence end (a scanner always writes one; kept safe). It may
    // need a block of its own: the output is never longer than the input, but this one value
    // can fall after its last block only when every value was kept and the blocks are full.
    if (j / kPerBlock >= ids.blocks.size()) ids.blocks.push_back(IdBlocks::newBlock());
    put(sentenceEnd);
  }
  ids.blocks.resize(static_cast<size_t>((j + kPerBlock - 1) / kPerBlock));
  ids.length = j;
  return j;
}

// Counts path[begin, end) into `scanner`, a piece at a time, keeping its ids in `ids`.
void countPart(const std::string& path, uint64_t begin, uint64_t end, TokenScanner& scanner, CountControl& control,
               IdKeeping& keeping, IdBlocks& ids) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw FileOpenError("cannot open " + path + ": " + std::strerror(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  constexpr size_t kPiece = size_t{1} << 20;
  std::vector<uint8_t> piece(kPiece);
  std::vector<int32_t> out(TokenScanner::maxOutput(kPiece));
  if (begin > 0 && seekTo(f, begin) != 0)
    throw std::runtime_error("cannot seek to " + std::to_string(begin) + " in " + path + ": " + std::strerror(errno));
  uint64_t at = begin;
  while (at < end && !control.cancelled.load(std::memory_order_relaxed)) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kPiece, end - at));
    const size_t got = std::fread(piece.data(), 1, want, f);
    if (got == 0) {
      if (std::ferror(f)) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
      break;  // the file shrank while being read
    }
    const uint64_t before = scanner.totals().tokens;
    keeping.keep(ids, out.data(), scanner.scan(piece.data(), got, out.data()));
    control.tokensDone.fetch_add(scanner.totals().tokens - before, std::memory_order_relaxed);
    at += got;
  }
  const uint64_t before = scanner.totals().tokens;
  keeping.keep(ids, out.data(), scanner.finish(out.data()));
  control.tokensDone.fetch_add(scanner.totals().tokens - before, std::memory_order_relaxed);
}

}  // namespace

void IdKeeping::keep(IdBlocks& mine, const int32_t* ids, size_t n) {
  if (n == 0 || !keeping()) return;
  if (written_.fetch_add(n, std::memory_order_relaxed) + n > limit_) {
    over_.store(true);
    return;
  }
  mine.append(ids, n);
}

uint64_t compactIds(IdBlocks& ids, const std::vector<int32_t>& finalId, bool narrow) {
  if (!ids.toTable.empty()) {
    // A part's own ids: one pass with the two maps composed (a table's size, not the corpus's).
    std::vector<int32_t> composed(ids.toTable.size());
    for (size_t i = 0; i < composed.size(); ++i) {
      const int32_t t = ids.toTable[i];
      if (t < 0 || static_cast<size_t>(t) >= finalId.size())
        throw std::invalid_argument("id " + std::to_string(t) + " is outside the " + std::to_string(finalId.size()) +
                                    " final ids");
      composed[i] = finalId[static_cast<size_t>(t)];
    }
    ids.toTable.clear();
    ids.toTable.shrink_to_fit();
    return compactIds(ids, composed, narrow);
  }
  return narrow ? compactInto<uint16_t>(ids, finalId, 0xffff, 0xfffe) : compactInto<int32_t>(ids, finalId, -1, INT32_MAX);
}

void compactParts(std::vector<IdBlocks>& parts, const std::vector<int32_t>& finalId, bool narrow) {
  runParts(parts.size(), [&](size_t i) { compactIds(parts[i], finalId, narrow); });
}

CountedFile countFile(const std::string& path, const std::vector<uint64_t>& starts, CountControl& control,
                      uint64_t keepIds) {
  if (starts.size() < 2) throw std::invalid_argument("countFile needs at least one part (two starts), got " + std::to_string(starts.size()));
  for (size_t i = 1; i < starts.size(); ++i)
    if (starts[i] < starts[i - 1])
      throw std::invalid_argument("part starts must not descend: " + std::to_string(starts[i - 1]) + " then " +
                                  std::to_string(starts[i]));
  const size_t parts = starts.size() - 1;
  if (starts.back() > static_cast<uint64_t>(INT64_MAX))
    throw std::invalid_argument("file offset " + std::to_string(starts.back()) + " is beyond a 64-bit offset");
  std::vector<std::shared_ptr<TokenTable>> tables;
  std::vector<std::unique_ptr<TokenScanner>> scanners;
  for (size_t i = 0; i < parts; ++i) {
    tables.push_back(std::make_shared<TokenTable>());
    // Room for a distinct token every kBytesPerNewToken bytes of the part, up to
    // kMostReservedTokens: en-8m's halves (24 MB) hold ~140,000 distinct tokens, one every
    // ~170 bytes; fewer (a larger corpus) only cost a doubling or two, as before.
    constexpr uint64_t kBytesPerNewToken = 128, kMostReservedTokens = uint64_t{1} << 20;
    tables.back()->reserve(static_cast<size_t>(std::min(kMostReservedTokens, (starts[i + 1] - starts[i]) / kBytesPerNewToken)));
    scanners.push_back(std::make_unique<TokenScanner>(tables.back()));
  }
  IdKeeping keeping(keepIds);
  std::vector<IdBlocks> ids(parts);
  runParts(parts, [&](size_t i) {
    try {
      countPart(path, starts[i], starts[i + 1], *scanners[i], control, keeping, ids[i]);
    } catch (...) {
      control.cancelled.store(true);  // the other parts stop early
      throw;
    }
  });
  const bool keep = keeping.keeping() && !control.cancelled.load();
  if (!keep) ids.clear();
  CountedFile result{tables[0], scanners[0]->totals(), {}};
  for (size_t i = 1; i < parts; ++i) {
    std::vector<int32_t> mapping = result.table->absorb(*tables[i]);
    tables[i].reset();
    if (keep) ids[i].toTable = std::move(mapping);
    const ScanTotals& t = scanners[i]->totals();
    result.totals.bytes += t.bytes;
    result.totals.tokens += t.tokens;
    result.totals.sentences += t.sentences;
    result.totals.lines += t.lines;
    scanners[i].reset();
  }
  result.ids = std::move(ids);
  return result;
}

}  // namespace w2v
