/* helpers.c - temporary stores, hand-written objects and row collectors for the store tests. */
#define _XOPEN_SOURCE 700
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tmpdir.h"
#include "util/alloc.h"
#include "util/uuid.h"

void tmp_dir_make(char *out, size_t cap)
{
    rk_test_tmp_dir_make(out, cap, "store");
}

void tmp_dir_remove(const char *dir)
{
    rk_test_tmp_dir_remove(dir);
}

struct rk_store *store_new(const char *dir)
{
    struct rk_collection c = {0};
    struct rk_store *st = NULL;
    struct rk_err err;
    char data[512];

    rk_err_clear(&err);
    snprintf(data, sizeof(data), "%s/data", dir);
    assert_int_equal(rk_store_open(&st, data, RK_STORE_CREATE, &err), 0);
    snprintf(c.alias, sizeof(c.alias), "one");
    snprintf(c.title, sizeof(c.title), "Collection one");
    assert_int_equal(rk_store_collection_add(st, &c, &err), 0);
    return st;
}

struct rk_store *store_new_tmp(char dir[256], char data[300])
{
    tmp_dir_make(dir, 256);
    snprintf(data, 300, "%s/data", dir);
    return store_new(dir);
}

void store_c1(struct rk_store *st, char *id_out, size_t cap)
{
    struct rk_collection c;

    assert_int_equal(rk_store_collection_get(st, "one", &c, NULL), 0);
    snprintf(id_out, cap, "%s", c.id);
}

void tobj_make(struct tobj *t, const char *type, unsigned n, const char *created,
               const char *modified, const char *extra, int tlp)
{
    char uuid[RK_UUID_STR];
    char name[32];
    int len;

    memset(t, 0, sizeof(*t));
    snprintf(name, sizeof(name), "%u", n);
    rk_uuid_v5(uuid, RK_UUID_NS_STIX, name, strlen(name));
    snprintf(t->id, sizeof(t->id), "%s--%s", type, uuid);
    snprintf(t->type, sizeof(t->type), "%s", type);
    if (created)
        snprintf(t->created, sizeof(t->created), "%s", created);
    if (modified)
        snprintf(t->modified, sizeof(t->modified), "%s", modified);
    len = snprintf(t->json, sizeof(t->json),
                   "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\"%s%s%s%s%s%s"
                   ",\"name\":\"object %u\"%s%s}",
                   type, t->id, created ? ",\"created\":\"" : "", created ? created : "",
                   created ? "\"" : "", modified ? ",\"modified\":\"" : "",
                   modified ? modified : "", modified ? "\"" : "", n, extra ? "," : "",
                   extra ? extra : "");
    assert_true(len > 0 && len < (int)sizeof(t->json));
    t->o.id = t->id;
    t->o.type = t->type;
    t->o.spec_version = "2.1";
    t->o.created = created ? t->created : NULL;
    t->o.modified = modified ? t->modified : NULL;
    t->o.json = t->json;
    t->o.json_len = (size_t)len;
    t->o.tlp = tlp;
}

void put_all(struct rk_store *st, const char *coll, const struct rk_provenance *prov,
             struct tobj *objs, size_t n, unsigned counts[3])
{
    struct rk_store_batch *b = NULL;
    enum rk_put_outcome outcome;
    struct rk_err err;
    int64_t added;

    rk_err_clear(&err);
    if (rk_store_batch_begin(&b, st, coll, prov, &err) != 0)
        fail_msg("batch begin: %s", err.message);
    for (size_t i = 0; i < n; i++) {
        int rc = rk_store_batch_put(b, &objs[i].o, &outcome, &added, &err);

        if (rc != 0)
            fail_msg("put %s: %s", objs[i].id, err.message);
        assert_true(added > 0);
        if (counts)
            counts[outcome]++;
    }
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
}

int trows_collect(const struct rk_store_row *row, void *ctx)
{
    struct trows *r = ctx;
    struct trow *t;

    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct trow *v = rk_reallocarray(r->v, cap, sizeof(*v));

        assert_non_null(v);
        r->v = v;
        r->cap = cap;
    }
    t = &r->v[r->n++];
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", row->id ? row->id : ""); /* none: json_only */
    snprintf(t->type, sizeof(t->type), "%s", row->type ? row->type : "");
    snprintf(t->version, sizeof(t->version), "%s", row->version ? row->version : "");
    snprintf(t->spec_version, sizeof(t->spec_version), "%s",
             row->spec_version ? row->spec_version : "");
    t->date_added = row->date_added_us;
    t->tlp = row->tlp;
    t->has_json = row->json != NULL;
    if (row->json) /* json_len bytes, no terminator: no NUL inside them */
        assert_null(memchr(row->json, '\0', row->json_len));
    return 0;
}

void trows_free(struct trows *r)
{
    rk_free(r->v);
    memset(r, 0, sizeof(*r));
}

void query_all(struct rk_store *st, const struct rk_store_query *q, struct trows *out,
               struct rk_store_page *page)
{
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_store_query(st, q, trows_collect, out, page, &err) != 0)
        fail_msg("query: %s", err.message);
}

const char *versions_of(struct rk_store *st, const char *id, unsigned versions, char *out,
                               size_t cap)
{
    struct rk_store_query q;
    struct trows rows = {0};

    rk_store_query_init(&q);
    q.ids = &id;
    q.n_ids = 1;
    q.versions = versions;
    query_all(st, &q, &rows, NULL);
    out[0] = '\0';
    for (size_t i = 0; i < rows.n; i++) {
        size_t len = strlen(out);

        snprintf(out + len, cap - len, "%s%.7s", i ? " " : "", rows.v[i].version);
    }
    trows_free(&rows);
    return out;
}
