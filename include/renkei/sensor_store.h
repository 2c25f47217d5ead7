/* sensor_store.h - darknet sensor data in the store: the registry, closed bins written as time
 * series (merged with what is stored for the same bin), early warning with baselines from the
 * stored history, STIX objects published into a collection (so that partners receive them over
 * TAXII like any other object), and bins read back by sensor and time range.
 *
 * Typical ingest (the CLI's `renkei sensor ingest`):
 *
 *     rk_sensor_engine_from_store(&e, st, names, n, &cfg, &err);
 *     rk_sensor_sink_new(&sink, st, names, n, &sopt, &err);
 *     rk_store_sensor_begin(st, &err);
 *     ... rk_sensor_engine_packets(e, ...); while (take_bin(e, &b)) rk_sensor_sink_bin_take(...)
 *     rk_sensor_engine_flush(e, &err); take the rest; rk_sensor_sink_finish(sink, &err);
 *     rk_store_sensor_file_add(...) for each file; rk_store_sensor_commit(st, &err);
 *     rk_sensor_publish(st, &popt, &pstats, &err);
 */
#ifndef RENKEI_SENSOR_STORE_H
#define RENKEI_SENSOR_STORE_H

#include "renkei/sensor.h"
#include "renkei/store.h"
#include "renkei/store_sensor.h"

/* ---- the registry ------------------------------------------------------------------------------
 */

/* Register a sensor after checking what the store cannot: its prefixes parse (host bits zero)
 * and overlap no registered sensor's, and the country is two letters (folded to upper case).
 * s->prefixes is rewritten in canonical form. RK_EFORMAT, RK_ECONFLICT (overlap, naming the
 * other sensor), RK_EEXISTS, RK_EINVAL. */
int rk_sensor_register(struct rk_store *st, struct rk_store_sensor *s, struct rk_err *err);

/* A new engine counting for the named registered sensors (all of them when n is 0), added in
 * registration order. cfg (may be NULL) gives the other settings; its bin_secs is replaced by
 * the sensors' bin length and keep_port_sets is set. RK_ENOTFOUND for an unknown sensor,
 * RK_EINVAL when the sensors' bin lengths differ or none is registered. */
int rk_sensor_engine_from_store(struct rk_sensor_engine **out, struct rk_store *st,
                                const char *const *names, size_t n,
                                const struct rk_sensor_config *cfg, struct rk_err *err);

/* ---- writing bins ---------------------------------------------------------------------------- */

struct rk_sensor_sink_options {
    int detect;                                /* run early warning [1] */
    struct rk_sensor_detector_config detector; /* [rk_sensor_detector_config_init] */
    uint32_t baseline_bins; /* stored bins per sensor replayed into the baselines before the
                               first new bin [336] */
};
void rk_sensor_sink_options_init(struct rk_sensor_sink_options *opt);

/* What a sink did. */
struct rk_sensor_sink_stats {
    uint64_t bins_new;       /* bins stored for the first time */
    uint64_t bins_merged;    /* bins merged into a stored part of the same bin */
    uint64_t bins_unchanged; /* empty bins over stored ones: nothing to write */
    uint64_t bins_inexact;   /* stored bins (new or merged) with approximate figures */
    uint64_t baseline_bins;  /* stored bins replayed into the baselines */
    uint64_t alerts_new, alerts_updated, alerts_unchanged;
    uint64_t packets;                /* packets in the bins written (this ingest's part) */
    uint64_t sources;                /* unique source addresses in them */
    int64_t first_start, last_start; /* bins touched (0 when none) */
};

struct rk_sensor_sink;

/* A sink for closed bins of the named sensors (all when n is 0) in store st. The caller owns
 * the transaction (rk_store_sensor_begin / _commit). */
int rk_sensor_sink_new(struct rk_sensor_sink **out, struct rk_store *st, const char *const *names,
                       size_t n, const struct rk_sensor_sink_options *opt, struct rk_err *err);
/* Store one closed bin, taking ownership of it (freed even on failure): merged into the stored
 * part of the same (sensor, bin) if there is one (a new revision), observed by the detector,
 * whose new alerts are stored. Bins must come in time order (as the engine gives them). */
int rk_sensor_sink_bin_take(struct rk_sensor_sink *s, struct rk_sensor_bin *b, struct rk_err *err);
/* End of input: evaluate the last cross-sensor bin and store the remaining alerts. */
int rk_sensor_sink_finish(struct rk_sensor_sink *s, struct rk_err *err);
const struct rk_sensor_sink_stats *rk_sensor_sink_stats(const struct rk_sensor_sink *s);
void rk_sensor_sink_free(struct rk_sensor_sink *s);

/* ---- alerts as stored --------------------------------------------------------------------------
 */

/* The stored JSON form of an alert and back. *out is a new string (free with free()). */
int rk_sensor_alert_to_json(const struct rk_sensor_alert *a, char **out, struct rk_err *err);
int rk_sensor_alert_from_json(const char *json, struct rk_sensor_alert *out, struct rk_err *err);

/* ---- publishing STIX ------------------------------------------------------------------------- */

#define RK_SENSOR_COLLECTION "sensors" /* the default collection alias */

struct rk_sensor_publish_options {
    const char *collection;     /* id or alias; NULL: each sensor's own, else "sensors" */
    const char *const *sensors; /* only these (NULL: all) */
    size_t n_sensors;
    struct rk_sensor_stix_options stix;
    int republish; /* 1: every stored bin and alert again, not only unpublished revisions */
};
void rk_sensor_publish_options_init(struct rk_sensor_publish_options *opt);

struct rk_sensor_publish_stats {
    uint64_t bins, alerts;                  /* revisions published */
    uint64_t stored, duplicates, conflicts; /* object puts, as rk_store_batch_put counts them */
    char created_collection[RK_COLLECTION_ID_MAX]; /* alias of a collection made, "" none */
};

/* Publish what is not yet published: for each stored bin revision and alert revision, its STIX
 * objects (rk_sensor_stix_bin / _alert), validated like any imported object, into the
 * collection (created with alias "sensors" when it is that default and absent), with
 * provenance kind "sensor", the sensor as source and its organisation and sharing groups.
 * renkei's identity, extension-definition and DoS attack-pattern go in once. Marks what it
 * published; running it again publishes nothing new. Must not run inside a sensor
 * transaction. */
int rk_sensor_publish(struct rk_store *st, const struct rk_sensor_publish_options *opt,
                      struct rk_sensor_publish_stats *stats, struct rk_err *err);

/* Every STIX object publishing would write for bins and alerts in [since, until) of the given
 * sensors (all when n is 0), appended to the JSON array objects (the fixed objects first). */
int rk_sensor_stix_range(struct rk_store *st, const char *const *sensors, size_t n, int64_t since,
                         int64_t until, const struct rk_sensor_stix_options *opt, json_t *objects,
                         struct rk_err *err);

/* ---- reading bins back -------------------------------------------------------------------------
 */

/* Call fn for each stored bin of the named sensors (all when n is 0) with start in
 * [since, until), decoded, by start then registration order. The bin is borrowed for the call;
 * meta carries its revision and times (data NULL). */
int rk_sensor_stored_bins(struct rk_store *st, const char *const *sensors, size_t n, int64_t since,
                          int64_t until,
                          int (*fn)(const struct rk_sensor_bin *b,
                                    const struct rk_store_sensor_bin *meta, void *ctx),
                          void *ctx, struct rk_err *err);

/* ---- figures over a time range ----------------------------------------------------------------
 */

/* Rows summed over many bins (sensors and times): packets add up; unique sources are counted
 * once over the whole range (exact when every bin kept every source and its per-port sets,
 * else the rows say approximate). */
struct rk_sensor_rollup;

struct rk_sensor_rollup_info {
    uint64_t bins;
    uint64_t packets, bytes;
    uint64_t class_packets[RK_SENSOR_CLASS_COUNT];
    uint64_t sources; /* unique over the range */
    int64_t first_start, last_end;
    int exact;
};

int rk_sensor_rollup_new(struct rk_sensor_rollup **out, struct rk_err *err);
void rk_sensor_rollup_free(struct rk_sensor_rollup *r);
/* Add a bin's rows. */
int rk_sensor_rollup_add(struct rk_sensor_rollup *r, const struct rk_sensor_bin *b,
                         struct rk_err *err);
/* Sort the rows (packets descending); call once after the last add. */
int rk_sensor_rollup_finish(struct rk_sensor_rollup *r, struct rk_err *err);
const struct rk_sensor_rollup_info *rk_sensor_rollup_info(const struct rk_sensor_rollup *r);
/* Rows borrowed from the rollup. Source rows' first/last are over the range; their dsts and
 * ports are the largest of one bin (lower bounds, marked approximate when more than one bin). */
size_t rk_sensor_rollup_ports(const struct rk_sensor_rollup *r,
                              const struct rk_sensor_port_row **rows);
size_t rk_sensor_rollup_sources(const struct rk_sensor_rollup *r,
                                const struct rk_sensor_source_row **rows);
/* kind: 0 prefixes (/24, /48), 1 ASNs, 2 countries. */
size_t rk_sensor_rollup_groups(const struct rk_sensor_rollup *r, int kind,
                               const struct rk_sensor_group_row **rows);

#endif
