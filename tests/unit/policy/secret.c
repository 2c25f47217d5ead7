/* secret.c - server-generated secrets, their stored hashes, certificate fingerprints, names. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/policy.h"

static void test_policy_secret__new_verifies(void **state)
{
    char token[RK_SECRET_TOKEN_LEN + 1], key_id[RK_SECRET_KEY_ID_LEN + 1];
    struct rk_secret_hash h;

    rk_policy_secret_new(token, &h);
    assert_int_equal(strlen(token), RK_SECRET_TOKEN_LEN);
    assert_memory_equal(token, "rk_", 3);
    assert_int_equal(h.iterations, RK_SECRET_ITERATIONS);
    assert_int_equal(rk_policy_secret_key_id(token, strlen(token), key_id), 0);
    assert_string_equal(key_id, h.key_id);
    assert_int_equal(rk_policy_secret_verify(&h, token, strlen(token)), 0);
    /* one changed digit, a shorter token, another salt: all refused */
    token[40] = token[40] == '0' ? '1' : '0';
    assert_int_equal(rk_policy_secret_verify(&h, token, strlen(token)), RK_EAUTH);
    token[40] = token[40] == '0' ? '1' : '0';
    assert_int_equal(rk_policy_secret_verify(&h, token, strlen(token) - 1), RK_EAUTH);
    h.salt[0] ^= 1;
    assert_int_equal(rk_policy_secret_verify(&h, token, strlen(token)), RK_EAUTH);
}

static void test_policy_secret__unique(void **state)
{
    char a[RK_SECRET_TOKEN_LEN + 1], b[RK_SECRET_TOKEN_LEN + 1];
    struct rk_secret_hash ha, hb;

    rk_policy_secret_new(a, &ha);
    rk_policy_secret_new(b, &hb);
    assert_string_not_equal(a, b);
    assert_string_not_equal(ha.key_id, hb.key_id);
    assert_memory_not_equal(ha.salt, hb.salt, sizeof(ha.salt));
    /* a valid token of another key never verifies */
    assert_int_equal(rk_policy_secret_verify(&ha, b, strlen(b)), RK_EAUTH);
}

static void test_policy_secret__key_id_shape(void **state)
{
    char key_id[RK_SECRET_KEY_ID_LEN + 1];
    char tok[RK_SECRET_TOKEN_LEN + 1];

    memset(tok, 'a', RK_SECRET_TOKEN_LEN);
    tok[RK_SECRET_TOKEN_LEN] = '\0';
    memcpy(tok, "rk_", 3);
    assert_int_equal(rk_policy_secret_key_id(tok, strlen(tok), key_id), 0);
    tok[10] = 'A'; /* upper-case hex is not what the server issues */
    assert_int_equal(rk_policy_secret_key_id(tok, strlen(tok), key_id), RK_EFORMAT);
    assert_int_equal(rk_policy_secret_key_id("rk_abc", 6, key_id), RK_EFORMAT);
    assert_int_equal(rk_policy_secret_key_id("password", 8, key_id), RK_EFORMAT);
}

static void test_policy_secret__fingerprints(void **state)
{
    char fp[RK_FINGERPRINT_HEX_LEN + 1], parsed[RK_FINGERPRINT_HEX_LEN + 1];
    char colons[3 * 32 + 1]; /* snprintf is given 4 bytes at the last pair too */

    /* SHA-256 of "abc" (FIPS 180-2 appendix B.1) */
    rk_policy_cert_fingerprint((const uint8_t *)"abc", 3, fp);
    assert_string_equal(fp, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    for (int i = 0; i < 32; i++)
        snprintf(colons + 3 * i, 4, "%c%c%s", fp[2 * i] >= 'a' ? fp[2 * i] - 32 : fp[2 * i],
                 fp[2 * i + 1] >= 'a' ? fp[2 * i + 1] - 32 : fp[2 * i + 1], i < 31 ? ":" : "");
    assert_int_equal(rk_policy_fingerprint_parse(colons, parsed), 0);
    assert_string_equal(parsed, fp);
    assert_int_equal(rk_policy_fingerprint_parse("abcd", parsed), RK_EFORMAT);
    assert_int_equal(rk_policy_fingerprint_parse("zz", parsed), RK_EFORMAT);
}

static void test_policy_secret__names(void **state)
{
    assert_true(rk_policy_name_ok("jpcert"));
    assert_true(rk_policy_name_ok("CERT-In"));
    assert_true(rk_policy_name_ok("jp-asean.2024_x"));
    assert_false(rk_policy_name_ok(""));
    assert_false(rk_policy_name_ok(NULL));
    assert_false(rk_policy_name_ok("-x"));
    assert_false(rk_policy_name_ok("a:b"));
    assert_false(rk_policy_name_ok("a b"));
    assert_false(rk_policy_name_ok("0123456789012345678901234567890123456789012345678901234567890"
                                   "12345"));
}

int test_policy_secret_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_policy_secret__new_verifies),
            cmocka_unit_test(test_policy_secret__unique),
            cmocka_unit_test(test_policy_secret__key_id_shape),
            cmocka_unit_test(test_policy_secret__fingerprints),
            cmocka_unit_test(test_policy_secret__names),
    };

    return cmocka_run_group_tests_name("policy_secret", tests, NULL, NULL);
}
