/* http_request.h - the TAXII 2.1 request parser: pure functions from the bytes a client sent
 * (method, raw URI, Accept, Content-Type, Authorization) to a checked request, with no socket,
 * store or clock involved, so the fuzz target and unit tests drive them directly.
 *
 * Strings of a parsed request live in a caller-supplied arena and stay valid until it is reset.
 */
#ifndef RK_TAXII_HTTP_REQUEST_H
#define RK_TAXII_HTTP_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"
#include "util/arena.h"

/* Caps on what a request may carry. */
#define RK_TAXII_URI_MAX        8192 /* the raw request target, path and query */
#define RK_TAXII_SEGMENT_MAX    512  /* one decoded path segment (object ids are ~80) */
#define RK_TAXII_PARAMS_MAX     64   /* query parameters */
#define RK_TAXII_MATCH_VALUES_MAX 1000 /* comma-separated values of one match[...] */
#define RK_TAXII_HEADER_MAX     4096 /* Accept, Content-Type, Authorization, repeats combined */
#define RK_TAXII_NAME_MAX       64   /* user, organisation and group names */
#define RK_TAXII_SECRET_MAX     256  /* a password or bearer token */
#define RK_TAXII_TYPE_MAX       250  /* a STIX type name */

enum rk_taxii_method {
    RK_TAXII_GET = 0,
    RK_TAXII_HEAD,
    RK_TAXII_POST,
    RK_TAXII_DELETE,
    RK_TAXII_OTHER_METHOD
};

/* The TAXII 2.1 endpoints (sections 4 and 5). */
enum rk_taxii_endpoint {
    RK_TAXII_EP_NONE = 0,
    RK_TAXII_EP_DISCOVERY,   /* /taxii2/ */
    RK_TAXII_EP_API_ROOT,    /* /{api-root}/ */
    RK_TAXII_EP_STATUS,      /* /{api-root}/status/{status-id}/ */
    RK_TAXII_EP_COLLECTIONS, /* /{api-root}/collections/ */
    RK_TAXII_EP_COLLECTION,  /* /{api-root}/collections/{id}/ */
    RK_TAXII_EP_MANIFEST,    /* /{api-root}/collections/{id}/manifest/ */
    RK_TAXII_EP_OBJECTS,     /* /{api-root}/collections/{id}/objects/ */
    RK_TAXII_EP_OBJECT,      /* /{api-root}/collections/{id}/objects/{object-id}/ */
    RK_TAXII_EP_VERSIONS     /* /{api-root}/collections/{id}/objects/{object-id}/versions/ */
};

/* A routed path. Strings are decoded and NUL-terminated (arena). */
struct rk_taxii_route {
    enum rk_taxii_endpoint ep;
    const char *api_root;   /* the API root's name, "" for discovery */
    const char *collection; /* id or alias, NULL when the endpoint has none */
    const char *object_id;  /* STIX id, NULL when none */
    const char *status_id;  /* UUID, NULL when none */
};

/* Which versions match[version] asks for; several may be combined. */
enum {
    RK_TAXII_V_LAST = 1 << 0,
    RK_TAXII_V_FIRST = 1 << 1,
    RK_TAXII_V_ALL = 1 << 2
};

/* The URL query parameters of section 3.4, checked. Lists are NULL when absent. */
struct rk_taxii_filter {
    int has_added_after;
    int64_t added_after_us; /* the timestamp floored to microseconds */
    uint64_t limit;         /* 0: none given */
    const char *next;       /* the opaque paging token, NULL when none */
    const char **ids;       /* match[id] */
    size_t n_ids;
    const char **types;     /* match[type] */
    size_t n_types;
    unsigned versions;      /* RK_TAXII_V_*; 0 with no match[version] */
    const char **version_values; /* match[version] timestamps, as written */
    size_t n_version_values;
    const char **spec_versions;  /* match[spec_version] */
    size_t n_spec_versions;
};

/* What the Accept header allows. */
enum rk_taxii_accept {
    RK_TAXII_ACCEPT_NONE = 0, /* no acceptable TAXII media range: 406 */
    RK_TAXII_ACCEPT_TAXII21 = 1
};

enum rk_taxii_auth_scheme {
    RK_TAXII_AUTH_NONE = 0, /* no Authorization header */
    RK_TAXII_AUTH_BASIC,
    RK_TAXII_AUTH_BEARER
};

/* A parsed Authorization header. user is NULL for Bearer. */
struct rk_taxii_credentials {
    enum rk_taxii_auth_scheme scheme;
    const char *user;
    const char *secret;
    size_t secret_len;
};

/* Which part of a request was wrong; the HTTP status follows from it. */
enum rk_taxii_req_error {
    RK_TAXII_REQ_OK = 0,
    RK_TAXII_REQ_NOT_FOUND,     /* 404: no such path */
    RK_TAXII_REQ_METHOD,        /* 405: the endpoint does not take this method */
    RK_TAXII_REQ_BAD_QUERY,     /* 400: a malformed URL query parameter */
    RK_TAXII_REQ_BAD_PATH,      /* 400: a malformed path (encoding, object id) */
    RK_TAXII_REQ_NOT_ACCEPTABLE, /* 406 */
    RK_TAXII_REQ_MEDIA_TYPE,    /* 415 */
    RK_TAXII_REQ_BAD_AUTH,      /* 401: a malformed Authorization header */
    RK_TAXII_REQ_TOO_LONG       /* 414: the URI is over RK_TAXII_URI_MAX */
};

/* A whole request, as parsed by rk_taxii_request_parse. */
struct rk_taxii_request {
    enum rk_taxii_method method;
    struct rk_taxii_route route;
    struct rk_taxii_filter filter;
    enum rk_taxii_accept accept;
    struct rk_taxii_credentials creds;
    enum rk_taxii_req_error error; /* the first problem found */
    const char *error_param;       /* the query parameter or header it is about, or NULL */
};

/* The raw inputs of one request; any header may be NULL when absent. */
struct rk_taxii_raw_request {
    const char *method;
    const char *uri; /* the request target as sent: path and optional query */
    const char *accept;
    const char *content_type;
    const char *authorization;
};

/* ---- the pieces ---------------------------------------------------------------------------- */

/* The method name to its enum (case-sensitive, as HTTP methods are). */
enum rk_taxii_method rk_taxii_method_parse(const char *s);
/* "GET", "POST", ... */
const char *rk_taxii_method_name(enum rk_taxii_method m);

/* Route a raw path (without the query) for an API root named api_root. RK_ENOTFOUND when no
 * endpoint matches (err says why, e.g. a missing trailing slash); RK_EFORMAT for a malformed
 * percent-encoding or object id; RK_ELIMIT for an over-long segment. */
int rk_taxii_route_parse(struct rk_taxii_route *out, const char *path, size_t len,
                         const char *api_root, struct rk_arena *a, struct rk_err *err);

/* Parse a raw query string (after '?', percent-encoded) into out. RK_EFORMAT (err names the
 * parameter in err->path) for anything malformed, repeated or over a cap. Unknown parameters
 * and unknown match fields are ignored, as section 3.4 allows. */
int rk_taxii_query_parse(struct rk_taxii_filter *out, const char *query, size_t len,
                         struct rk_arena *a, struct rk_err *err);

/* What an Accept header allows (RFC 7231 section 5.3.2 with q-values). RK_EFORMAT when the
 * header is not well formed; a NULL or empty header accepts nothing. */
int rk_taxii_accept_parse(const char *s, size_t len, enum rk_taxii_accept *out,
                          struct rk_err *err);

/* 0 when a Content-Type is application/taxii+json with no version or version 2.1;
 * RK_EUNSUPPORTED for another media type or version; RK_EFORMAT when malformed. */
int rk_taxii_content_type_check(const char *s, size_t len, struct rk_err *err);

/* Parse an Authorization header: Basic (RFC 7617) or Bearer (RFC 6750). RK_EFORMAT for a
 * malformed header, RK_EUNSUPPORTED for another scheme. */
int rk_taxii_auth_parse(struct rk_taxii_credentials *out, const char *s, size_t len,
                        struct rk_arena *a, struct rk_err *err);

/* 1 when s[0..len) is a STIX identifier: a type name, "--", and a UUID. */
int rk_taxii_stix_id_ok(const char *s, size_t len);
/* 1 when s[0..len) is a STIX type name (a-z, 0-9, '-', 3 to 250 characters). */
int rk_taxii_type_ok(const char *s, size_t len);

/* Decode %XX escapes of s[0..len) into a new arena string (with plus_is_space, '+' becomes
 * ' ', as in query strings). RK_EFORMAT for a bad escape or an encoded NUL. */
int rk_taxii_percent_decode(const char *s, size_t len, int plus_is_space, struct rk_arena *a,
                            char **out, size_t *len_out);

/* ---- the whole request --------------------------------------------------------------------- */

/* Parse everything a handler needs from raw. Never fails for bad input: out->error says what
 * was wrong first and err has the message. Returns RK_ENOMEM only when the arena is exhausted.
 * Order of checks: URI length (414), route (404), Authorization (401), path (400), method
 * (405), query (400), Accept (406), Content-Type for POST (415). out->creds is set whenever
 * the error comes after Authorization, so the server can verify presented credentials first:
 * a failed authentication is 401 whatever else is wrong with the request (TAXII 2.1 allows
 * only 401 or 404 for it). */
int rk_taxii_request_parse(struct rk_taxii_request *out, const struct rk_taxii_raw_request *raw,
                           const char *api_root, struct rk_arena *a, struct rk_err *err);

/* The HTTP status for a parse error (200 for RK_TAXII_REQ_OK). */
unsigned rk_taxii_req_error_status(enum rk_taxii_req_error e);

/* 1 when e is found before the credentials are looked at (414, 404, a malformed
 * Authorization): it is answered at once. Any other error waits until presented credentials
 * have been verified. */
int rk_taxii_req_error_precedes_auth(enum rk_taxii_req_error e);

/* 1 when the endpoint accepts method m; allow_out gets the Allow header value. */
int rk_taxii_endpoint_allows(enum rk_taxii_endpoint ep, enum rk_taxii_method m,
                             const char **allow_out);

/* ---- request bodies ------------------------------------------------------------------------ */

/* 0 when p[0..len) is a TAXII envelope: a JSON object with a non-empty "objects" list (and, if
 * it is a STIX bundle, "type": "bundle"), nothing after it, and well-formed JSON outside the
 * objects (which the STIX reader checks one by one). RK_EFORMAT with the byte offset in err. */
int rk_taxii_envelope_check(const char *p, size_t len, struct rk_err *err);

/* ---- base64 (Basic credentials, paging tokens) ---------------------------------------------- */

/* Standard base64 with padding, strict: no white space, canonical trailing bits. out holds at
 * least len / 4 * 3 bytes. RK_EFORMAT when malformed. */
int rk_taxii_base64_decode(uint8_t *out, size_t cap, const char *s, size_t len, size_t *len_out);
/* base64url without padding; out holds 4 * ceil(len / 3) + 1 bytes (NUL-terminated). */
void rk_taxii_base64url_encode(char *out, const uint8_t *p, size_t len);
/* The reverse, strict (no padding, canonical trailing bits). RK_EFORMAT when malformed. */
int rk_taxii_base64url_decode(uint8_t *out, size_t cap, const char *s, size_t len,
                              size_t *len_out);

#endif
