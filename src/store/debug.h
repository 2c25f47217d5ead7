/* debug.h - store hooks for tests and diagnostics; not part of the public API. */
#ifndef RK_STORE_DEBUG_H
#define RK_STORE_DEBUG_H

#include <stdint.h>

#include "renkei/store.h"
#include "util/buf.h"

/* Append the backend's plan for q, one step per line (SQLite: EXPLAIN QUERY PLAN). */
int rk_store_debug_plan(struct rk_store *st, const struct rk_store_query *q, struct rk_buf *out,
                        struct rk_err *err);
/* Run backend statements directly (tests that need a damaged or foreign store). */
int rk_store_debug_exec(struct rk_store *st, const char *sql, struct rk_err *err);

/* Merge the id index's fresh level into its settled level at n entries instead of
 * RK_SQLITE_FRESH_IDS_MAX (tests that need merges on small stores). */
void rk_store_debug_fresh_ids_max(struct rk_store *st, int64_t n);
/* Build the id filter once the handle has stored puts objects (instead of
 * RK_SQLITE_IDFILTER_AFTER); the probes it has saved so far. */
void rk_store_debug_idfilter_after(struct rk_store *st, int64_t puts);
int64_t rk_store_debug_idfilter_skipped(struct rk_store *st);
/* The largest id filter the handle may build (instead of RK_SQLITE_IDFILTER_MAX_BITS). */
void rk_store_debug_idfilter_max_bits(struct rk_store *st, uint64_t bits);
/* The entries in the id index's settled and fresh levels. */
int rk_store_debug_id_levels(struct rk_store *st, int64_t *settled, int64_t *fresh,
                             struct rk_err *err);
/* How long a handle waits for another process's lock, for every handle of the process
 * (instead of RK_SQLITE_BUSY_MS). */
void rk_store_debug_lock_wait_ms(int ms);

#endif
