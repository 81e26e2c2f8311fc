// TokenTable and TokenScanner: the byte tokenizer's rules, tokens cut across buffers, counting
// and fixed tables, and agreement with a plain reference tokenizer on random bytes cut at
// random places.
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "random.h"
#include "token_scanner.h"

using w2v::TokenScanner;
using w2v::TokenTable;

namespace {

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Scans `text` in pieces of `piece` bytes and finishes; returns what was emitted.
std::vector<int32_t> scanAll(TokenScanner& scanner, const std::string& text, size_t piece) {
  std::vector<int32_t> out;
  for (size_t at = 0; at < text.size(); at += piece) {
    const size_t n = std::min(piece, text.size() - at);
    std::vector<int32_t> buf(TokenScanner::maxOutput(n));
    const size_t k = scanner.scan(bytes(text) + at, n, buf.data());
    CHECK(k <= buf.size());
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<long>(k));
  }
  int32_t tail[2];
  const size_t k = scanner.finish(tail);
  out.insert(out.end(), tail, tail + k);
  return out;
}

std::string keyOf(const TokenTable& t, size_t id) {
  const auto& a = t.keyBytes();
  return std::string(a.begin() + static_cast<long>(t.keyStart(id)), a.begin() + static_cast<long>(t.keyEnd(id)));
}

bool isSeparator(uint8_t c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == 0 || c == '\n'; }

// The rules written plainly: tokens as strings, "\n" marking each sentence end.
std::vector<std::string> referenceTokens(const std::string& text, uint64_t& lines) {
  std::vector<std::string> out;
  std::string token;
  bool open = false;
  lines = 0;
  for (char ch : text) {
    const auto c = static_cast<uint8_t>(ch);
    if (!isSeparator(c)) {
      token += ch;
      continue;
    }
    if (!token.empty()) {
      out.push_back(token);
      token.clear();
      open = true;
    }
    if (c == '\n') {
      ++lines;
      if (open) out.push_back("\n");
      open = false;
    }
  }
  if (!token.empty()) {
    out.push_back(token);
    open = true;
  }
  if (open) out.push_back("\n");
  return out;
}

}  // namespace

TEST(token_scanner_counts_in_first_seen_order) {
  auto table = std::make_shared<TokenTable>();
  TokenScanner scanner(table);
  const std::vector<int32_t> ids = scanAll(scanner, "the cat\tsat\r\non the\x0bmat\n\n  the\n", 1 << 10);
  const std::vector<int32_t> want = {0, 1, 2, -1, 3, 0, 4, -1, 0, -1};
  CHECK(ids == want);
  CHECK_EQ(table->size(), size_t{5});
  CHECK_EQ(keyOf(*table, 0), std::string("the"));
  CHECK_EQ(keyOf(*table, 4), std::string("mat"));
  CHECK_EQ(table->count(0), uint64_t{3});
  CHECK_EQ(table->count(3), uint64_t{1});
  CHECK_EQ(scanner.totals().tokens, uint64_t{7});
  CHECK_EQ(scanner.totals().sentences, uint64_t{3});
  CHECK_EQ(scanner.totals().lines, uint64_t{4});  // the blank line counts as a line, not a sentence
}

TEST(token_scanner_joins_tokens_cut_by_buffer_ends) {
  const std::string text = "alpha beta\ngamma delta epsilon";
  for (size_t piece = 1; piece <= text.size(); ++piece) {
    auto table = std::make_shared<TokenTable>();
    TokenScanner scanner(table);
    const std::vector<int32_t> ids = scanAll(scanner, text, piece);
    const std::vector<int32_t> want = {0, 1, -1, 2, 3, 4, -1};
    CHECK_MSG(ids == want, "piece " + std::to_string(piece));
    CHECK_EQ(keyOf(*table, 4), std::string("epsilon"));  // the last token, without a newline
  }
}

TEST(token_scanner_nul_separates_and_high_bytes_are_kept) {
  auto table = std::make_shared<TokenTable>();
  TokenScanner scanner(table);
  const std::string text("a\0b \xff\xfe\xc3(", 9);
  const std::vector<int32_t> ids = scanAll(scanner, text, 2);
  CHECK((ids == std::vector<int32_t>{0, 1, 2, -1}));
  CHECK_EQ(keyOf(*table, 2), std::string("\xff\xfe\xc3("));
}

TEST(token_scanner_fixed_table_leaves_out_unknown_and_dropped) {
  const std::string keys = "</s>theofcat";
  const std::vector<uint64_t> offsets = {0, 4, 7, 9, 12};
  auto table = std::make_shared<TokenTable>(bytes(keys), keys.size(), offsets, std::vector<int32_t>{0});
  CHECK(!table->counting());
  TokenScanner scanner(table);
  const std::vector<int32_t> ids = scanAll(scanner, "the zebra of </s> cat\nzebra\n", 3);
  // The second sentence holds only an unknown token: it still ends (the reader skips empty ones).
  CHECK((ids == std::vector<int32_t>{1, 2, 3, -1, -1}));
  CHECK_EQ(table->size(), size_t{4});  // fixed: nothing added
  CHECK_EQ(scanner.totals().tokens, uint64_t{6});
}

TEST(token_scanner_scanners_share_a_table) {
  auto table = std::make_shared<TokenTable>();
  TokenScanner a(table), b(table);
  int32_t out[8];
  CHECK_EQ(a.scan(bytes("x y"), 3, out), size_t{1});  // "y" is pending in a
  CHECK_EQ(b.scan(bytes("y x\n"), 4, out), size_t{3});
  CHECK((out[0] == 1 && out[1] == 0 && out[2] == -1));
  CHECK_EQ(a.finish(out), size_t{2});
  CHECK((out[0] == 1 && out[1] == -1));
  CHECK_EQ(table->count(1), uint64_t{2});
}

TEST(token_scanner_tokens_given_apart) {
  auto table = std::make_shared<TokenTable>();
  TokenScanner scanner(table);
  int32_t out[2];
  CHECK_EQ(scanner.token(bytes("new york"), 8, out), size_t{1});  // a separator inside is kept
  CHECK_EQ(out[0], 0);
  CHECK_EQ(scanner.token(bytes(""), 0, out), size_t{0});
  CHECK_EQ(scanner.endSentence(out), size_t{1});
  CHECK_EQ(out[0], -1);
  CHECK_EQ(scanner.endSentence(out), size_t{0});
  CHECK_EQ(keyOf(*table, 0), std::string("new york"));
}

TEST(token_scanner_rejects_bad_fixed_tables) {
  const std::string keys = "abcab";
  CHECK_THROWS_AS(TokenTable(bytes(keys), 5, {0, 3, 5, 6}, {}), std::invalid_argument, "key offsets must run");
  CHECK_THROWS_AS(TokenTable(bytes(keys), 5, {0, 3, 2, 5}, {}), std::invalid_argument, "key 1 has descending");
  CHECK_THROWS_AS(TokenTable(bytes(keys), 5, {0, 2, 3, 5}, {}), std::invalid_argument, "key 2 is given twice");
  CHECK_THROWS_AS(TokenTable(bytes(keys), 5, {0, 3, 5}, {2}), std::invalid_argument, "dropped id 2");
  CHECK_THROWS_AS(TokenTable(bytes(keys), 5, {}, {}), std::invalid_argument, "at least one entry");
}

TEST(token_scanner_agrees_with_reference_on_random_bytes) {
  w2v::Random rng(12345);
  const char alphabet[] = {'a', 'b', 'c', ' ', '\n', '\t', '\r', '\0', '\xe9'};
  for (int round = 0; round < 200; ++round) {
    std::string text;
    const size_t length = rng.next() % 400;
    for (size_t i = 0; i < length; ++i) text += alphabet[rng.next() % sizeof alphabet];
    uint64_t lines = 0;
    const std::vector<std::string> want = referenceTokens(text, lines);
    auto table = std::make_shared<TokenTable>();
    TokenScanner scanner(table);
    std::vector<int32_t> got;
    for (size_t at = 0; at < text.size();) {
      const size_t n = std::min<size_t>(1 + rng.next() % 17, text.size() - at);
      std::vector<int32_t> buf(TokenScanner::maxOutput(n));
      const size_t k = scanner.scan(bytes(text) + at, n, buf.data());
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<long>(k));
      at += n;
    }
    int32_t tail[2];
    const size_t k = scanner.finish(tail);
    got.insert(got.end(), tail, tail + k);
    std::vector<std::string> gotTokens;
    std::map<std::string, uint64_t> counts;
    for (int32_t id : got) {
      gotTokens.push_back(id < 0 ? "\n" : keyOf(*table, static_cast<size_t>(id)));
      if (id >= 0) ++counts[gotTokens.back()];
    }
    CHECK_MSG(gotTokens == want, "round " + std::to_string(round));
    CHECK_EQ(scanner.totals().lines, lines);
    CHECK_EQ(scanner.totals().bytes, static_cast<uint64_t>(text.size()));
    for (size_t id = 0; id < table->size(); ++id) CHECK_EQ(table->count(id), counts[keyOf(*table, id)]);
  }
}

// The scanner's hot path reads a short token's head with one 8-byte load and a mask, and
// hashes it from that head: the same head and hash as the byte-by-byte forms, whatever bytes
// follow the token; and a fixed table (keys hashed apart) finds every token so scanned.
TEST(token_scanner_padded_heads_and_hashes_match_the_plain_ones) {
  w2v::Random rng(2024);
  for (int round = 0; round < 2000; ++round) {
    uint8_t buf[32];
    for (uint8_t& b : buf) b = static_cast<uint8_t>(rng.next());
    const size_t n = 1 + rng.next() % 24;
    CHECK_EQ(w2v::headBytesPadded(buf, n), w2v::headBytes(buf, n));
    if (n <= 8) CHECK_EQ(w2v::hashTokenHead(w2v::headBytes(buf, n), n), w2v::hashToken(buf, n));
  }
  std::string keys;
  std::vector<uint64_t> offsets{0};
  std::string text;
  for (size_t n = 1; n <= 20; ++n) {
    const std::string key(n, static_cast<char>('a' + n));
    keys += key;
    offsets.push_back(keys.size());
  }
  for (int i = 0; i < 400; ++i) {
    const size_t n = 1 + rng.next() % 20;
    text += std::string(n, static_cast<char>('a' + n));
    text += (i % 7 == 6) ? '\n' : ' ';
  }
  auto table = std::make_shared<TokenTable>(bytes(keys), keys.size(), offsets, std::vector<int32_t>{});
  TokenScanner scanner(table);
  const std::vector<int32_t> ids = scanAll(scanner, text, text.size());  // one piece: padded loads
  uint64_t lines = 0;
  const std::vector<std::string> want = referenceTokens(text, lines);
  CHECK_EQ(ids.size(), want.size());
  for (size_t i = 0; i < ids.size() && i < want.size(); ++i) {
    if (want[i] == "\n") CHECK_EQ(ids[i], -1);
    else CHECK_EQ(ids[i], static_cast<int32_t>(want[i].size()) - 1);
  }
}

TEST(token_scanner_table_grows_past_its_first_slots) {
  auto table = std::make_shared<TokenTable>();
  TokenScanner scanner(table);
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "w" + std::to_string(i) + (i % 10 == 9 ? "\n" : " ");
  const std::vector<int32_t> ids = scanAll(scanner, text, 4096);
  CHECK_EQ(table->size(), size_t{100000});
  CHECK_EQ(ids.size(), size_t{110000});
  CHECK_EQ(ids[110000 - 2], 99999);
  // Scanning again finds every token.
  TokenScanner again(table);
  const std::vector<int32_t> second = scanAll(again, text, 999);
  CHECK(second == ids);
  CHECK_EQ(table->count(123), uint64_t{2});
}

namespace {

std::string writeTemp(const std::string& name, const std::string& text) {
  const std::string path = std::string("/tmp/w2v_token_scanner_") + name + ".txt";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

}  // namespace

TEST(token_scanner_count_file_in_parts_matches_one_scan) {
  w2v::Random rng(77);
  std::string text;
  for (int line = 0; line < 3000; ++line) {
    const int n = static_cast<int>(rng.next() % 12);
    for (int k = 0; k < n; ++k) text += "w" + std::to_string(rng.next() % (1 + line)) + (k + 1 < n ? " " : "");
    text += line % 7 == 0 ? "\r\n" : "\n";
  }
  text += "tail without newline";
  const std::string path = writeTemp("parts", text);
  auto one = std::make_shared<TokenTable>();
  TokenScanner whole(one);
  const std::vector<int32_t> wholeIds = scanAll(whole, text, 1 << 16);
  for (size_t parts : {1, 2, 3, 8}) {
    std::vector<uint64_t> starts = {0};
    for (size_t p = 1; p < parts; ++p) {
      size_t at = text.size() * p / parts;
      while (at < text.size() && text[at - 1] != '\n') ++at;  // a line start
      starts.push_back(at);
    }
    starts.push_back(text.size());
    w2v::CountControl control;
    w2v::CountedFile counted = w2v::countFile(path, starts, control, wholeIds.size());
    CHECK_EQ(counted.table->size(), one->size());
    // The parts' kept ids, read as ids of the merged table, joined: the whole scan's.
    CHECK_EQ(counted.ids.size(), parts);
    CHECK(counted.ids[0].toTable.empty());
    std::vector<int32_t> joined;
    for (w2v::IdBlocks& part : counted.ids)
      for (uint64_t i = 0; i < part.length; ++i) {
        const int32_t v = part[i];
        joined.push_back(v < 0 || part.toTable.empty() ? v : part.toTable[static_cast<size_t>(v)]);
      }
    CHECK_MSG(joined == wholeIds, "kept ids, parts " + std::to_string(parts));
    // One value past the limit keeps none; no limit keeps none.
    w2v::CountControl again;
    CHECK(w2v::countFile(path, starts, again, wholeIds.size() - 1).ids.empty());
    CHECK(w2v::countFile(path, starts, again, 0).ids.empty());
    bool same = true;
    for (size_t id = 0; id < one->size() && same; ++id)
      same = keyOf(*counted.table, id) == keyOf(*one, id) && counted.table->count(id) == one->count(id);
    CHECK_MSG(same, "parts " + std::to_string(parts));
    CHECK_EQ(counted.totals.tokens, whole.totals().tokens);
    CHECK_EQ(counted.totals.sentences, whole.totals().sentences);
    CHECK_EQ(counted.totals.lines, whole.totals().lines);
    CHECK_EQ(counted.totals.bytes, static_cast<uint64_t>(text.size()));
    CHECK_EQ(control.tokensDone.load(), whole.totals().tokens);
  }
  std::remove(path.c_str());
}

TEST(token_scanner_count_file_errors_and_cancel) {
  w2v::CountControl control;
  CHECK_THROWS_AS(w2v::countFile("/nonexistent/w2v-corpus.txt", {0, 10}, control), std::runtime_error,
                  "cannot open /nonexistent/w2v-corpus.txt");
  CHECK_THROWS_AS(w2v::countFile("/tmp/x", {5, 2}, control), std::invalid_argument, "must not descend");
  CHECK_THROWS_AS(w2v::countFile("/tmp/x", {0}, control), std::invalid_argument, "at least one part");
  const std::string path = writeTemp("cancel", "a b c\n");
  w2v::CountControl stopped;
  stopped.cancelled = true;
  const w2v::CountedFile none = w2v::countFile(path, {0, 6}, stopped);
  CHECK_EQ(none.totals.tokens, uint64_t{0});
  std::remove(path.c_str());
}

// The reference for compactIds: final ids in order, empty sentences left out.
std::vector<int32_t> referenceCompact(const std::vector<int32_t>& ids, const std::vector<int32_t>& finalId, int32_t end) {
  std::vector<int32_t> out;
  bool open = false;
  for (int32_t p : ids) {
    if (p < 0) {
      if (open) out.push_back(end);
      open = false;
    } else if (finalId[static_cast<size_t>(p)] >= 0) {
      out.push_back(finalId[static_cast<size_t>(p)]);
      open = true;
    }
  }
  if (open) out.push_back(end);
  return out;
}

TEST(token_scanner_compact_ids_narrow_and_wide_across_blocks) {
  // Over two blocks of ids, a third of the words dropped, some sentences left empty, the last
  // one without its end: rewritten in place, 2 or 4 bytes an id, like the plain reference.
  w2v::Random rng(5);
  const size_t distinct = 70000;
  std::vector<int32_t> finalId(distinct);
  for (size_t p = 0; p < distinct; ++p) finalId[p] = rng.next() % 3 == 0 ? -2 : static_cast<int32_t>(rng.next() % 65535);
  std::vector<int32_t> ids;
  const size_t n = w2v::IdBlocks::kBlock * 2 + 12345;
  for (size_t i = 0; i < n; ++i) ids.push_back(rng.next() % 9 == 0 ? -1 : static_cast<int32_t>(rng.next() % distinct));
  ids.push_back(7);
  for (bool narrow : {true, false}) {
    w2v::IdBlocks blocks;
    blocks.append(ids.data(), ids.size());
    const std::vector<int32_t> want = referenceCompact(ids, finalId, narrow ? 0xffff : -1);
    CHECK_EQ(w2v::compactIds(blocks, finalId, narrow), static_cast<uint64_t>(want.size()));
    CHECK_EQ(blocks.length, static_cast<uint64_t>(want.size()));
    const size_t width = narrow ? 2 : 4;
    const size_t perBlock = w2v::IdBlocks::kBlock * 4 / width;
    CHECK_EQ(blocks.blocks.size(), (want.size() + perBlock - 1) / perBlock);  // the rest freed
    bool same = true;
    for (size_t j = 0; j < want.size() && same; ++j) {
      const auto* base = reinterpret_cast<const unsigned char*>(blocks.blocks[j / perBlock].get()) + (j % perBlock) * width;
      int32_t v = 0;
      if (narrow) {
        uint16_t u;
        std::memcpy(&u, base, 2);
        v = u;
      } else {
        std::memcpy(&v, base, 4);
      }
      same = v == want[j];
    }
    CHECK_MSG(same, std::string(narrow ? "narrow" : "wide"));
  }
  // Every value kept and no sentence end: the closing end needs a block of its own.
  std::vector<int32_t> full(w2v::IdBlocks::kBlock, 0);
  w2v::IdBlocks blocks;
  blocks.append(full.data(), full.size());
  CHECK_EQ(w2v::compactIds(blocks, {4}, false), static_cast<uint64_t>(w2v::IdBlocks::kBlock + 1));
  CHECK_EQ(blocks.blocks.size(), size_t{2});
  CHECK_EQ(blocks[w2v::IdBlocks::kBlock], -1);
  CHECK_EQ(blocks[0], 4);
}

TEST(token_scanner_compact_ids_refuses_ids_that_do_not_fit) {
  const std::vector<int32_t> ids = {0, 1, -1, 2};
  w2v::IdBlocks a;
  a.append(ids.data(), ids.size());
  CHECK_THROWS_AS(w2v::compactIds(a, {0, 1}, false), std::invalid_argument, "id 2 is outside the 2 final ids");
  w2v::IdBlocks b;
  b.append(ids.data(), ids.size());
  CHECK_THROWS_AS(w2v::compactIds(b, {0, 65535, 1}, true), std::invalid_argument, "final id 65535 does not fit (at most 65534)");
  w2v::IdBlocks c;
  c.append(ids.data(), ids.size());
  CHECK_EQ(w2v::compactIds(c, {0, 65535, 1}, false), uint64_t{5});
  // A part's own ids go through its map to the table first, in the same pass.
  w2v::IdBlocks d;
  d.append(ids.data(), ids.size());
  d.toTable = {2, 0, 1};
  // 0 -> 2 -> 12, 1 -> 0 -> 10, end, 2 -> 1 -> left out (its sentence is left empty: dropped).
  CHECK_EQ(w2v::compactIds(d, {10, -2, 12}, false), uint64_t{3});
  CHECK_EQ(d[0], 12);
  CHECK_EQ(d[1], 10);
  CHECK_EQ(d[2], -1);
  CHECK(d.toTable.empty());
  w2v::IdBlocks e;
  e.append(ids.data(), ids.size());
  e.toTable = {0, 7, 1};
  CHECK_THROWS_AS(w2v::compactIds(e, {0, 1}, false), std::invalid_argument, "id 7 is outside the 2 final ids");
}

TEST(token_scanner_compact_parts_on_threads_as_one_by_one) {
  // Three parts (the second with its own map to the table, the third with a bad id) on threads
  // of their own: the first two as compactIds gives them, the third's error rethrown.
  const std::vector<int32_t> finalId = {10, -2, 12, 13};
  std::vector<int32_t> ids;
  for (int32_t i = 0; i < 3000; ++i) ids.push_back(i % 7 == 6 ? -1 : i % 4);
  std::vector<w2v::IdBlocks> parts(2), apart(2);
  for (size_t p = 0; p < 2; ++p) {
    parts[p].append(ids.data(), ids.size());
    apart[p].append(ids.data(), ids.size());
  }
  parts[1].toTable = apart[1].toTable = {3, 2, 1, 0};
  w2v::compactParts(parts, finalId, true);
  for (size_t p = 0; p < 2; ++p) {
    w2v::compactIds(apart[p], finalId, true);
    CHECK_EQ(parts[p].length, apart[p].length);
    CHECK(std::memcmp(parts[p].blocks[0].get(), apart[p].blocks[0].get(), static_cast<size_t>(apart[p].length) * 2) == 0);
  }
  std::vector<w2v::IdBlocks> bad(3);
  for (auto& part : bad) part.append(ids.data(), ids.size());
  const int32_t outside = 9;
  bad[2].append(&outside, 1);
  CHECK_THROWS_AS(w2v::compactParts(bad, finalId, false), std::invalid_argument, "id 9 is outside the 4 final ids");
}

TEST(token_scanner_id_keeping_limit_is_shared) {
  w2v::IdKeeping keeping(5);
  w2v::IdBlocks a, b;
  const int32_t ids[] = {1, 2, 3};
  keeping.keep(a, ids, 3);
  keeping.keep(b, ids, 2);
  CHECK(keeping.keeping());
  CHECK_EQ(a.length + b.length, uint64_t{5});
  keeping.keep(b, ids, 1);
  CHECK(keeping.over());
  CHECK(!keeping.keeping());
  CHECK_EQ(b.length, uint64_t{2});  // nothing past the limit
  w2v::IdKeeping none(0);
  none.keep(a, ids, 3);
  CHECK(!none.keeping());
  CHECK_EQ(a.length, uint64_t{3});
}
