/* compile_rate.c - STIX patterns compiled into the index per second.
 *
 *     compile_rate N SEED            patterns only: N indicator objects made in memory (the
 *                                    JSON parse is not timed), then rk_match_builder_add_stix
 *     compile_rate --file BUNDLE     end to end: the validating STIX reader, then the same
 *
 * Prints one JSON line: {"indicators", "compiled", "seconds", "per_second", "index_bytes"}.
 * Patterns cycle through the shapes real feeds carry: IPv4, IPv4 CIDR, domain, URL,
 * SHA-256, MD5 OR SHA-256, a domain OR an address, an IN set, and an AND that needs the
 * evaluator ([file:hashes.MD5 = ... AND file:size = ...]).
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

static void hex(char *out, unsigned bytes)
{
    static const char h[] = "0123456789abcdef";

    for (unsigned i = 0; i < bytes; i++) {
        unsigned b = (unsigned)(rnd() & 255);
        out[2 * i] = h[b >> 4];
        out[2 * i + 1] = h[b & 15];
    }
    out[2 * bytes] = '\0';
}

static void pattern(char *p, size_t cap, unsigned shape)
{
    char a[130], b[130];
    uint32_t ip = (uint32_t)rnd();

    switch (shape % 9) {
    case 0: snprintf(p, cap, "[ipv4-addr:value = '%u.%u.%u.%u']", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255); break;
    case 1: snprintf(p, cap, "[ipv4-addr:value = '%u.%u.%u.0/24']", ip >> 24, ip >> 16 & 255, ip >> 8 & 255); break;
    case 2: snprintf(p, cap, "[domain-name:value = 'h%08x.example-%u.com']", ip, ip % 997); break;
    case 3: snprintf(p, cap, "[url:value = 'http://h%08x.example.net/p/%u.php']", ip, ip % 9973); break;
    case 4: hex(a, 32); snprintf(p, cap, "[file:hashes.'SHA-256' = '%s']", a); break;
    case 5: hex(a, 16); hex(b, 32); snprintf(p, cap, "[file:hashes.MD5 = '%s' OR file:hashes.'SHA-256' = '%s']", a, b); break;
    case 6: snprintf(p, cap, "[domain-name:value = 'c2-%08x.example.org' OR ipv4-addr:value = '%u.%u.%u.%u']", ip, ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255); break;
    case 7: snprintf(p, cap, "[domain-name:value IN ('a%08x.example', 'b%08x.example', 'c%08x.example')]", ip, ip, ip); break;
    default: hex(a, 16); snprintf(p, cap, "[file:hashes.MD5 = '%s' AND file:size = %u]", a, ip % 100000); break;
    }
}

static int run_memory(size_t n)
{
    json_t **objs = calloc(n, sizeof(*objs));
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_stix_stats st;
    struct rk_match_index_stats is;
    char p[512], id[64];
    double t0, t1;

    memset(&st, 0, sizeof(st));
    for (size_t i = 0; i < n; i++) {
        pattern(p, sizeof(p), (unsigned)i);
        snprintf(id, sizeof(id), "indicator--%08x-%04x-4%03x-8%03x-%012llx", (unsigned)rnd(),
                 (unsigned)rnd() & 0xffff, (unsigned)rnd() & 0xfff, (unsigned)rnd() & 0xfff,
                 (unsigned long long)(rnd() & 0xffffffffffffULL));
        objs[i] = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "type", "indicator", "id", id,
                            "pattern_type", "stix", "pattern", p, "valid_from",
                            "2024-01-01T00:00:00Z", "confidence", (int)(i % 100));
    }
    t0 = now();
    rk_match_builder_new(&b, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        rk_match_builder_add_stix(b, objs[i], 2, "bench", 0, &st, NULL);
    if (rk_match_builder_finish(b, &ix, NULL) != 0)
        return 1;
    t1 = now();
    rk_match_index_stats(ix, &is);
    printf("{\"indicators\": %zu, \"compiled\": %llu, \"seconds\": %.3f, \"per_second\": %.0f, "
           "\"index_bytes\": %llu}\n",
           n, (unsigned long long)st.compiled, t1 - t0, n / (t1 - t0),
           (unsigned long long)is.bytes);
    for (size_t i = 0; i < n; i++)
        json_decref(objs[i]);
    free(objs);
    rk_match_index_free(ix);
    return 0;
}

static int run_file(const char *path)
{
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_stix_stats st;
    struct rk_match_index_stats is;
    struct rk_err err;
    double t0 = now(), t1;

    memset(&st, 0, sizeof(st));
    rk_err_clear(&err);
    rk_match_builder_new(&b, NULL, NULL);
    if (rk_match_builder_add_stix_file(b, path, "bench", 0, &st, &err) != 0 ||
        rk_match_builder_finish(b, &ix, &err) != 0) {
        fprintf(stderr, "compile_rate: %s\n", err.message);
        return 1;
    }
    t1 = now();
    rk_match_index_stats(ix, &is);
    printf("{\"indicators\": %llu, \"compiled\": %llu, \"seconds\": %.3f, \"per_second\": %.0f, "
           "\"index_bytes\": %llu}\n",
           (unsigned long long)st.indicators, (unsigned long long)st.compiled, t1 - t0,
           st.indicators / (t1 - t0), (unsigned long long)is.bytes);
    rk_match_index_free(ix);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--file") == 0)
        return run_file(argv[2]);
    if (argc != 3) {
        fprintf(stderr, "usage: compile_rate N SEED | compile_rate --file BUNDLE\n");
        return 2;
    }
    state = strtoull(argv[2], NULL, 10);
    return run_memory(strtoull(argv[1], NULL, 10));
}
