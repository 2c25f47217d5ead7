/* sqlite.h - the SQLite backend of the store: its handle, helpers and schema migrations.
 *
 * Only src/store/sqlite_*.c include this header (and so sqlite3.h). Nothing here crosses
 * include/renkei/store.h: every SQLite failure leaves as an RK_E* code with the SQLite
 * message in struct rk_err.
 */
#ifndef RK_STORE_SQLITE_H
#define RK_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdint.h>

#include "store/backend.h"

/* Magic number in the database header (PRAGMA application_id): "RKNK". */
#define RK_SQLITE_APPLICATION_ID 0x524b4e4b
/* How long a writer waits for another process's write transaction, in milliseconds. */
#define RK_SQLITE_BUSY_MS 30000
/* Log pages after which a read-write handle's commit checkpoints (SQLite's default). */
#define RK_SQLITE_CHECKPOINT_PAGES 4096
/* Entries of the id index's fresh level that a commit merges into the settled level: small
 * enough that the fresh level's pages stay few and hot (about a hundred pages of 8 KiB), large
 * enough that a merge writes each settled leaf once for many new ids. */
#define RK_SQLITE_FRESH_IDS_MAX 32768
/* Objects a handle puts before it builds its id filter (sqlite_idfilter.c). */
#define RK_SQLITE_IDFILTER_AFTER 20000
/* The largest id filter, in bits: 256 MiB, about 67M ids; beyond, puts probe the index. */
#define RK_SQLITE_IDFILTER_MAX_BITS (1ull << 31)
/* Prepared statements kept per handle (static SQL and recent query shapes). */
#define RK_SQLITE_CACHE_MAX 64

/* Slots of the per-handle cache of origins (provenance) met by queries; a power of two. */
#define RK_SQLITE_ORIGIN_SLOTS 256

/* One origin's provenance: kind, source, org and sharing groups in one allocation. */
struct rk_sqlite_origin {
    int64_t key; /* 0: empty slot */
    void *mem;   /* the one allocation holding everything below */
    char *kind, *source, *org;
    const char **groups; /* the sharing groups, as stored (sorted) */
    size_t n_groups;
};

struct rk_sqlite_cached {
    char *sql;
    size_t len;
    uint64_t hash;
    sqlite3_stmt *stmt;
    int busy;      /* handed out and not yet released */
    uint64_t used; /* last use, for eviction */
};

/* Statements a batch holds from begin to commit (see sqlite_put.c). */
enum {
    RK_SQLITE_PUT_VERSIONS, /* the stored versions of (coll, id), by id hash */
    RK_SQLITE_PUT_INSERT,
    RK_SQLITE_PUT_ID_FRESH,   /* the new row's entry in the id index's fresh level */
    RK_SQLITE_PUT_ID_SETTLED, /* ... in its settled level, once the fresh level is full */
    RK_SQLITE_PUT_FLAGS, /* clear is_first / is_last of one row */
    RK_SQLITE_PUT_SPEC,  /* clear spec_top of (coll, id) */
    RK_SQLITE_PUT_JSON,  /* the JSON of one row, to tell a duplicate from a conflict */
    RK_SQLITE_PUT_INSERT_MANY, /* RK_SQLITE_ROWS_PER_INSERT rows; RK_STORE_BULK handles only */
    RK_SQLITE_PUT_IDS_FRESH_MANY,   /* RK_SQLITE_IDS_PER_INSERT entries into ids_fresh */
    RK_SQLITE_PUT_IDS_SETTLED_MANY, /* ... into ids_settled */
    RK_SQLITE_PUT_N
};

/* New rows one INSERT of a bulk handle's batch stores (sqlite_rowbuf.c); times the columns
 * of a row, well under SQLite's limit of 32,766 parameters. */
#define RK_SQLITE_ROWS_PER_INSERT 64
#define RK_SQLITE_ROW_COLUMNS 18
#define RK_SQLITE_OBJECTS_COLUMNS                                                                  \
    "objects (date_added, coll, idh, id, vkey, sha256, is_first, is_last, spec_top, tlp, origin," \
    " type, spec_version, spec_rank, created, modified, revoked, json)"
/* Id index entries one INSERT of a batch's flush stores (sqlite_idpending.c). */
#define RK_SQLITE_IDS_PER_INSERT 128

/* One new row of objects, as its INSERT binds it. The strings are the caller's, or copies in
 * the row buffer while the row waits there; created and modified may be NULL. */
struct rk_sqlite_newrow {
    int64_t added, coll, idh, origin;
    int is_first, is_last, spec_top, tlp, spec_rank, revoked;
    uint8_t vkey[RK_STORE_VKEY_LEN];
    size_t vkey_len;
    const char *id, *type, *spec_version, *created, *modified, *json;
    size_t id_len, type_len, spec_version_len, created_len, modified_len, json_len;
};

/* The rows of the open batch waiting for their INSERT (sqlite_rowbuf.c). */
struct rk_sqlite_rowbuf {
    struct rk_sqlite_newrow v[RK_SQLITE_ROWS_PER_INSERT];
    size_t n;
    char *text; /* the rows' strings; never moves while n > 0 */
    size_t text_len, text_cap;
};

/* A Bloom filter of the (collection, id hash) pairs in the store (sqlite_idfilter.c). */
struct rk_sqlite_idfilter {
    uint64_t *bits; /* NULL: not built; every put probes the id index */
    void *mem;      /* the allocation bits lies in, 64-byte aligned */
    uint64_t nbits; /* a power of two */
    int64_t n;          /* pairs added */
    int64_t covered_us; /* every row up to this date_added is in */
    int64_t puts;       /* objects this handle stored, counted at commit */
    int64_t skipped;    /* probes the filter saved (for tests) */
    int index_large;    /* the index had too many entries to build the filter before puts */
};

/* The id index entries of the open batch, not yet written (sqlite_idpending.c). */
struct rk_sqlite_identry {
    int64_t coll, idh, date_added;
};
struct rk_sqlite_idpending {
    struct rk_sqlite_identry *v;
    size_t n, cap;
    uint32_t *set;  /* the pending (coll, idh) pairs, open addressing (sqlite_idpending.c) */
    size_t set_cap; /* a power of two, at least twice n */
    uint32_t gen;   /* 1 to 255 */
};

struct rk_sqlite {
    struct rk_store base; /* first: a struct rk_store * is a struct rk_sqlite * */
    sqlite3 *db;
    char *path;
    struct rk_sqlite_cached cache[RK_SQLITE_CACHE_MAX];
    size_t n_cache;
    uint64_t tick;
    sqlite3_stmt *put[RK_SQLITE_PUT_N];
    struct rk_sqlite_origin origins[RK_SQLITE_ORIGIN_SLOTS]; /* direct-mapped by key */
    int query_depth;   /* queries running on this handle (a row callback may query again) */
    char **retired;    /* origins evicted while an outer row may still point at them */
    size_t n_retired;
    int checkpoint_every; /* log pages after which a commit checkpoints (see wal_hook) */
    int log_pages;        /* pages in main's log after this handle's last commit */
    int64_t fresh_ids_max; /* merge the id index's fresh level at this size (see sqlite_put.c) */
    int64_t fresh_room;    /* entries the open batch may still add to the fresh level */
    struct rk_sqlite_idfilter idf;
    struct rk_sqlite_idpending idp;
    struct rk_sqlite_rowbuf rows;
    const char *prefetched_id; /* the id rk_sqlite_batch_prefetch hashed for the next put */
    int64_t prefetched_idh;
    int64_t idfilter_after; /* build idf once this handle has stored this many objects */
    uint64_t idfilter_max_bits;
    int alone; /* the database taken alone (RK_STORE_EXCLUSIVE or _ALONE_WHEN_IDLE): rollback
                * journal until close, or until another process asks for it */
    int yields;     /* RK_STORE_ALONE_WHEN_IDLE: give the store back when another process asks */
    int asking_fd;  /* this handle waits for a lock and says so (sqlite_asking.c), or -1 */
    int askers_fd;  /* a yielding handle's descriptor to look for such waits, or -1 */
    int64_t wait_started_ms; /* when the current wait for another process's lock began */
    int wait_told;           /* the wait was logged */
};

struct rk_sqlite *rk_sqlite_of(struct rk_store *st);

/* Turn a SQLite result code into an RK_E* code with "what: message" in err. */
int rk_sqlite_fail(struct rk_sqlite *s, int sqlite_rc, const char *what, struct rk_err *err);

/* A prepared statement for sql from the handle's cache (prepared on first use). The statement
 * is reserved until rk_sqlite_release; a nested use of the same SQL gets a private copy. */
int rk_sqlite_acquire(struct rk_sqlite *s, const char *sql, size_t len, sqlite3_stmt **out,
                      struct rk_err *err);
/* Reset and clear stmt and give it back; accepts NULL. */
void rk_sqlite_release(struct rk_sqlite *s, sqlite3_stmt *stmt);

/* Run SQL without results (several statements allowed). */
int rk_sqlite_exec(struct rk_sqlite *s, const char *sql, struct rk_err *err);
/* Step a statement that returns no rows. */
int rk_sqlite_step_done(struct rk_sqlite *s, sqlite3_stmt *stmt, const char *what,
                        struct rk_err *err);
/* One integer from a single-row query with no parameters (0 when it returns no row). */
int rk_sqlite_int(struct rk_sqlite *s, const char *sql, int64_t *out, struct rk_err *err);

/* Write transactions: BEGIN IMMEDIATE (waits up to RK_SQLITE_BUSY_MS), COMMIT, ROLLBACK. */
int rk_sqlite_begin(struct rk_sqlite *s, struct rk_err *err);
int rk_sqlite_commit(struct rk_sqlite *s, struct rk_err *err);
void rk_sqlite_rollback(struct rk_sqlite *s);
/* A read snapshot: a deferred transaction whose reads share one view (see read_begin). */
int rk_sqlite_read_begin(struct rk_sqlite *s, struct rk_err *err);
void rk_sqlite_read_end(struct rk_sqlite *s);

/* SQL: " WHERE" clause selecting the rows x of row o's (collection, id), through both levels of
 * the id index: "... FROM objects AS x" RK_SQLITE_SAME_ID. */
#define RK_SQLITE_SAME_ID                                                                          \
    " WHERE x.date_added IN (SELECT date_added FROM ids_all WHERE coll = o.coll AND idh = o.idh)" \
    " AND x.id = o.id"

/* Move every entry of the id index's fresh level into its settled level, in one write
 * transaction; the number moved into merged. */
int rk_sqlite_merge_fresh_ids(struct rk_sqlite *s, int64_t *merged, struct rk_err *err);

/* 0 when the batch's collection holds no version of id (sqlite_put.c). */
int rk_sqlite_batch_may_hold(struct rk_store_batch *b, const char *id);

/* Write the entry of a stored row into the id index: the fresh level while the batch has room
 * there, else the settled level (sqlite_put.c). */
int rk_sqlite_index_row(struct rk_sqlite *s, int64_t coll, int64_t idh, int64_t date_added,
                        struct rk_err *err);
/* The same for RK_SQLITE_IDS_PER_INSERT entries in key order, in one statement. */
struct rk_sqlite_identry;
int rk_sqlite_index_rows(struct rk_sqlite *s, const struct rk_sqlite_identry *v,
                         struct rk_err *err);

/* The batch's new rows (sqlite_rowbuf.c). insert stores row at once, or on a handle that
 * holds RK_SQLITE_PUT_INSERT_MANY keeps a copy and stores it with the next
 * RK_SQLITE_ROWS_PER_INSERT - 1 rows; flush stores the rows kept (a failure marks the batch
 * failed), drop forgets them. */
int rk_sqlite_rows_insert(struct rk_sqlite *s, const struct rk_sqlite_newrow *row,
                          struct rk_err *err);
int rk_sqlite_rows_flush(struct rk_sqlite *s, struct rk_err *err);
void rk_sqlite_rows_drop(struct rk_sqlite *s);
void rk_sqlite_rows_free(struct rk_sqlite *s);
/* Append "INSERT INTO into VALUES (?,...),..." for rows rows of columns parameters each
 * (into names the table and its columns). */
struct rk_buf;
int rk_sqlite_insert_sql(struct rk_buf *out, const char *into, int columns, size_t rows);

/* The batch's pending id index entries (sqlite_idpending.c). add returns -1 when out of
 * memory (the caller writes the entry at once); holds may answer 1 for a pair not pending,
 * never 0 for one that is; flush writes them in key order and empties the list, drop empties
 * it without writing. */
int rk_sqlite_idpending_add(struct rk_sqlite *s, int64_t coll, int64_t idh, int64_t date_added);
int rk_sqlite_idpending_holds(const struct rk_sqlite *s, int64_t coll, int64_t idh);
/* Start loading the filter's block for (coll, idh). */
void rk_sqlite_idfilter_prefetch(const struct rk_sqlite *s, int64_t coll, int64_t idh);
/* Start loading the set's slot for (coll, idh): a put calls it first and adds its entry after
 * the row's insert, by when the slot (a cache miss in a set of megabytes) is there. */
void rk_sqlite_idpending_prefetch(const struct rk_sqlite *s, int64_t coll, int64_t idh);
int rk_sqlite_idpending_flush(struct rk_sqlite *s, struct rk_err *err);
/* Sort entries by (coll, idh, date_added), as the flush writes them. */
void rk_sqlite_idpending_sort(struct rk_sqlite_identry *v, size_t n);
void rk_sqlite_idpending_drop(struct rk_sqlite *s);
void rk_sqlite_idpending_free(struct rk_sqlite *s);

/* The id filter (sqlite_idfilter.c). may_hold is 0 only when (coll, idh) is certainly in no
 * row; sync, in the batch's write transaction, builds the filter when due or adds the rows
 * other connections committed (on a failure it drops the filter and logs why); committed
 * moves what it covers past the batch's rows. */
int rk_sqlite_idfilter_may_hold(const struct rk_sqlite *s, int64_t coll, int64_t idh);
void rk_sqlite_idfilter_add(struct rk_sqlite *s, int64_t coll, int64_t idh);
void rk_sqlite_idfilter_sync(struct rk_sqlite *s);
void rk_sqlite_idfilter_committed(struct rk_sqlite *s, int64_t puts, int64_t last_added_us);
void rk_sqlite_idfilter_free(struct rk_sqlite *s);

/* The id hash the id index (ids_settled, ids_fresh) is keyed on: the first 8 bytes of
 * SHA-256(id), so ids an adversary chooses cannot be made to share a hash bucket. */
int64_t rk_sqlite_idh(const char *id);

/* Bind a C string or NULL. */
int rk_sqlite_bind_str(sqlite3_stmt *stmt, int i, const char *s);

/* The collection key of an id or alias; fills out when given. RK_ENOTFOUND. */
int rk_sqlite_collection_key(struct rk_sqlite *s, const char *id_or_alias, int64_t *key_out,
                             struct rk_collection *out, struct rk_err *err);

/* The provenance of origin key (kind, source, org), from the handle's cache or the origins
 * table; the strings stay valid until the outermost running query of the handle ends (an entry
 * evicted while queries are nested is kept until then). Committed origins rows never change, so the cache needs no
 * invalidation; rows read inside an open transaction are not cached. RK_ENOTFOUND. */
int rk_sqlite_origin_get(struct rk_sqlite *s, int64_t key, const struct rk_sqlite_origin **out,
                         struct rk_err *err);
/* Free the entries evicted during the query that just ended, when it was the outermost. */
void rk_sqlite_origins_retire_done(struct rk_sqlite *s);
/* Free the cache (on close). */
void rk_sqlite_origins_clear(struct rk_sqlite *s);

/* ---- schema migrations (sqlite_migrate.c) -------------------------------------------------- */

/* One schema change. Steps of a component are numbered 1, 2, 3, ... and never renumbered or
 * edited once released; each runs once per database, in a write transaction. */
struct rk_sqlite_step {
    int step;
    const char *name;
    const char *sql;                                    /* statements, or NULL */
    int (*fn)(struct rk_sqlite *s, struct rk_err *err); /* code to run after sql, or NULL */
};

/* The schema of one part of the store: its tables, as a list of steps. */
struct rk_sqlite_component {
    const char *name;
    const struct rk_sqlite_step *steps;
    size_t n_steps;
};

/* The components, defined in their sqlite_<thing>.c files and listed in sqlite_migrate.c. */
extern const struct rk_sqlite_component rk_sqlite_core_schema;
extern const struct rk_sqlite_component rk_sqlite_sensor_schema; /* sqlite_sensor.c */

/* Create path empty with mode 0600 (SQLite gives its -wal and -shm files the same mode);
 * nothing when it exists. */
int rk_sqlite_create_private(const char *path, struct rk_err *err);

/* The name of the VFS that gathers WAL appends into large writes (sqlite_walbuf.c),
 * registered on first call; NULL when the default VFS cannot be wrapped. */
const char *rk_sqlite_walbuf_vfs(void);
/* Write-back hints the VFS gave so far, for the log files and for checkpoints' database copies
 * (for tests). */
void rk_sqlite_walbuf_writebacks(uint64_t *wal, uint64_t *db);

/* Processes waiting for the store say so (sqlite_asking.c): a handle starting to wait for a
 * lock asks (a read lock on renkei.db-waiting, held until rk_sqlite_stop_asking); a handle
 * that has the store alone until asked listens, and after each commit checks whether anyone
 * asks. */
void rk_sqlite_ask_for_store(struct rk_sqlite *s);
void rk_sqlite_stop_asking(struct rk_sqlite *s);
int rk_sqlite_listen_for_askers(struct rk_sqlite *s); /* -1 when the file cannot be opened */
void rk_sqlite_stop_listening(struct rk_sqlite *s);
int rk_sqlite_someone_asks(struct rk_sqlite *s);

/* The audit log's own database file, DIR/audit.db, attached as "audit" (sqlite_audit.c):
 * attach (creating it on a read-write open) before migrating; tidy drops the log's old table in
 * the main database once migration has copied it. */
int rk_sqlite_audit_attach(struct rk_sqlite *s, const char *dir, struct rk_err *err);
int rk_sqlite_audit_tidy(struct rk_sqlite *s, struct rk_err *err);

/* Count a removal of objects in the change mark (sqlite_meta.c); inside the deleting
 * transaction. */
int rk_sqlite_count_removal(struct rk_sqlite *s, struct rk_err *err);

/* Bring the schema up to date (read-write) or check that it is (read-only). RK_EUNSUPPORTED
 * for a store written by a newer renkei or one that needs an upgrade while read-only. */
int rk_sqlite_migrate(struct rk_sqlite *s, struct rk_err *err);

/* ---- the backend operations, by file ------------------------------------------------------- */

/* sqlite_collections.c */
int rk_sqlite_collection_add(struct rk_store *st, struct rk_collection *c, struct rk_err *err);
int rk_sqlite_collection_get(struct rk_store *st, const char *id_or_alias,
                             struct rk_collection *out, struct rk_err *err);
int rk_sqlite_collection_list(struct rk_store *st,
                              int (*fn)(const struct rk_collection *c, void *ctx), void *ctx,
                              struct rk_err *err);
int rk_sqlite_collection_remove(struct rk_store *st, const char *id_or_alias, struct rk_err *err);

/* sqlite_put.c */
int rk_sqlite_batch_begin(struct rk_store_batch *b, const char *collection, struct rk_err *err);
void rk_sqlite_batch_prefetch(struct rk_store_batch *b, const char *id);
int rk_sqlite_batch_put(struct rk_store_batch *b, const struct rk_store_put *p,
                        enum rk_put_outcome *outcome, int64_t *date_added_out, struct rk_err *err);
int rk_sqlite_batch_commit(struct rk_store_batch *b, struct rk_err *err);
void rk_sqlite_batch_abort(struct rk_store_batch *b);

/* sqlite_query.c */
int rk_sqlite_query(struct rk_store *st, const struct rk_store_filter *f, rk_store_row_fn fn,
                    void *ctx, struct rk_store_page *page, struct rk_err *err);
int rk_sqlite_count(struct rk_store *st, const struct rk_store_filter *f, uint64_t *out,
                    struct rk_err *err);
int rk_sqlite_remove(struct rk_store *st, const struct rk_store_filter *f, uint64_t *out,
                     struct rk_err *err);

/* sqlite_meta.c */
int rk_sqlite_stats(struct rk_store *st, struct rk_store_stats *out, struct rk_err *err);
int rk_sqlite_count_by_type(struct rk_store *st, const char *collection,
                            int (*fn)(const char *type, uint64_t count, void *ctx), void *ctx,
                            struct rk_err *err);
int rk_sqlite_conflict_list(struct rk_store *st,
                            int (*fn)(const struct rk_store_conflict *c, void *ctx), void *ctx,
                            struct rk_err *err);
int rk_sqlite_setting_get(struct rk_store *st, const char *key, char *out, size_t cap,
                          struct rk_err *err);
int rk_sqlite_setting_set(struct rk_store *st, const char *key, const char *value,
                          struct rk_err *err);
int rk_sqlite_check(struct rk_store *st, struct rk_err *err);

#endif
