/* server_conn.c - one request's life: parse, rate limit, authenticate, check rights, receive
 * the body, dispatch to the endpoint, audit. The MHD callbacks are at the bottom. */
#include "taxii/server.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <strings.h>

#include "renkei/log.h"
#include "util/alloc.h"
#include "util/rktime.h"
#include "util/strparse.h"

/* ---- who is asking ---- */

static void set_principal(struct rk_taxii_conn *c, const struct rk_taxii_user *u,
                          const char *how)
{
    memset(&c->who, 0, sizeof(c->who));
    c->who.how = how;
    if (!u)
        return;
    c->who.user = u;
    c->who.p.authenticated = 1;
    c->who.p.user = u->name;
    c->who.p.org = u->org;
    c->who.p.groups = u->groups;
    c->who.p.n_groups = u->n_groups;
    c->who.p.role = u->role;
    c->audit.user = u->name;
    c->audit.org = u->org;
}

/* The certificate chain the client sent over TLS; NULL without one (or over plain HTTP). */
static const gnutls_datum_t *client_certs(struct rk_taxii_conn *c, gnutls_session_t *tls_out)
{
    const union MHD_ConnectionInfo *ci;
    const gnutls_datum_t *certs;
    unsigned n = 0;

    *tls_out = NULL;
    if (c->srv->cfg.insecure_http ||
        !(ci = MHD_get_connection_info(c->mhd, MHD_CONNECTION_INFO_GNUTLS_SESSION)) ||
        !(*tls_out = (gnutls_session_t)ci->tls_session) ||
        !(certs = gnutls_certificate_get_peers(*tls_out, &n)) || n == 0)
        return NULL;
    return certs;
}

/* The fingerprint of the client's TLS certificate into fp; 0 when there is one (and, with a
 * client CA configured, it verifies against it). */
static int client_cert_fingerprint(struct rk_taxii_conn *c, char fp[RK_FINGERPRINT_HEX_LEN + 1])
{
    const gnutls_datum_t *certs;
    gnutls_session_t tls;
    unsigned status = 0;

    if (!(certs = client_certs(c, &tls)))
        return RK_ENOTFOUND;
    if (c->srv->cfg.client_ca_pem &&
        (gnutls_certificate_verify_peers2(tls, &status) != 0 || status != 0)) {
        rk_err_set(&c->err, RK_EAUTH, "the client certificate does not verify against the "
                                      "configured client CA");
        return RK_EAUTH;
    }
    rk_policy_cert_fingerprint(certs[0].data, certs[0].size, fp);
    return 0;
}

/* Authenticate from the Authorization header, else the client certificate, else anonymous.
 * RK_EAUTH (with c->err) when credentials were presented and are wrong. */
static int authenticate(struct rk_taxii_conn *c)
{
    const struct rk_taxii_credentials *cr = &c->req.creds;
    const struct rk_taxii_user *u = NULL;
    char fp[RK_FINGERPRINT_HEX_LEN + 1];
    int rc;

    if (cr->scheme == RK_TAXII_AUTH_NONE) {
        if ((rc = client_cert_fingerprint(c, fp)) == RK_EAUTH)
            return rc;
        if (rc == 0 && (u = rk_taxii_access_cert_user(c->access, fp)) != NULL) {
            set_principal(c, u, "certificate");
            return 0;
        }
        set_principal(c, NULL, "anonymous");
        return 0;
    }
    if (rk_taxii_access_check_secret(c->srv, c->access, cr->secret, cr->secret_len, &u) != 0 ||
        (cr->scheme == RK_TAXII_AUTH_BASIC && strcmp(cr->user, u->name) != 0))
        return rk_err_set(&c->err, RK_EAUTH, "the credentials are not valid");
    set_principal(c, u, cr->scheme == RK_TAXII_AUTH_BASIC ? "basic" : "bearer");
    return 0;
}

int rk_taxii_snapshot_begin(struct rk_taxii_conn *c)
{
    int rc;

    if (c->snapshot)
        return 0;
    if ((rc = rk_store_read_begin(c->st, &c->err)) == 0)
        c->snapshot = 1;
    return rc;
}

void rk_taxii_snapshot_end(struct rk_taxii_conn *c)
{
    if (!c->snapshot)
        return;
    rk_store_read_end(c->st);
    c->snapshot = 0;
}

/* Rate limit, load the access snapshot, authenticate, on c->st when the caller holds a handle
 * (else on one checked out meanwhile). Responds itself on failure. */
static int identify(struct rk_taxii_conn *c)
{
    int own_handle = c->st == NULL;
    const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c->mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *addr = ci ? ci->client_addr : NULL;
    int64_t now = rk_time_now_us();
    int rc;

    if (c->req.creds.scheme != RK_TAXII_AUTH_NONE &&
        (c->retry_after = rk_taxii_ratelimit_check(c->srv->rl, addr, now)) > 0) {
        /* a failed authentication MUST be 401 or 404 in TAXII 2.1, so not 429; the title and
         * Retry-After say why and for how long */
        c->audit.action = "auth-fail";
        rk_taxii_respond_error(c, 401, "Too many failed authentications",
                               "too many failed authentications came from this address; the "
                               "credentials were not checked; retry in %u seconds",
                               c->retry_after);
        return -1;
    }
    if (own_handle)
        c->st = rk_taxii_pool_get(&c->srv->pool);
    rc = rk_taxii_access_acquire(c->srv, c->st, &c->access, &c->err);
    if (rc == 0)
        rc = authenticate(c);
    if (own_handle) {
        rk_taxii_pool_put(&c->srv->pool, c->st);
        c->st = NULL;
    }
    if (rc == RK_EAUTH) {
        rk_taxii_ratelimit_fail(c->srv->rl, addr, now);
        c->audit.action = "auth-fail";
        rk_taxii_respond_error(c, 401, NULL, "%s", c->err.message);
        return -1;
    }
    if (rc != 0) {
        rk_taxii_respond_error(c, 500, NULL, "cannot read access rights: %s", c->err.message);
        return -1;
    }
    return 0;
}

/* ---- rights ---- */

int rk_taxii_need_collection(struct rk_taxii_conn *c, int write)
{
    const char *name = c->req.route.collection;

    c->coll = rk_taxii_access_coll(c->access, name);
    c->can_read = c->can_write = 0;
    if (c->coll)
        rk_policy_collection_rights(&c->who.p, c->coll->grants, c->coll->n_grants,
                                    &c->can_read, &c->can_write);
    c->audit.collection = c->coll ? c->coll->c.id : "";
    if (!c->can_read && !c->can_write) {
        c->audit.action = "denied";
        if (!c->who.p.authenticated)
            rk_taxii_respond_error(c, 401, NULL, "authenticate to use collection %.100s", name);
        else
            rk_taxii_respond_error(c, 404, NULL,
                                   "no collection %.100s, or you have no access to it", name);
        return -1;
    }
    if ((write && !c->can_write) || (!write && !c->can_read)) {
        c->audit.action = "denied";
        rk_taxii_respond_error(c, 403, NULL, "you may not %s collection %.100s",
                               write ? "add objects to" : "read", name);
        return -1;
    }
    return 0;
}

/* ---- the start of a request: everything before the body ---- */

/* The lines of one request header field, gathered by header_line: measured on the first pass
 * (out NULL), copied on the second. */
struct field {
    const char *name;
    const char *first; /* the first line's value */
    int differ;        /* a later line has another value */
    unsigned lines;
    size_t len; /* the values joined by ", " */
    char *out;
};

static enum MHD_Result header_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct field *f = cls;
    const char *v = value ? value : "";
    size_t sep = f->lines ? 2 : 0, n = strlen(v);

    (void)kind;
    if (!key || strcasecmp(key, f->name) != 0)
        return MHD_YES;
    if (f->out) {
        memcpy(f->out + f->len, ", ", sep);
        memcpy(f->out + f->len + sep, v, n);
    } else if (!f->first) {
        f->first = v;
    } else if (strcmp(f->first, v) != 0) {
        f->differ = 1;
    }
    f->len += sep + n;
    f->lines++;
    return MHD_YES;
}

/* The value of a request header sent on any number of lines. A list field (Accept) sent on
 * several lines is one list, their values joined by ", " (RFC 7230 section 3.2.2). A single
 * value field (Content-Type, Authorization) repeated with the same value is that value; with
 * different values they are joined too, which its parser refuses as malformed, since the
 * request says two things at once. *out is NULL when the header is absent. */
static int collect_header(struct rk_taxii_conn *c, const char *name, int list, const char **out)
{
    struct field f = {name, NULL, 0, 0, 0, NULL};
    size_t len;

    MHD_get_connection_values(c->mhd, MHD_HEADER_KIND, header_line, &f);
    *out = f.first;
    if (f.lines <= 1 || (!list && !f.differ))
        return 0;
    len = f.len;
    if (!(f.out = rk_arena_alloc(c->arena, len + 1)))
        return RK_ENOMEM;
    f.len = f.lines = 0;
    MHD_get_connection_values(c->mhd, MHD_HEADER_KIND, header_line, &f);
    f.out[len] = '\0';
    *out = f.out;
    return 0;
}

/* Whether the request presents credentials: an Authorization header or a TLS client
 * certificate. */
static int presents_credentials(struct rk_taxii_conn *c)
{
    gnutls_session_t tls;

    return c->req.creds.scheme != RK_TAXII_AUTH_NONE || client_certs(c, &tls) != NULL;
}

static int respond_parse_error(struct rk_taxii_conn *c)
{
    unsigned status = rk_taxii_req_error_status(c->req.error);

    if (c->req.error == RK_TAXII_REQ_METHOD)
        rk_taxii_endpoint_allows(c->req.route.ep, c->req.method, &c->allow);
    if (c->req.error == RK_TAXII_REQ_BAD_AUTH)
        c->audit.action = "auth-fail";
    return rk_taxii_respond_error(c, status, NULL, "%s", c->err.message);
}

/* A POST announces its size: refuse a body over max_content_length before reading it. */
static int check_content_length(struct rk_taxii_conn *c)
{
    const char *cl = MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t n;

    if (cl && rk_parse_uint(cl, UINT64_MAX, &n) == 0 && n > c->srv->cfg.max_content_length) {
        rk_taxii_respond_error(c, 413, NULL,
                               "the body is %llu bytes; this API root accepts at most %zu "
                               "(max_content_length)",
                               (unsigned long long)n, c->srv->cfg.max_content_length);
        return -1;
    }
    return 0;
}

/* A GET that announces no body is identified when it is answered, in the store snapshot its
 * answer reads: one read transaction instead of two (8 % of a page's server CPU). Requests that
 * may carry a body are identified before it arrives. (Answering in the headers' callback
 * instead would make libmicrohttpd close the connection after the response.) */
static int identified_late(struct rk_taxii_conn *c)
{
    return c->req.error == RK_TAXII_REQ_OK && c->req.method == RK_TAXII_GET &&
           !MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_CONTENT_LENGTH) &&
           !MHD_lookup_connection_value(c->mhd, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

/* Give back the handle the request checked out, ending its snapshot first. */
static void release_handle(struct rk_taxii_conn *c)
{
    if (!c->st)
        return;
    rk_taxii_snapshot_end(c);
    rk_taxii_pool_put(&c->srv->pool, c->st);
    c->st = NULL;
}

static void start(struct rk_taxii_conn *c, const char *method)
{
    struct rk_taxii_raw_request raw = {method, c->uri, NULL, NULL, NULL};
    struct rk_err parse_err;
    int rc;

    if ((rc = collect_header(c, MHD_HTTP_HEADER_ACCEPT, 1, &raw.accept)) == 0 &&
        (rc = collect_header(c, MHD_HTTP_HEADER_CONTENT_TYPE, 0, &raw.content_type)) == 0 &&
        (rc = collect_header(c, MHD_HTTP_HEADER_AUTHORIZATION, 0, &raw.authorization)) == 0)
        rc = rk_taxii_request_parse(&c->req, &raw, c->srv->cfg.api_root, c->arena, &c->err);
    if (rc != 0) {
        rk_taxii_respond_error(c, 503, NULL, "out of memory parsing the request");
        return;
    }
    /* presented credentials are verified before any later problem of the request is told, so
     * a failed authentication is 401 whatever else is wrong; anonymous requests are answered
     * in the parser's order */
    if (c->req.error != RK_TAXII_REQ_OK &&
        (rk_taxii_req_error_precedes_auth(c->req.error) || !presents_credentials(c))) {
        respond_parse_error(c);
        return;
    }
    parse_err = c->err;
    if ((c->one_snapshot = identified_late(c)))
        return;
    if (identify(c) != 0)
        return;
    if (c->req.error != RK_TAXII_REQ_OK) {
        c->err = parse_err;
        respond_parse_error(c);
        return;
    }
    if (c->req.method == RK_TAXII_POST) {
        c->audit.action = "write";
        if (check_content_length(c) == 0)
            rk_taxii_need_collection(c, 1);
    }
}

/* ---- dispatch ---- */

static int dispatch(struct rk_taxii_conn *c)
{
    switch (c->req.route.ep) {
    case RK_TAXII_EP_DISCOVERY: return rk_taxii_get_discovery(c);
    case RK_TAXII_EP_API_ROOT: return rk_taxii_get_api_root(c);
    case RK_TAXII_EP_COLLECTIONS: return rk_taxii_get_collections(c);
    case RK_TAXII_EP_COLLECTION: return rk_taxii_get_collection(c);
    case RK_TAXII_EP_STATUS: return rk_taxii_get_status(c);
    case RK_TAXII_EP_MANIFEST: return rk_taxii_get_manifest(c);
    case RK_TAXII_EP_VERSIONS: return rk_taxii_get_versions(c);
    case RK_TAXII_EP_OBJECTS:
        return c->req.method == RK_TAXII_POST ? rk_taxii_post_objects(c) : rk_taxii_get_objects(c);
    case RK_TAXII_EP_OBJECT:
        return c->req.method == RK_TAXII_DELETE ? rk_taxii_delete_object(c)
                                                : rk_taxii_get_objects(c);
    case RK_TAXII_EP_NONE: break;
    }
    return rk_taxii_respond_error(c, 404, NULL, "no TAXII endpoint at this path");
}

/* Run the request's handler on c->st; answer 500 (503 out of memory) when it failed without
 * responding. */
static void answer(struct rk_taxii_conn *c)
{
    int rc = dispatch(c);

    rk_taxii_snapshot_end(c);
    if (rc != 0 && !c->responded)
        rk_taxii_respond_error(c, rc == RK_ENOMEM ? 503 : 500, NULL, "%s",
                               c->err.message[0] ? c->err.message : rk_strerror(rc));
}

static void finish(struct rk_taxii_conn *c)
{
    if (c->body_too_large) {
        rk_taxii_respond_error(c, 413, NULL,
                               "the body is larger than this API root accepts (%zu bytes, "
                               "max_content_length)",
                               c->srv->cfg.max_content_length);
        return;
    }
    c->st = rk_taxii_pool_get(&c->srv->pool);
    if (c->one_snapshot && rk_taxii_snapshot_begin(c) != 0)
        rk_taxii_respond_error(c, 500, NULL, "cannot read the store: %s", c->err.message);
    else if (!c->one_snapshot || identify(c) == 0)
        answer(c);
    release_handle(c);
}


/* ---- MHD callbacks ---- */

void *rk_taxii_conn_new(void *cls, const char *uri, struct MHD_Connection *con)
{
    struct rk_taxii_server *srv = cls;
    struct rk_taxii_conn *c = rk_calloc(1, sizeof(*c));
    const union MHD_ConnectionInfo *ci;

    if (!c)
        return NULL;
    c->srv = srv;
    c->mhd = con;
    c->started_us = rk_time_now_us();
    c->uri = rk_strdup(uri ? uri : "");
    c->arena = rk_arena_new(RK_TAXII_ARENA_MAX);
    rk_buf_init(&c->body, srv->cfg.max_content_length);
    rk_err_clear(&c->err);
    ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    rk_taxii_addr_format(ci ? ci->client_addr : NULL, c->addr, sizeof(c->addr));
    c->audit.at_us = c->started_us;
    c->audit.address = c->addr;
    c->audit.user = c->audit.org = c->audit.collection = c->audit.detail = "";
    c->audit.endpoint = "";
    if (!c->uri || !c->arena) {
        rk_free(c->uri);
        rk_arena_free(c->arena);
        rk_free(c);
        return NULL;
    }
    return c;
}

static void conn_free(struct rk_taxii_conn *c)
{
    if (c->req.creds.secret) /* the arena held the presented secret */
        explicit_bzero((char *)c->req.creds.secret, c->req.creds.secret_len);
    rk_taxii_access_release(c->srv, c->access);
    rk_buf_free(&c->body);
    rk_arena_free(c->arena);
    rk_free(c->uri);
    rk_free(c);
}

void rk_taxii_conn_done(void *cls, struct MHD_Connection *con, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    struct rk_taxii_conn *c = *con_cls;

    (void)cls;
    (void)con;
    if (!c)
        return;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !c->responded)
        rk_log_info("request abandoned address=%s reason=%d", c->addr, (int)toe);
    if (c->audit.action && c->srv->audit) {
        c->audit.detail = c->audit.detail && c->audit.detail[0] ? c->audit.detail : c->uri;
        rk_taxii_audit_add(c->srv->audit, &c->audit);
    }
    conn_free(c);
    *con_cls = NULL;
}

static enum MHD_Result respond_static_503(struct MHD_Connection *con)
{
    static const char body[] = "{\"title\":\"Service Unavailable\",\"description\":\"out of "
                               "memory\",\"http_status\":\"503\"}";
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
                                                             MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok;

    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, RK_TAXII_MEDIA_TYPE);
    ok = MHD_queue_response(con, 503, r);
    MHD_destroy_response(r);
    return ok;
}

/* Take a chunk of the body: keep it while under the cap, drop it (and remember) beyond. */
static void take_body(struct rk_taxii_conn *c, const char *data, size_t *size)
{
    if (!c->responded && !c->body_too_large &&
        rk_buf_append(&c->body, data, *size) == RK_ELIMIT) {
        c->body_too_large = 1;
        rk_buf_free(&c->body);
    }
    *size = 0;
}

enum MHD_Result rk_taxii_conn_handle(void *cls, struct MHD_Connection *con, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
    struct rk_taxii_conn *c = *con_cls;

    (void)cls;
    (void)url;
    (void)version;
    if (!c)
        return respond_static_503(con);
    c->mhd = con;
    if (!c->started) {
        c->started = 1;
        start(c, method);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (c->srv->cfg.request_timeout_s &&
            rk_time_now_us() - c->started_us > (int64_t)c->srv->cfg.request_timeout_s * 1000000)
            return MHD_NO; /* a body trickling in too slowly: close the connection */
        take_body(c, upload_data, upload_data_size);
        return MHD_YES;
    }
    if (!c->responded)
        finish(c);
    return MHD_YES;
}
