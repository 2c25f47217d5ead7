/* snapshot.c - save and map index snapshots; damaged and hostile files never crash. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "renkei/match.h"

static struct rk_match_value v;

static void parse(const char *s)
{
    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_ANY, s, strlen(s), NULL), 0);
}

static const char *const values[] = {
        "10.0.0.0/8", "10.1.2.3", "192.0.2.0/24", "2001:db8::/32", "2001:db8::1", "example.com",
        "bad.example.org", "http://x.example/a?b", "/payload.bin", "a@b.example",
        "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"};
#define N_VALUES (sizeof(values) / sizeof(values[0]))

static struct rk_match_index *build(int set_only, uint64_t stamp)
{
    struct rk_match_build_options o = {.set_only = set_only, .stamp = stamp};
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    char id[48];

    assert_int_equal(rk_match_builder_new(&b, &o, NULL), 0);
    for (size_t i = 0; i < N_VALUES; i++) {
        struct rk_match_indicator ind = {.id = id, .source = "unit", .name = "n", .confidence = 70,
                                         .tlp = 3, .valid_from_us = INT64_MIN,
                                         .valid_until_us = INT64_MAX, .pattern = i == 2 ? "[x]" : NULL};
        uint32_t n = 0;

        snprintf(id, sizeof(id), "indicator--%zu", i);
        assert_int_equal(rk_match_builder_add_indicator(b, &ind, &n, NULL), 0);
        parse(values[i]);
        assert_int_equal(rk_match_builder_add_value(b, n, &v, NULL), 0);
    }
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    return ix;
}

/* Every listed value is found, and the first hit's indicator has the right id. */
static void check_all(struct rk_match_index *ix)
{
    struct rk_match_hit hits[4];
    struct rk_match_indicator_info info;
    struct rk_match_index_stats st;

    rk_match_index_stats(ix, &st);
    for (size_t i = 0; i < N_VALUES; i++) {
        char want[48];

        parse(values[i]);
        assert_true(rk_match_lookup(ix, &v, NULL, hits, 4) >= 1);
        if (st.set_only)
            continue;
        snprintf(want, sizeof(want), "indicator--%zu", i);
        assert_int_equal(rk_match_indicator_get(ix, hits[0].indicator, &info), 0);
        assert_string_equal(info.id, want);
        assert_string_equal(info.source, "unit");
        assert_int_equal(info.tlp, 3);
        assert_int_equal(info.confidence, 70);
        if (i == 2)
            assert_string_equal(info.pattern, "[x]");
    }
}

static char tmp_path[256];

static void test_match_snapshot__roundtrip(void **state)
{
    for (int set_only = 0; set_only < 2; set_only++) {
        struct rk_match_index *ix = build(set_only, 1234567), *back;
        struct rk_match_index_stats st;
        struct rk_err err;

        rk_err_clear(&err);
        snprintf(tmp_path, sizeof(tmp_path), "/tmp/rk-match-test-%ld.idx", (long)getpid());
        assert_int_equal(rk_match_index_save(ix, tmp_path, &err), 0);
        assert_int_equal(rk_match_index_open(&back, tmp_path, &err), 0);
        assert_int_equal(rk_match_index_stamp(back), 1234567);
        rk_match_index_stats(back, &st);
        assert_int_equal(st.set_only, set_only);
        assert_int_equal(st.values[RK_MATCH_DOMAIN], 2);
        assert_int_equal(st.values[RK_MATCH_IPV4], 3);
        assert_int_equal(st.indicators, set_only ? 0 : N_VALUES);
        check_all(back);
        rk_match_index_free(back);
        rk_match_index_free(ix);
        unlink(tmp_path);
    }
}

static void test_match_snapshot__missing_and_foreign(void **state)
{
    struct rk_match_index *ix;
    struct rk_err err;
    FILE *f;

    rk_err_clear(&err);
    assert_int_equal(rk_match_index_open(&ix, "/nonexistent/x.idx", &err), RK_ENOTFOUND);
    snprintf(tmp_path, sizeof(tmp_path), "/tmp/rk-match-foreign-%ld", (long)getpid());
    assert_non_null(f = fopen(tmp_path, "w"));
    for (int i = 0; i < 100; i++)
        fputs("not an index at all\n", f);
    fclose(f);
    assert_int_equal(rk_match_index_open(&ix, tmp_path, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "bad magic"));
    unlink(tmp_path);
}

/* The image of a small full index, copied out of a live one. */
static uint8_t *image_of(int set_only, size_t *len)
{
    struct rk_match_index *ix = build(set_only, 1);
    uint8_t *p;
    FILE *f;
    long n;

    snprintf(tmp_path, sizeof(tmp_path), "/tmp/rk-match-img-%ld.idx", (long)getpid());
    assert_int_equal(rk_match_index_save(ix, tmp_path, NULL), 0);
    rk_match_index_free(ix);
    assert_non_null(f = fopen(tmp_path, "rb"));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    p = malloc((size_t)n);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    unlink(tmp_path);
    *len = (size_t)n;
    return p;
}

/* Positions worth damaging: the whole header, then a spread over the sections. */
static size_t nth_position(size_t i, size_t len)
{
    const size_t header = 1024;

    if (i < header && i < len)
        return i;
    return header + (i - header) * 7919 % (len > header ? len - header : 1);
}

/* Truncation, and single-byte changes all over the image, are refused. */
static void test_match_snapshot__damage_is_refused(void **state)
{
    size_t len;
    uint8_t *img = image_of(0, &len);
    struct rk_match_index *ix;

    for (size_t i = 0; i < 1500; i++) {
        size_t cut = nth_position(i, len);

        assert_int_equal(rk_match_index_open_mem(&ix, img, cut, NULL), RK_EFORMAT);
        assert_null(ix);
    }
    for (size_t i = 0; i < 2500; i++) {
        size_t at = nth_position(i, len);

        img[at] ^= 0x41;
        assert_int_equal(rk_match_index_open_mem(&ix, img, len, NULL), RK_EFORMAT);
        img[at] ^= 0x41;
    }
    assert_int_equal(rk_match_index_open_mem(&ix, img, len, NULL), 0);
    check_all(ix);
    rk_match_index_free(ix);
    free(img);
}

/* A forger who fixes the checksum: each change either fails validation or gives an index
 * whose lookups stay inside the image (ASan watches every read). */
extern uint64_t rk_match__checksum(const void *p, size_t len);

static void reseal(uint8_t *img, size_t len)
{
    uint64_t sum = rk_match__checksum(img + 32, len - 32);

    memcpy(img + 24, &sum, 8);
}

static void probe_everything(struct rk_match_index *ix)
{
    static const char *const probes[] = {"10.9.9.9", "0.0.0.0", "255.255.255.255", "::",
                                         "2001:db8::77", "ffff::", "www.example.com",
                                         "x.y.z.bad.example.org", "http://x.example/a?b",
                                         "http://q/payload.bin", "a@b.example",
                                         "d41d8cd98f00b204e9800998ecf8427f"};
    struct rk_match_hit hits[8];
    struct rk_match_indicator_info info;

    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        size_t n;

        parse(probes[i]);
        n = rk_match_lookup(ix, &v, NULL, hits, 8);
        for (size_t j = 0; j < n && j < 8; j++) {
            rk_match_key_text(ix, hits[j].key, NULL);
            rk_match_indicator_get(ix, hits[j].indicator, &info);
        }
        rk_match_contains(ix, &v, 0);
    }
}

static void test_match_snapshot__forged_checksums(void **state)
{
    for (int set_only = 0; set_only < 2; set_only++) {
        size_t len, opened = 0;
        uint8_t *img = image_of(set_only, &len);
        uint8_t *work = malloc(len);
        uint64_t x = 0x9e3779b97f4a7c15ULL;

        for (size_t n = 32; n < 1600; n++) {
            static const uint8_t patterns[] = {0x01, 0x80, 0xff, 0x7f};
            size_t i = nth_position(n, len);

            for (size_t k = 0; k < sizeof(patterns); k++) {
                struct rk_match_index *ix;

                memcpy(work, img, len);
                work[i] ^= patterns[k];
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if (x % 4 == 0) /* sometimes a second change elsewhere */
                    work[32 + x % (len - 32)] ^= (uint8_t)(x >> 40);
                reseal(work, len);
                if (rk_match_index_open_mem(&ix, work, len, NULL) == 0) {
                    opened++;
                    probe_everything(ix);
                    rk_match_index_free(ix);
                }
            }
        }
        assert_true(opened > 0); /* changes in key bytes and strings still load */
        free(work);
        free(img);
    }
}

int test_match_snapshot_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_snapshot__roundtrip),
            cmocka_unit_test(test_match_snapshot__missing_and_foreign),
            cmocka_unit_test(test_match_snapshot__damage_is_refused),
            cmocka_unit_test(test_match_snapshot__forged_checksums),
    };
    return cmocka_run_group_tests_name("match_snapshot", tests, NULL, NULL);
}
