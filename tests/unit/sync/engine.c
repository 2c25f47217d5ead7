/* engine.c - rk_sync_run against a scripted partner: a pulled page is stored with its cursor
 * and its refusals (invalid, RED, impostor), pulled again it is all duplicates; the added_after
 * window warning; a push sends only what the rules allow, split by the partner's
 * max_content_length, each object in the egress log, and the cursor moves past it all. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "fake_server.h"

#include "renkei/stix.h"
#include "renkei/store_access.h"
#include "renkei/store_sync.h"
#include "renkei/sync.h"
#include "util/rktime.h"

#define LAST "2024-05-01T00:00:00.000001Z"

struct fx {
    char dir[256];
    struct rk_store *st;
    char coll[RK_COLLECTION_ID_MAX];
    struct rk_partner p;
    struct rk_sync_options o;
    struct rk_sync_counts c;
    struct rk_err err;
};

static void fx_open(struct fx *f, struct fake *fake, enum rk_sync_dir dir)
{
    struct rk_sync_mapping m;

    memset(f, 0, sizeof(*f));
    tmp_dir_make(f->dir, sizeof(f->dir));
    f->st = store_new(f->dir);
    collection_new(f->st, "intel", f->coll, sizeof(f->coll));
    rk_err_clear(&f->err);
    assert_int_equal(rk_store_org_add(f->st, "peer", "", &f->err), 0);
    assert_int_equal(rk_store_group_add(f->st, "quad", "", &f->err), 0);
    assert_int_equal(rk_store_group_member_add(f->st, "quad", "peer", &f->err), 0);
    assert_int_equal(rk_store_setting_set(f->st, "node.identity",
                                          "identity--11111111-1111-4111-8111-111111111111",
                                          &f->err), 0);
    rk_partner_init(&f->p);
    snprintf(f->p.name, sizeof(f->p.name), "peer");
    snprintf(f->p.org, sizeof(f->p.org), "peer");
    snprintf(f->p.url, sizeof(f->p.url), "http://127.0.0.1:%u/taxii2/", fake_port(fake));
    snprintf(f->p.api_root, sizeof(f->p.api_root), "http://127.0.0.1:%u/api1/",
             fake_port(fake));
    f->p.insecure_http = 1;
    f->p.timeout_s = 5;
    assert_int_equal(rk_store_partner_add(f->st, &f->p, &f->err), 0);
    memset(&m, 0, sizeof(m));
    m.dir = dir;
    snprintf(m.remote, sizeof(m.remote), "their-intel");
    snprintf(m.local, sizeof(m.local), "%s", f->coll);
    assert_int_equal(rk_store_mapping_add(f->st, "peer", &m, &f->err), 0);
    rk_sync_options_init(&f->o);
    f->o.status_wait_s = 2;
}

static void fx_close(struct fx *f)
{
    rk_store_close(f->st);
    tmp_dir_remove(f->dir);
}

static int count_refusal(const struct rk_sync_refusal *r, void *ctx)
{
    size_t *n = ctx;

    (*n)++;
    assert_true(r->reason[0] != '\0');
    return 0;
}

static uint64_t stored_in(struct fx *f)
{
    struct rk_store_query q;
    uint64_t n = 0;

    rk_store_query_init(&q);
    q.collection = f->coll;
    q.versions = RK_VERSIONS_ALL;
    q.without_json = 1;
    assert_int_equal(rk_store_count(f->st, &q, &n, &f->err), 0);
    return n;
}

static void test_sync_engine__pull_page_refusals_and_duplicates(void **state)
{
    static char page[8192];
    char ok[1024], red[1024], impostor[1024], id[64];
    struct fake *fake;
    struct rk_pull_cursor cur;
    struct fx f;
    size_t n = 0;

    (void)state;
    indicator_json(ok, sizeof(ok), id, 1, RK_TLP_GREEN, NULL);
    indicator_json(red, sizeof(red), id, 2, RK_TLP_RED, NULL);
    indicator_json(impostor, sizeof(impostor), id, 3, RK_TLP_GREEN, NULL);
    impostor[strlen(impostor) - 1] = '\0'; /* claims to be made by this node */
    snprintf(page, sizeof(page),
             "{\"more\":false,\"objects\":[%s,%s,{\"type\":\"indicator\",\"id\":\"x\"},%s,"
             "\"created_by_ref\":\"identity--11111111-1111-4111-8111-111111111111\"}]}",
             ok, red, impostor);
    {
        const struct fake_step steps[] = {{200, NULL, page, 0, LAST, NULL, 0}};

        fake = fake_start(steps, 1);
    }
    fx_open(&f, fake, RK_SYNC_PULL);
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.stored, 1);
    assert_int_equal(f.c.refused_in, 3); /* invalid, RED, claims to be this node */
    assert_int_equal(f.c.refused_in_by[0], 1);
    assert_int_equal(f.c.refused_in_by[RK_INGRESS_RED], 1);
    assert_int_equal(f.c.refused_in_by[RK_INGRESS_CLAIMS_NODE], 1);
    assert_int_equal(stored_in(&f), 1);
    assert_int_equal(rk_store_pull_cursor_get(f.st, "peer", "their-intel", f.coll, &cur, &f.err),
                     0);
    assert_string_equal(cur.added_after, LAST);
    assert_true(cur.caught_up_us > 0);
    assert_int_equal(cur.stored, 1);
    assert_int_equal(rk_store_sync_refusal_list(f.st, "peer", 0, count_refusal, &n, &f.err), 0);
    assert_int_equal(n, 3);

    /* a server that ignores added_after sends the same page: nothing is stored twice */
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.stored, 0);
    assert_int_equal(f.c.duplicates, 1);
    assert_int_equal(stored_in(&f), 1);
    fx_close(&f);
    fake_stop(fake);
}

/* Check that the AMBER row (id in ctx) is in exactly the group quad. */
static int amber_in_quad(const struct rk_store_row *row, void *ctx)
{
    const char *amber = ctx;

    if (strcmp(row->id, amber) == 0) {
        assert_int_equal(row->tlp, RK_TLP_AMBER);
        assert_int_equal(row->n_groups, 1);
        assert_string_equal(row->groups[0], "quad");
    }
    return 0;
}

static int refused_ambiguous(const struct rk_sync_refusal *r, void *ctx)
{
    const char *amber = ctx;

    assert_string_equal(r->object_id, amber);
    assert_non_null(strstr(r->reason, "more than one sharing group"));
    return 0;
}

/* The partner is in two groups and the local collection names none: an AMBER object could
 * belong to either, so it is refused with its reason; CLEAR, GREEN and AMBER+STRICT are kept.
 * Once the collection names one group, the same AMBER object is kept in exactly that one. */
static void test_sync_engine__ambiguous_groups_refuse_amber(void **state)
{
    static char page[8192];
    char clear[1024], green[1024], amber[1024], strict[1024], id[64], amber_id[64];
    struct rk_collection_sharing sh;
    struct rk_store_query q;
    struct fake *fake;
    struct fx f;

    (void)state;
    indicator_json(clear, sizeof(clear), id, 11, RK_TLP_CLEAR, NULL);
    indicator_json(green, sizeof(green), id, 12, RK_TLP_GREEN, NULL);
    indicator_json(amber, sizeof(amber), amber_id, 13, RK_TLP_AMBER, NULL);
    indicator_json(strict, sizeof(strict), id, 14, RK_TLP_AMBER_STRICT, NULL);
    snprintf(page, sizeof(page), "{\"more\":false,\"objects\":[%s,%s,%s,%s]}", clear, green, amber,
             strict);
    {
        const struct fake_step steps[] = {{200, NULL, page, 0, LAST, NULL, 0},
                                          {200, NULL, page, 0, LAST, NULL, 0}};

        fake = fake_start(steps, 2);
    }
    fx_open(&f, fake, RK_SYNC_PULL);
    assert_int_equal(rk_store_group_add(f.st, "jp-asean", "", &f.err), 0);
    assert_int_equal(rk_store_group_member_add(f.st, "jp-asean", "peer", &f.err), 0);
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.stored, 3);
    assert_int_equal(f.c.refused_in, 1);
    assert_int_equal(f.c.refused_in_by[RK_INGRESS_GROUP_AMBIGUOUS], 1);
    assert_int_equal(
            rk_store_sync_refusal_list(f.st, "peer", 0, refused_ambiguous, amber_id, &f.err), 0);

    /* give the collection one group: the AMBER object is kept, in that group only */
    assert_int_equal(rk_store_sharing_get(f.st, f.coll, &sh, &f.err), 0);
    snprintf(sh.groups[0], sizeof(sh.groups[0]), "quad");
    sh.n_groups = 1;
    assert_int_equal(rk_store_sharing_set(f.st, f.coll, &sh, &f.err), 0);
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.stored, 1);
    assert_int_equal(f.c.duplicates, 3);
    assert_int_equal(f.c.refused_in, 0);
    assert_int_equal(stored_in(&f), 4);
    rk_store_query_init(&q);
    q.collection = f.coll;
    q.versions = RK_VERSIONS_ALL;
    q.with_groups = 1;
    assert_int_equal(rk_store_query(f.st, &q, amber_in_quad, amber_id, NULL, &f.err), 0);
    fx_close(&f);
    fake_stop(fake);
}

static void test_sync_engine__window_at_risk(void **state)
{
    const struct fake_step steps[] = {{200, NULL, "{}", 0, NULL, NULL, 0}};
    struct fake *fake = fake_start(steps, 1);
    struct rk_store_batch *b = NULL;
    struct rk_provenance prov = {.kind = "partner", .source = "peer"};
    struct rk_pull_cursor cur;
    struct fx f;

    (void)state;
    fx_open(&f, fake, RK_SYNC_PULL);
    f.p.window_s = 48 * 3600;
    assert_int_equal(rk_store_partner_update(f.st, &f.p, &f.err), 0);
    /* the last complete pull was 30 hours ago: past half of the 48 h window */
    memset(&cur, 0, sizeof(cur));
    snprintf(cur.added_after, sizeof(cur.added_after), LAST);
    cur.caught_up_us = rk_time_now_us() - (int64_t)30 * 3600 * 1000000;
    assert_int_equal(rk_store_batch_begin(&b, f.st, f.coll, &prov, &f.err), 0);
    assert_int_equal(rk_store_pull_cursor_put(b, "peer", "their-intel", f.coll, &cur, &f.err), 0);
    assert_int_equal(rk_store_batch_commit(b, &f.err), 0);
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.window_at_risk, 1);
    /* caught up now: the next run is within the window */
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.window_at_risk, 0);
    fx_close(&f);
    fake_stop(fake);
}

static int count_egress(const struct rk_egress_entry *e, void *ctx)
{
    size_t *n = ctx;

    assert_string_equal(e->partner, "peer");
    (*n)++;
    return 0;
}

static void test_sync_engine__push_by_the_rules_in_small_envelopes(void **state)
{
    const struct fake_step steps[] = {
            {200, NULL,
             "{\"title\":\"p\",\"versions\":[\"application/taxii+json;version=2.1\"],"
             "\"max_content_length\":1200}", 0, NULL, NULL, 0},
            {202, NULL,
             "{\"id\":\"s1\",\"status\":\"complete\",\"total_count\":2,\"success_count\":2,"
             "\"failure_count\":0,\"pending_count\":0}", 0, NULL, NULL, 0}};
    struct fake *fake = fake_start(steps, 2);
    static char json[8][1024];
    const char *list[8];
    const char *groups[] = {"other-group"};
    struct rk_provenance prov = {.kind = "file", .source = "t", .groups = groups, .n_groups = 1};
    struct rk_egress_filter all = {0};
    struct rk_egress_check chk;
    struct rk_push_cursor cur;
    struct fx f;
    char id[64], url[512], auth[128];
    size_t n = 0, body_len = 0;

    (void)state;
    fx_open(&f, fake, RK_SYNC_PUSH);
    /* 5 sendable (CLEAR, GREEN), 1 RED, 1 AMBER of a group the partner is not in */
    for (unsigned i = 0; i < 7; i++) {
        int tlp = i < 3 ? RK_TLP_CLEAR : i < 5 ? RK_TLP_GREEN : i == 5 ? RK_TLP_RED : RK_TLP_AMBER;

        indicator_json(json[i], sizeof(json[i]), id, 100 + i, tlp, NULL);
        list[i] = json[i];
    }
    put_json(f.st, f.coll, &prov, list, 7);
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.sent, 5);
    assert_true(f.c.batches >= 2); /* about 330 bytes each, at most 1200 per envelope */
    fake_last(fake, url, sizeof(url), auth, sizeof(auth), &body_len);
    assert_true(body_len > 0 && body_len <= 1200);
    assert_int_equal(f.c.refused_out[RK_EGRESS_NEVER_RED], 1);
    assert_int_equal(f.c.refused_out[RK_EGRESS_NOT_IN_GROUP], 1);
    assert_int_equal(rk_store_push_cursor_get(f.st, "peer", f.coll, "their-intel", &cur, &f.err),
                     0);
    assert_int_equal(cur.sent, 5);
    assert_int_equal(rk_store_egress_query(f.st, &all, count_egress, &n, &f.err), 0);
    assert_int_equal(n, 5);
    assert_int_equal(rk_store_egress_verify(f.st, &chk, &f.err), 0);
    assert_int_equal(chk.breaks, 0);
    assert_int_equal(chk.entries, 5);
    /* nothing new: nothing sent again (a partner that only knows its API root is enough) */
    fake_stop(fake);
    fake = fake_start(steps, 1);
    snprintf(f.p.api_root, sizeof(f.p.api_root), "http://127.0.0.1:%u/api1/", fake_port(fake));
    assert_int_equal(rk_store_partner_update(f.st, &f.p, &f.err), 0);
    assert_int_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(f.c.sent, 0);
    assert_int_equal(f.c.refused_out[RK_EGRESS_NEVER_RED], 0);
    fx_close(&f);
    fake_stop(fake);
}

static void test_sync_engine__unknown_partner_and_unreachable(void **state)
{
    const struct fake_step steps[] = {{500, NULL, "{}", 0, NULL, NULL, 0}};
    struct fake *fake = fake_start(steps, 1);
    struct rk_sync_state s;
    struct fx f;

    (void)state;
    fx_open(&f, fake, RK_SYNC_PULL);
    assert_int_equal(rk_sync_run(f.st, "nobody", &f.o, &f.c, &f.err), RK_ENOTFOUND);
    fake_stop(fake); /* the partner is gone: connection refused */
    assert_int_not_equal(rk_sync_run(f.st, "peer", &f.o, &f.c, &f.err), 0);
    assert_int_equal(rk_store_sync_state_get(f.st, "peer", &s, &f.err), 0);
    assert_true(s.last_error[0] != '\0');
    assert_int_equal(s.failures, 1);
    assert_int_equal(s.last_success_us, 0);
    fx_close(&f);
}

int test_sync_engine_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_engine__pull_page_refusals_and_duplicates),
            cmocka_unit_test(test_sync_engine__ambiguous_groups_refuse_amber),
            cmocka_unit_test(test_sync_engine__window_at_risk),
            cmocka_unit_test(test_sync_engine__push_by_the_rules_in_small_envelopes),
            cmocka_unit_test(test_sync_engine__unknown_partner_and_unreachable),
    };
    return cmocka_run_group_tests_name("sync_engine", tests, NULL, NULL);
}
