/* vocab.c - STIX 2.1 open vocabularies and enumerations, section 10 of the specification with
 * errata 01 (normative values, written out from the text; both the summary and the value table
 * of each section are included, the errata added rust, legal, control-system, firewall,
 * routers-switches, workstation, incident and private-sector). */
#include "stix/vocab.h"

#include <string.h>

#define VOCAB(cname, label)                                                                        \
    const struct rk_vocab rk_vocab_##cname = {label, v_##cname, sizeof(v_##cname) / sizeof(v_##cname[0])}

/* section 10.1 */
static const char *const v_account_type[] = {
    "facebook", "ldap", "nis", "openid", "radius", "skype", "tacacs", "twitter", "unix",
    "windows-local", "windows-domain",
};
VOCAB(account_type, "account-type-ov");

/* section 10.2 */
static const char *const v_attack_motivation[] = {
    "accidental", "coercion", "dominance", "ideology", "notoriety", "organizational-gain",
    "personal-gain", "personal-satisfaction", "revenge", "unpredictable",
};
VOCAB(attack_motivation, "attack-motivation-ov");

/* section 10.3 */
static const char *const v_attack_resource_level[] = {
    "club", "contest", "team", "organization", "government", "individual",
};
VOCAB(attack_resource_level, "attack-resource-level-ov");

/* section 10.4 */
static const char *const v_encryption_algorithm[] = {
    "AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated",
};
VOCAB(encryption_algorithm, "encryption-algorithm-enum");

/* section 10.5 */
static const char *const v_extension_type[] = {
    "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension",
};
VOCAB(extension_type, "extension-type-enum");

/* section 10.6 */
static const char *const v_grouping_context[] = {
    "suspicious-activity", "malware-analysis", "unspecified",
};
VOCAB(grouping_context, "grouping-context-ov");

/* section 10.7 */
static const char *const v_hash_algorithm[] = {
    "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
};
VOCAB(hash_algorithm, "hash-algorithm-ov");

/* section 10.8 */
static const char *const v_identity_class[] = {
    "individual", "group", "system", "organization", "class", "unknown",
};
VOCAB(identity_class, "identity-class-ov");

/* section 10.9. */
static const char *const v_implementation_language[] = {
    "applescript", "bash", "c", "c++", "c#", "go", "java", "javascript", "lua", "objective-c",
    "perl", "php", "powershell", "python", "ruby", "rust", "scala", "swift", "typescript",
    "visual-basic", "x86-32", "x86-64",
};
VOCAB(implementation_language, "implementation-language-ov");

/* section 10.10 */
static const char *const v_indicator_type[] = {
    "anomalous-activity", "anonymization", "benign", "compromised", "malicious-activity",
    "attribution", "unknown",
};
VOCAB(indicator_type, "indicator-type-ov");

/* section 10.11 */
static const char *const v_industry_sector[] = {
    "agriculture", "aerospace", "automotive", "chemical", "commercial", "communications",
    "construction", "defense", "education", "energy", "entertainment", "financial-services",
    "government", "emergency-services", "government-local", "government-national",
    "government-public-services", "government-regional", "healthcare", "hospitality-leisure",
    "infrastructure", "dams", "nuclear", "water", "insurance", "legal", "manufacturing", "mining",
    "non-profit", "pharmaceuticals", "retail", "technology", "telecommunications",
    "transportation", "utilities",
};
VOCAB(industry_sector, "industry-sector-ov");

/* section 10.12 */
static const char *const v_infrastructure_type[] = {
    "amplification", "anonymization", "botnet", "command-and-control", "control-system",
    "exfiltration", "firewall", "hosting-malware", "hosting-target-lists", "phishing",
    "reconnaissance", "routers-switches", "staging", "workstation", "unknown",
};
VOCAB(infrastructure_type, "infrastructure-type-ov");

/* section 10.13 */
static const char *const v_malware_capabilities[] = {
    "accesses-remote-machines", "anti-debugging", "anti-disassembly", "anti-emulation",
    "anti-memory-forensics", "anti-sandbox", "anti-vm", "captures-input-peripherals",
    "captures-output-peripherals", "captures-system-state-data", "cleans-traces-of-infection",
    "commits-fraud", "communicates-with-c2", "compromises-data-availability",
    "compromises-data-integrity", "compromises-system-availability", "controls-local-machine",
    "degrades-security-software", "degrades-system-updates", "determines-c2-server", "emails-spam",
    "escalates-privileges", "evades-av", "exfiltrates-data", "fingerprints-host",
    "hides-artifacts", "hides-executing-code", "infects-files", "infects-remote-machines",
    "installs-other-components", "persists-after-system-reboot", "prevents-artifact-access",
    "prevents-artifact-deletion", "probes-network-environment", "self-modifies",
    "steals-authentication-credentials", "violates-system-operational-integrity",
};
VOCAB(malware_capabilities, "malware-capabilities-ov");

/* section 10.14 */
static const char *const v_malware_result[] = {
    "malicious", "suspicious", "benign", "unknown",
};
VOCAB(malware_result, "malware-result-ov");

/* section 10.15 */
static const char *const v_malware_type[] = {
    "adware", "backdoor", "bot", "bootkit", "ddos", "downloader", "dropper", "exploit-kit",
    "keylogger", "ransomware", "remote-access-trojan", "resource-exploitation",
    "rogue-security-software", "rootkit", "screen-capture", "spyware", "trojan", "unknown",
    "virus", "webshell", "wiper", "worm",
};
VOCAB(malware_type, "malware-type-ov");

/* section 10.16 */
static const char *const v_network_socket_address_family[] = {
    "AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA",
    "AF_BTH",
};
VOCAB(network_socket_address_family, "network-socket-address-family-enum");

/* section 10.17 */
static const char *const v_network_socket_type[] = {
    "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET",
};
VOCAB(network_socket_type, "network-socket-type-enum");

/* section 10.18 */
static const char *const v_opinion[] = {
    "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree",
};
VOCAB(opinion, "opinion-enum");

/* section 10.19 */
static const char *const v_pattern_type[] = {
    "stix", "pcre", "sigma", "snort", "suricata", "yara",
};
VOCAB(pattern_type, "pattern-type-ov");

/* section 10.20. */
static const char *const v_processor_architecture[] = {
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
};
VOCAB(processor_architecture, "processor-architecture-ov");

/* section 10.21. */
static const char *const v_region[] = {
    "africa", "eastern-africa", "middle-africa", "northern-africa", "southern-africa",
    "western-africa", "americas", "caribbean", "central-america", "latin-america-caribbean",
    "northern-america", "south-america", "asia", "central-asia", "eastern-asia", "southern-asia",
    "south-eastern-asia", "western-asia", "europe", "eastern-europe", "northern-europe",
    "southern-europe", "western-europe", "oceania", "antarctica", "australia-new-zealand",
    "melanesia", "micronesia", "polynesia",
};
VOCAB(region, "region-ov");

/* section 10.22. */
static const char *const v_report_type[] = {
    "attack-pattern", "campaign", "identity", "incident", "indicator", "intrusion-set", "malware",
    "observed-data", "threat-actor", "threat-report", "tool", "vulnerability",
};
VOCAB(report_type, "report-type-ov");

/* section 10.23. */
static const char *const v_threat_actor_type[] = {
    "activist", "competitor", "crime-syndicate", "criminal", "hacker", "insider-accidental",
    "insider-disgruntled", "nation-state", "private-sector", "sensationalist", "spy", "terrorist",
    "unknown",
};
VOCAB(threat_actor_type, "threat-actor-type-ov");

/* section 10.24. */
static const char *const v_threat_actor_role[] = {
    "agent", "director", "independent", "infrastructure-architect", "infrastructure-operator",
    "malware-author", "sponsor",
};
VOCAB(threat_actor_role, "threat-actor-role-ov");

/* section 10.25. */
static const char *const v_threat_actor_sophistication[] = {
    "none", "minimal", "intermediate", "advanced", "expert", "innovator", "strategic",
};
VOCAB(threat_actor_sophistication, "threat-actor-sophistication-ov");

/* section 10.26. */
static const char *const v_tool_type[] = {
    "denial-of-service", "exploitation", "information-gathering", "network-capture",
    "credential-exploitation", "remote-access", "vulnerability-scanning", "unknown",
};
VOCAB(tool_type, "tool-type-ov");

/* section 10.27. */
static const char *const v_windows_integrity_level[] = {
    "low", "medium", "high", "system",
};
VOCAB(windows_integrity_level, "windows-integrity-level-enum");

/* section 10.28. */
static const char *const v_windows_pebinary_type[] = {
    "dll", "exe", "sys",
};
VOCAB(windows_pebinary_type, "windows-pebinary-type-ov");

/* section 10.29. */
static const char *const v_windows_registry_datatype[] = {
    "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD",
    "REG_INVALID_TYPE",
};
VOCAB(windows_registry_datatype, "windows-registry-datatype-enum");

/* section 10.30. */
static const char *const v_windows_service_start_type[] = {
    "SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED",
    "SERVICE_SYSTEM_ALERT",
};
VOCAB(windows_service_start_type, "windows-service-start-type-enum");

/* section 10.31. */
static const char *const v_windows_service_type[] = {
    "SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS",
};
VOCAB(windows_service_type, "windows-service-type-enum");

/* section 10.32. */
static const char *const v_windows_service_status[] = {
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING",
    "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED",
};
VOCAB(windows_service_status, "windows-service-status-enum");

/* Linear search: vocabularies are short and only consulted for vocabulary-typed properties. */
int rk_stix_vocab_has(const struct rk_vocab *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++) {
        if (strcmp(v->v[i], s) == 0)
            return 1;
    }
    return 0;
}
