/* pcap.c - values out of packet captures: addresses, DNS names, HTTP Host and URL, TLS SNI.
 *
 * libpcap reads the container (pcap or pcapng, from memory through fmemopen). Each packet is
 * decoded here with every length checked before use: Ethernet (with up to four VLAN tags),
 * Linux cooked v1/v2, BSD loopback and raw IP; IPv4 (first fragments only) and IPv6 (through
 * its extension headers); UDP and TCP. Application data is read from single packets, with no
 * stream reassembly: DNS questions and A/AAAA answers (UDP or TCP port 53 or 5353), an HTTP
 * request line and Host header at the start of a TCP payload, and the server_name of a TLS
 * ClientHello in one segment.
 */
#include "renkei/match.h"
#include "match/internal.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/alloc.h"

#define MAX_VLAN   4
#define MAX_EXT    8
#define MAX_LABELS 128

struct pk {
    rk_match_obs_fn fn;
    void *ctx;
    struct rk_match_value *v;
    struct rk_match_extract_stats *st;
    uint64_t record;
    int64_t ts_us;
    struct rk_match_flow flow;
    int has_flow;
};

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static int emit(struct pk *k, int kind, const char *s, size_t len, const char *field)
{
    struct rk_match_obs obs;

    if (len == 0 || rk_match_value_parse(k->v, kind, s, len, NULL) != 0)
        return 0;
    obs.value = k->v;
    obs.field = field;
    obs.ts_us = k->ts_us;
    obs.record = k->record;
    obs.offset = -1;
    obs.role = RK_MATCH_ROLE_NONE;
    obs.flow = k->has_flow ? &k->flow : NULL;
    k->st->values++;
    return k->fn(&obs, k->ctx);
}

static int emit_addr(struct pk *k, const uint8_t *a, int v6, const char *field)
{
    struct rk_match_obs obs = {k->v, field, k->ts_us, k->record, -1,
                               strcmp(field, "ip.src") == 0   ? RK_MATCH_ROLE_SRC
                               : strcmp(field, "ip.dst") == 0 ? RK_MATCH_ROLE_DST
                                                              : RK_MATCH_ROLE_NONE,
                               k->has_flow ? &k->flow : NULL};

    if (v6)
        rk_match__ipv6_value(k->v, a, 128);
    else
        rk_match__ipv4_value(k->v, rk_match__get_be32(a), 32);
    k->st->values++;
    return k->fn(&obs, k->ctx);
}

/* ---- DNS ------------------------------------------------------------------------------------- */

/* Read a (possibly compressed) name at *pos into out as dotted text. *pos moves past the name
 * as written in place. 1 read, 0 malformed. */
static int dns_name(const uint8_t *m, size_t len, size_t *pos, char *out, size_t cap,
                    size_t *out_len)
{
    size_t p = *pos, n = 0, after = 0;
    int jumped = 0;

    for (int hops = 0; hops < MAX_LABELS; hops++) {
        uint8_t l;

        if (p >= len)
            return 0;
        l = m[p];
        if (l == 0) {
            *pos = jumped ? after : p + 1;
            *out_len = n;
            out[n] = '\0';
            return 1;
        }
        if ((l & 0xc0) == 0xc0) {
            if (p + 1 >= len)
                return 0;
            if (!jumped)
                after = p + 2;
            jumped = 1;
            p = (size_t)(l & 0x3f) << 8 | m[p + 1];
            continue;
        }
        if ((l & 0xc0) != 0 || p + 1 + l > len || n + l + 2 > cap)
            return 0;
        if (n > 0)
            out[n++] = '.';
        memcpy(out + n, m + p + 1, l);
        n += l;
        p += 1 + (size_t)l;
    }
    return 0;
}

static int dns_message(struct pk *k, const uint8_t *m, size_t len)
{
    char name[300];
    size_t pos = 12, nlen;
    unsigned qd, an;
    int rc;

    if (len < 12)
        return 0;
    qd = be16(m + 4);
    an = be16(m + 6);
    for (unsigned i = 0; i < qd && i < 16; i++) {
        if (!dns_name(m, len, &pos, name, sizeof(name), &nlen) || pos + 4 > len)
            return 0;
        pos += 4;
        if ((rc = emit(k, RK_MATCH_DOMAIN, name, nlen, "dns.qname")) != 0)
            return rc;
    }
    for (unsigned i = 0; i < an && i < 64; i++) {
        unsigned type, rdlen;

        if (!dns_name(m, len, &pos, name, sizeof(name), &nlen) || pos + 10 > len)
            return 0;
        type = be16(m + pos);
        rdlen = be16(m + pos + 8);
        pos += 10;
        if (pos + rdlen > len)
            return 0;
        if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16))
            if ((rc = emit_addr(k, m + pos, type == 28, "dns.answer")) != 0)
                return rc;
        pos += rdlen;
    }
    return 0;
}

/* ---- HTTP and TLS ---------------------------------------------------------------------------- */

static int is_http_method(const uint8_t *p, size_t len)
{
    static const char *const m[] = {"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
                                    "CONNECT ", "PATCH ", "TRACE "};

    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (len > strlen(m[i]) && memcmp(p, m[i], strlen(m[i])) == 0)
            return (int)strlen(m[i]);
    return 0;
}

/* The value of the Host header in the request head p[0..len). */
static const uint8_t *http_host(const uint8_t *p, size_t len, size_t *hlen)
{
    for (size_t i = 0; i + 7 < len; i++) {
        if (p[i] == '\n' && (p[i + 1] | 32) == 'h' && (p[i + 2] | 32) == 'o' &&
            (p[i + 3] | 32) == 's' && (p[i + 4] | 32) == 't' && p[i + 5] == ':') {
            size_t s = i + 6, e;

            while (s < len && (p[s] == ' ' || p[s] == '\t'))
                s++;
            for (e = s; e < len && p[e] != '\r' && p[e] != '\n'; e++)
                ;
            *hlen = e - s;
            return p + s;
        }
    }
    return NULL;
}

static int http_request(struct pk *k, const uint8_t *p, size_t len)
{
    int skip = is_http_method(p, len);
    const uint8_t *host, *target = p + skip, *sp;
    char url[RK_MATCH_VALUE_MAX + 1];
    size_t hlen = 0, tlen, h;
    int rc;

    if (!skip)
        return 0;
    sp = memchr(target, ' ', len - (size_t)skip);
    tlen = sp ? (size_t)(sp - target) : 0;
    if (!(host = http_host(p, len, &hlen)) || hlen == 0)
        return 0;
    h = hlen;
    if (memchr(host, ':', hlen) && host[0] != '[')
        h = (size_t)((const uint8_t *)memchr(host, ':', hlen) - host);
    if ((rc = emit(k, RK_MATCH_ANY, (const char *)host, h, "http.host")) != 0)
        return rc;
    if (tlen == 0 || target[0] != '/' || hlen + tlen > RK_MATCH_VALUE_MAX)
        return 0;
    memcpy(url, host, hlen);
    memcpy(url + hlen, target, tlen);
    return emit(k, RK_MATCH_URL, url, hlen + tlen, "http.url");
}

/* The server_name of a TLS ClientHello in one record. */
static int tls_sni(struct pk *k, const uint8_t *p, size_t len)
{
    size_t pos, end, ext_end;

    if (len < 43 || p[0] != 0x16 || p[1] != 3 || p[5] != 1)
        return 0;
    end = 5 + (size_t)be16(p + 3);
    end = end < len ? end : len;
    pos = 5 + 4 + 2 + 32; /* record, handshake header, version, random */
    if (pos + 1 > end)
        return 0;
    pos += 1 + p[pos]; /* session id */
    if (pos + 2 > end)
        return 0;
    pos += 2 + (size_t)be16(p + pos); /* cipher suites */
    if (pos + 1 > end)
        return 0;
    pos += 1 + p[pos]; /* compression methods */
    if (pos + 2 > end)
        return 0;
    ext_end = pos + 2 + (size_t)be16(p + pos);
    ext_end = ext_end < end ? ext_end : end;
    for (pos += 2; pos + 4 <= ext_end;) {
        unsigned type = be16(p + pos), elen = be16(p + pos + 2);

        pos += 4;
        if (pos + elen > ext_end)
            return 0;
        if (type == 0 && elen >= 5 && p[pos + 2] == 0) { /* server_name list, host_name entry */
            size_t nlen = be16(p + pos + 3);

            if (5 + nlen <= elen)
                return emit(k, RK_MATCH_DOMAIN, (const char *)p + pos + 5, nlen, "tls.sni");
        }
        pos += elen;
    }
    return 0;
}

/* ---- transport and network layers ------------------------------------------------------------ */

/* Ports and protocol of the packet, known before its addresses are handed out. */
static void packet_flow(struct pk *k, int proto, const uint8_t *p, size_t len)
{
    memset(&k->flow, 0, sizeof(k->flow));
    k->has_flow = 1;
    snprintf(k->flow.proto, sizeof(k->flow.proto), "%s",
             proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 1 || proto == 58 ? "icmp" : "");
    if ((proto == 6 || proto == 17) && len >= 4) {
        k->flow.src_port = be16(p);
        k->flow.dst_port = be16(p + 2);
    }
}

static int transport(struct pk *k, int proto, const uint8_t *p, size_t len)
{
    unsigned sport, dport;
    size_t hl;

    if (proto == 17 && len >= 8) {
        sport = be16(p);
        dport = be16(p + 2);
        if (sport == 53 || dport == 53 || sport == 5353 || dport == 5353)
            return dns_message(k, p + 8, len - 8);
        return 0;
    }
    if (proto != 6 || len < 20 || (hl = (size_t)(p[12] >> 4) * 4) < 20 || hl > len)
        return 0;
    sport = be16(p);
    dport = be16(p + 2);
    p += hl;
    len -= hl;
    if (len == 0)
        return 0;
    if ((sport == 53 || dport == 53) && len > 2)
        return dns_message(k, p + 2, len - 2 < be16(p) ? len - 2 : be16(p));
    if (p[0] == 0x16)
        return tls_sni(k, p, len);
    return http_request(k, p, len);
}

static int ipv4(struct pk *k, const uint8_t *p, size_t len)
{
    size_t hl, total;
    int rc;

    if (len < 20 || (p[0] >> 4) != 4 || (hl = (size_t)(p[0] & 15) * 4) < 20 || hl > len)
        return 0;
    total = be16(p + 2);
    if (total < hl || total > len)
        total = len; /* trust the capture length when the header lies (TSO) */
    if ((be16(p + 6) & 0x1fff) == 0)
        packet_flow(k, p[9], p + hl, total - hl);
    if ((rc = emit_addr(k, p + 12, 0, "ip.src")) != 0 ||
        (rc = emit_addr(k, p + 16, 0, "ip.dst")) != 0)
        return rc;
    if ((be16(p + 6) & 0x1fff) != 0)
        return 0; /* not the first fragment: no transport header */
    return transport(k, p[9], p + hl, total - hl);
}

static int ipv6(struct pk *k, const uint8_t *p, size_t len)
{
    size_t pos = 40, end;
    int next, rc;

    if (len < 40 || (p[0] >> 4) != 6)
        return 0;
    end = 40 + (size_t)be16(p + 4);
    end = end <= len && end > 40 ? end : len;
    next = p[6];
    for (int i = 0; i < MAX_EXT; i++) {
        size_t hl;

        if (next != 0 && next != 43 && next != 60 && next != 44 && next != 51)
            break;
        if (pos + 8 > end)
            return 0;
        if (next == 44) {
            if ((be16(p + pos + 2) & 0xfff8) != 0)
                return 0; /* a later fragment */
            hl = 8;
        } else {
            hl = next == 51 ? ((size_t)p[pos + 1] + 2) * 4 : ((size_t)p[pos + 1] + 1) * 8;
        }
        next = p[pos];
        pos += hl;
    }
    if (pos <= end)
        packet_flow(k, next, p + pos, end - pos);
    if ((rc = emit_addr(k, p + 8, 1, "ip.src")) != 0 ||
        (rc = emit_addr(k, p + 24, 1, "ip.dst")) != 0)
        return rc;
    return pos <= end ? transport(k, next, p + pos, end - pos) : 0;
}

static int network(struct pk *k, unsigned ethertype, const uint8_t *p, size_t len)
{
    if (ethertype == 0x0800)
        return ipv4(k, p, len);
    if (ethertype == 0x86dd)
        return ipv6(k, p, len);
    k->st->skipped++;
    return 0;
}

static int link_layer(struct pk *k, int dlt, const uint8_t *p, size_t len)
{
    unsigned et;
    size_t pos;

    switch (dlt) {
    case DLT_EN10MB:
        if (len < 14)
            break;
        et = be16(p + 12);
        pos = 14;
        for (int i = 0; i < MAX_VLAN && (et == 0x8100 || et == 0x88a8) && pos + 4 <= len; i++) {
            et = be16(p + pos + 2);
            pos += 4;
        }
        return network(k, et, p + pos, len - pos);
    case DLT_LINUX_SLL:
        return len >= 16 ? network(k, be16(p + 14), p + 16, len - 16) : 0;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        return len >= 20 ? network(k, be16(p), p + 20, len - 20) : 0;
#endif
    case DLT_NULL:
    case DLT_LOOP:
        if (len < 4)
            break;
        /* the address family, in either byte order: 2 is IPv4, 10/24/28/30 IPv6 */
        return network(k, (p[0] == 2 || p[3] == 2) ? 0x0800 : 0x86dd, p + 4, len - 4);
    case DLT_RAW:
    case 101: /* LINKTYPE_RAW */
#ifdef DLT_IPV4
    case DLT_IPV4:
    case DLT_IPV6:
#endif
        if (len < 1)
            break;
        return network(k, (p[0] >> 4) == 6 ? 0x86dd : 0x0800, p, len);
    default: break;
    }
    k->st->skipped++;
    return 0;
}

int rk_match__extract_pcap(const char *p, size_t len, const struct rk_match_extract_options *opt,
                           rk_match_obs_fn fn, void *ctx, struct rk_match_extract_stats *st,
                           struct rk_err *err)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    struct pk k = {.fn = fn, .ctx = ctx, .st = st};
    struct pcap_pkthdr *hdr;
    const u_char *data;
    FILE *f;
    pcap_t *pc;
    int rc = 0, r, dlt;

    (void)opt;
    if (len == 0)
        return rk_err_set(err, RK_EFORMAT, "empty capture file");
    if (!(f = fmemopen((void *)p, len, "r")))
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (!(pc = pcap_fopen_offline(f, errbuf))) {
        fclose(f);
        return rk_err_set(err, RK_EFORMAT, "not a pcap or pcapng capture: %s", errbuf);
    }
    dlt = pcap_datalink(pc);
    if (!(k.v = rk_malloc(sizeof(*k.v)))) {
        pcap_close(pc);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    while (rc == 0 && (r = pcap_next_ex(pc, &hdr, &data)) == 1) {
        k.record++;
        st->records++;
        k.ts_us = (int64_t)hdr->ts.tv_sec * 1000000 + hdr->ts.tv_usec;
        k.has_flow = 0;
        rc = link_layer(&k, dlt, data, hdr->caplen);
    }
    if (rc == 0 && r == PCAP_ERROR) {
        rc = rk_err_set(err, RK_EFORMAT, "capture damaged after packet %llu: %s",
                        (unsigned long long)k.record, pcap_geterr(pc));
    }
    rk_free(k.v);
    pcap_close(pc); /* closes f too */
    return rc;
}
