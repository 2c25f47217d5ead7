/* bin.c - a closed bin: the rows built from one (bin, sensor) aggregation state, sorted by
 * packets, with each figure marked exact or approximate. */
#include "sensor/sensor_int.h"
#include "renkei/log.h"
#include "util/alloc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct rk_sensor_bin_info *rk_sensor_bin_info(const struct rk_sensor_bin *b)
{
    return &b->info;
}

size_t rk_sensor_bin_ports(const struct rk_sensor_bin *b, const struct rk_sensor_port_row **rows)
{
    *rows = b->ports;
    return b->n_ports;
}

size_t rk_sensor_bin_sources(const struct rk_sensor_bin *b,
                             const struct rk_sensor_source_row **rows)
{
    *rows = b->sources;
    return b->n_sources;
}

size_t rk_sensor_bin_prefixes(const struct rk_sensor_bin *b,
                              const struct rk_sensor_group_row **rows)
{
    *rows = b->prefixes;
    return b->n_prefixes;
}

size_t rk_sensor_bin_asns(const struct rk_sensor_bin *b, const struct rk_sensor_group_row **rows)
{
    *rows = b->asns;
    return b->n_asns;
}

size_t rk_sensor_bin_countries(const struct rk_sensor_bin *b,
                               const struct rk_sensor_group_row **rows)
{
    *rows = b->countries;
    return b->n_countries;
}

size_t rk_sensor_bin_dos(const struct rk_sensor_bin *b, const struct rk_sensor_dos_row **rows)
{
    *rows = b->dos;
    return b->n_dos;
}

static void free_names(struct rk_sensor_group_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rk_free((char *)rows[i].name);
}

void rk_sensor_bin_free(struct rk_sensor_bin *b)
{
    if (!b)
        return;
    free_names(b->asns, b->n_asns);
    rk_free(b->ports);
    rk_free(b->sources);
    rk_free(b->prefixes);
    rk_free(b->asns);
    rk_free(b->countries);
    rk_free(b->dos);
    rk_free(b->pset_off);
    rk_free(b->pset);
    rk_free(b);
}

/* ---- sorting ------------------------------------------------------------------------------ */

int rows_cmp_port(const void *a, const void *b)
{
    const struct rk_sensor_port_row *x = a, *y = b;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    return x->port < y->port ? -1 : x->port > y->port;
}

int rows_cmp_group(const void *a, const void *b)
{
    const struct rk_sensor_group_row *x = a, *y = b;
    int c;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if ((c = memcmp(x->prefix.addr.a, y->prefix.addr.a, 16)) != 0)
        return c;
    if (x->asn != y->asn)
        return x->asn < y->asn ? -1 : 1;
    return strcmp(x->country, y->country);
}

/* ---- rows ---------------------------------------------------------------------------------- */

static int build_ports(struct rk_sensor_bin *out, const struct binsens *b)
{
    size_t w = 0;

    out->ports = rk_reallocarray(NULL, b->port.n ? b->port.n : 1, sizeof(*out->ports));
    if (!out->ports)
        return RK_ENOMEM;
    for (uint32_t i = 0; i < b->port.n; i++) {
        const struct port_rec *p = &b->port.r[i];
        struct rk_sensor_port_row *r = &out->ports[w];
        int e1 = 1, e2 = 1;

        if (p->packets == 0)
            continue;
        memset(r, 0, sizeof(*r));
        r->proto = (uint8_t)(p->key >> 16);
        r->port = (uint16_t)p->key;
        r->packets = p->packets;
        r->packets_clean = p->packets_clean;
        memcpy(r->class_packets, p->cls, sizeof(r->class_packets));
        if (b->approx) {
            r->sources = shll_count(&p->hsrc, &b->pool_port, &e1);
            r->sources_clean = shll_count(&p->hclean, &b->pool_port, &e2);
        } else {
            r->sources = p->sources;
            r->sources_clean = p->sources_clean;
        }
        r->exact = e1 && e2;
        w++;
    }
    out->n_ports = w;
    qsort(out->ports, w, sizeof(*out->ports), rows_cmp_port);
    return 0;
}

static void fill_source(struct rk_sensor_source_row *r, const struct src_rec *s,
                        const struct binsens *b)
{
    int e1 = 1, e2 = 1;

    memset(r, 0, sizeof(*r));
    addr_from_halves(&r->addr, s->k0, s->k1);
    r->packets = s->packets;
    r->first_ns = s->first_ns;
    r->last_ns = s->last_ns;
    memcpy(r->class_packets, s->cls, sizeof(r->class_packets));
    r->fp = s->fp;
    /* a tool mark on one packet in 65,536 can be chance (16-bit IP ids): the source gets the
     * mark when most of its scan packets carry it */
    if (s->tool_hits[0] * 2 > s->cls[RK_SENSOR_CLASS_SCAN])
        r->fp |= RK_SENSOR_FP_MIRAI;
    if (s->tool_hits[1] * 2 > s->cls[RK_SENSOR_CLASS_SCAN])
        r->fp |= RK_SENSOR_FP_ZMAP;
    if (s->tool_hits[2] * 2 > s->cls[RK_SENSOR_CLASS_SCAN])
        r->fp |= RK_SENSOR_FP_MASSCAN;
    r->spoof = s->spoof;
    r->asn = s->asn;
    cc_unpack(s->cc, r->country);
    if (b->approx) {
        const struct src_hll *sh = &b->src_h[s - b->src.r];

        r->dsts = shll_count(&sh->hdst, &b->pool_small, &e1);
        r->ports = shll_count(&sh->hport, &b->pool_small, &e2);
    } else {
        r->dsts = s->dsts;
        r->ports = s->ports;
    }
    r->exact = e1 && e2;
}

/* Source rows: packets descending, ties in the order the sources were first seen. srow (may be
 * NULL) receives each record's row number. */
static int build_sources(struct rk_sensor_bin *out, const struct binsens *b, uint32_t *srow)
{
    uint32_t n = b->approx ? b->src_top.n : b->src.n;
    struct rkv *k = rk_reallocarray(NULL, n ? 2 * (size_t)n : 1, sizeof(*k));
    size_t m = 0;

    out->sources = rk_reallocarray(NULL, n ? n : 1, sizeof(*out->sources));
    if (!out->sources || !k) {
        rk_free(k);
        return RK_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        const struct src_rec *s = &b->src.r[i];

        if (s->packets == 0)
            continue;
        k[m++] = (struct rkv){~(b->approx ? b->src_top.ent[i].count : s->packets), i};
    }
    rsort_kv(k, k + m, m);
    for (size_t j = 0; j < m; j++) {
        struct rk_sensor_source_row *r = &out->sources[j];

        if (srow)
            srow[k[j].val] = (uint32_t)j;
        fill_source(r, &b->src.r[k[j].val], b);
        if (b->approx) {
            r->packets = b->src_top.ent[k[j].val].count;
            r->packets_err = b->src_top.ent[k[j].val].err;
            r->exact = r->exact && r->packets_err == 0;
        }
    }
    out->n_sources = m;
    rk_free(k);
    return 0;
}

/* A group's key in 64 bits: the /24 (IPv4) or /48 (IPv6) with the family on top, an ASN, or a
 * country. */
static uint64_t group_key(const struct src_rec *s, int kind)
{
    if (kind == 1)
        return s->asn;
    if (kind == 2)
        return s->cc;
    if (s->k0 == 0 && (s->k1 >> 32) == 0xffff)
        return (s->k1 & 0xffffffffULL) >> 8;
    return 1ULL << 63 | s->k0 >> 16;
}

static void group_fill(struct rk_sensor_group_row *r, uint64_t key, int kind,
                       const struct agg_ctx *c, int *rc)
{
    r->exact = 1;
    if (kind == 0 && key >> 63) {
        addr_from_halves(&r->prefix.addr, key << 16, 0);
        r->prefix.len = 48;
    } else if (kind == 0) {
        rk_sensor_addr_from_v4(&r->prefix.addr, (uint32_t)(key << 8));
        r->prefix.len = 24;
    } else if (kind == 1) {
        const char *name = geo_name(c->asn, (uint32_t)key);

        r->asn = (uint32_t)key;
        if (name && !(r->name = rk_strdup(name)))
            *rc = RK_ENOMEM;
    } else {
        cc_unpack((uint16_t)key, r->country);
    }
}

/* Exact mode: group rows from the sources (kind 0 prefixes, 1 ASNs, 2 countries), by radix
 * sorting the group keys; rows by packets descending, ties by key. */
static int exact_group_rows(struct rk_sensor_group_row **rows, size_t *n_rows,
                            const struct binsens *b, int kind, const struct agg_ctx *c)
{
    struct rkv *k = rk_reallocarray(NULL, b->src.n ? 2 * (size_t)b->src.n : 1, sizeof(*k));
    struct rk_sensor_group_row *g = NULL;
    size_t m = 0, w = 0;
    int rc = 0;

    *rows = NULL;
    *n_rows = 0;
    if (!k)
        return RK_ENOMEM;
    for (uint32_t i = 0; i < b->src.n; i++) {
        const struct src_rec *s = &b->src.r[i];

        if (s->packets && (kind == 0 || group_key(s, kind) != 0))
            k[m++] = (struct rkv){group_key(s, kind), i};
    }
    rsort_kv(k, k + m, m);
    if (!(g = rk_calloc(m ? m : 1, sizeof(*g))))
        rc = RK_ENOMEM;
    for (size_t j = 0; rc == 0 && j < m; j++) {
        if (w == 0 || k[j].key != k[j - 1].key)
            group_fill(&g[w++], k[j].key, kind, c, &rc);
        g[w - 1].packets += b->src.r[k[j].val].packets;
        g[w - 1].sources++;
    }
    /* reorder by packets: stable, so equal counts stay in key order */
    for (size_t j = 0; j < w; j++)
        k[j] = (struct rkv){~g[j].packets, j};
    rsort_kv(k, k + w, w);
    if (rc == 0 && (*rows = rk_calloc(w ? w : 1, sizeof(**rows)))) {
        for (size_t j = 0; j < w; j++)
            (*rows)[j] = g[k[j].val];
        *n_rows = w;
    } else if (rc == 0) {
        rc = RK_ENOMEM;
    }
    if (!*rows)
        free_names(g, w);
    rk_free(g);
    rk_free(k);
    return rc;
}

/* Approximate mode: group rows from the group records (kind 0 prefixes, 1 ASNs, 2
 * countries). */
static int build_groups(struct rk_sensor_group_row **rows, size_t *n_rows, const struct binsens *b,
                        int kind, const struct agg_ctx *c)
{
    const struct grp_rec *recs = kind == 0 ? b->pfx.r : kind == 1 ? b->asn.r : b->cc.r;
    uint32_t n = kind == 0 ? b->pfx_top.n : kind == 1 ? b->asn.n : b->cc.n;
    size_t w = 0;

    if (!b->approx)
        return exact_group_rows(rows, n_rows, b, kind, c);
    *rows = rk_calloc(n ? n : 1, sizeof(**rows));
    if (!*rows)
        return RK_ENOMEM;
    for (uint32_t i = 0; i < n; i++, w++) {
        struct rk_sensor_group_row *r = &(*rows)[w];
        int exact = 1;

        if (recs[i].packets == 0 && kind != 0) {
            w--;
            continue;
        }
        r->packets = recs[i].packets;
        r->sources = shll_count(&recs[i].hsrc, &b->pool_small, &exact);
        if (kind == 0) {
            addr_from_halves(&r->prefix.addr, recs[i].k0, recs[i].k1);
            r->prefix.len = addr_v4p(&r->prefix.addr) ? 24 : 48;
            r->packets = b->pfx_top.ent[i].count;
            r->packets_err = b->pfx_top.ent[i].err;
            exact = exact && r->packets_err == 0;
        } else if (kind == 1) {
            const char *name = geo_name(c->asn, (uint32_t)recs[i].k0);

            r->asn = (uint32_t)recs[i].k0;
            if (name && !(r->name = rk_strdup(name))) {
                *n_rows = w;
                return RK_ENOMEM;
            }
        } else {
            cc_unpack((uint16_t)recs[i].k0, r->country);
        }
        r->exact = exact;
    }
    *n_rows = w;
    qsort(*rows, w, sizeof(**rows), rows_cmp_group);
    return 0;
}

static void build_info(struct rk_sensor_bin *out, const struct binsens *b)
{
    struct rk_sensor_bin_info *in = &out->info;

    in->packets = b->packets;
    in->bytes = b->bytes;
    memcpy(in->class_packets, b->cls, sizeof(in->class_packets));
    memcpy(in->fp_packets, b->fp_packets, sizeof(in->fp_packets));
    in->ports = out->n_ports;
    in->dropped_keys = b->dropped_keys;
    in->exact = !b->approx && b->dropped_keys == 0;
    if (b->approx) {
        in->sources = (uint64_t)llround(hll_estimate(b->hll_total, b->total_bits));
        in->sources_rse = hll_rse(b->total_bits);
        for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++)
            in->fp_sources[bit] = (uint64_t)llround(hll_estimate(
                    b->hll_total + ((size_t)(bit + 1) << b->total_bits), b->total_bits));
        return;
    }
    in->sources = out->n_sources;
    for (size_t i = 0; i < out->n_sources; i++) {
        for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++)
            in->fp_sources[bit] += (out->sources[i].fp >> bit) & 1;
    }
}

/* ---- per-port source sets ------------------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* Put entry v into port row j; RK_EINTERNAL when the row's sources figure is exceeded. */
static int pset_put(struct rk_sensor_bin *out, uint32_t *fill, uint32_t j, uint32_t v)
{
    if (j == KIDX_NONE || fill[j] >= out->ports[j].sources)
        return RK_EINTERNAL;
    out->pset[out->pset_off[j] + fill[j]++] = v;
    return 0;
}

/* The entries from the pair set: (source record + 1) << PAIR_PORT_BITS | port record. */
static int pset_from_pairs(struct rk_sensor_bin *out, const struct binsens *b,
                           const uint32_t *srow, const uint32_t *prow, uint32_t *fill)
{
    int rc = 0;

    for (uint32_t i = 0; rc == 0 && i < b->src.n; i++) {
        const struct src_rec *s = &b->src.r[i];

        if (s->packets && !(s->pair_flags & PAIR_MULTI_PORT))
            rc = pset_put(out, fill, prow[s->port0],
                          srow[i] << 1 | ((s->pair_flags & PAIR_PORT0_CLEAN) != 0));
    }
    for (uint64_t k = 0; rc == 0 && k < b->sp.cap; k++) {
        uint64_t slot = b->sp.slots[k], key = slot & U64SET_KEYMASK;
        uint64_t si = (key >> PAIR_PORT_BITS) - 1, pi = key & ((1U << PAIR_PORT_BITS) - 1);

        if (slot == 0)
            continue;
        if (si >= b->src.n || pi >= b->port.n || srow[si] == KIDX_NONE)
            return RK_EINTERNAL;
        rc = pset_put(out, fill, prow[pi], srow[si] << 1 | (uint32_t)((slot >> 62) & 1));
    }
    return rc;
}

/* Exact mode: each port row's set of sources (see struct rk_sensor_bin). */
static int build_port_sets(struct rk_sensor_bin *out, const struct binsens *b, const uint32_t *srow)
{
    uint32_t *prow = rk_reallocarray(NULL, b->port.n ? b->port.n : 1, sizeof(*prow));
    uint32_t *fill = rk_calloc(out->n_ports ? out->n_ports : 1, sizeof(*fill));
    uint64_t total = 0;
    int rc = RK_ENOMEM;

    out->pset_off = rk_reallocarray(NULL, out->n_ports + 1, sizeof(*out->pset_off));
    if (!prow || !fill || !out->pset_off)
        goto out;
    for (uint32_t i = 0; i < b->port.n; i++)
        prow[i] = KIDX_NONE;
    for (size_t j = 0; j < out->n_ports; j++) {
        uint64_t key = (uint64_t)out->ports[j].proto << 16 | out->ports[j].port;

        prow[kidx_find(&b->port.idx, key, 0, hash128(key, 0))] = (uint32_t)j;
        out->pset_off[j] = (uint32_t)total;
        total += out->ports[j].sources;
    }
    out->pset_off[out->n_ports] = (uint32_t)total;
    rc = RK_ELIMIT;
    if (total > UINT32_MAX || out->n_sources > UINT32_MAX / 2)
        goto out;
    rc = RK_ENOMEM;
    if (!(out->pset = rk_reallocarray(NULL, total ? total : 1, sizeof(*out->pset))))
        goto out;
    if ((rc = pset_from_pairs(out, b, srow, prow, fill)) != 0)
        goto out;
    for (size_t j = 0; j < out->n_ports; j++) {
        if (fill[j] != out->ports[j].sources) {
            rc = RK_EINTERNAL;
            goto out;
        }
        qsort(out->pset + out->pset_off[j], fill[j], sizeof(uint32_t), cmp_u32);
    }
out:
    if (rc != 0) {
        rk_free(out->pset_off);
        rk_free(out->pset);
        out->pset_off = out->pset = NULL;
    }
    rk_free(prow);
    rk_free(fill);
    return rc;
}

static int build_all(struct rk_sensor_bin *bin, const struct binsens *b, const struct agg_ctx *c)
{
    int sets = c->cfg->keep_port_sets && !b->approx;
    uint32_t *srow = NULL;
    int rc = RK_ENOMEM;

    if (sets && !(srow = rk_reallocarray(NULL, b->src.n ? b->src.n : 1, sizeof(*srow))))
        return rc;
    for (uint32_t i = 0; srow && i < b->src.n; i++)
        srow[i] = KIDX_NONE;
    if ((rc = build_ports(bin, b)) == 0 && (rc = build_sources(bin, b, srow)) == 0 &&
        (rc = build_groups(&bin->prefixes, &bin->n_prefixes, b, 0, c)) == 0 &&
        (rc = build_groups(&bin->asns, &bin->n_asns, b, 1, c)) == 0 &&
        (rc = build_groups(&bin->countries, &bin->n_countries, b, 2, c)) == 0)
        build_info(bin, b);
    bin->sources_complete = !b->approx && b->dropped_keys == 0;
    if (rc == 0 && sets && (rc = build_port_sets(bin, b, srow)) != 0 && rc != RK_ENOMEM) {
        /* the bin stays usable; only a later merge of it will not be exact */
        rk_log_warn("no port sets for a bin sensor=%u rc=%s", b->sensor, rk_strerror(rc));
        rc = 0;
    }
    rk_free(srow);
    return rc;
}

int bin_build(struct rk_sensor_bin **out, const struct binsens *b, const struct agg_ctx *c,
              struct rk_sensor_dos_row *dos, size_t n_dos)
{
    struct rk_sensor_bin *bin = rk_calloc(1, sizeof(*bin));
    int rc = RK_ENOMEM;

    *out = NULL;
    if (!bin) {
        rk_free(dos);
        return RK_ENOMEM;
    }
    bin->dos = dos;
    bin->n_dos = n_dos;
    bin->info.dos_victims = n_dos;
    bin->info.exact = 1;
    if (b && (rc = build_all(bin, b, c)) != 0)
        goto fail;
    for (size_t i = 0; i < n_dos; i++)
        bin->info.exact = bin->info.exact && dos[i].exact;
    *out = bin;
    return 0;
fail:
    rk_sensor_bin_free(bin);
    return rc;
}
