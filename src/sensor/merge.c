/* merge.c - one bin from two parts of it, counted by different ingests (a capture split in the
 * middle of a bin). Packet counts add up. Unique counts are exact when both parts are: sources
 * are united by address, and each port's sources by the per-port source sets; without sets a
 * port's sources are added (an upper bound, marked approximate). Per-source distinct
 * destinations and ports cannot be united from counts: a source seen in both parts keeps the
 * larger (a lower bound, marked approximate). Semantics: docs/internals/sensor.md. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <stdlib.h>
#include <string.h>

struct mctx {
    const struct rk_sensor_bin *a, *b;
    struct rk_sensor_bin *m;
    uint32_t *amap, *bmap; /* source row of a / b -> merged source row */
    struct smem mem;       /* unlimited: closed bins are outside the engine's cap */
};

static uint64_t max_u64(uint64_t x, uint64_t y)
{
    return x > y ? x : y;
}

/* ---- sources ------------------------------------------------------------------------------- */

static void combine_source(struct rk_sensor_source_row *x, const struct rk_sensor_source_row *y)
{
    x->packets += y->packets;
    x->packets_err += y->packets_err;
    x->dsts = max_u64(x->dsts, y->dsts);
    x->ports = max_u64(x->ports, y->ports);
    x->first_ns = x->first_ns < y->first_ns ? x->first_ns : y->first_ns;
    x->last_ns = x->last_ns > y->last_ns ? x->last_ns : y->last_ns;
    for (int c = 0; c < RK_SENSOR_CLASS_COUNT; c++)
        x->class_packets[c] += y->class_packets[c];
    x->fp |= y->fp;
    x->spoof |= y->spoof;
    if (y->asn)
        x->asn = y->asn;
    if (y->country[0])
        memcpy(x->country, y->country, sizeof(x->country));
    x->exact = 0;
}

static int cmp_source(const void *p, const void *q)
{
    const struct rk_sensor_source_row *x = p, *y = q;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if (x->first_ns != y->first_ns)
        return x->first_ns < y->first_ns ? -1 : 1;
    return memcmp(x->addr.a, y->addr.a, 16);
}

/* Order the merged rows; amap and bmap follow them (through each address's new position). */
static int sort_sources(struct mctx *c, size_t n)
{
    struct rk_sensor_source_row *rows = rk_reallocarray(NULL, n ? n : 1, sizeof(*rows));
    uint32_t *inv = rk_reallocarray(NULL, n ? n : 1, sizeof(*inv));
    struct kidx idx = {0};
    int rc = RK_ENOMEM;

    if (rows && inv) {
        memcpy(rows, c->m->sources, n * sizeof(*rows));
        qsort(rows, n, sizeof(*rows), cmp_source);
        rc = 0;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint64_t k0 = addr_hi(&rows[i].addr), k1 = addr_lo(&rows[i].addr);

        rc = kidx_insert(&idx, k0, k1, hash128(k0, k1), (uint32_t)i, &c->mem, UINT64_MAX);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint64_t k0 = addr_hi(&c->m->sources[i].addr), k1 = addr_lo(&c->m->sources[i].addr);

        inv[i] = kidx_find(&idx, k0, k1, hash128(k0, k1));
    }
    kidx_free(&idx, &c->mem);
    if (rc == 0) {
        for (size_t i = 0; i < c->a->n_sources; i++)
            c->amap[i] = inv[c->amap[i]];
        for (size_t i = 0; i < c->b->n_sources; i++)
            c->bmap[i] = inv[c->bmap[i]];
        rk_free(c->m->sources);
        c->m->sources = rows;
        rows = NULL;
    }
    rk_free(rows);
    rk_free(inv);
    return rc;
}

/* Unite the source rows by address; *overlap counts addresses present in both parts. */
static int merge_sources(struct mctx *c, uint64_t *overlap)
{
    const struct rk_sensor_bin *a = c->a, *b = c->b;
    size_t n = 0, cap = a->n_sources + b->n_sources;
    struct kidx idx = {0};
    int rc = RK_ENOMEM;

    *overlap = 0;
    c->amap = rk_reallocarray(NULL, a->n_sources ? a->n_sources : 1, sizeof(uint32_t));
    c->bmap = rk_reallocarray(NULL, b->n_sources ? b->n_sources : 1, sizeof(uint32_t));
    c->m->sources = rk_reallocarray(NULL, cap ? cap : 1, sizeof(*c->m->sources));
    if (!c->amap || !c->bmap || !c->m->sources || cap > UINT32_MAX / 2)
        return cap > UINT32_MAX / 2 ? RK_ELIMIT : rc;
    rc = 0;
    for (size_t i = 0; rc == 0 && i < cap; i++) {
        const struct rk_sensor_source_row *s =
                i < a->n_sources ? &a->sources[i] : &b->sources[i - a->n_sources];
        uint64_t k0 = addr_hi(&s->addr), k1 = addr_lo(&s->addr), h = hash128(k0, k1);
        uint32_t f = kidx_find(&idx, k0, k1, h);

        if (f == KIDX_NONE) {
            c->m->sources[n] = *s;
            f = (uint32_t)n++;
            rc = kidx_insert(&idx, k0, k1, h, f, &c->mem, UINT64_MAX);
        } else {
            combine_source(&c->m->sources[f], s);
            (*overlap)++;
        }
        if (i < a->n_sources)
            c->amap[i] = f;
        else
            c->bmap[i - a->n_sources] = f;
    }
    kidx_free(&idx, &c->mem);
    c->m->n_sources = n;
    return rc == 0 ? sort_sources(c, n) : rc;
}

/* ---- ports ---------------------------------------------------------------------------------- */

struct mport {
    struct rk_sensor_port_row row;
    uint32_t *set; /* merged entries, ascending */
    size_t n_set;
};

static int cmp_u32(const void *p, const void *q)
{
    uint32_t x = *(const uint32_t *)p, y = *(const uint32_t *)q;

    return x < y ? -1 : x > y;
}

static int cmp_mport(const void *p, const void *q)
{
    const struct rk_sensor_port_row *x = &((const struct mport *)p)->row;
    const struct rk_sensor_port_row *y = &((const struct mport *)q)->row;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if (x->proto != y->proto)
        return x->proto < y->proto ? -1 : 1;
    return x->port < y->port ? -1 : x->port > y->port;
}

/* Append a part's entries for port row i, renumbered through map. */
static int set_append(struct mport *mp, const struct rk_sensor_bin *part, size_t i,
                      const uint32_t *map)
{
    uint32_t from = part->pset_off[i], to = part->pset_off[i + 1];
    uint32_t *n = rk_reallocarray(mp->set, mp->n_set + (to - from) + 1, sizeof(*n));

    if (!n)
        return RK_ENOMEM;
    mp->set = n;
    for (uint32_t k = from; k < to; k++)
        mp->set[mp->n_set++] = map[part->pset[k] >> 1] << 1 | (part->pset[k] & 1);
    return 0;
}

/* Sort the entries and fold a source appearing twice (clean if either part says so); the
 * port's unique figures are then exact counts. */
static void set_finish(struct mport *mp)
{
    size_t w = 0, clean = 0;

    qsort(mp->set, mp->n_set, sizeof(uint32_t), cmp_u32);
    for (size_t k = 0; k < mp->n_set; k++) {
        if (w > 0 && (mp->set[w - 1] >> 1) == (mp->set[k] >> 1))
            mp->set[w - 1] |= mp->set[k] & 1;
        else
            mp->set[w++] = mp->set[k];
    }
    mp->n_set = w;
    for (size_t k = 0; k < w; k++)
        clean += mp->set[k] & 1;
    mp->row.sources = w;
    mp->row.sources_clean = clean;
}

static void combine_port(struct rk_sensor_port_row *x, const struct rk_sensor_port_row *y, int sets)
{
    x->packets += y->packets;
    x->packets_clean += y->packets_clean;
    for (int c = 0; c < RK_SENSOR_CLASS_COUNT; c++)
        x->class_packets[c] += y->class_packets[c];
    x->exact = x->exact && y->exact && sets;
    if (!sets) { /* no sets to unite: an upper bound */
        x->sources += y->sources;
        x->sources_clean += y->sources_clean;
    }
}

/* Merged port rows in mp[0..*n), unsorted, with their sets when both parts have sets. */
static int gather_ports(struct mctx *c, struct mport *mp, size_t *n)
{
    const struct rk_sensor_bin *parts[2] = {c->a, c->b};
    const uint32_t *maps[2] = {c->amap, c->bmap};
    int sets = c->a->pset && c->b->pset, rc = 0;
    struct kidx idx = {0};

    *n = 0;
    for (int p = 0; p < 2 && rc == 0; p++) {
        for (size_t i = 0; rc == 0 && i < parts[p]->n_ports; i++) {
            const struct rk_sensor_port_row *r = &parts[p]->ports[i];
            uint64_t key = (uint64_t)r->proto << 16 | r->port, h = hash128(key, 0);
            uint32_t f = kidx_find(&idx, key, 0, h);

            if (f == KIDX_NONE) {
                mp[*n].row = *r;
                f = (uint32_t)(*n)++;
                rc = kidx_insert(&idx, key, 0, h, f, &c->mem, UINT64_MAX);
            } else {
                combine_port(&mp[f].row, r, sets);
            }
            if (rc == 0 && sets)
                rc = set_append(&mp[f], parts[p], i, maps[p]);
        }
    }
    kidx_free(&idx, &c->mem);
    for (size_t i = 0; rc == 0 && sets && i < *n; i++)
        set_finish(&mp[i]);
    return rc;
}

/* Sorted port rows and, with sets, their entries laid out as struct rk_sensor_bin wants. */
static int place_ports(struct rk_sensor_bin *m, struct mport *mp, size_t n, int sets)
{
    uint64_t total = 0;

    qsort(mp, n, sizeof(*mp), cmp_mport);
    if (!(m->ports = rk_reallocarray(NULL, n ? n : 1, sizeof(*m->ports))))
        return RK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        m->ports[i] = mp[i].row;
        total += mp[i].n_set;
    }
    m->n_ports = n;
    if (!sets)
        return 0;
    if (total > UINT32_MAX)
        return RK_ELIMIT;
    m->pset_off = rk_reallocarray(NULL, n + 1, sizeof(*m->pset_off));
    m->pset = rk_reallocarray(NULL, total ? total : 1, sizeof(*m->pset));
    if (!m->pset_off || !m->pset)
        return RK_ENOMEM;
    total = 0;
    for (size_t i = 0; i < n; i++) {
        m->pset_off[i] = (uint32_t)total;
        if (mp[i].n_set)
            memcpy(m->pset + total, mp[i].set, mp[i].n_set * sizeof(uint32_t));
        total += mp[i].n_set;
    }
    m->pset_off[n] = (uint32_t)total;
    return 0;
}

static int merge_ports(struct mctx *c)
{
    size_t cap = c->a->n_ports + c->b->n_ports, n = 0;
    struct mport *mp = rk_calloc(cap ? cap : 1, sizeof(*mp));
    int rc = RK_ENOMEM;

    if (mp && (rc = gather_ports(c, mp, &n)) == 0)
        rc = place_ports(c->m, mp, n, c->a->pset && c->b->pset);
    for (size_t i = 0; mp && i < cap; i++)
        rk_free(mp[i].set);
    rk_free(mp);
    return rc;
}

/* ---- groups ---------------------------------------------------------------------------------- */

static int same_group(const struct rk_sensor_group_row *x, const struct rk_sensor_group_row *y)
{
    return x->asn == y->asn && strcmp(x->country, y->country) == 0 &&
           x->prefix.len == y->prefix.len && memcmp(x->prefix.addr.a, y->prefix.addr.a, 16) == 0;
}

/* A group row's key within its kind: the prefix (address and length), the ASN or the country. */
static void group_key(const struct rk_sensor_group_row *r, uint64_t *k0, uint64_t *k1)
{
    *k0 = addr_hi(&r->prefix.addr) ^ r->prefix.len;
    *k1 = addr_lo(&r->prefix.addr) ^ ((uint64_t)r->asn << 16 | cc_pack(r->country));
}

/* Without every source's row: group rows add up (sources as an upper bound). */
static int add_groups(struct rk_sensor_group_row **out, size_t *n_out,
                      const struct rk_sensor_group_row *x, size_t nx,
                      const struct rk_sensor_group_row *y, size_t ny, struct smem *mem)
{
    struct rk_sensor_group_row *g = rk_calloc(nx + ny + 1, sizeof(*g));
    struct kidx idx = {0};
    size_t n = 0;
    int rc = g ? 0 : RK_ENOMEM;

    for (size_t i = 0; rc == 0 && i < nx + ny; i++) {
        const struct rk_sensor_group_row *r = i < nx ? &x[i] : &y[i - nx];
        uint64_t k0, k1, h;
        uint32_t f;

        group_key(r, &k0, &k1);
        h = hash128(k0, k1);
        f = kidx_find(&idx, k0, k1, h);

        if (f != KIDX_NONE && same_group(&g[f], r)) {
            g[f].packets += r->packets;
            g[f].packets_err += r->packets_err;
            g[f].sources += r->sources;
            g[f].exact = 0;
            continue;
        }
        g[n] = *r;
        g[n].name = NULL;
        if (r->name && !(g[n].name = rk_strdup(r->name)))
            rc = RK_ENOMEM;
        if (rc == 0)
            rc = kidx_insert(&idx, k0, k1, h, (uint32_t)n, mem, UINT64_MAX);
        n++;
    }
    kidx_free(&idx, mem);
    if (g)
        qsort(g, n, sizeof(*g), rows_cmp_group);
    *out = g;
    *n_out = n;
    return rc;
}

static const char *both_names(uint32_t asn, const void *ctx)
{
    const struct rk_sensor_bin *const *parts = ctx;

    for (int p = 1; p >= 0; p--) {
        for (size_t i = 0; i < parts[p]->n_asns; i++) {
            if (parts[p]->asns[i].asn == asn && parts[p]->asns[i].name)
                return parts[p]->asns[i].name;
        }
    }
    return NULL;
}

static int merge_groups(struct mctx *c)
{
    const struct rk_sensor_bin *parts[2] = {c->a, c->b};
    const struct rk_sensor_bin *a = c->a, *b = c->b;
    struct rk_sensor_bin *m = c->m;
    int rc;

    if (m->sources_complete) {
        if ((rc = rows_groups(&m->prefixes, &m->n_prefixes, m->sources, m->n_sources, 0, NULL,
                              NULL)) != 0 ||
            (rc = rows_groups(&m->asns, &m->n_asns, m->sources, m->n_sources, 1, both_names,
                              parts)) != 0)
            return rc;
        return rows_groups(&m->countries, &m->n_countries, m->sources, m->n_sources, 2, NULL, NULL);
    }
    if ((rc = add_groups(&m->prefixes, &m->n_prefixes, a->prefixes, a->n_prefixes, b->prefixes,
                         b->n_prefixes, &c->mem)) != 0 ||
        (rc = add_groups(&m->asns, &m->n_asns, a->asns, a->n_asns, b->asns, b->n_asns, &c->mem)) !=
                0)
        return rc;
    return add_groups(&m->countries, &m->n_countries, a->countries, a->n_countries, b->countries,
                      b->n_countries, &c->mem);
}

/* ---- DoS attacks ------------------------------------------------------------------------------
 */

static void combine_dos(struct rk_sensor_dos_row *x, const struct rk_sensor_dos_row *y)
{
    x->start_ns = x->start_ns < y->start_ns ? x->start_ns : y->start_ns;
    x->last_ns = x->last_ns > y->last_ns ? x->last_ns : y->last_ns;
    x->packets += y->packets;
    x->bytes += y->bytes;
    x->bin_packets += y->bin_packets;
    x->icmp_mismatches += y->icmp_mismatches;
    x->attacker_addrs = max_u64(x->attacker_addrs, y->attacker_addrs);
    x->attacker_ports = max_u64(x->attacker_ports, y->attacker_ports);
    x->target_ports = max_u64(x->target_ports, y->target_ports);
    x->max_ppm = max_u64(x->max_ppm, y->max_ppm);
    x->finished = y->finished;
    x->exact = 0;
}

/* Attacks keyed by (victim, protocol); a bin holds few, so a linear search will do. */
static int merge_dos(struct mctx *c)
{
    size_t n = c->a->n_dos;
    struct rk_sensor_dos_row *d = rk_reallocarray(NULL, n + c->b->n_dos + 1, sizeof(*d));

    if (!d)
        return RK_ENOMEM;
    if (n)
        memcpy(d, c->a->dos, n * sizeof(*d));
    for (size_t j = 0; j < c->b->n_dos; j++) {
        const struct rk_sensor_dos_row *y = &c->b->dos[j];
        size_t i = 0;

        while (i < n && !(d[i].proto == y->proto && memcmp(d[i].victim.a, y->victim.a, 16) == 0))
            i++;
        if (i < n)
            combine_dos(&d[i], y);
        else
            d[n++] = *y;
    }
    c->m->dos = d;
    c->m->n_dos = n;
    return 0;
}

/* ---- the bin ------------------------------------------------------------------------------------
 */

static void merge_info(struct mctx *c, uint64_t overlap)
{
    const struct rk_sensor_bin_info *x = &c->a->info, *y = &c->b->info;
    struct rk_sensor_bin_info *in = &c->m->info;
    struct rk_sensor_bin *m = c->m;
    int exact = x->exact && y->exact && m->sources_complete;

    *in = *y; /* the newer part names the sensor, its country and TLP */
    in->packets = x->packets + y->packets;
    in->bytes = x->bytes + y->bytes;
    for (int k = 0; k < RK_SENSOR_CLASS_COUNT; k++)
        in->class_packets[k] = x->class_packets[k] + y->class_packets[k];
    for (int k = 0; k < RK_SENSOR_FP_COUNT; k++) {
        in->fp_packets[k] = x->fp_packets[k] + y->fp_packets[k];
        in->fp_sources[k] = m->sources_complete ? 0 : x->fp_sources[k] + y->fp_sources[k];
    }
    in->dropped_keys = x->dropped_keys + y->dropped_keys;
    in->ports = m->n_ports;
    in->dos_victims = m->n_dos;
    if (m->sources_complete) {
        in->sources = m->n_sources;
        in->sources_rse = 0;
        for (size_t i = 0; i < m->n_sources; i++) {
            for (int k = 0; k < RK_SENSOR_FP_COUNT; k++)
                in->fp_sources[k] += (m->sources[i].fp >> k) & 1;
        }
    } else { /* addresses seen in both kept rows are counted once; others may repeat */
        in->sources = x->sources + y->sources - overlap;
        in->sources_rse = x->sources_rse > y->sources_rse ? x->sources_rse : y->sources_rse;
    }
    for (size_t i = 0; i < m->n_ports; i++)
        exact = exact && m->ports[i].exact;
    for (size_t i = 0; i < m->n_dos; i++)
        exact = exact && m->dos[i].exact;
    in->exact = exact;
}

int rk_sensor_bin_merge(struct rk_sensor_bin **out, const struct rk_sensor_bin *a,
                        const struct rk_sensor_bin *b, struct rk_err *err)
{
    struct mctx c = {a, b, NULL, NULL, NULL, {0, 0, UINT64_MAX, UINT64_MAX}};
    uint64_t overlap = 0;
    int rc = RK_ENOMEM;

    *out = NULL;
    if (a->info.start != b->info.start || a->info.secs != b->info.secs ||
        strcmp(a->info.sensor, b->info.sensor) != 0)
        return rk_err_set(err, RK_EINVAL, "cannot merge bin %s/%lld/%u with %s/%lld/%u",
                          a->info.sensor, (long long)a->info.start, a->info.secs, b->info.sensor,
                          (long long)b->info.start, b->info.secs);
    if (!(c.m = rk_calloc(1, sizeof(*c.m))))
        goto out;
    c.m->sources_complete = a->sources_complete && b->sources_complete;
    if ((rc = merge_sources(&c, &overlap)) != 0 || (rc = merge_ports(&c)) != 0 ||
        (rc = merge_groups(&c)) != 0 || (rc = merge_dos(&c)) != 0)
        goto out;
    merge_info(&c, overlap);
    *out = c.m;
    c.m = NULL;
out:
    rk_sensor_bin_free(c.m);
    rk_free(c.amap);
    rk_free(c.bmap);
    if (rc != 0)
        return rk_err_set(err, rc, "merging sensor %s bin %lld: %s", a->info.sensor,
                          (long long)a->info.start, rk_strerror(rc));
    return 0;
}
