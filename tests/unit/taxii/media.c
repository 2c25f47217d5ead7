/* media.c - content negotiation: Accept (406) and Content-Type (415), TAXII 2.1 section 1.6.8. */
#include "tests.h"

#include <string.h>

#include "taxii/http_request.h"

static int accepts(const char *h)
{
    enum rk_taxii_accept a = RK_TAXII_ACCEPT_NONE;
    int rc = rk_taxii_accept_parse(h, h ? strlen(h) : 0, &a, NULL);

    return rc == 0 ? (int)a : -1;
}

static void test_taxii_media__accept_taxii_21(void **state)
{
    assert_int_equal(accepts("application/taxii+json;version=2.1"), 1);
    /* no version parameter means the latest version the server supports */
    assert_int_equal(accepts("application/taxii+json"), 1);
    assert_int_equal(accepts("Application/TAXII+JSON; Version=\"2.1\""), 1);
    /* the manifest endpoint's example Accept header */
    assert_int_equal(accepts("application/taxii+json;version=2.1,application/stix+json;"
                             "version=2.1"),
                     1);
    assert_int_equal(accepts("text/html, application/taxii+json;version=2.1;q=0.5, */*;q=0.1"),
                     1);
    assert_int_equal(accepts(" , application/taxii+json ,"), 1);
}

static void test_taxii_media__accept_refuses(void **state)
{
    assert_int_equal(accepts(NULL), 0);
    assert_int_equal(accepts(""), 0);
    assert_int_equal(accepts("*/*"), 0); /* a TAXII media range is required */
    assert_int_equal(accepts("application/json"), 0);
    assert_int_equal(accepts("application/stix+json;version=2.1"), 0);
    assert_int_equal(accepts("application/taxii+json;version=2.0"), 0);
    assert_int_equal(accepts("application/taxii+json;version=3.0"), 0);
    assert_int_equal(accepts("application/taxii+json;version=2.1;q=0"), 0);
    assert_int_equal(accepts("application/taxii+json;q=0.000"), 0);
}

static void test_taxii_media__accept_malformed(void **state)
{
    struct rk_err err;
    enum rk_taxii_accept a;
    const char *bad[] = {"application", "application/", "/json", "application/taxii+json;",
                         "application/taxii+json;version", "application/taxii+json;q=2",
                         "application/taxii+json;q=0.1234", "application/taxii+json;v=\"open",
                         "application/taxii+json x",
                         "application/taxii+json;version=2.1;version=2.0"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rk_err_clear(&err);
        assert_int_equal(rk_taxii_accept_parse(bad[i], strlen(bad[i]), &a, &err), RK_EFORMAT);
        assert_non_null(strstr(err.message, "Accept"));
    }
}

static void test_taxii_media__content_type(void **state)
{
    struct rk_err err;
    const char *ok[] = {"application/taxii+json;version=2.1", "application/taxii+json",
                        "application/taxii+json; version=2.1; charset=utf-8",
                        "APPLICATION/taxii+json;version=\"2.1\""};

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        assert_int_equal(rk_taxii_content_type_check(ok[i], strlen(ok[i]), NULL), 0);
    rk_err_clear(&err);
    assert_int_equal(rk_taxii_content_type_check("application/json", 16, &err), RK_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "application/json"));
    assert_int_equal(rk_taxii_content_type_check("application/taxii+json;version=2.0", 34, &err),
                     RK_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "2.0"));
    assert_int_equal(rk_taxii_content_type_check(NULL, 0, &err), RK_EUNSUPPORTED);
    assert_int_equal(rk_taxii_content_type_check("application/taxii+json;", 23, &err),
                     RK_EFORMAT);
    assert_int_equal(rk_taxii_content_type_check("application/taxii+json, text/plain", 34, &err),
                     RK_EFORMAT);
}

int test_taxii_media_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_taxii_media__accept_taxii_21),
            cmocka_unit_test(test_taxii_media__accept_refuses),
            cmocka_unit_test(test_taxii_media__accept_malformed),
            cmocka_unit_test(test_taxii_media__content_type),
    };

    return cmocka_run_group_tests_name("taxii_media", tests, NULL, NULL);
}
