/* main.c - match unit tests: one cmocka group per topic. */
#include "tests.h"

int main(void)
{
    int failed = 0;

    failed += test_match_value_run();
    failed += test_match_list_run();
    failed += test_match_index_run();
    failed += test_match_snapshot_run();
    failed += test_match_warnlist_run();
    failed += test_match_extract_run();
    failed += test_match_grep_run();
    failed += test_match_stix_run();
    failed += test_match_matcher_run();
    failed += test_match_failures_run();
    return failed ? 1 : 0;
}
