/* alloc.c - allocation wrappers with test-time failure injection. */
#include "util/alloc.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Counting starts with the first rk_alloc_fail_at (tests only): until then an allocation costs
 * one plain load here. The counters are atomic, since servers allocate on many threads. */
static atomic_int armed;
static atomic_ulong fail_countdown; /* 0: never fail */
static atomic_ulong alloc_count;

static int should_fail(void)
{
    unsigned long left;

    if (!atomic_load_explicit(&armed, memory_order_relaxed))
        return 0;
    atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
    left = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    while (left != 0 && !atomic_compare_exchange_weak_explicit(&fail_countdown, &left, left - 1,
                                                               memory_order_relaxed,
                                                               memory_order_relaxed))
        ;
    return left == 1;
}

unsigned long rk_alloc_fail_at(unsigned long nth)
{
    unsigned long made = atomic_exchange_explicit(&alloc_count, 0, memory_order_relaxed);

    atomic_store_explicit(&fail_countdown, nth, memory_order_relaxed);
    atomic_store_explicit(&armed, 1, memory_order_relaxed);
    return made;
}

void *rk_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

/* Blocks up to this size are zeroed here instead of by calloc: glibc's calloc does not use
 * the per-thread cache that malloc and free use, so a small block calloc'ed and freed for each
 * object (an import's objects, its patterns) came from the arena every time, and the freed
 * ones piled up in the fast bins, which the next large malloc then had to consolidate. Larger
 * blocks keep calloc: it can take fresh zero pages without writing them. */
#define CALLOC_BY_MEMSET_MAX 1024

void *rk_calloc(size_t count, size_t size)
{
    size_t n;
    void *p;

    if (should_fail())
        return NULL;
    count = count ? count : 1;
    size = size ? size : 1;
    if (size > CALLOC_BY_MEMSET_MAX || count > CALLOC_BY_MEMSET_MAX / size)
        return calloc(count, size);
    n = count * size;
    if ((p = malloc(n)) != NULL)
        memset(p, 0, n);
    return p;
}

void *rk_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void *rk_reallocarray(void *p, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    return rk_realloc(p, count * size);
}

char *rk_strndup(const char *s, size_t len)
{
    char *d = rk_malloc(len + 1);

    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *rk_strdup(const char *s)
{
    return rk_strndup(s, strlen(s));
}

void rk_free(void *p)
{
    free(p);
}

void rk_alloc_install_json(void)
{
    json_set_alloc_funcs(rk_malloc, rk_free);
}
