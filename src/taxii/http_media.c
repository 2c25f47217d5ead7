/* http_media.c - content negotiation (TAXII 2.1 section 1.6.8): the Accept and Content-Type
 * headers, parsed by the grammar of RFC 7231 sections 3.1.1.1 and 5.3. */
#include "taxii/http_request.h"

#include <string.h>
#include <strings.h>

#define MEDIA_PARAMS_MAX 16

/* One media range with the parameters TAXII cares about. Views into the header. */
struct media {
    const char *type, *subtype;
    size_t type_len, subtype_len;
    const char *version; /* the version parameter's value (unquoted), NULL when absent */
    size_t version_len;
    unsigned q; /* weight in thousandths: 1000 unless a q parameter says otherwise */
};

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void skip_ows(const char *s, size_t len, size_t *pos)
{
    while (*pos < len && (s[*pos] == ' ' || s[*pos] == '\t'))
        (*pos)++;
}

static size_t read_token(const char *s, size_t len, size_t *pos)
{
    size_t start = *pos;

    while (*pos < len && is_tchar(s[*pos]))
        (*pos)++;
    return *pos - start;
}

/* A quoted-string (RFC 7230 section 3.2.6); the view excludes the quotes and keeps escapes,
 * which TAXII values never need. */
static int read_quoted(const char *s, size_t len, size_t *pos, const char **v, size_t *vlen)
{
    size_t start = ++*pos;

    while (*pos < len && s[*pos] != '"') {
        unsigned char c = (unsigned char)s[*pos];

        if (c == '\\') {
            if (*pos + 1 >= len)
                return RK_EFORMAT;
            (*pos)++;
        } else if (c < 0x20 && c != '\t') {
            return RK_EFORMAT;
        } else if (c == 0x7f) {
            return RK_EFORMAT;
        }
        (*pos)++;
    }
    if (*pos >= len)
        return RK_EFORMAT;
    *v = s + start;
    *vlen = *pos - start;
    (*pos)++;
    return 0;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths. */
static int parse_qvalue(const char *v, size_t len, unsigned *out)
{
    unsigned q = 0, scale = 100;

    if (len == 0 || (v[0] != '0' && v[0] != '1') || len > 5)
        return RK_EFORMAT;
    if (len > 1 && v[1] != '.')
        return RK_EFORMAT;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (v[i] < '0' || v[i] > '9' || (v[0] == '1' && v[i] != '0'))
            return RK_EFORMAT;
        q += (unsigned)(v[i] - '0') * scale;
    }
    *out = v[0] == '1' ? 1000 : q;
    return 0;
}

static int parse_param(const char *s, size_t len, size_t *pos, struct media *m)
{
    const char *name = s + *pos, *v;
    size_t name_len = read_token(s, len, pos), vlen;

    if (name_len == 0 || *pos >= len || s[*pos] != '=')
        return RK_EFORMAT;
    (*pos)++;
    if (*pos < len && s[*pos] == '"') {
        if (read_quoted(s, len, pos, &v, &vlen) != 0)
            return RK_EFORMAT;
    } else {
        v = s + *pos;
        if ((vlen = read_token(s, len, pos)) == 0)
            return RK_EFORMAT;
    }
    if (name_len == 1 && (name[0] == 'q' || name[0] == 'Q'))
        return parse_qvalue(v, vlen, &m->q);
    if (name_len == 7 && strncasecmp(name, "version", 7) == 0) {
        if (m->version) /* a repeated version parameter is ambiguous */
            return RK_EFORMAT;
        m->version = v;
        m->version_len = vlen;
    }
    return 0;
}

/* One media range at *pos: type "/" subtype *( OWS ";" OWS parameter ). Stops before the
 * next ',' or at the end. */
static int parse_media(const char *s, size_t len, size_t *pos, struct media *m)
{
    size_t n_params = 0;

    memset(m, 0, sizeof(*m));
    m->q = 1000;
    m->type = s + *pos;
    if ((m->type_len = read_token(s, len, pos)) == 0 || *pos >= len || s[*pos] != '/')
        return RK_EFORMAT;
    (*pos)++;
    m->subtype = s + *pos;
    if ((m->subtype_len = read_token(s, len, pos)) == 0)
        return RK_EFORMAT;
    for (;;) {
        size_t save = *pos;

        skip_ows(s, len, pos);
        if (*pos >= len || s[*pos] != ';') {
            *pos = save;
            return 0;
        }
        (*pos)++;
        skip_ows(s, len, pos);
        if (++n_params > MEDIA_PARAMS_MAX || parse_param(s, len, pos, m) != 0)
            return RK_EFORMAT;
    }
}

static int is_taxii_type(const struct media *m)
{
    return m->type_len == 11 && strncasecmp(m->type, "application", 11) == 0 &&
           m->subtype_len == 10 && strncasecmp(m->subtype, "taxii+json", 10) == 0;
}

/* No version parameter means the latest version the server supports, which is 2.1. */
static int is_version_21(const struct media *m)
{
    return !m->version || (m->version_len == 3 && memcmp(m->version, "2.1", 3) == 0);
}

int rk_taxii_accept_parse(const char *s, size_t len, enum rk_taxii_accept *out,
                          struct rk_err *err)
{
    size_t pos = 0, n = 0;
    struct media m;

    *out = RK_TAXII_ACCEPT_NONE;
    if (!s)
        return 0;
    if (len > RK_TAXII_HEADER_MAX)
        return rk_err_set(err, RK_EFORMAT, "the Accept header is longer than %d bytes",
                          RK_TAXII_HEADER_MAX);
    while (pos < len) {
        skip_ows(s, len, &pos);
        if (pos < len && s[pos] == ',') { /* empty list elements are allowed */
            pos++;
            continue;
        }
        if (pos >= len)
            break;
        if (++n > MEDIA_PARAMS_MAX * 4 || parse_media(s, len, &pos, &m) != 0)
            goto bad;
        skip_ows(s, len, &pos);
        if (pos < len && s[pos] != ',')
            goto bad;
        if (is_taxii_type(&m) && is_version_21(&m) && m.q > 0)
            *out = RK_TAXII_ACCEPT_TAXII21;
    }
    return 0;
bad:
    rk_err_set(err, RK_EFORMAT, "the Accept header is malformed at byte %zu", pos);
    rk_err_set_offset(err, (long long)pos);
    return RK_EFORMAT;
}

int rk_taxii_content_type_check(const char *s, size_t len, struct rk_err *err)
{
    size_t pos = 0;
    struct media m;
    int rc;

    if (!s || len == 0)
        return rk_err_set(err, RK_EUNSUPPORTED, "a Content-Type header is required: "
                                                "application/taxii+json;version=2.1");
    if (len > RK_TAXII_HEADER_MAX)
        return rk_err_set(err, RK_EFORMAT, "the Content-Type header is too long");
    skip_ows(s, len, &pos);
    rc = parse_media(s, len, &pos, &m);
    skip_ows(s, len, &pos);
    if (rc != 0 || pos != len) {
        rk_err_set(err, RK_EFORMAT, "the Content-Type header is malformed at byte %zu", pos);
        rk_err_set_offset(err, (long long)pos);
        return RK_EFORMAT;
    }
    if (!is_taxii_type(&m))
        return rk_err_set(err, RK_EUNSUPPORTED,
                          "Content-Type %.*s/%.*s is not supported: send "
                          "application/taxii+json;version=2.1",
                          (int)m.type_len, m.type, (int)m.subtype_len, m.subtype);
    if (!is_version_21(&m))
        return rk_err_set(err, RK_EUNSUPPORTED,
                          "TAXII version %.*s is not supported: this server speaks 2.1",
                          (int)(m.version_len > 16 ? 16 : m.version_len), m.version);
    return 0;
}
