/* eval.c - a pattern against a set of observations (sections 9.4, 9.5).
 *
 * Each observation expression [...] yields the observations it matches. Above them the
 * evaluator builds "bindings": multisets of observations (an observed-data record counts
 * number_observed times) that satisfy the subtree. AND, FOLLOWEDBY and REPEATS combine
 * bindings that use no observation twice; WITHIN and START/STOP constrain their times. An
 * observation's time is unknown within [first_observed, last_observed], so a constraint holds
 * when some choice of times in those intervals satisfies it (docs/patterns.md).
 * Constraints from ancestors (WITHIN, START/STOP) prune bindings as they are built, and when
 * only existence matters ("any" mode) the search stops at the first binding. */
#include "pattern/internal.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/map.h"

#include <string.h>

#define DEFAULT_MAX_BINDINGS 65536
#define DEFAULT_MAX_MEMORY   ((size_t)64 << 20)
#define STEPS_PER_BINDING    64
#define MAX_REPEAT_DEPTH     4096

struct tpoint {
    int64_t sec;
    int32_t nsec;
};

struct entry {
    uint32_t rec; /* index into the observations */
    uint32_t zero;
    uint64_t cnt; /* how many of its number_observed observations */
};

struct bind {
    struct tpoint max_first, min_last;
    size_t n;
    struct entry e[]; /* sorted by rec */
};

struct bset {
    struct bind **v;
    size_t n, cap;
    struct rk_map *seen; /* all mode: the bindings already in v */
};

struct ctx {
    int any;        /* existence only: stop at the first binding */
    int has_window; /* START/STOP from ancestors, intersected */
    struct tpoint start, stop;
    int has_within; /* the smallest WITHIN of the ancestors */
    double within;
};

struct ev {
    const struct rk_pattern *p;
    const struct rk_pattern_observation *obs;
    size_t n_obs;
    struct rk_arena *arena;
    size_t made, max_made, steps, max_steps, max_memory;
    uint64_t *acc; /* REPEATS: per-observation counts of the combination being built */
    struct eval_scratch sc;
    struct rk_err *err;
};

static int tcmp(struct tpoint a, struct tpoint b)
{
    if (a.sec != b.sec)
        return a.sec < b.sec ? -1 : 1;
    return a.nsec < b.nsec ? -1 : a.nsec > b.nsec;
}

static struct tpoint first_of(const struct ev *ev, size_t r)
{
    struct tpoint t = {ev->obs[r].first_sec, ev->obs[r].first_nsec};

    return t;
}

static struct tpoint last_of(const struct ev *ev, size_t r)
{
    struct tpoint t = {ev->obs[r].last_sec, ev->obs[r].last_nsec};

    return t;
}

/* WITHIN (9.5.1): the latest chosen time is less than the earliest plus the window. */
static int spread_ok(struct tpoint max_first, struct tpoint min_last, double within)
{
    double gap;

    if (tcmp(max_first, min_last) <= 0)
        return 1;
    gap = (double)(max_first.sec - min_last.sec) + (max_first.nsec - min_last.nsec) / 1e9;
    return gap < within;
}

/* ---- bindings ------------------------------------------------------------------------------ */

static int limit(struct ev *ev, const char *what, size_t cap)
{
    return rk_err_set(ev->err, RK_ELIMIT, "pattern evaluation needs more than %zu %s", cap, what);
}

static int bind_new(struct ev *ev, size_t n, struct bind **out)
{
    if (++ev->made > ev->max_made)
        return limit(ev, "candidate bindings", ev->max_made);
    *out = rk_arena_alloc(ev->arena, sizeof(struct bind) + n * sizeof(struct entry));
    if (!*out &&
        rk_arena_used(ev->arena) + sizeof(struct bind) + n * sizeof(struct entry) > ev->max_memory)
        return limit(ev, "bytes of scratch memory", ev->max_memory);
    if (!*out)
        return RK_ENOMEM;
    memset(*out, 0, sizeof(struct bind) + n * sizeof(struct entry));
    (*out)->n = n;
    return 0;
}

static void bind_summarise(const struct ev *ev, struct bind *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct tpoint f = first_of(ev, b->e[i].rec), l = last_of(ev, b->e[i].rec);

        if (i == 0 || tcmp(f, b->max_first) > 0)
            b->max_first = f;
        if (i == 0 || tcmp(l, b->min_last) < 0)
            b->min_last = l;
    }
}

/* a and b together, or *out = NULL when they need more of an observation than it has. */
static int bind_merge(struct ev *ev, const struct bind *a, const struct bind *b, struct bind **out)
{
    size_t i = 0, j = 0, n = 0;
    struct bind *m;
    int rc;

    *out = NULL;
    if ((rc = bind_new(ev, a->n + b->n, &m)) != 0)
        return rc;
    while (i < a->n || j < b->n) {
        if (j == b->n || (i < a->n && a->e[i].rec < b->e[j].rec)) {
            m->e[n++] = a->e[i++];
        } else if (i == a->n || b->e[j].rec < a->e[i].rec) {
            m->e[n++] = b->e[j++];
        } else {
            m->e[n] = a->e[i++];
            m->e[n].cnt += b->e[j++].cnt;
            if (m->e[n].cnt > ev->obs[m->e[n].rec].number_observed)
                return 0; /* the same observation twice */
            n++;
        }
    }
    m->n = n;
    bind_summarise(ev, m);
    *out = m;
    return 0;
}

static void bset_free(struct bset *s)
{
    rk_free(s->v);
    rk_map_free(s->seen);
    memset(s, 0, sizeof(*s));
}

/* Add b unless the ancestors' WITHIN rules it out or (all mode) it is there already. */
static int bset_add(struct bset *s, struct bind *b, const struct ctx *cx)
{
    size_t key_len = b->n * sizeof(struct entry);
    int rc;

    if (cx->has_within && !spread_ok(b->max_first, b->min_last, cx->within))
        return 0;
    if (!cx->any) {
        if (!s->seen && !(s->seen = rk_map_new(NULL)))
            return RK_ENOMEM;
        if (rk_map_has(s->seen, b->e, key_len))
            return 0;
        if ((rc = rk_map_put_take(s->seen, b->e, key_len, NULL)) != 0)
            return rc;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct bind **grown = rk_reallocarray(s->v, cap, sizeof(*grown));

        if (!grown)
            return RK_ENOMEM;
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n++] = b;
    return 0;
}

static int done(const struct bset *s, const struct ctx *cx)
{
    return cx->any && s->n > 0;
}

/* ---- one observation expression ------------------------------------------------------------ */

static int cmp_eval(struct ev *ev, const struct rk_pattern_node *n, const json_t *sco,
                    const char *type, const json_t *objects)
{
    const struct patom *a;
    int rc;

    switch (n->kind) {
    case RK_PATTERN_NODE_ATOM:
        a = (const struct patom *)n->atom;
        if (strcmp(a->pub.object_type, type) != 0)
            return 0;
        return atom_test_sco(ev->p, a, sco, objects, &ev->sc);
    case RK_PATTERN_NODE_AND:
        if ((rc = cmp_eval(ev, n->left, sco, type, objects)) <= 0)
            return rc;
        return cmp_eval(ev, n->right, sco, type, objects);
    case RK_PATTERN_NODE_OR:
        if ((rc = cmp_eval(ev, n->left, sco, type, objects)) != 0)
            return rc;
        return cmp_eval(ev, n->right, sco, type, objects);
    default:
        return RK_EINTERNAL;
    }
}

/* 1 when one SCO of observation r satisfies the comparison expression (9.5). */
static int observation_matches(struct ev *ev, const struct rk_pattern_node *expr, size_t r)
{
    const json_t *objects = ev->obs[r].objects;
    const char *key, *type;
    json_t *sco;
    int rc;

    if (!json_is_object(objects))
        return 0;
    json_object_foreach ((json_t *)objects, key, sco) {
        (void)key;
        if (!(type = json_string_value(json_object_get(sco, "type"))))
            continue;
        if ((rc = cmp_eval(ev, expr, sco, type, objects)) != 0)
            return rc;
    }
    return 0;
}

static int in_window(const struct ev *ev, size_t r, const struct ctx *cx)
{
    /* START/STOP (9.5.1): some time in [first, last] is >= start and < stop */
    return !cx->has_window ||
           (tcmp(first_of(ev, r), cx->stop) < 0 && tcmp(last_of(ev, r), cx->start) >= 0);
}

static int eval_leaf(struct ev *ev, const struct rk_pattern_node *n, const struct ctx *cx,
                     struct bset *out)
{
    struct bind *b;
    int rc;

    for (size_t r = 0; r < ev->n_obs && !done(out, cx); r++) {
        if (!in_window(ev, r, cx))
            continue;
        if ((rc = observation_matches(ev, n->left, r)) < 0)
            return rc;
        if (rc == 0)
            continue;
        if ((rc = bind_new(ev, 1, &b)) != 0)
            return rc;
        b->e[0].rec = (uint32_t)r;
        b->e[0].cnt = 1;
        bind_summarise(ev, b);
        if ((rc = bset_add(out, b, cx)) != 0)
            return rc;
    }
    return 0;
}

/* ---- operators ----------------------------------------------------------------------------- */

static int eval_node(struct ev *ev, const struct rk_pattern_node *n, const struct ctx *cx,
                     struct bset *out);

static int step(struct ev *ev)
{
    if (++ev->steps > ev->max_steps)
        return limit(ev, "combination steps", ev->max_steps);
    return 0;
}

/* AND and FOLLOWEDBY (9.5.2): one binding of each side, no observation used twice;
 * FOLLOWEDBY also needs a time of the right side at or after every time of the left. */
static int eval_pair(struct ev *ev, const struct rk_pattern_node *n, const struct ctx *cx,
                     struct bset *out)
{
    struct ctx all = *cx;
    struct bset l = {0}, r = {0};
    struct bind *m;
    int rc;

    all.any = 0;
    if ((rc = eval_node(ev, n->left, &all, &l)) != 0 || l.n == 0 ||
        (rc = eval_node(ev, n->right, &all, &r)) != 0)
        goto out;
    for (size_t i = 0; i < l.n && !done(out, cx); i++) {
        for (size_t j = 0; j < r.n && !done(out, cx); j++) {
            if ((rc = step(ev)) != 0)
                goto out;
            if (n->kind == RK_PATTERN_NODE_FOLLOWEDBY &&
                tcmp(l.v[i]->max_first, r.v[j]->min_last) > 0)
                continue;
            if ((rc = bind_merge(ev, l.v[i], r.v[j], &m)) != 0)
                goto out;
            if (m && (rc = bset_add(out, m, cx)) != 0)
                goto out;
        }
    }
out:
    bset_free(&l);
    bset_free(&r);
    return rc;
}

/* OR (9.5): the bindings of either side; the left side alone suffices when it matches. */
static int eval_or(struct ev *ev, const struct rk_pattern_node *n, const struct ctx *cx,
                   struct bset *out)
{
    int rc = 0;

    for (int k = 0; k < 2 && !done(out, cx); k++) {
        struct bset side = {0};

        rc = eval_node(ev, k ? n->right : n->left, cx, &side);
        for (size_t i = 0; rc == 0 && i < side.n && !done(out, cx); i++)
            rc = bset_add(out, side.v[i], cx);
        bset_free(&side);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ---- REPEATS --------------------------------------------------------------------------------- */

struct rep {
    struct ev *ev;
    const struct bset *child;
    const struct ctx *cx;
    struct bset *out;
};

/* How many more copies of binding j fit next to what is chosen, at most rem. */
static uint64_t maxfit(const struct rep *rs, size_t j, uint64_t rem)
{
    const struct bind *b = rs->child->v[j];
    uint64_t fit = rem;

    for (size_t i = 0; i < b->n && fit > 0; i++) {
        uint64_t left = rs->ev->obs[b->e[i].rec].number_observed - rs->ev->acc[b->e[i].rec];
        uint64_t k = left / b->e[i].cnt;

        if (k < fit)
            fit = k;
    }
    return fit;
}

static void apply(const struct rep *rs, size_t j, uint64_t c, int sign)
{
    const struct bind *b = rs->child->v[j];

    for (size_t i = 0; i < b->n; i++) {
        if (sign > 0)
            rs->ev->acc[b->e[i].rec] += c * b->e[i].cnt;
        else
            rs->ev->acc[b->e[i].rec] -= c * b->e[i].cnt;
    }
}

static int emit(const struct rep *rs)
{
    struct ev *ev = rs->ev;
    struct bind *b;
    size_t n = 0;
    int rc;

    for (size_t r = 0; r < ev->n_obs; r++)
        n += ev->acc[r] != 0;
    if ((rc = bind_new(ev, n, &b)) != 0)
        return rc;
    n = 0;
    for (size_t r = 0; r < ev->n_obs; r++) {
        if (ev->acc[r]) {
            b->e[n].rec = (uint32_t)r;
            b->e[n++].cnt = ev->acc[r];
        }
    }
    bind_summarise(ev, b);
    if ((rc = bset_add(rs->out, b, rs->cx)) != 0)
        return rc;
    return done(rs->out, rs->cx);
}

/* Choose copies of the child's bindings j.. (combinations with repetition) until rem more
 * observations are bound; the ancestors' WITHIN prunes partial choices, which only widen.
 * Returns 1 to stop (any mode found one), 0 to go on, < 0 on error. */
static int repeats_rec(const struct rep *rs, size_t j, uint64_t rem, struct tpoint mf,
                       struct tpoint ml, int have, size_t depth)
{
    int rc;

    if (rem == 0)
        return emit(rs);
    if (depth >= MAX_REPEAT_DEPTH)
        return limit(rs->ev, "levels of REPEATS combination", (size_t)MAX_REPEAT_DEPTH);
    for (; j < rs->child->n; j++) {
        const struct bind *b = rs->child->v[j];
        struct tpoint mf2 = have && tcmp(mf, b->max_first) > 0 ? mf : b->max_first;
        struct tpoint ml2 = have && tcmp(ml, b->min_last) < 0 ? ml : b->min_last;
        uint64_t c = maxfit(rs, j, rem);

        if ((rc = step(rs->ev)) != 0)
            return rc;
        if (c == 0 || (rs->cx->has_within && !spread_ok(mf2, ml2, rs->cx->within)))
            continue;
        for (; c >= 1; c--) {
            apply(rs, j, c, 1);
            rc = repeats_rec(rs, j + 1, rem - c, mf2, ml2, 1, depth + 1);
            apply(rs, j, c, -1);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int eval_repeats(struct ev *ev, const struct rk_pattern_node *n, const struct ctx *cx,
                        struct bset *out)
{
    struct ctx all = *cx;
    struct bset child = {0};
    struct rep rs = {ev, &child, cx, out};
    struct tpoint zero = {0, 0};
    int rc;

    all.any = 0;
    if (n->repeats == 1)
        return eval_node(ev, n->left, cx, out);
    if ((rc = eval_node(ev, n->left, &all, &child)) == 0 && child.n > 0) {
        rc = repeats_rec(&rs, 0, n->repeats, zero, zero, 0, 0);
        rc = rc > 0 ? 0 : rc;
    }
    bset_free(&child);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static void narrow_window(struct ctx *cx, const struct rk_pattern_node *n)
{
    struct tpoint start = {n->start_sec, n->start_nsec}, stop = {n->stop_sec, n->stop_nsec};

    if (!cx->has_window || tcmp(start, cx->start) > 0)
        cx->start = start;
    if (!cx->has_window || tcmp(stop, cx->stop) < 0)
        cx->stop = stop;
    cx->has_window = 1;
}

static int eval_node(struct ev *ev, const struct rk_pattern_node *n, const struct ctx *cx,
                     struct bset *out)
{
    struct ctx sub = *cx;

    switch (n->kind) {
    case RK_PATTERN_NODE_OBSERVATION:
        return eval_leaf(ev, n, cx, out);
    case RK_PATTERN_NODE_OBS_AND:
    case RK_PATTERN_NODE_FOLLOWEDBY:
        return eval_pair(ev, n, cx, out);
    case RK_PATTERN_NODE_OBS_OR:
        return eval_or(ev, n, cx, out);
    case RK_PATTERN_NODE_REPEATS:
        return eval_repeats(ev, n, cx, out);
    case RK_PATTERN_NODE_WITHIN:
        if (!sub.has_within || n->within < sub.within)
            sub.within = n->within;
        sub.has_within = 1;
        return eval_node(ev, n->left, &sub, out);
    case RK_PATTERN_NODE_STARTSTOP:
        narrow_window(&sub, n);
        if (tcmp(sub.start, sub.stop) >= 0)
            return 0; /* disjoint windows: nothing can match */
        return eval_node(ev, n->left, &sub, out);
    default:
        return RK_EINTERNAL;
    }
}

/* ---- entry point ---------------------------------------------------------------------------- */

static int check_observations(const struct rk_pattern_observation *obs, size_t n,
                              struct rk_err *err)
{
    if (n > UINT32_MAX)
        return rk_err_set(err, RK_ELIMIT, "more than %u observations", (unsigned)UINT32_MAX);
    for (size_t i = 0; i < n; i++) {
        struct tpoint f = {obs[i].first_sec, obs[i].first_nsec};
        struct tpoint l = {obs[i].last_sec, obs[i].last_nsec};

        if (obs[i].number_observed < 1)
            return rk_err_set(err, RK_EFORMAT,
                              "observation %zu: number_observed must be at least 1", i);
        if (tcmp(l, f) < 0)
            return rk_err_set(err, RK_EFORMAT,
                              "observation %zu: last_observed is earlier than first_observed", i);
    }
    return 0;
}

static int run(struct ev *ev, uint8_t *used_out)
{
    struct ctx cx = {1, 0, {0, 0}, {0, 0}, 0, 0};
    struct bset result = {0};
    int rc;

    if ((rc = eval_node(ev, ev->p->root, &cx, &result)) != 0) {
        if (rc == RK_ENOMEM)
            rk_err_set(ev->err, RK_ENOMEM, "out of memory evaluating the pattern");
        bset_free(&result);
        return rc;
    }
    rc = result.n > 0;
    if (used_out && rc) {
        for (size_t i = 0; i < result.v[0]->n; i++)
            used_out[result.v[0]->e[i].rec] = 1;
    }
    bset_free(&result);
    return rc;
}

int rk_pattern_match(const struct rk_pattern *p, const struct rk_pattern_observation *obs, size_t n,
                     const struct rk_pattern_match_opts *opts, uint8_t *used_out,
                     struct rk_err *err)
{
    struct ev ev;
    int rc;

    if (used_out && n)
        memset(used_out, 0, n);
    if ((rc = check_observations(obs, n, err)) != 0)
        return rc;
    memset(&ev, 0, sizeof(ev));
    ev.p = p;
    ev.obs = obs;
    ev.n_obs = n;
    ev.err = err;
    ev.max_made = opts && opts->max_bindings ? opts->max_bindings : DEFAULT_MAX_BINDINGS;
    ev.max_steps = ev.max_made * STEPS_PER_BINDING;
    ev.max_memory = opts && opts->max_memory ? opts->max_memory : DEFAULT_MAX_MEMORY;
    ev.arena = rk_arena_new(ev.max_memory);
    ev.acc = rk_calloc(n ? n : 1, sizeof(*ev.acc));
    if (!ev.arena || !ev.acc)
        rc = rk_err_set(err, RK_ENOMEM, "out of memory evaluating the pattern");
    else
        rc = run(&ev, used_out);
    pcre2_match_data_free(ev.sc.md);
    rk_free(ev.acc);
    rk_arena_free(ev.arena);
    return rc;
}
