/* rules_sco.c - cross-property rules and value formats of the cyber-observable objects and
 * their extensions (section 6). */
#include "stix/stix_internal.h"

#include <string.h>
#include <strings.h>

static int has(struct rk_json *o, const char *name)
{
    return rk_json_get(o, name) != NULL;
}

/* Check the string property name of o with a format function. */
static void value_format(struct rk_stix_vctx *c, struct rk_json *o, const char *name,
                         int (*valid)(const char *, size_t), const char *what)
{
    struct rk_json *v = rk_json_get(o, name);
    size_t save;

    if (!rk_json_is_string(v) || valid(rk_json_str(v), rk_json_strlen(v)))
        return;
    save = rk_stix_path_key(c, name);
    rk_stix_error(c, "'%.100s' is not %s", rk_json_str(v), what);
    rk_stix_path_pop(c, save);
}

void rk_stix_rule_artifact(struct rk_stix_vctx *c, struct rk_json *o)
{
    int bin = has(o, "payload_bin"), url = has(o, "url");

    if (bin == url)
        rk_stix_error(c, "exactly one of payload_bin or url must be present (section 6.1)");
    if (url && !has(o, "hashes"))
        rk_stix_error(c, "hashes must be present when url is (section 6.1)");
    if (has(o, "decryption_key") && !has(o, "encryption_algorithm"))
        rk_stix_error(c, "decryption_key requires encryption_algorithm (section 6.1)");
    value_format(c, o, "url", rk_stix_url_valid, "a URL (RFC 3986)");
}

void rk_stix_rule_email_message(struct rk_stix_vctx *c, struct rk_json *o)
{
    struct rk_json *multi = rk_json_get(o, "is_multipart");

    if (rk_json_is_true(multi) && has(o, "body"))
        rk_stix_error(c, "body must not be used when is_multipart is true (section 6.6)");
    if (rk_json_is_false(multi) && has(o, "body_multipart"))
        rk_stix_error(c, "body_multipart must not be used when is_multipart is false "
                         "(section 6.6)");
}

void rk_stix_rule_mime_part(struct rk_stix_vctx *c, struct rk_json *o)
{
    if (!has(o, "body") && !has(o, "body_raw_ref"))
        rk_stix_error(c, "a MIME part needs body or body_raw_ref (section 6.6.2)");
}

void rk_stix_rule_file(struct rk_stix_vctx *c, struct rk_json *o)
{
    if (!has(o, "hashes") && !has(o, "name"))
        rk_stix_error(c, "a file needs at least one of hashes or name (section 6.7)");
}

static int no_upper(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            return 0;
    }
    return 1;
}

void rk_stix_rule_network_traffic(struct rk_stix_vctx *c, struct rk_json *o)
{
    struct rk_json *active = rk_json_get(o, "is_active"), *protos = rk_json_get(o, "protocols");
    const char *start = rk_json_str(rk_json_get(o, "start"));
    const char *end = rk_json_str(rk_json_get(o, "end"));
    int cmp;

    if (!has(o, "src_ref") && !has(o, "dst_ref"))
        rk_stix_error(c, "network-traffic needs src_ref or dst_ref (section 6.12)");
    if (rk_json_is_true(active) && end)
        rk_stix_error(c, "end must not be present when is_active is true (section 6.12.1)");
    if (start && end && rk_stix_timestamp_order(end, start, &cmp) == 0 && cmp < 0)
        rk_stix_error(c, "end %s is earlier than start %s (section 6.12.1)", end, start);
    for (size_t i = 0; i < rk_json_array_size(protos); i++) {
        const char *p = rk_json_str(rk_json_at(protos, i));

        if (p && !no_upper(p)) {
            rk_stix_warn(c, "protocol names should be lowercase, as in the IANA registry");
            break;
        }
    }
}

void rk_stix_rule_ipv4(struct rk_stix_vctx *c, struct rk_json *o)
{
    value_format(c, o, "value", rk_stix_ipv4_cidr_valid, "an IPv4 address or CIDR block");
}

void rk_stix_rule_ipv6(struct rk_stix_vctx *c, struct rk_json *o)
{
    value_format(c, o, "value", rk_stix_ipv6_cidr_valid, "an IPv6 address or CIDR block");
}

void rk_stix_rule_mac(struct rk_stix_vctx *c, struct rk_json *o)
{
    value_format(c, o, "value", rk_stix_mac_valid,
                 "a colon-delimited lowercase MAC-48 address (section 6.10)");
}

void rk_stix_rule_domain(struct rk_stix_vctx *c, struct rk_json *o)
{
    value_format(c, o, "value", rk_stix_domain_valid, "a domain name (RFC 1034, RFC 5890)");
}

void rk_stix_rule_email_addr(struct rk_stix_vctx *c, struct rk_json *o)
{
    value_format(c, o, "value", rk_stix_email_valid,
                 "an e-mail address without display name (RFC 5322 addr-spec)");
}

void rk_stix_rule_url(struct rk_stix_vctx *c, struct rk_json *o)
{
    value_format(c, o, "value", rk_stix_url_valid, "a URL (RFC 3986)");
}

void rk_stix_rule_registry_key(struct rk_stix_vctx *c, struct rk_json *o)
{
    static const char *const abbrev[] = {"HKLM", "HKCU", "HKCR", "HKU", "HKCC"};
    const char *key = rk_json_str(rk_json_get(o, "key"));

    for (size_t i = 0; key && i < sizeof(abbrev) / sizeof(abbrev[0]); i++) {
        size_t n = strlen(abbrev[i]);

        if (strncasecmp(key, abbrev[i], n) == 0 && (key[n] == '\\' || key[n] == '\0')) {
            size_t save = rk_stix_path_key(c, "key");

            rk_stix_error(c, "the hive must be written out in full, not %s (section 6.17.1)",
                          abbrev[i]);
            rk_stix_path_pop(c, save);
            return;
        }
    }
}

void rk_stix_rule_pe_binary(struct rk_stix_vctx *c, struct rk_json *o)
{
    if (rk_json_object_size(o) <= (has(o, "pe_type") ? 1u : 0u))
        rk_stix_error(c, "windows-pebinary-ext needs a property besides pe_type (section 6.7.6)");
}

void rk_stix_rule_http_request(struct rk_stix_vctx *c, struct rk_json *o)
{
    static const char *const names[] = {"request_method", "request_version"};

    for (int i = 0; i < 2; i++) {
        const char *s = rk_json_str(rk_json_get(o, names[i]));

        if (s && !no_upper(s))
            rk_stix_warn(c, "%s should be lowercase (section 6.12.2)", names[i]);
    }
}

void rk_stix_rule_software(struct rk_stix_vctx *c, struct rk_json *o)
{
    struct rk_json *langs = rk_json_get(o, "languages");
    const char *cpe = rk_json_str(rk_json_get(o, "cpe"));

    for (size_t i = 0; i < rk_json_array_size(langs); i++) {
        struct rk_json *l = rk_json_at(langs, i);

        if (rk_json_is_string(l) && !rk_stix_lang_valid(rk_json_str(l), rk_json_strlen(l))) {
            size_t save = rk_stix_path_key(c, "languages");

            rk_stix_error(c, "'%.32s' is not an RFC 5646 language code (section 6.14)",
                          rk_json_str(l));
            rk_stix_path_pop(c, save);
        }
    }
    if (cpe && strncmp(cpe, "cpe:2.3:", 8) != 0) {
        size_t save = rk_stix_path_key(c, "cpe");

        rk_stix_error(c, "cpe must be a CPE 2.3 entry (cpe:2.3:...) (section 6.14)");
        rk_stix_path_pop(c, save);
    }
}
