/* matcher.c - structured matching: observed values in, confirmed events and sightings out.
 *
 * Values of one record are gathered (their texts in a per-record arena). When the record is
 * complete, each value's hits are filtered by validity, hits of indicators that need their
 * whole pattern are confirmed by the evaluator on the record turned into an observation, the
 * warning lists are consulted, the event goes to the callback, and unsuppressed hits count
 * towards the sighting of (indicator, time window).
 */
#include "renkei/match.h"
#include "match/internal.h"

#include <stdlib.h>

#include "renkei/pattern.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/map.h"
#include "util/rktime.h"

#define RECORD_ARENA_MAX ((size_t)64 << 20)
#define MAX_HITS         256
#define DEFAULT_WINDOW   (3600LL * 1000000)
#define DEFAULT_BUFFERED 32

struct rec_value {
    struct rk_match_obs obs;           /* field points into the arena */
    struct rk_match_value *value;      /* full copy, only for values with hits; else NULL */
    int kind, role;
    const char *text;                  /* arena */
    size_t len;
    struct rk_match_hit *hits;         /* arena */
    size_t n_hits;
};

/* A parsed pattern and, for patterns over several observations, the recent candidates. */
struct pat_state {
    struct rk_pattern *p;              /* NULL: the pattern did not parse */
    int single;                        /* one observation expression without qualifiers */
    struct rk_pattern_observation *ring;
    size_t n, next, cap;
};

struct sighting_acc {
    uint64_t count;
    int64_t first, last;
};

struct rk_match_matcher {
    const struct rk_match_index *ix;
    const struct rk_match_warnlists *wl;
    struct rk_match_matcher_options opt;
    rk_match_event_fn fn;
    void *ctx;
    struct rk_arena *arena;
    struct rec_value *vals;
    size_t n_vals, cap_vals;
    char *input;
    uint64_t record;
    struct rk_match_flow rec_flow; /* a copy: the extractor's changes with the next record */
    int has_flow;
    json_t *rec_objects; /* the record as SCOs, built on first need */
    struct rk_map *patterns;
    struct rk_map *sightings;
    struct rk_match_matcher_stats st;
};

static void pat_free(void *p)
{
    struct pat_state *s = p;

    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        json_decref((json_t *)s->ring[i].objects);
    rk_free(s->ring);
    rk_pattern_free(s->p);
    rk_free(s);
}

int rk_match_matcher_new(struct rk_match_matcher **out, const struct rk_match_index *ix,
                         const struct rk_match_warnlists *wl,
                         const struct rk_match_matcher_options *opt, rk_match_event_fn fn,
                         void *ctx, struct rk_err *err)
{
    struct rk_match_matcher *m = rk_calloc(1, sizeof(*m));

    *out = NULL;
    if (!m)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (ix->set_only) {
        rk_free(m);
        return rk_err_set(err, RK_EINVAL, "the matcher needs an index with indicators");
    }
    m->ix = ix;
    m->wl = wl;
    if (opt)
        m->opt = *opt;
    if (m->opt.now_us == 0)
        m->opt.now_us = rk_time_now_us();
    if (m->opt.window_us <= 0)
        m->opt.window_us = DEFAULT_WINDOW;
    if (m->opt.max_buffered == 0)
        m->opt.max_buffered = DEFAULT_BUFFERED;
    m->fn = fn;
    m->ctx = ctx;
    m->arena = rk_arena_new(RECORD_ARENA_MAX);
    m->patterns = rk_map_new(pat_free);
    m->sightings = rk_map_new(rk_free);
    if (!m->arena || !m->patterns || !m->sightings) {
        rk_match_matcher_free(m);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    *out = m;
    return 0;
}

void rk_match_matcher_free(struct rk_match_matcher *m)
{
    if (!m)
        return;
    rk_arena_free(m->arena);
    rk_free(m->vals);
    rk_free(m->input);
    json_decref(m->rec_objects);
    rk_map_free(m->patterns);
    rk_map_free(m->sightings);
    rk_free(m);
}

void rk_match_matcher_stats(const struct rk_match_matcher *m, struct rk_match_matcher_stats *out)
{
    *out = m->st;
}

/* ---- the record as an observation ------------------------------------------------------------ */

static const char *hash_key(int kind)
{
    switch (kind) {
    case RK_MATCH_MD5: return "MD5";
    case RK_MATCH_SHA1: return "SHA-1";
    case RK_MATCH_SHA256: return "SHA-256";
    default: return "SHA-512";
    }
}

/* One SCO per distinct value; hashes go into one file; addresses with a role and the flow
 * make a network-traffic. Keys are "0", "1", ... */
static json_t *build_objects(const struct rk_match_matcher *m)
{
    json_t *objs = json_object(), *file = NULL, *nt = NULL;
    const struct rk_match_flow *flow = m->has_flow ? &m->rec_flow : NULL;
    char key[24];
    size_t n = 0;

    for (size_t i = 0; objs && i < m->n_vals; i++) {
        const struct rec_value *rv = &m->vals[i];
        json_t *sco = NULL;
        char url[RK_MATCH_VALUE_MAX + 8];

        if (rv->kind >= RK_MATCH_MD5) {
            if (!file && (file = json_pack("{s:s, s:{}}", "type", "file", "hashes")))
                json_object_set_new(objs, "f", file);
            if (file)
                json_object_set_new(json_object_get(file, "hashes"), hash_key(rv->kind),
                                    json_stringn(rv->text, rv->len));
            continue;
        }
        if (rv->kind == RK_MATCH_URL_PATH)
            continue;
        if (rv->kind == RK_MATCH_URL) { /* keys are scheme-less; patterns write http:// */
            snprintf(url, sizeof(url), "http://%.*s", (int)rv->len, rv->text);
            sco = json_pack("{s:s, s:s}", "type", "url", "value", url);
        } else {
            sco = json_pack("{s:s, s:s%}", "type", rk_match_kind_name(rv->kind), "value",
                            rv->text, rv->len);
        }
        snprintf(key, sizeof(key), "%zu", n++);
        json_object_set_new(objs, key, sco);
        if (rv->role != RK_MATCH_ROLE_NONE) {
            if (!nt && (nt = json_pack("{s:s}", "type", "network-traffic")))
                json_object_set_new(objs, "nt", nt);
            if (nt)
                json_object_set_new(nt, rv->role == RK_MATCH_ROLE_SRC ? "src_ref" : "dst_ref",
                                    json_string(key));
        }
    }
    if (nt && flow) {
        if (flow->src_port)
            json_object_set_new(nt, "src_port", json_integer(flow->src_port));
        if (flow->dst_port)
            json_object_set_new(nt, "dst_port", json_integer(flow->dst_port));
        if (flow->proto[0])
            json_object_set_new(nt, "protocols", json_pack("[s]", flow->proto));
    }
    return objs;
}

static int64_t record_time(const struct rk_match_matcher *m)
{
    for (size_t i = 0; i < m->n_vals; i++)
        if (m->vals[i].obs.ts_us != 0)
            return m->vals[i].obs.ts_us;
    return m->opt.now_us;
}

static void set_times(struct rk_pattern_observation *o, int64_t us)
{
    o->first_sec = o->last_sec = us / 1000000;
    o->first_nsec = o->last_nsec = (int32_t)(us % 1000000) * 1000;
    if (o->first_nsec < 0) {
        o->first_sec--;
        o->last_sec--;
        o->first_nsec = o->last_nsec = o->first_nsec + 1000000000;
    }
    o->number_observed = 1;
}

/* ---- confirming candidates ------------------------------------------------------------------- */

static struct pat_state *pattern_state(struct rk_match_matcher *m, uint32_t ind, const char *text)
{
    struct pat_state *s = rk_map_get(m->patterns, &ind, sizeof(ind));
    const struct rk_pattern_node *root;

    if (s)
        return s;
    if (!(s = rk_calloc(1, sizeof(*s))))
        return NULL;
    if (rk_pattern_parse(&s->p, text, strlen(text), NULL) == 0) {
        root = rk_pattern_root(s->p);
        s->single = rk_pattern_observation_count(s->p) == 1 &&
                    root->kind == RK_PATTERN_NODE_OBSERVATION;
    }
    s->cap = m->opt.max_buffered;
    if (rk_map_put_take(m->patterns, &ind, sizeof(ind), s) != 0)
        return NULL;
    return s;
}

/* Remember this record among the pattern's recent candidates (a ring of cap entries). */
static void remember(struct pat_state *s, json_t *objects, int64_t ts)
{
    struct rk_pattern_observation *o;

    if (!s->ring && !(s->ring = rk_calloc(s->cap, sizeof(*s->ring))))
        return;
    if (s->n > 0 && s->ring[(s->next + s->cap - 1) % s->cap].objects == objects)
        return; /* the same record, for a second value */
    o = &s->ring[s->next];
    if (s->n == s->cap)
        json_decref((json_t *)o->objects);
    else
        s->n++;
    set_times(o, ts);
    o->objects = json_incref(objects);
    s->next = (s->next + 1) % s->cap;
}

/* 1 when the indicator's whole pattern holds for this record (and recent ones), else 0. */
static int confirm(struct rk_match_matcher *m, uint32_t ind, const char *pattern)
{
    struct pat_state *s = pattern_state(m, ind, pattern);
    struct rk_pattern_observation one;
    int64_t ts = record_time(m);
    int rc;

    if (!s || !s->p) {
        m->st.pattern_errors++;
        return 0;
    }
    if (!m->rec_objects && !(m->rec_objects = build_objects(m))) {
        m->st.pattern_errors++;
        return 0;
    }
    if (s->single) {
        set_times(&one, ts);
        one.objects = m->rec_objects;
        rc = rk_pattern_match(s->p, &one, 1, NULL, NULL, NULL);
    } else {
        remember(s, m->rec_objects, ts);
        rc = rk_pattern_match(s->p, s->ring, s->n, NULL, NULL, NULL);
    }
    if (rc < 0)
        m->st.pattern_errors++;
    else if (rc == 0)
        m->st.pattern_rejected++;
    return rc == 1;
}

/* Keep the hits that are valid now and confirmed by their patterns; returns how many. */
static size_t confirm_hits(struct rk_match_matcher *m, struct rec_value *rv)
{
    size_t kept = 0;

    for (size_t i = 0; i < rv->n_hits; i++) {
        struct rk_match_indicator_info info;

        if (rk_match_indicator_get(m->ix, rv->hits[i].indicator, &info) != 0)
            continue;
        if (info.valid_from_us > m->opt.now_us || info.valid_until_us <= m->opt.now_us) {
            m->st.not_valid++;
            continue;
        }
        if (info.pattern && !confirm(m, rv->hits[i].indicator, info.pattern))
            continue;
        rv->hits[kept++] = rv->hits[i];
    }
    return kept;
}

/* ---- sightings ------------------------------------------------------------------------------- */

static int count_sighting(struct rk_match_matcher *m, uint32_t ind, int64_t ts)
{
    int64_t w = ts / m->opt.window_us - (ts % m->opt.window_us < 0);
    uint8_t key[12];
    struct sighting_acc *a;

    memcpy(key, &ind, 4);
    memcpy(key + 4, &w, 8);
    if (!(a = rk_map_get(m->sightings, key, sizeof(key)))) {
        if (!(a = rk_calloc(1, sizeof(*a))))
            return RK_ENOMEM;
        a->first = a->last = ts;
        if (rk_map_put_take(m->sightings, key, sizeof(key), a) != 0)
            return RK_ENOMEM;
    }
    a->count++;
    a->first = ts < a->first ? ts : a->first;
    a->last = ts > a->last ? ts : a->last;
    return 0;
}

static int cmp_sighting(const void *a, const void *b)
{
    const struct rk_match_sighting *x = a, *y = b;

    if (x->indicator != y->indicator)
        return x->indicator < y->indicator ? -1 : 1;
    return (x->window_start_us > y->window_start_us) - (x->window_start_us < y->window_start_us);
}

int rk_match_matcher_sightings(const struct rk_match_matcher *m,
                               int (*fn)(const struct rk_match_sighting *s, void *ctx), void *ctx,
                               struct rk_err *err)
{
    size_t n = rk_map_count(m->sightings), i = 0, pos = 0, klen;
    struct rk_match_sighting *all = rk_calloc(n ? n : 1, sizeof(*all));
    const char *key;
    void *val;
    int rc = 0;

    if (!all)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    while (rk_map_next(m->sightings, &pos, &key, &klen, &val) && i < n) {
        const struct sighting_acc *a = val;
        int64_t w;

        memcpy(&all[i].indicator, key, 4);
        memcpy(&w, key + 4, 8);
        all[i].window_start_us = w * m->opt.window_us;
        all[i].count = a->count;
        all[i].first_seen_us = a->first;
        all[i].last_seen_us = a->last;
        i++;
    }
    qsort(all, i, sizeof(*all), cmp_sighting);
    for (size_t j = 0; j < i && rc == 0; j++)
        rc = fn(&all[j], ctx);
    rk_free(all);
    return rc;
}

/* ---- records --------------------------------------------------------------------------------- */

static int judge_value(struct rk_match_matcher *m, struct rec_value *rv)
{
    struct rk_match_event ev;
    int rc;

    if ((rv->n_hits = confirm_hits(m, rv)) == 0)
        return 0;
    memset(&ev, 0, sizeof(ev));
    ev.input = m->input;
    ev.obs = &rv->obs;
    ev.hits = rv->hits;
    ev.n_hits = rv->n_hits;
    ev.suppressed = rk_match_warnlists_check(m->wl, rv->value, &ev.warning);
    m->st.events++;
    m->st.suppressed += (uint64_t)ev.suppressed;
    if (!ev.suppressed) {
        int64_t ts = rv->obs.ts_us ? rv->obs.ts_us : m->opt.now_us;

        for (size_t i = 0; i < rv->n_hits; i++) {
            int dup = 0;

            for (size_t j = 0; j < i && !dup; j++) /* one count per indicator per value */
                dup = rv->hits[j].indicator == rv->hits[i].indicator;
            if (!dup && (rc = count_sighting(m, rv->hits[i].indicator, ts)) != 0)
                return rc;
        }
    }
    return m->fn ? m->fn(&ev, m->ctx) : 0;
}

int rk_match_matcher_flush(struct rk_match_matcher *m, struct rk_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < m->n_vals && rc == 0; i++)
        if (m->vals[i].n_hits > 0)
            rc = judge_value(m, &m->vals[i]);
    m->n_vals = 0;
    m->has_flow = 0;
    rk_arena_reset(m->arena);
    json_decref(m->rec_objects);
    m->rec_objects = NULL;
    if (rc < 0 && err && err->code == 0)
        rk_err_set(err, rc, "%s while judging record %llu", rk_strerror(rc),
                   (unsigned long long)m->record);
    return rc;
}

static int keep_value(struct rk_match_matcher *m, const struct rk_match_obs *obs,
                      const struct rk_match_hit *hits, size_t n)
{
    struct rec_value *rv;
    char *text, *field;

    if (m->n_vals == m->cap_vals) {
        size_t cap = m->cap_vals ? m->cap_vals * 2 : 64;
        struct rec_value *p = rk_reallocarray(m->vals, cap, sizeof(*p));

        if (!p)
            return RK_ENOMEM;
        m->vals = p;
        m->cap_vals = cap;
    }
    rv = &m->vals[m->n_vals];
    memset(rv, 0, sizeof(*rv));
    text = rk_arena_strndup(m->arena, obs->value->text, obs->value->len);
    field = rk_arena_strndup(m->arena, obs->field ? obs->field : "", strlen(obs->field ? obs->field : ""));
    if (!text || !field)
        return RK_ELIMIT;
    rv->obs = *obs;
    rv->obs.field = field;
    rv->obs.flow = m->has_flow ? &m->rec_flow : NULL;
    rv->kind = obs->value->kind;
    rv->role = obs->role;
    rv->text = text;
    rv->len = obs->value->len;
    if (n > 0) {
        if (!(rv->value = rk_arena_alloc(m->arena, sizeof(*rv->value))) ||
            !(rv->hits = rk_arena_alloc(m->arena, n * sizeof(*hits))))
            return RK_ELIMIT;
        memcpy(rv->value, obs->value, sizeof(*rv->value));
        memcpy(rv->hits, hits, n * sizeof(*hits));
        rv->n_hits = n;
        rv->obs.value = rv->value;
    }
    m->n_vals++;
    return 0;
}

int rk_match_matcher_observe(struct rk_match_matcher *m, const char *input,
                             const struct rk_match_obs *obs, struct rk_err *err)
{
    struct rk_match_hit hits[MAX_HITS];
    struct rk_match_lookup_options lo = {m->opt.exact_domains, 0};
    size_t n;
    int rc;

    input = input ? input : "-";
    if (m->n_vals > 0 && (obs->record != m->record || strcmp(input, m->input) != 0) &&
        (rc = rk_match_matcher_flush(m, err)) != 0)
        return rc;
    if (!m->input || strcmp(input, m->input) != 0) {
        rk_free(m->input);
        if (!(m->input = rk_strdup(input)))
            return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    m->record = obs->record;
    if (obs->flow) {
        m->rec_flow = *obs->flow;
        m->has_flow = 1;
    }
    m->st.values++;
    n = rk_match_lookup(m->ix, obs->value, &lo, hits, MAX_HITS);
    if ((rc = keep_value(m, obs, hits, n < MAX_HITS ? n : MAX_HITS)) != 0)
        return rk_err_set(err, rc, "record %llu holds more values than the matcher keeps",
                          (unsigned long long)obs->record);
    return 0;
}
