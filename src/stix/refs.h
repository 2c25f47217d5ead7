/* refs.h - the streaming reader's check for references to objects the input did not contain. */
#ifndef RK_STIX_REFS_H
#define RK_STIX_REFS_H

#include "stix/stix_internal.h"

#include <stdint.h>

struct ref_entry;

/* Notes not yet entered in the tables, each with its slot prefetched (see refs.c). */
#define RK_STIX_REFS_QUEUE 64

struct rk_stix_refs {
    uint64_t *seen; /* hashes of ids the input contained */
    size_t seen_cap, seen_n;
    struct ref_entry *refs; /* hashes of distinct referenced ids, with their first referrer */
    size_t refs_cap, refs_n;
    int stopped; /* a cap was reached: no more tracking */
    struct {
        uint64_t hash;
        long long offset; /* of the referrer */
        int is_ref;       /* 0: an id the input contained */
    } queue[RK_STIX_REFS_QUEUE];
    size_t queued;
};

/* Where the input can be read again to name missing references: memory, a regular file, or
 * neither (stdin, pipes). */
struct rk_stix_source {
    const char *mem;
    size_t mem_len;
    const char *path;
    size_t max_object; /* bytes to read at an object's offset */
};

void rk_stix_refs_init(struct rk_stix_refs *r);
void rk_stix_refs_free(struct rk_stix_refs *r);
/* The input contained an object with this id. */
void rk_stix_refs_seen(struct rk_stix_refs *r, const char *id, size_t len);
/* The object at byte offset references id. */
void rk_stix_refs_ref(struct rk_stix_refs *r, const char *id, size_t len, long long offset);
/* Enter the notes made so far in the tables, in the order they were made. The two calls above
 * only queue a note and start loading its slot; calling this once per object, after its
 * validation, leaves that time for the loads. */
void rk_stix_refs_flush(struct rk_stix_refs *r);
/* Add a warning to *findings for every reference to an id the input did not contain (after
 * a flush). */
int rk_stix_refs_report(struct rk_stix_refs *r, const struct rk_stix_source *src,
                        struct rk_stix_findings **findings);

#endif
