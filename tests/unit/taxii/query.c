/* query.c - the URL query parameters of TAXII 2.1 section 3.4. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "taxii/http_request.h"
#include "util/arena.h"

static struct rk_arena *arena;

static int setup(void **state)
{
    arena = rk_arena_new(1 << 20);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    rk_arena_free(arena);
    return 0;
}

static int parse(struct rk_taxii_filter *f, const char *q, struct rk_err *err)
{
    rk_arena_reset(arena);
    rk_err_clear(err);
    return rk_taxii_query_parse(f, q, strlen(q), arena, err);
}

static void test_taxii_query__all_filters(void **state)
{
    struct rk_taxii_filter f;
    struct rk_err err;

    assert_int_equal(parse(&f,
                           "added_after=2016-11-04T03:04:05.123456Z&limit=50&next=abc"
                           "&match%5Bid%5D=indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb,"
                           "sighting--4600ad1b-fff1-4c58-bcc9-4de3bc5e2ffd"
                           "&match[type]=incident,malware&match[spec_version]=2.0,2.1"
                           "&match[version]=first,2018-03-02T01:01:01.123Z,last",
                           &err),
                     0);
    assert_true(f.has_added_after);
    assert_true(f.added_after_us == 1478228645123456LL);
    assert_int_equal(f.limit, 50);
    assert_string_equal(f.next, "abc");
    assert_int_equal(f.n_ids, 2);
    assert_string_equal(f.ids[1], "sighting--4600ad1b-fff1-4c58-bcc9-4de3bc5e2ffd");
    assert_int_equal(f.n_types, 2);
    assert_string_equal(f.types[0], "incident");
    assert_int_equal(f.n_spec_versions, 2);
    assert_int_equal(f.versions, RK_TAXII_V_FIRST | RK_TAXII_V_LAST);
    assert_int_equal(f.n_version_values, 1);
    assert_string_equal(f.version_values[0], "2018-03-02T01:01:01.123Z");
}

static void test_taxii_query__empty_and_unknown(void **state)
{
    struct rk_taxii_filter f;
    struct rk_err err;

    assert_int_equal(parse(&f, "", &err), 0);
    assert_false(f.has_added_after);
    assert_int_equal(f.limit, 0);
    assert_null(f.ids);
    /* unknown parameters and match fields are ignored (section 3.4) */
    assert_int_equal(parse(&f, "foo=bar&match[color]=red&&x", &err), 0);
    assert_null(f.types);
    /* added_after with nanoseconds is floored to the microsecond */
    assert_int_equal(parse(&f, "added_after=1970-01-01T00:00:00.000001999Z", &err), 0);
    assert_true(f.added_after_us == 1);
    /* a limit beyond 64 bits is still a positive integer: the server limit applies */
    assert_int_equal(parse(&f, "limit=99999999999999999999999", &err), 0);
    assert_true(f.limit == UINT64_MAX);
    assert_int_equal(parse(&f, "match[version]=all", &err), 0);
    assert_int_equal(f.versions, RK_TAXII_V_ALL);
}

struct bad_case {
    const char *query;
    const char *param; /* expected in err.path */
};

static void test_taxii_query__malformed_is_400(void **state)
{
    static const struct bad_case cases[] = {
            {"added_after=yesterday", "added_after"},
            {"added_after=2016-11-04T03:04:05+09:00", "added_after"},
            {"added_after=2016-11-04", "added_after"},
            {"added_after=2016-01-01T00:00:00Z&added_after=2017-01-01T00:00:00Z", "added_after"},
            {"limit=0", "limit"},
            {"limit=-5", "limit"},
            {"limit=ten", "limit"},
            {"limit=", "limit"},
            {"limit=1&limit=2", "limit"},
            {"next=", "next"},
            {"match[id]=not-an-id", "match[id]"},
            {"match[id]=indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ff", "match[id]"},
            {"match[type]=", "match[type]"},
            {"match[type]=indicator,,malware", "match[type]"},
            {"match[type]=Indicator", "match[type]"},
            {"match[type]=indicator, malware", "match[type]"},
            {"match[type]=a", "match[type]"},
            {"match[type]=indicator&match[type]=malware", "match[type]"},
            {"match[version]=all,last", "match[version]"},
            {"match[version]=last,last", "match[version]"},
            {"match[version]=2016-01-01T00:00:00Z,2016-01-01T00:00:00Z", "match[version]"},
            {"match[version]=latest", "match[version]"},
            {"match[version]=2016-13-01T00:00:00Z", "match[version]"},
            {"match[spec_version]=2", "match[spec_version]"},
            {"match[spec_version]=two.one", "match[spec_version]"},
    };
    struct rk_taxii_filter f;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = parse(&f, cases[i].query, &err);

        if (rc != RK_EFORMAT || strcmp(err.path, cases[i].param) != 0)
            fail_msg("query '%s': rc %d path '%s' message '%s'", cases[i].query, rc, err.path,
                     err.message);
        assert_non_null(strstr(err.message, cases[i].param));
    }
}

static void test_taxii_query__bad_encoding(void **state)
{
    struct rk_taxii_filter f;
    struct rk_err err;

    assert_int_equal(parse(&f, "limit=%zz", &err), RK_EFORMAT);
    assert_int_equal(parse(&f, "limit=1%", &err), RK_EFORMAT);
    assert_int_equal(parse(&f, "limit=1%0", &err), RK_EFORMAT);
    assert_int_equal(parse(&f, "lim%00it=1", &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "percent-encoding"));
}

static void test_taxii_query__caps(void **state)
{
    char q[RK_TAXII_PARAMS_MAX * 6 + 16] = "";
    struct rk_taxii_filter f;
    struct rk_err err;
    size_t n = 0;

    for (int i = 0; i <= RK_TAXII_PARAMS_MAX; i++)
        n += (size_t)snprintf(q + n, sizeof(q) - n, "x%d=1&", i % 10);
    assert_int_equal(parse(&f, q, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "query parameters"));
}

static void test_taxii_query__percent_decode(void **state)
{
    char *out;
    size_t len;

    rk_arena_reset(arena);
    assert_int_equal(rk_taxii_percent_decode("a%2Cb+c%2b", 10, 1, arena, &out, &len), 0);
    assert_string_equal(out, "a,b c+");
    assert_int_equal(len, 6);
    assert_int_equal(rk_taxii_percent_decode("a+b", 3, 0, arena, &out, &len), 0);
    assert_string_equal(out, "a+b");
}

int test_taxii_query_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_query__all_filters),
            cmocka_unit_test(test_taxii_query__empty_and_unknown),
            cmocka_unit_test(test_taxii_query__malformed_is_400),
            cmocka_unit_test(test_taxii_query__bad_encoding),
            cmocka_unit_test(test_taxii_query__caps),
            cmocka_unit_test(test_taxii_query__percent_decode),
    };

    return cmocka_run_group_tests_name("taxii_query", tests, setup, teardown);
}
