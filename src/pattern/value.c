/* value.c - one comparison expression against one SCO: object path resolution (with _ref and
 * _refs dereferencing inside the observation) and the comparison operators of section 9.6. */
#include "pattern/internal.h"
#include "util/alloc.h"
#include "util/digest.h"
#include "util/rktime.h"

#include <string.h>
#include <strings.h>

#define INCOMPAT 2 /* the operands' types cannot be compared (9.6.1) */

enum val_kind { V_OTHER = 0, V_STR, V_BYTES, V_INT, V_REAL, V_BOOL };

/* A property value from the SCO, decoded to its native form (9.6.4). */
struct val {
    enum val_kind kind;
    const char *s; /* V_STR: UTF-8; V_BYTES: bytes */
    size_t len;
    int64_t i;
    double d;
    int ip;      /* the value property of an ipv4-addr or ipv6-addr */
    char *owned; /* decoded bytes */
};

struct walk {
    const struct rk_pattern *p;
    const struct patom *a;
    const json_t *objects;
    struct eval_scratch *sc;
};

enum ref_kind { REF_NONE = 0, REF_ONE, REF_LIST };

/* ---- decoding ------------------------------------------------------------------------------ */

static int b64_digit(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* RFC 4648 base64 with optional padding; NULL when malformed or out of memory. */
static char *base64_decode(const char *s, size_t len, size_t *out_len)
{
    char *d;
    uint32_t acc = 0;
    size_t o = 0;
    int bits = 0, v;

    while (len > 0 && s[len - 1] == '=')
        len--;
    if (len % 4 == 1 || !(d = rk_malloc(len / 4 * 3 + 3)))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if ((v = b64_digit(s[i])) < 0) {
            rk_free(d);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        if ((bits += 6) >= 8) {
            bits -= 8;
            d[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    *out_len = o;
    return d;
}

static void val_decode(const struct patom *a, const json_t *v, int ip, struct val *out)
{
    memset(out, 0, sizeof(*out));
    out->ip = ip;
    if (json_is_string(v)) {
        out->kind = V_STR;
        out->s = json_string_value(v);
        out->len = json_string_length(v);
        if (!(a->flags & PA_BINARY))
            return;
        out->kind = V_OTHER; /* unless it decodes */
        if (a->flags & PA_HEXPROP) {
            if (out->len % 2 == 0 && (out->owned = rk_malloc(out->len / 2 + 1)) &&
                rk_hex_decode((uint8_t *)out->owned, out->len / 2, out->s, out->len) == 0)
                out->kind = V_BYTES, out->len /= 2;
        } else if ((out->owned = base64_decode(out->s, out->len, &out->len))) {
            out->kind = V_BYTES;
        }
        out->s = out->owned;
    } else if (json_is_integer(v)) {
        out->kind = V_INT;
        out->i = json_integer_value(v);
    } else if (json_is_real(v)) {
        out->kind = V_REAL;
        out->d = json_real_value(v);
    } else if (json_is_boolean(v)) {
        out->kind = V_BOOL;
        out->i = json_is_true(v);
    }
}

/* ---- comparisons --------------------------------------------------------------------------- */

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    if (c != 0)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* An integer against a double, exactly (9.2: "the full value must be compared"). */
static int cmp_int_real(int64_t i, double d)
{
    int64_t t;
    double frac;

    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    t = (int64_t)d;
    if (i != t)
        return i < t ? -1 : 1;
    frac = d - (double)t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int cmp_number(const struct val *v, const struct rk_pattern_const *c)
{
    if (v->kind == V_INT && c->type == RK_PATTERN_CONST_INT)
        return v->i < c->integer ? -1 : v->i > c->integer;
    if (v->kind == V_INT)
        return cmp_int_real(v->i, c->real);
    if (v->kind == V_REAL && c->type == RK_PATTERN_CONST_INT)
        return -cmp_int_real(c->integer, v->d);
    if (v->kind == V_REAL)
        return v->d < c->real ? -1 : v->d > c->real;
    return INCOMPAT;
}

static int cmp_time(const struct val *v, const struct rk_pattern_const *c)
{
    struct rk_time t, k = {c->sec, c->nsec, 0};

    if (v->kind != V_STR || rk_time_parse(&t, v->s, v->len, RK_TIME_RFC3339, NULL) != 0)
        return INCOMPAT;
    return rk_time_cmp(&t, &k) < 0 ? -1 : rk_time_cmp(&t, &k) > 0;
}

/* A binary constant (or a string constant as Latin-1 bytes) against a value. */
static int cmp_binary(const struct val *v, const char *bytes, size_t len)
{
    char *latin1;
    size_t n;
    int c;

    if (!bytes)
        return INCOMPAT; /* a string with code points >= U+0100 (9.6.4) */
    if (v->kind == V_BYTES)
        return cmp_bytes(v->s, v->len, bytes, len);
    if (v->kind != V_STR || !(latin1 = rk_malloc(v->len + 1)))
        return INCOMPAT;
    n = utf8_to_latin1(v->s, v->len, latin1);
    c = n == (size_t)-1 ? INCOMPAT : cmp_bytes(latin1, n, bytes, len);
    rk_free(latin1);
    return c;
}

/* Ordering of value against constant: -1, 0, 1, or INCOMPAT. */
static int cmp_const(const struct val *v, const struct rk_pattern_const *c, const struct cextra *x)
{
    switch (c->type) {
    case RK_PATTERN_CONST_STRING:
        if (v->kind == V_BYTES)
            return cmp_binary(v, x->latin1, x->latin1_len);
        return v->kind == V_STR ? cmp_bytes(v->s, v->len, c->str, c->len) : INCOMPAT;
    case RK_PATTERN_CONST_INT:
    case RK_PATTERN_CONST_FLOAT:
        return cmp_number(v, c);
    case RK_PATTERN_CONST_TIMESTAMP:
        return cmp_time(v, c);
    case RK_PATTERN_CONST_BINARY:
    case RK_PATTERN_CONST_HEX:
        return cmp_binary(v, c->str, c->len);
    default:
        return INCOMPAT;
    }
}

static int all_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (!((ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')))
            return 0;
    }
    return 1;
}

/* Equality: 1, 0 or INCOMPAT. IP values compare as blocks; hex hash values ignore case. */
static int eq_const(const struct patom *a, const struct val *v, const struct rk_pattern_const *c,
                    const struct cextra *x)
{
    struct ipnet vip;
    int r;

    if (c->type == RK_PATTERN_CONST_BOOL)
        return v->kind == V_BOOL ? v->i == c->integer : INCOMPAT;
    if (c->type == RK_PATTERN_CONST_STRING && v->kind == V_STR) {
        if (v->ip && x->is_ip && ipnet_parse(v->s, v->len, &vip) == 0)
            return ipnet_within(&vip, &x->ip);
        if ((a->flags & PA_HASH) && x->is_hex && v->len == c->len && all_hex(v->s, v->len))
            return strncasecmp(v->s, c->str, c->len) == 0;
    }
    r = cmp_const(v, c, x);
    return r == INCOMPAT ? INCOMPAT : r == 0;
}

/* SQL LIKE: '%' any run, '_' one character (one code point of text, one byte of binary). */
static int like_match(const char *s, size_t slen, const char *p, size_t plen, int utf8)
{
    size_t si = 0, pi = 0, star = SIZE_MAX, mark = 0, n;
    uint32_t cp;

    while (si < slen) {
        if (pi < plen && p[pi] == '%') {
            star = ++pi;
            mark = si;
        } else if (pi < plen && p[pi] == '_') {
            n = utf8 ? utf8_decode(s + si, slen - si, &cp) : 1;
            si += n ? n : 1;
            pi++;
        } else if (pi < plen && p[pi] == s[si]) {
            si++, pi++;
        } else if (star != SIZE_MAX) {
            n = utf8 ? utf8_decode(s + mark, slen - mark, &cp) : 1;
            mark += n ? n : 1;
            si = mark;
            pi = star;
        } else {
            return 0;
        }
    }
    while (pi < plen && p[pi] == '%')
        pi++;
    return pi == plen;
}

/* LIKE and MATCHES see text in NFC (9.6.2). */
static int text_op(const struct walk *w, const struct val *v)
{
    const struct patom *a = w->a;
    const struct cextra *x = &a->extra[0];
    char *nfc = NULL;
    size_t len = 0;
    int rc;

    if (v->kind == V_BYTES) {
        if (a->pub.op == RK_PATTERN_OP_MATCHES)
            return regex_search(w->p, a->re, v->s, v->len, &w->sc->md);
        return x->latin1 ? like_match(v->s, v->len, x->latin1, x->latin1_len, 0) : 0;
    }
    if (v->kind != V_STR || (a->flags & PA_BINARY))
        return 0;
    if ((rc = rk_pattern_nfc(v->s, v->len, RK_PATTERN_MAX_LEN * 64, &nfc, &len)) == RK_ENOMEM)
        return rc;
    if (a->pub.op == RK_PATTERN_OP_MATCHES)
        rc = regex_search(w->p, a->re, nfc ? nfc : v->s, nfc ? len : v->len, &w->sc->md);
    else
        rc = like_match(nfc ? nfc : v->s, nfc ? len : v->len, x->nfc, x->nfc_len, 1);
    rk_free(nfc);
    return rc;
}

static int set_op(const struct walk *w, const struct val *v)
{
    struct ipnet vip;
    const struct cextra *x = &w->a->extra[0];

    if (v->kind != V_STR || ipnet_parse(v->s, v->len, &vip) != 0)
        return 0;
    if (w->a->pub.op == RK_PATTERN_OP_ISSUBSET)
        return ipnet_within(&vip, &x->ip);
    return ipnet_within(&x->ip, &vip);
}

/* The operator applied to one value, NOT included: 1, 0 or < 0 (error). */
static int test_value(const struct walk *w, const struct val *v)
{
    const struct patom *a = w->a;
    const struct rk_pattern_const *c = &a->value;
    int r = 0, e;

    switch (a->pub.op) {
    case RK_PATTERN_OP_EQ:
        r = eq_const(a, v, c, &a->extra[0]) == 1;
        break;
    case RK_PATTERN_OP_NE: /* incompatible types: != is true (9.6.1) */
        r = eq_const(a, v, c, &a->extra[0]) != 1;
        break;
    case RK_PATTERN_OP_IN:
        for (size_t i = 0; i < c->n_items && !r; i++)
            r = eq_const(a, v, &c->items[i], &a->extra[i]) == 1;
        break;
    case RK_PATTERN_OP_LIKE:
    case RK_PATTERN_OP_MATCHES:
        if ((r = text_op(w, v)) < 0)
            return r;
        break;
    case RK_PATTERN_OP_ISSUBSET:
    case RK_PATTERN_OP_ISSUPERSET:
        r = set_op(w, v);
        break;
    default: /* ordering */
        if ((e = cmp_const(v, c, &a->extra[0])) == INCOMPAT)
            break;
        r = a->pub.op == RK_PATTERN_OP_LT   ? e < 0
            : a->pub.op == RK_PATTERN_OP_LE ? e <= 0
            : a->pub.op == RK_PATTERN_OP_GT ? e > 0
                                            : e >= 0;
        break;
    }
    return a->pub.negated ? !r : r;
}

/* ---- object paths -------------------------------------------------------------------------- */

static int is_ip_value(const struct rk_pattern_step *last, const json_t *owner, int direct)
{
    const char *type;

    if (!direct || last->key_len != 5 || memcmp(last->key, "value", 5) != 0)
        return 0;
    type = json_string_value(json_object_get(owner, "type"));
    return type && (strcmp(type, "ipv4-addr") == 0 || strcmp(type, "ipv6-addr") == 0);
}

static int at_end(const struct walk *w, const json_t *cur, const json_t *owner, int direct)
{
    const struct rk_pattern_atom *pa = &w->a->pub;
    const struct rk_pattern_step *last = &pa->steps[pa->n_steps - 1];
    struct val v;
    int r;

    if (pa->op == RK_PATTERN_OP_EXISTS)
        return 1;
    val_decode(w->a, cur, last->kind == RK_PATTERN_STEP_KEY && is_ip_value(last, owner, direct),
               &v);
    r = test_value(w, &v);
    rk_free(v.owned);
    return r;
}

/* 1 when some value the path reaches from cur (at step i) passes the test. */
static int walk(const struct walk *w, const json_t *cur, size_t i, enum ref_kind ref,
                const json_t *owner, int direct)
{
    const struct rk_pattern_step *st;
    const json_t *child;
    size_t n;
    int rc;

    if (i == w->a->pub.n_steps)
        return at_end(w, cur, owner, direct);
    st = &w->a->pub.steps[i];
    if (st->kind == RK_PATTERN_STEP_KEY) {
        if (ref == REF_ONE && json_is_string(cur)) { /* dereference within the observation */
            if (!w->objects || !(cur = json_object_get(w->objects, json_string_value(cur))))
                return 0;
            owner = cur;
        }
        if (!json_is_object(cur) || !(child = json_object_getn(cur, st->key, st->key_len)))
            return 0;
        n = st->key_len;
        ref = n > 4 && memcmp(st->key + n - 4, "_ref", 4) == 0    ? REF_ONE
              : n > 5 && memcmp(st->key + n - 5, "_refs", 5) == 0 ? REF_LIST
                                                                  : REF_NONE;
        return walk(w, child, i + 1, ref, owner, cur == owner);
    }
    if (!json_is_array(cur))
        return 0;
    ref = ref == REF_LIST ? REF_ONE : REF_NONE;
    if (st->kind == RK_PATTERN_STEP_INDEX) {
        if (st->index < 0 || (size_t)st->index >= json_array_size(cur))
            return 0;
        return walk(w, json_array_get(cur, (size_t)st->index), i + 1, ref, owner, 0);
    }
    for (size_t k = 0; k < json_array_size(cur); k++) {
        if ((rc = walk(w, json_array_get(cur, k), i + 1, ref, owner, 0)) != 0)
            return rc;
    }
    return 0;
}

int atom_test_sco(const struct rk_pattern *p, const struct patom *a, const json_t *sco,
                  const json_t *objects, struct eval_scratch *sc)
{
    struct walk w = {p, a, objects, sc};
    int rc = walk(&w, sco, 0, REF_NONE, sco, 0);

    if (rc < 0 || a->pub.op != RK_PATTERN_OP_EXISTS)
        return rc;
    return a->pub.negated ? !rc : rc;
}
