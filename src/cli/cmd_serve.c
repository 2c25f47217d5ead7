/* cmd_serve.c - `renkei serve`: run the TAXII 2.1 server until SIGINT or SIGTERM. */
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/sync.h"
#include "renkei/taxii.h"
#include "util/buf.h"
#include "util/strparse.h"

#define PEM_MAX (1 << 20)

struct serve_opts {
    struct rk_taxii_config cfg;
    const char *cert, *key, *client_ca;
    char cert_default[4096], key_default[4096];
    char title[256];
    int no_sync;
};

static void serve_usage(void)
{
    printf("usage: renkei serve [OPTIONS]\n\n"
           "Serve the node's store over TAXII 2.1 (discovery at /taxii2/, one API root) until\n"
           "interrupted. HTTPS with TLS 1.2 or 1.3; the key and certificate 'renkei init' made\n"
           "in DATA/tls/ are used unless --cert and --key name others. Clients authenticate\n"
           "with HTTP Basic, a Bearer token (see 'renkei user') or a registered client\n"
           "certificate; without credentials they see only public collections.\n\n"
           "Options (defaults from the settings file, see 'renkei config check'):\n"
           "  --listen ADDR          IPv4 or IPv6 address to listen on (taxii.listen)\n"
           "  --port N               TCP port, 0 for any free one (taxii.port)\n"
           "  --threads N            request threads (taxii.threads)\n"
           "  --cert FILE, --key FILE  TLS certificate chain and private key (PEM)\n"
           "  --client-ca FILE       also require client certificates to verify against\n"
           "                         this CA (PEM); registered fingerprints are always checked\n"
           "  --api-root NAME        the API root's path (default: api)\n"
           "  --title TEXT           title shown by discovery (default: the node's name)\n"
           "  --insecure-http        plain HTTP, for tests on a loopback address only\n"
           "  --no-sync              do not sync with partners in the background (by default\n"
           "                         every partner that is not paused syncs at its interval,\n"
           "                         see 'renkei partner' and 'renkei sync')\n"
           "  --force-insecure-on-public-address   allow --insecure-http elsewhere (unsafe)\n\n"
           "On start it prints the URL (and the port, when --port 0 chose one).\n"
           "Exit status: 0 stopped by a signal, 2 usage, 3 could not start.\n");
}

static int parse_number(const char *opt, const char *v, uint64_t max, unsigned *out)
{
    uint64_t n;

    if (rk_parse_uint(v, max, &n) != 0)
        return cli_usage_error("serve", "%s takes a number up to %llu", opt,
                               (unsigned long long)max);
    *out = (unsigned)n;
    return 0;
}

static int parse_serve_args(struct serve_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"listen", required_argument, NULL, 'l'},    {"port", required_argument, NULL, 'p'},
            {"threads", required_argument, NULL, 't'},   {"cert", required_argument, NULL, 'c'},
            {"key", required_argument, NULL, 'k'},       {"client-ca", required_argument, NULL, 'a'},
            {"api-root", required_argument, NULL, 'r'},  {"title", required_argument, NULL, 'T'},
            {"insecure-http", no_argument, NULL, 'i'},
            {"force-insecure-on-public-address", no_argument, NULL, 'F'},
            {"no-sync", no_argument, NULL, 'N'},
            {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': o->cfg.listen = optarg; break;
        case 'p':
            if (parse_number("--port", optarg, 65535, &o->cfg.port))
                return -1;
            break;
        case 't':
            if (parse_number("--threads", optarg, 256, &o->cfg.threads) || o->cfg.threads == 0)
                return o->cfg.threads ? -1 : cli_usage_error("serve", "--threads is at least 1");
            break;
        case 'c': o->cert = optarg; break;
        case 'k': o->key = optarg; break;
        case 'a': o->client_ca = optarg; break;
        case 'r': o->cfg.api_root = optarg; break;
        case 'T': o->cfg.title = optarg; break;
        case 'i': o->cfg.insecure_http = 1; break;
        case 'F': o->cfg.force_insecure_public = 1; break;
        case 'N': o->no_sync = 1; break;
        default: return cli_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (!!o->cert != !!o->key)
        return cli_usage_error("serve", "--cert and --key go together");
    return 0;
}

/* Settings file values first; the command line overrides them. */
static void apply_settings(struct serve_opts *o, const struct rk_cli *cli)
{
    const struct rk_settings *s = &cli->settings;

    rk_taxii_config_init(&o->cfg);
    o->cfg.data_dir = cli->data_dir;
    o->cfg.listen = s->taxii_listen[0] ? s->taxii_listen : "127.0.0.1";
    o->cfg.port = (unsigned)s->taxii_port;
    o->cfg.threads = (unsigned)s->taxii_threads;
    o->cfg.max_content_length = (size_t)s->taxii_max_content_length;
    o->cfg.page_size = (unsigned)s->taxii_page_size;
    o->cfg.max_page_size = (unsigned)s->taxii_max_page_size;
    o->cfg.page_cache_bytes = (size_t)s->taxii_page_cache;
    o->cfg.write_log_pages = (int)(s->taxii_write_log / 8192); /* the store's page size */
    o->cfg.connection_timeout_s = (unsigned)s->taxii_connection_timeout;
    o->cfg.reject_stix20 = s->reject_stix20;
    o->cfg.max_connections = (unsigned)s->taxii_max_connections;
    o->cfg.per_ip_connections = (unsigned)s->taxii_per_ip_connections;
}

static int read_pem(const char *path, char **out, struct rk_err *err)
{
    struct rk_buf b;
    size_t len;
    int rc;

    rk_buf_init(&b, PEM_MAX);
    if ((rc = rk_buf_read_file(&b, path, err)) == 0 && !(*out = rk_buf_detach(&b, &len)))
        rc = rk_err_set(err, RK_ENOMEM, "out of memory reading %s", path);
    rk_buf_free(&b);
    return rc;
}

/* Load the TLS files named (or the node's own in DATA/tls/). */
static int load_tls(struct rk_cli *cli, struct serve_opts *o, char **cert, char **key,
                    char **ca)
{
    struct rk_err err;

    *cert = *key = *ca = NULL;
    if (o->cfg.insecure_http)
        return 0;
    snprintf(o->cert_default, sizeof(o->cert_default), "%s/tls/cert.pem", cli->data_dir);
    snprintf(o->key_default, sizeof(o->key_default), "%s/tls/key.pem", cli->data_dir);
    if (!o->cert) {
        o->cert = o->cert_default;
        o->key = o->key_default;
    }
    rk_err_clear(&err);
    if (read_pem(o->cert, cert, &err) != 0 || read_pem(o->key, key, &err) != 0 ||
        (o->client_ca && read_pem(o->client_ca, ca, &err) != 0)) {
        cli_error("cannot read the TLS credentials: %s", err.message);
        cli_error("'renkei init' makes them; or pass --cert and --key (or --insecure-http on "
                  "a loopback address, for tests)");
        return -1;
    }
    o->cfg.cert_pem = *cert;
    o->cfg.key_pem = *key;
    o->cfg.client_ca_pem = *ca;
    return 0;
}

static void node_title(struct rk_cli *cli, struct serve_opts *o)
{
    struct rk_store *st = NULL;

    if (o->cfg.title || rk_store_open(&st, cli->data_dir, RK_STORE_READONLY, NULL) != 0)
        return;
    if (rk_store_setting_get(st, "node.name", o->title, sizeof(o->title), NULL) == 0)
        o->cfg.title = o->title;
    rk_store_close(st);
}

static void announce(struct rk_cli *cli, const struct serve_opts *o, unsigned port)
{
    char fp[128] = "";
    int v6 = strchr(o->cfg.listen, ':') != NULL;

    printf("renkei: serving TAXII 2.1 at %s://%s%s%s:%u/taxii2/ (API root /%s/)\n",
           o->cfg.insecure_http ? "http" : "https", v6 ? "[" : "", o->cfg.listen, v6 ? "]" : "",
           port, o->cfg.api_root);
    if (!o->cfg.insecure_http && rk_taxii_tls_fingerprint(o->cert, fp, sizeof(fp), NULL) == 0)
        printf("renkei: certificate SHA-256 fingerprint %s\n", fp);
    if (o->cfg.insecure_http)
        printf("renkei: plain HTTP (no TLS): for loopback testing only\n");
    (void)cli;
    fflush(stdout);
}

int cmd_serve(struct rk_cli *cli, int argc, char **argv)
{
    struct serve_opts o;
    struct rk_taxii_server *srv = NULL;
    struct rk_sync_daemon *sync = NULL;
    char *cert = NULL, *key = NULL, *ca = NULL;
    sigset_t stop;
    struct rk_taxii_server_stats stats;
    struct rk_err err;
    int sig = 0, rc;

    if (cli_wants_help(argc, argv)) {
        serve_usage();
        return RK_EXIT_OK;
    }
    memset(&o, 0, sizeof(o));
    apply_settings(&o, cli);
    if (parse_serve_args(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if (load_tls(cli, &o, &cert, &key, &ca) != 0)
        return RK_EXIT_ERROR;
    node_title(cli, &o);
    /* the server's threads inherit this mask; this thread waits for the signals below */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    cli_keep_freed_memory();
    rk_err_clear(&err);
    rc = rk_taxii_server_start(&srv, &o.cfg, &err);
    if (key)
        explicit_bzero(key, strlen(key));
    free(cert);
    free(key);
    free(ca);
    if (rc == RK_EINVAL) {
        cli_error("%s", err.message);
        return RK_EXIT_USAGE;
    }
    if (rc != 0)
        return cli_fail("cannot start the TAXII server", rc, &err);
    announce(cli, &o, rk_taxii_server_port(srv));
    if (!o.no_sync && rk_sync_daemon_start(&sync, cli->data_dir, &err) != 0)
        cli_error("warning: background sync did not start: %s", err.message);
    sigwait(&stop, &sig);
    rk_sync_daemon_stop(sync);
    rk_taxii_server_stats(srv, &stats);
    if (!cli->quiet)
        fprintf(stderr,
                "renkei: stopping (signal %d); page cache: %llu hits, %llu misses, %.1f MiB; "
                "background checkpoints: %llu, %llu log pages copied\n",
                sig, (unsigned long long)stats.page_hits, (unsigned long long)stats.page_misses,
                stats.page_bytes / 1048576.0, (unsigned long long)stats.checkpoints,
                (unsigned long long)stats.checkpoint_frames);
    rk_taxii_server_stop(srv);
    return RK_EXIT_OK;
}
