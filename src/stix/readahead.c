/* readahead.c - a reading thread ahead of the store.
 *
 * An import spends about two fifths of its time reading (JSON parse, validation, reference
 * bookkeeping, canonical form) and three fifths storing. The reading thread fills a ring of
 * items in input order; the importing thread takes them in runs, so each side locks once per
 * run, not per item. The ring bounds the objects in flight (and so the memory). The reader's
 * state (its position, its whole-input findings) belongs to the reading thread until it ends;
 * positions travel with the items. Items stay in their slots: the importer borrows them, and
 * the reading thread frees a slot's old item when it reads the next one into it, so that
 * memory is freed by the thread that allocated it (a free from the other thread takes the
 * allocating thread's arena lock in glibc, and its memory comes back cold). Closing early
 * stops the thread after the object it is reading: from a pipe that is still open, that
 * object's bytes are waited for (renkei import checks the collection before it reads, so a
 * wrong name fails at once).
 */
#include "stix/readahead.h"

#include <pthread.h>
#include <stdatomic.h>

#include "util/alloc.h"

#define RING_SLOTS 1024 /* objects in flight */
#define RUN_MAX 256     /* items moved per lock, either way */

struct slot {
    struct rk_stix_item item;
    uint64_t position;
};

struct rk_stix_readahead {
    struct rk_stix_reader *r;
    struct slot slots[RING_SLOTS];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    /* under mu */
    size_t filled; /* items in the ring, taken or not */
    int ended;     /* the reader returned end_rc */
    int end_rc;
    struct rk_err end_err;
    atomic_int stop; /* the importer is done: read no further (set under mu, read anywhere) */
    /* the importing thread's own */
    size_t head;  /* next slot to hand out */
    size_t taken; /* slots of the current run, released when it is used up */
    size_t ready; /* items of the current run not yet handed out */
    /* the reading thread's own */
    size_t tail;
};

/* Read up to n items into the free slots from the tail; returns how many, and the reader's
 * return for the first that was not an item (1 when all were) in *rc. */
static size_t read_run(struct rk_stix_readahead *p, size_t n, int *rc, struct rk_err *err)
{
    size_t done = 0;

    *rc = 1;
    while (done < n && !atomic_load_explicit(&p->stop, memory_order_relaxed)) {
        struct slot *s = &p->slots[p->tail];

        rk_stix_item_clear(&s->item); /* the importer has given it back */
        if ((*rc = rk_stix_reader_next(p->r, &s->item, err)) != 1)
            break;
        if (s->item.object) /* serialise here: the store only copies it */
            rk_stix_object_canonical(s->item.object, NULL);
        s->position = rk_stix_reader_position(p->r);
        p->tail = (p->tail + 1) % RING_SLOTS;
        done++;
    }
    return done;
}

static void *reading_thread(void *arg)
{
    struct rk_stix_readahead *p = arg;
    struct rk_err err;
    size_t room, n;
    int rc = 1;

    rk_err_clear(&err);
    while (rc == 1) {
        pthread_mutex_lock(&p->mu);
        while (p->filled == RING_SLOTS && !atomic_load(&p->stop))
            pthread_cond_wait(&p->not_full, &p->mu);
        room = atomic_load(&p->stop) ? 0 : RING_SLOTS - p->filled;
        pthread_mutex_unlock(&p->mu);
        if (room == 0)
            break;
        n = read_run(p, room < RUN_MAX ? room : RUN_MAX, &rc, &err);
        pthread_mutex_lock(&p->mu);
        p->filled += n;
        if (rc != 1) {
            p->ended = 1;
            p->end_rc = rc;
            p->end_err = err;
        }
        pthread_cond_signal(&p->not_empty);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

int rk_stix_readahead_open(struct rk_stix_readahead **out, struct rk_stix_reader *r, struct rk_err *err)
{
    struct rk_stix_readahead *p = rk_calloc(1, sizeof(*p));

    *out = NULL;
    if (!p)
        return rk_err_set(err, RK_ENOMEM, "out of memory for the import's reading thread");
    p->r = r;
    for (size_t i = 0; i < RING_SLOTS; i++)
        p->slots[i].item.offset = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    if (pthread_create(&p->thread, NULL, reading_thread, p) != 0) {
        pthread_cond_destroy(&p->not_full);
        pthread_cond_destroy(&p->not_empty);
        pthread_mutex_destroy(&p->mu);
        rk_free(p);
        return rk_err_set(err, RK_EIO, "cannot start the import's reading thread");
    }
    *out = p;
    return 0;
}

/* Give back the used run and wait for the next; 0 items when the reader has ended. */
static int next_run(struct rk_stix_readahead *p, struct rk_err *err)
{
    int rc = 1;

    pthread_mutex_lock(&p->mu);
    p->filled -= p->taken;
    pthread_cond_signal(&p->not_full);
    while (p->filled == 0 && !p->ended)
        pthread_cond_wait(&p->not_empty, &p->mu);
    p->taken = p->ready = p->filled < RUN_MAX ? p->filled : RUN_MAX;
    if (p->ready == 0) {
        rc = p->end_rc;
        *err = p->end_err;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int rk_stix_readahead_next(struct rk_stix_readahead *p, const struct rk_stix_item **item,
                           uint64_t *position, struct rk_err *err)
{
    struct slot *s;
    int rc;

    *item = NULL;
    if (p->ready == 0 && (rc = next_run(p, err)) != 1)
        return rc;
    s = &p->slots[p->head];
    *item = &s->item;
    *position = s->position;
    p->head = (p->head + 1) % RING_SLOTS;
    p->ready--;
    return 1;
}

void rk_stix_readahead_close(struct rk_stix_readahead *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, 1);
    pthread_cond_signal(&p->not_full);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    for (size_t i = 0; i < RING_SLOTS; i++)
        rk_stix_item_clear(&p->slots[i].item); /* taken or not: the ring owns them all */
    pthread_cond_destroy(&p->not_full);
    pthread_cond_destroy(&p->not_empty);
    pthread_mutex_destroy(&p->mu);
    rk_free(p);
}
