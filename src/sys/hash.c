/* XXH64, the 64-bit xxHash of Yann Collet (https://github.com/Cyan4973/xxHash, BSD-2-Clause;
   specification in doc/xxhash_spec.md there), written out because it is fifty lines and pnlme should
   not depend on a library for it.  Input bytes are read as little-endian words on every platform
   (byte-swapped on big-endian ones), so the value is that of the reference implementation everywhere:
   XXH64("", 0) = 0xef46db3751d8e999, XXH64("abc", 0) = 0x44bc2cf5ad770999 (tests/fit/checkpoint-damage.c). */
#include <pnlmesys.h>
#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t Read64(const unsigned char *p)
{
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static inline uint32_t Read32(const unsigned char *p)
{
  uint32_t v;
  memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

static inline uint64_t Round(uint64_t acc, uint64_t w) { return Rotl(acc + w * P2, 31) * P1; }

static inline uint64_t Merge(uint64_t h, uint64_t v) { return (h ^ Round(0, v)) * P1 + P4; }

uint64_t PnlmeHash64(const void *data, size_t len, uint64_t seed)
{
  const unsigned char *p = (const unsigned char *)data, *end = p + len;
  uint64_t             h;
  if (len >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (; p + 32 <= end; p += 32) {
      v1 = Round(v1, Read64(p));
      v2 = Round(v2, Read64(p + 8));
      v3 = Round(v3, Read64(p + 16));
      v4 = Round(v4, Read64(p + 24));
    }
    h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18);
    h = Merge(Merge(Merge(Merge(h, v1), v2), v3), v4);
  } else h = seed + P5;
  h += (uint64_t)len;
  for (; p + 8 <= end; p += 8) h = Rotl(h ^ Round(0, Read64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = Rotl(h ^ (uint64_t)Read32(p) * P1, 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; p++) h = Rotl(h ^ (uint64_t)*p * P5, 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}
