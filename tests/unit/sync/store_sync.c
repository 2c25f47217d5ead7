/* store_sync.c - the federation tables: partners, mappings, cursors committed with their page,
 * refusals, and the egress log's hash chain (which must expose any change, removal or
 * reordering of entries). */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/store_access.h"
#include "renkei/stix.h"
#include "renkei/store_sync.h"
#include "store/debug.h"

struct fx {
    char dir[256];
    struct rk_store *st;
    char coll[RK_COLLECTION_ID_MAX];
    struct rk_err err;
};

static void fx_open(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    tmp_dir_make(f->dir, sizeof(f->dir));
    f->st = store_new(f->dir);
    collection_new(f->st, "intel", f->coll, sizeof(f->coll));
    rk_err_clear(&f->err);
    assert_int_equal(rk_store_org_add(f->st, "cisa", "", &f->err), 0);
    assert_int_equal(rk_store_org_add(f->st, "acsc", "", &f->err), 0);
}

static void fx_close(struct fx *f)
{
    rk_store_close(f->st);
    tmp_dir_remove(f->dir);
}

static void partner_make(struct rk_partner *p, const char *name, const char *org)
{
    rk_partner_init(p);
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->org, sizeof(p->org), "%s", org);
    snprintf(p->url, sizeof(p->url), "https://%s.example:8443/taxii2/", name);
    p->auth = RK_PARTNER_AUTH_BEARER;
    snprintf(p->secret, sizeof(p->secret), "token-of-%s", name);
}

static int count_partner(const struct rk_partner *p, void *ctx)
{
    (void)p;
    ++*(int *)ctx;
    return 0;
}

static void test_sync_store__partners(void **state)
{
    struct rk_partner p, got;
    struct fx f;
    int64_t gen0, gen1;
    int n = 0;

    (void)state;
    fx_open(&f);
    assert_int_equal(rk_store_access_generation(f.st, &gen0, &f.err), 0);
    partner_make(&p, "us", "cisa");
    p.ceiling = RK_TLP_AMBER;
    p.window_s = 48 * 3600;
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), 0);
    /* a change of partners is a change of who reads what over TAXII */
    assert_int_equal(rk_store_access_generation(f.st, &gen1, &f.err), 0);
    assert_true(gen1 > gen0);
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), RK_EEXISTS);
    partner_make(&p, "us2", "cisa"); /* one partner per organisation */
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), RK_EEXISTS);
    partner_make(&p, "in", "cert-in"); /* the organisation must exist */
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), RK_ENOTFOUND);
    assert_non_null(strstr(f.err.message, "org add"));
    partner_make(&p, "bad name!", "acsc");
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), RK_EFORMAT);

    assert_int_equal(rk_store_partner_get(f.st, "us", &got, &f.err), 0);
    assert_string_equal(got.org, "cisa");
    assert_string_equal(got.secret, "token-of-us");
    assert_int_equal(got.ceiling, RK_TLP_AMBER);
    assert_int_equal(got.window_s, 48 * 3600);
    assert_int_equal(got.unmarked, RK_TLP_AMBER_STRICT);
    assert_true(got.created_us > 0);
    assert_int_equal(rk_store_partner_by_org(f.st, "cisa", &got, &f.err), 0);
    assert_string_equal(got.name, "us");
    assert_int_equal(rk_store_partner_by_org(f.st, "acsc", &got, &f.err), RK_ENOTFOUND);

    got.ceiling = RK_TLP_GREEN;
    got.paused = 1;
    assert_int_equal(rk_store_partner_update(f.st, &got, &f.err), 0);
    assert_int_equal(rk_store_partner_get(f.st, "us", &p, &f.err), 0);
    assert_int_equal(p.ceiling, RK_TLP_GREEN);
    assert_int_equal(p.paused, 1);
    partner_make(&p, "au", "acsc");
    assert_int_equal(rk_store_partner_update(f.st, &p, &f.err), RK_ENOTFOUND);
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), 0);
    assert_int_equal(rk_store_partner_list(f.st, count_partner, &n, &f.err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rk_store_partner_remove(f.st, "au", &f.err), 0);
    assert_int_equal(rk_store_partner_remove(f.st, "au", &f.err), RK_ENOTFOUND);
    assert_int_equal(rk_store_partner_get(f.st, "au", &p, &f.err), RK_ENOTFOUND);
    fx_close(&f);
}

struct maplist {
    char text[512];
};

static int list_mapping(const struct rk_sync_mapping *m, void *ctx)
{
    struct maplist *l = ctx;
    size_t len = strlen(l->text);

    snprintf(l->text + len, sizeof(l->text) - len, "%s%s:%s:%.8s", len ? " " : "",
             m->dir == RK_SYNC_PULL ? "pull" : "push", m->remote, m->local);
    return 0;
}

static void test_sync_store__mappings(void **state)
{
    struct rk_sync_mapping m = {.dir = RK_SYNC_PULL};
    struct rk_partner p;
    struct maplist l = {""};
    char expect[256], other[RK_COLLECTION_ID_MAX];
    struct fx f;

    (void)state;
    fx_open(&f);
    partner_make(&p, "us", "cisa");
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), 0);
    snprintf(m.remote, sizeof(m.remote), "ais-indicators"); /* not a UUID: any string */
    snprintf(m.local, sizeof(m.local), "intel");            /* an alias: stored as the id */
    assert_int_equal(rk_store_mapping_add(f.st, "us", &m, &f.err), 0);
    assert_int_equal(rk_store_mapping_add(f.st, "us", &m, &f.err), RK_EEXISTS);
    assert_int_equal(rk_store_mapping_add(f.st, "nobody", &m, &f.err), RK_ENOTFOUND);
    m.dir = RK_SYNC_PUSH;
    snprintf(m.remote, sizeof(m.remote), "inbox");
    assert_int_equal(rk_store_mapping_add(f.st, "us", &m, &f.err), 0);
    snprintf(m.local, sizeof(m.local), "no-such-collection");
    assert_int_equal(rk_store_mapping_add(f.st, "us", &m, &f.err), RK_ENOTFOUND);
    assert_int_equal(rk_store_mapping_list(f.st, "us", list_mapping, &l, &f.err), 0);
    snprintf(expect, sizeof(expect), "pull:ais-indicators:%.8s push:inbox:%.8s", f.coll, f.coll);
    assert_string_equal(l.text, expect);

    /* removing the local collection removes its mappings */
    collection_new(f.st, "other", other, sizeof(other));
    m.dir = RK_SYNC_PULL;
    snprintf(m.local, sizeof(m.local), "%s", other);
    assert_int_equal(rk_store_mapping_add(f.st, "us", &m, &f.err), 0);
    assert_int_equal(rk_store_collection_remove(f.st, "other", &f.err), 0);
    l.text[0] = '\0';
    assert_int_equal(rk_store_mapping_list(f.st, "us", list_mapping, &l, &f.err), 0);
    assert_string_equal(l.text, expect);
    m.dir = RK_SYNC_PUSH;
    snprintf(m.local, sizeof(m.local), "intel");
    assert_int_equal(rk_store_mapping_remove(f.st, "us", &m, &f.err), 0);
    assert_int_equal(rk_store_mapping_remove(f.st, "us", &m, &f.err), RK_ENOTFOUND);
    fx_close(&f);
}

/* The cursor goes in the page's transaction: aborted with it, committed with it. */
static void test_sync_store__pull_cursor_with_its_page(void **state)
{
    struct rk_provenance prov = {.kind = RK_PROV_PARTNER, .source = "us", .org = "cisa"};
    struct rk_pull_cursor c = {0}, got;
    struct rk_store_batch *b = NULL;
    struct rk_store_query q;
    uint64_t n = 0;
    struct fx f;

    (void)state;
    fx_open(&f);
    snprintf(c.added_after, sizeof(c.added_after), "2024-05-01T00:00:00.123456Z");
    snprintf(c.next, sizeof(c.next), "opaque-token");
    c.pages = 1;
    c.stored = 7;
    assert_int_equal(rk_store_batch_begin(&b, f.st, f.coll, &prov, &f.err), 0);
    assert_int_equal(rk_store_pull_cursor_put(b, "us", "remote-1", f.coll, &c, &f.err), 0);
    rk_store_batch_abort(b);
    assert_int_equal(rk_store_pull_cursor_get(f.st, "us", "remote-1", f.coll, &got, &f.err), 0);
    assert_string_equal(got.added_after, ""); /* nothing of the aborted page */

    assert_int_equal(rk_store_batch_begin(&b, f.st, f.coll, &prov, &f.err), 0);
    {
        char json[1024], id[64];
        const char *texts[1] = {json};
        struct rk_stix_object *o = NULL;
        struct rk_store_object so;

        indicator_json(json, sizeof(json), id, 1, RK_TLP_GREEN, NULL);
        assert_int_equal(rk_stix_object_parse(&o, texts[0], strlen(json), NULL, NULL, &f.err),
                         0);
        rk_store_object_from_stix(&so, o);
        assert_int_equal(rk_store_batch_put(b, &so, NULL, NULL, &f.err), 0);
        rk_stix_object_free(o);
    }
    assert_int_equal(rk_store_pull_cursor_put(b, "us", "remote-1", f.coll, &c, &f.err), 0);
    assert_int_equal(rk_store_batch_commit(b, &f.err), 0);
    assert_int_equal(rk_store_pull_cursor_get(f.st, "us", "remote-1", f.coll, &got, &f.err), 0);
    assert_string_equal(got.added_after, "2024-05-01T00:00:00.123456Z");
    assert_string_equal(got.next, "opaque-token");
    assert_int_equal(got.stored, 7);
    rk_store_query_init(&q);
    assert_int_equal(rk_store_count(f.st, &q, &n, &f.err), 0);
    assert_int_equal(n, 1);
    fx_close(&f);
}

static int count_refusal(const struct rk_sync_refusal *r, void *ctx)
{
    unsigned *n = ctx;

    assert_string_equal(r->partner, "us");
    (*n)++;
    return 0;
}

static void test_sync_store__push_commit_and_refusals(void **state)
{
    struct rk_push_cursor c = {0}, got;
    struct rk_push_result r = {.batch = "b-1", .partner = "us", .collection = "inbox",
                               .http_status = 202, .status_id = "s-1", .total = 3, .success = 2,
                               .failure = 1};
    struct rk_sync_refusal fail = {.partner = "us", .dir = RK_SYNC_PUSH, .collection = "inbox",
                                   .object_id = "indicator--x", .version = "v",
                                   .reason = "their reason"};
    struct rk_partner p;
    unsigned n = 0;
    struct fx f;

    (void)state;
    fx_open(&f);
    partner_make(&p, "us", "cisa");
    assert_int_equal(rk_store_partner_add(f.st, &p, &f.err), 0);
    c.date_added = 1234;
    c.sent = 3;
    c.refused[RK_EGRESS_NEVER_RED] = 2;
    c.refused[RK_EGRESS_BACK_TO_SOURCE] = 5;
    assert_int_equal(rk_store_push_commit(f.st, "us", f.coll, "inbox", &c, &r, &fail, 1, &f.err),
                     0);
    assert_int_equal(rk_store_push_cursor_get(f.st, "us", f.coll, "inbox", &got, &f.err), 0);
    assert_int_equal(got.date_added, 1234);
    assert_int_equal(got.sent, 3);
    assert_int_equal(got.refused[RK_EGRESS_NEVER_RED], 2);
    assert_int_equal(got.refused[RK_EGRESS_BACK_TO_SOURCE], 5);
    assert_int_equal(got.refused[RK_EGRESS_NOT_IN_GROUP], 0);
    assert_int_equal(rk_store_sync_refusal_list(f.st, "us", 0, count_refusal, &n, &f.err), 0);
    assert_int_equal(n, 1);

    /* refusals are capped per partner and direction */
    for (unsigned i = 0; i < 120; i++) {
        struct rk_sync_refusal many[100];

        for (int k = 0; k < 100; k++) {
            many[k] = fail;
            many[k].dir = RK_SYNC_PULL;
        }
        assert_int_equal(rk_store_sync_refusal_add(f.st, many, 100, &f.err), 0);
    }
    n = 0;
    assert_int_equal(rk_store_sync_refusal_list(f.st, NULL, 0, count_refusal, &n, &f.err), 0);
    assert_int_equal(n, RK_SYNC_REFUSALS_KEEP + 1);
    fx_close(&f);
}

static void egress_add(struct fx *f, const char *partner, unsigned from, unsigned count)
{
    struct rk_egress_entry e[16];
    char ids[16][64];

    assert_true(count <= 16);
    for (unsigned i = 0; i < count; i++) {
        memset(&e[i], 0, sizeof(e[i]));
        snprintf(ids[i], sizeof(ids[i]), "indicator--%08x-0000-4000-8000-000000000000",
                 from + i);
        e[i].partner = partner;
        e[i].collection = "inbox";
        e[i].object_id = ids[i];
        e[i].version = "2024-01-01T00:00:00.000Z";
        e[i].sha256[0] = (uint8_t)(from + i);
        e[i].batch = "batch";
    }
    assert_int_equal(rk_store_egress_append(f->st, e, count, &f->err), 0);
    assert_int_equal(e[count - 1].seq, from + count);
}

static struct rk_egress_check verify(struct fx *f)
{
    struct rk_egress_check c;

    assert_int_equal(rk_store_egress_verify(f->st, &c, &f->err), 0);
    return c;
}

static void test_sync_store__egress_chain(void **state)
{
    struct rk_egress_check c;
    struct fx f;

    (void)state;
    fx_open(&f);
    c = verify(&f);
    assert_int_equal(c.entries, 0);
    assert_int_equal(c.first_bad_seq, 0);
    egress_add(&f, "us", 0, 10);
    egress_add(&f, "au", 10, 10);
    c = verify(&f);
    assert_int_equal(c.entries, 20);
    assert_int_equal(c.breaks, 0);
    assert_int_equal(c.head_seq, 20);

    /* the table refuses changes */
    assert_int_not_equal(rk_store_debug_exec(f.st, "UPDATE egress_log SET partner = 'x'", &f.err),
                         0);
    assert_non_null(strstr(f.err.message, "append-only"));
    assert_int_not_equal(rk_store_debug_exec(f.st, "DELETE FROM egress_log WHERE seq = 3",
                                             &f.err),
                         0);

    /* someone with the database file drops the triggers and edits: the chain shows where */
    assert_int_equal(rk_store_debug_exec(f.st, "DROP TRIGGER egress_log_no_update;"
                                               "DROP TRIGGER egress_log_no_delete;",
                                         &f.err),
                     0);
    assert_int_equal(rk_store_debug_exec(f.st, "UPDATE egress_log SET partner = 'in'"
                                               " WHERE seq = 7",
                                         &f.err),
                     0);
    c = verify(&f);
    assert_int_equal(c.first_bad_seq, 7);
    assert_int_equal(c.breaks, 1);
    assert_non_null(strstr(c.problem, "changed"));
    assert_int_equal(rk_store_debug_exec(f.st, "UPDATE egress_log SET partner = 'us'"
                                               " WHERE seq = 7",
                                         &f.err),
                     0);
    assert_int_equal(verify(&f).breaks, 0);

    assert_int_equal(rk_store_debug_exec(f.st, "DELETE FROM egress_log WHERE seq = 12", &f.err),
                     0);
    c = verify(&f);
    assert_int_equal(c.first_bad_seq, 13);
    assert_non_null(strstr(c.problem, "missing"));

    /* an entry forged with a recomputed hash still breaks its successor's link */
    assert_int_equal(rk_store_debug_exec(f.st, "UPDATE egress_log SET hash = zeroblob(32)"
                                               " WHERE seq = 2",
                                         &f.err),
                     0);
    c = verify(&f);
    assert_int_equal(c.first_bad_seq, 2);
    assert_int_equal(c.breaks, 3); /* 2's hash, 3's link, the gap at 13 */
    fx_close(&f);
}

int test_sync_store_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_store__partners),
            cmocka_unit_test(test_sync_store__mappings),
            cmocka_unit_test(test_sync_store__pull_cursor_with_its_page),
            cmocka_unit_test(test_sync_store__push_commit_and_refusals),
            cmocka_unit_test(test_sync_store__egress_chain),
    };

    return cmocka_run_group_tests_name("sync_store", tests, NULL, NULL);
}
