/* main.c - pattern unit tests: one cmocka group per topic. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

struct rk_pattern *tp_parse(const char *text)
{
    struct rk_pattern *p = NULL;
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_pattern_parse(&p, text, strlen(text), &err) != 0)
        fail_msg("pattern did not parse: %s: %s (byte %lld)", text, err.message, err.offset);
    return p;
}

static size_t shape_at(const struct rk_pattern_node *n, char *buf, size_t cap, size_t at)
{
    static const char *names[] = {"O", "AND", "OR", "FBY", "W", "R", "SS", "and", "or", "A"};
    int w;

    if (at >= cap)
        return at;
    if (n->kind == RK_PATTERN_NODE_OBSERVATION)
        w = snprintf(buf + at, cap - at, "O%zu", n->observation);
    else if (n->kind == RK_PATTERN_NODE_ATOM)
        w = snprintf(buf + at, cap - at, "%s", n->atom->steps[0].key);
    else if (n->kind == RK_PATTERN_NODE_WITHIN)
        w = snprintf(buf + at, cap - at, "W%g(", n->within);
    else if (n->kind == RK_PATTERN_NODE_REPEATS)
        w = snprintf(buf + at, cap - at, "R%llu(", (unsigned long long)n->repeats);
    else
        w = snprintf(buf + at, cap - at, "%s(", names[n->kind]);
    at += (size_t)w;
    if (n->kind == RK_PATTERN_NODE_OBSERVATION || n->kind == RK_PATTERN_NODE_ATOM)
        return at;
    at = shape_at(n->left, buf, cap, at);
    if (n->right) {
        at += (size_t)snprintf(buf + at, at < cap ? cap - at : 0, ",");
        at = shape_at(n->right, buf, cap, at);
    }
    return at + (size_t)snprintf(buf + at, at < cap ? cap - at : 0, ")");
}

void tp_shape(const struct rk_pattern_node *n, char *buf, size_t cap)
{
    buf[0] = '\0';
    shape_at(n, buf, cap, 0);
}

int main(void)
{
    int failed = 0;

    failed += test_pattern_parse_run();
    failed += test_pattern_errors_run();
    failed += test_pattern_compare_run();
    failed += test_pattern_observe_run();
    return failed ? 1 : 0;
}
