/* compile_ip.c - IP prefixes and ranges into sorted interval tables with bucket indexes.
 *
 * Set-only: the union of all ranges as alternating bounds. Full: elementary intervals (every
 * first address and every last+1), each with the keys covering it, most specific first.
 */
#include "match/build.h"

#include <stdlib.h>

#include "util/alloc.h"

#define MAX_COVERING 4096 /* distinct values covering one address (prefixes allow at most 129) */

struct ev {
    struct b_u128 pos;
    uint32_t key;
    uint32_t start; /* 1: key starts here, 0: it ended just before */
};

struct ip_tmp {
    struct b_u128 *bounds;
    uint32_t *pay;
    size_t n, cap;
    uint32_t *ivpost;
    size_t n_ivpost, cap_ivpost;
};

static int u128_cmp(const struct b_u128 *a, const struct b_u128 *b)
{
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return 0;
}

static struct b_u128 u128_inc(struct b_u128 a)
{
    a.lo++;
    if (a.lo == 0)
        a.hi++;
    return a;
}

static struct b_u128 u128_sub(struct b_u128 a, struct b_u128 b)
{
    struct b_u128 r = {a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo};
    return r;
}

static int is_max(const struct b_u128 *a, int v6)
{
    return v6 ? (a->hi == UINT64_MAX && a->lo == UINT64_MAX) : a->lo == UINT32_MAX;
}

static int push_bound(struct ip_tmp *t, struct b_u128 pos, uint32_t pay)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct b_u128 *b = rk_reallocarray(t->bounds, cap, sizeof(*b));
        uint32_t *p;

        if (!b)
            return RK_ENOMEM;
        t->bounds = b;
        if (!(p = rk_reallocarray(t->pay, cap, sizeof(*p))))
            return RK_ENOMEM;
        t->pay = p;
        t->cap = cap;
    }
    t->bounds[t->n] = pos;
    t->pay[t->n++] = pay;
    return 0;
}

static int push_post(struct ip_tmp *t, uint32_t v)
{
    if (t->n_ivpost == t->cap_ivpost) {
        size_t cap = t->cap_ivpost ? t->cap_ivpost * 2 : 1024;
        uint32_t *p = rk_reallocarray(t->ivpost, cap, sizeof(*p));

        if (!p)
            return RK_ENOMEM;
        t->ivpost = p;
        t->cap_ivpost = cap;
    }
    t->ivpost[t->n_ivpost++] = v;
    return 0;
}

static void tmp_free(struct ip_tmp *t)
{
    rk_free(t->bounds);
    rk_free(t->pay);
    rk_free(t->ivpost);
}

/* ---- sorting the values ---------------------------------------------------------------------- */

static int ip_cmp(const void *a, const void *b)
{
    const struct b_ip *x = a, *y = b;
    int c = u128_cmp(&x->first, &y->first);

    return c ? c : u128_cmp(&x->last, &y->last);
}

/* Sort the values by (first, last). IPv4 uses a radix sort on first<<32|last. */
static int sort_ips(struct b_arr *a, int v6)
{
    struct b_ip *ips = (struct b_ip *)a->p, *sorted;
    uint64_t *keys;
    uint32_t *idx;
    int rc = RK_ENOMEM;

    if (v6 || a->n < 2) {
        if (a->n > 1)
            qsort(ips, a->n, sizeof(*ips), ip_cmp);
        return 0;
    }
    keys = rk_reallocarray(NULL, a->n, sizeof(*keys));
    idx = rk_reallocarray(NULL, a->n, sizeof(*idx));
    sorted = rk_reallocarray(NULL, a->n, sizeof(*sorted));
    if (keys && idx && sorted) {
        for (size_t i = 0; i < a->n; i++) {
            keys[i] = ips[i].first.lo << 32 | ips[i].last.lo;
            idx[i] = (uint32_t)i;
        }
        if ((rc = rk_match__sort_u64(keys, idx, a->n)) == 0) {
            for (size_t i = 0; i < a->n; i++)
                sorted[i] = ips[idx[i]];
            memcpy(ips, sorted, a->n * sizeof(*ips));
        }
    }
    rk_free(keys);
    rk_free(idx);
    rk_free(sorted);
    return rc;
}

/* ---- set-only: the union --------------------------------------------------------------------- */

/* Does a range starting at first overlap or touch one ending at last? */
static int joins(const struct b_u128 *first, const struct b_u128 *last, int v6)
{
    struct b_u128 next;

    if (u128_cmp(first, last) <= 0)
        return 1;
    if (is_max(last, v6))
        return 0;
    next = u128_inc(*last);
    return u128_cmp(first, &next) == 0;
}

static int union_bounds(const struct b_ip *ips, size_t n, int v6, struct ip_tmp *t)
{
    size_t i = 0;
    int rc;

    while (i < n) {
        struct b_u128 first = ips[i].first, last = ips[i].last;

        while (++i < n && joins(&ips[i].first, &last, v6))
            if (u128_cmp(&ips[i].last, &last) > 0)
                last = ips[i].last;
        if ((rc = push_bound(t, first, 0)) != 0)
            return rc;
        if (!is_max(&last, v6) && (rc = push_bound(t, u128_inc(last), 0)) != 0)
            return rc;
    }
    return 0;
}

/* ---- full: keys, events and the sweep --------------------------------------------------------- */

/* Number the distinct values (keys) and record (key, indicator) pairs. keys_out[k] is the
 * index of key k's first value in ips. */
static int number_keys(const struct b_ip *ips, size_t n, struct b_out *o, size_t **first_out,
                       size_t *n_keys_out)
{
    size_t *first = rk_reallocarray(NULL, n ? n : 1, sizeof(*first)), nk = 0;
    uint32_t key = 0;
    int rc;

    if (!first)
        return RK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || ip_cmp(&ips[i], &ips[i - 1]) != 0) {
            if ((rc = b_out_key(o, ips[i].text, &key)) != 0) {
                rk_free(first);
                return rc;
            }
            first[nk++] = i;
        }
        if ((rc = b_out_pair(o, key, ips[i].ind)) != 0) {
            rk_free(first);
            return rc;
        }
    }
    *first_out = first;
    *n_keys_out = nk;
    return 0;
}

static int ev_cmp(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;

    return u128_cmp(&x->pos, &y->pos);
}

static int make_events(const struct b_ip *ips, const size_t *first, size_t nk, int v6,
                       struct ev **out, size_t *n_out)
{
    struct ev *e = rk_reallocarray(NULL, 2 * nk + 1, sizeof(*e));
    size_t n = 0;

    if (!e)
        return RK_ENOMEM;
    for (size_t k = 0; k < nk; k++) {
        const struct b_ip *ip = &ips[first[k]];

        e[n++] = (struct ev){ip->first, (uint32_t)k, 1};
        if (!is_max(&ip->last, v6))
            e[n++] = (struct ev){u128_inc(ip->last), (uint32_t)k, 0};
    }
    qsort(e, n, sizeof(*e), ev_cmp);
    *out = e;
    *n_out = n;
    return 0;
}

struct sweep {
    const struct b_ip *ips;
    const size_t *first;
    uint32_t key_base; /* global id of local key 0 */
    uint32_t active[MAX_COVERING];
    size_t n_active;
    uint32_t ivpost_base; /* IVPOST entries written by earlier tables */
};

/* Is local key a more specific than b (smaller range; ties by key)? */
static int more_specific(const struct sweep *s, uint32_t a, uint32_t b)
{
    const struct b_ip *x = &s->ips[s->first[a]], *y = &s->ips[s->first[b]];
    struct b_u128 sx = u128_sub(x->last, x->first), sy = u128_sub(y->last, y->first);
    int c = u128_cmp(&sx, &sy);

    return c < 0 || (c == 0 && a < b);
}

static int emit_interval(struct sweep *s, struct ip_tmp *t, struct b_u128 pos)
{
    uint32_t sorted[MAX_COVERING];
    size_t n = s->n_active;
    int rc;

    if (n == 0)
        return push_bound(t, pos, MIDX_NONE);
    if (n == 1)
        return push_bound(t, pos, MIDX_DIRECT | (s->key_base + s->active[0]));
    for (size_t i = 0; i < n; i++) { /* insertion sort: n is small */
        size_t j = i;

        while (j > 0 && more_specific(s, s->active[i], sorted[j - 1])) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = s->active[i];
    }
    if ((uint64_t)s->ivpost_base + t->n_ivpost + n + 1 >= MIDX_DIRECT)
        return RK_ELIMIT; /* offsets must stay below the "one key" flag */
    if ((rc = push_bound(t, pos, s->ivpost_base + (uint32_t)t->n_ivpost)) != 0 ||
        (rc = push_post(t, (uint32_t)n)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = push_post(t, s->key_base + sorted[i])) != 0)
            return rc;
    return 0;
}

static int apply_event(struct sweep *s, const struct ev *e)
{
    if (e->start) {
        if (s->n_active == MAX_COVERING)
            return RK_ELIMIT;
        s->active[s->n_active++] = e->key;
        return 0;
    }
    for (size_t i = 0; i < s->n_active; i++) {
        if (s->active[i] == e->key) {
            s->active[i] = s->active[--s->n_active];
            return 0;
        }
    }
    return RK_EINTERNAL;
}

static int sweep_events(struct sweep *s, const struct ev *e, size_t n, struct ip_tmp *t)
{
    size_t i = 0;
    int rc;

    if (n == 0 || e[0].pos.hi != 0 || e[0].pos.lo != 0) /* the first interval starts at 0 */
        if ((rc = push_bound(t, (struct b_u128){0, 0}, MIDX_NONE)) != 0)
            return rc;
    while (i < n) {
        struct b_u128 pos = e[i].pos;

        for (; i < n && u128_cmp(&e[i].pos, &pos) == 0; i++)
            if ((rc = apply_event(s, &e[i])) != 0)
                return rc;
        if ((rc = emit_interval(s, t, pos)) != 0)
            return rc;
    }
    return 0;
}

static int full_intervals(struct rk_match_builder *b, const struct b_ip *ips, size_t n, int v6,
                          struct b_out *o, struct ip_tmp *t)
{
    struct sweep *s = rk_calloc(1, sizeof(*s));
    size_t *first = NULL, nk = 0, ne = 0;
    struct ev *e = NULL;
    int rc = RK_ENOMEM;

    (void)b;
    if (!s)
        goto out;
    s->key_base = (uint32_t)o->n_key_text;
    s->ivpost_base = (uint32_t)(o->sec[SEC_IVPOST].size / sizeof(uint32_t));
    if ((rc = number_keys(ips, n, o, &first, &nk)) != 0 ||
        (rc = make_events(ips, first, nk, v6, &e, &ne)) != 0)
        goto out;
    s->ips = ips;
    s->first = first;
    rc = sweep_events(s, e, ne, t);
out:
    rk_free(s);
    rk_free(first);
    rk_free(e);
    return rc;
}

/* ---- writing the sections -------------------------------------------------------------------- */

static int append_ivpost(struct b_out *o, const struct ip_tmp *t)
{
    struct b_section *sec = &o->sec[SEC_IVPOST];
    size_t have = sec->size / sizeof(uint32_t);
    uint32_t *p;

    if (t->n_ivpost == 0)
        return 0;
    if (!(p = rk_reallocarray(sec->p, have + t->n_ivpost, sizeof(*p))))
        return RK_ENOMEM;
    memcpy(p + have, t->ivpost, t->n_ivpost * sizeof(*p));
    sec->p = p;
    sec->size = (have + t->n_ivpost) * sizeof(*p);
    return 0;
}

/* The IPv4 bucket index and bounds from the interval starts full[0..n) (taken: freed or moved
 * into the sections). Large tables keep the low 16 bits of each start only. */
static int write_v4_bounds(struct b_out *o, uint32_t *full, size_t n)
{
    uint16_t *bounds;
    int rc;

    o->v4_bits = n >= MIDX_V4_WIDE_MAX ? MIDX_V4_BITS : rk_match__bucket_bits(n / 2, 4, 13);
    if ((rc = rk_match__buckets32(full, 1, n, o->v4_bits, (uint32_t **)&o->sec[SEC_V4_BUCKETS].p,
                                  &o->sec[SEC_V4_BUCKETS].size)) != 0) {
        rk_free(full);
        return rc;
    }
    if (o->v4_bits != MIDX_V4_BITS) {
        o->sec[SEC_V4_BOUNDS].p = full;
        o->sec[SEC_V4_BOUNDS].size = n * sizeof(*full);
        return 0;
    }
    if (!(bounds = rk_reallocarray(NULL, n ? n : 1, sizeof(*bounds)))) {
        rk_free(full);
        return RK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        bounds[i] = (uint16_t)full[i];
    rk_free(full);
    o->sec[SEC_V4_BOUNDS].p = bounds;
    o->sec[SEC_V4_BOUNDS].size = n * sizeof(*bounds);
    return 0;
}

static int write_v4(struct b_out *o, const struct ip_tmp *t)
{
    uint32_t *full = rk_reallocarray(NULL, t->n ? t->n : 1, sizeof(*full));
    uint32_t *pay;
    int rc;

    if (!full)
        return RK_ENOMEM;
    for (size_t i = 0; i < t->n; i++)
        full[i] = (uint32_t)t->bounds[i].lo;
    if ((rc = write_v4_bounds(o, full, t->n)) != 0)
        return rc;
    if (!(pay = rk_reallocarray(NULL, t->n ? t->n : 1, sizeof(*pay))))
        return RK_ENOMEM;
    memcpy(pay, t->pay, t->n * sizeof(*pay));
    o->sec[SEC_V4_PAY].p = pay;
    o->sec[SEC_V4_PAY].size = t->n * sizeof(*pay);
    return append_ivpost(o, t);
}

/* Set-only IPv4: ranges as first << 32 | last, sorted, merged where they overlap or touch;
 * the bounds alternate between a start and the address after an end. */
static int compile_v4_set(struct rk_match_builder *b, struct b_out *o)
{
    uint64_t *r = (uint64_t *)b->v4set.p;
    size_t n = b->v4set.n, nb = 0, d = 0;
    uint32_t *full;
    int rc;

    if ((rc = rk_match__sort_u64_by_top(r, n)) != 0)
        return rc;
    if (!(full = rk_reallocarray(NULL, n ? 2 * n : 1, sizeof(*full))))
        return RK_ENOMEM;
    for (size_t i = 0; i < n;) {
        uint32_t first = (uint32_t)(r[i] >> 32), last = (uint32_t)r[i];

        for (d++, i++; i < n && (r[i] >> 32) <= (uint64_t)last + 1; i++) {
            d += r[i] != r[i - 1];
            if ((uint32_t)r[i] > last)
                last = (uint32_t)r[i];
        }
        full[nb++] = first;
        if (last != UINT32_MAX)
            full[nb++] = last + 1;
    }
    o->n_values[RK_MATCH_IPV4] = d;
    return write_v4_bounds(o, full, nb);
}

static int write_v6(struct b_out *o, const struct ip_tmp *t, int set_only)
{
    uint64_t *bounds = rk_reallocarray(NULL, t->n ? 2 * t->n : 1, sizeof(*bounds));
    uint32_t *pay = NULL;
    int rc;

    if (!bounds)
        return RK_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        bounds[2 * i] = t->bounds[i].hi;
        bounds[2 * i + 1] = t->bounds[i].lo;
    }
    o->v6_bits = rk_match__bucket_bits(t->n / 2, 4, 20);
    /* the top 32 bits of each hi word: the second u32 of every 16-byte pair (little-endian) */
    if ((rc = rk_match__buckets32((const uint32_t *)bounds + 1, 4, t->n, o->v6_bits,
                                  (uint32_t **)&o->sec[SEC_V6_BUCKETS].p,
                                  &o->sec[SEC_V6_BUCKETS].size)) != 0) {
        rk_free(bounds);
        return rc;
    }
    o->sec[SEC_V6_BOUNDS].p = bounds;
    o->sec[SEC_V6_BOUNDS].size = t->n * 2 * sizeof(*bounds);
    if (set_only)
        return 0;
    if (!(pay = rk_reallocarray(NULL, t->n ? t->n : 1, sizeof(*pay))))
        return RK_ENOMEM;
    memcpy(pay, t->pay, t->n * sizeof(*pay));
    o->sec[SEC_V6_PAY].p = pay;
    o->sec[SEC_V6_PAY].size = t->n * sizeof(*pay);
    return append_ivpost(o, t);
}

static void count_distinct(struct b_out *o, const struct b_ip *ips, size_t n, int kind)
{
    uint64_t d = 0;

    for (size_t i = 0; i < n; i++)
        if (i == 0 || ip_cmp(&ips[i], &ips[i - 1]) != 0)
            d++;
    o->n_values[kind] = d;
}

/* Sorted values into the table: IPv6, or IPv4 of a full index. */
static int compile_table(struct rk_match_builder *b, struct b_out *o, int v6, struct ip_tmp *t)
{
    struct b_arr *a = v6 ? &b->v6 : &b->v4;
    const struct b_ip *ips = (const struct b_ip *)a->p;
    int rc;

    if ((rc = sort_ips(a, v6)) != 0)
        return rc;
    count_distinct(o, ips, a->n, v6 ? RK_MATCH_IPV6 : RK_MATCH_IPV4);
    if (b->opt.set_only)
        rc = union_bounds(ips, a->n, v6, t);
    else
        rc = full_intervals(b, ips, a->n, v6, o, t);
    if (rc == 0)
        rc = v6 ? write_v6(o, t, b->opt.set_only) : write_v4(o, t);
    return rc;
}

int rk_match__compile_ip(struct rk_match_builder *b, struct b_out *o, int v6, struct rk_err *err)
{
    struct ip_tmp t;
    int rc;

    memset(&t, 0, sizeof(t));
    if (!v6 && b->opt.set_only)
        rc = compile_v4_set(b, o);
    else
        rc = compile_table(b, o, v6, &t);
    tmp_free(&t);
    if (rc == RK_ELIMIT)
        return rk_err_set(err, rc, "too many %s values overlap (more than %d cover one "
                                   "address, or 2^31 overlap entries in all)",
                          v6 ? "IPv6" : "IPv4", MAX_COVERING);
    if (rc != 0)
        return rk_err_set(err, rc, "%s compiling the %s table", rk_strerror(rc),
                          v6 ? "IPv6" : "IPv4");
    return 0;
}
