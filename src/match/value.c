/* value.c - parse and normalise indicator values: IPs, prefixes, domains, URLs, e-mail, hashes. */
#include "renkei/match.h"
#include "match/internal.h"

#include <string.h>


static const char *const kind_names[RK_MATCH_KIND_COUNT] = {
        "any", "ipv4-addr", "ipv6-addr", "domain-name", "url", "url-path",
        "email-addr", "md5", "sha1", "sha256", "sha512"};

const char *rk_match_kind_name(int kind)
{
    if (kind < 0 || kind >= RK_MATCH_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

int rk_match_kind_parse(const char *name, int *kind_out)
{
    for (int k = 0; k < RK_MATCH_KIND_COUNT; k++) {
        if (strcmp(name, kind_names[k]) == 0) {
            *kind_out = k;
            return 0;
        }
    }
    return RK_EFORMAT;
}

/* ---- IPv4 -------------------------------------------------------------------------------- */

int rk_match_parse_ipv4(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;

    if (len < 7 || len > 15)
        return 0;
    for (unsigned part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;

        if (part > 0) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (digits == 1 && n == 0)
                return 0; /* inet_pton refuses leading zeros */
            n = n * 10 + (unsigned)(s[i] - '0');
            if (++digits > 3)
                return 0;
            i++;
        }
        if (digits == 0 || n > 255)
            return 0;
        v = v << 8 | n;
    }
    if (i != len)
        return 0;
    *out = v;
    return 1;
}

/* Lenient dotted quad for list files: leading zeros are decimal, as grepcidr reads them.
 * Returns the bytes consumed (0: none). */
size_t rk_match__scan_ipv4_lenient(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;

    for (unsigned part = 0; part < 4; part++) {
        unsigned n = 0, digits = 0;

        if (part > 0) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            n = n * 10 + (unsigned)(s[i] - '0');
            digits++;
            i++;
        }
        if (digits == 0 || digits > 3 || n > 255)
            return 0;
        v = v << 8 | n;
    }
    *out = v;
    return i;
}

/* ---- IPv6 -------------------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse the groups of an IPv6 address into out; gap_out is where "::" was (-1 when absent). */
static int ipv6_groups(const char *s, size_t len, uint8_t out[16], int *gap_out, int *n_out)
{
    int n = 0, gap = -1;
    size_t i = 0;

    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return 0;
    }
    while (i < len) {
        size_t start = i;
        unsigned v = 0;

        if (n == 8)
            return 0;
        while (i < len && hexval((unsigned char)s[i]) >= 0 && i - start < 5)
            v = v << 4 | (unsigned)hexval((unsigned char)s[i++]);
        if (i < len && s[i] == '.') { /* an IPv4 tail fills the last 32 bits */
            uint32_t v4;

            if (n > 6 || !rk_match_parse_ipv4(s + start, len - start, &v4))
                return 0;
            rk_match__put_be32(out + 2 * n, v4);
            n += 2;
            i = len;
            break;
        }
        if (i == start || i - start > 4)
            return 0;
        out[2 * n] = (uint8_t)(v >> 8);
        out[2 * n + 1] = (uint8_t)v;
        n++;
        if (i == len)
            break;
        if (s[i] != ':')
            return 0;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0)
                return 0;
            gap = n;
            i++;
        } else if (i == len) {
            return 0; /* a single trailing colon */
        }
    }
    *gap_out = gap;
    *n_out = n;
    return 1;
}

int rk_match_parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint8_t g[16] = {0};
    int gap, n;

    if (len < 2 || len > 45 || !ipv6_groups(s, len, g, &gap, &n))
        return 0;
    if (gap < 0) {
        if (n != 8)
            return 0;
        memcpy(out, g, 16);
        return 1;
    }
    if (n > 7)
        return 0;
    memset(out, 0, 16);
    memcpy(out, g, (size_t)gap * 2);
    memcpy(out + 16 - (size_t)(n - gap) * 2, g + gap * 2, (size_t)(n - gap) * 2);
    return 1;
}

/* ---- canonical text ------------------------------------------------------------------------ */

/* Dotted quad by hand (lists of millions of addresses: snprintf would dominate). cap >= 16. */
void rk_match__ipv4_text(uint32_t a, char *buf, size_t cap)
{
    size_t n = 0;

    if (cap < 16) {
        if (cap > 0)
            buf[0] = '\0';
        return;
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
        unsigned b = (a >> shift) & 255;

        if (b >= 100)
            buf[n++] = (char)('0' + b / 100);
        if (b >= 10)
            buf[n++] = (char)('0' + b / 10 % 10);
        buf[n++] = (char)('0' + b % 10);
        buf[n++] = shift ? '.' : '\0';
    }
}

/* RFC 5952: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
void rk_match__ipv6_text(const uint8_t a[16], char *buf, size_t cap)
{
    int best = -1, best_len = 0, i;
    size_t pos = 0;

    for (i = 0; i < 8;) {
        int j = i;

        while (j < 8 && a[2 * j] == 0 && a[2 * j + 1] == 0)
            j++;
        if (j - i > best_len && j - i >= 2) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    buf[0] = '\0';
    for (i = 0; i < 8 && pos < cap; i++) {
        int w;

        if (i == best) {
            w = snprintf(buf + pos, cap - pos, "::");
            i += best_len - 1;
        } else {
            w = snprintf(buf + pos, cap - pos, "%s%x", i > 0 && i != best + best_len ? ":" : "",
                         (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
        }
        if (w < 0)
            return;
        pos += (size_t)w;
    }
}

static void set_text(struct rk_match_value *v, const char *s)
{
    v->len = strlen(s);
    memcpy(v->text, s, v->len + 1);
}

static int fail(struct rk_err *err, long long offset, const char *what)
{
    rk_err_set(err, RK_EFORMAT, "%s", what);
    rk_err_set_offset(err, offset);
    return RK_EFORMAT;
}

/* ---- IP values with prefixes, ranges, ports ------------------------------------------------- */

static void ipv4_value(struct rk_match_value *v, uint32_t a, unsigned prefix)
{
    char t[32];
    uint32_t mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);

    memset(v, 0, offsetof(struct rk_match_value, text));
    v->kind = RK_MATCH_IPV4;
    v->prefix = prefix;
    rk_match__put_be32(v->addr, a & mask);
    rk_match__ipv4_text(a & mask, t, sizeof(t));
    if (prefix != 32) {
        size_t n = strlen(t);

        t[n++] = '/';
        if (prefix >= 10)
            t[n++] = (char)('0' + prefix / 10);
        t[n++] = (char)('0' + prefix % 10);
        t[n] = '\0';
    }
    set_text(v, t);
}

void rk_match__ipv6_value(struct rk_match_value *v, const uint8_t a[16], unsigned prefix)
{
    char t[64];

    memset(v, 0, offsetof(struct rk_match_value, text));
    v->kind = RK_MATCH_IPV6;
    v->prefix = prefix;
    memcpy(v->addr, a, 16);
    for (unsigned bit = prefix; bit < 128; bit++)
        v->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
    rk_match__ipv6_text(v->addr, t, sizeof(t));
    if (prefix != 128) {
        size_t n = strlen(t);
        snprintf(t + n, sizeof(t) - n, "/%u", prefix);
    }
    set_text(v, t);
}

void rk_match__ipv4_value(struct rk_match_value *v, uint32_t a, unsigned prefix)
{
    ipv4_value(v, a, prefix);
}

static int parse_prefix_len(const char *s, size_t len, unsigned max, unsigned *out)
{
    unsigned n = 0;

    if (len == 0 || len > 3)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        n = n * 10 + (unsigned)(s[i] - '0');
    }
    if (n > max)
        return 0;
    *out = n;
    return 1;
}

static int all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return len > 0;
}

static int is_port(const char *s, size_t len)
{
    unsigned n = 0;

    if (len == 0 || len > 5)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        n = n * 10 + (unsigned)(s[i] - '0');
    }
    return n <= 65535;
}

/* "a.b.c.d", "/n", "-e.f.g.h", ":port". 1 parsed, 0 not an IPv4 value, <0 error. */
static int parse_ipv4_value(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err)
{
    uint32_t a, b;
    size_t n = rk_match__scan_ipv4_lenient(s, len, &a);
    unsigned prefix = 32;

    if (n == 0)
        return 0;
    if (n == len) {
        ipv4_value(v, a, 32);
        return 1;
    }
    if (s[n] == '/' && all_digits(s + n + 1, len - n - 1)) {
        if (!parse_prefix_len(s + n + 1, len - n - 1, 32, &prefix))
            return fail(err, (long long)n, "bad IPv4 prefix length (0..32)");
        ipv4_value(v, a, prefix);
        return 1;
    }
    if (s[n] == ':' && is_port(s + n + 1, len - n - 1)) {
        ipv4_value(v, a, 32);
        return 1;
    }
    if (s[n] == '-' && rk_match__scan_ipv4_lenient(s + n + 1, len - n - 1, &b) == len - n - 1) {
        char t[40];

        if (b < a)
            return fail(err, (long long)n, "IPv4 range ends before it starts");
        ipv4_value(v, a, 32);
        v->is_range = 1;
        rk_match__put_be32(v->range_end, b);
        rk_match__ipv4_text(a, t, 16);
        t[strlen(t) + 1] = '\0';
        t[strlen(t)] = '-';
        rk_match__ipv4_text(b, t + strlen(t), 16);
        set_text(v, t);
        return 1;
    }
    return 0;
}

/* "v6", "v6/n", "[v6]", "[v6]:port". */
static int parse_ipv6_value(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err)
{
    uint8_t a[16];
    const char *slash;
    unsigned prefix = 128;

    if (len > 2 && s[0] == '[') {
        const char *close = memchr(s, ']', len);

        if (!close || !rk_match_parse_ipv6(s + 1, (size_t)(close - s - 1), a))
            return 0;
        if ((size_t)(close - s) + 1 != len &&
            !(close[1] == ':' && is_port(close + 2, len - (size_t)(close - s) - 2)))
            return 0;
        rk_match__ipv6_value(v, a, 128);
        return 1;
    }
    slash = memchr(s, '/', len);
    if (!rk_match_parse_ipv6(s, slash ? (size_t)(slash - s) : len, a))
        return 0;
    if (slash && !all_digits(slash + 1, len - (size_t)(slash - s) - 1))
        return 0;
    if (slash && !parse_prefix_len(slash + 1, len - (size_t)(slash - s) - 1, 128, &prefix))
        return fail(err, slash - s, "bad IPv6 prefix length (0..128)");
    rk_match__ipv6_value(v, a, prefix);
    return 1;
}

/* ---- hashes ---------------------------------------------------------------------------------- */

int rk_match__hash_kind_for_len(size_t len)
{
    switch (len) {
    case 32: return RK_MATCH_MD5;
    case 40: return RK_MATCH_SHA1;
    case 64: return RK_MATCH_SHA256;
    case 128: return RK_MATCH_SHA512;
    default: return 0;
    }
}

size_t rk_match__digest_len(int kind)
{
    switch (kind) {
    case RK_MATCH_MD5: return 16;
    case RK_MATCH_SHA1: return 20;
    case RK_MATCH_SHA256: return 32;
    case RK_MATCH_SHA512: return 64;
    default: return 0;
    }
}

/* Hex digit values plus one; 0 for other bytes. */
#define HX(c, v) [c] = (v) + 1
static const uint8_t hex_plus1[256] = {
        HX('0', 0),  HX('1', 1),  HX('2', 2),  HX('3', 3),  HX('4', 4),  HX('5', 5),
        HX('6', 6),  HX('7', 7),  HX('8', 8),  HX('9', 9),  HX('a', 10), HX('b', 11),
        HX('c', 12), HX('d', 13), HX('e', 14), HX('f', 15), HX('A', 10), HX('B', 11),
        HX('C', 12), HX('D', 13), HX('E', 14), HX('F', 15)};
#undef HX

static int all_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (hex_plus1[(uint8_t)s[i]] == 0)
            return 0;
    return 1;
}

/* Decode and lower-case in one pass (lists of millions of digests). */
static int parse_hash(struct rk_match_value *v, int kind, const char *s, size_t len)
{
    static const char lower[] = "0123456789abcdef";
    size_t dlen = rk_match__digest_len(kind);
    uint8_t bad = 0;

    if (dlen == 0 || len != 2 * dlen)
        return 0;
    for (size_t i = 0; i < dlen; i++) {
        uint8_t hi = hex_plus1[(uint8_t)s[2 * i]], lo = hex_plus1[(uint8_t)s[2 * i + 1]];

        bad |= (uint8_t)(hi == 0) | (uint8_t)(lo == 0);
        hi = (uint8_t)(hi - 1);
        lo = (uint8_t)(lo - 1);
        v->digest[i] = (uint8_t)(hi << 4 | (lo & 15));
        v->text[2 * i] = lower[hi & 15];
        v->text[2 * i + 1] = lower[lo & 15];
    }
    if (bad)
        return 0;
    v->text[len] = '\0';
    v->kind = kind;
    v->len = len;
    return 1;
}

/* ---- names ----------------------------------------------------------------------------------- */

static int host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int rk_match__normalize_domain(char *out, size_t cap, const char *s, size_t len, size_t *len_out,
                               long long *bad_at)
{
    size_t label = 0, i, start = 0;
    int tld_alpha = 0;

    if (len >= 2 && s[0] == '*' && s[1] == '.')
        start = 2;
    else if (len >= 1 && s[0] == '.')
        start = 1;
    if (len > start && s[len - 1] == '.')
        len--;
    if (len <= start || len - start > 253 || len - start >= cap) {
        *bad_at = 0;
        return 0;
    }
    for (i = start; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.') {
            if (label == 0) {
                *bad_at = (long long)i;
                return 0;
            }
            label = 0;
            tld_alpha = 0;
        } else if (host_char(c)) {
            if (++label > 63) {
                *bad_at = (long long)i;
                return 0;
            }
            if ((c | 32) >= 'a' && (c | 32) <= 'z')
                tld_alpha = 1;
        } else {
            *bad_at = (long long)i;
            return 0;
        }
        out[i - start] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (label == 0 || !tld_alpha) {
        *bad_at = (long long)len;
        return 0;
    }
    out[len - start] = '\0';
    *len_out = len - start;
    return 1;
}

static int parse_domain(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err)
{
    long long bad = 0;
    const char *colon = memchr(s, ':', len);

    if (colon && is_port(colon + 1, len - (size_t)(colon - s) - 1))
        len = (size_t)(colon - s); /* "name:443" from lists */
    if (!rk_match__normalize_domain(v->text, sizeof(v->text), s, len, &v->len, &bad))
        return fail(err, bad, "not a domain name");
    v->kind = RK_MATCH_DOMAIN;
    return 1;
}

static int email_local_char(unsigned char c)
{
    return host_char(c) || (c && strchr("!#$%&'*+/=?^`{|}~.", c) != NULL);
}

static int parse_email(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err)
{
    const char *at;
    size_t local, dlen = 0;
    long long bad = 0;

    if (len > 7 && strncasecmp(s, "mailto:", 7) == 0) {
        s += 7;
        len -= 7;
    }
    at = memchr(s, '@', len);
    if (!at || at == s || (size_t)(at - s) > 64)
        return fail(err, at ? at - s : 0, "not an e-mail address");
    local = (size_t)(at - s);
    for (size_t i = 0; i < local; i++) {
        if (!email_local_char((unsigned char)s[i]))
            return fail(err, (long long)i, "bad character in the local part of an e-mail address");
        v->text[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    }
    v->text[local] = '@';
    if (!rk_match__normalize_domain(v->text + local + 1, sizeof(v->text) - local - 1, at + 1,
                                    len - local - 1, &dlen, &bad))
        return fail(err, (long long)local + 1 + bad, "bad domain in an e-mail address");
    v->kind = RK_MATCH_EMAIL;
    v->len = local + 1 + dlen;
    return 1;
}

/* ---- the dispatcher -------------------------------------------------------------------------- */

static int looks_like_url(const char *s, size_t len)
{
    for (size_t i = 0; i + 2 < len && i < 16; i++)
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
            return 1;
    return memchr(s, '/', len) != NULL;
}

static int parse_any(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err)
{
    int rc, hk;

    if ((rc = parse_ipv4_value(v, s, len, err)) != 0)
        return rc;
    if ((memchr(s, ':', len) || s[0] == '[') && (rc = parse_ipv6_value(v, s, len, err)) != 0)
        return rc;
    if ((hk = rk_match__hash_kind_for_len(len)) != 0 && all_hex(s, len))
        return parse_hash(v, hk, s, len);
    if (looks_like_url(s, len))
        return rk_match__parse_url(v, s, len, err);
    if (memchr(s, '@', len))
        return parse_email(v, s, len, err);
    return parse_domain(v, s, len, err);
}

static int parse_kind(struct rk_match_value *v, int kind, const char *s, size_t len,
                      struct rk_err *err)
{
    switch (kind) {
    case RK_MATCH_IPV4: return parse_ipv4_value(v, s, len, err);
    case RK_MATCH_IPV6: return parse_ipv6_value(v, s, len, err);
    case RK_MATCH_DOMAIN: return parse_domain(v, s, len, err);
    case RK_MATCH_URL:
    case RK_MATCH_URL_PATH: return rk_match__parse_url(v, s, len, err);
    case RK_MATCH_EMAIL: return parse_email(v, s, len, err);
    default: return parse_hash(v, kind, s, len);
    }
}

int rk_match_value_parse(struct rk_match_value *out, int kind, const char *s, size_t len,
                         struct rk_err *err)
{
    int rc;

    memset(out, 0, offsetof(struct rk_match_value, text));
    out->text[0] = '\0';
    if (kind < 0 || kind >= RK_MATCH_KIND_COUNT)
        return rk_err_set(err, RK_EINVAL, "unknown value kind %d", kind);
    if (len == 0)
        return fail(err, 0, "empty value");
    if (len > RK_MATCH_VALUE_MAX)
        return rk_err_set(err, RK_ELIMIT, "value longer than %d bytes", RK_MATCH_VALUE_MAX);
    rc = kind == RK_MATCH_ANY ? parse_any(out, s, len, err) : parse_kind(out, kind, s, len, err);
    if (rc < 0)
        return rc;
    if (rc == 0 || (kind != RK_MATCH_ANY && out->kind != kind &&
                    !(kind == RK_MATCH_URL && out->kind == RK_MATCH_URL_PATH)))
        return fail(err, 0, kind == RK_MATCH_ANY ? "not an IP address, prefix, domain, URL, "
                                                   "e-mail address or hash"
                                                 : "not a value of the kind asked for");
    return 0;
}
