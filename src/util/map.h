/* map.h - hash map from byte-string keys to owned values (open addressing, linear probing). */
#ifndef RK_UTIL_MAP_H
#define RK_UTIL_MAP_H

#include <stddef.h>
#include <stdint.h>

struct rk_map;

/* A map whose values are released with free_val (may be NULL). Keys are copied. */
struct rk_map *rk_map_new(void (*free_val)(void *));
/* Free the map, its keys and (through free_val) its values. Accepts NULL. */
void rk_map_free(struct rk_map *m);

/* Insert or replace (the old value is freed). Takes ownership of val: freed on failure too. */
int rk_map_put_take(struct rk_map *m, const void *key, size_t key_len, void *val);
/* The value for key, or NULL. Borrowed. */
void *rk_map_get(const struct rk_map *m, const void *key, size_t key_len);
/* 1 when present (useful when values may be NULL). */
int rk_map_has(const struct rk_map *m, const void *key, size_t key_len);
/* Remove and free; RK_ENOTFOUND when absent. */
int rk_map_del(struct rk_map *m, const void *key, size_t key_len);
size_t rk_map_count(const struct rk_map *m);

/* Iterate: start with *pos = 0; returns 0 when done. Order is unspecified. */
int rk_map_next(const struct rk_map *m, size_t *pos, const char **key_out, size_t *key_len_out,
                void **val_out);

/* 64-bit hash of bytes (FNV-1a mixed with a final avalanche). */
uint64_t rk_hash_bytes(const void *p, size_t len);

#endif
