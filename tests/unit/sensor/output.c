/* output.c - the SVG port chart (lines, stacked, log scale, escaping) and the top-N tables. */
#include "tests.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static struct rk_sensor_plot *plot_with_data(int stacked, int log_scale)
{
    struct rk_sensor_plot_options opt;
    struct rk_sensor_plot *p;

    rk_sensor_plot_options_init(&opt);
    opt.title = "tokyo-1 <darknet> & \"friends\"";
    opt.top_n = 3;
    opt.stacked = stacked;
    opt.log_scale = log_scale;
    assert_int_equal(rk_sensor_plot_new(&p, &opt, NULL), 0);
    /* 24 hourly bins; ports 23/tcp (big), 445/tcp, 22/tcp, 53/udp (small), 8/icmp (smallest) */
    for (int h = 0; h < 24; h++) {
        int64_t t = TB_T0 / TB_S + h * 3600;

        assert_int_equal(rk_sensor_plot_add(p, t, 3600, 6, 23, 1000 + 10 * h), 0);
        assert_int_equal(rk_sensor_plot_add(p, t, 3600, 6, 445, 500), 0);
        assert_int_equal(rk_sensor_plot_add(p, t, 3600, 6, 22, 200 + (h == 12 ? 5000 : 0)), 0);
        assert_int_equal(rk_sensor_plot_add(p, t, 3600, 17, 53, 50), 0);
        assert_int_equal(rk_sensor_plot_add(p, t, 3600, 1, 8, 5), 0);
    }
    /* repeated points add up */
    assert_int_equal(rk_sensor_plot_add(p, TB_T0 / TB_S, 3600, 17, 53, 50), 0);
    return p;
}

static void test_sensor_output__svg_lines(void **state)
{
    struct rk_sensor_plot *p = plot_with_data(0, 0);
    struct rk_buf out;
    const char *s;

    rk_buf_init(&out, 1 << 20);
    assert_int_equal(rk_sensor_plot_svg(p, &out, NULL), 0);
    s = rk_buf_cstr(&out);
    assert_non_null(strstr(s, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_non_null(strstr(s, "</svg>\n"));
    assert_non_null(strstr(s, "tokyo-1 &lt;darknet&gt; &amp; &quot;friends&quot;"));
    assert_int_equal(occurrences(s, "<polyline"), 3);
    /* the legend: top 3 by total packets, with totals */
    assert_non_null(strstr(s, ">23/tcp (26.8k)</text>"));
    assert_non_null(strstr(s, ">445/tcp (12k)</text>"));
    assert_non_null(strstr(s, ">22/tcp (9.8k)</text>"));
    assert_null(strstr(s, "53/udp"));
    /* each line has 24 points */
    {
        const char *pl = strstr(s, "points=\"");
        const char *end = strchr(pl + 8, '"');
        size_t commas = 0;

        for (const char *c = pl; c < end; c++)
            commas += *c == ',';
        assert_int_equal(commas, 24);
    }
    assert_non_null(strstr(s, "time (UTC)"));
    assert_non_null(strstr(s, ">05-01 00:00</text>"));
    assert_non_null(strstr(s, ">05-01 21:00</text>"));
    rk_buf_free(&out);
    rk_sensor_plot_free(p);
}

static void test_sensor_output__svg_stacked_and_log(void **state)
{
    struct rk_sensor_plot *p = plot_with_data(1, 0);
    struct rk_sensor_plot_options opt;
    struct rk_buf out;
    struct rk_err err;

    rk_buf_init(&out, 1 << 20);
    assert_int_equal(rk_sensor_plot_svg(p, &out, NULL), 0);
    assert_int_equal(occurrences(rk_buf_cstr(&out), "<polygon"), 3);
    assert_int_equal(occurrences(rk_buf_cstr(&out), "<polyline"), 0);
    rk_sensor_plot_free(p);
    rk_buf_reset(&out);
    p = plot_with_data(0, 1);
    assert_int_equal(rk_sensor_plot_svg(p, &out, NULL), 0);
    assert_non_null(strstr(rk_buf_cstr(&out), ">10k</text>"));
    rk_sensor_plot_free(p);
    /* a tiny output cap */
    rk_buf_free(&out);
    rk_buf_init(&out, 100);
    p = plot_with_data(0, 0);
    rk_err_clear(&err);
    assert_int_equal(rk_sensor_plot_svg(p, &out, &err), RK_ELIMIT);
    assert_non_null(strstr(err.message, "too large"));
    rk_sensor_plot_free(p);
    /* nothing to draw, bad options */
    rk_sensor_plot_options_init(&opt);
    assert_int_equal(rk_sensor_plot_new(&p, &opt, NULL), 0);
    assert_int_equal(rk_sensor_plot_svg(p, &out, NULL), RK_EINVAL);
    rk_sensor_plot_free(p);
    opt.width = 10;
    assert_int_equal(rk_sensor_plot_new(&p, &opt, NULL), RK_EINVAL);
    rk_buf_free(&out);
}

static void test_sensor_output__tables(void **state)
{
    struct rk_sensor_port_row ports[3];
    struct rk_sensor_source_row src[1];
    struct rk_sensor_group_row g[2];
    struct rk_buf out;
    const char *s;

    memset(ports, 0, sizeof(ports));
    ports[0] = (struct rk_sensor_port_row){
            .proto = 6, .port = 23, .packets = 1234567, .sources = 4321, .exact = 1};
    ports[1] = (struct rk_sensor_port_row){
            .proto = 17, .port = 53, .packets = 1000, .sources = 12, .exact = 0};
    ports[2] = (struct rk_sensor_port_row){
            .proto = 47, .port = 0, .packets = 10, .sources = 1, .exact = 1};
    rk_buf_init(&out, 1 << 16);
    assert_int_equal(rk_sensor_table_ports(&out, ports, 3, 2, 0), 0);
    s = rk_buf_cstr(&out);
    assert_non_null(strstr(s, "Rank  Port"));
    assert_non_null(strstr(s, "   1  23/tcp"));
    assert_non_null(strstr(s, "1,234,567"));
    assert_non_null(strstr(s, "99.9%"));
    assert_non_null(strstr(s, "~12"));
    assert_null(strstr(s, "proto-47")); /* top 2 only */
    rk_buf_reset(&out);

    memset(src, 0, sizeof(src));
    rk_sensor_addr_parse("45.33.2.193", 11, &src[0].addr);
    src[0].packets = 5000;
    src[0].packets_err = 20;
    src[0].dsts = 300;
    src[0].ports = 2;
    src[0].asn = 63949;
    memcpy(src[0].country, "US", 3);
    src[0].fp = RK_SENSOR_FP_MIRAI | RK_SENSOR_FP_ZMAP;
    src[0].exact = 0;
    assert_int_equal(rk_sensor_table_sources(&out, src, 1, 10, 10000), 0);
    s = rk_buf_cstr(&out);
    assert_non_null(strstr(s, "45.33.2.193"));
    assert_non_null(strstr(s, "~5,000"));
    assert_non_null(strstr(s, " 50.0%"));
    assert_non_null(strstr(s, "AS63949"));
    assert_non_null(strstr(s, "mirai,zmap"));
    rk_buf_reset(&out);

    memset(g, 0, sizeof(g));
    g[0].asn = 4134;
    g[0].name = "CHINANET-BACKBONE";
    g[0].packets = 300;
    g[0].sources = 30;
    g[0].exact = 1;
    memcpy(g[1].country, "JP", 3);
    g[1].packets = 100;
    g[1].sources = 10;
    g[1].exact = 1;
    assert_int_equal(rk_sensor_table_groups(&out, "ASN / country", g, 2, 5, 0), 0);
    s = rk_buf_cstr(&out);
    assert_non_null(strstr(s, "AS4134"));
    assert_non_null(strstr(s, "CHINANET-BACKBONE"));
    assert_non_null(strstr(s, " 75.0%"));
    assert_non_null(strstr(s, "   2  JP"));
    rk_buf_free(&out);
    {
        char lab[24];

        assert_string_equal(rk_sensor_port_label(58, 128, lab, sizeof(lab)), "128/icmpv6");
        assert_string_equal(rk_sensor_port_label(1, 8, lab, sizeof(lab)), "8/icmp");
    }
}

int test_sensor_output_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_output__svg_lines),
            cmocka_unit_test(test_sensor_output__svg_stacked_and_log),
            cmocka_unit_test(test_sensor_output__tables),
    };

    return cmocka_run_group_tests_name("sensor_output", tests, NULL, NULL);
}
