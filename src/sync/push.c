/* push.c - push one local collection to a partner's collection.
 *
 * The local rows are walked in date_added order from the push cursor, every version, each
 * judged by rk_policy_may_send for this partner: refused rows are counted by verdict; allowed
 * ones go into an envelope no larger than the partner's max_content_length. Before the
 * envelope is sent, its objects are appended to the egress log (so nothing leaves unrecorded);
 * after the partner answers, its status is polled and the cursor, the counts and the failures
 * it reported are committed together. A crash in between sends the same objects again (the
 * partner keeps one copy) and logs them again (they did leave again). */
#include "sync/sync_internal.h"

#include <string.h>

#include "renkei/log.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/digest.h"
#include "util/rktime.h"
#include "util/uuid.h"

#define STOP_FULL     1 /* the envelope is full: the row that did not fit goes next time */
#define ARENA_MAX     ((size_t)16 << 20)
#define CONTENT_DEFAULT ((size_t)10 << 20) /* when the API root gives no max_content_length */
#define CONTENT_MAX     ((size_t)64 << 20) /* never build larger envelopes */

struct push {
    struct rk_sync_ctx *x;
    const struct rk_sync_mapping *m;
    struct rk_push_cursor cur;
    struct rk_taxii_envelope env;
    struct rk_arena *arena;
    struct rk_egress_entry *log;
    size_t n_log, cap_log;
    struct rk_sync_refusal *ref; /* too large for the partner */
    size_t n_ref, cap_ref;
    int64_t considered; /* date_added of the last row judged in this round */
    size_t rows;
    char batch[RK_UUID_STR];
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    void *g;
    size_t c;

    if (n < *cap)
        return 0;
    c = *cap ? *cap * 2 : 256;
    if (!(g = rk_reallocarray(*v, c, size)))
        return RK_ENOMEM;
    *v = g;
    *cap = c;
    return 0;
}

static char *keep(struct push *ps, const char *s)
{
    return rk_arena_strndup(ps->arena, s ? s : "", s ? strlen(s) : 0);
}

/* An allowed row that the partner could never accept: larger than its max_content_length. */
static int too_large(struct push *ps, const struct rk_store_row *row)
{
    struct rk_sync_refusal *r;
    char reason[128];

    ps->cur.too_large++;
    ps->x->counts.too_large++;
    if (grow((void **)&ps->ref, &ps->cap_ref, ps->n_ref, sizeof(*ps->ref)) != 0)
        return RK_ENOMEM;
    snprintf(reason, sizeof(reason), "%zu bytes: larger than the partner accepts (%zu)",
             row->json_len, ps->env.max);
    r = &ps->ref[ps->n_ref];
    memset(r, 0, sizeof(*r));
    r->partner = ps->x->p.name;
    r->dir = RK_SYNC_PUSH;
    r->collection = ps->m->remote;
    r->object_id = keep(ps, row->id);
    r->version = keep(ps, row->version);
    r->reason = keep(ps, reason);
    if (!r->object_id || !r->version || !r->reason)
        return RK_ENOMEM;
    ps->n_ref++;
    rk_log_warn("not sent partner=%s object=%s reason=\"%s\"", ps->x->p.name, row->id, reason);
    return 0;
}

static int log_entry(struct push *ps, const struct rk_store_row *row)
{
    struct rk_egress_entry *e;

    if (grow((void **)&ps->log, &ps->cap_log, ps->n_log, sizeof(*ps->log)) != 0)
        return RK_ENOMEM;
    e = &ps->log[ps->n_log];
    memset(e, 0, sizeof(*e));
    e->partner = ps->x->p.name;
    e->collection = ps->m->remote;
    e->object_id = keep(ps, row->id);
    e->version = keep(ps, row->version);
    e->batch = ps->batch;
    rk_sha256(row->json, row->json_len, e->sha256);
    if (!e->object_id || !e->version)
        return RK_ENOMEM;
    ps->n_log++;
    return 0;
}

/* One local row: judged, then into the envelope (or counted as refused). */
static int judge_row(const struct rk_store_row *row, void *ctx)
{
    struct push *ps = ctx;
    struct rk_object_meta m;
    enum rk_egress_verdict v;
    int rc;

    rk_policy_row_meta(row, &m);
    v = rk_policy_may_send(&ps->x->policy, &ps->x->view, &m);
    if (v != RK_EGRESS_SEND) {
        ps->cur.refused[v]++;
        ps->x->counts.refused_out[v]++;
    } else if ((rc = rk_taxii_envelope_add(&ps->env, row->json, row->json_len)) == RK_ELIMIT) {
        return STOP_FULL;
    } else if (rc == RK_EINVAL) {
        if ((rc = too_large(ps, row)) != 0)
            return rc;
    } else if (rc != 0 || (rc = log_entry(ps, row)) != 0) {
        return rc;
    }
    ps->considered = row->date_added_us;
    ps->rows++;
    return 0;
}

/* Fill the envelope from the cursor on. */
static int collect(struct push *ps, struct rk_err *err)
{
    struct rk_store_query q;
    int rc;

    rk_taxii_envelope_reset(&ps->env);
    rk_arena_reset(ps->arena);
    ps->n_log = ps->n_ref = ps->rows = 0;
    ps->considered = ps->cur.date_added;
    rk_uuid_v4(ps->batch);
    rk_store_query_init(&q);
    q.collection = ps->m->local;
    q.added_after_us = ps->cur.date_added;
    q.versions = RK_VERSIONS_ALL;
    q.with_groups = 1;
    q.limit = ps->x->opt->push_batch;
    rc = rk_store_query(ps->x->st, &q, judge_row, ps, NULL, err);
    if (rc == STOP_FULL)
        return 0;
    if (rc == RK_ENOMEM && !err->message[0])
        rk_err_set(err, rc, "out of memory building an envelope");
    return rc;
}

/* The partner's failures as refusals of this batch. */
static int failures(struct push *ps, const struct rk_taxii_status *s)
{
    for (size_t i = 0; i < s->n_failures; i++) {
        struct rk_sync_refusal *r;

        if (grow((void **)&ps->ref, &ps->cap_ref, ps->n_ref, sizeof(*ps->ref)) != 0)
            return RK_ENOMEM;
        r = &ps->ref[ps->n_ref];
        memset(r, 0, sizeof(*r));
        r->partner = ps->x->p.name;
        r->dir = RK_SYNC_PUSH;
        r->collection = ps->m->remote;
        r->object_id = keep(ps, s->failures[i].id);
        r->version = keep(ps, s->failures[i].version);
        r->reason = keep(ps, s->failures[i].message[0] ? s->failures[i].message
                                                        : "refused by the partner");
        if (!r->object_id || !r->version || !r->reason)
            return RK_ENOMEM;
        ps->n_ref++;
    }
    return 0;
}

/* Send the envelope (already logged), wait for its status, commit the cursor with the result. */
static int send_batch(struct push *ps, struct rk_err *err)
{
    struct rk_sync_ctx *x = ps->x;
    struct rk_taxii_status s = {0};
    struct rk_push_result r = {.batch = ps->batch, .partner = x->p.name,
                               .collection = ps->m->remote};
    struct rk_taxii_client_stats stats;
    const char *body;
    size_t len;
    int rc;

    body = rk_taxii_envelope_body(&ps->env, &len);
    if ((rc = rk_taxii_client_add_objects(x->client, ps->m->remote, body, len, &s, err)) == 0)
        rc = rk_taxii_client_wait_status(x->client, &s, x->opt->status_wait_s, err);
    rk_taxii_client_stats(x->client, &stats);
    r.http_status = stats.last_status;
    r.at_us = rk_time_now_us();
    if (rc != 0) {
        /* the cursor stays: the same objects go (and are logged) again next time */
        r.message = err->message;
        r.total = ps->env.count;
        rk_store_push_commit(x->st, x->p.name, ps->m->local, ps->m->remote, NULL, &r, NULL, 0,
                             NULL);
        goto out;
    }
    r.status_id = s.id;
    r.total = s.total;
    r.success = s.success;
    r.failure = s.failure;
    r.pending = s.pending;
    r.message = s.complete ? "" : "still pending when the wait ended";
    ps->cur.batches++;
    ps->cur.sent += ps->env.count;
    ps->cur.failed += s.failure;
    ps->cur.date_added = ps->considered;
    x->counts.batches++;
    x->counts.sent += ps->env.count;
    x->counts.failed_out += s.failure;
    if ((rc = failures(ps, &s)) == 0)
        rc = rk_store_push_commit(x->st, x->p.name, ps->m->local, ps->m->remote, &ps->cur, &r,
                                  ps->ref, ps->n_ref, err);
out:
    rk_taxii_status_free(&s);
    return rc;
}

/* The largest envelope: the partner's max_content_length (asked once per run). */
static int envelope_max(struct rk_sync_ctx *x, size_t *out, struct rk_err *err)
{
    struct rk_taxii_api_root root;
    int rc;

    if (!x->max_content_length) {
        if ((rc = rk_taxii_client_api_root(x->client, &root, err)) != 0)
            return rc;
        x->max_content_length = root.max_content_length;
    }
    /* the partner's limit as it is (a smaller envelope is never refused for its size); none
     * given: the client's default */
    *out = x->max_content_length == 0                  ? CONTENT_DEFAULT
           : x->max_content_length > CONTENT_MAX ? CONTENT_MAX
                                                 : (size_t)x->max_content_length;
    return 0;
}

/* One round: collect, log, send, commit. *done when nothing was left to consider. */
static int round_trip(struct push *ps, int *done, struct rk_err *err)
{
    int rc;

    *done = 0;
    if ((rc = collect(ps, err)) != 0)
        return rc;
    if (ps->rows == 0 && ps->env.count == 0) {
        *done = 1;
        return 0;
    }
    if (ps->env.count == 0) { /* everything judged was refused (or too large): only move on */
        ps->cur.date_added = ps->considered;
        return rk_store_push_commit(ps->x->st, ps->x->p.name, ps->m->local, ps->m->remote,
                                    &ps->cur, NULL, ps->ref, ps->n_ref, err);
    }
    if ((rc = rk_store_egress_append(ps->x->st, ps->log, ps->n_log, err)) != 0)
        return rc;
    return send_batch(ps, err);
}

int rk_sync_push(struct rk_sync_ctx *x, const struct rk_sync_mapping *m, struct rk_err *err)
{
    struct push ps;
    size_t max = 0;
    int rc, done = 0;

    memset(&ps, 0, sizeof(ps));
    ps.x = x;
    ps.m = m;
    if (!(ps.arena = rk_arena_new(ARENA_MAX)))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if ((rc = rk_store_push_cursor_get(x->st, x->p.name, m->local, m->remote, &ps.cur, err)) ||
        (rc = envelope_max(x, &max, err)) != 0)
        goto out;
    rk_taxii_envelope_init(&ps.env, max);
    while (!done) {
        if (rk_sync_cancelled(x)) {
            rc = rk_err_set(err, RK_EIO, "stopped");
            break;
        }
        if ((rc = round_trip(&ps, &done, err)) != 0)
            break;
        if (!done)
            rk_sync_progress(x, "push", m->remote);
    }
out:
    if (rc != 0)
        rk_err_prefix(err, "push %s -> %s: ", m->local, m->remote);
    rk_taxii_envelope_free(&ps.env);
    rk_free(ps.log);
    rk_free(ps.ref);
    rk_arena_free(ps.arena);
    return rc;
}
