/* rights.c - collection read/write rights: org, group, authenticated and public grants, and
 * the roles writing needs. */
#include "tests.h"

#include <string.h>

#include "renkei/policy.h"

static const char *const quad[] = {"quad"};

static struct rk_principal user(const char *org, enum rk_role role, int in_quad)
{
    struct rk_principal p = {.authenticated = 1, .user = "u", .org = org, .role = role};

    if (in_quad) {
        p.groups = quad;
        p.n_groups = 1;
    }
    return p;
}

static void rights(const struct rk_principal *p, const struct rk_collection_grant *g, size_t n,
                   int want_read, int want_write)
{
    int r, w;

    rk_policy_collection_rights(p, g, n, &r, &w);
    assert_int_equal(r, want_read);
    assert_int_equal(w, want_write);
}

static void test_policy_rights__org_and_group(void **state)
{
    const struct rk_collection_grant g[] = {
            {RK_GRANT_ORG, "jpcert", 1, 1},
            {RK_GRANT_GROUP, "quad", 1, 0},
    };
    struct rk_principal jp_writer = user("jpcert", RK_ROLE_WRITER, 1),
                        jp_reader = user("jpcert", RK_ROLE_READER, 1),
                        cisa = user("cisa", RK_ROLE_WRITER, 1),
                        other = user("other", RK_ROLE_ADMIN, 0), anon = {0};

    rights(&jp_writer, g, 2, 1, 1);
    rights(&jp_reader, g, 2, 1, 0); /* the reader role never writes */
    rights(&cisa, g, 2, 1, 0);      /* the group grant is read-only */
    rights(&other, g, 2, 0, 0);
    rights(&anon, g, 2, 0, 0);
    rights(&jp_writer, NULL, 0, 0, 0);
}

static void test_policy_rights__public_and_authenticated(void **state)
{
    const struct rk_collection_grant pub[] = {{RK_GRANT_PUBLIC, "", 1, 1}};
    const struct rk_collection_grant all[] = {{RK_GRANT_AUTHENTICATED, "", 1, 1}};
    struct rk_principal anon = {0}, w = user("x", RK_ROLE_SYNC, 0);

    /* public grants read to anyone and never write, even when configured to */
    rights(&anon, pub, 1, 1, 0);
    rights(&w, pub, 1, 1, 0);
    rights(&anon, all, 1, 0, 0);
    rights(&w, all, 1, 1, 1);
}

static void test_policy_rights__subject_names(void **state)
{
    enum rk_grant_subject k;

    assert_int_equal(rk_grant_subject_parse("group", &k), 0);
    assert_int_equal(k, RK_GRANT_GROUP);
    assert_string_equal(rk_grant_subject_name(RK_GRANT_PUBLIC), "public");
    assert_int_equal(rk_grant_subject_parse("everyone", &k), RK_EFORMAT);
}

int test_policy_rights_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_policy_rights__org_and_group),
            cmocka_unit_test(test_policy_rights__public_and_authenticated),
            cmocka_unit_test(test_policy_rights__subject_names),
    };

    return cmocka_run_group_tests_name("policy_rights", tests, NULL, NULL);
}
