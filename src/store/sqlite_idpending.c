/* sqlite_idpending.c - the id index entries of the open batch, written in key order at its end.
 *
 * A new row's entry in the id index (ids_fresh or ids_settled) lands at a random place: one
 * insert per row costs a descent to a cold leaf and, as leaves fill, a split. Writing a batch's
 * entries sorted by (coll, idh, date_added) walks the index once from left to right instead:
 * importing 600,000 objects spent a third of its CPU time on these inserts, and a fifth once
 * sorted (docs/internals/store.md).
 *
 * Until the flush, the index lacks the batch's rows, so whatever reads it first flushes:
 *
 * - a put probes the index only after rk_sqlite_idpending_holds says the batch has a row of
 *   that (coll, idh) pending, then flushes (the set may answer "held" for a pair it lacks,
 *   never "not held" for one it has: a false answer costs an early flush);
 * - queries, counts and deletes on the handle flush first (rk_sqlite_idpending_flush);
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
    /* idh is a SHA-256 prefix already; coll only moves it. Never 0 (an empty slot). */
    return ((uint64_t)idh ^ ((uint64_t)coll * 0x9e3779b97f4a7c15u)) | 1;
}

/* Slots hold key and generation; a slot of an older generation is empty, so the flush empties
 * the whole set by moving to the next generation. */
static struct rk_sqlite_idslot *slot_for(const struct rk_sqlite_idpending *p, uint64_t key)
{
    size_t mask = p->set_cap - 1, i = (size_t)(key >> 7) & mask;

    while (p->set[i].gen == p->gen && p->set[i].key != key)
        i = (i + 1) & mask;
    return &p->set[i];
}

static int grow_set(struct rk_sqlite_idpending *p)
{
    size_t cap = p->set_cap ? p->set_cap * 2 : SET_MIN;
    struct rk_sqlite_idslot *old = p->set, *set = rk_calloc(cap, sizeof(*set));
    size_t old_cap = p->set_cap;

    if (!set)
        return -1;
    p->set = set;
    p->set_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].gen == p->gen)
            *slot_for(p, old[i].key) = old[i];
    }
    rk_free(old);
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
    struct rk_sqlite_idslot *slot;
    uint64_t key = key_of(coll, idh);

    if (p->gen == 0)
        p->gen = 1; /* slots from calloc (generation 0) are empty */
    if ((p->n == p->cap && grow_entries(p) != 0) ||
        ((p->n + 1) * 2 > p->set_cap && grow_set(p) != 0))
        return -1;
    slot = slot_for(p, key);
    slot->key = key;
    slot->gen = p->gen;
    p->v[p->n++] = (struct rk_sqlite_identry){coll, idh, date_added};
    return 0;
}

int rk_sqlite_idpending_holds(const struct rk_sqlite *s, int64_t coll, int64_t idh)
{
    const struct rk_sqlite_idpending *p = &s->idp;

    return p->n > 0 && slot_for(p, key_of(coll, idh))->gen == p->gen;
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

void rk_sqlite_idpending_drop(struct rk_sqlite *s)
{
    s->idp.n = 0;
    s->idp.gen++; /* every slot is now empty */
}

int rk_sqlite_idpending_flush(struct rk_sqlite *s, struct rk_err *err)
{
    struct rk_sqlite_idpending *p = &s->idp;
    int rc = 0;

    if (p->n == 0)
        return 0;
    qsort(p->v, p->n, sizeof(*p->v), cmp_entry);
    for (size_t i = 0; i < p->n && rc == 0; i++)
        rc = rk_sqlite_index_row(s, p->v[i].coll, p->v[i].idh, p->v[i].date_added, err);
    rk_sqlite_idpending_drop(s);
    return rc;
}

void rk_sqlite_idpending_free(struct rk_sqlite *s)
{
    rk_free(s->idp.v);
    rk_free(s->idp.set);
    memset(&s->idp, 0, sizeof(s->idp));
}
