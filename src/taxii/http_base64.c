/* http_base64.c - strict base64 (RFC 4648 section 4, for Basic credentials) and base64url
 * without padding (section 5, for paging tokens). */
#include "taxii/http_request.h"

static const char url_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of c in the alphabet, or -1. */
static int sextet(char c, int url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decode n (2..4) characters of one group into 1..3 bytes; the unused low bits of the last
 * character must be zero so that every byte string has exactly one encoding. */
static int decode_group(const char *s, size_t n, int url, uint8_t *out)
{
    uint32_t v = 0;

    for (size_t i = 0; i < 4; i++) {
        int x = i < n ? sextet(s[i], url) : 0;

        if (x < 0)
            return RK_EFORMAT;
        v = v << 6 | (uint32_t)x;
    }
    if ((n == 2 && (v & 0xffff) != 0) || (n == 3 && (v & 0xff) != 0))
        return RK_EFORMAT;
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return 0;
}

static int decode(uint8_t *out, size_t cap, const char *s, size_t len, int url, size_t *len_out)
{
    size_t o = 0;

    *len_out = 0;
    if (!url) {
        if (len % 4 != 0)
            return RK_EFORMAT;
        if (len >= 1 && s[len - 1] == '=')
            len--;
        if (len >= 1 && s[len - 1] == '=')
            len--;
    }
    if (len % 4 == 1)
        return RK_EFORMAT;
    for (size_t i = 0; i < len; i += 4) {
        size_t n = len - i < 4 ? len - i : 4;
        uint8_t group[3];

        if (decode_group(s + i, n, url, group) != 0 || o + (n - 1) > cap)
            return RK_EFORMAT;
        for (size_t k = 0; k + 1 < n; k++)
            out[o++] = group[k];
    }
    *len_out = o;
    return 0;
}

int rk_taxii_base64_decode(uint8_t *out, size_t cap, const char *s, size_t len, size_t *len_out)
{
    return decode(out, cap, s, len, 0, len_out);
}

int rk_taxii_base64url_decode(uint8_t *out, size_t cap, const char *s, size_t len,
                              size_t *len_out)
{
    return decode(out, cap, s, len, 1, len_out);
}

void rk_taxii_base64url_encode(char *out, const uint8_t *p, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        size_t n = len - i < 3 ? len - i : 3;

        if (n > 1)
            v |= (uint32_t)p[i + 1] << 8;
        if (n > 2)
            v |= p[i + 2];
        for (size_t k = 0; k < n + 1; k++)
            out[o++] = url_alphabet[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
}
