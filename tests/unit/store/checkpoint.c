/* checkpoint.c - the log size a handle reports after each commit, the checkpoint interval per
 * handle, and checkpoints asked for by another handle (rk_store_checkpoint). */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Put objects first..first+n-1 (indicators) in one batch. */
static void put_range(struct rk_store *st, const char *coll, unsigned first, unsigned n)
{
    struct tobj *objs = rk_calloc(n, sizeof(*objs));

    assert_non_null(objs);
    for (unsigned i = 0; i < n; i++)
        tobj_make(&objs[i], "indicator", first + i, "2024-01-01T00:00:00.000Z", NULL, NULL, 0);
    put_all(st, coll, NULL, objs, n, NULL);
    rk_free(objs);
}

static uint64_t count_objects(struct rk_store *st, const char *coll)
{
    struct rk_store_query q;
    struct trows rows = {0};
    uint64_t n;

    memset(&q, 0, sizeof(q));
    q.collection = coll;
    query_all(st, &q, &rows, NULL);
    n = rows.n;
    rk_free(rows.v);
    return n;
}

static void test_store_checkpoint__log_pages_and_interval(void **state)
{
    char dir[256], coll[64];
    struct rk_store *st;
    struct rk_err err;
    int before, after;

    (void)state;
    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    store_c1(st, coll, sizeof(coll));
    assert_int_equal(rk_store_checkpoint_every(st, 1000000, &err), 0);
    put_range(st, coll, 1, 200);
    before = rk_store_log_pages(st);
    assert_true(before > 0);
    put_range(st, coll, 1001, 200);
    after = rk_store_log_pages(st);
    assert_true(after > before); /* the log only grows while no checkpoint runs */

    /* an interval the next commit passes: that commit checkpoints and the count starts over */
    assert_int_equal(rk_store_checkpoint_every(st, after, &err), 0);
    put_range(st, coll, 2001, 200);
    assert_int_equal(rk_store_log_pages(st), 0);
    assert_int_equal(count_objects(st, coll), 600);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_checkpoint__from_another_handle(void **state)
{
    char dir[256], data[300], coll[64];
    struct rk_store *st, *checkpointer, *reader;
    struct rk_err err;
    int64_t copied = -1;

    (void)state;
    st = store_new_tmp(dir, data);
    store_c1(st, coll, sizeof(coll));
    assert_int_equal(rk_store_checkpoint_every(st, 0, &err), 0); /* never by itself */
    put_range(st, coll, 1, 300);
    assert_int_equal(rk_store_open(&checkpointer, data, 0, &err), 0);
    assert_int_equal(rk_store_checkpoint(checkpointer, &copied, &err), 0);
    assert_true(copied > 0);
    assert_true(copied >= rk_store_log_pages(st)); /* everything committed was copied */

    /* nothing new: nothing to copy beyond what is already in */
    assert_int_equal(rk_store_checkpoint(checkpointer, &copied, &err), 0);
    put_range(st, coll, 1001, 300);
    assert_int_equal(rk_store_checkpoint(checkpointer, NULL, &err), 0);
    assert_int_equal(rk_store_open(&reader, data, RK_STORE_READONLY, &err), 0);
    assert_int_equal(count_objects(reader, coll), 600);
    rk_store_close(reader);
    rk_store_close(checkpointer);
    rk_store_close(st);

    /* reopened after the log is gone: the checkpointed data is in the database */
    assert_int_equal(rk_store_open(&reader, data, RK_STORE_READONLY, &err), 0);
    assert_int_equal(count_objects(reader, coll), 600);
    assert_int_equal(rk_store_check(reader, &err), 0);
    rk_store_close(reader);
    tmp_dir_remove(dir);
}

int test_store_checkpoint_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_checkpoint__log_pages_and_interval),
        cmocka_unit_test(test_store_checkpoint__from_another_handle),
    };

    return cmocka_run_group_tests_name("store_checkpoint", tests, NULL, NULL);
}
