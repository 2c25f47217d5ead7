/* main.c - store unit tests: one cmocka group per topic. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_store_open_run();
    failed += test_store_put_run();
    failed += test_store_query_run();
    failed += test_store_visibility_run();
    failed += test_store_delete_run();
    failed += test_store_concurrency_run();
    failed += test_store_walbuf_run();
    failed += test_store_checkpoint_run();
    failed += test_store_ids_run();
    failed += test_store_bulk_run();
    return failed ? 1 : 0;
}
