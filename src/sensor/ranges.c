/* ranges.c - sorted tables of address ranges with a value, searched by binary search.
 * Used for research-scanner lists (merged as sets), ASN and country tables (overlaps
 * rejected) and the sensors' own prefixes. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

static int lt(uint64_t ah, uint64_t al, uint64_t bh, uint64_t bl)
{
    return ah < bh || (ah == bh && al < bl);
}

int rtab_add(struct rtab *t, const struct rk_sensor_addr *first, const struct rk_sensor_addr *last,
             uint32_t val)
{
    struct rrange *r;

    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;

        r = rk_reallocarray(t->r, cap, sizeof(*r));
        if (!r)
            return RK_ENOMEM;
        t->r = r;
        t->cap = cap;
    }
    r = &t->r[t->n++];
    r->lo_hi = addr_hi(first);
    r->lo_lo = addr_lo(first);
    r->hi_hi = addr_hi(last);
    r->hi_lo = addr_lo(last);
    r->val = val;
    t->built = 0;
    if (lt(r->hi_hi, r->hi_lo, r->lo_hi, r->lo_lo)) {
        t->n--;
        return RK_EFORMAT; /* end before start */
    }
    return 0;
}

int rtab_add_prefix(struct rtab *t, const struct rk_sensor_prefix *p, uint32_t val)
{
    struct rk_sensor_addr last = p->addr;
    unsigned bits = addr_v4p(&p->addr) ? 96u + p->len : p->len;

    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;

        if (lo >= bits)
            last.a[i] = 0xff;
        else if (lo + 8 > bits)
            last.a[i] |= (uint8_t)(0xff >> (bits - lo));
    }
    return rtab_add(t, &p->addr, &last, val);
}

static int cmp_range(const void *a, const void *b)
{
    const struct rrange *x = a, *y = b;

    if (x->lo_hi != y->lo_hi)
        return x->lo_hi < y->lo_hi ? -1 : 1;
    if (x->lo_lo != y->lo_lo)
        return x->lo_lo < y->lo_lo ? -1 : 1;
    if (x->hi_hi != y->hi_hi)
        return x->hi_hi > y->hi_hi ? -1 : 1; /* wider first */
    if (x->hi_lo != y->hi_lo)
        return x->hi_lo > y->hi_lo ? -1 : 1;
    return 0;
}

/* 1 when range b starts right after a ends (so a set can merge them). */
static int adjacent(const struct rrange *a, const struct rrange *b)
{
    uint64_t nh = a->hi_hi, nl = a->hi_lo + 1;

    if (nl == 0)
        nh++;
    return nh == b->lo_hi && nl == b->lo_lo;
}

int rtab_build(struct rtab *t, int merge, uint64_t *dropped)
{
    size_t w = 0;

    if (dropped)
        *dropped = 0;
    if (t->n)
        qsort(t->r, t->n, sizeof(*t->r), cmp_range);
    for (size_t i = 0; i < t->n; i++) {
        struct rrange *cur = &t->r[i];

        if (w > 0) {
            struct rrange *prev = &t->r[w - 1];
            int overlap = !lt(prev->hi_hi, prev->hi_lo, cur->lo_hi, cur->lo_lo);

            if (merge && (overlap || (adjacent(prev, cur) && prev->val == cur->val))) {
                if (lt(prev->hi_hi, prev->hi_lo, cur->hi_hi, cur->hi_lo)) {
                    prev->hi_hi = cur->hi_hi;
                    prev->hi_lo = cur->hi_lo;
                }
                continue;
            }
            if (!merge && overlap) {
                if (dropped)
                    (*dropped)++;
                continue;
            }
        }
        t->r[w++] = *cur;
    }
    t->n = w;
    t->built = 1;
    return 0;
}

uint32_t rtab_lookup(const struct rtab *t, const struct rk_sensor_addr *a)
{
    uint64_t h = addr_hi(a), l = addr_lo(a);
    size_t lo = 0, hi = t->n;

    /* the last range whose start is <= a */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (lt(h, l, t->r[mid].lo_hi, t->r[mid].lo_lo))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (lo == 0)
        return KIDX_NONE;
    if (lt(t->r[lo - 1].hi_hi, t->r[lo - 1].hi_lo, h, l))
        return KIDX_NONE;
    return t->r[lo - 1].val;
}

void rtab_free(struct rtab *t)
{
    rk_free(t->r);
    memset(t, 0, sizeof(*t));
}
