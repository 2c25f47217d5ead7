/* cmd_sensor_ingest.c - `renkei sensor ingest`: capture files counted into the sensors' stored
 * time series in one transaction, with a ledger so that no file is counted twice; then the
 * STIX objects published. Also `renkei sensor publish`. */
#include "cmd_sensor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/digest.h"
#include "util/rktime.h"
#include "util/strparse.h"
#include "util/vec.h"

#define FP_SAMPLE  (1024 * 1024) /* bytes hashed at each end of a file */
#define BATCH      256           /* frames per reader call */
#define DIR_DEPTH  16
#define SKIP_SHOWN 20

struct ingest_opts {
    struct sensor_scope scope;
    const char *collection;
    const char *scanners, *asn_table, *country_table;
    uint64_t mem_cap;
    uint64_t baseline_bins;
    int no_detect, no_publish, json;
};

struct in_file {
    char *path;
    uint64_t size;
    uint8_t fp[RK_STORE_SENSOR_FP_LEN];
    int is_stdin;
    uint64_t frames;
};

struct ingest_run {
    struct rk_cli *cli;
    struct ingest_opts *o;
    struct rk_store *st;
    struct rk_sensor_engine *e;
    struct rk_sensor_sink *sink;
    const char *names[SENSOR_NAMES_MAX]; /* the sensors counted */
    char name_buf[SENSOR_NAMES_MAX][RK_STORE_SENSOR_NAME_MAX];
    size_t n_names;
    struct rk_vec files; /* struct in_file * */
    struct cli_progress progress;
    uint64_t bytes_done, bytes_total, skipped, broken, attacks;
    struct rk_err err;
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void free_file(void *p)
{
    struct in_file *f = p;

    if (f)
        rk_free(f->path);
    rk_free(f);
}

/* ---- options
 * ------------------------------------------------------------------------------------- */

static void ingest_usage(void)
{
    printf("usage: renkei sensor ingest [OPTIONS] PATH...\n\n"
           "Count capture files into the registered sensors' time series. PATH is a pcap or\n"
           "pcapng file (either byte order, micro- or nanosecond), a directory (its files in\n"
           "name order, recursively) or - for standard input. Packets count for the sensor\n"
           "whose prefix holds their destination; others are counted as outside. Give the\n"
           "files in time order: a packet for a bin closed more than a minute earlier is\n"
           "dropped as late.\n\n"
           "Each file is recorded by a fingerprint (SHA-256 of its size and first and last MiB);\n"
           "a file already ingested for the sensors is skipped, so running the same command\n"
           "twice counts nothing twice. A bin that two ingests share (a capture split in the\n"
           "middle of a bin) is merged: packets add up and unique sources stay exact. Standard\n"
           "input is not recorded.\n\n"
           "The ingest is one transaction: interrupted (Ctrl-C), it stores nothing. Then alerts\n"
           "are raised against baselines that include the stored history, and the bins' and\n"
           "alerts' STIX objects are published into the sensors' collection, where TAXII serves\n"
           "them to partners.\n\n"
           "Options:\n"
           "  --sensor NAME         count only for this sensor (repeatable; default: all)\n"
           "  --collection C        publish into collection C (default: each sensor's, else\n"
           "                        setting sensor.collection, made on first use)\n"
           "  --scanners FILE       research-scanner list (default: setting sensor.scanners)\n"
           "  --asn-table FILE      prefix-to-ASN CSV (default: setting sensor.asn_table)\n"
           "  --country-table FILE  prefix-to-country CSV (setting sensor.country_table)\n"
           "  --mem-cap SIZE        aggregation memory before counts become approximate\n"
           "                        (default: setting sensor.mem_cap, 1G)\n"
           "  --baseline-bins N     stored bins replayed into the baselines (default 336)\n"
           "  --no-detect           no early warning\n"
           "  --no-publish          store aggregates only; 'renkei sensor publish' later\n"
           "  --json                print the summary as JSON\n\n"
           "Exit status: 0 done, 1 some input could not be read (the rest was counted),\n"
           "2 bad arguments, 3 nothing could be stored.\n");
}

static int path_option(const char **dst, const char *arg)
{
    *dst = arg;
    return 0;
}

static int parse_ingest(struct ingest_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"sensor", required_argument, NULL, 'S'},
                                         {"collection", required_argument, NULL, 'C'},
                                         {"scanners", required_argument, NULL, 'L'},
                                         {"asn-table", required_argument, NULL, 'A'},
                                         {"country-table", required_argument, NULL, 'N'},
                                         {"mem-cap", required_argument, NULL, 'm'},
                                         {"baseline-bins", required_argument, NULL, 'B'},
                                         {"no-detect", no_argument, NULL, 'D'},
                                         {"no-publish", no_argument, NULL, 'P'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            rc = sensor_scope_option(&o->scope, "sensor ingest", c, optarg);
            break;
        case 'C':
            rc = path_option(&o->collection, optarg);
            break;
        case 'L':
            rc = path_option(&o->scanners, optarg);
            break;
        case 'A':
            rc = path_option(&o->asn_table, optarg);
            break;
        case 'N':
            rc = path_option(&o->country_table, optarg);
            break;
        case 'm':
            if (rk_parse_size(optarg, &o->mem_cap) != 0 || o->mem_cap < 4194304)
                return cli_usage_error("sensor ingest", "--mem-cap '%s': a size of at least 4M",
                                       optarg);
            break;
        case 'B':
            if (rk_parse_uint(optarg, 100000, &o->baseline_bins) != 0)
                return cli_usage_error("sensor ingest", "--baseline-bins: 0 to 100000");
            break;
        case 'D':
            o->no_detect = 1;
            break;
        case 'P':
            o->no_publish = 1;
            break;
        case 'j':
            o->json = 1;
            break;
        case 'h':
            ingest_usage();
            exit(RK_EXIT_OK);
        default:
            return cli_usage_error("sensor ingest", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc == 0 && optind >= argc)
        return cli_usage_error("sensor ingest", "no capture given (a file, a directory or -)");
    return rc ? rc : optind;
}

/* ---- files and fingerprints
 * ---------------------------------------------------------------------- */

/* SHA-256 of "renkei-capture-1", the size, the first MiB and the last MiB. */
static int fingerprint(struct in_file *f)
{
    uint8_t *buf = rk_reallocarray(NULL, FP_SAMPLE, 1), size_le[8];
    struct rk_sha256 h;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0 || !buf) {
        rk_free(buf);
        if (fd >= 0)
            close(fd);
        return RK_EIO;
    }
    rk_sha256_init(&h);
    rk_sha256_update(&h, "renkei-capture-1", 16);
    for (int i = 0; i < 8; i++)
        size_le[i] = (uint8_t)(f->size >> (8 * i));
    rk_sha256_update(&h, size_le, 8);
    for (int part = 0; part < 2 && rc == 0; part++) {
        uint64_t want = f->size < FP_SAMPLE ? f->size : FP_SAMPLE;
        off_t at = part == 0 ? 0 : (off_t)(f->size - want);
        ssize_t got = pread(fd, buf, (size_t)want, at);

        if (got != (ssize_t)want)
            rc = RK_EIO;
        else
            rk_sha256_update(&h, buf, (size_t)want);
    }
    rk_sha256_final(&h, f->fp);
    close(fd);
    rk_free(buf);
    return rc;
}

static int add_file(struct ingest_run *r, const char *path, uint64_t size, int is_stdin)
{
    struct in_file *f = rk_calloc(1, sizeof(*f));

    if (!f || !(f->path = rk_strdup(path))) {
        rk_free(f);
        return RK_ENOMEM;
    }
    f->size = size;
    f->is_stdin = is_stdin;
    r->bytes_total += size;
    if (!is_stdin && fingerprint(f) != 0) {
        cli_error("sensor ingest: cannot read '%s': %s", path, strerror(errno));
        free_file(f);
        return RK_EIO;
    }
    return rk_vec_push_take(&r->files, f);
}

static int expand(struct ingest_run *r, const char *path, int depth)
{
    struct dirent **ents = NULL;
    struct stat sb;
    int n, rc = 0;

    if (strcmp(path, "-") == 0)
        return add_file(r, path, 0, 1);
    if (stat(path, &sb) != 0) {
        cli_error("sensor ingest: cannot read '%s': %s", path, strerror(errno));
        return RK_EIO;
    }
    if (S_ISREG(sb.st_mode))
        return add_file(r, path, (uint64_t)sb.st_size, 0);
    if (!S_ISDIR(sb.st_mode) || depth > DIR_DEPTH)
        return 0;
    if ((n = scandir(path, &ents, NULL, alphasort)) < 0) {
        cli_error("sensor ingest: cannot list '%s': %s", path, strerror(errno));
        return RK_EIO;
    }
    for (int i = 0; i < n; i++) {
        char child[4096];

        if (rc == 0 && ents[i]->d_name[0] != '.' &&
            snprintf(child, sizeof(child), "%s/%s", path, ents[i]->d_name) < (int)sizeof(child))
            rc = expand(r, child, depth + 1);
        free(ents[i]);
    }
    free(ents);
    return rc;
}

/* Which of the run's sensors have ingested f: 0 none, 1 all (skip), -1 some (refuse). */
static int ledger_state(struct ingest_run *r, const struct in_file *f, int64_t *when)
{
    struct rk_store_sensor_file got;
    size_t have = 0;

    for (size_t i = 0; i < r->n_names; i++) {
        int rc = rk_store_sensor_file_get(r->st, r->names[i], f->fp, &got, NULL, 0, &r->err);

        if (rc == 0) {
            have++;
            *when = got.ingested_us;
        } else if (rc != RK_ENOTFOUND) {
            return rc;
        }
    }
    return have == 0 ? 0 : have == r->n_names ? 1 : -1;
}

/* Drop the files already ingested; refuse files ingested for only some of the sensors. */
static int check_ledger(struct ingest_run *r)
{
    struct rk_vec keep;
    struct in_file *f;
    int rc = 0;

    rk_vec_init(&keep, free_file);
    for (size_t i = 0; i < r->files.len && rc == 0; i++) {
        int64_t when = 0;
        char ts[40];
        int state;

        f = r->files.items[i];
        r->files.items[i] = NULL;
        state = f->is_stdin ? 0 : ledger_state(r, f, &when);
        if (state == 1) {
            if (++r->skipped <= SKIP_SHOWN && !r->cli->quiet)
                fprintf(stderr,
                        "renkei: %s: already ingested (%s) for these sensors; skipped, "
                        "so that its packets are not counted twice\n",
                        f->path, sensor_time_text(when / 1000000, ts, sizeof(ts)));
            r->bytes_total -= f->size;
            free_file(f);
        } else if (state == -1) {
            cli_error("sensor ingest: %s was ingested for some of the sensors but not all; "
                      "ingest it again with --sensor for the others only",
                      f->path);
            free_file(f);
            rc = RK_EINVAL;
        } else if (state < 0) {
            free_file(f);
            cli_fail("sensor ingest: reading the file ledger", state, &r->err);
            rc = state;
        } else if ((rc = rk_vec_push_take(&keep, f)) != 0) {
            rc = RK_ENOMEM;
        }
    }
    rk_vec_free(&r->files);
    r->files = keep;
    return rc;
}

/* ---- the engine
 * ---------------------------------------------------------------------------------- */

static int collect_name(const struct rk_store_sensor *s, void *ctx)
{
    struct ingest_run *r = ctx;

    if (r->n_names == SENSOR_NAMES_MAX)
        return RK_ELIMIT;
    rk_strlcpy(r->name_buf[r->n_names], s->name, RK_STORE_SENSOR_NAME_MAX);
    r->names[r->n_names] = r->name_buf[r->n_names];
    r->n_names++;
    return 0;
}

/* The sensors of the run: those named, else every registered one. */
static int pick_names(struct ingest_run *r)
{
    const struct sensor_scope *sc = &r->o->scope;
    int rc;

    if (sc->n) {
        for (size_t i = 0; i < sc->n; i++)
            r->names[i] = sc->names[i];
        r->n_names = sc->n;
        return 0;
    }
    if ((rc = rk_store_sensor_list(r->st, collect_name, r, &r->err)) != 0)
        return cli_fail("sensor: listing sensors", rc, &r->err);
    if (r->n_names == 0) {
        cli_error("sensor: no sensor is registered; add one with 'renkei sensor add NAME "
                  "--prefix CIDR'");
        return RK_EXIT_ERROR;
    }
    return 0;
}

static int load_table(struct ingest_run *r, const char *path, int kind, const char *what)
{
    struct rk_sensor_load_result res;
    char detail[1024];
    int rc;

    if (!path || !path[0])
        return 0;
    rk_err_clear(&r->err);
    rc = kind < 0 ? rk_sensor_engine_load_scanners(r->e, path, &res, &r->err)
                  : rk_sensor_engine_load_geo(r->e, kind, path, &res, &r->err);
    if (rc != 0)
        return cli_fail(what, rc, &r->err);
    if (res.bad_rows && !r->cli->quiet)
        fprintf(stderr, "renkei: %s %s: %llu rows loaded, %llu unusable (first: %s)\n", what, path,
                (unsigned long long)res.rows, (unsigned long long)res.bad_rows,
                rk_err_format(&r->err, detail, sizeof(detail)));
    return 0;
}

/* The engine for the run's sensors with the lists and tables loaded. */
static int make_engine(struct ingest_run *r, const struct rk_settings *set)
{
    struct rk_sensor_config cfg;
    int rc, status;

    rk_sensor_config_init(&cfg);
    cfg.mem_cap = r->o->mem_cap ? r->o->mem_cap : (uint64_t)set->sensor_mem_cap;
    rk_err_clear(&r->err);
    if ((rc = rk_sensor_engine_from_store(&r->e, r->st, r->names, r->n_names, &cfg, &r->err)))
        return cli_fail("sensor", rc, &r->err);
    if ((status = load_table(r, r->o->scanners ? r->o->scanners : set->sensor_scanners, -1,
                             "research-scanner list")) != 0 ||
        (status = load_table(r, r->o->asn_table ? r->o->asn_table : set->sensor_asn_table,
                             RK_SENSOR_GEO_ASN, "ASN table")) != 0)
        return status;
    return load_table(r, r->o->country_table ? r->o->country_table : set->sensor_country_table,
                      RK_SENSOR_GEO_COUNTRY, "country table");
}

static int make_sink(struct ingest_run *r, const struct rk_settings *set)
{
    struct rk_sensor_sink_options so;
    int rc;

    rk_sensor_sink_options_init(&so);
    so.detect = !r->o->no_detect;
    so.baseline_bins = r->o->baseline_bins != UINT64_MAX ? (uint32_t)r->o->baseline_bins
                                                         : (uint32_t)set->sensor_baseline_bins;
    if ((rc = rk_sensor_sink_new(&r->sink, r->st, r->names, r->n_names, &so, &r->err)) != 0)
        return cli_fail("sensor", rc, &r->err);
    return 0;
}

/* ---- counting -----------------------------------------------------------------------------------
 */

/* Hand the closed bins to the sink and drop finished attacks (their bins hold them). */
static int drain(struct ingest_run *r)
{
    struct rk_sensor_bin *b;
    struct rk_sensor_dos_row d;
    char sensor[RK_SENSOR_NAME_MAX];
    int rc;

    while (rk_sensor_engine_take_bin(r->e, &b) == 1) {
        if ((rc = rk_sensor_sink_bin_take(r->sink, b, &r->err)) != 0)
            return rc;
    }
    while (rk_sensor_engine_take_attack(r->e, &d, sensor) == 1)
        r->attacks++;
    return 0;
}

/* Read one file to its end. 0, 1 when the file could not be read (reported), or a negative
 * code when the store failed or the run was interrupted. */
static int read_file(struct ingest_run *r, struct in_file *f)
{
    struct rk_sensor_frame frames[BATCH];
    struct rk_sensor_reader *rd = NULL;
    const struct rk_sensor_reader_stats *rs;
    char detail[1024];
    size_t n;
    int rc, broken = 0;

    rk_err_clear(&r->err);
    if ((rc = rk_sensor_reader_open(&rd, f->path, NULL, &r->err)) != 0) {
        cli_progress_finish(&r->progress);
        cli_error("%s: %s; skipped", f->is_stdin ? "standard input" : f->path,
                  rk_err_format(&r->err, detail, sizeof(detail)));
        r->broken++;
        return 1;
    }
    rs = rk_sensor_reader_stats(rd);
    while (!interrupted && (rc = rk_sensor_reader_next_batch(rd, frames, BATCH, &n, &r->err))) {
        if (rc < 0) { /* the reader's message names the file and the byte offset */
            cli_progress_finish(&r->progress);
            cli_error("%s; %s", rk_err_format(&r->err, detail, sizeof(detail)),
                      rs->records ? "the packets before that point were counted" : "skipped");
            broken = 1;
            continue;
        }
        if ((rc = rk_sensor_engine_packets(r->e, frames, n)) != 0 || (rc = drain(r)) != 0)
            break;
        cli_progress_update(&r->progress, r->bytes_done + rs->bytes + 16 * rs->records,
                            rk_sensor_engine_stats(r->e)->frames);
    }
    f->frames = rs->records;
    r->bytes_done += f->size;
    r->broken += broken;
    rk_sensor_reader_free(rd);
    if (interrupted)
        return RK_EIO;
    return rc < 0 ? rc : broken;
}

/* Record the files read in the ledger, for every sensor of the run. */
static int record_files(struct ingest_run *r)
{
    struct rk_store_sensor_file lf;
    struct in_file *f;
    int64_t now = rk_time_now_us();
    int rc = 0;

    rk_vec_foreach (&r->files, i, f) {
        if (f->is_stdin || f->frames == 0)
            continue;
        for (size_t k = 0; rc == 0 && k < r->n_names; k++) {
            memset(&lf, 0, sizeof(lf));
            lf.sensor = r->names[k];
            memcpy(lf.fingerprint, f->fp, sizeof(lf.fingerprint));
            lf.path = f->path;
            lf.size = f->size;
            lf.frames = f->frames;
            lf.ingested_us = now;
            rc = rk_store_sensor_file_add(r->st, &lf, &r->err);
            if (rc == RK_EEXISTS) /* the same file given twice in one run */
                rc = 0;
        }
    }
    return rc;
}

/* Every file through the engine and the sink, then the last bins. */
static int count_all(struct ingest_run *r, int *unreadable)
{
    struct in_file *f;
    int rc = 0;

    cli_progress_start(&r->progress, r->cli, "ingest", r->bytes_total);
    r->progress.unit = "frames";
    rk_vec_foreach (&r->files, i, f) {
        if ((rc = read_file(r, f)) < 0)
            break;
        *unreadable += rc;
        rc = 0;
    }
    cli_progress_finish(&r->progress);
    if (rc == 0 && (rc = rk_sensor_engine_flush(r->e, &r->err)) == 0 && (rc = drain(r)) == 0 &&
        (rc = rk_sensor_sink_finish(r->sink, &r->err)) == 0)
        rc = record_files(r);
    return rc;
}

static json_t *drops_json(const struct rk_sensor_stats *es)
{
    json_t *d = json_object();

    for (int k = 1; d && k < RK_SENSOR_DROP_COUNT; k++) {
        if (es->drops[k])
            json_object_set_new(d, rk_sensor_drop_name(k), json_integer((json_int_t)es->drops[k]));
    }
    return d;
}

static void summary_json(const struct ingest_run *r, const struct rk_sensor_publish_stats *p,
                         double secs)
{
    const struct rk_sensor_stats *es = rk_sensor_engine_stats(r->e);
    const struct rk_sensor_sink_stats *ss = rk_sensor_sink_stats(r->sink);
    json_t *o = json_pack(
            "{s:{s:I,s:I,s:I},s:I,s:I,s:I,s:o,s:{s:I,s:I,s:I,s:I},s:I,s:I,s:I,"
            "s:{s:I,s:I,s:I},s:{s:I,s:I,s:I,s:I,s:I,s:s},s:f}",
            "files", "read", (json_int_t)(r->files.len), "skipped", (json_int_t)r->skipped,
            "unreadable", (json_int_t)r->broken, "frames", (json_int_t)es->frames, "packets",
            (json_int_t)es->packets, "outside", (json_int_t)es->outside, "drops", drops_json(es),
            "bins", "new", (json_int_t)ss->bins_new, "merged", (json_int_t)ss->bins_merged,
            "unchanged", (json_int_t)ss->bins_unchanged, "approximate",
            (json_int_t)ss->bins_inexact, "baseline_bins", (json_int_t)ss->baseline_bins, "sources",
            (json_int_t)ss->sources, "dos_attacks", (json_int_t)r->attacks, "alerts", "new",
            (json_int_t)ss->alerts_new, "updated", (json_int_t)ss->alerts_updated, "unchanged",
            (json_int_t)ss->alerts_unchanged, "published", "bins", (json_int_t)p->bins, "alerts",
            (json_int_t)p->alerts, "stored", (json_int_t)p->stored, "duplicates",
            (json_int_t)p->duplicates, "conflicts", (json_int_t)p->conflicts, "created_collection",
            p->created_collection, "seconds", secs);

    if (o)
        json_dumpf(o, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
    json_decref(o);
}

static void summary_text(const struct ingest_run *r, double secs)
{
    const struct rk_sensor_stats *es = rk_sensor_engine_stats(r->e);
    const struct rk_sensor_sink_stats *ss = rk_sensor_sink_stats(r->sink);
    char a[32], b[32], c[32], t1[32], t2[32];
    uint64_t dropped = 0;

    for (int k = 1; k < RK_SENSOR_DROP_COUNT; k++)
        dropped += es->drops[k];
    printf("ingest: %zu files read (%llu skipped, %llu unreadable), %s frames in %.2f s "
           "(%.0f frames/s)\n",
           r->files.len, (unsigned long long)r->skipped, (unsigned long long)r->broken,
           sensor_num(es->frames, a, sizeof(a)), secs, secs > 0 ? (double)es->frames / secs : 0);
    printf("  packets: %s in sensors, %s outside, %s dropped", sensor_num(es->packets, a, 32),
           sensor_num(es->outside, b, 32), sensor_num(dropped, c, 32));
    for (int k = 1, first = 1; k < RK_SENSOR_DROP_COUNT; k++) {
        if (es->drops[k]) {
            printf("%s%s %s", first ? " (" : ", ", rk_sensor_drop_name(k),
                   sensor_num(es->drops[k], a, 32));
            first = 0;
        }
    }
    printf("%s\n", dropped ? ")" : "");
    printf("  bins: %llu new, %llu merged with stored parts, %llu approximate",
           (unsigned long long)ss->bins_new, (unsigned long long)ss->bins_merged,
           (unsigned long long)ss->bins_inexact);
    if (ss->first_start)
        printf(" (%s to %s UTC)", sensor_time_text(ss->first_start, t1, 32),
               sensor_time_text(ss->last_start, t2, 32));
    printf("\n  sources: %s unique; DoS attacks: %llu; alerts: %llu new, %llu updated\n",
           sensor_num(ss->sources, a, 32), (unsigned long long)r->attacks,
           (unsigned long long)ss->alerts_new, (unsigned long long)ss->alerts_updated);
    if (es->drops[RK_SENSOR_DROP_LATE])
        printf("  note: %llu packets came after their bin had closed; give files in time order "
               "or ingest them in separate runs (bins then merge)\n",
               (unsigned long long)es->drops[RK_SENSOR_DROP_LATE]);
}

/* ---- publishing
 * ----------------------------------------------------------------------------------- */

int sensor_publish_pending(struct rk_cli *cli, struct rk_store *st, const char *collection,
                           int json, struct rk_sensor_publish_stats *out)
{
    struct rk_sensor_publish_options po;
    struct rk_err err;
    char n[32];
    int rc;

    rk_sensor_publish_options_init(&po);
    po.collection = collection;
    po.stix.top_sources = (size_t)cli->settings.sensor_stix_top_sources;
    po.stix.min_packets = (uint64_t)cli->settings.sensor_stix_min_packets;
    if (!collection && cli->settings.sensor_collection[0] &&
        strcmp(cli->settings.sensor_collection, RK_SENSOR_COLLECTION) != 0)
        po.collection = cli->settings.sensor_collection;
    rk_err_clear(&err);
    if ((rc = rk_sensor_publish(st, &po, out, &err)) != 0) {
        cli_fail("sensor publish: the aggregates are stored, publishing their STIX objects "
                 "failed ('renkei sensor publish' retries)",
                 rc, &err);
        return rc;
    }
    if (out->created_collection[0] && !cli->quiet)
        fprintf(stderr, "renkei: created collection '%s' for the sensors' STIX objects\n",
                out->created_collection);
    if (!json && !cli->quiet && (out->bins || out->alerts))
        printf("publish: %s objects for %llu bins and %llu alerts (%llu new, %llu already "
               "stored%s)\n",
               sensor_num(out->stored + out->duplicates + out->conflicts, n, sizeof(n)),
               (unsigned long long)out->bins, (unsigned long long)out->alerts,
               (unsigned long long)out->stored, (unsigned long long)out->duplicates,
               out->conflicts ? ", some addresses kept another sensor's marking" : "");
    return 0;
}

int cmd_sensor_publish(struct rk_cli *cli, int argc, char **argv)
{
    struct rk_sensor_publish_stats ps;
    struct rk_store *st = NULL;
    const char *collection = NULL;
    int status;

    if (cli_wants_help(argc, argv)) {
        printf("usage: renkei sensor publish [--collection C]\n\n"
               "Write the STIX objects of every stored bin and alert revision not yet published\n"
               "into the sensors' collection: a renkei-darknet-summary per bin (the new SDO of\n"
               "renkei's extension-definition), scanners as observed-data + indicator +\n"
               "sighting, DoS victims as observed-data + sighting, alerts as report + note, each\n"
               "with its sensor's TLP marking and provenance. ingest and capture do this\n"
               "themselves; run it after --no-publish or a failed publish. Objects are validated\n"
               "like imported ones; a partner reads them over TAXII from the collection.\n");
        return RK_EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--collection") == 0 && i + 1 < argc)
            collection = argv[++i];
        else
            return cli_usage_error("sensor publish", "unexpected argument '%s'", argv[i]);
    }
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    if (sensor_publish_pending(cli, st, collection, 0, &ps) != 0)
        status = RK_EXIT_ERROR;
    else if (!cli->quiet && ps.bins == 0 && ps.alerts == 0)
        printf("publish: nothing pending\n");
    rk_store_close(st);
    return status;
}

/* ---- the command
 * --------------------------------------------------------------------------------- */

static void run_free(struct ingest_run *r)
{
    rk_sensor_sink_free(r->sink);
    rk_sensor_engine_free(r->e);
    rk_vec_free(&r->files);
    rk_store_close(r->st);
}

/* Count everything in one transaction. Returns an exit status. */
static int ingest_all(struct ingest_run *r, int *unreadable)
{
    int rc;

    rk_err_clear(&r->err);
    if ((rc = rk_store_sensor_begin(r->st, &r->err)) != 0)
        return cli_fail("sensor ingest", rc, &r->err);
    rc = count_all(r, unreadable);
    if (rc == 0 && !interrupted)
        rc = rk_store_sensor_commit(r->st, &r->err);
    if (rc != 0 || interrupted) {
        rk_store_sensor_abort(r->st);
        if (interrupted) {
            cli_error("sensor ingest: interrupted; nothing of this ingest was stored");
            return RK_EXIT_ERROR;
        }
        return cli_fail("sensor ingest: nothing was stored", rc, &r->err);
    }
    return RK_EXIT_OK;
}

int cmd_sensor_ingest(struct rk_cli *cli, int argc, char **argv)
{
    struct ingest_opts o;
    struct ingest_run r;
    struct rk_sensor_publish_stats ps;
    int first, status, unreadable = 0;
    double started;

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    memset(&ps, 0, sizeof(ps));
    sensor_scope_init(&o.scope);
    o.baseline_bins = UINT64_MAX;
    if ((first = parse_ingest(&o, argc, argv)) <= 0)
        return RK_EXIT_USAGE;
    r.cli = cli;
    r.o = &o;
    rk_vec_init(&r.files, free_file);
    if ((status = cli_open_store(cli, 0, &r.st)) != RK_EXIT_OK)
        goto out;
    status = RK_EXIT_ERROR;
    for (int i = first; i < argc; i++) {
        if (expand(&r, argv[i], 0) != 0)
            goto out;
    }
    if ((status = pick_names(&r)) != 0 || (status = make_engine(&r, &cli->settings)) != 0 ||
        (status = make_sink(&r, &cli->settings)) != 0)
        goto out;
    if (check_ledger(&r) != 0) {
        status = RK_EXIT_ERROR;
        goto out;
    }
    catch_signals();
    started = cli_now();
    if ((status = ingest_all(&r, &unreadable)) != RK_EXIT_OK)
        goto out;
    if (!o.no_publish && sensor_publish_pending(cli, r.st, o.collection, o.json, &ps) != 0)
        status = RK_EXIT_ERROR;
    if (o.json)
        summary_json(&r, &ps, cli_now() - started);
    else if (!cli->quiet)
        summary_text(&r, cli_now() - started);
    if (status == RK_EXIT_OK && unreadable)
        status = RK_EXIT_FAIL;
out:
    run_free(&r);
    return status;
}
