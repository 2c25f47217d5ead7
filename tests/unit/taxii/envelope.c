/* envelope.c - request bodies must be TAXII envelopes (section 3.7); everything but the objects
 * themselves is checked to the JSON grammar, with the byte offset of a problem. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "taxii/http_request.h"

static int check(const char *body, struct rk_err *err)
{
    rk_err_clear(err);
    return rk_taxii_envelope_check(body, strlen(body), err);
}

static void test_taxii_envelope__accepted(void **state)
{
    const char *ok[] = {
            "{\"objects\":[{\"type\":\"indicator\"}]}",
            " \n{ \"more\" : false , \"objects\" : [ {} , {\"a\":[1,2.5e-3,-0,true,null]} ] }\r\n",
            "{\"objects\":[{}],\"next\":\"abc\",\"x_custom\":{\"k\":[\"\\u00e9\\n\"]}}",
            /* a STIX bundle is an envelope with more members */
            "{\"type\":\"bundle\",\"id\":\"bundle--x\",\"objects\":[{}]}",
    };
    struct rk_err err;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (check(ok[i], &err) != 0)
            fail_msg("'%s' refused: %s", ok[i], err.message);
}

static void test_taxii_envelope__refused(void **state)
{
    static const struct {
        const char *body, *why;
        long long offset; /* -1: not checked */
    } bad[] = {
            {"", "expected a JSON object", 0},
            {"[{}]", "expected a JSON object", 0},
            {"{\"type\":\"indicator\",\"id\":\"indicator--x\"}", "not \"bundle\"", 8},
            {"{\"objects\":{}}", "must be a list", 11},
            {"{\"objects\":[]}", "empty", -1},
            {"{}", "no \"objects\" list", -1},
            {"{\"objects\":[{}],\"objects\":[{}]}", "given twice", -1},
            {"{\"objects\":[{}]} {}", "after the envelope", 17},
            {"{\"objects\":[{}],}", "quoted member name", 16},
            {"{\"objects\":[{},]}", "unexpected character", 15},
            {"{\"objects\":[{\"a\":tru}]}", "unexpected character", 17},
            {"{\"objects\":[{\"a\":01}]}", "expected ',' or '}'", 18},
            {"{\"objects\":[{\"a\":\"\\x\"}]}", "bad escape", 18},
            {"{\"objects\":[{\"a\":\"\t\"}]}", "control character", 18},
            {"{\"objects\":[{\"a\":\"abc", "unterminated", -1},
            {"{\"objects\":[{\"a\":1}", "ends too early", -1},
            {"{\"objects\" [{}]}", "expected ':'", 11},
            {"{\"more\":1.}", "malformed number", 10},
    };
    struct rk_err err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (check(bad[i].body, &err) != RK_EFORMAT || !strstr(err.message, bad[i].why))
            fail_msg("'%s': got '%s', expected '%s'", bad[i].body, err.message, bad[i].why);
        if (bad[i].offset >= 0 && err.offset != bad[i].offset)
            fail_msg("'%s': offset %lld, expected %lld", bad[i].body, err.offset,
                     bad[i].offset);
    }
}

static void test_taxii_envelope__deep_nesting(void **state)
{
    static char body[1024];
    struct rk_err err;
    size_t n = 0;

    n += (size_t)snprintf(body, sizeof(body), "{\"objects\":[");
    for (int i = 0; i < 200; i++)
        body[n++] = '[';
    body[n] = '\0';
    assert_int_equal(check(body, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "nesting"));
}

int test_taxii_envelope_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_envelope__accepted),
            cmocka_unit_test(test_taxii_envelope__refused),
            cmocka_unit_test(test_taxii_envelope__deep_nesting),
    };

    return cmocka_run_group_tests_name("taxii_envelope", tests, NULL, NULL);
}
