/* store.h - the storage API: collections, versioned STIX objects, provenance, conflicts.
 *
 * The embedded backend is SQLite in WAL mode (src/store/sqlite_*.c is the only code that
 * includes sqlite3.h); nothing here exposes it, so a PostgreSQL backend can follow.
 * A store handle is used by one thread at a time; open one handle per thread.
 *
 * Timestamps the store hands out (date_added) are microseconds since the epoch, unique and
 * strictly increasing across the whole node, so a date_added is also a paging position.
 */
#ifndef RENKEI_STORE_H
#define RENKEI_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"
#include "renkei/stix.h"

struct rk_store;

enum {
    RK_STORE_CREATE = 1 << 0,   /* create the data directory and database when absent */
    RK_STORE_READONLY = 1 << 1, /* open for reading only */
    /* the handle writes large batches (an import of files): each new object's id index entry
     * goes where a batch of tens of thousands puts it most cheaply (see docs/internals/store.md) */
    RK_STORE_BULK = 1 << 2,
    /* the handle takes the store for itself until it closes (an import of a node nobody
     * serves): no other process may open it meanwhile, and new pages are written once, with a
     * rollback journal instead of the write-ahead log. Refused (RK_EINVAL) when another
     * process has the store open. */
    RK_STORE_EXCLUSIVE = 1 << 3,
    /* the handle takes the store for itself as RK_STORE_EXCLUSIVE does when no other process
     * has it open (else it shares it, as without this flag), and gives it back at its first
     * commit after another process starts waiting for it: from then on it writes through the
     * write-ahead log. A process opening the store meanwhile waits for one batch at most. */
    RK_STORE_ALONE_WHEN_IDLE = 1 << 4
};

/* Open the store in data directory dir (the database is dir/renkei.db). RK_ENOTFOUND when it
 * does not exist and RK_STORE_CREATE was not given; RK_EIO; RK_EFORMAT for a foreign file. */
int rk_store_open(struct rk_store **out, const char *dir, unsigned flags, struct rk_err *err);
/* Close; accepts NULL. */
void rk_store_close(struct rk_store *st);

/* ---- collections --------------------------------------------------------------------------- */

#define RK_COLLECTION_ID_MAX    128
#define RK_COLLECTION_TITLE_MAX 256
#define RK_COLLECTION_DESC_MAX  1024

struct rk_collection {
    char id[RK_COLLECTION_ID_MAX];       /* a UUID for collections renkei creates */
    char alias[RK_COLLECTION_ID_MAX];    /* optional short name, unique, "" when none */
    char title[RK_COLLECTION_TITLE_MAX];
    char description[RK_COLLECTION_DESC_MAX];
    int64_t created_us;
};

/* Add a collection; an empty id gets a new UUID (written back into c). RK_EEXISTS. */
int rk_store_collection_add(struct rk_store *st, struct rk_collection *c, struct rk_err *err);
/* Look up by id or alias. RK_ENOTFOUND. */
int rk_store_collection_get(struct rk_store *st, const char *id_or_alias, struct rk_collection *out,
                            struct rk_err *err);
/* Call fn for each collection in creation order; a non-zero return from fn stops and is returned. */
int rk_store_collection_list(struct rk_store *st,
                             int (*fn)(const struct rk_collection *c, void *ctx), void *ctx,
                             struct rk_err *err);
/* Remove a collection and every object in it. RK_ENOTFOUND. */
int rk_store_collection_remove(struct rk_store *st, const char *id_or_alias, struct rk_err *err);

/* ---- writing objects ----------------------------------------------------------------------- */

/* The provenance kind of objects received from a partner node (source: the partner's name). */
#define RK_PROV_PARTNER "partner"

/* Where a batch of objects came from, and who may share them. Strings are borrowed. */
struct rk_provenance {
    const char *kind;            /* "file", "user", "partner", "sensor", "local" */
    const char *source;          /* a file name, user name or partner name */
    const char *org;             /* the owning / addressed organisation ("" or NULL: the node's) */
    const char *const *groups;   /* sharing groups the objects belong to */
    size_t n_groups;
    const char *const *readers;  /* users named as readers (what TLP:RED needs) */
    size_t n_readers;
};

enum rk_put_outcome {
    RK_PUT_STORED = 0,    /* a new id+version */
    RK_PUT_DUPLICATE = 1, /* the same id+version with the same content: nothing changed */
    RK_PUT_CONFLICT = 2   /* the same id+version with other content: the first is kept */
};

/* One validated object version to store: index columns plus its canonical JSON. Strings are
 * borrowed; created/modified may be NULL. Build it from a struct rk_stix_object with
 * rk_store_object_from_stix(). */
struct rk_store_object {
    const char *id;
    const char *type;
    const char *spec_version;
    const char *created;
    const char *modified;
    const char *json; /* canonical JSON text */
    size_t json_len;
    int tlp;          /* enum rk_tlp of object_marking_refs */
    int revoked;
};

/* Fill o from a validated STIX object (everything borrowed from obj). */
void rk_store_object_from_stix(struct rk_store_object *o, const struct rk_stix_object *obj);

struct rk_store_batch;

/* Start a transaction that adds objects to a collection. RK_ENOTFOUND for the collection. */
int rk_store_batch_begin(struct rk_store_batch **out, struct rk_store *st, const char *collection,
                         const struct rk_provenance *prov, struct rk_err *err);
/* Add one validated object. outcome and date_added_out (may be NULL) say what happened. */
int rk_store_batch_put(struct rk_store_batch *b, const struct rk_store_object *o,
                       enum rk_put_outcome *outcome, int64_t *date_added_out, struct rk_err *err);
/* 0 when the batch's collection holds no version of id, 1 when it does (or may: ids sharing
 * a hash, or a failure to tell). Most new ids are told from memory; asking changes nothing. */
int rk_store_batch_may_hold(struct rk_store_batch *b, const char *id);
/* A date_added of the batch's sequence that no row takes, as a put of a new object would have
 * got it: for reporting an object that was not stored (a duplicate of a row the poster may not
 * read) exactly as a stored one, so that a status never tells the two apart. */
int64_t rk_store_batch_reserve_added(struct rk_store_batch *b);
/* What the puts of a batch did so far (a duplicate or conflict changes nothing stored). */
struct rk_store_batch_counts {
    uint64_t stored;
    uint64_t duplicates;
    uint64_t conflicts;
};
void rk_store_batch_counts(const struct rk_store_batch *b, struct rk_store_batch_counts *out);
/* Commit and free the batch (also on failure, when nothing of it is kept). */
int rk_store_batch_commit(struct rk_store_batch *b, struct rk_err *err);
/* Roll back and free; accepts NULL. */
void rk_store_batch_abort(struct rk_store_batch *b);

/* ---- reading objects ----------------------------------------------------------------------- */

/* Which versions of each object a query returns; several may be combined. */
enum {
    RK_VERSIONS_LAST = 1 << 0, /* the default when versions == 0 and no values are given */
    RK_VERSIONS_FIRST = 1 << 1,
    RK_VERSIONS_ALL = 1 << 2
};

/* Who is reading: built by src/policy, applied by the store inside the query, so limits, "more"
 * and page bounds count only visible rows. A row is visible when any clause admits it.
 * First and last versions are those among all versions in the collection, visible or not: a
 * reader who cannot see an object's latest version gets no "last" row for it (the older one
 * is not passed off as current); versions=all still shows every version they may see. */
struct rk_store_visibility {
    int everything;              /* no restriction (node-internal jobs, administrators) */
    unsigned tlp_any;            /* bitmask of 1 << enum rk_tlp visible to this reader outright */
    const char *org;             /* the reader's organisation */
    unsigned tlp_own_org;        /* levels visible when the row's owner org is org */
    const char *const *groups;   /* the reader organisation's sharing groups */
    size_t n_groups;
    unsigned tlp_in_group;       /* levels visible when the row belongs to one of groups */
    const char *user;            /* the reader's user name */
    unsigned tlp_named;          /* levels visible when user is a named reader of the row */
    /* A partner node reading (rk_policy_egress_visibility); zero leaves the clauses above as
     * they are. */
    const char *not_from_partner; /* rows received from this partner (provenance kind
                                     RK_PROV_PARTNER, source equal) are invisible, whatever
                                     clause admits them */
    int own_org_unreceived;       /* the own-org clause admits only rows not received from a
                                     partner (provenance kind RK_PROV_PARTNER, a source) */
};

struct rk_store_query {
    const char *collection;           /* id or alias; NULL: every collection */
    int64_t added_after_us;           /* only rows with date_added > this; 0: no bound */
    size_t limit;                     /* at most this many rows; 0: no limit */
    const char *const *ids;           /* match[id] */
    size_t n_ids;
    const char *const *types;         /* match[type] */
    size_t n_types;
    const char *const *spec_versions; /* match[spec_version]; none: each object's latest */
    size_t n_spec_versions;
    unsigned versions;                /* RK_VERSIONS_* */
    const char *const *version_values; /* match[version]=<timestamp>, matched by instant */
    size_t n_version_values;
    const struct rk_store_visibility *vis; /* NULL: no restriction */
    const char *owner_org;            /* only rows this organisation owns; NULL: any owner */
    int without_json;                 /* 1: rows carry no JSON (manifests, counts) */
    int json_only;                    /* 1: rows carry date_added, the collection, tlp and the
                                         JSON only (pages of objects: 10 % faster) */
    int with_groups;                  /* 1: rows carry their sharing groups (egress checks) */
};

/* Initialise a query to "everything, latest versions". */
void rk_store_query_init(struct rk_store_query *q);

/* One stored object version; strings are borrowed for the duration of the callback. */
struct rk_store_row {
    const char *collection; /* collection id */
    const char *id;
    const char *type;
    const char *spec_version;
    const char *created;    /* NULL when absent */
    const char *modified;   /* NULL when absent */
    const char *version;    /* modified, else created, else NULL (use date_added) */
    const char *json;       /* canonical JSON, json_len bytes (no NUL terminator); NULL with
                               without_json */
    size_t json_len;
    int64_t date_added_us;
    int tlp;                /* enum rk_tlp */
    const char *owner_org;  /* "" when the node's own */
    const char *source_kind; /* provenance */
    const char *source;
    const char *const *groups; /* the row's sharing groups, sorted; only with q->with_groups */
    size_t n_groups;
};

/* What a page of results looked like. */
struct rk_store_page {
    size_t count;           /* rows delivered */
    int more;               /* 1 when further visible rows match after the last one */
    int64_t first_added_us; /* date_added of the first and last rows delivered (0 when none) */
    int64_t last_added_us;
};

typedef int (*rk_store_row_fn)(const struct rk_store_row *row, void *ctx);

/* Run q, calling fn for each row in date_added order. A non-zero return from fn stops the
 * query and is returned. page_out may be NULL. */
int rk_store_query(struct rk_store *st, const struct rk_store_query *q, rk_store_row_fn fn,
                   void *ctx, struct rk_store_page *page_out, struct rk_err *err);

/* Count rows matching q (limit ignored). */
int rk_store_count(struct rk_store *st, const struct rk_store_query *q, uint64_t *out,
                   struct rk_err *err);
/* 1 when collection holds object id at version (a modified or created timestamp; "" for an
 * object without one: any version), 0 when not or when the store cannot say. */
int rk_store_holds(struct rk_store *st, const char *collection, const char *id,
                   const char *version);

/* Delete the rows q selects (q->ids must be given); *deleted_out says how many. Unlike a
 * query, no versions means every version, and no match[spec_version] means every spec
 * version. Rows q->vis cannot see are not deleted. First/last versions are recomputed for
 * what remains. */
int rk_store_delete(struct rk_store *st, const struct rk_store_query *q, uint64_t *deleted_out,
                    struct rk_err *err);

/* Commits go to a write-ahead log; the commit that takes it past `pages` pages (4096 by
 * default) copies it into the database and syncs both files. A handle that writes many small
 * transactions gets through more of them between syncs with a larger interval: a TAXII server's
 * Add Objects ingests 9 % more objects a second with 16384 (a log of up to 128 MB). */
int rk_store_checkpoint_every(struct rk_store *st, int pages, struct rk_err *err);

/* Get the handle ready for a long run of write batches now, outside any write transaction:
 * it reads the store's id index once to know which ids are new (a handle otherwise does this
 * inside a batch, after its first 20,000 objects, holding up other writers meanwhile). For a
 * long-lived writer such as the TAXII server's; about 0.2 s per million objects. */
int rk_store_prepare_writes(struct rk_store *st, struct rk_err *err);

/* Copy what the log holds into the database now, without waiting for writers or readers
 * (SQLite's passive checkpoint), and sync both files when anything was copied. *copied_out
 * (may be NULL) gets the log frames copied, 0 when another checkpoint was running. For a
 * thread that keeps the copying and syncing out of the writers' way: only a writer's own
 * checkpoint lets the log start over, so writers keep theirs. */
int rk_store_checkpoint(struct rk_store *st, int64_t *copied_out, struct rk_err *err);
/* Pages in the database's log after this handle's last commit (0 after it checkpointed). */
int rk_store_log_pages(struct rk_store *st);

/* Whether the handle has the store to itself now (RK_STORE_EXCLUSIVE, or
 * RK_STORE_ALONE_WHEN_IDLE until another process asked for it). */
int rk_store_is_alone(struct rk_store *st);
/* 1 when the handle has the store alone until asked (RK_STORE_ALONE_WHEN_IDLE) and another
 * process waits for it: the handle's next commit gives it back. One system call. */
int rk_store_is_wanted(struct rk_store *st);

/* Map the whole database into memory (up to 2 GB) rather than its first 256 MB, so reads skip
 * the copy out of the kernel's page cache. For handles that mostly read (a server's): mapped
 * pages count in the process's resident size, so an import keeps the default. Read-only
 * handles map everything from the start. */
int rk_store_map_all(struct rk_store *st, struct rk_err *err);

/* Reads that must agree (a request's rights check, then its query) see one snapshot: from
 * rk_store_read_begin to rk_store_read_end, every read on st sees the store as it was at the
 * first of them, and none pays for a transaction of its own. Writes on st are refused
 * meanwhile (RK_EINVAL), and so is a second begin; end accepts a handle without a snapshot.
 * Keep snapshots short: the write-ahead log cannot restart while one is open. */
int rk_store_read_begin(struct rk_store *st, struct rk_err *err);
void rk_store_read_end(struct rk_store *st);

/* A number that changes whenever the objects the store holds change, in this process or any
 * other: a stored version, a delete, a collection removed. Equal marks mean the same objects;
 * readers use it to tell whether something they derived from the objects is still current. */
int rk_store_change_mark(struct rk_store *st, int64_t *out, struct rk_err *err);

/* ---- statistics and conflicts -------------------------------------------------------------- */

struct rk_store_stats {
    uint64_t collections;
    uint64_t objects;   /* distinct (collection, id) */
    uint64_t versions;  /* stored rows */
    uint64_t conflicts; /* conflicts recorded since the store was created */
    uint64_t db_bytes;  /* size of the database files (objects and audit.db, with their logs) */
};

/* Counts over the whole store. */
int rk_store_stats(struct rk_store *st, struct rk_store_stats *out, struct rk_err *err);
/* Rows per type (all versions), in type order; collection NULL means all. */
int rk_store_count_by_type(struct rk_store *st, const char *collection,
                           int (*fn)(const char *type, uint64_t count, void *ctx), void *ctx,
                           struct rk_err *err);

struct rk_store_conflict {
    const char *collection;
    const char *id;
    const char *version;
    const char *kept_sha256;     /* hex digest of the kept canonical JSON */
    const char *offered_sha256;  /* hex digest of the refused one */
    const char *source;          /* where the refused one came from */
    int64_t at_us;
};
/* Call fn for each recorded conflict (same id and version, other content; the first offer is
 * kept) in the order recorded; a non-zero return from fn stops and is returned. Removing a
 * collection removes its conflicts. */
int rk_store_conflict_list(struct rk_store *st,
                           int (*fn)(const struct rk_store_conflict *c, void *ctx), void *ctx,
                           struct rk_err *err);

/* ---- checking ------------------------------------------------------------------------------ */

/* Check the database (the backend's own integrity check) and the store's invariants: every
 * version has its JSON, each (collection, id) has exactly one first and one last version,
 * date_added values are below the node's high-water mark. RK_EFORMAT says what is wrong. */
int rk_store_check(struct rk_store *st, struct rk_err *err);

/* ---- node settings ------------------------------------------------------------------------- */

/* A small key/value table for node-wide settings (identity id, default TLP, ...).
 * get: RK_ENOTFOUND when unset, RK_ELIMIT when the value does not fit in cap bytes. */
int rk_store_setting_get(struct rk_store *st, const char *key, char *out, size_t cap,
                         struct rk_err *err);
int rk_store_setting_set(struct rk_store *st, const char *key, const char *value,
                         struct rk_err *err);

#endif
