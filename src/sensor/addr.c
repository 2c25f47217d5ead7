/* addr.c - IPv4/IPv6 addresses and prefixes: parse, format, containment, the /24 and /48
 * grouping prefixes and the special-purpose ("bogon") source ranges. */
#include "sensor/sensor_int.h"
#include "util/strparse.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int rk_sensor_addr_is_v4(const struct rk_sensor_addr *a)
{
    return memcmp(a->a, v4_mapped, 12) == 0;
}

uint32_t rk_sensor_addr_v4(const struct rk_sensor_addr *a)
{
    return (uint32_t)a->a[12] << 24 | (uint32_t)a->a[13] << 16 | (uint32_t)a->a[14] << 8 | a->a[15];
}

void rk_sensor_addr_from_v4(struct rk_sensor_addr *out, uint32_t v4)
{
    memcpy(out->a, v4_mapped, 12);
    out->a[12] = (uint8_t)(v4 >> 24);
    out->a[13] = (uint8_t)(v4 >> 16);
    out->a[14] = (uint8_t)(v4 >> 8);
    out->a[15] = (uint8_t)v4;
}

void addr_from_halves(struct rk_sensor_addr *out, uint64_t hi, uint64_t lo)
{
    for (int i = 7; i >= 0; i--, hi >>= 8)
        out->a[i] = (uint8_t)hi;
    for (int i = 15; i >= 8; i--, lo >>= 8)
        out->a[i] = (uint8_t)lo;
}

int rk_sensor_addr_parse(const char *s, size_t len, struct rk_sensor_addr *out)
{
    char tmp[64];
    struct in_addr a4;

    if (len == 0 || len >= sizeof(tmp))
        return RK_EFORMAT;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (memchr(tmp, ':', len)) {
        if (inet_pton(AF_INET6, tmp, out->a) != 1)
            return RK_EFORMAT;
        return 0;
    }
    if (inet_pton(AF_INET, tmp, &a4) != 1)
        return RK_EFORMAT;
    rk_sensor_addr_from_v4(out, ntohl(a4.s_addr));
    return 0;
}

/* Clear the host bits of a (bits counted in the 128-bit mapped space). Returns 1 when some
 * host bit was set. */
static int clear_host_bits(struct rk_sensor_addr *a, unsigned bits)
{
    int had = 0;

    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;
        uint8_t keep;

        if (lo >= bits)
            keep = 0;
        else if (lo + 8 <= bits)
            keep = 0xff;
        else
            keep = (uint8_t)(0xff << (8 - (bits - lo)));
        had |= (a->a[i] & ~keep) != 0;
        a->a[i] &= keep;
    }
    return had;
}

static unsigned mapped_bits(const struct rk_sensor_prefix *p)
{
    return rk_sensor_addr_is_v4(&p->addr) ? 96u + p->len : p->len;
}

int rk_sensor_prefix_parse(const char *s, size_t len, int allow_host_bits,
                           struct rk_sensor_prefix *out)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    uint64_t plen;
    unsigned maxlen;

    if (rk_sensor_addr_parse(s, alen, &out->addr) != 0)
        return RK_EFORMAT;
    maxlen = rk_sensor_addr_is_v4(&out->addr) ? 32 : 128;
    if (!slash) {
        out->len = (uint8_t)maxlen;
        return 0;
    }
    if (rk_parse_u64(slash + 1, len - alen - 1, maxlen, &plen) != 0)
        return RK_EFORMAT;
    out->len = (uint8_t)plen;
    if (clear_host_bits(&out->addr, mapped_bits(out)) && !allow_host_bits)
        return RK_EFORMAT;
    return 0;
}

const char *rk_sensor_addr_format(const struct rk_sensor_addr *a, char *buf, size_t cap)
{
    struct in_addr a4;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (rk_sensor_addr_is_v4(a)) {
        a4.s_addr = htonl(rk_sensor_addr_v4(a));
        if (!inet_ntop(AF_INET, &a4, buf, (socklen_t)cap))
            buf[0] = '\0';
    } else if (!inet_ntop(AF_INET6, a->a, buf, (socklen_t)cap)) {
        buf[0] = '\0';
    }
    return buf;
}

const char *rk_sensor_prefix_format(const struct rk_sensor_prefix *p, char *buf, size_t cap)
{
    size_t n;

    rk_sensor_addr_format(&p->addr, buf, cap);
    n = strlen(buf);
    if (n + 5 <= cap)
        snprintf(buf + n, cap - n, "/%u", p->len);
    return buf;
}

int rk_sensor_prefix_contains(const struct rk_sensor_prefix *p, const struct rk_sensor_addr *a)
{
    struct rk_sensor_addr x = *a;

    if (rk_sensor_addr_is_v4(&p->addr) != rk_sensor_addr_is_v4(a))
        return 0;
    clear_host_bits(&x, mapped_bits(p));
    return memcmp(x.a, p->addr.a, 16) == 0;
}

void addr_group_prefix(const struct rk_sensor_addr *a, struct rk_sensor_prefix *out)
{
    out->addr = *a;
    out->len = rk_sensor_addr_is_v4(a) ? 24 : 48;
    clear_host_bits(&out->addr, mapped_bits(out));
}

/* ---- special-purpose source ranges (RFC 6890 and its IANA registries) -------------------- */

struct bogon4 {
    uint32_t net;
    uint8_t len;
};

static const struct bogon4 bogons4[] = {
        {0x00000000, 8},  /* "this network" */
        {0x0a000000, 8},  /* private */
        {0x64400000, 10}, /* shared address space (CGN) */
        {0x7f000000, 8},  /* loopback */
        {0xa9fe0000, 16}, /* link local */
        {0xac100000, 12}, /* private */
        {0xc0000000, 24}, /* IETF protocol assignments */
        {0xc0000200, 24}, /* TEST-NET-1 */
        {0xc0586300, 24}, /* 6to4 relay anycast (deprecated) */
        {0xc0a80000, 16}, /* private */
        {0xc6120000, 15}, /* benchmarking */
        {0xc6336400, 24}, /* TEST-NET-2 */
        {0xcb007100, 24}, /* TEST-NET-3 */
        {0xe0000000, 4},  /* multicast */
        {0xf0000000, 4},  /* reserved, including 255.255.255.255 */
};

struct bogon6 {
    uint8_t net[4]; /* the first 32 bits are enough for every range below */
    uint8_t len;
    uint8_t rest_zero; /* bits 32..len-1 must be zero too */
};

static const struct bogon6 bogons6[] = {
        {{0x00, 0x00, 0x00, 0x00}, 8, 0},  /* ::/8: unspecified, loopback, mapped, compat */
        {{0x01, 0x00, 0x00, 0x00}, 64, 1}, /* 100::/64 discard-only */
        {{0x20, 0x01, 0x0d, 0xb8}, 32, 0}, /* documentation */
        {{0x20, 0x01, 0x00, 0x10}, 28, 0}, /* ORCHID (deprecated) */
        {{0x3f, 0xff, 0x00, 0x00}, 20, 0}, /* documentation (RFC 9637) */
        {{0xfc, 0x00, 0x00, 0x00}, 7, 0},  /* unique local */
        {{0xfe, 0x80, 0x00, 0x00}, 10, 0}, /* link local */
        {{0xfe, 0xc0, 0x00, 0x00}, 10, 0}, /* site local (deprecated) */
        {{0xff, 0x00, 0x00, 0x00}, 8, 0},  /* multicast */
};

static int in_bogon6(const struct rk_sensor_addr *a, const struct bogon6 *b)
{
    uint32_t net = (uint32_t)b->net[0] << 24 | (uint32_t)b->net[1] << 16 |
                   (uint32_t)b->net[2] << 8 | b->net[3];
    uint32_t top =
            (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 | (uint32_t)a->a[2] << 8 | a->a[3];
    unsigned l = b->len > 32 ? 32 : b->len;
    uint32_t mask = l == 0 ? 0 : 0xffffffffU << (32 - l);

    if ((top & mask) != net)
        return 0;
    if (b->rest_zero) {
        for (unsigned i = 4; i < b->len / 8; i++) {
            if (a->a[i] != 0)
                return 0;
        }
    }
    return 1;
}

int addr_is_bogon(const struct rk_sensor_addr *a, int ipv)
{
    size_t i;

    if (rk_sensor_addr_is_v4(a)) {
        uint32_t v = rk_sensor_addr_v4(a);

        if (ipv == 6)
            return 1; /* an IPv4-mapped source in an IPv6 header */
        for (i = 0; i < sizeof(bogons4) / sizeof(bogons4[0]); i++) {
            uint32_t mask = 0xffffffffU << (32 - bogons4[i].len);

            if ((v & mask) == bogons4[i].net)
                return 1;
        }
        return 0;
    }
    for (i = 0; i < sizeof(bogons6) / sizeof(bogons6[0]); i++) {
        if (in_bogon6(a, &bogons6[i]))
            return 1;
    }
    return 0;
}
