/* json_parse.c - the parser of json.h: one pass over the source, no allocation per value.
 *
 * Values of the containers still open sit on a scratch stack; when a container closes, its
 * children move to a scratch pool and the container becomes one node on the stack pointing at
 * them by index. Strings are slices of the source (by offset) unless they hold escapes, which
 * are decoded into a scratch string pool. At the end one allocation receives the pool, the
 * member orders, the decoded strings and a copy of the source, and a single loop over the
 * nodes turns offsets into pointers. The scratch space stays with the parser for the next
 * document, so a steady stream of documents allocates once per document. */
#include "stix/json_internal.h"
#include "stix/swar.h"
#include "util/alloc.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct frame {
    size_t start;  /* index in the stack of the first child */
    int is_object;
};

struct rk_json_parser {
    struct rk_json *stk; /* values of the open containers */
    size_t stk_n, stk_cap;
    struct rk_json *pool; /* children of closed containers */
    size_t pool_n, pool_cap;
    uint32_t *ord; /* member orders of closed objects */
    size_t ord_n, ord_cap;
    char *str; /* decoded strings, each NUL-terminated */
    size_t str_n, str_cap;
    struct frame *fr;
    size_t fr_n, fr_cap;
    size_t max_depth;
    struct rk_json_stats st;
    const char *src; /* the text being parsed */
    size_t len;
    const char *what; /* the error, when one was found */
    size_t err_at;
};

int rk_json_parser_new(struct rk_json_parser **out)
{
    *out = rk_calloc(1, sizeof(**out));
    if (!*out)
        return RK_ENOMEM;
    (*out)->max_depth = RK_JSON_DEPTH_MAX;
    return 0;
}

void rk_json_parser_free(struct rk_json_parser *p)
{
    if (!p)
        return;
    rk_free(p->stk);
    rk_free(p->pool);
    rk_free(p->ord);
    rk_free(p->str);
    rk_free(p->fr);
    rk_free(p);
}

void rk_json_parser_set_depth(struct rk_json_parser *p, size_t max_depth)
{
    p->max_depth = max_depth;
}

/* ---- scratch space ------------------------------------------------------------------------ */

/* Room for n more elements of size sz in *v (holding *used of *cap). 0 or RK_ENOMEM. */
static int grow(void **v, size_t *cap, size_t used, size_t n, size_t sz)
{
    size_t want = *cap ? *cap : 64;
    void *nv;

    if (used + n <= *cap)
        return 0;
    while (want < used + n)
        want *= 2;
    if ((nv = rk_reallocarray(*v, want, sz)) == NULL)
        return RK_ENOMEM;
    *v = nv;
    *cap = want;
    return 0;
}

static int fail(struct rk_json_parser *p, size_t at, const char *what)
{
    p->what = what;
    p->err_at = at;
    return RK_EFORMAT;
}

static struct rk_json *push(struct rk_json_parser *p)
{
    if (p->stk_n == p->stk_cap &&
        grow((void **)&p->stk, &p->stk_cap, p->stk_n, 1, sizeof(*p->stk)) != 0)
        return NULL;
    return &p->stk[p->stk_n++];
}

/* ---- strings -------------------------------------------------------------------------------- */

/* Bytes that end a run of plain string bytes: '"', '\', control characters and non-ASCII. */
static inline int plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static inline size_t skip_plain(const char *s, size_t i, size_t len)
{
    i = rk_swar_skip(s, i, len, RK_SWAR_STOP_CTL | RK_SWAR_STOP_HIGH);
    while (i < len && plain((unsigned char)s[i]))
        i++;
    return i;
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t k;

    if (c >= 0xc2 && c <= 0xdf)
        k = 2;
    else if (c >= 0xe0 && c <= 0xef)
        k = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        k = 4;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return k;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;

    for (int i = 0; i < 4; i++) {
        char c = s[i];

        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The \u escape at src[i] ('\' 'u' and 4 hex digits, maybe a surrogate pair): the code point
 * into *cp and the escape's length into *n. */
static int unicode_escape(struct rk_json_parser *p, size_t i, unsigned *cp, size_t *n)
{
    const char *s = p->src;
    unsigned lo;

    if (i + 6 > p->len || hex4(s + i + 2, cp) != 0)
        return fail(p, i, "invalid \\u escape");
    *n = 6;
    if (*cp == 0)
        return fail(p, i, "\\u0000 is not allowed in a string");
    if (*cp >= 0xdc00 && *cp <= 0xdfff)
        return fail(p, i, "invalid Unicode escape: a low surrogate without a high one");
    if (*cp >= 0xd800 && *cp <= 0xdbff) {
        if (i + 12 > p->len || s[i + 6] != '\\' || s[i + 7] != 'u' || hex4(s + i + 8, &lo) != 0 ||
            lo < 0xdc00 || lo > 0xdfff)
            return fail(p, i, "invalid Unicode escape: a high surrogate without a low one");
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
        *n = 12;
    }
    return 0;
}

/* One escape sequence at src[i] appended to the string pool; *i moves past it. */
static int decode_escape(struct rk_json_parser *p, size_t *i)
{
    static const char simple[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
    const char *e;
    unsigned cp;
    size_t n;
    int rc;

    if (*i + 1 >= p->len)
        return fail(p, *i, "the text ends inside a string");
    if (p->src[*i + 1] == 'u') {
        if ((rc = unicode_escape(p, *i, &cp, &n)) != 0)
            return rc;
        p->str_n += put_utf8(p->str + p->str_n, cp);
        *i += n;
        return 0;
    }
    for (e = simple; *e; e += 2) {
        if (p->src[*i + 1] == e[0]) {
            p->str[p->str_n++] = e[1];
            *i += 2;
            return 0;
        }
    }
    return fail(p, *i, "invalid escape in a string");
}

/* The rest of a string with escapes, from src[i] (a '\'); the decoded bytes so far are
 * src[start..i). The node gets an offset into the string pool. */
static int string_escaped(struct rk_json_parser *p, struct rk_json *v, size_t start, size_t i,
                          size_t *end)
{
    const char *s = p->src;
    size_t at = p->str_n, k;
    int rc;

    for (;;) {
        /* escapes never decode longer than they are written */
        if (grow((void **)&p->str, &p->str_cap, p->str_n, i - start + 5, 1) != 0)
            return RK_ENOMEM;
        memcpy(p->str + p->str_n, s + start, i - start);
        p->str_n += i - start;
        if (i >= p->len)
            return fail(p, i, "the text ends inside a string");
        if (s[i] == '"')
            break;
        if (s[i] == '\\') {
            if ((rc = decode_escape(p, &i)) != 0)
                return rc;
        } else if ((unsigned char)s[i] >= 0x80) {
            if ((k = utf8_seq((const unsigned char *)s + i, p->len - i)) == 0)
                return fail(p, i, "invalid UTF-8 in a string");
            memcpy(p->str + p->str_n, s + i, k);
            p->str_n += k;
            i += k;
        } else {
            return fail(p, i, "a control character in a string must be escaped");
        }
        start = i;
        i = skip_plain(s, i, p->len);
    }
    p->str[p->str_n++] = '\0';
    v->flags = RK_JSON_F_ESCAPED;
    v->u.off = at;
    v->len = (uint32_t)(p->str_n - 1 - at);
    *end = i + 1;
    return 0;
}

/* The string whose opening quote is at src[q]; *end gets the offset after the closing quote. */
static int parse_string(struct rk_json_parser *p, size_t q, size_t *end)
{
    const char *s = p->src;
    struct rk_json *v = push(p);
    size_t i = q + 1, k;
    int rc;

    if (!v)
        return RK_ENOMEM;
    v->type = RK_JSON_STRING;
    v->flags = 0;
    v->x.at = (int64_t)q;
    for (;;) {
        i = skip_plain(s, i, p->len);
        if (i >= p->len)
            return fail(p, i, "the text ends inside a string");
        if (s[i] == '"')
            break;
        if ((unsigned char)s[i] >= 0x80) {
            if ((k = utf8_seq((const unsigned char *)s + i, p->len - i)) == 0)
                return fail(p, i, "invalid UTF-8 in a string");
            i += k;
        } else if (s[i] == '\\') {
            if ((rc = string_escaped(p, v, q + 1, i, end)) != 0)
                return rc;
            goto out;
        } else {
            return fail(p, i, "a control character in a string must be escaped");
        }
    }
    v->u.off = q + 1;
    v->len = (uint32_t)(i - q - 1);
    *end = i + 1;
out:
    if (v->len > p->st.max_str)
        p->st.max_str = v->len;
    return 0;
}

/* ---- numbers and literals ------------------------------------------------------------------ */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number's digits as far as exact arithmetic needs them: value = mant * 10^exp10. */
struct digits {
    uint64_t mant;
    int sig;    /* significant digits in mant */
    int lost;   /* digits beyond 19 were dropped: mant is not exact */
    long exp10;
};

/* A real from its text: exact arithmetic when the digits and exponent allow (both operands
 * exact, one rounding), strtod otherwise. */
static int real_value(struct rk_json_parser *p, size_t a, size_t b, const struct digits *g,
                      double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    char buf[128], *t = buf, *dot;
    const char *dp;
    size_t n = b - a;

    if (!g->lost && g->sig <= 15 && g->exp10 >= -22 && g->exp10 <= 22) {
        double d = (double)g->mant;

        d = g->exp10 < 0 ? d / pow10[-g->exp10] : d * pow10[g->exp10];
        *out = p->src[a] == '-' ? -d : d;
        return 0;
    }
    if (n >= sizeof(buf) && (t = rk_malloc(n + 1)) == NULL)
        return RK_ENOMEM;
    memcpy(t, p->src + a, n);
    t[n] = '\0';
    dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1] && (dot = memchr(t, '.', n)) != NULL)
        *dot = dp[0]; /* strtod follows LC_NUMERIC */
    *out = strtod(t, NULL);
    if (t != buf)
        rk_free(t);
    return isinf(*out) ? fail(p, a, "real number overflow") : 0;
}

/* A run of digits from src[*i] (at least one), folded into g; fraction digits scale it. */
static int digit_run(struct rk_json_parser *p, size_t *i, struct digits *g, int frac)
{
    const char *s = p->src;
    size_t start = *i;

    for (; *i < p->len && is_digit(s[*i]); (*i)++) {
        if (g->sig < 19) {
            g->mant = g->mant * 10 + (uint64_t)(s[*i] - '0');
            g->sig += g->mant != 0;
            g->exp10 -= frac;
        } else {
            g->lost = 1;
            g->exp10 += !frac;
        }
    }
    return *i > start ? 0 : fail(p, *i, "a digit is expected in a number");
}

/* An integer (no fraction, no exponent) that must fit int64. */
static int int_value(struct rk_json_parser *p, size_t a, size_t b, int64_t *out)
{
    const char *s = p->src;
    int neg = s[a] == '-';
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

    for (size_t i = a + (size_t)neg; i < b; i++) {
        unsigned d = (unsigned)(s[i] - '0');

        if (v > (lim - d) / 10)
            return fail(p, a, "integer does not fit 64 bits");
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* The exponent part after 'e' or 'E' at src[*i]. */
static int exponent(struct rk_json_parser *p, size_t *i, long *exp10)
{
    const char *s = p->src;
    int neg = 0;
    long e = 0;

    (*i)++;
    if (*i < p->len && (s[*i] == '+' || s[*i] == '-'))
        neg = s[(*i)++] == '-';
    if (*i >= p->len || !is_digit(s[*i]))
        return fail(p, *i, "a digit is expected in a number's exponent");
    while (*i < p->len && is_digit(s[*i])) {
        if (e < 100000)
            e = e * 10 + (s[*i] - '0');
        (*i)++;
    }
    *exp10 += neg ? -e : e;
    return 0;
}

static int parse_number(struct rk_json_parser *p, size_t a, size_t *end)
{
    const char *s = p->src;
    size_t i = a + (s[a] == '-');
    struct digits g = {0, 0, 0, 0};
    int rc, real = 0;
    struct rk_json *v;

    if (i + 1 < p->len && s[i] == '0' && is_digit(s[i + 1]))
        return fail(p, i, "a number must not start with 0");
    if ((rc = digit_run(p, &i, &g, 0)) != 0)
        return rc;
    if (i < p->len && s[i] == '.') {
        real = 1;
        i++;
        if ((rc = digit_run(p, &i, &g, 1)) != 0)
            return rc;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        real = 1;
        if ((rc = exponent(p, &i, &g.exp10)) != 0)
            return rc;
    }
    if ((v = push(p)) == NULL)
        return RK_ENOMEM;
    v->flags = 0;
    v->u.off = a;
    v->len = (uint32_t)(i - a);
    v->type = real ? RK_JSON_REAL : RK_JSON_INT;
    rc = real ? real_value(p, a, i, &g, &v->x.d) : int_value(p, a, i, &v->x.i);
    *end = i;
    return rc;
}

static int parse_literal(struct rk_json_parser *p, size_t a, size_t *end)
{
    static const struct {
        const char *text;
        size_t len;
        int type;
    } lit[] = {{"true", 4, RK_JSON_TRUE}, {"false", 5, RK_JSON_FALSE}, {"null", 4, RK_JSON_NULL}};
    struct rk_json *v;

    for (size_t k = 0; k < 3; k++) {
        if (p->len - a >= lit[k].len && memcmp(p->src + a, lit[k].text, lit[k].len) == 0) {
            if ((v = push(p)) == NULL)
                return RK_ENOMEM;
            memset(v, 0, sizeof(*v));
            v->type = (uint8_t)lit[k].type;
            *end = a + lit[k].len;
            return 0;
        }
    }
    return fail(p, a, "invalid literal (true, false or null expected)");
}

/* ---- containers ------------------------------------------------------------------------------ */

/* The text of a key node while its string is still an offset. */
static inline const char *key_text(const struct rk_json_parser *p, const struct rk_json *k)
{
    return (k->flags & RK_JSON_F_ESCAPED ? p->str : p->src) + k->u.off;
}

/* The sorted member order of the object whose 2 * n children are kids (strings still by
 * offset: resolved here through base pointers); duplicate keys are an error. */
static int order_members(struct rk_json_parser *p, const struct rk_json *kids, size_t n,
                         uint32_t *ord)
{
    for (size_t i = 0; i < n; i++) {
        const struct rk_json *key = &kids[2 * i];
        const char *text = key_text(p, key);
        size_t j = i;

        while (j > 0) {
            const struct rk_json *before = &kids[2 * ord[j - 1]];
            int c = rk_json_key_cmp(text, key->len, key_text(p, before), before->len);

            if (c == 0)
                return fail(p, (size_t)key->x.at, "duplicate object key");
            if (c > 0)
                break;
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = (uint32_t)i;
    }
    return 0;
}

/* Close the innermost container: its children move to the pool, it becomes one node. */
static int close_container(struct rk_json_parser *p)
{
    struct frame *f = &p->fr[--p->fr_n];
    size_t n = p->stk_n - f->start, members = f->is_object ? n / 2 : n;
    struct rk_json *v;
    int rc;

    if (grow((void **)&p->pool, &p->pool_cap, p->pool_n, n, sizeof(*p->pool)) != 0 ||
        (f->is_object && grow((void **)&p->ord, &p->ord_cap, p->ord_n, members, 4) != 0))
        return RK_ENOMEM;
    if (n > 0)
        memcpy(p->pool + p->pool_n, p->stk + f->start, n * sizeof(*p->stk));
    else if (!push(p)) /* an empty container: its own node takes a new slot */
        return RK_ENOMEM;
    v = &p->stk[f->start];
    v->flags = 0;
    v->len = (uint32_t)members;
    v->u.off = p->pool_n;
    p->pool_n += n;
    if (f->is_object) {
        v->type = RK_JSON_OBJECT;
        if (members > 0 &&
            (rc = order_members(p, p->pool + v->u.off, members, p->ord + p->ord_n)) != 0)
            return rc;
        v->x.off = p->ord_n;
        p->ord_n += members;
    } else {
        v->type = RK_JSON_ARRAY;
        v->x.off = 0;
        if (n > p->st.max_items)
            p->st.max_items = n;
    }
    p->stk_n = f->start + 1;
    return 0;
}

static int open_container(struct rk_json_parser *p, size_t at, int is_object)
{
    if (p->fr_n >= p->max_depth)
        return fail(p, at, "nesting too deep");
    if (p->fr_n == p->fr_cap &&
        grow((void **)&p->fr, &p->fr_cap, p->fr_n, 1, sizeof(*p->fr)) != 0)
        return RK_ENOMEM;
    p->fr[p->fr_n].start = p->stk_n;
    p->fr[p->fr_n++].is_object = is_object;
    if (p->fr_n + 1 > p->st.depth)
        p->st.depth = p->fr_n + 1;
    return 0;
}

static inline size_t skip_ws(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t'))
        i++;
    return i;
}

/* A key and its ':' from src[*i]; *i moves to the value. */
static int parse_key(struct rk_json_parser *p, size_t *i)
{
    int rc;

    if (*i >= p->len || p->src[*i] != '"')
        return fail(p, *i, *i >= p->len ? "the text ends inside an object"
                                        : "a quoted key is expected");
    if ((rc = parse_string(p, *i, i)) != 0)
        return rc;
    *i = skip_ws(p->src, *i, p->len);
    if (*i >= p->len || p->src[*i] != ':')
        return fail(p, *i, "':' is expected after a key");
    *i = skip_ws(p->src, *i + 1, p->len);
    return 0;
}

/* One value from src[*i] (after white space). A '{' or '[' only opens its container. */
static int parse_value(struct rk_json_parser *p, size_t *i)
{
    const char *s = p->src;
    char c;
    int rc;

    if (*i >= p->len)
        return fail(p, *i, "the text ends where a value is expected");
    c = s[*i];
    if (c == '"')
        return parse_string(p, *i, i);
    if (c == '{' || c == '[') {
        if ((rc = open_container(p, *i, c == '{')) != 0)
            return rc;
        *i = skip_ws(s, *i + 1, p->len);
        if (*i < p->len && s[*i] == (c == '{' ? '}' : ']')) {
            (*i)++; /* empty */
            return close_container(p);
        }
        return c == '{' ? parse_key(p, i) : 0;
    }
    if (c == '-' || is_digit(c))
        return parse_number(p, *i, i);
    if (c == 't' || c == 'f' || c == 'n')
        return parse_literal(p, *i, i);
    return fail(p, *i, "a value is expected");
}

/* After a value inside a container: ',' and the next value, or the closing bracket. 1 when
 * a value follows, 0 when the container closed. */
static int after_value(struct rk_json_parser *p, size_t *i)
{
    const struct frame *f = &p->fr[p->fr_n - 1];
    const char *s = p->src;
    int rc;

    *i = skip_ws(s, *i, p->len);
    if (*i >= p->len)
        return fail(p, *i, f->is_object ? "the text ends inside an object"
                                        : "the text ends inside an array");
    if (s[*i] == (f->is_object ? '}' : ']')) {
        (*i)++;
        return (rc = close_container(p)) != 0 ? rc : 0;
    }
    if (s[*i] != ',')
        return fail(p, *i, f->is_object ? "',' or '}' is expected after an object member"
                                        : "',' or ']' is expected after an array element");
    *i = skip_ws(s, *i + 1, p->len);
    if (f->is_object && (rc = parse_key(p, i)) != 0)
        return rc;
    return 1;
}

/* The whole value from src[*i]. */
static int parse_all(struct rk_json_parser *p, size_t *i)
{
    size_t depth;
    int rc;

    for (;;) {
        depth = p->fr_n;
        if ((rc = parse_value(p, i)) != 0)
            return rc;
        if (p->fr_n > depth)
            continue; /* a container opened: its first value follows */
        rc = 0;
        while (p->fr_n > 0 && (rc = after_value(p, i)) == 0) {
        }
        if (rc < 0)
            return rc;
        if (p->fr_n == 0)
            return 0;
    }
}

/* ---- the document ---------------------------------------------------------------------------- */

/* Offsets to pointers, in one pass over the nodes (the root first, then the pool). */
static void fix_up(struct rk_json *nodes, size_t n, const uint32_t *ord, const char *str,
                   char *text)
{
    for (size_t i = 0; i < n; i++) {
        struct rk_json *v = &nodes[i];

        switch (v->type) {
        case RK_JSON_STRING:
            if (v->flags & RK_JSON_F_ESCAPED) {
                v->u.s = str + v->u.off;
            } else {
                text[v->u.off + v->len] = '\0'; /* the closing quote */
                v->u.s = text + v->u.off;
            }
            break;
        case RK_JSON_INT:
        case RK_JSON_REAL:
            v->u.s = text + v->u.off;
            break;
        case RK_JSON_OBJECT:
            v->x.order = ord + v->x.off;
            v->u.kids = nodes + 1 + v->u.off;
            break;
        case RK_JSON_ARRAY:
            v->u.kids = nodes + 1 + v->u.off;
            break;
        default:
            v->u.s = NULL;
            break;
        }
    }
}

static int build(struct rk_json_parser *p, size_t text_len, struct rk_json_doc **out)
{
    size_t nodes = 1 + p->pool_n, size = sizeof(struct rk_json_doc);
    size_t at_ord, at_str, at_text;
    struct rk_json_doc *d;
    char *base;

    size += nodes * sizeof(struct rk_json);
    at_ord = size;
    size += p->ord_n * sizeof(uint32_t);
    at_str = size;
    size += p->str_n;
    at_text = size;
    size += text_len + 1;
    if ((base = rk_malloc(size)) == NULL)
        return RK_ENOMEM;
    d = (struct rk_json_doc *)base;
    d->root = (struct rk_json *)(base + sizeof(*d));
    d->stats = p->st;
    d->text_len = text_len;
    d->extra = NULL;
    d->root[0] = p->stk[0];
    if (p->pool_n)
        memcpy(d->root + 1, p->pool, p->pool_n * sizeof(struct rk_json));
    if (p->ord_n)
        memcpy(base + at_ord, p->ord, p->ord_n * sizeof(uint32_t));
    if (p->str_n)
        memcpy(base + at_str, p->str, p->str_n);
    memcpy(base + at_text, p->src, text_len);
    base[at_text + text_len] = '\0';
    fix_up(d->root, nodes, (const uint32_t *)(base + at_ord), base + at_str, base + at_text);
    *out = d;
    return 0;
}

void rk_json_line_col(const char *s, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

static void reset(struct rk_json_parser *p, const char *text, size_t len)
{
    p->stk_n = p->pool_n = p->ord_n = p->str_n = p->fr_n = 0;
    memset(&p->st, 0, sizeof(p->st));
    p->st.depth = 1;
    p->src = text;
    p->len = len;
    p->what = NULL;
}

int rk_json_parse(struct rk_json_parser *p, const char *text, size_t len, unsigned flags,
                  struct rk_json_doc **out, size_t *end_out, struct rk_err *err)
{
    size_t i;
    int rc;

    *out = NULL;
    if (len >= UINT32_MAX)
        return rk_err_set(err, RK_ELIMIT, "JSON text of %zu bytes is too large", len);
    reset(p, text, len);
    i = skip_ws(text, 0, len);
    if (!(flags & RK_JSON_ANY) && (i >= len || (text[i] != '{' && text[i] != '[')))
        rc = fail(p, i, "'{' or '[' is expected");
    else
        rc = parse_all(p, &i);
    if (rc == 0 && !(flags & RK_JSON_PREFIX) && (i = skip_ws(text, i, len)) < len)
        rc = fail(p, i, "the text goes on after the JSON value");
    if (rc == 0)
        rc = build(p, (flags & RK_JSON_PREFIX) ? i : len, out);
    if (rc == RK_EFORMAT) {
        rk_err_set(err, rc, "%s", p->what);
        rk_err_set_offset(err, (long long)p->err_at);
    } else if (rc == RK_ENOMEM) {
        rk_err_set(err, rc, "out of memory while parsing JSON");
    }
    if (rc == 0 && end_out)
        *end_out = i;
    return rc;
}

int rk_json_parse_once(const char *text, size_t len, unsigned flags, struct rk_json_doc **out,
                       struct rk_err *err)
{
    struct rk_json_parser *p = NULL;
    int rc;

    *out = NULL;
    if (rk_json_parser_new(&p) != 0)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    rc = rk_json_parse(p, text, len, flags, out, NULL, err);
    rk_json_parser_free(p);
    return rc;
}
