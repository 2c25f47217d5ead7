/* auth.c - server-generated secrets, stored as salted PBKDF2-HMAC-SHA256, and certificate
 * fingerprints. */
#include "renkei/policy.h"

#include <nettle/pbkdf2.h>
#include <string.h>

#include "util/digest.h"
#include "util/random.h"

#define TOKEN_PREFIX     "rk_"
#define TOKEN_PREFIX_LEN 3
#define SECRET_BYTES     32

static void derive(const struct rk_secret_hash *h, const char *token, size_t len,
                   uint8_t out[RK_SECRET_HASH_LEN])
{
    pbkdf2_hmac_sha256(len, (const uint8_t *)token, h->iterations, RK_SECRET_SALT_LEN, h->salt,
                       RK_SECRET_HASH_LEN, out);
}

void rk_policy_secret_new(char token[RK_SECRET_TOKEN_LEN + 1], struct rk_secret_hash *out)
{
    uint8_t id[RK_SECRET_KEY_ID_LEN / 2], secret[SECRET_BYTES];

    rk_random_bytes(id, sizeof(id));
    rk_random_bytes(secret, sizeof(secret));
    memcpy(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    rk_hex_encode(token + TOKEN_PREFIX_LEN, id, sizeof(id));
    rk_hex_encode(token + TOKEN_PREFIX_LEN + RK_SECRET_KEY_ID_LEN, secret, sizeof(secret));
    memset(out, 0, sizeof(*out));
    memcpy(out->key_id, token + TOKEN_PREFIX_LEN, RK_SECRET_KEY_ID_LEN);
    rk_random_bytes(out->salt, sizeof(out->salt));
    out->iterations = RK_SECRET_ITERATIONS;
    derive(out, token, RK_SECRET_TOKEN_LEN, out->hash);
    explicit_bzero(secret, sizeof(secret));
}

static int lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int rk_policy_secret_key_id(const char *token, size_t len,
                            char key_id[RK_SECRET_KEY_ID_LEN + 1])
{
    key_id[0] = '\0';
    if (len != RK_SECRET_TOKEN_LEN || memcmp(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0 ||
        !lower_hex(token + TOKEN_PREFIX_LEN, len - TOKEN_PREFIX_LEN))
        return RK_EFORMAT;
    memcpy(key_id, token + TOKEN_PREFIX_LEN, RK_SECRET_KEY_ID_LEN);
    key_id[RK_SECRET_KEY_ID_LEN] = '\0';
    return 0;
}

int rk_policy_secret_verify(const struct rk_secret_hash *h, const char *token, size_t len)
{
    uint8_t got[RK_SECRET_HASH_LEN];
    char key_id[RK_SECRET_KEY_ID_LEN + 1];
    int rc;

    if (h->iterations == 0 || rk_policy_secret_key_id(token, len, key_id) != 0 ||
        strcmp(key_id, h->key_id) != 0)
        return RK_EAUTH;
    derive(h, token, len, got);
    rc = rk_timingsafe_bcmp(got, h->hash, sizeof(got)) == 0 ? 0 : RK_EAUTH;
    explicit_bzero(got, sizeof(got));
    return rc;
}

void rk_policy_cert_fingerprint(const uint8_t *der, size_t len,
                                char out[RK_FINGERPRINT_HEX_LEN + 1])
{
    uint8_t d[RK_SHA256_LEN];

    rk_sha256(der, len, d);
    rk_hex_encode(out, d, sizeof(d));
}

int rk_policy_fingerprint_parse(const char *s, char out[RK_FINGERPRINT_HEX_LEN + 1])
{
    size_t n = 0;

    for (; *s; s++) {
        char c = *s;

        if (c == ':' || c == ' ')
            continue;
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (n == RK_FINGERPRINT_HEX_LEN || !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return RK_EFORMAT;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == RK_FINGERPRINT_HEX_LEN ? 0 : RK_EFORMAT;
}
