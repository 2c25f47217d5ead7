/* sqlite_audit.c - the append-only audit log: who read and wrote what, from where.
 *
 * The log lives in its own database file, DIR/audit.db, attached to every handle as "audit".
 * Reads are audited, so a busy TAXII server commits to the log several times a second. In the
 * store's database each of those commits would make every other handle drop its page cache and
 * remap the file (SQLite resets a connection's cache whenever the database changed): under a
 * load of GET pages that cost 15 % of the throughput and doubled the p99 latency. In its own
 * file a commit to the log leaves the objects' pages where they are.
 *
 * The egress log of what was sent to partners (sqlite_sync_egress.c) is there too, for the
 * same reason: a partner's sync account writes it with every page it reads.
 *
 * audit.db has its own schema version (PRAGMA user_version). Stores from before the move keep
 * their logs in main.audit_log and main.egress_log; step 2 of the "audit" component and step 2
 * of "sync" copy them into audit.db, and the old tables are dropped once that copy has
 * committed (rk_sqlite_audit_tidy). */
#include "store/sqlite_access.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "renkei/store_access.h"

/* audit.db's schema: version 1 held the audit log, 2 adds the egress log. Every statement is
 * IF NOT EXISTS, so one text brings a file of any earlier version up to date. */
static const char audit_file_schema[] =
        "CREATE TABLE IF NOT EXISTS audit.audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " at_us INTEGER NOT NULL, user TEXT NOT NULL, org TEXT NOT NULL, address TEXT NOT NULL,"
        " action TEXT NOT NULL, endpoint TEXT NOT NULL, collection TEXT NOT NULL,"
        " detail TEXT NOT NULL, status INTEGER NOT NULL, count INTEGER NOT NULL);"
        "CREATE INDEX IF NOT EXISTS audit.audit_log_at ON audit_log (at_us);"
        "CREATE INDEX IF NOT EXISTS audit.audit_log_user ON audit_log (user, seq);"
        /* append-only: nothing in renkei updates or deletes, and the table refuses it */
        "CREATE TRIGGER IF NOT EXISTS audit.audit_log_no_update BEFORE UPDATE ON audit_log BEGIN"
        " SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
        "CREATE TRIGGER IF NOT EXISTS audit.audit_log_no_delete BEFORE DELETE ON audit_log BEGIN"
        " SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
        /* the egress log (sqlite_sync_egress.c): seq is assigned by the appender under the
         * write lock, so it is part of each entry's hash. No index on object_id: ids are
         * random, so every page of entries would rewrite index pages all over the file */
        "CREATE TABLE IF NOT EXISTS audit.egress_log (seq INTEGER PRIMARY KEY,"
        " at_us INTEGER NOT NULL, partner TEXT NOT NULL, collection TEXT NOT NULL,"
        " object_id TEXT NOT NULL, version TEXT NOT NULL, sha256 BLOB NOT NULL,"
        " batch TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB NOT NULL);"
        "CREATE INDEX IF NOT EXISTS audit.egress_log_partner ON egress_log (partner, seq);"
        "CREATE TRIGGER IF NOT EXISTS audit.egress_log_no_update BEFORE UPDATE ON egress_log"
        " BEGIN SELECT RAISE(ABORT, 'the egress log is append-only'); END;"
        "CREATE TRIGGER IF NOT EXISTS audit.egress_log_no_delete BEFORE DELETE ON egress_log"
        " BEGIN SELECT RAISE(ABORT, 'the egress log is append-only'); END;"
        "PRAGMA audit.user_version = 2;";

static const struct rk_sqlite_step audit_steps[] = {
    {1, "audit log",
     "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_us INTEGER NOT NULL,"
     " user TEXT NOT NULL, org TEXT NOT NULL, address TEXT NOT NULL, action TEXT NOT NULL,"
     " endpoint TEXT NOT NULL, collection TEXT NOT NULL, detail TEXT NOT NULL,"
     " status INTEGER NOT NULL, count INTEGER NOT NULL);"
     "CREATE INDEX audit_log_at ON audit_log (at_us);"
     "CREATE INDEX audit_log_user ON audit_log (user, seq);"
     /* append-only: nothing in renkei updates or deletes, and the table refuses it */
     "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN"
     " SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
     "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN"
     " SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
     NULL},
    {2, "audit log in its own file (audit.db)",
     "INSERT OR IGNORE INTO audit.audit_log SELECT seq, at_us, user, org, address, action,"
     " endpoint, collection, detail, status, count FROM main.audit_log;",
     NULL},
};

const struct rk_sqlite_component rk_sqlite_audit_schema = {
    "audit",
    audit_steps,
    sizeof(audit_steps) / sizeof(audit_steps[0]),
};

/* Create DIR/audit.db (mode 0600) unless it exists. Never open and close an existing one:
 * closing any descriptor of a file drops every POSIX lock this process holds on it, including
 * the shared lock another handle's connection keeps, and a process that sees no lock believes
 * it is the last user and removes the WAL and its index from under the others. */
static int create_file(const char *path, struct rk_err *err)
{
    struct stat sb;

    if (stat(path, &sb) == 0)
        return 0;
    if (errno != ENOENT)
        return rk_err_set(err, RK_EIO, "%s: %s", path, strerror(errno));
    return rk_sqlite_create_private(path, err);
}

static int attach_file(struct rk_sqlite *s, const char *path, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int src = sqlite3_prepare_v2(s->db, "ATTACH DATABASE ?1 AS audit", -1, &stmt, NULL);

    if (src == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
        src = sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (src != SQLITE_DONE && src != SQLITE_OK)
        return rk_sqlite_fail(s, src, "attaching the audit log (audit.db)", err);
    return 0;
}

/* audit.db in WAL mode with its tables (written once; later opens find user_version 2). */
static int prepare_file(struct rk_sqlite *s, struct rk_err *err)
{
    int64_t version = 0;
    int rc;

    if ((rc = rk_sqlite_exec(s, "PRAGMA audit.synchronous=NORMAL", err)) != 0 ||
        (rc = rk_sqlite_int(s, "PRAGMA audit.user_version", &version, err)) != 0 || version >= 2)
        return rc;
    if ((rc = rk_sqlite_exec(s, "PRAGMA audit.journal_mode=WAL", err)) != 0 ||
        (rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_exec(s, audit_file_schema, err)) != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

int rk_sqlite_audit_attach(struct rk_sqlite *s, const char *dir, struct rk_err *err)
{
    char path[PATH_MAX];
    int rc;

    if ((size_t)snprintf(path, sizeof(path), "%s/audit.db", dir) >= sizeof(path))
        return rk_err_set(err, RK_ELIMIT, "%s: data directory path too long", dir);
    if (s->base.flags & RK_STORE_READONLY) {
        if (access(path, F_OK) != 0) /* an older store: its log is still main.audit_log */
            return 0;
    } else if ((rc = create_file(path, err)) != 0) {
        return rc;
    }
    if ((rc = attach_file(s, path, err)) != 0)
        return rc;
    return (s->base.flags & RK_STORE_READONLY) ? 0 : prepare_file(s, err);
}

int rk_sqlite_audit_tidy(struct rk_sqlite *s, struct rk_err *err)
{
    int64_t old = 0;
    int rc;

    if (s->base.flags & RK_STORE_READONLY)
        return 0;
    if ((rc = rk_sqlite_int(s,
                            "SELECT count(*) FROM main.sqlite_schema WHERE type = 'table' AND "
                            "name IN ('audit_log', 'egress_log')",
                            &old, err)) != 0 ||
        old == 0)
        return rc;
    /* the copies committed with the schema steps: the old tables go in a transaction of their
     * own */
    return rk_sqlite_exec(s, "DROP TABLE IF EXISTS main.audit_log;"
                             "DROP TABLE IF EXISTS main.egress_log;",
                          err);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static int insert_record(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_audit_record *r,
                         struct rk_err *err)
{
    int rc;

    sqlite3_bind_int64(stmt, 1, r->at_us);
    rk_sqlite_bind_str(stmt, 2, nz(r->user));
    rk_sqlite_bind_str(stmt, 3, nz(r->org));
    rk_sqlite_bind_str(stmt, 4, nz(r->address));
    rk_sqlite_bind_str(stmt, 5, nz(r->action));
    rk_sqlite_bind_str(stmt, 6, nz(r->endpoint));
    rk_sqlite_bind_str(stmt, 7, nz(r->collection));
    rk_sqlite_bind_str(stmt, 8, nz(r->detail));
    sqlite3_bind_int(stmt, 9, r->status);
    sqlite3_bind_int64(stmt, 10, r->count);
    rc = rk_sqlite_step_done(s, stmt, "appending to the audit log", err);
    sqlite3_reset(stmt);
    return rc;
}

int rk_store_audit_append(struct rk_store *st, const struct rk_audit_record *r, size_t n,
                          struct rk_err *err)
{
    const char *sql = "INSERT INTO audit.audit_log (at_us, user, org, address, action, endpoint,"
                      " collection, detail, status, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                      " ?8, ?9, ?10)";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (n == 0)
        return 0;
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        goto out;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = insert_record(s, stmt, &r[i], err);
    rk_sqlite_release(s, stmt);
out:
    if (rc != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

/* The WHERE clause for f, with parameters ?1..?5 always bound (NULL/0 mean "any"). */
#define AUDIT_WHERE                                                                                \
    " WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR action = ?2)"                            \
    " AND (?3 IS NULL OR collection = ?3) AND at_us >= ?4 AND (?5 = 0 OR at_us <= ?5)"

static void bind_filter(sqlite3_stmt *stmt, const struct rk_audit_filter *f)
{
    rk_sqlite_bind_str(stmt, 1, f->user);
    rk_sqlite_bind_str(stmt, 2, f->action);
    rk_sqlite_bind_str(stmt, 3, f->collection);
    sqlite3_bind_int64(stmt, 4, f->since_us);
    sqlite3_bind_int64(stmt, 5, f->until_us);
    sqlite3_bind_int64(stmt, 6, f->limit ? (sqlite3_int64)f->limit : -1);
}

static void record_from_row(sqlite3_stmt *stmt, struct rk_audit_record *r)
{
    r->seq = sqlite3_column_int64(stmt, 0);
    r->at_us = sqlite3_column_int64(stmt, 1);
    r->user = rk_sqlite_access_text(stmt, 2);
    r->org = rk_sqlite_access_text(stmt, 3);
    r->address = rk_sqlite_access_text(stmt, 4);
    r->action = rk_sqlite_access_text(stmt, 5);
    r->endpoint = rk_sqlite_access_text(stmt, 6);
    r->collection = rk_sqlite_access_text(stmt, 7);
    r->detail = rk_sqlite_access_text(stmt, 8);
    r->status = sqlite3_column_int(stmt, 9);
    r->count = sqlite3_column_int64(stmt, 10);
}

int rk_store_audit_query(struct rk_store *st, const struct rk_audit_filter *f,
                         int (*fn)(const struct rk_audit_record *r, void *ctx), void *ctx,
                         struct rk_err *err)
{
    /* the most recent `limit` matches, delivered oldest first */
    static const char sql[] =
            "SELECT * FROM (SELECT seq, at_us, user, org, address, action, endpoint, collection,"
            " detail, status, count FROM audit.audit_log" AUDIT_WHERE " ORDER BY seq DESC LIMIT ?6)"
            " ORDER BY seq";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct rk_audit_record r;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    bind_filter(stmt, f);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        record_from_row(stmt, &r);
        if ((rc = fn(&r, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading the audit log", err);
    rk_sqlite_release(s, stmt);
    return rc;
}
