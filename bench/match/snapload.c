/* snapload.c - build a large index snapshot, then time mapping and validating it.
 *
 *     snapload build N SEED PATH     N indicators, one value each (40% IPv4, 10% /24, 30%
 *                                    domains, 20% SHA-256), written to PATH
 *     snapload open PATH RUNS        open (mmap + checksum + validation) RUNS times; prints
 *                                    {"bytes", "indicators", "median_s", "min_s"}
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/bench_util.h"
#include "renkei/match.h"

static uint64_t state;

static uint64_t rnd(void)
{
    return bench_rnd(&state);
}

static double now(void)
{
    return bench_now();
}

static int build(size_t n, const char *path)
{
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_value *v = malloc(sizeof(*v));
    struct rk_err err;
    char id[64], text[160];

    rk_err_clear(&err);
    if (rk_match_builder_new(&b, NULL, &err) != 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        struct rk_match_indicator ind = {.id = id, .source = "bench", .confidence = (int)(r % 101),
                                         .tlp = 2, .valid_from_us = INT64_MIN,
                                         .valid_until_us = INT64_MAX};
        uint32_t num;
        unsigned k = (unsigned)(i % 10);

        snprintf(id, sizeof(id), "indicator--%08x-%04x-4%03x-8%03x-%012llx", (unsigned)r,
                 (unsigned)(r >> 32) & 0xffff, (unsigned)(r >> 48) & 0xfff, (unsigned)i & 0xfff,
                 (unsigned long long)(i & 0xffffffffffffULL));
        r = rnd();
        if (k < 4)
            snprintf(text, sizeof(text), "%u.%u.%u.%u", (unsigned)(r >> 24) & 255,
                     (unsigned)(r >> 16) & 255, (unsigned)(r >> 8) & 255, (unsigned)r & 255);
        else if (k < 5)
            snprintf(text, sizeof(text), "%u.%u.%u.0/24", (unsigned)(r >> 24) & 255,
                     (unsigned)(r >> 16) & 255, (unsigned)(r >> 8) & 255);
        else if (k < 8)
            snprintf(text, sizeof(text), "h%012llx.example-%u.com",
                     (unsigned long long)(r & 0xffffffffffffULL), (unsigned)(r >> 50));
        else
            snprintf(text, sizeof(text), "%016llx%016llx%016llx%016llx", (unsigned long long)r,
                     (unsigned long long)rnd(), (unsigned long long)rnd(),
                     (unsigned long long)rnd());
        if (rk_match_builder_add_indicator(b, &ind, &num, &err) != 0 ||
            rk_match_value_parse(v, RK_MATCH_ANY, text, strlen(text), &err) != 0 ||
            rk_match_builder_add_value(b, num, v, &err) != 0) {
            fprintf(stderr, "snapload: %s\n", err.message);
            return 1;
        }
    }
    if (rk_match_builder_finish(b, &ix, &err) != 0 || rk_match_index_save(ix, path, &err) != 0) {
        fprintf(stderr, "snapload: %s\n", err.message);
        return 1;
    }
    rk_match_index_free(ix);
    free(v);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int open_runs(const char *path, int runs)
{
    double t[64];
    struct rk_match_index_stats st = {0};
    struct rk_err err;

    rk_err_clear(&err);
    for (int i = 0; i < runs && i < 64; i++) {
        struct rk_match_index *ix;
        double t0 = now();

        if (rk_match_index_open(&ix, path, &err) != 0) {
            fprintf(stderr, "snapload: %s\n", err.message);
            return 1;
        }
        t[i] = now() - t0;
        rk_match_index_stats(ix, &st);
        rk_match_index_free(ix);
    }
    qsort(t, (size_t)runs, sizeof(t[0]), cmp);
    printf("{\"bytes\": %llu, \"indicators\": %llu, \"median_s\": %.4f, \"min_s\": %.4f}\n",
           (unsigned long long)st.bytes, (unsigned long long)st.indicators, t[runs / 2], t[0]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "build") == 0) {
        state = strtoull(argv[3], NULL, 10);
        return build(strtoull(argv[2], NULL, 10), argv[4]);
    }
    if (argc == 4 && strcmp(argv[1], "open") == 0)
        return open_runs(argv[2], (int)strtol(argv[3], NULL, 10) > 0 ? (int)strtol(argv[3], NULL, 10) : 1);
    fprintf(stderr, "usage: snapload build N SEED PATH | snapload open PATH RUNS\n");
    return 2;
}
