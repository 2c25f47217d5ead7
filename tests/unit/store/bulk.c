/* bulk.c - what an import's handle (RK_STORE_BULK) does differently: it gathers new rows for
 * INSERTs of many rows (sqlite_rowbuf.c), and every handle writes a flush's id index entries
 * many per INSERT and builds its id filter at once for a small index. Results must be those
 * of the plain path: the same outcomes, rows, flags and index entries. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "store/debug.h"
#include "store/sqlite.h"
#include "util/buf.h"

static const char *const T0 = "2023-12-01T00:00:00.000Z";
static const char *const T1 = "2024-01-01T00:00:00.000Z";
static const char *const T2 = "2024-02-01T00:00:00.000Z";

/* More rows than two INSERTs of many take, and not a multiple of their size. */
enum { NEW = 2 * RK_SQLITE_ROWS_PER_INSERT + 37 };

/* The i-th put of the mixed sequence, built into t (one buffer for every put, as an import
 * reuses its memory: a gathered row must hold copies). */
static void mixed_put(struct tobj *t, unsigned i)
{
    if (i < NEW)
        tobj_make(t, "indicator", i, T1, T1, NULL, 0); /* new ids */
    else if (i < NEW + 40)
        tobj_make(t, "indicator", (i - NEW) * 3, T1, T2, NULL, 0); /* later versions */
    else if (i < NEW + 45)
        tobj_make(t, "indicator", i - NEW, T0, T0, NULL, 0); /* earlier versions */
    else if (i == NEW + 45)
        tobj_make(t, "indicator", 7, T1, T1, NULL, 0); /* a duplicate */
    else if (i == NEW + 46)
        tobj_make(t, "indicator", 8, T1, T1, "\"x_note\":\"changed\"", 0); /* a conflict */
    else if (i == NEW + 47)
        tobj_make(t, "identity", 1, T1, NULL, NULL, 0); /* created only */
    else
        tobj_make(t, "marking-definition", i, NULL, NULL,
                  "\"x_big\":\"" /* no version */
                  "0123456789012345678901234567890123456789012345678901234567890123456789\"",
                  0);
}
enum { MIXED = NEW + 60 };

/* The date_added values the puts of one batch reported for the rows they stored. */
struct reported {
    int64_t added[MIXED];
    size_t n;
};

/* Put the mixed sequence in one batch; the outcomes into out, the values reported for stored
 * rows into rep. Every 100 puts a count inside the batch must see every version put so far;
 * every 37 a value is reserved (a gap in the batch's date_added values, as the TAXII server
 * makes for a status it records). */
static void put_mixed(struct rk_store *st, enum rk_put_outcome out[MIXED], struct reported *rep)
{
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    struct tobj t;
    struct rk_err err;
    uint64_t n = 0, stored = 0;
    int64_t added;

    rk_store_query_init(&q);
    q.collection = "one";
    q.versions = RK_VERSIONS_ALL;
    rep->n = 0;
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    for (unsigned i = 0; i < MIXED; i++) {
        mixed_put(&t, i);
        if (rk_store_batch_put(b, &t.o, &out[i], &added, &err) != 0)
            fail_msg("put %u %s: %s", i, t.id, err.message);
        if (out[i] == RK_PUT_STORED)
            rep->added[rep->n++] = added;
        stored += out[i] == RK_PUT_STORED;
        if (i % 37 == 36)
            assert_true(rk_store_batch_reserve_added(b) > added);
        if (i % 100 == 99) {
            assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
            assert_int_equal(n, stored);
        }
    }
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    assert_int_equal(rk_store_check(st, &err), 0);
}

static int collect_added(const struct rk_store_row *row, void *ctx)
{
    struct reported *got = ctx;

    if (got->n == MIXED)
        return 1;
    got->added[got->n++] = row->date_added_us;
    return 0;
}

/* Every stored row carries the date_added its put reported. */
static void assert_added_as_reported(struct rk_store *st, const struct reported *rep)
{
    struct reported got = {.n = 0};
    struct rk_store_query q;
    struct rk_err err;

    rk_store_query_init(&q);
    q.collection = "one";
    q.versions = RK_VERSIONS_ALL;
    assert_int_equal(rk_store_query(st, &q, collect_added, &got, NULL, &err), 0);
    assert_int_equal(got.n, rep->n);
    assert_memory_equal(got.added, rep->added, rep->n * sizeof(rep->added[0]));
}

static int describe_row(const struct rk_store_row *row, void *ctx)
{
    struct rk_buf *out = ctx;

    assert_int_equal(rk_buf_printf(out, "%s %s %s %s %s %d ", row->id, row->type,
                                   row->created ? row->created : "-",
                                   row->modified ? row->modified : "-", row->spec_version,
                                   row->tlp),
                     0);
    assert_int_equal(rk_buf_append(out, row->json, row->json_len), 0);
    return rk_buf_putc(out, '\n');
}

/* Every version, the first and the latest versions of collection "one", described row by row
 * in date_added order (date_added itself left out: it comes from the clock). */
static void describe_store(struct rk_store *st, struct rk_buf *out)
{
    const unsigned versions[] = {RK_VERSIONS_ALL, RK_VERSIONS_FIRST, RK_VERSIONS_LAST};
    struct rk_store_query q;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        rk_store_query_init(&q);
        q.collection = "one";
        q.versions = versions[i];
        assert_int_equal(rk_buf_printf(out, "versions %u\n", versions[i]), 0);
        assert_int_equal(rk_store_query(st, &q, describe_row, out, NULL, &err), 0);
    }
}

/* The mixed sequence through a bulk handle and through a plain one: the same outcomes and the
 * same rows, flags and versions, each row with the date_added its put reported. */
static void test_store_bulk__rows_as_one_at_a_time(void **state)
{
    char dir[2][256], data[2][300];
    enum rk_put_outcome outcome[2][MIXED];
    struct reported rep;
    struct rk_buf described[2];
    struct rk_store *st;
    struct rk_err err;

    for (int bulk = 0; bulk < 2; bulk++) {
        st = store_new_tmp(dir[bulk], data[bulk]);
        if (bulk) {
            rk_store_close(st);
            assert_int_equal(rk_store_open(&st, data[bulk], RK_STORE_BULK, &err), 0);
        }
        put_mixed(st, outcome[bulk], &rep);
        assert_added_as_reported(st, &rep);
        rk_buf_init(&described[bulk], RK_BUF_UNLIMITED);
        describe_store(st, &described[bulk]);
        rk_store_close(st);
    }
    assert_memory_equal(outcome[0], outcome[1], sizeof(outcome[0]));
    assert_int_equal(outcome[0][NEW + 45], RK_PUT_DUPLICATE);
    assert_int_equal(outcome[0][NEW + 46], RK_PUT_CONFLICT);
    assert_string_equal(rk_buf_cstr(&described[0]), rk_buf_cstr(&described[1]));
    for (int bulk = 0; bulk < 2; bulk++) {
        rk_buf_free(&described[bulk]);
        tmp_dir_remove(dir[bulk]);
    }
}

/* A new store in a fresh directory with collection "one", opened again as an import opens it. */
static struct rk_store *bulk_store_new(char *dir, char *data)
{
    struct rk_store *st = store_new_tmp(dir, data);
    struct rk_err err;

    rk_store_close(st);
    assert_int_equal(rk_store_open(&st, data, RK_STORE_BULK, &err), 0);
    return st;
}

/* Put indicators 0..n-1 (new ids) into batch b: each is reported stored (gathered, for a bulk
 * handle, until the batch's next flush). */
static void put_new_indicators(struct rk_store_batch *b, unsigned n)
{
    enum rk_put_outcome outcome;
    struct tobj t;
    struct rk_err err;

    for (unsigned i = 0; i < n; i++) {
        tobj_make(&t, "indicator", i, T1, T1, NULL, 0);
        assert_int_equal(rk_store_batch_put(b, &t.o, &outcome, NULL, &err), 0);
        assert_int_equal(outcome, RK_PUT_STORED);
    }
}

/* An aborted bulk batch leaves none of its gathered rows; their ids are new again. */
static void test_store_bulk__abort_drops_gathered_rows(void **state)
{
    char dir[256], data[300];
    struct rk_store *st = bulk_store_new(dir, data);
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    struct rk_err err;
    uint64_t n = 1;

    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    put_new_indicators(b, RK_SQLITE_ROWS_PER_INSERT + 5);
    rk_store_batch_abort(b);
    rk_store_query_init(&q);
    q.collection = "one";
    q.versions = RK_VERSIONS_ALL;
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    put_new_indicators(b, 3); /* the aborted ids are new again */
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* Gathered rows that cannot be stored fail their batch: its commit keeps nothing, although
 * their puts had reported them stored. */
static void test_store_bulk__failed_row_insert_fails_the_batch(void **state)
{
    static const char *const boom = "CREATE TEMP TRIGGER boom BEFORE INSERT ON main.objects BEGIN"
                                    " SELECT RAISE(ABORT, 'simulated write failure'); END;";
    char dir[256], data[300];
    struct rk_store *st = bulk_store_new(dir, data);
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    struct rk_err err;
    uint64_t n = 1;

    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    put_new_indicators(b, 3); /* gathered, not yet inserted */
    assert_int_equal(rk_store_debug_exec(st, boom, &err), 0);
    assert_int_not_equal(rk_store_batch_commit(b, &err), 0); /* rolls the trigger back too */
    rk_store_query_init(&q);
    q.collection = "one";
    if (rk_store_count(st, &q, &n, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(n, 0);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* A flush writes its entries many per INSERT, to the fresh level while it has room (also when
 * that room ends inside an INSERT's worth) and the rest to the settled level. */
static void test_store_bulk__entries_many_per_insert(void **state)
{
    enum { ROOM = RK_SQLITE_IDS_PER_INSERT + 72, FIRST = 100, SECOND = 2 * ROOM + 44 };
    char dir[256];
    struct rk_store *st;
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    struct tobj t;
    struct rk_err err;
    int64_t settled = -1, fresh = -1;
    uint64_t n = 0;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    rk_store_debug_fresh_ids_max(st, FIRST + ROOM);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    for (unsigned i = 0; i < FIRST + SECOND; i++) {
        if (i == FIRST) { /* the first part committed: the second has ROOM left in fresh */
            assert_int_equal(rk_store_batch_commit(b, &err), 0);
            assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
        }
        tobj_make(&t, "indicator", i, T1, T1, NULL, 0);
        assert_int_equal(rk_store_batch_put(b, &t.o, NULL, NULL, &err), 0);
    }
    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0); /* flushes */
    assert_int_equal(n, FIRST + SECOND);
    assert_int_equal(rk_store_debug_id_levels(st, &settled, &fresh, &err), 0);
    assert_int_equal(fresh, FIRST + ROOM);
    assert_int_equal(settled, SECOND - ROOM);
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    assert_int_equal(rk_store_check(st, &err), 0); /* one entry per row, each its own */
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* A handle builds its id filter at its first batch when the index is small (an import into a
 * new node probes nothing), and waits for its puts when the index is large. */
static void test_store_bulk__filter_at_once_for_a_small_index(void **state)
{
    char dir[256], data[300];
    struct rk_store *st = store_new_tmp(dir, data), *other;
    struct tobj t[6];
    struct rk_err err;

    for (unsigned i = 0; i < 6; i++)
        tobj_make(&t[i], "indicator", i, T1, T1, NULL, 0);
    put_all(st, "one", NULL, t, 4, NULL);
    assert_int_equal(rk_store_debug_idfilter_skipped(st), 4);

    assert_int_equal(rk_store_open(&other, data, RK_STORE_BULK, &err), 0);
    rk_store_debug_idfilter_after(other, 3); /* the index (4 entries) is not small */
    put_all(other, "one", NULL, &t[4], 1, NULL);
    assert_int_equal(rk_store_debug_idfilter_skipped(other), 0);
    rk_store_debug_idfilter_after(other, 1); /* now due by its puts */
    put_all(other, "one", NULL, &t[5], 1, NULL);
    assert_int_equal(rk_store_debug_idfilter_skipped(other), 1);
    assert_int_equal(rk_store_check(other, &err), 0);
    rk_store_close(other);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_bulk_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_bulk__rows_as_one_at_a_time),
            cmocka_unit_test(test_store_bulk__abort_drops_gathered_rows),
            cmocka_unit_test(test_store_bulk__failed_row_insert_fails_the_batch),
            cmocka_unit_test(test_store_bulk__entries_many_per_insert),
            cmocka_unit_test(test_store_bulk__filter_at_once_for_a_small_index),
    };

    return cmocka_run_group_tests_name("store_bulk", tests, NULL, NULL);
}
