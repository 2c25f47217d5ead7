/* lists.c - research-scanner lists from the real corpus (maltrail text, MISP warning lists) and
 * prefix -> ASN / country tables in the @ip-location-db formats. */
#include "tests.h"
#include "sensor/sensor_int.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CORPUS_IND RK_CORPUS_DIR "/indicators"

static struct rk_sensor_addr A(const char *s) {
    struct rk_sensor_addr a;

    assert_int_equal(rk_sensor_addr_parse(s, strlen(s), &a), 0);
    return a;
}

static void
test_sensor_lists__maltrail_mass_scanner(void **state)
{
    struct rtab t = {0};
    struct rk_sensor_load_result res;
    struct rk_err err;
    struct rk_sensor_addr a;

    rk_err_clear(&err);
    assert_int_equal(lists_load_scanners(&t, CORPUS_IND "/maltrail/mass_scanner.txt", &res, &err),
                     0);
    /* 19,220 non-comment lines; a few are damaged in the list itself ("C91.196.152.28") */
    assert_int_equal(res.rows + res.bad_rows, 19220);
    assert_true(res.bad_rows >= 1 && res.bad_rows < 20);
    assert_non_null(strstr(err.message, "not an IP address or CIDR"));
    assert_true(res.first_bad_line > 0);
    a = A("129.82.138.12"); /* pinger1a.netsec.colostate.edu */
    assert_int_equal(rtab_lookup(&t, &a), 1);
    a = A("66.240.192.138"); /* census8.shodan.io */
    assert_int_equal(rtab_lookup(&t, &a), 1);
    a = A("129.82.138.13");
    assert_int_equal(rtab_lookup(&t, &a), KIDX_NONE);
    rtab_free(&t);

    assert_int_equal(
            lists_load_scanners(&t, CORPUS_IND "/maltrail/mass_scanner_cidr.txt", &res, NULL), 0);
    assert_int_equal(res.rows, 1106);
    a = A("5.63.151.77"); /* inside 5.63.151.0/24 scanners.labs.rapid7.com */
    assert_int_equal(rtab_lookup(&t, &a), 1);
    rtab_free(&t);
}

static void test_sensor_lists__misp_warning_lists(void **state)
{
    struct rtab t = {0};
    struct rk_sensor_load_result res;
    struct rk_sensor_addr a;

    assert_int_equal(
            lists_load_scanners(&t, CORPUS_IND "/warninglists/censys-scanning.json", &res, NULL),
            0);
    assert_int_equal(res.rows, 13);
    assert_int_equal(res.bad_rows, 0);
    a = A("162.142.125.200");
    assert_int_equal(rtab_lookup(&t, &a), 1);
    a = A("2602:80d:1003::ff"); /* inside 2602:80d:1003::/112 */
    assert_int_equal(rtab_lookup(&t, &a), 1);
    a = A("2602:80d:1003::1:0");
    assert_int_equal(rtab_lookup(&t, &a), KIDX_NONE);
    assert_int_equal(
            lists_load_scanners(&t, CORPUS_IND "/warninglists/shodan-scanning.json", &res, NULL),
            0);
    a = A("185.142.236.35"); /* inside 185.142.236.34/31 */
    assert_int_equal(rtab_lookup(&t, &a), 1);
    a = A("162.142.125.200"); /* the censys ranges are still there */
    assert_int_equal(rtab_lookup(&t, &a), 1);
    rtab_free(&t);
    /* a JSON file that is not a warning list */
    assert_int_equal(
            lists_load_scanners(&t, RK_CORPUS_DIR "/stix/markings/tlp2/tlp-red.json", &res, NULL),
            RK_EFORMAT);
    rtab_free(&t);
}

static const char asn_csv[] =
        "ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization\n"
        "1.0.0.0,1.0.0.255,13335,CLOUDFLARENET\n"
        "1.0.4.0,1.0.7.255,38803,\"Wirefreebroadband, Pty\"\n"
        "45.33.0.0,45.33.127.255,AS63949,Akamai Connected Cloud\n"
        "1.0.4.128,1.0.4.200,9999,Overlapping Row\n"
        "not-an-ip,1.2.3.4,1,x\n"
        "2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project\n"
        "16781312,16781567,4608,APNIC numeric row\n"
        "203.0.113.0/24,64496,Documentation CIDR\n"
        "9.9.9.0,9.9.9.255,zero,bad asn\n";

static const char cc_csv[] = "1.0.0.0,1.0.0.255,au\r\n"
                             "1.0.1.0,1.0.3.255,CN\r\n"
                             "42540528726795050063891204319802818560,"
                             "42540528806023212578155541913346768895,JP\r\n"
                             "45.33.0.0/17,US\r\n"
                             "5.5.5.0,5.5.5.255,USA\r\n";

static void test_sensor_lists__geo_tables(void **state)
{
    struct geo g;
    struct rk_sensor_load_result res;
    struct rk_err err;
    struct rk_sensor_addr a;
    char cc[3];

    rk_err_clear(&err);
    assert_int_equal(lists_load_geo(&g, RK_SENSOR_GEO_ASN,
                                    tb_tmpfile(1, asn_csv, sizeof(asn_csv) - 1), &res, &err),
                     0);
    /* header skipped; bad address (line 6) and bad ASN (line 10) counted; the overlapping row
     * dropped */
    assert_int_equal(res.rows, 6);
    assert_int_equal(res.bad_rows, 3);
    assert_int_equal(res.first_bad_line, 6);
    assert_non_null(strstr(err.message, ":6: bad address"));
    a = A("1.0.0.77");
    assert_int_equal(geo_lookup(&g, &a), 13335);
    assert_string_equal(geo_name(&g, 13335), "CLOUDFLARENET");
    a = A("1.0.4.130");
    assert_int_equal(geo_lookup(&g, &a), 38803);
    assert_string_equal(geo_name(&g, 38803), "Wirefreebroadband, Pty");
    a = A("45.33.2.193");
    assert_int_equal(geo_lookup(&g, &a), 63949);
    a = A("2001:200:1234::1");
    assert_int_equal(geo_lookup(&g, &a), 2500);
    a = A("1.0.16.1"); /* 16781312 = 1.0.16.0 */
    assert_int_equal(geo_lookup(&g, &a), 4608);
    a = A("203.0.113.99");
    assert_int_equal(geo_lookup(&g, &a), 64496);
    a = A("8.8.8.8");
    assert_int_equal(geo_lookup(&g, &a), 0);
    assert_null(geo_name(&g, 1));
    geo_free(&g);

    assert_int_equal(lists_load_geo(&g, RK_SENSOR_GEO_COUNTRY,
                                    tb_tmpfile(2, cc_csv, sizeof(cc_csv) - 1), &res, NULL),
                     0);
    assert_int_equal(res.rows, 4);
    assert_int_equal(res.bad_rows, 1); /* "USA" */
    a = A("1.0.0.1");
    cc_unpack((uint16_t)geo_lookup(&g, &a), cc);
    assert_string_equal(cc, "AU");
    a = A("2001:200::1"); /* 42540528726795050063891204319802818560 = 2001:200:: */
    cc_unpack((uint16_t)geo_lookup(&g, &a), cc);
    assert_string_equal(cc, "JP");
    a = A("45.33.100.1");
    cc_unpack((uint16_t)geo_lookup(&g, &a), cc);
    assert_string_equal(cc, "US");
    geo_free(&g);

    assert_int_equal(lists_load_geo(&g, RK_SENSOR_GEO_ASN, "/nonexistent.csv", &res, NULL), RK_EIO);
    assert_int_equal(
            lists_load_geo(&g, RK_SENSOR_GEO_ASN, tb_tmpfile(3, "a,b\nc,d\n", 8), &res, NULL),
            RK_EFORMAT);
    unlink(tb_tmpfile(1, "", 0));
    unlink(tb_tmpfile(2, "", 0));
    unlink(tb_tmpfile(3, "", 0));
}

static void test_sensor_lists__range_table_merge(void **state)
{
    struct rtab t = {0};
    struct rk_sensor_prefix p;
    struct rk_sensor_addr a;
    uint64_t dropped;

    rk_sensor_prefix_parse("10.0.0.0/24", 11, 0, &p);
    rtab_add_prefix(&t, &p, 1);
    rk_sensor_prefix_parse("10.0.1.0/24", 11, 0, &p);
    rtab_add_prefix(&t, &p, 1);
    rk_sensor_prefix_parse("10.0.0.128/25", 13, 0, &p);
    rtab_add_prefix(&t, &p, 1);
    rtab_build(&t, 1, &dropped);
    assert_int_equal(t.n, 1); /* adjacent and nested ranges merge into 10.0.0.0-10.0.1.255 */
    a = A("10.0.1.255");
    assert_int_equal(rtab_lookup(&t, &a), 1);
    a = A("10.0.2.0");
    assert_int_equal(rtab_lookup(&t, &a), KIDX_NONE);
    a = A("9.255.255.255");
    assert_int_equal(rtab_lookup(&t, &a), KIDX_NONE);
    rtab_free(&t);
}

int test_sensor_lists_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_lists__maltrail_mass_scanner),
            cmocka_unit_test(test_sensor_lists__misp_warning_lists),
            cmocka_unit_test(test_sensor_lists__geo_tables),
            cmocka_unit_test(test_sensor_lists__range_table_merge),
    };

    return cmocka_run_group_tests_name("sensor_lists", tests, NULL, NULL);
}
