/* cmd_sensor_capture.c - `renkei sensor capture`: live capture from an interface. Each bin is
 * stored (and its STIX objects published) as soon as it closes; SIGINT or SIGTERM stops the
 * capture, and the open bins are flushed and stored before the command ends. */
#include "cmd_sensor.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/strparse.h"

#define BATCH 256

struct capture_opts {
    struct sensor_scope scope;
    struct rk_sensor_live_options live;
    const char *collection;
    uint64_t duration; /* seconds; 0: until a signal */
    int no_publish, no_detect;
};

struct capture_run {
    struct rk_cli *cli;
    struct capture_opts *o;
    struct rk_store *st;
    struct rk_sensor_engine *e;
    struct rk_sensor_sink *sink;
    struct rk_sensor_reader *rd;
    uint64_t bins, published_objects;
    struct rk_err err;
};

static struct rk_sensor_reader *volatile stop_reader;
static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
    if (stop_reader)
        rk_sensor_reader_stop(stop_reader);
}

static void capture_usage(void)
{
    printf("usage: renkei sensor capture [OPTIONS] IFACE\n\n"
           "Count packets live from a network interface (through libpcap) into the sensors'\n"
           "time series. Each bin is stored as soon as it closes (its end plus a minute for\n"
           "late packets; a quiet link closes bins by the clock), its STIX objects published\n"
           "and its alerts raised. Ctrl-C or SIGTERM stops the capture: the open bins are\n"
           "stored before the command ends, and a later ingest or capture of the same bins\n"
           "merges with them.\n\n"
           "Capturing needs root or CAP_NET_RAW (for example: setcap cap_net_raw+ep $(which\n"
           "renkei)). Once the interface is open, renkei drops its privileges: to --user, or to\n"
           "'nobody' when it runs as root; the store is opened before, so 'nobody' needs no\n"
           "access to the data directory.\n\n"
           "Options:\n"
           "  --sensor NAME     count for this sensor only (repeatable; default: all)\n"
           "  --user USER       user to switch to after opening the interface\n"
           "  --filter BPF      capture filter, e.g. 'not port 22'\n"
           "  --promisc         promiscuous mode (a darknet tap usually needs it)\n"
           "  --snaplen N       bytes kept per packet (default 65535; 128 is plenty)\n"
           "  --duration D      stop after D (90s, 10m, 1h) instead of waiting for a signal\n"
           "  --collection C    publish into collection C\n"
           "  --no-publish      store aggregates only\n"
           "  --no-detect       no early warning\n\n"
           "Exit status: 0 stopped cleanly, 2 bad arguments, 3 the capture or the store "
           "failed.\n");
}

static int parse_capture(struct capture_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"sensor", required_argument, NULL, 'S'},
                                         {"user", required_argument, NULL, 'U'},
                                         {"filter", required_argument, NULL, 'f'},
                                         {"promisc", no_argument, NULL, 'p'},
                                         {"snaplen", required_argument, NULL, 'l'},
                                         {"duration", required_argument, NULL, 'd'},
                                         {"collection", required_argument, NULL, 'C'},
                                         {"no-publish", no_argument, NULL, 'P'},
                                         {"no-detect", no_argument, NULL, 'D'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    uint64_t v;
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            rc = sensor_scope_option(&o->scope, "sensor capture", c, optarg);
            break;
        case 'U':
            o->live.user = optarg;
            break;
        case 'f':
            o->live.filter = optarg;
            break;
        case 'p':
            o->live.promisc = 1;
            break;
        case 'l':
            if (rk_parse_uint(optarg, 262144, &v) != 0 || v < 64)
                return cli_usage_error("sensor capture", "--snaplen: 64 to 262144 bytes");
            o->live.snaplen = (int)v;
            break;
        case 'd':
            if (rk_parse_duration(optarg, &o->duration) != 0 || o->duration == 0)
                return cli_usage_error("sensor capture", "--duration '%s': e.g. 90s, 10m, 1h",
                                       optarg);
            break;
        case 'C':
            o->collection = optarg;
            break;
        case 'P':
            o->no_publish = 1;
            break;
        case 'D':
            o->no_detect = 1;
            break;
        case 'h':
            capture_usage();
            exit(RK_EXIT_OK);
        default:
            return cli_usage_error("sensor capture", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc != 0)
        return rc;
    if (optind + 1 != argc)
        return cli_usage_error("sensor capture", "give one interface to capture on");
    o->live.ifname = argv[optind];
    return 0;
}

static int open_all(struct capture_run *r)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_sink_options so;
    const struct sensor_scope *sc = &r->o->scope;
    int rc;

    rk_err_clear(&r->err);
    rk_sensor_config_init(&cfg);
    cfg.mem_cap = (uint64_t)r->cli->settings.sensor_mem_cap;
    rk_sensor_sink_options_init(&so);
    so.detect = !r->o->no_detect;
    so.baseline_bins = (uint32_t)r->cli->settings.sensor_baseline_bins;
    if ((rc = rk_sensor_engine_from_store(&r->e, r->st, sc->names, sc->n, &cfg, &r->err)) != 0 ||
        (rc = rk_sensor_sink_new(&r->sink, r->st, sc->names, sc->n, &so, &r->err)) != 0)
        return cli_fail("sensor capture", rc, &r->err);
    if (r->cli->settings.sensor_scanners[0] &&
        (rc = rk_sensor_engine_load_scanners(r->e, r->cli->settings.sensor_scanners, NULL,
                                             &r->err)) != 0)
        return cli_fail("sensor capture: research-scanner list", rc, &r->err);
    if ((rc = rk_sensor_reader_open_live(&r->rd, &r->o->live, &r->err)) != 0)
        return cli_fail(rc == RK_EPERM ? "sensor capture: cannot drop privileges"
                                       : "sensor capture: cannot capture (root or CAP_NET_RAW "
                                         "needed; see --help)",
                        rc, &r->err);
    return 0;
}

/* Store each closed bin in its own transaction, then publish. */
static int store_closed(struct capture_run *r)
{
    struct rk_sensor_publish_stats ps;
    struct rk_sensor_bin *b;
    struct rk_sensor_dos_row d;
    char sensor[RK_SENSOR_NAME_MAX];
    int rc = 0, any = 0;

    while (rc == 0 && rk_sensor_engine_take_bin(r->e, &b) == 1) {
        if ((rc = rk_store_sensor_begin(r->st, &r->err)) != 0) {
            rk_sensor_bin_free(b);
            break;
        }
        if ((rc = rk_sensor_sink_bin_take(r->sink, b, &r->err)) == 0)
            rc = rk_store_sensor_commit(r->st, &r->err);
        else
            rk_store_sensor_abort(r->st);
        r->bins += rc == 0;
        any = 1;
    }
    while (rk_sensor_engine_take_attack(r->e, &d, sensor) == 1)
        ;
    if (rc != 0)
        return cli_fail("sensor capture: storing a bin", rc, &r->err);
    if (any && !r->o->no_publish) {
        if (sensor_publish_pending(r->cli, r->st, r->o->collection, 1, &ps) != 0)
            return RK_EXIT_ERROR;
        r->published_objects += ps.stored;
    }
    return 0;
}

static void status_line(struct capture_run *r)
{
    const struct rk_sensor_stats *es = rk_sensor_engine_stats(r->e);
    char a[32], b[32];

    if (!r->cli->stderr_tty || r->cli->quiet)
        return;
    fprintf(stderr, "\rcapture %s: %s frames, %s in sensors, %llu bins stored ", r->o->live.ifname,
            sensor_num(es->frames, a, 32), sensor_num(es->packets, b, 32),
            (unsigned long long)r->bins);
    fflush(stderr);
}

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int loop(struct capture_run *r)
{
    struct rk_sensor_frame frames[BATCH];
    double started = cli_now(), last_tick = started;
    size_t n;
    int rc, status = 0;

    while (status == 0 && (rc = rk_sensor_reader_next_batch(r->rd, frames, BATCH, &n, &r->err))) {
        if (rc < 0)
            return cli_fail("sensor capture", rc, &r->err);
        if (n && (rc = rk_sensor_engine_packets(r->e, frames, n)) != 0)
            return cli_fail("sensor capture", rc, NULL);
        if (cli_now() - last_tick >= 1.0) {
            last_tick = cli_now();
            if ((rc = rk_sensor_engine_advance(r->e, now_ns(), &r->err)) != 0)
                return cli_fail("sensor capture", rc, &r->err);
            status = store_closed(r);
            status_line(r);
        }
        if (r->o->duration && cli_now() - started >= (double)r->o->duration)
            break;
    }
    return status;
}

static void capture_summary(const struct capture_run *r)
{
    const struct rk_sensor_stats *es = rk_sensor_engine_stats(r->e);
    const struct rk_sensor_reader_stats *rs = rk_sensor_reader_stats(r->rd);
    const struct rk_sensor_sink_stats *ss = rk_sensor_sink_stats(r->sink);
    char a[32], b[32], c[32];

    if (r->cli->stderr_tty && !r->cli->quiet)
        fputs("\r\033[K", stderr);
    if (r->cli->quiet)
        return;
    printf("capture %s: %s frames, %s in sensors, %s outside; kernel dropped %llu\n",
           r->o->live.ifname, sensor_num(es->frames, a, 32), sensor_num(es->packets, b, 32),
           sensor_num(es->outside, c, 32), (unsigned long long)rs->kernel_drops);
    printf("  bins: %llu new, %llu merged; alerts: %llu new; %llu STIX objects published\n",
           (unsigned long long)ss->bins_new, (unsigned long long)ss->bins_merged,
           (unsigned long long)ss->alerts_new, (unsigned long long)r->published_objects);
}

static int finish(struct capture_run *r)
{
    int rc, status;

    if ((rc = rk_sensor_engine_flush(r->e, &r->err)) != 0)
        return cli_fail("sensor capture", rc, &r->err);
    if ((status = store_closed(r)) != 0)
        return status;
    if ((rc = rk_store_sensor_begin(r->st, &r->err)) == 0 &&
        (rc = rk_sensor_sink_finish(r->sink, &r->err)) == 0)
        rc = rk_store_sensor_commit(r->st, &r->err);
    if (rc != 0) {
        rk_store_sensor_abort(r->st);
        return cli_fail("sensor capture: storing alerts", rc, &r->err);
    }
    if (!r->o->no_publish) {
        struct rk_sensor_publish_stats ps;

        if (sensor_publish_pending(r->cli, r->st, r->o->collection, 1, &ps) != 0)
            return RK_EXIT_ERROR;
        r->published_objects += ps.stored;
    }
    capture_summary(r);
    return 0;
}

int cmd_sensor_capture(struct rk_cli *cli, int argc, char **argv)
{
    struct capture_opts o;
    struct capture_run r;
    struct sigaction sa;
    int status;

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    sensor_scope_init(&o.scope);
    if (parse_capture(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    r.cli = cli;
    r.o = &o;
    /* the store first: it stays usable once privileges are gone */
    if ((status = cli_open_store(cli, 0, &r.st)) != RK_EXIT_OK)
        return status;
    if ((status = open_all(&r)) == 0) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        stop_reader = r.rd;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (!cli->quiet)
            fprintf(stderr, "renkei: capturing on %s; Ctrl-C stops and stores the open bins\n",
                    o.live.ifname);
        status = loop(&r);
        if (status == 0)
            status = finish(&r);
        stop_reader = NULL;
    }
    rk_sensor_reader_free(r.rd);
    rk_sensor_sink_free(r.sink);
    rk_sensor_engine_free(r.e);
    rk_store_close(r.st);
    return status;
}
