/* taxii.h - the TAXII 2.1 server: serves the node's store to partner CSIRTs and their tools and
 * accepts their submissions, with every read filtered by src/policy.
 *
 *     struct rk_taxii_config cfg;
 *     struct rk_taxii_server *srv;
 *     rk_taxii_config_init(&cfg);
 *     cfg.data_dir = "var"; cfg.cert_pem = ...; cfg.key_pem = ...;
 *     rk_taxii_server_start(&srv, &cfg, &err);   (serves on its own threads)
 *     ... wait for a signal ...
 *     rk_taxii_server_stop(srv);
 */
#ifndef RENKEI_TAXII_H
#define RENKEI_TAXII_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"

struct rk_taxii_server;

struct rk_taxii_config {
    const char *data_dir;  /* the node's data directory; each server thread opens the store */
    const char *listen;    /* IPv4 or IPv6 address to bind (default "127.0.0.1") */
    unsigned port;         /* TCP port; 0 picks a free one (see rk_taxii_server_port) */
    unsigned threads;      /* request threads, each with its own store handle (default 4) */
    /* Transport: HTTPS unless insecure_http is set, which is refused on an address that is not
     * loopback unless force_insecure_public is also set. */
    int insecure_http;
    int force_insecure_public;
    const char *cert_pem; /* server certificate chain (PEM text) */
    const char *key_pem;  /* its private key (PEM text) */
    const char *client_ca_pem; /* when set, client certificates must also verify against it */
    /* Resources */
    const char *api_root; /* the API root's path segment (default "api") */
    const char *title;    /* discovery and API root title (default: the node's name) */
    const char *description;
    const char *contact;
    size_t max_content_length;  /* largest request body (default 10 MiB); 413 above */
    unsigned page_size;         /* objects per page without a client limit (default 100) */
    unsigned max_page_size;     /* largest page whatever the client asks (default 1000) */
    size_t max_response_bytes;  /* a page stops early (more: true) past this (default 64 MiB) */
    size_t page_cache_bytes;    /* pages kept for clients asking again (default 64 MiB; 0: off) */
    int write_log_pages;        /* Add Objects' log (WAL) pages before its writer checkpoints
                                   (default 16384: 128 MiB; setting taxii.write_log) */
    /* Robustness */
    unsigned connection_timeout_s; /* idle or stalled connections close (default 30) */
    unsigned request_timeout_s;    /* a request body must arrive within this (default 120) */
    unsigned max_connections;      /* default 1024 */
    unsigned per_ip_connections;   /* default 128; 0: no limit */
    unsigned auth_burst;           /* failed authentications allowed at once per address (10) */
    unsigned auth_refill_s;        /* then one more per this many seconds (6) */
    unsigned status_keep_s;        /* keep status resources this long (default 7 days) */
    int reject_stix20;             /* refuse STIX 2.0 objects instead of upgrading them */
};

/* Fill in the defaults. */
void rk_taxii_config_init(struct rk_taxii_config *c);

/* 1 when addr (text) is a loopback address: 127.0.0.0/8, ::1, or "localhost". */
int rk_taxii_is_loopback(const char *addr);

/* Start serving. Checks the configuration (RK_EINVAL with the reason: plain HTTP on a public
 * address, missing TLS credentials, a bad address), opens the store (RK_ENOTFOUND without a
 * node), loads the TLS credentials (RK_EFORMAT) and binds (RK_EIO, e.g. port in use). The
 * configuration's strings are copied. */
int rk_taxii_server_start(struct rk_taxii_server **out, const struct rk_taxii_config *c,
                          struct rk_err *err);
/* The TCP port the server listens on. */
unsigned rk_taxii_server_port(const struct rk_taxii_server *s);

/* What the page cache and the checkpoint thread did since the server started. */
struct rk_taxii_server_stats {
    uint64_t page_hits, page_misses; /* read responses answered from the cache, and not */
    size_t page_bytes;               /* memory the cache holds now */
    uint64_t checkpoints;            /* background checkpoints run */
    uint64_t checkpoint_frames;      /* log frames they copied into the database */
};
void rk_taxii_server_stats(struct rk_taxii_server *s, struct rk_taxii_server_stats *out);
/* Stop accepting, finish requests in flight, flush the audit log and free. Accepts NULL. */
void rk_taxii_server_stop(struct rk_taxii_server *s);

/* ---- TLS credentials ----------------------------------------------------------------------- */

/* Create an ECDSA P-256 key and a self-signed certificate for common name cn (and the DNS and
 * IP names in sans, comma-separated, may be NULL), valid for `days`, written as PEM to key_path
 * (mode 0600) and cert_path. The certificate's SHA-256 fingerprint goes to fingerprint (65
 * bytes, lower-case hex). RK_EEXISTS when a file exists, RK_EIO. */
int rk_taxii_tls_create_self_signed(const char *key_path, const char *cert_path, const char *cn,
                                    const char *sans, unsigned days, char *fingerprint,
                                    struct rk_err *err);
/* The SHA-256 fingerprint of the first certificate of a PEM file, as "AB:CD:..." (96 bytes). */
int rk_taxii_tls_fingerprint(const char *cert_path, char *out, size_t cap, struct rk_err *err);

#endif
