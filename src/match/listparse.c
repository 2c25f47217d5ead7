/* listparse.c - plain indicator lists as they come: comments, CRLF, hosts files, IP:port, ...
 *
 * One line at a time: the line end (LF or CRLF) and surrounding white space are dropped; blank
 * lines and lines starting with '#', ';' or '!' are comments; " #" or "\t#" starts an inline
 * comment. A line "IP name [name...]" is a hosts-file entry: the names are the values and the
 * address (a sinkhole such as 0.0.0.0) is not. A line starting with '/' is one URL path (it may
 * hold spaces). Otherwise the first white-space separated token is the value and the rest
 * ("IP<TAB>count" in ipsum) is ignored.
 */
#include "renkei/match.h"
#include "match/internal.h"
#include "match/ipv4_fast.h"

#include "util/alloc.h"
#include "util/strparse.h"

struct lp {
    rk_match_list_fn fn;
    rk_match__list_v4_fn v4fn; /* NULL: every line takes the general path */
    int sse;                   /* the SSE4.1 dotted-quad parser may be used */
    void *ctx;
    struct rk_match_list_stats *st;
    struct rk_match_value *v; /* scratch, on the heap: it is large */
    uint64_t line;
    long long line_off;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Names that hosts files map to themselves; never indicators. */
static int hosts_boilerplate(const char *s, size_t len)
{
    static const char *const names[] = {
            "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
            "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters",
            "ip6-allhosts", "0.0.0.0"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], s, len) == 0)
            return 1;
    return 0;
}

static void note_error(struct lp *p, long long col, const struct rk_err *e)
{
    struct rk_match_list_stats *st = p->st;

    if (!st)
        return;
    st->bad++;
    if (st->errors_kept < RK_MATCH_LIST_ERRORS_KEPT) {
        st->errors[st->errors_kept].line = p->line;
        st->errors[st->errors_kept].offset = p->line_off + col + (e->offset > 0 ? e->offset : 0);
        rk_strlcpy(st->errors[st->errors_kept].message, e->message, sizeof(st->errors[0].message));
        st->errors_kept++;
    }
}

/* Parse one token as a value and hand it on. 0 (added, or skipped as bad) or what stops the
 * parse: an error, or the callback's non-zero return. */
static int emit(struct lp *p, int kind, const char *s, size_t len, long long col)
{
    struct rk_err e;
    int rc;

    e.code = 0; /* a full clear per line would cost more than the parse */
    e.offset = -1;
    e.message[0] = '\0';
    if ((rc = rk_match_value_parse(p->v, kind, s, len, &e)) != 0) {
        if (rc != RK_EFORMAT && rc != RK_ELIMIT)
            return rc;
        note_error(p, col, &e);
        return 0;
    }
    if ((rc = p->fn(p->v, p->line, p->line_off + col, p->ctx)) != 0)
        return rc;
    if (p->st) {
        p->st->values++;
        p->st->by_kind[p->v->kind]++;
    }
    return 0;
}

static size_t token_end(const char *s, size_t i, size_t len)
{
    while (i < len && !is_space(s[i]))
        i++;
    return i;
}

static size_t skip_space(const char *s, size_t i, size_t len)
{
    while (i < len && is_space(s[i]))
        i++;
    return i;
}

static int is_ip_token(const char *s, size_t len)
{
    uint32_t a4;
    uint8_t a6[16];

    return (rk_match__scan_ipv4_lenient(s, len, &a4) == len && len > 0) ||
           rk_match_parse_ipv6(s, len, a6);
}

static int is_name_token(const char *s, size_t len)
{
    char buf[256];
    size_t n;
    long long bad;

    return rk_match__normalize_domain(buf, sizeof(buf), s, len, &n, &bad);
}

/* "IP name [name...]": every name that is not boilerplate. */
static int hosts_line(struct lp *p, const char *s, size_t len, size_t i)
{
    int rc, any = 0;

    while ((i = skip_space(s, i, len)) < len) {
        size_t end = token_end(s, i, len);

        if (!hosts_boilerplate(s + i, end - i)) {
            if ((rc = emit(p, RK_MATCH_DOMAIN, s + i, end - i, (long long)i)) != 0)
                return rc;
            any = 1;
        }
        i = end;
    }
    if (!any && p->st)
        p->st->comments++;
    return 0;
}

static int parse_line(struct lp *p, const char *s, size_t len)
{
    size_t i = skip_space(s, 0, len), t1_end, t2;

    while (len > i && is_space(s[len - 1]))
        len--;
    for (size_t j = i + 1; j < len; j++) { /* inline comment */
        if (s[j] == '#' && is_space(s[j - 1])) {
            len = j;
            while (len > i && is_space(s[len - 1]))
                len--;
            break;
        }
    }
    if (i >= len || s[i] == '#' || s[i] == ';' || s[i] == '!') {
        if (p->st)
            p->st->comments++;
        return 0;
    }
    if (s[i] == '/' && !(i + 1 < len && s[i + 1] == '/'))
        return emit(p, RK_MATCH_URL_PATH, s + i, len - i, (long long)i);
    t1_end = token_end(s, i, len);
    t2 = skip_space(s, t1_end, len);
    if (t2 < len && is_ip_token(s + i, t1_end - i) &&
        is_name_token(s + t2, token_end(s, t2, len) - t2))
        return hosts_line(p, s, len, t2);
    return emit(p, RK_MATCH_ANY, s + i, t1_end - i, (long long)i);
}

/* The dotted quad at s (lenient: leading zeros allowed, as grepcidr reads lists), with the
 * SSE4.1 parser for the usual strict form; *len_out its length. 1 parsed, 0 not. */
static int quad_at(const char *s, size_t avail, int sse, uint32_t *out, unsigned *len_out)
{
    static const uint8_t none[256]; /* what may not follow: checked by the caller */
    size_t n;

#ifdef RK_MATCH_HAVE_SSE41
    if (sse && avail >= 16 && v4_parse_sse(s, none, out, len_out))
        return 1;
#else
    (void)sse;
    (void)none;
#endif
    if ((n = rk_match__scan_ipv4_lenient(s, avail, out)) == 0)
        return 0;
    *len_out = (unsigned)n;
    return 1;
}

/* "/n" at s[*i] (n of one to three digits, at most 32) moves *i past it into *prefix; no
 * '/' leaves both alone. 0 when there is a '/' but no such prefix length. */
static int prefix_at(const char *s, size_t avail, size_t *i, unsigned *prefix)
{
    size_t j = *i + 1, digits = 0;
    unsigned n = 0;

    if (*i >= avail || s[*i] != '/')
        return 1;
    for (; j < avail && (unsigned)(s[j] - '0') <= 9 && digits < 4; j++, digits++)
        n = n * 10 + (unsigned)(s[j] - '0');
    if (digits == 0 || digits > 3 || n > 32)
        return 0;
    *i = j;
    *prefix = n;
    return 1;
}

/* The length of the line through its end when s[i] ends it (LF, CRLF, or the end of the
 * text, with or without a CR), 0 otherwise. */
static size_t line_end_at(const char *s, size_t avail, size_t i)
{
    if (i < avail && s[i] == '\r' && (i + 1 == avail || s[i + 1] == '\n'))
        i++;
    if (i == avail)
        return i;
    return s[i] == '\n' ? i + 1 : 0;
}

/* A line that is only a dotted quad, or one with "/prefix", ending at LF, CRLF or the end of
 * the text: the usual shape of an IP block list, handed to v4fn as a range without building a
 * value. Exactly the lines the general path would take as such an IPv4 value. Returns the
 * bytes of the line with its end when handled, 0 for the general path (anything else,
 * including the errors, which the general path reports), <0 an error. */
static long long fast_v4_line(struct lp *p, const char *s, size_t avail)
{
    uint32_t a, mask;
    unsigned prefix = 32, len;
    size_t i, taken;
    int rc;

    if (avail == 0 || (unsigned)(s[0] - '0') > 9 || !quad_at(s, avail, p->sse, &a, &len))
        return 0;
    i = len;
    if (!prefix_at(s, avail, &i, &prefix) || (taken = line_end_at(s, avail, i)) == 0)
        return 0;
    mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
    if ((rc = p->v4fn(a & mask, (a & mask) | ~mask, p->ctx)) != 0)
        return rc;
    if (p->st) {
        p->st->values++;
        p->st->by_kind[RK_MATCH_IPV4]++;
    }
    return (long long)taken;
}

int rk_match_list_parse(const char *text, size_t len, rk_match_list_fn fn, void *ctx,
                        struct rk_match_list_stats *stats, struct rk_err *err)
{
    return rk_match__list_parse_v4(text, len, fn, NULL, ctx, stats, err);
}

int rk_match__list_parse_v4(const char *text, size_t len, rk_match_list_fn fn,
                            rk_match__list_v4_fn v4fn, void *ctx,
                            struct rk_match_list_stats *stats, struct rk_err *err)
{
    struct lp p = {fn, v4fn, 0, ctx, stats, NULL, 0, 0};
    size_t pos = 0;
    int rc = 0;

    if (stats)
        memset(stats, 0, sizeof(*stats));
    if (!(p.v = rk_malloc(sizeof(*p.v))))
        return rk_err_set(err, RK_ENOMEM, "out of memory parsing a list");
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark */
#ifdef RK_MATCH_HAVE_SSE41
    p.sse = v4fn && rk_match__v4_fast_init();
#endif
    while (pos < len) {
        const char *nl;
        size_t end;
        long long taken;

        p.line++;
        p.line_off = (long long)pos;
        if (stats)
            stats->lines++;
        if (v4fn && (taken = fast_v4_line(&p, text + pos, len - pos)) != 0) {
            if (taken < 0) {
                rc = (int)taken;
                break;
            }
            pos += (size_t)taken;
            continue;
        }
        nl = memchr(text + pos, '\n', len - pos);
        end = nl ? (size_t)(nl - text) : len;
        if ((rc = parse_line(&p, text + pos, end - pos)) != 0)
            break;
        pos = nl ? end + 1 : len;
    }
    rk_free(p.v);
    if (rc < 0 && err && err->code == 0)
        rk_err_set(err, rc, "list line %llu: %s", (unsigned long long)p.line, rk_strerror(rc));
    return rc;
}
