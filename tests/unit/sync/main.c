/* main.c - sync unit tests. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_sync_egress_filter_run();
    failed += test_sync_store_run();
    failed += test_sync_client_run();
    failed += test_sync_tls_run();
    failed += test_sync_parse_run();
    failed += test_sync_engine_run();
    return failed ? 1 : 0;
}
