/* fuzz.c - libFuzzer target: bytes -> rk_pattern_parse; when it parses, walk every node and
 * atom, format the paths, and evaluate against a small fixed set of observations. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "renkei/pattern.h"

static const char *OBSERVATIONS[] = {
        "{\"0\": {\"type\": \"file\", \"name\": \"foo.dll\", \"size\": 25536, \"hashes\": "
        "{\"MD5\": "
        "\"79054025255fb1a26e4bc422aef54eb4\", \"SHA-256\": "
        "\"aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f\"}, \"created\": "
        "\"2014-01-13T07:03:17Z\", \"parent_directory_ref\": \"2\", \"magic_number_hex\": "
        "\"ffd8\", "
        "\"extensions\": {\"windows-pebinary-ext\": {\"sections\": [{\"entropy\": 7.4}]}}}, "
        "\"2\": {\"type\": \"directory\", \"path\": \"C:\\\\Windows\\\\System32\", "
        "\"contains_refs\": [\"0\", \"2\"]}}",
        "{\"0\": {\"type\": \"network-traffic\", \"src_ref\": \"1\", \"dst_ref\": \"2\", "
        "\"protocols\": [\"tcp\"], \"dst_port\": 443}, \"1\": {\"type\": \"ipv4-addr\", \"value\": "
        "\"198.51.100.1\"}, \"2\": {\"type\": \"ipv6-addr\", \"value\": \"2001:db8::1\"}, "
        "\"3\": {\"type\": \"domain-name\", \"value\": \"example.com\", \"resolves_to_refs\": "
        "[\"1\"]}}",
        "{\"0\": {\"type\": \"artifact\", \"payload_bin\": \"1MOyoQIABAAAAAAA\"}, \"1\": "
        "{\"type\": "
        "\"email-message\", \"from_ref\": \"2\", \"subject\": \"e\\u0301t\\u00e9\"}, \"2\": "
        "{\"type\": \"email-addr\", \"value\": \"a@example.com\"}}",
};

static void walk(const struct rk_pattern_node *n, size_t *count)
{
    if (!n || ++*count > 100000)
        return;
    walk(n->left, count);
    walk(n->right, count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_pattern_observation obs[3];
    struct rk_pattern_match_opts opts = {2000, 1 << 22};
    struct rk_pattern *p = NULL;
    struct rk_err err;
    uint8_t used[3];
    char path[512];
    size_t count = 0;

    if (rk_pattern_parse(&p, (const char *)data, size, &err) != 0)
        return 0;
    walk(rk_pattern_root(p), &count);
    for (size_t i = 0; i < rk_pattern_atom_count(p); i++)
        rk_pattern_path_format(rk_pattern_atom_at(p, i), path, sizeof(path));
    (void)rk_pattern_is_simple_disjunction(p);
    for (size_t i = 0; i < 3; i++) {
        obs[i].first_sec = 1451606400 + (int64_t)i * 60;
        obs[i].first_nsec = 0;
        obs[i].last_sec = obs[i].first_sec + 30;
        obs[i].last_nsec = 0;
        obs[i].number_observed = i + 1;
        obs[i].objects = json_loads(OBSERVATIONS[i], 0, NULL);
    }
    (void)rk_pattern_match(p, obs, 3, &opts, used, &err);
    for (size_t i = 0; i < rk_pattern_atom_count(p); i++)
        (void)rk_pattern_atom_match(p, rk_pattern_atom_at(p, i),
                                    json_object_get(obs[i % 3].objects, "0"), obs[i % 3].objects);
    for (size_t i = 0; i < 3; i++)
        json_decref((json_t *)obs[i].objects);
    rk_pattern_free(p);
    return 0;
}
