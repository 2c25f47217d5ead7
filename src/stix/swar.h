/* swar.h - eight bytes at a time: find the first byte that needs attention in JSON text. */
#ifndef RK_STIX_SWAR_H
#define RK_STIX_SWAR_H

#include <stdint.h>
#include <string.h>

#define RK_SWAR_ONES  0x0101010101010101ULL
#define RK_SWAR_HIGHS 0x8080808080808080ULL

/* Non-zero when some byte of v equals b. */
static inline uint64_t rk_swar_has(uint64_t v, unsigned char b)
{
    uint64_t x = v ^ (RK_SWAR_ONES * b);

    return (x - RK_SWAR_ONES) & ~x & RK_SWAR_HIGHS;
}

/* Non-zero when some byte of v is below n (n <= 128). */
static inline uint64_t rk_swar_below(uint64_t v, unsigned char n)
{
    return (v - RK_SWAR_ONES * n) & ~v & RK_SWAR_HIGHS;
}

/* The position in its word of the first byte (in memory order) that a mask of the functions
 * above flags. It is never past the first byte that truly matches (a false flag comes only
 * from a borrow out of a true one), so callers may go on byte by byte from there. */
static inline size_t rk_swar_first(uint64_t mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(mask) / 8;
#else
    return (size_t)__builtin_clzll(mask) / 8;
#endif
}

/* The index of the first of s[i..len) that may be '"' or '\' (or, with ctl, a control
 * character); a candidate only: callers check bytes one by one from there. */
static inline size_t rk_swar_skip_plain(const char *s, size_t i, size_t len, int ctl)
{
    uint64_t v, m;

    while (i + 8 <= len) {
        memcpy(&v, s + i, 8);
        m = rk_swar_has(v, '"') | rk_swar_has(v, '\\') | (ctl ? rk_swar_below(v, 0x20) : 0);
        if (m)
            return i + rk_swar_first(m);
        i += 8;
    }
    return i;
}

#endif
