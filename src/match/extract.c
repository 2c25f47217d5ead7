/* extract.c - values out of logs: JSON lines (Zeek, Suricata eve), CSV columns, free text.
 *
 * JSON: every string (and array of strings) under a key the table below knows is parsed as the
 * kind it names; Zeek's flat "id.resp_h" keys and eve's nested objects both work, as the key
 * compared is the last component. A record with a host and a URI (Zeek http, eve http) also
 * gives the URL host+uri. The record time comes from "ts" (Zeek: epoch seconds or ISO 8601)
 * or "timestamp" (eve).
 * CSV: RFC 4180 quoting; the named columns (comma-separated list) of each row.
 * Text: words split at white space and punctuation that cannot be in a value, "defanged"
 * forms undone (hxxp, [.], (.), [:], [@]), then parsed as IP, URL, e-mail, hash or domain.
 */
#include "renkei/match.h"
#include "match/internal.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "util/rktime.h"
#include "util/strparse.h"

#define DEFAULT_MAX_LINE (1u << 20)
#define JSON_MAX_DEPTH   16
#define FIELD_MAX        128

struct ex {
    const struct rk_match_extract_options *opt;
    rk_match_obs_fn fn;
    void *ctx;
    struct rk_match_value *v;
    uint64_t record;
    long long offset;
    int64_t ts_us;
    uint64_t values;
    char *line; /* text: the refanged line */
    struct rk_match_flow flow;
    int has_flow;
};

/* Source or destination address, by the field it came from. */
static int field_role(const char *field)
{
    size_t n = strlen(field);

    if (rk_has_suffix(field, n, "orig_h") || rk_has_suffix(field, n, "src_ip"))
        return RK_MATCH_ROLE_SRC;
    if (rk_has_suffix(field, n, "resp_h") || rk_has_suffix(field, n, "dest_ip"))
        return RK_MATCH_ROLE_DST;
    return RK_MATCH_ROLE_NONE;
}

static int emit_value(struct ex *x, int kind, const char *s, size_t len, const char *field)
{
    struct rk_match_obs obs;

    if (len == 0 || len > RK_MATCH_VALUE_MAX || rk_match_value_parse(x->v, kind, s, len, NULL) != 0)
        return 0;
    obs.value = x->v;
    obs.field = field;
    obs.ts_us = x->ts_us;
    obs.record = x->record;
    obs.offset = x->offset;
    obs.role = field_role(field);
    obs.flow = x->has_flow ? &x->flow : NULL;
    x->values++;
    return x->fn(&obs, x->ctx);
}

/* ---- JSON lines ---------------------------------------------------------------------------- */

/* Keys (the last component) whose strings are values, and the kind to parse them as. */
static int key_kind(const char *key)
{
    static const struct {
        const char *key;
        int kind;
    } map[] = {
            {"orig_h", RK_MATCH_ANY},  {"resp_h", RK_MATCH_ANY},   {"src_ip", RK_MATCH_ANY},
            {"dest_ip", RK_MATCH_ANY}, {"tx_hosts", RK_MATCH_ANY}, {"rx_hosts", RK_MATCH_ANY},
            {"answers", RK_MATCH_ANY}, {"rdata", RK_MATCH_ANY},    {"client_addr", RK_MATCH_ANY},
            {"server_addr", RK_MATCH_ANY}, {"assigned_addr", RK_MATCH_ANY},
            {"query", RK_MATCH_DOMAIN}, {"rrname", RK_MATCH_DOMAIN}, {"server_name", RK_MATCH_DOMAIN},
            {"sni", RK_MATCH_DOMAIN},  {"hostname", RK_MATCH_ANY}, {"host", RK_MATCH_ANY},
            {"md5", RK_MATCH_MD5},     {"sha1", RK_MATCH_SHA1},    {"sha256", RK_MATCH_SHA256},
            {"sha512", RK_MATCH_SHA512}, {"mailfrom", RK_MATCH_EMAIL}, {"rcptto", RK_MATCH_EMAIL},
            {"mail_from", RK_MATCH_EMAIL}, {"rcpt_to", RK_MATCH_EMAIL}, {"from", RK_MATCH_EMAIL},
            {"to", RK_MATCH_EMAIL},    {"url", RK_MATCH_URL},      {"referrer", RK_MATCH_URL},
            {"san.dns", RK_MATCH_DOMAIN}, {"dns", RK_MATCH_DOMAIN}};
    const char *dot = strrchr(key, '.');
    const char *last = dot ? dot + 1 : key;

    if (strcmp(key, "san.dns") == 0)
        return RK_MATCH_DOMAIN;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].key, last) == 0)
            return map[i].kind;
    return -1;
}

/* "host:port" of HTTP Host headers: keep the host. */
static size_t strip_port(const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);

    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) && s[0] != '[')
        return (size_t)(colon - s);
    return len;
}

static int walk_json(struct ex *x, const json_t *j, const char *path, const char *key, int depth);

static int walk_string(struct ex *x, const json_t *j, const char *path, const char *key)
{
    int kind = key_kind(key);
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);

    if (kind < 0)
        return 0;
    if (kind == RK_MATCH_URL && len > 0 && s[0] == '/')
        return 0; /* an eve "url" is the request target: joined with the host below */
    if (strcmp(key, "host") == 0 || strcmp(key, "hostname") == 0)
        len = strip_port(s, len);
    return emit_value(x, kind, s, len, path);
}

static int walk_json(struct ex *x, const json_t *j, const char *path, const char *key, int depth)
{
    char sub[FIELD_MAX];
    const char *k;
    json_t *child;
    size_t i;
    int rc;

    if (depth > JSON_MAX_DEPTH)
        return 0;
    if (json_is_string(j))
        return walk_string(x, j, path, key);
    if (json_is_array(j)) {
        json_array_foreach(j, i, child)
            if ((rc = walk_json(x, child, path, key, depth + 1)) != 0)
                return rc;
        return 0;
    }
    if (!json_is_object(j))
        return 0;
    json_object_foreach((json_t *)j, k, child) {
        if (*path)
            snprintf(sub, sizeof(sub), "%s.%s", path, k);
        else
            snprintf(sub, sizeof(sub), "%s", k);
        if ((rc = walk_json(x, child, sub, k, depth + 1)) != 0)
            return rc;
    }
    return 0;
}

/* An ISO 8601 time as eve writes it ("+0000" offsets) or RFC 3339. */
static int64_t parse_iso(const char *s, size_t len)
{
    char buf[64];
    struct rk_time t;

    if (len < 20 || len >= sizeof(buf) - 1)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if ((buf[len - 5] == '+' || buf[len - 5] == '-') && buf[len - 3] != ':') {
        memmove(buf + len - 1, buf + len - 2, 3); /* "+0000" -> "+00:00" */
        buf[len - 2] = ':';
        len++;
    }
    if (rk_time_parse(&t, buf, len, RK_TIME_RFC3339, NULL) != 0)
        return 0;
    return rk_time_to_us(&t);
}

static int64_t record_time(const json_t *doc)
{
    const json_t *ts = json_object_get(doc, "ts");

    if (!ts)
        ts = json_object_get(doc, "timestamp");
    if (json_is_number(ts)) {
        double d = json_number_value(ts);

        return isfinite(d) && d > 0 && d < 1e11 ? (int64_t)llround(d * 1e6) : 0;
    }
    if (json_is_string(ts))
        return parse_iso(json_string_value(ts), json_string_length(ts));
    return 0;
}

static unsigned port_of(const json_t *doc, const char *zeek, const char *eve)
{
    const json_t *p = json_object_get(doc, zeek);

    if (!p)
        p = json_object_get(doc, eve);
    return json_is_integer(p) && json_integer_value(p) > 0 && json_integer_value(p) < 65536
                   ? (unsigned)json_integer_value(p)
                   : 0;
}

/* Ports and protocol: Zeek id.orig_p/id.resp_p/proto, eve src_port/dest_port/proto. */
static void record_flow(struct ex *x, const json_t *doc)
{
    const char *proto = json_string_value(json_object_get(doc, "proto"));
    size_t i = 0;

    memset(&x->flow, 0, sizeof(x->flow));
    x->flow.src_port = port_of(doc, "id.orig_p", "src_port");
    x->flow.dst_port = port_of(doc, "id.resp_p", "dest_port");
    for (; proto && proto[i] && i + 1 < sizeof(x->flow.proto); i++)
        x->flow.proto[i] = (char)(proto[i] >= 'A' && proto[i] <= 'Z' ? proto[i] + 32 : proto[i]);
    x->flow.proto[i] = '\0';
    x->has_flow = x->flow.src_port || x->flow.dst_port || i > 0;
}

/* Zeek http (host + uri) and eve http (http.hostname + http.url) give a URL. */
static int json_url(struct ex *x, const json_t *doc)
{
    const json_t *http = json_object_get(doc, "http");
    const json_t *host = json_object_get(http ? http : doc, http ? "hostname" : "host");
    const json_t *uri = json_object_get(http ? http : doc, http ? "url" : "uri");
    char buf[RK_MATCH_VALUE_MAX + 1];
    size_t hl, ul;

    if (!json_is_string(host) || !json_is_string(uri))
        return 0;
    hl = json_string_length(host);
    ul = json_string_length(uri);
    if (hl + ul > RK_MATCH_VALUE_MAX || ul == 0 || json_string_value(uri)[0] != '/')
        return 0;
    memcpy(buf, json_string_value(host), hl);
    memcpy(buf + hl, json_string_value(uri), ul);
    return emit_value(x, RK_MATCH_URL, buf, hl + ul, http ? "http.url" : "uri");
}

static int json_line(struct ex *x, const char *line, size_t len, struct rk_err *err)
{
    json_error_t je;
    json_t *doc = json_loadb(line, len, 0, &je);
    int rc;

    if (!doc || !json_is_object(doc)) {
        json_decref(doc);
        rk_err_set(err, RK_EFORMAT, "record %llu: %s", (unsigned long long)x->record,
                   doc ? "not a JSON object" : je.text);
        rk_err_set_offset(err, x->offset + (doc ? 0 : je.position));
        return RK_EFORMAT;
    }
    x->ts_us = record_time(doc);
    record_flow(x, doc);
    rc = walk_json(x, doc, "", "", 0);
    if (rc == 0)
        rc = json_url(x, doc);
    json_decref(doc);
    return rc;
}

/* ---- CSV ------------------------------------------------------------------------------------- */

/* Read one CSV field at *pos (RFC 4180: quotes, "" escapes) into buf; *pos moves past the
 * separator. 1 more fields follow, 0 this was the last one, -1 malformed. */
static int csv_field(const char *s, size_t len, size_t *pos, char sep, char *buf, size_t cap,
                     size_t *n_out)
{
    size_t i = *pos, n = 0;
    int quoted = i < len && s[i] == '"';

    if (quoted)
        i++;
    for (; i < len; i++) {
        char c = s[i];

        if (quoted && c == '"') {
            if (i + 1 < len && s[i + 1] == '"') {
                i++;
            } else {
                quoted = 0;
                continue;
            }
        } else if (!quoted && c == sep) {
            break;
        } else if (!quoted && c == '"') {
            return -1;
        }
        if (n + 1 < cap)
            buf[n++] = c;
    }
    if (quoted)
        return -1;
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    *n_out = n;
    *pos = i + 1;
    return i < len;
}

/* Which fields of the header are wanted: a bit per column (the first 64 columns). */
static int csv_columns(const char *header, size_t len, const struct rk_match_extract_options *opt,
                       uint64_t *mask, struct rk_err *err)
{
    char name[256];
    size_t pos = 0, n;
    int more = 1;

    *mask = 0;
    for (unsigned col = 0; more > 0 && col < 64; col++) {
        const char *want = opt->column, *end;

        if ((more = csv_field(header, len, &pos, opt->csv_sep, name, sizeof(name), &n)) < 0)
            break;
        for (; want && *want; want = *end ? end + 1 : end) { /* "a,b,c" */
            end = strchr(want, ',');
            end = end ? end : want + strlen(want);
            if ((size_t)(end - want) == n && strncasecmp(want, name, n) == 0)
                *mask |= (uint64_t)1 << col;
        }
    }
    if (*mask == 0)
        return rk_err_set(err, RK_EFORMAT, "no column named '%s' in the CSV header",
                          opt->column ? opt->column : "");
    return 0;
}

static int csv_row(struct ex *x, const char *line, size_t len, uint64_t mask, const char *header,
                   size_t header_len)
{
    char buf[RK_MATCH_VALUE_MAX + 1], field[FIELD_MAX], name[64];
    size_t pos = 0, hpos = 0, n, hn;
    int more = 1, rc;

    for (unsigned col = 0; more > 0 && col < 64; col++) {
        if (header && csv_field(header, header_len, &hpos, x->opt->csv_sep, name, sizeof(name),
                                &hn) < 0)
            header = NULL;
        if ((more = csv_field(line, len, &pos, x->opt->csv_sep, buf, sizeof(buf), &n)) < 0)
            return RK_EFORMAT;
        if (!(mask >> col & 1))
            continue;
        snprintf(field, sizeof(field), "column %s", header ? name : "?");
        if ((rc = emit_value(x, RK_MATCH_ANY, buf, n, field)) != 0)
            return rc;
    }
    return 0;
}

/* ---- free text ------------------------------------------------------------------------------- */

static int word_break(unsigned char c)
{
    return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '(' || c == ')' ||
           c == '{' || c == '}' || c == ',' || c == ';' || c == '|' || c == '\\' || c == '`' ||
           c == '^' || c == '=' || c >= 0x7f;
}

/* Undo common defanging into buf: hxxp -> http, [.] (.) {.} -> ., [:] -> :, [@] -> @. */
static size_t refang(const char *s, size_t len, char *buf, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        if (i + 3 <= len && (s[i] == '[' || s[i] == '(' || s[i] == '{') &&
            (s[i + 1] == '.' || s[i + 1] == ':' || s[i + 1] == '@') &&
            (s[i + 2] == ']' || s[i + 2] == ')' || s[i + 2] == '}')) {
            buf[n++] = s[i + 1];
            i += 2;
        } else if (i + 4 <= len && (strncasecmp(s + i, "hxxp", 4) == 0)) {
            memcpy(buf + n, "http", 4 < cap - n ? 4 : cap - n - 1);
            n += 4 < cap - n ? 4 : cap - n - 1;
            i += 3;
        } else {
            buf[n++] = s[i];
        }
    }
    buf[n] = '\0';
    return n;
}

/* A URL found in text also gives its host, so that domain and address indicators see it. */
static int text_url_host(struct ex *x)
{
    char host[300];
    size_t n;

    if (x->v->kind != RK_MATCH_URL) /* the value just parsed */
        return 0;
    n = strcspn(x->v->text, "/");
    if (x->v->text[0] == '[') /* [v6]:port */
        n = strcspn(x->v->text, "]") + 1;
    else if (memchr(x->v->text, ':', n))
        n = (size_t)((const char *)memchr(x->v->text, ':', n) - x->v->text);
    if (n == 0 || n >= sizeof(host))
        return 0;
    memcpy(host, x->v->text[0] == '[' ? x->v->text + 1 : x->v->text, n);
    host[x->v->text[0] == '[' ? n - 2 : n] = '\0';
    return emit_value(x, RK_MATCH_ANY, host, strlen(host), "text");
}

static int text_word(struct ex *x, const char *w, size_t len)
{
    int rc;

    while (len > 0 && strchr(".:,!?*", w[len - 1])) /* sentence punctuation after a value */
        len--;
    if (len > 0 && w[len - 1] == ']' && !memchr(w, '[', len))
        len--;
    while (len > 0 && (w[0] == '*' || (w[0] == '[' && !memchr(w, ']', len))))
        w++, len--;
    if (len < 3 || len > RK_MATCH_VALUE_MAX)
        return 0;
    if (!memchr(w, '.', len) && !memchr(w, ':', len) && !rk_match__hash_kind_for_len(len))
        return 0; /* no dot, no colon, not hash-sized: cannot be a value */
    if ((rc = emit_value(x, RK_MATCH_ANY, w, len, "text")) != 0)
        return rc;
    return text_url_host(x);
}

static int text_line(struct ex *x, const char *line, size_t len)
{
    size_t i = 0, n;
    const char *s;
    int rc;

    if (!x->line && !(x->line = rk_malloc(x->opt->max_line + 1)))
        return RK_ENOMEM;
    n = refang(line, len, x->line, x->opt->max_line + 1);
    s = x->line;
    while (i < n) {
        size_t start;

        while (i < n && word_break((unsigned char)s[i]))
            i++;
        start = i;
        while (i < n && !word_break((unsigned char)s[i]))
            i++;
        if (i > start && (rc = text_word(x, s + start, i - start)) != 0)
            return rc;
    }
    return 0;
}

/* ---- drivers --------------------------------------------------------------------------------- */

int rk_match_extract_line(const char *line, size_t len,
                          const struct rk_match_extract_options *opt_in, const char *header,
                          size_t header_len, uint64_t record, rk_match_obs_fn fn, void *ctx,
                          struct rk_err *err)
{
    struct rk_match_extract_options o = *opt_in, *opt = &o;
    struct ex x = {.opt = opt, .fn = fn, .ctx = ctx, .record = record};
    uint64_t mask;
    int rc;

    if (o.max_line == 0)
        o.max_line = DEFAULT_MAX_LINE;
    if (o.csv_sep == 0)
        o.csv_sep = ',';
    if (len > o.max_line)
        return rk_err_set(err, RK_ELIMIT, "record %llu: longer than %zu bytes",
                          (unsigned long long)record, o.max_line);

    if (!(x.v = rk_malloc(sizeof(*x.v))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    switch (opt->format) {
    case RK_MATCH_FMT_JSON: rc = json_line(&x, line, len, err); break;
    case RK_MATCH_FMT_CSV:
        if ((rc = csv_columns(header, header_len, opt, &mask, err)) == 0 &&
            (rc = csv_row(&x, line, len, mask, header, header_len)) == RK_EFORMAT)
            rk_err_set(err, rc, "record %llu: unbalanced quotes", (unsigned long long)record);
        break;
    case RK_MATCH_FMT_TEXT: rc = text_line(&x, line, len); break;
    default: rc = emit_value(&x, RK_MATCH_ANY, line, len, "line"); break;
    }
    rk_free(x.line);
    rk_free(x.v);
    return rc;
}

/* Count a bad record and keep the first error; the scan goes on. */
static void bad_record(struct rk_match_extract_stats *st, const struct rk_err *e)
{
    if (st->bad_records++ == 0)
        st->first_error = *e;
}

static int extract_lines(struct ex *x, const char *p, size_t len,
                         struct rk_match_extract_stats *st, struct rk_err *err)
{
    const char *header = NULL;
    size_t header_len = 0, pos = 0;
    uint64_t mask = 0;
    int rc = 0;

    while (pos < len && rc >= 0) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) : len, n = end - pos;
        struct rk_err e;

        x->record++;
        x->offset = (long long)pos;
        x->ts_us = 0;
        x->has_flow = 0;
        if (n > 0 && p[end - 1] == '\r')
            n--;
        e.code = 0;
        e.offset = -1;
        if (n > x->opt->max_line) {
            rk_err_set(&e, RK_ELIMIT, "record %llu: longer than %zu bytes",
                       (unsigned long long)x->record, x->opt->max_line);
            rc = RK_ELIMIT;
        } else if (x->opt->format == RK_MATCH_FMT_CSV && !header) {
            header = p + pos;
            header_len = n;
            rc = csv_columns(header, header_len, x->opt, &mask, err);
            if (rc != 0)
                return rc; /* without the column there is nothing to do */
        } else if (n == 0) {
            rc = 0;
        } else if (x->opt->format == RK_MATCH_FMT_JSON) {
            rc = json_line(x, p + pos, n, &e);
        } else if (x->opt->format == RK_MATCH_FMT_CSV) {
            if ((rc = csv_row(x, p + pos, n, mask, header, header_len)) == RK_EFORMAT)
                rk_err_set(&e, rc, "record %llu: unbalanced quotes", (unsigned long long)x->record);
        } else if (x->opt->format == RK_MATCH_FMT_TEXT) {
            rc = text_line(x, p + pos, n);
        } else {
            rc = emit_value(x, RK_MATCH_ANY, p + pos, n, "line");
        }
        if (rc == RK_EFORMAT || rc == RK_ELIMIT) {
            rk_err_set_offset(&e, e.offset >= 0 ? e.offset : (long long)pos);
            bad_record(st, &e);
            rc = 0;
        }
        st->records++;
        pos = nl ? end + 1 : len;
    }
    return rc;
}

int rk_match_extract(const char *p, size_t len, const struct rk_match_extract_options *opt_in,
                     rk_match_obs_fn fn, void *ctx, struct rk_match_extract_stats *stats,
                     struct rk_err *err)
{
    struct rk_match_extract_options opt = *opt_in;
    struct rk_match_extract_stats local;
    struct ex x = {.opt = &opt, .fn = fn, .ctx = ctx};
    int rc;

    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    rk_err_clear(&stats->first_error);
    if (opt.max_line == 0)
        opt.max_line = DEFAULT_MAX_LINE;
    if (opt.csv_sep == 0)
        opt.csv_sep = ',';
    if (opt.format == RK_MATCH_FMT_PCAP)
        return rk_match__extract_pcap(p, len, &opt, fn, ctx, stats, err);
    if (opt.format == RK_MATCH_FMT_CSV && (!opt.column || !*opt.column))
        return rk_err_set(err, RK_EINVAL, "CSV input needs a column name");
    if (!(x.v = rk_malloc(sizeof(*x.v))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    rc = extract_lines(&x, p, len, stats, err);
    stats->values = x.values;
    rk_free(x.line);
    rk_free(x.v);
    return rc;
}
