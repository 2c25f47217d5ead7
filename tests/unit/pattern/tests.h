/* tests.h - the pattern test groups and shared helpers. */
#ifndef RK_TEST_PATTERN_TESTS_H
#define RK_TEST_PATTERN_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "renkei/pattern.h"

int test_pattern_parse_run(void);
int test_pattern_errors_run(void);
int test_pattern_compare_run(void);
int test_pattern_observe_run(void);

/* Parse text, failing the test when it does not parse. */
struct rk_pattern *tp_parse(const char *text);
/* The syntax tree as text: O0, AND(..), OR(..), FBY(..), W300(..), R5(..), SS(..), A/O. */
void tp_shape(const struct rk_pattern_node *n, char *buf, size_t cap);

#endif
