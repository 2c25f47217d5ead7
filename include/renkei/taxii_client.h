/* taxii_client.h - a TAXII 2.1 client (libcurl) for federation: discovery, API roots,
 * collections, paged reads of objects and manifests, Add Objects with status polling.
 *
 * Works with any TAXII 2.1 server, not only renkei: collection ids are opaque strings, pages
 * follow `next` when the server gives one and added_after = X-TAXII-Date-Added-Last otherwise
 * (section 3.6). Everything a server sends is untrusted: each response is capped, parsed
 * strictly, and a malformed one is an error that names what was wrong.
 *
 *     struct rk_taxii_client_config cfg;
 *     rk_taxii_client_config_init(&cfg);
 *     cfg.url = "https://partner:8443/taxii2/"; cfg.bearer = token; cfg.fingerprint = "AB:CD..";
 *     rk_taxii_client_new(&c, &cfg, &err);
 *     rk_taxii_client_get_objects(c, "collection-id", &get, &page, &err);
 *     rk_taxii_client_free(c);
 *
 * A client is used by one thread at a time. rk_taxii_client_global_init() must have run once
 * before any thread makes one (rk_taxii_client_new calls it too; a program with threads calls
 * it first).
 */
#ifndef RENKEI_TAXII_CLIENT_H
#define RENKEI_TAXII_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"

#define RK_TAXII_URL_MAX     1024
#define RK_TAXII_TITLE_MAX   256
#define RK_TAXII_DESC_MAX    1024
#define RK_TAXII_ID_MAX      256  /* a collection id, status id or object id */
#define RK_TAXII_NEXT_MAX    1024 /* a paging token */
#define RK_TAXII_TS_MAX      64   /* a timestamp as received */
#define RK_TAXII_ROOTS_MAX   32   /* API roots kept from discovery */
#define RK_TAXII_DETAILS_MAX 100000 /* status details kept from one status resource */

/* Initialise libcurl once per process (thread-safe; later calls do nothing). */
void rk_taxii_client_global_init(void);

struct rk_taxii_client_config {
    const char *url;      /* the discovery URL (https://host:port/taxii2/) */
    const char *api_root; /* API root URL, absolute or relative to url; NULL or "": discovery's
                             default (or its only API root) */
    /* credentials: HTTP Basic, or a Bearer token, or neither; client certificates for mutual
     * TLS may come with either */
    const char *user;
    const char *password;
    const char *bearer;
    const char *client_cert; /* PEM file */
    const char *client_key;  /* PEM file */
    /* whom to trust: the system's CAs unless ca_file or fingerprint is given */
    const char *ca_file;     /* trust only the CAs in this PEM file (host name checked) */
    const char *fingerprint; /* pin the server certificate: SHA-256 of its DER, hex with or
                                without ':'; checked after the handshake and before any byte of
                                a request is sent. Alone, it replaces the chain check. */
    int allow_http;          /* permit plain http:// URLs */
    /* limits */
    unsigned connect_timeout_s; /* default 10 */
    unsigned timeout_s;         /* one request, all of it (default 60) */
    unsigned retries;           /* further attempts after a transient failure (default 4) */
    unsigned backoff_ms;        /* first delay (default 500), doubling, with full jitter */
    unsigned backoff_max_ms;    /* largest delay, also for Retry-After (default 30 s) */
    size_t max_response_bytes;  /* larger responses are refused (default 256 MiB) */
    size_t max_content_length;  /* largest body sent when the API root gives no smaller one
                                   (default 10 MiB) */
    const char *user_agent;     /* default "renkei/<version>" */
    /* polled during transfers and waits; non-zero stops the client (RK_EIO, "stopped") */
    int (*cancelled)(void *ctx);
    void *cancel_ctx;
};

/* Fill in the defaults. */
void rk_taxii_client_config_init(struct rk_taxii_client_config *c);

struct rk_taxii_client;

/* Make a client; checks the configuration (RK_EINVAL: a URL that is not http(s), http without
 * allow_http, a malformed fingerprint, Basic without a password, both Basic and Bearer) and
 * copies its strings. Nothing is sent until the first call. */
int rk_taxii_client_new(struct rk_taxii_client **out, const struct rk_taxii_client_config *cfg,
                        struct rk_err *err);
void rk_taxii_client_free(struct rk_taxii_client *c);

/* What the last request did: HTTP status (0 when there was no answer) and attempts made. */
struct rk_taxii_client_stats {
    int last_status;
    unsigned last_attempts;
    uint64_t requests;       /* HTTP requests sent, retries included */
    uint64_t bytes_received; /* response bodies */
    uint64_t bytes_sent;     /* request bodies */
};
void rk_taxii_client_stats(const struct rk_taxii_client *c, struct rk_taxii_client_stats *out);

/* ---- server information -------------------------------------------------------------------- */

struct rk_taxii_discovery {
    char title[RK_TAXII_TITLE_MAX];
    char default_root[RK_TAXII_URL_MAX]; /* resolved against the discovery URL; "" when none */
    char api_roots[RK_TAXII_ROOTS_MAX][RK_TAXII_URL_MAX];
    size_t n_api_roots;
};

struct rk_taxii_api_root {
    char url[RK_TAXII_URL_MAX]; /* the API root in use, resolved */
    char title[RK_TAXII_TITLE_MAX];
    int taxii21;                /* versions lists application/taxii+json;version=2.1 */
    uint64_t max_content_length;
};

struct rk_taxii_collection_info {
    char id[RK_TAXII_ID_MAX];
    char title[RK_TAXII_TITLE_MAX];
    char description[RK_TAXII_DESC_MAX];
    char alias[RK_TAXII_TITLE_MAX];
    int can_read;
    int can_write;
};

/* GET the discovery resource. */
int rk_taxii_client_discovery(struct rk_taxii_client *c, struct rk_taxii_discovery *out,
                              struct rk_err *err);
/* GET the API root information (resolving the API root through discovery when needed; the
 * result is remembered and used for the collection endpoints). */
int rk_taxii_client_api_root(struct rk_taxii_client *c, struct rk_taxii_api_root *out,
                             struct rk_err *err);
/* GET the collections; fn is called for each (none when the server has none). */
int rk_taxii_client_collections(struct rk_taxii_client *c,
                                int (*fn)(const struct rk_taxii_collection_info *ci, void *ctx),
                                void *ctx, struct rk_err *err);

/* ---- reading objects ----------------------------------------------------------------------- */

/* The filters of one page request (section 3.4). */
struct rk_taxii_get {
    const char *added_after; /* a timestamp as the server gave it; NULL: from the start */
    const char *next;        /* a paging token from the previous page; NULL: none */
    unsigned limit;          /* 0: the server's page size */
    int all_versions;        /* match[version]=all (otherwise the server's default: last) */
    const char *const *types; /* match[type] */
    size_t n_types;
};

/* One page of a collection: the response body, its envelope checked, with where the objects
 * list is, and the paging information. */
struct rk_taxii_page {
    char *body;     /* the response (NUL-terminated; owned) */
    size_t body_len;
    size_t objects_at, objects_len; /* the "objects" list within body (0, 0 when absent) */
    size_t n_objects;
    int more;
    char next[RK_TAXII_NEXT_MAX];        /* "" when none */
    char date_first[RK_TAXII_TS_MAX];    /* X-TAXII-Date-Added-First, "" when absent */
    char date_last[RK_TAXII_TS_MAX];     /* X-TAXII-Date-Added-Last, "" when absent */
};
void rk_taxii_page_free(struct rk_taxii_page *p);

/* GET {api-root}/collections/{id}/objects/ with q. Fills out (free it with rk_taxii_page_free,
 * also after a failure). */
int rk_taxii_client_get_objects(struct rk_taxii_client *c, const char *collection,
                                const struct rk_taxii_get *q, struct rk_taxii_page *out,
                                struct rk_err *err);

/* One manifest record. */
struct rk_taxii_manifest_record {
    const char *id;
    const char *date_added;
    const char *version;
    const char *media_type; /* "" when absent */
};

/* GET {api-root}/collections/{id}/manifest/ with q: fn for each record, then *more and next
 * (RK_TAXII_NEXT_MAX bytes; may be NULL) and X-TAXII-Date-Added-Last (RK_TAXII_TS_MAX). */
int rk_taxii_client_get_manifest(struct rk_taxii_client *c, const char *collection,
                                 const struct rk_taxii_get *q,
                                 int (*fn)(const struct rk_taxii_manifest_record *r, void *ctx),
                                 void *ctx, int *more, char *next, char *date_last,
                                 struct rk_err *err);

/* ---- adding objects ------------------------------------------------------------------------ */

/* A status-details entry of a status resource. */
struct rk_taxii_status_detail {
    char *id;
    char *version;
    char *message; /* "" when none */
};

/* A status resource (section 4.3.1). */
struct rk_taxii_status {
    char id[RK_TAXII_ID_MAX];
    int complete; /* status "complete" (else "pending") */
    uint64_t total, success, failure, pending;
    struct rk_taxii_status_detail *failures; /* up to RK_TAXII_DETAILS_MAX */
    size_t n_failures;
};
void rk_taxii_status_free(struct rk_taxii_status *s);

/* An envelope being filled for Add Objects, never larger than max bytes. */
struct rk_taxii_envelope {
    char *buf;
    size_t len, cap, max;
    size_t count;
};
void rk_taxii_envelope_init(struct rk_taxii_envelope *e, size_t max);
/* Append one object's JSON. RK_ELIMIT when it does not fit beside what is there (send, reset,
 * add again); RK_EINVAL when it would not fit even alone; RK_ENOMEM. */
int rk_taxii_envelope_add(struct rk_taxii_envelope *e, const char *json, size_t len);
/* The finished body ({"objects":[...]}); borrowed until the next add or reset. */
const char *rk_taxii_envelope_body(struct rk_taxii_envelope *e, size_t *len_out);
void rk_taxii_envelope_reset(struct rk_taxii_envelope *e);
void rk_taxii_envelope_free(struct rk_taxii_envelope *e);

/* POST an envelope to {api-root}/collections/{id}/objects/; the status resource the server
 * answers with (202) into out (free it with rk_taxii_status_free). RK_ELIMIT when the server
 * says it is too large (413). */
int rk_taxii_client_add_objects(struct rk_taxii_client *c, const char *collection,
                                const char *body, size_t len, struct rk_taxii_status *out,
                                struct rk_err *err);
/* GET {api-root}/status/{id}/ into out (replacing what it held). */
int rk_taxii_client_get_status(struct rk_taxii_client *c, const char *id,
                               struct rk_taxii_status *out, struct rk_err *err);
/* Poll the status until it is complete or wait_s seconds pass (backing off between polls);
 * out is updated in place. 0 also when still pending at the deadline (out->complete says). */
int rk_taxii_client_wait_status(struct rk_taxii_client *c, struct rk_taxii_status *s,
                                unsigned wait_s, struct rk_err *err);

/* ---- parsers (pure; exposed for tests and fuzzing) ----------------------------------------- */

/* Parse a response body of each kind. RK_EFORMAT with what is wrong and where. Discovery
 * URLs are returned as written (not resolved). */
int rk_taxii_parse_discovery(const char *p, size_t len, struct rk_taxii_discovery *out,
                             struct rk_err *err);
int rk_taxii_parse_api_root(const char *p, size_t len, struct rk_taxii_api_root *out,
                            struct rk_err *err);
int rk_taxii_parse_collections(const char *p, size_t len,
                               int (*fn)(const struct rk_taxii_collection_info *ci, void *ctx),
                               void *ctx, struct rk_err *err);
/* The envelope of a page: objects_at/len, n_objects, more and next of out (body untouched). */
int rk_taxii_parse_envelope(const char *p, size_t len, struct rk_taxii_page *out,
                            struct rk_err *err);
int rk_taxii_parse_status(const char *p, size_t len, struct rk_taxii_status *out,
                          struct rk_err *err);
int rk_taxii_parse_manifest(const char *p, size_t len,
                            int (*fn)(const struct rk_taxii_manifest_record *r, void *ctx),
                            void *ctx, int *more, char *next, struct rk_err *err);

#endif
