/* reader.c - classic pcap in both byte orders and both time resolutions, truncated and oversize
 * records, pcapng through libpcap, directories and memory. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Three frames: SYN 45.33.2.193 -> 192.0.2.1 dport 23/80/443 at T0, T0+1.5 s, T0+2.000000123 s */
static void three_frames(struct tb_pcap *w)
{
    uint8_t b[128];
    static const uint16_t ports[3] = {23, 80, 443};
    static const int64_t ts[3] = {TB_T0, TB_T0 + 1500000000LL, TB_T0 + 2000000123LL};

    for (int i = 0; i < 3; i++) {
        struct rk_sensor_frame f =
                tb_syn(b, ts[i], "45.33.2.193", "192.0.2.1", ports[i], 1, 2, TB_SYN);

        tb_pcap_add(w, ts[i], f.data, f.caplen, f.caplen);
    }
}

static int read_all(struct rk_sensor_reader *r, int64_t *ts, uint16_t *dport, int max, int *errors)
{
    struct rk_sensor_frame f;
    struct rk_err err;
    int n = 0, rc;

    *errors = 0;
    while ((rc = rk_sensor_reader_next(r, &f, &err)) != 0) {
        if (rc < 0) {
            (*errors)++;
            continue;
        }
        if (n < max) {
            struct rk_sensor_pkt k;
            int drop;

            ts[n] = f.ts_ns;
            assert_int_equal(rk_sensor_decode(&f, 4, 8, &k, &drop), 0);
            dport[n] = k.dport;
        }
        n++;
    }
    return n;
}

static void test_sensor_reader__classic_both_orders_and_resolutions(void **state)
{
    for (int swapped = 0; swapped < 2; swapped++) {
        for (int nano = 0; nano < 2; nano++) {
            struct tb_pcap w;
            struct rk_sensor_reader *r;
            int64_t ts[4];
            uint16_t dp[4];
            int errors;

            tb_pcap_init(&w, RK_SENSOR_LINK_ETHERNET, 65535, swapped, nano);
            three_frames(&w);
            assert_int_equal(rk_sensor_reader_open_mem(&r, w.data, w.len, NULL, NULL), 0);
            assert_int_equal(read_all(r, ts, dp, 4, &errors), 3);
            assert_int_equal(errors, 0);
            assert_int_equal(dp[0], 23);
            assert_int_equal(dp[2], 443);
            assert_int_equal(ts[1], TB_T0 + 1500000000LL);
            /* microsecond files lose the last three digits */
            assert_int_equal(ts[2], nano ? TB_T0 + 2000000123LL : TB_T0 + 2000000000LL);
            assert_int_equal(rk_sensor_reader_stats(r)->records, 3);
            assert_int_equal(rk_sensor_reader_stats(r)->truncated_records, 0);
            rk_sensor_reader_free(r);
            free(w.data);
        }
    }
}

static void test_sensor_reader__truncated_and_oversize(void **state)
{
    struct tb_pcap w;
    struct rk_sensor_reader *r;
    struct rk_sensor_frame f;
    struct rk_err err;
    int64_t ts[4];
    uint16_t dp[4];
    int errors;
    size_t full;

    tb_pcap_init(&w, RK_SENSOR_LINK_ETHERNET, 65535, 0, 0);
    three_frames(&w);
    full = w.len;
    /* the file ends 10 bytes into the third record's data */
    assert_int_equal(rk_sensor_reader_open_mem(&r, w.data, full - 44, NULL, NULL), 0);
    assert_int_equal(read_all(r, ts, dp, 4, &errors), 2);
    assert_int_equal(errors, 0);
    assert_int_equal(rk_sensor_reader_stats(r)->truncated_records, 1);
    rk_sensor_reader_free(r);
    /* ... or 7 bytes into its record header */
    assert_int_equal(rk_sensor_reader_open_mem(&r, w.data, full - 54 - 16 + 7, NULL, NULL), 0);
    assert_int_equal(read_all(r, ts, dp, 4, &errors), 2);
    assert_int_equal(rk_sensor_reader_stats(r)->truncated_records, 1);
    rk_sensor_reader_free(r);

    /* a record claiming 300000 bytes (above snaplen_max): the file cannot be framed further */
    {
        uint32_t hdr[4] = {1714521600, 0, 300000, 300000};

        tb_pcap_raw(&w, hdr, sizeof(hdr));
        tb_pcap_raw(&w, "junk", 4);
    }
    assert_int_equal(rk_sensor_reader_open_mem(&r, w.data, w.len, NULL, NULL), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(rk_sensor_reader_next(r, &f, &err), 1);
    rk_err_clear(&err);
    assert_int_equal(rk_sensor_reader_next(r, &f, &err), RK_EFORMAT);
    assert_int_equal(err.offset, (long long)full);
    assert_non_null(strstr(err.message, "snaplen cap"));
    assert_int_equal(rk_sensor_reader_next(r, &f, &err), 0);
    assert_int_equal(rk_sensor_reader_stats(r)->oversize_records, 1);
    assert_int_equal(rk_sensor_reader_stats(r)->bad_files, 1);
    rk_sensor_reader_free(r);
    free(w.data);
}

static void test_sensor_reader__snaplen_and_fcs_bits(void **state)
{
    struct tb_pcap w;
    struct rk_sensor_reader *r;
    struct rk_sensor_frame f;
    uint8_t b[128];

    /* link type word with the FCS-present bits set; file snaplen 40 below the frames */
    tb_pcap_init(&w, RK_SENSOR_LINK_ETHERNET | 0x14000000, 40, 0, 0);
    f = tb_syn(b, TB_T0, "45.33.2.193", "192.0.2.1", 23, 1, 2, TB_SYN);
    tb_pcap_add(&w, TB_T0, f.data, f.caplen, 1500);
    assert_int_equal(rk_sensor_reader_open_mem(&r, w.data, w.len, NULL, NULL), 0);
    assert_int_equal(rk_sensor_reader_next(r, &f, NULL), 1);
    assert_int_equal(f.linktype, RK_SENSOR_LINK_ETHERNET);
    assert_int_equal(f.wirelen, 1500);
    assert_int_equal(rk_sensor_reader_stats(r)->over_snaplen, 1);
    rk_sensor_reader_free(r);
    free(w.data);
}

/* A minimal pcapng: section header, one Ethernet interface (microseconds), two enhanced
 * packet blocks. */
static size_t make_pcapng(uint8_t *out)
{
    uint8_t b[128];
    size_t n = 0;
    uint32_t v;

#define P32(x) (v = (uint32_t)(x), memcpy(out + n, &v, 4), n += 4)
    /* SHB: type, length 28, byte-order magic, version 1.0, section length -1 (8 bytes) */
    P32(0x0a0d0d0a);
    P32(28);
    P32(0x1a2b3c4d);
    P32(0x00000001);
    P32(0xffffffff);
    P32(0xffffffff);
    P32(28);
    /* IDB: type 1, length 20, link type 1, reserved, snaplen 65535 */
    P32(1);
    P32(20);
    P32(RK_SENSOR_LINK_ETHERNET);
    P32(65535);
    P32(20);
    for (int i = 0; i < 2; i++) {
        struct rk_sensor_frame f = tb_syn(b, TB_T0, "45.33.2.193", "192.0.2.1",
                                          (uint16_t)(i ? 8080 : 3389), 1, 2, TB_SYN);
        uint64_t us = (uint64_t)(TB_T0 / 1000) + (uint64_t)i * 1000000;
        uint32_t padded = (f.caplen + 3) & ~3U;

        P32(6);
        P32(32 + padded);
        P32(0);
        P32(us >> 32);
        P32(us & 0xffffffff);
        P32(f.caplen);
        P32(f.caplen);
        memset(out + n, 0, padded);
        memcpy(out + n, f.data, f.caplen);
        n += padded;
        P32(32 + padded);
    }
#undef P32
    return n;
}

static void test_sensor_reader__pcapng_through_libpcap(void **state)
{
    uint8_t ng[512];
    size_t len = make_pcapng(ng);
    struct rk_sensor_reader *r;
    int64_t ts[4];
    uint16_t dp[4];
    int errors;

    assert_int_equal(rk_sensor_reader_open_mem(&r, ng, len, NULL, NULL), 0);
    assert_int_equal(read_all(r, ts, dp, 4, &errors), 2);
    assert_int_equal(errors, 0);
    assert_int_equal(dp[0], 3389);
    assert_int_equal(dp[1], 8080);
    assert_int_equal(ts[0], TB_T0);
    assert_int_equal(ts[1], TB_T0 + TB_S);
    rk_sensor_reader_free(r);
    /* and from a file */
    assert_int_equal(rk_sensor_reader_open(&r, tb_tmpfile(0, ng, len), NULL, NULL), 0);
    assert_int_equal(read_all(r, ts, dp, 4, &errors), 2);
    assert_int_equal(errors, 0);
    rk_sensor_reader_free(r);
    unlink(tb_tmpfile(0, "", 0));
}

static void test_sensor_reader__directory_order_and_bad_file(void **state)
{
    char dir[64], path[128];
    struct tb_pcap w1, w2;
    struct rk_sensor_reader *r;
    int64_t ts[8];
    uint16_t dp[8];
    int errors;
    FILE *f;
    uint8_t b[128];
    struct rk_sensor_frame fr;

    snprintf(dir, sizeof(dir), "/tmp/rk_sensor_dir_%d", (int)getpid());
    assert_int_equal(mkdir(dir, 0700), 0);
    tb_pcap_init(&w1, RK_SENSOR_LINK_ETHERNET, 65535, 0, 0);
    fr = tb_syn(b, TB_T0, "45.33.2.193", "192.0.2.1", 1, 1, 2, TB_SYN);
    tb_pcap_add(&w1, TB_T0, fr.data, fr.caplen, fr.caplen);
    tb_pcap_init(&w2, RK_SENSOR_LINK_ETHERNET, 65535, 1, 1);
    fr = tb_syn(b, TB_T0, "45.33.2.193", "192.0.2.1", 2, 1, 2, TB_SYN);
    tb_pcap_add(&w2, TB_T0, fr.data, fr.caplen, fr.caplen);
    /* b.pcap holds port 1, a.pcap port 2, m.txt is not a capture, .hidden is skipped */
    snprintf(path, sizeof(path), "%s/b.pcap", dir);
    f = fopen(path, "wb");
    fwrite(w1.data, 1, w1.len, f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/a.pcap", dir);
    f = fopen(path, "wb");
    fwrite(w2.data, 1, w2.len, f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/m.txt", dir);
    f = fopen(path, "wb");
    fputs("this is not a capture file at all", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/.hidden", dir);
    f = fopen(path, "wb");
    fputs("x", f);
    fclose(f);

    assert_int_equal(rk_sensor_reader_open(&r, dir, NULL, NULL), 0);
    assert_int_equal(read_all(r, ts, dp, 8, &errors), 2);
    assert_int_equal(dp[0], 2); /* a.pcap first */
    assert_int_equal(dp[1], 1);
    assert_int_equal(errors, 1); /* m.txt, and reading went on */
    assert_int_equal(rk_sensor_reader_stats(r)->files, 3);
    assert_int_equal(rk_sensor_reader_stats(r)->bad_files, 1);
    rk_sensor_reader_free(r);

    for (const char *name = "b.pcap"; name; name = name[0] == 'b'   ? "a.pcap"
                                                   : name[0] == 'a' ? "m.txt"
                                                   : name[0] == 'm' ? ".hidden"
                                                                    : NULL) {
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        unlink(path);
    }
    rmdir(dir);
    free(w1.data);
    free(w2.data);
}

static void test_sensor_reader__errors(void **state)
{
    struct rk_sensor_reader *r;
    struct rk_sensor_frame f;
    struct rk_err err;

    rk_err_clear(&err);
    assert_int_equal(rk_sensor_reader_open(&r, "/nonexistent/capture.pcap", NULL, &err), RK_EIO);
    assert_null(r);
    assert_non_null(strstr(err.message, "/nonexistent/capture.pcap"));
    assert_int_equal(rk_sensor_reader_open_mem(&r, (const uint8_t *)"ab", 2, NULL, NULL), 0);
    assert_int_equal(rk_sensor_reader_next(r, &f, &err), RK_EFORMAT);
    assert_int_equal(rk_sensor_reader_next(r, &f, &err), 0);
    rk_sensor_reader_free(r);
    assert_int_equal(rk_sensor_reader_open_mem(&r, (const uint8_t *)"0123456789abcdef0123456789",
                                               26, NULL, NULL),
                     0);
    assert_int_equal(rk_sensor_reader_next(r, &f, &err), RK_EFORMAT);
    assert_non_null(strstr(err.message, "not a pcap or pcapng"));
    rk_sensor_reader_free(r);
    rk_sensor_reader_free(NULL);
}

int test_sensor_reader_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_reader__classic_both_orders_and_resolutions),
            cmocka_unit_test(test_sensor_reader__truncated_and_oversize),
            cmocka_unit_test(test_sensor_reader__snaplen_and_fcs_bits),
            cmocka_unit_test(test_sensor_reader__pcapng_through_libpcap),
            cmocka_unit_test(test_sensor_reader__directory_order_and_bad_file),
            cmocka_unit_test(test_sensor_reader__errors),
    };

    return cmocka_run_group_tests_name("sensor_reader", tests, NULL, NULL);
}
