/* arena.h - bump allocator for per-request or per-batch memory, freed all at once. */
#ifndef RK_UTIL_ARENA_H
#define RK_UTIL_ARENA_H

#include <stddef.h>

struct rk_arena;

/* An arena that hands out at most max bytes in total; NULL when out of memory. */
struct rk_arena *rk_arena_new(size_t max);
/* Free the arena and everything allocated from it. Accepts NULL. */
void rk_arena_free(struct rk_arena *a);
/* Forget every allocation but keep the first block for reuse. */
void rk_arena_reset(struct rk_arena *a);

/* n bytes aligned for any type; NULL past the cap or when out of memory. */
void *rk_arena_alloc(struct rk_arena *a, size_t n);
/* A NUL-terminated copy of s[0..len). */
char *rk_arena_strndup(struct rk_arena *a, const char *s, size_t len);
/* Bytes handed out since creation or the last reset. */
size_t rk_arena_used(const struct rk_arena *a);

#endif
