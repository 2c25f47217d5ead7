/* arena.c - bump allocator: a chain of blocks, each at least RK_ARENA_BLOCK bytes. */
#include "util/arena.h"
#include "util/alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#define RK_ARENA_BLOCK 16384

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

struct rk_arena {
    struct arena_block *head;
    size_t max;
    size_t used;
};

struct rk_arena *rk_arena_new(size_t max)
{
    struct rk_arena *a = rk_calloc(1, sizeof(*a));

    if (a)
        a->max = max;
    return a;
}

static void free_blocks(struct arena_block *b)
{
    while (b) {
        struct arena_block *next = b->next;

        rk_free(b);
        b = next;
    }
}

void rk_arena_free(struct rk_arena *a)
{
    if (!a)
        return;
    free_blocks(a->head);
    rk_free(a);
}

void rk_arena_reset(struct rk_arena *a)
{
    struct arena_block *b = a->head;

    if (!b)
        return;
    while (b->next) { /* keep only the oldest block, the last in the chain */
        struct arena_block *next = b->next;

        rk_free(b);
        b = next;
    }
    a->head = b;
    b->used = 0;
    a->used = 0;
}

void *rk_arena_alloc(struct rk_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    struct arena_block *b = a->head;
    size_t size, off;

    if (n > SIZE_MAX - align || n > a->max || a->used > a->max - n)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (!b || b->size - b->used < n) {
        size = n > RK_ARENA_BLOCK ? n : RK_ARENA_BLOCK;
        b = rk_malloc(sizeof(*b) + size);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    off = b->used;
    b->used += n;
    a->used += n;
    return b->data + off;
}

char *rk_arena_strndup(struct rk_arena *a, const char *s, size_t len)
{
    char *d = len == SIZE_MAX ? NULL : rk_arena_alloc(a, len + 1);

    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

size_t rk_arena_used(const struct rk_arena *a)
{
    return a->used;
}
