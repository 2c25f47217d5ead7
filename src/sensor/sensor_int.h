/* sensor_int.h - internal data structures shared by the sensor component's files:
 * memory accounting, hash indexes, 64-bit key sets, HyperLogLog, space-saving top-k,
 * address range tables, and the aggregation state of one (bin, sensor). */
#ifndef RK_SENSOR_INT_H
#define RK_SENSOR_INT_H

#include "renkei/sensor.h"

#include <stddef.h>
#include <stdint.h>

/* ---- memory accounting ------------------------------------------------------------------ */

/* Bytes held by aggregation state, against the configured cap. Exact structures may use up to
 * exact_limit; approximate ones up to cap (docs/internals/sensor.md). */
struct smem {
    uint64_t used, peak;
    uint64_t cap, exact_limit;
};

/* Account for replacing old_bytes by new_bytes under limit: RK_ELIMIT when it would not fit.
 * On success the new size is charged (call smem_release for the old one afterwards). */
int smem_charge(struct smem *m, uint64_t bytes, uint64_t limit);
void smem_release(struct smem *m, uint64_t bytes);
/* Ask for transparent huge pages on the 2 MiB pages inside a large block: the big tables are
 * probed at random, and with 4 KiB pages nearly every probe would also miss the TLB. */
void mem_advise_huge(void *p, uint64_t bytes);

/* Inline forms of rk_sensor_addr_is_v4 and rk_sensor_addr_v4 for the per-packet paths. */
static inline int addr_v4p(const struct rk_sensor_addr *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    return __builtin_memcmp(a->a, mapped, 12) == 0;
}

static inline uint32_t addr_v4v(const struct rk_sensor_addr *a)
{
    return (uint32_t)a->a[12] << 24 | (uint32_t)a->a[13] << 16 | (uint32_t)a->a[14] << 8 | a->a[15];
}

/* 64-bit mixing (splitmix64 finaliser) and a hash of a 128-bit key. */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t hash128(uint64_t k0, uint64_t k1)
{
    return mix64(k0 ^ mix64(k1 + 0x9e3779b97f4a7c15ULL));
}

/* An address as two big-endian 64-bit halves, for hashing and ordered comparison. */
static inline uint64_t addr_hi(const struct rk_sensor_addr *a)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | a->a[i];
    return v;
}

static inline uint64_t addr_lo(const struct rk_sensor_addr *a)
{
    uint64_t v = 0;

    for (int i = 8; i < 16; i++)
        v = v << 8 | a->a[i];
    return v;
}

void addr_from_halves(struct rk_sensor_addr *out, uint64_t hi, uint64_t lo);
/* The /24 (IPv4) or /48 (IPv6) prefix of a, as a prefix and as halves. */
void addr_group_prefix(const struct rk_sensor_addr *a, struct rk_sensor_prefix *out);
/* 1 when a is inside one of the special-purpose ranges in spoof rule "bogon". */
int addr_is_bogon(const struct rk_sensor_addr *a, int ipv);

/* ---- hash index: 128-bit key -> 32-bit record number (open addressing) --------------- */

#define KIDX_NONE UINT32_MAX

struct kslot {
    uint64_t k0, k1;
    uint32_t idx; /* KIDX_NONE: empty */
    uint32_t pad;
};

struct kidx {
    struct kslot *slots;
    uint32_t cap; /* a power of two, or 0 */
    uint32_t count;
};

/* Record number for the key, or KIDX_NONE. */
static inline uint32_t kidx_find(const struct kidx *x, uint64_t k0, uint64_t k1, uint64_t h)
{
    uint32_t mask, i;

    if (x->cap == 0)
        return KIDX_NONE;
    mask = x->cap - 1;
    for (i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        const struct kslot *s = &x->slots[i];

        if (s->idx == KIDX_NONE)
            return KIDX_NONE;
        if (s->k0 == k0 && s->k1 == k1)
            return s->idx;
    }
}

/* Insert a key known to be absent. RK_ELIMIT when growing would pass limit, RK_ENOMEM. */
int kidx_insert(struct kidx *x, uint64_t k0, uint64_t k1, uint64_t h, uint32_t idx, struct smem *m,
                uint64_t limit);
/* Make room for n keys in all. RK_ELIMIT, RK_ENOMEM. */
int kidx_reserve(struct kidx *x, uint32_t n, struct smem *m, uint64_t limit);
/* Remove a key (backward-shift deletion). RK_ENOTFOUND when absent. */
int kidx_del(struct kidx *x, uint64_t k0, uint64_t k1, uint64_t h);
void kidx_free(struct kidx *x, struct smem *m);
uint64_t kidx_bytes(const struct kidx *x);

/* ---- set of 62-bit keys with two flag bits per key ------------------------------------ */

#define U64SET_KEYMASK ((1ULL << 62) - 1)

struct u64set {
    uint64_t *slots; /* 0: empty; else key | flags << 62 */
    uint64_t cap;
    uint64_t count;
};

/* Add key (non-zero, < 2^62) with flag bits (0..3): 1 when the key is new, 0 when it was there;
 * *old_flags receives the flags before the call. RK_ELIMIT / RK_ENOMEM. */
int u64set_add(struct u64set *s, uint64_t key, unsigned flags, unsigned *old_flags, struct smem *m,
               uint64_t limit);
/* Make room for extra more keys, so that the next extra additions cannot fail. */
int u64set_reserve(struct u64set *s, uint64_t extra, struct smem *m, uint64_t limit);
void u64set_free(struct u64set *s, struct smem *m);
uint64_t u64set_bytes(const struct u64set *s);

/* ---- HyperLogLog with an exact small mode --------------------------------------------- */

/* Dense HyperLogLog registers come from a pool (one precision per pool). */
struct hllpool {
    uint8_t *regs;
    uint32_t n, cap; /* blocks */
    uint32_t free;   /* first free block (its first 4 bytes link the next), or KIDX_NONE */
    uint8_t bits;    /* precision p: 2^p one-byte registers per block */
};

/* Up to SHLL_EXACT distinct 64-bit hashes are kept as they are (an exact count); past that the
 * counter moves to a dense HyperLogLog block of the pool. */
#define SHLL_EXACT 5
struct shll {
    uint64_t h[SHLL_EXACT];
    uint32_t n;
    uint32_t dense; /* pool block, or KIDX_NONE */
};

void shll_init(struct shll *c);
/* Add a hash. RK_ELIMIT when a dense block could not be had (the hash is then lost). */
int shll_add(struct shll *c, uint64_t h, struct hllpool *pool, struct smem *m, uint64_t limit);
/* The count: exact while small, else the HyperLogLog estimate. */
uint64_t shll_count(const struct shll *c, const struct hllpool *pool, int *exact);
void hllpool_free(struct hllpool *p, struct smem *m);
/* Give a counter's dense block back to the pool (the counter is reset). */
void shll_release(struct shll *c, struct hllpool *pool);

/* A stand-alone dense HyperLogLog (the bin's total unique sources). */
void hll_add(uint8_t *regs, uint8_t bits, uint64_t h);
double hll_estimate(const uint8_t *regs, uint8_t bits);
/* 1.04 / sqrt(2^bits). */
double hll_rse(uint8_t bits);

/* ---- space-saving top-k over 128-bit keys -------------------------------------------- */

struct topk_ent {
    uint64_t k0, k1;
    uint64_t count, err;
    uint32_t pos; /* position in the heap */
};

struct topk {
    struct kidx idx;
    struct topk_ent *ent;
    uint32_t *heap; /* entry numbers, a min-heap on count */
    uint32_t n, k;
};

int topk_init(struct topk *t, uint32_t k, struct smem *m, uint64_t limit);
/* Count inc more for key. *idx_out is its entry; *fresh = 1 when the entry was just given to
 * this key (it evicted the minimum, whose count becomes this key's error bound). */
int topk_hit(struct topk *t, uint64_t k0, uint64_t k1, uint64_t h, uint64_t inc, uint32_t *idx_out,
             int *fresh, struct smem *m, uint64_t limit);
void topk_free(struct topk *t, struct smem *m);

/* ---- address range tables ------------------------------------------------------------- */

struct rrange {
    uint64_t lo_hi, lo_lo; /* first address */
    uint64_t hi_hi, hi_lo; /* last address */
    uint32_t val;
};

struct rtab {
    struct rrange *r;
    size_t n, cap;
    int built;
};

int rtab_add(struct rtab *t, const struct rk_sensor_addr *first, const struct rk_sensor_addr *last,
             uint32_t val);
int rtab_add_prefix(struct rtab *t, const struct rk_sensor_prefix *p, uint32_t val);
/* Sort; merge overlapping ranges (merge = 1, for sets) or drop the later of two overlapping
 * ranges (merge = 0; *dropped counts them). */
int rtab_build(struct rtab *t, int merge, uint64_t *dropped);
/* The value of the range holding a, or KIDX_NONE. */
uint32_t rtab_lookup(const struct rtab *t, const struct rk_sensor_addr *a);
void rtab_free(struct rtab *t);

/* ---- loaders (lists.c) ------------------------------------------------------------------ */

/* Research-scanner list: text or MISP warning-list JSON, into t (values 1). */
int lists_load_scanners(struct rtab *t, const char *path, struct rk_sensor_load_result *res,
                        struct rk_err *err);

/* A geo table: ranges with a value (ASN, or a country packed as two bytes), and ASN names. */
struct geo {
    struct rtab ranges;
    char **names; /* per ASN-table row value index: organisation names */
    uint32_t *asns;
    size_t n_vals, cap_vals;
    int kind;
};
int lists_load_geo(struct geo *g, int kind, const char *path, struct rk_sensor_load_result *res,
                   struct rk_err *err);
void geo_free(struct geo *g);
/* For the ASN table: value -> asn and name. For countries the value is the code packed in 16
 * bits. */
uint32_t geo_lookup(const struct geo *g, const struct rk_sensor_addr *a);
/* The organisation name of an ASN, or NULL. */
const char *geo_name(const struct geo *g, uint32_t asn);

/* ---- aggregation of one (bin, sensor) (agg.c, agg_approx.c) ----------------------------- */

/* A source: 104 bytes, so that a record spans two cache lines, sometimes three; what every
 * packet updates comes first. The approximate mode's unique counters live apart (src_hll). */
struct src_rec {
    uint64_t k0, k1;
    uint64_t packets;
    int64_t first_ns, last_ns;
    uint64_t cls[RK_SENSOR_CLASS_COUNT];
    uint32_t dsts, ports;  /* exact mode */
    uint32_t port0, dst0;  /* exact mode: the first (source, port) and (source, destination)
                              pairs live here, not in the pair sets, until a second one
                              comes (most sources send to one port, many to one address) */
    uint32_t tool_hits[3]; /* scan packets with the Mirai, ZMap and masscan marks: a source
                              gets a tool mark when most of its scan packets carry it */
    uint8_t pair_flags;    /* PAIR_* below */
    uint8_t fp, spoof;     /* research and spoofed marks */
    uint16_t cc;
    uint32_t asn;
};

/* Approximate mode: a source's distinct destinations and ports, parallel to the records. */
struct src_hll {
    struct shll hdst, hport;
};

/* (source, port) pair keys: (source record + 1) << PAIR_PORT_BITS | port record. */
#define PAIR_PORT_BITS 20 /* port record numbers stay below 2^18 */

enum {
    PAIR_PORT0_CLEAN = 1, /* the first pair was seen in a clean packet */
    PAIR_MULTI_PORT = 2,  /* the source's (source, port) pairs are in the set, port0 included */
    PAIR_MULTI_DST = 4    /* likewise for destinations */
};

struct port_rec {
    uint64_t key; /* proto << 16 | port */
    uint64_t packets, packets_clean;
    uint64_t cls[RK_SENSOR_CLASS_COUNT];
    uint32_t sources, sources_clean; /* exact mode */
    struct shll hsrc, hclean;        /* approximate mode */
};

struct grp_rec {
    uint64_t k0, k1;
    uint64_t packets;
    uint32_t sources; /* while switching to approximate counting */
    struct shll hsrc; /* approximate mode */
};

/* A typed growable array of records with its hash index. */
#define REC_TABLE(type)                                                                            \
    struct {                                                                                       \
        struct kidx idx;                                                                           \
        type *r;                                                                                   \
        uint32_t n, cap;                                                                           \
    }

struct agg_ctx; /* what an update needs from the engine */

struct binsens {
    uint32_t sensor;
    int approx;
    uint64_t packets, bytes;
    uint64_t cls[RK_SENSOR_CLASS_COUNT];
    uint64_t fp_packets[RK_SENSOR_FP_COUNT];
    uint64_t dropped_keys;
    uint64_t mem; /* bytes of exact state (to pick the largest to convert) */

    REC_TABLE(struct src_rec) src; /* exact: every source; approx: payload of src_top */
    struct src_hll *src_h;         /* approx: one per src_top entry (src.cap of them) */
    REC_TABLE(struct port_rec) port;
    REC_TABLE(struct grp_rec) pfx; /* approx: payload of pfx_top (exact: built at the switch) */
    REC_TABLE(struct grp_rec) asn; /* approx only */
    REC_TABLE(struct grp_rec) cc;  /* approx only */
    struct u64set sp;              /* (source, port) pairs; flag 1: seen as clean */
    struct u64set sd;              /* (source, destination) pairs */
    struct kidx dst6;              /* IPv6 destination -> number, for sd keys */
    uint32_t n_dst6;

    struct topk src_top, pfx_top;
    struct hllpool pool_port, pool_small;
    uint8_t *hll_total; /* 1 + RK_SENSOR_FP_COUNT blocks of 2^total_bits registers: all
                           sources, then the sources of each fingerprint */
    uint8_t total_bits;
    uint32_t topk; /* entries of src_top and pfx_top */

    uint32_t last_src; /* one-entry cache of the last source */
    uint64_t last_k0, last_k1;
    uint32_t staged_new; /* sources stage 2 found new and stage 3 has not counted yet */
};

/* What the aggregation needs to know about the world outside the bin. */
struct agg_ctx {
    const struct rk_sensor_config *cfg;
    struct smem *mem;
    const struct rtab *scanners;
    const struct geo *asn, *cc;
};

/* Batches: what the first two stages learnt about a packet, so that the third can skip the
 * lookups whose memory they prefetched (docs/internals/sensor.md, "batches"). */
struct agg_hint {
    uint64_t k0, k1, h; /* the source key and its hash */
    uint32_t si, pi;    /* source and port record numbers, KIDX_NONE when not found */
};
/* Stage 2 guesses the record number a new source will get (for prefetching only). */

/* Stage 1: hash the source and prefetch its index slot. */
void binsens_stage1(struct binsens *b, const struct rk_sensor_pkt *p, struct agg_hint *h);
/* Stage 2: find the source and port; prefetch the source record and the pair-set slots. */
void binsens_stage2(struct binsens *b, const struct rk_sensor_pkt *p, struct agg_hint *h);

struct binsens *binsens_new(uint32_t sensor);
void binsens_free(struct binsens *b, struct smem *m);
/* Size the exact tables for about as many sources and pairs as the sensor's previous bin had,
 * so that they do not grow (and rehash) while packets come. Best effort, and never more than
 * an eighth of what exact state may use. */
void binsens_presize(struct binsens *b, uint32_t sources, uint64_t sp, uint64_t sd,
                     const struct agg_ctx *c);
/* The sizes to presize the sensor's next bin with. */
void binsens_sizes(const struct binsens *b, uint32_t *sources, uint64_t *sp, uint64_t *sd);
/* Count one classified packet. RK_ELIMIT (nothing counted) when exact state is full: the caller
 * converts some state to approximate and retries. RK_ENOMEM. */
int binsens_update(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c);
/* The same with the hint of stages 1 and 2 (ignored once the state is approximate). */
int binsens_update_hinted(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c,
                          const struct agg_hint *h);
/* Count what needs little or no new memory (totals, the port) when the state cannot take the
 * packet; the key is counted as dropped and the bin is not exact. */
void binsens_count_lost(struct binsens *b, const struct rk_sensor_pkt *p, const struct agg_ctx *c);
/* Exact mode keeps no group records: build them from the sources (for the switch to
 * approximate counting); grp[3 * i ..] receives source i's prefix, ASN and country record
 * numbers (KIDX_NONE for none). RK_ELIMIT, RK_ENOMEM. */
int binsens_exact_groups(struct binsens *b, const struct agg_ctx *c, uint32_t *grp);
/* Switch to approximate counting, keeping everything counted so far. */
int binsens_to_approx(struct binsens *b, const struct agg_ctx *c);

/* ---- DoS backscatter (dos.c) ------------------------------------------------------------ */

struct dos_state;
int dos_new(struct dos_state **out);
void dos_free(struct dos_state *d, struct smem *m);
/* Count one backscatter packet counted in bin bin_start. */
int dos_update(struct dos_state *d, const struct rk_sensor_pkt *p, int64_t bin_start,
               const struct rk_sensor_config *cfg, struct smem *m);
/* Rows for the attacks active in the bin [bin_start, bin_end) that pass the thresholds, then
 * finish attacks idle since before bin_end: those that passed go to *finished. */
int dos_close_bin(struct dos_state *d, int64_t bin_start, int64_t bin_end,
                  const struct rk_sensor_config *cfg, struct rk_sensor_dos_row **rows,
                  size_t *n_rows, struct rk_sensor_dos_row **finished, size_t *n_finished,
                  struct smem *m);
/* Finish every attack (end of input). */
int dos_finish_all(struct dos_state *d, const struct rk_sensor_config *cfg,
                   struct rk_sensor_dos_row **finished, size_t *n_finished, struct smem *m);

/* ---- sorting (rsort.c) -------------------------------------------------------------------- */

struct rkv {
    uint64_t key, val;
};

/* Sort a[0..n) by key, ascending and stable; tmp holds n items. */
void rsort_kv(struct rkv *a, struct rkv *tmp, size_t n);

/* ---- closed bins (bin.c) ---------------------------------------------------------------- */

struct rk_sensor_bin {
    struct rk_sensor_bin_info info;
    struct rk_sensor_port_row *ports;
    struct rk_sensor_source_row *sources;
    struct rk_sensor_group_row *prefixes, *asns, *countries;
    struct rk_sensor_dos_row *dos;
    size_t n_ports, n_sources, n_prefixes, n_asns, n_countries, n_dos;
    int sources_complete; /* every source of the bin has a row (exact mode, no dropped key) */
    /* Per-port source sets (config keep_port_sets, exact mode; NULL otherwise): the entries of
     * port row i are pset[pset_off[i] .. pset_off[i + 1]), each a source row number << 1 | 1
     * when that source sent the port a clean packet, ascending. They make merging two parts of
     * a bin exact (persist.c, merge.c). */
    uint32_t *pset_off;
    uint32_t *pset;
};

/* qsort orders of a bin's rows: packets descending, ties by key (protocol and port; prefix
 * address, ASN, country), as the engine writes them and merges and rollups keep them. */
int rows_cmp_port(const void *a, const void *b);
int rows_cmp_group(const void *a, const void *b);

/* Group rows (kind 0 prefixes, 1 ASNs, 2 countries) from a bin's source rows, as the engine
 * builds them in exact mode: packets descending, ties by key. ASN names come from names(asn),
 * which may return NULL. */
int rows_groups(struct rk_sensor_group_row **rows, size_t *n_rows,
                const struct rk_sensor_source_row *src, size_t n_src, int kind,
                const char *(*names)(uint32_t asn, const void *ctx), const void *ctx);

/* Build the rows of a closed bin from its aggregation state (b may be NULL: an empty bin).
 * Takes ownership of dos rows. */
int bin_build(struct rk_sensor_bin **out, const struct binsens *b, const struct agg_ctx *c,
              struct rk_sensor_dos_row *dos, size_t n_dos);

/* Country codes packed in 16 bits. */
static inline uint16_t cc_pack(const char *cc)
{
    return (uint16_t)((uint8_t)cc[0] << 8 | (uint8_t)cc[1]);
}

static inline void cc_unpack(uint16_t v, char out[3])
{
    out[0] = (char)(v >> 8);
    out[1] = (char)(v & 0xff);
    out[2] = '\0';
    if (v == 0)
        out[0] = '\0';
}

#endif
