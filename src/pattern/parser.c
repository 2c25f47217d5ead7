/* parser.c - recursive descent over STIXPattern.g4, building the syntax tree and the atoms.
 *
 * Grammar (precedence low to high, all operators left-associative):
 *   pattern  := obs_fby EOF
 *   obs_fby  := obs_or  (FOLLOWEDBY obs_or)*
 *   obs_or   := obs_and (OR obs_and)*
 *   obs_and  := obs     (AND obs)*
 *   obs      := ( '[' cmp_or ']' | '(' obs_fby ')' ) qualifier*
 *   cmp_or   := cmp_and (OR cmp_and)*
 *   cmp_and  := test    (AND test)*
 *   test     := '(' cmp_or ')' | NOT? EXISTS path | path NOT? operator constant
 */
#include "pattern/internal.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <stdio.h>
#include <string.h>

struct parser {
    struct lexer lx;
    struct tok tok; /* the current token */
    struct rk_pattern *p;
    struct rk_err *err;
    size_t depth;
    struct patom **atoms; /* grows with rk_reallocarray, copied to the pool at the end */
    size_t n_atoms, cap_atoms;
    size_t n_obs, cur_obs;
};

struct typeset {
    const char **names;
    size_t n;
};

static int advance(struct parser *ps)
{
    return lex_next(&ps->lx, &ps->tok);
}

static int fail_found(struct parser *ps, const char *expected)
{
    char found[96];

    tok_describe(&ps->lx, &ps->tok, found, sizeof(found));
    return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off, "expected %s, found %s", expected, found);
}

static int expect(struct parser *ps, enum tok_kind kind, const char *expected)
{
    if (ps->tok.kind != kind)
        return fail_found(ps, expected);
    return advance(ps);
}

/* The token that closes a bracket opened at byte open; "expected <closes> at byte <open>" is
 * written only when it is not there. */
static int expect_close(struct parser *ps, enum tok_kind kind, const char *closes, size_t open)
{
    char what[80];

    if (ps->tok.kind == kind)
        return advance(ps);
    snprintf(what, sizeof(what), "%s at byte %zu", closes, open);
    return fail_found(ps, what);
}

static int enter(struct parser *ps)
{
    if (++ps->depth > RK_PATTERN_MAX_DEPTH)
        return pattern_fail(ps->err, RK_ELIMIT, ps->tok.off,
                            "brackets and parentheses nested deeper than %d", RK_PATTERN_MAX_DEPTH);
    return 0;
}

static struct rk_pattern_node *new_node(struct parser *ps, enum rk_pattern_node_kind kind,
                                        size_t off)
{
    struct rk_pattern_node *n = pool_alloc(&ps->p->pool, sizeof(*n));

    if (n) {
        n->kind = kind;
        n->offset = (long long)off;
    }
    return n;
}

static int binary_node(struct parser *ps, enum rk_pattern_node_kind kind, size_t off,
                       struct rk_pattern_node **left, struct rk_pattern_node *right)
{
    struct rk_pattern_node *n = new_node(ps, kind, off);

    if (!n)
        return RK_ENOMEM;
    n->left = *left;
    n->right = right;
    *left = n;
    return 0;
}

/* ---- object paths -------------------------------------------------------------------------- */

static int path_key(struct parser *ps, struct rk_pattern_step *st, const char *after)
{
    char what[64];
    int rc;

    if (ps->tok.kind == T_IDENT) {
        st->key = pool_strndup(&ps->p->pool, ps->lx.s + ps->tok.off, ps->tok.len);
        st->key_len = ps->tok.len;
        if (!st->key)
            return RK_ENOMEM;
    } else if (ps->tok.kind == T_STRING) {
        if ((rc = lit_string(&ps->p->pool, &ps->lx, &ps->tok, &st->key, &st->key_len)) != 0)
            return rc;
        st->quoted = 1;
    } else if (ps->tok.kind == T_IDENT_HYPHEN) {
        return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off,
                            "property name '%.*s' contains '-' and must be quoted",
                            (int)ps->tok.len, ps->lx.s + ps->tok.off);
    } else {
        snprintf(what, sizeof(what), "a property name after %s", after);
        return fail_found(ps, what);
    }
    st->kind = RK_PATTERN_STEP_KEY;
    return advance(ps);
}

static int path_index(struct parser *ps, struct rk_pattern_step *st)
{
    const char *s = ps->lx.s + ps->tok.off;
    size_t len = ps->tok.len;
    int rc;

    if ((rc = advance(ps)) != 0) /* past '[' */
        return rc;
    s = ps->lx.s + ps->tok.off;
    len = ps->tok.len;
    if (ps->tok.kind == T_STAR) {
        st->kind = RK_PATTERN_STEP_ANY;
    } else if (ps->tok.kind == T_INT || ps->tok.kind == T_INT_NEG) {
        if (s[0] == '+')
            s++, len--;
        if (rk_parse_i64(s, len, -INT64_MAX, INT64_MAX, &st->index) != 0)
            return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off, "list index out of range");
        st->kind = RK_PATTERN_STEP_INDEX;
    } else {
        return fail_found(ps, "a list index or '*' after '['");
    }
    if ((rc = advance(ps)) != 0)
        return rc;
    return expect(ps, T_RBRACK, "']' after the list index");
}

static int parse_path(struct parser *ps, struct patom *a)
{
    struct rk_pattern_step steps[RK_PATTERN_MAX_STEPS];
    size_t n = 0;
    int rc;

    if (ps->tok.kind != T_IDENT && ps->tok.kind != T_IDENT_HYPHEN)
        return fail_found(ps, "an object path (object-type:property)");
    a->type_off = ps->tok.off;
    a->pub.object_type = pool_strndup(&ps->p->pool, ps->lx.s + ps->tok.off, ps->tok.len);
    if (!a->pub.object_type)
        return RK_ENOMEM;
    if ((rc = advance(ps)) != 0 || (rc = expect(ps, T_COLON, "':' after the object type")) != 0)
        return rc;
    memset(steps, 0, sizeof(steps));
    if ((rc = path_key(ps, &steps[n++], "':'")) != 0)
        return rc;
    while (ps->tok.kind == T_DOT || ps->tok.kind == T_LBRACK) {
        if (n == RK_PATTERN_MAX_STEPS)
            return pattern_fail(ps->err, RK_ELIMIT, ps->tok.off,
                                "object path has more than %d components", RK_PATTERN_MAX_STEPS);
        if (ps->tok.kind == T_DOT)
            rc = advance(ps) ? RK_EFORMAT : path_key(ps, &steps[n], "'.'");
        else
            rc = path_index(ps, &steps[n]);
        if (rc != 0)
            return rc;
        n++;
    }
    if (!(a->pub.steps = pool_array(&ps->p->pool, n, sizeof(steps[0]))))
        return RK_ENOMEM;
    memcpy((void *)a->pub.steps, steps, n * sizeof(steps[0]));
    a->pub.n_steps = n;
    return 0;
}

/* ---- constants ----------------------------------------------------------------------------- */

static int is_literal(enum tok_kind k, int allow_bool)
{
    switch (k) {
    case T_STRING:
    case T_INT:
    case T_INT_NEG:
    case T_FLOAT:
    case T_FLOAT_NEG:
    case T_TIMESTAMP:
    case T_BINARY:
    case T_HEX:
        return 1;
    case T_TRUE:
    case T_FALSE:
        return allow_bool;
    default:
        return 0;
    }
}

static int parse_literal(struct parser *ps, struct rk_pattern_const *c, int allow_bool,
                         const char *expected)
{
    int rc;

    if (!is_literal(ps->tok.kind, allow_bool))
        return fail_found(ps, expected);
    if ((rc = lit_decode(&ps->p->pool, &ps->lx, &ps->tok, c)) != 0)
        return rc;
    return advance(ps);
}

static int parse_set(struct parser *ps, struct rk_pattern_const *c)
{
    struct rk_pattern_const *items = NULL;
    size_t n = 0, cap = 0, open = ps->tok.off;
    int rc = RK_EFORMAT;

    c->type = RK_PATTERN_CONST_SET;
    c->text = ps->lx.s + open;
    if ((rc = expect(ps, T_LPAREN, "'(' to open the set after IN")) != 0)
        return rc;
    while (ps->tok.kind != T_RPAREN) {
        if (n && (rc = expect(ps, T_COMMA, "',' or ')' in the set")) != 0)
            goto out;
        if (n == RK_PATTERN_MAX_SET) {
            rc = pattern_fail(ps->err, RK_ELIMIT, ps->tok.off, "set has more than %d members",
                              RK_PATTERN_MAX_SET);
            goto out;
        }
        if (n == cap) {
            struct rk_pattern_const *grown;

            cap = cap ? cap * 2 : 8;
            if (!(grown = rk_reallocarray(items, cap, sizeof(*items)))) {
                rc = RK_ENOMEM;
                goto out;
            }
            items = grown;
        }
        memset(&items[n], 0, sizeof(items[n]));
        if ((rc = parse_literal(ps, &items[n++], 1, "a constant in the set")) != 0)
            goto out;
    }
    c->text_len = ps->tok.off + 1 - open;
    c->n_items = n;
    if (!(c->items = pool_array(&ps->p->pool, n, sizeof(*items)))) {
        rc = RK_ENOMEM;
        goto out;
    }
    if (n)
        memcpy((void *)c->items, items, n * sizeof(*items));
    rc = advance(ps);
out:
    rk_free(items);
    return rc;
}

/* ---- comparison expressions ---------------------------------------------------------------- */

/* "expected a constant after '<op>'": the message is written only when it is needed. */
static int fail_constant_after(struct parser *ps, const struct tok *op)
{
    char what[80];

    snprintf(what, sizeof(what), "a constant after '%.*s'", (int)op->len, ps->lx.s + op->off);
    return fail_found(ps, what);
}

static int parse_operator(struct parser *ps, struct patom *a, struct tok *lit)
{
    static const struct {
        enum tok_kind tok;
        enum rk_pattern_op op;
    } ops[] = {{T_EQ, RK_PATTERN_OP_EQ},
               {T_NEQ, RK_PATTERN_OP_NE},
               {T_LT, RK_PATTERN_OP_LT},
               {T_LE, RK_PATTERN_OP_LE},
               {T_GT, RK_PATTERN_OP_GT},
               {T_GE, RK_PATTERN_OP_GE},
               {T_IN, RK_PATTERN_OP_IN},
               {T_LIKE, RK_PATTERN_OP_LIKE},
               {T_MATCHES, RK_PATTERN_OP_MATCHES},
               {T_ISSUBSET, RK_PATTERN_OP_ISSUBSET},
               {T_ISSUPERSET, RK_PATTERN_OP_ISSUPERSET}};
    struct tok op;
    char what[80];
    size_t i;
    int rc;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]) && ops[i].tok != ps->tok.kind; i++)
        ;
    if (i == sizeof(ops) / sizeof(ops[0]))
        return fail_found(ps, "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, "
                              "ISSUBSET, ISSUPERSET) after the object path");
    a->pub.op = ops[i].op;
    op = ps->tok;
    if ((rc = advance(ps)) != 0)
        return rc;
    *lit = ps->tok;
    /* the kind of constant is checked here, so that parse_literal never needs its message */
    switch (a->pub.op) {
    case RK_PATTERN_OP_EQ:
    case RK_PATTERN_OP_NE:
        if (!is_literal(ps->tok.kind, 1))
            return fail_constant_after(ps, &op);
        return parse_literal(ps, &a->value, 1, "a constant");
    case RK_PATTERN_OP_IN:
        return parse_set(ps, &a->value);
    case RK_PATTERN_OP_LIKE:
    case RK_PATTERN_OP_MATCHES:
    case RK_PATTERN_OP_ISSUBSET:
    case RK_PATTERN_OP_ISSUPERSET:
        if (ps->tok.kind != T_STRING) {
            snprintf(what, sizeof(what), "a string constant after %s",
                     rk_pattern_op_name(a->pub.op));
            return fail_found(ps, what);
        }
        return parse_literal(ps, &a->value, 0, "a string constant");
    default:
        if (ps->tok.kind == T_TRUE || ps->tok.kind == T_FALSE)
            return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off,
                                "booleans cannot be ordered: expected a string, number, "
                                "timestamp, binary or hex constant");
        if (!is_literal(ps->tok.kind, 0))
            return fail_constant_after(ps, &op);
        return parse_literal(ps, &a->value, 0, "a constant");
    }
}

static int new_atom(struct parser *ps, struct patom **out)
{
    struct patom *a;

    if (ps->n_atoms == RK_PATTERN_MAX_ATOMS)
        return pattern_fail(ps->err, RK_ELIMIT, ps->tok.off, "more than %d comparison expressions",
                            RK_PATTERN_MAX_ATOMS);
    if (ps->n_atoms == ps->cap_atoms) {
        size_t cap = ps->cap_atoms ? ps->cap_atoms * 2 : 8;
        struct patom **grown = rk_reallocarray(ps->atoms, cap, sizeof(*grown));

        if (!grown)
            return RK_ENOMEM;
        ps->atoms = grown;
        ps->cap_atoms = cap;
    }
    if (!(a = pool_alloc(&ps->p->pool, sizeof(*a))))
        return RK_ENOMEM;
    a->pub.observation = ps->cur_obs;
    a->pub.offset = (long long)ps->tok.off;
    ps->atoms[ps->n_atoms++] = a;
    *out = a;
    return 0;
}

static int parse_atom(struct parser *ps, struct rk_pattern_node **out, struct typeset *ts)
{
    struct rk_pattern_node *n;
    struct patom *a = NULL;
    struct tok lit = {T_EOF, 0, 0};
    int rc;

    if ((rc = new_atom(ps, &a)) != 0)
        return rc;
    if (ps->tok.kind == T_NOT || ps->tok.kind == T_EXISTS) {
        a->pub.negated = ps->tok.kind == T_NOT;
        if (a->pub.negated && ((rc = advance(ps)) != 0 ||
                               (rc = expect(ps, T_EXISTS, "EXISTS after a leading NOT")) != 0))
            return rc;
        if (!a->pub.negated && (rc = advance(ps)) != 0)
            return rc;
        a->pub.op = RK_PATTERN_OP_EXISTS;
        if ((rc = parse_path(ps, a)) != 0)
            return rc;
    } else {
        if ((rc = parse_path(ps, a)) != 0)
            return rc;
        if (ps->tok.kind == T_NOT && ((a->pub.negated = 1), (rc = advance(ps)) != 0))
            return rc;
        if ((rc = parse_operator(ps, a, &lit)) != 0)
            return rc;
        a->pub.value = &a->value;
    }
    if ((rc = check_atom(ps->p, a, ps->err)) != 0)
        return rc;
    if (a->pub.op == RK_PATTERN_OP_MATCHES &&
        (rc = regex_compile(ps->p, a, &ps->lx, &lit, ps->err)) != 0)
        return rc;
    if (!(n = new_node(ps, RK_PATTERN_NODE_ATOM, (size_t)a->pub.offset)) ||
        !(ts->names = pool_alloc(&ps->p->pool, sizeof(*ts->names))))
        return RK_ENOMEM;
    n->atom = &a->pub;
    ts->names[0] = a->pub.object_type;
    ts->n = 1;
    *out = n;
    return 0;
}

/* ---- object types joined by AND and OR ----------------------------------------------------- */

static int typeset_has(const struct typeset *ts, const char *name)
{
    for (size_t i = 0; i < ts->n; i++) {
        if (strcmp(ts->names[i], name) == 0)
            return 1;
    }
    return 0;
}

/* AND: the types both sides can apply to. OR: the types either side can apply to. */
static int typeset_combine(struct parser *ps, struct typeset *l, const struct typeset *r,
                           int is_and)
{
    const char **names = pool_array(&ps->p->pool, l->n + r->n, sizeof(*names));
    size_t n = 0;

    if (!names)
        return RK_ENOMEM;
    for (size_t i = 0; i < l->n; i++) {
        if (!is_and || typeset_has(r, l->names[i]))
            names[n++] = l->names[i];
    }
    for (size_t i = 0; !is_and && i < r->n; i++) {
        if (!typeset_has(l, r->names[i]))
            names[n++] = r->names[i];
    }
    l->names = names;
    l->n = n;
    return 0;
}

static int cmp_or(struct parser *ps, struct rk_pattern_node **out, struct typeset *ts);

static int prop_test(struct parser *ps, struct rk_pattern_node **out, struct typeset *ts)
{
    size_t open = ps->tok.off;
    int rc;

    if (ps->tok.kind != T_LPAREN)
        return parse_atom(ps, out, ts);
    if ((rc = enter(ps)) != 0 || (rc = advance(ps)) != 0 || (rc = cmp_or(ps, out, ts)) != 0)
        return rc;
    if ((rc = expect_close(ps, T_RPAREN, "')' to close the '('", open)) != 0)
        return rc;
    ps->depth--;
    return 0;
}

static int cmp_and(struct parser *ps, struct rk_pattern_node **out, struct typeset *ts)
{
    struct rk_pattern_node *right;
    struct typeset rts;
    const char *lname;
    size_t off;
    int rc;

    if ((rc = prop_test(ps, out, ts)) != 0)
        return rc;
    while (ps->tok.kind == T_AND) {
        off = ps->tok.off;
        if ((rc = advance(ps)) != 0 || (rc = prop_test(ps, &right, &rts)) != 0)
            return rc;
        lname = ts->names[0];
        if ((rc = typeset_combine(ps, ts, &rts, 1)) != 0)
            return rc;
        if (ts->n == 0)
            return pattern_fail(ps->err, RK_EFORMAT, off,
                                "AND joins comparisons of different object types ('%s' and "
                                "'%s'): all operands of AND in one observation expression must "
                                "apply to the same object; use OR, or separate observation "
                                "expressions",
                                lname, rts.names[0]);
        if ((rc = binary_node(ps, RK_PATTERN_NODE_AND, off, out, right)) != 0)
            return rc;
    }
    return 0;
}

static int cmp_or(struct parser *ps, struct rk_pattern_node **out, struct typeset *ts)
{
    struct rk_pattern_node *right;
    struct typeset rts;
    size_t off;
    int rc;

    if ((rc = cmp_and(ps, out, ts)) != 0)
        return rc;
    while (ps->tok.kind == T_OR) {
        off = ps->tok.off;
        if ((rc = advance(ps)) != 0 || (rc = cmp_and(ps, &right, &rts)) != 0)
            return rc;
        if ((rc = typeset_combine(ps, ts, &rts, 0)) != 0)
            return rc;
        if ((rc = binary_node(ps, RK_PATTERN_NODE_OR, off, out, right)) != 0)
            return rc;
    }
    return 0;
}

/* ---- qualifiers ---------------------------------------------------------------------------- */

static int qual_within(struct parser *ps, struct rk_pattern_node *q)
{
    struct rk_pattern_const c;
    int rc;

    memset(&c, 0, sizeof(c));
    if (ps->tok.kind == T_INT_NEG || ps->tok.kind == T_FLOAT_NEG)
        return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off,
                            "WITHIN needs a positive number of seconds");
    if (ps->tok.kind != T_INT && ps->tok.kind != T_FLOAT)
        return fail_found(ps, "a number of seconds after WITHIN");
    if ((rc = lit_decode(&ps->p->pool, &ps->lx, &ps->tok, &c)) != 0)
        return rc;
    if (!(c.real > 0))
        return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off,
                            "WITHIN needs a positive number of seconds");
    q->within = c.real;
    if ((rc = advance(ps)) != 0)
        return rc;
    return expect(ps, T_SECONDS, "SECONDS after the WITHIN value");
}

static int qual_repeats(struct parser *ps, struct rk_pattern_node *q)
{
    struct rk_pattern_const c;
    int rc;

    memset(&c, 0, sizeof(c));
    if (ps->tok.kind != T_INT && ps->tok.kind != T_INT_NEG)
        return fail_found(ps, "a count after REPEATS");
    if ((rc = lit_decode(&ps->p->pool, &ps->lx, &ps->tok, &c)) != 0)
        return rc;
    if (c.integer <= 0)
        return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off, "REPEATS needs a positive count");
    q->repeats = (uint64_t)c.integer;
    if ((rc = advance(ps)) != 0)
        return rc;
    return expect(ps, T_TIMES, "TIMES after the REPEATS count");
}

static int qual_timestamp(struct parser *ps, int64_t *sec, int32_t *nsec, const char *expected)
{
    struct rk_pattern_const c;
    int rc;

    memset(&c, 0, sizeof(c));
    if (ps->tok.kind != T_TIMESTAMP)
        return fail_found(ps, expected);
    if ((rc = lit_decode(&ps->p->pool, &ps->lx, &ps->tok, &c)) != 0)
        return rc;
    *sec = c.sec;
    *nsec = c.nsec;
    return advance(ps);
}

static int qual_startstop(struct parser *ps, struct rk_pattern_node *q)
{
    size_t stop_off;
    int rc;

    if ((rc = qual_timestamp(ps, &q->start_sec, &q->start_nsec,
                             "a timestamp constant t'...' after START")) != 0)
        return rc;
    if ((rc = expect(ps, T_STOP, "STOP after the START timestamp")) != 0)
        return rc;
    stop_off = ps->tok.off;
    if ((rc = qual_timestamp(ps, &q->stop_sec, &q->stop_nsec,
                             "a timestamp constant t'...' after STOP")) != 0)
        return rc;
    if (q->start_sec > q->stop_sec ||
        (q->start_sec == q->stop_sec && q->start_nsec >= q->stop_nsec))
        return pattern_fail(ps->err, RK_EFORMAT, stop_off,
                            "the START timestamp must be earlier than the STOP timestamp");
    return 0;
}

/* Qualifiers after one observation expression: at most one of each kind (section 9.5.1). */
static int qualifiers(struct parser *ps, struct rk_pattern_node **node)
{
    static const char *names[] = {"WITHIN", "REPEATS", "START/STOP"};
    unsigned seen = 0, bit;
    struct rk_pattern_node *q;
    enum rk_pattern_node_kind kind;
    int rc;

    while (ps->tok.kind == T_WITHIN || ps->tok.kind == T_REPEATS || ps->tok.kind == T_START) {
        kind = ps->tok.kind == T_WITHIN    ? RK_PATTERN_NODE_WITHIN
               : ps->tok.kind == T_REPEATS ? RK_PATTERN_NODE_REPEATS
                                           : RK_PATTERN_NODE_STARTSTOP;
        bit = kind == RK_PATTERN_NODE_WITHIN ? 0 : kind == RK_PATTERN_NODE_REPEATS ? 1 : 2;
        if (seen & (1u << bit))
            return pattern_fail(ps->err, RK_EFORMAT, ps->tok.off,
                                "more than one %s qualifier on one observation expression",
                                names[bit]);
        seen |= 1u << bit;
        if (!(q = new_node(ps, kind, ps->tok.off)))
            return RK_ENOMEM;
        q->left = *node;
        if ((rc = advance(ps)) != 0)
            return rc;
        rc = bit == 0 ? qual_within(ps, q) : bit == 1 ? qual_repeats(ps, q) : qual_startstop(ps, q);
        if (rc != 0)
            return rc;
        *node = q;
    }
    return 0;
}

/* ---- observation expressions --------------------------------------------------------------- */

static int obs_fby(struct parser *ps, struct rk_pattern_node **out);

static int obs_bracket(struct parser *ps, struct rk_pattern_node **out)
{
    struct rk_pattern_node *n = new_node(ps, RK_PATTERN_NODE_OBSERVATION, ps->tok.off);
    struct rk_pattern_node *expr;
    struct typeset ts;
    size_t open = ps->tok.off;
    int rc;

    if (!n)
        return RK_ENOMEM;
    ps->cur_obs = ps->n_obs++;
    n->observation = ps->cur_obs;
    if ((rc = enter(ps)) != 0 || (rc = advance(ps)) != 0 || (rc = cmp_or(ps, &expr, &ts)) != 0)
        return rc;
    if ((rc = expect_close(ps, T_RBRACK, "']' to close the observation expression opened", open)) !=
        0)
        return rc;
    ps->depth--;
    n->left = expr;
    *out = n;
    return 0;
}

static int obs_primary(struct parser *ps, struct rk_pattern_node **out)
{
    size_t open = ps->tok.off;
    int rc;

    if (ps->tok.kind == T_LBRACK) {
        rc = obs_bracket(ps, out);
    } else if (ps->tok.kind == T_LPAREN) {
        if ((rc = enter(ps)) != 0 || (rc = advance(ps)) != 0 || (rc = obs_fby(ps, out)) != 0)
            return rc;
        if ((rc = expect_close(ps, T_RPAREN, "')' to close the '('", open)) != 0)
            return rc;
        ps->depth--;
    } else {
        return fail_found(ps, "'[' or '(' to start an observation expression");
    }
    return rc != 0 ? rc : qualifiers(ps, out);
}

static int obs_and(struct parser *ps, struct rk_pattern_node **out)
{
    struct rk_pattern_node *right;
    size_t off;
    int rc;

    if ((rc = obs_primary(ps, out)) != 0)
        return rc;
    while (ps->tok.kind == T_AND) {
        off = ps->tok.off;
        if ((rc = advance(ps)) != 0 || (rc = obs_primary(ps, &right)) != 0 ||
            (rc = binary_node(ps, RK_PATTERN_NODE_OBS_AND, off, out, right)) != 0)
            return rc;
    }
    return 0;
}

static int obs_or(struct parser *ps, struct rk_pattern_node **out)
{
    struct rk_pattern_node *right;
    size_t off;
    int rc;

    if ((rc = obs_and(ps, out)) != 0)
        return rc;
    while (ps->tok.kind == T_OR) {
        off = ps->tok.off;
        if ((rc = advance(ps)) != 0 || (rc = obs_and(ps, &right)) != 0 ||
            (rc = binary_node(ps, RK_PATTERN_NODE_OBS_OR, off, out, right)) != 0)
            return rc;
    }
    return 0;
}

static int obs_fby(struct parser *ps, struct rk_pattern_node **out)
{
    struct rk_pattern_node *right;
    size_t off;
    int rc;

    if ((rc = obs_or(ps, out)) != 0)
        return rc;
    while (ps->tok.kind == T_FOLLOWEDBY) {
        off = ps->tok.off;
        if ((rc = advance(ps)) != 0 || (rc = obs_or(ps, &right)) != 0 ||
            (rc = binary_node(ps, RK_PATTERN_NODE_FOLLOWEDBY, off, out, right)) != 0)
            return rc;
    }
    return 0;
}

/* ---- the whole pattern --------------------------------------------------------------------- */

static int parse_all(struct parser *ps)
{
    struct rk_pattern *p = ps->p;
    int rc;

    if ((rc = advance(ps)) != 0)
        return rc;
    if (ps->tok.kind != T_LBRACK && ps->tok.kind != T_LPAREN)
        return fail_found(ps, "'[' or '(' at the start of the pattern");
    if ((rc = obs_fby(ps, &p->root)) != 0)
        return rc;
    if (ps->tok.kind != T_EOF)
        return fail_found(ps, "AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern");
    if (!(p->atoms = pool_array(&p->pool, ps->n_atoms, sizeof(*p->atoms))))
        return RK_ENOMEM;
    if (ps->n_atoms)
        memcpy(p->atoms, ps->atoms, ps->n_atoms * sizeof(*p->atoms));
    p->n_atoms = ps->n_atoms;
    p->n_obs = ps->n_obs;
    return 0;
}

static int check_text(const char *text, size_t len, struct rk_err *err)
{
    size_t bad;

    if (len > RK_PATTERN_MAX_LEN)
        return pattern_fail(err, RK_ELIMIT, RK_PATTERN_MAX_LEN, "pattern longer than %d bytes",
                            RK_PATTERN_MAX_LEN);
    if ((bad = utf8_check(text, len)) != len)
        return pattern_fail(err, RK_EFORMAT, bad, "pattern is not valid UTF-8");
    return 0;
}

int rk_pattern_parse(struct rk_pattern **out, const char *text, size_t len, struct rk_err *err)
{
    struct rk_pattern *p = NULL;
    struct parser ps;
    int rc;

    *out = NULL;
    memset(&ps, 0, sizeof(ps));
    if (!text && len)
        return rk_err_set(err, RK_EINVAL, "no pattern text");
    if ((rc = check_text(text ? text : "", len, err)) != 0)
        return rc;
    if (!(p = rk_calloc(1, sizeof(*p))))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    pool_init(&p->pool, len < 8192 ? 512 + 8 * len : 65536, ((size_t)1 << 20) + 64 * len);
    rc = RK_ENOMEM;
    if (!(p->text = pool_strndup(&p->pool, text ? text : "", len)))
        goto out;
    p->len = len;
    ps.lx.s = p->text;
    ps.lx.len = len;
    ps.lx.err = err;
    ps.p = p;
    ps.err = err;
    rc = parse_all(&ps);
out:
    rk_free(ps.atoms);
    if (rc == RK_ENOMEM)
        rk_err_set(err, RK_ENOMEM, "out of memory parsing the pattern");
    if (rc != 0) {
        rk_pattern_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int rk_pattern_validate(const char *pattern, size_t len, struct rk_err *err)
{
    struct rk_pattern *p = NULL;
    int rc = rk_pattern_parse(&p, pattern, len, err);

    rk_pattern_free(p);
    return rc;
}
