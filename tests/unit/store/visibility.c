/* visibility.c - each clause of struct rk_store_visibility, applied inside the query so that
 * limits, "more" and page bounds count only visible rows; the latest-version-invisible rule. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/stix.h"
#include "store/debug.h"
#include "util/buf.h"

static const char *const T1 = "2024-01-01T00:00:00.000Z";
static const char *const T2 = "2024-02-01T00:00:00.000Z";

#define BIT(t) (1u << (t))

/* Six objects per organisation, one per TLP level, in the order of enum rk_tlp. */
struct fixture {
    char dir[256];
    struct rk_store *st;
    struct tobj a[6], b[6], local;
};

static void fixture_make(struct fixture *f)
{
    static const char *const ga[] = {"g1"}, *const ra[] = {"alice"};
    static const char *const gb[] = {"g2", "g3"}, *const rb[] = {"bob", "carol"};
    struct rk_provenance pa = {"partner", "node-a", "org-a", ga, 1, ra, 1};
    struct rk_provenance pb = {"file", "b.json", "org-b", gb, 2, rb, 2};

    memset(f, 0, sizeof(*f));
    tmp_dir_make(f->dir, sizeof(f->dir));
    f->st = store_new(f->dir);
    for (int t = 0; t < 6; t++) {
        tobj_make(&f->a[t], "indicator", 100 + (unsigned)t, T1, T1, NULL, t);
        tobj_make(&f->b[t], "indicator", 200 + (unsigned)t, T1, T1, NULL, t);
    }
    tobj_make(&f->local, "note", 300, T1, T1, NULL, RK_TLP_AMBER_STRICT);
    put_all(f->st, "one", &pa, f->a, 6, NULL);
    put_all(f->st, "one", &pb, f->b, 6, NULL);
    put_all(f->st, "one", NULL, &f->local, 1, NULL); /* the node's own, org "" */
}

static void fixture_free(struct fixture *f)
{
    rk_store_close(f->st);
    tmp_dir_remove(f->dir);
}

/* Which fixture objects q returns: "a0 a1 b5 l" style. */
static void seen(struct fixture *f, const struct rk_store_query *q, char *out, size_t cap)
{
    struct trows rows = {0};
    size_t len = 0;
    uint64_t n = 0;
    struct rk_err err;

    query_all(f->st, q, &rows, NULL);
    out[0] = '\0';
    for (size_t i = 0; i < rows.n; i++) {
        const char *id = rows.v[i].id;
        char name[16] = "?";

        for (int t = 0; t < 6; t++) {
            if (strcmp(id, f->a[t].id) == 0)
                snprintf(name, sizeof(name), "a%d", t);
            if (strcmp(id, f->b[t].id) == 0)
                snprintf(name, sizeof(name), "b%d", t);
        }
        if (strcmp(id, f->local.id) == 0)
            snprintf(name, sizeof(name), "l");
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", name);
    }
    assert_int_equal(rk_store_count(f->st, q, &n, &err), 0);
    assert_int_equal(n, rows.n); /* counts apply the same visibility */
    trows_free(&rows);
}

static void test_store_visibility__each_clause(void **state)
{
    struct fixture f;
    struct rk_store_visibility vis;
    struct rk_store_query q;
    char got[256];

    fixture_make(&f);
    rk_store_query_init(&q);
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "a0 a1 a2 a3 a4 a5 b0 b1 b2 b3 b4 b5 l");
    q.vis = &vis;

    memset(&vis, 0, sizeof(vis));
    vis.everything = 1;
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "a0 a1 a2 a3 a4 a5 b0 b1 b2 b3 b4 b5 l");

    memset(&vis, 0, sizeof(vis)); /* no clause admits anything */
    vis.org = "org-a";
    vis.user = "alice";
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "");

    memset(&vis, 0, sizeof(vis));
    vis.tlp_any = BIT(RK_TLP_CLEAR) | BIT(RK_TLP_GREEN);
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "a1 a2 b1 b2");

    memset(&vis, 0, sizeof(vis));
    vis.org = "org-a";
    vis.tlp_own_org = BIT(RK_TLP_AMBER_STRICT) | BIT(RK_TLP_NONE);
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "a0 a4");
    vis.org = ""; /* the node's own organisation */
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "l");

    memset(&vis, 0, sizeof(vis));
    vis.groups = (const char *const[]){"g9", "g3"};
    vis.n_groups = 2;
    vis.tlp_in_group = BIT(RK_TLP_AMBER);
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "b3");
    vis.n_groups = 0; /* no groups: the clause admits nothing */
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "");

    memset(&vis, 0, sizeof(vis));
    vis.user = "carol";
    vis.tlp_named = BIT(RK_TLP_RED);
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "b5");
    vis.user = "mallory";
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "");

    /* the clauses combine with OR */
    memset(&vis, 0, sizeof(vis));
    vis.tlp_any = BIT(RK_TLP_CLEAR) | BIT(RK_TLP_GREEN);
    vis.org = "org-a";
    vis.tlp_own_org = BIT(RK_TLP_AMBER) | BIT(RK_TLP_AMBER_STRICT) | BIT(RK_TLP_NONE);
    vis.groups = (const char *const[]){"g1"};
    vis.n_groups = 1;
    vis.tlp_in_group = BIT(RK_TLP_AMBER);
    vis.user = "bob";
    vis.tlp_named = BIT(RK_TLP_RED);
    seen(&f, &q, got, sizeof(got));
    assert_string_equal(got, "a0 a1 a2 a3 a4 b1 b2 b5");
    fixture_free(&f);
}

static void test_store_visibility__limits_count_only_visible_rows(void **state)
{
    struct fixture f;
    struct rk_store_visibility vis = {0};
    struct rk_store_query q;
    struct rk_store_page page;
    struct trows rows = {0};

    fixture_make(&f);
    vis.tlp_any = BIT(RK_TLP_CLEAR) | BIT(RK_TLP_GREEN); /* visible: a1 a2 b1 b2 */
    rk_store_query_init(&q);
    q.collection = "one";
    q.vis = &vis;
    q.limit = 2;
    query_all(f.st, &q, &rows, &page);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].id, f.a[1].id);
    assert_string_equal(rows.v[1].id, f.a[2].id);
    assert_int_equal(page.more, 1);
    assert_int_equal(page.first_added_us, rows.v[0].date_added);
    assert_int_equal(page.last_added_us, rows.v[1].date_added);
    trows_free(&rows);

    q.added_after_us = page.last_added_us; /* a3..a5 and b0 are invisible: skipped */
    query_all(f.st, &q, &rows, &page);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].id, f.b[1].id);
    assert_string_equal(rows.v[1].id, f.b[2].id);
    assert_int_equal(page.more, 0); /* b3..b5 and l follow, but none is visible */
    trows_free(&rows);
    fixture_free(&f);
}

/* w: version 1 GREEN, version 2 RED. A reader who may see only GREEN gets no "last" version of
 * w (the older one is not passed off as current), but sees version 1 as first and in "all". */
/* Which version is an object's first or last depends on who reads: a reader who may not see
 * the latest version gets the latest it may see, so that the object does not vanish from its
 * latest versions (which would tell it that a hidden version exists); the same for the first.
 * Counts agree with the rows. */
static void test_store_visibility__latest_version_invisible(void **state)
{
    struct fixture f;
    struct rk_store_visibility vis = {0};
    struct rk_store_query q;
    struct trows rows = {0};
    struct tobj w[2], z[2];
    uint64_t n = 0;
    struct rk_err err;

    fixture_make(&f);
    tobj_make(&w[0], "campaign", 400, T1, T1, NULL, RK_TLP_GREEN);
    tobj_make(&w[1], "campaign", 400, T1, T2, "\"description\":\"attribution\"", RK_TLP_RED);
    tobj_make(&z[0], "campaign", 401, T1, T1, NULL, RK_TLP_RED); /* hidden first version */
    tobj_make(&z[1], "campaign", 401, T1, T2, NULL, RK_TLP_GREEN);
    put_all(f.st, "one", NULL, w, 2, NULL);
    put_all(f.st, "one", NULL, z, 2, NULL);
    vis.tlp_any = BIT(RK_TLP_GREEN);
    rk_store_query_init(&q);
    q.vis = &vis;
    q.types = (const char *const[]){"campaign"};
    q.n_types = 1;
    query_all(f.st, &q, &rows, NULL); /* latest: w's first version, z's second */
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].id, w[0].id);
    assert_string_equal(rows.v[0].version, T1);
    assert_string_equal(rows.v[1].id, z[1].id);
    assert_string_equal(rows.v[1].version, T2);
    assert_int_equal(rk_store_count(f.st, &q, &n, &err), 0);
    assert_int_equal(n, 2);
    trows_free(&rows);

    q.versions = RK_VERSIONS_FIRST; /* z's first visible version is its second */
    query_all(f.st, &q, &rows, NULL);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].version, T1);
    assert_string_equal(rows.v[1].version, T2);
    trows_free(&rows);

    q.versions = RK_VERSIONS_ALL;
    query_all(f.st, &q, &rows, NULL);
    assert_int_equal(rows.n, 2);
    trows_free(&rows);

    /* a hidden version of a higher spec_version hides none the reader may see */
    tobj_make(&z[0], "campaign", 402, T1, T1, NULL, RK_TLP_GREEN);
    tobj_make(&z[1], "campaign", 402, T1, T2, NULL, RK_TLP_RED);
    z[1].o.spec_version = "2.2";
    put_all(f.st, "one", NULL, z, 2, NULL);
    q.vis = &vis;
    q.ids = (const char *const[]){z[0].id};
    q.n_ids = 1;
    q.versions = RK_VERSIONS_LAST;
    query_all(f.st, &q, &rows, NULL);
    assert_int_equal(rows.n, 1);
    assert_string_equal(rows.v[0].version, T1);
    trows_free(&rows);
    q.versions = RK_VERSIONS_ALL;
    query_all(f.st, &q, &rows, NULL);
    assert_int_equal(rows.n, 1);
    trows_free(&rows);
    q.ids = NULL;
    q.n_ids = 0;

    q.vis = NULL; /* the operator: the flags as stored */
    q.versions = RK_VERSIONS_LAST;
    query_all(f.st, &q, &rows, NULL);
    assert_int_equal(rows.n, 3);
    for (size_t i = 0; i < rows.n; i++)
        assert_string_equal(rows.v[i].version, T2);
    trows_free(&rows);
    fixture_free(&f);
}

/* The rows of q (latest versions, reader vis) after each position p, read two ways: a page of
 * collection "one" (objects_coll, one range when nothing is superseded after p) and the same
 * filter over every collection (the rowid order, no ranges). They must agree everywhere. */
static void assert_pages_agree(struct fixture *f, struct rk_store_query *q, int64_t p)
{
    struct trows in_coll = {0}, in_all = {0};

    q->added_after_us = p;
    q->collection = "one";
    query_all(f->st, q, &in_coll, NULL);
    q->collection = NULL;
    query_all(f->st, q, &in_all, NULL);
    assert_int_equal(in_coll.n, in_all.n);
    for (size_t i = 0; i < in_coll.n; i++) {
        assert_string_equal(in_coll.v[i].id, in_all.v[i].id);
        assert_string_equal(in_coll.v[i].version, in_all.v[i].version);
        assert_int_equal(in_coll.v[i].date_added, in_all.v[i].date_added);
    }
    trows_free(&in_coll);
    trows_free(&in_all);
}

static int plan_merges(struct rk_store *st, const struct rk_store_query *q)
{
    struct rk_buf plan;
    struct rk_err err;
    int merges;

    rk_buf_init(&plan, 1 << 16);
    assert_int_equal(rk_store_debug_plan(st, q, &plan, &err), 0);
    merges = strstr(rk_buf_cstr(&plan), "MERGE (UNION ALL)") != NULL;
    rk_buf_free(&plan);
    return merges;
}

/* A reader who may not see every version pages a collection's latest versions from one range
 * of the collection index while no superseded version lies after the position (the common
 * feed), and from both ranges merged before it (an older version may be the latest the reader
 * sees). Either way the rows are those of the filter applied row by row. */
static void test_store_visibility__latest_pages_one_range_when_nothing_superseded(void **state)
{
    struct fixture f;
    struct rk_store_visibility vis = {0};
    struct rk_store_query q;
    struct trows every = {0};
    struct tobj w[2], later[3];
    int64_t superseded;

    fixture_make(&f);
    tobj_make(&w[0], "campaign", 400, T1, T1, NULL, RK_TLP_GREEN);
    tobj_make(&w[1], "campaign", 400, T1, T2, NULL, RK_TLP_RED); /* hides w's latest */
    put_all(f.st, "one", NULL, w, 2, NULL);
    for (unsigned i = 0; i < 3; i++)
        tobj_make(&later[i], "indicator", 500 + i, T1, T1, NULL, RK_TLP_GREEN);
    put_all(f.st, "one", NULL, later, 3, NULL);
    vis.tlp_any = BIT(RK_TLP_CLEAR) | BIT(RK_TLP_GREEN);
    rk_store_query_init(&q);
    q.vis = NULL; /* every row, for the positions */
    q.versions = RK_VERSIONS_ALL;
    query_all(f.st, &q, &every, NULL);
    superseded = 0;
    for (size_t i = 0; i < every.n; i++)
        if (strcmp(every.v[i].id, w[0].id) == 0 && strcmp(every.v[i].version, T1) == 0)
            superseded = every.v[i].date_added;
    assert_true(superseded > 0);

    q.vis = &vis;
    q.versions = RK_VERSIONS_LAST;
    assert_pages_agree(&f, &q, 0);
    for (size_t i = 0; i < every.n; i++)
        assert_pages_agree(&f, &q, every.v[i].date_added);

    q.collection = "one"; /* w's first version is the latest this reader sees */
    q.added_after_us = superseded - 1;
    assert_true(plan_merges(f.st, &q));
    q.added_after_us = superseded;
    assert_false(plan_merges(f.st, &q));
    q.vis = NULL; /* a reader who sees everything: always one range */
    q.added_after_us = 0;
    assert_false(plan_merges(f.st, &q));
    trows_free(&every);
    fixture_free(&f);
}

int test_store_visibility_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_visibility__each_clause),
            cmocka_unit_test(test_store_visibility__limits_count_only_visible_rows),
            cmocka_unit_test(test_store_visibility__latest_version_invisible),
            cmocka_unit_test(test_store_visibility__latest_pages_one_range_when_nothing_superseded),
    };
    return cmocka_run_group_tests_name("store_visibility", tests, NULL, NULL);
}
