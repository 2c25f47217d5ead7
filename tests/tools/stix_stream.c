/* stix_stream.c - generate a large STIX bundle, or stream one through the reader and report how
 * many objects came through and the peak resident memory, for the streaming test.
 *
 *   stix_stream gen FILE MEGABYTES [lines]
 *                                    write a bundle of about that size (indicators, identities,
 *                                    relationships between them; objects come before "type"),
 *                                    or with "lines" the same objects as JSON lines
 *   stix_stream read FILE            read it: prints "objects=N valid=N rejected=N
 *                                    warnings=N vmhwm_kb=N seconds=S objects_per_s=R"
 */
#include "renkei/stix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long vmhwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    }
    fclose(f);
    return kb;
}

static void uuid_of(char out[37], unsigned long long n, unsigned salt)
{
    snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012llx", salt, (unsigned)(n >> 32) & 0xffff,
             (unsigned)(n & 0xfff), (unsigned)((n >> 12) & 0xfff), n);
}

static void write_object(FILE *f, unsigned long long i)
{
    char a[37], b[37];

    uuid_of(a, i, 0x1d);
    switch (i % 4) {
    case 0:
        fprintf(f, "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"identity--%s\","
                   "\"created\":\"2023-01-01T00:00:00.000Z\",\"modified\":\"2023-01-01T00:00:00.000Z\","
                   "\"name\":\"Organisation %llu\",\"identity_class\":\"organization\","
                   "\"sectors\":[\"government-national\"]}", a, i);
        break;
    case 1:
    case 2:
        fprintf(f, "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
                   "\"created_by_ref\":\"identity--%s\",\"created\":\"2023-01-01T00:00:00.000Z\","
                   "\"modified\":\"2023-01-02T00:00:00.000Z\",\"name\":\"Scanner %llu\","
                   "\"description\":\"Source of scanning seen by darknet sensor %llu \\u2014 "
                   "TCP/23 and TCP/2323 (Mirai-like)\",\"indicator_types\":[\"malicious-activity\"],"
                   "\"pattern\":\"[ipv4-addr:value = '198.51.%llu.%llu']\",\"pattern_type\":\"stix\","
                   "\"valid_from\":\"2023-01-01T00:00:00Z\",\"confidence\":80,"
                   "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}",
                a, (uuid_of(b, i - i % 4, 0x1d), b), i, i % 97, (i / 4) % 256, i % 256);
        break;
    default:
        uuid_of(b, i - 1, 0x1d);
        fprintf(f, "{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--%s\","
                   "\"created\":\"2023-01-01T00:00:00.000Z\",\"modified\":\"2023-01-01T00:00:00.000Z\","
                   "\"relationship_type\":\"related-to\",\"source_ref\":\"indicator--%s\",",
                a, b);
        uuid_of(b, i - 2, 0x1d);
        fprintf(f, "\"target_ref\":\"indicator--%s\"}", b);
    }
}

static int gen(const char *path, long megabytes, int lines)
{
    FILE *f = fopen(path, "w");
    unsigned long long i = 0;

    if (!f) {
        perror(path);
        return 2;
    }
    if (!lines)
        fputs("{\"objects\":[\n", f);
    while (ftell(f) < megabytes * 1024L * 1024L) {
        if (i > 0)
            fputs(lines ? "\n" : ",\n", f);
        write_object(f, i++);
    }
    if (!lines)
        fputs("\n],\"id\":\"bundle--2a4d2f7a-8f0b-4b6c-9a0e-1c0f7c7b0a11\",\"type\":\"bundle\"}", f);
    fputs("\n", f);
    if (fclose(f) != 0) {
        perror(path);
        return 2;
    }
    printf("objects=%llu bytes=%ld\n", i, megabytes * 1024L * 1024L);
    return 0;
}

static int read_all(const char *path)
{
    struct rk_stix_reader *r;
    struct rk_stix_item it;
    struct rk_err err;
    struct timespec t0, t1;
    size_t n = 0, valid = 0, warnings;
    double secs;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rk_stix_reader_open_file(&r, path, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return 2;
    }
    while ((rc = rk_stix_reader_next(r, &it, &err)) == 1) {
        n++;
        if (it.object) {
            valid++;
            rk_stix_object_canonical(it.object, NULL); /* as an import would */
        } else if (n - valid <= 5) {
            fprintf(stderr, "rejected #%zu at byte %lld: %s\n", it.index, it.offset,
                    rk_stix_findings_at(it.findings, 0)->message);
        }
        rk_stix_item_clear(&it);
    }
    warnings = rk_stix_findings_count(rk_stix_reader_findings(r));
    rk_stix_reader_free(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (rc < 0) {
        fprintf(stderr, "read failed at byte %lld: %s\n", err.offset, err.message);
        return 2;
    }
    printf("objects=%zu valid=%zu rejected=%zu warnings=%zu vmhwm_kb=%ld seconds=%.2f "
           "objects_per_s=%.0f\n",
           n, valid, n - valid, warnings, vmhwm_kb(), secs, secs > 0 ? (double)n / secs : 0.0);
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || (argc == 5 && strcmp(argv[4], "lines") == 0)) && strcmp(argv[1], "gen") == 0)
        return gen(argv[2], strtol(argv[3], NULL, 10), argc == 5);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return read_all(argv[2]);
    fprintf(stderr, "usage: stix_stream gen FILE MEGABYTES [lines] | stix_stream read FILE\n");
    return 2;
}
