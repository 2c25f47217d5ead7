/* sqlite_sync.h - the federation tables (sqlite_sync.c: schema, partners, mappings;
 * sqlite_sync_cursor.c: cursors, state, refusals, push results; sqlite_sync_egress.c: the
 * egress log). Only src/store/sqlite_*.c include it. */
#ifndef RK_STORE_SQLITE_SYNC_H
#define RK_STORE_SQLITE_SYNC_H

#include "renkei/store_sync.h"
#include "store/sqlite_access.h"

/* The schema component, listed in sqlite_migrate.c after the access tables. */
extern const struct rk_sqlite_component rk_sqlite_sync_schema;

/* Insert refusals with the handle's open transaction (no BEGIN/COMMIT of its own), keeping the
 * most recent RK_SYNC_REFUSALS_KEEP per partner and direction. */
int rk_sqlite_sync_refusals_insert(struct rk_sqlite *s, const struct rk_sync_refusal *r,
                                   size_t n, struct rk_err *err);

/* A mapping from the columns dir, remote, local at col, col + 1, col + 2 of stmt's row. */
void rk_sqlite_sync_mapping_from_row(sqlite3_stmt *stmt, int col, struct rk_sync_mapping *m);

/* Check a string argument: present and at most max bytes. RK_EINVAL / RK_ELIMIT naming what. */
int rk_sqlite_sync_check(const char *what, const char *v, size_t max, struct rk_err *err);

#endif
