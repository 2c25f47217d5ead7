/* persist.c - a closed bin as bytes for the store and back: a versioned, compact encoding of
 * the bin's figures and rows (unsigned LEB128 numbers, zig-zag for signed ones). Group rows of
 * a bin with every source are not stored but rebuilt from the source rows. The decoder treats
 * its input as untrusted: every length is checked against what is left, and a blob that does
 * not describe a consistent bin is RK_EFORMAT. Format: docs/internals/sensor.md. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strparse.h"

#include <stdlib.h>
#include <string.h>

#define MAGIC        "RKB1"
#define F_COMPLETE   1u
#define F_PORT_SETS  2u
#define F_EXACT      4u
#define NAME_LEN_MAX 255

/* ---- writing -------------------------------------------------------------------------------- */

static int put_u(struct rk_buf *o, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;

    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        b[n] |= v ? 0x80 : 0;
        n++;
    } while (v);
    return rk_buf_append(o, b, n);
}

static int put_i(struct rk_buf *o, int64_t v)
{
    return put_u(o, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* last - first, wrapping: exact for any two times (the decoder adds it back the same way). */
static int64_t span(int64_t first, int64_t last)
{
    return (int64_t)((uint64_t)last - (uint64_t)first);
}

static int put_addr(struct rk_buf *o, const struct rk_sensor_addr *a)
{
    int v4 = addr_v4p(a), rc;

    if ((rc = rk_buf_putc(o, v4 ? 4 : 6)) != 0)
        return rc;
    return rk_buf_append(o, v4 ? a->a + 12 : a->a, v4 ? 4 : 16);
}

static int put_cc(struct rk_buf *o, const char cc[3])
{
    char two[2] = {cc[0], cc[0] ? cc[1] : 0};

    return rk_buf_append(o, two, 2);
}

static int put_str(struct rk_buf *o, const char *s)
{
    size_t n = strnlen(s, NAME_LEN_MAX);
    int rc = put_u(o, n);

    return rc ? rc : rk_buf_append(o, s, n);
}

static int put_all(struct rk_buf *o, const uint64_t *v, size_t n)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = put_u(o, v[i]);
    return rc;
}

static int enc_info(struct rk_buf *o, const struct rk_sensor_bin *b, unsigned flags)
{
    const struct rk_sensor_bin_info *in = &b->info;
    uint64_t rse;
    int rc = 0;

    memcpy(&rse, &in->sources_rse, sizeof(rse));
    rc |= rk_buf_append(o, MAGIC, 4);
    rc |= put_u(o, flags);
    rc |= put_str(o, in->sensor);
    rc |= put_cc(o, in->country);
    rc |= put_u(o, (uint64_t)in->tlp);
    rc |= put_i(o, in->start);
    rc |= put_u(o, in->secs);
    rc |= put_u(o, in->packets);
    rc |= put_u(o, in->bytes);
    rc |= put_all(o, in->class_packets, RK_SENSOR_CLASS_COUNT);
    rc |= put_all(o, in->fp_packets, RK_SENSOR_FP_COUNT);
    rc |= put_all(o, in->fp_sources, RK_SENSOR_FP_COUNT);
    rc |= put_u(o, in->sources);
    rc |= put_u(o, in->ports);
    rc |= put_u(o, in->dropped_keys);
    rc |= put_u(o, rse);
    return rc;
}

static int enc_ports(struct rk_buf *o, const struct rk_sensor_bin *b)
{
    int rc = put_u(o, b->n_ports);

    for (size_t i = 0; rc == 0 && i < b->n_ports; i++) {
        const struct rk_sensor_port_row *r = &b->ports[i];

        rc |= rk_buf_putc(o, (char)r->proto);
        rc |= put_u(o, r->port);
        rc |= put_u(o, r->packets);
        rc |= put_u(o, r->sources);
        rc |= put_u(o, r->packets_clean);
        rc |= put_u(o, r->sources_clean);
        rc |= put_all(o, r->class_packets, RK_SENSOR_CLASS_COUNT);
        rc |= rk_buf_putc(o, (char)(r->exact != 0));
        if (b->pset) { /* the entries ascend: store the gaps */
            uint32_t prev = 0;

            for (uint32_t k = b->pset_off[i]; rc == 0 && k < b->pset_off[i + 1]; k++) {
                rc = put_u(o, b->pset[k] - prev);
                prev = b->pset[k];
            }
        }
    }
    return rc;
}

static int enc_sources(struct rk_buf *o, const struct rk_sensor_bin *b)
{
    int rc = put_u(o, b->n_sources);

    for (size_t i = 0; rc == 0 && i < b->n_sources; i++) {
        const struct rk_sensor_source_row *r = &b->sources[i];

        rc |= put_addr(o, &r->addr);
        rc |= put_u(o, r->packets);
        rc |= put_u(o, r->packets_err);
        rc |= put_u(o, r->dsts);
        rc |= put_u(o, r->ports);
        rc |= put_i(o, r->first_ns);
        rc |= put_i(o, span(r->first_ns, r->last_ns));
        rc |= put_all(o, r->class_packets, RK_SENSOR_CLASS_COUNT);
        rc |= rk_buf_putc(o, (char)r->fp);
        rc |= rk_buf_putc(o, (char)r->spoof);
        rc |= put_u(o, r->asn);
        rc |= put_cc(o, r->country);
        rc |= rk_buf_putc(o, (char)(r->exact != 0));
    }
    return rc;
}

static int enc_groups(struct rk_buf *o, const struct rk_sensor_group_row *g, size_t n, int kind)
{
    int rc = put_u(o, n);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (kind == 0) {
            rc |= put_addr(o, &g[i].prefix.addr);
            rc |= rk_buf_putc(o, (char)g[i].prefix.len);
        } else if (kind == 1) {
            rc |= put_u(o, g[i].asn);
        } else {
            rc |= put_cc(o, g[i].country);
        }
        rc |= put_u(o, g[i].packets);
        rc |= put_u(o, g[i].packets_err);
        rc |= put_u(o, g[i].sources);
        rc |= rk_buf_putc(o, (char)(g[i].exact != 0));
    }
    return rc;
}

/* ASN names: (asn, name) for the ASN rows that have one. */
static int enc_names(struct rk_buf *o, const struct rk_sensor_bin *b)
{
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < b->n_asns; i++)
        n += b->asns[i].name != NULL;
    rc = put_u(o, n);
    for (size_t i = 0; rc == 0 && i < b->n_asns; i++) {
        if (b->asns[i].name && (rc = put_u(o, b->asns[i].asn)) == 0)
            rc = put_str(o, b->asns[i].name);
    }
    return rc;
}

static int enc_dos(struct rk_buf *o, const struct rk_sensor_bin *b)
{
    int rc = put_u(o, b->n_dos);

    for (size_t i = 0; rc == 0 && i < b->n_dos; i++) {
        const struct rk_sensor_dos_row *d = &b->dos[i];
        uint64_t v[9] = {d->packets,        d->bytes,           d->bin_packets,
                         d->attacker_addrs, d->attacker_ports,  d->target_ports,
                         d->max_ppm,        d->icmp_mismatches, (uint64_t)(d->finished != 0)};

        rc |= put_addr(o, &d->victim);
        rc |= rk_buf_putc(o, (char)d->proto);
        rc |= put_i(o, d->start_ns);
        rc |= put_i(o, span(d->start_ns, d->last_ns));
        rc |= put_all(o, v, 9);
        rc |= rk_buf_putc(o, (char)(d->exact != 0));
    }
    return rc;
}

int rk_sensor_bin_encode(const struct rk_sensor_bin *b, struct rk_buf *out, struct rk_err *err)
{
    unsigned flags = (b->sources_complete ? F_COMPLETE : 0) | (b->pset ? F_PORT_SETS : 0) |
                     (b->info.exact ? F_EXACT : 0);
    int rc;

    rk_buf_reset(out);
    if ((rc = enc_info(out, b, flags)) == 0 && (rc = enc_ports(out, b)) == 0 &&
        (rc = enc_sources(out, b)) == 0 && !b->sources_complete &&
        (rc = enc_groups(out, b->prefixes, b->n_prefixes, 0)) == 0 &&
        (rc = enc_groups(out, b->asns, b->n_asns, 1)) == 0)
        rc = enc_groups(out, b->countries, b->n_countries, 2);
    if (rc == 0 && (rc = enc_names(out, b)) == 0)
        rc = enc_dos(out, b);
    if (rc != 0)
        return rk_err_set(err, rc, "sensor %s bin %lld: %s while encoding its rows", b->info.sensor,
                          (long long)b->info.start,
                          rc == RK_ELIMIT ? "too large" : "out of memory");
    return 0;
}

/* ---- reading -------------------------------------------------------------------------------- */

struct rd {
    const uint8_t *p;
    size_t len, pos;
    int bad; /* sticky: every read after a failure yields zeros */
};

static uint64_t get_u(struct rd *r)
{
    uint64_t v = 0;

    for (unsigned shift = 0; !r->bad; shift += 7) {
        uint8_t byte;

        if (r->pos >= r->len || shift > 63) {
            r->bad = 1;
            break;
        }
        byte = r->p[r->pos++];
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            if (byte == 0 && shift > 0)
                r->bad = 1; /* an overlong encoding: the encoder never writes one */
            return v;
        }
    }
    return 0;
}

static int64_t get_i(struct rd *r)
{
    uint64_t z = get_u(r);

    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* base plus the span read next, wrapping like span() (no overflow whatever the bytes); a time
 * before base is damage: last seen is never before first seen. */
static int64_t get_after(struct rd *r, int64_t base)
{
    int64_t v = (int64_t)((uint64_t)base + (uint64_t)get_i(r));

    if (v < base)
        r->bad = 1;
    return v;
}

static uint8_t get_byte(struct rd *r)
{
    if (r->bad || r->pos >= r->len) {
        r->bad = 1;
        return 0;
    }
    return r->p[r->pos++];
}

static int get_bool(struct rd *r)
{
    uint8_t v = get_byte(r);

    if (v > 1)
        r->bad = 1;
    return v;
}

static void get_bytes(struct rd *r, void *out, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p + r->pos, n);
    r->pos += n;
}

static void get_addr(struct rd *r, struct rk_sensor_addr *a)
{
    uint8_t fam = get_byte(r);

    memset(a, 0, sizeof(*a));
    if (fam == 4) {
        a->a[10] = a->a[11] = 0xff;
        get_bytes(r, a->a + 12, 4);
    } else if (fam == 6) {
        get_bytes(r, a->a, 16);
    } else {
        r->bad = 1;
    }
}

static void get_cc(struct rd *r, char cc[3])
{
    get_bytes(r, cc, 2);
    cc[2] = '\0';
    if (cc[0] == '\0')
        cc[1] = '\0';
    else if (!(cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z'))
        r->bad = 1;
}

static void get_all(struct rd *r, uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = get_u(r);
}

/* A row count: each row takes at least one byte, so a count above the bytes left is a lie. */
static size_t get_count(struct rd *r)
{
    uint64_t n = get_u(r);

    if (n > r->len - r->pos) {
        r->bad = 1;
        return 0;
    }
    return (size_t)n;
}

static void get_name(struct rd *r, char *out, size_t cap)
{
    uint64_t n = get_u(r);

    if (n >= cap || n > NAME_LEN_MAX) {
        r->bad = 1;
        n = 0;
    }
    get_bytes(r, out, (size_t)n);
    out[n] = '\0';
    if (memchr(out, '\0', (size_t)n))
        r->bad = 1;
}

static void dec_info(struct rd *r, struct rk_sensor_bin *b, unsigned *flags)
{
    struct rk_sensor_bin_info *in = &b->info;
    uint64_t rse, v;
    char magic[4];

    get_bytes(r, magic, 4);
    if (memcmp(magic, MAGIC, 4) != 0)
        r->bad = 1;
    *flags = (unsigned)get_u(r);
    get_name(r, in->sensor, sizeof(in->sensor));
    get_cc(r, in->country);
    v = get_u(r);
    in->tlp = v <= RK_TLP_RED ? (int)v : (r->bad = 1, 0);
    in->start = get_i(r);
    v = get_u(r);
    in->secs = v >= 60 && v <= 86400 ? (uint32_t)v : (r->bad = 1, 0);
    in->packets = get_u(r);
    in->bytes = get_u(r);
    get_all(r, in->class_packets, RK_SENSOR_CLASS_COUNT);
    get_all(r, in->fp_packets, RK_SENSOR_FP_COUNT);
    get_all(r, in->fp_sources, RK_SENSOR_FP_COUNT);
    in->sources = get_u(r);
    in->ports = get_u(r);
    in->dropped_keys = get_u(r);
    rse = get_u(r);
    memcpy(&in->sources_rse, &rse, sizeof(rse));
    if (!(in->sources_rse >= 0 && in->sources_rse <= 1))
        r->bad = 1;
    in->exact = (*flags & F_EXACT) != 0;
    b->sources_complete = (*flags & F_COMPLETE) != 0;
}

/* One port's set entries (gaps), checked against its sources figures. */
static void dec_pset(struct rd *r, struct rk_sensor_bin *b, size_t i, uint64_t *total)
{
    const struct rk_sensor_port_row *p = &b->ports[i];
    uint64_t prev = 0, clean = 0;

    b->pset_off[i] = (uint32_t)*total;
    if (p->sources > r->len - r->pos || *total + p->sources > UINT32_MAX) {
        r->bad = 1;
        return;
    }
    for (uint64_t k = 0; k < p->sources && !r->bad; k++) {
        uint64_t v = prev + get_u(r);

        if ((k > 0 && v <= prev) || v > UINT32_MAX)
            r->bad = 1;
        b->pset[(*total)++] = (uint32_t)v;
        clean += v & 1;
        prev = v;
    }
    if (clean != p->sources_clean)
        r->bad = 1;
}

static int dec_ports(struct rd *r, struct rk_sensor_bin *b, unsigned flags)
{
    size_t n = get_count(r);
    uint64_t total = 0;

    if (!(b->ports = rk_calloc(n ? n : 1, sizeof(*b->ports))))
        return RK_ENOMEM;
    if ((flags & F_PORT_SETS) && (!(b->pset_off = rk_calloc(n + 1, sizeof(uint32_t))) ||
                                  !(b->pset = rk_calloc(r->len - r->pos + 1, sizeof(uint32_t)))))
        return RK_ENOMEM;
    for (size_t i = 0; i < n && !r->bad; i++) {
        struct rk_sensor_port_row *p = &b->ports[i];
        uint64_t port;

        p->proto = get_byte(r);
        port = get_u(r);
        p->port = port <= UINT16_MAX ? (uint16_t)port : (r->bad = 1, 0);
        p->packets = get_u(r);
        p->sources = get_u(r);
        p->packets_clean = get_u(r);
        p->sources_clean = get_u(r);
        get_all(r, p->class_packets, RK_SENSOR_CLASS_COUNT);
        p->exact = get_bool(r);
        if (p->sources_clean > p->sources || p->packets_clean > p->packets)
            r->bad = 1;
        if (b->pset && !r->bad)
            dec_pset(r, b, i, &total);
    }
    if (b->pset_off)
        b->pset_off[n] = (uint32_t)total;
    b->n_ports = n;
    return 0;
}

static int dec_sources(struct rd *r, struct rk_sensor_bin *b)
{
    size_t n = get_count(r);

    if (!(b->sources = rk_calloc(n ? n : 1, sizeof(*b->sources))))
        return RK_ENOMEM;
    for (size_t i = 0; i < n && !r->bad; i++) {
        struct rk_sensor_source_row *s = &b->sources[i];
        uint64_t asn;

        get_addr(r, &s->addr);
        s->packets = get_u(r);
        s->packets_err = get_u(r);
        s->dsts = get_u(r);
        s->ports = get_u(r);
        s->first_ns = get_i(r);
        s->last_ns = get_after(r, s->first_ns);
        get_all(r, s->class_packets, RK_SENSOR_CLASS_COUNT);
        s->fp = get_byte(r);
        s->spoof = get_byte(r);
        asn = get_u(r);
        s->asn = asn <= UINT32_MAX ? (uint32_t)asn : (r->bad = 1, 0);
        get_cc(r, s->country);
        s->exact = get_bool(r);
    }
    b->n_sources = n;
    return 0;
}

static int dec_groups(struct rd *r, struct rk_sensor_group_row **out, size_t *n_out, int kind)
{
    size_t n = get_count(r);
    struct rk_sensor_group_row *g = rk_calloc(n ? n : 1, sizeof(*g));

    *out = g;
    if (!g)
        return RK_ENOMEM;
    for (size_t i = 0; i < n && !r->bad; i++) {
        uint64_t v;

        if (kind == 0) {
            get_addr(r, &g[i].prefix.addr);
            g[i].prefix.len = get_byte(r);
            if (g[i].prefix.len > (addr_v4p(&g[i].prefix.addr) ? 32 : 128))
                r->bad = 1;
        } else if (kind == 1) {
            v = get_u(r);
            g[i].asn = v <= UINT32_MAX ? (uint32_t)v : (r->bad = 1, 0);
        } else {
            get_cc(r, g[i].country);
        }
        g[i].packets = get_u(r);
        g[i].packets_err = get_u(r);
        g[i].sources = get_u(r);
        g[i].exact = get_bool(r);
    }
    *n_out = n;
    return 0;
}

static int dec_dos(struct rd *r, struct rk_sensor_bin *b)
{
    size_t n = get_count(r);

    if (!(b->dos = rk_calloc(n ? n : 1, sizeof(*b->dos))))
        return RK_ENOMEM;
    for (size_t i = 0; i < n && !r->bad; i++) {
        struct rk_sensor_dos_row *d = &b->dos[i];
        uint64_t v[9];

        get_addr(r, &d->victim);
        d->proto = get_byte(r);
        d->start_ns = get_i(r);
        d->last_ns = get_after(r, d->start_ns);
        get_all(r, v, 9);
        d->packets = v[0];
        d->bytes = v[1];
        d->bin_packets = v[2];
        d->attacker_addrs = v[3];
        d->attacker_ports = v[4];
        d->target_ports = v[5];
        d->max_ppm = v[6];
        d->icmp_mismatches = v[7];
        d->finished = v[8] != 0;
        if (v[8] > 1)
            r->bad = 1;
        d->exact = get_bool(r);
    }
    b->n_dos = n;
    b->info.dos_victims = n;
    return 0;
}

/* ---- group rows from source rows ----------------------------------------------------------- */

struct gkey {
    uint64_t key;
    uint64_t packets;
    uint64_t sources;
};

static int cmp_gkey(const void *a, const void *b)
{
    const struct gkey *x = a, *y = b;

    return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_gpackets(const void *a, const void *b)
{
    const struct gkey *x = a, *y = b;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

/* The engine's group key: the /24 (IPv4) or /48 (IPv6) with the family on top, an ASN or a
 * packed country; 0 when the source has no group of that kind. */
static uint64_t row_group_key(const struct rk_sensor_source_row *s, int kind)
{
    if (kind == 1)
        return s->asn;
    if (kind == 2)
        return s->country[0] ? cc_pack(s->country) : 0;
    if (addr_v4p(&s->addr))
        return addr_v4v(&s->addr) >> 8;
    return 1ULL << 63 | addr_hi(&s->addr) >> 16;
}

static int group_row(struct rk_sensor_group_row *g, const struct gkey *k, int kind,
                     const char *(*names)(uint32_t asn, const void *ctx), const void *ctx)
{
    const char *name;

    g->packets = k->packets;
    g->sources = k->sources;
    g->exact = 1;
    if (kind == 0 && k->key >> 63) {
        addr_from_halves(&g->prefix.addr, k->key << 16, 0);
        g->prefix.len = 48;
    } else if (kind == 0) {
        rk_sensor_addr_from_v4(&g->prefix.addr, (uint32_t)(k->key << 8));
        g->prefix.len = 24;
    } else if (kind == 1) {
        g->asn = (uint32_t)k->key;
        if (names && (name = names(g->asn, ctx)) && !(g->name = rk_strdup(name)))
            return RK_ENOMEM;
    } else {
        cc_unpack((uint16_t)k->key, g->country);
    }
    return 0;
}

int rows_groups(struct rk_sensor_group_row **rows, size_t *n_rows,
                const struct rk_sensor_source_row *src, size_t n_src, int kind,
                const char *(*names)(uint32_t asn, const void *ctx), const void *ctx)
{
    struct gkey *k = rk_reallocarray(NULL, n_src ? n_src : 1, sizeof(*k));
    size_t m = 0, w = 0;
    int rc = RK_ENOMEM;

    *rows = NULL;
    *n_rows = 0;
    if (!k)
        return rc;
    for (size_t i = 0; i < n_src; i++) {
        uint64_t key = row_group_key(&src[i], kind);

        if (kind == 0 || key != 0)
            k[m++] = (struct gkey){key, src[i].packets, 1};
    }
    qsort(k, m, sizeof(*k), cmp_gkey);
    for (size_t j = 0; j < m; j++) { /* fold runs of one key into k[0..w) */
        if (w > 0 && k[w - 1].key == k[j].key) {
            k[w - 1].packets += k[j].packets;
            k[w - 1].sources++;
        } else {
            k[w++] = k[j];
        }
    }
    qsort(k, w, sizeof(*k), cmp_gpackets);
    if ((*rows = rk_calloc(w ? w : 1, sizeof(**rows))) != NULL) {
        rc = 0;
        for (size_t j = 0; j < w && rc == 0; j++)
            rc = group_row(&(*rows)[j], &k[j], kind, names, ctx);
        *n_rows = w;
    }
    rk_free(k);
    return rc;
}

/* ---- decoding ------------------------------------------------------------------------------- */

struct asn_names {
    uint32_t *asn;
    char **name;
    size_t n;
};

static void names_free(struct asn_names *t)
{
    for (size_t i = 0; i < t->n; i++)
        rk_free(t->name[i]);
    rk_free(t->asn);
    rk_free(t->name);
}

static const char *names_lookup(uint32_t asn, const void *ctx)
{
    const struct asn_names *t = ctx;

    for (size_t i = 0; i < t->n; i++) {
        if (t->asn[i] == asn)
            return t->name[i];
    }
    return NULL;
}

static int dec_names(struct rd *r, struct asn_names *t)
{
    size_t n = get_count(r);
    char name[NAME_LEN_MAX + 1];

    t->asn = rk_calloc(n ? n : 1, sizeof(*t->asn));
    t->name = rk_calloc(n ? n : 1, sizeof(*t->name));
    if (!t->asn || !t->name)
        return RK_ENOMEM;
    for (size_t i = 0; i < n && !r->bad; i++) {
        uint64_t asn = get_u(r);

        get_name(r, name, sizeof(name));
        if (asn > UINT32_MAX || r->bad) {
            r->bad = 1;
            break;
        }
        t->asn[t->n] = (uint32_t)asn;
        if (!(t->name[t->n++] = rk_strdup(name)))
            return RK_ENOMEM;
    }
    return 0;
}

/* Groups: decoded, or rebuilt from the sources; ASN rows get their names. */
static int dec_all_groups(struct rd *r, struct rk_sensor_bin *b, struct asn_names *names)
{
    int rc;

    if (!b->sources_complete) {
        if ((rc = dec_groups(r, &b->prefixes, &b->n_prefixes, 0)) != 0 ||
            (rc = dec_groups(r, &b->asns, &b->n_asns, 1)) != 0 ||
            (rc = dec_groups(r, &b->countries, &b->n_countries, 2)) != 0 ||
            (rc = dec_names(r, names)) != 0)
            return rc;
        for (size_t i = 0; i < b->n_asns && !r->bad; i++) {
            const char *name = names_lookup(b->asns[i].asn, names);

            if (name && !(b->asns[i].name = rk_strdup(name)))
                return RK_ENOMEM;
        }
        return 0;
    }
    if ((rc = dec_names(r, names)) != 0 || r->bad)
        return rc;
    if ((rc = rows_groups(&b->prefixes, &b->n_prefixes, b->sources, b->n_sources, 0, NULL, NULL)) !=
                0 ||
        (rc = rows_groups(&b->asns, &b->n_asns, b->sources, b->n_sources, 1, names_lookup,
                          names)) != 0)
        return rc;
    return rows_groups(&b->countries, &b->n_countries, b->sources, b->n_sources, 2, NULL, NULL);
}

/* Figures that must agree with the rows. */
static int consistent(const struct rk_sensor_bin *b)
{
    for (size_t i = 0; b->pset && i < b->n_ports; i++) {
        for (uint32_t k = b->pset_off[i]; k < b->pset_off[i + 1]; k++) {
            if ((b->pset[k] >> 1) >= b->n_sources)
                return 0;
        }
    }
    if (b->sources_complete && b->info.sources != b->n_sources)
        return 0;
    return b->info.ports == b->n_ports;
}

int rk_sensor_bin_decode(struct rk_sensor_bin **out, const void *p, size_t len, struct rk_err *err)
{
    struct rd r = {p, len, 0, 0};
    struct rk_sensor_bin *b = rk_calloc(1, sizeof(*b));
    struct asn_names names = {0};
    unsigned flags = 0;
    int rc = RK_ENOMEM;

    *out = NULL;
    if (!b)
        goto out;
    dec_info(&r, b, &flags);
    if (r.bad || (flags & ~(F_COMPLETE | F_PORT_SETS | F_EXACT))) {
        rc = RK_EFORMAT;
        goto out;
    }
    if ((rc = dec_ports(&r, b, flags)) != 0 || r.bad || (rc = dec_sources(&r, b)) != 0 || r.bad ||
        (rc = dec_all_groups(&r, b, &names)) != 0 || r.bad || (rc = dec_dos(&r, b)) != 0)
        goto out;
    rc = r.bad || r.pos != r.len || !consistent(b) ? RK_EFORMAT : 0;
    if (rc == 0) {
        *out = b;
        b = NULL;
    }
out:
    names_free(&names);
    rk_sensor_bin_free(b);
    if (rc == RK_EFORMAT || (rc == 0 && r.bad))
        return rk_err_set(err, RK_EFORMAT, "stored sensor bin is damaged near byte %zu of %zu",
                          r.pos, len);
    if (rc != 0)
        return rk_err_set(err, rc, "decoding a stored sensor bin: %s", rk_strerror(rc));
    return 0;
}

int rk_sensor_bin_mergeable(const struct rk_sensor_bin *b)
{
    return b->sources_complete && b->pset != NULL;
}
