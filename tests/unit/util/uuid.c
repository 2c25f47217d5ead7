/* uuid.c - UUID v4/v5 and digests. */
#include "tests.h"

#include <string.h>

#include "util/digest.h"
#include "util/uuid.h"

static void test_util_uuid__v5_matches_stix_spec_example(void **state)
{
    /* STIX 2.1 section 2.9: {"value":"198.51.100.3"} -> ipv4-addr--28bb3599-... */
    const char *name = "{\"value\":\"198.51.100.3\"}";
    char out[RK_UUID_STR];

    rk_uuid_v5(out, RK_UUID_NS_STIX, name, strlen(name));
    assert_string_equal(out, "28bb3599-77cd-5a82-a950-b5bc3caf07c4");
}

static void test_util_uuid__v4_shape_and_uniqueness(void **state)
{
    char a[RK_UUID_STR], b[RK_UUID_STR];
    uint8_t raw[16];

    rk_uuid_v4(a);
    rk_uuid_v4(b);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '4');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_string_not_equal(a, b);
    assert_int_equal(rk_uuid_parse(raw, a, 36), 0);
    assert_int_equal(rk_uuid_parse(raw, "28bb3599-77cd-5a82-a950-b5bc3caf07cZ", 36), -3);
    assert_int_equal(rk_uuid_parse(raw, "28bb3599x77cd-5a82-a950-b5bc3caf07c4", 36), -3);
}

static void test_util_uuid__sha256_known_answer(void **state)
{
    uint8_t d[RK_SHA256_LEN];
    char hex[2 * RK_SHA256_LEN + 1];

    rk_sha256("abc", 3, d); /* FIPS 180-2 appendix B.1 */
    rk_hex_encode(hex, d, sizeof(d));
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(rk_hex_decode(d, 2, "aBcD", 4), 0);
    assert_int_equal(d[0], 0xab);
    assert_int_equal(d[1], 0xcd);
    assert_int_equal(rk_hex_decode(d, 2, "abcg", 4), -3);
    assert_int_equal(rk_timingsafe_bcmp("same", "same", 4), 0);
    assert_int_not_equal(rk_timingsafe_bcmp("same", "sane", 4), 0);
}

int test_util_uuid_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_util_uuid__v5_matches_stix_spec_example),
            cmocka_unit_test(test_util_uuid__v4_shape_and_uniqueness),
            cmocka_unit_test(test_util_uuid__sha256_known_answer),
    };

    return cmocka_run_group_tests_name("util_uuid", tests, NULL, NULL);
}
