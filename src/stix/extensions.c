/* extensions.c - the "extensions" property (sections 3.2, 3.10, 7.3, 11.3), granular markings
 * and their selectors (7.2.3), marking definitions with TLP 1.0 and TLP 2.0 (7.2.1), language
 * content "contents" (7.1) and the deprecated observable container (2.13). */
#include "stix/stix_internal.h"

#include <stdlib.h>
#include <string.h>

static const char EXTDEF_PREFIX[] = "extension-definition--";

/* ---- extensions ------------------------------------------------------------------------------ */

static void check_extdef_ext(struct rk_stix_vctx *c, const char *key, struct rk_json *v)
{
    const char *k, *et;
    struct rk_json *x;
    size_t tlen;

    if (!rk_stix_id_split(key, strlen(key), &tlen))
        rk_stix_error(c, "extension key must be extension-definition--<UUID> (section 7.3)");
    else if (c->on_ref && strcmp(key, RK_STIX_TLP2_EXT_ID) != 0)
        c->on_ref(c->ref_ctx, key, strlen(key));
    if (!rk_json_is_object(v)) {
        rk_stix_error(c, "an extension must be an object");
        return;
    }
    et = rk_json_str(rk_json_get(v, "extension_type"));
    if (!et)
        rk_stix_error(c, "extension_type is required when the extension facility is used "
                         "(section 3.2)");
    else if (!rk_stix_vocab_has(&rk_vocab_extension_type, et))
        rk_stix_error(c, "extension_type '%.64s' is not a value of extension-type-enum", et);
    else if (strncmp(et, "new-", 4) == 0 && !c->is_custom)
        rk_stix_error(c, "a %s extension cannot apply to the predefined type %s (section 7.3)", et,
                      c->type ? c->type->name : "?");
    rk_json_object_foreach(v, k, x) {
        size_t save = rk_stix_path_key(c, k);

        if (strcmp(k, "extension_type") != 0)
            rk_stix_check_custom_prop(c, k, x, 0);
        rk_stix_path_pop(c, save);
    }
}

/* A deprecated custom extension of an SCO (section 11.3.1). */
static void check_custom_ext(struct rk_stix_vctx *c, const char *key, struct rk_json *v)
{
    size_t len = strlen(key);
    const char *k;
    struct rk_json *x;

    if (c->cat != CAT_SCO) {
        rk_stix_error(c, "'%.64s': only SCOs can have custom extensions; other objects use "
                         "extension-definition--<UUID> keys (sections 7.3, 11.3)",
                      key);
        return;
    }
    if (!rk_stix_type_name_valid(key, len) || len < 7 || strcmp(key + len - 4, "-ext") != 0) {
        rk_stix_error(c, "custom extension name '%.64s' must be a-z, 0-9 and '-', 3-250 "
                         "characters, ending in -ext (section 11.3.1)",
                      key);
        return;
    }
    if (!c->opt->allow_custom)
        rk_stix_error(c, "custom extension '%.64s' is not allowed by the options", key);
    else if (strncmp(key, "x-", 2) != 0)
        rk_stix_warn(c, "custom extension '%.64s' should start with x- (section 11.3.1)", key);
    if (!rk_json_is_object(v) || rk_json_object_size(v) == 0) {
        rk_stix_error(c, "a custom extension must be an object with at least one property");
        return;
    }
    rk_json_object_foreach(v, k, x) {
        size_t save = rk_stix_path_key(c, k);

        rk_stix_check_custom_prop(c, k, x, 0);
        rk_stix_path_pop(c, save);
    }
}

void rk_stix_check_extensions(struct rk_stix_vctx *c, struct rk_json *ext)
{
    const struct rk_struct *s;
    const char *key;
    struct rk_json *v;

    if (!rk_json_is_object(ext) || rk_json_object_size(ext) == 0) {
        rk_stix_error(c, "must be a non-empty dictionary (section 3.2)");
        return;
    }
    rk_json_object_foreach(ext, key, v) {
        size_t save = rk_stix_path_key(c, key);

        if (strncmp(key, EXTDEF_PREFIX, sizeof(EXTDEF_PREFIX) - 1) == 0)
            check_extdef_ext(c, key, v);
        else if ((s = rk_stix_type_ext(c->type, key)) != NULL)
            rk_stix_check_struct(c, s, v);
        else if (rk_stix_is_predefined_ext(key))
            rk_stix_error(c, "%s is not an extension of %s (section 6)", key,
                          c->type ? c->type->name : "this object");
        else
            check_custom_ext(c, key, v);
        rk_stix_path_pop(c, save);
    }
}

/* ---- granular markings (section 7.2.3) --------------------------------------------------------- */

/* Follow one selector from root; 1 when it selects something. */
static int selector_resolves(struct rk_json *root, const char *sel)
{
    struct rk_json *cur = root;
    const char *p = sel;

    if (*p == '\0')
        return 0;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);

        if (n == 0)
            return 0;
        if (p[0] == '[' && p[n - 1] == ']' && n > 2) {
            char *end;
            unsigned long long i = strtoull(p + 1, &end, 10);

            if (end != p + n - 1 || p[1] < '0' || p[1] > '9' || !rk_json_is_array(cur) ||
                i >= rk_json_array_size(cur))
                return 0;
            cur = rk_json_at(cur, (size_t)i);
        } else {
            if (!rk_json_is_object(cur) || !(cur = rk_json_getn(cur, p, n)))
                return 0;
        }
        p += n;
        if (*p == '.' && *++p == '\0')
            return 0;
    }
    return 1;
}

static void check_marking_ref(struct rk_stix_vctx *c, struct rk_json *ref)
{
    size_t tlen;
    const char *s = rk_json_str(ref);

    if (!s || !rk_stix_id_split(s, rk_json_strlen(ref), &tlen) ||
        strncmp(s, "marking-definition--", 20) != 0 || tlen != 18)
        rk_stix_error(c, "marking_ref must be a marking-definition identifier (section 7.2.3)");
    else if (c->on_ref)
        c->on_ref(c->ref_ctx, s, rk_json_strlen(ref));
}

static void check_selector_list(struct rk_stix_vctx *c, struct rk_json *sel)
{
    size_t n = rk_json_array_size(sel), save;

    if (!rk_json_is_array(sel) || n == 0) {
        rk_stix_error(c, "selectors must be a non-empty list of strings (section 7.2.3)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct rk_json *s = rk_json_at(sel, i);

        save = rk_stix_path_index(c, i);
        if (!rk_json_is_string(s))
            rk_stix_error(c, "a selector must be a string");
        else if (!selector_resolves(c->root, rk_json_str(s)))
            rk_stix_error(c, "selector '%.100s' does not select anything in this object "
                             "(section 7.2.3)",
                          rk_json_str(s));
        rk_stix_path_pop(c, save);
    }
}

void rk_stix_check_selectors(struct rk_stix_vctx *c, struct rk_json *gm)
{
    struct rk_json *lang, *ref, *x;
    const char *k;

    if (!rk_json_is_object(gm)) {
        rk_stix_error(c, "must be a granular-marking object");
        return;
    }
    lang = rk_json_get(gm, "lang");
    ref = rk_json_get(gm, "marking_ref");
    if (!lang == !ref)
        rk_stix_error(c, "exactly one of lang and marking_ref must be present (section 7.2.3)");
    if (lang && !(rk_json_is_string(lang) &&
                  rk_stix_lang_valid(rk_json_str(lang), rk_json_strlen(lang))))
        rk_stix_error(c, "lang must be an RFC 5646 language code");
    if (ref)
        check_marking_ref(c, ref);
    if (ref && c->id && rk_json_is_string(ref) && strcmp(rk_json_str(ref), c->id) == 0)
        rk_stix_error(c, "a marking definition cannot mark itself (section 3.2)");
    rk_json_object_foreach(gm, k, x) {
        size_t save = rk_stix_path_key(c, k);

        if (strcmp(k, "selectors") == 0)
            check_selector_list(c, x);
        else if (strcmp(k, "lang") != 0 && strcmp(k, "marking_ref") != 0)
            rk_stix_check_custom_prop(c, k, x, 0);
        rk_stix_path_pop(c, save);
    }
    if (!rk_json_get(gm, "selectors"))
        rk_stix_missing(c, "selectors");
}

/* ---- marking definitions (section 7.2.1) ------------------------------------------------------ */

const char RK_STIX_TLP2_EXT_ID[] = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

static const struct {
    const char *level, *id, *name;
} tlp1[] = {
    {"white", "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "TLP:WHITE"},
    {"green", "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "TLP:GREEN"},
    {"amber", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "TLP:AMBER"},
    {"red", "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "TLP:RED"},
}, tlp2[] = {
    {"clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR"},
    {"green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN"},
    {"amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER"},
    {"amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
     "TLP:AMBER+STRICT"},
    {"red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED"},
};

static void check_tlp1(struct rk_stix_vctx *c, struct rk_json *obj, struct rk_json *def)
{
    const char *level = rk_json_str(rk_json_get(def, "tlp"));
    const char *name = rk_json_str(rk_json_get(obj, "name"));
    const char *created = rk_json_str(rk_json_get(obj, "created"));

    for (size_t i = 0; level && i < sizeof(tlp1) / sizeof(tlp1[0]); i++) {
        if (strcmp(level, tlp1[i].level) != 0)
            continue;
        if (!c->id || strcmp(c->id, tlp1[i].id) != 0 ||
            (created && strcmp(created, "2017-01-20T00:00:00.000Z") != 0) ||
            (name && strcmp(name, tlp1[i].name) != 0))
            rk_stix_error(c, "TLP:%s must be the normative marking-definition %s created "
                             "2017-01-20T00:00:00.000Z (section 7.2.1.4)",
                          level, tlp1[i].id);
        return;
    }
    rk_stix_error(c, "definition.tlp must be white, green, amber or red (section 7.2.1.4)");
}

static void check_tlp2(struct rk_stix_vctx *c, struct rk_json *obj, struct rk_json *ext)
{
    const char *level = rk_json_str(rk_json_get(ext, "tlp_2_0"));
    const char *name = rk_json_str(rk_json_get(obj, "name"));

    for (size_t i = 0; level && i < sizeof(tlp2) / sizeof(tlp2[0]); i++) {
        if (strcmp(level, tlp2[i].level) != 0)
            continue;
        if (!c->id || strcmp(c->id, tlp2[i].id) != 0 || (name && strcmp(name, tlp2[i].name) != 0))
            rk_stix_error(c, "TLP 2.0 %s must be marking-definition %s named %s", tlp2[i].name,
                          tlp2[i].id, tlp2[i].name);
        return;
    }
    rk_stix_error(c, "tlp_2_0 must be clear, green, amber, amber+strict or red");
}

static void check_definition(struct rk_stix_vctx *c, struct rk_json *obj, const char *dtype, struct rk_json *def)
{
    size_t save = rk_stix_path_key(c, "definition");

    if (!rk_json_is_object(def)) {
        rk_stix_path_pop(c, save);
        return;
    }
    if (strcmp(dtype, "tlp") == 0) {
        check_tlp1(c, obj, def);
    } else if (strcmp(dtype, "statement") == 0) {
        if (!rk_json_is_string(rk_json_get(def, "statement")))
            rk_stix_error(c, "a statement marking needs the string property statement "
                             "(section 7.2.1.3)");
    } else {
        rk_stix_warn(c, "definition_type '%.64s' is neither statement nor tlp", dtype);
    }
    rk_stix_path_pop(c, save);
}

void rk_stix_check_marking_definition(struct rk_stix_vctx *c, struct rk_json *obj)
{
    struct rk_json *ext = rk_json_get(obj, "extensions"), *refs = rk_json_get(obj, "object_marking_refs");
    const char *dtype = rk_json_str(rk_json_get(obj, "definition_type"));
    struct rk_json *def = rk_json_get(obj, "definition"), *tlp2ext;

    if (!ext && (!dtype || !def))
        rk_stix_error(c, "definition_type and definition are required when there are no "
                         "extensions (section 7.2.1)");
    if (!dtype != !def)
        rk_stix_error(c, "definition_type and definition go together (section 7.2.1)");
    if (dtype && def)
        check_definition(c, obj, dtype, def);
    if ((tlp2ext = rk_json_get(ext, RK_STIX_TLP2_EXT_ID)) != NULL && rk_json_is_object(tlp2ext))
        check_tlp2(c, obj, tlp2ext);
    for (size_t i = 0; c->id && i < rk_json_array_size(refs); i++) {
        const char *r = rk_json_str(rk_json_at(refs, i));

        if (r && strcmp(r, c->id) == 0)
            rk_stix_error(c, "object_marking_refs must not reference the marking definition "
                             "itself (section 3.2)");
    }
}

/* ---- language content (section 7.1) ------------------------------------------------------------ */

static void check_translation(struct rk_stix_vctx *c, struct rk_json *v, int depth)
{
    const char *k;
    struct rk_json *x;

    if (rk_json_is_null(v))
        rk_stix_error(c, "null is not a STIX value");
    else if (rk_json_is_array(v)) {
        for (size_t i = 0; i < rk_json_array_size(v) && depth < 64; i++) {
            size_t save = rk_stix_path_index(c, i);

            check_translation(c, rk_json_at(v, i), depth + 1);
            rk_stix_path_pop(c, save);
        }
    } else if (rk_json_is_object(v)) {
        rk_json_object_foreach(v, k, x) {
            size_t save = rk_stix_path_key(c, k);

            if (depth < 64)
                check_translation(c, x, depth + 1);
            rk_stix_path_pop(c, save);
        }
    }
}

void rk_stix_check_lang_contents(struct rk_stix_vctx *c, struct rk_json *contents)
{
    const char *lang;
    struct rk_json *v;

    if (!rk_json_is_object(contents) || rk_json_object_size(contents) == 0) {
        rk_stix_error(c, "must be a non-empty dictionary (section 7.1)");
        return;
    }
    rk_json_object_foreach(contents, lang, v) {
        size_t save = rk_stix_path_key(c, lang);

        if (!rk_stix_lang_valid(lang, strlen(lang)))
            rk_stix_error(c, "'%.64s' is not an RFC 5646 language code (section 7.1)", lang);
        if (!rk_json_is_object(v) || rk_json_object_size(v) == 0)
            rk_stix_error(c, "must be a non-empty dictionary of translated properties");
        else
            check_translation(c, v, 0);
        rk_stix_path_pop(c, save);
    }
}

/* ---- deprecated observable container (section 2.13) --------------------------------------------- */

static void check_container_refs(struct rk_stix_vctx *c, struct rk_json *o)
{
    static const struct rk_prop ref = {"ref", PT_ID, 0, NULL};
    static const struct rk_prop refs = {"refs", PT_ID, P_LIST, NULL};
    const char *k;
    struct rk_json *x;

    rk_json_object_foreach(o, k, x) {
        size_t n = strlen(k), save = rk_stix_path_key(c, k);

        if (n > 4 && strcmp(k + n - 4, "_ref") == 0)
            rk_stix_check_prop(c, &ref, x);
        else if (n > 5 && strcmp(k + n - 5, "_refs") == 0)
            rk_stix_check_prop(c, &refs, x);
        else if (rk_json_is_null(x))
            rk_stix_error(c, "null is not a STIX value");
        rk_stix_path_pop(c, save);
    }
}

void rk_stix_check_container(struct rk_stix_vctx *c, struct rk_json *container)
{
    const char *key;
    struct rk_json *o, *t;

    if (!rk_json_is_object(container) || rk_json_object_size(container) == 0) {
        rk_stix_error(c, "must be a non-empty dictionary of cyber-observable objects "
                         "(section 2.13)");
        return;
    }
    c->in_container = 1;
    c->container = container;
    rk_json_object_foreach(container, key, o) {
        size_t save = rk_stix_path_key(c, key);

        t = rk_json_get(o, "type");
        if (!rk_json_is_object(o))
            rk_stix_error(c, "must be a cyber-observable object");
        else if (!rk_json_is_string(t) || !rk_stix_type_name_valid(rk_json_str(t),
                                                                rk_json_strlen(t)))
            rk_stix_error(c, "needs a valid type");
        else
            check_container_refs(c, o);
        rk_stix_path_pop(c, save);
    }
    c->in_container = 0;
    c->container = NULL;
}
