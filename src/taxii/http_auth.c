/* http_auth.c - the Authorization header: HTTP Basic (RFC 7617), which TAXII 2.1 suggests,
 * and Bearer tokens (RFC 6750). Only parsing; verification is src/taxii/server_auth.c. */
#include "taxii/http_request.h"

#include <string.h>
#include <strings.h>

static int is_token68_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

/* token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int token68_ok(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len && is_token68_char(s[i]))
        i++;
    if (i == 0)
        return 0;
    while (i < len && s[i] == '=')
        i++;
    return i == len;
}

static int printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static int parse_basic(struct rk_taxii_credentials *out, const char *v, size_t len,
                       struct rk_arena *a, struct rk_err *err)
{
    size_t cap = len / 4 * 3 + 3, n;
    uint8_t *raw = rk_arena_alloc(a, cap);
    const char *colon;

    if (!raw)
        return RK_ENOMEM;
    if (rk_taxii_base64_decode(raw, cap, v, len, &n) != 0)
        return rk_err_set(err, RK_EFORMAT, "Basic credentials are not valid base64");
    colon = memchr(raw, ':', n);
    if (!colon || colon == (const char *)raw)
        return rk_err_set(err, RK_EFORMAT, "Basic credentials must be user:password");
    if ((size_t)(colon - (const char *)raw) > RK_TAXII_NAME_MAX ||
        n - (size_t)(colon - (const char *)raw) - 1 > RK_TAXII_SECRET_MAX)
        return rk_err_set(err, RK_EFORMAT, "Basic credentials are too long");
    if (!printable((const char *)raw, n))
        return rk_err_set(err, RK_EFORMAT, "Basic credentials hold control characters");
    out->scheme = RK_TAXII_AUTH_BASIC;
    out->user = rk_arena_strndup(a, (const char *)raw, (size_t)(colon - (const char *)raw));
    out->secret_len = n - (size_t)(colon - (const char *)raw) - 1;
    out->secret = rk_arena_strndup(a, colon + 1, out->secret_len);
    explicit_bzero(raw, cap);
    return out->user && out->secret ? 0 : RK_ENOMEM;
}

int rk_taxii_auth_parse(struct rk_taxii_credentials *out, const char *s, size_t len,
                        struct rk_arena *a, struct rk_err *err)
{
    size_t scheme_len = 0, pos;
    int basic, bearer;

    memset(out, 0, sizeof(*out));
    if (!s)
        return 0;
    if (len > RK_TAXII_HEADER_MAX)
        return rk_err_set(err, RK_EFORMAT, "the Authorization header is too long");
    while (scheme_len < len && s[scheme_len] != ' ')
        scheme_len++;
    pos = scheme_len;
    while (pos < len && s[pos] == ' ')
        pos++;
    basic = scheme_len == 5 && strncasecmp(s, "Basic", 5) == 0;
    bearer = scheme_len == 6 && strncasecmp(s, "Bearer", 6) == 0;
    if (scheme_len > 0 && !basic && !bearer)
        return rk_err_set(err, RK_EUNSUPPORTED,
                          "authentication scheme '%.*s' is not supported (use Basic or Bearer)",
                          (int)(scheme_len > 32 ? 32 : scheme_len), s);
    if (scheme_len == 0 || pos == scheme_len || pos == len || !token68_ok(s + pos, len - pos))
        return rk_err_set(err, RK_EFORMAT,
                          "malformed Authorization header (expected Basic or Bearer "
                          "followed by credentials)");
    if (basic)
        return parse_basic(out, s + pos, len - pos, a, err);
    if (len - pos > RK_TAXII_SECRET_MAX)
        return rk_err_set(err, RK_EFORMAT, "the bearer token is too long");
    out->scheme = RK_TAXII_AUTH_BEARER;
    out->secret_len = len - pos;
    out->secret = rk_arena_strndup(a, s + pos, len - pos);
    return out->secret ? 0 : RK_ENOMEM;
}
