/* config.c - declarative settings: defaults, typed parsing with bounds, files, dumps. */
#include "util/config.h"
#include "util/strparse.h"
#include "renkei/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct rk_config_row *find_row(const struct rk_config_row *rows, size_t n,
                                            const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(rows[i].name) == len && memcmp(rows[i].name, name, len) == 0)
            return &rows[i];
    return NULL;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
            *out = strcasecmp(v, yes[i]) == 0;
            return 0;
        }
    }
    return RK_EFORMAT;
}

uint64_t rk_config_physical_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

/* "N%": N (0..100) per cent of this machine's memory, for caches that should grow with it. */
static int parse_share_of_memory(const char *v, uint64_t *out)
{
    size_t len = strlen(v);
    int64_t pct;

    if (len < 2 || v[len - 1] != '%' || rk_parse_i64(v, len - 1, 0, 100, &pct) != 0)
        return RK_EFORMAT;
    *out = rk_config_physical_memory() / 100 * (uint64_t)pct;
    return 0;
}

static int parse_number(const struct rk_config_row *r, const char *v, int64_t *out,
                        struct rk_err *err)
{
    uint64_t u = 0;
    int64_t i = 0;
    int rc;

    if (r->type == RK_CFG_SIZE && strchr(v, '%'))
        rc = parse_share_of_memory(v, &u);
    else if (r->type == RK_CFG_SIZE)
        rc = rk_parse_size(v, &u);
    else if (r->type == RK_CFG_DURATION)
        rc = rk_parse_duration(v, &u);
    else
        rc = rk_parse_i64(v, strlen(v), INT64_MIN, INT64_MAX, &i);
    if (rc == 0 && r->type != RK_CFG_INT)
        i = u > INT64_MAX ? INT64_MAX : (int64_t)u;
    if (rc == RK_EFORMAT)
        return rk_err_set(err, rc, "%s: '%s' is not a %s", r->name, v,
                          r->type == RK_CFG_SIZE       ? "size (e.g. 64M, or 2% of memory)"
                          : r->type == RK_CFG_DURATION ? "duration (e.g. 30s, 5m, 1h)"
                                                       : "whole number");
    if (rc != 0 || i < r->min || i > r->max)
        return rk_err_set(err, RK_ELIMIT, "%s: %s is outside %" PRId64 "..%" PRId64, r->name, v,
                          r->min, r->max);
    *out = i;
    return 0;
}

static int parse_enum(const struct rk_config_row *r, const char *v, int *out, struct rk_err *err)
{
    char allowed[256] = "";
    size_t len = 0;

    for (int i = 0; r->choices[i]; i++) {
        if (strcmp(v, r->choices[i]) == 0) {
            *out = i;
            return 0;
        }
        len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%s", i ? ", " : "",
                                r->choices[i]);
        if (len >= sizeof(allowed))
            len = sizeof(allowed) - 1;
    }
    return rk_err_set(err, RK_EFORMAT, "%s: '%s' is not one of %s", r->name, v, allowed);
}

static int set_row(const struct rk_config_row *r, void *target, const char *v, struct rk_err *err)
{
    char *field = (char *)target + r->offset;
    int rc;

    if (r->validate && (rc = r->validate(v, err)) != 0)
        return rc;
    switch (r->type) {
    case RK_CFG_STRING:
        if (strlen(v) >= RK_CONFIG_STR_MAX)
            return rk_err_set(err, RK_ELIMIT, "%s: longer than %d bytes", r->name,
                              RK_CONFIG_STR_MAX - 1);
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case RK_CFG_BOOL:
        if (parse_bool(v, (int *)(void *)field) != 0)
            return rk_err_set(err, RK_EFORMAT, "%s: '%s' is not true or false", r->name, v);
        return 0;
    case RK_CFG_ENUM: return parse_enum(r, v, (int *)(void *)field, err);
    default: return parse_number(r, v, (int64_t *)(void *)field, err);
    }
}

int rk_config_defaults(const struct rk_config_row *rows, size_t n, void *target,
                       struct rk_err *err)
{
    int rc;

    for (size_t i = 0; i < n; i++)
        if ((rc = set_row(&rows[i], target, rows[i].def, err)) != 0)
            return rc;
    return 0;
}

int rk_config_set(const struct rk_config_row *rows, size_t n, void *target, const char *name,
                  const char *value, struct rk_err *err)
{
    const struct rk_config_row *r = find_row(rows, n, name, strlen(name));

    if (!r)
        return rk_err_set(err, RK_ENOTFOUND, "unknown setting '%s'", name);
    return set_row(r, target, value, err);
}

/* One "key = value" line (already trimmed, not a comment). */
static int parse_line(const struct rk_config_row *rows, size_t n, void *target, const char *s,
                      size_t len, struct rk_err *err)
{
    const char *eq = memchr(s, '=', len);
    const struct rk_config_row *r;
    char value[RK_CONFIG_STR_MAX];
    size_t klen, vlen;
    const char *k, *v;

    if (!eq)
        return rk_err_set(err, RK_EFORMAT, "expected 'name = value'");
    klen = (size_t)(eq - s);
    k = rk_trim(s, &klen);
    vlen = len - (size_t)(eq - s) - 1;
    v = rk_trim(eq + 1, &vlen);
    if (!(r = find_row(rows, n, k, klen)))
        return rk_err_set(err, RK_ENOTFOUND, "unknown setting '%.*s'", (int)(klen > 80 ? 80 : klen),
                          k);
    if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
        v++;
        vlen -= 2;
    }
    if (vlen >= sizeof(value) || memchr(v, '\0', vlen))
        return rk_err_set(err, RK_ELIMIT, "%s: value too long or not text", r->name);
    memcpy(value, v, vlen);
    value[vlen] = '\0';
    return set_row(r, target, value, err);
}

int rk_config_parse(const struct rk_config_row *rows, size_t n, void *target, const char *text,
                    size_t len, struct rk_err *err)
{
    size_t pos = 0, line_no = 0;
    int rc;

    if (len > RK_CONFIG_MAX_FILE)
        return rk_err_set(err, RK_ELIMIT, "configuration larger than %d bytes",
                          RK_CONFIG_MAX_FILE);
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - (text + pos)) : len - pos;
        size_t tlen = line_len;
        const char *t = rk_trim(text + pos, &tlen);

        line_no++;
        if (tlen > 0 && t[0] != '#' && (rc = parse_line(rows, n, target, t, tlen, err)) != 0) {
            rk_err_prefix(err, "line %zu: ", line_no);
            rk_err_set_offset(err, (long long)pos);
            return rc;
        }
        pos += line_len + 1;
    }
    return 0;
}

static int dump_value(const struct rk_config_row *r, const void *target, struct rk_buf *out)
{
    const char *field = (const char *)target + r->offset;

    switch (r->type) {
    case RK_CFG_STRING: return rk_buf_puts(out, field);
    case RK_CFG_BOOL: return rk_buf_puts(out, *(const int *)(const void *)field ? "true" : "false");
    case RK_CFG_ENUM: return rk_buf_puts(out, r->choices[*(const int *)(const void *)field]);
    default: return rk_buf_printf(out, "%" PRId64, *(const int64_t *)(const void *)field);
    }
}

int rk_config_dump(const struct rk_config_row *rows, size_t n, const void *target,
                   struct rk_buf *out)
{
    int rc;

    for (size_t i = 0; i < n; i++) {
        if ((rc = rk_buf_printf(out, "%s = ", rows[i].name)) != 0 ||
            (rc = dump_value(&rows[i], target, out)) != 0 ||
            (rc = rk_buf_printf(out, "%*s# %s%s\n", 2, "", rows[i].help,
                                rows[i].reloadable ? " (reloadable)" : "")) != 0)
            return rc;
    }
    return 0;
}

int rk_config_apply(const struct rk_config_row *rows, size_t n, const void *target,
                    struct rk_err *err)
{
    int rc;

    for (size_t i = 0; i < n; i++)
        if (rows[i].apply && (rc = rows[i].apply(target, err)) != 0)
            return rc;
    return 0;
}
