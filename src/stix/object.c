/* object.c - validated STIX objects: parse from text (into a json.h document) or take a json_t,
 * run the STIX 2.0 upgrade and the validator, and keep the common properties, the TLP and the
 * cached canonical form. The document lives as long as the object: the common properties point
 * into it. The jansson form is made only when rk_stix_object_json() asks for it. */
#include "stix/object.h"
#include "renkei/pattern.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

struct rk_stix_object {
    struct rk_json_doc *doc;
    struct rk_json *root;
    json_t *json; /* made on first use */
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

static enum rk_tlp stricter(enum rk_tlp a, enum rk_tlp b)
{
    return a > b ? a : b;
}

/* The object's TLP: the most restrictive TLP marking it carries, in object_marking_refs or in
 * granular_markings. Access is decided per object, so a TLP that marks only some properties
 * (a RED description in a CLEAR report) marks the whole object: serving the object serves
 * those properties. */
static enum rk_tlp tlp_of(struct rk_json *refs, const struct rk_json *root)
{
    struct rk_json *granular = rk_json_get(root, "granular_markings");
    enum rk_tlp best = RK_TLP_NONE;

    for (size_t i = 0; i < rk_json_array_size(refs); i++)
        best = stricter(best, rk_tlp_of_marking_id(rk_json_str(rk_json_at(refs, i))));
    for (size_t i = 0; i < rk_json_array_size(granular); i++) {
        struct rk_json *ref = rk_json_get(rk_json_at(granular, i), "marking_ref");

        best = stricter(best, rk_tlp_of_marking_id(rk_json_str(ref)));
    }
    return best;
}

/* A valid object: its common properties come from what the validator saw. */
static struct rk_stix_object *object_new(struct rk_json_doc *doc, const struct rk_stix_vctx *c,
                                         size_t text_len)
{
    struct rk_stix_object *o = rk_calloc(1, sizeof(*o));

    if (!o)
        return NULL;
    o->doc = doc;
    o->root = rk_json_root(doc);
    o->id = rk_json_str(c->common[RK_COMMON_ID]);
    o->type = rk_json_str(c->common[RK_COMMON_TYPE]);
    o->spec_version = rk_json_str(c->common[RK_COMMON_SPEC_VERSION]);
    o->created = rk_json_str(c->common[RK_COMMON_CREATED]);
    o->modified = rk_json_str(c->common[RK_COMMON_MODIFIED]);
    o->kind = (enum rk_stix_kind)c->kind;
    o->tlp = tlp_of(c->common[RK_COMMON_MARKING_REFS], o->root);
    o->revoked = rk_json_is_true(c->common[RK_COMMON_REVOKED]);
    o->text_len = text_len;
    return o;
}

/* The v20 option: upgrade in place or reject. */
static void handle_v20(struct rk_stix_vctx *c, struct rk_json *obj)
{
    if (!rk_stix_is_v20(obj))
        return;
    if (c->opt->v20 == RK_STIX_V20_REJECT)
        rk_stix_error(c, "STIX 2.0 object (no spec_version \"2.1\"); STIX 2.0 input is rejected "
                         "by the options");
    else
        rk_stix_upgrade_v20(c, obj);
}

/* Whether the parser's stats show the caps may be exceeded: only then is the value walked. */
static int may_exceed(const struct rk_json_doc *doc, const struct rk_stix_options *opt)
{
    const struct rk_json_stats *st = rk_json_doc_stats(doc);

    return st->depth > opt->max_depth || st->max_str > opt->max_string_bytes ||
           st->max_items > opt->max_array_items;
}

/* The first error of c into err, with the code it calls for. */
static int first_error(const struct rk_stix_vctx *c, struct rk_err *err)
{
    int rc = c->limit_hit ? RK_ELIMIT : (c->oom ? RK_ENOMEM : RK_EFORMAT);

    if (!c->findings || c->findings->n == 0)
        return rk_err_set(err, rc, "out of memory while validating");
    for (size_t i = 0; i < c->findings->n; i++) {
        if (c->findings->v[i].severity == RK_STIX_ERROR) {
            rk_stix_finding_to_err(&c->findings->v[i], rc, err);
            break;
        }
    }
    return rc;
}

int rk_stix_object_check_take(struct rk_stix_object **out, struct rk_json_doc *doc,
                              const struct rk_stix_check *chk,
                              struct rk_stix_findings **findings_out, struct rk_err *err)
{
    struct rk_json *obj = rk_json_root(doc);
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
    c.doc = doc;
    if (may_exceed(doc, c.opt))
        rk_stix_check_limits(&c, obj);
    if (!c.limit_hit) {
        if (rk_json_is_string(rk_json_get(obj, "id")))
            c.id = rk_json_str(rk_json_get(obj, "id"));
        handle_v20(&c, obj);
        rk_stix_validate_object(&c, obj);
    }
    if (rk_stix_vctx_errors(&c) > 0)
        rc = first_error(&c, err);
    else if ((*out = object_new(doc, &c, chk->text_len)) == NULL)
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
    if (rc != 0)
        rk_json_doc_free(doc);
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
    struct rk_json_doc *doc = NULL;
    char *text;
    int rc;

    *out = NULL;
    if (findings_out)
        *findings_out = NULL;
    if (!obj)
        return rk_err_set(err, RK_EINVAL, "no JSON value given");
    /* one form for every object: serialise and parse (the jansson value is not kept) */
    text = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(obj);
    if (!text)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    chk.text_len = strlen(text);
    rc = rk_stix_json_load(&doc, NULL, text, chk.text_len, -1, rk_stix_options_or_default(opt),
                           findings_out, err);
    free(text);
    if (rc != 0)
        return rc;
    return rk_stix_object_check_take(out, doc, &chk, findings_out, err);
}

int rk_stix_json_load(struct rk_json_doc **out, struct rk_json_parser *p, const char *text,
                      size_t len, long long offset, const struct rk_stix_options *opt,
                      struct rk_stix_findings **findings, struct rk_err *err)
{
    char msg[RK_ERR_MESSAGE_MAX];
    struct rk_err e;
    int rc, line, col;

    *out = NULL;
    if (len > opt->max_object_bytes) {
        snprintf(msg, sizeof(msg), "object of %zu bytes exceeds max_object_bytes (%zu)", len,
                 opt->max_object_bytes);
        rc = RK_ELIMIT;
    } else if ((rc = p ? rk_json_parse(p, text, len, RK_JSON_ANY, out, NULL, &e)
                       : rk_json_parse_once(text, len, RK_JSON_ANY, out, &e)) == 0) {
        return 0;
    } else if (rc == RK_EFORMAT) {
        rk_json_line_col(text, (size_t)e.offset, &line, &col);
        offset = (offset < 0 ? 0 : offset) + e.offset;
        snprintf(msg, sizeof(msg), "malformed JSON at byte %lld (line %d, column %d): %.400s",
                 offset, line, col, e.message);
    } else {
        snprintf(msg, sizeof(msg), "%s", e.message);
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
    struct rk_json_doc *doc = NULL;
    int rc;

    *out = NULL;
    if (findings_out)
        *findings_out = NULL;
    opt = rk_stix_options_or_default(opt);
    struct rk_stix_check chk = {opt, -1, len, NULL, NULL};

    if ((rc = rk_stix_json_load(&doc, NULL, json, len, 0, opt, findings_out, err)) != 0)
        return rc;
    return rk_stix_object_check_take(out, doc, &chk, findings_out, err);
}

void rk_stix_object_free(struct rk_stix_object *o)
{
    if (!o)
        return;
    json_decref(o->json);
    rk_json_doc_free(o->doc);
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

const char *rk_stix_object_version(const struct rk_stix_object *o)
{
    return o->modified ? o->modified : o->created ? o->created : "";
}

const char *rk_stix_object_created_by_ref(const struct rk_stix_object *o)
{
    const struct rk_json *v = rk_json_get(o->root, "created_by_ref");

    return v && rk_json_is_string(v) ? rk_json_str(v) : NULL;
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

/* Computed on first call and cached in the object (the first call is not thread-safe). */
const char *rk_stix_object_canonical(const struct rk_stix_object *o, size_t *len_out)
{
    struct rk_stix_object *m = (struct rk_stix_object *)o;

    if (!m->canon)
        m->canon = rk_stix_canon_dump_dom(o->root, o->text_len + 16, &m->canon_len);
    if (len_out)
        *len_out = m->canon ? m->canon_len : 0;
    return m->canon;
}

/* Made from the canonical form on first call and cached (not thread-safe either); NULL only
 * when memory runs out. */
const json_t *rk_stix_object_json(const struct rk_stix_object *o)
{
    struct rk_stix_object *m = (struct rk_stix_object *)o;
    size_t len;
    const char *canon;

    if (!m->json && (canon = rk_stix_object_canonical(o, &len)) != NULL)
        m->json = json_loadb(canon, len, 0, NULL);
    return m->json;
}
