/* cmd_init.c - `renkei init`: create a node (data directory, store, default collection). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "renkei/stix.h"
#include "renkei/store_access.h"
#include "renkei/taxii.h"
#include "util/rktime.h"

struct init_opts {
    const char *name;
    const char *org;
    const char *default_tlp;
    const char *tls_san; /* extra DNS names / addresses for the certificate */
    int no_tls;
};

static void init_usage(void)
{
    printf("usage: renkei [--data DIR] init [OPTIONS]\n\n"
           "Create a renkei node in the data directory: the store, a collection with the alias\n"
           "\"default\", and a STIX identity object for the node (the creator of the objects it\n"
           "makes, such as sightings). Refuses to touch an existing node.\n\n"
           "Options:\n"
           "  --name NAME          the node's name (default: the host name)\n"
           "  --org ORG            the organisation that runs the node (default: \"local\")\n"
           "  --default-tlp LEVEL  TLP for objects without a TLP marking: clear, green, amber\n"
           "                       (default), amber+strict or red\n"
           "  --tls-san NAMES      host names and addresses (comma-separated) the TLS\n"
           "                       certificate is also valid for, besides localhost, 127.0.0.1\n"
           "                       and ::1\n"
           "  --no-tls             make no TLS key and certificate (bring your own to\n"
           "                       'renkei serve --cert --key')\n\n"
           "The TAXII server's key (ECDSA P-256) and a self-signed certificate are written to\n"
           "DATA/tls/key.pem and DATA/tls/cert.pem; the certificate's SHA-256 fingerprint is\n"
           "printed so partners can pin it. The organisation ORG is registered for\n"
           "'renkei user add --org ORG'.\n");
}

static int parse_init_args(struct init_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"org", required_argument, NULL, 'o'},
                                         {"default-tlp", required_argument, NULL, 't'},
                                         {"tls-san", required_argument, NULL, 's'},
                                         {"no-tls", no_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    enum rk_tlp tlp;
    int c;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': o->name = optarg; break;
        case 'o': o->org = optarg; break;
        case 't':
            if (rk_tlp_parse(optarg, &tlp) != 0 || tlp == RK_TLP_NONE)
                return cli_usage_error("init", "--default-tlp: unknown TLP level '%s'", optarg);
            o->default_tlp = rk_tlp_name(tlp);
            break;
        case 's': o->tls_san = optarg; break;
        case 'N': o->no_tls = 1; break;
        case 'h': init_usage(); exit(RK_EXIT_OK);
        default: return cli_usage_error("init", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("init", "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* The node's own identity SDO, stored in the default collection. */
static int store_identity(struct rk_store *st, const char *name, char *id_out, size_t cap,
                          struct rk_err *err)
{
    struct rk_provenance prov = {.kind = "local", .source = "renkei init"};
    struct rk_stix_object *o = NULL;
    struct rk_store_batch *b = NULL;
    struct rk_store_object so;
    char now[RK_TIME_STR_MAX];
    json_t *j;
    int rc;

    if ((rc = rk_stix_id_new(id_out, cap, "identity")) != 0)
        return rk_err_set(err, rc, "cannot make an identity id");
    rk_time_format_us(rk_time_now_us() / 1000 * 1000, now, sizeof(now));
    j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "identity", "spec_version", "2.1",
                  "id", id_out, "created", now, "modified", now, "name", name, "identity_class",
                  "organization", "description", "A renkei threat-information sharing node");
    if ((rc = rk_stix_object_from_json_take(&o, j, NULL, NULL, err)) != 0)
        return rc;
    rk_store_object_from_stix(&so, o);
    if ((rc = rk_store_batch_begin(&b, st, "default", &prov, err)) == 0 &&
        (rc = rk_store_batch_put(b, &so, NULL, NULL, err)) == 0) {
        rc = rk_store_batch_commit(b, err);
        b = NULL;
    }
    rk_store_batch_abort(b);
    rk_stix_object_free(o);
    return rc;
}

static int create_node(struct rk_store *st, const struct init_opts *o, struct rk_err *err)
{
    struct rk_collection c;
    char identity[128];
    int rc;

    memset(&c, 0, sizeof(c));
    snprintf(c.alias, sizeof(c.alias), "default");
    snprintf(c.title, sizeof(c.title), "Default collection");
    snprintf(c.description, sizeof(c.description),
             "Objects imported without a collection named");
    if ((rc = rk_store_setting_set(st, "node.name", o->name, err)) != 0 ||
        (rc = rk_store_setting_set(st, "node.org", o->org, err)) != 0 ||
        (rc = rk_store_setting_set(st, "node.default_tlp", o->default_tlp, err)) != 0 ||
        (rc = rk_store_collection_add(st, &c, err)) != 0 ||
        (rc = store_identity(st, o->name, identity, sizeof(identity), err)) != 0 ||
        (rc = rk_store_setting_set(st, "node.identity", identity, err)) != 0 ||
        (rc = rk_store_org_add(st, o->org, "", err)) != 0)
        return rc;
    printf("created node '%s' (organisation %s, default TLP %s) in %s\n", o->name, o->org,
           o->default_tlp, "the data directory");
    printf("  default collection %s, node identity %s\n", c.id, identity);
    return 0;
}

/* The TAXII server's key and self-signed certificate in DATA/tls/. */
static int make_tls(const struct rk_cli *cli, const struct init_opts *o, struct rk_err *err)
{
    char dir[4096], key[4200], cert[4200], fp[RK_FINGERPRINT_HEX_LEN + 1], sans[1024];
    int rc;

    snprintf(dir, sizeof(dir), "%s/tls", cli->data_dir);
    snprintf(key, sizeof(key), "%s/key.pem", dir);
    snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
    snprintf(sans, sizeof(sans), "localhost,127.0.0.1,::1%s%s", o->tls_san ? "," : "",
             o->tls_san ? o->tls_san : "");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return rk_err_set(err, RK_EIO, "%s: %s", dir, strerror(errno));
    if ((rc = rk_taxii_tls_create_self_signed(key, cert, o->name, sans, 825, fp, err)) != 0)
        return rc;
    printf("  TLS key and self-signed certificate in %s/tls/ (for %s)\n", cli->data_dir, sans);
    printf("  certificate SHA-256 fingerprint ");
    for (int i = 0; i < RK_FINGERPRINT_HEX_LEN; i += 2)
        printf("%c%c%s", toupper((unsigned char)fp[i]), toupper((unsigned char)fp[i + 1]),
               i + 2 < RK_FINGERPRINT_HEX_LEN ? ":" : "\n");
    return 0;
}

int cmd_init(struct rk_cli *cli, int argc, char **argv)
{
    struct init_opts o = {.org = "local", .default_tlp = "amber"};
    struct rk_store *st = NULL;
    char host[256] = "renkei", existing[256];
    struct rk_err err;
    int status, rc;

    if (parse_init_args(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if (!o.name && gethostname(host, sizeof(host) - 1) == 0)
        host[sizeof(host) - 1] = '\0';
    if (!o.name)
        o.name = host;
    if ((status = cli_open_store(cli, 1, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    if (rk_store_setting_get(st, "node.name", existing, sizeof(existing), NULL) == 0) {
        cli_error("'%s' already holds node '%s'; use another --data directory", cli->data_dir,
                  existing);
        rk_store_close(st);
        return RK_EXIT_FAIL;
    }
    rc = create_node(st, &o, &err);
    rk_store_close(st);
    if (rc == 0 && !o.no_tls)
        rc = make_tls(cli, &o, &err);
    return rc ? cli_fail("init failed", rc, &err) : RK_EXIT_OK;
}
