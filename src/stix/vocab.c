/* vocab.c - STIX 2.1 open vocabularies and enumerations, section 10 of the specification with
 * errata 01 (normative values, written out from the text; both the summary and the value table
 * of each section are included, the errata added rust, legal, control-system, firewall,
 * routers-switches, workstation, incident and private-sector). Each list is sorted (byte
 * order) for binary search. */
#include "stix/vocab.h"

#include <string.h>

#define VOCAB(cname, label)                                                                        \
    const struct rk_vocab rk_vocab_##cname = {label, v_##cname, sizeof(v_##cname) / sizeof(v_##cname[0])}

/* section 10.1 */
static const char *const v_account_type[] = {
    "facebook", "ldap", "nis", "openid", "radius", "skype", "tacacs", "twitter", "unix",
    "windows-domain", "windows-local",
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
    "club", "contest", "government", "individual", "organization", "team",
};
VOCAB(attack_resource_level, "attack-resource-level-ov");

/* section 10.4 */
static const char *const v_encryption_algorithm[] = {
    "AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated",
};
VOCAB(encryption_algorithm, "encryption-algorithm-enum");

/* section 10.5 */
static const char *const v_extension_type[] = {
    "new-sco", "new-sdo", "new-sro", "property-extension", "toplevel-property-extension",
};
VOCAB(extension_type, "extension-type-enum");

/* section 10.6 */
static const char *const v_grouping_context[] = {
    "malware-analysis", "suspicious-activity", "unspecified",
};
VOCAB(grouping_context, "grouping-context-ov");

/* section 10.7 */
static const char *const v_hash_algorithm[] = {
    "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
};
VOCAB(hash_algorithm, "hash-algorithm-ov");

/* section 10.8 */
static const char *const v_identity_class[] = {
    "class", "group", "individual", "organization", "system", "unknown",
};
VOCAB(identity_class, "identity-class-ov");

/* section 10.9. */
static const char *const v_implementation_language[] = {
    "applescript", "bash", "c", "c#", "c++", "go", "java", "javascript", "lua", "objective-c",
    "perl", "php", "powershell", "python", "ruby", "rust", "scala", "swift", "typescript",
    "visual-basic", "x86-32", "x86-64",
};
VOCAB(implementation_language, "implementation-language-ov");

/* section 10.10 */
static const char *const v_indicator_type[] = {
    "anomalous-activity", "anonymization", "attribution", "benign", "compromised",
    "malicious-activity", "unknown",
};
VOCAB(indicator_type, "indicator-type-ov");

/* section 10.11 */
static const char *const v_industry_sector[] = {
    "aerospace", "agriculture", "automotive", "chemical", "commercial", "communications",
    "construction", "dams", "defense", "education", "emergency-services", "energy",
    "entertainment", "financial-services", "government", "government-local", "government-national",
    "government-public-services", "government-regional", "healthcare", "hospitality-leisure",
    "infrastructure", "insurance", "legal", "manufacturing", "mining", "non-profit", "nuclear",
    "pharmaceuticals", "retail", "technology", "telecommunications", "transportation", "utilities",
    "water",
};
VOCAB(industry_sector, "industry-sector-ov");

/* section 10.12 */
static const char *const v_infrastructure_type[] = {
    "amplification", "anonymization", "botnet", "command-and-control", "control-system",
    "exfiltration", "firewall", "hosting-malware", "hosting-target-lists", "phishing",
    "reconnaissance", "routers-switches", "staging", "unknown", "workstation",
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
    "benign", "malicious", "suspicious", "unknown",
};
VOCAB(malware_result, "malware-result-ov");

/* section 10.15 */
static const char *const v_malware_type[] = {
    "adware", "backdoor", "bootkit", "bot", "ddos", "downloader", "dropper", "exploit-kit",
    "keylogger", "ransomware", "remote-access-trojan", "resource-exploitation",
    "rogue-security-software", "rootkit", "screen-capture", "spyware", "trojan", "unknown",
    "virus", "webshell", "wiper", "worm",
};
VOCAB(malware_type, "malware-type-ov");

/* section 10.16 */
static const char *const v_network_socket_address_family[] = {
    "AF_APPLETALK", "AF_BTH", "AF_INET", "AF_INET6", "AF_IPX", "AF_IRDA", "AF_NETBIOS",
    "AF_UNSPEC",
};
VOCAB(network_socket_address_family, "network-socket-address-family-enum");

/* section 10.17 */
static const char *const v_network_socket_type[] = {
    "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_STREAM",
};
VOCAB(network_socket_type, "network-socket-type-enum");

/* section 10.18 */
static const char *const v_opinion[] = {
    "agree", "disagree", "neutral", "strongly-agree", "strongly-disagree",
};
VOCAB(opinion, "opinion-enum");

/* section 10.19 */
static const char *const v_pattern_type[] = {
    "pcre", "sigma", "snort", "stix", "suricata", "yara",
};
VOCAB(pattern_type, "pattern-type-ov");

/* section 10.20. */
static const char *const v_processor_architecture[] = {
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
};
VOCAB(processor_architecture, "processor-architecture-ov");

/* section 10.21. */
static const char *const v_region[] = {
    "africa", "americas", "antarctica", "asia", "australia-new-zealand", "caribbean",
    "central-america", "central-asia", "eastern-africa", "eastern-asia", "eastern-europe",
    "europe", "latin-america-caribbean", "melanesia", "micronesia", "middle-africa",
    "northern-africa", "northern-america", "northern-europe", "oceania", "polynesia",
    "south-america", "south-eastern-asia", "southern-africa", "southern-asia", "southern-europe",
    "western-africa", "western-asia", "western-europe",
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
    "advanced", "expert", "innovator", "intermediate", "minimal", "none", "strategic",
};
VOCAB(threat_actor_sophistication, "threat-actor-sophistication-ov");

/* section 10.26. */
static const char *const v_tool_type[] = {
    "credential-exploitation", "denial-of-service", "exploitation", "information-gathering",
    "network-capture", "remote-access", "unknown", "vulnerability-scanning",
};
VOCAB(tool_type, "tool-type-ov");

/* section 10.27. */
static const char *const v_windows_integrity_level[] = {
    "high", "low", "medium", "system",
};
VOCAB(windows_integrity_level, "windows-integrity-level-enum");

/* section 10.28. */
static const char *const v_windows_pebinary_type[] = {
    "dll", "exe", "sys",
};
VOCAB(windows_pebinary_type, "windows-pebinary-type-ov");

/* section 10.29. */
static const char *const v_windows_registry_datatype[] = {
    "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_EXPAND_SZ",
    "REG_FULL_RESOURCE_DESCRIPTION", "REG_INVALID_TYPE", "REG_LINK", "REG_MULTI_SZ", "REG_NONE",
    "REG_QWORD", "REG_RESOURCE_LIST", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_SZ",
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
    "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_KERNEL_DRIVER", "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS",
};
VOCAB(windows_service_type, "windows-service-type-enum");

/* section 10.32. */
static const char *const v_windows_service_status[] = {
    "SERVICE_CONTINUE_PENDING", "SERVICE_PAUSED", "SERVICE_PAUSE_PENDING", "SERVICE_RUNNING",
    "SERVICE_START_PENDING", "SERVICE_STOPPED", "SERVICE_STOP_PENDING",
};
VOCAB(windows_service_status, "windows-service-status-enum");

int rk_stix_vocab_has(const struct rk_vocab *v, const char *s)
{
    size_t lo = 0, hi = v->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = rk_stix_name_cmp(s, v->v[mid]);

        if (c == 0)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Whether rk_stix_vocab_has answers as a linear strcmp search for probe (n: the words). */
static int vocab_same(const void *table, size_t n, const char *probe)
{
    const struct rk_vocab *v = table;
    int found = 0;

    for (size_t i = 0; i < n; i++)
        found |= strcmp(v->v[i], probe) == 0;
    return rk_stix_vocab_has(v, probe) == found;
}

const char *rk_stix_vocab_check(void)
{
    static const struct rk_vocab *const all[] = {
        &rk_vocab_account_type, &rk_vocab_attack_motivation, &rk_vocab_attack_resource_level,
        &rk_vocab_encryption_algorithm, &rk_vocab_extension_type, &rk_vocab_grouping_context,
        &rk_vocab_hash_algorithm, &rk_vocab_identity_class, &rk_vocab_implementation_language,
        &rk_vocab_indicator_type, &rk_vocab_industry_sector, &rk_vocab_infrastructure_type,
        &rk_vocab_malware_capabilities, &rk_vocab_malware_result, &rk_vocab_malware_type,
        &rk_vocab_network_socket_address_family, &rk_vocab_network_socket_type,
        &rk_vocab_opinion, &rk_vocab_pattern_type, &rk_vocab_processor_architecture,
        &rk_vocab_region, &rk_vocab_report_type, &rk_vocab_threat_actor_type,
        &rk_vocab_threat_actor_role, &rk_vocab_threat_actor_sophistication, &rk_vocab_tool_type,
        &rk_vocab_windows_integrity_level, &rk_vocab_windows_pebinary_type,
        &rk_vocab_windows_registry_datatype, &rk_vocab_windows_service_start_type,
        &rk_vocab_windows_service_type, &rk_vocab_windows_service_status,
    };

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        for (size_t k = 0; k < all[i]->n; k++) {
            if ((k > 0 && strcmp(all[i]->v[k - 1], all[i]->v[k]) >= 0) ||
                !rk_stix_lookup_agrees(all[i], all[i]->n, all[i]->v[k], vocab_same))
                return all[i]->name;
        }
    }
    return NULL;
}
