/* sensor_gen.c - deterministic darknet traffic generator for the sensor tests and benchmark.
 *
 *   sensor_gen --seed N --out FILE [--labels FILE.json] [--hours H] [--campaigns K]
 *              [--attacks K] [--format pcap|pcapng] [--link eth|raw|sll|sll2|null|loop]
 *              [--nano] [--swapped] [--scale X] [--packets N]
 *
 * It writes a capture of four sensors (three IPv4, one IPv6) with background radiation
 * (negative-binomial source counts per port with a diurnal cycle and source churn),
 * Mirai-like scanning (TCP sequence number == destination), ZMap research scans from Censys
 * ranges (IP id 54321), masscan scans (its IP-id relation), DoS backscatter (SYN-ACK, RST,
 * ICMP echo replies, ICMP unreachables quoting UDP floods), sub-threshold backscatter noise,
 * spoofed packets, other TCP, out-of-order timestamps (within 5 s), VLAN tags, corrupt frames
 * and packets to no sensor; and injected campaigns (a port surge from many new sources).
 *
 * --labels writes the ground truth as JSON: the sensors, every bin's exact aggregates (ports,
 * a deterministic sample of sources and every heavy source, prefixes, fingerprints), the DoS
 * attacks that pass the RS-DoS thresholds, the campaigns and the drop counts.
 * --packets N is the benchmark mode: about N packets of background radiation, no labels. */
#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0_S      1714521600LL /* 2024-05-01T00:00:00Z */
#define NS        1000000000LL
#define BIN       3600
#define N_SENSORS 4
#define MAX_FRAME 256
#define IDLE_S    300
#define SLIDE_S   10
#define WINDOW_B  6
#define MIN_PKTS  25
#define MIN_DUR_S 60
#define MIN_PPM   30

/* ---- random numbers (xorshift64*) ------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static double unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static uint32_t below(uint32_t n)
{
    return n ? (uint32_t)(rnd() % n) : 0;
}

static double gauss(void)
{
    double u1 = unif() + 1e-12, u2 = unif();

    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static uint32_t poisson(double mean)
{
    if (mean <= 0)
        return 0;
    if (mean > 50) {
        double v = mean + sqrt(mean) * gauss();

        return v < 0 ? 0 : (uint32_t)(v + 0.5);
    }
    double l = exp(-mean), p = 1;
    uint32_t k = 0;

    do {
        k++;
        p *= unif();
    } while (p > l);
    return k - 1;
}

/* Marsaglia-Tsang gamma(shape, 1) for shape >= 1. */
static double gamma1(double shape)
{
    double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);

    for (;;) {
        double x = gauss(), v = 1 + c * x, u = unif();

        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

/* Negative binomial: Poisson with a gamma-distributed mean (over-dispersed counts). */
static uint32_t negbin(double mean, double shape)
{
    return poisson(mean * gamma1(shape) / shape);
}

static uint32_t geometric(double mean)
{
    uint32_t k = 1;

    while (unif() > 1.0 / mean && k < 10000)
        k++;
    return k;
}

/* ---- addresses ----------------------------------------------------------------------------- */

struct addr {
    uint8_t a[16];
};

static void v4(struct addr *x, uint32_t ip)
{
    memset(x->a, 0, 10);
    x->a[10] = x->a[11] = 0xff;
    x->a[12] = (uint8_t)(ip >> 24);
    x->a[13] = (uint8_t)(ip >> 16);
    x->a[14] = (uint8_t)(ip >> 8);
    x->a[15] = (uint8_t)ip;
}

static int is_v4(const struct addr *x)
{
    return x->a[10] == 0xff && x->a[11] == 0xff && !x->a[0] && !x->a[8];
}

static uint32_t ip4(const struct addr *x)
{
    return (uint32_t)x->a[12] << 24 | (uint32_t)x->a[13] << 16 | (uint32_t)x->a[14] << 8 | x->a[15];
}

static void addr_text(const struct addr *x, char *buf, size_t cap)
{
    struct in_addr a4;

    if (is_v4(x)) {
        a4.s_addr = htonl(ip4(x));
        inet_ntop(AF_INET, &a4, buf, (socklen_t)cap);
    } else {
        inet_ntop(AF_INET6, x->a, buf, (socklen_t)cap);
    }
}

/* The same special-purpose ranges as the library's spoof rule, plus the sensors, the
 * research ranges and the outside network: background sources stay clear of all of them. */
static int reserved4(uint32_t ip)
{
    static const uint32_t nets[][2] = {
            {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
            {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
            {0xc0586300, 24}, {0xc0a80000, 16}, {0xc6120000, 15}, {0xc6336400, 24},
            {0xcb007100, 24}, {0xe0000000, 3},  {0xa2000000, 8},  {0xa7000000, 8}};

    for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++) {
        if ((ip & (0xffffffffU << (32 - nets[i][1]))) == nets[i][0])
            return 1;
    }
    return (ip & 0xff) == 0 || (ip & 0xff) == 255;
}

static void public_v4(struct addr *x)
{
    uint32_t ip;

    do
        ip = (uint32_t)rnd();
    while (reserved4(ip));
    v4(x, ip);
}

static void public_v6(struct addr *x)
{
    uint64_t r = rnd();

    memset(x->a, 0, 16);
    x->a[0] = 0x24;
    x->a[1] = (uint8_t)(r >> 8 & 0x0f);
    x->a[2] = (uint8_t)(r >> 16);
    x->a[3] = (uint8_t)(r >> 24);
    r = rnd();
    for (int i = 8; i < 16; i++, r >>= 8)
        x->a[i] = (uint8_t)r;
    x->a[15] |= 1;
}

/* ---- sensors ----------------------------------------------------------------------------- */

struct sensor {
    const char *name, *cc, *tlp, *prefixes;
    int v6;
    uint32_t base[2], size[2]; /* IPv4 prefixes: base address and size */
    int n_pfx;
    double scale; /* traffic relative to tokyo-1 */
};

static const struct sensor sensors[N_SENSORS] = {
        {"tokyo-1", "JP", "green", "198.18.0.0/16", 0, {0xc6120000, 0}, {65536, 0}, 1, 1.0},
        {"sydney-1", "AU", "amber", "198.19.0.0/17", 0, {0xc6130000, 0}, {32768, 0}, 1, 0.6},
        {"delhi-1",
         "IN",
         "green",
         "192.0.2.0/24,203.0.113.0/24",
         0,
         {0xc0000200, 0xcb007100},
         {256, 256},
         2,
         0.25},
        {"tokyo-6", "JP", "clear", "2001:db8:8000::/48", 1, {0, 0}, {0, 0}, 0, 0.05},
};

static void sensor_dst(int s, struct addr *x)
{
    const struct sensor *se = &sensors[s];

    if (se->v6) {
        static const uint8_t p[6] = {0x20, 0x01, 0x0d, 0xb8, 0x80, 0x00};
        uint64_t r = rnd();

        memset(x->a, 0, 16);
        memcpy(x->a, p, 6);
        /* darknet addresses a scanner would try: low host numbers in a few subnets */
        x->a[7] = (uint8_t)below(16);
        x->a[15] = (uint8_t)(1 + (r & 0x3f));
        return;
    }
    int k = se->n_pfx == 2 ? (int)below(2) : 0;

    v4(x, se->base[k] + below(se->size[k]));
}

/* ---- ground-truth records ----------------------------------------------------------------- */

enum { C_SCAN = 0, C_BACK = 1, C_OTHER = 2 };
enum { F_MIRAI = 1, F_ZMAP = 2, F_MASSCAN = 4, F_SPOOF = 8, F_RESEARCH = 16 };

struct rec {
    int64_t ts;
    struct addr src, dst;
    uint32_t ip_len;
    uint16_t port, sport, dport;
    uint8_t sensor, proto, cls, fp, clean;
    /* backscatter */
    uint8_t bs;
    struct addr victim;
    uint8_t aproto;
    uint16_t aport, tport;
};

struct frame {
    int64_t ts, order;
    uint16_t len;
    uint8_t data[MAX_FRAME];
};

static struct rec *recs;
static size_t n_recs, cap_recs;
static struct frame *frames;
static size_t n_frames, cap_frames;
static int labels_on = 1;
static uint64_t drops[16], outside_count;

enum {
    D_LINK_SHORT = 2,
    D_NOT_IP = 4,
    D_IP_SHORT = 5,
    D_IP_HEADER = 7,
    D_L4_SHORT = 9,
    D_TCP_HEADER = 10
};

/* ---- frame building ----------------------------------------------------------------------- */

enum { L_ETH, L_RAW, L_SLL, L_SLL2, L_NULL, L_LOOP };
static int link_kind = L_ETH;

static uint32_t linktype(void)
{
    static const uint32_t t[] = {1, 101, 113, 276, 0, 108};

    return t[link_kind];
}

static void p16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void p32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Link header for an IP packet of family v6; returns its length. */
static size_t link_header(uint8_t *o, int v6)
{
    uint16_t et = v6 ? 0x86dd : 0x0800;
    uint32_t r = below(100);

    switch (link_kind) {
    case L_ETH:
        memcpy(o, "\x00\x00\x5e\x00\x53\x02\x00\x00\x5e\x00\x53\x01", 12);
        if (r < 8) { /* 802.1Q */
            p16(o + 12, 0x8100);
            p16(o + 14, (uint16_t)(100 + r));
            p16(o + 16, et);
            return 18;
        }
        if (r < 10) { /* QinQ */
            p16(o + 12, 0x88a8);
            p16(o + 14, 10);
            p16(o + 16, 0x8100);
            p16(o + 18, 20);
            p16(o + 20, et);
            return 22;
        }
        p16(o + 12, et);
        return 14;
    case L_SLL:
        memset(o, 0, 16);
        p16(o + 2, 1);
        p16(o + 4, 6);
        p16(o + 14, et);
        return 16;
    case L_SLL2:
        memset(o, 0, 20);
        p16(o, et);
        p32(o + 4, 2);
        p16(o + 8, 1);
        o[11] = 6;
        return 20;
    case L_NULL: /* little-endian writer */
        memset(o, 0, 4);
        o[0] = v6 ? 30 : 2;
        return 4;
    case L_LOOP:
        memset(o, 0, 4);
        o[3] = v6 ? 24 : 2;
        return 4;
    default:
        return 0;
    }
}

struct pkt {
    int64_t ts;
    int sensor;
    struct addr src, dst;
    uint8_t proto, ttl, flags, cls, fp;
    uint16_t sport, dport, ip_id;
    uint32_t seq;
    uint8_t icmp_type, icmp_code;
    const uint8_t *payload; /* ICMP quote or UDP payload */
    size_t payload_len;
    int hbh; /* IPv6: add a hop-by-hop header */
    int spoof;
    int research;
    /* backscatter truth */
    int bs;
    struct addr victim;
    uint8_t aproto;
    uint16_t aport, tport;
};

static size_t l4_bytes(const struct pkt *k, uint8_t *o)
{
    size_t n;

    switch (k->proto) {
    case 6:
        memset(o, 0, 20);
        p16(o, k->sport);
        p16(o + 2, k->dport);
        p32(o + 4, k->seq);
        o[12] = 0x50;
        o[13] = k->flags;
        p16(o + 14, 1024);
        return 20;
    case 17:
        p16(o, k->sport);
        p16(o + 2, k->dport);
        p16(o + 4, (uint16_t)(8 + k->payload_len));
        p16(o + 6, 0);
        if (k->payload_len)
            memcpy(o + 8, k->payload, k->payload_len);
        return 8 + k->payload_len;
    case 1:
    case 58:
        memset(o, 0, 8);
        o[0] = k->icmp_type;
        o[1] = k->icmp_code;
        n = k->payload_len;
        if (n)
            memcpy(o + 8, k->payload, n);
        return 8 + n;
    default:
        memset(o, 0, 8);
        return 8;
    }
}

static struct frame *new_frame(void)
{
    if (n_frames == cap_frames) {
        cap_frames = cap_frames ? cap_frames * 2 : 65536;
        frames = realloc(frames, cap_frames * sizeof(*frames));
        if (!frames) {
            fprintf(stderr, "sensor_gen: out of memory\n");
            exit(2);
        }
    }
    return &frames[n_frames++];
}

static void add_rec(const struct pkt *k, uint32_t ip_len)
{
    struct rec *r;

    if (!labels_on)
        return;
    if (n_recs == cap_recs) {
        cap_recs = cap_recs ? cap_recs * 2 : 65536;
        recs = realloc(recs, cap_recs * sizeof(*recs));
        if (!recs) {
            fprintf(stderr, "sensor_gen: out of memory\n");
            exit(2);
        }
    }
    r = &recs[n_recs++];
    memset(r, 0, sizeof(*r));
    r->ts = k->ts;
    r->src = k->src;
    r->dst = k->dst;
    r->ip_len = ip_len;
    r->sensor = (uint8_t)k->sensor;
    r->proto = k->proto;
    r->sport = k->sport;
    r->dport = k->dport;
    r->port = k->proto == 6 || k->proto == 17   ? k->dport
              : k->proto == 1 || k->proto == 58 ? k->icmp_type
                                                : 0;
    r->cls = k->cls;
    r->fp = (uint8_t)(k->fp | (k->spoof ? F_SPOOF : 0) | (k->research ? F_RESEARCH : 0));
    r->clean = k->cls == C_SCAN && !k->spoof && !k->research;
    r->bs = (uint8_t)k->bs;
    r->victim = k->victim;
    r->aproto = k->aproto;
    r->aport = k->aport;
    r->tport = k->tport;
}

/* Build and queue one packet (and its ground truth, unless it is to no sensor). */
static void emit(const struct pkt *k)
{
    struct frame *f = new_frame();
    uint8_t *o = f->data, l4[160];
    size_t h, n = l4_bytes(k, l4);
    int v6 = !is_v4(&k->dst);

    f->ts = k->ts;
    f->order = k->ts + (int64_t)(gauss() * 1.5 * NS); /* out of order by a few seconds */
    h = link_header(o, v6);
    if (!v6) {
        uint8_t *ip = o + h;

        memset(ip, 0, 20);
        ip[0] = 0x45;
        p16(ip + 2, (uint16_t)(20 + n));
        p16(ip + 4, k->ip_id);
        ip[8] = k->ttl;
        ip[9] = k->proto;
        p32(ip + 12, ip4(&k->src));
        p32(ip + 16, ip4(&k->dst));
        memcpy(ip + 20, l4, n);
        f->len = (uint16_t)(h + 20 + n);
        if (k->sensor >= 0)
            add_rec(k, (uint32_t)(20 + n));
        return;
    }
    uint8_t *ip = o + h;
    size_t ext = k->hbh ? 8 : 0;

    memset(ip, 0, 40);
    ip[0] = 0x60;
    p16(ip + 4, (uint16_t)(ext + n));
    ip[6] = k->hbh ? 0 : k->proto;
    ip[7] = k->ttl;
    memcpy(ip + 8, k->src.a, 16);
    memcpy(ip + 24, k->dst.a, 16);
    if (ext) {
        memset(ip + 40, 0, 8);
        ip[40] = k->proto;
        ip[42] = 1; /* PadN */
        ip[43] = 4;
    }
    memcpy(ip + 40 + ext, l4, n);
    f->len = (uint16_t)(h + 40 + ext + n);
    if (k->sensor >= 0)
        add_rec(k, (uint32_t)(40 + ext + n));
}

/* An IP id that matches neither the ZMap nor the masscan fingerprint by accident. */
static uint16_t plain_id(const struct pkt *k)
{
    uint16_t id;

    for (;;) {
        id = (uint16_t)rnd();
        if (id == 54321)
            continue;
        if (k->proto == 6 && is_v4(&k->dst) &&
            id == (uint16_t)((ip4(&k->dst) ^ k->dport ^ k->seq) & 0xffff))
            continue;
        return id;
    }
}

static uint32_t plain_seq(const struct addr *dst)
{
    uint32_t s;

    do
        s = (uint32_t)rnd();
    while (is_v4(dst) && s == ip4(dst));
    return s;
}

/* A scan probe from src to a sensor address. */
static void probe(int s, int64_t ts, const struct addr *src, uint8_t proto, uint16_t dport,
                  uint8_t ttl, int fp)
{
    static const uint8_t udp_pl[8] = "renkei!";
    struct pkt k;

    memset(&k, 0, sizeof(k));
    k.ts = ts;
    k.sensor = s;
    k.src = *src;
    sensor_dst(s, &k.dst);
    k.proto = proto;
    k.ttl = ttl;
    k.cls = C_SCAN;
    k.sport = (uint16_t)(1024 + below(64000));
    k.dport = dport;
    k.hbh = !is_v4(&k.dst) && below(10) == 0;
    if (proto == 6) {
        k.flags = 0x02;
        k.seq = fp & F_MIRAI ? ip4(&k.dst) : plain_seq(&k.dst);
    } else if (proto == 17) {
        k.payload = udp_pl;
        k.payload_len = 8;
    } else {
        k.icmp_type = proto == 1 ? 8 : 128;
        k.dport = 0;
    }
    k.ip_id = plain_id(&k);
    if (fp & F_ZMAP) {
        k.ip_id = 54321;
        /* ZMap's sequence numbers are random; keep them off masscan's relation so that the
         * labels need no chance matches */
        while (proto == 6 && (uint16_t)((ip4(&k.dst) ^ dport ^ k.seq) & 0xffff) == 54321)
            k.seq++;
    }
    if (fp & F_MASSCAN)
        k.ip_id = (uint16_t)((ip4(&k.dst) ^ dport ^ k.seq) & 0xffff);
    k.fp = (uint8_t)fp;
    k.research = (fp & F_RESEARCH) != 0;
    k.fp &= (uint8_t)~F_RESEARCH;
    emit(&k);
}

/* ---- background radiation ------------------------------------------------------------------ */

struct port_pop {
    uint8_t proto;
    uint16_t port;
    double mean; /* unique sources per hour at tokyo-1 */
};

static const struct port_pop popular[] = {
        {6, 23, 300},  {6, 445, 150}, {6, 22, 120},  {6, 80, 90},    {6, 8080, 70},  {6, 443, 60},
        {6, 3389, 55}, {6, 2323, 40}, {6, 1433, 30}, {6, 5555, 25},  {6, 81, 20},    {6, 8443, 18},
        {6, 6379, 15}, {6, 5900, 14}, {6, 25, 12},   {6, 3306, 12},  {6, 139, 10},   {6, 135, 10},
        {17, 53, 25},  {17, 123, 20}, {17, 161, 18}, {17, 1900, 15}, {17, 5060, 12}, {1, 8, 40},
        {6, 9200, 8},  {6, 7547, 8},  {6, 8888, 6},  {6, 21, 10},    {6, 110, 4},    {6, 37215, 0},
};
#define N_POPULAR (sizeof(popular) / sizeof(popular[0]))

/* A pool of sources per (sensor, popular port) that changes slowly. */
#define POOL_MULT 3
struct pool {
    struct addr *a;
    uint8_t *mirai;
    uint32_t n;
};

static struct pool pools[N_SENSORS][N_POPULAR];

static double g_scale = 1.0;

static void pool_init(int s, size_t i)
{
    struct pool *p = &pools[s][i];
    double m = popular[i].mean * sensors[s].scale * g_scale;

    p->n = (uint32_t)(m * POOL_MULT) + 4;
    p->a = calloc(p->n, sizeof(*p->a));
    p->mirai = calloc(p->n, 1);
    for (uint32_t k = 0; k < p->n; k++) {
        if (sensors[s].v6)
            public_v6(&p->a[k]);
        else
            public_v4(&p->a[k]);
        /* 40 % of the telnet scanners are Mirai bots */
        p->mirai[k] = !sensors[s].v6 && popular[i].proto == 6 &&
                      (popular[i].port == 23 || popular[i].port == 2323) && below(10) < 4;
    }
}

static void pool_churn(int s, size_t i)
{
    struct pool *p = &pools[s][i];

    for (uint32_t k = 0; k < p->n; k++) {
        if (below(100) < 5) {
            if (sensors[s].v6)
                public_v6(&p->a[k]);
            else
                public_v4(&p->a[k]);
        }
    }
}

static double diurnal(int64_t t)
{
    return 1.0 + 0.2 * sin(2 * M_PI * (double)(t % 86400) / 86400.0);
}

static void background(int s, int64_t bin_start, double scale)
{
    for (size_t i = 0; i < N_POPULAR; i++) {
        struct pool *p = &pools[s][i];
        double m = popular[i].mean * sensors[s].scale * scale * diurnal(bin_start);
        uint8_t proto = popular[i].proto;
        uint32_t n;

        if (sensors[s].v6 && proto == 1)
            proto = 58;
        if (m <= 0)
            continue;
        pool_churn(s, i);
        n = negbin(m, 20);
        if (n > p->n)
            n = p->n;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t k = below(p->n);
            uint32_t reps = geometric(3.0);
            int fp = p->mirai[k] ? F_MIRAI : 0;

            if (below(200) == 0)
                reps += 200; /* a heavy hitter */
            for (uint32_t r = 0; r < reps; r++)
                probe(s, (bin_start + below(BIN)) * NS + below(1000000) * 1000LL, &p->a[k], proto,
                      popular[i].port, (uint8_t)(40 + below(80)), fp);
        }
    }
}

/* Ports nobody much scans: one or two sources each. */
static int is_popular(uint16_t port)
{
    for (size_t i = 0; i < N_POPULAR; i++) {
        if (popular[i].port == port)
            return 1;
    }
    return 0;
}

static uint16_t campaign_ports[64];
static int n_campaign_ports;

static int is_campaign_port(uint16_t port)
{
    for (int i = 0; i < n_campaign_ports; i++) {
        if (campaign_ports[i] == port)
            return 1;
    }
    return 0;
}

static void tail(int s, int64_t bin_start)
{
    uint32_t n = (uint32_t)(60 * sensors[s].scale) + 1;

    for (uint32_t i = 0; i < n; i++) {
        struct addr src;
        uint16_t port;
        uint32_t reps = 1 + below(3);

        do
            port = (uint16_t)(1 + below(65535));
        while (is_popular(port) || is_campaign_port(port));
        if (sensors[s].v6)
            public_v6(&src);
        else
            public_v4(&src);
        for (uint32_t r = 0; r < reps; r++)
            probe(s, (bin_start + below(BIN)) * NS + below(1000000) * 1000LL, &src,
                  below(4) ? 6 : 17, port, (uint8_t)(40 + below(80)), 0);
    }
}

/* ---- research scans, masscan, other and spoofed ------------------------------------------- */

/* Censys ranges (corpus warninglists/censys-scanning.json) and Shodan-like scanners. */
static void research(int s, int64_t bin_start, int bin_no)
{
    struct addr src;
    static const uint16_t ports[4] = {443, 8080, 22, 502};
    uint32_t n;

    if (sensors[s].v6 || bin_no % 6 != 1)
        return;
    v4(&src, 0xa28e7d00 | (1 + below(250))); /* 162.142.125.x */
    n = (uint32_t)(sensors[s].v6 ? 0 : 1500 * sensors[s].scale);
    for (uint32_t i = 0; i < n; i++)
        probe(s, (bin_start + 600 + below(600)) * NS, &src, 6, ports[(bin_no / 6) % 4],
              (uint8_t)(230 + below(20)), F_ZMAP | F_RESEARCH);
    /* a non-listed masscan user every 8 hours: one source, many packets, one port */
    if (bin_no % 8 == 1) {
        public_v4(&src);
        n = (uint32_t)(800 * sensors[s].scale);
        for (uint32_t i = 0; i < n; i++)
            probe(s, (bin_start + 1200 + below(300)) * NS, &src, 6, 8443,
                  (uint8_t)(230 + below(20)), F_MASSCAN);
    }
}

static void other_and_spoofed(int s, int64_t bin_start)
{
    struct pkt k;
    uint32_t n = (uint32_t)(30 * sensors[s].scale) + 1;

    for (uint32_t i = 0; i < n; i++) {
        memset(&k, 0, sizeof(k));
        k.ts = (bin_start + below(BIN)) * NS;
        k.sensor = s;
        sensor_dst(s, &k.dst);
        k.ttl = (uint8_t)(40 + below(60));
        if (is_v4(&k.dst))
            public_v4(&k.src);
        else
            public_v6(&k.src);
        k.proto = 6;
        k.sport = (uint16_t)(1024 + below(60000));
        k.dport = (uint16_t)(1 + below(1024));
        k.seq = plain_seq(&k.dst);
        k.flags = below(2) ? 0x10 : 0x11; /* ACK or FIN-ACK */
        k.cls = C_OTHER;
        k.ip_id = plain_id(&k);
        emit(&k);
    }
    if (sensors[s].v6)
        return;
    for (uint32_t i = 0; i < n / 2 + 1; i++) {
        memset(&k, 0, sizeof(k));
        k.ts = (bin_start + below(BIN)) * NS;
        k.sensor = s;
        sensor_dst(s, &k.dst);
        /* bogon sources (10/8, 192.168/16) or TTL >= 200 */
        if (below(2)) {
            v4(&k.src, (below(2) ? 0x0a000000 : 0xc0a80000) | (1 + below(250)));
            k.ttl = (uint8_t)(40 + below(60));
        } else {
            public_v4(&k.src);
            k.ttl = (uint8_t)(200 + below(40));
        }
        k.proto = 6;
        k.sport = (uint16_t)(1024 + below(60000));
        k.dport = 80;
        k.seq = plain_seq(&k.dst);
        k.flags = 0x02;
        k.cls = C_SCAN;
        k.spoof = 1;
        k.ip_id = plain_id(&k);
        emit(&k);
    }
}

/* Frames the decoder must count and skip, and packets to no sensor. */
static void corrupt_and_outside(int64_t bin_start)
{
    struct addr src, dst;

    for (int i = 0; i < 12; i++) {
        struct frame *f;
        struct pkt k;
        int kind = i % 6;

        memset(&k, 0, sizeof(k));
        k.ts = (bin_start + below(BIN)) * NS;
        k.sensor = -1; /* no ground-truth record */
        public_v4(&k.src);
        sensor_dst(0, &k.dst);
        k.proto = 6;
        k.ttl = 50;
        k.flags = 0x02;
        k.dport = 23;
        k.ip_id = plain_id(&k);
        emit(&k);
        f = &frames[n_frames - 1];
        switch (kind) {
        case 0: /* cut inside the TCP header */
            f->len = (uint16_t)(f->len - 12);
            drops[D_L4_SHORT]++;
            break;
        case 1: /* cut inside the IP header */
            f->len = (uint16_t)(f->len - 30);
            drops[D_IP_SHORT]++;
            break;
        case 2: /* IHL 3 */
            f->data[f->len - 40] = 0x43;
            drops[D_IP_HEADER]++;
            break;
        case 3: /* TCP data offset 2 */
            f->data[f->len - 8] = 0x20;
            drops[D_TCP_HEADER]++;
            break;
        case 4: /* a link header cut short (raw links: an empty frame) */
            f->len = link_kind == L_RAW ? 0 : 3;
            drops[link_kind == L_RAW ? D_IP_SHORT : D_LINK_SHORT]++;
            break;
        default: /* not IP: an ARP-typed Ethernet frame, or a foreign family word */
            if (link_kind == L_RAW) {
                f->data[0] = 0x25; /* version 2 */
                drops[6]++;        /* ip-version */
            } else {
                if (link_kind == L_ETH || link_kind == L_SLL || link_kind == L_SLL2) {
                    size_t at = link_kind == L_SLL ? 14 : link_kind == L_SLL2 ? 0 : 12;

                    if (link_kind == L_ETH && f->data[12] != 0x08)
                        at = f->data[12] == 0x81 ? 16 : 20;
                    p16(f->data + at, 0x0806);
                } else {
                    memset(f->data, 0, 4);
                    f->data[link_kind == L_LOOP ? 3 : 0] = 7;
                }
                drops[D_NOT_IP]++;
            }
            break;
        }
    }
    for (int i = 0; i < 20; i++) {
        public_v4(&src);
        v4(&dst, 0xc6336400 | below(256)); /* 198.51.100.0/24: no sensor */
        struct pkt k;

        memset(&k, 0, sizeof(k));
        k.ts = (bin_start + below(BIN)) * NS;
        k.sensor = -1;
        k.src = src;
        k.dst = dst;
        k.proto = 17;
        k.ttl = 50;
        k.dport = 53;
        k.ip_id = plain_id(&k);
        emit(&k);
        outside_count++;
    }
}

/* ---- DoS backscatter ------------------------------------------------------------------------- */

struct attack {
    int sensor, kind; /* 0 SYN-ACK, 1 RST, 2 ICMP echo reply, 3 ICMP unreachable (UDP flood) */
    struct addr victim;
    int64_t start, dur; /* seconds */
    double pps;
    uint16_t service;
};

static struct attack attacks[64];
static int n_attacks;

static void plan_attacks(int k, int hours)
{
    n_attacks = k;
    for (int i = 0; i < k; i++) {
        struct attack *a = &attacks[i];

        a->sensor = (int)below(3);
        a->kind = i % 4;
        public_v4(&a->victim);
        a->start = T0_S + below((uint32_t)(hours - 1) * 3600);
        a->dur = 120 + below(1800);
        a->pps = 0.6 + unif() * 3;
        a->service = (uint16_t)(below(2) ? 80 : 443);
    }
}

static void backscatter_pkt(const struct attack *a, int64_t ts)
{
    static uint8_t quote[28];
    struct pkt k;

    memset(&k, 0, sizeof(k));
    k.ts = ts;
    k.sensor = a->sensor;
    k.src = a->victim;
    sensor_dst(a->sensor, &k.dst);
    k.ttl = (uint8_t)(40 + below(80));
    k.cls = C_BACK;
    k.bs = 1;
    k.victim = a->victim;
    switch (a->kind) {
    case 0:
    case 1:
        k.proto = 6;
        k.sport = a->service;
        k.dport = (uint16_t)(1024 + below(64000));
        k.flags = a->kind == 0 ? 0x12 : 0x14;
        k.seq = (uint32_t)rnd();
        k.aproto = 6;
        k.aport = k.dport;
        k.tport = k.sport;
        break;
    case 2:
        k.proto = 1;
        k.icmp_type = 0;
        k.aproto = 1;
        k.aport = 0;
        k.tport = 0;
        break;
    default: {
        /* the victim's port unreachable for a UDP packet "from" the sensor address */
        uint16_t sp = (uint16_t)(1024 + below(64000));

        k.proto = 1;
        k.icmp_type = 3;
        k.icmp_code = 3;
        memset(quote, 0, sizeof(quote));
        quote[0] = 0x45;
        p16(quote + 2, 28);
        quote[8] = 60;
        quote[9] = 17;
        p32(quote + 12, ip4(&k.dst));
        p32(quote + 16, ip4(&a->victim));
        p16(quote + 20, sp);
        p16(quote + 22, 53);
        p16(quote + 24, 8);
        k.payload = quote;
        k.payload_len = 28;
        k.aproto = 17;
        k.aport = sp;
        k.tport = 53;
        break;
    }
    }
    k.ip_id = plain_id(&k);
    emit(&k);
}

static void dos(int64_t bin_start)
{
    for (int i = 0; i < n_attacks; i++) {
        const struct attack *a = &attacks[i];
        int64_t from = a->start > bin_start ? a->start : bin_start;
        int64_t to = a->start + a->dur < bin_start + BIN ? a->start + a->dur : bin_start + BIN;

        for (int64_t t = from; t < to; t++) {
            uint32_t n = poisson(a->pps);

            for (uint32_t j = 0; j < n; j++)
                backscatter_pkt(a, t * NS + below(1000000) * 1000LL);
        }
    }
    /* sub-threshold backscatter from random hosts: a few packets each */
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < 10; i++) {
            struct attack a = {s, (int)below(3), {{0}}, 0, 0, 0, 80};
            int64_t t = bin_start + below(BIN - 60);
            uint32_t n = 1 + below(5);

            public_v4(&a.victim);
            for (uint32_t j = 0; j < n; j++)
                backscatter_pkt(&a, (t + below(60)) * NS);
        }
    }
}

/* ---- campaigns ---------------------------------------------------------------------------------
 */

struct campaign {
    uint16_t port;
    uint8_t proto;
    int64_t start; /* the first bin with campaign traffic (seconds) */
    double peak;   /* new unique sources per bin at its peak, per sensor scale 1 */
    int sensors_mask;
    int existing; /* on a port with background traffic */
    int mirai;
    struct addr *pool;
    uint32_t pool_n;
};

static struct campaign camps[16];
static int n_camps;

static void plan_campaigns(int k, int hours)
{
    /* ports of real IoT campaigns (37215 Huawei HG532, 52869 Realtek SDK, 7574 Oracle WebLogic
     * node manager, ...) with no background here, and busy ports for surges on top of it */
    uint16_t fresh[] = {37215, 52869, 60001, 49152, 8291, 10001, 34567, 9530,
                        4567,  7574,  6789,  8000,  5984, 2480,  1024,  20000};
    static const uint16_t busy[] = {5555, 8080, 6379, 1433};
    int n_fresh = 0, n_busy = 0;

    for (int i = 15; i > 0; i--) { /* a seeded shuffle */
        int j = (int)below((uint32_t)i + 1);
        uint16_t t = fresh[i];

        fresh[i] = fresh[j];
        fresh[j] = t;
    }
    n_camps = k;
    for (int i = 0; i < k; i++) {
        struct campaign *c = &camps[i];
        int lo = 30, span = hours - 6 - lo;

        c->existing = i % 3 == 2;
        c->proto = 6;
        c->port = c->existing ? busy[n_busy++ % 4] : fresh[n_fresh++ % 16];
        /* campaigns start on a bin boundary, spread over the run, one at a time */
        c->start = T0_S + (int64_t)(lo + (span > 0 ? (span * i) / k + (int)below(3) : 0)) * 3600;
        c->peak = 40 + below(260);
        c->sensors_mask = i % 4 == 3 ? 7 : 1 << (int)below(3);
        c->mirai = below(2);
        c->pool_n = (uint32_t)(c->peak * 12) + 16;
        c->pool = calloc(c->pool_n, sizeof(*c->pool));
        for (uint32_t j = 0; j < c->pool_n; j++)
            public_v4(&c->pool[j]);
        if (!c->existing)
            campaign_ports[n_campaign_ports++] = c->port;
    }
}

/* Sources in bin h (hours since the start): a ramp of 2 bins, then a slow decay. */
static double campaign_level(const struct campaign *c, int64_t bin_start)
{
    int64_t h = (bin_start - c->start) / BIN;

    if (h < 0 || h > 24)
        return 0;
    if (h == 0)
        return c->peak * 0.35;
    if (h == 1)
        return c->peak * 0.75;
    return c->peak * exp(-(double)(h - 2) / 10.0);
}

static void campaigns(int s, int64_t bin_start)
{
    for (int i = 0; i < n_camps; i++) {
        const struct campaign *c = &camps[i];
        double m = campaign_level(c, bin_start) * sensors[s].scale;
        uint32_t n;

        if (!(c->sensors_mask & (1 << s)) || m < 0.5)
            continue;
        n = poisson(m);
        for (uint32_t j = 0; j < n; j++) {
            const struct addr *src = &c->pool[below(c->pool_n)];
            uint32_t reps = geometric(2.0);

            for (uint32_t r = 0; r < reps; r++)
                probe(s, (bin_start + below(BIN)) * NS + below(1000000) * 1000LL, src, c->proto,
                      c->port, (uint8_t)(40 + below(80)), c->mirai ? F_MIRAI : 0);
        }
    }
}

/* ---- writing --------------------------------------------------------------------------------- */

static FILE *out;
static int pcapng, nano, swapped;
static uint64_t frames_written;

static void w32(uint32_t v)
{
    if (swapped)
        v = __builtin_bswap32(v);
    fwrite(&v, 4, 1, out);
}

static void w16(uint16_t v)
{
    if (swapped)
        v = __builtin_bswap16(v);
    fwrite(&v, 2, 1, out);
}

static void write_header(void)
{
    if (!pcapng) {
        w32(nano ? 0xa1b23c4d : 0xa1b2c3d4);
        w16(2);
        w16(4);
        w32(0);
        w32(0);
        w32(65535);
        w32(linktype());
        return;
    }
    /* section header block; interface description block with if_tsresol 9 when nano */
    w32(0x0a0d0d0a);
    w32(28);
    w32(0x1a2b3c4d);
    w16(1);
    w16(0);
    w32(0xffffffff);
    w32(0xffffffff);
    w32(28);
    w32(1);
    w32(nano ? 32 : 20);
    w16((uint16_t)linktype());
    w16(0);
    w32(65535);
    if (nano) {
        w16(9); /* if_tsresol */
        w16(1);
        fputc(9, out);
        fputc(0, out);
        fputc(0, out);
        fputc(0, out);
        w16(0); /* opt_endofopt */
        w16(0);
    }
    w32(nano ? 32 : 20);
}

static void write_frame(const struct frame *f)
{
    int64_t t = nano ? f->ts : f->ts / 1000;

    frames_written++;
    if (!pcapng) {
        w32((uint32_t)(f->ts / NS));
        w32((uint32_t)(nano ? f->ts % NS : f->ts % NS / 1000));
        w32(f->len);
        w32(f->len);
        fwrite(f->data, 1, f->len, out);
        return;
    }
    uint32_t pad = (4 - f->len % 4) % 4, len = 32 + f->len + pad;
    static const uint8_t zero[4];

    w32(6);
    w32(len);
    w32(0);
    w32((uint32_t)((uint64_t)t >> 32));
    w32((uint32_t)t);
    w32(f->len);
    w32(f->len);
    fwrite(f->data, 1, f->len, out);
    fwrite(zero, 1, pad, out);
    w32(len);
}

static int cmp_order(const void *a, const void *b)
{
    const struct frame *x = a, *y = b;

    return x->order < y->order ? -1 : x->order > y->order;
}

static void flush_frames(void)
{
    qsort(frames, n_frames, sizeof(*frames), cmp_order);
    for (size_t i = 0; i < n_frames; i++)
        write_frame(&frames[i]);
    n_frames = 0;
}

/* ---- ground truth ---------------------------------------------------------------------------- */

static int acmp(const struct addr *a, const struct addr *b)
{
    return memcmp(a->a, b->a, 16);
}

static int64_t bin_of(int64_t ts)
{
    return ts / NS / BIN * BIN;
}

static int cmp_group(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int64_t bx = bin_of(x->ts), by = bin_of(y->ts);

    if (bx != by)
        return bx < by ? -1 : 1;
    return (int)x->sensor - (int)y->sensor;
}

static struct rec *G; /* the records of the group being summarised (comparators read it) */

static int by_src(const void *a, const void *b)
{
    const struct rec *x = &G[*(const uint32_t *)a], *y = &G[*(const uint32_t *)b];
    int c = acmp(&x->src, &y->src);

    if (c)
        return c;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int by_src_dst(const void *a, const void *b)
{
    const struct rec *x = &G[*(const uint32_t *)a], *y = &G[*(const uint32_t *)b];
    int c = acmp(&x->src, &y->src);

    return c ? c : acmp(&x->dst, &y->dst);
}

static uint32_t pkey(const struct rec *r)
{
    return (uint32_t)r->proto << 16 | r->port;
}

static int by_src_port(const void *a, const void *b)
{
    const struct rec *x = &G[*(const uint32_t *)a], *y = &G[*(const uint32_t *)b];
    int c = acmp(&x->src, &y->src);

    if (c)
        return c;
    return pkey(x) < pkey(y) ? -1 : pkey(x) > pkey(y);
}

static int by_port_src(const void *a, const void *b)
{
    const struct rec *x = &G[*(const uint32_t *)a], *y = &G[*(const uint32_t *)b];

    if (pkey(x) != pkey(y))
        return pkey(x) < pkey(y) ? -1 : 1;
    return acmp(&x->src, &y->src);
}

static struct addr prefix_of(const struct addr *a)
{
    struct addr p = *a;

    if (is_v4(a))
        p.a[15] = 0;
    else
        memset(p.a + 6, 0, 10);
    return p;
}

static int by_prefix_src(const void *a, const void *b)
{
    const struct rec *x = &G[*(const uint32_t *)a], *y = &G[*(const uint32_t *)b];
    struct addr px = prefix_of(&x->src), py = prefix_of(&y->src);
    int c = acmp(&px, &py);

    return c ? c : acmp(&x->src, &y->src);
}

static json_t *jarr_u64(const uint64_t *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

static json_t *ports_json(uint32_t *idx, size_t n)
{
    json_t *arr = json_array();

    qsort(idx, n, sizeof(*idx), by_port_src);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint64_t pk = 0, src = 0, pc = 0, sc = 0, cls[3] = {0, 0, 0};
        const struct addr *last = NULL, *last_clean = NULL;

        for (; j < n && pkey(&G[idx[j]]) == pkey(&G[idx[i]]); j++) {
            const struct rec *r = &G[idx[j]];

            pk++;
            cls[r->cls]++;
            if (!last || acmp(last, &r->src) != 0)
                src++;
            last = &r->src;
            if (r->clean) {
                pc++;
                if (!last_clean || acmp(last_clean, &r->src) != 0)
                    sc++;
                last_clean = &r->src;
            }
        }
        json_array_append_new(arr, json_pack("{s:i,s:i,s:I,s:I,s:I,s:I,s:o}", "proto",
                                             G[idx[i]].proto, "port", G[idx[i]].port, "packets",
                                             (json_int_t)pk, "sources", (json_int_t)src,
                                             "packets_clean", (json_int_t)pc, "sources_clean",
                                             (json_int_t)sc, "class_packets", jarr_u64(cls, 3)));
        i = j;
    }
    return arr;
}

static int same_dst(const struct rec *a, const struct rec *b)
{
    return acmp(&a->src, &b->src) == 0 && acmp(&a->dst, &b->dst) == 0;
}

static int same_port(const struct rec *a, const struct rec *b)
{
    return acmp(&a->src, &b->src) == 0 && pkey(a) == pkey(b);
}

static int sampled(const struct addr *a)
{
    uint64_t h = 1469598103934665603ULL;

    for (int i = 0; i < 16; i++)
        h = (h ^ a->a[i]) * 1099511628211ULL;
    return h % 32 == 0;
}

/* Sources: count, fingerprint sources, and the sampled / heavy source rows. */
static json_t *sources_json(uint32_t *idx, size_t n, uint64_t *n_src, uint64_t fp_src[5])
{
    uint32_t *bydst = malloc(n * sizeof(*bydst)), *byport = malloc(n * sizeof(*byport));
    json_t *arr = json_array();

    memcpy(bydst, idx, n * sizeof(*idx));
    memcpy(byport, idx, n * sizeof(*idx));
    qsort(bydst, n, sizeof(*idx), by_src_dst);
    qsort(byport, n, sizeof(*idx), by_src_port);
    qsort(idx, n, sizeof(*idx), by_src);
    *n_src = 0;
    for (size_t i = 0, d = 0, q = 0; i < n;) {
        size_t j = i;
        uint64_t pk = 0, cls[3] = {0, 0, 0}, dsts = 0, ports = 0, tool[3] = {0, 0, 0};
        uint8_t fp = 0;
        char text[64];

        /* spoofed and research marks: any packet; tool marks: most scan packets */
        for (; j < n && acmp(&G[idx[j]].src, &G[idx[i]].src) == 0; j++) {
            pk++;
            cls[G[idx[j]].cls]++;
            fp |= G[idx[j]].fp & (F_SPOOF | F_RESEARCH);
            for (int t = 0; t < 3 && G[idx[j]].cls == C_SCAN; t++)
                tool[t] += (G[idx[j]].fp >> t) & 1;
        }
        for (int t = 0; t < 3; t++) {
            if (tool[t] * 2 > cls[C_SCAN])
                fp |= (uint8_t)(1 << t);
        }
        (*n_src)++;
        for (int b = 0; b < 5; b++)
            fp_src[b] += (fp >> b) & 1;
        /* the same source's runs in the other two orders */
        for (size_t e = d; e < d + pk; e++)
            dsts += e == d || !same_dst(&G[bydst[e - 1]], &G[bydst[e]]);
        for (size_t e = q; e < q + pk; e++)
            ports += e == q || !same_port(&G[byport[e - 1]], &G[byport[e]]);
        d += pk;
        q += pk;
        if (pk >= 50 || sampled(&G[idx[i]].src)) {
            addr_text(&G[idx[i]].src, text, sizeof(text));
            json_array_append_new(arr, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:i,s:o}", "addr", text,
                                                 "packets", (json_int_t)pk, "dsts",
                                                 (json_int_t)dsts, "ports", (json_int_t)ports,
                                                 "first_ns", (json_int_t)G[idx[i]].ts, "last_ns",
                                                 (json_int_t)G[idx[j - 1]].ts, "fp", fp,
                                                 "class_packets", jarr_u64(cls, 3)));
        }
        i = j;
    }
    free(bydst);
    free(byport);
    return arr;
}

struct ptot {
    struct addr p;
    uint64_t packets, sources;
};

static int cmp_ptot(const void *a, const void *b)
{
    const struct ptot *x = a, *y = b;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    return acmp(&x->p, &y->p);
}

static json_t *prefixes_json(uint32_t *idx, size_t n, uint64_t *count)
{
    struct ptot *t = calloc(n + 1, sizeof(*t));
    size_t nt = 0;
    json_t *arr = json_array();

    qsort(idx, n, sizeof(*idx), by_prefix_src);
    for (size_t i = 0; i < n; i++) {
        struct addr p = prefix_of(&G[idx[i]].src);

        if (nt == 0 || acmp(&t[nt - 1].p, &p) != 0) {
            t[nt].p = p;
            nt++;
        }
        t[nt - 1].packets++;
        if (i == 0 || acmp(&G[idx[i - 1]].src, &G[idx[i]].src) != 0)
            t[nt - 1].sources++;
    }
    qsort(t, nt, sizeof(*t), cmp_ptot);
    for (size_t i = 0; i < nt && i < 10; i++) {
        char text[64], pfx[72];

        addr_text(&t[i].p, text, sizeof(text));
        snprintf(pfx, sizeof(pfx), "%s/%d", text, is_v4(&t[i].p) ? 24 : 48);
        json_array_append_new(arr, json_pack("{s:s,s:I,s:I}", "prefix", pfx, "packets",
                                             (json_int_t)t[i].packets, "sources",
                                             (json_int_t)t[i].sources));
    }
    *count = nt;
    free(t);
    return arr;
}

static json_t *group_json(struct rec *g, size_t n)
{
    uint32_t *idx = malloc(n * sizeof(*idx));
    uint64_t packets = n, bytes = 0, cls[3] = {0, 0, 0}, fpp[5] = {0}, fps[5] = {0}, n_src = 0;
    uint64_t n_pfx = 0;
    json_t *o, *ports, *srcs, *pfx;

    G = g;
    for (size_t i = 0; i < n; i++) {
        idx[i] = (uint32_t)i;
        bytes += g[i].ip_len;
        cls[g[i].cls]++;
        for (int b = 0; b < 5; b++)
            fpp[b] += (g[i].fp >> b) & 1;
    }
    ports = ports_json(idx, n);
    size_t n_ports = json_array_size(ports);
    srcs = sources_json(idx, n, &n_src, fps);
    pfx = prefixes_json(idx, n, &n_pfx);
    o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:I,s:o,s:o,s:o}", "sensor",
                  sensors[g[0].sensor].name, "start", (json_int_t)bin_of(g[0].ts), "packets",
                  (json_int_t)packets, "bytes", (json_int_t)bytes, "sources", (json_int_t)n_src,
                  "ports_count", (json_int_t)n_ports, "class_packets", jarr_u64(cls, 3),
                  "fp_packets", jarr_u64(fpp, 5), "fp_sources", jarr_u64(fps, 5), "prefixes_count",
                  (json_int_t)n_pfx, "top_prefixes", pfx, "ports", ports, "sources_sample", srcs);
    free(idx);
    return o;
}

/* ---- DoS ground truth (the RS-DoS definition, computed independently) ------------------- */

static int pclass(uint8_t p)
{
    return p == 6 ? 0 : p == 17 ? 1 : p == 1 ? 2 : p == 58 ? 3 : 4;
}

static int cmp_bs(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int c;

    if (x->sensor != y->sensor)
        return (int)x->sensor - (int)y->sensor;
    if ((c = acmp(&x->victim, &y->victim)) != 0)
        return c;
    if (pclass(x->aproto) != pclass(y->aproto))
        return pclass(x->aproto) - pclass(y->aproto);
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

static uint64_t uniq(uint32_t *v, size_t n)
{
    uint64_t d = 0;

    qsort(v, n, sizeof(*v), cmp_u32);
    for (size_t i = 0; i < n; i++)
        d += i == 0 || v[i] != v[i - 1];
    return d;
}

static json_t *attack_json(struct rec *r, size_t n)
{
    uint32_t *a = malloc(n * sizeof(*a)), *t = malloc(n * sizeof(*t)), *d = malloc(n * 4);
    int64_t b0 = r[0].ts / NS / SLIDE_S, b1 = r[n - 1].ts / NS / SLIDE_S;
    uint64_t *bk = calloc((size_t)(b1 - b0 + 1), sizeof(*bk)), maxw = 0, bytes = 0;
    char text[64];
    json_t *o;
    uint8_t p = r[0].aproto;

    for (size_t i = 0; i < n; i++) {
        a[i] = r[i].aport;
        t[i] = r[i].tport;
        d[i] = ip4(&r[i].dst);
        bytes += r[i].ip_len;
        bk[r[i].ts / NS / SLIDE_S - b0]++;
    }
    for (int64_t s = 0; s <= b1 - b0; s++) {
        uint64_t sum = 0;

        for (int64_t k = s; k < s + WINDOW_B && k <= b1 - b0; k++)
            sum += bk[k];
        if (sum > maxw)
            maxw = sum;
    }
    addr_text(&r[0].victim, text, sizeof(text));
    o = json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "sensor",
                  sensors[r[0].sensor].name, "victim", text, "proto",
                  pclass(p) == 4 ? p : (int)(uint8_t[]){6, 17, 1, 58}[pclass(p)], "start_ns",
                  (json_int_t)r[0].ts, "last_ns", (json_int_t)r[n - 1].ts, "packets", (json_int_t)n,
                  "bytes", (json_int_t)bytes, "attacker_addrs", (json_int_t)uniq(d, n),
                  "attacker_ports", (json_int_t)uniq(a, n), "target_ports", (json_int_t)uniq(t, n),
                  "max_ppm", (json_int_t)maxw);
    free(a);
    free(t);
    free(d);
    free(bk);
    return o;
}

static json_t *attacks_json(void)
{
    struct rec *bs = malloc((n_recs + 1) * sizeof(*bs));
    size_t n = 0;
    json_t *arr = json_array();

    for (size_t i = 0; i < n_recs; i++) {
        if (recs[i].bs)
            bs[n++] = recs[i];
    }
    qsort(bs, n, sizeof(*bs), cmp_bs);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;

        while (j < n && cmp_bs(&bs[j - 1], &bs[j]) <= 0 && bs[j].sensor == bs[i].sensor &&
               acmp(&bs[j].victim, &bs[i].victim) == 0 &&
               pclass(bs[j].aproto) == pclass(bs[i].aproto) &&
               bs[j].ts - bs[j - 1].ts <= (int64_t)IDLE_S * NS)
            j++;
        if (j - i >= MIN_PKTS && bs[j - 1].ts - bs[i].ts >= (int64_t)MIN_DUR_S * NS) {
            json_t *o = attack_json(&bs[i], j - i);

            if (json_integer_value(json_object_get(o, "max_ppm")) >= MIN_PPM)
                json_array_append_new(arr, o);
            else
                json_decref(o);
        }
        i = j;
    }
    free(bs);
    return arr;
}

static json_t *labels_json(uint64_t seed, int hours, const char *link_name)
{
    json_t *root = json_object(), *bins = json_array(), *sa = json_array(), *ca = json_array();
    json_t *dr = json_object();
    static const char *const drop_names[] = {"ok",      "linktype", "link-short", "vlan-depth",
                                             "not-ip",  "ip-short", "ip-version", "ip-header",
                                             "ip6-ext", "l4-short", "tcp-header"};

    qsort(recs, n_recs, sizeof(*recs), cmp_group);
    for (size_t i = 0; i < n_recs;) {
        size_t j = i;

        while (j < n_recs && cmp_group(&recs[i], &recs[j]) == 0)
            j++;
        json_array_append_new(bins, group_json(&recs[i], j - i));
        i = j;
    }
    for (int s = 0; s < N_SENSORS; s++)
        json_array_append_new(sa, json_pack("{s:s,s:s,s:s,s:s}", "name", sensors[s].name, "country",
                                            sensors[s].cc, "tlp", sensors[s].tlp, "prefixes",
                                            sensors[s].prefixes));
    for (int i = 0; i < n_camps; i++) {
        json_t *names = json_array();

        for (int s = 0; s < 3; s++) {
            if (camps[i].sensors_mask & (1 << s))
                json_array_append_new(names, json_string(sensors[s].name));
        }
        json_array_append_new(
                ca, json_pack("{s:i,s:i,s:I,s:o,s:b,s:f}", "proto", camps[i].proto, "port",
                              camps[i].port, "start", (json_int_t)camps[i].start, "sensors", names,
                              "existing_port", camps[i].existing, "peak", camps[i].peak));
    }
    for (int d = 1; d < 11; d++) {
        if (drops[d])
            json_object_set_new(dr, drop_names[d], json_integer((json_int_t)drops[d]));
    }
    json_object_set_new(root, "generator",
                        json_pack("{s:I,s:i,s:i,s:s,s:s,s:b,s:b}", "seed", (json_int_t)seed,
                                  "hours", hours, "bin_secs", BIN, "link", link_name, "format",
                                  pcapng ? "pcapng" : "pcap", "nano", nano, "swapped", swapped));
    json_object_set_new(root, "sensors", sa);
    json_object_set_new(root, "frames", json_integer((json_int_t)frames_written));
    json_object_set_new(root, "outside", json_integer((json_int_t)outside_count));
    json_object_set_new(root, "drops", dr);
    json_object_set_new(root, "bins", bins);
    json_object_set_new(root, "attacks", attacks_json());
    json_object_set_new(root, "campaigns", ca);
    return root;
}

/* ---- main --------------------------------------------------------------------------------------
 */

static int usage(void)
{
    fprintf(stderr, "usage: sensor_gen --seed N --out FILE [--labels FILE] [--hours H] "
                    "[--campaigns K] [--attacks K] [--format pcap|pcapng] "
                    "[--link eth|raw|sll|sll2|null|loop] [--nano] [--swapped] [--scale X] "
                    "[--packets N]\n");
    return 2;
}

static const char *const link_names[] = {"eth", "raw", "sll", "sll2", "null", "loop"};

int main(int argc, char **argv)
{
    const char *path = NULL, *labels = NULL, *link_name = "eth";
    uint64_t seed = 1, want_packets = 0;
    int hours = 72, n_c = 3, n_a = 6;
    double scale = 1.0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (!strcmp(a, "--nano")) {
            nano = 1;
            continue;
        }
        if (!strcmp(a, "--swapped")) {
            swapped = 1;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (!strcmp(a, "--seed"))
            seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--out"))
            path = v;
        else if (!strcmp(a, "--labels"))
            labels = v;
        else if (!strcmp(a, "--hours"))
            hours = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--campaigns"))
            n_c = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--attacks"))
            n_a = (int)strtol(v, NULL, 10);
        else if (!strcmp(a, "--scale"))
            scale = strtod(v, NULL);
        else if (!strcmp(a, "--packets"))
            want_packets = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--format"))
            pcapng = !strcmp(v, "pcapng");
        else if (!strcmp(a, "--link")) {
            link_name = v;
            for (int k = 0; k < 6; k++) {
                if (!strcmp(v, link_names[k]))
                    link_kind = k;
            }
        } else
            return usage();
    }
    if (!path || hours < 2 || hours > 24 * 60 || n_c < 0 || n_c > 16 || n_a < 0 || n_a > 64)
        return usage();
    rng_state = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
    g_scale = scale;
    out = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!out) {
        perror(path);
        return 1;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 22);
    write_header();

    if (want_packets) { /* benchmark mode: background radiation only */
        labels_on = 0;
        for (int s = 0; s < N_SENSORS; s++)
            for (size_t i = 0; i < N_POPULAR; i++)
                pool_init(s, i);
        for (int64_t b = T0_S; frames_written < want_packets; b += BIN) {
            for (int s = 0; s < N_SENSORS; s++)
                background(s, b, scale);
            flush_frames();
        }
        fclose(out);
        return 0;
    }
    for (int s = 0; s < N_SENSORS; s++)
        for (size_t i = 0; i < N_POPULAR; i++)
            pool_init(s, i);
    plan_attacks(n_a, hours);
    plan_campaigns(n_c, hours);
    for (int h = 0; h < hours; h++) {
        int64_t b = T0_S + (int64_t)h * BIN;

        for (int s = 0; s < N_SENSORS; s++) {
            background(s, b, scale);
            tail(s, b);
            research(s, b, h);
            other_and_spoofed(s, b);
            campaigns(s, b);
        }
        dos(b);
        corrupt_and_outside(b);
        flush_frames();
    }
    fclose(out);
    if (labels) {
        json_t *root = labels_json(seed, hours, link_name);

        if (json_dump_file(root, labels, JSON_COMPACT) != 0) {
            fprintf(stderr, "sensor_gen: cannot write %s\n", labels);
            return 1;
        }
        json_decref(root);
    }
    return 0;
}
