/* corpus.c - every STIX object of the shared corpus: the verdict expected for it (valid, or
 * rejected for a stated reason), and for every valid one that the canonical form reads back
 * JSON-equal to the original text and is idempotent. tests/integration/stix_schema_agreement.sh
 * cross-checks the same objects against the official JSON schemas. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

/* canonical(parse(x)) is JSON-equal to x, and canonical(parse(canonical)) is the same text. */
static void check_round_trip(const struct rk_stix_object *o, const json_t *original)
{
    size_t len, len2;
    const char *canon = rk_stix_object_canonical(o, &len);
    json_t *back = json_loadb(canon, len, 0, NULL);
    struct rk_stix_object *o2;
    struct rk_err err;

    assert_non_null(back);
    assert_true(json_equal(back, original));
    json_decref(back);
    assert_int_equal(rk_stix_object_parse(&o2, canon, len, NULL, NULL, &err), 0);
    assert_string_equal(rk_stix_object_canonical(o2, &len2), canon);
    assert_int_equal(len, len2);
    rk_stix_object_free(o2);
}

static const struct {
    const char *file;
    size_t total, valid;
} files[] = {
    {"stix/attack/ics-attack-17.1.json", 1651, 1651},
    {"stix/attack/ics-attack-18.1.json", 1826, 1826},
    {"stix/attack/mobile-attack-17.1.json", 2148, 2148},
    {"stix/common-objects/identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a.json", 1, 1},
    {"stix/common-objects/location--0079f422-783b-4b5b-8766-0522a16c9095.json", 1, 1},
    {"stix/common-objects/marking-definition--3cd55916-d34b-4747-a8e0-dedec14b711b.json", 1, 1},
    /* has "modified", which marking definitions do not have (sections 3.2, 7.2.1) */
    {"stix/common-objects/marking-definition--62fd3f9b-15f3-4ebc-802c-91fce9536bcf.json", 1, 0},
    {"stix/examples/oasis-cti-documentation/defining-campaigns-threat-actors-intrusion-sets.json", 26, 26},
    {"stix/examples/oasis-cti-documentation/identifying-a-threat-actor-profile.json", 3, 3},
    {"stix/examples/oasis-cti-documentation/indicator-for-malicious-url.json", 3, 3},
    {"stix/examples/oasis-cti-documentation/malware-indicator-for-file-hash.json", 3, 3},
    {"stix/examples/oasis-cti-documentation/sighting-of-an-indicator.json", 4, 4},
    {"stix/examples/oasis-cti-documentation/sighting-of-observed-data.json", 8, 8},
    {"stix/examples/oasis-cti-documentation/threat-actor-leveraging-attack-patterns-and-malware.json", 7, 7},
    {"stix/examples/oasis-cti-documentation/using-granular-markings.json", 4, 4},
    {"stix/examples/oasis-cti-documentation/using-marking-definitions.json", 4, 4},
    {"stix/examples/oasis-json-schemas/indicator-for-c2-ip-address.json", 1, 1},
    {"stix/examples/oasis-json-schemas/indicator-to-campaign-relationship.json", 3, 3},
    {"stix/examples/oasis-json-schemas/indicators-for-C2-with-COA.json", 8, 8},
    {"stix/examples/oasis-json-schemas/infrastructure.json", 10, 10},
    {"stix/examples/oasis-json-schemas/interop-objectmarking-test.json", 1, 1},
    {"stix/examples/oasis-json-schemas/malicious-email-indicator-with-attachment.json", 6, 6},
    {"stix/examples/oasis-json-schemas/threat-reports/apt1.json", 76, 76},
    {"stix/examples/oasis-json-schemas/threat-reports/poisonivy.json", 155, 155},
    {"stix/extensions/attack-flow-example.json", 20, 20},
    {"stix/extensions/attack-flow-extension-2.0.0.json", 2, 2},
    {"stix/extensions/extension-definition--66e2492a-bbd3-4be6-88f5-cc91a017a498.identity-contact-information.json", 1, 1},
    {"stix/extensions/identity-contact-information.organization_contact_example.json", 3, 3},
    {"stix/markings/tlp1/tlp1-marking-definitions.json", 4, 4},
    {"stix/markings/tlp2/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json", 1, 1},
    {"stix/markings/tlp2/tlp-amber-strict.json", 1, 1},
    {"stix/markings/tlp2/tlp-amber.json", 1, 1},
    {"stix/markings/tlp2/tlp-clear.json", 1, 1},
    {"stix/markings/tlp2/tlp-green.json", 1, 1},
    {"stix/markings/tlp2/tlp-red.json", 1, 1},
    /* the relationship's created "2022-101-27T13:49:54.326Z" is not a timestamp */
    {"stix/markings/tlp2/using-tlp2.0-green.json", 3, 2},
};

static void test_stix_corpus__files(void **state)
{
    struct rk_stix_options opt;

    rk_stix_options_init(&opt);
    opt.v20 = RK_STIX_V20_REJECT; /* these files are STIX 2.1 */
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        size_t len, total = 0, valid = 0;
        char *text = stix_read_corpus(files[i].file, &len);
        struct rk_stix_reader *r;
        struct rk_stix_item it;
        struct rk_err err;
        int rc;

        assert_int_equal(rk_stix_reader_open_mem(&r, text, len, &opt, &err), 0);
        while ((rc = rk_stix_reader_next(r, &it, &err)) == 1) {
            total++;
            if (it.object) {
                json_t *orig = json_loadb(text + it.offset, len - (size_t)it.offset,
                                          JSON_DISABLE_EOF_CHECK, NULL);

                valid++;
                check_round_trip(it.object, orig);
                json_decref(orig);
            }
            rk_stix_item_clear(&it);
        }
        if (rc != 0 || total != files[i].total || valid != files[i].valid)
            fprintf(stderr, "%s: rc %d, %zu objects, %zu valid\n", files[i].file, rc, total, valid);
        assert_int_equal(rc, 0);
        assert_int_equal(total, files[i].total);
        assert_int_equal(valid, files[i].valid);
        rk_stix_reader_free(r);
        free(text);
    }
}

/* Spec examples that are rejected, and why: by index in the examples file (with the line of
 * the spec the example comes from; one example block can hold several objects). */
static const struct {
    size_t index;
    long long line;
    const char *reason;
} spec_rejects[] = {
    {0, 725, "STIX 2.0 object"},  /* an excerpt: "..." removed, no spec_version left */
    {2, 1396, "STIX 2.0 object"}, /* a 2.0 observable container example */
    {3, 1603, "<type>--<RFC 4122 UUID>"}, /* "file-1389b98d-...": one hyphen */
    {12, 2129, "missing required property"}, /* excerpt without is_family */
    {30, 3379, "must be a number"},          /* latitude written as a string */
    {45, 4470, "missing required property"}, /* indicator without pattern_type */
    {54, 5476, "base64"},
    {55, 5487, "base64"},
    {135, 9085, "missing required property"}, /* excerpt */
    {148, 9609, "missing required property"}, /* the bundle example's indicator: pattern_type */
    {149, 9883, "STIX 2.0 object"},
    {150, 12021, "STIX 2.0 object"}, /* the custom object example has no spec_version */
    {188, 12730, "base64"},
    {192, 12784, "extension-type-enum"}, /* "property_extension" */
};

static const char *spec_reject_reason(size_t index, long long line)
{
    for (size_t i = 0; i < sizeof(spec_rejects) / sizeof(spec_rejects[0]); i++) {
        if (spec_rejects[i].index == index) {
            assert_int_equal(spec_rejects[i].line, line);
            return spec_rejects[i].reason;
        }
    }
    return NULL;
}

static void test_stix_corpus__spec_examples(void **state)
{
    char *text = stix_read_corpus("stix/examples/stix21-spec/stix21-spec-examples.json", NULL);
    json_t *all = json_loads(text, 0, NULL), *e;
    struct rk_stix_options opt;
    size_t i, valid = 0, rejected = 0;

    assert_int_equal(json_array_size(all), 195);
    rk_stix_options_init(&opt);
    opt.v20 = RK_STIX_V20_REJECT;
    json_array_foreach(all, i, e) {
        json_t *obj = json_object_get(e, "object");
        long long line = json_integer_value(json_object_get(e, "spec_line"));
        const char *reason = spec_reject_reason(i, line);
        struct rk_stix_object *o = NULL;
        struct rk_stix_findings *f = NULL;
        struct rk_err err;
        int rc = rk_stix_object_from_json_take(&o, json_incref(obj), &opt, &f, &err);

        if (reason && (rc == 0 || !strstr(err.message, reason)))
            fprintf(stderr, "spec line %lld: expected '%s', got rc %d '%s'\n", line, reason, rc,
                    err.message);
        if (!reason && rc != 0 && !json_is_true(json_object_get(e, "ellipsis_removed")))
            fprintf(stderr, "spec line %lld: %s: %s\n", line, err.path, err.message);
        if (reason) {
            assert_int_not_equal(rc, 0);
            assert_non_null(strstr(err.message, reason));
            rejected++;
        } else if (rc == 0) {
            check_round_trip(o, obj);
            valid++;
        } else {
            /* excerpts with "..." removed may lack required properties */
            assert_true(json_is_true(json_object_get(e, "ellipsis_removed")));
            assert_non_null(strstr(err.message, "missing required property"));
        }
        rk_stix_findings_free(f);
        rk_stix_object_free(o);
    }
    assert_int_equal(rejected, sizeof(spec_rejects) / sizeof(spec_rejects[0]));
    assert_int_equal(valid, 181);
    json_decref(all);
    free(text);
}

static void test_stix_corpus__taxii_test_data(void **state)
{
    char *text = stix_read_corpus("stix/taxii/medallion-default_data.json", NULL);
    json_t *all = json_loads(text, 0, NULL), *objs, *obj;
    struct rk_stix_options opt;
    size_t i, valid20 = 0, valid21 = 0;

    objs = json_object_get(json_array_get(json_object_get(json_object_get(all, "trustgroup1"),
                                                          "collections"),
                                          2),
                           "objects");
    assert_int_equal(json_array_size(objs), 8);
    rk_stix_options_init(&opt);
    json_array_foreach(objs, i, obj) {
        struct rk_stix_object *o;
        struct rk_err err;

        opt.v20 = RK_STIX_V20_UPGRADE;
        if (rk_stix_object_from_json_take(&o, json_deep_copy(obj), &opt, NULL, &err) == 0)
            valid20++;
        rk_stix_object_free(o);
        opt.v20 = RK_STIX_V20_REJECT;
        if (rk_stix_object_from_json_take(&o, json_incref(obj), &opt, NULL, &err) == 0)
            valid21++;
        rk_stix_object_free(o);
    }
    /* one malware there is STIX 2.0 (no spec_version) */
    assert_int_equal(valid20, 8);
    assert_int_equal(valid21, 7);
    json_decref(all);
    free(text);
}

int test_stix_corpus_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stix_corpus__files),
            cmocka_unit_test(test_stix_corpus__spec_examples),
            cmocka_unit_test(test_stix_corpus__taxii_test_data),
    };

    return cmocka_run_group_tests_name("stix_corpus", tests, NULL, NULL);
}
