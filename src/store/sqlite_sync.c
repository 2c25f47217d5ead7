/* sqlite_sync.c - the federation schema; partners and their collection mappings. */
#include "store/sqlite_sync.h"

#include <string.h>

#include "util/rktime.h"
#include "util/strparse.h"

static const struct rk_sqlite_step sync_steps[] = {
    {1, "partners, mappings, cursors, state, refusals, egress log, push results",
     /* auth: enum rk_partner_auth; ceiling, unmarked: enum rk_tlp */
     "CREATE TABLE sync_partners (name TEXT PRIMARY KEY, org TEXT NOT NULL UNIQUE,"
     " url TEXT NOT NULL, api_root TEXT NOT NULL, auth INTEGER NOT NULL, user TEXT NOT NULL,"
     " secret TEXT NOT NULL, ca_file TEXT NOT NULL, fingerprint TEXT NOT NULL,"
     " client_cert TEXT NOT NULL, client_key TEXT NOT NULL, insecure_http INTEGER NOT NULL,"
     " ceiling INTEGER NOT NULL, refuse_unmarked INTEGER NOT NULL, unmarked INTEGER NOT NULL,"
     " interval_s INTEGER NOT NULL, window_s INTEGER NOT NULL, timeout_s INTEGER NOT NULL,"
     " page_size INTEGER NOT NULL, paused INTEGER NOT NULL, created_us INTEGER NOT NULL)"
     " WITHOUT ROWID;"
     /* dir: enum rk_sync_dir; local: a collection id */
     "CREATE TABLE sync_mappings (mapping INTEGER PRIMARY KEY, partner TEXT NOT NULL,"
     " dir INTEGER NOT NULL, remote TEXT NOT NULL, local TEXT NOT NULL,"
     " UNIQUE (partner, dir, remote, local));"
     "CREATE TABLE sync_pull (partner TEXT NOT NULL, remote TEXT NOT NULL, local TEXT NOT NULL,"
     " added_after TEXT NOT NULL, base TEXT NOT NULL, next TEXT NOT NULL,"
     " caught_up_us INTEGER NOT NULL, updated_us INTEGER NOT NULL, pages INTEGER NOT NULL,"
     " stored INTEGER NOT NULL, duplicates INTEGER NOT NULL, conflicts INTEGER NOT NULL,"
     " refused INTEGER NOT NULL, PRIMARY KEY (partner, remote, local)) WITHOUT ROWID;"
     "CREATE TABLE sync_push (partner TEXT NOT NULL, local TEXT NOT NULL, remote TEXT NOT NULL,"
     " date_added INTEGER NOT NULL, updated_us INTEGER NOT NULL, batches INTEGER NOT NULL,"
     " sent INTEGER NOT NULL, failed INTEGER NOT NULL, too_large INTEGER NOT NULL,"
     " r_red INTEGER NOT NULL, r_strict INTEGER NOT NULL, r_group INTEGER NOT NULL,"
     " r_ceiling INTEGER NOT NULL, r_source INTEGER NOT NULL,"
     " PRIMARY KEY (partner, local, remote)) WITHOUT ROWID;"
     "CREATE TABLE sync_state (partner TEXT PRIMARY KEY, last_attempt_us INTEGER NOT NULL,"
     " last_success_us INTEGER NOT NULL, last_error_us INTEGER NOT NULL,"
     " last_error TEXT NOT NULL, failures INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE sync_refusals (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_us INTEGER NOT NULL,"
     " partner TEXT NOT NULL, dir INTEGER NOT NULL, collection TEXT NOT NULL,"
     " object_id TEXT NOT NULL, version TEXT NOT NULL, reason TEXT NOT NULL);"
     "CREATE INDEX sync_refusals_partner ON sync_refusals (partner, dir, seq);"
     /* the egress log: seq is assigned by the appender under the write lock, so it is part of
      * each entry's hash; the table is append-only. No index on object_id: ids are random, so
      * every page of entries would rewrite index pages all over the file (a search by object
      * is an audit query; it scans) */
     "CREATE TABLE egress_log (seq INTEGER PRIMARY KEY, at_us INTEGER NOT NULL,"
     " partner TEXT NOT NULL, collection TEXT NOT NULL, object_id TEXT NOT NULL,"
     " version TEXT NOT NULL, sha256 BLOB NOT NULL, batch TEXT NOT NULL, prev BLOB NOT NULL,"
     " hash BLOB NOT NULL);"
     "CREATE INDEX egress_log_partner ON egress_log (partner, seq);"
     "CREATE TRIGGER egress_log_no_update BEFORE UPDATE ON egress_log BEGIN"
     " SELECT RAISE(ABORT, 'the egress log is append-only'); END;"
     "CREATE TRIGGER egress_log_no_delete BEFORE DELETE ON egress_log BEGIN"
     " SELECT RAISE(ABORT, 'the egress log is append-only'); END;"
     "CREATE TABLE sync_push_results (batch TEXT PRIMARY KEY, partner TEXT NOT NULL,"
     " collection TEXT NOT NULL, at_us INTEGER NOT NULL, http_status INTEGER NOT NULL,"
     " status_id TEXT NOT NULL, total INTEGER NOT NULL, success INTEGER NOT NULL,"
     " failure INTEGER NOT NULL, pending INTEGER NOT NULL, message TEXT NOT NULL);"
     "CREATE INDEX sync_push_results_partner ON sync_push_results (partner, at_us);"
     /* a removed collection takes its mappings and cursors with it */
     "CREATE TRIGGER sync_collection_cleanup AFTER DELETE ON collections BEGIN"
     " DELETE FROM sync_mappings WHERE local = OLD.id;"
     " DELETE FROM sync_pull WHERE local = OLD.id;"
     " DELETE FROM sync_push WHERE local = OLD.id;"
     " END;",
     NULL},
    {2, "egress log in the audit file (audit.db)",
     "INSERT OR IGNORE INTO audit.egress_log SELECT seq, at_us, partner, collection, object_id,"
     " version, sha256, batch, prev, hash FROM main.egress_log;",
     NULL},
};

const struct rk_sqlite_component rk_sqlite_sync_schema = {
    "sync",
    sync_steps,
    sizeof(sync_steps) / sizeof(sync_steps[0]),
};

void rk_sqlite_sync_mapping_from_row(sqlite3_stmt *stmt, int col, struct rk_sync_mapping *m)
{
    memset(m, 0, sizeof(*m));
    m->dir = (enum rk_sync_dir)sqlite3_column_int(stmt, col);
    rk_strlcpy(m->remote, rk_sqlite_access_text(stmt, col + 1), sizeof(m->remote));
    rk_strlcpy(m->local, rk_sqlite_access_text(stmt, col + 2), sizeof(m->local));
}

int rk_sqlite_sync_check(const char *what, const char *v, size_t max, struct rk_err *err)
{
    if (!v)
        return rk_err_set(err, RK_EINVAL, "%s is missing", what);
    if (strnlen(v, max + 1) > max)
        return rk_err_set(err, RK_ELIMIT, "%s is longer than %zu bytes", what, max);
    return 0;
}

void rk_partner_init(struct rk_partner *p)
{
    memset(p, 0, sizeof(*p));
    p->ceiling = RK_TLP_NONE;
    p->unmarked = RK_TLP_AMBER_STRICT;
    p->interval_s = 300;
    p->timeout_s = 60;
    p->page_size = 1000;
}

/* ---- partners ------------------------------------------------------------------------------ */

#define PARTNER_COLUMNS                                                                            \
    "name, org, url, api_root, auth, user, secret, ca_file, fingerprint, client_cert,"            \
    " client_key, insecure_http, ceiling, refuse_unmarked, unmarked, interval_s, window_s,"       \
    " timeout_s, page_size, paused, created_us"

static int check_partner(const struct rk_partner *p, struct rk_err *err)
{
    if (!rk_policy_name_ok(p->name))
        return rk_err_set(err, RK_EFORMAT, "'%s' is not a valid partner name (letters, digits,"
                          " '.', '_', '-'; up to %d)", p->name, RK_NAME_MAX);
    if (!rk_policy_name_ok(p->org))
        return rk_err_set(err, RK_EFORMAT, "'%s' is not a valid organisation name", p->org);
    if (!p->url[0])
        return rk_err_set(err, RK_EINVAL, "partner %s has no URL", p->name);
    if ((unsigned)p->auth > RK_PARTNER_AUTH_BEARER || (unsigned)p->ceiling > RK_TLP_RED ||
        (unsigned)p->unmarked > RK_TLP_RED)
        return rk_err_set(err, RK_EINVAL, "partner %s: a setting is out of range", p->name);
    if (p->interval_s == 0 || p->timeout_s == 0 || p->page_size == 0)
        return rk_err_set(err, RK_EINVAL, "partner %s: interval, timeout and page size must be "
                          "at least 1", p->name);
    return 0;
}

static void bind_partner(sqlite3_stmt *stmt, const struct rk_partner *p)
{
    const char *text[] = {p->name,    p->org,         p->url,         p->api_root,
                          NULL,       p->user,        p->secret,      p->ca_file,
                          p->fingerprint, p->client_cert, p->client_key};
    const int64_t nums[] = {p->insecure_http, p->ceiling,   p->refuse_unmarked,
                            p->unmarked,      p->interval_s, p->window_s,
                            p->timeout_s,     p->page_size, p->paused,
                            p->created_us};

    for (int i = 0; i < 11; i++) {
        if (i == 4)
            sqlite3_bind_int(stmt, 5, (int)p->auth);
        else
            rk_sqlite_bind_str(stmt, i + 1, text[i]);
    }
    for (int i = 0; i < 10; i++)
        sqlite3_bind_int64(stmt, 12 + i, nums[i]);
}

static void partner_from_row(sqlite3_stmt *stmt, struct rk_partner *p)
{
    char *text[] = {p->name,    p->org,         p->url,         p->api_root,
                    NULL,       p->user,        p->secret,      p->ca_file,
                    p->fingerprint, p->client_cert, p->client_key};
    const size_t caps[] = {sizeof(p->name),   sizeof(p->org),         sizeof(p->url),
                           sizeof(p->api_root), 0,                    sizeof(p->user),
                           sizeof(p->secret), sizeof(p->ca_file),     sizeof(p->fingerprint),
                           sizeof(p->client_cert), sizeof(p->client_key)};

    memset(p, 0, sizeof(*p));
    for (int i = 0; i < 11; i++)
        if (text[i])
            rk_strlcpy(text[i], rk_sqlite_access_text(stmt, i), caps[i]);
    p->auth = (enum rk_partner_auth)sqlite3_column_int(stmt, 4);
    p->insecure_http = sqlite3_column_int(stmt, 11);
    p->ceiling = (enum rk_tlp)sqlite3_column_int(stmt, 12);
    p->refuse_unmarked = sqlite3_column_int(stmt, 13);
    p->unmarked = (enum rk_tlp)sqlite3_column_int(stmt, 14);
    p->interval_s = (uint32_t)sqlite3_column_int64(stmt, 15);
    p->window_s = (uint32_t)sqlite3_column_int64(stmt, 16);
    p->timeout_s = (uint32_t)sqlite3_column_int64(stmt, 17);
    p->page_size = (uint32_t)sqlite3_column_int64(stmt, 18);
    p->paused = sqlite3_column_int(stmt, 19);
    p->created_us = sqlite3_column_int64(stmt, 20);
}

struct partner_write {
    const struct rk_partner *p;
    int update;
};

static int do_partner_write(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    static const char insert[] = "INSERT INTO sync_partners (" PARTNER_COLUMNS ") VALUES (?1, ?2,"
                                 " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                                 " ?17, ?18, ?19, ?20, ?21)";
    static const char update[] = "UPDATE sync_partners SET org = ?2, url = ?3, api_root = ?4,"
                                 " auth = ?5, user = ?6, secret = ?7, ca_file = ?8,"
                                 " fingerprint = ?9, client_cert = ?10, client_key = ?11,"
                                 " insecure_http = ?12, ceiling = ?13, refuse_unmarked = ?14,"
                                 " unmarked = ?15, interval_s = ?16, window_s = ?17,"
                                 " timeout_s = ?18, page_size = ?19, paused = ?20"
                                 " WHERE name = ?1";
    const struct partner_write *w = ctx;
    const char *org = w->p->org;
    sqlite3_stmt *stmt = NULL;
    int found, rc, src;

    if ((rc = rk_sqlite_access_exists(s, "SELECT 1 FROM orgs WHERE name = ?1", &org, 1, &found,
                                      err)) != 0)
        return rc;
    if (!found)
        return rk_err_set(err, RK_ENOTFOUND, "no organisation %s (add it with 'renkei org add')",
                          org);
    if ((rc = rk_sqlite_acquire(s, w->update ? update : insert,
                                w->update ? sizeof(update) - 1 : sizeof(insert) - 1, &stmt,
                                err)) != 0)
        return rc;
    bind_partner(stmt, w->p);
    src = sqlite3_step(stmt);
    if ((src & 0xff) == SQLITE_CONSTRAINT)
        rc = rk_err_set(err, RK_EEXISTS, "a partner named %s, or with organisation %s, exists",
                        w->p->name, org);
    else if (src != SQLITE_DONE)
        rc = rk_sqlite_fail(s, src, "writing a partner", err);
    else if (w->update && sqlite3_changes(s->db) == 0)
        rc = rk_err_set(err, RK_ENOTFOUND, "no partner %s", w->p->name);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int partner_write(struct rk_store *st, const struct rk_partner *p, int update,
                         struct rk_err *err)
{
    struct partner_write w = {p, update};
    struct rk_partner copy;
    int rc;

    if ((rc = check_partner(p, err)) != 0)
        return rc;
    if (!update && p->created_us == 0) {
        copy = *p;
        copy.created_us = rk_time_now_us();
        w.p = &copy;
    }
    rc = rk_sqlite_access_write(rk_sqlite_of(st), do_partner_write, &w, err);
    if (w.p == &copy)
        explicit_bzero(copy.secret, sizeof(copy.secret));
    return rc;
}

int rk_store_partner_add(struct rk_store *st, const struct rk_partner *p, struct rk_err *err)
{
    return partner_write(st, p, 0, err);
}

int rk_store_partner_update(struct rk_store *st, const struct rk_partner *p, struct rk_err *err)
{
    return partner_write(st, p, 1, err);
}

/* Rows of a partner query (text parameter ?1 when key is given) into fn, or into one. */
static int read_partners(struct rk_store *st, const char *sql, const char *key,
                         struct rk_partner *one,
                         int (*fn)(const struct rk_partner *p, void *ctx), void *ctx,
                         struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct rk_partner *p = one;
    struct rk_partner tmp;
    int rc, src, rows = 0;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (key)
        rk_sqlite_bind_str(stmt, 1, key);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        rows++;
        partner_from_row(stmt, p ? p : &tmp);
        if (fn && (rc = fn(&tmp, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading partners", err);
    rk_sqlite_release(s, stmt);
    explicit_bzero(tmp.secret, sizeof(tmp.secret));
    if (rc == 0 && one && rows == 0)
        rc = rk_err_set(err, RK_ENOTFOUND, "no partner %s", key);
    return rc;
}

int rk_store_partner_get(struct rk_store *st, const char *name, struct rk_partner *out,
                         struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_sync_check("partner name", name, RK_NAME_MAX, err)) != 0)
        return rc;
    return read_partners(st, "SELECT " PARTNER_COLUMNS " FROM sync_partners WHERE name = ?1",
                         name, out, NULL, NULL, err);
}

int rk_store_partner_by_org(struct rk_store *st, const char *org, struct rk_partner *out,
                            struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_sync_check("organisation", org, RK_NAME_MAX, err)) != 0)
        return rc;
    rc = read_partners(st, "SELECT " PARTNER_COLUMNS " FROM sync_partners WHERE org = ?1", org,
                       out, NULL, NULL, err);
    if (rc == RK_ENOTFOUND)
        rk_err_set(err, rc, "no partner with organisation %s", org);
    return rc;
}

int rk_store_partner_list(struct rk_store *st,
                          int (*fn)(const struct rk_partner *p, void *ctx), void *ctx,
                          struct rk_err *err)
{
    return read_partners(st, "SELECT " PARTNER_COLUMNS " FROM sync_partners ORDER BY name", NULL,
                         NULL, fn, ctx, err);
}

static int do_partner_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    static const char *const sql[] = {
            "DELETE FROM sync_mappings WHERE partner = ?1", "DELETE FROM sync_pull WHERE partner = ?1",
            "DELETE FROM sync_push WHERE partner = ?1", "DELETE FROM sync_state WHERE partner = ?1",
            "DELETE FROM sync_refusals WHERE partner = ?1",
    };
    const char *name = ctx;
    int64_t changes = 0;
    int rc;

    if ((rc = rk_sqlite_access_run(s, "DELETE FROM sync_partners WHERE name = ?1", &name, 1,
                                   &changes, err)) != 0)
        return rc;
    if (changes == 0)
        return rk_err_set(err, RK_ENOTFOUND, "no partner %s", name);
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        if ((rc = rk_sqlite_access_run(s, sql[i], &name, 1, NULL, err)) != 0)
            return rc;
    return 0;
}

int rk_store_partner_remove(struct rk_store *st, const char *name, struct rk_err *err)
{
    int rc;

    if ((rc = rk_sqlite_sync_check("partner name", name, RK_NAME_MAX, err)) != 0)
        return rc;
    return rk_sqlite_access_write(rk_sqlite_of(st), do_partner_remove, (void *)name, err);
}

/* ---- mappings ------------------------------------------------------------------------------ */

struct mapping_write {
    const char *partner;
    const struct rk_sync_mapping *m;
    int remove;
};

static int do_mapping(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    const struct mapping_write *w = ctx;
    struct rk_collection c;
    char dir[2] = {(char)('0' + w->m->dir), '\0'};
    const char *args[4] = {w->partner, dir, w->m->remote, NULL};
    int64_t key, changes = 0;
    int found, rc;

    if ((rc = rk_sqlite_access_exists(s, "SELECT 1 FROM sync_partners WHERE name = ?1",
                                      &w->partner, 1, &found, err)) != 0)
        return rc;
    if (!found)
        return rk_err_set(err, RK_ENOTFOUND, "no partner %s", w->partner);
    if ((rc = rk_sqlite_collection_key(s, w->m->local, &key, &c, err)) != 0 && !w->remove)
        return rc;
    args[3] = rc == 0 ? c.id : w->m->local;
    rc = rk_sqlite_access_run(s, w->remove ? "DELETE FROM sync_mappings WHERE partner = ?1 AND"
                                             " dir = ?2 AND remote = ?3 AND local = ?4"
                                           : "INSERT OR IGNORE INTO sync_mappings (partner, dir,"
                                             " remote, local) VALUES (?1, ?2, ?3, ?4)",
                              args, 4, &changes, err);
    if (rc == 0 && changes == 0)
        rc = rk_err_set(err, w->remove ? RK_ENOTFOUND : RK_EEXISTS,
                        "partner %s %s a %s mapping of remote collection %s and local %s",
                        w->partner, w->remove ? "has no" : "already has",
                        w->m->dir == RK_SYNC_PULL ? "pull" : "push", w->m->remote, args[3]);
    if (rc == 0 && w->remove) {
        const char *cursor_key[3] = {w->partner, w->m->remote, args[3]};

        rc = rk_sqlite_access_run(s, w->m->dir == RK_SYNC_PULL
                                          ? "DELETE FROM sync_pull WHERE partner = ?1 AND"
                                            " remote = ?2 AND local = ?3"
                                          : "DELETE FROM sync_push WHERE partner = ?1 AND"
                                            " remote = ?2 AND local = ?3",
                                  cursor_key, 3, NULL, err);
    }
    return rc;
}

static int mapping_write(struct rk_store *st, const char *partner, const struct rk_sync_mapping *m,
                         int remove, struct rk_err *err)
{
    struct mapping_write w = {partner, m, remove};
    int rc;

    if ((rc = rk_sqlite_sync_check("partner name", partner, RK_NAME_MAX, err)) != 0 ||
        (rc = rk_sqlite_sync_check("remote collection", m->remote, RK_REMOTE_ID_MAX - 1,
                                   err)) != 0)
        return rc;
    if (m->dir != RK_SYNC_PULL && m->dir != RK_SYNC_PUSH)
        return rk_err_set(err, RK_EINVAL, "a mapping is a pull or a push");
    if (!m->remote[0] || !m->local[0])
        return rk_err_set(err, RK_EINVAL, "a mapping names a remote and a local collection");
    return rk_sqlite_access_write(rk_sqlite_of(st), do_mapping, &w, err);
}

int rk_store_mapping_add(struct rk_store *st, const char *partner,
                         const struct rk_sync_mapping *m, struct rk_err *err)
{
    return mapping_write(st, partner, m, 0, err);
}

int rk_store_mapping_remove(struct rk_store *st, const char *partner,
                            const struct rk_sync_mapping *m, struct rk_err *err)
{
    return mapping_write(st, partner, m, 1, err);
}

int rk_store_mapping_list(struct rk_store *st, const char *partner,
                          int (*fn)(const struct rk_sync_mapping *m, void *ctx), void *ctx,
                          struct rk_err *err)
{
    static const char sql[] = "SELECT dir, remote, local FROM sync_mappings WHERE partner = ?1"
                              " ORDER BY dir, mapping";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct rk_sync_mapping m;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, sizeof(sql) - 1, &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, partner);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        rk_sqlite_sync_mapping_from_row(stmt, 0, &m);
        if ((rc = fn(&m, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading sync mappings", err);
    rk_sqlite_release(s, stmt);
    return rc;
}
