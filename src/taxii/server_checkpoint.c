/* server_checkpoint.c - copies most of the write-ahead log into the database on a thread of
 * its own.
 *
 * The writer handle's commit that takes the log past cfg.write_log_pages (taxii.write_log) copies
 * it into the database and syncs both files while Add Objects holds the write lock: two
 * fdatasync calls of 20-40 ms each, some four times a second under a steady stream of
 * envelopes. When the log passes three quarters of that, Add Objects wakes this thread, which
 * runs a passive checkpoint (no lock of the writers', no waiting for readers): most pages
 * are copied and synced outside the write lock, and the writer's own checkpoint has only the
 * last quarter to copy. The writer's checkpoint stays: only a checkpoint that catches up with
 * the last commit lets the next transaction start the log over, and a passive one alone never
 * does under steady writes (the log then grows without bound). Waking on the log's size
 * rather than on a timer copies each page at most twice per cycle. */
#include "taxii/server.h"

#include "renkei/log.h"
#include "util/alloc.h"

struct rk_taxii_checkpointer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping, woken;
    struct rk_store *st;
    uint64_t passes, frames; /* checkpoints run and log frames they copied (under lock) */
};

/* Wait to be woken; 1 when the server is stopping. */
static int wait_for_work(struct rk_taxii_checkpointer *c)
{
    int stopping;

    pthread_mutex_lock(&c->lock);
    while (!c->stopping && !c->woken)
        pthread_cond_wait(&c->wake, &c->lock);
    c->woken = 0;
    stopping = c->stopping;
    pthread_mutex_unlock(&c->lock);
    return stopping;
}

static void *checkpointer_main(void *arg)
{
    struct rk_taxii_checkpointer *c = arg;
    int64_t copied;
    struct rk_err err;

    while (!wait_for_work(c)) {
        rk_err_clear(&err);
        if (rk_store_checkpoint(c->st, &copied, &err) != 0) {
            rk_log_warn("background checkpoint: %s (the writer's own checkpoints go on)",
                        err.message);
            continue;
        }
        pthread_mutex_lock(&c->lock);
        c->passes++;
        c->frames += (uint64_t)copied;
        pthread_mutex_unlock(&c->lock);
    }
    return NULL;
}

static void checkpointer_free(struct rk_taxii_checkpointer *c)
{
    if (c->st)
        rk_store_close(c->st);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    rk_free(c);
}

int rk_taxii_checkpointer_start(struct rk_taxii_checkpointer **out, const char *data_dir,
                                struct rk_err *err)
{
    struct rk_taxii_checkpointer *c = rk_calloc(1, sizeof(*c));
    int rc;

    *out = NULL;
    if (!c)
        return rk_err_set(err, RK_ENOMEM, "out of memory starting the checkpoint thread");
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    if ((rc = rk_store_open(&c->st, data_dir, 0, err)) != 0) {
        checkpointer_free(c);
        return rc;
    }
    if (pthread_create(&c->thread, NULL, checkpointer_main, c) != 0) {
        checkpointer_free(c);
        return rk_err_set(err, RK_EIO, "cannot start the checkpoint thread");
    }
    *out = c;
    return 0;
}

/* Raise one of the thread's flags (woken, stopping) and wake it. */
static void raise_flag(struct rk_taxii_checkpointer *c, int *flag)
{
    pthread_mutex_lock(&c->lock);
    *flag = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

void rk_taxii_checkpointer_wake(struct rk_taxii_checkpointer *c)
{
    if (c)
        raise_flag(c, &c->woken);
}

void rk_taxii_checkpointer_stats(struct rk_taxii_checkpointer *c, uint64_t *passes,
                                 uint64_t *frames)
{
    *passes = *frames = 0;
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    *passes = c->passes;
    *frames = c->frames;
    pthread_mutex_unlock(&c->lock);
}

void rk_taxii_checkpointer_stop(struct rk_taxii_checkpointer *c)
{
    if (!c)
        return;
    raise_flag(c, &c->stopping);
    pthread_join(c->thread, NULL);
    checkpointer_free(c);
}
