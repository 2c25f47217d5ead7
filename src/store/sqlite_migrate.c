/* sqlite_migrate.c - schema versions: apply each component's pending steps once, in order.
 *
 * The table schema_migrations holds one row per applied (component, step). To give a part of
 * renkei its own tables: write its steps in src/store/sqlite_<thing>.c as a
 * struct rk_sqlite_component, declare it in sqlite.h and append it to the list below.
 * Components are migrated in list order, so a later one may refer to an earlier one's tables.
 */
#include "store/sqlite.h"
#include "store/sqlite_access.h"
#include "store/sqlite_sync.h"

#include <string.h>

#include "renkei/log.h"
#include "util/rktime.h"

static const struct rk_sqlite_component *const components[] = {
        &rk_sqlite_core_schema,
        &rk_sqlite_access_schema,
        &rk_sqlite_grants_schema,
        &rk_sqlite_status_schema,
        &rk_sqlite_audit_schema,
        &rk_sqlite_sensor_schema,
        &rk_sqlite_sync_schema,
};

#define N_COMPONENTS (sizeof(components) / sizeof(components[0]))

/* The position of a component in the list, or -1. */
static int component_index(const char *name)
{
    for (size_t i = 0; i < N_COMPONENTS; i++) {
        if (strcmp(components[i]->name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* The highest applied step of each component into applied[] (0: none); counts how many
 * components are behind in *behind. RK_EUNSUPPORTED for steps this build does not know. */
static int read_applied(struct rk_sqlite *s, int applied[], size_t *behind, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int64_t exists = 0;
    int rc, src = SQLITE_DONE;

    memset(applied, 0, N_COMPONENTS * sizeof(applied[0]));
    *behind = 0;
    if ((rc = rk_sqlite_int(s,
                            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                            "name = 'schema_migrations'",
                            &exists, err)) != 0)
        return rc;
    if (exists) {
        const char *sql = "SELECT component, max(step) FROM schema_migrations GROUP BY component";

        if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
            return rc;
        while (rc == 0 && (src = sqlite3_step(stmt)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(stmt, 0);
            int i = component_index(name ? name : "");
            int step = sqlite3_column_int(stmt, 1);

            if (i < 0 || step > (int)components[i]->n_steps)
                rc = rk_err_set(err, RK_EUNSUPPORTED,
                                "the store was written by a newer renkei (schema %s step %d)",
                                name ? name : "?", step);
            else
                applied[i] = step;
        }
        if (rc == 0 && src != SQLITE_DONE)
            rc = rk_sqlite_fail(s, src, "reading schema_migrations", err);
        rk_sqlite_release(s, stmt);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < N_COMPONENTS; i++)
        *behind += applied[i] < (int)components[i]->n_steps;
    return 0;
}

static int apply_step(struct rk_sqlite *s, const struct rk_sqlite_component *c,
                      const struct rk_sqlite_step *st, struct rk_err *err)
{
    const char *sql = "INSERT INTO schema_migrations(component, step, name, applied_us) "
                      "VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (st->sql && (rc = rk_sqlite_exec(s, st->sql, err)) != 0)
        goto out;
    if (st->fn && (rc = st->fn(s, err)) != 0)
        goto out;
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        goto out;
    rk_sqlite_bind_str(stmt, 1, c->name);
    sqlite3_bind_int(stmt, 2, st->step);
    rk_sqlite_bind_str(stmt, 3, st->name);
    sqlite3_bind_int64(stmt, 4, rk_time_now_us());
    rc = rk_sqlite_step_done(s, stmt, "recording a schema step", err);
    rk_sqlite_release(s, stmt);
    rk_log_info("store schema step component=%s step=%d name=\"%s\"", c->name, st->step, st->name);
out:
    if (rc != 0)
        rk_err_prefix(err, "schema %s step %d (%s): ", c->name, st->step, st->name);
    return rc;
}

static int upgrade(struct rk_sqlite *s, struct rk_err *err)
{
    int applied[N_COMPONENTS];
    size_t behind;
    int rc;

    if ((rc = rk_sqlite_begin(s, err)) != 0)
        return rc;
    /* read again under the write lock: another process may have migrated meanwhile */
    if ((rc = rk_sqlite_exec(s,
                             "CREATE TABLE IF NOT EXISTS schema_migrations ("
                             " component TEXT NOT NULL, step INTEGER NOT NULL,"
                             " name TEXT NOT NULL, applied_us INTEGER NOT NULL,"
                             " PRIMARY KEY (component, step)) WITHOUT ROWID",
                             err)) != 0 ||
        (rc = read_applied(s, applied, &behind, err)) != 0)
        goto out;
    if (behind > 0 && applied[0] > 0) /* an existing store, not a new one */
        rk_log_warn("upgrading the store to this renkei's schema; a step that rebuilds an "
                    "index reads every object once (about 2 s per million objects)");
    for (size_t i = 0; i < N_COMPONENTS; i++) {
        const struct rk_sqlite_component *c = components[i];

        for (size_t k = (size_t)applied[i]; k < c->n_steps; k++) {
            if ((rc = apply_step(s, c, &c->steps[k], err)) != 0)
                goto out;
        }
    }
    rc = rk_sqlite_commit(s, err);
out:
    if (rc != 0)
        rk_sqlite_rollback(s);
    return rc;
}

int rk_sqlite_migrate(struct rk_sqlite *s, struct rk_err *err)
{
    int applied[N_COMPONENTS];
    size_t behind;
    int rc;

    if ((rc = read_applied(s, applied, &behind, err)) != 0)
        return rc;
    if (behind == 0)
        return 0;
    if (s->base.flags & RK_STORE_READONLY)
        return rk_err_set(err, RK_EUNSUPPORTED,
                          "the store schema needs an upgrade: open it once read-write");
    return upgrade(s, err);
}
