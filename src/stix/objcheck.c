/* objcheck.c - validation of one top-level STIX object: type and id (section 2.9), which common
 * properties its category requires or allows (section 3.2), its type-specific and custom
 * properties, created <= modified, the custom-object rules of sections 7.3 and 11.2, and the
 * type's cross-property rules. */
#include "stix/stix_internal.h"

#include <string.h>

/* Sets c->id, c->type and c->is_custom; 0 when the object cannot be validated further. */
static int check_type_id(struct rk_stix_vctx *c, struct rk_json *obj)
{
    struct rk_json *t = rk_json_get(obj, "type"), *id = rk_json_get(obj, "id");
    const char *type, *ids;
    size_t tlen = 0, ilen;

    if (rk_json_is_string(id))
        c->id = rk_json_str(id);
    if (!rk_json_is_string(t)) {
        if (t)
            rk_stix_error(c, "type must be a string");
        else
            rk_stix_missing(c, "type");
        return 0;
    }
    type = rk_json_str(t);
    if (!rk_stix_type_name_valid(type, rk_json_strlen(t))) {
        rk_stix_error(c, "type '%.64s' is not a valid type name: a-z, 0-9 and '-', 3-250 "
                         "characters, starting with a letter, no '--' (sections 3.1, 11.2)",
                      type);
        return 0;
    }
    if (rk_json_str_is(t, "bundle")) {
        rk_stix_error(c, "a bundle is not a STIX Object and cannot be nested (section 8)");
        return 0;
    }
    c->type = rk_stix_type_find(type);
    c->is_custom = c->type == NULL;
    if (!id) {
        rk_stix_missing(c, "id");
        return 1;
    }
    size_t save = rk_stix_path_key(c, "id");
    ids = rk_json_str(id);
    ilen = rk_json_strlen(id);
    if (!ids || !rk_stix_id_split(ids, ilen, &tlen))
        rk_stix_error(c, "id must be <type>--<RFC 4122 UUID> (section 2.9)");
    else if (tlen != rk_json_strlen(t) || memcmp(ids, type, tlen) != 0)
        rk_stix_error(c, "id prefix '%.*s' does not match type '%s' (section 2.9)", (int)tlen,
                      ids, type);
    rk_stix_path_pop(c, save);
    return 1;
}

/* Pre-scan of "extensions": which extension facilities the object uses. */
static int scan_extensions(struct rk_stix_vctx *c, struct rk_json *obj)
{
    struct rk_json *ext = rk_json_get(obj, "extensions"), *v;
    const char *key, *et;
    int kind = RK_KIND_UNKNOWN;

    if (!rk_json_is_object(ext))
        return kind;
    rk_json_object_foreach(ext, key, v) {
        if (strncmp(key, "extension-definition--", 22) != 0 || !rk_json_is_object(v))
            continue;
        et = rk_json_str(rk_json_get(v, "extension_type"));
        if (!et)
            continue;
        if (strcmp(et, "toplevel-property-extension") == 0)
            c->has_toplevel_ext = 1;
        else if (strcmp(et, "new-sdo") == 0)
            kind = RK_KIND_SDO;
        else if (strcmp(et, "new-sco") == 0)
            kind = RK_KIND_SCO;
        else if (strcmp(et, "new-sro") == 0)
            kind = RK_KIND_SRO;
    }
    return kind;
}

static void classify(struct rk_stix_vctx *c, struct rk_json *obj, int ext_kind)
{
    int from_ext = ext_kind != RK_KIND_UNKNOWN;

    if (c->type) {
        c->cat = c->type->cat;
        c->kind = c->type->kind;
        return;
    }
    if (!from_ext) /* a deprecated custom object: versioned ones are SDO-like (section 11.2) */
        ext_kind = rk_json_get(obj, "created") ? RK_KIND_SDO : RK_KIND_SCO;
    c->kind = ext_kind;
    c->cat = ext_kind == RK_KIND_SCO ? CAT_SCO : (ext_kind == RK_KIND_SRO ? CAT_SRO : CAT_SDO);
    if (from_ext)
        return;
    if (!c->opt->allow_custom)
        rk_stix_error(c, "custom object type '%s' is not allowed by the options",
                      rk_json_str(rk_json_get(obj, "type")));
    else if (strncmp(rk_json_str(rk_json_get(obj, "type")), "x-", 2) != 0)
        rk_stix_warn(c, "custom object type '%s' should start with x- (section 11.2.1)",
                     rk_json_str(rk_json_get(obj, "type")));
}

static void check_enc(struct rk_stix_vctx *c, struct rk_json *obj, const char *key)
{
    size_t len = strlen(key);
    char base[256];

    if (len <= 4 || len - 4 >= sizeof(base) || strcmp(key + len - 4, "_enc") != 0)
        return;
    memcpy(base, key, len - 4);
    base[len - 4] = '\0';
    if (!rk_json_get(obj, base))
        rk_stix_error(c, "%s must not be present without %s (section 3.1)", key, base);
}

/* What the member loop saw, for the required-property and cross-property checks. */
struct seen {
    uint64_t type_bits;   /* type-specific properties present, by table index */
    uint32_t common_bits; /* common properties present, by table index */
    size_t own[2];        /* counts of type-specific and custom properties */
};

static void check_member(struct rk_stix_vctx *c, struct rk_json *obj, const char *key, struct rk_json *v,
                         struct seen *seen)
{
    const struct rk_prop *p = NULL;
    int req, use;

    if (c->type && (p = rk_stix_prop_find(c->type->props, c->type->nprops, key)) != NULL) {
        seen->own[0]++;
        seen->type_bits |= (uint64_t)1 << (p - c->type->props);
        rk_stix_check_prop(c, p, v);
    } else if ((p = rk_stix_common_find(key, c->cat, &req, &use)) != NULL) {
        size_t ci = rk_stix_common_index(p);

        seen->common_bits |= (uint32_t)1 << ci;
        c->common[ci] = v;
        if (ci == RK_COMMON_TYPE || ci == RK_COMMON_ID) /* the row is the key's: no strcmp */
            return;
        if (!use)
            rk_stix_error(c, "common property %s does not apply to %s objects (section 3.2)",
                          key, c->type ? c->type->name : "this kind of");
        else if (ci == RK_COMMON_SPEC_VERSION && !rk_json_str_is(v, "2.1"))
            rk_stix_error(c, "spec_version must be \"2.1\" (section 3.2)");
        else
            rk_stix_check_prop(c, p, v);
    } else {
        seen->own[1]++;
        rk_stix_check_custom_prop(c, key, v, 1);
    }
    if (c->cat == CAT_SCO)
        check_enc(c, obj, key);
}

static void check_required(struct rk_stix_vctx *c, const struct seen *seen)
{
    int req;

    for (size_t i = 0; c->type && i < c->type->nprops; i++) {
        if ((c->type->props[i].flags & P_REQ) && !(seen->type_bits & ((uint64_t)1 << i)))
            rk_stix_missing(c, c->type->props[i].name);
    }
    for (size_t i = 0; i < rk_stix_common_count(); i++) {
        const struct rk_prop *p = rk_stix_common_at(i, c->cat, &req);

        if (req && !(seen->common_bits & ((uint32_t)1 << i)) && strcmp(p->name, "type") != 0 &&
            strcmp(p->name, "id") != 0)
            rk_stix_missing(c, p->name);
    }
}

static void check_created_modified(struct rk_stix_vctx *c)
{
    struct rk_json *cr = c->common[RK_COMMON_CREATED], *mo = c->common[RK_COMMON_MODIFIED];

    if (!rk_json_is_string(cr) || !rk_json_is_string(mo))
        return;
    if (rk_stix_timestamp_cmp(rk_json_str(mo), rk_json_str(cr)) < 0)
        rk_stix_error(c, "modified %s is earlier than created %s (section 3.2)",
                      rk_json_str(mo), rk_json_str(cr));
}

void rk_stix_validate_object(struct rk_stix_vctx *c, struct rk_json *obj)
{
    const char *key;
    struct rk_json *v;
    struct seen seen = {0, 0, {0, 0}};
    int ext_kind;

    if (!rk_json_is_object(obj)) {
        rk_stix_error(c, "a STIX object must be a JSON object");
        return;
    }
    c->root = obj;
    if (!check_type_id(c, obj))
        return;
    ext_kind = scan_extensions(c, obj);
    classify(c, obj, ext_kind);
    rk_json_object_foreach(obj, key, v) {
        size_t save = rk_stix_path_key(c, key);

        check_member(c, obj, key, v, &seen);
        rk_stix_path_pop(c, save);
    }
    check_required(c, &seen);
    check_created_modified(c);
    if (c->is_custom && seen.own[1] == 0)
        rk_stix_error(c, "a custom object must have at least one property besides the common "
                         "properties (sections 7.3.2, 11.2.1)");
    if (c->type && c->type->at_least_one && seen.own[0] == 0 &&
        !rk_json_get(obj, "extensions"))
        rk_stix_error(c, "a %s object must contain at least one of its properties (section 6)",
                      c->type->name);
    if (c->type && c->type->rule)
        c->type->rule(c, obj);
}
