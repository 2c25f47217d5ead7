/* http_query.c - the URL query parameters of TAXII 2.1 section 3.4: added_after, limit, next
 * and match[id|type|version|spec_version], each checked strictly (malformed means 400). */
#include "taxii/http_request.h"

#include <string.h>

#include "util/rktime.h"
#include "util/strparse.h"

#define NEXT_MAX 512

/* Which parameters were seen, to refuse repeats. */
enum {
    SEEN_ADDED_AFTER = 1 << 0,
    SEEN_LIMIT = 1 << 1,
    SEEN_NEXT = 1 << 2,
    SEEN_ID = 1 << 3,
    SEEN_TYPE = 1 << 4,
    SEEN_VERSION = 1 << 5,
    SEEN_SPEC_VERSION = 1 << 6
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rk_taxii_percent_decode(const char *s, size_t len, int plus_is_space, struct rk_arena *a,
                            char **out, size_t *len_out)
{
    char *d = rk_arena_alloc(a, len + 1);
    size_t o = 0;

    *out = NULL;
    if (!d)
        return RK_ENOMEM;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c == '%') {
            int hi, lo;

            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return RK_EFORMAT;
            c = (char)(hi << 4 | lo);
            if (c == '\0')
                return RK_EFORMAT;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return RK_EFORMAT;
        }
        d[o++] = c;
    }
    d[o] = '\0';
    *out = d;
    if (len_out)
        *len_out = o;
    return 0;
}

static int bad(struct rk_err *err, const char *param, const char *why)
{
    rk_err_set(err, RK_EFORMAT, "query parameter %s: %s", param, why);
    rk_err_set_path(err, param);
    return RK_EFORMAT;
}

/* Split a comma-separated value into a list (no empty items, no spaces, at most cap). */
static int split_list(const char *v, size_t len, const char *param, struct rk_arena *a,
                      const char ***list_out, size_t *n_out, struct rk_err *err)
{
    size_t n = 1, k = 0, start = 0;
    const char **list;

    if (len == 0)
        return bad(err, param, "an empty value (give one or more values separated by ',')");
    for (size_t i = 0; i < len; i++)
        n += v[i] == ',';
    if (n > RK_TAXII_MATCH_VALUES_MAX)
        return bad(err, param, "too many values (at most 1000)");
    if (!(list = rk_arena_alloc(a, n * sizeof(*list))))
        return RK_ENOMEM;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && v[i] != ',')
            continue;
        if (i == start)
            return bad(err, param, "an empty item in the comma-separated list");
        if (!(list[k++] = rk_arena_strndup(a, v + start, i - start)))
            return RK_ENOMEM;
        start = i + 1;
    }
    *list_out = list;
    *n_out = n;
    return 0;
}

static int parse_added_after(struct rk_taxii_filter *f, const char *v, size_t len,
                             struct rk_err *err)
{
    struct rk_time t;
    struct rk_err terr;

    rk_err_clear(&terr);
    if (rk_time_parse(&t, v, len, RK_TIME_STIX, &terr) != 0) {
        rk_err_set(err, RK_EFORMAT, "query parameter added_after: %s (expected a timestamp "
                                    "like 2021-06-10T12:00:00.000000Z)",
                   terr.message);
        rk_err_set_path(err, "added_after");
        return RK_EFORMAT;
    }
    f->has_added_after = 1;
    f->added_after_us = rk_time_to_us(&t);
    return 0;
}

static int parse_limit(struct rk_taxii_filter *f, const char *v, size_t len, struct rk_err *err)
{
    int rc = rk_parse_u64(v, len, UINT64_MAX, &f->limit);

    if (rc == RK_ELIMIT) /* a valid but huge number: the server limit applies anyway */
        f->limit = UINT64_MAX;
    else if (rc != 0 || f->limit == 0)
        return bad(err, "limit", "must be a positive integer");
    return 0;
}

/* match[version]: first, last, all, or STIX timestamps; no repeats; all stands alone. */
static int parse_versions(struct rk_taxii_filter *f, const char *v, size_t len,
                          struct rk_arena *a, struct rk_err *err)
{
    const char *p = "match[version]", **items;
    size_t n, k = 0;
    int rc;

    if ((rc = split_list(v, len, p, a, &items, &n, err)) != 0)
        return rc;
    f->version_values = items; /* timestamps are compacted to the front of items */
    for (size_t i = 0; i < n; i++) {
        unsigned bit = strcmp(items[i], "last") == 0    ? RK_TAXII_V_LAST
                       : strcmp(items[i], "first") == 0 ? RK_TAXII_V_FIRST
                       : strcmp(items[i], "all") == 0   ? RK_TAXII_V_ALL
                                                        : 0;
        struct rk_time t;

        if (bit) {
            if (f->versions & bit)
                return bad(err, p, "a keyword given twice");
            f->versions |= bit;
            continue;
        }
        if (rk_time_parse(&t, items[i], strlen(items[i]), RK_TIME_STIX, NULL) != 0)
            return bad(err, p, "values are first, last, all or STIX timestamps");
        for (size_t j = 0; j < k; j++)
            if (strcmp(items[j], items[i]) == 0)
                return bad(err, p, "a timestamp given twice");
        items[k++] = items[i];
    }
    f->n_version_values = k;
    if ((f->versions & RK_TAXII_V_ALL) && n > 1)
        return bad(err, p, "'all' cannot be combined with other values");
    return 0;
}

static int check_items(const char *const *items, size_t n, int (*ok)(const char *, size_t),
                       const char *param, const char *what, struct rk_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (!ok(items[i], strlen(items[i])))
            return bad(err, param, what);
    return 0;
}

static int spec_version_ok(const char *s, size_t len)
{
    const char *dot = memchr(s, '.', len);
    uint64_t x;

    return dot && rk_parse_u64(s, (size_t)(dot - s), 999, &x) == 0 &&
           rk_parse_u64(dot + 1, len - (size_t)(dot - s) - 1, 999, &x) == 0;
}

/* Dispatch one decoded key=value. */
static int parse_param(struct rk_taxii_filter *f, unsigned *seen, const char *key,
                       const char *v, size_t vlen, struct rk_arena *a, struct rk_err *err)
{
    static const struct {
        const char *key;
        unsigned bit;
    } known[] = {{"added_after", SEEN_ADDED_AFTER}, {"limit", SEEN_LIMIT},
                 {"next", SEEN_NEXT},               {"match[id]", SEEN_ID},
                 {"match[type]", SEEN_TYPE},        {"match[version]", SEEN_VERSION},
                 {"match[spec_version]", SEEN_SPEC_VERSION}};
    unsigned bit = 0;
    int rc;

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !bit; i++)
        if (strcmp(key, known[i].key) == 0)
            bit = known[i].bit;
    if (!bit)
        return 0; /* section 3.4: servers MAY ignore fields they do not understand */
    if (*seen & bit)
        return bad(err, key, "given more than once");
    *seen |= bit;
    switch (bit) {
    case SEEN_ADDED_AFTER: return parse_added_after(f, v, vlen, err);
    case SEEN_LIMIT: return parse_limit(f, v, vlen, err);
    case SEEN_NEXT:
        if (vlen == 0 || vlen > NEXT_MAX)
            return bad(err, key, "must be the token of a previous response");
        f->next = v;
        return 0;
    case SEEN_ID:
        if ((rc = split_list(v, vlen, key, a, &f->ids, &f->n_ids, err)) != 0)
            return rc;
        return check_items(f->ids, f->n_ids, rk_taxii_stix_id_ok, key,
                           "values must be STIX identifiers (type--UUID)", err);
    case SEEN_TYPE:
        if ((rc = split_list(v, vlen, key, a, &f->types, &f->n_types, err)) != 0)
            return rc;
        return check_items(f->types, f->n_types, rk_taxii_type_ok, key,
                           "values must be STIX type names (a-z, 0-9, '-')", err);
    case SEEN_VERSION: return parse_versions(f, v, vlen, a, err);
    default:
        if ((rc = split_list(v, vlen, key, a, &f->spec_versions, &f->n_spec_versions, err)) != 0)
            return rc;
        return check_items(f->spec_versions, f->n_spec_versions, spec_version_ok, key,
                           "values must be versions like 2.1", err);
    }
}

int rk_taxii_query_parse(struct rk_taxii_filter *out, const char *query, size_t len,
                         struct rk_arena *a, struct rk_err *err)
{
    size_t start = 0, n = 0;
    unsigned seen = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i <= len; i++) {
        const char *pair = query + start, *eq;
        char *key, *value;
        size_t plen = i - start, vlen;

        if (i < len && query[i] != '&')
            continue;
        start = i + 1;
        if (plen == 0)
            continue; /* "a=1&&b=2" and a trailing '&' are harmless */
        if (++n > RK_TAXII_PARAMS_MAX)
            return rk_err_set(err, RK_EFORMAT, "more than %d query parameters",
                              RK_TAXII_PARAMS_MAX);
        eq = memchr(pair, '=', plen);
        if ((rc = rk_taxii_percent_decode(pair, eq ? (size_t)(eq - pair) : plen, 1, a, &key,
                                          NULL)) != 0 ||
            (rc = rk_taxii_percent_decode(eq ? eq + 1 : pair + plen,
                                          eq ? plen - (size_t)(eq - pair) - 1 : 0, 1, a, &value,
                                          &vlen)) != 0) {
            if (rc == RK_ENOMEM)
                return rc;
            return rk_err_set(err, RK_EFORMAT, "a query parameter has a malformed "
                                               "percent-encoding near byte %zu",
                              (size_t)(pair - query));
        }
        if ((rc = parse_param(out, &seen, key, value, vlen, a, err)) != 0)
            return rc;
    }
    return 0;
}
