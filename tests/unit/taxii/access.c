/* access.c - the access-control tables of the store: organisations, groups, users and
 * credentials, grants, sharing defaults, the access generation, statuses, the append-only audit
 * log and node secrets. */
#include "tests.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tmpdir.h"
#include "renkei/store_access.h"
#include "renkei/stix.h"
#include "store/debug.h"

static char dir[256];
static struct rk_store *st;

static int setup(void **state)
{
    struct rk_collection c;

    rk_test_tmp_dir_make(dir, sizeof(dir), "access");
    if (rk_store_open(&st, dir, RK_STORE_CREATE, NULL) != 0)
        return -1;
    memset(&c, 0, sizeof(c));
    snprintf(c.alias, sizeof(c.alias), "main");
    snprintf(c.title, sizeof(c.title), "Main");
    return rk_store_collection_add(st, &c, NULL);
}

static int teardown(void **state)
{
    rk_store_close(st);
    rk_test_tmp_dir_remove(dir);
    return 0;
}

static int64_t generation(void)
{
    int64_t g = 0;

    assert_int_equal(rk_store_access_generation(st, &g, NULL), 0);
    return g;
}

static int collect(const char *name, void *ctx)
{
    char *out = ctx;
    size_t n = strlen(out);

    snprintf(out + n, 256 - n, "%s,", name); /* every list here is a 256-byte buffer */
    return 0;
}

static void test_taxii_access__orgs_and_groups(void **state)
{
    struct rk_org_info o;
    struct rk_err err;
    char list[256] = "";
    int64_t g0 = generation();

    assert_int_equal(rk_store_org_add(st, "jpcert", "JPCERT/CC", NULL), 0);
    assert_int_equal(rk_store_org_add(st, "cert-in", "", NULL), 0);
    assert_true(generation() > g0);
    assert_int_equal(rk_store_org_add(st, "jpcert", "", &err), RK_EEXISTS);
    assert_int_equal(rk_store_org_add(st, "bad name", "", &err), RK_EFORMAT);
    assert_int_equal(rk_store_org_get(st, "jpcert", &o, NULL), 0);
    assert_string_equal(o.title, "JPCERT/CC");
    assert_int_equal(rk_store_group_add(st, "quad", "Quad", NULL), 0);
    assert_int_equal(rk_store_group_member_add(st, "quad", "jpcert", NULL), 0);
    assert_int_equal(rk_store_group_member_add(st, "quad", "cert-in", NULL), 0);
    assert_int_equal(rk_store_group_member_add(st, "quad", "jpcert", &err), RK_EEXISTS);
    assert_int_equal(rk_store_group_member_add(st, "quad", "nobody", &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_group_members(st, "quad", collect, list, NULL), 0);
    assert_string_equal(list, "cert-in,jpcert,");
    list[0] = '\0';
    assert_int_equal(rk_store_org_groups(st, "jpcert", collect, list, NULL), 0);
    assert_string_equal(list, "quad,");
    assert_int_equal(rk_store_group_member_remove(st, "quad", "cert-in", NULL), 0);
    assert_int_equal(rk_store_group_member_remove(st, "quad", "cert-in", &err), RK_ENOTFOUND);
}

static void test_taxii_access__users_and_credentials(void **state)
{
    char token[RK_SECRET_TOKEN_LEN + 1], user[RK_NAME_MAX + 1];
    struct rk_secret_hash h, got;
    struct rk_user_info u;
    struct rk_err err;

    rk_policy_secret_new(token, &h);
    assert_int_equal(rk_store_user_add(st, "alice", "jpcert", RK_ROLE_WRITER, &h, NULL), 0);
    assert_int_equal(rk_store_user_add(st, "alice", "jpcert", RK_ROLE_WRITER, &h, &err),
                     RK_EEXISTS);
    assert_int_equal(rk_store_user_add(st, "bob", "nowhere", RK_ROLE_READER, &h, &err),
                     RK_ENOTFOUND);
    assert_int_equal(rk_store_user_get(st, "alice", &u, NULL), 0);
    assert_string_equal(u.org, "jpcert");
    assert_int_equal(u.role, RK_ROLE_WRITER);
    assert_int_equal(u.n_secrets, 1);
    assert_int_equal(rk_store_credential_by_key(st, h.key_id, user, &got, NULL), 0);
    assert_string_equal(user, "alice");
    assert_int_equal(rk_policy_secret_verify(&got, token, strlen(token)), 0);
    /* a reset replaces the secret: the old key id is gone */
    {
        char t2[RK_SECRET_TOKEN_LEN + 1];
        struct rk_secret_hash h2;

        rk_policy_secret_new(t2, &h2);
        assert_int_equal(rk_store_user_set_secret(st, "alice", &h2, NULL), 0);
        assert_int_equal(rk_store_credential_by_key(st, h.key_id, user, &got, &err),
                         RK_ENOTFOUND);
        assert_int_equal(rk_store_credential_by_key(st, h2.key_id, user, &got, NULL), 0);
    }
    assert_int_equal(rk_store_user_cert_add(st, "alice", "ab01ab01ab01ab01ab01ab01ab01ab01"
                                                     "ab01ab01ab01ab01ab01ab01ab01ab01",
                                            NULL),
                     0);
    assert_int_equal(rk_store_credential_by_cert(st, "ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"
                                                     "ab01ab01ab01ab01ab01ab01",
                                                 user, NULL),
                     0);
    assert_string_equal(user, "alice");
    /* an organisation with users cannot go */
    assert_int_equal(rk_store_org_remove(st, "jpcert", &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "users"));
}

static int count_grant(const char *coll, const struct rk_collection_grant *g, void *ctx)
{
    (*(int *)ctx)++;
    return 0;
}

static void test_taxii_access__grants_and_sharing(void **state)
{
    struct rk_collection_grant g = {RK_GRANT_GROUP, "quad", 1, 0}, o = {RK_GRANT_ORG, "x", 1, 1};
    struct rk_collection_sharing sh, got;
    struct rk_collection c;
    struct rk_err err;
    int n = 0;

    assert_int_equal(rk_store_collection_get(st, "main", &c, NULL), 0);
    assert_int_equal(rk_store_grant_set(st, "main", &g, NULL), 0);
    assert_int_equal(rk_store_grant_set(st, "main", &o, &err), RK_ENOTFOUND);
    g.can_write = 1; /* set again: replaced, not added */
    assert_int_equal(rk_store_grant_set(st, c.id, &g, NULL), 0);
    assert_int_equal(rk_store_grant_list(st, c.id, count_grant, &n, NULL), 0);
    assert_int_equal(n, 1);
    memset(&sh, 0, sizeof(sh));
    snprintf(sh.groups[0], sizeof(sh.groups[0]), "quad");
    sh.n_groups = 1;
    sh.unmarked = RK_UNMARKED_ASSUME;
    sh.assume_tlp = RK_TLP_GREEN;
    assert_int_equal(rk_store_sharing_set(st, "main", &sh, NULL), 0);
    assert_int_equal(rk_store_sharing_get(st, "main", &got, NULL), 0);
    assert_int_equal(got.n_groups, 1);
    assert_string_equal(got.groups[0], "quad");
    assert_int_equal(got.unmarked, RK_UNMARKED_ASSUME);
    assert_int_equal(got.assume_tlp, RK_TLP_GREEN);
    snprintf(sh.groups[0], sizeof(sh.groups[0]), "nogroup");
    assert_int_equal(rk_store_sharing_set(st, "main", &sh, &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_grant_remove(st, c.id, RK_GRANT_GROUP, "quad", NULL), 0);
    assert_int_equal(rk_store_grant_remove(st, c.id, RK_GRANT_GROUP, "quad", &err),
                     RK_ENOTFOUND);
}

static int count_record(const struct rk_audit_record *r, void *ctx)
{
    int *n = ctx;

    (*n)++;
    assert_string_equal(r->action, *n == 1 ? "read" : "write");
    return 0;
}

static void test_taxii_access__audit_is_append_only(void **state)
{
    struct rk_audit_record r[2] = {
            {0, 1000, "alice", "jpcert", "127.0.0.1", "read", "objects", "c", "limit=1", 200, 1},
            {0, 2000, "alice", "jpcert", "127.0.0.1", "write", "objects", "c", "id", 202, 5}};
    struct rk_audit_filter f = {.user = "alice"};
    char path[300];
    sqlite3 *db;
    char *msg = NULL;
    int n = 0;

    assert_int_equal(rk_store_audit_append(st, r, 2, NULL), 0);
    assert_int_equal(rk_store_audit_query(st, &f, count_record, &n, NULL), 0);
    assert_int_equal(n, 2);
    f.limit = 1; /* the most recent one */
    f.action = "write";
    n = 1;
    assert_int_equal(rk_store_audit_query(st, &f, count_record, &n, NULL), 0);
    assert_int_equal(n, 2);
    /* whoever opens the log's database cannot change or remove records */
    snprintf(path, sizeof(path), "%s/audit.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET user = 'mallory'", 0, 0, &msg),
                         SQLITE_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log", 0, 0, &msg), SQLITE_OK);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    sqlite3_close(db);
}

static void test_taxii_access__status_and_secrets(void **state)
{
    uint8_t a[32], b[32];
    struct rk_store *other;
    char user[RK_NAME_MAX + 1], *json;
    struct rk_err err;
    size_t len;

    assert_int_equal(rk_store_status_put(st, "s-old", "alice", 1000, "{}", 2, 0, NULL), 0);
    assert_int_equal(rk_store_status_put(st, "s-new", "alice", 5000, "{\"a\":1}", 7, 2000, NULL),
                     0);
    assert_int_equal(rk_store_status_get(st, "s-new", user, &json, &len, NULL), 0);
    assert_string_equal(json, "{\"a\":1}");
    assert_string_equal(user, "alice");
    free(json);
    assert_int_equal(rk_store_status_get(st, "s-old", user, &json, &len, &err), RK_ENOTFOUND);
    /* node secrets: made once, the same for every handle */
    assert_int_equal(rk_store_node_secret(st, "k", a, sizeof(a), NULL), 0);
    assert_int_equal(rk_store_open(&other, dir, 0, NULL), 0);
    assert_int_equal(rk_store_node_secret(other, "k", b, sizeof(b), NULL), 0);
    assert_memory_equal(a, b, sizeof(a));
    rk_store_close(other);
}

static void test_taxii_access__removing_a_collection(void **state)
{
    struct rk_collection_grant g = {RK_GRANT_AUTHENTICATED, "", 1, 0};
    struct rk_collection c;
    int64_t g0;
    int n = 0;

    memset(&c, 0, sizeof(c));
    snprintf(c.alias, sizeof(c.alias), "gone");
    assert_int_equal(rk_store_collection_add(st, &c, NULL), 0);
    assert_int_equal(rk_store_grant_set(st, c.id, &g, NULL), 0);
    g0 = generation();
    assert_int_equal(rk_store_collection_remove(st, "gone", NULL), 0);
    assert_true(generation() > g0);
    assert_int_equal(rk_store_grant_list(st, c.id, count_grant, &n, NULL), 0);
    assert_int_equal(n, 0);
}

/* Put one parsed object into collection main with provenance prov. */
static void put_with(const char *json, const struct rk_provenance *prov)
{
    struct rk_stix_object *o = NULL;
    struct rk_store_batch *b = NULL;
    struct rk_store_object so;
    struct rk_err err;

    assert_int_equal(rk_stix_object_parse(&o, json, strlen(json), NULL, NULL, &err), 0);
    rk_store_object_from_stix(&so, o);
    assert_int_equal(rk_store_batch_begin(&b, st, "main", prov, &err), 0);
    assert_int_equal(rk_store_batch_put(b, &so, NULL, NULL, &err), 0);
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    rk_stix_object_free(o);
}

/* A store upgraded to schema access 2 retires the names that objects posted over TAXII still
 * hold but whose user, organisation or group was removed before; names an operator gave on
 * import stay free (they may name entities yet to be made). */
static void test_taxii_access__names_retired_on_upgrade(void **state)
{
#define IND(n) "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" \
               "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3" n "\",\"created\":\"2016-04-06T20:03:48.000Z\"," \
               "\"modified\":\"2016-04-06T20:03:48.000Z\",\"pattern\":\"[url:value = 'http://x']\"," \
               "\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00Z\"}"
    const char *gone_readers[] = {"gone-user"}, *gone_groups[] = {"gone-group"};
    const char *future_readers[] = {"future-user"};
    struct rk_provenance posted = {"user", "gone-user", "gone-org", gone_groups, 1,
                                   gone_readers, 1};
    struct rk_provenance imported = {"file", "x.json", "future-org", NULL, 0, future_readers, 1};
    char token[RK_SECRET_TOKEN_LEN + 1];
    struct rk_secret_hash h;
    struct rk_err err;

    put_with(IND("1"), &posted);
    put_with(IND("2"), &imported);
    assert_int_equal(rk_store_debug_exec(st,
                                         "DROP TABLE retired_names; DELETE FROM schema_migrations"
                                         " WHERE component = 'access' AND step = 2",
                                         &err),
                     0);
    rk_store_close(st);
    assert_int_equal(rk_store_open(&st, dir, 0, &err), 0);
    rk_policy_secret_new(token, &h);
    assert_int_equal(rk_store_org_add(st, "gone-org", NULL, &err), RK_EEXISTS);
    assert_int_equal(rk_store_group_add(st, "gone-group", NULL, &err), RK_EEXISTS);
    assert_int_equal(rk_store_org_add(st, "future-org", NULL, &err), 0);
    assert_int_equal(rk_store_user_add(st, "gone-user", "future-org", RK_ROLE_READER, &h, &err),
                     RK_EEXISTS);
    assert_int_equal(rk_store_user_add(st, "future-user", "future-org", RK_ROLE_READER, &h, &err),
                     0);
#undef IND
}

int test_taxii_access_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_access__orgs_and_groups),
            cmocka_unit_test(test_taxii_access__users_and_credentials),
            cmocka_unit_test(test_taxii_access__grants_and_sharing),
            cmocka_unit_test(test_taxii_access__audit_is_append_only),
            cmocka_unit_test(test_taxii_access__status_and_secrets),
            cmocka_unit_test(test_taxii_access__removing_a_collection),
            cmocka_unit_test(test_taxii_access__names_retired_on_upgrade),
    };

    return cmocka_run_group_tests_name("taxii_access", tests, setup, teardown);
}
