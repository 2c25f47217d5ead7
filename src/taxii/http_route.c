/* http_route.c - URL paths to TAXII 2.1 endpoints (sections 3.1, 4 and 5) and the methods
 * each endpoint takes. */
#include "taxii/http_request.h"

#include <string.h>

#define SEGMENTS_MAX 8

static const char *const method_names[] = {"GET", "HEAD", "POST", "DELETE", "?"};

enum rk_taxii_method rk_taxii_method_parse(const char *s)
{
    for (int m = RK_TAXII_GET; m < RK_TAXII_OTHER_METHOD; m++)
        if (s && strcmp(s, method_names[m]) == 0)
            return (enum rk_taxii_method)m;
    return RK_TAXII_OTHER_METHOD;
}

const char *rk_taxii_method_name(enum rk_taxii_method m)
{
    return (unsigned)m <= RK_TAXII_OTHER_METHOD ? method_names[m] : "?";
}

int rk_taxii_type_ok(const char *s, size_t len)
{
    if (len < 3 || len > RK_TAXII_TYPE_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return 1;
}

static int uuid_ok(const char *s, size_t len)
{
    if (len != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        char c = s[i];
        int dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

int rk_taxii_stix_id_ok(const char *s, size_t len)
{
    return len > 38 && s[len - 38] == '-' && s[len - 37] == '-' && uuid_ok(s + len - 36, 36) &&
           rk_taxii_type_ok(s, len - 38);
}

int rk_taxii_endpoint_allows(enum rk_taxii_endpoint ep, enum rk_taxii_method m,
                             const char **allow_out)
{
    const char *allow = "GET, HEAD";

    if (ep == RK_TAXII_EP_OBJECTS)
        allow = "GET, HEAD, POST";
    else if (ep == RK_TAXII_EP_OBJECT)
        allow = "GET, HEAD, DELETE";
    if (allow_out)
        *allow_out = allow;
    switch (m) {
    case RK_TAXII_GET:
    case RK_TAXII_HEAD: return 1;
    case RK_TAXII_POST: return ep == RK_TAXII_EP_OBJECTS;
    case RK_TAXII_DELETE: return ep == RK_TAXII_EP_OBJECT;
    default: return 0;
    }
}

/* Split path into decoded segments; the path starts and ends with '/'. */
static int split_path(const char *path, size_t len, struct rk_arena *a, char **seg,
                      size_t *n_out, struct rk_err *err)
{
    size_t n = 0, start = 1;
    int rc;

    *n_out = 0;
    for (size_t i = 1; i < len; i++) {
        size_t seg_len;

        if (path[i] != '/')
            continue;
        if (i == start || n == SEGMENTS_MAX)
            return rk_err_set(err, RK_ENOTFOUND, "no TAXII endpoint at this path");
        if (i - start > RK_TAXII_SEGMENT_MAX * 3)
            return rk_err_set(err, RK_ELIMIT, "a path segment is too long");
        if ((rc = rk_taxii_percent_decode(path + start, i - start, 0, a, &seg[n], &seg_len)) != 0)
            return rc == RK_ENOMEM ? rc
                                   : rk_err_set(err, RK_EFORMAT,
                                                "malformed percent-encoding in the path");
        if (seg_len > RK_TAXII_SEGMENT_MAX || memchr(seg[n], '/', seg_len))
            return rk_err_set(err, RK_EFORMAT, "a path segment is too long or holds '/'");
        n++;
        start = i + 1;
    }
    *n_out = n;
    return 0;
}

/* The endpoints below an API root: seg[0] is the root's name. */
static int route_api(struct rk_taxii_route *r, char **seg, size_t n, struct rk_err *err)
{
    if (n == 1) {
        r->ep = RK_TAXII_EP_API_ROOT;
        return 0;
    }
    if (n == 3 && strcmp(seg[1], "status") == 0) {
        r->ep = RK_TAXII_EP_STATUS;
        r->status_id = seg[2];
        return 0;
    }
    if (strcmp(seg[1], "collections") != 0 || n > 6)
        return rk_err_set(err, RK_ENOTFOUND, "no TAXII endpoint at this path");
    r->collection = n >= 3 ? seg[2] : NULL;
    if (n == 2 || n == 3) {
        r->ep = n == 2 ? RK_TAXII_EP_COLLECTIONS : RK_TAXII_EP_COLLECTION;
        return 0;
    }
    if (n == 4 && strcmp(seg[3], "manifest") == 0) {
        r->ep = RK_TAXII_EP_MANIFEST;
        return 0;
    }
    if (strcmp(seg[3], "objects") != 0 || (n == 6 && strcmp(seg[5], "versions") != 0))
        return rk_err_set(err, RK_ENOTFOUND, "no TAXII endpoint at this path");
    r->ep = n == 4 ? RK_TAXII_EP_OBJECTS : n == 5 ? RK_TAXII_EP_OBJECT : RK_TAXII_EP_VERSIONS;
    if (n >= 5) {
        r->object_id = seg[4];
        if (!rk_taxii_stix_id_ok(seg[4], strlen(seg[4])))
            return rk_err_set(err, RK_EFORMAT, "'%.100s' is not a STIX identifier (type--UUID)",
                              seg[4]);
    }
    return 0;
}

int rk_taxii_route_parse(struct rk_taxii_route *out, const char *path, size_t len,
                         const char *api_root, struct rk_arena *a, struct rk_err *err)
{
    char *seg[SEGMENTS_MAX];
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    out->api_root = "";
    if (len == 0 || path[0] != '/')
        return rk_err_set(err, RK_ENOTFOUND, "the path must start with '/'");
    if (path[len - 1] != '/')
        return rk_err_set(err, RK_ENOTFOUND,
                          "no TAXII endpoint at this path (TAXII paths end with '/')");
    if ((rc = split_path(path, len, a, seg, &n, err)) != 0)
        return rc;
    if (n == 1 && strcmp(seg[0], "taxii2") == 0) {
        out->ep = RK_TAXII_EP_DISCOVERY;
        return 0;
    }
    if (n == 0 || strcmp(seg[0], api_root) != 0)
        return rk_err_set(err, RK_ENOTFOUND, "no TAXII endpoint at this path (discovery is at "
                                             "/taxii2/, the API root at /%s/)",
                          api_root);
    out->api_root = seg[0];
    if ((rc = route_api(out, seg, n, err)) != 0)
        out->ep = RK_TAXII_EP_NONE;
    return rc;
}
