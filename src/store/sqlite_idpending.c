/* sqlite_idpending.c - the id index entries of the open batch, written in key order at its end.
 *
 * A new row's entry in the id index (ids_fresh or ids_settled) lands at a random place: one
 * insert per row costs a descent to a cold leaf and, as leaves fill, a split. Writing a batch's
 * entries sorted by (coll, idh, date_added) walks the index once from left to right instead:
 * importing 600,000 objects spent a third of its CPU time on these inserts, and a fifth once
 * sorted (docs/internals/store.md).
 *
 * Until the flush, the index lacks the batch's rows, so whatever reads it writes them first:
 *
 * - a put whose (coll, idh) the batch may have pending (rk_sqlite_idpending_holds, a set
 *   beside the list: it may answer "pending" for a pair that is not, which costs an early
 *   flush, never "not pending" for one that is) flushes before it probes the index;
 * - queries and counts on the handle flush first (the TAXII writer checks a conflict's
 *   visibility inside its batch);
 * - the commit flushes; an abort drops the entries (their rows are rolled back).
 *
 * The entries go to the fresh level while it has room (s->fresh_room), the rest to the settled
 * level, as each put did before. If the list cannot grow, the put writes its entry at once.
 */
#include "store/sqlite.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define SET_MIN 1024 /* slots; a power of two */

static uint64_t key_of(int64_t coll, int64_t idh)
{
    return (uint64_t)idh ^ ((uint64_t)coll * 0x9e3779b97f4a7c15u); /* idh is a hash already */
}

/* A slot holds 24 bits of the key (bits 40-63, apart from the bits that pick the slot) and the
 * generation (8 bits); four bytes, so that the set of a batch of 100,000 fits in 1 MiB. A slot
 * of another generation is empty: the flush empties the set by moving to the next one. */
static uint32_t slot_value(const struct rk_sqlite_idpending *p, uint64_t key)
{
    return (uint32_t)(key >> 40) << 8 | p->gen;
}

static uint32_t *slot_for(const struct rk_sqlite_idpending *p, uint64_t key)
{
    size_t mask = p->set_cap - 1, i = (size_t)key & mask;
    uint32_t want = slot_value(p, key);

    while ((p->set[i] & 0xff) == p->gen && p->set[i] != want)
        i = (i + 1) & mask;
    return &p->set[i];
}

static void set_add(struct rk_sqlite_idpending *p, uint64_t key)
{
    *slot_for(p, key) = slot_value(p, key);
}

/* Twice the slots, filled again from the list. */
static int grow_set(struct rk_sqlite_idpending *p)
{
    size_t cap = p->set_cap ? p->set_cap * 2 : SET_MIN;
    uint32_t *set = rk_calloc(cap, sizeof(*set));

    if (!set)
        return -1;
    rk_free(p->set);
    p->set = set;
    p->set_cap = cap;
    for (size_t i = 0; i < p->n; i++)
        set_add(p, key_of(p->v[i].coll, p->v[i].idh));
    return 0;
}

static int grow_entries(struct rk_sqlite_idpending *p)
{
    size_t cap = p->cap ? p->cap * 2 : SET_MIN / 2;
    struct rk_sqlite_identry *v = rk_reallocarray(p->v, cap, sizeof(*v));

    if (!v)
        return -1;
    p->v = v;
    p->cap = cap;
    return 0;
}

int rk_sqlite_idpending_add(struct rk_sqlite *s, int64_t coll, int64_t idh, int64_t date_added)
{
    struct rk_sqlite_idpending *p = &s->idp;

    if (p->gen == 0)
        p->gen = 1; /* slots from calloc (generation 0) are empty */
    if ((p->n == p->cap && grow_entries(p) != 0) ||
        ((p->n + 1) * 2 > p->set_cap && grow_set(p) != 0))
        return -1;
    set_add(p, key_of(coll, idh));
    p->v[p->n++] = (struct rk_sqlite_identry){coll, idh, date_added};
    return 0;
}

void rk_sqlite_idpending_prefetch(const struct rk_sqlite *s, int64_t coll, int64_t idh)
{
    const struct rk_sqlite_idpending *p = &s->idp;

    if (p->set)
        __builtin_prefetch(&p->set[key_of(coll, idh) & (p->set_cap - 1)], 1);
}

int rk_sqlite_idpending_holds(const struct rk_sqlite *s, int64_t coll, int64_t idh)
{
    const struct rk_sqlite_idpending *p = &s->idp;
    uint64_t key = key_of(coll, idh);

    return p->n > 0 && *slot_for(p, key) == slot_value(p, key);
}

static int cmp_entry(const void *a, const void *b)
{
    const struct rk_sqlite_identry *x = a, *y = b;

    if (x->coll != y->coll)
        return x->coll < y->coll ? -1 : 1;
    if (x->idh != y->idh)
        return x->idh < y->idh ? -1 : 1;
    return (x->date_added > y->date_added) - (x->date_added < y->date_added);
}

/* An id hash as an unsigned key in the order of the signed values. */
static uint64_t idh_key(int64_t idh)
{
    return (uint64_t)idh ^ ((uint64_t)1 << 63);
}

/* Whether v can be sorted by id hash alone: one collection, and date_added rising in list
 * order (as a batch hands them out), so that a stable sort by id hash orders the entries of
 * an id by date_added. */
static int sortable_by_idh(const struct rk_sqlite_identry *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (v[i].coll != v[0].coll || v[i].date_added <= v[i - 1].date_added)
            return 0;
    }
    return 1;
}

/* One stable counting pass over byte `shift / 8` of the id hash keys, from v into out. */
static void radix_pass(const struct rk_sqlite_identry *v, struct rk_sqlite_identry *out, size_t n,
                       const size_t count[256], unsigned shift)
{
    size_t at[256], sum = 0;

    for (size_t d = 0; d < 256; d++) {
        at[d] = sum;
        sum += count[d];
    }
    for (size_t i = 0; i < n; i++)
        out[at[(idh_key(v[i].idh) >> shift) & 0xff]++] = v[i];
}

/* Sort by id hash, least significant byte first: linear in n where qsort was a fifth of a
 * flush's CPU time. Passes whose byte is the same in every key move nothing. 0, or -1 when
 * the scratch list cannot be had. */
static int radix_sort_by_idh(struct rk_sqlite_identry *v, size_t n)
{
    struct rk_sqlite_identry *tmp = rk_reallocarray(NULL, n, sizeof(*tmp)), *from = v, *to = tmp;
    size_t(*count)[256];

    if (!tmp || !(count = rk_calloc(8, sizeof(*count)))) {
        rk_free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = idh_key(v[i].idh);

        for (unsigned b = 0; b < 8; b++)
            count[b][k >> (8 * b) & 0xff]++;
    }
    for (unsigned b = 0; b < 8; b++) {
        struct rk_sqlite_identry *x;

        if (count[b][idh_key(v[0].idh) >> (8 * b) & 0xff] == n)
            continue; /* one value of this byte: already in order */
        radix_pass(from, to, n, count[b], 8 * b);
        x = from;
        from = to;
        to = x;
    }
    if (from != v)
        memcpy(v, from, n * sizeof(*v));
    rk_free(count);
    rk_free(tmp);
    return 0;
}

void rk_sqlite_idpending_sort(struct rk_sqlite_identry *v, size_t n)
{
    if (n > 1 && (!sortable_by_idh(v, n) || radix_sort_by_idh(v, n) != 0))
        qsort(v, n, sizeof(*v), cmp_entry);
}

void rk_sqlite_idpending_drop(struct rk_sqlite *s)
{
    struct rk_sqlite_idpending *p = &s->idp;

    p->n = 0;
    if (++p->gen > 0xff) { /* the generations wrapped: empty the slots for real */
        if (p->set)
            memset(p->set, 0, p->set_cap * sizeof(*p->set));
        p->gen = 1;
    }
}

/* Whether the next RK_SQLITE_IDS_PER_INSERT of left entries go to one level (fresh while it
 * has room, then settled) in one statement: a statement per entry cost SQLite its start, a
 * descent from the root and its end for each (about half of the flush). */
static int whole_insert(const struct rk_sqlite *s, size_t left)
{
    return left >= RK_SQLITE_IDS_PER_INSERT &&
           (s->fresh_room == 0 || s->fresh_room >= RK_SQLITE_IDS_PER_INSERT);
}

int rk_sqlite_idpending_flush(struct rk_sqlite *s, struct rk_err *err)
{
    struct rk_sqlite_idpending *p = &s->idp;
    int rc;

    /* the rows first: whoever reads the index then finds the rows its entries point at */
    if ((rc = rk_sqlite_rows_flush(s, err)) != 0) {
        rk_sqlite_idpending_drop(s); /* the batch failed: its entries go with its rows */
        return rc;
    }
    if (p->n == 0)
        return 0;
    rk_sqlite_idpending_sort(p->v, p->n);
    for (size_t i = 0; i < p->n && rc == 0;) {
        if (whole_insert(s, p->n - i)) {
            rc = rk_sqlite_index_rows(s, &p->v[i], err);
            i += RK_SQLITE_IDS_PER_INSERT;
        } else {
            rc = rk_sqlite_index_row(s, p->v[i].coll, p->v[i].idh, p->v[i].date_added, err);
            i++;
        }
    }
    rk_sqlite_idpending_drop(s);
    if (rc != 0 && s->base.batch)
        s->base.batch->failed = 1; /* rows without entries: the batch must not commit */
    return rc;
}

void rk_sqlite_idpending_free(struct rk_sqlite *s)
{
    rk_free(s->idp.v);
    rk_free(s->idp.set);
    memset(&s->idp, 0, sizeof(s->idp));
}
