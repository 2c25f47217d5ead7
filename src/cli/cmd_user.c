/* cmd_user.c - `renkei user`: the people and partner nodes that use the TAXII API, their roles
 * and credentials (a server-generated secret, shown once; client certificates). */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/store_access.h"
#include "renkei/taxii.h"
#include "util/rktime.h"

struct user_opts {
    const char *org;
    const char *role;
    const char *fingerprint;
    const char *cert;
    int json;
    char **args;
    int n_args;
};

static void user_usage(void)
{
    printf("usage: renkei user add NAME --org ORG --role reader|writer|admin|sync [--json]\n"
           "       renkei user list [--json]\n"
           "       renkei user remove NAME\n"
           "       renkei user reset-secret NAME [--json]\n"
           "       renkei user cert add NAME (--cert FILE.pem | --fingerprint SHA256)\n"
           "       renkei user cert remove (--cert FILE.pem | --fingerprint SHA256)\n\n"
           "A user belongs to one organisation and has one role:\n"
           "  reader  reads the collections its organisation or groups may read\n"
           "  writer  also adds objects where it may write\n"
           "  admin   also deletes objects over TAXII\n"
           "  sync    a partner node: reads and writes like a writer; what it posts is\n"
           "          recorded as coming from that partner\n\n"
           "'user add' and 'user reset-secret' print a new secret once: 256 random bits, as\n"
           "rk_ followed by 80 hex digits. It is the password for HTTP Basic (user NAME) and a\n"
           "Bearer token. Only a salted PBKDF2 hash is stored; a lost secret is replaced with\n"
           "reset-secret, which makes the old one stop working at once.\n\n"
           "Client certificates (mutual TLS) authenticate a user by the SHA-256 fingerprint\n"
           "of the certificate, registered here from the PEM file or the fingerprint.\n\n"
           "Exit status: 0 done, 1 refused (exists, not found), 2 usage, 3 store error.\n");
}

static void print_secret(const char *user, const char *token, int json)
{
    if (json) {
        printf("{\"user\":\"%s\",\"secret\":\"%s\"}\n", user, token);
        return;
    }
    printf("secret: %s\n"
           "  (shown once: store it now. HTTP Basic: user %s with this as the password;\n"
           "   or send 'Authorization: Bearer <secret>')\n",
           token, user);
}

static int user_add(struct rk_store *st, const struct user_opts *o, struct rk_err *err)
{
    char token[RK_SECRET_TOKEN_LEN + 1];
    struct rk_secret_hash h;
    enum rk_role role;
    int rc;

    if (!o->org || !o->role)
        return rk_err_set(err, RK_EINVAL, "'user add' needs --org and --role");
    if (rk_role_parse(o->role, &role) != 0 || role == RK_ROLE_NONE)
        return rk_err_set(err, RK_EINVAL, "--role: '%s' is not reader, writer, admin or sync",
                          o->role);
    rk_policy_secret_new(token, &h);
    if ((rc = rk_store_user_add(st, o->args[0], o->org, role, &h, err)) == 0) {
        if (!o->json)
            printf("added user %s (organisation %s, role %s)\n", o->args[0], o->org,
                   rk_role_name(role));
        print_secret(o->args[0], token, o->json);
    }
    explicit_bzero(token, sizeof(token));
    explicit_bzero(&h, sizeof(h));
    return rc;
}

static int user_reset(struct rk_store *st, const struct user_opts *o, struct rk_err *err)
{
    char token[RK_SECRET_TOKEN_LEN + 1];
    struct rk_secret_hash h;
    int rc;

    rk_policy_secret_new(token, &h);
    if ((rc = rk_store_user_set_secret(st, o->args[0], &h, err)) == 0) {
        if (!o->json)
            printf("new secret for user %s; the old one no longer works\n", o->args[0]);
        print_secret(o->args[0], token, o->json);
    }
    explicit_bzero(token, sizeof(token));
    return rc;
}

static int print_user(const struct rk_user_info *u, void *ctx)
{
    json_t *list = ctx;

    if (list)
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:i,s:i}", "name", u->name, "org",
                                              u->org, "role", rk_role_name(u->role), "secrets",
                                              (int)u->n_secrets, "certificates",
                                              (int)u->n_certs));
    else
        printf("%-20s %-20s %-7s %u secret, %u certificate%s\n", u->name, u->org,
               rk_role_name(u->role), u->n_secrets, u->n_certs, u->n_certs == 1 ? "" : "s");
    return 0;
}

/* The fingerprint from --fingerprint or --cert into fp. */
static int cert_fingerprint(const struct user_opts *o, char fp[RK_FINGERPRINT_HEX_LEN + 1],
                            struct rk_err *err)
{
    char text[128];
    int rc;

    if (!!o->cert == !!o->fingerprint)
        return rk_err_set(err, RK_EINVAL, "give either --cert FILE or --fingerprint SHA256");
    if (o->cert && (rc = rk_taxii_tls_fingerprint(o->cert, text, sizeof(text), err)) != 0)
        return rc;
    if (rk_policy_fingerprint_parse(o->cert ? text : o->fingerprint, fp) != 0)
        return rk_err_set(err, RK_EINVAL, "--fingerprint: expected 64 hex digits (':' allowed)");
    return 0;
}

static int user_cert(struct rk_store *st, const struct user_opts *o, struct rk_err *err)
{
    char fp[RK_FINGERPRINT_HEX_LEN + 1];
    int rc, add = o->n_args >= 1 && strcmp(o->args[0], "add") == 0;

    if (!(add && o->n_args == 2) &&
        !(o->n_args == 1 && strcmp(o->args[0], "remove") == 0))
        return rk_err_set(err, RK_EINVAL, "expected 'user cert add NAME' or 'user cert remove'");
    if ((rc = cert_fingerprint(o, fp, err)) != 0)
        return rc;
    rc = add ? rk_store_user_cert_add(st, o->args[1], fp, err)
             : rk_store_user_cert_remove(st, fp, err);
    if (rc == 0)
        printf("%s certificate %s\n", add ? "registered" : "removed", fp);
    return rc;
}

static int parse_user_args(struct user_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"org", required_argument, NULL, 'o'},   {"role", required_argument, NULL, 'r'},
            {"cert", required_argument, NULL, 'c'},  {"fingerprint", required_argument, NULL, 'f'},
            {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->org = optarg; break;
        case 'r': o->role = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'f': o->fingerprint = optarg; break;
        case 'j': o->json = 1; break;
        default: return cli_usage_error("user", "unknown option '%s'", argv[optind - 1]);
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    return 0;
}

static int run_user(struct rk_store *st, const char *verb, struct user_opts *o,
                    struct rk_err *err)
{
    json_t *list;
    int rc;

    if (strcmp(verb, "cert") == 0)
        return user_cert(st, o, err);
    if (strcmp(verb, "list") == 0) {
        list = o->json ? json_array() : NULL;
        if ((rc = rk_store_user_list(st, print_user, list, err)) == 0 && list)
            cli_print_json(list);
        json_decref(list);
        return rc;
    }
    if (o->n_args != 1)
        return rk_err_set(err, RK_EINVAL, "'user %s' takes one NAME", verb);
    if (strcmp(verb, "add") == 0)
        return user_add(st, o, err);
    if (strcmp(verb, "reset-secret") == 0)
        return user_reset(st, o, err);
    if ((rc = rk_store_user_remove(st, o->args[0], err)) == 0)
        printf("removed user %s and its credentials\n", o->args[0]);
    return rc;
}

int cmd_user(struct rk_cli *cli, int argc, char **argv)
{
    static const char *const verbs[] = {"add", "list", "remove", "reset-secret", "cert"};
    struct user_opts o = {0};
    struct rk_store *st = NULL;
    struct rk_err err;
    int status, known = 0;

    if (cli_wants_help(argc, argv) || argc < 2) {
        user_usage();
        return argc < 2 ? RK_EXIT_USAGE : RK_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        known |= strcmp(argv[1], verbs[i]) == 0;
    if (!known)
        return cli_usage_error("user", "unknown action '%s' (add, list, remove, reset-secret, "
                                       "cert)",
                               argv[1]);
    if (parse_user_args(&o, argc - 1, argv + 1) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    status = cli_access_status("user", run_user(st, argv[1], &o, &err), &err);
    if (strcmp(argv[1], "list") != 0)
        cli_audit_admin(cli, st, argc, argv, status);
    rk_store_close(st);
    return status;
}
