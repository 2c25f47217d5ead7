/* readahead.h - a STIX reader that reads, validates and serialises the next objects on a
 * thread of its own while its user stores the ones before them (`renkei import`). */
#ifndef RK_STIX_READAHEAD_H
#define RK_STIX_READAHEAD_H

#include <stdint.h>

#include "renkei/error.h"
#include "renkei/stix.h"

struct rk_stix_readahead;

/* Start reading r on a new thread. The read-ahead does not own r; r may be used again (for its
 * whole-input findings) only after rk_stix_readahead_close. */
int rk_stix_readahead_open(struct rk_stix_readahead **out, struct rk_stix_reader *r, struct rk_err *err);

/* The next item, in input order, into *item, with the reader's byte position after it. The
 * item is borrowed: it stays valid until the next call or rk_stix_readahead_close, which free
 * it (on the reading thread, which allocated it). Returns what rk_stix_reader_next would: 1
 * with an item, 0 at the end of the input, < 0 when the input is broken beyond this point
 * (err says why); *item is NULL then. */
int rk_stix_readahead_next(struct rk_stix_readahead *p, const struct rk_stix_item **item,
                           uint64_t *position, struct rk_err *err);

/* Stop the reading thread, free the items not taken and the read-ahead. Accepts NULL. */
void rk_stix_readahead_close(struct rk_stix_readahead *p);

#endif
