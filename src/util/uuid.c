/* uuid.c - UUID v4 and v5. */
#include "util/uuid.h"
#include "util/digest.h"
#include "util/random.h"
#include "renkei/error.h"

#include <string.h>

const uint8_t RK_UUID_NS_STIX[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
                                     0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};

void rk_uuid_format(char out[RK_UUID_STR], const uint8_t u[16])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u[i] >> 4];
        out[o++] = hex[u[i] & 15];
    }
    out[o] = '\0';
}

static void set_version(uint8_t u[16], int version)
{
    u[6] = (uint8_t)((u[6] & 0x0f) | (version << 4));
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

void rk_uuid_v4(char out[RK_UUID_STR])
{
    uint8_t u[16];

    rk_random_bytes(u, sizeof(u));
    set_version(u, 4);
    rk_uuid_format(out, u);
}

void rk_uuid_v5(char out[RK_UUID_STR], const uint8_t ns[16], const void *name, size_t len)
{
    uint8_t digest[RK_SHA1_LEN];
    struct rk_sha1 ctx;

    rk_sha1_init(&ctx);
    rk_sha1_update(&ctx, ns, 16);
    rk_sha1_update(&ctx, name, len);
    rk_sha1_final(&ctx, digest);
    set_version(digest, 5);
    rk_uuid_format(out, digest);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rk_uuid_parse(uint8_t out[16], const char *s, size_t len)
{
    size_t i, o = 0;

    if (len != 36)
        return RK_EFORMAT;
    for (i = 0; i < 36;) {
        int hi, lo;

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-')
                return RK_EFORMAT;
            continue;
        }
        if ((hi = hex_value(s[i])) < 0 || (lo = hex_value(s[i + 1])) < 0)
            return RK_EFORMAT;
        out[o++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    return 0;
}
