/* sco.c - cyber-observable objects: a valid example of every SCO type (with its predefined
 * extensions), their value formats, "at least one of" rules and reference targets. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

static const char *const valid_scos[] = {
    "{'type':'artifact','spec_version':'2.1','id':'artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5',"
    "'mime_type':'image/jpeg','payload_bin':'aGVsbG8gd29ybGQ=','encryption_algorithm':'mime-type-indicated','decryption_key':'x'}",
    "{'type':'artifact','id':'artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641','mime_type':'application/zip',"
    "'url':'https://example.com/file.zip','hashes':{'SHA-256':'6b885a1e1d42c0ca66e5f8a17e5a5d29a0c9a3d7d6e6bd8d1af6bb4c6da0ce5f'}}",
    "{'type':'autonomous-system','id':'autonomous-system--f720c34b-98ae-597f-ade5-27ef6e8ea8a4','number':15139,'name':'Slime Industries','rir':'ARIN'}",
    "{'type':'directory','id':'directory--93c0a9b0-520d-545d-9094-1a08ddf46b05','path':'C:\\\\Windows\\\\System32','ctime':'2016-01-01T00:00:00Z'}",
    "{'type':'domain-name','id':'domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5','value':'example.com',"
    "'resolves_to_refs':['ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd','domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5']}",
    "{'type':'domain-name','id':'domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5','value':'b\\u00fccher.example.'}",
    "{'type':'email-addr','id':'email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3','value':'john@example.com','display_name':'John Doe'}",
    "{'type':'email-message','id':'email-message--cf9b4b7f-14c8-5955-8065-020e0316b559','is_multipart':true,"
    "'from_ref':'email-addr--89f52ea8-d6ef-51e9-8fce-6a29236436ed','to_refs':['email-addr--d1b3bf0c-f02a-51a1-8102-11aba7959868'],"
    "'content_type':'multipart/mixed','date':'2016-06-19T14:20:40.000Z','subject':'Check out this picture!',"
    "'additional_header_fields':{'X-Mailer':['Foo 1.0']},"
    "'body_multipart':[{'content_type':'text/plain; charset=utf-8','body':'Hi'},"
    "{'content_type':'image/png','content_disposition':'attachment','body_raw_ref':'artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5'}]}",
    "{'type':'file','id':'file--9a1f834d-2506-5367-baec-7aa63996ac43','name':'foo.zip','name_enc':'windows-1252','size':25536,"
    "'magic_number_hex':'504b0304','mime_type':'application/zip','parent_directory_ref':'directory--93c0a9b0-520d-545d-9094-1a08ddf46b05',"
    "'extensions':{'archive-ext':{'contains_refs':['file--019fde1c-94ab-5b27-b0c4-ab8dbd7d3fbd'],'comment':'x'},"
    "'ntfs-ext':{'sid':'1234567','alternate_data_streams':[{'name':'second.stream','size':25536}]},"
    "'pdf-ext':{'version':'1.7','document_info_dict':{'Title':'Sample'},'pdfid0':'DFCE52BD827ECF765649852119D'},"
    "'raster-image-ext':{'image_height':768,'image_width':1024,'bits_per_pixel':72,'exif_tags':{'Make':'Nikon','XResolution':4928}},"
    "'windows-pebinary-ext':{'pe_type':'exe','machine_hex':'014c','number_of_sections':4,'time_date_stamp':'2016-01-22T12:31:12Z',"
    "'optional_header':{'magic_hex':'010b','size_of_code':4096,'address_of_entry_point':4096,'checksum_hex':'00'},"
    "'sections':[{'name':'CODE','entropy':0.061089,'hashes':{'SHA-256':'6b885a1e1d42c0ca66e5f8a17e5a5d29a0c9a3d7d6e6bd8d1af6bb4c6da0ce5f'}}]}}}",
    "{'type':'ipv4-addr','id':'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd','value':'198.51.100.3/24',"
    "'resolves_to_refs':['mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00'],'belongs_to_refs':['autonomous-system--f720c34b-98ae-597f-ade5-27ef6e8ea8a4']}",
    "{'type':'ipv6-addr','id':'ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1','value':'2001:0db8::/96'}",
    "{'type':'ipv6-addr','id':'ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1','value':'::ffff:192.0.2.128'}",
    "{'type':'mac-addr','id':'mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00','value':'d2:fb:49:24:37:18'}",
    "{'type':'mutex','id':'mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300','name':'__CLEANSWEEP__'}",
    "{'type':'network-traffic','id':'network-traffic--f8ae967a-3dc3-5cdf-8f94-8505abff00c2',"
    "'src_ref':'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd','dst_ref':'domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5',"
    "'src_port':2487,'dst_port':80,'protocols':['ipv4','tcp','http'],'start':'2014-11-13T07:03:17Z','end':'2014-11-13T07:03:18Z',"
    "'is_active':false,'ipfix':{'minimumIpTotalLength':32,'maximumIpTotalLength':2556},"
    "'extensions':{'http-request-ext':{'request_method':'get','request_value':'/download.html','request_version':'http/1.1',"
    "'request_header':{'Accept-Encoding':['gzip,deflate'],'Host':['www.example.com']}},"
    "'tcp-ext':{'src_flags_hex':'00000002'},'icmp-ext':{'icmp_type_hex':'08','icmp_code_hex':'00'},"
    "'socket-ext':{'is_listening':true,'address_family':'AF_INET','socket_type':'SOCK_STREAM','options':{'SO_TEST':1000}}}}",
    "{'type':'process','id':'process--f52a906a-0dfc-40bd-92f1-e7778ead38a9','pid':1221,'command_line':'./gedit-bin --new-window',"
    "'environment_variables':{'ProgramFiles':'C:\\\\Program Files'},'image_ref':'file--e04f22d1-be2c-59de-add8-10f61d15fe20',"
    "'extensions':{'windows-process-ext':{'aslr_enabled':true,'dep_enabled':true,'priority':'HIGH_PRIORITY_CLASS',"
    "'owner_sid':'S-1-5-21-186985262-1144665072-74031268-1309','integrity_level':'high'},"
    "'windows-service-ext':{'service_name':'sirvizio','display_name':'Sirvizio','start_type':'SERVICE_AUTO_START',"
    "'service_type':'SERVICE_WIN32_OWN_PROCESS','service_status':'SERVICE_RUNNING','service_dll_refs':['file--e04f22d1-be2c-59de-add8-10f61d15fe20']}}}",
    "{'type':'software','id':'software--a1827f6d-ca53-5605-9e93-4316cd22a00a','name':'Word','cpe':'cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*',"
    "'languages':['en','ja-JP'],'vendor':'Microsoft','version':'2002'}",
    "{'type':'url','id':'url--c1477287-23ac-5971-a010-5c287877fa60','value':'https://example.com/research/index.html?q=1#x'}",
    "{'type':'user-account','id':'user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c','user_id':'1001','account_login':'jdoe',"
    "'account_type':'unix','display_name':'John Doe','is_service_account':false,'account_created':'2016-01-20T12:31:12Z',"
    "'extensions':{'unix-account-ext':{'gid':1001,'groups':['wheel'],'home_dir':'/home/jdoe','shell':'/bin/bash'}}}",
    "{'type':'windows-registry-key','id':'windows-registry-key--2ba37ae7-2745-5082-9dfd-9486dad41016',"
    "'key':'HKEY_LOCAL_MACHINE\\\\System\\\\Foo\\\\Bar','values':[{'name':'Foo','data':'qwerty','data_type':'REG_SZ'}],"
    "'modified_time':'2016-01-01T00:00:00Z','number_of_subkeys':2}",
    "{'type':'x509-certificate','id':'x509-certificate--463d7b2a-8516-5a50-a3d7-6f801465d5de','issuer':'C=ZA, O=Thawte Consulting',"
    "'validity_not_before':'2016-03-12T12:00:00Z','validity_not_after':'2016-08-21T12:00:00Z','subject_public_key_exponent':65537,"
    "'x509_v3_extensions':{'basic_constraints':'critical,CA:TRUE, pathlen:0','private_key_usage_period_not_before':'2016-03-12T12:00:00Z'}}",
    "{'type':'x-acme-observable','id':'x-acme-observable--463d7b2a-8516-5a50-a3d7-6f801465d5de','reading':7,"
    "'extensions':{'x-acme-meta-ext':{'sensor_id':'s1'}}}",
};

static void test_stix_sco__valid_examples(void **state)
{
    struct rk_stix_object *o;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(valid_scos) / sizeof(valid_scos[0]); i++) {
        const char *json = Q(valid_scos[i]);

        assert_stix_valid(json);
        assert_int_equal(rk_stix_object_parse(&o, json, strlen(json), NULL, NULL, &err), 0);
        assert_int_equal(rk_stix_object_kind(o), RK_KIND_SCO);
        assert_null(rk_stix_object_created(o));
        assert_string_equal(rk_stix_object_version(o), ""); /* SCOs have one version */
        assert_null(rk_stix_object_created_by_ref(o));
        rk_stix_object_free(o);
    }
}

static void test_stix_sco__value_formats(void **state)
{
    static const struct {
        int base;
        const char *key, *value, *needle;
    } cases[] = {
        {9, "value", "'10.0.0.256'", "IPv4"},
        {9, "value", "'10.0.0.1/33'", "IPv4"},
        {9, "value", "'010.0.0.1'", "IPv4"},
        {9, "value", "'10.0.0'", "IPv4"},
        {10, "value", "'2001:db8::1::2'", "IPv6"},
        {10, "value", "'2001:db8::/129'", "IPv6"},
        {10, "value", "'12345::'", "IPv6"},
        {10, "value", "'1:2:3:4:5:6:7'", "IPv6"},
        {12, "value", "'D2:FB:49:24:37:18'", "MAC-48"},
        {12, "value", "'d2-fb-49-24-37-18'", "MAC-48"},
        {6, "value", "'John Doe <john@example.com>'", "without display name"},
        {4, "value", "'exa mple.com'", "domain name"},
        {4, "value", "'example..com'", "domain name"},
        {17, "value", "'www.example.com/index.html'", "URL"},
        {17, "value", "'http://example.com/a b'", "URL"},
        {16, "cpe", "'cpe:/a:microsoft:word:2000'", "CPE 2.3"},
        {16, "languages", "['en_US']", "RFC 5646"},
        {19, "key", "'HKLM\\\\Software\\\\Foo'", "written out in full"},
        {8, "magic_number_hex", "'504B0304'", "0-9 and a-f"},
        {8, "magic_number_hex", "'504'", "even number"},
        {8, "size", "-1", "outside 0.."},
        {14, "src_port", "65536", "outside 0..65535"},
        {0, "payload_bin", "'abc'", "base64"},
        {0, "encryption_algorithm", "'AES-128'", "encryption-algorithm-enum"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(Q(valid_scos[cases[i].base]), cases[i].key, Q(cases[i].value));

        assert_stix_error(bad, cases[i].needle, NULL);
        free(bad);
    }
}

static void test_stix_sco__object_rules(void **state)
{
    static const struct {
        int base;
        const char *key, *value, *needle;
    } cases[] = {
        {0, "url", "'https://example.com/x'", "exactly one of payload_bin or url"},
        {1, "hashes", NULL, "hashes must be present when url is"},
        {1, "url", NULL, "exactly one of payload_bin or url"},
        {0, "encryption_algorithm", NULL, "decryption_key requires encryption_algorithm"},
        {8, "name", NULL, "name_enc must not be present without name"},
        {14, "src_ref", NULL, NULL},
        {14, "is_active", "true", "end must not be present when is_active is true"},
        {14, "end", "'2014-11-13T07:03:16Z'", "earlier than start"},
        {14, "protocols", NULL, "missing required property"},
        {7, "body", "'text'", "body must not be used when is_multipart is true"},
        {7, "is_multipart", "false", "body_multipart must not be used when is_multipart is false"},
        {7, "body_multipart", "[{'content_type':'text/plain'}]", "needs body or body_raw_ref"},
        {7, "body_multipart", "[{'body_raw_ref':'ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd'}]",
         "must reference file or artifact"},
        {7, "additional_header_fields", "{'X-Mailer':'Foo 1.0'}", "non-empty list of strings"},
        {7, "from_ref", "'user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c'", "must reference email-addr"},
        {2, "number", "'15139'", "must be an integer"},
        {3, "path", NULL, "missing required property"},
        {19, "values", "[{}]", "must contain at least one of its properties"},
        {19, "values", "[{'data_type':'REG_TEXT'}]", "windows-registry-datatype-enum"},
        {15, "extensions", "{'windows-process-ext':{}}", "must contain at least one"},
        {15, "extensions", "{'archive-ext':{'contains_refs':['file--019fde1c-94ab-5b27-b0c4-ab8dbd7d3fbd']}}",
         "archive-ext is not an extension of process"},
        {15, "image_ref", "'directory--93c0a9b0-520d-545d-9094-1a08ddf46b05'", "must reference file"},
        {18, "extensions", "{'unix-account-ext':{}}", "must contain at least one"},
        {14, "src_ref", "'file--9a1f834d-2506-5367-baec-7aa63996ac43'",
         "must reference ipv4-addr, ipv6-addr, mac-addr or domain-name"},
        {9, "resolves_to_refs", "['ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd']", "must reference mac-addr"},
        {4, "resolves_to_refs", "['url--c1477287-23ac-5971-a010-5c287877fa60']", "must reference ipv4-addr"},
        {21, "extensions", "{'x-acme-meta':{'a_b':1}}", "ending in -ext"},
        {21, "extensions", "{'x-acme-meta-ext':{}}", "at least one property"},
        {6, "created", "'2016-01-01T00:00:00.000Z'", "does not apply"},
        {6, "defanged", "'yes'", "true or false"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *bad = stix_mutate(Q(valid_scos[cases[i].base]), cases[i].key,
                                cases[i].value ? Q(cases[i].value) : NULL);

        if (cases[i].needle) {
            assert_stix_error(bad, cases[i].needle, NULL);
        } else {
            char *bad2 = stix_mutate(bad, "dst_ref", NULL);

            assert_stix_error(bad2, "needs src_ref or dst_ref", NULL);
            free(bad2);
        }
        free(bad);
    }
}

static void test_stix_sco__at_least_one_property(void **state)
{
    static const char *const empty[] = {
        "{'type':'x509-certificate','id':'x509-certificate--463d7b2a-8516-5a50-a3d7-6f801465d5de'}",
        "{'type':'user-account','id':'user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c'}",
        "{'type':'windows-registry-key','id':'windows-registry-key--2ba37ae7-2745-5082-9dfd-9486dad41016'}",
        "{'type':'process','id':'process--f52a906a-0dfc-40bd-92f1-e7778ead38a9'}",
        "{'type':'file','id':'file--9a1f834d-2506-5367-baec-7aa63996ac43','size':1}",
    };
    const char *pe = Q("{'type':'file','id':'file--9a1f834d-2506-5367-baec-7aa63996ac43','name':'a.exe',"
                       "'extensions':{'windows-pebinary-ext':{'pe_type':'exe'}}}");

    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
        assert_stix_error(Q(empty[i]), i == 4 ? "at least one of hashes or name" : "at least one of its",
                          NULL);
    assert_stix_error(pe, "needs a property besides pe_type", NULL);
}

static void test_stix_sco__observable_container(void **state)
{
    const char *od = Q("{'type':'observed-data','spec_version':'2.1','id':'observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf',"
                       "'created':'2016-04-06T19:58:16.000Z','modified':'2016-04-06T19:58:16.000Z',"
                       "'first_observed':'2015-12-21T19:00:00Z','last_observed':'2015-12-21T19:00:00Z','number_observed':1,"
                       "'objects':{'0':{'type':'ipv4-addr','value':'198.51.100.2'},'1':{'type':'network-traffic','dst_ref':'0',"
                       "'protocols':['tcp']},'2':{'type':'email-message','is_multipart':false,'to_refs':['0','1']}}}");
    char *bad;

    /* the deprecated container is accepted with a warning; its references are local keys */
    assert_stix_warning(od, "is deprecated", "objects");
    bad = stix_mutate(od, "objects", Q("{'0':{'type':'network-traffic','dst_ref':'5'}}"));
    assert_stix_error(bad, "not a key of the same observable container", "objects.0.dst_ref");
    free(bad);
    bad = stix_mutate(od, "objects", Q("{'0':{'value':'1.2.3.4'}}"));
    assert_stix_error(bad, "needs a valid type", "objects.0");
    free(bad);
    bad = stix_mutate(od, "objects", "{}");
    assert_stix_error(bad, "non-empty dictionary", "objects");
    free(bad);
}

int test_stix_sco_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_sco__valid_examples),
            cmocka_unit_test(test_stix_sco__value_formats),
            cmocka_unit_test(test_stix_sco__object_rules),
            cmocka_unit_test(test_stix_sco__at_least_one_property),
            cmocka_unit_test(test_stix_sco__observable_container),
    };

    return cmocka_run_group_tests_name("stix_sco", tests, NULL, NULL);
}
