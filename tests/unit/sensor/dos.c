/* dos.c - DoS victims from backscatter with Corsaro's RS-DoS thresholds: packets, duration and
 * the largest count in a sliding rate window; victims from quoted ICMP headers; idle ends. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

static struct rk_sensor_engine *engine(void)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;

    rk_sensor_config_init(&cfg);
    cfg.now_ns = TB_T0 + 86400 * TB_S;
    assert_int_equal(rk_sensor_engine_new(&e, &cfg, NULL), 0);
    assert_int_equal(
            rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", RK_TLP_AMBER, "192.0.2.0/24", NULL), 0);
    return e;
}

/* IPv4 victim -> 192.0.2.<dst> TCP SYN-ACK sport 80 dport <dport> */
static void synack(struct rk_sensor_engine *e, int64_t ts, const char *victim, int dst,
                   uint16_t dport)
{
    uint8_t b[128], l4[20];
    char d[32];
    size_t n = tb_tcp(l4, 80, dport, 7, TB_SYN | TB_ACK);
    struct rk_sensor_frame f;

    snprintf(d, sizeof(d), "192.0.2.%d", dst);
    n = tb_ipv4(b, victim, d, 6, 50, 1, l4, n);
    f = tb_frame(ts, RK_SENSOR_LINK_RAW, b, n);
    assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
}

static void test_sensor_dos__thresholds(void **state)
{
    struct rk_sensor_engine *e = engine();
    struct rk_sensor_bin *b;
    struct rk_sensor_dos_row a;
    const struct rk_sensor_dos_row *rows;
    char sensor[RK_SENSOR_NAME_MAX], text[RK_SENSOR_ADDR_STR];

    /* 45.33.2.200: one SYN-ACK a second for 120 s to 40 addresses and 120 ports: an attack */
    for (int i = 0; i < 120; i++)
        synack(e, TB_T0 + (100 + i) * TB_S, "45.33.2.200", i % 40, (uint16_t)(30000 + i));
    /* 45.33.2.201: 20 packets: too few */
    for (int i = 0; i < 20; i++)
        synack(e, TB_T0 + (100 + 5 * i) * TB_S, "45.33.2.201", 1, 1000);
    /* 45.33.2.202: 120 packets over 600 s: never 30 in a minute */
    for (int i = 0; i < 120; i++)
        synack(e, TB_T0 + (100 + 5 * i) * TB_S, "45.33.2.202", 2, (uint16_t)(2000 + i));
    /* 45.33.2.203: 60 packets in 30 s: too short */
    for (int i = 0; i < 60; i++)
        synack(e, TB_T0 + 1000 * TB_S + i * 500000000LL, "45.33.2.203", 3, 3000);
    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 0);
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);

    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 1);
    assert_int_equal(rk_sensor_bin_dos(b, &rows), 1);
    assert_int_equal(rk_sensor_bin_info(b)->dos_victims, 1);
    assert_string_equal(rk_sensor_addr_format(&rows[0].victim, text, sizeof(text)), "45.33.2.200");
    assert_int_equal(rows[0].proto, 6);
    assert_int_equal(rows[0].packets, 120);
    assert_int_equal(rows[0].bin_packets, 120);
    assert_int_equal(rows[0].bytes, 120 * 40);
    assert_int_equal(rows[0].attacker_addrs, 40);
    assert_int_equal(rows[0].attacker_ports, 120);
    assert_int_equal(rows[0].target_ports, 1);
    assert_int_equal(rows[0].max_ppm, 60);
    assert_int_equal(rows[0].start_ns, TB_T0 + 100 * TB_S);
    assert_int_equal(rows[0].last_ns, TB_T0 + 219 * TB_S);
    assert_int_equal(rows[0].finished, 1);
    assert_int_equal(rows[0].exact, 1);
    /* the backscatter is counted as such in the ports and classes */
    assert_int_equal(rk_sensor_bin_info(b)->class_packets[RK_SENSOR_CLASS_BACKSCATTER],
                     120 + 20 + 120 + 60);
    rk_sensor_bin_free(b);

    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 1);
    assert_string_equal(sensor, "tokyo-1");
    assert_int_equal(a.packets, 120);
    assert_int_equal(a.finished, 1);
    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 0);
    rk_sensor_engine_free(e);
}

static void test_sensor_dos__icmp_quotes_and_idle_end(void **state)
{
    struct rk_sensor_engine *e = engine();
    struct rk_sensor_bin *b;
    struct rk_sensor_dos_row a;
    char sensor[RK_SENSOR_NAME_MAX], text[RK_SENSOR_ADDR_STR];
    uint8_t buf[128], inner[64], l4[96], udp[8];
    size_t n;

    /* a router 45.33.9.9 sends 150 "port unreachable" to 192.0.2.9 quoting
     * 192.0.2.9 -> 45.33.2.210 UDP 4000 -> 53 (2 per second for 75 s) */
    for (int i = 0; i < 150; i++) {
        struct rk_sensor_frame f;

        n = tb_udp(udp, 4000, 53, NULL, 0);
        n = tb_ipv4(inner, "192.0.2.9", "45.33.2.210", 17, 60, 1, udp, n);
        n = tb_icmp(l4, 3, 3, inner, n);
        n = tb_ipv4(buf, "45.33.9.9", "192.0.2.9", 1, 60, 2, l4, n);
        f = tb_frame(TB_T0 + 50 * TB_S + i * 500000000LL, RK_SENSOR_LINK_RAW, buf, n);
        assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
    }
    /* 45.33.2.211: SYN-ACK bursts at 50 s and 1,000 s: idle more than 300 s between, so two
     * attacks */
    for (int i = 0; i < 100; i++)
        synack(e, TB_T0 + 50 * TB_S + i * TB_S, "45.33.2.211", i % 5, 500);
    for (int i = 0; i < 100; i++)
        synack(e, TB_T0 + 1000 * TB_S + i * TB_S, "45.33.2.211", i % 10, 500);
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 1);
    rk_sensor_bin_free(b);

    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 1);
    assert_string_equal(rk_sensor_addr_format(&a.victim, text, sizeof(text)), "45.33.2.210");
    assert_int_equal(a.proto, 17); /* the quoted protocol */
    assert_int_equal(a.packets, 150);
    assert_int_equal(a.attacker_ports, 1); /* 4000 */
    assert_int_equal(a.target_ports, 1);   /* 53 */
    assert_int_equal(a.attacker_addrs, 1);
    assert_int_equal(a.icmp_mismatches, 0);
    assert_int_equal(a.max_ppm, 120);
    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 1);
    assert_string_equal(rk_sensor_addr_format(&a.victim, text, sizeof(text)), "45.33.2.211");
    assert_int_equal(a.proto, 6);
    assert_int_equal(a.packets, 100);
    assert_int_equal(a.start_ns, TB_T0 + 50 * TB_S);
    assert_int_equal(a.attacker_addrs, 5);
    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 1);
    assert_string_equal(rk_sensor_addr_format(&a.victim, text, sizeof(text)), "45.33.2.211");
    assert_int_equal(a.packets, 100);
    assert_int_equal(a.start_ns, TB_T0 + 1000 * TB_S);
    assert_int_equal(a.attacker_addrs, 10);
    assert_int_equal(rk_sensor_engine_take_attack(e, &a, sensor), 0);
    rk_sensor_engine_free(e);
}

int test_sensor_dos_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_dos__thresholds),
            cmocka_unit_test(test_sensor_dos__icmp_quotes_and_idle_end),
    };

    return cmocka_run_group_tests_name("sensor_dos", tests, NULL, NULL);
}
