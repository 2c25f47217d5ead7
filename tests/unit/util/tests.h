/* tests.h - the util test groups. */
#ifndef RK_TEST_UTIL_TESTS_H
#define RK_TEST_UTIL_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int test_util_time_run(void);
int test_util_uuid_run(void);
int test_util_containers_run(void);
int test_util_strparse_run(void);
int test_util_config_run(void);
int test_util_alloc_run(void);

#endif
