/* ids.c - the id index's two levels: versions of one id split between the settled and the
 * fresh level are found, placed, deduplicated and deleted as one; merges move every entry; a
 * batch writes its entries at its end; a store written with the one-level index is migrated. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/debug.h"
#include "store/sqlite.h"
#include "util/alloc.h"

static const char *const T1 = "2024-01-01T00:00:00.000Z";
static const char *const T2 = "2024-02-01T00:00:00.000Z";
static const char *const T3 = "2024-03-01T00:00:00.000Z";

/* Merge the fresh level at this many entries in these tests. */
enum { FRESH_MAX = 8 };

/* The entries in each level of the id index (inside a batch too: no store check). */
static void assert_levels_in_batch(struct rk_store *st, int64_t settled, int64_t fresh)
{
    int64_t s = -1, f = -1;
    struct rk_err err;

    assert_int_equal(rk_store_debug_id_levels(st, &s, &f, &err), 0);
    assert_int_equal(s, settled);
    assert_int_equal(f, fresh);
}

/* ... outside a batch, and the store's invariants hold. */
static void assert_levels(struct rk_store *st, int64_t settled, int64_t fresh)
{
    struct rk_err err;

    assert_levels_in_batch(st, settled, fresh);
    assert_int_equal(rk_store_check(st, &err), 0);
}

/* n new indicators numbered from first, in one batch. */
static void put_fillers(struct rk_store *st, unsigned first, size_t n)
{
    struct tobj f[FRESH_MAX];

    assert_true(n <= FRESH_MAX);
    for (size_t i = 0; i < n; i++)
        tobj_make(&f[i], "indicator", first + (unsigned)i, T1, T1, NULL, 0);
    put_all(st, "one", NULL, f, n, NULL);
}

static void delete_version(struct rk_store *st, const char *id, const char *version)
{
    struct rk_store_query q;
    struct rk_err err;
    uint64_t n = 0;

    rk_store_query_init(&q);
    q.collection = "one";
    q.ids = &id;
    q.n_ids = 1;
    q.version_values = &version;
    q.n_version_values = 1;
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 1);
}

static void test_store_ids__versions_across_levels(void **state)
{
    char dir[256], got[128];
    struct rk_store *st;
    struct tobj x[3], changed;
    unsigned counts[3] = {0};

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    rk_store_debug_fresh_ids_max(st, FRESH_MAX);
    tobj_make(&x[0], "indicator", 1, T1, T1, NULL, 0);
    tobj_make(&x[1], "indicator", 1, T1, T2, NULL, 0);
    tobj_make(&x[2], "indicator", 1, T1, T3, NULL, 0);
    tobj_make(&changed, "indicator", 1, T1, T1, "\"x_note\":\"changed\"", 0);

    put_all(st, "one", NULL, &x[0], 1, NULL);
    assert_levels(st, 0, 1);
    put_fillers(st, 100, FRESH_MAX - 1); /* the commit reaching FRESH_MAX merges */
    assert_levels(st, FRESH_MAX, 0);

    /* x's first version is settled, the next ones fresh */
    put_all(st, "one", NULL, &x[2], 1, NULL);
    put_all(st, "one", NULL, &x[1], 1, NULL);
    assert_levels(st, FRESH_MAX, 2);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-03 2024-02");
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_FIRST, got, sizeof(got)), "2024-01");
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_LAST, got, sizeof(got)), "2024-03");

    /* offered again: found in either level */
    put_all(st, "one", NULL, x, 3, counts);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 3);
    put_all(st, "one", NULL, &changed, 1, counts);
    assert_int_equal(counts[RK_PUT_CONFLICT], 1);
    assert_levels(st, FRESH_MAX, 2);

    /* a settled version deleted: the first moves to a fresh one */
    delete_version(st, x[0].id, T1);
    assert_levels(st, FRESH_MAX - 1, 2);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_FIRST, got, sizeof(got)), "2024-02");

    /* a fresh version deleted: the last moves to the other fresh one */
    delete_version(st, x[0].id, T3);
    assert_levels(st, FRESH_MAX - 1, 1);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_LAST, got, sizeof(got)), "2024-02");

    put_fillers(st, 200, FRESH_MAX); /* merged: everything settled, nothing lost */
    assert_levels(st, 2 * FRESH_MAX, 0);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)), "2024-02");

    put_fillers(st, 300, 3);
    assert_int_equal(rk_store_collection_remove(st, "one", NULL), 0);
    assert_levels(st, 0, 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* The fresh level is merged by the commit that reaches the limit, not before. */
static void test_store_ids__merge_at_the_limit(void **state)
{
    char dir[256];
    struct rk_store *st;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    rk_store_debug_fresh_ids_max(st, FRESH_MAX);
    put_fillers(st, 1, FRESH_MAX - 1);
    assert_levels(st, 0, FRESH_MAX - 1);
    put_fillers(st, 100, 1);
    assert_levels(st, FRESH_MAX, 0);
    put_fillers(st, 1, FRESH_MAX - 1); /* duplicates only: nothing new to index */
    assert_levels(st, FRESH_MAX, 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* A batch larger than the fresh level's room puts the rest of its entries in the settled level
 * directly; versions of one id on both sides of that point are still one history. */
static void test_store_ids__batch_past_the_fresh_level(void **state)
{
    char dir[256], got[128];
    struct rk_store *st;
    struct tobj b[5];

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    rk_store_debug_fresh_ids_max(st, FRESH_MAX);
    put_fillers(st, 100, FRESH_MAX - 3); /* room for 3 */
    tobj_make(&b[0], "indicator", 1, T1, T1, NULL, 0);
    tobj_make(&b[1], "indicator", 2, T1, T1, NULL, 0);
    tobj_make(&b[2], "indicator", 3, T1, T1, NULL, 0); /* the last with room */
    tobj_make(&b[3], "indicator", 1, T1, T3, NULL, 0); /* settled at once */
    tobj_make(&b[4], "indicator", 1, T1, T2, NULL, 0);
    put_all(st, "one", NULL, b, 5, NULL);
    assert_levels(st, FRESH_MAX + 2, 0); /* the full fresh level was merged after the commit */
    assert_string_equal(versions_of(st, b[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-03 2024-02");
    assert_string_equal(versions_of(st, b[0].id, RK_VERSIONS_FIRST, got, sizeof(got)), "2024-01");
    assert_string_equal(versions_of(st, b[0].id, RK_VERSIONS_LAST, got, sizeof(got)), "2024-03");
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static enum rk_put_outcome put_one(struct rk_store_batch *b, struct tobj *t)
{
    enum rk_put_outcome outcome;
    struct rk_err err;
    int64_t added;

    if (rk_store_batch_put(b, &t->o, &outcome, &added, &err) != 0)
        fail_msg("put %s: %s", t->id, err.message);
    return outcome;
}

/* A batch writes its rows' id index entries at its end. Before, a put of an id the batch
 * stored, or a query on the batch's handle, writes them first and so sees those rows; an
 * aborted batch leaves none behind. */
static void test_store_ids__entries_written_at_the_batch_end(void **state)
{
    char dir[256], got[128];
    struct rk_store *st;
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    struct tobj x[2], y, y_changed, f[3];
    struct rk_err err;
    uint64_t n = 0;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&x[0], "indicator", 1, T1, T1, NULL, 0);
    tobj_make(&x[1], "indicator", 1, T1, T2, NULL, 0);
    tobj_make(&y, "indicator", 2, T1, T1, NULL, 0);
    tobj_make(&y_changed, "indicator", 2, T1, T1, "\"x_note\":\"changed\"", 0);
    for (unsigned i = 0; i < 3; i++)
        tobj_make(&f[i], "indicator", 100 + i, T1, T1, NULL, 0);

    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(put_one(b, &x[0]), RK_PUT_STORED);
    assert_int_equal(put_one(b, &y), RK_PUT_STORED);
    assert_levels_in_batch(st, 0, 0); /* pending */
    assert_int_equal(put_one(b, &x[0]), RK_PUT_DUPLICATE);
    assert_levels_in_batch(st, 0, 2);
    assert_int_equal(put_one(b, &x[1]), RK_PUT_STORED);
    rk_store_query_init(&q);
    q.collection = "one";
    q.versions = RK_VERSIONS_ALL;
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_levels_in_batch(st, 0, 3);
    assert_int_equal(put_one(b, &y_changed), RK_PUT_CONFLICT);
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    assert_levels(st, 0, 3);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-02");
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_LAST, got, sizeof(got)), "2024-02");

    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(put_one(b, &f[i]), RK_PUT_STORED);
    rk_store_batch_abort(b);
    assert_levels(st, 0, 3);
    put_all(st, "one", NULL, f, 3, NULL); /* the aborted rows' ids are new again */
    assert_levels(st, 0, 6);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* A query inside a batch writes the pending entries first; when that fails, the batch is
 * marked failed and its commit keeps nothing (its rows would lack their index entries). */
static void test_store_ids__failed_flush_fails_the_batch(void **state)
{
    static const char *const boom =
            "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.ids_fresh BEGIN"
            " SELECT RAISE(ABORT, 'simulated write failure'); END;"
            "CREATE TEMP TRIGGER boom2 BEFORE INSERT ON main.ids_settled BEGIN"
            " SELECT RAISE(ABORT, 'simulated write failure'); END;";
    char dir[256];
    struct rk_store *st;
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    struct tobj x[2];
    struct rk_err err;
    uint64_t n = 0;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&x[0], "indicator", 1, T1, T1, NULL, 0);
    tobj_make(&x[1], "indicator", 2, T1, T1, NULL, 0);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(put_one(b, &x[0]), RK_PUT_STORED);
    assert_int_equal(rk_store_debug_exec(st, boom, &err), 0);
    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_not_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(rk_store_debug_exec(st, "DROP TRIGGER temp.boom; DROP TRIGGER temp.boom2",
                                         &err),
                     0);
    assert_int_not_equal(rk_store_batch_put(b, &x[1].o, NULL, NULL, &err), 0);
    assert_int_not_equal(rk_store_batch_commit(b, &err), 0);
    assert_levels(st, 0, 0);
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* rk_store_batch_may_hold tells stored and pending ids from new ones, with the id filter
 * built or not, and writes no pending entry in asking. */
static void test_store_ids__batch_may_hold(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct rk_store_batch *b = NULL;
    struct tobj x[3];
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    for (unsigned i = 0; i < 3; i++)
        tobj_make(&x[i], "indicator", 1 + i, T1, T1, NULL, 0);
    put_all(st, "one", NULL, &x[0], 1, NULL);
    for (int built = 0; built < 2; built++) {
        if (built)
            assert_int_equal(rk_store_prepare_writes(st, &err), 0);
        assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
        assert_int_equal(put_one(b, &x[1]), built ? RK_PUT_DUPLICATE : RK_PUT_STORED);
        assert_int_equal(rk_store_batch_may_hold(b, x[0].id), 1); /* stored */
        assert_int_equal(rk_store_batch_may_hold(b, x[1].id), 1); /* pending, or stored */
        assert_int_equal(rk_store_batch_may_hold(b, x[2].id), 0); /* new */
        assert_levels_in_batch(st, 0, built ? 2 : 1);            /* nothing flushed */
        assert_int_equal(rk_store_batch_commit(b, &err), 0);
    }
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* splitmix64: well-mixed test keys (an LCG's low bits would never collide in the set). */
static uint64_t mixed(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The pending set, alone: every pair added is held (collisions included), nearly no other
 * pair is, and a drop empties it, also past 255 drops (its generations start over). */
static void test_store_ids__pending_set(void **state)
{
    struct rk_sqlite *s = rk_calloc(1, sizeof(*s));
    uint64_t x = 42, first;
    size_t false_held = 0;

    assert_non_null(s);
    for (int round = 0; round < 300; round++) {
        int n = round % 50 == 49 ? 5000 : 20; /* 5000 also after the wrap */

        first = x;
        for (int i = 0; i < n; i++)
            assert_int_equal(rk_sqlite_idpending_add(s, round % 3, (int64_t)mixed(&x), i + 1), 0);
        x = first;
        for (int i = 0; i < n; i++) {
            int64_t idh = (int64_t)mixed(&x);

            assert_true(rk_sqlite_idpending_holds(s, round % 3, idh));
            false_held += rk_sqlite_idpending_holds(s, round % 3 + 3, idh);
        }
        rk_sqlite_idpending_drop(s);
        assert_false(rk_sqlite_idpending_holds(s, round % 3, (int64_t)first));
    }
    assert_true(false_held < 50); /* of some 35,000 pairs never added */
    rk_sqlite_idpending_free(s);
    rk_free(s);
}

/* Key order of the flush, as qsort by this comparison would give it. */
static int entry_order(const void *a, const void *b)
{
    const struct rk_sqlite_identry *x = a, *y = b;

    if (x->coll != y->coll)
        return x->coll < y->coll ? -1 : 1;
    if (x->idh != y->idh)
        return x->idh < y->idh ? -1 : 1;
    return (x->date_added > y->date_added) - (x->date_added < y->date_added);
}

/* Sort v[0..n) both ways and compare. */
static void assert_sorts_like_qsort(struct rk_sqlite_identry *v, size_t n)
{
    struct rk_sqlite_identry *want = rk_reallocarray(NULL, n ? n : 1, sizeof(*want));

    assert_non_null(want);
    memcpy(want, v, n * sizeof(*v));
    qsort(want, n, sizeof(*want), entry_order);
    rk_sqlite_idpending_sort(v, n);
    assert_memory_equal(v, want, n * sizeof(*v));
    rk_free(want);
}

/* The flush's sort: a batch's list (one collection, date_added rising; ids of either sign,
 * several versions of some, ids alike in all but one byte) by id hash; other lists (several
 * collections, date_added out of order) too. */
static void test_store_ids__pending_sort(void **state)
{
    enum { N = 5000 };
    struct rk_sqlite_identry *v = rk_reallocarray(NULL, N, sizeof(*v));
    uint64_t x = 7;

    assert_non_null(v);
    for (int shape = 0; shape < 5; shape++) {
        for (size_t i = 0; i < N; i++) {
            uint64_t h = mixed(&x);

            if (shape == 1 && i > 0 && h % 4 == 0)
                h = (uint64_t)v[h % i].idh; /* another version of an earlier id */
            if (shape == 2)
                h = 0x0123456789abcd00u | (h & 0xff); /* only the low byte differs */
            v[i] = (struct rk_sqlite_identry){7, (int64_t)h, 1000 + (int64_t)i};
            if (shape == 3)
                v[i].coll = (int64_t)(h % 3); /* several collections */
            if (shape == 4)
                v[i].date_added = (int64_t)(h % 1000); /* not rising */
        }
        assert_sorts_like_qsort(v, N);
    }
    assert_sorts_like_qsort(v, 1);
    assert_sorts_like_qsort(v, 0);
    rk_free(v);
}

/* A put hashes its id once, ahead of its argument checks: a put that fails those checks, and
 * then one of another id in the same buffer, store that id under its own hash (the store
 * check compares every row's hash with its id). */
static void test_store_ids__put_after_a_refused_one(void **state)
{
    char dir[256], data[300];
    struct rk_store *st = store_new_tmp(dir, data);
    struct rk_store_batch *b = NULL;
    enum rk_put_outcome outcome;
    struct tobj x, y;
    struct rk_err err;
    int64_t added;

    tobj_make(&x, "indicator", 1, T1, "not a timestamp", NULL, 0);
    tobj_make(&y, "indicator", 2, T1, T2, NULL, 0);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(rk_store_batch_put(b, &x.o, &outcome, &added, &err), RK_EFORMAT);
    memcpy(x.id, y.id, sizeof(x.id)); /* the same buffer now holds another id */
    x.o = y.o;
    x.o.id = x.id;
    assert_int_equal(rk_store_batch_put(b, &x.o, &outcome, &added, &err), 0);
    assert_int_equal(outcome, RK_PUT_STORED);
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    assert_int_equal(rk_store_check(st, &err), 0);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(rk_store_batch_may_hold(b, y.id), 1);
    rk_store_batch_abort(b);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* A new store in dir (its data directory into data) and two versions of one indicator. */
static struct rk_store *store_with_two_versions(char dir[256], char data[300], struct tobj x[2])
{
    tobj_make(&x[0], "indicator", 1, T1, T1, NULL, 0);
    tobj_make(&x[1], "indicator", 1, T1, T2, NULL, 0);
    return store_new_tmp(dir, data);
}

/* A bulk handle (an import) puts new ids in the settled level and merges what it finds in the
 * fresh one after its first commit. */
static void test_store_ids__bulk_handle(void **state)
{
    char dir[256], data[300], got[128];
    struct rk_store *st, *bulk;
    struct tobj x[2];
    struct rk_err err;

    st = store_with_two_versions(dir, data, x);
    put_all(st, "one", NULL, &x[0], 1, NULL);
    put_fillers(st, 100, 3);
    assert_levels(st, 0, 4);
    assert_int_equal(rk_store_open(&bulk, data, RK_STORE_BULK, &err), 0);
    put_all(bulk, "one", NULL, &x[1], 1, NULL);
    assert_levels(bulk, 5, 0);
    put_fillers(bulk, 200, 2);
    assert_levels(bulk, 7, 0);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-02");
    rk_store_close(bulk);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* The id filter spares the probe of ids it knows are new, and only those. */
static void test_store_ids__filter_skips_new_ids(void **state)
{
    char dir[256], got[128];
    struct rk_store *st;
    struct tobj x[FRESH_MAX], v2;
    unsigned counts[3] = {0};

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    rk_store_debug_idfilter_after(st, 0); /* built by the first batch */
    for (unsigned i = 0; i < FRESH_MAX; i++)
        tobj_make(&x[i], "indicator", i + 1, T1, T1, NULL, 0);
    put_all(st, "one", NULL, x, FRESH_MAX, counts);
    assert_int_equal(counts[RK_PUT_STORED], FRESH_MAX);
    assert_int_equal(rk_store_debug_idfilter_skipped(st), FRESH_MAX);
    put_all(st, "one", NULL, x, FRESH_MAX, counts); /* known: probed, found */
    assert_int_equal(counts[RK_PUT_DUPLICATE], FRESH_MAX);
    tobj_make(&v2, "indicator", 1, T1, T2, NULL, 0);
    put_all(st, "one", NULL, &v2, 1, counts);
    assert_int_equal(rk_store_debug_idfilter_skipped(st), FRESH_MAX);
    assert_string_equal(versions_of(st, v2.id, RK_VERSIONS_LAST, got, sizeof(got)), "2024-02");
    assert_levels(st, 0, FRESH_MAX + 1);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* Rows another handle commits reach the filter before the next batch, also after a batch of
 * this handle rolled back. */
static void test_store_ids__filter_sees_other_writers(void **state)
{
    char dir[256], data[300], got[128];
    struct rk_store *st, *other;
    struct rk_store_batch *b = NULL;
    struct tobj x[2], y;
    unsigned counts[3] = {0};
    enum rk_put_outcome outcome;
    struct rk_err err;

    st = store_with_two_versions(dir, data, x);
    rk_store_debug_idfilter_after(st, 0);
    put_fillers(st, 100, 2); /* builds the filter */
    assert_int_equal(rk_store_open(&other, data, 0, &err), 0);
    put_all(other, "one", NULL, &x[0], 1, NULL);
    put_all(st, "one", NULL, &x[0], 1, counts);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 1);
    put_all(st, "one", NULL, &x[1], 1, NULL);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-02");

    tobj_make(&y, "indicator", 7, T1, T1, NULL, 0);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(rk_store_batch_put(b, &x[0].o, &outcome, NULL, &err), 0);
    rk_store_batch_abort(b);
    put_all(other, "one", NULL, &y, 1, NULL);
    put_all(st, "one", NULL, &y, 1, counts);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 2);
    assert_levels(st, 0, 5);
    rk_store_close(other);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* A handle prepared for writes has its filter from its first batch on, and catches up with
 * what another handle committed after the preparation. */
static void test_store_ids__prepared_writer(void **state)
{
    char dir[256], data[300];
    struct rk_store *st, *other, *ro;
    struct tobj x[2];
    unsigned counts[3] = {0};
    struct rk_err err;

    st = store_with_two_versions(dir, data, x);
    put_fillers(st, 100, 3);
    assert_int_equal(rk_store_open(&other, data, 0, &err), 0);
    assert_int_equal(rk_store_prepare_writes(other, &err), 0);
    put_all(st, "one", NULL, &x[0], 1, NULL); /* after other's snapshot */
    put_all(other, "one", NULL, x, 2, counts);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 1);
    assert_int_equal(counts[RK_PUT_STORED], 1);
    assert_int_equal(rk_store_debug_idfilter_skipped(other), 0); /* x is known: probed */
    put_fillers(other, 200, 4);
    assert_int_equal(rk_store_debug_idfilter_skipped(other), 4);
    assert_levels(other, 0, 9);
    assert_int_equal(rk_store_open(&ro, data, RK_STORE_READONLY, &err), 0);
    assert_int_equal(rk_store_prepare_writes(ro, &err), RK_EPERM);
    rk_store_close(ro);
    rk_store_close(other);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* An index too large for the filter's cap: no filter, every put probes, nothing is lost. */
static void test_store_ids__filter_over_its_cap(void **state)
{
    char dir[256], data[300];
    struct rk_store *st;
    struct tobj x[2];
    unsigned counts[3] = {0};
    struct rk_err err;

    st = store_with_two_versions(dir, data, x);
    rk_store_debug_idfilter_max_bits(st, 1u << 20); /* below the smallest filter */
    assert_int_equal(rk_store_prepare_writes(st, &err), RK_ELIMIT);
    rk_store_debug_idfilter_after(st, 0);
    put_fillers(st, 100, 3);
    put_all(st, "one", NULL, x, 2, NULL);
    put_all(st, "one", NULL, x, 2, counts);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 2);
    assert_int_equal(rk_store_debug_idfilter_skipped(st), 0);
    assert_levels(st, 0, 5);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* The index as schema step 2 left it: one index objects_id on the objects table. */
static const char *const one_level_index =
        "DROP VIEW ids_all; DROP TRIGGER objects_ids_delete;"
        "DROP TABLE ids_settled; DROP TABLE ids_fresh;"
        "CREATE INDEX objects_id ON objects (coll, idh);"
        "DELETE FROM schema_migrations WHERE component = 'core' AND step >= 3;";

static void test_store_ids__migrated_from_one_level(void **state)
{
    char dir[256], data[300], got[128];
    struct rk_store *st;
    struct tobj x[2];
    struct rk_err err;

    st = store_with_two_versions(dir, data, x);
    put_all(st, "one", NULL, x, 2, NULL);
    put_fillers(st, 100, 5);
    assert_int_equal(rk_store_debug_exec(st, one_level_index, &err), 0);
    rk_store_close(st);

    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    assert_levels(st, 7, 0);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-02");
    put_all(st, "one", NULL, &x[1], 1, NULL); /* still a duplicate */
    assert_levels(st, 7, 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_ids_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_ids__versions_across_levels),
            cmocka_unit_test(test_store_ids__merge_at_the_limit),
            cmocka_unit_test(test_store_ids__batch_past_the_fresh_level),
            cmocka_unit_test(test_store_ids__entries_written_at_the_batch_end),
            cmocka_unit_test(test_store_ids__pending_set),
            cmocka_unit_test(test_store_ids__pending_sort),
            cmocka_unit_test(test_store_ids__put_after_a_refused_one),
            cmocka_unit_test(test_store_ids__failed_flush_fails_the_batch),
            cmocka_unit_test(test_store_ids__batch_may_hold),
            cmocka_unit_test(test_store_ids__bulk_handle),
            cmocka_unit_test(test_store_ids__filter_skips_new_ids),
            cmocka_unit_test(test_store_ids__filter_sees_other_writers),
            cmocka_unit_test(test_store_ids__prepared_writer),
            cmocka_unit_test(test_store_ids__filter_over_its_cap),
            cmocka_unit_test(test_store_ids__migrated_from_one_level),
    };

    return cmocka_run_group_tests_name("store_ids", tests, NULL, NULL);
}
