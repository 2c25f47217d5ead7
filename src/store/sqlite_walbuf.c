/* sqlite_walbuf.c - a SQLite VFS that gathers write-ahead-log appends into large writes.
 *
 * SQLite appends a transaction to the WAL one frame at a time, with two writes per frame
 * (a 24-byte header, then the page). An envelope of 1,000 objects dirties about a thousand
 * pages, so a commit made some two thousand small pwrite calls. This VFS wraps the default
 * one. A WAL file collects consecutive appends in a buffer that goes to the file in one
 * write
 *   - when the frame that commits a transaction is complete (its header carries the
 *     database size, bytes 4-7, non-zero only for a commit frame; see "WAL File Format" in
 *     the SQLite file-format documentation), before the write call returns, so a commit is
 *     on file before SQLite publishes it in the shared WAL index;
 *   - before any other operation on the WAL file (read, sync, size, truncate, close,
 *     controls) and before a write that is not the next append;
 *   - before any lock or unlock of the database's shared memory, so frames of a transaction
 *     that was rolled back are written (past the committed end, as SQLite would have) while
 *     this connection still holds the write lock, never later over another writer's frames;
 *   - when the buffer is full.
 * Frames still in the buffer belong to a transaction that has not committed, so a crash
 * that loses them loses nothing SQLite reported as committed.
 *
 * A database file gathers consecutive page writes as well (see "A database file" below):
 * SQLite writes its pages one call each, the pages a transaction adds (an import's, in
 * rollback-journal mode) and a checkpoint's copies, in page order. They are written before
 * any other operation on the file, so before the sync that precedes dropping the journal or
 * the log that protects them, and before any read or mapping of the file. Every other file is
 * the default VFS's own.
 *
 * Each gathered write of a WAL, and of a checkpoint's copies into the database, is handed to
 * the kernel's write-back at once (sync_file_range, SYNC_FILE_RANGE_WRITE): the syncs a
 * checkpoint makes then find the pages mostly on disk already. An import on one core
 * stored 164-169k objects/s without this and 184-185k with it.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/sqlite.h"

#define WALBUF_VFS_NAME "renkei-walbuf"
#define WALBUF_CAPACITY (4u << 20)
#define WAL_FRAME_HEADER 24
/* The largest write the unix VFS makes in one call: it masks a write's length with 0x1ffff
 * (seekAndWriteFd), so longer writes must be split. */
#define WALBUF_WRITE_MAX 0x1f000u

struct walbuf_file {
    sqlite3_file base;   /* first: SQLite sees this */
    sqlite3_file *inner; /* the wrapped VFS's file, allocated right after this struct */
    const char *name;    /* database: the name SQLite opened it by (the registry key) */
    struct walbuf_file *peer;     /* database: its open WAL; WAL: its database */
    struct walbuf_file *next_db;  /* the registry of open databases */
    unsigned char *buf;           /* gathered writes, from here on */
    size_t len;
    sqlite3_int64 start;      /* file offset of buf[0] */
    int commit_frame_pending; /* the last write was a commit frame's header */
    int deferred_rc;          /* database: a failed write out not yet reported */
    int writeback_fd;         /* the inner file's descriptor, for write-back hints; or -1 */
    int writing_back;         /* hand each write out to write-back (a WAL; a checkpoint's copies) */
    uint64_t *writebacks;     /* the count of such hints for this kind of file */
};

/* Write-back hints given, per kind of file (rk_sqlite_walbuf_writebacks). */
static uint64_t wal_writebacks, db_writebacks;

static sqlite3_vfs walbuf_vfs;

/* The open databases, so a WAL being opened finds its database. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct walbuf_file *registry;

static void registry_add(struct walbuf_file *db)
{
    pthread_mutex_lock(&registry_lock);
    db->next_db = registry;
    registry = db;
    pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(struct walbuf_file *db)
{
    struct walbuf_file **p;

    pthread_mutex_lock(&registry_lock);
    for (p = &registry; *p; p = &(*p)->next_db)
        if (*p == db) {
            *p = db->next_db;
            break;
        }
    if (db->peer)
        db->peer->peer = NULL;
    pthread_mutex_unlock(&registry_lock);
}

/* Link a WAL with its database: SQLite derives a WAL's name from the database's name in
 * one allocation, and sqlite3_filename_database gives back the database's pointer. */
static void registry_link_wal(struct walbuf_file *wal, const char *wal_name)
{
    const char *db_name = sqlite3_filename_database(wal_name);
    struct walbuf_file *db;

    pthread_mutex_lock(&registry_lock);
    for (db = registry; db; db = db->next_db)
        if (db->name == db_name) {
            db->peer = wal;
            wal->peer = db;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
}

static void registry_unlink_wal(struct walbuf_file *wal)
{
    pthread_mutex_lock(&registry_lock);
    if (wal->peer)
        wal->peer->peer = NULL;
    wal->peer = NULL;
    pthread_mutex_unlock(&registry_lock);
}

/* Write len bytes at offset through the wrapped VFS, in pieces it writes whole. */
static int write_through(struct walbuf_file *f, const void *data, size_t len,
                         sqlite3_int64 offset)
{
    const unsigned char *p = data;
    size_t done = 0;
    int rc = SQLITE_OK;

    while (done < len && rc == SQLITE_OK) {
        size_t n = len - done < WALBUF_WRITE_MAX ? len - done : WALBUF_WRITE_MAX;

        rc = f->inner->pMethods->xWrite(f->inner, p + done, (int)n,
                                        offset + (sqlite3_int64)done);
        done += n;
    }
    return rc;
}

/* Have the kernel start writing the buffer's range to the disk now, without waiting for it.
 * The sync that comes later (before a checkpoint, after its copies) then finds most of it
 * done, where it used to wait for all of it: 40-60 ms per 100 MB at each checkpoint of an
 * import, with nothing else for the writing thread to do. */
static void start_writeback(struct walbuf_file *f)
{
    if (sync_file_range(f->writeback_fd, f->start, (off_t)f->len, SYNC_FILE_RANGE_WRITE) == 0)
        __atomic_add_fetch(f->writebacks, 1, __ATOMIC_RELAXED);
}

/* Send the buffer to the file; it is empty afterwards, even when the write failed. */
static int walbuf_flush(struct walbuf_file *f)
{
    int rc = f->len ? write_through(f, f->buf, f->len, f->start) : SQLITE_OK;

    if (rc == SQLITE_OK && f->len && f->writing_back)
        start_writeback(f);

    f->len = 0;
    return rc;
}

static int frame_header_commits(const void *data, int amt, sqlite3_int64 offset)
{
    const unsigned char *h = data;

    return amt == WAL_FRAME_HEADER && offset >= 32 && (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int walbuf_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 offset)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    /* without its database (not found when opened, or closed) nothing would flush before a
     * lock change, so such a WAL is written through, as is a write larger than the buffer */
    int gather = f->peer && (size_t)amt <= WALBUF_CAPACITY;
    int rc = SQLITE_OK;

    if (f->len > 0 && (!gather || offset != f->start + (sqlite3_int64)f->len ||
                       f->len + (size_t)amt > WALBUF_CAPACITY))
        rc = walbuf_flush(f);
    if (rc != SQLITE_OK)
        return rc;
    if (!gather || (!f->buf && !(f->buf = malloc(WALBUF_CAPACITY)))) /* or out of memory */
        return write_through(f, data, (size_t)amt, offset);
    if (f->len == 0)
        f->start = offset;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    if (frame_header_commits(data, amt, offset)) {
        f->commit_frame_pending = 1;
        return SQLITE_OK;
    }
    if (f->commit_frame_pending) {
        f->commit_frame_pending = 0;
        return walbuf_flush(f);
    }
    return SQLITE_OK;
}

/* The start of a method of a file that holds writes back: var is the file, whose held writes
 * flush() writes out before the method goes on (or returns the failure). */
#define FLUSHED_OR_RETURN(var, file, flush)                                                    \
    struct walbuf_file *var = (struct walbuf_file *)(file);                                   \
    int flush_rc = flush(var);                                                                 \
    if (flush_rc != SQLITE_OK)                                                                 \
        return flush_rc

/* Every other method writes the buffer out first, then forwards. */
#define FLUSH_OR_RETURN(file) FLUSHED_OR_RETURN(f, file, walbuf_flush)

static int walbuf_close(sqlite3_file *file)
{
    struct walbuf_file *f = (struct walbuf_file *)file;
    int flush_rc = walbuf_flush(f);
    int rc = f->inner->pMethods->xClose(f->inner);

    registry_unlink_wal(f);
    free(f->buf);
    f->buf = NULL;
    return flush_rc != SQLITE_OK ? flush_rc : rc;
}

static int walbuf_read(sqlite3_file *file, void *data, int amt, sqlite3_int64 offset)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xRead(f->inner, data, amt, offset);
}

static int walbuf_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xTruncate(f->inner, size);
}

static int walbuf_sync(sqlite3_file *file, int flags)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xSync(f->inner, flags);
}

static int walbuf_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xFileSize(f->inner, size);
}

static int walbuf_lock(sqlite3_file *file, int level)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xLock(f->inner, level);
}

static int walbuf_unlock(sqlite3_file *file, int level)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xUnlock(f->inner, level);
}

static int walbuf_check_reserved(sqlite3_file *file, int *out)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xCheckReservedLock(f->inner, out);
}

static int walbuf_file_control(sqlite3_file *file, int op, void *arg)
{
    FLUSH_OR_RETURN(file);
    return f->inner->pMethods->xFileControl(f->inner, op, arg);
}

static int walbuf_sector_size(sqlite3_file *file)
{
    struct walbuf_file *f = (struct walbuf_file *)file;

    return f->inner->pMethods->xSectorSize(f->inner);
}

static int walbuf_device_characteristics(sqlite3_file *file)
{
    struct walbuf_file *f = (struct walbuf_file *)file;

    return f->inner->pMethods->xDeviceCharacteristics(f->inner);
}

/* Version 1: a WAL file has no shared memory or memory mapping of its own. */
static const sqlite3_io_methods walbuf_methods = {
    .iVersion = 1,
    .xClose = walbuf_close,
    .xRead = walbuf_read,
    .xWrite = walbuf_write,
    .xTruncate = walbuf_truncate,
    .xSync = walbuf_sync,
    .xFileSize = walbuf_file_size,
    .xLock = walbuf_lock,
    .xUnlock = walbuf_unlock,
    .xCheckReservedLock = walbuf_check_reserved,
    .xFileControl = walbuf_file_control,
    .xSectorSize = walbuf_sector_size,
    .xDeviceCharacteristics = walbuf_device_characteristics,
};

/* A database file. Its gathered writes go out before any other operation on it, including
 * the shared-memory calls (a WAL's checkpoint publishes its progress there). SQLite drops a
 * rollback journal, or starts a log over, only after a sync of the database (with
 * synchronous=NORMAL, as renkei sets it), so pages still buffered when the process dies
 * belong to a transaction the journal rolls back, or are copies the log still holds. A write
 * out that fails is kept and returned by the next call whose result SQLite checks (xWrite,
 * xRead, xSync, xFileSize, xTruncate, xLock, xFetch), at the latest the sync before a
 * commit, which then fails. */
#define DB_CAPACITY WALBUF_WRITE_MAX /* one write of the unix VFS: fewer calls gain nothing */
#define DB_INNER(file) (((struct walbuf_file *)(file))->inner)
#define DB_FORWARD(file, fn, ...) DB_INNER(file)->pMethods->fn(DB_INNER(file), __VA_ARGS__)

/* Write the buffer out; a failure is kept in deferred_rc for the next call that reports. */
static void db_flush(struct walbuf_file *db)
{
    int rc = walbuf_flush(db);

    if (rc != SQLITE_OK && db->deferred_rc == SQLITE_OK)
        db->deferred_rc = rc;
}

/* The buffer written out; the failure kept from any earlier write out, once. */
static int db_flush_rc(struct walbuf_file *db)
{
    int rc;

    db_flush(db);
    rc = db->deferred_rc;
    db->deferred_rc = SQLITE_OK;
    return rc;
}

/* A database file's methods write its held pages out first (and report a failed earlier write). */
#define DB_FLUSH_OR_RETURN(file) FLUSHED_OR_RETURN(db, file, db_flush_rc)

static int db_close(sqlite3_file *file)
{
    struct walbuf_file *db = (struct walbuf_file *)file;
    int flush_rc = db_flush_rc(db), rc;

    registry_remove(db);
    rc = DB_INNER(file)->pMethods->xClose(DB_INNER(file));
    free(db->buf);
    db->buf = NULL;
    return flush_rc != SQLITE_OK ? flush_rc : rc;
}

static int db_read(sqlite3_file *file, void *data, int amt, sqlite3_int64 offset)
{
    DB_FLUSH_OR_RETURN(file);
    return DB_FORWARD(file, xRead, data, amt, offset);
}

static int db_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 offset)
{
    struct walbuf_file *db = (struct walbuf_file *)file;
    int rc;

    if (db->len > 0 && (offset != db->start + (sqlite3_int64)db->len ||
                        db->len + (size_t)amt > DB_CAPACITY))
        db_flush(db);
    if ((rc = db->deferred_rc) != SQLITE_OK) {
        db->deferred_rc = SQLITE_OK;
        return rc;
    }
    if ((size_t)amt > DB_CAPACITY || (!db->buf && !(db->buf = malloc(DB_CAPACITY))))
        return write_through(db, data, (size_t)amt, offset);
    if (db->len == 0)
        db->start = offset;
    memcpy(db->buf + db->len, data, (size_t)amt);
    db->len += (size_t)amt;
    return SQLITE_OK;
}

static int db_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    DB_FLUSH_OR_RETURN(file);
    return DB_FORWARD(file, xTruncate, size);
}

static int db_sync(sqlite3_file *file, int flags)
{
    DB_FLUSH_OR_RETURN(file);
    return DB_FORWARD(file, xSync, flags);
}

static int db_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    DB_FLUSH_OR_RETURN(file);
    return DB_FORWARD(file, xFileSize, size);
}

static int db_lock(sqlite3_file *file, int level)
{
    DB_FLUSH_OR_RETURN(file);
    return DB_FORWARD(file, xLock, level);
}

/* An unlock's result is ignored by SQLite: a failed write out stays kept for a later call. */
static int db_unlock(sqlite3_file *file, int level)
{
    db_flush((struct walbuf_file *)file);
    return DB_FORWARD(file, xUnlock, level);
}

static int db_check_reserved(sqlite3_file *file, int *out)
{
    db_flush((struct walbuf_file *)file);
    return DB_FORWARD(file, xCheckReservedLock, out);
}

/* Some controls are hints whose result SQLite ignores (a checkpoint's "done"). A checkpoint's
 * copies, from its "start" to its "done", go to write-back as they are written: the database
 * is synced right after them. Other writes are not hinted: an import's rollback-journal
 * transaction writes pages it will change again, and writing those back early costs more than
 * it saves (about 12 % of its CPU time). */
static int db_file_control(sqlite3_file *file, int op, void *arg)
{
    struct walbuf_file *db = (struct walbuf_file *)file;

    db_flush(db);
    if (op == SQLITE_FCNTL_CKPT_START || op == SQLITE_FCNTL_CKPT_DONE)
        db->writing_back = op == SQLITE_FCNTL_CKPT_START && db->writeback_fd >= 0;
    return DB_FORWARD(file, xFileControl, op, arg);
}

static int db_sector_size(sqlite3_file *file)
{
    return DB_INNER(file)->pMethods->xSectorSize(DB_INNER(file));
}

static int db_device_characteristics(sqlite3_file *file)
{
    return DB_INNER(file)->pMethods->xDeviceCharacteristics(DB_INNER(file));
}

static int db_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **out)
{
    db_flush((struct walbuf_file *)file);
    return DB_FORWARD(file, xShmMap, region, size, extend, out);
}

static int db_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    struct walbuf_file *db = (struct walbuf_file *)file;

    db_flush(db);
    if (db->peer) {
        int rc = walbuf_flush(db->peer);

        /* an unlock goes ahead whatever happened (SQLite ignores an unlock's result, so a
         * refused one would keep the lock): what was buffered then belongs to a transaction
         * that did not commit, and the flush dropped it */
        if (rc != SQLITE_OK && !(flags & SQLITE_SHM_UNLOCK))
            return rc;
    }
    return DB_FORWARD(file, xShmLock, offset, n, flags);
}

/* A barrier publishes shared-memory changes, such as a checkpoint's progress, to readers of
 * the file: the pages go first. */
static void db_shm_barrier(sqlite3_file *file)
{
    db_flush((struct walbuf_file *)file);
    DB_INNER(file)->pMethods->xShmBarrier(DB_INNER(file));
}

static int db_shm_unmap(sqlite3_file *file, int delete_flag)
{
    db_flush((struct walbuf_file *)file);
    return DB_FORWARD(file, xShmUnmap, delete_flag);
}

/* The mapped file must show the pages written. */
static int db_fetch(sqlite3_file *file, sqlite3_int64 offset, int amt, void **out)
{
    DB_FLUSH_OR_RETURN(file);
    return DB_FORWARD(file, xFetch, offset, amt, out);
}

static int db_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    db_flush((struct walbuf_file *)file);
    return DB_FORWARD(file, xUnfetch, offset, page);
}

static const sqlite3_io_methods db_methods = {
    .iVersion = 3,
    .xClose = db_close,
    .xRead = db_read,
    .xWrite = db_write,
    .xTruncate = db_truncate,
    .xSync = db_sync,
    .xFileSize = db_file_size,
    .xLock = db_lock,
    .xUnlock = db_unlock,
    .xCheckReservedLock = db_check_reserved,
    .xFileControl = db_file_control,
    .xSectorSize = db_sector_size,
    .xDeviceCharacteristics = db_device_characteristics,
    .xShmMap = db_shm_map,
    .xShmLock = db_shm_lock,
    .xShmBarrier = db_shm_barrier,
    .xShmUnmap = db_shm_unmap,
    .xFetch = db_fetch,
    .xUnfetch = db_unfetch,
};

static int open_inner(sqlite3_vfs *inner_vfs, struct walbuf_file *f, const char *name, int flags,
                      int *out_flags)
{
    memset(f, 0, sizeof(*f));
    f->writeback_fd = -1;
    f->inner = (sqlite3_file *)(f + 1);
    return inner_vfs->xOpen(inner_vfs, name, f->inner, flags, out_flags);
}

/* The start of the unix VFS's file (struct unixFile in SQLite's os_unix.c, unchanged since
 * SQLite 3.7): three pointers, then the descriptor. */
struct unix_file_start {
    const void *methods, *vfs, *inode;
    int fd;
};

/* The descriptor the unix VFS opened name with, for write-back hints, or -1. SQLite has no
 * call that gives it; it is read from the file's start and used only when it names that very
 * file (same device and inode as name), so another VFS or layout turns the hints off and
 * nothing else. A descriptor of renkei's own would not do: closing any descriptor of a file
 * drops every POSIX lock the process holds on it, SQLite's included. */
static int unix_descriptor(sqlite3_vfs *inner_vfs, struct walbuf_file *f, const char *name,
                           int flags)
{
    const struct unix_file_start *u = (const void *)f->inner;
    struct stat by_fd, by_name;

    if ((flags & SQLITE_OPEN_READONLY) || strncmp(inner_vfs->zName, "unix", 4) != 0 ||
        (size_t)inner_vfs->szOsFile < sizeof(*u) || u->fd < 0 || fstat(u->fd, &by_fd) != 0 ||
        stat(name, &by_name) != 0 || by_fd.st_dev != by_name.st_dev ||
        by_fd.st_ino != by_name.st_ino || !S_ISREG(by_fd.st_mode))
        return -1;
    return u->fd;
}

static int open_db_file(sqlite3_vfs *inner_vfs, struct walbuf_file *f, const char *name,
                        int flags, int *out_flags)
{
    int rc = open_inner(inner_vfs, f, name, flags, out_flags);

    /* The inner VFS's methods must be version 3 for every forward above to exist. */
    if (rc != SQLITE_OK || f->inner->pMethods->iVersion < 3) {
        if (rc == SQLITE_OK)
            f->inner->pMethods->xClose(f->inner);
        return rc == SQLITE_OK ? SQLITE_CANTOPEN : rc;
    }
    f->name = name;
    f->writeback_fd = unix_descriptor(inner_vfs, f, name, flags);
    f->writebacks = &db_writebacks;
    registry_add(f);
    f->base.pMethods = &db_methods;
    return SQLITE_OK;
}

/* The buffer comes with the first write: read-only handles never need one. */
static int open_wal_file(sqlite3_vfs *inner_vfs, struct walbuf_file *f, const char *name,
                         int flags, int *out_flags)
{
    int rc = open_inner(inner_vfs, f, name, flags, out_flags);

    if (rc != SQLITE_OK)
        return rc;
    registry_link_wal(f, name);
    f->writeback_fd = unix_descriptor(inner_vfs, f, name, flags);
    f->writing_back = f->writeback_fd >= 0;
    f->writebacks = &wal_writebacks;
    f->base.pMethods = &walbuf_methods;
    return SQLITE_OK;
}

static int walbuf_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                       int *out_flags)
{
    sqlite3_vfs *inner_vfs = vfs->pAppData;

    if ((flags & SQLITE_OPEN_MAIN_DB) && name)
        return open_db_file(inner_vfs, (struct walbuf_file *)file, name, flags, out_flags);
    if (flags & SQLITE_OPEN_WAL)
        return open_wal_file(inner_vfs, (struct walbuf_file *)file, name, flags, out_flags);
    /* Anything else is the inner VFS's file itself, at the same address. */
    return inner_vfs->xOpen(inner_vfs, name, file, flags, out_flags);
}

#define FORWARD(fn, ...) ((sqlite3_vfs *)vfs->pAppData)->fn((sqlite3_vfs *)vfs->pAppData, __VA_ARGS__)

static int walbuf_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    return FORWARD(xDelete, name, sync_dir);
}

static int walbuf_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return FORWARD(xAccess, name, flags, out);
}

static int walbuf_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    return FORWARD(xFullPathname, name, n, out);
}

static void *walbuf_dl_open(sqlite3_vfs *vfs, const char *name)
{
    return FORWARD(xDlOpen, name);
}

static void walbuf_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
    FORWARD(xDlError, n, msg);
}

static void (*walbuf_dl_sym(sqlite3_vfs *vfs, void *handle, const char *sym))(void)
{
    return FORWARD(xDlSym, handle, sym);
}

static void walbuf_dl_close(sqlite3_vfs *vfs, void *handle)
{
    FORWARD(xDlClose, handle);
}

static int walbuf_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    return FORWARD(xRandomness, n, out);
}

static int walbuf_sleep(sqlite3_vfs *vfs, int micros)
{
    return FORWARD(xSleep, micros);
}

static int walbuf_current_time(sqlite3_vfs *vfs, double *out)
{
    return FORWARD(xCurrentTime, out);
}

static int walbuf_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    return FORWARD(xGetLastError, n, out);
}

static int walbuf_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    return FORWARD(xCurrentTimeInt64, out);
}

static int walbuf_register_rc = SQLITE_ERROR;

static void walbuf_register(void)
{
    sqlite3_vfs *inner = sqlite3_vfs_find(NULL);

    if (!inner || inner->iVersion < 2)
        return;
    walbuf_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct walbuf_file) + inner->szOsFile,
        .mxPathname = inner->mxPathname,
        .zName = WALBUF_VFS_NAME,
        .pAppData = inner,
        .xOpen = walbuf_open,
        .xDelete = walbuf_delete,
        .xAccess = walbuf_access,
        .xFullPathname = walbuf_full_pathname,
        .xDlOpen = walbuf_dl_open,
        .xDlError = walbuf_dl_error,
        .xDlSym = walbuf_dl_sym,
        .xDlClose = walbuf_dl_close,
        .xRandomness = walbuf_randomness,
        .xSleep = walbuf_sleep,
        .xCurrentTime = walbuf_current_time,
        .xGetLastError = walbuf_get_last_error,
        .xCurrentTimeInt64 = walbuf_current_time_int64,
    };
    walbuf_register_rc = sqlite3_vfs_register(&walbuf_vfs, 0);
}

const char *rk_sqlite_walbuf_vfs(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, walbuf_register);
    return walbuf_register_rc == SQLITE_OK ? WALBUF_VFS_NAME : NULL;
}

void rk_sqlite_walbuf_writebacks(uint64_t *wal, uint64_t *db)
{
    *wal = __atomic_load_n(&wal_writebacks, __ATOMIC_RELAXED);
    *db = __atomic_load_n(&db_writebacks, __ATOMIC_RELAXED);
}
