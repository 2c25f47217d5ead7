/* tests.h - the match test groups and shared helpers. */
#ifndef RK_TEST_MATCH_TESTS_H
#define RK_TEST_MATCH_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int test_match_value_run(void);
int test_match_list_run(void);
int test_match_index_run(void);
int test_match_snapshot_run(void);
int test_match_warnlist_run(void);
int test_match_extract_run(void);
int test_match_grep_run(void);
int test_match_stix_run(void);
int test_match_matcher_run(void);
int test_match_failures_run(void);

#endif
