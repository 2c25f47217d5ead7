/* sqlite_query.c - object queries, counts and deletes, built as one SQL statement each.
 *
 * Every filter, the reader's visibility included, is part of the WHERE clause, so LIMIT and
 * the "more" probe (limit + 1 rows) count only rows the reader may see. The plan for a page of
 * one collection walks the index objects_coll from added_after on, in date_added order, and
 * stops after limit + 1 hits (see build_select).
 */
#include "store/sqlite.h"
#include "store/debug.h"

#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"

#define SQL_MAX (256 * 1024)

enum { BIND_INT, BIND_TEXT, BIND_BLOB };

struct bind {
    int kind;
    int64_t i;
    const void *p;
    size_t len;
};

/* A statement being built: its text and the values for its parameters, in order. */
struct sqlq {
    struct rk_buf sql;
    struct bind *binds;
    size_t n_binds, cap_binds;
    int rc; /* the first failure while building */
};

static void sqlq_init(struct sqlq *q)
{
    memset(q, 0, sizeof(*q));
    rk_buf_init(&q->sql, SQL_MAX);
}

static void sqlq_free(struct sqlq *q)
{
    rk_buf_free(&q->sql);
    rk_free(q->binds);
}

static void put_sql(struct sqlq *q, const char *s)
{
    if (q->rc == 0)
        q->rc = rk_buf_puts(&q->sql, s);
}

static void put_bind(struct sqlq *q, int kind, int64_t i, const void *p, size_t len)
{
    struct bind *nb;

    if (q->rc == 0 && q->n_binds == q->cap_binds) {
        size_t cap = q->cap_binds ? q->cap_binds * 2 : 16;

        if (!(nb = rk_reallocarray(q->binds, cap, sizeof(*nb))))
            q->rc = RK_ENOMEM;
        else {
            q->binds = nb;
            q->cap_binds = cap;
        }
    }
    if (q->rc != 0)
        return;
    q->binds[q->n_binds++] = (struct bind){kind, i, p, len};
    put_sql(q, "?");
}

static void put_int(struct sqlq *q, int64_t v)
{
    put_bind(q, BIND_INT, v, NULL, 0);
}

static void put_text(struct sqlq *q, const char *s)
{
    put_bind(q, BIND_TEXT, 0, s, strlen(s));
}

/* " AND column IN (?, ?, ...)" */
static void put_in(struct sqlq *q, const char *column, const char *const *v, size_t n)
{
    put_sql(q, " AND ");
    put_sql(q, column);
    put_sql(q, " IN (");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put_sql(q, ", ");
        put_text(q, v[i]);
    }
    put_sql(q, ")");
}

/* " AND o.date_added IN (SELECT ... idh IN (...)) AND o.id IN (...)": the hashes find the rows
 * through both levels of the id index, the ids weed out other ids that share a hash. */
static void put_ids(struct sqlq *q, int64_t coll, const char *const *ids, size_t n)
{
    put_sql(q, " AND o.date_added IN (SELECT date_added FROM ids_all WHERE coll");
    if (coll) {
        put_sql(q, " = ");
        put_int(q, coll);
    } else { /* every collection: look the ids up in each */
        put_sql(q, " IN (SELECT coll FROM collections)");
    }
    put_sql(q, " AND idh IN (");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put_sql(q, ", ");
        put_int(q, rk_sqlite_idh(ids[i]));
    }
    put_sql(q, "))");
    put_in(q, "o.id", ids, n);
}

static int sqlq_prepare(struct rk_sqlite *s, struct sqlq *q, sqlite3_stmt **out, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    *out = NULL;
    if (q->rc != 0)
        return rk_err_set(err, q->rc, "building the query: %s", rk_strerror(q->rc));
    if ((rc = rk_sqlite_acquire(s, rk_buf_cstr(&q->sql), rk_buf_len(&q->sql), &stmt, err)) != 0)
        return rc;
    for (size_t i = 0; i < q->n_binds; i++) {
        const struct bind *b = &q->binds[i];
        int n = (int)i + 1;

        if (b->kind == BIND_INT)
            sqlite3_bind_int64(stmt, n, b->i);
        else if (b->kind == BIND_TEXT)
            sqlite3_bind_text(stmt, n, b->p, (int)b->len, SQLITE_STATIC);
        else
            sqlite3_bind_blob(stmt, n, b->len ? b->p : "", (int)b->len, SQLITE_STATIC);
    }
    *out = stmt;
    return 0;
}

/* ---- WHERE clauses ------------------------------------------------------------------------- */

/* Whether vis hides some rows (else every row is visible). */
static int restricts(const struct rk_store_visibility *vis)
{
    return vis && !vis->everything;
}

/* put_sql of a, then of b (an alias and a column, or a column after an alias). */
static void put_sql2(struct sqlq *q, const char *a, const char *b)
{
    put_sql(q, a);
    put_sql(q, b);
}

/* " AND ...": the rows of table alias (o, or x in a subquery) vis shows. */
static void put_visibility(struct sqlq *q, const struct rk_store_visibility *vis,
                           const char *alias)
{
    if (!restricts(vis))
        return;
    if (vis->not_from_partner) {
        put_sql2(q, " AND ", alias);
        put_sql(q, ".origin NOT IN (SELECT origin FROM origins WHERE kind = '"
                   RK_PROV_PARTNER "' AND source = ");
        put_text(q, vis->not_from_partner);
        put_sql(q, ")");
    }
    put_sql(q, " AND (0");
    if (vis->tlp_any) {
        put_sql2(q, " OR ((1 << ", alias);
        put_sql(q, ".tlp) & ");
        put_int(q, vis->tlp_any);
        put_sql(q, ") != 0");
    }
    if (vis->tlp_own_org && vis->org) {
        put_sql2(q, " OR (((1 << ", alias);
        put_sql(q, ".tlp) & ");
        put_int(q, vis->tlp_own_org);
        put_sql2(q, ") != 0 AND ", alias);
        put_sql(q, ".origin IN (SELECT origin FROM origins WHERE org = ");
        put_text(q, vis->org);
        if (vis->own_org_unreceived)
            put_sql(q, " AND NOT (kind = '" RK_PROV_PARTNER "' AND source <> '')");
        put_sql(q, "))");
    }
    if (vis->tlp_in_group && vis->n_groups > 0) {
        put_sql2(q, " OR (((1 << ", alias);
        put_sql(q, ".tlp) & ");
        put_int(q, vis->tlp_in_group);
        put_sql2(q, ") != 0 AND ", alias);
        put_sql(q, ".origin IN (SELECT origin FROM origin_members WHERE kind = 1");
        put_in(q, "name", vis->groups, vis->n_groups);
        put_sql(q, "))");
    }
    if (vis->tlp_named && vis->user) {
        put_sql2(q, " OR (((1 << ", alias);
        put_sql(q, ".tlp) & ");
        put_int(q, vis->tlp_named);
        put_sql2(q, ") != 0 AND ", alias);
        put_sql(q, ".origin IN (SELECT origin FROM origin_members WHERE kind = 2 AND name = ");
        put_text(q, vis->user);
        put_sql(q, "))");
    }
    put_sql(q, ")");
}

/* "<alias>.is_last = 1" (or is_first), and when vis hides some rows, "OR" the row is the last
 * (first) version of its id vis shows: the flags hold over all versions, and an object whose
 * last version is hidden would otherwise vanish from the reader's latest versions, telling it
 * that a version it may not see exists. Only o's rows take the second form (x is the alias of
 * the correlated subqueries). */
static void put_end_version(struct sqlq *q, const struct rk_store_visibility *vis,
                            const char *alias, int last)
{
    put_sql2(q, alias, last ? ".is_last = 1" : ".is_first = 1");
    if (!restricts(vis) || strcmp(alias, "o") != 0)
        return;
    put_sql(q, " OR NOT EXISTS (SELECT 1 FROM objects AS x" RK_SQLITE_SAME_ID);
    put_sql(q, last ? " AND x.vkey > o.vkey" : " AND x.vkey < o.vkey");
    put_visibility(q, vis, "x");
    put_sql(q, ")");
}

/* " AND (...)": the rows the version filter selects. */
static void put_versions(struct sqlq *q, const struct rk_store_filter *f, const char *alias)
{
    const char *sep = "";

    if (f->versions & RK_VERSIONS_ALL)
        return;
    put_sql(q, " AND (");
    if (f->versions & RK_VERSIONS_LAST) {
        put_end_version(q, f->q->vis, alias, 1);
        sep = " OR ";
    }
    if (f->versions & RK_VERSIONS_FIRST) {
        put_sql(q, sep);
        put_end_version(q, f->q->vis, alias, 0);
        sep = " OR ";
    }
    if (f->n_vkeys > 0) {
        put_sql(q, sep);
        put_sql(q, alias);
        put_sql(q, ".vkey IN (");
        for (size_t i = 0; i < f->n_vkeys; i++) {
            if (i > 0)
                put_sql(q, ", ");
            put_bind(q, BIND_BLOB, 0, f->vkeys[i], RK_STORE_VKEY_LEN);
        }
        put_sql(q, ")");
    }
    put_sql(q, ")");
}

/* No match[spec_version]: of the versions the version filter selects for an id, only those of
 * the highest spec_version. spec_top rows qualify at once; the subquery runs only for rows of
 * ids whose history mixes spec versions. */
static void put_latest_spec(struct sqlq *q, const struct rk_store_filter *f)
{
    put_sql(q,
            " AND (o.spec_top = 1 OR NOT EXISTS (SELECT 1 FROM objects AS x" RK_SQLITE_SAME_ID
            " AND x.spec_rank > o.spec_rank");
    put_versions(q, f, "x");
    put_visibility(q, f->q->vis, "x"); /* a version the reader may not see hides nothing */
    put_sql(q, "))");
}

/* " WHERE 1 AND ..." for f; the collection must have been resolved to coll (0: any). arm is
 * -1, or 0 / 1 for the half of a collection's rows with that is_last (see build_select). */
static void put_where(struct sqlq *q, const struct rk_store_filter *f, int64_t coll, int arm)
{
    const struct rk_store_query *qq = f->q;

    put_sql(q, " WHERE 1");
    if (coll) {
        put_sql(q, " AND o.coll = ");
        put_int(q, coll);
    }
    if (arm >= 0)
        put_sql(q, arm ? " AND o.is_last = 1" : " AND o.is_last = 0");
    if (qq->added_after_us > 0) {
        put_sql(q, " AND o.date_added > ");
        put_int(q, qq->added_after_us);
    }
    if (qq->n_ids)
        put_ids(q, coll, qq->ids, qq->n_ids);
    if (qq->n_types)
        put_in(q, "o.type", qq->types, qq->n_types);
    put_versions(q, f, "o");
    if (qq->n_spec_versions)
        put_in(q, "o.spec_version", qq->spec_versions, qq->n_spec_versions);
    else if (!f->any_spec)
        put_latest_spec(q, f);
    put_visibility(q, qq->vis, "o");
    if (qq->owner_org) {
        put_sql(q, " AND o.origin IN (SELECT origin FROM origins WHERE org = ");
        put_text(q, qq->owner_org);
        put_sql(q, ")");
    }
}

/* The key of f's collection (0: every collection); its id into out when given. */
static int resolve_collection(struct rk_sqlite *s, const struct rk_store_filter *f, int64_t *coll,
                              struct rk_collection *out, struct rk_err *err)
{
    *coll = 0;
    if (!f->q->collection)
        return 0;
    return rk_sqlite_collection_key(s, f->q->collection, coll, out, err);
}

/* ---- query --------------------------------------------------------------------------------- */

/* " objects AS o" with the access every query of this shape must use: rows by date_added from
 * the id index when ids are given (a handful of rows), objects_coll for one collection, the
 * rowid order otherwise. The planner has no statistics to choose by, and a wrong choice turns
 * a lookup into a scan. */
static void put_objects(struct sqlq *q, const struct rk_store_filter *f, int64_t coll)
{
    if (f->q->n_ids)
        put_sql(q, " objects AS o NOT INDEXED");
    else if (coll)
        put_sql(q, " objects AS o INDEXED BY objects_coll");
    else
        put_sql(q, " objects AS o");
}

/* The columns run_rows reads, in this order. A page of one collection reads the object rows
 * alone: the collection id is the one resolved (c.id is joined only when the query spans
 * every collection), and the provenance comes from the handle's origin cache. */
enum { COL_DATE_ADDED, COL_ID, COL_TYPE, COL_SPEC, COL_CREATED, COL_MODIFIED, COL_TLP, COL_ORIGIN,
       COL_JSON, COL_COLLECTION };

static void put_select(struct sqlq *q, const struct rk_store_filter *f, int64_t coll, int arm)
{
    if (f->q->json_only && !f->q->without_json)
        put_sql(q, "SELECT o.date_added, NULL, NULL, NULL, NULL, NULL, o.tlp, NULL");
    else
        put_sql(q, "SELECT o.date_added, o.id, o.type, o.spec_version, o.created, o.modified,"
                   " o.tlp, o.origin");
    put_sql(q, f->q->without_json ? ", NULL" : ", o.json");
    put_sql(q, coll ? "" : ", c.id");
    put_sql(q, " FROM");
    put_objects(q, f, coll);
    if (!coll)
        put_sql(q, " CROSS JOIN collections AS c ON c.coll = o.coll");
    put_where(q, f, coll, arm);
}

/* Whether f asks one collection's pages of latest versions (no ids, no version keys). */
static int pages_of_latest(const struct rk_store_filter *f, int64_t coll)
{
    return coll && f->q->n_ids == 0 && f->versions == RK_VERSIONS_LAST && f->n_vkeys == 0;
}

/* Into *out, whether coll holds a superseded version (is_last = 0) added after after_us: one
 * seek of objects_coll. */
static int older_versions_after(struct rk_sqlite *s, int64_t coll, int64_t after_us, int *out,
                                struct rk_err *err)
{
    static const char sql[] = "SELECT 1 FROM objects INDEXED BY objects_coll"
                              " WHERE coll = ?1 AND is_last = 0 AND date_added > ?2 LIMIT 1";
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, coll);
    sqlite3_bind_int64(stmt, 2, after_us);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW || src == SQLITE_DONE)
        *out = src == SQLITE_ROW;
    else
        rc = rk_sqlite_fail(s, src, "looking for older versions", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Into *out, whether f's latest versions are one range of objects_coll (coll, is_last = 1,
 * date_added). They are for a reader who sees every row. For one who may not, an older
 * version may be the latest it sees (put_end_version), so they are only when the collection
 * holds no superseded version after added_after; the caller reads the answer and the rows in
 * one snapshot. */
static int latest_in_one_range(struct rk_sqlite *s, const struct rk_store_filter *f,
                               int64_t coll, int *out, struct rk_err *err)
{
    int older = 1, rc;

    *out = 0;
    if (!pages_of_latest(f, coll))
        return 0;
    if (!restricts(f->q->vis)) {
        *out = 1;
        return 0;
    }
    if ((rc = older_versions_after(s, coll, f->q->added_after_us, &older, err)) != 0)
        return rc;
    *out = !older;
    return 0;
}

/* The rows of f in date_added order. A page of one collection walks objects_coll
 * (coll, is_last, date_added) from added_after: latest versions are one range of it when
 * last_only says so (latest_in_one_range); any other version filter merges the is_last = 0 and
 * is_last = 1 ranges (UNION ALL, each in date_added order), so no query sorts more than it
 * returns. */
static void build_select(struct sqlq *q, const struct rk_store_filter *f, int64_t coll,
                         int last_only)
{
    if (coll && !last_only && f->q->n_ids == 0) {
        put_select(q, f, coll, 0);
        put_sql(q, " UNION ALL ");
        put_select(q, f, coll, 1);
        put_sql(q, " ORDER BY 1");
    } else {
        put_select(q, f, coll, coll && last_only && f->q->n_ids == 0 ? 1 : -1);
        put_sql(q, " ORDER BY o.date_added");
    }
    if (f->q->limit > 0 && f->q->limit < (size_t)INT64_MAX) {
        put_sql(q, " LIMIT ");
        put_int(q, (int64_t)f->q->limit + 1); /* one more tells whether there is more */
    }
}

static const char *col_text(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

/* The row's description and provenance (everything but the JSON). */
static int row_meta(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_store_query *q,
                    struct rk_store_row *row, struct rk_err *err)
{
    const struct rk_sqlite_origin *g = NULL;
    int rc;

    row->id = col_text(stmt, COL_ID);
    row->type = col_text(stmt, COL_TYPE);
    row->spec_version = col_text(stmt, COL_SPEC);
    row->created = col_text(stmt, COL_CREATED);
    row->modified = col_text(stmt, COL_MODIFIED);
    row->version = row->modified ? row->modified : row->created;
    if ((rc = rk_sqlite_origin_get(s, sqlite3_column_int64(stmt, COL_ORIGIN), &g, err)) != 0)
        return rc;
    row->owner_org = g->org;
    row->source_kind = g->kind;
    row->source = g->source;
    if (q->with_groups) {
        row->groups = g->groups;
        row->n_groups = g->n_groups;
    }
    return 0;
}

/* The row's columns; the JSON is read as a blob (json_len bytes, no terminator to add), so
 * SQLite hands out the bytes where they lie instead of copying them. A json_only query selected
 * no description (see put_select). */
static int row_from_stmt(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_store_query *q,
                         const char *collection, struct rk_store_row *row, struct rk_err *err)
{
    int with_json = !q->without_json, rc;

    memset(row, 0, sizeof(*row));
    row->date_added_us = sqlite3_column_int64(stmt, COL_DATE_ADDED);
    row->collection = collection ? collection : col_text(stmt, COL_COLLECTION);
    row->tlp = sqlite3_column_int(stmt, COL_TLP);
    if (!(q->json_only && with_json) && (rc = row_meta(s, stmt, q, row, err)) != 0)
        return rc;
    if (with_json) {
        row->json = sqlite3_column_blob(stmt, COL_JSON);
        row->json_len = (size_t)sqlite3_column_bytes(stmt, COL_JSON);
        if (!row->json)
            row->json = "";
    }
    return 0;
}

static int run_rows(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_store_filter *f,
                    const char *collection, rk_store_row_fn fn, void *ctx,
                    struct rk_store_page *page, struct rk_err *err)
{
    struct rk_store_row row;
    size_t limit = f->q->limit;
    int rc = 0, src = SQLITE_DONE;

    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (limit > 0 && page->count == limit) {
            page->more = 1;
            break;
        }
        if ((rc = row_from_stmt(s, stmt, f->q, collection, &row, err)) != 0)
            return rc;
        if (page->count == 0)
            page->first_added_us = row.date_added_us;
        page->last_added_us = row.date_added_us;
        page->count++;
        if (fn && (rc = fn(&row, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_ROW && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "reading objects", err);
    return rc;
}

int rk_sqlite_query(struct rk_store *st, const struct rk_store_filter *f, rk_store_row_fn fn,
                    void *ctx, struct rk_store_page *page, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    struct rk_collection c;
    sqlite3_stmt *stmt = NULL;
    struct sqlq q;
    int64_t coll;
    int rc, last_only = 0, snapshot = 0;

    sqlq_init(&q);
    s->query_depth++;
    if ((rc = rk_sqlite_idpending_flush(s, err)) != 0 || /* a batch's query sees its rows */
        (rc = resolve_collection(s, f, &coll, &c, err)) != 0)
        goto out;
    /* the look for older versions and the rows must see one state of the store */
    if (pages_of_latest(f, coll) && restricts(f->q->vis) && sqlite3_get_autocommit(s->db)) {
        if ((rc = rk_sqlite_read_begin(s, err)) != 0)
            goto out;
        snapshot = 1;
    }
    if ((rc = latest_in_one_range(s, f, coll, &last_only, err)) != 0)
        goto out;
    build_select(&q, f, coll, last_only);
    if ((rc = sqlq_prepare(s, &q, &stmt, err)) != 0)
        goto out;
    rc = run_rows(s, stmt, f, coll ? c.id : NULL, fn, ctx, page, err);
out:
    rk_sqlite_release(s, stmt);
    if (snapshot)
        rk_sqlite_read_end(s);
    sqlq_free(&q);
    s->query_depth--;
    rk_sqlite_origins_retire_done(s);
    return rc;
}

int rk_sqlite_count(struct rk_store *st, const struct rk_store_filter *f, uint64_t *out,
                    struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct sqlq q;
    int64_t coll;
    int rc, src;

    sqlq_init(&q);
    if ((rc = rk_sqlite_idpending_flush(s, err)) != 0 ||
        (rc = resolve_collection(s, f, &coll, NULL, err)) != 0)
        goto out;
    put_sql(&q, "SELECT count(*) FROM");
    put_objects(&q, f, coll);
    put_where(&q, f, coll, -1);
    if ((rc = sqlq_prepare(s, &q, &stmt, err)) != 0)
        goto out;
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        *out = (uint64_t)sqlite3_column_int64(stmt, 0);
    else
        rc = rk_sqlite_fail(s, src, "counting objects", err);
out:
    rk_sqlite_release(s, stmt);
    sqlq_free(&q);
    return rc;
}

/* ---- delete -------------------------------------------------------------------------------- */

static int run_sql(struct rk_sqlite *s, const char *sql, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rc = rk_sqlite_step_done(s, stmt, "deleting objects", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Fill temp.rk_doomed with the rows f selects. */
static int select_doomed(struct rk_sqlite *s, const struct rk_store_filter *f, int64_t coll,
                         struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    struct sqlq q;
    int rc;

    sqlq_init(&q);
    put_sql(&q, "INSERT INTO temp.rk_doomed (date_added, coll, idh, id) "
                "SELECT o.date_added, o.coll, o.idh, o.id FROM");
    put_objects(&q, f, coll);
    put_where(&q, f, coll, -1);
    if ((rc = sqlq_prepare(s, &q, &stmt, err)) == 0)
        rc = rk_sqlite_step_done(s, stmt, "selecting objects to delete", err);
    rk_sqlite_release(s, stmt);
    sqlq_free(&q);
    return rc;
}

int rk_sqlite_remove(struct rk_store *st, const struct rk_store_filter *f, uint64_t *out,
                     struct rk_err *err)
{
    static const char *const steps[] = {
            "CREATE TEMP TABLE IF NOT EXISTS rk_doomed (date_added INTEGER PRIMARY KEY,"
            " coll INTEGER NOT NULL, idh INTEGER NOT NULL, id TEXT NOT NULL)",
            "DELETE FROM temp.rk_doomed",
    };
    static const char *const after[] = {
            "DELETE FROM objects WHERE date_added IN (SELECT date_added FROM temp.rk_doomed)",
            /* first, last and top spec version among what remains of each touched id */
            "UPDATE objects AS o SET"
            " is_first = (o.vkey = (SELECT min(x.vkey) FROM objects AS x" RK_SQLITE_SAME_ID ")),"
            " is_last = (o.vkey = (SELECT max(x.vkey) FROM objects AS x" RK_SQLITE_SAME_ID ")),"
            " spec_top = (o.spec_rank = (SELECT max(x.spec_rank) FROM objects AS x"
            RK_SQLITE_SAME_ID "))"
            " WHERE o.date_added IN (SELECT k.date_added FROM (SELECT DISTINCT coll, idh"
            "  FROM temp.rk_doomed) AS d JOIN ids_all AS k ON k.coll = d.coll AND k.idh = d.idh)"
            " AND (o.coll, o.idh, o.id) IN (SELECT coll, idh, id FROM temp.rk_doomed)",
    };
    struct rk_sqlite *s = rk_sqlite_of(st);
    int64_t coll, n = 0;
    int rc;

    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    if ((rc = resolve_collection(s, f, &coll, NULL, err)) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if ((rc = run_sql(s, steps[i], err)) != 0)
            goto out;
    }
    if ((rc = select_doomed(s, f, coll, err)) != 0 ||
        (rc = rk_sqlite_int(s, "SELECT count(*) FROM temp.rk_doomed", &n, err)) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
        if ((rc = run_sql(s, after[i], err)) != 0)
            goto out;
    }
    if (n > 0 && (rc = rk_sqlite_count_removal(s, err)) != 0)
        goto out;
    if ((rc = rk_sqlite_commit(s, err)) == 0)
        *out = (uint64_t)n;
    return rc;
out:
    rk_sqlite_rollback(s);
    return rc;
}

/* ---- plans (tests and docs) ---------------------------------------------------------------- */

int rk_store_debug_plan(struct rk_store *st, const struct rk_store_query *query, struct rk_buf *out,
                        struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    struct rk_store_filter f = {0};
    sqlite3_stmt *stmt = NULL;
    struct sqlq q;
    int64_t coll;
    int rc, src = SQLITE_DONE, last_only = 0;

    f.q = query;
    f.versions = query->versions ? query->versions : RK_VERSIONS_LAST;
    sqlq_init(&q);
    put_sql(&q, "EXPLAIN QUERY PLAN ");
    if ((rc = resolve_collection(s, &f, &coll, NULL, err)) != 0 ||
        (rc = latest_in_one_range(s, &f, coll, &last_only, err)) != 0)
        goto out;
    build_select(&q, &f, coll, last_only);
    if ((rc = sqlq_prepare(s, &q, &stmt, err)) != 0)
        goto out;
    while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *detail = col_text(stmt, 3);

        if ((rc = rk_buf_printf(out, "%s\n", detail ? detail : "")) != 0)
            rk_err_set(err, rc, "plan too long");
    }
    if (rc == 0 && src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "explaining a query", err);
out:
    rk_sqlite_release(s, stmt);
    sqlq_free(&q);
    return rc;
}

int rk_store_debug_exec(struct rk_store *st, const char *sql, struct rk_err *err)
{
    return rk_sqlite_exec(rk_sqlite_of(st), sql, err);
}

void rk_store_debug_fresh_ids_max(struct rk_store *st, int64_t n)
{
    rk_sqlite_of(st)->fresh_ids_max = n;
}

void rk_store_debug_idfilter_after(struct rk_store *st, int64_t puts)
{
    rk_sqlite_of(st)->idfilter_after = puts;
}

void rk_store_debug_idfilter_max_bits(struct rk_store *st, uint64_t bits)
{
    rk_sqlite_of(st)->idfilter_max_bits = bits;
}

int64_t rk_store_debug_idfilter_skipped(struct rk_store *st)
{
    return rk_sqlite_of(st)->idf.skipped;
}

int rk_store_debug_id_levels(struct rk_store *st, int64_t *settled, int64_t *fresh,
                             struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    if ((rc = rk_sqlite_int(s, "SELECT count(*) FROM ids_settled", settled, err)) != 0)
        return rc;
    return rk_sqlite_int(s, "SELECT count(*) FROM ids_fresh", fresh, err);
}
