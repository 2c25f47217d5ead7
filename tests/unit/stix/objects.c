/* objects.c - every SDO, SRO and meta type: a minimal valid object validates, its kind and
 * accessors are right, and removing any required property is an error naming it. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>
#include "renkei/pattern.h"

#define COMMON "'spec_version':'2.1','created':'2016-04-06T20:03:48.000Z','modified':'2016-04-06T20:03:48.000Z'"

struct minimal {
    const char *json;
    const char *required[6];
    enum rk_stix_kind kind;
};

static const struct minimal minimal[] = {
    {"{'type':'attack-pattern','id':'attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5'," COMMON
     ",'name':'Spear Phishing'}",
     {"name", "created", "modified"}, RK_KIND_SDO},
    {"{'type':'campaign','id':'campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'," COMMON
     ",'name':'Green Group Attacks','first_seen':'2016-01-01T00:00:00Z','last_seen':'2016-01-01T00:00:00Z'}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'course-of-action','id':'course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'," COMMON
     ",'name':'Add TCP port 80 Filter Rule'}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'grouping','id':'grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3'," COMMON
     ",'context':'suspicious-activity','object_refs':['indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2']}",
     {"context", "object_refs"}, RK_KIND_SDO},
    {"{'type':'identity','id':'identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e'," COMMON
     ",'name':'John Smith','identity_class':'individual','sectors':['technology']}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'incident','id':'incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'," COMMON
     ",'name':'Breach'}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'indicator','id':'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'," COMMON
     ",'pattern':'[ipv4-addr:value = \\u0027198.51.100.1\\u0027]','pattern_type':'stix',"
     "'valid_from':'2016-01-01T00:00:00Z','valid_until':'2016-01-02T00:00:00Z'}",
     {"pattern", "pattern_type", "valid_from"}, RK_KIND_SDO},
    {"{'type':'infrastructure','id':'infrastructure--38c47d93-d984-4fd9-b87b-d69d0841628d'," COMMON
     ",'name':'Poison Ivy C2','infrastructure_types':['command-and-control']}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'intrusion-set','id':'intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29'," COMMON
     ",'name':'Bobcat Breakin','resource_level':'government','primary_motivation':'ideology'}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'location','id':'location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64'," COMMON
     ",'latitude':48.8566,'longitude':2.3522,'precision':1000.0}",
     {NULL}, RK_KIND_SDO},
    {"{'type':'malware','id':'malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'," COMMON
     ",'name':'Cryptolocker','is_family':true,'malware_types':['ransomware']}",
     {"is_family"}, RK_KIND_SDO},
    {"{'type':'malware-analysis','id':'malware-analysis--d25167b7-fed0-4068-9ccd-a73dd2c5b07c'," COMMON
     ",'product':'microsoft','result':'malicious'}",
     {"product"}, RK_KIND_SDO},
    {"{'type':'note','id':'note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'," COMMON
     ",'content':'This note indicates','object_refs':['campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f']}",
     {"content", "object_refs"}, RK_KIND_SDO},
    {"{'type':'observed-data','id':'observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf'," COMMON
     ",'first_observed':'2015-12-21T19:00:00Z','last_observed':'2015-12-21T19:00:00Z',"
     "'number_observed':50,'object_refs':['ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8']}",
     {"first_observed", "last_observed", "number_observed"}, RK_KIND_SDO},
    {"{'type':'opinion','id':'opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7'," COMMON
     ",'opinion':'strongly-disagree','object_refs':['relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471']}",
     {"opinion", "object_refs"}, RK_KIND_SDO},
    {"{'type':'report','id':'report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3'," COMMON
     ",'name':'The Black Vine Cyberespionage Group','published':'2016-01-20T17:00:00.000Z',"
     "'report_types':['campaign'],'object_refs':['indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2']}",
     {"name", "published", "object_refs"}, RK_KIND_SDO},
    {"{'type':'threat-actor','id':'threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'," COMMON
     ",'name':'Evil Org','threat_actor_types':['crime-syndicate'],'sophistication':'advanced'}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'tool','id':'tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'," COMMON
     ",'name':'VNC','tool_types':['remote-access']}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'vulnerability','id':'vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061'," COMMON
     ",'name':'CVE-2016-1234','external_references':[{'source_name':'cve','external_id':'CVE-2016-1234'}]}",
     {"name"}, RK_KIND_SDO},
    {"{'type':'relationship','id':'relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e'," COMMON
     ",'relationship_type':'indicates','source_ref':'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',"
     "'target_ref':'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b'}",
     {"relationship_type", "source_ref", "target_ref"}, RK_KIND_SRO},
    {"{'type':'sighting','id':'sighting--ee20065d-2555-424f-ad9e-0f8428623c75'," COMMON
     ",'sighting_of_ref':'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f','count':0,"
     "'where_sighted_refs':['identity--b67d30ff-02ac-498a-92f9-32f845f448ff'],"
     "'observed_data_refs':['observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf']}",
     {"sighting_of_ref"}, RK_KIND_SRO},
    {"{'type':'language-content','id':'language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d'," COMMON
     ",'object_ref':'campaign--12a111f0-b824-4baf-a224-83b80237a094',"
     "'object_modified':'2017-02-08T21:31:22.007Z','contents':{'de':{'name':'Bank Angriff'}}}",
     {"object_ref", "contents"}, RK_KIND_META},
    {"{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd',"
     "'created':'2016-08-01T00:00:00.000Z','definition_type':'statement','definition':{'statement':'Copyright 2019, Example Corp'}}",
     {"created"}, RK_KIND_META},
    {"{'type':'extension-definition','id':'extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62'," COMMON
     ",'created_by_ref':'identity--11b76a96-5d2b-45e0-8a5a-f6994f370731','name':'New SDO 1',"
     "'schema':'https://www.example.com/schema-my-favorite-sdo-1/v1/','version':'1.2.1','extension_types':['new-sdo']}",
     {"created_by_ref", "name", "schema", "version", "extension_types"}, RK_KIND_META},
};

#define NMIN (sizeof(minimal) / sizeof(minimal[0]))

static void test_stix_objects__minimal_objects_are_valid(void **state)
{
    struct rk_stix_object *o;
    struct rk_err err;

    for (size_t i = 0; i < NMIN; i++) {
        const char *json = Q(minimal[i].json);

        assert_stix_valid(json);
        assert_int_equal(rk_stix_object_parse(&o, json, strlen(json), NULL, NULL, &err), 0);
        assert_int_equal(rk_stix_object_kind(o), minimal[i].kind);
        assert_string_equal(rk_stix_object_spec_version(o), "2.1");
        assert_non_null(strstr(rk_stix_object_id(o), rk_stix_object_type(o)));
        rk_stix_object_free(o);
    }
}

static void test_stix_objects__every_required_property_is_required(void **state)
{
    for (size_t i = 0; i < NMIN; i++) {
        for (size_t k = 0; minimal[i].required[k]; k++) {
            char *bad = stix_mutate(Q(minimal[i].json), minimal[i].required[k], NULL);

            assert_stix_error(bad, "missing required property", minimal[i].required[k]);
            free(bad);
        }
        if (minimal[i].kind != RK_KIND_SCO) { /* without spec_version: a STIX 2.0 object */
            struct rk_stix_options opt;
            char *bad = stix_mutate(Q(minimal[i].json), "spec_version", NULL);

            rk_stix_options_init(&opt);
            opt.v20 = RK_STIX_V20_REJECT;
            assert_int_equal(stix_try(bad, &opt), RK_EFORMAT);
            assert_true(stix_has_finding(RK_STIX_ERROR, "STIX 2.0 object", NULL));
            free(bad);
        }
        for (size_t k = 0; k < 2; k++) { /* type and id are required of every object */
            char *bad = stix_mutate(Q(minimal[i].json), k ? "id" : "type", NULL);

            assert_stix_error(bad, "missing required property", k ? "id" : "type");
            assert_non_null(rk_stix_findings_first_error(stix_last_findings()));
            assert_int_equal(rk_stix_findings_first_error(stix_last_findings())->severity,
                             RK_STIX_ERROR);
            free(bad);
        }
    }
}

static void test_stix_objects__accessors(void **state)
{
    const char *json = BASE_INDICATOR;
    struct rk_stix_object *o = NULL;
    struct rk_stix_findings *f = NULL;
    struct rk_err err;

    assert_int_equal(rk_stix_object_parse(&o, json, strlen(json), NULL, &f, &err), 0);
    assert_string_equal(rk_stix_object_id(o), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    assert_string_equal(rk_stix_object_type(o), "indicator");
    assert_string_equal(rk_stix_object_created(o), "2016-04-06T20:03:48.000Z");
    assert_string_equal(rk_stix_object_modified(o), "2016-04-06T20:03:48.000Z");
    assert_string_equal(rk_stix_object_version(o), "2016-04-06T20:03:48.000Z");
    assert_string_equal(rk_stix_object_created_by_ref(o),
                        "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff");
    assert_null(rk_stix_findings_first_error(f));
    assert_int_equal(rk_stix_object_revoked(o), 0);
    assert_int_equal(rk_stix_object_tlp(o), RK_TLP_GREEN);
    assert_int_equal(rk_stix_findings_errors(f), 0);
    assert_true(json_is_object(rk_stix_object_json(o)));
    rk_stix_findings_free(f);
    rk_stix_object_free(o);
}

static void test_stix_objects__time_windows(void **state)
{
    const char *ind = Q(minimal[6].json);
    char *bad = stix_mutate(ind, "valid_until", "\"2016-01-01T00:00:00Z\"");

    /* valid_until must be later than valid_from: equal is an error (section 4.7.1) */
    assert_stix_error(bad, "later than valid_from", "valid_until");
    free(bad);
    bad = stix_mutate(BASE_INDICATOR, "modified", "\"2016-04-06T20:03:47.999Z\"");
    assert_stix_error(bad, "earlier than created", NULL);
    free(bad);
    bad = stix_mutate(Q(minimal[1].json), "last_seen", "\"2015-12-31T23:59:59.999Z\"");
    assert_stix_error(bad, "later than or equal to first_seen", "last_seen");
    free(bad);
    bad = stix_mutate(Q(minimal[13].json), "last_observed", "\"2015-12-21T18:59:59Z\"");
    assert_stix_error(bad, "first_observed", "last_observed");
    free(bad);
    bad = stix_mutate(Q(minimal[19].json), "start_time", "\"2016-01-01T00:00:00Z\"");
    char *bad2 = stix_mutate(bad, "stop_time", "\"2016-01-01T00:00:00Z\"");
    assert_stix_error(bad2, "later than start_time", "stop_time");
    free(bad);
    free(bad2);
}

static void test_stix_objects__type_rules(void **state)
{
    char *bad;

    /* a malware family needs a name (4.11.1) */
    bad = stix_mutate(Q(minimal[10].json), "name", NULL);
    assert_stix_error(bad, "must have a name", NULL);
    free(bad);
    bad = stix_mutate(Q(minimal[11].json), "result", NULL);
    assert_stix_error(bad, "result or analysis_sco_refs", NULL);
    free(bad);
    bad = stix_mutate(Q(minimal[13].json), "objects", Q("{'0':{'type':'ipv4-addr','value':'1.2.3.4'}}"));
    assert_stix_error(bad, "must not both be present", NULL);
    free(bad);
    bad = stix_mutate(Q(minimal[13].json), "object_refs", NULL);
    assert_stix_error(bad, "one of objects or object_refs", NULL);
    free(bad);
    bad = stix_mutate(Q(minimal[13].json), "object_refs",
                      Q("['indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2']"));
    assert_stix_error(bad, "must reference an SCO or SRO", "object_refs[0]");
    free(bad);
    bad = stix_mutate(Q(minimal[13].json), "object_refs",
                      Q("['relationship--26ffb872-1dd9-446e-b6f5-d58527e5b5d2']"));
    assert_stix_error(bad, "at least one SCO reference", NULL);
    free(bad);
    for (int n = 0; n < 2; n++) {
        bad = stix_mutate(Q(minimal[13].json), "number_observed", n ? "1000000000" : "0");
        assert_stix_error(bad, "outside 1..999999999", "number_observed");
        free(bad);
    }
    bad = stix_mutate(Q(minimal[20].json), "count", "1000000000");
    assert_stix_error(bad, "outside 0..999999999", "count");
    free(bad);
    bad = stix_mutate(Q(minimal[14].json), "opinion", "\"maybe\"");
    assert_stix_error(bad, "not a value of opinion-enum", "opinion");
    free(bad);
    bad = stix_mutate(Q(minimal[3].json), "context", "\"my-context\"");
    assert_stix_warning(bad, "not in the suggested vocabulary grouping-context-ov", "context");
    free(bad);
}

static void test_stix_objects__location_rules(void **state)
{
    const char *loc = Q(minimal[9].json);
    char *bad = stix_mutate(loc, "longitude", NULL), *tmp;

    assert_stix_error(bad, "latitude and longitude must be given together", NULL);
    free(bad);
    bad = stix_mutate(loc, "latitude", "90.5");
    assert_stix_error(bad, "outside -90..90", "latitude");
    free(bad);
    bad = stix_mutate(loc, "longitude", "-180.01");
    assert_stix_error(bad, "outside -180..180", "longitude");
    free(bad);
    tmp = stix_mutate(loc, "latitude", NULL);
    bad = stix_mutate(tmp, "longitude", NULL);
    free(tmp);
    assert_stix_error(bad, "precision requires latitude and longitude", NULL);
    assert_true(stix_has_finding(RK_STIX_ERROR, "needs region, country, or latitude", NULL));
    tmp = bad;
    bad = stix_mutate(tmp, "precision", NULL);
    free(tmp);
    tmp = stix_mutate(bad, "region", "\"northern-america\"");
    assert_stix_valid(tmp);
    free(tmp);
    tmp = stix_mutate(bad, "country", "\"us\"");
    assert_stix_valid(tmp);
    free(tmp);
    free(bad);
}

static void test_stix_objects__references_point_at_the_right_types(void **state)
{
    static const struct {
        int base;
        const char *key, *value, *path;
    } cases[] = {
        {6, "created_by_ref", "'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'", "created_by_ref"},
        {6, "object_marking_refs", "['identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f']",
         "object_marking_refs[0]"},
        {20, "sighting_of_ref", "'relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'",
         "sighting_of_ref"},
        {20, "sighting_of_ref", "'ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8'", "sighting_of_ref"},
        {20, "where_sighted_refs", "['malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f']",
         "where_sighted_refs[0]"},
        {20, "observed_data_refs", "['indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f']",
         "observed_data_refs[0]"},
        {19, "source_ref", "'marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'", "source_ref"},
        {19, "target_ref", "'sighting--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'", "target_ref"},
        {19, "target_ref", "'bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f'", "target_ref"},
        {10, "sample_refs", "['ipv4-addr--efcd5e80-570d-4131-b213-62cb18eaa6a8']", "sample_refs[0]"},
        {10, "operating_system_refs", "['file--efcd5e80-570d-4131-b213-62cb18eaa6a8']",
         "operating_system_refs[0]"},
        {11, "sample_ref", "'domain-name--efcd5e80-570d-4131-b213-62cb18eaa6a8'", "sample_ref"},
        {11, "analysis_sco_refs", "['malware--efcd5e80-570d-4131-b213-62cb18eaa6a8']",
         "analysis_sco_refs[0]"},
        {21, "object_ref", "'bundle--efcd5e80-570d-4131-b213-62cb18eaa6a8'", "object_ref"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(Q(minimal[cases[i].base].json), cases[i].key, Q(cases[i].value));

        assert_stix_error(bad, "must reference", cases[i].path);
        free(bad);
    }
    /* relationships may connect SCOs and custom objects */
    char *ok = stix_mutate(Q(minimal[19].json), "target_ref",
                           Q("'x-custom-thing--efcd5e80-570d-4131-b213-62cb18eaa6a8'"));
    assert_stix_valid(ok);
    free(ok);
}

static void test_stix_objects__derived_from_same_type_is_a_warning(void **state)
{
    char *r = stix_mutate(Q(minimal[19].json), "relationship_type", "\"derived-from\"");

    assert_stix_warning(r, "same type", NULL);
    free(r);
    r = stix_mutate(Q(minimal[19].json), "relationship_type", "\"Indicates\"");
    assert_stix_error(r, "a-z, 0-9 and '-'", "relationship_type");
    free(r);
}

static int fake_pattern_calls;

/* A stand-in for the STIX patterning parser: rejects patterns containing "BAD" at its place. */
static int fake_check_pattern(const char *pattern, size_t len, struct rk_err *err)
{
    const char *bad = strstr(pattern, "BAD");

    fake_pattern_calls++;
    assert_int_equal(strlen(pattern), len);
    if (!bad)
        return 0;
    rk_err_set(err, RK_EFORMAT, "unexpected token BAD");
    rk_err_set_offset(err, bad - pattern);
    return RK_EFORMAT;
}

static void test_stix_objects__pattern_hook(void **state)
{
    struct rk_stix_options opt;
    char *bad = stix_mutate(BASE_INDICATOR, "pattern", "\"[file:name = 'x'] BAD\"");
    char *other = stix_mutate(bad, "pattern_type", "\"snort\"");

    rk_stix_options_init(&opt);
    assert_ptr_equal(opt.check_pattern, rk_pattern_validate); /* the default: the real parser */
    opt.check_pattern = fake_check_pattern;
    fake_pattern_calls = 0;
    assert_int_equal(stix_try(BASE_INDICATOR, &opt), 0);
    assert_int_equal(fake_pattern_calls, 1);
    assert_int_equal(stix_try(bad, &opt), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "invalid STIX pattern at character 19: unexpected "
                                                "token BAD", "pattern"));
    /* other pattern languages are not given to the STIX pattern checker */
    assert_int_equal(stix_try(other, &opt), 0);
    assert_int_equal(fake_pattern_calls, 2);
    /* the default options use the real patterning parser, which rejects the same pattern */
    assert_int_equal(stix_try(bad, NULL), RK_EFORMAT);
    assert_true(stix_has_finding(RK_STIX_ERROR, "invalid STIX pattern", "pattern"));
    /* without a checker the pattern is not checked */
    opt.check_pattern = NULL;
    assert_int_equal(stix_try(bad, &opt), 0);
    free(bad);
    free(other);
}

static void test_stix_objects__marking_definitions(void **state)
{
    const char *tlp_wrong_id =
            Q("{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd',"
              "'created':'2017-01-20T00:00:00.000Z','definition_type':'tlp','name':'TLP:GREEN','definition':{'tlp':'green'}}");
    const char *tlp2_wrong_id =
            Q("{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd',"
              "'created':'2022-10-01T00:00:00.000Z','name':'TLP:RED','extensions':{'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d':"
              "{'extension_type':'property-extension','tlp_2_0':'red'}}}");
    const char *self_marked =
            Q("{'type':'marking-definition','spec_version':'2.1','id':'marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd',"
              "'created':'2016-08-01T00:00:00.000Z','definition_type':'statement','definition':{'statement':'x'},"
              "'object_marking_refs':['marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd']}");
    char *bad;

    assert_stix_error(tlp_wrong_id, "normative marking-definition", NULL);
    assert_stix_error(tlp2_wrong_id, "TLP 2.0 TLP:RED must be marking-definition", NULL);
    assert_stix_error(self_marked, "must not reference the marking definition itself", NULL);
    bad = stix_mutate(Q(minimal[22].json), "definition", Q("{'text':'x'}"));
    assert_stix_error(bad, "statement", NULL);
    free(bad);
    bad = stix_mutate(Q(minimal[22].json), "definition", NULL);
    assert_stix_error(bad, "definition_type and definition", NULL);
    free(bad);
    /* marking definitions are not versioned: modified does not apply (sections 3.2, 7.2.1) */
    bad = stix_mutate(Q(minimal[22].json), "modified", "\"2016-08-01T00:00:00.000Z\"");
    assert_stix_error(bad, "does not apply to marking-definition", "modified");
    free(bad);
}

static void test_stix_objects__extension_definition(void **state)
{
    char *bad = stix_mutate(Q(minimal[23].json), "extension_properties", "[\"rank\"]");
    char *tl;

    assert_stix_error(bad, "only for toplevel-property-extension", NULL);
    tl = stix_mutate(bad, "extension_types", "[\"toplevel-property-extension\"]");
    assert_stix_valid(tl);
    free(tl);
    free(bad);
    bad = stix_mutate(Q(minimal[23].json), "extension_types", "[\"new-thing\"]");
    assert_stix_error(bad, "not a value of extension-type-enum", "extension_types[0]");
    free(bad);
    bad = stix_mutate(Q(minimal[23].json), "extensions", Q("{'x-foo-ext':{'a_b':1}}"));
    assert_stix_error(bad, "does not apply to extension-definition", "extensions");
    free(bad);
}

static void test_stix_objects__language_content(void **state)
{
    char *bad = stix_mutate(Q(minimal[21].json), "contents", Q("{'not a tag':{'name':'x'}}"));

    assert_stix_error(bad, "RFC 5646", "contents.not a tag");
    free(bad);
    bad = stix_mutate(Q(minimal[21].json), "contents", "{}");
    assert_stix_error(bad, "non-empty dictionary", "contents");
    free(bad);
    /* untranslated list items are empty strings (7.1.1) */
    bad = stix_mutate(Q(minimal[21].json), "contents", Q("{'fr':{'goals':['','voler']}}"));
    assert_stix_valid(bad);
    free(bad);
    bad = stix_mutate(Q(minimal[21].json), "lang", "\"en\"");
    assert_stix_error(bad, "does not apply", "lang");
    free(bad);
}

int test_stix_objects_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_objects__minimal_objects_are_valid),
            cmocka_unit_test(test_stix_objects__every_required_property_is_required),
            cmocka_unit_test(test_stix_objects__accessors),
            cmocka_unit_test(test_stix_objects__time_windows),
            cmocka_unit_test(test_stix_objects__type_rules),
            cmocka_unit_test(test_stix_objects__location_rules),
            cmocka_unit_test(test_stix_objects__references_point_at_the_right_types),
            cmocka_unit_test(test_stix_objects__derived_from_same_type_is_a_warning),
            cmocka_unit_test(test_stix_objects__pattern_hook),
            cmocka_unit_test(test_stix_objects__marking_definitions),
            cmocka_unit_test(test_stix_objects__extension_definition),
            cmocka_unit_test(test_stix_objects__language_content),
    };

    return cmocka_run_group_tests_name("stix_objects", tests, NULL, NULL);
}
