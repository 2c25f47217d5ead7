/* detect.c - early warning on sensor bins: per (sensor, protocol, port) an EWMA baseline of
 * the unique clean sources (research scanners, spoofed sources and backscatter excluded), a
 * z-score surge rule, a CUSUM rule for slower ramps and a new-port rule; the same again on the
 * sum over all sensors (sensor "*"). Parameters and their tuning: docs/sensor.md. */
#include "sensor/sensor_int.h"
#include "renkei/log.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <math.h>
#include <string.h>

#define DET_SENSORS  (256 + 1)
#define GAP_FILL_MAX 256
#define ALL_SENSORS  "*"
#define UPDATE_CLAMP 3.0 /* standard deviations: larger residuals are winsorised */

struct series {
    uint32_t key; /* proto << 16 | port */
    uint32_t n;   /* bins folded in */
    double mean, var, pmean, cusum;
    uint8_t in_alert, quiet, exact_ring;
    uint8_t ring_len, ring_pos;
    struct {
        int64_t start;
        double sources;
        uint64_t packets;
    } ring[RK_SENSOR_EVIDENCE_MAX];
};

struct dsensor {
    char name[RK_SENSOR_NAME_MAX];
    int tlp;
    uint32_t secs;
    int64_t last_start; /* INT64_MIN before the first bin */
    uint64_t bins;
    struct kidx idx;
    struct series *s;
    uint32_t n, cap;
};

/* One bin's values for the series that were active in it. */
struct obs {
    uint32_t key;
    double sources;
    uint64_t packets;
    int exact;
};

struct rk_sensor_detector {
    struct rk_sensor_detector_config cfg;
    struct dsensor *sensors[DET_SENSORS];
    uint32_t n_sensors;
    uint64_t n_series;
    int warned_cap;
    struct smem mem; /* unlimited: the series count is what is capped */
    /* the cross-sensor sums of the bin being collected */
    int64_t all_start;
    uint32_t all_secs;
    int all_tlp;
    struct obs *all;
    size_t n_all, cap_all;
    struct kidx all_idx;
    struct rk_sensor_alert *alerts;
    size_t a_head, a_len, a_cap;
};

const char *rk_sensor_rule_name(int rule)
{
    switch (rule) {
    case RK_SENSOR_RULE_SURGE:
        return "surge";
    case RK_SENSOR_RULE_CUSUM:
        return "cusum";
    case RK_SENSOR_RULE_NEW_PORT:
        return "new-port";
    default:
        return "unknown";
    }
}

void rk_sensor_detector_config_init(struct rk_sensor_detector_config *cfg)
{
    cfg->alpha = 0.2;
    cfg->z_threshold = 6.0;
    cfg->min_ratio = 2.0;
    cfg->min_sources = 10;
    cfg->cusum_k = 1.0;
    cfg->cusum_h = 12.0;
    cfg->cusum_min_ratio = 1.5;
    cfg->warmup_bins = 24;
    cfg->new_port_min_sources = 8;
    cfg->quiet_bins = 3;
    cfg->cross_sensor = 1;
    cfg->max_keys = 1000000;
}

int rk_sensor_detector_new(struct rk_sensor_detector **out,
                           const struct rk_sensor_detector_config *cfg, struct rk_err *err)
{
    struct rk_sensor_detector *d;

    *out = NULL;
    if (!(d = rk_calloc(1, sizeof(*d))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (cfg)
        d->cfg = *cfg;
    else
        rk_sensor_detector_config_init(&d->cfg);
    if (!(d->cfg.alpha > 0 && d->cfg.alpha <= 1) || !(d->cfg.z_threshold > 0) ||
        !(d->cfg.cusum_h > 0) || d->cfg.cusum_k < 0 || d->cfg.min_ratio < 0) {
        rk_free(d);
        return rk_err_set(err, RK_EINVAL,
                          "detector config: alpha in (0,1], z_threshold and cusum_h > 0, "
                          "cusum_k and min_ratio >= 0");
    }
    d->mem.cap = d->mem.exact_limit = UINT64_MAX;
    d->all_start = INT64_MIN;
    *out = d;
    return 0;
}

void rk_sensor_detector_free(struct rk_sensor_detector *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n_sensors; i++) {
        kidx_free(&d->sensors[i]->idx, &d->mem);
        rk_free(d->sensors[i]->s);
        rk_free(d->sensors[i]);
    }
    kidx_free(&d->all_idx, &d->mem);
    rk_free(d->all);
    rk_free(d->alerts);
    rk_free(d);
}

static struct dsensor *sensor_get(struct rk_sensor_detector *d, const char *name, int tlp,
                                  uint32_t secs)
{
    struct dsensor *s;

    for (uint32_t i = 0; i < d->n_sensors; i++) {
        if (strcmp(d->sensors[i]->name, name) == 0)
            return d->sensors[i];
    }
    if (d->n_sensors == DET_SENSORS || !(s = rk_calloc(1, sizeof(*s))))
        return NULL;
    rk_strlcpy(s->name, name, sizeof(s->name));
    s->tlp = tlp;
    s->secs = secs;
    s->last_start = INT64_MIN;
    d->sensors[d->n_sensors++] = s;
    return s;
}

/* ---- alerts -----------------------------------------------------------------------------------
 */

static int push_alert(struct rk_sensor_detector *d, const struct rk_sensor_alert *a)
{
    if (d->a_len == d->a_cap) {
        size_t cap = d->a_cap ? d->a_cap * 2 : 16;
        struct rk_sensor_alert *n = rk_reallocarray(d->alerts, cap, sizeof(*n));

        if (!n)
            return RK_ENOMEM;
        d->alerts = n;
        d->a_cap = cap;
    }
    d->alerts[d->a_len++] = *a;
    return 0;
}

int rk_sensor_detector_take_alert(struct rk_sensor_detector *d, struct rk_sensor_alert *out)
{
    if (d->a_head == d->a_len)
        return 0;
    *out = d->alerts[d->a_head++];
    if (d->a_head == d->a_len)
        d->a_head = d->a_len = 0;
    return 1;
}

static int alert_raise(struct rk_sensor_detector *d, const struct dsensor *s,
                       const struct series *se, int rule, int64_t start, const struct obs *o,
                       double score)
{
    struct rk_sensor_alert a;

    memset(&a, 0, sizeof(a));
    a.rule = rule;
    rk_strlcpy(a.sensor, s->name, sizeof(a.sensor));
    a.tlp = s->tlp;
    a.proto = (uint8_t)(se->key >> 16);
    a.port = (uint16_t)se->key;
    a.bin_start = start;
    a.bin_secs = s->secs;
    a.sources = o->sources;
    a.packets = o->packets;
    a.baseline_mean = se->mean;
    a.baseline_sd = sqrt(se->var > 0 ? se->var : 0);
    a.score = score;
    a.exact = o->exact && se->exact_ring;
    a.n_evidence = se->ring_len;
    for (uint32_t i = 0; i < se->ring_len; i++) {
        uint32_t j =
                (se->ring_pos + RK_SENSOR_EVIDENCE_MAX - se->ring_len + i) % RK_SENSOR_EVIDENCE_MAX;

        a.evidence[i].start = se->ring[j].start;
        a.evidence[i].sources = se->ring[j].sources;
        a.evidence[i].packets = se->ring[j].packets;
    }
    rk_log_info("alert rule=%s sensor=%s proto=%u port=%u sources=%.0f baseline=%.2f score=%.2f",
                rk_sensor_rule_name(rule), s->name, a.proto, a.port, a.sources, a.baseline_mean,
                score);
    return push_alert(d, &a);
}

/* ---- the series --------------------------------------------------------------------------- */

static void ring_push(struct series *se, int64_t start, const struct obs *o)
{
    se->ring[se->ring_pos].start = start;
    se->ring[se->ring_pos].sources = o->sources;
    se->ring[se->ring_pos].packets = o->packets;
    se->ring_pos = (uint8_t)((se->ring_pos + 1) % RK_SENSOR_EVIDENCE_MAX);
    if (se->ring_len < RK_SENSOR_EVIDENCE_MAX)
        se->ring_len++;
    se->exact_ring = se->ring_len == 1 ? (uint8_t)o->exact : (uint8_t)(se->exact_ring && o->exact);
}

/* Fold one bin's value in: rules first (against the baseline before this bin), then the
 * baseline. */
static int step(struct rk_sensor_detector *d, const struct dsensor *s, struct series *se,
                int64_t start, const struct obs *o, int warm)
{
    const struct rk_sensor_detector_config *c = &d->cfg;
    double sd = sqrt(se->var > 0 ? se->var : 0), floor = sqrt(se->mean + 1.0);
    double sdf = sd > floor ? sd : floor, z = (o->sources - se->mean) / sdf, x = o->sources;
    double diff, incr, am, av;
    int rc = 0;

    ring_push(se, start, o);
    if (warm) {
        int big = x >= c->min_sources && x >= c->min_ratio * se->mean;

        se->cusum = se->cusum + z - c->cusum_k > 0 ? se->cusum + z - c->cusum_k : 0;
        if (!se->in_alert && big && z >= c->z_threshold) {
            rc = alert_raise(d, s, se, RK_SENSOR_RULE_SURGE, start, o, z);
            se->in_alert = 1;
        } else if (!se->in_alert && x >= c->min_sources && se->cusum >= c->cusum_h &&
                   x >= c->cusum_min_ratio * se->mean) {
            rc = alert_raise(d, s, se, RK_SENSOR_RULE_CUSUM, start, o, se->cusum);
            se->in_alert = 1;
        }
    }
    if (se->in_alert) {
        se->quiet = z < 1.0 ? (uint8_t)(se->quiet + 1) : 0;
        if (se->quiet >= c->quiet_bins) {
            se->in_alert = 0;
            se->quiet = 0;
            se->cusum = 0;
        }
    }
    if (se->n == 0) { /* the first value is the baseline: no warm-up bias towards zero */
        se->mean = x;
        se->var = 0;
        se->pmean = (double)o->packets;
        se->n = 1;
        return rc;
    }
    /* a robust EWMA: an outlying bin moves the mean by at most alpha * UPDATE_CLAMP standard
     * deviations and leaves the variance alone, so that a ramp or a campaign does not become
     * the baseline before the rules see it */
    if (x > se->mean + UPDATE_CLAMP * sdf)
        x = se->mean + UPDATE_CLAMP * sdf;
    else if (x < se->mean - UPDATE_CLAMP * sdf)
        x = se->mean - UPDATE_CLAMP * sdf;
    /* while the history is short, plain running averages (weights 1/n); then exponential
     * weights, four times slower for the variance, which needs a longer memory to be stable */
    am = 1.0 / (se->n + 1) > c->alpha ? 1.0 / (se->n + 1) : c->alpha;
    av = 1.0 / (se->n + 1) > c->alpha / 4 ? 1.0 / (se->n + 1) : c->alpha / 4;
    diff = x - se->mean;
    incr = am * diff;
    se->mean += incr;
    if (fabs(z) < UPDATE_CLAMP)
        se->var = (1.0 - av) * (se->var + av * diff * diff);
    se->pmean += am * ((double)o->packets - se->pmean);
    se->n++;
    return rc;
}

static struct series *series_get(struct rk_sensor_detector *d, struct dsensor *s, uint32_t key,
                                 int *created)
{
    uint64_t h = hash128(key, 0);
    uint32_t i = kidx_find(&s->idx, key, 0, h);

    *created = 0;
    if (i != KIDX_NONE)
        return &s->s[i];
    if (d->n_series >= d->cfg.max_keys) {
        if (!d->warned_cap++)
            rk_log_warn("detector series cap reached max_keys=%u", d->cfg.max_keys);
        return NULL;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        struct series *n = rk_reallocarray(s->s, cap, sizeof(*n));

        if (!n)
            return NULL;
        s->s = n;
        s->cap = cap;
    }
    if (kidx_insert(&s->idx, key, 0, h, s->n, &d->mem, UINT64_MAX) != 0)
        return NULL;
    memset(&s->s[s->n], 0, sizeof(s->s[0]));
    s->s[s->n].key = key;
    d->n_series++;
    *created = 1;
    return &s->s[s->n++];
}

/* Zero bins for every series when bins were skipped (a sensor that saw nothing at all). */
static int fill_gap(struct rk_sensor_detector *d, struct dsensor *s, int64_t start)
{
    struct obs zero = {0, 0, 0, 1};
    int64_t t;
    int rc;

    if (s->last_start == INT64_MIN || start - s->last_start <= (int64_t)s->secs)
        return 0;
    t = s->last_start + s->secs;
    if ((start - t) / s->secs > GAP_FILL_MAX)
        t = start - (int64_t)GAP_FILL_MAX * s->secs;
    for (; t < start; t += s->secs) {
        s->bins++;
        for (uint32_t i = 0; i < s->n; i++) {
            if ((rc = step(d, s, &s->s[i], t, &zero, s->bins > d->cfg.warmup_bins)) != 0)
                return rc;
        }
    }
    return 0;
}

/* Observe one bin of one (possibly pseudo) sensor: obs[0..n) are the active series. */
static int observe(struct rk_sensor_detector *d, struct dsensor *s, int64_t start,
                   const struct obs *obs, size_t n)
{
    uint8_t *seen = NULL;
    struct obs zero = {0, 0, 0, 1};
    int warm, rc = 0, created;

    if (s->last_start != INT64_MIN && start <= s->last_start)
        return RK_EINVAL;
    if ((rc = fill_gap(d, s, start)) != 0)
        return rc;
    s->bins++;
    warm = s->bins > d->cfg.warmup_bins;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct series *se = series_get(d, s, obs[i].key, &created);

        if (!se)
            continue;
        if (created && warm && obs[i].sources >= d->cfg.new_port_min_sources) {
            /* the evidence is this bin alone; step() below records it again */
            ring_push(se, start, &obs[i]);
            rc = alert_raise(d, s, se, RK_SENSOR_RULE_NEW_PORT, start, &obs[i],
                             sqrt(obs[i].sources));
            se->in_alert = 1;
            se->ring_len = 0;
            se->ring_pos = 0;
        }
    }
    if (rc != 0 || !(seen = rk_calloc(s->n ? s->n : 1, 1)))
        return rc ? rc : RK_ENOMEM;
    for (size_t i = 0; i < n && rc == 0; i++) {
        uint32_t j = kidx_find(&s->idx, obs[i].key, 0, hash128(obs[i].key, 0));

        if (j != KIDX_NONE && !seen[j]) {
            seen[j] = 1;
            rc = step(d, s, &s->s[j], start, &obs[i], warm);
        }
    }
    for (uint32_t j = 0; j < s->n && rc == 0; j++) {
        if (!seen[j])
            rc = step(d, s, &s->s[j], start, &zero, warm);
    }
    rk_free(seen);
    s->last_start = start;
    return rc;
}

/* ---- cross-sensor sums ------------------------------------------------------------------------
 */

static int all_flush(struct rk_sensor_detector *d)
{
    struct dsensor *s;
    int rc;

    if (d->all_start == INT64_MIN)
        return 0;
    if (!(s = sensor_get(d, ALL_SENSORS, d->all_tlp, d->all_secs)))
        return RK_ENOMEM;
    s->tlp = d->all_tlp > s->tlp ? d->all_tlp : s->tlp;
    rc = observe(d, s, d->all_start, d->all, d->n_all);
    d->n_all = 0;
    kidx_free(&d->all_idx, &d->mem);
    d->all_start = INT64_MIN;
    d->all_tlp = 0;
    return rc;
}

static int all_add(struct rk_sensor_detector *d, const struct rk_sensor_bin_info *info,
                   const struct obs *o)
{
    uint64_t h = hash128(o->key, 0);
    uint32_t i = kidx_find(&d->all_idx, o->key, 0, h);
    int rc;

    if (i == KIDX_NONE) {
        if (d->n_all == d->cap_all) {
            size_t cap = d->cap_all ? d->cap_all * 2 : 256;
            struct obs *n = rk_reallocarray(d->all, cap, sizeof(*n));

            if (!n)
                return RK_ENOMEM;
            d->all = n;
            d->cap_all = cap;
        }
        if ((rc = kidx_insert(&d->all_idx, o->key, 0, h, (uint32_t)d->n_all, &d->mem,
                              UINT64_MAX)) != 0)
            return rc;
        d->all[d->n_all] = (struct obs){o->key, 0, 0, 1};
        i = (uint32_t)d->n_all++;
    }
    d->all[i].sources += o->sources;
    d->all[i].packets += o->packets;
    d->all[i].exact = d->all[i].exact && o->exact;
    (void)info;
    return 0;
}

/* ---- entry points ------------------------------------------------------------------------------
 */

int rk_sensor_detector_observe(struct rk_sensor_detector *d, const struct rk_sensor_bin_info *info,
                               const struct rk_sensor_port_row *rows, size_t n, struct rk_err *err)
{
    struct dsensor *s;
    struct obs *obs = rk_reallocarray(NULL, n ? n : 1, sizeof(*obs));
    size_t m = 0;
    int rc = 0;

    if (!obs)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (d->cfg.cross_sensor && d->all_start != INT64_MIN && info->start > d->all_start)
        rc = all_flush(d);
    if (rc == 0 && d->cfg.cross_sensor && d->all_start == INT64_MIN) {
        d->all_start = info->start;
        d->all_secs = info->secs;
    }
    if (d->cfg.cross_sensor && info->tlp > d->all_tlp)
        d->all_tlp = info->tlp;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].sources_clean == 0)
            continue;
        obs[m].key = (uint32_t)rows[i].proto << 16 | rows[i].port;
        obs[m].sources = (double)rows[i].sources_clean;
        obs[m].packets = rows[i].packets_clean;
        obs[m].exact = rows[i].exact;
        if (rc == 0 && d->cfg.cross_sensor && info->start == d->all_start)
            rc = all_add(d, info, &obs[m]);
        m++;
    }
    if (rc == 0 && !(s = sensor_get(d, info->sensor, info->tlp, info->secs)))
        rc = RK_ENOMEM;
    if (rc == 0)
        rc = observe(d, s, info->start, obs, m);
    rk_free(obs);
    if (rc == RK_EINVAL)
        return rk_err_set(err, rc, "sensor %s: bin %lld is not after the last one observed",
                          info->sensor, (long long)info->start);
    if (rc != 0)
        return rk_err_set(err, rc, "detector: %s", rk_strerror(rc));
    return 0;
}

int rk_sensor_detector_observe_bin(struct rk_sensor_detector *d, const struct rk_sensor_bin *b,
                                   struct rk_err *err)
{
    const struct rk_sensor_port_row *rows;
    size_t n = rk_sensor_bin_ports(b, &rows);

    return rk_sensor_detector_observe(d, rk_sensor_bin_info(b), rows, n, err);
}

int rk_sensor_detector_flush(struct rk_sensor_detector *d, struct rk_err *err)
{
    int rc = all_flush(d);

    if (rc != 0)
        return rk_err_set(err, rc, "detector: %s", rk_strerror(rc));
    return 0;
}
