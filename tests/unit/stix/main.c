/* main.c - stix unit tests: one cmocka group per topic. */
#include "tests.h"

#include "util/alloc.h"

int main(void)
{
    int failed = 0;

    rk_alloc_install_json();
    failed += test_stix_objects_run();
    failed += test_stix_negative_run();
    failed += test_stix_sco_run();
    failed += test_stix_reader_run();
    failed += test_stix_canonical_run();
    failed += test_stix_markings_run();
    failed += test_stix_ident_run();
    failed += test_stix_upgrade_run();
    failed += test_stix_corpus_run();
    failed += test_stix_readahead_run();
    failed += test_stix_swar_run();
    stix_helpers_done();
    return failed ? 1 : 0;
}
