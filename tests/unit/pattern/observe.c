/* observe.c - observation expressions across observations: AND, OR, FOLLOWEDBY, WITHIN,
 * REPEATS, START/STOP (sections 9.5.1 and 9.5.2), with the spec's examples. */
#include "tests.h"

#include <jansson.h>
#include <string.h>

#include "util/rktime.h"

struct o {
    const char *first, *last;
    uint64_t count;
    const char *objects;
};

#define MAXO 16

static int match_n(const char *pattern, const struct o *os, size_t n, uint8_t *used,
                   const struct rk_pattern_match_opts *opts, struct rk_err *err)
{
    struct rk_pattern_observation obs[MAXO];
    struct rk_pattern *p = tp_parse(pattern);
    struct rk_time t;
    int rc;

    assert_true(n <= MAXO);
    for (size_t i = 0; i < n; i++) {
        json_error_t jerr;

        assert_int_equal(rk_time_parse(&t, os[i].first, strlen(os[i].first), 0, NULL), 0);
        obs[i].first_sec = t.sec, obs[i].first_nsec = t.nsec;
        assert_int_equal(rk_time_parse(&t, os[i].last, strlen(os[i].last), 0, NULL), 0);
        obs[i].last_sec = t.sec, obs[i].last_nsec = t.nsec;
        obs[i].number_observed = os[i].count;
        if (!(obs[i].objects = json_loads(os[i].objects, 0, &jerr)))
            fail_msg("bad test JSON %s: %s", os[i].objects, jerr.text);
    }
    rk_err_clear(err);
    rc = rk_pattern_match(p, obs, n, opts, used, err);
    for (size_t i = 0; i < n; i++)
        json_decref((json_t *)obs[i].objects);
    rk_pattern_free(p);
    return rc;
}

static int match(const char *pattern, const struct o *os, size_t n)
{
    struct rk_err err;
    int rc = match_n(pattern, os, n, NULL, NULL, &err);

    if (rc < 0)
        fail_msg("%s: %s", pattern, err.message);
    return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define MD5                                                                                        \
    "{\"0\": {\"type\": \"file\", \"hashes\": {\"MD5\": \"79054025255fb1a26e4bc422aef54eb4\"}}}"
#define REG                                                                                        \
    "{\"0\": {\"type\": \"windows-registry-key\", \"key\": \"HKEY_LOCAL_MACHINE\\\\foo\\\\bar\"}}"
#define FOO "{\"0\": {\"type\": \"file\", \"name\": \"foo.dll\"}}"
#define PROC                                                                                       \
    "{\"0\": {\"type\": \"process\", \"image_ref\": \"1\"}, \"1\": {\"type\": \"file\", "          \
    "\"name\": \"procfoo\"}}"
#define IP5  "{\"0\": {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.5\"}}"
#define IP10 "{\"0\": {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.10\"}}"

static const char *FBY_WITHIN =
        "([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
        "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) "
        "WITHIN 300 SECONDS";

/* "[ a ] AND [ b ]: a and b MUST both evaluate to true on different Observations" */
static void test_pattern_observe__and(void **state)
{
    const char *pat = "[ipv4-addr:value = '198.51.100.5'] AND [ ipv4-addr:value = '198.51.100.10']";
    const char *same =
            "[ipv4-addr:value = '198.51.100.5'] AND [ipv4-addr:value = '198.51.100.0/24']";
    struct o two[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, IP5},
                      {"2016-01-01T00:00:10Z", "2016-01-01T00:00:10Z", 1, IP10}};
    struct o one[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, IP5}};
    struct o twice[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:01:00Z", 2, IP5}};

    assert_int_equal(match(pat, two, 2), 1);
    assert_int_equal(match(pat, two, 1), 0);
    assert_int_equal(match(same, one, 1), 0);   /* one observation cannot serve both */
    assert_int_equal(match(same, twice, 1), 1); /* number_observed 2: two observations */
    assert_int_equal(match(same, two, 2), 1);
}

/* "[ a ] OR [ b ]" and the spec's last example */
static void test_pattern_observe__or(void **state)
{
    const char *pat = "([file:name = 'foo.dll'] AND [windows-registry-key:key = "
                      "'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']) OR [process:image_ref.name = "
                      "'fooproc' OR process:image_ref.name = 'procfoo']";
    struct o both[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, FOO},
                       {"2016-01-02T00:00:00Z", "2016-01-02T00:00:00Z", 1, REG}};
    struct o proc[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, PROC}};
    uint8_t used[2];
    struct rk_err err;

    assert_int_equal(match(pat, both, 2), 1);
    assert_int_equal(match(pat, both, 1), 0); /* the file alone is not enough */
    assert_int_equal(match(pat, proc, 1), 1);
    assert_int_equal(match_n(pat, both, 2, used, NULL, &err), 1);
    assert_int_equal(used[0], 1);
    assert_int_equal(used[1], 1);
}

/* FOLLOWEDBY: b's time >= a's time, different observations; WITHIN is strict (9.5.1) */
static void test_pattern_observe__followedby_within(void **state)
{
    struct o in_time[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, MD5},
                          {"2016-01-01T00:03:20Z", "2016-01-01T00:03:20Z", 1, REG}};
    struct o too_late[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, MD5},
                           {"2016-01-01T00:06:40Z", "2016-01-01T00:06:40Z", 1, REG}};
    struct o exactly[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, MD5},
                          {"2016-01-01T00:05:00Z", "2016-01-01T00:05:00Z", 1, REG}};
    struct o reversed[] = {{"2016-01-01T00:03:20Z", "2016-01-01T00:03:20Z", 1, MD5},
                           {"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, REG}};
    struct o overlap[] = {{"2016-01-01T00:00:00Z", "2016-01-01T01:00:00Z", 1, MD5},
                          {"2016-01-01T00:30:00Z", "2016-01-01T00:30:00Z", 1, REG}};
    const char *fby = "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY "
                      "[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar']";

    assert_int_equal(match(FBY_WITHIN, in_time, 2), 1);
    assert_int_equal(match(FBY_WITHIN, too_late, 2), 0);
    assert_int_equal(match(FBY_WITHIN, exactly, 2), 0); /* "MUST NOT be equal to or later" */
    assert_int_equal(match(fby, too_late, 2), 1);
    assert_int_equal(match(fby, reversed, 2), 0);
    assert_int_equal(match(fby, overlap, 2), 1); /* the file may have been seen at 00:00 */
    assert_int_equal(match(FBY_WITHIN, overlap, 2), 1);
}

#define BEACON                                                                                     \
    "{\"0\": {\"type\": \"network-traffic\", \"dst_ref\": \"1\"}, \"1\": {\"type\": "              \
    "\"domain-name\", \"value\": \"example.com\"}}"

/* 9.8 "Matching on Malware Beaconing to a Domain Name" */
static void test_pattern_observe__repeats_within(void **state)
{
    const char *pat = "[network-traffic:dst_ref.type = 'domain-name' AND "
                      "network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN "
                      "1800 SECONDS";
    struct o five[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, BEACON},
                       {"2016-01-01T00:05:00Z", "2016-01-01T00:05:00Z", 1, BEACON},
                       {"2016-01-01T00:10:00Z", "2016-01-01T00:10:00Z", 1, BEACON},
                       {"2016-01-01T00:15:00Z", "2016-01-01T00:15:00Z", 1, BEACON},
                       {"2016-01-01T00:20:00Z", "2016-01-01T00:20:00Z", 1, BEACON}};
    struct o spread[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, BEACON},
                         {"2016-01-01T00:20:00Z", "2016-01-01T00:20:00Z", 1, BEACON},
                         {"2016-01-01T00:40:00Z", "2016-01-01T00:40:00Z", 1, BEACON},
                         {"2016-01-01T01:00:00Z", "2016-01-01T01:00:00Z", 1, BEACON},
                         {"2016-01-01T01:20:00Z", "2016-01-01T01:20:00Z", 1, BEACON},
                         {"2016-01-01T01:40:00Z", "2016-01-01T01:40:00Z", 1, BEACON}};
    struct o bulk[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:10:00Z", 5, BEACON}};
    struct o bulk4[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:10:00Z", 4, BEACON},
                        {"2016-01-01T05:00:00Z", "2016-01-01T05:00:00Z", 1, BEACON}};

    assert_int_equal(match(pat, five, 5), 1);
    assert_int_equal(match(pat, five, 4), 0);
    assert_int_equal(match(pat, spread, 6), 0); /* never 5 in 30 minutes */
    assert_int_equal(
            match("[network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES", spread, 6), 1);
    assert_int_equal(match(pat, bulk, 1), 1); /* one observed-data, number_observed 5 */
    assert_int_equal(match(pat, bulk4, 2), 0);
}

/* "[ b ] FOLLOWEDBY [ c ] REPEATS 5 TIMES ... b plus 5 c's where all 5 c's were observed
 * after the b"; "([ a ] FOLLOWEDBY [ c ]) REPEATS 5 TIMES ... 5 pairs" */
static void test_pattern_observe__repeats_binding(void **state)
{
    const char *b_c5 = "[file:name = 'b'] FOLLOWEDBY [file:name = 'c'] REPEATS 3 TIMES";
    const char *pairs = "([file:name = 'b'] FOLLOWEDBY [file:name = 'c']) REPEATS 2 TIMES";
#define FB "{\"0\": {\"type\": \"file\", \"name\": \"b\"}}"
#define FC "{\"0\": {\"type\": \"file\", \"name\": \"c\"}}"
    struct o seq[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, FB},
                      {"2016-01-01T00:01:00Z", "2016-01-01T00:01:00Z", 1, FC},
                      {"2016-01-01T00:02:00Z", "2016-01-01T00:02:00Z", 1, FC},
                      {"2016-01-01T00:03:00Z", "2016-01-01T00:03:00Z", 1, FC}};
    struct o early_c[] = {{"2015-12-31T00:00:00Z", "2015-12-31T00:00:00Z", 1, FC},
                          {"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, FB},
                          {"2016-01-01T00:02:00Z", "2016-01-01T00:02:00Z", 1, FC},
                          {"2016-01-01T00:03:00Z", "2016-01-01T00:03:00Z", 1, FC}};
    struct o two_pairs[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, FB},
                            {"2016-01-01T00:01:00Z", "2016-01-01T00:01:00Z", 1, FC},
                            {"2016-01-01T00:02:00Z", "2016-01-01T00:02:00Z", 1, FB},
                            {"2016-01-01T00:03:00Z", "2016-01-01T00:03:00Z", 1, FC}};

    assert_int_equal(match(b_c5, seq, 4), 1);
    assert_int_equal(match(b_c5, seq, 3), 0);
    assert_int_equal(match(b_c5, early_c, 4), 0); /* one c came before the b */
    assert_int_equal(match(pairs, two_pairs, 4), 1);
    assert_int_equal(match(pairs, two_pairs, 3), 0);
    assert_int_equal(match(pairs, seq, 4), 0); /* one b cannot start two pairs */
}

/* START x STOP y: observation time >= x and < y */
static void test_pattern_observe__start_stop(void **state)
{
    const char *pat = "[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP "
                      "t'2016-07-01T00:00:00Z'";
    struct o june[] = {{"2016-06-15T00:00:00Z", "2016-06-15T00:00:00Z", 1, FOO}};
    struct o july[] = {{"2016-07-15T00:00:00Z", "2016-07-15T00:00:00Z", 1, FOO}};
    struct o at_start[] = {{"2016-06-01T00:00:00Z", "2016-06-01T00:00:00Z", 1, FOO}};
    struct o at_stop[] = {{"2016-07-01T00:00:00Z", "2016-07-01T00:00:00Z", 1, FOO}};
    struct o straddle[] = {{"2016-05-01T00:00:00Z", "2016-06-01T00:00:00Z", 1, FOO}};
    const char *nested = "([file:name = 'foo.dll'] START t'2016-06-10T00:00:00Z' STOP "
                         "t'2016-06-20T00:00:00Z') START t'2016-06-15T00:00:00Z' STOP "
                         "t'2016-07-01T00:00:00Z'";
    struct o d12[] = {{"2016-06-12T00:00:00Z", "2016-06-12T00:00:00Z", 1, FOO}};
    struct o d17[] = {{"2016-06-17T00:00:00Z", "2016-06-17T00:00:00Z", 1, FOO}};

    assert_int_equal(match(pat, june, 1), 1);
    assert_int_equal(match(pat, july, 1), 0);
    assert_int_equal(match(pat, at_start, 1), 1);
    assert_int_equal(match(pat, at_stop, 1), 0);
    assert_int_equal(match(pat, straddle, 1), 1);
    assert_int_equal(match(nested, d12, 1), 0);
    assert_int_equal(match(nested, d17, 1), 1);
}

/* 9.8: "Matching three different, but specific Unix User Accounts" */
static void test_pattern_observe__three_accounts(void **state)
{
    const char *pat = "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND "
                      "user-account:account_login = 'Peter'] AND [user-account:account_type = "
                      "'unix' AND user-account:user_id = '1008' AND user-account:account_login = "
                      "'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = "
                      "'1009' AND user-account:account_login = 'Mary']";
#define UA(id, who)                                                                                \
    "{\"0\": {\"type\": \"user-account\", \"account_type\": \"unix\", "                            \
    "\"user_id\": \"" id "\", \"account_login\": \"" who "\"}}"
    struct o accts[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, UA("1007", "Peter")},
                        {"2016-01-02T00:00:00Z", "2016-01-02T00:00:00Z", 1, UA("1008", "Paul")},
                        {"2016-01-03T00:00:00Z", "2016-01-03T00:00:00Z", 1, UA("1009", "Mary")}};
    struct o wrong[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, UA("1007", "Peter")},
                        {"2016-01-02T00:00:00Z", "2016-01-02T00:00:00Z", 1, UA("1008", "Mary")},
                        {"2016-01-03T00:00:00Z", "2016-01-03T00:00:00Z", 1, UA("1009", "Mary")}};

    assert_int_equal(match(pat, accts, 3), 1);
    assert_int_equal(match(pat, wrong, 3), 0);
}

static void test_pattern_observe__limits_and_input(void **state)
{
    struct o many[MAXO];
    struct rk_pattern_match_opts opts = {50, 0};
    struct rk_err err;
    struct o bad_count[] = {{"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 0, FOO}};
    struct o backwards[] = {{"2016-01-02T00:00:00Z", "2016-01-01T00:00:00Z", 1, FOO}};

    for (size_t i = 0; i < MAXO; i++)
        many[i] = (struct o){"2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z", 1, FB};
    /* all mode under a parent: C(16, 8) combinations exceed 50 bindings */
    assert_int_equal(match_n("([file:name = 'b'] REPEATS 8 TIMES) AND [file:name = 'zz']", many,
                             MAXO, NULL, &opts, &err),
                     RK_ELIMIT);
    assert_non_null(strstr(err.message, "candidate bindings"));
    /* existence only: the first combination answers */
    assert_int_equal(match_n("[file:name = 'b'] REPEATS 8 TIMES", many, MAXO, NULL, &opts, &err),
                     1);
    assert_int_equal(match_n("[file:name = 'b']", bad_count, 1, NULL, NULL, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "number_observed"));
    assert_int_equal(match_n("[file:name = 'b']", backwards, 1, NULL, NULL, &err), RK_EFORMAT);
    assert_int_equal(match_n("[file:name = 'b']", NULL, 0, NULL, NULL, &err), 0);
}

/* STIX 2.1 observed-data: object_refs resolved through the caller's SCO index */
static void test_pattern_observe__from_json(void **state)
{
    json_t *scos = json_loads("{\"ipv4-addr--1\": {\"type\": \"ipv4-addr\", \"id\": "
                              "\"ipv4-addr--1\", \"value\": \"198.51.100.5\"}}",
                              0, NULL);
    json_t *od =
            json_loads("{\"type\": \"observed-data\", \"first_observed\": "
                       "\"2016-01-01T00:00:00Z\", \"last_observed\": \"2016-01-01T00:00:00Z\", "
                       "\"number_observed\": 1, \"object_refs\": [\"ipv4-addr--1\", "
                       "\"ipv4-addr--missing\"]}",
                       0, NULL);
    json_t *od_bad = json_loads("{\"first_observed\": \"2016-01-01\", \"last_observed\": "
                                "\"2016-01-01T00:00:00Z\", \"number_observed\": 1}",
                                0, NULL);
    struct rk_pattern_observation o;
    struct rk_pattern *p = tp_parse("[ipv4-addr:value = '198.51.100.0/24']");
    struct rk_err err;

    rk_err_clear(&err);
    assert_int_equal(rk_pattern_observation_from_json(&o, od, scos, &err), 0);
    assert_int_equal(o.number_observed, 1);
    assert_int_equal(json_object_size(o.objects), 1);
    assert_int_equal(rk_pattern_match(p, &o, 1, NULL, NULL, &err), 1);
    rk_pattern_observation_clear(&o);
    assert_int_equal(rk_pattern_observation_from_json(&o, od_bad, NULL, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "first_observed"));
    rk_pattern_observation_clear(&o);
    rk_pattern_free(p);
    json_decref(scos);
    json_decref(od);
    json_decref(od_bad);
}

int test_pattern_observe_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pattern_observe__and),
            cmocka_unit_test(test_pattern_observe__or),
            cmocka_unit_test(test_pattern_observe__followedby_within),
            cmocka_unit_test(test_pattern_observe__repeats_within),
            cmocka_unit_test(test_pattern_observe__repeats_binding),
            cmocka_unit_test(test_pattern_observe__start_stop),
            cmocka_unit_test(test_pattern_observe__three_accounts),
            cmocka_unit_test(test_pattern_observe__limits_and_input),
            cmocka_unit_test(test_pattern_observe__from_json),
    };

    return cmocka_run_group_tests_name("pattern_observe", tests, NULL, NULL);
}
