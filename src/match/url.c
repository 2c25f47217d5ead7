/* url.c - URL normalisation into scheme-less keys: host[:port]/path[?query].
 *
 * Following RFC 3986 section 6.2.2: the host is lower-cased (IPv6 in canonical form), default
 * ports 80 and 443 are dropped, percent-escapes of unreserved characters are decoded and the
 * others written with upper-case hex, bytes outside printable ASCII are percent-encoded, dot
 * segments are removed and an empty path becomes "/". The scheme, user information and
 * fragment are dropped, so http and https URLs with the same host and path are one key.
 */
#include "renkei/match.h"
#include "match/internal.h"

#include <string.h>

struct out {
    char *p;
    size_t len, cap;
};

static int put(struct out *o, const char *s, size_t n)
{
    if (n > o->cap - o->len)
        return 0;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    return 1;
}

static int hexv(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int unreserved(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int put_escaped(struct out *o, unsigned c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = {'%', hex[c >> 4], hex[c & 15]};

    return put(o, e, 3);
}

/* Percent-normalise s[0..len) into o. */
static int put_normalised(struct out *o, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned c = (unsigned char)s[i];
        int ok;

        if (c == '%' && i + 2 < len && hexv((unsigned char)s[i + 1]) >= 0 &&
            hexv((unsigned char)s[i + 2]) >= 0) {
            char d = (char)(hexv((unsigned char)s[i + 1]) << 4 | hexv((unsigned char)s[i + 2]));

            i += 2;
            ok = unreserved((unsigned char)d) ? put(o, &d, 1) : put_escaped(o, (unsigned char)d);
        } else if (c == '%' || c <= 0x20 || c >= 0x7f) {
            ok = put_escaped(o, c);
        } else {
            ok = put(o, s + i, 1);
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* Remove "." and ".." segments of an absolute path in place (RFC 3986 5.2.4). */
static size_t remove_dot_segments(char *p, size_t len)
{
    size_t in = 0, out = 0;

    while (in < len) {
        size_t seg_end = in + 1;

        while (seg_end < len && p[seg_end] != '/')
            seg_end++;
        /* p[in] is '/', the segment is p[in+1 .. seg_end) */
        if (seg_end - in == 2 && p[in + 1] == '.') {
            if (seg_end == len)
                p[out++] = '/';
        } else if (seg_end - in == 3 && p[in + 1] == '.' && p[in + 2] == '.') {
            while (out > 0 && p[--out] != '/')
                ;
            if (seg_end == len)
                p[out++] = '/';
        } else {
            memmove(p + out, p + in, seg_end - in);
            out += seg_end - in;
        }
        in = seg_end;
    }
    if (out == 0)
        p[out++] = '/';
    return out;
}

static int put_path_query(struct out *o, const char *s, size_t len)
{
    const char *q = memchr(s, '?', len);
    size_t plen = q ? (size_t)(q - s) : len, start = o->len;

    if (plen == 0 || s[0] != '/') {
        if (!put(o, "/", 1))
            return 0;
    }
    if (!put_normalised(o, s, plen))
        return 0;
    o->len = start + remove_dot_segments(o->p + start, o->len - start);
    if (q && (size_t)(q - s) + 1 < len)
        return put(o, "?", 1) && put_normalised(o, q + 1, len - (size_t)(q - s) - 1);
    return 1;
}

/* Skip "scheme://"; 0 when there is none. */
static size_t scheme_len(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0 || !((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z'))
        return 0;
    while (i < len && i < 32 &&
           (unreserved((unsigned char)s[i]) || s[i] == '+') && s[i] != '_' && s[i] != '~')
        i++;
    if (i + 3 <= len && s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
        return i + 3;
    return 0;
}

static int put_port(struct out *o, const char *s, size_t len)
{
    unsigned n = 0;
    char t[8];

    if (len == 0)
        return 1;
    if (len > 5)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        n = n * 10 + (unsigned)(s[i] - '0');
    }
    if (n > 65535)
        return -1;
    if (n == 80 || n == 443)
        return 1;
    snprintf(t, sizeof(t), ":%u", n);
    return put(o, t, strlen(t));
}

static int put_host(struct out *o, const char *h, size_t hlen)
{
    char t[256];
    uint32_t a4;
    uint8_t a6[16];
    size_t n = 0;
    long long bad;

    if (hlen > 2 && h[0] == '[' && h[hlen - 1] == ']') {
        if (!rk_match_parse_ipv6(h + 1, hlen - 2, a6))
            return -1;
        rk_match__ipv6_text(a6, t, sizeof(t));
        return put(o, "[", 1) && put(o, t, strlen(t)) && put(o, "]", 1);
    }
    if (rk_match__scan_ipv4_lenient(h, hlen, &a4) == hlen && hlen > 0) {
        rk_match__ipv4_text(a4, t, sizeof(t));
        return put(o, t, strlen(t));
    }
    if (!rk_match__normalize_domain(t, sizeof(t), h, hlen, &n, &bad))
        return -1;
    return put(o, t, n);
}

/* Split the authority into host and port, dropping user information. */
static int put_authority(struct out *o, const char *a, size_t alen)
{
    const char *at = NULL, *port = NULL;
    size_t hlen;
    int rc;

    for (size_t i = 0; i < alen; i++)
        if (a[i] == '@')
            at = a + i;
    if (at) {
        alen -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (alen > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', alen);

        if (!close)
            return -1;
        hlen = (size_t)(close - a) + 1;
        if (hlen < alen && a[hlen] != ':')
            return -1;
    } else {
        const char *colon = memchr(a, ':', alen);
        hlen = colon ? (size_t)(colon - a) : alen;
    }
    if (hlen < alen)
        port = a + hlen + 1;
    if ((rc = put_host(o, a, hlen)) <= 0)
        return rc;
    return port ? put_port(o, port, alen - hlen - 1) : 1;
}

int rk_match__parse_url(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err)
{
    struct out o = {v->text, 0, RK_MATCH_VALUE_MAX};
    const char *hash = memchr(s, '#', len);
    size_t skip, alen;
    int rc;

    if (hash)
        len = (size_t)(hash - s);
    if (len > 0 && s[0] == '/' && !(len > 1 && s[1] == '/')) {
        if (!put_path_query(&o, s, len))
            return rk_err_set(err, RK_ELIMIT, "URL longer than %d bytes once normalised",
                              RK_MATCH_VALUE_MAX);
        v->kind = RK_MATCH_URL_PATH;
    } else {
        skip = scheme_len(s, len);
        if (skip == 0 && len >= 2 && s[0] == '/' && s[1] == '/')
            skip = 2; /* network-path reference */
        for (alen = 0; skip + alen < len; alen++)
            if (s[skip + alen] == '/' || s[skip + alen] == '?')
                break;
        if ((rc = put_authority(&o, s + skip, alen)) < 0 || alen == 0) {
            rk_err_set(err, RK_EFORMAT, "bad host or port in URL");
            rk_err_set_offset(err, (long long)skip);
            return RK_EFORMAT;
        }
        if (rc == 0 || !put_path_query(&o, s + skip + alen, len - skip - alen))
            return rk_err_set(err, RK_ELIMIT, "URL longer than %d bytes once normalised",
                              RK_MATCH_VALUE_MAX);
        v->kind = RK_MATCH_URL;
    }
    v->text[o.len] = '\0';
    v->len = o.len;
    return 1;
}

int rk_match__url_path_of(const char *key, size_t len, size_t *path_off)
{
    const char *slash = memchr(key, '/', len);

    if (!slash)
        return 0;
    *path_off = (size_t)(slash - key);
    return 1;
}
