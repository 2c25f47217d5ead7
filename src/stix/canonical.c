/* canonical.c - canonical JSON serialisation: object keys sorted (by UTF-16 code units, as RFC
 * 8785 orders them; the same as byte order for ASCII keys), no insignificant white space,
 * strings as UTF-8 with only '"', '\' and control characters escaped, integers exactly and
 * floats in the shortest form that reads back to the same double. RK_CANON_JCS switches
 * numbers to the RFC 8785 form (integral floats without ".0"), for deterministic SCO ids. */
#include "stix/stix_internal.h"
#include "stix/json.h"
#include "stix/swar.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct member {
    const char *key;
    size_t len;
    const json_t *value;
};

/* Most bytes a canonical dump may produce through rk_stix_canonical_dump. */
#define RK_CANON_MAX ((size_t)1 << 30)

/* Bytes that must be escaped in a JSON string: control characters, quote and backslash. */
static int must_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* The escape sequence for byte c into esc; its length. */
static size_t escape(unsigned char c, char esc[6])
{
    static const char hex[] = "0123456789abcdef";

    esc[0] = '\\';
    switch (c) {
    case '"': esc[1] = '"'; return 2;
    case '\\': esc[1] = '\\'; return 2;
    case '\b': esc[1] = 'b'; return 2;
    case '\f': esc[1] = 'f'; return 2;
    case '\n': esc[1] = 'n'; return 2;
    case '\r': esc[1] = 'r'; return 2;
    case '\t': esc[1] = 't'; return 2;
    default:
        memcpy(esc + 1, "u00", 3);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        return 6;
    }
}

/* rk_buf_reserve, with the common case inline: the buffer is reserved from the source length
 * up front, so nearly every check finds the room there. */
static inline int reserve(struct rk_buf *b, size_t extra)
{
    if (extra <= b->max && b->len <= b->max - extra && b->len + extra < b->cap)
        return 0;
    return rk_buf_reserve(b, extra);
}

/* rk_buf_putc, inline in the common case. */
static inline int put_byte(struct rk_buf *b, char c)
{
    int rc;

    if ((rc = reserve(b, 1)) != 0)
        return rc;
    b->ptr[b->len++] = c;
    b->ptr[b->len] = '\0';
    return 0;
}

/* Runs of bytes that need no escaping are copied whole into room reserved up front. */
static int append_string(struct rk_buf *b, const char *s, size_t len)
{
    size_t i = 0, run;
    int rc;

    if ((rc = reserve(b, len + 2)) != 0)
        return rc;
    b->ptr[b->len++] = '"';
    for (;;) {
        run = i;
        i = rk_swar_skip_plain(s, i, len, 1);
        while (i < len && !must_escape((unsigned char)s[i]))
            i++;
        memcpy(b->ptr + b->len, s + run, i - run);
        b->len += i - run;
        if (i == len)
            break;
        /* an escape grows the text: keep room for it and the rest */
        if ((rc = reserve(b, 6 + (len - i) + 1)) != 0)
            return rc;
        b->len += escape((unsigned char)s[i++], b->ptr + b->len);
    }
    b->ptr[b->len++] = '"';
    b->ptr[b->len] = '\0';
    return 0;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as d; independent of the locale's
 * decimal point. */
static int format_real(char *out, size_t cap, double d, int mode)
{
    int n = 0;

    if (!isfinite(d))
        return RK_EFORMAT;
    if (mode == RK_CANON_JCS && d == floor(d) && fabs(d) < 9007199254740992.0)
        return snprintf(out, cap, "%.0f", d) > 0 ? 0 : RK_EINTERNAL;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, cap, "%.*g", prec, d);
        if (n <= 0 || (size_t)n >= cap)
            return RK_EINTERNAL;
        for (char *p = out; *p; p++) {
            if (*p == ',')
                *p = '.';
        }
        if (strtod(out, NULL) == d)
            break;
    }
    if (mode == RK_CANON_STIX && !strpbrk(out, ".eE") && (size_t)n + 2 < cap)
        memcpy(out + n, ".0", 3); /* stays a JSON real when read back */
    return 0;
}

/* Insertion sort: objects have tens of members, where it beats qsort's overhead; large
 * objects fall back to qsort. */
static int member_cmp(const void *x, const void *y)
{
    const struct member *a = x, *b = y;

    return rk_json_key_cmp(a->key, a->len, b->key, b->len);
}

static void sort_members(struct member *m, size_t n)
{
    if (n > 64) {
        qsort(m, n, sizeof(*m), member_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct member x = m[i];
        size_t j = i;

        while (j > 0 && rk_json_key_cmp(x.key, x.len, m[j - 1].key, m[j - 1].len) < 0) {
            m[j] = m[j - 1];
            j--;
        }
        m[j] = x;
    }
}

static int append_object_json(struct rk_buf *b, const json_t *v, int mode)
{
    struct member stack[32], *m = stack;
    size_t n = json_object_size(v), i = 0;
    void *it;
    int rc = 0;

    if (n > sizeof(stack) / sizeof(stack[0]) &&
        (m = rk_reallocarray(NULL, n, sizeof(*m))) == NULL)
        return RK_ENOMEM;
    for (it = json_object_iter((json_t *)v); it && i < n; it = json_object_iter_next((json_t *)v, it)) {
        m[i].key = json_object_iter_key(it);
        m[i].len = json_object_iter_key_len(it);
        m[i++].value = json_object_iter_value(it);
    }
    sort_members(m, i);
    rc = put_byte(b, '{');
    for (size_t k = 0; k < i && rc == 0; k++) {
        if (k > 0)
            rc = put_byte(b, ',');
        if (rc == 0)
            rc = append_string(b, m[k].key, m[k].len);
        if (rc == 0)
            rc = put_byte(b, ':');
        if (rc == 0)
            rc = rk_stix_canon_append_json(b, m[k].value, mode);
    }
    if (rc == 0)
        rc = put_byte(b, '}');
    if (m != stack)
        rk_free(m);
    return rc;
}

static int append_array_json(struct rk_buf *b, const json_t *v, int mode)
{
    size_t n = json_array_size(v);
    int rc = put_byte(b, '[');

    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = put_byte(b, ',');
        if (rc == 0)
            rc = rk_stix_canon_append_json(b, json_array_get(v, i), mode);
    }
    return rc == 0 ? put_byte(b, ']') : rc;
}

int rk_stix_canon_append_json(struct rk_buf *b, const json_t *v, int mode)
{
    char num[40];
    int rc;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return append_object_json(b, v, mode);
    case JSON_ARRAY:
        return append_array_json(b, v, mode);
    case JSON_STRING:
        return append_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return rk_buf_puts(b, num);
    case JSON_REAL:
        if ((rc = format_real(num, sizeof(num), json_real_value(v), mode)) != 0)
            return rc;
        return rk_buf_puts(b, num);
    case JSON_TRUE:
        return rk_buf_puts(b, "true");
    case JSON_FALSE:
        return rk_buf_puts(b, "false");
    case JSON_NULL:
        return rk_buf_puts(b, "null");
    }
    return RK_EINTERNAL;
}

/* ---- the same from a parsed document ------------------------------------------------------- */

/* A string of a document: one that was written without escapes holds nothing to escape
 * (json.h, RK_JSON_F_ESCAPED), so it is copied without looking at its bytes. */
static int append_dom_string(struct rk_buf *b, const struct rk_json *v)
{
    int rc;

    if (v->flags & RK_JSON_F_ESCAPED)
        return append_string(b, v->u.s, v->len);
    if ((rc = reserve(b, (size_t)v->len + 2)) != 0)
        return rc;
    b->ptr[b->len++] = '"';
    memcpy(b->ptr + b->len, v->u.s, v->len);
    b->len += v->len;
    b->ptr[b->len++] = '"';
    b->ptr[b->len] = '\0';
    return 0;
}

/* Decimal digits of an int64, without printf. */
static int append_int(struct rk_buf *b, int64_t x)
{
    char tmp[24], *e = tmp + sizeof(tmp), *p = e;
    uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (x < 0)
        *--p = '-';
    return rk_buf_append(b, p, (size_t)(e - p));
}

/* Members in key order: the order found at parse time, or sorted here after a change. */
static int append_object_dom(struct rk_buf *b, const struct rk_json *v, int mode)
{
    uint32_t stack[64], *ord = stack;
    size_t n = v->len;
    int rc = 0;

    if (v->x.order) {
        ord = (uint32_t *)v->x.order;
    } else {
        if (n > sizeof(stack) / sizeof(stack[0]) &&
            (ord = rk_reallocarray(NULL, n, sizeof(*ord))) == NULL)
            return RK_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            size_t j = i;

            while (j > 0 && rk_json_key_cmp(v->u.kids[2 * ord[j - 1]].u.s,
                                            v->u.kids[2 * ord[j - 1]].len, v->u.kids[2 * i].u.s,
                                            v->u.kids[2 * i].len) > 0) {
                ord[j] = ord[j - 1];
                j--;
            }
            ord[j] = (uint32_t)i;
        }
    }
    rc = put_byte(b, '{');
    for (size_t k = 0; k < n && rc == 0; k++) {
        const struct rk_json *key = &v->u.kids[2 * ord[k]];

        if (k > 0)
            rc = put_byte(b, ',');
        if (rc == 0)
            rc = append_dom_string(b, key);
        if (rc == 0)
            rc = put_byte(b, ':');
        if (rc == 0)
            rc = rk_stix_canon_append(b, key + 1, mode);
    }
    if (rc == 0)
        rc = put_byte(b, '}');
    if (ord != stack && ord != v->x.order)
        rk_free(ord);
    return rc;
}

static int append_array_dom(struct rk_buf *b, const struct rk_json *v, int mode)
{
    int rc = put_byte(b, '[');

    for (size_t i = 0; i < v->len && rc == 0; i++) {
        if (i > 0)
            rc = put_byte(b, ',');
        if (rc == 0)
            rc = rk_stix_canon_append(b, &v->u.kids[i], mode);
    }
    return rc == 0 ? put_byte(b, ']') : rc;
}

int rk_stix_canon_append(struct rk_buf *b, const struct rk_json *v, int mode)
{
    char num[40];
    int rc;

    switch (rk_json_type(v)) {
    case RK_JSON_OBJECT:
        return append_object_dom(b, v, mode);
    case RK_JSON_ARRAY:
        return append_array_dom(b, v, mode);
    case RK_JSON_STRING:
        return append_dom_string(b, v);
    case RK_JSON_INT:
        return append_int(b, v->x.i);
    case RK_JSON_REAL:
        if ((rc = format_real(num, sizeof(num), v->x.d, mode)) != 0)
            return rc;
        return rk_buf_puts(b, num);
    case RK_JSON_TRUE:
        return rk_buf_append(b, "true", 4);
    case RK_JSON_FALSE:
        return rk_buf_append(b, "false", 5);
    case RK_JSON_NULL:
        return rk_buf_append(b, "null", 4);
    }
    return RK_EINTERNAL;
}

/* The canonical text of a value, written by append (hint: its expected size), malloc'd. */
static char *dump_with(int (*append)(struct rk_buf *b, const void *v), const void *value,
                       size_t hint, size_t *len_out)
{
    struct rk_buf b;
    char *out = NULL;
    size_t len = 0;

    if (len_out)
        *len_out = 0;
    if (!value)
        return NULL;
    rk_buf_init(&b, RK_CANON_MAX);
    if (rk_buf_reserve(&b, hint < RK_CANON_MAX ? hint : 0) == 0 && append(&b, value) == 0)
        out = rk_buf_detach(&b, &len);
    rk_buf_free(&b);
    if (out && len_out)
        *len_out = len;
    return out;
}

static int append_jansson(struct rk_buf *b, const void *v)
{
    return rk_stix_canon_append_json(b, v, RK_CANON_STIX);
}

static int append_dom(struct rk_buf *b, const void *v)
{
    return rk_stix_canon_append(b, v, RK_CANON_STIX);
}

char *rk_stix_canon_dump(const json_t *value, size_t hint, size_t *len_out)
{
    return dump_with(append_jansson, value, hint, len_out);
}

char *rk_stix_canon_dump_dom(const struct rk_json *value, size_t hint, size_t *len_out)
{
    return dump_with(append_dom, value, hint, len_out);
}

/* Serialise any JSON value canonically into a new string (caller frees with free()). */
char *rk_stix_canonical_dump(const json_t *value, size_t *len_out)
{
    return rk_stix_canon_dump(value, 0, len_out);
}
