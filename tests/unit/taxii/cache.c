/* cache.c - the page cache: hits under the state a page was made in, nothing after the store
 * or the access rights moved on, least recently used pages leave first, held pages outlive
 * their eviction. */
#include "tests.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "taxii/server.h"

static struct rk_taxii_cached_page page_of(const char *body, int64_t count)
{
    struct rk_taxii_cached_page p;

    memset(&p, 0, sizeof(p));
    p.body = (char *)body;
    p.len = strlen(body);
    p.count = count;
    snprintf(p.date_first, sizeof(p.date_first), "2026-11-22T00:00:00.000001Z");
    snprintf(p.date_last, sizeof(p.date_last), "2026-11-22T00:00:00.000009Z");
    return p;
}

static void put(struct rk_taxii_page_cache *pc, const char *key, int64_t mark, int64_t gen,
                const char *body)
{
    struct rk_taxii_cached_page p = page_of(body, 1);

    rk_taxii_cache_put(pc, key, strlen(key), mark, gen, &p);
}

/* The body kept under key at (mark, gen) into out ("" when none). */
static void get(struct rk_taxii_page_cache *pc, const char *key, int64_t mark, int64_t gen,
                char *out, size_t cap)
{
    const struct rk_taxii_cached_page *p = rk_taxii_cache_get(pc, key, strlen(key), mark, gen);

    out[0] = '\0';
    if (p) {
        snprintf(out, cap, "%.*s", (int)p->len, p->body);
        rk_taxii_cache_release(pc, p);
    }
}

/* The body kept under key at (mark, gen) is want ("": nothing is kept). */
static void expect(struct rk_taxii_page_cache *pc, const char *key, int64_t mark, int64_t gen,
                   const char *want)
{
    char body[64];

    get(pc, key, mark, gen, body, sizeof(body));
    assert_string_equal(body, want);
}

static void test_taxii_cache__hit_only_in_the_same_state(void **state)
{
    struct rk_taxii_page_cache *pc = NULL;
    struct rk_taxii_cache_stats st;

    assert_int_equal(rk_taxii_cache_new(&pc, 1 << 20), 0);
    put(pc, "alice\n/api/collections/c/objects/", 10, 1, "{\"objects\":[1]}");
    expect(pc, "alice\n/api/collections/c/objects/", 10, 1, "{\"objects\":[1]}");
    /* another user, another target: no hit */
    expect(pc, "bob\n/api/collections/c/objects/", 10, 1, "");
    expect(pc, "alice\n/api/collections/c/objects/?limit=1", 10, 1, "");
    /* a request that read an older state misses, and leaves the page for current ones */
    expect(pc, "alice\n/api/collections/c/objects/", 9, 1, "");
    expect(pc, "alice\n/api/collections/c/objects/", 10, 1, "{\"objects\":[1]}");
    /* the store moved on: the page is gone, even for a request of the old state */
    expect(pc, "alice\n/api/collections/c/objects/", 11, 1, "");
    expect(pc, "alice\n/api/collections/c/objects/", 10, 1, "");
    /* a page made under an older state is not kept */
    put(pc, "alice\n/x", 10, 1, "old");
    expect(pc, "alice\n/x", 11, 1, "");
    /* the access rights moved on */
    put(pc, "alice\n/x", 11, 1, "rights 1");
    expect(pc, "alice\n/x", 11, 2, "");
    rk_taxii_cache_stats(pc, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 7);
    assert_int_equal(st.bytes, 0);
    rk_taxii_cache_free(pc);
}

static void test_taxii_cache__budget_and_eviction(void **state)
{
    struct rk_taxii_page_cache *pc = NULL;
    const struct rk_taxii_cached_page *held;
    struct rk_taxii_cache_stats st;
    char big[3000], body[64], key[32];

    /* no budget, no cache: lookups miss, puts are ignored */
    assert_int_equal(rk_taxii_cache_new(&pc, 0), 0);
    assert_null(pc);
    put(pc, "k", 1, 1, "x");
    expect(pc, "k", 1, 1, "");

    assert_int_equal(rk_taxii_cache_new(&pc, 16384), 0);
    /* a page over an eighth of the budget is not kept */
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    put(pc, "big", 1, 1, big);
    expect(pc, "big", 1, 1, "");
    /* fill past the budget: the least recently used pages leave first */
    put(pc, "p0", 1, 1, "page 0");
    held = rk_taxii_cache_get(pc, "p0", 2, 1, 1); /* held while later puts evict it */
    assert_non_null(held);
    for (int i = 1; i < 200; i++) {
        char text[32];

        snprintf(key, sizeof(key), "p%d", i);
        snprintf(text, sizeof(text), "page %d", i);
        put(pc, key, 1, 1, text);
        get(pc, "p1", 1, 1, body, sizeof(body)); /* p1 stays the most recently used */
    }
    rk_taxii_cache_stats(pc, &st);
    assert_true(st.bytes <= 16384 && st.bytes > 8192);
    expect(pc, "p0", 1, 1, "");
    expect(pc, "p2", 1, 1, "");
    expect(pc, "p1", 1, 1, "page 1");
    expect(pc, "p199", 1, 1, "page 199");
    /* the evicted page is still readable by its holder */
    assert_int_equal(held->len, 6);
    assert_memory_equal(held->body, "page 0", 6);
    assert_string_equal(held->date_first, "2026-11-22T00:00:00.000001Z");
    rk_taxii_cache_release(pc, held);
    /* a move of the store empties it */
    get(pc, "p1", 2, 1, body, sizeof(body));
    rk_taxii_cache_stats(pc, &st);
    assert_int_equal(st.bytes, 0);
    rk_taxii_cache_free(pc);
}

/* Threads looking up, holding, copying and putting pages while the state moves on and the
 * budget evicts: every page read is whole and the one its key names (ASan checks that no
 * body is freed while held). */
struct stress {
    struct rk_taxii_page_cache *pc;
    unsigned seed;
    int bad;
};

static void *stress_thread(void *arg)
{
    struct stress *st = arg;
    char key[32], body[600];

    for (int i = 0; i < 20000; i++) {
        unsigned r = st->seed = st->seed * 1103515245u + 12345u;
        unsigned k = (r >> 8) % 64;
        int64_t mark = 1 + i / 5000; /* the store moves on three times */
        const struct rk_taxii_cached_page *p;

        snprintf(key, sizeof(key), "user\n/page/%u", k);
        if ((p = rk_taxii_cache_get(st->pc, key, strlen(key), mark, 1)) != NULL) {
            /* the body is the key's number repeated, then the mark it was made under */
            snprintf(body, sizeof(body), "%ux", k);
            if (p->len < strlen(body) || memcmp(p->body, body, strlen(body)) != 0 ||
                p->body[p->len - 1] != (char)('0' + mark))
                st->bad++;
            rk_taxii_cache_release(st->pc, p);
            continue;
        }
        memset(body, 'x', sizeof(body));
        snprintf(body, 20, "%u", k);
        body[strlen(body)] = 'x';
        body[sizeof(body) - 2] = (char)('0' + mark);
        body[sizeof(body) - 1] = '\0';
        put(st->pc, key, mark, 1, body);
    }
    return NULL;
}

static void test_taxii_cache__threads(void **state)
{
    struct rk_taxii_page_cache *pc = NULL;
    struct stress st[4];
    pthread_t t[4];
    struct rk_taxii_cache_stats cs;

    assert_int_equal(rk_taxii_cache_new(&pc, 24 * 1024), 0); /* room for about 30 of 64 */
    for (int i = 0; i < 4; i++) {
        st[i] = (struct stress){pc, (unsigned)i * 7919u + 1u, 0};
        assert_int_equal(pthread_create(&t[i], NULL, stress_thread, &st[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(st[i].bad, 0);
    }
    rk_taxii_cache_stats(pc, &cs);
    assert_true(cs.hits > 1000 && cs.misses > 1000);
    assert_true(cs.bytes <= 24 * 1024);
    rk_taxii_cache_free(pc);
}

int test_taxii_cache_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_cache__hit_only_in_the_same_state),
            cmocka_unit_test(test_taxii_cache__budget_and_eviction),
            cmocka_unit_test(test_taxii_cache__threads),
    };

    return cmocka_run_group_tests_name("taxii_cache", tests, NULL, NULL);
}
