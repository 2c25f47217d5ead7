/* publish.c - sensor data as STIX objects in the store: each unpublished bin revision and alert
 * revision becomes objects (stix.c) that are validated like any imported object and stored in
 * the sensors' collection with the sensor's provenance, so TAXII serves them like the rest.
 * Also: bins read back decoded, and every object for a time range (export). */
#include "renkei/sensor_store.h"
#include "sensor/sensor_int.h"

#include "util/alloc.h"
#include "util/strparse.h"

#include <string.h>

#define CHUNK_OBJECTS 20000 /* objects per store transaction */
#define GROUPS_MAX    64    /* sharing groups of one sensor */
#define NS            1000000000LL

void rk_sensor_publish_options_init(struct rk_sensor_publish_options *opt)
{
    memset(opt, 0, sizeof(*opt));
    rk_sensor_stix_options_init(&opt->stix);
}

/* ---- bins read back -----------------------------------------------------------------------------
 */

struct each {
    int (*fn)(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta, void *ctx);
    void *ctx;
    struct rk_err *err;
};

static int each_bin(const struct rk_store_sensor_bin *m, void *ctx)
{
    struct each *e = ctx;
    struct rk_store_sensor_bin meta = *m;
    struct rk_sensor_bin *b;
    int rc;

    if ((rc = rk_sensor_bin_decode(&b, m->data, m->data_len, e->err)) != 0) {
        rk_err_prefix(e->err, "sensor %s bin %lld: ", m->sensor, (long long)m->start);
        return rc;
    }
    meta.data = NULL;
    meta.data_len = 0;
    rc = e->fn(b, &meta, e->ctx);
    rk_sensor_bin_free(b);
    return rc;
}

int rk_sensor_stored_bins(struct rk_store *st, const char *const *sensors, size_t n, int64_t since,
                          int64_t until,
                          int (*fn)(const struct rk_sensor_bin *b,
                                    const struct rk_store_sensor_bin *meta, void *ctx),
                          void *ctx, struct rk_err *err)
{
    struct rk_store_sensor_bin_query q;
    struct each e = {fn, ctx, err};

    rk_store_sensor_bin_query_init(&q);
    q.sensors = sensors;
    q.n_sensors = n;
    q.since = since;
    q.until = until;
    return rk_store_sensor_bins(st, &q, each_bin, &e, err);
}

/* ---- objects of bins and alerts ---------------------------------------------------------------
 */

/* modified of a revision: the bin's end for the first, the time it was stored for later ones. */
static int64_t revision_modified(uint32_t revision, int64_t updated_us)
{
    return revision > 1 ? updated_us * 1000 : 0;
}

static int fixed_objects(json_t *objects, struct rk_err *err)
{
    json_t *o;
    int rc;

    if ((rc = rk_sensor_stix_identity(&o, err)) != 0 || json_array_append_new(objects, o) != 0 ||
        (rc = rk_sensor_stix_extension_definition(&o, err)) != 0 ||
        json_array_append_new(objects, o) != 0 || (rc = rk_sensor_stix_dos_pattern(&o, err)) != 0 ||
        json_array_append_new(objects, o) != 0)
        return rc ? rc : rk_err_set(err, RK_ENOMEM, "out of memory");
    return 0;
}

#define ALERT_SCANNER_REFS 20 /* sources an alert's evidence names */

struct refs_ctx {
    const struct rk_sensor_stix_options *opt;
    const struct rk_sensor_alert *a;
    int64_t modified_ns;
    json_t *objects, *refs;
    struct rk_err *err;
};

/* The alert's evidence from its bin: its sources as observed-data, and the published scanners
 * among them. */
static int evidence(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta,
                    void *ctx)
{
    struct refs_ctx *c = ctx;
    int rc;

    (void)meta;
    if ((rc = rk_sensor_stix_alert_evidence(b, c->a, ALERT_SCANNER_REFS, c->modified_ns, c->objects,
                                            c->refs, c->err)) != 0)
        return rc;
    return rk_sensor_stix_scanner_refs(b, c->opt, c->a->proto, c->a->port, ALERT_SCANNER_REFS,
                                       c->refs);
}

/* An alert's report and note; a sensor's alert also carries its evidence from the alerting bin
 * (the cross-sensor series has no one bin to take it from). */
static int alert_objects(struct rk_store *st, const struct rk_store_sensor_alert *sa,
                         const struct rk_sensor_stix_options *opt, json_t *objects,
                         struct rk_err *err)
{
    struct rk_sensor_alert a;
    struct refs_ctx c = {.opt = opt,
                         .a = &a,
                         .modified_ns = revision_modified(sa->revision, sa->updated_us),
                         .objects = objects,
                         .refs = json_array(),
                         .err = err};
    const char *name = sa->sensor;
    int rc;

    if (!c.refs)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if ((rc = rk_sensor_alert_from_json(sa->json, &a, err)) == 0 && strcmp(sa->sensor, "*") != 0)
        rc = rk_sensor_stored_bins(st, &name, 1, a.bin_start, a.bin_start + 1, evidence, &c, err);
    if (rc == RK_ENOMEM)
        rk_err_set(err, rc, "out of memory");
    if (rc == 0)
        rc = rk_sensor_stix_alert_revised(&a, c.refs, c.modified_ns, objects, err);
    json_decref(c.refs);
    return rc;
}

struct range_ctx {
    struct rk_store *st;
    const struct rk_sensor_stix_options *opt;
    json_t *objects;
    struct rk_err *err;
};

static int range_bin(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta,
                     void *ctx)
{
    struct range_ctx *c = ctx;
    struct rk_sensor_stix_options o = *c->opt;

    o.modified_ns = revision_modified(meta->revision, meta->updated_us);
    return rk_sensor_stix_bin(b, &o, c->objects, c->err);
}

static int range_alert(const struct rk_store_sensor_alert *a, void *ctx)
{
    struct range_ctx *c = ctx;

    return alert_objects(c->st, a, c->opt, c->objects, c->err);
}

/* Drop the objects from index from on that repeat an earlier one (same id and modified): a
 * sensor's identity comes with each of its bins, a source's SCO with each bin and alert that
 * name it. Keeps the first of each. */
static int drop_repeats(json_t *objects, size_t from, struct rk_err *err)
{
    json_t *seen = json_object(), *o;
    const char *id, *mod;
    char key[320];
    size_t i = from, kept = from;
    int rc = 0;

    if (!seen)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    for (; rc == 0 && i < json_array_size(objects); i++) {
        o = json_array_get(objects, i);
        id = json_string_value(json_object_get(o, "id"));
        mod = json_string_value(json_object_get(o, "modified"));

        snprintf(key, sizeof(key), "%s|%s", id ? id : "", mod ? mod : "");
        if (id && json_object_get(seen, key))
            continue;
        if (id && json_object_set_new(seen, key, json_true()) != 0)
            rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        else if (kept != i && json_array_set(objects, kept, o) != 0)
            rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        kept++;
    }
    json_decref(seen);
    while (rc == 0 && json_array_size(objects) > kept)
        json_array_remove(objects, json_array_size(objects) - 1);
    return rc;
}

int rk_sensor_stix_range(struct rk_store *st, const char *const *sensors, size_t n, int64_t since,
                         int64_t until, const struct rk_sensor_stix_options *opt, json_t *objects,
                         struct rk_err *err)
{
    struct rk_sensor_stix_options def;
    struct rk_store_sensor_alert_query q;
    struct range_ctx c = {st, opt, objects, err};
    size_t first = json_array_size(objects);
    int rc;

    if (!opt) {
        rk_sensor_stix_options_init(&def);
        c.opt = &def;
    }
    if ((rc = fixed_objects(objects, err)) != 0 ||
        (rc = rk_sensor_stored_bins(st, sensors, n, since, until, range_bin, &c, err)) != 0)
        return rc;
    rk_store_sensor_alert_query_init(&q);
    q.sensors = sensors;
    q.n_sensors = n;
    q.since = since;
    q.until = until;
    if ((rc = rk_store_sensor_alerts(st, &q, range_alert, &c, err)) != 0)
        return rc;
    return drop_repeats(objects, first, err);
}

/* ---- publishing
 * ----------------------------------------------------------------------------------- */

struct mark {
    char sensor[RK_SENSOR_NAME_MAX];
    char rule[16];
    uint8_t proto;
    uint16_t port;
    int64_t start;
    uint32_t rev;
    int alert; /* 0: a bin */
};

struct pub {
    struct rk_store *st;
    const struct rk_sensor_publish_options *opt;
    struct rk_sensor_publish_stats *stats;
    struct rk_stix_options sopt;
    struct rk_store_batch *batch;
    const char *coll;
    struct rk_provenance prov;
    const char *groups[GROUPS_MAX];
    char groups_buf[RK_STORE_SENSOR_GROUPS_MAX];
    size_t in_batch;
    struct mark *marks;
    size_t n_marks, cap_marks;
    struct rk_err *err;
};

/* Make the collection when it does not exist (first use). */
static int ensure_collection(struct pub *p, const char *alias)
{
    struct rk_collection c;
    int rc = rk_store_collection_get(p->st, alias, &c, p->err);

    if (rc != RK_ENOTFOUND)
        return rc;
    memset(&c, 0, sizeof(c));
    rk_strlcpy(c.alias, alias, sizeof(c.alias));
    rk_strlcpy(c.title, "Darknet sensor data", sizeof(c.title));
    rk_strlcpy(c.description,
               "Per-bin summaries of darknet sensors, scanners, DoS victims and early-warning "
               "alerts, published by renkei sensor",
               sizeof(c.description));
    if ((rc = rk_store_collection_add(p->st, &c, p->err)) == 0 && !p->stats->created_collection[0])
        rk_strlcpy(p->stats->created_collection, alias, sizeof(p->stats->created_collection));
    return rc;
}

/* Record what the committed batches published. */
static int flush_marks(struct pub *p)
{
    int rc;

    if (p->n_marks == 0)
        return 0;
    if ((rc = rk_store_sensor_begin(p->st, p->err)) != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < p->n_marks; i++) {
        const struct mark *m = &p->marks[i];
        struct rk_store_sensor_alert a;

        if (!m->alert) {
            rc = rk_store_sensor_bin_published(p->st, m->sensor, m->start, m->rev, p->err);
            continue;
        }
        memset(&a, 0, sizeof(a));
        a.sensor = m->sensor;
        a.rule = m->rule;
        a.proto = m->proto;
        a.port = m->port;
        a.bin_start = m->start;
        rc = rk_store_sensor_alert_published(p->st, &a, m->rev, p->err);
    }
    if (rc != 0) {
        rk_store_sensor_abort(p->st);
        return rc;
    }
    p->n_marks = 0;
    return rk_store_sensor_commit(p->st, p->err);
}

static int commit(struct pub *p)
{
    int rc = 0;

    if (p->batch) {
        rc = rk_store_batch_commit(p->batch, p->err);
        p->batch = NULL;
        p->in_batch = 0;
    }
    return rc ? rc : flush_marks(p);
}

static int add_mark(struct pub *p, const struct mark *m)
{
    if (p->n_marks == p->cap_marks) {
        size_t cap = p->cap_marks ? p->cap_marks * 2 : 256;
        struct mark *n = rk_reallocarray(p->marks, cap, sizeof(*n));

        if (!n)
            return rk_err_set(p->err, RK_ENOMEM, "out of memory");
        p->marks = n;
        p->cap_marks = cap;
    }
    p->marks[p->n_marks++] = *m;
    return 0;
}

/* Validate and store every object of the array, as an import would. */
static int put_objects(struct pub *p, json_t *objects)
{
    struct rk_stix_object *obj = NULL;
    struct rk_store_object so;
    enum rk_put_outcome outcome;
    size_t i;
    json_t *v;
    int rc = 0;

    json_array_foreach(objects, i, v)
    {
        if (!p->batch &&
            (rc = rk_store_batch_begin(&p->batch, p->st, p->coll, &p->prov, p->err)) != 0)
            return rc;
        json_incref(v);
        if ((rc = rk_stix_object_from_json_take(&obj, v, &p->sopt, NULL, p->err)) != 0) {
            rk_err_prefix(p->err, "renkei made an invalid STIX object (a bug; please report "
                                  "it): ");
            return rc;
        }
        rk_store_object_from_stix(&so, obj);
        rc = rk_store_batch_put(p->batch, &so, &outcome, NULL, p->err);
        rk_stix_object_free(obj);
        if (rc != 0)
            return rc;
        p->stats->stored += outcome == RK_PUT_STORED;
        p->stats->duplicates += outcome == RK_PUT_DUPLICATE;
        p->stats->conflicts += outcome == RK_PUT_CONFLICT;
        if (++p->in_batch >= CHUNK_OBJECTS && (rc = commit(p)) != 0)
            return rc;
    }
    return 0;
}

/* Provenance of a sensor's objects (s NULL: the cross-sensor series, the node's own). */
static void set_provenance(struct pub *p, const struct rk_store_sensor *s)
{
    char *save = p->groups_buf;

    memset(&p->prov, 0, sizeof(p->prov));
    p->prov.kind = "sensor";
    p->prov.source = s ? s->name : "*";
    p->prov.org = s ? s->org : NULL;
    p->prov.groups = p->groups;
    if (!s)
        return;
    rk_strlcpy(p->groups_buf, s->groups, sizeof(p->groups_buf));
    while (*save && p->prov.n_groups < GROUPS_MAX) {
        size_t len = strcspn(save, ",");

        if (len)
            p->groups[p->prov.n_groups++] = save;
        if (!save[len])
            break;
        save[len] = '\0';
        save += len + 1;
    }
}

struct starts {
    int64_t *v;
    size_t n, cap;
};

static int collect_start(const struct rk_store_sensor_bin *b, void *ctx)
{
    struct starts *s = ctx;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *n = rk_reallocarray(s->v, cap, sizeof(*n));

        if (!n)
            return RK_ENOMEM;
        s->v = n;
        s->cap = cap;
    }
    s->v[s->n++] = b->start;
    return 0;
}

static int publish_bin(const struct rk_sensor_bin *b, const struct rk_store_sensor_bin *meta,
                       void *ctx)
{
    struct pub *p = ctx;
    struct rk_sensor_stix_options o = p->opt->stix;
    struct mark m;
    json_t *objects = json_array();
    int rc;

    if (!objects)
        return rk_err_set(p->err, RK_ENOMEM, "out of memory");
    o.modified_ns = revision_modified(meta->revision, meta->updated_us);
    if ((rc = rk_sensor_stix_bin(b, &o, objects, p->err)) == 0)
        rc = put_objects(p, objects);
    json_decref(objects);
    if (rc != 0)
        return rc;
    memset(&m, 0, sizeof(m));
    rk_strlcpy(m.sensor, meta->sensor, sizeof(m.sensor));
    m.start = meta->start;
    m.rev = meta->revision;
    p->stats->bins++;
    return add_mark(p, &m);
}

/* One sensor's unpublished bins (all with republish), one at a time. */
static int publish_bins(struct pub *p, const struct rk_store_sensor *s)
{
    struct rk_store_sensor_bin_query q;
    struct starts starts = {NULL, 0, 0};
    const char *name = s->name;
    int rc;

    rk_store_sensor_bin_query_init(&q);
    q.sensors = &name;
    q.n_sensors = 1;
    q.unpublished = !p->opt->republish;
    q.without_data = 1;
    if ((rc = rk_store_sensor_bins(p->st, &q, collect_start, &starts, p->err)) == RK_ENOMEM)
        rk_err_set(p->err, rc, "out of memory");
    for (size_t i = 0; rc == 0 && i < starts.n; i++)
        rc = rk_sensor_stored_bins(p->st, &name, 1, starts.v[i], starts.v[i] + 1, publish_bin, p,
                                   p->err);
    rk_free(starts.v);
    return rc;
}

static int publish_alert(const struct rk_store_sensor_alert *a, void *ctx)
{
    struct pub *p = ctx;
    json_t *objects = json_array();
    struct mark m;
    int rc;

    if (!objects)
        return rk_err_set(p->err, RK_ENOMEM, "out of memory");
    if ((rc = alert_objects(p->st, a, &p->opt->stix, objects, p->err)) == 0)
        rc = put_objects(p, objects);
    json_decref(objects);
    if (rc != 0)
        return rc;
    memset(&m, 0, sizeof(m));
    rk_strlcpy(m.sensor, a->sensor, sizeof(m.sensor));
    rk_strlcpy(m.rule, a->rule, sizeof(m.rule));
    m.proto = a->proto;
    m.port = a->port;
    m.start = a->bin_start;
    m.rev = a->revision;
    m.alert = 1;
    p->stats->alerts++;
    return add_mark(p, &m);
}

/* Alerts of one sensor ("*" when s is NULL). Objects are written while the query runs: the
 * batch and the query share the handle, and the batch writes only other tables. */
static int publish_alerts(struct pub *p, const struct rk_store_sensor *s)
{
    struct rk_store_sensor_alert_query q;
    const char *name = s ? s->name : "*";

    rk_store_sensor_alert_query_init(&q);
    q.sensors = &name;
    q.n_sensors = 1;
    q.unpublished = !p->opt->republish;
    return rk_store_sensor_alerts(p->st, &q, publish_alert, p, p->err);
}

static const char *collection_of(const struct pub *p, const struct rk_store_sensor *s)
{
    if (p->opt->collection)
        return p->opt->collection;
    return s && s->collection[0] ? s->collection : RK_SENSOR_COLLECTION;
}

static int publish_fixed(struct pub *p, const char *coll)
{
    json_t *objects = json_array();
    int rc;

    if (!objects)
        return rk_err_set(p->err, RK_ENOMEM, "out of memory");
    memset(&p->prov, 0, sizeof(p->prov));
    p->prov.kind = "local";
    p->prov.source = "renkei";
    p->coll = coll;
    if ((rc = ensure_collection(p, coll)) == 0 && (rc = fixed_objects(objects, p->err)) == 0 &&
        (rc = put_objects(p, objects)) == 0)
        rc = commit(p);
    json_decref(objects);
    return rc;
}

static int publish_sensor(struct pub *p, const struct rk_store_sensor *s)
{
    int rc;

    if ((rc = publish_fixed(p, collection_of(p, s))) != 0)
        return rc;
    set_provenance(p, s);
    if ((rc = publish_bins(p, s)) == 0 && (rc = commit(p)) == 0 && (rc = publish_alerts(p, s)) == 0)
        rc = commit(p);
    return rc;
}

struct sensor_list {
    struct rk_store_sensor *v;
    size_t n;
    const struct rk_sensor_publish_options *opt;
};

static int keep_sensor(const struct rk_store_sensor *s, void *ctx)
{
    struct sensor_list *l = ctx;
    size_t i = 0;

    while (i < l->opt->n_sensors && strcmp(l->opt->sensors[i], s->name) != 0)
        i++;
    if (l->opt->n_sensors && i == l->opt->n_sensors)
        return 0;
    if (l->n == 256)
        return RK_ELIMIT;
    l->v[l->n++] = *s;
    return 0;
}

int rk_sensor_publish(struct rk_store *st, const struct rk_sensor_publish_options *opt,
                      struct rk_sensor_publish_stats *stats, struct rk_err *err)
{
    struct pub p;
    struct sensor_list l = {rk_calloc(256, sizeof(struct rk_store_sensor)), 0, opt};
    int rc = RK_ENOMEM;

    memset(stats, 0, sizeof(*stats));
    memset(&p, 0, sizeof(p));
    p.st = st;
    p.opt = opt;
    p.stats = stats;
    p.err = err;
    rk_stix_options_init(&p.sopt);
    if (!l.v) {
        rk_err_set(err, rc, "out of memory");
        goto out;
    }
    if ((rc = rk_store_sensor_list(st, keep_sensor, &l, err)) != 0)
        goto out;
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = publish_sensor(&p, &l.v[i]);
    if (rc == 0 && opt->n_sensors == 0) { /* the cross-sensor alerts */
        set_provenance(&p, NULL);
        p.coll = collection_of(&p, l.n ? &l.v[0] : NULL);
        if ((rc = publish_alerts(&p, NULL)) == 0)
            rc = commit(&p);
    }
out:
    rk_store_batch_abort(p.batch);
    rk_free(p.marks);
    rk_free(l.v);
    return rc;
}
