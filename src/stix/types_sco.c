/* types_sco.c - property tables of the STIX 2.1 cyber-observable objects, their predefined
 * extensions and nested types (section 6 of the specification), with each SCO's ID
 * contributing properties (section 3.4). */
#include "stix/types_table.h"

static const struct rk_range range_port = {0, 65535};
static const struct rk_dictspec dict_string = {DV_STRING, 0};
static const struct rk_dictspec dict_int = {DV_INT, 0};
static const struct rk_dictspec dict_int_or_string = {DV_INT_OR_STRING, 0};
static const struct rk_dictspec dict_string_list = {DV_STRING_LIST, 0};
static const struct rk_dictspec dict_any = {DV_ANY, 0};

#define STRUCTDEF(var, label, props, one, rule)                                                    \
    static const struct rk_struct var = {label, props, NELEM(props), one, rule}

/* ---- nested types ------------------------------------------------------------------------- */

static const struct rk_prop p_mime_part[] = {
    STR("body"),
    REF("body_raw_ref", rk_ref_file_artifact),
    STR("content_disposition"),
    STR("content_type"),
};
STRUCTDEF(s_mime_part, "email-mime-part-type", p_mime_part, 0, rk_stix_rule_mime_part);

static const struct rk_prop p_ads[] = {
    HASHES("hashes"), STR_R("name"), UINT("size"),
};
STRUCTDEF(s_ads, "alternate-data-stream-type", p_ads, 0, NULL);

static const struct rk_prop p_pe_optional_header[] = {
    INT("address_of_entry_point"),
    INT("base_of_code"),
    INT("base_of_data"),
    HEX("checksum_hex"),
    HEX("dll_characteristics_hex"),
    INT("file_alignment"),
    HASHES("hashes"),
    INT("image_base"),
    HEX("loader_flags_hex"),
    HEX("magic_hex"),
    INT("major_image_version"),
    INT("major_linker_version"),
    INT("major_os_version"),
    INT("major_subsystem_version"),
    INT("minor_image_version"),
    INT("minor_linker_version"),
    INT("minor_os_version"),
    INT("minor_subsystem_version"),
    INT("number_of_rva_and_sizes"),
    INT("section_alignment"),
    UINT("size_of_code"),
    UINT("size_of_headers"),
    UINT("size_of_heap_commit"),
    UINT("size_of_heap_reserve"),
    UINT("size_of_image"),
    UINT("size_of_initialized_data"),
    UINT("size_of_stack_commit"),
    UINT("size_of_stack_reserve"),
    UINT("size_of_uninitialized_data"),
    HEX("subsystem_hex"),
    HEX("win32_version_value_hex"),
};
STRUCTDEF(s_pe_optional_header, "windows-pe-optional-header-type", p_pe_optional_header, 1,
          NULL);

static const struct rk_prop p_pe_section[] = {
    FLT("entropy"), HASHES("hashes"), STR_R("name"), UINT("size"),
};
STRUCTDEF(s_pe_section, "windows-pe-section-type", p_pe_section, 0, NULL);

static const struct rk_prop p_registry_value[] = {
    STR("data"), ENUM("data_type", windows_registry_datatype), STR("name"),
};
STRUCTDEF(s_registry_value, "windows-registry-value-type", p_registry_value, 1, NULL);

static const struct rk_prop p_x509_v3[] = {
    STR("authority_key_identifier"),
    STR("basic_constraints"),
    STR("certificate_policies"),
    STR("crl_distribution_points"),
    STR("extended_key_usage"),
    STR("inhibit_any_policy"),
    STR("issuer_alternative_name"),
    STR("key_usage"),
    STR("name_constraints"),
    STR("policy_constraints"),
    STR("policy_mappings"),
    TS("private_key_usage_period_not_after"),
    TS("private_key_usage_period_not_before"),
    STR("subject_alternative_name"),
    STR("subject_directory_attributes"),
    STR("subject_key_identifier"),
};
STRUCTDEF(s_x509_v3, "x509-v3-extensions-type", p_x509_v3, 1, NULL);

/* ---- predefined extensions ------------------------------------------------------------------ */

static const struct rk_prop p_archive_ext[] = {
    STR("comment"),
    LREF_R("contains_refs", rk_ref_file_directory),
};
STRUCTDEF(s_archive_ext, "archive-ext", p_archive_ext, 0, NULL);

static const struct rk_prop p_ntfs_ext[] = {
    LSTRUCT("alternate_data_streams", s_ads),
    STR("sid"),
};
STRUCTDEF(s_ntfs_ext, "ntfs-ext", p_ntfs_ext, 1, NULL);

static const struct rk_prop p_pdf_ext[] = {
    DICT("document_info_dict", &dict_string),
    BOOL("is_optimized"),
    STR("pdfid0"),
    STR("pdfid1"),
    STR("version"),
};
STRUCTDEF(s_pdf_ext, "pdf-ext", p_pdf_ext, 1, NULL);

static const struct rk_prop p_raster_image_ext[] = {
    INT("bits_per_pixel"),
    DICT("exif_tags", &dict_int_or_string),
    INT("image_height"),
    INT("image_width"),
};
STRUCTDEF(s_raster_image_ext, "raster-image-ext", p_raster_image_ext, 1, NULL);

static const struct rk_prop p_pebinary_ext[] = {
    HEX("characteristics_hex"),
    HASHES("file_header_hashes"),
    STR("imphash"),
    HEX("machine_hex"),
    UINT("number_of_sections"),
    UINT("number_of_symbols"),
    STRUCT("optional_header", s_pe_optional_header),
    OV_R("pe_type", windows_pebinary_type),
    HEX("pointer_to_symbol_table_hex"),
    LSTRUCT("sections", s_pe_section),
    UINT("size_of_optional_header"),
    TS("time_date_stamp"),
};
STRUCTDEF(s_pebinary_ext, "windows-pebinary-ext", p_pebinary_ext, 0, rk_stix_rule_pe_binary);

static const struct rk_prop p_http_request_ext[] = {
    REF("message_body_data_ref", rk_ref_artifact),
    UINT("message_body_length"),
    DICT("request_header", &dict_string_list),
    STR_R("request_method"),
    STR_R("request_value"),
    STR("request_version"),
};
STRUCTDEF(s_http_request_ext, "http-request-ext", p_http_request_ext, 0,
          rk_stix_rule_http_request);

static const struct rk_prop p_icmp_ext[] = {
    HEX_R("icmp_code_hex"),
    HEX_R("icmp_type_hex"),
};
STRUCTDEF(s_icmp_ext, "icmp-ext", p_icmp_ext, 0, NULL);

static const struct rk_prop p_socket_ext[] = {
    ENUM_R("address_family", network_socket_address_family),
    BOOL("is_blocking"),
    BOOL("is_listening"),
    DICT("options", &dict_int),
    UINT("socket_descriptor"),
    INT("socket_handle"),
    ENUM("socket_type", network_socket_type),
};
STRUCTDEF(s_socket_ext, "socket-ext", p_socket_ext, 0, NULL);

static const struct rk_prop p_tcp_ext[] = {
    HEX("dst_flags_hex"),
    HEX("src_flags_hex"),
};
STRUCTDEF(s_tcp_ext, "tcp-ext", p_tcp_ext, 1, NULL);

/* The errata 01 table spells it windows_title; STIX 2.1 OS and the schemas window_title. */
static const struct rk_prop p_windows_process_ext[] = {
    BOOL("aslr_enabled"),
    BOOL("dep_enabled"),
    ENUM("integrity_level", windows_integrity_level),
    STR("owner_sid"),
    STR("priority"),
    DICT("startup_info", &dict_any),
    STR("window_title"),
    STR("windows_title"),
};
STRUCTDEF(s_windows_process_ext, "windows-process-ext", p_windows_process_ext, 1, NULL);

static const struct rk_prop p_windows_service_ext[] = {
    LSTR("descriptions"),
    STR("display_name"),
    STR("group_name"),
    LREF("service_dll_refs", rk_ref_file),
    STR("service_name"),
    ENUM("service_status", windows_service_status),
    ENUM("service_type", windows_service_type),
    ENUM("start_type", windows_service_start_type),
};
STRUCTDEF(s_windows_service_ext, "windows-service-ext", p_windows_service_ext, 1, NULL);

static const struct rk_prop p_unix_account_ext[] = {
    INT("gid"), LSTR("groups"), STR("home_dir"), STR("shell"),
};
STRUCTDEF(s_unix_account_ext, "unix-account-ext", p_unix_account_ext, 1, NULL);

static const struct rk_struct *const file_exts[] = {&s_archive_ext, &s_ntfs_ext, &s_pdf_ext,
                                                    &s_raster_image_ext, &s_pebinary_ext, NULL};
static const struct rk_struct *const traffic_exts[] = {&s_http_request_ext, &s_icmp_ext,
                                                       &s_socket_ext, &s_tcp_ext, NULL};
static const struct rk_struct *const process_exts[] = {&s_windows_process_ext,
                                                       &s_windows_service_ext, NULL};
static const struct rk_struct *const account_exts[] = {&s_unix_account_ext, NULL};

const struct rk_struct *const rk_stix_sco_structs[] = {
    &s_mime_part,   &s_ads,          &s_pe_optional_header, &s_pe_section,
    &s_registry_value, &s_x509_v3,   &s_archive_ext,        &s_ntfs_ext,
    &s_pdf_ext,     &s_raster_image_ext, &s_pebinary_ext,   &s_http_request_ext,
    &s_icmp_ext,    &s_socket_ext,   &s_tcp_ext,            &s_windows_process_ext,
    &s_windows_service_ext, &s_unix_account_ext,
};
const size_t rk_stix_sco_structs_n = NELEM(rk_stix_sco_structs);

/* ---- cyber-observable objects --------------------------------------------------------------- */

static const struct rk_prop p_artifact[] = {
    STR("decryption_key"),
    ENUM("encryption_algorithm", encryption_algorithm),
    HASHES("hashes"),
    STR("mime_type"),
    BIN("payload_bin"),
    STR("url"),
};
static const char *const id_artifact[] = {"hashes", "payload_bin", NULL};

static const struct rk_prop p_autonomous_system[] = {
    STR("name"), P("number", PT_INT, P_REQ, NULL), STR("rir"),
};
static const char *const id_autonomous_system[] = {"number", NULL};

static const struct rk_prop p_directory[] = {
    TS("atime"),     LREF("contains_refs", rk_ref_file_directory),
    TS("ctime"),     TS("mtime"),
    STR_R("path"),   STR("path_enc"),
};
static const char *const id_directory[] = {"path", NULL};

static const struct rk_prop p_domain_name[] = {
    LREF("resolves_to_refs", rk_ref_domain_targets),
    STR_R("value"),
};
static const char *const id_value[] = {"value", NULL};

static const struct rk_prop p_email_addr[] = {
    REF("belongs_to_ref", rk_ref_user_account),
    STR("display_name"),
    STR_R("value"),
};

static const struct rk_prop p_email_message[] = {
    DICT("additional_header_fields", &dict_string_list),
    LREF("bcc_refs", rk_ref_email_addr),
    STR("body"),
    LSTRUCT("body_multipart", s_mime_part),
    LREF("cc_refs", rk_ref_email_addr),
    STR("content_type"),
    TS("date"),
    REF("from_ref", rk_ref_email_addr),
    BOOL_R("is_multipart"),
    STR("message_id"),
    REF("raw_email_ref", rk_ref_artifact),
    LSTR("received_lines"),
    REF("sender_ref", rk_ref_email_addr),
    STR("subject"),
    LREF("to_refs", rk_ref_email_addr),
};
static const char *const id_email_message[] = {"from_ref", "subject", "body", NULL};

static const struct rk_prop p_file[] = {
    TS("atime"),
    LREF("contains_refs", rk_ref_sco),
    REF("content_ref", rk_ref_artifact),
    TS("ctime"),
    HASHES("hashes"),
    HEX("magic_number_hex"),
    STR("mime_type"),
    TS("mtime"),
    STR("name"),
    STR("name_enc"),
    REF("parent_directory_ref", rk_ref_directory),
    UINT("size"),
};
static const char *const id_file[] = {"hashes", "name", "extensions", "parent_directory_ref",
                                      NULL};

static const struct rk_prop p_ip_addr[] = {
    LREF("belongs_to_refs", rk_ref_as),
    LREF("resolves_to_refs", rk_ref_mac),
    STR_R("value"),
};

static const struct rk_prop p_mac_addr[] = {
    STR_R("value"),
};

static const struct rk_prop p_mutex[] = {
    STR_R("name"),
};
static const char *const id_mutex[] = {"name", NULL};

static const struct rk_prop p_network_traffic[] = {
    UINT("dst_byte_count"),
    UINT("dst_packets"),
    REF("dst_payload_ref", rk_ref_artifact),
    INTR("dst_port", range_port),
    REF("dst_ref", rk_ref_net_endpoint),
    REF("encapsulated_by_ref", rk_ref_network_traffic),
    LREF("encapsulates_refs", rk_ref_network_traffic),
    TS("end"),
    DICT("ipfix", &dict_int_or_string),
    BOOL("is_active"),
    LSTR_R("protocols"),
    UINT("src_byte_count"),
    UINT("src_packets"),
    REF("src_payload_ref", rk_ref_artifact),
    INTR("src_port", range_port),
    REF("src_ref", rk_ref_net_endpoint),
    TS("start"),
};
static const char *const id_network_traffic[] = {"start",    "end",      "src_ref",   "dst_ref",
                                                 "src_port", "dst_port", "protocols", "extensions",
                                                 NULL};

static const struct rk_prop p_process[] = {
    LREF("child_refs", rk_ref_process),
    STR("command_line"),
    TS("created_time"),
    REF("creator_user_ref", rk_ref_user_account),
    STR("cwd"),
    DICT("environment_variables", &dict_string),
    REF("image_ref", rk_ref_file),
    BOOL("is_hidden"),
    LREF("opened_connection_refs", rk_ref_network_traffic),
    REF("parent_ref", rk_ref_process),
    INT("pid"),
};

static const struct rk_prop p_software[] = {
    STR("cpe"), LSTR("languages"), STR_R("name"), STR("swid"), STR("vendor"), STR("version"),
};
static const char *const id_software[] = {"name", "cpe", "swid", "vendor", "version", NULL};

static const struct rk_prop p_url[] = {
    STR_R("value"),
};

static const struct rk_prop p_user_account[] = {
    TS("account_created"),
    TS("account_expires"),
    TS("account_first_login"),
    TS("account_last_login"),
    STR("account_login"),
    OV("account_type", account_type),
    BOOL("can_escalate_privs"),
    STR("credential"),
    TS("credential_last_changed"),
    STR("display_name"),
    BOOL("is_disabled"),
    BOOL("is_privileged"),
    BOOL("is_service_account"),
    STR("user_id"),
};
static const char *const id_user_account[] = {"account_type", "user_id", "account_login", NULL};

static const struct rk_prop p_registry_key[] = {
    REF("creator_user_ref", rk_ref_user_account),
    STR("key"),
    TS("modified_time"),
    INT("number_of_subkeys"),
    LSTRUCT("values", s_registry_value),
};
static const char *const id_registry_key[] = {"key", "values", NULL};

static const struct rk_prop p_x509[] = {
    HASHES("hashes"),
    BOOL("is_self_signed"),
    STR("issuer"),
    STR("serial_number"),
    STR("signature_algorithm"),
    STR("subject"),
    STR("subject_public_key_algorithm"),
    INT("subject_public_key_exponent"),
    STR("subject_public_key_modulus"),
    TS("validity_not_after"),
    TS("validity_not_before"),
    STR("version"),
    STRUCT("x509_v3_extensions", s_x509_v3),
};
static const char *const id_x509[] = {"hashes", "serial_number", NULL};

/* Process has no ID contributing properties: its ids are UUIDv4 (section 6.13.1). */
static const char *const id_none[] = {NULL};

#define SCO(n, p, r, idc, ext, one) {n, RK_KIND_SCO, CAT_SCO, p, NELEM(p), r, idc, ext, one}

/* Sorted by name. */
const struct rk_type rk_stix_sco_types[] = {
    SCO("artifact", p_artifact, rk_stix_rule_artifact, id_artifact, NULL, 0),
    SCO("autonomous-system", p_autonomous_system, NULL, id_autonomous_system, NULL, 0),
    SCO("directory", p_directory, NULL, id_directory, NULL, 0),
    SCO("domain-name", p_domain_name, rk_stix_rule_domain, id_value, NULL, 0),
    SCO("email-addr", p_email_addr, rk_stix_rule_email_addr, id_value, NULL, 0),
    SCO("email-message", p_email_message, rk_stix_rule_email_message, id_email_message, NULL, 0),
    SCO("file", p_file, rk_stix_rule_file, id_file, file_exts, 0),
    SCO("ipv4-addr", p_ip_addr, rk_stix_rule_ipv4, id_value, NULL, 0),
    SCO("ipv6-addr", p_ip_addr, rk_stix_rule_ipv6, id_value, NULL, 0),
    SCO("mac-addr", p_mac_addr, rk_stix_rule_mac, id_value, NULL, 0),
    SCO("mutex", p_mutex, NULL, id_mutex, NULL, 0),
    SCO("network-traffic", p_network_traffic, rk_stix_rule_network_traffic, id_network_traffic,
        traffic_exts, 0),
    SCO("process", p_process, NULL, id_none, process_exts, 1),
    SCO("software", p_software, rk_stix_rule_software, id_software, NULL, 0),
    SCO("url", p_url, rk_stix_rule_url, id_value, NULL, 0),
    SCO("user-account", p_user_account, NULL, id_user_account, account_exts, 1),
    SCO("windows-registry-key", p_registry_key, rk_stix_rule_registry_key, id_registry_key, NULL,
        1),
    SCO("x509-certificate", p_x509, NULL, id_x509, NULL, 1),
};
const size_t rk_stix_sco_types_n = NELEM(rk_stix_sco_types);
