/* sync_internal.h - one run of one partner (run.c) and its two halves: pull.c and push.c. */
#ifndef RK_SYNC_INTERNAL_H
#define RK_SYNC_INTERNAL_H

#include "renkei/store_access.h"
#include "renkei/store_sync.h"
#include "renkei/sync.h"
#include "renkei/taxii_client.h"

#define RK_SYNC_IDENTITY_MAX 160

/* Everything a run needs about the partner and this node. */
struct rk_sync_ctx {
    struct rk_store *st;
    const struct rk_sync_options *opt;
    struct rk_partner p;
    struct rk_policy policy;
    char node_org[RK_NAME_MAX + 1];
    char node_identity[RK_SYNC_IDENTITY_MAX];
    char **groups;              /* the partner organisation's sharing groups (owned) */
    size_t n_groups;
    struct rk_partner_view view; /* egress: borrows p and groups */
    struct rk_ingress_terms terms; /* ingress */
    struct rk_taxii_client *client;
    uint64_t max_content_length; /* the partner's API root (0 until asked) */
    struct rk_sync_counts counts;
};

/* Pull one mapping until caught up (or max_pages). */
int rk_sync_pull(struct rk_sync_ctx *x, const struct rk_sync_mapping *m, struct rk_err *err);
/* Push one mapping until every local row has been considered. */
int rk_sync_push(struct rk_sync_ctx *x, const struct rk_sync_mapping *m, struct rk_err *err);

/* 1 when the run should stop. */
int rk_sync_cancelled(const struct rk_sync_ctx *x);
/* Report progress, when asked for. */
void rk_sync_progress(struct rk_sync_ctx *x, const char *what, const char *collection);

#endif
