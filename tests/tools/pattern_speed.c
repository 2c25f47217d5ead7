/* pattern_speed.c - how many STIX patterns rk_pattern_parse compiles per second on one core.
 *
 *   pattern_speed [SECONDS_PER_ROUND] [ROUNDS]
 *
 * Patterns are typical indicators, made unique per iteration (different hashes, addresses and
 * domains) so nothing is cached: a SHA-256 file hash, an address OR domain, a URL, an MD5 with
 * a SHA-256 alternative, and an IN set of addresses. Prints patterns/s for each round, the
 * median, and the median time per pattern. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "renkei/pattern.h"

#define KINDS 5

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void hex(char *out, size_t n, unsigned long seed)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        out[i] = digits[(seed >> 33) & 15];
    }
    out[n] = '\0';
}

static int make(char *buf, size_t cap, unsigned long i)
{
    char h64[65], h32[33];
    unsigned a = (unsigned)(i * 2654435761u);

    hex(h64, 64, i);
    hex(h32, 32, i + 7);
    switch (i % KINDS) {
    case 0:
        return snprintf(buf, cap, "[file:hashes.'SHA-256' = '%s']", h64);
    case 1:
        return snprintf(buf, cap,
                        "[ipv4-addr:value = '%u.%u.%u.%u/32' OR domain-name:value = "
                        "'evil%lu.example']",
                        a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, i);
    case 2:
        return snprintf(buf, cap, "[url:value = 'http://x%lu.example/%s/payload.php?id=%u']", i,
                        h32, a);
    case 3:
        return snprintf(buf, cap, "[file:hashes.MD5 = '%s' OR file:hashes.'SHA-256' = '%s']", h32,
                        h64);
    default:
        return snprintf(buf, cap,
                        "[ipv4-addr:value IN ('198.51.%u.%u', '203.0.113.%u', '192.0.2.%u')]",
                        (a >> 8) & 255, a & 255, (a >> 16) & 255, a >> 24);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? strtod(argv[1], NULL) : 1.0;
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
    double rates[64];
    char buf[512];
    unsigned long i = 0, bytes = 0;

    if (rounds < 1 || rounds > 64 || !(seconds > 0)) {
        fprintf(stderr, "usage: pattern_speed [seconds per round] [rounds 1..64]\n");
        return 2;
    }
    for (int r = 0; r < rounds; r++) {
        unsigned long n = 0;
        double t0 = now(), t;

        do {
            for (int k = 0; k < 1000; k++, n++, i++) {
                struct rk_pattern *p;
                int len = make(buf, sizeof(buf), i);

                if (rk_pattern_parse(&p, buf, (size_t)len, NULL) != 0) {
                    fprintf(stderr, "pattern_speed: did not parse: %s\n", buf);
                    return 1;
                }
                bytes += (unsigned long)len;
                rk_pattern_free(p);
            }
            t = now();
        } while (t - t0 < seconds);
        rates[r] = (double)n / (t - t0);
        printf("round %d: %.0f patterns/s\n", r + 1, rates[r]);
    }
    qsort(rates, (size_t)rounds, sizeof(rates[0]), cmp_double);
    printf("median: %.0f patterns/s (%.2f us per pattern, mean length %.0f bytes)\n",
           rates[rounds / 2], 1e6 / rates[rounds / 2], (double)bytes / (double)i);
    return 0;
}
