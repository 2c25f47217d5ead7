/* next.c - stateless paging tokens: round trip, and refusal for any other scope. */
#include "tests.h"

#include <string.h>

#include "taxii/server_next.h"

static const uint8_t key[RK_TAXII_NEXT_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static void test_taxii_next__round_trip(void **state)
{
    const char *types[] = {"indicator", "malware"};
    struct rk_taxii_filter f = {.types = types, .n_types = 2, .limit = 10};
    struct rk_taxii_page_scope s = {RK_TAXII_EP_OBJECTS, "c1", NULL, "alice", &f};
    char tok[RK_TAXII_NEXT_TEXT_MAX];
    int64_t pos = 0;

    assert_int_equal(rk_taxii_next_encode(tok, key, &s, 1623326400123456LL), 0);
    assert_true(strlen(tok) > 20 && strlen(tok) < RK_TAXII_NEXT_TEXT_MAX);
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &s, NULL), 0);
    assert_true(pos == 1623326400123456LL);
    /* limit is not part of the scope: a client may change the page size */
    f.limit = 500;
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &s, NULL), 0);
    /* the order of values in a list does not matter */
    types[0] = "malware";
    types[1] = "indicator";
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &s, NULL), 0);
}

static void test_taxii_next__other_scope_refused(void **state)
{
    const char *types[] = {"indicator"}, *other_types[] = {"malware"};
    struct rk_taxii_filter f = {.types = types, .n_types = 1}, g;
    struct rk_taxii_page_scope s = {RK_TAXII_EP_OBJECTS, "c1", NULL, "alice", &f}, t;
    uint8_t other_key[RK_TAXII_NEXT_KEY_LEN] = {9};
    char tok[RK_TAXII_NEXT_TEXT_MAX];
    struct rk_err err;
    int64_t pos;

    assert_int_equal(rk_taxii_next_encode(tok, key, &s, 42), 0);
    t = s;
    t.user = "mallory";
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &t, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "another query, collection or user"));
    t = s;
    t.collection = "c2";
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &t, NULL), RK_EFORMAT);
    t = s;
    t.ep = RK_TAXII_EP_MANIFEST;
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &t, NULL), RK_EFORMAT);
    g = f;
    g.types = other_types;
    t = s;
    t.filter = &g;
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &t, NULL), RK_EFORMAT);
    g = f;
    g.has_added_after = 1;
    assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &t, NULL), RK_EFORMAT);
    assert_int_equal(rk_taxii_next_decode(&pos, tok, other_key, &s, NULL), RK_EFORMAT);
}

static void test_taxii_next__tampered_and_garbage(void **state)
{
    struct rk_taxii_filter f = {0};
    struct rk_taxii_page_scope s = {RK_TAXII_EP_OBJECTS, "c1", NULL, "", &f};
    char tok[RK_TAXII_NEXT_TEXT_MAX];
    struct rk_err err;
    int64_t pos;

    assert_int_equal(rk_taxii_next_encode(tok, key, &s, 1000), 0);
    /* flipping any character changes either the position or the MAC */
    for (size_t i = 0; tok[i]; i++) {
        char saved = tok[i];

        tok[i] = saved == 'A' ? 'B' : 'A';
        assert_int_equal(rk_taxii_next_decode(&pos, tok, key, &s, NULL), RK_EFORMAT);
        tok[i] = saved;
    }
    assert_int_equal(rk_taxii_next_decode(&pos, "123456789", key, &s, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "not a token"));
    assert_int_equal(rk_taxii_next_decode(&pos, "", key, &s, NULL), RK_EFORMAT);
}

int test_taxii_next_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_next__round_trip),
            cmocka_unit_test(test_taxii_next__other_scope_refused),
            cmocka_unit_test(test_taxii_next__tampered_and_garbage),
    };

    return cmocka_run_group_tests_name("taxii_next", tests, NULL, NULL);
}
