/* cmd_sensor_registry.c - `renkei sensor add | list | remove`: the registered sensors. */
#include "cmd_sensor.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strparse.h"

/* ---- add ----------------------------------------------------------------------------------------
 */

static void add_usage(void)
{
    printf("usage: renkei sensor add NAME --prefix CIDR [--prefix CIDR]... [OPTIONS]\n\n"
           "Register a darknet sensor. Only packets whose destination lies in one of its\n"
           "prefixes count for it; prefixes of two sensors may not overlap, so every packet\n"
           "belongs to one sensor at most. NAME uses letters, digits, '-', '_' and '.'.\n\n"
           "Options:\n"
           "  --prefix CIDR       an IPv4 or IPv6 prefix with host bits zero (repeatable, or\n"
           "                      several separated by commas): 198.18.0.0/16, 2001:db8::/48\n"
           "  --country CC        ISO 3166 country code of the sensor's location (e.g. JP)\n"
           "  --tlp LEVEL         default TLP of everything derived from the sensor: clear,\n"
           "                      green, amber (default), amber+strict or red\n"
           "  --bin DURATION      time bin: 1m to 1d, dividing a day (default 1h)\n"
           "  --org ORG           organisation that owns the sensor's data (default: the node)\n"
           "  --group G           sharing group its STIX objects belong to (repeatable)\n"
           "  --collection C      collection its STIX objects go to (default: setting\n"
           "                      sensor.collection, \"sensors\")\n"
           "  --description TEXT  free text\n\n"
           "Exit status: 0 registered, 2 bad arguments, 3 refused (name taken, overlapping\n"
           "prefixes) or the store failed.\n");
}

static int append_field(char *dst, size_t cap, const char *value, const char *what)
{
    size_t n = strlen(dst);

    if (n + strlen(value) + 2 > cap)
        return cli_usage_error("sensor add", "too many %s (at most %zu bytes in all)", what,
                               cap - 1);
    snprintf(dst + n, cap - n, "%s%s", n ? "," : "", value);
    return 0;
}

static int set_field(char *dst, size_t cap, const char *value, const char *what)
{
    if (rk_strlcpy(dst, value, cap) != 0)
        return cli_usage_error("sensor add", "%s is longer than %zu bytes", what, cap - 1);
    return 0;
}

static int parse_bin(const char *arg, uint32_t *out)
{
    uint64_t secs;

    if (rk_parse_duration(arg, &secs) != 0 && rk_parse_uint(arg, 86400, &secs) != 0)
        return cli_usage_error("sensor add", "--bin '%s': give a duration such as 10m, 1h or 1d",
                               arg);
    if (secs < 60 || secs > 86400 || 86400 % secs != 0)
        return cli_usage_error("sensor add",
                               "--bin %s: a bin is 1 minute to 1 day and divides a day "
                               "(1m, 5m, 10m, 15m, 30m, 1h, 2h, 3h, 6h, 12h, 1d, ...)",
                               arg);
    *out = (uint32_t)secs;
    return 0;
}

static int parse_add(struct rk_store_sensor *s, int argc, char **argv)
{
    static const struct option opts[] = {{"prefix", required_argument, NULL, 'p'},
                                         {"country", required_argument, NULL, 'c'},
                                         {"tlp", required_argument, NULL, 't'},
                                         {"bin", required_argument, NULL, 'b'},
                                         {"org", required_argument, NULL, 'o'},
                                         {"group", required_argument, NULL, 'g'},
                                         {"collection", required_argument, NULL, 'C'},
                                         {"description", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    enum rk_tlp tlp;
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            rc = append_field(s->prefixes, sizeof(s->prefixes), optarg, "prefixes");
            break;
        case 'c':
            rc = set_field(s->country, sizeof(s->country), optarg, "--country");
            break;
        case 't':
            if (rk_tlp_parse(optarg, &tlp) != 0 || tlp == RK_TLP_NONE)
                return cli_usage_error("sensor add",
                                       "--tlp: unknown TLP level '%s' (clear, green, "
                                       "amber, amber+strict, red)",
                                       optarg);
            s->tlp = tlp;
            break;
        case 'b':
            rc = parse_bin(optarg, &s->bin_secs);
            break;
        case 'o':
            rc = set_field(s->org, sizeof(s->org), optarg, "--org");
            break;
        case 'g':
            rc = append_field(s->groups, sizeof(s->groups), optarg, "groups");
            break;
        case 'C':
            rc = set_field(s->collection, sizeof(s->collection), optarg, "--collection");
            break;
        case 'd':
            rc = set_field(s->description, sizeof(s->description), optarg, "text");
            break;
        case 'h':
            add_usage();
            exit(RK_EXIT_OK);
        default:
            return cli_usage_error("sensor add", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc != 0)
        return rc;
    if (optind + 1 != argc)
        return cli_usage_error("sensor add", optind >= argc ? "no sensor name given"
                                                            : "one sensor name, not several");
    if (!s->prefixes[0])
        return cli_usage_error("sensor add",
                               "no --prefix given: which addresses does the sensor own?");
    return set_field(s->name, sizeof(s->name), argv[optind], "the name");
}

int cmd_sensor_add(struct rk_cli *cli, int argc, char **argv)
{
    struct rk_store_sensor s;
    struct rk_store *st = NULL;
    struct rk_err err;
    char bin[16];
    int status, rc;

    memset(&s, 0, sizeof(s));
    s.tlp = RK_TLP_AMBER;
    s.bin_secs = 3600;
    if (parse_add(&s, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    if ((rc = rk_sensor_register(st, &s, &err)) != 0) {
        status = cli_fail("sensor add", rc, &err);
    } else if (!cli->quiet) {
        printf("sensor %s registered: %s%s%s, TLP:%s, %s bins\n", s.name, s.prefixes,
               s.country[0] ? ", " : "", s.country, rk_tlp_name((enum rk_tlp)s.tlp),
               sensor_secs_text(s.bin_secs, bin, sizeof(bin)));
    }
    rk_store_close(st);
    return status;
}

/* ---- list ---------------------------------------------------------------------------------------
 */

struct list_ctx {
    struct rk_store *st;
    int json;
    json_t *arr;
    size_t n;
    struct rk_err *err;
};

static json_t *sensor_json(const struct rk_store_sensor *s, const struct rk_store_sensor_stats *t)
{
    char a[32], b[32];

    return json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:I,s:s?,s:s?,s:I,s:I,s:I,s:I}", "name",
                     s->name, "prefixes", s->prefixes, "country", s->country, "tlp",
                     rk_tlp_name((enum rk_tlp)s->tlp), "bin_seconds", (int)s->bin_secs, "org",
                     s->org, "groups", s->groups, "collection", s->collection, "description",
                     s->description, "bins", (json_int_t)t->bins, "first_bin",
                     t->bins ? sensor_time_rfc3339(t->first_start, a, sizeof(a)) : NULL, "last_bin",
                     t->bins ? sensor_time_rfc3339(t->last_start, b, sizeof(b)) : NULL, "packets",
                     (json_int_t)t->packets, "files", (json_int_t)t->files, "alerts",
                     (json_int_t)t->alerts, "stored_bytes", (json_int_t)t->data_bytes);
}

static int list_one(const struct rk_store_sensor *s, void *ctx)
{
    struct list_ctx *c = ctx;
    struct rk_store_sensor_stats t;
    char bin[16], first[32], last[32], pk[32];
    int rc;

    if ((rc = rk_store_sensor_stats(c->st, s->name, &t, c->err)) != 0)
        return rc;
    c->n++;
    if (c->json)
        return json_array_append_new(c->arr, sensor_json(s, &t)) ? RK_ENOMEM : 0;
    if (c->n == 1)
        printf("%-16s %-34s %-2s %-12s %-6s %6s %-16s %-16s %15s %6s\n", "NAME", "PREFIXES", "CC",
               "TLP", "BIN", "BINS", "FIRST", "LAST", "PACKETS", "ALERTS");
    printf("%-16s %-34.34s %-2s %-12s %-6s %6llu %-16s %-16s %15s %6llu\n", s->name, s->prefixes,
           s->country[0] ? s->country : "-", rk_tlp_name((enum rk_tlp)s->tlp),
           sensor_secs_text(s->bin_secs, bin, sizeof(bin)), (unsigned long long)t.bins,
           t.bins ? sensor_time_text(t.first_start, first, sizeof(first)) : "-",
           t.bins ? sensor_time_text(t.last_start, last, sizeof(last)) : "-",
           sensor_num(t.packets, pk, sizeof(pk)), (unsigned long long)t.alerts);
    return 0;
}

int cmd_sensor_list(struct rk_cli *cli, int argc, char **argv)
{
    struct rk_store *st = NULL;
    struct rk_err err;
    struct list_ctx c = {NULL, 0, NULL, 0, &err};
    int status, rc;

    if (cli_wants_help(argc, argv)) {
        printf("usage: renkei sensor list [--json]\n\n"
               "List the registered sensors: prefixes, country, TLP, bin length, and what the\n"
               "store holds for each (bins, time range, packets, alerts). --json prints one\n"
               "JSON array with every field, including organisation, groups and collection.\n");
        return RK_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") != 0)
            return cli_usage_error("sensor list", "unexpected argument '%s'", argv[i]);
        c.json = 1;
    }
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    c.st = st;
    c.arr = json_array();
    if ((rc = rk_store_sensor_list(st, list_one, &c, &err)) != 0) {
        status = cli_fail("sensor list", rc, &err);
    } else if (c.json) {
        json_dumpf(c.arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else if (c.n == 0 && !cli->quiet) {
        printf("no sensors registered; add one with 'renkei sensor add NAME --prefix CIDR'\n");
    }
    json_decref(c.arr);
    rk_store_close(st);
    return status;
}

/* ---- remove -------------------------------------------------------------------------------------
 */

int cmd_sensor_remove(struct rk_cli *cli, int argc, char **argv)
{
    struct rk_store *st = NULL;
    struct rk_store_sensor_stats t;
    struct rk_store_sensor_removed r;
    const char *name = NULL;
    struct rk_err err;
    int yes = 0, status, rc;

    if (cli_wants_help(argc, argv)) {
        printf("usage: renkei sensor remove NAME [--yes]\n\n"
               "Remove a sensor with its stored bins, alerts and the record of ingested files.\n"
               "STIX objects already published stay in their collection (partners may have\n"
               "them). A sensor with stored bins is removed only with --yes.\n");
        return RK_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--yes") == 0)
            yes = 1;
        else if (!name && argv[i][0] != '-')
            name = argv[i];
        else
            return cli_usage_error("sensor remove", "unexpected argument '%s'", argv[i]);
    }
    if (!name)
        return cli_usage_error("sensor remove", "no sensor name given");
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    if ((rc = rk_store_sensor_stats(st, name, &t, &err)) != 0) {
        status = cli_fail("sensor remove", rc, &err);
    } else if (t.bins && !yes) {
        cli_error("sensor remove: %s has %llu stored bins and %llu alerts; add --yes to remove "
                  "them with it",
                  name, (unsigned long long)t.bins, (unsigned long long)t.alerts);
        status = RK_EXIT_USAGE;
    } else if ((rc = rk_store_sensor_remove(st, name, &r, &err)) != 0) {
        status = cli_fail("sensor remove", rc, &err);
    } else if (!cli->quiet) {
        printf("sensor %s removed with %llu bins, %llu alerts and %llu file records\n", name,
               (unsigned long long)r.bins, (unsigned long long)r.alerts,
               (unsigned long long)r.files);
    }
    rk_store_close(st);
    return status;
}
