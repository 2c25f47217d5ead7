/* digest.c - hashing through nettle, hex, constant-time compare. */
#include "util/digest.h"
#include "renkei/error.h"

void rk_sha1_init(struct rk_sha1 *c)
{
    sha1_init(&c->ctx);
}

void rk_sha1_update(struct rk_sha1 *c, const void *p, size_t len)
{
    sha1_update(&c->ctx, len, p);
}

void rk_sha1_final(struct rk_sha1 *c, uint8_t out[RK_SHA1_LEN])
{
    sha1_digest(&c->ctx, RK_SHA1_LEN, out);
}

void rk_sha256_init(struct rk_sha256 *c)
{
    sha256_init(&c->ctx);
}

void rk_sha256_update(struct rk_sha256 *c, const void *p, size_t len)
{
    sha256_update(&c->ctx, len, p);
}

void rk_sha256_final(struct rk_sha256 *c, uint8_t out[RK_SHA256_LEN])
{
    sha256_digest(&c->ctx, RK_SHA256_LEN, out);
}

void rk_sha256(const void *p, size_t len, uint8_t out[RK_SHA256_LEN])
{
    struct rk_sha256 c;

    rk_sha256_init(&c);
    rk_sha256_update(&c, p, len);
    rk_sha256_final(&c, out);
}

void rk_hex_encode(char *out, const uint8_t *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    out[2 * len] = '\0';
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int rk_hex_decode(uint8_t *out, size_t out_len, const char *s, size_t len)
{
    if (len != 2 * out_len)
        return RK_EFORMAT;
    for (size_t i = 0; i < out_len; i++) {
        int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return RK_EFORMAT;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int rk_timingsafe_bcmp(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;

    for (size_t i = 0; i < len; i++)
        diff |= x[i] ^ y[i];
    return diff != 0;
}
