/* internal.h - what the files of src/match share: the snapshot layout and small helpers.
 *
 * The snapshot image (in memory and on disk) is little-endian with fixed-width fields:
 *
 *   header (struct midx_header, with the section table), then sections, each 8-byte aligned.
 *
 * IPv4: the interval starts, sorted, split by their top v4_bits bits: V4_BUCKETS[b]
 * (2^v4_bits + 1 entries) is the first start whose top bits are >= b. With 16 bits (tables of
 * 16,384 bounds and more) V4_BOUNDS keeps only the low 16 bits of each start (2 bytes a bound:
 * the table stays in cache); with fewer bits (small tables, whose bucket index stays small)
 * it keeps whole 32-bit starts. In a full index the first start is 0
 * and V4_PAY gives each interval's payload: MIDX_NONE (no value covers it), MIDX_DIRECT|key
 * (one value) or an offset into IVPOST where a count and that many key ids follow, most
 * specific first. In a set-only index the bounds alternate: an address is listed when the
 * number of bounds <= it is odd. IPv6 is the same with (hi, lo) 64-bit pairs as bounds and a
 * bucket index on the leading v6_bits bits.
 *
 * Names (domains, URLs, URL paths, e-mail addresses) live in NAME_SLOTS, an open-addressing
 * table of (32-bit fingerprint, key id) with linear probing, behind NAME_BLOOM (16 bits a
 * name, one 64-bit word a probe) which rejects most absent names without touching the table; KEY_TEXT[key] points into
 * KEY_POOL at a record [kind u8][len u16][bytes][NUL] (records in key order after one 0 byte,
 * so the pool validates in one pass). The hash runs over the text from its last
 * byte to its first, so the hashes of every domain suffix come out of one pass.
 *
 * Hashes: one sorted array of digests per algorithm with a bucket index on the leading bits
 * and an array of 32-bit fingerprints (digest bytes 4..7), so a miss is decided without
 * touching the digests; a digest's key id is hash_base[alg] + its position.
 *
 * Full index only: KEY_POST[key] is an offset into POST of [count, indicator ids...]; IND
 * holds one struct midx_ind per indicator; STRINGS holds their NUL-terminated strings.
 */
#ifndef RK_MATCH_INTERNAL_H
#define RK_MATCH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "renkei/match.h"

#define MIDX_MAGIC   "RKMATCH\x1a"
#define MIDX_VERSION 1
#define MIDX_NONE    0xffffffffu
#define MIDX_DIRECT  0x80000000u
#define MIDX_FLAG_SET_ONLY 1u
#define MIDX_V4_BITS     16    /* bucket bits of a large IPv4 table: 16-bit bounds */
#define MIDX_V4_WIDE_MAX 16384 /* tables with fewer bounds keep 32-bit bounds */

enum midx_section {
    SEC_V4_BOUNDS = 0,
    SEC_V4_PAY,
    SEC_V4_BUCKETS,
    SEC_V6_BOUNDS,
    SEC_V6_PAY,
    SEC_V6_BUCKETS,
    SEC_IVPOST,
    SEC_NAME_SLOTS,
    SEC_H_MD5,
    SEC_H_SHA1,
    SEC_H_SHA256,
    SEC_H_SHA512,
    SEC_HB_MD5,
    SEC_HB_SHA1,
    SEC_HB_SHA256,
    SEC_HB_SHA512,
    SEC_HF_MD5, /* 32-bit fingerprints: bytes 4..7 of each digest, beside the digests */
    SEC_HF_SHA1,
    SEC_HF_SHA256,
    SEC_HF_SHA512,
    SEC_NAME_BLOOM, /* a blocked Bloom filter of the name hashes: misses stay in cache */
    SEC_KEY_TEXT,
    SEC_KEY_POST,
    SEC_POST,
    SEC_IND,
    SEC_STRINGS,
    SEC_KEY_POOL,
    SEC_COUNT
};

struct midx_section_entry {
    uint64_t off;
    uint64_t size;
};

struct midx_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t file_size;
    uint64_t checksum;  /* rk_match__checksum of the whole image with this field zero */
    uint64_t stamp;
    uint64_t stamp_aux;
    int64_t built_us;
    uint32_t flags;
    uint32_t n_sections;
    uint32_t n_indicators;
    uint32_t n_keys;
    uint32_t v4_bits, v6_bits, name_bits;
    uint32_t hash_bits[4];
    uint32_t hash_base[4];
    uint32_t bloom_bits; /* NAME_BLOOM has 2^bloom_bits 64-bit words */
    uint64_t n_values[RK_MATCH_KIND_COUNT];
    struct midx_section_entry sec[SEC_COUNT];
};

/* The checksum covers the image from the first byte after its own field. */
#define MIDX_CHECKSUM_FROM (offsetof(struct midx_header, checksum) + sizeof(uint64_t))

struct midx_ind {
    uint32_t id_off;
    uint32_t source_off;  /* MIDX_NONE when absent (as are name_off, pattern_off) */
    uint32_t name_off;
    uint32_t pattern_off;
    uint32_t types_off;
    uint32_t pad;
    int64_t valid_from_us;
    int64_t valid_until_us;
    uint32_t line;
    int16_t confidence;
    uint8_t tlp;
    uint8_t flags;
};

/* A loaded index: pointers into the image. */
struct rk_match_index {
    const uint8_t *base;
    size_t size;
    void *owned;       /* malloc'd image, or NULL */
    int mapped;        /* 1 when base is an mmap */
    const struct midx_header *h;
    const uint16_t *v4_bounds;   /* v4_bits == 16 */
    const uint32_t *v4_bounds32; /* v4_bits < 16 */
    const uint32_t *v4_pay, *v4_buckets;
    size_t n_v4;
    const uint64_t *v6_bounds;
    const uint32_t *v6_pay, *v6_buckets;
    size_t n_v6;
    const uint32_t *ivpost;
    size_t n_ivpost;
    const uint64_t *name_slots;
    size_t n_name_slots;
    const uint64_t *name_bloom;
    uint64_t bloom_mask;
    const uint8_t *hashes[4];
    const uint32_t *hash_buckets[4];
    const uint32_t *hash_fps[4];
    size_t n_hashes[4];
    const uint32_t *key_text, *key_post, *post;
    size_t n_key_text, n_key_post, n_post;
    const struct midx_ind *ind;
    const char *strings;
    size_t n_strings;
    const uint8_t *key_pool;
    size_t n_key_pool;
    int set_only;
};

/* Hash kinds in table order (MD5, SHA-1, SHA-256, SHA-512): 0..3, -1 for other kinds. */
static inline int midx_hash_slot(int kind)
{
    return kind >= RK_MATCH_MD5 && kind <= RK_MATCH_SHA512 ? kind - RK_MATCH_MD5 : -1;
}

static inline uint32_t rk_match__get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void rk_match__put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint64_t rk_match__get_be64(const uint8_t *p)
{
    return (uint64_t)rk_match__get_be32(p) << 32 | rk_match__get_be32(p + 4);
}

/* The name hash works label by label: each label (the text between dots) is hashed 8 bytes at
 * a time, and the label hashes are folded in from the last label to the first, starting from
 * a seed for the kind. Folding from the right makes the hash of every label-boundary suffix
 * of a domain a by-product of hashing the whole name. Little-endian loads (snapshots are for
 * little-endian hosts). */
static inline uint64_t midx_name_seed(int kind)
{
    return 0xcbf29ce484222325ULL ^ ((uint64_t)kind * 0x9e3779b97f4a7c15ULL);
}
static inline uint64_t midx_label_hash(const char *s, size_t n)
{
    uint64_t acc = 0x9ae16a3b2f90404fULL ^ n, v;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&v, s + i, 8);
        acc = (acc ^ v) * 0xff51afd7ed558ccdULL;
        acc ^= acc >> 29;
    }
    if (i < n) {
        v = 0;
        memcpy(&v, s + i, n - i);
        acc = (acc ^ v) * 0xc4ceb9fe1a85ec53ULL;
        acc ^= acc >> 31;
    }
    return acc;
}
static inline uint64_t midx_name_join(uint64_t h, uint64_t label)
{
    h = (h ^ label) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 27);
}
static inline uint64_t midx_name_mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
    return h;
}
/* The hash of every suffix of s[0..len) that starts a label, longest first, into start[] and
 * hash[] (cap entries; 128 cover any domain name). Returns how many were written. */
static inline size_t midx_name_suffixes(int kind, const char *s, size_t len, size_t *start,
                                        uint64_t *hash, size_t cap)
{
    uint64_t h = midx_name_seed(kind);
    size_t end = len, n = 0, tmp_start[128];
    uint64_t tmp_hash[128];

    for (size_t i = len + 1; i-- > 0;) {
        if (i > 0 && s[i - 1] != '.')
            continue;
        h = midx_name_join(h, midx_label_hash(s + i, end - i));
        if (n < 128) {
            tmp_start[n] = i;
            tmp_hash[n++] = h;
        }
        end = i > 0 ? i - 1 : 0;
    }
    for (size_t i = 0; i < n && i < cap; i++) { /* the whole name first */
        start[i] = tmp_start[n - 1 - i];
        hash[i] = tmp_hash[n - 1 - i];
    }
    return n < cap ? n : cap;
}
static inline uint64_t midx_name_hash(int kind, const char *s, size_t len)
{
    uint64_t h = midx_name_seed(kind);
    size_t end = len;

    for (size_t i = len + 1; i-- > 0;) {
        if (i > 0 && s[i - 1] != '.')
            continue;
        h = midx_name_join(h, midx_label_hash(s + i, end - i));
        end = i > 0 ? i - 1 : 0;
    }
    return h;
}
/* The Bloom word of a name hash and the three bits it sets there. */
static inline uint64_t midx_bloom_bits(uint64_t h)
{
    return (1ULL << (h & 63)) | (1ULL << (h >> 6 & 63)) | (1ULL << (h >> 12 & 63));
}
static inline size_t midx_bloom_word(uint64_t h, uint64_t mask)
{
    return (size_t)((h >> 18) & mask);
}
/* A slot is (fingerprint << 32 | key); an empty slot is all ones. */
#define MIDX_SLOT_EMPTY 0xffffffffffffffffULL
static inline uint32_t midx_fp(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* value.c */
size_t rk_match__scan_ipv4_lenient(const char *s, size_t len, uint32_t *out);
/* rk_match_list_parse, with lines that are a bare IPv4 address or prefix handed to v4fn as
 * the range [first, last] instead of a parsed value (NULL: no shortcut). */
typedef int (*rk_match__list_v4_fn)(uint32_t first, uint32_t last, void *ctx);
int rk_match__list_parse_v4(const char *text, size_t len, rk_match_list_fn fn,
                            rk_match__list_v4_fn v4fn, void *ctx,
                            struct rk_match_list_stats *stats, struct rk_err *err);
void rk_match__ipv4_text(uint32_t a, char *buf, size_t cap);
void rk_match__ipv6_text(const uint8_t a[16], char *buf, size_t cap);
void rk_match__ipv4_value(struct rk_match_value *v, uint32_t a, unsigned prefix);
void rk_match__ipv6_value(struct rk_match_value *v, const uint8_t a[16], unsigned prefix);
int rk_match__normalize_domain(char *out, size_t cap, const char *s, size_t len, size_t *len_out,
                               long long *bad_at);
int rk_match__hash_kind_for_len(size_t len);
size_t rk_match__digest_len(int kind);

/* url.c */
int rk_match__parse_url(struct rk_match_value *v, const char *s, size_t len, struct rk_err *err);

/* pcap.c: values from a pcap or pcapng capture held in memory. */
int rk_match__extract_pcap(const char *p, size_t len, const struct rk_match_extract_options *opt,
                           rk_match_obs_fn fn, void *ctx, struct rk_match_extract_stats *stats,
                           struct rk_err *err);

/* checksum.c: a fast 64-bit checksum of p[0..len) (not cryptographic). */
uint64_t rk_match__checksum(const void *p, size_t len);

/* snapshot.c: attach and validate an image (the index does not take p). */
int rk_match__index_attach(struct rk_match_index *ix, const uint8_t *p, size_t len,
                           struct rk_err *err);

#endif
