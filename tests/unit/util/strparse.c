/* strparse.c - strict number parsing. */
#include "tests.h"

#include <string.h>

#include "renkei/error.h"
#include "util/strparse.h"

static void test_util_strparse__numbers(void **state)
{
    uint64_t u;
    int64_t i;

    assert_int_equal(rk_parse_u64("18446744073709551615", 20, UINT64_MAX, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(rk_parse_u64("18446744073709551616", 20, UINT64_MAX, &u), RK_ELIMIT);
    assert_int_equal(rk_parse_u64("12a", 3, 1000, &u), RK_EFORMAT);
    assert_int_equal(rk_parse_u64("", 0, 1000, &u), RK_EFORMAT);
    assert_int_equal(rk_parse_u64("1001", 4, 1000, &u), RK_ELIMIT);
    assert_int_equal(rk_parse_i64("-9223372036854775808", 20, INT64_MIN, INT64_MAX, &i), 0);
    assert_true(i == INT64_MIN);
    assert_int_equal(rk_parse_i64("-5", 2, 0, 10, &i), RK_ELIMIT);
    assert_int_equal(rk_parse_i64("-", 1, -10, 10, &i), RK_EFORMAT);
}

static void test_util_strparse__sizes_and_durations(void **state)
{
    uint64_t v;

    assert_int_equal(rk_parse_size("64M", &v), 0);
    assert_true(v == 64ULL << 20);
    assert_int_equal(rk_parse_size("17", &v), 0);
    assert_true(v == 17);
    assert_int_equal(rk_parse_duration("90s", &v), 0);
    assert_true(v == 90);
    assert_int_equal(rk_parse_duration("2h", &v), 0);
    assert_true(v == 7200);
    assert_int_equal(rk_parse_duration("h", &v), RK_EFORMAT);
}

static void test_util_strparse__trim_and_affixes(void **state)
{
    size_t len = 9;
    const char *t = rk_trim("  a b \r\n ", &len);
    char small[4];

    assert_int_equal(len, 3);
    assert_memory_equal(t, "a b", 3);
    assert_true(rk_has_prefix("indicator--x", 12, "indicator--"));
    assert_false(rk_has_suffix("ab", 2, "abc"));
    assert_int_equal(rk_strlcpy(small, "abcdef", sizeof(small)), RK_ELIMIT);
    assert_string_equal(small, "abc");
}

int test_util_strparse_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_util_strparse__numbers),
            cmocka_unit_test(test_util_strparse__sizes_and_durations),
            cmocka_unit_test(test_util_strparse__trim_and_affixes),
    };

    return cmocka_run_group_tests_name("util_strparse", tests, NULL, NULL);
}
