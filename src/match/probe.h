/* probe.h - the inner lookups, inline for the hot loops of lookup.c and grep.c.
 * Every function relies only on what rk_match__index_attach validated. */
#ifndef RK_MATCH_PROBE_H
#define RK_MATCH_PROBE_H

#include "match/internal.h"

/* Number of 16-bit bounds <= a within v[lo..hi): branch-free halving. */
static inline size_t probe_rank16(const uint16_t *v, size_t lo, size_t hi, uint16_t a)
{
    const uint16_t *base = v + lo;
    size_t n = hi - lo;

    if (n == 0)
        return lo;
    while (n > 1) {
        size_t half = n / 2;

        base += (size_t)(base[half - 1] <= a) * half; /* no branch to mispredict */
        n -= half;
    }
    return (size_t)(base - v) + (base[0] <= a);
}

/* The same over 32-bit bounds. */
static inline size_t probe_rank32(const uint32_t *v, size_t lo, size_t hi, uint32_t a)
{
    const uint32_t *base = v + lo;
    size_t n = hi - lo;

    if (n == 0)
        return lo;
    while (n > 1) {
        size_t half = n / 2;

        base += (size_t)(base[half - 1] <= a) * half;
        n -= half;
    }
    return (size_t)(base - v) + (base[0] <= a);
}

/* Number of IPv4 interval starts <= a: the bucket of a's top bits, then the bounds in it. */
static inline size_t probe_v4_rank(const struct rk_match_index *ix, uint32_t a)
{
    uint32_t b = a >> (32 - ix->h->v4_bits);
    size_t lo = ix->v4_buckets[b], hi = ix->v4_buckets[b + 1];

    if (ix->v4_bounds32)
        return probe_rank32(ix->v4_bounds32, lo, hi, a);
    return probe_rank16(ix->v4_bounds, lo, hi, (uint16_t)a);
}

static inline int v6_le(const uint64_t *bound, uint64_t hi, uint64_t lo)
{
    return bound[0] < hi || (bound[0] == hi && bound[1] <= lo);
}

static inline size_t probe_v6_rank(const struct rk_match_index *ix, const uint8_t a[16])
{
    uint64_t hi = rk_match__get_be64(a), lo = rk_match__get_be64(a + 8);
    uint32_t bits = ix->h->v6_bits, b = (uint32_t)(hi >> (64 - bits));
    size_t l = ix->v6_buckets[b], h = ix->v6_buckets[b + 1];

    while (h - l > 4) {
        size_t mid = l + (h - l) / 2;

        if (v6_le(ix->v6_bounds + 2 * mid, hi, lo))
            l = mid + 1;
        else
            h = mid;
    }
    while (l < h && v6_le(ix->v6_bounds + 2 * l, hi, lo))
        l++;
    return l;
}

/* The text record of a key: kind, length, bytes. */
static inline const char *probe_key_record(const struct rk_match_index *ix, uint32_t key,
                                           int *kind, size_t *len)
{
    const uint8_t *r = ix->key_pool + ix->key_text[key];

    *kind = r[0];
    *len = (size_t)r[1] | (size_t)r[2] << 8;
    return (const char *)r + 3;
}

/* Find the key of (kind, s) given its name hash h. 1 found, 0 not. */
static inline int probe_name(const struct rk_match_index *ix, int kind, uint64_t h, const char *s,
                             size_t len, uint32_t *key_out)
{
    size_t mask = ix->n_name_slots - 1, i, n;
    uint32_t fp = midx_fp(h);

    if (ix->n_name_slots == 0)
        return 0;
    if (~ix->name_bloom[midx_bloom_word(h, ix->bloom_mask)] & midx_bloom_bits(h))
        return 0; /* certainly absent */
    i = midx_name_mix(h) & mask;
    for (n = 0; n < ix->n_name_slots; n++, i = (i + 1) & mask) {
        uint64_t slot = ix->name_slots[i];
        const char *t;
        size_t tlen;
        int k;

        if (slot == MIDX_SLOT_EMPTY)
            return 0;
        if ((uint32_t)(slot >> 32) != fp)
            continue;
        t = probe_key_record(ix, (uint32_t)slot, &k, &tlen);
        if (k == kind && tlen == len && memcmp(t, s, len) == 0) {
            *key_out = (uint32_t)slot;
            return 1;
        }
    }
    return 0;
}

/* Find a digest within [lo, hi) of its table. Small ranges (the usual one or two entries)
 * compare fingerprints first and the digest only when one agrees; large ones (digests that
 * share their leading bits) are searched by halving. 1 found (*pos_out), 0 not. */
static inline int probe_hash_range(const struct rk_match_index *ix, int slot, const uint8_t *d,
                                   size_t dlen, size_t lo, size_t hi, size_t *pos_out)
{
    const uint32_t *fp = ix->hash_fps[slot];
    const uint8_t *t = ix->hashes[slot];
    uint32_t want = rk_match__get_be32(d + 4);
    size_t first = lo;

    if (hi - lo <= 16) {
        for (; lo < hi; lo++) {
            if (fp[lo] == want && memcmp(t + lo * dlen, d, dlen) == 0) {
                *pos_out = lo;
                return 1;
            }
        }
        return 0;
    }
    while (lo < hi) { /* the first entry greater than d */
        size_t mid = lo + (hi - lo) / 2;

        if (memcmp(t + mid * dlen, d, dlen) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > first && memcmp(t + (lo - 1) * dlen, d, dlen) == 0) {
        *pos_out = lo - 1;
        return 1;
    }
    return 0;
}

/* Position of a digest in its sorted table; 1 found, 0 not. */
static inline int probe_hash(const struct rk_match_index *ix, int slot, const uint8_t *d,
                             size_t dlen, size_t *pos_out)
{
    uint32_t bits = ix->h->hash_bits[slot], b = rk_match__get_be32(d) >> (32 - bits);

    return probe_hash_range(ix, slot, d, dlen, ix->hash_buckets[slot][b],
                            ix->hash_buckets[slot][b + 1], pos_out);
}

#endif
