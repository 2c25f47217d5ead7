/* ident.c - identifiers: syntax, new random ids, and deterministic SCO ids checked against the
 * ids the specification's own examples use. */
#include "tests.h"

#include "stix/stix_internal.h"

#include <stdlib.h>
#include <string.h>

static void test_stix_ident__syntax(void **state)
{
    static const char *const good[] = {
        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "x-acme-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4", /* v5 */
        "file--8E2E2D2B-17D4-1CBF-B38F-98EE46B3CD3F",      /* v1, upper case */
    };
    static const char *const bad[] = {
        "indicator--8e2e2d2b-17d4-6cbf-938f-98ee46b3cd3f", /* version 6 */
        "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f", /* Microsoft variant */
        "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "x--y--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "indicator---8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3",
        "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3fa",
        "",
    };

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(rk_stix_id_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(rk_stix_id_valid(bad[i], strlen(bad[i])));
    assert_false(rk_stix_id_valid(NULL, 0));
}

static void test_stix_ident__new_ids(void **state)
{
    char a[80], b[80], small[20];

    assert_int_equal(rk_stix_id_new(a, sizeof(a), "indicator"), 0);
    assert_int_equal(rk_stix_id_new(b, sizeof(b), "indicator"), 0);
    assert_true(rk_stix_id_valid(a, strlen(a)));
    assert_string_not_equal(a, b);
    assert_int_equal(a[strlen("indicator--") + 14], '4');
    assert_int_equal(rk_stix_id_new(small, sizeof(small), "indicator"), RK_ELIMIT);
    assert_int_equal(rk_stix_id_new(a, sizeof(a), "Bad Type"), RK_EINVAL);
    assert_int_equal(rk_stix_id_new(a, sizeof(a), NULL), RK_EINVAL);
}

/* Spec example SCOs whose ids do not follow from their own properties: section 3.4 says some
 * examples' references could not be computed exactly; process ids are UUIDv4 by design; and
 * "file-1389b98d-..." (section 3.9.1) is missing a hyphen. */
static int spec_id_is_stale(const char *id)
{
    static const char *const stale[] = {
        "file-1389b98d-a3d3-5190-a996-716fd444059a",
        "file--1b40e321-ae73-5637-bd97-33c35a86b80d",
        "file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58",
        "file--39643577-13b7-5f21-9584-df7e7c33f357",
        "file--9a1f834d-2506-5367-baec-7aa63996ac43",
        "email-message--92fa1bfd-2c62-5a30-8b7c-5b91ea73cf29",
        "email-message--0c57a381-2a17-5e61-8754-5ef96efb286c",
        "email-addr--9b7e29b3-fd8d-562e-b3f0-8fc8134f5dda",
        "network-traffic--6e0cb830-0305-57d4-8536-7be874d42005",
        "network-traffic--c695ada6-5d5d-5446-a661-935874e1d058",
        "network-traffic--44eb3012-751d-5c12-b9ba-1506e42e26ef",
        "network-traffic--372c0c73-777a-50de-bc3a-92cc72fcf7dd",
        "network-traffic--8dce0dc4-f5ea-5313-8e6c-03646d419b6a",
        "network-traffic--fc1686c0-b36e-5041-9ce4-c8df9cf10d6d",
        "network-traffic--27ed09d5-f85a-5a8e-8590-49a91d7e510e",
        "network-traffic--fdd6dbda-a206-52fe-b19b-64d908748850",
        "network-traffic--4f156a67-4efc-58fb-b0a7-f2612927a37d",
        "network-traffic--59d8852c-0c68-5e0c-8ae2-f3c46bd7b1df",
        "network-traffic--47b27c77-4272-563f-91ca-87e2a4afd6ef",
        "process--8fac80fe-a220-4ba9-8ffe-4f43ce8edff8",
        "process--65a99d8a-e5b2-44bb-8311-963a580ee9a1",
        "process--ab1ff083-dc96-4896-8c8d-4e623f6e145e",
        "ipv4-addr--2ccfc50f-b0f0-5e06-ba9b-2aa51e23af61",
        "ipv4-addr--3073f2be-0e15-5f42-b81d-495938860cd5",
        "ipv4-addr--182726c7-ba5e-5f77-97ef-378365bd0b79",
        "domain-name--a56780a5-93a5-5047-97ab-6900d2441bca",
        "domain-name--224dd5a2-d2db-5b8d-91f9-124a0c0c8546",
    };

    for (size_t i = 0; i < sizeof(stale) / sizeof(stale[0]); i++) {
        if (strcmp(stale[i], id) == 0)
            return 1;
    }
    return 0;
}

static void test_stix_ident__sco_ids_match_the_spec_examples(void **state)
{
    char *text = stix_read_corpus("stix/examples/stix21-spec/stix21-spec-examples.json", NULL);
    json_t *all = json_loads(text, 0, NULL), *e;
    size_t i, checked = 0, types = 0;
    char seen[32][32];

    assert_non_null(all);
    json_array_foreach(all, i, e) {
        json_t *o = json_object_get(e, "object");
        const char *id = json_string_value(json_object_get(o, "id"));
        const char *type = json_string_value(json_object_get(o, "type"));
        long long line = json_integer_value(json_object_get(e, "spec_line"));
        const struct rk_type *t = type ? rk_stix_type_find(type) : NULL;
        char out[128];
        struct rk_err err;
        int known = 0;

        if (!id || !t || t->kind != RK_KIND_SCO || json_is_true(json_object_get(e, "ellipsis_removed")) ||
            spec_id_is_stale(id))
            continue;
        assert_int_equal(rk_stix_sco_id(out, sizeof(out), o, &err), 0);
        if (strcmp(out, id) != 0)
            fprintf(stderr, "spec line %lld: %s computed as %s\n", line, id, out);
        assert_string_equal(out, id);
        checked++;
        for (size_t k = 0; k < types; k++)
            known |= strcmp(seen[k], type) == 0;
        if (!known && types < 32)
            snprintf(seen[types++], sizeof(seen[0]), "%s", type);
    }
    /* 64 example SCOs of 15 types: all but email-message, network-traffic and process */
    assert_int_equal(checked, 64);
    assert_int_equal(types, 15);
    json_decref(all);
    free(text);
}

static void test_stix_ident__sco_id_rules(void **state)
{
    json_t *proc = json_loads("{\"type\":\"process\",\"pid\":1}", 0, NULL);
    json_t *ind = json_loads(BASE_INDICATOR, 0, NULL);
    json_t *f1 = json_loads("{\"type\":\"file\",\"name\":\"a\",\"hashes\":{\"SHA-256\":\"aa\",\"MD5\":\"bb\"}}", 0, NULL);
    json_t *f2 = json_loads("{\"type\":\"file\",\"hashes\":{\"MD5\":\"bb\"},\"name\":\"a\",\"size\":5}", 0, NULL);
    char a[128], b[128];
    struct rk_err err;

    /* process has no ID contributing properties: a UUIDv4 each time (section 6.13.1) */
    assert_int_equal(rk_stix_sco_id(a, sizeof(a), proc, &err), 0);
    assert_int_equal(rk_stix_sco_id(b, sizeof(b), proc, &err), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(a[strlen("process--") + 14], '4');
    /* only MD5 (the preferred hash) and the name contribute; size does not */
    assert_int_equal(rk_stix_sco_id(a, sizeof(a), f1, &err), 0);
    assert_int_equal(rk_stix_sco_id(b, sizeof(b), f2, &err), 0);
    assert_string_equal(a, b);
    assert_int_equal(a[strlen("file--") + 14], '5');
    assert_int_equal(rk_stix_sco_id(a, sizeof(a), ind, &err), RK_EINVAL);
    assert_int_equal(rk_stix_sco_id(a, 10, f1, &err), RK_ELIMIT);
    json_decref(proc);
    json_decref(ind);
    json_decref(f1);
    json_decref(f2);
}

/* The kind of the type part of an id, read in place (not terminated): the type, "bundle", a
 * custom type, and names that are a prefix or an extension of a known one. */
static void test_stix_ident__kind_of_type_in_place(void **state)
{
    static const struct {
        const char *id;
        enum rk_stix_kind kind;
    } cases[] = {
            {"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_SDO},
            {"relationship--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_SRO},
            {"ipv4-addr--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_SCO},
            {"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_BUNDLE},
            {"x-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_UNKNOWN},
            {"indicato--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_UNKNOWN},
            {"indicators--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_UNKNOWN},
            {"bundles--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", RK_KIND_UNKNOWN},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t tlen = (size_t)(strstr(cases[i].id, "--") - cases[i].id);

        assert_int_equal(rk_stix_kind_of_type(cases[i].id, tlen), cases[i].kind);
    }
    assert_int_equal(rk_stix_kind_of_type("indicator", 0), RK_KIND_UNKNOWN);
}

static void test_stix_ident__tables_are_sorted(void **state)
{
    const char *bad = rk_stix_tables_check();

    if (bad)
        fprintf(stderr, "table not sorted: %s\n", bad);
    assert_null(bad);
}

int test_stix_ident_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_ident__syntax),
            cmocka_unit_test(test_stix_ident__new_ids),
            cmocka_unit_test(test_stix_ident__sco_ids_match_the_spec_examples),
            cmocka_unit_test(test_stix_ident__sco_id_rules),
            cmocka_unit_test(test_stix_ident__kind_of_type_in_place),
            cmocka_unit_test(test_stix_ident__tables_are_sorted),
    };

    return cmocka_run_group_tests_name("stix_ident", tests, NULL, NULL);
}
