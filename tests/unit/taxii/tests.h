/* tests.h - the taxii test groups. */
#ifndef RK_TEST_TAXII_TESTS_H
#define RK_TEST_TAXII_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int test_taxii_media_run(void);
int test_taxii_query_run(void);
int test_taxii_route_run(void);
int test_taxii_auth_run(void);
int test_taxii_next_run(void);
int test_taxii_ratelimit_run(void);
int test_taxii_envelope_run(void);
int test_taxii_access_run(void);
int test_taxii_cache_run(void);
int test_taxii_checkpoint_run(void);

#endif
