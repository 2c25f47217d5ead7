/* grep.c - grep mode: select the lines of an input whose value is listed (grepcidr -x and
 * grep -F -x semantics), on one or more threads, output in input order. */
#include "renkei/match.h"
#include "match/ipv4_fast.h"
#include "match/probe.h"
#include "match/token_fast.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "util/buf.h"

#define FLUSH_AT    (64 * 1024)
#define PIECE       ((size_t)1 << 20) /* threads take the input in pieces of about 1 MiB */
#define ROUND_MAX   32                /* pieces per round: output is buffered for a round */
#define MAX_THREADS 64

struct grep {
    const struct rk_match_index *ix;
    const struct rk_match_grep_options *opt;
    int has_v4, has_v6, has_names, has_domain, has_url, has_email;
    int has_hash[4];
    int sse;                        /* the SSE4.1 IPv4 parser may be used */
    int hash_slot;                  /* the one hash algorithm listed, -1 if none or several */
    size_t hash_hex;                /* its digest in hex digits when a multiple of 16, else 0 */
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

static int all_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'f')))
            return 0;
    return 1;
}

/* The whole line as one hash, URL, e-mail address or domain. *seen: it parsed as a kind the
 * index has. Returns 1 when listed. */
static int whole_line(struct grep *g, const char *s, size_t len, int *seen)
{
    int hk = rk_match__hash_kind_for_len(len), kind;
    struct rk_match_value *v = g->scratch;

    if (len == 0 || memchr(s, ' ', len) || memchr(s, '\t', len))
        return 0;
    if (hk && g->has_hash[hk - RK_MATCH_MD5] && all_hex(s, len))
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

/* One piece of the input and what it selected. Each lives in its own cache lines: the threads
 * never write to memory another one uses. */
struct chunk {
    _Alignas(64) struct grep g;
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

/* Lines are taken in batches of BATCH: every line is classified and parsed first (IPv4
 * address, hash digest, or domain with the hashes of its suffixes), with a prefetch of the
 * table entry it will need, then the lookups run; the cache misses of a batch overlap instead
 * of following one another. Lines the fast paths do not cover go through judge(). */
#define BATCH   64
#define MAX_SUF 8

enum { L_SLOW = 0, L_V4, L_HASH, L_NAME, L_NOTHING };

struct batch {
    const char *line[BATCH];
    size_t len[BATCH]; /* with the line end */
    uint8_t kind[BATCH];
    uint32_t addr[BATCH], lo[BATCH], hi[BATCH];
    uint8_t slot[BATCH];
    uint8_t n_suf[BATCH];
    uint8_t name_len[BATCH];
    uint8_t listed[BATCH]; /* name lines: a suffix was found */
    uint16_t suf_start[BATCH][MAX_SUF];
    uint64_t suf_hash[BATCH][MAX_SUF];
    uint8_t digest[BATCH][64];
    char name[BATCH][272]; /* a name, and room for 16-byte stores and 8-byte reads past it */
    size_t n;
    /* name lookups still open, as line * MAX_SUF + suffix, with their candidate keys */
    uint16_t probe[BATCH * MAX_SUF];
    uint32_t probe_key[BATCH * MAX_SUF];
    size_t n_probe;
};

/* Hex digit values, 0xff for other bytes; lower-case host characters, 0 for other bytes. */
static uint8_t hex_val[256], host_lc[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void)
{
    memset(hex_val, 0xff, sizeof(hex_val));
    for (int c = 0; c < 10; c++)
        hex_val['0' + c] = (uint8_t)c;
    for (int c = 0; c < 6; c++)
        hex_val['a' + c] = hex_val['A' + c] = (uint8_t)(10 + c);
    for (int c = 0; c < 26; c++)
        host_lc['a' + c] = host_lc['A' + c] = (uint8_t)('a' + c);
    for (int c = 0; c < 10; c++)
        host_lc['0' + c] = (uint8_t)('0' + c);
    host_lc['-'] = '-';
    host_lc['_'] = '_';
}

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

static inline int hex_decode(const char *s, size_t n, uint8_t *out)
{
    uint8_t bad = 0;

    for (size_t i = 0; i < n / 2; i++) {
        uint8_t hi = hex_val[(uint8_t)s[2 * i]], lo = hex_val[(uint8_t)s[2 * i + 1]];

        bad |= (uint8_t)(hi | lo);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (bad & 0xf0) == 0;
}

/* midx_label_hash over a buffer that may be read 8 bytes past the label: masked word loads. */
static inline uint64_t label_hash_padded(const char *p, size_t n)
{
    uint64_t acc = 0x9ae16a3b2f90404fULL ^ n, v;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&v, p + i, 8);
        acc = (acc ^ v) * 0xff51afd7ed558ccdULL;
        acc ^= acc >> 29;
    }
    if (i < n) {
        memcpy(&v, p + i, 8);
        v &= ~0ULL >> (64 - 8 * (n - i));
        acc = (acc ^ v) * 0xc4ceb9fe1a85ec53ULL;
        acc ^= acc >> 31;
    }
    return acc;
}

/* The checks and suffix hashes of a lower-cased name out[0..n) with dots at dots[0..nd):
 * 1 a domain, 0 not one. */
static inline int domain_labels(struct batch *bt, size_t i, size_t n, const size_t *dots,
                                size_t nd, int tld_alpha)
{
    const char *out = bt->name[i];
    uint64_t h = midx_name_seed(RK_MATCH_DOMAIN);
    size_t end = n;
    int bad = !tld_alpha;

    for (size_t k = 0; k <= nd; k++) { /* labels of 0, or 64 and more bytes */
        size_t st = k == 0 ? 0 : dots[k - 1] + 1;

        bad |= (k < nd ? dots[k] : n) - st - 1 >= 63;
    }
    if (bad)
        return 0;
    for (size_t k = nd + 1; k-- > 0;) {
        size_t st = k == 0 ? 0 : dots[k - 1] + 1;

        h = midx_name_join(h, label_hash_padded(out + st, end - st));
        bt->suf_start[i][nd - k] = (uint16_t)st;
        bt->suf_hash[i][nd - k] = h;
        end = st > 0 ? st - 1 : 0;
    }
    bt->n_suf[i] = (uint8_t)(nd + 1);
    bt->name_len[i] = (uint8_t)n;
    return 1;
}

/* A line of letters, digits, '-', '_' and dots (one final dot allowed) as a domain: lower
 * case into bt->name[i], then the hash of every label-boundary suffix from the right (so the
 * whole name comes last). It accepts exactly what rk_match__normalize_domain accepts for such
 * lines. 1 a domain, 0 not one, -1 not for this path (other characters, many labels). */
static inline int fast_domain(const char *s, size_t n, struct batch *bt, size_t i)
{
    char *out = bt->name[i];
    size_t dots[MAX_SUF], nd = 0, label = 0;
    int tld_alpha = 0;

    if (n > 0 && s[n - 1] == '.')
        n--;
    if (n == 0)
        return 0;
    if (s[0] == '.' || n > 253)
        return -1;
    for (size_t j = 0; j < n; j++) { /* "not a domain" waits: a later character may be foreign */
        uint8_t c = (uint8_t)s[j], lc = host_lc[c];

        if (c == '.') {
            if (nd == MAX_SUF - 1)
                return -1;
            dots[nd++] = j;
            label = j + 1;
            lc = '.';
        } else if (lc == 0) {
            return -1;
        }
        out[j] = (char)lc;
    }
    for (size_t j = label; j < n; j++)
        tld_alpha |= out[j] >= 'a';
    return domain_labels(bt, i, n, dots, nd, tld_alpha);
}

/* Queue the suffix lookups of name line i (only the whole name with exact_domains) and
 * prefetch their Bloom words. */
static inline void queue_name(struct chunk *c, struct batch *bt, size_t i)
{
    const struct rk_match_index *ix = c->g.ix;
    size_t k = c->g.opt->exact_domains ? bt->n_suf[i] - 1u : 0;

    bt->kind[i] = L_NAME;
    bt->listed[i] = 0;
    for (; k < bt->n_suf[i]; k++) {
        bt->probe[bt->n_probe++] = (uint16_t)(i * MAX_SUF + k);
        if (k > 0) /* top-level labels stay hot */
            __builtin_prefetch(ix->name_bloom + midx_bloom_word(bt->suf_hash[i][k], ix->bloom_mask));
    }
}

/* Line i is a digest of hash slot slot, decoded into bt->digest[i]: prefetch its bucket. */
static inline void hash_line(const struct rk_match_index *ix, struct batch *bt, size_t i,
                             int slot)
{
    bt->kind[i] = L_HASH;
    bt->slot[i] = (uint8_t)slot;
    bt->addr[i] = rk_match__get_be32(bt->digest[i]) >> (32 - ix->h->hash_bits[slot]);
    __builtin_prefetch(ix->hash_buckets[slot] + bt->addr[i]);
}

#ifdef RK_MATCH_HAVE_SSE41
/* The token of a whole line of host characters (already lower-cased into bt->name[i]) as a
 * hash or a domain; the same verdicts as classify_rest. */
__attribute__((target("sse4.1"))) static inline void
classify_token(struct chunk *c, struct batch *bt, size_t i, const char *p, const struct token *t)
{
    const struct rk_match_index *ix = c->g.ix;
    size_t n = t->n, dots[MAX_SUF], nd = 0;
    int hk = rk_match__hash_kind_for_len(n), slot = hk ? midx_hash_slot(hk) : -1;

    bt->kind[i] = L_NOTHING;
    if (hk && c->g.has_hash[slot] && token_all(t->hex, n)) {
        if (n % 16 == 0)
            hex_decode_sse(p, n, bt->digest[i]);
        else
            hex_decode(p, n, bt->digest[i]);
        hash_line(ix, bt, i, slot);
        return;
    }
    if (!c->g.has_domain)
        return;
    if (n > 0 && bt->name[i][n - 1] == '.')
        n--;
    if (n == 0)
        return;
    if (bt->name[i][0] == '.' || n > 253) {
        bt->kind[i] = L_SLOW;
        return;
    }
    for (size_t w = 0; w * 16 < n; w++) {
        unsigned m = t->dots[w] & (n - w * 16 >= 16 ? 0xffffu : (1u << (n - w * 16)) - 1);

        for (; m; m &= m - 1) {
            if (nd == MAX_SUF - 1) {
                bt->kind[i] = L_SLOW;
                return;
            }
            dots[nd++] = w * 16 + (size_t)__builtin_ctz(m);
        }
    }
    if (domain_labels(bt, i, n, dots, nd, token_any(t->letters, nd ? dots[nd - 1] + 1 : 0, n)))
        queue_name(c, bt, i);
}
#endif

/* Classify a line that is not an IPv4 address; n excludes the line end. */
static inline void classify_rest(struct chunk *c, struct batch *bt, size_t i, const char *s,
                                 size_t n)
{
    const struct rk_match_index *ix = c->g.ix;
    int hk, slot, r;

    if (n > 0 && s[n - 1] == '\r')
        n--;
    hk = rk_match__hash_kind_for_len(n);
    if (hk && c->g.has_hash[(slot = midx_hash_slot(hk))] && hex_decode(s, n, bt->digest[i])) {
        hash_line(ix, bt, i, slot);
        return;
    }
    if (!c->g.has_domain)
        return; /* L_SLOW */
    if ((r = fast_domain(s, n, bt, i)) < 0)
        return;
    bt->kind[i] = L_NOTHING;
    if (r)
        queue_name(c, bt, i);
}

static inline __attribute__((always_inline)) void
batch_fill_impl(struct chunk *c, struct batch *bt, const char **pp, const char *end, int sse)
{
    const struct rk_match_index *ix = c->g.ix;
    uint32_t shift = 32 - ix->h->v4_bits;
    const char *p = *pp;

    bt->n_probe = 0;
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
        bt->kind[i] = L_SLOW;
        if (ok) {
            uint32_t b = bt->addr[i] >> shift;

            bt->kind[i] = L_V4;
            bt->lo[i] = ix->v4_buckets[b];
            bt->hi[i] = ix->v4_buckets[b + 1];
            if (ix->v4_bounds) { /* a bucket's bounds may span two cache lines */
                __builtin_prefetch(ix->v4_bounds + bt->lo[i]);
                __builtin_prefetch(ix->v4_bounds + bt->hi[i] - (bt->hi[i] > bt->lo[i]));
            }
            skip = len;
        }
#ifdef RK_MATCH_HAVE_SSE41
        if (sse && !ok && c->g.hash_hex &&
            hex_line_sse(p, end, c->g.hash_hex, bt->digest[i], &bt->len[i])) {
            hash_line(ix, bt, i, c->g.hash_slot);
            p += bt->len[i];
            continue;
        }
        if (sse && !ok && c->g.has_names) {
            struct token t;

            if (token_scan_sse(p, end, bt->name[i], &t)) {
                classify_token(c, bt, i, p, &t);
                if (bt->kind[i] != L_SLOW) {
                    bt->len[i] = t.len;
                    p += t.len;
                    continue;
                }
            }
        }
#endif
        if (p + skip < end && p[skip] == '\n')
            nl = p + skip;
        else
            nl = memchr(p + skip, '\n', (size_t)(end - p) - skip);
        bt->len[i] = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (!ok && c->g.has_names)
            classify_rest(c, bt, i, p, bt->len[i] - (nl != NULL));
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

/* IPv4 lines: the rank of the address among the bounds of its bucket (prefetched by the first
 * stage), into lo[i]. */
static inline __attribute__((always_inline)) void v4_ranks_impl(const struct rk_match_index *ix,
                                                                struct batch *bt, int sse)
{
    (void)sse;
    for (size_t i = 0; i < bt->n; i++) {
        if (bt->kind[i] != L_V4)
            continue;
        if (!ix->v4_bounds)
            bt->lo[i] = (uint32_t)probe_rank32(ix->v4_bounds32, bt->lo[i], bt->hi[i], bt->addr[i]);
#ifdef RK_MATCH_HAVE_SSE41
        else if (sse)
            bt->lo[i] = (uint32_t)v4_rank16_sse(ix->v4_bounds, bt->lo[i], bt->hi[i],
                                                (uint16_t)bt->addr[i]);
#endif
        else
            bt->lo[i] = (uint32_t)probe_rank16(ix->v4_bounds, bt->lo[i], bt->hi[i],
                                               (uint16_t)bt->addr[i]);
    }
}

#ifdef RK_MATCH_HAVE_SSE41
__attribute__((target("sse4.1"))) static void v4_ranks_sse(const struct rk_match_index *ix,
                                                           struct batch *bt)
{
    v4_ranks_impl(ix, bt, 1);
}
#endif

static void v4_ranks(const struct grep *g, struct batch *bt)
{
#ifdef RK_MATCH_HAVE_SSE41
    if (g->sse) {
        v4_ranks_sse(g->ix, bt);
        return;
    }
#endif
    v4_ranks_impl(g->ix, bt, 0);
}

/* Hash lines fetch their bucket's fingerprints (the bucket was prefetched by the first stage). */
static void hashes_prepare(const struct rk_match_index *ix, struct batch *bt)
{
    for (size_t i = 0; i < bt->n; i++) {
        if (bt->kind[i] == L_HASH) {
            const uint32_t *b = ix->hash_buckets[bt->slot[i]] + bt->addr[i];

            bt->lo[i] = b[0];
            bt->hi[i] = b[1];
            __builtin_prefetch(ix->hash_fps[bt->slot[i]] + bt->lo[i]);
        }
    }
}

static inline uint64_t probe_hash_of(const struct batch *bt, uint16_t j)
{
    return bt->suf_hash[j / MAX_SUF][j % MAX_SUF];
}

/* Name lookups run in stages over the queue of open probes: the Bloom filter (prefetched by
 * the first stage), the table slot, the key's text offset, the text. Each stage keeps only the
 * probes still open, packed, and prefetches what the next one reads; the loops have no
 * per-suffix branches to mispredict. */
static void names_filter(const struct rk_match_index *ix, struct batch *bt)
{
    size_t n = 0;

    for (size_t p = 0; p < bt->n_probe; p++) {
        uint64_t h = probe_hash_of(bt, bt->probe[p]), bits = midx_bloom_bits(h);

        bt->probe[n] = bt->probe[p];
        n += (ix->name_bloom[midx_bloom_word(h, ix->bloom_mask)] & bits) == bits;
    }
    bt->n_probe = n;
    for (size_t p = 0; p < n; p++)
        __builtin_prefetch(ix->name_slots +
                           (midx_name_mix(probe_hash_of(bt, bt->probe[p])) & (ix->n_name_slots - 1)));
}

/* The first key in the probe sequence of h whose fingerprint agrees (the slot is in cache
 * by now); MIDX_NONE when an empty slot comes first. */
static inline uint32_t candidate_key(const struct rk_match_index *ix, uint64_t h)
{
    size_t mask = ix->n_name_slots - 1, i = midx_name_mix(h) & mask;
    uint32_t fp = midx_fp(h);

    for (size_t n = 0; n < ix->n_name_slots; n++, i = (i + 1) & mask) {
        uint64_t slot = ix->name_slots[i];

        if (slot == MIDX_SLOT_EMPTY)
            return MIDX_NONE;
        if ((uint32_t)(slot >> 32) == fp)
            return (uint32_t)slot;
    }
    return MIDX_NONE;
}

static void names_slots(const struct rk_match_index *ix, struct batch *bt)
{
    size_t n = 0;

    for (size_t p = 0; p < bt->n_probe; p++) {
        uint32_t key = candidate_key(ix, probe_hash_of(bt, bt->probe[p]));

        bt->probe[n] = bt->probe[p];
        bt->probe_key[n] = key;
        n += key != MIDX_NONE;
    }
    bt->n_probe = n;
    for (size_t p = 0; p < n; p++)
        __builtin_prefetch(ix->key_text + bt->probe_key[p]);
}

static void names_texts(const struct rk_match_index *ix, const struct batch *bt)
{
    for (size_t p = 0; p < bt->n_probe; p++)
        __builtin_prefetch(ix->key_pool + ix->key_text[bt->probe_key[p]]);
}

/* Compare each candidate with its suffix; a line is listed when one agrees. */
static void names_verify(const struct rk_match_index *ix, struct batch *bt)
{
    for (size_t p = 0; p < bt->n_probe; p++) {
        size_t i = bt->probe[p] / MAX_SUF, k = bt->probe[p] % MAX_SUF;
        size_t st = bt->suf_start[i][k], len = bt->name_len[i] - st, tlen;
        uint32_t key;
        int kind;
        const char *t;

        if (bt->listed[i])
            continue;
        t = probe_key_record(ix, bt->probe_key[p], &kind, &tlen);
        if (kind == RK_MATCH_DOMAIN && tlen == len && memcmp(t, bt->name[i] + st, len) == 0)
            bt->listed[i] = 1;
        else /* the fingerprint agreed by chance: probe the whole sequence */
            bt->listed[i] = (uint8_t)probe_name(ix, RK_MATCH_DOMAIN, bt->suf_hash[i][k],
                                                bt->name[i] + st, len, &key);
    }
}

static void names_lookup(const struct rk_match_index *ix, struct batch *bt)
{
    names_filter(ix, bt);
    names_slots(ix, bt);
    names_texts(ix, bt);
    names_verify(ix, bt);
}

/* Is line i selected? */
static int batch_line(struct chunk *c, const struct batch *bt, size_t i)
{
    const struct rk_match_index *ix = c->g.ix;
    size_t n = bt->len[i], pos, rank;
    int v4 = -1, match;

    switch (bt->kind[i]) {
    case L_V4:
        rank = bt->lo[i]; /* v4_ranks */
        v4 = ix->set_only ? (int)(rank & 1) : ix->v4_pay[rank - 1] != MIDX_NONE;
        if (!c->g.has_v6 && !c->g.has_names) /* decided: no branch on the verdict */
            return c->g.opt->invert ? !v4 : v4;
        if (v4)
            return !c->g.opt->invert;
        break;
    case L_HASH:
        match = probe_hash_range(ix, bt->slot[i], bt->digest[i],
                                 rk_match__digest_len(RK_MATCH_MD5 + bt->slot[i]), bt->lo[i],
                                 bt->hi[i], &pos);
        return c->g.opt->invert ? !match : match;
    case L_NAME:
        match = bt->listed[i];
        return c->g.opt->invert ? !match : match;
    case L_NOTHING: return 0;
    default: break;
    }
    if (n > 0 && bt->line[i][n - 1] == '\n')
        n--;
    return judge(&c->g, bt->line[i], n, v4);
}

static int scan_chunk(struct chunk *c)
{
    const char *p = c->p, *end = c->p + c->len;
    struct batch bt;
    uint64_t count = 0;
    int rc = 0;

    pthread_once(&tables_once, make_tables);
    while (p < end && rc == 0) {
        batch_fill(c, &bt, &p, end);
        if (c->g.has_v4)
            v4_ranks(&c->g, &bt);
        if (c->g.has_hash[0] || c->g.has_hash[1] || c->g.has_hash[2] || c->g.has_hash[3])
            hashes_prepare(c->g.ix, &bt);
        if (c->g.has_domain)
            names_lookup(c->g.ix, &bt);
        for (size_t i = 0; i < bt.n && rc == 0; i++) {
            int selected = batch_line(c, &bt, i);

            count += (uint64_t)selected; /* counting only: no branch on the verdict */
            if (!c->g.opt->count_only && selected)
                rc = put_line(c, bt.line[i], bt.len[i]);
        }
    }
    c->count = count;
    return rc;
}

/* The pieces of a round, taken by the threads one at a time: a thread that runs slower (a
 * busy core) takes fewer, so none waits for it long at the end of the round. */
struct round {
    struct chunk *c;
    unsigned n;
    _Alignas(64) atomic_uint next;
};

static void *round_thread(void *arg)
{
    struct round *r = arg;
    unsigned i;

    while ((i = atomic_fetch_add(&r->next, 1)) < r->n)
        r->c[i].rc = scan_chunk(&r->c[i]);
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
    g->hash_slot = -1;
    for (int i = 0; i < 4; i++)
        if (g->has_hash[i])
            g->hash_slot = g->hash_slot == -1 ? i : -2;
    if (g->hash_slot == -2)
        g->hash_slot = -1;
    if (g->hash_slot >= 0 && rk_match__digest_len(RK_MATCH_MD5 + g->hash_slot) % 8 == 0)
        g->hash_hex = 2 * rk_match__digest_len(RK_MATCH_MD5 + g->hash_slot);
    g->scratch = rk_malloc(sizeof(*g->scratch));
    return g->scratch ? 0 : RK_ENOMEM;
}

/* Scan pieces c[0..n) on threads threads, then hand their output on in input order. */
static int run_round(struct chunk *c, unsigned n, unsigned threads, rk_match_write_fn write,
                     void *ctx, uint64_t *count)
{
    pthread_t tid[MAX_THREADS];
    struct round r = {c, n, 0};
    unsigned started = 0;
    int rc = 0;

    for (unsigned t = 1; t < threads && t < n; t++) {
        if (pthread_create(&tid[t], NULL, round_thread, &r) != 0)
            break; /* the threads already running take the rest */
        started = t;
    }
    round_thread(&r);
    for (unsigned t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
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

/* The input in rounds of up to ROUND_MAX pieces that end at line ends. */
static int grep_threads(struct chunk *c, unsigned threads, const char *p, size_t len,
                        rk_match_write_fn write, void *ctx, uint64_t *count)
{
    size_t pos = 0;
    int rc = 0;

    while (pos < len && rc == 0) {
        unsigned n = 0;

        for (; n < ROUND_MAX && pos < len; n++) {
            size_t take = len - pos <= PIECE ? len - pos : PIECE;
            const char *nl = take < len - pos ? memchr(p + pos + take - 1, '\n', len - pos - take + 1)
                                              : NULL;

            if (take < len - pos)
                take = nl ? (size_t)(nl - (p + pos)) + 1 : len - pos;
            c[n].p = p + pos;
            c[n].len = take;
            pos += take;
        }
        rc = run_round(c, n, threads, write, ctx, count);
    }
    return rc;
}

int rk_match_grep(const struct rk_match_index *ix, const char *p, size_t len,
                  const struct rk_match_grep_options *opt, rk_match_write_fn write, void *ctx,
                  uint64_t *count_out, struct rk_err *err)
{
    unsigned threads = opt->threads < 1         ? 1
                       : opt->threads > MAX_THREADS ? MAX_THREADS
                                                    : opt->threads;
    unsigned n = threads == 1 ? 1 : ROUND_MAX;
    struct chunk *c = aligned_alloc(_Alignof(struct chunk), n * sizeof(*c));
    uint64_t count = 0;
    int rc = 0;

    *count_out = 0;
    if (!c)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    memset(c, 0, n * sizeof(*c));
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
        rc = grep_threads(c, threads, p, len, write, ctx, &count);
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
