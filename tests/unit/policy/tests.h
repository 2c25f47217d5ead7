/* tests.h - the policy test groups. */
#ifndef RK_TEST_POLICY_TESTS_H
#define RK_TEST_POLICY_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int test_policy_read_run(void);
int test_policy_egress_run(void);
int test_policy_secret_run(void);
int test_policy_rights_run(void);
int test_policy_ingress_run(void);

#endif
