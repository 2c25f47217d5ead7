/* errors.c - syntax and semantic errors: code, byte offset and what the message says; caps. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bad {
    const char *text;
    int rc;
    long long offset;
    const char *says;
};

static void expect_bad(const struct bad *b, size_t len)
{
    struct rk_pattern *p = NULL;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    rc = rk_pattern_parse(&p, b->text, len, &err);
    assert_null(p);
    if (rc != b->rc || err.offset != b->offset || !strstr(err.message, b->says))
        fail_msg("%s\n  got rc %d offset %lld \"%s\"\n  want rc %d offset %lld \"...%s...\"",
                 b->text, rc, err.offset, err.message, b->rc, b->offset, b->says);
    /* the message ends with the position, so it stands on its own */
    {
        char tail[40];

        snprintf(tail, sizeof(tail), "at byte %lld", b->offset);
        assert_non_null(strstr(err.message, tail));
    }
    assert_int_equal(rk_pattern_validate(b->text, len, NULL), b->rc);
}

static void test_pattern_errors__syntax(void **state)
{
    static const struct bad cases[] = {
            {"file:size = 1280", RK_EFORMAT, 0, "expected '[' or '(' at the start"},
            {"", RK_EFORMAT, 0, "found end of pattern"},
            {"[file:size = ]", RK_EFORMAT, 13, "expected a constant after '=', found ']'"},
            {"[file:size != ]", RK_EFORMAT, 14, "expected a constant after '!=', found ']'"},
            {"[file:size >= ]", RK_EFORMAT, 14, "expected a constant after '>=', found ']'"},
            {"[file:size < false]", RK_EFORMAT, 13, "booleans cannot be ordered"},
            {"[file:name LIKE 5]", RK_EFORMAT, 16, "expected a string constant after LIKE, found"},
            {"[file:hashes.MD5 = cead3f77]", RK_EFORMAT, 19, "expected a constant"},
            {"[file.size = 1280]", RK_EFORMAT, 5, "expected ':' after the object type"},
            {"[file:name MATCHES /.*/]", RK_EFORMAT, 19,
             "expected a string constant after MATCHES"},
            {"[file:a = 1] WITHIN ]", RK_EFORMAT, 20, "expected a number of seconds after WITHIN"},
            {"[file:a = 1] WITHIN 5 HOURS", RK_EFORMAT, 22, "expected SECONDS"},
            {"[file:hashes.MD5 =? 'x']", RK_EFORMAT, 18, "unexpected character '?'"},
            {"[foo:bar=1] within 2 seconds", RK_EFORMAT, 12,
             "expected AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern"},
            {"[file:name = 'a'", RK_EFORMAT, 16,
             "expected ']' to close the observation expression "
             "opened at byte 0, found end of pattern"},
            {"[file:name = 'a' OR]", RK_EFORMAT, 19, "expected an object path"},
            {"([file:name = 'a']", RK_EFORMAT, 18, "expected ')' to close the '(' at byte 0"},
            {"[(file:name = 'a']", RK_EFORMAT, 17, "expected ')' to close the '(' at byte 1"},
            {"[file:name ~ 'a']", RK_EFORMAT, 11, "expected a comparison operator"},
            {"[file:name LAST 'a']", RK_EFORMAT, 11, "expected a comparison operator"},
            {"[file:name = 'a' and file:size = 1]", RK_EFORMAT, 17, "expected ']'"},
            {"[file:name-x = 'a']", RK_EFORMAT, 6, "'name-x' contains '-' and must be quoted"},
            {"[file:a.b-c = 'a']", RK_EFORMAT, 8, "'b-c' contains '-'"},
            {"[file:a[x] = 1]", RK_EFORMAT, 8, "expected a list index or '*'"},
            {"[file:a[1 = 1]", RK_EFORMAT, 10, "expected ']' after the list index"},
            {"[NOT file:a = 1]", RK_EFORMAT, 5, "expected EXISTS after a leading NOT"},
            {"[file:a = 'x\\n']", RK_EFORMAT, 12, "invalid escape"},
            {"[file:a = 'x]", RK_EFORMAT, 10, "unterminated string constant"},
            {"[file:a = 1] /* open", RK_EFORMAT, 13, "unterminated /* comment"},
            {"[file:a > true]", RK_EFORMAT, 10, "booleans cannot be ordered"},
            {"[file:a = 1] START '2016-01-01T00:00:00Z' STOP '2017-01-01T00:00:00Z'", RK_EFORMAT,
             19, "expected a timestamp constant t'...' after START"},
            {"[file:a = 1] REPEATS 2", RK_EFORMAT, 22, "expected TIMES"},
            {"[file:a = 1] REPEATS 2.5 TIMES", RK_EFORMAT, 21, "expected a count after REPEATS"},
            {"[file:a = 1] [file:a = 2]", RK_EFORMAT, 13, "expected AND, OR, FOLLOWEDBY"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_bad(&cases[i], strlen(cases[i].text));
}

static void test_pattern_errors__constants(void **state)
{
    static const struct bad cases[] = {
            {"[x-a:b = t'2457-73-22T32:81:84.1Z']", RK_EFORMAT, 18, "invalid timestamp constant"},
            {"[x-a:b = t'2015-02-29T00:00:00Z']", RK_EFORMAT, 21, "invalid timestamp constant"},
            {"[x-a:b = t'2016-01-01T00:00:00+01:00']", RK_EFORMAT, 30, "invalid timestamp"},
            {"[x-a:b = t'2016-01-01T00:00:00Z]", RK_EFORMAT, 9, "unterminated t'...' constant"},
            {"[x-a:b_bin = b'====']", RK_EFORMAT, 15, "not base64"},
            {"[x-a:b_bin = b'ABC']", RK_EFORMAT, 18, "non-zero multiple of 4"},
            {"[x-a:b_bin = b'']", RK_EFORMAT, 15, "non-zero multiple of 4"},
            {"[x-a:b_bin = b'AB=A']", RK_EFORMAT, 18, "not base64"},
            {"[x-a:b_hex = h'abc']", RK_EFORMAT, 18, "odd number of hex digits"},
            {"[x-a:b_hex = h'zz']", RK_EFORMAT, 15, "expected a hex digit"},
            {"[x-a:b = 9007199254740992]", RK_EFORMAT, 9, "integer constant out of range"},
            {"[x-a:b = -9007199254740992]", RK_EFORMAT, 9, "integer constant out of range"},
            {"[x-a:b = 1"
             "0000000000000000000000000000000000000000000000000000000000000000000000000"
             "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
             "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
             "0000000000000000000000000000000000000000000000000000000000000000000000000000000000."
             "5]",
             RK_EFORMAT, 9, "float constant out of range"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_bad(&cases[i], strlen(cases[i].text));
}

static void test_pattern_errors__semantics(void **state)
{
    static const struct bad cases[] = {
            /* 9.5: operands of AND in one observation expression apply to one object */
            {"[network-traffic:src_port = 37020 AND user-account:user_id = 'root']", RK_EFORMAT, 34,
             "AND joins comparisons of different object types ('network-traffic' and "
             "'user-account')"},
            {"[(file:a = 1 OR process:b = 2) AND url:value = 'x']", RK_EFORMAT, 31,
             "different object types"},
            /* 9.5.1: at most one qualifier of each type */
            {"[file:a = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", RK_EFORMAT, 30,
             "more than one WITHIN qualifier"},
            {"([file:a = 1] REPEATS 2 TIMES REPEATS 3 TIMES)", RK_EFORMAT, 30,
             "more than one REPEATS qualifier"},
            {"([file:a = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS", RK_EFORMAT, 32,
             "more than one WITHIN"},
            {"[file:a = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z' START "
             "t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
             RK_EFORMAT, 72, "more than one START/STOP qualifier"},
            {"[file:a = 1] START t'2016-06-02T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", RK_EFORMAT,
             48, "START timestamp must be earlier than the STOP"},
            {"[file:a = 1] REPEATS 0 TIMES", RK_EFORMAT, 21, "REPEATS needs a positive count"},
            {"[file:a = 1] REPEATS -1 TIMES", RK_EFORMAT, 21, "REPEATS needs a positive count"},
            {"[file:a = 1] WITHIN 0 SECONDS", RK_EFORMAT, 20, "positive number of seconds"},
            {"[file:a = 1] WITHIN 0.0 SECONDS", RK_EFORMAT, 20, "positive number of seconds"},
            {"[file:a = 1] WITHIN -5 SECONDS", RK_EFORMAT, 20, "positive number of seconds"},
            /* 3.1: type names */
            {"[x_whatever:a = 1]", RK_EFORMAT, 1, "invalid object type 'x_whatever'"},
            {"[File:a = 1]", RK_EFORMAT, 1, "invalid object type 'File'"},
            {"[ab:a = 1]", RK_EFORMAT, 1, "invalid object type 'ab'"},
            {"[x--y:a = 1]", RK_EFORMAT, 1, "invalid object type 'x--y'"},
            {"[9ab:a = 1]", RK_EFORMAT, 1, "expected an object path"},
            /* 2.7: hash values in the algorithm's format */
            {"[file:hashes.'SHA-256' = 'f00']", RK_EFORMAT, 25,
             "'f00' is not a valid SHA-256 hash"},
            {"[file:hashes.MD5 IN ('00112233445566778899aabbccddeeff', 'zz')]", RK_EFORMAT, 57,
             "'zz' is not a valid MD5 hash"},
            {"[file:hashes.sha1 != 'abc']", RK_EFORMAT, 21, "not a valid SHA-1 hash"},
            /* 9.6.1: IN sets are homogeneous; ISSUBSET/ISSUPERSET need addresses */
            {"[file:size IN (1, 'a')]", RK_EFORMAT, 18, "IN set mixes integer and string"},
            {"[ipv4-addr:value ISSUBSET 'x']", RK_EFORMAT, 26, "needs an IPv4 or IPv6 address"},
            {"[ipv4-addr:value ISSUBSET '2001:db8::/32']", RK_EFORMAT, 26,
             "ISSUBSET on ipv4-addr needs an IPv4"},
            {"[ipv6-addr:value ISSUPERSET '10.0.0.0/8']", RK_EFORMAT, 28, "needs an IPv6"},
            {"[ipv4-addr:value ISSUBSET '10.0.0.0/33']", RK_EFORMAT, 26, "needs an IPv4 or IPv6"},
            {"[domain-name:value ISSUBSET '10.0.0.0/8']", RK_EFORMAT, 1,
             "ISSUBSET applies to the value of an ipv4-addr or ipv6-addr object"},
            {"[network-traffic:dst_port ISSUBSET '10.0.0.0/8']", RK_EFORMAT, 1,
             "applies to the value"},
            /* PCRE syntax */
            {"[file:name MATCHES 'a(b']", RK_EFORMAT, 23,
             "invalid regular expression: missing closing"},
            {"[file:name MATCHES '\\\\']", RK_EFORMAT, 22, "invalid regular expression"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_bad(&cases[i], strlen(cases[i].text));
}

static void test_pattern_errors__encoding(void **state)
{
    static const struct bad cases[] = {
            {"[file:name = '\xff']", RK_EFORMAT, 14, "not valid UTF-8"},
            {"[file:name = '\xc0\xaf']", RK_EFORMAT, 14, "not valid UTF-8"},     /* overlong '/' */
            {"[file:name = '\xed\xa0\x80']", RK_EFORMAT, 14, "not valid UTF-8"}, /* surrogate */
            {"[file:name = 'a'] \xe2\x82\xac", RK_EFORMAT, 18,
             "unexpected character '\xe2\x82\xac'"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_bad(&cases[i], strlen(cases[i].text));
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1), *o;

    assert_non_null(s);
    memcpy(s, head, hl);
    o = s + hl;
    for (size_t i = 0; i < n; i++, o += ul)
        memcpy(o, unit, ul);
    memcpy(o, tail, tl + 1);
    return s;
}

static void expect_limit(char *text, const char *says)
{
    struct rk_pattern *p = NULL;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    rc = rk_pattern_parse(&p, text, strlen(text), &err);
    if (rc != RK_ELIMIT || !strstr(err.message, says))
        fail_msg("rc %d \"%s\", want RK_ELIMIT \"%s\"", rc, err.message, says);
    assert_true(err.offset >= 0);
    free(text);
}

static void test_pattern_errors__caps(void **state)
{
    char *s;
    size_t n;

    /* just below each cap parses */
    s = repeat("", "(", RK_PATTERN_MAX_DEPTH - 1, "");
    n = strlen(s);
    free(s);
    s = repeat("", "(", RK_PATTERN_MAX_DEPTH - 1, "[file:a = 1]");
    s = realloc(s, strlen(s) + RK_PATTERN_MAX_DEPTH + 1);
    memset(s + n + 12, ')', RK_PATTERN_MAX_DEPTH - 1);
    s[n + 12 + RK_PATTERN_MAX_DEPTH - 1] = '\0';
    rk_pattern_free(tp_parse(s));
    free(s);
    expect_limit(repeat("", "(", RK_PATTERN_MAX_DEPTH + 1, "[file:a = 1]"), "nested deeper than");
    expect_limit(repeat("[", "(", RK_PATTERN_MAX_DEPTH, "file:a = 1"), "nested deeper than");
    expect_limit(repeat("[file:a = 0", " OR file:a = 1", RK_PATTERN_MAX_ATOMS, "]"),
                 "more than 4096 comparison expressions");
    expect_limit(repeat("[file:a", ".b", RK_PATTERN_MAX_STEPS, " = 1]"), "more than 64 components");
    expect_limit(repeat("[file:a IN (0", ", 1", RK_PATTERN_MAX_SET, ")]"),
                 "more than 4096 members");
    s = repeat("[file:a = '", "x", RK_PATTERN_MAX_LEN, "']");
    expect_limit(s, "pattern longer than");
    s = repeat("[file:a = 0", " OR file:a = 1", RK_PATTERN_MAX_ATOMS - 1, "]");
    rk_pattern_free(tp_parse(s));
    free(s);
}

int test_pattern_errors_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pattern_errors__syntax),
            cmocka_unit_test(test_pattern_errors__constants),
            cmocka_unit_test(test_pattern_errors__semantics),
            cmocka_unit_test(test_pattern_errors__encoding),
            cmocka_unit_test(test_pattern_errors__caps),
    };

    return cmocka_run_group_tests_name("pattern_errors", tests, NULL, NULL);
}
