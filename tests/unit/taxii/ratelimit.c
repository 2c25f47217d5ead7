/* ratelimit.c - failed-authentication buckets per client address. */
#include "tests.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "taxii/server_ratelimit.h"

#define S 1000000LL

static struct sockaddr_in v4(const char *ip)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
    struct sockaddr_in6 a;

    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

static void test_taxii_ratelimit__burst_then_refill(void **state)
{
    struct rk_taxii_ratelimit *rl = rk_taxii_ratelimit_new(5, 6, 64);
    struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");
    int64_t t = 1000 * S;

    assert_non_null(rl);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t), 0);
        rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&a, t);
    }
    /* the sixth attempt waits one refill interval */
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t), 6);
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t + 4 * S), 2);
    /* another address is not affected */
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&b, t), 0);
    /* after the interval one more attempt is allowed, then it waits again */
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t + 6 * S), 0);
    rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&a, t + 6 * S);
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t + 6 * S), 6);
    /* a long pause refills the whole bucket, never more */
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t + 3600 * S), 0);
    for (int i = 0; i < 5; i++)
        rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&a, t + 3600 * S);
    assert_true(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, t + 3600 * S) > 0);
    rk_taxii_ratelimit_free(rl);
}

static void test_taxii_ratelimit__ipv6_by_slash64(void **state)
{
    struct rk_taxii_ratelimit *rl = rk_taxii_ratelimit_new(2, 10, 64);
    struct sockaddr_in6 a = v6("2001:db8:1:2::1"), b = v6("2001:db8:1:2::ffff"),
                        c = v6("2001:db8:1:3::1");

    rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&a, 0);
    rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&b, 0);
    /* the same /64: blocked */
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, 0), 10);
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&b, 0), 10);
    /* the next /64 is someone else */
    assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&c, 0), 0);
    assert_int_equal(rk_taxii_ratelimit_check(rl, NULL, 0), 0);
    rk_taxii_ratelimit_free(rl);
}

static void test_taxii_ratelimit__full_table_evicts_stalest(void **state)
{
    struct rk_taxii_ratelimit *rl = rk_taxii_ratelimit_new(1, 60, 16);
    struct sockaddr_in victim = v4("198.51.100.1");
    char ip[32];

    rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&victim, 0);
    assert_true(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&victim, 0) > 0);
    /* thousands of other addresses later the table still works and never blocks a newcomer */
    for (int i = 0; i < 5000; i++) {
        struct sockaddr_in a;

        snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 256, i % 256);
        a = v4(ip);
        assert_int_equal(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, 1 + i), 0);
        rk_taxii_ratelimit_fail(rl, (struct sockaddr *)&a, 1 + i);
        assert_true(rk_taxii_ratelimit_check(rl, (struct sockaddr *)&a, 1 + i) > 0);
    }
    rk_taxii_ratelimit_free(rl);
}

static void test_taxii_ratelimit__addr_format(void **state)
{
    struct sockaddr_in a = v4("192.0.2.7");
    struct sockaddr_in6 b = v6("2001:db8::1");
    char out[64];

    rk_taxii_addr_format((struct sockaddr *)&a, out, sizeof(out));
    assert_string_equal(out, "192.0.2.7");
    rk_taxii_addr_format((struct sockaddr *)&b, out, sizeof(out));
    assert_string_equal(out, "2001:db8::1");
    rk_taxii_addr_format(NULL, out, sizeof(out));
    assert_string_equal(out, "");
}

int test_taxii_ratelimit_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_ratelimit__burst_then_refill),
            cmocka_unit_test(test_taxii_ratelimit__ipv6_by_slash64),
            cmocka_unit_test(test_taxii_ratelimit__full_table_evicts_stalest),
            cmocka_unit_test(test_taxii_ratelimit__addr_format),
    };

    return cmocka_run_group_tests_name("taxii_ratelimit", tests, NULL, NULL);
}
