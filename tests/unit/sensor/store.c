/* store.c - the store's sensor tables: the registry (names, fields, removal with everything
 * of a sensor), bins by sensor and time range (bounds, order, unpublished, limits), the file
 * ledger, alerts deduplicated by identity with revisions, and transactions all or nothing. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tmpdir.h"
#include "renkei/store_sensor.h"
#include "util/strparse.h"

static char dir[256];

static struct rk_store *open_store(void)
{
    struct rk_store *st;
    char path[300];

    rk_test_tmp_dir_make(dir, sizeof(dir), "sensor");
    snprintf(path, sizeof(path), "%s/data", dir);
    assert_int_equal(rk_store_open(&st, path, RK_STORE_CREATE, NULL), 0);
    return st;
}

static void close_store(struct rk_store *st)
{
    rk_store_close(st);
    rk_test_tmp_dir_remove(dir);
}

static void add(struct rk_store *st, const char *name, const char *prefixes)
{
    struct rk_store_sensor s;

    memset(&s, 0, sizeof(s));
    rk_strlcpy(s.name, name, sizeof(s.name));
    rk_strlcpy(s.prefixes, prefixes, sizeof(s.prefixes));
    rk_strlcpy(s.country, "JP", sizeof(s.country));
    s.tlp = RK_TLP_GREEN;
    s.bin_secs = 3600;
    assert_int_equal(rk_store_sensor_add(st, &s, NULL), 0);
}

static void put_bin(struct rk_store *st, const char *sensor, int64_t start, uint64_t packets,
                    uint32_t rev)
{
    struct rk_store_sensor_bin b;
    char data[32];

    memset(&b, 0, sizeof(b));
    snprintf(data, sizeof(data), "%s@%lld", sensor, (long long)start);
    b.sensor = sensor;
    b.start = start;
    b.secs = 3600;
    b.packets = packets;
    b.sources = packets / 2;
    b.revision = rev;
    b.created_us = 1;
    b.updated_us = 2;
    b.data = data;
    b.data_len = strlen(data);
    assert_int_equal(rk_store_sensor_bin_put(st, &b, NULL), 0);
}

struct seen {
    char what[64][48];
    size_t n;
};

static int collect_bin(const struct rk_store_sensor_bin *b, void *ctx)
{
    struct seen *s = ctx;

    assert_true(s->n < 64);
    if (b->data)
        snprintf(s->what[s->n++], 48, "%.*s=%llu", (int)b->data_len, (const char *)b->data,
                 (unsigned long long)b->packets);
    else
        snprintf(s->what[s->n++], 48, "%s/%lld", b->sensor, (long long)b->start);
    return 0;
}

static void test_sensor_store__registry(void **state)
{
    struct rk_store *st = open_store();
    struct rk_store_sensor s, got;
    struct rk_store_sensor_removed removed;
    struct rk_store_sensor_stats stats;
    struct rk_err err;

    (void)state;
    add(st, "tokyo-1", "198.18.0.0/16");
    add(st, "delhi-1", "192.0.2.0/24,203.0.113.0/24");
    assert_int_equal(rk_store_sensor_get(st, "delhi-1", &got, NULL), 0);
    assert_string_equal(got.prefixes, "192.0.2.0/24,203.0.113.0/24");
    assert_int_equal(got.bin_secs, 3600);
    assert_true(got.created_us > 0);
    /* names, duplicates, bad fields */
    memset(&s, 0, sizeof(s));
    rk_strlcpy(s.name, "tokyo-1", sizeof(s.name));
    rk_strlcpy(s.prefixes, "10.0.0.0/8", sizeof(s.prefixes));
    s.bin_secs = 3600;
    assert_int_equal(rk_store_sensor_add(st, &s, &err), RK_EEXISTS);
    assert_non_null(strstr(err.message, "exists already"));
    rk_strlcpy(s.name, "bad name", sizeof(s.name));
    assert_int_equal(rk_store_sensor_add(st, &s, &err), RK_EFORMAT);
    rk_strlcpy(s.name, "ok", sizeof(s.name));
    s.bin_secs = 7000;
    assert_int_equal(rk_store_sensor_add(st, &s, &err), RK_EINVAL);
    assert_non_null(strstr(err.message, "divide a day"));
    s.bin_secs = 600;
    rk_strlcpy(s.country, "jp", sizeof(s.country));
    assert_int_equal(rk_store_sensor_add(st, &s, &err), RK_EFORMAT);
    assert_int_equal(rk_store_sensor_get(st, "nobody", &got, &err), RK_ENOTFOUND);
    /* removal takes the sensor's bins, ledger and alerts along, and nothing else */
    put_bin(st, "tokyo-1", 3600, 10, 1);
    put_bin(st, "tokyo-1", 7200, 20, 1);
    put_bin(st, "delhi-1", 3600, 5, 1);
    assert_int_equal(rk_store_sensor_stats(st, "tokyo-1", &stats, NULL), 0);
    assert_int_equal(stats.bins, 2);
    assert_int_equal(stats.packets, 30);
    assert_int_equal(stats.first_start, 3600);
    assert_int_equal(stats.last_start, 7200);
    assert_int_equal(rk_store_sensor_remove(st, "tokyo-1", &removed, NULL), 0);
    assert_int_equal(removed.bins, 2);
    assert_int_equal(rk_store_sensor_remove(st, "tokyo-1", &removed, &err), RK_ENOTFOUND);
    assert_int_equal(rk_store_sensor_stats(st, "delhi-1", &stats, NULL), 0);
    assert_int_equal(stats.bins, 1);
    close_store(st);
}

static void test_sensor_store__bins_by_range(void **state)
{
    struct rk_store *st = open_store();
    struct rk_store_sensor_bin_query q;
    const char *one[] = {"b"};
    const char *unknown[] = {"zz"};
    struct seen s;
    struct rk_err err;

    (void)state;
    add(st, "a", "198.18.0.0/16");
    add(st, "b", "198.19.0.0/16");
    for (int64_t t = 0; t < 5; t++) {
        put_bin(st, "b", t * 3600, (uint64_t)t, 1);
        put_bin(st, "a", t * 3600, (uint64_t)(10 + t), 1);
    }
    put_bin(st, "a", 3600, 99, 2); /* a merge replaces the row */
    rk_store_sensor_bin_query_init(&q);
    q.since = 3600;
    q.until = 3 * 3600; /* [since, until) */
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_bins(st, &q, collect_bin, &s, NULL), 0);
    assert_int_equal(s.n, 4);
    /* by start, then registration order */
    assert_string_equal(s.what[0], "a@3600=99");
    assert_string_equal(s.what[1], "b@3600=1");
    assert_string_equal(s.what[2], "a@7200=12");
    assert_string_equal(s.what[3], "b@7200=2");
    q.sensors = one;
    q.n_sensors = 1;
    q.newest_first = 1;
    q.without_data = 1;
    q.since = INT64_MIN;
    q.until = INT64_MAX;
    q.limit = 2;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_bins(st, &q, collect_bin, &s, NULL), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "b/14400");
    assert_string_equal(s.what[1], "b/10800");
    /* unpublished: revision above published_rev */
    rk_store_sensor_bin_query_init(&q);
    q.unpublished = 1;
    assert_int_equal(rk_store_sensor_bin_published(st, "a", 3600, 2, NULL), 0);
    assert_int_equal(rk_store_sensor_bin_published(st, "b", 0, 1, NULL), 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_bins(st, &q, collect_bin, &s, NULL), 0);
    assert_int_equal(s.n, 8);
    q.sensors = unknown;
    q.n_sensors = 1;
    assert_int_equal(rk_store_sensor_bins(st, &q, collect_bin, &s, &err), RK_ENOTFOUND);
    assert_non_null(strstr(err.message, "no sensor named 'zz'"));
    close_store(st);
}

static void test_sensor_store__ledger(void **state)
{
    struct rk_store *st = open_store();
    struct rk_store_sensor_file f, got;
    char path[64];
    struct rk_err err;

    (void)state;
    add(st, "a", "198.18.0.0/16");
    add(st, "b", "198.19.0.0/16");
    memset(&f, 0, sizeof(f));
    f.sensor = "a";
    memset(f.fingerprint, 0xab, sizeof(f.fingerprint));
    f.path = "captures/x.pcap";
    f.size = 1234;
    f.frames = 10;
    f.ingested_us = 5;
    assert_int_equal(rk_store_sensor_file_get(st, "a", f.fingerprint, &got, NULL, 0, NULL),
                     RK_ENOTFOUND);
    assert_int_equal(rk_store_sensor_file_add(st, &f, NULL), 0);
    assert_int_equal(rk_store_sensor_file_add(st, &f, &err), RK_EEXISTS);
    assert_int_equal(
            rk_store_sensor_file_get(st, "a", f.fingerprint, &got, path, sizeof(path), NULL), 0);
    assert_string_equal(got.path, "captures/x.pcap");
    assert_int_equal(got.size, 1234);
    assert_int_equal(got.frames, 10);
    /* per sensor */
    assert_int_equal(rk_store_sensor_file_get(st, "b", f.fingerprint, &got, NULL, 0, NULL),
                     RK_ENOTFOUND);
    close_store(st);
}

struct alerts_seen {
    char what[16][96];
    size_t n;
};

static int collect_alert(const struct rk_store_sensor_alert *a, void *ctx)
{
    struct alerts_seen *s = ctx;

    snprintf(s->what[s->n++], 96, "%s/%s/%u/%u/%lld rev %u pub %u %s", a->sensor, a->rule, a->proto,
             a->port, (long long)a->bin_start, a->revision, a->published_rev, a->json);
    return 0;
}

static void test_sensor_store__alerts(void **state)
{
    struct rk_store *st = open_store();
    struct rk_store_sensor_alert a;
    struct rk_store_sensor_alert_query q;
    enum rk_store_alert_outcome o;
    struct alerts_seen s;
    const char *star[] = {"*"};

    (void)state;
    add(st, "a", "198.18.0.0/16");
    memset(&a, 0, sizeof(a));
    a.sensor = "a";
    a.rule = "surge";
    a.proto = 6;
    a.port = 23;
    a.bin_start = 7200;
    a.bin_secs = 3600;
    a.json = "{\"sources\":40}";
    assert_int_equal(rk_store_sensor_alert_put(st, &a, &o, NULL), 0);
    assert_int_equal(o, RK_STORE_ALERT_NEW);
    assert_int_equal(rk_store_sensor_alert_put(st, &a, &o, NULL), 0);
    assert_int_equal(o, RK_STORE_ALERT_UNCHANGED);
    assert_int_equal(rk_store_sensor_alert_published(st, &a, 1, NULL), 0);
    a.json = "{\"sources\":55}"; /* raised again after a merge: new figures */
    assert_int_equal(rk_store_sensor_alert_put(st, &a, &o, NULL), 0);
    assert_int_equal(o, RK_STORE_ALERT_UPDATED);
    a.sensor = "*";
    a.bin_start = 3600;
    assert_int_equal(rk_store_sensor_alert_put(st, &a, &o, NULL), 0);
    assert_int_equal(o, RK_STORE_ALERT_NEW);
    rk_store_sensor_alert_query_init(&q);
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_alerts(st, &q, collect_alert, &s, NULL), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.what[0], "*/surge/6/23/3600 rev 1 pub 0 {\"sources\":55}");
    assert_string_equal(s.what[1], "a/surge/6/23/7200 rev 2 pub 1 {\"sources\":55}");
    q.sensors = star;
    q.n_sensors = 1;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_alerts(st, &q, collect_alert, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    rk_store_sensor_alert_query_init(&q);
    q.since = 7200;
    q.unpublished = 1;
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_alerts(st, &q, collect_alert, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    close_store(st);
}

static void test_sensor_store__transaction(void **state)
{
    struct rk_store *st = open_store();
    struct rk_store_sensor_bin_query q;
    struct rk_store_batch *batch;
    struct seen s;
    struct rk_err err;

    (void)state;
    add(st, "a", "198.18.0.0/16");
    assert_int_equal(rk_store_sensor_begin(st, NULL), 0);
    assert_int_equal(rk_store_sensor_begin(st, &err), RK_EINVAL);
    put_bin(st, "a", 0, 1, 1);
    put_bin(st, "a", 3600, 2, 1);
    rk_store_sensor_abort(st);
    rk_store_sensor_bin_query_init(&q);
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_bins(st, &q, collect_bin, &s, NULL), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(rk_store_sensor_begin(st, NULL), 0);
    put_bin(st, "a", 0, 1, 1);
    /* no object batch inside a sensor transaction */
    assert_true(rk_store_batch_begin(&batch, st, "x", NULL, &err) != 0);
    assert_int_equal(rk_store_sensor_commit(st, NULL), 0);
    memset(&s, 0, sizeof(s));
    assert_int_equal(rk_store_sensor_bins(st, &q, collect_bin, &s, NULL), 0);
    assert_int_equal(s.n, 1);
    close_store(st);
}

int test_sensor_store_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_store__registry),
            cmocka_unit_test(test_sensor_store__bins_by_range),
            cmocka_unit_test(test_sensor_store__ledger),
            cmocka_unit_test(test_sensor_store__alerts),
            cmocka_unit_test(test_sensor_store__transaction),
    };

    return cmocka_run_group_tests_name("sensor_store", tests, NULL, NULL);
}
