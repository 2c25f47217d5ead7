/* stix.c - STIX indicators into the index: corpus threat reports and hand-made patterns. */
#include "tests.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include <unistd.h>

#include "renkei/match.h"
#include "renkei/stix.h"

static struct rk_match_value v;

static size_t hits_for(struct rk_match_index *ix, const char *s, struct rk_match_hit *hits)
{
    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_ANY, s, strlen(s), NULL), 0);
    return rk_match_lookup(ix, &v, NULL, hits, 8);
}

static const char *first_id(struct rk_match_index *ix, const char *s)
{
    struct rk_match_hit hits[8];
    struct rk_match_indicator_info info;

    if (hits_for(ix, s, hits) == 0)
        return "";
    assert_int_equal(rk_match_indicator_get(ix, hits[0].indicator, &info), 0);
    return info.id;
}

static void compile_bundle(struct rk_match_builder *b, const char *rel,
                           struct rk_match_stix_stats *st)
{
    char path[1024];
    json_error_t je;
    json_t *doc, *o;
    size_t i;

    snprintf(path, sizeof(path), "%s/stix/examples/oasis-json-schemas/%s", RK_CORPUS_DIR, rel);
    assert_non_null(doc = json_load_file(path, 0, &je));
    json_array_foreach(json_object_get(doc, "objects"), i, o)
        assert_int_equal(rk_match_builder_add_stix(b, o, 0, rel, 0, st, NULL), 0);
    json_decref(doc);
}

static void test_match_stix__threat_reports(void **state)
{
    struct rk_match_stix_stats st;
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_hit hits[8];
    struct rk_match_indicator_info info;

    memset(&st, 0, sizeof(st));
    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    compile_bundle(b, "threat-reports/apt1.json", &st);
    compile_bundle(b, "threat-reports/poisonivy.json", &st);
    compile_bundle(b, "indicator-for-c2-ip-address.json", &st);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    assert_int_equal(st.indicators, 38);
    assert_int_equal(st.compiled, 34);
    assert_int_equal(st.unindexable, 4); /* file:name only, and the like */
    assert_int_equal(st.values, 75);
    assert_int_equal(st.partial, 3); /* e.g. 'domain autuo.xicp.net' is not a domain name */
    /* [domain-name:value = 'apple.cmdnetview.com' OR ipv4-addr:value = '60.10.1.120'] */
    assert_int_equal(hits_for(ix, "60.10.1.120", hits), 1);
    assert_int_equal(rk_match_indicator_get(ix, hits[0].indicator, &info), 0);
    assert_true(strncmp(info.id, "indicator--", 11) == 0);
    assert_null(info.pattern); /* an OR of lookups: the index alone decides */
    assert_string_equal(first_id(ix, "apple.cmdnetview.com"), info.id);
    assert_string_equal(first_id(ix, "www.apple.cmdnetview.com"), info.id);
    /* 60.2.148.167 is in four indicators of poisonivy.json */
    assert_int_equal(hits_for(ix, "60.2.148.167", hits), 4);
    rk_match_index_free(ix);
}

static json_t *indicator(const char *id, const char *pattern, const char *extra)
{
    char text[4096];
    json_t *j;

    snprintf(text, sizeof(text),
             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
             "\"created\":\"2024-01-01T00:00:00Z\",\"modified\":\"2024-01-01T00:00:00Z\","
             "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
             "\"pattern\":\"%s\"%s%s}",
             id, pattern, extra ? "," : "", extra ? extra : "");
    j = json_loads(text, 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_match_stix__patterns(void **state)
{
    static const struct {
        const char *id, *pattern, *extra;
    } in[] = {
            {"a", "[ipv4-addr:value = '198.51.100.0/24']",
             "\"confidence\":85,\"name\":\"c2 net\",\"indicator_types\":[\"malicious-activity\",\"attribution\"]"},
            {"b", "[ipv6-addr:value ISSUBSET '2001:db8::/32']", NULL},
            {"c", "[file:hashes.'SHA-256' = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' AND file:name = 'x.exe']", NULL},
            {"d", "[domain-name:value IN ('a.example', 'b.example')]", NULL},
            {"e", "[network-traffic:dst_ref.value = '203.0.113.5' AND network-traffic:dst_port = 443]", NULL},
            {"f", "[email-message:from_ref.value = 'boss@evil.example']", NULL},
            {"g", "[url:value = 'http://evil.example/x.php'] FOLLOWEDBY [file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e'] WITHIN 60 SECONDS", NULL},
            {"h", "[file:name = 'x.exe']", NULL},                                  /* unindexable */
            {"i", "[ipv4-addr:value = '192.0.2.1'] OR [file:name = 'y']", NULL},   /* unindexable */
            {"j", "[ipv4-addr:value = '192.0.2.2']", "\"revoked\":true"},
            {"k", "[ipv4-addr:value = '192.0.2.3']", "\"valid_until\":\"2024-02-01T00:00:00Z\""},
            {"l", "[ipv4-addr:value = '192.0.2.4'", NULL},                          /* bad */
            {"m", "anything", "\"pattern_type\":\"sigma\""},
            {"n", "[artifact:hashes.SHA1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']", NULL},
            {"o", "[ipv4-addr:value != '192.0.2.5']", NULL},                        /* unindexable */
    };
    struct rk_match_stix_stats st;
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_hit hits[8];
    struct rk_match_indicator_info info;

    memset(&st, 0, sizeof(st));
    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        json_t *j = indicator(in[i].id, in[i].pattern, in[i].extra);

        /* "now" is 2024-06-01: k has expired */
        assert_int_equal(rk_match_builder_add_stix(b, j, 2, "unit", 1717200000000000LL, &st, NULL), 0);
        json_decref(j);
    }
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    assert_int_equal(st.indicators, 15);
    assert_int_equal(st.compiled, 8);
    assert_int_equal(st.needs_eval, 4); /* b (ISSUBSET), c, e, g */
    assert_int_equal(st.unindexable, 3);
    assert_int_equal(st.revoked, 1);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.bad_pattern, 1);
    assert_int_equal(st.not_stix, 1);
    assert_string_equal(st.first_error.object_id, "indicator--h");

    assert_string_equal(first_id(ix, "198.51.100.77"), "indicator--a");
    hits_for(ix, "198.51.100.77", hits);
    assert_int_equal(rk_match_indicator_get(ix, hits[0].indicator, &info), 0);
    assert_int_equal(info.confidence, 85);
    assert_int_equal(info.tlp, 2);
    assert_string_equal(info.name, "c2 net");
    assert_string_equal(info.types, "malicious-activity,attribution");
    assert_string_equal(info.source, "unit");
    assert_true(info.valid_until_us == INT64_MAX);
    assert_string_equal(first_id(ix, "2001:db8:ff::1"), "indicator--b");
    assert_string_equal(first_id(ix, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                        "indicator--c");
    hits_for(ix, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hits);
    rk_match_indicator_get(ix, hits[0].indicator, &info);
    assert_non_null(info.pattern); /* AND with file:name: confirmed by the evaluator */
    assert_string_equal(first_id(ix, "b.example"), "indicator--d");
    assert_string_equal(first_id(ix, "203.0.113.5"), "indicator--e");
    assert_string_equal(first_id(ix, "boss@evil.example"), "indicator--f");
    assert_string_equal(first_id(ix, "http://evil.example/x.php"), "indicator--g");
    assert_string_equal(first_id(ix, "d41d8cd98f00b204e9800998ecf8427e"), "indicator--g");
    assert_string_equal(first_id(ix, "da39a3ee5e6b4b0d3255bfef95601890afd80709"), "indicator--n");
    assert_string_equal(first_id(ix, "192.0.2.1"), "");
    assert_string_equal(first_id(ix, "192.0.2.2"), "");
    assert_string_equal(first_id(ix, "192.0.2.3"), "");
    rk_match_index_free(ix);
}

/* Through the validating reader: the same as feeding the objects, plus rejected ones counted. */
static void test_match_stix__files(void **state)
{
    struct rk_match_stix_stats st, st2;
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_err err;
    char path[1024], tmp[64];
    FILE *f;

    memset(&st, 0, sizeof(st));
    memset(&st2, 0, sizeof(st2));
    rk_err_clear(&err);
    snprintf(path, sizeof(path), "%s/stix/examples/oasis-json-schemas/threat-reports/poisonivy.json",
             RK_CORPUS_DIR);
    snprintf(tmp, sizeof(tmp), "/tmp/rk-match-stix-%d.jsonl", (int)getpid());
    assert_non_null(f = fopen(tmp, "w"));
    fputs("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
          "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
          "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
          "\"object_marking_refs\":[\"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82\"],"
          "\"pattern\":\"[ipv4-addr:value = '192.0.2.99']\"}\n"
          "{\"type\":\"indicator\",\"id\":\"indicator--bad\"}\n", f);
    fclose(f);
    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    assert_int_equal(rk_match_builder_add_stix_file(b, path, "poisonivy", 0, &st, &err), 0);
    assert_int_equal(rk_match_builder_add_stix_file(b, tmp, "tmp", 0, &st2, &err), 0);
    assert_int_equal(rk_match_builder_add_stix_file(b, "/nonexistent.json", "x", 0, &st, &err),
                     RK_EIO);
    assert_non_null(strstr(err.message, "/nonexistent.json"));
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    unlink(tmp);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(st2.rejected, 1);
    assert_int_equal(st2.compiled, 1);
    assert_string_equal(st2.first_error.object_id, "indicator--bad");
    assert_true(st.compiled >= 20);
    assert_string_equal(first_id(ix, "60.2.148.167")[0] ? "found" : "", "found");
    {
        struct rk_match_hit hits[8];
        struct rk_match_indicator_info info;

        assert_int_equal(hits_for(ix, "192.0.2.99", hits), 1);
        assert_int_equal(rk_match_indicator_get(ix, hits[0].indicator, &info), 0);
        assert_int_equal(info.tlp, 3); /* TLP:AMBER 2.0 from object_marking_refs */
        assert_string_equal(info.source, "tmp");
    }
    rk_match_index_free(ix);
}

static void test_match_stix__sighting_objects(void **state)
{
    static const char ind[] = "{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
                              "\"pattern_type\":\"stix\",\"pattern\":\"[ipv4-addr:value = '192.0.2.1']\"}";
    static const char identity[] = "identity--b67d30ff-02ac-498a-92f9-32f845f448ff";
    struct rk_match_sighting s = {0, 1700000000000000LL, 7, 1700000001000000LL, 1700000300500000LL};
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_stix_stats st;
    struct rk_stix_object *obj;
    json_t *j, *j2, *in = json_loads(ind, 0, NULL);
    struct rk_err err;
    uint32_t id;

    memset(&st, 0, sizeof(st));
    rk_err_clear(&err);
    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    assert_int_equal(rk_match_builder_add_stix(b, in, 5, "unit", 0, &st, NULL), 0);
    assert_int_equal(rk_match_builder_add_indicator(
                             b, &(struct rk_match_indicator){.id = "list:x.txt:3"}, &id, NULL), 0);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    json_decref(in);
    assert_int_equal(rk_match_sighting_json(ix, &s, identity, &j, &err), 0);
    assert_int_equal(rk_match_sighting_json(ix, &s, identity, &j2, &err), 0);
    assert_true(json_equal(j, j2)); /* deterministic */
    json_decref(j2);
    assert_string_equal(json_string_value(json_object_get(j, "sighting_of_ref")),
                        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 7);
    assert_string_equal(json_string_value(json_object_get(j, "first_seen")), "2023-11-14T22:13:21.000000Z");
    assert_string_equal(json_string_value(json_object_get(j, "last_seen")), "2023-11-14T22:18:20.500000Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "where_sighted_refs"), 0)), identity);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "object_marking_refs"), 0)),
                        rk_tlp_marking_id(RK_TLP_RED));
    /* and it is valid STIX 2.1 */
    assert_int_equal(rk_stix_object_from_json_take(&obj, j, NULL, NULL, &err), 0);
    rk_stix_object_free(obj);
    s.indicator = id;
    assert_int_equal(rk_match_sighting_json(ix, &s, identity, &j, &err), RK_EINVAL);
    rk_match_index_free(ix);
}

int test_match_stix_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_stix__threat_reports),
            cmocka_unit_test(test_match_stix__patterns),
            cmocka_unit_test(test_match_stix__files),
            cmocka_unit_test(test_match_stix__sighting_objects),
    };
    return cmocka_run_group_tests_name("match_stix", tests, NULL, NULL);
}
