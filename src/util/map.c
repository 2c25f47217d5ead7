/* map.c - hash map with open addressing and backward-shift deletion. */
#include "util/map.h"
#include "util/alloc.h"
#include "renkei/error.h"

#include <string.h>

struct map_slot {
    char *key; /* NULL: empty */
    size_t key_len;
    uint64_t hash;
    void *val;
};

struct rk_map {
    struct map_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
    void (*free_val)(void *);
};

/* Eight bytes a step (one multiply each), then a final mix: statement texts of a few KB are
 * hashed for every query (store/sqlite_open.c), where a byte-at-a-time hash cost 3 % of a
 * page of objects. Not keyed: only for tables, never persisted. */
uint64_t rk_hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w;

    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 29;
    }
    if (len > 0) {
        w = 0;
        memcpy(&w, s, len);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

struct rk_map *rk_map_new(void (*free_val)(void *))
{
    struct rk_map *m = rk_calloc(1, sizeof(*m));

    if (m)
        m->free_val = free_val;
    return m;
}

void rk_map_free(struct rk_map *m)
{
    size_t i;

    if (!m)
        return;
    for (i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        rk_free(m->slots[i].key);
        if (m->free_val)
            m->free_val(m->slots[i].val);
    }
    rk_free(m->slots);
    rk_free(m);
}

static size_t find_slot(const struct rk_map *m, const void *key, size_t key_len, uint64_t h)
{
    size_t mask = m->cap - 1, i = h & mask;

    while (m->slots[i].key) {
        if (m->slots[i].hash == h && m->slots[i].key_len == key_len &&
            memcmp(m->slots[i].key, key, key_len) == 0)
            return i;
        i = (i + 1) & mask;
    }
    return i;
}

static int grow(struct rk_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16, i;
    struct map_slot *old = m->slots;
    size_t old_cap = m->cap;

    m->slots = rk_calloc(cap, sizeof(*m->slots));
    if (!m->slots) {
        m->slots = old;
        return RK_ENOMEM;
    }
    m->cap = cap;
    for (i = 0; i < old_cap; i++) {
        if (old[i].key)
            m->slots[find_slot(m, old[i].key, old[i].key_len, old[i].hash)] = old[i];
    }
    rk_free(old);
    return 0;
}

int rk_map_put_take(struct rk_map *m, const void *key, size_t key_len, void *val)
{
    uint64_t h = rk_hash_bytes(key, key_len);
    struct map_slot *s;
    size_t i;

    if ((m->count + 1) * 4 > m->cap * 3 && grow(m) != 0)
        goto fail;
    i = find_slot(m, key, key_len, h);
    s = &m->slots[i];
    if (s->key) {
        if (m->free_val && s->val != val)
            m->free_val(s->val);
        s->val = val;
        return 0;
    }
    s->key = rk_strndup(key, key_len);
    if (!s->key)
        goto fail;
    s->key_len = key_len;
    s->hash = h;
    s->val = val;
    m->count++;
    return 0;
fail:
    if (m->free_val)
        m->free_val(val);
    return RK_ENOMEM;
}

void *rk_map_get(const struct rk_map *m, const void *key, size_t key_len)
{
    size_t i;

    if (!m->cap)
        return NULL;
    i = find_slot(m, key, key_len, rk_hash_bytes(key, key_len));
    return m->slots[i].key ? m->slots[i].val : NULL;
}

int rk_map_has(const struct rk_map *m, const void *key, size_t key_len)
{
    if (!m->cap)
        return 0;
    return m->slots[find_slot(m, key, key_len, rk_hash_bytes(key, key_len))].key != NULL;
}

int rk_map_del(struct rk_map *m, const void *key, size_t key_len)
{
    size_t mask = m->cap - 1, i, j;

    if (!m->cap)
        return RK_ENOTFOUND;
    i = find_slot(m, key, key_len, rk_hash_bytes(key, key_len));
    if (!m->slots[i].key)
        return RK_ENOTFOUND;
    rk_free(m->slots[i].key);
    if (m->free_val)
        m->free_val(m->slots[i].val);
    m->slots[i].key = NULL;
    m->count--;
    /* backward-shift: move later members of the probe run into the hole */
    for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = m->slots[j].hash & mask;

        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
    return 0;
}

size_t rk_map_count(const struct rk_map *m)
{
    return m->count;
}

int rk_map_next(const struct rk_map *m, size_t *pos, const char **key_out, size_t *key_len_out,
                void **val_out)
{
    while (*pos < m->cap) {
        const struct map_slot *s = &m->slots[(*pos)++];

        if (!s->key)
            continue;
        if (key_out)
            *key_out = s->key;
        if (key_len_out)
            *key_len_out = s->key_len;
        if (val_out)
            *val_out = s->val;
        return 1;
    }
    return 0;
}
