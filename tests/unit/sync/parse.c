/* parse.c - the parsers of server responses with well-formed and hostile input: each refusal
 * names what is wrong, and nothing valid is misread. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

#include "renkei/taxii_client.h"

static int envelope(const char *s, struct rk_taxii_page *p, struct rk_err *err)
{
    memset(p, 0, sizeof(*p));
    rk_err_clear(err);
    return rk_taxii_parse_envelope(s, strlen(s), p, err);
}

static void test_sync_parse__envelope(void **state)
{
    struct rk_taxii_page p;
    struct rk_err err;
    const char *ok = " {\"next\":\"a\\\"b\\/c\",\"objects\":[{\"x\":\"]\"},[],{}],\"more\":true,"
                     "\"extra\":{\"objects\":null,\"more\":\"no\"}} ";

    (void)state;
    assert_int_equal(envelope(ok, &p, &err), 0);
    assert_int_equal(p.more, 1);
    assert_string_equal(p.next, "a\"b/c");
    assert_int_equal(p.n_objects, 3);
    assert_int_equal(ok[p.objects_at], '[');
    assert_int_equal(strncmp(ok + p.objects_at + p.objects_len - 2, "}]", 2), 0);
    assert_int_equal(envelope("{}", &p, &err), 0);
    assert_int_equal(p.n_objects, 0);
    assert_int_equal(p.more, 0);
    assert_int_equal(envelope("{\"more\":false,\"objects\":[]}", &p, &err), 0);

    /* hostile shapes */
    {
        static const char *const bad[] = {
                "",
                "[]",
                "{\"more\":true,\"more\":false}",
                "{\"objects\":{}}",
                "{\"objects\":[{}],\"objects\":[{}]}",
                "{\"more\":\"yes\"}",
                "{\"more\":truex}",
                "{\"next\":5}",
                "{\"objects\":[{\"a\":\"unterminated}]}",
                "{\"objects\":[{}]} trailing",
                "{\"objects\":[{},]}",
                "{\"objects\":[{\"a\" 1}]}",
                "{\"objects\":[\"\x01\"]}",
                "{\"objects\":[\"\\q\"]}",
                "{\"objects\":[",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            if (envelope(bad[i], &p, &err) != RK_EFORMAT)
                fail_msg("accepted: %s", bad[i]);
            assert_non_null(strstr(err.message, "envelope"));
        }
    }
}

static void test_sync_parse__deep_and_long(void **state)
{
    struct rk_taxii_page p;
    struct rk_err err;
    size_t n = 100000;
    char *s = malloc(2 * n + 64);

    (void)state;
    /* nesting far past the limit: refused, no stack exhaustion */
    memcpy(s, "{\"objects\":[", 12);
    memset(s + 12, '[', n);
    s[12 + n] = '\0';
    assert_int_equal(envelope(s, &p, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "nesting"));
    /* a next token longer than the client keeps */
    memcpy(s, "{\"next\":\"", 9);
    memset(s + 9, 'n', 5000);
    memcpy(s + 5009, "\"}", 3);
    assert_int_equal(envelope(s, &p, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "longer"));
    /* a long unknown key is fine */
    memcpy(s, "{\"", 2);
    memset(s + 2, 'k', 5000);
    memcpy(s + 5002, "\":1,\"more\":true}", 17);
    assert_int_equal(envelope(s, &p, &err), 0);
    assert_int_equal(p.more, 1);
    free(s);
}

static int count_coll(const struct rk_taxii_collection_info *ci, void *ctx)
{
    (void)ci;
    ++*(int *)ctx;
    return 0;
}

static int count_rec(const struct rk_taxii_manifest_record *r, void *ctx)
{
    assert_non_null(r->id);
    ++*(int *)ctx;
    return 0;
}

static void test_sync_parse__resources(void **state)
{
    struct rk_taxii_discovery d;
    struct rk_taxii_api_root a;
    struct rk_taxii_status s = {0};
    struct rk_err err;
    char next[RK_TAXII_NEXT_MAX];
    int n = 0, more = 0;

#define P(fn, text, ...) fn(text, strlen(text), __VA_ARGS__)
    (void)state;
    assert_int_equal(P(rk_taxii_parse_discovery, "{\"title\":\"t\",\"api_roots\":[\"a/\"]}", &d,
                       &err),
                     0);
    assert_int_equal(d.n_api_roots, 1);
    assert_int_equal(P(rk_taxii_parse_discovery, "{\"title\":\"t\",\"api_roots\":\"a/\"}", &d,
                       &err),
                     RK_EFORMAT);
    assert_int_equal(P(rk_taxii_parse_discovery, "{\"api_roots\":[]}", &d, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "title"));
    assert_int_equal(P(rk_taxii_parse_discovery, "{\"title\":\"a\",\"title\":\"b\"}", &d, &err),
                     RK_EFORMAT);

    assert_int_equal(P(rk_taxii_parse_api_root,
                       "{\"title\":\"r\",\"versions\":[\"application/taxii+json;version=2.1\"],"
                       "\"max_content_length\":104857600}",
                       &a, &err),
                     0);
    assert_true(a.taxii21);
    assert_int_equal(a.max_content_length, 104857600);
    assert_int_equal(P(rk_taxii_parse_api_root,
                       "{\"title\":\"r\",\"versions\":[],\"max_content_length\":-1}", &a, &err),
                     RK_EFORMAT);
    assert_int_equal(P(rk_taxii_parse_api_root, "{\"title\":\"r\",\"versions\":[]}", &a, &err),
                     RK_EFORMAT);

    assert_int_equal(P(rk_taxii_parse_collections,
                       "{\"collections\":[{\"id\":\"x\",\"title\":\"X\",\"can_read\":true,"
                       "\"can_write\":false},{\"id\":\"91a7b528-80eb-42ed-a74d-c6fbd5a26116\","
                       "\"title\":\"Y\",\"can_read\":false,\"can_write\":true}]}",
                       count_coll, &n, &err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(P(rk_taxii_parse_collections, "{}", count_coll, &n, &err), 0);
    assert_int_equal(P(rk_taxii_parse_collections,
                       "{\"collections\":[{\"id\":\"x\",\"title\":\"X\",\"can_read\":1,"
                       "\"can_write\":false}]}",
                       count_coll, &n, &err),
                     RK_EFORMAT);
    assert_non_null(strstr(err.message, "collections[0]"));

    assert_int_equal(P(rk_taxii_parse_status,
                       "{\"id\":\"s\",\"status\":\"done\",\"total_count\":1,\"success_count\":1,"
                       "\"failure_count\":0,\"pending_count\":0}",
                       &s, &err),
                     RK_EFORMAT);
    assert_non_null(strstr(err.message, "done"));
    assert_int_equal(P(rk_taxii_parse_status,
                       "{\"id\":\"s\",\"status\":\"complete\",\"total_count\":1,"
                       "\"success_count\":1,\"failure_count\":1,\"pending_count\":0,"
                       "\"failures\":[{\"id\":\"a\"}]}",
                       &s, &err),
                     RK_EFORMAT);
    assert_int_equal(s.n_failures, 0);

    n = 0;
    assert_int_equal(P(rk_taxii_parse_manifest,
                       "{\"more\":true,\"next\":\"n\",\"objects\":[{\"id\":\"a\",\"date_added\":"
                       "\"2024-01-01T00:00:00Z\",\"version\":\"v\"}]}",
                       count_rec, &n, &more, next, &err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(more, 1);
    assert_string_equal(next, "n");
    assert_int_equal(P(rk_taxii_parse_manifest, "{\"objects\":[{\"id\":\"a\"}]}", count_rec, &n,
                       &more, next, &err),
                     RK_EFORMAT);
#undef P
}

int test_sync_parse_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_parse__envelope),
            cmocka_unit_test(test_sync_parse__deep_and_long),
            cmocka_unit_test(test_sync_parse__resources),
    };

    return cmocka_run_group_tests_name("sync_parse", tests, NULL, NULL);
}
