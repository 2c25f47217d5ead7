/* regex.c - MATCHES: PCRE2 compiled once per atom, search semantics with DOTALL (9.6.1). */
#include "pattern/internal.h"
#include "util/alloc.h"

#include <string.h>

/* Bounds on one match, so a hostile regex cannot stall the matcher (ReDoS). */
#define REGEX_MATCH_LIMIT    1000000
#define REGEX_DEPTH_LIMIT    10000
#define REGEX_HEAP_LIMIT_KIB 16384

static void *gctx_malloc(size_t n, void *data)
{
    (void)data;
    return rk_malloc(n);
}

static void gctx_free(void *p, void *data)
{
    (void)data;
    rk_free(p);
}

static int ensure_contexts(struct rk_pattern *p)
{
    if (!p->gctx && !(p->gctx = pcre2_general_context_create(gctx_malloc, gctx_free, NULL)))
        return RK_ENOMEM;
    if (!p->mctx) {
        if (!(p->mctx = pcre2_match_context_create(p->gctx)))
            return RK_ENOMEM;
        pcre2_set_match_limit(p->mctx, REGEX_MATCH_LIMIT);
        pcre2_set_depth_limit(p->mctx, REGEX_DEPTH_LIMIT);
        pcre2_set_heap_limit(p->mctx, REGEX_HEAP_LIMIT_KIB);
    }
    return 0;
}

/* Byte offset in the pattern text of unescaped byte u of the string token t. */
static size_t map_offset(const struct lexer *lx, const struct tok *t, size_t u)
{
    size_t raw = t->off + 1, end = t->off + t->len - 1;

    while (raw < end && u > 0) {
        raw += lx->s[raw] == '\\' ? 2 : 1;
        u--;
    }
    return raw;
}

/* Byte offset in s of code point number cp. */
static size_t cp_to_byte(const char *s, size_t len, size_t cp)
{
    size_t pos = 0, n;
    uint32_t c;

    while (pos < len && cp > 0) {
        n = utf8_decode(s + pos, len - pos, &c);
        pos += n ? n : 1;
        cp--;
    }
    return pos;
}

static int compile(struct rk_pattern *p, const char *s, size_t len, uint32_t options,
                   pcre2_code **out, int *errcode, size_t *erroff)
{
    pcre2_compile_context *cctx = pcre2_compile_context_create(p->gctx);
    PCRE2_SIZE off = 0;

    if (!cctx)
        return RK_ENOMEM;
    *out = pcre2_compile((PCRE2_SPTR)s, len, options, errcode, &off, cctx);
    pcre2_compile_context_free(cctx);
    *erroff = off;
    return 0;
}

static int compile_fail(const struct lexer *lx, const struct tok *t, int errcode, size_t off,
                        struct rk_err *err)
{
    PCRE2_UCHAR msg[160];

    if (errcode == PCRE2_ERROR_NOMEMORY || errcode == PCRE2_ERROR_HEAP_FAILED)
        return RK_ENOMEM;
    if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
        memcpy(msg, "unknown error", sizeof("unknown error"));
    return pattern_fail(err, RK_EFORMAT, map_offset(lx, t, off), "invalid regular expression: %s",
                        (const char *)msg);
}

int regex_compile(struct rk_pattern *p, struct patom *a, const struct lexer *lx,
                  const struct tok *t, struct rk_err *err)
{
    const struct rk_pattern_const *c = &a->value;
    const struct cextra *x = &a->extra[0];
    struct pregex *re;
    pcre2_code *code = NULL;
    size_t erroff = 0;
    int errcode = 0, rc;

    if ((rc = ensure_contexts(p)) != 0 || !(re = pool_alloc(&p->pool, sizeof(*re))))
        return RK_ENOMEM;
    /* text properties: UTF and Unicode classes; binary ones: bytes (9.6.1, "MUST NOT" UNICODE) */
    if ((rc = compile(p, c->str, c->len, PCRE2_DOTALL | PCRE2_UTF | PCRE2_UCP, &code, &errcode,
                      &erroff)) != 0)
        return rc;
    if (!code)
        return compile_fail(lx, t, errcode, erroff, err);
    if (a->flags & PA_BINARY) {
        pcre2_code_free(code);
        code = NULL;
        if (x->latin1) { /* else some code point is >= U+0100: it can never match bytes */
            if ((rc = compile(p, x->latin1, x->latin1_len, PCRE2_DOTALL, &code, &errcode,
                              &erroff)) != 0)
                return rc;
            if (!code)
                return compile_fail(lx, t, errcode, cp_to_byte(c->str, c->len, erroff), err);
        }
        re->binary = 1;
    }
    re->code = code;
    re->next = p->regexes;
    p->regexes = re;
    a->re = re;
    return 0;
}

int regex_search(const struct rk_pattern *p, const struct pregex *re, const char *subj, size_t len,
                 pcre2_match_data **md)
{
    int rc;

    if (!re->code)
        return 0;
    if (!*md && !(*md = pcre2_match_data_create(1, p->gctx)))
        return RK_ENOMEM;
    rc = pcre2_match(re->code, (PCRE2_SPTR)subj, len, 0, 0, *md, p->mctx);
    if (rc == PCRE2_ERROR_NOMEMORY)
        return RK_ENOMEM;
    /* no match, a limit hit or (for text) a subject that is not UTF-8: all "false" */
    return rc >= 0 ? 1 : 0;
}

void regex_free_all(struct rk_pattern *p)
{
    for (struct pregex *re = p->regexes; re; re = re->next)
        pcre2_code_free(re->code);
    p->regexes = NULL;
    pcre2_match_context_free(p->mctx);
    pcre2_general_context_free(p->gctx);
    p->mctx = NULL;
    p->gctx = NULL;
}
