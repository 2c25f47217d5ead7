/* policy.c - the sharing table of DESIGN.md: read rules and egress rules. */
#include "renkei/policy.h"

#include <string.h>

/* How a reader relates to an object; each TLP level admits some of these relations. */
enum relation {
    REL_ANYONE = 1 << 0,        /* any reader with read rights on the collection */
    REL_AUTHENTICATED = 1 << 1, /* any authenticated user of any organisation on this node */
    REL_OWN_ORG = 1 << 2,       /* the reader's organisation owns / is addressed by the object */
    REL_SAME_GROUP = 1 << 3,    /* the reader's organisation shares a group with the object */
    REL_NAMED = 1 << 4          /* the reader is named as a reader of the object */
};

/* The read column of the sharing table. The owning organisation always sees its AMBER. */
static const unsigned read_rules[] = {
        [RK_TLP_NONE] = 0, /* never consulted: NONE maps to the default level first */
        [RK_TLP_CLEAR] = REL_ANYONE | REL_AUTHENTICATED | REL_OWN_ORG | REL_SAME_GROUP | REL_NAMED,
        [RK_TLP_GREEN] = REL_AUTHENTICATED | REL_OWN_ORG | REL_SAME_GROUP | REL_NAMED,
        [RK_TLP_AMBER] = REL_OWN_ORG | REL_SAME_GROUP,
        [RK_TLP_AMBER_STRICT] = REL_OWN_ORG,
        [RK_TLP_RED] = REL_NAMED,
};

static const char *const role_names[] = {"none", "reader", "writer", "admin", "sync"};

const char *rk_role_name(enum rk_role role)
{
    if ((unsigned)role >= sizeof(role_names) / sizeof(role_names[0]))
        return "?";
    return role_names[role];
}

int rk_role_parse(const char *name, enum rk_role *out)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
        if (strcmp(name, role_names[i]) == 0) {
            *out = (enum rk_role)i;
            return 0;
        }
    }
    return RK_EFORMAT;
}

enum rk_tlp rk_policy_effective_tlp(const struct rk_policy *p, enum rk_tlp tlp)
{
    if (tlp > RK_TLP_NONE && tlp <= RK_TLP_RED)
        return tlp;
    return p->default_tlp > RK_TLP_NONE && p->default_tlp <= RK_TLP_RED ? p->default_tlp
                                                                        : RK_TLP_AMBER;
}

static int nonempty(const char *s)
{
    return s && s[0];
}

static int lists_intersect(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (strcmp(a[i], b[j]) == 0)
                return 1;
    return 0;
}

static int list_has(const char *const *list, size_t n, const char *s)
{
    return nonempty(s) && lists_intersect(list, n, &s, 1);
}

/* The relations that hold between who and an object with meta m. */
static unsigned relations(const struct rk_principal *who, const struct rk_object_meta *m)
{
    unsigned rel = REL_ANYONE;

    if (!who->authenticated)
        return rel;
    rel |= REL_AUTHENTICATED;
    if (nonempty(who->org) && nonempty(m->owner_org) && strcmp(who->org, m->owner_org) == 0)
        rel |= REL_OWN_ORG;
    if (lists_intersect(who->groups, who->n_groups, m->groups, m->n_groups))
        rel |= REL_SAME_GROUP;
    if (list_has(m->readers, m->n_readers, who->user))
        rel |= REL_NAMED;
    return rel;
}

int rk_policy_may_read(const struct rk_policy *p, const struct rk_principal *who,
                       const struct rk_object_meta *m)
{
    enum rk_tlp tlp = rk_policy_effective_tlp(p, m->tlp);

    return (read_rules[tlp] & relations(who, m)) != 0;
}

int rk_policy_group_scoped(const struct rk_policy *p, enum rk_tlp tlp)
{
    unsigned rules = read_rules[rk_policy_effective_tlp(p, tlp)];

    return (rules & REL_SAME_GROUP) && !(rules & (REL_ANYONE | REL_AUTHENTICATED));
}

/* Bitmask of stored TLP values (1 << tlp) whose effective level admits relation rel. */
static unsigned levels_admitting(const struct rk_policy *p, unsigned rel)
{
    unsigned mask = 0;

    for (int stored = RK_TLP_NONE; stored <= RK_TLP_RED; stored++)
        if (read_rules[rk_policy_effective_tlp(p, (enum rk_tlp)stored)] & rel)
            mask |= 1u << stored;
    return mask;
}

void rk_policy_visibility(const struct rk_policy *p, const struct rk_principal *who,
                          struct rk_store_visibility *vis)
{
    memset(vis, 0, sizeof(*vis));
    vis->tlp_any = levels_admitting(p, REL_ANYONE);
    if (!who->authenticated)
        return;
    vis->tlp_any |= levels_admitting(p, REL_AUTHENTICATED);
    if (nonempty(who->org)) {
        vis->org = who->org;
        vis->tlp_own_org = levels_admitting(p, REL_OWN_ORG);
    }
    vis->groups = who->groups;
    vis->n_groups = who->n_groups;
    vis->tlp_in_group = who->n_groups ? levels_admitting(p, REL_SAME_GROUP) : 0;
    if (nonempty(who->user)) {
        vis->user = who->user;
        vis->tlp_named = levels_admitting(p, REL_NAMED);
    }
}

enum rk_egress_verdict rk_policy_may_send(const struct rk_policy *p,
                                          const struct rk_partner_view *partner,
                                          const struct rk_object_meta *m)
{
    enum rk_tlp tlp = rk_policy_effective_tlp(p, m->tlp);
    int received = nonempty(m->source_partner);

    if (received && nonempty(partner->name) && strcmp(m->source_partner, partner->name) == 0)
        return RK_EGRESS_BACK_TO_SOURCE;
    if (tlp == RK_TLP_RED)
        return RK_EGRESS_NEVER_RED;
    if (partner->ceiling != RK_TLP_NONE && tlp > partner->ceiling)
        return RK_EGRESS_ABOVE_CEILING;
    if (tlp == RK_TLP_AMBER_STRICT) {
        if (received || !nonempty(m->owner_org) || !nonempty(partner->org) ||
            strcmp(m->owner_org, partner->org) != 0)
            return RK_EGRESS_STRICT_NOT_OWNER;
        return RK_EGRESS_SEND;
    }
    if (tlp == RK_TLP_AMBER && !lists_intersect(m->groups, m->n_groups, partner->groups,
                                                partner->n_groups))
        return RK_EGRESS_NOT_IN_GROUP;
    return RK_EGRESS_SEND;
}

const char *rk_egress_verdict_text(enum rk_egress_verdict v)
{
    switch (v) {
    case RK_EGRESS_SEND: return "may be sent";
    case RK_EGRESS_NEVER_RED: return "TLP:RED never leaves the node";
    case RK_EGRESS_STRICT_NOT_OWNER:
        return "TLP:AMBER+STRICT goes only to its owning organisation and is never forwarded";
    case RK_EGRESS_NOT_IN_GROUP: return "TLP:AMBER goes only to partners in the object's groups";
    case RK_EGRESS_ABOVE_CEILING: return "above the partner's TLP ceiling";
    case RK_EGRESS_BACK_TO_SOURCE: return "never sent back to the partner it came from";
    }
    return "?";
}

const char *rk_egress_verdict_name(enum rk_egress_verdict v)
{
    static const char *const names[RK_EGRESS_VERDICTS] = {"send",  "red",     "strict",
                                                          "group", "ceiling", "source"};

    return (unsigned)v < RK_EGRESS_VERDICTS ? names[v] : "?";
}

/* The stored TLP values (bitmask of 1 << tlp) for which may_send says yes to partner about an
 * object with owner org, groups and source as given. */
static unsigned levels_sendable(const struct rk_policy *p, const struct rk_partner_view *partner,
                                const char *org, const char *const *groups, size_t n_groups,
                                const char *source)
{
    unsigned mask = 0;

    for (int stored = RK_TLP_NONE; stored <= RK_TLP_RED; stored++) {
        struct rk_object_meta m = {.tlp = (enum rk_tlp)stored, .owner_org = org,
                                   .groups = groups, .n_groups = n_groups,
                                   .source_partner = source};

        if (rk_policy_may_send(p, partner, &m) == RK_EGRESS_SEND)
            mask |= 1u << stored;
    }
    return mask;
}

/* The filter asks may_send three questions per level, with the least favourable answers to the
 * attributes a clause does not look at: an object received from some other partner, owned by
 * nobody, in no group, admits the level outright (tlp_any); the same object in one of the
 * partner's groups admits it by group; an object the node did not receive, owned by the
 * partner's organisation, admits it by owner (own_org_unreceived keeps received rows out of
 * that clause). Objects received from the partner itself are out whatever the clause. */
void rk_policy_egress_visibility(const struct rk_policy *p, const struct rk_partner_view *partner,
                                 struct rk_store_visibility *vis)
{
    static const char third[] = "\x01another partner"; /* no partner name holds \x01 */

    memset(vis, 0, sizeof(*vis));
    vis->tlp_any = levels_sendable(p, partner, "", NULL, 0, third);
    if (partner->n_groups > 0) {
        vis->groups = partner->groups;
        vis->n_groups = partner->n_groups;
        vis->tlp_in_group = levels_sendable(p, partner, "", partner->groups, partner->n_groups,
                                            third) & ~vis->tlp_any;
    }
    if (nonempty(partner->org)) {
        vis->org = partner->org;
        vis->tlp_own_org = levels_sendable(p, partner, partner->org, NULL, 0, NULL) &
                           ~vis->tlp_any;
        vis->own_org_unreceived = 1;
    }
    if (nonempty(partner->name))
        vis->not_from_partner = partner->name;
}

void rk_policy_row_meta(const struct rk_store_row *row, struct rk_object_meta *out)
{
    memset(out, 0, sizeof(*out));
    out->tlp = row->tlp >= RK_TLP_NONE && row->tlp <= RK_TLP_RED ? (enum rk_tlp)row->tlp
                                                                 : RK_TLP_RED;
    out->owner_org = row->owner_org ? row->owner_org : "";
    out->groups = row->groups;
    out->n_groups = row->n_groups;
    if (row->source_kind && strcmp(row->source_kind, RK_PROV_PARTNER) == 0)
        out->source_partner = row->source;
}
