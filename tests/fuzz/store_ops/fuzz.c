/* fuzz.c - store_ops: the input is a program of store operations (puts with fuzzed ids,
 * timestamps, spec versions and TLP; commits, aborts, queries, deletes, provenance changes,
 * collection removal) run against one store. Untrusted strings reach the store the way TAXII
 * requests and partner objects do.
 *
 * Oracles, checked after every operation or input (abort() on failure):
 *   - no call fails with anything but a "bad input" code (RK_EFORMAT, RK_EINVAL, RK_ELIMIT,
 *     RK_ENOTFOUND, RK_EEXISTS);
 *   - query rows come in strictly increasing date_added order, never more than the limit;
 *     without a limit they are exactly rk_store_count rows; with one, page.more is set exactly
 *     when the count exceeds the limit;
 *   - rk_store_check passes (integrity, one first / last / top version per object, every row
 *     in exactly one level of the id index, ...). The id index's fresh level is merged at 5
 *     entries and the id filter is on, so both paths run in every program.
 *
 * Input layout: one byte selects the operation (see run_op), the following bytes its
 * arguments; a string argument is a length byte and that many raw bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "renkei/stix.h"
#include "renkei/store.h"
#include "store/debug.h"

#define STR_MAX 64
#define IDS     8

struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t take(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* A raw string from the input: length byte, then bytes (a NUL inside ends it early). */
static const char *take_raw(struct input *in, char buf[STR_MAX + 1])
{
    size_t len = take(in) % (STR_MAX + 1);

    for (size_t i = 0; i < len; i++)
        buf[i] = (char)take(in);
    buf[len] = '\0';
    return buf;
}

static const char *const TS[] = {
        "2024-01-01T00:00:00Z",     "2024-01-01T00:00:00.000Z",       "2024-01-01T00:00:00.5Z",
        "2024-02-01T00:00:00.123Z", "2023-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999Z",
};
static const char *const SPECS[] = {"2.1", "2.0", "2.10", "3.0"};
static const char *const TYPES[] = {"indicator", "malware", "x-custom"};
static const char *const NAMES[] = {"org-a", "org-b", "g1", "g2", "alice", ""};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A timestamp: one of TS, NULL, or raw bytes. */
static const char *take_ts(struct input *in, char buf[STR_MAX + 1])
{
    uint8_t sel = take(in);

    if (sel < 200)
        return TS[sel % COUNT(TS)];
    return sel < 240 ? NULL : take_raw(in, buf);
}

struct state {
    struct rk_store *st;
    struct rk_store_batch *batch;
    struct rk_provenance prov;
    const char *groups[2], *readers[1];
    char ids[IDS][64];
    int64_t added[8]; /* recent date_added values, for added_after */
    unsigned n_added;
};

static struct state S;
static char dir[256];

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "store_ops: oracle failed: %s\n", what);
        abort();
    }
}

/* Codes that say "your input was bad"; anything else from these calls is a bug. */
static void expect_input_error(int rc, const struct rk_err *err)
{
    if (rc == 0 || rc == RK_EFORMAT || rc == RK_EINVAL || rc == RK_ELIMIT || rc == RK_ENOTFOUND ||
        rc == RK_EEXISTS)
        return;
    fprintf(stderr, "store_ops: unexpected %s: %s\n", rk_strerror(rc), err->message);
    abort();
}

static void cleanup(void)
{
    static const char *const files[] = {"renkei.db", "renkei.db-wal", "renkei.db-shm",
                                        "audit.db",  "audit.db-wal",  "audit.db-shm"};
    char path[300];

    rk_store_batch_abort(S.batch);
    rk_store_close(S.st);
    for (size_t i = 0; i < COUNT(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    struct rk_err err;

    snprintf(dir, sizeof(dir), "%s/rk-fuzz-store-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    must(mkdtemp(dir) != NULL, "mkdtemp");
    must(rk_store_open(&S.st, dir, RK_STORE_CREATE, &err) == 0, "open");
    /* a tiny fresh level and the id filter from the first batch: every program runs merges of
     * the id index and puts that skip or make the probe */
    rk_store_debug_fresh_ids_max(S.st, 5);
    rk_store_debug_idfilter_after(S.st, 0);
    for (int i = 0; i < IDS; i++)
        snprintf(S.ids[i], sizeof(S.ids[i]), "indicator--%08x-0000-4000-8000-000000000000", i);
    atexit(cleanup);
}

/* ---- operations ---------------------------------------------------------------------------- */

static void end_batch(int commit)
{
    struct rk_err err;
    int rc;

    if (!S.batch)
        return;
    if (commit) {
        rc = rk_store_batch_commit(S.batch, &err);
        expect_input_error(rc, &err);
    } else {
        rk_store_batch_abort(S.batch);
    }
    S.batch = NULL;
}

static void op_put(struct input *in)
{
    char idbuf[STR_MAX + 1], cbuf[STR_MAX + 1], mbuf[STR_MAX + 1], sbuf[STR_MAX + 1];
    char json[512];
    uint8_t sel = take(in);
    struct rk_store_object o = {0};
    enum rk_put_outcome outcome;
    int64_t added = 0;
    struct rk_err err;
    int rc;

    if (!S.batch && (rc = rk_store_batch_begin(&S.batch, S.st, "f", &S.prov, &err)) != 0) {
        expect_input_error(rc, &err);
        return;
    }
    o.id = sel < 240 ? S.ids[sel % IDS] : take_raw(in, idbuf);
    o.created = take_ts(in, cbuf);
    o.modified = take_ts(in, mbuf);
    sel = take(in);
    o.spec_version = sel < 240 ? SPECS[sel % COUNT(SPECS)] : take_raw(in, sbuf);
    o.type = TYPES[take(in) % COUNT(TYPES)];
    o.tlp = (int)(take(in) % 8) - 1; /* -1 and 6 are out of range */
    o.revoked = take(in) & 1;
    o.json_len = (size_t)snprintf(json, sizeof(json), "{\"id\":\"%s\",\"content\":%u}", o.id,
                                  (unsigned)take(in) % 4);
    o.json = json;
    rc = rk_store_batch_put(S.batch, &o, &outcome, &added, &err);
    expect_input_error(rc, &err);
    if (rc == 0) {
        must(added > 0, "a stored, duplicate or conflicting put has a date_added");
        S.added[S.n_added++ % COUNT(S.added)] = added;
    }
}

struct walk {
    int64_t last;
    size_t rows;
    int with_json;
};

static int walk_row(const struct rk_store_row *row, void *ctx)
{
    struct walk *w = ctx;

    must(row->date_added_us > w->last, "rows in increasing date_added order");
    must(row->id && row->type && row->spec_version && row->collection, "row fields present");
    must((row->json != NULL) == w->with_json, "JSON present unless without_json");
    w->last = row->date_added_us;
    w->rows++;
    return 0;
}

/* Fill a query's filters from the input; lists point into the caller's arrays. */
struct qbuf {
    const char *ids[IDS + 1], *types[COUNT(TYPES)], *specs[COUNT(SPECS)], *versions[3];
    char raw[2][STR_MAX + 1];
    const char *groups[2];
    struct rk_store_visibility vis;
};

static void take_lists(struct input *in, struct rk_store_query *q, struct qbuf *b)
{
    uint8_t mask = take(in);

    for (int i = 0; i < IDS; i++) {
        if (mask & 1u << i)
            b->ids[q->n_ids++] = S.ids[i];
    }
    if (take(in) >= 250)
        b->ids[q->n_ids++] = take_raw(in, b->raw[0]);
    q->ids = b->ids;
    mask = take(in);
    for (size_t i = 0; i < COUNT(TYPES); i++) {
        if (mask & 1u << i)
            b->types[q->n_types++] = TYPES[i];
    }
    q->types = b->types;
    mask = take(in);
    for (size_t i = 0; i < COUNT(SPECS); i++) {
        if (mask & 1u << i)
            b->specs[q->n_spec_versions++] = SPECS[i];
    }
    q->spec_versions = b->specs;
    q->versions = take(in) % 8;
    for (uint8_t n = take(in) % 3; n > 0; n--) {
        const char *v = take_ts(in, b->raw[1]);

        b->versions[q->n_version_values++] = v ? v : "last"; /* not a timestamp */
    }
    q->version_values = b->versions;
}

static void take_visibility(struct input *in, struct rk_store_query *q, struct qbuf *b)
{
    uint8_t sel = take(in);

    if (sel < 64)
        return; /* no restriction */
    memset(&b->vis, 0, sizeof(b->vis));
    b->vis.everything = sel >= 240;
    b->vis.tlp_any = take(in) & 0x3f;
    b->vis.org = NAMES[take(in) % COUNT(NAMES)];
    b->vis.tlp_own_org = take(in) & 0x3f;
    b->groups[0] = NAMES[take(in) % COUNT(NAMES)];
    b->groups[1] = NAMES[take(in) % COUNT(NAMES)];
    b->vis.groups = b->groups;
    b->vis.n_groups = take(in) % 3;
    b->vis.tlp_in_group = take(in) & 0x3f;
    b->vis.user = NAMES[take(in) % COUNT(NAMES)];
    b->vis.tlp_named = take(in) & 0x3f;
    q->vis = &b->vis;
}

static void take_query(struct input *in, struct rk_store_query *q, struct qbuf *b)
{
    uint8_t sel = take(in);

    rk_store_query_init(q);
    memset(b, 0, sizeof(*b));
    q->collection = sel % 4 == 0 ? NULL : sel % 4 == 3 ? "nope" : "f";
    sel = take(in);
    q->added_after_us = sel < 128 || S.n_added == 0 ? 0 : S.added[sel % COUNT(S.added)];
    q->without_json = take(in) & 1;
    take_lists(in, q, b);
    take_visibility(in, q, b);
}

static void op_query(struct input *in)
{
    struct rk_store_query q;
    struct rk_store_page page;
    struct qbuf b;
    struct walk w = {0};
    uint64_t count = 0;
    struct rk_err err;
    int rc;

    take_query(in, &q, &b);
    w.with_json = !q.without_json;
    rc = rk_store_query(S.st, &q, walk_row, &w, &page, &err);
    expect_input_error(rc, &err);
    if (rc != 0)
        return;
    must(page.count == w.rows && page.more == 0, "unlimited page: every row, no more");
    must(rk_store_count(S.st, &q, &count, &err) == 0 && count == w.rows, "count = rows");
    q.limit = 1 + take(in) % 4;
    w = (struct walk){0, 0, !q.without_json};
    must(rk_store_query(S.st, &q, walk_row, &w, &page, &err) == 0, "limited query");
    must(w.rows == (count < q.limit ? count : q.limit), "limit honoured exactly");
    must(page.more == (count > q.limit), "more exactly when rows remain");
}

/* Delete what a fuzzed query selects; the store check after the input judges the result. */
static void op_delete(struct input *in)
{
    struct rk_store_query q;
    struct qbuf b;
    uint64_t deleted = 0;
    struct rk_err err;
    int rc;

    end_batch(1);
    take_query(in, &q, &b);
    rc = rk_store_delete(S.st, &q, &deleted, &err);
    expect_input_error(rc, &err);
    must(rc == 0 || deleted == 0, "nothing counted as deleted on failure");
    must(rk_store_check(S.st, &err) == 0, "store check after a delete");
}

static void op_provenance(struct input *in)
{
    end_batch(1);
    S.prov.kind = take(in) & 1 ? "partner" : "file";
    S.prov.source = NAMES[take(in) % COUNT(NAMES)];
    S.prov.org = NAMES[take(in) % COUNT(NAMES)];
    S.groups[0] = NAMES[take(in) % COUNT(NAMES)];
    S.groups[1] = NAMES[take(in) % COUNT(NAMES)];
    S.prov.groups = S.groups;
    S.prov.n_groups = take(in) % 3;
    S.readers[0] = NAMES[take(in) % COUNT(NAMES)];
    S.prov.readers = S.readers;
    S.prov.n_readers = take(in) % 2;
}

static void reset_collection(void)
{
    struct rk_collection c = {0};
    struct rk_err err;
    int rc;

    end_batch(0);
    rc = rk_store_collection_remove(S.st, "f", &err);
    must(rc == 0 || rc == RK_ENOTFOUND, "remove collection");
    snprintf(c.alias, sizeof(c.alias), "f");
    must(rk_store_collection_add(S.st, &c, &err) == 0, "add collection");
}

static void run_op(struct input *in)
{
    switch (take(in) % 8) {
    case 0:
    case 1:
        op_put(in);
        break;
    case 2:
        end_batch(1);
        break;
    case 3:
        end_batch(0);
        break;
    case 4:
        op_query(in);
        break;
    case 5:
        op_delete(in);
        break;
    case 6:
        op_provenance(in);
        break;
    default:
        reset_collection();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct rk_err err;
    int ops = 0;

    if (!S.st)
        setup();
    memset(&S.prov, 0, sizeof(S.prov));
    S.n_added = 0;
    reset_collection();
    while (in.n > 0 && ops++ < 200)
        run_op(&in);
    end_batch(1);
    if (rk_store_check(S.st, &err) != 0) {
        fprintf(stderr, "store_ops: store check: %s\n", err.message);
        abort();
    }
    return 0;
}
