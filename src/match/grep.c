/* grep.c - grep mode: select the lines of an input whose value is listed (grepcidr -x and
 * grep -F -x semantics), on one or more threads, output in input order. */
#include "renkei/match.h"
#include "match/ipv4_fast.h"
#include "match/probe.h"

#include <pthread.h>

#include "util/alloc.h"
#include "util/buf.h"

#define FLUSH_AT      (64 * 1024)
#define ROUND_PER_CPU (8u << 20) /* bytes of input each thread takes per round */
#define MAX_THREADS   64

struct grep {
    const struct rk_match_index *ix;
    const struct rk_match_grep_options *opt;
    int has_v4, has_v6, has_names, has_domain, has_url, has_email;
    int has_hash[4];
    int sse;                        /* the SSE4.1 IPv4 parser may be used */
    struct rk_match_value *scratch; /* per thread */
};

/* 1 for the characters grepcidr counts as part of an IPv4 field: letters, digits, '.' */
static const uint8_t v4_field[256] = {
        ['.'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
        ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
        ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,
        ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
        ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,
        ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,
        ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
        ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1};

/* A dotted quad at the start of s that ends where grepcidr's field ends. */
static inline int v4_at_start(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;

    for (unsigned part = 0; part < 4; part++) {
        unsigned n, d;

        if (part > 0) {
            if (i >= len || s[i] != '.')
                return 0;
            i++;
        }
        if (i >= len || (d = (unsigned)(s[i] - '0')) > 9)
            return 0;
        n = d;
        i++;
        if (i < len && (d = (unsigned)(s[i] - '0')) <= 9) {
            if (n == 0)
                return 0; /* a leading zero */
            n = n * 10 + d;
            i++;
            if (i < len && (d = (unsigned)(s[i] - '0')) <= 9) {
                n = n * 10 + d;
                i++;
            }
        }
        if (n > 255)
            return 0;
        v = v << 8 | n;
    }
    if (i < len && v4_field[(unsigned char)s[i]])
        return 0;
    *out = v;
    return 1;
}

static int v6_at_start(const char *s, size_t len, uint8_t out[16])
{
    size_t n = 0;

    while (n < len && n < 46 && (v4_field[(unsigned char)s[n]] || s[n] == ':'))
        n++;
    return n <= 45 && rk_match_parse_ipv6(s, n, out);
}

static int v6_listed(const struct rk_match_index *ix, const uint8_t a[16])
{
    size_t rank = probe_v6_rank(ix, a);

    if (ix->set_only)
        return rank & 1;
    return ix->v6_pay[rank - 1] != MIDX_NONE;
}

/* The whole line as one hash, URL, e-mail address or domain. *seen: it parsed as a kind the
 * index has. Returns 1 when listed. */
static int whole_line(struct grep *g, const char *s, size_t len, int *seen)
{
    int hk = rk_match__hash_kind_for_len(len), kind;
    struct rk_match_value *v = g->scratch;

    if (len == 0 || memchr(s, ' ', len) || memchr(s, '\t', len))
        return 0;
    if (hk && g->has_hash[hk - RK_MATCH_MD5])
        kind = hk;
    else if (memchr(s, '/', len))
        kind = g->has_url ? RK_MATCH_URL : 0;
    else if (memchr(s, '@', len))
        kind = g->has_email ? RK_MATCH_EMAIL : 0;
    else
        kind = g->has_domain ? RK_MATCH_DOMAIN : 0;
    if (kind == 0 || rk_match_value_parse(v, kind, s, len, NULL) != 0)
        return 0;
    *seen = 1;
    return rk_match_contains(g->ix, v, g->opt->exact_domains);
}

/* Is the line selected (matched, or with invert: holds a value that is not listed)? The IPv4
 * test may have been made already (v4: 1 parsed and listed, 0 parsed and not, -1 not parsed). */
static int judge(struct grep *g, const char *s, size_t len, int v4)
{
    int seen = v4 >= 0, match = v4 == 1;
    uint8_t a6[16];

    if (!match && g->has_v6 && v6_at_start(s, len, a6)) {
        seen = 1;
        match = v6_listed(g->ix, a6);
    }
    if (!match && g->has_names) {
        size_t n = len;

        if (n > 0 && s[n - 1] == '\r')
            n--;
        match = whole_line(g, s, n, &seen);
    }
    return g->opt->invert ? seen && !match : match;
}

/* ---- one chunk ------------------------------------------------------------------------------ */

struct chunk {
    struct grep g;
    const char *p;
    size_t len;
    struct rk_buf out;
    uint64_t count;
    int rc;
    rk_match_write_fn write; /* single-threaded: flush as we go */
    void *ctx;
};

static int put_line(struct chunk *c, const char *s, size_t n)
{
    int rc;

    if (c->g.opt->prefix && (rc = rk_buf_puts(&c->out, c->g.opt->prefix)) != 0)
        return rc;
    if ((rc = rk_buf_append(&c->out, s, n)) != 0)
        return rc;
    if (c->write && rk_buf_len(&c->out) >= FLUSH_AT) {
        rc = c->write(rk_buf_ptr(&c->out), rk_buf_len(&c->out), c->ctx);
        rk_buf_reset(&c->out);
    }
    return rc;
}

/* Lines are taken in batches: parse every IPv4 address first and prefetch where its bucket
 * points, so the cache misses of a batch overlap instead of following one another. */
#define BATCH 32

struct batch {
    const char *line[BATCH];
    size_t len[BATCH];
    uint32_t addr[BATCH];
    uint32_t lo[BATCH], hi[BATCH];
    int8_t v4[BATCH]; /* -1: no address; else the rank is searched in [lo, hi) */
    size_t n;
};

/* The scalar twin of v4_parse_sse: a dotted quad at s, its length in *len_out. */
static inline int v4_parse_scalar(const char *s, size_t avail, uint32_t *out, unsigned *len_out)
{
    size_t n = 0;

    while (n < avail && n < 16 && ((unsigned)(s[n] - '0') <= 9 || s[n] == '.'))
        n++;
    if (!v4_at_start(s, n < avail ? n + 1 : n, out))
        return 0;
    *len_out = (unsigned)n;
    return 1;
}

static inline __attribute__((always_inline)) void
batch_fill_impl(struct chunk *c, struct batch *bt, const char **pp, const char *end, int sse)
{
    const struct rk_match_index *ix = c->g.ix;
    uint32_t shift = 32 - ix->h->v4_bits;
    const char *p = *pp;

    for (bt->n = 0; bt->n < BATCH && p < end; bt->n++) {
        size_t i = bt->n, skip = 0;
        const char *nl;
        unsigned len = 0;
        int ok = 0;

        (void)sse;
        if (c->g.has_v4) {
#ifdef RK_MATCH_HAVE_SSE41
            if (sse && end - p >= 16)
                ok = v4_parse_sse(p, v4_field, &bt->addr[i], &len);
            else
#endif
                ok = v4_parse_scalar(p, (size_t)(end - p), &bt->addr[i], &len);
        }
        bt->line[i] = p;
        bt->v4[i] = -1;
        if (ok) {
            uint32_t b = bt->addr[i] >> shift;

            bt->v4[i] = 0;
            bt->lo[i] = ix->v4_buckets[b];
            bt->hi[i] = ix->v4_buckets[b + 1];
            if (ix->v4_bounds)
                __builtin_prefetch(ix->v4_bounds + bt->lo[i]);
            skip = len;
        }
        if (p + skip < end && p[skip] == '\n')
            nl = p + skip;
        else
            nl = memchr(p + skip, '\n', (size_t)(end - p) - skip);
        bt->len[i] = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        p += bt->len[i];
    }
    *pp = p;
}

#ifdef RK_MATCH_HAVE_SSE41
__attribute__((target("sse4.1"))) static void batch_fill_sse(struct chunk *c, struct batch *bt,
                                                             const char **pp, const char *end)
{
    batch_fill_impl(c, bt, pp, end, 1);
}
#endif

static void batch_fill(struct chunk *c, struct batch *bt, const char **pp, const char *end)
{
#ifdef RK_MATCH_HAVE_SSE41
    if (c->g.sse) {
        batch_fill_sse(c, bt, pp, end);
        return;
    }
#endif
    batch_fill_impl(c, bt, pp, end, 0);
}

static int batch_judge(struct chunk *c, struct batch *bt)
{
    const struct rk_match_index *ix = c->g.ix;
    int rc;

    for (size_t i = 0; i < bt->n; i++) {
        int v4 = bt->v4[i];
        size_t n = bt->len[i];

        if (v4 == 0) {
            size_t rank =
                    ix->v4_bounds
                            ? probe_rank16(ix->v4_bounds, bt->lo[i], bt->hi[i], (uint16_t)bt->addr[i])
                            : probe_rank32(ix->v4_bounds32, bt->lo[i], bt->hi[i], bt->addr[i]);

            v4 = ix->set_only ? (int)(rank & 1) : ix->v4_pay[rank - 1] != MIDX_NONE;
        }
        if (n > 0 && bt->line[i][n - 1] == '\n')
            n--;
        if (!judge(&c->g, bt->line[i], n, v4))
            continue;
        c->count++;
        if (!c->g.opt->count_only && (rc = put_line(c, bt->line[i], bt->len[i])) != 0)
            return rc;
    }
    return 0;
}

static int scan_chunk(struct chunk *c)
{
    const char *p = c->p, *end = c->p + c->len;
    struct batch bt;
    int rc;

    while (p < end) {
        batch_fill(c, &bt, &p, end);
        if ((rc = batch_judge(c, &bt)) != 0)
            return rc;
    }
    return 0;
}

static void *chunk_thread(void *arg)
{
    struct chunk *c = arg;

    c->rc = scan_chunk(c);
    return NULL;
}

/* ---- driving ------------------------------------------------------------------------------- */

static int setup(struct grep *g, const struct rk_match_index *ix,
                 const struct rk_match_grep_options *opt)
{
    memset(g, 0, sizeof(*g));
    g->ix = ix;
    g->opt = opt;
    g->has_v4 = rk_match_has_kind(ix, RK_MATCH_IPV4);
#ifdef RK_MATCH_HAVE_SSE41
    g->sse = rk_match__v4_fast_init();
#endif
    g->has_v6 = rk_match_has_kind(ix, RK_MATCH_IPV6);
    g->has_domain = rk_match_has_kind(ix, RK_MATCH_DOMAIN);
    g->has_url = rk_match_has_kind(ix, RK_MATCH_URL) || rk_match_has_kind(ix, RK_MATCH_URL_PATH);
    g->has_email = rk_match_has_kind(ix, RK_MATCH_EMAIL);
    for (int i = 0; i < 4; i++)
        g->has_hash[i] = rk_match_has_kind(ix, RK_MATCH_MD5 + i);
    g->has_names = g->has_domain || g->has_url || g->has_email || g->has_hash[0] ||
                   g->has_hash[1] || g->has_hash[2] || g->has_hash[3];
    g->scratch = rk_malloc(sizeof(*g->scratch));
    return g->scratch ? 0 : RK_ENOMEM;
}

/* Split p[0..len) into n pieces that end at line ends. */
static void split_lines(const char *p, size_t len, struct chunk *c, unsigned n)
{
    size_t start = 0;

    for (unsigned i = 0; i < n; i++) {
        size_t end = i + 1 == n ? len : start + (len - start) / (n - i);
        const char *nl;

        if (end < len && end > start && (nl = memchr(p + end - 1, '\n', len - end + 1)) != NULL)
            end = (size_t)(nl - p) + 1;
        else if (end < len && end > start)
            end = len;
        c[i].p = p + start;
        c[i].len = end - start;
        start = end;
    }
}

static int run_round(struct chunk *c, unsigned n, rk_match_write_fn write, void *ctx,
                     uint64_t *count)
{
    pthread_t tid[MAX_THREADS];
    unsigned started = 0;
    int rc = 0;

    for (unsigned i = 1; i < n; i++) {
        if (pthread_create(&tid[i], NULL, chunk_thread, &c[i]) != 0)
            break;
        started = i;
    }
    for (unsigned i = started + 1; i < n; i++) /* threads we could not start */
        chunk_thread(&c[i]);
    chunk_thread(&c[0]);
    for (unsigned i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    for (unsigned i = 0; i < n; i++) {
        *count += c[i].count;
        c[i].count = 0;
        if (rc == 0)
            rc = c[i].rc;
        if (rc == 0 && write && rk_buf_len(&c[i].out) > 0)
            rc = write(rk_buf_ptr(&c[i].out), rk_buf_len(&c[i].out), ctx);
        rk_buf_reset(&c[i].out);
    }
    return rc;
}

static int grep_threads(struct chunk *c, unsigned n, const char *p, size_t len,
                        rk_match_write_fn write, void *ctx, uint64_t *count)
{
    size_t pos = 0, round = (size_t)ROUND_PER_CPU * n;
    int rc = 0;

    while (pos < len && rc == 0) {
        size_t take = len - pos <= round ? len - pos : round;
        const char *nl = take < len - pos ? memchr(p + pos + take - 1, '\n', len - pos - take + 1)
                                          : NULL;

        if (take < len - pos)
            take = nl ? (size_t)(nl - (p + pos)) + 1 : len - pos;
        split_lines(p + pos, take, c, n);
        rc = run_round(c, n, write, ctx, count);
        pos += take;
    }
    return rc;
}

int rk_match_grep(const struct rk_match_index *ix, const char *p, size_t len,
                  const struct rk_match_grep_options *opt, rk_match_write_fn write, void *ctx,
                  uint64_t *count_out, struct rk_err *err)
{
    unsigned n = opt->threads < 1 ? 1 : opt->threads > MAX_THREADS ? MAX_THREADS : opt->threads;
    struct chunk *c = rk_calloc(n, sizeof(*c));
    uint64_t count = 0;
    int rc = 0;

    *count_out = 0;
    if (!c)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (unsigned i = 0; i < n && rc == 0; i++) {
        rc = setup(&c[i].g, ix, opt);
        rk_buf_init(&c[i].out, RK_BUF_UNLIMITED);
    }
    if (rc == 0 && n == 1) {
        c[0].p = p;
        c[0].len = len;
        c[0].write = write;
        c[0].ctx = ctx;
        rc = scan_chunk(&c[0]);
        count = c[0].count;
        if (rc == 0 && write && rk_buf_len(&c[0].out) > 0)
            rc = write(rk_buf_ptr(&c[0].out), rk_buf_len(&c[0].out), ctx);
    } else if (rc == 0) {
        rc = grep_threads(c, n, p, len, write, ctx, &count);
    }
    for (unsigned i = 0; i < n; i++) {
        rk_free(c[i].g.scratch);
        rk_buf_free(&c[i].out);
    }
    rk_free(c);
    *count_out = count;
    if (rc < 0 && err && err->code == 0)
        rk_err_set(err, rc, "grep: %s", rk_strerror(rc));
    return rc;
}
