/* sqlite_idfilter.c - a per-handle Bloom filter of the (collection, id hash) pairs in the store,
 * so that a put of a new id skips the probe of both levels of the id index.
 *
 * Most puts are of ids the store has never seen (a feed's new indicators, an import), and
 * their probe finds nothing after two B-tree seeks. The filter answers "certainly absent" for
 * nearly all of them from memory. It may say "maybe present" for an absent id (then the probe
 * runs, as without it), never "absent" for a present one:
 *
 * - it is built from both levels of the id index in one transaction (a batch's, or a read
 *   transaction for rk_store_prepare_writes), together with the highest date_added in that
 *   snapshot (covered_us);
 * - a batch adds each row it stores; rows of a batch that rolls back stay in (a false
 *   positive costs a probe), but covered_us moves only at commit;
 * - every batch begins by adding the rows above covered_us: those other connections committed
 *   since (date_added rises across the node, so they are all above it). Deletes leave stale
 *   entries, which are false positives too.
 *
 * A handle builds its filter once it has put RK_SQLITE_IDFILTER_AFTER objects, so short-lived
 * handles (a small import into a large node) never read the whole index, or at once when the
 * index has fewer entries than that (an empty node or collection); a long-lived writer
 * builds it up front, outside the write lock (rk_store_prepare_writes). The filter doubles
 * when the rows it holds pass a sixteenth of its bits (four bits in one 64-byte block per
 * pair: well under 1 % false positives at that load). */
#include "store/sqlite.h"

#include <string.h>

#include "renkei/log.h"
#include "util/alloc.h"

#define BITS_MIN (1u << 24) /* 2 MiB */
#define BITS_PER_ENTRY 16
#define PROBES 4

static uint64_t mix(int64_t coll, int64_t idh)
{
    uint64_t h = (uint64_t)idh ^ ((uint64_t)coll * 0x9e3779b97f4a7c15u);

    h ^= h >> 29; /* idh is already a SHA-256 prefix; this only spreads coll */
    h *= 0xbf58476d1ce4e5b9u;
    return h ^ (h >> 32);
}

/* The filter is blocked: a pair's PROBES bits all lie in one 64-byte block (eight words),
 * so a look-up or an insert costs one cache miss, not PROBES of them. The block comes from
 * the hash's low bits, each bit's place in it from nine of the high ones. */
#define BLOCK_WORDS 8

static uint64_t *block_of(const struct rk_sqlite_idfilter *f, uint64_t h)
{
    return f->bits + (h & (f->nbits / 64 / BLOCK_WORDS - 1)) * BLOCK_WORDS;
}

static void set_bits(struct rk_sqlite_idfilter *f, int64_t coll, int64_t idh)
{
    uint64_t h = mix(coll, idh), *block = block_of(f, h);

    for (int i = 0; i < PROBES; i++) {
        unsigned bit = (unsigned)(h >> (64 - 9 * (i + 1))) & 511;

        block[bit >> 6] |= 1ull << (bit & 63);
    }
    f->n++;
}

int rk_sqlite_idfilter_may_hold(const struct rk_sqlite *s, int64_t coll, int64_t idh)
{
    const struct rk_sqlite_idfilter *f = &s->idf;
    const uint64_t *block;
    uint64_t h;

    if (!f->bits)
        return 1;
    h = mix(coll, idh);
    block = block_of(f, h);
    for (int i = 0; i < PROBES; i++) {
        unsigned bit = (unsigned)(h >> (64 - 9 * (i + 1))) & 511;

        if (!(block[bit >> 6] & (1ull << (bit & 63))))
            return 0;
    }
    return 1;
}

void rk_sqlite_idfilter_prefetch(const struct rk_sqlite *s, int64_t coll, int64_t idh)
{
    if (s->idf.bits)
        __builtin_prefetch(block_of(&s->idf, mix(coll, idh)));
}

void rk_sqlite_idfilter_add(struct rk_sqlite *s, int64_t coll, int64_t idh)
{
    if (s->idf.bits)
        set_bits(&s->idf, coll, idh);
}

void rk_sqlite_idfilter_free(struct rk_sqlite *s)
{
    rk_free(s->idf.mem);
    memset(&s->idf, 0, sizeof(s->idf));
}

/* Add the (coll, idh) pairs sql returns (parameter ?1: covered_us, when the SQL has one). */
static int add_rows(struct rk_sqlite *s, const char *sql, struct rk_err *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc, src;

    if ((rc = rk_sqlite_acquire(s, sql, strlen(sql), &stmt, err)) != 0)
        return rc;
    if (sqlite3_bind_parameter_count(stmt) > 0)
        sqlite3_bind_int64(stmt, 1, s->idf.covered_us);
    while ((src = sqlite3_step(stmt)) == SQLITE_ROW)
        set_bits(&s->idf, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1));
    rc = src == SQLITE_DONE ? 0 : rk_sqlite_fail(s, src, "reading the id index", err);
    rk_sqlite_release(s, stmt);
    return rc;
}

/* A new filter sized for the index as it is (room to double), from both of its levels. */
static int build(struct rk_sqlite *s, struct rk_err *err)
{
    int64_t entries = 0, max = 0;
    uint64_t nbits = BITS_MIN;
    int rc;

    rk_sqlite_idfilter_free(s);
    if ((rc = rk_sqlite_int(s, "SELECT (SELECT count(*) FROM ids_settled) + "
                               "(SELECT count(*) FROM ids_fresh)",
                            &entries, err)) != 0 ||
        (rc = rk_sqlite_int(s, "SELECT max(date_added) FROM objects", &max, err)) != 0)
        return rc;
    while (nbits / BITS_PER_ENTRY < (uint64_t)entries * 2)
        nbits *= 2;
    if (nbits > s->idfilter_max_bits)
        return rk_err_set(err, RK_ELIMIT, "%lld ids would need a filter of %llu MiB",
                          (long long)entries, (unsigned long long)(nbits >> 23));
    /* one block more, to start the bits on a 64-byte boundary: a block is one cache line */
    if (!(s->idf.mem = rk_calloc(nbits / 64 + BLOCK_WORDS, sizeof(uint64_t))))
        return rk_err_set(err, RK_ENOMEM, "out of memory for the id filter (%llu bytes)",
                          (unsigned long long)(nbits / 8));
    s->idf.bits = (uint64_t *)(((uintptr_t)s->idf.mem + 63) & ~(uintptr_t)63);
    s->idf.nbits = nbits;
    s->idf.covered_us = max;
    if ((rc = add_rows(s, "SELECT coll, idh FROM ids_settled", err)) != 0 ||
        (rc = add_rows(s, "SELECT coll, idh FROM ids_fresh", err)) != 0)
        rk_sqlite_idfilter_free(s);
    return rc;
}

/* Whether the id index holds fewer than idfilter_after entries: a filter then costs less to
 * build than the probes it spares a first batch (an import into an empty collection probed
 * for each of its first 500,000 objects). A failed count answers no. An index found large
 * stays large for the handle (counting it again would cost each batch a quarter of a
 * millisecond, more with cold pages). */
static int index_small(struct rk_sqlite *s)
{
    const char *sql = "SELECT (SELECT count(*) FROM (SELECT 1 FROM ids_settled LIMIT ?1)) + "
                      "(SELECT count(*) FROM (SELECT 1 FROM ids_fresh LIMIT ?1))";
    sqlite3_stmt *stmt = NULL;
    int small = 0;

    if (s->idf.index_large || rk_sqlite_acquire(s, sql, strlen(sql), &stmt, NULL) != 0)
        return 0;
    sqlite3_bind_int64(stmt, 1, s->idfilter_after);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        small = sqlite3_column_int64(stmt, 0) < s->idfilter_after;
    rk_sqlite_release(s, stmt);
    s->idf.index_large = !small;
    return small;
}

void rk_sqlite_idfilter_sync(struct rk_sqlite *s)
{
    struct rk_sqlite_idfilter *f = &s->idf;
    struct rk_err err = {0};
    int rc = 0;

    if (!f->bits) {
        if (f->puts >= s->idfilter_after || (f->puts >= 0 && index_small(s)))
            rc = build(s, &err);
    } else if ((rc = add_rows(s, "SELECT coll, idh FROM objects WHERE date_added > ?1", &err)) ==
                       0 &&
               (rc = rk_sqlite_int(s, "SELECT max(date_added) FROM objects", &f->covered_us,
                                   &err)) == 0 &&
               (uint64_t)f->n > f->nbits / BITS_PER_ENTRY) {
        rc = build(s, &err);
    }
    if (rc != 0) { /* without a filter every put probes: slower, still correct */
        rk_sqlite_idfilter_free(s);
        /* try again after as many puts, unless the index is too large for any filter */
        f->puts = rc == RK_ELIMIT ? INT64_MIN / 2 : 0;
        rk_log_warn("id filter off: %s", err.message);
    }
}

void rk_sqlite_idfilter_committed(struct rk_sqlite *s, int64_t puts, int64_t last_added_us)
{
    s->idf.puts += puts;
    if (s->idf.bits && last_added_us > s->idf.covered_us)
        s->idf.covered_us = last_added_us;
}

int rk_store_prepare_writes(struct rk_store *st, struct rk_err *err)
{
    struct rk_sqlite *s = rk_sqlite_of(st);
    int rc;

    if (st->flags & RK_STORE_READONLY)
        return rk_err_set(err, RK_EPERM, "the store is open for reading only");
    if (st->batch)
        return rk_err_set(err, RK_EINVAL, "a batch is open on this handle");
    /* one read transaction: the index and covered_us from the same snapshot; rows committed
     * after it lie above covered_us, where the next batch's catch-up finds them */
    if ((rc = rk_sqlite_exec(s, "BEGIN", err)) != 0)
        return rc;
    rc = build(s, err);
    rk_sqlite_rollback(s);
    return rc;
}
