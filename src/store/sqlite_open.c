/* sqlite_open.c - the SQLite backend: open, configure, close; statement cache; error mapping. */
#include "store/sqlite.h"
#include "store/backend_sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "renkei/log.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/map.h"

/* How long a handle waits for another process's lock (see wait_for_lock). */
static int lock_wait_ms = RK_SQLITE_BUSY_MS;

static void sqlite_close(struct rk_store *st);

static int read_begin(struct rk_store *st, struct rk_err *err);
static void read_end(struct rk_store *st);

static const struct rk_store_backend sqlite_ops = {
        .name = "sqlite",
        .close = sqlite_close,
        .collection_add = rk_sqlite_collection_add,
        .collection_get = rk_sqlite_collection_get,
        .collection_list = rk_sqlite_collection_list,
        .collection_remove = rk_sqlite_collection_remove,
        .batch_begin = rk_sqlite_batch_begin,
        .batch_prefetch = rk_sqlite_batch_prefetch,
        .batch_put = rk_sqlite_batch_put,
        .batch_commit = rk_sqlite_batch_commit,
        .batch_abort = rk_sqlite_batch_abort,
        .batch_may_hold = rk_sqlite_batch_may_hold,
        .query = rk_sqlite_query,
        .count = rk_sqlite_count,
        .remove = rk_sqlite_remove,
        .stats = rk_sqlite_stats,
        .count_by_type = rk_sqlite_count_by_type,
        .conflict_list = rk_sqlite_conflict_list,
        .setting_get = rk_sqlite_setting_get,
        .setting_set = rk_sqlite_setting_set,
        .check = rk_sqlite_check,
        .read_begin = read_begin,
        .read_end = read_end,
        .sensor = &rk_sqlite_sensor_ops,
};

struct rk_sqlite *rk_sqlite_of(struct rk_store *st)
{
    return (struct rk_sqlite *)st;
}

/* ---- errors -------------------------------------------------------------------------------- */

int rk_sqlite_fail(struct rk_sqlite *s, int sqlite_rc, const char *what, struct rk_err *err)
{
    const char *msg = sqlite3_errstr(sqlite_rc);
    int code;

    if (s && s->db && (sqlite3_errcode(s->db) & 0xff) == (sqlite_rc & 0xff))
        msg = sqlite3_errmsg(s->db);
    if (sqlite_rc == SQLITE_READONLY_ROLLBACK)
        return rk_err_set(err, RK_EIO,
                          "%s: an interrupted exclusive import left changes to undo, which needs "
                          "write access: run any renkei command on this node as its owner",
                          what);
    if ((sqlite_rc & 0xff) == SQLITE_BUSY)
        return rk_err_set(err, RK_EIO,
                          "%s: %s: another process held the store for %d s (an import with "
                          "--exclusive holds it until it ends)",
                          what, msg, lock_wait_ms / 1000);
    switch (sqlite_rc & 0xff) {
    case SQLITE_NOMEM:
        code = RK_ENOMEM;
        break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        code = RK_EFORMAT;
        break;
    default:
        code = RK_EIO;
        break;
    }
    return rk_err_set(err, code, "%s: %s", what, msg);
}

/* ---- statement cache ----------------------------------------------------------------------- */

static struct rk_sqlite_cached *cache_find(struct rk_sqlite *s, const char *sql, size_t len,
                                           uint64_t hash)
{
    for (size_t i = 0; i < s->n_cache; i++) {
        struct rk_sqlite_cached *c = &s->cache[i];

        if (c->hash == hash && c->len == len && memcmp(c->sql, sql, len) == 0)
            return c;
    }
    return NULL;
}

/* A free cache slot: a new one, or the least recently used idle one (finalised). */
static struct rk_sqlite_cached *cache_slot(struct rk_sqlite *s)
{
    struct rk_sqlite_cached *victim = NULL;

    if (s->n_cache < RK_SQLITE_CACHE_MAX)
        return &s->cache[s->n_cache++];
    for (size_t i = 0; i < s->n_cache; i++) {
        if (!s->cache[i].busy && (!victim || s->cache[i].used < victim->used))
            victim = &s->cache[i];
    }
    if (victim) {
        sqlite3_finalize(victim->stmt);
        rk_free(victim->sql);
        memset(victim, 0, sizeof(*victim));
    }
    return victim;
}

static int prepare(struct rk_sqlite *s, const char *sql, size_t len, unsigned flags,
                   sqlite3_stmt **out, struct rk_err *err)
{
    int src;

    if (len > INT_MAX)
        return rk_err_set(err, RK_ELIMIT, "SQL statement too long");
    src = sqlite3_prepare_v3(s->db, sql, (int)len, flags, out, NULL);
    if (src != SQLITE_OK) {
        *out = NULL;
        return rk_sqlite_fail(s, src, "preparing a statement", err);
    }
    return 0;
}

int rk_sqlite_acquire(struct rk_sqlite *s, const char *sql, size_t len, sqlite3_stmt **out,
                      struct rk_err *err)
{
    uint64_t hash = rk_hash_bytes(sql, len);
    struct rk_sqlite_cached *c = cache_find(s, sql, len, hash);
    sqlite3_stmt *stmt = NULL;
    char *copy;
    int rc;

    *out = NULL;
    if (c && c->busy)
        return prepare(s, sql, len, 0, out, err); /* nested use: a private statement */
    if (!c) {
        if ((rc = prepare(s, sql, len, SQLITE_PREPARE_PERSISTENT, &stmt, err)) != 0)
            return rc;
        if (!(copy = rk_strndup(sql, len))) {
            sqlite3_finalize(stmt);
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        }
        if (!(c = cache_slot(s))) { /* every slot busy: private, finalised on release */
            rk_free(copy);
            *out = stmt;
            return 0;
        }
        c->sql = copy;
        c->len = len;
        c->hash = hash;
        c->stmt = stmt;
    }
    c->busy = 1;
    c->used = ++s->tick;
    *out = c->stmt;
    return 0;
}

void rk_sqlite_release(struct rk_sqlite *s, sqlite3_stmt *stmt)
{
    rk_sqlite_stop_asking(s); /* any wait of the statement is over */
    if (!stmt)
        return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < s->n_cache; i++) {
        if (s->cache[i].stmt == stmt) {
            s->cache[i].busy = 0;
            return;
        }
    }
    sqlite3_finalize(stmt);
}

/* ---- small helpers --------------------------------------------------------------------------- */

int rk_sqlite_exec(struct rk_sqlite *s, const char *sql, struct rk_err *err)
{
    int src = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

    rk_sqlite_stop_asking(s);
    if (src == SQLITE_OK)
        return 0;
    return rk_sqlite_fail(s, src, "running SQL", err);
}

int rk_sqlite_step_done(struct rk_sqlite *s, sqlite3_stmt *stmt, const char *what,
                        struct rk_err *err)
{
    int src = sqlite3_step(stmt);

    if (src == SQLITE_DONE || src == SQLITE_ROW)
        return 0;
    return rk_sqlite_fail(s, src, what, err);
}

int rk_sqlite_int(struct rk_sqlite *s, const char *sql, int64_t *out, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *out = 0;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, sql, err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int run_cached(struct rk_sqlite *s, const char *sql, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rc = rk_sqlite_step_done(s, stmt, sql, err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_sqlite_begin(struct rk_sqlite *s, struct rk_err *err)
{
    return run_cached(s, "BEGIN IMMEDIATE", err);
}

static void share_when_asked(struct rk_sqlite *s);

int rk_sqlite_commit(struct rk_sqlite *s, struct rk_err *err)
{
    int rc = run_cached(s, "COMMIT", err);

    if (rc != 0)
        rk_sqlite_rollback(s);
    else if (s->yields)
        share_when_asked(s);
    return rc;
}

void rk_sqlite_rollback(struct rk_sqlite *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A read snapshot is a deferred transaction: it takes its read lock at the first read and
 * drops it at COMMIT, so the reads between share one lock and one view of the log. */
int rk_sqlite_read_begin(struct rk_sqlite *s, struct rk_err *err)
{
    return run_cached(s, "BEGIN", err);
}

void rk_sqlite_read_end(struct rk_sqlite *s)
{
    struct rk_err err;

    if (run_cached(s, "COMMIT", &err) != 0) {
        rk_log_warn("store %s: ending a read snapshot: %s", s->path, err.message);
        rk_sqlite_rollback(s);
    }
}

static int read_begin(struct rk_store *st, struct rk_err *err)
{
    return rk_sqlite_read_begin(rk_sqlite_of(st), err);
}

static void read_end(struct rk_store *st)
{
    rk_sqlite_read_end(rk_sqlite_of(st));
}

int rk_sqlite_bind_str(sqlite3_stmt *stmt, int i, const char *s)
{
    if (!s)
        return sqlite3_bind_null(stmt, i);
    return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* ---- opening --------------------------------------------------------------------------------- */

/* mkdir -p with mode 0700 for what it creates. */
static int make_dir(const char *dir, struct rk_err *err)
{
    char path[PATH_MAX];
    struct stat sb;
    size_t n = strlen(dir);

    if (n >= sizeof(path))
        return rk_err_set(err, RK_ELIMIT, "data directory path too long");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return rk_err_set(err, RK_EIO, "%s: cannot create directory: %s", path,
                              strerror(errno));
        path[i] = i < n ? '/' : '\0';
    }
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return rk_err_set(err, RK_EIO, "%s: not a directory", dir);
    return 0;
}

/* Check the directory and database file exist, creating them (mode 0700 / 0600) if asked. */
static int prepare_files(const char *dir, const char *path, unsigned flags, struct rk_err *err)
{
    struct stat sb;

    if (flags & RK_STORE_CREATE) {
        int rc = make_dir(dir, err);

        if (rc != 0)
            return rc;
    } else if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        return rk_err_set(err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO,
                          "%s: no store here (no such directory)", dir);
    }
    if (stat(path, &sb) == 0)
        return S_ISREG(sb.st_mode) ? 0 : rk_err_set(err, RK_EFORMAT, "%s: not a file", path);
    if (errno != ENOENT)
        return rk_err_set(err, RK_EIO, "%s: %s", path, strerror(errno));
    if (!(flags & RK_STORE_CREATE))
        return rk_err_set(err, RK_ENOTFOUND, "%s: no store here", path);
    return rk_sqlite_create_private(path, err);
}

int rk_store_checkpoint_every(struct rk_store *st, int pages, struct rk_err *err)
{
    (void)err;
    rk_sqlite_of(st)->checkpoint_every = pages;
    return 0;
}

int rk_store_log_pages(struct rk_store *st)
{
    return rk_sqlite_of(st)->log_pages;
}

/* After every commit (SQLite's wal_hook): note the size of main's log, and checkpoint a log
 * (main's or an attached database's) that reached checkpoint_every pages, as SQLite's own
 * autocheckpoint hook, which this one replaces, would. */
static int wal_hook(void *arg, sqlite3 *db, const char *schema, int pages)
{
    struct rk_sqlite *s = arg;

    if (strcmp(schema, "main") == 0)
        s->log_pages = pages;
    if (s->checkpoint_every > 0 && pages >= s->checkpoint_every) {
        sqlite3_wal_checkpoint(db, schema); /* passive: a busy or failed one waits for the next */
        if (strcmp(schema, "main") == 0)
            s->log_pages = 0;
    }
    return SQLITE_OK;
}

int rk_store_checkpoint(struct rk_store *st, int64_t *copied_out, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int log = 0, copied = 0;
    int src = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);

    if (copied_out)
        *copied_out = src == SQLITE_OK && copied > 0 ? copied : 0;
    if (src == SQLITE_OK || src == SQLITE_BUSY) /* BUSY: another checkpoint is running */
        return 0;
    return rk_sqlite_fail(s, src, "checkpointing", err);
}

int rk_store_map_all(struct rk_store *st, struct rk_err *err)
{
    /* SQLite's largest mapping (SQLITE_MAX_MMAP_SIZE in Debian's build) */
    return rk_sqlite_exec(rk_sqlite_of(st), "PRAGMA mmap_size=2147418112", err);
}

int rk_sqlite_create_private(const char *path, struct rk_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0 && errno != EEXIST)
        return rk_err_set(err, RK_EIO, "%s: cannot create: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    return 0;
}

/* A new database gets its page size, application id and WAL before anything else. */
static int init_new(struct rk_sqlite *s, struct rk_err *err)
{
    char sql[128];

    if (s->base.flags & RK_STORE_READONLY)
        return rk_err_set(err, RK_EFORMAT, "empty database, not a renkei store");
    snprintf(sql, sizeof(sql),
             "PRAGMA page_size=8192; PRAGMA application_id=%d;"
             " PRAGMA journal_mode=WAL;",
             RK_SQLITE_APPLICATION_ID);
    return rk_sqlite_exec(s, sql, err);
}

/* Refuse files that are not renkei stores; initialise an empty one. */
static int check_header(struct rk_sqlite *s, struct rk_err *err)
{
    int64_t app = 0, n_schema = 0;
    int rc;

    if ((rc = rk_sqlite_int(s, "PRAGMA application_id", &app, err)) != 0) {
        if (rc == RK_EFORMAT)
            rk_err_prefix(err, "not a renkei store: ");
        return rc;
    }
    if (app == RK_SQLITE_APPLICATION_ID)
        return 0;
    if (app != 0)
        return rk_err_set(err, RK_EFORMAT,
                          "not a renkei store: a SQLite database of another application "
                          "(application_id 0x%08llx)",
                          (unsigned long long)(uint32_t)app);
    if ((rc = rk_sqlite_int(s, "SELECT count(*) FROM sqlite_schema", &n_schema, err)) != 0)
        return rc;
    if (n_schema != 0)
        return rk_err_set(err, RK_EFORMAT,
                          "not a renkei store: a SQLite database of another application");
    return init_new(s, err);
}

static int configure(struct rk_sqlite *s, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    const char *mode;
    int rc, src;

    if (s->base.flags & RK_STORE_READONLY)
        return rk_sqlite_exec(s,
                              "PRAGMA query_only=1; PRAGMA cache_size=-32768;"
                              "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=2147418112;",
                              err);
    if ((rc = rk_sqlite_exec(s,
                             "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                             "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;",
                             err)) != 0)
        return rc;
    s->checkpoint_every = RK_SQLITE_CHECKPOINT_PAGES;
    sqlite3_wal_hook(s->db, wal_hook, s);
    if ((rc = prepare(s, "PRAGMA journal_mode=WAL", 23, 0, &stmt, err)) != 0)
        return rc;
    src = sqlite3_step(stmt);
    mode = src == SQLITE_ROW ? (const char *)sqlite3_column_text(stmt, 0) : NULL;
    if (src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "switching to WAL", err);
    else if (!mode || strcmp(mode, "wal") != 0)
        rc = rk_err_set(err, RK_EIO, "the database cannot use WAL (journal mode %s)",
                        mode ? mode : "unknown");
    sqlite3_finalize(stmt);
    return rc;
}

/* ---- a store taken alone (RK_STORE_EXCLUSIVE) ----------------------------------------------- */

/* The journal mode sql (a journal_mode PRAGMA) answers, lower case, into mode ("" when none);
 * the SQLite result code. */
static int journal_mode(struct rk_sqlite *s, const char *sql, char *mode, size_t cap)
{
    sqlite3_stmt *stmt = NULL;
    const unsigned char *text;
    int src = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);

    mode[0] = '\0';
    if (src == SQLITE_OK && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        if ((text = sqlite3_column_text(stmt, 0)))
            snprintf(mode, cap, "%s", (const char *)text);
        src = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return src;
}

/* ---- waiting for another process's lock ------------------------------------------------------ */

static int64_t monotonic_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* SQLite's busy handler: retry until lock_wait_ms have passed, as sqlite3_busy_timeout does,
 * and after a second say once what the process waits for, since a command that waits 30 s in
 * silence looks hung. count is the number of earlier calls for this lock. */
static int wait_for_lock(void *ctx, int count)
{
    static const int delays_ms[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    struct rk_sqlite *s = ctx;
    int64_t now = monotonic_ms(), delay;

    if (count == 0) {
        s->wait_started_ms = now;
        s->wait_told = 0;
        rk_sqlite_ask_for_store(s); /* a handle alone until asked gives the store back */
    }
    if (now - s->wait_started_ms >= lock_wait_ms)
        return 0;
    if (!s->wait_told && now - s->wait_started_ms >= 1000) {
        s->wait_told = 1;
        rk_log_warn("store %s: waiting for another process to release it (a write in "
                    "progress; an import that has it alone gives it back at its next commit, "
                    "one with --exclusive when it ends); giving up after %d s",
                    s->path, lock_wait_ms / 1000);
    }
    delay = delays_ms[count < 12 ? count : 11];
    if (delay > lock_wait_ms - (now - s->wait_started_ms))
        delay = lock_wait_ms - (now - s->wait_started_ms);
    usleep((useconds_t)(delay * 1000));
    return 1;
}

/* Wait for other processes' locks (wait_for_lock), or not at all. */
static void wait_for_locks(struct rk_sqlite *s, int wait)
{
    if (wait)
        sqlite3_busy_handler(s->db, wait_for_lock, s);
    else
        sqlite3_busy_timeout(s->db, 0);
}

void rk_store_debug_lock_wait_ms(int ms)
{
    lock_wait_ms = ms;
}

/* Keep the database file locked for this handle and leave WAL for a rollback journal. WAL
 * writes every new page twice (into the log, then the checkpoint copies it into the database);
 * a rollback journal saves only pages that existed before the transaction changed them, and a
 * bulk import mostly adds pages. SQLite leaves WAL only when no other connection has the
 * database open (they hold a shared lock for as long as they have it open): then this fails
 * at once instead of waiting. */
static int take_alone(struct rk_sqlite *s, struct rk_err *err)
{
    char mode[16] = "";
    int src;

    wait_for_locks(s, 0);
    src = sqlite3_exec(s->db, "PRAGMA main.locking_mode=EXCLUSIVE", NULL, NULL, NULL);
    if (src == SQLITE_OK)
        src = journal_mode(s, "PRAGMA main.journal_mode=TRUNCATE", mode, sizeof(mode));
    if (src == SQLITE_OK && strcmp(mode, "truncate") == 0) /* the lock, held from now on */
        src = sqlite3_exec(s->db, "BEGIN EXCLUSIVE; COMMIT", NULL, NULL, NULL);
    wait_for_locks(s, 1);
    if (src == SQLITE_OK && strcmp(mode, "truncate") == 0) {
        s->alone = 1;
        return 0;
    }
    /* as before: a handle that goes on sharing the store (RK_STORE_ALONE_WHEN_IDLE) must not
     * keep the exclusive locking mode, which would hold on to its first write lock */
    if (strcmp(mode, "truncate") == 0)
        journal_mode(s, "PRAGMA main.journal_mode=WAL", mode, sizeof(mode));
    sqlite3_exec(s->db, "PRAGMA main.locking_mode=NORMAL", NULL, NULL, NULL);
    if (src == SQLITE_OK || (src & 0xff) == SQLITE_BUSY || (src & 0xff) == SQLITE_LOCKED)
        return rk_err_set(err, RK_EINVAL,
                          "the store is open in another process (a running 'renkei serve' or "
                          "another command): taking it alone needs every other one closed");
    return rk_sqlite_fail(s, src, "taking the store alone", err);
}

/* Back to WAL before the lock goes, so the next opener finds the store as always. If this
 * fails (or the process dies first), the next read-write open switches it back (configure). */
static void leave_alone(struct rk_sqlite *s)
{
    char mode[16];

    if (!s->alone)
        return;
    if (journal_mode(s, "PRAGMA main.journal_mode=WAL", mode, sizeof(mode)) != SQLITE_OK ||
        strcmp(mode, "wal") != 0)
        rk_log_warn("store %s: could not switch back to WAL (%s); the next open will",
                    s->path, sqlite3_errmsg(s->db));
    s->alone = 0;
}

/* RK_STORE_ALONE_WHEN_IDLE: take the store alone when nobody else has it open, listening for
 * processes that start waiting for it; else share it, as a handle without the flag does. */
static void take_alone_when_idle(struct rk_sqlite *s)
{
    struct rk_err ignored;

    if (rk_sqlite_listen_for_askers(s) != 0)
        return;
    if (take_alone(s, &ignored) != 0) {
        rk_log_debug("store %s: open in another process: shared", s->path);
        rk_sqlite_stop_listening(s);
        return;
    }
    s->yields = 1;
}

/* After a commit of a handle alone until asked: when another process waits for the store,
 * go back to WAL with normal locking, so it gets in now and readers take each later commit as
 * it comes. The pragmas run under the exclusive lock still held, which goes with the access
 * after them. */
static void share_when_asked(struct rk_sqlite *s)
{
    char mode[16] = "";

    if (!s->alone || !rk_sqlite_someone_asks(s))
        return;
    if (sqlite3_exec(s->db, "PRAGMA main.locking_mode=NORMAL", NULL, NULL, NULL) != SQLITE_OK ||
        journal_mode(s, "PRAGMA main.journal_mode=WAL", mode, sizeof(mode)) != SQLITE_OK ||
        strcmp(mode, "wal") != 0) {
        rk_log_warn("store %s: could not give the store back to a waiting process (%s); "
                    "trying again at the next commit",
                    s->path, sqlite3_errmsg(s->db));
        sqlite3_exec(s->db, "PRAGMA main.locking_mode=EXCLUSIVE", NULL, NULL, NULL);
        return;
    }
    /* normal locking releases the exclusive lock at the next access: read now */
    sqlite3_exec(s->db, "PRAGMA main.schema_version", NULL, NULL, NULL);
    s->alone = 0;
    s->yields = 0;
    rk_sqlite_stop_listening(s);
    rk_log_info("store %s: another process asked for the store: writing through the "
                "write-ahead log from now on, sharing it",
                s->path);
}

int rk_store_is_alone(struct rk_store *st)
{
    return rk_sqlite_of(st)->alone;
}

int rk_store_is_wanted(struct rk_store *st)
{
    struct rk_sqlite *s = rk_sqlite_of(st);

    return s->yields && s->alone && rk_sqlite_someone_asks(s);
}

/* SQL function rk_idh(id): the id hash, for checks that recompute it. */
static void idh_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *id = (const char *)sqlite3_value_text(argv[0]);

    (void)argc;
    if (id)
        sqlite3_result_int64(ctx, rk_sqlite_idh(id));
    else
        sqlite3_result_null(ctx);
}

/* Process-wide SQLite settings, before SQLite initialises: no memory statistics (they take a
 * global mutex on every allocation). A no-op when something initialised SQLite first. */
static void configure_library(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(struct rk_sqlite *s, unsigned flags, struct rk_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int src;

    pthread_once(&once, configure_library);

    oflags |= (flags & RK_STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    src = sqlite3_open_v2(s->path, &s->db, oflags, rk_sqlite_walbuf_vfs());
    if (src != SQLITE_OK)
        return rk_sqlite_fail(s, src, "opening the database", err);
    wait_for_locks(s, 1);
    src = sqlite3_create_function(s->db, "rk_idh", 1,
                                  SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                  idh_fn, NULL, NULL);
    if (src != SQLITE_OK)
        return rk_sqlite_fail(s, src, "registering SQL functions", err);
    return 0;
}

/* An exclusive import killed mid-transaction leaves a hot rollback journal, which only a
 * read-write handle can roll back: before a read-only open, one opens and closes (which also
 * puts the store back into WAL). Without write access the read-only open then says so. */
static void recover_for_reader(const char *dir, const char *path)
{
    char journal[PATH_MAX];
    struct rk_store *rw = NULL;
    struct rk_err err;
    struct stat st;
    int n = snprintf(journal, sizeof(journal), "%s-journal", path);

    if (n < 0 || (size_t)n >= sizeof(journal) || stat(journal, &st) != 0 || st.st_size == 0)
        return;
    if (rk_store_sqlite_open(&rw, dir, 0, &err) == 0)
        rk_store_close(rw);
}

int rk_store_sqlite_open(struct rk_store **out, const char *dir, unsigned flags, struct rk_err *err)
{
    struct rk_sqlite *s = NULL;
    struct rk_buf path;
    size_t len;
    int rc = RK_ENOMEM;

    *out = NULL;
    rk_buf_init(&path, PATH_MAX);
    if ((rc = rk_buf_printf(&path, "%s/renkei.db", dir)) != 0) {
        rk_err_set(err, rc, "%s: data directory path too long", dir);
        goto out;
    }
    if ((rc = prepare_files(dir, rk_buf_cstr(&path), flags, err)) != 0)
        goto out;
    if (flags & RK_STORE_READONLY)
        recover_for_reader(dir, rk_buf_cstr(&path));
    if ((s = rk_calloc(1, sizeof(*s))))
        s->asking_fd = s->askers_fd = -1;
    if (!s || !(s->path = rk_buf_detach(&path, &len))) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    s->base.ops = &sqlite_ops;
    s->base.flags = flags;
    /* bulk batches put their ids straight into the settled level (see sqlite_put.c) */
    s->fresh_ids_max = flags & RK_STORE_BULK ? 0 : RK_SQLITE_FRESH_IDS_MAX;
    s->idfilter_after = RK_SQLITE_IDFILTER_AFTER;
    s->idfilter_max_bits = RK_SQLITE_IDFILTER_MAX_BITS;
    if ((rc = open_db(s, flags, err)) != 0 || (rc = check_header(s, err)) != 0 ||
        (rc = configure(s, err)) != 0 || (rc = rk_sqlite_audit_attach(s, dir, err)) != 0 ||
        (rc = rk_sqlite_migrate(s, err)) != 0 || (rc = rk_sqlite_audit_tidy(s, err)) != 0 ||
        ((flags & RK_STORE_EXCLUSIVE) && (rc = take_alone(s, err)) != 0)) {
        rk_err_prefix(err, "%s: ", s->path);
        goto out;
    }
    if ((flags & RK_STORE_ALONE_WHEN_IDLE) && !(flags & (RK_STORE_EXCLUSIVE | RK_STORE_READONLY)))
        take_alone_when_idle(s);
    rk_sqlite_stop_asking(s);
    rk_log_debug("store open path=%s readonly=%d", s->path, !!(flags & RK_STORE_READONLY));
    *out = &s->base;
    s = NULL;
    rc = 0;
out:
    if (s)
        sqlite_close(&s->base);
    rk_buf_free(&path);
    return rc;
}

static void sqlite_close(struct rk_store *st)
{
    struct rk_sqlite *s = rk_sqlite_of(st);

    for (int i = 0; i < RK_SQLITE_PUT_N; i++)
        rk_sqlite_release(s, s->put[i]);
    for (size_t i = 0; i < s->n_cache; i++) {
        sqlite3_finalize(s->cache[i].stmt);
        rk_free(s->cache[i].sql);
    }
    leave_alone(s);
    rk_sqlite_stop_asking(s);
    rk_sqlite_stop_listening(s);
    rk_sqlite_origins_clear(s);
    rk_sqlite_idfilter_free(s);
    rk_sqlite_idpending_free(s);
    rk_sqlite_rows_free(s);
    if (s->db)
        sqlite3_close_v2(s->db);
    rk_free(s->path);
    rk_free(s);
}
