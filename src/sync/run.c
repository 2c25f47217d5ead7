/* run.c - one sync run of one partner: load what the rules need (the partner's terms and
 * groups, the node's default TLP, organisation and identity), connect, pull every pull mapping,
 * push every push mapping, and record the outcome in the partner's state. */
#include "sync/sync_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "renkei/log.h"
#include "util/alloc.h"
#include "util/rktime.h"

void rk_sync_options_init(struct rk_sync_options *o)
{
    memset(o, 0, sizeof(*o));
    o->pull = 1;
    o->push = 1;
    o->push_batch = 1000;
    o->max_object_bytes = (size_t)4 << 20;
    o->max_response_bytes = (size_t)256 << 20;
    o->status_wait_s = 60;
}

int rk_sync_cancelled(const struct rk_sync_ctx *x)
{
    return x->opt->cancelled && x->opt->cancelled(x->opt->cancel_ctx);
}

/* The client's transfer counters into the run's. */
static void note_transfer(struct rk_sync_ctx *x)
{
    struct rk_taxii_client_stats s;

    if (!x->client)
        return;
    rk_taxii_client_stats(x->client, &s);
    x->counts.requests = s.requests;
    x->counts.bytes_in = s.bytes_received;
    x->counts.bytes_out = s.bytes_sent;
}

void rk_sync_progress(struct rk_sync_ctx *x, const char *what, const char *collection)
{
    note_transfer(x);
    if (x->opt->progress)
        x->opt->progress(x->p.name, what, collection, &x->counts, x->opt->progress_ctx);
}

/* ---- what the rules need ------------------------------------------------------------------- */

static int add_group(const char *group, void *ctx)
{
    struct rk_sync_ctx *x = ctx;
    char **grown = rk_reallocarray(x->groups, x->n_groups + 1, sizeof(*grown));

    if (!grown)
        return RK_ENOMEM;
    x->groups = grown;
    if (!(x->groups[x->n_groups] = rk_strdup(group)))
        return RK_ENOMEM;
    x->n_groups++;
    return 0;
}

static void load_node(struct rk_sync_ctx *x)
{
    char tlp[32];
    enum rk_tlp t;

    x->policy.default_tlp = RK_TLP_AMBER;
    if (rk_store_setting_get(x->st, "node.default_tlp", tlp, sizeof(tlp), NULL) == 0 &&
        rk_tlp_parse(tlp, &t) == 0 && t != RK_TLP_NONE)
        x->policy.default_tlp = t;
    if (rk_store_setting_get(x->st, "node.org", x->node_org, sizeof(x->node_org), NULL) != 0)
        x->node_org[0] = '\0';
    if (rk_store_setting_get(x->st, "node.identity", x->node_identity,
                             sizeof(x->node_identity), NULL) != 0)
        x->node_identity[0] = '\0';
}

static int load(struct rk_sync_ctx *x, const char *partner, struct rk_err *err)
{
    int rc;

    if ((rc = rk_store_partner_get(x->st, partner, &x->p, err)) != 0)
        return rc;
    load_node(x);
    if ((rc = rk_store_org_groups(x->st, x->p.org, add_group, x, err)) != 0 &&
        rc != RK_ENOTFOUND)
        return rc == RK_ENOMEM ? rk_err_set(err, rc, "out of memory") : rc;
    x->view.name = x->p.name;
    x->view.org = x->p.org;
    x->view.groups = (const char *const *)x->groups;
    x->view.n_groups = x->n_groups;
    x->view.ceiling = x->p.ceiling;
    x->terms.ceiling = x->p.ceiling;
    x->terms.refuse_unmarked = x->p.refuse_unmarked;
    x->terms.unmarked = x->p.unmarked;
    x->terms.node_identity = x->node_identity;
    return 0;
}

static int cancelled_cb(void *ctx)
{
    const struct rk_sync_options *o = ctx;

    return o && o->cancelled && o->cancelled(o->cancel_ctx);
}

int rk_sync_connect(const struct rk_partner *p, const struct rk_sync_options *o,
                    struct rk_taxii_client **out, struct rk_err *err)
{
    struct rk_taxii_client_config cfg;

    rk_taxii_client_config_init(&cfg);
    cfg.url = p->url;
    cfg.api_root = p->api_root[0] ? p->api_root : NULL;
    if (p->auth == RK_PARTNER_AUTH_BASIC) {
        cfg.user = p->user;
        cfg.password = p->secret;
    } else if (p->auth == RK_PARTNER_AUTH_BEARER) {
        cfg.bearer = p->secret;
    }
    cfg.client_cert = p->client_cert[0] ? p->client_cert : NULL;
    cfg.client_key = p->client_key[0] ? p->client_key : NULL;
    cfg.ca_file = p->ca_file[0] ? p->ca_file : NULL;
    cfg.fingerprint = p->fingerprint[0] ? p->fingerprint : NULL;
    cfg.allow_http = p->insecure_http;
    cfg.timeout_s = p->timeout_s;
    if (o)
        cfg.max_response_bytes = o->max_response_bytes;
    cfg.cancelled = cancelled_cb;
    cfg.cancel_ctx = (void *)o;
    return rk_taxii_client_new(out, &cfg, err);
}

static void ctx_free(struct rk_sync_ctx *x)
{
    rk_taxii_client_free(x->client);
    for (size_t i = 0; i < x->n_groups; i++)
        rk_free(x->groups[i]);
    rk_free(x->groups);
    explicit_bzero(x->p.secret, sizeof(x->p.secret));
}

/* ---- the mappings -------------------------------------------------------------------------- */

struct mappings {
    struct rk_sync_mapping *v;
    size_t n;
};

static int keep_mapping(const struct rk_sync_mapping *m, void *ctx)
{
    struct mappings *ms = ctx;
    struct rk_sync_mapping *grown = rk_reallocarray(ms->v, ms->n + 1, sizeof(*grown));

    if (!grown)
        return RK_ENOMEM;
    ms->v = grown;
    ms->v[ms->n++] = *m;
    return 0;
}

/* Run each mapping; a failing one is logged and the others still run. */
static int run_mappings(struct rk_sync_ctx *x, const struct mappings *ms, struct rk_err *err)
{
    struct rk_err one;
    int first = 0, rc;

    for (size_t i = 0; i < ms->n && !rk_sync_cancelled(x); i++) {
        const struct rk_sync_mapping *m = &ms->v[i];

        if ((m->dir == RK_SYNC_PULL && !x->opt->pull) || (m->dir == RK_SYNC_PUSH && !x->opt->push))
            continue;
        rk_err_clear(&one);
        rc = m->dir == RK_SYNC_PULL ? rk_sync_pull(x, m, &one) : rk_sync_push(x, m, &one);
        if (rc == 0)
            continue;
        rk_log_warn("sync failed partner=%s dir=%s remote=%s error=\"%s\"", x->p.name,
                    m->dir == RK_SYNC_PULL ? "pull" : "push", m->remote, one.message);
        if (first == 0) {
            first = rc;
            if (err)
                *err = one;
        }
    }
    if (first == 0 && rk_sync_cancelled(x))
        first = rk_err_set(err, RK_EIO, "stopped");
    return first;
}

/* ---- the partner's state ------------------------------------------------------------------- */

static void record_state(struct rk_sync_ctx *x, int64_t started, int rc, const struct rk_err *e)
{
    struct rk_sync_state s;
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_store_sync_state_get(x->st, x->p.name, &s, &err) != 0)
        memset(&s, 0, sizeof(s));
    s.last_attempt_us = started;
    if (rc == 0) {
        s.last_success_us = rk_time_now_us();
        s.last_error[0] = '\0';
        s.failures = 0;
    } else {
        s.last_error_us = rk_time_now_us();
        snprintf(s.last_error, sizeof(s.last_error), "%s",
                 e && e->message[0] ? e->message : rk_strerror(rc));
        s.failures++;
    }
    if (rk_store_sync_state_put(x->st, x->p.name, &s, &err) != 0)
        rk_log_warn("cannot record the sync state partner=%s error=\"%s\"", x->p.name,
                    err.message);
}

/* DIR/<partner>.lock held with flock: a second run of the same partner (the daemon and a
 * manual `renkei sync`, say) waits for nothing and says so. The kernel drops it when the
 * process dies. */
static int take_lock(const char *dir, const char *partner, int *fd, struct rk_err *err)
{
    char path[4096];

    *fd = -1;
    if (!dir)
        return 0;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(err, RK_EIO, "%s: %s", dir, strerror(errno));
    snprintf(path, sizeof(path), "%s/%s.lock", dir, partner);
    if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
        return rk_err_set(err, RK_EIO, "%s: %s", path, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        close(*fd);
        *fd = -1;
        return rk_err_set(err, RK_EEXISTS, "partner %s is being synced by another run right "
                          "now; try again when it ends", partner);
    }
    return 0;
}

int rk_sync_run(struct rk_store *st, const char *partner, const struct rk_sync_options *o,
                struct rk_sync_counts *out, struct rk_err *err)
{
    struct rk_sync_ctx x;
    struct mappings ms = {NULL, 0};
    int64_t started = rk_time_now_us();
    int rc, lock = -1;

    memset(&x, 0, sizeof(x));
    x.st = st;
    x.opt = o;
    if ((rc = take_lock(o->lock_dir, partner, &lock, err)) != 0)
        goto out_nostate;
    if ((rc = load(&x, partner, err)) != 0)
        goto out_nostate;
    if ((rc = rk_store_mapping_list(st, partner, keep_mapping, &ms, err)) == 0 &&
        (rc = rk_sync_connect(&x.p, o, &x.client, err)) == 0)
        rc = run_mappings(&x, &ms, err);
    note_transfer(&x);
    record_state(&x, started, rc, err);
    rk_log_info("sync run partner=%s stored=%llu duplicates=%llu refused_in=%llu sent=%llu "
                "rc=%d", partner, (unsigned long long)x.counts.stored,
                (unsigned long long)x.counts.duplicates, (unsigned long long)x.counts.refused_in,
                (unsigned long long)x.counts.sent, rc);
out_nostate:
    if (out)
        *out = x.counts;
    rk_free(ms.v);
    ctx_free(&x);
    if (lock >= 0)
        close(lock);
    return rc;
}
