/* cmd_sensor_export.c - `renkei sensor export` (stored aggregates as CSV, JSON lines or a STIX
 * bundle) and `renkei sensor plot` (packets per port over time for the top ports, as SVG). */
#include "cmd_sensor.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strparse.h"

enum { T_BINS, T_PORTS, T_SOURCES, T_PREFIXES, T_ASNS, T_COUNTRIES, T_DOS, T_ALERTS };

static const char *const tables[] = {"bins",      "ports", "sources", "prefixes", "asns",
                                     "countries", "dos",   "alerts",  NULL};

static const char *const columns[] = {
        /* bins */
        "bin_start,bin_seconds,sensor,country,tlp,packets,bytes,sources,ports,scan_packets,"
        "backscatter_packets,other_packets,mirai_packets,zmap_packets,masscan_packets,"
        "spoofed_packets,research_packets,mirai_sources,zmap_sources,masscan_sources,"
        "spoofed_sources,research_sources,dos_victims,exact,revision",
        /* ports */
        "bin_start,sensor,protocol,port,label,packets,sources,packets_clean,sources_clean,"
        "scan_packets,backscatter_packets,other_packets,exact",
        /* sources */
        "bin_start,sensor,source,packets,packets_err,dsts,ports,first_seen,last_seen,"
        "scan_packets,backscatter_packets,other_packets,fingerprints,asn,country,exact",
        "bin_start,sensor,prefix,packets,packets_err,sources,exact",
        "bin_start,sensor,asn,name,packets,packets_err,sources,exact",
        "bin_start,sensor,country,packets,packets_err,sources,exact",
        /* dos */
        "bin_start,sensor,victim,protocol,attack_start,attack_last,packets,bytes,bin_packets,"
        "attacker_addrs,attacker_ports,target_ports,max_ppm,icmp_mismatches,finished,exact",
        /* alerts */
        "bin_start,bin_seconds,sensor,rule,protocol,port,label,sources,packets,baseline_mean,"
        "baseline_sd,score,exact,revision"};

struct export_opts {
    struct sensor_scope scope;
    int format; /* 0 csv, 1 json, 2 stix */
    int table;
    int table_given;
    const char *output;
};

/* One output row: CSV fields in column order, or a JSON object. */
struct row {
    FILE *f;
    int json;
    const char *const *names; /* column names, split */
    size_t n_names, col;
    json_t *obj;
    json_t *into; /* JSON rows go into this array instead of a line (nested bins) */
};

static void export_usage(void)
{
    printf("usage: renkei sensor export --format csv|json|stix [OPTIONS]\n\n"
           "Write stored sensor aggregates for a time range.\n\n"
           "  --format csv    one table as CSV with a header line (RFC 4180); --table picks it\n"
           "                  (default ports: one row per bin, sensor and port)\n"
           "  --format json   JSON lines: with --table bins (the default) one object per bin\n"
           "                  and sensor with its rows nested (port_rows, source_rows,\n"
           "                  prefix_rows, asn_rows, country_rows, dos_rows); other tables one\n"
           "                  object per row, with the CSV's columns\n"
           "  --format stix   one STIX 2.1 bundle: renkei's identity and extension-definition,\n"
           "                  per bin a renkei-darknet-summary, scanners (observed-data +\n"
           "                  indicator + sighting), DoS victims, and alerts as report + note:\n"
           "                  the objects 'renkei sensor publish' stores, for a file transfer\n\n"
           "Options:\n"
           "  --table T       bins, ports, sources, prefixes, asns, countries, dos or alerts\n"
           "  --sensor NAME   only this sensor (repeatable; default: all)\n"
           "  --since WHEN    bins starting at or after WHEN (2024-05-01, 2024-05-01T13:00:00Z,\n"
           "                  24h, 7d)\n"
           "  --until WHEN    bins starting before WHEN\n"
           "  -o, --output F  write to F (default: standard output)\n\n"
           "Times are RFC 3339 UTC. Rows say whether their figures are exact.\n");
}

static int parse_export(struct export_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"format", required_argument, NULL, 'f'}, {"table", required_argument, NULL, 't'},
            {"sensor", required_argument, NULL, 'S'}, {"since", required_argument, NULL, 's'},
            {"until", required_argument, NULL, 'u'},  {"output", required_argument, NULL, 'o'},
            {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    int c, rc = 0;

    o->format = -1;
    while (rc == 0 && (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o->format = strcmp(optarg, "csv") == 0    ? 0
                        : strcmp(optarg, "json") == 0 ? 1
                        : strcmp(optarg, "stix") == 0 ? 2
                                                      : -2;
            if (o->format == -2)
                return cli_usage_error("sensor export", "--format: csv, json or stix, not '%s'",
                                       optarg);
            break;
        case 't':
            for (o->table = 0; tables[o->table] && strcmp(tables[o->table], optarg); o->table++)
                ;
            if (!tables[o->table])
                return cli_usage_error("sensor export",
                                       "--table: bins, ports, sources, prefixes, "
                                       "asns, countries, dos or alerts, not '%s'",
                                       optarg);
            o->table_given = 1;
            break;
        case 'S':
        case 's':
        case 'u':
            rc = sensor_scope_option(&o->scope, "sensor export", c, optarg);
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'h':
            export_usage();
            exit(RK_EXIT_OK);
        default:
            return cli_usage_error("sensor export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc != 0)
        return rc;
    if (optind < argc)
        return cli_usage_error("sensor export", "unexpected argument '%s'", argv[optind]);
    if (o->format < 0)
        return cli_usage_error("sensor export", "give --format csv, json or stix");
    if (!o->table_given)
        o->table = o->format == 1 ? T_BINS : T_PORTS;
    return 0;
}

/* ---- rows
 * ---------------------------------------------------------------------------------------- */

static void row_begin(struct row *r)
{
    r->col = 0;
    if (r->json)
        r->obj = json_object();
}

static void row_end(struct row *r)
{
    if (r->json && r->into) {
        json_array_append_new(r->into, r->obj);
        r->obj = NULL;
        return;
    }
    if (r->json) {
        json_dumpf(r->obj, r->f, JSON_COMPACT);
        json_decref(r->obj);
        r->obj = NULL;
    }
    fputc('\n', r->f);
}

/* The next column's name (JSON keys). */
static const char *col_name(struct row *r)
{
    return r->col < r->n_names ? r->names[r->col] : "extra";
}

static void csv_sep(struct row *r)
{
    if (r->col > 0)
        fputc(',', r->f);
}

static void col_str(struct row *r, const char *v)
{
    if (r->json) {
        json_object_set_new(r->obj, col_name(r), json_string(v ? v : ""));
    } else {
        csv_sep(r);
        if (v && strpbrk(v, ",\"\r\n")) {
            fputc('"', r->f);
            for (; *v; v++) {
                if (*v == '"')
                    fputc('"', r->f);
                fputc(*v, r->f);
            }
            fputc('"', r->f);
        } else {
            fputs(v ? v : "", r->f);
        }
    }
    r->col++;
}

static void col_u(struct row *r, uint64_t v)
{
    if (r->json) {
        json_object_set_new(r->obj, col_name(r), json_integer((json_int_t)v));
    } else {
        csv_sep(r);
        fprintf(r->f, "%llu", (unsigned long long)v);
    }
    r->col++;
}

static void col_real(struct row *r, double v)
{
    if (r->json) {
        json_object_set_new(r->obj, col_name(r), json_real(v));
    } else {
        csv_sep(r);
        fprintf(r->f, "%.6g", v);
    }
    r->col++;
}

static void col_bool(struct row *r, int v)
{
    if (r->json) {
        json_object_set_new(r->obj, col_name(r), json_boolean(v));
    } else {
        csv_sep(r);
        fputs(v ? "true" : "false", r->f);
    }
    r->col++;
}

static void col_time(struct row *r, int64_t secs)
{
    char t[40];

    col_str(r, sensor_time_rfc3339(secs, t, sizeof(t)));
}

static void col_time_ns(struct row *r, int64_t ns)
{
    char t[48];
    int64_t s = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
    size_t n;

    sensor_time_rfc3339(s, t, sizeof(t));
    n = strlen(t);
    if (n > 0 && t[n - 1] == 'Z') /* keep the nanoseconds: first and last packets */
        snprintf(t + n - 1, sizeof(t) - (n - 1), ".%09lldZ", (long long)(ns - s * 1000000000));
    col_str(r, t);
}

/* ---- tables
 * -------------------------------------------------------------------------------------- */

static void fp_text(uint8_t fp, char *buf, size_t cap)
{
    size_t w = 0;

    buf[0] = '\0';
    for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT && w < cap; bit++) {
        if (fp & (1u << bit))
            w += (size_t)snprintf(buf + w, cap - w, "%s%s", w ? ";" : "",
                                  rk_sensor_fp_name(1u << bit));
    }
}

static void bin_row(struct row *r, const struct rk_sensor_bin_info *in, uint32_t revision)
{
    row_begin(r);
    col_time(r, in->start);
    col_u(r, in->secs);
    col_str(r, in->sensor);
    col_str(r, in->country);
    col_str(r, rk_tlp_name((enum rk_tlp)in->tlp));
    col_u(r, in->packets);
    col_u(r, in->bytes);
    col_u(r, in->sources);
    col_u(r, in->ports);
    for (int k = 0; k < RK_SENSOR_CLASS_COUNT; k++)
        col_u(r, in->class_packets[k]);
    for (int k = 0; k < RK_SENSOR_FP_COUNT; k++)
        col_u(r, in->fp_packets[k]);
    for (int k = 0; k < RK_SENSOR_FP_COUNT; k++)
        col_u(r, in->fp_sources[k]);
    col_u(r, in->dos_victims);
    col_bool(r, in->exact);
    col_u(r, revision);
}

static void port_rows(struct row *r, const struct rk_sensor_bin *b)
{
    const struct rk_sensor_bin_info *in = rk_sensor_bin_info(b);
    const struct rk_sensor_port_row *p;
    size_t n = rk_sensor_bin_ports(b, &p);
    char label[24];

    for (size_t i = 0; i < n; i++) {
        row_begin(r);
        col_time(r, in->start);
        col_str(r, in->sensor);
        col_u(r, p[i].proto);
        col_u(r, p[i].port);
        col_str(r, rk_sensor_port_label(p[i].proto, p[i].port, label, sizeof(label)));
        col_u(r, p[i].packets);
        col_u(r, p[i].sources);
        col_u(r, p[i].packets_clean);
        col_u(r, p[i].sources_clean);
        for (int k = 0; k < RK_SENSOR_CLASS_COUNT; k++)
            col_u(r, p[i].class_packets[k]);
        col_bool(r, p[i].exact);
        row_end(r);
    }
}

static void source_rows(struct row *r, const struct rk_sensor_bin *b)
{
    const struct rk_sensor_bin_info *in = rk_sensor_bin_info(b);
    const struct rk_sensor_source_row *s;
    size_t n = rk_sensor_bin_sources(b, &s);
    char addr[RK_SENSOR_ADDR_STR], fp[96];

    for (size_t i = 0; i < n; i++) {
        row_begin(r);
        col_time(r, in->start);
        col_str(r, in->sensor);
        col_str(r, rk_sensor_addr_format(&s[i].addr, addr, sizeof(addr)));
        col_u(r, s[i].packets);
        col_u(r, s[i].packets_err);
        col_u(r, s[i].dsts);
        col_u(r, s[i].ports);
        col_time_ns(r, s[i].first_ns);
        col_time_ns(r, s[i].last_ns);
        for (int k = 0; k < RK_SENSOR_CLASS_COUNT; k++)
            col_u(r, s[i].class_packets[k]);
        fp_text(s[i].fp, fp, sizeof(fp));
        col_str(r, fp);
        col_u(r, s[i].asn);
        col_str(r, s[i].country);
        col_bool(r, s[i].exact);
        row_end(r);
    }
}

static void group_rows(struct row *r, const struct rk_sensor_bin *b, int table)
{
    const struct rk_sensor_bin_info *in = rk_sensor_bin_info(b);
    const struct rk_sensor_group_row *g;
    size_t n = table == T_PREFIXES ? rk_sensor_bin_prefixes(b, &g)
               : table == T_ASNS   ? rk_sensor_bin_asns(b, &g)
                                   : rk_sensor_bin_countries(b, &g);
    char key[RK_SENSOR_ADDR_STR];

    for (size_t i = 0; i < n; i++) {
        row_begin(r);
        col_time(r, in->start);
        col_str(r, in->sensor);
        if (table == T_PREFIXES) {
            col_str(r, rk_sensor_prefix_format(&g[i].prefix, key, sizeof(key)));
        } else if (table == T_ASNS) {
            col_u(r, g[i].asn);
            col_str(r, g[i].name);
        } else {
            col_str(r, g[i].country);
        }
        col_u(r, g[i].packets);
        col_u(r, g[i].packets_err);
        col_u(r, g[i].sources);
        col_bool(r, g[i].exact);
        row_end(r);
    }
}

static void dos_rows(struct row *r, const struct rk_sensor_bin *b)
{
    const struct rk_sensor_bin_info *in = rk_sensor_bin_info(b);
    const struct rk_sensor_dos_row *d;
    size_t n = rk_sensor_bin_dos(b, &d);
    char addr[RK_SENSOR_ADDR_STR];

    for (size_t i = 0; i < n; i++) {
        row_begin(r);
        col_time(r, in->start);
        col_str(r, in->sensor);
        col_str(r, rk_sensor_addr_format(&d[i].victim, addr, sizeof(addr)));
        col_u(r, d[i].proto);
        col_time_ns(r, d[i].start_ns);
        col_time_ns(r, d[i].last_ns);
        col_u(r, d[i].packets);
        col_u(r, d[i].bytes);
        col_u(r, d[i].bin_packets);
        col_u(r, d[i].attacker_addrs);
        col_u(r, d[i].attacker_ports);
        col_u(r, d[i].target_ports);
        col_u(r, d[i].max_ppm);
        col_u(r, d[i].icmp_mismatches);
        col_bool(r, d[i].finished);
        col_bool(r, d[i].exact);
        row_end(r);
    }
}

/* Column names of a table (JSON keys), cut from columns[] into buf. */
struct names {
    char buf[1024];
    const char *v[64];
    size_t n;
};

static void split_names(struct names *nm, int table)
{
    char *p = nm->buf;

    rk_strlcpy(nm->buf, columns[table], sizeof(nm->buf));
    nm->n = 0;
    while (*p && nm->n < 64) {
        size_t len = strcspn(p, ",");

        nm->v[nm->n++] = p;
        if (!p[len])
            break;
        p[len] = '\0';
        p += len + 1;
    }
}

static void row_init(struct row *r, FILE *f, int json, const struct names *nm, json_t *into)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->json = json;
    r->names = nm->v;
    r->n_names = nm->n;
    r->into = into;
}

/* Every row of one of the bin's tables into a new JSON array under key of parent. */
static void nested(json_t *parent, const char *key, const struct rk_sensor_bin *b, int table)
{
    struct names nm;
    struct row r;
    json_t *arr = json_array();

    split_names(&nm, table);
    row_init(&r, NULL, 1, &nm, arr);
    if (table == T_PORTS)
        port_rows(&r, b);
    else if (table == T_SOURCES)
        source_rows(&r, b);
    else if (table == T_DOS)
        dos_rows(&r, b);
    else
        group_rows(&r, b, table);
    json_object_set_new(parent, key, arr);
}

struct export_ctx {
    const struct export_opts *o;
    struct row r;
    uint64_t rows;
};

static int export_bin(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta,
                      void *ctx)
{
    struct export_ctx *c = ctx;

    switch (c->o->table) {
    case T_BINS:
        bin_row(&c->r, rk_sensor_bin_info(b), meta->revision);
        if (c->r.json) {
            nested(c->r.obj, "port_rows", b, T_PORTS);
            nested(c->r.obj, "source_rows", b, T_SOURCES);
            nested(c->r.obj, "prefix_rows", b, T_PREFIXES);
            nested(c->r.obj, "asn_rows", b, T_ASNS);
            nested(c->r.obj, "country_rows", b, T_COUNTRIES);
            nested(c->r.obj, "dos_rows", b, T_DOS);
        }
        row_end(&c->r);
        break;
    case T_PORTS:
        port_rows(&c->r, b);
        break;
    case T_SOURCES:
        source_rows(&c->r, b);
        break;
    case T_DOS:
        dos_rows(&c->r, b);
        break;
    default:
        group_rows(&c->r, b, c->o->table);
        break;
    }
    c->rows++;
    return ferror(c->r.f) ? RK_EIO : 0;
}

static int export_alert(const struct rk_store_sensor_alert *sa, void *ctx)
{
    struct export_ctx *c = ctx;
    struct rk_sensor_alert a;
    char label[24];
    int rc;

    if ((rc = rk_sensor_alert_from_json(sa->json, &a, NULL)) != 0)
        return rc;
    row_begin(&c->r);
    col_time(&c->r, a.bin_start);
    col_u(&c->r, a.bin_secs);
    col_str(&c->r, a.sensor);
    col_str(&c->r, rk_sensor_rule_name(a.rule));
    col_u(&c->r, a.proto);
    col_u(&c->r, a.port);
    col_str(&c->r, rk_sensor_port_label(a.proto, a.port, label, sizeof(label)));
    col_real(&c->r, a.sources);
    col_u(&c->r, a.packets);
    col_real(&c->r, a.baseline_mean);
    col_real(&c->r, a.baseline_sd);
    col_real(&c->r, a.score);
    col_bool(&c->r, a.exact);
    col_u(&c->r, sa->revision);
    row_end(&c->r);
    c->rows++;
    return ferror(c->r.f) ? RK_EIO : 0;
}

static int export_rows(struct rk_store *st, const struct export_opts *o, FILE *f,
                       struct rk_err *err)
{
    struct export_ctx c = {o, {0}, 0};
    struct rk_store_sensor_alert_query q;
    struct names nm;

    split_names(&nm, o->table);
    row_init(&c.r, f, o->format == 1, &nm, NULL);
    if (o->format == 0)
        fprintf(f, "%s\n", columns[o->table]);
    if (o->table != T_ALERTS)
        return rk_sensor_stored_bins(st, o->scope.names, o->scope.n, o->scope.since, o->scope.until,
                                     export_bin, &c, err);
    rk_store_sensor_alert_query_init(&q);
    q.sensors = o->scope.names;
    q.n_sensors = o->scope.n;
    q.since = o->scope.since;
    q.until = o->scope.until;
    return rk_store_sensor_alerts(st, &q, export_alert, &c, err);
}

static int export_stix(struct rk_cli *cli, struct rk_store *st, const struct export_opts *o,
                       FILE *f, struct rk_err *err)
{
    struct rk_sensor_stix_options so;
    json_t *objects = json_array(), *bundle = NULL;
    int rc;

    rk_sensor_stix_options_init(&so);
    so.top_sources = (size_t)cli->settings.sensor_stix_top_sources;
    so.min_packets = (uint64_t)cli->settings.sensor_stix_min_packets;
    if (!objects)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if ((rc = rk_sensor_stix_range(st, o->scope.names, o->scope.n, o->scope.since, o->scope.until,
                                   &so, objects, err)) == 0 &&
        (rc = rk_sensor_stix_bundle(objects, &bundle, err)) == 0 &&
        json_dumpf(bundle, f, JSON_COMPACT) != 0)
        rc = rk_err_set(err, RK_EIO, "write failed");
    fputc('\n', f);
    if (rc == 0 && o->output && !cli->quiet)
        fprintf(stderr, "export: %zu STIX objects written to %s\n", json_array_size(objects),
                o->output);
    json_decref(bundle);
    json_decref(objects);
    return rc;
}

int cmd_sensor_export(struct rk_cli *cli, int argc, char **argv)
{
    struct export_opts o;
    struct rk_store *st = NULL;
    struct rk_err err;
    FILE *f;
    int status, rc;

    memset(&o, 0, sizeof(o));
    sensor_scope_init(&o.scope);
    if (parse_export(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    if (!(f = sensor_open_output(o.output, "export"))) {
        rk_store_close(st);
        return RK_EXIT_ERROR;
    }
    rk_err_clear(&err);
    rc = o.format == 2 ? export_stix(cli, st, &o, f, &err) : export_rows(st, &o, f, &err);
    if (rc != 0)
        status = cli_fail("sensor export", rc, &err);
    status = sensor_close_output(f, o.output, "export", status);
    rk_store_close(st);
    return status;
}

/* ---- plot
 * ---------------------------------------------------------------------------------------- */

static void plot_usage(void)
{
    printf("usage: renkei sensor plot [-o FILE.svg] [OPTIONS]\n\n"
           "Draw packets per port over time for the top-N ports of a time range, one line per\n"
           "port and a point per bin, like TSUBAME's published graphs: a UTC time axis, round\n"
           "y ticks and a legend with each port's total. Without --sensor the sensors are\n"
           "summed. The output is SVG (renkei draws it itself; PNG is not offered: convert the\n"
           "SVG with any browser or rsvg-convert).\n\n"
           "Options:\n"
           "  -o, --output F  the SVG file (default: sensor-ports.svg; - for standard output)\n"
           "  --top N         ports drawn (default 10, at most 50)\n"
           "  --sensor NAME   only this sensor (repeatable)\n"
           "  --since WHEN    bins starting at or after WHEN (2024-05-01, 24h, 7d, ...)\n"
           "  --until WHEN    bins starting before WHEN\n"
           "  --stacked       stacked areas instead of lines\n"
           "  --log           logarithmic y axis (lines only)\n"
           "  --title TEXT    the title (default: the sensors and the range)\n"
           "  --width W, --height H  pixels (default 960 x 480)\n");
}

static int parse_plot(struct sensor_scope *sc, struct rk_sensor_plot_options *po,
                      const char **output, int argc, char **argv)
{
    static const struct option opts[] = {
            {"output", required_argument, NULL, 'o'}, {"top", required_argument, NULL, 'n'},
            {"sensor", required_argument, NULL, 'S'}, {"since", required_argument, NULL, 's'},
            {"until", required_argument, NULL, 'u'},  {"stacked", no_argument, NULL, 'k'},
            {"log", no_argument, NULL, 'l'},          {"title", required_argument, NULL, 't'},
            {"width", required_argument, NULL, 'W'},  {"height", required_argument, NULL, 'H'},
            {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    uint64_t v;
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            *output = optarg;
            break;
        case 'n':
            if (rk_parse_uint(optarg, 50, &v) != 0 || v == 0)
                return cli_usage_error("sensor plot", "--top: 1 to 50 ports");
            po->top_n = (size_t)v;
            break;
        case 'S':
        case 's':
        case 'u':
            rc = sensor_scope_option(sc, "sensor plot", c, optarg);
            break;
        case 'k':
            po->stacked = 1;
            break;
        case 'l':
            po->log_scale = 1;
            break;
        case 't':
            po->title = optarg;
            break;
        case 'W':
        case 'H':
            if (rk_parse_uint(optarg, 10000, &v) != 0 || v < (c == 'W' ? 320u : 200u))
                return cli_usage_error("sensor plot", "--width 320..10000, --height 200..10000");
            *(c == 'W' ? &po->width : &po->height) = (int)v;
            break;
        case 'h':
            plot_usage();
            exit(RK_EXIT_OK);
        default:
            return cli_usage_error("sensor plot", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc == 0 && po->stacked && po->log_scale)
        return cli_usage_error("sensor plot", "--log draws lines: leave out --stacked");
    if (rc == 0 && optind < argc)
        return cli_usage_error("sensor plot", "unexpected argument '%s'", argv[optind]);
    return rc;
}

static int plot_bin(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta,
                    void *ctx)
{
    (void)meta;
    return rk_sensor_plot_add_bin(ctx, b);
}

int cmd_sensor_plot(struct rk_cli *cli, int argc, char **argv)
{
    struct rk_sensor_plot_options po;
    struct sensor_scope sc;
    struct rk_sensor_plot *p = NULL;
    struct rk_store *st = NULL;
    const char *output = "sensor-ports.svg";
    char title[1200], scope[1024];
    struct rk_buf svg;
    struct rk_err err;
    FILE *f = NULL;
    int status, rc;

    rk_sensor_plot_options_init(&po);
    sensor_scope_init(&sc);
    if (parse_plot(&sc, &po, &output, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if (!po.title) {
        sensor_scope_text(&sc, scope, sizeof(scope));
        snprintf(title, sizeof(title), "Packets per port: %s", scope);
        po.title = title;
    }
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    rk_buf_init(&svg, (size_t)64 << 20);
    if ((rc = rk_sensor_plot_new(&p, &po, &err)) != 0 ||
        (rc = rk_sensor_stored_bins(st, sc.names, sc.n, sc.since, sc.until, plot_bin, p, &err)) !=
                0 ||
        (rc = rk_sensor_plot_svg(p, &svg, &err)) != 0) {
        status = rc == RK_EINVAL ? RK_EXIT_FAIL : RK_EXIT_ERROR;
        cli_fail(rc == RK_EINVAL ? "sensor plot: nothing to draw (no stored bins with packets "
                                   "in this range)"
                                 : "sensor plot",
                 rc, &err);
    } else if ((f = sensor_open_output(output, "plot")) != NULL) {
        fwrite(rk_buf_ptr(&svg), 1, rk_buf_len(&svg), f);
        status = sensor_close_output(f, output, "plot", RK_EXIT_OK);
        if (status == RK_EXIT_OK && f != stdout && !cli->quiet)
            fprintf(stderr, "plot: %s written (%zu bytes)\n", output, rk_buf_len(&svg));
    } else {
        status = RK_EXIT_ERROR;
    }
    rk_buf_free(&svg);
    rk_sensor_plot_free(p);
    rk_store_close(st);
    return status;
}
