/* store_sync.h - what the store keeps for federation: partner nodes and how to reach them,
 * which collections are pulled from and pushed to each, durable pull and push cursors with
 * their counters, each partner's last success and error, refused objects, and the
 * hash-chained, append-only egress log of every object sent.
 *
 * Like store.h it names no backend; the SQLite tables are in src/store/sqlite_sync*.c.
 * Changing a partner advances the access generation (store_access.h): a partner's TLP ceiling
 * and organisation decide what its sync account reads over TAXII.
 */
#ifndef RENKEI_STORE_SYNC_H
#define RENKEI_STORE_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/policy.h"
#include "renkei/store.h"

#define RK_PARTNER_URL_MAX    1024
#define RK_PARTNER_USER_MAX   256
#define RK_PARTNER_SECRET_MAX 1024
#define RK_PARTNER_PATH_MAX   1024
#define RK_REMOTE_ID_MAX      256  /* a remote collection id: any string the server uses */
#define RK_PULL_NEXT_MAX      1024 /* a remote paging token */
#define RK_PULL_TIME_MAX      64   /* a remote timestamp as received */
#define RK_SYNC_ERROR_MAX     512

enum rk_partner_auth {
    RK_PARTNER_AUTH_NONE = 0,
    RK_PARTNER_AUTH_BASIC = 1, /* user and secret */
    RK_PARTNER_AUTH_BEARER = 2 /* secret is the token */
};

/* A partner node: who it is on this node, how to reach its TAXII server, and the terms of the
 * exchange. Its sharing groups are its organisation's groups (store_access.h). */
struct rk_partner {
    char name[RK_NAME_MAX + 1];
    char org[RK_NAME_MAX + 1];          /* its organisation on this node (one partner per org) */
    char url[RK_PARTNER_URL_MAX];       /* its discovery URL (https://host:port/taxii2/) */
    char api_root[RK_PARTNER_URL_MAX];  /* API root URL; "" takes discovery's default */
    enum rk_partner_auth auth;
    char user[RK_PARTNER_USER_MAX];     /* Basic user name on the partner */
    char secret[RK_PARTNER_SECRET_MAX]; /* Basic password or Bearer token (never shown) */
    char ca_file[RK_PARTNER_PATH_MAX];  /* trust only this CA (PEM); "" with a fingerprint */
    char fingerprint[RK_FINGERPRINT_HEX_LEN + 1]; /* pinned SHA-256 of the server certificate */
    char client_cert[RK_PARTNER_PATH_MAX]; /* client certificate (PEM) for mutual TLS */
    char client_key[RK_PARTNER_PATH_MAX];
    int insecure_http;     /* allow a plain http:// URL (loopback tests only) */
    enum rk_tlp ceiling;   /* nothing above it is sent or accepted (RK_TLP_NONE: RED is) */
    int refuse_unmarked;   /* refuse objects it sends without a TLP marking */
    enum rk_tlp unmarked;  /* else what they are stored as (default AMBER+STRICT) */
    uint32_t interval_s;   /* background sync runs this often */
    uint32_t window_s;     /* its added_after reaches back only this far (0: no limit) */
    uint32_t timeout_s;    /* one HTTP request may take this long */
    uint32_t page_size;    /* objects per pulled page (the server may send fewer) */
    int paused;            /* background sync skips it */
    int64_t created_us;
};

/* Fill in the defaults: AMBER+STRICT for unmarked objects, no ceiling, 5 minutes, 60 s,
 * pages of 1000. */
void rk_partner_init(struct rk_partner *p);

/* Add a partner (RK_EEXISTS for the name or the organisation; RK_ENOTFOUND for the
 * organisation; RK_EFORMAT for a bad name), replace its settings (RK_ENOTFOUND), look it up by
 * name or organisation (RK_ENOTFOUND), list them in name order, remove one with its mappings,
 * cursors, state and refusals (the egress log keeps its entries). */
int rk_store_partner_add(struct rk_store *st, const struct rk_partner *p, struct rk_err *err);
int rk_store_partner_update(struct rk_store *st, const struct rk_partner *p, struct rk_err *err);
int rk_store_partner_get(struct rk_store *st, const char *name, struct rk_partner *out,
                         struct rk_err *err);
int rk_store_partner_by_org(struct rk_store *st, const char *org, struct rk_partner *out,
                            struct rk_err *err);
int rk_store_partner_list(struct rk_store *st,
                          int (*fn)(const struct rk_partner *p, void *ctx), void *ctx,
                          struct rk_err *err);
int rk_store_partner_remove(struct rk_store *st, const char *name, struct rk_err *err);

/* ---- collection mappings ------------------------------------------------------------------- */

enum rk_sync_dir {
    RK_SYNC_PULL = 1, /* remote collection -> local collection */
    RK_SYNC_PUSH = 2  /* local collection -> remote collection */
};

struct rk_sync_mapping {
    enum rk_sync_dir dir;
    char remote[RK_REMOTE_ID_MAX];    /* the partner's collection id, as it names it */
    char local[RK_COLLECTION_ID_MAX]; /* the local collection id */
};

/* Add a mapping (local may be given as an alias; it is stored as the id). RK_EEXISTS,
 * RK_ENOTFOUND for the partner or the collection. Removing a local collection removes its
 * mappings and cursors. */
int rk_store_mapping_add(struct rk_store *st, const char *partner,
                         const struct rk_sync_mapping *m, struct rk_err *err);
/* Remove one (and its cursor). RK_ENOTFOUND. */
int rk_store_mapping_remove(struct rk_store *st, const char *partner,
                            const struct rk_sync_mapping *m, struct rk_err *err);
/* A partner's mappings, pulls first, in the order added. */
int rk_store_mapping_list(struct rk_store *st, const char *partner,
                          int (*fn)(const struct rk_sync_mapping *m, void *ctx), void *ctx,
                          struct rk_err *err);

/* ---- pull cursors -------------------------------------------------------------------------- */

/* Where the pull of one remote collection into one local collection stands. Written in the
 * same transaction as the objects of the page it follows, so after a crash at any point the
 * cursor and the stored objects agree. */
struct rk_pull_cursor {
    char added_after[RK_PULL_TIME_MAX]; /* X-TAXII-Date-Added-Last of the last stored page */
    char base[RK_PULL_TIME_MAX];        /* the added_after the pending next token belongs to */
    char next[RK_PULL_NEXT_MAX];        /* a pending next token, "" when none */
    int64_t caught_up_us;  /* when the pull last reached the end (more: false) */
    int64_t updated_us;
    uint64_t pages;
    uint64_t stored;     /* new object versions */
    uint64_t duplicates; /* id+version already held */
    uint64_t conflicts;  /* id+version held with other content (the first is kept) */
    uint64_t refused;    /* invalid or refused by the ingress rules */
};

/* The cursor (zeroed when the mapping has never pulled). */
int rk_store_pull_cursor_get(struct rk_store *st, const char *partner, const char *remote,
                             const char *local, struct rk_pull_cursor *out, struct rk_err *err);
/* Write the cursor inside b's transaction (committed with the page's objects). */
int rk_store_pull_cursor_put(struct rk_store_batch *b, const char *partner, const char *remote,
                             const char *local, const struct rk_pull_cursor *c,
                             struct rk_err *err);

/* ---- push cursors -------------------------------------------------------------------------- */

struct rk_push_cursor {
    int64_t date_added;  /* the local date_added of the last object considered */
    int64_t updated_us;
    uint64_t batches;    /* Add Objects requests */
    uint64_t sent;       /* objects sent (each also in the egress log) */
    uint64_t failed;     /* objects the partner reported as failures */
    uint64_t too_large;  /* objects larger than the partner accepts */
    uint64_t refused[RK_EGRESS_VERDICTS]; /* not sent, by verdict (index 0 unused) */
};

/* The cursor (zeroed when the mapping has never pushed). */
int rk_store_push_cursor_get(struct rk_store *st, const char *partner, const char *local,
                             const char *remote, struct rk_push_cursor *out, struct rk_err *err);

/* Every cursor of a partner (NULL: of all), pulls then pushes. */
struct rk_sync_cursor_info {
    const char *partner;
    const struct rk_sync_mapping *m;
    const struct rk_pull_cursor *pull; /* for RK_SYNC_PULL */
    const struct rk_push_cursor *push; /* for RK_SYNC_PUSH */
};
int rk_store_sync_cursor_list(struct rk_store *st, const char *partner,
                              int (*fn)(const struct rk_sync_cursor_info *c, void *ctx),
                              void *ctx, struct rk_err *err);

/* ---- partner state ------------------------------------------------------------------------- */

struct rk_sync_state {
    int64_t last_attempt_us;
    int64_t last_success_us;
    int64_t last_error_us;
    char last_error[RK_SYNC_ERROR_MAX]; /* "" when the last run succeeded */
    uint32_t failures;                   /* runs that failed since the last success */
};

/* Zeroed when the partner never ran. */
int rk_store_sync_state_get(struct rk_store *st, const char *partner, struct rk_sync_state *out,
                            struct rk_err *err);
int rk_store_sync_state_put(struct rk_store *st, const char *partner,
                            const struct rk_sync_state *s, struct rk_err *err);

/* ---- refused objects ----------------------------------------------------------------------- */

/* An object refused on the way in (invalid, or against the ingress rules) or reported as a
 * failure by the partner on the way out. The most recent RK_SYNC_REFUSALS_KEEP per partner
 * and direction are kept. Strings are borrowed. */
#define RK_SYNC_REFUSALS_KEEP 10000

struct rk_sync_refusal {
    int64_t at_us;
    const char *partner;
    enum rk_sync_dir dir;   /* RK_SYNC_PULL: refused here; RK_SYNC_PUSH: refused there */
    const char *collection; /* remote collection id */
    const char *object_id;  /* "" when the object had none ("objects[N]" then) */
    const char *version;
    const char *reason;
};

int rk_store_sync_refusal_add(struct rk_store *st, const struct rk_sync_refusal *r, size_t n,
                              struct rk_err *err);
/* The same inside b's transaction (a pulled page's refusals go with its objects). */
int rk_store_sync_refusal_add_batch(struct rk_store_batch *b, const struct rk_sync_refusal *r,
                                    size_t n, struct rk_err *err);
/* The most recent `limit` (0: all) of a partner (NULL: all), oldest first. */
int rk_store_sync_refusal_list(struct rk_store *st, const char *partner, size_t limit,
                               int (*fn)(const struct rk_sync_refusal *r, void *ctx), void *ctx,
                               struct rk_err *err);

/* ---- the egress log ------------------------------------------------------------------------ */

#define RK_EGRESS_HASH_LEN 32

/* One object sent to a partner. Strings are borrowed. Each entry's hash is SHA-256 over the
 * previous entry's hash and this entry's fields, so changing, removing or reordering any entry
 * breaks the chain from there on. The table refuses UPDATE and DELETE. */
struct rk_egress_entry {
    int64_t seq;   /* assigned on append */
    int64_t at_us; /* assigned on append */
    const char *partner;
    const char *collection; /* the remote collection it was sent to */
    const char *object_id;
    const char *version; /* modified, else created, else "" */
    uint8_t sha256[RK_EGRESS_HASH_LEN]; /* of the JSON text sent */
    const char *batch;   /* the Add Objects request it went in */
    uint8_t prev[RK_EGRESS_HASH_LEN]; /* assigned on append */
    uint8_t hash[RK_EGRESS_HASH_LEN]; /* assigned on append */
};

/* Append entries in one transaction; each gets its seq, time, prev and hash. Entries are
 * written before the objects are sent, so every object that left has an entry (a crash
 * between the two leaves an entry for an object that may not have left, never the reverse). */
int rk_store_egress_append(struct rk_store *st, struct rk_egress_entry *e, size_t n,
                           struct rk_err *err);

struct rk_egress_filter {
    const char *partner;   /* NULL: any */
    const char *object_id; /* NULL: any */
    int64_t since_us, until_us; /* 0: unbounded */
    size_t limit;          /* 0: all; else the most recent `limit`, oldest first */
};
int rk_store_egress_query(struct rk_store *st, const struct rk_egress_filter *f,
                          int (*fn)(const struct rk_egress_entry *e, void *ctx), void *ctx,
                          struct rk_err *err);

/* The result of checking the chain from its first entry. */
struct rk_egress_check {
    uint64_t entries;
    int64_t first_bad_seq;  /* 0 when the chain holds */
    char problem[256];      /* what is wrong at first_bad_seq */
    uint64_t breaks;        /* entries whose prev or hash do not match */
    int64_t head_seq;       /* the last entry, and its hash: record it elsewhere to detect */
    uint8_t head[RK_EGRESS_HASH_LEN]; /* removal of entries at the end */
};

/* Recompute every entry's hash in seq order. Returns 0 whether or not the chain holds (out
 * says); an error only when the log could not be read. */
int rk_store_egress_verify(struct rk_store *st, struct rk_egress_check *out, struct rk_err *err);

/* The push batches: one Add Objects request each, with what the partner's status said. */
struct rk_push_result {
    const char *batch;
    const char *partner;
    const char *collection;
    int64_t at_us;
    int http_status;       /* 0 when the request did not get an answer */
    const char *status_id; /* the partner's status resource, "" when none */
    uint64_t total, success, failure, pending;
    const char *message;   /* "" when all went well */
};
/* After an Add Objects request, in one transaction: move the push cursor (c; NULL leaves it),
 * keep the request's result (r; may be NULL) and the failures the partner reported. */
int rk_store_push_commit(struct rk_store *st, const char *partner, const char *local,
                         const char *remote, const struct rk_push_cursor *c,
                         const struct rk_push_result *r, const struct rk_sync_refusal *failures,
                         size_t n_failures, struct rk_err *err);
/* The most recent `limit` (0: all) results of a partner (NULL: all), oldest first. */
int rk_store_push_result_list(struct rk_store *st, const char *partner, size_t limit,
                              int (*fn)(const struct rk_push_result *r, void *ctx), void *ctx,
                              struct rk_err *err);

#endif
