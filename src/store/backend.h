/* backend.h - the split between the storage API (store.c) and a storage backend.
 *
 * store.c checks arguments, applies caps and normalises input (version keys, digests, sorted
 * sharing lists); a backend only stores and retrieves. The embedded backend is SQLite
 * (sqlite_*.c); a PostgreSQL backend will fill the same table. Nothing in this header names
 * a backend's types.
 */
#ifndef RK_STORE_BACKEND_H
#define RK_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/store.h"
#include "util/digest.h"

/* A version key: the object's version instant in a form whose byte order is time order
 * (8 bytes big-endian seconds with the sign bit flipped, 4 bytes big-endian nanoseconds).
 * Unversioned objects (no modified, no created) have the empty key. */
#define RK_STORE_VKEY_LEN 12

/* Caps on what the API accepts. */
#define RK_STORE_OBJECT_MAX  (16u * 1024 * 1024) /* one object's JSON text */
#define RK_STORE_STRING_MAX  1024                /* id, type, timestamps, names */
#define RK_STORE_NAMES_MAX   1024                /* groups or readers of one provenance */
#define RK_STORE_VALUES_MAX  1000                /* values of one query list (match[id], ...) */
#define RK_STORE_SETTING_MAX 65536               /* one setting value */

/* One object version, normalised by store.c. */
struct rk_store_put {
    const struct rk_store_object *o;
    uint8_t vkey[RK_STORE_VKEY_LEN];
    size_t vkey_len; /* 0 for unversioned objects */
    int spec_rank; /* spec_version as major * 1000 + minor; 0 when it does not parse */
};

/* A provenance with defaults filled in and its name lists sorted and deduplicated. */
struct rk_store_origin {
    const char *kind;
    const char *source;
    const char *org;
    const char **groups;
    size_t n_groups;
    const char **readers;
    size_t n_readers;
};

/* A query after normalisation: versions resolved, version values turned into keys. */
struct rk_store_filter {
    const struct rk_store_query *q;
    unsigned versions; /* RK_VERSIONS_* (never 0 unless vkeys are given) */
    const uint8_t (*vkeys)[RK_STORE_VKEY_LEN];
    size_t n_vkeys;
    int any_spec; /* no match[spec_version]: every spec version, not only each id's latest */
};

struct rk_store_backend;
struct rk_store_sensor_ops; /* backend_sensor.h */

/* The part of a handle every backend shares; a backend's handle starts with it. */
struct rk_store {
    const struct rk_store_backend *ops;
    unsigned flags;               /* RK_STORE_* given to open */
    struct rk_store_batch *batch; /* the open batch, NULL when none */
    int reading;                  /* a read snapshot is open (rk_store_read_begin) */
};

/* A write transaction in progress. */
struct rk_store_batch {
    struct rk_store *st;
    struct rk_store_origin origin;
    int64_t coll;          /* backend key of the collection */
    int64_t origin_key;    /* backend key of the provenance and sharing lists */
    int64_t last_added_us; /* the latest date_added handed out or stored: the next floor */
    uint64_t handed;       /* date_added values handed out: stored rows and reserved values */
    struct rk_store_batch_counts counts;
    int failed; /* a put failed in a way that may have left the transaction unusable */
};

/* The next date_added of the batch's sequence (store.c); the caller records it in
 * last_added_us and counts it in handed. */
int64_t rk_store_batch_next_added(const struct rk_store_batch *b);

struct rk_store_backend {
    const char *name;
    void (*close)(struct rk_store *st);
    int (*collection_add)(struct rk_store *st, struct rk_collection *c, struct rk_err *err);
    int (*collection_get)(struct rk_store *st, const char *id_or_alias, struct rk_collection *out,
                          struct rk_err *err);
    int (*collection_list)(struct rk_store *st, int (*fn)(const struct rk_collection *c, void *ctx),
                           void *ctx, struct rk_err *err);
    int (*collection_remove)(struct rk_store *st, const char *id_or_alias, struct rk_err *err);
    /* begin fills b->coll, b->origin_key and b->last_added_us */
    int (*batch_begin)(struct rk_store_batch *b, const char *collection, struct rk_err *err);
    /* optional: start loading what a put of id will look at first; called before the put's
     * argument checks, so that they run while the memory comes */
    void (*batch_prefetch)(struct rk_store_batch *b, const char *id);
    int (*batch_put)(struct rk_store_batch *b, const struct rk_store_put *p,
                     enum rk_put_outcome *outcome, int64_t *date_added_out, struct rk_err *err);
    int (*batch_commit)(struct rk_store_batch *b, struct rk_err *err);
    void (*batch_abort)(struct rk_store_batch *b);
    /* 0 when the batch's collection holds no version of the id; else 1 (see store.h) */
    int (*batch_may_hold)(struct rk_store_batch *b, const char *id);
    int (*query)(struct rk_store *st, const struct rk_store_filter *f, rk_store_row_fn fn,
                 void *ctx, struct rk_store_page *page, struct rk_err *err);
    int (*count)(struct rk_store *st, const struct rk_store_filter *f, uint64_t *out,
                 struct rk_err *err);
    int (*remove)(struct rk_store *st, const struct rk_store_filter *f, uint64_t *out,
                  struct rk_err *err);
    int (*stats)(struct rk_store *st, struct rk_store_stats *out, struct rk_err *err);
    int (*count_by_type)(struct rk_store *st, const char *collection,
                         int (*fn)(const char *type, uint64_t count, void *ctx), void *ctx,
                         struct rk_err *err);
    int (*conflict_list)(struct rk_store *st,
                         int (*fn)(const struct rk_store_conflict *c, void *ctx), void *ctx,
                         struct rk_err *err);
    int (*setting_get)(struct rk_store *st, const char *key, char *out, size_t cap,
                       struct rk_err *err);
    int (*setting_set)(struct rk_store *st, const char *key, const char *value, struct rk_err *err);
    int (*check)(struct rk_store *st, struct rk_err *err);
    /* one snapshot for the reads until read_end (see rk_store_read_begin) */
    int (*read_begin)(struct rk_store *st, struct rk_err *err);
    void (*read_end)(struct rk_store *st);
    const struct rk_store_sensor_ops *sensor; /* the darknet-sensor tables */
};

/* The SQLite backend's open (sqlite_open.c). */
int rk_store_sqlite_open(struct rk_store **out, const char *dir, unsigned flags,
                         struct rk_err *err);

/* Version key of a STIX timestamp string. RK_EFORMAT when it is not a timestamp. */
int rk_store_vkey(uint8_t out[RK_STORE_VKEY_LEN], const char *ts, struct rk_err *err);
/* The timestamp text of a version key, with nine fraction digits (for messages). */
void rk_store_vkey_format(const uint8_t *vkey, size_t len, char *buf, size_t cap);

#endif
