/* hll.c - HyperLogLog counters (Flajolet et al. 2007, with the linear-counting correction for
 * small cardinalities) and the small-exact counter that turns into one past SHLL_EXACT
 * distinct hashes. Hashes are 64-bit, so no large-range correction is needed. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"

#include <math.h>
#include <string.h>

double hll_rse(uint8_t bits)
{
    return 1.04 / sqrt((double)(1U << bits));
}

void hll_add(uint8_t *regs, uint8_t bits, uint64_t h)
{
    uint32_t i = (uint32_t)(h >> (64 - bits));
    uint64_t w = h << bits;
    uint8_t rho = w ? (uint8_t)(__builtin_clzll(w) + 1) : (uint8_t)(64 - bits + 1);

    if (rho > regs[i])
        regs[i] = rho;
}

static double hll_alpha(uint32_t m)
{
    if (m == 16)
        return 0.673;
    if (m == 32)
        return 0.697;
    if (m == 64)
        return 0.709;
    return 0.7213 / (1.0 + 1.079 / m);
}

double hll_estimate(const uint8_t *regs, uint8_t bits)
{
    uint32_t m = 1U << bits, zeros = 0, i;
    double sum = 0.0, e;

    for (i = 0; i < m; i++) {
        sum += ldexp(1.0, -regs[i]);
        zeros += regs[i] == 0;
    }
    e = hll_alpha(m) * m * m / sum;
    if (e <= 2.5 * m && zeros > 0)
        e = m * log((double)m / zeros); /* linear counting */
    return e;
}

/* ---- pool of dense blocks ---------------------------------------------------------------- */

static int pool_take(struct hllpool *p, uint32_t *out, struct smem *m, uint64_t limit)
{
    size_t block = (size_t)1 << p->bits;
    int rc;

    if (p->n > 0 && p->free != KIDX_NONE && p->free < p->n) {
        uint32_t blk = p->free;

        memcpy(&p->free, p->regs + ((size_t)blk << p->bits), sizeof(uint32_t));
        memset(p->regs + ((size_t)blk << p->bits), 0, block);
        *out = blk;
        return 0;
    }
    if (p->n == 0)
        p->free = KIDX_NONE;
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 16;
        uint8_t *regs;

        if (p->cap >= (1U << 30))
            return RK_ELIMIT;
        if ((rc = smem_charge(m, (uint64_t)(cap - p->cap) * block, limit)) != 0)
            return rc;
        regs = rk_reallocarray(p->regs, cap, block);
        if (!regs) {
            smem_release(m, (uint64_t)(cap - p->cap) * block);
            return RK_ENOMEM;
        }
        p->regs = regs;
        p->cap = cap;
    }
    memset(p->regs + (size_t)p->n * block, 0, block);
    *out = p->n++;
    return 0;
}

void hllpool_free(struct hllpool *p, struct smem *m)
{
    smem_release(m, (uint64_t)p->cap << p->bits);
    rk_free(p->regs);
    p->regs = NULL;
    p->n = 0;
    p->cap = 0;
    p->free = KIDX_NONE;
}

void shll_release(struct shll *c, struct hllpool *pool)
{
    if (c->dense != KIDX_NONE) {
        memcpy(pool->regs + ((size_t)c->dense << pool->bits), &pool->free, sizeof(uint32_t));
        pool->free = c->dense;
    }
    shll_init(c);
}

/* ---- small-exact counter ----------------------------------------------------------------- */

void shll_init(struct shll *c)
{
    c->n = 0;
    c->dense = KIDX_NONE;
}

int shll_add(struct shll *c, uint64_t h, struct hllpool *pool, struct smem *m, uint64_t limit)
{
    uint32_t i, blk;
    int rc;

    if (c->dense != KIDX_NONE) {
        hll_add(pool->regs + ((size_t)c->dense << pool->bits), pool->bits, h);
        return 0;
    }
    for (i = 0; i < c->n; i++) {
        if (c->h[i] == h)
            return 0;
    }
    if (c->n < SHLL_EXACT) {
        c->h[c->n++] = h;
        return 0;
    }
    if ((rc = pool_take(pool, &blk, m, limit)) != 0)
        return rc;
    c->dense = blk;
    for (i = 0; i < c->n; i++)
        hll_add(pool->regs + ((size_t)blk << pool->bits), pool->bits, c->h[i]);
    hll_add(pool->regs + ((size_t)blk << pool->bits), pool->bits, h);
    return 0;
}

uint64_t shll_count(const struct shll *c, const struct hllpool *pool, int *exact)
{
    double e;

    if (c->dense == KIDX_NONE) {
        *exact = 1;
        return c->n;
    }
    *exact = 0;
    e = hll_estimate(pool->regs + ((size_t)c->dense << pool->bits), pool->bits);
    /* never report fewer than the exact part proved */
    return e < SHLL_EXACT + 1 ? SHLL_EXACT + 1 : (uint64_t)llround(e);
}

/* ---- space-saving top-k (Metwally, Agrawal, El Abbadi 2005) ------------------------------ */

int topk_init(struct topk *t, uint32_t k, struct smem *m, uint64_t limit)
{
    uint64_t bytes = (uint64_t)k * (sizeof(struct topk_ent) + sizeof(uint32_t));
    int rc;

    memset(t, 0, sizeof(*t));
    if ((rc = smem_charge(m, bytes, limit)) != 0)
        return rc;
    t->ent = rk_reallocarray(NULL, k, sizeof(*t->ent));
    t->heap = rk_reallocarray(NULL, k, sizeof(*t->heap));
    if (!t->ent || !t->heap) {
        rk_free(t->ent);
        rk_free(t->heap);
        t->ent = NULL;
        t->heap = NULL;
        smem_release(m, bytes);
        return RK_ENOMEM;
    }
    t->k = k;
    return 0;
}

void topk_free(struct topk *t, struct smem *m)
{
    if (t->k)
        smem_release(m, (uint64_t)t->k * (sizeof(struct topk_ent) + sizeof(uint32_t)));
    kidx_free(&t->idx, m);
    rk_free(t->ent);
    rk_free(t->heap);
    memset(t, 0, sizeof(*t));
}

static void heap_swap(struct topk *t, uint32_t a, uint32_t b)
{
    uint32_t x = t->heap[a];

    t->heap[a] = t->heap[b];
    t->heap[b] = x;
    t->ent[t->heap[a]].pos = a;
    t->ent[t->heap[b]].pos = b;
}

static void heap_down(struct topk *t, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, s = i;

        if (l < t->n && t->ent[t->heap[l]].count < t->ent[t->heap[s]].count)
            s = l;
        if (r < t->n && t->ent[t->heap[r]].count < t->ent[t->heap[s]].count)
            s = r;
        if (s == i)
            return;
        heap_swap(t, i, s);
        i = s;
    }
}

static void heap_up(struct topk *t, uint32_t i)
{
    while (i > 0 && t->ent[t->heap[(i - 1) / 2]].count > t->ent[t->heap[i]].count) {
        heap_swap(t, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

int topk_hit(struct topk *t, uint64_t k0, uint64_t k1, uint64_t h, uint64_t inc, uint32_t *idx_out,
             int *fresh, struct smem *m, uint64_t limit)
{
    uint32_t e = kidx_find(&t->idx, k0, k1, h);
    int rc;

    *fresh = 0;
    if (e == KIDX_NONE) {
        uint64_t base = 0;

        if (t->n < t->k) {
            e = t->n;
            if ((rc = kidx_insert(&t->idx, k0, k1, h, e, m, limit)) != 0)
                return rc;
            t->heap[t->n] = e;
            t->ent[e].pos = t->n++;
        } else {
            e = t->heap[0]; /* evict the minimum; its count bounds the newcomer's error */
            base = t->ent[e].count;
            kidx_del(&t->idx, t->ent[e].k0, t->ent[e].k1, hash128(t->ent[e].k0, t->ent[e].k1));
            if ((rc = kidx_insert(&t->idx, k0, k1, h, e, m, limit)) != 0)
                return rc; /* cannot happen: the index keeps its size */
        }
        t->ent[e].k0 = k0;
        t->ent[e].k1 = k1;
        t->ent[e].count = base;
        t->ent[e].err = base;
        *fresh = 1;
        heap_up(t, t->ent[e].pos);
    }
    t->ent[e].count += inc;
    heap_down(t, t->ent[e].pos);
    *idx_out = e;
    return 0;
}
