/* sqlite_origin_cache.c - the per-handle cache of origins (provenance) that query rows point
 * at, so a page of objects reads each object row alone instead of joining origins per row.
 *
 * An origins row is immutable once committed and never deleted (a new provenance gets a new
 * row), so a cached entry never goes stale. Only committed rows are cached: a row read while
 * the handle has a transaction open could still be rolled back and its key reused.
 */
#include "store/sqlite.h"

#include <string.h>

#include "util/alloc.h"

static void slot_clear(struct rk_sqlite_origin *o)
{
    rk_free(o->mem);
    memset(o, 0, sizeof(*o));
}

/* Empty a slot for reuse. While queries are nested, a row of an outer query may still point
 * at the entry, so it is set aside until the outermost query ends. */
static int slot_evict(struct rk_sqlite *s, struct rk_sqlite_origin *o)
{
    char **grown;

    if (o->mem && s->query_depth > 1) {
        if (!(grown = rk_reallocarray(s->retired, s->n_retired + 1, sizeof(*grown))))
            return RK_ENOMEM;
        s->retired = grown;
        s->retired[s->n_retired++] = o->mem;
        memset(o, 0, sizeof(*o));
        return 0;
    }
    slot_clear(o);
    return 0;
}

void rk_sqlite_origins_retire_done(struct rk_sqlite *s)
{
    if (s->query_depth > 0)
        return;
    for (size_t i = 0; i < s->n_retired; i++)
        rk_free(s->retired[i]);
    rk_free(s->retired);
    s->retired = NULL;
    s->n_retired = 0;
}

void rk_sqlite_origins_clear(struct rk_sqlite *s)
{
    for (size_t i = 0; i < RK_SQLITE_ORIGIN_SLOTS; i++)
        slot_clear(&s->origins[i]);
    s->query_depth = 0;
    rk_sqlite_origins_retire_done(s);
}

/* Groups in text (names joined by LF; empty for none). */
static size_t count_groups(const char *text, size_t len)
{
    size_t n = len ? 1 : 0;

    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n;
}

/* Copy the row's kind, source, org and groups into o: one allocation holding the groups'
 * pointer array, then the strings, the groups split at their LFs. */
static int fill(struct rk_sqlite_origin *o, int64_t key, sqlite3_stmt *stmt, struct rk_err *err)
{
    const char *v[4];
    char *copy[4];
    size_t n[4], total = 0, n_groups;
    char *p;

    for (int i = 0; i < 4; i++) {
        v[i] = (const char *)sqlite3_column_text(stmt, i);
        n[i] = v[i] ? (size_t)sqlite3_column_bytes(stmt, i) : 0;
        total += n[i] + 1;
    }
    if ((n_groups = count_groups(v[3], n[3])) > RK_STORE_NAMES_MAX)
        return rk_err_set(err, RK_ELIMIT, "origin %lld: more than %d sharing groups",
                          (long long)key, RK_STORE_NAMES_MAX);
    if (!(o->mem = rk_malloc(n_groups * sizeof(char *) + total)))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    o->key = key;
    o->groups = o->mem;
    o->n_groups = n_groups;
    p = (char *)(o->groups + n_groups);
    for (int i = 0; i < 4; i++) {
        if (n[i])
            memcpy(p, v[i], n[i]);
        p[n[i]] = '\0';
        copy[i] = p;
        p += n[i] + 1;
    }
    o->kind = copy[0];
    o->source = copy[1];
    o->org = copy[2];
    p = copy[3]; /* the groups text, split in place */
    for (size_t g = 0; g < n_groups; g++) {
        o->groups[g] = p;
        if ((p = strchr(p, '\n')) != NULL)
            *p++ = '\0';
    }
    return 0;
}

int rk_sqlite_origin_get(struct rk_sqlite *s, int64_t key, const struct rk_sqlite_origin **out,
                         struct rk_err *err)
{
    const char *sql = "SELECT kind, source, org, groups FROM origins WHERE origin = ?1";
    struct rk_sqlite_origin *o = &s->origins[(uint64_t)key & (RK_SQLITE_ORIGIN_SLOTS - 1)];
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    *out = NULL;
    if (key != 0 && o->key == key) {
        *out = o;
        return 0;
    }
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    sqlite3_bind_int64(stmt, 1, key);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        if ((rc = slot_evict(s, o)) != 0)
            rk_err_set(err, rc, "out of memory");
        else if ((rc = fill(o, key, stmt, err)) == 0)
            *out = o;
        if (!sqlite3_get_autocommit(s->db))
            o->key = 0; /* usable for this row, not kept: the transaction may roll back */
    } else if (src == SQLITE_DONE) {
        rc = rk_err_set(err, RK_ENOTFOUND, "no origin %lld", (long long)key);
    } else {
        rc = rk_sqlite_fail(s, src, "reading a provenance", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}
