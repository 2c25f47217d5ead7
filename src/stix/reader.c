/* reader.c - the streaming STIX reader: a bundle (with or without "type", its "objects" list in
 * any position), a bare object, a JSON array of objects, or JSON lines, read one object at a
 * time with bounded memory. The top level is read as a sequence of JSON values; an object with
 * an "objects" list is a bundle whose list elements are delivered one by one; any other
 * top-level object is one STIX object; a top-level array is a list of objects. */
#include "stix/object.h"
#include "stix/refs.h"
#include "stix/scan.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { ST_TOP, ST_ARRAY, ST_MEMBERS, ST_DONE, ST_FAILED };

/* The top-level members kept for the bundle checks. */
enum { BP_TYPE, BP_ID, BP_SPEC_VERSION, BP_N };
static const char *const bp_names[BP_N] = {"type", "id", "spec_version"};

/* Largest top-level bundle member value (type, id, spec_version, ...) decoded for checks. */
#define MEMBER_VALUE_MAX ((size_t)64 << 10)

struct rk_stix_reader {
    struct rk_stix_options opt;
    struct rk_stix_scan scan;
    struct rk_json_parser *jp; /* reused for every object */
    int state;
    int in_bundle;     /* the current list is a bundle's "objects" */
    int first;         /* no element/member read yet in the current list/object */
    int capturing;     /* the top-level object may be a bare STIX object: its text is kept */
    uint64_t top_start; /* where the current top-level value starts */
    struct rk_json_doc *bprops[BP_N]; /* top-level members type, id, spec_version */
    int lists;         /* "objects" lists streamed from the current top-level object */
    size_t index;
    struct rk_stix_findings *input;
    struct rk_stix_refs refs;
    struct rk_stix_source src; /* to name missing references at the end */
    char *path;
    long long cur_offset;
    struct rk_err fail;
    int fail_rc;
};

/* Ready an error for use: cheaper than rk_err_clear, which zeroes the whole struct. */
static void err_reset(struct rk_err *e)
{
    e->code = 0;
    e->offset = -1;
    e->object_id[0] = '\0';
    e->path[0] = '\0';
    e->message[0] = '\0';
}

static int reader_new(struct rk_stix_reader **out, const struct rk_stix_options *opt)
{
    struct rk_stix_reader *r = rk_calloc(1, sizeof(*r));

    if (!r)
        return RK_ENOMEM;
    r->opt = *rk_stix_options_or_default(opt);
    if (rk_json_parser_new(&r->jp) != 0) {
        rk_free(r);
        return RK_ENOMEM;
    }
    r->state = ST_TOP;
    rk_stix_refs_init(&r->refs);
    rk_err_clear(&r->fail);
    *out = r;
    return 0;
}

static void skip_bom(struct rk_stix_scan *s)
{
    if (rk_stix_scan_peek(s) == 0xef && s->len >= 3 && memcmp(s->p, "\xef\xbb\xbf", 3) == 0)
        s->pos = 3;
}

int rk_stix_reader_open_file(struct rk_stix_reader **out, const char *path,
                             const struct rk_stix_options *opt, struct rk_err *err)
{
    struct rk_stix_reader *r = NULL;
    int rc;

    *out = NULL;
    if ((rc = reader_new(&r, opt)) != 0)
        return rk_err_set(err, rc, "out of memory");
    if ((rc = rk_stix_scan_open_file(&r->scan, path, err)) != 0) {
        rk_stix_reader_free(r);
        return rc;
    }
    if (r->scan.size > 0 && (r->path = rk_strdup(path)) == NULL) { /* a regular file */
        rk_stix_reader_free(r);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    r->src.path = r->path;
    r->src.max_object = r->opt.max_object_bytes;
    skip_bom(&r->scan);
    *out = r;
    return 0;
}

int rk_stix_reader_open_mem(struct rk_stix_reader **out, const char *p, size_t len,
                            const struct rk_stix_options *opt, struct rk_err *err)
{
    struct rk_stix_reader *r = NULL;
    int rc;

    *out = NULL;
    if ((rc = reader_new(&r, opt)) != 0)
        return rk_err_set(err, rc, "out of memory");
    rk_stix_scan_open_mem(&r->scan, p, len);
    r->src.mem = p;
    r->src.mem_len = len;
    skip_bom(&r->scan);
    *out = r;
    return 0;
}

static void drop_bprops(struct rk_stix_reader *r)
{
    for (int i = 0; i < BP_N; i++) {
        rk_json_doc_free(r->bprops[i]);
        r->bprops[i] = NULL;
    }
}

/* A kept top-level member's value, NULL when absent. */
static struct rk_json *bprop(const struct rk_stix_reader *r, int which)
{
    return r->bprops[which] ? rk_json_root(r->bprops[which]) : NULL;
}

void rk_stix_reader_free(struct rk_stix_reader *r)
{
    if (!r)
        return;
    rk_stix_scan_close(&r->scan);
    drop_bprops(r);
    rk_json_parser_free(r->jp);
    rk_stix_findings_free(r->input);
    rk_stix_refs_free(&r->refs);
    rk_free(r->path);
    rk_free(r);
}

uint64_t rk_stix_reader_position(const struct rk_stix_reader *r)
{
    return rk_stix_scan_offset(&r->scan);
}

uint64_t rk_stix_reader_size(const struct rk_stix_reader *r)
{
    return r->scan.size;
}

const struct rk_stix_findings *rk_stix_reader_findings(const struct rk_stix_reader *r)
{
    return r->input;
}

void rk_stix_item_clear(struct rk_stix_item *item)
{
    if (!item)
        return;
    rk_stix_object_free(item->object);
    rk_stix_findings_free(item->findings);
    memset(item, 0, sizeof(*item));
    item->offset = -1;
}

/* ---- failures and whole-input findings ------------------------------------------------------ */

static int fail(struct rk_stix_reader *r, int rc, const struct rk_err *e)
{
    if (e && e->message[0]) {
        r->fail = *e;
    } else {
        rk_err_set(&r->fail, rc, "cannot read the input further");
        rk_err_set_offset(&r->fail, (long long)rk_stix_scan_offset(&r->scan));
    }
    r->fail.code = rc;
    r->fail_rc = rc;
    r->state = ST_FAILED;
    rk_stix_findings_add(&r->input, RK_STIX_ERROR, r->fail.offset, "", "", r->fail.message);
    return rc;
}

static int failf(struct rk_stix_reader *r, int rc, const char *what)
{
    struct rk_err e;
    uint64_t at = rk_stix_scan_offset(&r->scan);
    int c = rk_stix_scan_peek(&r->scan);

    err_reset(&e);
    if (c < 0)
        rk_err_set(&e, c == RK_SCAN_IOERR ? RK_EIO : rc, "%s at byte %llu: the input ends here%s",
                   what, (unsigned long long)at, c == RK_SCAN_IOERR ? " (read error)" : "");
    else
        rk_err_set(&e, rc, "%s at byte %llu, found '%c'", what, (unsigned long long)at, c);
    rk_err_set_offset(&e, (long long)at);
    return fail(r, c == RK_SCAN_IOERR ? RK_EIO : rc, &e);
}

static void input_finding(struct rk_stix_reader *r, int severity, long long offset,
                          const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void input_finding(struct rk_stix_reader *r, int severity, long long offset,
                          const char *fmt, ...)
{
    char msg[RK_ERR_MESSAGE_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rk_stix_findings_add(&r->input, severity, offset, "", "", msg);
}

/* ---- delivering objects ----------------------------------------------------------------------- */

static void on_ref(void *ctx, const char *id, size_t len)
{
    struct rk_stix_reader *r = ctx;

    if (!rk_stix_is_tlp_id(id))
        rk_stix_refs_ref(&r->refs, id, len, r->cur_offset);
}

static void reject(struct rk_stix_item *item, int severity, const char *msg)
{
    rk_stix_findings_add(&item->findings, severity, item->offset, item->id, "", msg);
}

/* Validate a parsed object into item. */
static void check_loaded(struct rk_stix_reader *r, struct rk_stix_item *item,
                         struct rk_json_doc *doc, size_t len)
{
    struct rk_stix_check chk = {&r->opt, item->offset, len, on_ref, r};
    struct rk_json *id = rk_json_get(rk_json_root(doc), "id");
    struct rk_json *version = rk_json_get(rk_json_root(doc), "modified");

    if (rk_json_is_string(id)) {
        rk_strlcpy(item->id, rk_json_str(id), sizeof(item->id));
        rk_stix_refs_seen(&r->refs, rk_json_str(id), rk_json_strlen(id));
    }
    if (!rk_json_is_string(version))
        version = rk_json_get(rk_json_root(doc), "created");
    if (rk_json_is_string(version) &&
        rk_strlcpy(item->version, rk_json_str(version), sizeof(item->version)) != 0)
        item->version[0] = '\0'; /* a truncated version would name no version at all */
    r->cur_offset = item->offset;
    rk_stix_object_check_take(&item->object, doc, &chk, &item->findings, NULL);
    rk_stix_refs_flush(&r->refs); /* the slots of its notes were loaded meanwhile */
}

/* Parse and validate one object's text into item. */
static void process_text(struct rk_stix_reader *r, struct rk_stix_item *item, const char *text,
                         size_t len)
{
    struct rk_json_doc *doc = NULL;

    if (rk_stix_json_load(&doc, r->jp, text, len, item->offset, &r->opt, &item->findings,
                          NULL) == 0)
        check_loaded(r, item, doc, len);
}

/* The value at the scanner's position parsed in place, when it parses within its first lim
 * bytes (and the window) and is at most max_object_bytes long; its length in *end. NULL when
 * it is malformed, larger, or cut off by the window: the careful path then scans it and
 * reports exactly why. */
static struct rk_json_doc *parse_in_place(struct rk_stix_reader *r, size_t lim, size_t *end)
{
    struct rk_stix_scan *s = &r->scan;
    struct rk_json_doc *doc = NULL;

    *end = 0;
    if (lim == 0 || lim > s->len - s->pos)
        lim = s->len - s->pos;
    if (rk_json_parse(r->jp, s->p + s->pos, lim, RK_JSON_PREFIX, &doc, end, NULL) != 0)
        return NULL;
    if (*end == 0 || *end > r->opt.max_object_bytes) {
        rk_json_doc_free(doc);
        return NULL;
    }
    return doc;
}

/* Take a document parse_in_place made as the item: past its text, validated. */
static void deliver_parsed(struct rk_stix_reader *r, struct rk_stix_item *item,
                           struct rk_json_doc *doc, size_t end)
{
    r->scan.pos += end;
    check_loaded(r, item, doc, end);
}

/* The fast path: when the whole object is in the window, the JSON parser finds its end itself
 * and no separate scan is needed. */
static int try_direct(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    size_t end;
    struct rk_json_doc *doc = parse_in_place(r, r->opt.max_object_bytes + 1, &end);

    if (!doc)
        return 0;
    deliver_parsed(r, item, doc, end);
    return 1;
}

/* One element of a list, parsed and validated alone. 1, or < 0 when fatal. */
static int deliver_element(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    struct rk_stix_scan *s = &r->scan;
    uint64_t start = rk_stix_scan_offset(s);
    const char *text;
    size_t len;
    struct rk_err e;
    int first, rc;
    char msg[128];

    item->index = r->index;
    item->offset = (long long)start;
    r->first = 0;
    rk_stix_scan_trim(s);
    if (rk_stix_scan_peek(s) == '{' && try_direct(r, item)) {
        r->index++;
        return 1;
    }
    err_reset(&e);
    rk_stix_scan_mark(s, r->opt.max_object_bytes);
    rc = rk_stix_scan_value(s, &first, &e);
    if (rc != 0) {
        rk_stix_scan_unmark(s);
        return fail(r, rc, &e);
    }
    text = rk_stix_scan_span(s, start, &len);
    rk_stix_scan_unmark(s);
    r->index++;
    if (first != '{') {
        reject(item, RK_STIX_ERROR, "list element is not a JSON object");
    } else if (!text || len > r->opt.max_object_bytes) {
        snprintf(msg, sizeof(msg), "object of %zu bytes exceeds max_object_bytes (%zu)", len,
                 r->opt.max_object_bytes);
        reject(item, RK_STIX_ERROR, msg);
    } else {
        process_text(r, item, text, len);
    }
    return 1;
}

/* ---- bundles ------------------------------------------------------------------------------------ */

/* The bundle's own properties: from the kept members (streamed) or the whole bundle. */
static void check_bundle(struct rk_stix_reader *r, const struct rk_json *whole, int streamed)
{
    long long at = (long long)r->top_start;
    struct rk_json *type = whole ? rk_json_get(whole, "type") : bprop(r, BP_TYPE);
    struct rk_json *id = whole ? rk_json_get(whole, "id") : bprop(r, BP_ID);
    struct rk_json *sv = whole ? rk_json_get(whole, "spec_version") : bprop(r, BP_SPEC_VERSION);
    struct rk_json *objs = whole ? rk_json_get(whole, "objects") : NULL;

    if (!type)
        input_finding(r, RK_STIX_WARNING, at, "the bundle has no type (section 8.1)");
    else if (!rk_json_is_string(type) || strcmp(rk_json_str(type), "bundle") != 0)
        input_finding(r, RK_STIX_ERROR, at, "a top-level object with an objects list must have "
                      "type \"bundle\", not %.64s",
                      rk_json_str(type) ? rk_json_str(type) : "a string");
    if (!id)
        input_finding(r, RK_STIX_WARNING, at, "the bundle has no id (section 8.1)");
    else if (!rk_json_is_string(id) || !rk_stix_id_valid(rk_json_str(id), rk_json_strlen(id)) ||
             strncmp(rk_json_str(id), "bundle--", 8) != 0)
        input_finding(r, RK_STIX_ERROR, at, "the bundle id must be bundle--<UUID> (section 8.1)");
    if (sv && rk_json_is_string(sv) && strcmp(rk_json_str(sv), "2.1") == 0)
        input_finding(r, RK_STIX_WARNING, at, "spec_version is not a bundle property in STIX "
                      "2.1");
    else if (sv && !(rk_json_is_string(sv) && strcmp(rk_json_str(sv), "2.0") == 0))
        input_finding(r, RK_STIX_ERROR, at, "the bundle spec_version must be \"2.0\" (a STIX 2.0 "
                      "bundle) or absent");
    if (!streamed && objs && !rk_json_is_array(objs))
        input_finding(r, RK_STIX_ERROR, at, "the bundle's objects must be a list");
}

/* A top-level member other than "objects": keep the small ones for the bundle checks. */
static int keep_member(struct rk_stix_reader *r, const char *key, const char *text, size_t len)
{
    struct rk_json_doc *v = NULL;
    int which = 0;

    while (which < BP_N && strcmp(key, bp_names[which]) != 0)
        which++;
    if (!text || len > MEMBER_VALUE_MAX || which == BP_N)
        return 0;
    if (rk_json_parse(r->jp, text, len, RK_JSON_ANY, &v, NULL, NULL) != 0)
        return 0; /* malformed: reported when the object is parsed or by check_bundle */
    if (r->bprops[which])
        input_finding(r, RK_STIX_ERROR, (long long)r->top_start,
                      "duplicate top-level key \"%s\"", key);
    rk_json_doc_free(r->bprops[which]);
    r->bprops[which] = v;
    return 0;
}

/* The top-level object ended: deliver it as one object unless it was a bundle. 1 or 0. */
static int end_top_object(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    struct rk_stix_scan *s = &r->scan;
    const char *text;
    size_t len;
    struct rk_json *type = bprop(r, BP_TYPE);

    r->state = ST_TOP;
    if (!r->capturing) {
        check_bundle(r, NULL, 1);
        return 0;
    }
    text = rk_stix_scan_span(s, r->top_start, &len);
    rk_stix_scan_unmark(s);
    r->capturing = 0;
    if (rk_json_is_string(type) && strcmp(rk_json_str(type), "bundle") == 0 && text) {
        struct rk_json_doc *b = NULL;

        if (rk_json_parse(r->jp, text, len, 0, &b, NULL, NULL) == 0) {
            check_bundle(r, rk_json_root(b), 0); /* a bundle without an objects list */
            rk_json_doc_free(b);
            return 0;
        }
    }
    item->index = r->index++;
    item->offset = (long long)r->top_start;
    if (!text) {
        char msg[128];

        snprintf(msg, sizeof(msg), "object of %zu bytes exceeds max_object_bytes (%zu)", len,
                 r->opt.max_object_bytes);
        reject(item, RK_STIX_ERROR, msg);
    } else {
        process_text(r, item, text, len);
    }
    return 1;
}

/* A member's key: the decoded string, "" when not a plain key. */
static int read_key(struct rk_stix_reader *r, char *key, size_t cap)
{
    struct rk_stix_scan *s = &r->scan;
    uint64_t start = rk_stix_scan_offset(s);
    const char *text;
    size_t len;
    struct rk_err e;
    int first, rc, marked = s->mark == RK_SCAN_NO_MARK;
    struct rk_json_doc *k = NULL;

    err_reset(&e);
    if (marked)
        rk_stix_scan_mark(s, 4096);
    rc = rk_stix_scan_value(s, &first, &e);
    text = rk_stix_scan_span(s, start, &len);
    if (marked)
        rk_stix_scan_unmark(s);
    if (rc != 0)
        return fail(r, rc, &e);
    key[0] = '\0';
    if (first != '"')
        return failf(r, RK_EFORMAT, "expected a quoted key in the top-level object");
    if (text && rk_json_parse(r->jp, text, len, RK_JSON_ANY, &k, NULL, NULL) == 0) {
        rk_strlcpy(key, rk_json_str(rk_json_root(k)) ? rk_json_str(rk_json_root(k)) : "", cap);
        rk_json_doc_free(k);
    }
    return 0;
}

/* Start streaming the bundle's objects list (the '[' is next). */
static void start_bundle_list(struct rk_stix_reader *r)
{
    if (r->lists++ > 0)
        input_finding(r, RK_STIX_ERROR, (long long)r->top_start,
                      "duplicate top-level key \"objects\"");
    rk_stix_scan_unmark(&r->scan);
    r->capturing = 0;
    rk_stix_scan_skip(&r->scan);
    r->in_bundle = 1;
    r->first = 1;
    r->state = ST_ARRAY;
}

/* One member value of the top-level object. */
static int read_member_value(struct rk_stix_reader *r, const char *key)
{
    struct rk_stix_scan *s = &r->scan;
    struct rk_json *type = bprop(r, BP_TYPE);
    uint64_t start;
    const char *text;
    size_t len;
    struct rk_err e;
    int first, rc, marked;

    if (rk_stix_scan_ws(s) == '[' && strcmp(key, "objects") == 0 &&
        (!type || (rk_json_is_string(type) && strcmp(rk_json_str(type), "bundle") == 0))) {
        start_bundle_list(r);
        return 0;
    }
    err_reset(&e);
    start = rk_stix_scan_offset(s);
    if ((marked = s->mark == RK_SCAN_NO_MARK) != 0)
        rk_stix_scan_mark(s, MEMBER_VALUE_MAX);
    rc = rk_stix_scan_value(s, &first, &e);
    text = rk_stix_scan_span(s, start, &len);
    if (rc == 0 && (rc = keep_member(r, key, text, len)) != 0)
        rk_err_set(&e, rc, "out of memory");
    if (marked)
        rk_stix_scan_unmark(s);
    return rc != 0 ? fail(r, rc, &e) : 0;
}

/* Inside the top-level object: the next member, or its end. 1 when an item was delivered. */
static int step_members(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    struct rk_stix_scan *s = &r->scan;
    char key[64];
    int c = rk_stix_scan_ws(s), rc;

    if (c == '}') {
        rk_stix_scan_skip(s);
        return end_top_object(r, item);
    }
    if (!r->first) {
        if (c != ',')
            return failf(r, RK_EFORMAT, "expected ',' or '}' in the top-level object");
        rk_stix_scan_skip(s);
        rk_stix_scan_ws(s);
    }
    r->first = 0;
    if ((rc = read_key(r, key, sizeof(key))) != 0)
        return rc;
    if (rk_stix_scan_ws(s) != ':')
        return failf(r, RK_EFORMAT, "expected ':' after a key of the top-level object");
    rk_stix_scan_skip(s);
    return read_member_value(r, key);
}

/* Inside a list of objects: the next element, or the end of the list. */
static int step_array(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    struct rk_stix_scan *s = &r->scan;
    int c = rk_stix_scan_ws(s);

    if (c == ']') {
        rk_stix_scan_skip(s);
        r->state = r->in_bundle ? ST_MEMBERS : ST_TOP;
        r->in_bundle = 0;
        r->first = 0;
        return 0;
    }
    if (c < 0)
        return failf(r, RK_EFORMAT, "the list of objects is not closed (truncated input?)");
    if (!r->first) {
        if (c != ',')
            return failf(r, RK_EFORMAT, "expected ',' or ']' between list elements");
        rk_stix_scan_skip(s);
        if ((c = rk_stix_scan_ws(s)) == ']') {
            input_finding(r, RK_STIX_ERROR, (long long)rk_stix_scan_offset(s),
                          "a trailing ',' before ']'");
            return 0;
        }
    }
    return deliver_element(r, item);
}

/* Between top-level values. */
#define TOP_DIRECT_MAX ((size_t)1 << 20) /* bytes: larger top-level objects are scanned */

/* A top-level object that is not a bundle (JSON lines, a bare object): parsed in place and
 * checked at once, as a list element is, instead of scanned member by member for the bundle
 * properties (which made JSON lines half again as slow to read as a bundle's list). 1 when
 * delivered; 0 to scan it: it may be a bundle ("objects", or type "bundle"), or it is too
 * large, malformed or cut off by the window to parse here. */
static int deliver_top_object(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    /* a bundle is found out after at most this much parsing (its memory is given back, but a
     * peak of max_object_bytes' worth would stay in the resident size) */
    size_t lim = r->opt.max_object_bytes < TOP_DIRECT_MAX ? r->opt.max_object_bytes + 1
                                                           : TOP_DIRECT_MAX, end;
    struct rk_json_doc *doc = parse_in_place(r, lim, &end);
    struct rk_json *root = doc ? rk_json_root(doc) : NULL, *type = rk_json_get(root, "type");

    if (!doc)
        return 0;
    if (rk_json_get(root, "objects") ||
        (rk_json_is_string(type) && strcmp(rk_json_str(type), "bundle") == 0)) {
        rk_json_doc_free(doc);
        return 0;
    }
    item->index = r->index++;
    item->offset = (long long)r->top_start;
    deliver_parsed(r, item, doc, end);
    return 1;
}

/* Between top-level values. 1 when an object was delivered into item, 0 to go on, < 0 when
 * fatal. */
static int step_top(struct rk_stix_reader *r, struct rk_stix_item *item)
{
    struct rk_stix_scan *s = &r->scan;
    int c = rk_stix_scan_ws(s);

    if (c == RK_SCAN_EOF) {
        if (rk_stix_refs_report(&r->refs, &r->src, &r->input) != 0)
            return failf(r, RK_ENOMEM, "out of memory");
        r->state = ST_DONE;
        return 0;
    }
    r->top_start = rk_stix_scan_offset(s);
    rk_stix_scan_trim(s); /* JSON lines: what the objects before took of the mapped file */
    if (c == '{' && deliver_top_object(r, item))
        return 1;
    if (c == '{') {
        rk_stix_scan_mark(s, r->opt.max_object_bytes);
        rk_stix_scan_skip(s);
        drop_bprops(r);
        r->lists = 0;
        r->capturing = 1;
        r->first = 1;
        r->state = ST_MEMBERS;
        return 0;
    }
    if (c == '[') {
        rk_stix_scan_skip(s);
        r->in_bundle = 0;
        r->first = 1;
        r->state = ST_ARRAY;
        return 0;
    }
    return failf(r, c == RK_SCAN_IOERR ? RK_EIO : RK_EFORMAT,
                 "expected a STIX bundle, object or list of objects");
}

int rk_stix_reader_next(struct rk_stix_reader *r, struct rk_stix_item *item, struct rk_err *err)
{
    int rc = 0;

    memset(item, 0, sizeof(*item));
    item->offset = -1;
    while (rc == 0) {
        switch (r->state) {
        case ST_DONE:
            return 0;
        case ST_FAILED:
            if (err)
                *err = r->fail;
            return r->fail_rc;
        case ST_TOP:
            rc = step_top(r, item);
            break;
        case ST_ARRAY:
            rc = step_array(r, item);
            break;
        default:
            rc = step_members(r, item);
            break;
        }
    }
    if (rc < 0) {
        if (err)
            *err = r->fail;
        return rc;
    }
    return 1;
}
