/* vocab.h - the vocabularies and enumerations of STIX 2.1 section 10 (with errata 01). */
#ifndef RK_STIX_VOCAB_H
#define RK_STIX_VOCAB_H

#include "stix/stix_internal.h"

extern const struct rk_vocab rk_vocab_account_type; /* account-type-ov */
extern const struct rk_vocab rk_vocab_attack_motivation; /* attack-motivation-ov */
extern const struct rk_vocab rk_vocab_attack_resource_level; /* attack-resource-level-ov */
extern const struct rk_vocab rk_vocab_encryption_algorithm; /* encryption-algorithm-enum */
extern const struct rk_vocab rk_vocab_extension_type; /* extension-type-enum */
extern const struct rk_vocab rk_vocab_grouping_context; /* grouping-context-ov */
extern const struct rk_vocab rk_vocab_hash_algorithm; /* hash-algorithm-ov */
extern const struct rk_vocab rk_vocab_identity_class; /* identity-class-ov */
extern const struct rk_vocab rk_vocab_implementation_language; /* implementation-language-ov */
extern const struct rk_vocab rk_vocab_indicator_type; /* indicator-type-ov */
extern const struct rk_vocab rk_vocab_industry_sector; /* industry-sector-ov */
extern const struct rk_vocab rk_vocab_infrastructure_type; /* infrastructure-type-ov */
extern const struct rk_vocab rk_vocab_malware_capabilities; /* malware-capabilities-ov */
extern const struct rk_vocab rk_vocab_malware_result; /* malware-result-ov */
extern const struct rk_vocab rk_vocab_malware_type; /* malware-type-ov */
extern const struct rk_vocab rk_vocab_network_socket_address_family; /* network-socket-address-family-enum */
extern const struct rk_vocab rk_vocab_network_socket_type; /* network-socket-type-enum */
extern const struct rk_vocab rk_vocab_opinion; /* opinion-enum */
extern const struct rk_vocab rk_vocab_pattern_type; /* pattern-type-ov */
extern const struct rk_vocab rk_vocab_processor_architecture; /* processor-architecture-ov */
extern const struct rk_vocab rk_vocab_region; /* region-ov */
extern const struct rk_vocab rk_vocab_report_type; /* report-type-ov */
extern const struct rk_vocab rk_vocab_threat_actor_type; /* threat-actor-type-ov */
extern const struct rk_vocab rk_vocab_threat_actor_role; /* threat-actor-role-ov */
extern const struct rk_vocab rk_vocab_threat_actor_sophistication; /* threat-actor-sophistication-ov */
extern const struct rk_vocab rk_vocab_tool_type; /* tool-type-ov */
extern const struct rk_vocab rk_vocab_windows_integrity_level; /* windows-integrity-level-enum */
extern const struct rk_vocab rk_vocab_windows_pebinary_type; /* windows-pebinary-type-ov */
extern const struct rk_vocab rk_vocab_windows_registry_datatype; /* windows-registry-datatype-enum */
extern const struct rk_vocab rk_vocab_windows_service_start_type; /* windows-service-start-type-enum */
extern const struct rk_vocab rk_vocab_windows_service_type; /* windows-service-type-enum */
extern const struct rk_vocab rk_vocab_windows_service_status; /* windows-service-status-enum */

/* 0 when every list is sorted, else the name of the first that is not (unit tests). */
const char *rk_stix_vocab_check(void);

#endif
