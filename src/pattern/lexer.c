/* lexer.c - tokens of STIXPattern.g4, with ANTLR's longest-match rule, and literal decoding. */
#include "pattern/internal.h"
#include "util/rktime.h"
#include "util/strparse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* STIX integers are signed 54-bit values (section 2.10). */
#define PATTERN_INT_MAX ((int64_t)9007199254740991)

int pattern_fail(struct rk_err *err, int code, size_t off, const char *fmt, ...)
{
    char msg[RK_ERR_MESSAGE_MAX - 32];
    va_list ap;

    if (!err)
        return code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rk_err_set(err, code, "%s at byte %zu", msg, off);
    rk_err_set_offset(err, (long long)off);
    return code;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(char c)
{
    return is_ident_start(c) || is_digit(c);
}

static int is_hex_digit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_b64_char(char c)
{
    return is_ident_char(c) && c != '_' ? 1 : c == '+' || c == '/';
}

/* With their lengths: every identifier is looked up here, and a strlen per keyword per
 * identifier was over a quarter of the lexer's time. */
#define KW(word, kind)                                                                             \
    {                                                                                              \
        word, sizeof(word) - 1, kind                                                               \
    }
static const struct {
    const char *word;
    size_t len;
    enum tok_kind kind;
} keywords[] = {
        KW("AND", T_AND),
        KW("OR", T_OR),
        KW("NOT", T_NOT),
        KW("FOLLOWEDBY", T_FOLLOWEDBY),
        KW("LIKE", T_LIKE),
        KW("MATCHES", T_MATCHES),
        KW("ISSUPERSET", T_ISSUPERSET),
        KW("ISSUBSET", T_ISSUBSET),
        KW("EXISTS", T_EXISTS),
        KW("LAST", T_LAST),
        KW("IN", T_IN),
        KW("START", T_START),
        KW("STOP", T_STOP),
        KW("SECONDS", T_SECONDS),
        KW("WITHIN", T_WITHIN),
        KW("REPEATS", T_REPEATS),
        KW("TIMES", T_TIMES),
        KW("true", T_TRUE),
        KW("false", T_FALSE),
};
#undef KW

static enum tok_kind keyword_kind(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
        if (keywords[i].len == len && memcmp(keywords[i].word, s, len) == 0)
            return keywords[i].kind;
    }
    return T_IDENT;
}

/* Skip white space and comments; RK_EFORMAT for an unterminated block comment. */
static int skip_space(struct lexer *lx)
{
    uint32_t cp;
    size_t n;

    while (lx->pos < lx->len) {
        const char *p = lx->s + lx->pos;
        size_t rest = lx->len - lx->pos;

        if (rest >= 2 && p[0] == '/' && p[1] == '*') {
            const char *end = rest > 2 ? memmem(p + 2, rest - 2, "*/", 2) : NULL;

            if (!end)
                return pattern_fail(lx->err, RK_EFORMAT, lx->pos, "unterminated /* comment");
            lx->pos = (size_t)(end - lx->s) + 2;
        } else if (rest >= 2 && p[0] == '/' && p[1] == '/') {
            while (lx->pos < lx->len && lx->s[lx->pos] != '\n' && lx->s[lx->pos] != '\r')
                lx->pos++;
        } else if ((n = utf8_decode(p, rest, &cp)) != 0 && utf8_is_space(cp)) {
            lx->pos += n;
        } else {
            break;
        }
    }
    return 0;
}

/* A quoted string starting at the quote at lx->pos; escapes \' and \\ only. */
static int lex_string(struct lexer *lx, struct tok *t)
{
    size_t pos = lx->pos + 1;

    while (pos < lx->len) {
        char c = lx->s[pos];

        if (c == '\'') {
            t->kind = T_STRING;
            t->len = pos + 1 - t->off;
            lx->pos = pos + 1;
            return 0;
        }
        if (c == '\\') {
            if (pos + 1 >= lx->len)
                break;
            if (lx->s[pos + 1] != '\'' && lx->s[pos + 1] != '\\')
                return pattern_fail(lx->err, RK_EFORMAT, pos,
                                    "invalid escape in string constant: only \\' and \\\\ are "
                                    "allowed");
            pos += 2;
            continue;
        }
        pos++;
    }
    return pattern_fail(lx->err, RK_EFORMAT, t->off, "unterminated string constant");
}

static int check_timestamp(struct lexer *lx, size_t start, size_t len)
{
    struct rk_err terr;
    struct rk_time tm;

    rk_err_clear(&terr);
    if (rk_time_parse(&tm, lx->s + start, len, RK_TIME_STIX, &terr) != 0) {
        char *where = strstr(terr.message, " at character");

        if (where)
            *where = '\0'; /* our message gives the position in the pattern */
        return pattern_fail(lx->err, RK_EFORMAT,
                            start + (terr.offset >= 0 ? (size_t)terr.offset : 0),
                            "invalid timestamp constant: %s", terr.message);
    }
    return 0;
}

static int check_hex(struct lexer *lx, size_t start, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_hex_digit(lx->s[start + i]))
            return pattern_fail(lx->err, RK_EFORMAT, start + i,
                                "invalid hex constant: expected a hex digit");
    }
    if (len % 2)
        return pattern_fail(lx->err, RK_EFORMAT, start + len,
                            "invalid hex constant: odd number of hex digits");
    return 0;
}

/* base64 per RFC 4648 with padding; line feeds (and CR) are ignored (section 9.2). */
static int check_base64(struct lexer *lx, size_t start, size_t len)
{
    size_t n = 0, pad = 0;

    for (size_t i = 0; i < len; i++) {
        char c = lx->s[start + i];

        if (c == '\n' || c == '\r')
            continue;
        if (c == '=' && n % 4 >= 2 && pad < 2) {
            pad++;
            n++;
            continue;
        }
        if (!is_b64_char(c) || pad)
            return pattern_fail(lx->err, RK_EFORMAT, start + i,
                                "invalid binary constant: not base64");
        n++;
    }
    if (n == 0 || n % 4 || (pad == 1 && n % 4 != 0))
        return pattern_fail(lx->err, RK_EFORMAT, start + len,
                            "invalid binary constant: base64 length must be a non-zero "
                            "multiple of 4");
    return 0;
}

/* t'..', b'..', h'..' starting at lx->pos (the letter). */
static int lex_typed(struct lexer *lx, struct tok *t, char prefix)
{
    size_t start = lx->pos + 2, end = start;
    int rc;

    while (end < lx->len && lx->s[end] != '\'')
        end++;
    if (end >= lx->len)
        return pattern_fail(lx->err, RK_EFORMAT, t->off, "unterminated %c'...' constant", prefix);
    if (prefix == 't')
        rc = check_timestamp(lx, start, end - start), t->kind = T_TIMESTAMP;
    else if (prefix == 'b')
        rc = check_base64(lx, start, end - start), t->kind = T_BINARY;
    else
        rc = check_hex(lx, start, end - start), t->kind = T_HEX;
    if (rc != 0)
        return rc;
    t->len = end + 1 - t->off;
    lx->pos = end + 1;
    return 0;
}

static void lex_ident(struct lexer *lx, struct tok *t)
{
    size_t pos = lx->pos;
    int hyphen = 0;

    while (pos < lx->len && (is_ident_char(lx->s[pos]) || lx->s[pos] == '-')) {
        if (lx->s[pos] == '-')
            hyphen = 1;
        pos++;
    }
    t->len = pos - t->off;
    t->kind = hyphen ? T_IDENT_HYPHEN : keyword_kind(lx->s + t->off, t->len);
    lx->pos = pos;
}

/* Numbers: IntPos '+'?('0'|[1-9][0-9]*), IntNeg, FloatPos '+'?[0-9]*'.'[0-9]+, FloatNeg. */
static void lex_number(struct lexer *lx, struct tok *t)
{
    size_t pos = lx->pos, digits;
    int neg = 0;

    if (lx->s[pos] == '+' || lx->s[pos] == '-')
        neg = lx->s[pos++] == '-';
    digits = pos;
    while (digits < lx->len && is_digit(lx->s[digits]))
        digits++;
    if (digits + 1 < lx->len && lx->s[digits] == '.' && is_digit(lx->s[digits + 1])) {
        digits++;
        while (digits < lx->len && is_digit(lx->s[digits]))
            digits++;
        t->kind = neg ? T_FLOAT_NEG : T_FLOAT;
        lx->pos = digits;
    } else if (pos < lx->len && is_digit(lx->s[pos])) {
        digits = lx->s[pos] == '0' ? pos + 1 : digits;
        t->kind = neg ? T_INT_NEG : T_INT;
        lx->pos = digits;
    } else {
        t->kind = T_OTHER; /* a lone sign */
        lx->pos = pos;
    }
    t->len = lx->pos - t->off;
}

static void lex_operator(struct lexer *lx, struct tok *t)
{
    char c = lx->s[lx->pos];
    char next = lx->pos + 1 < lx->len ? lx->s[lx->pos + 1] : '\0';

    t->len = 1;
    switch (c) {
    case '=':
        t->kind = T_EQ, t->len = next == '=' ? 2 : 1;
        break;
    case '!':
        t->kind = next == '=' ? T_NEQ : T_OTHER, t->len = next == '=' ? 2 : 1;
        break;
    case '<':
        t->kind = next == '=' ? T_LE : next == '>' ? T_NEQ : T_LT;
        t->len = next == '=' || next == '>' ? 2 : 1;
        break;
    default: /* '>' */
        t->kind = next == '=' ? T_GE : T_GT, t->len = next == '=' ? 2 : 1;
        break;
    }
    lx->pos += t->len;
}

static int lex_punct(struct lexer *lx, struct tok *t)
{
    static const char punct[] = "[]():,.*";
    static const enum tok_kind kinds[] = {T_LBRACK, T_RBRACK, T_LPAREN, T_RPAREN,
                                          T_COLON,  T_COMMA,  T_DOT,    T_STAR};
    const char *at = strchr(punct, lx->s[lx->pos]);

    if (!at || lx->s[lx->pos] == '\0')
        return 0;
    t->kind = kinds[at - punct];
    t->len = 1;
    lx->pos++;
    return 1;
}

int lex_next(struct lexer *lx, struct tok *t)
{
    char c, next;
    int rc;
    uint32_t cp;

    if ((rc = skip_space(lx)) != 0)
        return rc;
    t->off = lx->pos;
    t->len = 0;
    t->kind = T_EOF;
    if (lx->pos >= lx->len)
        return 0;
    c = lx->s[lx->pos];
    next = lx->pos + 1 < lx->len ? lx->s[lx->pos + 1] : '\0';
    if (c == '.' && is_digit(next))
        lex_number(lx, t);
    else if (lex_punct(lx, t))
        return 0;
    else if (c == '=' || c == '!' || c == '<' || c == '>')
        lex_operator(lx, t);
    else if (c == '\'')
        return lex_string(lx, t);
    else if (is_digit(c) || c == '+' || c == '-')
        lex_number(lx, t);
    else if ((c == 't' || c == 'b' || c == 'h') && next == '\'')
        return lex_typed(lx, t, c);
    else if (is_ident_start(c))
        lex_ident(lx, t);
    else {
        size_t n = utf8_decode(lx->s + lx->pos, lx->len - lx->pos, &cp);

        t->kind = T_OTHER;
        t->len = n ? n : 1;
        lx->pos += t->len;
    }
    return 0;
}

void tok_describe(const struct lexer *lx, const struct tok *t, char *buf, size_t cap)
{
    size_t n = t->len;
    const char *more = "";

    if (t->kind == T_EOF) {
        snprintf(buf, cap, "end of pattern");
        return;
    }
    if (n > 32) {
        n = 32;
        while (n > 0 && ((unsigned char)lx->s[t->off + n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
        more = "...";
    }
    if (t->kind == T_STRING)
        snprintf(buf, cap, "string %.*s%s", (int)n, lx->s + t->off, more);
    else if (t->kind >= T_INT && t->kind <= T_HEX)
        snprintf(buf, cap, "constant %.*s%s", (int)n, lx->s + t->off, more);
    else if (t->kind == T_OTHER)
        snprintf(buf, cap, "unexpected character '%.*s'", (int)n, lx->s + t->off);
    else
        snprintf(buf, cap, "'%.*s%s'", (int)n, lx->s + t->off, more);
}

int lit_string(struct pool *pl, const struct lexer *lx, const struct tok *t, const char **out,
               size_t *len_out)
{
    const char *raw = lx->s + t->off + 1;
    size_t raw_len = t->len - 2, o = 0;
    char *d = pool_alloc(pl, raw_len + 1);

    if (!d)
        return RK_ENOMEM;
    for (size_t i = 0; i < raw_len; i++) {
        if (raw[i] == '\\')
            i++; /* the lexer allowed only \' and \\ */
        d[o++] = raw[i];
    }
    d[o] = '\0';
    *out = d;
    *len_out = o;
    return 0;
}

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static int decode_base64(struct pool *pl, const char *s, size_t len, struct rk_pattern_const *c)
{
    char *d = pool_alloc(pl, len / 4 * 3 + 4);
    uint32_t acc = 0;
    size_t o = 0;
    int bits = 0, v;

    if (!d)
        return RK_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        if ((v = b64_value(s[i])) < 0)
            continue; /* line breaks and padding, checked by the lexer */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    d[o] = '\0';
    c->str = d;
    c->len = o;
    return 0;
}

static int hex_value(char c)
{
    return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int decode_hex(struct pool *pl, const char *s, size_t len, struct rk_pattern_const *c)
{
    char *d = pool_alloc(pl, len / 2 + 1);

    if (!d)
        return RK_ENOMEM;
    for (size_t i = 0; i + 1 < len; i += 2)
        d[i / 2] = (char)(hex_value(s[i]) * 16 + hex_value(s[i + 1]));
    c->str = d;
    c->len = len / 2;
    return 0;
}

static int decode_number(struct pool *pl, const struct lexer *lx, const struct tok *t,
                         struct rk_pattern_const *c)
{
    const char *s = lx->s + t->off;
    size_t len = t->len;
    char *copy, *end;
    int64_t v;

    if (s[0] == '+')
        s++, len--;
    if (t->kind == T_INT || t->kind == T_INT_NEG) {
        if (rk_parse_i64(s, len, -PATTERN_INT_MAX, PATTERN_INT_MAX, &v) != 0)
            return pattern_fail(lx->err, RK_EFORMAT, t->off,
                                "integer constant out of range (STIX integers lie within "
                                "-(2^53)+1 and (2^53)-1)");
        c->type = RK_PATTERN_CONST_INT;
        c->integer = v;
        c->real = (double)v;
        return 0;
    }
    if (!(copy = pool_strndup(pl, s, len)))
        return RK_ENOMEM;
    c->type = RK_PATTERN_CONST_FLOAT;
    c->real = strtod(copy, &end);
    if (end != copy + len || !isfinite(c->real))
        return pattern_fail(lx->err, RK_EFORMAT, t->off, "float constant out of range");
    return 0;
}

int lit_decode(struct pool *pl, const struct lexer *lx, const struct tok *t,
               struct rk_pattern_const *c)
{
    const char *inner = lx->s + t->off + 2;
    size_t inner_len = t->len >= 3 ? t->len - 3 : 0;
    struct rk_time tm;

    c->text = lx->s + t->off;
    c->text_len = t->len;
    switch (t->kind) {
    case T_STRING:
        c->type = RK_PATTERN_CONST_STRING;
        return lit_string(pl, lx, t, &c->str, &c->len);
    case T_TRUE:
    case T_FALSE:
        c->type = RK_PATTERN_CONST_BOOL;
        c->integer = t->kind == T_TRUE;
        return 0;
    case T_TIMESTAMP:
        c->type = RK_PATTERN_CONST_TIMESTAMP;
        if (rk_time_parse(&tm, inner, inner_len, RK_TIME_STIX, NULL) != 0)
            return RK_EINTERNAL; /* the lexer checked it */
        c->sec = tm.sec;
        c->nsec = tm.nsec;
        c->len = inner_len;
        return (c->str = pool_strndup(pl, inner, inner_len)) ? 0 : RK_ENOMEM;
    case T_BINARY:
        c->type = RK_PATTERN_CONST_BINARY;
        return decode_base64(pl, inner, inner_len, c);
    case T_HEX:
        c->type = RK_PATTERN_CONST_HEX;
        return decode_hex(pl, inner, inner_len, c);
    default:
        return decode_number(pl, lx, t, c);
    }
}
