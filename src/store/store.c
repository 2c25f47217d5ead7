/* store.c - the storage API: argument checks, caps and normalisation, then the backend. */
#include "renkei/store.h"
#include "store/backend.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/digest.h"
#include "util/rktime.h"
#include "util/strparse.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static int check_writable(struct rk_store *st, struct rk_err *err)
{
    if (st->flags & RK_STORE_READONLY)
        return rk_err_set(err, RK_EPERM, "store is open read-only");
    if (st->batch)
        return rk_err_set(err, RK_EINVAL, "a batch is open on this store handle");
    if (st->reading)
        return rk_err_set(err, RK_EINVAL, "a read snapshot is open on this store handle");
    return 0;
}

/* A bounded, non-empty string without control characters. */
static int check_name(const char *what, const char *s, struct rk_err *err)
{
    size_t n;

    if (!s || !s[0])
        return rk_err_set(err, RK_EINVAL, "%s is empty", what);
    n = strnlen(s, RK_STORE_STRING_MAX + 1);
    if (n > RK_STORE_STRING_MAX)
        return rk_err_set(err, RK_ELIMIT, "%s is longer than %d bytes", what, RK_STORE_STRING_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return rk_err_set(err, RK_EFORMAT, "%s has a control character at byte %zu", what, i);
    }
    return 0;
}

/* Like check_name, but NULL and "" are allowed. */
static int check_optional(const char *what, const char *s, struct rk_err *err)
{
    if (!s || !s[0])
        return 0;
    return check_name(what, s, err);
}

int rk_store_vkey(uint8_t out[RK_STORE_VKEY_LEN], const char *ts, struct rk_err *err)
{
    struct rk_time t;
    uint64_t sec;
    int rc;

    if ((rc = rk_time_parse(&t, ts, strlen(ts), RK_TIME_STIX, err)) != 0)
        return rc;
    sec = (uint64_t)t.sec ^ (UINT64_C(1) << 63);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(sec >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        out[8 + i] = (uint8_t)((uint32_t)t.nsec >> (24 - 8 * i));
    return 0;
}

void rk_store_vkey_format(const uint8_t *vkey, size_t len, char *buf, size_t cap)
{
    struct rk_time t = {0};
    uint64_t sec = 0;
    uint32_t nsec = 0;

    if (cap == 0)
        return;
    buf[0] = '\0';
    if (len != RK_STORE_VKEY_LEN)
        return;
    for (int i = 0; i < 8; i++)
        sec = sec << 8 | vkey[i];
    for (int i = 8; i < 12; i++)
        nsec = nsec << 8 | vkey[i];
    t.sec = (int64_t)(sec ^ (UINT64_C(1) << 63));
    t.nsec = (int32_t)nsec;
    if (rk_time_format(&t, 9, buf, cap) < 0)
        buf[0] = '\0';
}

/* "2.1" -> 2001; 0 when it is not major.minor. */
static int spec_rank(const char *s)
{
    const char *dot = strchr(s, '.');
    uint64_t major, minor;

    if (!dot || rk_parse_u64(s, (size_t)(dot - s), 999, &major) != 0 ||
        rk_parse_u64(dot + 1, strlen(dot + 1), 999, &minor) != 0)
        return 0;
    return (int)(major * 1000 + minor);
}

/* ---- opening --------------------------------------------------------------------------------- */

int rk_store_open(struct rk_store **out, const char *dir, unsigned flags, struct rk_err *err)
{
    *out = NULL;
    if (!dir || !dir[0])
        return rk_err_set(err, RK_EINVAL, "no data directory given");
    if ((flags & RK_STORE_CREATE) && (flags & RK_STORE_READONLY))
        return rk_err_set(err, RK_EINVAL, "a store cannot be created read-only");
    return rk_store_sqlite_open(out, dir, flags, err);
}

void rk_store_close(struct rk_store *st)
{
    if (!st)
        return;
    rk_store_batch_abort(st->batch);
    st->ops->close(st);
}

/* ---- collections ----------------------------------------------------------------------------- */

int rk_store_collection_add(struct rk_store *st, struct rk_collection *c, struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0)
        return rc;
    if ((rc = check_optional("collection id", c->id, err)) != 0 ||
        (rc = check_optional("collection alias", c->alias, err)) != 0)
        return rc;
    if (!memchr(c->title, '\0', sizeof(c->title)) ||
        !memchr(c->description, '\0', sizeof(c->description)))
        return rk_err_set(err, RK_EINVAL, "collection title or description is not terminated");
    return st->ops->collection_add(st, c, err);
}

int rk_store_collection_get(struct rk_store *st, const char *id_or_alias, struct rk_collection *out,
                            struct rk_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_name("collection", id_or_alias, err)) != 0)
        return rc == RK_EINVAL ? rk_err_set(err, RK_ENOTFOUND, "no collection given") : rc;
    return st->ops->collection_get(st, id_or_alias, out, err);
}

int rk_store_collection_list(struct rk_store *st,
                             int (*fn)(const struct rk_collection *c, void *ctx), void *ctx,
                             struct rk_err *err)
{
    return st->ops->collection_list(st, fn, ctx, err);
}

int rk_store_collection_remove(struct rk_store *st, const char *id_or_alias, struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_name("collection", id_or_alias, err)))
        return rc;
    return st->ops->collection_remove(st, id_or_alias, err);
}

/* ---- batches --------------------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Copy names into a new sorted array without duplicates; *out is NULL when n is 0. */
static int sorted_names(const char *what, const char *const *names, size_t n, const char ***out,
                        size_t *n_out, struct rk_err *err)
{
    const char **v;
    size_t k = 0;
    int rc;

    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return 0;
    if (!names)
        return rk_err_set(err, RK_EINVAL, "%s: %zu names but no list", what, n);
    if (n > RK_STORE_NAMES_MAX)
        return rk_err_set(err, RK_ELIMIT, "%s: more than %d names", what, RK_STORE_NAMES_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_name(what, names[i], err)) != 0)
            return rc;
    }
    if (!(v = rk_reallocarray(NULL, n, sizeof(*v))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    memcpy(v, names, n * sizeof(*v));
    qsort(v, n, sizeof(*v), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    }
    *out = v;
    *n_out = k;
    return 0;
}

static void batch_free(struct rk_store_batch *b)
{
    if (!b)
        return;
    rk_free(b->origin.groups);
    rk_free(b->origin.readers);
    rk_free(b);
}

static int origin_init(struct rk_store_origin *o, const struct rk_provenance *prov,
                       struct rk_err *err)
{
    static const struct rk_provenance none = {0};
    int rc;

    if (!prov)
        prov = &none;
    o->kind = prov->kind && prov->kind[0] ? prov->kind : "local";
    o->source = prov->source ? prov->source : "";
    o->org = prov->org ? prov->org : "";
    if ((rc = check_name("provenance kind", o->kind, err)) != 0 ||
        (rc = check_optional("provenance source", o->source, err)) != 0 ||
        (rc = check_optional("provenance org", o->org, err)) != 0)
        return rc;
    if ((rc = sorted_names("sharing groups", prov->groups, prov->n_groups, &o->groups, &o->n_groups,
                           err)) != 0)
        return rc;
    return sorted_names("named readers", prov->readers, prov->n_readers, &o->readers, &o->n_readers,
                        err);
}

int rk_store_batch_begin(struct rk_store_batch **out, struct rk_store *st, const char *collection,
                         const struct rk_provenance *prov, struct rk_err *err)
{
    struct rk_store_batch *b = NULL;
    int rc;

    *out = NULL;
    if ((rc = check_writable(st, err)) != 0)
        goto out;
    if ((rc = check_name("collection", collection, err)) != 0)
        goto out;
    rc = RK_ENOMEM;
    if (!(b = rk_calloc(1, sizeof(*b)))) {
        rk_err_set(err, rc, "out of memory");
        goto out;
    }
    b->st = st;
    if ((rc = origin_init(&b->origin, prov, err)) != 0)
        goto out;
    if ((rc = st->ops->batch_begin(b, collection, err)) != 0)
        goto out;
    st->batch = b;
    *out = b;
    b = NULL;
    rc = 0;
out:
    batch_free(b);
    return rc;
}

static int check_object(const struct rk_store_object *o, struct rk_err *err)
{
    int rc;

    if ((rc = check_name("object id", o->id, err)) != 0 ||
        (rc = check_name("object type", o->type, err)) != 0 ||
        (rc = check_name("spec_version", o->spec_version, err)) != 0)
        return rc;
    if (!o->json || o->json_len == 0)
        return rk_err_set(err, RK_EINVAL, "object has no JSON text");
    if (o->json_len > RK_STORE_OBJECT_MAX)
        return rk_err_set(err, RK_ELIMIT, "object JSON is %zu bytes, more than %u", o->json_len,
                          RK_STORE_OBJECT_MAX);
    if (o->tlp < RK_TLP_NONE || o->tlp > RK_TLP_RED)
        return rk_err_set(err, RK_EINVAL, "tlp %d is not an enum rk_tlp value", o->tlp);
    return 0;
}

/* Fill p from o: version key from modified, else created. The digest of the JSON text is left
 * to the backend, which needs it only when the same id and version is stored already. */
static int put_init(struct rk_store_put *p, const struct rk_store_object *o, struct rk_err *err)
{
    const char *version = o->modified ? o->modified : o->created;
    uint8_t created_key[RK_STORE_VKEY_LEN];
    int rc;

    memset(p, 0, sizeof(*p));
    p->o = o;
    if ((rc = check_object(o, err)) != 0)
        return rc;
    if (version) {
        if ((rc = rk_store_vkey(p->vkey, version, err)) != 0) {
            rk_err_prefix(err, "%s: ", o->modified ? "modified" : "created");
            rk_err_set_path(err, o->modified ? "modified" : "created");
            return rc;
        }
        p->vkey_len = RK_STORE_VKEY_LEN;
    }
    if (o->created && o->modified && (rc = rk_store_vkey(created_key, o->created, err))) {
        rk_err_prefix(err, "created: ");
        rk_err_set_path(err, "created");
        return rc;
    }
    p->spec_rank = spec_rank(o->spec_version);
    return 0;
}

int rk_store_batch_put(struct rk_store_batch *b, const struct rk_store_object *o,
                       enum rk_put_outcome *outcome, int64_t *date_added_out, struct rk_err *err)
{
    struct rk_store_put p;
    enum rk_put_outcome dummy;
    int64_t added = 0;
    int rc;

    if (!outcome)
        outcome = &dummy;
    *outcome = RK_PUT_STORED;
    if (date_added_out)
        *date_added_out = 0;
    if (b->failed)
        return rk_err_set(err, RK_EINVAL, "the batch failed earlier and must be aborted");
    if (b->st->ops->batch_prefetch && o->id)
        b->st->ops->batch_prefetch(b, o->id);
    if ((rc = put_init(&p, o, err)) != 0) {
        rk_err_set_object(err, o->id);
        return rc;
    }
    if ((rc = b->st->ops->batch_put(b, &p, outcome, &added, err)) != 0) {
        rk_err_set_object(err, o->id);
        return rc;
    }
    b->counts.duplicates += *outcome == RK_PUT_DUPLICATE;
    b->counts.conflicts += *outcome == RK_PUT_CONFLICT;
    if (date_added_out)
        *date_added_out = added;
    return 0;
}

/* After the first (from the clock), the values of a batch are consecutive microseconds: all
 * of its rows become visible at the commit, so any increasing values between the batch's start
 * and its commit are true, and consecutive row ids let a page read step from one row to the
 * next instead of searching the table for each. The values never run ahead of the clock, and
 * go back to it when they lag by a second. */
int64_t rk_store_batch_next_added(const struct rk_store_batch *b)
{
    int64_t next = b->last_added_us + 1, now;

    if (b->handed > 0) {
        now = rk_time_now_us();
        if (next <= now && now - next < 1000000)
            return next;
    }
    return rk_time_unique_us(b->last_added_us);
}

int rk_store_batch_may_hold(struct rk_store_batch *b, const char *id)
{
    return !id || b->st->ops->batch_may_hold(b, id);
}

int64_t rk_store_batch_reserve_added(struct rk_store_batch *b)
{
    b->last_added_us = rk_store_batch_next_added(b);
    b->handed++;
    return b->last_added_us;
}

void rk_store_batch_counts(const struct rk_store_batch *b, struct rk_store_batch_counts *out)
{
    *out = b->counts;
}

int rk_store_batch_commit(struct rk_store_batch *b, struct rk_err *err)
{
    int rc;

    if (!b)
        return rk_err_set(err, RK_EINVAL, "no batch");
    b->st->batch = NULL;
    if (b->failed) {
        b->st->ops->batch_abort(b);
        rc = rk_err_set(err, RK_EINVAL, "the batch failed earlier: nothing of it was kept");
    } else {
        rc = b->st->ops->batch_commit(b, err);
    }
    batch_free(b);
    return rc;
}

void rk_store_batch_abort(struct rk_store_batch *b)
{
    if (!b)
        return;
    b->st->batch = NULL;
    b->st->ops->batch_abort(b);
    batch_free(b);
}

/* ---- reading --------------------------------------------------------------------------------- */

void rk_store_query_init(struct rk_store_query *q)
{
    memset(q, 0, sizeof(*q));
}

static int check_list(const char *what, const char *const *v, size_t n, struct rk_err *err)
{
    if (n == 0)
        return 0;
    if (!v)
        return rk_err_set(err, RK_EINVAL, "%s: %zu values but no list", what, n);
    if (n > RK_STORE_VALUES_MAX)
        return rk_err_set(err, RK_ELIMIT, "%s: more than %d values", what, RK_STORE_VALUES_MAX);
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            return rk_err_set(err, RK_EINVAL, "%s: value %zu is NULL", what, i);
        if (strnlen(v[i], RK_STORE_STRING_MAX + 1) > RK_STORE_STRING_MAX)
            return rk_err_set(err, RK_ELIMIT, "%s: value %zu is too long", what, i);
    }
    return 0;
}

static int check_visibility(const struct rk_store_visibility *vis, struct rk_err *err)
{
    int rc;

    if (!vis || vis->everything)
        return 0;
    if (vis->not_from_partner && (rc = check_list("visibility partner", &vis->not_from_partner,
                                                  1, err)) != 0)
        return rc;
    return check_list("visibility groups", vis->groups, vis->n_groups, err);
}

/* Check q and resolve its versions; *vkeys_out is an owned array (NULL when none). */
static int filter_init(struct rk_store_filter *f, const struct rk_store_query *q,
                       uint8_t (**vkeys_out)[RK_STORE_VKEY_LEN], struct rk_err *err)
{
    uint8_t(*vk)[RK_STORE_VKEY_LEN] = NULL;
    int rc;

    *vkeys_out = NULL;
    memset(f, 0, sizeof(*f));
    f->q = q;
    if ((rc = check_list("match[id]", q->ids, q->n_ids, err)) != 0 ||
        (rc = check_list("match[type]", q->types, q->n_types, err)) != 0 ||
        (rc = check_list("match[spec_version]", q->spec_versions, q->n_spec_versions, err)) ||
        (rc = check_list("match[version]", q->version_values, q->n_version_values, err)) ||
        (rc = check_visibility(q->vis, err)) != 0)
        return rc;
    if (q->collection && (rc = check_name("collection", q->collection, err)) != 0)
        return rc;
    if (q->added_after_us < 0)
        return rk_err_set(err, RK_EINVAL, "added_after is negative");
    f->versions = q->versions & (RK_VERSIONS_LAST | RK_VERSIONS_FIRST | RK_VERSIONS_ALL);
    if (f->versions & RK_VERSIONS_ALL)
        f->versions = RK_VERSIONS_ALL; /* all versions: nothing else narrows it */
    else if (f->versions == 0 && q->n_version_values == 0)
        f->versions = RK_VERSIONS_LAST;
    if (f->versions == RK_VERSIONS_ALL || q->n_version_values == 0)
        return 0;
    if (!(vk = rk_reallocarray(NULL, q->n_version_values, sizeof(*vk))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (size_t i = 0; i < q->n_version_values; i++) {
        if ((rc = rk_store_vkey(vk[i], q->version_values[i], err)) != 0) {
            rk_free(vk);
            rk_err_prefix(err, "match[version] value %zu: ", i);
            return rc;
        }
    }
    f->vkeys = (const uint8_t(*)[RK_STORE_VKEY_LEN])vk;
    f->n_vkeys = q->n_version_values;
    *vkeys_out = vk;
    return 0;
}

int rk_store_query(struct rk_store *st, const struct rk_store_query *q, rk_store_row_fn fn,
                   void *ctx, struct rk_store_page *page_out, struct rk_err *err)
{
    struct rk_store_filter f;
    struct rk_store_page page = {0};
    uint8_t(*vk)[RK_STORE_VKEY_LEN] = NULL;
    int rc;

    if (page_out)
        memset(page_out, 0, sizeof(*page_out));
    if ((rc = filter_init(&f, q, &vk, err)) != 0)
        return rc;
    rc = st->ops->query(st, &f, fn, ctx, &page, err);
    if (page_out)
        *page_out = page;
    rk_free(vk);
    return rc;
}

int rk_store_count(struct rk_store *st, const struct rk_store_query *q, uint64_t *out,
                   struct rk_err *err)
{
    struct rk_store_filter f;
    uint8_t(*vk)[RK_STORE_VKEY_LEN] = NULL;
    int rc;

    *out = 0;
    if ((rc = filter_init(&f, q, &vk, err)) != 0)
        return rc;
    rc = st->ops->count(st, &f, out, err);
    rk_free(vk);
    return rc;
}

int rk_store_holds(struct rk_store *st, const char *collection, const char *id, const char *version)
{
    struct rk_store_query q;
    uint64_t n = 0;

    rk_store_query_init(&q);
    q.collection = collection;
    q.ids = &id;
    q.n_ids = 1;
    q.version_values = &version;
    q.n_version_values = version[0] ? 1 : 0;
    q.versions = version[0] ? 0 : RK_VERSIONS_ALL;
    q.without_json = 1;
    return rk_store_count(st, &q, &n, NULL) == 0 && n > 0;
}

int rk_store_delete(struct rk_store *st, const struct rk_store_query *q, uint64_t *deleted_out,
                    struct rk_err *err)
{
    struct rk_store_filter f;
    uint8_t(*vk)[RK_STORE_VKEY_LEN] = NULL;
    int rc;

    *deleted_out = 0;
    if ((rc = check_writable(st, err)) != 0)
        return rc;
    if (q->n_ids == 0)
        return rk_err_set(err, RK_EINVAL, "delete needs at least one object id");
    if ((rc = filter_init(&f, q, &vk, err)) != 0)
        return rc;
    if (q->versions == 0 && q->n_version_values == 0)
        f.versions = RK_VERSIONS_ALL; /* deleting an object means every version of it */
    f.any_spec = 1;
    rc = st->ops->remove(st, &f, deleted_out, err);
    rk_free(vk);
    return rc;
}

/* ---- statistics, conflicts, settings, checks ------------------------------------------------- */

int rk_store_stats(struct rk_store *st, struct rk_store_stats *out, struct rk_err *err)
{
    memset(out, 0, sizeof(*out));
    return st->ops->stats(st, out, err);
}

int rk_store_count_by_type(struct rk_store *st, const char *collection,
                           int (*fn)(const char *type, uint64_t count, void *ctx), void *ctx,
                           struct rk_err *err)
{
    int rc;

    if (collection && (rc = check_name("collection", collection, err)) != 0)
        return rc;
    return st->ops->count_by_type(st, collection, fn, ctx, err);
}

int rk_store_conflict_list(struct rk_store *st,
                           int (*fn)(const struct rk_store_conflict *c, void *ctx), void *ctx,
                           struct rk_err *err)
{
    return st->ops->conflict_list(st, fn, ctx, err);
}

int rk_store_setting_get(struct rk_store *st, const char *key, char *out, size_t cap,
                         struct rk_err *err)
{
    int rc;

    if (cap > 0)
        out[0] = '\0';
    if ((rc = check_name("setting name", key, err)) != 0)
        return rc;
    return st->ops->setting_get(st, key, out, cap, err);
}

int rk_store_setting_set(struct rk_store *st, const char *key, const char *value,
                         struct rk_err *err)
{
    int rc;

    if ((rc = check_writable(st, err)) != 0 || (rc = check_name("setting name", key, err)) != 0)
        return rc;
    if (!value)
        return rk_err_set(err, RK_EINVAL, "setting %s: no value", key);
    if (strnlen(value, RK_STORE_SETTING_MAX + 1) > RK_STORE_SETTING_MAX)
        return rk_err_set(err, RK_ELIMIT, "setting %s: value longer than %d bytes", key,
                          RK_STORE_SETTING_MAX);
    return st->ops->setting_set(st, key, value, err);
}

int rk_store_check(struct rk_store *st, struct rk_err *err)
{
    return st->ops->check(st, err);
}

/* ---- read snapshots ------------------------------------------------------------------------ */

int rk_store_read_begin(struct rk_store *st, struct rk_err *err)
{
    int rc;

    if (st->batch)
        return rk_err_set(err, RK_EINVAL, "a batch is open on this store handle");
    if (st->reading)
        return rk_err_set(err, RK_EINVAL, "a read snapshot is open on this store handle already");
    if ((rc = st->ops->read_begin(st, err)) == 0)
        st->reading = 1;
    return rc;
}

void rk_store_read_end(struct rk_store *st)
{
    if (!st || !st->reading)
        return;
    st->ops->read_end(st);
    st->reading = 0;
}
