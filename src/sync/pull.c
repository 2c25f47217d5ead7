/* pull.c - pull one remote collection into a local one, page by page.
 *
 * Pages are fetched into a group (up to GROUP_PAGES, or what arrives in GROUP_US) that is
 * stored in one store transaction together with the cursor after its last page and the
 * group's refused objects, so a crash at any moment leaves the store at a page boundary: the
 * next run asks again from there, and whatever it gets twice is a counted duplicate. Storing
 * several pages per transaction matters on large stores, where each commit rewrites the pages
 * of the id index its objects touched; no network wait happens inside a transaction. The
 * cursor is the partner's X-TAXII-Date-Added-Last of the last stored page (section 3.6) and,
 * while the partner is paging with `next`, that token and the added_after it belongs to.
 * Every object passes the STIX validator and the ingress rules (rk_policy_may_accept); what
 * is refused is recorded with the reason and the rest of the page is kept. */
#include "sync/sync_internal.h"

#include <string.h>

#include "renkei/log.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/rktime.h"
#include "stix/readahead.h"

#define ARENA_MAX    ((size_t)64 << 20)
#define EMPTY_PAGES_MAX 3 /* "more" with nothing in it and no way forward: give up */
#define GROUP_PAGES     16                /* pages stored in one transaction at most */
#define GROUP_US        ((int64_t)2000000) /* or those fetched within this time */

struct pull {
    struct rk_sync_ctx *x;
    const struct rk_sync_mapping *m;
    struct rk_provenance prov;
    const char *groups[RK_SHARING_GROUPS_MAX];
    struct rk_collection_sharing sharing;
    struct rk_ingress_terms terms; /* the partner's, with this mapping's number of groups */
    struct rk_pull_cursor cur;
    unsigned limit;
    /* pages fetched and not yet stored, the cursor already past them */
    struct rk_taxii_page group[GROUP_PAGES];
    size_t n_group;
    int64_t group_started_us;
    /* the group being stored */
    struct rk_store_batch *b;
    struct rk_arena *arena;
    struct rk_sync_refusal *ref;
    size_t n_ref, cap_ref;
    uint64_t stored, duplicates, conflicts, refused;
};

/* ---- refusals ------------------------------------------------------------------------------ */

static void refuse(struct pull *pl, const struct rk_stix_item *item, const char *version,
                   const char *reason)
{
    struct rk_sync_refusal *grown, *r;
    char id[RK_ERR_ID_MAX + 16];

    pl->refused++;
    if (item->id[0])
        snprintf(id, sizeof(id), "%s", item->id);
    else
        snprintf(id, sizeof(id), "objects[%zu]", item->index);
    rk_log_warn("refused partner=%s collection=%s object=%s reason=\"%s\"", pl->x->p.name,
                pl->m->remote, id, reason);
    if (pl->n_ref == pl->cap_ref) {
        size_t cap = pl->cap_ref ? pl->cap_ref * 2 : 64;

        if (!(grown = rk_reallocarray(pl->ref, cap, sizeof(*grown))))
            return; /* counted and logged; the record is what is lost */
        pl->ref = grown;
        pl->cap_ref = cap;
    }
    r = &pl->ref[pl->n_ref];
    memset(r, 0, sizeof(*r));
    r->partner = pl->x->p.name;
    r->dir = RK_SYNC_PULL;
    r->collection = pl->m->remote;
    r->object_id = rk_arena_strndup(pl->arena, id, strlen(id));
    r->version = rk_arena_strndup(pl->arena, version ? version : "", version ? strlen(version) : 0);
    r->reason = rk_arena_strndup(pl->arena, reason, strlen(reason));
    if (r->object_id && r->version && r->reason)
        pl->n_ref++;
}

/* The first error of an invalid object as "path: message (byte N)". */
static void refuse_invalid(struct pull *pl, const struct rk_stix_item *item)
{
    const struct rk_stix_finding *f = rk_stix_findings_first_error(item->findings);
    char msg[RK_ERR_MESSAGE_MAX + RK_ERR_PATH_MAX + 64];

    if (f)
        snprintf(msg, sizeof(msg), "invalid STIX: %s%s%s", f->path, f->path[0] ? ": " : "",
                 f->message);
    else
        snprintf(msg, sizeof(msg), "invalid STIX object");
    pl->x->counts.refused_in_by[0]++;
    refuse(pl, item, NULL, msg);
}

/* ---- objects ------------------------------------------------------------------------------- */

/* Check one valid object against the ingress rules and store it. RK_EIO/RK_ENOMEM end the
 * page; anything else refuses the object alone. */
static int take(struct pull *pl, const struct rk_stix_item *item)
{
    const struct rk_stix_object *o = item->object;
    struct rk_store_object so;
    enum rk_put_outcome outcome;
    enum rk_ingress_verdict v;
    enum rk_tlp tlp;
    struct rk_err e;
    int rc;

    v = rk_policy_may_accept(&pl->terms, o, &tlp);
    if (v == RK_INGRESS_CLAIMS_NODE &&
        rk_store_holds(pl->x->st, pl->m->local, rk_stix_object_id(o), rk_stix_object_version(o)))
        v = RK_INGRESS_ACCEPT;
    if (v != RK_INGRESS_ACCEPT) {
        pl->x->counts.refused_in_by[v]++;
        refuse(pl, item, rk_stix_object_version(o), rk_ingress_verdict_text(v));
        return 0;
    }
    rk_store_object_from_stix(&so, o);
    so.tlp = (int)tlp;
    rk_err_clear(&e);
    if ((rc = rk_store_batch_put(pl->b, &so, &outcome, NULL, &e)) != 0) {
        if (rc == RK_EIO || rc == RK_ENOMEM)
            return rc;
        refuse(pl, item, rk_stix_object_version(o), e.message);
        return 0;
    }
    pl->stored += outcome == RK_PUT_STORED;
    pl->duplicates += outcome == RK_PUT_DUPLICATE;
    pl->conflicts += outcome == RK_PUT_CONFLICT;
    return 0;
}

/* Read every object of the page into the batch. */
static int read_page(struct pull *pl, const struct rk_taxii_page *page, struct rk_err *err)
{
    struct rk_stix_readahead *ra = NULL;
    struct rk_stix_reader *r = NULL;
    struct rk_stix_options opt;
    const struct rk_stix_item *item;
    struct rk_err e;
    uint64_t position;
    size_t seen = 0;
    int rc;

    if (page->n_objects == 0 || page->objects_len == 0)
        return 0; /* an envelope without objects (the end of a collection) */
    rk_stix_options_init(&opt);
    opt.max_object_bytes = pl->x->opt->max_object_bytes;
    rk_err_clear(&e);
    /* only the envelope's objects list: the reader takes a JSON array of objects, on a thread
     * of its own while this one stores (stix/readahead.c) */
    if ((rc = rk_stix_reader_open_mem(&r, page->body + page->objects_at, page->objects_len,
                                      &opt, err)) != 0)
        return rc;
    if ((rc = rk_stix_readahead_open(&ra, r, err)) != 0) {
        rk_stix_reader_free(r);
        return rc;
    }
    while ((rc = rk_stix_readahead_next(ra, &item, &position, &e)) == 1) {
        int stored = 0;

        seen = item->index + 1;
        if (!item->object)
            refuse_invalid(pl, item);
        else
            stored = take(pl, item); /* the item is the read-ahead's, freed on its thread */
        if (stored != 0) {
            rk_stix_readahead_close(ra);
            rk_stix_reader_free(r);
            return rk_err_set(err, stored, "storing objects from %s failed: %s", pl->x->p.name,
                              rk_strerror(stored));
        }
    }
    rk_stix_readahead_close(ra);
    if (rc < 0) {
        /* the rest of the page cannot be read: say so, keep what was read, move on */
        struct rk_stix_item rest = {.index = seen};

        snprintf(rest.id, sizeof(rest.id), "objects[%zu..]", seen);
        refuse(pl, &rest, NULL, e.message[0] ? e.message : "unreadable rest of the page");
    }
    rk_stix_reader_free(r);
    return 0;
}

/* ---- the cursor ---------------------------------------------------------------------------- */

/* Microseconds of a timestamp as a server wrote it; -1 when it is not one. */
static int64_t ts_us(const char *s)
{
    struct rk_time t;

    if (!s || !s[0] || rk_time_parse(&t, s, strlen(s), RK_TIME_RFC3339, NULL) != 0)
        return -1;
    return rk_time_to_us(&t);
}

/* Move the cursor past a fetched page that was asked for with added_after `after`. */
static void advance(struct pull *pl, const struct rk_taxii_page *page, const char *after)
{
    struct rk_pull_cursor *c = &pl->cur;
    int64_t last = ts_us(page->date_last), was = ts_us(c->added_after);
    char base[RK_PULL_TIME_MAX];

    snprintf(base, sizeof(base), "%s", after ? after : ""); /* after may point into c */

    if (last >= 0 && last >= was)
        snprintf(c->added_after, sizeof(c->added_after), "%s", page->date_last);
    else if (page->n_objects > 0)
        rk_log_warn("partner=%s collection=%s: X-TAXII-Date-Added-Last '%.64s' is %s; the "
                    "cursor stays at '%s'", pl->x->p.name, pl->m->remote, page->date_last,
                    last < 0 ? "missing or not a timestamp" : "before the cursor",
                    c->added_after);
    if (page->more && page->next[0]) {
        memcpy(c->base, base, sizeof(c->base));
        snprintf(c->next, sizeof(c->next), "%s", page->next);
    } else {
        c->base[0] = c->next[0] = '\0';
    }
    if (!page->more)
        c->caught_up_us = rk_time_now_us();
    c->updated_us = rk_time_now_us();
    c->pages++;
}

/* Forget the group: its pages, refusals and counts. */
static void group_clear(struct pull *pl)
{
    for (size_t i = 0; i < pl->n_group; i++)
        rk_taxii_page_free(&pl->group[i]);
    pl->n_group = 0;
    pl->n_ref = 0;
    pl->stored = pl->duplicates = pl->conflicts = pl->refused = 0;
    if (pl->arena)
        rk_arena_reset(pl->arena);
}

/* Take a fetched page into the group (the group owns its body from here on). */
static void group_add(struct pull *pl, struct rk_taxii_page *page)
{
    pl->group[pl->n_group++] = *page;
    memset(page, 0, sizeof(*page));
}

/* Store now: the last page, a full group, or 2 s since the group's first request began (so a
 * slow partner's pages are stored as they come). */
static int group_due(const struct pull *pl, int more)
{
    return !more || pl->n_group == GROUP_PAGES ||
           rk_time_now_us() - pl->group_started_us >= GROUP_US;
}

/* Store the group (possibly no page: only refusals and the cursor move), its refusals and the
 * cursor in one transaction; the group is empty afterwards, stored or not. */
static int store_group(struct pull *pl, struct rk_err *err)
{
    struct rk_sync_counts *k = &pl->x->counts;
    struct rk_pull_cursor *c = &pl->cur;
    int rc;

    if ((rc = rk_store_batch_begin(&pl->b, pl->x->st, pl->m->local, &pl->prov, err)) != 0)
        goto out;
    for (size_t i = 0; i < pl->n_group && rc == 0; i++)
        rc = read_page(pl, &pl->group[i], err);
    if (rc != 0)
        goto out;
    c->stored += pl->stored;
    c->duplicates += pl->duplicates;
    c->conflicts += pl->conflicts;
    c->refused += pl->refused;
    if ((rc = rk_store_sync_refusal_add_batch(pl->b, pl->ref, pl->n_ref, err)) != 0 ||
        (rc = rk_store_pull_cursor_put(pl->b, pl->x->p.name, pl->m->remote, pl->m->local, c,
                                       err)) != 0)
        goto out;
    rc = rk_store_batch_commit(pl->b, err);
    pl->b = NULL;
    if (rc == 0) {
        k->pages += pl->n_group;
        k->stored += pl->stored;
        k->duplicates += pl->duplicates;
        k->conflicts += pl->conflicts;
        k->refused_in += pl->refused;
    }
out:
    rk_store_batch_abort(pl->b);
    pl->b = NULL;
    group_clear(pl);
    return rc;
}

/* ---- oversized objects --------------------------------------------------------------------- */

struct first_record {
    char id[RK_TAXII_ID_MAX];
    char date_added[RK_TAXII_TS_MAX];
    char version[RK_TAXII_TS_MAX];
    int seen;
};

static int note_first(const struct rk_taxii_manifest_record *r, void *ctx)
{
    struct first_record *f = ctx;

    if (f->seen++)
        return 0;
    snprintf(f->id, sizeof(f->id), "%s", r->id);
    snprintf(f->date_added, sizeof(f->date_added), "%s", r->date_added);
    snprintf(f->version, sizeof(f->version), "%s", r->version);
    return 0;
}

/* One object alone is larger than a response may be: find it in the manifest, refuse it and
 * move the cursor past it. */
static int skip_oversized(struct pull *pl, const struct rk_taxii_get *g, struct rk_err *err)
{
    struct rk_taxii_get one = *g;
    struct first_record f = {0};
    struct rk_stix_item item = {0};
    char next[RK_TAXII_NEXT_MAX], reason[160];
    int more = 0, rc;

    one.limit = 1;
    if ((rc = rk_taxii_client_get_manifest(pl->x->client, pl->m->remote, &one, note_first, &f,
                                           &more, next, NULL, err)) != 0)
        return rc;
    if (!f.seen || ts_us(f.date_added) < 0 || ts_us(f.date_added) <= ts_us(pl->cur.added_after))
        return rk_err_set(err, RK_EFORMAT, "a response of one object from %s is larger than %zu "
                          "bytes, and its manifest does not say where it is",
                          pl->x->p.name, pl->x->opt->max_response_bytes);
    if ((rc = store_group(pl, err)) != 0) /* the cursor moves past them below */
        return rc;
    snprintf(item.id, sizeof(item.id), "%.150s", f.id);
    snprintf(reason, sizeof(reason), "larger than a response may be (%zu bytes)",
             pl->x->opt->max_response_bytes);
    refuse(pl, &item, f.version, reason);
    snprintf(pl->cur.added_after, sizeof(pl->cur.added_after), "%s", f.date_added);
    pl->cur.base[0] = pl->cur.next[0] = '\0';
    return store_group(pl, err);
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Warn when the partner's added_after window (AIS: 48 hours) is about to pass the cursor. */
static void check_window(struct pull *pl)
{
    const struct rk_partner *p = &pl->x->p;
    int64_t now = rk_time_now_us(), at = pl->cur.caught_up_us, window;

    if (!p->window_s || !at)
        return;
    window = (int64_t)p->window_s * 1000000;
    if (now - at > window) {
        rk_log_error("partner=%s collection=%s: the last complete pull was %lld h ago, longer "
                     "than the partner's %u h added_after window: objects added in between "
                     "may be out of reach; sync more often (partner set --interval)", p->name,
                     pl->m->remote, (long long)((now - at) / 3600000000LL), p->window_s / 3600);
        pl->x->counts.window_at_risk = 1;
    } else if (now - at > window / 2) {
        rk_log_warn("partner=%s collection=%s: the last complete pull was %lld min ago, past "
                    "half of the partner's %u h added_after window", p->name, pl->m->remote,
                    (long long)((now - at) / 60000000LL), p->window_s / 3600);
        pl->x->counts.window_at_risk = 1;
    }
}

static int pull_init(struct pull *pl, struct rk_sync_ctx *x, const struct rk_sync_mapping *m,
                     struct rk_err *err)
{
    const char *coll_groups[RK_SHARING_GROUPS_MAX];
    int rc;

    memset(pl, 0, sizeof(*pl));
    pl->x = x;
    pl->m = m;
    pl->limit = x->p.page_size;
    if (!(pl->arena = rk_arena_new(ARENA_MAX)))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if ((rc = rk_store_sharing_get(x->st, m->local, &pl->sharing, err)) != 0 ||
        (rc = rk_store_pull_cursor_get(x->st, x->p.name, m->remote, m->local, &pl->cur, err)))
        return rc;
    for (size_t i = 0; i < pl->sharing.n_groups; i++)
        coll_groups[i] = pl->sharing.groups[i];
    pl->prov.kind = RK_PROV_PARTNER;
    pl->prov.source = x->p.name;
    pl->prov.org = x->node_org;
    pl->prov.groups = pl->groups;
    pl->prov.n_groups = rk_policy_received_groups(
            coll_groups, pl->sharing.n_groups, (const char *const *)x->groups,
            x->n_groups < RK_SHARING_GROUPS_MAX ? x->n_groups : RK_SHARING_GROUPS_MAX,
            pl->groups);
    pl->terms = x->terms;
    pl->terms.n_groups = pl->prov.n_groups;
    if (pl->prov.n_groups > 1)
        rk_log_warn("partner=%s collection=%s: local collection %s shares %zu sharing groups "
                    "with the partner (%s, %s%s), so its TLP:AMBER objects are refused; give "
                    "each group its own collection",
                    x->p.name, m->remote, m->local, pl->prov.n_groups, pl->groups[0], pl->groups[1],
                    pl->prov.n_groups > 2 ? ", ..." : "");
    return 0;
}

/* Ask for the next page. A refused paging token falls back to added_after; a response over
 * the cap asks for smaller pages, down to one object, which is then skipped. */
static int fetch(struct pull *pl, struct rk_taxii_page *page, const char **after,
                 struct rk_err *err)
{
    struct rk_taxii_get g;
    int rc;

    for (;;) {
        memset(&g, 0, sizeof(g));
        g.all_versions = 1;
        g.limit = pl->limit;
        g.next = pl->cur.next[0] ? pl->cur.next : NULL;
        g.added_after = g.next ? pl->cur.base : pl->cur.added_after;
        if (g.added_after && !g.added_after[0])
            g.added_after = NULL;
        *after = g.next ? pl->cur.base : pl->cur.added_after;
        rc = rk_taxii_client_get_objects(pl->x->client, pl->m->remote, &g, page, err);
        if (rc == RK_EINVAL && g.next) {
            rk_log_warn("partner=%s collection=%s: the paging token was refused (%s); going on "
                        "from added_after %s", pl->x->p.name, pl->m->remote, err->message,
                        pl->cur.added_after);
            pl->cur.next[0] = pl->cur.base[0] = '\0';
            continue;
        }
        if (rc == RK_ELIMIT && pl->limit > 1) {
            pl->limit /= 2;
            continue;
        }
        if (rc == RK_ELIMIT && (rc = skip_oversized(pl, &g, err)) == 0)
            continue;
        return rc;
    }
}

/* 1 when a page that says "more" gives no way to get further. */
static int stuck(struct pull *pl, const struct rk_taxii_page *page, const char *before_after,
                 const char *before_next, unsigned *empty)
{
    if (!page->more)
        return 0;
    if (page->next[0])
        return strcmp(page->next, before_next) == 0;
    *empty = page->n_objects == 0 ? *empty + 1 : 0;
    return *empty >= EMPTY_PAGES_MAX || strcmp(pl->cur.added_after, before_after) == 0;
}

int rk_sync_pull(struct rk_sync_ctx *x, const struct rk_sync_mapping *m, struct rk_err *err)
{
    struct rk_taxii_page page = {0};
    char before_after[RK_PULL_TIME_MAX], before_next[RK_PULL_NEXT_MAX];
    struct pull pl;
    const char *after;
    uint64_t pages = 0;
    unsigned empty = 0;
    int rc, more = 0, is_stuck;

    if ((rc = pull_init(&pl, x, m, err)) != 0)
        goto out;
    check_window(&pl);
    do {
        if (rk_sync_cancelled(x)) {
            rc = rk_err_set(err, RK_EIO, "stopped");
            break;
        }
        memcpy(before_after, pl.cur.added_after, sizeof(before_after));
        memcpy(before_next, pl.cur.next, sizeof(before_next));
        if (pl.n_group == 0)
            pl.group_started_us = rk_time_now_us();
        if ((rc = fetch(&pl, &page, &after, err)) != 0)
            break;
        advance(&pl, &page, after);
        more = page.more;
        is_stuck = stuck(&pl, &page, before_after, before_next, &empty);
        group_add(&pl, &page);
        rk_sync_progress(x, "pull", m->remote);
        if (is_stuck) {
            rc = rk_err_set(err, RK_EFORMAT, "%s says there is more in %s but gives no way to "
                            "get further (no new next token, X-TAXII-Date-Added-Last does not "
                            "advance); the pull stops here", x->p.name, m->remote);
            break;
        }
        if (group_due(&pl, more) && (rc = store_group(&pl, err)) != 0)
            break;
    } while (more && (!x->opt->max_pages || ++pages < x->opt->max_pages));
    if (pl.n_group > 0) { /* fetched before a failure, a stop or the page limit: kept */
        struct rk_err later;
        int stored = store_group(&pl, rc ? &later : err);

        rc = rc ? rc : stored;
    }
    if (rc != 0)
        rk_err_prefix(err, "pull %s -> %s: ", m->remote, m->local);
out:
    rk_taxii_page_free(&page);
    group_clear(&pl);
    rk_free(pl.ref);
    rk_arena_free(pl.arena);
    return rc;
}
