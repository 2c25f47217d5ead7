/* sensor_check.c - runs the sensor engine and detector over a capture and compares everything
 * with the generator's ground truth (sensor_gen --labels): every bin's totals, ports,
 * fingerprints, prefixes and sampled sources, the drop counts, the DoS attacks, and the
 * campaigns against the alerts. Exits 1 on any mismatch.
 *
 *   sensor_check --labels L.json --input CAPTURE|DIR|- [--scanners LIST] [--stix OUT.json]
 *                [--svg OUT.svg] [--tables] [--quality] [--expect-detect] [--mem-cap BYTES]
 *                [--single]
 *
 * Frames go through rk_sensor_reader_next_batch and rk_sensor_engine_packets, or one at a time
 * with --single; both must give the same results.
 * --quality prints one line of detection figures; --expect-detect fails unless every campaign
 * is detected and no alert is false; --mem-cap runs with that cap and checks only what stays
 * exact under approximation (packets) plus the documented error bounds. */
#include "renkei/sensor.h"
#include "util/buf.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static int verbose = 1;
static int single; /* one frame at a time instead of batches */

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (failures++ < 40 && verbose) {                                                          \
            fprintf(stderr, "MISMATCH: " __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

static int64_t ji(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *js(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s ? s : "";
}

struct binlist {
    struct rk_sensor_bin **b;
    size_t n, cap;
};

static void push_bin(struct binlist *l, struct rk_sensor_bin *b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->b = realloc(l->b, l->cap * sizeof(*l->b));
    }
    l->b[l->n++] = b;
}

static const struct rk_sensor_bin *find_bin(const struct binlist *l, const char *sensor,
                                            int64_t start)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct rk_sensor_bin_info *in = rk_sensor_bin_info(l->b[i]);

        if (in->start == start && strcmp(in->sensor, sensor) == 0)
            return l->b[i];
    }
    return NULL;
}

static int tlp_of(const char *s)
{
    if (!strcmp(s, "clear"))
        return RK_TLP_CLEAR;
    if (!strcmp(s, "green"))
        return RK_TLP_GREEN;
    if (!strcmp(s, "amber"))
        return RK_TLP_AMBER;
    return RK_TLP_RED;
}

/* ---- running the engine ------------------------------------------------------------------- */

static struct rk_sensor_engine *run(const json_t *labels, const char *input, const char *scanners,
                                    uint64_t mem_cap, struct binlist *bins)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;
    struct rk_sensor_reader *r;
    struct rk_sensor_frame batch[64];
    struct rk_sensor_bin *b;
    struct rk_err err;
    size_t i;
    json_t *s;
    int rc;

    rk_sensor_config_init(&cfg);
    cfg.now_ns = 1714521600LL * 1000000000LL + 365LL * 86400 * 1000000000LL;
    if (mem_cap)
        cfg.mem_cap = mem_cap;
    if (rk_sensor_engine_new(&e, &cfg, &err) != 0) {
        fprintf(stderr, "engine: %s\n", err.message);
        exit(2);
    }
    json_array_foreach(json_object_get(labels, "sensors"), i, s)
    {
        if (rk_sensor_engine_add_sensor(e, js(s, "name"), js(s, "country"), tlp_of(js(s, "tlp")),
                                        js(s, "prefixes"), &err) != 0) {
            fprintf(stderr, "sensor: %s\n", err.message);
            exit(2);
        }
    }
    if (scanners && rk_sensor_engine_load_scanners(e, scanners, NULL, &err) != 0) {
        fprintf(stderr, "scanners: %s\n", err.message);
        exit(2);
    }
    if (rk_sensor_reader_open(&r, input, &cfg, &err) != 0) {
        fprintf(stderr, "input: %s\n", err.message);
        exit(2);
    }
    for (;;) {
        size_t n = 1;

        rc = single ? rk_sensor_reader_next(r, batch, &err)
                    : rk_sensor_reader_next_batch(r, batch, 64, &n, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            FAIL("reader error: %s", err.message);
            continue;
        }
        if ((single ? rk_sensor_engine_packet(e, batch) : rk_sensor_engine_packets(e, batch, n)) !=
            0) {
            fprintf(stderr, "engine failed\n");
            exit(2);
        }
        while (rk_sensor_engine_take_bin(e, &b) == 1)
            push_bin(bins, b);
    }
    rk_sensor_reader_free(r);
    rk_sensor_engine_flush(e, NULL);
    while (rk_sensor_engine_take_bin(e, &b) == 1)
        push_bin(bins, b);
    return e;
}

/* ---- comparing ------------------------------------------------------------------------------ */

static void cmp_u64s(const char *what, const char *where, const json_t *expect, const uint64_t *got,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t x = (uint64_t)json_integer_value(json_array_get(expect, i));

        if (x != got[i])
            FAIL("%s %s[%zu]: expected %llu, got %llu", where, what, i, (unsigned long long)x,
                 (unsigned long long)got[i]);
    }
}

static void cmp_ports(const json_t *lb, const struct rk_sensor_bin *b, const char *where, int exact)
{
    const struct rk_sensor_port_row *r;
    size_t n = rk_sensor_bin_ports(b, &r), i;
    json_t *p;

    if ((int64_t)n != ji(lb, "ports_count"))
        FAIL("%s ports: expected %lld, got %zu", where, (long long)ji(lb, "ports_count"), n);
    json_array_foreach(json_object_get(lb, "ports"), i, p)
    {
        const struct rk_sensor_port_row *x = NULL;

        for (size_t k = 0; k < n; k++) {
            if (r[k].proto == ji(p, "proto") && r[k].port == ji(p, "port"))
                x = &r[k];
        }
        if (!x) {
            FAIL("%s port %lld/%lld missing", where, (long long)ji(p, "port"),
                 (long long)ji(p, "proto"));
            continue;
        }
        if ((int64_t)x->packets != ji(p, "packets") ||
            (int64_t)x->packets_clean != ji(p, "packets_clean"))
            FAIL("%s port %u/%u packets %llu/%llu, expected %lld/%lld", where, x->port, x->proto,
                 (unsigned long long)x->packets, (unsigned long long)x->packets_clean,
                 (long long)ji(p, "packets"), (long long)ji(p, "packets_clean"));
        cmp_u64s("class_packets", where, json_object_get(p, "class_packets"), x->class_packets, 3);
        if (exact && ((int64_t)x->sources != ji(p, "sources") ||
                      (int64_t)x->sources_clean != ji(p, "sources_clean") || !x->exact))
            FAIL("%s port %u/%u sources %llu/%llu, expected %lld/%lld", where, x->port, x->proto,
                 (unsigned long long)x->sources, (unsigned long long)x->sources_clean,
                 (long long)ji(p, "sources"), (long long)ji(p, "sources_clean"));
        if (!exact && !x->exact &&
            fabs((double)x->sources - (double)ji(p, "sources")) >
                    4 * 0.065 * (double)ji(p, "sources") + 1)
            FAIL("%s port %u/%u approximate sources %llu, true %lld: beyond 4 standard errors",
                 where, x->port, x->proto, (unsigned long long)x->sources,
                 (long long)ji(p, "sources"));
        if (!exact && x->exact && (int64_t)x->sources != ji(p, "sources"))
            FAIL("%s port %u/%u small-exact sources %llu, expected %lld", where, x->port, x->proto,
                 (unsigned long long)x->sources, (long long)ji(p, "sources"));
    }
}

static void cmp_sources(const json_t *lb, const struct rk_sensor_bin *b, const char *where)
{
    const struct rk_sensor_source_row *r;
    size_t n = rk_sensor_bin_sources(b, &r), i;
    json_t *s;

    json_array_foreach(json_object_get(lb, "sources_sample"), i, s)
    {
        struct rk_sensor_addr a;
        const struct rk_sensor_source_row *x = NULL;

        rk_sensor_addr_parse(js(s, "addr"), strlen(js(s, "addr")), &a);
        for (size_t k = 0; k < n; k++) {
            if (memcmp(r[k].addr.a, a.a, 16) == 0)
                x = &r[k];
        }
        if (!x) {
            FAIL("%s source %s missing", where, js(s, "addr"));
            continue;
        }
        if ((int64_t)x->packets != ji(s, "packets") || (int64_t)x->dsts != ji(s, "dsts") ||
            (int64_t)x->ports != ji(s, "ports") || x->first_ns != ji(s, "first_ns") ||
            x->last_ns != ji(s, "last_ns") || x->fp != ji(s, "fp"))
            FAIL("%s source %s: packets %llu dsts %llu ports %llu fp %u first %lld last %lld; "
                 "expected %lld %lld %lld %lld %lld %lld",
                 where, js(s, "addr"), (unsigned long long)x->packets, (unsigned long long)x->dsts,
                 (unsigned long long)x->ports, x->fp, (long long)x->first_ns, (long long)x->last_ns,
                 (long long)ji(s, "packets"), (long long)ji(s, "dsts"), (long long)ji(s, "ports"),
                 (long long)ji(s, "fp"), (long long)ji(s, "first_ns"), (long long)ji(s, "last_ns"));
        cmp_u64s("source class_packets", where, json_object_get(s, "class_packets"),
                 x->class_packets, 3);
    }
}

static void cmp_prefixes(const json_t *lb, const struct rk_sensor_bin *b, const char *where)
{
    const struct rk_sensor_group_row *r;
    size_t n = rk_sensor_bin_prefixes(b, &r), i;
    json_t *p;
    char text[RK_SENSOR_ADDR_STR];

    if ((int64_t)n != ji(lb, "prefixes_count"))
        FAIL("%s prefixes: expected %lld, got %zu", where, (long long)ji(lb, "prefixes_count"), n);
    json_array_foreach(json_object_get(lb, "top_prefixes"), i, p)
    {
        if (i >= n) {
            FAIL("%s prefix %zu missing", where, i);
            break;
        }
        rk_sensor_prefix_format(&r[i].prefix, text, sizeof(text));
        if (strcmp(text, js(p, "prefix")) || (int64_t)r[i].packets != ji(p, "packets") ||
            (int64_t)r[i].sources != ji(p, "sources"))
            FAIL("%s prefix #%zu: %s %llu %llu, expected %s %lld %lld", where, i, text,
                 (unsigned long long)r[i].packets, (unsigned long long)r[i].sources,
                 js(p, "prefix"), (long long)ji(p, "packets"), (long long)ji(p, "sources"));
    }
}

static void cmp_bins(const json_t *labels, const struct binlist *bins, int exact)
{
    size_t i;
    json_t *lb;

    if (json_array_size(json_object_get(labels, "bins")) != bins->n)
        FAIL("bins: expected %zu, got %zu", json_array_size(json_object_get(labels, "bins")),
             bins->n);
    json_array_foreach(json_object_get(labels, "bins"), i, lb)
    {
        const struct rk_sensor_bin *b = find_bin(bins, js(lb, "sensor"), ji(lb, "start"));
        const struct rk_sensor_bin_info *in;
        char where[96];

        snprintf(where, sizeof(where), "%s@%lld", js(lb, "sensor"), (long long)ji(lb, "start"));
        if (!b) {
            FAIL("%s: no such bin", where);
            continue;
        }
        in = rk_sensor_bin_info(b);
        if ((int64_t)in->packets != ji(lb, "packets") || (int64_t)in->bytes != ji(lb, "bytes"))
            FAIL("%s packets/bytes %llu/%llu, expected %lld/%lld", where,
                 (unsigned long long)in->packets, (unsigned long long)in->bytes,
                 (long long)ji(lb, "packets"), (long long)ji(lb, "bytes"));
        cmp_u64s("class_packets", where, json_object_get(lb, "class_packets"), in->class_packets,
                 3);
        cmp_u64s("fp_packets", where, json_object_get(lb, "fp_packets"), in->fp_packets, 5);
        cmp_ports(lb, b, where, exact);
        if (exact) {
            if ((int64_t)in->sources != ji(lb, "sources") || !in->exact)
                FAIL("%s sources %llu (exact %d), expected %lld", where,
                     (unsigned long long)in->sources, in->exact, (long long)ji(lb, "sources"));
            cmp_u64s("fp_sources", where, json_object_get(lb, "fp_sources"), in->fp_sources, 5);
            cmp_sources(lb, b, where);
            cmp_prefixes(lb, b, where);
        } else if (fabs((double)in->sources - (double)ji(lb, "sources")) >
                   4 * (in->sources_rse > 0 ? in->sources_rse : 0) * (double)ji(lb, "sources")) {
            FAIL("%s approximate sources %llu, true %lld: beyond 4 standard errors", where,
                 (unsigned long long)in->sources, (long long)ji(lb, "sources"));
        }
    }
}

static void cmp_stats(const json_t *labels, const struct rk_sensor_engine *e)
{
    const struct rk_sensor_stats *st = rk_sensor_engine_stats(e);
    json_t *drops = json_object_get(labels, "drops");

    if ((int64_t)st->frames != ji(labels, "frames"))
        FAIL("frames: expected %lld, got %llu", (long long)ji(labels, "frames"),
             (unsigned long long)st->frames);
    if ((int64_t)st->outside != ji(labels, "outside"))
        FAIL("outside: expected %lld, got %llu", (long long)ji(labels, "outside"),
             (unsigned long long)st->outside);
    uint64_t sum = st->packets + st->outside;

    for (int d = 1; d < RK_SENSOR_DROP_COUNT; d++)
        sum += st->drops[d];
    if (sum != st->frames)
        FAIL("frames %llu != packets + outside + drops %llu", (unsigned long long)st->frames,
             (unsigned long long)sum);
    for (int d = 1; d < RK_SENSOR_DROP_COUNT; d++) {
        int64_t x = ji(drops, rk_sensor_drop_name(d));

        if ((int64_t)st->drops[d] != x)
            FAIL("drops %s: expected %lld, got %llu", rk_sensor_drop_name(d), (long long)x,
                 (unsigned long long)st->drops[d]);
    }
}

static void cmp_attacks(const json_t *labels, struct rk_sensor_engine *e)
{
    struct rk_sensor_dos_row a[256];
    char sensor[256][RK_SENSOR_NAME_MAX];
    size_t n = 0, i;
    json_t *x;

    while (n < 256 && rk_sensor_engine_take_attack(e, &a[n], sensor[n]) == 1)
        n++;
    if (n != json_array_size(json_object_get(labels, "attacks")))
        FAIL("attacks: expected %zu, got %zu", json_array_size(json_object_get(labels, "attacks")),
             n);
    json_array_foreach(json_object_get(labels, "attacks"), i, x)
    {
        struct rk_sensor_addr v;
        size_t k;

        rk_sensor_addr_parse(js(x, "victim"), strlen(js(x, "victim")), &v);
        for (k = 0; k < n; k++) {
            if (!memcmp(a[k].victim.a, v.a, 16) && a[k].proto == ji(x, "proto") &&
                a[k].start_ns == ji(x, "start_ns") && !strcmp(sensor[k], js(x, "sensor")))
                break;
        }
        if (k == n) {
            FAIL("attack on %s (proto %lld) missing", js(x, "victim"), (long long)ji(x, "proto"));
            continue;
        }
        if (a[k].last_ns != ji(x, "last_ns") || (int64_t)a[k].packets != ji(x, "packets") ||
            (int64_t)a[k].bytes != ji(x, "bytes") ||
            (int64_t)a[k].attacker_addrs != ji(x, "attacker_addrs") ||
            (int64_t)a[k].attacker_ports != ji(x, "attacker_ports") ||
            (int64_t)a[k].target_ports != ji(x, "target_ports") ||
            (int64_t)a[k].max_ppm != ji(x, "max_ppm") || !a[k].exact)
            FAIL("attack on %s: packets %llu addrs %llu aports %llu tports %llu ppm %llu",
                 js(x, "victim"), (unsigned long long)a[k].packets,
                 (unsigned long long)a[k].attacker_addrs, (unsigned long long)a[k].attacker_ports,
                 (unsigned long long)a[k].target_ports, (unsigned long long)a[k].max_ppm);
    }
}

/* ---- detection --------------------------------------------------------------------------------
 */

struct alerts {
    struct rk_sensor_alert *a;
    size_t n, cap;
};

static void detect(const struct binlist *bins, struct alerts *out)
{
    struct rk_sensor_detector *d;
    struct rk_sensor_alert a;
    struct rk_err err;

    rk_sensor_detector_new(&d, NULL, NULL);
    for (size_t i = 0; i < bins->n; i++) {
        if (rk_sensor_detector_observe_bin(d, bins->b[i], &err) != 0)
            FAIL("detector: %s", err.message);
    }
    rk_sensor_detector_flush(d, NULL);
    while (rk_sensor_detector_take_alert(d, &a) == 1) {
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 64;
            out->a = realloc(out->a, out->cap * sizeof(*out->a));
        }
        out->a[out->n++] = a;
    }
    rk_sensor_detector_free(d);
}

static int matches(const json_t *c, const struct rk_sensor_alert *a)
{
    size_t i;
    json_t *s;
    int sensor_ok = strcmp(a->sensor, "*") == 0;

    json_array_foreach(json_object_get(c, "sensors"), i, s)
    {
        sensor_ok |= strcmp(json_string_value(s), a->sensor) == 0;
    }
    return sensor_ok && a->proto == ji(c, "proto") && a->port == ji(c, "port") &&
           a->bin_start >= ji(c, "start") && a->bin_start <= ji(c, "start") + 6 * 3600;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void evaluate(const json_t *labels, const struct alerts *al, int quality, int expect)
{
    json_t *camps = json_object_get(labels, "campaigns"), *c;
    size_t n_c = json_array_size(camps), detected = 0, true_alerts = 0, i;
    double ttd[32];

    json_array_foreach(camps, i, c)
    {
        int64_t first = INT64_MAX;

        for (size_t k = 0; k < al->n; k++) {
            int64_t t = al->a[k].bin_start + al->a[k].bin_secs - ji(c, "start");

            if (matches(c, &al->a[k]) && t < first)
                first = t;
        }
        if (first != INT64_MAX && detected < 32)
            ttd[detected++] = (double)first;
        else if (first == INT64_MAX && verbose)
            fprintf(stderr, "missed campaign %lld/tcp start %lld\n", (long long)ji(c, "port"),
                    (long long)ji(c, "start"));
    }
    for (size_t k = 0; k < al->n; k++) {
        int ok = 0;

        json_array_foreach(camps, i, c)
        {
            ok |= matches(c, &al->a[k]);
        }
        true_alerts += ok;
        if (!ok && verbose)
            fprintf(stderr,
                    "false alert: %s %s %u/%u bin %lld sources %.0f baseline %.1f sd %.1f "
                    "score %.1f\n",
                    rk_sensor_rule_name(al->a[k].rule), al->a[k].sensor, al->a[k].port,
                    al->a[k].proto, (long long)al->a[k].bin_start, al->a[k].sources,
                    al->a[k].baseline_mean, al->a[k].baseline_sd, al->a[k].score);
    }
    qsort(ttd, detected, sizeof(double), cmp_dbl);
    if (quality)
        printf("campaigns %zu detected %zu alerts %zu true_alerts %zu false_alerts %zu "
               "ttd_median_s %.0f ttd_max_s %.0f\n",
               n_c, detected, al->n, true_alerts, al->n - true_alerts,
               detected ? ttd[detected / 2] : -1, detected ? ttd[detected - 1] : -1);
    if (expect && (detected != n_c || true_alerts != al->n))
        FAIL("detection: %zu of %zu campaigns, %zu false alerts", detected, n_c,
             al->n - true_alerts);
}

/* ---- STIX, SVG and tables -----------------------------------------------------------------------
 */

static void write_stix(const char *path, const struct binlist *bins, const struct alerts *al)
{
    json_t *objects = json_array(), *o, *bundle;

    rk_sensor_stix_identity(&o, NULL);
    json_array_append_new(objects, o);
    rk_sensor_stix_extension_definition(&o, NULL);
    json_array_append_new(objects, o);
    rk_sensor_stix_dos_pattern(&o, NULL);
    json_array_append_new(objects, o);
    /* every bin with a DoS victim, and the first bin of each sensor */
    for (size_t i = 0; i < bins->n; i++) {
        const struct rk_sensor_dos_row *d;

        if (i < 4 || rk_sensor_bin_dos(bins->b[i], &d) > 0)
            rk_sensor_stix_bin(bins->b[i], NULL, objects, NULL);
    }
    for (size_t k = 0; k < al->n; k++)
        rk_sensor_stix_alert(&al->a[k], NULL, objects, NULL);
    rk_sensor_stix_bundle(objects, &bundle, NULL);
    if (json_dump_file(bundle, path, JSON_INDENT(1) | JSON_SORT_KEYS) != 0)
        FAIL("cannot write %s", path);
    json_decref(bundle);
    json_decref(objects);
}

static void write_svg(const char *path, const struct binlist *bins)
{
    struct rk_sensor_plot_options opt;
    struct rk_sensor_plot *p;
    struct rk_buf svg;
    FILE *f;

    rk_sensor_plot_options_init(&opt);
    opt.title = "tokyo-1: packets per port (top 10)";
    rk_sensor_plot_new(&p, &opt, NULL);
    for (size_t i = 0; i < bins->n; i++) {
        if (!strcmp(rk_sensor_bin_info(bins->b[i])->sensor, "tokyo-1"))
            rk_sensor_plot_add_bin(p, bins->b[i]);
    }
    rk_buf_init(&svg, 16 << 20);
    if (rk_sensor_plot_svg(p, &svg, NULL) != 0 || !(f = fopen(path, "w"))) {
        FAIL("cannot write %s", path);
    } else {
        fwrite(svg.ptr, 1, svg.len, f);
        fclose(f);
    }
    rk_buf_free(&svg);
    rk_sensor_plot_free(p);
}

static void print_tables(const struct binlist *bins)
{
    struct rk_buf t;
    const struct rk_sensor_port_row *p;
    const struct rk_sensor_source_row *s;
    const struct rk_sensor_bin *b = bins->n ? bins->b[0] : NULL;

    if (!b)
        return;
    rk_buf_init(&t, 1 << 20);
    rk_sensor_table_ports(&t, p, rk_sensor_bin_ports(b, &p), 10, rk_sensor_bin_info(b)->packets);
    rk_buf_puts(&t, "\n");
    rk_sensor_table_sources(&t, s, rk_sensor_bin_sources(b, &s), 10,
                            rk_sensor_bin_info(b)->packets);
    fputs(rk_buf_cstr(&t), stdout);
    rk_buf_free(&t);
}

int main(int argc, char **argv)
{
    const char *labels_path = NULL, *input = NULL, *scanners = NULL, *stix = NULL, *svg = NULL;
    int quality = 0, expect = 0, tables = 0;
    uint64_t mem_cap = 0;
    struct binlist bins = {0};
    struct alerts al = {0};
    struct rk_sensor_engine *e;
    json_error_t jerr;
    json_t *labels;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

        if (!strcmp(a, "--quality")) {
            quality = 1;
            verbose = 0;
        } else if (!strcmp(a, "--expect-detect")) {
            expect = 1;
        } else if (!strcmp(a, "--single")) {
            single = 1;
        } else if (!strcmp(a, "--tables")) {
            tables = 1;
        } else if (!strcmp(a, "--labels")) {
            labels_path = v, i++;
        } else if (!strcmp(a, "--input")) {
            input = v, i++;
        } else if (!strcmp(a, "--scanners")) {
            scanners = v, i++;
        } else if (!strcmp(a, "--stix")) {
            stix = v, i++;
        } else if (!strcmp(a, "--svg")) {
            svg = v, i++;
        } else if (!strcmp(a, "--mem-cap")) {
            mem_cap = strtoull(v, NULL, 10), i++;
        } else {
            fprintf(stderr, "sensor_check: unknown argument %s\n", a);
            return 2;
        }
    }
    if (!labels_path || !input) {
        fprintf(stderr, "usage: sensor_check --labels L.json --input CAPTURE [options]\n");
        return 2;
    }
    if (!(labels = json_load_file(labels_path, 0, &jerr))) {
        fprintf(stderr, "%s: %s\n", labels_path, jerr.text);
        return 2;
    }
    e = run(labels, input, scanners, mem_cap, &bins);
    if (!quality) {
        cmp_stats(labels, e);
        cmp_bins(labels, &bins, mem_cap == 0);
        if (mem_cap == 0)
            cmp_attacks(labels, e);
        if (mem_cap && rk_sensor_engine_stats(e)->approx_bins == 0)
            FAIL("the memory cap of %llu bytes never forced approximate counting",
                 (unsigned long long)mem_cap);
        if (mem_cap)
            fprintf(stderr,
                    "memory cap %llu: peak %llu, %llu approximate bins, %llu dropped keys\n",
                    (unsigned long long)mem_cap,
                    (unsigned long long)rk_sensor_engine_stats(e)->mem_peak,
                    (unsigned long long)rk_sensor_engine_stats(e)->approx_bins,
                    (unsigned long long)rk_sensor_engine_stats(e)->dropped_keys);
        if (mem_cap && rk_sensor_engine_stats(e)->mem_peak > mem_cap)
            FAIL("memory peak %llu above the cap",
                 (unsigned long long)rk_sensor_engine_stats(e)->mem_peak);
    }
    detect(&bins, &al);
    evaluate(labels, &al, quality, expect);
    if (stix)
        write_stix(stix, &bins, &al);
    if (svg)
        write_svg(svg, &bins);
    if (tables)
        print_tables(&bins);
    if (failures)
        fprintf(stderr, "sensor_check: %d mismatches\n", failures);
    else if (!quality)
        fprintf(stderr, "sensor_check: everything matches (%zu bins, %zu alerts)\n", bins.n, al.n);
    for (size_t i = 0; i < bins.n; i++)
        rk_sensor_bin_free(bins.b[i]);
    free(bins.b);
    free(al.a);
    rk_sensor_engine_free(e);
    json_decref(labels);
    return failures ? 1 : 0;
}
