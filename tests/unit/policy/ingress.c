/* ingress.c - what a partner may give this node, and which sharing groups it lands in: an
 * object whose sharing depends on its group (AMBER) must land in exactly one, so a link whose
 * receiving collection leaves several groups in common with the partner refuses it. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/policy.h"

static const char *const quad[] = {"quad"};
static const char *const both[] = {"jp-asean", "quad"};

/* A valid indicator marked tlp (RK_TLP_NONE: unmarked). */
static struct rk_stix_object *indicator(enum rk_tlp tlp)
{
    struct rk_stix_object *o = NULL;
    char json[1024], marking[128] = "";
    struct rk_err err;

    if (tlp != RK_TLP_NONE)
        snprintf(marking, sizeof(marking), ",\"object_marking_refs\":[\"%s\"]",
                 rk_tlp_marking_id(tlp));
    snprintf(json, sizeof(json),
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
             "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
             "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
             "\"pattern\":\"[ipv4-addr:value = '10.0.0.1']\",\"pattern_type\":\"stix\","
             "\"valid_from\":\"2024-01-01T00:00:00Z\"%s}",
             marking);
    rk_err_clear(&err);
    if (rk_stix_object_parse(&o, json, strlen(json), NULL, NULL, &err) != 0)
        fail_msg("parse: %s", err.message);
    return o;
}

/* group_scoped says yes exactly for the levels whose egress and read answers turn on group
 * membership alone: a partner (reader) in the object's group gets it, one in another does not,
 * and neither would without the group. */
static void test_policy_ingress__group_scoped_follows_the_table(void **state)
{
    static const char *const asean[] = {"jp-asean"};
    const enum rk_tlp defaults[] = {RK_TLP_NONE, RK_TLP_GREEN, RK_TLP_AMBER};

    (void)state;
    for (size_t d = 0; d < sizeof(defaults) / sizeof(defaults[0]); d++) {
        struct rk_policy pol = {.default_tlp = defaults[d]};

        for (int t = RK_TLP_NONE; t <= RK_TLP_RED; t++) {
            struct rk_object_meta m = {
                    .tlp = (enum rk_tlp)t, .owner_org = "jpcert", .groups = quad, .n_groups = 1};
            struct rk_partner_view in = {
                    .name = "us", .org = "cisa", .groups = quad, .n_groups = 1};
            struct rk_partner_view out = {
                    .name = "th", .org = "thaicert", .groups = asean, .n_groups = 1};
            struct rk_principal r_in = {1, "u", "cisa", quad, 1, RK_ROLE_READER};
            struct rk_principal r_out = {1, "v", "thaicert", asean, 1, RK_ROLE_READER};
            int by_send = rk_policy_may_send(&pol, &in, &m) == RK_EGRESS_SEND &&
                          rk_policy_may_send(&pol, &out, &m) != RK_EGRESS_SEND;
            int by_read =
                    rk_policy_may_read(&pol, &r_in, &m) && !rk_policy_may_read(&pol, &r_out, &m);

            assert_int_equal(rk_policy_group_scoped(&pol, (enum rk_tlp)t), by_send);
            assert_int_equal(by_send, by_read);
        }
    }
    {
        struct rk_policy pol = {.default_tlp = RK_TLP_AMBER};

        assert_true(rk_policy_group_scoped(&pol, RK_TLP_AMBER));
        assert_false(rk_policy_group_scoped(&pol, RK_TLP_GREEN));
        assert_false(rk_policy_group_scoped(&pol, RK_TLP_CLEAR));
        assert_false(rk_policy_group_scoped(&pol, RK_TLP_AMBER_STRICT));
    }
}

static void test_policy_ingress__received_groups(void **state)
{
    const char *out[2];

    (void)state;
    /* the collection names none: all of the partner's groups (ambiguous with two) */
    assert_int_equal(rk_policy_received_groups(NULL, 0, both, 2, out), 2);
    /* the collection names one of them: exactly that one */
    assert_int_equal(rk_policy_received_groups(quad, 1, both, 2, out), 1);
    assert_string_equal(out[0], "quad");
    /* the collection names both: ambiguous */
    assert_int_equal(rk_policy_received_groups(both, 2, both, 2, out), 2);
    /* a partner in neither: none (AMBER then stays with this node's organisation) */
    assert_int_equal(rk_policy_received_groups(quad, 1, both, 0, out), 0);
}

/* On an ambiguous link AMBER is refused; CLEAR, GREEN and AMBER+STRICT do not depend on the
 * group and are accepted; an unmarked object follows the level it would be stored at. */
static void test_policy_ingress__ambiguous_link_refuses_amber_only(void **state)
{
    struct rk_ingress_terms t = {.ceiling = RK_TLP_NONE, .node_identity = "", .n_groups = 2};
    const struct {
        enum rk_tlp marked;
        enum rk_ingress_verdict want;
    } cases[] = {{RK_TLP_CLEAR, RK_INGRESS_ACCEPT},
                 {RK_TLP_GREEN, RK_INGRESS_ACCEPT},
                 {RK_TLP_AMBER, RK_INGRESS_GROUP_AMBIGUOUS},
                 {RK_TLP_AMBER_STRICT, RK_INGRESS_ACCEPT},
                 {RK_TLP_RED, RK_INGRESS_RED},
                 {RK_TLP_NONE, RK_INGRESS_ACCEPT}}; /* stored AMBER+STRICT */
    enum rk_tlp tlp;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rk_stix_object *o = indicator(cases[i].marked);

        assert_int_equal(rk_policy_may_accept(&t, o, &tlp), cases[i].want);
        t.n_groups = 1; /* one group: every level but RED is accepted as it is */
        assert_int_equal(rk_policy_may_accept(&t, o, &tlp),
                         cases[i].marked == RK_TLP_RED ? RK_INGRESS_RED : RK_INGRESS_ACCEPT);
        t.n_groups = 2;
        rk_stix_object_free(o);
    }
    {
        struct rk_stix_object *o = indicator(RK_TLP_NONE);

        t.unmarked = RK_TLP_AMBER; /* unmarked stored as AMBER: group-scoped, so refused */
        assert_int_equal(rk_policy_may_accept(&t, o, &tlp), RK_INGRESS_GROUP_AMBIGUOUS);
        rk_stix_object_free(o);
    }
    assert_string_equal(rk_ingress_verdict_name(RK_INGRESS_GROUP_AMBIGUOUS), "group-ambiguous");
    assert_non_null(
            strstr(rk_ingress_verdict_text(RK_INGRESS_GROUP_AMBIGUOUS), "its own collection"));
}

int test_policy_ingress_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_policy_ingress__group_scoped_follows_the_table),
            cmocka_unit_test(test_policy_ingress__received_groups),
            cmocka_unit_test(test_policy_ingress__ambiguous_link_refuses_amber_only),
    };

    return cmocka_run_group_tests_name("policy_ingress", tests, NULL, NULL);
}
