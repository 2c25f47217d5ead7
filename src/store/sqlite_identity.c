/* sqlite_identity.c - organisations, sharing groups and group membership. */
#include "store/sqlite_access.h"

#include <string.h>

#include "renkei/store_access.h"
#include "util/rktime.h"
#include "util/strparse.h"

/* The SQL of one kind of named entity: organisations or sharing groups. */
struct entity {
    const char *what; /* "organisation", "group" */
    const char *exists_sql;
    const char *insert_sql;
    const char *get_sql;
    const char *list_sql;
};

static const struct entity orgs = {
    "organisation",
    "SELECT 1 FROM orgs WHERE name = ?1",
    "INSERT INTO orgs (name, title, created_us) VALUES (?1, ?2, ?3)",
    "SELECT name, title, created_us FROM orgs WHERE name = ?1",
    "SELECT name, title, created_us FROM orgs ORDER BY name",
};

static const struct entity groups = {
    "group",
    "SELECT 1 FROM sharing_groups WHERE name = ?1",
    "INSERT INTO sharing_groups (name, title, created_us) VALUES (?1, ?2, ?3)",
    "SELECT name, title, created_us FROM sharing_groups WHERE name = ?1",
    "SELECT name, title, created_us FROM sharing_groups ORDER BY name",
};

struct add_ctx {
    const struct entity *e;
    const char *name, *title;
};

static int need(struct rk_sqlite *s, const struct entity *e, const char *name, int want,
                struct rk_err *err)
{
    int found, rc;

    if ((rc = rk_sqlite_access_exists(s, e->exists_sql, &name, 1, &found, err)) != 0)
        return rc;
    if (found && !want)
        return rk_err_set(err, RK_EEXISTS, "%s %s exists already", e->what, name);
    if (!found && want)
        return rk_err_set(err, RK_ENOTFOUND, "no %s %s", e->what, name);
    return 0;
}

static int do_add(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct add_ctx *c = ctx;
    char now[24];
    const char *args[3] = {c->name, c->title ? c->title : "", now};
    int rc;

    snprintf(now, sizeof(now), "%lld", (long long)rk_time_now_us());
    if ((rc = need(s, c->e, c->name, 0, err)) != 0 ||
        (rc = rk_sqlite_name_unused(s, c->e->what, c->name, err)) != 0)
        return rc;
    return rk_sqlite_access_run(s, c->e->insert_sql, args, 3, NULL, err);
}

static int add(struct rk_store *st, const struct entity *e, const char *name, const char *title,
               struct rk_err *err)
{
    struct add_ctx c = {e, name, title};

    if (!rk_policy_name_ok(name))
        return rk_err_set(err, RK_EFORMAT,
                          "'%.80s' is not a valid %s name (1-64 of a-z A-Z 0-9 . _ -)",
                          name ? name : "", e->what);
    if (title && strlen(title) >= RK_TITLE_MAX)
        return rk_err_set(err, RK_ELIMIT, "the title is longer than %d bytes", RK_TITLE_MAX - 1);
    return rk_sqlite_access_write(rk_sqlite_of(st), do_add, &c, err);
}

int rk_store_org_add(struct rk_store *st, const char *name, const char *title, struct rk_err *err)
{
    return add(st, &orgs, name, title, err);
}

int rk_store_group_add(struct rk_store *st, const char *name, const char *title,
                       struct rk_err *err)
{
    return add(st, &groups, name, title, err);
}

static int do_org_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    const char *name = ctx;
    int has_users, rc;

    if ((rc = need(s, &orgs, name, 1, err)) != 0 ||
        (rc = rk_sqlite_access_exists(s, "SELECT 1 FROM users WHERE org = ?1", &name, 1,
                                      &has_users, err)) != 0)
        return rc;
    if (has_users)
        return rk_err_set(err, RK_EINVAL,
                          "organisation %s still has users; remove them first", name);
    if ((rc = rk_sqlite_access_run(s, "DELETE FROM group_members WHERE org = ?1", &name, 1,
                                   NULL, err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "DELETE FROM collection_grants WHERE kind = 0 AND "
                                      "subject = ?1",
                                   &name, 1, NULL, err)) != 0)
        return rc;
    if ((rc = rk_sqlite_name_retire(s, orgs.what, name, err)) != 0)
        return rc;
    return rk_sqlite_access_run(s, "DELETE FROM orgs WHERE name = ?1", &name, 1, NULL, err);
}

static int do_group_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    const char *name = ctx;
    int rc;

    if ((rc = need(s, &groups, name, 1, err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "DELETE FROM group_members WHERE grp = ?1", &name, 1,
                                   NULL, err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "DELETE FROM collection_grants WHERE kind = 1 AND "
                                      "subject = ?1",
                                   &name, 1, NULL, err)) != 0 ||
        (rc = rk_sqlite_name_retire(s, groups.what, name, err)) != 0)
        return rc;
    return rk_sqlite_access_run(s, "DELETE FROM sharing_groups WHERE name = ?1", &name, 1, NULL,
                                err);
}

int rk_store_org_remove(struct rk_store *st, const char *name, struct rk_err *err)
{
    return rk_sqlite_access_write(rk_sqlite_of(st), do_org_remove, (void *)name, err);
}

int rk_store_group_remove(struct rk_store *st, const char *name, struct rk_err *err)
{
    return rk_sqlite_access_write(rk_sqlite_of(st), do_group_remove, (void *)name, err);
}

static void info_from_row(sqlite3_stmt *stmt, struct rk_org_info *o)
{
    memset(o, 0, sizeof(*o));
    rk_strlcpy(o->name, rk_sqlite_access_text(stmt, 0), sizeof(o->name));
    rk_strlcpy(o->title, rk_sqlite_access_text(stmt, 1), sizeof(o->title));
    o->created_us = sqlite3_column_int64(stmt, 2);
}

/* Run get_sql (name given) or list_sql (name NULL), calling fn or filling one. */
static int read_entities(struct rk_store *st, const struct entity *e, const char *name,
                         struct rk_org_info *one,
                         int (*fn)(const struct rk_org_info *o, void *ctx), void *ctx,
                         struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = name ? e->get_sql : e->list_sql;
    sqlite3_stmt *stmt = NULL;
    struct rk_org_info o;
    int rc, src, rows = 0;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (name)
        rk_sqlite_bind_str(stmt, 1, name);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        rows++;
        info_from_row(stmt, one ? one : &o);
        if (fn && (rc = fn(&o, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading organisations or groups", err);
    rk_sqlite_release(s, stmt);
    if (rc == 0 && name && rows == 0)
        rc = rk_err_set(err, RK_ENOTFOUND, "no %s %s", e->what, name);
    return rc;
}

int rk_store_org_get(struct rk_store *st, const char *name, struct rk_org_info *out,
                     struct rk_err *err)
{
    return read_entities(st, &orgs, name, out, NULL, NULL, err);
}

int rk_store_group_get(struct rk_store *st, const char *name, struct rk_org_info *out,
                       struct rk_err *err)
{
    return read_entities(st, &groups, name, out, NULL, NULL, err);
}

int rk_store_org_list(struct rk_store *st, int (*fn)(const struct rk_org_info *o, void *ctx),
                      void *ctx, struct rk_err *err)
{
    return read_entities(st, &orgs, NULL, NULL, fn, ctx, err);
}

int rk_store_group_list(struct rk_store *st, int (*fn)(const struct rk_org_info *g, void *ctx),
                        void *ctx, struct rk_err *err)
{
    return read_entities(st, &groups, NULL, NULL, fn, ctx, err);
}

struct member_ctx {
    const char *group, *org;
};

static int do_member_add(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct member_ctx *m = ctx;
    const char *args[2] = {m->group, m->org};
    int found, rc;

    if ((rc = need(s, &groups, m->group, 1, err)) != 0 ||
        (rc = need(s, &orgs, m->org, 1, err)) != 0 ||
        (rc = rk_sqlite_access_exists(s, "SELECT 1 FROM group_members WHERE grp = ?1 AND "
                                         "org = ?2",
                                      args, 2, &found, err)) != 0)
        return rc;
    if (found)
        return rk_err_set(err, RK_EEXISTS, "organisation %s is a member of %s already", m->org,
                          m->group);
    return rk_sqlite_access_run(s, "INSERT INTO group_members (grp, org) VALUES (?1, ?2)", args,
                                2, NULL, err);
}

static int do_member_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct member_ctx *m = ctx;
    const char *args[2] = {m->group, m->org};
    int64_t n = 0;
    int rc;

    if ((rc = rk_sqlite_access_run(s, "DELETE FROM group_members WHERE grp = ?1 AND org = ?2",
                                   args, 2, &n, err)) != 0)
        return rc;
    return n ? 0
             : rk_err_set(err, RK_ENOTFOUND, "organisation %s is not a member of %s", m->org,
                          m->group);
}

int rk_store_group_member_add(struct rk_store *st, const char *group, const char *org,
                              struct rk_err *err)
{
    struct member_ctx m = {group, org};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_member_add, &m, err);
}

int rk_store_group_member_remove(struct rk_store *st, const char *group, const char *org,
                                 struct rk_err *err)
{
    struct member_ctx m = {group, org};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_member_remove, &m, err);
}

int rk_store_group_members(struct rk_store *st, const char *group,
                           int (*fn)(const char *org, void *ctx), void *ctx, struct rk_err *err)
{
    return rk_sqlite_access_each(rk_sqlite_of(st),
                                 "SELECT org FROM group_members WHERE grp = ?1 ORDER BY org",
                                 &group, 1, fn, ctx, err);
}

int rk_store_org_groups(struct rk_store *st, const char *org,
                        int (*fn)(const char *group, void *ctx), void *ctx, struct rk_err *err)
{
    return rk_sqlite_access_each(rk_sqlite_of(st),
                                 "SELECT grp FROM group_members WHERE org = ?1 ORDER BY grp",
                                 &org, 1, fn, ctx, err);
}
