/* classify.c - scan / backscatter / other, the Mirai, ZMap and masscan fingerprints, and each
 * spoofing rule. */
#include "tests.h"

#include <string.h>

static struct rk_sensor_pkt classify(const struct rk_sensor_frame *f)
{
    struct rk_sensor_pkt k;
    int drop;

    assert_int_equal(rk_sensor_decode(f, 4, 8, &k, &drop), 0);
    rk_sensor_classify(&k);
    return k;
}

/* IPv4 src -> dst TCP with the given TTL, id, flags, ports and seq, raw link. */
static struct rk_sensor_frame tcp4(uint8_t *buf, const char *src, const char *dst, uint8_t ttl,
                                   uint16_t id, uint8_t flags, uint16_t sport, uint16_t dport,
                                   uint32_t seq)
{
    uint8_t l4[20];
    size_t n = tb_tcp(l4, sport, dport, seq, flags);

    n = tb_ipv4(buf, src, dst, 6, ttl, id, l4, n);
    return tb_frame(TB_T0, RK_SENSOR_LINK_RAW, buf, n);
}

static struct rk_sensor_frame icmp4(uint8_t *buf, const char *src, uint8_t type, uint8_t ttl)
{
    uint8_t l4[8];
    size_t n = tb_icmp(l4, type, 0, NULL, 0);

    n = tb_ipv4(buf, src, "192.0.2.1", 1, ttl, 9, l4, n);
    return tb_frame(TB_T0, RK_SENSOR_LINK_RAW, buf, n);
}

static void test_sensor_classify__tcp_classes(void **state)
{
    uint8_t b[128];
    struct rk_sensor_frame f;

    /* IPv4 45.33.2.193 -> 192.0.2.1 TCP SYN 40000 -> 22 */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_SYN, 40000, 22, 77);
    struct rk_sensor_pkt k = classify(&f);
    assert_int_equal(k.cls, RK_SENSOR_CLASS_SCAN);
    assert_int_equal(k.port_proto, 6);
    assert_int_equal(k.port, 22);
    assert_int_equal(k.fp, 0);
    assert_int_equal(k.spoof, 0);
    /* SYN-ACK 80 -> 40000: the victim answering a spoofed SYN */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_SYN | TB_ACK, 80, 40000, 77);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_BACKSCATTER);
    /* RST and RST-ACK */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_RST, 80, 40000, 77);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_BACKSCATTER);
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_RST | TB_ACK, 80, 40000, 77);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_BACKSCATTER);
    /* ACK alone, FIN alone */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_ACK, 80, 40000, 77);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_OTHER);
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, 0x01, 80, 40000, 77);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_OTHER);
}

static void test_sensor_classify__udp_icmp_other(void **state)
{
    uint8_t b[128], l4[16];
    struct rk_sensor_frame f;
    size_t n;

    /* IPv4 45.33.2.193 -> 192.0.2.1 UDP 53000 -> 1900 */
    f = tb_udp_frame(b, TB_T0, "45.33.2.193", "192.0.2.1", 1900);
    struct rk_sensor_pkt k = classify(&f);
    assert_int_equal(k.cls, RK_SENSOR_CLASS_SCAN);
    assert_int_equal(k.port, 1900);
    /* ICMP echo request, echo reply, unreachable, timestamp reply, router advertisement */
    f = icmp4(b, "45.33.2.193", 8, 50);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_SCAN);
    assert_int_equal(classify(&f).port, 8);
    f = icmp4(b, "45.33.2.193", 0, 50);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_BACKSCATTER);
    f = icmp4(b, "45.33.2.193", 3, 50);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_BACKSCATTER);
    f = icmp4(b, "45.33.2.193", 14, 50);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_BACKSCATTER);
    f = icmp4(b, "45.33.2.193", 9, 50);
    assert_int_equal(classify(&f).cls, RK_SENSOR_CLASS_OTHER);
    /* ICMPv6 2400:cb00::1 -> 2001:db8:1::1: echo request 128, echo reply 129, unreachable 1,
     * neighbour solicitation 135 */
    static const uint8_t types6[4] = {128, 129, 1, 135};
    static const int cls6[4] = {RK_SENSOR_CLASS_SCAN, RK_SENSOR_CLASS_BACKSCATTER,
                                RK_SENSOR_CLASS_BACKSCATTER, RK_SENSOR_CLASS_OTHER};
    for (int i = 0; i < 4; i++) {
        n = tb_icmp(l4, types6[i], 0, NULL, 0);
        n = tb_ipv6(b, "2400:cb00::1", "2001:db8:1::1", 58, 60, l4, n);
        f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, b, n);
        k = classify(&f);
        assert_int_equal(k.cls, cls6[i]);
        assert_int_equal(k.port_proto, 58);
        assert_int_equal(k.spoof, 0);
    }
    /* GRE (47): other, port 0 */
    memset(l4, 0, 4);
    n = tb_ipv4(b, "45.33.2.193", "192.0.2.1", 47, 50, 3, l4, 4);
    f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, b, n);
    k = classify(&f);
    assert_int_equal(k.cls, RK_SENSOR_CLASS_OTHER);
    assert_int_equal(k.port_proto, 47);
    assert_int_equal(k.port, 0);
}

static void test_sensor_classify__fingerprints(void **state)
{
    uint8_t b[128];
    struct rk_sensor_frame f;
    struct rk_sensor_pkt k;

    /* Mirai: IPv4 45.33.2.193 -> 192.0.2.1 TCP SYN dport 23 seq=0xc0000201 (== dst) */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 64, 4321, TB_SYN, 40000, 23, 0xc0000201);
    k = classify(&f);
    assert_int_equal(k.fp, RK_SENSOR_FP_MIRAI);
    /* the same sequence number on a SYN-ACK is not Mirai */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 64, 4321, TB_SYN | TB_ACK, 23, 40000, 0xc0000201);
    assert_int_equal(classify(&f).fp, 0);
    /* ZMap: IPv4 45.33.2.193 -> 192.0.2.1 TTL 255 id 54321 TCP SYN dport 443: not spoofed by
     * the TTL rule, since ZMap sends with TTL 255 */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 250, 54321, TB_SYN, 40000, 443, 99);
    k = classify(&f);
    assert_int_equal(k.fp, RK_SENSOR_FP_ZMAP);
    assert_int_equal(k.spoof, 0);
    /* masscan: dst 192.0.2.1, dport 80, seq 0x12345678:
     * id = (0xc0000201 ^ 80 ^ 0x12345678) & 0xffff = 0x5429 */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 250, 0x5429, TB_SYN, 61000, 80, 0x12345678);
    k = classify(&f);
    assert_int_equal(k.fp, RK_SENSOR_FP_MASSCAN);
    assert_int_equal(k.spoof, 0);
    /* one bit off: nothing */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 0x5428, TB_SYN, 61000, 80, 0x12345678);
    assert_int_equal(classify(&f).fp, 0);
    /* ZMap ICMP echo (id 54321) */
    f = icmp4(b, "45.33.2.193", 8, 50);
    b[4] = 0xd4;
    b[5] = 0x31;
    assert_int_equal(classify(&f).fp, RK_SENSOR_FP_ZMAP);
    assert_string_equal(rk_sensor_fp_name(RK_SENSOR_FP_MASSCAN), "masscan");
    assert_string_equal(rk_sensor_class_name(RK_SENSOR_CLASS_BACKSCATTER), "backscatter");
}

static void test_sensor_classify__spoofing_rules(void **state)
{
    uint8_t b[128], l4[20];
    struct rk_sensor_frame f;
    struct rk_sensor_pkt k;
    size_t n;

    /* IPv4 198.51.100.7 (TEST-NET-2) -> 192.0.2.1 TCP SYN: bogon source */
    f = tcp4(b, "198.51.100.7", "192.0.2.1", 50, 1, TB_SYN, 40000, 23, 5);
    k = classify(&f);
    assert_int_equal(k.spoof, RK_SENSOR_SPOOF_BOGON);
    assert_int_equal(k.fp, RK_SENSOR_FP_SPOOFED);
    /* 10.1.2.3 private */
    f = tcp4(b, "10.1.2.3", "192.0.2.1", 50, 1, TB_SYN, 40000, 23, 5);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_BOGON);
    /* TTL 230 on a plain SYN */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 230, 1, TB_SYN, 40000, 23, 5);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_TTL);
    /* ... but not on ICMP */
    f = icmp4(b, "45.33.2.193", 8, 230);
    assert_int_equal(classify(&f).spoof, 0);
    /* last byte .0 and .255 */
    f = tcp4(b, "45.33.2.0", "192.0.2.1", 50, 1, TB_SYN, 40000, 23, 5);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_LAST_BYTE);
    f = tcp4(b, "45.33.2.255", "192.0.2.1", 50, 1, TB_SYN, 40000, 23, 5);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_LAST_BYTE);
    /* port 0 */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_SYN, 0, 23, 5);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_PORT0);
    /* source == destination */
    f = tcp4(b, "45.33.2.193", "45.33.2.193", 50, 1, TB_SYN, 40000, 23, 5);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_SELF);
    /* reserved ("evil") bit */
    f = tcp4(b, "45.33.2.193", "192.0.2.1", 50, 1, TB_SYN, 40000, 23, 5);
    b[6] = 0x80;
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_EVIL_BIT);
    /* IPv6 link-local and documentation sources; a global one is fine */
    n = tb_tcp(l4, 40000, 22, 1, TB_SYN);
    n = tb_ipv6(b, "fe80::1", "2001:db8:1::1", 6, 60, l4, n);
    f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, b, n);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_BOGON);
    n = tb_tcp(l4, 40000, 22, 1, TB_SYN);
    n = tb_ipv6(b, "2001:db8::5", "2001:db8:1::1", 6, 60, l4, n);
    f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, b, n);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_BOGON);
    n = tb_tcp(l4, 40000, 22, 1, TB_SYN);
    n = tb_ipv6(b, "2400:cb00::1", "2001:db8:1::1", 6, 60, l4, n);
    f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, b, n);
    assert_int_equal(classify(&f).spoof, 0);
    /* an IPv4-mapped source in an IPv6 header */
    n = tb_tcp(l4, 40000, 22, 1, TB_SYN);
    n = tb_ipv6(b, "::ffff:45.33.2.193", "2001:db8:1::1", 6, 60, l4, n);
    f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, b, n);
    assert_int_equal(classify(&f).spoof, RK_SENSOR_SPOOF_BOGON);
}

static void test_sensor_classify__addresses_and_prefixes(void **state)
{
    struct rk_sensor_prefix p;
    struct rk_sensor_addr a;
    char buf[RK_SENSOR_ADDR_STR];

    assert_int_equal(rk_sensor_prefix_parse("192.0.2.0/24", 12, 0, &p), 0);
    assert_int_equal(p.len, 24);
    assert_string_equal(rk_sensor_prefix_format(&p, buf, sizeof(buf)), "192.0.2.0/24");
    assert_int_equal(rk_sensor_prefix_parse("192.0.2.1/24", 12, 0, &p), RK_EFORMAT);
    assert_int_equal(rk_sensor_prefix_parse("192.0.2.1/24", 12, 1, &p), 0);
    assert_string_equal(rk_sensor_prefix_format(&p, buf, sizeof(buf)), "192.0.2.0/24");
    assert_int_equal(rk_sensor_prefix_parse("192.0.2.0/33", 12, 0, &p), RK_EFORMAT);
    assert_int_equal(rk_sensor_prefix_parse("2001:db8::/32", 13, 0, &p), 0);
    assert_int_equal(rk_sensor_addr_parse("2001:db8:ffff::1", 16, &a), 0);
    assert_true(rk_sensor_prefix_contains(&p, &a));
    assert_int_equal(rk_sensor_addr_parse("2001:db9::1", 11, &a), 0);
    assert_false(rk_sensor_prefix_contains(&p, &a));
    assert_int_equal(rk_sensor_prefix_parse("10.0.0.0/8", 10, 0, &p), 0);
    assert_int_equal(rk_sensor_addr_parse("10.200.1.1", 10, &a), 0);
    assert_true(rk_sensor_prefix_contains(&p, &a));
    assert_int_equal(rk_sensor_addr_v4(&a), 0x0ac80101);
    assert_int_equal(rk_sensor_addr_parse("not an address", 14, &a), RK_EFORMAT);
    assert_int_equal(rk_sensor_addr_parse("1.2.3.4x", 8, &a), RK_EFORMAT);
    assert_int_equal(rk_sensor_prefix_parse("0.0.0.0/0", 9, 0, &p), 0);
    assert_true(rk_sensor_prefix_contains(&p, &a));
}

int test_sensor_classify_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_classify__tcp_classes),
            cmocka_unit_test(test_sensor_classify__udp_icmp_other),
            cmocka_unit_test(test_sensor_classify__fingerprints),
            cmocka_unit_test(test_sensor_classify__spoofing_rules),
            cmocka_unit_test(test_sensor_classify__addresses_and_prefixes),
    };

    return cmocka_run_group_tests_name("sensor_classify", tests, NULL, NULL);
}
