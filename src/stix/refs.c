/* refs.c - the whole-input reference check of the streaming reader: which ids the input
 * contained (64-bit hashes in an open-addressing set) and which ids objects referenced (each
 * distinct reference once, with its first referrer), so that references to objects the input
 * did not contain become warnings at the end. Memory is capped; past a cap the check stops and
 * says so. */
#include "stix/refs.h"
#include "util/alloc.h"
#include "util/map.h"

#include <stdio.h>
#include <string.h>

#define SEEN_MAX_SLOTS ((size_t)1 << 23) /* 4M ids tracked, 64 MiB */
#define REFS_MAX_SLOTS ((size_t)1 << 20) /* 512K distinct references */
#define STRINGS_MAX    ((size_t)32 << 20)

struct ref_entry {
    uint64_t hash; /* 0: empty slot */
    uint32_t id_off, id_len;
    uint32_t from_off, from_len;
    long long offset;
};

void rk_stix_refs_init(struct rk_stix_refs *r)
{
    memset(r, 0, sizeof(*r));
    rk_buf_init(&r->strings, STRINGS_MAX);
}

void rk_stix_refs_free(struct rk_stix_refs *r)
{
    rk_free(r->seen);
    rk_free(r->refs);
    rk_buf_free(&r->strings);
    memset(r, 0, sizeof(*r));
}

static uint64_t hash_id(const char *id, size_t len)
{
    uint64_t h = rk_hash_bytes(id, len);

    return h ? h : 1;
}

/* Insert h into a set of 64-bit values; 1 when it was new. */
static int set_insert(uint64_t *set, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    while (set[i] != 0) {
        if (set[i] == h)
            return 0;
        i = (i + 1) & (cap - 1);
    }
    set[i] = h;
    return 1;
}

static int set_has(const uint64_t *set, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);

    if (!set)
        return 0;
    while (set[i] != 0) {
        if (set[i] == h)
            return 1;
        i = (i + 1) & (cap - 1);
    }
    return 0;
}

static int seen_grow(struct rk_stix_refs *r)
{
    size_t cap = r->seen_cap ? r->seen_cap * 2 : 1024;
    uint64_t *n;

    if (cap > SEEN_MAX_SLOTS)
        return RK_ELIMIT;
    if ((n = rk_calloc(cap, sizeof(*n))) == NULL)
        return RK_ENOMEM;
    for (size_t i = 0; i < r->seen_cap; i++) {
        if (r->seen[i])
            set_insert(n, cap, r->seen[i]);
    }
    rk_free(r->seen);
    r->seen = n;
    r->seen_cap = cap;
    return 0;
}

void rk_stix_refs_seen(struct rk_stix_refs *r, const char *id, size_t len)
{
    if (r->stopped)
        return;
    if (2 * (r->seen_n + 1) > r->seen_cap && seen_grow(r) != 0) {
        r->stopped = 1;
        return;
    }
    r->seen_n += (size_t)set_insert(r->seen, r->seen_cap, hash_id(id, len));
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
    size_t cap = r->refs_cap ? r->refs_cap * 2 : 256;
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

void rk_stix_refs_ref(struct rk_stix_refs *r, const char *id, size_t len, const char *from,
                      long long offset)
{
    uint64_t h = hash_id(id, len);
    struct ref_entry *e;
    size_t from_len = from ? strlen(from) : 0, off = rk_buf_len(&r->strings);

    if (r->stopped)
        return;
    if (2 * (r->refs_n + 1) > r->refs_cap && refs_grow(r) != 0) {
        r->stopped = 1;
        return;
    }
    e = ref_slot(r->refs, r->refs_cap, h);
    if (e->hash != 0)
        return; /* known already: keep the first referrer */
    if (rk_buf_append(&r->strings, id, len) != 0 ||
        rk_buf_append(&r->strings, from ? from : "", from_len) != 0) {
        r->stopped = 1;
        return;
    }
    e->hash = h;
    e->id_off = (uint32_t)off;
    e->id_len = (uint32_t)len;
    e->from_off = (uint32_t)(off + len);
    e->from_len = (uint32_t)from_len;
    e->offset = offset;
    r->refs_n++;
}

int rk_stix_refs_report(const struct rk_stix_refs *r, struct rk_stix_findings **findings)
{
    const char *s = rk_buf_cstr(&r->strings);
    char msg[RK_ERR_MESSAGE_MAX], from[RK_ERR_ID_MAX];
    size_t missing = 0;

    if (r->stopped &&
        rk_stix_findings_add(findings, RK_STIX_WARNING, -1, "", "",
                             "the input has too many objects or references to check all "
                             "references against it; the check stopped early") != 0)
        return RK_ENOMEM;
    for (size_t i = 0; i < r->refs_cap; i++) {
        const struct ref_entry *e = &r->refs[i];

        if (e->hash == 0 || set_has(r->seen, r->seen_cap, e->hash))
            continue;
        if (++missing > RK_STIX_FINDINGS_MAX)
            continue;
        snprintf(from, sizeof(from), "%.*s", (int)e->from_len, s + e->from_off);
        snprintf(msg, sizeof(msg), "references %.*s, which is not in the input",
                 (int)e->id_len, s + e->id_off);
        if (rk_stix_findings_add(findings, RK_STIX_WARNING, e->offset, from, "", msg) != 0)
            return RK_ENOMEM;
    }
    if (missing > RK_STIX_FINDINGS_MAX) {
        snprintf(msg, sizeof(msg), "and %zu more references to objects not in the input",
                 missing - RK_STIX_FINDINGS_MAX);
        if (rk_stix_findings_add(findings, RK_STIX_WARNING, -1, "", "", msg) != 0)
            return RK_ENOMEM;
    }
    return 0;
}
