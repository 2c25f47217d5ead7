/* pcapgen.h - build small pcap and pcapng captures in memory, packet by packet, for tests and
 * for the match_mkpcap tool. Every builder writes network byte order by hand. */
#ifndef RK_TEST_MATCH_PCAPGEN_H
#define RK_TEST_MATCH_PCAPGEN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pcapgen {
    uint8_t buf[1 << 16];
    size_t len;
    int ng; /* 1: pcapng blocks */
};

static void pg_put(struct pcapgen *g, const void *p, size_t n)
{
    if (g->len + n <= sizeof(g->buf)) {
        memcpy(g->buf + g->len, p, n);
        g->len += n;
    }
}

static void pg_u32le(struct pcapgen *g, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    pg_put(g, b, 4);
}

static void pg_u16le(struct pcapgen *g, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    pg_put(g, b, 2);
}

/* Classic pcap (microseconds) or pcapng (SHB + one IDB) with the given link type. */
static void pg_begin(struct pcapgen *g, uint32_t linktype, int ng)
{
    g->len = 0;
    g->ng = ng;
    if (!ng) {
        pg_u32le(g, 0xa1b2c3d4);
        pg_u16le(g, 2);
        pg_u16le(g, 4);
        pg_u32le(g, 0);
        pg_u32le(g, 0);
        pg_u32le(g, 65535);
        pg_u32le(g, linktype);
        return;
    }
    pg_u32le(g, 0x0a0d0d0a); /* section header block */
    pg_u32le(g, 28);
    pg_u32le(g, 0x1a2b3c4d);
    pg_u16le(g, 1);
    pg_u16le(g, 0);
    pg_u32le(g, 0xffffffff);
    pg_u32le(g, 0xffffffff);
    pg_u32le(g, 28);
    pg_u32le(g, 1); /* interface description block */
    pg_u32le(g, 20);
    pg_u16le(g, (uint16_t)linktype);
    pg_u16le(g, 0);
    pg_u32le(g, 65535);
    pg_u32le(g, 20);
}

static void pg_packet(struct pcapgen *g, uint32_t sec, uint32_t usec, const uint8_t *p, size_t n)
{
    if (!g->ng) {
        pg_u32le(g, sec);
        pg_u32le(g, usec);
        pg_u32le(g, (uint32_t)n);
        pg_u32le(g, (uint32_t)n);
        pg_put(g, p, n);
        return;
    }
    {
        uint64_t ts = (uint64_t)sec * 1000000 + usec;
        size_t pad = (4 - n % 4) % 4;
        uint32_t total = (uint32_t)(32 + n + pad);
        static const uint8_t zero[4];

        pg_u32le(g, 6); /* enhanced packet block */
        pg_u32le(g, total);
        pg_u32le(g, 0);
        pg_u32le(g, (uint32_t)(ts >> 32));
        pg_u32le(g, (uint32_t)ts);
        pg_u32le(g, (uint32_t)n);
        pg_u32le(g, (uint32_t)n);
        pg_put(g, p, n);
        pg_put(g, zero, pad);
        pg_u32le(g, total);
    }
}

static size_t pg_be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

/* Ethernet (optionally one VLAN tag) + IPv4 + UDP or TCP + payload into out. */
static size_t pg_ipv4(uint8_t *out, int vlan, const uint8_t src[4], const uint8_t dst[4],
                      int proto, unsigned sport, unsigned dport, const uint8_t *pl, size_t n)
{
    size_t pos = 12, l4 = proto == 6 ? 20 : 8, ip;

    memset(out, 0, 14 + 4 + 20 + l4 + n);
    memcpy(out, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
    if (vlan) {
        pos += pg_be16(out + pos, 0x8100);
        pos += pg_be16(out + pos, 42);
    }
    pos += pg_be16(out + pos, 0x0800);
    ip = pos;
    out[ip] = 0x45;
    pg_be16(out + ip + 2, (unsigned)(20 + l4 + n));
    out[ip + 8] = 64;
    out[ip + 9] = (uint8_t)proto;
    memcpy(out + ip + 12, src, 4);
    memcpy(out + ip + 16, dst, 4);
    pos = ip + 20;
    pg_be16(out + pos, sport);
    pg_be16(out + pos + 2, dport);
    if (proto == 6)
        out[pos + 12] = 0x50; /* data offset 5 words */
    else
        pg_be16(out + pos + 4, (unsigned)(8 + n));
    memcpy(out + pos + l4, pl, n);
    return pos + l4 + n;
}

/* Ethernet + IPv6 (with one hop-by-hop header) + UDP + payload. */
static size_t pg_ipv6_udp(uint8_t *out, const uint8_t src[16], const uint8_t dst[16],
                          unsigned sport, unsigned dport, const uint8_t *pl, size_t n)
{
    size_t pos = 14;

    memset(out, 0, 14 + 40 + 8 + 8 + n);
    memcpy(out, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x86\xdd", 14);
    out[pos] = 0x60;
    pg_be16(out + pos + 4, (unsigned)(8 + 8 + n));
    out[pos + 6] = 0; /* hop-by-hop options first */
    out[pos + 7] = 64;
    memcpy(out + pos + 8, src, 16);
    memcpy(out + pos + 24, dst, 16);
    pos += 40;
    out[pos] = 17; /* then UDP; length 0 means 8 bytes */
    pos += 8;
    pg_be16(out + pos, sport);
    pg_be16(out + pos + 2, dport);
    pg_be16(out + pos + 4, (unsigned)(8 + n));
    memcpy(out + pos + 8, pl, n);
    return pos + 8 + n;
}

/* A DNS message with one question for name (qtype A); with answer, one A record 4 bytes. */
static size_t pg_dns(uint8_t *out, const char *name, const uint8_t *answer)
{
    size_t pos = 12;
    const char *s = name;

    memset(out, 0, 12);
    pg_be16(out, 0x1234);
    out[2] = answer ? 0x81 : 0x01;
    pg_be16(out + 4, 1);
    pg_be16(out + 6, answer ? 1 : 0);
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t l = dot ? (size_t)(dot - s) : strlen(s);

        out[pos++] = (uint8_t)l;
        memcpy(out + pos, s, l);
        pos += l;
        s += l + (dot != NULL);
    }
    out[pos++] = 0;
    pos += pg_be16(out + pos, 1);
    pos += pg_be16(out + pos, 1);
    if (answer) {
        pos += pg_be16(out + pos, 0xc00c); /* pointer to the question's name */
        pos += pg_be16(out + pos, 1);
        pos += pg_be16(out + pos, 1);
        memset(out + pos, 0, 4);
        pos += 4;
        pos += pg_be16(out + pos, 4);
        memcpy(out + pos, answer, 4);
        pos += 4;
    }
    return pos;
}

/* A TLS 1.2 ClientHello record with one cipher suite and the server_name extension. */
static size_t pg_client_hello(uint8_t *out, const char *sni)
{
    size_t n = strlen(sni), pos = 0, ext = 2 + 2 + 2 + 1 + 2 + n;
    size_t body = 2 + 32 + 1 + 4 + 2 + 2 + ext;

    out[pos++] = 0x16;
    out[pos++] = 3;
    out[pos++] = 1;
    pos += pg_be16(out + pos, (unsigned)(4 + body));
    out[pos++] = 1; /* ClientHello */
    out[pos++] = 0;
    pos += pg_be16(out + pos, (unsigned)body);
    out[pos++] = 3;
    out[pos++] = 3;
    memset(out + pos, 0x5a, 32);
    pos += 32;
    out[pos++] = 0;                    /* session id */
    pos += pg_be16(out + pos, 2);      /* cipher suites */
    pos += pg_be16(out + pos, 0xc02f);
    out[pos++] = 1;                    /* compression methods */
    out[pos++] = 0;
    pos += pg_be16(out + pos, (unsigned)ext);
    pos += pg_be16(out + pos, 0);      /* server_name */
    pos += pg_be16(out + pos, (unsigned)(ext - 4));
    pos += pg_be16(out + pos, (unsigned)(ext - 6));
    out[pos++] = 0;                    /* host_name */
    pos += pg_be16(out + pos, (unsigned)n);
    memcpy(out + pos, sni, n);
    return pos + n;
}

/* The capture every match test uses. Per packet (t = 1700000000 + i seconds):
 *   1 UDP 10.0.0.5:33000 -> 192.0.2.53:53       DNS query "Evil.Example.COM"
 *   2 UDP 192.0.2.53:53 -> 10.0.0.5:33000 VLAN  DNS answer evil.example.com A 198.51.100.23
 *   3 TCP 10.0.0.5:40000 -> 198.51.100.23:80    "GET /payload.bin HTTP/1.1\r\nHost: evil.example.com:8080\r\n\r\n"
 *   4 TCP 10.0.0.5:40001 -> 203.0.113.9:443     TLS ClientHello, SNI "c2.bad.example"
 *   5 UDP [2001:db8::5]:5353 -> [2001:db8::53]:53  DNS query "v6.bad.example" (IPv6, hop-by-hop)
 *   6 ARP (skipped)                                                                          */
static void pg_sample(struct pcapgen *g, int ng)
{
    static const uint8_t a[4] = {10, 0, 0, 5}, dns[4] = {192, 0, 2, 53},
                         web[4] = {198, 51, 100, 23}, tls[4] = {203, 0, 113, 9};
    static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 5},
                         d6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x53};
    static const char http[] = "GET /payload.bin HTTP/1.1\r\nHost: evil.example.com:8080\r\n"
                               "User-Agent: x\r\n\r\n";
    uint8_t pl[512], pkt[1024];
    size_t n;

    pg_begin(g, 1, ng);
    n = pg_dns(pl, "Evil.Example.COM", NULL);
    pg_packet(g, 1700000001, 0, pkt, pg_ipv4(pkt, 0, a, dns, 17, 33000, 53, pl, n));
    n = pg_dns(pl, "evil.example.com", web);
    pg_packet(g, 1700000002, 0, pkt, pg_ipv4(pkt, 1, dns, a, 17, 53, 33000, pl, n));
    pg_packet(g, 1700000003, 0, pkt,
              pg_ipv4(pkt, 0, a, web, 6, 40000, 80, (const uint8_t *)http, sizeof(http) - 1));
    n = pg_client_hello(pl, "c2.bad.example");
    pg_packet(g, 1700000004, 0, pkt, pg_ipv4(pkt, 0, a, tls, 6, 40001, 443, pl, n));
    n = pg_dns(pl, "v6.bad.example", NULL);
    pg_packet(g, 1700000005, 0, pkt, pg_ipv6_udp(pkt, s6, d6, 5353, 53, pl, n));
    memset(pkt, 0, 60);
    memcpy(pkt + 12, "\x08\x06", 2); /* ARP */
    pg_packet(g, 1700000006, 0, pkt, 60);
}

#endif
