/* agg.c - counting packets into the state of one (bin, sensor). Exact mode keeps every
 * source, port, prefix, ASN and country plus the (source, port) and (source, destination)
 * pair sets; approximate mode (agg_approx.c) keeps space-saving top-k tables and
 * HyperLogLog counters. docs/internals/sensor.md describes both. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"

#include <stddef.h>
#include <string.h>


struct binsens *binsens_new(uint32_t sensor)
{
    struct binsens *b = rk_calloc(1, sizeof(*b));

    if (!b)
        return NULL;
    b->sensor = sensor;
    b->last_src = KIDX_NONE;
    return b;
}

#define TABLE_FREE(t, m)                                                                           \
    do {                                                                                           \
        kidx_free(&(t).idx, m);                                                                    \
        smem_release(m, (uint64_t)(t).cap * sizeof(*(t).r));                                       \
        rk_free((t).r);                                                                            \
        (t).r = NULL;                                                                              \
        (t).n = (t).cap = 0;                                                                       \
    } while (0)

void binsens_free(struct binsens *b, struct smem *m)
{
    if (!b)
        return;
    if (b->src_h) {
        smem_release(m, (uint64_t)b->src.cap * sizeof(*b->src_h));
        rk_free(b->src_h);
    }
    TABLE_FREE(b->src, m);
    TABLE_FREE(b->port, m);
    TABLE_FREE(b->pfx, m);
    TABLE_FREE(b->asn, m);
    TABLE_FREE(b->cc, m);
    u64set_free(&b->sp, m);
    u64set_free(&b->sd, m);
    kidx_free(&b->dst6, m);
    topk_free(&b->src_top, m);
    topk_free(&b->pfx_top, m);
    hllpool_free(&b->pool_port, m);
    hllpool_free(&b->pool_small, m);
    if (b->hll_total) {
        smem_release(m, (uint64_t)(1 + RK_SENSOR_FP_COUNT) << b->total_bits);
        rk_free(b->hll_total);
    }
    rk_free(b);
}

/* Make a record array's capacity at least want (charged under limit). */
static int table_reserve(void **r, uint32_t *cap, size_t size, uint32_t want, struct smem *m,
                         uint64_t limit)
{
    void *p;
    int rc;

    if (want <= *cap)
        return 0;
    if (want > (1U << 30))
        return RK_ELIMIT;
    if ((rc = smem_charge(m, (uint64_t)(want - *cap) * size, limit)) != 0)
        return rc;
    if (!(p = rk_reallocarray(*r, want, size))) {
        smem_release(m, (uint64_t)(want - *cap) * size);
        return RK_ENOMEM;
    }
    mem_advise_huge(p, (uint64_t)want * size);
    *r = p;
    *cap = want;
    return 0;
}

/* Grow a record array by one (charged under limit); returns the new record number. */
static int table_push(void **r, uint32_t *n, uint32_t *cap, size_t size, struct smem *m,
                      uint64_t limit, uint32_t *out)
{
    int rc;

    if (*n == *cap && (rc = table_reserve(r, cap, size, *cap ? *cap * 2 : 64, m, limit)) != 0)
        return rc;
    memset((char *)*r + (size_t)*n * size, 0, size);
    *out = (*n)++;
    return 0;
}

#define TABLE_GET(t, k0, k1, m, limit, out, created)                                               \
    table_get(&(t).idx, (void **)&(t).r, &(t).n, &(t).cap, sizeof(*(t).r), k0, k1, m, limit, out,  \
              created)

/* Find or create the record for (k0, k1); records start with k0, k1. */
static int table_get(struct kidx *x, void **r, uint32_t *n, uint32_t *cap, size_t size, uint64_t k0,
                     uint64_t k1, struct smem *m, uint64_t limit, uint32_t *out, int *created)
{
    uint64_t h = hash128(k0, k1);
    uint32_t i = kidx_find(x, k0, k1, h);
    int rc;

    *created = 0;
    if (i != KIDX_NONE) {
        *out = i;
        return 0;
    }
    if ((rc = table_push(r, n, cap, size, m, limit, &i)) != 0)
        return rc;
    if ((rc = kidx_insert(x, k0, k1, h, i, m, limit)) != 0) {
        (*n)--;
        return rc;
    }
    memcpy((char *)*r + (size_t)i * size, &k0, 8);
    memcpy((char *)*r + (size_t)i * size + 8, &k1, 8);
    *created = 1;
    *out = i;
    return 0;
}

void binsens_presize(struct binsens *b, uint32_t sources, uint64_t sp, uint64_t sd,
                     const struct agg_ctx *c)
{
    uint64_t lim = c->mem->exact_limit, before = c->mem->used;

    sources += sources / 8; /* a little headroom */
    if ((uint64_t)sources * (sizeof(struct src_rec) + 2 * sizeof(struct kslot)) +
                (sp + sd) * 2 * sizeof(uint64_t) >
        lim / 8)
        return;
    if (kidx_reserve(&b->src.idx, sources, c->mem, lim) == 0 &&
        table_reserve((void **)&b->src.r, &b->src.cap, sizeof(*b->src.r), sources, c->mem, lim) ==
                0 &&
        u64set_reserve(&b->sp, sp + sp / 8, c->mem, lim) == 0)
        u64set_reserve(&b->sd, sd + sd / 8, c->mem, lim);
    b->mem += c->mem->used - (before < c->mem->used ? before : c->mem->used);
}

void binsens_sizes(const struct binsens *b, uint32_t *sources, uint64_t *sp, uint64_t *sd)
{
    *sources = b->approx ? 0 : b->src.n;
    *sp = b->approx ? 0 : b->sp.count;
    *sd = b->approx ? 0 : b->sd.count;
}

/* Port records start with their 64-bit key; it is stored as (key, 0). */
static int port_get(struct binsens *b, uint64_t key, struct smem *m, uint64_t limit, uint32_t *out)
{
    uint64_t h = hash128(key, 0);
    uint32_t i = kidx_find(&b->port.idx, key, 0, h);
    int rc;

    if (i != KIDX_NONE) {
        *out = i;
        return 0;
    }
    if ((rc = table_push((void **)&b->port.r, &b->port.n, &b->port.cap, sizeof(*b->port.r), m,
                         limit, &i)) != 0)
        return rc;
    if ((rc = kidx_insert(&b->port.idx, key, 0, h, i, m, limit)) != 0) {
        b->port.n--;
        return rc;
    }
    b->port.r[i].key = key;
    shll_init(&b->port.r[i].hsrc);
    shll_init(&b->port.r[i].hclean);
    *out = i;
    return 0;
}

/* Clean: a scan packet that is not spoofed, from a source not on a research list. */
static int is_clean(const struct rk_sensor_pkt *p, uint8_t src_fp)
{
    return p->cls == RK_SENSOR_CLASS_SCAN && !(p->fp & RK_SENSOR_FP_SPOOFED) &&
           !(src_fp & RK_SENSOR_FP_RESEARCH);
}

/* What we learn about a new source once: research list, ASN, country. */
static void src_describe(struct src_rec *s, const struct rk_sensor_addr *a, const struct agg_ctx *c)
{
    if (c->scanners->n && rtab_lookup(c->scanners, a) != KIDX_NONE)
        s->fp |= RK_SENSOR_FP_RESEARCH;
    s->asn = c->asn->ranges.n ? geo_lookup(c->asn, a) : 0;
    s->cc = c->cc->ranges.n ? (uint16_t)geo_lookup(c->cc, a) : 0;
}

/* ---- exact mode -------------------------------------------------------------------------- */

static int exact_source(struct binsens *b, const struct rk_sensor_pkt *p, uint64_t k0, uint64_t k1,
                        const struct agg_ctx *c, uint32_t *out)
{
    struct src_rec tmp;
    uint32_t i;
    int created, rc;

    if (b->last_src != KIDX_NONE && b->last_k0 == k0 && b->last_k1 == k1) {
        *out = b->last_src;
        return 0;
    }
    i = kidx_find(&b->src.idx, k0, k1, hash128(k0, k1));
    if (i == KIDX_NONE) {
        /* groups (/24 or /48, ASN, country) are summed from the sources when needed, so a new
         * source costs one record and one index slot */
        memset(&tmp, 0, sizeof(tmp));
        src_describe(&tmp, &p->src, c);
        if ((rc = TABLE_GET(b->src, k0, k1, c->mem, c->mem->exact_limit, &i, &created)) != 0)
            return rc;
        tmp.k0 = k0;
        tmp.k1 = k1;
        tmp.first_ns = tmp.last_ns = p->ts_ns;
        b->src.r[i] = tmp;
    }
    b->last_src = i;
    b->last_k0 = k0;
    b->last_k1 = k1;
    *out = i;
    return 0;
}

/* Exact mode to approximate: build the prefix, ASN and country records from the sources
 * (packets and sources exact), and link every source to its records. */
int binsens_exact_groups(struct binsens *b, const struct agg_ctx *c, uint32_t *grp)
{
    struct rk_sensor_prefix pf;
    struct rk_sensor_addr a;
    uint32_t g;
    int created, rc;

    for (uint32_t i = 0; i < b->src.n; i++) {
        struct src_rec *s = &b->src.r[i];

        grp[3 * (size_t)i + 1] = grp[3 * (size_t)i + 2] = KIDX_NONE;
        addr_from_halves(&a, s->k0, s->k1);
        addr_group_prefix(&a, &pf);
        if ((rc = TABLE_GET(b->pfx, addr_hi(&pf.addr), addr_lo(&pf.addr), c->mem, c->mem->cap, &g,
                            &created)) != 0)
            return rc;
        if (created)
            shll_init(&b->pfx.r[g].hsrc);
        b->pfx.r[g].packets += s->packets;
        b->pfx.r[g].sources++;
        grp[3 * (size_t)i] = g;
        if (s->asn) {
            if ((rc = TABLE_GET(b->asn, s->asn, 0, c->mem, c->mem->cap, &g, &created)) != 0)
                return rc;
            if (created)
                shll_init(&b->asn.r[g].hsrc);
            b->asn.r[g].packets += s->packets;
            b->asn.r[g].sources++;
            grp[3 * (size_t)i + 1] = g;
        }
        if (s->cc) {
            if ((rc = TABLE_GET(b->cc, s->cc, 0, c->mem, c->mem->cap, &g, &created)) != 0)
                return rc;
            if (created)
                shll_init(&b->cc.r[g].hsrc);
            b->cc.r[g].packets += s->packets;
            b->cc.r[g].sources++;
            grp[3 * (size_t)i + 2] = g;
        }
    }
    return 0;
}

/* The destination half of a (source, destination) pair key. */
static int dst_key(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c,
                   uint64_t *out)
{
    uint64_t k0, k1, h;
    uint32_t i;
    int rc;

    if (addr_v4p(&p->dst)) {
        *out = addr_v4v(&p->dst);
        return 0;
    }
    k0 = addr_hi(&p->dst);
    k1 = addr_lo(&p->dst);
    h = hash128(k0, k1);
    if ((i = kidx_find(&b->dst6, k0, k1, h)) == KIDX_NONE) {
        i = b->n_dst6;
        if ((rc = kidx_insert(&b->dst6, k0, k1, h, i, c->mem, c->mem->exact_limit)) != 0)
            return rc;
        b->n_dst6++;
    }
    *out = i;
    return 0;
}

/* src_fp: the source's own fingerprints (the research list is per source, not per packet). */
static void count_packet(struct binsens *b, const struct rk_sensor_pkt *p, uint8_t src_fp)
{
    unsigned fp = p->fp | (src_fp & RK_SENSOR_FP_RESEARCH);

    b->packets++;
    b->bytes += p->ip_len;
    b->cls[p->cls]++;
    for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++)
        b->fp_packets[bit] += (fp >> bit) & 1;
}

static void count_source(struct src_rec *s, const struct rk_sensor_pkt *p)
{
    s->packets++;
    s->cls[p->cls]++;
    if (p->ts_ns < s->first_ns)
        s->first_ns = p->ts_ns;
    if (p->ts_ns > s->last_ns)
        s->last_ns = p->ts_ns;
    if (p->fp) { /* written only when there is something to write: the common case stays in
                    the record's first cache lines */
        if (p->fp & RK_SENSOR_FP_SPOOFED) {
            s->fp |= RK_SENSOR_FP_SPOOFED;
            s->spoof |= p->spoof;
        }
        if (p->cls == RK_SENSOR_CLASS_SCAN) {
            s->tool_hits[0] += (p->fp & RK_SENSOR_FP_MIRAI) != 0;
            s->tool_hits[1] += (p->fp & RK_SENSOR_FP_ZMAP) != 0;
            s->tool_hits[2] += (p->fp & RK_SENSOR_FP_MASSCAN) != 0;
        }
    }
}

static void count_port(struct port_rec *pr, const struct rk_sensor_pkt *p, int clean)
{
    pr->packets++;
    pr->cls[p->cls]++;
    pr->packets_clean += clean;
}

/* Is (source si, port pi) new? The first pair is kept in the source record. */
static int pair_port(struct binsens *b, struct src_rec *s, uint32_t si, uint32_t pi, int clean,
                     int created, unsigned *old_flags, const struct agg_ctx *c)
{
    uint64_t lim = c->mem->exact_limit;
    unsigned ignored;
    int rc;

    if (created) {
        s->port0 = pi;
        s->pair_flags |= clean ? PAIR_PORT0_CLEAN : 0;
        *old_flags = 0;
        return 1;
    }
    if (!(s->pair_flags & PAIR_MULTI_PORT)) {
        if (pi == s->port0) {
            *old_flags = s->pair_flags & PAIR_PORT0_CLEAN;
            s->pair_flags |= clean ? PAIR_PORT0_CLEAN : 0;
            return 0;
        }
        rc = u64set_add(&b->sp, ((uint64_t)si + 1) << PAIR_PORT_BITS | s->port0,
                        s->pair_flags & PAIR_PORT0_CLEAN, &ignored, c->mem, lim);
        if (rc < 0)
            return rc;
        s->pair_flags |= PAIR_MULTI_PORT;
    }
    return u64set_add(&b->sp, ((uint64_t)si + 1) << PAIR_PORT_BITS | pi, (unsigned)clean, old_flags,
                      c->mem, lim);
}

/* Is (source si, destination key dk) new? */
static int pair_dst(struct binsens *b, struct src_rec *s, uint32_t si, uint64_t dk, int created,
                    const struct agg_ctx *c)
{
    uint64_t lim = c->mem->exact_limit;
    unsigned ignored;
    int rc;

    if (created) {
        s->dst0 = (uint32_t)dk;
        return 1;
    }
    if (!(s->pair_flags & PAIR_MULTI_DST)) {
        if (dk == s->dst0)
            return 0;
        rc = u64set_add(&b->sd, ((uint64_t)si + 1) << 32 | s->dst0, 0, &ignored, c->mem, lim);
        if (rc < 0)
            return rc;
        s->pair_flags |= PAIR_MULTI_DST;
    }
    return u64set_add(&b->sd, ((uint64_t)si + 1) << 32 | dk, 0, &ignored, c->mem, lim);
}

static int exact_update(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c,
                        const struct agg_hint *hint)
{
    uint64_t lim = c->mem->exact_limit, dk, before = c->mem->used;
    uint32_t si = hint ? hint->si : KIDX_NONE, pi = hint ? hint->pi : KIDX_NONE;
    unsigned old_sp;
    int rc = 0, new_sp, new_sd, clean, created;
    struct src_rec *s;

    if (si == KIDX_NONE &&
        (rc = exact_source(b, p, addr_hi(&p->src), addr_lo(&p->src), c, &si)) != 0)
        goto out;
    if (pi == KIDX_NONE &&
        (rc = port_get(b, (uint64_t)p->port_proto << 16 | p->port, c->mem, lim, &pi)) != 0)
        goto out;
    if ((rc = dst_key(b, p, c, &dk)) != 0)
        goto out;
    /* all memory first: once a pair is in a set the packet must be counted */
    if ((rc = u64set_reserve(&b->sp, 2, c->mem, lim)) != 0 ||
        (rc = u64set_reserve(&b->sd, 2, c->mem, lim)) != 0)
        goto out;
    s = &b->src.r[si];
    created = s->packets == 0;
    clean = is_clean(p, s->fp);
    if ((rc = new_sp = pair_port(b, s, si, pi, clean, created, &old_sp, c)) < 0)
        goto out;
    if ((rc = new_sd = pair_dst(b, s, si, dk, created, c)) < 0)
        goto out;
    rc = 0;
    /* every insertion succeeded: count */
    count_packet(b, p, s->fp);
    count_source(s, p);
    count_port(&b->port.r[pi], p, clean);
    b->port.r[pi].sources += (uint32_t)new_sp;
    b->port.r[pi].sources_clean += clean && !(old_sp & 1);
    s->ports += (uint32_t)new_sp;
    s->dsts += (uint32_t)new_sd;
out:
    b->mem += c->mem->used - (before < c->mem->used ? before : c->mem->used);
    return rc;
}

/* ---- approximate mode -------------------------------------------------------------------- */

static int approx_source(struct binsens *b, const struct rk_sensor_pkt *p, uint64_t h,
                         const struct agg_ctx *c, uint32_t *out)
{
    uint64_t k0 = addr_hi(&p->src), k1 = addr_lo(&p->src);
    struct src_rec *s;
    int fresh, rc;

    if ((rc = topk_hit(&b->src_top, k0, k1, h, 1, out, &fresh, c->mem, c->mem->cap)) != 0)
        return rc;
    s = &b->src.r[*out];
    if (fresh) {
        struct src_hll *sh = &b->src_h[*out];

        if (s->k0 | s->k1) { /* an evicted source: recycle its dense counters */
            shll_release(&sh->hdst, &b->pool_small);
            shll_release(&sh->hport, &b->pool_small);
        }
        memset(s, 0, sizeof(*s));
        s->k0 = k0;
        s->k1 = k1;
        s->first_ns = s->last_ns = p->ts_ns;
        src_describe(s, &p->src, c);
        shll_init(&sh->hdst);
        shll_init(&sh->hport);
    }
    return 0;
}

/* Add the source hash to its prefix (top-k), ASN and country counters. */
static void approx_groups(struct binsens *b, const struct rk_sensor_pkt *p, uint64_t h,
                          struct src_rec *s, const struct agg_ctx *c)
{
    struct rk_sensor_prefix pf;
    uint64_t k0, k1;
    uint32_t e;
    int fresh, created;

    addr_group_prefix(&p->src, &pf);
    k0 = addr_hi(&pf.addr);
    k1 = addr_lo(&pf.addr);
    if (topk_hit(&b->pfx_top, k0, k1, hash128(k0, k1), 1, &e, &fresh, c->mem, c->mem->cap) == 0) {
        struct grp_rec *g = &b->pfx.r[e];

        if (fresh) {
            if (g->k0 | g->k1)
                shll_release(&g->hsrc, &b->pool_small);
            memset(g, 0, sizeof(*g));
            g->k0 = k0;
            g->k1 = k1;
            shll_init(&g->hsrc);
        }
        if (shll_add(&g->hsrc, h, &b->pool_small, c->mem, c->mem->cap) != 0)
            b->dropped_keys++;
    } else {
        b->dropped_keys++;
    }
    if (s->asn) {
        if (TABLE_GET(b->asn, s->asn, 0, c->mem, c->mem->cap, &e, &created) == 0) {
            if (created)
                shll_init(&b->asn.r[e].hsrc);
            b->asn.r[e].packets++;
            if (shll_add(&b->asn.r[e].hsrc, h, &b->pool_small, c->mem, c->mem->cap) != 0)
                b->dropped_keys++;
        } else {
            b->dropped_keys++;
        }
    }
    if (s->cc) {
        if (TABLE_GET(b->cc, s->cc, 0, c->mem, c->mem->cap, &e, &created) == 0) {
            if (created)
                shll_init(&b->cc.r[e].hsrc);
            b->cc.r[e].packets++;
            if (shll_add(&b->cc.r[e].hsrc, h, &b->pool_small, c->mem, c->mem->cap) != 0)
                b->dropped_keys++;
        } else {
            b->dropped_keys++;
        }
    }
}

static int approx_update(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c)
{
    uint64_t h = hash128(addr_hi(&p->src), addr_lo(&p->src));
    uint64_t pkey = (uint64_t)p->port_proto << 16 | p->port;
    uint8_t tb = b->total_bits, src_fp;
    uint32_t si, pi;
    int clean, fails = 0;
    struct src_rec *s = NULL;

    /* the packet always counts; what cannot be tracked within the cap is a dropped key */
    if (approx_source(b, p, h, c, &si) == 0) {
        s = &b->src.r[si];
        count_source(s, p);
        src_fp = s->fp;
    } else {
        fails++;
        src_fp = c->scanners->n && rtab_lookup(c->scanners, &p->src) != KIDX_NONE
                         ? RK_SENSOR_FP_RESEARCH
                         : 0;
    }
    clean = is_clean(p, src_fp);
    count_packet(b, p, src_fp);
    hll_add(b->hll_total, tb, h);
    for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++) {
        if ((p->fp | src_fp) & (1U << bit))
            hll_add(b->hll_total + ((size_t)(bit + 1) << tb), tb, h);
    }
    if (port_get(b, pkey, c->mem, c->mem->cap, &pi) == 0) {
        count_port(&b->port.r[pi], p, clean);
        fails += shll_add(&b->port.r[pi].hsrc, h, &b->pool_port, c->mem, c->mem->cap) != 0;
        if (clean)
            fails += shll_add(&b->port.r[pi].hclean, h, &b->pool_port, c->mem, c->mem->cap) != 0;
    } else {
        fails++;
    }
    if (s) {
        fails += shll_add(&b->src_h[si].hdst, hash128(addr_hi(&p->dst), addr_lo(&p->dst)),
                          &b->pool_small, c->mem, c->mem->cap) != 0;
        fails += shll_add(&b->src_h[si].hport, mix64(pkey), &b->pool_small, c->mem, c->mem->cap) !=
                 0;
        approx_groups(b, p, h, s, c);
    }
    b->dropped_keys += (uint64_t)fails;
    return 0;
}

void binsens_count_lost(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c)
{
    uint64_t pkey = (uint64_t)p->port_proto << 16 | p->port;
    uint32_t pi;
    uint8_t src_fp = c->scanners->n && rtab_lookup(c->scanners, &p->src) != KIDX_NONE
                             ? RK_SENSOR_FP_RESEARCH
                             : 0;

    count_packet(b, p, src_fp);
    /* port records are few and small: one may still come from the rest of the cap */
    if (port_get(b, pkey, c->mem, c->mem->cap, &pi) == 0)
        count_port(&b->port.r[pi], p, is_clean(p, src_fp));
    b->dropped_keys++;
}

int binsens_update(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c)
{
    return b->approx ? approx_update(b, p, c) : exact_update(b, p, c, NULL);
}

int binsens_update_hinted(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c,
                          const struct agg_hint *h)
{
    return b->approx ? approx_update(b, p, c) : exact_update(b, p, c, h);
}

/* ---- batches: prefetch what a packet will touch, a few packets ahead ---------------------- */

static void prefetch_u64set(const struct u64set *s, uint64_t key)
{
    if (s->cap)
        __builtin_prefetch(&s->slots[mix64(key) & (s->cap - 1)], 1);
}

void binsens_stage1(struct binsens *b, const struct rk_sensor_pkt *p, struct agg_hint *h)
{
    h->si = h->pi = KIDX_NONE;
    if (b->approx)
        return;
    h->k0 = addr_hi(&p->src);
    h->k1 = addr_lo(&p->src);
    h->h = hash128(h->k0, h->k1);
    if (b->src.idx.cap)
        __builtin_prefetch(&b->src.idx.slots[(uint32_t)h->h & (b->src.idx.cap - 1)]);
}

void binsens_stage2(struct binsens *b, const struct rk_sensor_pkt *p, struct agg_hint *h)
{
    uint64_t pkey = (uint64_t)p->port_proto << 16 | p->port, si;
    const char *rec;

    if (b->approx)
        return;
    h->si = kidx_find(&b->src.idx, h->k0, h->k1, h->h);
    h->pi = kidx_find(&b->port.idx, pkey, 0, hash128(pkey, 0));
    /* a new source will most likely get the next record number: its pair keys are known */
    si = h->si != KIDX_NONE ? h->si : (uint64_t)b->src.n + b->staged_new++;
    if (si < b->src.cap) { /* a known source's record, or the one a new source will fill */
        rec = (const char *)&b->src.r[si];
        __builtin_prefetch(rec, 1);
        __builtin_prefetch(rec + 64, 1);
        __builtin_prefetch(rec + sizeof(struct src_rec) - 1, 1);
    }
    /* pairs of known sources may be in the sets; a new source's stay in its record */
    if (h->si != KIDX_NONE && h->pi != KIDX_NONE)
        prefetch_u64set(&b->sp, (si + 1) << PAIR_PORT_BITS | h->pi);
    if (h->si != KIDX_NONE && addr_v4p(&p->dst))
        prefetch_u64set(&b->sd, (si + 1) << 32 | addr_v4v(&p->dst));
}
