/* sqlite_meta.c - statistics, counts by type, conflicts, settings and the store check. */
#include "store/sqlite.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/digest.h"
#include "util/strparse.h"

/* ---- the change mark ----------------------------------------------------------------------- */

/* date_added_hw rises with every commit that stores a version, removals with every delete and
 * collection removal; neither ever falls, so their sum strictly rises with each change and a
 * value of it names one state of the objects. */
int rk_store_change_mark(struct rk_store *st, int64_t *out, struct rk_err *err)
{
    return rk_sqlite_int(rk_sqlite_of(st),
                         "SELECT sum(value) FROM meta WHERE key IN ('date_added_hw', 'removals')",
                         out, err);
}

/* One more removal: called inside the transaction that deletes objects. */
int rk_sqlite_count_removal(struct rk_sqlite *s, struct rk_err *err)
{
    return rk_sqlite_exec(s, "UPDATE meta SET value = value + 1 WHERE key = 'removals'", err);
}

/* ---- statistics ---------------------------------------------------------------------------- */

static uint64_t wal_bytes(const char *db_path)
{
    struct rk_buf path;
    struct stat sb;
    uint64_t n = 0;

    rk_buf_init(&path, 8192);
    if (rk_buf_printf(&path, "%s-wal", db_path) == 0 && stat(rk_buf_cstr(&path), &sb) == 0)
        n = (uint64_t)sb.st_size;
    rk_buf_free(&path);
    return n;
}

/* Pages in use and log of one database of the handle ("main" or "audit"); 0 for a schema
 * that is not attached. */
static int schema_bytes(struct rk_sqlite *s, const char *schema, uint64_t *out,
                        struct rk_err *err)
{
    const char *path = sqlite3_db_filename(s->db, schema);
    int64_t pages = 0, page_size = 0;
    char sql[64];
    int rc;

    *out = 0;
    if (!path || !path[0])
        return 0;
    snprintf(sql, sizeof(sql), "PRAGMA %s.page_count", schema);
    if ((rc = rk_sqlite_int(s, sql, &pages, err)) != 0)
        return rc;
    snprintf(sql, sizeof(sql), "PRAGMA %s.page_size", schema);
    if ((rc = rk_sqlite_int(s, sql, &page_size, err)) != 0)
        return rc;
    *out = (uint64_t)pages * (uint64_t)page_size + wal_bytes(path);
    return 0;
}

int rk_sqlite_stats(struct rk_store *st, struct rk_store_stats *out, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t colls = 0, objs = 0, vers = 0, confl = 0;
    uint64_t main_bytes = 0, audit_bytes = 0;
    int rc;

    if ((rc = rk_sqlite_int(s, "SELECT count(*) FROM collections", &colls, err)) != 0 ||
        (rc = rk_sqlite_int(s, "SELECT count(*) FROM objects WHERE is_last = 1", &objs, err)) ||
        (rc = rk_sqlite_int(s, "SELECT count(*) FROM objects", &vers, err)) != 0 ||
        (rc = rk_sqlite_int(s, "SELECT value FROM meta WHERE key = 'conflicts_total'", &confl,
                            err)) != 0 ||
        (rc = schema_bytes(s, "main", &main_bytes, err)) != 0 ||
        (rc = schema_bytes(s, "audit", &audit_bytes, err)) != 0)
        return rc;
    out->collections = (uint64_t)colls;
    out->objects = (uint64_t)objs;
    out->versions = (uint64_t)vers;
    out->conflicts = (uint64_t)confl;
    out->db_bytes = main_bytes + audit_bytes;
    return 0;
}

int rk_sqlite_count_by_type(struct rk_store *st, const char *collection,
                            int (*fn)(const char *type, uint64_t count, void *ctx), void *ctx,
                            struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *all = "SELECT type, count(*) FROM objects GROUP BY type ORDER BY type";
    const char *one = "SELECT type, count(*) FROM objects WHERE coll = ?1 "
                      "GROUP BY type ORDER BY type";
    const char *sql = collection ? one : all;
    sqlite3_stmt *stmt = NULL;
    int64_t coll = 0;
    int rc, src = SQLITE_DONE;

    if (collection && (rc = rk_sqlite_collection_key(s, collection, &coll, NULL, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (collection)
        sqlite3_bind_int64(stmt, 1, coll);
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(stmt, 0);

        rc = fn(type ? type : "", (uint64_t)sqlite3_column_int64(stmt, 1), ctx);
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "counting by type", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- conflicts ----------------------------------------------------------------------------- */

static void hex_column(sqlite3_stmt *stmt, int col, char out[2 * RK_SHA256_LEN + 1])
{
    out[0] = '\0';
    if (sqlite3_column_bytes(stmt, col) == RK_SHA256_LEN)
        rk_hex_encode(out, sqlite3_column_blob(stmt, col), RK_SHA256_LEN);
}

int rk_sqlite_conflict_list(struct rk_store *st,
                            int (*fn)(const struct rk_store_conflict *c, void *ctx), void *ctx,
                            struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "SELECT c.id, f.id, f.version, f.kept_sha256, f.offered_sha256, f.source,"
                      " f.at_us FROM conflicts AS f JOIN collections AS c ON c.coll = f.coll"
                      " ORDER BY f.conflict";
    char kept[2 * RK_SHA256_LEN + 1], offered[2 * RK_SHA256_LEN + 1];
    struct rk_store_conflict c;
    sqlite3_stmt *stmt = NULL;
    int rc, src = SQLITE_DONE;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        hex_column(stmt, 3, kept);
        hex_column(stmt, 4, offered);
        c.collection = (const char *)sqlite3_column_text(stmt, 0);
        c.id = (const char *)sqlite3_column_text(stmt, 1);
        c.version = (const char *)sqlite3_column_text(stmt, 2);
        c.kept_sha256 = kept;
        c.offered_sha256 = offered;
        c.source = (const char *)sqlite3_column_text(stmt, 5);
        c.at_us = sqlite3_column_int64(stmt, 6);
        rc = fn(&c, ctx);
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "listing conflicts", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- settings ------------------------------------------------------------------------------ */

int rk_sqlite_setting_get(struct rk_store *st, const char *key, char *out, size_t cap,
                          struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "SELECT value FROM settings WHERE key = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, key);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(stmt, 0);

        if (rk_strlcpy(out, v ? v : "", cap) != 0)
            rc = rk_err_set(err, RK_ELIMIT, "setting %s: value longer than %zu bytes", key,
                            cap ? cap - 1 : 0);
    } else if (src == SQLITE_DONE) {
        rc = rk_err_set(err, RK_ENOTFOUND, "setting %s is not set", key);
    } else {
        rc = rk_sqlite_fail(s, src, "reading a setting", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_setting_set(struct rk_store *st, const char *key, const char *value,
                          struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                      "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, key);
    rk_sqlite_bind_str(stmt, 2, value);
    rc = rk_sqlite_step_done(s, stmt, "writing a setting", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- check --------------------------------------------------------------------------------- */

static int integrity(struct rk_sqlite *s, struct rk_err *err)
{
    const char *sql = "PRAGMA integrity_check(10)";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        const char *first = (const char *)sqlite3_column_text(stmt, 0);

        if (!first || strcmp(first, "ok") != 0)
            rc = rk_err_set(err, RK_EFORMAT, "database integrity check: %s",
                            first ? first : "no answer");
    } else {
        rc = rk_sqlite_fail(s, src, "database integrity check", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Each query counts rows that break the invariant named beside it. */
static const struct {
    const char *what;
    const char *sql;
} invariants[] = {
        {"object versions without JSON", "SELECT count(*) FROM objects WHERE length(json) = 0"},
        {"objects without exactly one first, one last and a top spec version",
         "SELECT count(*) FROM (SELECT 1 FROM objects GROUP BY coll, id "
         "HAVING sum(is_first) != 1 OR sum(is_last) != 1 OR sum(spec_top) = 0)"},
        {"object versions stored twice", "SELECT count(*) FROM (SELECT 1 FROM objects GROUP BY "
                                         "coll, id, vkey HAVING count(*) > 1)"},
        {"object versions filed under the wrong id hash",
         "SELECT count(*) FROM objects WHERE idh != rk_idh(id)"},
        {"versions flagged first or last out of version order",
         "SELECT count(*) FROM objects AS o WHERE "
         "(o.is_last = 1 AND o.vkey != (SELECT max(x.vkey) FROM objects AS x" RK_SQLITE_SAME_ID
         ")) OR (o.is_first = 1 AND o.vkey != (SELECT min(x.vkey) FROM objects AS x"
         RK_SQLITE_SAME_ID "))"},
        {"object versions missing from the id index or in both of its levels",
         "SELECT count(*) FROM objects AS o WHERE (SELECT count(*) FROM ids_all AS k"
         " WHERE k.coll = o.coll AND k.idh = o.idh AND k.date_added = o.date_added) != 1"},
        {"id index entries without their object version",
         "SELECT count(*) FROM ids_all AS k WHERE NOT EXISTS (SELECT 1 FROM objects AS o"
         " WHERE o.date_added = k.date_added AND o.coll = k.coll AND o.idh = k.idh)"},
        {"object versions in no collection or without a provenance",
         "SELECT count(*) FROM objects AS o WHERE "
         "NOT EXISTS (SELECT 1 FROM collections AS c WHERE c.coll = o.coll) OR "
         "NOT EXISTS (SELECT 1 FROM origins AS g WHERE g.origin = o.origin)"},
        {"date_added values above the recorded high-water mark",
         "SELECT count(*) FROM objects WHERE date_added > "
         "(SELECT value FROM meta WHERE key = 'date_added_hw')"},
};

int rk_sqlite_check(struct rk_store *st, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t bad = 0;
    int rc;

    if ((rc = integrity(s, err)) != 0)
        return rc;
    for (size_t i = 0; i < sizeof(invariants) / sizeof(invariants[0]); i++) {
        if ((rc = rk_sqlite_int(s, invariants[i].sql, &bad, err)) != 0)
            return rc;
        if (bad != 0)
            return rk_err_set(err, RK_EFORMAT, "store check: %lld %s", (long long)bad,
                              invariants[i].what);
    }
    return 0;
}
