/* upgrade.c - STIX 2.0 objects to STIX 2.1 (docs/stix.md lists the rules and why):
 *   - spec_version "2.1" is added (2.0 objects carry none; the bundle carried "2.0");
 *   - indicator, malware, threat-actor, tool and report: labels, which 2.0 required and used
 *     for the object's subtype, become indicator_types, malware_types, threat_actor_types,
 *     tool_types and report_types (2.1 forbids labels for subtypes, section 3.2), unless the
 *     2.1 property is already there;
 *   - indicator: pattern_type "stix" is added (2.0 patterns are STIX patterns);
 *   - malware: is_family true is added (2.0 malware described families);
 *   - observed-data keeps its objects container, which 2.1 still accepts, deprecated (2.13);
 *   - identity keeps identity_class; everything else, custom properties included, is kept. */
#include "stix/stix_internal.h"

#include <stdio.h>
#include <string.h>

int rk_stix_is_v20(struct rk_json *obj)
{
    struct rk_json *t = rk_json_get(obj, "type");
    struct rk_json *sv = rk_json_get(obj, "spec_version");
    enum rk_stix_kind k;

    if (!rk_json_is_string(t) || rk_json_str_is(t, "bundle"))
        return 0;
    if (sv)
        return rk_json_str_is(sv, "2.0");
    k = rk_stix_kind_of_type(rk_json_str(t), rk_json_strlen(t));
    if (k == RK_KIND_SCO)
        return 0; /* 2.1 SCOs may omit spec_version */
    if (k == RK_KIND_UNKNOWN) /* custom: versioned (SDO-like) objects were 2.0 top-level objects */
        return rk_json_get(obj, "created") != NULL;
    return 1;
}

static const struct {
    const char *type, *target;
} label_moves[] = {
    {"indicator", "indicator_types"}, {"malware", "malware_types"},
    {"threat-actor", "threat_actor_types"}, {"tool", "tool_types"},
    {"report", "report_types"},
};

/* Set member key of obj to a new string or literal. */
static int set_new(struct rk_json_doc *d, struct rk_json *obj, const char *key, const char *str)
{
    struct rk_json *v = str ? rk_json_new_string(d, str) : rk_json_new_literal(d, RK_JSON_TRUE);

    return v ? rk_json_set(d, obj, key, v) : RK_ENOMEM;
}

/* Apply the rules; notes receives a summary of what changed. */
static int apply(struct rk_json_doc *d, struct rk_json *obj, const char *type, char *notes,
                 size_t cap)
{
    struct rk_json *labels = rk_json_get(obj, "labels");
    int n = 0;

    n += snprintf(notes + n, cap - (size_t)n, "spec_version 2.1 added");
    if (set_new(d, obj, "spec_version", "2.1") != 0)
        return RK_ENOMEM;
    for (size_t i = 0; i < sizeof(label_moves) / sizeof(label_moves[0]); i++) {
        if (strcmp(type, label_moves[i].type) != 0 || !rk_json_is_array(labels) ||
            rk_json_get(obj, label_moves[i].target))
            continue;
        if (rk_json_set(d, obj, label_moves[i].target, labels) != 0 ||
            rk_json_del(obj, "labels") != 0)
            return RK_ENOMEM;
        n += snprintf(notes + n, cap - (size_t)n, ", labels moved to %s", label_moves[i].target);
    }
    if (strcmp(type, "indicator") == 0 && !rk_json_get(obj, "pattern_type")) {
        if (set_new(d, obj, "pattern_type", "stix") != 0)
            return RK_ENOMEM;
        n += snprintf(notes + n, cap - (size_t)n, ", pattern_type stix added");
    }
    if (strcmp(type, "malware") == 0 && !rk_json_get(obj, "is_family")) {
        if (set_new(d, obj, "is_family", NULL) != 0)
            return RK_ENOMEM;
        snprintf(notes + n, cap - (size_t)n, ", is_family true added");
    }
    return 0;
}

int rk_stix_upgrade_v20(struct rk_stix_vctx *c, struct rk_json *obj)
{
    const char *type = rk_json_str(rk_json_get(obj, "type"));
    char notes[256];
    int rc;

    if (!type)
        return RK_EINVAL;
    if (!c->doc) {
        c->oom = 1;
        return RK_EINVAL;
    }
    if ((rc = apply(c->doc, obj, type, notes, sizeof(notes))) != 0) {
        c->oom = 1;
        return rc;
    }
    rk_stix_warn(c, "upgraded from STIX 2.0: %s", notes);
    return 0;
}
