/* object.c - validated STIX objects: parse from text or take a json_t, run the STIX 2.0 upgrade
 * and the validator, and keep the common properties, the TLP and the cached canonical form. */
#include "stix/object.h"
#include "renkei/pattern.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

struct rk_stix_object {
    json_t *json;
    const char *id;
    const char *type;
    const char *spec_version;
    const char *created;
    const char *modified;
    enum rk_stix_kind kind;
    enum rk_tlp tlp;
    int revoked;
    size_t text_len; /* of the source text, 0 when unknown */
    char *canon;     /* computed on first use */
    size_t canon_len;
};

/* The defaults, in the order of struct rk_stix_options. */
static const struct rk_stix_options defaults = {
    (size_t)16 << 20,    /* max_object_bytes */
    64,                  /* max_depth */
    (size_t)1 << 20,     /* max_string_bytes */
    1000000,             /* max_array_items */
    RK_STIX_V20_UPGRADE, /* v20 */
    1,                   /* allow_custom */
    rk_pattern_validate, /* indicator.pattern when pattern_type is "stix" */
};

void rk_stix_options_init(struct rk_stix_options *opt)
{
    *opt = defaults;
}

const struct rk_stix_options *rk_stix_options_or_default(const struct rk_stix_options *opt)
{
    return opt ? opt : &defaults;
}

static enum rk_tlp tlp_of(json_t *refs)
{
    enum rk_tlp best = RK_TLP_NONE;

    for (size_t i = 0; i < json_array_size(refs); i++) {
        enum rk_tlp t = rk_tlp_of_marking_id(json_string_value(json_array_get(refs, i)));

        if (t > best)
            best = t;
    }
    return best;
}

/* A valid object: its common properties come from what the validator saw. */
static struct rk_stix_object *object_new(json_t *obj, const struct rk_stix_vctx *c,
                                         size_t text_len)
{
    struct rk_stix_object *o = rk_calloc(1, sizeof(*o));

    if (!o)
        return NULL;
    o->json = obj;
    o->id = json_string_value(c->common[RK_COMMON_ID]);
    o->type = json_string_value(c->common[RK_COMMON_TYPE]);
    o->spec_version = json_string_value(c->common[RK_COMMON_SPEC_VERSION]);
    o->created = json_string_value(c->common[RK_COMMON_CREATED]);
    o->modified = json_string_value(c->common[RK_COMMON_MODIFIED]);
    o->kind = (enum rk_stix_kind)c->kind;
    o->tlp = tlp_of(c->common[RK_COMMON_MARKING_REFS]);
    o->revoked = json_is_true(c->common[RK_COMMON_REVOKED]);
    o->text_len = text_len;
    return o;
}

/* The v20 option: upgrade in place or reject. */
static void handle_v20(struct rk_stix_vctx *c, json_t *obj)
{
    if (!rk_stix_is_v20(obj))
        return;
    if (c->opt->v20 == RK_STIX_V20_REJECT)
        rk_stix_error(c, "STIX 2.0 object (no spec_version \"2.1\"); STIX 2.0 input is rejected "
                         "by the options");
    else
        rk_stix_upgrade_v20(c, obj);
}

int rk_stix_object_check_take(struct rk_stix_object **out, json_t *obj,
                              const struct rk_stix_check *chk,
                              struct rk_stix_findings **findings_out, struct rk_err *err)
{
    struct rk_stix_vctx c;
    int rc = 0;

    *out = NULL;
    if (findings_out)
        *findings_out = NULL;
    memset(&c, 0, sizeof(c));
    c.opt = rk_stix_options_or_default(chk->opt);
    c.id = "";
    c.offset = chk->offset;
    c.on_ref = chk->on_ref;
    c.ref_ctx = chk->ref_ctx;
    rk_stix_check_limits(&c, obj);
    if (!c.limit_hit) {
        if (json_is_object(obj) && json_is_string(json_object_get(obj, "id")))
            c.id = json_string_value(json_object_get(obj, "id"));
        handle_v20(&c, obj);
        rk_stix_validate_object(&c, obj);
    }
    if (rk_stix_vctx_errors(&c) > 0) {
        rc = c.limit_hit ? RK_ELIMIT : (c.oom ? RK_ENOMEM : RK_EFORMAT);
        if (c.findings && c.findings->n > 0) {
            for (size_t i = 0; i < c.findings->n; i++) {
                if (c.findings->v[i].severity == RK_STIX_ERROR) {
                    rk_stix_finding_to_err(&c.findings->v[i], rc, err);
                    break;
                }
            }
        } else {
            rk_err_set(err, rc, "out of memory while validating");
        }
    } else if ((*out = object_new(obj, &c, chk->text_len)) == NULL) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    if (rc != 0)
        json_decref(obj);
    if (findings_out)
        *findings_out = c.findings;
    else
        rk_stix_findings_free(c.findings);
    return rc;
}

int rk_stix_object_from_json_take(struct rk_stix_object **out, json_t *obj,
                                  const struct rk_stix_options *opt,
                                  struct rk_stix_findings **findings_out, struct rk_err *err)
{
    struct rk_stix_check chk = {opt, -1, 0, NULL, NULL};

    if (!obj) {
        *out = NULL;
        if (findings_out)
            *findings_out = NULL;
        return rk_err_set(err, RK_EINVAL, "no JSON value given");
    }
    return rk_stix_object_check_take(out, obj, &chk, findings_out, err);
}

int rk_stix_json_load(json_t **out, const char *text, size_t len, long long offset,
                      const struct rk_stix_options *opt, struct rk_stix_findings **findings,
                      struct rk_err *err)
{
    json_error_t jerr;
    char msg[RK_ERR_MESSAGE_MAX];
    int rc;

    *out = NULL;
    if (len > opt->max_object_bytes) {
        snprintf(msg, sizeof(msg), "object of %zu bytes exceeds max_object_bytes (%zu)", len,
                 opt->max_object_bytes);
        rc = RK_ELIMIT;
    } else if ((*out = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) != NULL) {
        return 0;
    } else {
        /* jansson's position counts the bytes it consumed, the offending one included */
        offset += jerr.position > 0 ? jerr.position - 1 : 0;
        snprintf(msg, sizeof(msg), "malformed JSON at byte %lld (line %d, column %d): %s", offset,
                 jerr.line, jerr.column, jerr.text);
        rc = RK_EFORMAT;
    }
    if (findings && rk_stix_findings_add(findings, RK_STIX_ERROR, offset, "", "", msg) != 0)
        rc = RK_ENOMEM;
    rk_err_set(err, rc, "%s", msg);
    rk_err_set_offset(err, offset);
    return rc;
}

int rk_stix_object_parse(struct rk_stix_object **out, const char *json, size_t len,
                         const struct rk_stix_options *opt, struct rk_stix_findings **findings_out,
                         struct rk_err *err)
{
    json_t *obj = NULL;
    int rc;

    *out = NULL;
    if (findings_out)
        *findings_out = NULL;
    opt = rk_stix_options_or_default(opt);
    struct rk_stix_check chk = {opt, -1, len, NULL, NULL};

    if ((rc = rk_stix_json_load(&obj, json, len, 0, opt, findings_out, err)) != 0)
        return rc;
    return rk_stix_object_check_take(out, obj, &chk, findings_out, err);
}

void rk_stix_object_free(struct rk_stix_object *o)
{
    if (!o)
        return;
    json_decref(o->json);
    rk_free(o->canon);
    rk_free(o);
}

const char *rk_stix_object_id(const struct rk_stix_object *o)
{
    return o->id;
}

const char *rk_stix_object_type(const struct rk_stix_object *o)
{
    return o->type;
}

const char *rk_stix_object_spec_version(const struct rk_stix_object *o)
{
    return o->spec_version ? o->spec_version : "2.1";
}

const char *rk_stix_object_created(const struct rk_stix_object *o)
{
    return o->created;
}

const char *rk_stix_object_modified(const struct rk_stix_object *o)
{
    return o->modified;
}

enum rk_stix_kind rk_stix_object_kind(const struct rk_stix_object *o)
{
    return o->kind;
}

int rk_stix_object_revoked(const struct rk_stix_object *o)
{
    return o->revoked;
}

enum rk_tlp rk_stix_object_tlp(const struct rk_stix_object *o)
{
    return o->tlp;
}

const json_t *rk_stix_object_json(const struct rk_stix_object *o)
{
    return o->json;
}

/* Computed on first call and cached in the object (the first call is not thread-safe). */
const char *rk_stix_object_canonical(const struct rk_stix_object *o, size_t *len_out)
{
    struct rk_stix_object *m = (struct rk_stix_object *)o;

    if (!m->canon)
        m->canon = rk_stix_canon_dump(o->json, o->text_len + 16, &m->canon_len);
    if (len_out)
        *len_out = m->canon ? m->canon_len : 0;
    return m->canon;
}
