/* pool.c - per-pattern bump allocation.
 *
 * util's rk_arena starts every arena with a 16 KiB block; a parsed indicator pattern needs
 * about a kilobyte, and a matcher may keep millions of them, so the pool sizes its first
 * chunk from the pattern length and grows by doubling. Memory is zeroed. */
#include "pattern/internal.h"
#include "util/alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#define POOL_ALIGN 16

struct pool_chunk {
    struct pool_chunk *next;
    size_t size;
    size_t used;
    alignas(POOL_ALIGN) unsigned char data[];
};

void pool_init(struct pool *pl, size_t first, size_t max)
{
    pl->used = 0;
    pl->max = max;
    /* when this fails pool_alloc tries again and reports the failure */
    pl->head = rk_malloc(sizeof(struct pool_chunk) + first);
    if (pl->head) {
        pl->head->next = NULL;
        pl->head->size = first;
        pl->head->used = 0;
    }
}

void pool_release(struct pool *pl)
{
    struct pool_chunk *c = pl->head;

    while (c) {
        struct pool_chunk *next = c->next;

        rk_free(c);
        c = next;
    }
    pl->head = NULL;
    pl->used = 0;
}

void *pool_alloc(struct pool *pl, size_t n)
{
    struct pool_chunk *c = pl->head;
    size_t size;
    void *p;

    if (n > SIZE_MAX / 4 || n > pl->max || pl->used > pl->max - n)
        return NULL;
    n = (n + POOL_ALIGN - 1) & ~(size_t)(POOL_ALIGN - 1);
    if (!c || c->size - c->used < n) {
        size = c ? c->size * 2 : 1024;
        if (size < n)
            size = n;
        c = rk_malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->next = pl->head;
        c->size = size;
        c->used = 0;
        pl->head = c;
    }
    p = c->data + c->used;
    c->used += n;
    pl->used += n;
    memset(p, 0, n);
    return p;
}

void *pool_array(struct pool *pl, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return pool_alloc(pl, count == 0 || size == 0 ? 1 : count * size);
}

char *pool_strndup(struct pool *pl, const char *s, size_t len)
{
    char *d = len == SIZE_MAX ? NULL : pool_alloc(pl, len + 1);

    if (!d)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}
