/* sqlite_sync_cursor.c - pull and push cursors with their counters, each partner's last run,
 * refused objects and push results. A pull cursor is written inside the store batch of the
 * page it follows, so the objects and the position commit (or vanish) together. */
#include "store/sqlite_sync.h"

#include <string.h>

#include "util/rktime.h"
#include "util/strparse.h"

/* ---- pull cursors -------------------------------------------------------------------------- */

static int check_key(const char *partner, const char *a, const char *b, struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_sync_check("partner name", partner, RK_NAME_MAX, err)) != 0 ||
        (rc = rk_sqlite_sync_check("collection", a, RK_REMOTE_ID_MAX - 1, err)) != 0)
        return rc;
    return rk_sqlite_sync_check("collection", b, RK_REMOTE_ID_MAX - 1, err);
}

/* Run sql (one row keyed by ?1 partner, ?2, ?3) and hand the row, if any, to fill. */
static int cursor_get(struct rk_store *st, const char *sql, size_t len, const char *partner,
                      const char *a, const char *b,
                      void (*fill)(sqlite3_stmt *stmt, int col, void *out), void *out,
                      const char *what, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = check_key(partner, a, b, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, len, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    rk_sqlite_bind_str(stmt, 2, a);
    rk_sqlite_bind_str(stmt, 3, b);
    if ((src = sqlite3_step(stmt)) == SQLITE_ROW)
        fill(stmt, 0, out);
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, what, err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static void pull_from_row(sqlite3_stmt *stmt, int col, struct rk_pull_cursor *c)
{
    memset(c, 0, sizeof(*c));
    rk_strlcpy(c->added_after, rk_sqlite_access_text(stmt, col), sizeof(c->added_after));
    rk_strlcpy(c->base, rk_sqlite_access_text(stmt, col + 1), sizeof(c->base));
    rk_strlcpy(c->next, rk_sqlite_access_text(stmt, col + 2), sizeof(c->next));
    c->caught_up_us = sqlite3_column_int64(stmt, col + 3);
    c->updated_us = sqlite3_column_int64(stmt, col + 4);
    c->pages = (uint64_t)sqlite3_column_int64(stmt, col + 5);
    c->stored = (uint64_t)sqlite3_column_int64(stmt, col + 6);
    c->duplicates = (uint64_t)sqlite3_column_int64(stmt, col + 7);
    c->conflicts = (uint64_t)sqlite3_column_int64(stmt, col + 8);
    c->refused = (uint64_t)sqlite3_column_int64(stmt, col + 9);
}

#define PULL_COLUMNS                                                                               \
    "added_after, base, next, caught_up_us, updated_us, pages, stored, duplicates, conflicts,"    \
    " refused"

static void fill_pull(sqlite3_stmt *stmt, int col, void *out)
{
    pull_from_row(stmt, col, out);
}

int rk_store_pull_cursor_get(struct rk_store *st, const char *partner, const char *remote,
                             const char *local, struct rk_pull_cursor *out, struct rk_err *err)
{
    static const char sql[] = "SELECT " PULL_COLUMNS " FROM sync_pull WHERE partner = ?1 AND"
                              " remote = ?2 AND local = ?3";

    memset(out, 0, sizeof(*out));
    return cursor_get(st, sql, sizeof(sql) - 1, partner, remote, local, fill_pull, out,
                      "reading a pull cursor", err);
}

int rk_store_pull_cursor_put(struct rk_store_batch *b, const char *partner, const char *remote,
                             const char *local, const struct rk_pull_cursor *c,
                             struct rk_err *err)
{
    static const char sql[] = "INSERT OR REPLACE INTO sync_pull (partner, remote, local, "
                              PULL_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                              " ?11, ?12, ?13)";
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = NULL;
    const uint64_t nums[] = {c->pages, c->stored, c->duplicates, c->conflicts, c->refused};
    int rc;

    if ((rc = check_key(partner, remote, local, err)) != 0 ||
        (rc = rk_sqlite_sync_check("added_after", c->added_after, RK_PULL_TIME_MAX - 1, err)) ||
        (rc = rk_sqlite_sync_check("base", c->base, RK_PULL_TIME_MAX - 1, err)) != 0 ||
        (rc = rk_sqlite_sync_check("next", c->next, RK_PULL_NEXT_MAX - 1, err)) != 0)
        return rc;
    if (b->failed)
        return rk_err_set(err, RK_EINVAL, "the batch failed earlier and must be aborted");
    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    rk_sqlite_bind_str(stmt, 2, remote);
    rk_sqlite_bind_str(stmt, 3, local);
    rk_sqlite_bind_str(stmt, 4, c->added_after);
    rk_sqlite_bind_str(stmt, 5, c->base);
    rk_sqlite_bind_str(stmt, 6, c->next);
    sqlite3_bind_int64(stmt, 7, c->caught_up_us);
    sqlite3_bind_int64(stmt, 8, c->updated_us ? c->updated_us : rk_time_now_us());
    for (int i = 0; i < 5; i++)
        sqlite3_bind_int64(stmt, 9 + i, (int64_t)nums[i]);
    if ((rc = rk_sqlite_step_done(s, stmt, "writing a pull cursor", err)) != 0)
        b->failed = 1;
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- push cursors -------------------------------------------------------------------------- */

#define PUSH_COLUMNS                                                                               \
    "date_added, updated_us, batches, sent, failed, too_large, r_red, r_strict, r_group,"         \
    " r_ceiling, r_source"

static void push_from_row(sqlite3_stmt *stmt, int col, struct rk_push_cursor *c)
{
    memset(c, 0, sizeof(*c));
    c->date_added = sqlite3_column_int64(stmt, col);
    c->updated_us = sqlite3_column_int64(stmt, col + 1);
    c->batches = (uint64_t)sqlite3_column_int64(stmt, col + 2);
    c->sent = (uint64_t)sqlite3_column_int64(stmt, col + 3);
    c->failed = (uint64_t)sqlite3_column_int64(stmt, col + 4);
    c->too_large = (uint64_t)sqlite3_column_int64(stmt, col + 5);
    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS; v++)
        c->refused[v] = (uint64_t)sqlite3_column_int64(stmt, col + 5 + v);
}

static void fill_push(sqlite3_stmt *stmt, int col, void *out)
{
    push_from_row(stmt, col, out);
}

int rk_store_push_cursor_get(struct rk_store *st, const char *partner, const char *local,
                             const char *remote, struct rk_push_cursor *out, struct rk_err *err)
{
    static const char sql[] = "SELECT " PUSH_COLUMNS " FROM sync_push WHERE partner = ?1 AND"
                              " local = ?2 AND remote = ?3";

    memset(out, 0, sizeof(*out));
    return cursor_get(st, sql, sizeof(sql) - 1, partner, local, remote, fill_push, out,
                      "reading a push cursor", err);
}

static int push_cursor_write(struct rk_sqlite *s, const char *partner, const char *local,
                             const char *remote, const struct rk_push_cursor *c,
                             struct rk_err *err)
{
    static const char sql[] = "INSERT OR REPLACE INTO sync_push (partner, local, remote, "
                              PUSH_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                              " ?11, ?12, ?13, ?14)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    rk_sqlite_bind_str(stmt, 2, local);
    rk_sqlite_bind_str(stmt, 3, remote);
    sqlite3_bind_int64(stmt, 4, c->date_added);
    sqlite3_bind_int64(stmt, 5, c->updated_us ? c->updated_us : rk_time_now_us());
    sqlite3_bind_int64(stmt, 6, (int64_t)c->batches);
    sqlite3_bind_int64(stmt, 7, (int64_t)c->sent);
    sqlite3_bind_int64(stmt, 8, (int64_t)c->failed);
    sqlite3_bind_int64(stmt, 9, (int64_t)c->too_large);
    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS; v++)
        sqlite3_bind_int64(stmt, 9 + v, (int64_t)c->refused[v]);
    rc = rk_sqlite_step_done(s, stmt, "writing a push cursor", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int push_result_write(struct rk_sqlite *s, const struct rk_push_result *r,
                             struct rk_err *err)
{
    static const char sql[] = "INSERT OR REPLACE INTO sync_push_results (batch, partner,"
                              " collection, at_us, http_status, status_id, total, success,"
                              " failure, pending, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                              " ?8, ?9, ?10, ?11)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, r->batch);
    rk_sqlite_bind_str(stmt, 2, r->partner);
    rk_sqlite_bind_str(stmt, 3, r->collection);
    sqlite3_bind_int64(stmt, 4, r->at_us ? r->at_us : rk_time_now_us());
    sqlite3_bind_int(stmt, 5, r->http_status);
    rk_sqlite_bind_str(stmt, 6, r->status_id ? r->status_id : "");
    sqlite3_bind_int64(stmt, 7, (int64_t)r->total);
    sqlite3_bind_int64(stmt, 8, (int64_t)r->success);
    sqlite3_bind_int64(stmt, 9, (int64_t)r->failure);
    sqlite3_bind_int64(stmt, 10, (int64_t)r->pending);
    rk_sqlite_bind_str(stmt, 11, r->message ? r->message : "");
    rc = rk_sqlite_step_done(s, stmt, "writing a push result", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_push_commit(struct rk_store *st, const char *partner, const char *local,
                         const char *remote, const struct rk_push_cursor *c,
                         const struct rk_push_result *r, const struct rk_sync_refusal *failures,
                         size_t n_failures, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    if ((rc = check_key(partner, local, remote, err)) != 0)
        return rc;
    if (r && ((rc = rk_sqlite_sync_check("batch", r->batch, 128, err)) != 0 ||
              (rc = rk_sqlite_sync_check("partner", r->partner, RK_NAME_MAX, err)) != 0 ||
              (rc = rk_sqlite_sync_check("collection", r->collection, RK_REMOTE_ID_MAX, err))))
        return rc;
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((c && (rc = push_cursor_write(s, partner, local, remote, c, err)) != 0) ||
        (r && (rc = push_result_write(s, r, err)) != 0) ||
        (rc = rk_sqlite_sync_refusals_insert(s, failures, n_failures, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

/* ---- every cursor -------------------------------------------------------------------------- */

int rk_store_sync_cursor_list(struct rk_store *st, const char *partner,
                              int (*fn)(const struct rk_sync_cursor_info *c, void *ctx),
                              void *ctx, struct rk_err *err)
{
    static const char sql[] =
            "SELECT m.partner, m.dir, m.remote, m.local, p." PULL_COLUMNS
            ", NULL FROM sync_mappings AS m LEFT JOIN sync_pull AS p ON p.partner = m.partner"
            " AND p.remote = m.remote AND p.local = m.local"
            " WHERE m.dir = 1 AND (?1 IS NULL OR m.partner = ?1)"
            " UNION ALL SELECT m.partner, m.dir, m.remote, m.local, q.date_added, q.updated_us,"
            " q.batches, q.sent, q.failed, q.too_large, q.r_red, q.r_strict, q.r_group,"
            " q.r_ceiling, q.r_source FROM sync_mappings AS m LEFT JOIN sync_push AS q"
            " ON q.partner = m.partner AND q.local = m.local AND q.remote = m.remote"
            " WHERE m.dir = 2 AND (?1 IS NULL OR m.partner = ?1) ORDER BY 1, 2, 3, 4";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct rk_sync_mapping m;
    struct rk_pull_cursor pull;
    struct rk_push_cursor push;
    struct rk_sync_cursor_info info;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        rk_sqlite_sync_mapping_from_row(stmt, 1, &m);
        info.partner = rk_sqlite_access_text(stmt, 0);
        info.m = &m;
        info.pull = m.dir == RK_SYNC_PULL ? &pull : NULL;
        info.push = m.dir == RK_SYNC_PUSH ? &push : NULL;
        if (m.dir == RK_SYNC_PULL)
            pull_from_row(stmt, 4, &pull);
        else
            push_from_row(stmt, 4, &push);
        if ((rc = fn(&info, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading sync cursors", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- partner state ------------------------------------------------------------------------- */

int rk_store_sync_state_get(struct rk_store *st, const char *partner, struct rk_sync_state *out,
                            struct rk_err *err)
{
    static const char sql[] = "SELECT last_attempt_us, last_success_us, last_error_us,"
                              " last_error, failures FROM sync_state WHERE partner = ?1";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    memset(out, 0, sizeof(*out));
    if ((rc = rk_sqlite_sync_check("partner name", partner, RK_NAME_MAX, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    if ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        out->last_attempt_us = sqlite3_column_int64(stmt, 0);
        out->last_success_us = sqlite3_column_int64(stmt, 1);
        out->last_error_us = sqlite3_column_int64(stmt, 2);
        rk_strlcpy(out->last_error, rk_sqlite_access_text(stmt, 3), sizeof(out->last_error));
        out->failures = (uint32_t)sqlite3_column_int64(stmt, 4);
    } else if (src != SQLITE_DONE) {
        rc = rk_sqlite_fail(s, src, "reading a partner's sync state", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_sync_state_put(struct rk_store *st, const char *partner,
                            const struct rk_sync_state *state, struct rk_err *err)
{
    static const char sql[] = "INSERT OR REPLACE INTO sync_state (partner, last_attempt_us,"
                              " last_success_us, last_error_us, last_error, failures)"
                              " SELECT ?1, ?2, ?3, ?4, ?5, ?6"
                              " WHERE EXISTS (SELECT 1 FROM sync_partners WHERE name = ?1)";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_sync_check("partner name", partner, RK_NAME_MAX, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    sqlite3_bind_int64(stmt, 2, state->last_attempt_us);
    sqlite3_bind_int64(stmt, 3, state->last_success_us);
    sqlite3_bind_int64(stmt, 4, state->last_error_us);
    rk_sqlite_bind_str(stmt, 5, state->last_error);
    sqlite3_bind_int64(stmt, 6, state->failures);
    rc = rk_sqlite_step_done(s, stmt, "writing a partner's sync state", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- refusals ------------------------------------------------------------------------------ */

static int refusal_insert(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_sync_refusal *r,
                          struct rk_err *err)
{
    int rc;

    sqlite3_bind_int64(stmt, 1, r->at_us ? r->at_us : rk_time_now_us());
    rk_sqlite_bind_str(stmt, 2, r->partner);
    sqlite3_bind_int(stmt, 3, (int)r->dir);
    rk_sqlite_bind_str(stmt, 4, r->collection ? r->collection : "");
    rk_sqlite_bind_str(stmt, 5, r->object_id ? r->object_id : "");
    rk_sqlite_bind_str(stmt, 6, r->version ? r->version : "");
    rk_sqlite_bind_str(stmt, 7, r->reason ? r->reason : "");
    rc = rk_sqlite_step_done(s, stmt, "recording a refused object", err);
    sqlite3_reset(stmt);
    return rc;
}

/* Drop all but the most recent RK_SYNC_REFUSALS_KEEP of (partner, dir). */
static int refusals_trim(struct rk_sqlite *s, const char *partner, int dir, struct rk_err *err)
{
    static const char sql[] = "DELETE FROM sync_refusals WHERE partner = ?1 AND dir = ?2 AND"
                              " seq <= (SELECT seq FROM sync_refusals WHERE partner = ?1 AND"
                              " dir = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    sqlite3_bind_int(stmt, 2, dir);
    sqlite3_bind_int(stmt, 3, RK_SYNC_REFUSALS_KEEP);
    rc = rk_sqlite_step_done(s, stmt, "trimming refused objects", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_sync_refusals_insert(struct rk_sqlite *s, const struct rk_sync_refusal *r,
                                   size_t n, struct rk_err *err)
{
    static const char sql[] = "INSERT INTO sync_refusals (at_us, partner, dir, collection,"
                              " object_id, version, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((rc = rk_sqlite_sync_check("partner name", r[i].partner, RK_NAME_MAX, err)) != 0)
            return rc;
    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = refusal_insert(s, stmt, &r[i], err);
    rk_sqlite_release(s, stmt);
    for (size_t i = 0; i < n && rc == 0; i++) /* lists are usually of one partner and dir */
        if (i == 0 || strcmp(r[i].partner, r[i - 1].partner) != 0 || r[i].dir != r[i - 1].dir)
            rc = refusals_trim(s, r[i].partner, (int)r[i].dir, err);
    return rc;
}

int rk_store_sync_refusal_add(struct rk_store *st, const struct rk_sync_refusal *r, size_t n,
                              struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    if (n == 0)
        return 0;
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_sync_refusals_insert(s, r, n, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

int rk_store_sync_refusal_add_batch(struct rk_store_batch *b, const struct rk_sync_refusal *r,
                                    size_t n, struct rk_err *err)
{
    int rc;

    if (b->failed)
        return rk_err_set(err, RK_EINVAL, "the batch failed earlier and must be aborted");
    if ((rc = rk_sqlite_sync_refusals_insert(rk_sqlite_of(b->st), r, n, err)) != 0 &&
        rc != RK_EINVAL && rc != RK_ELIMIT)
        b->failed = 1;
    return rc;
}

/* Run sql (?1 a partner or NULL for all, ?2 the most recent rows to give, -1 for all) and hand
 * each row to row(stmt, ctx); a non-zero return of row stops and is returned. */
static int partner_rows(struct rk_store *st, const char *sql, size_t len, const char *partner,
                        size_t limit, int (*row)(sqlite3_stmt *stmt, void *ctx), void *ctx,
                        const char *what, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, len, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    sqlite3_bind_int64(stmt, 2, limit ? (int64_t)limit : -1);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW)
        if ((rc = row(stmt, ctx)) != 0)
            break;
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, what, err);
    rk_sqlite_release(s, stmt);
    return rc;
}

struct refusal_cb {
    int (*fn)(const struct rk_sync_refusal *r, void *ctx);
    void *ctx;
};

static int refusal_row(sqlite3_stmt *stmt, void *ctx)
{
    const struct refusal_cb *cb = ctx;
    struct rk_sync_refusal r;

    r.at_us = sqlite3_column_int64(stmt, 1);
    r.partner = rk_sqlite_access_text(stmt, 2);
    r.dir = (enum rk_sync_dir)sqlite3_column_int(stmt, 3);
    r.collection = rk_sqlite_access_text(stmt, 4);
    r.object_id = rk_sqlite_access_text(stmt, 5);
    r.version = rk_sqlite_access_text(stmt, 6);
    r.reason = rk_sqlite_access_text(stmt, 7);
    return cb->fn(&r, cb->ctx);
}

int rk_store_sync_refusal_list(struct rk_store *st, const char *partner, size_t limit,
                               int (*fn)(const struct rk_sync_refusal *r, void *ctx), void *ctx,
                               struct rk_err *err)
{
    static const char sql[] = "SELECT * FROM (SELECT seq, at_us, partner, dir, collection,"
                              " object_id, version, reason FROM sync_refusals WHERE ?1 IS NULL"
                              " OR partner = ?1 ORDER BY seq DESC LIMIT ?2) ORDER BY seq";
    struct refusal_cb cb = {fn, ctx};

    return partner_rows(st, sql, sizeof(sql) - 1, partner, limit, refusal_row, &cb,
                        "reading refused objects", err);
}

struct push_result_cb {
    int (*fn)(const struct rk_push_result *r, void *ctx);
    void *ctx;
};

static int push_result_row(sqlite3_stmt *stmt, void *ctx)
{
    const struct push_result_cb *cb = ctx;
    struct rk_push_result r;

    r.batch = rk_sqlite_access_text(stmt, 0);
    r.partner = rk_sqlite_access_text(stmt, 1);
    r.collection = rk_sqlite_access_text(stmt, 2);
    r.at_us = sqlite3_column_int64(stmt, 3);
    r.http_status = sqlite3_column_int(stmt, 4);
    r.status_id = rk_sqlite_access_text(stmt, 5);
    r.total = (uint64_t)sqlite3_column_int64(stmt, 6);
    r.success = (uint64_t)sqlite3_column_int64(stmt, 7);
    r.failure = (uint64_t)sqlite3_column_int64(stmt, 8);
    r.pending = (uint64_t)sqlite3_column_int64(stmt, 9);
    r.message = rk_sqlite_access_text(stmt, 10);
    return cb->fn(&r, cb->ctx);
}

int rk_store_push_result_list(struct rk_store *st, const char *partner, size_t limit,
                              int (*fn)(const struct rk_push_result *r, void *ctx), void *ctx,
                              struct rk_err *err)
{
    static const char sql[] = "SELECT * FROM (SELECT batch, partner, collection, at_us,"
                              " http_status, status_id, total, success, failure, pending, message"
                              " FROM sync_push_results WHERE ?1 IS NULL OR partner = ?1"
                              " ORDER BY at_us DESC LIMIT ?2) ORDER BY at_us";
    struct push_result_cb cb = {fn, ctx};

    return partner_rows(st, sql, sizeof(sql) - 1, partner, limit, push_result_row, &cb,
                        "reading push results", err);
}
