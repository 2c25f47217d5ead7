/* client_api.c - the TAXII 2.1 endpoints as client calls: discovery (4.1), API root (4.2),
 * status (4.3), collections (5.1), manifest (5.3), objects (5.4), Add Objects (5.5); and the
 * envelope builder that keeps each POST within the server's max_content_length. */
#include "taxii/client.h"

#include <string.h>
#include <time.h>

#include "renkei/log.h"
#include "util/alloc.h"

#define QUERY_MAX 4096

/* GET a JSON resource into r; checks the media type. */
static int get_json(struct rk_taxii_client *c, const char *url, const char *what,
                    struct rk_taxii_reply *r, struct rk_err *err)
{
    int rc;

    rk_taxii_reply_init(r, c->cfg.max_response_bytes);
    if ((rc = rk_taxii_http(c, url, NULL, 0, r, err)) != 0)
        return rc;
    if (!rk_taxii_reply_is_taxii(r))
        return rk_err_set(err, RK_EFORMAT, "%s: the %s came as '%s', not %s", url, what,
                          r->content_type[0] ? r->content_type : "(no content type)",
                          RK_TAXII_MEDIA_TAXII);
    return 0;
}

int rk_taxii_client_discovery(struct rk_taxii_client *c, struct rk_taxii_discovery *out,
                              struct rk_err *err)
{
    struct rk_taxii_reply r;
    char url[RK_TAXII_URL_MAX];
    int rc;

    if ((rc = get_json(c, c->url, "discovery resource", &r, err)) == 0 &&
        (rc = rk_taxii_parse_discovery(rk_buf_cstr(&r.body), rk_buf_len(&r.body), out, err)) == 0)
    {
        /* URLs in discovery may be relative to it */
        for (size_t i = 0; rc == 0 && i < out->n_api_roots; i++)
            if ((rc = rk_taxii_url_resolve(c->url, out->api_roots[i], url, sizeof(url), err)) ==
                0)
                memcpy(out->api_roots[i], url, sizeof(url));
        if (rc == 0 && out->default_root[0] &&
            (rc = rk_taxii_url_resolve(c->url, out->default_root, url, sizeof(url), err)) == 0)
            memcpy(out->default_root, url, sizeof(url));
    }
    if (rc != 0)
        rk_err_prefix(err, "discovery: ");
    rk_taxii_reply_free(&r);
    return rc;
}

/* The API root URL in use: as configured (resolved against the discovery URL), else
 * discovery's default, else its only API root. Always ends with '/'. */
static int resolve_root(struct rk_taxii_client *c, struct rk_err *err)
{
    struct rk_taxii_discovery *d = NULL;
    size_t len;
    int rc = 0;

    if (c->api_root[0])
        return 0;
    if (c->api_root_cfg && c->api_root_cfg[0]) {
        rc = rk_taxii_url_resolve(c->url, c->api_root_cfg, c->api_root, sizeof(c->api_root), err);
    } else if (!(d = rk_calloc(1, sizeof(*d)))) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
    } else if ((rc = rk_taxii_client_discovery(c, d, err)) == 0) {
        if (d->default_root[0])
            memcpy(c->api_root, d->default_root, sizeof(c->api_root));
        else if (d->n_api_roots == 1)
            memcpy(c->api_root, d->api_roots[0], sizeof(c->api_root));
        else
            rc = rk_err_set(err, RK_EINVAL, "%s lists %zu API roots and no default; name one "
                            "(--api-root)", c->url, d->n_api_roots);
    }
    rk_free(d);
    len = strlen(c->api_root);
    if (rc == 0 && len > 0 && c->api_root[len - 1] != '/') {
        if (len + 1 >= sizeof(c->api_root))
            return rk_err_set(err, RK_ELIMIT, "API root URL too long");
        c->api_root[len] = '/';
        c->api_root[len + 1] = '\0';
    }
    if (rc != 0)
        c->api_root[0] = '\0';
    return rc;
}

int rk_taxii_client_api_root(struct rk_taxii_client *c, struct rk_taxii_api_root *out,
                             struct rk_err *err)
{
    struct rk_taxii_reply r;
    int rc;

    if ((rc = resolve_root(c, err)) != 0)
        return rc;
    if ((rc = get_json(c, c->api_root, "API root resource", &r, err)) == 0 &&
        (rc = rk_taxii_parse_api_root(rk_buf_cstr(&r.body), rk_buf_len(&r.body), out, err)) ==
                0) {
        memcpy(out->url, c->api_root, sizeof(out->url));
        c->max_content_length = out->max_content_length;
        if (!out->taxii21)
            rc = rk_err_set(err, RK_EUNSUPPORTED, "%s does not list TAXII 2.1 among its versions",
                            c->api_root);
    }
    if (rc != 0)
        rk_err_prefix(err, "API root: ");
    rk_taxii_reply_free(&r);
    return rc;
}

/* url = api root + path (+ "?" + query). Collection and status ids are percent-encoded. */
static int endpoint(struct rk_taxii_client *c, const char *kind, const char *id,
                    const char *tail, const char *query, char *out, size_t cap,
                    struct rk_err *err)
{
    char *esc = NULL;
    int n;

    if ((n = resolve_root(c, err)) != 0)
        return n;
    if (id && !(esc = curl_easy_escape(c->curl, id, (int)strlen(id))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    n = snprintf(out, cap, "%s%s/%s%s%s%s%s", c->api_root, kind, esc ? esc : "",
                 esc ? "/" : "", tail ? tail : "", query && query[0] ? "?" : "",
                 query ? query : "");
    curl_free(esc);
    if (n < 0 || (size_t)n >= cap)
        return rk_err_set(err, RK_ELIMIT, "request URL longer than %zu bytes", cap - 1);
    return 0;
}

int rk_taxii_client_collections(struct rk_taxii_client *c,
                                int (*fn)(const struct rk_taxii_collection_info *ci, void *ctx),
                                void *ctx, struct rk_err *err)
{
    struct rk_taxii_reply r;
    char url[RK_TAXII_URL_MAX + 64];
    int rc;

    rk_taxii_reply_init(&r, 0);
    if ((rc = endpoint(c, "collections", NULL, NULL, NULL, url, sizeof(url), err)) != 0)
        return rc;
    /* endpoint gave ".../collections/" + "" */
    if ((rc = get_json(c, url, "collections resource", &r, err)) == 0)
        rc = rk_taxii_parse_collections(rk_buf_cstr(&r.body), rk_buf_len(&r.body), fn, ctx, err);
    rk_taxii_reply_free(&r);
    return rc;
}

/* ---- pages --------------------------------------------------------------------------------- */

static int add_param(char *q, size_t cap, CURL *h, const char *key, const char *value)
{
    size_t len = strlen(q);
    char *esc = curl_easy_escape(h, value, (int)strlen(value));
    int n;

    if (!esc)
        return RK_ENOMEM;
    n = snprintf(q + len, cap - len, "%s%s=%s", len ? "&" : "", key, esc);
    curl_free(esc);
    return n < 0 || (size_t)n >= cap - len ? RK_ELIMIT : 0;
}

static int page_query(struct rk_taxii_client *c, const struct rk_taxii_get *g, char *q,
                      size_t cap)
{
    char limit[24];
    int rc = 0;

    q[0] = '\0';
    snprintf(limit, sizeof(limit), "%u", g->limit);
    if (g->added_after && g->added_after[0])
        rc = add_param(q, cap, c->curl, "added_after", g->added_after);
    if (rc == 0 && g->limit)
        rc = add_param(q, cap, c->curl, "limit", limit);
    if (rc == 0 && g->next && g->next[0])
        rc = add_param(q, cap, c->curl, "next", g->next);
    if (rc == 0 && g->all_versions)
        rc = add_param(q, cap, c->curl, "match%5Bversion%5D", "all");
    for (size_t i = 0; rc == 0 && i < g->n_types; i++)
        rc = add_param(q, cap, c->curl, "match%5Btype%5D", g->types[i]);
    return rc;
}

void rk_taxii_page_free(struct rk_taxii_page *p)
{
    if (!p)
        return;
    rk_free(p->body);
    memset(p, 0, sizeof(*p));
}

int rk_taxii_client_get_objects(struct rk_taxii_client *c, const char *collection,
                                const struct rk_taxii_get *q, struct rk_taxii_page *out,
                                struct rk_err *err)
{
    char query[QUERY_MAX], url[RK_TAXII_URL_MAX + QUERY_MAX + 512];
    struct rk_taxii_reply r;
    int rc;

    rk_taxii_page_free(out);
    rk_taxii_reply_init(&r, 0);
    if ((rc = page_query(c, q, query, sizeof(query))) != 0)
        return rk_err_set(err, rc, "the query of the objects request is too long");
    if ((rc = endpoint(c, "collections", collection, "objects/", query, url, sizeof(url),
                       err)) != 0 ||
        (rc = get_json(c, url, "objects", &r, err)) != 0 ||
        (rc = rk_taxii_parse_envelope(rk_buf_cstr(&r.body), rk_buf_len(&r.body), out, err)) != 0)
        goto out;
    memcpy(out->date_first, r.date_first, sizeof(out->date_first));
    memcpy(out->date_last, r.date_last, sizeof(out->date_last));
    out->body_len = rk_buf_len(&r.body);
    if (!(out->body = rk_buf_detach(&r.body, &out->body_len)) &&
        !(out->body = rk_strdup("")))
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
out:
    if (rc != 0)
        rk_err_prefix(err, "collection %s: ", collection);
    rk_taxii_reply_free(&r);
    return rc;
}

int rk_taxii_client_get_manifest(struct rk_taxii_client *c, const char *collection,
                                 const struct rk_taxii_get *q,
                                 int (*fn)(const struct rk_taxii_manifest_record *r, void *ctx),
                                 void *ctx, int *more, char *next, char *date_last,
                                 struct rk_err *err)
{
    char query[QUERY_MAX], url[RK_TAXII_URL_MAX + QUERY_MAX + 512];
    struct rk_taxii_reply r;
    int rc;

    *more = 0;
    rk_taxii_reply_init(&r, 0);
    if ((rc = page_query(c, q, query, sizeof(query))) != 0)
        return rk_err_set(err, rc, "the query of the manifest request is too long");
    if ((rc = endpoint(c, "collections", collection, "manifest/", query, url, sizeof(url),
                       err)) == 0 &&
        (rc = get_json(c, url, "manifest", &r, err)) == 0 &&
        (rc = rk_taxii_parse_manifest(rk_buf_cstr(&r.body), rk_buf_len(&r.body), fn, ctx, more,
                                      next, err)) == 0 &&
        date_last)
        memcpy(date_last, r.date_last, RK_TAXII_TS_MAX);
    rk_taxii_reply_free(&r);
    return rc;
}

/* ---- adding objects ------------------------------------------------------------------------ */

#define ENVELOPE_HEAD "{\"objects\":["
#define ENVELOPE_TAIL "]}"

void rk_taxii_envelope_init(struct rk_taxii_envelope *e, size_t max)
{
    memset(e, 0, sizeof(*e));
    e->max = max;
}

void rk_taxii_envelope_free(struct rk_taxii_envelope *e)
{
    rk_free(e->buf);
    memset(e, 0, sizeof(*e));
}

void rk_taxii_envelope_reset(struct rk_taxii_envelope *e)
{
    e->len = 0;
    e->count = 0;
}

int rk_taxii_envelope_add(struct rk_taxii_envelope *e, const char *json, size_t len)
{
    const size_t frame = sizeof(ENVELOPE_HEAD) - 1 + sizeof(ENVELOPE_TAIL) - 1;
    size_t start = e->count ? e->len : sizeof(ENVELOPE_HEAD) - 1;
    size_t need = start + (e->count ? 1 : 0) + len;
    char *grown;

    if (len + frame > e->max)
        return RK_EINVAL;
    if (need + sizeof(ENVELOPE_TAIL) - 1 > e->max)
        return RK_ELIMIT;
    if (need + sizeof(ENVELOPE_TAIL) > e->cap) {
        size_t cap = e->cap ? e->cap : 65536;

        while (cap < need + sizeof(ENVELOPE_TAIL))
            cap *= 2;
        if (!(grown = rk_realloc(e->buf, cap)))
            return RK_ENOMEM;
        e->buf = grown;
        e->cap = cap;
    }
    if (e->count == 0)
        memcpy(e->buf, ENVELOPE_HEAD, sizeof(ENVELOPE_HEAD) - 1);
    else
        e->buf[start++] = ',';
    memcpy(e->buf + start, json, len);
    e->len = start + len;
    e->count++;
    return 0;
}

const char *rk_taxii_envelope_body(struct rk_taxii_envelope *e, size_t *len_out)
{
    if (e->count == 0) {
        *len_out = 0;
        return "";
    }
    memcpy(e->buf + e->len, ENVELOPE_TAIL, sizeof(ENVELOPE_TAIL)); /* room was kept */
    *len_out = e->len + sizeof(ENVELOPE_TAIL) - 1;
    return e->buf;
}

static int status_reply(struct rk_taxii_client *c, const char *url, struct rk_taxii_reply *r,
                        struct rk_taxii_status *out, struct rk_err *err)
{
    (void)c;
    if (!rk_taxii_reply_is_taxii(r))
        return rk_err_set(err, RK_EFORMAT, "%s: the status came as '%s', not %s", url,
                          r->content_type, RK_TAXII_MEDIA_TAXII);
    return rk_taxii_parse_status(rk_buf_cstr(&r->body), rk_buf_len(&r->body), out, err);
}

int rk_taxii_client_add_objects(struct rk_taxii_client *c, const char *collection,
                                const char *body, size_t len, struct rk_taxii_status *out,
                                struct rk_err *err)
{
    char url[RK_TAXII_URL_MAX + 512];
    struct rk_taxii_reply r;
    int rc;

    rk_taxii_reply_init(&r, c->cfg.max_response_bytes);
    if ((rc = endpoint(c, "collections", collection, "objects/", NULL, url, sizeof(url),
                       err)) == 0 &&
        (rc = rk_taxii_http(c, url, body, len, &r, err)) == 0)
        rc = status_reply(c, url, &r, out, err);
    if (rc != 0)
        rk_err_prefix(err, "add objects to %s: ", collection);
    rk_taxii_reply_free(&r);
    return rc;
}

int rk_taxii_client_get_status(struct rk_taxii_client *c, const char *id,
                               struct rk_taxii_status *out, struct rk_err *err)
{
    char url[RK_TAXII_URL_MAX + 512];
    struct rk_taxii_reply r;
    int rc;

    rk_taxii_reply_init(&r, c->cfg.max_response_bytes);
    if ((rc = endpoint(c, "status", id, NULL, NULL, url, sizeof(url), err)) == 0 &&
        (rc = rk_taxii_http(c, url, NULL, 0, &r, err)) == 0)
        rc = status_reply(c, url, &r, out, err);
    rk_taxii_reply_free(&r);
    return rc;
}

int rk_taxii_client_wait_status(struct rk_taxii_client *c, struct rk_taxii_status *s,
                                unsigned wait_s, struct rk_err *err)
{
    struct timespec start, now;
    unsigned delay_ms = 250;
    char id[RK_TAXII_ID_MAX];
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!s->complete) {
        struct timespec nap = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)wait_s)
            return 0;
        if (c->cfg.cancelled && c->cfg.cancelled(c->cfg.cancel_ctx))
            return rk_err_set(err, RK_EIO, "status %s: stopped", s->id);
        nanosleep(&nap, NULL);
        delay_ms = delay_ms < 8000 ? delay_ms * 2 : 8000;
        memcpy(id, s->id, sizeof(id));
        if ((rc = rk_taxii_client_get_status(c, id, s, err)) != 0)
            return rc;
    }
    return 0;
}
