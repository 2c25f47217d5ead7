/* sqlite_put.c - write batches: one BEGIN IMMEDIATE transaction, one row per object version.
 *
 * A put of a new (collection, id) costs a look at the id filter (sqlite_idfilter.c), or one
 * probe of each level of the id index that finds nothing, then the inserts (the row, and its
 * id index entry). An id with stored versions reads those rows once (exact version? first?
 * last? highest spec_version?) and updates only the rows that stop being first, last or top.
 *
 * The SHA-256 of a row's JSON is computed only when it is needed: when the same id and version
 * is offered again. New rows store an empty sha256; a row with one (written by earlier
 * versions of renkei) is compared by digest, a row without by its JSON text, and a conflict
 * records the digests of both texts.
 */
#include "store/sqlite.h"

#include <string.h>

#include "renkei/log.h"
#include "util/buf.h"
#include "util/digest.h"
#include "util/rktime.h"

static const char *const put_sql[RK_SQLITE_PUT_N] = {
        [RK_SQLITE_PUT_VERSIONS] = "SELECT o.date_added, o.id, o.vkey, o.sha256, o.spec_rank "
                                   "FROM ids_all AS k JOIN objects AS o "
                                   "ON o.date_added = k.date_added "
                                   "WHERE k.coll = ?1 AND k.idh = ?2",
        [RK_SQLITE_PUT_INSERT] = "INSERT INTO " RK_SQLITE_OBJECTS_COLUMNS
                                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
                                 " ?14, ?15, ?16, ?17, ?18)",
        [RK_SQLITE_PUT_ID_FRESH] = "INSERT INTO ids_fresh (coll, idh, date_added) "
                                   "VALUES (?1, ?2, ?3)",
        [RK_SQLITE_PUT_ID_SETTLED] = "INSERT INTO ids_settled (coll, idh, date_added) "
                                     "VALUES (?1, ?2, ?3)",
        [RK_SQLITE_PUT_FLAGS] = "UPDATE objects SET is_first = (is_first AND ?2), "
                                "is_last = (is_last AND ?3) WHERE date_added = ?1",
        [RK_SQLITE_PUT_SPEC] = "UPDATE objects SET spec_top = 0 WHERE date_added IN "
                               "(SELECT date_added FROM ids_all WHERE coll = ?1 AND idh = ?2) "
                               "AND id = ?3 AND spec_top = 1",
        [RK_SQLITE_PUT_JSON] = "SELECT json FROM objects WHERE date_added = ?1",
};

int64_t rk_sqlite_idh(const char *id)
{
    uint8_t d[RK_SHA256_LEN];
    uint64_t h = 0;

    rk_sha256(id, strlen(id), d);
    for (int i = 0; i < 8; i++)
        h = h << 8 | d[i];
    return (int64_t)h;
}

static void release_put(struct rk_sqlite *s)
{
    for (int i = 0; i < RK_SQLITE_PUT_N; i++) {
        rk_sqlite_release(s, s->put[i]);
        s->put[i] = NULL;
    }
}

/* put[which]: the INSERT of rows rows of columns values each into `into`. */
static int acquire_insert_many(struct rk_sqlite *s, int which, const char *into, int columns,
                               size_t rows, struct rk_err *err)
{
    struct rk_buf sql;
    int rc;

    rk_buf_init(&sql, RK_BUF_UNLIMITED);
    if ((rc = rk_sqlite_insert_sql(&sql, into, columns, rows)) != 0)
        rc = rk_err_set(err, rc, "out of memory");
    else
        rc = rk_sqlite_acquire(s, rk_buf_cstr(&sql), rk_buf_len(&sql), &s->put[which], err);
    rk_buf_free(&sql);
    return rc;
}

static int acquire_put(struct rk_sqlite *s, struct rk_err *err)
{
    int rc;

    for (int i = 0; i < RK_SQLITE_PUT_N; i++) {
        if (put_sql[i] &&
            (rc = rk_sqlite_acquire(s, put_sql[i], strlen(put_sql[i]), &s->put[i], err)) != 0)
            return rc;
    }
    if ((rc = acquire_insert_many(s, RK_SQLITE_PUT_IDS_FRESH_MANY,
                                  "ids_fresh (coll, idh, date_added)", 3,
                                  RK_SQLITE_IDS_PER_INSERT, err)) != 0 ||
        (rc = acquire_insert_many(s, RK_SQLITE_PUT_IDS_SETTLED_MANY,
                                  "ids_settled (coll, idh, date_added)", 3,
                                  RK_SQLITE_IDS_PER_INSERT, err)) != 0)
        return rc;
    /* an import's rows are gathered (sqlite_rowbuf.c); other writers read inside their
     * batches (the TAXII server checks a conflict's visibility) and store few rows */
    if (s->base.flags & RK_STORE_BULK)
        return acquire_insert_many(s, RK_SQLITE_PUT_INSERT_MANY, RK_SQLITE_OBJECTS_COLUMNS,
                                   RK_SQLITE_ROW_COLUMNS, RK_SQLITE_ROWS_PER_INSERT, err);
    return 0;
}

/* ---- origins: provenance and sharing lists ----------------------------------------------- */

static int join_names(struct rk_buf *b, const char **names, size_t n)
{
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = rk_buf_putc(b, '\n');
        if (rc == 0)
            rc = rk_buf_puts(b, names[i]);
    }
    return rc;
}

static int add_members(struct rk_sqlite *s, int64_t origin, int kind, const char **names, size_t n,
                       struct rk_err *err)
{
    const char *sql = "INSERT INTO origin_members (kind, name, origin) VALUES (?1, ?2, ?3)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_int(stmt, 1, kind);
        rk_sqlite_bind_str(stmt, 2, names[i]);
        sqlite3_bind_int64(stmt, 3, origin);
        rc = rk_sqlite_step_done(s, stmt, "adding a sharing list entry", err);
        sqlite3_reset(stmt);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Bind kind, source, org, groups, readers as ?1..?5 of sql and step it once: the SELECT gives
 * the key of a known origin (0 when unknown), the INSERT the key of the new one. */
static int origin_step(struct rk_sqlite *s, const char *sql, const struct rk_store_origin *o,
                       const char *groups, const char *readers, int64_t *out, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *out = 0;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, o->kind);
    rk_sqlite_bind_str(stmt, 2, o->source);
    rk_sqlite_bind_str(stmt, 3, o->org);
    rk_sqlite_bind_str(stmt, 4, groups);
    rk_sqlite_bind_str(stmt, 5, readers);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (src == SQLITE_DONE && sqlite3_stmt_readonly(stmt) == 0)
        *out = sqlite3_last_insert_rowid(s->db); /* the INSERT */
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "looking up a provenance", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* The key of the batch's provenance and sharing lists, adding them when new. */
static int origin_key(struct rk_sqlite *s, const struct rk_store_origin *o, int64_t *out,
                      struct rk_err *err)
{
    struct rk_buf groups, readers;
    int rc;

    rk_buf_init(&groups, (size_t)RK_STORE_NAMES_MAX * (RK_STORE_STRING_MAX + 1));
    rk_buf_init(&readers, (size_t)RK_STORE_NAMES_MAX * (RK_STORE_STRING_MAX + 1));
    if ((rc = join_names(&groups, o->groups, o->n_groups)) != 0 ||
        (rc = join_names(&readers, o->readers, o->n_readers)) != 0) {
        rk_err_set(err, rc, "sharing lists too long");
        goto out;
    }
    if ((rc = origin_step(s,
                          "SELECT origin FROM origins WHERE kind = ?1 AND source = ?2 AND "
                          "org = ?3 AND groups = ?4 AND readers = ?5",
                          o, rk_buf_cstr(&groups), rk_buf_cstr(&readers), out, err)) != 0 ||
        *out != 0)
        goto out;
    if ((rc = origin_step(s,
                          "INSERT INTO origins (kind, source, org, groups, readers) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                          o, rk_buf_cstr(&groups), rk_buf_cstr(&readers), out, err)) != 0)
        goto out;
    if ((rc = add_members(s, *out, 1, o->groups, o->n_groups, err)) != 0)
        goto out;
    rc = add_members(s, *out, 2, o->readers, o->n_readers, err);
out:
    rk_buf_free(&groups);
    rk_buf_free(&readers);
    return rc;
}

/* ---- begin, commit, abort ------------------------------------------------------------------ */

/* The floor for new date_added values: the highest ever handed out on this node. */
static int added_floor(struct rk_sqlite *s, int64_t *out, struct rk_err *err)
{
    int64_t hw = 0, max = 0;
    int rc;

    if ((rc = rk_sqlite_int(s, "SELECT value FROM meta WHERE key = 'date_added_hw'", &hw, err)) !=
                0 ||
        (rc = rk_sqlite_int(s, "SELECT max(date_added) FROM objects", &max, err)) != 0)
        return rc;
    *out = hw > max ? hw : max;
    return 0;
}

/* ---- the id index's two levels --------------------------------------------------------- */

int rk_sqlite_merge_fresh_ids(struct rk_sqlite *s, int64_t *merged, struct rk_err *err)
{
    /* OR IGNORE: a statement that cannot abort half-way needs no statement journal, which
     * would hold a copy of every settled leaf the merge changes (in memory: temp_store) */
    const char *sql = "INSERT OR IGNORE INTO ids_settled (coll, idh, date_added)"
                      " SELECT coll, idh, date_added FROM ids_fresh ORDER BY coll, idh, date_added;"
                      "DELETE FROM ids_fresh;";
    int64_t n = 0;
    int rc;

    *merged = 0;
    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_int(s, "SELECT count(*) FROM ids_fresh", &n, err)) != 0 ||
        (n > 0 && (rc = rk_sqlite_exec(s, sql, err)) != 0)) {
        rk_sqlite_rollback(s);
        return rc;
    }
    if ((rc = rk_sqlite_commit(s, err)) == 0)
        *merged = n;
    return rc;
}

/* After a batch that stored rows: merge the fresh level once it holds fresh_ids_max entries.
 * The batch is committed whatever happens here; a merge that fails (another process holds the
 * write lock past the busy timeout) leaves both levels as they were, for the next commit. */
static void merge_fresh_ids_when_due(struct rk_sqlite *s)
{
    struct rk_err err = {0};
    int64_t n = 0, merged;

    if (rk_sqlite_int(s, "SELECT count(*) FROM ids_fresh", &n, &err) != 0 || n == 0 ||
        n < s->fresh_ids_max)
        return;
    if (rk_sqlite_merge_fresh_ids(s, &merged, &err) != 0)
        rk_log_warn("id index: merging %lld fresh entries failed (%s); will retry", (long long)n,
                    err.message);
}

/* How many entries the batch may add to the id index's fresh level before it is full. */
static int fresh_room(struct rk_sqlite *s, struct rk_err *err)
{
    int64_t n = 0;
    int rc;

    if ((rc = rk_sqlite_int(s, "SELECT count(*) FROM ids_fresh", &n, err)) != 0)
        return rc;
    s->fresh_room = n < s->fresh_ids_max ? s->fresh_ids_max - n : 0;
    return 0;
}

int rk_sqlite_batch_begin(struct rk_store_batch *b, const char *collection, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    int rc;

    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_collection_key(s, collection, &b->coll, NULL, err)) != 0 ||
        (rc = origin_key(s, &b->origin, &b->origin_key, err)) != 0 ||
        (rc = added_floor(s, &b->last_added_us, err)) != 0 ||
        (rc = fresh_room(s, err)) != 0 || (rc = acquire_put(s, err)) != 0) {
        release_put(s);
        rk_sqlite_rollback(s);
        return rc;
    }
    rk_sqlite_idfilter_sync(s);
    return 0;
}

int rk_sqlite_batch_commit(struct rk_store_batch *b, struct rk_err *err)
{
    const char *sql = "UPDATE meta SET value = max(value, ?1) WHERE key = 'date_added_hw'";
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = NULL;
    int rc = rk_sqlite_idpending_flush(s, err);

    release_put(s);
    if (rc == 0 && b->handed > 0 && (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) == 0) {
        sqlite3_bind_int64(stmt, 1, b->last_added_us);
        rc = rk_sqlite_step_done(s, stmt, "recording date_added", err);
        rk_sqlite_release(s, stmt);
    }
    if (rc != 0) {
        rk_sqlite_rows_drop(s);
        rk_sqlite_idpending_drop(s);
        rk_sqlite_rollback(s);
        return rc;
    }
    if ((rc = rk_sqlite_commit(s, err)) == 0 && b->counts.stored > 0) {
        rk_sqlite_idfilter_committed(s, (int64_t)b->counts.stored, b->last_added_us);
        merge_fresh_ids_when_due(s);
    }
    return rc;
}

/* The id filter first; where it cannot tell, the batch's pending entries, then one probe of
 * the id index (which then holds every other row of the batch): so the answer is exact apart
 * from ids sharing a hash, and asking writes no pending entry. A failed probe answers 1. */
int rk_sqlite_batch_may_hold(struct rk_store_batch *b, const char *id)
{
    const char *sql = "SELECT EXISTS (SELECT 1 FROM ids_all WHERE coll = ?1 AND idh = ?2)";
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    int64_t idh = rk_sqlite_idh(id);
    sqlite3_stmt *stmt = NULL;
    int held = 1;

    if (!rk_sqlite_idfilter_may_hold(s, b->coll, idh))
        return 0;
    if (rk_sqlite_idpending_holds(s, b->coll, idh) ||
        rk_sqlite_acquire(s, sql, strlen(sql), &stmt, NULL) != 0)
        return 1;
    sqlite3_bind_int64(stmt, 1, b->coll);
    sqlite3_bind_int64(stmt, 2, idh);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        held = sqlite3_column_int(stmt, 0) != 0;
    rk_sqlite_release(s, stmt);
    return held;
}

void rk_sqlite_batch_abort(struct rk_store_batch *b)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);

    rk_sqlite_rows_drop(s);
    rk_sqlite_idpending_drop(s);
    release_put(s);
    rk_sqlite_rollback(s);
}

/* ---- put ----------------------------------------------------------------------------------- */

/* One stored version of the id being put. */
struct version {
    int64_t date_added;
    uint8_t vkey[RK_STORE_VKEY_LEN];
    size_t vkey_len;
    uint8_t sha256[RK_SHA256_LEN];
    int has_sha256; /* rows stored since digests became lazy have none */
};

/* What the store holds for the (collection, id) being put. */
struct versions {
    size_t n;
    struct version first, last, exact;
    int has_exact;
    int64_t top_rank; /* the highest spec_rank */
};

/* The flags of the new row. */
struct placement {
    int is_first, is_last, spec_top;
};

static int vkey_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;

    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static void bind_vkey(sqlite3_stmt *stmt, int i, const uint8_t *vkey, size_t len)
{
    sqlite3_bind_blob(stmt, i, len ? (const void *)vkey : "", (int)len, SQLITE_STATIC);
}

/* Fold one stored version (a row of RK_SQLITE_PUT_VERSIONS) into vs. */
static void note_version(struct versions *vs, const struct rk_store_put *p, sqlite3_stmt *stmt)
{
    size_t n = (size_t)sqlite3_column_bytes(stmt, 2);
    int64_t rank = sqlite3_column_int64(stmt, 4);
    struct version v = {0};

    v.date_added = sqlite3_column_int64(stmt, 0);
    v.vkey_len = n <= RK_STORE_VKEY_LEN ? n : RK_STORE_VKEY_LEN;
    if (v.vkey_len)
        memcpy(v.vkey, sqlite3_column_blob(stmt, 2), v.vkey_len);
    if (sqlite3_column_bytes(stmt, 3) == RK_SHA256_LEN) {
        memcpy(v.sha256, sqlite3_column_blob(stmt, 3), RK_SHA256_LEN);
        v.has_sha256 = 1;
    }
    if (vs->n == 0 || vkey_cmp(v.vkey, v.vkey_len, vs->first.vkey, vs->first.vkey_len) < 0)
        vs->first = v;
    if (vs->n == 0 || vkey_cmp(v.vkey, v.vkey_len, vs->last.vkey, vs->last.vkey_len) > 0)
        vs->last = v;
    if (vs->n == 0 || rank > vs->top_rank)
        vs->top_rank = rank;
    if (vkey_cmp(v.vkey, v.vkey_len, p->vkey, p->vkey_len) == 0) {
        vs->exact = v;
        vs->has_exact = 1;
    }
    vs->n++;
}

/* Read the stored versions of the id: for a new id nothing when the id filter knows it is new,
 * else a probe of both levels of the id index that finds nothing. */
static int read_versions(struct rk_store_batch *b, const struct rk_store_put *p, int64_t idh,
                         struct versions *vs, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_VERSIONS];
    int src, rc = 0;

    memset(vs, 0, sizeof(*vs));
    if (!rk_sqlite_idfilter_may_hold(s, b->coll, idh)) {
        s->idf.skipped++;
        return 0;
    }
    if (rk_sqlite_idpending_holds(s, b->coll, idh) && (rc = rk_sqlite_idpending_flush(s, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, b->coll);
    sqlite3_bind_int64(stmt, 2, idh);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(stmt, 1);

        if (id && strcmp(id, p->o->id) == 0) /* not another id with the same hash */
            note_version(vs, p, stmt);
    }
    if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "looking up the object", err);
    sqlite3_reset(stmt);
    return rc;
}

/* Run one of the batch's statements that takes three integers and returns no rows. */
static int step_ints(struct rk_sqlite *s, sqlite3_stmt *stmt, int64_t a, int64_t b, int64_t c,
                     const char *what, struct rk_err *err)
{
    int rc;

    sqlite3_bind_int64(stmt, 1, a);
    sqlite3_bind_int64(stmt, 2, b);
    sqlite3_bind_int64(stmt, 3, c);
    rc = rk_sqlite_step_done(s, stmt, what, err);
    sqlite3_reset(stmt);
    return rc;
}

static int clear_flags(struct rk_sqlite *s, int64_t date_added, int keep_first, int keep_last,
                       struct rk_err *err)
{
    return step_ints(s, s->put[RK_SQLITE_PUT_FLAGS], date_added, keep_first, keep_last,
                     "updating version flags", err);
}

static int clear_spec(struct rk_store_batch *b, const struct rk_store_put *p, int64_t idh,
                      struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_SPEC];
    int rc;

    sqlite3_bind_int64(stmt, 1, b->coll);
    sqlite3_bind_int64(stmt, 2, idh);
    sqlite3_bind_text(stmt, 3, p->o->id, -1, SQLITE_STATIC);
    rc = rk_sqlite_step_done(s, stmt, "updating spec version flags", err);
    sqlite3_reset(stmt);
    return rc;
}

/* The new version's flags; clear those of the rows it displaces as first, last or top. */
static int place(struct rk_store_batch *b, const struct rk_store_put *p, int64_t idh,
                 const struct versions *vs, struct placement *pl, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    int rc = 0;

    pl->is_first = pl->is_last = pl->spec_top = 1;
    if (vs->n == 0)
        return 0;
    pl->is_last = vkey_cmp(p->vkey, p->vkey_len, vs->last.vkey, vs->last.vkey_len) > 0;
    pl->is_first = vkey_cmp(p->vkey, p->vkey_len, vs->first.vkey, vs->first.vkey_len) < 0;
    pl->spec_top = p->spec_rank >= vs->top_rank;
    if (pl->is_last)
        rc = clear_flags(s, vs->last.date_added, 1, 0, err);
    if (rc == 0 && pl->is_first)
        rc = clear_flags(s, vs->first.date_added, 0, 1, err);
    if (rc == 0 && p->spec_rank > vs->top_rank)
        rc = clear_spec(b, p, idh, err);
    return rc;
}

/* The new row's entry in the id index: in the fresh level while it has room, else straight
 * in the settled level (a batch that large rewrites most settled leaves anyway, and merging
 * its entries afterwards would only copy them twice). */
int rk_sqlite_index_row(struct rk_sqlite *s, int64_t coll, int64_t idh, int64_t added,
                        struct rk_err *err)
{
    sqlite3_stmt *stmt = s->put[s->fresh_room > 0 ? RK_SQLITE_PUT_ID_FRESH
                                                   : RK_SQLITE_PUT_ID_SETTLED];

    if (s->fresh_room > 0)
        s->fresh_room--;
    return step_ints(s, stmt, coll, idh, added, "indexing the object", err);
}

int rk_sqlite_index_rows(struct rk_sqlite *s, const struct rk_sqlite_identry *v,
                         struct rk_err *err)
{
    int fresh = s->fresh_room >= RK_SQLITE_IDS_PER_INSERT;
    sqlite3_stmt *stmt = s->put[fresh ? RK_SQLITE_PUT_IDS_FRESH_MANY
                                      : RK_SQLITE_PUT_IDS_SETTLED_MANY];
    int rc;

    if (fresh)
        s->fresh_room -= RK_SQLITE_IDS_PER_INSERT;
    for (int i = 0; i < RK_SQLITE_IDS_PER_INSERT; i++) {
        sqlite3_bind_int64(stmt, 3 * i + 1, v[i].coll);
        sqlite3_bind_int64(stmt, 3 * i + 2, v[i].idh);
        sqlite3_bind_int64(stmt, 3 * i + 3, v[i].date_added);
    }
    rc = rk_sqlite_step_done(s, stmt, "indexing the objects", err);
    sqlite3_reset(stmt);
    return rc;
}

/* The new row's entry joins the batch's pending entries, written in key order before anything
 * reads the index (sqlite_idpending.c); at once when the list cannot grow. */
static int index_row(struct rk_sqlite *s, int64_t coll, int64_t idh, int64_t added,
                     struct rk_err *err)
{
    int rc;

    rk_sqlite_idfilter_add(s, coll, idh);
    if (rk_sqlite_idpending_add(s, coll, idh, added) == 0)
        return 0;
    /* an entry in the index while its row waits in the row buffer would let a probe find
     * the entry and miss the row */
    if ((rc = rk_sqlite_rows_flush(s, err)) != 0)
        return rc;
    return rk_sqlite_index_row(s, coll, idh, added, err);
}

static void describe_row(struct rk_sqlite_newrow *r, const struct rk_store_batch *b,
                         const struct rk_store_put *p, int64_t idh, const struct placement *pl,
                         int64_t added)
{
    const struct rk_store_object *o = p->o;

    memset(r, 0, sizeof(*r));
    r->added = added;
    r->coll = b->coll;
    r->idh = idh;
    r->origin = b->origin_key;
    r->is_first = pl->is_first;
    r->is_last = pl->is_last;
    r->spec_top = pl->spec_top;
    r->tlp = o->tlp;
    r->spec_rank = p->spec_rank;
    r->revoked = o->revoked != 0;
    r->vkey_len = p->vkey_len;
    if (p->vkey_len)
        memcpy(r->vkey, p->vkey, p->vkey_len);
    r->id = o->id;
    r->id_len = strlen(o->id);
    r->type = o->type;
    r->type_len = strlen(o->type);
    r->spec_version = o->spec_version;
    r->spec_version_len = strlen(o->spec_version);
    r->created = o->created;
    r->created_len = o->created ? strlen(o->created) : 0;
    r->modified = o->modified;
    r->modified_len = o->modified ? strlen(o->modified) : 0;
    r->json = o->json;
    r->json_len = o->json_len;
}

static int insert_row(struct rk_store_batch *b, const struct rk_store_put *p, int64_t idh,
                      const struct placement *pl, int64_t added, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    struct rk_sqlite_newrow row;
    int rc;

    describe_row(&row, b, p, idh, pl, added);
    if ((rc = rk_sqlite_rows_insert(s, &row, err)) != 0)
        return rc;
    return index_row(s, b->coll, idh, added, err);
}

/* The same id and version is stored: a duplicate, or a conflict that is recorded. */
static int same_version(struct rk_store_batch *b, const struct rk_store_put *p,
                        const struct version *kept, enum rk_put_outcome *outcome,
                        struct rk_err *err);

/* The id filter's block and the pending set's slot of the id are cache misses in megabytes
 * of memory: their loads start here, and the put's argument checks (store.c) run meanwhile. */
void rk_sqlite_batch_prefetch(struct rk_store_batch *b, const char *id)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);

    s->prefetched_id = id;
    s->prefetched_idh = rk_sqlite_idh(id);
    rk_sqlite_idfilter_prefetch(s, b->coll, s->prefetched_idh);
    rk_sqlite_idpending_prefetch(s, b->coll, s->prefetched_idh);
}

/* The id hash: the one the prefetch for this put computed (the same string), else its own. */
static int64_t put_idh(struct rk_sqlite *s, const char *id)
{
    int64_t idh = id == s->prefetched_id ? s->prefetched_idh : rk_sqlite_idh(id);

    s->prefetched_id = NULL;
    return idh;
}

int rk_sqlite_batch_put(struct rk_store_batch *b, const struct rk_store_put *p,
                        enum rk_put_outcome *outcome, int64_t *date_added_out, struct rk_err *err)
{
    int64_t idh = put_idh(rk_sqlite_of(b->st), p->o->id), added;
    struct placement pl;
    struct versions vs;
    int rc;

    *outcome = RK_PUT_STORED;
    *date_added_out = 0;
    if ((rc = read_versions(b, p, idh, &vs, err)) != 0)
        goto out;
    if (vs.has_exact) {
        *date_added_out = vs.exact.date_added;
        rc = same_version(b, p, &vs.exact, outcome, err);
        goto out;
    }
    if ((rc = place(b, p, idh, &vs, &pl, err)) != 0)
        goto out;
    added = rk_store_batch_next_added(b);
    if ((rc = insert_row(b, p, idh, &pl, added, err)) != 0)
        goto out;
    b->last_added_us = added;
    b->handed++;
    b->counts.stored++;
    *date_added_out = added;
out:
    if (rc != 0)
        b->failed = 1; /* a storage failure: the transaction may be unusable */
    return rc;
}

/* ---- conflicts ----------------------------------------------------------------------------- */

static int count_conflict(struct rk_sqlite *s, struct rk_err *err)
{
    const char *sql = "UPDATE meta SET value = value + 1 WHERE key = 'conflicts_total'";

    if (sqlite3_changes(s->db) == 0)
        return 0; /* this conflict was recorded before */
    return rk_sqlite_exec(s, sql, err);
}

/* Whether the kept row has the offered JSON: by digest when the row has one, else by text. The
 * digests of both go to kept_sha and offered_sha (needed to record a conflict). */
static int same_text(struct rk_store_batch *b, const struct rk_store_put *p,
                     const struct version *kept, uint8_t *kept_sha, uint8_t *offered_sha,
                     int *same_out, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_JSON];
    const struct rk_store_object *o = p->o;
    int src, rc = 0;

    rk_sha256(o->json, o->json_len, offered_sha);
    if (kept->has_sha256) {
        memcpy(kept_sha, kept->sha256, RK_SHA256_LEN);
        *same_out = memcmp(kept_sha, offered_sha, RK_SHA256_LEN) == 0;
        return 0;
    }
    sqlite3_bind_int64(stmt, 1, kept->date_added);
    if ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const void *json = sqlite3_column_blob(stmt, 0);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 0);

        *same_out = len == o->json_len && (len == 0 || memcmp(json, o->json, len) == 0);
        rk_sha256(json, len, kept_sha);
    } else {
        rc = rk_sqlite_fail(s, src == SQLITE_DONE ? SQLITE_CORRUPT : src,
                            "reading the stored version", err);
    }
    sqlite3_reset(stmt);
    return rc;
}

static int same_version(struct rk_store_batch *b, const struct rk_store_put *p,
                        const struct version *kept, enum rk_put_outcome *outcome,
                        struct rk_err *err)
{
    const char *sql = "INSERT OR IGNORE INTO conflicts (coll, id, version, vkey, kept_sha256, "
                      "offered_sha256, source, at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    const struct rk_store_object *o = p->o;
    uint8_t kept_sha[RK_SHA256_LEN], offered_sha[RK_SHA256_LEN];
    sqlite3_stmt *stmt = NULL;
    int rc, same = 0;

    if ((rc = same_text(b, p, kept, kept_sha, offered_sha, &same, err)) != 0)
        return rc;
    if (same) {
        *outcome = RK_PUT_DUPLICATE;
        return 0;
    }
    *outcome = RK_PUT_CONFLICT;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, b->coll);
    rk_sqlite_bind_str(stmt, 2, o->id);
    rk_sqlite_bind_str(stmt, 3, o->modified ? o->modified : o->created);
    bind_vkey(stmt, 4, p->vkey, p->vkey_len);
    sqlite3_bind_blob(stmt, 5, kept_sha, RK_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 6, offered_sha, RK_SHA256_LEN, SQLITE_STATIC);
    rk_sqlite_bind_str(stmt, 7, b->origin.source[0] ? b->origin.source : b->origin.kind);
    sqlite3_bind_int64(stmt, 8, rk_time_now_us());
    rc = rk_sqlite_step_done(s, stmt, "recording a conflict", err);
    if (rc == 0)
        rc = count_conflict(s, err);
    rk_sqlite_release(s, stmt);
    return rc;
}
