/* server_ratelimit.c - per-address token buckets for failed authentication. */
#include "taxii/server_ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/map.h"

#define NEIGHBOURHOOD 8
#define US_PER_S      1000000

struct slot {
    uint8_t key[16];
    int used;
    int64_t tokens_us; /* bucket level in "microseconds of refill", burst * refill at most */
    int64_t last_us;   /* when tokens_us was last brought up to date */
};

struct rk_taxii_ratelimit {
    pthread_mutex_t lock;
    struct slot *slots;
    size_t mask;
    int64_t cost_us; /* one failure costs one refill interval */
    int64_t full_us; /* a full bucket */
};

struct rk_taxii_ratelimit *rk_taxii_ratelimit_new(unsigned burst, unsigned refill_s,
                                                  size_t slots)
{
    struct rk_taxii_ratelimit *rl = rk_calloc(1, sizeof(*rl));
    size_t n = 16;

    if (!rl)
        return NULL;
    while (n < slots && n < ((size_t)1 << 24))
        n <<= 1;
    rl->slots = rk_calloc(n, sizeof(*rl->slots));
    if (!rl->slots) {
        rk_free(rl);
        return NULL;
    }
    rl->mask = n - 1;
    rl->cost_us = (int64_t)(refill_s ? refill_s : 1) * US_PER_S;
    rl->full_us = (int64_t)(burst ? burst : 1) * rl->cost_us;
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

void rk_taxii_ratelimit_free(struct rk_taxii_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->lock);
    rk_free(rl->slots);
    rk_free(rl);
}

/* IPv4 as-is, IPv6 by its /64 (IPv4-mapped IPv6 counts as IPv4). 0 for other families. */
static int addr_key(const struct sockaddr *addr, uint8_t key[16])
{
    memset(key, 0, 16);
    if (!addr)
        return 0;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;

        key[10] = key[11] = 0xff;
        memcpy(key + 12, &in->sin_addr, 4);
        return 1;
    }
    if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;

        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            memcpy(key, &in6->sin6_addr, 16);
        else
            memcpy(key, &in6->sin6_addr, 8);
        return 1;
    }
    return 0;
}

/* The slot for key: its own, a free one, or the stalest of its neighbourhood (reset). */
static struct slot *find_slot(struct rk_taxii_ratelimit *rl, const uint8_t key[16],
                              int64_t now_us)
{
    size_t h = (size_t)rk_hash_bytes(key, 16);
    struct slot *free_slot = NULL, *stalest = NULL, *s;

    for (size_t i = 0; i < NEIGHBOURHOOD; i++) {
        s = &rl->slots[(h + i) & rl->mask];
        if (!s->used) {
            free_slot = free_slot ? free_slot : s;
            continue;
        }
        if (memcmp(s->key, key, 16) == 0)
            return s;
        if (!stalest || s->last_us < stalest->last_us)
            stalest = s;
    }
    if (free_slot)
        stalest = free_slot;
    memcpy(stalest->key, key, 16);
    stalest->used = 1;
    stalest->tokens_us = rl->full_us;
    stalest->last_us = now_us;
    return stalest;
}

static void refill(const struct rk_taxii_ratelimit *rl, struct slot *s, int64_t now_us)
{
    if (now_us > s->last_us) {
        s->tokens_us += now_us - s->last_us;
        if (s->tokens_us > rl->full_us)
            s->tokens_us = rl->full_us;
        s->last_us = now_us;
    }
}

unsigned rk_taxii_ratelimit_check(struct rk_taxii_ratelimit *rl, const struct sockaddr *addr,
                                  int64_t now_us)
{
    uint8_t key[16];
    unsigned wait = 0;
    struct slot *s;

    if (!rl || !addr_key(addr, key))
        return 0;
    pthread_mutex_lock(&rl->lock);
    s = find_slot(rl, key, now_us);
    refill(rl, s, now_us);
    if (s->tokens_us < rl->cost_us)
        wait = (unsigned)((rl->cost_us - s->tokens_us + US_PER_S - 1) / US_PER_S);
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void rk_taxii_ratelimit_fail(struct rk_taxii_ratelimit *rl, const struct sockaddr *addr,
                             int64_t now_us)
{
    uint8_t key[16];
    struct slot *s;

    if (!rl || !addr_key(addr, key))
        return;
    pthread_mutex_lock(&rl->lock);
    s = find_slot(rl, key, now_us);
    refill(rl, s, now_us);
    s->tokens_us -= rl->cost_us;
    if (s->tokens_us < 0)
        s->tokens_us = 0;
    pthread_mutex_unlock(&rl->lock);
}

void rk_taxii_addr_format(const struct sockaddr *addr, char *out, size_t cap)
{
    const void *src = NULL;

    if (cap == 0)
        return;
    out[0] = '\0';
    if (addr && addr->sa_family == AF_INET)
        src = &((const struct sockaddr_in *)addr)->sin_addr;
    else if (addr && addr->sa_family == AF_INET6)
        src = &((const struct sockaddr_in6 *)addr)->sin6_addr;
    if (!src || !inet_ntop(addr->sa_family, src, out, (socklen_t)cap))
        out[0] = '\0';
}
