/* gen_stix.c - deterministic generator of a large STIX 2.1 bundle for the import benchmark.
 *
 *   gen_stix N SEED > bundle.json
 *
 * Writes one bundle with N objects, one object per line: 60% indicators (IPv4, domain, URL
 * and SHA-256 patterns), 25% relationships, 15% other SDOs (malware, attack-pattern,
 * threat-actor, campaign, identity, vulnerability) with realistic sizes (300-1500 bytes),
 * markings, kill chains and external references. The same N and SEED give the same bytes.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/bench_util.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
    return bench_rnd(&rng_state);
}

static unsigned pick(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static void uuid(char out[37])
{
    uint64_t a = rnd(), b = rnd();

    snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012" PRIx64, (unsigned)(a >> 32),
             (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, (unsigned)(0x8000 | (b >> 48 & 0x3fff)),
             b & UINT64_C(0xffffffffffff));
}

static void timestamp(char out[32], unsigned day_offset)
{
    unsigned day = 1 + day_offset % 28, month = 1 + (day_offset / 28) % 12;

    snprintf(out, 32, "20%02u-%02u-%02uT%02u:%02u:%02u.%03uZ", 20 + (day_offset / 336) % 6,
             month, day, pick(24), pick(60), pick(60), pick(1000));
}

static const char *const words[] = {
        "campaign", "loader", "beacon", "phishing", "credential", "exfiltration", "ransomware",
        "botnet", "command", "control", "infrastructure", "observed", "targeting", "energy",
        "telecommunications", "government", "financial", "sector", "actors", "lateral",
        "movement", "persistence", "scheduled", "task", "registry", "payload", "dropper",
        "obfuscated", "powershell", "macro", "document", "spearphishing", "vulnerability"};

static void sentence(char *out, size_t cap, unsigned n_words)
{
    size_t len = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < n_words && len + 24 < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "",
                                words[pick(sizeof(words) / sizeof(words[0]))]);
}

static const char *const tlp_ids[] = {
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", /* TLP 2.0 CLEAR */
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", /* GREEN */
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", /* AMBER */
};
static const char *identity_id = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff";

static void common(char *type, char *id_out, char *created, char *modified)
{
    char u[37];
    unsigned day = pick(2000);

    uuid(u);
    snprintf(id_out, 128, "%s--%s", type, u);
    timestamp(created, day);
    timestamp(modified, day + pick(30));
    if (strcmp(modified, created) < 0)
        memcpy(modified, created, 32);
}

static void indicator(char ids[][128], size_t *n_ids)
{
    char id[128], c[32], m[32], desc[512], pattern[256];
    unsigned kind = pick(4);

    common("indicator", id, c, m);
    if (kind == 0)
        snprintf(pattern, sizeof(pattern), "[ipv4-addr:value = '%u.%u.%u.%u']", 1 + pick(223),
                 pick(256), pick(256), 1 + pick(254));
    else if (kind == 1)
        snprintf(pattern, sizeof(pattern), "[domain-name:value = 'host%u.%s.example']", pick(100000),
                 words[pick(sizeof(words) / sizeof(words[0]))]);
    else if (kind == 2)
        snprintf(pattern, sizeof(pattern), "[url:value = 'http://198.51.100.%u/%s/%u.php']",
                 pick(255), words[pick(10)], pick(100000));
    else
        snprintf(pattern, sizeof(pattern), "[file:hashes.'SHA-256' = '%016" PRIx64 "%016" PRIx64
                 "%016" PRIx64 "%016" PRIx64 "']", rnd(), rnd(), rnd(), rnd());
    sentence(desc, sizeof(desc), 8 + pick(30));
    printf("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created_by_ref\":\"%s\","
           "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"Indicator %u\",\"description\":\"%s\","
           "\"indicator_types\":[\"malicious-activity\"],\"pattern\":\"%s\",\"pattern_type\":\"stix\","
           "\"valid_from\":\"%s\",\"confidence\":%u,\"labels\":[\"%s\"],"
           "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":\"command-and-control\"}],"
           "\"object_marking_refs\":[\"%s\"]}",
           id, identity_id, c, m, pick(1000000), desc, pattern, c, pick(101),
           words[pick(sizeof(words) / sizeof(words[0]))], tlp_ids[pick(3)]);
    memcpy(ids[(*n_ids)++ % 1024], id, 128);
}

static void relationship(char ids[][128], size_t n_ids)
{
    char id[128], c[32], m[32];
    const char *src = ids[pick(n_ids < 1024 ? (unsigned)n_ids : 1024)];
    const char *dst = ids[pick(n_ids < 1024 ? (unsigned)n_ids : 1024)];

    common("relationship", id, c, m);
    printf("{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created_by_ref\":\"%s\","
           "\"created\":\"%s\",\"modified\":\"%s\",\"relationship_type\":\"indicates\","
           "\"source_ref\":\"%s\",\"target_ref\":\"%s\",\"object_marking_refs\":[\"%s\"]}",
           id, identity_id, c, m, src, dst, tlp_ids[pick(3)]);
}

static void other_sdo(char ids[][128], size_t *n_ids)
{
    static const char *const types[] = {"malware", "attack-pattern", "threat-actor", "campaign",
                                        "vulnerability", "identity"};
    const char *type = types[pick(6)];
    char id[128], c[32], m[32], desc[1200], extra[256] = "";

    common((char *)type, id, c, m);
    sentence(desc, sizeof(desc), 40 + pick(120));
    if (strcmp(type, "malware") == 0)
        snprintf(extra, sizeof(extra), ",\"is_family\":true,\"malware_types\":[\"remote-access-trojan\"]");
    else if (strcmp(type, "identity") == 0)
        snprintf(extra, sizeof(extra), ",\"identity_class\":\"organization\",\"sectors\":[\"energy\"]");
    else if (strcmp(type, "threat-actor") == 0)
        snprintf(extra, sizeof(extra), ",\"threat_actor_types\":[\"nation-state\"],\"aliases\":[\"APT%u\"]", pick(100));
    printf("{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created_by_ref\":\"%s\","
           "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"%s %u\",\"description\":\"%s\"%s,"
           "\"external_references\":[{\"source_name\":\"renkei-bench\",\"url\":\"https://example.org/%u\","
           "\"external_id\":\"RB-%u\"}],\"object_marking_refs\":[\"%s\"]}",
           type, id, identity_id, c, m, type, pick(100000), desc, extra, pick(1000000),
           pick(1000000), tlp_ids[pick(3)]);
    memcpy(ids[(*n_ids)++ % 1024], id, 128);
}

int main(int argc, char **argv)
{
    static char ids[1024][128];
    size_t n_ids = 0;
    unsigned long long n;
    char bundle[37];

    if (argc != 3) {
        fprintf(stderr, "usage: gen_stix N SEED > bundle.json\n");
        return 2;
    }
    n = strtoull(argv[1], NULL, 10);
    rng_state = strtoull(argv[2], NULL, 10);
    uuid(bundle);
    printf("{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[\n", bundle);
    for (unsigned long long i = 0; i < n; i++) {
        unsigned r = pick(100);

        if (i)
            fputs(",\n", stdout);
        if (r < 60 || n_ids < 2)
            indicator(ids, &n_ids);
        else if (r < 85)
            relationship(ids, n_ids);
        else
            other_sdo(ids, &n_ids);
    }
    fputs("\n]}\n", stdout);
    return ferror(stdout) ? 1 : 0;
}
