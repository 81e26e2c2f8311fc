// The corpus kept as ids in the vocabulary pass (compactIds' layout: 2-byte ids ending each
// sentence with 0xffff, or 4-byte ids with -1), replayed to the trainer every epoch from native
// code. The ids are cut into chunks exactly as lib/training/chunks.ts's ChunkEncoder cuts the
// same ids when it feeds a corpus read again (chunk and sentence boundaries alike), so a
// one-thread training is the same bit for bit whichever way it was fed; the lanes (one a
// thread, taken in turn, a chunk each) keep the threads on distant parts of the corpus, as the
// original's do. Nothing here allocates by the size of its input beyond one chunk a lane.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "token_scanner.h"
#include "trainer_types.h"

namespace w2v {

/// A block of kept ids: `count` values of the replay's width, one after the other.
struct KeptIdBlock {
  const void* data;
  size_t count;
};

/// One part of the kept ids (a file's part, counted on its own thread): its blocks in order.
using KeptIdPart = std::vector<KeptIdBlock>;

/// A part compacted by compactIds (2-byte values when `narrow`, else 4-byte) as the replay
/// reads it: each block's used values.
KeptIdPart keptIdPart(const IdBlocks& ids, bool narrow);

class IdReplay {
 public:
  /// Tokens a chunk holds (ChunkEncoder's CHUNK_TOKENS); a longer sentence makes one longer.
  static constexpr size_t kChunkTokens = size_t{1} << 16;
  /// Largest maxSentenceLength (lib/training/options.ts's bound).
  static constexpr int64_t kMaxSentenceLength = 1000000;

  /// One part is cut into `lanes` lanes at sentence ends; several parts are a lane each.
  /// Sentences longer than `maxSentenceLength` ids are split. Throws std::invalid_argument for
  /// no part, lanes outside [1, kMaxThreads] or maxSentenceLength outside [1, kMaxSentenceLength]. The
  /// blocks are read, never owned: they must outlive every replayEpoch().
  IdReplay(std::vector<KeptIdPart> parts, bool narrow, int32_t lanes, int64_t maxSentenceLength);

  /// Every chunk of one epoch, in the order the trainer's queue should get them: the lanes in
  /// turn, each up to its next chunk (its last flushed at its end). Stops when `emit` returns
  /// false (the training is stopping).
  void replayEpoch(int32_t epoch, const std::function<bool(Chunk&&)>& emit) const;

  /// Ids and sentence ends over all parts.
  uint64_t values() const { return values_; }

 private:
  // A lane: the values [begin, end) of a part, counted across its blocks.
  struct Lane {
    size_t part;
    uint64_t begin;
    uint64_t end;
  };
  // Reads a part's values in order from a position, block by block.
  class Cursor;
  // ChunkEncoder's rules, in C++.
  class Encoder;
  uint64_t partLength(size_t part) const;

  std::vector<KeptIdPart> parts_;
  bool narrow_;
  int64_t maxSentenceLength_;
  std::vector<Lane> lanes_;
  uint64_t values_ = 0;
};

}  // namespace w2v
