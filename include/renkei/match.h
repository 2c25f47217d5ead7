/* match.h - the indicator index: compile indicators, look values up, extract values from logs.
 *
 * An index holds indicator values of these kinds: IPv4 and IPv6 addresses, prefixes and ranges
 * (every covering prefix is found, longest first), domain names (a listed domain also matches
 * its subdomains, on label boundaries, unless exact matching is asked for), URLs (normalised,
 * scheme-less), URL paths, e-mail addresses and file hashes (MD5, SHA-1, SHA-256, SHA-512).
 * Each value points to the indicators that carry it; each indicator has metadata (id,
 * confidence, TLP, validity).
 *
 * An index is immutable once built. Its in-memory form is the byte image of a snapshot file,
 * so saving is one write and loading is one mmap (validated before use: a corrupt or hostile
 * file gives RK_EFORMAT, never a crash). Lookups are thread-safe.
 *
 *     struct rk_match_builder *b;
 *     struct rk_match_index *ix;
 *     rk_match_builder_new(&b, NULL, &err);
 *     rk_match_builder_add_list(b, text, len, "bad.txt", NULL, &err);
 *     rk_match_builder_finish(b, &ix, &err);          (b is consumed)
 *     rk_match_value_parse(&v, RK_MATCH_ANY, "10.1.2.3", 8, &err);
 *     n = rk_match_lookup(ix, &v, NULL, hits, 16);
 */
#ifndef RENKEI_MATCH_H
#define RENKEI_MATCH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"

/* ---- values -------------------------------------------------------------------------------- */

enum rk_match_kind {
    RK_MATCH_ANY = 0, /* for parsing: guess the kind */
    RK_MATCH_IPV4 = 1,
    RK_MATCH_IPV6 = 2,
    RK_MATCH_DOMAIN = 3,
    RK_MATCH_URL = 4,      /* host[:port]/path[?query], scheme and fragment dropped */
    RK_MATCH_URL_PATH = 5, /* /path[?query] with no host: matches that path on any host */
    RK_MATCH_EMAIL = 6,
    RK_MATCH_MD5 = 7,
    RK_MATCH_SHA1 = 8,
    RK_MATCH_SHA256 = 9,
    RK_MATCH_SHA512 = 10,
    RK_MATCH_KIND_COUNT = 11
};

/* Longest value text kept (URLs; a domain is at most 253 bytes). */
#define RK_MATCH_VALUE_MAX 2048

/* A normalised value. For IPs, addr holds the address (network byte order) and prefix the
 * prefix length (32/128 for a single address); range_end is set for "a-b" ranges from lists.
 * For hashes, addr holds the digest. For names, text holds the normalised form. */
struct rk_match_value {
    int kind;                /* enum rk_match_kind */
    unsigned prefix;         /* IPs: prefix length */
    int is_range;            /* IPv4 lists only: addr..range_end */
    uint8_t addr[16];        /* IPv4 in addr[0..4), IPv6 in addr[0..16) */
    uint8_t range_end[16];
    uint8_t digest[64];      /* hashes */
    size_t len;              /* length of text */
    char text[RK_MATCH_VALUE_MAX + 1]; /* canonical text: "10.0.0.0/8", "evil.example", ... */
};

/* "ipv4-addr", "ipv6-addr", "domain-name", "url", "url-path", "email-addr", "md5", "sha1",
 * "sha256", "sha512"; "any". Never NULL. */
const char *rk_match_kind_name(int kind);
/* The reverse of rk_match_kind_name; RK_EFORMAT for an unknown name. */
int rk_match_kind_parse(const char *name, int *kind_out);

/* Parse and normalise one value. With RK_MATCH_ANY the kind is guessed (IP, CIDR, hash by
 * length, URL, e-mail, domain, in that order); with a kind, only that kind is accepted.
 * Accepts IPv4 and IPv6 prefixes ("10.0.0.0/8"; host bits are cleared). RK_EFORMAT with
 * the offending byte offset in err. */
int rk_match_value_parse(struct rk_match_value *out, int kind, const char *s, size_t len,
                         struct rk_err *err);

/* Fast parsers for hot loops; each returns 1 on success, 0 otherwise. */
/* Dotted-quad IPv4 exactly as inet_pton accepts it (no leading zeros). out is host order. */
int rk_match_parse_ipv4(const char *s, size_t len, uint32_t *out);
/* Any IPv6 text form inet_pton accepts, including an embedded IPv4 tail. */
int rk_match_parse_ipv6(const char *s, size_t len, uint8_t out[16]);

/* ---- building ------------------------------------------------------------------------------ */

/* Metadata of one indicator. Strings are copied by the builder. */
struct rk_match_indicator {
    const char *id;          /* STIX id, or "list:<source>:<line>" for list entries */
    const char *source;      /* collection, bundle or list file it came from; may be NULL */
    const char *name;        /* the indicator's name; may be NULL */
    const char *types;       /* indicator_types joined with ',' ("malicious-activity"); may be NULL */
    int confidence;          /* 0..100, -1 when absent */
    int tlp;                 /* enum rk_tlp of the indicator (0: none) */
    int64_t valid_from_us;   /* INT64_MIN when absent */
    int64_t valid_until_us;  /* INT64_MAX when absent */
    const char *pattern;     /* the whole pattern when it is more than one comparison
                              * (evaluated for candidates only); NULL otherwise */
    uint32_t line;           /* line in a list file, 0 otherwise */
};

struct rk_match_build_options {
    int set_only;            /* 1: keep only which values are listed (grep mode: the smallest
                              * and fastest index, no indicator metadata, no matched value) */
    uint64_t stamp;          /* the state of the source it was built from (see rk_match_index_stamp) */
    uint64_t stamp_aux;      /* a second word of it (e.g. a row count) */
    size_t max_values;       /* cap on values; default 64M */
    size_t max_indicators;   /* cap on indicators; default 64M */
};

struct rk_match_builder;

/* A new, empty builder. opt may be NULL (defaults). */
int rk_match_builder_new(struct rk_match_builder **out, const struct rk_match_build_options *opt,
                         struct rk_err *err);
/* Free a builder that was not finished. Accepts NULL. */
void rk_match_builder_free(struct rk_match_builder *b);

/* Record the state of the source in the index (known only once it has been read). */
void rk_match_builder_set_stamp(struct rk_match_builder *b, uint64_t stamp, uint64_t stamp_aux);

/* Add an indicator's metadata; *id_out is its number for rk_match_builder_add_value.
 * RK_ELIMIT past max_indicators. */
int rk_match_builder_add_indicator(struct rk_match_builder *b, const struct rk_match_indicator *ind,
                                   uint32_t *id_out, struct rk_err *err);
/* Add a parsed value carried by indicator id (RK_EINVAL for an unknown id). */
int rk_match_builder_add_value(struct rk_match_builder *b, uint32_t id,
                               const struct rk_match_value *v, struct rk_err *err);

/* What a list parse found. Bad lines are skipped and counted; the first few are described. */
#define RK_MATCH_LIST_ERRORS_KEPT 16
struct rk_match_list_stats {
    uint64_t lines;
    uint64_t values;            /* values added (duplicates included) */
    uint64_t by_kind[RK_MATCH_KIND_COUNT];
    uint64_t comments;          /* blank and comment lines */
    uint64_t bad;               /* lines that held no usable value */
    size_t errors_kept;
    struct {
        uint64_t line;
        long long offset;
        char message[160];
    } errors[RK_MATCH_LIST_ERRORS_KEPT];
};

/* Parse a plain list (one value per line as real lists come: '#', ';' and '!' comments,
 * inline " # comments", CRLF, hosts-file lines "0.0.0.0 name", IP:port, [v6]:port, CIDRs,
 * IPv4 ranges "a-b", URLs, bare host/path trails, e-mail addresses, hashes) and add every value.
 * In a full index each line becomes one indicator with id "list:<source>:<line>".
 * stats may be NULL. Bad lines do not fail the call; RK_ELIMIT/RK_ENOMEM do. */
int rk_match_builder_add_list(struct rk_match_builder *b, const char *text, size_t len,
                              const char *source, struct rk_match_list_stats *stats,
                              struct rk_err *err);

/* Per-line callback form of the list parser, for tools and tests: fn gets each value with
 * its line number and byte offset; bad lines go to stats. A non-zero return from fn stops. */
typedef int (*rk_match_list_fn)(const struct rk_match_value *v, uint64_t line, long long offset,
                                void *ctx);
int rk_match_list_parse(const char *text, size_t len, rk_match_list_fn fn, void *ctx,
                        struct rk_match_list_stats *stats, struct rk_err *err);

/* What compiling STIX indicators did. Skipped indicators do not fail a call. */
struct rk_match_stix_stats {
    uint64_t indicators;   /* indicator objects seen */
    uint64_t compiled;     /* put in the index */
    uint64_t needs_eval;   /* of those, confirmed by evaluating the whole pattern */
    uint64_t partial;      /* OR-patterns of which only some comparisons can be looked up */
    uint64_t values;       /* values added */
    uint64_t revoked, expired, not_stix; /* skipped: revoked, valid_until passed, other language */
    uint64_t unindexable;  /* skipped: no comparison the index can look up */
    uint64_t bad_pattern;  /* skipped: the pattern or validity times do not parse */
    uint64_t rejected;     /* objects of a STIX input the validator rejected */
    struct rk_err first_error; /* the first skipped indicator's reason, with its id */
};

/* Compile one STIX indicator (its JSON object; other object types are ignored). tlp is its
 * TLP as the caller determined it (enum rk_tlp); source names the collection or file. Revoked
 * indicators, indicators whose valid_until is at or before now_us (0: never expire here),
 * pattern languages other than "stix" and patterns with nothing to look up are skipped and
 * counted in st. Comparisons indexed: ipv4-addr:value, ipv6-addr:value (= or ISSUBSET),
 * domain-name:value, url:value, email-addr:value, email-message:*_ref(s).value,
 * network-traffic:src_ref.value / dst_ref.value, file:hashes / artifact:hashes (MD5, SHA-1,
 * SHA-256, SHA-512), with = or IN. RK_ENOMEM, RK_ELIMIT from the builder. */
int rk_match_builder_add_stix(struct rk_match_builder *b, const json_t *indicator, int tlp,
                              const char *source, int64_t now_us, struct rk_match_stix_stats *st,
                              struct rk_err *err);

/* Compile every indicator of a STIX input (bundle, array, JSON lines; "-" is stdin), read and
 * validated by the streaming STIX reader; TLP from each object's markings. Rejected objects
 * are counted in st->rejected (the first reason kept in st->first_error); input broken beyond
 * repair stops with its error (what came before stays compiled). */
int rk_match_builder_add_stix_file(struct rk_match_builder *b, const char *path,
                                   const char *source, int64_t now_us,
                                   struct rk_match_stix_stats *st, struct rk_err *err);

struct rk_match_index;

/* Compile everything added into an index and free the builder (also on failure). */
int rk_match_builder_finish(struct rk_match_builder *b, struct rk_match_index **out,
                            struct rk_err *err);

/* ---- the index ----------------------------------------------------------------------------- */

/* Write the index to path atomically (a temporary file renamed into place). RK_EIO. */
int rk_match_index_save(const struct rk_match_index *ix, const char *path, struct rk_err *err);
/* Map a snapshot file read-only and validate it. RK_EFORMAT (bad magic, version, checksum, or
 * any offset or count that does not fit), RK_EIO, RK_ENOTFOUND. */
int rk_match_index_open(struct rk_match_index **out, const char *path, struct rk_err *err);
/* Validate a snapshot image held in memory (copied; for tests and fuzzing). */
int rk_match_index_open_mem(struct rk_match_index **out, const void *p, size_t len,
                            struct rk_err *err);
/* Unmap or free. Accepts NULL. */
void rk_match_index_free(struct rk_match_index *ix);

struct rk_match_index_stats {
    uint64_t indicators;
    uint64_t values[RK_MATCH_KIND_COUNT]; /* distinct values per kind */
    uint64_t ipv4_intervals, ipv6_intervals;
    uint64_t bytes;          /* size of the image */
    uint64_t stamp, stamp_aux;
    int64_t built_us;
    int set_only;
};
void rk_match_index_stats(const struct rk_match_index *ix, struct rk_match_index_stats *out);
/* The stamp given at build time (e.g. the store state it was compiled from). */
uint64_t rk_match_index_stamp(const struct rk_match_index *ix);

/* ---- lookups ------------------------------------------------------------------------------- */

/* One (value, indicator) pair of a hit. */
struct rk_match_hit {
    uint32_t key;       /* the listed value that matched: rk_match_key_text() */
    uint32_t indicator; /* rk_match_indicator_get(); UINT32_MAX in a set-only index */
};

struct rk_match_lookup_options {
    int exact_domains;  /* 1: a listed domain matches only itself, not its subdomains */
    int64_t now_us;     /* indicators not valid at this instant do not match; 0: ignore validity */
};

/* Look a value up. Writes up to cap hits (most specific first: longest prefix, longest
 * domain suffix) and returns how many there are in total (may exceed cap). opt may be NULL. */
size_t rk_match_lookup(const struct rk_match_index *ix, const struct rk_match_value *v,
                       const struct rk_match_lookup_options *opt, struct rk_match_hit *hits,
                       size_t cap);
/* 1 when the value is listed at all (validity not checked): the grep-mode test. */
int rk_match_contains(const struct rk_match_index *ix, const struct rk_match_value *v,
                      int exact_domains);
/* 1 when the index holds any value of this kind (grep -v counts only lines of such kinds). */
int rk_match_has_kind(const struct rk_match_index *ix, int kind);

/* The canonical text of a listed value ("10.0.0.0/8", "example.com"); "" for a bad key. */
const char *rk_match_key_text(const struct rk_match_index *ix, uint32_t key, size_t *len_out);
/* The kind of a listed value. */
int rk_match_key_kind(const struct rk_match_index *ix, uint32_t key);

/* An indicator's metadata, borrowed from the index. */
struct rk_match_indicator_info {
    const char *id;
    const char *source;      /* "" when none */
    const char *name;        /* "" when none */
    const char *types;       /* indicator_types joined with ',', "" when none */
    const char *pattern;     /* NULL unless the indicator needs its whole pattern evaluated */
    int confidence;          /* -1 when absent */
    int tlp;
    int64_t valid_from_us;
    int64_t valid_until_us;
    uint32_t line;
};
/* RK_ENOTFOUND for an id out of range. */
int rk_match_indicator_get(const struct rk_match_index *ix, uint32_t id,
                           struct rk_match_indicator_info *out);

/* ---- grep mode ----------------------------------------------------------------------------- */

/* How lines of one input are judged, as grepcidr -x and grep -F -x do: a line matches when it
 * starts with an IPv4 (or IPv6) address that ends at a character other than a letter, digit or
 * dot (or colon), or when the whole line (without its CR) is one domain, URL, e-mail address or
 * hash, and the index lists it. With invert, the lines printed are those holding a value of a
 * kind the index has that is not listed. */
struct rk_match_grep_options {
    int invert;          /* -v */
    int count_only;      /* -c */
    int exact_domains;
    unsigned threads;    /* 0 or 1: the calling thread only */
    const char *prefix;  /* prepended to each printed line ("file:"), NULL for none */
};

/* Receives output bytes in input order. A non-zero return stops the scan and is returned. */
typedef int (*rk_match_write_fn)(const char *p, size_t len, void *ctx);

/* Scan a buffer of lines. Matching lines (with their line ends, exactly as in the input) go to
 * write unless count_only; *count_out gets the number of selected lines. */
int rk_match_grep(const struct rk_match_index *ix, const char *p, size_t len,
                  const struct rk_match_grep_options *opt, rk_match_write_fn write, void *ctx,
                  uint64_t *count_out, struct rk_err *err);

/* ---- warning lists ------------------------------------------------------------------------- */

/* MISP warning lists (known-good values): types cidr, string, hostname, substring, regex.
 * A hit on a listed value is suppressed when a warning list whose matching_attributes cover
 * the value's kind contains it. */
struct rk_match_warnlists;

int rk_match_warnlists_new(struct rk_match_warnlists **out, struct rk_err *err);
void rk_match_warnlists_free(struct rk_match_warnlists *wl);
/* Add one list from its JSON text; source names it in errors. RK_EFORMAT with the JSON path. */
int rk_match_warnlists_add_json(struct rk_match_warnlists *wl, const char *json, size_t len,
                                const char *source, struct rk_err *err);
/* Add a file, or every *.json file in a directory (sorted by name). */
int rk_match_warnlists_add_path(struct rk_match_warnlists *wl, const char *path,
                                struct rk_err *err);
/* Compile what was added; needed once before checks. */
int rk_match_warnlists_finish(struct rk_match_warnlists *wl, struct rk_err *err);
size_t rk_match_warnlists_count(const struct rk_match_warnlists *wl);

/* The first warning list that contains v: its name and the entry that matched. 1 when
 * suppressed, 0 when not. */
struct rk_match_warning {
    const char *list;   /* the list's "name" */
    const char *entry;  /* the list entry that matched */
};
int rk_match_warnlists_check(const struct rk_match_warnlists *wl, const struct rk_match_value *v,
                             struct rk_match_warning *out);

/* ---- extracting values from input ---------------------------------------------------------- */

/* The connection a record describes, when the input says (Zeek, eve, packets). */
struct rk_match_flow {
    unsigned src_port, dst_port; /* 0 when unknown */
    char proto[8];               /* "tcp", "udp", "icmp", ... lower case; "" when unknown */
};

enum rk_match_role {
    RK_MATCH_ROLE_NONE = 0,
    RK_MATCH_ROLE_SRC = 1, /* the source address of the record's connection */
    RK_MATCH_ROLE_DST = 2  /* its destination address */
};

/* One value seen in the input. Strings are borrowed for the duration of the callback. */
struct rk_match_obs {
    const struct rk_match_value *value;
    const char *field;   /* "id.resp_h", "dns.rrname", "column dst", "text", "dns.qname", ... */
    int64_t ts_us;       /* when it was seen; 0 when the record had no time */
    uint64_t record;     /* line or packet number, from 1 */
    long long offset;    /* byte offset of the record in the input, -1 for packets */
    int role;            /* enum rk_match_role */
    const struct rk_match_flow *flow; /* NULL when the record has no connection */
};
typedef int (*rk_match_obs_fn)(const struct rk_match_obs *obs, void *ctx);

enum rk_match_format {
    RK_MATCH_FMT_LINES = 0, /* one value per line (grep mode input) */
    RK_MATCH_FMT_JSON,      /* JSON lines: Zeek conn/dns/http/files/ssl/x509 and Suricata eve */
    RK_MATCH_FMT_CSV,       /* CSV with a header; the named column */
    RK_MATCH_FMT_TEXT,      /* free text: values anywhere in the line */
    RK_MATCH_FMT_PCAP       /* pcap or pcapng: addresses, DNS query names, HTTP Host, TLS SNI */
};

struct rk_match_extract_options {
    int format;           /* enum rk_match_format */
    const char *column;   /* CSV: the column name (required) */
    char csv_sep;         /* CSV: separator, default ',' */
    size_t max_line;      /* longest record; default 1 MiB; longer ones are errors */
};

/* Per-input counters; errors are described in err of the last failure, lines are not lost. */
struct rk_match_extract_stats {
    uint64_t records;      /* lines or packets */
    uint64_t values;       /* values passed to fn */
    uint64_t bad_records;  /* lines that did not parse (bad JSON, short CSV row, ...) */
    uint64_t skipped;      /* packets not decoded (other protocols, truncated) */
    struct rk_err first_error;
};

/* Extract values from a whole input held in memory. A non-zero return from fn stops and is
 * returned. Bad records are counted (and the first kept in stats->first_error); only a broken
 * container (a pcap file that cannot be read further) returns RK_EFORMAT. */
int rk_match_extract(const char *p, size_t len, const struct rk_match_extract_options *opt,
                     rk_match_obs_fn fn, void *ctx, struct rk_match_extract_stats *stats,
                     struct rk_err *err);
/* One JSON, CSV or text line (no line end). For CSV, header is the header line. */
int rk_match_extract_line(const char *line, size_t len, const struct rk_match_extract_options *opt,
                          const char *header, size_t header_len, uint64_t record,
                          rk_match_obs_fn fn, void *ctx, struct rk_err *err);

/* ---- the matcher: observations in, events out --------------------------------------------- */

/* Looks every observed value up, confirms candidates of compound patterns by evaluating them on
 * the record's observation (all values of one record, as SCOs), checks warning lists, reports
 * events and aggregates sightings. One matcher serves one thread. */
struct rk_match_matcher;

struct rk_match_matcher_options {
    int exact_domains;
    int64_t now_us;       /* indicators must be valid at this instant; 0: the current time */
    int64_t window_us;    /* sighting window; default one hour */
    size_t max_buffered;  /* observations kept per multi-observation pattern; default 32 */
};

/* A value that matched indicators. Borrowed for the duration of the callback. */
struct rk_match_event {
    const char *input;                /* the input's name */
    const struct rk_match_obs *obs;
    const struct rk_match_hit *hits;  /* confirmed and valid, most specific first */
    size_t n_hits;
    int suppressed;                   /* a warning list holds the value */
    struct rk_match_warning warning;  /* which, when suppressed */
};
typedef int (*rk_match_event_fn)(const struct rk_match_event *ev, void *ctx);

struct rk_match_matcher_stats {
    uint64_t values;          /* values observed */
    uint64_t events;          /* values with confirmed hits (suppressed ones included) */
    uint64_t suppressed;      /* of those, held by a warning list */
    uint64_t not_valid;       /* hits dropped: indicator not yet or no longer valid */
    uint64_t pattern_rejected;/* candidate hits the whole pattern did not confirm */
    uint64_t pattern_errors;  /* candidate hits whose evaluation failed (counted as no match) */
};

/* ix and wl (may be NULL) are borrowed and must outlive the matcher; opt may be NULL. */
int rk_match_matcher_new(struct rk_match_matcher **out, const struct rk_match_index *ix,
                         const struct rk_match_warnlists *wl,
                         const struct rk_match_matcher_options *opt, rk_match_event_fn fn,
                         void *ctx, struct rk_err *err);
void rk_match_matcher_free(struct rk_match_matcher *m);
/* Take one observed value (the extractor's callback can pass its obs straight on). Values of
 * one record (same input and record number) are gathered; a record is judged when the next
 * one starts or at rk_match_matcher_flush. A non-zero return from the event callback stops. */
int rk_match_matcher_observe(struct rk_match_matcher *m, const char *input,
                             const struct rk_match_obs *obs, struct rk_err *err);
/* Judge the record gathered last (call at the end of each input). */
int rk_match_matcher_flush(struct rk_match_matcher *m, struct rk_err *err);
void rk_match_matcher_stats(const struct rk_match_matcher *m, struct rk_match_matcher_stats *out);

/* A sighting: one indicator seen count times in one time window (suppressed hits excluded). */
struct rk_match_sighting {
    uint32_t indicator;
    int64_t window_start_us;
    uint64_t count;
    int64_t first_seen_us, last_seen_us;
};
/* Call fn for each sighting, ordered by indicator then window. A non-zero return stops. */
int rk_match_matcher_sightings(const struct rk_match_matcher *m,
                               int (*fn)(const struct rk_match_sighting *s, void *ctx), void *ctx,
                               struct rk_err *err);

/* A STIX 2.1 sighting object (new JSON, the caller owns it) for an aggregated sighting:
 * sighting_of_ref the indicator, count, first_seen/last_seen, where_sighted_refs and
 * created_by_ref identity_id (the node's identity), object_marking_refs the indicator's TLP.
 * Its id is a UUIDv5 of (identity, indicator, window) and created = modified = last_seen, so
 * the same window seen again gives the same object (a duplicate, not a new one).
 * RK_EINVAL when the indicator has no STIX id (plain list entries). */
int rk_match_sighting_json(const struct rk_match_index *ix, const struct rk_match_sighting *s,
                           const char *identity_id, json_t **out, struct rk_err *err);

/* Append an event as one JSON object (no line end) to out (a struct rk_buf from util/buf.h):
 * {"time","input","record","offset","field","kind","value","suppressed_by"?,
 *  "indicators":[{"id","matched","matched_kind","confidence","tlp","valid_until","source",
 *  "name","indicator_types"}]}. docs/match.md describes every member. */
struct rk_buf;
int rk_match_event_json(const struct rk_match_index *ix, const struct rk_match_event *ev,
                        struct rk_buf *out);

#endif
