/* sqlite_put.c - write batches: one BEGIN IMMEDIATE transaction, one row per object version.
 *
 * Each put costs one index probe for a new (collection, id): the latest version of the id.
 * Only an id that already has versions needs more (the exact version, the first version, the
 * highest spec_version) and the update of the one row that stops being first or last.
 */
#include "store/sqlite.h"

#include <string.h>

#include "util/buf.h"
#include "util/rktime.h"

static const char *const put_sql[RK_SQLITE_PUT_N] = {
    [RK_SQLITE_PUT_LAST] = "SELECT date_added, vkey, sha256 FROM objects "
                           "WHERE coll = ?1 AND id = ?2 ORDER BY vkey DESC LIMIT 1",
    [RK_SQLITE_PUT_EXACT] = "SELECT date_added, vkey, sha256 FROM objects "
                            "WHERE coll = ?1 AND id = ?2 AND vkey = ?3",
    [RK_SQLITE_PUT_FIRST] = "SELECT date_added, vkey FROM objects "
                            "WHERE coll = ?1 AND id = ?2 ORDER BY vkey LIMIT 1",
    [RK_SQLITE_PUT_TOPSPEC] = "SELECT max(spec_rank) FROM objects WHERE coll = ?1 AND id = ?2",
    [RK_SQLITE_PUT_INSERT] =
            "INSERT INTO objects (date_added, coll, id, vkey, sha256, is_first, is_last, "
            "spec_top, tlp, origin, type, spec_version, spec_rank, created, modified, revoked) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [RK_SQLITE_PUT_JSON] = "INSERT INTO object_json (date_added, json) VALUES (?1, ?2)",
    [RK_SQLITE_PUT_FLAGS] = "UPDATE objects SET is_first = (is_first AND ?2), "
                            "is_last = (is_last AND ?3) WHERE date_added = ?1",
    [RK_SQLITE_PUT_SPEC] = "UPDATE objects SET spec_top = 0 "
                           "WHERE coll = ?1 AND id = ?2 AND spec_top = 1",
};

/* What the store holds already for the (collection, id) being put. */
struct existing {
    int64_t date_added;
    uint8_t vkey[RK_STORE_VKEY_LEN];
    size_t vkey_len;
    uint8_t sha256[RK_SHA256_LEN];
    int has_sha;
};

static void release_put(struct rk_sqlite *s)
{
    for (int i = 0; i < RK_SQLITE_PUT_N; i++) {
        rk_sqlite_release(s, s->put[i]);
        s->put[i] = NULL;
    }
}

static int acquire_put(struct rk_sqlite *s, struct rk_err *err)
{
    int rc;

    for (int i = 0; i < RK_SQLITE_PUT_N; i++) {
        if ((rc = rk_sqlite_acquire(s, put_sql[i], strlen(put_sql[i]), &s->put[i], err)) != 0)
            return rc;
    }
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

static int add_members(struct rk_sqlite *s, int64_t origin, int kind, const char **names,
                       size_t n, struct rk_err *err)
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
                       const char *groups, const char *readers, int64_t *out,
                       struct rk_err *err)
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

    if ((rc = rk_sqlite_int(s, "SELECT value FROM meta WHERE key = 'date_added_hw'", &hw,
                            err)) != 0 ||
        (rc = rk_sqlite_int(s, "SELECT max(date_added) FROM objects", &max, err)) != 0)
        return rc;
    *out = hw > max ? hw : max;
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
        (rc = added_floor(s, &b->last_added_us, err)) != 0 || (rc = acquire_put(s, err)) != 0) {
        release_put(s);
        rk_sqlite_rollback(s);
        return rc;
    }
    return 0;
}

int rk_sqlite_batch_commit(struct rk_store_batch *b, struct rk_err *err)
{
    const char *sql = "UPDATE meta SET value = max(value, ?1) WHERE key = 'date_added_hw'";
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = NULL;
    int rc = 0;

    release_put(s);
    if (b->n_stored > 0 && (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) == 0) {
        sqlite3_bind_int64(stmt, 1, b->last_added_us);
        rc = rk_sqlite_step_done(s, stmt, "recording date_added", err);
        rk_sqlite_release(s, stmt);
    }
    if (rc != 0) {
        rk_sqlite_rollback(s);
        return rc;
    }
    return rk_sqlite_commit(s, err);
}

void rk_sqlite_batch_abort(struct rk_store_batch *b)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);

    release_put(s);
    rk_sqlite_rollback(s);
}

/* ---- put ----------------------------------------------------------------------------------- */

static int vkey_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;

    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static void bind_key(sqlite3_stmt *stmt, const struct rk_store_batch *b,
                     const struct rk_store_put *p)
{
    sqlite3_bind_int64(stmt, 1, b->coll);
    sqlite3_bind_text(stmt, 2, p->o->id, -1, SQLITE_STATIC);
}

static void bind_vkey(sqlite3_stmt *stmt, int i, const uint8_t *vkey, size_t len)
{
    sqlite3_bind_blob(stmt, i, len ? (const void *)vkey : "", (int)len, SQLITE_STATIC);
}

/* Step a (date_added, vkey[, sha256]) probe; *found is 0 when it returned no row. */
static int probe(struct rk_sqlite *s, sqlite3_stmt *stmt, struct existing *ex, int *found,
                 struct rk_err *err)
{
    int src = sqlite3_step(stmt);
    int rc = 0;

    *found = 0;
    memset(ex, 0, sizeof(*ex));
    if (src == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(stmt, 1);

        *found = 1;
        ex->date_added = sqlite3_column_int64(stmt, 0);
        ex->vkey_len = n <= RK_STORE_VKEY_LEN ? n : RK_STORE_VKEY_LEN;
        if (ex->vkey_len)
            memcpy(ex->vkey, sqlite3_column_blob(stmt, 1), ex->vkey_len);
        if (sqlite3_column_count(stmt) > 2 && sqlite3_column_bytes(stmt, 2) == RK_SHA256_LEN) {
            memcpy(ex->sha256, sqlite3_column_blob(stmt, 2), RK_SHA256_LEN);
            ex->has_sha = 1;
        }
    } else if (src != SQLITE_DONE) {
        rc = rk_sqlite_fail(s, src, "looking up the object", err);
    }
    sqlite3_reset(stmt);
    return rc;
}

/* The same id and version is stored: a duplicate, or a conflict that is recorded. */
static int same_version(struct rk_store_batch *b, const struct rk_store_put *p,
                        const struct existing *ex, enum rk_put_outcome *outcome,
                        struct rk_err *err);

/* Set the flags of the new row and clear them on the rows it displaces. */
struct placement {
    int is_first, is_last, spec_top;
};

static int clear_flags(struct rk_sqlite *s, int64_t date_added, int keep_first, int keep_last,
                       struct rk_err *err)
{
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_FLAGS];
    int rc;

    sqlite3_bind_int64(stmt, 1, date_added);
    sqlite3_bind_int(stmt, 2, keep_first);
    sqlite3_bind_int(stmt, 3, keep_last);
    rc = rk_sqlite_step_done(s, stmt, "updating version flags", err);
    sqlite3_reset(stmt);
    return rc;
}

/* spec_top of a new version of an existing id, clearing the others' when it outranks them. */
static int place_spec(struct rk_store_batch *b, const struct rk_store_put *p, int *spec_top,
                      struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_TOPSPEC];
    int64_t top = 0;
    int src, rc = 0;

    bind_key(stmt, b, p);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        top = sqlite3_column_int64(stmt, 0);
    else
        rc = rk_sqlite_fail(s, src, "reading spec versions", err);
    sqlite3_reset(stmt);
    if (rc != 0)
        return rc;
    *spec_top = p->spec_rank >= top;
    if (p->spec_rank > top) {
        stmt = s->put[RK_SQLITE_PUT_SPEC];
        bind_key(stmt, b, p);
        rc = rk_sqlite_step_done(s, stmt, "updating spec version flags", err);
        sqlite3_reset(stmt);
    }
    return rc;
}

/* A new version older than the latest: is it the exact version, or the new first one? */
static int place_older(struct rk_store_batch *b, const struct rk_store_put *p,
                       struct placement *pl, int *exists, struct existing *ex,
                       struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_EXACT];
    struct existing first;
    int found, rc;

    bind_key(stmt, b, p);
    bind_vkey(stmt, 3, p->vkey, p->vkey_len);
    if ((rc = probe(s, stmt, ex, exists, err)) != 0 || *exists)
        return rc;
    stmt = s->put[RK_SQLITE_PUT_FIRST];
    bind_key(stmt, b, p);
    if ((rc = probe(s, stmt, &first, &found, err)) != 0)
        return rc;
    pl->is_last = 0;
    pl->is_first = !found || vkey_cmp(p->vkey, p->vkey_len, first.vkey, first.vkey_len) < 0;
    if (found && pl->is_first)
        rc = clear_flags(s, first.date_added, 0, 1, err);
    return rc;
}

/* Where the new version goes among the stored ones; *exists when it is one of them. */
static int place(struct rk_store_batch *b, const struct rk_store_put *p, struct placement *pl,
                 int *exists, struct existing *ex, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_LAST];
    struct existing last;
    int found, cmp, rc;

    *exists = 0;
    pl->is_first = pl->is_last = pl->spec_top = 1;
    bind_key(stmt, b, p);
    if ((rc = probe(s, stmt, &last, &found, err)) != 0 || !found)
        return rc; /* a new id: first, last and top */
    cmp = vkey_cmp(p->vkey, p->vkey_len, last.vkey, last.vkey_len);
    if (cmp == 0) {
        *ex = last;
        *exists = 1;
        return 0;
    }
    if (cmp > 0) {
        pl->is_first = 0;
        rc = clear_flags(s, last.date_added, 1, 0, err);
    } else {
        rc = place_older(b, p, pl, exists, ex, err);
    }
    if (rc != 0 || *exists)
        return rc;
    return place_spec(b, p, &pl->spec_top, err);
}

static int insert_row(struct rk_store_batch *b, const struct rk_store_put *p,
                      const struct placement *pl, int64_t added, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    const struct rk_store_object *o = p->o;
    sqlite3_stmt *stmt = s->put[RK_SQLITE_PUT_INSERT];
    int rc;

    sqlite3_bind_int64(stmt, 1, added);
    sqlite3_bind_int64(stmt, 2, b->coll);
    sqlite3_bind_text(stmt, 3, o->id, -1, SQLITE_STATIC);
    bind_vkey(stmt, 4, p->vkey, p->vkey_len);
    sqlite3_bind_blob(stmt, 5, p->sha256, RK_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 6, pl->is_first);
    sqlite3_bind_int(stmt, 7, pl->is_last);
    sqlite3_bind_int(stmt, 8, pl->spec_top);
    sqlite3_bind_int(stmt, 9, o->tlp);
    sqlite3_bind_int64(stmt, 10, b->origin_key);
    sqlite3_bind_text(stmt, 11, o->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 12, o->spec_version, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 13, p->spec_rank);
    rk_sqlite_bind_str(stmt, 14, o->created);
    rk_sqlite_bind_str(stmt, 15, o->modified);
    sqlite3_bind_int(stmt, 16, o->revoked != 0);
    rc = rk_sqlite_step_done(s, stmt, "storing the object", err);
    sqlite3_reset(stmt);
    if (rc != 0)
        return rc;
    stmt = s->put[RK_SQLITE_PUT_JSON];
    sqlite3_bind_int64(stmt, 1, added);
    sqlite3_bind_text(stmt, 2, o->json, (int)o->json_len, SQLITE_STATIC);
    rc = rk_sqlite_step_done(s, stmt, "storing the object JSON", err);
    sqlite3_reset(stmt);
    return rc;
}

int rk_sqlite_batch_put(struct rk_store_batch *b, const struct rk_store_put *p,
                        enum rk_put_outcome *outcome, int64_t *date_added_out,
                        struct rk_err *err)
{
    struct placement pl;
    struct existing ex;
    int exists, rc;
    int64_t added;

    *outcome = RK_PUT_STORED;
    *date_added_out = 0;
    if ((rc = place(b, p, &pl, &exists, &ex, err)) != 0)
        goto out;
    if (exists) {
        *date_added_out = ex.date_added;
        rc = same_version(b, p, &ex, outcome, err);
        goto out;
    }
    added = rk_time_unique_us(b->last_added_us);
    if ((rc = insert_row(b, p, &pl, added, err)) != 0)
        goto out;
    b->last_added_us = added;
    b->n_stored++;
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

static int same_version(struct rk_store_batch *b, const struct rk_store_put *p,
                        const struct existing *ex, enum rk_put_outcome *outcome,
                        struct rk_err *err)
{
    const char *sql = "INSERT OR IGNORE INTO conflicts (coll, id, version, vkey, kept_sha256, "
                      "offered_sha256, source, at_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    struct rk_sqlite *s = rk_sqlite_of(b->st);
    const struct rk_store_object *o = p->o;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (ex->has_sha && memcmp(ex->sha256, p->sha256, RK_SHA256_LEN) == 0) {
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
    sqlite3_bind_blob(stmt, 5, ex->sha256, RK_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 6, p->sha256, RK_SHA256_LEN, SQLITE_STATIC);
    rk_sqlite_bind_str(stmt, 7, b->origin.source[0] ? b->origin.source : b->origin.kind);
    sqlite3_bind_int64(stmt, 8, rk_time_now_us());
    rc = rk_sqlite_step_done(s, stmt, "recording a conflict", err);
    if (rc == 0)
        rc = count_conflict(s, err);
    rk_sqlite_release(s, stmt);
    return rc;
}
