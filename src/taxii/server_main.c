/* server_main.c - the daemon: configuration checks, TLS (1.2 and 1.3 only, AEAD ciphers with
 * forward secrecy, optional client certificates), binding, the thread pool, start and stop. */
#include "taxii/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "renkei/log.h"
#include "util/alloc.h"

/* Memory for each connection's request line, headers and read buffer. libmicrohttpd zeroes all
 * of it for every request (2 % of a GET's CPU time at 64 KiB), so it is no larger than needed:
 * 16 KiB holds the longest URI renkei takes (RK_TAXII_URI_MAX, 8 KiB) and 7 KiB of other
 * headers (taxii_robust.py checks 6 KiB); bodies stream through it. */
#define CONNECTION_MEMORY (16 * 1024)

/* TLS 1.2 and 1.3 only; AEAD ciphers with (EC)DHE key exchange, which leaves out every suite
 * of the RFC 7540 appendix A list; no 0-RTT (GnuTLS servers never accept early data unless
 * asked to, and MHD does not ask). */
#define TLS_PRIORITIES                                                                             \
    "SECURE256:+SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:"          \
    "+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"    \
    "%SERVER_PRECEDENCE"

/* server_conn.c */
void *rk_taxii_conn_new(void *cls, const char *uri, struct MHD_Connection *con);
void rk_taxii_conn_done(void *cls, struct MHD_Connection *con, void **con_cls,
                        enum MHD_RequestTerminationCode toe);
enum MHD_Result rk_taxii_conn_handle(void *cls, struct MHD_Connection *con, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls);

void rk_taxii_config_init(struct rk_taxii_config *c)
{
    memset(c, 0, sizeof(*c));
    c->listen = "127.0.0.1";
    c->port = 8443;
    c->threads = 4;
    c->api_root = "api";
    c->max_content_length = 10u << 20;
    c->page_size = 100;
    c->max_page_size = 1000;
    c->max_response_bytes = 64u << 20;
    c->page_cache_bytes = (size_t)64 << 20;
    c->write_log_pages = RK_TAXII_WRITER_CHECKPOINT_PAGES;
    c->connection_timeout_s = 30;
    c->request_timeout_s = 120;
    c->max_connections = 1024;
    c->per_ip_connections = 128;
    c->auth_burst = 10;
    c->auth_refill_s = 6;
    c->status_keep_s = 7 * 24 * 3600;
}

int rk_taxii_is_loopback(const char *addr)
{
    struct in_addr v4;
    struct in6_addr v6;

    if (!addr)
        return 0;
    if (strcmp(addr, "localhost") == 0)
        return 1;
    if (inet_pton(AF_INET, addr, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, addr, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6) ||
               (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
    return 0;
}

/* ---- configuration ---- */

static int dup_field(char **own, const char **field, const char *def)
{
    const char *v = *field ? *field : def;

    *own = NULL;
    if (!v)
        return 0;
    if (!(*own = rk_strdup(v)))
        return RK_ENOMEM;
    *field = *own;
    return 0;
}

static int copy_config(struct rk_taxii_server *s, const struct rk_taxii_config *c)
{
    s->cfg = *c;
    if (dup_field(&s->data_dir, &s->cfg.data_dir, NULL) || dup_field(&s->listen, &s->cfg.listen,
                                                                     "127.0.0.1") ||
        dup_field(&s->cert_pem, &s->cfg.cert_pem, NULL) ||
        dup_field(&s->key_pem, &s->cfg.key_pem, NULL) ||
        dup_field(&s->client_ca_pem, &s->cfg.client_ca_pem, NULL) ||
        dup_field(&s->api_root, &s->cfg.api_root, "api") ||
        dup_field(&s->title, &s->cfg.title, "renkei") ||
        dup_field(&s->description, &s->cfg.description, NULL) ||
        dup_field(&s->contact, &s->cfg.contact, NULL))
        return RK_ENOMEM;
    if (s->cfg.threads == 0)
        s->cfg.threads = 1;
    if (s->cfg.page_size == 0)
        s->cfg.page_size = 100;
    if (s->cfg.max_page_size < s->cfg.page_size)
        s->cfg.max_page_size = s->cfg.page_size;
    if (s->cfg.max_response_bytes < (1u << 20))
        s->cfg.max_response_bytes = 1u << 20;
    return 0;
}

static int check_config(const struct rk_taxii_config *c, struct rk_err *err)
{
    if (!c->data_dir)
        return rk_err_set(err, RK_EINVAL, "no data directory given");
    if (!c->api_root || !rk_policy_name_ok(c->api_root) || strcmp(c->api_root, "taxii2") == 0)
        return rk_err_set(err, RK_EINVAL, "the API root name must be a plain name other than "
                                          "taxii2 (a-z, 0-9, . _ -)");
    if (c->insecure_http && !rk_taxii_is_loopback(c->listen) && !c->force_insecure_public)
        return rk_err_set(err, RK_EINVAL,
                          "plain HTTP is for loopback testing only: %s is not a loopback "
                          "address (TAXII requires HTTPS; force it with "
                          "--force-insecure-on-public-address)",
                          c->listen ? c->listen : "?");
    if (!c->insecure_http && (!c->cert_pem || !c->key_pem))
        return rk_err_set(err, RK_EINVAL, "HTTPS needs a certificate and a private key");
    if (c->max_content_length == 0)
        return rk_err_set(err, RK_EINVAL, "max_content_length must be positive");
    return 0;
}

/* ---- binding ---- */

union any_addr {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};

static int parse_listen(const char *listen, unsigned port, union any_addr *a, int *v6,
                        struct rk_err *err)
{
    memset(a, 0, sizeof(*a));
    *v6 = 0;
    if (strcmp(listen, "localhost") == 0)
        listen = "127.0.0.1";
    if (inet_pton(AF_INET, listen, &a->in.sin_addr) == 1) {
        a->in.sin_family = AF_INET;
        a->in.sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, listen, &a->in6.sin6_addr) == 1) {
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons((uint16_t)port);
        *v6 = 1;
        return 0;
    }
    return rk_err_set(err, RK_EINVAL, "'%s' is not an IPv4 or IPv6 address", listen);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    rk_log_info("http: %s", msg);
}

static int start_daemon(struct rk_taxii_server *s, struct rk_err *err)
{
    const struct rk_taxii_config *c = &s->cfg;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;
    union any_addr addr;
    int v6, rc;

    if ((rc = parse_listen(c->listen, c->port, &addr, &v6, err)) != 0)
        return rc;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (!c->insecure_http)
        flags |= MHD_USE_TLS;
    {
        struct MHD_OptionItem opts[] = {
                {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
                {MHD_OPTION_SOCK_ADDR, 0, &addr.sa},
                {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)c->threads, NULL},
                {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)c->connection_timeout_s, NULL},
                {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)c->max_connections, NULL},
                {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)c->per_ip_connections, NULL},
                {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)CONNECTION_MEMORY, NULL},
                {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)rk_taxii_conn_new, s},
                {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)rk_taxii_conn_done, s},
                {MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL},
                /* plain HTTP ends the list here, before the TLS options */
                {c->insecure_http ? MHD_OPTION_END : MHD_OPTION_HTTPS_MEM_KEY, 0,
                 (void *)c->key_pem},
                {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)c->cert_pem},
                {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
                /* asking for client certificates needs a trust list; without a client CA the
                 * server's own certificate serves (certificates are pinned by fingerprint) */
                {MHD_OPTION_HTTPS_MEM_TRUST, 0,
                 (void *)(c->client_ca_pem ? c->client_ca_pem : c->cert_pem)},
                {MHD_OPTION_END, 0, NULL},
        };

        s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, rk_taxii_conn_handle, s,
                                  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    }
    if (!s->mhd)
        return rk_err_set(err, RK_EIO,
                          "cannot serve on %s port %u (address in use, no permission, or "
                          "unusable TLS key and certificate)",
                          c->listen, c->port);
    info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : c->port;
    return 0;
}

/* ---- start and stop ---- */

/* The writer reads the id index now rather than in the middle of an Add Objects; without it
 * (out of memory) Add Objects still works, probing the index for every object. */
static int prepare_writer(struct rk_store *writer)
{
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_store_prepare_writes(writer, &err) != 0)
        rk_log_warn("the Add Objects writer is not prepared (%s); it will look each object up",
                    err.message);
    return 0;
}

static int prepare(struct rk_taxii_server *s, struct rk_err *err)
{
    struct rk_taxii_access *first = NULL;
    struct rk_store *st;
    int rc;

    if ((rc = rk_taxii_pool_init(&s->pool, s->cfg.data_dir, s->cfg.threads, err)) != 0 ||
        (rc = rk_store_open(&s->writer, s->cfg.data_dir, 0, err)) != 0 ||
        (rc = rk_store_map_all(s->writer, err)) != 0 ||
        (rc = rk_store_checkpoint_every(s->writer, s->cfg.write_log_pages, err)) != 0 ||
        (rc = prepare_writer(s->writer)) != 0 ||
        (rc = rk_taxii_checkpointer_start(&s->checkpointer, s->cfg.data_dir, err)) != 0)
        return rc;
    st = rk_taxii_pool_get(&s->pool);
    rc = rk_store_node_secret(st, "taxii.next", s->next_key, sizeof(s->next_key), err);
    if (rc == 0) /* load the access rights once now, so a broken store fails at start */
        rc = rk_taxii_access_acquire(s, st, &first, err);
    rk_taxii_pool_put(&s->pool, st);
    if (rc != 0)
        return rc;
    rk_taxii_access_release(s, first); /* s->access keeps the server's own reference */
    s->rl = rk_taxii_ratelimit_new(s->cfg.auth_burst, s->cfg.auth_refill_s, 4096);
    s->vcache = rk_taxii_vcache_new();
    if (!s->rl || !s->vcache || rk_taxii_cache_new(&s->pages, s->cfg.page_cache_bytes) != 0)
        return rk_err_set(err, RK_ENOMEM, "out of memory starting the server");
    return rk_taxii_audit_start(&s->audit, s->cfg.data_dir, &s->write_lock, err);
}

int rk_taxii_server_start(struct rk_taxii_server **out, const struct rk_taxii_config *c,
                          struct rk_err *err)
{
    struct rk_taxii_server *s = NULL;
    int rc;

    *out = NULL;
    if ((rc = check_config(c, err)) != 0)
        return rc;
    if (!(s = rk_calloc(1, sizeof(*s))))
        return rk_err_set(err, RK_ENOMEM, "out of memory starting the server");
    pthread_mutex_init(&s->access_lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    if ((rc = copy_config(s, c)) != 0) {
        rk_err_set(err, rc, "out of memory starting the server");
        goto fail;
    }
    if ((rc = prepare(s, err)) != 0 || (rc = start_daemon(s, err)) != 0)
        goto fail;
    rk_log_info("serving TAXII 2.1 address=%s port=%u transport=%s api_root=/%s/", s->cfg.listen,
                s->port, s->cfg.insecure_http ? "http" : "https", s->cfg.api_root);
    *out = s;
    return 0;
fail:
    rk_taxii_server_stop(s);
    return rc;
}

unsigned rk_taxii_server_port(const struct rk_taxii_server *s)
{
    return s ? s->port : 0;
}

void rk_taxii_server_stats(struct rk_taxii_server *s, struct rk_taxii_server_stats *out)
{
    struct rk_taxii_cache_stats cs;

    rk_taxii_cache_stats(s ? s->pages : NULL, &cs);
    memset(out, 0, sizeof(*out));
    out->page_hits = cs.hits;
    out->page_misses = cs.misses;
    out->page_bytes = cs.bytes;
    rk_taxii_checkpointer_stats(s ? s->checkpointer : NULL, &out->checkpoints,
                                &out->checkpoint_frames);
}

void rk_taxii_server_stop(struct rk_taxii_server *s)
{
    if (!s)
        return;
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    rk_taxii_audit_stop(s->audit);
    rk_taxii_checkpointer_stop(s->checkpointer);
    rk_taxii_ratelimit_free(s->rl);
    rk_taxii_vcache_free(s->vcache);
    rk_taxii_cache_free(s->pages);
    rk_taxii_access_free(s->access);
    if (s->pool.all)
        rk_taxii_pool_fini(&s->pool);
    if (s->writer)
        rk_store_close(s->writer);
    pthread_mutex_destroy(&s->access_lock);
    pthread_mutex_destroy(&s->write_lock);
    explicit_bzero(s->next_key, sizeof(s->next_key));
    if (s->key_pem)
        explicit_bzero(s->key_pem, strlen(s->key_pem));
    rk_free(s->data_dir);
    rk_free(s->listen);
    rk_free(s->cert_pem);
    rk_free(s->key_pem);
    rk_free(s->client_ca_pem);
    rk_free(s->api_root);
    rk_free(s->title);
    rk_free(s->description);
    rk_free(s->contact);
    rk_free(s);
}
