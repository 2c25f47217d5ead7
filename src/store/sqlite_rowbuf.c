/* sqlite_rowbuf.c - an import batch's new rows, inserted RK_SQLITE_ROWS_PER_INSERT at a time.
 *
 * Each statement SQLite runs opens its cursors, descends from the root of the table and of
 * objects_coll to the place of its one row, and closes them again. The rows of an import
 * all go to the end of both (date_added rises), so a statement of many rows keeps its cursors
 * on the last leaves and SQLite skips the descents (its append path). Importing 600,000
 * objects spent a third of its CPU time in the one-row INSERT; see docs/internals/store.md.
 * A row whose date_added is one more than the row before it in the statement (most of a
 * batch's: they are consecutive microseconds) leaves date_added to SQLite, which gives the
 * table's largest rowid plus one, the same value, and appends without searching the table
 * for it; the statement's last rowid is checked against the values the puts reported.
 *
 * Only handles opened with RK_STORE_BULK gather rows; others insert each row at once. A
 * gathered row is not in the table until the flush, so whatever reads the table or the id
 * index flushes first: rk_sqlite_idpending_flush starts here, and every row waiting here has
 * its id index entry pending (sqlite_put.c writes an entry at once only after a flush), so
 * every reader that flushes the entries flushes the rows before them. The strings of the rows
 * are copied into one buffer that never moves while rows point into it.
 */
#include "store/sqlite.h"

#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"

#define TEXT_MIN  ((size_t)256 * 1024) /* 64 objects of up to 4 KiB */
#define TEXT_KEEP ((size_t)4 << 20)    /* a larger buffer (one huge object) is freed after use */

static int bind_text(sqlite3_stmt *stmt, int i, const char *s, size_t len)
{
    if (!s)
        return sqlite3_bind_null(stmt, i);
    return sqlite3_bind_text(stmt, i, s, (int)len, SQLITE_STATIC);
}

/* Bind row as the RK_SQLITE_ROW_COLUMNS parameters from first on (the order of columns).
 * implied: date_added is one more than the row inserted just before, the largest in the
 * table (date_added rises across the node), so NULL gives SQLite the same value as its next
 * rowid: it then appends without searching the table for that value. */
static void bind_row(sqlite3_stmt *stmt, int first, const struct rk_sqlite_newrow *r, int implied)
{
    if (implied)
        sqlite3_bind_null(stmt, first);
    else
        sqlite3_bind_int64(stmt, first, r->added);
    sqlite3_bind_int64(stmt, first + 1, r->coll);
    sqlite3_bind_int64(stmt, first + 2, r->idh);
    bind_text(stmt, first + 3, r->id, r->id_len);
    sqlite3_bind_blob(stmt, first + 4, r->vkey_len ? (const void *)r->vkey : "", (int)r->vkey_len,
                      SQLITE_STATIC);
    sqlite3_bind_blob(stmt, first + 5, "", 0, SQLITE_STATIC); /* sha256: computed when needed */
    sqlite3_bind_int(stmt, first + 6, r->is_first);
    sqlite3_bind_int(stmt, first + 7, r->is_last);
    sqlite3_bind_int(stmt, first + 8, r->spec_top);
    sqlite3_bind_int(stmt, first + 9, r->tlp);
    sqlite3_bind_int64(stmt, first + 10, r->origin);
    bind_text(stmt, first + 11, r->type, r->type_len);
    bind_text(stmt, first + 12, r->spec_version, r->spec_version_len);
    sqlite3_bind_int(stmt, first + 13, r->spec_rank);
    bind_text(stmt, first + 14, r->created, r->created_len);
    bind_text(stmt, first + 15, r->modified, r->modified_len);
    sqlite3_bind_int(stmt, first + 16, r->revoked);
    bind_text(stmt, first + 17, r->json, r->json_len);
}

static int insert_rows(struct rk_sqlite *s, sqlite3_stmt *stmt, const struct rk_sqlite_newrow *v,
                       size_t n, struct rk_err *err)
{
    int rc;

    for (size_t i = 0; i < n; i++)
        bind_row(stmt, 1 + (int)i * RK_SQLITE_ROW_COLUMNS, &v[i],
                 i > 0 && v[i].added == v[i - 1].added + 1);
    rc = rk_sqlite_step_done(s, stmt, "storing the object", err);
    sqlite3_reset(stmt);
    /* a cheap check of the reasoning in bind_row: the last row has the date_added its put
     * reported */
    if (rc == 0 && sqlite3_last_insert_rowid(s->db) != v[n - 1].added)
        rc = rk_err_set(err, RK_EINTERNAL, "a stored row took date_added %lld, not %lld",
                        (long long)sqlite3_last_insert_rowid(s->db), (long long)v[n - 1].added);
    return rc;
}

int rk_sqlite_insert_sql(struct rk_buf *out, const char *into, int columns, size_t rows)
{
    int rc = rk_buf_printf(out, "INSERT INTO %s VALUES ", into);

    for (size_t i = 0; i < rows && rc == 0; i++) {
        rc = rk_buf_puts(out, i ? ",(" : "(");
        for (int c = 0; c < columns && rc == 0; c++)
            rc = rk_buf_puts(out, c ? ",?" : "?");
        if (rc == 0)
            rc = rk_buf_putc(out, ')');
    }
    return rc;
}

int rk_sqlite_rows_flush(struct rk_sqlite *s, struct rk_err *err)
{
    struct rk_sqlite_rowbuf *rb = &s->rows;
    int rc = 0;

    if (rb->n == RK_SQLITE_ROWS_PER_INSERT && s->put[RK_SQLITE_PUT_INSERT_MANY]) {
        rc = insert_rows(s, s->put[RK_SQLITE_PUT_INSERT_MANY], rb->v, rb->n, err);
    } else {
        for (size_t i = 0; i < rb->n && rc == 0; i++)
            rc = insert_rows(s, s->put[RK_SQLITE_PUT_INSERT], &rb->v[i], 1, err);
    }
    rk_sqlite_rows_drop(s);
    if (rc != 0 && s->base.batch)
        s->base.batch->failed = 1; /* rows reported stored are missing: the batch must not commit */
    return rc;
}

void rk_sqlite_rows_drop(struct rk_sqlite *s)
{
    struct rk_sqlite_rowbuf *rb = &s->rows;

    rb->n = 0;
    rb->text_len = 0;
    if (rb->text_cap > TEXT_KEEP) {
        rk_free(rb->text);
        rb->text = NULL;
        rb->text_cap = 0;
    }
}

void rk_sqlite_rows_free(struct rk_sqlite *s)
{
    rk_free(s->rows.text);
    memset(&s->rows, 0, sizeof(s->rows));
}

/* A copy of the n bytes at p (and a NUL) in the buffer; NULL for NULL. The room is there. */
static const char *keep(struct rk_sqlite_rowbuf *rb, const char *p, size_t n)
{
    char *copy = rb->text + rb->text_len;

    if (!p)
        return NULL;
    memcpy(copy, p, n);
    copy[n] = '\0';
    rb->text_len += n + 1;
    return copy;
}

/* Room for need more bytes of text. Only with no row waiting may the buffer move. */
static int text_room(struct rk_sqlite *s, size_t need, struct rk_err *err)
{
    struct rk_sqlite_rowbuf *rb = &s->rows;
    size_t cap = rb->text_cap ? rb->text_cap : TEXT_MIN;
    char *text;
    int rc;

    if (rb->text_len + need <= rb->text_cap)
        return 0;
    if (rb->n > 0 && (rc = rk_sqlite_rows_flush(s, err)) != 0)
        return rc;
    if (need <= rb->text_cap)
        return 0;
    while (cap < need)
        cap *= 2;
    if (!(text = rk_realloc(rb->text, cap)))
        return rk_err_set(err, RK_ENOMEM, "out of memory for a row of %zu bytes", need);
    rb->text = text;
    rb->text_cap = cap;
    return 0;
}

static size_t text_size(const struct rk_sqlite_newrow *r)
{
    return r->id_len + r->type_len + r->spec_version_len + r->created_len + r->modified_len +
           r->json_len + 6; /* a NUL after each */
}

/* Keep a copy of row until the flush; flush when the statement of many rows is full. */
static int gather(struct rk_sqlite *s, const struct rk_sqlite_newrow *row, struct rk_err *err)
{
    struct rk_sqlite_rowbuf *rb = &s->rows;
    struct rk_sqlite_newrow *r;
    int rc;

    if ((rc = text_room(s, text_size(row), err)) != 0)
        return rc;
    r = &rb->v[rb->n++];
    *r = *row;
    r->id = keep(rb, row->id, row->id_len);
    r->type = keep(rb, row->type, row->type_len);
    r->spec_version = keep(rb, row->spec_version, row->spec_version_len);
    r->created = keep(rb, row->created, row->created_len);
    r->modified = keep(rb, row->modified, row->modified_len);
    r->json = keep(rb, row->json, row->json_len);
    if (rb->n == RK_SQLITE_ROWS_PER_INSERT)
        return rk_sqlite_rows_flush(s, err);
    return 0;
}

int rk_sqlite_rows_insert(struct rk_sqlite *s, const struct rk_sqlite_newrow *row,
                          struct rk_err *err)
{
    if (s->put[RK_SQLITE_PUT_INSERT_MANY])
        return gather(s, row, err);
    return insert_rows(s, s->put[RK_SQLITE_PUT_INSERT], row, 1, err);
}
