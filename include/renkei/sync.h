/* sync.h - federation with partner nodes over TAXII 2.1: pull their collections into local
 * ones and push local collections to theirs, each object checked by src/policy on the way out
 * (rk_policy_may_send) and on the way in (rk_policy_may_accept).
 *
 * Pull keeps a durable cursor per (partner, remote collection, local collection), written in
 * the store transaction of the page it follows, so a crash at any point neither loses nor
 * duplicates anything. Push walks a local collection by date_added: only newly stored object
 * versions are ever sent (a duplicate gets no date_added), never back to the partner they came
 * from, so sync terminates in any topology. Every object sent is first written to the
 * hash-chained egress log (store_sync.h).
 *
 *     struct rk_sync_options o;
 *     rk_sync_options_init(&o);
 *     rk_sync_run(st, "us", &o, &counts, &err);     (one pull-and-push cycle of a partner)
 *
 * Background sync (rk_sync_daemon_start) runs one thread per partner, each with its own store
 * handle and its own interval, so a slow or failing partner holds up no other.
 */
#ifndef RENKEI_SYNC_H
#define RENKEI_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "renkei/policy.h"
#include "renkei/store.h"

/* What one run did. */
struct rk_sync_counts {
    /* pull */
    uint64_t pages;
    uint64_t stored;     /* new object versions */
    uint64_t duplicates; /* already held */
    uint64_t conflicts;  /* same id and version, other content: the first is kept */
    uint64_t refused_in; /* invalid or against the ingress rules */
    uint64_t refused_in_by[RK_INGRESS_VERDICTS]; /* by rule (index 0: invalid STIX) */
    /* push */
    uint64_t batches;    /* Add Objects requests */
    uint64_t sent;
    uint64_t failed_out; /* reported as failures by the partner */
    uint64_t too_large;  /* larger than the partner accepts */
    uint64_t refused_out[RK_EGRESS_VERDICTS]; /* by verdict (index 0 unused) */
    /* transfer */
    uint64_t requests;   /* HTTP requests, retries included */
    uint64_t bytes_in;   /* response bodies */
    uint64_t bytes_out;  /* request bodies */
    /* warnings */
    int window_at_risk;  /* the partner's added_after window is close to passing the cursor */
};

/* Called as a run goes (after each page or batch); what is "pull" or "push". */
typedef void (*rk_sync_progress_fn)(const char *partner, const char *what, const char *collection,
                                    const struct rk_sync_counts *c, void *ctx);

struct rk_sync_options {
    int pull;                     /* run the pull mappings (default 1) */
    int push;                     /* run the push mappings (default 1) */
    uint64_t max_pages;           /* pages per pull mapping and run (0: until caught up) */
    size_t push_batch;            /* local rows considered per Add Objects request (1000) */
    size_t max_object_bytes;      /* larger objects from a partner are refused (4 MiB) */
    size_t max_response_bytes;    /* larger responses are refused (256 MiB) */
    unsigned status_wait_s;       /* how long to poll a pending status (60) */
    const char *lock_dir;         /* hold DIR/<partner>.lock while running (NULL: no lock) */
    int (*cancelled)(void *ctx);  /* polled between pages and during requests */
    void *cancel_ctx;
    rk_sync_progress_fn progress;
    void *progress_ctx;
};

void rk_sync_options_init(struct rk_sync_options *o);

/* One run for partner: every pull mapping until caught up, then every push mapping. A failing
 * mapping does not stop the others; the first failure is returned (its message in err), and
 * the partner's state (last attempt, success, error) is updated either way. out may be NULL.
 * RK_ENOTFOUND: no such partner; RK_EEXISTS: another run of it holds the lock. */
int rk_sync_run(struct rk_store *st, const char *partner, const struct rk_sync_options *o,
                struct rk_sync_counts *out, struct rk_err *err);

/* A TAXII client set up for partner p (its URL, API root, credentials, trust, timeout);
 * o may be NULL (defaults; no cancellation). */
struct rk_partner;
struct rk_taxii_client;
int rk_sync_connect(const struct rk_partner *p, const struct rk_sync_options *o,
                    struct rk_taxii_client **out, struct rk_err *err);

/* ---- background sync ----------------------------------------------------------------------- */

struct rk_sync_daemon;

/* Start syncing every partner that is not paused, each on its own thread with its own store
 * handle, every partner's interval (retrying a failing partner with backoff, up to its
 * interval). Partners added, changed or removed later are picked up within a few seconds.
 * Locks go in data_dir/sync/. */
int rk_sync_daemon_start(struct rk_sync_daemon **out, const char *data_dir, struct rk_err *err);
/* Stop: running transfers are abandoned at once (their cursors hold), threads joined. NULL ok. */
void rk_sync_daemon_stop(struct rk_sync_daemon *d);

#endif
