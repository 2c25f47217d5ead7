/* sqlite_access.h - shared helpers and schema components of the access-control tables
 * (sqlite_access.c, sqlite_identity.c, sqlite_users.c, sqlite_grants.c, sqlite_status.c,
 * sqlite_audit.c). Only src/store/sqlite_*.c include it. */
#ifndef RK_STORE_SQLITE_ACCESS_H
#define RK_STORE_SQLITE_ACCESS_H

#include "store/sqlite.h"

/* The schema components, listed in sqlite_migrate.c after the core. */
extern const struct rk_sqlite_component rk_sqlite_access_schema; /* identities, credentials */
extern const struct rk_sqlite_component rk_sqlite_grants_schema; /* rights, sharing defaults */
extern const struct rk_sqlite_component rk_sqlite_status_schema; /* TAXII status resources */
extern const struct rk_sqlite_component rk_sqlite_audit_schema;  /* the audit log */

/* Run sql (one statement) with text parameters args[0..n) (NULL binds NULL). changes_out (may be
 * NULL) gets the number of rows changed. */
int rk_sqlite_access_run(struct rk_sqlite *s, const char *sql, const char *const *args, size_t n,
                         int64_t *changes_out, struct rk_err *err);
/* Names of removed users, organisations and groups (kind "user", "organisation", "group"):
 * retire records one at its removal; unused fails with RK_EEXISTS for a retired one. */
int rk_sqlite_name_retire(struct rk_sqlite *s, const char *kind, const char *name,
                          struct rk_err *err);
int rk_sqlite_name_unused(struct rk_sqlite *s, const char *kind, const char *name,
                          struct rk_err *err);
/* *found_out = 1 when the query (text parameters) returns a row. */
int rk_sqlite_access_exists(struct rk_sqlite *s, const char *sql, const char *const *args,
                            size_t n, int *found_out, struct rk_err *err);
/* Run fn inside a write transaction that also advances the access generation. */
int rk_sqlite_access_write(struct rk_sqlite *s,
                           int (*fn)(struct rk_sqlite *s, void *ctx, struct rk_err *err),
                           void *ctx, struct rk_err *err);
/* Call fn(text of column 0) for each row of a query with text parameters. */
int rk_sqlite_access_each(struct rk_sqlite *s, const char *sql, const char *const *args,
                          size_t n, int (*fn)(const char *value, void *ctx), void *ctx,
                          struct rk_err *err);
/* The text of a column, "" for NULL. */
const char *rk_sqlite_access_text(sqlite3_stmt *stmt, int col);

#endif
