/* server_audit.c - audit records queued by the request threads and appended to the store's
 * audit log by one writer thread, in batches, so a read never waits for a disk write. */
#include "taxii/server.h"

#include <string.h>
#include <time.h>

#include "renkei/log.h"
#include "util/alloc.h"

#define FLUSH_EVERY_MS 200
#define BATCH_MAX      4096

/* A queued record with its strings in one allocation. */
struct queued {
    struct rk_audit_record r;
    char text[];
};

struct rk_taxii_audit {
    pthread_mutex_t lock;
    pthread_cond_t more, room;
    pthread_t thread;
    struct rk_store *st;
    pthread_mutex_t *write_lock;
    struct queued **q;
    size_t n, cap;
    int stopping;
};

static size_t len0(const char *s)
{
    return (s ? strlen(s) : 0) + 1;
}

static const char *copy_into(char **p, const char *s)
{
    const char *start = *p;
    size_t n = len0(s);

    memcpy(*p, s ? s : "", n - 1);
    (*p)[n - 1] = '\0';
    *p += n;
    return start;
}

static struct queued *queued_new(const struct rk_audit_record *r)
{
    size_t n = len0(r->user) + len0(r->org) + len0(r->address) + len0(r->action) +
               len0(r->endpoint) + len0(r->collection) + len0(r->detail);
    struct queued *e = rk_malloc(sizeof(*e) + n);
    char *p;

    if (!e)
        return NULL;
    e->r = *r;
    p = e->text;
    e->r.user = copy_into(&p, r->user);
    e->r.org = copy_into(&p, r->org);
    e->r.address = copy_into(&p, r->address);
    e->r.action = copy_into(&p, r->action);
    e->r.endpoint = copy_into(&p, r->endpoint);
    e->r.collection = copy_into(&p, r->collection);
    e->r.detail = copy_into(&p, r->detail);
    return e;
}

/* Write the n oldest queued records (n <= a->n, at most BATCH_MAX) in one transaction; called
 * with the lock held, drops it while writing. */
static void flush_some(struct rk_taxii_audit *a, size_t n)
{
    struct rk_audit_record batch[BATCH_MAX];
    struct queued *taken[BATCH_MAX];
    struct rk_err err;

    memcpy(taken, a->q, n * sizeof(*taken));
    memmove(a->q, a->q + n, (a->n - n) * sizeof(*a->q));
    a->n -= n;
    pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->lock);
    for (size_t i = 0; i < n; i++)
        batch[i] = taken[i]->r;
    rk_err_clear(&err);
    pthread_mutex_lock(a->write_lock);
    if (rk_store_audit_append(a->st, batch, n, &err) != 0)
        rk_log_error("audit log write failed records=%zu error=\"%s\"", n, err.message);
    pthread_mutex_unlock(a->write_lock);
    for (size_t i = 0; i < n; i++)
        rk_free(taken[i]);
    pthread_mutex_lock(&a->lock);
}

/* Write the records waiting now. Records queued meanwhile wait for the next round: writing
 * them at once would commit continuously under steady traffic, and every commit makes each
 * reader's store handle drop its page cache and remap the database. */
static void flush_waiting(struct rk_taxii_audit *a)
{
    size_t todo = a->n;

    while (todo > 0) {
        size_t n = todo < BATCH_MAX ? todo : BATCH_MAX;

        flush_some(a, n);
        todo -= n;
    }
}

static void *writer(void *arg)
{
    struct rk_taxii_audit *a = arg;

    pthread_mutex_lock(&a->lock);
    for (;;) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += FLUSH_EVERY_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        /* wait for a full batch or the flush interval, whichever comes first */
        while (!a->stopping && a->n < BATCH_MAX &&
               pthread_cond_timedwait(&a->more, &a->lock, &until) == 0)
            ;
        flush_waiting(a);
        if (a->stopping && a->n == 0)
            break;
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

int rk_taxii_audit_start(struct rk_taxii_audit **out, const char *dir,
                         pthread_mutex_t *write_lock, struct rk_err *err)
{
    struct rk_taxii_audit *a = rk_calloc(1, sizeof(*a));
    int rc;

    *out = NULL;
    if (!a)
        return rk_err_set(err, RK_ENOMEM, "out of memory for the audit queue");
    if ((rc = rk_store_open(&a->st, dir, 0, err)) != 0) {
        rk_free(a);
        return rc;
    }
    a->write_lock = write_lock;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->more, NULL);
    pthread_cond_init(&a->room, NULL);
    if (pthread_create(&a->thread, NULL, writer, a) != 0) {
        rk_store_close(a->st);
        rk_free(a);
        return rk_err_set(err, RK_EIO, "cannot start the audit writer thread");
    }
    *out = a;
    return 0;
}

void rk_taxii_audit_add(struct rk_taxii_audit *a, const struct rk_audit_record *r)
{
    struct queued *e = queued_new(r), **grown;

    if (!e) {
        rk_log_error("audit record lost: out of memory action=%s user=%s", r->action, r->user);
        return;
    }
    pthread_mutex_lock(&a->lock);
    while (a->n >= RK_TAXII_AUDIT_BACKLOG && !a->stopping)
        pthread_cond_wait(&a->room, &a->lock);
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;

        if (!(grown = rk_reallocarray(a->q, cap, sizeof(*grown)))) {
            pthread_mutex_unlock(&a->lock);
            rk_free(e);
            rk_log_error("audit record lost: out of memory action=%s", r->action);
            return;
        }
        a->q = grown;
        a->cap = cap;
    }
    a->q[a->n++] = e;
    if (a->n >= BATCH_MAX)
        pthread_cond_signal(&a->more);
    pthread_mutex_unlock(&a->lock);
}

void rk_taxii_audit_stop(struct rk_taxii_audit *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->stopping = 1;
    pthread_cond_broadcast(&a->more);
    pthread_cond_broadcast(&a->room);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    for (size_t i = 0; i < a->n; i++) /* the writer flushed everything; this is a safeguard */
        rk_free(a->q[i]);
    rk_free(a->q);
    rk_store_close(a->st);
    pthread_cond_destroy(&a->more);
    pthread_cond_destroy(&a->room);
    pthread_mutex_destroy(&a->lock);
    rk_free(a);
}
