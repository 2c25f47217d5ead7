/* markings.c - TLP 1.0 and 2.0: fixed ids, level names, the embedded normative definitions
 * (equal to the corpus copies), and an object's most restrictive TLP. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

static void test_stix_markings__ids_and_names(void **state)
{
    static const struct {
        const char *id;
        enum rk_tlp tlp;
    } ids[] = {
        {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", RK_TLP_CLEAR},
        {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", RK_TLP_GREEN},
        {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", RK_TLP_AMBER},
        {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", RK_TLP_RED},
        {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", RK_TLP_CLEAR},
        {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", RK_TLP_GREEN},
        {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", RK_TLP_AMBER},
        {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", RK_TLP_AMBER_STRICT},
        {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", RK_TLP_RED},
        {"marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd", RK_TLP_NONE},
        {"identity--613f2e26-407d-48c7-9eca-b8e91df99dc9", RK_TLP_NONE},
    };
    enum rk_tlp t;

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        assert_int_equal(rk_tlp_of_marking_id(ids[i].id), ids[i].tlp);
    assert_int_equal(rk_tlp_of_marking_id(NULL), RK_TLP_NONE);
    for (int l = RK_TLP_CLEAR; l <= RK_TLP_RED; l++) {
        const char *id = rk_tlp_marking_id((enum rk_tlp)l);

        assert_non_null(id);
        assert_int_equal(rk_tlp_of_marking_id(id), l);
        assert_int_equal(rk_tlp_parse(rk_tlp_name((enum rk_tlp)l), &t), 0);
        assert_int_equal(t, l);
    }
    assert_null(rk_tlp_marking_id(RK_TLP_NONE));
    assert_string_equal(rk_tlp_marking_id(RK_TLP_AMBER),
                        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421");
    assert_string_equal(rk_tlp_name(RK_TLP_AMBER_STRICT), "amber+strict");
    assert_string_equal(rk_tlp_name((enum rk_tlp)42), "none");
    assert_int_equal(rk_tlp_parse("WHITE", &t), 0);
    assert_int_equal(t, RK_TLP_CLEAR);
    assert_int_equal(rk_tlp_parse("TLP:Amber+Strict", &t), 0);
    assert_int_equal(t, RK_TLP_AMBER_STRICT);
    assert_int_equal(rk_tlp_parse("orange", &t), RK_EFORMAT);
    assert_int_equal(rk_tlp_parse(NULL, &t), RK_EFORMAT);
}

/* The normative objects from the corpus (TLP 1.0 from the spec, TLP 2.0 from OASIS). */
static json_t *corpus_tlp_objects(void)
{
    static const char *const files[] = {"stix/markings/tlp2/tlp-clear.json",
                                        "stix/markings/tlp2/tlp-green.json",
                                        "stix/markings/tlp2/tlp-amber.json",
                                        "stix/markings/tlp2/tlp-amber-strict.json",
                                        "stix/markings/tlp2/tlp-red.json",
                                        "stix/markings/tlp2/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json"};
    json_t *all = json_array(), *tlp1;
    char *text = stix_read_corpus("stix/markings/tlp1/tlp1-marking-definitions.json", NULL);

    tlp1 = json_loads(text, 0, NULL);
    assert_non_null(tlp1);
    json_array_extend(all, tlp1);
    json_decref(tlp1);
    free(text);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        json_t *b;

        text = stix_read_corpus(files[i], NULL);
        b = json_loads(text, 0, NULL);
        assert_non_null(b);
        json_array_extend(all, json_object_get(b, "objects"));
        json_decref(b);
        free(text);
    }
    return all;
}

static void test_stix_markings__definitions(void **state)
{
    json_t *corpus = corpus_tlp_objects();
    size_t n = rk_stix_tlp_definitions_count(), matched = 0;

    assert_int_equal(n, 10);
    assert_int_equal(json_array_size(corpus), 10);
    assert_null(rk_stix_tlp_definition(n));
    for (size_t i = 0; i < n; i++) {
        const char *text = rk_stix_tlp_definition(i);
        struct rk_stix_object *o;
        struct rk_err err;
        json_t *v = json_loads(text, 0, NULL);
        size_t k;
        json_t *c;

        assert_int_equal(rk_stix_object_parse(&o, text, strlen(text), NULL, NULL, &err), 0);
        assert_int_equal(rk_stix_object_kind(o), RK_KIND_META);
        if (strcmp(rk_stix_object_type(o), "marking-definition") == 0)
            assert_int_not_equal(rk_tlp_of_marking_id(rk_stix_object_id(o)), RK_TLP_NONE);
        json_array_foreach(corpus, k, c) {
            if (json_equal(c, v))
                matched++;
        }
        /* stored text is already canonical */
        assert_string_equal(rk_stix_object_canonical(o, NULL), text);
        json_decref(v);
        rk_stix_object_free(o);
    }
    assert_int_equal(matched, 10); /* each embedded definition equals its normative source */
    json_decref(corpus);
}

/* The base indicator with these object_marking_refs and granular_markings (single-quoted
 * JSON; NULL: none) has TLP want. */
static void assert_tlp(const char *refs, const char *granular, enum rk_tlp want)
{
    char *marked = stix_mutate(BASE_INDICATOR, "object_marking_refs", refs ? Q(refs) : NULL);
    char *json = stix_mutate(marked, "granular_markings", granular ? Q(granular) : NULL);
    struct rk_stix_object *o;
    struct rk_err err;

    assert_int_equal(rk_stix_object_parse(&o, json, strlen(json), NULL, NULL, &err), 0);
    assert_int_equal(rk_stix_object_tlp(o), want);
    rk_stix_object_free(o);
    free(json);
    free(marked);
}

static void test_stix_markings__object_tlp_is_most_restrictive(void **state)
{
    static const struct {
        const char *refs;
        enum rk_tlp want;
    } cases[] = {
        {"['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9']", RK_TLP_CLEAR},
        {"['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9','marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421']",
         RK_TLP_AMBER},
        {"['marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003','marking-definition--f88d31f6-486f-44da-b317-01333bde0b82']",
         RK_TLP_AMBER_STRICT},
        {"['marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd','marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed']",
         RK_TLP_RED},
        {"['marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd']", RK_TLP_NONE},
        {NULL, RK_TLP_NONE},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_tlp(cases[i].refs, NULL, cases[i].want);
}

/* A TLP marking in granular_markings marks the whole object (access is per object): the
 * object's TLP is the most restrictive of its object and granular TLP markings. */
static void test_stix_markings__granular_tlp_counts(void **state)
{
    static const struct {
        const char *refs, *granular;
        enum rk_tlp want;
    } cases[] = {
        {"['marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9']",
         "[{'marking_ref':'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',"
         "'selectors':['description']}]",
         RK_TLP_RED},
        {NULL,
         "[{'marking_ref':'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',"
         "'selectors':['name']}]",
         RK_TLP_AMBER},
        {"['marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed']",
         "[{'marking_ref':'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',"
         "'selectors':['name']}]",
         RK_TLP_RED},
        {NULL, "[{'lang':'en','selectors':['name']}]", RK_TLP_NONE},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_tlp(cases[i].refs, cases[i].granular, cases[i].want);
}

int test_stix_markings_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_markings__ids_and_names),
            cmocka_unit_test(test_stix_markings__definitions),
            cmocka_unit_test(test_stix_markings__object_tlp_is_most_restrictive),
            cmocka_unit_test(test_stix_markings__granular_tlp_counts),
    };

    return cmocka_run_group_tests_name("stix_markings", tests, NULL, NULL);
}
