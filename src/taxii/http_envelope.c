/* http_envelope.c - check that a request body is a TAXII envelope (section 3.7): one JSON
 * object whose "objects" member is a list, with nothing after it. The objects themselves are
 * left to the STIX reader, which reports each one's problems separately; everything else in
 * the body is checked here to the JSON grammar (RFC 8259), so a malformed body is refused as a
 * whole with the byte offset of the problem. */
#include "taxii/http_request.h"

#include <string.h>

#define DEPTH_MAX 128

struct scan {
    const char *p;
    size_t len, pos;
    struct rk_err *err;
};

static int fail(struct scan *s, const char *what)
{
    rk_err_set(s->err, RK_EFORMAT, "the body is not a TAXII envelope: %s at byte %zu", what,
               s->pos);
    rk_err_set_offset(s->err, (long long)s->pos);
    return RK_EFORMAT;
}

static void ws(struct scan *s)
{
    while (s->pos < s->len && (s->p[s->pos] == ' ' || s->p[s->pos] == '\t' ||
                               s->p[s->pos] == '\n' || s->p[s->pos] == '\r'))
        s->pos++;
}

static int peek(const struct scan *s)
{
    return s->pos < s->len ? (unsigned char)s->p[s->pos] : -1;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string starting at the opening quote. */
static int skip_string(struct scan *s)
{
    s->pos++;
    while (s->pos < s->len) {
        unsigned char c = (unsigned char)s->p[s->pos];

        if (c == '"') {
            s->pos++;
            return 0;
        }
        if (c < 0x20)
            return fail(s, "a control character in a string");
        if (c == '\\') {
            char e = s->pos + 1 < s->len ? s->p[s->pos + 1] : '\0';

            if (e == 'u') {
                if (s->pos + 6 > s->len || !is_hex(s->p[s->pos + 2]) ||
                    !is_hex(s->p[s->pos + 3]) || !is_hex(s->p[s->pos + 4]) ||
                    !is_hex(s->p[s->pos + 5]))
                    return fail(s, "a bad \\u escape");
                s->pos += 6;
                continue;
            }
            if (!e || !strchr("\"\\/bfnrt", e))
                return fail(s, "a bad escape in a string");
            s->pos += 2;
            continue;
        }
        s->pos++;
    }
    return fail(s, "an unterminated string");
}

static size_t digits(struct scan *s)
{
    size_t start = s->pos;

    while (s->pos < s->len && s->p[s->pos] >= '0' && s->p[s->pos] <= '9')
        s->pos++;
    return s->pos - start;
}

/* number = [ "-" ] int [ frac ] [ exp ] */
static int skip_number(struct scan *s)
{
    if (peek(s) == '-')
        s->pos++;
    if (peek(s) == '0')
        s->pos++;
    else if (digits(s) == 0)
        return fail(s, "a malformed number");
    if (peek(s) == '.') {
        s->pos++;
        if (digits(s) == 0)
            return fail(s, "a malformed number");
    }
    if (peek(s) == 'e' || peek(s) == 'E') {
        s->pos++;
        if (peek(s) == '+' || peek(s) == '-')
            s->pos++;
        if (digits(s) == 0)
            return fail(s, "a malformed number");
    }
    return 0;
}

static int skip_literal(struct scan *s)
{
    static const char *const words[] = {"true", "false", "null"};

    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);

        if (s->len - s->pos >= n && memcmp(s->p + s->pos, words[i], n) == 0) {
            s->pos += n;
            return 0;
        }
    }
    return fail(s, "an unexpected character");
}

static int skip_value(struct scan *s, int depth);

/* An object or an array starting at its opening bracket. */
static int skip_container(struct scan *s, int depth)
{
    char close = s->p[s->pos] == '{' ? '}' : ']';
    int first = 1, rc;

    if (depth >= DEPTH_MAX)
        return fail(s, "nesting deeper than 128 levels");
    s->pos++;
    for (;;) {
        ws(s);
        if (peek(s) == close) {
            s->pos++;
            return 0;
        }
        if (peek(s) < 0)
            return fail(s, "the body ends too early");
        if (!first) {
            if (peek(s) != ',')
                return fail(s, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
            s->pos++;
            ws(s);
        }
        first = 0;
        if (close == '}') {
            if (peek(s) != '"')
                return fail(s, "expected a quoted member name");
            if ((rc = skip_string(s)) != 0)
                return rc;
            ws(s);
            if (peek(s) != ':')
                return fail(s, "expected ':'");
            s->pos++;
        }
        if ((rc = skip_value(s, depth + 1)) != 0)
            return rc;
    }
}

static int skip_value(struct scan *s, int depth)
{
    int c;

    ws(s);
    c = peek(s);
    if (c == '{' || c == '[')
        return skip_container(s, depth);
    if (c == '"')
        return skip_string(s);
    if (c == '-' || (c >= '0' && c <= '9'))
        return skip_number(s);
    if (c < 0)
        return fail(s, "the body ends too early");
    return skip_literal(s);
}

/* 1 when the quoted key at s->p[start..end) is exactly "name". */
static int key_is(const struct scan *s, size_t start, size_t end, const char *name)
{
    size_t n = strlen(name);

    return end - start == n + 2 && memcmp(s->p + start + 1, name, n) == 0;
}

/* One member of the envelope: "objects" must be a list, "type" (when a STIX bundle is posted)
 * must be "bundle". */
static int envelope_member(struct scan *s, int *objects, size_t *first_object)
{
    size_t key = s->pos, key_end, value;
    int rc;

    if (peek(s) != '"')
        return fail(s, "expected a quoted member name");
    if ((rc = skip_string(s)) != 0)
        return rc;
    key_end = s->pos;
    ws(s);
    if (peek(s) != ':')
        return fail(s, "expected ':'");
    s->pos++;
    ws(s);
    value = s->pos;
    if (key_is(s, key, key_end, "objects")) {
        if (*objects)
            return fail(s, "\"objects\" given twice");
        if (peek(s) != '[')
            return fail(s, "\"objects\" must be a list");
        *objects = 1;
        *first_object = value;
    }
    if ((rc = skip_value(s, 1)) != 0)
        return rc;
    if (key_is(s, key, key_end, "type") &&
        !(s->pos - value == 8 && memcmp(s->p + value, "\"bundle\"", 8) == 0)) {
        s->pos = value;
        return fail(s, "\"type\" is not \"bundle\" (post an envelope, not a single object)");
    }
    return 0;
}

int rk_taxii_envelope_check(const char *p, size_t len, struct rk_err *err)
{
    struct scan s = {p, len, 0, err};
    size_t first_object = 0;
    int objects = 0, first = 1, rc;

    ws(&s);
    if (peek(&s) != '{')
        return fail(&s, "expected a JSON object");
    s.pos++;
    for (;;) {
        ws(&s);
        if (peek(&s) == '}')
            break;
        if (peek(&s) < 0)
            return fail(&s, "the body ends too early");
        if (!first) {
            if (peek(&s) != ',')
                return fail(&s, "expected ',' or '}'");
            s.pos++;
            ws(&s);
        }
        first = 0;
        if ((rc = envelope_member(&s, &objects, &first_object)) != 0)
            return rc;
    }
    s.pos++;
    ws(&s);
    if (s.pos != s.len)
        return fail(&s, "unexpected data after the envelope");
    if (!objects)
        return rk_err_set(err, RK_EFORMAT, "the envelope has no \"objects\" list");
    s.pos = first_object + 1;
    ws(&s);
    if (peek(&s) == ']')
        return rk_err_set(err, RK_EFORMAT,
                          "the envelope's \"objects\" list is empty (TAXII lists are never "
                          "empty; send at least one object)");
    return 0;
}
