/* store_speed.c - time the store's import path against a bare SQLite insert loop, same data,
 * same machine, same run; then time paging through the result.
 *
 *   store_speed [-n objects] [-b batch] [-s] [dir]      (-s: only the store's import, for profiling)
 *
 * Both sides get the same pre-built ~500-byte JSON objects, one transaction per batch and the
 * same database settings (WAL, synchronous=NORMAL, 8 KiB pages, 64 MiB cache); only the insert
 * calls are timed. The bare loop is the physical floor: one table (id, json), no index.
 * This tool talks to SQLite directly for that baseline; the store side uses only the API.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "renkei/store.h"
#include "util/alloc.h"
#include "util/rktime.h"
#include "util/strparse.h"
#include "util/uuid.h"

#define JSON_CAP 640

struct objs {
    struct rk_store_object *o;
    char (*id)[64];
    char (*json)[JSON_CAP];
    size_t n;
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "store_speed: %s: %s\n", what, msg);
    exit(1);
}

/* Objects first..first+n-1 of the synthetic feed: indicators with a unique UUID each. */
static void make_objs(struct objs *b, size_t first)
{
    static const char *const ts = "2024-05-01T12:00:00.000Z";

    for (size_t i = 0; i < b->n; i++) {
        char name[32], uuid[RK_UUID_STR];
        size_t k = first + i;
        int len;

        snprintf(name, sizeof(name), "%zu", k);
        rk_uuid_v5(uuid, RK_UUID_NS_STIX, name, strlen(name));
        snprintf(b->id[i], sizeof(b->id[i]), "indicator--%s", uuid);
        len = snprintf(b->json[i], JSON_CAP,
                       "{\"created\":\"%s\",\"description\":\"Scanner observed by sensor %zu "
                       "against the darknet; first seen in campaign 2024-Q2, ports 23, 2323 and "
                       "37215\",\"id\":\"%s\",\"indicator_types\":[\"malicious-activity\"],"
                       "\"modified\":\"%s\",\"name\":\"Mirai-like scanner %zu.%zu.%zu.%zu\","
                       "\"object_marking_refs\":[\"marking-definition--bab4a63c-aed9-4cf5-a766-"
                       "dfca5abac2bb\"],\"pattern\":\"[ipv4-addr:value = '%zu.%zu.%zu.%zu']\","
                       "\"pattern_type\":\"stix\",\"spec_version\":\"2.1\",\"type\":\"indicator\","
                       "\"valid_from\":\"%s\"}",
                       ts, k % 97, b->id[i], ts, k >> 24 & 255, k >> 16 & 255, k >> 8 & 255,
                       k & 255, k >> 24 & 255, k >> 16 & 255, k >> 8 & 255, k & 255, ts);
        if (len <= 0 || len >= JSON_CAP)
            die("make_objs", "object too long");
        b->o[i] = (struct rk_store_object){b->id[i], "indicator", "2.1", ts, ts, b->json[i],
                                           (size_t)len, RK_TLP_GREEN, 0};
    }
}

static double run_store(const char *dir, size_t total, struct objs *b, double *gen_s)
{
    struct rk_collection c = {0};
    struct rk_store *st = NULL;
    struct rk_err err;
    double t = 0;

    rk_err_clear(&err);
    if (rk_store_open(&st, dir, RK_STORE_CREATE, &err) != 0)
        die("open", err.message);
    snprintf(c.alias, sizeof(c.alias), "speed");
    if (rk_store_collection_add(st, &c, &err) != 0)
        die("collection", err.message);
    for (size_t done = 0; done < total; done += b->n) {
        struct rk_store_batch *batch = NULL;
        double t0 = now_s();

        make_objs(b, done);
        *gen_s += now_s() - t0;
        t0 = now_s();
        if (rk_store_batch_begin(&batch, st, "speed", NULL, &err) != 0)
            die("begin", err.message);
        for (size_t i = 0; i < b->n; i++) {
            if (rk_store_batch_put(batch, &b->o[i], NULL, NULL, &err) != 0)
                die("put", err.message);
        }
        if (rk_store_batch_commit(batch, &err) != 0)
            die("commit", err.message);
        t += now_s() - t0;
    }
    rk_store_close(st);
    return t;
}

static void exec_or_die(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg ? msg : "?");
}

static double run_bare(const char *path, size_t total, struct objs *b, const char *schema)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    double t = 0;

    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("bare open", sqlite3_errmsg(db));
    exec_or_die(db, "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                    "PRAGMA wal_autocheckpoint=4096;");
    exec_or_die(db, schema);
    if (sqlite3_prepare_v2(db, "INSERT INTO bare (id, json) VALUES (?1, ?2)", -1, &ins, NULL))
        die("bare prepare", sqlite3_errmsg(db));
    for (size_t done = 0; done < total; done += b->n) {
        double t0;

        make_objs(b, done);
        t0 = now_s();
        exec_or_die(db, "BEGIN IMMEDIATE");
        for (size_t i = 0; i < b->n; i++) {
            sqlite3_bind_text(ins, 1, b->o[i].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, b->o[i].json, (int)b->o[i].json_len, SQLITE_STATIC);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die("bare insert", sqlite3_errmsg(db));
            sqlite3_reset(ins);
        }
        exec_or_die(db, "COMMIT");
        t += now_s() - t0;
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return t;
}

/* Bytes this process has passed to write() so far (/proc/self/io wchar), 0 when unknown. */
static uint64_t written_bytes(void)
{
    char line[128];
    uint64_t n = 0;
    FILE *f = fopen("/proc/self/io", "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "wchar: ", 7) == 0) {
            size_t len = strcspn(line + 7, "\n");

            if (rk_parse_u64(line + 7, len, UINT64_MAX, &n) != 0)
                n = 0;
        }
    }
    fclose(f);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int count_row(const struct rk_store_row *row, void *ctx)
{
    (void)row;
    ++*(size_t *)ctx;
    return 0;
}

/* Median time of a page of 100 (with JSON) from a random added_after in the collection. */
static double page_median_us(const char *dir, int versions_all)
{
    enum { ROUNDS = 500 };
    double times[ROUNDS];
    struct rk_store *st = NULL;
    struct rk_store_query q;
    struct rk_store_page first, page;
    int64_t lo, hi;
    struct rk_err err;

    if (rk_store_open(&st, dir, RK_STORE_READONLY, &err) != 0)
        die("open", err.message);
    rk_store_query_init(&q);
    q.collection = "speed";
    q.without_json = 1;
    if (rk_store_query(st, &q, NULL, NULL, &first, &err) != 0) /* the whole range */
        die("query", err.message);
    lo = first.first_added_us;
    hi = first.last_added_us;
    q.without_json = 0;
    q.limit = 100;
    q.versions = versions_all ? RK_VERSIONS_ALL : 0;
    srand(1);
    for (int r = 0; r < ROUNDS; r++) {
        size_t rows = 0;
        double t0;

        q.added_after_us = lo + (int64_t)((double)rand() / RAND_MAX * (double)(hi - lo) * 0.99);
        t0 = now_s();
        if (rk_store_query(st, &q, count_row, &rows, &page, &err) != 0)
            die("query", err.message);
        times[r] = (now_s() - t0) * 1e6;
        if (rows != 100)
            die("page", "short page");
    }
    rk_store_close(st);
    qsort(times, ROUNDS, sizeof(times[0]), cmp_double);
    return times[ROUNDS / 2];
}

/* Remove a store directory made by run_store (its database files, then the directory). */
static void remove_store(const char *dir)
{
    static const char *const files[] = {"renkei.db", "renkei.db-wal", "renkei.db-shm"};
    char path[700];

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void remove_bare(const char *path)
{
    char side[700];

    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

struct result {
    double s[3];    /* seconds per round: bare, bare + unique id, store */
    double wpo[3];  /* bytes written per object, last round */
};

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
    fprintf(stderr, "usage: store_speed [-n objects] [-b batch] [-r rounds] [-s] [dir]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const char *const names[3] = {"bare (id, json)", "bare + unique id", "store"};
    uint64_t total = 1000000, batch = 10000, rounds = 3;
    char dir[512] = "", bare[600], sdir[600];
    double times[3][16], med[3], gen_s = 0;
    struct result last = {0};
    struct objs b = {0};
    int opt, store_only = 0;

    while ((opt = getopt(argc, argv, "n:b:r:s")) != -1) {
        if ((opt == 'n' && rk_parse_uint(optarg, 100000000, &total) != 0) ||
            (opt == 'b' && rk_parse_uint(optarg, 1000000, &batch) != 0) ||
            (opt == 'r' && rk_parse_uint(optarg, 16, &rounds) != 0))
            usage();
        if (opt == '?')
            usage();
        store_only |= opt == 's';
    }
    if (batch == 0 || total % batch != 0 || rounds == 0)
        die("arguments", "objects must be a multiple of the batch size, rounds at least 1");
    if (optind < argc)
        snprintf(dir, sizeof(dir), "%s", argv[optind]);
    else if (snprintf(dir, sizeof(dir), "/tmp/rk-speed-XXXXXX") < 0 || !mkdtemp(dir))
        die("mkdtemp", "failed");
    snprintf(bare, sizeof(bare), "%s/bare.db", dir);
    snprintf(sdir, sizeof(sdir), "%s/store", dir);
    b.n = batch;
    b.o = rk_calloc(batch, sizeof(*b.o));
    b.id = rk_calloc(batch, sizeof(*b.id));
    b.json = rk_calloc(batch, sizeof(*b.json));
    if (!b.o || !b.id || !b.json)
        die("memory", "out of memory");

    /* rounds interleave the three loops so that a noisy neighbour hurts all of them alike */
    for (uint64_t r = 0; r < rounds; r++) {
        for (int k = store_only ? 2 : 0; k < 3; k++) {
            uint64_t w0 = written_bytes();

            remove_bare(bare);
            remove_store(sdir);
            if (k == 0)
                times[k][r] = run_bare(bare, total, &b,
                                       "CREATE TABLE bare (id TEXT NOT NULL, json TEXT NOT NULL)");
            else if (k == 1)
                times[k][r] = run_bare(bare, total, &b,
                                       "CREATE TABLE bare (id TEXT PRIMARY KEY, json TEXT NOT NULL)");
            else
                times[k][r] = run_store(sdir, total, &b, &gen_s);
            last.wpo[k] = (double)(written_bytes() - w0) / (double)total;
        }
    }
    printf("objects             %llu in batches of %llu, %zu-byte JSON, median of %llu rounds\n",
           (unsigned long long)total, (unsigned long long)batch, b.o[0].json_len,
           (unsigned long long)rounds);
    for (int k = store_only ? 2 : 0; k < 3; k++) {
        med[k] = median(times[k], rounds);
        printf("%-19s %10.0f objects/s  %6.2f s  %6.0f bytes written per object\n", names[k],
               (double)total / med[k], med[k], last.wpo[k]);
    }
    if (!store_only) {
        printf("ratio store/bare            %6.2f\n", med[0] / med[2]);
        printf("ratio store/bare+unique id  %6.2f\n", med[1] / med[2]);
    }
    if (!store_only) {
        printf("page of 100 (latest versions, random added_after), median %7.1f us\n",
               page_median_us(sdir, 0));
        printf("page of 100 (all versions, random added_after), median    %7.1f us\n",
               page_median_us(sdir, 1));
    }
    remove_bare(bare);
    remove_store(sdir);
    if (optind >= argc)
        rmdir(dir);
    rk_free(b.o);
    rk_free(b.id);
    rk_free(b.json);
    return 0;
}
