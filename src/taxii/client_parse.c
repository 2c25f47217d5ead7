/* client_parse.c - parsers of what a TAXII 2.1 server answers: discovery, API root,
 * collections, status, manifest (jansson, strict: duplicate keys refused, every field
 * type-checked, every string capped) and the objects envelope of a page (a scanner that finds
 * "more", "next" and the span of "objects" without building the objects, which the STIX reader
 * then validates one by one). Pure functions: the fuzz target taxii_client drives them. */
#include "renkei/taxii_client.h"

#include <jansson.h>
#include <string.h>

#include "util/alloc.h"

#define DEPTH_MAX 128

/* ---- jansson helpers ----------------------------------------------------------------------- */

static int load(const char *p, size_t len, const char *what, json_t **out, struct rk_err *err)
{
    json_error_t je;

    *out = json_loadb(p, len, JSON_REJECT_DUPLICATES, &je);
    if (!*out) {
        rk_err_set(err, RK_EFORMAT, "the %s is not JSON: %s at byte %d", what, je.text,
                   je.position);
        rk_err_set_offset(err, je.position);
        return RK_EFORMAT;
    }
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return rk_err_set(err, RK_EFORMAT, "the %s is not a JSON object", what);
    }
    return 0;
}

/* Copy string member key of o into out (cap bytes). Absent: "" when optional, else an error. */
static int get_str(const json_t *o, const char *key, int required, char *out, size_t cap,
                   const char *what, struct rk_err *err)
{
    const json_t *v = json_object_get(o, key);

    out[0] = '\0';
    if (!v)
        return required ? rk_err_set(err, RK_EFORMAT, "the %s has no %s", what, key) : 0;
    if (!json_is_string(v))
        return rk_err_set(err, RK_EFORMAT, "the %s's %s is not a string", what, key);
    if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v))
        return rk_err_set(err, RK_EFORMAT, "the %s's %s is longer than %zu bytes or holds NUL",
                          what, key, cap - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int get_bool(const json_t *o, const char *key, int required, int *out, const char *what,
                    struct rk_err *err)
{
    const json_t *v = json_object_get(o, key);

    *out = 0;
    if (!v)
        return required ? rk_err_set(err, RK_EFORMAT, "the %s has no %s", what, key) : 0;
    if (!json_is_boolean(v))
        return rk_err_set(err, RK_EFORMAT, "the %s's %s is not true or false", what, key);
    *out = json_is_true(v);
    return 0;
}

/* A non-negative integer member. */
static int get_count(const json_t *o, const char *key, int required, uint64_t *out,
                     const char *what, struct rk_err *err)
{
    const json_t *v = json_object_get(o, key);

    *out = 0;
    if (!v)
        return required ? rk_err_set(err, RK_EFORMAT, "the %s has no %s", what, key) : 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return rk_err_set(err, RK_EFORMAT, "the %s's %s is not an integer >= 0", what, key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/* A list member (absent: NULL, fine when optional). */
static int get_list(const json_t *o, const char *key, const json_t **out, const char *what,
                    struct rk_err *err)
{
    *out = json_object_get(o, key);
    if (*out && !json_is_array(*out))
        return rk_err_set(err, RK_EFORMAT, "the %s's %s is not a list", what, key);
    return 0;
}

/* ---- discovery, API root, collections ------------------------------------------------------ */

int rk_taxii_parse_discovery(const char *p, size_t len, struct rk_taxii_discovery *out,
                             struct rk_err *err)
{
    const json_t *roots, *v;
    json_t *doc = NULL;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = load(p, len, "discovery resource", &doc, err)) != 0)
        return rc;
    if ((rc = get_str(doc, "title", 1, out->title, sizeof(out->title), "discovery resource",
                      err)) != 0 ||
        (rc = get_str(doc, "default", 0, out->default_root, sizeof(out->default_root),
                      "discovery resource", err)) != 0 ||
        (rc = get_list(doc, "api_roots", &roots, "discovery resource", err)) != 0)
        goto out;
    json_array_foreach(roots, i, v) {
        if (!json_is_string(v) || json_string_length(v) >= RK_TAXII_URL_MAX ||
            json_string_length(v) == 0) {
            rc = rk_err_set(err, RK_EFORMAT, "api_roots[%zu] is not a URL string", i);
            goto out;
        }
        if (out->n_api_roots < RK_TAXII_ROOTS_MAX)
            memcpy(out->api_roots[out->n_api_roots++], json_string_value(v),
                   json_string_length(v) + 1);
    }
out:
    json_decref(doc);
    return rc;
}

int rk_taxii_parse_api_root(const char *p, size_t len, struct rk_taxii_api_root *out,
                            struct rk_err *err)
{
    const json_t *versions, *v;
    json_t *doc = NULL;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = load(p, len, "API root resource", &doc, err)) != 0)
        return rc;
    if ((rc = get_str(doc, "title", 1, out->title, sizeof(out->title), "API root resource",
                      err)) != 0 ||
        (rc = get_list(doc, "versions", &versions, "API root resource", err)) != 0 ||
        (rc = get_count(doc, "max_content_length", 1, &out->max_content_length,
                        "API root resource", err)) != 0)
        goto out;
    if (!versions || out->max_content_length == 0) {
        rc = rk_err_set(err, RK_EFORMAT, "the API root resource needs versions and a "
                        "max_content_length above 0");
        goto out;
    }
    json_array_foreach(versions, i, v) {
        const char *s = json_string_value(v);

        /* media type parameters may carry spaces ("version = 2.1" is rare but legal) */
        if (s && strncmp(s, "application/taxii+json", 22) == 0 && strstr(s, "2.1"))
            out->taxii21 = 1;
    }
out:
    json_decref(doc);
    return rc;
}

static int parse_collection(const json_t *o, size_t i, struct rk_taxii_collection_info *ci,
                            struct rk_err *err)
{
    int rc;

    memset(ci, 0, sizeof(*ci));
    if (!json_is_object(o))
        return rk_err_set(err, RK_EFORMAT, "collections[%zu] is not an object", i);
    if ((rc = get_str(o, "id", 1, ci->id, sizeof(ci->id), "collection", err)) != 0 ||
        (rc = get_str(o, "title", 1, ci->title, sizeof(ci->title), "collection", err)) != 0 ||
        (rc = get_str(o, "description", 0, ci->description, sizeof(ci->description),
                      "collection", err)) != 0 ||
        (rc = get_str(o, "alias", 0, ci->alias, sizeof(ci->alias), "collection", err)) != 0 ||
        (rc = get_bool(o, "can_read", 1, &ci->can_read, "collection", err)) != 0 ||
        (rc = get_bool(o, "can_write", 1, &ci->can_write, "collection", err)) != 0) {
        rk_err_prefix(err, "collections[%zu]: ", i);
        return rc;
    }
    if (!ci->id[0])
        return rk_err_set(err, RK_EFORMAT, "collections[%zu] has an empty id", i);
    return 0;
}

int rk_taxii_parse_collections(const char *p, size_t len,
                               int (*fn)(const struct rk_taxii_collection_info *ci, void *ctx),
                               void *ctx, struct rk_err *err)
{
    struct rk_taxii_collection_info ci;
    const json_t *list, *v;
    json_t *doc = NULL;
    size_t i;
    int rc;

    if ((rc = load(p, len, "collections resource", &doc, err)) != 0)
        return rc;
    if ((rc = get_list(doc, "collections", &list, "collections resource", err)) != 0)
        goto out;
    json_array_foreach(list, i, v) {
        if ((rc = parse_collection(v, i, &ci, err)) != 0 || (rc = fn(&ci, ctx)) != 0)
            goto out;
    }
out:
    json_decref(doc);
    return rc;
}

/* ---- status -------------------------------------------------------------------------------- */

void rk_taxii_status_free(struct rk_taxii_status *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_failures; i++) {
        rk_free(s->failures[i].id);
        rk_free(s->failures[i].version);
        rk_free(s->failures[i].message);
    }
    rk_free(s->failures);
    memset(s, 0, sizeof(*s));
}

static int detail_text(const json_t *o, const char *key, int required, char **out, size_t i,
                       struct rk_err *err)
{
    const json_t *v = json_object_get(o, key);
    const char *s = v ? json_string_value(v) : "";

    if ((!v && required) || (v && !json_is_string(v)) || strlen(s) > 4096)
        return rk_err_set(err, RK_EFORMAT, "failures[%zu].%s is %s", i, key,
                          !v ? "missing" : "not a string of at most 4096 bytes");
    return (*out = rk_strdup(s)) ? 0 : rk_err_set(err, RK_ENOMEM, "out of memory");
}

static int parse_failures(const json_t *list, struct rk_taxii_status *out, struct rk_err *err)
{
    size_t i, n = json_array_size(list);
    const json_t *v;
    int rc;

    if (n > RK_TAXII_DETAILS_MAX)
        n = RK_TAXII_DETAILS_MAX;
    if (n && !(out->failures = rk_calloc(n, sizeof(*out->failures))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    json_array_foreach(list, i, v) {
        struct rk_taxii_status_detail *d;

        if (i >= n)
            break;
        if (!json_is_object(v))
            return rk_err_set(err, RK_EFORMAT, "failures[%zu] is not an object", i);
        d = &out->failures[out->n_failures++];
        if ((rc = detail_text(v, "id", 1, &d->id, i, err)) != 0 ||
            (rc = detail_text(v, "version", 1, &d->version, i, err)) != 0 ||
            (rc = detail_text(v, "message", 0, &d->message, i, err)) != 0)
            return rc;
    }
    return 0;
}

int rk_taxii_parse_status(const char *p, size_t len, struct rk_taxii_status *out,
                          struct rk_err *err)
{
    static const char what[] = "status resource";
    char status[16];
    const json_t *failures;
    json_t *doc = NULL;
    int rc;

    rk_taxii_status_free(out);
    if ((rc = load(p, len, what, &doc, err)) != 0)
        return rc;
    if ((rc = get_str(doc, "id", 1, out->id, sizeof(out->id), what, err)) != 0 ||
        (rc = get_str(doc, "status", 1, status, sizeof(status), what, err)) != 0 ||
        (rc = get_count(doc, "total_count", 1, &out->total, what, err)) != 0 ||
        (rc = get_count(doc, "success_count", 1, &out->success, what, err)) != 0 ||
        (rc = get_count(doc, "failure_count", 1, &out->failure, what, err)) != 0 ||
        (rc = get_count(doc, "pending_count", 1, &out->pending, what, err)) != 0 ||
        (rc = get_list(doc, "failures", &failures, what, err)) != 0)
        goto out;
    if (strcmp(status, "complete") != 0 && strcmp(status, "pending") != 0) {
        rc = rk_err_set(err, RK_EFORMAT, "the status is \"%s\", not complete or pending",
                        status);
        goto out;
    }
    out->complete = strcmp(status, "complete") == 0;
    if (failures)
        rc = parse_failures(failures, out, err);
out:
    json_decref(doc);
    if (rc != 0)
        rk_taxii_status_free(out);
    return rc;
}

/* ---- manifest ------------------------------------------------------------------------------ */

static int manifest_record(const json_t *o, size_t i,
                           int (*fn)(const struct rk_taxii_manifest_record *r, void *ctx),
                           void *ctx, struct rk_err *err)
{
    struct rk_taxii_manifest_record r;
    char id[RK_TAXII_ID_MAX], added[RK_TAXII_TS_MAX], version[RK_TAXII_TS_MAX], media[128];
    int rc;

    if (!json_is_object(o))
        return rk_err_set(err, RK_EFORMAT, "objects[%zu] of the manifest is not an object", i);
    if ((rc = get_str(o, "id", 1, id, sizeof(id), "manifest record", err)) != 0 ||
        (rc = get_str(o, "date_added", 1, added, sizeof(added), "manifest record", err)) != 0 ||
        (rc = get_str(o, "version", 1, version, sizeof(version), "manifest record", err)) != 0 ||
        (rc = get_str(o, "media_type", 0, media, sizeof(media), "manifest record", err)) != 0) {
        rk_err_prefix(err, "objects[%zu]: ", i);
        return rc;
    }
    r.id = id;
    r.date_added = added;
    r.version = version;
    r.media_type = media;
    return fn(&r, ctx);
}

int rk_taxii_parse_manifest(const char *p, size_t len,
                            int (*fn)(const struct rk_taxii_manifest_record *r, void *ctx),
                            void *ctx, int *more, char *next, struct rk_err *err)
{
    static const char what[] = "manifest";
    char next_buf[RK_TAXII_NEXT_MAX];
    const json_t *list, *v;
    json_t *doc = NULL;
    size_t i;
    int rc;

    if ((rc = load(p, len, what, &doc, err)) != 0)
        return rc;
    if ((rc = get_bool(doc, "more", 0, more, what, err)) != 0 ||
        (rc = get_str(doc, "next", 0, next ? next : next_buf, RK_TAXII_NEXT_MAX, what, err)) ||
        (rc = get_list(doc, "objects", &list, what, err)) != 0)
        goto out;
    json_array_foreach(list, i, v) {
        if ((rc = manifest_record(v, i, fn, ctx, err)) != 0)
            goto out;
    }
out:
    json_decref(doc);
    return rc;
}

/* ---- the objects envelope: a scanner ------------------------------------------------------- */

struct scan {
    const char *p;
    size_t len, pos;
    struct rk_err *err;
};

static int bad(struct scan *s, const char *what)
{
    rk_err_set(s->err, RK_EFORMAT, "the envelope is malformed: %s at byte %zu", what, s->pos);
    rk_err_set_offset(s->err, (long long)s->pos);
    return RK_EFORMAT;
}

static int peek(struct scan *s)
{
    while (s->pos < s->len && strchr(" \t\r\n", s->p[s->pos]) && s->p[s->pos])
        s->pos++;
    return s->pos < s->len ? (unsigned char)s->p[s->pos] : -1;
}

/* A string at s->pos (the opening quote); its value into out (cap bytes) when out is given.
 * Only \" \\ and \/ are decoded; other escapes are kept as written, which is enough to
 * compare keys and copy tokens. A value that does not fit sets *cut (when given) and is
 * truncated; without cut it is an error. */
static int string_cut(struct scan *s, char *out, size_t cap, int *cut)
{
    size_t n = 0;

    s->pos++;
    while (s->pos < s->len) {
        unsigned char c = (unsigned char)s->p[s->pos++];

        if (c == '"') {
            if (out)
                out[n] = '\0';
            return 0;
        }
        if (c < 0x20)
            return bad(s, "a control character in a string");
        if (c == '\\') {
            if (s->pos >= s->len)
                break;
            c = (unsigned char)s->p[s->pos++];
            if (!c || !strchr("\"\\/bfnrtu", c))
                return bad(s, "a bad escape");
            if (c != '"' && c != '\\' && c != '/' && out && n + 2 < cap)
                out[n++] = '\\';
        }
        if (out && n + 1 >= cap) {
            if (!cut)
                return bad(s, "a string longer than expected");
            *cut = 1;
            continue;
        }
        if (out)
            out[n++] = (char)c;
    }
    return bad(s, "an unterminated string");
}

static int string(struct scan *s, char *out, size_t cap)
{
    return string_cut(s, out, cap, NULL);
}

static int skip_value(struct scan *s, int depth);

static int skip_literal(struct scan *s)
{
    static const char *const words[] = {"true", "false", "null"};
    size_t start = s->pos;

    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);

        if (s->len - s->pos >= n && memcmp(s->p + s->pos, words[i], n) == 0) {
            s->pos += n;
            return 0;
        }
    }
    while (s->pos < s->len && strchr("+-0123456789.eE", s->p[s->pos]) && s->p[s->pos])
        s->pos++;
    return s->pos > start ? 0 : bad(s, "an unexpected character");
}

/* The elements of a list at s->pos ('['), counted into *n when given. */
static int skip_list(struct scan *s, int depth, size_t *n)
{
    int rc;

    s->pos++;
    if (peek(s) == ']') {
        s->pos++;
        return 0;
    }
    for (;;) {
        if ((rc = skip_value(s, depth + 1)) != 0)
            return rc;
        if (n)
            (*n)++;
        if (peek(s) == ',') {
            s->pos++;
            continue;
        }
        if (peek(s) != ']')
            return bad(s, "expected ',' or ']' in a list");
        s->pos++;
        return 0;
    }
}

static int skip_object(struct scan *s, int depth)
{
    int rc;

    s->pos++;
    if (peek(s) == '}') {
        s->pos++;
        return 0;
    }
    for (;;) {
        if (peek(s) != '"')
            return bad(s, "expected a quoted key");
        if ((rc = string(s, NULL, 0)) != 0)
            return rc;
        if (peek(s) != ':')
            return bad(s, "expected ':'");
        s->pos++;
        if ((rc = skip_value(s, depth + 1)) != 0)
            return rc;
        if (peek(s) == ',') {
            s->pos++;
            continue;
        }
        if (peek(s) != '}')
            return bad(s, "expected ',' or '}' in an object");
        s->pos++;
        return 0;
    }
}

static int skip_value(struct scan *s, int depth)
{
    int c = peek(s);

    if (depth > DEPTH_MAX)
        return bad(s, "nesting deeper than 128");
    if (c == '{')
        return skip_object(s, depth);
    if (c == '[')
        return skip_list(s, depth, NULL);
    if (c == '"')
        return string(s, NULL, 0);
    return c < 0 ? bad(s, "the end of the body") : skip_literal(s);
}

/* One top-level member; seen: bit 0 more, 1 next, 2 objects. */
static int envelope_member(struct scan *s, struct rk_taxii_page *out, unsigned *seen)
{
    char key[32];
    size_t start;
    int c, rc, cut = 0;

    if (peek(s) != '"')
        return bad(s, "expected a quoted key");
    if ((rc = string_cut(s, key, sizeof(key), &cut)) != 0)
        return rc;
    if (cut) /* longer than any key of ours */
        key[0] = '\0';
    if (peek(s) != ':')
        return bad(s, "expected ':'");
    s->pos++;
    c = peek(s);
    if (strcmp(key, "more") == 0 || strcmp(key, "next") == 0 || strcmp(key, "objects") == 0) {
        unsigned bit = key[0] == 'm' ? 1u : key[0] == 'n' ? 2u : 4u;

        if (*seen & bit)
            return bad(s, "a duplicate key");
        *seen |= bit;
    }
    if (strcmp(key, "more") == 0) {
        if (c != 't' && c != 'f')
            return bad(s, "\"more\" is not true or false");
        out->more = c == 't';
        start = s->pos;
        if ((rc = skip_literal(s)) != 0)
            return rc;
        return s->pos - start == (out->more ? 4u : 5u) ? 0 : bad(s, "\"more\" is not a boolean");
    }
    if (strcmp(key, "next") == 0)
        return c == '"' ? string(s, out->next, sizeof(out->next))
                        : bad(s, "\"next\" is not a string");
    if (strcmp(key, "objects") == 0) {
        if (c != '[')
            return bad(s, "\"objects\" is not a list");
        out->objects_at = s->pos;
        rc = skip_list(s, 1, &out->n_objects);
        out->objects_len = s->pos - out->objects_at;
        return rc;
    }
    return skip_value(s, 1);
}

int rk_taxii_parse_envelope(const char *p, size_t len, struct rk_taxii_page *out,
                            struct rk_err *err)
{
    struct scan s = {p, len, 0, err};
    unsigned seen = 0;
    int rc;

    out->objects_at = out->objects_len = out->n_objects = 0;
    out->more = 0;
    out->next[0] = '\0';
    if (peek(&s) != '{')
        return bad(&s, "the body is not a JSON object");
    s.pos++;
    if (peek(&s) == '}') {
        s.pos++;
    } else {
        for (;;) {
            if ((rc = envelope_member(&s, out, &seen)) != 0)
                return rc;
            if (peek(&s) == ',') {
                s.pos++;
                continue;
            }
            if (peek(&s) != '}')
                return bad(&s, "expected ',' or '}' in the envelope");
            s.pos++;
            break;
        }
    }
    if (peek(&s) != -1)
        return bad(&s, "bytes after the envelope");
    return 0;
}
