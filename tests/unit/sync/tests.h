/* tests.h - the sync test groups (partners, cursors, egress log, the TAXII client, the egress
 * filter) and their shared helpers. */
#ifndef RK_TEST_SYNC_TESTS_H
#define RK_TEST_SYNC_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "renkei/store.h"

int test_sync_egress_filter_run(void);
int test_sync_store_run(void);
int test_sync_client_run(void);
int test_sync_tls_run(void);
int test_sync_parse_run(void);
int test_sync_engine_run(void);

/* A fresh temporary directory; removed with tmp_dir_remove. */
void tmp_dir_make(char *out, size_t cap);
void tmp_dir_remove(const char *dir);

/* Open (creating) a store in dir/data; asserts. */
struct rk_store *store_new(const char *dir);
/* Add a collection with an alias; its id into id_out. */
void collection_new(struct rk_store *st, const char *alias, char *id_out, size_t cap);

/* A minimal valid indicator's JSON for object number n with TLP tlp (enum rk_tlp; NONE for
 * unmarked), into buf; its id into id (at least 64 bytes). Returns the JSON length. */
size_t indicator_json(char *buf, size_t cap, char *id, unsigned n, int tlp,
                      const char *modified);

/* Store objects (JSON texts, validated by the STIX parser) in one batch with provenance prov;
 * asserts every put succeeds. */
void put_json(struct rk_store *st, const char *coll, const struct rk_provenance *prov,
              const char *const *json, size_t n);

#endif
