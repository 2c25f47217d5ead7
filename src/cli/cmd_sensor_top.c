/* cmd_sensor_top.c - `renkei sensor top` (TSUBAME-style top-N tables over a time range) and
 * `renkei sensor alerts` (the stored early-warning alerts). */
#include "cmd_sensor.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strparse.h"

enum { BY_PORT, BY_SOURCE, BY_ASN, BY_COUNTRY, BY_PREFIX };

static const char *const by_names[] = {"port", "source", "asn", "country", "prefix", NULL};

struct top_opts {
    struct sensor_scope scope;
    int by;
    uint64_t n;
    int json;
};

static void top_usage(void)
{
    printf("usage: renkei sensor top [--by port|source|asn|country|prefix] [OPTIONS]\n\n"
           "Print a TSUBAME-style top-N table over the stored bins of a time range: rank, key,\n"
           "packets, share of all packets in the range, and unique sources. Sources are\n"
           "counted once over the whole range (a scanner seen every hour counts once).\n"
           "Figures marked ~ are approximate (see docs/sensor.md).\n\n"
           "  --by port      destination ports (TCP/UDP port, ICMP type), the default\n"
           "  --by source    source addresses: packets, ports and destinations (largest in one\n"
           "                 bin), first and last seen, fingerprints, ASN and country\n"
           "  --by asn       source ASNs (needs an ASN table at ingest)\n"
           "  --by country   source countries (needs a country table at ingest)\n"
           "  --by prefix    source /24 (IPv4) and /48 (IPv6) networks\n\n"
           "Options:\n"
           "  --sensor NAME  only this sensor (repeatable; default: all, summed)\n"
           "  --since WHEN   bins starting at or after WHEN: 2024-05-01, 2024-05-01T13:00:00Z,\n"
           "                 or back from now: 24h, 7d\n"
           "  --until WHEN   bins starting before WHEN\n"
           "  -n N           rows (default 10)\n"
           "  --json         a JSON object with the range and every row's figures\n");
}

static int parse_top(struct top_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"by", required_argument, NULL, 'b'},
                                         {"sensor", required_argument, NULL, 'S'},
                                         {"since", required_argument, NULL, 's'},
                                         {"until", required_argument, NULL, 'u'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            for (o->by = 0; by_names[o->by] && strcmp(by_names[o->by], optarg) != 0; o->by++)
                ;
            if (!by_names[o->by])
                return cli_usage_error("sensor top",
                                       "--by: port, source, asn, country or prefix, not "
                                       "'%s'",
                                       optarg);
            break;
        case 'S':
        case 's':
        case 'u':
            rc = sensor_scope_option(&o->scope, "sensor top", c, optarg);
            break;
        case 'n':
            if (rk_parse_uint(optarg, 1000000, &o->n) != 0 || o->n == 0)
                return cli_usage_error("sensor top", "-n: a number from 1 to 1000000");
            break;
        case 'j':
            o->json = 1;
            break;
        case 'h':
            top_usage();
            exit(RK_EXIT_OK);
        default:
            return cli_usage_error("sensor top", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc == 0 && optind < argc)
        return cli_usage_error("sensor top", "unexpected argument '%s'", argv[optind]);
    return rc;
}

static int add_bin(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta, void *ctx)
{
    (void)meta;
    return rk_sensor_rollup_add(ctx, b, NULL);
}

/* ---- JSON rows
 * ------------------------------------------------------------------------------------ */

static double share(uint64_t v, uint64_t total)
{
    return total ? 100.0 * (double)v / (double)total : 0.0;
}

static json_t *port_json(const struct rk_sensor_port_row *r, size_t rank, uint64_t total)
{
    char label[24];

    return json_pack("{s:I,s:s,s:i,s:i,s:I,s:f,s:I,s:I,s:I,s:b}", "rank", (json_int_t)rank, "label",
                     rk_sensor_port_label(r->proto, r->port, label, sizeof(label)), "protocol",
                     (int)r->proto, "port", (int)r->port, "packets", (json_int_t)r->packets,
                     "share", share(r->packets, total), "sources", (json_int_t)r->sources,
                     "sources_clean", (json_int_t)r->sources_clean, "packets_clean",
                     (json_int_t)r->packets_clean, "exact", r->exact);
}

static json_t *fp_json(uint8_t fp)
{
    json_t *a = json_array();

    for (unsigned bit = 0; a && bit < RK_SENSOR_FP_COUNT; bit++) {
        if (fp & (1u << bit))
            json_array_append_new(a, json_string(rk_sensor_fp_name(1u << bit)));
    }
    return a;
}

static json_t *source_json(const struct rk_sensor_source_row *r, size_t rank, uint64_t total)
{
    char addr[RK_SENSOR_ADDR_STR], first[40], last[40];

    return json_pack(
            "{s:I,s:s,s:I,s:I,s:f,s:I,s:I,s:s,s:s,s:o,s:I,s:s,s:b}", "rank", (json_int_t)rank,
            "source", rk_sensor_addr_format(&r->addr, addr, sizeof(addr)), "packets",
            (json_int_t)r->packets, "packets_err", (json_int_t)r->packets_err, "share",
            share(r->packets, total), "ports", (json_int_t)r->ports, "dsts", (json_int_t)r->dsts,
            "first_seen", sensor_time_rfc3339(r->first_ns / 1000000000, first, sizeof(first)),
            "last_seen", sensor_time_rfc3339(r->last_ns / 1000000000, last, sizeof(last)),
            "fingerprints", fp_json(r->fp), "asn", (json_int_t)r->asn, "country", r->country,
            "exact", r->exact);
}

static json_t *group_json(const struct rk_sensor_group_row *r, int by, size_t rank, uint64_t total)
{
    char key[RK_SENSOR_ADDR_STR];
    json_t *o = json_pack("{s:I,s:I,s:I,s:f,s:I,s:b}", "rank", (json_int_t)rank, "packets",
                          (json_int_t)r->packets, "packets_err", (json_int_t)r->packets_err,
                          "share", share(r->packets, total), "sources", (json_int_t)r->sources,
                          "exact", r->exact);

    if (!o)
        return NULL;
    if (by == BY_PREFIX)
        json_object_set_new(o, "prefix",
                            json_string(rk_sensor_prefix_format(&r->prefix, key, sizeof(key))));
    else if (by == BY_ASN)
        json_object_set_new(o, "asn", json_integer(r->asn));
    else
        json_object_set_new(o, "country", json_string(r->country));
    if (by == BY_ASN && r->name)
        json_object_set_new(o, "name", json_string(r->name));
    return o;
}

static json_t *rows_json(const struct rk_sensor_rollup *r, const struct top_opts *o)
{
    const struct rk_sensor_rollup_info *in = rk_sensor_rollup_info(r);
    const struct rk_sensor_port_row *pr;
    const struct rk_sensor_source_row *sr;
    const struct rk_sensor_group_row *gr;
    json_t *a = json_array();
    size_t n;

    if (o->by == BY_PORT) {
        n = rk_sensor_rollup_ports(r, &pr);
        for (size_t i = 0; a && i < n && i < o->n; i++)
            json_array_append_new(a, port_json(&pr[i], i + 1, in->packets));
    } else if (o->by == BY_SOURCE) {
        n = rk_sensor_rollup_sources(r, &sr);
        for (size_t i = 0; a && i < n && i < o->n; i++)
            json_array_append_new(a, source_json(&sr[i], i + 1, in->packets));
    } else {
        n = rk_sensor_rollup_groups(r, o->by == BY_ASN ? 1 : o->by == BY_COUNTRY ? 2 : 0, &gr);
        for (size_t i = 0; a && i < n && i < o->n; i++)
            json_array_append_new(a, group_json(&gr[i], o->by, i + 1, in->packets));
    }
    return a;
}

static void print_json(const struct rk_sensor_rollup *r, const struct top_opts *o)
{
    const struct rk_sensor_rollup_info *in = rk_sensor_rollup_info(r);
    char a[40], b[40];
    json_t *sensors = json_array(), *doc;

    for (size_t i = 0; sensors && i < o->scope.n; i++)
        json_array_append_new(sensors, json_string(o->scope.names[i]));
    doc = json_pack("{s:s,s:o,s:s?,s:s?,s:I,s:I,s:I,s:b,s:o}", "by", by_names[o->by], "sensors",
                    sensors, "first_bin",
                    in->bins ? sensor_time_rfc3339(in->first_start, a, sizeof(a)) : NULL, "end",
                    in->bins ? sensor_time_rfc3339(in->last_end, b, sizeof(b)) : NULL, "bins",
                    (json_int_t)in->bins, "packets", (json_int_t)in->packets, "sources",
                    (json_int_t)in->sources, "exact", in->exact, "rows", rows_json(r, o));
    if (doc)
        json_dumpf(doc, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(doc);
}

/* ---- tables -------------------------------------------------------------------------------------
 */

static int print_table(const struct rk_sensor_rollup *r, const struct top_opts *o)
{
    static const char *const titles[] = {"", "", "ASN", "Country", "Prefix"};
    static const char *const plural[] = {"ports", "sources", "ASNs", "countries", "prefixes"};
    const struct rk_sensor_rollup_info *in = rk_sensor_rollup_info(r);
    const struct rk_sensor_port_row *pr;
    const struct rk_sensor_source_row *sr;
    const struct rk_sensor_group_row *gr;
    char scope[1024], t1[32], t2[32], pk[32], src[32];
    struct rk_buf out;
    size_t n;
    int rc;

    sensor_scope_text(&o->scope, scope, sizeof(scope));
    printf("Top %llu %s: %s\n", (unsigned long long)o->n, plural[o->by], scope);
    printf("%llu bins from %s to %s UTC: %s packets, %s%s unique sources\n\n",
           (unsigned long long)in->bins, sensor_time_text(in->first_start, t1, sizeof(t1)),
           sensor_time_text(in->last_end, t2, sizeof(t2)), sensor_num(in->packets, pk, 32),
           in->exact ? "" : "~", sensor_num(in->sources, src, 32));
    rk_buf_init(&out, RK_BUF_UNLIMITED);
    if (o->by == BY_PORT) {
        n = rk_sensor_rollup_ports(r, &pr);
        rc = rk_sensor_table_ports(&out, pr, n, o->n, in->packets);
    } else if (o->by == BY_SOURCE) {
        n = rk_sensor_rollup_sources(r, &sr);
        rc = rk_sensor_table_sources(&out, sr, n, o->n, in->packets);
    } else {
        n = rk_sensor_rollup_groups(r, o->by == BY_ASN ? 1 : o->by == BY_COUNTRY ? 2 : 0, &gr);
        rc = rk_sensor_table_groups(&out, titles[o->by], gr, n, o->n, in->packets);
        if (n == 0 && o->by != BY_PREFIX)
            printf("(no %s rows: load a %s table at ingest, --%s-table or setting "
                   "sensor.%s_table)\n",
                   by_names[o->by], by_names[o->by], by_names[o->by], by_names[o->by]);
    }
    fputs(rk_buf_cstr(&out), stdout);
    rk_buf_free(&out);
    return rc;
}

int cmd_sensor_top(struct rk_cli *cli, int argc, char **argv)
{
    struct top_opts o;
    struct rk_store *st = NULL;
    struct rk_sensor_rollup *r = NULL;
    struct rk_err err;
    int status, rc;

    memset(&o, 0, sizeof(o));
    sensor_scope_init(&o.scope);
    o.n = 10;
    if (parse_top(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    if ((rc = rk_sensor_rollup_new(&r, &err)) != 0 ||
        (rc = rk_sensor_stored_bins(st, o.scope.names, o.scope.n, o.scope.since, o.scope.until,
                                    add_bin, r, &err)) != 0 ||
        (rc = rk_sensor_rollup_finish(r, &err)) != 0) {
        status = cli_fail("sensor top", rc, &err);
    } else if (o.json) {
        print_json(r, &o);
    } else if (rk_sensor_rollup_info(r)->bins == 0) {
        printf("no stored bins in this range; 'renkei sensor list' shows what is stored\n");
    } else if (print_table(r, &o) != 0) {
        status = RK_EXIT_ERROR;
    }
    rk_sensor_rollup_free(r);
    rk_store_close(st);
    return status;
}

/* ---- alerts -------------------------------------------------------------------------------------
 */

struct alerts_ctx {
    int json;
    json_t *arr;
    size_t n;
};

static void alerts_usage(void)
{
    printf("usage: renkei sensor alerts [--sensor NAME]... [--since WHEN] [--until WHEN] "
           "[--json]\n\n"
           "List the early-warning alerts stored by ingest and capture, oldest first: the bin\n"
           "that raised it, the sensor (\"*\" for the sum over all sensors), the rule (surge:\n"
           "a jump in unique clean sources on a port; cusum: a slower ramp; new-port: a port\n"
           "never seen active becomes so), the port, the unique sources and packets of the\n"
           "bin, the baseline (mean +- standard deviation) and the score (z, or the CUSUM\n"
           "statistic). An alert raised again after a merge with other figures gets a new\n"
           "revision. Each alert is also published as a STIX report with its evidence.\n\n"
           "Options:\n"
           "  --sensor NAME  only this sensor's alerts (repeatable; \"*\" for the cross-sensor\n"
           "                 series)\n"
           "  --since WHEN   alerts for bins starting at or after WHEN (2024-05-01, 24h, ...)\n"
           "  --until WHEN   ... before WHEN\n"
           "  --json         a JSON array with each alert's figures and evidence\n");
}

static int print_alert(const struct rk_store_sensor_alert *sa, void *ctx)
{
    struct alerts_ctx *c = ctx;
    struct rk_sensor_alert a;
    char t[32], port[24], base[48];
    json_t *o;

    if (rk_sensor_alert_from_json(sa->json, &a, NULL) != 0)
        return RK_EFORMAT;
    rk_sensor_port_label(a.proto, a.port, port, sizeof(port));
    if (c->json) {
        if (!(o = json_loads(sa->json, 0, NULL)))
            return RK_ENOMEM;
        json_object_set_new(o, "label", json_string(port));
        json_object_set_new(o, "bin", json_string(sensor_time_rfc3339(a.bin_start, t, 32)));
        json_object_set_new(o, "revision", json_integer(sa->revision));
        json_object_set_new(o, "published", json_boolean(sa->published_rev == sa->revision));
        return json_array_append_new(c->arr, o) ? RK_ENOMEM : 0;
    }
    if (c->n++ == 0)
        printf("%-16s %-16s %-8s %-12s %9s %10s %17s %8s %3s\n", "BIN (UTC)", "SENSOR", "RULE",
               "PORT", "SOURCES", "PACKETS", "BASELINE", "SCORE", "REV");
    snprintf(base, sizeof(base), "%.1f +- %.1f", a.baseline_mean, a.baseline_sd);
    printf("%-16s %-16s %-8s %-12s %s%8.0f %10llu %17s %8.2f %3u\n",
           sensor_time_text(a.bin_start, t, sizeof(t)), a.sensor, rk_sensor_rule_name(a.rule), port,
           a.exact ? " " : "~", a.sources, (unsigned long long)a.packets, base, a.score,
           sa->revision);
    return 0;
}

int cmd_sensor_alerts(struct rk_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
            {"sensor", required_argument, NULL, 'S'}, {"since", required_argument, NULL, 's'},
            {"until", required_argument, NULL, 'u'},  {"json", no_argument, NULL, 'j'},
            {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    struct sensor_scope scope;
    struct rk_store_sensor_alert_query q;
    struct alerts_ctx c = {0, NULL, 0};
    struct rk_store *st = NULL;
    struct rk_err err;
    int opt, status, rc = 0;

    sensor_scope_init(&scope);
    while (rc == 0 && (opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'h') {
            alerts_usage();
            return RK_EXIT_OK;
        }
        if (opt == 'j')
            c.json = 1;
        else if (opt == 'S' || opt == 's' || opt == 'u')
            rc = sensor_scope_option(&scope, "sensor alerts", opt, optarg);
        else
            return cli_usage_error("sensor alerts", "unknown option '%s'", argv[optind - 1]);
    }
    if (rc != 0)
        return RK_EXIT_USAGE;
    if (optind < argc)
        return cli_usage_error("sensor alerts", "unexpected argument '%s'", argv[optind]);
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_store_sensor_alert_query_init(&q);
    q.sensors = scope.names;
    q.n_sensors = scope.n;
    q.since = scope.since;
    q.until = scope.until;
    c.arr = json_array();
    rk_err_clear(&err);
    if ((rc = rk_store_sensor_alerts(st, &q, print_alert, &c, &err)) != 0) {
        status = cli_fail("sensor alerts", rc, &err);
    } else if (c.json) {
        json_dumpf(c.arr, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else if (c.n == 0 && !cli->quiet) {
        printf("no alerts in this range\n");
    }
    json_decref(c.arr);
    rk_store_close(st);
    return status;
}
