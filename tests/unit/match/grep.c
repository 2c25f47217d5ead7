/* grep.c - grep mode against a naive reference written here with inet_pton and linear scans:
 * the same selected lines, byte for byte, with -v and -c, on one to three threads. */
#include "tests.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/ipv4_fast.h"
#include "match/token_fast.h"
#include "renkei/match.h"
#include "util/buf.h"

static const char *const list_v4[] = {"10.0.0.0/8", "192.0.2.0/24", "198.51.100.23", "0.0.0.0/32",
                                      "255.255.255.255", "172.16.5.0/28", "8.8.8.8"};
static const char *const list_v6[] = {"2001:db8::/32", "::1", "fe80::/10"};
static const char *const list_names[] = {"example.com", "bad.example.org",
                                         "d41d8cd98f00b204e9800998ecf8427e"};

/* ---- the reference ---------------------------------------------------------------------------- */

static int v4_field(int c)
{
    return isalnum(c) || c == '.';
}

static int ref_v4_listed(uint32_t a)
{
    for (size_t i = 0; i < sizeof(list_v4) / sizeof(list_v4[0]); i++) {
        char buf[32];
        char *slash;
        struct in_addr n;
        unsigned len = 32;
        uint32_t net, mask;

        snprintf(buf, sizeof(buf), "%s", list_v4[i]);
        if ((slash = strchr(buf, '/')) != NULL) {
            len = (unsigned)strtoul(slash + 1, NULL, 10);
            *slash = '\0';
        }
        inet_pton(AF_INET, buf, &n);
        net = ntohl(n.s_addr);
        mask = len == 0 ? 0 : 0xffffffffu << (32 - len);
        if ((a & mask) == (net & mask))
            return 1;
    }
    return 0;
}

static int ref_v6_listed(const uint8_t a[16])
{
    for (size_t i = 0; i < sizeof(list_v6) / sizeof(list_v6[0]); i++) {
        char buf[64];
        char *slash;
        uint8_t n[16];
        unsigned len = 128, b;

        snprintf(buf, sizeof(buf), "%s", list_v6[i]);
        if ((slash = strchr(buf, '/')) != NULL) {
            len = (unsigned)strtoul(slash + 1, NULL, 10);
            *slash = '\0';
        }
        inet_pton(AF_INET6, buf, n);
        for (b = 0; b < len; b++)
            if (((a[b / 8] ^ n[b / 8]) >> (7 - b % 8)) & 1)
                break;
        if (b == len)
            return 1;
    }
    return 0;
}

/* Every label 1..63 bytes. */
static int ref_labels_ok(const char *s)
{
    size_t run = 0;

    for (; *s; s++) {
        if (*s == '.') {
            if (run == 0)
                return 0;
            run = 0;
        } else if (++run > 63) {
            return 0;
        }
    }
    return run > 0;
}

/* The whole line as a name: lower-cased, trailing dot dropped, listed or a subdomain of one. */
static int ref_name(const char *s, size_t n, int *seen)
{
    char buf[512];

    if (n == 0 || n >= sizeof(buf) || memchr(s, ' ', n) || memchr(s, '\t', n))
        return 0;
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    buf[n] = '\0';
    if (n != 32 && strchr(buf, ':') && strspn(strchr(buf, ':') + 1, "0123456789") ==
                                              strlen(strchr(buf, ':') + 1) &&
        strlen(strchr(buf, ':') + 1) > 0 && strlen(strchr(buf, ':') + 1) <= 5)
        *strchr(buf, ':') = '\0', n = strlen(buf); /* "name:port": the name */
    if (n == 32 && strspn(buf, "0123456789abcdef") == 32) {
        *seen = 1;
        return strcmp(buf, list_names[2]) == 0;
    }
    if (buf[n - 1] == '.')
        buf[--n] = '\0';
    if (n > 253 || strspn(buf, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != n ||
        strstr(buf, "..") || buf[0] == '.' || n == 0 || !ref_labels_ok(buf) ||
        !strpbrk(strrchr(buf, '.') ? strrchr(buf, '.') : buf, "abcdefghijklmnopqrstuvwxyz"))
        return 0;
    *seen = 1;
    for (size_t i = 0; i < 2; i++) {
        size_t l = strlen(list_names[i]);

        if (strcmp(buf, list_names[i]) == 0 ||
            (n > l && buf[n - l - 1] == '.' && strcmp(buf + n - l, list_names[i]) == 0))
            return 1;
    }
    return 0;
}

static int ref_judge(const char *s, size_t n, int invert)
{
    char field[64];
    size_t f = 0;
    int seen = 0, match = 0;
    struct in_addr a4;
    uint8_t a6[16];

    while (f < n && v4_field((unsigned char)s[f]))
        f++;
    if (f < 16) {
        memcpy(field, s, f);
        field[f] = '\0';
        if (inet_pton(AF_INET, field, &a4) == 1) {
            seen = 1;
            match = ref_v4_listed(ntohl(a4.s_addr));
        }
    }
    f = 0;
    while (f < n && (v4_field((unsigned char)s[f]) || s[f] == ':'))
        f++;
    if (!match && f < 46) {
        memcpy(field, s, f);
        field[f] = '\0';
        if (inet_pton(AF_INET6, field, a6) == 1) {
            seen = 1;
            match = ref_v6_listed(a6);
        }
    }
    if (!match)
        match = ref_name(s, n > 0 && s[n - 1] == '\r' ? n - 1 : n, &seen);
    return invert ? seen && !match : match;
}

static void ref_grep(const char *p, size_t len, int invert, struct rk_buf *out, uint64_t *count)
{
    size_t pos = 0;

    *count = 0;
    while (pos < len) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) + 1 : len;

        if (ref_judge(p + pos, (nl ? end - 1 : end) - pos, invert)) {
            rk_buf_append(out, p + pos, end - pos);
            (*count)++;
        }
        pos = end;
    }
}

/* ---- the input -------------------------------------------------------------------------------- */

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const fixed_lines[] = {
        "10.1.2.3", "10.1.2.3:8080", "10.1.2.3/24", "10.1.2.3,comment", "10.1.2.3_x", "10.1.2.3x",
        "010.1.2.3", "10.1.2", "10.1.2.3.4", "192.0.2.255\r", "192.0.3.0", "0.0.0.0", "0.0.0.1",
        "255.255.255.255", " 10.1.2.3", "", "\r", "8.8.8.8 dns", "172.16.5.15", "172.16.5.16",
        "2001:db8::1", "2001:db8::1%eth0", "2001:db9::1", "::1", "::2", "fe80::1:2", "::ffff:10.1.2.3",
        "example.com", "WWW.EXAMPLE.COM.", "notexample.com", "example.com.evil", "bad.example.org",
        "x.bad.example.org\r", "example.org", "D41D8CD98F00B204E9800998ECF8427E",
        "d41d8cd98f00b204e9800998ecf8427f", "example.com extra", "1.2.3.4.example.com",
        "a..example.com", "http://example.com/x", "-", "example.com:443", "EXAMPLE.com:443\r",
        "a.b.c.d.e.f.g.h.i.j.example.com", "a.b.c.d.e.f.g.h.i.j.example.net", "x.y.z.1.2.3.4.5.6.7.8.9",
        "d41d8cd98f00b204e9800998ecf8427g", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "_dmarc.example.com", "-bad-.example.com", "ex_ample.org.", "com", "example.com..", "..",
        "LONGLABEL_PLACEHOLDER"};

static char *make_input(size_t *len)
{
    struct rk_buf b;
    char longname[300];

    /* a 250-byte name under example.com with a port: 254 bytes on the line */
    memset(longname, 'a', 60);
    memcpy(longname + 60, ".", 1);
    memset(longname + 61, 'b', 60);
    memcpy(longname + 121, ".", 1);
    memset(longname + 122, 'c', 60);
    memcpy(longname + 182, ".", 1);
    memset(longname + 183, 'd', 55);
    snprintf(longname + 238, sizeof(longname) - 238, ".example.com:443");
    rk_buf_init(&b, RK_BUF_UNLIMITED);
    for (int round = 0; round < 300; round++) {
        for (size_t i = 0; i < sizeof(fixed_lines) / sizeof(fixed_lines[0]); i++) {
            rk_buf_puts(&b, strcmp(fixed_lines[i], "LONGLABEL_PLACEHOLDER") == 0 ? longname
                                                                               : fixed_lines[i]);
            rk_buf_putc(&b, '\n');
        }
        for (int i = 0; i < 50; i++) { /* random addresses, many near the listed ones */
            uint32_t a = (uint32_t)rnd();

            if (i % 3 == 0)
                a = 0x0a000000u | (a & 0x00ffffffu);
            else if (i % 3 == 1)
                a = 0xac100500u | (a & 0x1f);
            rk_buf_printf(&b, "%u.%u.%u.%u%s\n", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
                          i % 7 == 0 ? "\r" : "");
        }
    }
    rk_buf_puts(&b, "10.9.9.9"); /* no final line end */
    return rk_buf_detach(&b, len);
}

static struct rk_match_index *list_index(int set_only)
{
    struct rk_match_build_options o = {.set_only = set_only};
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_buf list;

    rk_buf_init(&list, RK_BUF_UNLIMITED);
    for (size_t i = 0; i < sizeof(list_v4) / sizeof(list_v4[0]); i++)
        rk_buf_printf(&list, "%s\n", list_v4[i]);
    for (size_t i = 0; i < sizeof(list_v6) / sizeof(list_v6[0]); i++)
        rk_buf_printf(&list, "%s\r\n", list_v6[i]);
    for (size_t i = 0; i < sizeof(list_names) / sizeof(list_names[0]); i++)
        rk_buf_printf(&list, "%s # a comment\n", list_names[i]);
    assert_int_equal(rk_match_builder_new(&b, &o, NULL), 0);
    assert_int_equal(rk_match_builder_add_list(b, rk_buf_cstr(&list), rk_buf_len(&list), "l",
                                               NULL, NULL),
                     0);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    rk_buf_free(&list);
    return ix;
}

static int to_buf(const char *p, size_t len, void *ctx)
{
    return rk_buf_append(ctx, p, len);
}

static void test_match_grep__against_reference(void **state)
{
    size_t len;
    char *in = make_input(&len);

    for (int set_only = 0; set_only < 2; set_only++) {
        struct rk_match_index *ix = list_index(set_only);

        for (int invert = 0; invert < 2; invert++) {
            struct rk_buf want, got;
            uint64_t wn, gn;

            rk_buf_init(&want, RK_BUF_UNLIMITED);
            ref_grep(in, len, invert, &want, &wn);
            assert_true(wn > 100);
            for (unsigned threads = 1; threads <= 3; threads++) {
                struct rk_match_grep_options o = {.invert = invert, .threads = threads};

                rk_buf_init(&got, RK_BUF_UNLIMITED);
                assert_int_equal(rk_match_grep(ix, in, len, &o, to_buf, &got, &gn, NULL), 0);
                assert_int_equal(gn, wn);
                assert_int_equal(rk_buf_len(&got), rk_buf_len(&want));
                assert_memory_equal(rk_buf_ptr(&got), rk_buf_ptr(&want), rk_buf_len(&want));
                rk_buf_free(&got);
                o.count_only = 1;
                assert_int_equal(rk_match_grep(ix, in, len, &o, to_buf, &got, &gn, NULL), 0);
                assert_int_equal(gn, wn);
                assert_int_equal(rk_buf_len(&got), 0);
            }
            rk_buf_free(&want);
        }
        rk_match_index_free(ix);
    }
    free(in);
}


/* Inputs of several MiB are split into pieces at line ends that the threads take one at a
 * time; the output must come out exactly as one thread writes it, in input order. */
static void test_match_grep__pieces_in_order(void **state)
{
    struct rk_match_index *ix = list_index(1);
    struct rk_buf big, want, got;
    struct rk_match_grep_options o = {.threads = 1};
    size_t len;
    char *in = make_input(&len);
    uint64_t wn, gn;

    (void)state;
    rk_buf_init(&big, RK_BUF_UNLIMITED);
    for (int i = 0; i < 12; i++) { /* about 6 MiB; the pieces end inside lines */
        assert_int_equal(rk_buf_append(&big, in, len), 0);
        assert_int_equal(rk_buf_putc(&big, '\n'), 0);
    }
    rk_buf_init(&want, RK_BUF_UNLIMITED);
    assert_int_equal(rk_match_grep(ix, rk_buf_ptr(&big), rk_buf_len(&big), &o, to_buf, &want, &wn,
                                   NULL),
                     0);
    assert_true(rk_buf_len(&big) > ((size_t)5 << 20));
    for (unsigned threads = 2; threads <= 4; threads++) {
        o.threads = threads;
        rk_buf_init(&got, RK_BUF_UNLIMITED);
        assert_int_equal(rk_match_grep(ix, rk_buf_ptr(&big), rk_buf_len(&big), &o, to_buf, &got,
                                       &gn, NULL),
                         0);
        assert_int_equal(gn, wn);
        assert_int_equal(rk_buf_len(&got), rk_buf_len(&want));
        assert_memory_equal(rk_buf_ptr(&got), rk_buf_ptr(&want), rk_buf_len(&want));
        rk_buf_free(&got);
    }
    rk_buf_free(&want);
    rk_buf_free(&big);
    free(in);
    rk_match_index_free(ix);
}


/* The SSE4.1 rank over 16-bit bounds agrees with the portable halving one, on ranges of every
 * size from 0 to past the narrowing threshold, at every offset, for values at, between and
 * around the bounds. */
static void test_match_grep__rank16_simd_agrees(void **state)
{
#ifdef RK_MATCH_HAVE_SSE41
    static uint16_t v[300];
    size_t checked = 0;

    (void)state;
    if (!rk_match__v4_fast_init())
        skip();
    for (size_t n = 0; n < 120; n++) {
        for (size_t lo = 0; lo + n <= 300 && lo < 24; lo += 3) {
            uint16_t x = (uint16_t)(rnd() & 63);

            for (size_t i = 0; i < 300; i++) /* strictly increasing from lo on, like a bucket */
                v[i] = (uint16_t)(rnd() & 0xffff);
            for (size_t i = lo; i < lo + n; i++) {
                v[i] = x;
                x = (uint16_t)(x + 1 + (rnd() % (n < 40 ? 1500 : 500)));
            }
            for (int k = 0; k < 64; k++) {
                uint16_t a = k < 8 && n ? (uint16_t)(v[lo + rnd() % n] - 1 + k % 3)
                                        : (uint16_t)(rnd() & 0xffff);

                assert_int_equal(v4_rank16_sse(v, lo, lo + n, a), probe_rank16(v, lo, lo + n, a));
                checked++;
            }
        }
    }
    assert_true(checked > 10000);
#else
    (void)state;
    skip();
#endif
}


/* The SSE4.1 check-and-decode of whole hex lines agrees with a plain scalar reading: the same
 * verdict, line length and digest, for lines a digit short or long, with stray bytes, CR,
 * CRLF and at the end of the buffer. */
static void test_match_grep__hex_line_simd_agrees(void **state)
{
#ifdef RK_MATCH_HAVE_SSE41
    static const char alpha[] = "0123456789abcdefABCDEF0123456789abcdefg:\r\n ";
    size_t accepted = 0;

    (void)state;
    if (!rk_match__v4_fast_init())
        skip();
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)16 << (rnd() % 3), len = n - 2 + rnd() % 5, want_len = 0;
        char line[160];
        uint8_t got[64], want[64];
        size_t got_len = 0;
        int ok = 1;

        for (size_t i = 0; i < len; i++) /* mostly hex; now and then anything from alpha */
            line[i] = rnd() % 64 ? "0123456789abcdefABCDEF"[rnd() % 22]
                                 : alpha[rnd() % (sizeof(alpha) - 1)];
        switch (rnd() % 4) {
        case 0: line[len++] = '\n'; break;
        case 1: line[len++] = '\r'; line[len++] = '\n'; break;
        case 2: line[len++] = '\r'; break;
        default: break; /* the buffer ends */
        }
        for (size_t i = 0; i < n && ok; i++)
            ok = i < len && isxdigit((unsigned char)line[i]);
        if (ok && len > n && line[n] == '\n')
            want_len = n + 1;
        else if (ok && len > n + 1 && line[n] == '\r' && line[n + 1] == '\n')
            want_len = n + 2;
        for (size_t i = 0; want_len && i < n / 2; i++) {
            char hx[3] = {line[2 * i], line[2 * i + 1], 0};

            want[i] = (uint8_t)strtoul(hx, NULL, 16);
        }
        assert_int_equal(hex_line_sse(line, line + len, n, got, &got_len), want_len != 0);
        if (want_len) {
            assert_int_equal(got_len, want_len);
            assert_memory_equal(got, want, n / 2);
            accepted++;
        }
    }
    assert_true(accepted > 1000);
#else
    (void)state;
    skip();
#endif
}

static void test_match_grep__prefix_and_edges(void **state)
{
    struct rk_match_index *ix = list_index(1);
    struct rk_match_grep_options o = {.prefix = "f.txt:"};
    struct rk_buf got;
    uint64_t n;
    /* the last line has no line end and sits at the very end of the buffer (no 16-byte
     * read-ahead is possible there) */
    static const char in[] = "x\n10.0.0.1\n10.0.0.2";

    rk_buf_init(&got, RK_BUF_UNLIMITED);
    assert_int_equal(rk_match_grep(ix, in, sizeof(in) - 1, &o, to_buf, &got, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rk_buf_cstr(&got), "f.txt:10.0.0.1\nf.txt:10.0.0.2");
    rk_buf_reset(&got);
    assert_int_equal(rk_match_grep(ix, "", 0, &o, to_buf, &got, &n, NULL), 0);
    assert_int_equal(n, 0);
    o.threads = 8; /* more threads than lines */
    assert_int_equal(rk_match_grep(ix, in, sizeof(in) - 1, &o, to_buf, &got, &n, NULL), 0);
    assert_int_equal(n, 2);
    rk_buf_free(&got);
    rk_match_index_free(ix);
}

static int fail_write(const char *p, size_t len, void *ctx)
{
    (void)p;
    (void)len;
    (void)ctx;
    return RK_EIO;
}

static void test_match_grep__write_errors_stop(void **state)
{
    struct rk_match_index *ix = list_index(1);
    struct rk_match_grep_options o = {0};
    uint64_t n;
    struct rk_err err;

    rk_err_clear(&err);
    assert_int_equal(rk_match_grep(ix, "10.0.0.1\n", 9, &o, fail_write, NULL, &n, &err), RK_EIO);
    o.threads = 2;
    assert_int_equal(rk_match_grep(ix, "10.0.0.1\n10.0.0.2\n", 18, &o, fail_write, NULL, &n, &err),
                     RK_EIO);
    rk_match_index_free(ix);
}

int test_match_grep_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_grep__against_reference),
            cmocka_unit_test(test_match_grep__prefix_and_edges),
            cmocka_unit_test(test_match_grep__pieces_in_order),
            cmocka_unit_test(test_match_grep__rank16_simd_agrees),
            cmocka_unit_test(test_match_grep__hex_line_simd_agrees),
            cmocka_unit_test(test_match_grep__write_errors_stop),
    };
    return cmocka_run_group_tests_name("match_grep", tests, NULL, NULL);
}
