/* check.c - the semantic rules of section 9 that the grammar does not express, and the
 * per-constant data the evaluator needs (Latin-1 form, NFC form, parsed IP block). */
#include "pattern/internal.h"
#include "util/alloc.h"

#include <ctype.h>
#include <string.h>

#define TYPE_NAME_MIN 3
#define TYPE_NAME_MAX 250

/* Section 3.1 and 11.1: a-z, 0-9 and '-', starting with a letter, no "--", 3-250 long. */
int check_type_name(const char *name, size_t len)
{
    if (len < TYPE_NAME_MIN || len > TYPE_NAME_MAX || name[0] < 'a' || name[0] > 'z')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
        if (c == '-' && i > 0 && name[i - 1] == '-')
            return 0;
    }
    return 1;
}

static int key_has_suffix(const struct rk_pattern_step *st, const char *suffix)
{
    size_t n = strlen(suffix);

    return st->kind == RK_PATTERN_STEP_KEY && st->key_len >= n &&
           memcmp(st->key + st->key_len - n, suffix, n) == 0;
}

static const struct {
    const char *key; /* upper case, without '-' and '_' */
    const char *name;
    size_t hex_len;
} hash_algos[] = {
        {"MD5", "MD5", 32},
        {"SHA1", "SHA-1", 40},
        {"SHA224", "SHA-224", 56},
        {"SHA256", "SHA-256", 64},
        {"SHA384", "SHA-384", 96},
        {"SHA512", "SHA-512", 128},
        {"SHA3224", "SHA3-224", 56},
        {"SHA3256", "SHA3-256", 64},
        {"SHA3384", "SHA3-384", 96},
        {"SHA3512", "SHA3-512", 128},
        {"RIPEMD160", "RIPEMD-160", 40},
        {"WHIRLPOOL", "WHIRLPOOL", 128},
};

/* The hash_algos entry a dictionary key names ("SHA-256", "sha256", "MD5"), or -1. */
static int hash_algo(const struct rk_pattern_step *st)
{
    char key[16];
    size_t n = 0;

    for (size_t i = 0; i < st->key_len; i++) {
        if (st->key[i] == '-' || st->key[i] == '_')
            continue;
        if (n + 1 >= sizeof(key))
            return -1;
        key[n++] = (char)toupper((unsigned char)st->key[i]);
    }
    key[n] = '\0';
    for (size_t i = 0; i < sizeof(hash_algos) / sizeof(hash_algos[0]); i++) {
        if (strcmp(key, hash_algos[i].key) == 0)
            return (int)i;
    }
    return -1;
}

/* Binary properties end in _bin or _hex (section 3.1); hex hash values sit in a hashes
 * dictionary under a known algorithm. */
static unsigned path_flags(const struct rk_pattern_atom *a)
{
    const struct rk_pattern_step *last = NULL;
    unsigned flags = 0;

    for (size_t i = a->n_steps; i-- > 0;) {
        if (a->steps[i].kind == RK_PATTERN_STEP_KEY) {
            last = &a->steps[i];
            break;
        }
    }
    if (last && (key_has_suffix(last, "_bin") || key_has_suffix(last, "_hex")))
        flags |= PA_BINARY | (key_has_suffix(last, "_hex") ? PA_HEXPROP : 0);
    if (a->n_steps >= 2 && a->steps[a->n_steps - 1].kind == RK_PATTERN_STEP_KEY &&
        key_has_suffix(&a->steps[a->n_steps - 2], "hashes") &&
        hash_algo(&a->steps[a->n_steps - 1]) >= 0)
        flags |= PA_HASH;
    return flags;
}

static int all_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    }
    return len > 0;
}

static int string_extra(struct rk_pattern *p, const struct rk_pattern_const *c, int want_nfc,
                        struct cextra *x)
{
    char *latin1 = pool_alloc(&p->pool, c->len + 1);
    char *nfc = NULL;
    size_t n, nfc_len = 0;
    int rc;

    if (!latin1)
        return RK_ENOMEM;
    if ((n = utf8_to_latin1(c->str, c->len, latin1)) != (size_t)-1) {
        x->latin1 = latin1;
        x->latin1_len = n;
    }
    x->is_ip = ipnet_parse(c->str, c->len, &x->ip) == 0;
    x->is_hex = all_hex(c->str, c->len);
    x->nfc = c->str;
    x->nfc_len = c->len;
    if (!want_nfc)
        return 0;
    if ((rc = rk_pattern_nfc(c->str, c->len, RK_PATTERN_MAX_LEN * 4, &nfc, &nfc_len)) != 0)
        return rc;
    if (nfc) {
        x->nfc = pool_strndup(&p->pool, nfc, nfc_len);
        x->nfc_len = nfc_len;
        rk_free(nfc);
        if (!x->nfc)
            return RK_ENOMEM;
    }
    return 0;
}

static size_t const_off(const struct rk_pattern *p, const struct rk_pattern_const *c)
{
    return (size_t)(c->text - p->text);
}

/* Section 2.7: a hash value MUST be in the format its algorithm defines. */
static int check_hash(const struct rk_pattern *p, const struct patom *a,
                      const struct rk_pattern_const *c, struct rk_err *err)
{
    int k = hash_algo(&a->pub.steps[a->pub.n_steps - 1]);

    if (k < 0 || (c->len == hash_algos[k].hex_len && all_hex(c->str, c->len)))
        return 0;
    return pattern_fail(err, RK_EFORMAT, const_off(p, c),
                        "'%.*s%s' is not a valid %s hash (expected %zu hex digits)",
                        (int)(c->len > 40 ? 40 : c->len), c->str, c->len > 40 ? "..." : "",
                        hash_algos[k].name, hash_algos[k].hex_len);
}

static const char *const_type_name(enum rk_pattern_const_type t)
{
    static const char *names[] = {"none",      "string", "integer", "float", "boolean",
                                  "timestamp", "binary", "hex",     "set"};

    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Section 9.6.1: the members of an IN set MUST be of one data type (integers and floats
 * are both numbers here: both compare against integer and float properties). */
static int check_set(const struct rk_pattern *p, const struct rk_pattern_const *set,
                     struct rk_err *err)
{
    enum rk_pattern_const_type first, t;

    for (size_t i = 1; i < set->n_items; i++) {
        first = set->items[0].type == RK_PATTERN_CONST_FLOAT ? RK_PATTERN_CONST_INT
                                                             : set->items[0].type;
        t = set->items[i].type == RK_PATTERN_CONST_FLOAT ? RK_PATTERN_CONST_INT
                                                         : set->items[i].type;
        if (t != first)
            return pattern_fail(err, RK_EFORMAT, const_off(p, &set->items[i]),
                                "IN set mixes %s and %s constants (members must have one type)",
                                const_type_name(set->items[0].type),
                                const_type_name(set->items[i].type));
    }
    return 0;
}

/* Section 9.6.1: ISSUBSET and ISSUPERSET compare the value of an ipv4-addr or ipv6-addr
 * with a valid address or CIDR block of the same kind. */
static int check_cidr(const struct rk_pattern *p, const struct patom *a, const struct cextra *x,
                      struct rk_err *err)
{
    const struct rk_pattern_atom *pa = &a->pub;
    const struct rk_pattern_step *last = &pa->steps[pa->n_steps - 1];
    int v4 = strcmp(pa->object_type, "ipv4-addr") == 0;
    int v6 = strcmp(pa->object_type, "ipv6-addr") == 0;

    if (last->kind != RK_PATTERN_STEP_KEY || last->key_len != 5 ||
        memcmp(last->key, "value", 5) != 0 || (pa->n_steps == 1 && !v4 && !v6))
        return pattern_fail(err, RK_EFORMAT, (size_t)pa->offset,
                            "%s applies to the value of an ipv4-addr or ipv6-addr object",
                            rk_pattern_op_name(pa->op));
    if (!x->is_ip)
        return pattern_fail(err, RK_EFORMAT, const_off(p, &a->value),
                            "%s needs an IPv4 or IPv6 address or CIDR block, found '%.*s'",
                            rk_pattern_op_name(pa->op),
                            (int)(a->value.len > 60 ? 60 : a->value.len), a->value.str);
    if (pa->n_steps == 1 && ((v4 && x->ip.family != 4) || (v6 && x->ip.family != 6)))
        return pattern_fail(err, RK_EFORMAT, const_off(p, &a->value),
                            "%s on %s needs an %s address or CIDR block",
                            rk_pattern_op_name(pa->op), pa->object_type, v4 ? "IPv4" : "IPv6");
    return 0;
}

static int compute_extras(struct rk_pattern *p, struct patom *a)
{
    const struct rk_pattern_const *c = &a->value;
    size_t n = c->type == RK_PATTERN_CONST_SET ? c->n_items : 1;
    struct cextra *x = pool_array(&p->pool, n ? n : 1, sizeof(*x));
    int rc;

    if (!x)
        return RK_ENOMEM;
    a->extra = x;
    for (size_t i = 0; i < n; i++) {
        const struct rk_pattern_const *item = c->type == RK_PATTERN_CONST_SET ? &c->items[i] : c;

        if (item->type != RK_PATTERN_CONST_STRING)
            continue;
        if ((rc = string_extra(p, item, a->pub.op == RK_PATTERN_OP_LIKE, &x[i])) != 0)
            return rc;
    }
    return 0;
}

int check_atom(struct rk_pattern *p, struct patom *a, struct rk_err *err)
{
    const struct rk_pattern_atom *pa = &a->pub;
    const struct rk_pattern_const *c = &a->value;
    int rc;

    if (!check_type_name(pa->object_type, strlen(pa->object_type)))
        return pattern_fail(err, RK_EFORMAT, a->type_off,
                            "invalid object type '%.60s': a type name has 3 to 250 characters "
                            "a-z, 0-9 and '-', starts with a letter and has no '--'",
                            pa->object_type);
    a->flags = path_flags(pa);
    if (pa->op == RK_PATTERN_OP_EXISTS)
        return 0;
    if ((rc = compute_extras(p, a)) != 0)
        return rc;
    if (pa->op == RK_PATTERN_OP_IN && (rc = check_set(p, c, err)) != 0)
        return rc;
    if ((pa->op == RK_PATTERN_OP_ISSUBSET || pa->op == RK_PATTERN_OP_ISSUPERSET) &&
        (rc = check_cidr(p, a, &a->extra[0], err)) != 0)
        return rc;
    if (!(a->flags & PA_HASH) ||
        (pa->op != RK_PATTERN_OP_EQ && pa->op != RK_PATTERN_OP_NE && pa->op != RK_PATTERN_OP_IN))
        return 0;
    if (c->type == RK_PATTERN_CONST_STRING)
        return check_hash(p, a, c, err);
    for (size_t i = 0; c->type == RK_PATTERN_CONST_SET && i < c->n_items; i++) {
        if (c->items[i].type == RK_PATTERN_CONST_STRING &&
            (rc = check_hash(p, a, &c->items[i], err)) != 0)
            return rc;
    }
    return 0;
}
