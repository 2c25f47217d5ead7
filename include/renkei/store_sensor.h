/* store_sensor.h - the store's darknet-sensor tables: the sensor registry, per-bin time series,
 * the ledger of ingested capture files, and early-warning alerts.
 *
 * The store keeps a bin's rows as an opaque blob (src/sensor encodes, decodes and merges it;
 * see docs/internals/sensor.md "persistence") next to a few indexed figures, so that queries by
 * sensor and time range read one row per (sensor, bin). Nothing here names the backend.
 *
 * Writes may be grouped into one transaction with rk_store_sensor_begin / _commit, so that an
 * ingest stores its bins, alerts and file ledger entries all or nothing. While such a
 * transaction is open no object batch (rk_store_batch_begin) may be opened on the handle.
 */
#ifndef RENKEI_STORE_SENSOR_H
#define RENKEI_STORE_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"
#include "renkei/store.h"

#define RK_STORE_SENSOR_NAME_MAX     64   /* with the NUL; letters, digits, '-', '_', '.' */
#define RK_STORE_SENSOR_PREFIXES_MAX 4096 /* CIDRs separated by commas */
#define RK_STORE_SENSOR_ORG_MAX      256
#define RK_STORE_SENSOR_GROUPS_MAX   1024 /* sharing group names separated by commas */
#define RK_STORE_SENSOR_DESC_MAX     1024
#define RK_STORE_SENSOR_BLOB_MAX     (1024u * 1024 * 1024) /* one bin's encoded rows */

/* ---- the registry ---------------------------------------------------------------------------- */

/* A registered sensor. Every string is NUL-terminated inside its array. */
struct rk_store_sensor {
    char name[RK_STORE_SENSOR_NAME_MAX];
    char prefixes[RK_STORE_SENSOR_PREFIXES_MAX]; /* "192.0.2.0/24,2001:db8::/48" */
    char country[3];                             /* ISO 3166 alpha-2, "" when unset */
    int tlp;                                     /* enum rk_tlp: the default marking */
    uint32_t bin_secs;                           /* 60 .. 86400 */
    char org[RK_STORE_SENSOR_ORG_MAX];           /* owning organisation, "" the node's */
    char groups[RK_STORE_SENSOR_GROUPS_MAX];     /* sharing groups, "" none */
    char collection[RK_COLLECTION_ID_MAX];       /* where its STIX objects go, "" the default */
    char description[RK_STORE_SENSOR_DESC_MAX];
    int64_t created_us; /* set by rk_store_sensor_add when 0 */
};

/* Register a sensor. The caller has checked the prefixes (src/sensor parses them); the store
 * checks lengths and names. RK_EEXISTS for a name in use, RK_EINVAL / RK_EFORMAT for bad
 * fields. */
int rk_store_sensor_add(struct rk_store *st, struct rk_store_sensor *s, struct rk_err *err);
/* Look a sensor up by name. RK_ENOTFOUND. */
int rk_store_sensor_get(struct rk_store *st, const char *name, struct rk_store_sensor *out,
                        struct rk_err *err);
/* Call fn for each sensor in registration order; a non-zero return from fn stops and is
 * returned. */
int rk_store_sensor_list(struct rk_store *st, int (*fn)(const struct rk_store_sensor *s, void *ctx),
                         void *ctx, struct rk_err *err);

/* What removing a sensor deleted. */
struct rk_store_sensor_removed {
    uint64_t bins, files, alerts;
};
/* Remove a sensor with its bins, ledger entries and alerts (STIX objects already published stay
 * in their collection). RK_ENOTFOUND. out may be NULL. */
int rk_store_sensor_remove(struct rk_store *st, const char *name,
                           struct rk_store_sensor_removed *out, struct rk_err *err);

/* What the store holds for one sensor. */
struct rk_store_sensor_stats {
    uint64_t bins;
    int64_t first_start, last_start; /* 0 when there are no bins */
    uint64_t packets;
    uint64_t files;
    uint64_t alerts;
    uint64_t data_bytes; /* encoded rows */
};
int rk_store_sensor_stats(struct rk_store *st, const char *name, struct rk_store_sensor_stats *out,
                          struct rk_err *err);

/* ---- transactions ------------------------------------------------------------------------------
 */

/* Start a write transaction (waits for other writers like a batch does). RK_EINVAL when a batch
 * or another sensor transaction is open on the handle, RK_EPERM on a read-only store. */
int rk_store_sensor_begin(struct rk_store *st, struct rk_err *err);
/* Commit it. On failure nothing of it is kept and the transaction is closed. */
int rk_store_sensor_commit(struct rk_store *st, struct rk_err *err);
/* Roll it back; does nothing when none is open. */
void rk_store_sensor_abort(struct rk_store *st);

/* ---- bins --------------------------------------------------------------------------------------
 */

/* One stored (sensor, bin). Strings and data are borrowed (for the duration of a callback, or
 * from the caller for a put). */
struct rk_store_sensor_bin {
    const char *sensor;
    int64_t start; /* seconds since the epoch */
    uint32_t secs;
    uint64_t packets, sources; /* copies of the blob's figures, for listings */
    int exact;
    uint32_t revision;      /* 1 for the first ingest, +1 for every merge into it */
    uint32_t published_rev; /* the revision whose STIX objects were published, 0 none */
    int64_t created_us;     /* when revision 1 was stored */
    int64_t updated_us;     /* when the current revision was stored */
    const void *data;       /* the encoded rows (NULL with without_data) */
    size_t data_len;
};

/* Insert or replace the bin (sensor, start). RK_ENOTFOUND for an unknown sensor, RK_ELIMIT for
 * data over RK_STORE_SENSOR_BLOB_MAX. */
int rk_store_sensor_bin_put(struct rk_store *st, const struct rk_store_sensor_bin *b,
                            struct rk_err *err);
/* Record that revision rev of (sensor, start) has been published. */
int rk_store_sensor_bin_published(struct rk_store *st, const char *sensor, int64_t start,
                                  uint32_t rev, struct rk_err *err);

/* Which bins a query returns. */
struct rk_store_sensor_bin_query {
    const char *const *sensors; /* names; none: every sensor */
    size_t n_sensors;
    int64_t since;    /* bins with start >= since (seconds; INT64_MIN: no bound) */
    int64_t until;    /* ... and start < until (INT64_MAX: no bound) */
    int unpublished;  /* 1: only bins whose revision has not been published */
    int without_data; /* 1: data is NULL (listings) */
    int newest_first; /* 1: by start descending (then sensor) */
    size_t limit;     /* 0: no limit */
};
/* Set the query to every bin of every sensor, oldest first, with data. */
void rk_store_sensor_bin_query_init(struct rk_store_sensor_bin_query *q);
/* Call fn for each bin q selects, by start then sensor registration order (or newest first). A
 * non-zero return from fn stops and is returned. RK_ENOTFOUND for an unknown sensor name. */
int rk_store_sensor_bins(struct rk_store *st, const struct rk_store_sensor_bin_query *q,
                         int (*fn)(const struct rk_store_sensor_bin *b, void *ctx), void *ctx,
                         struct rk_err *err);

/* ---- the ledger of ingested files ----------------------------------------------------------- */

#define RK_STORE_SENSOR_FP_LEN 32 /* a file fingerprint: SHA-256 (docs/sensor.md) */

struct rk_store_sensor_file {
    const char *sensor;
    uint8_t fingerprint[RK_STORE_SENSOR_FP_LEN];
    const char *path; /* as given when it was ingested */
    uint64_t size;
    uint64_t frames;
    int64_t ingested_us;
};

/* Look a file up by fingerprint for a sensor: 0 with *out filled (strings borrowed until the
 * next store call; pass path_buf to keep the path), RK_ENOTFOUND. */
int rk_store_sensor_file_get(struct rk_store *st, const char *sensor,
                             const uint8_t fingerprint[RK_STORE_SENSOR_FP_LEN],
                             struct rk_store_sensor_file *out, char *path_buf, size_t path_cap,
                             struct rk_err *err);
/* Record a file as ingested for a sensor. RK_EEXISTS when it is recorded already. */
int rk_store_sensor_file_add(struct rk_store *st, const struct rk_store_sensor_file *f,
                             struct rk_err *err);

/* ---- alerts --------------------------------------------------------------------------------- */

/* An alert, identified by (sensor, rule, proto, port, bin_start). sensor is a registered name
 * or "*" (the sum over sensors). json holds the alert's figures and evidence, as src/sensor
 * writes them. */
struct rk_store_sensor_alert {
    const char *sensor;
    const char *rule;
    uint8_t proto;
    uint16_t port;
    int64_t bin_start;
    uint32_t bin_secs;
    int tlp;
    double score;
    uint32_t revision;      /* set by the store */
    uint32_t published_rev; /* set by the store */
    int64_t created_us;     /* set by the store */
    int64_t updated_us;     /* set by the store */
    const char *json;
};

enum rk_store_alert_outcome {
    RK_STORE_ALERT_NEW = 0,      /* first time this alert was raised */
    RK_STORE_ALERT_UPDATED = 1,  /* raised again with other figures: a new revision */
    RK_STORE_ALERT_UNCHANGED = 2 /* raised again with the same figures: nothing changed */
};

/* Store an alert, deduplicated by its identity. outcome may be NULL. */
int rk_store_sensor_alert_put(struct rk_store *st, const struct rk_store_sensor_alert *a,
                              enum rk_store_alert_outcome *outcome, struct rk_err *err);
/* Record that revision rev of an alert has been published. */
int rk_store_sensor_alert_published(struct rk_store *st, const struct rk_store_sensor_alert *a,
                                    uint32_t rev, struct rk_err *err);

struct rk_store_sensor_alert_query {
    const char *const *sensors; /* names ("*" included); none: every alert */
    size_t n_sensors;
    int64_t since, until; /* bin_start in [since, until) */
    int unpublished;      /* 1: only alerts whose revision has not been published */
    size_t limit;         /* 0: no limit */
};
void rk_store_sensor_alert_query_init(struct rk_store_sensor_alert_query *q);
/* Call fn for each alert, by bin_start then sensor, rule, proto, port. Strings are borrowed for
 * the duration of the callback. */
int rk_store_sensor_alerts(struct rk_store *st, const struct rk_store_sensor_alert_query *q,
                           int (*fn)(const struct rk_store_sensor_alert *a, void *ctx), void *ctx,
                           struct rk_err *err);

#endif
