/* values.c - syntax of STIX value types and of the SCO value formats (names, hex, base64,
 * CIDR addresses, MAC, URL, e-mail address, domain name, language tag, hashes, timestamps).
 * Hand-written scanners: no regular expressions on the import hot path. */
#include "stix/stix_internal.h"
#include "util/rktime.h"

#include <string.h>

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static int is_hex_any(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Section 3.1 and 11.2.1: a-z, 0-9 and '-', starting with a letter, 3-250 characters, no "--". */
int rk_stix_type_name_valid(const char *s, size_t len)
{
    if (len < 3 || len > 250 || !is_lower(s[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-')
            return 0;
        if (s[i] == '-' && s[i - 1] == '-')
            return 0;
    }
    return 1;
}

/* Section 3.1 and 11.1.1: a-z, 0-9 and '_', starting with a letter, 3-250 characters. */
int rk_stix_prop_name_valid(const char *s, size_t len)
{
    if (len < 3 || len > 250 || !is_lower(s[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_')
            return 0;
    }
    return 1;
}

/* Section 2.3: ASCII letters, digits, '-' and '_', at most 250 characters. */
int rk_stix_dict_key_valid(const char *s, size_t len)
{
    if (len == 0 || len > 250)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    }
    return 1;
}

/* Section 2.8: an even number of characters from 0-9 and lower-case a-f. */
int rk_stix_hex_valid(const char *s, size_t len)
{
    if (len % 2 != 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return 0;
    }
    return 1;
}

int rk_stix_hex_valid_any(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_hex_any(s[i]))
            return 0;
    }
    return 1;
}

static int is_b64(char c)
{
    return is_alpha(c) || is_digit(c) || c == '+' || c == '/';
}

/* Section 2.1: base64 as in RFC 4648 section 4, padded to a multiple of four. */
int rk_stix_base64_valid(const char *s, size_t len)
{
    size_t pad = 0;

    if (len % 4 != 0)
        return 0;
    if (len > 0 && s[len - 1] == '=')
        pad = (len > 1 && s[len - 2] == '=') ? 2 : 1;
    for (size_t i = 0; i < len - pad; i++) {
        if (!is_b64(s[i]))
            return 0;
    }
    return 1;
}

/* A decimal number without leading zeros in [0, max]; advances *pos. */
static int read_dec(const char *s, size_t len, size_t *pos, unsigned max)
{
    size_t start = *pos;
    unsigned v = 0;

    while (*pos < len && is_digit(s[*pos]) && *pos - start < 4) {
        v = v * 10 + (unsigned)(s[*pos] - '0');
        (*pos)++;
    }
    if (*pos == start || (*pos - start > 1 && s[start] == '0') || v > max)
        return -1;
    return (int)v;
}

static int prefix_valid(const char *s, size_t len, size_t pos, unsigned max)
{
    if (pos == len)
        return 1;
    if (s[pos++] != '/')
        return 0;
    return read_dec(s, len, &pos, max) >= 0 && pos == len;
}

static int ipv4_part(const char *s, size_t len, size_t *pos)
{
    for (int i = 0; i < 4; i++) {
        if (i > 0 && (*pos >= len || s[(*pos)++] != '.'))
            return 0;
        if (read_dec(s, len, pos, 255) < 0)
            return 0;
    }
    return 1;
}

/* Section 6.8: a dotted quad with an optional /0-32 prefix. */
int rk_stix_ipv4_cidr_valid(const char *s, size_t len)
{
    size_t pos = 0;

    return ipv4_part(s, len, &pos) && prefix_valid(s, len, pos, 32);
}

/* One to four hex digits; returns the count, 0 when none. */
static size_t hex_group(const char *s, size_t len, size_t pos)
{
    size_t n = 0;

    while (pos + n < len && n < 5 && is_hex_any(s[pos + n]))
        n++;
    return n;
}

/* Section 6.9: RFC 4291 section 2.2 text forms with an optional /0-128 prefix. */
int rk_stix_ipv6_cidr_valid(const char *s, size_t len)
{
    size_t pos = 0, groups = 0, end = len;
    int gap = 0;

    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/') {
            end = i;
            break;
        }
    }
    if (end >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 1;
        pos = 2;
    } else if (end >= 1 && s[0] == ':') {
        return 0;
    }
    while (pos < end) {
        size_t n = hex_group(s, end, pos), save = pos;

        if (n >= 1 && n <= 4 && pos + n < end && s[pos + n] == '.') {
            if (groups > 6 || !ipv4_part(s, end, &save) || save != end)
                return 0;
            groups += 2;
            pos = end;
            break;
        }
        if (n == 0 || n > 4)
            return 0;
        pos += n;
        groups++;
        if (pos == end)
            break;
        if (s[pos] != ':' || pos + 1 == end)
            return 0;
        pos++;
        if (s[pos] == ':') {
            if (gap)
                return 0;
            gap = 1;
            pos++;
        }
    }
    if (gap ? groups > 7 : groups != 8)
        return 0;
    return prefix_valid(s, len, end, 128);
}

/* Section 6.10: six colon-separated lower-case two-digit hex octets. */
int rk_stix_mac_valid(const char *s, size_t len)
{
    if (len != 17)
        return 0;
    for (size_t i = 0; i < 17; i++) {
        if (i % 3 == 2) {
            if (s[i] != ':')
                return 0;
        } else if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) {
            return 0;
        }
    }
    return 1;
}

static int uri_char(unsigned char c)
{
    /* RFC 3986 unreserved, gen-delims and sub-delims */
    return is_alpha((char)c) || is_digit((char)c) || (c && strchr("-._~:/?#[]@!$&'()*+,;=", c));
}

/* RFC 3986: scheme ":" followed by URI characters and well-formed percent-encodings. */
int rk_stix_url_valid(const char *s, size_t len)
{
    size_t i = 0;

    if (len == 0 || !is_alpha(s[0]))
        return 0;
    while (i < len && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' ||
                       s[i] == '.'))
        i++;
    if (i == len || s[i] != ':' || i + 1 == len)
        return 0;
    for (i++; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len || !is_hex_any(s[i + 1]) || !is_hex_any(s[i + 2]))
                return 0;
            i += 2;
        } else if (!uri_char((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

/* RFC 5322 addr-spec, checked loosely: local@domain, no display name, no white space. */
int rk_stix_email_valid(const char *s, size_t len)
{
    size_t at = len;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',')
            return 0;
        if (c == '@')
            at = i;
    }
    return at > 0 && at + 1 < len;
}

/* RFC 1034 / RFC 5890: labels of 1-63 octets (letters, digits, hyphen, non-ASCII U-labels and,
 * as DNS allows, underscore), 253 octets in all, an optional final dot. */
int rk_stix_domain_valid(const char *s, size_t len)
{
    size_t label = 0;

    if (len > 0 && s[len - 1] == '.')
        len--;
    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
            continue;
        }
        if (!(is_alpha((char)c) || is_digit((char)c) || c == '-' || c == '_' || c >= 0x80))
            return 0;
        if (++label > 63)
            return 0;
    }
    return label > 0;
}

/* RFC 5646 language tag, structurally: a 2-8 letter primary subtag (or x / i), then subtags
 * of 1-8 letters or digits. */
int rk_stix_lang_valid(const char *s, size_t len)
{
    size_t i = 0, n = 0, first = 1;

    if (len == 0)
        return 0;
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == '-') {
            if (n == 0 || n > 8)
                return 0;
            if (first && n == 1 && !(s[i - 1] == 'x' || s[i - 1] == 'i' || s[i - 1] == 'X'))
                return 0;
            first = 0;
            n = 0;
            continue;
        }
        if (!is_alpha(s[i]) && !(is_digit(s[i]) && !first))
            return 0;
        n++;
    }
    return 1;
}

size_t rk_stix_hash_hex_len(const char *algo)
{
    static const struct {
        const char *name;
        size_t len;
    } t[] = {{"MD5", 32},      {"SHA-1", 40},     {"SHA-256", 64},
             {"SHA-512", 128}, {"SHA3-256", 64},  {"SHA3-512", 128}};

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(t[i].name, algo) == 0)
            return t[i].len;
    }
    return 0;
}

int rk_stix_timestamp_check(const char *s, size_t len, int *digits_out, struct rk_err *err)
{
    struct rk_time t;
    int rc = rk_time_parse(&t, s, len, RK_TIME_STIX, err);

    if (rc == 0 && digits_out)
        *digits_out = t.digits;
    return rc;
}

/* YYYY-MM-DDTHH:MM:SS[.s+]Z with separators in place and no leap second. */
static int same_layout(const char *s, size_t len)
{
    return len >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
           s[16] == ':' && s[len - 1] == 'Z' && !(s[17] == '6' && s[18] == '0') &&
           (len == 20 || s[19] == '.');
}

int rk_stix_timestamp_order(const char *a, const char *b, int *cmp_out)
{
    struct rk_time ta, tb;
    size_t la = strlen(a), lb = strlen(b);

    /* the same layout (same fraction digits, no leap second): text order is time order */
    if (la == lb && same_layout(a, la) && same_layout(b, lb)) {
        int c = memcmp(a, b, la);

        *cmp_out = c < 0 ? -1 : c > 0;
        return 0;
    }
    if (rk_time_parse(&ta, a, la, RK_TIME_STIX, NULL) != 0 ||
        rk_time_parse(&tb, b, lb, RK_TIME_STIX, NULL) != 0)
        return RK_EFORMAT;
    *cmp_out = rk_time_cmp(&ta, &tb);
    return 0;
}

int rk_stix_timestamp_cmp(const char *a, const char *b)
{
    int cmp = 0;

    return rk_stix_timestamp_order(a, b, &cmp) == 0 ? cmp : 0;
}
