/* warnlist.c - MISP warning lists: known-good values that suppress hits.
 *
 * Each list has a type and the MISP attribute types it applies to (matching_attributes,
 * mapped to value kinds). Entries are compiled into two full indexes whose "indicators" are
 * the lists: one looked up exactly (type string, and IP entries), one with subdomain semantics
 * (type hostname, and string entries written ".example.com"). Substring and regex entries are
 * tried one by one. The first list in load order that contains a value wins.
 */
#include "renkei/match.h"
#include "match/internal.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pcre2.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/buf.h"

#define WL_MAX_FILE  (256u << 20)
#define WL_MAX_LISTS 4096

enum wl_type { WL_STRING = 0, WL_SUBSTRING, WL_HOSTNAME, WL_CIDR, WL_REGEX };

struct wl_pattern { /* a substring or regex entry */
    uint32_t list;
    char *text;
    pcre2_code *re; /* NULL for substrings */
};

struct wl_list {
    char *name;
    int type;
    unsigned kinds; /* bit k: applies to values of kind k */
};

struct rk_match_warnlists {
    struct wl_list *lists;
    size_t n_lists;
    struct wl_pattern *pats;
    size_t n_pats;
    struct rk_match_builder *exact_b, *suffix_b;
    struct rk_match_index *exact, *suffix;
};

#define KIND_BIT(k) (1u << (k))
#define ALL_KINDS   0xffffffffu

/* MISP attribute types to value kinds. */
static unsigned attr_kinds(const char *a)
{
    static const struct {
        const char *attr;
        unsigned kinds;
    } map[] = {
            {"ip-src", KIND_BIT(RK_MATCH_IPV4) | KIND_BIT(RK_MATCH_IPV6)},
            {"ip-dst", KIND_BIT(RK_MATCH_IPV4) | KIND_BIT(RK_MATCH_IPV6)},
            {"ip-src|port", KIND_BIT(RK_MATCH_IPV4) | KIND_BIT(RK_MATCH_IPV6)},
            {"ip-dst|port", KIND_BIT(RK_MATCH_IPV4) | KIND_BIT(RK_MATCH_IPV6)},
            {"domain|ip", KIND_BIT(RK_MATCH_IPV4) | KIND_BIT(RK_MATCH_IPV6) | KIND_BIT(RK_MATCH_DOMAIN)},
            {"domain", KIND_BIT(RK_MATCH_DOMAIN)},
            {"hostname", KIND_BIT(RK_MATCH_DOMAIN)},
            {"url", KIND_BIT(RK_MATCH_URL) | KIND_BIT(RK_MATCH_URL_PATH)},
            {"uri", KIND_BIT(RK_MATCH_URL) | KIND_BIT(RK_MATCH_URL_PATH)},
            {"link", KIND_BIT(RK_MATCH_URL)},
            {"email", KIND_BIT(RK_MATCH_EMAIL)},
            {"email-src", KIND_BIT(RK_MATCH_EMAIL)},
            {"email-dst", KIND_BIT(RK_MATCH_EMAIL)},
            {"target-email", KIND_BIT(RK_MATCH_EMAIL)},
            {"whois-registrant-email", KIND_BIT(RK_MATCH_EMAIL)},
            {"md5", KIND_BIT(RK_MATCH_MD5)},
            {"filename|md5", KIND_BIT(RK_MATCH_MD5)},
            {"sha1", KIND_BIT(RK_MATCH_SHA1)},
            {"filename|sha1", KIND_BIT(RK_MATCH_SHA1)},
            {"sha256", KIND_BIT(RK_MATCH_SHA256)},
            {"filename|sha256", KIND_BIT(RK_MATCH_SHA256)},
            {"sha512", KIND_BIT(RK_MATCH_SHA512)},
            {"filename|sha512", KIND_BIT(RK_MATCH_SHA512)}};

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].attr, a) == 0)
            return map[i].kinds;
    return 0; /* sha224, ssdeep, ...: kinds renkei does not index */
}

int rk_match_warnlists_new(struct rk_match_warnlists **out, struct rk_err *err)
{
    struct rk_match_warnlists *wl = rk_calloc(1, sizeof(*wl));
    int rc;

    *out = NULL;
    if (!wl)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if ((rc = rk_match_builder_new(&wl->exact_b, NULL, err)) != 0 ||
        (rc = rk_match_builder_new(&wl->suffix_b, NULL, err)) != 0) {
        rk_match_warnlists_free(wl);
        return rc;
    }
    *out = wl;
    return 0;
}

void rk_match_warnlists_free(struct rk_match_warnlists *wl)
{
    if (!wl)
        return;
    for (size_t i = 0; i < wl->n_lists; i++)
        rk_free(wl->lists[i].name);
    for (size_t i = 0; i < wl->n_pats; i++) {
        rk_free(wl->pats[i].text);
        pcre2_code_free(wl->pats[i].re);
    }
    rk_free(wl->lists);
    rk_free(wl->pats);
    rk_match_builder_free(wl->exact_b);
    rk_match_builder_free(wl->suffix_b);
    rk_match_index_free(wl->exact);
    rk_match_index_free(wl->suffix);
    rk_free(wl);
}

size_t rk_match_warnlists_count(const struct rk_match_warnlists *wl)
{
    return wl->n_lists;
}

/* ---- reading one list -------------------------------------------------------------------------- */

static int wl_fail(struct rk_err *err, const char *source, const char *path, const char *what)
{
    rk_err_set(err, RK_EFORMAT, "%s: %s", source, what);
    rk_err_set_path(err, path);
    return RK_EFORMAT;
}

static int parse_type(const json_t *doc, int *type)
{
    static const char *const names[] = {"string", "substring", "hostname", "cidr", "regex"};
    const char *t = json_string_value(json_object_get(doc, "type"));

    if (!json_object_get(doc, "type")) {
        *type = WL_STRING; /* MISP's default */
        return 0;
    }
    for (int i = 0; t && i < 5; i++) {
        if (strcmp(t, names[i]) == 0) {
            *type = i;
            return 0;
        }
    }
    return RK_EFORMAT;
}

static int parse_kinds(const json_t *doc, unsigned *kinds, const char *source, struct rk_err *err)
{
    const json_t *ma = json_object_get(doc, "matching_attributes"), *a;
    size_t i;

    *kinds = 0;
    if (!ma || json_array_size(ma) == 0) {
        *kinds = ALL_KINDS; /* "If matching_attributes are not set, the list is matched against
                             * any type of attributes." */
        return ma && !json_is_array(ma) ? wl_fail(err, source, "matching_attributes", "not an array")
                                        : 0;
    }
    if (!json_is_array(ma))
        return wl_fail(err, source, "matching_attributes", "not an array");
    json_array_foreach(ma, i, a) {
        if (!json_is_string(a))
            return wl_fail(err, source, "matching_attributes", "holds a non-string");
        *kinds |= attr_kinds(json_string_value(a));
    }
    return 0;
}

static int add_pattern(struct rk_match_warnlists *wl, uint32_t list, const char *s, int regex,
                       const char *source, size_t idx, struct rk_err *err)
{
    struct wl_pattern *p = rk_reallocarray(wl->pats, wl->n_pats + 1, sizeof(*p));
    char path[64];
    int code;
    PCRE2_SIZE at;

    if (!p)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    wl->pats = p;
    p = &wl->pats[wl->n_pats];
    memset(p, 0, sizeof(*p));
    p->list = list;
    if (regex) {
        size_t len = strlen(s);
        uint32_t opts = 0;

        if (len >= 2 && s[0] == '/' && strrchr(s, '/') > s) { /* PHP style /re/flags */
            const char *end = strrchr(s, '/');

            opts = strchr(end, 'i') ? PCRE2_CASELESS : 0;
            len = (size_t)(end - s - 1);
            s++;
        }
        p->re = pcre2_compile((PCRE2_SPTR)s, len, opts | PCRE2_UTF, &code, &at, NULL);
        if (!p->re) {
            snprintf(path, sizeof(path), "list[%zu]", idx);
            rk_err_set(err, RK_EFORMAT, "%s: bad regular expression at offset %zu", source,
                       (size_t)at);
            rk_err_set_path(err, path);
            return RK_EFORMAT;
        }
    }
    if (!(p->text = rk_strdup(s))) {
        pcre2_code_free(p->re);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    wl->n_pats++;
    return 0;
}

/* One entry of a cidr, string or hostname list into the right index. Entries that are not
 * values renkei can index (a "3::" ssdeep, free text) are skipped. */
static int add_entry(struct rk_match_warnlists *wl, uint32_t list, int type, const char *s,
                     struct rk_match_value *v, struct rk_err *err)
{
    size_t len = strlen(s);
    int suffix = type == WL_HOSTNAME || (type == WL_STRING && len > 1 && s[0] == '.');

    if (len == 0 || rk_match_value_parse(v, RK_MATCH_ANY, s, len, NULL) != 0)
        return 0;
    if (v->kind != RK_MATCH_DOMAIN)
        suffix = 0;
    return rk_match_builder_add_value(suffix ? wl->suffix_b : wl->exact_b, list, v, err);
}

static int add_list_entries(struct rk_match_warnlists *wl, const json_t *items, uint32_t list,
                            int type, const char *source, struct rk_err *err)
{
    struct rk_match_value *v = rk_malloc(sizeof(*v));
    const json_t *item;
    size_t i;
    int rc = 0;

    if (!v)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    json_array_foreach(items, i, item) {
        char path[64];

        if (!json_is_string(item)) {
            snprintf(path, sizeof(path), "list[%zu]", i);
            rc = wl_fail(err, source, path, "not a string");
            break;
        }
        if (type == WL_SUBSTRING || type == WL_REGEX)
            rc = add_pattern(wl, list, json_string_value(item), type == WL_REGEX, source, i, err);
        else
            rc = add_entry(wl, list, type, json_string_value(item), v, err);
        if (rc != 0)
            break;
    }
    rk_free(v);
    return rc;
}

static int register_list(struct rk_match_warnlists *wl, const char *name, int type,
                         unsigned kinds, uint32_t *id_out, struct rk_err *err)
{
    struct rk_match_indicator ind = {.id = name, .confidence = -1, .valid_from_us = INT64_MIN,
                                     .valid_until_us = INT64_MAX};
    struct wl_list *l;
    uint32_t id2;
    int rc;

    if (wl->n_lists >= WL_MAX_LISTS)
        return rk_err_set(err, RK_ELIMIT, "more than %d warning lists", WL_MAX_LISTS);
    if (!(l = rk_reallocarray(wl->lists, wl->n_lists + 1, sizeof(*l))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    wl->lists = l;
    l = &wl->lists[wl->n_lists];
    if (!(l->name = rk_strdup(name)))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    l->type = type;
    l->kinds = kinds;
    wl->n_lists++;
    if ((rc = rk_match_builder_add_indicator(wl->exact_b, &ind, id_out, err)) != 0 ||
        (rc = rk_match_builder_add_indicator(wl->suffix_b, &ind, &id2, err)) != 0)
        return rc;
    return 0;
}

int rk_match_warnlists_add_json(struct rk_match_warnlists *wl, const char *text, size_t len,
                                const char *source, struct rk_err *err)
{
    json_error_t je;
    json_t *doc;
    const json_t *items;
    const char *name;
    unsigned kinds;
    uint32_t id;
    int type, rc;

    if (wl->exact)
        return rk_err_set(err, RK_EINVAL, "warning lists already compiled");
    if (!(doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je))) {
        rk_err_set(err, RK_EFORMAT, "%s: line %d: %s", source, je.line, je.text);
        rk_err_set_offset(err, je.position);
        return RK_EFORMAT;
    }
    items = json_object_get(doc, "list");
    name = json_string_value(json_object_get(doc, "name"));
    if (!json_is_object(doc))
        rc = wl_fail(err, source, "", "not a JSON object");
    else if (!json_is_array(items))
        rc = wl_fail(err, source, "list", "missing or not an array");
    else if (!name || !*name)
        rc = wl_fail(err, source, "name", "missing or not a string");
    else if (parse_type(doc, &type) != 0)
        rc = wl_fail(err, source, "type",
                     "not one of string, substring, hostname, cidr, regex");
    else if ((rc = parse_kinds(doc, &kinds, source, err)) == 0 &&
             (rc = register_list(wl, name, type, kinds, &id, err)) == 0)
        rc = add_list_entries(wl, items, id, type, source, err);
    json_decref(doc);
    return rc;
}

static int add_file(struct rk_match_warnlists *wl, const char *path, struct rk_err *err)
{
    struct rk_buf b;
    int rc;

    rk_buf_init(&b, WL_MAX_FILE);
    if ((rc = rk_buf_read_file(&b, path, err)) == 0)
        rc = rk_match_warnlists_add_json(wl, rk_buf_cstr(&b), rk_buf_len(&b), path, err);
    rk_buf_free(&b);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json in a directory, in name order (a stable "first list wins"). */
static int add_dir(struct rk_match_warnlists *wl, const char *dir, struct rk_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;
    int rc = 0;

    if (!d)
        return rk_err_set(err, RK_EIO, "%s: %s", dir, strerror(errno));
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char **grown;

        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        if (!(grown = rk_reallocarray(names, n + 1, sizeof(*names))) ||
            !(grown[n] = rk_strdup(e->d_name))) {
            names = grown ? grown : names;
            rc = rk_err_set(err, RK_ENOMEM, "out of memory");
            break;
        }
        names = grown;
        n++;
    }
    closedir(d);
    if (names)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (rc == 0)
            rc = add_file(wl, path, err);
        rk_free(names[i]);
    }
    rk_free(names);
    return rc;
}

int rk_match_warnlists_add_path(struct rk_match_warnlists *wl, const char *path,
                                struct rk_err *err)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return rk_err_set(err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "%s: %s", path,
                          strerror(errno));
    return S_ISDIR(st.st_mode) ? add_dir(wl, path, err) : add_file(wl, path, err);
}

int rk_match_warnlists_finish(struct rk_match_warnlists *wl, struct rk_err *err)
{
    struct rk_match_builder *e = wl->exact_b, *s = wl->suffix_b;
    int rc;

    if (wl->exact)
        return 0;
    wl->exact_b = wl->suffix_b = NULL;
    if ((rc = rk_match_builder_finish(e, &wl->exact, err)) != 0) {
        rk_match_builder_free(s);
        return rc;
    }
    return rk_match_builder_finish(s, &wl->suffix, err);
}

/* ---- checking ---------------------------------------------------------------------------------- */

/* The first list (lowest number) among hits that applies to kind; UINT32_MAX when none. */
static uint32_t first_list(const struct rk_match_warnlists *wl, const struct rk_match_hit *hits,
                           size_t n, unsigned kind_bit, uint32_t *key_out)
{
    uint32_t best = UINT32_MAX;

    for (size_t i = 0; i < n; i++) {
        if (hits[i].indicator < best && (wl->lists[hits[i].indicator].kinds & kind_bit)) {
            best = hits[i].indicator;
            *key_out = hits[i].key;
        }
    }
    return best;
}

/* The host of a URL key ("host[:port]/path") as a value, for hostname lists. */
static int url_host(const struct rk_match_value *url, struct rk_match_value *host)
{
    const char *t = url->text, *end = memchr(t, '/', url->len);
    size_t n = end ? (size_t)(end - t) : url->len;

    if (n > 0 && t[0] == '[') {
        const char *close = memchr(t, ']', n);
        return close && rk_match_value_parse(host, RK_MATCH_IPV6, t + 1, (size_t)(close - t - 1),
                                             NULL) == 0;
    }
    if (memchr(t, ':', n))
        n = (size_t)((const char *)memchr(t, ':', n) - t);
    return n > 0 && rk_match_value_parse(host, RK_MATCH_ANY, t, n, NULL) == 0 &&
           (host->kind == RK_MATCH_DOMAIN || host->kind == RK_MATCH_IPV4);
}

/* Look v up in the exact index (when use_exact) and the subdomain index. */
static uint32_t check_indexes(const struct rk_match_warnlists *wl, const struct rk_match_value *v,
                              unsigned kind_bit, int use_exact,
                              const struct rk_match_index **ix_out, uint32_t *key_out)
{
    struct rk_match_hit hits[64];
    struct rk_match_lookup_options exact = {.exact_domains = 1}, suffix = {0};
    uint32_t a = UINT32_MAX, b, ka = 0, kb = 0;
    size_t n;

    if (use_exact) {
        n = rk_match_lookup(wl->exact, v, &exact, hits, 64);
        a = first_list(wl, hits, n < 64 ? n : 64, kind_bit, &ka);
    }
    n = rk_match_lookup(wl->suffix, v, &suffix, hits, 64);
    b = first_list(wl, hits, n < 64 ? n : 64, kind_bit, &kb);
    *ix_out = a <= b ? wl->exact : wl->suffix;
    *key_out = a <= b ? ka : kb;
    return a < b ? a : b;
}

static uint32_t check_patterns(const struct rk_match_warnlists *wl, const struct rk_match_value *v,
                               unsigned kind_bit, const char **entry)
{
    pcre2_match_data *md = NULL;
    uint32_t found = UINT32_MAX;

    for (size_t i = 0; i < wl->n_pats && found == UINT32_MAX; i++) {
        const struct wl_pattern *p = &wl->pats[i];
        int hit;

        if (!(wl->lists[p->list].kinds & kind_bit))
            continue;
        if (p->re) {
            if (!md && !(md = pcre2_match_data_create(1, NULL)))
                break;
            hit = pcre2_match(p->re, (PCRE2_SPTR)v->text, v->len, 0, 0, md, NULL) >= 0;
        } else {
            hit = strstr(v->text, p->text) != NULL;
        }
        if (hit) {
            *entry = p->text;
            found = p->list;
        }
    }
    pcre2_match_data_free(md);
    return found;
}

int rk_match_warnlists_check(const struct rk_match_warnlists *wl, const struct rk_match_value *v,
                             struct rk_match_warning *out)
{
    const struct rk_match_index *ix = NULL;
    const char *pat_entry = NULL;
    uint32_t list, pat, key = 0;
    unsigned bit = KIND_BIT(v->kind);

    memset(out, 0, sizeof(*out));
    if (!wl || !wl->exact)
        return 0;
    list = check_indexes(wl, v, bit, 1, &ix, &key);
    if (list == UINT32_MAX && v->kind == RK_MATCH_URL) {
        struct rk_match_value *host = rk_malloc(sizeof(*host));

        if (host && url_host(v, host)) /* hostname lists match a URL by its host */
            list = check_indexes(wl, host, bit, 0, &ix, &key);
        rk_free(host);
    }
    pat = wl->n_pats ? check_patterns(wl, v, bit, &pat_entry) : UINT32_MAX;
    if (pat < list) {
        out->list = wl->lists[pat].name;
        out->entry = pat_entry;
        return 1;
    }
    if (list == UINT32_MAX)
        return 0;
    out->list = wl->lists[list].name;
    out->entry = rk_match_key_text(ix, key, NULL);
    return 1;
}
