/* stix.c - STIX 2.1 objects for sensor data: renkei's identity and extension-definition, the
 * renkei-darknet-summary SDO (a new-sdo extension, spec section 7.3), scanners as observed-data
 * + indicator + sighting, DoS victims as observed-data + sighting of a DoS attack-pattern, and
 * alerts as a report with a note. Ids are UUIDv5 of stable names, so exports are repeatable. */
#include "sensor/sensor_int.h"
#include "util/rktime.h"
#include "util/strparse.h"
#include "util/uuid.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define NS            1000000000LL
#define EPOCH_STR     "2025-01-01T00:00:00.000Z" /* created/modified of the fixed objects */
#define RENKEI_NS     "4c17c26d-6db9-57ec-ae43-19c8ba822785" /* v5(STIX ns, "renkei:sensor") */
#define COUNT_MAX     999999999LL
#define INDICATOR_TTL (7LL * 86400 * NS)
#define ID_MAX        128

void rk_sensor_stix_options_init(struct rk_sensor_stix_options *opt)
{
    opt->top_sources = 50;
    opt->min_packets = 10;
    opt->top_rows = 20;
    opt->include_research = 0;
    opt->modified_ns = 0;
}

/* modified of a revised object: at least a millisecond after created (the end in seconds). */
static int64_t revision_ns(int64_t created_s, int64_t modified_ns)
{
    return modified_ns > created_s * NS ? modified_ns : created_s * NS;
}

/* The TLP 2.0 marking of a level, NULL for none (the node's default then applies). */
static const char *tlp_marking(int tlp)
{
    return tlp > RK_TLP_NONE && tlp <= RK_TLP_RED ? rk_tlp_marking_id((enum rk_tlp)tlp) : NULL;
}

static void ts_str(int64_t ns, char buf[RK_TIME_STR_MAX])
{
    struct rk_time t;

    t.sec = ns >= 0 ? ns / NS : (ns - NS + 1) / NS;
    t.nsec = (int32_t)(ns - t.sec * NS);
    t.digits = 3;
    if (rk_time_format(&t, 3, buf, RK_TIME_STR_MAX) < 0)
        rk_strlcpy(buf, "1970-01-01T00:00:00.000Z", RK_TIME_STR_MAX);
}

/* "type--" + UUIDv5 in renkei's namespace of the formatted name. */
static void obj_id(char out[ID_MAX], const char *type, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void obj_id(char out[ID_MAX], const char *type, const char *fmt, ...)
{
    uint8_t ns[16];
    char name[512], u[RK_UUID_STR];
    va_list ap;
    int n;

    rk_uuid_parse(ns, RENKEI_NS, 36);
    va_start(ap, fmt);
    n = vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    rk_uuid_v5(u, ns, name, (size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1);
    snprintf(out, ID_MAX, "%s--%s", type, u);
}

/* Deterministic SCO id (spec 2.9): UUIDv5 in the STIX namespace of the canonical JSON of the
 * id-contributing properties. */
static int sco_id(char out[ID_MAX], const char *type, const json_t *contributing)
{
    char *text = json_dumps(contributing, JSON_COMPACT | JSON_SORT_KEYS);
    char u[RK_UUID_STR];

    if (!text)
        return RK_ENOMEM;
    rk_uuid_v5(u, RK_UUID_NS_STIX, text, strlen(text));
    free(text);
    snprintf(out, ID_MAX, "%s--%s", type, u);
    return 0;
}

static int set(json_t *o, const char *k, json_t *v)
{
    if (!v || json_object_set_new(o, k, v) != 0)
        return RK_ENOMEM;
    return 0;
}

/* Set a list, or leave it out when it is empty (STIX forbids empty lists). */
static int set_list(json_t *o, const char *k, json_t *v)
{
    if (v && json_array_size(v) == 0) {
        json_decref(v);
        return 0;
    }
    return set(o, k, v);
}

static int set_str(json_t *o, const char *k, const char *v)
{
    return set(o, k, json_string(v));
}

static int set_int(json_t *o, const char *k, long long v)
{
    return set(o, k, json_integer(v));
}

/* The common properties of an SDO or SRO made by renkei. */
static json_t *sdo_new(const char *type, const char *id, const char *created, const char *modified,
                       int tlp)
{
    json_t *o = json_object();
    const char *mark = tlp_marking(tlp);
    int rc = 0;

    if (!o)
        return NULL;
    rc |= set_str(o, "type", type);
    rc |= set_str(o, "spec_version", "2.1");
    rc |= set_str(o, "id", id);
    rc |= set_str(o, "created", created);
    rc |= set_str(o, "modified", modified);
    if (strcmp(id, RK_SENSOR_STIX_IDENTITY_ID) != 0)
        rc |= set_str(o, "created_by_ref", RK_SENSOR_STIX_IDENTITY_ID);
    if (mark)
        rc |= set(o, "object_marking_refs", json_pack("[s]", mark));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int push(json_t *objects, json_t *o)
{
    if (!o || json_array_append_new(objects, o) != 0)
        return RK_ENOMEM;
    return 0;
}

static int oom(struct rk_err *err)
{
    return rk_err_set(err, RK_ENOMEM, "out of memory building STIX objects");
}

/* ---- the fixed objects -------------------------------------------------------------------------
 */

int rk_sensor_stix_identity(json_t **out, struct rk_err *err)
{
    json_t *o = sdo_new("identity", RK_SENSOR_STIX_IDENTITY_ID, EPOCH_STR, EPOCH_STR, RK_TLP_CLEAR);
    int rc = 0;

    if (!o)
        return oom(err);
    rc |= set_str(o, "name", "renkei");
    rc |= set_str(o, "identity_class", "system");
    rc |= set_str(o, "description",
                  "renkei threat-information sharing node: producer of darknet sensor data");
    if (rc) {
        json_decref(o);
        return oom(err);
    }
    *out = o;
    return 0;
}

static const char EXT_SCHEMA[] =
        "renkei-darknet-summary (new SDO): one darknet sensor's traffic over one time bin. "
        "Properties: sensor_ref (identifier of the sensor's identity), sensor_name (string), "
        "country (ISO 3166 alpha-2, optional), first_observed and last_observed (timestamps: the "
        "bin), bin_seconds, packets, bytes, sources, scan_packets, backscatter_packets, "
        "other_packets, port_count, dos_victims (integers), sources_exact and exact (booleans: "
        "whether the figures are exact), sources_rse (number: relative standard error when not "
        "exact), fingerprints (dictionary: mirai, zmap, masscan, spoofed, research -> {packets, "
        "sources}), top_ports (list of {protocol, port, packets, sources, sources_clean, exact}), "
        "top_countries (list of {country, packets, sources, exact}), top_asns (list of {asn, "
        "name, packets, sources, exact}). Property extension on report (renkei sensor alerts): "
        "rule (surge, cusum, new-port), sensor_name, protocol, port, bin_start, bin_seconds, "
        "sources, packets, baseline_mean, baseline_sd, score, exact, evidence (list of "
        "{bin_start, sources, packets}). Counting rules: renkei docs/sensor.md.";

int rk_sensor_stix_extension_definition(json_t **out, struct rk_err *err)
{
    json_t *o =
            sdo_new("extension-definition", RK_SENSOR_STIX_EXTENSION_ID, EPOCH_STR, EPOCH_STR, RK_TLP_CLEAR);
    int rc = 0;

    if (!o)
        return oom(err);
    rc |= set_str(o, "name", "renkei darknet sensor");
    rc |= set_str(o, "description",
                  "Summaries of darknet (network telescope) sensor traffic per time bin, and "
                  "the evidence of renkei's early-warning alerts");
    rc |= set_str(o, "schema", EXT_SCHEMA);
    rc |= set_str(o, "version", "1.0.0");
    rc |= set(o, "extension_types", json_pack("[ss]", "new-sdo", "property-extension"));
    if (rc) {
        json_decref(o);
        return oom(err);
    }
    *out = o;
    return 0;
}

int rk_sensor_stix_dos_pattern(json_t **out, struct rk_err *err)
{
    json_t *o = sdo_new("attack-pattern", RK_SENSOR_STIX_DOS_PATTERN_ID, EPOCH_STR, EPOCH_STR, RK_TLP_CLEAR);
    int rc = 0;

    if (!o)
        return oom(err);
    rc |= set_str(o, "name", "Network Denial of Service");
    rc |= set_str(o, "description",
                  "Flooding a victim with (often source-spoofed) traffic; darknet sensors see "
                  "the victim's replies to the spoofed sources (backscatter)");
    rc |= set(o, "external_references",
              json_pack("[{s:s,s:s,s:s},{s:s,s:s}]", "source_name", "mitre-attack", "external_id",
                        "T1498", "url", "https://attack.mitre.org/techniques/T1498/", "source_name",
                        "capec", "external_id", "CAPEC-125"));
    if (rc) {
        json_decref(o);
        return oom(err);
    }
    *out = o;
    return 0;
}

/* ---- per bin ----------------------------------------------------------------------------------
 */

struct bctx {
    const struct rk_sensor_bin *b;
    const struct rk_sensor_bin_info *in;
    const struct rk_sensor_stix_options *opt;
    json_t *objects;
    char sensor_id[ID_MAX];
    char created[RK_TIME_STR_MAX];  /* the bin's end */
    char modified[RK_TIME_STR_MAX]; /* created, or the revision's time (opt->modified_ns) */
};

static int sensor_identity(struct bctx *c)
{
    char desc[256];
    json_t *o;
    int rc = 0;

    snprintf(desc, sizeof(desc), "renkei darknet sensor %s%s%s", c->in->sensor,
             c->in->country[0] ? ", country " : "", c->in->country);
    o = sdo_new("identity", c->sensor_id, EPOCH_STR, EPOCH_STR, c->in->tlp);
    if (!o)
        return RK_ENOMEM;
    rc |= set_str(o, "name", c->in->sensor);
    rc |= set_str(o, "identity_class", "system");
    rc |= set_str(o, "description", desc);
    if (rc) {
        json_decref(o);
        return RK_ENOMEM;
    }
    return push(c->objects, o);
}

static json_t *fingerprints(const struct rk_sensor_bin_info *in)
{
    json_t *fp = json_object();

    for (unsigned bit = 0; fp && bit < RK_SENSOR_FP_COUNT; bit++) {
        if (set(fp, rk_sensor_fp_name(1U << bit),
                json_pack("{s:I,s:I}", "packets", (json_int_t)in->fp_packets[bit], "sources",
                          (json_int_t)in->fp_sources[bit])) != 0) {
            json_decref(fp);
            return NULL;
        }
    }
    return fp;
}

static const char *proto_name(uint8_t proto)
{
    switch (proto) {
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 1:
        return "icmp";
    case 58:
        return "ipv6-icmp";
    default:
        return NULL;
    }
}

static json_t *top_ports(const struct bctx *c)
{
    const struct rk_sensor_port_row *r;
    size_t n = rk_sensor_bin_ports(c->b, &r);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n && i < c->opt->top_rows; i++) {
        char num[8];
        const char *pn = proto_name(r[i].proto);

        snprintf(num, sizeof(num), "%u", r[i].proto);
        if (push(a, json_pack("{s:s,s:i,s:I,s:I,s:I,s:b}", "protocol", pn ? pn : num, "port",
                              (int)r[i].port, "packets", (json_int_t)r[i].packets, "sources",
                              (json_int_t)r[i].sources, "sources_clean",
                              (json_int_t)r[i].sources_clean, "exact", r[i].exact)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *top_groups(const struct bctx *c, int asn)
{
    const struct rk_sensor_group_row *r;
    size_t n = asn ? rk_sensor_bin_asns(c->b, &r) : rk_sensor_bin_countries(c->b, &r);
    json_t *a = json_array(), *o;

    for (size_t i = 0; a && i < n && i < c->opt->top_rows; i++) {
        o = asn ? json_pack("{s:I,s:I,s:I,s:b}", "asn", (json_int_t)r[i].asn, "packets",
                            (json_int_t)r[i].packets, "sources", (json_int_t)r[i].sources, "exact",
                            r[i].exact)
                : json_pack("{s:s,s:I,s:I,s:b}", "country", r[i].country, "packets",
                            (json_int_t)r[i].packets, "sources", (json_int_t)r[i].sources, "exact",
                            r[i].exact);
        if (o && asn && r[i].name && set_str(o, "name", r[i].name) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (push(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static int summary(struct bctx *c)
{
    const struct rk_sensor_bin_info *in = c->in;
    char id[ID_MAX], first[RK_TIME_STR_MAX];
    json_t *o;
    int rc = 0;

    obj_id(id, RK_SENSOR_STIX_SUMMARY_TYPE, "summary|%s|%lld", in->sensor, (long long)in->start);
    ts_str(in->start * NS, first);
    if (!(o = sdo_new(RK_SENSOR_STIX_SUMMARY_TYPE, id, c->created, c->modified, in->tlp)))
        return RK_ENOMEM;
    rc |= set(o, "extensions",
              json_pack("{s:{s:s}}", RK_SENSOR_STIX_EXTENSION_ID, "extension_type", "new-sdo"));
    rc |= set_str(o, "sensor_ref", c->sensor_id);
    rc |= set_str(o, "sensor_name", in->sensor);
    if (in->country[0])
        rc |= set_str(o, "country", in->country);
    rc |= set_str(o, "first_observed", first);
    rc |= set_str(o, "last_observed", c->created);
    rc |= set_int(o, "bin_seconds", in->secs);
    rc |= set_int(o, "packets", (long long)in->packets);
    rc |= set_int(o, "bytes", (long long)in->bytes);
    rc |= set_int(o, "sources", (long long)in->sources);
    rc |= set(o, "sources_exact", json_boolean(in->sources_rse == 0));
    if (in->sources_rse > 0)
        rc |= set(o, "sources_rse", json_real(in->sources_rse));
    rc |= set_int(o, "scan_packets", (long long)in->class_packets[RK_SENSOR_CLASS_SCAN]);
    rc |= set_int(o, "backscatter_packets",
                  (long long)in->class_packets[RK_SENSOR_CLASS_BACKSCATTER]);
    rc |= set_int(o, "other_packets", (long long)in->class_packets[RK_SENSOR_CLASS_OTHER]);
    rc |= set_int(o, "port_count", (long long)in->ports);
    rc |= set_int(o, "dos_victims", (long long)in->dos_victims);
    rc |= set(o, "exact", json_boolean(in->exact));
    rc |= set(o, "fingerprints", fingerprints(in));
    /* STIX lists must not be empty: leave out the ones with no rows */
    rc |= set_list(o, "top_ports", top_ports(c));
    rc |= set_list(o, "top_countries", top_groups(c, 0));
    rc |= set_list(o, "top_asns", top_groups(c, 1));
    if (rc) {
        json_decref(o);
        return RK_ENOMEM;
    }
    return push(c->objects, o);
}

/* An ipv4-addr or ipv6-addr SCO; its id in id. */
static int addr_sco(struct bctx *c, const struct rk_sensor_addr *a, char id[ID_MAX])
{
    char text[RK_SENSOR_ADDR_STR];
    const char *type = addr_v4p(a) ? "ipv4-addr" : "ipv6-addr";
    const char *mark = tlp_marking(c->in->tlp);
    json_t *key, *o;
    int rc;

    rk_sensor_addr_format(a, text, sizeof(text));
    if (!(key = json_pack("{s:s}", "value", text)))
        return RK_ENOMEM;
    rc = sco_id(id, type, key);
    json_decref(key);
    if (rc != 0)
        return rc;
    o = json_pack("{s:s,s:s,s:s,s:s}", "type", type, "spec_version", "2.1", "id", id, "value",
                  text);
    if (o && mark && set(o, "object_marking_refs", json_pack("[s]", mark)) != 0) {
        json_decref(o);
        o = NULL;
    }
    return push(c->objects, o);
}

static long long capped(uint64_t v)
{
    return v > (uint64_t)COUNT_MAX ? COUNT_MAX : v == 0 ? 1 : (long long)v;
}

static int observed(struct bctx *c, const char *id, int64_t first_ns, int64_t last_ns,
                    uint64_t count, json_t *refs)
{
    char first[RK_TIME_STR_MAX], last[RK_TIME_STR_MAX];
    json_t *o = sdo_new("observed-data", id, c->created, c->modified, c->in->tlp);
    int rc = 0;

    ts_str(first_ns, first);
    ts_str(last_ns, last);
    if (!o) {
        json_decref(refs);
        return RK_ENOMEM;
    }
    rc |= set_str(o, "first_observed", first);
    rc |= set_str(o, "last_observed", last);
    rc |= set_int(o, "number_observed", capped(count));
    rc |= set(o, "object_refs", refs);
    if (rc) {
        json_decref(o);
        return RK_ENOMEM;
    }
    return push(c->objects, o);
}

static int sighting(struct bctx *c, const char *id, const char *of, const char *obs_id,
                    int64_t first_ns, int64_t last_ns, uint64_t count, const char *desc)
{
    char first[RK_TIME_STR_MAX], last[RK_TIME_STR_MAX];
    json_t *o = sdo_new("sighting", id, c->created, c->modified, c->in->tlp);
    int rc = 0;

    ts_str(first_ns, first);
    ts_str(last_ns, last);
    if (!o)
        return RK_ENOMEM;
    rc |= set_str(o, "first_seen", first);
    rc |= set_str(o, "last_seen", last);
    rc |= set_int(o, "count", capped(count));
    rc |= set_str(o, "sighting_of_ref", of);
    rc |= set(o, "observed_data_refs", json_pack("[s]", obs_id));
    rc |= set(o, "where_sighted_refs", json_pack("[s]", c->sensor_id));
    if (desc)
        rc |= set_str(o, "description", desc);
    if (rc) {
        json_decref(o);
        return RK_ENOMEM;
    }
    return push(c->objects, o);
}

static void fp_list(uint8_t fp, char *buf, size_t cap)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++) {
        if (fp & (1U << bit))
            n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "",
                                  rk_sensor_fp_name(1U << bit));
        if (n >= cap)
            break;
    }
}

static int indicator(struct bctx *c, const struct rk_sensor_source_row *s, const char *text,
                     const char *id)
{
    char pattern[160], name[256], from[RK_TIME_STR_MAX], until[RK_TIME_STR_MAX], fps[96];
    int mirai = (s->fp & RK_SENSOR_FP_MIRAI) != 0;
    json_t *o = sdo_new("indicator", id, c->created, c->modified, c->in->tlp);
    int rc = 0;

    if (!o)
        return RK_ENOMEM;
    fp_list(s->fp, fps, sizeof(fps));
    snprintf(pattern, sizeof(pattern), "[%s:value = '%s']",
             addr_v4p(&s->addr) ? "ipv4-addr" : "ipv6-addr", text);
    snprintf(name, sizeof(name), "%s %s%s%s%s", mirai ? "Mirai-infected host" : "Scanner", text,
             fps[0] ? " (" : "", fps, fps[0] ? ")" : "");
    ts_str(s->first_ns, from);
    ts_str(s->last_ns + INDICATOR_TTL, until);
    rc |= set_str(o, "name", name);
    rc |= set(o, "indicator_types",
              mirai ? json_pack("[ss]", "malicious-activity", "compromised")
                    : json_pack("[s]", "anomalous-activity"));
    rc |= set_str(o, "pattern", pattern);
    rc |= set_str(o, "pattern_type", "stix");
    rc |= set_str(o, "pattern_version", "2.1");
    rc |= set_str(o, "valid_from", from);
    rc |= set_str(o, "valid_until", until);
    if (rc) {
        json_decref(o);
        return RK_ENOMEM;
    }
    return push(c->objects, o);
}

static int scanner(struct bctx *c, const struct rk_sensor_source_row *s)
{
    char text[RK_SENSOR_ADDR_STR], sco[ID_MAX], obs[ID_MAX], ind[ID_MAX], sig[ID_MAX];
    char desc[256];
    int rc;

    rk_sensor_addr_format(&s->addr, text, sizeof(text));
    if ((rc = addr_sco(c, &s->addr, sco)) != 0)
        return rc;
    obj_id(obs, "observed-data", "scanner|%s|%lld|%s", c->in->sensor, (long long)c->in->start,
           text);
    if ((rc = observed(c, obs, s->first_ns, s->last_ns, s->packets, json_pack("[s]", sco))) != 0)
        return rc;
    if (s->fp & RK_SENSOR_FP_RESEARCH)
        return 0; /* known research scanners are observed, never indicators */
    obj_id(ind, "indicator", "scanner|%s|%lld|%s", c->in->sensor, (long long)c->in->start, text);
    obj_id(sig, "sighting", "scanner|%s|%lld|%s", c->in->sensor, (long long)c->in->start, text);
    if ((rc = indicator(c, s, text, ind)) != 0)
        return rc;
    snprintf(desc, sizeof(desc), "%llu packets to %llu darknet addresses on %llu ports%s",
             (unsigned long long)s->packets, (unsigned long long)s->dsts,
             (unsigned long long)s->ports, s->exact ? "" : " (approximate)");
    return sighting(c, sig, ind, obs, s->first_ns, s->last_ns, s->packets, desc);
}

static int victim(struct bctx *c, const struct rk_sensor_dos_row *v)
{
    char text[RK_SENSOR_ADDR_STR], sco[ID_MAX], nt[ID_MAX], obs[ID_MAX], sig[ID_MAX];
    char start[RK_TIME_STR_MAX], desc[320];
    const char *pn = proto_name(v->proto), *mark = tlp_marking(c->in->tlp);
    json_t *key, *o;
    int rc;

    rk_sensor_addr_format(&v->victim, text, sizeof(text));
    if ((rc = addr_sco(c, &v->victim, sco)) != 0)
        return rc;
    ts_str(v->start_ns, start);
    key = pn ? json_pack("{s:[ss],s:s,s:s}", "protocols", addr_v4p(&v->victim) ? "ipv4" : "ipv6",
                         pn, "src_ref", sco, "start", start)
             : json_pack("{s:[s],s:s,s:s}", "protocols", addr_v4p(&v->victim) ? "ipv4" : "ipv6",
                         "src_ref", sco, "start", start);
    if (!key || (rc = sco_id(nt, "network-traffic", key)) != 0) {
        json_decref(key);
        return RK_ENOMEM;
    }
    o = json_deep_copy(key);
    json_decref(key);
    if (!o || set_str(o, "type", "network-traffic") || set_str(o, "spec_version", "2.1") ||
        set_str(o, "id", nt) || set_int(o, "src_packets", capped(v->packets)) ||
        set_int(o, "src_byte_count", (long long)v->bytes) ||
        (mark && set(o, "object_marking_refs", json_pack("[s]", mark)))) {
        json_decref(o);
        return RK_ENOMEM;
    }
    if ((rc = push(c->objects, o)) != 0)
        return rc;
    obj_id(obs, "observed-data", "dos|%s|%lld|%s|%u", c->in->sensor, (long long)c->in->start, text,
           v->proto);
    obj_id(sig, "sighting", "dos|%s|%lld|%s|%u", c->in->sensor, (long long)c->in->start, text,
           v->proto);
    if ((rc = observed(c, obs, v->start_ns, v->last_ns, v->packets, json_pack("[ss]", sco, nt))))
        return rc;
    snprintf(desc, sizeof(desc),
             "DoS backscatter from %s: %llu packets (%llu in this bin), %llu spoofed sources "
             "hit, %llu attacker ports, %llu victim ports, up to %llu packets per %s window",
             text, (unsigned long long)v->packets, (unsigned long long)v->bin_packets,
             (unsigned long long)v->attacker_addrs, (unsigned long long)v->attacker_ports,
             (unsigned long long)v->target_ports, (unsigned long long)v->max_ppm, "rate");
    return sighting(c, sig, RK_SENSOR_STIX_DOS_PATTERN_ID, obs, v->start_ns, v->last_ns, v->packets,
                    desc);
}

static int wants_scanner(const struct rk_sensor_source_row *s,
                         const struct rk_sensor_stix_options *opt)
{
    if (s->class_packets[RK_SENSOR_CLASS_SCAN] < opt->min_packets)
        return 0;
    if (s->fp & RK_SENSOR_FP_SPOOFED)
        return 0; /* a spoofed address is nobody's to blame */
    return opt->include_research || !(s->fp & RK_SENSOR_FP_RESEARCH);
}

int rk_sensor_stix_bin(const struct rk_sensor_bin *b, const struct rk_sensor_stix_options *opt,
                       json_t *objects, struct rk_err *err)
{
    struct rk_sensor_stix_options def;
    const struct rk_sensor_source_row *src;
    const struct rk_sensor_dos_row *dos;
    size_t n_src = rk_sensor_bin_sources(b, &src), n_dos = rk_sensor_bin_dos(b, &dos), done = 0;
    struct bctx c;
    int rc;

    if (!opt) {
        rk_sensor_stix_options_init(&def);
        opt = &def;
    }
    if (!json_is_array(objects))
        return rk_err_set(err, RK_EINVAL, "objects must be a JSON array");
    c.b = b;
    c.in = rk_sensor_bin_info(b);
    c.opt = opt;
    c.objects = objects;
    obj_id(c.sensor_id, "identity", "sensor|%s", c.in->sensor);
    ts_str((c.in->start + c.in->secs) * NS, c.created);
    ts_str(revision_ns(c.in->start + c.in->secs, opt->modified_ns), c.modified);
    if ((rc = sensor_identity(&c)) != 0 || (rc = summary(&c)) != 0)
        return oom(err);
    for (size_t i = 0; i < n_src && done < opt->top_sources; i++) {
        if (!wants_scanner(&src[i], opt))
            continue;
        if ((rc = scanner(&c, &src[i])) != 0)
            return oom(err);
        done++;
    }
    for (size_t i = 0; i < n_dos; i++) {
        if ((rc = victim(&c, &dos[i])) != 0)
            return oom(err);
    }
    return 0;
}

/* The port row of (proto, port), or n_ports. */
static size_t find_port(const struct rk_sensor_bin *b, uint8_t proto, uint16_t port)
{
    size_t p = 0;

    while (p < b->n_ports && !(b->ports[p].proto == proto && b->ports[p].port == port))
        p++;
    return p;
}

/* SCOs of the port's first max clean sources (by packets), their ids in refs, and their time
 * span. */
static int evidence_scos(struct bctx *c, size_t p, size_t max, json_t *refs, int64_t *first,
                         int64_t *last)
{
    const struct rk_sensor_bin *b = c->b;
    char id[ID_MAX];
    size_t n = 0;
    int rc;

    *first = INT64_MAX;
    *last = INT64_MIN;
    /* entries ascend by source row, and rows are by packets: the heaviest come first */
    for (uint32_t k = b->pset_off[p]; k < b->pset_off[p + 1] && n < max; k++) {
        const struct rk_sensor_source_row *s = &b->sources[b->pset[k] >> 1];

        if (!(b->pset[k] & 1))
            continue;
        if ((rc = addr_sco(c, &s->addr, id)) != 0 || json_array_append_new(refs, json_string(id)))
            return rc ? rc : RK_ENOMEM;
        *first = s->first_ns < *first ? s->first_ns : *first;
        *last = s->last_ns > *last ? s->last_ns : *last;
        n++;
    }
    return 0;
}

int rk_sensor_stix_alert_evidence(const struct rk_sensor_bin *b, const struct rk_sensor_alert *a,
                                  size_t max, int64_t modified_ns, json_t *objects, json_t *refs,
                                  struct rk_err *err)
{
    struct bctx c;
    char id[ID_MAX];
    size_t p = find_port(b, a->proto, a->port);
    json_t *scos;
    int64_t first, last;
    int rc;

    if (!b->pset || p == b->n_ports || b->ports[p].sources_clean == 0 || max == 0)
        return 0;
    memset(&c, 0, sizeof(c));
    c.b = b;
    c.in = &b->info;
    c.objects = objects;
    ts_str((b->info.start + b->info.secs) * NS, c.created);
    ts_str(revision_ns(b->info.start + b->info.secs, modified_ns), c.modified);
    if (!(scos = json_array()))
        return oom(err);
    if ((rc = evidence_scos(&c, p, max, scos, &first, &last)) != 0) {
        json_decref(scos);
        return oom(err);
    }
    obj_id(id, "observed-data", "alert|%s|%s|%u|%u|%lld", rk_sensor_rule_name(a->rule), a->sensor,
           a->proto, a->port, (long long)a->bin_start);
    if (observed(&c, id, first, last, b->ports[p].packets_clean, scos) != 0 ||
        json_array_append_new(refs, json_string(id)) != 0)
        return oom(err);
    return 0;
}

int rk_sensor_stix_scanner_refs(const struct rk_sensor_bin *b,
                                const struct rk_sensor_stix_options *opt, uint8_t proto,
                                uint16_t port, size_t max, json_t *refs)
{
    const struct rk_sensor_stix_options *o = opt;
    struct rk_sensor_stix_options def;
    size_t p = 0, done = 0, added = 0;
    char text[RK_SENSOR_ADDR_STR], id[ID_MAX];
    uint8_t *on_port;

    if (!o) {
        rk_sensor_stix_options_init(&def);
        o = &def;
    }
    p = find_port(b, proto, port);
    if (!b->pset || p == b->n_ports)
        return 0; /* without the port's source set there is nothing to name */
    if (!(on_port = calloc(b->n_sources ? b->n_sources : 1, 1)))
        return RK_ENOMEM;
    for (uint32_t k = b->pset_off[p]; k < b->pset_off[p + 1]; k++)
        on_port[b->pset[k] >> 1] = (uint8_t)(b->pset[k] & 1);
    /* the scanners rk_sensor_stix_bin exports, in the same order, that sent clean packets */
    for (size_t i = 0; i < b->n_sources && done < o->top_sources && added < max; i++) {
        if (!wants_scanner(&b->sources[i], o))
            continue;
        done++;
        if (!on_port[i])
            continue;
        rk_sensor_addr_format(&b->sources[i].addr, text, sizeof(text));
        obj_id(id, "observed-data", "scanner|%s|%lld|%s", b->info.sensor, (long long)b->info.start,
               text);
        if (json_array_append_new(refs, json_string(id)) != 0) {
            free(on_port);
            return RK_ENOMEM;
        }
        added++;
    }
    free(on_port);
    return 0;
}

/* ---- alerts -----------------------------------------------------------------------------------
 */

static json_t *alert_ext(const struct rk_sensor_alert *a)
{
    char start[RK_TIME_STR_MAX];
    json_t *ev = json_array(), *x;

    for (uint32_t i = 0; ev && i < a->n_evidence; i++) {
        ts_str(a->evidence[i].start * NS, start);
        if (push(ev,
                 json_pack("{s:s,s:f,s:I}", "bin_start", start, "sources", a->evidence[i].sources,
                           "packets", (json_int_t)a->evidence[i].packets)) != 0) {
            json_decref(ev);
            return NULL;
        }
    }
    ts_str(a->bin_start * NS, start);
    x = json_pack("{s:s,s:s,s:s,s:i,s:i,s:s,s:i,s:f,s:I,s:f,s:f,s:f,s:b,s:o*}", "extension_type",
                  "property-extension", "rule", rk_sensor_rule_name(a->rule), "sensor_name",
                  a->sensor, "protocol", (int)a->proto, "port", (int)a->port, "bin_start", start,
                  "bin_seconds", (int)a->bin_secs, "sources", a->sources, "packets",
                  (json_int_t)a->packets, "baseline_mean", a->baseline_mean, "baseline_sd",
                  a->baseline_sd, "score", a->score, "exact", a->exact, "evidence", ev);
    return x ? json_pack("{s:o}", RK_SENSOR_STIX_EXTENSION_ID, x) : NULL;
}

static void alert_text(const struct rk_sensor_alert *a, char *name, size_t ncap, char *body,
                       size_t bcap)
{
    char port[32], start[RK_TIME_STR_MAX];
    size_t n;

    rk_sensor_port_label(a->proto, a->port, port, sizeof(port));
    ts_str(a->bin_start * NS, start);
    snprintf(name, ncap, "Darknet %s on %s (sensor %s, bin %s)", rk_sensor_rule_name(a->rule), port,
             a->sensor, start);
    n = (size_t)snprintf(body, bcap,
                         "Rule %s fired on %s at sensor %s for the %u-second bin starting %s: "
                         "%.0f unique sources (%llu packets) against a baseline of %.2f +- %.2f, "
                         "score %.2f%s. Recent bins (start, sources, packets):",
                         rk_sensor_rule_name(a->rule), port, a->sensor, a->bin_secs, start,
                         a->sources, (unsigned long long)a->packets, a->baseline_mean,
                         a->baseline_sd, a->score, a->exact ? "" : " (approximate counts)");
    for (uint32_t i = 0; i < a->n_evidence && n < bcap; i++) {
        ts_str(a->evidence[i].start * NS, start);
        n += (size_t)snprintf(body + n, bcap - n, " (%s, %.0f, %llu)", start,
                              a->evidence[i].sources, (unsigned long long)a->evidence[i].packets);
    }
}

static int alert_refs(const struct rk_sensor_alert *a, const json_t *refs, const char *note,
                      json_t **out)
{
    json_t *r = json_pack("[s]", note);
    char id[ID_MAX];
    size_t i;
    json_t *v;

    if (!r)
        return RK_ENOMEM;
    if (strcmp(a->sensor, "*") != 0) {
        for (uint32_t e = 0; e < a->n_evidence; e++) {
            obj_id(id, RK_SENSOR_STIX_SUMMARY_TYPE, "summary|%s|%lld", a->sensor,
                   (long long)a->evidence[e].start);
            if (json_array_append_new(r, json_string(id)) != 0) {
                json_decref(r);
                return RK_ENOMEM;
            }
        }
    }
    json_array_foreach(refs, i, v)
    {
        if (json_is_string(v) && json_array_append(r, v) != 0) {
            json_decref(r);
            return RK_ENOMEM;
        }
    }
    *out = r;
    return 0;
}

int rk_sensor_stix_alert(const struct rk_sensor_alert *a, const json_t *refs, json_t *objects,
                         struct rk_err *err)
{
    return rk_sensor_stix_alert_revised(a, refs, 0, objects, err);
}

int rk_sensor_stix_alert_revised(const struct rk_sensor_alert *a, const json_t *refs,
                                 int64_t modified_ns, json_t *objects, struct rk_err *err)
{
    char rid[ID_MAX], nid[ID_MAX], created[RK_TIME_STR_MAX], modified[RK_TIME_STR_MAX];
    char name[256], body[2048];
    json_t *report, *note, *r = NULL;
    int rc = 0;

    if (!json_is_array(objects))
        return rk_err_set(err, RK_EINVAL, "objects must be a JSON array");
    obj_id(rid, "report", "alert|%s|%s|%u|%u|%lld", rk_sensor_rule_name(a->rule), a->sensor,
           a->proto, a->port, (long long)a->bin_start);
    obj_id(nid, "note", "alert|%s|%s|%u|%u|%lld", rk_sensor_rule_name(a->rule), a->sensor, a->proto,
           a->port, (long long)a->bin_start);
    ts_str((a->bin_start + a->bin_secs) * NS, created);
    ts_str(revision_ns(a->bin_start + a->bin_secs, modified_ns), modified);
    alert_text(a, name, sizeof(name), body, sizeof(body));
    if (alert_refs(a, refs, nid, &r) != 0)
        return oom(err);
    report = sdo_new("report", rid, created, modified, a->tlp);
    note = sdo_new("note", nid, created, modified, a->tlp);
    if (!report || !note) {
        json_decref(r);
        json_decref(report);
        json_decref(note);
        return oom(err);
    }
    rc |= set_str(report, "name", name);
    rc |= set_str(report, "description", body);
    rc |= set(report, "report_types", json_pack("[s]", "threat-report"));
    rc |= set_str(report, "published", created);
    rc |= set(report, "object_refs", r);
    rc |= set(report, "extensions", alert_ext(a));
    rc |= set_str(note, "abstract", name);
    rc |= set_str(note, "content", body);
    rc |= set(note, "authors", json_pack("[s]", "renkei"));
    rc |= set(note, "object_refs", json_pack("[s]", rid));
    if (rc) {
        json_decref(report);
        json_decref(note);
        return oom(err);
    }
    if (push(objects, report) != 0 || push(objects, note) != 0)
        return oom(err);
    return 0;
}

int rk_sensor_stix_bundle(json_t *objects, json_t **out, struct rk_err *err)
{
    char u[RK_UUID_STR], id[ID_MAX];

    rk_uuid_v4(u);
    snprintf(id, sizeof(id), "bundle--%s", u);
    *out = json_pack("{s:s,s:s,s:O}", "type", "bundle", "id", id, "objects", objects);
    return *out ? 0 : oom(err);
}
