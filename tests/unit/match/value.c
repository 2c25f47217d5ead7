/* value.c - parsing and normalising values. */
#include "tests.h"

#include <string.h>

#include "renkei/match.h"

static void test_match_value__placeholder(void **state)
{
    struct rk_match_value v;

    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_ANY, "10.1.2.3", 8, NULL), 0);
}

int test_match_value_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_value__placeholder),
    };
    return cmocka_run_group_tests_name("match_value", tests, NULL, NULL);
}
