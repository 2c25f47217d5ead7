/* warnlist.c - MISP warning lists: the real ones from the corpus and hand-made edge cases. */
#include "tests.h"

#include <stdio.h>
#include <string.h>

#include "renkei/match.h"

static struct rk_match_value v;

/* The name of the list that suppresses s, or "" when none does. */
static const char *suppressed_by(const struct rk_match_warnlists *wl, const char *s)
{
    struct rk_match_warning w;

    assert_int_equal(rk_match_value_parse(&v, RK_MATCH_ANY, s, strlen(s), NULL), 0);
    return rk_match_warnlists_check(wl, &v, &w) ? w.list : "";
}

static void test_match_warnlist__corpus_lists(void **state)
{
    struct rk_match_warnlists *wl;
    struct rk_match_warning w;
    struct rk_err err;
    char dir[1024];

    rk_err_clear(&err);
    snprintf(dir, sizeof(dir), "%s/indicators/warninglists", RK_CORPUS_DIR);
    assert_int_equal(rk_match_warnlists_new(&wl, &err), 0);
    assert_int_equal(rk_match_warnlists_add_path(wl, dir, &err), 0);
    assert_int_equal(rk_match_warnlists_finish(wl, &err), 0);
    assert_int_equal(rk_match_warnlists_count(wl), 36);

    assert_string_equal(suppressed_by(wl, "10.1.2.3"), "List of RFC 1918 CIDR blocks");
    assert_int_equal(rk_match_warnlists_check(wl, &v, &w), 1);
    assert_string_equal(w.entry, "10.0.0.0/8");
    assert_string_equal(suppressed_by(wl, "8.8.8.8"), "List of known IPv4 public DNS resolvers");
    assert_string_equal(suppressed_by(wl, "fe80::1"), "List of IPv6 link local blocks");
    assert_string_equal(suppressed_by(wl, "www.google.ad"), "List of known google domains");
    assert_string_equal(suppressed_by(wl, "http://42url.com/3xYz"), "List of known URL Shorteners domains");
    assert_string_equal(suppressed_by(wl, "http://bit.ly/3xYz"), "Top 10K most-used sites from Tranco");
    assert_string_equal(suppressed_by(wl, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                        "List of known hashes with common false-positives (based on Florian Roth input list)");
    assert_string_equal(suppressed_by(wl, "no-such-host-4d1f9a.example"), "");
    assert_string_equal(suppressed_by(wl, "203.0.113.77"), "List of RFC 5735 CIDR blocks");
    assert_string_equal(suppressed_by(wl, "77.90.185.20"), ""); /* an ipsum entry */
    rk_match_warnlists_free(wl);
}

static const char lists_json[][400] = {
        "{\"name\":\"ips\",\"type\":\"cidr\",\"matching_attributes\":[\"ip-src\",\"ip-dst\"],"
        "\"list\":[\"192.0.2.0/24\",\"2001:db8::/32\",\"not an ip\"]}",
        "{\"name\":\"hosts\",\"type\":\"hostname\",\"matching_attributes\":[\"hostname\",\"url\"],"
        "\"list\":[\"cdn.example\"]}",
        "{\"name\":\"exact\",\"type\":\"string\",\"matching_attributes\":[\"domain\"],"
        "\"list\":[\"Only.Example\",\".suffix.example\"]}",
        "{\"name\":\"sub\",\"type\":\"substring\",\"list\":[\"tracking\"]}",
        "{\"name\":\"re\",\"type\":\"regex\",\"matching_attributes\":[\"url\"],"
        "\"list\":[\"/^safe\\\\.example\\\\/download/i\"]}",
        "{\"name\":\"hashes only\",\"matching_attributes\":[\"md5\"],"
        "\"list\":[\"198.51.100.1\"]}"};

static void test_match_warnlist__types_and_attributes(void **state)
{
    struct rk_match_warnlists *wl;
    struct rk_err err;

    rk_err_clear(&err);
    assert_int_equal(rk_match_warnlists_new(&wl, &err), 0);
    for (size_t i = 0; i < sizeof(lists_json) / sizeof(lists_json[0]); i++)
        assert_int_equal(rk_match_warnlists_add_json(wl, lists_json[i], strlen(lists_json[i]), "t",
                                                     &err),
                         0);
    assert_int_equal(rk_match_warnlists_finish(wl, &err), 0);
    assert_string_equal(suppressed_by(wl, "192.0.2.55"), "ips");
    assert_string_equal(suppressed_by(wl, "2001:db8:1::9"), "ips");
    assert_string_equal(suppressed_by(wl, "img.cdn.example"), "hosts");
    assert_string_equal(suppressed_by(wl, "https://img.cdn.example/x.js"), "hosts");
    assert_string_equal(suppressed_by(wl, "only.example"), "exact");
    assert_string_equal(suppressed_by(wl, "www.only.example"), ""); /* string: exact only */
    assert_string_equal(suppressed_by(wl, "a.b.suffix.example"), "exact"); /* ".x" entries */
    assert_string_equal(suppressed_by(wl, "ads.tracking.example"), "sub");
    assert_string_equal(suppressed_by(wl, "http://SAFE.example/download/tool.zip"), "re");
    assert_string_equal(suppressed_by(wl, "http://safe.example/other"), "");
    /* a list for md5 values does not suppress an IP it happens to contain */
    assert_string_equal(suppressed_by(wl, "198.51.100.1"), "");
    rk_match_warnlists_free(wl);
}

static void test_match_warnlist__bad_lists(void **state)
{
    static const struct {
        const char *json, *path, *msg;
    } bad[] = {
            {"{\"name\":\"x\"}", "list", "missing"},
            {"{\"list\":[]}", "name", "missing"},
            {"{\"name\":\"x\",\"type\":\"fuzzy\",\"list\":[]}", "type", "not one of"},
            {"{\"name\":\"x\",\"list\":[1]}", "list[0]", "not a string"},
            {"{\"name\":\"x\",\"type\":\"regex\",\"list\":[\"(\"]}", "list[0]", "regular expression"},
            {"{\"name\":\"x\",\"matching_attributes\":\"ip-src\",\"list\":[]}",
             "matching_attributes", "not an array"},
            {"[1,2]", "", "not a JSON object"},
            {"{\"name\":", "", "line 1"}};
    struct rk_match_warnlists *wl;
    struct rk_err err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rk_err_clear(&err);
        assert_int_equal(rk_match_warnlists_new(&wl, NULL), 0);
        assert_int_equal(rk_match_warnlists_add_json(wl, bad[i].json, strlen(bad[i].json),
                                                     "bad.json", &err),
                         RK_EFORMAT);
        assert_string_equal(err.path, bad[i].path);
        assert_non_null(strstr(err.message, bad[i].msg));
        assert_non_null(strstr(err.message, "bad.json"));
        rk_match_warnlists_free(wl);
    }
    assert_int_equal(rk_match_warnlists_new(&wl, NULL), 0);
    assert_int_equal(rk_match_warnlists_add_path(wl, "/nonexistent/dir", &err), RK_ENOTFOUND);
    rk_match_warnlists_free(wl);
}

int test_match_warnlist_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_match_warnlist__corpus_lists),
            cmocka_unit_test(test_match_warnlist__types_and_attributes),
            cmocka_unit_test(test_match_warnlist__bad_lists),
    };
    return cmocka_run_group_tests_name("match_warnlist", tests, NULL, NULL);
}
