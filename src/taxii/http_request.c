/* http_request.c - one TAXII request from its raw parts: route, credentials, method, query and
 * negotiation, checked in a fixed order so the first problem decides the status. */
#include "taxii/http_request.h"

#include <string.h>

static const unsigned error_status[] = {
        [RK_TAXII_REQ_OK] = 200,          [RK_TAXII_REQ_NOT_FOUND] = 404,
        [RK_TAXII_REQ_METHOD] = 405,      [RK_TAXII_REQ_BAD_QUERY] = 400,
        [RK_TAXII_REQ_BAD_PATH] = 400,    [RK_TAXII_REQ_NOT_ACCEPTABLE] = 406,
        [RK_TAXII_REQ_MEDIA_TYPE] = 415,  [RK_TAXII_REQ_BAD_AUTH] = 401,
        [RK_TAXII_REQ_TOO_LONG] = 414,
};

unsigned rk_taxii_req_error_status(enum rk_taxii_req_error e)
{
    return (unsigned)e < sizeof(error_status) / sizeof(error_status[0]) ? error_status[e] : 500;
}

static int fail(struct rk_taxii_request *r, enum rk_taxii_req_error e, const char *param)
{
    r->error = e;
    r->error_param = param;
    return 0;
}

static size_t len_of(const char *s)
{
    return s ? strlen(s) : 0;
}

/* The method (405). */
static int check_method(struct rk_taxii_request *r, const struct rk_taxii_raw_request *raw,
                        struct rk_err *err)
{
    const char *allow;

    r->method = rk_taxii_method_parse(raw->method);
    if (!rk_taxii_endpoint_allows(r->route.ep, r->method, &allow)) {
        rk_err_set(err, RK_EINVAL, "this endpoint takes %s, not %.16s", allow,
                   raw->method ? raw->method : "?");
        return fail(r, RK_TAXII_REQ_METHOD, NULL);
    }
    return 0;
}

/* Authorization (401). */
static int parse_credentials(struct rk_taxii_request *r, const struct rk_taxii_raw_request *raw,
                             struct rk_arena *a, struct rk_err *err)
{
    int rc = rk_taxii_auth_parse(&r->creds, raw->authorization, len_of(raw->authorization), a, err);

    if (rc == RK_ENOMEM)
        return rc;
    if (rc != 0)
        return fail(r, RK_TAXII_REQ_BAD_AUTH, "Authorization");
    return 0;
}

/* Accept (406) and the Content-Type of a POST (415). */
static int parse_media_headers(struct rk_taxii_request *r, const struct rk_taxii_raw_request *raw,
                               struct rk_err *err)
{
    if (rk_taxii_accept_parse(raw->accept, len_of(raw->accept), &r->accept, err) != 0)
        return fail(r, RK_TAXII_REQ_NOT_ACCEPTABLE, "Accept");
    if (r->accept == RK_TAXII_ACCEPT_NONE) {
        rk_err_set(err, RK_EUNSUPPORTED, "the Accept header must include "
                                         "application/taxii+json;version=2.1");
        return fail(r, RK_TAXII_REQ_NOT_ACCEPTABLE, "Accept");
    }
    if (r->method == RK_TAXII_POST &&
        rk_taxii_content_type_check(raw->content_type, len_of(raw->content_type), err) != 0)
        return fail(r, RK_TAXII_REQ_MEDIA_TYPE, "Content-Type");
    return 0;
}

int rk_taxii_req_error_precedes_auth(enum rk_taxii_req_error e)
{
    return e == RK_TAXII_REQ_TOO_LONG || e == RK_TAXII_REQ_NOT_FOUND || e == RK_TAXII_REQ_BAD_AUTH;
}

int rk_taxii_request_parse(struct rk_taxii_request *out, const struct rk_taxii_raw_request *raw,
                           const char *api_root, struct rk_arena *a, struct rk_err *err)
{
    const char *uri = raw->uri ? raw->uri : "", *q;
    size_t uri_len = strlen(uri), path_len;
    struct rk_err route_err;
    int rc, route_rc;

    memset(out, 0, sizeof(*out));
    if (uri_len > RK_TAXII_URI_MAX) {
        rk_err_set(err, RK_ELIMIT, "the request URI is longer than %d bytes", RK_TAXII_URI_MAX);
        return fail(out, RK_TAXII_REQ_TOO_LONG, NULL);
    }
    q = memchr(uri, '?', uri_len);
    path_len = q ? (size_t)(q - uri) : uri_len;
    rk_err_clear(&route_err);
    route_rc = rk_taxii_route_parse(&out->route, uri, path_len, api_root, a, &route_err);
    if (route_rc == RK_ENOMEM)
        return route_rc;
    if (route_rc != 0 && route_rc != RK_EFORMAT && route_rc != RK_ELIMIT) {
        if (err)
            *err = route_err;
        return fail(out, RK_TAXII_REQ_NOT_FOUND, NULL);
    }
    /* the credentials come right after the route: a failed authentication must be 401 (or
     * 404) whatever else is wrong, so the server verifies presented credentials before it
     * reports any of the errors below */
    if ((rc = parse_credentials(out, raw, a, err)) != 0 || out->error)
        return rc;
    if (route_rc != 0) { /* a malformed percent-encoding or object id, an over-long segment */
        if (err)
            *err = route_err;
        return fail(out, RK_TAXII_REQ_BAD_PATH, NULL);
    }
    if ((rc = check_method(out, raw, err)) != 0 || out->error)
        return rc;
    rc = q ? rk_taxii_query_parse(&out->filter, q + 1, uri_len - path_len - 1, a, err) : 0;
    if (rc == RK_ENOMEM)
        return rc;
    if (rc != 0)
        return fail(out, RK_TAXII_REQ_BAD_QUERY, err && err->path[0] ? err->path : NULL);
    return parse_media_headers(out, raw, err);
}
