/* main.c - util unit tests: one cmocka group per topic. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_util_time_run();
    failed += test_util_uuid_run();
    failed += test_util_containers_run();
    failed += test_util_strparse_run();
    failed += test_util_config_run();
    failed += test_util_alloc_run();
    return failed ? 1 : 0;
}
