/* store_sensor.c - the darknet-sensor tables of the storage API: argument checks and caps,
 * then the backend (backend_sensor.h). */
#include "renkei/store_sensor.h"
#include "store/backend.h"
#include "store/backend_sensor.h"

#include <stdint.h>
#include <string.h>

#include "util/rktime.h"

#define NAMES_MAX 256 /* sensors in one query */

static int check_writable(struct rk_store *st, struct rk_err *err)
{
    if (st->flags & RK_STORE_READONLY)
        return rk_err_set(err, RK_EPERM, "store is open read-only");
    if (st->batch)
        return rk_err_set(err, RK_EINVAL, "a batch is open on this store handle");
    return 0;
}

/* A NUL-terminated string inside its array, without control characters. */
static int check_field(const char *what, const char *s, size_t cap, int required,
                       struct rk_err *err)
{
    size_t n = strnlen(s, cap);

    if (n == cap)
        return rk_err_set(err, RK_ELIMIT, "%s is longer than %zu bytes", what, cap - 1);
    if (required && n == 0)
        return rk_err_set(err, RK_EINVAL, "%s is empty", what);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return rk_err_set(err, RK_EFORMAT, "%s has a control character at byte %zu", what, i);
    }
    return 0;
}

/* Sensor names: letters, digits, '-', '_', '.', starting with a letter or digit. */
static int check_sensor_name(const char *name, struct rk_err *err)
{
    size_t n;

    if (!name || !name[0])
        return rk_err_set(err, RK_EINVAL, "no sensor name given");
    n = strnlen(name, RK_STORE_SENSOR_NAME_MAX);
    if (n == RK_STORE_SENSOR_NAME_MAX)
        return rk_err_set(err, RK_ELIMIT, "sensor name is longer than %d bytes",
                          RK_STORE_SENSOR_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

        if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
            return rk_err_set(err, RK_EFORMAT,
                              "sensor name '%.64s': use letters, digits, '-', '_' and '.', "
                              "starting with a letter or digit",
                              name);
    }
    return 0;
}

static int check_names(const char *const *names, size_t n, int star, struct rk_err *err)
{
    int rc;

    if (n > NAMES_MAX)
        return rk_err_set(err, RK_ELIMIT, "more than %d sensors in one query", NAMES_MAX);
    if (n && !names)
        return rk_err_set(err, RK_EINVAL, "%zu sensor names but no list", n);
    for (size_t i = 0; i < n; i++) {
        if (star && names[i] && strcmp(names[i], "*") == 0)
            continue;
        if ((rc = check_sensor_name(names[i], err)) != 0)
            return rc;
    }
    return 0;
}

static int check_country(const char *cc, struct rk_err *err)
{
    if (!cc[0])
        return 0;
    if (!(cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' && cc[2] == '\0'))
        return rk_err_set(err, RK_EFORMAT, "country '%.3s' is not an ISO 3166 alpha-2 code", cc);
    return 0;
}

/* ---- the registry ------------------------------------------------------------------------------
 */

int rk_store_sensor_add(struct rk_store *st, struct rk_store_sensor *s, struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_sensor_name(s->name, err)) != 0 ||
        (rc = check_field("prefixes", s->prefixes, sizeof(s->prefixes), 1, err)) != 0 ||
        (rc = check_field("country", s->country, sizeof(s->country), 0, err)) != 0 ||
        (rc = check_country(s->country, err)) != 0 ||
        (rc = check_field("organisation", s->org, sizeof(s->org), 0, err)) != 0 ||
        (rc = check_field("sharing groups", s->groups, sizeof(s->groups), 0, err)) != 0 ||
        (rc = check_field("collection", s->collection, sizeof(s->collection), 0, err)) != 0 ||
        (rc = check_field("description", s->description, sizeof(s->description), 0, err)) != 0)
        return rc;
    if (s->tlp < RK_TLP_NONE || s->tlp > RK_TLP_RED)
        return rk_err_set(err, RK_EINVAL, "sensor TLP %d is not a TLP level", s->tlp);
    if (s->bin_secs < 60 || s->bin_secs > 86400 || 86400 % s->bin_secs != 0)
        return rk_err_set(err, RK_EINVAL,
                          "bin of %u s: it must be 60 s to 1 day and divide a day evenly",
                          s->bin_secs);
    if (s->created_us <= 0)
        s->created_us = rk_time_now_us();
    return st->ops->sensor->add(st, s, err);
}

int rk_store_sensor_get(struct rk_store *st, const char *name, struct rk_store_sensor *out,
                        struct rk_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_sensor_name(name, err)) != 0)
        return rc;
    return st->ops->sensor->get(st, name, out, err);
}

int rk_store_sensor_list(struct rk_store *st, int (*fn)(const struct rk_store_sensor *s, void *ctx),
                         void *ctx, struct rk_err *err)
{
    return st->ops->sensor->list(st, fn, ctx, err);
}

int rk_store_sensor_remove(struct rk_store *st, const char *name,
                           struct rk_store_sensor_removed *out, struct rk_err *err)
{
    struct rk_store_sensor_removed none;
    int rc;

    memset(&none, 0, sizeof(none));
    if (out)
        memset(out, 0, sizeof(*out));
    if ((rc = check_writable(st, err)) != 0 || (rc = check_sensor_name(name, err)) != 0)
        return rc;
    return st->ops->sensor->remove(st, name, out ? out : &none, err);
}

int rk_store_sensor_stats(struct rk_store *st, const char *name, struct rk_store_sensor_stats *out,
                          struct rk_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_sensor_name(name, err)) != 0)
        return rc;
    return st->ops->sensor->stats(st, name, out, err);
}

/* ---- transactions ------------------------------------------------------------------------------
 */

int rk_store_sensor_begin(struct rk_store *st, struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0)
        return rc;
    return st->ops->sensor->begin(st, err);
}

int rk_store_sensor_commit(struct rk_store *st, struct rk_err *err)
{
    return st->ops->sensor->commit(st, err);
}

void rk_store_sensor_abort(struct rk_store *st)
{
    if (st && !st->batch)
        st->ops->sensor->abort(st);
}

/* ---- bins --------------------------------------------------------------------------------------
 */

int rk_store_sensor_bin_put(struct rk_store *st, const struct rk_store_sensor_bin *b,
                            struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_sensor_name(b->sensor, err)) != 0)
        return rc;
    if (b->data_len > RK_STORE_SENSOR_BLOB_MAX)
        return rk_err_set(err, RK_ELIMIT, "sensor %s bin %lld: %zu bytes of rows, over %u",
                          b->sensor, (long long)b->start, b->data_len, RK_STORE_SENSOR_BLOB_MAX);
    if (b->data_len && !b->data)
        return rk_err_set(err, RK_EINVAL, "bin data length without data");
    if (b->secs < 60 || b->secs > 86400 || b->revision == 0 || b->published_rev > b->revision)
        return rk_err_set(err, RK_EINVAL, "sensor %s bin %lld: bad length or revision", b->sensor,
                          (long long)b->start);
    return st->ops->sensor->bin_put(st, b, err);
}

int rk_store_sensor_bin_published(struct rk_store *st, const char *sensor, int64_t start,
                                  uint32_t rev, struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_sensor_name(sensor, err)) != 0)
        return rc;
    return st->ops->sensor->bin_published(st, sensor, start, rev, err);
}

void rk_store_sensor_bin_query_init(struct rk_store_sensor_bin_query *q)
{
    memset(q, 0, sizeof(*q));
    q->since = INT64_MIN;
    q->until = INT64_MAX;
}

int rk_store_sensor_bins(struct rk_store *st, const struct rk_store_sensor_bin_query *q,
                         int (*fn)(const struct rk_store_sensor_bin *b, void *ctx), void *ctx,
                         struct rk_err *err)
{
    int rc;

    if ((rc = check_names(q->sensors, q->n_sensors, 0, err)) != 0)
        return rc;
    return st->ops->sensor->bins(st, q, fn, ctx, err);
}

/* ---- the file ledger ---------------------------------------------------------------------------
 */

int rk_store_sensor_file_get(struct rk_store *st, const char *sensor,
                             const uint8_t fingerprint[RK_STORE_SENSOR_FP_LEN],
                             struct rk_store_sensor_file *out, char *path_buf, size_t path_cap,
                             struct rk_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_sensor_name(sensor, err)) != 0)
        return rc;
    return st->ops->sensor->file_get(st, sensor, fingerprint, out, path_buf, path_cap, err);
}

int rk_store_sensor_file_add(struct rk_store *st, const struct rk_store_sensor_file *f,
                             struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_sensor_name(f->sensor, err)) != 0)
        return rc;
    if (!f->path || strnlen(f->path, 4097) > 4096)
        return rk_err_set(err, RK_EINVAL, "a ledger entry needs a path of at most 4096 bytes");
    return st->ops->sensor->file_add(st, f, err);
}

/* ---- alerts ------------------------------------------------------------------------------------
 */

int rk_store_sensor_alert_put(struct rk_store *st, const struct rk_store_sensor_alert *a,
                              enum rk_store_alert_outcome *outcome, struct rk_err *err)
{
    enum rk_store_alert_outcome ignored;
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_names(&a->sensor, 1, 1, err)) != 0)
        return rc;
    if (!a->rule || !a->rule[0] || strlen(a->rule) > 32 || !a->json || strlen(a->json) > 65536)
        return rk_err_set(err, RK_EINVAL, "an alert needs a rule name and at most 64 KiB of JSON");
    return st->ops->sensor->alert_put(st, a, outcome ? outcome : &ignored, err);
}

int rk_store_sensor_alert_published(struct rk_store *st, const struct rk_store_sensor_alert *a,
                                    uint32_t rev, struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_names(&a->sensor, 1, 1, err)) != 0)
        return rc;
    return st->ops->sensor->alert_published(st, a, rev, err);
}

void rk_store_sensor_alert_query_init(struct rk_store_sensor_alert_query *q)
{
    memset(q, 0, sizeof(*q));
    q->since = INT64_MIN;
    q->until = INT64_MAX;
}

int rk_store_sensor_alerts(struct rk_store *st, const struct rk_store_sensor_alert_query *q,
                           int (*fn)(const struct rk_store_sensor_alert *a, void *ctx), void *ctx,
                           struct rk_err *err)
{
    int rc;

    if ((rc = check_names(q->sensors, q->n_sensors, 1, err)) != 0)
        return rc;
    return st->ops->sensor->alerts(st, q, fn, ctx, err);
}
