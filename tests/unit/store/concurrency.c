/* concurrency.c - two processes writing one store at once: date_added stays unique and
 * increasing across them, batch by batch; the same ids written by both are stored once. */
#include "tests.h"

#include "store/debug.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS   2
#define BATCHES   15
#define PER_BATCH 100

/* Each writer puts BATCHES batches; objects of one batch share the type x-w<writer>-b<batch>. */
static int writer(const char *data, unsigned w)
{
    struct rk_store *st = NULL;
    struct rk_err err;
    int64_t prev = 0;

    if (rk_store_open(&st, data, 0, &err) != 0)
        return 2;
    for (unsigned batch = 0; batch < BATCHES; batch++) {
        struct rk_store_batch *b = NULL;
        char type[64];

        snprintf(type, sizeof(type), "x-w%u-b%02u", w, batch);
        if (rk_store_batch_begin(&b, st, "one", NULL, &err) != 0)
            return 3;
        for (unsigned i = 0; i < PER_BATCH; i++) {
            struct tobj o;
            int64_t added;

            tobj_make(&o, type, w * 100000 + batch * 1000 + i, "2024-01-01T00:00:00Z",
                      "2024-01-01T00:00:00Z", NULL, 0);
            if (rk_store_batch_put(b, &o.o, NULL, &added, &err) != 0 || added <= prev)
                return 4;
            prev = added;
        }
        if (rk_store_batch_commit(b, &err) != 0)
            return 5;
    }
    rk_store_close(st);
    return 0;
}

/* Each writer puts the same SHARED ids, in batches of a size prime to the fresh level's limit
 * and in an order of its own, with its id filter on from the start: the filters must catch up
 * with the other process's commits, and merges run between them. */
#define SHARED       600
#define SHARED_BATCH 37

static int shared_writer(const char *data, unsigned w)
{
    struct rk_store *st = NULL;
    struct rk_err err;

    if (rk_store_open(&st, data, 0, &err) != 0)
        return 2;
    rk_store_debug_idfilter_after(st, 0);
    rk_store_debug_fresh_ids_max(st, 100);
    for (unsigned first = 0; first < SHARED; first += SHARED_BATCH) {
        struct rk_store_batch *b = NULL;

        if (rk_store_batch_begin(&b, st, "one", NULL, &err) != 0)
            return 3;
        for (unsigned i = first; i < first + SHARED_BATCH && i < SHARED; i++) {
            unsigned n = w ? SHARED - 1 - i : i; /* the second writer from the other end */
            struct tobj o;

            tobj_make(&o, "indicator", n, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z",
                      NULL, 0);
            if (rk_store_batch_put(b, &o.o, NULL, NULL, &err) != 0)
                return 4;
        }
        if (rk_store_batch_commit(b, &err) != 0)
            return 5;
        usleep(5000); /* let the other writer commit between two batches of this one */
    }
    rk_store_close(st);
    return 0;
}

/* Fork one process per writer running fn on the store in dir/data; asserts they all exit 0. */
static void run_writers(const char *data, int (*fn)(const char *data, unsigned w))
{
    pid_t pids[WRITERS];

    for (unsigned w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0)
            _exit(fn(data, w));
    }
    for (unsigned w = 0; w < WRITERS; w++) {
        int status = 0;

        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
}

static void test_store_concurrency__same_ids_two_processes(void **state)
{
    char dir[256], data[300];
    struct rk_store *st;
    struct rk_store_stats stats;
    struct rk_err err;

    st = store_new_tmp(dir, data);
    rk_store_close(st);
    run_writers(data, shared_writer);
    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    assert_int_equal(rk_store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.objects, SHARED); /* every id once, whoever stored it */
    assert_int_equal(stats.versions, SHARED);
    assert_int_equal(rk_store_check(st, &err), 0);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

static void test_store_concurrency__two_processes(void **state)
{
    char dir[256], data[300];
    struct rk_store *st;
    struct rk_store_query q;
    struct trows rows = {0};
    size_t runs = 0;
    struct rk_err err;

    st = store_new_tmp(dir, data);
    rk_store_close(st); /* no handle crosses fork() */
    run_writers(data, writer);

    assert_int_equal(rk_store_open(&st, data, 0, &err), 0);
    rk_store_query_init(&q);
    q.without_json = 1;
    query_all(st, &q, &rows, NULL);
    assert_int_equal(rows.n, WRITERS * BATCHES * PER_BATCH);
    /* in date_added order each batch is one contiguous run: no batch's values interleave with
     * another's, whichever process wrote it */
    for (size_t i = 0; i < rows.n; i++) {
        if (i > 0)
            assert_true(rows.v[i].date_added > rows.v[i - 1].date_added);
        if (i == 0 || strcmp(rows.v[i].type, rows.v[i - 1].type) != 0)
            runs++;
    }
    assert_int_equal(runs, WRITERS * BATCHES);
    assert_int_equal(rk_store_check(st, &err), 0);
    trows_free(&rows);
    rk_store_close(st);
    tmp_dir_remove(dir);
}

int test_store_concurrency_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_concurrency__two_processes),
            cmocka_unit_test(test_store_concurrency__same_ids_two_processes),
    };
    return cmocka_run_group_tests_name("store_concurrency", tests, NULL, NULL);
}
