/* digest.h - SHA-1 and SHA-256 (through nettle), hex encoding, constant-time compare. */
#ifndef RK_UTIL_DIGEST_H
#define RK_UTIL_DIGEST_H

#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#define RK_SHA1_LEN   20
#define RK_SHA256_LEN 32

struct rk_sha1 {
    struct sha1_ctx ctx;
};
struct rk_sha256 {
    struct sha256_ctx ctx;
};

void rk_sha1_init(struct rk_sha1 *c);
void rk_sha1_update(struct rk_sha1 *c, const void *p, size_t len);
void rk_sha1_final(struct rk_sha1 *c, uint8_t out[RK_SHA1_LEN]);

void rk_sha256_init(struct rk_sha256 *c);
void rk_sha256_update(struct rk_sha256 *c, const void *p, size_t len);
void rk_sha256_final(struct rk_sha256 *c, uint8_t out[RK_SHA256_LEN]);
/* One-shot SHA-256. */
void rk_sha256(const void *p, size_t len, uint8_t out[RK_SHA256_LEN]);

/* Lower-case hex of p[0..len) into out, which holds 2*len+1 bytes. */
void rk_hex_encode(char *out, const uint8_t *p, size_t len);
/* Decode 2*out_len hex characters (either case). RK_EFORMAT when malformed. */
int rk_hex_decode(uint8_t *out, size_t out_len, const char *s, size_t len);

/* 0 when equal, in time that does not depend on where the bytes differ. */
int rk_timingsafe_bcmp(const void *a, const void *b, size_t len);

#endif
