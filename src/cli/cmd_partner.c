/* cmd_partner.c - `renkei partner`: the partner nodes this node syncs with: how to reach them,
 * the terms of the exchange (sharing groups, TLP ceiling, unmarked objects) and which
 * collections are pulled and pushed. Status, refused objects and the connection check are in
 * cmd_partner_status.c. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_partner.h"
#include "renkei/store_access.h"
#include "renkei/store_sync.h"
#include "util/buf.h"
#include "util/rktime.h"
#include "util/strparse.h"

static void partner_usage(void)
{
    printf("usage: renkei partner add NAME --url URL [OPTIONS]\n"
           "       renkei partner set NAME [OPTIONS]\n"
           "       renkei partner list [--json]\n"
           "       renkei partner show NAME [--json]\n"
           "       renkei partner remove NAME\n"
           "       renkei partner check NAME\n"
           "       renkei partner status [NAME] [--json]\n"
           "       renkei partner refused NAME [--limit N] [--json]\n\n"
           "A partner is another TAXII 2.1 node (renkei or not) this node pulls objects from\n"
           "and/or pushes objects to. Every object sent passes the sharing rules (docs/\n"
           "federation.md): TLP, the partner's sharing groups and ceiling, never RED, AMBER+\n"
           "STRICT only to its owner, never back to where it came from. Every object received\n"
           "keeps the partner as its provenance and is never shared wider than it came.\n\n"
           "Who the partner is here:\n"
           "  --org ORG             its organisation on this node (default: NAME; created when\n"
           "                        missing); its sync accounts here belong to ORG\n"
           "  --group G             ORG is in sharing group G (repeat; G must exist); AMBER\n"
           "                        objects of G go to it. --no-group G takes it out\n"
           "  --ceiling LEVEL       send and accept nothing above LEVEL (green, amber, ...);\n"
           "                        'none' for no ceiling\n"
           "  --unmarked LEVEL      store objects it sends without a TLP marking as LEVEL\n"
           "                        (default amber+strict); 'refuse' to refuse them\n"
           "How to reach it:\n"
           "  --url URL             its TAXII discovery URL (https://host:port/taxii2/)\n"
           "  --api-root URL        its API root (default: what discovery names as default)\n"
           "  --user U              HTTP Basic user name (the secret is the password);\n"
           "                        without --user the secret is sent as a Bearer token\n"
           "  --secret-file FILE    read the secret (password or token) from FILE ('-': stdin)\n"
           "  --secret-env VAR      read it from environment variable VAR\n"
           "  --no-auth             send no credentials\n"
           "  --ca FILE             trust only the CA certificates in FILE (PEM)\n"
           "  --fingerprint FP      pin its certificate's SHA-256 fingerprint (as 'renkei init'\n"
           "                        and 'renkei serve' print it); 'none' to unpin\n"
           "  --client-cert F --client-key F   mutual TLS with this certificate and key (PEM)\n"
           "  --insecure-http       allow a plain http:// URL (loopback tests only)\n"
           "What to exchange:\n"
           "  --pull REMOTE=LOCAL   pull its collection REMOTE (its id) into local collection\n"
           "                        LOCAL (id or alias); repeat. --no-pull REMOTE=LOCAL removes.\n"
           "                        LOCAL must leave at most one sharing group in common with\n"
           "                        the partner (one collection per group), else refused\n"
           "  --push LOCAL=REMOTE   push local collection LOCAL to its collection REMOTE;\n"
           "                        repeat. --no-push LOCAL=REMOTE removes\n"
           "When (for 'renkei serve' and 'renkei sync' without --once):\n"
           "  --interval DUR        sync every DUR (default 5m; 90s, 15m, 1h)\n"
           "  --window DUR          its added_after only reaches back DUR (AIS: 48h): warn\n"
           "                        when a pull falls behind half of it; 'none' (default)\n"
           "  --timeout DUR         one request may take DUR (default 60s)\n"
           "  --page-size N         objects per pulled page (default 1000)\n"
           "  --pause, --resume     stop or restart its background sync\n\n"
           "The partner needs an account here too, to pull from this node or push to it: a\n"
           "user of ORG with the sync role ('renkei user add NAME-sync --org ORG --role sync')\n"
           "and rights on the collections ('renkei collection grant C org:ORG read,write').\n"
           "Such an account reads exactly what this node would send the partner.\n\n"
           "Exit status: 0 done, 1 refused or a check found problems, 2 usage, 3 error.\n");
}

/* ---- options ------------------------------------------------------------------------------- */

static int add_item(const char **list, size_t *n, const char *v)
{
    if (*n >= PARTNER_LIST_MAX)
        return cli_usage_error("partner", "at most %d values per option", PARTNER_LIST_MAX);
    list[(*n)++] = v;
    return 0;
}

static int parse_duration(const char *opt, const char *v, uint32_t *out, int none_ok)
{
    uint64_t s;

    if (none_ok && strcmp(v, "none") == 0) {
        *out = 0;
        return 0;
    }
    if (rk_parse_duration(v, &s) != 0 || s == 0 || s > 365ULL * 86400)
        return cli_usage_error("partner", "%s takes a duration like 90s, 15m, 2h or 1d%s", opt,
                               none_ok ? " (or none)" : "");
    *out = (uint32_t)s;
    return 0;
}

static int parse_level(const char *opt, const char *v, enum rk_tlp *out, const char *none_word)
{
    if (none_word && strcmp(v, none_word) == 0) {
        *out = RK_TLP_NONE;
        return 0;
    }
    if (rk_tlp_parse(v, out) != 0 || *out == RK_TLP_NONE)
        return cli_usage_error("partner", "%s: '%s' is not a TLP level (clear, green, amber, "
                               "amber+strict, red%s%s)", opt, v, none_word ? ", " : "",
                               none_word ? none_word : "");
    return 0;
}

/* Options that set a field of the partner directly. */
static int apply_field(struct partner_opts *o, int c, const char *v)
{
    struct rk_partner *p = &o->p;
    uint64_t n;

    switch (c) {
    case 'u': return rk_strlcpy(p->url, v, sizeof(p->url)) ? cli_usage_error("partner",
                                                                             "--url too long") : 0;
    case 'a': return rk_strlcpy(p->api_root, v, sizeof(p->api_root))
                     ? cli_usage_error("partner", "--api-root too long") : 0;
    case 'o': o->org_given = 1;
        return rk_strlcpy(p->org, v, sizeof(p->org)) ? cli_usage_error("partner", "--org too "
                                                                       "long") : 0;
    case 'c': return parse_level("--ceiling", v, &p->ceiling, "none");
    case 'm':
        p->refuse_unmarked = strcmp(v, "refuse") == 0;
        return p->refuse_unmarked ? 0 : parse_level("--unmarked", v, &p->unmarked, NULL);
    case 'i': return parse_duration("--interval", v, &p->interval_s, 0);
    case 'w': return parse_duration("--window", v, &p->window_s, 1);
    case 't': return parse_duration("--timeout", v, &p->timeout_s, 0);
    case 'z':
        if (rk_parse_uint(v, 100000, &n) != 0 || n == 0)
            return cli_usage_error("partner", "--page-size takes a number from 1 to 100000");
        p->page_size = (uint32_t)n;
        return 0;
    case 'H': p->insecure_http = 1; return 0;
    case 'x': p->paused = 1; return 0;
    case 'r': p->paused = 0; return 0;
    }
    return 1; /* not a field option */
}

static int apply_path(char *dst, size_t cap, const char *opt, const char *v)
{
    char real[PATH_MAX];

    if (strcmp(v, "none") == 0) {
        dst[0] = '\0';
        return 0;
    }
    if (!realpath(v, real) || access(real, R_OK) != 0)
        return cli_usage_error("partner", "%s: cannot read '%s'", opt, v);
    return rk_strlcpy(dst, real, cap) ? cli_usage_error("partner", "%s: path too long", opt) : 0;
}

/* Options about trust and credentials. */
static int apply_auth(struct partner_opts *o, int c, const char *v)
{
    struct rk_partner *p = &o->p;
    char fp[RK_FINGERPRINT_HEX_LEN + 1];

    switch (c) {
    case 'U':
        p->auth = RK_PARTNER_AUTH_BASIC;
        return rk_strlcpy(p->user, v, sizeof(p->user)) ? cli_usage_error("partner", "--user "
                                                                         "too long") : 0;
    case 'f': o->secret_file = v; return 0;
    case 'e': o->secret_env = v; return 0;
    case 'N': p->auth = RK_PARTNER_AUTH_NONE; p->user[0] = p->secret[0] = '\0'; return 0;
    case 'C': return apply_path(p->ca_file, sizeof(p->ca_file), "--ca", v);
    case 'k': return apply_path(p->client_cert, sizeof(p->client_cert), "--client-cert", v);
    case 'K': return apply_path(p->client_key, sizeof(p->client_key), "--client-key", v);
    case 'F':
        if (strcmp(v, "none") == 0) {
            p->fingerprint[0] = '\0';
            return 0;
        }
        if (rk_policy_fingerprint_parse(v, fp) != 0)
            return cli_usage_error("partner", "--fingerprint: '%s' is not a SHA-256 fingerprint "
                                   "(64 hex digits, ':' allowed)", v);
        memcpy(p->fingerprint, fp, sizeof(fp));
        return 0;
    }
    return 1;
}

static int apply_list(struct partner_opts *o, int c, const char *v)
{
    switch (c) {
    case 'g': return add_item(o->groups, &o->n_groups, v);
    case 'G': return add_item(o->ungroups, &o->n_ungroups, v);
    case 'p': return add_item(o->pulls, &o->n_pulls, v);
    case 'P': return add_item(o->unpulls, &o->n_unpulls, v);
    case 's': return add_item(o->pushes, &o->n_pushes, v);
    case 'S': return add_item(o->unpushes, &o->n_unpushes, v);
    }
    return cli_usage_error("partner", "unknown option");
}

int partner_apply_options(struct partner_opts *o)
{
    int rc;

    for (size_t i = 0; i < o->n_given; i++) {
        int c = o->given[i].c;
        const char *v = o->given[i].arg;

        if ((rc = apply_field(o, c, v)) == 1 && (rc = apply_auth(o, c, v)) == 1)
            rc = apply_list(o, c, v);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int partner_parse_args(struct partner_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"url", required_argument, NULL, 'u'},        {"api-root", required_argument, NULL, 'a'},
            {"org", required_argument, NULL, 'o'},        {"group", required_argument, NULL, 'g'},
            {"no-group", required_argument, NULL, 'G'},   {"ceiling", required_argument, NULL, 'c'},
            {"unmarked", required_argument, NULL, 'm'},   {"user", required_argument, NULL, 'U'},
            {"secret-file", required_argument, NULL, 'f'}, {"secret-env", required_argument, NULL, 'e'},
            {"no-auth", no_argument, NULL, 'N'},          {"ca", required_argument, NULL, 'C'},
            {"fingerprint", required_argument, NULL, 'F'}, {"client-cert", required_argument, NULL, 'k'},
            {"client-key", required_argument, NULL, 'K'}, {"insecure-http", no_argument, NULL, 'H'},
            {"pull", required_argument, NULL, 'p'},       {"no-pull", required_argument, NULL, 'P'},
            {"push", required_argument, NULL, 's'},       {"no-push", required_argument, NULL, 'S'},
            {"interval", required_argument, NULL, 'i'},   {"window", required_argument, NULL, 'w'},
            {"timeout", required_argument, NULL, 't'},    {"page-size", required_argument, NULL, 'z'},
            {"pause", no_argument, NULL, 'x'},            {"resume", no_argument, NULL, 'r'},
            {"json", no_argument, NULL, 'j'},             {"limit", required_argument, NULL, 'n'},
            {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return cli_usage_error("partner", "unknown option or missing value '%s'",
                                   argv[optind - 1]);
        if (c == 'j') { /* output options apply to every action, not only add and set */
            o->json = 1;
            continue;
        }
        if (c == 'n') {
            if (rk_parse_uint(optarg, 1000000, &o->limit) != 0)
                return cli_usage_error("partner", "--limit takes a number");
            continue;
        }
        if (o->n_given >= PARTNER_GIVEN_MAX)
            return cli_usage_error("partner", "too many options");
        o->given[o->n_given].c = c;
        o->given[o->n_given++].arg = optarg;
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    return 0;
}

/* ---- the secret ---------------------------------------------------------------------------- */

static int read_secret(struct partner_opts *o)
{
    struct rk_partner *p = &o->p;
    struct rk_buf b;
    struct rk_err err;
    const char *v;
    size_t len;

    if (!o->secret_file && !o->secret_env)
        return 0;
    if (o->secret_env) {
        if (!(v = getenv(o->secret_env)) || !v[0])
            return cli_usage_error("partner", "--secret-env: $%s is not set", o->secret_env);
        if (rk_strlcpy(p->secret, v, sizeof(p->secret)) != 0)
            return cli_usage_error("partner", "the secret is too long");
    } else {
        rk_buf_init(&b, sizeof(p->secret));
        rk_err_clear(&err);
        if (rk_buf_read_file(&b, o->secret_file, &err) != 0) {
            rk_buf_free(&b);
            return cli_usage_error("partner", "--secret-file: %s", err.message);
        }
        len = rk_buf_len(&b);
        v = rk_trim(rk_buf_cstr(&b), &len);
        if (len == 0 || len >= sizeof(p->secret)) {
            rk_buf_free(&b);
            return cli_usage_error("partner", "--secret-file: the file holds no secret");
        }
        memcpy(p->secret, v, len);
        p->secret[len] = '\0';
        explicit_bzero(rk_buf_ptr(&b), rk_buf_len(&b));
        rk_buf_free(&b);
    }
    if (p->auth == RK_PARTNER_AUTH_NONE)
        p->auth = RK_PARTNER_AUTH_BEARER;
    return 0;
}

/* ---- groups and mappings ------------------------------------------------------------------- */

/* "A=B" into a mapping: for a pull A is remote and B local, for a push the reverse. */
static int parse_mapping(const char *s, enum rk_sync_dir dir, struct rk_sync_mapping *m)
{
    const char *eq = strchr(s, '=');
    size_t a;

    memset(m, 0, sizeof(*m));
    m->dir = dir;
    if (!eq || eq == s || !eq[1])
        return cli_usage_error("partner", "'%s': write %s", s,
                               dir == RK_SYNC_PULL ? "--pull REMOTE=LOCAL" : "--push LOCAL=REMOTE");
    a = (size_t)(eq - s);
    if (dir == RK_SYNC_PULL) {
        if (a >= sizeof(m->remote) || rk_strlcpy(m->local, eq + 1, sizeof(m->local)) != 0)
            return cli_usage_error("partner", "'%s': a name is too long", s);
        memcpy(m->remote, s, a);
    } else {
        if (a >= sizeof(m->local) || rk_strlcpy(m->remote, eq + 1, sizeof(m->remote)) != 0)
            return cli_usage_error("partner", "'%s': a name is too long", s);
        memcpy(m->local, s, a);
    }
    return 0;
}

static int mappings_check(const struct partner_opts *o)
{
    struct rk_sync_mapping m;

    for (size_t i = 0; i < o->n_pulls; i++)
        if (parse_mapping(o->pulls[i], RK_SYNC_PULL, &m) != 0)
            return -1;
    for (size_t i = 0; i < o->n_unpulls; i++)
        if (parse_mapping(o->unpulls[i], RK_SYNC_PULL, &m) != 0)
            return -1;
    for (size_t i = 0; i < o->n_pushes; i++)
        if (parse_mapping(o->pushes[i], RK_SYNC_PUSH, &m) != 0)
            return -1;
    for (size_t i = 0; i < o->n_unpushes; i++)
        if (parse_mapping(o->unpushes[i], RK_SYNC_PUSH, &m) != 0)
            return -1;
    return 0;
}

static int apply_mappings(struct rk_store *st, const struct partner_opts *o, struct rk_err *err)
{
    const char *const *lists[4] = {o->pulls, o->pushes, o->unpulls, o->unpushes};
    const size_t counts[4] = {o->n_pulls, o->n_pushes, o->n_unpulls, o->n_unpushes};
    struct rk_sync_mapping m;
    int rc;

    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < counts[k]; i++) {
            parse_mapping(lists[k][i], k % 2 ? RK_SYNC_PUSH : RK_SYNC_PULL, &m);
            rc = k < 2 ? rk_store_mapping_add(st, o->p.name, &m, err)
                       : rk_store_mapping_remove(st, o->p.name, &m, err);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int apply_groups(struct rk_store *st, const struct partner_opts *o, struct rk_err *err)
{
    int rc;

    for (size_t i = 0; i < o->n_groups; i++) {
        rc = rk_store_group_member_add(st, o->groups[i], o->p.org, err);
        if (rc == RK_ENOTFOUND)
            return rk_err_set(err, rc, "no sharing group %s (add it with 'renkei group add %s')",
                              o->groups[i], o->groups[i]);
        if (rc != 0 && rc != RK_EEXISTS)
            return rc;
    }
    for (size_t i = 0; i < o->n_ungroups; i++)
        if ((rc = rk_store_group_member_remove(st, o->ungroups[i], o->p.org, err)) != 0 &&
            rc != RK_ENOTFOUND)
            return rc;
    rk_err_clear(err);
    return 0;
}

/* ---- add, set, remove ---------------------------------------------------------------------- */

static int check_partner(const struct rk_partner *p)
{
    if (!p->url[0])
        return cli_usage_error("partner", "a partner needs --url (its TAXII discovery URL)");
    if (strncmp(p->url, "http://", 7) == 0 && !p->insecure_http)
        return cli_usage_error("partner", "'%s' is plain HTTP: use https, or --insecure-http "
                               "for a loopback test", p->url);
    if (!!p->client_cert[0] != !!p->client_key[0])
        return cli_usage_error("partner", "--client-cert and --client-key go together");
    if (p->auth == RK_PARTNER_AUTH_BASIC && !p->secret[0])
        return cli_usage_error("partner", "--user needs a password: --secret-file or "
                               "--secret-env");
    return 0;
}

static void warn_terms(const struct rk_partner *p)
{
    if (p->window_s && (uint64_t)p->interval_s * 2 > p->window_s)
        cli_error("warning: partner %s syncs every %u s but its added_after window is %u s: "
                  "a missed run or two loses objects; use --interval below half the window",
                  p->name, p->interval_s, p->window_s);
    if (!p->fingerprint[0] && !p->ca_file[0] && strncmp(p->url, "https://", 8) == 0)
        cli_error("note: partner %s is trusted through the system's CA certificates; pin it "
                  "with --fingerprint or --ca", p->name);
}

static int ensure_org(struct rk_store *st, const char *org, int quiet, struct rk_err *err)
{
    struct rk_org_info info;
    int rc;

    if (rk_store_org_get(st, org, &info, NULL) == 0)
        return 0;
    if ((rc = rk_store_org_add(st, org, "partner organisation", err)) == 0 && !quiet)
        printf("added organisation %s\n", org);
    return rc;
}

static int write_partner(struct rk_cli *cli, struct rk_store *st, struct partner_opts *o,
                         int add, struct rk_err *err)
{
    int rc;

    if ((rc = ensure_org(st, o->p.org, cli->quiet, err)) != 0 ||
        (rc = add ? rk_store_partner_add(st, &o->p, err) : rk_store_partner_update(st, &o->p,
                                                                                    err)) != 0 ||
        (rc = apply_groups(st, o, err)) != 0 || (rc = apply_mappings(st, o, err)) != 0)
        return rc;
    return 0;
}

static int partner_write(struct rk_cli *cli, struct rk_store *st, struct partner_opts *o,
                         int add, struct rk_err *err)
{
    const char *name = o->args[1];
    int rc;

    if (!rk_policy_name_ok(name))
        return rk_err_set(err, RK_EFORMAT, "'%s' is not a valid partner name (letters, digits, "
                          "'.', '_', '-')", name);
    if (add) {
        rk_partner_init(&o->p);
        rk_strlcpy(o->p.name, name, sizeof(o->p.name));
        rk_strlcpy(o->p.org, name, sizeof(o->p.org));
    } else if ((rc = rk_store_partner_get(st, name, &o->p, err)) != 0) {
        return rc;
    }
    if (partner_apply_options(o) != 0 || read_secret(o) != 0 || mappings_check(o) != 0 ||
        check_partner(&o->p) != 0)
        return PARTNER_USAGE; /* usage error already printed */
    if (!add && o->org_given)
        return rk_err_set(err, RK_EINVAL, "the organisation of a partner does not change; "
                          "remove and add it again");
    if ((rc = partner_groups_check(st, o, add, err)) != 0)
        return rc;
    rc = write_partner(cli, st, o, add, err);
    if (rc == 0) {
        warn_terms(&o->p);
        if (!cli->quiet)
            printf("%s partner %s (organisation %s)\n", add ? "added" : "updated", name,
                   o->p.org);
        if (add && !cli->quiet)
            printf("  it needs an account here to pull from or push to this node:\n"
                   "    renkei user add %s-sync --org %s --role sync\n"
                   "    renkei collection grant COLLECTION org:%s read,write\n"
                   "  check the connection with: renkei partner check %s\n",
                   name, o->p.org, o->p.org, name);
    }
    return rc;
}

static int partner_remove(struct rk_cli *cli, struct rk_store *st, const char *name,
                          struct rk_err *err)
{
    int rc = rk_store_partner_remove(st, name, err);

    if (rc == 0 && !cli->quiet)
        printf("removed partner %s (its organisation, accounts and egress log entries stay)\n",
               name);
    return rc;
}

/* ---- list and show ------------------------------------------------------------------------- */

static const char *auth_name(enum rk_partner_auth a)
{
    return a == RK_PARTNER_AUTH_BASIC ? "basic" : a == RK_PARTNER_AUTH_BEARER ? "bearer" : "none";
}

static int count_mapping(const struct rk_sync_mapping *m, void *ctx)
{
    unsigned *n = ctx;

    n[m->dir == RK_SYNC_PULL ? 0 : 1]++;
    return 0;
}

static int list_one(const struct rk_partner *p, void *ctx)
{
    struct partner_list *l = ctx;
    unsigned n[2] = {0, 0};

    rk_store_mapping_list(l->st, p->name, count_mapping, n, NULL);
    if (l->json) {
        json_array_append_new(l->json, json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:b}", "name",
                                                 p->name, "org", p->org, "url", p->url, "auth",
                                                 auth_name(p->auth), "ceiling",
                                                 rk_tlp_name(p->ceiling), "pulls", n[0],
                                                 "pushes", n[1], "paused", p->paused));
        return 0;
    }
    printf("%-16s %-16s %-6s %-12s %u pull %u push%s  %s\n", p->name, p->org, auth_name(p->auth),
           p->ceiling == RK_TLP_NONE ? "no-ceiling" : rk_tlp_name(p->ceiling), n[0], n[1],
           p->paused ? " (paused)" : "", p->url);
    return 0;
}

static int print_mapping(const struct rk_sync_mapping *m, void *ctx)
{
    json_t *list = ctx;
    const char *dir = m->dir == RK_SYNC_PULL ? "pull" : "push";

    if (list)
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "dir", dir, "remote", m->remote,
                                              "local", m->local));
    else if (m->dir == RK_SYNC_PULL)
        printf("  pull     their %s -> our %s\n", m->remote, m->local);
    else
        printf("  push     our %s -> their %s\n", m->local, m->remote);
    return 0;
}

static int add_name(const char *g, void *ctx)
{
    json_array_append_new(ctx, json_string(g));
    return 0;
}

static json_t *partner_json(struct rk_store *st, const struct rk_partner *p)
{
    json_t *groups = json_array(), *maps = json_array();

    rk_store_org_groups(st, p->org, add_name, groups, NULL);
    rk_store_mapping_list(st, p->name, print_mapping, maps, NULL);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:i,s:i,s:i,"
                     "s:i,s:b,s:o,s:o}",
                     "name", p->name, "org", p->org, "url", p->url, "api_root", p->api_root,
                     "auth", auth_name(p->auth), "user", p->user, "secret_set", p->secret[0] != 0,
                     "ca", p->ca_file, "fingerprint", p->fingerprint, "client_cert",
                     p->client_cert, "client_key", p->client_key, "insecure_http",
                     p->insecure_http, "ceiling", rk_tlp_name(p->ceiling), "unmarked",
                     p->refuse_unmarked ? "refuse" : rk_tlp_name(p->unmarked), "interval_s",
                     (int)p->interval_s, "window_s", (int)p->window_s, "timeout_s",
                     (int)p->timeout_s, "page_size", (int)p->page_size, "paused", p->paused,
                     "groups", groups, "mappings", maps);
}

static int print_group(const char *g, void *ctx)
{
    int *n = ctx;

    printf("%s%s", (*n)++ ? ", " : "", g);
    return 0;
}

static void partner_print(struct rk_store *st, const struct rk_partner *p)
{
    int n = 0;

    printf("partner %s%s\n  organisation %s, groups: ", p->name, p->paused ? " (paused)" : "",
           p->org);
    rk_store_org_groups(st, p->org, print_group, &n, NULL);
    printf("%s\n  url %s%s%s\n", n ? "" : "(none)", p->url, p->api_root[0] ? ", API root " : "",
           p->api_root);
    printf("  auth %s%s%s%s\n", auth_name(p->auth), p->user[0] ? " as " : "", p->user,
           p->secret[0] ? " (secret set)" : "");
    printf("  trust %s%s%s%s%s\n", p->fingerprint[0] ? "certificate SHA-256 " : "",
           p->fingerprint, p->ca_file[0] ? " CA file " : "", p->ca_file,
           !p->fingerprint[0] && !p->ca_file[0] ? "system CA certificates" : "");
    if (p->client_cert[0])
        printf("  client certificate %s (key %s)\n", p->client_cert, p->client_key);
    printf("  ceiling %s, unmarked objects %s\n",
           p->ceiling == RK_TLP_NONE ? "none" : rk_tlp_name(p->ceiling),
           p->refuse_unmarked ? "refused" : rk_tlp_name(p->unmarked));
    printf("  every %u s, timeout %u s, pages of %u, ", p->interval_s, p->timeout_s,
           p->page_size);
    if (p->window_s)
        printf("added_after window %u s\n", p->window_s);
    else
        printf("no added_after window\n");
    rk_store_mapping_list(st, p->name, print_mapping, NULL, NULL);
}

static int partner_show(struct rk_store *st, const char *name, int json, struct rk_err *err)
{
    struct rk_partner p;
    int rc;

    if ((rc = rk_store_partner_get(st, name, &p, err)) != 0)
        return rc;
    if (json) {
        json_t *j = partner_json(st, &p);

        cli_print_json(j);
        json_decref(j);
    } else {
        partner_print(st, &p);
    }
    explicit_bzero(p.secret, sizeof(p.secret));
    return 0;
}

/* ---- dispatch ------------------------------------------------------------------------------ */

static int needs_name(const struct partner_opts *o, const char *verb)
{
    if (o->n_args != 2)
        return cli_usage_error("partner", "'partner %s' takes one partner NAME", verb);
    return 0;
}

static int dispatch(struct rk_cli *cli, struct rk_store *st, struct partner_opts *o,
                    struct rk_err *err)
{
    const char *verb = o->args[0];
    struct partner_list l = {st, NULL};
    int rc;

    if (strcmp(verb, "list") == 0) {
        l.json = o->json ? json_array() : NULL;
        rc = rk_store_partner_list(st, list_one, &l, err);
        if (rc == 0 && l.json)
            cli_print_json(l.json);
        json_decref(l.json);
        return rc;
    }
    if (strcmp(verb, "status") == 0)
        return partner_status(cli, st, o->n_args > 1 ? o->args[1] : NULL, o->json, err);
    if (needs_name(o, verb) != 0)
        return PARTNER_USAGE;
    if (strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0)
        return partner_write(cli, st, o, verb[0] == 'a', err);
    if (strcmp(verb, "remove") == 0)
        return partner_remove(cli, st, o->args[1], err);
    if (strcmp(verb, "show") == 0)
        return partner_show(st, o->args[1], o->json, err);
    if (strcmp(verb, "check") == 0)
        return partner_check(cli, st, o->args[1], err);
    if (strcmp(verb, "refused") == 0)
        return partner_refused(st, o->args[1], (size_t)o->limit, o->json, err);
    cli_usage_error("partner", "unknown action '%s'", verb);
    return PARTNER_USAGE;
}

int cmd_partner(struct rk_cli *cli, int argc, char **argv)
{
    struct partner_opts *o;
    struct rk_store *st = NULL;
    struct rk_err err;
    int status, rc;

    if (cli_wants_help(argc, argv)) {
        partner_usage();
        return RK_EXIT_OK;
    }
    if (!(o = calloc(1, sizeof(*o))))
        return cli_fail("partner", RK_ENOMEM, NULL);
    o->limit = 100;
    if (partner_parse_args(o, argc, argv) != 0 || o->n_args < 1) {
        if (o->n_args < 1)
            cli_usage_error("partner", "say what to do: add, set, list, show, remove, check, "
                                       "status or refused");
        free(o);
        return RK_EXIT_USAGE;
    }
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK) {
        free(o);
        return status;
    }
    rk_err_clear(&err);
    rc = dispatch(cli, st, o, &err);
    status = rc == PARTNER_USAGE ? RK_EXIT_USAGE
             : rc == PARTNER_PROBLEMS ? RK_EXIT_FAIL
                                      : cli_access_status("partner", rc, &err);
    if (strcmp(o->args[0], "add") == 0 || strcmp(o->args[0], "set") == 0 ||
        strcmp(o->args[0], "remove") == 0)
        cli_audit_admin(cli, st, argc, argv, status);
    explicit_bzero(&o->p.secret, sizeof(o->p.secret));
    free(o);
    rk_store_close(st);
    return status;
}
