/* strparse.c - strict number parsing and small string helpers. */
#include "util/strparse.h"
#include "renkei/error.h"

#include <string.h>

int rk_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0)
        return RK_EFORMAT;
    for (size_t i = 0; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9')
            return RK_EFORMAT;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return RK_ELIMIT;
        v = v * 10 + d;
    }
    if (v > max)
        return RK_ELIMIT;
    *out = v;
    return 0;
}

int rk_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out)
{
    int neg = len > 0 && s[0] == '-';
    uint64_t mag;
    int64_t v;
    int rc;

    if ((rc = rk_parse_u64(s + neg, len - (size_t)neg, (uint64_t)INT64_MAX + neg, &mag)) != 0)
        return rc;
    v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    if (v < min || v > max)
        return RK_ELIMIT;
    *out = v;
    return 0;
}

int rk_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    return rk_parse_u64(s, strlen(s), max, out);
}

static int parse_suffixed(const char *s, const char *suffixes, const uint64_t *scales,
                          uint64_t *out)
{
    size_t len = strlen(s);
    uint64_t v, scale = 1;
    const char *hit;
    int rc;

    if (len > 0 && (hit = strchr(suffixes, s[len - 1])) != NULL && s[len - 1] != '\0') {
        scale = scales[hit - suffixes];
        len--;
    }
    if ((rc = rk_parse_u64(s, len, UINT64_MAX, &v)) != 0)
        return rc;
    if (v > UINT64_MAX / scale)
        return RK_ELIMIT;
    *out = v * scale;
    return 0;
}

int rk_parse_size(const char *s, uint64_t *out)
{
    static const uint64_t scales[] = {1024, 1024, 1048576, 1048576, 1073741824, 1073741824};

    return parse_suffixed(s, "kKmMgG", scales, out);
}

int rk_parse_duration(const char *s, uint64_t *out)
{
    static const uint64_t scales[] = {1, 60, 3600, 86400};

    return parse_suffixed(s, "smhd", scales, out);
}

int rk_has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(s, prefix, n) == 0;
}

int rk_has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

const char *rk_trim(const char *s, size_t *len)
{
    while (*len > 0 && is_space(s[0])) {
        s++;
        (*len)--;
    }
    while (*len > 0 && is_space(s[*len - 1]))
        (*len)--;
    return s;
}

int rk_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strlen(src);

    if (cap == 0)
        return RK_ELIMIT;
    if (n >= cap) {
        memcpy(dst, src, cap - 1);
        dst[cap - 1] = '\0';
        return RK_ELIMIT;
    }
    memcpy(dst, src, n + 1);
    return 0;
}
