/* sqlite_collections.c - collections: add, look up by id or alias, list, remove. */
#include "store/sqlite.h"

#include <string.h>

#include "util/rktime.h"
#include "util/strparse.h"
#include "util/uuid.h"

#define COLLECTION_COLUMNS "coll, id, alias, title, description, created_us"

static const char *text(sqlite3_stmt *stmt, int col)
{
    const char *s = (const char *)sqlite3_column_text(stmt, col);

    return s ? s : "";
}

static void collection_from_row(sqlite3_stmt *stmt, struct rk_collection *c)
{
    memset(c, 0, sizeof(*c));
    rk_strlcpy(c->id, text(stmt, 1), sizeof(c->id));
    rk_strlcpy(c->alias, text(stmt, 2), sizeof(c->alias));
    rk_strlcpy(c->title, text(stmt, 3), sizeof(c->title));
    rk_strlcpy(c->description, text(stmt, 4), sizeof(c->description));
    c->created_us = sqlite3_column_int64(stmt, 5);
}

int rk_sqlite_collection_key(struct rk_sqlite *s, const char *id_or_alias, int64_t *key_out,
                             struct rk_collection *out, struct rk_err *err)
{
    const char *sql = "SELECT " COLLECTION_COLUMNS " FROM collections WHERE id = ?1 OR alias = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *key_out = 0;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, id_or_alias);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        *key_out = sqlite3_column_int64(stmt, 0);
        if (out)
            collection_from_row(stmt, out);
    } else if (src == SQLITE_DONE) {
        rc = rk_err_set(err, RK_ENOTFOUND, "no collection %s", id_or_alias);
    } else {
        rc = rk_sqlite_fail(s, src, "looking up a collection", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

/* RK_EEXISTS when the id or alias is taken as an id or an alias. */
static int check_unused(struct rk_sqlite *s, const struct rk_collection *c, struct rk_err *err)
{
    const char *sql = "SELECT id FROM collections WHERE id IN (?1, ?2) OR alias IN (?1, ?2)";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, c->id);
    rk_sqlite_bind_str(stmt, 2, c->alias[0] ? c->alias : NULL);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        rc = rk_err_set(err, RK_EEXISTS, "collection %s%s%s: id or alias taken by collection %s",
                        c->id, c->alias[0] ? " alias " : "", c->alias, text(stmt, 0));
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "checking collection names", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int insert_collection(struct rk_sqlite *s, const struct rk_collection *c, struct rk_err *err)
{
    const char *sql = "INSERT INTO collections (id, alias, title, description, created_us) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, c->id);
    rk_sqlite_bind_str(stmt, 2, c->alias[0] ? c->alias : NULL);
    rk_sqlite_bind_str(stmt, 3, c->title);
    rk_sqlite_bind_str(stmt, 4, c->description);
    sqlite3_bind_int64(stmt, 5, c->created_us);
    rc = rk_sqlite_step_done(s, stmt, "adding a collection", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_collection_add(struct rk_store *st, struct rk_collection *c, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    if (!c->id[0])
        rk_uuid_v4(c->id);
    if (c->created_us <= 0)
        c->created_us = rk_time_now_us();
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = check_unused(s, c, err)) != 0 || (rc = insert_collection(s, c, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

int rk_sqlite_collection_get(struct rk_store *st, const char *id_or_alias,
                             struct rk_collection *out, struct rk_err *err)
{
    int64_t key;

    return rk_sqlite_collection_key(rk_sqlite_of(st), id_or_alias, &key, out, err);
}

int rk_sqlite_collection_list(struct rk_store *st,
                              int (*fn)(const struct rk_collection *c, void *ctx), void *ctx,
                              struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = "SELECT " COLLECTION_COLUMNS " FROM collections ORDER BY coll";
    struct rk_collection c;
    sqlite3_stmt *stmt = NULL;
    int rc, src = SQLITE_DONE;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        collection_from_row(stmt, &c);
        rc = fn(&c, ctx);
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "listing collections", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Run one statement with the collection key as ?1. */
static int run_with_key(struct rk_sqlite *s, const char *sql, int64_t key, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, key);
    rc = rk_sqlite_step_done(s, stmt, "removing a collection", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_collection_remove(struct rk_store *st, const char *id_or_alias, struct rk_err *err)
{
    static const char *const sql[] = {
            "DELETE FROM objects WHERE coll = ?1",
            "DELETE FROM conflicts WHERE coll = ?1",
            "DELETE FROM collections WHERE coll = ?1",
    };
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t key;
    int rc;

    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_collection_key(s, id_or_alias, &key, NULL, err)) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        if ((rc = run_with_key(s, sql[i], key, err)) != 0)
            goto out;
    }
    if ((rc = rk_sqlite_count_removal(s, err)) != 0)
        goto out;
    return rk_sqlite_commit(s, err);
out:
    rk_sqlite_rollback(s);
    return rc;
}
