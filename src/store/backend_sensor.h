/* backend_sensor.h - the darknet-sensor part of a storage backend (store_sensor.c checks
 * arguments, a backend stores). The SQLite side is sqlite_sensor.c. */
#ifndef RK_STORE_BACKEND_SENSOR_H
#define RK_STORE_BACKEND_SENSOR_H

#include "renkei/store_sensor.h"

struct rk_store_sensor_ops {
    int (*add)(struct rk_store *st, const struct rk_store_sensor *s, struct rk_err *err);
    int (*get)(struct rk_store *st, const char *name, struct rk_store_sensor *out,
               struct rk_err *err);
    int (*list)(struct rk_store *st, int (*fn)(const struct rk_store_sensor *s, void *ctx),
                void *ctx, struct rk_err *err);
    int (*remove)(struct rk_store *st, const char *name, struct rk_store_sensor_removed *out,
                  struct rk_err *err);
    int (*stats)(struct rk_store *st, const char *name, struct rk_store_sensor_stats *out,
                 struct rk_err *err);
    int (*begin)(struct rk_store *st, struct rk_err *err);
    int (*commit)(struct rk_store *st, struct rk_err *err);
    void (*abort)(struct rk_store *st);
    int (*in_txn)(struct rk_store *st);
    int (*bin_put)(struct rk_store *st, const struct rk_store_sensor_bin *b, struct rk_err *err);
    int (*bin_published)(struct rk_store *st, const char *sensor, int64_t start, uint32_t rev,
                         struct rk_err *err);
    int (*bins)(struct rk_store *st, const struct rk_store_sensor_bin_query *q,
                int (*fn)(const struct rk_store_sensor_bin *b, void *ctx), void *ctx,
                struct rk_err *err);
    int (*file_get)(struct rk_store *st, const char *sensor, const uint8_t *fingerprint,
                    struct rk_store_sensor_file *out, char *path_buf, size_t path_cap,
                    struct rk_err *err);
    int (*file_add)(struct rk_store *st, const struct rk_store_sensor_file *f, struct rk_err *err);
    int (*alert_put)(struct rk_store *st, const struct rk_store_sensor_alert *a,
                     enum rk_store_alert_outcome *outcome, struct rk_err *err);
    int (*alert_published)(struct rk_store *st, const struct rk_store_sensor_alert *a, uint32_t rev,
                           struct rk_err *err);
    int (*alerts)(struct rk_store *st, const struct rk_store_sensor_alert_query *q,
                  int (*fn)(const struct rk_store_sensor_alert *a, void *ctx), void *ctx,
                  struct rk_err *err);
};

/* The SQLite backend's sensor operations (sqlite_sensor.c). */
extern const struct rk_store_sensor_ops rk_sqlite_sensor_ops;

#endif
