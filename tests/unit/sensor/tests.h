/* tests.h - the sensor test groups and the packet builders they share. */
#ifndef RK_TEST_SENSOR_TESTS_H
#define RK_TEST_SENSOR_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "renkei/sensor.h"

int test_sensor_decode_run(void);
int test_sensor_classify_run(void);
int test_sensor_reader_run(void);
int test_sensor_lists_run(void);
int test_sensor_agg_run(void);
int test_sensor_approx_run(void);
int test_sensor_dos_run(void);
int test_sensor_detect_run(void);
int test_sensor_stix_run(void);
int test_sensor_output_run(void);
int test_sensor_live_run(void);
int test_sensor_persist_run(void);
int test_sensor_store_run(void);

/* ---- builders (helpers.c): headers with correct lengths, zero checksums ---------------- */

#define TB_SYN 0x02
#define TB_RST 0x04
#define TB_ACK 0x10

/* TCP header (20 bytes) into out; returns its length. */
size_t tb_tcp(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags);
/* UDP header + payload. */
size_t tb_udp(uint8_t *out, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t len);
/* ICMP / ICMPv6 header (type, code, 4 bytes rest) + payload. */
size_t tb_icmp(uint8_t *out, uint8_t type, uint8_t code, const uint8_t *pl, size_t len);
/* IPv4 header (20 bytes) + l4. src/dst in text. */
size_t tb_ipv4(uint8_t *out, const char *src, const char *dst, uint8_t proto, uint8_t ttl,
               uint16_t id, const uint8_t *l4, size_t l4len);
/* IPv6 header (40 bytes) + l4 (next header nh). */
size_t tb_ipv6(uint8_t *out, const char *src, const char *dst, uint8_t nh, uint8_t hlim,
               const uint8_t *l4, size_t l4len);
/* Ethernet header with ethertype + payload. */
size_t tb_eth(uint8_t *out, uint16_t type, const uint8_t *pl, size_t len);

/* A frame over p[0..len). */
struct rk_sensor_frame tb_frame(int64_t ts_ns, uint32_t linktype, const uint8_t *p, size_t len);
/* An Ethernet/IPv4/TCP frame in buf (at least 128 bytes). */
struct rk_sensor_frame tb_syn(uint8_t *buf, int64_t ts_ns, const char *src, const char *dst,
                              uint16_t dport, uint32_t seq, uint16_t ip_id, uint8_t flags);
/* An Ethernet/IPv4/UDP frame in buf. */
struct rk_sensor_frame tb_udp_frame(uint8_t *buf, int64_t ts_ns, const char *src, const char *dst,
                                    uint16_t dport);

/* Classic pcap writer into a growable memory buffer (free with free()). */
struct tb_pcap {
    uint8_t *data;
    size_t len, cap;
    int swapped, nano;
};
void tb_pcap_init(struct tb_pcap *w, uint32_t linktype, uint32_t snaplen, int swapped, int nano);
void tb_pcap_add(struct tb_pcap *w, int64_t ts_ns, const uint8_t *p, size_t len, size_t orig);
/* Raw bytes (to build corrupt files). */
void tb_pcap_raw(struct tb_pcap *w, const void *p, size_t len);

/* 2024-05-01T00:00:00Z in nanoseconds: the base time of the tests. */
#define TB_T0 (1714521600LL * 1000000000LL)
#define TB_S  1000000000LL

/* A temporary file with the given contents; returns its path (static buffer per slot). */
const char *tb_tmpfile(int slot, const void *data, size_t len);

#endif
