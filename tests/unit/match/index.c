/* index.c - build indexes and compare every lookup with a naive reference written here. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/build.h"
#include "renkei/match.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct rk_match_value v; /* large: off the stack */

static void parse(int kind, const char *s)
{
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_match_value_parse(&v, kind, s, strlen(s), &err) != 0)
        fail_msg("parse %s: %s", s, err.message);
}

static uint32_t add_ind(struct rk_match_builder *b, const char *id)
{
    struct rk_match_indicator ind = {.id = id, .confidence = 50, .valid_from_us = INT64_MIN,
                                     .valid_until_us = INT64_MAX};
    uint32_t n;

    assert_int_equal(rk_match_builder_add_indicator(b, &ind, &n, NULL), 0);
    return n;
}

/* ---- IPv4: random prefixes and ranges against a linear scan ----------------------------------- */

struct ref4 {
    uint32_t first, last;
    uint32_t ind;
    char text[40];
};

#define N4 1500

static struct ref4 refs[N4];

static void make_refs4(void)
{
    for (int i = 0; i < N4; i++) {
        /* cluster in 10.0.0.0/12 so that values overlap and nest */
        uint32_t a = 0x0a000000u | (uint32_t)(rnd() & 0x000fffffu);
        unsigned len = (unsigned)(rnd() % 100 < 40 ? 32 : 12 + rnd() % 21);
        uint32_t mask = len == 0 ? 0 : 0xffffffffu << (32 - len);

        if (i % 97 == 0)
            len = 1 + (unsigned)(rnd() % 8), mask = 0xffffffffu << (32 - len);
        refs[i].first = a & mask;
        refs[i].last = refs[i].first | ~mask;
        if (i % 50 == 1) { /* an arbitrary range, as grepcidr lists allow */
            refs[i].last = refs[i].first + (uint32_t)(rnd() % 5000);
            snprintf(refs[i].text, sizeof(refs[i].text), "%u.%u.%u.%u-%u.%u.%u.%u",
                     refs[i].first >> 24, refs[i].first >> 16 & 255, refs[i].first >> 8 & 255,
                     refs[i].first & 255, refs[i].last >> 24, refs[i].last >> 16 & 255,
                     refs[i].last >> 8 & 255, refs[i].last & 255);
            continue;
        }
        a &= mask;
        if (len == 32)
            snprintf(refs[i].text, sizeof(refs[i].text), "%u.%u.%u.%u", a >> 24, a >> 16 & 255,
                     a >> 8 & 255, a & 255);
        else
            snprintf(refs[i].text, sizeof(refs[i].text), "%u.%u.%u.%u/%u", a >> 24,
                     a >> 16 & 255, a >> 8 & 255, a & 255, len);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* What the reference says for address a: sorted pairs (indicator, value index). */
static size_t naive4(uint32_t a, uint64_t *out)
{
    size_t n = 0;

    for (int i = 0; i < N4; i++) {
        int dup = 0;

        if (refs[i].first > a || a > refs[i].last)
            continue;
        for (int j = 0; j < i && !dup; j++) /* one indicator giving one range twice: one hit */
            dup = refs[j].ind == refs[i].ind && refs[j].first == refs[i].first &&
                  refs[j].last == refs[i].last;
        if (!dup)
            out[n++] = (uint64_t)refs[i].ind << 32 | (uint32_t)i;
    }
    qsort(out, n, sizeof(out[0]), cmp_u64);
    return n;
}

static void check4(struct rk_match_index *full, struct rk_match_index *set, uint32_t a)
{
    static struct rk_match_hit hits[N4];
    static uint64_t want[N4], got[N4];
    char text[20];
    size_t nw, ng;
    uint64_t prev_size = 0;

    snprintf(text, sizeof(text), "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
    parse(RK_MATCH_IPV4, text);
    nw = naive4(a, want);
    ng = rk_match_lookup(full, &v, NULL, hits, N4);
    assert_int_equal(ng, nw);
    assert_int_equal(rk_match_contains(set, &v, 0), nw > 0);
    assert_int_equal(rk_match_contains(full, &v, 0), nw > 0);
    for (size_t i = 0; i < ng; i++) {
        const char *kt = rk_match_key_text(full, hits[i].key, NULL);
        int r = -1;

        /* the hit's value text (canonical, as the reference writes it) names the value */
        for (int j = 0; j < N4 && r < 0; j++)
            if (refs[j].ind == hits[i].indicator && strcmp(refs[j].text, kt) == 0 &&
                refs[j].first <= a && a <= refs[j].last)
                r = j;
        assert_true(r >= 0);
        got[i] = (uint64_t)hits[i].indicator << 32 | (uint32_t)r;
        /* most specific first */
        assert_true((uint64_t)(refs[r].last - refs[r].first) >= prev_size);
        prev_size = refs[r].last - refs[r].first;
    }
    qsort(got, ng, sizeof(got[0]), cmp_u64);
    for (size_t i = 0; i < ng; i++) { /* the same (indicator, range) pairs */
        assert_int_equal(got[i] >> 32, want[i] >> 32);
        assert_int_equal(refs[(uint32_t)got[i]].first, refs[(uint32_t)want[i]].first);
        assert_int_equal(refs[(uint32_t)got[i]].last, refs[(uint32_t)want[i]].last);
    }
}

static void test_match_index__ipv4_against_naive(void **state)
{
    struct rk_match_build_options so = {.set_only = 1};
    struct rk_match_builder *bf, *bs;
    struct rk_match_index *full, *set;
    char id[64];

    make_refs4();
    assert_int_equal(rk_match_builder_new(&bf, NULL, NULL), 0);
    assert_int_equal(rk_match_builder_new(&bs, &so, NULL), 0);
    for (int i = 0; i < N4; i++) {
        snprintf(id, sizeof(id), "indicator--%d", i / 2); /* two values per indicator */
        refs[i].ind = i % 2 == 0 ? add_ind(bf, id) : refs[i - 1].ind;
        parse(RK_MATCH_ANY, refs[i].text);
        assert_int_equal(rk_match_builder_add_value(bf, refs[i].ind, &v, NULL), 0);
        assert_int_equal(rk_match_builder_add_value(bs, 0, &v, NULL), 0);
    }
    assert_int_equal(rk_match_builder_finish(bf, &full, NULL), 0);
    assert_int_equal(rk_match_builder_finish(bs, &set, NULL), 0);
    for (int i = 0; i < N4; i++) { /* every edge of every value */
        check4(full, set, refs[i].first);
        check4(full, set, refs[i].last);
        check4(full, set, refs[i].first - 1);
        check4(full, set, refs[i].last + 1);
    }
    for (int i = 0; i < 20000; i++)
        check4(full, set, 0x0a000000u | (uint32_t)(rnd() & 0x001fffffu));
    check4(full, set, 0);
    check4(full, set, 0xffffffffu);
    rk_match_index_free(full);
    rk_match_index_free(set);
}

/* A table past 16,384 bounds uses 16-bit bounds under a 2^16 bucket index: same answers. */
static void test_match_index__large_ipv4_table(void **state)
{
    enum { N = 12000 };
    static uint32_t first[N], last[N];
    struct rk_match_build_options so = {.set_only = 1};
    struct rk_match_builder *bf, *bs;
    struct rk_match_index *full, *set;
    struct rk_match_index_stats st;
    struct rk_match_hit hits[64];
    char text[40];

    assert_int_equal(rk_match_builder_new(&bf, NULL, NULL), 0);
    assert_int_equal(rk_match_builder_new(&bs, &so, NULL), 0);
    for (int i = 0; i < N; i++) {
        uint32_t a = (uint32_t)rnd(), len = i % 10 == 0 ? 24 : 32;

        first[i] = a & (0xffffffffu << (32 - len));
        last[i] = first[i] | ~(0xffffffffu << (32 - len));
        snprintf(text, sizeof(text), "%u.%u.%u.%u/%u", a >> 24, a >> 16 & 255, a >> 8 & 255,
                 a & 255, len);
        parse(RK_MATCH_ANY, text);
        assert_int_equal(rk_match_builder_add_value(bf, add_ind(bf, "indicator--x"), &v, NULL), 0);
        assert_int_equal(rk_match_builder_add_value(bs, 0, &v, NULL), 0);
    }
    assert_int_equal(rk_match_builder_finish(bf, &full, NULL), 0);
    assert_int_equal(rk_match_builder_finish(bs, &set, NULL), 0);
    rk_match_index_stats(set, &st);
    assert_true(st.ipv4_intervals >= 16384);
    for (int q = 0; q < 4000; q++) {
        uint32_t a = q % 2 ? (uint32_t)rnd() : first[rnd() % N] + (uint32_t)(rnd() % 3) - 1;
        size_t want = 0;

        for (int i = 0; i < N; i++)
            want += first[i] <= a && a <= last[i];
        snprintf(text, sizeof(text), "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
        parse(RK_MATCH_IPV4, text);
        assert_int_equal(rk_match_lookup(full, &v, NULL, hits, 64), want);
        assert_int_equal(rk_match_contains(set, &v, 0), want > 0);
    }
    rk_match_index_free(full);
    rk_match_index_free(set);
}

/* ---- IPv6 --------------------------------------------------------------------------------------- */

static void test_match_index__ipv6(void **state)
{
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_hit hits[8];
    uint32_t i1, i2;

    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    i1 = add_ind(b, "indicator--a");
    i2 = add_ind(b, "indicator--b");
    parse(RK_MATCH_ANY, "2001:db8::/32");
    assert_int_equal(rk_match_builder_add_value(b, i1, &v, NULL), 0);
    parse(RK_MATCH_ANY, "2001:db8:1::/48");
    assert_int_equal(rk_match_builder_add_value(b, i2, &v, NULL), 0);
    parse(RK_MATCH_ANY, "::/0");
    assert_int_equal(rk_match_builder_add_value(b, i2, &v, NULL), 0);
    parse(RK_MATCH_ANY, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_int_equal(rk_match_builder_add_value(b, i1, &v, NULL), 0);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);

    parse(RK_MATCH_IPV6, "2001:db8:1::5");
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 8), 3);
    assert_string_equal(rk_match_key_text(ix, hits[0].key, NULL), "2001:db8:1::/48");
    assert_string_equal(rk_match_key_text(ix, hits[1].key, NULL), "2001:db8::/32");
    assert_string_equal(rk_match_key_text(ix, hits[2].key, NULL), "::/0");
    parse(RK_MATCH_IPV6, "2001:db9::");
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 8), 1);
    parse(RK_MATCH_IPV6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 8), 2);
    assert_int_equal(hits[0].indicator, i1);
    parse(RK_MATCH_IPV4, "10.0.0.1"); /* no IPv4 values at all */
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 8), 0);
    rk_match_index_free(ix);
}

/* ---- domains, URLs, e-mail, hashes ------------------------------------------------------------- */

static struct rk_match_index *names_index(int set_only)
{
    static const char sha512[] = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                                 "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    static const char *const values[] = {
            "example.com", "evil.example.org", "co.uk", "bad.example.com",
            "http://phish.example.net/login.php?x=1", "/izuku.arm7", "badguy@mail.example",
            "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha512};
    struct rk_match_build_options o = {.set_only = set_only};
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    char id[32];

    assert_int_equal(rk_match_builder_new(&b, &o, NULL), 0);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        snprintf(id, sizeof(id), "indicator--%zu", i);
        parse(RK_MATCH_ANY, values[i]);
        assert_int_equal(rk_match_builder_add_value(b, set_only ? 0 : add_ind(b, id), &v, NULL), 0);
    }
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    return ix;
}

/* Listed? Under both indexes, with exact or subdomain semantics. */
static int listed(struct rk_match_index *ix, const char *s, int exact)
{
    parse(RK_MATCH_ANY, s);
    return rk_match_contains(ix, &v, exact);
}

static void test_match_index__names(void **state)
{
    for (int set_only = 0; set_only < 2; set_only++) {
        struct rk_match_index *ix = names_index(set_only);

        assert_true(listed(ix, "example.com", 0));
        assert_true(listed(ix, "WWW.EXAMPLE.COM.", 0));
        assert_true(listed(ix, "a.b.c.example.com", 0));
        assert_false(listed(ix, "notexample.com", 0)); /* label boundaries only */
        assert_false(listed(ix, "example.com.evil.net", 0));
        assert_false(listed(ix, "com", 0));
        assert_false(listed(ix, "www.example.com", 1)); /* exact */
        assert_true(listed(ix, "example.com", 1));
        assert_true(listed(ix, "x.evil.example.org", 0));
        assert_false(listed(ix, "example.org", 0));
        assert_true(listed(ix, "anything.co.uk", 0));
        assert_true(listed(ix, "https://PHISH.example.net:443/login.php?x=1#top", 0));
        assert_false(listed(ix, "http://phish.example.net/login.php?x=2", 0));
        assert_true(listed(ix, "http://1.2.3.4:8080/izuku.arm7", 0)); /* listed path, any host */
        assert_true(listed(ix, "http://h.example/izuku.arm7?q=1", 0)); /* with a query */
        assert_false(listed(ix, "http://h.example/izuku.arm", 0));
        assert_true(listed(ix, "BadGuy@Mail.Example", 0));
        assert_false(listed(ix, "goodguy@mail.example", 0));
        assert_true(listed(ix, "D41D8CD98F00B204E9800998ECF8427E", 0)); /* hashes ignore case */
        assert_true(listed(ix, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", 0));
        assert_true(listed(ix, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", 0));
        assert_false(listed(ix, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b856", 0));
        assert_true(listed(ix, "CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A538327AF927DA3E", 0));
        rk_match_index_free(ix);
    }
}

/* Subdomain hits come most specific first, each with its own indicator. */
static void test_match_index__domain_hits_in_order(void **state)
{
    struct rk_match_index *ix = names_index(0);
    struct rk_match_hit hits[8];
    struct rk_match_indicator_info info;

    parse(RK_MATCH_DOMAIN, "x.bad.example.com");
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 8), 2);
    assert_string_equal(rk_match_key_text(ix, hits[0].key, NULL), "bad.example.com");
    assert_string_equal(rk_match_key_text(ix, hits[1].key, NULL), "example.com");
    assert_int_equal(rk_match_key_kind(ix, hits[0].key), RK_MATCH_DOMAIN);
    assert_int_equal(rk_match_indicator_get(ix, hits[0].indicator, &info), 0);
    assert_string_equal(info.id, "indicator--3");
    assert_int_equal(info.confidence, 50);
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 1), 2); /* the total exceeds cap */
    assert_int_equal(rk_match_indicator_get(ix, 999, &info), RK_ENOTFOUND);
    rk_match_index_free(ix);
}

/* Digests that share their first bytes land in one bucket: found by halving, misses too. */
static void test_match_index__crowded_hash_bucket(void **state)
{
    struct rk_match_build_options so = {.set_only = 1};
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    char hex[65];

    assert_int_equal(rk_match_builder_new(&b, &so, NULL), 0);
    for (int i = 0; i < 300; i += 2) { /* even numbers listed */
        snprintf(hex, sizeof(hex), "00000000000000%02x%048x", i % 256, i);
        parse(RK_MATCH_SHA256, hex);
        assert_int_equal(rk_match_builder_add_value(b, 0, &v, NULL), 0);
    }
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    for (int i = 0; i < 300; i++) {
        snprintf(hex, sizeof(hex), "00000000000000%02x%048x", i % 256, i);
        parse(RK_MATCH_SHA256, hex);
        assert_int_equal(rk_match_contains(ix, &v, 0), i % 2 == 0);
    }
    rk_match_index_free(ix);
}

/* ---- validity, duplicates, sharing ------------------------------------------------------------- */

static void test_match_index__validity_and_duplicates(void **state)
{
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_match_hit hits[8];
    struct rk_match_indicator old = {.id = "indicator--old", .confidence = -1,
                                     .valid_from_us = 1000, .valid_until_us = 2000};
    struct rk_match_lookup_options at = {0};
    uint32_t a, o;

    assert_int_equal(rk_match_builder_new(&b, NULL, NULL), 0);
    a = add_ind(b, "indicator--always");
    assert_int_equal(rk_match_builder_add_indicator(b, &old, &o, NULL), 0);
    parse(RK_MATCH_ANY, "198.51.100.7");
    assert_int_equal(rk_match_builder_add_value(b, a, &v, NULL), 0);
    assert_int_equal(rk_match_builder_add_value(b, a, &v, NULL), 0); /* twice: one hit */
    assert_int_equal(rk_match_builder_add_value(b, o, &v, NULL), 0);
    assert_int_equal(rk_match_builder_add_value(b, 7, &v, NULL), RK_EINVAL);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    parse(RK_MATCH_IPV4, "198.51.100.7");
    assert_int_equal(rk_match_lookup(ix, &v, NULL, hits, 8), 2); /* validity ignored */
    at.now_us = 1500;
    assert_int_equal(rk_match_lookup(ix, &v, &at, hits, 8), 2);
    at.now_us = 2000; /* valid_until is exclusive */
    assert_int_equal(rk_match_lookup(ix, &v, &at, hits, 8), 1);
    assert_int_equal(hits[0].indicator, a);
    at.now_us = 999;
    assert_int_equal(rk_match_lookup(ix, &v, &at, hits, 8), 1);
    rk_match_index_free(ix);
}

static void test_match_index__limits(void **state)
{
    struct rk_match_build_options o = {.max_values = 2, .max_indicators = 1};
    struct rk_match_builder *b;
    struct rk_err err;
    uint32_t id;

    rk_err_clear(&err);
    assert_int_equal(rk_match_builder_new(&b, &o, NULL), 0);
    id = add_ind(b, "indicator--1");
    assert_int_equal(rk_match_builder_add_indicator(
                             b, &(struct rk_match_indicator){.id = "indicator--2"}, &id, &err),
                     RK_ELIMIT);
    id = 0;
    parse(RK_MATCH_ANY, "1.1.1.1");
    assert_int_equal(rk_match_builder_add_value(b, id, &v, NULL), 0);
    assert_int_equal(rk_match_builder_add_value(b, id, &v, NULL), 0);
    assert_int_equal(rk_match_builder_add_value(b, id, &v, &err), RK_ELIMIT);
    assert_non_null(strstr(err.message, "more than 2"));
    rk_match_builder_free(b);
}


/* The sort on the top 32 bits and then the runs of equal tops gives the full order, with
 * runs of one, a few (insertion) and many (radix) keys. */
static void test_match_index__sort_by_top(void **state)
{
    static uint64_t a[30000], b[30000];
    size_t n = 0;

    (void)state;
    while (n < 29000) {
        uint64_t top = rnd() % 5000, run = rnd() % 4 == 0 ? 1 + rnd() % 40 : 1;

        for (uint64_t k = 0; k < run && n < 29000; k++) /* repeats among the lows now and then */
            a[n++] = top << 32 | (rnd() % 3 == 0 ? rnd() % 4 : rnd() & 0xffffffffu);
    }
    a[n++] = UINT64_MAX;
    a[n++] = 0;
    for (int k = 0; k < 200; k++) /* one long run */
        a[n++] = (uint64_t)77 << 32 | (rnd() & 0xffffffffu);
    memcpy(b, a, n * sizeof(*a));
    assert_int_equal(rk_match__sort_u64_by_top(a, n), 0);
    qsort(b, n, sizeof(*b), cmp_u64);
    assert_memory_equal(a, b, n * sizeof(*a));
}

int test_match_index_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_index__ipv4_against_naive),
            cmocka_unit_test(test_match_index__large_ipv4_table),
            cmocka_unit_test(test_match_index__ipv6),
            cmocka_unit_test(test_match_index__names),
            cmocka_unit_test(test_match_index__domain_hits_in_order),
            cmocka_unit_test(test_match_index__crowded_hash_bucket),
            cmocka_unit_test(test_match_index__validity_and_duplicates),
            cmocka_unit_test(test_match_index__limits),
            cmocka_unit_test(test_match_index__sort_by_top),
    };
    return cmocka_run_group_tests_name("match_index", tests, NULL, NULL);
}
