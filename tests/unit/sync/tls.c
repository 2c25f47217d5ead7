/* tls.c - the client's TLS: a pinned certificate fingerprint is checked before any request
 * byte is sent (an impostor gets nothing, not even the credentials), a pinned CA file works,
 * the system CAs refuse a self-signed partner, and mutual TLS authenticates a sync account by
 * its registered client certificate on a real renkei TAXII server. */
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_server.h"
#include "renkei/store_access.h"
#include "renkei/taxii.h"
#include "renkei/taxii_client.h"
#include "util/buf.h"

struct tls_fx {
    char dir[256], key[300], cert[300], ckey[300], ccert[300];
    char fp[RK_FINGERPRINT_HEX_LEN + 1], cfp[RK_FINGERPRINT_HEX_LEN + 1];
    char *cert_pem, *key_pem;
};

static char *slurp(const char *path)
{
    struct rk_buf b;
    size_t len;
    char *out;

    rk_buf_init(&b, 1 << 20);
    assert_int_equal(rk_buf_read_file(&b, path, NULL), 0);
    out = rk_buf_detach(&b, &len);
    rk_buf_free(&b);
    return out;
}

static void tls_fx_make(struct tls_fx *t)
{
    struct rk_err err;

    memset(t, 0, sizeof(*t));
    tmp_dir_make(t->dir, sizeof(t->dir));
    snprintf(t->key, sizeof(t->key), "%s/key.pem", t->dir);
    snprintf(t->cert, sizeof(t->cert), "%s/cert.pem", t->dir);
    snprintf(t->ckey, sizeof(t->ckey), "%s/client-key.pem", t->dir);
    snprintf(t->ccert, sizeof(t->ccert), "%s/client-cert.pem", t->dir);
    rk_err_clear(&err);
    assert_int_equal(rk_taxii_tls_create_self_signed(t->key, t->cert, "node", "localhost,127.0.0.1",
                                                     2, t->fp, &err),
                     0);
    assert_int_equal(rk_taxii_tls_create_self_signed(t->ckey, t->ccert, "jp-sync", NULL, 2, t->cfp,
                                                     &err),
                     0);
    t->cert_pem = slurp(t->cert);
    t->key_pem = slurp(t->key);
}

static void tls_fx_free(struct tls_fx *t)
{
    free(t->cert_pem);
    free(t->key_pem);
    tmp_dir_remove(t->dir);
}

static int try_discovery(unsigned port, const char *fingerprint, const char *ca_file,
                         struct rk_err *err)
{
    struct rk_taxii_client_config cfg;
    struct rk_taxii_client *c = NULL;
    struct rk_taxii_discovery d;
    char url[64];
    int rc;

    rk_taxii_client_config_init(&cfg);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/taxii2/", port);
    cfg.url = url;
    cfg.fingerprint = fingerprint;
    cfg.ca_file = ca_file;
    cfg.bearer = "a-secret-an-impostor-must-not-see";
    cfg.retries = 0;
    if ((rc = rk_taxii_client_new(&c, &cfg, err)) == 0)
        rc = rk_taxii_client_discovery(c, &d, err);
    rk_taxii_client_free(c);
    return rc;
}

static void test_sync_tls__pins(void **state)
{
    const struct fake_step steps[] = {
            {200, NULL, "{\"title\":\"pinned\",\"api_roots\":[]}", 0, NULL, NULL, 0}};
    char wrong[RK_FINGERPRINT_HEX_LEN + 1];
    struct tls_fx t;
    struct rk_err err;
    struct fake *f;

    (void)state;
    tls_fx_make(&t);
    f = fake_start_tls(steps, 1, t.cert_pem, t.key_pem);
    assert_non_null(f);
    snprintf(wrong, sizeof(wrong), "%s", t.fp);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    rk_err_clear(&err);
    assert_int_equal(try_discovery(fake_port(f), wrong, NULL, &err), RK_EAUTH);
    assert_non_null(strstr(err.message, "pinned"));
    assert_int_equal(fake_requests(f), 0); /* the handshake happened, no request was sent */
    /* self-signed and no pin: the system CAs do not vouch for it */
    assert_int_equal(try_discovery(fake_port(f), NULL, NULL, &err), RK_EAUTH);
    assert_int_equal(fake_requests(f), 0);
    assert_int_equal(try_discovery(fake_port(f), t.fp, NULL, &err), 0);
    assert_int_equal(fake_requests(f), 1);
    assert_int_equal(try_discovery(fake_port(f), NULL, t.cert, &err), 0); /* a pinned CA */
    assert_int_equal(try_discovery(fake_port(f), t.fp, t.cert, &err), 0); /* both */
    assert_int_equal(fake_requests(f), 3);
    fake_stop(f);
    tls_fx_free(&t);
}

static int note_coll(const struct rk_taxii_collection_info *ci, void *ctx)
{
    int *readable = ctx;

    if (strcmp(ci->title, "Collection shared") == 0 && ci->can_read)
        *readable = 1;
    return 0;
}

/* A renkei server with a sync account known by its client certificate only. */
static void test_sync_tls__mutual_tls_on_renkei(void **state)
{
    struct rk_collection_grant g = {.kind = RK_GRANT_ORG, .subject = "jp", .can_read = 1};
    struct rk_taxii_client_config ccfg;
    struct rk_taxii_config scfg;
    struct rk_taxii_server *srv = NULL;
    struct rk_taxii_client *c = NULL;
    struct rk_secret_hash h;
    char token[RK_SECRET_TOKEN_LEN + 1], data[300], url[64];
    struct rk_store *st;
    struct tls_fx t;
    struct rk_err err;
    int readable = 0;

    (void)state;
    tls_fx_make(&t);
    st = store_new(t.dir);
    collection_new(st, "shared", NULL, 0);
    rk_err_clear(&err);
    rk_policy_secret_new(token, &h);
    assert_int_equal(rk_store_org_add(st, "jp", "", &err), 0);
    assert_int_equal(rk_store_user_add(st, "jp-sync", "jp", RK_ROLE_SYNC, &h, &err), 0);
    assert_int_equal(rk_store_user_cert_add(st, "jp-sync", t.cfp, &err), 0);
    assert_int_equal(rk_store_grant_set(st, "shared", &g, &err), 0);
    rk_store_close(st);

    snprintf(data, sizeof(data), "%s/data", t.dir);
    rk_taxii_config_init(&scfg);
    scfg.data_dir = data;
    scfg.port = 0;
    scfg.threads = 2;
    scfg.cert_pem = t.cert_pem;
    scfg.key_pem = t.key_pem;
    if (rk_taxii_server_start(&srv, &scfg, &err) != 0)
        fail_msg("server: %s", err.message);
    rk_taxii_client_config_init(&ccfg);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/taxii2/", rk_taxii_server_port(srv));
    ccfg.url = url;
    ccfg.fingerprint = t.fp;
    ccfg.client_cert = t.ccert;
    ccfg.client_key = t.ckey;
    assert_int_equal(rk_taxii_client_new(&c, &ccfg, &err), 0);
    if (rk_taxii_client_collections(c, note_coll, &readable, &err) != 0)
        fail_msg("collections: %s", err.message);
    assert_true(readable);
    rk_taxii_client_free(c);
    rk_taxii_server_stop(srv);
    explicit_bzero(token, sizeof(token));
    tls_fx_free(&t);
}

int test_sync_tls_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sync_tls__pins),
            cmocka_unit_test(test_sync_tls__mutual_tls_on_renkei),
    };

    return cmocka_run_group_tests_name("sync_tls", tests, NULL, NULL);
}
