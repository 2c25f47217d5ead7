/* sqlite_access.c - the identity and credential tables' schema, the access generation, node
 * secrets, and the helpers the access-control tables share. */
#include "store/sqlite_access.h"

#include <stdio.h>
#include <string.h>

#include "renkei/store_access.h"
#include "util/random.h"
#include "util/rktime.h"

/* The names that objects posted over TAXII (provenance kind user) and status resources still
 * hold but whose user, organisation or group was removed before retired_names existed: they
 * are retired too. Names an operator gave on import (--org, --group, --reader) are not: those
 * may name entities yet to be created. taxii_status is absent while a new store is made. */
static const char *const names_gone_sql =
        "INSERT OR IGNORE INTO retired_names (kind, name, retired_us)"
        " SELECT 'user', o.source, ?1 FROM origins AS o WHERE o.kind = 'user'"
        "  AND o.source NOT IN (SELECT name FROM users)"
        " UNION SELECT 'user', m.name, ?1 FROM origin_members AS m"
        "  JOIN origins AS o ON o.origin = m.origin WHERE o.kind = 'user' AND m.kind = 2"
        "  AND m.name NOT IN (SELECT name FROM users)"
        " UNION SELECT 'organisation', o.org, ?1 FROM origins AS o WHERE o.kind = 'user'"
        "  AND o.org <> '' AND o.org NOT IN (SELECT name FROM orgs)"
        " UNION SELECT 'group', m.name, ?1 FROM origin_members AS m"
        "  JOIN origins AS o ON o.origin = m.origin WHERE o.kind = 'user' AND m.kind = 1"
        "  AND m.name NOT IN (SELECT name FROM sharing_groups)";
static const char *const status_posters_gone_sql =
        "INSERT OR IGNORE INTO retired_names (kind, name, retired_us)"
        " SELECT DISTINCT 'user', user, ?1 FROM taxii_status"
        "  WHERE user NOT IN (SELECT name FROM users)";

static int run_with_now(struct rk_sqlite *s, const char *sql, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, rk_time_now_us());
    rc = rk_sqlite_step_done(s, stmt, "retiring the names of removed entities", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int retire_names_gone(struct rk_sqlite *s, struct rk_err *err)
{
    int64_t has_status = 0;
    int rc;

    if ((rc = run_with_now(s, names_gone_sql, err)) != 0 ||
        (rc = rk_sqlite_int(s,
                            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                            " AND name = 'taxii_status'",
                            &has_status, err)) != 0)
        return rc;
    return has_status ? run_with_now(s, status_posters_gone_sql, err) : 0;
}

static const struct rk_sqlite_step access_steps[] = {
    {1, "organisations, sharing groups, users, credentials, node secrets",
     "CREATE TABLE orgs (name TEXT PRIMARY KEY, title TEXT NOT NULL,"
     " created_us INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE sharing_groups (name TEXT PRIMARY KEY, title TEXT NOT NULL,"
     " created_us INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE group_members (grp TEXT NOT NULL, org TEXT NOT NULL,"
     " PRIMARY KEY (grp, org)) WITHOUT ROWID;"
     "CREATE INDEX group_members_org ON group_members (org, grp);"
     "CREATE TABLE users (name TEXT PRIMARY KEY, org TEXT NOT NULL, role INTEGER NOT NULL,"
     " created_us INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX users_org ON users (org);"
     /* kind 1: a secret (key is its public key id), 2: a client certificate (key is the
      * SHA-256 fingerprint); salt, hash and iterations only for secrets */
     "CREATE TABLE credentials (key TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
     " user TEXT NOT NULL, salt BLOB, hash BLOB, iterations INTEGER,"
     " created_us INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE INDEX credentials_user ON credentials (user);"
     "CREATE TABLE access_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
     "INSERT INTO access_meta (key, value) VALUES ('generation', 1);"
     "CREATE TABLE node_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;",
     NULL},
    {2, "names of removed users, organisations and groups",
     /* objects name their readers, owners and groups, and status resources their posters, by
      * name: a name given again would inherit what its first holder could read */
     "CREATE TABLE retired_names (kind TEXT NOT NULL, name TEXT NOT NULL,"
     " retired_us INTEGER NOT NULL, PRIMARY KEY (kind, name)) WITHOUT ROWID;",
     retire_names_gone},
};

const struct rk_sqlite_component rk_sqlite_access_schema = {
    "access",
    access_steps,
    sizeof(access_steps) / sizeof(access_steps[0]),
};

int rk_sqlite_name_retire(struct rk_sqlite *s, const char *kind, const char *name,
                          struct rk_err *err)
{
    char now[24];
    const char *args[3] = {kind, name, now};

    snprintf(now, sizeof(now), "%lld", (long long)rk_time_now_us());
    return rk_sqlite_access_run(s,
                                "INSERT OR IGNORE INTO retired_names (kind, name, retired_us)"
                                " VALUES (?1, ?2, ?3)",
                                args, 3, NULL, err);
}

int rk_sqlite_name_unused(struct rk_sqlite *s, const char *kind, const char *name,
                          struct rk_err *err)
{
    const char *args[2] = {kind, name};
    int found, rc;

    if ((rc = rk_sqlite_access_exists(s, "SELECT 1 FROM retired_names WHERE kind = ?1 AND "
                                         "name = ?2",
                                      args, 2, &found, err)) != 0)
        return rc;
    if (found)
        return rk_err_set(err, RK_EEXISTS,
                          "the %s name %s belonged to a removed %s; stored objects and status "
                          "resources still name it, so it is not given again (choose another "
                          "name)",
                          kind, name, kind);
    return 0;
}

const char *rk_sqlite_access_text(sqlite3_stmt *stmt, int col)
{
    const char *t = (const char *)sqlite3_column_text(stmt, col);

    return t ? t : "";
}

static int prepare_bound(struct rk_sqlite *s, const char *sql, const char *const *args,
                         size_t n, sqlite3_stmt **out, struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), out, err)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        rk_sqlite_bind_str(*out, (int)i + 1, args[i]);
    return 0;
}

int rk_sqlite_access_run(struct rk_sqlite *s, const char *sql, const char *const *args, size_t n,
                         int64_t *changes_out, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = prepare_bound(s, sql, args, n, &stmt, err)) != 0)
        return rc;
    rc = rk_sqlite_step_done(s, stmt, "writing access tables", err);
    if (rc == 0 && changes_out)
        *changes_out = sqlite3_changes(s->db);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_access_exists(struct rk_sqlite *s, const char *sql, const char *const *args,
                            size_t n, int *found_out, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *found_out = 0;
    if ((rc = prepare_bound(s, sql, args, n, &stmt, err)) != 0)
        return rc;
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *found_out = 1;
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "reading access tables", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_access_each(struct rk_sqlite *s, const char *sql, const char *const *args,
                          size_t n, int (*fn)(const char *value, void *ctx), void *ctx,
                          struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = prepare_bound(s, sql, args, n, &stmt, err)) != 0)
        return rc;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((rc = fn(rk_sqlite_access_text(stmt, 0), ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "reading access tables", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_access_write(struct rk_sqlite *s,
                           int (*fn)(struct rk_sqlite *s, void *ctx, struct rk_err *err),
                           void *ctx, struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = fn(s, ctx, err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "UPDATE access_meta SET value = value + 1 "
                                      "WHERE key = 'generation'",
                                   NULL, 0, NULL, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

int rk_store_access_generation(struct rk_store *st, int64_t *out, struct rk_err *err)
{
    return rk_sqlite_int(rk_sqlite_of(st),
                         "SELECT value FROM access_meta WHERE key = 'generation'", out, err);
}

/* Read the secret; 0 with *found = 0 when absent. */
static int read_secret(struct rk_sqlite *s, const char *name, uint8_t *out, size_t len,
                       int *found, struct rk_err *err)
{
    const char *sql = "SELECT value FROM node_secrets WHERE name = ?1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *found = 0;
    if ((rc = prepare_bound(s, sql, &name, 1, &stmt, err)) != 0)
        return rc;
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        if ((size_t)sqlite3_column_bytes(stmt, 0) != len)
            rc = rk_err_set(err, RK_EFORMAT, "node secret %s has the wrong length", name);
        else
            memcpy(out, sqlite3_column_blob(stmt, 0), len);
        *found = rc == 0;
    } else if (src != SQLITE_DONE) {
        rc = rk_sqlite_fail(s, src, "reading a node secret", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_node_secret(struct rk_store *st, const char *name, uint8_t *out, size_t len,
                         struct rk_err *err)
{
    const char *sql = "INSERT OR IGNORE INTO node_secrets (name, value) VALUES (?1, ?2)";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    uint8_t fresh[64];
    int found, rc;

    if (len == 0 || len > sizeof(fresh))
        return rk_err_set(err, RK_EINVAL, "node secrets are 1 to 64 bytes");
    if ((rc = read_secret(s, name, out, len, &found, err)) != 0 || found)
        return rc;
    /* first use: insert unless another process won the race, then read what is stored */
    rk_random_bytes(fresh, len);
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        goto out;
    rk_sqlite_bind_str(stmt, 1, name);
    sqlite3_bind_blob(stmt, 2, fresh, (int)len, SQLITE_STATIC);
    rc = rk_sqlite_step_done(s, stmt, "creating a node secret", err);
    rk_sqlite_release(s, stmt);
    if (rc == 0 && (rc = read_secret(s, name, out, len, &found, err)) == 0 && !found)
        rc = rk_err_set(err, RK_EIO, "node secret %s vanished", name);
out:
    explicit_bzero(fresh, sizeof(fresh));
    return rc;
}
