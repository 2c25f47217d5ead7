/* client.c - the TAXII client against a scripted server: retries with backoff on transient
 * failures and none on permanent ones, Retry-After, timeouts, caps, media types, credentials,
 * paging parameters, envelope splitting, cancellation. */
#include "tests.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fake_server.h"
#include <jansson.h>

#include "renkei/taxii_client.h"

#define DISCOVERY                                                                                  \
    "{\"title\":\"fake\",\"default\":\"/api1/\",\"api_roots\":[\"/api1/\",\"https://other/x/\"]}"
#define API_ROOT                                                                                   \
    "{\"title\":\"api1\",\"versions\":[\"application/taxii+json;version=2.1\"],"                 \
    "\"max_content_length\":1000}"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct rk_taxii_client *client_for(struct fake *f, struct rk_taxii_client_config *cfg)
{
    static char url[64];
    struct rk_taxii_client *c = NULL;
    struct rk_err err;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/taxii2/", fake_port(f));
    cfg->url = url;
    cfg->allow_http = 1;
    rk_err_clear(&err);
    if (rk_taxii_client_new(&c, cfg, &err) != 0)
        fail_msg("client: %s", err.message);
    return c;
}

static struct rk_taxii_client_config quick(void)
{
    struct rk_taxii_client_config cfg;

    rk_taxii_client_config_init(&cfg);
    cfg.backoff_ms = 10;
    cfg.backoff_max_ms = 2000;
    cfg.timeout_s = 5;
    return cfg;
}

static void test_sync_client__retries_transient_then_succeeds(void **state)
{
    const struct fake_step steps[] = {{503, NULL, "{}", 0, NULL, NULL, 0},
                                      {502, "text/html", "<html>", 0, NULL, NULL, 0},
                                      {200, NULL, DISCOVERY, 0, NULL, NULL, 0}};
    struct fake *f = fake_start(steps, 3);
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_client *c;
    struct rk_taxii_discovery d;
    struct rk_err err;

    (void)state;
    assert_non_null(f);
    c = client_for(f, &cfg);
    rk_err_clear(&err);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), 0);
    assert_int_equal(fake_requests(f), 3);
    assert_string_equal(d.title, "fake");
    /* relative URLs are resolved against the discovery URL */
    assert_non_null(strstr(d.default_root, "127.0.0.1"));
    assert_non_null(strstr(d.default_root, "/api1/"));
    assert_int_equal(d.n_api_roots, 2);
    assert_string_equal(d.api_roots[1], "https://other/x/");
    rk_taxii_client_free(c);
    fake_stop(f);
}

static void test_sync_client__gives_up_and_says_why(void **state)
{
    const struct fake_step err500[] = {{500, NULL, "{\"title\":\"Internal\"}", 0, NULL, NULL, 0}};
    const struct fake_step err404[] = {
            {404, NULL, "{\"title\":\"Not Found\",\"description\":\"no such collection\"}", 0,
             NULL, NULL, 0}};
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_client *c;
    struct rk_taxii_discovery d;
    struct rk_err err;
    struct fake *f;

    (void)state;
    cfg.retries = 2;
    f = fake_start(err500, 1);
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_EIO);
    assert_int_equal(fake_requests(f), 3); /* the first and two retries */
    assert_non_null(strstr(err.message, "HTTP 500"));
    rk_taxii_client_free(c);
    fake_stop(f);

    f = fake_start(err404, 1); /* permanent: no retry, and the server's words */
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_ENOTFOUND);
    assert_int_equal(fake_requests(f), 1);
    assert_non_null(strstr(err.message, "no such collection"));
    rk_taxii_client_free(c);
    fake_stop(f);
}

static void test_sync_client__retry_after(void **state)
{
    const struct fake_step steps[] = {{429, NULL, "{}", 0, NULL, "1", 0},
                                      {200, NULL, DISCOVERY, 0, NULL, NULL, 0}};
    struct fake *f = fake_start(steps, 2);
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_client *c = client_for(f, &cfg);
    struct rk_taxii_discovery d;
    struct rk_err err;
    double t0 = now_s();

    (void)state;
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), 0);
    assert_true(now_s() - t0 >= 0.95); /* waited as told, not the 10 ms backoff */
    rk_taxii_client_free(c);
    fake_stop(f);
}

/* A TAXII server blocking an address after failed authentications answers 401 with
 * Retry-After (TAXII allows only 401 or 404): retried after the wait; a 401 without it is a
 * wrong credential and is not retried. */
static void test_sync_client__blocked_401_retry_after(void **state)
{
    const struct fake_step blocked[] = {{401, NULL, "{}", 0, NULL, "1", 0},
                                        {200, NULL, DISCOVERY, 0, NULL, NULL, 0}};
    const struct fake_step wrong[] = {
            {401, NULL, "{\"title\":\"Unauthorized\"}", 0, NULL, NULL, 0}};
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_client *c;
    struct rk_taxii_discovery d;
    struct rk_err err;
    struct fake *f = fake_start(blocked, 2);
    double t0 = now_s();

    (void)state;
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), 0);
    assert_int_equal(fake_requests(f), 2);
    assert_true(now_s() - t0 >= 0.95);
    rk_taxii_client_free(c);
    fake_stop(f);

    f = fake_start(wrong, 1);
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_EAUTH);
    assert_int_equal(fake_requests(f), 1);
    rk_taxii_client_free(c);
    fake_stop(f);
}

static void test_sync_client__hostile_answers(void **state)
{
    const struct fake_step huge[] = {{200, NULL, "{\"title\":\"", 300000, NULL, NULL, 0}};
    const struct fake_step html[] = {{200, "text/html", "<html></html>", 0, NULL, NULL, 0}};
    const struct fake_step junk[] = {{200, NULL, "{\"title\": [1, 2", 0, NULL, NULL, 0}};
    const struct fake_step slow[] = {{200, NULL, DISCOVERY, 0, NULL, NULL, 3000}};
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_discovery d;
    struct rk_taxii_client *c;
    struct rk_err err;
    struct fake *f;
    double t0;

    (void)state;
    cfg.max_response_bytes = 1 << 20;
    f = fake_start(huge, 1);
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_ELIMIT);
    assert_non_null(strstr(err.message, "larger than"));
    rk_taxii_client_free(c);
    fake_stop(f);

    f = fake_start(html, 1);
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "text/html"));
    rk_taxii_client_free(c);
    fake_stop(f);

    f = fake_start(junk, 1);
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "not JSON"));
    rk_taxii_client_free(c);
    fake_stop(f);

    cfg.timeout_s = 1;
    cfg.retries = 0;
    f = fake_start(slow, 1);
    c = client_for(f, &cfg);
    t0 = now_s();
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_EIO);
    assert_true(now_s() - t0 < 2.5);
    rk_taxii_client_free(c);
    fake_stop(f);
}

static int stop_now(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_sync_client__cancelled(void **state)
{
    const struct fake_step slow[] = {{503, NULL, "{}", 0, NULL, "20", 0}};
    struct fake *f = fake_start(slow, 1);
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_discovery d;
    struct rk_taxii_client *c;
    struct rk_err err;
    double t0 = now_s();

    (void)state;
    cfg.cancelled = stop_now;
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_discovery(c, &d, &err), RK_EIO);
    assert_non_null(strstr(err.message, "stopped"));
    assert_true(now_s() - t0 < 1.0);
    rk_taxii_client_free(c);
    fake_stop(f);
}

static int note_collection(const struct rk_taxii_collection_info *ci, void *ctx)
{
    char *ids = ctx;
    size_t len = strlen(ids);

    snprintf(ids + len, 256 - len, "%s%s:%d%d", len ? " " : "", ci->id, ci->can_read,
             ci->can_write);
    return 0;
}

static void test_sync_client__pages_and_credentials(void **state)
{
    const struct fake_step steps[] = {
            {200, NULL, DISCOVERY, 0, NULL, NULL, 0},
            {200, NULL, API_ROOT, 0, NULL, NULL, 0},
            {200, NULL,
             "{\"collections\":[{\"id\":\"ais-feed\",\"title\":\"AIS\",\"can_read\":true,"
             "\"can_write\":false}]}",
             0, NULL, NULL, 0},
            {200, NULL,
             "{\"more\":true,\"next\":\"tok 1/2\",\"objects\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
             "\"x\":{\"objects\":7}}",
             0, "2024-05-01T00:00:00.000001Z", NULL, 0},
    };
    struct fake *f = fake_start(steps, 4);
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_get g = {.added_after = "2024-01-01T00:00:00Z", .next = "tok 0",
                             .limit = 50, .all_versions = 1};
    struct rk_taxii_page page = {0};
    struct rk_taxii_api_root root;
    struct rk_taxii_client *c;
    char ids[256] = "", url[4096], auth[512];
    struct rk_err err;

    (void)state;
    cfg.user = "jp-sync";
    cfg.password = "s3cret";
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_api_root(c, &root, &err), 0);
    assert_int_equal(root.max_content_length, 1000);
    assert_non_null(strstr(root.url, "/api1/"));
    fake_last(f, url, sizeof(url), auth, sizeof(auth), NULL);
    assert_string_equal(url, "/api1/");
    assert_string_equal(auth, "Basic anAtc3luYzpzM2NyZXQ="); /* jp-sync:s3cret */
    assert_int_equal(rk_taxii_client_collections(c, note_collection, ids, &err), 0);
    assert_string_equal(ids, "ais-feed:10");
    assert_int_equal(rk_taxii_client_get_objects(c, "ais-feed", &g, &page, &err), 0);
    fake_last(f, url, sizeof(url), NULL, 0, NULL);
    assert_string_equal(url, "/api1/collections/ais-feed/objects/?added_after=2024-01-01T00:00:00Z"
                             "&limit=50&next=tok 0&match[version]=all");
    assert_int_equal(page.more, 1);
    assert_string_equal(page.next, "tok 1/2");
    assert_int_equal(page.n_objects, 2);
    assert_string_equal(page.date_last, "2024-05-01T00:00:00.000001Z");
    assert_int_equal(page.body[page.objects_at], '[');
    assert_int_equal(page.body[page.objects_at + page.objects_len - 1], ']');
    rk_taxii_page_free(&page);
    rk_taxii_client_free(c);
    fake_stop(f);
}

static void test_sync_client__bearer_and_status(void **state)
{
    const struct fake_step steps[] = {
            {202, NULL,
             "{\"id\":\"s-1\",\"status\":\"pending\",\"total_count\":3,\"success_count\":1,"
             "\"failure_count\":1,\"pending_count\":1,\"failures\":[{\"id\":\"x--1\","
             "\"version\":\"v\",\"message\":\"too red\"}]}",
             0, NULL, NULL, 0},
            {200, NULL,
             "{\"id\":\"s-1\",\"status\":\"complete\",\"total_count\":3,\"success_count\":2,"
             "\"failure_count\":1,\"pending_count\":0,\"failures\":[{\"id\":\"x--1\","
             "\"version\":\"v\"}]}",
             0, NULL, NULL, 0},
    };
    struct fake *f = fake_start(steps, 2);
    struct rk_taxii_client_config cfg = quick();
    struct rk_taxii_status st = {0};
    struct rk_taxii_client *c;
    char url[4096], auth[512];
    size_t body_len = 0;
    struct rk_err err;

    (void)state;
    cfg.bearer = "rk_token";
    cfg.api_root = "/api1/";
    c = client_for(f, &cfg);
    assert_int_equal(rk_taxii_client_add_objects(c, "inbox", "{\"objects\":[{}]}", 16, &st, &err),
                     0);
    fake_last(f, url, sizeof(url), auth, sizeof(auth), &body_len);
    assert_string_equal(url, "/api1/collections/inbox/objects/");
    assert_string_equal(auth, "Bearer rk_token");
    assert_int_equal(body_len, 16);
    assert_false(st.complete);
    assert_int_equal(st.n_failures, 1);
    assert_string_equal(st.failures[0].message, "too red");
    assert_int_equal(rk_taxii_client_wait_status(c, &st, 30, &err), 0);
    assert_true(st.complete);
    assert_int_equal(st.success, 2);
    fake_last(f, url, sizeof(url), NULL, 0, NULL);
    assert_string_equal(url, "/api1/status/s-1/");
    rk_taxii_status_free(&st);
    rk_taxii_client_free(c);
    fake_stop(f);
}

static void test_sync_client__configuration_refused(void **state)
{
    struct rk_taxii_client_config cfg;
    struct rk_taxii_client *c = NULL;
    struct rk_err err;

    (void)state;
    rk_taxii_client_config_init(&cfg);
    cfg.url = "http://partner.example/taxii2/";
    assert_int_equal(rk_taxii_client_new(&c, &cfg, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "plain HTTP"));
    cfg.url = "ftp://partner.example/";
    assert_int_equal(rk_taxii_client_new(&c, &cfg, &err), RK_EINVAL);
    cfg.url = "https://partner.example/taxii2/";
    cfg.fingerprint = "12:34";
    assert_int_equal(rk_taxii_client_new(&c, &cfg, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "fingerprint"));
    cfg.fingerprint = NULL;
    cfg.user = "u";
    assert_int_equal(rk_taxii_client_new(&c, &cfg, &err), RK_EINVAL);
    cfg.password = "p";
    cfg.bearer = "t";
    assert_int_equal(rk_taxii_client_new(&c, &cfg, &err), RK_EINVAL);
    assert_null(c);
}

static void test_sync_client__envelope_builder(void **state)
{
    struct rk_taxii_envelope e;
    const char *obj = "{\"type\":\"x\",\"id\":\"x--1\"}"; /* 25 bytes */
    const char *body;
    size_t len, n = 0;

    (void)state;
    rk_taxii_envelope_init(&e, 100); /* room for 2 such objects with the frame */
    while (rk_taxii_envelope_add(&e, obj, strlen(obj)) == 0)
        n++;
    assert_int_equal(n, 3);
    body = rk_taxii_envelope_body(&e, &len);
    assert_true(len <= 100);
    assert_int_equal(strncmp(body, "{\"objects\":[{", 13), 0);
    assert_int_equal(strncmp(body + len - 3, "}]}", 3), 0);
    {
        json_t *j = json_loadb(body, len, 0, NULL);

        assert_non_null(j);
        assert_int_equal(json_array_size(json_object_get(j, "objects")), 3);
        json_decref(j);
    }
    rk_taxii_envelope_reset(&e);
    assert_int_equal(rk_taxii_envelope_add(&e, obj, strlen(obj)), 0);
    {
        char big[200];

        memset(big, 'a', sizeof(big));
        assert_int_equal(rk_taxii_envelope_add(&e, big, sizeof(big)), RK_EINVAL);
    }
    rk_taxii_envelope_free(&e);
}

int test_sync_client_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_client__retries_transient_then_succeeds),
            cmocka_unit_test(test_sync_client__gives_up_and_says_why),
            cmocka_unit_test(test_sync_client__retry_after),
            cmocka_unit_test(test_sync_client__blocked_401_retry_after),
            cmocka_unit_test(test_sync_client__hostile_answers),
            cmocka_unit_test(test_sync_client__cancelled),
            cmocka_unit_test(test_sync_client__pages_and_credentials),
            cmocka_unit_test(test_sync_client__bearer_and_status),
            cmocka_unit_test(test_sync_client__configuration_refused),
            cmocka_unit_test(test_sync_client__envelope_builder),
    };

    return cmocka_run_group_tests_name("sync_client", tests, NULL, NULL);
}
