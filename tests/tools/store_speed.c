/* store_speed.c - time the store's import path against bare SQLite insert loops: same data,
 * same machine, same run, rounds interleaved; then time paging through the result.
 *
 *   store_speed [-n objects] [-b batch] [-r rounds] [-s] [dir]
 *
 * Every loop gets the same pre-built ~560-byte JSON objects (the building is not timed) and
 * the same database settings (WAL, synchronous=NORMAL, 8 KiB pages, 64 MiB cache):
 *
 *   bare            INSERT (id, json) into a table without an index: the physical floor
 *   bare + id       the same with id TEXT PRIMARY KEY: the cost of any id lookup structure
 *   store           rk_store_batch_put, one batch (transaction) per -b objects
 *   store again     the same objects into the same store again: every put a duplicate
 *   jansson + bare  json_loadb each object, then the bare insert, all in ONE transaction
 *   jansson + store json_loadb each object, fill rk_store_object from it, then the store
 *
 * The last two are the pipeline target "import >= 50% of a bare jansson + SQLite loop" with
 * STIX validation left out. -s runs only the store (for profiling). This tool talks to SQLite
 * directly for the baselines; the store side uses only the public API.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "renkei/store.h"
#include "util/alloc.h"
#include "util/strparse.h"
#include "util/uuid.h"

#define JSON_CAP   640
#define ROUNDS_MAX 16

enum { BARE, BARE_ID, STORE, STORE_AGAIN, JANSSON_BARE, JANSSON_STORE, N_LOOPS };

static const char *const loop_names[N_LOOPS] = {"bare",        "bare + id",      "store",
                                                "store again", "jansson + bare", "jansson + store"};

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
        b->o[i] = (struct rk_store_object){b->id[i],   "indicator", "2.1",        ts, ts,
                                           b->json[i], (size_t)len, RK_TLP_GREEN, 0};
    }
}

/* ---- the store ----------------------------------------------------------------------------- */

static const char *str_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Put b's objects; with parse, each object's text is parsed with jansson first and the index
 * fields come from the parsed object, as the import pipeline does. */
static void put_objs(struct rk_store *st, struct objs *b, int parse)
{
    struct rk_store_batch *batch = NULL;
    struct rk_err err;

    if (rk_store_batch_begin(&batch, st, "speed", NULL, &err) != 0)
        die("begin", err.message);
    for (size_t i = 0; i < b->n; i++) {
        struct rk_store_object o = b->o[i];
        json_t *j = NULL;

        if (parse) {
            if (!(j = json_loadb(o.json, o.json_len, 0, NULL)))
                die("jansson", "parse failed");
            o.id = str_of(j, "id");
            o.type = str_of(j, "type");
            o.spec_version = str_of(j, "spec_version");
            o.created = str_of(j, "created");
            o.modified = str_of(j, "modified");
        }
        if (rk_store_batch_put(batch, &o, NULL, NULL, &err) != 0)
            die("put", err.message);
        json_decref(j);
    }
    if (rk_store_batch_commit(batch, &err) != 0)
        die("commit", err.message);
}

static double run_store(const char *dir, size_t total, struct objs *b, int parse)
{
    struct rk_collection c = {0};
    struct rk_store *st = NULL;
    struct rk_err err;
    double t = 0;

    if (rk_store_open(&st, dir, RK_STORE_CREATE, &err) != 0)
        die("open", err.message);
    if (rk_store_collection_get(st, "speed", &c, NULL) != 0) {
        snprintf(c.alias, sizeof(c.alias), "speed");
        if (rk_store_collection_add(st, &c, &err) != 0)
            die("collection", err.message);
    }
    for (size_t done = 0; done < total; done += b->n) {
        double t0;

        make_objs(b, done);
        t0 = now_s();
        put_objs(st, b, parse);
        t += now_s() - t0;
    }
    rk_store_close(st);
    return t;
}

/* ---- bare SQLite --------------------------------------------------------------------------- */

static void exec_or_die(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        die(sql, msg ? msg : "?");
}

static void insert_bare(sqlite3 *db, sqlite3_stmt *ins, struct objs *b, int parse)
{
    for (size_t i = 0; i < b->n; i++) {
        const char *id = b->o[i].id;
        json_t *j = NULL;

        if (parse) {
            if (!(j = json_loadb(b->o[i].json, b->o[i].json_len, 0, NULL)))
                die("jansson", "parse failed");
            id = str_of(j, "id");
        }
        sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, b->o[i].json, (int)b->o[i].json_len, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("bare insert", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        json_decref(j);
    }
}

/* One transaction per batch, or one for everything (one_txn). */
static double run_bare(const char *path, size_t total, struct objs *b, int with_id, int parse,
                       int one_txn)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    double t = 0, t0;

    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("bare open", sqlite3_errmsg(db));
    exec_or_die(db, "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                    "PRAGMA wal_autocheckpoint=4096;");
    exec_or_die(db, with_id ? "CREATE TABLE bare (id TEXT PRIMARY KEY, json TEXT NOT NULL)"
                            : "CREATE TABLE bare (id TEXT NOT NULL, json TEXT NOT NULL)");
    if (sqlite3_prepare_v2(db, "INSERT INTO bare (id, json) VALUES (?1, ?2)", -1, &ins, NULL))
        die("bare prepare", sqlite3_errmsg(db));
    for (size_t done = 0; done < total; done += b->n) {
        make_objs(b, done);
        t0 = now_s();
        if (done == 0 || !one_txn)
            exec_or_die(db, "BEGIN IMMEDIATE");
        insert_bare(db, ins, b, parse);
        if (!one_txn || done + b->n >= total)
            exec_or_die(db, "COMMIT");
        t += now_s() - t0;
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return t;
}

/* ---- measuring ----------------------------------------------------------------------------- */

/* Bytes this process has passed to write() so far (/proc/self/io wchar), 0 when unknown. */
static uint64_t written_bytes(void)
{
    char line[128];
    uint64_t n = 0;
    FILE *f = fopen("/proc/self/io", "r");

    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "wchar: ", 7) == 0 &&
            rk_parse_u64(line + 7, strcspn(line + 7, "\n"), UINT64_MAX, &n) != 0)
            n = 0;
    }
    fclose(f);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(v[0]), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
    enum { PAGES = 500 };
    double times[PAGES];
    struct rk_store *st = NULL;
    struct rk_store_query q;
    struct rk_store_page whole, page;
    struct rk_err err;

    if (rk_store_open(&st, dir, RK_STORE_READONLY, &err) != 0)
        die("open", err.message);
    rk_store_query_init(&q);
    q.collection = "speed";
    q.without_json = 1;
    if (rk_store_query(st, &q, NULL, NULL, &whole, &err) != 0) /* the date_added range */
        die("query", err.message);
    q.without_json = 0;
    q.limit = 100;
    q.versions = versions_all ? RK_VERSIONS_ALL : 0;
    srand(1);
    for (int r = 0; r < PAGES; r++) {
        double span = (double)(whole.last_added_us - whole.first_added_us) * 0.99;
        size_t rows = 0;
        double t0;

        q.added_after_us = whole.first_added_us + (int64_t)((double)rand() / RAND_MAX * span);
        t0 = now_s();
        if (rk_store_query(st, &q, count_row, &rows, &page, &err) != 0)
            die("query", err.message);
        times[r] = (now_s() - t0) * 1e6;
        if (rows != 100)
            die("page", "short page");
    }
    rk_store_close(st);
    return median(times, PAGES);
}

/* Remove what run_store or run_bare made: the database, its -wal and -shm, the directory. */
static void remove_db(const char *dir, const char *db)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char path[700];

    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        snprintf(path, sizeof(path), "%s%s%s%s", dir ? dir : "", dir ? "/" : "", db, suffix[i]);
        unlink(path);
        if (dir) { /* a store directory also holds the audit log */
            snprintf(path, sizeof(path), "%s/audit.db%s", dir, suffix[i]);
            unlink(path);
        }
    }
    if (dir)
        rmdir(dir);
}

static double run_loop(int k, const char *sdir, const char *bare, size_t total, struct objs *b)
{
    remove_db(NULL, bare);
    if (k != STORE_AGAIN)
        remove_db(sdir, "renkei.db");
    switch (k) {
    case BARE:
        return run_bare(bare, total, b, 0, 0, 0);
    case BARE_ID:
        return run_bare(bare, total, b, 1, 0, 0);
    case STORE:
    case STORE_AGAIN:
        return run_store(sdir, total, b, 0);
    case JANSSON_BARE:
        return run_bare(bare, total, b, 0, 1, 1);
    default:
        return run_store(sdir, total, b, 1);
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: store_speed [-n objects] [-b batch] [-r rounds] [-s] [dir]\n");
    exit(2);
}

static void report(double med[N_LOOPS], const double wpo[N_LOOPS], uint64_t total, int store_only)
{
    for (int k = 0; k < N_LOOPS; k++) {
        if (store_only && k != STORE && k != STORE_AGAIN)
            continue;
        printf("%-16s %10.0f objects/s  %6.2f s  %6.0f bytes written per object\n", loop_names[k],
               (double)total / med[k], med[k], wpo[k]);
    }
    if (store_only)
        return;
    printf("store / bare                 %6.2f\n", med[BARE] / med[STORE]);
    printf("store / bare + id            %6.2f\n", med[BARE_ID] / med[STORE]);
    printf("jansson+store / jansson+bare %6.2f\n", med[JANSSON_BARE] / med[JANSSON_STORE]);
}

int main(int argc, char **argv)
{
    uint64_t total = 1000000, batch = 10000, rounds = 3;
    char dir[512] = "", bare[600], sdir[600];
    double times[N_LOOPS][ROUNDS_MAX], med[N_LOOPS] = {0}, wpo[N_LOOPS] = {0};
    struct objs b = {0};
    int opt, store_only = 0;

    while ((opt = getopt(argc, argv, "n:b:r:s")) != -1) {
        if (opt == '?' || (opt == 'n' && rk_parse_uint(optarg, 100000000, &total) != 0) ||
            (opt == 'b' && rk_parse_uint(optarg, 1000000, &batch) != 0) ||
            (opt == 'r' && rk_parse_uint(optarg, ROUNDS_MAX, &rounds) != 0))
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

    /* the rounds interleave the loops, so that a noisy neighbour slows all of them alike */
    for (uint64_t r = 0; r < rounds; r++) {
        for (int k = 0; k < N_LOOPS; k++) {
            uint64_t w0 = written_bytes();

            if (store_only && k != STORE && k != STORE_AGAIN)
                continue;
            times[k][r] = run_loop(k, sdir, bare, total, &b);
            wpo[k] = (double)(written_bytes() - w0) / (double)total;
        }
    }
    for (int k = 0; k < N_LOOPS; k++)
        med[k] = store_only && k != STORE && k != STORE_AGAIN ? 0 : median(times[k], rounds);
    printf("objects %llu in batches of %llu, %zu-byte JSON, median of %llu rounds\n",
           (unsigned long long)total, (unsigned long long)batch, b.o[0].json_len,
           (unsigned long long)rounds);
    report(med, wpo, total, store_only);
    if (!store_only) {
        printf("page of 100, latest versions, random added_after: median %7.1f us\n",
               page_median_us(sdir, 0));
        printf("page of 100, all versions, random added_after:    median %7.1f us\n",
               page_median_us(sdir, 1));
    }
    remove_db(NULL, bare);
    remove_db(sdir, "renkei.db");
    if (optind >= argc)
        rmdir(dir);
    rk_free(b.o);
    rk_free(b.id);
    rk_free(b.json);
    return 0;
}
