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

/* The index of the first of s[i..len) that may be '"' or '\' (or, with ctl, a control
 * character); a candidate only: callers check bytes one by one from there. */
static inline size_t rk_swar_skip_plain(const char *s, size_t i, size_t len, int ctl)
{
    uint64_t v;

    while (i + 8 <= len) {
        memcpy(&v, s + i, 8);
        if (rk_swar_has(v, '"') | rk_swar_has(v, '\\') | (ctl ? rk_swar_below(v, 0x20) : 0))
            break;
        i += 8;
    }
    return i;
}

#endif
