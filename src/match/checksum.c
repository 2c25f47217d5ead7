/* checksum.c - a fast 64-bit checksum for snapshot images.
 *
 * Four independent multiply-rotate lanes over 32-byte blocks, then the tail byte by byte and a
 * final avalanche. It catches truncation, bit rot and torn writes at memory speed; it is not a
 * defence against a forger (the loader validates every offset for that).
 */
#include "match/internal.h"

#define P1 0x9e3779b185ebca87ULL
#define P2 0xc2b2ae3d27d4eb4fULL
#define P3 0x165667b19e3779f9ULL

static inline uint64_t rotl(uint64_t x, unsigned r)
{
    return x << r | x >> (64 - r);
}

static inline uint64_t lane(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    acc = rotl(acc, 31);
    return acc * P1;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return v;
}

uint64_t rk_match__checksum(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t a = P1 + P2, b = P2, c = 0, d = 0 - P1, h;
    size_t i = 0;

    for (; i + 32 <= len; i += 32) {
        a = lane(a, load64(p + i));
        b = lane(b, load64(p + i + 8));
        c = lane(c, load64(p + i + 16));
        d = lane(d, load64(p + i + 24));
    }
    h = rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18) + (uint64_t)len;
    for (; i + 8 <= len; i += 8)
        h = rotl(h ^ lane(0, load64(p + i)), 27) * P1 + P3;
    for (; i < len; i++)
        h = rotl(h ^ (p[i] * P3), 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}
