/* helpers.c - temporary stores and hand-made STIX objects for the sync tests. */
#define _XOPEN_SOURCE 700
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tmpdir.h"
#include "renkei/stix.h"
#include "util/uuid.h"

void tmp_dir_make(char *out, size_t cap)
{
    rk_test_tmp_dir_make(out, cap, "sync");
}

void tmp_dir_remove(const char *dir)
{
    rk_test_tmp_dir_remove(dir);
}

struct rk_store *store_new(const char *dir)
{
    struct rk_store *st = NULL;
    struct rk_err err;
    char data[512];

    rk_err_clear(&err);
    snprintf(data, sizeof(data), "%s/data", dir);
    if (rk_store_open(&st, data, RK_STORE_CREATE, &err) != 0)
        fail_msg("open %s: %s", data, err.message);
    return st;
}

void collection_new(struct rk_store *st, const char *alias, char *id_out, size_t cap)
{
    struct rk_collection c;
    struct rk_err err;

    memset(&c, 0, sizeof(c));
    rk_err_clear(&err);
    snprintf(c.alias, sizeof(c.alias), "%s", alias);
    snprintf(c.title, sizeof(c.title), "Collection %s", alias);
    if (rk_store_collection_add(st, &c, &err) != 0)
        fail_msg("collection %s: %s", alias, err.message);
    if (id_out)
        snprintf(id_out, cap, "%s", c.id);
}

size_t indicator_json(char *buf, size_t cap, char *id, unsigned n, int tlp, const char *modified)
{
    char uuid[RK_UUID_STR], name[32], marking[128] = "";
    int len;

    snprintf(name, sizeof(name), "sync-%u", n);
    rk_uuid_v5(uuid, RK_UUID_NS_STIX, name, strlen(name));
    snprintf(id, 64, "indicator--%s", uuid);
    if (tlp != RK_TLP_NONE)
        snprintf(marking, sizeof(marking), ",\"object_marking_refs\":[\"%s\"]",
                 rk_tlp_marking_id((enum rk_tlp)tlp));
    len = snprintf(buf, cap,
                   "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
                   "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\","
                   "\"name\":\"indicator %u\",\"pattern\":\"[ipv4-addr:value = '10.0.%u.%u']\","
                   "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"%s}",
                   id, modified ? modified : "2024-01-01T00:00:00.000Z", n, n >> 8 & 255,
                   n & 255, marking);
    assert_true(len > 0 && (size_t)len < cap);
    return (size_t)len;
}

void put_json(struct rk_store *st, const char *coll, const struct rk_provenance *prov,
              const char *const *json, size_t n)
{
    struct rk_store_batch *b = NULL;
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_store_batch_begin(&b, st, coll, prov, &err) != 0)
        fail_msg("batch: %s", err.message);
    for (size_t i = 0; i < n; i++) {
        struct rk_stix_object *o = NULL;
        struct rk_store_object so;

        if (rk_stix_object_parse(&o, json[i], strlen(json[i]), NULL, NULL, &err) != 0)
            fail_msg("object %zu: %s", i, err.message);
        rk_store_object_from_stix(&so, o);
        if (rk_store_batch_put(b, &so, NULL, NULL, &err) != 0)
            fail_msg("put %zu: %s", i, err.message);
        rk_stix_object_free(o);
    }
    if (rk_store_batch_commit(b, &err) != 0)
        fail_msg("commit: %s", err.message);
}
