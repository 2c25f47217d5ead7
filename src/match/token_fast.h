/* token_fast.h - SSE4.1 classification of a whole line of host characters, for grep mode.
 *
 * A line made only of letters, digits, '-', '_' and '.' (a domain, or a hex digest) is read
 * 16 bytes at a time: one pass finds where the run of such characters ends (which must be
 * the line end, so no memchr is needed), stores the lower-cased bytes, and keeps bit masks of
 * dots, letters and hex digits for the caller. Digests decode with two multiply-adds per 16
 * hex digits. The scalar code in grep.c handles everything else and is the reference.
 */
#ifndef RK_MATCH_TOKEN_FAST_H
#define RK_MATCH_TOKEN_FAST_H

#include <stdint.h>
#include <string.h>

#include "match/ipv4_fast.h"

#ifdef RK_MATCH_HAVE_SSE41

#define TOKEN_CHUNKS 16 /* lines of up to 256 bytes */

struct token {
    size_t n;    /* bytes of the token (the line without its end) */
    size_t len;  /* bytes of the line with its end (LF or CRLF) */
    uint16_t dots[TOKEN_CHUNKS], letters[TOKEN_CHUNKS], hex[TOKEN_CHUNKS];
};

/* Scan the line at p (end - p >= 16 * chunks read are checked here). Lower-cased bytes go to
 * out (256 + 16 bytes). 1 when the whole line is host characters, 0 otherwise (the caller
 * takes the general path). */
__attribute__((target("sse4.1"))) static inline int token_scan_sse(const char *p, const char *end,
                                                                  char *out, struct token *t)
{
    const __m128i c0 = _mm_set1_epi8('0'), ca = _mm_set1_epi8('a'), c9 = _mm_set1_epi8(9);
    const __m128i c25 = _mm_set1_epi8(25), c5 = _mm_set1_epi8(5), c20 = _mm_set1_epi8(0x20);

    for (unsigned k = 0; k < TOKEN_CHUNKS; k++) {
        __m128i v, lower, la, d, letter, digit, hexl, host, dot;
        unsigned mh, run;

        if (end - p < (ptrdiff_t)(16 * (k + 1)))
            return 0;
        v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        lower = _mm_or_si128(v, c20);
        la = _mm_sub_epi8(lower, ca);
        d = _mm_sub_epi8(v, c0);
        letter = _mm_cmpeq_epi8(_mm_min_epu8(la, c25), la);
        digit = _mm_cmpeq_epi8(_mm_min_epu8(d, c9), d);
        hexl = _mm_cmpeq_epi8(_mm_min_epu8(la, c5), la);
        dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
        host = _mm_or_si128(_mm_or_si128(letter, digit),
                            _mm_or_si128(_mm_or_si128(dot, _mm_cmpeq_epi8(v, _mm_set1_epi8('-'))),
                                         _mm_cmpeq_epi8(v, _mm_set1_epi8('_'))));
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * k), _mm_blendv_epi8(v, lower, letter));
        t->dots[k] = (uint16_t)_mm_movemask_epi8(dot);
        t->letters[k] = (uint16_t)_mm_movemask_epi8(letter);
        t->hex[k] = (uint16_t)_mm_movemask_epi8(_mm_or_si128(digit, hexl));
        mh = (unsigned)_mm_movemask_epi8(host);
        if (mh == 0xffff)
            continue;
        run = 16 * k + (unsigned)__builtin_ctz(~mh);
        if (p[run] == '\n') {
            t->n = run;
            t->len = run + 1;
            return 1;
        }
        if (p[run] == '\r' && p + run + 1 < end && p[run + 1] == '\n') {
            t->n = run;
            t->len = run + 2;
            return 1;
        }
        return 0;
    }
    return 0;
}

/* Bits [from, to) of the token's masks: any set? */
static inline int token_any(const uint16_t *mask, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (mask[i / 16] >> (i % 16) & 1)
            return 1;
    return 0;
}

/* All of bits [0, n) set? */
static inline int token_all(const uint16_t *mask, size_t n)
{
    size_t i = 0;

    for (; i + 16 <= n; i += 16)
        if (mask[i / 16] != 0xffff)
            return 0;
    return i == n || (mask[i / 16] | (uint16_t)(0xffffu << (n - i))) == 0xffff;
}

/* A line of exactly n hex digits (n a multiple of 16) then LF or CRLF, as lists of one hash
 * algorithm come: checked and decoded into out in one pass. *len_out gets the length of the
 * line with its end. 1 such a line, 0 not (the caller takes the general path, which gives the
 * same verdict for such lines). */
__attribute__((target("sse4.1"))) static inline int hex_line_sse(const char *p, const char *end,
                                                                size_t n, uint8_t *out,
                                                                size_t *len_out)
{
    const __m128i c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9), c5 = _mm_set1_epi8(5);
    const __m128i weights = _mm_set1_epi16(0x0110); /* bytes (16, 1): hi * 16 + lo */
    __m128i ok = _mm_set1_epi8(-1);
    size_t avail = (size_t)(end - p);

    if (avail <= n)
        return 0;
    if (p[n] == '\n')
        *len_out = n + 1;
    else if (p[n] == '\r' && avail > n + 1 && p[n + 1] == '\n')
        *len_out = n + 2;
    else
        return 0;
    for (size_t i = 0; i < n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i d = _mm_sub_epi8(v, c0);
        __m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
        __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, c9), d);
        __m128i letter = _mm_cmpeq_epi8(_mm_min_epu8(l, c5), l);
        __m128i nib = _mm_blendv_epi8(_mm_add_epi8(l, _mm_set1_epi8(10)), d, digit);
        __m128i words = _mm_maddubs_epi16(nib, weights);

        ok = _mm_and_si128(ok, _mm_or_si128(digit, letter));
        _mm_storel_epi64((__m128i *)(void *)(out + i / 2), _mm_packus_epi16(words, words));
    }
    return _mm_movemask_epi8(ok) == 0xffff;
}

/* Decode n hex digits at p (n a multiple of 16, all known to be hex) into out. */
__attribute__((target("sse4.1"))) static inline void hex_decode_sse(const char *p, size_t n,
                                                                   uint8_t *out)
{
    const __m128i c0 = _mm_set1_epi8('0'), c9 = _mm_set1_epi8(9);
    const __m128i weights = _mm_set1_epi16(0x0110); /* bytes (16, 1): hi * 16 + lo */

    for (size_t i = 0; i < n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i d = _mm_sub_epi8(v, c0);
        __m128i digit = _mm_cmpeq_epi8(_mm_min_epu8(d, c9), d);
        __m128i letter = _mm_add_epi8(_mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
                                                   _mm_set1_epi8('a')),
                                      _mm_set1_epi8(10));
        __m128i nib = _mm_blendv_epi8(letter, d, digit);
        __m128i words = _mm_maddubs_epi16(nib, weights);
        __m128i bytes = _mm_packus_epi16(words, words);

        _mm_storel_epi64((__m128i *)(void *)(out + i / 2), bytes);
    }
}
#endif

#endif
