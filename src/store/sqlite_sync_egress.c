/* sqlite_sync_egress.c - the egress log: one entry per object sent to a partner, each hashed
 * with the one before it, in a table that refuses UPDATE and DELETE.
 *
 * hash = SHA-256(prev || seq || at_us || partner || collection || object_id || version ||
 *                sha256 || batch), integers as 8 bytes big-endian, strings as a 4-byte
 * big-endian length and their bytes. The first entry's prev is 32 zero bytes. */
#include "store/sqlite_sync.h"

#include <string.h>

#include "util/digest.h"
#include "util/rktime.h"

#define TEXT_MAX 1024 /* any string of an entry */

static void put_u64(struct rk_sha256 *h, uint64_t v)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    rk_sha256_update(h, b, sizeof(b));
}

static void put_text(struct rk_sha256 *h, const char *s)
{
    size_t len = strlen(s);
    uint8_t b[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                    (uint8_t)len};

    rk_sha256_update(h, b, sizeof(b));
    rk_sha256_update(h, s, len);
}

/* The chain hash of e (its prev must be set). */
static void entry_hash(const struct rk_egress_entry *e, uint8_t out[RK_EGRESS_HASH_LEN])
{
    struct rk_sha256 h;

    rk_sha256_init(&h);
    rk_sha256_update(&h, e->prev, RK_EGRESS_HASH_LEN);
    put_u64(&h, (uint64_t)e->seq);
    put_u64(&h, (uint64_t)e->at_us);
    put_text(&h, e->partner);
    put_text(&h, e->collection);
    put_text(&h, e->object_id);
    put_text(&h, e->version);
    rk_sha256_update(&h, e->sha256, RK_EGRESS_HASH_LEN);
    put_text(&h, e->batch);
    rk_sha256_final(&h, out);
}

static int check_entry(const struct rk_egress_entry *e, struct rk_err *err)
{
    const char *const fields[] = {e->partner, e->collection, e->object_id, e->version, e->batch};
    static const char *const names[] = {"partner", "collection", "object id", "version", "batch"};
    int rc;

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if ((rc = rk_sqlite_sync_check(names[i], fields[i], TEXT_MAX, err)) != 0)
            return rc;
    return 0;
}

/* The seq and hash of the last entry (0 and zeros for an empty log). */
static int read_head(struct rk_sqlite *s, int64_t *seq, uint8_t hash[RK_EGRESS_HASH_LEN],
                     struct rk_err *err)
{
    static const char sql[] = "SELECT seq, hash FROM audit.egress_log ORDER BY seq DESC LIMIT 1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *seq = 0;
    memset(hash, 0, RK_EGRESS_HASH_LEN);
    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    if ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(stmt, 0);
        if (sqlite3_column_bytes(stmt, 1) == RK_EGRESS_HASH_LEN)
            memcpy(hash, sqlite3_column_blob(stmt, 1), RK_EGRESS_HASH_LEN);
    } else if (src != SQLITE_DONE) {
        rc = rk_sqlite_fail(s, src, "reading the egress log", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

static int insert_entry(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_egress_entry *e,
                        struct rk_err *err)
{
    int rc;

    sqlite3_bind_int64(stmt, 1, e->seq);
    sqlite3_bind_int64(stmt, 2, e->at_us);
    rk_sqlite_bind_str(stmt, 3, e->partner);
    rk_sqlite_bind_str(stmt, 4, e->collection);
    rk_sqlite_bind_str(stmt, 5, e->object_id);
    rk_sqlite_bind_str(stmt, 6, e->version);
    sqlite3_bind_blob(stmt, 7, e->sha256, RK_EGRESS_HASH_LEN, SQLITE_STATIC);
    rk_sqlite_bind_str(stmt, 8, e->batch);
    sqlite3_bind_blob(stmt, 9, e->prev, RK_EGRESS_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 10, e->hash, RK_EGRESS_HASH_LEN, SQLITE_STATIC);
    rc = rk_sqlite_step_done(s, stmt, "appending to the egress log", err);
    sqlite3_reset(stmt);
    return rc;
}

static int append_locked(struct rk_sqlite *s, struct rk_egress_entry *e, size_t n,
                         struct rk_err *err)
{
    static const char sql[] = "INSERT INTO audit.egress_log (seq, at_us, partner, collection,"
                              " object_id, version, sha256, batch, prev, hash) VALUES (?1, ?2,"
                              " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    uint8_t prev[RK_EGRESS_HASH_LEN];
    sqlite3_stmt *stmt = NULL;
    int64_t seq, now = rk_time_now_us();
    int rc;

    if ((rc = read_head(s, &seq, prev, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        e[i].seq = ++seq;
        e[i].at_us = now;
        memcpy(e[i].prev, prev, RK_EGRESS_HASH_LEN);
        entry_hash(&e[i], e[i].hash);
        memcpy(prev, e[i].hash, RK_EGRESS_HASH_LEN);
        rc = insert_entry(s, stmt, &e[i], err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_egress_append(struct rk_store *st, struct rk_egress_entry *e, size_t n,
                           struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    for (size_t i = 0; i < n; i++)
        if ((rc = check_entry(&e[i], err)) != 0)
            return rc;
    if (n == 0)
        return 0;
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = append_locked(s, e, n, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

/* ---- reading ------------------------------------------------------------------------------- */

#define ENTRY_COLUMNS "seq, at_us, partner, collection, object_id, version, sha256, batch, prev, hash"

static void blob32(sqlite3_stmt *stmt, int col, uint8_t out[RK_EGRESS_HASH_LEN])
{
    if (sqlite3_column_bytes(stmt, col) == RK_EGRESS_HASH_LEN)
        memcpy(out, sqlite3_column_blob(stmt, col), RK_EGRESS_HASH_LEN);
    else /* not a hash: make it compare unequal to any real one */
        memset(out, 0xff, RK_EGRESS_HASH_LEN);
}

static void entry_from_row(sqlite3_stmt *stmt, struct rk_egress_entry *e)
{
    e->seq = sqlite3_column_int64(stmt, 0);
    e->at_us = sqlite3_column_int64(stmt, 1);
    e->partner = rk_sqlite_access_text(stmt, 2);
    e->collection = rk_sqlite_access_text(stmt, 3);
    e->object_id = rk_sqlite_access_text(stmt, 4);
    e->version = rk_sqlite_access_text(stmt, 5);
    blob32(stmt, 6, e->sha256);
    e->batch = rk_sqlite_access_text(stmt, 7);
    blob32(stmt, 8, e->prev);
    blob32(stmt, 9, e->hash);
}

int rk_store_egress_query(struct rk_store *st, const struct rk_egress_filter *f,
                          int (*fn)(const struct rk_egress_entry *e, void *ctx), void *ctx,
                          struct rk_err *err)
{
    static const char sql[] = "SELECT * FROM (SELECT " ENTRY_COLUMNS " FROM audit.egress_log"
                              " WHERE (?1 IS NULL OR partner = ?1) AND (?2 IS NULL OR"
                              " object_id = ?2) AND at_us >= ?3 AND (?4 = 0 OR at_us <= ?4)"
                              " ORDER BY seq DESC LIMIT ?5) ORDER BY seq";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct rk_egress_entry e;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, f->partner);
    rk_sqlite_bind_str(stmt, 2, f->object_id);
    sqlite3_bind_int64(stmt, 3, f->since_us);
    sqlite3_bind_int64(stmt, 4, f->until_us);
    sqlite3_bind_int64(stmt, 5, f->limit ? (int64_t)f->limit : -1);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        entry_from_row(stmt, &e);
        if ((rc = fn(&e, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading the egress log", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* ---- verifying ----------------------------------------------------------------------------- */

static void note_break(struct rk_egress_check *out, int64_t seq, const char *problem)
{
    if (out->breaks++ == 0) {
        out->first_bad_seq = seq;
        snprintf(out->problem, sizeof(out->problem), "%s", problem);
    }
}

/* Check one entry against the previous one (prev_seq, prev_hash). */
static void check_link(struct rk_egress_check *out, const struct rk_egress_entry *e,
                       int64_t prev_seq, const uint8_t *prev_hash)
{
    uint8_t want[RK_EGRESS_HASH_LEN];
    char msg[200];

    if (e->seq != prev_seq + 1) {
        snprintf(msg, sizeof(msg), "entries %lld to %lld are missing", (long long)prev_seq + 1,
                 (long long)e->seq - 1);
        note_break(out, e->seq, msg);
    } else if (memcmp(e->prev, prev_hash, RK_EGRESS_HASH_LEN) != 0) {
        note_break(out, e->seq, "its link to the previous entry does not match that entry's "
                                "hash (an entry before it was changed or replaced)");
    }
    entry_hash(e, want);
    if (memcmp(want, e->hash, RK_EGRESS_HASH_LEN) != 0)
        note_break(out, e->seq, "its content does not match its hash (the entry was changed)");
}

int rk_store_egress_verify(struct rk_store *st, struct rk_egress_check *out, struct rk_err *err)
{
    static const char sql[] = "SELECT " ENTRY_COLUMNS " FROM audit.egress_log ORDER BY seq";
    struct rk_sqlite *s = rk_sqlite_of(st);
    uint8_t prev[RK_EGRESS_HASH_LEN] = {0};
    sqlite3_stmt *stmt = NULL;
    struct rk_egress_entry e;
    int64_t prev_seq = 0;
    int rc, src;

    memset(out, 0, sizeof(*out));
    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        entry_from_row(stmt, &e);
        check_link(out, &e, prev_seq, prev);
        /* go on from the stored hash: one changed entry is one break, not a cascade */
        memcpy(prev, e.hash, RK_EGRESS_HASH_LEN);
        prev_seq = e.seq;
        out->entries++;
    }
    if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "reading the egress log", err);
    rk_sqlite_release(s, stmt);
    out->head_seq = prev_seq;
    memcpy(out->head, prev, RK_EGRESS_HASH_LEN);
    return rc;
}
