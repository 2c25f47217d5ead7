/* sqlite_status.c - TAXII status resources (section 4.3), kept for at least 24 hours. */
#include "store/sqlite_access.h"

#include <string.h>

#include "renkei/store_access.h"
#include "util/alloc.h"
#include "util/strparse.h"

static const struct rk_sqlite_step status_steps[] = {
    {1, "TAXII status resources",
     "CREATE TABLE taxii_status (id TEXT PRIMARY KEY, user TEXT NOT NULL,"
     " created_us INTEGER NOT NULL, json TEXT NOT NULL);"
     "CREATE INDEX taxii_status_created ON taxii_status (created_us);",
     NULL},
};

const struct rk_sqlite_component rk_sqlite_status_schema = {
    "taxii_status",
    status_steps,
    sizeof(status_steps) / sizeof(status_steps[0]),
};

static int insert_status(struct rk_sqlite *s, const char *id, const char *user,
                         int64_t created_us, const char *json, size_t len, struct rk_err *err)
{
    const char *sql = "INSERT INTO taxii_status (id, user, created_us, json) "
                      "VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, id);
    rk_sqlite_bind_str(stmt, 2, user ? user : "");
    sqlite3_bind_int64(stmt, 3, created_us);
    sqlite3_bind_text(stmt, 4, json, (int)len, SQLITE_STATIC);
    rc = rk_sqlite_step_done(s, stmt, "storing a status resource", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int purge(struct rk_sqlite *s, int64_t before_us, struct rk_err *err)
{
    const char *sql = "DELETE FROM taxii_status WHERE created_us < ?1";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, before_us);
    rc = rk_sqlite_step_done(s, stmt, "purging old status resources", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_status_put(struct rk_store *st, const char *id, const char *user, int64_t created_us,
                        const char *json, size_t len, int64_t purge_before_us,
                        struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    if (len > (size_t)RK_STORE_OBJECT_MAX * 4)
        return rk_err_set(err, RK_ELIMIT, "status resource too large");
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((purge_before_us > 0 && (rc = purge(s, purge_before_us, err)) != 0) ||
        (rc = insert_status(s, id, user, created_us, json, len, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

int rk_store_status_get(struct rk_store *st, const char *id, char *user, char **json_out,
                        size_t *len_out, struct rk_err *err)
{
    const char *sql = "SELECT user, json FROM taxii_status WHERE id = ?1";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *json_out = NULL;
    *len_out = 0;
    user[0] = '\0';
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, id);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(stmt, 1);

        rk_strlcpy(user, rk_sqlite_access_text(stmt, 0), RK_NAME_MAX + 1);
        if ((*json_out = rk_strndup(rk_sqlite_access_text(stmt, 1), len)) != NULL)
            *len_out = len;
        else
            rc = rk_err_set(err, RK_ENOMEM, "out of memory reading a status resource");
    } else if (src == SQLITE_DONE) {
        rc = rk_err_set(err, RK_ENOTFOUND, "no status %s", id);
    } else {
        rc = rk_sqlite_fail(s, src, "reading a status resource", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}
