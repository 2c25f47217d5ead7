/* containers.c - buffers, arenas, vectors and maps, including allocation failures. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/error.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/map.h"
#include "util/vec.h"

static void test_util_containers__buf_cap_and_json_escape(void **state)
{
    struct rk_buf b;

    rk_buf_init(&b, 16);
    assert_string_equal(rk_buf_cstr(&b), "");
    assert_int_equal(rk_buf_puts(&b, "0123456789"), 0);
    assert_int_equal(rk_buf_printf(&b, "%d", 12345), 0);
    assert_int_equal(rk_buf_puts(&b, "xy"), RK_ELIMIT); /* 17 > 16 */
    assert_string_equal(rk_buf_cstr(&b), "012345678912345");
    rk_buf_free(&b);

    rk_buf_init(&b, RK_BUF_UNLIMITED);
    assert_int_equal(rk_buf_json_string(&b, "a\"b\\c\n\x01\xe9\x80\xa3", 10), 0);
    assert_string_equal(rk_buf_cstr(&b), "\"a\\\"b\\\\c\\n\\u0001\xe9\x80\xa3\"");
    rk_buf_free(&b);
}

static void test_util_containers__arena_cap_and_reset(void **state)
{
    struct rk_arena *a = rk_arena_new(100000);
    char *s;

    assert_non_null(a);
    s = rk_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_non_null(rk_arena_alloc(a, 50000)); /* larger than a block */
    assert_null(rk_arena_alloc(a, 60000));     /* past the cap */
    rk_arena_reset(a);
    assert_int_equal(rk_arena_used(a), 0);
    assert_non_null(rk_arena_alloc(a, 60000));
    rk_arena_free(a);
    rk_arena_free(NULL);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_util_containers__vec_owns_items(void **state)
{
    struct rk_vec v;
    const char *s;

    rk_vec_init(&v, rk_free);
    assert_int_equal(rk_vec_push_take(&v, rk_strdup("b")), 0);
    assert_int_equal(rk_vec_push_take(&v, rk_strdup("c")), 0);
    assert_int_equal(rk_vec_push_take(&v, rk_strdup("a")), 0);
    rk_vec_sort(&v, cmp_str);
    char joined[8] = "";
    rk_vec_foreach(&v, i, s) strncat(joined, s, 1);
    assert_string_equal(joined, "abc");
    rk_vec_free(&v); /* ASan reports a leak if the items are not freed */
}

static void test_util_containers__map_put_get_delete(void **state)
{
    struct rk_map *m = rk_map_new(rk_free);
    char key[32];
    size_t pos = 0, seen = 0;

    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(rk_map_put_take(m, key, strlen(key), rk_strdup(key)), 0);
    }
    assert_int_equal(rk_map_count(m), 5000);
    for (int i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(rk_map_del(m, key, strlen(key)), 0);
    }
    assert_int_equal(rk_map_del(m, "k0", 2), RK_ENOTFOUND);
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        if (i % 2)
            assert_string_equal(rk_map_get(m, key, strlen(key)), key);
        else
            assert_null(rk_map_get(m, key, strlen(key)));
    }
    assert_int_equal(rk_map_put_take(m, "k1", 2, rk_strdup("replaced")), 0);
    assert_string_equal(rk_map_get(m, "k1", 2), "replaced");
    while (rk_map_next(m, &pos, NULL, NULL, NULL))
        seen++;
    assert_int_equal(seen, 2500);
    rk_map_free(m);
}

/* rk_hash_bytes reads the bytes only (not their alignment), and every byte and the length count:
 * keys one byte apart, a byte longer or shorter, or holding a zero byte hash differently. */
static void test_util_containers__hash_depends_on_every_byte(void **state)
{
    unsigned char a[80], b[88];
    (void)state;

    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (unsigned char)(i * 7 + 1);
    for (size_t len = 0; len <= sizeof(a); len++) {
        memcpy(b + 3, a, len); /* another alignment */
        assert_true(rk_hash_bytes(a, len) == rk_hash_bytes(b + 3, len));
        if (len < sizeof(a))
            assert_true(rk_hash_bytes(a, len) != rk_hash_bytes(a, len + 1));
        for (size_t i = 0; i < len; i++) {
            b[3 + i] ^= 0x20;
            assert_true(rk_hash_bytes(a, len) != rk_hash_bytes(b + 3, len));
            b[3 + i] ^= 0x20;
        }
    }
    memset(a, 0, sizeof(a)); /* zero bytes: only the length tells these apart */
    for (size_t len = 0; len < sizeof(a); len++)
        assert_true(rk_hash_bytes(a, len) != rk_hash_bytes(a, len + 1));
}

static void test_util_containers__every_allocation_failure_is_reported(void **state)
{
    /* fail each allocation in turn; every failure must surface as RK_ENOMEM and leak nothing */
    for (unsigned long nth = 1; nth < 200; nth++) {
        struct rk_map *m;
        int rc = 0;

        rk_alloc_fail_at(nth);
        m = rk_map_new(rk_free);
        if (!m) {
            rk_alloc_fail_at(0);
            continue;
        }
        for (int i = 0; i < 40 && rc == 0; i++) {
            char key[16];
            char *val;

            snprintf(key, sizeof(key), "%d", i);
            val = rk_strdup(key);
            rc = val ? rk_map_put_take(m, key, strlen(key), val) : RK_ENOMEM;
        }
        rk_alloc_fail_at(0);
        if (rc == 0 && rk_map_count(m) == 40) {
            rk_map_free(m);
            break; /* nth is past the last allocation: every earlier one was exercised */
        }
        assert_int_equal(rc, RK_ENOMEM);
        rk_map_free(m);
    }
}

int test_util_containers_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_util_containers__buf_cap_and_json_escape),
            cmocka_unit_test(test_util_containers__arena_cap_and_reset),
            cmocka_unit_test(test_util_containers__vec_owns_items),
            cmocka_unit_test(test_util_containers__map_put_get_delete),
            cmocka_unit_test(test_util_containers__hash_depends_on_every_byte),
            cmocka_unit_test(test_util_containers__every_allocation_failure_is_reported),
    };

    return cmocka_run_group_tests_name("util_containers", tests, NULL, NULL);
}
