/* egress.c - what sync may send to which partner (DESIGN.md, column "may sync send it"). */
#include "tests.h"

#include "renkei/policy.h"

static const char *const quad[] = {"quad"};
static const char *const asean[] = {"jp-asean"};

static struct rk_partner_view partner(const char *name, const char *org,
                                      const char *const *groups, enum rk_tlp ceiling)
{
    struct rk_partner_view p = {.name = name, .org = org, .groups = groups,
                                .n_groups = groups ? 1 : 0, .ceiling = ceiling};
    return p;
}

static void test_policy_egress__sharing_table(void **state)
{
    struct rk_policy pol = {.default_tlp = RK_TLP_AMBER};
    struct rk_partner_view us = partner("us", "cisa", quad, RK_TLP_NONE);
    struct rk_partner_view th = partner("th", "thaicert", asean, RK_TLP_NONE);
    struct rk_object_meta m = {.owner_org = "jpcert", .groups = quad, .n_groups = 1};

    m.tlp = RK_TLP_CLEAR;
    assert_int_equal(rk_policy_may_send(&pol, &us, &m), RK_EGRESS_SEND);
    assert_int_equal(rk_policy_may_send(&pol, &th, &m), RK_EGRESS_SEND);
    m.tlp = RK_TLP_GREEN;
    assert_int_equal(rk_policy_may_send(&pol, &th, &m), RK_EGRESS_SEND);
    m.tlp = RK_TLP_AMBER; /* only to partners in that group */
    assert_int_equal(rk_policy_may_send(&pol, &us, &m), RK_EGRESS_SEND);
    assert_int_equal(rk_policy_may_send(&pol, &th, &m), RK_EGRESS_NOT_IN_GROUP);
    m.tlp = RK_TLP_NONE; /* unmarked counts as the default, AMBER */
    assert_int_equal(rk_policy_may_send(&pol, &th, &m), RK_EGRESS_NOT_IN_GROUP);
    m.tlp = RK_TLP_RED;
    assert_int_equal(rk_policy_may_send(&pol, &us, &m), RK_EGRESS_NEVER_RED);
}

static void test_policy_egress__amber_strict_only_to_owner_never_forwarded(void **state)
{
    struct rk_policy pol = {.default_tlp = RK_TLP_AMBER};
    struct rk_partner_view owner = partner("jp", "jpcert", quad, RK_TLP_NONE);
    struct rk_partner_view other = partner("us", "cisa", quad, RK_TLP_NONE);
    struct rk_object_meta m = {.tlp = RK_TLP_AMBER_STRICT, .owner_org = "jpcert",
                               .groups = quad, .n_groups = 1};

    assert_int_equal(rk_policy_may_send(&pol, &owner, &m), RK_EGRESS_SEND);
    assert_int_equal(rk_policy_may_send(&pol, &other, &m), RK_EGRESS_STRICT_NOT_OWNER);
    m.source_partner = "au"; /* received from a partner: never forwarded, even to its owner */
    assert_int_equal(rk_policy_may_send(&pol, &owner, &m), RK_EGRESS_STRICT_NOT_OWNER);
}

static void test_policy_egress__never_back_and_ceiling(void **state)
{
    struct rk_policy pol = {.default_tlp = RK_TLP_AMBER};
    struct rk_partner_view au = partner("au", "acsc", quad, RK_TLP_GREEN);
    struct rk_object_meta m = {.tlp = RK_TLP_CLEAR, .source_partner = "au"};

    assert_int_equal(rk_policy_may_send(&pol, &au, &m), RK_EGRESS_BACK_TO_SOURCE);
    m.source_partner = "in";
    assert_int_equal(rk_policy_may_send(&pol, &au, &m), RK_EGRESS_SEND);
    m.tlp = RK_TLP_AMBER;
    m.groups = quad;
    m.n_groups = 1;
    assert_int_equal(rk_policy_may_send(&pol, &au, &m), RK_EGRESS_ABOVE_CEILING);
    assert_string_equal(rk_egress_verdict_text(RK_EGRESS_ABOVE_CEILING),
                        "above the partner's TLP ceiling");
}

int test_policy_egress_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_policy_egress__sharing_table),
            cmocka_unit_test(test_policy_egress__amber_strict_only_to_owner_never_forwarded),
            cmocka_unit_test(test_policy_egress__never_back_and_ceiling),
    };

    return cmocka_run_group_tests_name("policy_egress", tests, NULL, NULL);
}
