/* ingress.c - what this node accepts from a partner: the counterpart of the egress rules.
 * A partner is trusted to label what it sends; these rules refuse what no honest partner
 * would send under the agreed terms, and never make a received object more shareable than
 * the sender could have meant. */
#include "renkei/policy.h"

#include <string.h>

enum rk_ingress_verdict rk_policy_may_accept(const struct rk_ingress_terms *t,
                                             const struct rk_stix_object *obj,
                                             enum rk_tlp *store_tlp)
{
    /* *store_tlp is never NONE below, so the node's default level plays no part */
    static const struct rk_policy no_default = {RK_TLP_NONE};
    enum rk_tlp tlp = rk_stix_object_tlp(obj);
    const char *creator = rk_stix_object_created_by_ref(obj);

    *store_tlp = tlp;
    if (tlp == RK_TLP_RED)
        return RK_INGRESS_RED;
    if (tlp == RK_TLP_NONE) {
        if (t->refuse_unmarked)
            return RK_INGRESS_UNMARKED;
        /* the level is ours, not the partner's claim: the ceiling does not apply */
        *store_tlp = t->unmarked > RK_TLP_NONE && t->unmarked < RK_TLP_RED ? t->unmarked
                                                                            : RK_TLP_AMBER_STRICT;
    } else if (t->ceiling != RK_TLP_NONE && tlp > t->ceiling) {
        return RK_INGRESS_ABOVE_CEILING;
    }
    if (creator && t->node_identity && t->node_identity[0] &&
        strcmp(creator, t->node_identity) == 0)
        return RK_INGRESS_CLAIMS_NODE;
    if (t->n_groups > 1 && rk_policy_group_scoped(&no_default, *store_tlp))
        return RK_INGRESS_GROUP_AMBIGUOUS;
    return RK_INGRESS_ACCEPT;
}

const char *rk_ingress_verdict_text(enum rk_ingress_verdict v)
{
    switch (v) {
    case RK_INGRESS_ACCEPT: return "accepted";
    case RK_INGRESS_RED: return "TLP:RED never leaves a node; the partner must not send it";
    case RK_INGRESS_ABOVE_CEILING: return "above the TLP ceiling agreed with the partner";
    case RK_INGRESS_UNMARKED:
        return "no TLP marking, and the terms with this partner refuse unmarked objects";
    case RK_INGRESS_CLAIMS_NODE:
        return "created_by_ref names this node, but this node never made this object version";
    case RK_INGRESS_GROUP_AMBIGUOUS:
        return "TLP:AMBER, but the partner shares more than one sharing group with the "
               "receiving collection, so the group it belongs to cannot be told; give each "
               "group its own collection (collection add G-in --group G)";
    }
    return "?";
}

const char *rk_ingress_verdict_name(enum rk_ingress_verdict v)
{
    static const char *const names[RK_INGRESS_VERDICTS] = {
            "accept", "red", "ceiling", "unmarked", "claims-node", "group-ambiguous"};

    return (unsigned)v < RK_INGRESS_VERDICTS ? names[v] : "?";
}

size_t rk_policy_received_groups(const char *const *coll_groups, size_t n_coll,
                                 const char *const *partner_groups, size_t n_partner,
                                 const char **out)
{
    size_t n = 0;

    for (size_t i = 0; i < n_partner; i++) {
        int in_coll = n_coll == 0;

        for (size_t j = 0; j < n_coll && !in_coll; j++)
            in_coll = strcmp(partner_groups[i], coll_groups[j]) == 0;
        if (in_coll)
            out[n++] = partner_groups[i];
    }
    return n;
}
