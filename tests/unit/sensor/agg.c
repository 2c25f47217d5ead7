/* agg.c - the engine on hand-made packets: exact per-port, per-source and per-prefix figures,
 * bins by timestamp (late, out of order, gaps), outside and bad-time drops, research lists,
 * ASN / country tables, and sensor configuration errors. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct rk_sensor_engine *engine(uint32_t lateness)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;

    rk_sensor_config_init(&cfg);
    cfg.lateness_secs = lateness;
    cfg.now_ns = TB_T0 + 30 * 86400 * TB_S;
    assert_int_equal(rk_sensor_engine_new(&e, &cfg, NULL), 0);
    assert_int_equal(
            rk_sensor_engine_add_sensor(e, "tokyo-1", "jp", RK_TLP_GREEN, "192.0.2.0/24", NULL), 0);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "sydney-1", "AU", RK_TLP_AMBER,
                                                 "203.0.113.0/25, 203.0.113.128/25", NULL),
                     0);
    assert_int_equal(
            rk_sensor_engine_add_sensor(e, "v6", NULL, RK_TLP_CLEAR, "2001:db8:1::/48", NULL), 0);
    return e;
}

static void syn(struct rk_sensor_engine *e, int64_t ts, const char *src, const char *dst,
                uint16_t dport)
{
    uint8_t b[128];
    struct rk_sensor_frame f = tb_syn(b, ts, src, dst, dport, 1000, 7, TB_SYN);

    assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
}

static struct rk_sensor_bin *take(struct rk_sensor_engine *e, const char *sensor, int64_t start)
{
    struct rk_sensor_bin *b;

    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 1);
    assert_string_equal(rk_sensor_bin_info(b)->sensor, sensor);
    assert_int_equal(rk_sensor_bin_info(b)->start, start);
    return b;
}

static const struct rk_sensor_port_row *port_row(const struct rk_sensor_bin *b, uint8_t proto,
                                                 uint16_t port)
{
    const struct rk_sensor_port_row *r;
    size_t n = rk_sensor_bin_ports(b, &r);

    for (size_t i = 0; i < n; i++) {
        if (r[i].proto == proto && r[i].port == port)
            return &r[i];
    }
    return NULL;
}

static void test_sensor_agg__exact_rows(void **state)
{
    struct rk_sensor_engine *e = engine(60);
    struct rk_sensor_bin *b;
    const struct rk_sensor_source_row *s;
    const struct rk_sensor_group_row *g;
    const struct rk_sensor_port_row *p;
    uint8_t buf[256], l4[20];
    size_t n;
    char text[RK_SENSOR_ADDR_STR];
    int64_t s0 = TB_T0 / TB_S;

    /* source A 45.33.2.193: 23/tcp to .1 and .2, 2323/tcp to .1 */
    syn(e, TB_T0 + 1 * TB_S, "45.33.2.193", "192.0.2.1", 23);
    syn(e, TB_T0 + 2 * TB_S, "45.33.2.193", "192.0.2.2", 23);
    syn(e, TB_T0 + 3 * TB_S, "45.33.2.193", "192.0.2.1", 2323);
    /* source B 45.33.2.194: 23/tcp to .1 twice */
    syn(e, TB_T0 + 4 * TB_S, "45.33.2.194", "192.0.2.1", 23);
    syn(e, TB_T0 + 5 * TB_S, "45.33.2.194", "192.0.2.1", 23);
    /* IPv6 2400:cb00::1 -> 2001:db8:1::5 TCP SYN dport 22 */
    n = tb_tcp(l4, 40000, 22, 1, TB_SYN);
    n = tb_ipv6(buf, "2400:cb00::1", "2001:db8:1::5", 6, 60, l4, n);
    struct rk_sensor_frame f = tb_frame(TB_T0 + 6 * TB_S, RK_SENSOR_LINK_RAW, buf, n);
    assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
    /* to no sensor */
    syn(e, TB_T0 + 7 * TB_S, "45.33.2.193", "8.8.8.8", 53);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 0); /* nothing closed yet */
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);

    b = take(e, "tokyo-1", s0);
    assert_int_equal(rk_sensor_bin_info(b)->packets, 5);
    assert_int_equal(rk_sensor_bin_info(b)->bytes, 5 * 40);
    assert_int_equal(rk_sensor_bin_info(b)->sources, 2);
    assert_int_equal(rk_sensor_bin_info(b)->ports, 2);
    assert_int_equal(rk_sensor_bin_info(b)->class_packets[RK_SENSOR_CLASS_SCAN], 5);
    assert_int_equal(rk_sensor_bin_info(b)->exact, 1);
    assert_string_equal(rk_sensor_bin_info(b)->country, "JP");
    assert_int_equal(rk_sensor_bin_info(b)->tlp, RK_TLP_GREEN);
    assert_int_equal(rk_sensor_bin_info(b)->secs, 3600);
    assert_int_equal(rk_sensor_bin_ports(b, &p), 2);
    assert_int_equal(p[0].port, 23); /* sorted by packets */
    assert_int_equal(p[0].packets, 4);
    assert_int_equal(p[0].sources, 2);
    assert_int_equal(p[0].sources_clean, 2);
    assert_int_equal(p[0].packets_clean, 4);
    assert_int_equal(p[1].port, 2323);
    assert_int_equal(p[1].sources, 1);
    assert_int_equal(rk_sensor_bin_sources(b, &s), 2);
    assert_string_equal(rk_sensor_addr_format(&s[0].addr, text, sizeof(text)), "45.33.2.193");
    assert_int_equal(s[0].packets, 3);
    assert_int_equal(s[0].dsts, 2);
    assert_int_equal(s[0].ports, 2);
    assert_int_equal(s[0].first_ns, TB_T0 + TB_S);
    assert_int_equal(s[0].last_ns, TB_T0 + 3 * TB_S);
    assert_int_equal(s[0].packets_err, 0);
    assert_int_equal(s[0].exact, 1);
    assert_int_equal(s[1].packets, 2);
    assert_int_equal(s[1].dsts, 1);
    assert_int_equal(s[1].ports, 1);
    assert_int_equal(rk_sensor_bin_prefixes(b, &g), 1);
    assert_string_equal(rk_sensor_prefix_format(&g[0].prefix, text, sizeof(text)), "45.33.2.0/24");
    assert_int_equal(g[0].packets, 5);
    assert_int_equal(g[0].sources, 2);
    assert_int_equal(rk_sensor_bin_asns(b, &g), 0); /* no table loaded */
    rk_sensor_bin_free(b);

    b = take(e, "sydney-1", s0); /* empty, but there */
    assert_int_equal(rk_sensor_bin_info(b)->packets, 0);
    assert_int_equal(rk_sensor_bin_ports(b, &p), 0);
    rk_sensor_bin_free(b);
    b = take(e, "v6", s0);
    assert_int_equal(rk_sensor_bin_info(b)->packets, 1);
    assert_int_equal(rk_sensor_bin_sources(b, &s), 1);
    assert_string_equal(rk_sensor_addr_format(&s[0].addr, text, sizeof(text)), "2400:cb00::1");
    assert_int_equal(rk_sensor_bin_prefixes(b, &g), 1);
    assert_string_equal(rk_sensor_prefix_format(&g[0].prefix, text, sizeof(text)),
                        "2400:cb00::/48");
    rk_sensor_bin_free(b);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 0);
    assert_int_equal(rk_sensor_engine_stats(e)->outside, 1);
    assert_int_equal(rk_sensor_engine_stats(e)->packets, 6);
    assert_int_equal(rk_sensor_engine_stats(e)->frames, 7);
    assert_int_equal(rk_sensor_engine_stats(e)->bins_emitted, 3);
    rk_sensor_engine_free(e);
}

static void test_sensor_agg__bins_by_timestamp(void **state)
{
    struct rk_sensor_engine *e = engine(60);
    struct rk_sensor_bin *b;
    int64_t s0 = TB_T0 / TB_S;

    syn(e, TB_T0 + 10 * TB_S, "45.33.2.193", "192.0.2.1", 23);
    /* 3,659 s: bin 0 is still open (lateness 60 s) and takes a packet out of order */
    syn(e, TB_T0 + 3659 * TB_S, "45.33.2.193", "192.0.2.1", 80);
    syn(e, TB_T0 + 3000 * TB_S, "45.33.2.193", "192.0.2.1", 443);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 0);
    /* 3,660 s closes bin 0; then a packet for it is late */
    syn(e, TB_T0 + 3660 * TB_S, "45.33.2.193", "192.0.2.1", 81);
    syn(e, TB_T0 + 3599 * TB_S, "45.33.2.193", "192.0.2.1", 444);
    assert_int_equal(rk_sensor_engine_stats(e)->drops[RK_SENSOR_DROP_LATE], 1);
    b = take(e, "tokyo-1", s0);
    assert_int_equal(rk_sensor_bin_info(b)->packets, 2); /* 23 and 443 */
    assert_non_null(port_row(b, 6, 443));
    assert_null(port_row(b, 6, 444));
    rk_sensor_bin_free(b);
    rk_sensor_bin_free(take(e, "sydney-1", s0));
    rk_sensor_bin_free(take(e, "v6", s0));
    /* a jump of five hours: bins 2, 3 and 4 come out empty, for every sensor */
    syn(e, TB_T0 + 5 * 3600 * TB_S + 100 * TB_S, "45.33.2.193", "192.0.2.1", 23);
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    b = take(e, "tokyo-1", s0 + 3600);
    assert_int_equal(rk_sensor_bin_info(b)->packets, 2); /* 80 and 81 */
    rk_sensor_bin_free(b);
    rk_sensor_bin_free(take(e, "sydney-1", s0 + 3600));
    rk_sensor_bin_free(take(e, "v6", s0 + 3600));
    for (int k = 2; k <= 4; k++) {
        b = take(e, "tokyo-1", s0 + k * 3600);
        assert_int_equal(rk_sensor_bin_info(b)->packets, 0);
        rk_sensor_bin_free(b);
        rk_sensor_bin_free(take(e, "sydney-1", s0 + k * 3600));
        rk_sensor_bin_free(take(e, "v6", s0 + k * 3600));
    }
    b = take(e, "tokyo-1", s0 + 5 * 3600);
    assert_int_equal(rk_sensor_bin_info(b)->packets, 1);
    rk_sensor_bin_free(b);
    rk_sensor_engine_free(e);

    /* with lateness 600 s the same late packet is counted */
    e = engine(600);
    syn(e, TB_T0 + 10 * TB_S, "45.33.2.193", "192.0.2.1", 23);
    syn(e, TB_T0 + 3660 * TB_S, "45.33.2.193", "192.0.2.1", 81);
    syn(e, TB_T0 + 3599 * TB_S, "45.33.2.193", "192.0.2.1", 444);
    assert_int_equal(rk_sensor_engine_advance(e, TB_T0 + 4199 * TB_S, NULL), 0);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 0);
    assert_int_equal(rk_sensor_engine_advance(e, TB_T0 + 4200 * TB_S, NULL), 0);
    b = take(e, "tokyo-1", s0);
    assert_int_equal(rk_sensor_bin_info(b)->packets, 2);
    assert_non_null(port_row(b, 6, 444));
    rk_sensor_bin_free(b);
    assert_int_equal(rk_sensor_engine_stats(e)->drops[RK_SENSOR_DROP_LATE], 0);
    rk_sensor_engine_free(e);
}

static void test_sensor_agg__drops_and_self_spoofing(void **state)
{
    struct rk_sensor_engine *e = engine(60);
    struct rk_sensor_bin *b;
    const struct rk_sensor_source_row *s;
    uint8_t buf[128];
    struct rk_sensor_frame f;

    /* 1980 and far in the future: bad times */
    syn(e, 315532800LL * TB_S, "45.33.2.193", "192.0.2.1", 23);
    syn(e, TB_T0 + 40 * 86400 * TB_S, "45.33.2.193", "192.0.2.1", 23);
    assert_int_equal(rk_sensor_engine_stats(e)->drops[RK_SENSOR_DROP_BAD_TIME], 2);
    /* a truncated frame */
    f = tb_syn(buf, TB_T0, "45.33.2.193", "192.0.2.1", 23, 1, 1, TB_SYN);
    f.caplen = 30;
    assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
    assert_int_equal(rk_sensor_engine_stats(e)->drops[RK_SENSOR_DROP_IP_SHORT], 1);
    /* a source inside another sensor's prefix: spoofed (self) */
    syn(e, TB_T0 + TB_S, "203.0.113.77", "192.0.2.1", 23);
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    b = take(e, "tokyo-1", TB_T0 / TB_S);
    assert_int_equal(rk_sensor_bin_sources(b, &s), 1);
    assert_int_equal(s[0].spoof & RK_SENSOR_SPOOF_SELF, RK_SENSOR_SPOOF_SELF);
    assert_int_equal(s[0].spoof & RK_SENSOR_SPOOF_BOGON, RK_SENSOR_SPOOF_BOGON);
    assert_true(s[0].fp & RK_SENSOR_FP_SPOOFED);
    assert_int_equal(rk_sensor_bin_info(b)->fp_sources[3], 1); /* bit 3: spoofed */
    assert_int_equal(port_row(b, 6, 23)->sources_clean, 0);
    rk_sensor_bin_free(b);
    rk_sensor_engine_free(e);
}

static void test_sensor_agg__research_and_geo(void **state)
{
    struct rk_sensor_engine *e = engine(60);
    struct rk_sensor_bin *b;
    struct rk_sensor_load_result res;
    const struct rk_sensor_source_row *s;
    const struct rk_sensor_group_row *g;
    static const char asn[] = "45.33.0.0,45.33.127.255,63949,Akamai Connected Cloud\n"
                              "162.142.125.0/24,398324,CENSYS-ARIN-01\n";
    static const char cc[] = "45.33.0.0,45.33.127.255,US\n162.142.125.0,162.142.125.255,US\n";

    assert_int_equal(
            rk_sensor_engine_load_scanners(
                    e, RK_CORPUS_DIR "/indicators/warninglists/censys-scanning.json", &res, NULL),
            0);
    assert_int_equal(res.rows, 13);
    assert_int_equal(rk_sensor_engine_load_geo(e, RK_SENSOR_GEO_ASN,
                                               tb_tmpfile(4, asn, sizeof(asn) - 1), &res, NULL),
                     0);
    assert_int_equal(rk_sensor_engine_load_geo(e, RK_SENSOR_GEO_COUNTRY,
                                               tb_tmpfile(5, cc, sizeof(cc) - 1), &res, NULL),
                     0);
    assert_int_equal(rk_sensor_engine_load_geo(e, 7, "x", &res, NULL), RK_EINVAL);
    /* Censys 162.142.125.5 scans 443 three times; 45.33.2.193 once */
    for (int i = 0; i < 3; i++)
        syn(e, TB_T0 + i * TB_S, "162.142.125.5", "192.0.2.1", 443);
    syn(e, TB_T0 + 5 * TB_S, "45.33.2.193", "192.0.2.9", 443);
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    b = take(e, "tokyo-1", TB_T0 / TB_S);
    assert_int_equal(rk_sensor_bin_sources(b, &s), 2);
    assert_int_equal(s[0].fp, RK_SENSOR_FP_RESEARCH);
    assert_int_equal(s[0].asn, 398324);
    assert_string_equal(s[0].country, "US");
    assert_int_equal(s[1].fp, 0);
    assert_int_equal(s[1].asn, 63949);
    assert_int_equal(port_row(b, 6, 443)->sources, 2);
    assert_int_equal(port_row(b, 6, 443)->sources_clean, 1);
    assert_int_equal(port_row(b, 6, 443)->packets_clean, 1);
    assert_int_equal(rk_sensor_bin_info(b)->fp_packets[4], 3);
    assert_int_equal(rk_sensor_bin_info(b)->fp_sources[4], 1);
    assert_int_equal(rk_sensor_bin_asns(b, &g), 2);
    assert_int_equal(g[0].asn, 398324);
    assert_int_equal(g[0].packets, 3);
    assert_string_equal(g[0].name, "CENSYS-ARIN-01");
    assert_string_equal(rk_sensor_engine_asn_name(e, 63949), "Akamai Connected Cloud");
    assert_int_equal(rk_sensor_bin_countries(b, &g), 1);
    assert_string_equal(g[0].country, "US");
    assert_int_equal(g[0].packets, 4);
    assert_int_equal(g[0].sources, 2);
    rk_sensor_bin_free(b);
    rk_sensor_engine_free(e);
    unlink(tb_tmpfile(4, "", 0));
    unlink(tb_tmpfile(5, "", 0));
}

static void test_sensor_agg__configuration_errors(void **state)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;
    struct rk_err err;

    rk_sensor_config_init(&cfg);
    cfg.bin_secs = 7000; /* does not divide a day */
    rk_err_clear(&err);
    assert_int_equal(rk_sensor_engine_new(&e, &cfg, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "bin_secs"));
    rk_sensor_config_init(&cfg);
    cfg.dos.window_secs = 400;
    assert_int_equal(rk_sensor_config_check(&cfg, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "dos.window_secs"));

    e = engine(60);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", 0, "10.0.0.0/8", &err),
                     RK_EEXISTS);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "x", "JP", 0, "192.0.2.128/25", &err),
                     RK_ECONFLICT);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "x", "JP", 0, "192.0.0.0/16", &err),
                     RK_ECONFLICT);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "x", "JP", 0, "10.0.0.1/8", &err), RK_EFORMAT);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "x", "JPN", 0, "10.0.0.0/8", &err), RK_EINVAL);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "bad name", "JP", 0, "10.0.0.0/8", &err),
                     RK_EINVAL);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "x", "JP", 0, " , ", &err), RK_EFORMAT);
    /* ten prefixes: matching switches to the range table */
    assert_int_equal(rk_sensor_engine_add_sensor(e, "many", NULL, 0,
                                                 "10.0.0.0/24 10.0.1.0/24 10.0.2.0/24 "
                                                 "10.0.3.0/24 10.0.4.0/24 10.0.5.0/24 "
                                                 "10.0.6.0/24 10.0.7.0/24 10.0.8.0/24",
                                                 &err),
                     0);
    syn(e, TB_T0, "45.33.2.193", "10.0.7.9", 23);
    syn(e, TB_T0, "45.33.2.193", "192.0.2.9", 23);
    assert_int_equal(rk_sensor_engine_stats(e)->packets, 2);
    assert_int_equal(rk_sensor_engine_stats(e)->outside, 0);
    assert_int_equal(rk_sensor_engine_add_sensor(e, "late", NULL, 0, "10.1.0.0/16", &err),
                     RK_EINVAL);
    rk_sensor_engine_free(e);
}

int test_sensor_agg_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_agg__exact_rows),
            cmocka_unit_test(test_sensor_agg__bins_by_timestamp),
            cmocka_unit_test(test_sensor_agg__drops_and_self_spoofing),
            cmocka_unit_test(test_sensor_agg__research_and_geo),
            cmocka_unit_test(test_sensor_agg__configuration_errors),
    };

    return cmocka_run_group_tests_name("sensor_agg", tests, NULL, NULL);
}
