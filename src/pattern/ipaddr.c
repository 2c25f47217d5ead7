/* ipaddr.c - IPv4 and IPv6 addresses and CIDR blocks, for ISSUBSET, ISSUPERSET and '='. */
#include "pattern/internal.h"
#include "util/strparse.h"

#include <arpa/inet.h>
#include <string.h>

#define IP_TEXT_MAX 64

static void clear_host_bits(struct ipnet *n)
{
    size_t bytes = n->family == 4 ? 4 : 16;

    for (size_t i = 0; i < bytes; i++) {
        unsigned keep = n->prefix >= (i + 1) * 8 ? 8 : n->prefix > i * 8 ? n->prefix - i * 8 : 0;

        n->addr[i] &= (uint8_t)(0xFF00u >> keep);
    }
}

int ipnet_parse(const char *s, size_t len, struct ipnet *out)
{
    char buf[IP_TEXT_MAX];
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    uint64_t prefix;

    memset(out, 0, sizeof(*out));
    if (alen == 0 || alen >= sizeof(buf))
        return RK_EFORMAT;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (memchr(buf, ':', alen)) {
        if (inet_pton(AF_INET6, buf, out->addr) != 1)
            return RK_EFORMAT;
        out->family = 6;
    } else {
        if (inet_pton(AF_INET, buf, out->addr) != 1)
            return RK_EFORMAT;
        out->family = 4;
    }
    out->prefix = out->family == 4 ? 32 : 128;
    if (slash) {
        if (rk_parse_u64(slash + 1, len - alen - 1, out->prefix, &prefix) != 0)
            return RK_EFORMAT;
        out->prefix = (unsigned)prefix;
    }
    clear_host_bits(out);
    return 0;
}

int ipnet_within(const struct ipnet *inner, const struct ipnet *outer)
{
    struct ipnet masked;

    if (inner->family != outer->family || inner->prefix < outer->prefix)
        return 0;
    masked = *inner;
    masked.prefix = outer->prefix;
    clear_host_bits(&masked);
    return memcmp(masked.addr, outer->addr, 16) == 0;
}
