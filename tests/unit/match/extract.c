/* extract.c - values out of Zeek and Suricata JSON, CSV, free text and packet captures. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "pcapgen.h"
#include "renkei/match.h"

struct got {
    char line[64][160]; /* "field=kind:value@record" */
    int64_t ts[64];
    size_t n;
};

static int collect(const struct rk_match_obs *o, void *ctx)
{
    struct got *g = ctx;

    if (g->n < 64) {
        snprintf(g->line[g->n], sizeof(g->line[0]), "%s=%s:%.80s@%llu", o->field,
                 rk_match_kind_name(o->value->kind), o->value->text,
                 (unsigned long long)o->record);
        g->ts[g->n] = o->ts_us;
        g->n++;
    }
    return 0;
}

static int has(const struct got *g, const char *want)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->line[i], want) == 0)
            return 1;
    return 0;
}

static void dump_on_failure(const struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        print_message("  %s\n", g->line[i]);
}

static void run(int format, const char *column, const char *text, struct got *g,
                struct rk_match_extract_stats *st)
{
    struct rk_match_extract_options o = {.format = format, .column = column};

    memset(g, 0, sizeof(*g));
    assert_int_equal(rk_match_extract(text, strlen(text), &o, collect, g, st, NULL), 0);
}

static void test_match_extract__zeek_json(void **state)
{
    static const char logs[] =
            /* conn.log */
            "{\"ts\":1700000000.25,\"uid\":\"C1\",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":51000,"
            "\"id.resp_h\":\"198.51.100.23\",\"id.resp_p\":443,\"proto\":\"tcp\"}\n"
            /* dns.log */
            "{\"ts\":1700000001.0,\"id.orig_h\":\"10.0.0.5\",\"id.resp_h\":\"192.0.2.53\","
            "\"query\":\"Evil.Example.com\",\"answers\":[\"198.51.100.23\",\"cdn.evil.example\"]}\n"
            /* http.log */
            "{\"ts\":\"2023-11-14T22:13:22.5Z\",\"id.orig_h\":\"10.0.0.5\",\"id.resp_h\":\"198.51.100.23\","
            "\"host\":\"evil.example.com:8080\",\"uri\":\"/a/../payload.bin\",\"referrer\":\"-\"}\n"
            /* files.log */
            "{\"ts\":1700000003,\"tx_hosts\":[\"198.51.100.23\"],\"rx_hosts\":[\"10.0.0.5\"],"
            "\"md5\":\"D41D8CD98F00B204E9800998ECF8427E\","
            "\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\n"
            /* ssl.log */
            "{\"ts\":1700000004,\"server_name\":\"c2.bad.example\"}\n"
            "this line is not JSON\n"
            "[1,2]\n";
    struct rk_match_extract_stats st;
    struct got g;

    run(RK_MATCH_FMT_JSON, NULL, logs, &g, &st);
    dump_on_failure(&g);
    assert_true(has(&g, "id.orig_h=ipv4-addr:10.0.0.5@1"));
    assert_true(has(&g, "id.resp_h=ipv4-addr:198.51.100.23@1"));
    assert_int_equal(g.ts[0], 1700000000250000LL);
    assert_true(has(&g, "query=domain-name:evil.example.com@2"));
    assert_true(has(&g, "answers=ipv4-addr:198.51.100.23@2"));
    assert_true(has(&g, "answers=domain-name:cdn.evil.example@2"));
    assert_true(has(&g, "host=domain-name:evil.example.com@3"));
    assert_true(has(&g, "uri=url:evil.example.com:8080/payload.bin@3"));
    assert_true(has(&g, "md5=md5:d41d8cd98f00b204e9800998ecf8427e@4"));
    assert_true(has(&g, "tx_hosts=ipv4-addr:198.51.100.23@4"));
    assert_true(has(&g, "server_name=domain-name:c2.bad.example@5"));
    assert_int_equal(st.records, 7);
    assert_int_equal(st.bad_records, 2); /* kept going after them */
    assert_int_equal(st.first_error.code, RK_EFORMAT);
    assert_non_null(strstr(st.first_error.message, "record 6"));
    assert_true(st.first_error.offset > 0);
    for (size_t i = 0; i < g.n; i++)
        if (strstr(g.line[i], "@3"))
            assert_int_equal(g.ts[i], 1700000002500000LL);
}

static void test_match_extract__suricata_eve(void **state)
{
    static const char eve[] =
            "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"event_type\":\"dns\","
            "\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"192.0.2.53\",\"dns\":{\"type\":\"query\","
            "\"rrname\":\"bad.example\",\"rrtype\":\"A\"}}\n"
            "{\"timestamp\":\"2023-11-14T22:13:21.000000+0100\",\"event_type\":\"http\","
            "\"src_ip\":\"2001:db8::5\",\"dest_ip\":\"2001:db8::80\",\"http\":{\"hostname\":\"WWW.Bad.Example\","
            "\"url\":\"/x.php?id=1\",\"http_user_agent\":\"curl\"}}\n"
            "{\"timestamp\":\"2023-11-14T22:13:22.000000+0000\",\"event_type\":\"tls\","
            "\"tls\":{\"sni\":\"c2.bad.example\",\"version\":\"TLS 1.3\"}}\n"
            "{\"timestamp\":\"2023-11-14T22:13:23.000000+0000\",\"event_type\":\"fileinfo\","
            "\"fileinfo\":{\"filename\":\"/a.exe\",\"sha1\":\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"}}\n";
    struct rk_match_extract_stats st;
    struct got g;

    run(RK_MATCH_FMT_JSON, NULL, eve, &g, &st);
    dump_on_failure(&g);
    assert_true(has(&g, "src_ip=ipv4-addr:10.0.0.5@1"));
    assert_true(has(&g, "dns.rrname=domain-name:bad.example@1"));
    assert_int_equal(g.ts[0], 1700000000123456LL);
    assert_true(has(&g, "dest_ip=ipv6-addr:2001:db8::80@2"));
    assert_true(has(&g, "http.hostname=domain-name:www.bad.example@2"));
    assert_true(has(&g, "http.url=url:www.bad.example/x.php?id=1@2"));
    assert_true(has(&g, "tls.sni=domain-name:c2.bad.example@3"));
    assert_true(has(&g, "fileinfo.sha1=sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709@4"));
    for (size_t i = 0; i < g.n; i++)
        if (strstr(g.line[i], "@2"))
            assert_int_equal(g.ts[i], 1700000001000000LL - 3600000000LL); /* +0100 */
    assert_int_equal(st.bad_records, 0);
}

static void test_match_extract__csv(void **state)
{
    static const char csv[] = "time,src,\"dst addr\",note\r\n"
                              "1,10.0.0.5,198.51.100.23,plain\r\n"
                              "2,10.0.0.6,\"203.0.113.9\",\"quoted, with comma\"\r\n"
                              "3,10.0.0.7,\"bad \"\"quote,x\r\n"
                              "4,10.0.0.8\r\n";
    struct rk_match_extract_options o = {.format = RK_MATCH_FMT_CSV, .column = "nope"};
    struct rk_match_extract_stats st;
    struct got g;
    struct rk_err err;

    run(RK_MATCH_FMT_CSV, "dst addr", csv, &g, &st);
    dump_on_failure(&g);
    assert_int_equal(g.n, 2);
    assert_true(has(&g, "column dst addr=ipv4-addr:198.51.100.23@2"));
    assert_true(has(&g, "column dst addr=ipv4-addr:203.0.113.9@3"));
    assert_int_equal(st.bad_records, 1); /* the unbalanced quote; the short row has no dst */
    run(RK_MATCH_FMT_CSV, "src,DST ADDR", csv, &g, &st);
    assert_int_equal(g.n, 6);
    rk_err_clear(&err);
    assert_int_equal(rk_match_extract(csv, sizeof(csv) - 1, &o, collect, &g, NULL, &err),
                     RK_EFORMAT);
    assert_non_null(strstr(err.message, "no column named 'nope'"));
    o.column = NULL;
    assert_int_equal(rk_match_extract(csv, sizeof(csv) - 1, &o, collect, &g, NULL, &err),
                     RK_EINVAL);
}

static void test_match_extract__free_text(void **state)
{
    static const char text[] =
            "2023-11-14 alert: beacon to hxxps://c2[.]bad[.]example/gate.php from 10.0.0.5:51000.\n"
            "Contact (abuse@Bad.Example) or see [2001:db8::9]:443, hash "
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855; evil(.)example.org!\n"
            "nothing here, version 1.2 and file.txt\n";
    struct rk_match_extract_stats st;
    struct got g;

    run(RK_MATCH_FMT_TEXT, NULL, text, &g, &st);
    dump_on_failure(&g);
    assert_true(has(&g, "text=url:c2.bad.example/gate.php@1"));
    assert_true(has(&g, "text=ipv4-addr:10.0.0.5@1"));
    assert_true(has(&g, "text=email-addr:abuse@bad.example@2"));
    assert_true(has(&g, "text=ipv6-addr:2001:db8::9@2"));
    assert_true(has(&g, "text=sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855@2"));
    assert_true(has(&g, "text=domain-name:evil.example.org@2"));
    assert_true(has(&g, "text=domain-name:file.txt@3")); /* harmless unless listed */
    assert_false(has(&g, "text=domain-name:1.2@3"));
}

static void check_sample_capture(const struct got *g, const struct rk_match_extract_stats *st)
{
    dump_on_failure(g);
    assert_true(has(g, "ip.src=ipv4-addr:10.0.0.5@1"));
    assert_true(has(g, "ip.dst=ipv4-addr:192.0.2.53@1"));
    assert_true(has(g, "dns.qname=domain-name:evil.example.com@1"));
    assert_true(has(g, "dns.qname=domain-name:evil.example.com@2"));
    assert_true(has(g, "dns.answer=ipv4-addr:198.51.100.23@2")); /* VLAN-tagged, compressed name */
    assert_true(has(g, "http.host=domain-name:evil.example.com@3"));
    assert_true(has(g, "http.url=url:evil.example.com:8080/payload.bin@3"));
    assert_true(has(g, "tls.sni=domain-name:c2.bad.example@4"));
    assert_true(has(g, "ip.src=ipv6-addr:2001:db8::5@5"));
    assert_true(has(g, "dns.qname=domain-name:v6.bad.example@5"));
    assert_int_equal(st->records, 6);
    assert_int_equal(st->skipped, 1); /* the ARP frame */
    assert_int_equal(g->ts[0], 1700000001000000LL);
}

static void test_match_extract__pcap_and_pcapng(void **state)
{
    static struct pcapgen pg;
    struct rk_match_extract_options o = {.format = RK_MATCH_FMT_PCAP};
    struct rk_match_extract_stats st;
    struct rk_err err;
    static struct got g;

    for (int ng = 0; ng < 2; ng++) {
        pg_sample(&pg, ng);
        memset(&g, 0, sizeof(g));
        rk_err_clear(&err);
        assert_int_equal(rk_match_extract((const char *)pg.buf, pg.len, &o, collect, &g, &st, &err),
                         0);
        check_sample_capture(&g, &st);
    }
    /* cut in the middle of the last packet: what came before is kept, then an error */
    pg_sample(&pg, 0);
    memset(&g, 0, sizeof(g));
    assert_int_equal(rk_match_extract((const char *)pg.buf, pg.len - 20, &o, collect, &g, &st, &err),
                     RK_EFORMAT);
    assert_non_null(strstr(err.message, "after packet 5"));
    assert_true(has(&g, "dns.qname=domain-name:v6.bad.example@5"));
    assert_int_equal(rk_match_extract("not a capture", 13, &o, collect, &g, &st, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "not a pcap"));
}

int test_match_extract_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_extract__zeek_json),
            cmocka_unit_test(test_match_extract__suricata_eve),
            cmocka_unit_test(test_match_extract__csv),
            cmocka_unit_test(test_match_extract__free_text),
            cmocka_unit_test(test_match_extract__pcap_and_pcapng),
    };
    return cmocka_run_group_tests_name("match_extract", tests, NULL, NULL);
}
