/* types.c - property tables of the STIX 2.1 domain, relationship and meta objects (sections 3.2,
 * 4, 5 and 7 of the specification) and the lookups over all type tables.
 *
 * Two places where the errata 01 markdown's tables contradict STIX 2.1 OS, the official
 * schemas and the errata's own list of changes (which names neither): malware.is_family is
 * required here (4.11.1; the markdown says optional) and grouping.name is optional (4.4.1; the
 * markdown says required). docs/stix.md records both. */
#include "stix/types_table.h"

#include <string.h>

const struct rk_range rk_range_nonneg = {0, 9007199254740991LL};
static const struct rk_range range_confidence = {0, 100};
static const struct rk_range range_count = {0, 999999999};
static const struct rk_range range_number_observed = {1, 999999999};
static const struct rk_frange range_latitude = {-90.0, 90.0};
static const struct rk_frange range_longitude = {-180.0, 180.0};

static const char *const t_identity[] = {"identity", NULL};
static const char *const t_marking[] = {"marking-definition", NULL};
static const char *const t_software[] = {"software", NULL};
static const char *const t_file[] = {"file", NULL};
static const char *const t_artifact[] = {"artifact", NULL};
static const char *const t_file_artifact[] = {"file", "artifact", NULL};
static const char *const t_file_directory[] = {"file", "directory", NULL};
static const char *const t_directory[] = {"directory", NULL};
static const char *const t_user_account[] = {"user-account", NULL};
static const char *const t_email_addr[] = {"email-addr", NULL};
static const char *const t_mac[] = {"mac-addr", NULL};
static const char *const t_as[] = {"autonomous-system", NULL};
static const char *const t_network_traffic[] = {"network-traffic", NULL};
static const char *const t_process[] = {"process", NULL};
static const char *const t_observed_data[] = {"observed-data", NULL};
static const char *const t_identity_location[] = {"identity", "location", NULL};
static const char *const t_analysis_sample[] = {"file", "network-traffic", "artifact", NULL};
static const char *const t_domain_targets[] = {"ipv4-addr", "ipv6-addr", "domain-name", NULL};
static const char *const t_net_endpoint[] = {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name",
                                             NULL};

const struct rk_reftarget rk_ref_any = {RT_ANY, NULL, "a STIX object"};
const struct rk_reftarget rk_ref_identity = {0, t_identity, "identity"};
const struct rk_reftarget rk_ref_marking = {0, t_marking, "marking-definition"};
const struct rk_reftarget rk_ref_software = {0, t_software, "software"};
const struct rk_reftarget rk_ref_sco = {RT_SCO, NULL, "an SCO"};
const struct rk_reftarget rk_ref_sdo = {RT_SDO, NULL, "an SDO"};
const struct rk_reftarget rk_ref_sdo_sco = {RT_SDO | RT_SCO, NULL, "an SDO or SCO"};
const struct rk_reftarget rk_ref_sco_sro = {RT_SCO | RT_SRO, NULL, "an SCO or SRO"};
const struct rk_reftarget rk_ref_file = {0, t_file, "file"};
const struct rk_reftarget rk_ref_artifact = {0, t_artifact, "artifact"};
const struct rk_reftarget rk_ref_file_artifact = {0, t_file_artifact, "file or artifact"};
const struct rk_reftarget rk_ref_file_directory = {0, t_file_directory, "file or directory"};
const struct rk_reftarget rk_ref_directory = {0, t_directory, "directory"};
const struct rk_reftarget rk_ref_user_account = {0, t_user_account, "user-account"};
const struct rk_reftarget rk_ref_email_addr = {0, t_email_addr, "email-addr"};
const struct rk_reftarget rk_ref_mac = {0, t_mac, "mac-addr"};
const struct rk_reftarget rk_ref_as = {0, t_as, "autonomous-system"};
const struct rk_reftarget rk_ref_network_traffic = {0, t_network_traffic, "network-traffic"};
const struct rk_reftarget rk_ref_process = {0, t_process, "process"};
const struct rk_reftarget rk_ref_observed_data = {0, t_observed_data, "observed-data"};
const struct rk_reftarget rk_ref_identity_location = {0, t_identity_location,
                                                      "identity or location"};
const struct rk_reftarget rk_ref_analysis_sample = {0, t_analysis_sample,
                                                    "file, network-traffic or artifact"};
const struct rk_reftarget rk_ref_domain_targets = {0, t_domain_targets,
                                                   "ipv4-addr, ipv6-addr or domain-name"};
const struct rk_reftarget rk_ref_net_endpoint = {0, t_net_endpoint,
                                                 "ipv4-addr, ipv6-addr, mac-addr or domain-name"};

/* ---- common properties (section 3.2) ------------------------------------------------------ */

#define C_SDO    (1u << CAT_SDO)
#define C_SRO    (1u << CAT_SRO)
#define C_SCO    (1u << CAT_SCO)
#define C_EXTDEF (1u << CAT_EXTDEF)
#define C_LANG   (1u << CAT_LANG)
#define C_MARK   (1u << CAT_MARKING)
#define C_ALL    (C_SDO | C_SRO | C_SCO | C_EXTDEF | C_LANG | C_MARK)

static const struct rk_prop common_props[] = {
    INTR("confidence", range_confidence),
    P("created", PT_TIMESTAMP, P_MILLIS, NULL),
    REF("created_by_ref", rk_ref_identity),
    BOOL("defanged"),
    EXTS("extensions"),
    P("external_references", PT_EXTREF, P_LIST, NULL),
    P("granular_markings", PT_GRANULAR, P_LIST, NULL),
    REF("id", rk_ref_any),
    LSTR("labels"),
    P("lang", PT_LANG, 0, NULL),
    P("modified", PT_TIMESTAMP, P_MILLIS, NULL),
    LREF("object_marking_refs", rk_ref_marking),
    BOOL("revoked"),
    STR("spec_version"),
    STR("type"),
};

/* Per common property: the categories where it is required, and where it is allowed at all. */
static const struct {
    unsigned req;
    unsigned use;
} common_use[] = {
    /* confidence */ {0, C_SDO | C_SRO | C_LANG},
    /* created */ {C_SDO | C_SRO | C_EXTDEF | C_LANG | C_MARK, C_SDO | C_SRO | C_EXTDEF | C_LANG | C_MARK},
    /* created_by_ref */ {C_EXTDEF, C_SDO | C_SRO | C_EXTDEF | C_LANG | C_MARK},
    /* defanged */ {0, C_SCO},
    /* extensions */ {0, C_SDO | C_SRO | C_SCO | C_LANG | C_MARK},
    /* external_references */ {0, C_SDO | C_SRO | C_EXTDEF | C_LANG | C_MARK},
    /* granular_markings */ {0, C_ALL},
    /* id */ {C_ALL, C_ALL},
    /* labels */ {0, C_SDO | C_SRO | C_EXTDEF | C_LANG},
    /* lang */ {0, C_SDO | C_SRO},
    /* modified */ {C_SDO | C_SRO | C_EXTDEF | C_LANG, C_SDO | C_SRO | C_EXTDEF | C_LANG},
    /* object_marking_refs */ {0, C_ALL},
    /* revoked */ {0, C_SDO | C_SRO | C_EXTDEF | C_LANG},
    /* spec_version */ {C_SDO | C_SRO | C_EXTDEF | C_LANG | C_MARK, C_ALL},
    /* type */ {C_ALL, C_ALL},
};

/* ---- domain objects (section 4) ----------------------------------------------------------- */

static const struct rk_prop p_attack_pattern[] = {
    LSTR("aliases"), STR("description"), LKCP("kill_chain_phases"), STR_R("name"),
};
static const struct rk_prop p_campaign[] = {
    LSTR("aliases"), STR("description"), TS("first_seen"),
    TS("last_seen"), STR_R("name"),      STR("objective"),
};
static const struct rk_prop p_course_of_action[] = {
    P("action", PT_RESERVED, 0, NULL), STR("description"), STR_R("name"),
};
static const struct rk_prop p_grouping[] = {
    OV_R("context", grouping_context), STR("description"),
    STR("name"),                       LREF_R("object_refs", rk_ref_any),
};
static const struct rk_prop p_identity[] = {
    STR("contact_information"), STR("description"), OV("identity_class", identity_class),
    STR_R("name"),              LSTR("roles"),      LOV("sectors", industry_sector),
};
static const struct rk_prop p_incident[] = {
    STR("description"), STR_R("name"),
};
static const struct rk_prop p_indicator[] = {
    STR("description"),
    LOV("indicator_types", indicator_type),
    LKCP("kill_chain_phases"),
    STR("name"),
    STR_R("pattern"),
    OV_R("pattern_type", pattern_type),
    STR("pattern_version"),
    TS_R("valid_from"),
    TS("valid_until"),
};
static const struct rk_prop p_infrastructure[] = {
    LSTR("aliases"),
    STR("description"),
    TS("first_seen"),
    LOV("infrastructure_types", infrastructure_type),
    LKCP("kill_chain_phases"),
    TS("last_seen"),
    STR_R("name"),
};
static const struct rk_prop p_intrusion_set[] = {
    LSTR("aliases"),
    STR("description"),
    TS("first_seen"),
    LSTR("goals"),
    TS("last_seen"),
    STR_R("name"),
    OV("primary_motivation", attack_motivation),
    OV("resource_level", attack_resource_level),
    LOV("secondary_motivations", attack_motivation),
};
static const struct rk_prop p_location[] = {
    STR("administrative_area"),
    STR("city"),
    STR("country"),
    STR("description"),
    P("latitude", PT_FLOAT, 0, &range_latitude),
    P("longitude", PT_FLOAT, 0, &range_longitude),
    STR("name"),
    STR("postal_code"),
    FLT("precision"),
    OV("region", region),
    STR("street_address"),
};
static const struct rk_prop p_malware[] = {
    LSTR("aliases"),
    LOV("architecture_execution_envs", processor_architecture),
    LOV("capabilities", malware_capabilities),
    STR("description"),
    TS("first_seen"),
    LOV("implementation_languages", implementation_language),
    BOOL_R("is_family"),
    LKCP("kill_chain_phases"),
    TS("last_seen"),
    LOV("malware_types", malware_type),
    STR("name"),
    LREF("operating_system_refs", rk_ref_software),
    LREF("sample_refs", rk_ref_file_artifact),
};
static const struct rk_prop p_malware_analysis[] = {
    STR("analysis_definition_version"),
    TS("analysis_ended"),
    STR("analysis_engine_version"),
    LREF("analysis_sco_refs", rk_ref_sco),
    TS("analysis_started"),
    STR("configuration_version"),
    REF("host_vm_ref", rk_ref_software),
    LREF("installed_software_refs", rk_ref_software),
    LSTR("modules"),
    REF("operating_system_ref", rk_ref_software),
    STR_R("product"),
    OV("result", malware_result),
    STR("result_name"),
    REF("sample_ref", rk_ref_analysis_sample),
    TS("submitted"),
    STR("version"),
};
static const struct rk_prop p_note[] = {
    STR("abstract"), LSTR("authors"), STR_R("content"), LREF_R("object_refs", rk_ref_any),
};
static const struct rk_prop p_observed_data[] = {
    TS_R("first_observed"),
    TS_R("last_observed"),
    P("number_observed", PT_INT, P_REQ, &range_number_observed),
    LREF("object_refs", rk_ref_sco_sro),
    P("objects", PT_CONTAINER, P_DEPRECATED, NULL),
};
static const struct rk_prop p_opinion[] = {
    LSTR("authors"),
    STR("explanation"),
    LREF_R("object_refs", rk_ref_any),
    ENUM_R("opinion", opinion),
};
static const struct rk_prop p_report[] = {
    STR("description"),     STR_R("name"), LREF_R("object_refs", rk_ref_any),
    TS_R("published"),      LOV("report_types", report_type),
};
static const struct rk_prop p_threat_actor[] = {
    LSTR("aliases"),
    STR("description"),
    TS("first_seen"),
    LSTR("goals"),
    TS("last_seen"),
    STR_R("name"),
    LOV("personal_motivations", attack_motivation),
    OV("primary_motivation", attack_motivation),
    OV("resource_level", attack_resource_level),
    LOV("roles", threat_actor_role),
    LOV("secondary_motivations", attack_motivation),
    OV("sophistication", threat_actor_sophistication),
    LOV("threat_actor_types", threat_actor_type),
};
static const struct rk_prop p_tool[] = {
    LSTR("aliases"),    STR("description"),          LKCP("kill_chain_phases"),
    STR_R("name"),      LOV("tool_types", tool_type), STR("tool_version"),
};
static const struct rk_prop p_vulnerability[] = {
    STR("description"), STR_R("name"),
};

/* ---- relationship objects (section 5) ----------------------------------------------------- */

static const struct rk_prop p_relationship[] = {
    STR("description"),
    P("relationship_type", PT_STRING, P_REQ | P_ASCII_NAME, NULL),
    REF_R("source_ref", rk_ref_sdo_sco),
    TS("start_time"),
    TS("stop_time"),
    REF_R("target_ref", rk_ref_sdo_sco),
};
static const struct rk_prop p_sighting[] = {
    INTR("count", range_count),
    STR("description"),
    TS("first_seen"),
    TS("last_seen"),
    LREF("observed_data_refs", rk_ref_observed_data),
    REF_R("sighting_of_ref", rk_ref_sdo),
    BOOL("summary"),
    LREF("where_sighted_refs", rk_ref_identity_location),
};

/* ---- meta objects (section 7) ------------------------------------------------------------- */

static const struct rk_prop p_language_content[] = {
    P("contents", PT_LANGCONTENTS, P_REQ, NULL),
    TS("object_modified"),
    REF_R("object_ref", rk_ref_any),
};
static const struct rk_prop p_marking_definition[] = {
    P("definition", PT_MARKINGDEF, P_DEPRECATED, NULL),
    P("definition_type", PT_STRING, P_DEPRECATED, NULL),
    STR("name"),
};
static const struct rk_prop p_extension_definition[] = {
    STR("description"),
    LSTR("extension_properties"),
    P("extension_types", PT_ENUM, P_LIST | P_REQ, &rk_vocab_extension_type),
    STR_R("name"),
    STR_R("schema"),
    STR_R("version"),
};

#define SDO(n, p, r)  {n, RK_KIND_SDO, CAT_SDO, p, NELEM(p), r, NULL, NULL, 0}
#define SRO(n, p, r)  {n, RK_KIND_SRO, CAT_SRO, p, NELEM(p), r, NULL, NULL, 0}
#define META(n, c, p, r) {n, RK_KIND_META, c, p, NELEM(p), r, NULL, NULL, 0}

/* Sorted by name. */
static const struct rk_type core_types[] = {
    SDO("attack-pattern", p_attack_pattern, NULL),
    SDO("campaign", p_campaign, rk_stix_rule_first_last_seen),
    SDO("course-of-action", p_course_of_action, NULL),
    META("extension-definition", CAT_EXTDEF, p_extension_definition,
         rk_stix_rule_extension_definition),
    SDO("grouping", p_grouping, NULL),
    SDO("identity", p_identity, NULL),
    SDO("incident", p_incident, NULL),
    SDO("indicator", p_indicator, rk_stix_rule_indicator),
    SDO("infrastructure", p_infrastructure, rk_stix_rule_first_last_seen),
    SDO("intrusion-set", p_intrusion_set, rk_stix_rule_first_last_seen),
    META("language-content", CAT_LANG, p_language_content, NULL),
    SDO("location", p_location, rk_stix_rule_location),
    SDO("malware", p_malware, rk_stix_rule_malware),
    SDO("malware-analysis", p_malware_analysis, rk_stix_rule_malware_analysis),
    META("marking-definition", CAT_MARKING, p_marking_definition,
         rk_stix_check_marking_definition),
    SDO("note", p_note, NULL),
    SDO("observed-data", p_observed_data, rk_stix_rule_observed_data),
    SDO("opinion", p_opinion, NULL),
    SRO("relationship", p_relationship, rk_stix_rule_relationship),
    SDO("report", p_report, NULL),
    SRO("sighting", p_sighting, rk_stix_rule_sighting),
    SDO("threat-actor", p_threat_actor, rk_stix_rule_first_last_seen),
    SDO("tool", p_tool, NULL),
    SDO("vulnerability", p_vulnerability, NULL),
};

/* ---- lookups -------------------------------------------------------------------------------- */

static int cmp_prop(const void *key, const void *elem)
{
    return rk_stix_name_cmp((const char *)key, ((const struct rk_prop *)elem)->name);
}

const struct rk_prop *rk_stix_prop_find(const struct rk_prop *props, size_t n, const char *name)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_prop(name, &props[mid]);

        if (c == 0)
            return &props[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The type named name[0..len) in a sorted table. */
static const struct rk_type *type_bsearch(const struct rk_type *t, size_t n, const char *name,
                                          size_t len)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = rk_stix_name_cmp_n(name, len, t[mid].name);

        if (c == 0)
            return &t[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const struct rk_type *type_find_n(const char *name, size_t len)
{
    const struct rk_type *t = type_bsearch(core_types, NELEM(core_types), name, len);

    return t ? t : type_bsearch(rk_stix_sco_types, rk_stix_sco_types_n, name, len);
}

const struct rk_type *rk_stix_type_find(const char *name)
{
    return type_find_n(name, strlen(name));
}

/* The type part of an id is not NUL-terminated: looked up in place, not copied out. */
enum rk_stix_kind rk_stix_kind_of_type(const char *type, size_t len)
{
    const struct rk_type *t;

    if (len == 0 || len >= 64)
        return RK_KIND_UNKNOWN;
    len = strnlen(type, len); /* as a copy of it would read as a string */
    if (len == 6 && memcmp(type, "bundle", 6) == 0)
        return RK_KIND_BUNDLE;
    t = type_find_n(type, len);
    return t ? (enum rk_stix_kind)t->kind : RK_KIND_UNKNOWN;
}

const struct rk_prop *rk_stix_common_find(const char *name, int cat, int *req_out, int *opt_out)
{
    const struct rk_prop *p = rk_stix_prop_find(common_props, NELEM(common_props), name);
    size_t i;

    if (!p)
        return NULL;
    i = (size_t)(p - common_props);
    *req_out = (common_use[i].req >> cat) & 1u;
    *opt_out = (common_use[i].use >> cat) & 1u;
    return p;
}

size_t rk_stix_common_index(const struct rk_prop *p)
{
    return (size_t)(p - common_props);
}

size_t rk_stix_common_count(void)
{
    return NELEM(common_props);
}

const struct rk_prop *rk_stix_common_at(size_t i, int cat, int *req_out)
{
    *req_out = (common_use[i].req >> cat) & 1u;
    return &common_props[i];
}

const struct rk_struct *rk_stix_type_ext(const struct rk_type *t, const char *name)
{
    if (!t || !t->exts)
        return NULL;
    for (size_t i = 0; t->exts[i]; i++) {
        if (strcmp(t->exts[i]->name, name) == 0)
            return t->exts[i];
    }
    return NULL;
}

int rk_stix_is_predefined_ext(const char *name)
{
    for (size_t i = 0; i < rk_stix_sco_types_n; i++) {
        if (rk_stix_type_ext(&rk_stix_sco_types[i], name))
            return 1;
    }
    return 0;
}

/* The row a linear search with strcmp finds, NULL when none. */
static const struct rk_prop *prop_scan(const struct rk_prop *p, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p[i].name, name) == 0)
            return &p[i];
    }
    return NULL;
}

static const struct rk_type *type_scan(const struct rk_type *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].name, name) == 0)
            return &t[i];
    }
    return NULL;
}

int rk_stix_lookup_agrees(const void *table, size_t n, const char *name,
                          int (*same)(const void *table, size_t n, const char *probe))
{
    size_t len = strlen(name);
    char probe[256];
    int ok;

    if (len == 0 || len + 2 > sizeof(probe))
        return 0;
    memcpy(probe, name, len + 1);
    ok = same(table, n, probe);
    probe[len - 1] = '\0';
    ok = ok && same(table, n, probe);
    probe[len - 1] = name[len - 1];
    memcpy(probe + len, "_", 2);
    ok = ok && same(table, n, probe);
    probe[len] = '\0';
    probe[len - 1] = (char)(name[len - 1] - 1);
    ok = ok && same(table, n, probe);
    probe[len - 1] = (char)(name[len - 1] + 1);
    return ok && same(table, n, probe);
}

static int prop_same(const void *table, size_t n, const char *probe)
{
    return rk_stix_prop_find(table, n, probe) == prop_scan(table, n, probe);
}

static int type_same(const void *table, size_t n, const char *probe)
{
    size_t len = strlen(probe);
    const struct rk_type *want = type_scan(table, n, probe);

    /* also as a prefix of a longer, unterminated text (the type part of an id) */
    char id[300];

    if (len + 3 > sizeof(id))
        return 0;
    memcpy(id, probe, len);
    memcpy(id + len, "--x", 3);
    return type_bsearch(table, n, probe, len) == want && type_bsearch(table, n, id, len) == want;
}

/* Sorted, and every lookup answers as a linear search would. */
static int props_sorted(const struct rk_prop *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && strcmp(p[i - 1].name, p[i].name) >= 0) ||
            !rk_stix_lookup_agrees(p, n, p[i].name, prop_same))
            return 0;
    }
    return 1;
}

static const char *types_check(const struct rk_type *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((i > 0 && strcmp(t[i - 1].name, t[i].name) >= 0) ||
            !rk_stix_lookup_agrees(t, n, t[i].name, type_same))
            return t[i].name;
        if (!props_sorted(t[i].props, t[i].nprops))
            return t[i].name;
    }
    return NULL;
}

const char *rk_stix_tables_check(void)
{
    const char *bad;

    if (!props_sorted(common_props, NELEM(common_props)) ||
        NELEM(common_props) != NELEM(common_use) || NELEM(common_props) != RK_COMMON_N ||
        strcmp(common_props[RK_COMMON_CREATED].name, "created") != 0 ||
        strcmp(common_props[RK_COMMON_ID].name, "id") != 0 ||
        strcmp(common_props[RK_COMMON_MODIFIED].name, "modified") != 0 ||
        strcmp(common_props[RK_COMMON_MARKING_REFS].name, "object_marking_refs") != 0 ||
        strcmp(common_props[RK_COMMON_REVOKED].name, "revoked") != 0 ||
        strcmp(common_props[RK_COMMON_SPEC_VERSION].name, "spec_version") != 0 ||
        strcmp(common_props[RK_COMMON_TYPE].name, "type") != 0)
        return "common properties";
    if ((bad = types_check(core_types, NELEM(core_types))) != NULL)
        return bad;
    if ((bad = types_check(rk_stix_sco_types, rk_stix_sco_types_n)) != NULL)
        return bad;
    for (size_t i = 0; i < rk_stix_sco_structs_n; i++) {
        if (!props_sorted(rk_stix_sco_structs[i]->props, rk_stix_sco_structs[i]->nprops))
            return rk_stix_sco_structs[i]->name;
    }
    return rk_stix_vocab_check();
}
