/* classify.c - per-packet class (scan / backscatter / other), tool fingerprints (Mirai, ZMap,
 * masscan) and the spoofing heuristics that need only the packet itself. The rules are
 * listed in docs/sensor.md. */
#include "sensor/sensor_int.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define ZMAP_IP_ID 54321

const char *rk_sensor_fp_name(unsigned bit)
{
    switch (bit) {
    case RK_SENSOR_FP_MIRAI:
        return "mirai";
    case RK_SENSOR_FP_ZMAP:
        return "zmap";
    case RK_SENSOR_FP_MASSCAN:
        return "masscan";
    case RK_SENSOR_FP_SPOOFED:
        return "spoofed";
    case RK_SENSOR_FP_RESEARCH:
        return "research";
    default:
        return "unknown";
    }
}

const char *rk_sensor_class_name(int cls)
{
    switch (cls) {
    case RK_SENSOR_CLASS_SCAN:
        return "scan";
    case RK_SENSOR_CLASS_BACKSCATTER:
        return "backscatter";
    case RK_SENSOR_CLASS_OTHER:
        return "other";
    default:
        return "unknown";
    }
}

static int tcp_class(uint8_t flags)
{
    /* after Corsaro: SYN-ACK or any RST is a reply to a (spoofed) packet of someone else */
    if ((flags & TCP_RST) || ((flags & TCP_SYN) && (flags & TCP_ACK)))
        return RK_SENSOR_CLASS_BACKSCATTER;
    if ((flags & TCP_SYN) && !(flags & TCP_ACK))
        return RK_SENSOR_CLASS_SCAN;
    return RK_SENSOR_CLASS_OTHER;
}

static int icmp4_class(uint8_t type)
{
    switch (type) {
    case 8:  /* echo request */
    case 13: /* timestamp request */
    case 15: /* information request */
    case 17: /* address mask request */
        return RK_SENSOR_CLASS_SCAN;
    case 0:  /* echo reply */
    case 3:  /* destination unreachable */
    case 4:  /* source quench */
    case 5:  /* redirect */
    case 11: /* time exceeded */
    case 12: /* parameter problem */
    case 14: /* timestamp reply */
    case 16: /* information reply */
    case 18: /* address mask reply */
        return RK_SENSOR_CLASS_BACKSCATTER;
    default:
        return RK_SENSOR_CLASS_OTHER;
    }
}

static int icmp6_class(uint8_t type)
{
    if (type == 128) /* echo request */
        return RK_SENSOR_CLASS_SCAN;
    if ((type >= 1 && type <= 4) || type == 129) /* errors, echo reply */
        return RK_SENSOR_CLASS_BACKSCATTER;
    return RK_SENSOR_CLASS_OTHER;
}

static void set_class_and_port(struct rk_sensor_pkt *k)
{
    k->port_proto = k->proto;
    k->port = 0;
    k->cls = RK_SENSOR_CLASS_OTHER;
    if (!k->has_l4)
        return;
    switch (k->proto) {
    case 6:
        k->port = k->dport;
        k->cls = (uint8_t)tcp_class(k->tcp_flags);
        break;
    case 17:
        k->port = k->dport;
        k->cls = RK_SENSOR_CLASS_SCAN;
        break;
    case 1:
        k->port = k->icmp_type;
        k->cls = (uint8_t)icmp4_class(k->icmp_type);
        break;
    case 58:
        k->port = k->icmp_type;
        k->cls = (uint8_t)icmp6_class(k->icmp_type);
        break;
    default:
        break;
    }
}

static void set_fingerprints(struct rk_sensor_pkt *k)
{
    uint32_t dst;
    int syn;

    if (k->ipv != 4 || k->cls != RK_SENSOR_CLASS_SCAN)
        return;
    dst = addr_v4v(&k->dst);
    syn = k->proto == 6;
    if (k->ip_id == ZMAP_IP_ID)
        k->fp |= RK_SENSOR_FP_ZMAP;
    if (syn && k->seq == dst)
        k->fp |= RK_SENSOR_FP_MIRAI;
    /* masscan's template_set_target(): ip_id = ip_them ^ port_them ^ seqno, truncated to the
     * 16-bit field, with ip_them and port_them the scanned (destination) address and port */
    if (syn && k->ip_id == (uint16_t)((dst ^ k->dport ^ k->seq) & 0xffff))
        k->fp |= RK_SENSOR_FP_MASSCAN;
}

static void set_spoof(struct rk_sensor_pkt *k)
{
    int icmp = k->proto == 1 || k->proto == 58;

    if (addr_is_bogon(&k->src, k->ipv))
        k->spoof |= RK_SENSOR_SPOOF_BOGON;
    if (__builtin_memcmp(k->src.a, k->dst.a, 16) == 0)
        k->spoof |= RK_SENSOR_SPOOF_SELF;
    /* Corsaro's ttl-200 rule; ZMap and masscan send with TTL 255 themselves */
    if (k->ttl >= 200 && !icmp && !(k->fp & (RK_SENSOR_FP_ZMAP | RK_SENSOR_FP_MASSCAN)))
        k->spoof |= RK_SENSOR_SPOOF_TTL;
    if (k->ipv == 4) {
        uint8_t last = k->src.a[15];

        if (last == 0 || last == 255)
            k->spoof |= RK_SENSOR_SPOOF_LAST_BYTE;
        if (k->frag & 0x8000)
            k->spoof |= RK_SENSOR_SPOOF_EVIL_BIT;
    }
    if ((k->proto == 6 || k->proto == 17) && k->has_l4 && (k->sport == 0 || k->dport == 0))
        k->spoof |= RK_SENSOR_SPOOF_PORT0;
    if (k->spoof)
        k->fp |= RK_SENSOR_FP_SPOOFED;
}

void rk_sensor_classify(struct rk_sensor_pkt *pkt)
{
    pkt->fp = 0;
    pkt->spoof = 0;
    set_class_and_port(pkt);
    set_fingerprints(pkt);
    set_spoof(pkt);
}
