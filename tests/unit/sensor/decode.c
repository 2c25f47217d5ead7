/* decode.c - link layers, VLAN tags, IPv4, IPv6 extension headers, ICMP quotes, and every
 * drop reason, on hand-made frames. */
#include "tests.h"

#include <string.h>

/* Ethernet 00:00:5e:00:53:01 -> 00:00:5e:00:53:02 type IPv4;
 * IPv4 198.51.100.7 -> 192.0.2.1 TTL 52 id 0x1234 TCP SYN sport 4444 dport 23 seq=0xc0000201 */
static const uint8_t eth_syn[] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00, 0x53,
                                  0x01, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x00, 0x00,
                                  0x34, 0x06, 0x00, 0x00, 0xc6, 0x33, 0x64, 0x07, 0xc0, 0x00, 0x02,
                                  0x01, 0x11, 0x5c, 0x00, 0x17, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00,
                                  0x00, 0x00, 0x50, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00};

/* IPv4 part of eth_syn: 198.51.100.7 -> 192.0.2.1 TCP SYN sport 4444 dport 23 */
#define IP4_SYN     (eth_syn + 14)
#define IP4_SYN_LEN (sizeof(eth_syn) - 14)

/* Ethernet type 802.1Q, VLAN 100, inner type IPv4;
 * IPv4 203.0.113.9 -> 192.0.2.5 TTL 64 UDP sport 5353 dport 1900 */
static const uint8_t vlan_udp[] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00,
                                   0x53, 0x01, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00, 0x45, 0x00,
                                   0x00, 0x1c, 0x00, 0x07, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
                                   0xcb, 0x00, 0x71, 0x09, 0xc0, 0x00, 0x02, 0x05, 0x14, 0xe9,
                                   0x07, 0x6c, 0x00, 0x08, 0x00, 0x00};

/* Ethernet type 802.1ad (QinQ) S-VLAN 10, 802.1Q C-VLAN 20, inner IPv4;
 * IPv4 203.0.113.10 -> 192.0.2.6 TTL 64 ICMP echo request id 1 seq 1 */
static const uint8_t qinq_icmp[] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02, 0x00, 0x00, 0x5e, 0x00,
                                    0x53, 0x01, 0x88, 0xa8, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14,
                                    0x08, 0x00, 0x45, 0x00, 0x00, 0x1c, 0x00, 0x08, 0x00, 0x00,
                                    0x40, 0x01, 0x00, 0x00, 0xcb, 0x00, 0x71, 0x0a, 0xc0, 0x00,
                                    0x02, 0x06, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01};

/* raw IPv6 2001:db8::7 -> 2001:db8:1::1 hop limit 64 TCP SYN sport 54321 dport 22 seq 1 */
static const uint8_t raw6_syn[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xd4, 0x31, 0x00, 0x16, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00};

/* Linux cooked v1: to us, ARPHRD_ETHER, 6-byte address, protocol IPv4 */
static const uint8_t sll_hdr[16] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
                                    0x5e, 0x00, 0x53, 0x01, 0x00, 0x00, 0x08, 0x00};

/* Linux cooked v2: protocol IPv4, interface 2, ARPHRD_ETHER, to us, 6-byte address */
static const uint8_t sll2_hdr[20] = {0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
                                     0x00, 0x06, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01, 0x00, 0x00};

/* IPv6 2001:db8::9 -> 2001:db8:1::2 with hop-by-hop (PadN), destination options (PadN) and a
 * fragment header (offset 0, M=1, id 42), then UDP sport 12345 dport 53 */
static const uint8_t ext6_udp[] = {0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x40, 0x20, 0x01, 0x0d,
                                   0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x09, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
                                   /* hop-by-hop: next 60, len 0, PadN(4) */
                                   0x3c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
                                   /* destination options: next 44, len 0, PadN(4) */
                                   0x2c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
                                   /* fragment: next 17, offset 0, M=1, id 42 */
                                   0x11, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a,
                                   /* UDP 12345 -> 53, length 8 */
                                   0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00};

/* IPv4 203.0.113.50 -> 192.0.2.9 ICMP destination unreachable (port) quoting
 * IPv4 192.0.2.9 -> 198.51.100.20 UDP sport 4000 dport 53 */
static const uint8_t icmp_unreach[] = {
        0x45, 0x00, 0x00, 0x38, 0x00, 0x09, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0xcb, 0x00,
        0x71, 0x32, 0xc0, 0x00, 0x02, 0x09, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0x00,
        0x02, 0x09, 0xc6, 0x33, 0x64, 0x14, 0x0f, 0xa0, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00};

static int decode(uint32_t link, const uint8_t *p, size_t len, struct rk_sensor_pkt *k)
{
    struct rk_sensor_frame f = tb_frame(TB_T0, link, p, len);
    int drop = -1;
    int rc = rk_sensor_decode(&f, 4, 8, k, &drop);

    assert_int_equal(rc == 0, drop == RK_SENSOR_OK);
    return drop;
}

static void assert_addr(const struct rk_sensor_addr *a, const char *text)
{
    char buf[RK_SENSOR_ADDR_STR];

    assert_string_equal(rk_sensor_addr_format(a, buf, sizeof(buf)), text);
}

static void test_sensor_decode__ethernet_ipv4_tcp(void **state)
{
    struct rk_sensor_pkt k;

    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, eth_syn, sizeof(eth_syn), &k), 0);
    assert_int_equal(k.ipv, 4);
    assert_addr(&k.src, "198.51.100.7");
    assert_addr(&k.dst, "192.0.2.1");
    assert_int_equal(k.proto, 6);
    assert_int_equal(k.ttl, 52);
    assert_int_equal(k.ip_id, 0x1234);
    assert_int_equal(k.ip_len, 40);
    assert_int_equal(k.sport, 4444);
    assert_int_equal(k.dport, 23);
    assert_int_equal(k.seq, 0xc0000201);
    assert_int_equal(k.tcp_flags, 0x02);
    assert_int_equal(k.has_l4, 1);
    assert_int_equal(k.ts_ns, TB_T0);
}

static void test_sensor_decode__vlan_and_qinq(void **state)
{
    struct rk_sensor_pkt k;
    struct rk_sensor_frame f;
    int drop;

    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, vlan_udp, sizeof(vlan_udp), &k), 0);
    assert_addr(&k.src, "203.0.113.9");
    assert_int_equal(k.proto, 17);
    assert_int_equal(k.sport, 5353);
    assert_int_equal(k.dport, 1900);

    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, qinq_icmp, sizeof(qinq_icmp), &k), 0);
    assert_addr(&k.dst, "192.0.2.6");
    assert_int_equal(k.proto, 1);
    assert_int_equal(k.icmp_type, 8);

    /* with vlan_max 1 the second tag is one too many */
    f = tb_frame(TB_T0, RK_SENSOR_LINK_ETHERNET, qinq_icmp, sizeof(qinq_icmp));
    assert_int_equal(rk_sensor_decode(&f, 1, 8, &k, &drop), RK_EFORMAT);
    assert_int_equal(drop, RK_SENSOR_DROP_VLAN_DEPTH);
    /* a tag cut short */
    f.caplen = 16;
    assert_int_equal(rk_sensor_decode(&f, 4, 8, &k, &drop), RK_EFORMAT);
    assert_int_equal(drop, RK_SENSOR_DROP_LINK_SHORT);
}

static void test_sensor_decode__raw_ip_link_types(void **state)
{
    struct rk_sensor_pkt k;
    static const uint32_t raw_links[] = {RK_SENSOR_LINK_RAW, RK_SENSOR_LINK_DLT_RAW_12,
                                         RK_SENSOR_LINK_DLT_RAW_14};

    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(decode(raw_links[i], raw6_syn, sizeof(raw6_syn), &k), 0);
        assert_int_equal(k.ipv, 6);
        assert_addr(&k.src, "2001:db8::7");
        assert_addr(&k.dst, "2001:db8:1::1");
        assert_int_equal(k.dport, 22);
        assert_int_equal(decode(raw_links[i], IP4_SYN, IP4_SYN_LEN, &k), 0);
        assert_int_equal(k.ipv, 4);
    }
    assert_int_equal(decode(RK_SENSOR_LINK_IPV6, raw6_syn, sizeof(raw6_syn), &k), 0);
    assert_int_equal(decode(RK_SENSOR_LINK_IPV4, IP4_SYN, IP4_SYN_LEN, &k), 0);
    /* LINKTYPE_IPV4 carrying an IPv6 header */
    assert_int_equal(decode(RK_SENSOR_LINK_IPV4, raw6_syn, sizeof(raw6_syn), &k),
                     RK_SENSOR_DROP_IP_VERSION);
    /* raw link with a version nibble that is neither 4 nor 6 */
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, eth_syn, sizeof(eth_syn), &k),
                     RK_SENSOR_DROP_IP_VERSION);
}

static void test_sensor_decode__linux_cooked(void **state)
{
    uint8_t buf[128];
    struct rk_sensor_pkt k;

    memcpy(buf, sll_hdr, 16);
    memcpy(buf + 16, IP4_SYN, IP4_SYN_LEN);
    assert_int_equal(decode(RK_SENSOR_LINK_LINUX_SLL, buf, 16 + IP4_SYN_LEN, &k), 0);
    assert_addr(&k.src, "198.51.100.7");
    assert_int_equal(k.dport, 23);
    assert_int_equal(decode(RK_SENSOR_LINK_LINUX_SLL, buf, 15, &k), RK_SENSOR_DROP_LINK_SHORT);

    memcpy(buf, sll2_hdr, 20);
    memcpy(buf + 20, IP4_SYN, IP4_SYN_LEN);
    assert_int_equal(decode(RK_SENSOR_LINK_LINUX_SLL2, buf, 20 + IP4_SYN_LEN, &k), 0);
    assert_addr(&k.dst, "192.0.2.1");
    /* SLL2 protocol ARP */
    buf[0] = 0x08;
    buf[1] = 0x06;
    assert_int_equal(decode(RK_SENSOR_LINK_LINUX_SLL2, buf, 20 + IP4_SYN_LEN, &k),
                     RK_SENSOR_DROP_NOT_IP);
}

static void test_sensor_decode__bsd_loopback_both_orders(void **state)
{
    /* family words: AF_INET little endian, AF_INET big endian, AF_INET6 = 30 (macOS) little
     * endian, AF_INET6 = 24 (OpenBSD) big endian, 99 (unknown) */
    static const uint8_t fam[5][4] = {
            {2, 0, 0, 0}, {0, 0, 0, 2}, {30, 0, 0, 0}, {0, 0, 0, 24}, {99, 0, 0, 0}};
    uint8_t buf[128];
    struct rk_sensor_pkt k;

    memcpy(buf + 4, IP4_SYN, IP4_SYN_LEN);
    memcpy(buf, fam[0], 4);
    assert_int_equal(decode(RK_SENSOR_LINK_NULL, buf, 4 + IP4_SYN_LEN, &k), 0);
    assert_int_equal(k.ipv, 4);
    memcpy(buf, fam[1], 4);
    assert_int_equal(decode(RK_SENSOR_LINK_NULL, buf, 4 + IP4_SYN_LEN, &k), 0);
    assert_int_equal(decode(RK_SENSOR_LINK_LOOP, buf, 4 + IP4_SYN_LEN, &k), 0);
    /* DLT_LOOP is always network order: a little-endian word is not IP */
    memcpy(buf, fam[0], 4);
    assert_int_equal(decode(RK_SENSOR_LINK_LOOP, buf, 4 + IP4_SYN_LEN, &k), RK_SENSOR_DROP_NOT_IP);

    memcpy(buf + 4, raw6_syn, sizeof(raw6_syn));
    memcpy(buf, fam[2], 4);
    assert_int_equal(decode(RK_SENSOR_LINK_NULL, buf, 4 + sizeof(raw6_syn), &k), 0);
    assert_int_equal(k.ipv, 6);
    memcpy(buf, fam[3], 4);
    assert_int_equal(decode(RK_SENSOR_LINK_NULL, buf, 4 + sizeof(raw6_syn), &k), 0);
    memcpy(buf, fam[4], 4);
    assert_int_equal(decode(RK_SENSOR_LINK_NULL, buf, 4 + sizeof(raw6_syn), &k),
                     RK_SENSOR_DROP_NOT_IP);
    assert_int_equal(decode(RK_SENSOR_LINK_NULL, buf, 3, &k), RK_SENSOR_DROP_LINK_SHORT);
}

static void test_sensor_decode__ipv6_extension_headers(void **state)
{
    uint8_t buf[256];
    struct rk_sensor_pkt k;

    assert_int_equal(decode(RK_SENSOR_LINK_RAW, ext6_udp, sizeof(ext6_udp), &k), 0);
    assert_int_equal(k.proto, 17);
    assert_int_equal(k.sport, 12345);
    assert_int_equal(k.dport, 53);
    assert_int_equal(k.has_l4, 1);
    assert_int_equal(k.ip_len, 72);

    /* a later fragment (offset 8 units): no transport header */
    memcpy(buf, ext6_udp, sizeof(ext6_udp));
    buf[58] = 0x00;
    buf[59] = 0x41; /* offset 8, M=1 */
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, buf, sizeof(ext6_udp), &k), 0);
    assert_int_equal(k.has_l4, 0);
    assert_int_equal(k.proto, 17);

    /* the chain cut inside the destination options header */
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, ext6_udp, 52, &k), RK_SENSOR_DROP_IP6_EXT);
    /* a header length pointing past the capture */
    memcpy(buf, ext6_udp, sizeof(ext6_udp));
    buf[49] = 20;
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, buf, sizeof(ext6_udp), &k), RK_SENSOR_DROP_IP6_EXT);

    /* nine destination-options headers: one more than the cap of 8 */
    memcpy(buf, ext6_udp, 40);
    buf[6] = 60;
    for (int i = 0; i < 9; i++) {
        uint8_t *h = buf + 40 + 8 * i;

        memset(h, 0, 8);
        h[0] = i == 8 ? 17 : 60;
        h[2] = 1;
        h[3] = 4;
    }
    memcpy(buf + 40 + 72, ext6_udp + 64, 8);
    buf[4] = 0;
    buf[5] = 80;
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, buf, 120, &k), RK_SENSOR_DROP_IP6_EXT);
    {
        struct rk_sensor_frame f = tb_frame(TB_T0, RK_SENSOR_LINK_RAW, buf, 120);
        int drop;

        assert_int_equal(rk_sensor_decode(&f, 4, 9, &k, &drop), 0);
        assert_int_equal(k.dport, 53);
    }
}

static void test_sensor_decode__icmp_error_quotes_inner_header(void **state)
{
    struct rk_sensor_pkt k;

    assert_int_equal(decode(RK_SENSOR_LINK_RAW, icmp_unreach, sizeof(icmp_unreach), &k), 0);
    assert_int_equal(k.icmp_type, 3);
    assert_int_equal(k.icmp_code, 3);
    assert_int_equal(k.has_inner, 1);
    assert_addr(&k.inner_src, "192.0.2.9");
    assert_addr(&k.inner_dst, "198.51.100.20");
    assert_int_equal(k.inner_proto, 17);
    assert_int_equal(k.inner_sport, 4000);
    assert_int_equal(k.inner_dport, 53);
    /* the quote cut short: still decoded, without the inner header */
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, icmp_unreach, 40, &k), 0);
    assert_int_equal(k.has_inner, 0);
}

static void test_sensor_decode__drop_reasons(void **state)
{
    uint8_t buf[128];
    struct rk_sensor_pkt k;

    /* Ethernet header cut at 10 bytes */
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, eth_syn, 10, &k), RK_SENSOR_DROP_LINK_SHORT);
    /* IPv4 header cut at 12 bytes */
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, eth_syn, 26, &k), RK_SENSOR_DROP_IP_SHORT);
    /* TCP cut after 10 bytes */
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, eth_syn, 44, &k), RK_SENSOR_DROP_L4_SHORT);
    /* IHL 4 (16 bytes) */
    memcpy(buf, eth_syn, sizeof(eth_syn));
    buf[14] = 0x44;
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, sizeof(eth_syn), &k),
                     RK_SENSOR_DROP_IP_HEADER);
    /* total length 10, below the header */
    memcpy(buf, eth_syn, sizeof(eth_syn));
    buf[17] = 10;
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, sizeof(eth_syn), &k),
                     RK_SENSOR_DROP_IP_HEADER);
    /* TCP data offset 3 */
    memcpy(buf, eth_syn, sizeof(eth_syn));
    buf[46] = 0x30;
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, sizeof(eth_syn), &k),
                     RK_SENSOR_DROP_TCP_HEADER);
    /* ethertype ARP */
    memcpy(buf, eth_syn, sizeof(eth_syn));
    buf[12] = 0x08;
    buf[13] = 0x06;
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, sizeof(eth_syn), &k),
                     RK_SENSOR_DROP_NOT_IP);
    /* ethertype IPv4 with an IPv6 header inside */
    memcpy(buf, eth_syn, 14);
    memcpy(buf + 14, raw6_syn, sizeof(raw6_syn));
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, 14 + sizeof(raw6_syn), &k),
                     RK_SENSOR_DROP_IP_VERSION);
    /* IEEE 802.11 is not supported */
    assert_int_equal(decode(105, eth_syn, sizeof(eth_syn), &k), RK_SENSOR_DROP_LINKTYPE);
    /* an empty raw frame */
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, eth_syn, 0, &k), RK_SENSOR_DROP_IP_SHORT);
    /* IPv6 header cut */
    assert_int_equal(decode(RK_SENSOR_LINK_RAW, raw6_syn, 39, &k), RK_SENSOR_DROP_IP_SHORT);
    assert_string_equal(rk_sensor_drop_name(RK_SENSOR_DROP_L4_SHORT), "l4-short");
    assert_string_equal(rk_sensor_drop_name(99), "unknown");
}

static void test_sensor_decode__ipv4_fragments_and_padding(void **state)
{
    uint8_t buf[128];
    struct rk_sensor_pkt k;

    /* a later fragment (offset 185 units): IP fields only */
    memcpy(buf, eth_syn, sizeof(eth_syn));
    buf[20] = 0x00;
    buf[21] = 0xb9;
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, sizeof(eth_syn), &k), 0);
    assert_int_equal(k.has_l4, 0);
    assert_int_equal(k.dport, 0);
    /* Ethernet padding after a short IP packet is not read as transport data: total length
     * 24 leaves 4 bytes of TCP, which is too short */
    memcpy(buf, eth_syn, sizeof(eth_syn));
    buf[17] = 24;
    assert_int_equal(decode(RK_SENSOR_LINK_ETHERNET, buf, sizeof(eth_syn), &k),
                     RK_SENSOR_DROP_L4_SHORT);
}

int test_sensor_decode_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_decode__ethernet_ipv4_tcp),
            cmocka_unit_test(test_sensor_decode__vlan_and_qinq),
            cmocka_unit_test(test_sensor_decode__raw_ip_link_types),
            cmocka_unit_test(test_sensor_decode__linux_cooked),
            cmocka_unit_test(test_sensor_decode__bsd_loopback_both_orders),
            cmocka_unit_test(test_sensor_decode__ipv6_extension_headers),
            cmocka_unit_test(test_sensor_decode__icmp_error_quotes_inner_header),
            cmocka_unit_test(test_sensor_decode__drop_reasons),
            cmocka_unit_test(test_sensor_decode__ipv4_fragments_and_padding),
    };

    return cmocka_run_group_tests_name("sensor_decode", tests, NULL, NULL);
}
