/* pattern.c - the public face of a parsed pattern: accessors, freeing, observations. */
#include "pattern/internal.h"
#include "util/alloc.h"
#include "util/rktime.h"

#include <stdio.h>
#include <string.h>

void rk_pattern_free(struct rk_pattern *p)
{
    if (!p)
        return;
    regex_free_all(p);
    pool_release(&p->pool);
    rk_free(p);
}

const char *rk_pattern_op_name(enum rk_pattern_op op)
{
    static const char *names[] = {"=",  "!=",   "<",       "<=",       ">",          ">=",
                                  "IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"};

    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

const struct rk_pattern_node *rk_pattern_root(const struct rk_pattern *p)
{
    return p->root;
}

size_t rk_pattern_atom_count(const struct rk_pattern *p)
{
    return p->n_atoms;
}

const struct rk_pattern_atom *rk_pattern_atom_at(const struct rk_pattern *p, size_t i)
{
    return i < p->n_atoms ? &p->atoms[i]->pub : NULL;
}

size_t rk_pattern_observation_count(const struct rk_pattern *p)
{
    return p->n_obs;
}

const char *rk_pattern_text(const struct rk_pattern *p, size_t *len_out)
{
    if (len_out)
        *len_out = p->len;
    return p->text;
}

static int simple_expr(const struct rk_pattern_node *n)
{
    if (n->kind == RK_PATTERN_NODE_OR)
        return simple_expr(n->left) && simple_expr(n->right);
    if (n->kind != RK_PATTERN_NODE_ATOM || n->atom->negated)
        return 0;
    return n->atom->op == RK_PATTERN_OP_EQ || n->atom->op == RK_PATTERN_OP_IN;
}

int rk_pattern_is_simple_disjunction(const struct rk_pattern *p)
{
    return p->root->kind == RK_PATTERN_NODE_OBSERVATION && simple_expr(p->root->left);
}

static size_t put(char *buf, size_t cap, size_t at, const char *s, size_t len)
{
    if (at < cap) {
        size_t n = len < cap - at ? len : cap - at;

        memcpy(buf + at, s, n);
    }
    return at + len;
}

static size_t put_key(char *buf, size_t cap, size_t at, const struct rk_pattern_step *st)
{
    if (!st->quoted)
        return put(buf, cap, at, st->key, st->key_len);
    at = put(buf, cap, at, "'", 1);
    for (size_t i = 0; i < st->key_len; i++) {
        if (st->key[i] == '\'' || st->key[i] == '\\')
            at = put(buf, cap, at, "\\", 1);
        at = put(buf, cap, at, st->key + i, 1);
    }
    return put(buf, cap, at, "'", 1);
}

size_t rk_pattern_path_format(const struct rk_pattern_atom *a, char *buf, size_t cap)
{
    char idx[32];
    size_t at = 0;
    int n;

    for (size_t i = 0; i < a->n_steps; i++) {
        const struct rk_pattern_step *st = &a->steps[i];

        if (st->kind == RK_PATTERN_STEP_KEY) {
            if (i > 0)
                at = put(buf, cap, at, ".", 1);
            at = put_key(buf, cap, at, st);
        } else if (st->kind == RK_PATTERN_STEP_ANY) {
            at = put(buf, cap, at, "[*]", 3);
        } else {
            n = snprintf(idx, sizeof(idx), "[%lld]", (long long)st->index);
            at = put(buf, cap, at, idx, n > 0 ? (size_t)n : 0);
        }
    }
    if (cap > 0)
        buf[at < cap ? at : cap - 1] = '\0';
    return at;
}

int rk_pattern_atom_match(const struct rk_pattern *p, const struct rk_pattern_atom *a,
                          const json_t *sco, const json_t *objects)
{
    struct eval_scratch sc = {NULL};
    const char *type = json_string_value(json_object_get(sco, "type"));
    int rc;

    if (!type || strcmp(type, a->object_type) != 0)
        return 0;
    rc = atom_test_sco(p, (const struct patom *)a, sco, objects, &sc);
    pcre2_match_data_free(sc.md);
    return rc;
}

/* ---- observations -------------------------------------------------------------------------- */

static int get_time(const json_t *o, const char *name, int64_t *sec, int32_t *nsec,
                    struct rk_err *err)
{
    const char *s = json_string_value(json_object_get(o, name));
    struct rk_time t;

    if (!s)
        return rk_err_set(err, RK_EFORMAT, "observed-data has no %s timestamp", name);
    if (rk_time_parse(&t, s, strlen(s), RK_TIME_STIX, err) != 0) {
        rk_err_prefix(err, "%s: ", name);
        return RK_EFORMAT;
    }
    *sec = t.sec;
    *nsec = t.nsec;
    return 0;
}

static json_t *objects_from_refs(const json_t *observed, const json_t *scos_by_id)
{
    const json_t *refs = json_object_get(observed, "object_refs");
    json_t *objects = json_object();
    size_t i;
    json_t *ref, *sco;

    if (!objects)
        return NULL;
    json_array_foreach (refs, i, ref) {
        const char *id = json_string_value(ref);

        if (!id || !scos_by_id || !(sco = json_object_get(scos_by_id, id)))
            continue;
        if (json_object_set(objects, id, sco) != 0) {
            json_decref(objects);
            return NULL;
        }
    }
    return objects;
}

int rk_pattern_observation_from_json(struct rk_pattern_observation *out, const json_t *observed,
                                     const json_t *scos_by_id, struct rk_err *err)
{
    json_t *count = json_object_get(observed, "number_observed");
    json_t *objects = json_object_get(observed, "objects");
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = get_time(observed, "first_observed", &out->first_sec, &out->first_nsec, err)) != 0 ||
        (rc = get_time(observed, "last_observed", &out->last_sec, &out->last_nsec, err)) != 0)
        return rc;
    if (!json_is_integer(count) || json_integer_value(count) < 1)
        return rk_err_set(err, RK_EFORMAT, "number_observed must be an integer of at least 1");
    out->number_observed = (uint64_t)json_integer_value(count);
    if (json_is_object(objects))
        out->objects = json_incref(objects);
    else if (!(out->objects = objects_from_refs(observed, scos_by_id)))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    return 0;
}

void rk_pattern_observation_clear(struct rk_pattern_observation *o)
{
    json_decref((json_t *)o->objects);
    o->objects = NULL;
}
