/* decode.c - link layer (Ethernet with VLAN tags, raw IP, Linux SLL / SLL2, BSD loopback),
 * IPv4, IPv6 with extension headers, and the TCP / UDP / ICMP / ICMPv6 fields the classifier
 * needs. Every read is checked against the captured length first. */
#include "sensor/sensor_int.h"

#include <string.h>

#define ETH_IPV4     0x0800
#define ETH_IPV6     0x86dd
#define ETH_VLAN     0x8100
#define ETH_QINQ     0x88a8
#define ETH_QINQ_OLD 0x9100

enum { L3_V4 = 4, L3_V6 = 6, L3_ANY = 1 };

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

const char *rk_sensor_drop_name(int reason)
{
    static const char *const names[RK_SENSOR_DROP_COUNT] = {
            "ok",         "linktype",   "link-short", "vlan-depth", "not-ip",
            "ip-short",   "ip-version", "ip-header",  "ip6-ext",    "l4-short",
            "tcp-header", "bad-time",   "late"};

    if (reason < 0 || reason >= RK_SENSOR_DROP_COUNT)
        return "unknown";
    return names[reason];
}

/* Follow an ethertype through VLAN tags at p[off..]: *l3 is L3_V4, L3_V6 or 0 (not IP). */
static int ethertype_walk(const uint8_t *p, uint32_t len, uint32_t *off, uint16_t type,
                          unsigned vlan_max, int *l3)
{
    unsigned tags = 0;

    while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
        if (++tags > vlan_max)
            return RK_SENSOR_DROP_VLAN_DEPTH;
        if (*off + 4 > len)
            return RK_SENSOR_DROP_LINK_SHORT;
        type = be16(p + *off + 2);
        *off += 4;
    }
    *l3 = type == ETH_IPV4 ? L3_V4 : type == ETH_IPV6 ? L3_V6 : 0;
    return *l3 ? RK_SENSOR_OK : RK_SENSOR_DROP_NOT_IP;
}

/* BSD address families for IPv6 differ by system: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28,
 * macOS 30. IPv4 is 2 everywhere. */
static int null_family(uint32_t fam)
{
    if (fam == 2)
        return L3_V4;
    if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
        return L3_V6;
    return 0;
}

/* Find the start of the IP header for the frame's link type. */
static int decode_link(const struct rk_sensor_frame *f, unsigned vlan_max, uint32_t *off, int *l3)
{
    const uint8_t *p = f->data;
    uint32_t len = f->caplen;

    *off = 0;
    *l3 = L3_ANY;
    switch (f->linktype) {
    case RK_SENSOR_LINK_ETHERNET:
        if (len < 14)
            return RK_SENSOR_DROP_LINK_SHORT;
        *off = 14;
        return ethertype_walk(p, len, off, be16(p + 12), vlan_max, l3);
    case RK_SENSOR_LINK_RAW:
    case RK_SENSOR_LINK_DLT_RAW_12:
    case RK_SENSOR_LINK_DLT_RAW_14:
        return RK_SENSOR_OK;
    case RK_SENSOR_LINK_IPV4:
        *l3 = L3_V4;
        return RK_SENSOR_OK;
    case RK_SENSOR_LINK_IPV6:
        *l3 = L3_V6;
        return RK_SENSOR_OK;
    case RK_SENSOR_LINK_NULL:
    case RK_SENSOR_LINK_LOOP:
        if (len < 4)
            return RK_SENSOR_DROP_LINK_SHORT;
        *off = 4;
        /* DLT_NULL is in the writer's byte order, which we do not know: try both */
        *l3 = null_family(be32(p));
        if (!*l3 && f->linktype == RK_SENSOR_LINK_NULL)
            *l3 = null_family(le32(p));
        return *l3 ? RK_SENSOR_OK : RK_SENSOR_DROP_NOT_IP;
    case RK_SENSOR_LINK_LINUX_SLL:
        if (len < 16)
            return RK_SENSOR_DROP_LINK_SHORT;
        *off = 16;
        return ethertype_walk(p, len, off, be16(p + 14), vlan_max, l3);
    case RK_SENSOR_LINK_LINUX_SLL2:
        if (len < 20)
            return RK_SENSOR_DROP_LINK_SHORT;
        *off = 20;
        return ethertype_walk(p, len, off, be16(p), vlan_max, l3);
    default:
        return RK_SENSOR_DROP_LINKTYPE;
    }
}

static void set_v4(struct rk_sensor_addr *a, const uint8_t *p)
{
    rk_sensor_addr_from_v4(a, be32(p));
}

/* Ports (or ICMP type / code) of a quoted header inside an ICMP error. */
static void inner_ports(struct rk_sensor_pkt *k, const uint8_t *l4, uint32_t avail)
{
    if ((k->inner_proto == 6 || k->inner_proto == 17) && avail >= 4) {
        k->inner_sport = be16(l4);
        k->inner_dport = be16(l4 + 2);
    } else if ((k->inner_proto == 1 || k->inner_proto == 58) && avail >= 2) {
        k->inner_sport = l4[1];
        k->inner_dport = l4[0];
    }
}

/* The IP header quoted by an ICMP or ICMPv6 error. */
static void decode_inner(struct rk_sensor_pkt *k, const uint8_t *p, uint32_t avail)
{
    uint32_t hl;

    if (avail >= 20 && (p[0] >> 4) == 4 && k->ipv == 4) {
        hl = (uint32_t)(p[0] & 0x0f) * 4;
        if (hl < 20 || hl > avail)
            return;
        set_v4(&k->inner_src, p + 12);
        set_v4(&k->inner_dst, p + 16);
        k->inner_proto = p[9];
        k->has_inner = 1;
        if ((be16(p + 6) & 0x1fff) == 0)
            inner_ports(k, p + hl, avail - hl);
    } else if (avail >= 40 && (p[0] >> 4) == 6 && k->ipv == 6) {
        memcpy(k->inner_src.a, p + 8, 16);
        memcpy(k->inner_dst.a, p + 24, 16);
        k->inner_proto = p[6];
        k->has_inner = 1;
        inner_ports(k, p + 40, avail - 40);
    }
}

static int icmp_is_error(const struct rk_sensor_pkt *k)
{
    if (k->proto == 1)
        return k->icmp_type == 3 || k->icmp_type == 4 || k->icmp_type == 5 || k->icmp_type == 11 ||
               k->icmp_type == 12;
    return k->icmp_type >= 1 && k->icmp_type <= 4;
}

static int decode_l4(struct rk_sensor_pkt *k, const uint8_t *p, uint32_t avail)
{
    switch (k->proto) {
    case 6:
        if (avail < 14)
            return RK_SENSOR_DROP_L4_SHORT;
        if ((p[12] >> 4) < 5)
            return RK_SENSOR_DROP_TCP_HEADER;
        k->sport = be16(p);
        k->dport = be16(p + 2);
        k->seq = be32(p + 4);
        k->tcp_flags = p[13];
        break;
    case 17:
        if (avail < 8)
            return RK_SENSOR_DROP_L4_SHORT;
        k->sport = be16(p);
        k->dport = be16(p + 2);
        break;
    case 1:
    case 58:
        if (avail < 4)
            return RK_SENSOR_DROP_L4_SHORT;
        k->icmp_type = p[0];
        k->icmp_code = p[1];
        k->dport = p[0];
        k->sport = p[1];
        if (icmp_is_error(k) && avail > 8)
            decode_inner(k, p + 8, avail - 8);
        break;
    default:
        break;
    }
    k->has_l4 = 1;
    return RK_SENSOR_OK;
}

static int decode_ipv4(struct rk_sensor_pkt *k, const uint8_t *p, uint32_t avail)
{
    uint32_t hl, tot;

    if (avail < 20)
        return RK_SENSOR_DROP_IP_SHORT;
    if ((p[0] >> 4) != 4)
        return RK_SENSOR_DROP_IP_VERSION;
    hl = (uint32_t)(p[0] & 0x0f) * 4;
    tot = be16(p + 2);
    if (hl < 20 || tot < hl)
        return RK_SENSOR_DROP_IP_HEADER;
    if (hl > avail)
        return RK_SENSOR_DROP_IP_SHORT;
    k->ipv = 4;
    k->ip_len = tot;
    k->ip_id = be16(p + 4);
    k->frag = be16(p + 6);
    k->ttl = p[8];
    k->proto = p[9];
    set_v4(&k->src, p + 12);
    set_v4(&k->dst, p + 16);
    if ((k->frag & 0x1fff) != 0)
        return RK_SENSOR_OK; /* a later fragment: no transport header */
    if (tot < avail)
        avail = tot; /* ignore link-layer padding */
    return decode_l4(k, p + hl, avail - hl);
}

/* Walk the IPv6 extension headers from next header nh at p[*off]. */
static int ipv6_ext_walk(struct rk_sensor_pkt *k, const uint8_t *p, uint32_t avail, uint32_t *off,
                         unsigned ext_max)
{
    unsigned n = 0;
    uint8_t nh = k->proto;

    for (;;) {
        uint32_t hlen;

        if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51 && nh != 135 && nh != 139 &&
            nh != 140)
            break;
        if (++n > ext_max || *off + 8 > avail)
            return RK_SENSOR_DROP_IP6_EXT;
        if (nh == 44) {
            uint16_t fo = be16(p + *off + 2);

            hlen = 8;
            k->frag = (uint16_t)((fo & 0xfff8) | (fo & 1));
        } else if (nh == 51) {
            hlen = ((uint32_t)p[*off + 1] + 2) * 4;
        } else {
            hlen = ((uint32_t)p[*off + 1] + 1) * 8;
        }
        if (*off + hlen > avail)
            return RK_SENSOR_DROP_IP6_EXT;
        nh = p[*off];
        *off += hlen;
    }
    k->proto = nh;
    return RK_SENSOR_OK;
}

static int decode_ipv6(struct rk_sensor_pkt *k, const uint8_t *p, uint32_t avail, unsigned ext_max)
{
    uint32_t off = 40, plen;
    int drop;

    if (avail < 40)
        return RK_SENSOR_DROP_IP_SHORT;
    if ((p[0] >> 4) != 6)
        return RK_SENSOR_DROP_IP_VERSION;
    plen = be16(p + 4);
    k->ipv = 6;
    k->ip_len = plen + 40;
    k->proto = p[6];
    k->ttl = p[7];
    memcpy(k->src.a, p + 8, 16);
    memcpy(k->dst.a, p + 24, 16);
    if (plen != 0 && plen + 40 < avail)
        avail = plen + 40; /* ignore padding; 0 is a jumbogram: take what was captured */
    if ((drop = ipv6_ext_walk(k, p, avail, &off, ext_max)) != RK_SENSOR_OK)
        return drop;
    if ((k->frag & 0xfff8) != 0 || k->proto == 59 || k->proto == 50)
        return RK_SENSOR_OK; /* later fragment, no next header, or encrypted */
    return decode_l4(k, p + off, avail - off);
}

int rk_sensor_decode(const struct rk_sensor_frame *f, unsigned vlan_max, unsigned ext_max,
                     struct rk_sensor_pkt *pkt, int *drop_out)
{
    uint32_t off;
    int l3, drop;

    memset(pkt, 0, sizeof(*pkt));
    pkt->ts_ns = f->ts_ns;
    drop = decode_link(f, vlan_max, &off, &l3);
    if (drop == RK_SENSOR_OK) {
        const uint8_t *ip = f->data + off;
        uint32_t avail = f->caplen - off;

        if (avail < 1)
            drop = RK_SENSOR_DROP_IP_SHORT;
        else if (l3 == L3_ANY)
            l3 = ip[0] >> 4 == 4 ? L3_V4 : ip[0] >> 4 == 6 ? L3_V6 : -1;
        if (drop == RK_SENSOR_OK && l3 == L3_V4)
            drop = decode_ipv4(pkt, ip, avail);
        else if (drop == RK_SENSOR_OK && l3 == L3_V6)
            drop = decode_ipv6(pkt, ip, avail, ext_max);
        else if (drop == RK_SENSOR_OK)
            drop = RK_SENSOR_DROP_IP_VERSION;
    }
    *drop_out = drop;
    return drop == RK_SENSOR_OK ? 0 : RK_EFORMAT;
}
