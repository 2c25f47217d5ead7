/* fuzz.c - plain indicator lists (and MISP warning lists when the input starts with '{'):
 * parse, build full and set-only indexes, look every listed value up again, grep the input
 * against itself, and reload the index image. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/match.h"

static int discard(const char *p, size_t len, void *ctx)
{
    (void)p;
    (void)len;
    (void)ctx;
    return 0;
}

struct check {
    struct rk_match_index *full, *set;
};

/* Every value the parser produced must be found in both indexes. */
static int relookup(const struct rk_match_value *v, uint64_t line, long long offset, void *ctx)
{
    struct check *c = ctx;
    struct rk_match_hit hits[4];

    (void)line;
    if (offset < 0)
        __builtin_trap();
    if (rk_match_lookup(c->full, v, NULL, hits, 4) == 0 || !rk_match_contains(c->set, v, 1))
        __builtin_trap();
    return 0;
}

static void warnlist(const char *p, size_t len)
{
    struct rk_match_warnlists *wl;
    struct rk_match_value v;
    struct rk_match_warning w;

    if (rk_match_warnlists_new(&wl, NULL) != 0)
        return;
    if (rk_match_warnlists_add_json(wl, p, len, "fuzz", NULL) == 0 &&
        rk_match_warnlists_finish(wl, NULL) == 0 &&
        rk_match_value_parse(&v, RK_MATCH_ANY, "http://a.example/x", 18, NULL) == 0)
        rk_match_warnlists_check(wl, &v, &w);
    rk_match_warnlists_free(wl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct rk_match_build_options so = {.set_only = 1};
    struct rk_match_grep_options go = {.invert = 0};
    struct rk_match_builder *b;
    struct check c = {NULL, NULL};
    uint64_t n;

    if (size > 0 && p[0] == '{') {
        warnlist(p, size);
        return 0;
    }
    if (rk_match_builder_new(&b, NULL, NULL) != 0)
        return 0;
    if (rk_match_builder_add_list(b, p, size, "fuzz", NULL, NULL) != 0 ||
        rk_match_builder_finish(b, &c.full, NULL) != 0)
        return 0;
    if (rk_match_builder_new(&b, &so, NULL) == 0 &&
        rk_match_builder_add_list(b, p, size, "fuzz", NULL, NULL) == 0 &&
        rk_match_builder_finish(b, &c.set, NULL) == 0) {
        rk_match_list_parse(p, size, relookup, &c, NULL, NULL);
        rk_match_grep(c.set, p, size, &go, discard, NULL, &n, NULL);
        go.invert = 1;
        go.threads = 2;
        rk_match_grep(c.full, p, size, &go, discard, NULL, &n, NULL);
    }
    rk_match_index_free(c.full);
    rk_match_index_free(c.set);
    return 0;
}
