/* cmd_audit.c - `renkei audit`: query the append-only log of who read and wrote what; and the
 * record every access-changing command leaves in it. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "renkei/store_access.h"
#include "util/buf.h"
#include "util/rktime.h"
#include "util/strparse.h"

struct audit_opts {
    struct rk_audit_filter f;
    int json;
};

static void audit_usage(void)
{
    printf("usage: renkei audit [--user U] [--action A] [--collection C] [--since WHEN]\n"
           "                    [--until WHEN] [--limit N] [--json]\n\n"
           "Print the audit log, oldest first: every TAXII read of objects, manifests,\n"
           "versions and statuses, every write and delete, failed authentications, refused\n"
           "requests, and every change made with the org, group, user and collection\n"
           "commands. The log is append-only: renkei has no way to change or delete it.\n\n"
           "Actions: read, write, delete, auth-fail, denied, admin.\n"
           "WHEN is a timestamp (2024-05-01T00:00:00Z) or an age (90s, 15m, 2h, 7d).\n"
           "--limit N shows the N most recent matching records (default 1000; 0: all).\n\n"
           "'renkei audit egress' shows and verifies the log of every object sent to a\n"
           "partner (see 'renkei audit egress --help').\n\n"
           "Exit status: 0 done, 2 usage, 3 store error.\n");
}

void cli_print_json(json_t *j)
{
    json_dumpf(j, stdout, JSON_INDENT(2));
    putchar('\n');
}

static const char *os_user(void)
{
    struct passwd *pw = getpwuid(geteuid());

    return pw && pw->pw_name ? pw->pw_name : "?";
}

void cli_audit_admin(struct rk_cli *cli, struct rk_store *st, int argc, char **argv,
                     int status)
{
    char user[96], endpoint[64];
    struct rk_audit_record r;
    struct rk_buf detail;
    struct rk_err err;

    (void)cli;
    snprintf(user, sizeof(user), "cli:%s", os_user());
    snprintf(endpoint, sizeof(endpoint), "%s %s", argv[0], argc > 1 ? argv[1] : "");
    rk_buf_init(&detail, 4096);
    for (int i = 2; i < argc; i++)
        rk_buf_printf(&detail, "%s%s", i > 2 ? " " : "", argv[i]);
    memset(&r, 0, sizeof(r));
    r.at_us = rk_time_now_us();
    r.user = user;
    r.org = "";
    r.address = "local";
    r.action = "admin";
    r.endpoint = endpoint;
    r.collection = "";
    r.detail = rk_buf_cstr(&detail);
    r.status = status;
    rk_err_clear(&err);
    if (rk_store_audit_append(st, &r, 1, &err) != 0)
        cli_error("warning: could not write the audit record: %s", err.message);
    rk_buf_free(&detail);
}

/* A timestamp, or an age counted back from now (cli.h). */
int cli_parse_when(const char *s, int64_t *out)
{
    struct rk_time t;
    uint64_t secs;

    if (rk_time_parse(&t, s, strlen(s), RK_TIME_RFC3339, NULL) == 0) {
        *out = rk_time_to_us(&t);
        return 0;
    }
    if (rk_parse_duration(s, &secs) == 0 && secs < (uint64_t)100 * 365 * 86400) {
        *out = rk_time_now_us() - (int64_t)secs * 1000000;
        return 0;
    }
    return RK_EFORMAT;
}

static int print_record(const struct rk_audit_record *r, void *ctx)
{
    json_t *list = ctx;
    char at[RK_TIME_STR_MAX];

    rk_time_format_us(r->at_us, at, sizeof(at));
    if (list) {
        json_array_append_new(
                list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I}", "seq",
                                (json_int_t)r->seq, "at", at, "user", r->user, "org", r->org,
                                "address", r->address, "action", r->action, "endpoint",
                                r->endpoint, "collection", r->collection, "detail", r->detail,
                                "status", r->status, "count", (json_int_t)r->count));
        return 0;
    }
    printf("%s %-9s %-20s %-15s %-10s %3d n=%-6lld %s%s%s\n", at, r->action,
           r->user[0] ? r->user : "-", r->address, r->endpoint[0] ? r->endpoint : "-",
           r->status, (long long)r->count, r->collection, r->collection[0] ? " " : "",
           r->detail);
    return 0;
}

static int parse_audit_args(struct audit_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"user", required_argument, NULL, 'u'},  {"action", required_argument, NULL, 'a'},
            {"collection", required_argument, NULL, 'c'},
            {"since", required_argument, NULL, 's'}, {"until", required_argument, NULL, 't'},
            {"limit", required_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
            {NULL, 0, NULL, 0}};
    uint64_t n;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'u': o->f.user = optarg; break;
        case 'a': o->f.action = optarg; break;
        case 'c': o->f.collection = optarg; break;
        case 's':
        case 't':
            if (cli_parse_when(optarg, c == 's' ? &o->f.since_us : &o->f.until_us) != 0)
                return cli_usage_error("audit", "'%s' is not a timestamp or an age like 2h",
                                       optarg);
            break;
        case 'n':
            if (rk_parse_uint(optarg, 100000000, &n) != 0)
                return cli_usage_error("audit", "--limit takes a number");
            o->f.limit = (size_t)n;
            break;
        case 'j': o->json = 1; break;
        default: return cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_audit(struct rk_cli *cli, int argc, char **argv)
{
    struct audit_opts o = {.f = {.limit = 1000}};
    struct rk_store *st = NULL;
    struct rk_collection coll;
    json_t *list;
    struct rk_err err;
    int status, rc;

    if (argc > 1 && strcmp(argv[1], "egress") == 0) /* the egress log has its own command */
        return cmd_audit_egress(cli, argc - 1, argv + 1);
    if (cli_wants_help(argc, argv)) {
        audit_usage();
        return RK_EXIT_OK;
    }
    if (parse_audit_args(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    /* the log names collections by id; an alias works too */
    if (o.f.collection && rk_store_collection_get(st, o.f.collection, &coll, NULL) == 0)
        o.f.collection = coll.id;
    list = o.json ? json_array() : NULL;
    rc = rk_store_audit_query(st, &o.f, print_record, list, &err);
    if (rc == 0 && list)
        cli_print_json(list);
    json_decref(list);
    rk_store_close(st);
    return rc ? cli_fail("audit", rc, &err) : RK_EXIT_OK;
}
