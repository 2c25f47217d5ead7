/* sqlite_grants.c - collection rights (grants) and the sharing defaults of TAXII Add Objects. */
#include "store/sqlite_access.h"

#include <string.h>

#include "renkei/store_access.h"
#include "util/strparse.h"

static const struct rk_sqlite_step grants_steps[] = {
    {1, "collection grants and sharing defaults",
     /* kind is enum rk_grant_subject; subject is "" for authenticated and public */
     "CREATE TABLE collection_grants (collection TEXT NOT NULL, kind INTEGER NOT NULL,"
     " subject TEXT NOT NULL, can_read INTEGER NOT NULL, can_write INTEGER NOT NULL,"
     " PRIMARY KEY (collection, kind, subject)) WITHOUT ROWID;"
     /* groups: the names joined by LF; unmarked: enum rk_unmarked */
     "CREATE TABLE collection_sharing (collection TEXT PRIMARY KEY, groups TEXT NOT NULL,"
     " unmarked INTEGER NOT NULL, assume_tlp INTEGER NOT NULL) WITHOUT ROWID;"
     /* a removed collection takes its rights and defaults with it */
     "CREATE TRIGGER collection_access_cleanup AFTER DELETE ON collections BEGIN"
     " DELETE FROM collection_grants WHERE collection = OLD.id;"
     " DELETE FROM collection_sharing WHERE collection = OLD.id;"
     " UPDATE access_meta SET value = value + 1 WHERE key = 'generation';"
     " END;",
     NULL},
};

const struct rk_sqlite_component rk_sqlite_grants_schema = {
    "grants",
    grants_steps,
    sizeof(grants_steps) / sizeof(grants_steps[0]),
};

struct grant_ctx {
    const char *collection; /* as given: id or alias */
    const struct rk_collection_grant *g;
    enum rk_grant_subject kind;
    const char *subject;
    const struct rk_collection_sharing *sharing;
};

/* The collection's id for an id or alias. */
static int collection_id(struct rk_sqlite *s, const char *id_or_alias, char *id, size_t cap,
                         struct rk_err *err)
{
    struct rk_collection c;
    int64_t key;
    int rc;

    if ((rc = rk_sqlite_collection_key(s, id_or_alias, &key, &c, err)) != 0)
        return rc;
    return rk_strlcpy(id, c.id, cap);
}

static int check_subject(struct rk_sqlite *s, enum rk_grant_subject kind, const char *subject,
                         struct rk_err *err)
{
    const char *sql = kind == RK_GRANT_ORG ? "SELECT 1 FROM orgs WHERE name = ?1"
                                           : "SELECT 1 FROM sharing_groups WHERE name = ?1";
    int found, rc;

    if (kind != RK_GRANT_ORG && kind != RK_GRANT_GROUP)
        return subject && subject[0] ? rk_err_set(err, RK_EFORMAT, "%s grants name no subject",
                                                  rk_grant_subject_name(kind))
                                     : 0;
    if ((rc = rk_sqlite_access_exists(s, sql, &subject, 1, &found, err)) != 0)
        return rc;
    return found ? 0
                 : rk_err_set(err, RK_ENOTFOUND, "no %s %s",
                              kind == RK_GRANT_ORG ? "organisation" : "group", subject);
}

static int do_grant_set(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    const char *sql = "INSERT OR REPLACE INTO collection_grants "
                      "(collection, kind, subject, can_read, can_write) VALUES (?1, ?2, ?3, ?4, ?5)";
    struct grant_ctx *c = ctx;
    char id[RK_COLLECTION_ID_MAX];
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = collection_id(s, c->collection, id, sizeof(id), err)) != 0 ||
        (rc = check_subject(s, c->g->kind, c->g->subject, err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, id);
    sqlite3_bind_int(stmt, 2, (int)c->g->kind);
    rk_sqlite_bind_str(stmt, 3, c->g->subject ? c->g->subject : "");
    sqlite3_bind_int(stmt, 4, c->g->can_read != 0);
    sqlite3_bind_int(stmt, 5, c->g->can_write != 0);
    rc = rk_sqlite_step_done(s, stmt, "storing a grant", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_grant_set(struct rk_store *st, const char *collection,
                       const struct rk_collection_grant *g, struct rk_err *err)
{
    struct grant_ctx c = {.collection = collection, .g = g};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_grant_set, &c, err);
}

static int do_grant_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct grant_ctx *c = ctx;
    char id[RK_COLLECTION_ID_MAX], kind[8];
    const char *args[3] = {id, kind, c->subject ? c->subject : ""};
    int64_t n = 0;
    int rc;

    snprintf(kind, sizeof(kind), "%d", (int)c->kind);
    if ((rc = collection_id(s, c->collection, id, sizeof(id), err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "DELETE FROM collection_grants WHERE collection = ?1 AND "
                                      "kind = ?2 AND subject = ?3",
                                   args, 3, &n, err)) != 0)
        return rc;
    return n ? 0
             : rk_err_set(err, RK_ENOTFOUND, "collection %s has no %s grant%s%s", c->collection,
                          rk_grant_subject_name(c->kind), args[2][0] ? " for " : "", args[2]);
}

int rk_store_grant_remove(struct rk_store *st, const char *collection,
                          enum rk_grant_subject kind, const char *subject, struct rk_err *err)
{
    struct grant_ctx c = {.collection = collection, .kind = kind, .subject = subject};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_grant_remove, &c, err);
}

int rk_store_grant_list(struct rk_store *st, const char *collection,
                        int (*fn)(const char *collection_id, const struct rk_collection_grant *g,
                                  void *ctx),
                        void *ctx, struct rk_err *err)
{
    const char *sql = collection ? "SELECT collection, kind, subject, can_read, can_write FROM "
                                   "collection_grants WHERE collection = ?1 ORDER BY kind, subject"
                                 : "SELECT collection, kind, subject, can_read, can_write FROM "
                                   "collection_grants ORDER BY collection, kind, subject";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (collection)
        rk_sqlite_bind_str(stmt, 1, collection);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct rk_collection_grant g = {(enum rk_grant_subject)sqlite3_column_int(stmt, 1),
                                        rk_sqlite_access_text(stmt, 2),
                                        sqlite3_column_int(stmt, 3),
                                        sqlite3_column_int(stmt, 4)};

        if ((rc = fn(rk_sqlite_access_text(stmt, 0), &g, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading grants", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* Split the stored LF-joined group list into out. */
static void groups_from_text(const char *t, struct rk_collection_sharing *out)
{
    while (*t && out->n_groups < RK_SHARING_GROUPS_MAX) {
        size_t len = strcspn(t, "\n");

        if (len > 0 && len <= RK_NAME_MAX) {
            memcpy(out->groups[out->n_groups], t, len);
            out->groups[out->n_groups++][len] = '\0';
        }
        t += len + (t[len] == '\n');
    }
}

int rk_store_sharing_get(struct rk_store *st, const char *collection,
                         struct rk_collection_sharing *out, struct rk_err *err)
{
    const char *sql = "SELECT groups, unmarked, assume_tlp FROM collection_sharing "
                      "WHERE collection = ?1";
    struct rk_sqlite *s = rk_sqlite_of(st);
    char id[RK_COLLECTION_ID_MAX];
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    memset(out, 0, sizeof(*out));
    if ((rc = collection_id(s, collection, id, sizeof(id), err)) != 0 ||
        (rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, id);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW) {
        groups_from_text(rk_sqlite_access_text(stmt, 0), out);
        out->unmarked = (enum rk_unmarked)sqlite3_column_int(stmt, 1);
        out->assume_tlp = (enum rk_tlp)sqlite3_column_int(stmt, 2);
    } else if (src != SQLITE_DONE) {
        rc = rk_sqlite_fail(s, src, "reading sharing defaults", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

static int do_sharing_set(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    const char *sql = "INSERT OR REPLACE INTO collection_sharing (collection, groups, unmarked,"
                      " assume_tlp) VALUES (?1, ?2, ?3, ?4)";
    struct grant_ctx *c = ctx;
    char id[RK_COLLECTION_ID_MAX], groups[RK_SHARING_GROUPS_MAX * (RK_NAME_MAX + 1) + 1] = "";
    size_t used = 0;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = collection_id(s, c->collection, id, sizeof(id), err)) != 0)
        return rc;
    for (size_t i = 0; i < c->sharing->n_groups; i++) {
        if ((rc = check_subject(s, RK_GRANT_GROUP, c->sharing->groups[i], err)) != 0)
            return rc;
        used += (size_t)snprintf(groups + used, sizeof(groups) - used, "%s%s", i ? "\n" : "",
                                 c->sharing->groups[i]);
    }
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, id);
    rk_sqlite_bind_str(stmt, 2, groups);
    sqlite3_bind_int(stmt, 3, (int)c->sharing->unmarked);
    sqlite3_bind_int(stmt, 4, (int)c->sharing->assume_tlp);
    rc = rk_sqlite_step_done(s, stmt, "storing sharing defaults", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_sharing_set(struct rk_store *st, const char *collection,
                         const struct rk_collection_sharing *sh, struct rk_err *err)
{
    struct grant_ctx c = {.collection = collection, .sharing = sh};

    if (sh->n_groups > RK_SHARING_GROUPS_MAX)
        return rk_err_set(err, RK_ELIMIT, "at most %d sharing groups", RK_SHARING_GROUPS_MAX);
    if (sh->unmarked == RK_UNMARKED_ASSUME &&
        (sh->assume_tlp <= RK_TLP_NONE || sh->assume_tlp > RK_TLP_RED))
        return rk_err_set(err, RK_EFORMAT, "an assumed TLP level is clear, green, amber, "
                                           "amber+strict or red");
    return rk_sqlite_access_write(rk_sqlite_of(st), do_sharing_set, &c, err);
}
