/* stix_speed.c - cost of the STIX layer on the import hot path, per object, against jansson's
 * own parse of the same text (the floor this layer builds on).
 *
 *   stix_speed [N]    N synthetic objects (default 200000): indicators, relationships and
 *                     attack-patterns of typical size, generated in memory
 *
 * Prints, as the median of 5 runs: jansson json_loadb alone; rk_stix_object_parse (parse and
 * validate); the same plus the canonical form; and the streaming reader over the whole bundle
 * in memory (scan, parse, validate, canonicalise). */
#include "renkei/stix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

struct corpus {
    char *bundle; /* {"type":"bundle",...,"objects":[...]} */
    size_t bundle_len;
    size_t *off, *len; /* each object inside bundle */
    size_t n;
    size_t bytes;
};

static void uuid_of(char out[37], size_t n, unsigned salt)
{
    snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012llx", salt, (unsigned)(n >> 20) & 0xffff,
             (unsigned)(n & 0xfff), (unsigned)((n >> 8) & 0xfff),
             (unsigned long long)(n & 0xffffffffffffULL));
}

static int object_text(char *buf, size_t cap, size_t i)
{
    char a[37], b[37], c[37];

    uuid_of(a, i, 0xa1);
    uuid_of(b, i + 1, 0xa1);
    uuid_of(c, i / 7, 0xb2);
    switch (i % 3) {
    case 0:
        return snprintf(buf, cap,
                        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
                        "\"created_by_ref\":\"identity--%s\",\"created\":\"2023-03-30T20:36:36.000Z\","
                        "\"modified\":\"2023-03-30T20:36:36.000Z\",\"name\":\"Malicious domain %zu\","
                        "\"description\":\"C2 domain seen in the 3CX supply chain compromise\","
                        "\"indicator_types\":[\"malicious-activity\"],"
                        "\"pattern\":\"[domain-name:value = 'c2-%zu.example.net']\","
                        "\"pattern_type\":\"stix\",\"valid_from\":\"2023-03-30T20:36:36Z\","
                        "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\","
                        "\"phase_name\":\"command-and-control\"}],\"confidence\":75,"
                        "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]}",
                        a, c, i, i);
    case 1:
        return snprintf(buf, cap,
                        "{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--%s\","
                        "\"created_by_ref\":\"identity--%s\",\"created\":\"2023-03-30T20:36:36.000Z\","
                        "\"modified\":\"2023-03-30T20:36:36.000Z\",\"relationship_type\":\"indicates\","
                        "\"source_ref\":\"indicator--%s\",\"target_ref\":\"malware--%s\","
                        "\"object_marking_refs\":[\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]}",
                        a, c, b, c);
    default:
        return snprintf(buf, cap,
                        "{\"type\":\"attack-pattern\",\"spec_version\":\"2.1\",\"id\":\"attack-pattern--%s\","
                        "\"created_by_ref\":\"identity--%s\",\"created\":\"2017-05-31T21:31:43.540Z\","
                        "\"modified\":\"2023-03-30T20:36:36.000Z\",\"name\":\"Registry Run Keys %zu\","
                        "\"description\":\"Adversaries may achieve persistence by adding a program to a "
                        "startup folder or referencing it with a Registry run key.\","
                        "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":\"persistence\"}],"
                        "\"external_references\":[{\"source_name\":\"mitre-attack\",\"external_id\":\"T1547.001\","
                        "\"url\":\"https://attack.mitre.org/techniques/T1547/001\"}],"
                        "\"x_mitre_version\":\"1.2\",\"x_mitre_platforms\":[\"Windows\"]}",
                        a, c, i);
    }
}

static int build(struct corpus *c, size_t n)
{
    size_t cap = n * 900 + 256, pos;
    char tmp[1024];

    c->bundle = malloc(cap);
    c->off = malloc(n * sizeof(size_t));
    c->len = malloc(n * sizeof(size_t));
    if (!c->bundle || !c->off || !c->len)
        return -1;
    pos = (size_t)snprintf(c->bundle, cap,
                           "{\"type\":\"bundle\",\"id\":\"bundle--2a4d2f7a-8f0b-4b6c-9a0e-1c0f7c7b0a11\","
                           "\"objects\":[");
    for (size_t i = 0; i < n; i++) {
        int len = object_text(tmp, sizeof(tmp), i);

        if (i > 0)
            c->bundle[pos++] = ',';
        memcpy(c->bundle + pos, tmp, (size_t)len);
        c->off[i] = pos;
        c->len[i] = (size_t)len;
        c->bytes += (size_t)len;
        pos += (size_t)len;
    }
    memcpy(c->bundle + pos, "]}", 3);
    c->bundle_len = pos + 2;
    c->n = n;
    return 0;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: the machine may be shared */
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

enum { M_JANSSON, M_PARSE, M_CANON, M_READER };

static double run_once(const struct corpus *c, int mode)
{
    double t0 = now();
    size_t ok = 0;

    if (mode == M_READER) {
        struct rk_stix_reader *r;
        struct rk_stix_item it;
        struct rk_err err;

        if (rk_stix_reader_open_mem(&r, c->bundle, c->bundle_len, NULL, &err) != 0)
            return -1;
        while (rk_stix_reader_next(r, &it, &err) == 1) {
            ok += it.object && rk_stix_object_canonical(it.object, NULL) != NULL;
            rk_stix_item_clear(&it);
        }
        rk_stix_reader_free(r);
    } else {
        for (size_t i = 0; i < c->n; i++) {
            const char *text = c->bundle + c->off[i];

            if (mode == M_JANSSON) {
                json_t *v = json_loadb(text, c->len[i], JSON_REJECT_DUPLICATES, NULL);

                ok += v != NULL;
                json_decref(v);
            } else {
                struct rk_stix_object *o;
                struct rk_err err;

                if (rk_stix_object_parse(&o, text, c->len[i], NULL, NULL, &err) == 0)
                    ok += mode == M_PARSE || rk_stix_object_canonical(o, NULL) != NULL;
                rk_stix_object_free(o);
            }
        }
    }
    if (ok != c->n) {
        fprintf(stderr, "only %zu of %zu objects were valid\n", ok, c->n);
        return -1;
    }
    return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median_run(const struct corpus *c, int mode)
{
    double t[RUNS];

    for (int i = 0; i < RUNS; i++) {
        if ((t[i] = run_once(c, mode)) < 0)
            return -1;
    }
    qsort(t, RUNS, sizeof(t[0]), cmp_double);
    return t[RUNS / 2];
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"jansson json_loadb only", "parse + validate",
                                        "parse + validate + canonical", "reader (bundle in memory)"};
    struct corpus c;
    double t[4];
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 200000;

    memset(&c, 0, sizeof(c));
    if (n == 0 || build(&c, n) != 0)
        return 2;
    printf("%zu objects, %.0f bytes on average (indicator, relationship, attack-pattern)\n", c.n,
           (double)c.bytes / (double)c.n);
    for (int m = 0; m < 4; m++) {
        if ((t[m] = median_run(&c, m)) < 0)
            return 1;
        printf("%-30s %8.2f us/object %10.0f objects/s\n", names[m], t[m] * 1e6 / (double)c.n,
               (double)c.n / t[m]);
    }
    printf("STIX layer over jansson: %.2f us/object (validate), %.2f us/object (validate + "
           "canonical); reader/jansson ratio %.2f\n",
           (t[M_PARSE] - t[M_JANSSON]) * 1e6 / (double)c.n,
           (t[M_CANON] - t[M_JANSSON]) * 1e6 / (double)c.n, t[M_READER] / t[M_JANSSON]);
    free(c.bundle);
    free(c.off);
    free(c.len);
    return 0;
}
