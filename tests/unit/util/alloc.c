/* alloc.c - rk_calloc: zeroed blocks of every size around the one where it stops zeroing
 * itself and leaves it to calloc, also where freed dirty blocks are reused. */
#include "tests.h"

#include <string.h>

#include "util/alloc.h"

static void assert_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(p[i], 0);
}

static void test_util_alloc__calloc_zeroes(void **state)
{
    static const size_t sizes[] = {1, 7, 16, 100, 1000, 1023, 1024, 1025, 4096, 100000};

    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        for (int round = 0; round < 3; round++) {
            unsigned char *dirty = rk_malloc(sizes[k]), *p;

            assert_non_null(dirty);
            memset(dirty, 0xa5, sizes[k]);
            rk_free(dirty); /* likely handed out again below */
            p = rk_calloc(1, sizes[k]);
            assert_non_null(p);
            assert_zero(p, sizes[k]);
            rk_free(p);
            p = rk_calloc(sizes[k], 1); /* count and size either way round */
            assert_non_null(p);
            assert_zero(p, sizes[k]);
            rk_free(p);
        }
    }
    rk_free(rk_calloc(0, 0)); /* a block all the same, as before */
}

int test_util_alloc_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_util_alloc__calloc_zeroes),
    };

    return cmocka_run_group_tests_name("util_alloc", tests, NULL, NULL);
}
