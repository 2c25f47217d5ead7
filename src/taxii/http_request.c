/* http_request.c - one TAXII request from its raw parts: route, method, query, negotiation and
 * credentials, checked in a fixed order so the first problem decides the status. */
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

/* Route and method: 404, 400 or 405. */
static int parse_target(struct rk_taxii_request *r, const struct rk_taxii_raw_request *raw,
                        const char *path, size_t path_len, const char *api_root,
                        struct rk_arena *a, struct rk_err *err)
{
    const char *allow;
    int rc;

    rc = rk_taxii_route_parse(&r->route, path, path_len, api_root, a, err);
    if (rc == RK_ENOMEM)
        return rc;
    if (rc == RK_EFORMAT || rc == RK_ELIMIT)
        return fail(r, RK_TAXII_REQ_BAD_PATH, NULL);
    if (rc != 0)
        return fail(r, RK_TAXII_REQ_NOT_FOUND, NULL);
    r->method = rk_taxii_method_parse(raw->method);
    if (!rk_taxii_endpoint_allows(r->route.ep, r->method, &allow)) {
        rk_err_set(err, RK_EINVAL, "this endpoint takes %s, not %.16s", allow,
                   raw->method ? raw->method : "?");
        return fail(r, RK_TAXII_REQ_METHOD, NULL);
    }
    return 0;
}

/* Accept (406), Content-Type of a POST (415), Authorization (401). */
static int parse_headers(struct rk_taxii_request *r, const struct rk_taxii_raw_request *raw,
                         struct rk_arena *a, struct rk_err *err)
{
    int rc;

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
    rc = rk_taxii_auth_parse(&r->creds, raw->authorization, len_of(raw->authorization), a, err);
    if (rc == RK_ENOMEM)
        return rc;
    if (rc != 0)
        return fail(r, RK_TAXII_REQ_BAD_AUTH, "Authorization");
    return 0;
}

int rk_taxii_request_parse(struct rk_taxii_request *out, const struct rk_taxii_raw_request *raw,
                           const char *api_root, struct rk_arena *a, struct rk_err *err)
{
    const char *uri = raw->uri ? raw->uri : "", *q;
    size_t uri_len = strlen(uri), path_len;
    int rc;

    memset(out, 0, sizeof(*out));
    if (uri_len > RK_TAXII_URI_MAX) {
        rk_err_set(err, RK_ELIMIT, "the request URI is longer than %d bytes", RK_TAXII_URI_MAX);
        return fail(out, RK_TAXII_REQ_TOO_LONG, NULL);
    }
    q = memchr(uri, '?', uri_len);
    path_len = q ? (size_t)(q - uri) : uri_len;
    if ((rc = parse_target(out, raw, uri, path_len, api_root, a, err)) != 0 || out->error)
        return rc;
    rc = q ? rk_taxii_query_parse(&out->filter, q + 1, uri_len - path_len - 1, a, err) : 0;
    if (rc == RK_ENOMEM)
        return rc;
    if (rc != 0)
        return fail(out, RK_TAXII_REQ_BAD_QUERY, err && err->path[0] ? err->path : NULL);
    return parse_headers(out, raw, a, err);
}
