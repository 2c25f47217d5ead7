/* time.c - RFC 3339 / STIX timestamp parsing and formatting. */
#include "tests.h"

#include <string.h>

#include "renkei/error.h"
#include "util/rktime.h"

static int parse(const char *s, unsigned flags, struct rk_time *t, struct rk_err *err)
{
    return rk_time_parse(t, s, strlen(s), flags, err);
}

static void test_util_time__stix_roundtrip_keeps_digits(void **state)
{
    const char *samples[] = {"2016-05-12T08:17:27Z", "2016-05-12T08:17:27.000Z",
                             "2017-01-01T12:34:56.1Z", "1970-01-01T00:00:00.123456Z",
                             "2024-02-29T23:59:59.999999999Z"};
    char out[RK_TIME_STR_MAX];
    struct rk_time t;

    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        assert_int_equal(parse(samples[i], RK_TIME_STIX, &t, NULL), 0);
        assert_true(rk_time_format(&t, -1, out, sizeof(out)) > 0);
        assert_string_equal(out, samples[i]);
    }
}

static void test_util_time__epoch_values(void **state)
{
    struct rk_time t;

    assert_int_equal(parse("1970-01-01T00:00:00Z", 0, &t, NULL), 0);
    assert_int_equal(t.sec, 0);
    /* 2000-03-01 is day 11017 after the epoch (1999-12-31 is day 10956) */
    assert_int_equal(parse("2000-03-01T00:00:01.5Z", 0, &t, NULL), 0);
    assert_int_equal(t.sec, 11017LL * 86400 + 1);
    assert_int_equal(t.nsec, 500000000);
    assert_int_equal(rk_time_to_us(&t), (11017LL * 86400 + 1) * 1000000 + 500000);
    assert_int_equal(parse("1969-12-31T23:59:59Z", 0, &t, NULL), 0);
    assert_int_equal(t.sec, -1);
}

/* Fractions of one to twelve digits: nanoseconds from the first nine, the digit count capped
 * at nine. */
static void test_util_time__fraction_digits(void **state)
{
    static const struct {
        const char *s;
        int32_t nsec;
        int digits;
    } cases[] = {
            {"2016-01-01T00:00:00.1Z", 100000000, 1},
            {"2016-01-01T00:00:00.05Z", 50000000, 2},
            {"2016-01-01T00:00:00.123Z", 123000000, 3},
            {"2016-01-01T00:00:00.000001Z", 1000, 6},
            {"2016-01-01T00:00:00.987654321Z", 987654321, 9},
            {"2016-01-01T00:00:00.000000001Z", 1, 9},
            {"2016-01-01T00:00:00.0000000009Z", 0, 9},
            {"2016-01-01T00:00:00.123456789999Z", 123456789, 9},
    };
    struct rk_time t;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(cases[i].s, RK_TIME_STIX, &t, NULL), 0);
        assert_int_equal(t.nsec, cases[i].nsec);
        assert_int_equal(t.digits, cases[i].digits);
    }
}

static void test_util_time__rejects_with_position(void **state)
{
    struct {
        const char *s;
        long long offset;
    } bad[] = {
        {"2022-101-27T00:00:00Z", 7},   /* the TLP 2.0 example's broken timestamp */
        {"2016-13-01T00:00:00Z", 7},    /* month 13 */
        {"2015-02-29T00:00:00Z", 10},   /* not a leap year */
        {"2016-01-01 00:00:00Z", 10},   /* space instead of T */
        {"2016-01-01T24:00:00Z", 13},   /* hour 24 */
        {"2016-01-01T00:00:00", 19},    /* no zone */
        {"2016-01-01T00:00:00+01:00", 19}, /* STIX requires Z */
        {"2016-01-01T00:00:00.Z", 20},  /* decimal point without digits */
        {"2016-01-01T00:00:00Zjunk", 20},
        {"", 0},
    };
    struct rk_err err;
    struct rk_time t;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rk_err_clear(&err);
        assert_int_equal(parse(bad[i].s, RK_TIME_STIX, &t, &err), RK_EFORMAT);
        assert_int_equal(err.offset, bad[i].offset);
        assert_true(strlen(err.message) > 0);
    }
}

static void test_util_time__rfc3339_offsets(void **state)
{
    struct rk_time a, b;

    assert_int_equal(parse("2016-01-01T09:00:00+09:00", RK_TIME_RFC3339, &a, NULL), 0);
    assert_int_equal(parse("2016-01-01T00:00:00Z", RK_TIME_STIX, &b, NULL), 0);
    assert_int_equal(rk_time_cmp(&a, &b), 0);
    assert_int_equal(parse("2016-01-01t00:00:00z", RK_TIME_RFC3339, &a, NULL), 0);
    assert_int_equal(rk_time_cmp(&a, &b), 0);
}

static void test_util_time__leap_second_and_compare(void **state)
{
    struct rk_time leap, next, earlier;

    assert_int_equal(parse("2016-12-31T23:59:60Z", 0, &leap, NULL), 0);
    assert_int_equal(parse("2017-01-01T00:00:00Z", 0, &next, NULL), 0);
    assert_int_equal(rk_time_cmp(&leap, &next), 0);
    assert_int_equal(parse("2016-12-31T23:59:59.999Z", 0, &earlier, NULL), 0);
    assert_true(rk_time_cmp(&earlier, &next) < 0);
    assert_true(rk_time_cmp(&next, &earlier) > 0);
}

static void test_util_time__server_clock_strictly_increases(void **state)
{
    int64_t prev = rk_time_unique_us(0);
    char buf[RK_TIME_STR_MAX];

    for (int i = 0; i < 100000; i++) {
        int64_t now = rk_time_unique_us(0);

        assert_true(now > prev);
        prev = now;
    }
    /* a floor from the store (e.g. another process's last value) is respected */
    assert_true(rk_time_unique_us(prev + 5000000) == prev + 5000001);
    assert_int_equal(rk_time_format_us(1500000000123456LL, buf, sizeof(buf)), 27);
    assert_string_equal(buf, "2017-07-14T02:40:00.123456Z");
}

int test_util_time_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_util_time__stix_roundtrip_keeps_digits),
            cmocka_unit_test(test_util_time__epoch_values),
            cmocka_unit_test(test_util_time__fraction_digits),
            cmocka_unit_test(test_util_time__rejects_with_position),
            cmocka_unit_test(test_util_time__rfc3339_offsets),
            cmocka_unit_test(test_util_time__leap_second_and_compare),
            cmocka_unit_test(test_util_time__server_clock_strictly_increases),
    };

    return cmocka_run_group_tests_name("util_time", tests, NULL, NULL);
}
