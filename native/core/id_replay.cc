#include "id_replay.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "w2v_limits.h"

namespace w2v {

// Reads a part's values from a position on, block by block; a sentence end reads as -1.
class IdReplay::Cursor {
 public:
  Cursor(const KeptIdPart& part, bool narrow, uint64_t at) : part_(&part), narrow_(narrow) {
    while (block_ < part.size() && at >= part[block_].count) at -= part[block_++].count;
    offset_ = static_cast<size_t>(at);
  }
  int32_t next() {
    while (offset_ == (*part_)[block_].count) {
      ++block_;
      offset_ = 0;
    }
    const void* data = (*part_)[block_].data;
    const size_t i = offset_++;
    if (narrow_) {
      const uint16_t v = static_cast<const uint16_t*>(data)[i];
      return v == 0xffff ? -1 : static_cast<int32_t>(v);
    }
    return static_cast<const int32_t*>(data)[i];
  }

 private:
  const KeptIdPart* part_;
  bool narrow_;
  size_t block_ = 0;
  size_t offset_ = 0;
};

// lib/training/chunks.ts's ChunkEncoder, rule for rule: ids gather in a buffer of kChunkTokens;
// a sentence end past the buffer's size hands the chunk over; a full buffer hands over its
// whole sentences and keeps the open one (grows only when that one fills it alone); a sentence
// reaching maxSentenceLength ids is ended there.
class IdReplay::Encoder {
 public:
  Encoder(int64_t maxSentenceLength, int32_t epoch) : tokens_(kChunkTokens), max_(maxSentenceLength), epoch_(epoch) {}

  void add(int32_t id) {
    if (length_ == tokens_.size()) makeRoom();
    tokens_[length_++] = id;
    if (static_cast<int64_t>(length_ - sentenceStart_) >= max_) endSentence();
  }
  void endSentence() {
    if (length_ == sentenceStart_) return;
    ends_.push_back(static_cast<int64_t>(length_));
    sentenceStart_ = length_;
    if (length_ >= kChunkTokens) flush();
  }
  void flush() {
    endSentence();
    emit();
    if (tokens_.size() > kChunkTokens) {
      tokens_.resize(kChunkTokens);
      tokens_.shrink_to_fit();
    }
  }
  std::deque<Chunk>& ready() { return ready_; }

 private:
  void makeRoom() {
    const size_t open = sentenceStart_;
    if (open == 0) {
      tokens_.resize(tokens_.size() * 2);  // bounded: the sentence ends at max_ ids
      return;
    }
    const size_t end = length_;
    length_ = open;
    emit();
    std::copy(tokens_.begin() + static_cast<std::ptrdiff_t>(open), tokens_.begin() + static_cast<std::ptrdiff_t>(end),
              tokens_.begin());
    length_ = end - open;
  }
  void emit() {
    if (length_ > 0) {
      Chunk chunk;
      chunk.tokens.assign(tokens_.begin(), tokens_.begin() + static_cast<std::ptrdiff_t>(length_));
      chunk.sentenceEnds = std::move(ends_);
      chunk.epoch = epoch_;
      ready_.push_back(std::move(chunk));
    }
    length_ = 0;
    sentenceStart_ = 0;
    ends_.clear();
  }

  std::vector<int32_t> tokens_;
  size_t length_ = 0;
  size_t sentenceStart_ = 0;
  std::vector<int64_t> ends_;
  std::deque<Chunk> ready_;
  int64_t max_;
  int32_t epoch_;
};

IdReplay::IdReplay(std::vector<KeptIdPart> parts, bool narrow, int32_t lanes, int64_t maxSentenceLength)
    : parts_(std::move(parts)), narrow_(narrow), maxSentenceLength_(maxSentenceLength) {
  if (parts_.empty()) throw std::invalid_argument("kept ids need at least one part, got none");
  if (lanes < 1 || lanes > kMaxThreads)
    throw std::invalid_argument("lanes must be an integer in [1, " + std::to_string(kMaxThreads) + "], got " +
                                std::to_string(lanes));
  if (maxSentenceLength < 1 || maxSentenceLength > kMaxSentenceLength)
    throw std::invalid_argument("maxSentenceLength must be an integer in [1, " + std::to_string(kMaxSentenceLength) +
                                "], got " + std::to_string(maxSentenceLength));
  for (size_t p = 0; p < parts_.size(); ++p) {
    for (const KeptIdBlock& b : parts_[p])
      if (b.data == nullptr && b.count > 0) throw std::invalid_argument("a block of kept ids has no data");
    values_ += partLength(p);
  }
  if (parts_.size() > 1) {
    for (size_t p = 0; p < parts_.size(); ++p) lanes_.push_back(Lane{p, 0, partLength(p)});
    return;
  }
  // One part: cut at the first sentence end after each lane's even share.
  const uint64_t length = partLength(0);
  uint64_t begin = 0;
  for (int32_t l = 1; l <= lanes; ++l) {
    uint64_t at = l == lanes ? length : std::max(begin, length / static_cast<uint64_t>(lanes) * static_cast<uint64_t>(l) +
                                                            length % static_cast<uint64_t>(lanes) * static_cast<uint64_t>(l) /
                                                                static_cast<uint64_t>(lanes));
    if (l < lanes && at > 0 && at < length) {
      Cursor c(parts_[0], narrow_, at - 1);
      while (at < length && c.next() != -1) ++at;
    }
    lanes_.push_back(Lane{0, begin, at});
    begin = at;
  }
}

KeptIdPart keptIdPart(const IdBlocks& ids, bool narrow) {
  const size_t perBlock = IdBlocks::valuesPerBlock(IdBlocks::valueWidth(narrow));
  KeptIdPart part;
  for (size_t b = 0; b < ids.blocks.size(); ++b)
    part.push_back(KeptIdBlock{ids.blocks[b].get(), static_cast<size_t>(std::min<uint64_t>(perBlock, ids.length - b * perBlock))});
  return part;
}

uint64_t IdReplay::partLength(size_t part) const {
  uint64_t n = 0;
  for (const KeptIdBlock& b : parts_[part]) n += b.count;
  return n;
}

void IdReplay::replayEpoch(int32_t epoch, const std::function<bool(Chunk&&)>& emit) const {
  std::vector<Encoder> encoders;
  std::vector<Cursor> cursors;
  std::vector<uint64_t> next;
  std::vector<size_t> active;
  encoders.reserve(lanes_.size());
  cursors.reserve(lanes_.size());
  for (size_t l = 0; l < lanes_.size(); ++l) {
    const Lane& lane = lanes_[l];
    encoders.emplace_back(maxSentenceLength_, epoch);
    cursors.emplace_back(parts_[lane.part], narrow_, lane.begin);
    next.push_back(lane.begin);
    if (lane.begin < lane.end) active.push_back(l);
  }
  std::vector<size_t> still;
  while (!active.empty()) {
    still.clear();
    for (size_t l : active) {
      Encoder& enc = encoders[l];
      Cursor& cursor = cursors[l];
      const uint64_t end = lanes_[l].end;
      uint64_t& at = next[l];
      while (at < end && enc.ready().empty()) {
        const int32_t v = cursor.next();
        ++at;
        if (v == -1) enc.endSentence();
        else enc.add(v);
      }
      if (at >= end) enc.flush();
      for (; !enc.ready().empty(); enc.ready().pop_front())
        if (!emit(std::move(enc.ready().front()))) return;
      if (at < end) still.push_back(l);
    }
    active.swap(still);
  }
}

}  // namespace w2v
