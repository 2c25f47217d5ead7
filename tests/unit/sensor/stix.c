/* stix.c - the STIX objects of a bin and of an alert: fixed ids, the new-sdo extension, TLP
 * markings, scanners, Mirai-infected hosts, research scanners, DoS victims, determinism. The
 * official JSON schemas are checked in tests/integration/sensor_pipeline.sh. */
#include "tests.h"
#include "util/uuid.h"

#include <stdio.h>
#include <string.h>

#define GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define AMBER "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"

static struct rk_sensor_bin *make_bin_sets(int port_sets)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;
    struct rk_sensor_bin *b;
    uint8_t buf[128], l4[20];
    size_t n;

    rk_sensor_config_init(&cfg);
    cfg.now_ns = TB_T0 + 86400 * TB_S;
    cfg.keep_port_sets = port_sets;
    assert_int_equal(rk_sensor_engine_new(&e, &cfg, NULL), 0);
    assert_int_equal(
            rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", RK_TLP_GREEN, "192.0.2.0/24", NULL), 0);
    assert_int_equal(
            rk_sensor_engine_load_scanners(
                    e, RK_CORPUS_DIR "/indicators/warninglists/censys-scanning.json", NULL, NULL),
            0);
    for (int i = 0; i < 20; i++) {
        struct rk_sensor_frame f;

        /* Mirai: 45.33.2.193 -> 192.0.2.i TCP SYN dport 23 seq == destination */
        f = tb_syn(buf, TB_T0 + i * TB_S, "45.33.2.193", "192.0.2.1", 23, 0xc0000201, 9, TB_SYN);
        assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
        /* plain scanner 45.33.2.194 on 445 */
        f = tb_syn(buf, TB_T0 + i * TB_S, "45.33.2.194", "192.0.2.2", 445, 5, 9, TB_SYN);
        assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
        /* Censys 162.142.125.9 on 443 */
        f = tb_syn(buf, TB_T0 + i * TB_S, "162.142.125.9", "192.0.2.3", 443, 5, 9, TB_SYN);
        assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
        /* spoofed 10.9.9.9 */
        f = tb_syn(buf, TB_T0 + i * TB_S, "10.9.9.9", "192.0.2.4", 80, 5, 9, TB_SYN);
        assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
    }
    /* DoS backscatter: 45.33.2.200 SYN-ACKs to 192.0.2.0/24, 1 per second for 100 s */
    for (int i = 0; i < 100; i++) {
        char d[32];
        struct rk_sensor_frame f;

        snprintf(d, sizeof(d), "192.0.2.%d", i);
        n = tb_tcp(l4, 80, (uint16_t)(20000 + i), 1, TB_SYN | TB_ACK);
        n = tb_ipv4(buf, "45.33.2.200", d, 6, 50, 1, l4, n);
        f = tb_frame(TB_T0 + (100 + i) * TB_S, RK_SENSOR_LINK_RAW, buf, n);
        assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
    }
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 1);
    rk_sensor_engine_free(e);
    return b;
}

static struct rk_sensor_bin *make_bin(void)
{
    return make_bin_sets(0);
}

static json_t *find(json_t *objects, const char *type, const char *field, const char *needle)
{
    size_t i;
    json_t *o;

    json_array_foreach(objects, i, o)
    {
        const char *v = json_string_value(json_object_get(o, field));

        if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0 &&
            (!needle || (v && strstr(v, needle))))
            return o;
    }
    return NULL;
}

static size_t count(json_t *objects, const char *type)
{
    size_t i, n = 0;
    json_t *o;

    json_array_foreach(objects, i, o)
    {
        n += strcmp(json_string_value(json_object_get(o, "type")), type) == 0;
    }
    return n;
}

static void test_sensor_stix__fixed_ids_are_uuid5_of_their_names(void **state)
{
    char u[RK_UUID_STR];
    json_t *o;

    rk_uuid_v5(u, RK_UUID_NS_STIX, "renkei:identity", 15);
    assert_string_equal(&RK_SENSOR_STIX_IDENTITY_ID[10], u);
    rk_uuid_v5(u, RK_UUID_NS_STIX, "renkei:extension-definition:sensor", 34);
    assert_string_equal(&RK_SENSOR_STIX_EXTENSION_ID[22], u);
    rk_uuid_v5(u, RK_UUID_NS_STIX, "renkei:attack-pattern:network-dos", 33);
    assert_string_equal(&RK_SENSOR_STIX_DOS_PATTERN_ID[16], u);

    assert_int_equal(rk_sensor_stix_extension_definition(&o, NULL), 0);
    assert_string_equal(json_string_value(json_object_get(o, "created_by_ref")),
                        RK_SENSOR_STIX_IDENTITY_ID);
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "extension_types"), 0)),
                        "new-sdo");
    assert_non_null(json_string_value(json_object_get(o, "schema")));
    json_decref(o);
    assert_int_equal(rk_sensor_stix_identity(&o, NULL), 0);
    assert_null(json_object_get(o, "created_by_ref"));
    assert_string_equal(json_string_value(json_object_get(o, "identity_class")), "system");
    json_decref(o);
    assert_int_equal(rk_sensor_stix_dos_pattern(&o, NULL), 0);
    assert_string_equal(
            json_string_value(json_object_get(
                    json_array_get(json_object_get(o, "external_references"), 0), "external_id")),
            "T1498");
    json_decref(o);
}

static void test_sensor_stix__bin_objects(void **state)
{
    struct rk_sensor_bin *b = make_bin();
    json_t *objects = json_array(), *again = json_array(), *o, *ext;
    struct rk_sensor_stix_options opt;
    char *t1, *t2;

    rk_sensor_stix_options_init(&opt);
    assert_int_equal(rk_sensor_stix_bin(b, &opt, objects, NULL), 0);
    /* identity + summary; Mirai and plain scanner: SCO + observed-data + indicator + sighting;
     * the research scanner and the spoofed source are left out; the DoS victim: SCO +
     * network-traffic + observed-data + sighting */
    assert_int_equal(count(objects, "identity"), 1);
    assert_int_equal(count(objects, RK_SENSOR_STIX_SUMMARY_TYPE), 1);
    assert_int_equal(count(objects, "indicator"), 2);
    assert_int_equal(count(objects, "observed-data"), 3);
    assert_int_equal(count(objects, "sighting"), 3);
    assert_int_equal(count(objects, "ipv4-addr"), 3);
    assert_int_equal(count(objects, "network-traffic"), 1);

    o = find(objects, RK_SENSOR_STIX_SUMMARY_TYPE, "type", NULL);
    ext = json_object_get(json_object_get(o, "extensions"), RK_SENSOR_STIX_EXTENSION_ID);
    assert_string_equal(json_string_value(json_object_get(ext, "extension_type")), "new-sdo");
    assert_string_equal(
            json_string_value(json_array_get(json_object_get(o, "object_marking_refs"), 0)), GREEN);
    assert_int_equal(json_integer_value(json_object_get(o, "packets")), 180);
    assert_int_equal(json_integer_value(json_object_get(o, "sources")), 5);
    assert_int_equal(json_integer_value(json_object_get(o, "dos_victims")), 1);
    assert_string_equal(json_string_value(json_object_get(o, "first_observed")),
                        "2024-05-01T00:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(o, "created")),
                        "2024-05-01T01:00:00.000Z");
    assert_int_equal(
            json_integer_value(json_object_get(
                    json_object_get(json_object_get(o, "fingerprints"), "mirai"), "sources")),
            1);
    assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(o, "top_ports"), 0), "protocol")),
                        "tcp");

    o = find(objects, "indicator", "pattern", "45.33.2.193");
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "pattern")),
                        "[ipv4-addr:value = '45.33.2.193']");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "indicator_types"), 1)),
                        "compromised");
    assert_non_null(strstr(json_string_value(json_object_get(o, "name")), "Mirai"));
    o = find(objects, "indicator", "pattern", "45.33.2.194");
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "indicator_types"), 0)),
                        "anomalous-activity");
    assert_null(find(objects, "indicator", "pattern", "162.142.125.9"));
    assert_null(find(objects, "ipv4-addr", "value", "10.9.9.9"));
    o = find(objects, "sighting", "sighting_of_ref", RK_SENSOR_STIX_DOS_PATTERN_ID);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "count")), 100);
    /* the ipv4-addr id is the STIX-namespace UUIDv5 of {"value":"45.33.2.193"} */
    {
        char u[RK_UUID_STR], id[64];
        const char *name = "{\"value\":\"45.33.2.193\"}";

        rk_uuid_v5(u, RK_UUID_NS_STIX, name, strlen(name));
        snprintf(id, sizeof(id), "ipv4-addr--%s", u);
        assert_non_null(find(objects, "ipv4-addr", "id", id));
    }
    /* repeatable */
    assert_int_equal(rk_sensor_stix_bin(b, &opt, again, NULL), 0);
    t1 = json_dumps(objects, JSON_SORT_KEYS);
    t2 = json_dumps(again, JSON_SORT_KEYS);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    /* research scanners on request: observed, still no indicator */
    json_decref(again);
    again = json_array();
    opt.include_research = 1;
    assert_int_equal(rk_sensor_stix_bin(b, &opt, again, NULL), 0);
    assert_int_equal(count(again, "observed-data"), 4);
    assert_int_equal(count(again, "indicator"), 2);
    assert_int_equal(rk_sensor_stix_bin(b, &opt, NULL, NULL), RK_EINVAL);
    json_decref(again);
    json_decref(objects);
    rk_sensor_bin_free(b);
}

static void test_sensor_stix__alert_report(void **state)
{
    struct rk_sensor_alert a;
    json_t *objects = json_array(), *refs = json_pack("[s]", "observed-data--x"), *r, *n, *ext,
           *bundle;

    memset(&a, 0, sizeof(a));
    a.rule = RK_SENSOR_RULE_SURGE;
    snprintf(a.sensor, sizeof(a.sensor), "tokyo-1");
    a.tlp = RK_TLP_AMBER;
    a.proto = 6;
    a.port = 37215;
    a.bin_start = TB_T0 / TB_S;
    a.bin_secs = 3600;
    a.sources = 420;
    a.packets = 9000;
    a.baseline_mean = 3.5;
    a.baseline_sd = 2;
    a.score = 40;
    a.exact = 1;
    a.n_evidence = 2;
    a.evidence[0].start = a.bin_start - 3600;
    a.evidence[0].sources = 4;
    a.evidence[1].start = a.bin_start;
    a.evidence[1].sources = 420;
    assert_int_equal(rk_sensor_stix_alert(&a, refs, objects, NULL), 0);
    assert_int_equal(json_array_size(objects), 2);
    r = find(objects, "report", "type", NULL);
    n = find(objects, "note", "type", NULL);
    assert_non_null(strstr(json_string_value(json_object_get(r, "name")), "37215/tcp"));
    assert_string_equal(json_string_value(json_object_get(r, "published")),
                        "2024-05-01T01:00:00.000Z");
    /* refs: the note, the two evidence summaries, the caller's ids */
    assert_int_equal(json_array_size(json_object_get(r, "object_refs")), 4);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "object_refs"), 0)),
                        json_string_value(json_object_get(n, "id")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "object_refs"), 3)),
                        "observed-data--x");
    ext = json_object_get(json_object_get(r, "extensions"), RK_SENSOR_STIX_EXTENSION_ID);
    assert_string_equal(json_string_value(json_object_get(ext, "extension_type")),
                        "property-extension");
    assert_string_equal(json_string_value(json_object_get(ext, "rule")), "surge");
    assert_int_equal(json_integer_value(json_object_get(ext, "port")), 37215);
    assert_int_equal(json_array_size(json_object_get(ext, "evidence")), 2);
    assert_string_equal(
            json_string_value(json_array_get(json_object_get(r, "object_marking_refs"), 0)), AMBER);
    assert_non_null(strstr(json_string_value(json_object_get(n, "content")), "420 unique"));
    assert_int_equal(rk_sensor_stix_bundle(objects, &bundle, NULL), 0);
    assert_string_equal(json_string_value(json_object_get(bundle, "type")), "bundle");
    assert_int_equal(json_array_size(json_object_get(bundle, "objects")), 2);
    json_decref(bundle);
    json_decref(objects);
    json_decref(refs);
}

static void evidence_alert(struct rk_sensor_alert *a, uint16_t port)
{
    memset(a, 0, sizeof(*a));
    a->rule = RK_SENSOR_RULE_SURGE;
    snprintf(a->sensor, sizeof(a->sensor), "tokyo-1");
    a->tlp = RK_TLP_GREEN;
    a->proto = 6;
    a->port = port;
    a->bin_start = TB_T0 / TB_S;
    a->bin_secs = 3600;
}

/* An alert's evidence: the SCOs of the port's clean sources and one observed-data of them; the
 * ids of the bin's scanner observed-data on that port. Research scanners, spoofed sources and
 * bins without port sets give nothing. */
static void test_sensor_stix__alert_evidence(void **state)
{
    struct rk_sensor_bin *b = make_bin_sets(1), *plain = make_bin_sets(0);
    struct rk_sensor_alert a;
    json_t *objects = json_array(), *refs = json_array(), *bin = json_array(), *o, *sco, *x;
    const char *obs_id;

    (void)state;
    evidence_alert(&a, 445);
    assert_int_equal(rk_sensor_stix_alert_evidence(b, &a, 20, 0, objects, refs, NULL), 0);
    /* 45.33.2.194 sent 20 SYNs to 445/tcp, one a second from the bin's start */
    assert_int_equal(json_array_size(objects), 2);
    sco = find(objects, "ipv4-addr", "value", "45.33.2.194");
    o = find(objects, "observed-data", "type", NULL);
    assert_non_null(sco);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "number_observed")), 20);
    assert_string_equal(json_string_value(json_object_get(o, "first_observed")),
                        "2024-05-01T00:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(o, "last_observed")),
                        "2024-05-01T00:00:19.000Z");
    assert_string_equal(json_string_value(json_object_get(o, "created")),
                        "2024-05-01T01:00:00.000Z");
    assert_string_equal(
            json_string_value(json_array_get(json_object_get(o, "object_marking_refs"), 0)), GREEN);
    assert_int_equal(json_array_size(json_object_get(o, "object_refs")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(o, "object_refs"), 0)),
                        json_string_value(json_object_get(sco, "id")));
    assert_int_equal(json_array_size(refs), 1);
    assert_string_equal(json_string_value(json_array_get(refs, 0)),
                        json_string_value(json_object_get(o, "id")));

    /* the scanner's observed-data that the bin's export has for 45.33.2.194 */
    assert_int_equal(rk_sensor_stix_bin(b, NULL, bin, NULL), 0);
    assert_int_equal(rk_sensor_stix_scanner_refs(b, NULL, 6, 445, 20, refs), 0);
    assert_int_equal(json_array_size(refs), 2);
    obs_id = json_string_value(json_array_get(refs, 1));
    x = find(bin, "observed-data", "id", obs_id);
    assert_non_null(x);
    assert_string_equal(json_string_value(json_array_get(json_object_get(x, "object_refs"), 0)),
                        json_string_value(json_object_get(sco, "id")));
    /* max bounds the ids */
    assert_int_equal(rk_sensor_stix_scanner_refs(b, NULL, 6, 445, 0, refs), 0);
    assert_int_equal(json_array_size(refs), 2);

    /* Censys on 443 (research), 10.9.9.9 on 80 (spoofed), a port nobody scanned: nothing */
    json_array_clear(objects);
    json_array_clear(refs);
    for (int i = 0; i < 3; i++) {
        static const uint16_t ports[] = {443, 80, 8080};

        evidence_alert(&a, ports[i]);
        assert_int_equal(rk_sensor_stix_alert_evidence(b, &a, 20, 0, objects, refs, NULL), 0);
        assert_int_equal(rk_sensor_stix_scanner_refs(b, NULL, 6, ports[i], 20, refs), 0);
    }
    assert_int_equal(json_array_size(objects), 0);
    assert_int_equal(json_array_size(refs), 0);
    /* a bin without port sets cannot say who sent what to the port */
    evidence_alert(&a, 445);
    assert_int_equal(rk_sensor_stix_alert_evidence(plain, &a, 20, 0, objects, refs, NULL), 0);
    assert_int_equal(rk_sensor_stix_scanner_refs(plain, NULL, 6, 445, 20, refs), 0);
    assert_int_equal(json_array_size(objects), 0);
    assert_int_equal(json_array_size(refs), 0);

    json_decref(bin);
    json_decref(objects);
    json_decref(refs);
    rk_sensor_bin_free(b);
    rk_sensor_bin_free(plain);
}

int test_sensor_stix_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_stix__fixed_ids_are_uuid5_of_their_names),
            cmocka_unit_test(test_sensor_stix__bin_objects),
            cmocka_unit_test(test_sensor_stix__alert_report),
            cmocka_unit_test(test_sensor_stix__alert_evidence),
    };

    return cmocka_run_group_tests_name("sensor_stix", tests, NULL, NULL);
}
