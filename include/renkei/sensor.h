/* sensor.h - darknet sensors: packet ingestion, classification, per-bin aggregation,
 * DoS backscatter analysis, early warning, STIX export, plots and top-N tables.
 *
 * Typical use (the CLI's `renkei sensor`):
 *
 *     struct rk_sensor_config cfg;
 *     rk_sensor_config_init(&cfg);                       (bin 1 h, 1 GiB memory cap, ...)
 *     rk_sensor_engine_new(&e, &cfg, &err);
 *     rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", RK_TLP_GREEN, "192.0.2.0/24", &err);
 *     rk_sensor_engine_load_scanners(e, "mass_scanner.txt", NULL, &err);     (optional)
 *     rk_sensor_reader_open(&r, "captures/", &cfg, &err);
 *     while ((rc = rk_sensor_reader_next(r, &frame, &err)) != 0) {
 *         if (rc == 1) rk_sensor_engine_packet(e, &frame);
 *         else report err; (a damaged file: the reader goes on with the next one)
 *         while (rk_sensor_engine_take_bin(e, &bin) == 1) { store / detect / plot; free }
 *     }
 *     rk_sensor_engine_flush(e, &err);  then take the remaining bins
 *
 * A bin is one sensor's aggregate over one time interval; its rows are plain structs meant
 * to be stored as table rows and queried by time range. Every figure says whether it is
 * exact; approximate figures carry their error bound (docs/sensor.md).
 */
#ifndef RENKEI_SENSOR_H
#define RENKEI_SENSOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"
#include "renkei/stix.h" /* enum rk_tlp */

struct rk_buf;

/* ---- addresses and prefixes ------------------------------------------------------------- */

/* An IPv4 or IPv6 address; IPv4 is held in the IPv4-mapped form ::ffff:a.b.c.d. */
struct rk_sensor_addr {
    uint8_t a[16];
};

/* A prefix: the address with host bits cleared, and its length in its own family
 * (0..32 for IPv4, 0..128 for IPv6). */
struct rk_sensor_prefix {
    struct rk_sensor_addr addr;
    uint8_t len;
};

#define RK_SENSOR_ADDR_STR 48 /* longest text form of an address or prefix, with the NUL */

/* 1 when the address is IPv4 (mapped form). */
int rk_sensor_addr_is_v4(const struct rk_sensor_addr *a);
/* The IPv4 address in host byte order (only meaningful when rk_sensor_addr_is_v4). */
uint32_t rk_sensor_addr_v4(const struct rk_sensor_addr *a);
/* Build the mapped form of an IPv4 address given in host byte order. */
void rk_sensor_addr_from_v4(struct rk_sensor_addr *out, uint32_t v4);
/* Parse "198.51.100.7" or "2001:db8::1". RK_EFORMAT otherwise. */
int rk_sensor_addr_parse(const char *s, size_t len, struct rk_sensor_addr *out);
/* Parse a CIDR ("192.0.2.0/24", "2001:db8::/32"; a bare address is a full-length prefix).
 * Host bits must be zero unless allow_host_bits is set (they are then cleared). */
int rk_sensor_prefix_parse(const char *s, size_t len, int allow_host_bits,
                           struct rk_sensor_prefix *out);
/* Text form of an address or prefix; returns buf. cap should be RK_SENSOR_ADDR_STR. */
const char *rk_sensor_addr_format(const struct rk_sensor_addr *a, char *buf, size_t cap);
const char *rk_sensor_prefix_format(const struct rk_sensor_prefix *p, char *buf, size_t cap);
/* 1 when addr lies inside prefix. */
int rk_sensor_prefix_contains(const struct rk_sensor_prefix *p, const struct rk_sensor_addr *a);

/* ---- configuration ----------------------------------------------------------------------- */

/* DoS backscatter thresholds, after CAIDA Corsaro's RS-DoS plugin (defaults in brackets). */
struct rk_sensor_dos_config {
    uint32_t min_packets;       /* an attack has at least this many packets [25] */
    uint32_t min_duration_secs; /* ... lasts at least this long [60] */
    uint32_t min_ppm;           /* ... and reaches this many packets in one rate window [30] */
    uint32_t window_secs;       /* rate window length [60] */
    uint32_t slide_secs;        /* rate window step; window_secs / slide_secs <= 32 [10] */
    uint32_t idle_secs;         /* an attack ends after this long without backscatter [300] */
};

struct rk_sensor_config {
    uint32_t bin_secs;      /* 60 .. 86400, and divides 86400 [3600] */
    uint32_t lateness_secs; /* a bin stays open this long after its end for late packets;
                               at most 3 bins [60] */
    uint64_t mem_cap;       /* bytes for all aggregation state [1 GiB]; min 4 MiB */
    uint32_t snaplen_max;   /* records larger than this are corrupt [262144] */
    uint32_t vlan_max;      /* 802.1Q / QinQ tags followed [4] */
    uint32_t ipv6_ext_max;  /* IPv6 extension headers followed [8] */
    uint32_t topk_sources;  /* sources (and /24, /48 prefixes) kept per bin and sensor once
                               approximate [10000] */
    uint8_t hll_total_bits; /* HyperLogLog precision for a bin's unique sources [14] */
    uint8_t hll_port_bits;  /* ... for unique sources per port [8] */
    uint8_t hll_small_bits; /* ... for per-source and per-group counts [6] */
    int64_t now_ns;         /* "now" for timestamp sanity (0: the wall clock) */
    struct rk_sensor_dos_config dos;
    int keep_port_sets;     /* closed bins keep each port's set of sources, so that two parts
                               of a bin stored by different ingests merge exactly [0] */
};

/* Fill in the defaults above. */
void rk_sensor_config_init(struct rk_sensor_config *cfg);
/* Check ranges; RK_EINVAL with the offending field named in err. */
int rk_sensor_config_check(const struct rk_sensor_config *cfg, struct rk_err *err);

/* ---- frames, decoding and classification ------------------------------------------------- */

/* Link types (the LINKTYPE_ numbers of pcap files). */
enum {
    RK_SENSOR_LINK_NULL = 0,     /* BSD loopback, 4-byte family in the writer's byte order */
    RK_SENSOR_LINK_ETHERNET = 1, /* with 802.1Q / 802.1ad (QinQ) tags */
    RK_SENSOR_LINK_RAW = 101,    /* raw IPv4 or IPv6 */
    RK_SENSOR_LINK_LOOP = 108,   /* OpenBSD loopback, family in network byte order */
    RK_SENSOR_LINK_LINUX_SLL = 113,
    RK_SENSOR_LINK_IPV4 = 228,
    RK_SENSOR_LINK_IPV6 = 229,
    RK_SENSOR_LINK_LINUX_SLL2 = 276,
    RK_SENSOR_LINK_DLT_RAW_12 = 12, /* DLT_RAW as some systems number it (BSD) */
    RK_SENSOR_LINK_DLT_RAW_14 = 14  /* DLT_RAW as OpenBSD numbers it */
};

/* One captured frame; data is borrowed (valid until the next reader call). */
struct rk_sensor_frame {
    int64_t ts_ns; /* capture time, nanoseconds since the epoch */
    uint32_t linktype;
    uint32_t caplen;  /* bytes in data */
    uint32_t wirelen; /* bytes on the wire */
    const uint8_t *data;
};

/* Why a frame did not yield an IP packet we can use. Counted per reason, never fatal. */
enum rk_sensor_drop {
    RK_SENSOR_OK = 0,
    RK_SENSOR_DROP_LINKTYPE,   /* unsupported link type */
    RK_SENSOR_DROP_LINK_SHORT, /* link-layer header cut short */
    RK_SENSOR_DROP_VLAN_DEPTH, /* more VLAN tags than vlan_max */
    RK_SENSOR_DROP_NOT_IP,     /* ARP, LLDP, ... (not an error) */
    RK_SENSOR_DROP_IP_SHORT,   /* IP header cut short */
    RK_SENSOR_DROP_IP_VERSION, /* version nibble disagrees with the link layer */
    RK_SENSOR_DROP_IP_HEADER,  /* IPv4 IHL < 5, or total length below the header */
    RK_SENSOR_DROP_IP6_EXT,    /* IPv6 extension header chain cut short or too long */
    RK_SENSOR_DROP_L4_SHORT,   /* TCP / UDP / ICMP header cut short */
    RK_SENSOR_DROP_TCP_HEADER, /* TCP data offset < 5 */
    RK_SENSOR_DROP_BAD_TIME,   /* timestamp before 1995 or more than a day after now */
    RK_SENSOR_DROP_LATE,       /* its bin was already closed */
    RK_SENSOR_DROP_COUNT
};

/* A short name for a drop reason ("l4-short", ...). */
const char *rk_sensor_drop_name(int reason);

enum rk_sensor_class {
    RK_SENSOR_CLASS_SCAN = 0,        /* TCP SYN without ACK, UDP, ICMP(v6) echo-style requests */
    RK_SENSOR_CLASS_BACKSCATTER = 1, /* SYN-ACK, RST, ICMP errors and replies */
    RK_SENSOR_CLASS_OTHER = 2,
    RK_SENSOR_CLASS_COUNT
};

/* Fingerprint bits (packets carry the first four; research comes from the loaded lists). */
enum {
    RK_SENSOR_FP_MIRAI = 1 << 0,    /* TCP sequence number == destination IPv4 address */
    RK_SENSOR_FP_ZMAP = 1 << 1,     /* IPv4 identification 54321 */
    RK_SENSOR_FP_MASSCAN = 1 << 2,  /* ip_id == (dst ^ dst_port ^ seq) & 0xffff, TCP SYN */
    RK_SENSOR_FP_SPOOFED = 1 << 3,  /* likely spoofed source (see spoof reasons) */
    RK_SENSOR_FP_RESEARCH = 1 << 4, /* source on a loaded research-scanner list */
    RK_SENSOR_FP_COUNT = 5
};

/* Why a source looks spoofed (docs/sensor.md explains each rule). */
enum {
    RK_SENSOR_SPOOF_BOGON = 1 << 0,     /* special-purpose / reserved source address */
    RK_SENSOR_SPOOF_SELF = 1 << 1,      /* source == destination, or inside a sensor prefix */
    RK_SENSOR_SPOOF_TTL = 1 << 2,       /* TTL >= 200 on non-ICMP without a tool fingerprint */
    RK_SENSOR_SPOOF_LAST_BYTE = 1 << 3, /* IPv4 source ending in .0 or .255 */
    RK_SENSOR_SPOOF_PORT0 = 1 << 4,     /* TCP or UDP port 0 */
    RK_SENSOR_SPOOF_EVIL_BIT = 1 << 5   /* IPv4 reserved flag set */
};

/* Short names: "mirai", "zmap", "masscan", "spoofed", "research". */
const char *rk_sensor_fp_name(unsigned bit);
const char *rk_sensor_class_name(int cls);

/* A decoded packet. Fields past the IP header are zero when absent. */
struct rk_sensor_pkt {
    int64_t ts_ns;
    struct rk_sensor_addr src, dst;
    uint32_t ip_len; /* IP total length (IPv6: payload + 40) as the header says */
    uint8_t ipv;     /* 4 or 6 */
    uint8_t proto;   /* upper-layer protocol after IPv6 extension headers */
    uint8_t ttl;     /* TTL or hop limit */
    uint8_t tcp_flags;
    uint16_t ip_id;        /* IPv4 only */
    uint16_t frag;         /* IPv4 flags+offset word; IPv6: offset << 3 | M when fragmented */
    uint16_t sport, dport; /* ICMP: dport = type, sport = code */
    uint32_t seq;
    uint8_t icmp_type, icmp_code;
    uint8_t has_l4;    /* 1 when the transport header was present (not a later fragment) */
    uint8_t has_inner; /* ICMP error quoting an IP header: inner fields below are set */
    struct rk_sensor_addr inner_src, inner_dst;
    uint8_t inner_proto;
    uint16_t inner_sport, inner_dport;
    /* set by rk_sensor_classify */
    uint8_t cls;        /* enum rk_sensor_class */
    uint8_t fp;         /* RK_SENSOR_FP_* */
    uint8_t spoof;      /* RK_SENSOR_SPOOF_* */
    uint8_t port_proto; /* protocol the port table uses (6, 17, 1, 58 or other) */
    uint16_t port;      /* TCP/UDP destination port, ICMP type; 0 for other protocols */
};

/* Decode a frame into pkt. Returns 0 and RK_SENSOR_OK, or RK_EFORMAT with *drop_out set to the
 * reason (RK_SENSOR_DROP_NOT_IP for frames that are simply not IP). Never reads past caplen.
 * vlan_max and ext_max cap the tags and IPv6 extension headers followed. */
int rk_sensor_decode(const struct rk_sensor_frame *f, unsigned vlan_max, unsigned ext_max,
                     struct rk_sensor_pkt *pkt, int *drop_out);
/* Set cls, fp (Mirai, ZMap, masscan, spoofed), spoof and port_proto / port. */
void rk_sensor_classify(struct rk_sensor_pkt *pkt);

/* ---- readers: pcap, pcapng, directories, stdin, memory, live capture --------------------- */

struct rk_sensor_reader;

struct rk_sensor_reader_stats {
    uint64_t files;             /* files opened */
    uint64_t bad_files;         /* files that could not be read or were not captures */
    uint64_t records;           /* records delivered */
    uint64_t bytes;             /* captured bytes delivered */
    uint64_t truncated_records; /* records cut off by the end of the file (skipped) */
    uint64_t oversize_records;  /* records above snaplen_max: the rest of the file is lost */
    uint64_t over_snaplen;      /* records above the file's own snaplen (kept) */
    uint64_t kernel_drops;      /* live capture: packets the kernel dropped */
};

/* Open a capture file (classic pcap of either byte order, microsecond or nanosecond; or pcapng
 * through libpcap), a directory (its regular files in name order) or "-" for stdin.
 * RK_EIO, RK_EFORMAT (not a capture), RK_ENOMEM. */
int rk_sensor_reader_open(struct rk_sensor_reader **out, const char *path,
                          const struct rk_sensor_config *cfg, struct rk_err *err);
/* Read a capture held in memory (borrowed; must outlive the reader). */
int rk_sensor_reader_open_mem(struct rk_sensor_reader **out, const uint8_t *data, size_t len,
                              const struct rk_sensor_config *cfg, struct rk_err *err);

struct rk_sensor_live_options {
    const char *ifname; /* interface to capture on */
    const char *filter; /* BPF filter expression, NULL for none */
    const char *user;   /* drop to this user after opening (NULL: "nobody" when root) */
    int promisc;        /* promiscuous mode */
    int snaplen;        /* 0: 65535 */
    int timeout_ms;     /* buffer timeout; 0: 100 */
};
/* Open a live capture with libpcap, then drop privileges (rk_sensor_drop_privileges).
 * RK_EIO when the interface cannot be opened, RK_EFORMAT for a bad filter, RK_EPERM when the
 * privileges cannot be dropped (the capture is closed again). */
int rk_sensor_reader_open_live(struct rk_sensor_reader **out,
                               const struct rk_sensor_live_options *opt, struct rk_err *err);

/* The next frame: 1 with *frame filled (borrowed until the next call), 0 at the end, or a
 * negative code for a damaged or unreadable file (err says which file and byte offset). After
 * an error, calling again goes on with the next file of a directory (or returns 0). A live
 * capture returns 2 when its buffer timeout expired without a packet. */
int rk_sensor_reader_next(struct rk_sensor_reader *r, struct rk_sensor_frame *frame,
                          struct rk_err *err);
/* Up to max frames at once, all valid until the next call, for rk_sensor_engine_packets.
 * Returns as rk_sensor_reader_next does (1 with *n_out >= 1, 0 at the end, 2 on a live
 * timeout with *n_out = 0, negative on error). Files we read ourselves give many frames per
 * call; pcapng files and live captures give one. */
int rk_sensor_reader_next_batch(struct rk_sensor_reader *r, struct rk_sensor_frame *frames,
                                size_t max, size_t *n_out, struct rk_err *err);
/* Make a live capture's next() return 0 soon (safe from a signal handler). */
void rk_sensor_reader_stop(struct rk_sensor_reader *r);
const struct rk_sensor_reader_stats *rk_sensor_reader_stats(const struct rk_sensor_reader *r);
/* Name of the file being read ("-" for stdin, "<memory>", the interface). Borrowed. */
const char *rk_sensor_reader_current(const struct rk_sensor_reader *r);
void rk_sensor_reader_free(struct rk_sensor_reader *r);

/* Switch to user (or "nobody" when user is NULL and we run as root): supplementary groups,
 * gid, uid, then check that root cannot be regained. Not root: a no-op when user is NULL or
 * is the current user, RK_EPERM otherwise. */
int rk_sensor_drop_privileges(const char *user, struct rk_err *err);

/* ---- rows of a closed bin ---------------------------------------------------------------- */

#define RK_SENSOR_NAME_MAX 64

/* The bin itself: one sensor over [start, start + secs). */
struct rk_sensor_bin_info {
    char sensor[RK_SENSOR_NAME_MAX];
    char country[3]; /* the sensor's ISO 3166 code, "" when unset */
    int tlp;         /* enum rk_tlp: the sensor's default marking */
    int64_t start;   /* seconds since the epoch */
    uint32_t secs;
    uint64_t packets, bytes; /* bytes: IP total lengths */
    uint64_t class_packets[RK_SENSOR_CLASS_COUNT];
    uint64_t fp_packets[RK_SENSOR_FP_COUNT]; /* index = bit number of RK_SENSOR_FP_* */
    uint64_t fp_sources[RK_SENSOR_FP_COUNT]; /* sources with that fingerprint */
    uint64_t sources;                        /* unique source addresses */
    uint64_t ports;                          /* distinct (protocol, port) keys */
    uint64_t dos_victims;  /* DoS attacks active in this bin that pass the thresholds */
    int exact;             /* 1: every figure of this bin is exact */
    double sources_rse;    /* relative standard error of sources when not exact, else 0 */
    uint64_t dropped_keys; /* keys not counted because even approximate state was full */
};

struct rk_sensor_port_row {
    uint8_t proto; /* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, else the IP protocol */
    uint16_t port; /* destination port; ICMP type; 0 for other protocols */
    uint64_t packets;
    uint64_t sources;       /* unique sources */
    uint64_t packets_clean; /* scan-class packets from sources not on a research list and
                               not spoofed: what early warning watches */
    uint64_t sources_clean;
    uint64_t class_packets[RK_SENSOR_CLASS_COUNT];
    int exact; /* 0: sources / sources_clean are HyperLogLog estimates */
};

struct rk_sensor_source_row {
    struct rk_sensor_addr addr;
    uint64_t packets;
    uint64_t packets_err; /* space-saving overestimate bound (0 when exact) */
    uint64_t dsts;        /* distinct destination addresses */
    uint64_t ports;       /* distinct (protocol, port) keys */
    int64_t first_ns, last_ns;
    uint64_t class_packets[RK_SENSOR_CLASS_COUNT];
    uint8_t fp;      /* union of RK_SENSOR_FP_* seen */
    uint8_t spoof;   /* union of RK_SENSOR_SPOOF_* seen */
    uint32_t asn;    /* 0 when unknown */
    char country[3]; /* "" when unknown */
    int exact;
};

/* A source /24 (IPv4) or /48 (IPv6), an ASN or a country. */
struct rk_sensor_group_row {
    struct rk_sensor_prefix prefix; /* prefix rows */
    uint32_t asn;                   /* ASN rows */
    char country[3];                /* country rows */
    const char *name;               /* ASN organisation when known, else NULL (borrowed) */
    uint64_t packets;
    uint64_t packets_err;
    uint64_t sources;
    int exact;
};

/* One DoS attack vector as of the end of the bin (figures are cumulative since its start). */
struct rk_sensor_dos_row {
    struct rk_sensor_addr victim;
    uint8_t proto; /* protocol of the attack (TCP, ICMP, or quoted in ICMP) */
    int64_t start_ns, last_ns;
    uint64_t packets, bytes;
    uint64_t bin_packets;     /* backscatter packets inside this bin */
    uint64_t attacker_addrs;  /* distinct sensor addresses hit (spoofed attacker sources) */
    uint64_t attacker_ports;  /* distinct ports on the sensor side */
    uint64_t target_ports;    /* distinct ports on the victim side */
    uint64_t max_ppm;         /* most packets in one rate window */
    uint64_t icmp_mismatches; /* ICMP errors whose quoted source is not the sensor address */
    int finished;             /* 1: idle for idle_secs; no more packets will join it */
    int exact;
};

struct rk_sensor_bin;

const struct rk_sensor_bin_info *rk_sensor_bin_info(const struct rk_sensor_bin *b);
/* The bin's rows, sorted by packets (then key) descending; *rows is borrowed from the bin. */
size_t rk_sensor_bin_ports(const struct rk_sensor_bin *b, const struct rk_sensor_port_row **rows);
size_t rk_sensor_bin_sources(const struct rk_sensor_bin *b,
                             const struct rk_sensor_source_row **rows);
size_t rk_sensor_bin_prefixes(const struct rk_sensor_bin *b,
                              const struct rk_sensor_group_row **rows);
size_t rk_sensor_bin_asns(const struct rk_sensor_bin *b, const struct rk_sensor_group_row **rows);
size_t rk_sensor_bin_countries(const struct rk_sensor_bin *b,
                               const struct rk_sensor_group_row **rows);
size_t rk_sensor_bin_dos(const struct rk_sensor_bin *b, const struct rk_sensor_dos_row **rows);
void rk_sensor_bin_free(struct rk_sensor_bin *b);

/* ---- persistence: a bin as bytes, and merging two parts of a bin ------------------------------ */

/* Encode a closed bin (figures, rows, per-port source sets when kept) into out, replacing its
 * contents. The format is versioned (docs/internals/sensor.md). RK_ELIMIT past out's cap. */
int rk_sensor_bin_encode(const struct rk_sensor_bin *b, struct rk_buf *out, struct rk_err *err);
/* Decode what rk_sensor_bin_encode wrote; the caller frees *out. The input is untrusted:
 * RK_EFORMAT for anything that is not a consistent bin, with the byte offset in err. */
int rk_sensor_bin_decode(struct rk_sensor_bin **out, const void *p, size_t len,
                         struct rk_err *err);
/* One bin from two parts of it counted separately (same sensor, start and length; b is the
 * newer and gives the sensor's country and TLP). Packets add up; unique sources are exact when
 * both parts kept every source and their per-port source sets, otherwise upper bounds marked
 * approximate (docs/internals/sensor.md, "merging"). The caller frees *out. RK_EINVAL for
 * bins that are not two parts of one bin. */
int rk_sensor_bin_merge(struct rk_sensor_bin **out, const struct rk_sensor_bin *a,
                        const struct rk_sensor_bin *b, struct rk_err *err);
/* 1 when every source of the bin has a row and per-port source sets are kept. */
int rk_sensor_bin_mergeable(const struct rk_sensor_bin *b);

/* ---- the engine -------------------------------------------------------------------------- */

struct rk_sensor_engine;

struct rk_sensor_stats {
    uint64_t frames;  /* frames given to rk_sensor_engine_packet */
    uint64_t packets; /* IP packets inside some sensor */
    uint64_t outside; /* IP packets to no sensor */
    uint64_t drops[RK_SENSOR_DROP_COUNT];
    uint64_t approx_bins;  /* (bin, sensor) states that switched to approximate counting */
    uint64_t dropped_keys; /* keys not counted because even approximate state was full */
    uint64_t bins_emitted;
    uint64_t mem_used, mem_peak; /* bytes of aggregation state */
};

/* A new engine with cfg (NULL: defaults). RK_EINVAL for a bad config, RK_ENOMEM. */
int rk_sensor_engine_new(struct rk_sensor_engine **out, const struct rk_sensor_config *cfg,
                         struct rk_err *err);
void rk_sensor_engine_free(struct rk_sensor_engine *e);

/* Add a sensor before the first packet. prefixes: CIDRs separated by commas or blanks.
 * country: ISO 3166 alpha-2 or NULL. RK_EEXISTS for a duplicate name, RK_EFORMAT for a bad
 * prefix, RK_ECONFLICT when a prefix overlaps another sensor's, RK_ELIMIT past 256 sensors. */
int rk_sensor_engine_add_sensor(struct rk_sensor_engine *e, const char *name, const char *country,
                                int tlp, const char *prefixes, struct rk_err *err);

/* Loading results for the list and table loaders. */
struct rk_sensor_load_result {
    uint64_t rows;     /* entries loaded */
    uint64_t bad_rows; /* lines that could not be used (the first is described in err) */
    uint64_t first_bad_line;
};

/* Add research-scanner prefixes from a file: maltrail-style text (an address or CIDR per line,
 * '#' comments) or a MISP warning list (JSON with a "list" array). Bad lines are counted and
 * skipped; err describes the first. RK_EIO, RK_EFORMAT when nothing at all could be used. */
int rk_sensor_engine_load_scanners(struct rk_sensor_engine *e, const char *path,
                                   struct rk_sensor_load_result *res, struct rk_err *err);

enum rk_sensor_geo_kind {
    RK_SENSOR_GEO_ASN = 0,    /* start,end,asn[,organisation] */
    RK_SENSOR_GEO_COUNTRY = 1 /* start,end,country_code */
};
/* Load a prefix table (format in docs/sensor.md: @ip-location-db style ranges, numeric
 * ranges, or CIDR,value rows). Overlapping rows are bad rows. Replaces a table of that kind. */
int rk_sensor_engine_load_geo(struct rk_sensor_engine *e, int kind, const char *path,
                              struct rk_sensor_load_result *res, struct rk_err *err);

/* Count one frame. Undecodable frames are counted by reason (stats.drops); never fails on
 * packet content. RK_ENOMEM only when memory runs out outside the cap's control. */
int rk_sensor_engine_packet(struct rk_sensor_engine *e, const struct rk_sensor_frame *f);
/* Count n frames in order, exactly as n calls of rk_sensor_engine_packet would, but faster:
 * the memory each packet needs is prefetched a few packets ahead. The frames' data must stay
 * valid during the call (rk_sensor_reader_next_batch gives such frames). */
int rk_sensor_engine_packets(struct rk_sensor_engine *e, const struct rk_sensor_frame *f, size_t n);
/* Close bins that end (plus lateness) before now_ns: for live captures on a quiet link. */
int rk_sensor_engine_advance(struct rk_sensor_engine *e, int64_t now_ns, struct rk_err *err);
/* Close every open bin (end of input). */
int rk_sensor_engine_flush(struct rk_sensor_engine *e, struct rk_err *err);
/* Take the next closed bin, oldest first and sensors in the order they were added: 1 with *out
 * set (the caller frees it), 0 when there is none. Every sensor gets a bin for every interval
 * from the first packet to the last, empty ones included. */
int rk_sensor_engine_take_bin(struct rk_sensor_engine *e, struct rk_sensor_bin **out);
/* Take the next finished DoS attack that passed the thresholds: 1 or 0. */
int rk_sensor_engine_take_attack(struct rk_sensor_engine *e, struct rk_sensor_dos_row *out,
                                 char sensor[RK_SENSOR_NAME_MAX]);
const struct rk_sensor_stats *rk_sensor_engine_stats(const struct rk_sensor_engine *e);
/* The ASN organisation name for asn, or NULL. Borrowed from the engine. */
const char *rk_sensor_engine_asn_name(const struct rk_sensor_engine *e, uint32_t asn);

/* ---- early warning ----------------------------------------------------------------------- */

enum rk_sensor_rule {
    RK_SENSOR_RULE_SURGE = 0,   /* EWMA z-score of unique sources on a port */
    RK_SENSOR_RULE_CUSUM = 1,   /* CUSUM of the same standardised residuals: slower ramps */
    RK_SENSOR_RULE_NEW_PORT = 2 /* a port never seen active becomes active */
};
const char *rk_sensor_rule_name(int rule);

struct rk_sensor_detector_config {
    double alpha;                  /* EWMA weight of the newest bin [0.2] */
    double z_threshold;            /* surge when z >= this ... [6] */
    double min_ratio;              /* ... and sources >= min_ratio * baseline mean ... [2] */
    uint32_t min_sources;          /* ... and sources >= this [10] */
    double cusum_k;                /* CUSUM slack in standard deviations [1] */
    double cusum_h;                /* CUSUM alarm level [12] ... */
    double cusum_min_ratio;        /* ... with sources >= cusum_min_ratio * baseline mean [1.5] */
    uint32_t warmup_bins;          /* no alerts before this many bins of history [24] */
    uint32_t new_port_min_sources; /* new-port alert at this many sources [8] */
    uint32_t quiet_bins;           /* bins below baseline that end an alert episode [3] */
    int cross_sensor;              /* also watch the sum over all sensors (sensor "*") [1] */
    uint32_t max_keys;             /* (sensor, protocol, port) series kept [1,000,000] */
};
void rk_sensor_detector_config_init(struct rk_sensor_detector_config *cfg);

#define RK_SENSOR_EVIDENCE_MAX 8

struct rk_sensor_alert {
    int rule;                        /* enum rk_sensor_rule */
    char sensor[RK_SENSOR_NAME_MAX]; /* "*" for the cross-sensor series */
    int tlp;                         /* the sensor's TLP (the most restrictive for "*") */
    uint8_t proto;
    uint16_t port;
    int64_t bin_start; /* the bin that raised it */
    uint32_t bin_secs;
    double sources;                    /* unique clean sources in that bin */
    uint64_t packets;                  /* clean packets in that bin */
    double baseline_mean, baseline_sd; /* the EWMA baseline before the bin */
    double score;                      /* z (surge, new port) or the CUSUM statistic */
    int exact;                         /* 0 when a count in the evidence is approximate */
    uint32_t n_evidence;               /* recent bins, oldest first, the alerting bin last */
    struct {
        int64_t start;
        double sources;
        uint64_t packets;
    } evidence[RK_SENSOR_EVIDENCE_MAX];
};

struct rk_sensor_detector;

int rk_sensor_detector_new(struct rk_sensor_detector **out,
                           const struct rk_sensor_detector_config *cfg, struct rk_err *err);
void rk_sensor_detector_free(struct rk_sensor_detector *d);
/* Feed one closed bin (bins of one sensor must come in time order). */
int rk_sensor_detector_observe_bin(struct rk_sensor_detector *d, const struct rk_sensor_bin *b,
                                   struct rk_err *err);
/* The same from stored rows: for replaying bins read back from the store. */
int rk_sensor_detector_observe(struct rk_sensor_detector *d, const struct rk_sensor_bin_info *info,
                               const struct rk_sensor_port_row *rows, size_t n, struct rk_err *err);
/* Evaluate the cross-sensor series of the last bin (call at the end of input). */
int rk_sensor_detector_flush(struct rk_sensor_detector *d, struct rk_err *err);
/* Take the next alert: 1 with *out filled, 0 when there is none. */
int rk_sensor_detector_take_alert(struct rk_sensor_detector *d, struct rk_sensor_alert *out);

/* ---- STIX export ------------------------------------------------------------------------- */

/* The fixed ids renkei ships: UUIDv5 in the STIX namespace of "renkei:identity",
 * "renkei:extension-definition:sensor" and "renkei:attack-pattern:network-dos". */
#define RK_SENSOR_STIX_IDENTITY_ID    "identity--73c3c0b3-f661-53c3-aeed-80026535e7da"
#define RK_SENSOR_STIX_EXTENSION_ID   "extension-definition--ef2be664-f170-595b-baf5-b0bb4e016622"
#define RK_SENSOR_STIX_DOS_PATTERN_ID "attack-pattern--e4c96ffe-b21a-5fc4-a1b5-dfb0ca67813b"
#define RK_SENSOR_STIX_SUMMARY_TYPE   "renkei-darknet-summary"

struct rk_sensor_stix_options {
    size_t top_sources;   /* scanners exported per bin [50] */
    uint64_t min_packets; /* ... with at least this many packets [10] */
    size_t top_rows;      /* port / country / ASN rows inside the summary [20] */
    int include_research; /* export research scanners too (without indicators) [0] */
    int64_t modified_ns;  /* "modified" of the bin's objects, for a revised (merged) bin; 0 or
                             anything before the bin's end: the bin's end, like "created" [0] */
};
void rk_sensor_stix_options_init(struct rk_sensor_stix_options *opt);

/* renkei's identity, its extension-definition (new-sdo + property-extension) and the
 * "Network Denial of Service" attack-pattern. Each *out is a new reference. */
int rk_sensor_stix_identity(json_t **out, struct rk_err *err);
int rk_sensor_stix_extension_definition(json_t **out, struct rk_err *err);
int rk_sensor_stix_dos_pattern(json_t **out, struct rk_err *err);

/* Every object for one bin, appended to the JSON array objects: the sensor's identity, the
 * renkei-darknet-summary SDO, scanners (SCO + observed-data + indicator + sighting) and DoS
 * victims (SCO + observed-data + sighting of the DoS attack-pattern). Ids are deterministic
 * (UUIDv5), so exporting a bin twice yields the same objects. Markings: the sensor's TLP. */
int rk_sensor_stix_bin(const struct rk_sensor_bin *b, const struct rk_sensor_stix_options *opt,
                       json_t *objects, struct rk_err *err);
/* A report for an alert and a note with its evidence, appended to objects. The report carries
 * the evidence as a property extension and refers to the note, to the summary SDOs of the
 * evidence bins (per-sensor alerts; same ids as rk_sensor_stix_bin gives them) and to refs:
 * ids of other objects, e.g. observed-data of the scanners of the alerting bin (may be NULL). */
int rk_sensor_stix_alert(const struct rk_sensor_alert *a, const json_t *refs, json_t *objects,
                         struct rk_err *err);
/* Ids of the scanners' observed-data that rk_sensor_stix_bin(b, opt) exports and that sent
 * clean packets to (proto, port) in the bin, at most max, appended to the array refs: what an
 * alert's report refers to as its evidence. Needs the bin's per-port source sets (bins stored
 * by renkei have them); otherwise appends nothing. RK_ENOMEM. */
int rk_sensor_stix_scanner_refs(const struct rk_sensor_bin *b,
                                const struct rk_sensor_stix_options *opt, uint8_t proto,
                                uint16_t port, size_t max, json_t *refs);
/* An alert's evidence from its bin b: the SCOs of the first max sources that sent clean
 * packets to the alert's port (heaviest first) and one observed-data of them (number_observed:
 * the port's clean packets), appended to objects; the observed-data's id to refs. Needs the
 * bin's per-port source sets, otherwise adds nothing. RK_ENOMEM. */
int rk_sensor_stix_alert_evidence(const struct rk_sensor_bin *b, const struct rk_sensor_alert *a,
                                  size_t max, int64_t modified_ns, json_t *objects, json_t *refs,
                                  struct rk_err *err);
/* The same for a revised alert (raised again with other figures): "modified" is modified_ns
 * (at least the bin's end, which stays "created"). */
int rk_sensor_stix_alert_revised(const struct rk_sensor_alert *a, const json_t *refs,
                                 int64_t modified_ns, json_t *objects, struct rk_err *err);
/* Wrap objects in a bundle (takes a new reference to objects). */
int rk_sensor_stix_bundle(json_t *objects, json_t **out, struct rk_err *err);

/* ---- plots and tables -------------------------------------------------------------------- */

struct rk_sensor_plot_options {
    const char *title; /* NULL: "Packets per port" */
    size_t top_n;      /* ports drawn [10] */
    int stacked;       /* stacked areas instead of lines [0] */
    int width, height; /* pixels [960 x 480] */
    int log_scale;     /* logarithmic y axis (lines only) [0] */
};
void rk_sensor_plot_options_init(struct rk_sensor_plot_options *opt);

struct rk_sensor_plot;
int rk_sensor_plot_new(struct rk_sensor_plot **out, const struct rk_sensor_plot_options *opt,
                       struct rk_err *err);
void rk_sensor_plot_free(struct rk_sensor_plot *p);
/* Add packets for (proto, port) at bin start t; repeated calls for the same point add up. */
int rk_sensor_plot_add(struct rk_sensor_plot *p, int64_t t, uint32_t secs, uint8_t proto,
                       uint16_t port, uint64_t packets);
/* Add every port row of a bin. */
int rk_sensor_plot_add_bin(struct rk_sensor_plot *p, const struct rk_sensor_bin *b);
/* Write the SVG document to out. RK_EINVAL when nothing was added, RK_ELIMIT past out's cap. */
int rk_sensor_plot_svg(const struct rk_sensor_plot *p, struct rk_buf *out, struct rk_err *err);

/* TSUBAME-style top-N tables as fixed-width text appended to out. total: the packets the
 * percentages refer to (0: the sum of the rows). */
int rk_sensor_table_ports(struct rk_buf *out, const struct rk_sensor_port_row *rows, size_t n,
                          size_t top_n, uint64_t total);
int rk_sensor_table_sources(struct rk_buf *out, const struct rk_sensor_source_row *rows, size_t n,
                            size_t top_n, uint64_t total);
int rk_sensor_table_groups(struct rk_buf *out, const char *title,
                           const struct rk_sensor_group_row *rows, size_t n, size_t top_n,
                           uint64_t total);
/* "23/tcp", "53/udp", "8/icmp" (type), "proto-47". */
const char *rk_sensor_port_label(uint8_t proto, uint16_t port, char *buf, size_t cap);

#endif
