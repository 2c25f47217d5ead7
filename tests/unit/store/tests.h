/* tests.h - the store test groups and their shared helpers. */
#ifndef RK_TEST_STORE_TESTS_H
#define RK_TEST_STORE_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "renkei/store.h"

int test_store_open_run(void);
int test_store_put_run(void);
int test_store_query_run(void);
int test_store_visibility_run(void);
int test_store_delete_run(void);
int test_store_concurrency_run(void);
int test_store_walbuf_run(void);
int test_store_checkpoint_run(void);
int test_store_ids_run(void);
int test_store_bulk_run(void);

/* A fresh temporary directory (the store goes in <dir>/data); removed by tmp_dir_remove. */
void tmp_dir_make(char *out, size_t cap);
void tmp_dir_remove(const char *dir);

/* Open (creating) a store in dir/data with one collection "c1" (alias "one"); asserts. */
struct rk_store *store_new(const char *dir);
/* store_new in a fresh temporary directory (into dir) whose data directory goes into data. */
struct rk_store *store_new_tmp(char dir[256], char data[300]);
/* The collection id of alias "one" in stores made by store_new. */
void store_c1(struct rk_store *st, char *id_out, size_t cap);

/* An object with its JSON text built from the arguments; modified/created may be NULL. */
struct tobj {
    struct rk_store_object o;
    char id[96];
    char type[64];
    char created[40];
    char modified[40];
    char json[1024];
};
void tobj_make(struct tobj *t, const char *type, unsigned n, const char *created,
               const char *modified, const char *extra, int tlp);

/* Put objects in one batch into collection coll with provenance prov (may be NULL); asserts
 * success and counts outcomes into counts[3] (stored, duplicate, conflict) when given. */
void put_all(struct rk_store *st, const char *coll, const struct rk_provenance *prov,
             struct tobj *objs, size_t n, unsigned counts[3]);

/* Rows a query returned, copied. */
struct trow {
    char id[96];
    char type[64];
    char version[40];
    char spec_version[8];
    int64_t date_added;
    int tlp;
    int has_json;
};
struct trows {
    struct trow *v;
    size_t n, cap;
};
int trows_collect(const struct rk_store_row *row, void *ctx);
void trows_free(struct trows *r);
/* Run q and collect; asserts success. */
void query_all(struct rk_store *st, const struct rk_store_query *q, struct trows *out,
               struct rk_store_page *page);

/* The versions of id (its modified, cut to "YYYY-MM") the query with versions returns, space
 * separated in date_added order, into out. */
const char *versions_of(struct rk_store *st, const char *id, unsigned versions, char *out,
                        size_t cap);

#endif
