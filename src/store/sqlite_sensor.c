/* sqlite_sensor.c - the darknet-sensor tables in SQLite: schema steps, the registry, bins,
 * the file ledger and alerts. Released steps are never edited; add a new step. */
#include "store/sqlite.h"
#include "store/backend_sensor.h"

#include <string.h>

#include "util/buf.h"
#include "util/rktime.h"
#include "util/strparse.h"

static const struct rk_sqlite_step steps[] = {
        {1, "sensors, sensor_bins, sensor_files, sensor_alerts",
         "CREATE TABLE sensors ("
         " sensor INTEGER PRIMARY KEY," /* registration order */
         " name TEXT NOT NULL UNIQUE,"
         " prefixes TEXT NOT NULL, country TEXT NOT NULL, tlp INTEGER NOT NULL,"
         " bin_secs INTEGER NOT NULL, org TEXT NOT NULL, groups TEXT NOT NULL,"
         " collection TEXT NOT NULL, description TEXT NOT NULL, created_us INTEGER NOT NULL);"
         /* one row per (sensor, bin); data is the encoded rows (src/sensor/persist.c), last so
          * that listings skip its overflow pages */
         "CREATE TABLE sensor_bins ("
         " sensor INTEGER NOT NULL, start INTEGER NOT NULL, secs INTEGER NOT NULL,"
         " packets INTEGER NOT NULL, sources INTEGER NOT NULL, exact INTEGER NOT NULL,"
         " revision INTEGER NOT NULL, published_rev INTEGER NOT NULL,"
         " created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,"
         " data BLOB NOT NULL,"
         " UNIQUE (sensor, start));"
         "CREATE INDEX sensor_bins_start ON sensor_bins (start);"
         "CREATE TABLE sensor_files ("
         " sensor INTEGER NOT NULL, fingerprint BLOB NOT NULL, path TEXT NOT NULL,"
         " size INTEGER NOT NULL, frames INTEGER NOT NULL, ingested_us INTEGER NOT NULL,"
         " PRIMARY KEY (sensor, fingerprint)) WITHOUT ROWID;"
         /* sensor is a name: alerts of the cross-sensor series have "*" */
         "CREATE TABLE sensor_alerts ("
         " alert INTEGER PRIMARY KEY,"
         " sensor TEXT NOT NULL, rule TEXT NOT NULL, proto INTEGER NOT NULL,"
         " port INTEGER NOT NULL, bin_start INTEGER NOT NULL, bin_secs INTEGER NOT NULL,"
         " tlp INTEGER NOT NULL, score REAL NOT NULL, revision INTEGER NOT NULL,"
         " published_rev INTEGER NOT NULL, created_us INTEGER NOT NULL,"
         " updated_us INTEGER NOT NULL, json TEXT NOT NULL,"
         " UNIQUE (sensor, rule, proto, port, bin_start));"
         "CREATE INDEX sensor_alerts_start ON sensor_alerts (bin_start);",
         NULL},
};

const struct rk_sqlite_component rk_sqlite_sensor_schema = {
        "sensor",
        steps,
        sizeof(steps) / sizeof(steps[0]),
};

#define SENSOR_COLUMNS                                                                             \
    "sensor, name, prefixes, country, tlp, bin_secs, org, groups, collection, description, "       \
    "created_us"

static const char *text(sqlite3_stmt *stmt, int col)
{
    const char *s = (const char *)sqlite3_column_text(stmt, col);

    return s ? s : "";
}

/* ---- transactions ------------------------------------------------------------------------------
 */

static int in_txn(struct rk_store *st)
{
    return !sqlite3_get_autocommit(rk_sqlite_of(st)->db);
}

static int sensor_begin(struct rk_store *st, struct rk_err *err)
{
    if (in_txn(st))
        return rk_err_set(err, RK_EINVAL, "a transaction is already open on this store handle");
    return rk_sqlite_begin(rk_sqlite_of(st), err);
}

static int sensor_commit(struct rk_store *st, struct rk_err *err)
{
    if (!in_txn(st))
        return rk_err_set(err, RK_EINVAL, "no sensor transaction is open");
    return rk_sqlite_commit(rk_sqlite_of(st), err);
}

static void sensor_abort(struct rk_store *st)
{
    rk_sqlite_rollback(rk_sqlite_of(st));
}

/* Writes join the caller's transaction when one is open, else run in their own. */
static int own_begin(struct rk_sqlite *s, int *own, struct rk_err *err)
{
    *own = sqlite3_get_autocommit(s->db);
    return *own ? rk_sqlite_begin(s, err) : 0;
}

static int own_end(struct rk_sqlite *s, int own, int rc, struct rk_err *err)
{
    if (!own)
        return rc;
    if (rc != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

/* ---- the registry ------------------------------------------------------------------------------
 */

/* The key of a sensor name. RK_ENOTFOUND. */
static int sensor_key(struct rk_sqlite *s, const char *name, int64_t *out, struct rk_err *err)
{
    const char *sql = "SELECT sensor FROM sensors WHERE name = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *out = 0;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, name);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (src == SQLITE_DONE)
        rc = rk_err_set(err, RK_ENOTFOUND, "no sensor named '%s'", name);
    else
        rc = rk_sqlite_fail(s, src, "looking up a sensor", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static void sensor_from_row(sqlite3_stmt *stmt, struct rk_store_sensor *o)
{
    memset(o, 0, sizeof(*o));
    rk_strlcpy(o->name, text(stmt, 1), sizeof(o->name));
    rk_strlcpy(o->prefixes, text(stmt, 2), sizeof(o->prefixes));
    rk_strlcpy(o->country, text(stmt, 3), sizeof(o->country));
    o->tlp = sqlite3_column_int(stmt, 4);
    o->bin_secs = (uint32_t)sqlite3_column_int64(stmt, 5);
    rk_strlcpy(o->org, text(stmt, 6), sizeof(o->org));
    rk_strlcpy(o->groups, text(stmt, 7), sizeof(o->groups));
    rk_strlcpy(o->collection, text(stmt, 8), sizeof(o->collection));
    rk_strlcpy(o->description, text(stmt, 9), sizeof(o->description));
    o->created_us = sqlite3_column_int64(stmt, 10);
}

static int sensor_add(struct rk_store *st, const struct rk_store_sensor *o, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "INSERT INTO sensors (name, prefixes, country, tlp, bin_secs, org, groups,"
                      " collection, description, created_us)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    sqlite3_stmt *stmt = NULL;
    int64_t key;
    int rc, own;

    if ((rc = own_begin(s, &own, err)) != 0)
        return rc;
    rc = sensor_key(s, o->name, &key, err);
    if (rc == 0)
        rc = rk_err_set(err, RK_EEXISTS, "a sensor named '%s' exists already", o->name);
    else if (rc == RK_ENOTFOUND && (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) == 0) {
        rk_sqlite_bind_str(stmt, 1, o->name);
        rk_sqlite_bind_str(stmt, 2, o->prefixes);
        rk_sqlite_bind_str(stmt, 3, o->country);
        sqlite3_bind_int(stmt, 4, o->tlp);
        sqlite3_bind_int64(stmt, 5, o->bin_secs);
        rk_sqlite_bind_str(stmt, 6, o->org);
        rk_sqlite_bind_str(stmt, 7, o->groups);
        rk_sqlite_bind_str(stmt, 8, o->collection);
        rk_sqlite_bind_str(stmt, 9, o->description);
        sqlite3_bind_int64(stmt, 10, o->created_us);
        rc = rk_sqlite_step_done(s, stmt, "adding a sensor", err);
        rk_sqlite_release(s, stmt);
    }
    return own_end(s, own, rc, err);
}

static int sensor_get(struct rk_store *st, const char *name, struct rk_store_sensor *out,
                      struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "SELECT " SENSOR_COLUMNS " FROM sensors WHERE name = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, name);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        sensor_from_row(stmt, out);
    else if (src == SQLITE_DONE)
        rc = rk_err_set(err, RK_ENOTFOUND, "no sensor named '%s'", name);
    else
        rc = rk_sqlite_fail(s, src, "reading a sensor", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int sensor_list(struct rk_store *st, int (*fn)(const struct rk_store_sensor *s, void *ctx),
                       void *ctx, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "SELECT " SENSOR_COLUMNS " FROM sensors ORDER BY sensor";
    struct rk_store_sensor o;
    sqlite3_stmt *stmt = NULL;
    int rc, src = SQLITE_DONE;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        sensor_from_row(stmt, &o);
        rc = fn(&o, ctx);
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "listing sensors", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Run sql with ?1 = key (or name when key is 0) and add the changed rows to *count. */
static int delete_rows(struct rk_sqlite *s, const char *sql, int64_t key, const char *name,
                       uint64_t *count, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (name)
        rk_sqlite_bind_str(stmt, 1, name);
    else
        sqlite3_bind_int64(stmt, 1, key);
    rc = rk_sqlite_step_done(s, stmt, "removing a sensor", err);
    if (rc == 0 && count)
        *count += (uint64_t)sqlite3_changes(s->db);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int sensor_remove(struct rk_store *st, const char *name, struct rk_store_sensor_removed *out,
                         struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t key;
    int rc, own;

    if ((rc = own_begin(s, &own, err)) != 0)
        return rc;
    if ((rc = sensor_key(s, name, &key, err)) == 0 &&
        (rc = delete_rows(s, "DELETE FROM sensor_bins WHERE sensor = ?1", key, NULL, &out->bins,
                          err)) == 0 &&
        (rc = delete_rows(s, "DELETE FROM sensor_files WHERE sensor = ?1", key, NULL, &out->files,
                          err)) == 0 &&
        (rc = delete_rows(s, "DELETE FROM sensor_alerts WHERE sensor = ?1", 0, name, &out->alerts,
                          err)) == 0)
        rc = delete_rows(s, "DELETE FROM sensors WHERE sensor = ?1", key, NULL, NULL, err);
    return own_end(s, own, rc, err);
}

/* One integer from sql with ?1 = key (or name). */
static int keyed_int(struct rk_sqlite *s, const char *sql, int64_t key, const char *name,
                     int64_t *out, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *out = 0;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (name)
        rk_sqlite_bind_str(stmt, 1, name);
    else
        sqlite3_bind_int64(stmt, 1, key);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "sensor statistics", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int sensor_stats(struct rk_store *st, const char *name, struct rk_store_sensor_stats *out,
                        struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t key, v[7];
    int rc;

    if ((rc = sensor_key(s, name, &key, err)) != 0)
        return rc;
    if ((rc = keyed_int(s, "SELECT count(*) FROM sensor_bins WHERE sensor = ?1", key, NULL, &v[0],
                        err)) != 0 ||
        (rc = keyed_int(s, "SELECT min(start) FROM sensor_bins WHERE sensor = ?1", key, NULL, &v[1],
                        err)) != 0 ||
        (rc = keyed_int(s, "SELECT max(start) FROM sensor_bins WHERE sensor = ?1", key, NULL, &v[2],
                        err)) != 0 ||
        (rc = keyed_int(s, "SELECT total(packets) FROM sensor_bins WHERE sensor = ?1", key, NULL,
                        &v[3], err)) != 0 ||
        (rc = keyed_int(s, "SELECT count(*) FROM sensor_files WHERE sensor = ?1", key, NULL, &v[4],
                        err)) != 0 ||
        (rc = keyed_int(s, "SELECT count(*) FROM sensor_alerts WHERE sensor = ?1", 0, name, &v[5],
                        err)) != 0 ||
        (rc = keyed_int(s, "SELECT total(length(data)) FROM sensor_bins WHERE sensor = ?1", key,
                        NULL, &v[6], err)) != 0)
        return rc;
    out->bins = (uint64_t)v[0];
    out->first_start = v[1];
    out->last_start = v[2];
    out->packets = (uint64_t)v[3];
    out->files = (uint64_t)v[4];
    out->alerts = (uint64_t)v[5];
    out->data_bytes = (uint64_t)v[6];
    return 0;
}

/* ---- bins --------------------------------------------------------------------------------------
 */

static int bin_put(struct rk_store *st, const struct rk_store_sensor_bin *b, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "INSERT OR REPLACE INTO sensor_bins (sensor, start, secs, packets, sources,"
                      " exact, revision, published_rev, created_us, updated_us, data)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    sqlite3_stmt *stmt = NULL;
    int64_t key;
    int rc;

    if ((rc = sensor_key(s, b->sensor, &key, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, key);
    sqlite3_bind_int64(stmt, 2, b->start);
    sqlite3_bind_int64(stmt, 3, b->secs);
    sqlite3_bind_int64(stmt, 4, (int64_t)b->packets);
    sqlite3_bind_int64(stmt, 5, (int64_t)b->sources);
    sqlite3_bind_int(stmt, 6, b->exact != 0);
    sqlite3_bind_int64(stmt, 7, b->revision);
    sqlite3_bind_int64(stmt, 8, b->published_rev);
    sqlite3_bind_int64(stmt, 9, b->created_us);
    sqlite3_bind_int64(stmt, 10, b->updated_us);
    sqlite3_bind_blob64(stmt, 11, b->data ? b->data : "", b->data_len, SQLITE_STATIC);
    rc = rk_sqlite_step_done(s, stmt, "storing a sensor bin", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int bin_published(struct rk_store *st, const char *sensor, int64_t start, uint32_t rev,
                         struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "UPDATE sensor_bins SET published_rev = max(published_rev, ?3)"
                      " WHERE sensor = ?1 AND start = ?2";
    sqlite3_stmt *stmt = NULL;
    int64_t key;
    int rc;

    if ((rc = sensor_key(s, sensor, &key, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, key);
    sqlite3_bind_int64(stmt, 2, start);
    sqlite3_bind_int64(stmt, 3, rev);
    rc = rk_sqlite_step_done(s, stmt, "marking a sensor bin published", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* "(?5,?6,...)" for n names starting at parameter first. */
static int in_list(struct rk_buf *sql, int first, size_t n)
{
    int rc = rk_buf_puts(sql, "(");

    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = rk_buf_printf(sql, "%s?%d", i ? "," : "", first + (int)i);
    return rc ? rc : rk_buf_puts(sql, ")");
}

static int bins_sql(struct rk_buf *sql, const struct rk_store_sensor_bin_query *q)
{
    int rc = rk_buf_printf(
            sql,
            "SELECT n.name, b.start, b.secs, b.packets, b.sources, b.exact, b.revision,"
            " b.published_rev, b.created_us, b.updated_us, %s"
            " FROM sensor_bins AS b JOIN sensors AS n ON n.sensor = b.sensor"
            " WHERE b.start >= ?1 AND b.start < ?2",
            q->without_data ? "NULL" : "b.data");

    if (rc == 0 && q->unpublished)
        rc = rk_buf_puts(sql, " AND b.published_rev < b.revision");
    if (rc == 0 && q->n_sensors) {
        rc = rk_buf_puts(sql, " AND n.name IN ");
        if (rc == 0)
            rc = in_list(sql, 4, q->n_sensors);
    }
    if (rc == 0)
        rc = rk_buf_puts(sql, q->newest_first ? " ORDER BY b.start DESC, b.sensor"
                                              : " ORDER BY b.start, b.sensor");
    if (rc == 0 && q->limit)
        rc = rk_buf_puts(sql, " LIMIT ?3");
    return rc;
}

static void bin_from_row(sqlite3_stmt *stmt, struct rk_store_sensor_bin *b)
{
    memset(b, 0, sizeof(*b));
    b->sensor = text(stmt, 0);
    b->start = sqlite3_column_int64(stmt, 1);
    b->secs = (uint32_t)sqlite3_column_int64(stmt, 2);
    b->packets = (uint64_t)sqlite3_column_int64(stmt, 3);
    b->sources = (uint64_t)sqlite3_column_int64(stmt, 4);
    b->exact = sqlite3_column_int(stmt, 5);
    b->revision = (uint32_t)sqlite3_column_int64(stmt, 6);
    b->published_rev = (uint32_t)sqlite3_column_int64(stmt, 7);
    b->created_us = sqlite3_column_int64(stmt, 8);
    b->updated_us = sqlite3_column_int64(stmt, 9);
    if (sqlite3_column_type(stmt, 10) == SQLITE_BLOB) {
        b->data = sqlite3_column_blob(stmt, 10);
        b->data_len = (size_t)sqlite3_column_bytes(stmt, 10);
    }
}

/* RK_ENOTFOUND for the first name that is not a sensor ("*" is allowed for alerts). */
static int check_names(struct rk_sqlite *s, const char *const *names, size_t n, int star,
                       struct rk_err *err)
{
    int64_t key;
    int rc;

    for (size_t i = 0; i < n; i++) {
        if (star && strcmp(names[i], "*") == 0)
            continue;
        if ((rc = sensor_key(s, names[i], &key, err)) != 0)
            return rc;
    }
    return 0;
}

/* Prepare a range query built in sql: ?1 since, ?2 until, ?3 the limit (when not 0), ?4... the
 * sensor names. */
static int range_stmt(struct rk_sqlite *s, const struct rk_buf *sql, int64_t since, int64_t until,
                      size_t limit, const char *const *sensors, size_t n_sensors,
                      sqlite3_stmt **stmt, struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_acquire(s, rk_buf_cstr(sql), rk_buf_len(sql), stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(*stmt, 1, since);
    sqlite3_bind_int64(*stmt, 2, until);
    if (limit)
        sqlite3_bind_int64(*stmt, 3, (int64_t)limit);
    for (size_t i = 0; i < n_sensors; i++)
        rk_sqlite_bind_str(*stmt, 4 + (int)i, sensors[i]);
    return 0;
}

static int bins_query(struct rk_store *st, const struct rk_store_sensor_bin_query *q,
                      int (*fn)(const struct rk_store_sensor_bin *b, void *ctx), void *ctx,
                      struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    struct rk_store_sensor_bin b;
    sqlite3_stmt *stmt = NULL;
    struct rk_buf sql;
    int rc, src = SQLITE_DONE;

    rk_buf_init(&sql, 65536);
    if ((rc = check_names(s, q->sensors, q->n_sensors, 0, err)) != 0)
        goto out;
    if (bins_sql(&sql, q) != 0) {
        rc = rk_err_set(err, RK_ELIMIT, "too many sensors in one query");
        goto out;
    }
    if ((rc = range_stmt(s, &sql, q->since, q->until, q->limit, q->sensors, q->n_sensors, &stmt,
                         err)) != 0)
        goto out;
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        bin_from_row(stmt, &b);
        rc = fn(&b, ctx);
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "reading sensor bins", err);
out:
    rk_sqlite_release(s, stmt);
    rk_buf_free(&sql);
    return rc;
}

/* ---- the file ledger ---------------------------------------------------------------------------
 */

static int file_get(struct rk_store *st, const char *sensor, const uint8_t *fingerprint,
                    struct rk_store_sensor_file *out, char *path_buf, size_t path_cap,
                    struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "SELECT path, size, frames, ingested_us FROM sensor_files"
                      " WHERE sensor = ?1 AND fingerprint = ?2";
    sqlite3_stmt *stmt = NULL;
    int64_t key;
    int rc, src;

    if ((rc = sensor_key(s, sensor, &key, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, key);
    sqlite3_bind_blob(stmt, 2, fingerprint, RK_STORE_SENSOR_FP_LEN, SQLITE_STATIC);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        out->sensor = sensor;
        memcpy(out->fingerprint, fingerprint, RK_STORE_SENSOR_FP_LEN);
        if (path_buf && path_cap) {
            rk_strlcpy(path_buf, text(stmt, 0), path_cap);
            out->path = path_buf;
        } else {
            out->path = "";
        }
        out->size = (uint64_t)sqlite3_column_int64(stmt, 1);
        out->frames = (uint64_t)sqlite3_column_int64(stmt, 2);
        out->ingested_us = sqlite3_column_int64(stmt, 3);
    } else if (src == SQLITE_DONE) {
        rc = RK_ENOTFOUND;
    } else {
        rc = rk_sqlite_fail(s, src, "reading the file ledger", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

static int file_add(struct rk_store *st, const struct rk_store_sensor_file *f, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "INSERT INTO sensor_files (sensor, fingerprint, path, size, frames,"
                      " ingested_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct rk_store_sensor_file old;
    sqlite3_stmt *stmt = NULL;
    int64_t key;
    int rc;

    if ((rc = sensor_key(s, f->sensor, &key, err)) != 0)
        return rc;
    rc = file_get(st, f->sensor, f->fingerprint, &old, NULL, 0, err);
    if (rc == 0)
        return rk_err_set(err, RK_EEXISTS, "%s was ingested for sensor %s already", f->path,
                          f->sensor);
    if (rc != RK_ENOTFOUND || (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, key);
    sqlite3_bind_blob(stmt, 2, f->fingerprint, RK_STORE_SENSOR_FP_LEN, SQLITE_STATIC);
    rk_sqlite_bind_str(stmt, 3, f->path);
    sqlite3_bind_int64(stmt, 4, (int64_t)f->size);
    sqlite3_bind_int64(stmt, 5, (int64_t)f->frames);
    sqlite3_bind_int64(stmt, 6, f->ingested_us);
    rc = rk_sqlite_step_done(s, stmt, "recording an ingested file", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- alerts ------------------------------------------------------------------------------------
 */

#define ALERT_COLUMNS                                                                              \
    "sensor, rule, proto, port, bin_start, bin_secs, tlp, score, revision, published_rev,"         \
    " created_us, updated_us, json"

static void alert_from_row(sqlite3_stmt *stmt, struct rk_store_sensor_alert *a)
{
    memset(a, 0, sizeof(*a));
    a->sensor = text(stmt, 0);
    a->rule = text(stmt, 1);
    a->proto = (uint8_t)sqlite3_column_int(stmt, 2);
    a->port = (uint16_t)sqlite3_column_int(stmt, 3);
    a->bin_start = sqlite3_column_int64(stmt, 4);
    a->bin_secs = (uint32_t)sqlite3_column_int64(stmt, 5);
    a->tlp = sqlite3_column_int(stmt, 6);
    a->score = sqlite3_column_double(stmt, 7);
    a->revision = (uint32_t)sqlite3_column_int64(stmt, 8);
    a->published_rev = (uint32_t)sqlite3_column_int64(stmt, 9);
    a->created_us = sqlite3_column_int64(stmt, 10);
    a->updated_us = sqlite3_column_int64(stmt, 11);
    a->json = text(stmt, 12);
}

static void bind_alert_key(sqlite3_stmt *stmt, const struct rk_store_sensor_alert *a)
{
    rk_sqlite_bind_str(stmt, 1, a->sensor);
    rk_sqlite_bind_str(stmt, 2, a->rule);
    sqlite3_bind_int(stmt, 3, a->proto);
    sqlite3_bind_int(stmt, 4, a->port);
    sqlite3_bind_int64(stmt, 5, a->bin_start);
}

/* The stored JSON and revision of an alert: 1 found, 0 not found, or a negative code. */
static int alert_find(struct rk_sqlite *s, const struct rk_store_sensor_alert *a, int *same,
                      int64_t *rev, struct rk_err *err)
{
    const char *sql = "SELECT json, revision FROM sensor_alerts WHERE sensor = ?1 AND rule = ?2"
                      " AND proto = ?3 AND port = ?4 AND bin_start = ?5";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    bind_alert_key(stmt, a);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        *same = strcmp(text(stmt, 0), a->json) == 0;
        *rev = sqlite3_column_int64(stmt, 1);
        rc = 1;
    } else if (src != SQLITE_DONE) {
        rc = rk_sqlite_fail(s, src, "reading an alert", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

static int alert_write(struct rk_sqlite *s, const struct rk_store_sensor_alert *a, int64_t rev,
                       struct rk_err *err)
{
    const char *insert = "INSERT INTO sensor_alerts (sensor, rule, proto, port, bin_start,"
                         " bin_secs, tlp, score, revision, published_rev, created_us,"
                         " updated_us, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0,"
                         " ?10, ?10, ?11)";
    const char *update = "UPDATE sensor_alerts SET bin_secs = ?6, tlp = ?7, score = ?8,"
                         " revision = ?9, updated_us = ?10, json = ?11 WHERE sensor = ?1 AND"
                         " rule = ?2 AND proto = ?3 AND port = ?4 AND bin_start = ?5";
    const char *sql = rev == 1 ? insert : update;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    bind_alert_key(stmt, a);
    sqlite3_bind_int64(stmt, 6, a->bin_secs);
    sqlite3_bind_int(stmt, 7, a->tlp);
    sqlite3_bind_double(stmt, 8, a->score);
    sqlite3_bind_int64(stmt, 9, rev);
    sqlite3_bind_int64(stmt, 10, rk_time_now_us());
    rk_sqlite_bind_str(stmt, 11, a->json);
    rc = rk_sqlite_step_done(s, stmt, "storing an alert", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int alert_put(struct rk_store *st, const struct rk_store_sensor_alert *a,
                     enum rk_store_alert_outcome *outcome, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t rev = 0;
    int rc, own, same = 0, found;

    if ((rc = own_begin(s, &own, err)) != 0)
        return rc;
    if ((rc = check_names(s, &a->sensor, 1, 1, err)) != 0 ||
        (rc = found = alert_find(s, a, &same, &rev, err)) < 0)
        return own_end(s, own, rc, err);
    rc = 0;
    if (found && same) {
        *outcome = RK_STORE_ALERT_UNCHANGED;
    } else {
        rc = alert_write(s, a, found ? rev + 1 : 1, err);
        *outcome = found ? RK_STORE_ALERT_UPDATED : RK_STORE_ALERT_NEW;
    }
    return own_end(s, own, rc, err);
}

static int alert_published(struct rk_store *st, const struct rk_store_sensor_alert *a, uint32_t rev,
                           struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "UPDATE sensor_alerts SET published_rev = max(published_rev, ?6)"
                      " WHERE sensor = ?1 AND rule = ?2 AND proto = ?3 AND port = ?4 AND"
                      " bin_start = ?5";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    bind_alert_key(stmt, a);
    sqlite3_bind_int64(stmt, 6, rev);
    rc = rk_sqlite_step_done(s, stmt, "marking an alert published", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int alerts_query(struct rk_store *st, const struct rk_store_sensor_alert_query *q,
                        int (*fn)(const struct rk_store_sensor_alert *a, void *ctx), void *ctx,
                        struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    struct rk_store_sensor_alert a;
    sqlite3_stmt *stmt = NULL;
    struct rk_buf sql;
    int rc, src = SQLITE_DONE;

    rk_buf_init(&sql, 65536);
    if ((rc = check_names(s, q->sensors, q->n_sensors, 1, err)) != 0)
        goto out;
    rc = rk_buf_puts(&sql, "SELECT " ALERT_COLUMNS " FROM sensor_alerts"
                           " WHERE bin_start >= ?1 AND bin_start < ?2");
    if (rc == 0 && q->unpublished)
        rc = rk_buf_puts(&sql, " AND published_rev < revision");
    if (rc == 0 && q->n_sensors && (rc = rk_buf_puts(&sql, " AND sensor IN ")) == 0)
        rc = in_list(&sql, 4, q->n_sensors);
    if (rc == 0)
        rc = rk_buf_puts(&sql, " ORDER BY bin_start, sensor, rule, proto, port");
    if (rc == 0 && q->limit)
        rc = rk_buf_puts(&sql, " LIMIT ?3");
    if (rc != 0) {
        rc = rk_err_set(err, RK_ELIMIT, "too many sensors in one query");
        goto out;
    }
    if ((rc = range_stmt(s, &sql, q->since, q->until, q->limit, q->sensors, q->n_sensors, &stmt,
                         err)) != 0)
        goto out;
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        alert_from_row(stmt, &a);
        rc = fn(&a, ctx);
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "reading alerts", err);
out:
    rk_sqlite_release(s, stmt);
    rk_buf_free(&sql);
    return rc;
}

const struct rk_store_sensor_ops rk_sqlite_sensor_ops = {
        .add = sensor_add,
        .get = sensor_get,
        .list = sensor_list,
        .remove = sensor_remove,
        .stats = sensor_stats,
        .begin = sensor_begin,
        .commit = sensor_commit,
        .abort = sensor_abort,
        .in_txn = in_txn,
        .bin_put = bin_put,
        .bin_published = bin_published,
        .bins = bins_query,
        .file_get = file_get,
        .file_add = file_add,
        .alert_put = alert_put,
        .alert_published = alert_published,
        .alerts = alerts_query,
};
