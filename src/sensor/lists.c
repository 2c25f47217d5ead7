/* lists.c - loaders for research-scanner lists (maltrail-style text, MISP warning lists) and
 * prefix -> ASN / country tables (@ip-location-db style CSV: address ranges, numeric ranges
 * or CIDRs). Bad lines are counted and skipped; the first one is described in err. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/strparse.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LIST_FILE_MAX ((size_t)512 << 20)
#define CSV_FIELDS    4
#define CSV_FIELD_MAX 256

static void note_bad(struct rk_sensor_load_result *res, uint64_t line, struct rk_err *err,
                     const char *path, const char *what)
{
    if (res->bad_rows++ == 0) {
        res->first_bad_line = line;
        rk_err_set(err, RK_EFORMAT, "%s:%llu: %s", path, (unsigned long long)line, what);
    }
}

/* Split buf into lines; calls fn for each (without the line end). */
static int for_each_line(const char *p, size_t len,
                         int (*fn)(const char *line, size_t n, uint64_t no, void *ctx), void *ctx)
{
    uint64_t no = 0;
    size_t i = 0;
    int rc;

    while (i < len) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len, n = end - i;

        if (n > 0 && p[i + n - 1] == '\r')
            n--;
        if ((rc = fn(p + i, n, ++no, ctx)) != 0)
            return rc;
        i = end + 1;
    }
    return 0;
}

/* ---- research scanners ------------------------------------------------------------------- */

struct scan_ctx {
    struct rtab *t;
    struct rk_sensor_load_result *res;
    struct rk_err *err;
    const char *path;
};

static int add_scanner(struct scan_ctx *c, const char *s, size_t n, uint64_t line)
{
    struct rk_sensor_prefix p;
    int rc;

    if (rk_sensor_prefix_parse(s, n, 1, &p) != 0) {
        note_bad(c->res, line, c->err, c->path, "not an IP address or CIDR");
        return 0;
    }
    if ((rc = rtab_add_prefix(c->t, &p, 1)) != 0)
        return rc;
    c->res->rows++;
    return 0;
}

static int scanner_line(const char *line, size_t n, uint64_t no, void *ctx)
{
    const char *hash = memchr(line, '#', n);
    size_t len = hash ? (size_t)(hash - line) : n, tok = 0;
    const char *s = rk_trim(line, &len);

    if (len == 0)
        return 0;
    while (tok < len && !isspace((unsigned char)s[tok]))
        tok++;
    return add_scanner(ctx, s, tok, no);
}

static int scanners_json(struct scan_ctx *c, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, 0, &jerr), *list;
    size_t i;
    int rc = 0;

    if (!doc)
        return rk_err_set(c->err, RK_EFORMAT, "%s:%d: %s", c->path, jerr.line, jerr.text);
    list = json_object_get(doc, "list");
    if (!json_is_array(list)) {
        json_decref(doc);
        return rk_err_set(c->err, RK_EFORMAT, "%s: no \"list\" array (not a MISP warning list)",
                          c->path);
    }
    for (i = 0; i < json_array_size(list) && rc == 0; i++) {
        json_t *v = json_array_get(list, i);

        if (!json_is_string(v))
            note_bad(c->res, i + 1, c->err, c->path, "list item is not a string");
        else
            rc = add_scanner(c, json_string_value(v), json_string_length(v), i + 1);
    }
    json_decref(doc);
    return rc;
}

int lists_load_scanners(struct rtab *t, const char *path, struct rk_sensor_load_result *res,
                        struct rk_err *err)
{
    struct scan_ctx c = {t, res, err, path};
    struct rk_buf raw;
    size_t skip = 0;
    int rc;

    memset(res, 0, sizeof(*res));
    rk_buf_init(&raw, LIST_FILE_MAX);
    if ((rc = rk_buf_read_file(&raw, path, err)) != 0)
        goto out;
    while (skip < raw.len && isspace((unsigned char)raw.ptr[skip]))
        skip++;
    if (skip < raw.len && raw.ptr[skip] == '{')
        rc = scanners_json(&c, raw.ptr, raw.len);
    else
        rc = for_each_line(rk_buf_cstr(&raw), raw.len, scanner_line, &c);
    if (rc == 0 && res->rows == 0)
        rc = rk_err_set(err, RK_EFORMAT, "%s: no usable address or CIDR", path);
    if (rc == 0)
        rc = rtab_build(t, 1, NULL);
out:
    rk_buf_free(&raw);
    return rc;
}

/* ---- CSV prefix tables ------------------------------------------------------------------- */

/* Split one CSV line into at most CSV_FIELDS fields (RFC 4180 quoting). Returns the count or
 * -1 when a field is too long or a quote is not closed. */
static int csv_split(const char *s, size_t n, char f[CSV_FIELDS][CSV_FIELD_MAX])
{
    size_t i = 0;
    int nf = 0;

    while (nf < CSV_FIELDS) {
        size_t w = 0;
        int quoted = i < n && s[i] == '"';

        if (quoted)
            i++;
        while (i < n) {
            if (quoted && s[i] == '"') {
                if (i + 1 < n && s[i + 1] == '"') {
                    i++;
                } else {
                    quoted = 2;
                    i++;
                    continue;
                }
            } else if (quoted != 1 && s[i] == ',') {
                break;
            }
            if (w + 1 >= CSV_FIELD_MAX)
                return -1;
            f[nf][w++] = s[i++];
        }
        if (quoted == 1)
            return -1;
        f[nf][w] = '\0';
        nf++;
        if (i >= n)
            break;
        i++; /* the comma */
    }
    return nf;
}

/* An address, or a decimal number (< 2^32: IPv4, else IPv6) as in the -num files. */
static int parse_endpoint(const char *s, struct rk_sensor_addr *out)
{
    size_t len = strlen(s);
    uint64_t hi = 0, lo = 0;

    s = rk_trim(s, &len);
    if (len == 0)
        return RK_EFORMAT;
    if (strspn(s, "0123456789") != len)
        return rk_sensor_addr_parse(s, len, out);
    for (size_t i = 0; i < len; i++) {
        /* (hi, lo) * 10 + digit, with 128-bit overflow detection */
        unsigned __int128 v = ((unsigned __int128)hi << 64 | lo);

        if (v > (((unsigned __int128)0 - 1) - 9) / 10)
            return RK_EFORMAT;
        v = v * 10 + (unsigned)(s[i] - '0');
        hi = (uint64_t)(v >> 64);
        lo = (uint64_t)v;
    }
    if (hi == 0 && lo <= 0xffffffffULL)
        rk_sensor_addr_from_v4(out, (uint32_t)lo);
    else
        addr_from_halves(out, hi, lo);
    return 0;
}

struct geo_ctx {
    struct geo *g;
    struct rk_sensor_load_result *res;
    struct rk_err *err;
    const char *path;
};

static int geo_value(struct geo_ctx *c, const char *v, const char *name, uint32_t *out)
{
    uint64_t asn;
    size_t len = strlen(v);

    v = rk_trim(v, &len);
    if (c->g->kind == RK_SENSOR_GEO_COUNTRY) {
        if (len != 2 || !isalpha((unsigned char)v[0]) || !isalpha((unsigned char)v[1]))
            return RK_EFORMAT;
        char cc[2] = {(char)toupper((unsigned char)v[0]), (char)toupper((unsigned char)v[1])};
        *out = cc_pack(cc);
        return 0;
    }
    if (len > 2 && (v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's')) {
        v += 2;
        len -= 2;
    }
    if (rk_parse_u64(v, len, 0xffffffffULL, &asn) != 0 || asn == 0)
        return RK_EFORMAT;
    *out = (uint32_t)asn;
    if (name && *name) {
        uint32_t *asns;
        char **names;

        if (c->g->n_vals == c->g->cap_vals) {
            size_t cap = c->g->cap_vals ? c->g->cap_vals * 2 : 256;

            asns = rk_reallocarray(c->g->asns, cap, sizeof(*asns));
            if (!asns)
                return RK_ENOMEM;
            c->g->asns = asns;
            names = rk_reallocarray(c->g->names, cap, sizeof(*names));
            if (!names)
                return RK_ENOMEM;
            c->g->names = names;
            c->g->cap_vals = cap;
        }
        if (!(c->g->names[c->g->n_vals] = rk_strdup(name)))
            return RK_ENOMEM;
        /* names end up in terminal tables and SVG: no control characters */
        for (char *q = c->g->names[c->g->n_vals]; *q; q++) {
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                *q = '?';
        }
        c->g->asns[c->g->n_vals++] = (uint32_t)asn;
    }
    return 0;
}

static int geo_line(const char *line, size_t n, uint64_t no, void *ctx)
{
    struct geo_ctx *c = ctx;
    char f[CSV_FIELDS][CSV_FIELD_MAX];
    struct rk_sensor_prefix p;
    struct rk_sensor_addr first, last;
    uint32_t val;
    int nf, vi, rc;

    if (n == 0 || line[0] == '#')
        return 0;
    if ((nf = csv_split(line, n, f)) < 2) {
        note_bad(c->res, no, c->err, c->path, "expected start,end,value or cidr,value");
        return 0;
    }
    if (strchr(f[0], '/')) {
        if (rk_sensor_prefix_parse(f[0], strlen(f[0]), 1, &p) != 0)
            goto bad_addr;
        vi = 1;
    } else {
        if (nf < 3 || parse_endpoint(f[0], &first) != 0 || parse_endpoint(f[1], &last) != 0)
            goto bad_addr;
        vi = 2;
    }
    rc = geo_value(c, f[vi], vi + 1 < nf ? f[vi + 1] : NULL, &val);
    if (rc == RK_ENOMEM)
        return rc;
    if (rc != 0) {
        note_bad(c->res, no, c->err, c->path,
                 c->g->kind == RK_SENSOR_GEO_ASN ? "bad AS number" : "bad country code");
        return 0;
    }
    rc = vi == 1 ? rtab_add_prefix(&c->g->ranges, &p, val)
                 : rtab_add(&c->g->ranges, &first, &last, val);
    if (rc == RK_ENOMEM)
        return rc;
    if (rc != 0 || addr_v4p(&first) != addr_v4p(&last)) {
        note_bad(c->res, no, c->err, c->path, "range ends before it starts or mixes families");
        return 0;
    }
    c->res->rows++;
    return 0;
bad_addr:
    /* a first line that is not an address is a header row */
    if (no != 1)
        note_bad(c->res, no, c->err, c->path, "bad address, number or CIDR");
    return 0;
}

struct asn_pair {
    uint32_t asn;
    uint32_t i;
};

static int cmp_asn_pair(const void *a, const void *b)
{
    const struct asn_pair *x = a, *y = b;

    if (x->asn != y->asn)
        return x->asn < y->asn ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Sort the (asn, name) pairs by ASN, keeping the first name given for each ASN. */
static int geo_sort_names(struct geo *g)
{
    struct asn_pair *v = rk_reallocarray(NULL, g->n_vals ? g->n_vals : 1, sizeof(*v));
    char **names = rk_reallocarray(NULL, g->n_vals ? g->n_vals : 1, sizeof(*names));
    size_t w = 0;

    if (!v || !names) {
        rk_free(v);
        rk_free(names);
        return RK_ENOMEM;
    }
    for (size_t i = 0; i < g->n_vals; i++)
        v[i] = (struct asn_pair){g->asns[i], (uint32_t)i};
    qsort(v, g->n_vals, sizeof(*v), cmp_asn_pair);
    for (size_t i = 0; i < g->n_vals; i++) {
        if (w > 0 && g->asns[w - 1] == v[i].asn) {
            rk_free(g->names[v[i].i]);
            continue;
        }
        names[w] = g->names[v[i].i];
        g->asns[w++] = v[i].asn;
    }
    rk_free(g->names);
    rk_free(v);
    g->names = names;
    g->n_vals = w;
    return 0;
}

int lists_load_geo(struct geo *g, int kind, const char *path, struct rk_sensor_load_result *res,
                   struct rk_err *err)
{
    struct geo_ctx c = {g, res, err, path};
    struct rk_buf raw;
    uint64_t overlaps = 0;
    int rc;

    memset(res, 0, sizeof(*res));
    memset(g, 0, sizeof(*g));
    g->kind = kind;
    rk_buf_init(&raw, LIST_FILE_MAX);
    if ((rc = rk_buf_read_file(&raw, path, err)) != 0)
        goto out;
    if ((rc = for_each_line(rk_buf_cstr(&raw), raw.len, geo_line, &c)) != 0)
        goto out;
    if (res->rows == 0) {
        rc = rk_err_set(err, RK_EFORMAT, "%s: no usable row", path);
        goto out;
    }
    rtab_build(&g->ranges, 0, &overlaps);
    if (overlaps) {
        if (res->bad_rows == 0)
            rk_err_set(err, RK_EFORMAT, "%s: %llu rows overlap earlier rows and were dropped", path,
                       (unsigned long long)overlaps);
        res->bad_rows += overlaps;
        res->rows -= overlaps;
    }
    rc = geo_sort_names(g);
out:
    rk_buf_free(&raw);
    if (rc != 0)
        geo_free(g);
    return rc;
}

void geo_free(struct geo *g)
{
    for (size_t i = 0; i < g->n_vals; i++)
        rk_free(g->names[i]);
    rk_free(g->names);
    rk_free(g->asns);
    rtab_free(&g->ranges);
    memset(g, 0, sizeof(*g));
}

uint32_t geo_lookup(const struct geo *g, const struct rk_sensor_addr *a)
{
    uint32_t v;

    if (g->ranges.n == 0)
        return 0;
    v = rtab_lookup(&g->ranges, a);
    return v == KIDX_NONE ? 0 : v;
}

const char *geo_name(const struct geo *g, uint32_t asn)
{
    size_t lo = 0, hi = g->n_vals;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (g->asns[mid] == asn)
            return g->names[mid];
        if (g->asns[mid] < asn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
