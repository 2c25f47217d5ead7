/* sink.c - sensors and their closed bins in the store: registering a sensor, an engine for the
 * registered sensors, and the sink that writes closed bins as time series (merging a bin with
 * its stored part), replays stored history into the detector's baselines and stores alerts. */
#include "renkei/sensor_store.h"
#include "sensor/sensor_int.h"

#include "util/alloc.h"
#include "util/buf.h"
#include "util/rktime.h"
#include "util/strparse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define PREFIXES_MAX 64 /* per sensor */

/* ---- the registry ------------------------------------------------------------------------------
 */

/* Parse "a/n, b/m ..." into out[0..*n). */
static int parse_list(const char *text, struct rk_sensor_prefix *out, size_t *n, struct rk_err *err)
{
    const char *p = text;

    *n = 0;
    while (*p) {
        size_t len;

        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        len = strcspn(p, ", \t\r\n");
        if (len == 0)
            break;
        if (*n == PREFIXES_MAX)
            return rk_err_set(err, RK_ELIMIT, "more than %d prefixes", PREFIXES_MAX);
        if (rk_sensor_prefix_parse(p, len, 0, &out[*n]) != 0)
            return rk_err_set(err, RK_EFORMAT,
                              "bad prefix '%.*s': give a CIDR such as 192.0.2.0/24 or "
                              "2001:db8::/48, with the host bits zero",
                              (int)(len > 64 ? 64 : len), p);
        (*n)++;
        p += len;
    }
    return *n ? 0 : rk_err_set(err, RK_EFORMAT, "no prefix given");
}

static int overlap(const struct rk_sensor_prefix *x, const struct rk_sensor_prefix *y)
{
    return rk_sensor_addr_is_v4(&x->addr) == rk_sensor_addr_is_v4(&y->addr) &&
           (rk_sensor_prefix_contains(x, &y->addr) || rk_sensor_prefix_contains(y, &x->addr));
}

struct reg_check {
    const struct rk_sensor_prefix *mine;
    size_t n;
    struct rk_err *err;
};

static int check_other(const struct rk_store_sensor *o, void *ctx)
{
    struct reg_check *c = ctx;
    struct rk_sensor_prefix theirs[PREFIXES_MAX];
    char a[RK_SENSOR_ADDR_STR], b[RK_SENSOR_ADDR_STR];
    size_t n;

    if (parse_list(o->prefixes, theirs, &n, NULL) != 0)
        return 0; /* the store holds only checked lists */
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = 0; j < n; j++) {
            if (overlap(&c->mine[i], &theirs[j]))
                return rk_err_set(c->err, RK_ECONFLICT,
                                  "prefix %s overlaps %s of sensor %s: a packet must belong to "
                                  "one sensor",
                                  rk_sensor_prefix_format(&c->mine[i], a, sizeof(a)),
                                  rk_sensor_prefix_format(&theirs[j], b, sizeof(b)), o->name);
        }
    }
    return 0;
}

/* The prefixes joined by commas in canonical form; RK_ECONFLICT when two of them overlap. */
static int canonical(struct rk_store_sensor *s, const struct rk_sensor_prefix *p, size_t n,
                     struct rk_err *err)
{
    struct rk_buf out;
    char text[RK_SENSOR_ADDR_STR];
    int rc = 0;

    rk_buf_init(&out, sizeof(s->prefixes) - 1);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (overlap(&p[i], &p[j]))
                rc = rk_err_set(err, RK_ECONFLICT, "prefix %s is given twice or overlaps another",
                                rk_sensor_prefix_format(&p[i], text, sizeof(text)));
        }
        if (rc == 0 && rk_buf_printf(&out, "%s%s", i ? "," : "",
                                     rk_sensor_prefix_format(&p[i], text, sizeof(text))) != 0)
            rc = rk_err_set(err, RK_ELIMIT, "the prefix list is too long");
    }
    if (rc == 0)
        rk_strlcpy(s->prefixes, rk_buf_cstr(&out), sizeof(s->prefixes));
    rk_buf_free(&out);
    return rc;
}

int rk_sensor_register(struct rk_store *st, struct rk_store_sensor *s, struct rk_err *err)
{
    struct rk_sensor_prefix p[PREFIXES_MAX];
    struct reg_check c = {p, 0, err};
    size_t n;
    int rc;

    if ((rc = parse_list(s->prefixes, p, &n, err)) != 0 || (rc = canonical(s, p, n, err)) != 0)
        return rc;
    c.n = n;
    s->country[0] = (char)toupper((unsigned char)s->country[0]);
    s->country[1] = s->country[0] ? (char)toupper((unsigned char)s->country[1]) : '\0';
    if ((rc = rk_store_sensor_list(st, check_other, &c, err)) != 0)
        return rc;
    return rk_store_sensor_add(st, s, err);
}

/* ---- an engine for registered sensors ------------------------------------------------------- */

struct pick {
    const char *const *names;
    size_t n;
    struct rk_store_sensor *out;
    size_t n_out;
    uint8_t *found;
};

static int pick_one(const struct rk_store_sensor *s, void *ctx)
{
    struct pick *p = ctx;
    size_t i = 0;

    while (i < p->n && strcmp(p->names[i], s->name) != 0)
        i++;
    if (p->n && i == p->n)
        return 0;
    if (p->n)
        p->found[i] = 1;
    if (p->n_out == 256)
        return RK_ELIMIT;
    p->out[p->n_out++] = *s;
    return 0;
}

/* The registered sensors named (all when n is 0), in registration order; the caller frees
 * *out. RK_ENOTFOUND for a name that is not registered. */
static int pick_sensors(struct rk_store *st, const char *const *names, size_t n,
                        struct rk_store_sensor **out, size_t *n_out, struct rk_err *err)
{
    struct pick p = {names, n, rk_calloc(256, sizeof(struct rk_store_sensor)), 0,
                     rk_calloc(n ? n : 1, 1)};
    int rc = RK_ENOMEM;

    *out = NULL;
    *n_out = 0;
    if (p.out && p.found && (rc = rk_store_sensor_list(st, pick_one, &p, err)) == RK_ELIMIT)
        rk_err_set(err, rc, "more than 256 sensors");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!p.found[i])
            rc = rk_err_set(err, RK_ENOTFOUND,
                            "no sensor named '%s'; 'renkei sensor list' shows them", names[i]);
    }
    if (rc == 0 && p.n_out == 0)
        rc = rk_err_set(err, RK_EINVAL,
                        "no sensor is registered; add one with 'renkei sensor add'");
    if (rc == RK_ENOMEM)
        rk_err_set(err, rc, "out of memory");
    if (rc == 0) {
        *out = p.out;
        *n_out = p.n_out;
        p.out = NULL;
    }
    rk_free(p.out);
    rk_free(p.found);
    return rc;
}

int rk_sensor_engine_from_store(struct rk_sensor_engine **out, struct rk_store *st,
                                const char *const *names, size_t n,
                                const struct rk_sensor_config *cfg, struct rk_err *err)
{
    struct rk_sensor_config c;
    struct rk_store_sensor *s = NULL;
    struct rk_sensor_engine *e = NULL;
    size_t ns = 0;
    int rc;

    *out = NULL;
    if (cfg)
        c = *cfg;
    else
        rk_sensor_config_init(&c);
    if ((rc = pick_sensors(st, names, n, &s, &ns, err)) != 0)
        return rc;
    for (size_t i = 1; i < ns; i++) {
        if (s[i].bin_secs != s[0].bin_secs) {
            rc = rk_err_set(err, RK_EINVAL,
                            "sensors %s and %s have different bin lengths (%u s, %u s): "
                            "give them to separate runs with --sensor",
                            s[0].name, s[i].name, s[0].bin_secs, s[i].bin_secs);
            goto out;
        }
    }
    c.bin_secs = s[0].bin_secs;
    c.keep_port_sets = 1;
    if ((rc = rk_sensor_engine_new(&e, &c, err)) != 0)
        goto out;
    for (size_t i = 0; rc == 0 && i < ns; i++)
        rc = rk_sensor_engine_add_sensor(e, s[i].name, s[i].country, s[i].tlp, s[i].prefixes, err);
    if (rc == 0) {
        *out = e;
        e = NULL;
    }
out:
    rk_sensor_engine_free(e);
    rk_free(s);
    return rc;
}

/* ---- alerts as stored
 * ---------------------------------------------------------------------------- */

int rk_sensor_alert_to_json(const struct rk_sensor_alert *a, char **out, struct rk_err *err)
{
    json_t *ev = json_array(), *o;

    *out = NULL;
    for (uint32_t i = 0; ev && i < a->n_evidence && i < RK_SENSOR_EVIDENCE_MAX; i++) {
        if (json_array_append_new(ev, json_pack("{s:I,s:f,s:I}", "start",
                                                (json_int_t)a->evidence[i].start, "sources",
                                                a->evidence[i].sources, "packets",
                                                (json_int_t)a->evidence[i].packets)) != 0) {
            json_decref(ev);
            ev = NULL;
        }
    }
    o = ev ? json_pack("{s:s,s:s,s:i,s:i,s:i,s:I,s:i,s:f,s:I,s:f,s:f,s:f,s:b,s:o}", "rule",
                       rk_sensor_rule_name(a->rule), "sensor", a->sensor, "tlp", a->tlp, "proto",
                       (int)a->proto, "port", (int)a->port, "bin_start", (json_int_t)a->bin_start,
                       "bin_secs", (int)a->bin_secs, "sources", a->sources, "packets",
                       (json_int_t)a->packets, "baseline_mean", a->baseline_mean, "baseline_sd",
                       a->baseline_sd, "score", a->score, "exact", a->exact, "evidence", ev)
           : NULL;
    if (o)
        *out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
    json_decref(o);
    return *out ? 0 : rk_err_set(err, RK_ENOMEM, "out of memory");
}

static int rule_of(const char *name)
{
    for (int r = RK_SENSOR_RULE_SURGE; r <= RK_SENSOR_RULE_NEW_PORT; r++) {
        if (strcmp(rk_sensor_rule_name(r), name) == 0)
            return r;
    }
    return -1;
}

static int evidence_from_json(const json_t *ev, struct rk_sensor_alert *a)
{
    size_t i;
    json_t *e;

    if (!json_is_array(ev) || json_array_size(ev) > RK_SENSOR_EVIDENCE_MAX)
        return RK_EFORMAT;
    json_array_foreach(ev, i, e)
    {
        json_int_t start, packets;
        double sources;

        if (json_unpack(e, "{s:I,s:F,s:I}", "start", &start, "sources", &sources, "packets",
                        &packets) != 0 ||
            packets < 0)
            return RK_EFORMAT;
        a->evidence[i].start = start;
        a->evidence[i].sources = sources;
        a->evidence[i].packets = (uint64_t)packets;
    }
    a->n_evidence = (uint32_t)json_array_size(ev);
    return 0;
}

int rk_sensor_alert_from_json(const char *json, struct rk_sensor_alert *out, struct rk_err *err)
{
    json_t *o = json_loads(json, 0, NULL), *ev = NULL;
    const char *rule = NULL, *sensor = NULL;
    json_int_t start = 0, packets = 0;
    int tlp = 0, proto = 0, port = 0, secs = 0, exact = 0, rc = RK_EFORMAT;

    memset(out, 0, sizeof(*out));
    if (o &&
        json_unpack(o, "{s:s,s:s,s:i,s:i,s:i,s:I,s:i,s:F,s:I,s:F,s:F,s:F,s:b,s:o}", "rule", &rule,
                    "sensor", &sensor, "tlp", &tlp, "proto", &proto, "port", &port, "bin_start",
                    &start, "bin_secs", &secs, "sources", &out->sources, "packets", &packets,
                    "baseline_mean", &out->baseline_mean, "baseline_sd", &out->baseline_sd, "score",
                    &out->score, "exact", &exact, "evidence", &ev) == 0 &&
        (out->rule = rule_of(rule)) >= 0 && tlp >= 0 && tlp <= RK_TLP_RED && proto >= 0 &&
        proto <= 255 && port >= 0 && port <= 65535 && secs > 0 && packets >= 0 &&
        rk_strlcpy(out->sensor, sensor, sizeof(out->sensor)) == 0)
        rc = evidence_from_json(ev, out);
    if (rc == 0) {
        out->tlp = tlp;
        out->proto = (uint8_t)proto;
        out->port = (uint16_t)port;
        out->bin_start = start;
        out->bin_secs = (uint32_t)secs;
        out->packets = (uint64_t)packets;
        out->exact = exact;
    }
    json_decref(o);
    return rc ? rk_err_set(err, rc, "a stored alert is damaged") : 0;
}

/* ---- the sink -----------------------------------------------------------------------------------
 */

struct rk_sensor_sink {
    struct rk_store *st;
    struct rk_sensor_sink_options opt;
    struct rk_store_sensor *sensors;
    size_t n_sensors;
    const char **names; /* the sensors' names, for store queries */
    struct rk_sensor_detector *det;
    int replayed;
    int64_t first_new; /* start of the first new bin: older alerts come from the replay */
    struct rk_buf enc;
    struct rk_sensor_sink_stats stats;
    struct kidx seen; /* source addresses of the new bins, for stats.sources */
    struct smem mem;
};

void rk_sensor_sink_options_init(struct rk_sensor_sink_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->detect = 1;
    rk_sensor_detector_config_init(&opt->detector);
    opt->baseline_bins = 336;
}

int rk_sensor_sink_new(struct rk_sensor_sink **out, struct rk_store *st, const char *const *names,
                       size_t n, const struct rk_sensor_sink_options *opt, struct rk_err *err)
{
    struct rk_sensor_sink *s = rk_calloc(1, sizeof(*s));
    int rc = RK_ENOMEM;

    *out = NULL;
    if (!s)
        return rk_err_set(err, rc, "out of memory");
    s->st = st;
    s->mem.cap = s->mem.exact_limit = UINT64_MAX;
    if (opt)
        s->opt = *opt;
    else
        rk_sensor_sink_options_init(&s->opt);
    rk_buf_init(&s->enc, RK_STORE_SENSOR_BLOB_MAX);
    if ((rc = pick_sensors(st, names, n, &s->sensors, &s->n_sensors, err)) != 0)
        goto fail;
    if (!(s->names = rk_calloc(s->n_sensors, sizeof(*s->names)))) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < s->n_sensors; i++)
        s->names[i] = s->sensors[i].name;
    if (s->opt.detect && (rc = rk_sensor_detector_new(&s->det, &s->opt.detector, err)) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    rk_sensor_sink_free(s);
    return rc;
}

void rk_sensor_sink_free(struct rk_sensor_sink *s)
{
    if (!s)
        return;
    rk_sensor_detector_free(s->det);
    kidx_free(&s->seen, &s->mem);
    rk_buf_free(&s->enc);
    rk_free(s->names);
    rk_free(s->sensors);
    rk_free(s);
}

const struct rk_sensor_sink_stats *rk_sensor_sink_stats(const struct rk_sensor_sink *s)
{
    return &s->stats;
}

/* Store the detector's pending alerts (those of bins this sink wrote; replayed ones go). */
static int drain_alerts(struct rk_sensor_sink *s, struct rk_err *err)
{
    struct rk_sensor_alert a;
    struct rk_store_sensor_alert sa;
    enum rk_store_alert_outcome o;
    char *json = NULL;
    int rc = 0;

    while (rc == 0 && s->det && rk_sensor_detector_take_alert(s->det, &a) == 1) {
        if (!s->replayed || a.bin_start < s->first_new)
            continue;
        if ((rc = rk_sensor_alert_to_json(&a, &json, err)) != 0)
            break;
        memset(&sa, 0, sizeof(sa));
        sa.sensor = a.sensor;
        sa.rule = rk_sensor_rule_name(a.rule);
        sa.proto = a.proto;
        sa.port = a.port;
        sa.bin_start = a.bin_start;
        sa.bin_secs = a.bin_secs;
        sa.tlp = a.tlp;
        sa.score = a.score;
        sa.json = json;
        if ((rc = rk_store_sensor_alert_put(s->st, &sa, &o, err)) == 0) {
            s->stats.alerts_new += o == RK_STORE_ALERT_NEW;
            s->stats.alerts_updated += o == RK_STORE_ALERT_UPDATED;
            s->stats.alerts_unchanged += o == RK_STORE_ALERT_UNCHANGED;
        }
        free(json);
        json = NULL;
    }
    return rc;
}

struct loaded {
    struct rk_sensor_bin *bin;
    struct rk_store_sensor_bin meta;
    struct rk_sensor_detector *det; /* replay: observe and drop */
    uint64_t count;
    struct rk_err *err;
};

static int load_one(const struct rk_store_sensor_bin *b, void *ctx)
{
    struct loaded *l = ctx;
    int rc;

    if ((rc = rk_sensor_bin_decode(&l->bin, b->data, b->data_len, l->err)) != 0) {
        rk_err_prefix(l->err, "sensor %s bin %lld: ", b->sensor, (long long)b->start);
        return rc;
    }
    l->meta = *b;
    l->meta.data = NULL;
    l->count++;
    if (!l->det)
        return 0;
    rc = rk_sensor_detector_observe_bin(l->det, l->bin, l->err);
    rk_sensor_bin_free(l->bin);
    l->bin = NULL;
    return rc;
}

/* Feed the stored bins before start into the baselines (their alerts were raised before). */
static int replay(struct rk_sensor_sink *s, int64_t start, uint32_t secs, struct rk_err *err)
{
    struct rk_store_sensor_bin_query q;
    struct loaded l = {NULL, {0}, s->det, 0, err};
    int rc;

    rk_store_sensor_bin_query_init(&q);
    q.sensors = s->names;
    q.n_sensors = s->n_sensors;
    q.since = start - (int64_t)s->opt.baseline_bins * secs;
    q.until = start;
    rc = rk_store_sensor_bins(s->st, &q, load_one, &l, err);
    s->stats.baseline_bins = l.count;
    s->replayed = 1;
    s->first_new = start;
    return rc ? rc : drain_alerts(s, err);
}

/* The stored part of (sensor, start), or *out NULL. */
static int load_stored(struct rk_sensor_sink *s, const char *sensor, int64_t start,
                       struct loaded *l, struct rk_err *err)
{
    struct rk_store_sensor_bin_query q;

    rk_store_sensor_bin_query_init(&q);
    q.sensors = &sensor;
    q.n_sensors = 1;
    q.since = start;
    q.until = start + 1;
    memset(l, 0, sizeof(*l));
    l->err = err;
    return rk_store_sensor_bins(s->st, &q, load_one, l, err);
}

static int write_bin(struct rk_sensor_sink *s, const struct rk_sensor_bin *b,
                     const struct rk_store_sensor_bin *old, struct rk_err *err)
{
    struct rk_store_sensor_bin m;
    int rc;

    if ((rc = rk_sensor_bin_encode(b, &s->enc, err)) != 0)
        return rc;
    memset(&m, 0, sizeof(m));
    m.sensor = b->info.sensor;
    m.start = b->info.start;
    m.secs = b->info.secs;
    m.packets = b->info.packets;
    m.sources = b->info.sources;
    m.exact = b->info.exact;
    m.revision = old ? old->revision + 1 : 1;
    m.published_rev = old ? old->published_rev : 0;
    m.updated_us = rk_time_unique_us(old ? old->updated_us : 0);
    m.created_us = old ? old->created_us : m.updated_us;
    m.data = rk_buf_ptr(&s->enc);
    m.data_len = rk_buf_len(&s->enc);
    s->stats.bins_inexact += !b->info.exact;
    return rk_store_sensor_bin_put(s->st, &m, err);
}

/* Count the bin's sources not seen before in this sink. */
static int count_sources(struct rk_sensor_sink *s, const struct rk_sensor_bin *b)
{
    int rc = 0;

    for (size_t i = 0; rc == 0 && i < b->n_sources; i++) {
        uint64_t k0 = addr_hi(&b->sources[i].addr), k1 = addr_lo(&b->sources[i].addr);
        uint64_t h = hash128(k0, k1);

        if (kidx_find(&s->seen, k0, k1, h) != KIDX_NONE)
            continue;
        if ((rc = kidx_insert(&s->seen, k0, k1, h, 0, &s->mem, UINT64_MAX)) == 0)
            s->stats.sources++;
    }
    return rc;
}

static int is_empty(const struct rk_sensor_bin *b)
{
    return b->info.packets == 0 && b->n_dos == 0;
}

int rk_sensor_sink_bin_take(struct rk_sensor_sink *s, struct rk_sensor_bin *b, struct rk_err *err)
{
    struct rk_sensor_bin *merged = NULL;
    const struct rk_sensor_bin *final = b;
    struct loaded l;
    int rc;

    memset(&l, 0, sizeof(l));
    if (!s->replayed && s->det && (rc = replay(s, b->info.start, b->info.secs, err)) != 0)
        goto out;
    s->replayed = 1;
    if ((rc = load_stored(s, b->info.sensor, b->info.start, &l, err)) != 0)
        goto out;
    if (l.bin && is_empty(b)) {
        final = l.bin;
        s->stats.bins_unchanged++;
    } else if (l.bin) {
        if ((rc = rk_sensor_bin_merge(&merged, l.bin, b, err)) != 0 ||
            (rc = write_bin(s, merged, &l.meta, err)) != 0)
            goto out;
        final = merged;
        s->stats.bins_merged++;
    } else if ((rc = write_bin(s, b, NULL, err)) == 0) {
        s->stats.bins_new++;
    } else {
        goto out;
    }
    s->stats.packets += b->info.packets;
    if ((rc = count_sources(s, b)) != 0) {
        rk_err_set(err, rc, "out of memory");
        goto out;
    }
    if (s->stats.first_start == 0 || b->info.start < s->stats.first_start)
        s->stats.first_start = b->info.start;
    if (b->info.start > s->stats.last_start)
        s->stats.last_start = b->info.start;
    if (s->det && (rc = rk_sensor_detector_observe_bin(s->det, final, err)) == 0)
        rc = drain_alerts(s, err);
out:
    rk_sensor_bin_free(l.bin);
    rk_sensor_bin_free(merged);
    rk_sensor_bin_free(b);
    return rc;
}

int rk_sensor_sink_finish(struct rk_sensor_sink *s, struct rk_err *err)
{
    int rc;

    if (!s->det)
        return 0;
    if ((rc = rk_sensor_detector_flush(s->det, err)) != 0)
        return rc;
    return drain_alerts(s, err);
}
