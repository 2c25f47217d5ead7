/* refs.c - the whole-input reference check of the streaming reader. While reading, it keeps
 * only 64-bit hashes: of every id the input contained (8 bytes each) and of every distinct id
 * that objects referenced, with the byte offset of the first object referencing it (16 bytes
 * each). At the end, references whose hash the input did not contain are named by reading
 * their first referrer again (from memory, or from the file at its offset) and finding the
 * reference among its strings. Both sets are capped; past a cap the check stops and says so.
 *
 * The tables are megabytes large and their slots random, so nearly every note missed the
 * cache (a twentieth of the reading thread's time). A note is queued with its slot prefetched
 * and entered at the next flush, which the reader makes after validating the object: in the
 * same order, so the tables end up as if each note had been entered at once. */
#include "stix/refs.h"
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEN_MAX_SLOTS ((size_t)1 << 23) /* 6M ids, 64 MiB */
#define REFS_MAX_SLOTS ((size_t)1 << 22) /* 3M distinct references, 64 MiB */

struct ref_entry {
    uint64_t hash; /* 0: empty slot */
    long long offset; /* of the first object that referenced it */
};

void rk_stix_refs_init(struct rk_stix_refs *r)
{
    memset(r, 0, sizeof(*r));
}

void rk_stix_refs_free(struct rk_stix_refs *r)
{
    rk_free(r->seen);
    rk_free(r->refs);
    memset(r, 0, sizeof(*r));
}

/* A 64-bit hash of an id, eight bytes at a time (ids are ~40-70 bytes); never 0. */
static uint64_t hash_id(const char *id, size_t len)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;
    size_t i = 0;

    for (; i + 8 <= len; i += 8) {
        memcpy(&w, id + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    if (i < len) {
        w = 0;
        memcpy(&w, id + i, len - i);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

/* Slot for h in an open-addressing table of 64-bit values (0 = empty). */
static size_t slot_of(const uint64_t *set, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    while (set[i] != 0 && set[i] != h)
        i = (i + 1) & (cap - 1);
    return i;
}

static int set_has(const uint64_t *set, size_t cap, uint64_t h)
{
    return set && set[slot_of(set, cap, h)] == h;
}

static int seen_grow(struct rk_stix_refs *r)
{
    size_t cap = r->seen_cap ? r->seen_cap * 2 : 4096;
    uint64_t *n;

    if (cap > SEEN_MAX_SLOTS)
        return RK_ELIMIT;
    if ((n = rk_calloc(cap, sizeof(*n))) == NULL)
        return RK_ENOMEM;
    for (size_t i = 0; i < r->seen_cap; i++) {
        if (r->seen[i])
            n[slot_of(n, cap, r->seen[i])] = r->seen[i];
    }
    rk_free(r->seen);
    r->seen = n;
    r->seen_cap = cap;
    return 0;
}

/* Tables are kept at most three quarters full. */
static int full(size_t n, size_t cap)
{
    return 4 * (n + 1) > 3 * cap;
}

static void enter_seen(struct rk_stix_refs *r, uint64_t h)
{
    size_t i;

    if (r->stopped)
        return;
    if (full(r->seen_n, r->seen_cap) && seen_grow(r) != 0) {
        r->stopped = 1;
        return;
    }
    i = slot_of(r->seen, r->seen_cap, h);
    if (r->seen[i] == 0) {
        r->seen[i] = h;
        r->seen_n++;
    }
}

static struct ref_entry *ref_slot(struct ref_entry *t, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    while (t[i].hash != 0 && t[i].hash != h)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

static int refs_grow(struct rk_stix_refs *r)
{
    size_t cap = r->refs_cap ? r->refs_cap * 2 : 1024;
    struct ref_entry *n;

    if (cap > REFS_MAX_SLOTS)
        return RK_ELIMIT;
    if ((n = rk_calloc(cap, sizeof(*n))) == NULL)
        return RK_ENOMEM;
    for (size_t i = 0; i < r->refs_cap; i++) {
        if (r->refs[i].hash)
            *ref_slot(n, cap, r->refs[i].hash) = r->refs[i];
    }
    rk_free(r->refs);
    r->refs = n;
    r->refs_cap = cap;
    return 0;
}

static void enter_ref(struct rk_stix_refs *r, uint64_t h, long long offset)
{
    struct ref_entry *e;

    if (r->stopped)
        return;
    if (full(r->refs_n, r->refs_cap) && refs_grow(r) != 0) {
        r->stopped = 1;
        return;
    }
    e = ref_slot(r->refs, r->refs_cap, h);
    if (e->hash != 0)
        return; /* known already: keep the first referrer */
    e->hash = h;
    e->offset = offset;
    r->refs_n++;
}

void rk_stix_refs_flush(struct rk_stix_refs *r)
{
    for (size_t i = 0; i < r->queued; i++) {
        if (r->queue[i].is_ref)
            enter_ref(r, r->queue[i].hash, r->queue[i].offset);
        else
            enter_seen(r, r->queue[i].hash);
    }
    r->queued = 0;
}

static void enqueue(struct rk_stix_refs *r, uint64_t h, long long offset, int is_ref)
{
    if (r->queued == RK_STIX_REFS_QUEUE)
        rk_stix_refs_flush(r);
    r->queue[r->queued].hash = h;
    r->queue[r->queued].offset = offset;
    r->queue[r->queued++].is_ref = is_ref;
}

void rk_stix_refs_seen(struct rk_stix_refs *r, const char *id, size_t len)
{
    uint64_t h = hash_id(id, len);

    if (r->seen)
        __builtin_prefetch(&r->seen[(size_t)h & (r->seen_cap - 1)], 1);
    enqueue(r, h, -1, 0);
}

void rk_stix_refs_ref(struct rk_stix_refs *r, const char *id, size_t len, long long offset)
{
    uint64_t h = hash_id(id, len);

    if (r->refs)
        __builtin_prefetch(&r->refs[(size_t)h & (r->refs_cap - 1)], 1);
    enqueue(r, h, offset, 1);
}

/* ---- naming what is missing ------------------------------------------------------------------ */

/* Parse the first JSON value of p[0..len) into *out (NULL when it is malformed). */
static void parse_prefix(const char *p, size_t len, struct rk_json_doc **out)
{
    struct rk_json_parser *jp = NULL;

    *out = NULL;
    if (rk_json_parser_new(&jp) == 0)
        rk_json_parse(jp, p, len, RK_JSON_PREFIX, out, NULL, NULL);
    rk_json_parser_free(jp);
}

struct missing {
    uint64_t hash;
    long long offset;
};

static int by_offset(const void *a, const void *b)
{
    const struct missing *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The object at offset, read again from memory or from the file; NULL when not possible. */
static struct rk_json_doc *reread(const struct rk_stix_source *src, long long offset)
{
    struct rk_json_doc *v = NULL;
    char *buf;
    size_t n;
    FILE *f;

    if (src->mem) {
        if (offset >= 0 && (size_t)offset < src->mem_len)
            parse_prefix(src->mem + offset, src->mem_len - (size_t)offset, &v);
        return v;
    }
    if (!src->path || (f = fopen(src->path, "rb")) == NULL)
        return NULL;
    if (fseeko(f, (off_t)offset, SEEK_SET) == 0 && (buf = rk_malloc(src->max_object)) != NULL) {
        n = fread(buf, 1, src->max_object, f);
        parse_prefix(buf, n, &v);
        rk_free(buf);
    }
    fclose(f);
    return v;
}

/* Find the strings of v (values, and extension keys) whose hash is h. */
static const char *find_string(struct rk_json *v, uint64_t h, int depth)
{
    const char *key, *s;
    struct rk_json *x;
    size_t i;

    if (depth > 64)
        return NULL;
    if (rk_json_is_string(v))
        return hash_id(rk_json_str(v), rk_json_strlen(v)) == h ? rk_json_str(v)
                                                                           : NULL;
    if (rk_json_is_array(v)) {
        rk_json_array_foreach(v, i, x) {
            if ((s = find_string(x, h, depth + 1)) != NULL)
                return s;
        }
    } else if (rk_json_is_object(v)) {
        rk_json_object_foreach(v, key, x) {
            if (hash_id(key, strlen(key)) == h)
                return key;
            if ((s = find_string(x, h, depth + 1)) != NULL)
                return s;
        }
    }
    return NULL;
}

static int report_one(const struct missing *m, struct rk_json *referrer, struct rk_stix_findings **out)
{
    const char *id = referrer ? find_string(referrer, m->hash, 0) : NULL;
    const char *from = referrer ? rk_json_str(rk_json_get(referrer, "id")) : NULL;
    char msg[RK_ERR_MESSAGE_MAX];

    if (id)
        snprintf(msg, sizeof(msg), "references %.160s, which is not in the input", id);
    else
        snprintf(msg, sizeof(msg), "references an object that is not in the input (the input "
                                   "cannot be read again to name it)");
    return rk_stix_findings_add(out, RK_STIX_WARNING, m->offset, from, "", msg);
}

int rk_stix_refs_report(struct rk_stix_refs *r, const struct rk_stix_source *src,
                        struct rk_stix_findings **findings)
{
    struct missing *m = NULL;
    size_t n = 0, total = 0;
    struct rk_json_doc *obj = NULL;
    long long at = -1;
    int rc = 0;

    rk_stix_refs_flush(r);
    if (r->stopped &&
        rk_stix_findings_add(findings, RK_STIX_WARNING, -1, "", "",
                             "the input has too many objects or references to check all "
                             "references against it; the check stopped early") != 0)
        return RK_ENOMEM;
    if (r->refs_n && (m = rk_reallocarray(NULL, RK_STIX_FINDINGS_MAX, sizeof(*m))) == NULL)
        return RK_ENOMEM;
    for (size_t i = 0; i < r->refs_cap; i++) {
        if (r->refs[i].hash == 0 || set_has(r->seen, r->seen_cap, r->refs[i].hash))
            continue;
        if (total++ < RK_STIX_FINDINGS_MAX)
            m[n++] = (struct missing){r->refs[i].hash, r->refs[i].offset};
    }
    if (n > 1)
        qsort(m, n, sizeof(*m), by_offset); /* read each referrer once */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (m[i].offset != at) {
            rk_json_doc_free(obj);
            obj = reread(src, at = m[i].offset);
        }
        rc = report_one(&m[i], obj ? rk_json_root(obj) : NULL, findings);
    }
    rk_json_doc_free(obj);
    rk_free(m);
    if (rc == 0 && total > n) {
        char msg[RK_ERR_MESSAGE_MAX];

        snprintf(msg, sizeof(msg), "and %zu more references to objects not in the input",
                 total - n);
        rc = rk_stix_findings_add(findings, RK_STIX_WARNING, -1, "", "", msg);
    }
    return rc;
}
