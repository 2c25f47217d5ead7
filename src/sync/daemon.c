/* daemon.c - background sync: a supervisor thread that keeps one worker thread per active
 * partner, and the workers, each with its own store handle, running the partner every
 * interval (sooner after a failure, with backoff). A slow or failing partner only ever delays
 * its own worker. Stopping cancels transfers in flight at once; cursors make that safe. */
#include "renkei/sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "renkei/log.h"
#include "renkei/store_sync.h"
#include "renkei/taxii_client.h"
#include "util/alloc.h"
#include "util/random.h"

#define SUPERVISE_MS   2000   /* how often the partner list is read again */
#define RETRY_FIRST_MS 2000   /* the first retry after a failed run */
#define PATH_MAX_LEN   4096

struct worker {
    struct rk_sync_daemon *d;
    char name[RK_NAME_MAX + 1];
    pthread_t thread;
    atomic_int stop;
    int seen; /* still an active partner at the last supervision */
    struct worker *next;
};

struct rk_sync_daemon {
    char data_dir[PATH_MAX_LEN];
    char lock_dir[PATH_MAX_LEN];
    pthread_t supervisor;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_int stopping;
    struct worker *workers;
    struct rk_store *st; /* the supervisor's */
};

/* Wait up to ms or until woken; 1 when the worker (or everything) should stop. */
static int wait_ms(struct rk_sync_daemon *d, struct worker *w, uint64_t ms)
{
    struct timespec until;
    int stop;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->lock);
    while (!(stop = atomic_load(&d->stopping) || (w && atomic_load(&w->stop))) &&
           pthread_cond_timedwait(&d->wake, &d->lock, &until) == 0)
        ;
    stop = atomic_load(&d->stopping) || (w && atomic_load(&w->stop));
    pthread_mutex_unlock(&d->lock);
    return stop;
}

static int worker_cancelled(void *ctx)
{
    struct worker *w = ctx;

    return atomic_load(&w->d->stopping) || atomic_load(&w->stop);
}

/* The wait after a run: the interval after a success; after failures, a backoff that starts at
 * a few seconds and doubles, with jitter, up to the interval. */
static uint64_t next_wait_ms(const struct rk_partner *p, int rc, uint32_t failures)
{
    uint64_t interval = (uint64_t)p->interval_s * 1000, ms = RETRY_FIRST_MS;
    uint32_t rnd;

    if (rc == 0 || failures == 0)
        return interval;
    for (uint32_t i = 1; i < failures && ms < interval; i++)
        ms *= 2;
    if (ms > interval)
        ms = interval;
    rk_random_bytes(&rnd, sizeof(rnd));
    return ms / 2 + (ms / 2) * rnd / UINT32_MAX;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct rk_sync_daemon *d = w->d;
    struct rk_sync_options o;
    struct rk_store *st = NULL;
    struct rk_partner p;
    struct rk_sync_state s;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    if (rk_store_open(&st, d->data_dir, 0, &err) != 0) {
        rk_log_error("sync worker partner=%s cannot open the store: %s", w->name, err.message);
        return NULL;
    }
    rk_sync_options_init(&o);
    o.lock_dir = d->lock_dir;
    o.cancelled = worker_cancelled;
    o.cancel_ctx = w;
    while (!worker_cancelled(w)) {
        rk_err_clear(&err);
        if (rk_store_partner_get(st, w->name, &p, &err) != 0 || p.paused)
            break;
        rc = rk_sync_run(st, w->name, &o, NULL, &err);
        if (rc != 0 && !worker_cancelled(w))
            rk_log_warn("sync partner=%s failed: %s", w->name, err.message);
        if (rk_store_sync_state_get(st, w->name, &s, NULL) != 0)
            s.failures = rc ? 1 : 0;
        explicit_bzero(p.secret, sizeof(p.secret));
        if (wait_ms(d, w, next_wait_ms(&p, rc, s.failures)))
            break;
    }
    explicit_bzero(p.secret, sizeof(p.secret));
    rk_store_close(st);
    return NULL;
}

/* ---- supervision --------------------------------------------------------------------------- */

static struct worker *find(struct rk_sync_daemon *d, const char *name)
{
    for (struct worker *w = d->workers; w; w = w->next)
        if (strcmp(w->name, name) == 0)
            return w;
    return NULL;
}

static int note_partner(const struct rk_partner *p, void *ctx)
{
    struct rk_sync_daemon *d = ctx;
    struct worker *w;

    if (p->paused)
        return 0;
    if ((w = find(d, p->name)) != NULL) {
        w->seen = 1;
        return 0;
    }
    if (!(w = rk_calloc(1, sizeof(*w))))
        return RK_ENOMEM;
    w->d = d;
    snprintf(w->name, sizeof(w->name), "%s", p->name);
    atomic_init(&w->stop, 0);
    w->seen = 1;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        rk_free(w);
        return RK_EIO;
    }
    rk_log_info("sync started partner=%s interval=%us", p->name, p->interval_s);
    w->next = d->workers;
    d->workers = w;
    return 0;
}

/* Stop and join the workers whose partner is gone or paused (all of them with all set). */
static void reap(struct rk_sync_daemon *d, int all)
{
    struct worker **pp = &d->workers;

    while (*pp) {
        struct worker *w = *pp;

        if (w->seen && !all) {
            pp = &w->next;
            continue;
        }
        atomic_store(&w->stop, 1);
        pthread_mutex_lock(&d->lock);
        pthread_cond_broadcast(&d->wake);
        pthread_mutex_unlock(&d->lock);
        pthread_join(w->thread, NULL);
        rk_log_info("sync stopped partner=%s", w->name);
        *pp = w->next;
        rk_free(w);
    }
}

static void *supervise(void *arg)
{
    struct rk_sync_daemon *d = arg;
    struct rk_err err;

    do {
        for (struct worker *w = d->workers; w; w = w->next)
            w->seen = 0;
        rk_err_clear(&err);
        if (rk_store_partner_list(d->st, note_partner, d, &err) != 0) {
            rk_log_warn("sync cannot read the partners: %s", err.message);
            for (struct worker *w = d->workers; w; w = w->next)
                w->seen = 1; /* keep them running */
        }
        reap(d, 0);
    } while (!wait_ms(d, NULL, SUPERVISE_MS));
    reap(d, 1);
    return NULL;
}

int rk_sync_daemon_start(struct rk_sync_daemon **out, const char *data_dir, struct rk_err *err)
{
    struct rk_sync_daemon *d = NULL;
    pthread_condattr_t ca;
    int rc;

    *out = NULL;
    rk_taxii_client_global_init();
    if (!(d = rk_calloc(1, sizeof(*d))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    snprintf(d->data_dir, sizeof(d->data_dir), "%s", data_dir);
    snprintf(d->lock_dir, sizeof(d->lock_dir), "%s/sync", data_dir);
    if ((rc = rk_store_open(&d->st, data_dir, 0, err)) != 0) {
        rk_free(d);
        return rc;
    }
    atomic_init(&d->stopping, 0);
    pthread_mutex_init(&d->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&d->supervisor, NULL, supervise, d) != 0) {
        rk_store_close(d->st);
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        rk_free(d);
        return rk_err_set(err, RK_EIO, "cannot start the sync thread");
    }
    *out = d;
    return 0;
}

void rk_sync_daemon_stop(struct rk_sync_daemon *d)
{
    if (!d)
        return;
    atomic_store(&d->stopping, 1);
    pthread_mutex_lock(&d->lock);
    pthread_cond_broadcast(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->supervisor, NULL);
    rk_store_close(d->st);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    rk_free(d);
}
