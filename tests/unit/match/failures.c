/* failures.c - every allocation of building, loading and using an index fails once in turn:
 * each failure must come back as RK_ENOMEM (or a clean "not found"), never as a crash, a leak
 * or a half-built index. */
#include "tests.h"

#include <jansson.h>
#include <string.h>

#include "pcapgen.h"
#include "renkei/match.h"
#include "util/alloc.h"

static const char list[] = "# a list\n10.0.0.0/8\n192.0.2.7:443\n2001:db8::/32\n0.0.0.0 evil.example\n"
                           "http://bad.example/x\n/payload.bin\nd41d8cd98f00b204e9800998ecf8427e\n"
                           "a@b.example\n";

static int feed(const struct rk_match_obs *o, void *ctx)
{
    return rk_match_matcher_observe(ctx, "capture", o, NULL);
}

/* Build a full index from the list and a STIX indicator, look values up, run the matcher on
 * the sample capture. Returns 0 when everything worked, or the first error. */
static int attempt(void)
{
    static struct pcapgen pg;
    static const char ind[] = "{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
                              "\"pattern_type\":\"stix\",\"pattern\":\"[domain-name:value = 'evil.example.com'"
                              " AND domain-name:value != 'x']\"}";
    struct rk_match_builder *b = NULL;
    struct rk_match_index *ix = NULL;
    struct rk_match_matcher *m = NULL;
    struct rk_match_stix_stats st;
    struct rk_match_extract_options xo = {.format = RK_MATCH_FMT_PCAP};
    struct rk_match_value *v = rk_malloc(sizeof(*v));
    json_t *j = json_loads(ind, 0, NULL);
    int rc = RK_ENOMEM;

    memset(&st, 0, sizeof(st));
    if (!v || !j)
        goto out;
    if ((rc = rk_match_builder_new(&b, NULL, NULL)) != 0 ||
        (rc = rk_match_builder_add_list(b, list, sizeof(list) - 1, "l", NULL, NULL)) != 0 ||
        (rc = rk_match_builder_add_stix(b, j, 0, "s", 0, &st, NULL)) != 0)
        goto out;
    rc = rk_match_builder_finish(b, &ix, NULL);
    b = NULL;
    if (rc != 0)
        goto out;
    if ((rc = rk_match_value_parse(v, RK_MATCH_ANY, "www.evil.example", 16, NULL)) != 0)
        goto out;
    if (!rk_match_contains(ix, v, 0)) {
        rc = RK_EINTERNAL;
        goto out;
    }
    pg_sample(&pg, 0);
    if ((rc = rk_match_matcher_new(&m, ix, NULL, NULL, NULL, NULL, NULL)) != 0)
        goto out;
    rc = rk_match_extract((const char *)pg.buf, pg.len, &xo, feed, m, NULL, NULL);
    if (rc == 0)
        rc = rk_match_matcher_flush(m, NULL);
out:
    rk_match_matcher_free(m);
    rk_match_index_free(ix);
    rk_match_builder_free(b);
    json_decref(j);
    rk_free(v);
    return rc;
}

static void test_match_failures__every_allocation(void **state)
{
    int succeeded = 0;

    rk_alloc_install_json();
    for (unsigned long nth = 1; nth < 20000 && !succeeded; nth++) {
        int rc;

        rk_alloc_fail_at(nth);
        rc = attempt();
        rk_alloc_fail_at(0);
        if (rc == 0) {
            succeeded = 1;
            break;
        }
        /* a failed allocation surfaces as "out of memory", or as a value the extractor or
         * pattern parser could not take (they report a failed allocation as no value) */
        assert_true(rc == RK_ENOMEM || rc == RK_EFORMAT || rc == RK_ELIMIT);
    }
    assert_true(succeeded);
}

int test_match_failures_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_failures__every_allocation),
    };
    return cmocka_run_group_tests_name("match_failures", tests, NULL, NULL);
}
