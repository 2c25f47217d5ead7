/* checkpoint.c - the server's checkpoint thread (server_checkpoint.c): it copies the log when
 * woken, counts what it copied, and stops promptly whether or not it ever ran. */
#include "tests.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/tmpdir.h"
#include "renkei/store.h"
#include "taxii/server.h"
#include "util/uuid.h"

static void put_indicators(struct rk_store *st, const char *coll, unsigned n)
{
    struct rk_store_batch *b = NULL;
    struct rk_store_object o;
    char id[96], json[256];
    struct rk_err err;

    assert_int_equal(rk_store_batch_begin(&b, st, coll, NULL, &err), 0);
    for (unsigned i = 0; i < n; i++) {
        char uuid[RK_UUID_STR], name[16];

        snprintf(name, sizeof(name), "%u", i);
        rk_uuid_v5(uuid, RK_UUID_NS_STIX, name, strlen(name));
        snprintf(id, sizeof(id), "indicator--%s", uuid);
        memset(&o, 0, sizeof(o));
        o.id = id;
        o.type = "indicator";
        o.spec_version = "2.1";
        o.created = o.modified = "2024-01-01T00:00:00.000Z";
        o.json_len = (size_t)snprintf(json, sizeof(json),
                                      "{\"type\":\"indicator\",\"id\":\"%s\",\"n\":%u}", id, i);
        o.json = json;
        assert_int_equal(rk_store_batch_put(b, &o, NULL, NULL, &err), 0);
    }
    assert_int_equal(rk_store_batch_commit(b, &err), 0);
}

/* Poll the thread's counters until it has run once (up to 20 s under sanitizers). */
static void wait_for_pass(struct rk_taxii_checkpointer *c, uint64_t *passes, uint64_t *frames)
{
    struct timespec pause = {0, 10 * 1000 * 1000};

    for (int i = 0; i < 2000; i++) {
        rk_taxii_checkpointer_stats(c, passes, frames);
        if (*passes > 0)
            return;
        nanosleep(&pause, NULL);
    }
}

/* A new store in a new temporary directory, with collection "main" in *coll when given. */
static struct rk_store *new_store(char *dir, size_t cap, struct rk_collection *coll)
{
    struct rk_store *st = NULL;
    struct rk_err err;

    rk_test_tmp_dir_make(dir, cap, "ckpt");
    assert_int_equal(rk_store_open(&st, dir, RK_STORE_CREATE, &err), 0);
    if (coll) {
        memset(coll, 0, sizeof(*coll));
        snprintf(coll->alias, sizeof(coll->alias), "main");
        snprintf(coll->title, sizeof(coll->title), "Main");
        assert_int_equal(rk_store_collection_add(st, coll, &err), 0);
    }
    return st;
}

static void test_taxii_checkpoint__copies_when_woken(void **state)
{
    struct rk_taxii_checkpointer *c = NULL;
    struct rk_collection coll;
    uint64_t passes = 0, frames = 0;
    struct rk_err err;
    char dir[256];
    struct rk_store *st = new_store(dir, sizeof(dir), &coll);

    (void)state;
    assert_int_equal(rk_store_checkpoint_every(st, 0, &err), 0); /* the thread's job alone */
    assert_int_equal(rk_taxii_checkpointer_start(&c, dir, &err), 0);

    put_indicators(st, coll.id, 500);
    rk_taxii_checkpointer_stats(c, &passes, &frames);
    assert_int_equal(passes, 0); /* nothing runs until woken */
    rk_taxii_checkpointer_wake(c);
    wait_for_pass(c, &passes, &frames);
    assert_int_equal(passes, 1);
    assert_true(frames >= (uint64_t)rk_store_log_pages(st));
    assert_true(frames > 0);
    rk_taxii_checkpointer_stop(c);
    rk_store_close(st);
    rk_test_tmp_dir_remove(dir);
}

static void test_taxii_checkpoint__stops_without_work(void **state)
{
    struct rk_taxii_checkpointer *c = NULL;
    uint64_t passes = 1, frames = 1;
    struct rk_err err;
    char dir[256];
    struct rk_store *st = new_store(dir, sizeof(dir), NULL);

    (void)state;
    assert_int_equal(rk_taxii_checkpointer_start(&c, dir, &err), 0);
    rk_taxii_checkpointer_stop(c);
    /* NULL is accepted everywhere, with zero counters */
    rk_taxii_checkpointer_wake(NULL);
    rk_taxii_checkpointer_stats(NULL, &passes, &frames);
    assert_int_equal(passes, 0);
    assert_int_equal(frames, 0);
    rk_taxii_checkpointer_stop(NULL);
    rk_store_close(st);

    /* no store there: a clear error, no thread */
    c = (struct rk_taxii_checkpointer *)&err;
    assert_int_not_equal(rk_taxii_checkpointer_start(&c, "/nonexistent/renkei", &err), 0);
    assert_null(c);
    assert_non_null(strstr(err.message, "/nonexistent/renkei"));
    rk_test_tmp_dir_remove(dir);
}

int test_taxii_checkpoint_run(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taxii_checkpoint__copies_when_woken),
        cmocka_unit_test(test_taxii_checkpoint__stops_without_work),
    };

    return cmocka_run_group_tests_name("taxii_checkpoint", tests, NULL, NULL);
}
