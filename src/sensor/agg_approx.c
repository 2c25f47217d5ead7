/* agg_approx.c - converting the exact state of one (bin, sensor) into approximate state when
 * the memory cap is near: the top-k sources and prefixes move into space-saving tables, every
 * unique count moves into a small-exact / HyperLogLog counter fed from the pair sets, and the
 * exact sets are freed. All or nothing: on failure the exact state is left as it was. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>


struct conv {
    struct binsens *b;
    const struct agg_ctx *c;
    uint32_t *smap;       /* old source number -> top-k entry, KIDX_NONE when dropped */
    uint32_t *gmap;       /* old prefix number -> top-k entry */
    uint64_t *dst6;       /* destination number -> (hi, lo) */
    uint32_t *grp;        /* old source number -> its prefix, ASN and country records (3 each) */
    struct src_rec *nsrc; /* payload of the new source top-k */
    struct src_hll *nh;   /* its unique counters */
    struct grp_rec *npfx; /* payload of the new prefix top-k */
    struct topk src_top, pfx_top;
    uint8_t *hll;
    uint64_t temp_bytes;
};

static int by_packets_src(const void *a, const void *b, void *ctx)
{
    const struct src_rec *r = ctx;
    const struct src_rec *x = &r[*(const uint32_t *)a], *y = &r[*(const uint32_t *)b];

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if (x->k0 != y->k0)
        return x->k0 < y->k0 ? -1 : 1;
    return x->k1 < y->k1 ? -1 : x->k1 > y->k1;
}

static int by_packets_grp(const void *a, const void *b, void *ctx)
{
    const struct grp_rec *r = ctx;
    const struct grp_rec *x = &r[*(const uint32_t *)a], *y = &r[*(const uint32_t *)b];

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if (x->k0 != y->k0)
        return x->k0 < y->k0 ? -1 : 1;
    return x->k1 < y->k1 ? -1 : x->k1 > y->k1;
}

static void *temp_alloc(struct conv *v, size_t count, size_t size)
{
    void *p;

    if (smem_charge(v->c->mem, (uint64_t)count * size, v->c->mem->cap) != 0)
        return NULL;
    p = rk_reallocarray(NULL, count ? count : 1, size);
    if (!p) {
        smem_release(v->c->mem, (uint64_t)count * size);
        return NULL;
    }
    v->temp_bytes += (uint64_t)count * size;
    return p;
}

/* The k records with the most packets: map[old] = entry in t, payload copied by copy(). */
static int keep_top(struct conv *v, uint32_t n, uint32_t k, const void *recs, size_t size,
                    int (*cmp)(const void *, const void *, void *), struct topk *t, uint32_t *map)
{
    uint32_t *order = temp_alloc(v, n, sizeof(uint32_t));
    int rc = 0;

    if (!order)
        return RK_ELIMIT;
    for (uint32_t i = 0; i < n; i++) {
        order[i] = i;
        map[i] = KIDX_NONE;
    }
    qsort_r(order, n, sizeof(uint32_t), cmp, (void *)recs);
    if ((rc = topk_init(t, k, v->c->mem, v->c->mem->cap)) != 0)
        goto out;
    for (uint32_t j = 0; j < n && j < k && rc == 0; j++) {
        const char *r = (const char *)recs + (size_t)order[j] * size;
        uint64_t k0, k1, packets;
        int fresh;

        memcpy(&k0, r, 8);
        memcpy(&k1, r + 8, 8);
        memcpy(&packets, r + 16, 8); /* src_rec and grp_rec: k0, k1, packets first */
        rc = topk_hit(t, k0, k1, hash128(k0, k1), packets, &map[order[j]], &fresh, v->c->mem,
                      v->c->mem->cap);
    }
out:
    rk_free(order);
    return rc;
}

static int setup_sources(struct conv *v)
{
    struct binsens *b = v->b;
    uint32_t k = b->topk;
    int rc;

    if (!(v->smap = temp_alloc(v, b->src.n, sizeof(uint32_t))))
        return RK_ELIMIT;
    if ((rc = keep_top(v, b->src.n, k, b->src.r, sizeof(*b->src.r), by_packets_src, &v->src_top,
                       v->smap)) != 0)
        return rc;
    if (smem_charge(v->c->mem, (uint64_t)k * sizeof(*v->nsrc), v->c->mem->cap) != 0)
        return RK_ELIMIT;
    v->nsrc = rk_calloc(k, sizeof(*v->nsrc));
    if (!v->nsrc) {
        smem_release(v->c->mem, (uint64_t)k * sizeof(*v->nsrc));
        return RK_ENOMEM;
    }
    if (smem_charge(v->c->mem, (uint64_t)k * sizeof(*v->nh), v->c->mem->cap) != 0)
        return RK_ELIMIT;
    v->nh = rk_calloc(k, sizeof(*v->nh));
    if (!v->nh) {
        smem_release(v->c->mem, (uint64_t)k * sizeof(*v->nh));
        return RK_ENOMEM;
    }
    for (uint32_t j = 0; j < k; j++) {
        shll_init(&v->nh[j].hdst);
        shll_init(&v->nh[j].hport);
    }
    for (uint32_t i = 0; i < b->src.n; i++) {
        if (v->smap[i] != KIDX_NONE)
            v->nsrc[v->smap[i]] = b->src.r[i];
    }
    return 0;
}

static int setup_prefixes(struct conv *v)
{
    struct binsens *b = v->b;
    uint32_t k = b->topk;
    int rc;

    if (!(v->gmap = temp_alloc(v, b->pfx.n, sizeof(uint32_t))))
        return RK_ELIMIT;
    if ((rc = keep_top(v, b->pfx.n, k, b->pfx.r, sizeof(*b->pfx.r), by_packets_grp, &v->pfx_top,
                       v->gmap)) != 0)
        return rc;
    if (smem_charge(v->c->mem, (uint64_t)k * sizeof(*v->npfx), v->c->mem->cap) != 0)
        return RK_ELIMIT;
    v->npfx = rk_calloc(k, sizeof(*v->npfx));
    if (!v->npfx) {
        smem_release(v->c->mem, (uint64_t)k * sizeof(*v->npfx));
        return RK_ENOMEM;
    }
    for (uint32_t i = 0; i < b->pfx.n; i++) {
        if (v->gmap[i] == KIDX_NONE)
            continue;
        v->npfx[v->gmap[i]] = b->pfx.r[i];
        shll_init(&v->npfx[v->gmap[i]].hsrc);
    }
    return 0;
}

static int setup_dst6(struct conv *v)
{
    struct binsens *b = v->b;

    if (!(v->dst6 = temp_alloc(v, (size_t)b->n_dst6 * 2, sizeof(uint64_t))))
        return RK_ELIMIT;
    for (uint32_t i = 0; i < b->dst6.cap; i++) {
        const struct kslot *s = &b->dst6.slots[i];

        if (s->idx != KIDX_NONE) {
            v->dst6[2 * (size_t)s->idx] = s->k0;
            v->dst6[2 * (size_t)s->idx + 1] = s->k1;
        }
    }
    return 0;
}

static uint64_t src_hash(const struct binsens *b, uint32_t si)
{
    return hash128(b->src.r[si].k0, b->src.r[si].k1);
}

/* Feed the pair sets into the new counters. */
static int feed_pairs(struct conv *v)
{
    struct binsens *b = v->b;
    struct smem *m = v->c->mem;
    int fails = 0;

    for (uint64_t i = 0; i < b->sp.cap; i++) {
        uint64_t e = b->sp.slots[i], key = e & U64SET_KEYMASK;
        uint32_t si, pi;

        if (!e)
            continue;
        si = (uint32_t)((key >> PAIR_PORT_BITS) - 1);
        pi = (uint32_t)(key & ((1U << PAIR_PORT_BITS) - 1));
        fails |= shll_add(&b->port.r[pi].hsrc, src_hash(b, si), &b->pool_port, m, m->cap);
        if (e >> 62 & 1)
            fails |= shll_add(&b->port.r[pi].hclean, src_hash(b, si), &b->pool_port, m, m->cap);
        if (v->smap[si] != KIDX_NONE)
            fails |= shll_add(&v->nh[v->smap[si]].hport, mix64(b->port.r[pi].key), &b->pool_small,
                              m, m->cap);
    }
    for (uint64_t i = 0; i < b->sd.cap; i++) {
        uint64_t e = b->sd.slots[i] & U64SET_KEYMASK, dh;
        uint32_t si, dk;
        struct rk_sensor_addr d;

        if (!e)
            continue;
        si = (uint32_t)((e >> 32) - 1);
        dk = (uint32_t)e;
        if (v->smap[si] == KIDX_NONE)
            continue;
        if (b->src.r[si].k0 == 0 && (b->src.r[si].k1 >> 32) == 0xffff) {
            rk_sensor_addr_from_v4(&d, dk);
            dh = hash128(addr_hi(&d), addr_lo(&d));
        } else {
            dh = hash128(v->dst6[2 * (size_t)dk], v->dst6[2 * (size_t)dk + 1]);
        }
        fails |= shll_add(&v->nh[v->smap[si]].hdst, dh, &b->pool_small, m, m->cap);
    }
    return fails ? RK_ELIMIT : 0;
}

/* The pairs each source keeps in its record (exact mode): the first port and destination. */
static int feed_inline_pairs(struct conv *v)
{
    struct binsens *b = v->b;
    struct smem *m = v->c->mem;
    struct rk_sensor_addr d;
    int fails = 0;

    for (uint32_t si = 0; si < b->src.n; si++) {
        const struct src_rec *s = &b->src.r[si];
        uint64_t dh;

        if (s->packets == 0)
            continue;
        fails |= shll_add(&b->port.r[s->port0].hsrc, src_hash(b, si), &b->pool_port, m, m->cap);
        if (s->pair_flags & PAIR_PORT0_CLEAN)
            fails |= shll_add(&b->port.r[s->port0].hclean, src_hash(b, si), &b->pool_port, m,
                              m->cap);
        if (v->smap[si] == KIDX_NONE)
            continue;
        fails |= shll_add(&v->nh[v->smap[si]].hport, mix64(b->port.r[s->port0].key),
                          &b->pool_small, m, m->cap);
        if (s->k0 == 0 && (s->k1 >> 32) == 0xffff) {
            rk_sensor_addr_from_v4(&d, s->dst0);
            dh = hash128(addr_hi(&d), addr_lo(&d));
        } else {
            dh = hash128(v->dst6[2 * (size_t)s->dst0], v->dst6[2 * (size_t)s->dst0 + 1]);
        }
        fails |= shll_add(&v->nh[v->smap[si]].hdst, dh, &b->pool_small, m, m->cap);
    }
    return fails ? RK_ELIMIT : 0;
}

/* Totals, fingerprints and group counters from the source records. */
static int feed_sources(struct conv *v)
{
    struct binsens *b = v->b;
    struct smem *m = v->c->mem;
    uint8_t tb = v->c->cfg->hll_total_bits;
    int fails = 0;

    for (uint32_t i = 0; i < b->src.n; i++) {
        const struct src_rec *s = &b->src.r[i];
        uint64_t h = src_hash(b, i);

        if (s->packets == 0)
            continue;
        hll_add(v->hll, tb, h);
        for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++) {
            if (s->fp & (1U << bit))
                hll_add(v->hll + ((size_t)(bit + 1) << tb), tb, h);
        }
        const uint32_t *g = &v->grp[3 * (size_t)i];

        if (v->gmap[g[0]] != KIDX_NONE)
            fails |= shll_add(&v->npfx[v->gmap[g[0]]].hsrc, h, &b->pool_small, m, m->cap);
        if (g[1] != KIDX_NONE)
            fails |= shll_add(&b->asn.r[g[1]].hsrc, h, &b->pool_small, m, m->cap);
        if (g[2] != KIDX_NONE)
            fails |= shll_add(&b->cc.r[g[2]].hsrc, h, &b->pool_small, m, m->cap);
    }
    return fails ? RK_ELIMIT : 0;
}

/* Drop the group records built for a switch that failed: exact mode has none. */
static void free_groups(struct binsens *b, struct smem *m)
{
    struct grp_rec **tabs[3] = {&b->pfx.r, &b->asn.r, &b->cc.r};
    struct kidx *idx[3] = {&b->pfx.idx, &b->asn.idx, &b->cc.idx};
    uint32_t *n[3] = {&b->pfx.n, &b->asn.n, &b->cc.n},
             *cap[3] = {&b->pfx.cap, &b->asn.cap, &b->cc.cap};

    for (int i = 0; i < 3; i++) {
        kidx_free(idx[i], m);
        smem_release(m, (uint64_t)*cap[i] * sizeof(struct grp_rec));
        rk_free(*tabs[i]);
        *tabs[i] = NULL;
        *n[i] = *cap[i] = 0;
    }
}

static void reset_counters(struct binsens *b)
{
    for (uint32_t i = 0; i < b->port.n; i++) {
        shll_init(&b->port.r[i].hsrc);
        shll_init(&b->port.r[i].hclean);
    }
    for (uint32_t i = 0; i < b->asn.n; i++)
        shll_init(&b->asn.r[i].hsrc);
    for (uint32_t i = 0; i < b->cc.n; i++)
        shll_init(&b->cc.r[i].hsrc);
}

/* Swap the new state in and free the exact structures. */
static void install(struct conv *v)
{
    struct binsens *b = v->b;
    struct smem *m = v->c->mem;
    uint32_t k = b->topk;

    kidx_free(&b->src.idx, m);
    smem_release(m, (uint64_t)b->src.cap * sizeof(*b->src.r));
    rk_free(b->src.r);
    b->src.r = v->nsrc;
    b->src.n = b->src.cap = k;
    b->src_h = v->nh;
    kidx_free(&b->pfx.idx, m);
    smem_release(m, (uint64_t)b->pfx.cap * sizeof(*b->pfx.r));
    rk_free(b->pfx.r);
    b->pfx.r = v->npfx;
    b->pfx.n = b->pfx.cap = k;
    b->src_top = v->src_top;
    b->pfx_top = v->pfx_top;
    b->hll_total = v->hll;
    u64set_free(&b->sp, m);
    u64set_free(&b->sd, m);
    kidx_free(&b->dst6, m);
    b->n_dst6 = 0;
    b->approx = 1;
    b->mem = 0;
    b->last_src = KIDX_NONE;
    v->nsrc = NULL;
    v->nh = NULL;
    v->npfx = NULL;
    v->hll = NULL;
    memset(&v->src_top, 0, sizeof(v->src_top));
    memset(&v->pfx_top, 0, sizeof(v->pfx_top));
}

static void conv_cleanup(struct conv *v)
{
    struct smem *m = v->c->mem;
    uint32_t k = v->b->topk;
    uint64_t hll_bytes = (uint64_t)(1 + RK_SENSOR_FP_COUNT) << v->c->cfg->hll_total_bits;

    rk_free(v->smap);
    rk_free(v->grp);
    rk_free(v->gmap);
    rk_free(v->dst6);
    smem_release(m, v->temp_bytes);
    if (v->nsrc)
        smem_release(m, (uint64_t)k * sizeof(*v->nsrc));
    if (v->nh)
        smem_release(m, (uint64_t)k * sizeof(*v->nh));
    if (v->npfx)
        smem_release(m, (uint64_t)k * sizeof(*v->npfx));
    if (v->hll)
        smem_release(m, hll_bytes);
    rk_free(v->nsrc);
    rk_free(v->nh);
    rk_free(v->npfx);
    rk_free(v->hll);
    topk_free(&v->src_top, m);
    topk_free(&v->pfx_top, m);
}

int binsens_to_approx(struct binsens *b, const struct agg_ctx *c)
{
    struct conv v;
    uint64_t hll_bytes = (uint64_t)(1 + RK_SENSOR_FP_COUNT) << c->cfg->hll_total_bits, per;
    int rc = RK_ELIMIT;

    if (b->approx)
        return 0;
    memset(&v, 0, sizeof(v));
    v.b = b;
    v.c = c;
    b->pool_port.bits = c->cfg->hll_port_bits;
    b->pool_small.bits = c->cfg->hll_small_bits;
    b->pool_port.free = b->pool_small.free = KIDX_NONE;
    /* the top-k tables of one (bin, sensor) may use a 32nd of the cap */
    per = sizeof(struct src_rec) + sizeof(struct src_hll) + sizeof(struct grp_rec) + 2 * (sizeof(struct topk_ent) + 4) +
          4 * sizeof(struct kslot);
    b->topk = c->cfg->topk_sources;
    if ((uint64_t)b->topk * per > c->mem->cap / 32)
        b->topk = (uint32_t)(c->mem->cap / 32 / per);
    if (b->topk < 16)
        b->topk = 16;
    b->total_bits = c->cfg->hll_total_bits;
    reset_counters(b);
    if (smem_charge(c->mem, hll_bytes, c->mem->cap) != 0)
        goto fail;
    if (!(v.hll = rk_calloc(1, (size_t)hll_bytes))) {
        smem_release(c->mem, hll_bytes);
        rc = RK_ENOMEM;
        goto fail;
    }
    if (!(v.grp = temp_alloc(&v, (size_t)b->src.n * 3, sizeof(uint32_t)))) {
        rc = RK_ELIMIT;
        goto fail;
    }
    if ((rc = binsens_exact_groups(b, c, v.grp)) != 0 || (rc = setup_sources(&v)) != 0 ||
        (rc = setup_prefixes(&v)) != 0 || (rc = setup_dst6(&v)) != 0 ||
        (rc = feed_pairs(&v)) != 0 || (rc = feed_inline_pairs(&v)) != 0 ||
        (rc = feed_sources(&v)) != 0)
        goto fail;
    install(&v);
    conv_cleanup(&v);
    return 0;
fail:
    conv_cleanup(&v);
    hllpool_free(&b->pool_port, c->mem);
    hllpool_free(&b->pool_small, c->mem);
    free_groups(b, c->mem);
    return rc;
}
