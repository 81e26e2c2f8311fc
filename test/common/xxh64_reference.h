// XXH64 written from its specification (github.com/Cyan4973/xxHash, doc/xxhash_spec.md), as a
// reference independent of native/index/index_file.cc, which keeps its own private: the index
// file tests and the index-file fuzz target recompute header hashes with it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace xxh64_reference {

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t readLe(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

inline uint64_t xxh64(const uint8_t* p, size_t n, uint64_t seed) {
  constexpr uint64_t P1 = 11400714785074694791ull, P2 = 14029467366897019727ull, P3 = 1609587929392839161ull,
                     P4 = 9650029242287828579ull, P5 = 2870177450012600261ull;
  const auto round = [](uint64_t acc, uint64_t lane) { return rotl(acc + lane * P2, 31) * P1; };
  size_t i = 0;
  uint64_t h = seed + P5;
  if (n >= 32) {
    uint64_t v[4] = {seed + P1 + P2, seed + P2, seed, seed - P1};
    for (; i + 32 <= n; i += 32)
      for (int l = 0; l < 4; ++l) v[l] = round(v[l], readLe(p + i + 8 * l, 8));
    h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
    for (int l = 0; l < 4; ++l) h = (h ^ round(0, v[l])) * P1 + P4;
  }
  h += n;
  for (; i + 8 <= n; i += 8) h = rotl(h ^ round(0, readLe(p + i, 8)), 27) * P1 + P4;
  if (i + 4 <= n) {
    h = rotl(h ^ (readLe(p + i, 4) * P1), 23) * P2 + P3;
    i += 4;
  }
  for (; i < n; ++i) h = rotl(h ^ (p[i] * P5), 11) * P1;
  h = (h ^ (h >> 33)) * P2;
  h = (h ^ (h >> 29)) * P3;
  return h ^ (h >> 32);
}

}  // namespace xxh64_reference
