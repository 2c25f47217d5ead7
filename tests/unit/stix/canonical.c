/* canonical.c - the canonical serialisation: key order, escaping, numbers, caching, and that it
 * reads back equal and is idempotent. */
#include "tests.h"

#include "stix/stix_internal.h"

#include <stdlib.h>
#include <string.h>

static char *dump_text(const char *json)
{
    json_error_t je;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &je);
    char *out;
    size_t len;

    assert_non_null(v);
    out = rk_stix_canonical_dump(v, &len);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    json_decref(v);
    return out;
}

static void expect_canonical(const char *in, const char *want)
{
    char *got = dump_text(in);

    assert_string_equal(got, want);
    free(got);
}

static void test_stix_canonical__keys_sorted_compact(void **state)
{
    expect_canonical("{ \"b\" : 1 , \"a\" : [ true , false , null ] , \"ab\" : { \"z\" : \"\" , \"y\" : {} } }",
                     "{\"a\":[true,false,null],\"ab\":{\"y\":{},\"z\":\"\"},\"b\":1}");
    /* RFC 8785 order: by UTF-16 code units, so U+1F600 (surrogates) sorts before U+E000 */
    expect_canonical("{\"\xee\x80\x80\":1,\"\xf0\x9f\x98\x80\":2,\"z\":3}",
                     "{\"z\":3,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
}

static void test_stix_canonical__strings(void **state)
{
    /* UTF-8 stays as is; only quote, backslash and control characters are escaped */
    expect_canonical("\"caf\\u00e9 \\u65e5\\u672c \\\" \\\\ / \\n\\t\\r\\b\\f \\u0001 \\u001f \\u007f\"",
                     "\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \\\" \\\\ / \\n\\t\\r\\b\\f \\u0001 \\u001f \x7f\"");
}

/* The parsed form (strings written without escapes are copied as they are) gives the same
 * text as the jansson form for strings and keys with and without escapes, raw UTF-8, DEL. */
static void test_stix_canonical__parsed_strings_as_jansson(void **state)
{
    static const char *const samples[] = {
            "{\"plain\":\"abc def / + ~\",\"utf8\":\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\","
            "\"del\":\"a\x7f"
            "b\",\"esc\":\"caf\\u00e9 \\\" \\\\ \\/ \\n\\t \\u0001 \\u001f \\u007f\","
            "\"k\\u0065y\":\"\\ud83d\\ude00\","
            "\"\\\"q\\\"\":[\"\",\"x\\\\\",\"\\\"\"],\"\":{\"a b\":\"\"}}",
            "[\"only plain\",\"\\u0000x\"]",
    };

    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        struct rk_json_doc *doc = NULL;
        json_t *v = json_loads(samples[i], JSON_ALLOW_NUL, NULL);
        char *want, *got;
        size_t wl, gl;
        struct rk_err err;

        assert_non_null(v);
        want = rk_stix_canonical_dump(v, &wl);
        if (rk_json_parse_once(samples[i], strlen(samples[i]), 0, &doc, &err) != 0) {
            assert_non_null(strstr(samples[i], "\\u0000")); /* refused by the parser only */
            free(want);
            json_decref(v);
            continue;
        }
        got = rk_stix_canon_dump_dom(rk_json_root(doc), 0, &gl);
        assert_non_null(got);
        assert_int_equal(gl, wl);
        assert_memory_equal(got, want, wl);
        free(got);
        free(want);
        rk_json_doc_free(doc);
        json_decref(v);
    }
}

static void test_stix_canonical__numbers(void **state)
{
    expect_canonical("[0, -1, 9007199254740993, -9223372036854775808]",
                     "[0,-1,9007199254740993,-9223372036854775808]");
    expect_canonical("[8.321, 0.1, 1.0, -0.0, 1e300, 5e-324, 2.5e-7, 123456789.123456789]",
                     "[8.321,0.1,1.0,-0.0,1e+300,4.94065645841247e-324,2.5e-07,123456789.12345679]");
}

static void test_stix_canonical__round_trip_and_idempotence(void **state)
{
    static const char *const samples[] = {
        BASE_INDICATOR,
        "{\"type\":\"location\",\"spec_version\":\"2.1\",\"id\":\"location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64\","
        "\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\","
        "\"latitude\":48.8566,\"longitude\":2.3522,\"precision\":1000.0,\"x_acme\":{\"nested\":[1,2.0,\"\\u2028\"]}}",
    };

    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        struct rk_stix_object *o, *o2;
        struct rk_err err;
        const char *c1, *c2;
        size_t l1, l2;
        json_t *orig, *back;

        assert_int_equal(rk_stix_object_parse(&o, samples[i], strlen(samples[i]), NULL, NULL, &err), 0);
        c1 = rk_stix_object_canonical(o, &l1);
        assert_ptr_equal(c1, rk_stix_object_canonical(o, NULL)); /* cached */
        orig = json_loads(samples[i], 0, NULL);
        back = json_loadb(c1, l1, 0, NULL);
        assert_true(json_equal(orig, back)); /* lossless: custom properties and floats survive */
        assert_int_equal(rk_stix_object_parse(&o2, c1, l1, NULL, NULL, &err), 0);
        c2 = rk_stix_object_canonical(o2, &l2);
        assert_int_equal(l1, l2);
        assert_memory_equal(c1, c2, l1); /* idempotent */
        json_decref(orig);
        json_decref(back);
        rk_stix_object_free(o);
        rk_stix_object_free(o2);
    }
    assert_null(rk_stix_canonical_dump(NULL, NULL));
}

int test_stix_canonical_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_canonical__keys_sorted_compact),
            cmocka_unit_test(test_stix_canonical__strings),
            cmocka_unit_test(test_stix_canonical__parsed_strings_as_jansson),
            cmocka_unit_test(test_stix_canonical__numbers),
            cmocka_unit_test(test_stix_canonical__round_trip_and_idempotence),
    };

    return cmocka_run_group_tests_name("stix_canonical", tests, NULL, NULL);
}
