/* walbuf.c - the VFS that gathers WAL appends (src/store/sqlite_walbuf.c): commits are on
 * file when SQLite publishes them, transactions far larger than the page cache and than one
 * buffer commit intact, and the frames of a rolled-back transaction never land on another
 * writer's committed frames. Runs SQLite directly: this is below the storage API. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "store/sqlite.h"

#define ROW_BYTES 3000

static sqlite3 *open_db(const char *path, const char *vfs)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db,
                                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                             SQLITE_OPEN_NOMUTEX,
                                     vfs),
                     SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    /* a tiny page cache: big transactions spill frames to the WAL before they commit */
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                                  " PRAGMA cache_size=16; PRAGMA wal_autocheckpoint=0;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int64_t count_where(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    int64_t n = -1;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* Insert rows first..first+n-1 of tag in one transaction (each row ROW_BYTES, derived from its
 * number so a reader can check it); commit or roll back. */
static void insert_rows(sqlite3 *db, const char *tag, int first, int n, int commit)
{
    char sql[160];

    exec_ok(db, "BEGIN IMMEDIATE");
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE k(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM k WHERE i < %d) "
             "INSERT INTO t (k, tag, v) SELECT i, '%s', zeroblob(%d) || i FROM k",
             first, first + n - 1, tag, ROW_BYTES);
    exec_ok(db, sql);
    exec_ok(db, commit ? "COMMIT" : "ROLLBACK");
}

/* Every row of tag is there, whole, with the value its number gives it. */
static void check_rows(sqlite3 *db, const char *tag, int first, int n)
{
    char sql[200];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM t WHERE tag = '%s'", tag);
    assert_int_equal(count_where(db, sql), n);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM t WHERE tag = '%s' AND k BETWEEN %d AND %d AND "
             "v = zeroblob(%d) || k",
             tag, first, first + n - 1, ROW_BYTES);
    assert_int_equal(count_where(db, sql), n);
}

static void assert_intact(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;

    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    sqlite3_finalize(stmt);
}

static void make_table(const char *path)
{
    sqlite3 *db = open_db(path, rk_sqlite_walbuf_vfs());

    exec_ok(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, tag TEXT NOT NULL, v BLOB NOT NULL)");
    sqlite3_close(db);
}

/* A new temporary directory holding database name with the test table; path gets its path. */
static void table_in_new_dir(char *dir, size_t dir_cap, char *path, size_t path_cap,
                             const char *name)
{
    tmp_dir_make(dir, dir_cap);
    snprintf(path, path_cap, "%s/%s", dir, name);
    make_table(path);
}

/* The last connection's checks: integrity, then close it and remove the directory. */
static void finish_intact(sqlite3 *db, const char *dir)
{
    assert_intact(db);
    sqlite3_close(db);
    tmp_dir_remove(dir);
}

/* A transaction of ~12 MB (several buffers, spills through a 16-page cache) commits, and a
 * connection on the plain VFS sees all of it, then reopening (WAL recovery) does too. */
static void test_store_walbuf__large_commit_visible(void **state)
{
    char dir[256], path[300];
    sqlite3 *writer, *reader;

    (void)state;
    assert_non_null(rk_sqlite_walbuf_vfs());
    table_in_new_dir(dir, sizeof(dir), path, sizeof(path), "w.db");
    writer = open_db(path, rk_sqlite_walbuf_vfs());
    reader = open_db(path, NULL);
    check_rows(reader, "a", 1, 0);
    insert_rows(writer, "a", 1, 4000, 1);
    check_rows(reader, "a", 1, 4000);
    insert_rows(writer, "b", 5001, 10, 1); /* a small one after a large one */
    check_rows(reader, "b", 5001, 10);
    assert_intact(reader);
    sqlite3_close(reader);
    sqlite3_close(writer);
    reader = open_db(path, NULL);
    check_rows(reader, "a", 1, 4000);
    finish_intact(reader, dir);
}

/* A rolled-back transaction left spilled frames in the writer's buffer. Another connection
 * then writes over the same WAL offsets and commits. When the first connection works again,
 * its old frames must not overwrite the other's. */
static void test_store_walbuf__rollback_leaves_no_stale_frames(void **state)
{
    char dir[256], path[300];
    sqlite3 *first, *second, *check;

    (void)state;
    table_in_new_dir(dir, sizeof(dir), path, sizeof(path), "r.db");
    first = open_db(path, rk_sqlite_walbuf_vfs());
    second = open_db(path, rk_sqlite_walbuf_vfs());
    insert_rows(first, "base", 1, 20, 1);
    insert_rows(first, "gone", 1001, 300, 0);
    check_rows(first, "gone", 1001, 0);
    insert_rows(second, "kept", 2001, 300, 1);
    /* the first connection reads and writes again: anything it still held must not land */
    check_rows(first, "kept", 2001, 300);
    insert_rows(first, "more", 3001, 5, 1);
    sqlite3_close(first);
    sqlite3_close(second);
    check = open_db(path, NULL);
    check_rows(check, "base", 1, 20);
    check_rows(check, "gone", 1001, 0);
    check_rows(check, "kept", 2001, 300);
    check_rows(check, "more", 3001, 5);
    finish_intact(check, dir);
}

/* A checkpoint (which reads the WAL back) after buffered commits copies the right pages. */
static void test_store_walbuf__checkpoint_after_buffered_commits(void **state)
{
    char dir[256], path[300];
    sqlite3 *db, *check;

    (void)state;
    table_in_new_dir(dir, sizeof(dir), path, sizeof(path), "c.db");
    db = open_db(path, rk_sqlite_walbuf_vfs());
    for (int i = 0; i < 8; i++)
        insert_rows(db, "c", 1 + i * 100, 100, 1);
    exec_ok(db, "PRAGMA wal_checkpoint(TRUNCATE)");
    insert_rows(db, "d", 10001, 50, 1); /* the WAL starts over from its header */
    sqlite3_close(db);
    check = open_db(path, NULL);
    check_rows(check, "c", 1, 800);
    check_rows(check, "d", 10001, 50);
    finish_intact(check, dir);
}

/* ---- the flush rules, on the VFS's files directly ----------------------------------------- */

#define PAGE 4096

struct wal_files {
    sqlite3_vfs *vfs;
    sqlite3_filename name;
    sqlite3_file *db, *wal;
    char wal_path[320];
};

static void wal_files_open(struct wal_files *w, const char *dir)
{
    char db_path[300], wal_path[320];
    int out = 0;

    snprintf(db_path, sizeof(db_path), "%s/f.db", dir);
    snprintf(wal_path, sizeof(wal_path), "%s/f.db-wal", dir);
    snprintf(w->wal_path, sizeof(w->wal_path), "%s", wal_path);
    w->vfs = sqlite3_vfs_find(rk_sqlite_walbuf_vfs());
    assert_non_null(w->vfs);
    w->name = sqlite3_create_filename(db_path, "", wal_path, 0, NULL);
    assert_non_null(w->name);
    w->db = sqlite3_malloc(w->vfs->szOsFile);
    w->wal = sqlite3_malloc(w->vfs->szOsFile);
    assert_int_equal(w->vfs->xOpen(w->vfs, w->name, w->db,
                                   SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE |
                                           SQLITE_OPEN_CREATE,
                                   &out),
                     SQLITE_OK);
    assert_int_equal(w->vfs->xOpen(w->vfs, sqlite3_filename_wal(w->name), w->wal,
                                   SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   &out),
                     SQLITE_OK);
}

static void wal_files_close(struct wal_files *w)
{
    assert_int_equal(w->wal->pMethods->xClose(w->wal), SQLITE_OK);
    assert_int_equal(w->db->pMethods->xClose(w->db), SQLITE_OK);
    sqlite3_free(w->wal);
    sqlite3_free(w->db);
    sqlite3_free_filename(w->name);
}

/* The WAL's size as the file system sees it (not through the VFS, which would flush). */
static long long size_on_file(const struct wal_files *w)
{
    FILE *f = fopen(w->wal_path, "rb");
    long long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    fclose(f);
    return n;
}

/* Append one frame (header, then page) at frame number i (from 0); commit > 0 marks it. */
static void write_frame(struct wal_files *w, int i, unsigned commit, unsigned char fill)
{
    unsigned char header[24] = {0}, page[PAGE];
    sqlite3_int64 at = 32 + (sqlite3_int64)i * (24 + PAGE);

    header[3] = (unsigned char)(i + 1); /* page number */
    header[7] = (unsigned char)commit;  /* database size after a commit, else 0 */
    memset(page, fill, sizeof(page));
    assert_int_equal(w->wal->pMethods->xWrite(w->wal, header, 24, at), SQLITE_OK);
    assert_int_equal(w->wal->pMethods->xWrite(w->wal, page, PAGE, at + 24), SQLITE_OK);
}

static void test_store_walbuf__flush_points(void **state)
{
    unsigned char wal_header[32] = {0x37, 0x7f, 0x06, 0x82}, back[PAGE];
    const long long frame = 24 + PAGE;
    void volatile *shm = NULL;
    struct wal_files w;
    char dir[256];

    (void)state;
    tmp_dir_make(dir, sizeof(dir));
    wal_files_open(&w, dir);
    assert_int_equal(w.wal->pMethods->xWrite(w.wal, wal_header, 32, 0), SQLITE_OK);
    write_frame(&w, 0, 0, 'a');
    write_frame(&w, 1, 0, 'b');
    assert_int_equal(size_on_file(&w), 0); /* frames of an open transaction wait */

    /* a lock on the database's shared memory writes them first */
    assert_int_equal(w.db->pMethods->xShmMap(w.db, 0, 32768, 1, &shm), SQLITE_OK);
    assert_int_equal(w.db->pMethods->xShmLock(w.db, 0, 1, SQLITE_SHM_LOCK | SQLITE_SHM_SHARED),
                     SQLITE_OK);
    assert_int_equal(size_on_file(&w), 32 + 2 * frame);
    assert_int_equal(
            w.db->pMethods->xShmLock(w.db, 0, 1, SQLITE_SHM_UNLOCK | SQLITE_SHM_SHARED),
            SQLITE_OK);

    /* a commit frame is on file when its page's write returns */
    write_frame(&w, 2, 0, 'c');
    write_frame(&w, 3, 7, 'd');
    assert_int_equal(size_on_file(&w), 32 + 4 * frame);

    /* a read sees buffered frames (they are written first) */
    write_frame(&w, 4, 0, 'e');
    assert_int_equal(size_on_file(&w), 32 + 4 * frame);
    assert_int_equal(w.wal->pMethods->xRead(w.wal, back, PAGE, 32 + 4 * frame + 24), SQLITE_OK);
    assert_int_equal(back[0], 'e');
    assert_int_equal(back[PAGE - 1], 'e');
    assert_int_equal(size_on_file(&w), 32 + 5 * frame);

    /* a write elsewhere (SQLite starting the WAL over) sends what was gathered first */
    write_frame(&w, 5, 0, 'f');
    write_frame(&w, 0, 0, 'g');
    assert_int_equal(size_on_file(&w), 32 + 6 * frame);
    assert_int_equal(w.wal->pMethods->xRead(w.wal, back, PAGE, 32 + 24), SQLITE_OK);
    assert_int_equal(back[0], 'g');
    assert_int_equal(w.wal->pMethods->xRead(w.wal, back, PAGE, 32 + 5 * frame + 24), SQLITE_OK);
    assert_int_equal(back[0], 'f');

    /* closing writes the rest */
    write_frame(&w, 6, 0, 'h');
    assert_int_equal(w.db->pMethods->xShmUnmap(w.db, 1), SQLITE_OK);
    wal_files_close(&w);
    {
        FILE *f = fopen(w.wal_path, "rb");

        assert_non_null(f);
        assert_int_equal(fseek(f, 32 + 6 * frame + 24, SEEK_SET), 0);
        assert_int_equal(fread(back, 1, PAGE, f), PAGE);
        fclose(f);
        assert_int_equal(back[0], 'h');
    }
    tmp_dir_remove(dir);
}

/* A WAL whose database is not open through this VFS has nothing to flush it before a lock
 * change, so it is written through. */
static void test_store_walbuf__orphan_wal_writes_through(void **state)
{
    struct wal_files w;
    sqlite3_file *orphan;
    sqlite3_filename other;
    char dir[256], db_path[300], wal_path[320];
    const long long frame = 24 + PAGE;
    int out = 0;

    (void)state;
    tmp_dir_make(dir, sizeof(dir));
    wal_files_open(&w, dir); /* registers a database, but not the one below */
    snprintf(db_path, sizeof(db_path), "%s/o.db", dir);
    snprintf(wal_path, sizeof(wal_path), "%s/o.db-wal", dir);
    {
        FILE *db = fopen(db_path, "w"); /* SQLite gives a WAL its database's file mode */

        assert_non_null(db);
        fclose(db);
    }
    other = sqlite3_create_filename(db_path, "", wal_path, 0, NULL);
    orphan = sqlite3_malloc(w.vfs->szOsFile);
    assert_int_equal(w.vfs->xOpen(w.vfs, sqlite3_filename_wal(other), orphan,
                                  SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                  &out),
                     SQLITE_OK);
    {
        struct wal_files o = w;

        o.wal = orphan;
        snprintf(o.wal_path, sizeof(o.wal_path), "%s", wal_path);
        write_frame(&o, 0, 0, 'o');
        assert_int_equal(size_on_file(&o), 32 + frame);
    }
    assert_int_equal(orphan->pMethods->xClose(orphan), SQLITE_OK);
    sqlite3_free(orphan);
    sqlite3_free_filename(other);
    wal_files_close(&w);
    tmp_dir_remove(dir);
}

/* The database file's size as the file system sees it. */
static long long db_size_on_file(const char *dir)
{
    char path[300];
    FILE *f;
    long long n;

    snprintf(path, sizeof(path), "%s/f.db", dir);
    assert_non_null(f = fopen(path, "rb"));
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    fclose(f);
    return n;
}

/* Write page i (from 0) of the database file, filled with fill. */
static void write_page(struct wal_files *w, int i, unsigned char fill)
{
    unsigned char page[PAGE];

    memset(page, fill, sizeof(page));
    assert_int_equal(w->db->pMethods->xWrite(w->db, page, PAGE, (sqlite3_int64)i * PAGE),
                     SQLITE_OK);
}

/* A database file's consecutive page writes wait in its buffer until any other operation on
 * the file (or a write elsewhere) sends them. */
static void test_store_walbuf__database_flush_points(void **state)
{
    unsigned char back[PAGE];
    sqlite3_int64 size = 0;
    struct wal_files w;
    void *map = NULL;
    char dir[256];

    (void)state;
    tmp_dir_make(dir, sizeof(dir));
    wal_files_open(&w, dir);
    write_page(&w, 0, 'a');
    write_page(&w, 1, 'b');
    write_page(&w, 2, 'c');
    assert_int_equal(db_size_on_file(dir), 0);
    assert_int_equal(w.db->pMethods->xFileSize(w.db, &size), SQLITE_OK);
    assert_int_equal(size, 3 * PAGE);
    assert_int_equal(db_size_on_file(dir), 3 * PAGE);

    write_page(&w, 3, 'd');
    write_page(&w, 9, 'j'); /* elsewhere: page 3 goes first */
    assert_int_equal(db_size_on_file(dir), 4 * PAGE);
    assert_int_equal(w.db->pMethods->xRead(w.db, back, PAGE, 9 * PAGE), SQLITE_OK);
    assert_int_equal(back[0], 'j');
    assert_int_equal(db_size_on_file(dir), 10 * PAGE);

    write_page(&w, 10, 'k');
    assert_int_equal(w.db->pMethods->xSync(w.db, SQLITE_SYNC_NORMAL), SQLITE_OK);
    assert_int_equal(db_size_on_file(dir), 11 * PAGE);
    write_page(&w, 11, 'l');
    assert_int_equal(w.db->pMethods->xLock(w.db, SQLITE_LOCK_SHARED), SQLITE_OK);
    assert_int_equal(db_size_on_file(dir), 12 * PAGE);
    write_page(&w, 12, 'm');
    assert_int_equal(w.db->pMethods->xUnlock(w.db, SQLITE_LOCK_NONE), SQLITE_OK);
    assert_int_equal(db_size_on_file(dir), 13 * PAGE);
    write_page(&w, 13, 'n'); /* a mapping shows what was written */
    assert_int_equal(w.db->pMethods->xFileControl(w.db, SQLITE_FCNTL_MMAP_SIZE,
                                                  &(sqlite3_int64){1 << 20}),
                     SQLITE_OK);
    assert_int_equal(db_size_on_file(dir), 14 * PAGE);
    write_page(&w, 14, 'o');
    assert_int_equal(w.db->pMethods->xFetch(w.db, 14 * PAGE, PAGE, &map), SQLITE_OK);
    assert_int_equal(db_size_on_file(dir), 15 * PAGE);
    if (map) {
        assert_int_equal(((unsigned char *)map)[0], 'o');
        assert_int_equal(w.db->pMethods->xUnfetch(w.db, 14 * PAGE, map), SQLITE_OK);
    }
    write_page(&w, 15, 'p');
    w.db->pMethods->xShmBarrier(w.db);
    assert_int_equal(db_size_on_file(dir), 16 * PAGE);
    write_page(&w, 16, 'q'); /* closing writes the rest */
    wal_files_close(&w);
    assert_int_equal(db_size_on_file(dir), 17 * PAGE);
    tmp_dir_remove(dir);
}

/* A connection that takes its database alone with a rollback journal and a small page cache,
 * as renkei import --exclusive does (with the file mapped). */
static sqlite3 *open_alone(const char *path)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                                     rk_sqlite_walbuf_vfs()),
                     SQLITE_OK);
    exec_ok(db, "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=TRUNCATE;"
                " PRAGMA synchronous=NORMAL; PRAGMA cache_size=16; PRAGMA mmap_size=1048576");
    return db;
}

/* In rollback-journal mode, pages a transaction spilled (gathered, and some mapped) are read
 * back right inside it; a rolled-back transaction leaves none of them; a committed one is on
 * file for a connection of the plain VFS. */
static void test_store_walbuf__journal_spills_read_back(void **state)
{
    char dir[256], path[300];
    sqlite3 *db;

    (void)state;
    table_in_new_dir(dir, sizeof(dir), path, sizeof(path), "j.db");
    db = open_alone(path);
    exec_ok(db, "PRAGMA journal_mode=TRUNCATE"); /* the table was made in WAL mode */
    insert_rows(db, "kept", 1, 500, 1);
    exec_ok(db, "BEGIN IMMEDIATE");
    exec_ok(db, "WITH RECURSIVE k(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM k"
                " WHERE i < 2999) INSERT INTO t (k, tag, v)"
                " SELECT i, 'spilled', zeroblob(3000) || i FROM k");
    check_rows(db, "spilled", 1000, 2000); /* about 800 pages through a 16-page cache */
    check_rows(db, "kept", 1, 500);
    exec_ok(db, "ROLLBACK");
    check_rows(db, "spilled", 1000, 0);
    insert_rows(db, "more", 5000, 2000, 1);
    assert_intact(db);
    sqlite3_close(db);
    db = open_db(path, NULL);
    check_rows(db, "kept", 1, 500);
    check_rows(db, "more", 5000, 2000);
    finish_intact(db, dir);
}

/* Log writes go to write-back as they are written, a checkpoint's copies into the database
 * too; a rollback-journal transaction's database writes do not (they may be written again). */
static void test_store_walbuf__writeback_hints(void **state)
{
    char dir[256], path[300];
    uint64_t wal[4], db_copies[4];
    sqlite3 *db;

    (void)state;
    table_in_new_dir(dir, sizeof(dir), path, sizeof(path), "h.db");
    db = open_db(path, rk_sqlite_walbuf_vfs());
    rk_sqlite_walbuf_writebacks(&wal[0], &db_copies[0]);
    insert_rows(db, "log", 1, 2000, 1); /* about 6 MB: more than one buffer of the log */
    rk_sqlite_walbuf_writebacks(&wal[1], &db_copies[1]);
    exec_ok(db, "PRAGMA wal_checkpoint(PASSIVE)");
    rk_sqlite_walbuf_writebacks(&wal[2], &db_copies[2]);
    sqlite3_close(db);
    db = open_alone(path);
    exec_ok(db, "PRAGMA journal_mode=TRUNCATE");
    insert_rows(db, "journal", 5000, 2000, 1);
    rk_sqlite_walbuf_writebacks(&wal[3], &db_copies[3]);
    check_rows(db, "log", 1, 2000);
    check_rows(db, "journal", 5000, 2000);
    assert_true(wal[1] >= wal[0] + 2);            /* a full buffer, then the commit */
    assert_int_equal(db_copies[1], db_copies[0]); /* no checkpoint yet */
    assert_true(db_copies[2] > db_copies[1]);     /* the checkpoint's copies */
    assert_int_equal(db_copies[3], db_copies[2]); /* the journal transaction's pages */
    finish_intact(db, dir);
}

int test_store_walbuf_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_walbuf__large_commit_visible),
        cmocka_unit_test(test_store_walbuf__rollback_leaves_no_stale_frames),
        cmocka_unit_test(test_store_walbuf__checkpoint_after_buffered_commits),
        cmocka_unit_test(test_store_walbuf__flush_points),
        cmocka_unit_test(test_store_walbuf__orphan_wal_writes_through),
        cmocka_unit_test(test_store_walbuf__database_flush_points),
        cmocka_unit_test(test_store_walbuf__journal_spills_read_back),
        cmocka_unit_test(test_store_walbuf__writeback_hints),
    };

    return cmocka_run_group_tests_name("store_walbuf", tests, NULL, NULL);
}
