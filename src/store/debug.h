/* debug.h - store hooks for tests and diagnostics; not part of the public API. */
#ifndef RK_STORE_DEBUG_H
#define RK_STORE_DEBUG_H

#include "renkei/store.h"
#include "util/buf.h"

/* Append the backend's plan for q, one step per line (SQLite: EXPLAIN QUERY PLAN). */
int rk_store_debug_plan(struct rk_store *st, const struct rk_store_query *q, struct rk_buf *out,
                        struct rk_err *err);
/* Run backend statements directly (tests that need a damaged or foreign store). */
int rk_store_debug_exec(struct rk_store *st, const char *sql, struct rk_err *err);

#endif
