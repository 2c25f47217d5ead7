/* store_access.h - what the store keeps for access control and the TAXII server: organisations,
 * sharing groups, users and their credentials, collection rights and sharing defaults, TAXII
 * status resources, the append-only audit log, and node secrets.
 *
 * Like store.h it names no backend; the SQLite tables are in src/store/sqlite_access.c,
 * sqlite_grants.c, sqlite_status.c and sqlite_audit.c. Every call that changes who may do what
 * (organisations, groups, users, credentials, grants, sharing defaults) also advances the access
 * generation, so servers can cache resolved identities and rights and notice any change with
 * one cheap read.
 */
#ifndef RENKEI_STORE_ACCESS_H
#define RENKEI_STORE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/policy.h"
#include "renkei/store.h"

#define RK_TITLE_MAX 256

/* ---- organisations and groups -------------------------------------------------------------- */

struct rk_org_info {
    char name[RK_NAME_MAX + 1];
    char title[RK_TITLE_MAX];
    int64_t created_us;
};

/* Add an organisation or a sharing group; names must pass rk_policy_name_ok. RK_EEXISTS,
 * RK_EFORMAT for a bad name. */
int rk_store_org_add(struct rk_store *st, const char *name, const char *title, struct rk_err *err);
int rk_store_group_add(struct rk_store *st, const char *name, const char *title,
                       struct rk_err *err);
/* Remove one. An organisation that still has users is refused with RK_EINVAL; a group's
 * memberships and grants go with it. RK_ENOTFOUND. */
int rk_store_org_remove(struct rk_store *st, const char *name, struct rk_err *err);
int rk_store_group_remove(struct rk_store *st, const char *name, struct rk_err *err);
/* Look up; RK_ENOTFOUND. */
int rk_store_org_get(struct rk_store *st, const char *name, struct rk_org_info *out,
                     struct rk_err *err);
int rk_store_group_get(struct rk_store *st, const char *name, struct rk_org_info *out,
                       struct rk_err *err);
/* Call fn for each, in name order; a non-zero return from fn stops and is returned. */
int rk_store_org_list(struct rk_store *st, int (*fn)(const struct rk_org_info *o, void *ctx),
                      void *ctx, struct rk_err *err);
int rk_store_group_list(struct rk_store *st, int (*fn)(const struct rk_org_info *g, void *ctx),
                        void *ctx, struct rk_err *err);

/* Make organisation org a member of group (RK_EEXISTS when it is) or not (RK_ENOTFOUND). */
int rk_store_group_member_add(struct rk_store *st, const char *group, const char *org,
                              struct rk_err *err);
int rk_store_group_member_remove(struct rk_store *st, const char *group, const char *org,
                                 struct rk_err *err);
/* The member organisations of a group, or (org_groups) the groups of an organisation, in name
 * order. */
int rk_store_group_members(struct rk_store *st, const char *group,
                           int (*fn)(const char *org, void *ctx), void *ctx, struct rk_err *err);
int rk_store_org_groups(struct rk_store *st, const char *org,
                        int (*fn)(const char *group, void *ctx), void *ctx, struct rk_err *err);

/* ---- users and credentials ----------------------------------------------------------------- */

struct rk_user_info {
    char name[RK_NAME_MAX + 1];
    char org[RK_NAME_MAX + 1];
    enum rk_role role;
    int64_t created_us;
    unsigned n_secrets; /* secret credentials (0 or 1) */
    unsigned n_certs;   /* registered client certificates */
};

/* Add a user of an existing organisation with its first secret. RK_EEXISTS, RK_ENOTFOUND for
 * the organisation, RK_EFORMAT for a bad name or role. */
int rk_store_user_add(struct rk_store *st, const char *name, const char *org, enum rk_role role,
                      const struct rk_secret_hash *secret, struct rk_err *err);
/* Remove a user and every credential of it. RK_ENOTFOUND. */
int rk_store_user_remove(struct rk_store *st, const char *name, struct rk_err *err);
int rk_store_user_get(struct rk_store *st, const char *name, struct rk_user_info *out,
                      struct rk_err *err);
int rk_store_user_list(struct rk_store *st, int (*fn)(const struct rk_user_info *u, void *ctx),
                       void *ctx, struct rk_err *err);
/* Replace the user's secret (the old one stops working at once). RK_ENOTFOUND. */
int rk_store_user_set_secret(struct rk_store *st, const char *name,
                             const struct rk_secret_hash *secret, struct rk_err *err);
/* Register or remove a client certificate fingerprint (RK_FINGERPRINT_HEX_LEN hex) for a user.
 * RK_EEXISTS when the fingerprint is registered to anyone. */
int rk_store_user_cert_add(struct rk_store *st, const char *name, const char *fingerprint,
                           struct rk_err *err);
int rk_store_user_cert_remove(struct rk_store *st, const char *fingerprint, struct rk_err *err);
/* List a user's certificate fingerprints. */
int rk_store_user_certs(struct rk_store *st, const char *name,
                        int (*fn)(const char *fingerprint, void *ctx), void *ctx,
                        struct rk_err *err);

/* The credential with a secret's key id: its user (into user, RK_NAME_MAX + 1 bytes) and
 * stored hash. RK_ENOTFOUND. */
int rk_store_credential_by_key(struct rk_store *st, const char *key_id, char *user,
                               struct rk_secret_hash *out, struct rk_err *err);
/* The user a client certificate fingerprint is registered to. RK_ENOTFOUND. */
int rk_store_credential_by_cert(struct rk_store *st, const char *fingerprint, char *user,
                                struct rk_err *err);

/* Every credential: its user, its key (a secret's key id or a certificate fingerprint) and, for
 * secrets, the stored hash (NULL for certificates). For servers that keep them in memory. */
int rk_store_credential_list(struct rk_store *st,
                             int (*fn)(const char *user, const char *key,
                                       const struct rk_secret_hash *secret, void *ctx),
                             void *ctx, struct rk_err *err);

/* A number that changes whenever anything above, a grant or a sharing default changes. */
int rk_store_access_generation(struct rk_store *st, int64_t *out, struct rk_err *err);

/* ---- collection rights and sharing defaults ------------------------------------------------- */

/* Set (insert or replace) the grant of a collection for a subject; subject is "" for the
 * authenticated and public kinds. RK_ENOTFOUND for the collection or the organisation/group. */
int rk_store_grant_set(struct rk_store *st, const char *collection,
                       const struct rk_collection_grant *g, struct rk_err *err);
/* Remove a grant. RK_ENOTFOUND when there is none. */
int rk_store_grant_remove(struct rk_store *st, const char *collection,
                          enum rk_grant_subject kind, const char *subject, struct rk_err *err);
/* The grants of a collection (collection id; NULL: of every collection), grouped by collection. */
int rk_store_grant_list(struct rk_store *st, const char *collection,
                        int (*fn)(const char *collection_id, const struct rk_collection_grant *g,
                                  void *ctx),
                        void *ctx, struct rk_err *err);

/* How a collection treats objects that arrive over TAXII without a TLP marking. */
enum rk_unmarked {
    RK_UNMARKED_NODE_DEFAULT = 0, /* keep them unmarked: they count as the node's default TLP */
    RK_UNMARKED_REJECT = 1,       /* refuse them (the status resource says why) */
    RK_UNMARKED_ASSUME = 2        /* store them as if marked with assume_tlp */
};

#define RK_SHARING_GROUPS_MAX 32

/* What TAXII Add Objects stamps on objects posted to a collection: the sharing groups they
 * belong to (besides the poster's organisation, which owns them) and the unmarked rule. */
struct rk_collection_sharing {
    char groups[RK_SHARING_GROUPS_MAX][RK_NAME_MAX + 1];
    size_t n_groups;
    enum rk_unmarked unmarked;
    enum rk_tlp assume_tlp; /* with RK_UNMARKED_ASSUME */
};

/* Read a collection's sharing defaults (no groups and the node default when never set).
 * RK_ENOTFOUND for the collection. */
int rk_store_sharing_get(struct rk_store *st, const char *collection,
                         struct rk_collection_sharing *out, struct rk_err *err);
/* Replace them. RK_ENOTFOUND for the collection or a group. */
int rk_store_sharing_set(struct rk_store *st, const char *collection,
                         const struct rk_collection_sharing *s, struct rk_err *err);

/* ---- TAXII status resources ------------------------------------------------------------------ */

/* Keep a status resource (its JSON) of user's request; statuses older than purge_before_us are
 * dropped in the same transaction (0: keep all). */
int rk_store_status_put(struct rk_store *st, const char *id, const char *user, int64_t created_us,
                        const char *json, size_t len, int64_t purge_before_us,
                        struct rk_err *err);
/* Fetch one: its owner (into user, RK_NAME_MAX + 1 bytes) and JSON (a new string for the
 * caller to free with free()). RK_ENOTFOUND. */
int rk_store_status_get(struct rk_store *st, const char *id, char *user, char **json_out,
                        size_t *len_out, struct rk_err *err);

/* ---- audit log ------------------------------------------------------------------------------ */

/* One event: who did what from where. Strings are borrowed, "" when not applicable. */
struct rk_audit_record {
    int64_t seq;      /* assigned by the store; ignored on append */
    int64_t at_us;
    const char *user; /* "" for anonymous or failed authentication */
    const char *org;
    const char *address; /* client address */
    const char *action;  /* "read", "write", "delete", "auth-fail", "denied", "admin" */
    const char *endpoint;   /* e.g. "objects", "manifest", "user add" */
    const char *collection; /* collection id, "" for none */
    const char *detail;     /* query string, object id, status id, command arguments */
    int status;             /* HTTP status, or a CLI exit status */
    int64_t count;          /* objects returned, stored or deleted */
};

/* Append records (one transaction). The log has no update or delete path: the table refuses
 * UPDATE and DELETE with a trigger. */
int rk_store_audit_append(struct rk_store *st, const struct rk_audit_record *r, size_t n,
                          struct rk_err *err);

struct rk_audit_filter {
    const char *user;   /* NULL: any */
    const char *action; /* NULL: any */
    const char *collection; /* NULL: any (id) */
    int64_t since_us;   /* 0: from the beginning */
    int64_t until_us;   /* 0: to the end */
    size_t limit;       /* 0: no limit; the most recent `limit` records, oldest first */
};

/* Records matching f in order of seq. */
int rk_store_audit_query(struct rk_store *st, const struct rk_audit_filter *f,
                         int (*fn)(const struct rk_audit_record *r, void *ctx), void *ctx,
                         struct rk_err *err);

/* ---- node secrets --------------------------------------------------------------------------- */

/* A random secret of len bytes (at most 64) named name, created on first use. Every process on
 * the store reads the same bytes, so front-ends agree on it and it survives restarts. */
int rk_store_node_secret(struct rk_store *st, const char *name, uint8_t *out, size_t len,
                         struct rk_err *err);

#endif
