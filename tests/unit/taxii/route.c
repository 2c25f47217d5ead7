/* route.c - paths to endpoints (TAXII 2.1 sections 3.1, 4, 5) and whole-request parsing. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "taxii/http_request.h"
#include "util/alloc.h"
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

static int route(struct rk_taxii_route *r, const char *path, struct rk_err *err)
{
    rk_arena_reset(arena);
    rk_err_clear(err);
    return rk_taxii_route_parse(r, path, strlen(path), "api1", arena, err);
}

static void test_taxii_route__every_endpoint(void **state)
{
    static const char oid[] = "indicator--252c7c11-daf2-42bd-843b-be65edca9f61";
    struct rk_taxii_route r;
    struct rk_err err;
    char path[256];

    assert_int_equal(route(&r, "/taxii2/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_DISCOVERY);
    assert_int_equal(route(&r, "/api1/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_API_ROOT);
    assert_int_equal(route(&r, "/api1/status/2d086da7-4bdc-4f91-900e-d77486753710/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_STATUS);
    assert_string_equal(r.status_id, "2d086da7-4bdc-4f91-900e-d77486753710");
    assert_int_equal(route(&r, "/api1/collections/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_COLLECTIONS);
    assert_int_equal(route(&r, "/api1/collections/high-value/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_COLLECTION);
    assert_string_equal(r.collection, "high-value");
    assert_int_equal(route(&r, "/api1/collections/c1/manifest/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_MANIFEST);
    assert_int_equal(route(&r, "/api1/collections/c1/objects/", &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_OBJECTS);
    snprintf(path, sizeof(path), "/api1/collections/c1/objects/%s/", oid);
    assert_int_equal(route(&r, path, &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_OBJECT);
    assert_string_equal(r.object_id, oid);
    snprintf(path, sizeof(path), "/api1/collections/c%%31/objects/%s/versions/", oid);
    assert_int_equal(route(&r, path, &err), 0);
    assert_int_equal(r.ep, RK_TAXII_EP_VERSIONS);
    assert_string_equal(r.collection, "c1"); /* percent-decoded */
}

static void test_taxii_route__not_found(void **state)
{
    static const char versions_x[] =
            "/api1/collections/c1/objects/indicator--252c7c11-daf2-42bd-843b-be65edca9f61"
            "/versions/x/";
    const char *paths[] = {"/taxii2", "/api1", "/api1/collections", "/", "/taxii/", "/api2/",
                           "/api1//", "/api1/collections//objects/", "/api1/status/",
                           versions_x, "/api1/collections/c1/manifest/x/", "/api1/x/", "api1/",
                           ""};
    struct rk_taxii_route r;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (route(&r, paths[i], &err) != RK_ENOTFOUND)
            fail_msg("path '%s' should not route", paths[i]);
        assert_int_equal(r.ep, RK_TAXII_EP_NONE);
    }
    route(&r, "/taxii2", &err);
    assert_non_null(strstr(err.message, "end with '/'"));
}

static void test_taxii_route__malformed(void **state)
{
    struct rk_taxii_route r;
    struct rk_err err;

    assert_int_equal(route(&r, "/api1/collections/c1/objects/not-an-id/", &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "not-an-id"));
    assert_int_equal(route(&r, "/api1/collections/c%2/", &err), RK_EFORMAT);
    assert_int_equal(route(&r, "/api1/collections/a%2Fb/", &err), RK_EFORMAT);
    assert_int_equal(route(&r, "/api1/collections/a%00b/", &err), RK_EFORMAT);
}

static void test_taxii_route__ids_and_types(void **state)
{
    const char *ok = "x-custom-thing--252c7c11-daf2-42bd-843b-be65edca9f61";

    assert_true(rk_taxii_stix_id_ok(ok, strlen(ok)));
    assert_false(rk_taxii_stix_id_ok("ab--252c7c11-daf2-42bd-843b-be65edca9f61", 40));
    assert_false(rk_taxii_stix_id_ok("indicator-252c7c11-daf2-42bd-843b-be65edca9f61", 46));
    assert_false(rk_taxii_stix_id_ok("indicator--252c7c11-daf2-42bd-843b-be65edca9f6g", 47));
    assert_false(rk_taxii_stix_id_ok("indicator--252c7c11xdaf2-42bd-843b-be65edca9f61", 47));
    assert_true(rk_taxii_type_ok("attack-pattern", 14));
    assert_false(rk_taxii_type_ok("Attack", 6));
    assert_false(rk_taxii_type_ok("ab", 2));
}

static void test_taxii_route__methods(void **state)
{
    const char *allow;

    assert_true(rk_taxii_endpoint_allows(RK_TAXII_EP_OBJECTS, RK_TAXII_POST, &allow));
    assert_string_equal(allow, "GET, HEAD, POST");
    assert_false(rk_taxii_endpoint_allows(RK_TAXII_EP_COLLECTIONS, RK_TAXII_POST, &allow));
    assert_true(rk_taxii_endpoint_allows(RK_TAXII_EP_OBJECT, RK_TAXII_DELETE, &allow));
    assert_false(rk_taxii_endpoint_allows(RK_TAXII_EP_OBJECTS, RK_TAXII_DELETE, &allow));
    assert_false(rk_taxii_endpoint_allows(RK_TAXII_EP_DISCOVERY, RK_TAXII_OTHER_METHOD, &allow));
    assert_int_equal(rk_taxii_method_parse("PUT"), RK_TAXII_OTHER_METHOD);
    assert_int_equal(rk_taxii_method_parse("get"), RK_TAXII_OTHER_METHOD);
    assert_int_equal(rk_taxii_method_parse("DELETE"), RK_TAXII_DELETE);
}

/* The whole request: each class of problem gives its status, checked in the documented order. */
static void test_taxii_route__request_statuses(void **state)
{
    static const struct {
        const char *method, *uri, *accept, *ctype, *auth;
        unsigned status;
    } cases[] = {
            {"GET", "/taxii2/", "application/taxii+json;version=2.1", NULL, NULL, 200},
            {"GET", "/taxii2", "application/taxii+json;version=2.1", NULL, NULL, 404},
            {"PUT", "/taxii2/", "application/taxii+json;version=2.1", NULL, NULL, 405},
            {"POST", "/api1/collections/", "application/taxii+json", NULL, NULL, 405},
            {"GET", "/api1/collections/c/objects/?limit=0", "application/taxii+json", NULL, NULL,
             400},
            {"GET", "/api1/collections/c/objects/x/", "application/taxii+json", NULL, NULL, 400},
            {"GET", "/api1/", "application/json", NULL, NULL, 406},
            {"GET", "/api1/", NULL, NULL, NULL, 406},
            {"POST", "/api1/collections/c/objects/", "application/taxii+json",
             "application/json", NULL, 415},
            {"POST", "/api1/collections/c/objects/", "application/taxii+json", NULL, NULL, 415},
            {"POST", "/api1/collections/c/objects/", "application/taxii+json",
             "application/taxii+json;version=2.1", "Basic !!", 401},
            {"GET", "/api1/", "application/taxii+json", NULL, "Digest abc", 401},
            {"GET", "/api1/collections/c/manifest/?match[type]=indicator",
             "application/taxii+json", NULL, "Bearer rk_abc", 200},
            /* a malformed Authorization comes right after the route: 401 before 400/405/406 */
            {"PUT", "/taxii2/", "application/taxii+json", NULL, "Digest abc", 401},
            {"GET", "/api1/collections/c/objects/x/", "application/taxii+json", NULL, "Basic !!",
             401},
            {"GET", "/api1/collections/c/objects/?limit=0", NULL, NULL, "Bearer", 401},
            {"GET", "/api1/nothing/", "application/taxii+json", NULL, "Digest abc", 404},
    };
    struct rk_taxii_request req;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rk_taxii_raw_request raw = {cases[i].method, cases[i].uri, cases[i].accept,
                                           cases[i].ctype, cases[i].auth};

        rk_arena_reset(arena);
        rk_err_clear(&err);
        assert_int_equal(rk_taxii_request_parse(&req, &raw, "api1", arena, &err), 0);
        if (rk_taxii_req_error_status(req.error) != cases[i].status)
            fail_msg("%s %s: status %u, expected %u (%s)", cases[i].method, cases[i].uri,
                     rk_taxii_req_error_status(req.error), cases[i].status, err.message);
        if (cases[i].status != 200)
            assert_true(err.message[0] != '\0');
    }
}

/* Credentials are parsed even when a later check fails, so the server can verify them first
 * (a failed authentication is 401 whatever else is wrong). */
static void test_taxii_route__credentials_before_other_errors(void **state)
{
    static const struct {
        const char *method, *uri, *accept, *ctype;
        unsigned status;
    } cases[] = {
            {"GET", "/api1/collections/c/objects/?limit=0", "application/taxii+json", NULL, 400},
            {"GET", "/api1/collections/c/objects/x/", "application/taxii+json", NULL, 400},
            {"PUT", "/api1/collections/", "application/taxii+json", NULL, 405},
            {"GET", "/api1/", "application/json", NULL, 406},
            {"POST", "/api1/collections/c/objects/", "application/taxii+json", "text/plain", 415},
    };
    struct rk_taxii_request req;
    struct rk_err err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct rk_taxii_raw_request raw = {cases[i].method, cases[i].uri, cases[i].accept,
                                           cases[i].ctype, "Bearer rk_abc"};

        rk_arena_reset(arena);
        rk_err_clear(&err);
        assert_int_equal(rk_taxii_request_parse(&req, &raw, "api1", arena, &err), 0);
        assert_int_equal(rk_taxii_req_error_status(req.error), cases[i].status);
        assert_false(rk_taxii_req_error_precedes_auth(req.error));
        assert_int_equal(req.creds.scheme, RK_TAXII_AUTH_BEARER);
        assert_true(err.message[0] != '\0'); /* the later error's own message */
    }
    assert_true(rk_taxii_req_error_precedes_auth(RK_TAXII_REQ_NOT_FOUND));
    assert_true(rk_taxii_req_error_precedes_auth(RK_TAXII_REQ_BAD_AUTH));
    assert_true(rk_taxii_req_error_precedes_auth(RK_TAXII_REQ_TOO_LONG));
}

static void test_taxii_route__uri_too_long(void **state)
{
    static char uri[RK_TAXII_URI_MAX + 16];
    struct rk_taxii_raw_request raw = {"GET", uri, "application/taxii+json", NULL, NULL};
    struct rk_taxii_request req;

    memset(uri, 'a', sizeof(uri) - 1);
    uri[0] = '/';
    rk_arena_reset(arena);
    assert_int_equal(rk_taxii_request_parse(&req, &raw, "api1", arena, NULL), 0);
    assert_int_equal(rk_taxii_req_error_status(req.error), 414);
}

/* Every allocation of the parser may fail: the result is RK_ENOMEM, never a crash or a leak. */
static void test_taxii_route__allocation_failures(void **state)
{
    struct rk_taxii_raw_request raw = {
            "GET",
            "/api1/collections/c%31/objects/?match[type]=indicator,malware&match[version]=first,"
            "2018-03-02T01:01:01.123Z&match[spec_version]=2.1&match[id]=indicator--252c7c11-"
            "daf2-42bd-843b-be65edca9f61&limit=5&added_after=2016-01-01T00:00:00Z",
            "application/taxii+json;version=2.1", NULL, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="};
    struct rk_taxii_request req;
    unsigned long n;
    int rc = RK_ENOMEM;

    for (n = 1; n < 200 && rc == RK_ENOMEM; n++) {
        struct rk_arena *a = rk_arena_new(1 << 20);

        rk_alloc_fail_at(n);
        rc = a ? rk_taxii_request_parse(&req, &raw, "api1", a, NULL) : RK_ENOMEM;
        rk_alloc_fail_at(0);
        assert_true(rc == 0 || rc == RK_ENOMEM);
        if (rc == 0 && req.error != RK_TAXII_REQ_OK) /* a failed allocation is not bad input */
            fail_msg("allocation %lu failing gave request error %d", n, req.error);
        rk_arena_free(a);
    }
    assert_int_equal(rc, 0); /* eventually every allocation succeeds */
    assert_true(n > 2);      /* and some did fail on the way */
}

int test_taxii_route_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_route__every_endpoint),
            cmocka_unit_test(test_taxii_route__not_found),
            cmocka_unit_test(test_taxii_route__malformed),
            cmocka_unit_test(test_taxii_route__ids_and_types),
            cmocka_unit_test(test_taxii_route__methods),
            cmocka_unit_test(test_taxii_route__request_statuses),
            cmocka_unit_test(test_taxii_route__credentials_before_other_errors),
            cmocka_unit_test(test_taxii_route__uri_too_long),
            cmocka_unit_test(test_taxii_route__allocation_failures),
    };

    return cmocka_run_group_tests_name("taxii_route", tests, setup, teardown);
}
