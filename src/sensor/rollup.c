/* rollup.c - rows over a time range: many bins (times and sensors) summed into one set of
 * port, source and group rows. Packets add up; a source is one row over the whole range; a
 * port's unique sources are counted once over the range through the bins' per-port source
 * sets (exactly, when every bin has them). Used by `renkei sensor top` and exports. */
#include "renkei/sensor_store.h"
#include "sensor/sensor_int.h"

#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

struct rollup_src {
    struct rk_sensor_source_row row;
    uint32_t bins; /* bins the source appeared in */
};

struct rk_sensor_rollup {
    struct rk_sensor_rollup_info info;
    struct smem mem; /* unlimited: the accounting the tables need */
    int all_complete, all_sets, finished;

    struct kidx sidx;
    struct rollup_src *src;
    uint32_t n_src, cap_src;
    struct rk_sensor_source_row *src_rows; /* after finish */

    struct kidx pidx;
    struct rk_sensor_port_row *ports;
    uint32_t n_ports, cap_ports;
    struct u64set pairs; /* (port + 1) << 32 | source, flag 1: seen clean */

    struct kidx gidx[3]; /* group rows as the bins give them */
    struct rk_sensor_group_row *grp[3];
    uint32_t n_grp[3], cap_grp[3];
    struct rk_sensor_group_row *groups[3]; /* after finish */
    size_t n_groups[3];

    struct kidx nidx; /* ASN -> name */
    char **names;
    uint32_t n_names, cap_names;
};

int rk_sensor_rollup_new(struct rk_sensor_rollup **out, struct rk_err *err)
{
    struct rk_sensor_rollup *r = rk_calloc(1, sizeof(*r));

    *out = r;
    if (!r)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    r->mem.cap = r->mem.exact_limit = UINT64_MAX;
    r->all_complete = r->all_sets = 1;
    r->info.exact = 1;
    return 0;
}

static void free_group_rows(struct rk_sensor_group_row *g, size_t n)
{
    for (size_t i = 0; g && i < n; i++)
        rk_free((char *)g[i].name);
    rk_free(g);
}

void rk_sensor_rollup_free(struct rk_sensor_rollup *r)
{
    if (!r)
        return;
    kidx_free(&r->sidx, &r->mem);
    kidx_free(&r->pidx, &r->mem);
    kidx_free(&r->nidx, &r->mem);
    u64set_free(&r->pairs, &r->mem);
    rk_free(r->src);
    rk_free(r->src_rows);
    rk_free(r->ports);
    for (int k = 0; k < 3; k++) {
        kidx_free(&r->gidx[k], &r->mem);
        free_group_rows(r->grp[k], r->n_grp[k]);
        free_group_rows(r->groups[k], r->n_groups[k]);
    }
    for (uint32_t i = 0; i < r->n_names; i++)
        rk_free(r->names[i]);
    rk_free(r->names);
    rk_free(r);
}

/* Make room for one more element in a growable array. */
static int grow(void **v, uint32_t n, uint32_t *cap, size_t size)
{
    void *p;
    uint32_t c;

    if (n < *cap)
        return 0;
    if (*cap >= UINT32_MAX / 4)
        return RK_ELIMIT;
    c = *cap ? *cap * 2 : 64;
    if (!(p = rk_reallocarray(*v, c, size)))
        return RK_ENOMEM;
    *v = p;
    *cap = c;
    return 0;
}

/* ---- adding a bin
 * -------------------------------------------------------------------------------- */

static void add_source_row(struct rk_sensor_source_row *x, const struct rk_sensor_source_row *y)
{
    x->packets += y->packets;
    x->packets_err += y->packets_err;
    x->dsts = x->dsts > y->dsts ? x->dsts : y->dsts;
    x->ports = x->ports > y->ports ? x->ports : y->ports;
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
    x->exact = 0; /* distinct destinations and ports of two bins cannot be united */
}

/* Each source row of the bin into the range's rows; smap[i] gets its number. */
static int add_sources(struct rk_sensor_rollup *r, const struct rk_sensor_bin *b, uint32_t *smap)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n_sources; i++) {
        const struct rk_sensor_source_row *s = &b->sources[i];
        uint64_t k0 = addr_hi(&s->addr), k1 = addr_lo(&s->addr), h = hash128(k0, k1);
        uint32_t f = kidx_find(&r->sidx, k0, k1, h);

        if (f != KIDX_NONE) {
            add_source_row(&r->src[f].row, s);
            r->src[f].bins++;
        } else if ((rc = grow((void **)&r->src, r->n_src, &r->cap_src, sizeof(*r->src))) == 0) {
            f = r->n_src;
            r->src[f].row = *s;
            r->src[f].bins = 1;
            if ((rc = kidx_insert(&r->sidx, k0, k1, h, f, &r->mem, UINT64_MAX)) == 0)
                r->n_src++;
        }
        smap[i] = f;
    }
    return rc;
}

/* A port row of the bin united into the range's: with its source set, counting each source
 * once; without, adding the bin's counts (an upper bound). */
static int add_port(struct rk_sensor_rollup *r, const struct rk_sensor_bin *b, size_t i,
                    const uint32_t *smap)
{
    const struct rk_sensor_port_row *p = &b->ports[i];
    uint64_t key = (uint64_t)p->proto << 16 | p->port, h = hash128(key, 0);
    uint32_t f = kidx_find(&r->pidx, key, 0, h);
    struct rk_sensor_port_row *x;
    unsigned old;
    int rc;

    if (f == KIDX_NONE) {
        if ((rc = grow((void **)&r->ports, r->n_ports, &r->cap_ports, sizeof(*r->ports))) != 0 ||
            (rc = kidx_insert(&r->pidx, key, 0, h, r->n_ports, &r->mem, UINT64_MAX)) != 0)
            return rc;
        f = r->n_ports++;
        memset(&r->ports[f], 0, sizeof(r->ports[f]));
        r->ports[f].proto = p->proto;
        r->ports[f].port = p->port;
        r->ports[f].exact = 1;
    }
    x = &r->ports[f];
    x->packets += p->packets;
    x->packets_clean += p->packets_clean;
    for (int c = 0; c < RK_SENSOR_CLASS_COUNT; c++)
        x->class_packets[c] += p->class_packets[c];
    x->exact = x->exact && p->exact && b->pset;
    if (!b->pset) {
        x->sources += p->sources;
        x->sources_clean += p->sources_clean;
        return 0;
    }
    for (uint32_t k = b->pset_off[i]; k < b->pset_off[i + 1]; k++) {
        uint64_t pair = ((uint64_t)f + 1) << 32 | smap[b->pset[k] >> 1];

        if ((rc = u64set_add(&r->pairs, pair, b->pset[k] & 1, &old, &r->mem, UINT64_MAX)) < 0)
            return rc;
        x->sources += (uint64_t)rc;
        x->sources_clean += (b->pset[k] & 1) && !(old & 1);
    }
    return 0;
}

static void group_key(const struct rk_sensor_group_row *g, uint64_t *k0, uint64_t *k1)
{
    *k0 = addr_hi(&g->prefix.addr) ^ g->prefix.len;
    *k1 = addr_lo(&g->prefix.addr) ^ ((uint64_t)g->asn << 16 | cc_pack(g->country));
}

static int add_groups(struct rk_sensor_rollup *r, int kind, const struct rk_sensor_group_row *g,
                      size_t n)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint64_t k0, k1, h;
        uint32_t f;

        group_key(&g[i], &k0, &k1);
        h = hash128(k0, k1);
        if ((f = kidx_find(&r->gidx[kind], k0, k1, h)) != KIDX_NONE) {
            r->grp[kind][f].packets += g[i].packets;
            r->grp[kind][f].packets_err += g[i].packets_err;
            r->grp[kind][f].sources += g[i].sources; /* an upper bound */
            r->grp[kind][f].exact = 0;
        } else if ((rc = grow((void **)&r->grp[kind], r->n_grp[kind], &r->cap_grp[kind],
                              sizeof(*g))) == 0 &&
                   (rc = kidx_insert(&r->gidx[kind], k0, k1, h, r->n_grp[kind], &r->mem,
                                     UINT64_MAX)) == 0) {
            r->grp[kind][r->n_grp[kind]] = g[i];
            r->grp[kind][r->n_grp[kind]++].name = NULL; /* names come from the table */
        }
    }
    return rc;
}

static int add_names(struct rk_sensor_rollup *r, const struct rk_sensor_bin *b)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n_asns; i++) {
        uint64_t h = hash128(b->asns[i].asn, 0);

        if (!b->asns[i].name || kidx_find(&r->nidx, b->asns[i].asn, 0, h) != KIDX_NONE)
            continue;
        if ((rc = grow((void **)&r->names, r->n_names, &r->cap_names, sizeof(char *))) != 0)
            break;
        if (!(r->names[r->n_names] = rk_strdup(b->asns[i].name)))
            return RK_ENOMEM;
        if ((rc = kidx_insert(&r->nidx, b->asns[i].asn, 0, h, r->n_names, &r->mem, UINT64_MAX)))
            rk_free(r->names[r->n_names]);
        else
            r->n_names++;
    }
    return rc;
}

static void add_info(struct rk_sensor_rollup *r, const struct rk_sensor_bin *b)
{
    struct rk_sensor_rollup_info *in = &r->info;
    int64_t end = b->info.start + b->info.secs;

    if (in->bins == 0 || b->info.start < in->first_start)
        in->first_start = b->info.start;
    if (in->bins == 0 || end > in->last_end)
        in->last_end = end;
    in->bins++;
    in->packets += b->info.packets;
    in->bytes += b->info.bytes;
    for (int c = 0; c < RK_SENSOR_CLASS_COUNT; c++)
        in->class_packets[c] += b->info.class_packets[c];
    in->exact = in->exact && b->info.exact;
    r->all_complete = r->all_complete && b->sources_complete;
    r->all_sets = r->all_sets && b->pset;
}

int rk_sensor_rollup_add(struct rk_sensor_rollup *r, const struct rk_sensor_bin *b,
                         struct rk_err *err)
{
    uint32_t *smap = rk_reallocarray(NULL, b->n_sources ? b->n_sources : 1, sizeof(*smap));
    int rc = smap ? 0 : RK_ENOMEM;

    if (r->finished)
        rc = RK_EINVAL;
    if (rc == 0)
        add_info(r, b);
    if (rc == 0 && (rc = add_sources(r, b, smap)) == 0 && (rc = add_names(r, b)) == 0 &&
        (rc = add_groups(r, 0, b->prefixes, b->n_prefixes)) == 0 &&
        (rc = add_groups(r, 1, b->asns, b->n_asns)) == 0)
        rc = add_groups(r, 2, b->countries, b->n_countries);
    for (size_t i = 0; rc == 0 && i < b->n_ports; i++)
        rc = add_port(r, b, i, smap);
    rk_free(smap);
    if (rc != 0)
        return rk_err_set(err, rc, "summing sensor %s bin %lld: %s", b->info.sensor,
                          (long long)b->info.start, rk_strerror(rc));
    return 0;
}

/* ---- finishing ---------------------------------------------------------------------------------
 */

static int cmp_src(const void *a, const void *b)
{
    const struct rk_sensor_source_row *x = a, *y = b;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return memcmp(x->addr.a, y->addr.a, 16);
}

static const char *name_of(uint32_t asn, const void *ctx)
{
    const struct rk_sensor_rollup *r = ctx;
    uint32_t i = kidx_find(&r->nidx, asn, 0, hash128(asn, 0));

    return i == KIDX_NONE ? NULL : r->names[i];
}

/* Group rows: from the range's sources when every bin had them all (exact unique counts),
 * else the bins' group rows added up. */
static int finish_groups(struct rk_sensor_rollup *r, int kind)
{
    if (r->all_complete)
        return rows_groups(&r->groups[kind], &r->n_groups[kind], r->src_rows, r->n_src, kind,
                           name_of, r);
    r->groups[kind] = r->grp[kind];
    r->n_groups[kind] = r->n_grp[kind];
    r->grp[kind] = NULL;
    r->n_grp[kind] = 0;
    for (size_t i = 0; i < r->n_groups[kind]; i++) {
        const char *name = kind == 1 ? name_of(r->groups[kind][i].asn, r) : NULL;

        if (name && !(r->groups[kind][i].name = rk_strdup(name)))
            return RK_ENOMEM;
    }
    if (r->n_groups[kind])
        qsort(r->groups[kind], r->n_groups[kind], sizeof(*r->groups[kind]), rows_cmp_group);
    return 0;
}

int rk_sensor_rollup_finish(struct rk_sensor_rollup *r, struct rk_err *err)
{
    int rc = 0;

    if (r->finished)
        return 0;
    r->finished = 1;
    if (!(r->src_rows = rk_reallocarray(NULL, r->n_src ? r->n_src : 1, sizeof(*r->src_rows))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < r->n_src; i++) {
        r->src_rows[i] = r->src[i].row;
        if (r->src[i].bins == 1) /* one bin: its figures stand */
            r->src_rows[i].exact = r->src[i].row.exact;
    }
    qsort(r->src_rows, r->n_src, sizeof(*r->src_rows), cmp_src);
    if (r->n_ports)
        qsort(r->ports, r->n_ports, sizeof(*r->ports), rows_cmp_port);
    r->info.sources = r->n_src;
    r->info.exact = r->info.exact && r->all_complete && r->all_sets;
    for (int k = 0; k < 3 && rc == 0; k++)
        rc = finish_groups(r, k);
    return rc ? rk_err_set(err, rc, "out of memory") : 0;
}

const struct rk_sensor_rollup_info *rk_sensor_rollup_info(const struct rk_sensor_rollup *r)
{
    return &r->info;
}

size_t rk_sensor_rollup_ports(const struct rk_sensor_rollup *r,
                              const struct rk_sensor_port_row **rows)
{
    *rows = r->ports;
    return r->n_ports;
}

size_t rk_sensor_rollup_sources(const struct rk_sensor_rollup *r,
                                const struct rk_sensor_source_row **rows)
{
    *rows = r->src_rows;
    return r->finished ? r->n_src : 0;
}

size_t rk_sensor_rollup_groups(const struct rk_sensor_rollup *r, int kind,
                               const struct rk_sensor_group_row **rows)
{
    *rows = NULL;
    if (kind < 0 || kind > 2 || !r->finished)
        return 0;
    *rows = r->groups[kind];
    return r->n_groups[kind];
}
