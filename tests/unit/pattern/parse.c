/* parse.c - lexer edge cases, precedence, qualifiers, constants, object paths, the walk API. */
#include "tests.h"

#include "util/alloc.h"

#include <jansson.h>

#include <math.h>
#include <string.h>

static void expect_shape(const char *text, const char *want)
{
    struct rk_pattern *p = tp_parse(text);
    char got[512];

    tp_shape(rk_pattern_root(p), got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  shape %s, want %s", text, got, want);
    rk_pattern_free(p);
}

static void expect_cmp_shape(const char *text, const char *want)
{
    struct rk_pattern *p = tp_parse(text);
    char got[512];

    assert_int_equal(rk_pattern_root(p)->kind, RK_PATTERN_NODE_OBSERVATION);
    tp_shape(rk_pattern_root(p)->left, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  shape %s, want %s", text, got, want);
    rk_pattern_free(p);
}

/* 9.5.3: AND binds tighter than OR, OR tighter than FOLLOWEDBY, all left to right. */
static void test_pattern_parse__observation_precedence(void **state)
{
    expect_shape("[file:a = 1] AND [file:a = 2] OR [file:a = 3] FOLLOWEDBY [file:a = 4]",
                 "FBY(OR(AND(O0,O1),O2),O3)");
    expect_shape("[file:a = 1] FOLLOWEDBY [file:a = 2] OR [file:a = 3] AND [file:a = 4]",
                 "FBY(O0,OR(O1,AND(O2,O3)))");
    expect_shape("[file:a = 1] AND [file:a = 2] AND [file:a = 3]", "AND(AND(O0,O1),O2)");
    expect_shape("[file:a = 1] FOLLOWEDBY [file:a = 2] FOLLOWEDBY [file:a = 3]",
                 "FBY(FBY(O0,O1),O2)");
    expect_shape("[file:a = 1] AND ([file:a = 2] OR [file:a = 3])", "AND(O0,OR(O1,O2))");
}

/* 9.5.1 / 9.5.2: qualifiers are not greedy: they bind to the expression just before them. */
static void test_pattern_parse__qualifier_binding(void **state)
{
    /* "[ b ] FOLLOWEDBY [ c ] REPEATS 5 TIMES ... the REPEATS applies to c" */
    expect_shape("[file:b = 1] FOLLOWEDBY [file:c = 1] REPEATS 5 TIMES", "FBY(O0,R5(O1))");
    /* "([ a = 'b' ] FOLLOWEDBY [ c = 'd' ]) REPEATS 5 TIMES ... 5 pairs" */
    expect_shape("([file:a = 'b'] FOLLOWEDBY [file:c = 'd']) REPEATS 5 TIMES", "R5(FBY(O0,O1))");
    expect_shape("[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value "
                 "= 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
                 "W1800(R5(O0))");
    expect_shape("([file:a = 1] REPEATS 2 TIMES) REPEATS 3 TIMES", "R3(R2(O0))");
    expect_shape("[file:name = 'foo.dll'] START t'2016-06-01T00:00:00Z' STOP "
                 "t'2016-07-01T00:00:00Z'",
                 "SS(O0)");
    expect_shape("[file:a = 1] WITHIN .5 SECONDS", "W0.5(O0)");
    expect_shape("[file:a = 1] REPEATS +2 TIMES", "R2(O0)");
}

/* 9.6: AND before OR inside an observation expression; parentheses group. */
static void test_pattern_parse__comparison_precedence(void **state)
{
    expect_cmp_shape("[file:a = 1 OR file:b = 2 AND file:c = 3]", "or(a,and(b,c))");
    expect_cmp_shape("[file:a = 1 AND file:b = 2 OR file:c = 3]", "or(and(a,b),c)");
    expect_cmp_shape("[(file:a = 1 OR file:b = 2) AND file:c = 3]", "and(or(a,b),c)");
    expect_cmp_shape("[file:a = 1 OR file:b = 2 OR file:c = 3]", "or(or(a,b),c)");
}

static const struct rk_pattern_atom *only_atom(struct rk_pattern *p)
{
    assert_int_equal(rk_pattern_atom_count(p), 1);
    return rk_pattern_atom_at(p, 0);
}

/* Whitespace is any WSpace code point; comments as in STIXPattern.g4; '==' and '<>'. */
static void test_pattern_parse__lexer_spacing_and_operators(void **state)
{
    static const struct {
        const char *text;
        enum rk_pattern_op op;
        int negated;
    } cases[] = {
            {"[\tfile:size\n=\r\n25536 ]", RK_PATTERN_OP_EQ, 0},
            {"\xe3\x80\x80[file:size\xc2\xa0==\xe2\x80\xa8 1]", RK_PATTERN_OP_EQ, 0}, /* U+3000 */
            {"[file:size <> 1]", RK_PATTERN_OP_NE, 0},
            {"[file:size /* a comment */ != 1] // trailing", RK_PATTERN_OP_NE, 0},
            {"[file:size NOT <= 1]", RK_PATTERN_OP_LE, 1},
            {"[file:size>=1]", RK_PATTERN_OP_GE, 0},
            {"[file:size<1]", RK_PATTERN_OP_LT, 0},
            {"[file:size>1]", RK_PATTERN_OP_GT, 0},
            {"[NOT EXISTS file:size]", RK_PATTERN_OP_EXISTS, 1},
            {"[file:name NOT LIKE 'a%']", RK_PATTERN_OP_LIKE, 1},
            {"[ file : size = 1 ]", RK_PATTERN_OP_EQ, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rk_pattern *p = tp_parse(cases[i].text);
        const struct rk_pattern_atom *a = only_atom(p);

        assert_int_equal(a->op, cases[i].op);
        assert_int_equal(a->negated, cases[i].negated);
        assert_string_equal(a->object_type, "file");
        rk_pattern_free(p);
    }
}

static const struct rk_pattern_const *value_of(struct rk_pattern **p, const char *text)
{
    *p = tp_parse(text);
    return only_atom(*p)->value;
}

static void test_pattern_parse__constants(void **state)
{
    struct rk_pattern *p;
    const struct rk_pattern_const *c;

    c = value_of(&p, "[file:name = 'it\\'s a \\\\ test']");
    assert_int_equal(c->type, RK_PATTERN_CONST_STRING);
    assert_string_equal(c->str, "it's a \\ test");
    assert_int_equal(c->text_len, strlen("'it\\'s a \\\\ test'"));
    rk_pattern_free(p);
    c = value_of(&p, "[x-example:n = -42]");
    assert_int_equal(c->type, RK_PATTERN_CONST_INT);
    assert_int_equal(c->integer, -42);
    rk_pattern_free(p);
    c = value_of(&p, "[x-example:n = 007.25]"); /* FloatPosLiteral allows leading zeros */
    assert_int_equal(c->type, RK_PATTERN_CONST_FLOAT);
    assert_true(fabs(c->real - 7.25) < 1e-12);
    rk_pattern_free(p);
    c = value_of(&p, "[x-example:n = -.5]");
    assert_true(c->real == -0.5);
    rk_pattern_free(p);
    c = value_of(&p, "[x-example:n = true]");
    assert_int_equal(c->type, RK_PATTERN_CONST_BOOL);
    assert_int_equal(c->integer, 1);
    rk_pattern_free(p);
    /* 9.2: b'ABI=' is the two octets 00 12; line feeds inside base64 are ignored */
    c = value_of(&p, "[x-example:data_bin = b'AB\nI=']");
    assert_int_equal(c->type, RK_PATTERN_CONST_BINARY);
    assert_int_equal(c->len, 2);
    assert_memory_equal(c->str, "\x00\x12", 2);
    rk_pattern_free(p);
    c = value_of(&p, "[x-example:data_hex = h'ffC3']");
    assert_int_equal(c->type, RK_PATTERN_CONST_HEX);
    assert_int_equal(c->len, 2);
    assert_memory_equal(c->str, "\xff\xc3", 2);
    rk_pattern_free(p);
    c = value_of(&p, "[file:created = t'2014-01-13T07:03:17.5Z']");
    assert_int_equal(c->type, RK_PATTERN_CONST_TIMESTAMP);
    assert_int_equal(c->sec, 1389596597);
    assert_int_equal(c->nsec, 500000000);
    rk_pattern_free(p);
    c = value_of(&p, "[file:created = t'2016-12-31T23:59:60Z']"); /* a leap second */
    assert_int_equal(c->sec, 1483228800);
    rk_pattern_free(p);
    c = value_of(&p, "[file:size IN ()]");
    assert_int_equal(c->type, RK_PATTERN_CONST_SET);
    assert_int_equal(c->n_items, 0);
    rk_pattern_free(p);
    c = value_of(&p, "[file:size IN (1, 2.5, +3)]");
    assert_int_equal(c->n_items, 3);
    assert_int_equal(c->items[2].integer, 3);
    rk_pattern_free(p);
}

static void test_pattern_parse__string_with_nul_and_unicode(void **state)
{
    static const char text[] = "[file:name = 'a\0\xc3\xa9']";
    struct rk_pattern *p = NULL;
    const struct rk_pattern_const *c;

    assert_int_equal(rk_pattern_parse(&p, text, sizeof(text) - 1, NULL), 0);
    c = only_atom(p)->value;
    assert_int_equal(c->len, 4);
    assert_memory_equal(c->str, "a\0\xc3\xa9", 4);
    rk_pattern_free(p);
}

/* 9.7: properties, quoted keys, list indexes and [*], extension paths. */
static void test_pattern_parse__object_paths(void **state)
{
    static const char *paths[] = {
            "file:extensions.'windows-pebinary-ext'.sections[*].entropy",
            "network-traffic:protocols[0]",
            "file:hashes.'SHA-256'",
            "email-message:body_multipart[*].body_raw_ref.name",
            "x-usb-device:usbdrive.serial_number",
            "file:'name'",
            "x-example:list[-1].'it\\'s'",
    };
    char text[256], back[256], want[256];

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct rk_pattern *p;
        const struct rk_pattern_atom *a;

        snprintf(text, sizeof(text), "[EXISTS %s]", paths[i]);
        p = tp_parse(text);
        a = only_atom(p);
        rk_pattern_path_format(a, back, sizeof(back));
        snprintf(want, sizeof(want), "%s", strchr(paths[i], ':') + 1);
        assert_string_equal(back, want);
        rk_pattern_free(p);
    }
}

static void test_pattern_parse__steps(void **state)
{
    struct rk_pattern *p =
            tp_parse("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    const struct rk_pattern_atom *a = only_atom(p);

    assert_int_equal(a->n_steps, 5);
    assert_int_equal(a->steps[0].kind, RK_PATTERN_STEP_KEY);
    assert_string_equal(a->steps[0].key, "extensions");
    assert_int_equal(a->steps[0].quoted, 0);
    assert_string_equal(a->steps[1].key, "windows-pebinary-ext");
    assert_int_equal(a->steps[1].quoted, 1);
    assert_int_equal(a->steps[3].kind, RK_PATTERN_STEP_ANY);
    assert_string_equal(a->steps[4].key, "entropy");
    assert_int_equal(a->op, RK_PATTERN_OP_GT);
    assert_int_equal(a->offset, 1);
    rk_pattern_free(p);
    p = tp_parse("[network-traffic:protocols[2] = 'tcp']");
    a = only_atom(p);
    assert_int_equal(a->steps[1].kind, RK_PATTERN_STEP_INDEX);
    assert_int_equal(a->steps[1].index, 2);
    rk_pattern_free(p);
}

static void test_pattern_parse__atoms_and_observations(void **state)
{
    struct rk_pattern *p = tp_parse(
            "([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo"
            "\\\\bar']) OR [process:image_ref.name = 'fooproc' OR process:image_ref.name = "
            "'procfoo']");

    assert_int_equal(rk_pattern_atom_count(p), 4);
    assert_int_equal(rk_pattern_observation_count(p), 3);
    assert_int_equal(rk_pattern_atom_at(p, 1)->observation, 1);
    assert_string_equal(rk_pattern_atom_at(p, 1)->value->str, "HKEY_LOCAL_MACHINE\\foo\\bar");
    assert_int_equal(rk_pattern_atom_at(p, 3)->observation, 2);
    assert_string_equal(rk_pattern_atom_at(p, 3)->object_type, "process");
    assert_null(rk_pattern_atom_at(p, 4));
    assert_string_equal(rk_pattern_op_name(rk_pattern_atom_at(p, 0)->op), "=");
    rk_pattern_free(p);
}

static void test_pattern_parse__simple_disjunction(void **state)
{
    static const struct {
        const char *text;
        int simple;
    } cases[] = {
            {"[ipv4-addr:value = '198.51.100.1/32' OR domain-name:value = 'evil.example']", 1},
            {"[file:hashes.'SHA-256' = "
             "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
             1},
            {"[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8') OR url:value = 'http://x.example/']", 1},
            {"[file:name = 'a' AND file:size = 1]", 0},
            {"[file:name != 'a']", 0},
            {"[file:name NOT = 'a']", 0},
            {"[file:name LIKE 'a%']", 0},
            {"[file:name = 'a'] REPEATS 2 TIMES", 0},
            {"[file:name = 'a'] OR [file:name = 'b']", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rk_pattern *p = tp_parse(cases[i].text);

        if (rk_pattern_is_simple_disjunction(p) != cases[i].simple)
            fail_msg("%s: simple should be %d", cases[i].text, cases[i].simple);
        rk_pattern_free(p);
    }
}

static void test_pattern_parse__qualifier_values(void **state)
{
    struct rk_pattern *p = tp_parse("[file:a = 1] START t'2016-06-01T00:00:00Z' STOP "
                                    "t'2016-07-01T00:00:00.25Z' WITHIN 2.5 SECONDS");
    const struct rk_pattern_node *w = rk_pattern_root(p), *ss = w->left;

    assert_int_equal(w->kind, RK_PATTERN_NODE_WITHIN);
    assert_true(w->within == 2.5);
    assert_int_equal(ss->kind, RK_PATTERN_NODE_STARTSTOP);
    assert_int_equal(ss->start_sec, 1464739200);
    assert_int_equal(ss->stop_sec, 1467331200);
    assert_int_equal(ss->stop_nsec, 250000000);
    rk_pattern_free(p);
}

/* Every allocation of a parse, then of a match, fails once in turn: each call fails cleanly
 * with RK_ENOMEM or (when the failure is absorbed) succeeds, and nothing leaks (ASan). */
static void test_pattern_parse__failure_injection(void **state)
{
    const char *text = "([file:name MATCHES '^a+$' AND file:size IN (1, 2)] FOLLOWEDBY "
                       "[file:name LIKE '\xc3\xa9%']) WITHIN 5 SECONDS";
    struct rk_pattern_observation obs[2] = {{0, 0, 0, 0, 1, NULL}, {1, 0, 1, 0, 1, NULL}};
    json_t *objs[2];
    unsigned long total, n, failures = 0;
    struct rk_pattern *p = NULL;
    int rc;

    objs[0] = json_pack("{s:{s:s, s:s, s:i}}", "0", "type", "file", "name", "aaa", "size", 2);
    objs[1] = json_pack("{s:{s:s, s:s}}", "0", "type", "file", "name", "e\xcc\x81x");
    obs[0].objects = objs[0], obs[1].objects = objs[1];
    rk_alloc_fail_at(0);
    assert_int_equal(rk_pattern_parse(&p, text, strlen(text), NULL), 0);
    total = rk_alloc_fail_at(0);
    rk_pattern_free(p);
    for (n = 1; n <= total; n++) {
        rk_alloc_fail_at(n);
        rc = rk_pattern_parse(&p, text, strlen(text), NULL);
        rk_alloc_fail_at(0);
        if (rc != 0) {
            assert_int_equal(rc, RK_ENOMEM);
            assert_null(p);
            failures++;
        }
        rk_pattern_free(p);
        p = NULL;
    }
    assert_true(failures > 0);
    p = tp_parse(text);
    assert_int_equal(rk_pattern_match(p, obs, 2, NULL, NULL, NULL), 1);
    total = rk_alloc_fail_at(0);
    rk_alloc_fail_at(0);
    assert_int_equal(rk_pattern_match(p, obs, 2, NULL, NULL, NULL), 1);
    total = rk_alloc_fail_at(0);
    for (n = 1, failures = 0; n <= total; n++) {
        rk_alloc_fail_at(n);
        rc = rk_pattern_match(p, obs, 2, NULL, NULL, NULL);
        rk_alloc_fail_at(0);
        if (rc != 1 && rc != RK_ENOMEM)
            fail_msg("allocation %lu of %lu failed: rc %d", n, total, rc);
        failures += rc != 1;
    }
    assert_true(failures > 0);
    rk_pattern_free(p);
    json_decref(objs[0]);
    json_decref(objs[1]);
}

int test_pattern_parse_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pattern_parse__observation_precedence),
            cmocka_unit_test(test_pattern_parse__qualifier_binding),
            cmocka_unit_test(test_pattern_parse__comparison_precedence),
            cmocka_unit_test(test_pattern_parse__lexer_spacing_and_operators),
            cmocka_unit_test(test_pattern_parse__constants),
            cmocka_unit_test(test_pattern_parse__string_with_nul_and_unicode),
            cmocka_unit_test(test_pattern_parse__object_paths),
            cmocka_unit_test(test_pattern_parse__steps),
            cmocka_unit_test(test_pattern_parse__atoms_and_observations),
            cmocka_unit_test(test_pattern_parse__simple_disjunction),
            cmocka_unit_test(test_pattern_parse__qualifier_values),
            cmocka_unit_test(test_pattern_parse__failure_injection),
    };

    return cmocka_run_group_tests_name("pattern_parse", tests, NULL, NULL);
}
