/* tlp.c - Traffic Light Protocol markings: the fixed marking-definition ids of TLP 1.0 (STIX 2.1
 * section 7.2.1.4) and TLP 2.0 (the OASIS TLP 2.0 extension-definition--60a3c5c5-...), levels
 * and names, and the normative definition objects for seeding a store. */
#include "stix/stix_internal.h"

#include <string.h>
#include <strings.h>

static const struct {
    const char *id;
    enum rk_tlp tlp;
} tlp_ids[] = {
    /* TLP 1.0, STIX 2.1 section 7.2.1.4 */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", RK_TLP_CLEAR}, /* white */
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", RK_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", RK_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", RK_TLP_RED},
    /* TLP 2.0 */
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", RK_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", RK_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", RK_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", RK_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", RK_TLP_RED},
};

#define NTLP_IDS (sizeof(tlp_ids) / sizeof(tlp_ids[0]))
#define TLP2_FIRST 4

static const char *const tlp_names[] = {"none", "clear", "green", "amber", "amber+strict", "red"};

const char *rk_tlp_name(enum rk_tlp tlp)
{
    if ((unsigned)tlp >= sizeof(tlp_names) / sizeof(tlp_names[0]))
        return "none";
    return tlp_names[tlp];
}

int rk_tlp_parse(const char *name, enum rk_tlp *out)
{
    if (!name)
        return RK_EFORMAT;
    if (strncasecmp(name, "tlp:", 4) == 0)
        name += 4;
    if (strcasecmp(name, "white") == 0) {
        *out = RK_TLP_CLEAR;
        return 0;
    }
    for (size_t i = 0; i < sizeof(tlp_names) / sizeof(tlp_names[0]); i++) {
        if (strcasecmp(name, tlp_names[i]) == 0) {
            *out = (enum rk_tlp)i;
            return 0;
        }
    }
    return RK_EFORMAT;
}

enum rk_tlp rk_tlp_of_marking_id(const char *marking_id)
{
    const char *uuid;

    if (!marking_id || strncmp(marking_id, "marking-definition--", 20) != 0)
        return RK_TLP_NONE;
    /* past the prefix every id shares, the first byte of the UUID rules out most ids: the
     * other markings of an object are compared with no call for each TLP id */
    uuid = marking_id + 20;
    for (size_t i = 0; i < NTLP_IDS; i++) {
        if (uuid[0] == tlp_ids[i].id[20] && strcmp(uuid, tlp_ids[i].id + 20) == 0)
            return tlp_ids[i].tlp;
    }
    return RK_TLP_NONE;
}

int rk_stix_is_tlp_id(const char *id)
{
    return rk_tlp_of_marking_id(id) != RK_TLP_NONE;
}

const char *rk_tlp_marking_id(enum rk_tlp tlp)
{
    for (size_t i = TLP2_FIRST; i < NTLP_IDS; i++) {
        if (tlp_ids[i].tlp == tlp)
            return tlp_ids[i].id;
    }
    return NULL;
}

/* The normative objects. TLP 1.0: section 7.2.1.4 of STIX 2.1. TLP 2.0: the marking
 * definitions the TLP 2.0 extension defines, and the extension definition itself. */
#define TLP1(id, level, upper)                                                                     \
    "{\"created\":\"2017-01-20T00:00:00.000Z\",\"definition\":{\"tlp\":\"" level "\"},"            \
    "\"definition_type\":\"tlp\",\"id\":\"marking-definition--" id "\",\"name\":\"TLP:" upper      \
    "\",\"spec_version\":\"2.1\",\"type\":\"marking-definition\"}"
#define TLP2(id, level, upper)                                                                     \
    "{\"created\":\"2022-10-01T00:00:00.000Z\",\"extensions\":{\"extension-definition--60a3c5c5-"  \
    "0d10-413e-aab3-9e08dde9e88d\":{\"extension_type\":\"property-extension\",\"tlp_2_0\":\""      \
    level "\"}},\"id\":\"marking-definition--" id "\",\"name\":\"TLP:" upper "\","                 \
    "\"spec_version\":\"2.1\",\"type\":\"marking-definition\"}"

static const char *const definitions[] = {
    TLP1("613f2e26-407d-48c7-9eca-b8e91df99dc9", "white", "WHITE"),
    TLP1("34098fce-860f-48ae-8e50-ebd3cc5e41da", "green", "GREEN"),
    TLP1("f88d31f6-486f-44da-b317-01333bde0b82", "amber", "AMBER"),
    TLP1("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red", "RED"),
    TLP2("94868c89-83c2-464b-929b-a1a8aa3c8487", "clear", "CLEAR"),
    TLP2("bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green", "GREEN"),
    TLP2("55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber", "AMBER"),
    TLP2("939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict", "AMBER+STRICT"),
    TLP2("e828b379-4e03-4974-9ac4-e53a884c97c1", "red", "RED"),
    "{\"created\":\"2022-10-01T00:00:00.000Z\",\"created_by_ref\":\"identity--b3bca3c2-1f3d-4b54-"
    "b44f-dac42c3a8f01\",\"description\":\"This defines TLP 2.0 as a STIX extension\","
    "\"extension_types\":[\"property-extension\"],\"id\":\"extension-definition--60a3c5c5-0d10-"
    "413e-aab3-9e08dde9e88d\",\"modified\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP 2.0\","
    "\"schema\":\"https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-"
    "definition-specifications/tlp-2.0\",\"spec_version\":\"2.1\",\"type\":\"extension-"
    "definition\",\"version\":\"1.0.0\"}",
};

size_t rk_stix_tlp_definitions_count(void)
{
    return sizeof(definitions) / sizeof(definitions[0]);
}

const char *rk_stix_tlp_definition(size_t i)
{
    return i < rk_stix_tlp_definitions_count() ? definitions[i] : NULL;
}
