/* query.c - versions (first/last/all/specific), the latest-spec_version rule, filters,
 * paging with limits, counts, query plans. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/debug.h"
#include "util/alloc.h"
#include "util/buf.h"

static const char *const T1 = "2024-01-01T00:00:00.000Z";
static const char *const T2 = "2024-02-01T00:00:00.000Z";
static const char *const T3 = "2024-03-01T00:00:00.000Z";

/* Objects a test refers to by a short label. */
struct labels {
    const struct tobj *obj[4];
    const char *name[4];
    size_t n;
};

static const char *label_of(const struct labels *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->obj[i]->id, id) == 0)
            return l->name[i];
    }
    return "?";
}

/* Run q; out gets "<label>@<YYYY-MM of version>" for each row, joined by spaces. */
static void run(struct rk_store *st, const struct rk_store_query *q, const struct labels *l,
                char *out, size_t cap)
{
    struct trows rows = {0};
    size_t len = 0;

    query_all(st, q, &rows, NULL);
    out[0] = '\0';
    for (size_t i = 0; i < rows.n; i++) {
        len += (size_t)snprintf(out + len, cap - len, "%s%s@%.7s", i ? " " : "",
                                label_of(l, rows.v[i].id), rows.v[i].version);
        assert_true(len < cap);
    }
    trows_free(&rows);
}

static void test_store_query__versions(void **state)
{
    char dir[256], got[256];
    struct rk_store *st;
    struct tobj x[3], y;
    struct labels l = {0};
    struct rk_store_query q;
    struct rk_store_page page;
    struct trows rows = {0};
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    /* x: three versions put out of order; y: one */
    tobj_make(&x[0], "malware", 1, T1, T2, NULL, 0);
    tobj_make(&x[1], "malware", 1, T1, T1, NULL, 0);
    tobj_make(&x[2], "malware", 1, T1, T3, NULL, 0);
    tobj_make(&y, "tool", 2, T1, T1, NULL, 0);
    put_all(st, "one", NULL, &x[0], 1, NULL);
    put_all(st, "one", NULL, &y, 1, NULL);
    put_all(st, "one", NULL, &x[1], 1, NULL);
    put_all(st, "one", NULL, &x[2], 1, NULL);
    l.obj[0] = &x[0];
    l.name[0] = "x";
    l.obj[1] = &y;
    l.name[1] = "y";
    l.n = 2;

    rk_store_query_init(&q);
    q.collection = "one";
    run(st, &q, &l, got, sizeof(got)); /* default: last */
    assert_string_equal(got, "y@2024-01 x@2024-03");
    q.versions = RK_VERSIONS_FIRST;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "y@2024-01 x@2024-01");
    q.versions = RK_VERSIONS_ALL;
    run(st, &q, &l, got, sizeof(got)); /* date_added order: as put */
    assert_string_equal(got, "x@2024-02 y@2024-01 x@2024-01 x@2024-03");
    q.versions = RK_VERSIONS_FIRST | RK_VERSIONS_LAST; /* y once */
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "y@2024-01 x@2024-01 x@2024-03");
    q.versions = 0;
    q.version_values = (const char *const[]){"2024-02-01T00:00:00Z"}; /* same instant as T2 */
    q.n_version_values = 1;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "x@2024-02");
    q.versions = RK_VERSIONS_FIRST;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "x@2024-02 y@2024-01 x@2024-01");
    q.versions = RK_VERSIONS_ALL | RK_VERSIONS_LAST; /* all wins */
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "x@2024-02 y@2024-01 x@2024-01 x@2024-03");

    q.versions = 0;
    q.version_values = (const char *const[]){"last"};
    assert_int_equal(rk_store_query(st, &q, trows_collect, &rows, &page, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "match[version]"));
    assert_int_equal(rows.n, 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* z: 2.0 at T1, 2.1 at T2, then 2.0 again at T3 */
static void test_store_query__latest_spec_version(void **state)
{
    char dir[256], got[256];
    struct rk_store *st;
    struct tobj z[3];
    struct labels l = {{&z[0]}, {"z"}, 1};
    struct rk_store_query q;
    struct rk_err err;
    uint64_t n;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&z[0], "report", 5, T1, T1, NULL, 0);
    tobj_make(&z[1], "report", 5, T1, T2, NULL, 0);
    tobj_make(&z[2], "report", 5, T1, T3, NULL, 0);
    z[0].o.spec_version = "2.0";
    z[2].o.spec_version = "2.0";
    put_all(st, "one", NULL, z, 3, NULL);

    rk_store_query_init(&q);
    run(st, &q, &l, got, sizeof(got)); /* last is T3; among {T3} 2.0 is the highest */
    assert_string_equal(got, "z@2024-03");
    q.versions = RK_VERSIONS_ALL; /* of all versions, only the 2.1 ones */
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "z@2024-02");
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 1);
    q.versions = RK_VERSIONS_FIRST | RK_VERSIONS_LAST;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "z@2024-01 z@2024-03");
    q.versions = 0;
    q.version_values = (const char *const[]){T1, T2};
    q.n_version_values = 2;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "z@2024-02");
    q.n_version_values = 0;
    q.versions = RK_VERSIONS_ALL;
    q.spec_versions = (const char *const[]){"2.0"};
    q.n_spec_versions = 1;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "z@2024-01 z@2024-03");
    q.spec_versions = (const char *const[]){"2.0", "2.1"};
    q.n_spec_versions = 2;
    run(st, &q, &l, got, sizeof(got));
    assert_string_equal(got, "z@2024-01 z@2024-02 z@2024-03");
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static int stop_after_two(const struct rk_store_row *row, void *ctx)
{
    int *n = ctx;

    (void)row;
    return ++*n == 2 ? 42 : 0;
}

struct nested {
    struct rk_store *st;
    size_t inner_rows;
};

/* The same query shape again from inside a callback: the statement cache must not hand out
 * the statement that is running. */
static int nested_query(const struct rk_store_row *row, void *ctx)
{
    struct nested *n = ctx;
    struct rk_store_query q;
    struct trows rows = {0};

    rk_store_query_init(&q);
    q.collection = "one";
    q.types = (const char *const[]){row->type};
    q.n_types = 1;
    query_all(n->st, &q, &rows, NULL);
    n->inner_rows += rows.n;
    trows_free(&rows);
    return 0;
}

static void test_store_query__filters_and_callbacks(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct rk_collection c2 = {0};
    struct tobj objs[6];
    struct rk_store_query q;
    struct rk_store_page page;
    struct trows rows = {0};
    struct nested nest = {0};
    int calls = 0;
    uint64_t n;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    snprintf(c2.alias, sizeof(c2.alias), "two");
    assert_int_equal(rk_store_collection_add(st, &c2, &err), 0);
    for (unsigned i = 0; i < 6; i++)
        tobj_make(&objs[i], i % 2 ? "indicator" : "malware", i, T1, T1, NULL, 0);
    put_all(st, "one", NULL, objs, 6, NULL);
    put_all(st, "two", NULL, objs, 2, NULL);

    rk_store_query_init(&q);
    q.collection = "one";
    q.types = (const char *const[]){"indicator", "campaign"};
    q.n_types = 2;
    query_all(st, &q, &rows, &page);
    assert_int_equal(rows.n, 3);
    assert_int_equal(page.count, 3);
    assert_int_equal(page.more, 0);
    assert_int_equal(page.first_added_us, rows.v[0].date_added);
    assert_int_equal(page.last_added_us, rows.v[2].date_added);
    assert_true(rows.v[0].has_json);
    /* json_only: the same rows, positions and JSON, without their description */
    {
        struct trows slim = {0};

        q.json_only = 1;
        query_all(st, &q, &slim, NULL);
        q.json_only = 0;
        assert_int_equal(slim.n, 3);
        for (size_t i = 0; i < slim.n; i++) {
            assert_int_equal(slim.v[i].date_added, rows.v[i].date_added);
            assert_int_equal(slim.v[i].tlp, rows.v[i].tlp);
            assert_true(slim.v[i].has_json);
            assert_string_equal(slim.v[i].id, "");
        }
        trows_free(&slim);
    }
    trows_free(&rows);

    q.types = NULL;
    q.n_types = 0;
    q.ids = (const char *const[]){objs[4].id, objs[1].id, "indicator--nope"};
    q.n_ids = 3;
    q.without_json = 1;
    query_all(st, &q, &rows, NULL);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].id, objs[1].id); /* date_added order, not the list's */
    assert_false(rows.v[0].has_json);
    trows_free(&rows);

    q.collection = NULL; /* every collection: objs[1] is in both */
    q.ids = (const char *const[]){objs[1].id};
    q.n_ids = 1;
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 2);
    q.collection = "no-such";
    assert_int_equal(rk_store_count(st, &q, &n, &err), RK_ENOTFOUND);

    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_equal(rk_store_query(st, &q, stop_after_two, &calls, &page, &err), 42);
    assert_int_equal(calls, 2);
    assert_int_equal(page.count, 2);
    nest.st = st;
    assert_int_equal(rk_store_query(st, &q, nested_query, &nest, NULL, &err), 0);
    assert_int_equal(nest.inner_rows, 6 * 3);

    q.limit = 4;
    query_all(st, &q, &rows, &page);
    assert_int_equal(rows.n, 4);
    assert_int_equal(page.more, 1);
    trows_free(&rows);
    q.limit = 6; /* exactly what there is: no more */
    query_all(st, &q, &rows, &page);
    assert_int_equal(rows.n, 6);
    assert_int_equal(page.more, 0);
    trows_free(&rows);
    q.added_after_us = page.last_added_us;
    query_all(st, &q, &rows, &page);
    assert_int_equal(rows.n, 0);
    assert_int_equal(page.first_added_us, 0);
    assert_int_equal(page.last_added_us, 0);

    q.ids = (const char *const[]){NULL};
    q.n_ids = 1;
    assert_int_equal(rk_store_query(st, &q, NULL, NULL, NULL, &err), RK_EINVAL);
    q.n_ids = 1001;
    assert_int_equal(rk_store_query(st, &q, NULL, NULL, NULL, &err), RK_ELIMIT);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* ---- paging -------------------------------------------------------------------------------- */

static void fill(struct rk_store *st, unsigned from, unsigned n)
{
    struct tobj *objs = rk_calloc(1000, sizeof(*objs));

    assert_non_null(objs);
    for (unsigned done = 0; done < n; done += 1000) {
        unsigned k = n - done < 1000 ? n - done : 1000;

        for (unsigned i = 0; i < k; i++)
            tobj_make(&objs[i], "indicator", from + done + i, T1, T1, NULL, RK_TLP_GREEN);
        put_all(st, "one", NULL, objs, k, NULL);
    }
    rk_free(objs);
}

static void test_store_query__paging_random_limits(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct rk_store_query q;
    struct rk_store_page page;
    struct trows all = {0};
    size_t pages = 0;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    fill(st, 0, 10000);
    srand(7);
    rk_store_query_init(&q);
    q.collection = "one";
    q.without_json = 1;
    do {
        size_t before = all.n;

        q.limit = 1 + (size_t)rand() % 700;
        query_all(st, &q, &all, &page);
        assert_int_equal(page.count, all.n - before);
        assert_true(page.count <= q.limit);
        if (page.more)
            assert_int_equal(page.count, q.limit);
        if (page.count)
            q.added_after_us = page.last_added_us;
        pages++;
    } while (page.more);
    assert_int_equal(all.n, 10000);
    for (size_t i = 1; i < all.n; i++)
        assert_true(all.v[i].date_added > all.v[i - 1].date_added); /* each once, in order */
    assert_true(pages > 10);
    trows_free(&all);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* While one handle pages, another inserts: every row is seen exactly once, in order. */
static void test_store_query__paging_while_inserting(void **state)
{
    char dir[256], data[300];
    struct rk_store *st, *writer = NULL;
    struct rk_store_query q;
    struct rk_store_page page;
    struct trows all = {0};
    unsigned added = 0;
    struct rk_err err;

    st = store_new_tmp(dir, data);
    assert_int_equal(rk_store_open(&writer, data, 0, &err), 0);
    fill(st, 0, 3000);
    srand(11);
    rk_store_query_init(&q);
    q.collection = "one";
    q.without_json = 1;
    for (;;) {
        int wrote = 0;

        q.limit = 1 + (size_t)rand() % 300;
        query_all(st, &q, &all, &page);
        if (page.count)
            q.added_after_us = page.last_added_us;
        if (added < 2000) { /* between two pages, another handle commits 250 more */
            fill(writer, 10000 + added, 250);
            added += 250;
            wrote = 1;
        }
        if (!page.more && !wrote)
            break;
    }
    assert_int_equal(all.n, 5000);
    for (size_t i = 1; i < all.n; i++)
        assert_true(all.v[i].date_added > all.v[i - 1].date_added);
    trows_free(&all);
    rk_store_close(writer);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* ---- plans --------------------------------------------------------------------------------- */

static void plan_of(struct rk_store *st, const struct rk_store_query *q, struct rk_buf *plan)
{
    struct rk_err err;

    rk_buf_reset(plan);
    if (rk_store_debug_plan(st, q, plan, &err) != 0)
        fail_msg("plan: %s", err.message);
    printf("# plan: %s", rk_buf_cstr(plan));
}

/* The plan looks ids up in both levels of the id index by (coll, idh), never by a scan. */
static void assert_id_lookup(const struct rk_buf *plan)
{
    assert_non_null(strstr(rk_buf_cstr(plan), "SEARCH ids_settled USING PRIMARY KEY (coll=? AND idh=?"));
    assert_non_null(strstr(rk_buf_cstr(plan), "SEARCH ids_fresh USING PRIMARY KEY (coll=? AND idh=?"));
    assert_null(strstr(rk_buf_cstr(plan), "SCAN ids_"));
}

/* The plan fetches the rows of a few ids by date_added from the id index's answer. */
static void assert_rows_by_id(const struct rk_buf *plan)
{
    assert_id_lookup(plan);
    assert_non_null(strstr(rk_buf_cstr(plan), "SEARCH o USING INTEGER PRIMARY KEY (rowid=?)"));
    assert_null(strstr(rk_buf_cstr(plan), "SCAN o"));
}

static void test_store_query__plans_walk_the_collection_index(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct rk_store_query q;
    struct rk_buf plan;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    fill(st, 0, 1000);
    rk_buf_init(&plan, 1 << 16);
    rk_store_query_init(&q);
    q.collection = "one";
    q.added_after_us = 1;
    q.limit = 100;
    plan_of(st, &q, &plan); /* latest versions: one range of the index */
    assert_non_null(strstr(rk_buf_cstr(&plan),
                           "USING INDEX objects_coll (coll=? AND is_last=? AND rowid>?)"));
    assert_null(strstr(rk_buf_cstr(&plan), "TEMP B-TREE"));
    assert_null(strstr(rk_buf_cstr(&plan), "MERGE (UNION ALL)"));
    /* the latest-spec subquery looks up one id in both levels of the id index, not the
     * collection */
    assert_id_lookup(&plan);
    assert_non_null(strstr(rk_buf_cstr(&plan), "SEARCH x USING INTEGER PRIMARY KEY (rowid=?)"));
    q.versions = RK_VERSIONS_ALL; /* all versions: two ranges merged in date_added order */
    plan_of(st, &q, &plan);
    assert_non_null(strstr(rk_buf_cstr(&plan), "MERGE (UNION ALL)"));
    assert_non_null(strstr(rk_buf_cstr(&plan),
                           "USING INDEX objects_coll (coll=? AND is_last=? AND rowid>?)"));
    assert_null(strstr(rk_buf_cstr(&plan), "TEMP B-TREE"));
    q.versions = RK_VERSIONS_FIRST;
    q.types = (const char *const[]){"indicator"};
    q.n_types = 1;
    plan_of(st, &q, &plan);
    assert_non_null(strstr(rk_buf_cstr(&plan), "MERGE (UNION ALL)"));
    assert_null(strstr(rk_buf_cstr(&plan), "TEMP B-TREE"));
    q.collection = NULL;
    plan_of(st, &q, &plan);
    assert_non_null(strstr(rk_buf_cstr(&plan), "SEARCH o USING INTEGER PRIMARY KEY (rowid>?)"));
    q.ids = (const char *const[]){"indicator--x"}; /* ids in every collection: still lookups */
    q.n_ids = 1;
    plan_of(st, &q, &plan);
    assert_rows_by_id(&plan);
    q.n_ids = 0;
    q.collection = "one";
    q.ids = (const char *const[]){"indicator--x", "indicator--y"};
    q.n_ids = 2;
    plan_of(st, &q, &plan);
    assert_rows_by_id(&plan);
    q.versions = 0; /* latest versions of a few ids: still the id index, not the collection's */
    q.types = NULL;
    q.n_types = 0;
    plan_of(st, &q, &plan);
    assert_rows_by_id(&plan);
    rk_buf_free(&plan);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* Rows carry their provenance from the handle's origin cache. A row callback that queries
 * again, meeting origins that take the outer row's cache slot, must not free what the outer
 * row points at (ASan checks). 300 origins fill the 256 slots and collide. */
struct nested_walk {
    struct rk_store *st;
    const char *coll;
    size_t rows;
};

static int nested_row(const struct rk_store_row *row, void *ctx)
{
    struct nested_walk *n = ctx;
    char want[32];
    struct rk_store_query q;
    struct trows inner = {0};

    snprintf(want, sizeof(want), "src-%zu", n->rows);
    assert_string_equal(row->source, want);
    if (n->rows++ % 50 == 0) {
        rk_store_query_init(&q);
        q.collection = n->coll;
        assert_int_equal(rk_store_query(n->st, &q, trows_collect, &inner, NULL, NULL), 0);
        assert_int_equal(inner.n, 300);
        trows_free(&inner);
    }
    assert_string_equal(row->source, want); /* still readable after the nested query */
    assert_string_equal(row->source_kind, "file");
    assert_string_equal(row->owner_org, "org-a");
    return 0;
}

static void test_store_query__provenance_with_nested_queries(void **state)
{
    char dir[256], coll[RK_COLLECTION_ID_MAX], src[32];
    struct rk_store *st;
    struct rk_store_query q;
    struct nested_walk n = {0};
    struct tobj t;

    (void)state;
    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    store_c1(st, coll, sizeof(coll));
    for (unsigned i = 0; i < 300; i++) {
        struct rk_provenance prov = {.kind = "file", .source = src, .org = "org-a"};

        snprintf(src, sizeof(src), "src-%u", i);
        tobj_make(&t, "indicator", i, T1, T1, NULL, 0);
        put_all(st, coll, &prov, &t, 1, NULL);
    }
    n.st = st;
    n.coll = coll;
    rk_store_query_init(&q);
    q.collection = coll;
    assert_int_equal(rk_store_query(st, &q, nested_row, &n, NULL, NULL), 0);
    assert_int_equal(n.rows, 300);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_query_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_query__versions),
            cmocka_unit_test(test_store_query__latest_spec_version),
            cmocka_unit_test(test_store_query__filters_and_callbacks),
            cmocka_unit_test(test_store_query__paging_random_limits),
            cmocka_unit_test(test_store_query__paging_while_inserting),
            cmocka_unit_test(test_store_query__plans_walk_the_collection_index),
            cmocka_unit_test(test_store_query__provenance_with_nested_queries),
    };
    return cmocka_run_group_tests_name("store_query", tests, NULL, NULL);
}
