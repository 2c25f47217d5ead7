/* server_next.c - stateless paging tokens bound to their query by an HMAC. */
#include "taxii/server_next.h"

#include <nettle/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/digest.h"

#define TOKEN_VERSION 1
#define MAC_LEN       16
#define RAW_LEN       (1 + 8 + MAC_LEN)

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feed a list to the digest in sorted order, so "a,b" and "b,a" are the same query. */
static int digest_list(struct rk_sha256 *d, const char *label, const char *const *items,
                       size_t n)
{
    const char **sorted = NULL;

    rk_sha256_update(d, label, strlen(label) + 1);
    if (n == 0)
        return 0;
    if (!(sorted = rk_reallocarray(NULL, n, sizeof(*sorted))))
        return RK_ENOMEM;
    memcpy(sorted, items, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
            continue;
        rk_sha256_update(d, sorted[i], strlen(sorted[i]) + 1);
    }
    rk_free(sorted);
    return 0;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The digest of everything the filter selects by (limit and next excluded). */
static int filter_digest(const struct rk_taxii_filter *f, uint8_t out[RK_SHA256_LEN])
{
    struct rk_sha256 d;
    uint8_t num[9];
    int rc;

    rk_sha256_init(&d);
    num[0] = (uint8_t)f->has_added_after;
    put_u64(num + 1, (uint64_t)f->added_after_us);
    rk_sha256_update(&d, num, sizeof(num));
    num[0] = (uint8_t)f->versions;
    rk_sha256_update(&d, num, 1);
    if ((rc = digest_list(&d, "id", f->ids, f->n_ids)) != 0 ||
        (rc = digest_list(&d, "type", f->types, f->n_types)) != 0 ||
        (rc = digest_list(&d, "version", f->version_values, f->n_version_values)) != 0 ||
        (rc = digest_list(&d, "spec_version", f->spec_versions, f->n_spec_versions)) != 0)
        return rc;
    rk_sha256_final(&d, out);
    return 0;
}

static void mac_str(struct hmac_sha256_ctx *h, const char *s)
{
    s = s ? s : "";
    hmac_sha256_update(h, strlen(s) + 1, (const uint8_t *)s);
}

/* MAC over raw[0..9) (version and position) and the scope. */
static int compute_mac(uint8_t out[MAC_LEN], const uint8_t key[RK_TAXII_NEXT_KEY_LEN],
                       const uint8_t head[9], const struct rk_taxii_page_scope *s)
{
    static const char domain[] = "renkei taxii next";
    uint8_t fd[RK_SHA256_LEN], full[SHA256_DIGEST_SIZE], ep = (uint8_t)s->ep;
    struct hmac_sha256_ctx h;
    int rc;

    if ((rc = filter_digest(s->filter, fd)) != 0)
        return rc;
    hmac_sha256_set_key(&h, RK_TAXII_NEXT_KEY_LEN, key);
    hmac_sha256_update(&h, sizeof(domain), (const uint8_t *)domain);
    hmac_sha256_update(&h, 9, head);
    hmac_sha256_update(&h, 1, &ep);
    mac_str(&h, s->collection);
    mac_str(&h, s->object_id);
    mac_str(&h, s->user);
    hmac_sha256_update(&h, sizeof(fd), fd);
    hmac_sha256_digest(&h, sizeof(full), full);
    memcpy(out, full, MAC_LEN);
    return 0;
}

int rk_taxii_next_encode(char out[RK_TAXII_NEXT_TEXT_MAX], const uint8_t key[RK_TAXII_NEXT_KEY_LEN],
                         const struct rk_taxii_page_scope *scope, int64_t pos_us)
{
    uint8_t raw[RAW_LEN];
    int rc;

    out[0] = '\0';
    raw[0] = TOKEN_VERSION;
    put_u64(raw + 1, (uint64_t)pos_us);
    if ((rc = compute_mac(raw + 9, key, raw, scope)) != 0)
        return rc;
    rk_taxii_base64url_encode(out, raw, sizeof(raw));
    return 0;
}

int rk_taxii_next_decode(int64_t *pos_out, const char *token,
                         const uint8_t key[RK_TAXII_NEXT_KEY_LEN],
                         const struct rk_taxii_page_scope *scope, struct rk_err *err)
{
    uint8_t raw[RAW_LEN + 3], mac[MAC_LEN];
    size_t n;
    int rc;

    *pos_out = 0;
    if (rk_taxii_base64url_decode(raw, sizeof(raw), token, strlen(token), &n) != 0 ||
        n != RAW_LEN || raw[0] != TOKEN_VERSION)
        return rk_err_set(err, RK_EFORMAT, "query parameter next: not a token this server "
                                           "issued");
    if ((rc = compute_mac(mac, key, raw, scope)) != 0)
        return rc;
    if (rk_timingsafe_bcmp(mac, raw + 9, MAC_LEN) != 0)
        return rk_err_set(err, RK_EFORMAT,
                          "query parameter next: the token was issued for another query, "
                          "collection or user (repeat the original filters with it)");
    *pos_out = (int64_t)get_u64(raw + 1);
    return 0;
}
