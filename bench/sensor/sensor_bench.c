/* sensor_bench.c - times the sensor engine over a capture on one core.
 *
 *   sensor_bench FILE [--mode full|decode|read] [--repeat N] [--scanners LIST] [--ports OUT]
 *
 * full: read (mmap) + decode + classify + aggregate (every bin closed, rows built) + DoS;
 * decode: read + decode + classify; read: the reader alone. The sensors are sensor_gen's. Each
 * run prints its wall and CPU (user + system) seconds; the last line gives the medians and
 *   "pps_wall W pps_cpu C mem_peak_bytes B bins K".
 * On a machine shared with other work the CPU figure is the one-core rate.
 * --ports writes "proto port packets" summed over all bins (to compare with tshark). */
#include "renkei/sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BATCH 256

struct totals {
    uint64_t *packets; /* (proto << 16 | port) -> packets, for TCP, UDP, ICMP, ICMPv6 */
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process: on a shared machine, the time we really used. */
static double cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static int slot(uint8_t proto)
{
    return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : proto == 58 ? 3 : -1;
}

static void add_bin(const struct rk_sensor_bin *b, struct totals *t)
{
    const struct rk_sensor_port_row *r;
    size_t n = rk_sensor_bin_ports(b, &r);

    for (size_t i = 0; t->packets && i < n; i++) {
        int s = slot(r[i].proto);

        if (s >= 0)
            t->packets[(size_t)s << 16 | r[i].port] += r[i].packets;
    }
}

static struct rk_sensor_engine *engine(const char *scanners, uint64_t *bins)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;
    struct rk_err err;

    rk_sensor_config_init(&cfg);
    *bins = 0;
    if (rk_sensor_engine_new(&e, &cfg, &err) != 0 ||
        rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", RK_TLP_GREEN, "198.18.0.0/16", &err) ||
        rk_sensor_engine_add_sensor(e, "sydney-1", "AU", RK_TLP_AMBER, "198.19.0.0/17", &err) ||
        rk_sensor_engine_add_sensor(e, "delhi-1", "IN", RK_TLP_GREEN, "192.0.2.0/24,203.0.113.0/24",
                                    &err) ||
        rk_sensor_engine_add_sensor(e, "tokyo-6", "JP", RK_TLP_CLEAR, "2001:db8:8000::/48", &err) ||
        (scanners && rk_sensor_engine_load_scanners(e, scanners, NULL, &err))) {
        fprintf(stderr, "sensor_bench: %s\n", err.message);
        exit(2);
    }
    return e;
}

/* One pass; returns the packets seen. */
static uint64_t pass(const char *file, const char *mode, const char *scanners, struct totals *t,
                     uint64_t *mem_peak, uint64_t *bins)
{
    struct rk_sensor_reader *r;
    struct rk_sensor_engine *e = NULL;
    struct rk_sensor_frame f[BATCH];
    size_t got;
    struct rk_sensor_pkt k;
    struct rk_sensor_bin *b;
    struct rk_err err;
    uint64_t n = 0, sink = 0;
    int rc, drop;

    if (!strcmp(mode, "full"))
        e = engine(scanners, bins);
    if (rk_sensor_reader_open(&r, file, NULL, &err) != 0) {
        fprintf(stderr, "sensor_bench: %s\n", err.message);
        exit(2);
    }
    while ((rc = rk_sensor_reader_next_batch(r, f, BATCH, &got, &err)) != 0) {
        if (rc < 0)
            continue;
        n += got;
        if (e) {
            rk_sensor_engine_packets(e, f, got);
            while (rk_sensor_engine_take_bin(e, &b) == 1) {
                add_bin(b, t);
                (*bins)++;
                rk_sensor_bin_free(b);
            }
        } else if (!strcmp(mode, "decode")) {
            for (size_t i = 0; i < got; i++) {
                if (rk_sensor_decode(&f[i], 4, 8, &k, &drop) == 0) {
                    rk_sensor_classify(&k);
                    sink += k.port;
                }
            }
        } else {
            for (size_t i = 0; i < got; i++)
                sink += f[i].caplen;
        }
    }
    rk_sensor_reader_free(r);
    if (e) {
        rk_sensor_engine_flush(e, NULL);
        while (rk_sensor_engine_take_bin(e, &b) == 1) {
            add_bin(b, t);
            (*bins)++;
            rk_sensor_bin_free(b);
        }
        *mem_peak = rk_sensor_engine_stats(e)->mem_peak;
        rk_sensor_engine_free(e);
    }
    if (sink == 1)
        fputc(' ', stderr); /* keep the loop's work observable */
    return n;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *file = NULL, *mode = "full", *scanners = NULL, *ports = NULL;
    int repeat = 3;
    double times[64], cpu[64];
    uint64_t n = 0, mem_peak = 0, bins = 0;
    struct totals t = {NULL};

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mode") && i + 1 < argc)
            mode = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            long v = strtol(argv[++i], NULL, 10);

            repeat = v > 0 && v <= 64 ? (int)v : 3;
        } else if (!strcmp(argv[i], "--scanners") && i + 1 < argc)
            scanners = argv[++i];
        else if (!strcmp(argv[i], "--ports") && i + 1 < argc)
            ports = argv[++i];
        else
            file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "usage: sensor_bench FILE [--mode full|decode|read] [--repeat N] "
                        "[--scanners LIST] [--ports OUT]\n");
        return 2;
    }
    for (int i = 0; i < repeat; i++) {
        double t0 = now_s(), c0 = cpu_s();

        if (ports && i == 0)
            t.packets = calloc((size_t)4 << 16, sizeof(uint64_t));
        n = pass(file, mode, scanners, i == 0 ? &t : &(struct totals){NULL}, &mem_peak, &bins);
        times[i] = now_s() - t0;
        cpu[i] = cpu_s() - c0;
        printf("run %d wall %.3f cpu %.3f\n", i + 1, times[i], cpu[i]);
        fflush(stdout);
    }
    qsort(times, (size_t)repeat, sizeof(double), cmp_dbl);
    qsort(cpu, (size_t)repeat, sizeof(double), cmp_dbl);
    printf("mode %s packets %llu median_wall_s %.3f median_cpu_s %.3f pps_wall %.0f pps_cpu %.0f "
           "mem_peak_bytes %llu bins %llu\n",
           mode, (unsigned long long)n, times[repeat / 2], cpu[repeat / 2], n / times[repeat / 2],
           n / cpu[repeat / 2], (unsigned long long)mem_peak, (unsigned long long)bins);
    if (ports && t.packets) {
        static const int protos[4] = {6, 17, 1, 58};
        FILE *f = fopen(ports, "w");

        for (size_t i = 0; f && i < ((size_t)4 << 16); i++) {
            if (t.packets[i])
                fprintf(f, "%d %zu %llu\n", protos[i >> 16], i & 0xffff,
                        (unsigned long long)t.packets[i]);
        }
        if (f)
            fclose(f);
    }
    free(t.packets);
    return 0;
}
