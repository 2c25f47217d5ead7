/* delete.c - deleting versions with first/last recomputed, removing collections, statistics,
 * counts by type, and allocation failures along the way. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/stix.h"
#include "util/alloc.h"

static const char *const T1 = "2024-01-01T00:00:00.000Z";
static const char *const T2 = "2024-02-01T00:00:00.000Z";
static const char *const T3 = "2024-03-01T00:00:00.000Z";

static void test_store_delete__versions_and_flags(void **state)
{
    char dir[256], got[128];
    struct rk_store *st;
    struct tobj x[3], y;
    struct rk_store_query q;
    struct rk_store_stats stats;
    uint64_t n;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&x[0], "indicator", 1, T1, T1, NULL, 0);
    tobj_make(&x[1], "indicator", 1, T1, T2, NULL, 0);
    tobj_make(&x[2], "indicator", 1, T1, T3, NULL, 0);
    tobj_make(&y, "indicator", 2, T1, T1, NULL, 0);
    put_all(st, "one", NULL, x, 3, NULL);
    put_all(st, "one", NULL, &y, 1, NULL);

    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_equal(rk_store_delete(st, &q, &n, &err), RK_EINVAL); /* ids are required */

    q.ids = (const char *const[]){x[0].id};
    q.n_ids = 1;
    q.versions = RK_VERSIONS_LAST;
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(versions_of(st, x[0].id, 0, got, sizeof(got)), "2024-02");
    assert_int_equal(rk_store_check(st, &err), 0);

    q.versions = RK_VERSIONS_FIRST;
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_FIRST, got, sizeof(got)), "2024-02");
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)), "2024-02");
    assert_int_equal(rk_store_check(st, &err), 0);

    put_all(st, "one", NULL, x, 3, NULL); /* the deleted versions come back as new rows */
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-02 2024-01 2024-03");
    q.versions = 0; /* a specific version */
    q.version_values = (const char *const[]){T2};
    q.n_version_values = 1;
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)),
                        "2024-01 2024-03");
    q.n_version_values = 0; /* no versions: the whole object */
    q.ids = (const char *const[]){x[0].id, "indicator--unknown"};
    q.n_ids = 2;
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(versions_of(st, x[0].id, RK_VERSIONS_ALL, got, sizeof(got)), "");
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 0);

    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.versions, 1);
    assert_int_equal(stats.objects, 1);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_delete__only_visible_rows(void **state)
{
    char dir[256], got[128];
    struct rk_store *st;
    struct tobj w[2];
    struct rk_store_visibility vis = {0};
    struct rk_store_query q;
    uint64_t n;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&w[0], "campaign", 1, T1, T1, NULL, RK_TLP_GREEN);
    tobj_make(&w[1], "campaign", 1, T1, T2, NULL, RK_TLP_RED);
    put_all(st, "one", NULL, w, 2, NULL);
    vis.tlp_any = 1u << RK_TLP_GREEN;
    rk_store_query_init(&q);
    q.collection = "one";
    q.ids = (const char *const[]){w[0].id};
    q.n_ids = 1;
    q.vis = &vis;
    assert_int_equal(rk_store_delete(st, &q, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(versions_of(st, w[0].id, RK_VERSIONS_ALL, got, sizeof(got)), "2024-02");
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static int note_type(const char *type, uint64_t count, void *ctx)
{
    char *out = ctx;
    size_t len = strlen(out);

    snprintf(out + len, 128 - len, "%s=%llu ", type, (unsigned long long)count);
    return 0;
}

static int count_conflicts(const struct rk_store_conflict *c, void *ctx)
{
    (void)c;
    ++*(int *)ctx;
    return 0;
}

static void test_store_delete__collection_remove_and_stats(void **state)
{
    char dir[256], types[128] = "";
    struct rk_store *st;
    struct rk_collection c2 = {0};
    struct tobj objs[4], changed;
    struct rk_store_stats stats;
    int n_conflicts = 0;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    snprintf(c2.alias, sizeof(c2.alias), "two");
    assert_int_equal(rk_store_collection_add(st, &c2, &err), 0);
    tobj_make(&objs[0], "malware", 1, T1, T1, NULL, 0);
    tobj_make(&objs[1], "malware", 1, T1, T2, NULL, 0);
    tobj_make(&objs[2], "tool", 2, T1, T1, NULL, 0);
    tobj_make(&objs[3], "indicator", 3, T1, T1, NULL, 0);
    tobj_make(&changed, "tool", 2, T1, T1, "\"labels\":[\"x\"]", 0);
    put_all(st, "one", NULL, objs, 4, NULL);
    put_all(st, "two", NULL, objs, 3, NULL);
    put_all(st, "two", NULL, &changed, 1, NULL);

    assert_int_equal(rk_store_count_by_type(st, NULL, note_type, types, &err), 0);
    assert_string_equal(types, "indicator=1 malware=4 tool=2 ");
    types[0] = '\0';
    assert_int_equal(rk_store_count_by_type(st, "two", note_type, types, &err), 0);
    assert_string_equal(types, "malware=2 tool=1 ");
    assert_int_equal(rk_store_count_by_type(st, "three", note_type, types, &err), RK_ENOTFOUND);

    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.collections, 2);
    assert_int_equal(stats.objects, 5);
    assert_int_equal(stats.versions, 7);
    assert_int_equal(stats.conflicts, 1);

    assert_int_equal(rk_store_collection_remove(st, "two", &err), 0);
    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.collections, 1);
    assert_int_equal(stats.objects, 3);
    assert_int_equal(stats.versions, 4);
    assert_int_equal(stats.conflicts, 1); /* conflicts ever recorded */
    assert_int_equal(rk_store_conflict_list(st, count_conflicts, &n_conflicts, &err), 0);
    assert_int_equal(n_conflicts, 0); /* the removed collection's conflict list went with it */
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static int count_row(const struct rk_store_row *row, void *ctx)
{
    (void)row;
    ++*(size_t *)ctx;
    return 0;
}

/* Every allocation of a put-query-delete sequence fails once in turn: each failure is a clean
 * RK_ENOMEM (ASan checks nothing leaks), and the store stays consistent. */
static void test_store_delete__allocation_failures(void **state)
{
    static const char *const groups[] = {"g1", "g2"};
    struct rk_provenance prov = {"file", "f.json", "org", groups, 2, NULL, 0};
    char dir[256];
    struct rk_store *st;
    struct tobj x;
    int succeeded = 0;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&x, "indicator", 1, T1, T1, NULL, 0);
    for (unsigned long nth = 1; nth < 200 && !succeeded; nth++) {
        struct rk_store_batch *b = NULL;
        struct rk_store_query q;
        size_t rows_seen = 0;
        uint64_t n = 0;
        struct rk_err err;
        int rc;

        rk_alloc_fail_at(nth);
        rc = rk_store_batch_begin(&b, st, "one", &prov, &err);
        if (rc == 0 && (rc = rk_store_batch_put(b, &x.o, NULL, NULL, &err)) == 0)
            rc = rk_store_batch_commit(b, &err);
        else
            rk_store_batch_abort(b);
        rk_store_query_init(&q);
        q.ids = (const char *const[]){x.id};
        q.n_ids = 1;
        q.version_values = (const char *const[]){T1};
        q.n_version_values = 1;
        if (rc == 0)
            rc = rk_store_query(st, &q, count_row, &rows_seen, NULL, &err);
        if (rc == 0)
            rc = rk_store_delete(st, &q, &n, &err);
        rk_alloc_fail_at(0);
        assert_true(rc == 0 || rc == RK_ENOMEM);
        succeeded = rc == 0;
        assert_int_equal(rk_store_check(st, NULL), 0);
    }
    assert_true(succeeded);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_delete_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_delete__versions_and_flags),
            cmocka_unit_test(test_store_delete__only_visible_rows),
            cmocka_unit_test(test_store_delete__collection_remove_and_stats),
            cmocka_unit_test(test_store_delete__allocation_failures),
    };
    return cmocka_run_group_tests_name("store_delete", tests, NULL, NULL);
}
