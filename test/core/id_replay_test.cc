// IdReplay (the kept ids replayed to the trainer) and TrainerRuntime::feed (a native producer):
// the chunks hold every sentence once, in order, cut at maxSentenceLength, at most a chunk's
// tokens unless one sentence is longer; lanes taken in turn; narrow and wide ids across blocks
// of any size; a producer's chunks train as pushed ones do, and cancelling or failing it stops.
// That the cut is ChunkEncoder's exactly is checked end to end in test/integration/train.test.ts
// (a kept file trains bit for bit as one read again).
#include <atomic>
#include <chrono>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "corpus.h"
#include "id_replay.h"
#include "random.h"
#include "trainer.h"

using w2v::Chunk;
using w2v::IdReplay;
using w2v::KeptIdBlock;
using w2v::KeptIdPart;

namespace {

using Sentences = std::vector<std::vector<int32_t>>;

// Sentences as kept ids (each ended by the marker), `narrow` or wide, in blocks whose sizes
// cycle through `blockSizes`; the storage stays in `store`.
struct Kept {
  std::vector<std::vector<uint16_t>> narrowStore;
  std::vector<std::vector<int32_t>> wideStore;
  KeptIdPart part;
};

Kept keep(const Sentences& sentences, bool narrow, const std::vector<size_t>& blockSizes) {
  std::vector<int32_t> values;
  for (const auto& s : sentences) {
    values.insert(values.end(), s.begin(), s.end());
    values.push_back(-1);
  }
  Kept k;
  size_t at = 0;
  for (size_t b = 0; at < values.size(); ++b) {
    const size_t n = std::min(blockSizes[b % blockSizes.size()], values.size() - at);
    if (narrow) {
      std::vector<uint16_t> block;
      for (size_t i = 0; i < n; ++i) block.push_back(values[at + i] < 0 ? 0xffff : static_cast<uint16_t>(values[at + i]));
      k.narrowStore.push_back(std::move(block));
    } else {
      k.wideStore.emplace_back(values.begin() + static_cast<std::ptrdiff_t>(at),
                               values.begin() + static_cast<std::ptrdiff_t>(at + n));
    }
    at += n;
  }
  for (const auto& b : k.narrowStore) k.part.push_back(KeptIdBlock{b.data(), b.size()});
  for (const auto& b : k.wideStore) k.part.push_back(KeptIdBlock{b.data(), b.size()});
  return k;
}

Sentences randomSentences(size_t count, size_t maxLength, uint64_t seed, int32_t vocab = 1000) {
  w2v::Random rng(seed);
  Sentences s(count);
  for (auto& sentence : s) {
    const size_t n = 1 + rng.next() % maxLength;
    for (size_t i = 0; i < n; ++i) sentence.push_back(static_cast<int32_t>(rng.next() % static_cast<uint64_t>(vocab)));
  }
  return s;
}

// The sentences split at maxLength ids, as the replay must give them.
Sentences splitAt(const Sentences& sentences, size_t maxLength) {
  Sentences out;
  for (const auto& s : sentences)
    for (size_t at = 0; at < s.size(); at += maxLength)
      out.emplace_back(s.begin() + static_cast<std::ptrdiff_t>(at),
                       s.begin() + static_cast<std::ptrdiff_t>(std::min(s.size(), at + maxLength)));
  return out;
}

std::vector<Chunk> replayAll(const IdReplay& r, int32_t epoch) {
  std::vector<Chunk> chunks;
  r.replayEpoch(epoch, [&](Chunk&& c) {
    chunks.push_back(std::move(c));
    return true;
  });
  return chunks;
}

Sentences sentencesOf(const std::vector<Chunk>& chunks) {
  Sentences out;
  for (const Chunk& c : chunks) {
    int64_t begin = 0;
    for (int64_t end : c.sentenceEnds) {
      out.emplace_back(c.tokens.begin() + begin, c.tokens.begin() + end);
      begin = end;
    }
  }
  return out;
}

// A chunk's own rules: ends ascending to its last token; at most kChunkTokens tokens unless
// it is one sentence.
bool wellFormed(const Chunk& c) {
  if (c.tokens.empty() || c.sentenceEnds.empty()) return false;
  if (c.sentenceEnds.back() != static_cast<int64_t>(c.tokens.size())) return false;
  for (size_t i = 1; i < c.sentenceEnds.size(); ++i)
    if (c.sentenceEnds[i] <= c.sentenceEnds[i - 1]) return false;
  return c.tokens.size() <= IdReplay::kChunkTokens || c.sentenceEnds.size() == 1;
}

}  // namespace

TEST(id_replay_one_lane_gives_every_sentence_once_in_order) {
  const Sentences sentences = randomSentences(20000, 40, 3);
  for (bool narrow : {true, false}) {
    const Kept k = keep(sentences, narrow, {1000, 7, 1, 65536});
    const IdReplay r({k.part}, narrow, 1, 10000);
    const std::vector<Chunk> chunks = replayAll(r, 2);
    CHECK(chunks.size() > 3);
    bool formed = true, epochs = true;
    for (const Chunk& c : chunks) {
      formed = formed && wellFormed(c);
      epochs = epochs && c.epoch == 2;
    }
    CHECK(formed);
    CHECK(epochs);
    CHECK(sentencesOf(chunks) == sentences);
    // Full chunks: every chunk but the last ends at the first sentence end that leaves the
    // next sentence no room.
    size_t tokens = 0;
    for (size_t i = 0; i + 1 < chunks.size(); ++i) tokens += chunks[i].tokens.size();
    CHECK(tokens > (chunks.size() - 1) * (IdReplay::kChunkTokens - 40));
    // The same chunks again for the next epoch.
    CHECK(sentencesOf(replayAll(r, 3)) == sentences);
  }
}

TEST(id_replay_splits_long_sentences_and_grows_only_for_one) {
  Sentences sentences = randomSentences(50, 30, 4);
  sentences.insert(sentences.begin() + 10, randomSentences(1, 1, 5, 1000)[0]);
  std::vector<int32_t> huge(150000, 7);
  sentences.insert(sentences.begin() + 20, huge);
  const Kept k = keep(sentences, false, {4096});
  {
    // maxSentenceLength past the chunk: the huge sentence is one chunk of its own.
    const IdReplay r({k.part}, false, 1, 200000);
    const std::vector<Chunk> chunks = replayAll(r, 0);
    CHECK(sentencesOf(chunks) == sentences);
    size_t big = 0;
    for (const Chunk& c : chunks) {
      CHECK(wellFormed(c));
      if (c.tokens.size() > IdReplay::kChunkTokens) {
        ++big;
        CHECK_EQ(c.tokens.size(), huge.size());
      }
    }
    CHECK_EQ(big, size_t{1});
  }
  {
    const IdReplay r({k.part}, false, 1, 25);
    const std::vector<Chunk> chunks = replayAll(r, 0);
    CHECK(sentencesOf(chunks) == splitAt(sentences, 25));
    for (const Chunk& c : chunks) CHECK(wellFormed(c) && c.tokens.size() <= IdReplay::kChunkTokens);
  }
}

TEST(id_replay_lanes_in_turn_from_sentence_starts) {
  const Sentences sentences = randomSentences(30000, 25, 6);
  const Kept k = keep(sentences, true, {1 << 21});
  const IdReplay r({k.part}, true, 3, 10000);
  CHECK_EQ(r.values(), static_cast<uint64_t>(k.narrowStore[0].size()));
  const std::vector<Chunk> chunks = replayAll(r, 0);
  // Three lanes of ~1/3 each, a chunk from each in turn: chunk i is lane i % 3's until one runs
  // out. Put back in lane order, they are the sentences in order.
  std::vector<Chunk> laneOrder;
  for (size_t lane = 0; lane < 3; ++lane)
    for (size_t i = lane; i < chunks.size(); i += 3) laneOrder.push_back(chunks[i]);
  CHECK(sentencesOf(laneOrder) == sentences);
  // Lane 1 starts at a sentence start near a third of the ids.
  const Sentences firstOfLane1 = sentencesOf({chunks[1]});
  size_t before = 0, index = 0;
  while (index < sentences.size() && sentences[index] != firstOfLane1[0]) before += sentences[index++].size() + 1;
  CHECK(index < sentences.size());
  const double share = static_cast<double>(before) / static_cast<double>(r.values());
  CHECK_MSG(share > 0.33 && share < 0.34, "lane 1 starts at " << share << " of the ids");
}

TEST(id_replay_several_parts_are_lanes_and_empty_ones_are_skipped) {
  // a's words are under 500, b's 500 and over: each chunk says its lane.
  const Sentences a = randomSentences(9000, 20, 7, 500);
  Sentences b = randomSentences(4000, 20, 8, 500);
  for (auto& s : b)
    for (int32_t& w : s) w += 500;
  const Kept ka = keep(a, true, {333}), kb = keep(b, true, {65536});
  const IdReplay r({ka.part, KeptIdPart{}, kb.part}, true, 8, 10000);
  const std::vector<Chunk> chunks = replayAll(r, 0);
  std::vector<Chunk> fromA, fromB;
  std::string lanes;
  for (const Chunk& c : chunks) {
    (c.tokens[0] < 500 ? fromA : fromB).push_back(c);
    lanes += c.tokens[0] < 500 ? 'a' : 'b';
  }
  CHECK(sentencesOf(fromA) == a);
  CHECK(sentencesOf(fromB) == b);
  // In turn while both last (the empty part has no turn), then a alone.
  std::string want;
  for (size_t i = 0; i < fromB.size(); ++i) want += "ab";
  want += std::string(fromA.size() - fromB.size(), 'a');
  CHECK_EQ(lanes, want);
}

TEST(id_replay_stops_when_emit_says_so_and_refuses_bad_settings) {
  const Sentences sentences = randomSentences(20000, 30, 9);
  const Kept k = keep(sentences, true, {65536});
  const IdReplay r({k.part}, true, 2, 10000);
  int calls = 0;
  r.replayEpoch(0, [&](Chunk&&) { return ++calls < 2; });
  CHECK_EQ(calls, 2);
  CHECK_THROWS_AS(IdReplay({}, true, 1, 10), std::invalid_argument, "at least one part");
  CHECK_THROWS_AS(IdReplay({k.part}, true, 0, 10), std::invalid_argument, "lanes must be an integer in [1, 1024], got 0");
  CHECK_THROWS_AS(IdReplay({k.part}, true, 1, 0), std::invalid_argument, "maxSentenceLength must be an integer in [1, 1000000], got 0");
  CHECK_THROWS_AS(IdReplay({KeptIdPart{KeptIdBlock{nullptr, 3}}}, true, 1, 10), std::invalid_argument, "no data");
}

TEST(trainer_fed_by_a_native_producer_trains_as_pushed_chunks) {
  using namespace testing_corpus;
  const Corpus c = plantedCorpus(60000, 21);
  const w2v::TrainerConfig config = plantedConfig(c, 2);
  const auto pushed = train(config, tablesFor(c, false), c);
  w2v::Trainer fed(config, tablesFor(c, false), c.vocabSize);
  std::atomic<int> done{0};
  fed.start(nullptr, nullptr, [&] { done.fetch_add(1); });
  fed.feed([&](const w2v::Trainer::Push& push) {
    for (int32_t e = 0; e < config.epochs; ++e)
      for (Chunk& chunk : chunksOf(c, e))
        if (!push(std::move(chunk))) return;
  });
  CHECK_THROWS_AS(fed.feed([](const w2v::Trainer::Push&) {}), std::logic_error, "already fed");
  CHECK_NOTHROW(fed.join());
  CHECK_EQ(done.load(), 1);
  CHECK_EQ(fed.progress().wordsDone, static_cast<int64_t>(c.tokens.size()) * 2);
  CHECK(std::memcmp(fed.inputVectors().data(), pushed->inputVectors().data(), fed.inputVectors().size() * sizeof(float)) == 0);
  CHECK_THROWS_AS(fed.feed([](const w2v::Trainer::Push&) {}), std::logic_error, "not running");
  w2v::Trainer idle(config, tablesFor(c, false), c.vocabSize);
  CHECK_THROWS_AS(idle.feed([](const w2v::Trainer::Push&) {}), std::logic_error, "not running");
}

TEST(trainer_native_producer_cancelled_or_failing) {
  using namespace testing_corpus;
  const Corpus c = plantedCorpus(200000, 22);
  w2v::TrainerConfig config = plantedConfig(c, 1000);
  config.threads = 2;
  {
    // Cancelled while it pushes: its push says false, and join() returns soon.
    w2v::Trainer t(config, tablesFor(c, false), c.vocabSize);
    t.start();
    std::atomic<bool> sawFalse{false};
    t.feed([&](const w2v::Trainer::Push& push) {
      for (int32_t e = 0; e < config.epochs; ++e)
        for (Chunk& chunk : chunksOf(c, e))
          if (!push(std::move(chunk))) {
            sawFalse = true;
            return;
          }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto begin = std::chrono::steady_clock::now();
    t.cancel();
    CHECK_NOTHROW(t.join());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
    CHECK_MSG(ms < 500, "join() took " << ms << " ms after cancel()");
    CHECK(sawFalse.load());
    CHECK(t.error().empty());
  }
  {
    // A producer that throws, or pushes a bad chunk, fails the training with its message.
    w2v::Trainer t(plantedConfig(c, 1), tablesFor(c, false), c.vocabSize);
    t.start();
    t.feed([&](const w2v::Trainer::Push& push) {
      push(std::move(chunksOf(c, 0)[0]));
      throw std::runtime_error("the kept ids ran out");
    });
    CHECK_THROWS_AS(t.join(), std::runtime_error, "the kept ids ran out");
    w2v::Trainer bad(plantedConfig(c, 1), tablesFor(c, false), c.vocabSize);
    bad.start();
    bad.feed([&](const w2v::Trainer::Push& push) {
      Chunk chunk = chunksOf(c, 0)[0];
      chunk.tokens[3] = c.vocabSize;
      push(std::move(chunk));
    });
    CHECK_THROWS_AS(bad.join(), std::runtime_error, std::to_string(c.vocabSize));
  }
}
