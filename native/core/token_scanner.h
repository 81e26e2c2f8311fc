// Byte tokenization at native speed: splits bytes into tokens as the original tool does (ASCII
// white space and NUL separate tokens; a newline also ends a sentence) and turns each token
// into an integer id in one pass, with no per-token allocation.
//
// A TokenTable maps byte strings to ids. Counting tables give each new token the next id
// (first-seen order) and count it; fixed tables hold a given key list (a vocabulary) and
// leave unknown tokens out. A TokenScanner is one stream's state (the token cut by the end of
// a buffer, whether the sentence has tokens); several scanners may share a table, one per
// part of a corpus. Nothing here is thread-safe: one thread uses a table and its scanners.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "aligned_buffer.h"

namespace w2v {

/// The tokenizer's large containers: their pages go back to the system when freed.
template <class T>
using PageVector = std::vector<T, pages::Allocator<T>>;

/// The first min(n, 8) bytes of a token as a little-endian number (zero above them): the
/// table compares keys of up to 8 bytes by it alone, and it feeds their hash.
inline uint64_t headBytes(const uint8_t* p, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // Two overlapping loads instead of a loop over the bytes: where they overlap they hold the
  // same bytes at the same places, so OR-ing them gives the bytes once.
  if (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return a | (static_cast<uint64_t>(b) << ((n - 4) * 8));
  }
  if (n >= 2) {
    uint16_t a, b;
    std::memcpy(&a, p, 2);
    std::memcpy(&b, p + n - 2, 2);
    return a | (static_cast<uint64_t>(b) << ((n - 2) * 8));
  }
  return n == 1 ? p[0] : 0;
#else
  uint64_t w = 0;
  for (size_t i = 0; i < n && i < 8; ++i) w |= static_cast<uint64_t>(p[i]) << (8 * i);
  return w;
#endif
}

/// headBytes() of a token that has at least 8 readable bytes from `p` (its own and whatever
/// follows it): one load and a mask instead of headBytes()'s branches on the length.
inline uint64_t headBytesPadded(const uint8_t* p, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint64_t w;
  std::memcpy(&w, p, 8);
  return n >= 8 ? w : w & ((uint64_t{1} << (8 * n)) - 1);
#else
  return headBytes(p, n);
#endif
}

/// The table's hash of a token's bytes: its low bits place the key, its high 32 bits check it.
/// Eight bytes per multiply (words average under 8 bytes); any good mix would do, since the
/// table compares the bytes of every candidate. hashTokenHead() is the same hash for a token of
/// up to 8 bytes from its headBytes().
inline uint64_t hashTokenHead(uint64_t head, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  if (n == 8) {
    h = (h ^ head) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
  }
  h = (h ^ head) * 0xc4ceb9fe1a85ec53ULL;  // 0 < n < 8 (no token is empty)
  return h ^ (h >> 29);
}

inline uint64_t hashToken(const uint8_t* p, size_t n) {
  if (n > 0 && n <= 8) return hashTokenHead(headBytes(p, n), n);
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  }
  if (n > 0) {
    h = (h ^ headBytes(p, n)) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  }
  return h;
}

class TokenTable {
 public:
  /// A counting table: empty; tokens get ids 0, 1, 2... as first seen.
  TokenTable();
  /// Makes room for `keys` keys at once (one resize instead of one each doubling); a hint only.
  void reserve(size_t keys);
  /// A fixed table: key i is bytes[offsets[i], offsets[i + 1]) with id i; ids listed in
  /// `dropped` are known but never emitted (the original's `</s>`). Throws
  /// std::invalid_argument for offsets that descend or leave `bytes`, or a key given twice.
  TokenTable(const uint8_t* bytes, size_t byteCount, const std::vector<uint64_t>& offsets,
             const std::vector<int32_t>& dropped);

  bool counting() const { return counting_; }
  /// Number of distinct keys.
  size_t size() const { return entries_.size(); }
  /// Id of the token (its hashToken() and headBytes() given: the scanner's hot path, inline,
  /// nothing recomputed), or -1 when unknown (fixed tables); counting tables add and count it.
  int32_t lookup(const uint8_t* p, size_t n, uint64_t hash, uint64_t head) {
    int32_t id = find(p, n, hash, head);
    if (!counting_) return id;
    if (id < 0) id = add(p, n, hash);
    ++counts_[static_cast<size_t>(id)];
    return id;
  }
  /// Adds another counting table's keys and counts, in its id order: merging the tables of
  /// consecutive parts of a corpus in order gives the ids one table would have given.
  /// Returns the id each of the other table's ids has here.
  std::vector<int32_t> absorb(const TokenTable& other);
  /// Id of the key, or -1 (never adds).
  int32_t find(const uint8_t* p, size_t n) const { return find(p, n, hashToken(p, n)); }
  /// Hints that `hash` will be looked up soon (fetches its first slot into cache).
  void prefetchSlot(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
  /// True when `id` is one of the fixed table's dropped ids (a sorted list, mostly empty or
  /// one id: no entry is read for it).
  bool isDropped(int32_t id) const {
    return !dropped_.empty() && std::binary_search(dropped_.begin(), dropped_.end(), id);
  }
  /// Count of id (counting tables).
  uint64_t count(size_t id) const { return counts_[id]; }
  /// Key i as [begin, end) into keyBytes().
  uint64_t keyStart(size_t id) const { return entries_[id].start; }
  uint64_t keyEnd(size_t id) const { return entries_[id].start + entries_[id].length; }
  const PageVector<uint8_t>& keyBytes() const { return arena_; }
  /// Bytes held by the table (for memory reports).
  size_t bytesHeld() const;

  /// Tokens longer than this are refused (std::length_error): an id is an int32 and the
  /// arena's offsets are 64-bit, so only memory bounds the table; this bounds one token.
  static constexpr size_t kMaxTokenBytes = size_t{1} << 30;

 private:
  // A slot holds what a lookup of a key of up to 8 bytes needs (its bytes, its length, its id:
  // one cache line); an entry holds where a key's bytes lie, for longer keys and for readers;
  // counts lie apart, dense by id, so that counting a frequent word touches a hot line.
  struct Slot {
    uint64_t head;      // headBytes() of the key
    uint32_t check;     // checkOf(): the hash's high bits and the length
    int32_t idPlusOne;  // 0: empty
  };
  struct Entry {
    uint64_t start;
    uint64_t length;
  };
  /// The slot's check of a key: the hash's high 28 bits over min(n, 15) in the low 4, so that
  /// keys of up to 8 bytes compare by check and head alone.
  static uint32_t checkOf(uint64_t hash, size_t n) {
    return (static_cast<uint32_t>(hash >> 32) & ~uint32_t{15}) | static_cast<uint32_t>(n < 15 ? n : 15);
  }
  int32_t find(const uint8_t* p, size_t n, uint64_t hash) const { return find(p, n, hash, headBytes(p, n)); }
  int32_t find(const uint8_t* p, size_t n, uint64_t hash, uint64_t head) const {
    const uint32_t check = checkOf(hash, n);
    for (size_t slot = hash & mask_;; slot = (slot + 1) & mask_) {
      const Slot& s = slots_[slot];
      if (s.idPlusOne == 0) return -1;
      if (s.check != check || s.head != head) continue;
      // Up to 8 bytes, the check holds the length and the head the bytes: the keys are equal.
      // Past that the rest is compared in the arena.
      if (n <= 8 || sameTail(s.idPlusOne - 1, p, n)) return s.idPlusOne - 1;
    }
  }
  /// Key `id` is `n` bytes long and its bytes past the 8th are p[8, n).
  bool sameTail(int32_t id, const uint8_t* p, size_t n) const;
  int32_t add(const uint8_t* p, size_t n, uint64_t hash);
  void place(int32_t id, uint64_t hash, uint32_t check, uint64_t head);
  void rehash(size_t slots);

  bool counting_;
  PageVector<Slot> slots_;
  size_t mask_;
  PageVector<Entry> entries_;
  PageVector<uint64_t> counts_;  // counting tables
  PageVector<uint8_t> arena_;
  std::vector<int32_t> dropped_;  // fixed tables: sorted, distinct
};

/// Totals of one scanner.
struct ScanTotals {
  uint64_t bytes = 0;
  uint64_t tokens = 0;     // tokens seen, known or not
  uint64_t sentences = 0;  // sentences with at least one token
  uint64_t lines = 0;      // newlines (the original counts one `</s>` per newline)
};

class TokenScanner {
 public:
  explicit TokenScanner(std::shared_ptr<TokenTable> table, const ScanTotals& totals = {});

  /// Upper bound on the values scan() or finish() write for `n` bytes.
  static size_t maxOutput(size_t n) { return n + 2; }

  /// Tokenizes buf[0, n): writes each emitted token's id and -1 after each sentence with a
  /// token to `out` (room for maxOutput(n) values), returns how many were written. A token
  /// running past the end waits for the next call.
  size_t scan(const uint8_t* buf, size_t n, int32_t* out);
  /// Ends the input: a pending token and an open sentence count. Writes at most 2 values.
  size_t finish(int32_t* out);
  /// One whole token given apart (a corpus of token arrays); writes at most 1 value.
  size_t token(const uint8_t* p, size_t n, int32_t* out);
  /// Ends the sentence of tokens given with token(); writes at most 1 value.
  size_t endSentence(int32_t* out);

  const ScanTotals& totals() const { return totals_; }
  const std::shared_ptr<TokenTable>& table() const { return table_; }

 private:
  // Tokens found in a buffer wait in a batch (with sentence ends, in order) so that their
  // table lookups can be prefetched together: a lookup is a few cache misses, and a batch
  // lets them overlap instead of queueing.
  struct Found {
    const uint8_t* p;
    uint64_t hash;
    uint64_t head;  // headBytes()
    uint32_t n;     // kSentenceEnd: a sentence end
  };
  static constexpr uint32_t kSentenceEnd = UINT32_MAX;
  static constexpr size_t kBatch = 32;
  /// `padded`: 8 bytes can be read from p (headBytesPadded()).
  void note(const uint8_t* p, size_t n, int32_t*& out, bool padded = false);
  void noteSentenceEnd(int32_t*& out);
  void flush(int32_t*& out);

  Found batch_[kBatch];
  size_t batched_ = 0;

  std::shared_ptr<TokenTable> table_;
  std::vector<uint8_t> pending_;  // a token cut by the end of the previous buffer
  bool sentenceOpen_ = false;
  ScanTotals totals_;
};

/// Shared with a running countFile(): the tokens counted so far, and a flag that stops it.
struct CountControl {
  std::atomic<uint64_t> tokensDone{0};
  std::atomic<bool> cancelled{false};
};

/// countFile() could not open the file (as opposed to failing to read it).
class FileOpenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Ids in blocks of kBlock, grown without copying (no doubling, no peak of twice the size);
/// each block is pages of its own (pages::allocate), given back when freed.
struct IdBlocks {
  static constexpr size_t kBlock = size_t{1} << 20;
  struct FreeBlock {
    void operator()(int32_t* p) const noexcept { pages::release(p, kBlock * sizeof(int32_t)); }
  };
  using Block = std::unique_ptr<int32_t[], FreeBlock>;
  static Block newBlock() { return Block(static_cast<int32_t*>(pages::allocate(kBlock * sizeof(int32_t)))); }
  /// Bytes a value takes once compacted (compactIds): 2 narrow, else 4 (as kept).
  static constexpr size_t valueWidth(bool narrow) { return narrow ? sizeof(uint16_t) : sizeof(int32_t); }
  /// Values a block holds at `width` bytes a value (4 as kept; valueWidth() once compacted).
  static constexpr size_t valuesPerBlock(size_t width) { return kBlock * sizeof(int32_t) / width; }
  std::vector<Block> blocks;
  uint64_t length = 0;
  /// Empty: the ids are the table's. Else they are a part's own table's, and id i stands for
  /// the table's toTable[i] (countFile() merges the parts' tables; compactIds() applies it).
  std::vector<int32_t> toTable;
  void append(const int32_t* ids, size_t n);
  int32_t& operator[](uint64_t i) { return blocks[i / kBlock][i % kBlock]; }
};

/// Keeps ids while all kept together come to at most `limit` values (0: keeps none); once
/// past it, keeps no more and says so (over()): the caller then drops what it kept. One
/// IdKeeping may serve several threads, each appending to its own IdBlocks.
class IdKeeping {
 public:
  explicit IdKeeping(uint64_t limit) : limit_(limit) {}
  /// Appends ids[0, n) to `mine` unless that would pass the limit.
  void keep(IdBlocks& mine, const int32_t* ids, size_t n);
  bool over() const { return over_.load(); }
  bool keeping() const { return limit_ > 0 && !over(); }

 private:
  uint64_t limit_;
  std::atomic<uint64_t> written_{0};
  std::atomic<bool> over_{false};
};

/// Rewrites provisional ids (a counting table's, -1 ending each sentence) in place as final ids:
/// id p becomes finalId[p] (finalId[toTable[p]] for a part's own ids), left out when negative; sentences left empty are dropped.
/// Narrow: 2 bytes an id, 0xffff ending each sentence, element j at byte 2j of the blocks' bytes;
/// else 4 bytes, -1 ending each sentence. Blocks no longer needed are freed; returns the number
/// of values written (ids.length becomes it; operator[] then reads 4-byte values only). Throws std::invalid_argument for an id outside finalId, or a final id that
/// does not fit (narrow: 0xfffe at most).
uint64_t compactIds(IdBlocks& ids, const std::vector<int32_t>& finalId, bool narrow);

/// compactIds() on every part, one thread a part (parallel_parts.h); rethrows the first part's
/// error.
void compactParts(std::vector<IdBlocks>& parts, const std::vector<int32_t>& finalId, bool narrow);

/// What countFile() found: the merged counting table, the totals and, when asked and within
/// the limit, each part's tokens as ids (-1 ending each sentence): the first part's are the
/// table's; each other part's are its own table's, with toTable mapping them to the merged one.
struct CountedFile {
  std::shared_ptr<TokenTable> table;
  ScanTotals totals;
  std::vector<IdBlocks> ids;  // one per part; empty when not kept
};

/// Counts the tokens of a file's parts [starts[i], starts[i + 1]), one thread per part, into
/// a new counting table merged in part order (ids in the file's first-seen order when every
/// part but the first begins at a line start). When `keepIds` > 0, the parts' ids are kept
/// too, as long as all parts together write at most `keepIds` values (ids and sentence ends);
/// past that none are kept. Throws FileOpenError naming the file when it cannot be opened,
/// std::runtime_error on a read error, std::invalid_argument for starts that are not
/// ascending, and returns early (totals so far, no ids) when control.cancelled is set.
CountedFile countFile(const std::string& path, const std::vector<uint64_t>& starts, CountControl& control,
                      uint64_t keepIds = 0);

}  // namespace w2v
