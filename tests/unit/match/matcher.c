/* matcher.c - the structured matcher on the sample capture and on Zeek lines: plain hits,
 * patterns confirmed or rejected by the evaluator, warning lists, sightings, JSON events. */
#include "tests.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "pcapgen.h"
#include "renkei/match.h"
#include "util/buf.h"

static const char *const patterns[][2] = {
        {"dns", "[domain-name:value = 'evil.example.com']"},
        {"tls443", "[network-traffic:dst_ref.value = '203.0.113.9' AND network-traffic:dst_port = 443]"},
        {"web443", "[network-traffic:dst_ref.value = '198.51.100.23' AND network-traffic:dst_port = 443]"},
        {"chain", "[domain-name:value = 'evil.example.com'] FOLLOWEDBY "
                  "[url:value = 'http://evil.example.com:8080/payload.bin'] WITHIN 60 SECONDS"},
        {"old", "[ipv4-addr:value = '10.0.0.5']"},
        {"private", "[ipv4-addr:value = '192.0.2.53']"}};

static struct rk_match_index *build(void)
{
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_stix_stats st;

    memset(&st, 0, sizeof(st));
    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
        char text[1024];
        json_t *j;

        snprintf(text, sizeof(text),
                 "{\"type\":\"indicator\",\"id\":\"indicator--%s\",\"pattern_type\":\"stix\","
                 "\"indicator_types\":[\"malicious-activity\"],\"confidence\":60,\"valid_from\":\"2020-01-01T00:00:00Z\"%s,\"pattern\":\"%s\"}",
                 patterns[i][0],
                 strcmp(patterns[i][0], "old") == 0 ? ",\"valid_until\":\"2021-01-01T00:00:00Z\""
                                                    : "",
                 patterns[i][1]);
        assert_non_null(j = json_loads(text, 0, NULL));
        /* compiled with now = 0 so that "old" gets in: the matcher must drop it */
        assert_int_equal(rk_match_builder_add_stix(b, j, 3, "unit", 0, &st, NULL), 0);
        json_decref(j);
    }
    assert_int_equal(st.compiled, 6);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    return ix;
}

struct events {
    struct rk_buf out;
    const struct rk_match_index *ix;
    size_t n;
};

static int on_event(const struct rk_match_event *ev, void *ctx)
{
    struct events *e = ctx;

    e->n++;
    assert_int_equal(rk_match_event_json(e->ix, ev, &e->out), 0);
    return rk_buf_putc(&e->out, '\n');
}

static int feed(const struct rk_match_obs *obs, void *ctx)
{
    return rk_match_matcher_observe(ctx, "sample.pcap", obs, NULL);
}

/* The events whose value is v and which name indicator id (one line each). */
static int count_events(const char *out, const char *value, const char *id)
{
    char v[256], i[256];
    int n = 0;
    const char *line = out;

    snprintf(v, sizeof(v), "\"value\":\"%s\"", value);
    snprintf(i, sizeof(i), "\"id\":\"indicator--%s\"", id);
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);

        if (memmem(line, len, v, strlen(v)) && memmem(line, len, i, strlen(i)))
            n++;
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

static int collect_sightings(const struct rk_match_sighting *s, void *ctx)
{
    struct rk_match_sighting *all = ctx;

    all[s->indicator] = *s;
    return 0;
}

static void test_match_matcher__sample_capture(void **state)
{
    static struct pcapgen pg;
    struct rk_match_index *ix = build();
    struct rk_match_warnlists *wl;
    struct rk_match_matcher *m;
    struct rk_match_matcher_options mo = {.now_us = 1717200000000000LL, .window_us = 3600000000LL};
    struct rk_match_extract_options xo = {.format = RK_MATCH_FMT_PCAP};
    struct rk_match_matcher_stats st;
    struct rk_match_sighting sight[8];
    struct events e = {.ix = ix};
    static const char wl_json[] = "{\"name\":\"resolvers\",\"type\":\"cidr\",\"list\":[\"192.0.2.53\"]}";

    rk_buf_init(&e.out, RK_BUF_UNLIMITED);
    assert_int_equal(rk_match_warnlists_new(&wl, NULL), 0);
    assert_int_equal(rk_match_warnlists_add_json(wl, wl_json, strlen(wl_json), "t", NULL), 0);
    assert_int_equal(rk_match_warnlists_finish(wl, NULL), 0);
    assert_int_equal(rk_match_matcher_new(&m, ix, wl, &mo, on_event, &e, NULL), 0);
    pg_sample(&pg, 0);
    assert_int_equal(rk_match_extract((const char *)pg.buf, pg.len, &xo, feed, m, NULL, NULL), 0);
    assert_int_equal(rk_match_matcher_flush(m, NULL), 0);

    /* the query (packet 1), the answer (2) and the Host header (3) */
    assert_int_equal(count_events(rk_buf_cstr(&e.out), "evil.example.com", "dns"), 3);
    /* TLS to 203.0.113.9 port 443: the AND with dst_port holds */
    assert_int_equal(count_events(rk_buf_cstr(&e.out), "203.0.113.9", "tls443"), 1);
    /* HTTP to 198.51.100.23 is port 80: rejected by the evaluator (the DNS answer too) */
    assert_int_equal(count_events(rk_buf_cstr(&e.out), "198.51.100.23", "web443"), 0);
    /* the DNS query at t+1 followed by the URL at t+3 within 60 s */
    assert_int_equal(count_events(rk_buf_cstr(&e.out), "evil.example.com:8080/payload.bin", "chain"), 1);
    /* valid_until passed */
    assert_int_equal(count_events(rk_buf_cstr(&e.out), "10.0.0.5", "old"), 0);
    /* the resolver is suppressed by the warning list, and the event says so */
    assert_non_null(strstr(rk_buf_cstr(&e.out), "\"suppressed_by\":{\"list\":\"resolvers\",\"entry\":\"192.0.2.53\"}"));

    rk_match_matcher_stats(m, &st);
    assert_true(st.not_valid >= 4); /* 10.0.0.5 in four packets */
    assert_true(st.pattern_rejected >= 2);
    assert_int_equal(st.pattern_errors, 0);
    assert_int_equal(st.suppressed, 2); /* 192.0.2.53 as destination of 1, source of 2 */

    memset(sight, 0, sizeof(sight));
    assert_int_equal(rk_match_matcher_sightings(m, collect_sightings, sight, NULL), 0);
    /* indicator numbers follow the order of compilation: dns is 0 */
    assert_int_equal(sight[0].count, 3);
    assert_true(sight[0].first_seen_us == 1700000001000000LL);
    assert_true(sight[0].last_seen_us == 1700000003000000LL);
    assert_true(sight[0].window_start_us == 1699999200000000LL);
    assert_int_equal(sight[5].count, 0); /* suppressed hits are no sightings */
    rk_match_matcher_free(m);
    rk_match_warnlists_free(wl);
    rk_match_index_free(ix);
    rk_buf_free(&e.out);
}

static void test_match_matcher__event_json(void **state)
{
    struct rk_match_index *ix = build();
    struct rk_match_matcher *m;
    struct rk_match_matcher_options mo = {.now_us = 1717200000000000LL};
    struct rk_match_extract_options xo = {.format = RK_MATCH_FMT_JSON};
    struct events e = {.ix = ix};
    static const char zeek[] = "{\"ts\":1700000000.5,\"id.orig_h\":\"10.1.1.1\","
                               "\"query\":\"www.evil.example.com\"}\n";
    json_t *j, *ind;

    rk_buf_init(&e.out, RK_BUF_UNLIMITED);
    assert_int_equal(rk_match_matcher_new(&m, ix, NULL, &mo, on_event, &e, NULL), 0);
    assert_int_equal(rk_match_extract(zeek, sizeof(zeek) - 1, &xo, feed, m, NULL, NULL), 0);
    assert_int_equal(rk_match_matcher_flush(m, NULL), 0);
    assert_int_equal(e.n, 1);
    assert_non_null(j = json_loads(rk_buf_cstr(&e.out), JSON_DISABLE_EOF_CHECK, NULL));
    assert_string_equal(json_string_value(json_object_get(j, "time")), "2023-11-14T22:13:20.500000Z");
    assert_string_equal(json_string_value(json_object_get(j, "input")), "sample.pcap");
    assert_int_equal(json_integer_value(json_object_get(j, "record")), 1);
    assert_int_equal(json_integer_value(json_object_get(j, "offset")), 0);
    assert_string_equal(json_string_value(json_object_get(j, "field")), "query");
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "domain-name");
    assert_string_equal(json_string_value(json_object_get(j, "value")), "www.evil.example.com");
    ind = json_array_get(json_object_get(j, "indicators"), 0);
    assert_string_equal(json_string_value(json_object_get(ind, "id")), "indicator--dns");
    assert_string_equal(json_string_value(json_object_get(ind, "matched")), "evil.example.com");
    assert_string_equal(json_string_value(json_object_get(ind, "matched_kind")), "domain-name");
    assert_int_equal(json_integer_value(json_object_get(ind, "confidence")), 60);
    assert_string_equal(json_string_value(json_object_get(ind, "tlp")), "amber");
    assert_string_equal(json_string_value(json_object_get(ind, "source")), "unit");
    assert_null(json_object_get(ind, "valid_until"));
    assert_string_equal(json_string_value(json_array_get(json_object_get(ind, "indicator_types"), 0)),
                        "malicious-activity");
    json_decref(j);
    rk_match_matcher_free(m);
    rk_match_index_free(ix);
    rk_buf_free(&e.out);
}

int test_match_matcher_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_matcher__sample_capture),
            cmocka_unit_test(test_match_matcher__event_json),
    };
    return cmocka_run_group_tests_name("match_matcher", tests, NULL, NULL);
}
