/* gen_indicators.c - deterministic STIX 2.1 indicators for the TAXII benchmark.
 *
 *   gen_indicators lines N SEED         N indicators as JSON lines (for renkei import)
 *   gen_indicators envelopes K M SEED DIR
 *                                       M files DIR/env-<i>.json, each a TAXII envelope of K
 *                                       indicators (POST bodies; every object distinct)
 *
 * Indicators look like a national CSIRT's IP/domain/URL/hash feed: ~600-800 bytes each, with
 * a TLP:GREEN marking, kill chain and labels. The same arguments give the same bytes.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bench_util.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
    return bench_rnd(&rng_state);
}

static void uuid(char out[37])
{
    uint64_t a = rnd(), b = rnd();

    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012" PRIx64, (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
             (unsigned)(0x8000 | (b >> 48 & 0x3fff)), b & UINT64_C(0xffffffffffff));
}

static void pattern(char *out, size_t cap)
{
    uint64_t r = rnd();

    switch (r % 4) {
    case 0:
        snprintf(out, cap, "[ipv4-addr:value = '%u.%u.%u.%u']", (unsigned)(r >> 8 & 223) + 1,
                 (unsigned)(r >> 16 & 255), (unsigned)(r >> 24 & 255), (unsigned)(r >> 32 & 255));
        break;
    case 1:
        snprintf(out, cap, "[domain-name:value = 'c2-%08" PRIx64 ".example.net']", r >> 16);
        break;
    case 2:
        snprintf(out, cap, "[url:value = 'http://dl-%06" PRIx64 ".example.org/payload/%u.bin']",
                 r >> 40, (unsigned)(r >> 8 & 0xffff));
        break;
    default:
        snprintf(out, cap, "[file:hashes.'SHA-256' = '%016" PRIx64 "%016" PRIx64 "%016" PRIx64
                           "%016" PRIx64 "']",
                 rnd(), rnd(), rnd(), rnd());
    }
}

static void indicator(FILE *out, uint64_t n)
{
    char id[37], pat[200];
    unsigned day = (unsigned)(n % 28) + 1, sec = (unsigned)(n % 86400);

    uuid(id);
    pattern(pat, sizeof(pat));
    fprintf(out,
            "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
            "\"created_by_ref\":\"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a\","
            "\"created\":\"2024-03-%02uT%02u:%02u:%02u.000Z\","
            "\"modified\":\"2024-03-%02uT%02u:%02u:%02u.000Z\","
            "\"name\":\"Malicious infrastructure %" PRIu64 "\",\"description\":\"Observed in "
            "scanning and C2 activity reported by partner sensors; block at the perimeter.\","
            "\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"%s\","
            "\"pattern_type\":\"stix\",\"valid_from\":\"2024-03-%02uT00:00:00Z\","
            "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":"
            "\"command-and-control\"}],\"labels\":[\"botnet\",\"scanner\"],"
            "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-"
            "dfca5abac2bb\"]}",
            id, day, sec / 3600, sec / 60 % 60, sec % 60, day, sec / 3600, sec / 60 % 60,
            sec % 60, n, pat, day);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "lines") == 0) {
        uint64_t n = strtoull(argv[2], NULL, 10);

        rng_state = strtoull(argv[3], NULL, 10);
        for (uint64_t i = 0; i < n; i++) {
            indicator(stdout, i);
            putchar('\n');
        }
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "envelopes") == 0) {
        uint64_t k = strtoull(argv[2], NULL, 10), m = strtoull(argv[3], NULL, 10), n = 0;
        char path[4096];

        rng_state = strtoull(argv[4], NULL, 10);
        for (uint64_t f = 0; f < m; f++) {
            FILE *out;

            snprintf(path, sizeof(path), "%s/env-%" PRIu64 ".json", argv[5], f);
            if (!(out = fopen(path, "w"))) {
                perror(path);
                return 1;
            }
            fputs("{\"objects\":[", out);
            for (uint64_t i = 0; i < k; i++, n++) {
                if (i)
                    fputc(',', out);
                indicator(out, n);
            }
            fputs("]}", out);
            fclose(out);
        }
        return 0;
    }
    fprintf(stderr, "usage: gen_indicators lines N SEED | envelopes K M SEED DIR\n");
    return 2;
}
