/* sqlite_users.c - users and their credentials: one secret (stored hashed) and any number of
 * client certificate fingerprints each. */
#include "store/sqlite_access.h"

#include <string.h>

#include "renkei/store_access.h"
#include "util/rktime.h"
#include "util/strparse.h"

struct user_ctx {
    const char *name, *org, *fingerprint;
    enum rk_role role;
    const struct rk_secret_hash *secret;
};

static int user_exists(struct rk_sqlite *s, const char *name, int want, struct rk_err *err)
{
    int found, rc;

    if ((rc = rk_sqlite_access_exists(s, "SELECT 1 FROM users WHERE name = ?1", &name, 1, &found,
                                      err)) != 0)
        return rc;
    if (found && !want)
        return rk_err_set(err, RK_EEXISTS, "user %s exists already", name);
    if (!found && want)
        return rk_err_set(err, RK_ENOTFOUND, "no user %s", name);
    return 0;
}

static int insert_secret(struct rk_sqlite *s, const char *user, const struct rk_secret_hash *h,
                         struct rk_err *err)
{
    const char *sql = "INSERT INTO credentials (key, kind, user, salt, hash, iterations, "
                      "created_us) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, h->key_id);
    rk_sqlite_bind_str(stmt, 2, user);
    sqlite3_bind_blob(stmt, 3, h->salt, sizeof(h->salt), SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 4, h->hash, sizeof(h->hash), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, h->iterations);
    sqlite3_bind_int64(stmt, 6, rk_time_now_us());
    rc = rk_sqlite_step_done(s, stmt, "storing a credential", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

static int do_user_add(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    const char *sql = "INSERT INTO users (name, org, role, created_us) VALUES (?1, ?2, ?3, ?4)";
    struct user_ctx *u = ctx;
    sqlite3_stmt *stmt = NULL;
    int found, rc;

    if ((rc = user_exists(s, u->name, 0, err)) != 0 ||
        (rc = rk_sqlite_name_unused(s, "user", u->name, err)) != 0 ||
        (rc = rk_sqlite_access_exists(s, "SELECT 1 FROM orgs WHERE name = ?1", &u->org, 1,
                                      &found, err)) != 0)
        return rc;
    if (!found)
        return rk_err_set(err, RK_ENOTFOUND, "no organisation %s (add it with 'renkei org add')",
                          u->org);
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, u->name);
    rk_sqlite_bind_str(stmt, 2, u->org);
    sqlite3_bind_int(stmt, 3, (int)u->role);
    sqlite3_bind_int64(stmt, 4, rk_time_now_us());
    rc = rk_sqlite_step_done(s, stmt, "storing a user", err);
    rk_sqlite_release(s, stmt);
    return rc ? rc : insert_secret(s, u->name, u->secret, err);
}

int rk_store_user_add(struct rk_store *st, const char *name, const char *org, enum rk_role role,
                      const struct rk_secret_hash *secret, struct rk_err *err)
{
    struct user_ctx u = {.name = name, .org = org, .role = role, .secret = secret};

    if (!rk_policy_name_ok(name))
        return rk_err_set(err, RK_EFORMAT,
                          "'%.80s' is not a valid user name (1-64 of a-z A-Z 0-9 . _ -)",
                          name ? name : "");
    if (role < RK_ROLE_READER || role > RK_ROLE_SYNC)
        return rk_err_set(err, RK_EFORMAT, "a user's role is reader, writer, admin or sync");
    return rk_sqlite_access_write(rk_sqlite_of(st), do_user_add, &u, err);
}

static int do_user_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct user_ctx *u = ctx;
    int rc;

    if ((rc = user_exists(s, u->name, 1, err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "DELETE FROM credentials WHERE user = ?1", &u->name, 1,
                                   NULL, err)) != 0 ||
        (rc = rk_sqlite_name_retire(s, "user", u->name, err)) != 0)
        return rc;
    return rk_sqlite_access_run(s, "DELETE FROM users WHERE name = ?1", &u->name, 1, NULL, err);
}

int rk_store_user_remove(struct rk_store *st, const char *name, struct rk_err *err)
{
    struct user_ctx u = {.name = name};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_user_remove, &u, err);
}

static int do_set_secret(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct user_ctx *u = ctx;
    int rc;

    if ((rc = user_exists(s, u->name, 1, err)) != 0 ||
        (rc = rk_sqlite_access_run(s, "DELETE FROM credentials WHERE user = ?1 AND kind = 1",
                                   &u->name, 1, NULL, err)) != 0)
        return rc;
    return insert_secret(s, u->name, u->secret, err);
}

int rk_store_user_set_secret(struct rk_store *st, const char *name,
                             const struct rk_secret_hash *secret, struct rk_err *err)
{
    struct user_ctx u = {.name = name, .secret = secret};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_set_secret, &u, err);
}

static int do_cert_add(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct user_ctx *u = ctx;
    char now[24];
    const char *args[3] = {u->fingerprint, u->name, now};
    int found, rc;

    snprintf(now, sizeof(now), "%lld", (long long)rk_time_now_us());
    if ((rc = user_exists(s, u->name, 1, err)) != 0 ||
        (rc = rk_sqlite_access_exists(s, "SELECT 1 FROM credentials WHERE key = ?1", args, 1,
                                      &found, err)) != 0)
        return rc;
    if (found)
        return rk_err_set(err, RK_EEXISTS, "certificate %.16s... is registered already",
                          u->fingerprint);
    return rk_sqlite_access_run(s, "INSERT INTO credentials (key, kind, user, created_us) "
                                   "VALUES (?1, 2, ?2, ?3)",
                                args, 3, NULL, err);
}

static int do_cert_remove(struct rk_sqlite *s, void *ctx, struct rk_err *err)
{
    struct user_ctx *u = ctx;
    int64_t n = 0;
    int rc;

    if ((rc = rk_sqlite_access_run(s, "DELETE FROM credentials WHERE key = ?1 AND kind = 2",
                                   &u->fingerprint, 1, &n, err)) != 0)
        return rc;
    return n ? 0
             : rk_err_set(err, RK_ENOTFOUND, "no certificate %.16s... is registered",
                          u->fingerprint);
}

int rk_store_user_cert_add(struct rk_store *st, const char *name, const char *fingerprint,
                           struct rk_err *err)
{
    struct user_ctx u = {.name = name, .fingerprint = fingerprint};

    if (strlen(fingerprint) != RK_FINGERPRINT_HEX_LEN)
        return rk_err_set(err, RK_EFORMAT, "a fingerprint is %d hex digits",
                          RK_FINGERPRINT_HEX_LEN);
    return rk_sqlite_access_write(rk_sqlite_of(st), do_cert_add, &u, err);
}

int rk_store_user_cert_remove(struct rk_store *st, const char *fingerprint, struct rk_err *err)
{
    struct user_ctx u = {.fingerprint = fingerprint};

    return rk_sqlite_access_write(rk_sqlite_of(st), do_cert_remove, &u, err);
}

int rk_store_user_certs(struct rk_store *st, const char *name,
                        int (*fn)(const char *fingerprint, void *ctx), void *ctx,
                        struct rk_err *err)
{
    return rk_sqlite_access_each(rk_sqlite_of(st),
                                 "SELECT key FROM credentials WHERE user = ?1 AND kind = 2 "
                                 "ORDER BY created_us, key",
                                 &name, 1, fn, ctx, err);
}

#define USER_SQL                                                                                  \
    "SELECT u.name, u.org, u.role, u.created_us,"                                                \
    " (SELECT count(*) FROM credentials c WHERE c.user = u.name AND c.kind = 1),"                \
    " (SELECT count(*) FROM credentials c WHERE c.user = u.name AND c.kind = 2) FROM users u"

static void user_from_row(sqlite3_stmt *stmt, struct rk_user_info *u)
{
    memset(u, 0, sizeof(*u));
    rk_strlcpy(u->name, rk_sqlite_access_text(stmt, 0), sizeof(u->name));
    rk_strlcpy(u->org, rk_sqlite_access_text(stmt, 1), sizeof(u->org));
    u->role = (enum rk_role)sqlite3_column_int(stmt, 2);
    u->created_us = sqlite3_column_int64(stmt, 3);
    u->n_secrets = (unsigned)sqlite3_column_int(stmt, 4);
    u->n_certs = (unsigned)sqlite3_column_int(stmt, 5);
}

static int read_users(struct rk_store *st, const char *name, struct rk_user_info *one,
                      int (*fn)(const struct rk_user_info *u, void *ctx), void *ctx,
                      struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    const char *sql = name ? USER_SQL " WHERE u.name = ?1" : USER_SQL " ORDER BY u.org, u.name";
    sqlite3_stmt *stmt = NULL;
    struct rk_user_info u;
    int rc, src, rows = 0;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (name)
        rk_sqlite_bind_str(stmt, 1, name);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        rows++;
        user_from_row(stmt, one ? one : &u);
        if (fn && (rc = fn(&u, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading users", err);
    rk_sqlite_release(s, stmt);
    if (rc == 0 && name && rows == 0)
        rc = rk_err_set(err, RK_ENOTFOUND, "no user %s", name);
    return rc;
}

int rk_store_user_get(struct rk_store *st, const char *name, struct rk_user_info *out,
                      struct rk_err *err)
{
    return read_users(st, name, out, NULL, NULL, err);
}

int rk_store_user_list(struct rk_store *st, int (*fn)(const struct rk_user_info *u, void *ctx),
                       void *ctx, struct rk_err *err)
{
    return read_users(st, NULL, NULL, fn, ctx, err);
}

int rk_store_credential_by_key(struct rk_store *st, const char *key_id, char *user,
                               struct rk_secret_hash *out, struct rk_err *err)
{
    const char *sql = "SELECT user, salt, hash, iterations FROM credentials "
                      "WHERE key = ?1 AND kind = 1";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    memset(out, 0, sizeof(*out));
    user[0] = '\0';
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, key_id);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW && sqlite3_column_bytes(stmt, 1) == RK_SECRET_SALT_LEN &&
        sqlite3_column_bytes(stmt, 2) == RK_SECRET_HASH_LEN) {
        rk_strlcpy(user, rk_sqlite_access_text(stmt, 0), RK_NAME_MAX + 1);
        rk_strlcpy(out->key_id, key_id, sizeof(out->key_id));
        memcpy(out->salt, sqlite3_column_blob(stmt, 1), RK_SECRET_SALT_LEN);
        memcpy(out->hash, sqlite3_column_blob(stmt, 2), RK_SECRET_HASH_LEN);
        out->iterations = (unsigned)sqlite3_column_int64(stmt, 3);
    } else if (src == SQLITE_ROW || src == SQLITE_DONE) {
        rc = rk_err_set(err, RK_ENOTFOUND, "no credential with this key id");
    } else {
        rc = rk_sqlite_fail(s, src, "reading a credential", err);
    }
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_credential_by_cert(struct rk_store *st, const char *fingerprint, char *user,
                                struct rk_err *err)
{
    const char *sql = "SELECT user FROM credentials WHERE key = ?1 AND kind = 2";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    user[0] = '\0';
    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    rk_sqlite_bind_str(stmt, 1, fingerprint);
    src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        rk_strlcpy(user, rk_sqlite_access_text(stmt, 0), RK_NAME_MAX + 1);
    else if (src == SQLITE_DONE)
        rc = rk_err_set(err, RK_ENOTFOUND, "no user has this client certificate");
    else
        rc = rk_sqlite_fail(s, src, "reading a credential", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

int rk_store_credential_list(struct rk_store *st,
                             int (*fn)(const char *user, const char *key,
                                       const struct rk_secret_hash *secret, void *ctx),
                             void *ctx, struct rk_err *err)
{
    const char *sql = "SELECT user, key, kind, salt, hash, iterations FROM credentials "
                      "ORDER BY user, key";
    struct rk_sqlite *s = rk_sqlite_of(st);
    sqlite3_stmt *stmt = NULL;
    struct rk_secret_hash h;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *key = rk_sqlite_access_text(stmt, 1);
        int secret = sqlite3_column_int(stmt, 2) == 1 &&
                     sqlite3_column_bytes(stmt, 3) == RK_SECRET_SALT_LEN &&
                     sqlite3_column_bytes(stmt, 4) == RK_SECRET_HASH_LEN;

        memset(&h, 0, sizeof(h));
        if (secret) {
            rk_strlcpy(h.key_id, key, sizeof(h.key_id));
            memcpy(h.salt, sqlite3_column_blob(stmt, 3), RK_SECRET_SALT_LEN);
            memcpy(h.hash, sqlite3_column_blob(stmt, 4), RK_SECRET_HASH_LEN);
            h.iterations = (unsigned)sqlite3_column_int64(stmt, 5);
        } else if (sqlite3_column_int(stmt, 2) == 1) {
            continue; /* a damaged secret row authenticates nobody */
        }
        if ((rc = fn(rk_sqlite_access_text(stmt, 0), key, secret ? &h : NULL, ctx)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE && src != SQLITE_ROW)
        rc = rk_sqlite_fail(s, src, "reading credentials", err);
    rk_sqlite_release(s, stmt);
    explicit_bzero(&h, sizeof(h));
    return rc;
}
