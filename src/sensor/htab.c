/* htab.c - memory accounting, the 128-bit key index and the 62-bit key set used by the
 * aggregation. Both tables use open addressing with linear probing; every allocation is
 * charged against the sensor memory cap before it is made. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"

#include <string.h>
#include <sys/mman.h>

int smem_charge(struct smem *m, uint64_t bytes, uint64_t limit)
{
    if (m->used > limit || bytes > limit - m->used)
        return RK_ELIMIT;
    m->used += bytes;
    if (m->used > m->peak)
        m->peak = m->used;
    return 0;
}

void smem_release(struct smem *m, uint64_t bytes)
{
    m->used = bytes > m->used ? 0 : m->used - bytes;
}

void mem_advise_huge(void *p, uint64_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + bytes) & ~(huge - 1);

    /* only whole 2 MiB pages inside the block; advice that fails costs nothing but speed */
    if (bytes >= 2 * huge && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

/* ---- kidx ------------------------------------------------------------------------------- */

uint64_t kidx_bytes(const struct kidx *x)
{
    return (uint64_t)x->cap * sizeof(struct kslot);
}

static void kidx_place(struct kslot *slots, uint32_t cap, const struct kslot *s, uint64_t h)
{
    uint32_t mask = cap - 1, i;

    for (i = (uint32_t)h & mask; slots[i].idx != KIDX_NONE; i = (i + 1) & mask)
        ;
    slots[i] = *s;
}

static int kidx_grow(struct kidx *x, struct smem *m, uint64_t limit)
{
    uint32_t cap = x->cap ? x->cap * 2 : 64, i;
    uint64_t bytes = (uint64_t)cap * sizeof(struct kslot);
    struct kslot *slots;
    int rc;

    if (x->cap >= (1U << 31))
        return RK_ELIMIT;
    if ((rc = smem_charge(m, bytes, limit)) != 0)
        return rc;
    slots = rk_reallocarray(NULL, cap, sizeof(*slots));
    if (!slots) {
        smem_release(m, bytes);
        return RK_ENOMEM;
    }
    mem_advise_huge(slots, bytes);
    for (i = 0; i < cap; i++)
        slots[i].idx = KIDX_NONE;
    for (i = 0; i < x->cap; i++) {
        if (x->slots[i].idx != KIDX_NONE)
            kidx_place(slots, cap, &x->slots[i], hash128(x->slots[i].k0, x->slots[i].k1));
    }
    smem_release(m, kidx_bytes(x));
    rk_free(x->slots);
    x->slots = slots;
    x->cap = cap;
    return 0;
}

int kidx_reserve(struct kidx *x, uint32_t n, struct smem *m, uint64_t limit)
{
    int rc;

    while ((uint64_t)n * 2 > x->cap) {
        if ((rc = kidx_grow(x, m, limit)) != 0)
            return rc;
    }
    return 0;
}

int kidx_insert(struct kidx *x, uint64_t k0, uint64_t k1, uint64_t h, uint32_t idx, struct smem *m,
                uint64_t limit)
{
    struct kslot s = {k0, k1, idx, 0};
    int rc;

    /* keep the load factor at or below 1/2: probes stay short with 24-byte slots */
    if ((uint64_t)(x->count + 1) * 2 > x->cap && (rc = kidx_grow(x, m, limit)) != 0)
        return rc;
    kidx_place(x->slots, x->cap, &s, h);
    x->count++;
    return 0;
}

int kidx_del(struct kidx *x, uint64_t k0, uint64_t k1, uint64_t h)
{
    uint32_t mask, i, j;

    if (x->cap == 0)
        return RK_ENOTFOUND;
    mask = x->cap - 1;
    for (i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        if (x->slots[i].idx == KIDX_NONE)
            return RK_ENOTFOUND;
        if (x->slots[i].k0 == k0 && x->slots[i].k1 == k1)
            break;
    }
    /* backward shift: move later members of the cluster into the hole when allowed */
    for (j = (i + 1) & mask; x->slots[j].idx != KIDX_NONE; j = (j + 1) & mask) {
        uint32_t home = (uint32_t)hash128(x->slots[j].k0, x->slots[j].k1) & mask;

        if (((j - home) & mask) >= ((j - i) & mask)) {
            x->slots[i] = x->slots[j];
            i = j;
        }
    }
    x->slots[i].idx = KIDX_NONE;
    x->count--;
    return 0;
}

void kidx_free(struct kidx *x, struct smem *m)
{
    smem_release(m, kidx_bytes(x));
    rk_free(x->slots);
    x->slots = NULL;
    x->cap = 0;
    x->count = 0;
}

/* ---- u64set ----------------------------------------------------------------------------- */

uint64_t u64set_bytes(const struct u64set *s)
{
    return s->cap * sizeof(uint64_t);
}

static int u64set_grow(struct u64set *s, struct smem *m, uint64_t limit)
{
    uint64_t cap = s->cap ? s->cap * 2 : 256, i, mask = cap - 1;
    uint64_t bytes = cap * sizeof(uint64_t);
    uint64_t *slots;
    int rc;

    if ((rc = smem_charge(m, bytes, limit)) != 0)
        return rc;
    slots = rk_calloc(cap, sizeof(uint64_t));
    if (!slots) {
        smem_release(m, bytes);
        return RK_ENOMEM;
    }
    mem_advise_huge(slots, bytes);
    for (i = 0; i < s->cap; i++) {
        uint64_t v = s->slots[i], j;

        if (!v)
            continue;
        for (j = mix64(v & U64SET_KEYMASK) & mask; slots[j]; j = (j + 1) & mask)
            ;
        slots[j] = v;
    }
    smem_release(m, u64set_bytes(s));
    rk_free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int u64set_reserve(struct u64set *s, uint64_t extra, struct smem *m, uint64_t limit)
{
    int rc;

    while ((s->count + extra) * 4 > s->cap * 3) {
        if ((rc = u64set_grow(s, m, limit)) != 0)
            return rc;
    }
    return 0;
}

int u64set_add(struct u64set *s, uint64_t key, unsigned flags, unsigned *old_flags, struct smem *m,
               uint64_t limit)
{
    uint64_t mask, i, fl = (uint64_t)(flags & 3) << 62;
    int rc;

    /* load factor up to 3/4: 8-byte slots keep clusters within a cache line or two */
    if ((s->count + 1) * 4 > s->cap * 3 && (rc = u64set_grow(s, m, limit)) != 0)
        return rc;
    mask = s->cap - 1;
    for (i = mix64(key) & mask; s->slots[i]; i = (i + 1) & mask) {
        if ((s->slots[i] & U64SET_KEYMASK) == key) {
            *old_flags = (unsigned)(s->slots[i] >> 62);
            s->slots[i] |= fl;
            return 0;
        }
    }
    s->slots[i] = key | fl;
    s->count++;
    *old_flags = 0;
    return 1;
}

void u64set_free(struct u64set *s, struct smem *m)
{
    smem_release(m, u64set_bytes(s));
    rk_free(s->slots);
    s->slots = NULL;
    s->cap = 0;
    s->count = 0;
}
