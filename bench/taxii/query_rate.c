/* query_rate.c - the store's read path alone: pages of a collection per second, in process.
 *
 *     query_rate DATA_DIR COLLECTION POSITIONS ORG SECONDS [LIMIT]
 *
 * Runs rk_store_query for pages of LIMIT (100) objects at the added_after positions listed in
 * the file POSITIONS (RFC 3339, one a line, taken in turn), for a reader of organisation ORG
 * (visibility from src/policy, as the TAXII server builds it), and copies each row's JSON into
 * a buffer as the server does. Prints {"pages_per_s", "us_per_page", "cpu_us_per_page",
 * "rows_per_page"}: wall and CPU time per page (CPU time is the steadier figure on a busy host).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "renkei/policy.h"
#include "renkei/store.h"
#include "util/rktime.h"

#define POSITIONS_MAX 100000

struct sink {
    char *buf;
    size_t len, cap;
};

static double clock_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

static int row_fn(const struct rk_store_row *row, void *ctx)
{
    struct sink *s = ctx;

    if (s->len + row->json_len + 1 > s->cap)
        return 1;
    s->buf[s->len++] = ',';
    memcpy(s->buf + s->len, row->json, row->json_len);
    s->len += row->json_len;
    return 0;
}

static size_t load_positions(const char *path, int64_t *out)
{
    FILE *f = fopen(path, "r");
    char line[128];
    size_t n = 0;

    if (!f)
        return 0;
    while (n < POSITIONS_MAX && fgets(line, sizeof(line), f)) {
        struct rk_time t;
        size_t len = strcspn(line, "\r\n");

        if (len && rk_time_parse(&t, line, len, RK_TIME_RFC3339, NULL) == 0)
            out[n++] = rk_time_to_us(&t);
    }
    fclose(f);
    return n;
}

int main(int argc, char **argv)
{
    static int64_t pos[POSITIONS_MAX];
    struct rk_policy pol = {RK_TLP_AMBER};
    struct rk_principal who = {1, "reader", NULL, NULL, 0, RK_ROLE_READER};
    struct rk_store_visibility vis;
    struct rk_store_query q;
    struct rk_store_page page;
    struct rk_store *st = NULL;
    struct sink sink = {NULL, 0, 16u << 20};
    struct rk_err err;
    size_t n_pos, pages = 0, rows = 0;
    double secs, t0, t, cpu0;

    if (argc < 6) {
        fprintf(stderr, "usage: query_rate DATA_DIR COLLECTION POSITIONS ORG SECONDS [LIMIT]\n");
        return 2;
    }
    who.org = argv[4];
    secs = strtod(argv[5], NULL);
    if (!(n_pos = load_positions(argv[3], pos)) || !(sink.buf = malloc(sink.cap))) {
        fprintf(stderr, "query_rate: no positions in %s\n", argv[3]);
        return 1;
    }
    if (rk_store_open(&st, argv[1], RK_STORE_READONLY, &err) != 0) {
        fprintf(stderr, "query_rate: %s\n", err.message);
        return 1;
    }
    rk_policy_visibility(&pol, &who, &vis);
    rk_store_query_init(&q);
    q.collection = argv[2];
    q.limit = argc > 6 ? strtoul(argv[6], NULL, 10) : 100;
    q.vis = &vis;
    q.json_only = 1; /* as the server asks for pages of objects */
    t0 = now();
    cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    do {
        for (int i = 0; i < 64; i++, pages++) {
            q.added_after_us = pos[pages % n_pos];
            sink.len = 0;
            if (rk_store_query(st, &q, row_fn, &sink, &page, &err) != 0) {
                fprintf(stderr, "query_rate: %s\n", err.message);
                return 1;
            }
            rows += page.count;
        }
    } while ((t = now() - t0) < secs);
    printf("{\"pages_per_s\": %.0f, \"us_per_page\": %.1f, \"cpu_us_per_page\": %.1f, "
           "\"rows_per_page\": %.1f}\n",
           (double)pages / t, t * 1e6 / (double)pages,
           (clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0) * 1e6 / (double)pages,
           (double)rows / (double)pages);
    rk_store_close(st);
    free(sink.buf);
    return 0;
}
