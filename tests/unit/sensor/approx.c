/* approx.c - the memory cap: past it a (bin, sensor) switches to space-saving and HyperLogLog
 * counting. The same packets go through an engine with room to spare; the approximate figures
 * must stay within their documented bounds of the exact ones, and memory under the cap. */
#include "tests.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEAVY 5

struct run {
    struct rk_sensor_engine *e;
    struct rk_sensor_bin *bin;
};

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static void feed(struct rk_sensor_engine *e, uint32_t n_sources)
{
    uint8_t b[128];
    char src[32], dst[32];
    uint32_t seed = 12345;
    int64_t ts = TB_T0;

    for (uint32_t i = 0; i < n_sources; i++) {
        uint32_t r = lcg(&seed), reps = 1 + (r >> 30 & 1);

        /* sources 11.x.y.z (never .0 or .255), 1 or 2 packets each */
        snprintf(src, sizeof(src), "11.%u.%u.%u", i >> 16 & 0xff, i >> 8 & 0xff, 1 + (i % 250));
        for (uint32_t k = 0; k < reps; k++) {
            struct rk_sensor_frame f;

            snprintf(dst, sizeof(dst), "192.0.2.%u", lcg(&seed) % 256);
            f = tb_syn(b, ts, src, dst, (uint16_t)(1000 + lcg(&seed) % 40), 5, 6, TB_SYN);
            assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
            ts += 1000;
        }
        /* heavy hitters 12.0.0.1..5: 40 packets each per 1000 sources, on ports 23 and 2323 */
        if (i % 25 == 0) {
            for (int h = 0; h < HEAVY; h++) {
                struct rk_sensor_frame f;

                snprintf(src, sizeof(src), "12.0.0.%d", h + 1);
                snprintf(dst, sizeof(dst), "192.0.2.%u", lcg(&seed) % 256);
                f = tb_syn(b, ts, src, dst, (uint16_t)(h % 2 ? 23 : 2323), 5, 6, TB_SYN);
                assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
            }
        }
    }
}

static void run(struct run *r, uint64_t cap, uint32_t n_sources)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_bin *b;

    rk_sensor_config_init(&cfg);
    cfg.mem_cap = cap;
    cfg.topk_sources = 1000;
    cfg.now_ns = TB_T0 + 86400 * TB_S;
    assert_int_equal(rk_sensor_engine_new(&r->e, &cfg, NULL), 0);
    assert_int_equal(
            rk_sensor_engine_add_sensor(r->e, "s", "JP", RK_TLP_GREEN, "192.0.2.0/24", NULL), 0);
    feed(r->e, n_sources);
    assert_int_equal(rk_sensor_engine_flush(r->e, NULL), 0);
    assert_int_equal(rk_sensor_engine_take_bin(r->e, &r->bin), 1);
    assert_int_equal(rk_sensor_engine_take_bin(r->e, &b), 0);
}

static void check_sources(const struct rk_sensor_bin *ex, const struct rk_sensor_bin *ap)
{
    const struct rk_sensor_source_row *se, *sa;
    size_t ne = rk_sensor_bin_sources(ex, &se), na = rk_sensor_bin_sources(ap, &sa);

    /* the top-k table is full: 1000 entries, or fewer when a 32nd of the cap is smaller */
    assert_true(na >= 100 && na <= 1000);
    /* every heavy hitter is tracked, with the space-saving bound:
     * packets - packets_err <= true <= packets */
    for (int h = 0; h < HEAVY; h++) {
        const struct rk_sensor_source_row *x = &se[h], *y = NULL;

        for (size_t i = 0; i < na; i++) {
            if (memcmp(sa[i].addr.a, x->addr.a, 16) == 0)
                y = &sa[i];
        }
        assert_non_null(y);
        assert_true(y->packets >= x->packets);
        assert_true(y->packets - y->packets_err <= x->packets);
        /* distinct destinations: small-exact or HyperLogLog with 2^6 registers (13 %) */
        assert_true(fabs((double)y->dsts - (double)x->dsts) <= 4 * 0.13 * x->dsts + 1);
    }
    assert_int_equal(ne, rk_sensor_bin_info(ex)->sources);
}

static void check_ports(const struct rk_sensor_bin *ex, const struct rk_sensor_bin *ap)
{
    const struct rk_sensor_port_row *pe, *pa;
    size_t ne = rk_sensor_bin_ports(ex, &pe), na = rk_sensor_bin_ports(ap, &pa);

    assert_int_equal(ne, na);
    for (size_t i = 0; i < ne; i++) {
        double err;

        assert_int_equal(pe[i].port, pa[i].port);
        assert_int_equal(pe[i].packets, pa[i].packets); /* packets stay exact */
        if (pa[i].exact) {
            assert_int_equal(pe[i].sources, pa[i].sources);
            continue;
        }
        /* HyperLogLog with 2^8 registers: standard error 6.5 %; allow four of them */
        err = fabs((double)pa[i].sources - (double)pe[i].sources) / (double)pe[i].sources;
        assert_true(err <= 4 * 0.065);
    }
}

static void test_sensor_approx__within_bounds_and_under_cap(void **state)
{
    struct run ex, ap;
    const struct rk_sensor_bin_info *ie, *ia;
    double rel;

    run(&ex, (uint64_t)1 << 30, 60000);
    run(&ap, (uint64_t)4 << 20, 60000);
    ie = rk_sensor_bin_info(ex.bin);
    ia = rk_sensor_bin_info(ap.bin);
    assert_int_equal(rk_sensor_engine_stats(ex.e)->approx_bins, 0);
    assert_int_equal(ie->exact, 1);
    assert_int_equal(rk_sensor_engine_stats(ap.e)->approx_bins, 1);
    assert_true(rk_sensor_engine_stats(ap.e)->mem_peak <= (uint64_t)4 << 20);
    assert_int_equal(ia->exact, 0);
    assert_int_equal(ia->dropped_keys, 0);
    assert_int_equal(ia->packets, ie->packets);
    assert_int_equal(ia->class_packets[0], ie->class_packets[0]);
    /* unique sources: HyperLogLog 2^14 registers, standard error 0.81 % */
    assert_true(ia->sources_rse > 0.008 && ia->sources_rse < 0.0082);
    rel = fabs((double)ia->sources - (double)ie->sources) / (double)ie->sources;
    assert_true(rel <= 4 * ia->sources_rse);
    check_ports(ex.bin, ap.bin);
    check_sources(ex.bin, ap.bin);
    rk_sensor_bin_free(ex.bin);
    rk_sensor_bin_free(ap.bin);
    rk_sensor_engine_free(ex.e);
    rk_sensor_engine_free(ap.e);
}

int test_sensor_approx_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_approx__within_bounds_and_under_cap),
    };

    return cmocka_run_group_tests_name("sensor_approx", tests, NULL, NULL);
}
