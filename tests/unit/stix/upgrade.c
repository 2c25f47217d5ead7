/* upgrade.c - STIX 2.0 input: the documented upgrade rules, the REJECT option, and the two real
 * STIX 2.0 bundles of the corpus. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

static json_t *upgraded(const char *json20)
{
    struct rk_stix_object *o;
    struct rk_stix_findings *f = NULL;
    struct rk_err err;
    json_t *v;

    if (rk_stix_object_parse(&o, json20, strlen(json20), NULL, &f, &err) != 0)
        fprintf(stderr, "upgrade failed: %s: %s\n", err.path, err.message);
    assert_non_null(o);
    assert_true(rk_stix_findings_count(f) >= 1);
    assert_non_null(strstr(rk_stix_findings_at(f, 0)->message, "upgraded from STIX 2.0"));
    v = json_loads(rk_stix_object_canonical(o, NULL), 0, NULL);
    rk_stix_findings_free(f);
    rk_stix_object_free(o);
    return v;
}

static void test_stix_upgrade__rules(void **state)
{
    json_t *v;

    v = upgraded(Q("{'type':'indicator','id':'indicator--1cfd37c5-1f3d-4c6a-8d6f-9eb93f283f2e',"
                   "'created':'2024-02-08T23:59:59.001Z','modified':'2024-02-08T23:59:59.001Z',"
                   "'labels':['malicious-activity'],'pattern':'[file:name = \\u0027a\\u0027]',"
                   "'valid_from':'2024-02-08T17:24:29.001Z','x_acme':1}"));
    assert_string_equal(json_string_value(json_object_get(v, "spec_version")), "2.1");
    assert_string_equal(json_string_value(json_object_get(v, "pattern_type")), "stix");
    assert_null(json_object_get(v, "labels"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "indicator_types"), 0)),
                        "malicious-activity");
    assert_int_equal(json_integer_value(json_object_get(v, "x_acme")), 1);
    json_decref(v);
    v = upgraded(Q("{'type':'malware','id':'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b',"
                   "'created':'2016-04-06T20:07:09.000Z','modified':'2016-04-06T20:07:09.000Z',"
                   "'name':'Poison Ivy','labels':['remote-access-trojan']}"));
    assert_true(json_is_true(json_object_get(v, "is_family")));
    assert_non_null(json_object_get(v, "malware_types"));
    json_decref(v);
    static const char *const moves[][2] = {{"threat-actor", "threat_actor_types"},
                                           {"tool", "tool_types"}};
    for (size_t i = 0; i < 2; i++) {
        char json[512];

        snprintf(json, sizeof(json),
                 "{\"type\":\"%s\",\"id\":\"%s--31b940d4-6f7f-459a-80ea-9c1f17b5891b\",\"created\":"
                 "\"2016-04-06T20:07:09.000Z\",\"modified\":\"2016-04-06T20:07:09.000Z\",\"name\":\"x\","
                 "\"labels\":[\"a\"]}",
                 moves[i][0], moves[i][0]);
        v = upgraded(json);
        assert_non_null(json_object_get(v, moves[i][1]));
        assert_null(json_object_get(v, "labels"));
        json_decref(v);
    }
    v = upgraded(Q("{'type':'report','id':'report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3',"
                   "'created':'2015-12-21T19:59:11.000Z','modified':'2015-12-21T19:59:11.000Z','name':'r',"
                   "'published':'2016-01-20T17:00:00Z','labels':['campaign'],"
                   "'object_refs':['indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2']}"));
    assert_non_null(json_object_get(v, "report_types"));
    json_decref(v);
    /* identity keeps its labels and identity_class */
    v = upgraded(Q("{'type':'identity','id':'identity--5df15c12-89fc-45a7-9620-0044ac110004',"
                   "'created':'2023-03-30T20:50:32.000Z','modified':'2023-03-30T20:50:32.000Z',"
                   "'name':'Talos','identity_class':'organization','labels':['x']}"));
    assert_non_null(json_object_get(v, "labels"));
    assert_non_null(json_object_get(v, "identity_class"));
    json_decref(v);
}

static void test_stix_upgrade__reject_option(void **state)
{
    struct rk_stix_options opt;
    const char *v20 = Q("{'type':'campaign','id':'campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',"
                        "'created':'2016-04-06T20:03:00.000Z','modified':'2016-04-06T20:03:00.000Z','name':'G'}");
    const char *sco = Q("{'type':'ipv4-addr','id':'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd','value':'1.2.3.4'}");

    rk_stix_options_init(&opt);
    opt.v20 = RK_STIX_V20_REJECT;
    assert_int_equal(stix_try(v20, &opt), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "STIX 2.0 object", NULL));
    /* an SCO without spec_version is a 2.1 SCO (section 3.2), not 2.0 */
    assert_int_equal(stix_try(sco, &opt), 0);
    assert_false(stix_has_finding(RK_STIX_WARNING, "upgraded", NULL));
}

static void read_bundle(const char *rel, const struct rk_stix_options *opt, size_t *valid,
                        size_t *total)
{
    char path[1024];
    struct rk_stix_reader *r;
    struct rk_stix_item it;
    struct rk_err err;

    snprintf(path, sizeof(path), "%s/%s", RK_CORPUS_DIR, rel);
    assert_int_equal(rk_stix_reader_open_file(&r, path, opt, &err), 0);
    *valid = *total = 0;
    while (rk_stix_reader_next(r, &it, &err) == 1) {
        (*total)++;
        if (it.object) {
            (*valid)++;
            assert_string_equal(rk_stix_object_spec_version(it.object), "2.1");
        }
        rk_stix_item_clear(&it);
    }
    /* the 2.0 bundle's spec_version "2.0" is accepted */
    assert_int_equal(rk_stix_findings_errors(rk_stix_reader_findings(r)), 0);
    rk_stix_reader_free(r);
}

static void test_stix_upgrade__corpus_bundles(void **state)
{
    struct rk_stix_options reject;
    size_t valid, total;

    read_bundle("stix/stix20/talos-3cx-softphone-supply-chain-compromise.json", NULL, &valid, &total);
    assert_int_equal(total, 53);
    assert_int_equal(valid, 53);
    read_bundle("stix/stix20/unit42-2024-02-08-Pikabot.json", NULL, &valid, &total);
    assert_int_equal(total, 10);
    assert_int_equal(valid, 10);
    rk_stix_options_init(&reject);
    reject.v20 = RK_STIX_V20_REJECT;
    read_bundle("stix/stix20/unit42-2024-02-08-Pikabot.json", &reject, &valid, &total);
    assert_int_equal(total, 10);
    assert_int_equal(valid, 0);
}

int test_stix_upgrade_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_upgrade__rules),
            cmocka_unit_test(test_stix_upgrade__reject_option),
            cmocka_unit_test(test_stix_upgrade__corpus_bundles),
    };

    return cmocka_run_group_tests_name("stix_upgrade", tests, NULL, NULL);
}
