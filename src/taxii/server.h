/* server.h - the TAXII server's internals: the daemon, per-request state, the access snapshot,
 * store handle pool, audit queue, and the endpoint handlers (server_*.c). */
#ifndef RK_TAXII_SERVER_H
#define RK_TAXII_SERVER_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>

#include "renkei/policy.h"
#include "renkei/store.h"
#include "renkei/store_access.h"
#include "renkei/taxii.h"
#include "taxii/http_request.h"
#include "taxii/server_next.h"
#include "taxii/server_ratelimit.h"
#include "util/rktime.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/map.h"

#define RK_TAXII_MEDIA_TYPE    "application/taxii+json;version=2.1"
#define RK_TAXII_STIX_MEDIA    "application/stix+json;version=2.1"
#define RK_TAXII_ARENA_MAX     (4u << 20) /* per-request parsing memory */
#define RK_TAXII_ADDR_MAX      64
#define RK_TAXII_AUDIT_BACKLOG 100000 /* queued audit records before producers wait */
#define RK_TAXII_ID_MAX        160    /* a STIX id (the node identity) */

/* ---- store handle pool (server_pool.c) ------------------------------------------------------ */

/* One store handle per concurrent request: SQLite handles are single-threaded. */
struct rk_taxii_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct rk_store **all;
    struct rk_store **idle;
    size_t n, n_idle;
};

int rk_taxii_pool_init(struct rk_taxii_pool *p, const char *dir, size_t n, struct rk_err *err);
/* Wait for an idle handle. */
struct rk_store *rk_taxii_pool_get(struct rk_taxii_pool *p);
void rk_taxii_pool_put(struct rk_taxii_pool *p, struct rk_store *st);
void rk_taxii_pool_fini(struct rk_taxii_pool *p);

/* ---- access snapshot (server_access.c) ----------------------------------------------------- */

/* Everything the store says about who may do what, loaded as one immutable snapshot and
 * replaced whenever the store's access generation moves. Requests hold a reference. */
/* A partner node (include/renkei/store_sync.h) as its sync accounts meet the server: the
 * accounts of its organisation read what egress may send it and write as it. */
struct rk_taxii_partner {
    char *name;
    enum rk_tlp ceiling;
    struct rk_ingress_terms terms; /* node_identity borrows the snapshot's */
};

struct rk_taxii_user {
    char *name, *org;
    enum rk_role role;
    const char **groups; /* the organisation's sharing groups */
    size_t n_groups;
    const struct rk_taxii_partner *partner; /* the partner of its organisation, or NULL */
};

struct rk_taxii_names {
    const char **names;
    size_t n;
};

struct rk_taxii_coll {
    struct rk_collection c;
    struct rk_collection_grant *grants;
    size_t n_grants;
    struct rk_collection_sharing sharing;
};

struct rk_taxii_access {
    int refs;
    int64_t generation;
    struct rk_map *users;   /* name -> struct rk_taxii_user */
    struct rk_map *org_groups; /* organisation -> struct rk_taxii_names (its groups) */
    struct rk_map *secrets; /* key id -> struct rk_taxii_secret (server_access.c) */
    struct rk_map *certs;   /* fingerprint -> user name (owned string) */
    struct rk_map *colls;   /* id and alias -> struct rk_taxii_coll (ids own, aliases borrow) */
    struct rk_taxii_coll **order; /* collections in creation order */
    size_t n_colls;
    struct rk_policy policy;
    struct rk_map *partners; /* organisation -> struct rk_taxii_partner */
    char node_org[RK_NAME_MAX + 1];
    char node_identity[RK_TAXII_ID_MAX];
};

/* The current snapshot (reloaded first when the generation moved), with a reference. */
int rk_taxii_access_acquire(struct rk_taxii_server *srv, struct rk_store *st,
                            struct rk_taxii_access **out, struct rk_err *err);
void rk_taxii_access_release(struct rk_taxii_server *srv, struct rk_taxii_access *a);
void rk_taxii_access_free(struct rk_taxii_access *a);
/* Look up a collection by id or alias, NULL when unknown. */
const struct rk_taxii_coll *rk_taxii_access_coll(const struct rk_taxii_access *a,
                                                 const char *id_or_alias);
/* The user a presented secret belongs to; RK_EAUTH when it does not verify. */
int rk_taxii_access_check_secret(struct rk_taxii_server *srv, const struct rk_taxii_access *a,
                                 const char *token, size_t len,
                                 const struct rk_taxii_user **out);
/* The partner a sync account stands for, as egress sees it: its partner's name and ceiling
 * (the account's name and no ceiling when its organisation is no partner's), the account's
 * organisation and that organisation's groups. Borrows the snapshot's strings. */
void rk_taxii_access_partner_view(const struct rk_taxii_user *u, struct rk_partner_view *out);
/* What Add Objects accepts from a sync account (its partner's terms, or the defaults). */
void rk_taxii_access_ingress_terms(const struct rk_taxii_access *a, const struct rk_taxii_user *u,
                                   struct rk_ingress_terms *out);
/* The user a client certificate fingerprint is registered to, or NULL. */
const struct rk_taxii_user *rk_taxii_access_cert_user(const struct rk_taxii_access *a,
                                                      const char *fingerprint);

/* The cache of verified secrets. */
struct rk_taxii_vcache *rk_taxii_vcache_new(void);
void rk_taxii_vcache_free(struct rk_taxii_vcache *v);

/* ---- audit queue (server_audit.c) ----------------------------------------------------------- */

struct rk_taxii_audit;

/* A queue written to the store by its own thread, in batches; each batch is written holding
 * write_lock (the server's, see struct rk_taxii_server). */
int rk_taxii_audit_start(struct rk_taxii_audit **out, const char *dir,
                         pthread_mutex_t *write_lock, struct rk_err *err);
/* Copy r into the queue (waits when the backlog is full, so no record is ever dropped). */
void rk_taxii_audit_add(struct rk_taxii_audit *q, const struct rk_audit_record *r);
/* Flush what is queued and stop. Accepts NULL. */
void rk_taxii_audit_stop(struct rk_taxii_audit *q);

/* ---- the server ----------------------------------------------------------------------------- */

struct rk_taxii_vcache; /* verified secrets (server_access.c) */

struct rk_taxii_server {
    struct rk_taxii_config cfg; /* strings point into owned copies below */
    char *data_dir, *listen, *cert_pem, *key_pem, *client_ca_pem, *api_root, *title,
            *description, *contact;
    struct MHD_Daemon *mhd;
    unsigned port;
    struct rk_taxii_pool pool;
    struct rk_taxii_ratelimit *rl;
    struct rk_taxii_audit *audit;
    struct rk_taxii_vcache *vcache;
    struct rk_taxii_page_cache *pages; /* NULL when cfg.page_cache_bytes is 0 */
    uint8_t next_key[RK_TAXII_NEXT_KEY_LEN];
    void *tls_trust; /* gnutls_certificate_credentials_t with client_ca_pem, or NULL */
    pthread_mutex_t access_lock;
    struct rk_taxii_access *access; /* the current snapshot */
    /* Held around every write transaction of this process (object batches, status, audit,
     * deletes), so request threads queue here instead of in SQLite's busy handler, which
     * polls the write lock with sleeps of up to 100 ms. Other processes still meet the
     * busy handler. Validation and response building happen outside it. */
    pthread_mutex_t write_lock;
    /* The handle Add Objects writes through, holding write_lock. One handle for every batch
     * keeps its page cache warm from one envelope to the next (a handle drops its cache when
     * another connection has committed): the id index pages a batch updates are mostly in
     * it already. */
    struct rk_store *writer;
    struct rk_taxii_checkpointer *checkpointer;
    int checkpointer_woken; /* this log cycle (under write_lock) */
};

/* ---- checkpoints on a thread of their own (server_checkpoint.c) ------------------------------ */

/* By default the writer handle checkpoints once per 16384 log pages (128 MB; cfg.write_log_pages,
 * setting taxii.write_log) instead of SQLite's 4096: each checkpoint syncs both files whatever
 * it copies (56k -> 62k objects/s in bench/taxii). At three quarters of it, Add Objects wakes
 * the checkpoint thread. */
#define RK_TAXII_WRITER_CHECKPOINT_PAGES 16384

struct rk_taxii_checkpointer;

/* Start the thread, with a store handle of its own on data_dir. */
int rk_taxii_checkpointer_start(struct rk_taxii_checkpointer **out, const char *data_dir,
                                struct rk_err *err);
/* Have the thread run a checkpoint now (a wake while one runs gives one more); accepts NULL. */
void rk_taxii_checkpointer_wake(struct rk_taxii_checkpointer *c);
/* Checkpoints run so far and the log frames they copied; zeros for NULL. */
void rk_taxii_checkpointer_stats(struct rk_taxii_checkpointer *c, uint64_t *passes,
                                 uint64_t *frames);
/* Stop and join the thread (a running checkpoint finishes first); accepts NULL. */
void rk_taxii_checkpointer_stop(struct rk_taxii_checkpointer *c);

/* ---- the page cache (server_cache.c) --------------------------------------------------------- */

/* A finished 200 response of a read endpoint. */
struct rk_taxii_cached_page {
    char *body;
    size_t len;
    int64_t count; /* objects in the page, for the audit record */
    char date_first[RK_TIME_STR_MAX], date_last[RK_TIME_STR_MAX];
};

struct rk_taxii_cache_stats {
    uint64_t hits, misses;
    size_t bytes, budget;
};

struct rk_taxii_page_cache;

/* A cache of budget bytes; *out is NULL (no cache: every lookup misses) for a budget of 0. */
int rk_taxii_cache_new(struct rk_taxii_page_cache **out, size_t budget);
void rk_taxii_cache_free(struct rk_taxii_page_cache *pc);
/* The page kept under key, made under this store change mark and access generation, held
 * until rk_taxii_cache_release; NULL when there is none. */
const struct rk_taxii_cached_page *rk_taxii_cache_get(struct rk_taxii_page_cache *pc,
                                                      const char *key, size_t key_len,
                                                      int64_t mark, int64_t generation);
void rk_taxii_cache_release(struct rk_taxii_page_cache *pc, const struct rk_taxii_cached_page *p);
/* Keep a copy of page under key; mark and generation must have been read before the page. */
void rk_taxii_cache_put(struct rk_taxii_page_cache *pc, const char *key, size_t key_len,
                        int64_t mark, int64_t generation, const struct rk_taxii_cached_page *page);
void rk_taxii_cache_stats(struct rk_taxii_page_cache *pc, struct rk_taxii_cache_stats *out);

/* Who is asking, once authenticated. */
struct rk_taxii_who {
    struct rk_principal p;
    const struct rk_taxii_user *user; /* NULL when anonymous */
    const char *how;                  /* "anonymous", "basic", "bearer", "certificate" */
};

/* The state of one request, from the first byte to the completion callback. */
struct rk_taxii_conn {
    struct rk_taxii_server *srv;
    struct MHD_Connection *mhd;
    struct rk_arena *arena;
    char *uri; /* the raw request target */
    struct rk_taxii_request req;
    struct rk_err err;
    int started;         /* headers have been looked at */
    int responded;       /* a response is queued */
    int body_too_large;  /* the body went past max_content_length */
    int64_t started_us;
    struct rk_buf body;
    char addr[RK_TAXII_ADDR_MAX];
    struct rk_store *st;           /* checked out for the handler, NULL otherwise */
    int snapshot;                  /* a read snapshot is open on st (rk_taxii_snapshot_begin) */
    int one_snapshot;              /* identified in finish, in its answer's snapshot */
    struct rk_taxii_access *access; /* held for the request, NULL until authenticated */
    struct rk_taxii_who who;
    const struct rk_taxii_coll *coll; /* the collection of the route, once checked */
    int can_read, can_write;
    const char *allow;    /* Allow header of a 405 */
    unsigned retry_after; /* Retry-After of a 401 to a blocked address, 0: none */
    struct rk_audit_record audit; /* filled by handlers; queued on completion */
};

/* ---- responses (server_response.c) ---------------------------------------------------------- */

/* Queue a response with body (taken over: freed by MHD) and the TAXII Content-Type. */
int rk_taxii_respond(struct rk_taxii_conn *c, unsigned status, struct rk_buf *body,
                     const char *date_first, const char *date_last);
/* The same with a body the caller shares instead of giving: the response sends body in place
 * and calls release(cls) once it is done with it (also when it cannot be made). */
int rk_taxii_respond_shared(struct rk_taxii_conn *c, unsigned status, const char *body,
                            size_t len, void (*release)(void *cls), void *cls,
                            const char *date_first, const char *date_last);
/* Queue a TAXII error document with title, the description from fmt, and http_status. */
int rk_taxii_respond_error(struct rk_taxii_conn *c, unsigned status, const char *title,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Copy untrusted text for a log line: control characters, quotes and backslashes as \xNN. */
void rk_taxii_log_escape(const char *s, char *out, size_t cap);
/* The standard title of an HTTP status ("Not Found"). */
const char *rk_taxii_status_title(unsigned status);

/* ---- endpoints ------------------------------------------------------------------------------ */

/* server_info.c: discovery, API root, collections, collection, status */
int rk_taxii_get_discovery(struct rk_taxii_conn *c);
int rk_taxii_get_api_root(struct rk_taxii_conn *c);
int rk_taxii_get_collections(struct rk_taxii_conn *c);
int rk_taxii_get_collection(struct rk_taxii_conn *c);
int rk_taxii_get_status(struct rk_taxii_conn *c);

/* server_read.c: objects, object, versions, manifest; delete */
int rk_taxii_get_objects(struct rk_taxii_conn *c);
int rk_taxii_get_versions(struct rk_taxii_conn *c);
int rk_taxii_get_manifest(struct rk_taxii_conn *c);
int rk_taxii_delete_object(struct rk_taxii_conn *c);

/* server_add.c: Add Objects */
int rk_taxii_post_objects(struct rk_taxii_conn *c);

/* server_main.c */
/* The collection of the route, checked for existence and read (or write) rights: responds
 * 401/403/404 itself and returns non-zero when the request cannot go on. */
int rk_taxii_need_collection(struct rk_taxii_conn *c, int write);
/* A read snapshot on c->st (rk_store_read_begin) unless one is open already: a GET answered in
 * one pass opens it before its access rights are read, so they and its page share it. End
 * ends it if open (server_conn.c). */
int rk_taxii_snapshot_begin(struct rk_taxii_conn *c);
void rk_taxii_snapshot_end(struct rk_taxii_conn *c);
/* The rows the connection's user may read (server_read.c): a partner node's by what egress
 * may send it, anyone else's by the sharing table. Every read path and every answer that
 * could reveal a stored object (a conflict on Add Objects) uses it. */
void rk_taxii_reader_visibility(struct rk_taxii_conn *c, struct rk_store_visibility *vis);

#endif
