/* swar.h - find the first byte that needs attention in JSON text: sixteen bytes at a time with
 * SSE2, else eight at a time in a 64-bit word. */
#ifndef RK_STIX_SWAR_H
#define RK_STIX_SWAR_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

/* What ends a run of plain string bytes besides '"' and '\'. */
enum {
    RK_SWAR_STOP_CTL = 1u << 0, /* control characters (below 0x20) */
    RK_SWAR_STOP_HIGH = 1u << 1 /* non-ASCII bytes (0x80 and above); only with RK_SWAR_STOP_CTL */
};

/* Eight bytes at a time from s[i] while eight remain: the index of the first byte that may
 * stop a run (see rk_swar_first), or of the first of the last bytes (fewer than eight). */
static inline size_t rk_swar_skip_words(const char *s, size_t i, size_t len, unsigned stop)
{
    uint64_t v, m;

    while (i + 8 <= len) {
        memcpy(&v, s + i, 8);
        m = rk_swar_has(v, '"') | rk_swar_has(v, '\\') |
            (stop & RK_SWAR_STOP_CTL ? rk_swar_below(v, 0x20) : 0) |
            (stop & RK_SWAR_STOP_HIGH ? v & RK_SWAR_HIGHS : 0);
        if (m)
            return i + rk_swar_first(m);
        i += 8;
    }
    return i;
}

#if defined(__SSE2__)
/* Sixteen bytes at a time, exactly (x86-64 always has SSE2); the rest as above. */
static inline size_t rk_swar_skip(const char *s, size_t i, size_t len, unsigned stop)
{
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20), ctl_max = _mm_set1_epi8(0x1f);

    while (i + 16 <= len) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        unsigned bits;

        if (stop & RK_SWAR_STOP_HIGH) /* signed: below 0x20, or 0x80 and above */
            m = _mm_or_si128(m, _mm_cmplt_epi8(v, space));
        else if (stop & RK_SWAR_STOP_CTL) /* unsigned v <= 0x1f */
            m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_min_epu8(v, ctl_max), v));
        bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz(bits);
        i += 16;
    }
    return rk_swar_skip_words(s, i, len, stop);
}
#else
static inline size_t rk_swar_skip(const char *s, size_t i, size_t len, unsigned stop)
{
    return rk_swar_skip_words(s, i, len, stop);
}
#endif

/* The index of the first of s[i..len) that may be '"' or '\' (or, with ctl, a control
 * character); a candidate only: callers check bytes one by one from there. */
static inline size_t rk_swar_skip_plain(const char *s, size_t i, size_t len, int ctl)
{
    return rk_swar_skip(s, i, len, ctl ? RK_SWAR_STOP_CTL : 0);
}

#endif
