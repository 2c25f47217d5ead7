/* read.c - the TLP x reader matrix of DESIGN.md's sharing table, and proof that the store
 * filter (rk_store_visibility) admits exactly what rk_policy_may_read admits. */
#include "tests.h"

#include <string.h>

#include "renkei/policy.h"

/* How the reader relates to the object: the columns of the matrix. */
enum reader_kind {
    ANONYMOUS,
    OTHER_ORG,   /* authenticated, another organisation, no shared group */
    OTHER_GROUP, /* authenticated, its organisation is in a group the object is not in */
    SAME_GROUP,  /* its organisation is in a group the object belongs to */
    SAME_ORG,    /* the owning organisation */
    NAMED_USER,  /* named as a reader of the object (another organisation) */
    N_READERS
};

static const char *const reader_names[] = {"anonymous",  "other org", "other group",
                                           "same group", "same org",  "named user"};

/* DESIGN.md, column "who may read on this node", written out by hand. */
static const int expected[RK_TLP_RED + 1][N_READERS] = {
        /*               anon other-org other-group same-group same-org named */
        [RK_TLP_CLEAR] = {1, 1, 1, 1, 1, 1},
        [RK_TLP_GREEN] = {0, 1, 1, 1, 1, 1},
        [RK_TLP_AMBER] = {0, 0, 0, 1, 1, 0},
        [RK_TLP_AMBER_STRICT] = {0, 0, 0, 0, 1, 0},
        [RK_TLP_RED] = {0, 0, 0, 0, 0, 1},
};

static const char *const object_groups[] = {"quad"};
static const char *const object_readers[] = {"alice"};
static const char *const tlp_names[] = {"none", "clear", "green", "amber", "amber+strict",
                                        "red"};
static const char *const quad[] = {"quad"};
static const char *const asean[] = {"jp-asean"};

static struct rk_principal reader(enum reader_kind k)
{
    struct rk_principal p = {.authenticated = 1, .user = "bob", .org = "cert-in",
                             .role = RK_ROLE_READER};

    switch (k) {
    case ANONYMOUS: memset(&p, 0, sizeof(p)); break;
    case OTHER_ORG: break;
    case OTHER_GROUP: p.groups = asean; p.n_groups = 1; break;
    case SAME_GROUP: p.groups = quad; p.n_groups = 1; break;
    case SAME_ORG: p.org = "jpcert"; break;
    case NAMED_USER: p.user = "alice"; break;
    case N_READERS: break;
    }
    return p;
}

static struct rk_object_meta object(enum rk_tlp tlp)
{
    struct rk_object_meta m = {.tlp = tlp, .owner_org = "jpcert", .groups = object_groups,
                               .n_groups = 1, .readers = object_readers, .n_readers = 1};
    return m;
}

/* The store's SQL clause, as plain C (mirrors include/renkei/store.h's description). */
static int store_admits(const struct rk_store_visibility *v, const struct rk_object_meta *m)
{
    unsigned bit = 1u << m->tlp;

    if (v->everything || (v->tlp_any & bit))
        return 1;
    if (v->org && strcmp(v->org, m->owner_org) == 0 && (v->tlp_own_org & bit))
        return 1;
    for (size_t i = 0; i < v->n_groups; i++)
        for (size_t j = 0; j < m->n_groups; j++)
            if (strcmp(v->groups[i], m->groups[j]) == 0 && (v->tlp_in_group & bit))
                return 1;
    for (size_t j = 0; v->user && j < m->n_readers; j++)
        if (strcmp(v->user, m->readers[j]) == 0 && (v->tlp_named & bit))
            return 1;
    return 0;
}

static void test_policy_read__matrix_matches_design(void **state)
{
    struct rk_policy pol = {.default_tlp = RK_TLP_AMBER};

    for (int tlp = RK_TLP_CLEAR; tlp <= RK_TLP_RED; tlp++) {
        for (int k = 0; k < N_READERS; k++) {
            struct rk_principal who = reader((enum reader_kind)k);
            struct rk_object_meta m = object((enum rk_tlp)tlp);
            struct rk_store_visibility vis;

            rk_policy_visibility(&pol, &who, &vis);
            if (rk_policy_may_read(&pol, &who, &m) != expected[tlp][k] ||
                store_admits(&vis, &m) != expected[tlp][k])
                fail_msg("TLP:%s read by %s: expected %d, policy %d, store filter %d",
                         tlp_names[tlp], reader_names[k], expected[tlp][k],
                         rk_policy_may_read(&pol, &who, &m), store_admits(&vis, &m));
        }
    }
}

static void test_policy_read__unmarked_follows_the_node_default(void **state)
{
    /* "no marking: treated as the node's configured default (AMBER unless set)" */
    for (int def = RK_TLP_NONE; def <= RK_TLP_RED; def++) {
        struct rk_policy pol = {.default_tlp = (enum rk_tlp)def};
        int as = def == RK_TLP_NONE ? RK_TLP_AMBER : def;

        for (int k = 0; k < N_READERS; k++) {
            struct rk_principal who = reader((enum reader_kind)k);
            struct rk_object_meta m = object(RK_TLP_NONE);
            struct rk_store_visibility vis;

            rk_policy_visibility(&pol, &who, &vis);
            assert_int_equal(rk_policy_may_read(&pol, &who, &m), expected[as][k]);
            assert_int_equal(store_admits(&vis, &m), expected[as][k]);
        }
    }
}

static void test_policy_read__object_without_groups_or_owner(void **state)
{
    struct rk_policy pol = {.default_tlp = RK_TLP_AMBER};
    struct rk_principal who = reader(SAME_GROUP);
    struct rk_object_meta m = {.tlp = RK_TLP_AMBER, .owner_org = ""};

    /* AMBER with no sharing group: only its owner; an empty owner matches nobody */
    assert_false(rk_policy_may_read(&pol, &who, &m));
    who.org = "";
    assert_false(rk_policy_may_read(&pol, &who, &m));
}

static void test_policy_read__role_names(void **state)
{
    enum rk_role r;

    assert_int_equal(rk_role_parse("writer", &r), 0);
    assert_int_equal(r, RK_ROLE_WRITER);
    assert_string_equal(rk_role_name(RK_ROLE_SYNC), "sync");
    assert_int_not_equal(rk_role_parse("root", &r), 0);
}

int test_policy_read_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_policy_read__matrix_matches_design),
            cmocka_unit_test(test_policy_read__unmarked_follows_the_node_default),
            cmocka_unit_test(test_policy_read__object_without_groups_or_owner),
            cmocka_unit_test(test_policy_read__role_names),
    };

    return cmocka_run_group_tests_name("policy_read", tests, NULL, NULL);
}
