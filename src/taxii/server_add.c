/* server_add.c - Add Objects (section 5.5): validate each object of the envelope, store the
 * valid ones in one transaction stamped with the poster's provenance, and answer 202 with a
 * status resource (4.3.1) that lists every success and every failure with its reason. The
 * request is processed while the client waits, so the status is "complete" at once; it is also
 * kept in the store for GET {api-root}/status/{id}/. */
#include "taxii/server.h"

#include <string.h>

#include "renkei/log.h"
#include "renkei/stix.h"
#include "renkei/store_sync.h"
#include "util/alloc.h"
#include "util/rktime.h"
#include "util/uuid.h"

#define STATUS_BODY_MAX ((size_t)256 << 20)

/* The status resource being built: successes and failures as JSON list items. */
struct add_run {
    struct rk_taxii_conn *c;
    struct rk_store *st; /* the server's writer handle: used holding write_lock */
    struct rk_store_batch *batch;
    struct rk_buf ok, failed;
    size_t n_total, n_ok, n_failed;
    enum rk_tlp assume; /* stored TLP for unmarked objects (RK_TLP_NONE: keep unmarked) */
    int reject_unmarked;
    int from_partner;   /* a sync account: the partner's ingress terms apply */
    struct rk_ingress_terms terms;
    struct rk_stix_item *valid; /* objects that passed validation, waiting to be stored */
    size_t n_valid, cap_valid;
    /* a sync account's failures, also kept as the partner's refusals (`partner refused`) */
    const char *partner; /* NULL: not a sync account */
    struct rk_sync_refusal *refusals;
    size_t n_refusals, cap_refusals;
};

static void status_detail(struct rk_buf *b, const char *id, const char *version,
                          const char *message)
{
    rk_buf_putc(b, rk_buf_len(b) ? ',' : '[');
    rk_buf_puts(b, "{\"id\":");
    rk_buf_json_string(b, id, strlen(id));
    rk_buf_puts(b, ",\"version\":");
    rk_buf_json_string(b, version, strlen(version));
    if (message) {
        rk_buf_puts(b, ",\"message\":");
        rk_buf_json_string(b, message, strlen(message));
    }
    rk_buf_putc(b, '}');
}

/* Keep a sync account's failure as a refusal of its partner (direction "in", our collection);
 * a refusal that cannot be kept is still in the status resource and the log. */
static void note_refusal(struct add_run *r, const char *id, const char *version,
                         const char *reason)
{
    struct rk_arena *a = r->c->arena;
    struct rk_sync_refusal *grown, *f;

    if (r->n_refusals == r->cap_refusals) {
        size_t cap = r->cap_refusals ? r->cap_refusals * 2 : 16;

        if (!(grown = rk_reallocarray(r->refusals, cap, sizeof(*grown))))
            return;
        r->refusals = grown;
        r->cap_refusals = cap;
    }
    f = &r->refusals[r->n_refusals];
    memset(f, 0, sizeof(*f));
    f->partner = r->partner;
    f->dir = RK_SYNC_PULL;
    f->collection = r->c->coll->c.id;
    f->object_id = rk_arena_strndup(a, id, strlen(id));
    f->version = rk_arena_strndup(a, version, strlen(version));
    f->reason = rk_arena_strndup(a, reason, strlen(reason));
    if (f->object_id && f->version && f->reason)
        r->n_refusals++;
}

/* Record the sync account's refusals (their own transaction, after the objects'). */
static void save_refusals(struct add_run *r)
{
    struct rk_err err;

    if (r->n_refusals == 0)
        return;
    pthread_mutex_lock(&r->c->srv->write_lock);
    if (rk_store_sync_refusal_add(r->st, r->refusals, r->n_refusals, &err) != 0)
        rk_log_warn("partner=%s: %zu refused objects not recorded: %s", r->partner,
                    r->n_refusals, err.message);
    pthread_mutex_unlock(&r->c->srv->write_lock);
}

static void failure(struct add_run *r, const struct rk_stix_item *item, const char *version,
                    const char *message)
{
    char id[RK_ERR_ID_MAX + 16];

    if (item->id[0])
        snprintf(id, sizeof(id), "%s", item->id);
    else /* status-details needs an id: name the object by its place in the envelope */
        snprintf(id, sizeof(id), "objects[%zu]", item->index);
    status_detail(&r->failed, id, version ? version : "", message);
    r->n_failed++;
    if (r->partner)
        note_refusal(r, id, version ? version : "", message);
}

/* The first error of a rejected object as "path: message (byte N)". */
static void rejected(struct add_run *r, const struct rk_stix_item *item)
{
    const struct rk_stix_finding *f = rk_stix_findings_first_error(item->findings);
    char msg[RK_ERR_MESSAGE_MAX + RK_ERR_PATH_MAX + 64];

    if (f)
        snprintf(msg, sizeof(msg), "%s%s%s (byte %lld)", f->path, f->path[0] ? ": " : "",
                 f->message, f->offset >= 0 ? f->offset : item->offset);
    else
        snprintf(msg, sizeof(msg), "invalid STIX object");
    /* the version offered, as written: modified, else created (4.3.1); "" with neither */
    failure(r, item, item->version, msg);
}

/* The query for the stored versions of so's id and version that the poster may read (all
 * versions when so is unversioned: there is one). version and vis must outlive q. */
static void same_version_query(struct add_run *r, const struct rk_store_object *so,
                               const char **version, struct rk_store_visibility *vis,
                               struct rk_store_query *q)
{
    rk_taxii_reader_visibility(r->c, vis);
    rk_store_query_init(q);
    q->collection = r->c->coll->c.id;
    q->ids = &so->id;
    q->n_ids = 1;
    if (*version) {
        q->version_values = version;
        q->n_version_values = 1;
    } else {
        q->versions = RK_VERSIONS_ALL;
    }
    q->vis = vis;
}

/* Whether the poster may read the stored version a conflicting object collided with. Only then
 * does the status say so: to anyone else the object is reported added, as a new one would be,
 * so that posting cannot probe for objects the poster may not read. The conflict is recorded
 * for the node's operators either way (renkei conflicts), and the stored version is kept. A
 * failure to tell counts as "may not read". */
static int poster_sees_kept(struct add_run *r, const struct rk_store_object *so)
{
    const char *version = so->modified ? so->modified : so->created;
    struct rk_store_visibility vis;
    struct rk_store_query q;
    uint64_t n = 0;

    same_version_query(r, so, &version, &vis, &q);
    q.without_json = 1;
    return rk_store_count(r->st, &q, &n, NULL) == 0 && n > 0;
}

/* The partner's terms (policy.h, ingress): 0 with the TLP to store, or 1 when refused. */
static int partner_refuses(struct add_run *r, const struct rk_stix_item *item,
                           struct rk_store_object *so)
{
    enum rk_tlp tlp;
    enum rk_ingress_verdict v = rk_policy_may_accept(&r->terms, item->object, &tlp);

    /* a claim to be this node's object holds when the node has that version and shows it to
     * this partner (as one it could have received from here); a version the partner may not
     * see answers as one the node never made, so the claim cannot probe for it */
    if (v == RK_INGRESS_CLAIMS_NODE && poster_sees_kept(r, so))
        v = RK_INGRESS_ACCEPT;
    if (v != RK_INGRESS_ACCEPT) {
        failure(r, item, rk_stix_object_version(item->object), rk_ingress_verdict_text(v));
        return 1;
    }
    so->tlp = (int)tlp;
    return 0;
}

/* An exact duplicate being looked for among the stored versions of its id. */
struct duplicate {
    const struct rk_store_object *so;
    int found;
    int64_t date_added_us;
};

static int duplicate_row(const struct rk_store_row *row, void *ctx)
{
    struct duplicate *d = ctx;

    if (row->json_len != d->so->json_len || memcmp(row->json, d->so->json, row->json_len) != 0)
        return 0;
    d->found = 1;
    d->date_added_us = row->date_added_us;
    return 1; /* found: stop */
}

/* Whether the collection holds so exactly (same id, version and canonical JSON) in a row the
 * poster may read; *date_added_out gets that row's date_added. A row the poster may not read
 * does not count, as on every read path, so an unmarked object cannot probe for it. A failure
 * to tell counts as "no". */
static int holds_exactly(struct add_run *r, const struct rk_store_object *so,
                         int64_t *date_added_out)
{
    const char *version = so->modified ? so->modified : so->created;
    struct duplicate d = {so, 0, 0};
    struct rk_store_visibility vis;
    struct rk_store_query q;
    int rc;

    same_version_query(r, so, &version, &vis, &q);
    q.json_only = 1;
    rc = rk_store_query(r->st, &q, duplicate_row, &d, NULL, NULL);
    *date_added_out = d.date_added_us;
    return (rc == 0 || rc == 1) && d.found;
}

/* A success names the object's version; an object without created and modified (an SCO) is
 * named by the date_added of its row, as the manifest and versions endpoints name it. */
static void success(struct add_run *r, const struct rk_store_object *so, int64_t date_added_us)
{
    const char *version = so->modified ? so->modified : so->created;
    char added[RK_TIME_STR_MAX];

    if (!version) {
        rk_time_format_us(date_added_us, added, sizeof(added));
        version = added;
    }
    status_detail(&r->ok, so->id, version, NULL);
    r->n_ok++;
}

/* The date_added a success may name for an object without a version: its row's, unless the
 * row was stored before and the poster may not read it. That date is not told: a value of the
 * batch's sequence stands in, the one a new row would have taken there (the rows after it take
 * the next ones), so the status reads as if the object had been stored. */
static int64_t told_date_added(struct add_run *r, const struct rk_store_object *so,
                               enum rk_put_outcome outcome, int64_t added)
{
    if (so->modified || so->created || outcome == RK_PUT_STORED || poster_sees_kept(r, so))
        return added;
    return rk_store_batch_reserve_added(r->batch);
}

/* An unmarked object posted to a collection with --unmarked reject: refused with a failure,
 * unless it is an exact duplicate of a stored object, which is a success that stores nothing
 * (5.5: no error for an object already present in the collection). */
static void unmarked_rejected(struct add_run *r, const struct rk_stix_item *item,
                              const struct rk_store_object *so)
{
    int64_t added = 0;

    if (holds_exactly(r, so, &added)) {
        success(r, so, added);
        return;
    }
    failure(r, item, rk_stix_object_version(item->object),
            "the object has no TLP marking, and this collection accepts only marked "
            "objects (add object_marking_refs with a TLP marking definition)");
}

/* Whether so would be a new version of another organisation's object: the poster sees versions
 * of the id in the collection, none of them its organisation's, and not this version (a
 * re-post of a stored version is a duplicate or a conflict, which the put decides). STIX 2.1
 * section 3.6: only an object's creator makes new versions of it. Versions the poster may not
 * see do not count, so the answer tells nothing about them; the node's own organisation may
 * version anything; a new id costs a look at the id filter only. A failure to tell is "no". */
static int versions_owned_elsewhere(struct add_run *r, const struct rk_store_object *so)
{
    const char *org = r->c->who.p.org;
    struct rk_store_visibility vis;
    struct rk_store_query q;
    uint64_t n = 0;

    if (!so->modified || !org || strcmp(org, r->c->access->node_org) == 0 ||
        !rk_store_batch_may_hold(r->batch, so->id) || poster_sees_kept(r, so))
        return 0;
    rk_taxii_reader_visibility(r->c, &vis);
    rk_store_query_init(&q);
    q.collection = r->c->coll->c.id;
    q.ids = &so->id;
    q.n_ids = 1;
    q.versions = RK_VERSIONS_ALL;
    q.vis = &vis;
    q.without_json = 1;
    if (rk_store_count(r->st, &q, &n, NULL) != 0 || n == 0)
        return 0;
    q.owner_org = org;
    return rk_store_count(r->st, &q, &n, NULL) == 0 && n == 0;
}

static int store_one(struct add_run *r, const struct rk_stix_item *item)
{
    const struct rk_stix_object *o = item->object;
    struct rk_store_object so;
    enum rk_put_outcome outcome;
    struct rk_err err;
    int64_t added = 0;
    int rc;

    rk_store_object_from_stix(&so, o);
    if (r->from_partner) {
        if (partner_refuses(r, item, &so))
            return 0;
    } else if (rk_stix_object_tlp(o) == RK_TLP_NONE && r->reject_unmarked) {
        unmarked_rejected(r, item, &so);
        return 0;
    } else if (so.tlp == RK_TLP_NONE && r->assume != RK_TLP_NONE) {
        so.tlp = (int)r->assume;
    }
    if (!r->from_partner && versions_owned_elsewhere(r, &so)) {
        failure(r, item, so.modified,
                "another organisation publishes this object here, and only an object's creator "
                "publishes new versions of it (STIX 2.1 section 3.6): post yours under a new id");
        return 0;
    }
    rk_err_clear(&err);
    if ((rc = rk_store_batch_put(r->batch, &so, &outcome, &added, &err)) != 0) {
        if (rc == RK_EIO || rc == RK_ENOMEM) /* the transaction is unusable */
            return rk_err_set(&r->c->err, rc, "storing %s: %s", so.id, err.message);
        failure(r, item, rk_stix_object_version(o), err.message);
        return 0;
    }
    if (outcome == RK_PUT_CONFLICT && poster_sees_kept(r, &so)) {
        failure(r, item, rk_stix_object_version(o),
                "another object with this id and version is stored already; the stored one "
                "is kept");
        return 0;
    }
    /* an exact duplicate is a success (5.5: no error for an object already present) */
    success(r, &so, told_date_added(r, &so, outcome, added));
    return 0;
}

/* Validate every object of the (checked) envelope before taking the write lock, so several
 * posters validate in parallel and the store transaction is short. Valid objects are kept in
 * r->valid; rejected ones go to the failures at once. */
static int read_objects(struct add_run *r, const char *body, size_t len)
{
    struct rk_stix_reader *reader = NULL;
    struct rk_stix_item item, *grown;
    struct rk_stix_options opt;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    memset(&item, 0, sizeof(item));
    rk_stix_options_init(&opt);
    opt.v20 = r->c->srv->cfg.reject_stix20 ? RK_STIX_V20_REJECT : RK_STIX_V20_UPGRADE;
    if ((rc = rk_stix_reader_open_mem(&reader, body, len, &opt, &r->c->err)) != 0)
        return rc;
    while ((rc = rk_stix_reader_next(reader, &item, &err)) == 1) {
        r->n_total++;
        if (!item.object) {
            rejected(r, &item);
            rk_stix_item_clear(&item);
            continue;
        }
        if (r->n_valid == r->cap_valid) {
            size_t cap = r->cap_valid ? r->cap_valid * 2 : 256;

            if (!(grown = rk_reallocarray(r->valid, cap, sizeof(*grown)))) {
                rk_stix_item_clear(&item);
                rc = rk_err_set(&r->c->err, RK_ENOMEM, "out of memory reading the envelope");
                break;
            }
            r->valid = grown;
            r->cap_valid = cap;
        }
        /* the canonical form (cached in the object) is made here, outside the write lock */
        rk_stix_object_canonical(item.object, NULL);
        r->valid[r->n_valid++] = item; /* moved: the array owns it now */
        memset(&item, 0, sizeof(item));
    }
    if (rc < 0 && !r->c->err.message[0])
        rk_err_set(&r->c->err, rc, "%s", err.message);
    rk_stix_reader_free(reader);
    return rc < 0 ? rc : 0;
}

static int store_all(struct add_run *r)
{
    int rc = 0;

    for (size_t i = 0; i < r->n_valid && rc == 0; i++)
        rc = store_one(r, &r->valid[i]);
    return rc;
}

static void free_valid(struct add_run *r)
{
    for (size_t i = 0; i < r->n_valid; i++)
        rk_stix_item_clear(&r->valid[i]);
    rk_free(r->valid);
}

/* A partner node posting (a sync account): the objects keep the partner as their provenance,
 * belong to the node's organisation (they were sent to it) and to the collection's sharing
 * group the partner is in (the partner's when the collection names none), so they are never
 * shared wider than the partner could have meant; its ingress terms apply. When that leaves
 * more than one group, AMBER objects are refused (RK_INGRESS_GROUP_AMBIGUOUS). */
static int begin_partner(struct add_run *r, struct rk_provenance *prov, const char **coll_groups,
                         size_t n_coll)
{
    struct rk_taxii_conn *c = r->c;
    struct rk_partner_view pv;
    const char **groups = NULL;

    rk_taxii_access_partner_view(c->who.user, &pv);
    if (pv.n_groups && !(groups = rk_arena_alloc(c->arena, pv.n_groups * sizeof(*groups))))
        return rk_err_set(&c->err, RK_ENOMEM, "out of memory");
    memset(prov, 0, sizeof(*prov));
    prov->kind = RK_PROV_PARTNER;
    prov->source = pv.name;
    prov->org = c->access->node_org;
    prov->groups = pv.n_groups ? groups : NULL;
    prov->n_groups = pv.n_groups ? rk_policy_received_groups(coll_groups, n_coll, pv.groups,
                                                             pv.n_groups, groups)
                                 : 0;
    r->from_partner = 1;
    rk_taxii_access_ingress_terms(c->access, c->who.user, &r->terms);
    /* several groups: AMBER objects are refused rather than labelled with all of them */
    r->terms.n_groups = prov->n_groups;
    return rk_store_batch_begin(&r->batch, r->st, c->coll->c.id, prov, &c->err);
}

/* Provenance: the poster's organisation owns the objects, the collection's sharing groups and
 * the poster (as a named reader, for TLP:RED) may read them. */
static int begin(struct add_run *r, struct rk_provenance *prov, const char **groups)
{
    const struct rk_collection_sharing *sh = &r->c->coll->sharing;
    struct rk_taxii_who *who = &r->c->who;

    for (size_t i = 0; i < sh->n_groups; i++)
        groups[i] = sh->groups[i];
    if (who->p.role == RK_ROLE_SYNC && who->user)
        return begin_partner(r, prov, groups, sh->n_groups);
    prov->kind = who->p.role == RK_ROLE_SYNC ? "partner" : "user";
    prov->source = who->p.user;
    prov->org = who->p.org;
    prov->groups = groups;
    prov->n_groups = sh->n_groups;
    prov->readers = &who->p.user;
    prov->n_readers = 1;
    r->reject_unmarked = sh->unmarked == RK_UNMARKED_REJECT;
    r->assume = sh->unmarked == RK_UNMARKED_ASSUME ? sh->assume_tlp : RK_TLP_NONE;
    return rk_store_batch_begin(&r->batch, r->st, r->c->coll->c.id, prov, &r->c->err);
}

static int status_json(struct add_run *r, const char *id, struct rk_buf *out)
{
    char now[RK_TIME_STR_MAX];

    rk_time_format_us(r->c->started_us, now, sizeof(now));
    rk_buf_printf(out, "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
                       "\"total_count\":%zu,\"success_count\":%zu",
                  id, now, r->n_total, r->n_ok);
    if (r->n_ok) {
        rk_buf_puts(out, ",\"successes\":");
        rk_buf_append(out, rk_buf_cstr(&r->ok), rk_buf_len(&r->ok));
        rk_buf_putc(out, ']');
    }
    rk_buf_printf(out, ",\"failure_count\":%zu", r->n_failed);
    if (r->n_failed) {
        rk_buf_puts(out, ",\"failures\":");
        rk_buf_append(out, rk_buf_cstr(&r->failed), rk_buf_len(&r->failed));
        rk_buf_putc(out, ']');
    }
    return rk_buf_puts(out, ",\"pending_count\":0}");
}

/* Keep the status and answer 202 with it. */
static int respond_status(struct add_run *r)
{
    struct rk_taxii_conn *c = r->c;
    char id[RK_UUID_STR];
    struct rk_buf out;
    int64_t keep = (int64_t)c->srv->cfg.status_keep_s * 1000000;
    int rc;

    rk_uuid_v4(id);
    rk_buf_init(&out, STATUS_BODY_MAX);
    if ((rc = status_json(r, id, &out)) == 0) {
        pthread_mutex_lock(&c->srv->write_lock);
        rc = rk_store_status_put(r->st, id, c->who.p.user, c->started_us, rk_buf_cstr(&out),
                                 rk_buf_len(&out), c->started_us - keep, &c->err);
        pthread_mutex_unlock(&c->srv->write_lock);
    }
    if (rc == 0) {
        c->audit.detail = rk_arena_strndup(c->arena, id, strlen(id));
        c->audit.count = (int64_t)r->n_ok;
        rc = rk_taxii_respond(c, 202, &out, NULL, NULL);
    }
    rk_buf_free(&out);
    return rc;
}

/* Once per log cycle, when the writer's log is three quarters of the way to its own
 * checkpoint, have the checkpoint thread copy it (server_checkpoint.c). Holding write_lock. */
static void wake_checkpointer(struct rk_taxii_server *srv)
{
    int pages = rk_store_log_pages(srv->writer);

    if (pages < srv->cfg.write_log_pages / 4 * 3) {
        srv->checkpointer_woken = 0;
    } else if (!srv->checkpointer_woken) {
        srv->checkpointer_woken = 1;
        rk_taxii_checkpointer_wake(srv->checkpointer);
    }
}

int rk_taxii_post_objects(struct rk_taxii_conn *c)
{
    struct add_run r = {.c = c, .st = c->srv->writer};
    const char *groups[RK_SHARING_GROUPS_MAX];
    struct rk_provenance prov;
    int rc;

    c->audit.action = "write";
    c->audit.endpoint = "objects";
    if (rk_taxii_need_collection(c, 1) != 0)
        return 0;
    if (rk_taxii_envelope_check(rk_buf_cstr(&c->body), rk_buf_len(&c->body), &c->err) != 0)
        return rk_taxii_respond_error(c, 422, NULL, "%s", c->err.message);
    rk_buf_init(&r.ok, STATUS_BODY_MAX);
    rk_buf_init(&r.failed, STATUS_BODY_MAX);
    if (c->who.p.role == RK_ROLE_SYNC && c->who.user) {
        struct rk_partner_view pv;

        rk_taxii_access_partner_view(c->who.user, &pv);
        r.partner = pv.name;
    }
    if ((rc = read_objects(&r, rk_buf_cstr(&c->body), rk_buf_len(&c->body))) == 0 &&
        r.n_valid > 0) {
        pthread_mutex_lock(&c->srv->write_lock);
        if ((rc = begin(&r, &prov, groups)) == 0 && (rc = store_all(&r)) == 0) {
            rc = rk_store_batch_commit(r.batch, &c->err);
            r.batch = NULL;
        }
        rk_store_batch_abort(r.batch);
        wake_checkpointer(c->srv);
        pthread_mutex_unlock(&c->srv->write_lock);
    }
    free_valid(&r);
    save_refusals(&r);
    rk_free(r.refusals);
    if (rc == RK_EFORMAT) /* the reader could not go on: malformed beyond the envelope check */
        rc = rk_taxii_respond_error(c, 422, NULL, "%s (nothing was stored)", c->err.message);
    else if (rc == 0)
        rc = respond_status(&r);
    rk_buf_free(&r.ok);
    rk_buf_free(&r.failed);
    return rc;
}
