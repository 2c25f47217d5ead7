/* detect.c - early warning on synthetic series: quiet noise raises nothing; a surge, a slow
 * ramp and a new port each raise their rule with evidence; warm-up, research-free counts,
 * ordering and the cross-sensor series. */
#include "tests.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct det {
    struct rk_sensor_detector *d;
    uint32_t seed;
};

static double gauss(uint32_t *s)
{
    double u1, u2;

    *s = *s * 1664525u + 1013904223u;
    u1 = ((*s >> 8) + 1.0) / 16777217.0;
    *s = *s * 1664525u + 1013904223u;
    u2 = ((*s >> 8) + 1.0) / 16777217.0;
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* Poisson-like noise around mean. */
static double noisy(struct det *t, double mean)
{
    double v = mean + sqrt(mean) * gauss(&t->seed);

    return v < 0 ? 0 : floor(v + 0.5);
}

static void observe(struct det *t, const char *sensor, int bin, const uint16_t *ports,
                    const double *sources, size_t n)
{
    struct rk_sensor_bin_info in;
    struct rk_sensor_port_row rows[16];
    struct rk_err err;

    memset(&in, 0, sizeof(in));
    snprintf(in.sensor, sizeof(in.sensor), "%s", sensor);
    in.tlp = RK_TLP_GREEN;
    in.start = 1714521600 + (int64_t)bin * 3600;
    in.secs = 3600;
    memset(rows, 0, sizeof(rows));
    for (size_t i = 0; i < n; i++) {
        rows[i].proto = 6;
        rows[i].port = ports[i];
        rows[i].sources = rows[i].sources_clean = (uint64_t)sources[i];
        rows[i].packets = rows[i].packets_clean = (uint64_t)sources[i] * 3;
        rows[i].exact = 1;
    }
    assert_int_equal(rk_sensor_detector_observe(t->d, &in, rows, n, &err), 0);
}

static int take_all(struct det *t, struct rk_sensor_alert *out, int max)
{
    int n = 0;
    struct rk_sensor_alert a;

    while (rk_sensor_detector_take_alert(t->d, &a) == 1) {
        if (n < max)
            out[n] = a;
        n++;
    }
    return n;
}

static void setup(struct det *t, int cross)
{
    struct rk_sensor_detector_config cfg;

    rk_sensor_detector_config_init(&cfg);
    cfg.cross_sensor = cross;
    assert_int_equal(rk_sensor_detector_new(&t->d, &cfg, NULL), 0);
    t->seed = 42;
}

static void test_sensor_detect__noise_then_surge(void **state)
{
    struct det t;
    struct rk_sensor_alert a[8];
    static const uint16_t ports[3] = {23, 445, 22};
    double v[3];
    int bin;

    setup(&t, 0);
    for (bin = 0; bin < 100; bin++) {
        v[0] = noisy(&t, 100);
        v[1] = noisy(&t, 50);
        v[2] = noisy(&t, 3);
        observe(&t, "tokyo-1", bin, ports, v, 3);
    }
    assert_int_equal(take_all(&t, a, 8), 0); /* 300 noisy points, no alarm */
    v[0] = 400;
    v[1] = noisy(&t, 50);
    v[2] = noisy(&t, 3);
    observe(&t, "tokyo-1", bin, ports, v, 3);
    assert_int_equal(take_all(&t, a, 8), 1);
    assert_int_equal(a[0].rule, RK_SENSOR_RULE_SURGE);
    assert_string_equal(a[0].sensor, "tokyo-1");
    assert_int_equal(a[0].port, 23);
    assert_int_equal(a[0].proto, 6);
    assert_true(a[0].sources == 400);
    assert_true(fabs(a[0].baseline_mean - 100) < 10);
    assert_true(a[0].score >= 6);
    assert_int_equal(a[0].bin_start, 1714521600 + (int64_t)bin * 3600);
    assert_int_equal(a[0].n_evidence, RK_SENSOR_EVIDENCE_MAX);
    assert_true(a[0].evidence[RK_SENSOR_EVIDENCE_MAX - 1].sources == 400);
    assert_int_equal(a[0].evidence[RK_SENSOR_EVIDENCE_MAX - 1].start, a[0].bin_start);
    assert_int_equal(a[0].exact, 1);
    assert_int_equal(a[0].tlp, RK_TLP_GREEN);
    /* the episode goes on: no second alert while it lasts */
    for (int k = 1; k <= 3; k++) {
        v[0] = 420;
        observe(&t, "tokyo-1", bin + k, ports, v, 3);
    }
    assert_int_equal(take_all(&t, a, 8), 0);
    rk_sensor_detector_free(t.d);
}

static void test_sensor_detect__slow_ramp_raises_cusum(void **state)
{
    struct det t;
    struct rk_sensor_alert a[8];
    static const uint16_t ports[1] = {8080};
    double v[1];
    int n = 0, bin;

    setup(&t, 0);
    for (bin = 0; bin < 60; bin++) {
        v[0] = noisy(&t, 200);
        observe(&t, "s", bin, ports, v, 1);
    }
    assert_int_equal(take_all(&t, a, 8), 0);
    /* +25 sources a bin (under 2 standard deviations a step): the z-score rule needs a
     * doubling, the CUSUM rule half as much again */
    for (int k = 1; k <= 12 && n == 0; k++, bin++) {
        v[0] = 200 + 25 * k;
        observe(&t, "s", bin, ports, v, 1);
        n = take_all(&t, a, 8);
    }
    assert_int_equal(n, 1);
    assert_int_equal(a[0].rule, RK_SENSOR_RULE_CUSUM);
    assert_true(a[0].score >= 12);
    assert_true(a[0].sources >= 1.5 * a[0].baseline_mean);
    assert_true(a[0].sources < 2 * a[0].baseline_mean);
    rk_sensor_detector_free(t.d);
}

static void test_sensor_detect__new_port_after_warmup_only(void **state)
{
    struct det t;
    struct rk_sensor_alert a[8];
    uint16_t ports[2] = {23, 37215};
    double v[2];
    int bin;

    setup(&t, 1);
    for (bin = 0; bin < 30; bin++) {
        v[0] = noisy(&t, 100);
        v[1] = 12;
        /* port 37215 active during warm-up (bins 5..9): known, not new */
        observe(&t, "s", bin, ports, v, bin >= 5 && bin < 10 ? 2 : 1);
    }
    assert_int_equal(rk_sensor_detector_flush(t.d, NULL), 0);
    assert_int_equal(take_all(&t, a, 8), 0);
    ports[1] = 5555;
    v[0] = noisy(&t, 100);
    v[1] = 9; /* >= new_port_min_sources (8) */
    observe(&t, "s", bin, ports, v, 2);
    assert_int_equal(rk_sensor_detector_flush(t.d, NULL), 0);
    /* once for the sensor, once for the sum over all sensors */
    assert_int_equal(take_all(&t, a, 8), 2);
    assert_int_equal(a[0].rule, RK_SENSOR_RULE_NEW_PORT);
    assert_int_equal(a[0].port, 5555);
    assert_string_equal(a[0].sensor, "s");
    assert_int_equal(a[0].n_evidence, 1);
    assert_string_equal(a[1].sensor, "*");
    assert_int_equal(a[1].rule, RK_SENSOR_RULE_NEW_PORT);
    /* a second new port below the minimum: nothing */
    ports[1] = 6666;
    v[1] = 7;
    observe(&t, "s", bin + 1, ports, v, 2);
    assert_int_equal(rk_sensor_detector_flush(t.d, NULL), 0);
    assert_int_equal(take_all(&t, a, 8), 0);
    rk_sensor_detector_free(t.d);
}

static void test_sensor_detect__cross_sensor_sum(void **state)
{
    struct det t;
    struct rk_sensor_alert a[8];
    static const uint16_t ports[2] = {23, 8443};
    double v[2];
    int bin, n;

    setup(&t, 1);
    for (bin = 0; bin < 40; bin++) {
        for (int s = 0; s < 4; s++) {
            v[0] = noisy(&t, 100);
            v[1] = noisy(&t, 10);
            observe(&t, s == 0 ? "a" : s == 1 ? "b" : s == 2 ? "c" : "d", bin, ports, v, 2);
        }
    }
    assert_int_equal(rk_sensor_detector_flush(t.d, NULL), 0);
    assert_int_equal(take_all(&t, a, 8), 0);
    /* each sensor sees 8443 go from 10 to 24 (under 6 sigma: below its own threshold); the
     * sum goes from 40 to 96 (about 9 sigma) */
    for (int s = 0; s < 4; s++) {
        v[0] = noisy(&t, 100);
        v[1] = 24;
        observe(&t, s == 0 ? "a" : s == 1 ? "b" : s == 2 ? "c" : "d", bin, ports, v, 2);
    }
    assert_int_equal(rk_sensor_detector_flush(t.d, NULL), 0);
    n = take_all(&t, a, 8);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].sensor, "*");
    assert_int_equal(a[0].port, 8443);
    assert_true(a[0].sources == 96);
    rk_sensor_detector_free(t.d);
}

static void test_sensor_detect__ordering_and_config(void **state)
{
    struct det t;
    struct rk_sensor_detector_config cfg;
    struct rk_sensor_detector *d;
    struct rk_sensor_bin_info in;
    struct rk_err err;
    static const uint16_t ports[1] = {23};
    double v[1] = {5};

    setup(&t, 0);
    observe(&t, "s", 10, ports, v, 1);
    memset(&in, 0, sizeof(in));
    snprintf(in.sensor, sizeof(in.sensor), "s");
    in.start = 1714521600 + 5 * 3600;
    in.secs = 3600;
    rk_err_clear(&err);
    assert_int_equal(rk_sensor_detector_observe(t.d, &in, NULL, 0, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "not after"));
    rk_sensor_detector_free(t.d);

    rk_sensor_detector_config_init(&cfg);
    cfg.alpha = 0;
    assert_int_equal(rk_sensor_detector_new(&d, &cfg, &err), RK_EINVAL);
    assert_string_equal(rk_sensor_rule_name(RK_SENSOR_RULE_CUSUM), "cusum");
}

int test_sensor_detect_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_detect__noise_then_surge),
            cmocka_unit_test(test_sensor_detect__slow_ramp_raises_cusum),
            cmocka_unit_test(test_sensor_detect__new_port_after_warmup_only),
            cmocka_unit_test(test_sensor_detect__cross_sensor_sum),
            cmocka_unit_test(test_sensor_detect__ordering_and_config),
    };

    return cmocka_run_group_tests_name("sensor_detect", tests, NULL, NULL);
}
