/* compile_stix.c - STIX indicators into the index.
 *
 * The comparison atoms `path = 'v'`, `path IN ('v', ...)` and `value ISSUBSET 'cidr'` on the
 * paths below become index values. A pattern that is one observation of OR-ed such atoms is
 * matched by the index alone. Any other pattern is compiled to "anchors": atoms one of which
 * every match must satisfy (AND: one side's; OR and the observation operators: both sides');
 * the index finds candidates through them and the whole pattern is then evaluated, so it is
 * kept in the index. A pattern without anchors cannot be indexed and is counted as such.
 */
#include "renkei/match.h"
#include "match/internal.h"

#include <jansson.h>
#include <strings.h>

#include "renkei/pattern.h"
#include "util/alloc.h"
#include "util/rktime.h"

#define MAX_ANCHORS 4096

/* The kind of value an atom's path holds (RK_MATCH_ANY: an IPv4 or IPv6 address), -1 when the
 * index cannot look it up. */
static int path_kind(const struct rk_pattern_atom *a)
{
    const struct rk_pattern_step *s = a->steps;
    const char *t = a->object_type;
    size_t n = a->n_steps;

#define KEY(i, k) (s[i].kind == RK_PATTERN_STEP_KEY && s[i].key_len == strlen(k) && \
                   memcmp(s[i].key, k, s[i].key_len) == 0)
    if (n == 1 && KEY(0, "value")) {
        if (strcmp(t, "ipv4-addr") == 0)
            return RK_MATCH_IPV4;
        if (strcmp(t, "ipv6-addr") == 0)
            return RK_MATCH_IPV6;
        if (strcmp(t, "domain-name") == 0)
            return RK_MATCH_DOMAIN;
        if (strcmp(t, "url") == 0)
            return RK_MATCH_URL;
        if (strcmp(t, "email-addr") == 0)
            return RK_MATCH_EMAIL;
    }
    if (n == 2 && strcmp(t, "network-traffic") == 0 && (KEY(0, "src_ref") || KEY(0, "dst_ref")) &&
        KEY(1, "value"))
        return RK_MATCH_ANY;
    if (strcmp(t, "email-message") == 0 && KEY(n - 1, "value") &&
        (KEY(0, "from_ref") || KEY(0, "sender_ref") || KEY(0, "to_refs") || KEY(0, "cc_refs")))
        return RK_MATCH_EMAIL;
    if (n == 2 && (strcmp(t, "file") == 0 || strcmp(t, "artifact") == 0) && KEY(0, "hashes") &&
        s[1].kind == RK_PATTERN_STEP_KEY) {
        char alg[16];
        size_t j = 0;

        for (size_t i = 0; i < s[1].key_len && j + 1 < sizeof(alg); i++)
            if (s[1].key[i] != '-')
                alg[j++] = (char)(s[1].key[i] | 32);
        alg[j] = '\0';
        if (strcmp(alg, "md5") == 0)
            return RK_MATCH_MD5;
        if (strcmp(alg, "sha1") == 0)
            return RK_MATCH_SHA1;
        if (strcmp(alg, "sha256") == 0)
            return RK_MATCH_SHA256;
        if (strcmp(alg, "sha512") == 0)
            return RK_MATCH_SHA512;
    }
#undef KEY
    return -1;
}

/* Parse one constant of an atom as a value of kind; 1 when it is one. */
static int const_value(int kind, const struct rk_pattern_const *c, struct rk_match_value *v)
{
    if (c->type != RK_PATTERN_CONST_STRING || c->len == 0 || memchr(c->str, 0, c->len))
        return 0;
    if (rk_match_value_parse(v, kind, c->str, c->len, NULL) != 0)
        return 0;
    return kind != RK_MATCH_ANY || v->kind == RK_MATCH_IPV4 || v->kind == RK_MATCH_IPV6;
}

/* An atom the index can look up: its every constant parses. */
static int atom_indexable(const struct rk_pattern_atom *a, struct rk_match_value *v)
{
    int kind = path_kind(a);

    if (kind < 0 || a->negated || !a->value)
        return 0;
    if (a->op == RK_PATTERN_OP_EQ)
        return const_value(kind, a->value, v);
    if (a->op == RK_PATTERN_OP_ISSUBSET) /* value ISSUBSET 'cidr': the cidr itself */
        return (kind == RK_MATCH_IPV4 || kind == RK_MATCH_IPV6) && const_value(kind, a->value, v);
    if (a->op == RK_PATTERN_OP_IN && a->value->type == RK_PATTERN_CONST_SET) {
        for (size_t i = 0; i < a->value->n_items; i++)
            if (!const_value(kind, &a->value->items[i], v))
                return 0;
        return a->value->n_items > 0;
    }
    return 0;
}

struct anchors {
    const struct rk_pattern_atom *a[MAX_ANCHORS];
    size_t n;
};

/* Atoms one of which every match of node must satisfy; 0 when there is no such set. */
static int find_anchors(const struct rk_pattern_node *node, struct anchors *out,
                        struct rk_match_value *v)
{
    size_t mark = out->n;
    struct anchors *tmp;
    int ok;

    switch (node->kind) {
    case RK_PATTERN_NODE_ATOM:
        if (!atom_indexable(node->atom, v) || out->n >= MAX_ANCHORS)
            return 0;
        out->a[out->n++] = node->atom;
        return 1;
    case RK_PATTERN_NODE_OBSERVATION:
    case RK_PATTERN_NODE_WITHIN:
    case RK_PATTERN_NODE_REPEATS:
    case RK_PATTERN_NODE_STARTSTOP: return find_anchors(node->left, out, v);
    case RK_PATTERN_NODE_AND: /* either side's anchors do; take the smaller set */
        if (!(tmp = rk_calloc(1, sizeof(*tmp))))
            return 0;
        ok = find_anchors(node->left, out, v);
        if (find_anchors(node->right, tmp, v) && (!ok || tmp->n < out->n - mark)) {
            memcpy(out->a + mark, tmp->a, tmp->n * sizeof(tmp->a[0]));
            out->n = mark + tmp->n;
            ok = 1;
        }
        rk_free(tmp);
        if (!ok)
            out->n = mark;
        return ok;
    default: /* OR, OBS_OR, OBS_AND, FOLLOWEDBY: candidates for both sides are needed */
        ok = find_anchors(node->left, out, v) && find_anchors(node->right, out, v);
        if (!ok)
            out->n = mark;
        return ok;
    }
}

/* ---- one indicator --------------------------------------------------------------------------- */

static int64_t time_of(const json_t *o, const char *key, int64_t dflt, int *bad)
{
    const json_t *t = json_object_get(o, key);
    struct rk_time tm;

    if (!t)
        return dflt;
    if (!json_is_string(t) || rk_time_parse(&tm, json_string_value(t), json_string_length(t),
                                            RK_TIME_STIX, NULL) != 0) {
        *bad = 1;
        return dflt;
    }
    return rk_time_to_us(&tm);
}

static int add_atom_values(struct rk_match_builder *b, uint32_t id, const struct rk_pattern_atom *a,
                           struct rk_match_value *v, uint64_t *count, struct rk_err *err)
{
    int kind = path_kind(a), rc;

    if (a->op == RK_PATTERN_OP_IN) {
        for (size_t i = 0; i < a->value->n_items; i++) {
            if (!const_value(kind, &a->value->items[i], v))
                continue;
            if ((rc = rk_match_builder_add_value(b, id, v, err)) != 0)
                return rc;
            (*count)++;
        }
        return 0;
    }
    if (!const_value(kind, a->value, v))
        return 0;
    (*count)++;
    return rk_match_builder_add_value(b, id, v, err);
}

static void note(struct rk_match_stix_stats *st, const char *id, int code, const char *msg,
                 const struct rk_err *cause)
{
    if (st->first_error.code != 0)
        return;
    rk_err_set(&st->first_error, code, "%s%s%s", msg, cause ? ": " : "",
               cause ? cause->message : "");
    if (cause)
        rk_err_set_offset(&st->first_error, cause->offset);
    rk_err_set_object(&st->first_error, id);
    rk_err_set_path(&st->first_error, "pattern");
}

struct compiled {
    struct rk_pattern *p;
    struct anchors *anchors;
    int needs_eval;
};

/* Parse the pattern and pick what to index. 1 indexable, 0 skipped (stats say why). */
static int plan(const json_t *ind, const char *id, struct compiled *c, struct rk_match_value *v,
                struct rk_match_stix_stats *st)
{
    const json_t *pat = json_object_get(ind, "pattern");
    struct rk_err perr;
    size_t n;

    rk_err_clear(&perr);
    if (!json_is_string(pat) ||
        rk_pattern_parse(&c->p, json_string_value(pat), json_string_length(pat), &perr) != 0) {
        st->bad_pattern++;
        note(st, id, RK_EFORMAT, "pattern does not parse", &perr);
        return 0;
    }
    if (!(c->anchors = rk_calloc(1, sizeof(*c->anchors))))
        return 0;
    if (rk_pattern_is_simple_disjunction(c->p)) {
        n = rk_pattern_atom_count(c->p);
        for (size_t i = 0; i < n; i++) {
            const struct rk_pattern_atom *a = rk_pattern_atom_at(c->p, i);

            if (atom_indexable(a, v))
                c->anchors->a[c->anchors->n++] = a;
        }
        if (c->anchors->n < n)
            st->partial++;
    } else if (find_anchors(rk_pattern_root(c->p), c->anchors, v)) {
        c->needs_eval = 1;
    }
    if (c->anchors->n == 0) {
        st->unindexable++;
        note(st, id, RK_EUNSUPPORTED, "no comparison in the pattern can be looked up", NULL);
        return 0;
    }
    return 1;
}

/* indicator_types as "a,b" (strings only; what does not fit is left out); NULL when none. */
static const char *join_types(const json_t *arr, char *buf, size_t cap)
{
    const json_t *t;
    size_t i, n = 0;

    buf[0] = '\0';
    json_array_foreach(arr, i, t) {
        size_t len = json_string_length(t);

        if (!json_is_string(t) || len == 0 || n + len + 2 > cap)
            continue;
        if (n > 0)
            buf[n++] = ',';
        memcpy(buf + n, json_string_value(t), len);
        n += len;
        buf[n] = '\0';
    }
    return n ? buf : NULL;
}

static int skip_reason(const json_t *ind, int64_t now_us, struct rk_match_stix_stats *st,
                       int64_t *from, int64_t *until, const char *id)
{
    const char *pt = json_string_value(json_object_get(ind, "pattern_type"));
    int bad = 0;

    if (json_is_true(json_object_get(ind, "revoked"))) {
        st->revoked++;
        return 1;
    }
    if (pt && strcmp(pt, "stix") != 0) {
        st->not_stix++;
        return 1;
    }
    *from = time_of(ind, "valid_from", INT64_MIN, &bad);
    *until = time_of(ind, "valid_until", INT64_MAX, &bad);
    if (bad) {
        st->bad_pattern++;
        note(st, id, RK_EFORMAT, "valid_from or valid_until is not a STIX timestamp", NULL);
        return 1;
    }
    if (now_us != 0 && *until <= now_us) {
        st->expired++;
        return 1;
    }
    return 0;
}

int rk_match_builder_add_stix(struct rk_match_builder *b, const json_t *ind, int tlp,
                              const char *source, int64_t now_us, struct rk_match_stix_stats *st,
                              struct rk_err *err)
{
    const char *id = json_string_value(json_object_get(ind, "id"));
    const char *type = json_string_value(json_object_get(ind, "type"));
    const json_t *conf = json_object_get(ind, "confidence");
    struct compiled c = {NULL, NULL, 0};
    struct rk_match_indicator mi;
    struct rk_match_value *v = NULL;
    char types[512];
    uint64_t values = 0;
    uint32_t n;
    int rc = 0;

    if (!json_is_object(ind) || !id || !type || strcmp(type, "indicator") != 0)
        return 0;
    st->indicators++;
    memset(&mi, 0, sizeof(mi));
    if (skip_reason(ind, now_us, st, &mi.valid_from_us, &mi.valid_until_us, id))
        return 0;
    if (!(v = rk_malloc(sizeof(*v))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (!plan(ind, id, &c, v, st))
        goto out;
    mi.id = id;
    mi.source = source;
    mi.name = json_string_value(json_object_get(ind, "name"));
    mi.types = join_types(json_object_get(ind, "indicator_types"), types, sizeof(types));
    mi.confidence = json_is_integer(conf) ? (int)json_integer_value(conf) : -1;
    mi.tlp = tlp;
    mi.pattern = c.needs_eval ? rk_pattern_text(c.p, NULL) : NULL;
    if ((rc = rk_match_builder_add_indicator(b, &mi, &n, err)) != 0)
        goto out;
    for (size_t i = 0; i < c.anchors->n && rc == 0; i++)
        rc = add_atom_values(b, n, c.anchors->a[i], v, &values, err);
    if (rc == 0) {
        st->compiled++;
        st->values += values;
        st->needs_eval += (uint64_t)c.needs_eval;
    }
    if (rc != 0)
        rk_err_set_object(err, id);
out:
    rk_free(c.anchors);
    rk_pattern_free(c.p);
    rk_free(v);
    return rc;
}
