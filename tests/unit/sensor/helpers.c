/* helpers.c - packet and pcap builders for the sensor tests. */
#include "tests.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

size_t tb_tcp(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags)
{
    memset(out, 0, 20);
    put16(out, sport);
    put16(out + 2, dport);
    put32(out + 4, seq);
    out[12] = 0x50;
    out[13] = flags;
    put16(out + 14, 1024);
    return 20;
}

size_t tb_udp(uint8_t *out, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t len)
{
    put16(out, sport);
    put16(out + 2, dport);
    put16(out + 4, (uint16_t)(8 + len));
    put16(out + 6, 0);
    if (len)
        memcpy(out + 8, pl, len);
    return 8 + len;
}

size_t tb_icmp(uint8_t *out, uint8_t type, uint8_t code, const uint8_t *pl, size_t len)
{
    memset(out, 0, 8);
    out[0] = type;
    out[1] = code;
    if (len)
        memcpy(out + 8, pl, len);
    return 8 + len;
}

size_t tb_ipv4(uint8_t *out, const char *src, const char *dst, uint8_t proto, uint8_t ttl,
               uint16_t id, const uint8_t *l4, size_t l4len)
{
    struct in_addr a;

    memset(out, 0, 20);
    out[0] = 0x45;
    put16(out + 2, (uint16_t)(20 + l4len));
    put16(out + 4, id);
    out[8] = ttl;
    out[9] = proto;
    inet_pton(AF_INET, src, &a);
    memcpy(out + 12, &a, 4);
    inet_pton(AF_INET, dst, &a);
    memcpy(out + 16, &a, 4);
    memmove(out + 20, l4, l4len);
    return 20 + l4len;
}

size_t tb_ipv6(uint8_t *out, const char *src, const char *dst, uint8_t nh, uint8_t hlim,
               const uint8_t *l4, size_t l4len)
{
    memset(out, 0, 40);
    out[0] = 0x60;
    put16(out + 4, (uint16_t)l4len);
    out[6] = nh;
    out[7] = hlim;
    inet_pton(AF_INET6, src, out + 8);
    inet_pton(AF_INET6, dst, out + 24);
    memmove(out + 40, l4, l4len);
    return 40 + l4len;
}

size_t tb_eth(uint8_t *out, uint16_t type, const uint8_t *pl, size_t len)
{
    static const uint8_t macs[12] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02,
                                     0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};

    memmove(out + 14, pl, len);
    memcpy(out, macs, 12);
    put16(out + 12, type);
    return 14 + len;
}

struct rk_sensor_frame tb_frame(int64_t ts_ns, uint32_t linktype, const uint8_t *p, size_t len)
{
    struct rk_sensor_frame f = {ts_ns, linktype, (uint32_t)len, (uint32_t)len, p};

    return f;
}

struct rk_sensor_frame tb_syn(uint8_t *buf, int64_t ts_ns, const char *src, const char *dst,
                              uint16_t dport, uint32_t seq, uint16_t ip_id, uint8_t flags)
{
    uint8_t l4[20], ip[64];
    size_t n = tb_tcp(l4, 40000, dport, seq, flags);

    n = tb_ipv4(ip, src, dst, 6, 52, ip_id, l4, n);
    n = tb_eth(buf, 0x0800, ip, n);
    return tb_frame(ts_ns, RK_SENSOR_LINK_ETHERNET, buf, n);
}

struct rk_sensor_frame tb_udp_frame(uint8_t *buf, int64_t ts_ns, const char *src, const char *dst,
                                    uint16_t dport)
{
    uint8_t l4[16], ip[64];
    size_t n = tb_udp(l4, 53000, dport, NULL, 0);

    n = tb_ipv4(ip, src, dst, 17, 50, 7, l4, n);
    n = tb_eth(buf, 0x0800, ip, n);
    return tb_frame(ts_ns, RK_SENSOR_LINK_ETHERNET, buf, n);
}

void tb_pcap_raw(struct tb_pcap *w, const void *p, size_t len)
{
    if (w->len + len > w->cap) {
        w->cap = (w->len + len) * 2 + 256;
        w->data = realloc(w->data, w->cap);
    }
    memcpy(w->data + w->len, p, len);
    w->len += len;
}

static void w32(struct tb_pcap *w, uint32_t v)
{
    if (w->swapped)
        v = __builtin_bswap32(v);
    tb_pcap_raw(w, &v, 4);
}

static void w16(struct tb_pcap *w, uint16_t v)
{
    if (w->swapped)
        v = __builtin_bswap16(v);
    tb_pcap_raw(w, &v, 2);
}

void tb_pcap_init(struct tb_pcap *w, uint32_t linktype, uint32_t snaplen, int swapped, int nano)
{
    memset(w, 0, sizeof(*w));
    w->swapped = swapped;
    w->nano = nano;
    w32(w, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    w16(w, 2);
    w16(w, 4);
    w32(w, 0);
    w32(w, 0);
    w32(w, snaplen);
    w32(w, linktype);
}

void tb_pcap_add(struct tb_pcap *w, int64_t ts_ns, const uint8_t *p, size_t len, size_t orig)
{
    w32(w, (uint32_t)(ts_ns / TB_S));
    w32(w, (uint32_t)(ts_ns % TB_S / (w->nano ? 1 : 1000)));
    w32(w, (uint32_t)len);
    w32(w, (uint32_t)orig);
    tb_pcap_raw(w, p, len);
}

const char *tb_tmpfile(int slot, const void *data, size_t len)
{
    static char paths[8][64];
    FILE *f;

    snprintf(paths[slot], sizeof(paths[slot]), "/tmp/rk_sensor_test_%d_%d", (int)getpid(), slot);
    f = fopen(paths[slot], "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    return paths[slot];
}
