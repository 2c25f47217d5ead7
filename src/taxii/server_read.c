/* server_read.c - the read endpoints: Get Objects (5.4), Get an Object (5.6), Get Object
 * Versions (5.8), Get Object Manifests (5.3), and Delete an Object (5.7).
 *
 * Every read goes through one query builder that applies the reader's visibility filter from
 * src/policy inside the store's SQL, so limits, "more", "next" and the date headers only ever
 * count rows the reader may see. Responses are built by concatenating the stored canonical
 * JSON of each row; nothing is re-serialised.
 */
#include "taxii/server.h"

#include <string.h>

#include "renkei/store_sync.h"
#include "util/alloc.h"
#include "util/digest.h"
#include "util/rktime.h"
#include "util/uuid.h"

#define STOP_FULL 1 /* the row callback stops the query: the response is big enough */
/* room beyond max_response_bytes: the first object of a page always fits (16 MiB at most) */
#define RESPONSE_SLACK ((size_t)17 << 20)
#define SENT_ARENA_MAX    ((size_t)64 << 20) /* ids and versions of one page's egress entries */
#define SENT_BATCH_PREFIX "read:"

/* The egress log entries of a page a partner's sync account reads: the same log push writes,
 * so `renkei audit egress` covers what partners pull as well as what is pushed to them. */
struct sent {
    struct rk_egress_entry *e;
    size_t n, cap;
    struct rk_arena *arena;
    const char *partner;
    const char *collection;
    char batch[sizeof(SENT_BATCH_PREFIX) + RK_UUID_STR];
};

/* What a page of results turned out to be. */
struct page {
    struct rk_taxii_conn *c;
    struct rk_buf *b;
    size_t count;
    int64_t first_us, last_us;
    int truncated;     /* stopped early on max_response_bytes */
    struct sent *sent; /* NULL: the reader is no partner, or the page carries no objects */
};

/* ---- the query ---- */

static unsigned store_versions(unsigned taxii)
{
    return ((taxii & RK_TAXII_V_LAST) ? RK_VERSIONS_LAST : 0) |
           ((taxii & RK_TAXII_V_FIRST) ? RK_VERSIONS_FIRST : 0) |
           ((taxii & RK_TAXII_V_ALL) ? RK_VERSIONS_ALL : 0);
}

static struct rk_taxii_page_scope scope_of(const struct rk_taxii_conn *c)
{
    struct rk_taxii_page_scope s = {c->req.route.ep, c->coll->c.id, c->req.route.object_id,
                                    c->who.p.authenticated ? c->who.p.user : "",
                                    &c->req.filter};

    return s;
}

/* The page size: the client's limit within the server's bounds. */
static size_t page_limit(const struct rk_taxii_conn *c)
{
    const struct rk_taxii_filter *f = &c->req.filter;

    if (f->limit == 0)
        return c->srv->cfg.page_size;
    return f->limit < c->srv->cfg.max_page_size ? (size_t)f->limit : c->srv->cfg.max_page_size;
}

/* Fill q for the request's endpoint and filters. RK_EFORMAT (c->err) for a bad next token. */
void rk_taxii_reader_visibility(struct rk_taxii_conn *c, struct rk_store_visibility *vis)
{
    if (c->who.p.role == RK_ROLE_SYNC && c->who.user) {
        struct rk_partner_view pv;

        /* a partner node reads what egress may send it, not what its users could read */
        rk_taxii_access_partner_view(c->who.user, &pv);
        rk_policy_egress_visibility(&c->access->policy, &pv, vis);
    } else {
        rk_policy_visibility(&c->access->policy, &c->who.p, vis);
    }
}

static int build_query(struct rk_taxii_conn *c, struct rk_store_query *q,
                       struct rk_store_visibility *vis)
{
    const struct rk_taxii_filter *f = &c->req.filter;
    enum rk_taxii_endpoint ep = c->req.route.ep;
    struct rk_taxii_page_scope scope = scope_of(c);
    int64_t pos = 0;
    int rc;

    rk_store_query_init(q);
    q->collection = c->coll->c.id;
    q->added_after_us = f->has_added_after && f->added_after_us > 0 ? f->added_after_us : 0;
    if (f->next) {
        if ((rc = rk_taxii_next_decode(&pos, f->next, c->srv->next_key, &scope, &c->err)) != 0)
            return rc;
        if (pos > q->added_after_us)
            q->added_after_us = pos;
    }
    if (ep == RK_TAXII_EP_OBJECT || ep == RK_TAXII_EP_VERSIONS) {
        q->ids = &c->req.route.object_id;
        q->n_ids = 1;
    } else {
        q->ids = f->ids;
        q->n_ids = f->n_ids;
        q->types = f->types;
        q->n_types = f->n_types;
    }
    if (ep == RK_TAXII_EP_VERSIONS) {
        q->versions = RK_VERSIONS_ALL;
    } else {
        q->versions = store_versions(f->versions);
        q->version_values = f->version_values;
        q->n_version_values = f->n_version_values;
    }
    q->spec_versions = f->spec_versions;
    q->n_spec_versions = f->n_spec_versions;
    q->limit = ep == RK_TAXII_EP_OBJECT && c->req.method == RK_TAXII_DELETE ? 0 : page_limit(c);
    q->without_json = ep == RK_TAXII_EP_MANIFEST || ep == RK_TAXII_EP_VERSIONS;
    /* pages of objects for anyone but a partner (whose egress entries need ids and versions)
     * need only the JSON and the position */
    q->json_only = !q->without_json && !(c->who.p.role == RK_ROLE_SYNC && c->who.user);
    rk_taxii_reader_visibility(c, vis);
    q->vis = vis;
    return 0;
}

/* ---- rows into the body ---- */

static int note_row(struct page *pg, const struct rk_store_row *row, size_t add)
{
    if (pg->count > 0 && rk_buf_len(pg->b) + add > pg->c->srv->cfg.max_response_bytes) {
        pg->truncated = 1;
        return STOP_FULL;
    }
    if (pg->count++ == 0)
        pg->first_us = row->date_added_us;
    pg->last_us = row->date_added_us;
    return rk_buf_putc(pg->b, pg->count > 1 ? ',' : '[') != 0 ? RK_ENOMEM : 0;
}

/* Note a row that went into the body for the egress log: id, version, SHA-256 of its bytes. */
static int sent_add(struct sent *s, const struct rk_store_row *row)
{
    struct rk_egress_entry *e;
    const char *version = row->version ? row->version : "";

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 128;

        if (!(e = rk_reallocarray(s->e, cap, sizeof(*e))))
            return RK_ENOMEM;
        s->e = e;
        s->cap = cap;
    }
    e = &s->e[s->n];
    memset(e, 0, sizeof(*e));
    e->partner = s->partner;
    e->collection = s->collection;
    e->object_id = rk_arena_strndup(s->arena, row->id, strlen(row->id));
    e->version = rk_arena_strndup(s->arena, version, strlen(version));
    e->batch = s->batch;
    if (!e->object_id || !e->version)
        return RK_ENOMEM;
    rk_sha256(row->json, row->json_len, e->sha256);
    s->n++;
    return 0;
}

static int object_row(const struct rk_store_row *row, void *ctx)
{
    struct page *pg = ctx;
    int rc = note_row(pg, row, row->json_len + 1);

    if (rc == 0 && pg->sent)
        rc = sent_add(pg->sent, row);
    return rc ? rc : rk_buf_append(pg->b, row->json, row->json_len);
}

/* A row's version: modified, else created, else (never for valid STIX) its date_added. */
static const char *version_of(const struct rk_store_row *row, char *buf, size_t cap)
{
    if (row->version)
        return row->version;
    rk_time_format_us(row->date_added_us, buf, cap);
    return buf;
}

static int manifest_row(const struct rk_store_row *row, void *ctx)
{
    struct page *pg = ctx;
    char added[RK_TIME_STR_MAX], v[RK_TIME_STR_MAX];
    const char *version = version_of(row, v, sizeof(v));
    int rc = note_row(pg, row, strlen(row->id) + strlen(version) + 128);

    if (rc)
        return rc;
    rk_time_format_us(row->date_added_us, added, sizeof(added));
    rk_buf_puts(pg->b, "{\"id\":");
    rk_buf_json_string(pg->b, row->id, strlen(row->id));
    rk_buf_printf(pg->b, ",\"date_added\":\"%s\",\"version\":", added);
    rk_buf_json_string(pg->b, version, strlen(version));
    rk_buf_puts(pg->b, ",\"media_type\":\"application/stix+json;version=");
    rk_buf_puts(pg->b, row->spec_version && row->spec_version[0] ? row->spec_version : "2.1");
    return rk_buf_puts(pg->b, "\"}");
}

static int version_row(const struct rk_store_row *row, void *ctx)
{
    struct page *pg = ctx;
    char v[RK_TIME_STR_MAX];
    const char *version = version_of(row, v, sizeof(v));
    int rc = note_row(pg, row, strlen(version) + 4);

    return rc ? rc : rk_buf_json_string(pg->b, version, strlen(version));
}

/* ---- responses ---- */

/* How many versions of the route's object this reader may see: all of them, or those among
 * the n given timestamps. No other filter applies. */
static int count_versions(struct rk_taxii_conn *c, const struct rk_store_visibility *vis,
                          const char **values, size_t n, uint64_t *out)
{
    struct rk_store_query q;

    *out = 0;
    rk_store_query_init(&q);
    q.collection = c->coll->c.id;
    q.ids = &c->req.route.object_id;
    q.n_ids = 1;
    if (n > 0) {
        q.version_values = values;
        q.n_version_values = n;
    } else {
        q.versions = RK_VERSIONS_ALL;
    }
    q.vis = vis;
    q.without_json = 1;
    return rk_store_count(c->st, &q, out, &c->err);
}

/* The timestamps of match[version] as "a, b, c" for a message (cut short when long). */
static void named_versions(const struct rk_taxii_filter *f, char *out, size_t cap)
{
    size_t len = 0;
    int n;

    out[0] = '\0';
    for (size_t i = 0; i < f->n_version_values && len < cap; i++) {
        n = snprintf(out + len, cap - len, "%s%s", i ? ", " : "", f->version_values[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

/* An empty page about one object (Get an Object, Get Object Versions) is 404 when the object
 * has no version this reader may see; for Get an Object also when match[version] names
 * timestamps and none of them is such a version, so a version deleted with a 200 is 404 from
 * then on (5.7). Other filters that exclude every version (spec_version, added_after, next)
 * leave the empty envelope of 5.6. *missing says whether the 404 was queued. */
static int respond_missing(struct rk_taxii_conn *c, const struct rk_store_visibility *vis,
                           int *missing)
{
    const struct rk_taxii_filter *f = &c->req.filter;
    char named[256];
    uint64_t n = 0;
    int rc;

    *missing = 0;
    if ((rc = count_versions(c, vis, NULL, 0, &n)) != 0)
        return rc;
    if (n == 0) {
        *missing = 1;
        return rk_taxii_respond_error(c, 404, NULL,
                                      "no object %s in collection %.100s, or you may not see it",
                                      c->req.route.object_id, c->req.route.collection);
    }
    if (c->req.route.ep != RK_TAXII_EP_OBJECT || f->n_version_values == 0)
        return 0;
    if ((rc = count_versions(c, vis, f->version_values, f->n_version_values, &n)) != 0 || n > 0)
        return rc;
    *missing = 1;
    named_versions(f, named, sizeof(named));
    return rk_taxii_respond_error(c, 404, NULL,
                                  "object %s has no version %s in collection %.100s, or you may "
                                  "not see it",
                                  c->req.route.object_id, named, c->req.route.collection);
}

/* Close the body: the list, "more" and (for envelopes) "next". */
static int close_body(struct rk_taxii_conn *c, struct page *pg, const char *list_key, int more,
                      int with_next)
{
    char next[RK_TAXII_NEXT_TEXT_MAX];
    struct rk_taxii_page_scope scope = scope_of(c);
    int rc;

    if (pg->count == 0) {
        rk_buf_reset(pg->b);
        return rk_buf_puts(pg->b, "{}"); /* empty lists are omitted (section 2) */
    }
    (void)list_key;
    if ((rc = rk_buf_putc(pg->b, ']')) != 0)
        return rc;
    if (more) {
        rk_buf_puts(pg->b, ",\"more\":true");
        if (with_next) {
            if ((rc = rk_taxii_next_encode(next, c->srv->next_key, &scope, pg->last_us)) != 0)
                return rc;
            rk_buf_printf(pg->b, ",\"next\":\"%s\"", next);
        }
    }
    return rk_buf_putc(pg->b, '}');
}

/* The X-TAXII-Date-Added-First and -Last of a page: an empty page reports the position it
 * looked from, which reveals nothing. */
static void page_dates(const struct page *pg, const struct rk_store_query *q,
                       char first[RK_TIME_STR_MAX], char last[RK_TIME_STR_MAX])
{
    rk_time_format_us(pg->count ? pg->first_us : q->added_after_us, first, RK_TIME_STR_MAX);
    rk_time_format_us(pg->count ? pg->last_us : q->added_after_us, last, RK_TIME_STR_MAX);
}

static int respond_page(struct rk_taxii_conn *c, struct page *pg, const struct rk_store_query *q)
{
    char first[RK_TIME_STR_MAX], last[RK_TIME_STR_MAX];

    page_dates(pg, q, first, last);
    c->audit.count = (int64_t)pg->count;
    return rk_taxii_respond(c, 200, pg->b, first, last);
}

static const char *endpoint_name(enum rk_taxii_endpoint ep)
{
    switch (ep) {
    case RK_TAXII_EP_OBJECTS: return "objects";
    case RK_TAXII_EP_OBJECT: return "object";
    case RK_TAXII_EP_VERSIONS: return "versions";
    case RK_TAXII_EP_MANIFEST: return "manifest";
    default: return "?";
    }
}

/* ---- the egress log of partner reads ---- */

/* 1 when the page goes to a partner's sync account and carries objects (Get Objects, Get an
 * Object). Manifests and versions carry ids and versions only: they are in the audit log. */
static int sent_to_partner(const struct rk_taxii_conn *c, rk_store_row_fn fn)
{
    return fn == object_row && c->who.p.role == RK_ROLE_SYNC && c->who.user;
}

static int sent_begin(struct rk_taxii_conn *c, struct sent *s)
{
    struct rk_partner_view pv;

    memset(s, 0, sizeof(*s));
    if (!(s->arena = rk_arena_new(SENT_ARENA_MAX)))
        return rk_err_set(&c->err, RK_ENOMEM, "out of memory");
    rk_taxii_access_partner_view(c->who.user, &pv); /* borrowed from c->access */
    s->partner = pv.name;
    s->collection = c->coll->c.id;
    memcpy(s->batch, SENT_BATCH_PREFIX, sizeof(SENT_BATCH_PREFIX) - 1);
    rk_uuid_v4(s->batch + sizeof(SENT_BATCH_PREFIX) - 1);
    return 0;
}

static void sent_free(struct sent *s)
{
    rk_free(s->e);
    rk_arena_free(s->arena);
}

/* Append the page's entries to the egress log, one transaction for the page, before the
 * response is queued: if the log cannot be written, the page is not sent (500). */
static int sent_log(struct rk_taxii_conn *c, struct sent *s)
{
    int rc;

    if (s->n == 0)
        return 0;
    pthread_mutex_lock(&c->srv->write_lock);
    rc = rk_store_egress_append(c->st, s->e, s->n, &c->err);
    pthread_mutex_unlock(&c->srv->write_lock);
    if (rc != 0)
        rk_err_prefix(&c->err, "writing the egress log: ");
    return rc;
}

/* ---- the page cache ---- */

/* Where this request's page would be in the page cache. */
struct cache_slot {
    struct rk_taxii_page_cache *pc; /* NULL: not cached */
    char *key;
    size_t key_len;
    int64_t mark, generation;
};

/* Set up the slot: who asks and what, and the state of the store now, before the query runs,
 * so a page stored under a mark holds at least the objects of that mark. Reads of a partner's
 * sync account are not cached (each writes the egress log), nor is anything when the cache is
 * off or the mark cannot be read. */
static void cache_slot(struct rk_taxii_conn *c, rk_store_row_fn fn, struct cache_slot *slot)
{
    const char *user = c->who.p.authenticated && c->who.p.user ? c->who.p.user : "";
    struct rk_err err;
    size_t ulen = strlen(user), ilen = strlen(c->uri);

    memset(slot, 0, sizeof(*slot));
    if (!c->srv->pages || sent_to_partner(c, fn) || (c->who.p.role == RK_ROLE_SYNC && c->who.user))
        return;
    if (rk_store_change_mark(c->st, &slot->mark, &err) != 0)
        return;
    if (!(slot->key = rk_arena_alloc(c->arena, ulen + 1 + ilen)))
        return;
    memcpy(slot->key, user, ulen);
    slot->key[ulen] = '\n'; /* user names hold no control characters */
    memcpy(slot->key + ulen + 1, c->uri, ilen);
    slot->key_len = ulen + 1 + ilen;
    slot->generation = c->access->generation;
    slot->pc = c->srv->pages;
}

/* Answer from the cache: 1 when the page was there (and the response is queued, or rc says
 * why not). */
/* A cached page held for a response that sends it in place. */
struct held_page {
    struct rk_taxii_page_cache *pc;
    const struct rk_taxii_cached_page *p;
};

static void release_held(void *cls)
{
    struct held_page *h = cls;

    rk_taxii_cache_release(h->pc, h->p);
    rk_free(h);
}

static int answer_cached(struct rk_taxii_conn *c, const struct cache_slot *slot, int *rc)
{
    const struct rk_taxii_cached_page *p;
    struct held_page *h;

    if (!slot->pc ||
        !(p = rk_taxii_cache_get(slot->pc, slot->key, slot->key_len, slot->mark, slot->generation)))
        return 0;
    if (!(h = rk_malloc(sizeof(*h)))) {
        rk_taxii_cache_release(slot->pc, p);
        *rc = RK_ENOMEM;
        return 1;
    }
    h->pc = slot->pc;
    h->p = p;
    c->audit.count = p->count;
    /* the page is sent from the cache: the entry stays until the response is done with it */
    *rc = rk_taxii_respond_shared(c, 200, p->body, p->len, release_held, h, p->date_first,
                                  p->date_last);
    return 1;
}

static void keep_page(const struct cache_slot *slot, const struct page *pg,
                      const struct rk_store_query *q)
{
    struct rk_taxii_cached_page p;

    if (!slot->pc)
        return;
    memset(&p, 0, sizeof(p));
    p.body = (char *)rk_buf_cstr(pg->b);
    p.len = rk_buf_len(pg->b);
    p.count = (int64_t)pg->count;
    page_dates(pg, q, p.date_first, p.date_last);
    rk_taxii_cache_put(slot->pc, slot->key, slot->key_len, slot->mark, slot->generation, &p);
}

/* The shared path of the four read endpoints. The rights checked, the cache's change mark and
 * the rows read come from one snapshot of the store, which ends before the egress log (a
 * write) and the response. */
static int read_page(struct rk_taxii_conn *c, rk_store_row_fn fn, const char *open,
                     const char *list_key, int with_next)
{
    struct cache_slot slot;
    struct rk_store_visibility vis;
    struct rk_store_page sp;
    struct rk_store_query q;
    struct rk_buf b;
    struct sent sent;
    struct page pg = {c, &b, 0, 0, 0, 0, NULL};
    int rc, missing = 0;

    c->audit.action = "read";
    c->audit.endpoint = endpoint_name(c->req.route.ep);
    memset(&sent, 0, sizeof(sent));
    rk_buf_init(&b, c->srv->cfg.max_response_bytes + RESPONSE_SLACK);
    if ((rc = rk_taxii_snapshot_begin(c)) != 0 || rk_taxii_need_collection(c, 0) != 0)
        goto out;
    cache_slot(c, fn, &slot);
    if (answer_cached(c, &slot, &rc))
        goto out;
    if ((rc = build_query(c, &q, &vis)) == RK_EFORMAT) {
        rc = rk_taxii_respond_error(c, 400, NULL, "%s", c->err.message);
        goto out;
    }
    if (rc != 0)
        goto out;
    if (sent_to_partner(c, fn) && (rc = sent_begin(c, &sent)) != 0)
        goto out;
    pg.sent = sent.arena ? &sent : NULL;
    /* one allocation for a typical page (about 1 KiB per object), not a doubling series */
    rk_buf_reserve(&b, q.limit && q.limit < 4096 ? q.limit * 1024 + 1024 : 64 * 1024);
    rk_buf_puts(&b, open);
    rc = rk_store_query(c->st, &q, fn, &pg, &sp, &c->err);
    if (rc == STOP_FULL)
        rc = 0;
    if (rc == 0 && pg.count == 0 && c->req.route.object_id)
        rc = respond_missing(c, &vis, &missing);
    rk_taxii_snapshot_end(c);
    if (rc == 0 && !missing &&
        (rc = close_body(c, &pg, list_key, sp.more || pg.truncated, with_next)) == 0 &&
        (rc = sent_log(c, &sent)) == 0) {
        keep_page(&slot, &pg, &q);
        rc = respond_page(c, &pg, &q);
    }
out:
    rk_taxii_snapshot_end(c);
    rk_buf_free(&b);
    sent_free(&sent);
    return rc;
}

int rk_taxii_get_objects(struct rk_taxii_conn *c)
{
    return read_page(c, object_row, "{\"objects\":", "objects", 1);
}

/* The manifest (5.3.1) and versions (5.8.1) resource tables list "more" but not "next", yet
 * both endpoints take the next URL parameter (and section 3.5 lets a paged response carry one),
 * and clients such as the OASIS taxii2-client page every endpoint by "next": so they get it. */
int rk_taxii_get_manifest(struct rk_taxii_conn *c)
{
    return read_page(c, manifest_row, "{\"objects\":", "objects", 1);
}

int rk_taxii_get_versions(struct rk_taxii_conn *c)
{
    return read_page(c, version_row, "{\"versions\":", "versions", 1);
}

int rk_taxii_delete_object(struct rk_taxii_conn *c)
{
    struct rk_store_visibility vis;
    struct rk_store_query q;
    uint64_t deleted = 0;
    int rc;

    c->audit.action = "delete";
    c->audit.endpoint = "object";
    if (rk_taxii_need_collection(c, 0) != 0)
        return 0;
    /* DELETE needs both rights (5.7); renkei also asks for the admin role */
    if (!c->can_write || c->who.p.role != RK_ROLE_ADMIN)
        return rk_taxii_respond_error(c, 403, NULL, "deleting objects needs write access to "
                                                    "the collection and the admin role");
    if ((rc = build_query(c, &q, &vis)) != 0)
        return rc == RK_EFORMAT ? rk_taxii_respond_error(c, 400, NULL, "%s", c->err.message)
                                : rc;
    if (c->req.filter.versions == 0 && c->req.filter.n_version_values == 0)
        q.versions = RK_VERSIONS_ALL; /* no version filter: the whole object */
    q.added_after_us = 0;
    q.limit = 0;
    /* an administrator deletes only what its organisation owns, unless it is the node's own */
    if (!c->who.p.org || strcmp(c->who.p.org, c->access->node_org) != 0)
        q.owner_org = c->who.p.org ? c->who.p.org : "";
    pthread_mutex_lock(&c->srv->write_lock);
    rc = rk_store_delete(c->st, &q, &deleted, &c->err);
    pthread_mutex_unlock(&c->srv->write_lock);
    if (rc != 0)
        return rc;
    c->audit.count = (int64_t)deleted;
    c->audit.detail = c->req.route.object_id;
    if (deleted == 0)
        return rk_taxii_respond_error(c, 404, NULL,
                                      "no object %s in collection %.100s that you may see and "
                                      "delete (an administrator deletes what its organisation "
                                      "owns, the node's own organisation anything)",
                                      c->req.route.object_id, c->req.route.collection);
    return rk_taxii_respond(c, 200, NULL, NULL, NULL);
}
