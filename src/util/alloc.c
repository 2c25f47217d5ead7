/* alloc.c - allocation wrappers with test-time failure injection. */
#include "util/alloc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned long fail_countdown; /* 0: never fail */
static unsigned long alloc_count;

static int should_fail(void)
{
    alloc_count++;
    if (fail_countdown == 0)
        return 0;
    if (--fail_countdown == 0)
        return 1;
    return 0;
}

unsigned long rk_alloc_fail_at(unsigned long nth)
{
    unsigned long made = alloc_count;

    fail_countdown = nth;
    alloc_count = 0;
    return made;
}

void *rk_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *rk_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
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
