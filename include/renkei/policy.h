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
/* A short stable name of a verdict ("red", "strict", "group", "ceiling", "source"; "send"),
 * for counters and logs. */
const char *rk_egress_verdict_name(enum rk_egress_verdict v);
#define RK_EGRESS_VERDICTS (RK_EGRESS_BACK_TO_SOURCE + 1)

/* 1 when who may read an object at level tlp (or receive it from this node) depends on the
 * sharing groups it belongs to, and on nothing wider (TLP:AMBER, or the default level when it
 * is AMBER): such an object received from a partner must land in exactly one group. Derived
 * from the same table as rk_policy_may_read and rk_policy_may_send. */
int rk_policy_group_scoped(const struct rk_policy *p, enum rk_tlp tlp);

/* Fill vis with the store filter equivalent to rk_policy_may_send for partner: what a partner
 * node reading over TAXII (a user with the sync role) sees is exactly what sync would send it.
 * Derived from rk_policy_may_send itself; vis borrows partner's strings. */
void rk_policy_egress_visibility(const struct rk_policy *p, const struct rk_partner_view *partner,
                                 struct rk_store_visibility *vis);

/* The meta of a stored row as the rules see it: its TLP, owner, sharing groups (when the query
 * asked for them), and the partner it came from (its source when the provenance kind is
 * RK_PROV_PARTNER). Borrows the row's strings. */
void rk_policy_row_meta(const struct rk_store_row *row, struct rk_object_meta *out);

/* ---- ingress: what a partner may give this node --------------------------------------------- */

/* The terms agreed with a partner that decide what is accepted from it. */
struct rk_ingress_terms {
    enum rk_tlp ceiling;         /* nothing above it is accepted (RK_TLP_NONE: no ceiling) */
    int refuse_unmarked;         /* refuse objects without a TLP marking */
    enum rk_tlp unmarked;        /* else store them as this level (RK_TLP_NONE: AMBER+STRICT) */
    const char *node_identity;   /* this node's identity id ("" or NULL: none) */
    size_t n_groups;             /* how many sharing groups the objects received on this link
                                    get (rk_policy_received_groups): more than one is ambiguous */
};

/* Why an object from a partner is refused. */
enum rk_ingress_verdict {
    RK_INGRESS_ACCEPT = 0,
    RK_INGRESS_RED,            /* TLP:RED never leaves a node: sending it is a leak */
    RK_INGRESS_ABOVE_CEILING,  /* above the ceiling agreed with the partner */
    RK_INGRESS_UNMARKED,       /* no TLP marking, and the partner's terms refuse that */
    RK_INGRESS_CLAIMS_NODE,    /* created_by_ref names this node: only a copy of an object the
                                  node already holds may come back */
    RK_INGRESS_GROUP_AMBIGUOUS /* group-scoped (AMBER) on a link in several sharing groups: the
                                  group it belongs to cannot be told, so it is not guessed */
};
#define RK_INGRESS_VERDICTS (RK_INGRESS_GROUP_AMBIGUOUS + 1)

/* May obj, received from a partner with terms t, be stored? On RK_INGRESS_ACCEPT *store_tlp is
 * the level to store it as (its marking; for unmarked objects t->unmarked, AMBER+STRICT by
 * default: never more shareable than the sender could have meant). The caller turns
 * RK_INGRESS_CLAIMS_NODE into an accept when the same id and version is already held. An
 * object to be stored at a group-scoped level (rk_policy_group_scoped) when t->n_groups > 1 is
 * RK_INGRESS_GROUP_AMBIGUOUS: labelling it with every group would widen it, with one of them
 * would guess; CLEAR, GREEN and AMBER+STRICT do not depend on groups and are accepted. */
enum rk_ingress_verdict rk_policy_may_accept(const struct rk_ingress_terms *t,
                                             const struct rk_stix_object *obj,
                                             enum rk_tlp *store_tlp);
/* A short explanation, and a stable short name ("red", "ceiling", "unmarked", "claims-node",
 * "group-ambiguous"). */
const char *rk_ingress_verdict_text(enum rk_ingress_verdict v);
const char *rk_ingress_verdict_name(enum rk_ingress_verdict v);

/* The sharing groups objects received from a partner belong to: the collection's groups that
 * the partner is in, or (when the collection names none) the partner's groups. out holds at
 * least n_partner names; returns how many it got. Borrows the names. More than one makes the
 * link ambiguous for group-scoped objects (RK_INGRESS_GROUP_AMBIGUOUS): configuration refuses
 * such links, and ingress refuses AMBER objects on them should groups change later. */
size_t rk_policy_received_groups(const char *const *coll_groups, size_t n_coll,
                                 const char *const *partner_groups, size_t n_partner,
                                 const char **out);

/* ---- identities (src/policy/identity.c) ------------------------------------------------------ */

/* Longest organisation, group, user and collection-alias name, without the NUL. */
#define RK_NAME_MAX 64

/* 1 when s is a valid name for an organisation, group or user: 1 to RK_NAME_MAX characters
 * from a-z, A-Z, 0-9, '.', '_', '-', starting with a letter or digit. (No ':' keeps user
 * names usable in HTTP Basic credentials.) */
int rk_policy_name_ok(const char *s);

/* ---- secrets (src/policy/auth.c) ------------------------------------------------------------ *
 * A user's secret is a server-generated token "rk_" + 16 hex digits of a public key id + 64 hex
 * digits (256 bits) from getrandom. It is shown once; the store keeps the key id, a random salt
 * and PBKDF2-HMAC-SHA256 of the token. The key id finds the credential without a scan; the
 * same token works as a Bearer token and as the password of HTTP Basic. */

#define RK_SECRET_KEY_ID_LEN 16  /* hex digits */
#define RK_SECRET_TOKEN_LEN  83  /* characters, without the NUL */
#define RK_SECRET_SALT_LEN   16
#define RK_SECRET_HASH_LEN   32
#define RK_SECRET_ITERATIONS 100000 /* about 10 ms per check; see docs/internals/taxii.md */

/* The stored form of a secret. */
struct rk_secret_hash {
    char key_id[RK_SECRET_KEY_ID_LEN + 1];
    uint8_t salt[RK_SECRET_SALT_LEN];
    uint8_t hash[RK_SECRET_HASH_LEN];
    unsigned iterations;
};

/* A new random token (NUL-terminated, to show once; wipe it after) and its stored form. */
void rk_policy_secret_new(char token[RK_SECRET_TOKEN_LEN + 1], struct rk_secret_hash *out);
/* The key id of a presented token into key_id. RK_EFORMAT when it is not shaped like one. */
int rk_policy_secret_key_id(const char *token, size_t len,
                            char key_id[RK_SECRET_KEY_ID_LEN + 1]);
/* 0 when token is the secret h was made from, RK_EAUTH otherwise (constant-time compare). */
int rk_policy_secret_verify(const struct rk_secret_hash *h, const char *token, size_t len);

/* Client certificates are registered by the SHA-256 fingerprint of their DER encoding. */
#define RK_FINGERPRINT_HEX_LEN 64
/* The fingerprint of a DER certificate as lower-case hex. */
void rk_policy_cert_fingerprint(const uint8_t *der, size_t len,
                                char out[RK_FINGERPRINT_HEX_LEN + 1]);
/* Normalise a fingerprint written as hex, with or without ':' separators, in either case.
 * RK_EFORMAT when it is not 32 bytes of hex. */
int rk_policy_fingerprint_parse(const char *s, char out[RK_FINGERPRINT_HEX_LEN + 1]);

/* ---- collection rights (src/policy/rights.c) ------------------------------------------------ */

/* Who a grant on a collection is for. */
enum rk_grant_subject {
    RK_GRANT_ORG = 0,       /* the users of one organisation */
    RK_GRANT_GROUP = 1,     /* the users of every organisation in a sharing group */
    RK_GRANT_AUTHENTICATED, /* every authenticated user of the node */
    RK_GRANT_PUBLIC         /* anyone, anonymous clients too (read only) */
};

/* One grant: read and/or write on a collection for a subject. Strings are borrowed. */
struct rk_collection_grant {
    enum rk_grant_subject kind;
    const char *subject; /* organisation or group name; "" for the other kinds */
    int can_read;
    int can_write;
};

/* "org", "group", "authenticated", "public"; parse accepts the same names. */
const char *rk_grant_subject_name(enum rk_grant_subject k);
int rk_grant_subject_parse(const char *s, enum rk_grant_subject *out);

/* What who may do on a collection with grants g[0..n): the can_read / can_write of the TAXII
 * collection resource. Writing also needs the writer, admin or sync role; anonymous clients
 * only ever read, and only through a public grant. Checked before the sharing table. */
void rk_policy_collection_rights(const struct rk_principal *who,
                                 const struct rk_collection_grant *g, size_t n, int *can_read,
                                 int *can_write);

#endif
