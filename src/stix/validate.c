/* validate.c - the table-driven validator: an object's type and id, its common, type-specific
 * and custom properties, and the value types of section 2 (lists, strings, integers, floats,
 * booleans, timestamps, identifiers, hex, binary, hashes, dictionaries, vocabularies,
 * kill-chain phases, external references). Cross-property rules live in rules*.c, extensions
 * and markings in extensions.c. */
#include "stix/stix_internal.h"

#include <string.h>

#define INT54_MAX 9007199254740991LL

static const char *json_kind(const struct rk_json *v)
{
    switch (rk_json_type(v)) {
    case RK_JSON_OBJECT: return "an object";
    case RK_JSON_ARRAY: return "a list";
    case RK_JSON_STRING: return "a string";
    case RK_JSON_INT: return "an integer";
    case RK_JSON_REAL: return "a float";
    case RK_JSON_TRUE:
    case RK_JSON_FALSE: return "a boolean";
    case RK_JSON_NULL: return "null";
    }
    return "unknown";
}

/* ---- caps -------------------------------------------------------------------------------- */

static void limits_walk(struct rk_stix_vctx *c, struct rk_json *v, size_t depth)
{
    const struct rk_stix_options *o = c->opt;
    size_t n, save;
    const char *key;
    struct rk_json *x;

    if (c->limit_hit)
        return;
    if (depth > o->max_depth) {
        c->limit_hit = 1;
        rk_stix_error(c, "nesting deeper than max_depth (%zu)", o->max_depth);
        return;
    }
    if (rk_json_is_string(v) && (n = rk_json_strlen(v)) > o->max_string_bytes) {
        c->limit_hit = 1;
        rk_stix_error(c, "string of %zu bytes exceeds max_string_bytes (%zu)", n,
                      o->max_string_bytes);
    } else if (rk_json_is_array(v)) {
        if ((n = rk_json_array_size(v)) > o->max_array_items) {
            c->limit_hit = 1;
            rk_stix_error(c, "list of %zu items exceeds max_array_items (%zu)", n,
                          o->max_array_items);
            return;
        }
        for (size_t i = 0; i < n && !c->limit_hit; i++) {
            save = rk_stix_path_index(c, i);
            limits_walk(c, rk_json_at(v, i), depth + 1);
            rk_stix_path_pop(c, save);
        }
    } else if (rk_json_is_object(v)) {
        rk_json_object_foreach(v, key, x) {
            save = rk_stix_path_key(c, key);
            if (strlen(key) > o->max_string_bytes) {
                c->limit_hit = 1;
                rk_stix_error(c, "property name exceeds max_string_bytes (%zu)",
                              o->max_string_bytes);
            }
            limits_walk(c, x, depth + 1);
            rk_stix_path_pop(c, save);
            if (c->limit_hit)
                break;
        }
    }
}

void rk_stix_check_limits(struct rk_stix_vctx *c, struct rk_json *v)
{
    limits_walk(c, v, 1);
}

/* ---- scalar value types -------------------------------------------------------------------- */

static int need_string(struct rk_stix_vctx *c, struct rk_json *v, const char *what)
{
    if (rk_json_is_string(v))
        return 1;
    rk_stix_error(c, "must be %s, not %s", what, json_kind(v));
    return 0;
}

static void check_int(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    const struct rk_range *r = p->arg;
    int64_t x;

    if (!rk_json_is_integer(v)) {
        rk_stix_error(c, "must be an integer, not %s", json_kind(v));
        return;
    }
    x = rk_json_int(v);
    if (r && (x < r->min || x > r->max))
        rk_stix_error(c, "%lld is outside %lld..%lld", (long long)x, (long long)r->min,
                      (long long)r->max);
    else if (!r && (x > INT54_MAX || x < -INT54_MAX))
        rk_stix_error(c, "%lld does not fit the 54-bit STIX integer range (section 2.10)",
                      (long long)x);
}

static void check_float(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    const struct rk_frange *r = p->arg;
    double x;

    if (!rk_json_is_number(v)) {
        rk_stix_error(c, "must be a number, not %s", json_kind(v));
        return;
    }
    x = rk_json_number(v);
    if (r && (x < r->min || x > r->max))
        rk_stix_error(c, "%g is outside %g..%g", x, r->min, r->max);
}

static void check_timestamp(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    struct rk_err e;
    int digits = 0;

    if (!need_string(c, v, "a timestamp string"))
        return;
    if (rk_stix_timestamp_check(rk_json_str(v), rk_json_strlen(v), &digits, NULL) == 0) {
        if ((p->flags & P_MILLIS) && digits < 3)
            rk_stix_error(c, "'%s' must be precise to at least the millisecond (section 3.2)",
                          rk_json_str(v));
        return;
    }
    rk_err_clear(&e);
    if (rk_stix_timestamp_check(rk_json_str(v), rk_json_strlen(v), &digits, &e) != 0)
        rk_stix_error(c, "'%.64s' is not a STIX timestamp YYYY-MM-DDTHH:MM:SS[.s+]Z (%s)",
                      rk_json_str(v), e.message);
}

static int type_in(const char *type, size_t len, const char *const *list)
{
    for (size_t i = 0; list && list[i]; i++) {
        if (strlen(list[i]) == len && memcmp(list[i], type, len) == 0)
            return 1;
    }
    return 0;
}

/* Does a reference of type type[0..len) satisfy target t? */
static int ref_allowed(const struct rk_reftarget *t, const char *type, size_t len)
{
    enum rk_stix_kind k = rk_stix_kind_of_type(type, len);

    if (type_in(type, len, t->types))
        return 1;
    if (k == RK_KIND_BUNDLE)
        return 0;
    if (t->classes & RT_ANY)
        return 1;
    if (k == RK_KIND_UNKNOWN) /* a custom type may be of any kind */
        return (t->classes & (RT_SDO | RT_SCO | RT_CUSTOM)) != 0;
    return ((t->classes & RT_SDO) && k == RK_KIND_SDO) ||
           ((t->classes & RT_SCO) && k == RK_KIND_SCO) ||
           ((t->classes & RT_SRO) && k == RK_KIND_SRO);
}

static void check_local_ref(struct rk_stix_vctx *c, struct rk_json *v)
{
    if (!need_string(c, v, "a reference string"))
        return;
    if (!rk_json_get(c->container, rk_json_str(v)))
        rk_stix_error(c, "reference '%.64s' is not a key of the same observable container "
                         "(section 2.13)",
                      rk_json_str(v));
}

static void check_id(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    const struct rk_reftarget *t = p->arg;
    const char *s;
    size_t len, tlen;

    if (c->in_container) {
        check_local_ref(c, v);
        return;
    }
    if (!need_string(c, v, "an identifier string"))
        return;
    s = rk_json_str(v);
    len = rk_json_strlen(v);
    if (!rk_stix_id_split(s, len, &tlen)) {
        rk_stix_error(c, "'%.100s' is not an identifier <type>--<RFC 4122 UUID> (section 2.9)",
                      s);
        return;
    }
    if (t && !ref_allowed(t, s, tlen)) {
        rk_stix_error(c, "must reference %s, not %.*s (section %s)", t->what, (int)tlen, s,
                      t->classes ? "3.3" : "3.3, property table");
        return;
    }
    if (c->on_ref)
        c->on_ref(c->ref_ctx, s, len);
}

static void check_hashes(struct rk_stix_vctx *c, struct rk_json *v)
{
    const char *key;
    struct rk_json *x;
    size_t save, want;

    if (!rk_json_is_object(v) || rk_json_object_size(v) == 0) {
        rk_stix_error(c, "must be a non-empty hashes dictionary (section 2.7)");
        return;
    }
    rk_json_object_foreach(v, key, x) {
        save = rk_stix_path_key(c, key);
        if (!rk_stix_dict_key_valid(key, strlen(key)) || strlen(key) < 3)
            rk_stix_error(c, "hash algorithm name must be 3-250 ASCII letters, digits, '-' or "
                             "'_' (section 2.7)");
        else if (need_string(c, x, "a string")) {
            want = rk_stix_hash_hex_len(key);
            if (want && (rk_json_strlen(x) != want || !rk_stix_hex_valid_any(rk_json_str(x), want)))
                rk_stix_error(c, "%s value must be %zu hexadecimal digits", key, want);
            else if (!want && !rk_stix_vocab_has(&rk_vocab_hash_algorithm, key))
                rk_stix_warn(c, "hash algorithm '%s' is not in hash-algorithm-ov", key);
        }
        rk_stix_path_pop(c, save);
    }
}

static int dict_value_ok(struct rk_json *x, int values)
{
    size_t n;

    switch (values) {
    case DV_STRING: return rk_json_is_string(x);
    case DV_INT: return rk_json_is_integer(x);
    case DV_INT_OR_STRING: return rk_json_is_integer(x) || rk_json_is_string(x);
    case DV_STRING_LIST:
        if (!rk_json_is_array(x) || (n = rk_json_array_size(x)) == 0)
            return 0;
        for (size_t i = 0; i < n; i++) {
            if (!rk_json_is_string(rk_json_at(x, i)))
                return 0;
        }
        return 1;
    default: return !rk_json_is_null(x) && !(rk_json_is_array(x) && rk_json_array_size(x) == 0);
    }
}

static void check_dict(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    static const char *const what[] = {"a value", "a string", "an integer",
                                       "an integer or a string", "a non-empty list of strings",
                                       "a string or list"};
    const struct rk_dictspec *d = p->arg;
    int values = d ? d->values : DV_ANY;
    const char *key;
    struct rk_json *x;
    size_t save;

    if (!rk_json_is_object(v) || rk_json_object_size(v) == 0) {
        rk_stix_error(c, "must be a non-empty dictionary (section 2.3)");
        return;
    }
    rk_json_object_foreach(v, key, x) {
        save = rk_stix_path_key(c, key);
        if (!rk_stix_dict_key_valid(key, strlen(key)))
            rk_stix_error(c, "dictionary key must be 1-250 ASCII letters, digits, '-' or '_' "
                             "(section 2.3)");
        else if (!dict_value_ok(x, values))
            rk_stix_error(c, "must be %s, not %s", what[values], json_kind(x));
        rk_stix_path_pop(c, save);
    }
}

static void check_vocab(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v, int closed)
{
    const struct rk_vocab *voc = p->arg;
    const char *s;

    if (!need_string(c, v, "a string"))
        return;
    s = rk_json_str(v);
    if (!voc || rk_stix_vocab_has(voc, s))
        return;
    if (closed)
        rk_stix_error(c, "'%.64s' is not a value of %s", s, voc->name);
    else
        rk_stix_warn(c, "'%.64s' is not in the suggested vocabulary %s", s, voc->name);
}

static int needs_lowercase_hyphens(const char *s)
{
    for (; *s; s++) {
        if ((*s >= 'A' && *s <= 'Z') || *s == ' ' || *s == '_')
            return 1;
    }
    return 0;
}

static void check_kcp(struct rk_stix_vctx *c, struct rk_json *v)
{
    static const char *const names[] = {"kill_chain_name", "phase_name"};
    const char *key;
    struct rk_json *x;

    if (!rk_json_is_object(v)) {
        rk_stix_error(c, "must be a kill-chain-phase object, not %s", json_kind(v));
        return;
    }
    rk_json_object_foreach(v, key, x) {
        size_t save = rk_stix_path_key(c, key);

        if (strcmp(key, names[0]) == 0 || strcmp(key, names[1]) == 0) {
            if (need_string(c, x, "a string") && needs_lowercase_hyphens(rk_json_str(x)))
                rk_stix_warn(c, "should be lowercase with hyphens as word separators "
                                "(section 2.11)");
        } else {
            rk_stix_check_custom_prop(c, key, x, 0);
        }
        rk_stix_path_pop(c, save);
    }
    for (int i = 0; i < 2; i++) {
        if (!rk_json_get(v, names[i]))
            rk_stix_missing(c, names[i]);
    }
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return n > 0;
}

/* CVE-YYYY-NNNN... and CAPEC-N (sections 4.1 and 4.19). */
static void check_extref_ids(struct rk_stix_vctx *c, const char *source, struct rk_json *ext_id)
{
    const char *id = rk_json_str(ext_id);
    size_t len;

    if (!id)
        return;
    len = strlen(id);
    if (strcmp(source, "capec") == 0 && !(len > 6 && strncmp(id, "CAPEC-", 6) == 0 &&
                                          all_digits(id + 6, len - 6)))
        rk_stix_error(c, "a capec external_id must be CAPEC-[id], not '%.64s' (section 4.1)", id);
    if (strcmp(source, "cve") == 0 &&
        !(len >= 13 && strncmp(id, "CVE-", 4) == 0 && all_digits(id + 4, 4) && id[8] == '-' &&
          all_digits(id + 9, len - 9)))
        rk_stix_error(c, "a cve external_id must be the exact CVE identifier, not '%.64s' "
                         "(section 4.19)",
                      id);
}

static void check_extref(struct rk_stix_vctx *c, struct rk_json *v)
{
    static const struct rk_prop hashes = {"hashes", PT_HASHES, 0, NULL};
    const char *key;
    struct rk_json *x;

    if (!rk_json_is_object(v)) {
        rk_stix_error(c, "must be an external-reference object, not %s", json_kind(v));
        return;
    }
    rk_json_object_foreach(v, key, x) {
        size_t save = rk_stix_path_key(c, key);

        if (strcmp(key, "hashes") == 0)
            rk_stix_check_prop(c, &hashes, x);
        else if (strcmp(key, "source_name") == 0 || strcmp(key, "description") == 0 ||
                 strcmp(key, "external_id") == 0)
            need_string(c, x, "a string");
        else if (strcmp(key, "url") == 0) {
            if (need_string(c, x, "a string") &&
                !rk_stix_url_valid(rk_json_str(x), rk_json_strlen(x)))
                rk_stix_error(c, "'%.100s' is not a URL (RFC 3986)", rk_json_str(x));
        } else
            rk_stix_check_custom_prop(c, key, x, 0);
        rk_stix_path_pop(c, save);
    }
    if (!rk_json_is_string(rk_json_get(v, "source_name")))
        rk_stix_missing(c, "source_name");
    else
        check_extref_ids(c, rk_json_str(rk_json_get(v, "source_name")),
                         rk_json_get(v, "external_id"));
    if (!rk_json_get(v, "description") && !rk_json_get(v, "url") &&
        !rk_json_get(v, "external_id"))
        rk_stix_error(c, "needs at least one of description, url or external_id (section 2.5.2)");
}

static void check_string(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    const char *s;

    if (!need_string(c, v, "a string") || !(p->flags & P_ASCII_NAME))
        return;
    s = rk_json_str(v);
    if (*s == '\0')
        rk_stix_error(c, "must not be empty");
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) {
            rk_stix_error(c, "may only contain a-z, 0-9 and '-' (section 5.1.2)");
            break;
        }
    }
}

static void check_scalar(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    if (rk_json_is_null(v)) {
        rk_stix_error(c, "null is not a STIX value; omit the property instead");
        return;
    }
    switch (p->type) {
    case PT_STRING: check_string(c, p, v); break;
    case PT_INT: check_int(c, p, v); break;
    case PT_FLOAT: check_float(c, p, v); break;
    case PT_BOOL:
        if (!rk_json_is_boolean(v))
            rk_stix_error(c, "must be true or false, not %s", json_kind(v));
        break;
    case PT_TIMESTAMP: check_timestamp(c, p, v); break;
    case PT_ID: check_id(c, p, v); break;
    case PT_HEX:
        if (need_string(c, v, "a hex string") &&
            !rk_stix_hex_valid(rk_json_str(v), rk_json_strlen(v)))
            rk_stix_error(c, "must be an even number of 0-9 and a-f characters (section 2.8)");
        break;
    case PT_BIN:
        if (need_string(c, v, "a base64 string") &&
            !rk_stix_base64_valid(rk_json_str(v), rk_json_strlen(v)))
            rk_stix_error(c, "must be base64 (RFC 4648) encoded (section 2.1)");
        break;
    case PT_HASHES: check_hashes(c, v); break;
    case PT_DICT: check_dict(c, p, v); break;
    case PT_OV: check_vocab(c, p, v, 0); break;
    case PT_ENUM: check_vocab(c, p, v, 1); break;
    case PT_KCP: check_kcp(c, v); break;
    case PT_EXTREF: check_extref(c, v); break;
    case PT_GRANULAR: rk_stix_check_selectors(c, v); break;
    case PT_STRUCT: rk_stix_check_struct(c, p->arg, v); break;
    case PT_EXTENSIONS: rk_stix_check_extensions(c, v); break;
    case PT_CONTAINER: rk_stix_check_container(c, v); break;
    case PT_LANGCONTENTS: rk_stix_check_lang_contents(c, v); break;
    case PT_MARKINGDEF:
        if (!rk_json_is_object(v))
            rk_stix_error(c, "must be an object, not %s", json_kind(v));
        break;
    case PT_LANG:
        if (need_string(c, v, "a string") &&
            !rk_stix_lang_valid(rk_json_str(v), rk_json_strlen(v)))
            rk_stix_error(c, "'%.32s' is not an RFC 5646 language code", rk_json_str(v));
        break;
    case PT_RESERVED:
        rk_stix_error(c, "is reserved for future use and must not be present (section 3.8)");
        break;
    default: break;
    }
}

void rk_stix_check_prop(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v)
{
    size_t n, save;

    if (p->flags & P_DEPRECATED)
        rk_stix_warn(c, "is deprecated");
    if (!(p->flags & P_LIST)) {
        check_scalar(c, p, v);
        return;
    }
    if (!rk_json_is_array(v)) {
        rk_stix_error(c, "must be a list, not %s", json_kind(v));
        return;
    }
    if ((n = rk_json_array_size(v)) == 0) {
        rk_stix_error(c, "must not be an empty list (section 2.12)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        save = rk_stix_path_index(c, i);
        check_scalar(c, p, rk_json_at(v, i));
        rk_stix_path_pop(c, save);
    }
}

/* ---- custom properties (sections 3.1, 3.8, 11.1) -------------------------------------------- */

static int is_reserved_name(const char *name)
{
    return strcmp(name, "severity") == 0 || strcmp(name, "username") == 0 ||
           strcmp(name, "phone_number") == 0 || strcmp(name, "action") == 0;
}

static int has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len > n && memcmp(s + len - n, suffix, n) == 0;
}

void rk_stix_check_custom_prop(struct rk_stix_vctx *c, const char *name, struct rk_json *v, int top)
{
    size_t len = strlen(name);

    if (!rk_stix_prop_name_valid(name, len)) {
        rk_stix_error(c, "'%.64s' is not a valid property name: a-z, 0-9 and '_', 3-250 "
                         "characters, starting with a letter (sections 3.1, 11.1)",
                      name);
        return;
    }
    if (top && is_reserved_name(name)) {
        rk_stix_error(c, "'%s' is a reserved property name (section 3.8)", name);
        return;
    }
    if (top && !c->is_custom && !c->has_toplevel_ext) {
        if (!c->opt->allow_custom) {
            rk_stix_error(c, "custom property '%.64s' is not allowed by the options", name);
            return;
        }
        if (strncmp(name, "x_", 2) != 0)
            rk_stix_warn(c, "custom property '%.64s' should start with x_ (section 11.1.1)",
                         name);
    }
    if (rk_json_is_null(v))
        rk_stix_error(c, "null is not a STIX value; omit the property instead");
    else if (rk_json_is_array(v) && rk_json_array_size(v) == 0)
        rk_stix_error(c, "must not be an empty list (section 2.12)");
    else if (has_suffix(name, len, "_bin") &&
             !(rk_json_is_string(v) && rk_stix_base64_valid(rk_json_str(v),
                                                         rk_json_strlen(v))))
        rk_stix_error(c, "a _bin property must be base64 (section 2.1)");
    else if (has_suffix(name, len, "_hex") &&
             !(rk_json_is_string(v) && rk_stix_hex_valid(rk_json_str(v),
                                                      rk_json_strlen(v))))
        rk_stix_error(c, "a _hex property must be lower-case hex with an even length "
                         "(section 2.8)");
}

/* ---- nested structures ---------------------------------------------------------------------- */

void rk_stix_check_struct(struct rk_stix_vctx *c, const struct rk_struct *s, struct rk_json *obj)
{
    const struct rk_prop *p;
    const char *key;
    struct rk_json *v;
    size_t known = 0;

    if (!rk_json_is_object(obj)) {
        rk_stix_error(c, "must be a %s object, not %s", s->name, json_kind(obj));
        return;
    }
    rk_json_object_foreach(obj, key, v) {
        size_t save = rk_stix_path_key(c, key);

        if ((p = rk_stix_prop_find(s->props, s->nprops, key)) != NULL) {
            known++;
            rk_stix_check_prop(c, p, v);
        } else {
            rk_stix_check_custom_prop(c, key, v, 0);
        }
        rk_stix_path_pop(c, save);
    }
    for (size_t i = 0; i < s->nprops; i++) {
        if ((s->props[i].flags & P_REQ) && !rk_json_get(obj, s->props[i].name))
            rk_stix_missing(c, s->props[i].name);
    }
    if (s->at_least_one && known == 0)
        rk_stix_error(c, "%s must contain at least one of its properties", s->name);
    if (s->rule)
        s->rule(c, obj);
}
