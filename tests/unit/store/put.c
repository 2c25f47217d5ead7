/* put.c - storing object versions: duplicates, conflicts, bad input, batches, the ATT&CK
 * corpus (ics-attack 17.1 then 18.1 holds 70 same id+modified objects with other content). */
#include "tests.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/digest.h"

/* Bytes of dir/name and of its log, as the file system counts them. */
static uint64_t files_bytes(const char *dir, const char *name)
{
    const char *suffixes[] = {"", "-wal"};
    uint64_t n = 0;

    for (size_t i = 0; i < 2; i++) {
        char path[600];
        struct stat sb;

        snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffixes[i]);
        if (stat(path, &sb) == 0)
            n += (uint64_t)sb.st_size;
    }
    return n;
}

static const char *const T1 = "2024-01-01T00:00:00.000Z";
static const char *const T2 = "2024-02-01T00:00:00.000Z";

struct conflicts {
    size_t n;
    char id[96], kept[65], offered[65], source[64], version[40];
};

static int note_conflict(const struct rk_store_conflict *c, void *ctx)
{
    struct conflicts *cs = ctx;

    cs->n++;
    snprintf(cs->id, sizeof(cs->id), "%s", c->id);
    snprintf(cs->kept, sizeof(cs->kept), "%s", c->kept_sha256);
    snprintf(cs->offered, sizeof(cs->offered), "%s", c->offered_sha256);
    snprintf(cs->source, sizeof(cs->source), "%s", c->source);
    snprintf(cs->version, sizeof(cs->version), "%s", c->version ? c->version : "");
    assert_true(c->at_us > 0);
    return 0;
}

static void sha_hex(const struct tobj *t, char out[65])
{
    uint8_t d[RK_SHA256_LEN];

    rk_sha256(t->json, t->o.json_len, d);
    rk_hex_encode(out, d, sizeof(d));
}

static void test_store_put__duplicate_and_conflict(void **state)
{
    char dir[256], data[300], hex[65];
    struct rk_store *st;
    struct rk_provenance prov = {.kind = "file", .source = "feed-a.json"};
    struct rk_store_batch *b = NULL;
    struct tobj objs[3], changed;
    enum rk_put_outcome out;
    struct rk_store_stats stats;
    struct conflicts cs = {0};
    struct rk_store_batch_counts bc;
    unsigned counts[3] = {0};
    int64_t first_added, again;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    for (unsigned i = 0; i < 3; i++)
        tobj_make(&objs[i], "malware", i, T1, T1, "\"is_family\":false", RK_TLP_CLEAR);
    put_all(st, "one", &prov, objs, 3, counts);
    assert_int_equal(counts[RK_PUT_STORED], 3);
    put_all(st, "one", &prov, objs, 3, counts);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 3);

    /* same id and modified, other content */
    tobj_make(&changed, "malware", 1, T1, T1, "\"is_family\":true", RK_TLP_CLEAR);
    prov.source = "feed-b.json";
    assert_int_equal(rk_store_batch_begin(&b, st, "one", &prov, &err), 0);
    assert_int_equal(rk_store_batch_put(b, &objs[1].o, &out, &first_added, &err), 0);
    assert_int_equal(out, RK_PUT_DUPLICATE);
    assert_int_equal(rk_store_batch_put(b, &changed.o, &out, &again, &err), 0);
    assert_int_equal(out, RK_PUT_CONFLICT);
    assert_int_equal(again, first_added); /* the kept version's date_added */
    assert_int_equal(rk_store_batch_put(b, &changed.o, &out, NULL, &err), 0);
    assert_int_equal(out, RK_PUT_CONFLICT); /* offered again: still a conflict, counted once */
    rk_store_batch_counts(b, &bc);
    assert_int_equal(bc.stored, 0);
    assert_int_equal(bc.duplicates, 1);
    assert_int_equal(bc.conflicts, 2);
    assert_int_equal(rk_store_batch_commit(b, &err), 0);

    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.collections, 1);
    assert_int_equal(stats.objects, 3);
    assert_int_equal(stats.versions, 3);
    assert_int_equal(stats.conflicts, 1);
    assert_true(stats.db_bytes > 0);
    assert_int_equal(rk_store_conflict_list(st, note_conflict, &cs, &err), 0);
    assert_int_equal(cs.n, 1);
    assert_string_equal(cs.id, changed.id);
    assert_string_equal(cs.version, T1);
    assert_string_equal(cs.source, "feed-b.json");
    sha_hex(&objs[1], hex);
    assert_string_equal(cs.kept, hex);
    sha_hex(&changed, hex);
    assert_string_equal(cs.offered, hex);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);

    /* reopened (the logs were copied in at close): the size is that of both database files */
    snprintf(data, sizeof(data), "%s/data", dir);
    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_true(files_bytes(data, "audit.db") > 0);
    assert_int_equal(stats.db_bytes, files_bytes(data, "renkei.db") + files_bytes(data, "audit.db"));
    rk_store_close(st);
    tmp_dir_remove(dir);
}

/* "...00Z" and "...00.000Z" are the same instant, so the same version. */
static void test_store_put__version_is_an_instant(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct tobj a, b;
    unsigned counts[3] = {0};

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&a, "tool", 1, "2024-01-01T00:00:00Z", "2024-03-01T10:00:00Z", NULL, 0);
    tobj_make(&b, "tool", 1, "2024-01-01T00:00:00Z", "2024-03-01T10:00:00.000Z", NULL, 0);
    put_all(st, "one", NULL, &a, 1, counts);
    put_all(st, "one", NULL, &b, 1, counts);
    assert_int_equal(counts[RK_PUT_STORED], 1);
    assert_int_equal(counts[RK_PUT_CONFLICT], 1);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_put__bad_objects_rejected_batch_kept(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct rk_store_batch *b = NULL, *b2 = NULL;
    struct tobj good[2], bad;
    enum rk_put_outcome out;
    struct rk_store_stats stats;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&good[0], "indicator", 1, T1, T1, NULL, RK_TLP_GREEN);
    tobj_make(&good[1], "indicator", 2, T1, T2, NULL, RK_TLP_GREEN);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(rk_store_batch_begin(&b2, st, "one", NULL, &err), RK_EINVAL);
    assert_null(b2);
    assert_int_equal(rk_store_batch_put(b, &good[0].o, &out, NULL, &err), 0);

    tobj_make(&bad, "indicator", 3, T1, "yesterday", NULL, RK_TLP_GREEN);
    rk_err_clear(&err);
    assert_int_equal(rk_store_batch_put(b, &bad.o, &out, NULL, &err), RK_EFORMAT);
    assert_string_equal(err.object_id, bad.id);
    assert_string_equal(err.path, "modified");
    assert_non_null(strstr(err.message, "modified"));

    tobj_make(&bad, "indicator", 4, "2024-13-01T00:00:00Z", T1, NULL, RK_TLP_GREEN);
    rk_err_clear(&err);
    assert_int_equal(rk_store_batch_put(b, &bad.o, &out, NULL, &err), RK_EFORMAT);
    assert_string_equal(err.path, "created");

    tobj_make(&bad, "indicator", 5, T1, T1, NULL, 9);
    assert_int_equal(rk_store_batch_put(b, &bad.o, &out, NULL, &err), RK_EINVAL);
    tobj_make(&bad, "indicator", 6, T1, T1, NULL, 0);
    bad.o.json_len = 17u * 1024 * 1024;
    assert_int_equal(rk_store_batch_put(b, &bad.o, &out, NULL, &err), RK_ELIMIT);
    tobj_make(&bad, "indicator", 7, T1, T1, NULL, 0);
    bad.o.id = "";
    assert_int_equal(rk_store_batch_put(b, &bad.o, &out, NULL, &err), RK_EINVAL);
    bad.o.id = "indicator--\x01";
    assert_int_equal(rk_store_batch_put(b, &bad.o, &out, NULL, &err), RK_EFORMAT);

    assert_int_equal(rk_store_batch_put(b, &good[1].o, &out, NULL, &err), 0);
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.versions, 2); /* the valid ones were kept */
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_put__abort_and_close_with_open_batch(void **state)
{
    char dir[256], data[300];
    struct rk_store *st;
    struct rk_store_batch *b = NULL;
    struct rk_store_stats stats;
    struct tobj o;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&o, "indicator", 1, T1, T1, NULL, 0);
    assert_int_equal(rk_store_batch_begin(&b, st, "nope", NULL, &err), RK_ENOTFOUND);
    assert_null(b);
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(rk_store_batch_put(b, &o.o, NULL, NULL, &err), 0);
    rk_store_batch_abort(b);
    rk_store_batch_abort(NULL);
    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.versions, 0);
    /* a write while a batch is open on the handle is refused, not nested */
    assert_int_equal(rk_store_batch_begin(&b, st, "one", NULL, &err), 0);
    assert_int_equal(rk_store_setting_set(st, "k", "v", &err), RK_EINVAL);
    assert_int_equal(rk_store_batch_put(b, &o.o, NULL, NULL, &err), 0);
    rk_store_close(st); /* aborts the open batch */
    snprintf(data, sizeof(data), "%s/data", dir);
    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.versions, 0);
    assert_int_equal(stats.collections, 1);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_put__date_added_increases(void **state)
{
    char dir[256], data[300];
    struct rk_store *st, *st2 = NULL;
    struct rk_store_batch *b = NULL;
    struct tobj o;
    int64_t prev = 0, added;
    struct rk_err err;

    st = store_new_tmp(dir, data);
    assert_int_equal(rk_store_open(&st2, data, 0, &err), 0);
    for (unsigned round = 0; round < 6; round++) {
        struct rk_store *h = round % 2 ? st2 : st;

        assert_int_equal(rk_store_batch_begin(&b, h, "one", NULL, &err), 0);
        for (unsigned i = 0; i < 200; i++) {
            tobj_make(&o, "indicator", round * 1000 + i, T1, T1, NULL, 0);
            assert_int_equal(rk_store_batch_put(b, &o.o, NULL, &added, &err), 0);
            assert_true(added > prev);
            prev = added;
        }
        assert_int_equal(rk_store_batch_commit(b, &err), 0);
    }
    rk_store_close(st);
    rk_store_close(st2);
    tmp_dir_remove(dir);
}

static void test_store_put__unversioned_objects(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct tobj a, a2, other;
    struct rk_store_query q;
    struct trows rows = {0};
    unsigned counts[3] = {0};

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    tobj_make(&a, "ipv4-addr", 1, NULL, NULL, "\"value\":\"198.51.100.1\"", RK_TLP_CLEAR);
    tobj_make(&a2, "ipv4-addr", 1, NULL, NULL, "\"value\":\"198.51.100.2\"", RK_TLP_CLEAR);
    tobj_make(&other, "ipv4-addr", 2, NULL, NULL, "\"value\":\"198.51.100.3\"", RK_TLP_CLEAR);
    put_all(st, "one", NULL, &a, 1, counts);
    put_all(st, "one", NULL, &a, 1, counts);
    put_all(st, "one", NULL, &a2, 1, counts);
    put_all(st, "one", NULL, &other, 1, counts);
    assert_int_equal(counts[RK_PUT_STORED], 2);
    assert_int_equal(counts[RK_PUT_DUPLICATE], 1);
    assert_int_equal(counts[RK_PUT_CONFLICT], 1);
    rk_store_query_init(&q);
    q.versions = RK_VERSIONS_ALL;
    query_all(st, &q, &rows, NULL);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.v[0].version, ""); /* no created, no modified: no version */
    rk_store_close(st);
    trows_free(&rows);
    tmp_dir_remove(dir);
}

/* ---- the ATT&CK corpus --------------------------------------------------------------------- */

static void import_bundle(struct rk_store *st, const char *name, unsigned counts[3])
{
    char path[512];
    struct rk_provenance prov = {.kind = "file", .source = name};
    struct rk_store_batch *b = NULL;
    json_error_t jerr;
    json_t *bundle, *objs, *obj;
    size_t i;
    struct rk_err err;

    snprintf(path, sizeof(path), "%s/stix/attack/%s", RK_CORPUS_DIR, name);
    bundle = json_load_file(path, 0, &jerr);
    if (!bundle)
        fail_msg("%s: %s", path, jerr.text);
    objs = json_object_get(bundle, "objects");
    assert_int_equal(rk_store_batch_begin(&b, st, "one", &prov, &err), 0);
    json_array_foreach(objs, i, obj)
    {
        struct rk_store_object o = {0};
        enum rk_put_outcome out;
        char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);

        o.id = json_string_value(json_object_get(obj, "id"));
        o.type = json_string_value(json_object_get(obj, "type"));
        o.spec_version = json_string_value(json_object_get(obj, "spec_version"));
        o.created = json_string_value(json_object_get(obj, "created"));
        o.modified = json_string_value(json_object_get(obj, "modified"));
        o.revoked = json_is_true(json_object_get(obj, "revoked"));
        o.json = text;
        o.json_len = strlen(text);
        o.tlp = RK_TLP_CLEAR;
        if (rk_store_batch_put(b, &o, &out, NULL, &err) != 0)
            fail_msg("%s: %s: %s", name, o.id, err.message);
        counts[out]++;
        free(text);
    }
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
    json_decref(bundle);
}

static void test_store_put__attack_corpus_conflicts(void **state)
{
    char dir[256];
    struct rk_store *st;
    struct rk_store_stats stats;
    struct rk_store_query q;
    struct conflicts cs = {0};
    unsigned first[3] = {0}, second[3] = {0};
    uint64_t n;
    struct rk_err err;

    tmp_dir_make(dir, sizeof(dir));
    st = store_new(dir);
    import_bundle(st, "ics-attack-17.1.json", first);
    assert_int_equal(first[RK_PUT_STORED], 1651);
    import_bundle(st, "ics-attack-18.1.json", second);
    assert_int_equal(second[RK_PUT_STORED], 490);
    assert_int_equal(second[RK_PUT_DUPLICATE], 1266);
    assert_int_equal(second[RK_PUT_CONFLICT], 70);

    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.versions, 2141);
    assert_int_equal(stats.objects, 2064);
    assert_int_equal(stats.conflicts, 70);
    assert_int_equal(rk_store_conflict_list(st, note_conflict, &cs, &err), 0);
    assert_int_equal(cs.n, 70);
    assert_string_equal(cs.source, "ics-attack-18.1.json");

    rk_store_query_init(&q);
    q.collection = "one";
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 2064); /* latest versions */
    q.versions = RK_VERSIONS_FIRST;
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 2064);
    q.versions = RK_VERSIONS_FIRST | RK_VERSIONS_LAST; /* 77 ids have two versions */
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_int_equal(n, 2141);
    q.types = (const char *const[]){"relationship"};
    q.n_types = 1;
    q.versions = RK_VERSIONS_ALL;
    assert_int_equal(rk_store_count(st, &q, &n, &err), 0);
    assert_true(n >= 1373);
    /* an attack pattern of ICS 17.1 at its version, at another version, at any version */
    assert_true(rk_store_holds(st, "one", "attack-pattern--008b8f56-6107-48be-aa9f-746f927dbb61",
                               "2025-04-15T19:58:01.218Z"));
    assert_false(rk_store_holds(st, "one", "attack-pattern--008b8f56-6107-48be-aa9f-746f927dbb61",
                                "2025-04-15T19:58:01.219Z"));
    assert_true(rk_store_holds(st, "one", "attack-pattern--008b8f56-6107-48be-aa9f-746f927dbb61",
                               "")); /* any version */
    assert_false(rk_store_holds(st, "one", "attack-pattern--00000000-6107-48be-aa9f-746f927dbb61",
                                ""));
    assert_false(rk_store_holds(st, "no-such-collection",
                                "attack-pattern--008b8f56-6107-48be-aa9f-746f927dbb61", ""));
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_put_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_put__duplicate_and_conflict),
            cmocka_unit_test(test_store_put__version_is_an_instant),
            cmocka_unit_test(test_store_put__bad_objects_rejected_batch_kept),
            cmocka_unit_test(test_store_put__abort_and_close_with_open_batch),
            cmocka_unit_test(test_store_put__date_added_increases),
            cmocka_unit_test(test_store_put__unversioned_objects),
            cmocka_unit_test(test_store_put__attack_corpus_conflicts),
    };
    return cmocka_run_group_tests_name("store_put", tests, NULL, NULL);
}
