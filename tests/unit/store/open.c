/* open.c - opening, creating, read-only handles, foreign files, schema versions, collections
 * and settings. */
#include "tests.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "renkei/log.h"
#include "renkei/store_access.h"
#include "renkei/store_sync.h"
#include "store/debug.h"

static void path_of(char *out, size_t cap, const char *dir, const char *rest)
{
    assert_true(snprintf(out, cap, "%s/%s", dir, rest) < (int)cap);
}

static void test_store_open__create_private_and_reopen(void **state)
{
    char dir[256], data[300], db[320], wal[330];
    struct rk_store *st = NULL;
    struct rk_collection c;
    struct stat sb;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "a/b/data");
    path_of(db, sizeof(db), data, "renkei.db");
    path_of(wal, sizeof(wal), data, "renkei.db-wal");
    assert_int_equal(rk_store_open(&st, data, 0, &err), RK_ENOTFOUND);
    assert_null(st);
    assert_int_equal(rk_store_open(&st, data, RK_STORE_CREATE, &err), 0);
    assert_int_equal(stat(data, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(wal, &sb), 0); /* WAL mode: the log exists while a handle is open */
    memset(&c, 0, sizeof(c));
    snprintf(c.alias, sizeof(c.alias), "feeds");
    assert_int_equal(rk_store_collection_add(st, &c, &err), 0);
    assert_int_equal(strlen(c.id), 36); /* a UUID was assigned */
    assert_true(c.created_us > 0);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);

    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    assert_int_equal(rk_store_collection_get(st, "feeds", &c, &err), 0);
    assert_string_equal(c.alias, "feeds");
    rk_store_close(st);
    rk_store_close(NULL);
    tmp_dir_remove(dir);
}

static void test_store_open__missing_and_bad_arguments(void **state)
{
    char dir[256];
    struct rk_store *st = NULL;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    /* an empty directory holds no store */
    assert_int_equal(rk_store_open(&st, dir, 0, &err), RK_ENOTFOUND);
    assert_non_null(strstr(err.message, "no store here"));
    assert_int_equal(rk_store_open(&st, dir, RK_STORE_READONLY, &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_open(&st, dir, RK_STORE_CREATE | RK_STORE_READONLY, &err), RK_EINVAL);
    assert_int_equal(rk_store_open(&st, "", RK_STORE_CREATE, &err), RK_EINVAL);
    tmp_dir_remove(dir);
}

static void write_file(const char *path, const char *text, size_t repeat)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    for (size_t i = 0; i < repeat; i++)
        fputs(text, f);
    fclose(f);
}

static void test_store_open__foreign_file(void **state)
{
    char dir[256], db[300];
    struct rk_store *st = NULL;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(db, sizeof(db), dir, "renkei.db");
    write_file(db, "this is a text file, not a database\n", 200);
    rk_err_clear(&err);
    assert_int_equal(rk_store_open(&st, dir, 0, &err), RK_EFORMAT);
    assert_null(st);
    assert_non_null(strstr(err.message, "not a renkei store"));
    assert_non_null(strstr(err.message, "renkei.db"));
    assert_int_equal(rk_store_open(&st, dir, RK_STORE_CREATE, &err), RK_EFORMAT);
    assert_int_equal(rk_store_open(&st, dir, RK_STORE_READONLY, &err), RK_EFORMAT);
    tmp_dir_remove(dir);
}

static void test_store_open__other_application_and_newer_schema(void **state)
{
    char dir[256], data[300];
    struct rk_store *st;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");

    st = store_new(dir);
    assert_int_equal(rk_store_debug_exec(st,
                                         "INSERT INTO schema_migrations VALUES "
                                         "('core', 99, 'from the future', 0)",
                                         &err),
                     0);
    rk_store_close(st);
    st = NULL;
    assert_int_equal(rk_store_open(&st, data, 0, &err), RK_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "newer renkei"));

    tmp_dir_remove(dir);
    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");
    st = store_new(dir);
    assert_int_equal(rk_store_debug_exec(st, "PRAGMA application_id = 42", &err), 0);
    rk_store_close(st);
    st = NULL;
    assert_int_equal(rk_store_open(&st, data, 0, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "another application"));
    tmp_dir_remove(dir);
}

static int collect_user(const struct rk_audit_record *r, void *ctx)
{
    char *users = ctx;
    size_t len = strlen(users);

    snprintf(users + len, 256 - len, "%s:%lld ", r->user, (long long)r->seq);
    return 0;
}

static void remove_audit_file(const char *data)
{
    static const char *const names[] = {"audit.db", "audit.db-wal", "audit.db-shm"};
    char path[400];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        path_of(path, sizeof(path), data, names[i]);
        unlink(path);
    }
}

/* A store from before the logs had their own file keeps them in main.audit_log and
 * main.egress_log: opening it read-write copies the records into audit.db (sequence numbers
 * and the egress hash chain kept) and drops the old tables. */
static void test_store_open__audit_log_moves_to_its_file(void **state)
{
    char dir[256], data[300], users[256] = "";
    struct rk_audit_record rec = {0, 3000, "carol", "org", "::1", "read", "objects", "c", "", 200, 1};
    struct rk_egress_entry sent[2] = {
            {0, 0, "us", "remote", "indicator--1", "", {1}, "b1", {0}, {0}},
            {0, 0, "us", "remote", "indicator--2", "", {2}, "b1", {0}, {0}},
    };
    struct rk_egress_check check;
    struct rk_audit_filter f = {0};
    struct rk_store *st;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");
    st = store_new(dir);
    /* the egress log of an older store: entries written by the same code, then moved back */
    assert_int_equal(rk_store_egress_append(st, sent, 2, &err), 0);
    assert_int_equal(rk_store_debug_exec(st,
                                         "CREATE TABLE main.egress_log AS SELECT * FROM "
                                         "audit.egress_log;"
                                         "DELETE FROM schema_migrations WHERE component = 'sync' "
                                         "AND step = 2;",
                                         &err),
                     0);
    assert_int_equal(
            rk_store_debug_exec(
                    st,
                    "CREATE TABLE main.audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                    " at_us INTEGER NOT NULL, user TEXT NOT NULL, org TEXT NOT NULL,"
                    " address TEXT NOT NULL, action TEXT NOT NULL, endpoint TEXT NOT NULL,"
                    " collection TEXT NOT NULL, detail TEXT NOT NULL, status INTEGER NOT NULL,"
                    " count INTEGER NOT NULL);"
                    "INSERT INTO main.audit_log VALUES (7, 1000, 'alice', 'org', '::1', 'read',"
                    " 'objects', 'c', '', 200, 1), (9, 2000, 'bob', 'org', '::1', 'write',"
                    " 'objects', 'c', '', 202, 5);"
                    "DELETE FROM schema_migrations WHERE component = 'audit' AND step = 2;",
                    &err),
            0);
    rk_store_close(st);
    remove_audit_file(data); /* as a store written before the move has none */

    /* read-only, the store needs its upgrade first */
    assert_int_equal(rk_store_open(&st, data, RK_STORE_READONLY, &err), RK_EUNSUPPORTED);
    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    assert_int_not_equal(rk_store_debug_exec(st, "SELECT count(*) FROM main.audit_log", &err), 0);
    assert_int_not_equal(rk_store_debug_exec(st, "SELECT count(*) FROM main.egress_log", &err),
                         0);
    assert_int_equal(rk_store_egress_verify(st, &check, &err), 0);
    assert_int_equal(check.entries, 2);
    assert_int_equal(check.first_bad_seq, 0);
    assert_int_equal(check.head_seq, 2);
    assert_int_equal(rk_store_audit_append(st, &rec, 1, &err), 0);
    assert_int_equal(rk_store_audit_query(st, &f, collect_user, users, &err), 0);
    assert_string_equal(users, "alice:7 bob:9 carol:10 ");
    rk_store_close(st);

    /* the records are in audit.db, which a read-only handle reads too */
    assert_int_equal(rk_store_open(&st, data, RK_STORE_READONLY, &err), 0);
    users[0] = '\0';
    f.user = "bob";
    assert_int_equal(rk_store_audit_query(st, &f, collect_user, users, &err), 0);
    assert_string_equal(users, "bob:9 ");
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static long long file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* The checkpoint interval decides when commits reach the database file: at once with an
 * interval of one page, not before the log holds that many pages with a large one. */
static void test_store_open__checkpoint_interval(void **state)
{
    char dir[256], db[320];
    struct rk_store *st;
    struct tobj objs[40];
    struct rk_err err;
    long long before;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    path_of(db, sizeof(db), dir, "data/renkei.db");
    for (unsigned i = 0; i < 40; i++)
        tobj_make(&objs[i], "indicator", i, "2021-06-10T12:00:00.000Z", NULL, NULL, 0);
    assert_int_equal(rk_store_checkpoint_every(st, 1000000, &err), 0);
    before = file_size(db);
    put_all(st, "one", NULL, objs, 20, NULL);
    assert_true(file_size(db) == before); /* the new pages are in the log only */
    assert_int_equal(rk_store_checkpoint_every(st, 1, &err), 0);
    put_all(st, "one", NULL, objs + 20, 20, NULL);
    assert_true(file_size(db) > before); /* the commit copied the log into the file */
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static int file_exists(const char *dir, const char *name)
{
    char path[400];
    struct stat sb;

    path_of(path, sizeof(path), dir, name);
    return stat(path, &sb) == 0;
}

/* RK_STORE_EXCLUSIVE: refused while another handle has the store open; otherwise the handle
 * leaves WAL (no log file while it writes) and puts it back when it closes. */
static void test_store_open__exclusive_takes_the_store_alone(void **state)
{
    char dir[256], data[300], c1[RK_COLLECTION_ID_MAX];
    struct rk_store *st, *other = NULL, *alone = NULL;
    struct rk_store_query q;
    struct tobj o[3];
    uint64_t n = 0;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");
    st = store_new(dir);
    store_c1(st, c1, sizeof(c1));
    rk_store_close(st);
    for (unsigned i = 0; i < 3; i++)
        tobj_make(&o[i], "indicator", i + 1, "2024-01-01T00:00:00.000Z",
                  "2024-01-01T00:00:00.000Z", NULL, RK_TLP_GREEN);

    assert_int_equal(rk_store_open(&other, data, 0, &err), 0);
    assert_int_equal(rk_store_open(&alone, data, RK_STORE_BULK | RK_STORE_EXCLUSIVE, &err),
                     RK_EINVAL);
    assert_null(alone);
    assert_non_null(strstr(err.message, "open in another process"));
    put_all(other, c1, NULL, &o[0], 1, NULL); /* the refusal left the other handle working */
    rk_store_close(other);

    assert_int_equal(rk_store_open(&alone, data, RK_STORE_BULK | RK_STORE_EXCLUSIVE, &err), 0);
    assert_false(file_exists(data, "renkei.db-wal"));
    put_all(alone, c1, NULL, &o[1], 2, NULL);
    assert_false(file_exists(data, "renkei.db-wal")); /* written without the log */
    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_equal(rk_store_count(alone, &q, &n, &err), 0);
    assert_int_equal(n, 3);
    rk_store_close(alone);
    assert_false(file_exists(data, "renkei.db-journal"));

    assert_int_equal(rk_store_open(&st, data, RK_STORE_READONLY, &err), 0);
    assert_true(file_exists(data, "renkei.db-wal")); /* WAL again */
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void keep_warning(int level, const char *func, const char *msg, void *ctx)
{
    char *kept = ctx;

    (void)func;
    if (level == RK_LOG_WARN && !kept[0])
        snprintf(kept, 512, "%s", msg);
}

static double seconds_now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A handle that finds the store held by another (here an exclusive import's handle) waits for
 * it, says after a second what it waits for, and gives up after the wait with an error that
 * names the holder. */
static void test_store_open__waiting_for_a_lock_says_so(void **state)
{
    char dir[256], data[300], c1[RK_COLLECTION_ID_MAX], warning[512] = "";
    struct rk_store *st, *alone = NULL, *other = NULL;
    struct rk_err err;
    double t0, waited;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");
    st = store_new(dir);
    store_c1(st, c1, sizeof(c1));
    rk_store_close(st);
    assert_int_equal(rk_store_open(&alone, data, RK_STORE_BULK | RK_STORE_EXCLUSIVE, &err), 0);
    rk_store_debug_lock_wait_ms(2500);
    rk_log_set_handler(keep_warning, RK_LOG_WARN, warning);
    t0 = seconds_now();
    assert_int_equal(rk_store_open(&other, data, 0, &err), RK_EIO);
    waited = seconds_now() - t0;
    rk_log_set_handler(NULL, RK_LOG_ERROR, NULL);
    rk_store_debug_lock_wait_ms(30000);
    assert_null(other);
    assert_true(waited >= 2.4 && waited < 20);
    assert_non_null(strstr(warning, "waiting for another process to release it"));
    assert_non_null(strstr(warning, "giving up after 2 s"));
    assert_non_null(strstr(err.message, "another process held the store for 2 s"));
    assert_non_null(strstr(err.message, "--exclusive"));
    rk_store_close(alone);
    assert_int_equal(rk_store_open(&other, data, 0, &err), 0); /* released: opens at once */
    rk_store_close(other);
    tmp_dir_remove(dir);
}

/* Another process opening the store, once told through go that an importer has it alone until
 * asked: exits with status n + 10 when it opened the store within 5 s and counted n objects.
 * It is forked before the importer opens the store: SQLite's connections must not cross a
 * fork. */
static void ask_for_the_store(const char *data, int go)
{
    struct rk_store *st = NULL;
    struct rk_store_query q;
    struct rk_err err;
    uint64_t n = 0;
    char byte;
    double t0;

    if (read(go, &byte, 1) != 1) /* the importer has the store now */
        _exit(3);
    t0 = seconds_now();
    if (rk_store_open(&st, data, 0, &err) != 0 || seconds_now() - t0 > 5)
        _exit(1);
    rk_store_query_init(&q);
    q.collection = "one";
    if (rk_store_count(st, &q, &n, &err) != 0 || n > 100)
        _exit(2);
    rk_store_close(st);
    _exit((int)n + 10);
}

/* RK_STORE_ALONE_WHEN_IDLE: alone on an idle store; another process that opens it waits for
 * the importer's next commit, after which both share it through the log and the importer
 * goes on writing; a store another handle has open is shared from the start. */
static void test_store_open__alone_until_asked(void **state)
{
    char dir[256], data[300], c1[RK_COLLECTION_ID_MAX];
    struct rk_store *st, *imp = NULL, *later = NULL;
    struct rk_store_query q;
    struct tobj o[40];
    uint64_t n = 0;
    unsigned i = 0;
    int status = 0, go[2];
    struct rk_err err;
    pid_t child;

    (void)state;
    st = store_new_tmp(dir, data);
    store_c1(st, c1, sizeof(c1));
    rk_store_close(st);
    for (unsigned k = 0; k < 40; k++)
        tobj_make(&o[k], "indicator", k + 1, "2024-01-01T00:00:00.000Z",
                  "2024-01-01T00:00:00.000Z", NULL, RK_TLP_GREEN);
    assert_int_equal(pipe(go), 0);
    if ((child = fork()) == 0)
        ask_for_the_store(data, go[0]);
    assert_true(child > 0);
    assert_int_equal(rk_store_open(&imp, data, RK_STORE_BULK | RK_STORE_ALONE_WHEN_IDLE, &err), 0);
    assert_true(rk_store_is_alone(imp));
    put_all(imp, c1, NULL, &o[i++], 1, NULL);
    assert_int_equal(write(go[1], "g", 1), 1);
    /* one object per commit until the handle gives the store back */
    while (rk_store_is_alone(imp) && i < 30) {
        usleep(50 * 1000);
        put_all(imp, c1, NULL, &o[i++], 1, NULL);
    }
    assert_false(rk_store_is_alone(imp));
    put_all(imp, c1, NULL, &o[i++], 1, NULL); /* the importer goes on, through the log */
    assert_int_equal(waitpid(child, &status, 0), child);
    close(go[0]);
    close(go[1]);
    assert_true(WIFEXITED(status));
    assert_true(WEXITSTATUS(status) >= 10 + 2 && WEXITSTATUS(status) <= 10 + (int)i);
    assert_int_equal(rk_store_open(&later, data, RK_STORE_READONLY, &err), 0); /* at once */
    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_equal(rk_store_count(later, &q, &n, &err), 0);
    assert_int_equal(n, i);
    rk_store_close(imp);

    /* another handle has the store open: the importer shares it from the start */
    assert_int_equal(rk_store_open(&imp, data, RK_STORE_BULK | RK_STORE_ALONE_WHEN_IDLE, &err), 0);
    assert_false(rk_store_is_alone(imp));
    put_all(imp, c1, NULL, &o[i++], 1, NULL);
    assert_int_equal(rk_store_count(later, &q, &n, &err), 0);
    assert_int_equal(n, i);
    rk_store_close(imp);
    rk_store_close(later);
    tmp_dir_remove(dir);
}

/* A read snapshot: reads on the handle see the store as at its first read, while another
 * handle writes; writes on the handle and a second begin are refused until it ends. */
static void test_store_open__read_snapshot(void **state)
{
    char dir[256], data[300], c1[RK_COLLECTION_ID_MAX];
    struct rk_store *st, *writer = NULL;
    struct rk_store_batch *b = NULL;
    struct rk_collection c = {0};
    struct rk_store_query q;
    struct tobj o[2];
    uint64_t n = 0;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");
    st = store_new(dir);
    store_c1(st, c1, sizeof(c1));
    for (unsigned i = 0; i < 2; i++)
        tobj_make(&o[i], "indicator", i + 1, "2024-01-01T00:00:00.000Z",
                  "2024-01-01T00:00:00.000Z", NULL, RK_TLP_GREEN);
    put_all(st, c1, NULL, &o[0], 1, NULL);
    assert_int_equal(rk_store_open(&writer, data, 0, &err), 0);
    rk_store_query_init(&q);
    q.collection = "one";

    assert_int_equal(rk_store_read_begin(st, &err), 0);
    assert_int_equal(rk_store_read_begin(st, &err), RK_EINVAL);
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0); /* the snapshot starts here */
    assert_int_equal(n, 1);
    put_all(writer, c1, NULL, &o[1], 1, NULL);
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 1); /* the other handle's commit is after the snapshot */
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), RK_EINVAL);
    assert_null(b);
    assert_int_equal(rk_store_collection_add(st, &c, &err), RK_EINVAL);
    rk_store_read_end(st);
    rk_store_read_end(st); /* no snapshot: nothing to end */

    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    rk_store_batch_abort(b);
    rk_store_close(writer);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_open__read_only(void **state)
{
    char dir[256], data[300], c1[RK_COLLECTION_ID_MAX];
    struct rk_store *st, *ro = NULL;
    struct rk_store_batch *b = NULL;
    struct rk_collection c = {0};
    struct rk_store_query q;
    struct rk_store_stats stats;
    struct trows rows = {0};
    struct tobj o;
    uint64_t n = 0;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    path_of(data, sizeof(data), dir, "data");
    st = store_new(dir);
    store_c1(st, c1, sizeof(c1));
    tobj_make(&o, "indicator", 1, "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z", NULL,
              RK_TLP_GREEN);
    put_all(st, c1, NULL, &o, 1, NULL);
    rk_store_close(st);

    assert_int_equal(rk_store_open(&ro, data, RK_STORE_READONLY, &err), 0);
    rk_store_query_init(&q);
    q.collection = "one";
    query_all(ro, &q, &rows, NULL);
    assert_int_equal(rows.n, 1);
    assert_string_equal(rows.v[0].id, o.id);
    assert_int_equal(rk_store_count(ro, &q, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(rk_store_stats(ro, &stats, &err), 0);
    assert_int_equal(stats.versions, 1);
    assert_int_equal(rk_store_check(ro, &err), 0);
    assert_int_equal(rk_store_collection_add(ro, &c, &err), RK_EPERM);
    assert_int_equal(rk_store_batch_begin(&b, ro, "one", NULL, &err), RK_EPERM);
    assert_null(b);
    assert_int_equal(rk_store_setting_set(ro, "k", "v", &err), RK_EPERM);
    assert_int_equal(rk_store_collection_remove(ro, "one", &err), RK_EPERM);
    q.ids = (const char *const[]){o.id};
    q.n_ids = 1;
    assert_int_equal(rk_store_delete(ro, &q, &n, &err), RK_EPERM);
    rk_store_close(ro);
    trows_free(&rows);
    tmp_dir_remove(dir);
}

static int list_ids(const struct rk_collection *c, void *ctx)
{
    char *out = ctx;
    size_t len = strlen(out);

    snprintf(out + len, 64 - len, "%s,", c->alias[0] ? c->alias : "-");
    return 0;
}

static int stop_at_first(const struct rk_collection *c, void *ctx)
{
    (void)c;
    (void)ctx;
    return 7;
}

static void test_store_open__collections(void **state)
{
    char dir[256], seen[64] = "";
    struct rk_store *st;
    struct rk_collection c = {0}, d = {0}, got;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir); /* "one" */
    snprintf(c.id, sizeof(c.id), "91a7b528-80eb-42ed-a74d-c6fbd5a26116");
    snprintf(c.alias, sizeof(c.alias), "two");
    snprintf(c.title, sizeof(c.title), "High-value indicators");
    snprintf(c.description, sizeof(c.description), "Line one\nline two");
    assert_int_equal(rk_store_collection_add(st, &c, &err), 0);
    assert_int_equal(rk_store_collection_add(st, &c, &err), RK_EEXISTS);
    d = c;
    d.id[0] = '\0'; /* alias taken */
    assert_int_equal(rk_store_collection_add(st, &d, &err), RK_EEXISTS);
    memset(&d, 0, sizeof(d));
    snprintf(d.alias, sizeof(d.alias), "%s", c.id); /* alias equal to another's id */
    assert_int_equal(rk_store_collection_add(st, &d, &err), RK_EEXISTS);
    memset(&d, 0, sizeof(d));
    snprintf(d.id, sizeof(d.id), "two"); /* id equal to another's alias */
    assert_int_equal(rk_store_collection_add(st, &d, &err), RK_EEXISTS);
    memset(&d, 0, sizeof(d));
    snprintf(d.alias, sizeof(d.alias), "bad\talias");
    assert_int_equal(rk_store_collection_add(st, &d, &err), RK_EFORMAT);
    memset(&d, 0, sizeof(d)); /* no alias at all */
    assert_int_equal(rk_store_collection_add(st, &d, &err), 0);

    assert_int_equal(rk_store_collection_get(st, c.id, &got, &err), 0);
    assert_string_equal(got.alias, "two");
    assert_string_equal(got.description, "Line one\nline two");
    assert_int_equal(rk_store_collection_get(st, "two", &got, &err), 0);
    assert_string_equal(got.id, c.id);
    assert_int_equal(rk_store_collection_get(st, "three", &got, &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_collection_get(st, "", &got, &err), RK_ENOTFOUND);

    assert_int_equal(rk_store_collection_list(st, list_ids, seen, &err), 0);
    assert_string_equal(seen, "one,two,-,");
    assert_int_equal(rk_store_collection_list(st, stop_at_first, NULL, &err), 7);

    assert_int_equal(rk_store_collection_remove(st, "two", &err), 0);
    assert_int_equal(rk_store_collection_remove(st, "two", &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_collection_get(st, c.id, &got, &err), RK_ENOTFOUND);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_open__settings(void **state)
{
    char dir[256], buf[16];
    struct rk_store *st;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    assert_int_equal(rk_store_setting_get(st, "identity", buf, sizeof(buf), &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_setting_set(st, "identity", "identity--1", &err), 0);
    assert_int_equal(rk_store_setting_get(st, "identity", buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "identity--1");
    assert_int_equal(rk_store_setting_set(st, "identity", "identity--22", &err), 0);
    assert_int_equal(rk_store_setting_get(st, "identity", buf, sizeof(buf), &err), 0);
    assert_string_equal(buf, "identity--22");
    assert_int_equal(rk_store_setting_set(st, "long", "0123456789abcdefXYZ", &err), 0);
    assert_int_equal(rk_store_setting_get(st, "long", buf, sizeof(buf), &err), RK_ELIMIT);
    assert_int_equal(rk_store_setting_set(st, "", "x", &err), RK_EINVAL);
    assert_int_equal(rk_store_setting_set(st, "k", NULL, &err), RK_EINVAL);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* Schema step core 4: rows stored before granular TLP markings counted get the most
 * restrictive of them; other rows keep theirs. */
static void test_store_open__granular_tlp_migrated(void **state)
{
    static const char *const red_description =
            "\"granular_markings\":[{\"marking_ref\":\"marking-definition--"
            "e828b379-4e03-4974-9ac4-e53a884c97c1\",\"selectors\":[\"description\"]}],"
            "\"description\":\"secret\"";
    char dir[256], data[300];
    struct rk_store *st;
    struct rk_store_query q;
    struct trows rows = {0};
    struct tobj x[2];
    struct rk_err err;

    st = store_new_tmp(dir, data);
    tobj_make(&x[0], "indicator", 1, "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z",
              red_description, RK_TLP_CLEAR); /* as an older renkei computed it */
    tobj_make(&x[1], "indicator", 2, "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.000Z",
              NULL, RK_TLP_GREEN);
    put_all(st, "one", NULL, x, 2, NULL);
    assert_int_equal(rk_store_debug_exec(st,
                                         "DELETE FROM schema_migrations WHERE component = 'core'"
                                         " AND step = 4",
                                         &err),
                     0);
    rk_store_close(st);

    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    rk_store_query_init(&q);
    q.collection = "one";
    query_all(st, &q, &rows, NULL);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].id, x[0].id);
    assert_int_equal(rows.v[0].tlp, RK_TLP_RED);
    assert_int_equal(rows.v[1].tlp, RK_TLP_GREEN);
    trows_free(&rows);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_open_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_open__create_private_and_reopen),
            cmocka_unit_test(test_store_open__missing_and_bad_arguments),
            cmocka_unit_test(test_store_open__foreign_file),
            cmocka_unit_test(test_store_open__other_application_and_newer_schema),
            cmocka_unit_test(test_store_open__read_only),
            cmocka_unit_test(test_store_open__read_snapshot),
            cmocka_unit_test(test_store_open__exclusive_takes_the_store_alone),
            cmocka_unit_test(test_store_open__waiting_for_a_lock_says_so),
            cmocka_unit_test(test_store_open__alone_until_asked),
            cmocka_unit_test(test_store_open__audit_log_moves_to_its_file),
            cmocka_unit_test(test_store_open__checkpoint_interval),
            cmocka_unit_test(test_store_open__collections),
            cmocka_unit_test(test_store_open__settings),
            cmocka_unit_test(test_store_open__granular_tlp_migrated),
    };
    return cmocka_run_group_tests_name("store_open", tests, NULL, NULL);
}
