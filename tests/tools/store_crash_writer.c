/* store_crash_writer.c - writes batches to a store until killed; checks a store afterwards.
 *
 *   store_crash_writer write <dir>             write batches forever, printing
 *                                              "committed <batches>" after each commit
 *   store_crash_writer check <dir> <reported>  check the store a killed writer left
 *
 * Batch n holds BATCH new objects (numbers n*BATCH .. n*BATCH+BATCH-1, version T0) and, from
 * n = 1 on, a second version (T0 + n s) of the first BATCH/4 objects of batch n-1. Every
 * eleventh object carries a large description so that some rows use overflow pages.
 *
 * check passes when the store's own check passes (SQLite integrity_check and the store's
 * invariants, which include the first/last flags), the number of objects is a whole number of
 * batches b with reported <= b <= reported + 1 (a writer can be killed between COMMIT and the
 * print), and walking all versions in date_added order meets exactly the rows of those b
 * batches, in the order written, with exactly the JSON written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/store.h"
#include "util/strparse.h"
#include "util/uuid.h"

/* more rows per batch than one INSERT of an import's handle takes (RK_SQLITE_ROWS_PER_INSERT,
 * 64): kills land while rows wait to be inserted, and between those INSERTs */
#define BATCH    100
#define REVISED  (BATCH / 4)
#define JSON_CAP 16384

static const char *const COLL = "crash";

struct obj {
    char id[64];
    char modified[40];
    char json[JSON_CAP];
    struct rk_store_object o;
};

static int fail(const char *what, const struct rk_err *err)
{
    char buf[1024];

    fprintf(stderr, "store_crash_writer: %s: %s\n", what, rk_err_format(err, buf, sizeof(buf)));
    return 1;
}

/* Object number k in its version v (0: first; n >= 1: the revision written by batch n). */
static void make_obj(struct obj *ob, uint64_t k, uint64_t v)
{
    char name[32], uuid[RK_UUID_STR], pad[8192];
    size_t pad_len = k % 11 == 0 ? 6000 + (size_t)(k % 2000) : (size_t)(k % 97);
    int len;

    snprintf(name, sizeof(name), "%llu", (unsigned long long)k);
    rk_uuid_v5(uuid, RK_UUID_NS_STIX, name, strlen(name));
    snprintf(ob->id, sizeof(ob->id), "indicator--%s", uuid);
    snprintf(ob->modified, sizeof(ob->modified), "2024-01-01T%02llu:%02llu:%02llu.000Z",
             (unsigned long long)(v / 3600 % 24), (unsigned long long)(v / 60 % 60),
             (unsigned long long)(v % 60));
    memset(pad, 'a' + (int)(k % 26), pad_len);
    pad[pad_len] = '\0';
    len = snprintf(ob->json, sizeof(ob->json),
                   "{\"created\":\"2024-01-01T00:00:00.000Z\",\"description\":\"%s\","
                   "\"id\":\"%s\",\"modified\":\"%s\",\"name\":\"object %llu version %llu\","
                   "\"pattern\":\"[ipv4-addr:value = '10.0.%llu.%llu']\",\"pattern_type\":"
                   "\"stix\",\"spec_version\":\"2.1\",\"type\":\"indicator\"}",
                   pad, ob->id, ob->modified, (unsigned long long)k, (unsigned long long)v,
                   (unsigned long long)(k / 256 % 256), (unsigned long long)(k % 256));
    ob->o = (struct rk_store_object){
            ob->id,      "indicator",  "2.1", "2024-01-01T00:00:00.000Z", ob->modified, ob->json,
            (size_t)len, RK_TLP_AMBER, 0};
}

static int open_store(struct rk_store **st, const char *dir, unsigned flags, struct rk_err *err)
{
    struct rk_collection c = {0};
    int rc;

    if ((rc = rk_store_open(st, dir, flags, err)) != 0)
        return rc;
    if (rk_store_collection_get(*st, COLL, &c, NULL) == 0 || (flags & RK_STORE_READONLY))
        return 0;
    snprintf(c.alias, sizeof(c.alias), "%s", COLL);
    return rk_store_collection_add(*st, &c, err);
}

/* Objects (distinct ids) in the collection. */
static int count_objects(struct rk_store *st, uint64_t *out, struct rk_err *err)
{
    struct rk_store_query q;

    rk_store_query_init(&q);
    q.collection = COLL;
    return rk_store_count(st, &q, out, err);
}

static int write_batch(struct rk_store *st, uint64_t n, struct obj *ob, struct rk_err *err)
{
    struct rk_store_batch *b = NULL;
    struct rk_provenance prov = {.kind = "file", .source = "crash-writer"};
    enum rk_put_outcome outcome;
    int rc;

    if ((rc = rk_store_batch_begin(&b, st, COLL, &prov, err)) != 0)
        return rc;
    for (uint64_t i = 0; i < BATCH + (n > 0 ? REVISED : 0) && rc == 0; i++) {
        if (i < BATCH)
            make_obj(ob, n * BATCH + i, 0);
        else
            make_obj(ob, (n - 1) * BATCH + (i - BATCH), n);
        rc = rk_store_batch_put(b, &ob->o, &outcome, NULL, err);
        if (rc == 0 && outcome != RK_PUT_STORED)
            rc = RK_EINTERNAL; /* every object and version is new */
    }
    if (rc != 0) {
        rk_store_batch_abort(b);
        return rc;
    }
    return rk_store_batch_commit(b, err);
}

/* flags: RK_STORE_BULK | RK_STORE_EXCLUSIVE for a writer that takes the store alone (a
 * rollback journal instead of the write-ahead log), RK_STORE_BULK | RK_STORE_ALONE_WHEN_IDLE
 * for one that has it alone until another process asks, else 0. */
static int do_write(const char *dir, unsigned flags)
{
    static struct obj ob;
    struct rk_store *st = NULL;
    uint64_t objects = 0;
    struct rk_err err;

    rk_err_clear(&err);
    if (open_store(&st, dir, RK_STORE_CREATE | flags, &err) != 0 ||
        count_objects(st, &objects, &err))
        return fail("open", &err);
    if (objects % BATCH != 0) {
        fprintf(stderr, "store_crash_writer: %llu objects: a half-written batch\n",
                (unsigned long long)objects);
        return 1;
    }
    for (uint64_t n = objects / BATCH;; n++) {
        if (write_batch(st, n, &ob, &err) != 0)
            return fail("write", &err);
        printf("committed %llu\n", (unsigned long long)(n + 1));
        fflush(stdout);
    }
}

/* ---- check --------------------------------------------------------------------------------- */

/* Where a walk through all versions in date_added order should be: batch n, its i-th row. */
struct walk {
    uint64_t batches;
    uint64_t n, i;
    uint64_t rows;
    struct obj ob;
};

/* Row i of batch n: its BATCH new objects, then the revisions of batch n-1's first REVISED. */
static void expected(struct walk *w)
{
    if (w->i < BATCH)
        make_obj(&w->ob, w->n * BATCH + w->i, 0);
    else
        make_obj(&w->ob, (w->n - 1) * BATCH + (w->i - BATCH), w->n);
}

static int compare_row(const struct rk_store_row *row, void *ctx)
{
    struct walk *w = ctx;

    if (w->n >= w->batches) {
        fprintf(stderr, "store_crash_writer: row %llu (%s) beyond %llu batches\n",
                (unsigned long long)w->rows, row->id, (unsigned long long)w->batches);
        return 1;
    }
    expected(w);
    if (strcmp(row->id, w->ob.id) != 0 || !row->modified ||
        strcmp(row->modified, w->ob.modified) != 0 || !row->json ||
        row->json_len != w->ob.o.json_len || memcmp(row->json, w->ob.json, row->json_len)) {
        fprintf(stderr, "store_crash_writer: row %llu (%s, batch %llu, row %llu): expected %s %s\n",
                (unsigned long long)w->rows, row->id, (unsigned long long)w->n,
                (unsigned long long)w->i, w->ob.id, w->ob.modified);
        return 1;
    }
    w->rows++;
    if (++w->i == BATCH + (w->n > 0 ? REVISED : 0)) {
        w->n++;
        w->i = 0;
    }
    return 0;
}

/* Every version of b batches, in the order written, with exactly the JSON written. */
static int check_rows(struct rk_store *st, uint64_t batches, struct rk_err *err)
{
    static struct walk w;
    struct rk_store_query q;
    int rc;

    memset(&w, 0, sizeof(w));
    w.batches = batches;
    rk_store_query_init(&q);
    q.collection = COLL;
    q.versions = RK_VERSIONS_ALL;
    if ((rc = rk_store_query(st, &q, compare_row, &w, NULL, err)) != 0)
        return rc;
    if (w.n != batches || w.i != 0) {
        fprintf(stderr, "store_crash_writer: the rows end in batch %llu row %llu of %llu\n",
                (unsigned long long)w.n, (unsigned long long)w.i, (unsigned long long)batches);
        return 1;
    }
    return 0;
}

static int versions_total(struct rk_store *st, uint64_t *out, struct rk_err *err)
{
    struct rk_store_query q;

    rk_store_query_init(&q);
    q.collection = COLL;
    q.versions = RK_VERSIONS_ALL;
    return rk_store_count(st, &q, out, err);
}

static int do_check(const char *dir, const char *reported_text)
{
    struct rk_store *st = NULL;
    uint64_t reported, objects = 0, versions = 0, batches;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    if (rk_parse_uint(reported_text, UINT32_MAX, &reported) != 0)
        return fprintf(stderr, "store_crash_writer: bad count %s\n", reported_text), 2;
    rc = open_store(&st, dir, RK_STORE_READONLY, &err);
    if (rc == RK_ENOTFOUND && reported == 0)
        return printf("ok batches=0 (no store yet)\n"), 0;
    if (rc != 0 && reported == 0) {
        /* killed while the store was being created: the next writer's read-write open must
         * finish it (the read-only open cannot) and find nothing stored */
        fprintf(stderr, "store_crash_writer: read-only open: %s; opening read-write\n",
                err.message);
        rk_err_clear(&err);
        rc = open_store(&st, dir, 0, &err);
    }
    if (rc == 0 && rk_store_collection_get(st, COLL, &(struct rk_collection){0}, NULL) != 0) {
        rk_store_close(st);
        return reported == 0 ? (printf("ok batches=0 (no collection yet)\n"), 0) : 1;
    }
    if (rc != 0 || (rc = rk_store_check(st, &err)) != 0 ||
        (rc = count_objects(st, &objects, &err)) != 0 ||
        (rc = versions_total(st, &versions, &err)) != 0) {
        rk_store_close(st);
        return fail("check", &err);
    }
    batches = objects / BATCH;
    if (objects % BATCH != 0 || batches < reported || batches > reported + 1 ||
        versions != objects + (batches ? batches - 1 : 0) * REVISED) {
        fprintf(stderr,
                "store_crash_writer: %llu objects, %llu versions after %llu reported batches\n",
                (unsigned long long)objects, (unsigned long long)versions,
                (unsigned long long)reported);
        rk_store_close(st);
        return 1;
    }
    rc = check_rows(st, batches, &err);
    rk_store_close(st);
    if (rc < 0)
        return fail("check", &err);
    if (rc > 0)
        return 1;
    printf("ok batches=%llu reported=%llu\n", (unsigned long long)batches,
           (unsigned long long)reported);
    return 0;
}

/* Another process opening the store (read-write, as any command) while a writer may have it:
 * waits for it, and fails when the open or a count fails. */
static int do_peek(const char *dir)
{
    struct rk_store *st = NULL;
    uint64_t objects = 0;
    struct rk_err err;

    int rc;

    rk_err_clear(&err);
    if ((rc = rk_store_open(&st, dir, 0, &err)) == RK_ENOTFOUND)
        return 0; /* the writer was killed before it made the store */
    if (rc == 0 && rk_store_collection_get(st, COLL, &(struct rk_collection){0}, NULL) == 0)
        rc = count_objects(st, &objects, &err);
    rk_store_close(st);
    return rc == 0 ? 0 : fail("peek", &err);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "write") == 0)
        return do_write(argv[2], 0);
    if (argc == 4 && strcmp(argv[1], "write") == 0 && strcmp(argv[3], "exclusive") == 0)
        return do_write(argv[2], RK_STORE_BULK | RK_STORE_EXCLUSIVE);
    if (argc == 4 && strcmp(argv[1], "write") == 0 && strcmp(argv[3], "yielding") == 0)
        return do_write(argv[2], RK_STORE_BULK | RK_STORE_ALONE_WHEN_IDLE);
    if (argc == 3 && strcmp(argv[1], "peek") == 0)
        return do_peek(argv[2]);
    if (argc == 4 && strcmp(argv[1], "check") == 0)
        return do_check(argv[2], argv[3]);
    fprintf(stderr, "usage: store_crash_writer write <dir> [exclusive|yielding] | peek <dir> | "
                    "check <dir> <reported>\n");
    return 2;
}
