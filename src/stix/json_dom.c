/* json_dom.c - reading and changing documents made by json_parse.c. */
#include "stix/json_internal.h"
#include "util/alloc.h"

#include <string.h>

struct rk_json *rk_json_root(const struct rk_json_doc *d)
{
    return d->root;
}

const struct rk_json_stats *rk_json_doc_stats(const struct rk_json_doc *d)
{
    return &d->stats;
}

size_t rk_json_doc_text_len(const struct rk_json_doc *d)
{
    return d->text_len;
}

void rk_json_doc_free(struct rk_json_doc *d)
{
    struct rk_json_extra *x, *next;

    if (!d)
        return;
    for (x = d->extra; x; x = next) {
        next = x->next;
        rk_free(x);
    }
    rk_free(d);
}

/* Binary search through the sorted member order. */
static struct rk_json *find_sorted(const struct rk_json *v, const char *key, size_t len)
{
    size_t lo = 0, hi = v->len;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct rk_json *k = &v->u.kids[2 * v->x.order[mid]];
        int c = rk_json_key_cmp(k->u.s, k->len, key, len);

        if (c == 0)
            return (struct rk_json *)k + 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct rk_json *rk_json_getn(const struct rk_json *v, const char *key, size_t len)
{
    if (!v || v->type != RK_JSON_OBJECT || !key)
        return NULL;
    if (v->len > RK_JSON_LINEAR_MAX && v->x.order)
        return find_sorted(v, key, len);
    for (size_t i = 0; i < v->len; i++) {
        const struct rk_json *k = &v->u.kids[2 * i];

        /* the length, then the first byte, before a call to memcmp */
        if (k->len == len && (len == 0 || k->u.s[0] == key[0]) && memcmp(k->u.s, key, len) == 0)
            return (struct rk_json *)k + 1;
    }
    return NULL;
}

/* ---- changes ------------------------------------------------------------------------------- */

static void *doc_alloc(struct rk_json_doc *d, size_t n)
{
    struct rk_json_extra *x = rk_malloc(sizeof(*x) + n);

    if (!x)
        return NULL;
    x->next = d->extra;
    d->extra = x;
    return x->data;
}

struct rk_json *rk_json_new_string(struct rk_json_doc *d, const char *s)
{
    size_t len = strlen(s);
    struct rk_json *v = doc_alloc(d, sizeof(*v) + len + 1);
    char *copy;

    if (!v)
        return NULL;
    copy = (char *)(v + 1);
    memcpy(copy, s, len + 1);
    memset(v, 0, sizeof(*v));
    v->type = RK_JSON_STRING;
    v->flags = RK_JSON_F_ESCAPED;
    v->len = (uint32_t)len;
    v->u.s = copy;
    v->x.at = -1;
    return v;
}

struct rk_json *rk_json_new_literal(struct rk_json_doc *d, int type)
{
    struct rk_json *v = doc_alloc(d, sizeof(*v));

    if (!v)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->type = (uint8_t)type;
    return v;
}

int rk_json_set(struct rk_json_doc *d, struct rk_json *obj, const char *key,
                const struct rk_json *val)
{
    struct rk_json *cur = rk_json_get(obj, key), *kids, *k;
    size_t n;

    if (!obj || obj->type != RK_JSON_OBJECT || !val)
        return RK_EINVAL;
    if (cur) {
        *cur = *val;
        return 0;
    }
    n = obj->len;
    if ((kids = doc_alloc(d, (2 * n + 2) * sizeof(*kids))) == NULL ||
        (k = rk_json_new_string(d, key)) == NULL)
        return RK_ENOMEM;
    if (n > 0)
        memcpy(kids, obj->u.kids, 2 * n * sizeof(*kids));
    kids[2 * n] = *k;
    kids[2 * n + 1] = *val;
    obj->u.kids = kids;
    obj->len = (uint32_t)(n + 1);
    obj->x.order = NULL; /* canonical output sorts again */
    return 0;
}

int rk_json_del(struct rk_json *obj, const char *key)
{
    struct rk_json *v = rk_json_get(obj, key);
    size_t i;

    if (!v)
        return 0;
    i = (size_t)(v - obj->u.kids) / 2;
    memmove(&obj->u.kids[2 * i], &obj->u.kids[2 * i + 2],
            (obj->len - i - 1) * 2 * sizeof(*v));
    obj->len--;
    obj->x.order = NULL;
    return 0;
}
