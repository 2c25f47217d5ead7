/* server_cache.c - the page cache: finished read responses (Get Objects, manifests, versions,
 * an object), kept so a page asked for again is answered without the store.
 *
 * TAXII feeds are polled: many clients ask for the same pages (the newest objects, or a
 * collection from its start). A response body depends on who asks, the request target, the
 * objects stored and the access rights, and on nothing else (paging tokens are an HMAC of the
 * same things). So an entry is keyed by the user and the raw request target, and it is used only
 * while the store's change mark and the access generation are the ones it was made under: any
 * stored version, delete or change of rights anywhere (another process included) makes every
 * entry stale. Reads of a partner's sync account are never cached: each one writes the egress
 * log before it is sent.
 *
 * Entries live in a hash table with a least-recently-used list under one mutex, within a byte
 * budget. A caller holds an entry (a reference) while it copies the body out.
 */
#include "taxii/server.h"

#include <string.h>

#include "util/alloc.h"
#include "util/map.h"

#define BUCKETS 4096 /* a power of two */

struct rk_taxii_cached {
    struct rk_taxii_cached *next_in_bucket;
    struct rk_taxii_cached *newer, *older; /* the LRU list; NULL ends */
    uint64_t hash;
    int refs;        /* the table's (while listed) and each holder's */
    int listed;      /* still in the table */
    size_t cost;     /* bytes charged to the budget */
    struct rk_taxii_cached_page page;
    char *key;
    size_t key_len;
};

struct rk_taxii_page_cache {
    pthread_mutex_t lock;
    size_t budget, used;
    int64_t mark, generation; /* what every listed entry was made under */
    struct rk_taxii_cached *buckets[BUCKETS];
    struct rk_taxii_cached *newest, *oldest;
    uint64_t hits, misses;
};

int rk_taxii_cache_new(struct rk_taxii_page_cache **out, size_t budget)
{
    struct rk_taxii_page_cache *pc;

    *out = NULL;
    if (budget == 0)
        return 0; /* no cache: every lookup misses */
    if (!(pc = rk_calloc(1, sizeof(*pc))))
        return RK_ENOMEM;
    pthread_mutex_init(&pc->lock, NULL);
    pc->budget = budget;
    *out = pc;
    return 0;
}

static void entry_free(struct rk_taxii_cached *e)
{
    rk_free(e->page.body);
    rk_free(e->key);
    rk_free(e);
}

/* Drop the table's reference; with the lock held. */
static void unlist(struct rk_taxii_page_cache *pc, struct rk_taxii_cached *e)
{
    struct rk_taxii_cached **p = &pc->buckets[e->hash & (BUCKETS - 1)];

    while (*p != e)
        p = &(*p)->next_in_bucket;
    *p = e->next_in_bucket;
    if (e->newer)
        e->newer->older = e->older;
    else
        pc->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        pc->oldest = e->newer;
    pc->used -= e->cost;
    e->listed = 0;
    if (--e->refs == 0)
        entry_free(e);
}

/* 1 when mark and generation are the cache's, after forgetting every entry when they are newer
 * (both only ever rise); 0 for a caller that read an older state. With the lock held. */
static int follow_store(struct rk_taxii_page_cache *pc, int64_t mark, int64_t generation)
{
    if (pc->mark == mark && pc->generation == generation)
        return 1;
    if (mark < pc->mark || generation < pc->generation)
        return 0;
    while (pc->oldest)
        unlist(pc, pc->oldest);
    pc->mark = mark;
    pc->generation = generation;
    return 1;
}

static struct rk_taxii_cached *find(struct rk_taxii_page_cache *pc, uint64_t hash,
                                    const char *key, size_t key_len)
{
    for (struct rk_taxii_cached *e = pc->buckets[hash & (BUCKETS - 1)]; e;
         e = e->next_in_bucket) {
        if (e->hash == hash && e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return e;
    }
    return NULL;
}

static void make_newest(struct rk_taxii_page_cache *pc, struct rk_taxii_cached *e)
{
    if (pc->newest == e)
        return;
    if (e->newer) /* unlink from where it is */
        e->newer->older = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else if (pc->oldest == e)
        pc->oldest = e->newer;
    e->newer = NULL;
    e->older = pc->newest;
    if (pc->newest)
        pc->newest->newer = e;
    pc->newest = e;
    if (!pc->oldest)
        pc->oldest = e;
}

const struct rk_taxii_cached_page *rk_taxii_cache_get(struct rk_taxii_page_cache *pc,
                                                      const char *key, size_t key_len,
                                                      int64_t mark, int64_t generation)
{
    struct rk_taxii_cached *e = NULL;
    uint64_t hash;

    if (!pc)
        return NULL;
    hash = rk_hash_bytes(key, key_len);
    pthread_mutex_lock(&pc->lock);
    if (follow_store(pc, mark, generation) && (e = find(pc, hash, key, key_len)) != NULL) {
        e->refs++;
        make_newest(pc, e);
        pc->hits++;
    } else {
        pc->misses++;
    }
    pthread_mutex_unlock(&pc->lock);
    return e ? &e->page : NULL;
}

void rk_taxii_cache_release(struct rk_taxii_page_cache *pc, const struct rk_taxii_cached_page *p)
{
    struct rk_taxii_cached *e;
    int last;

    if (!pc || !p)
        return;
    e = (struct rk_taxii_cached *)((char *)p - offsetof(struct rk_taxii_cached, page));
    pthread_mutex_lock(&pc->lock);
    last = --e->refs == 0;
    pthread_mutex_unlock(&pc->lock);
    if (last)
        entry_free(e);
}

static struct rk_taxii_cached *entry_new(const char *key, size_t key_len,
                                         const struct rk_taxii_cached_page *page)
{
    struct rk_taxii_cached *e = rk_calloc(1, sizeof(*e));

    if (!e)
        return NULL;
    e->page = *page;
    e->page.body = rk_malloc(page->len ? page->len : 1);
    e->key = rk_malloc(key_len);
    if (!e->page.body || !e->key) {
        entry_free(e);
        return NULL;
    }
    memcpy(e->page.body, page->body, page->len);
    memcpy(e->key, key, key_len);
    e->key_len = key_len;
    e->hash = rk_hash_bytes(key, key_len);
    e->cost = sizeof(*e) + key_len + page->len;
    e->refs = 1;
    e->listed = 1;
    return e;
}

void rk_taxii_cache_put(struct rk_taxii_page_cache *pc, const char *key, size_t key_len,
                        int64_t mark, int64_t generation, const struct rk_taxii_cached_page *page)
{
    struct rk_taxii_cached *e;

    /* one page may take an eighth of the budget, so a few big ones cannot empty it */
    if (!pc || sizeof(*e) + key_len + page->len > pc->budget / 8)
        return;
    if (!(e = entry_new(key, key_len, page))) /* a cache that cannot grow just misses */
        return;
    pthread_mutex_lock(&pc->lock);
    if (!follow_store(pc, mark, generation) || find(pc, e->hash, key, key_len) != NULL) {
        pthread_mutex_unlock(&pc->lock); /* made under an older state, or already there */
        entry_free(e);
        return;
    }
    while (pc->used + e->cost > pc->budget && pc->oldest)
        unlist(pc, pc->oldest);
    e->next_in_bucket = pc->buckets[e->hash & (BUCKETS - 1)];
    pc->buckets[e->hash & (BUCKETS - 1)] = e;
    make_newest(pc, e);
    pc->used += e->cost;
    pthread_mutex_unlock(&pc->lock);
}

void rk_taxii_cache_stats(struct rk_taxii_page_cache *pc, struct rk_taxii_cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (!pc)
        return;
    pthread_mutex_lock(&pc->lock);
    out->hits = pc->hits;
    out->misses = pc->misses;
    out->bytes = pc->used;
    out->budget = pc->budget;
    pthread_mutex_unlock(&pc->lock);
}

void rk_taxii_cache_free(struct rk_taxii_page_cache *pc)
{
    if (!pc)
        return;
    while (pc->oldest)
        unlist(pc, pc->oldest);
    pthread_mutex_destroy(&pc->lock);
    rk_free(pc);
}
