/* value.c - parsing and normalising values, against inet_pton and hand-checked forms. */
#include "tests.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "renkei/match.h"

static struct rk_match_value v; /* large: keep it off the stack */

static const char *norm(int kind, const char *s)
{
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_match_value_parse(&v, kind, s, strlen(s), &err) != 0)
        return "<error>";
    return v.text;
}

static void test_match_value__ipv4_like_inet_pton(void **state)
{
    static const char *const cases[] = {
            "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.04",
            "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "1.2.3.4.5", "1.2.3.-4", " 1.2.3.4",
            "1.2.3.4 ", "1.2.3.1000", "0.0.0.00", "10.0.0.0", "192.168.001.1", "1.2.3.4a", ""};
    uint32_t a;
    struct in_addr ref;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int want = inet_pton(AF_INET, cases[i], &ref) == 1;
        int got = rk_match_parse_ipv4(cases[i], strlen(cases[i]), &a);

        assert_int_equal(got, want);
        if (want)
            assert_true(a == ntohl(ref.s_addr));
    }
}

/* Random short strings over the alphabet of IPv4 text: the parser agrees with inet_pton. */
static void test_match_value__ipv4_random_strings(void **state)
{
    static const char alpha[] = "0123456789...";
    uint64_t x = 88172645463325252ULL;
    char buf[20];
    uint32_t a;
    struct in_addr ref;

    for (int i = 0; i < 200000; i++) {
        size_t len;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        len = 5 + x % 12;
        for (size_t j = 0; j < len; j++)
            buf[j] = alpha[(x >> (j * 4 % 60)) % (sizeof(alpha) - 1)];
        buf[len] = '\0';
        assert_int_equal(rk_match_parse_ipv4(buf, len, &a), inet_pton(AF_INET, buf, &ref) == 1);
    }
}

static void test_match_value__ipv6_like_inet_pton(void **state)
{
    static const char *const cases[] = {
            "::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:8:800:200C:417A", "fe80::1:2:3:4",
            "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8", "1::2::3", ":1::2", "1::2:", "12345::", "1:2:3:4:5:6:1.2.3.4",
            "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "g::1", "1:::2", "::ffff:01.2.3.4", "1:2:3:4:5:6:7:"};
    uint8_t a[16], ref[16];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int want = inet_pton(AF_INET6, cases[i], ref) == 1;
        int got = rk_match_parse_ipv6(cases[i], strlen(cases[i]), a);

        assert_int_equal(got, want);
        if (want)
            assert_memory_equal(a, ref, 16);
    }
}

static void test_match_value__ipv6_random_strings(void **state)
{
    static const char alpha[] = "0123456789abcdefAF:::::...";
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    uint8_t a[16], ref[16];
    char buf[48];

    for (int i = 0; i < 300000; i++) {
        size_t len;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        len = 2 + x % 30;
        for (size_t j = 0; j < len; j++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[j] = alpha[(x >> 33) % (sizeof(alpha) - 1)];
        }
        buf[len] = '\0';
        assert_int_equal(rk_match_parse_ipv6(buf, len, a), inet_pton(AF_INET6, buf, ref) == 1);
        if (rk_match_parse_ipv6(buf, len, a))
            assert_memory_equal(a, ref, 16);
    }
}

static void test_match_value__ip_values(void **state)
{
    assert_string_equal(norm(RK_MATCH_ANY, "10.1.2.3/8"), "10.0.0.0/8");
    assert_int_equal(v.prefix, 8);
    assert_string_equal(norm(RK_MATCH_ANY, "10.1.2.3/32"), "10.1.2.3");
    assert_string_equal(norm(RK_MATCH_ANY, "010.001.002.003"), "10.1.2.3"); /* lists: decimal */
    assert_string_equal(norm(RK_MATCH_ANY, "1.2.3.4:8080"), "1.2.3.4");
    assert_string_equal(norm(RK_MATCH_ANY, "1.2.3.4-1.2.3.9"), "1.2.3.4-1.2.3.9");
    assert_int_equal(v.is_range, 1);
    assert_string_equal(norm(RK_MATCH_ANY, "1.2.3.9-1.2.3.4"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "1.2.3.4/33"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "2001:DB8:0:0::1/32"), "2001:db8::/32");
    assert_string_equal(norm(RK_MATCH_ANY, "[2001:db8::1]:443"), "2001:db8::1");
    assert_string_equal(norm(RK_MATCH_ANY, "2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert_string_equal(norm(RK_MATCH_ANY, "::ffff:1.2.3.4"), "::ffff:102:304");
    assert_string_equal(norm(RK_MATCH_IPV6, "fe80::/10"), "fe80::/10");
    assert_string_equal(norm(RK_MATCH_IPV4, "2001:db8::1"), "<error>");
}

static void test_match_value__domains(void **state)
{
    assert_string_equal(norm(RK_MATCH_ANY, "WWW.Example.COM."), "www.example.com");
    assert_int_equal(v.kind, RK_MATCH_DOMAIN);
    assert_string_equal(norm(RK_MATCH_ANY, "*.example.com"), "example.com");
    assert_string_equal(norm(RK_MATCH_ANY, ".google.ad"), "google.ad");
    assert_string_equal(norm(RK_MATCH_ANY, "evil.example:443"), "evil.example");
    assert_string_equal(norm(RK_MATCH_ANY, "_dmarc.xn--80ak6aa92e.com"), "_dmarc.xn--80ak6aa92e.com");
    assert_string_equal(norm(RK_MATCH_ANY, "com"), "com");
    assert_string_equal(norm(RK_MATCH_ANY, "a..b.com"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "exa mple.com"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "support\xc2\xac" "forum.org"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "1.2.3"), "<error>"); /* the last label must not be all digits */
    {
        char label[80], name[300];

        memset(label, 'a', 64);
        label[64] = '\0';
        snprintf(name, sizeof(name), "%s.com", label);
        assert_string_equal(norm(RK_MATCH_DOMAIN, name), "<error>"); /* a 64-byte label */
        label[63] = '\0';
        snprintf(name, sizeof(name), "%s.com", label);
        assert_string_not_equal(norm(RK_MATCH_DOMAIN, name), "<error>");
    }
}

static void test_match_value__urls(void **state)
{
    assert_string_equal(norm(RK_MATCH_ANY, "HTTP://User:pw@WWW.Example.COM:80/a/./b/../c?x=1#frag"),
                        "www.example.com/a/c?x=1");
    assert_int_equal(v.kind, RK_MATCH_URL);
    assert_string_equal(norm(RK_MATCH_ANY, "https://example.com"), "example.com/");
    assert_string_equal(norm(RK_MATCH_ANY, "https://example.com:8443/"), "example.com:8443/");
    assert_string_equal(norm(RK_MATCH_ANY, "http://147.78.103.91"), "147.78.103.91/");
    assert_string_equal(norm(RK_MATCH_ANY, "46.28.202.77/teamx/settings.php"),
                        "46.28.202.77/teamx/settings.php");
    assert_string_equal(norm(RK_MATCH_ANY, "http://[2001:DB8::1]:8080/x"), "[2001:db8::1]:8080/x");
    assert_string_equal(norm(RK_MATCH_ANY, "example.com/%7euser/%2fa%2Fb"), "example.com/~user/%2Fa%2Fb");
    assert_string_equal(norm(RK_MATCH_ANY, "example.com/a b"), "example.com/a%20b");
    assert_string_equal(norm(RK_MATCH_ANY, "example.com/../../x"), "example.com/x");
    assert_string_equal(norm(RK_MATCH_ANY, "/izuku.arm7"), "/izuku.arm7");
    assert_int_equal(v.kind, RK_MATCH_URL_PATH);
    assert_string_equal(norm(RK_MATCH_URL, "/CJ\xeb\x8c\x80 x.apk"), "/CJ%EB%8C%80%20x.apk");
    assert_string_equal(norm(RK_MATCH_ANY, "http:///path"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "http://exa mple.com/"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "http://example.com:99999/"), "<error>");
}

static void test_match_value__email_and_hashes(void **state)
{
    assert_string_equal(norm(RK_MATCH_ANY, "Bad.Actor+x@Example.COM"), "bad.actor+x@example.com");
    assert_int_equal(v.kind, RK_MATCH_EMAIL);
    assert_string_equal(norm(RK_MATCH_ANY, "mailto:a@b.org"), "a@b.org");
    assert_string_equal(norm(RK_MATCH_ANY, "@b.org"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "a b@b.org"), "<error>");
    assert_string_equal(norm(RK_MATCH_ANY, "D41D8CD98F00B204E9800998ECF8427E"),
                        "d41d8cd98f00b204e9800998ecf8427e");
    assert_int_equal(v.kind, RK_MATCH_MD5);
    assert_int_equal(v.digest[0], 0xd4);
    assert_string_not_equal(norm(RK_MATCH_ANY, "da39a3ee5e6b4b0d3255bfef95601890afd80709"), "<error>");
    assert_int_equal(v.kind, RK_MATCH_SHA1);
    assert_string_not_equal(norm(RK_MATCH_ANY,
                         "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"), "<error>");
    assert_int_equal(v.kind, RK_MATCH_SHA256);
    assert_string_equal(norm(RK_MATCH_SHA256, "d41d8cd98f00b204e9800998ecf8427e"), "<error>");
    assert_string_equal(norm(RK_MATCH_MD5, "g41d8cd98f00b204e9800998ecf8427e"), "<error>");
}

static void test_match_value__errors_say_where(void **state)
{
    struct rk_err err;
    int kind;

    rk_err_clear(&err);
    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_ANY, "10.0.0.0/40", 11, &err), RK_EFORMAT);
    assert_int_equal(err.offset, 8);
    assert_non_null(strstr(err.message, "prefix length"));
    rk_err_clear(&err);
    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_DOMAIN, "a.b$c.com", 9, &err), RK_EFORMAT);
    assert_int_equal(err.offset, 3);
    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_ANY, "", 0, &err), RK_EFORMAT);
    assert_int_equal(rk_match_value_parse(&v, 99, "x", 1, &err), RK_EINVAL);
    assert_string_equal(rk_match_kind_name(RK_MATCH_SHA256), "sha256");
    assert_int_equal(rk_match_kind_parse("domain-name", &kind), 0);
    assert_int_equal(kind, RK_MATCH_DOMAIN);
    assert_int_equal(rk_match_kind_parse("nope", &kind), RK_EFORMAT);
}

int test_match_value_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_value__ipv4_like_inet_pton),
            cmocka_unit_test(test_match_value__ipv4_random_strings),
            cmocka_unit_test(test_match_value__ipv6_like_inet_pton),
            cmocka_unit_test(test_match_value__ipv6_random_strings),
            cmocka_unit_test(test_match_value__ip_values),
            cmocka_unit_test(test_match_value__domains),
            cmocka_unit_test(test_match_value__urls),
            cmocka_unit_test(test_match_value__email_and_hashes),
            cmocka_unit_test(test_match_value__errors_say_where),
    };
    return cmocka_run_group_tests_name("match_value", tests, NULL, NULL);
}
