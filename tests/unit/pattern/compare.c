/* compare.c - comparison expressions against SCOs (section 9.6), one observation each. */
#include "tests.h"

#include <jansson.h>
#include <string.h>

/* 1 when pattern matches one observation (2016-01-01, number_observed 1) holding the SCOs. */
static int match1(const char *pattern, const char *objects_json)
{
    struct rk_pattern_observation o = {1451606400, 0, 1451606400, 0, 1, NULL};
    struct rk_pattern *p = tp_parse(pattern);
    json_error_t jerr;
    json_t *objects = json_loads(objects_json, 0, &jerr);
    struct rk_err err;
    int rc;

    if (!objects)
        fail_msg("bad test JSON: %s: %s", objects_json, jerr.text);
    o.objects = objects;
    rk_err_clear(&err);
    rc = rk_pattern_match(p, &o, 1, NULL, NULL, &err);
    if (rc < 0)
        fail_msg("%s: %s", pattern, err.message);
    json_decref(objects);
    rk_pattern_free(p);
    return rc;
}

#define YES(pat, objs) assert_int_equal(match1(pat, objs), 1)
#define NO(pat, objs)  assert_int_equal(match1(pat, objs), 0)

static const char *FILE1 = "{\"0\": {\"type\": \"file\", \"name\": \"foo.dll\", \"size\": 25536, "
                           "\"hashes\": {\"MD5\": \"79054025255FB1A26E4BC422AEF54EB4\"}, "
                           "\"created\": \"2014-01-13T07:03:17.000Z\", \"ratio\": 1.5, "
                           "\"is_x\": true, \"tags\": [\"a\", \"bb\", \"ccc\"]}}";

/* 9.6.1, one example per operator */
static void test_pattern_compare__operators(void **state)
{
    YES("[file:name = 'foo.dll']", FILE1);
    NO("[file:name = 'foo.DLL']", FILE1);
    YES("[file:size != 4112]", FILE1);
    NO("[file:size != 25536]", FILE1);
    YES("[file:size > 256]", FILE1);
    NO("[file:size > 25536]", FILE1);
    YES("[file:size < 25537]", FILE1);
    NO("[file:size < 1024]", FILE1);
    YES("[file:size <= 25536]", FILE1);
    YES("[file:size >= 25536]", FILE1);
    NO("[file:size >= 33312]", FILE1);
    YES("[file:name IN ('proccy', 'foo.dll', 'badproc')]", FILE1);
    NO("[file:name IN ('proccy', 'proximus', 'badproc')]", FILE1);
    NO("[file:name IN ()]", FILE1);
    YES("[file:name LIKE 'foo%']", FILE1);
    YES("[file:name LIKE 'f_o.d%l']", FILE1);
    NO("[file:name LIKE 'foo']", FILE1);
    YES("[file:name MATCHES 'o\\\\.d']", FILE1); /* search, not anchored */
    NO("[file:name MATCHES '^o']", FILE1);
    YES("[EXISTS file:hashes]", FILE1);
    NO("[EXISTS file:parent_directory_ref]", FILE1);
    YES("[NOT EXISTS file:parent_directory_ref]", FILE1);
    YES("[file:size NOT = 1]", FILE1);
    NO("[file:name NOT LIKE 'foo%']", FILE1);
    YES("[file:is_x = true]", FILE1);
    NO("[file:is_x = false]", FILE1);
}

/* "If the arguments ... are of incompatible types ... the results are false; the sole exception
 * is the != operator in which case the result is true." Missing paths are always false. */
static void test_pattern_compare__types_and_missing(void **state)
{
    NO("[file:size = '25536']", FILE1);
    YES("[file:size != '25536']", FILE1);
    NO("[file:name > 5]", FILE1);
    NO("[file:name < 5]", FILE1);
    YES("[file:size NOT = 'x']", FILE1);
    NO("[file:is_x = 1]", FILE1);
    NO("[file:name != 'x' AND file:mime_type != 'y']", FILE1); /* no mime_type */
    NO("[file:mime_type NOT = 'y']", FILE1);
    NO("[process:name != 'x']", FILE1); /* no process at all */
    NO("[file:tags = 'a']", FILE1);     /* a list is not a string */
}

/* 9.2: integers and floats compare by full value */
static void test_pattern_compare__numbers(void **state)
{
    NO("[file:ratio = 1]", FILE1);
    YES("[file:ratio > 1]", FILE1);
    YES("[file:ratio < 2]", FILE1);
    YES("[file:ratio = 1.5]", FILE1);
    YES("[file:size = 25536.0]", FILE1);
    NO("[file:size = 25536.5]", FILE1);
    YES("[file:size < 25536.5]", FILE1);
    YES("[x-n:v = 9007199254740991]", "{\"0\": {\"type\": \"x-n\", \"v\": 9007199254740991}}");
    NO("[x-n:v = 9007199254740990.0]", "{\"0\": {\"type\": \"x-n\", \"v\": 9007199254740991}}");
}

/* 9.6.2: code point order, no normalisation for = and ordering */
static void test_pattern_compare__string_order(void **state)
{
    /* 'o' U+006f < 'oz' < 'ò' U+006f U+0300 < 'z' U+007a < 'ò' U+00f2 */
    const char *objs = "{\"0\": {\"type\": \"x-s\", \"a\": \"o\", \"b\": \"oz\", "
                       "\"c\": \"o\\u0300\", \"d\": \"z\", \"e\": \"\\u00f2\"}}";

    YES("[x-s:a < 'oz']", objs);
    YES("[x-s:b < 'o\xcc\x80']", objs);
    YES("[x-s:c < 'z']", objs);
    YES("[x-s:d < '\xc3\xb2']", objs);
    NO("[x-s:e < 'z']", objs);
    NO("[x-s:c = '\xc3\xb2']", objs);          /* no NFC for = */
    YES("[x-s:c LIKE '\xc3\xb2']", objs);      /* NFC for LIKE */
    YES("[x-s:c MATCHES '^\xc3\xb2$']", objs); /* and for MATCHES */
    YES("[x-s:e LIKE 'o\xcc\x80']", objs);     /* the constant is normalised too */
    YES("[x-s:e LIKE '_']", objs);             /* '_' is one character, not one byte */
    YES("[x-s:b LIKE '%z']", objs);
    YES("[x-s:b LIKE '%%_%']", objs);
}

/* 9.6.3 / 9.6.4: binary properties are decoded; the spec's payload_bin example */
static void test_pattern_compare__binary(void **state)
{
    const char *art =
            "{\"0\": {\"type\": \"artifact\", \"mime_type\": \"application/octet-stream\", "
            "\"payload_bin\": \"dGhpcyBpcyBhIHRlc3Q=\"}}";
    const char *pcap = "{\"0\": {\"type\": \"artifact\", \"mime_type\": "
                       "\"application/vnd.tcpdump.pcap\", \"payload_bin\": \"1MOyoQIABAAAAAAA\"}}";
    const char *magic = "{\"0\": {\"type\": \"file\", \"mime_type\": \"image/bmp\", "
                        "\"magic_number_hex\": \"FFD8\"}}";

    NO("[artifact:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']", art);
    YES("[artifact:payload_bin = 'this is a test']", art);
    YES("[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']", art);
    YES("[artifact:payload_bin = h'7468697320697320612074657374']", art);
    YES("[artifact:payload_bin != 'this is a test\xc4\x80']", art); /* U+0100: no conversion */
    NO("[artifact:payload_bin = 'this is a test\xc4\x80']", art);
    YES("[artifact:payload_bin > h'7468']", art); /* longer is greater */
    YES("[artifact:payload_bin < h'75']", art);   /* unsigned octets */
    YES("[artifact:payload_bin LIKE 'this%t']", art);
    YES("[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES "
        "'\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
        pcap);
    NO("[artifact:payload_bin MATCHES '^\\\\xd4\\\\xc3\\\\xb2\\\\xa2']", pcap);
    YES("[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']", magic);
    YES("[file:magic_number_hex = '\xc3\xbf\xc3\x98']", magic); /* 'ÿØ' as Latin-1 bytes */
}

/* 9.6.1 set operators with the spec's own examples; '=' against a CIDR constant */
static void test_pattern_compare__addresses(void **state)
{
    const char *net27 = "{\"0\": {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.0/27\"}}";
    const char *net24 = "{\"0\": {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.0/24\"}}";
    const char *host = "{\"0\": {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.1\"}}";
    const char *v6 = "{\"0\": {\"type\": \"ipv6-addr\", \"value\": \"2001:db8:dead:beef::1\"}}";
    const char *dom = "{\"0\": {\"type\": \"domain-name\", \"value\": \"10.0.0.1\"}}";

    YES("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", net27);
    NO("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", net27);
    YES("[ipv4-addr:value ISSUPERSET '198.51.100.0/27']", net24);
    YES("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", net24);   /* identical */
    YES("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", net24); /* identical */
    YES("[ipv4-addr:value ISSUBSET '198.51.100.1']", host);
    NO("[ipv4-addr:value ISSUBSET '198.51.101.0/24']", host);
    YES("[ipv4-addr:value = '198.51.100.1/32']", host);
    YES("[ipv4-addr:value = '198.51.100.0/24']", host);
    NO("[ipv4-addr:value = '198.51.100.2']", host);
    NO("[ipv4-addr:value = '198.51.100.0/24']", "{\"0\": {\"type\": \"ipv4-addr\", \"value\": "
                                                "\"198.51.0.0/16\"}}");
    YES("[ipv4-addr:value != '203.0.113.0/24']", host);
    YES("[ipv6-addr:value = '2001:0db8:dead:beef:0000:0000:0000:0001/128']", v6);
    YES("[ipv6-addr:value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']", v6);
    NO("[ipv6-addr:value ISSUBSET '2001:db8:dead:bee0::/64']", v6);
    NO("[domain-name:value = '10.0.0.0/8']", dom); /* not an address object: plain strings */
    YES("[domain-name:value = '10.0.0.1']", dom);
}

/* hex hash values ignore case; other dictionaries and non-hex values do not */
static void test_pattern_compare__hashes(void **state)
{
    YES("[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']", FILE1);
    YES("[file:hashes.MD5 IN ('79054025255fb1a26e4bc422aef54eb4')]", FILE1);
    NO("[file:hashes.MD5 != '79054025255fb1a26e4bc422aef54eb4']", FILE1);
    NO("[file:hashes.md5 = '79054025255fb1a26e4bc422aef54eb4']", FILE1); /* keys are exact */
    NO("[x-d:hashes.SSDEEP = 'abc']", "{\"0\": {\"type\": \"x-d\", \"hashes\": {\"SSDEEP\": "
                                      "\"ABC\"}}}");
}

/* timestamps compare as instants */
static void test_pattern_compare__timestamps(void **state)
{
    YES("[file:created = t'2014-01-13T07:03:17Z']", FILE1);
    YES("[file:created > t'2014-01-13T07:03:16.999Z']", FILE1);
    NO("[file:created < t'2014-01-13T07:03:17Z']", FILE1);
    NO("[file:name = t'2014-01-13T07:03:17Z']", FILE1);
    YES("[file:name != t'2014-01-13T07:03:17Z']", FILE1);
}

/* 9.7: lists, dictionaries, extensions and references */
static void test_pattern_compare__paths(void **state)
{
    const char *pe = "{\"0\": {\"type\": \"file\", \"name\": \"a.exe\", \"extensions\": "
                     "{\"windows-pebinary-ext\": {\"pe_type\": \"exe\", \"sections\": "
                     "[{\"name\": \".text\", \"entropy\": 6.1}, {\"name\": \".rsrc\", "
                     "\"entropy\": 7.4}]}}}}";
    const char *mail = "{\"0\": {\"type\": \"email-message\", \"is_multipart\": true, "
                       "\"from_ref\": \"1\", \"body_multipart\": [{\"body\": \"hi\"}, "
                       "{\"body_raw_ref\": \"2\"}]}, \"1\": {\"type\": \"email-addr\", "
                       "\"value\": \"boss@example.com\"}, \"2\": {\"type\": \"file\", \"name\": "
                       "\"Final Report 2.exe\"}}";
    const char *dir = "{\"d\": {\"type\": \"directory\", \"path\": \"C:\\\\Windows\", "
                      "\"contains_refs\": [\"f1\", \"nope\", \"f2\"]}, \"f1\": {\"type\": "
                      "\"file\", \"name\": \"a.txt\"}, \"f2\": {\"type\": \"file\", \"name\": "
                      "\"b.dll\"}}";

    YES("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]", pe);
    NO("[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]", pe);
    YES("[file:extensions.'windows-pebinary-ext'.sections[1].entropy > 7.0]", pe);
    NO("[file:extensions.'windows-pebinary-ext'.sections[2].entropy > 0]", pe);
    NO("[file:extensions.'windows-pebinary-ext'.sections[-1].entropy > 0]", pe);
    YES("[file:extensions.'windows-pebinary-ext'.pe_type = 'exe']", pe);
    YES("[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND "
        "email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
        mail);
    NO("[email-message:from_ref.value MATCHES '@example\\\\.org$']", mail);
    YES("[email-message:from_ref = '1']", mail); /* a path may end at the reference */
    YES("[directory:contains_refs[*].name = 'b.dll']", dir);
    YES("[directory:contains_refs[2].name = 'b.dll']", dir);
    NO("[directory:contains_refs[1].name = 'b.dll']", dir); /* unresolved reference */
    YES("[directory:path LIKE 'C:\\\\Windows']", dir);
    YES("[directory:path MATCHES '^C:\\\\\\\\Windows$']", dir);
    YES("[file:'name' = 'a.exe']", pe);
}

/* 9.5: all comparisons start from one SCO (the spec's network-traffic example) */
static void test_pattern_compare__same_object(void **state)
{
    const char *split = "{\"0\": {\"type\": \"network-traffic\", \"src_ref\": \"1\"}, "
                        "\"1\": {\"type\": \"ipv4-addr\", \"value\": \"203.0.113.10\"}, "
                        "\"2\": {\"type\": \"network-traffic\", \"dst_ref\": \"3\"}, "
                        "\"3\": {\"type\": \"ipv4-addr\", \"value\": \"198.51.100.58\"}}";
    const char *joined = "{\"0\": {\"type\": \"network-traffic\", \"src_ref\": \"1\", "
                         "\"dst_ref\": \"3\"}, \"1\": {\"type\": \"ipv4-addr\", \"value\": "
                         "\"203.0.113.10\"}, \"3\": {\"type\": \"ipv4-addr\", \"value\": "
                         "\"198.51.100.58\"}}";
    const char *pat = "[ network-traffic:src_ref.value = '203.0.113.10' AND "
                      "network-traffic:dst_ref.value = '198.51.100.58' ]";
    const char *two = "{\"a\": {\"type\": \"file\", \"name\": \"x\"}, \"b\": {\"type\": "
                      "\"file\", \"size\": 5}}";

    NO(pat, split);
    YES(pat, joined);
    YES("[network-traffic:dst_ref.value = '198.51.100.0/24']", joined); /* a dereferenced address */
    NO("[file:name = 'x' AND file:size = 5]", two);
    YES("[file:name = 'x' OR file:size = 5]", two);
    YES("[(file:name = 'x' AND file:size = 1) OR (url:value = 'u' AND url:value != 'v') OR "
        "file:size = 5]",
        two);
}

static void test_pattern_compare__atom_match(void **state)
{
    struct rk_pattern *p = tp_parse("[ipv4-addr:value = '10.0.0.0/8' OR domain-name:value = "
                                    "'evil.example']");
    json_t *sco = json_pack("{s:s, s:s}", "type", "ipv4-addr", "value", "10.9.8.7");
    json_t *dom = json_pack("{s:s, s:s}", "type", "domain-name", "value", "evil.example");

    assert_int_equal(rk_pattern_atom_match(p, rk_pattern_atom_at(p, 0), sco, NULL), 1);
    assert_int_equal(rk_pattern_atom_match(p, rk_pattern_atom_at(p, 1), sco, NULL), 0);
    assert_int_equal(rk_pattern_atom_match(p, rk_pattern_atom_at(p, 1), dom, NULL), 1);
    json_decref(sco);
    json_decref(dom);
    rk_pattern_free(p);
}

int test_pattern_compare_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pattern_compare__operators),
            cmocka_unit_test(test_pattern_compare__types_and_missing),
            cmocka_unit_test(test_pattern_compare__numbers),
            cmocka_unit_test(test_pattern_compare__string_order),
            cmocka_unit_test(test_pattern_compare__binary),
            cmocka_unit_test(test_pattern_compare__addresses),
            cmocka_unit_test(test_pattern_compare__hashes),
            cmocka_unit_test(test_pattern_compare__timestamps),
            cmocka_unit_test(test_pattern_compare__paths),
            cmocka_unit_test(test_pattern_compare__same_object),
            cmocka_unit_test(test_pattern_compare__atom_match),
    };

    return cmocka_run_group_tests_name("pattern_compare", tests, NULL, NULL);
}
