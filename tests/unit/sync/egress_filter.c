/* egress_filter.c - proof that a partner node reading over TAXII sees exactly what sync would
 * send it: for every stored object (each TLP level, owner, sharing groups and provenance) and
 * every partner (organisation, groups, TLP ceiling) under every node default TLP, the store
 * filter of rk_policy_egress_visibility admits a row if and only if rk_policy_may_send says
 * RK_EGRESS_SEND for it. The filter runs in a real store, so its SQL is what is proved. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/policy.h"
#include "util/alloc.h"

#define N_TLP     (RK_TLP_RED + 1)
#define N_OWNERS  3
#define N_GSETS   4
#define N_SOURCES 4
#define N_OBJECTS (N_TLP * N_OWNERS * N_GSETS * N_SOURCES)

static const char *const owners[N_OWNERS] = {"", "cisa", "acsc"};
static const char *const gs_quad[] = {"quad"};
static const char *const gs_asean[] = {"jp-asean"};
static const char *const gs_both[] = {"jp-asean", "quad"};
static const char *const gs_other[] = {"five-eyes"};

struct gset {
    const char *const *names;
    size_t n;
};

static const struct gset obj_groups[N_GSETS] = {{NULL, 0}, {gs_quad, 1}, {gs_asean, 1},
                                                {gs_both, 2}};
static const struct gset partner_groups[] = {{NULL, 0}, {gs_quad, 1}, {gs_both, 2},
                                             {gs_other, 1}};

/* Provenances: a local file, the reading partner itself, a third partner, and a partner
 * provenance without a source (not "received" for the rules: no partner to name). */
static const char *const src_kind[N_SOURCES] = {"file", RK_PROV_PARTNER, RK_PROV_PARTNER,
                                                RK_PROV_PARTNER};
static const char *const src_name[N_SOURCES] = {"feed.json", "us", "au", ""};

struct fixture {
    char dir[256];
    char coll[RK_COLLECTION_ID_MAX];
    struct rk_store *st;
    char ids[N_OBJECTS][64];
};

/* One batch per (owner, groups, source), one object per stored TLP value. */
static void fill(struct fixture *f)
{
    unsigned n = 0;

    for (int o = 0; o < N_OWNERS; o++)
        for (int g = 0; g < N_GSETS; g++)
            for (int s = 0; s < N_SOURCES; s++) {
                struct rk_provenance prov = {.kind = src_kind[s], .source = src_name[s],
                                             .org = owners[o], .groups = obj_groups[g].names,
                                             .n_groups = obj_groups[g].n};
                char json[N_TLP][1024];
                const char *texts[N_TLP];

                for (int t = 0; t < N_TLP; t++, n++) {
                    indicator_json(json[t], sizeof(json[t]), f->ids[n], n, t, NULL);
                    texts[t] = json[t];
                }
                put_json(f->st, f->coll, &prov, texts, N_TLP);
            }
}

/* What one query delivered: ids seen, and the rows' egress verdicts under a partner. */
struct seen {
    const struct rk_policy *pol;
    const struct rk_partner_view *partner;
    char (*ids)[64];
    size_t n;
    int verdict_rows; /* rows checked against rk_policy_may_send */
    unsigned send;    /* of which may_send said yes */
    int mismatch;
};

static int collect(const struct rk_store_row *row, void *ctx)
{
    struct seen *s = ctx;

    snprintf(s->ids[s->n++], 64, "%s", row->id);
    return 0;
}

static int has(const struct seen *s, const char *id)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->ids[i], id) == 0)
            return 1;
    return 0;
}

/* Every row (no filter) with its groups, judged by rk_policy_may_send, against the filtered
 * query's rows in visible. */
struct judge {
    const struct rk_policy *pol;
    const struct rk_partner_view *partner;
    const struct seen *visible;
    unsigned rows, send;
    char first_mismatch[256];
};

static int judge_row(const struct rk_store_row *row, void *ctx)
{
    struct judge *j = ctx;
    struct rk_object_meta m;
    enum rk_egress_verdict v;
    int admitted = has(j->visible, row->id);

    rk_policy_row_meta(row, &m);
    v = rk_policy_may_send(j->pol, j->partner, &m);
    j->rows++;
    j->send += v == RK_EGRESS_SEND;
    if ((v == RK_EGRESS_SEND) != admitted && !j->first_mismatch[0])
        snprintf(j->first_mismatch, sizeof(j->first_mismatch),
                 "tlp %d owner '%s' groups %zu source %s/%s: may_send %s, filter %s", row->tlp,
                 row->owner_org, row->n_groups, row->source_kind, row->source,
                 rk_egress_verdict_name(v), admitted ? "admits" : "hides");
    return 0;
}

static void check_partner(struct fixture *f, const struct rk_policy *pol,
                          const struct rk_partner_view *partner, unsigned *total_send)
{
    struct rk_store_visibility vis;
    struct rk_store_query q;
    struct seen visible = {0};
    struct judge j = {0};
    struct rk_err err;

    visible.ids = rk_calloc(N_OBJECTS, sizeof(*visible.ids));
    assert_non_null(visible.ids);
    rk_err_clear(&err);
    rk_policy_egress_visibility(pol, partner, &vis);
    rk_store_query_init(&q);
    q.collection = f->coll;
    q.vis = &vis;
    q.without_json = 1;
    if (rk_store_query(f->st, &q, collect, &visible, NULL, &err) != 0)
        fail_msg("filtered query: %s", err.message);
    j.pol = pol;
    j.partner = partner;
    j.visible = &visible;
    q.vis = NULL;
    q.with_groups = 1;
    if (rk_store_query(f->st, &q, judge_row, &j, NULL, &err) != 0)
        fail_msg("full query: %s", err.message);
    assert_int_equal(j.rows, N_OBJECTS);
    if (j.first_mismatch[0])
        fail_msg("partner org '%s' groups %zu ceiling %s, default %s: %s", partner->org,
                 partner->n_groups, rk_tlp_name(partner->ceiling), rk_tlp_name(pol->default_tlp),
                 j.first_mismatch);
    assert_int_equal(visible.n, j.send);
    *total_send += j.send;
    rk_free(visible.ids);
}

static void test_sync_egress_filter__equals_may_send(void **state)
{
    static const char *const orgs[] = {"", "cisa"};
    struct fixture *f = rk_calloc(1, sizeof(*f));
    unsigned cases = 0, total_send = 0;

    (void)state;
    assert_non_null(f);
    tmp_dir_make(f->dir, sizeof(f->dir));
    f->st = store_new(f->dir);
    collection_new(f->st, "shared", f->coll, sizeof(f->coll));
    fill(f);
    for (int def = RK_TLP_NONE; def <= RK_TLP_RED; def++)
        for (size_t o = 0; o < 2; o++)
            for (size_t g = 0; g < sizeof(partner_groups) / sizeof(partner_groups[0]); g++)
                for (int ceil = RK_TLP_NONE; ceil <= RK_TLP_RED; ceil++) {
                    struct rk_policy pol = {.default_tlp = (enum rk_tlp)def};
                    struct rk_partner_view pv = {.name = "us", .org = orgs[o],
                                                 .groups = partner_groups[g].names,
                                                 .n_groups = partner_groups[g].n,
                                                 .ceiling = (enum rk_tlp)ceil};

                    check_partner(f, &pol, &pv, &total_send);
                    cases++;
                }
    /* the matrix is not trivial: both answers occur many times */
    assert_int_equal(cases, 6 * 2 * 4 * 6);
    assert_true(total_send > cases * 10 && total_send < cases * N_OBJECTS / 2);
    rk_store_close(f->st);
    tmp_dir_remove(f->dir);
    rk_free(f);
}

/* The row's sharing groups come back as stored (sorted, deduplicated) with with_groups, and
 * a row of a partner provenance names its partner as the source for the rules. */
struct row_meta {
    char groups[4][32];
    size_t n_groups;
    char source_partner[32];
    int tlp;
};

static int keep_meta(const struct rk_store_row *row, void *ctx)
{
    struct row_meta *r = ctx;
    struct rk_object_meta m;

    rk_policy_row_meta(row, &m);
    r->n_groups = m.n_groups;
    for (size_t i = 0; i < m.n_groups && i < 4; i++)
        snprintf(r->groups[i], sizeof(r->groups[i]), "%s", m.groups[i]);
    snprintf(r->source_partner, sizeof(r->source_partner), "%s",
             m.source_partner ? m.source_partner : "(none)");
    r->tlp = (int)m.tlp;
    return 0;
}

static void test_sync_egress_filter__row_groups(void **state)
{
    static const char *const groups[] = {"quad", "jp-asean", "quad"};
    struct rk_provenance prov = {.kind = RK_PROV_PARTNER, .source = "au", .org = "acsc",
                                 .groups = groups, .n_groups = 3};
    char dir[256], coll[RK_COLLECTION_ID_MAX], json[1024], id[64];
    const char *texts[1] = {json};
    struct row_meta got;
    struct rk_store_query q;
    struct rk_store *st;
    struct rk_err err;

    (void)state;
    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    collection_new(st, "c", coll, sizeof(coll));
    indicator_json(json, sizeof(json), id, 1, RK_TLP_AMBER, NULL);
    put_json(st, coll, &prov, texts, 1);
    rk_store_query_init(&q);
    q.with_groups = 1;
    rk_err_clear(&err);
    memset(&got, 0, sizeof(got));
    assert_int_equal(rk_store_query(st, &q, keep_meta, &got, NULL, &err), 0);
    assert_int_equal(got.n_groups, 2);
    assert_string_equal(got.groups[0], "jp-asean");
    assert_string_equal(got.groups[1], "quad");
    assert_string_equal(got.source_partner, "au");
    assert_int_equal(got.tlp, RK_TLP_AMBER);
    q.with_groups = 0;
    memset(&got, 0, sizeof(got));
    assert_int_equal(rk_store_query(st, &q, keep_meta, &got, NULL, &err), 0);
    assert_int_equal(got.n_groups, 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_sync_egress_filter_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_egress_filter__equals_may_send),
            cmocka_unit_test(test_sync_egress_filter__row_groups),
    };

    return cmocka_run_group_tests_name("sync_egress_filter", tests, NULL, NULL);
}
