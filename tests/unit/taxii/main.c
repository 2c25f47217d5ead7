/* main.c - taxii unit tests: one cmocka group per topic. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_taxii_media_run();
    failed += test_taxii_query_run();
    failed += test_taxii_route_run();
    failed += test_taxii_auth_run();
    failed += test_taxii_next_run();
    failed += test_taxii_ratelimit_run();
    failed += test_taxii_envelope_run();
    failed += test_taxii_access_run();
    failed += test_taxii_cache_run();
    failed += test_taxii_checkpoint_run();
    return failed ? 1 : 0;
}
