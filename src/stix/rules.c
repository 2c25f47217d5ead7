/* rules.c - cross-property rules of the domain, relationship and meta objects: time windows,
 * "at least one of" and "not both" rules, the pattern hook, and what the property tables
 * cannot say alone (sections 4, 5 and 7). */
#include "stix/stix_internal.h"

#include <string.h>

/* later must be >= earlier (strict: > earlier). Malformed timestamps are reported by their
 * property check; rk_stix_timestamp_order does not order them. */
static void order(struct rk_stix_vctx *c, struct rk_json *o, const char *earlier, const char *later,
                  int strict, const char *section)
{
    const char *a = rk_json_str(rk_json_get(o, earlier));
    const char *b = rk_json_str(rk_json_get(o, later));
    int cmp;

    if (!a || !b || rk_stix_timestamp_order(b, a, &cmp) != 0)
        return;
    if (cmp < 0 || (strict && cmp == 0)) {
        size_t save = rk_stix_path_key(c, later);

        rk_stix_error(c, "%s %s must be %s %s %s (section %s)", later, b,
                      strict ? "later than" : "later than or equal to", earlier, a, section);
        rk_stix_path_pop(c, save);
    }
}

static int has(struct rk_json *o, const char *name)
{
    return rk_json_get(o, name) != NULL;
}

void rk_stix_rule_first_last_seen(struct rk_stix_vctx *c, struct rk_json *o)
{
    order(c, o, "first_seen", "last_seen", 0, "4");
}

void rk_stix_rule_indicator(struct rk_stix_vctx *c, struct rk_json *o)
{
    struct rk_json *pattern = rk_json_get(o, "pattern");
    struct rk_json *ptype = rk_json_get(o, "pattern_type");
    struct rk_err e;

    order(c, o, "valid_from", "valid_until", 1, "4.7.1");
    if (!c->opt->check_pattern || !rk_json_str_is(ptype, "stix") || !rk_json_is_string(pattern))
        return;
    rk_err_clear(&e);
    if (c->opt->check_pattern(rk_json_str(pattern), rk_json_strlen(pattern), &e) != 0) {
        size_t save = rk_stix_path_key(c, "pattern");

        if (e.offset >= 0)
            rk_stix_error(c, "invalid STIX pattern at character %lld: %s", e.offset + 1, e.message);
        else
            rk_stix_error(c, "invalid STIX pattern: %s", e.message);
        rk_stix_path_pop(c, save);
    }
}

void rk_stix_rule_malware(struct rk_stix_vctx *c, struct rk_json *o)
{
    rk_stix_rule_first_last_seen(c, o);
    if (rk_json_is_true(rk_json_get(o, "is_family")) && !has(o, "name"))
        rk_stix_error(c, "a malware family (is_family true) must have a name (section 4.11.1)");
}

void rk_stix_rule_malware_analysis(struct rk_stix_vctx *c, struct rk_json *o)
{
    if (!has(o, "result") && !has(o, "analysis_sco_refs"))
        rk_stix_error(c, "one of result or analysis_sco_refs must be present (section 4.12)");
}

void rk_stix_rule_location(struct rk_stix_vctx *c, struct rk_json *o)
{
    int lat = has(o, "latitude"), lon = has(o, "longitude");

    if (lat != lon)
        rk_stix_error(c, "latitude and longitude must be given together (section 4.10.1)");
    if (has(o, "precision") && !(lat && lon))
        rk_stix_error(c, "precision requires latitude and longitude (section 4.10.1)");
    if (!has(o, "region") && !has(o, "country") && !(lat && lon))
        rk_stix_error(c, "a location needs region, country, or latitude and longitude "
                         "(section 4.10)");
}

/* object_refs of observed-data must hold at least one SCO reference (section 4.14.1). */
static void observed_refs_have_sco(struct rk_stix_vctx *c, struct rk_json *refs)
{
    size_t n = rk_json_array_size(refs), tlen;

    for (size_t i = 0; i < n; i++) {
        const char *s = rk_json_str(rk_json_at(refs, i));
        enum rk_stix_kind k;

        if (!s || !rk_stix_id_split(s, strlen(s), &tlen))
            return; /* already reported */
        k = rk_stix_kind_of_type(s, tlen);
        if (k == RK_KIND_SCO || k == RK_KIND_UNKNOWN)
            return;
    }
    if (n > 0)
        rk_stix_error(c, "object_refs must contain at least one SCO reference (section 4.14.1)");
}

void rk_stix_rule_observed_data(struct rk_stix_vctx *c, struct rk_json *o)
{
    int objects = has(o, "objects"), refs = has(o, "object_refs");

    order(c, o, "first_observed", "last_observed", 0, "4.14.1");
    if (objects && refs)
        rk_stix_error(c, "objects and object_refs must not both be present (section 4.14)");
    else if (!objects && !refs)
        rk_stix_error(c, "one of objects or object_refs must be present (section 4.14)");
    if (refs && rk_json_is_array(rk_json_get(o, "object_refs")))
        observed_refs_have_sco(c, rk_json_get(o, "object_refs"));
}

static int same_type(const char *a, const char *b)
{
    const char *da = strstr(a, "--"), *db = strstr(b, "--");

    return da && db && da - a == db - b && memcmp(a, b, (size_t)(da - a)) == 0;
}

void rk_stix_rule_relationship(struct rk_stix_vctx *c, struct rk_json *o)
{
    const char *rt = rk_json_str(rk_json_get(o, "relationship_type"));
    const char *src = rk_json_str(rk_json_get(o, "source_ref"));
    const char *dst = rk_json_str(rk_json_get(o, "target_ref"));

    order(c, o, "start_time", "stop_time", 1, "5.1.2");
    if (rt && src && dst && (strcmp(rt, "derived-from") == 0 || strcmp(rt, "duplicate-of") == 0) &&
        !same_type(src, dst))
        rk_stix_warn(c, "%s relates objects of the same type (section 3.7)", rt);
}

void rk_stix_rule_sighting(struct rk_stix_vctx *c, struct rk_json *o)
{
    order(c, o, "first_seen", "last_seen", 0, "5.2.1");
}

void rk_stix_rule_extension_definition(struct rk_stix_vctx *c, struct rk_json *o)
{
    struct rk_json *types = rk_json_get(o, "extension_types");
    int toplevel = 0;

    for (size_t i = 0; i < rk_json_array_size(types); i++) {
        const char *t = rk_json_str(rk_json_at(types, i));

        if (t && strcmp(t, "toplevel-property-extension") == 0)
            toplevel = 1;
    }
    if (has(o, "extension_properties") && !toplevel)
        rk_stix_error(c, "extension_properties is only for toplevel-property-extension "
                         "(section 7.3.1)");
    else if (toplevel && !has(o, "extension_properties"))
        rk_stix_warn(c, "a toplevel-property-extension should list extension_properties "
                        "(section 7.3.1)");
}
