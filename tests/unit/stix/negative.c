/* negative.c - each class of bad input gets a specific error (what, where) and never a crash:
 * malformed JSON, duplicate keys, invalid UTF-8, wrong property types, bad ids and timestamps,
 * caps, custom properties and objects, extensions, markings, external references, hashes. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

static void test_stix_negative__malformed_json(void **state)
{
    static const char *const bad[] = {
        "{\"type\": \"indicator\",}",
        "{\"type\": \"indicator\" \"id\": 1}",
        "{\"type\": \"indicator\"",
        "[1, 2",
        "",
        "{\"a\": tru}",
    };
    struct rk_stix_object *o;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rk_stix_object_parse(&o, bad[i], strlen(bad[i]), NULL, NULL, &err),
                         RK_EFORMAT);
        assert_null(o);
        assert_non_null(strstr(err.message, "malformed JSON at byte"));
        assert_true(err.offset >= 0 && err.offset <= (long long)strlen(bad[i]));
    }
    /* the byte offset points at the problem: the '}' after the trailing comma */
    assert_int_equal(rk_stix_object_parse(&o, bad[0], strlen(bad[0]), NULL, NULL, &err),
                     RK_EFORMAT);
    assert_int_equal(err.offset, 21);
}

static void test_stix_negative__duplicate_keys_and_utf8(void **state)
{
    const char *dup = Q("{'type':'indicator','name':'a','name':'b'}");
    const char bad_utf8[] = "{\"type\":\"identity\",\"name\":\"caf\xc3\x28\"}";
    const char *not_object = "[\"indicator\"]";

    assert_int_equal(stix_try(dup, NULL), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "duplicate object key", NULL));
    assert_int_equal(stix_try(bad_utf8, NULL), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "malformed JSON", NULL));
    assert_int_equal(stix_try(not_object, NULL), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "must be a JSON object", NULL));
}

static void test_stix_negative__wrong_property_types(void **state)
{
    static const struct {
        const char *key, *value, *needle, *path;
    } cases[] = {
        {"name", "5", "must be a string, not an integer", "name"},
        {"confidence", "\"50\"", "must be an integer, not a string", "confidence"},
        {"confidence", "50.5", "must be an integer, not a float", "confidence"},
        {"confidence", "101", "outside 0..100", "confidence"},
        {"confidence", "-1", "outside 0..100", "confidence"},
        {"revoked", "\"true\"", "must be true or false", "revoked"},
        {"labels", "\"x\"", "must be a list, not a string", "labels"},
        {"labels", "[]", "must not be an empty list", "labels"},
        {"labels", "[\"a\", 3]", "must be a string", "labels[1]"},
        {"created", "123", "must be a timestamp string", "created"},
        {"name", "null", "null is not a STIX value", "name"},
        {"x_custom", "null", "null is not a STIX value", "x_custom"},
        {"x_custom", "[]", "must not be an empty list", "x_custom"},
        {"kill_chain_phases", "[{\"kill_chain_name\":\"a\",\"phase_name\":\"b\"},{\"kill_chain_name\":\"a\"}]",
         "missing required property phase_name", "kill_chain_phases[1].phase_name"},
        {"kill_chain_phases", "[\"recon\"]", "must be a kill-chain-phase object",
         "kill_chain_phases[0]"},
        {"lang", "\"english language\"", "RFC 5646", "lang"},
        {"defanged", "true", "does not apply to indicator", "defanged"},
        {"spec_version", "\"2.2\"", "spec_version must be \"2.1\"", "spec_version"},
        {"severity", "\"high\"", "reserved property name", "severity"},
        {"external_references", "[{\"source_name\":\"x\"}]", "at least one of description, url",
         "external_references[0]"},
        {"external_references", "[{\"description\":\"x\"}]", "missing required property",
         "external_references[0].source_name"},
        {"external_references", "[{\"source_name\":\"capec\",\"external_id\":\"550\"}]",
         "CAPEC-[id]", "external_references[0]"},
        {"external_references", "[{\"source_name\":\"cve\",\"external_id\":\"CVE-16-1\"}]",
         "exact CVE identifier", "external_references[0]"},
        {"external_references", "[{\"source_name\":\"x\",\"url\":\"not a url\"}]",
         "is not a URL", "external_references[0].url"},
        {"external_references",
         "[{\"source_name\":\"x\",\"url\":\"http://x\",\"hashes\":{\"SHA-256\":\"abc\"}}]",
         "64 hexadecimal digits", "external_references[0].hashes.SHA-256"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(BASE_INDICATOR, cases[i].key, cases[i].value);

        assert_stix_error(bad, cases[i].needle, cases[i].path);
        free(bad);
    }
}

static void test_stix_negative__bad_ids(void **state)
{
    static const char *const ids[] = {
        "\"indicator--1234\"",
        "\"indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"",
        "\"indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f\"", /* version 0 */
        "\"indicator--8e2e2d2b-17d4-4cbf-738f-98ee46b3cd3f\"", /* NCS variant */
        "\"indicator--8e2e2d2b17d4-4cbf-938f-98ee46b3cd3f0\"",
        "\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g\"",
        "42",
    };

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char *bad = stix_mutate(BASE_INDICATOR, "id", ids[i]);

        assert_stix_error(bad, "<type>--<RFC 4122 UUID>", "id");
        free(bad);
    }
    char *bad = stix_mutate(BASE_INDICATOR, "id", "\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"");
    assert_stix_error(bad, "does not match type 'indicator'", "id");
    free(bad);
    bad = stix_mutate(BASE_INDICATOR, "created_by_ref", "\"identity--zzz\"");
    assert_stix_error(bad, "is not an identifier", "created_by_ref");
    free(bad);
    bad = stix_mutate(BASE_INDICATOR, "type", "\"Indicator\"");
    assert_stix_error(bad, "not a valid type name", NULL);
    free(bad);
    /* upper-case hex in the UUID is accepted (RFC 4122 input is case-insensitive) */
    bad = stix_mutate(BASE_INDICATOR, "id", "\"indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F\"");
    assert_stix_valid(bad);
    free(bad);
}

static void test_stix_negative__bad_timestamps(void **state)
{
    static const struct {
        const char *key, *value, *needle;
    } cases[] = {
        {"valid_from", "\"2016-01-01T00:00:00\"", "expected 'Z'"},
        {"valid_from", "\"2016-01-01 00:00:00Z\"", "expected 'T'"},
        {"valid_from", "\"2016-02-30T00:00:00Z\"", "day that exists"},
        {"valid_from", "\"2016-01-01T00:00:00+00:00\"", "expected 'Z'"},
        {"valid_from", "\"2016-01-01T25:00:00Z\"", "hour"},
        {"created", "\"2016-04-06T20:03:48Z\"", "at least the millisecond"},
        {"modified", "\"2016-04-06T20:03:48.1Z\"", "at least the millisecond"},
        {"created", "\"2022-101-27T13:49:54.326Z\"", "not a STIX timestamp"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(BASE_INDICATOR, cases[i].key, cases[i].value);

        assert_stix_error(bad, cases[i].needle, cases[i].key);
        free(bad);
    }
    /* a leap second and nanosecond digits are valid */
    char *ok = stix_mutate(BASE_INDICATOR, "valid_from", "\"2016-12-31T23:59:60.123456789Z\"");
    assert_stix_valid(ok);
    free(ok);
}

static void test_stix_negative__caps(void **state)
{
    struct rk_stix_options opt;
    struct rk_stix_object *o;
    struct rk_err err;
    char deep[512], *big;
    size_t n = 0;

    rk_stix_options_init(&opt);
    opt.max_string_bytes = 16;
    assert_int_equal(stix_try(BASE_INDICATOR, &opt), RK_ELIMIT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "exceeds max_string_bytes (16)", NULL));
    rk_stix_options_init(&opt);
    opt.max_array_items = 2;
    big = stix_mutate(BASE_INDICATOR, "labels", "[\"a\",\"b\",\"c\"]");
    assert_int_equal(stix_try(big, &opt), RK_ELIMIT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "exceeds max_array_items (2)", "labels"));
    free(big);
    rk_stix_options_init(&opt);
    opt.max_depth = 8;
    n += (size_t)snprintf(deep, sizeof(deep), "{\"type\":\"indicator\",\"x_deep\":");
    for (int i = 0; i < 20; i++)
        deep[n++] = '[';
    deep[n++] = '1';
    for (int i = 0; i < 20; i++)
        deep[n++] = ']';
    memcpy(deep + n, "}", 2);
    assert_int_equal(stix_try(deep, &opt), RK_ELIMIT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "deeper than max_depth (8)", NULL));
    rk_stix_options_init(&opt);
    opt.max_object_bytes = 100;
    assert_int_equal(rk_stix_object_parse(&o, BASE_INDICATOR, strlen(BASE_INDICATOR), &opt, NULL,
                                          &err),
                     RK_ELIMIT);
    assert_non_null(strstr(err.message, "exceeds max_object_bytes (100)"));
}

static void test_stix_negative__custom_properties(void **state)
{
    struct rk_stix_options opt;
    static const struct {
        const char *key, *needle;
    } bad_names[] = {
        {"X_Upper", "not a valid property name"},
        {"ab", "not a valid property name"},
        {"x-hyphen", "not a valid property name"},
        {"1abc", "not a valid property name"},
    };
    char *obj;

    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        obj = stix_mutate(BASE_INDICATOR, bad_names[i].key, "1");
        assert_stix_error(obj, bad_names[i].needle, bad_names[i].key);
        free(obj);
    }
    obj = stix_mutate(BASE_INDICATOR, "x_acme_score", "10");
    assert_stix_valid(obj);
    rk_stix_options_init(&opt);
    opt.allow_custom = 0;
    assert_int_equal(stix_try(obj, &opt), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "not allowed by the options", "x_acme_score"));
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "acme_score", "10");
    assert_stix_warning(obj, "should start with x_", "acme_score");
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "x_acme_bin", "\"not base64!\"");
    assert_stix_error(obj, "base64", "x_acme_bin");
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "x_acme_hex", "\"ABCD\"");
    assert_stix_error(obj, "lower-case hex", "x_acme_hex");
    free(obj);
}

static void test_stix_negative__custom_objects(void **state)
{
    const char *custom = Q("{'type':'x-example-com-customobject','spec_version':'2.1',"
                           "'id':'x-example-com-customobject--4527e5de-8572-446a-a57a-706f15467461',"
                           "'created':'2016-08-01T00:00:00.000Z','modified':'2016-08-01T00:00:00.000Z',"
                           "'some_custom_stuff':14}");
    struct rk_stix_options opt;
    char *bad;

    assert_stix_valid(custom);
    rk_stix_options_init(&opt);
    opt.allow_custom = 0;
    assert_int_equal(stix_try(custom, &opt), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "custom object type", NULL));
    bad = stix_mutate(custom, "some_custom_stuff", NULL);
    assert_stix_error(bad, "at least one property besides the common properties", NULL);
    free(bad);
    bad = stix_mutate(custom, "type", "\"x--double\"");
    assert_stix_error(bad, "no '--'", NULL);
    free(bad);
    bad = stix_mutate(custom, "type", "\"my-thing\"");
    free(bad);
    bad = stix_mutate(Q("{'type':'my-thing','spec_version':'2.1','id':'my-thing--4527e5de-8572-446a-a57a-706f15467461',"
                        "'created':'2016-08-01T00:00:00.000Z','modified':'2016-08-01T00:00:00.000Z'}"),
                      "value", "1");
    assert_stix_warning(bad, "should start with x-", NULL);
    free(bad);
    /* a custom SDO-like object needs the SDO common properties */
    bad = stix_mutate(custom, "modified", NULL);
    assert_stix_error(bad, "missing required property", "modified");
    free(bad);
}

static void test_stix_negative__extensions(void **state)
{
    static const struct {
        const char *value, *needle, *path;
    } cases[] = {
        {"{}", "non-empty dictionary", "extensions"},
        {"{'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e':{'rank':5}}",
         "extension_type is required", "extensions.extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"},
        {"{'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e':{'extension_type':'property_extension'}}",
         "not a value of extension-type-enum", NULL},
        {"{'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e':{'extension_type':'new-sdo'}}",
         "cannot apply to the predefined type indicator", NULL},
        {"{'extension-definition--d83fce45':{'extension_type':'property-extension'}}",
         "extension-definition--<UUID>", NULL},
        {"{'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e':{'extension_type':'property-extension','Bad-Name':1}}",
         "not a valid property name", NULL},
        {"{'x-acme-ext':{'foo':'bar'}}", "only SCOs can have custom extensions", NULL},
        {"{'ntfs-ext':{'sid':'1'}}", "ntfs-ext is not an extension of indicator", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(BASE_INDICATOR, "extensions", Q(cases[i].value));

        assert_stix_error(bad, cases[i].needle, cases[i].path);
        free(bad);
    }
    /* property and top-level property extensions */
    char *ok = stix_mutate(BASE_INDICATOR, "extensions",
                           Q("{'extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e':"
                             "{'extension_type':'property-extension','rank':5,'toxicity':8}}"));
    assert_stix_valid(ok);
    free(ok);
    ok = stix_mutate(BASE_INDICATOR, "extensions",
                     Q("{'extension-definition--71736db5-10db-43d3-b0e3-65cf81601fe1':"
                       "{'extension_type':'toplevel-property-extension'}}"));
    char *ok2 = stix_mutate(ok, "rank", "1");
    assert_stix_valid(ok2);
    /* properties of a top-level extension need no x_ prefix */
    assert_false(stix_has_finding(RK_STIX_WARNING, "should start with x_", NULL));
    free(ok);
    free(ok2);
}

static void test_stix_negative__granular_markings(void **state)
{
    static const struct {
        const char *value, *needle, *path;
    } cases[] = {
        {"[{'selectors':['description']}]", "exactly one of lang and marking_ref",
         "granular_markings[0]"},
        {"[{'lang':'de','marking_ref':'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da','selectors':['description']}]",
         "exactly one of lang and marking_ref", "granular_markings[0]"},
        {"[{'lang':'de','selectors':[]}]", "non-empty list", "granular_markings[0].selectors"},
        {"[{'lang':'de'}]", "missing required property", "granular_markings[0].selectors"},
        {"[{'lang':'de','selectors':['description','pattern.[0]']}]", "does not select anything",
         "granular_markings[0].selectors[1]"},
        {"[{'lang':'de','selectors':['kill_chain_phases.[1]']}]", "does not select anything", NULL},
        {"[{'lang':'de','selectors':['labels']}]", "does not select anything", NULL},
        {"[{'lang':'de','selectors':['name.first']}]", "does not select anything", NULL},
        {"[{'lang':'de','selectors':['description.']}]", "does not select anything", NULL},
        {"[{'marking_ref':'identity--34098fce-860f-48ae-8e50-ebd3cc5e41da','selectors':['name']}]",
         "marking-definition identifier", "granular_markings[0]"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(BASE_INDICATOR, "granular_markings", Q(cases[i].value));

        assert_stix_error(bad, cases[i].needle, cases[i].path);
        free(bad);
    }
    char *ok = stix_mutate(BASE_INDICATOR, "granular_markings",
                           Q("[{'marking_ref':'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',"
                             "'selectors':['description','kill_chain_phases.[0].phase_name','indicator_types.[0]']},"
                             "{'lang':'ja','selectors':['name']}]"));
    assert_stix_valid(ok);
    free(ok);
}

static void test_stix_negative__vocabularies_and_hashes(void **state)
{
    char *obj = stix_mutate(BASE_INDICATOR, "indicator_types", "[\"my-own-type\"]");

    /* open vocabulary: a value outside it is a warning, the object is valid */
    assert_stix_warning(obj, "not in the suggested vocabulary indicator-type-ov",
                        "indicator_types[0]");
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "pattern_type", "\"lucene\"");
    assert_stix_warning(obj, "pattern-type-ov", "pattern_type");
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "external_references",
                      Q("[{'source_name':'x','url':'http://x','hashes':{'sha256-custom':'abc'}}]"));
    assert_stix_warning(obj, "not in hash-algorithm-ov", NULL);
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "external_references",
                      Q("[{'source_name':'x','url':'http://x','hashes':{'md':'abc'}}]"));
    assert_stix_error(obj, "3-250 ASCII", NULL);
    free(obj);
    obj = stix_mutate(BASE_INDICATOR, "external_references",
                      Q("[{'source_name':'x','url':'http://x','hashes':{'MD5':'3773A88F65A5E780C8DFF9CDC3A056F3'}}]"));
    assert_stix_valid(obj); /* hash values are accepted in either case */
    free(obj);
}

int test_stix_negative_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_negative__malformed_json),
            cmocka_unit_test(test_stix_negative__duplicate_keys_and_utf8),
            cmocka_unit_test(test_stix_negative__wrong_property_types),
            cmocka_unit_test(test_stix_negative__bad_ids),
            cmocka_unit_test(test_stix_negative__bad_timestamps),
            cmocka_unit_test(test_stix_negative__caps),
            cmocka_unit_test(test_stix_negative__custom_properties),
            cmocka_unit_test(test_stix_negative__custom_objects),
            cmocka_unit_test(test_stix_negative__extensions),
            cmocka_unit_test(test_stix_negative__granular_markings),
            cmocka_unit_test(test_stix_negative__vocabularies_and_hashes),
    };

    return cmocka_run_group_tests_name("stix_negative", tests, NULL, NULL);
}
