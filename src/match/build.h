/* build.h - the builder's collections, shared by build.c and the compile_*.c files. */
#ifndef RK_MATCH_BUILD_H
#define RK_MATCH_BUILD_H

#include "match/internal.h"
#include "util/buf.h"

struct rk_map;

/* An IP value as a closed interval of 128-bit numbers (IPv4 in the low 32 bits). */
struct b_u128 {
    uint64_t hi, lo;
};

struct b_ip {
    struct b_u128 first, last;
    uint32_t ind;   /* indicator, MIDX_NONE in a set-only index */
    uint32_t text;  /* offset of the canonical text in b->keytext, full index only */
};

struct b_name {
    uint64_t hash;  /* midx_name_hash */
    uint32_t text;  /* offset in b->keytext: [kind][len u16][bytes][NUL] */
    uint32_t ind;
};

/* Growable array of fixed-size records. */
struct b_arr {
    uint8_t *p;
    size_t n, cap, elem;
};

struct rk_match_builder {
    struct rk_match_build_options opt;
    struct b_arr ind;       /* struct midx_ind */
    struct rk_buf strings;  /* indicator strings, NUL-terminated; offset 0 is "" */
    struct rk_map *interned;
    struct b_arr v4, v6;    /* struct b_ip */
    struct b_arr v4set;     /* set-only IPv4 instead of v4: uint64_t first << 32 | last */
    struct b_arr names;     /* struct b_name */
    struct rk_buf keytext;  /* key text records */
    struct b_arr hashes[4]; /* digest bytes then the indicator (u32) */
    uint64_t n_values;
    uint64_t kind_count[RK_MATCH_KIND_COUNT];
};

/* A section under construction: bytes owned by the compiler until the image is assembled. */
struct b_section {
    void *p;
    size_t size;
};

/* What compile_*.c produce for assembly. */
struct b_out {
    struct b_section sec[SEC_COUNT];
    uint32_t v4_bits, v6_bits, name_bits, bloom_bits;
    uint32_t hash_bits[4], hash_base[4];
    uint32_t n_keys;
    uint64_t n_values[RK_MATCH_KIND_COUNT];
    /* full index: (key, indicator) pairs for the postings */
    uint64_t *pairs;
    size_t n_pairs, cap_pairs;
    uint32_t *key_text; /* per key: offset of its text record in the final STRINGS */
    size_t n_key_text, cap_key_text;
};

void *b_arr_push(struct b_arr *a);
void b_arr_free(struct b_arr *a);

int b_out_pair(struct b_out *o, uint32_t key, uint32_t ind);
int b_out_key(struct b_out *o, uint32_t text_off, uint32_t *key_out);

/* compile_ip.c */
int rk_match__compile_ip(struct rk_match_builder *b, struct b_out *o, int v6, struct rk_err *err);
/* compile_keys.c */
int rk_match__compile_names(struct rk_match_builder *b, struct b_out *o, struct rk_err *err);
int rk_match__compile_hashes(struct rk_match_builder *b, struct b_out *o, struct rk_err *err);
int rk_match__compile_postings(struct rk_match_builder *b, struct b_out *o, struct rk_err *err);

/* sort.c: sort keys ascending, moving vals along (vals may be NULL). RK_ENOMEM. */
int rk_match__sort_u64(uint64_t *keys, uint32_t *vals, size_t n);
/* The same result for keys without vals, faster when few keys share their top 32 bits: a
 * sort on those, then each run of equal tops. RK_ENOMEM. */
int rk_match__sort_u64_by_top(uint64_t *keys, size_t n);
/* The bucket index over sorted 32-bit values (their top bits select the bucket). */
int rk_match__buckets32(const uint32_t *v, size_t stride, size_t n, uint32_t bits,
                        uint32_t **out, size_t *size_out);
/* log2 of a power of two near n/2, clamped to [min, max]. */
uint32_t rk_match__bucket_bits(size_t n, uint32_t min, uint32_t max);

#endif
