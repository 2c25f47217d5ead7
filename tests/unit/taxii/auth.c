/* auth.c - the Authorization header (Basic, Bearer) and the strict base64 codecs. */
#include "tests.h"

#include <string.h>

#include "taxii/http_request.h"
#include "util/arena.h"

static struct rk_arena *arena;

static int setup(void **state)
{
    arena = rk_arena_new(1 << 20);
    return arena ? 0 : -1;
}

static int teardown(void **state)
{
    rk_arena_free(arena);
    return 0;
}

static int parse(struct rk_taxii_credentials *c, const char *h, struct rk_err *err)
{
    rk_arena_reset(arena);
    rk_err_clear(err);
    return rk_taxii_auth_parse(c, h, h ? strlen(h) : 0, arena, err);
}

static void test_taxii_auth__basic(void **state)
{
    struct rk_taxii_credentials c;
    struct rk_err err;

    /* RFC 7617 section 2: Aladdin:open sesame */
    assert_int_equal(parse(&c, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &err), 0);
    assert_int_equal(c.scheme, RK_TAXII_AUTH_BASIC);
    assert_string_equal(c.user, "Aladdin");
    assert_string_equal(c.secret, "open sesame");
    assert_int_equal(c.secret_len, 11);
    /* the scheme is case-insensitive; a password may hold ':' */
    assert_int_equal(parse(&c, "basic YTpiOmM=", &err), 0);
    assert_string_equal(c.user, "a");
    assert_string_equal(c.secret, "b:c");
    /* an empty password parses (and fails verification later) */
    assert_int_equal(parse(&c, "Basic YTo=", &err), 0);
    assert_int_equal(c.secret_len, 0);
}

static void test_taxii_auth__bearer_and_none(void **state)
{
    struct rk_taxii_credentials c;
    struct rk_err err;

    assert_int_equal(parse(&c, "Bearer rk_0123abcd", &err), 0);
    assert_int_equal(c.scheme, RK_TAXII_AUTH_BEARER);
    assert_null(c.user);
    assert_string_equal(c.secret, "rk_0123abcd");
    assert_int_equal(parse(&c, NULL, &err), 0);
    assert_int_equal(c.scheme, RK_TAXII_AUTH_NONE);
}

static void test_taxii_auth__malformed(void **state)
{
    const char *bad[] = {"Basic", "Basic ", "Basic QWxhZGRpbg==", /* no colon */
                         "Basic OnBhc3M=",                        /* empty user */
                         "Basic QWxh ZGRp", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=",
                         "Bearer", "Bearer a b", "Basic YTpiAA==", /* NUL in password */
                         ""};
    struct rk_taxii_credentials c;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse(&c, bad[i], &err) != RK_EFORMAT)
            fail_msg("'%s' should be malformed", bad[i]);
        assert_true(err.message[0] != '\0');
    }
    assert_int_equal(parse(&c, "Digest username=\"a\"", &err), RK_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "Digest"));
    assert_int_equal(parse(&c, "Basic====", &err), RK_EUNSUPPORTED);
}

static void test_taxii_auth__base64(void **state)
{
    uint8_t out[64];
    char enc[64];
    size_t n;

    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Zm9vYmFy", 8, &n), 0);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Zm8=", 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Zg==", 4, &n), 0);
    assert_int_equal(n, 1);
    /* non-canonical trailing bits, missing padding, bad characters */
    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Zh==", 4, &n), RK_EFORMAT);
    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Zg", 2, &n), RK_EFORMAT);
    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Z===", 4, &n), RK_EFORMAT);
    assert_int_equal(rk_taxii_base64_decode(out, sizeof(out), "Zm9v-mFy", 8, &n), RK_EFORMAT);
    assert_int_equal(rk_taxii_base64_decode(out, 2, "Zm9vYmFy", 8, &n), RK_EFORMAT);
    /* base64url round trip for every length up to 20 */
    for (size_t len = 0; len <= 20; len++) {
        uint8_t src[20], back[24];

        for (size_t i = 0; i < len; i++)
            src[i] = (uint8_t)(0xf0 + i * 7);
        rk_taxii_base64url_encode(enc, src, len);
        assert_null(strchr(enc, '='));
        assert_int_equal(rk_taxii_base64url_decode(back, sizeof(back), enc, strlen(enc), &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(back, src, len);
    }
    assert_int_equal(rk_taxii_base64url_decode(out, sizeof(out), "a", 1, &n), RK_EFORMAT);
    assert_int_equal(rk_taxii_base64url_decode(out, sizeof(out), "ab+c", 4, &n), RK_EFORMAT);
}

int test_taxii_auth_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_auth__basic),
            cmocka_unit_test(test_taxii_auth__bearer_and_none),
            cmocka_unit_test(test_taxii_auth__malformed),
            cmocka_unit_test(test_taxii_auth__base64),
    };

    return cmocka_run_group_tests_name("taxii_auth", tests, setup, teardown);
}
