/* policy.h - who may see or receive a STIX object: the sharing table of DESIGN.md as code.
 *
 * Every read path (TAXII objects, object, versions, manifest; export; sync; dashboard) asks
 * here, either per object (rk_policy_may_read) or by turning a reader into the visibility
 * filter the store applies inside its queries (rk_policy_visibility). Both are derived from
 * one table (read_rules in src/policy/policy.c) and tests prove they agree for every case.
 */
#ifndef RENKEI_POLICY_H
#define RENKEI_POLICY_H

#include <stddef.h>

#include "renkei/stix.h"
#include "renkei/store.h"

enum rk_role {
    RK_ROLE_NONE = 0,   /* anonymous */
    RK_ROLE_READER = 1, /* read collections it has read rights on */
    RK_ROLE_WRITER = 2, /* also add objects */
    RK_ROLE_ADMIN = 3,  /* also manage collections, users and delete objects */
    RK_ROLE_SYNC = 4    /* a partner node: reads what may be sent to that partner */
};

/* "reader", "writer", "admin", "sync" (and "none"); parse accepts the same names. */
const char *rk_role_name(enum rk_role role);
int rk_role_parse(const char *name, enum rk_role *out);

/* The node-wide settings the rules depend on. */
struct rk_policy {
    enum rk_tlp default_tlp; /* what an object without a TLP marking counts as (AMBER) */
};

/* Who is reading. Strings are borrowed. An anonymous reader has authenticated == 0. */
struct rk_principal {
    int authenticated;
    const char *user;
    const char *org;
    const char *const *groups; /* the sharing groups of the reader's organisation */
    size_t n_groups;
    enum rk_role role;
};

/* What the rules need to know about one object (all borrowed). */
struct rk_object_meta {
    enum rk_tlp tlp;           /* from object_marking_refs; RK_TLP_NONE when unmarked */
    const char *owner_org;     /* the owning / addressed organisation */
    const char *const *groups; /* sharing groups the object belongs to */
    size_t n_groups;
    const char *const *readers; /* users named as readers (TLP:RED) */
    size_t n_readers;
    const char *source_partner; /* the partner it came from; NULL or "" when local */
};

/* A partner node, as egress sees it. */
struct rk_partner_view {
    const char *name;
    const char *org;
    const char *const *groups; /* sharing groups the partner belongs to */
    size_t n_groups;
    enum rk_tlp ceiling;       /* nothing above this level is sent (RK_TLP_NONE: no ceiling) */
};

/* Why an egress check said no, for the egress log and `renkei partner status`. */
enum rk_egress_verdict {
    RK_EGRESS_SEND = 0,
    RK_EGRESS_NEVER_RED,          /* TLP:RED never leaves the node */
    RK_EGRESS_STRICT_NOT_OWNER,   /* AMBER+STRICT only goes to its owning organisation, and a
                                     receiving node never forwards it */
    RK_EGRESS_NOT_IN_GROUP,       /* AMBER only to partners in one of the object's groups */
    RK_EGRESS_ABOVE_CEILING,      /* the partner's TLP ceiling is lower */
    RK_EGRESS_BACK_TO_SOURCE      /* never sent back to the partner it came from */
};

/* The TLP an object counts as: its marking, or the node's default when it has none. */
enum rk_tlp rk_policy_effective_tlp(const struct rk_policy *p, enum rk_tlp tlp);

/* 1 when who may read an object with meta m (collection read rights are checked apart). */
int rk_policy_may_read(const struct rk_policy *p, const struct rk_principal *who,
                       const struct rk_object_meta *m);

/* Fill vis with the store filter equivalent to rk_policy_may_read for who. vis borrows
 * who's strings. */
void rk_policy_visibility(const struct rk_policy *p, const struct rk_principal *who,
                          struct rk_store_visibility *vis);

/* May sync send an object with meta m to partner? RK_EGRESS_SEND or the reason it may not. */
enum rk_egress_verdict rk_policy_may_send(const struct rk_policy *p,
                                          const struct rk_partner_view *partner,
                                          const struct rk_object_meta *m);
/* A short explanation of a verdict. */
const char *rk_egress_verdict_text(enum rk_egress_verdict v);

#endif
