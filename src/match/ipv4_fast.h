/* ipv4_fast.h - a branch-free dotted-quad parser with SSE4.1, for grep mode's hot loop.
 *
 * It reads 16 bytes at s (the caller guarantees they are readable), finds the run of digits
 * and dots at the start, checks that it has three dots with 1-3 digits between them, and turns
 * the digits into numbers with one shuffle and two multiply-adds. The dot positions select the
 * shuffle from a table of the 81 possible shapes. Results equal the scalar parser's: no
 * leading zeros, each part <= 255, and the run must end at a character other than a letter.
 */
#ifndef RK_MATCH_IPV4_FAST_H
#define RK_MATCH_IPV4_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "match/probe.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RK_MATCH_HAVE_SSE41 1

struct v4_shape {
    uint8_t shuffle[16];
    int32_t min[4]; /* 100 for a 3-digit part (no leading zero), 10 for 2, 0 for 1 */
};

extern struct v4_shape rk_match__v4_shapes[81];
/* Fill the table once (thread-safe); 1 when the CPU has SSE4.1. */
int rk_match__v4_fast_init(void);

/* Parse at s; *len_out gets the length of the digits-and-dots run. 1 parsed, 0 not. */
__attribute__((target("sse4.1"))) static inline int v4_parse_sse(const char *s,
                                                                const uint8_t *letter,
                                                                uint32_t *out, unsigned *len_out)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i t = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
    __m128i dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
    unsigned mdot = (unsigned)_mm_movemask_epi8(dot);
    unsigned run = (unsigned)_mm_movemask_epi8(dig) | mdot;
    unsigned len = (unsigned)__builtin_ctz(~run), m, p1, p2, p3, g1, g2, g3, g4;
    const struct v4_shape *sh;
    __m128i vals, bad;

    if (len < 7 || len > 15 || letter[(uint8_t)s[len]])
        return 0;
    m = mdot & ((1u << len) - 1);
    if (m == 0)
        return 0;
    p1 = (unsigned)__builtin_ctz(m);
    m &= m - 1;
    p2 = m ? (unsigned)__builtin_ctz(m) : 0;
    m &= m - 1;
    p3 = m ? (unsigned)__builtin_ctz(m) : 0;
    if (m == 0 || (m & (m - 1)) != 0) /* exactly three dots (popcnt is not SSE4.1) */
        return 0;
    g1 = p1 - 1;
    g2 = p2 - p1 - 2;
    g3 = p3 - p2 - 2;
    g4 = len - p3 - 2;
    if ((g1 > 2) | (g2 > 2) | (g3 > 2) | (g4 > 2)) /* 1..3 digits each; 0 wraps around */
        return 0;
    sh = &rk_match__v4_shapes[g1 * 27 + g2 * 9 + g3 * 3 + g4];
    t = _mm_shuffle_epi8(t, _mm_loadu_si128((const __m128i *)(const void *)sh->shuffle));
    vals = _mm_madd_epi16(_mm_maddubs_epi16(t, _mm_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100,
                                                             10, 1, 0, 100, 10, 1, 0)),
                          _mm_set1_epi16(1));
    bad = _mm_or_si128(_mm_cmpgt_epi32(vals, _mm_set1_epi32(255)),
                       _mm_cmplt_epi32(vals, _mm_loadu_si128((const __m128i *)(const void *)sh->min)));
    if (!_mm_testz_si128(bad, bad))
        return 0;
    vals = _mm_shuffle_epi8(vals, _mm_setr_epi8(12, 8, 4, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                                -1, -1, -1));
    *out = (uint32_t)_mm_cvtsi128_si32(vals);
    *len_out = len;
    return 1;
}

/* probe_rank16 counting eight bounds at a time: the lanes <= a are summed, with no chain of
 * dependent loads (large ranges are first narrowed by halving). The last bounds are read as the
 * eight before hi with the lanes already counted masked off, so nothing outside v[0..hi) is
 * read; hi < 8 takes probe_rank16. Same result as probe_rank16 (tests/unit/match/grep.c). */
__attribute__((target("sse4.1"))) static inline size_t v4_rank16_sse(const uint16_t *v, size_t lo,
                                                                    size_t hi, uint16_t a)
{
    static const uint16_t tail[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0xffff, 0xffff, 0xffff, 0xffff,
                                      0xffff, 0xffff, 0xffff, 0xffff};
    const __m128i va = _mm_set1_epi16((short)a);
    __m128i acc = _mm_setzero_si128(), b;
    size_t i;

    if (hi < 8)
        return probe_rank16(v, lo, hi, a);
    while (hi - lo > 32) {
        size_t half = (hi - lo) / 2;

        if (v[lo + half - 1] <= a)
            lo += half;
        else
            hi = lo + half;
    }
    for (i = lo; i + 8 <= hi; i += 8) {
        b = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
        acc = _mm_sub_epi16(acc, _mm_cmpeq_epi16(_mm_max_epu16(b, va), va));
    }
    if (i < hi && hi >= 8) {
        b = _mm_loadu_si128((const __m128i *)(const void *)(v + hi - 8));
        b = _mm_cmpeq_epi16(_mm_max_epu16(b, va), va);
        acc = _mm_sub_epi16(acc, _mm_and_si128(b, _mm_loadu_si128((const __m128i *)(const void *)(
                                                          tail + (hi - i)))));
    }
    acc = _mm_madd_epi16(acc, _mm_set1_epi16(1));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
    acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
    return lo + (size_t)(uint32_t)_mm_cvtsi128_si32(acc);
}
#endif

#endif
