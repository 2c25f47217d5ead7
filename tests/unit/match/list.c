/* list.c - the plain list parser on hand-made lines and on the real lists of the corpus. */
#include "tests.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/match.h"
#include "util/buf.h"

struct seen {
    char text[64][128];
    int kind[64];
    uint64_t line[64];
    long long offset[64];
    size_t n;
};

static int collect(const struct rk_match_value *v, uint64_t line, long long offset, void *ctx)
{
    struct seen *s = ctx;

    if (s->n < 64) {
        snprintf(s->text[s->n], sizeof(s->text[0]), "%.127s", v->text);
        s->kind[s->n] = v->kind;
        s->line[s->n] = line;
        s->offset[s->n] = offset;
        s->n++;
    }
    return 0;
}

static void test_match_list__real_world_shapes(void **state)
{
    static const char text[] = "\xef\xbb\xbf# header comment\r\n"
                               "\r\n"
                               "1.2.3.4\r\n"                      /* line 3 */
                               "5.6.7.8\t10\n"                    /* ipsum: IP<TAB>count */
                               "0.0.0.0 evil.example www.evil.example\n"
                               "127.0.0.1 localhost\n"            /* hosts boilerplate only */
                               "9.9.9.9:443\n"
                               "10.0.0.0/8 # private\n"
                               "[2001:db8::1]:80\n"
                               "; another comment\n"
                               "! adblock comment\n"
                               "/CJ path with spaces.apk\n"       /* line 12 */
                               "http://bad.example/x?q=1\n"
                               "not a value at all !!\n"          /* bad: first token "not" is a name */
                               "exa$mple.com\n"                   /* bad */
                               "D41D8CD98F00B204E9800998ECF8427E\n"
                               "mass@scan.example";               /* no final line end */
    struct rk_match_list_stats st;
    struct seen s = {0};
    struct rk_err err;

    rk_err_clear(&err);
    assert_int_equal(rk_match_list_parse(text, sizeof(text) - 1, collect, &s, &st, &err), 0);
    assert_int_equal(st.lines, 17);
    assert_int_equal(s.n, 12);
    assert_string_equal(s.text[0], "1.2.3.4");
    assert_int_equal(s.line[0], 3);
    assert_int_equal(s.offset[0], 3 + 18 + 2);
    assert_string_equal(s.text[1], "5.6.7.8");
    assert_string_equal(s.text[2], "evil.example");
    assert_string_equal(s.text[3], "www.evil.example");
    assert_int_equal(s.kind[3], RK_MATCH_DOMAIN);
    assert_string_equal(s.text[4], "9.9.9.9");
    assert_string_equal(s.text[5], "10.0.0.0/8");
    assert_string_equal(s.text[6], "2001:db8::1");
    assert_string_equal(s.text[7], "/CJ%20path%20with%20spaces.apk");
    assert_int_equal(s.kind[7], RK_MATCH_URL_PATH);
    assert_int_equal(s.line[7], 12);
    assert_string_equal(s.text[8], "bad.example/x?q=1");
    assert_string_equal(s.text[9], "not"); /* a single-label name, as lists of TLDs have */
    assert_int_equal(s.kind[10], RK_MATCH_MD5);
    assert_string_equal(s.text[11], "mass@scan.example");
    assert_int_equal(s.kind[11], RK_MATCH_EMAIL);
    assert_int_equal(st.bad, 1);
    assert_int_equal(st.errors_kept, 1);
    assert_int_equal(st.errors[0].line, 15);
    assert_non_null(strstr(st.errors[0].message, "not a domain name"));
    assert_int_equal(st.by_kind[RK_MATCH_IPV4], 4);
    assert_int_equal(st.comments, 5); /* header, blank, localhost, ';', '!' */
}

static int stop_at_second(const struct rk_match_value *v, uint64_t line, long long offset,
                          void *ctx)
{
    (void)v;
    (void)offset;
    *(uint64_t *)ctx = line;
    return line == 2 ? 7 : 0;
}

static void test_match_list__callback_stops(void **state)
{
    static const char text[] = "1.1.1.1\n2.2.2.2\n3.3.3.3\n";
    uint64_t last = 0;

    assert_int_equal(rk_match_list_parse(text, sizeof(text) - 1, stop_at_second, &last, NULL, NULL),
                     7);
    assert_int_equal(last, 2);
}

/* ---- the corpus ------------------------------------------------------------------------------ */

static char *corpus(const char *rel, size_t *len)
{
    char path[1024];
    struct rk_buf b;
    struct rk_err err;
    char *p;

    snprintf(path, sizeof(path), "%s/indicators/%s", RK_CORPUS_DIR, rel);
    rk_buf_init(&b, 64u << 20);
    rk_err_clear(&err);
    if (rk_buf_read_file(&b, path, &err) != 0)
        fail_msg("cannot read %s: %s", path, err.message);
    p = rk_buf_detach(&b, len);
    return p;
}

static int count(const struct rk_match_value *v, uint64_t line, long long offset, void *ctx)
{
    (void)v;
    (void)line;
    (void)offset;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* Lines that are neither blank nor comments, counted the simple way. */
static uint64_t data_lines(const char *p, size_t len)
{
    uint64_t n = 0;
    size_t i = 0;

    while (i < len) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len;

        if (end > i && p[i] != '#' && p[i] != '\r')
            n++;
        i = end + 1;
    }
    return n;
}

/* want: values of kind expected, or 0 for "every data line"; bad: junk lines expected. */
static void check_file(const char *rel, int kind, uint64_t want, uint64_t bad)
{
    struct rk_match_list_stats st;
    size_t len;
    char *p = corpus(rel, &len);
    uint64_t n = 0;

    assert_int_equal(rk_match_list_parse(p, len, count, &n, &st, NULL), 0);
    assert_int_equal(st.by_kind[kind], want ? want : data_lines(p, len) - bad);
    assert_int_equal(st.bad, bad);
    assert_int_equal(n, st.values);
    free(p);
}

static void test_match_list__corpus_files(void **state)
{
    check_file("ip/ipsum.txt", RK_MATCH_IPV4, 0, 0);
    /* two lines of this file are spreadsheet damage ("2.45729E+63"): reported, not fatal */
    check_file("hashes/amitambekar510_malicious_SHA256_hashes_aa.txt", RK_MATCH_SHA256, 0, 2);
    check_file("hashes/amitambekar510_Malicious_md5_hashes_aa.txt", RK_MATCH_MD5, 0, 0);
    check_file("hashes/romainmarcoux_full-hash-sha1-aa.txt", RK_MATCH_SHA1, 0, 0);
    check_file("domains/blocklistproject_scam.txt", RK_MATCH_DOMAIN, 8527, 0); /* "Entries: 8,527" */
    check_file("domains/blocklistproject_ransomware.txt", RK_MATCH_DOMAIN, 0, 0);
    check_file("maltrail/mass_scanner_cidr.txt", RK_MATCH_IPV4, 0, 0);
}

/* Every maltrail trail parses; the few lines that are not values are reported, not fatal. */
static void test_match_list__maltrail(void **state)
{
    static const char *const dirs[] = {"maltrail/malware", "maltrail/malicious", "maltrail/suspicious"};
    uint64_t values = 0, bad = 0, lines = 0, by_kind[RK_MATCH_KIND_COUNT] = {0};

    for (size_t d = 0; d < 3; d++) {
        char path[1024];
        DIR *dir;
        struct dirent *e;

        snprintf(path, sizeof(path), "%s/indicators/%s", RK_CORPUS_DIR, dirs[d]);
        assert_non_null(dir = opendir(path));
        while ((e = readdir(dir)) != NULL) {
            char rel[512];
            struct rk_match_list_stats st;
            size_t len;
            char *p;
            uint64_t n = 0;

            if (e->d_name[0] == '.')
                continue;
            snprintf(rel, sizeof(rel), "%s/%s", dirs[d], e->d_name);
            p = corpus(rel, &len);
            assert_int_equal(rk_match_list_parse(p, len, count, &n, &st, NULL), 0);
            values += st.values;
            bad += st.bad;
            lines += st.lines;
            for (int k = 0; k < RK_MATCH_KIND_COUNT; k++)
                by_kind[k] += st.by_kind[k];
            free(p);
        }
        closedir(dir);
    }
    /* SOURCES.md: ~662k domains, ~138k IP:port, ~75k URLs and paths in the whole maltrail set */
    assert_true(by_kind[RK_MATCH_DOMAIN] > 500000);
    assert_true(by_kind[RK_MATCH_IPV4] > 100000);
    assert_true(by_kind[RK_MATCH_URL] + by_kind[RK_MATCH_URL_PATH] > 50000);
    assert_true(bad * 1000 < values); /* under 0.1% of the lines hold no usable value */
    print_message("maltrail: %llu lines, %llu values, %llu bad\n", (unsigned long long)lines,
                  (unsigned long long)values, (unsigned long long)bad);
}


/* ---- the set-only shortcut for bare IPv4 lines ------------------------------------------------ */

struct ranges {
    uint32_t first[4096], last[4096];
    size_t n;
};

static int collect_v4(const struct rk_match_value *v, uint64_t line, long long offset, void *ctx)
{
    struct ranges *r = ctx;
    uint32_t a = (uint32_t)v->addr[0] << 24 | (uint32_t)v->addr[1] << 16 |
                 (uint32_t)v->addr[2] << 8 | v->addr[3];

    (void)line;
    (void)offset;
    if (v->kind != RK_MATCH_IPV4 || r->n == 4096)
        return 0;
    r->first[r->n] = a;
    r->last[r->n] = v->is_range ? (uint32_t)v->range_end[0] << 24 |
                                          (uint32_t)v->range_end[1] << 16 |
                                          (uint32_t)v->range_end[2] << 8 | v->range_end[3]
                    : v->prefix == 0 ? UINT32_MAX
                                     : a | (uint32_t)(((uint64_t)1 << (32 - v->prefix)) - 1);
    r->n++;
    return 0;
}

static struct rk_match_index *list_index(const char *text, size_t len, int set_only,
                                         struct rk_match_list_stats *st)
{
    struct rk_match_build_options bo = {.set_only = set_only};
    struct rk_match_builder *b;
    struct rk_match_index *ix;

    assert_int_equal(rk_match_builder_new(&b, &bo, NULL), 0);
    assert_int_equal(rk_match_builder_add_list(b, text, len, "t", st, NULL), 0);
    assert_int_equal(rk_match_builder_finish(b, &ix, NULL), 0);
    return ix;
}

static int v4_listed(const struct rk_match_index *ix, uint32_t a)
{
    struct rk_match_value v;
    char t[16];

    snprintf(t, sizeof(t), "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_IPV4, t, strlen(t), NULL), 0);
    return rk_match_contains(ix, &v, 0);
}

/* Random lines of digits, dots, slashes, CR, spaces and a few other bytes, many of them bare
 * IPv4 addresses and prefixes (which a set-only index parses on a shortcut) and many almost:
 * the set-only index (shortcut) and the full index (the general parser for every line) must
 * count the same values and bad lines and hold the same addresses. */
static void test_match_list__v4_shortcut_agrees(void **state)
{
    static const char alpha[] = "0123456789012345678901234567890123456789....../\r :-#xa";
    static struct ranges r;
    struct rk_match_list_stats s1, s2;
    struct rk_match_index *set, *full;
    char text[64 * 1024];
    size_t len = 0;
    unsigned seed = 12345;

    (void)state;
    for (int line = 0; line < 2500 && len + 40 < sizeof(text); line++) {
        int n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 22;

        if (line % 3 == 0) /* a well-formed address, sometimes with a prefix */
            len += (size_t)snprintf(text + len, 24, "%u.%u.%u.%u%s", (seed >> 3) & 255,
                                    (seed >> 11) & 255, (seed >> 19) & 255, (unsigned)line & 255,
                                    line % 2 ? "/24" : "");
        else
            for (int i = 0; i < n; i++)
                text[len++] = alpha[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof(alpha) - 1)];
        text[len++] = '\n';
    }
    r.n = 0;
    assert_int_equal(rk_match_list_parse(text, len, collect_v4, &r, NULL, NULL), 0);
    set = list_index(text, len, 1, &s1);
    full = list_index(text, len, 0, &s2);
    assert_true(r.n > 500);
    assert_int_equal(s1.lines, s2.lines);
    assert_int_equal(s1.values, s2.values);
    assert_int_equal(s1.bad, s2.bad);
    assert_int_equal(s1.comments, s2.comments);
    for (int k = 0; k < RK_MATCH_KIND_COUNT; k++)
        assert_int_equal(s1.by_kind[k], s2.by_kind[k]);
    for (size_t i = 0; i < r.n; i++) {
        uint32_t probe[4] = {r.first[i], r.last[i], r.first[i] - 1, r.last[i] + 1};

        for (int k = 0; k < 4; k++)
            assert_int_equal(v4_listed(set, probe[k]), v4_listed(full, probe[k]));
    }
    rk_match_index_free(set);
    rk_match_index_free(full);
}

int test_match_list_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_list__real_world_shapes),
            cmocka_unit_test(test_match_list__callback_stops),
            cmocka_unit_test(test_match_list__corpus_files),
            cmocka_unit_test(test_match_list__maltrail),
            cmocka_unit_test(test_match_list__v4_shortcut_agrees),
    };
    return cmocka_run_group_tests_name("match_list", tests, NULL, NULL);
}
