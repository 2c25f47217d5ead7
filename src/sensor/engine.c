/* engine.c - the sensor engine: configuration, sensors and their prefixes, research-scanner and
 * geo tables, time bins (opened by packet timestamp, closed once the newest timestamp has
 * passed their end plus the lateness allowance), DoS state per sensor, and the queues of
 * closed bins and finished attacks. */
#include "sensor/sensor_int.h"
#include "renkei/log.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SENSORS_MAX 256
#define OPEN_MAX    4
#define LINEAR_MAX  8 /* up to this many prefixes: match by masks, else a table */
#define GAP_EMPTY_MAX                                                                              \
    100000                   /* a silence needing more empty bins (all sensors) is not             \
                                filled */
#define TIME_MIN_S 788918400 /* 1995-01-01 */
#define NS         1000000000LL

struct sensor {
    char name[RK_SENSOR_NAME_MAX];
    char cc[3];
    int tlp;
    struct dos_state *dos;
    uint32_t last_sources; /* the previous bin's sizes, to presize the next one */
    uint64_t last_sp, last_sd;
};

struct pmatch {
    uint64_t net_hi, net_lo, mask_hi, mask_lo;
    uint32_t net4, mask4; /* IPv4 prefixes */
    int v4;
    uint32_t sensor;
    struct rk_sensor_prefix prefix;
};

struct obin {
    int64_t start;
    struct binsens *bs[SENSORS_MAX];
};

struct attack {
    struct rk_sensor_dos_row row;
    uint32_t sensor;
};

struct rk_sensor_engine {
    struct rk_sensor_config cfg;
    struct sensor sensors[SENSORS_MAX];
    uint32_t n_sensors;
    struct pmatch *pm;
    size_t n_pm;
    struct rtab pm_table; /* when there are many prefixes */
    struct rtab scanners;
    struct geo asn, cc;
    struct smem mem;
    struct agg_ctx ctx;
    struct obin *open[OPEN_MAX];
    int n_open;
    int64_t emit_next; /* first bin start not yet emitted; INT64_MIN before the first close */
    int64_t watermark_ns;
    int64_t time_max_ns;
    struct rk_sensor_bin **queue;
    size_t q_head, q_len, q_cap;
    struct attack *attacks;
    size_t a_head, a_len, a_cap;
    struct rk_sensor_stats st;
};

/* ---- configuration ------------------------------------------------------------------------ */

void rk_sensor_config_init(struct rk_sensor_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->bin_secs = 3600;
    cfg->lateness_secs = 60;
    cfg->mem_cap = (uint64_t)1 << 30;
    cfg->snaplen_max = 262144;
    cfg->vlan_max = 4;
    cfg->ipv6_ext_max = 8;
    cfg->topk_sources = 10000;
    cfg->hll_total_bits = 14;
    cfg->hll_port_bits = 8;
    cfg->hll_small_bits = 6;
    cfg->dos.min_packets = 25;
    cfg->dos.min_duration_secs = 60;
    cfg->dos.min_ppm = 30;
    cfg->dos.window_secs = 60;
    cfg->dos.slide_secs = 10;
    cfg->dos.idle_secs = 300;
}

#define CHECK(cond, field)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return rk_err_set(err, RK_EINVAL, "sensor config: %s out of range", field);            \
    } while (0)

int rk_sensor_config_check(const struct rk_sensor_config *c, struct rk_err *err)
{
    CHECK(c->bin_secs >= 60 && c->bin_secs <= 86400 && 86400 % c->bin_secs == 0, "bin_secs");
    CHECK(c->lateness_secs <= 3 * c->bin_secs, "lateness_secs");
    CHECK(c->mem_cap >= ((uint64_t)4 << 20), "mem_cap");
    CHECK(c->snaplen_max >= 64 && c->snaplen_max <= (1U << 24), "snaplen_max");
    CHECK(c->vlan_max <= 16, "vlan_max");
    CHECK(c->ipv6_ext_max <= 64, "ipv6_ext_max");
    CHECK(c->topk_sources >= 16 && c->topk_sources <= (1U << 24), "topk_sources");
    CHECK(c->hll_total_bits >= 10 && c->hll_total_bits <= 18, "hll_total_bits");
    CHECK(c->hll_port_bits >= 4 && c->hll_port_bits <= 16, "hll_port_bits");
    CHECK(c->hll_small_bits >= 4 && c->hll_small_bits <= 12, "hll_small_bits");
    CHECK(c->dos.slide_secs >= 1 && c->dos.window_secs >= c->dos.slide_secs &&
                  c->dos.window_secs / c->dos.slide_secs <= 32 &&
                  c->dos.window_secs % c->dos.slide_secs == 0,
          "dos.window_secs / dos.slide_secs");
    CHECK(c->dos.idle_secs >= 1, "dos.idle_secs");
    return 0;
}

/* ---- the engine ---------------------------------------------------------------------------- */

int rk_sensor_engine_new(struct rk_sensor_engine **out, const struct rk_sensor_config *cfg,
                         struct rk_err *err)
{
    struct rk_sensor_engine *e;
    int rc;

    *out = NULL;
    if (cfg && (rc = rk_sensor_config_check(cfg, err)) != 0)
        return rc;
    if (!(e = rk_calloc(1, sizeof(*e))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (cfg)
        e->cfg = *cfg;
    else
        rk_sensor_config_init(&e->cfg);
    e->mem.cap = e->cfg.mem_cap;
    /* exact state stops at 5/8 of the cap: switching to approximate counting needs room in
     * proportion to the sources, and exact records are small enough for many of them */
    e->mem.exact_limit = e->cfg.mem_cap / 8 * 5;
    e->ctx.cfg = &e->cfg;
    e->ctx.mem = &e->mem;
    e->ctx.scanners = &e->scanners;
    e->ctx.asn = &e->asn;
    e->ctx.cc = &e->cc;
    e->emit_next = INT64_MIN;
    e->watermark_ns = INT64_MIN;
    e->time_max_ns = (e->cfg.now_ns ? e->cfg.now_ns : (int64_t)time(NULL) * NS) + 86400 * NS;
    *out = e;
    return 0;
}

static void obin_free(struct rk_sensor_engine *e, struct obin *ob)
{
    if (!ob)
        return;
    for (uint32_t i = 0; i < e->n_sensors; i++)
        binsens_free(ob->bs[i], &e->mem);
    rk_free(ob);
}

void rk_sensor_engine_free(struct rk_sensor_engine *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->n_open; i++)
        obin_free(e, e->open[i]);
    for (uint32_t i = 0; i < e->n_sensors; i++)
        dos_free(e->sensors[i].dos, &e->mem);
    for (size_t i = e->q_head; i < e->q_len; i++)
        rk_sensor_bin_free(e->queue[i]);
    rk_free(e->queue);
    rk_free(e->attacks);
    rk_free(e->pm);
    rtab_free(&e->pm_table);
    rtab_free(&e->scanners);
    geo_free(&e->asn);
    geo_free(&e->cc);
    rk_free(e);
}

const struct rk_sensor_stats *rk_sensor_engine_stats(const struct rk_sensor_engine *e)
{
    struct rk_sensor_engine *w = (struct rk_sensor_engine *)e;

    w->st.mem_used = e->mem.used;
    w->st.mem_peak = e->mem.peak;
    return &e->st;
}

const char *rk_sensor_engine_asn_name(const struct rk_sensor_engine *e, uint32_t asn)
{
    return geo_name(&e->asn, asn);
}

/* ---- sensors and prefixes ------------------------------------------------------------------ */

static void pmatch_set(struct pmatch *m, const struct rk_sensor_prefix *p, uint32_t sensor)
{
    unsigned bits = addr_v4p(&p->addr) ? 96u + p->len : p->len;

    m->prefix = *p;
    m->sensor = sensor;
    m->mask_hi = bits >= 64 ? ~0ULL : bits == 0 ? 0 : ~0ULL << (64 - bits);
    m->mask_lo = bits <= 64 ? 0 : bits >= 128 ? ~0ULL : ~0ULL << (128 - bits);
    m->net_hi = addr_hi(&p->addr);
    m->net_lo = addr_lo(&p->addr);
    m->v4 = addr_v4p(&p->addr);
    m->net4 = m->v4 ? addr_v4v(&p->addr) : 0;
    m->mask4 = !m->v4 || p->len == 0 ? 0 : 0xffffffffU << (32 - p->len);
}

static uint32_t sensor_of(const struct rk_sensor_engine *e, const struct rk_sensor_addr *a)
{
    uint64_t hi, lo;

    if (e->n_pm > LINEAR_MAX)
        return rtab_lookup(&e->pm_table, a);
    if (addr_v4p(a)) { /* the common case: 32-bit compares */
        uint32_t v = addr_v4v(a);

        for (size_t i = 0; i < e->n_pm; i++) {
            const struct pmatch *m = &e->pm[i];

            if (m->v4 && (v & m->mask4) == m->net4)
                return m->sensor;
        }
        return KIDX_NONE;
    }
    hi = addr_hi(a);
    lo = addr_lo(a);
    for (size_t i = 0; i < e->n_pm; i++) {
        const struct pmatch *m = &e->pm[i];

        if ((hi & m->mask_hi) == m->net_hi && (lo & m->mask_lo) == m->net_lo)
            return m->sensor;
    }
    return KIDX_NONE;
}

static int overlaps(const struct rk_sensor_engine *e, const struct rk_sensor_prefix *p,
                    const struct pmatch *pending, size_t n_pending)
{
    for (size_t i = 0; i < e->n_pm + n_pending; i++) {
        const struct rk_sensor_prefix *q =
                i < e->n_pm ? &e->pm[i].prefix : &pending[i - e->n_pm].prefix;

        if (rk_sensor_prefix_contains(q, &p->addr) || rk_sensor_prefix_contains(p, &q->addr))
            return 1;
    }
    return 0;
}

static int parse_prefixes(struct rk_sensor_engine *e, const char *list, uint32_t sensor,
                          struct pmatch **out, size_t *n_out, struct rk_err *err)
{
    const char *s = list;
    struct rk_sensor_prefix p;

    *out = NULL;
    *n_out = 0;
    while (*s) {
        size_t len = strcspn(s, ", \t\n");
        struct pmatch *a;

        if (len == 0) {
            s++;
            continue;
        }
        if (rk_sensor_prefix_parse(s, len, 0, &p) != 0)
            return rk_err_set(err, RK_EFORMAT, "bad prefix \"%.*s\" (CIDR with host bits zero)",
                              (int)(len > 64 ? 64 : len), s);
        if (overlaps(e, &p, *out, *n_out))
            return rk_err_set(err, RK_ECONFLICT, "prefix %.*s overlaps another sensor prefix",
                              (int)(len > 64 ? 64 : len), s);
        if (!(a = rk_reallocarray(*out, *n_out + 1, sizeof(*a))))
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        *out = a;
        pmatch_set(&a[(*n_out)++], &p, sensor);
        s += len;
    }
    if (*n_out == 0)
        return rk_err_set(err, RK_EFORMAT, "sensor without prefixes");
    return 0;
}

static int rebuild_pm_table(struct rk_sensor_engine *e)
{
    int rc;

    rtab_free(&e->pm_table);
    for (size_t i = 0; i < e->n_pm; i++) {
        if ((rc = rtab_add_prefix(&e->pm_table, &e->pm[i].prefix, e->pm[i].sensor)) != 0)
            return rc;
    }
    return rtab_build(&e->pm_table, 0, NULL);
}

static int check_sensor_args(struct rk_sensor_engine *e, const char *name, const char *country,
                             struct rk_err *err)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len >= RK_SENSOR_NAME_MAX)
        return rk_err_set(err, RK_EINVAL, "sensor name must have 1 to %d characters",
                          RK_SENSOR_NAME_MAX - 1);
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
            return rk_err_set(err, RK_EINVAL, "sensor name \"%s\": use letters, digits, - _ .",
                              name);
    }
    if (country && *country &&
        (strlen(country) != 2 || !isalpha((unsigned char)country[0]) ||
         !isalpha((unsigned char)country[1])))
        return rk_err_set(err, RK_EINVAL, "sensor %s: country must be ISO 3166 alpha-2", name);
    if (e->n_sensors == SENSORS_MAX)
        return rk_err_set(err, RK_ELIMIT, "at most %d sensors", SENSORS_MAX);
    if (e->n_open > 0 || e->emit_next != INT64_MIN)
        return rk_err_set(err, RK_EINVAL, "sensors must be added before the first packet");
    for (uint32_t i = 0; i < e->n_sensors; i++) {
        if (strcmp(e->sensors[i].name, name) == 0)
            return rk_err_set(err, RK_EEXISTS, "sensor %s exists already", name);
    }
    return 0;
}

int rk_sensor_engine_add_sensor(struct rk_sensor_engine *e, const char *name, const char *country,
                                int tlp, const char *prefixes, struct rk_err *err)
{
    struct sensor *s = &e->sensors[e->n_sensors];
    struct pmatch *pm = NULL, *all;
    size_t n = 0;
    int rc;

    if ((rc = check_sensor_args(e, name, country, err)) != 0)
        return rc;
    if ((rc = parse_prefixes(e, prefixes ? prefixes : "", e->n_sensors, &pm, &n, err)) != 0)
        goto out;
    if (!(all = rk_reallocarray(e->pm, e->n_pm + n, sizeof(*all)))) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(all + e->n_pm, pm, n * sizeof(*pm));
    e->pm = all;
    if ((rc = dos_new(&s->dos)) != 0) {
        rk_err_set(err, rc, "out of memory");
        goto out;
    }
    e->n_pm += n;
    memset(s->name, 0, sizeof(s->name));
    rk_strlcpy(s->name, name, sizeof(s->name));
    s->cc[0] = country && *country ? (char)toupper((unsigned char)country[0]) : '\0';
    s->cc[1] = country && *country ? (char)toupper((unsigned char)country[1]) : '\0';
    s->cc[2] = '\0';
    s->tlp = tlp;
    e->n_sensors++;
    if (e->n_pm > LINEAR_MAX && (rc = rebuild_pm_table(e)) != 0)
        rk_err_set(err, rc, "out of memory");
out:
    rk_free(pm);
    return rc;
}

int rk_sensor_engine_load_scanners(struct rk_sensor_engine *e, const char *path,
                                   struct rk_sensor_load_result *res, struct rk_err *err)
{
    struct rk_sensor_load_result tmp;

    return lists_load_scanners(&e->scanners, path, res ? res : &tmp, err);
}

int rk_sensor_engine_load_geo(struct rk_sensor_engine *e, int kind, const char *path,
                              struct rk_sensor_load_result *res, struct rk_err *err)
{
    struct rk_sensor_load_result tmp;
    struct geo g;
    struct geo *dst = kind == RK_SENSOR_GEO_ASN ? &e->asn : &e->cc;
    int rc;

    if (kind != RK_SENSOR_GEO_ASN && kind != RK_SENSOR_GEO_COUNTRY)
        return rk_err_set(err, RK_EINVAL, "unknown prefix table kind %d", kind);
    if ((rc = lists_load_geo(&g, kind, path, res ? res : &tmp, err)) != 0)
        return rc;
    geo_free(dst);
    *dst = g;
    return 0;
}

/* ---- queues --------------------------------------------------------------------------------- */

static int queue_bin(struct rk_sensor_engine *e, struct rk_sensor_bin *b)
{
    if (e->q_len == e->q_cap) {
        struct rk_sensor_bin **q;

        if (e->q_head > 0) {
            memmove(e->queue, e->queue + e->q_head, (e->q_len - e->q_head) * sizeof(*q));
            e->q_len -= e->q_head;
            e->q_head = 0;
        }
        if (e->q_len == e->q_cap) {
            size_t cap = e->q_cap ? e->q_cap * 2 : 64;

            if (!(q = rk_reallocarray(e->queue, cap, sizeof(*q)))) {
                rk_sensor_bin_free(b);
                return RK_ENOMEM;
            }
            e->queue = q;
            e->q_cap = cap;
        }
    }
    e->queue[e->q_len++] = b;
    e->st.bins_emitted++;
    return 0;
}

int rk_sensor_engine_take_bin(struct rk_sensor_engine *e, struct rk_sensor_bin **out)
{
    *out = NULL;
    if (e->q_head == e->q_len)
        return 0;
    *out = e->queue[e->q_head++];
    if (e->q_head == e->q_len)
        e->q_head = e->q_len = 0;
    return 1;
}

static int cmp_attack(const void *a, const void *b)
{
    const struct attack *x = a, *y = b;
    int c;

    if (x->row.start_ns != y->row.start_ns)
        return x->row.start_ns < y->row.start_ns ? -1 : 1;
    if ((c = memcmp(x->row.victim.a, y->row.victim.a, 16)) != 0)
        return c;
    return (int)x->row.proto - (int)y->row.proto;
}

static int queue_attacks(struct rk_sensor_engine *e, uint32_t sensor,
                         struct rk_sensor_dos_row *rows, size_t n)
{
    size_t first = e->a_len;

    if (n == 0)
        return 0;
    if (e->a_len + n > e->a_cap) {
        size_t cap = e->a_cap ? e->a_cap * 2 : 64;
        struct attack *a;

        while (cap < e->a_len + n)
            cap *= 2;
        if (!(a = rk_reallocarray(e->attacks, cap, sizeof(*a))))
            return RK_ENOMEM;
        e->attacks = a;
        e->a_cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        e->attacks[e->a_len].row = rows[i];
        e->attacks[e->a_len++].sensor = sensor;
    }
    qsort(e->attacks + first, n, sizeof(*e->attacks), cmp_attack);
    return 0;
}

int rk_sensor_engine_take_attack(struct rk_sensor_engine *e, struct rk_sensor_dos_row *out,
                                 char sensor[RK_SENSOR_NAME_MAX])
{
    if (e->a_head == e->a_len)
        return 0;
    *out = e->attacks[e->a_head].row;
    memcpy(sensor, e->sensors[e->attacks[e->a_head].sensor].name, RK_SENSOR_NAME_MAX);
    if (++e->a_head == e->a_len)
        e->a_head = e->a_len = 0;
    return 1;
}

/* ---- closing bins --------------------------------------------------------------------------- */

/* Emit one sensor's bin for [start, start + bin_secs); bs may be NULL (no packets). */
static int emit_one(struct rk_sensor_engine *e, uint32_t i, int64_t start, struct binsens *bs)
{
    struct rk_sensor_dos_row *rows = NULL, *fin = NULL;
    size_t n_rows = 0, n_fin = 0;
    struct rk_sensor_bin *b;
    struct sensor *s = &e->sensors[i];
    int rc;

    rc = dos_close_bin(s->dos, start, start + e->cfg.bin_secs, &e->cfg, &rows, &n_rows, &fin,
                       &n_fin, &e->mem);
    if (rc == 0)
        rc = queue_attacks(e, i, fin, n_fin);
    rk_free(fin);
    if (rc != 0) {
        rk_free(rows);
        return rc;
    }
    if ((rc = bin_build(&b, bs, &e->ctx, rows, n_rows)) != 0)
        return rc;
    rk_strlcpy(b->info.sensor, s->name, sizeof(b->info.sensor));
    memcpy(b->info.country, s->cc, sizeof(b->info.country));
    b->info.tlp = s->tlp;
    b->info.start = start;
    b->info.secs = e->cfg.bin_secs;
    return queue_bin(e, b);
}

static int close_oldest(struct rk_sensor_engine *e)
{
    struct obin *ob = e->open[0];
    int64_t B = e->cfg.bin_secs;
    int rc = 0;

    if (e->emit_next == INT64_MIN ||
        (ob->start - e->emit_next) / B * (int64_t)e->n_sensors > GAP_EMPTY_MAX)
        e->emit_next = ob->start;
    for (; rc == 0 && e->emit_next < ob->start; e->emit_next += B) {
        for (uint32_t i = 0; i < e->n_sensors && rc == 0; i++)
            rc = emit_one(e, i, e->emit_next, NULL);
    }
    for (uint32_t i = 0; i < e->n_sensors && rc == 0; i++) {
        struct sensor *s = &e->sensors[i];

        if (ob->bs[i])
            binsens_sizes(ob->bs[i], &s->last_sources, &s->last_sp, &s->last_sd);
        rc = emit_one(e, i, ob->start, ob->bs[i]);
    }
    e->emit_next = ob->start + B;
    obin_free(e, ob);
    memmove(e->open, e->open + 1, (size_t)(e->n_open - 1) * sizeof(*e->open));
    e->n_open--;
    return rc;
}

static int close_ready(struct rk_sensor_engine *e)
{
    int rc;

    while (e->n_open > 0 &&
           (e->open[0]->start + (int64_t)e->cfg.bin_secs + e->cfg.lateness_secs) * NS <=
                   e->watermark_ns) {
        if ((rc = close_oldest(e)) != 0)
            return rc;
    }
    return 0;
}

/* The open bin starting at start (created when needed); NULL when it was already closed. */
static struct obin *get_bin(struct rk_sensor_engine *e, int64_t start, int *rc)
{
    struct obin *ob;
    int i;

    *rc = 0;
    if (e->emit_next != INT64_MIN && start < e->emit_next)
        return NULL;
    for (i = 0; i < e->n_open; i++) {
        if (e->open[i]->start == start)
            return e->open[i];
        if (e->open[i]->start > start)
            break;
    }
    if (e->n_open == OPEN_MAX) {
        if ((*rc = close_oldest(e)) != 0)
            return NULL;
        return get_bin(e, start, rc);
    }
    if (!(ob = rk_calloc(1, sizeof(*ob)))) {
        *rc = RK_ENOMEM;
        return NULL;
    }
    ob->start = start;
    memmove(e->open + i + 1, e->open + i, (size_t)(e->n_open - i) * sizeof(*e->open));
    e->open[i] = ob;
    e->n_open++;
    return ob;
}

/* Make room: switch the open (bin, sensor) with the most exact state to approximate. */
static int convert_largest(struct rk_sensor_engine *e)
{
    struct binsens *best = NULL;
    int rc;

    for (int i = 0; i < e->n_open; i++) {
        for (uint32_t s = 0; s < e->n_sensors; s++) {
            struct binsens *b = e->open[i]->bs[s];

            if (b && !b->approx && (!best || b->mem > best->mem))
                best = b;
        }
    }
    if (!best)
        return RK_ELIMIT;
    if ((rc = binsens_to_approx(best, &e->ctx)) != 0)
        return rc;
    e->st.approx_bins++;
    rk_log_info("switched to approximate counting sensor=%s mem_used=%llu",
                e->sensors[best->sensor].name, (unsigned long long)e->mem.used);
    return 0;
}

/* ---- packets --------------------------------------------------------------------------------- */

/* A packet on its way through the three stages of a batch. */
struct staged {
    struct rk_sensor_pkt p;
    struct binsens *bs;
    int64_t start;
    uint32_t sensor;
    struct agg_hint h;
};

#define BATCH       64
#define DIST1       6  /* stage 2 runs this many packets after stage 1 ... */
#define DIST2       12 /* ... and counting this many */
#define STAGE_FLUSH 2

/* Stage A: decode, classify, find the sensor and the bin. 1: staged; 0: counted as a drop or
 * outside; STAGE_FLUSH: the packet needs a bin while OPEN_MAX are open, which would close one
 * under packets already staged: count those first, then come back; <0: an error. */
static int stage_a(struct rk_sensor_engine *e, const struct rk_sensor_frame *f, struct staged *s,
                   int staged)
{
    struct obin *ob;
    int drop, rc;

    if (rk_sensor_decode(f, e->cfg.vlan_max, e->cfg.ipv6_ext_max, &s->p, &drop) != 0) {
        e->st.drops[drop]++;
        return 0;
    }
    if (s->p.ts_ns < TIME_MIN_S * NS || s->p.ts_ns > e->time_max_ns) {
        e->st.drops[RK_SENSOR_DROP_BAD_TIME]++;
        return 0;
    }
    rk_sensor_classify(&s->p);
    if ((s->sensor = sensor_of(e, &s->p.dst)) == KIDX_NONE) {
        e->st.outside++;
        return 0;
    }
    if (sensor_of(e, &s->p.src) != KIDX_NONE) {
        s->p.spoof |= RK_SENSOR_SPOOF_SELF;
        s->p.fp |= RK_SENSOR_FP_SPOOFED;
    }
    s->start = s->p.ts_ns / NS / e->cfg.bin_secs * e->cfg.bin_secs;
    if (staged && e->n_open == OPEN_MAX &&
        !(e->emit_next != INT64_MIN && s->start < e->emit_next)) {
        int open = 0;

        for (int i = 0; i < e->n_open; i++)
            open |= e->open[i]->start == s->start;
        if (!open)
            return STAGE_FLUSH;
    }
    if (!(ob = get_bin(e, s->start, &rc))) {
        if (rc == 0)
            e->st.drops[RK_SENSOR_DROP_LATE]++;
        return rc;
    }
    if (!ob->bs[s->sensor]) {
        const struct sensor *se = &e->sensors[s->sensor];

        if (!(ob->bs[s->sensor] = binsens_new(s->sensor)))
            return RK_ENOMEM;
        binsens_presize(ob->bs[s->sensor], se->last_sources, se->last_sp, se->last_sd, &e->ctx);
    }
    s->bs = ob->bs[s->sensor];
    if (s->p.ts_ns > e->watermark_ns)
        e->watermark_ns = s->p.ts_ns;
    return 1;
}

/* Stage C: count, with the hint of the prefetching stages. */
static int stage_c(struct rk_sensor_engine *e, struct staged *s)
{
    int rc = 0;

    if (s->h.si == KIDX_NONE && s->bs->staged_new > 0)
        s->bs->staged_new--;
    for (int tries = 0; tries < 4; tries++) {
        rc = binsens_update_hinted(s->bs, &s->p, &e->ctx, &s->h);
        if (rc != RK_ELIMIT)
            break;
        s->h.si = s->h.pi = KIDX_NONE; /* the state may have changed under the hint */
        if (convert_largest(e) != 0)
            break;
    }
    if (rc == RK_ELIMIT) {
        binsens_count_lost(s->bs, &s->p, &e->ctx);
        e->st.dropped_keys++;
        rc = 0;
    }
    if (rc != 0)
        return rc;
    e->st.packets++;
    if (s->p.cls == RK_SENSOR_CLASS_BACKSCATTER) {
        rc = dos_update(e->sensors[s->sensor].dos, &s->p, s->start, &e->cfg, &e->mem);
        if (rc == RK_ELIMIT)
            e->st.dropped_keys++;
        else if (rc != 0)
            return rc;
    }
    return 0;
}

static int must_close(const struct rk_sensor_engine *e)
{
    return e->n_open > 0 &&
           (e->open[0]->start + (int64_t)e->cfg.bin_secs + e->cfg.lateness_secs) * NS <=
                   e->watermark_ns;
}

/* Stage a batch (up to BATCH packets, ending early where a bin must close); *used: frames
 * consumed. Returns the packets staged or a negative code. */
static int stage_batch(struct rk_sensor_engine *e, const struct rk_sensor_frame *f, size_t n,
                       struct staged *st, size_t *used)
{
    int m = 0, rc;

    *used = 0;
    while (*used < n && m < BATCH) {
        rc = stage_a(e, &f[*used], &st[m], m);
        if (rc == STAGE_FLUSH)
            break;
        if (rc < 0)
            return rc;
        e->st.frames++;
        (*used)++;
        if (rc == 1 && (m++, must_close(e)))
            break;
    }
    return m;
}

int rk_sensor_engine_packets(struct rk_sensor_engine *e, const struct rk_sensor_frame *f, size_t n)
{
    struct staged st[BATCH];
    size_t done = 0, used;
    int m, rc;

    while (done < n) {
        if ((m = stage_batch(e, f + done, n - done, st, &used)) < 0)
            return m;
        done += used;
        /* a software pipeline: stage 1 runs DIST2 packets ahead of the counting, stage 2
         * DIST1 ahead, so that the memory each packet needs is on its way while others are
         * counted, without more prefetches in flight than the core can track */
        for (int k = 0; k < m + DIST2; k++) {
            if (k < m)
                binsens_stage1(st[k].bs, &st[k].p, &st[k].h);
            if (k >= DIST1 && k - DIST1 < m)
                binsens_stage2(st[k - DIST1].bs, &st[k - DIST1].p, &st[k - DIST1].h);
            if (k >= DIST2 && (rc = stage_c(e, &st[k - DIST2])) != 0)
                return rc;
        }
        for (int k = 0; k < m; k++)
            st[k].bs->staged_new = 0;
        if ((rc = close_ready(e)) != 0)
            return rc;
    }
    return 0;
}

int rk_sensor_engine_packet(struct rk_sensor_engine *e, const struct rk_sensor_frame *f)
{
    return rk_sensor_engine_packets(e, f, 1);
}

int rk_sensor_engine_advance(struct rk_sensor_engine *e, int64_t now_ns, struct rk_err *err)
{
    int rc;

    if (now_ns > e->watermark_ns)
        e->watermark_ns = now_ns;
    if ((rc = close_ready(e)) != 0)
        return rk_err_set(err, rc, "closing bins: %s", rk_strerror(rc));
    return 0;
}

int rk_sensor_engine_flush(struct rk_sensor_engine *e, struct rk_err *err)
{
    struct rk_sensor_dos_row *fin = NULL;
    size_t n_fin = 0;
    int rc = 0;

    while (rc == 0 && e->n_open > 0)
        rc = close_oldest(e);
    for (uint32_t i = 0; i < e->n_sensors && rc == 0; i++) {
        rc = dos_finish_all(e->sensors[i].dos, &e->cfg, &fin, &n_fin, &e->mem);
        if (rc == 0)
            rc = queue_attacks(e, i, fin, n_fin);
        rk_free(fin);
        fin = NULL;
        n_fin = 0;
    }
    if (rc != 0)
        return rk_err_set(err, rc, "closing bins: %s", rk_strerror(rc));
    return 0;
}
