/* server_tls.c - the node's TLS credentials: an ECDSA P-256 key and a self-signed certificate
 * made by `renkei init`, and certificate fingerprints to show operators and partners. */
#include "renkei/taxii.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/digest.h"
#include "util/random.h"

#define SANS_MAX 16

/* Write data to a new file (never over an existing one) with mode. */
static int write_new(const char *path, const void *data, size_t len, mode_t mode,
                     struct rk_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    const char *p = data;

    if (fd < 0)
        return rk_err_set(err, errno == EEXIST ? RK_EEXISTS : RK_EIO, "%s: %s", path,
                          strerror(errno));
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rk_err_set(err, RK_EIO, "%s: %s", path, strerror(errno));
            close(fd);
            unlink(path);
            return RK_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0)
        return rk_err_set(err, RK_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

/* Add each comma-separated DNS name or IP address of sans as a subjectAltName. */
static int add_sans(gnutls_x509_crt_t crt, const char *sans)
{
    char list[1024], *item, *save = NULL;
    unsigned char ip[16];
    int rc = 0, n = 0;

    snprintf(list, sizeof(list), "%s", sans ? sans : "");
    for (item = strtok_r(list, ",", &save); item && n < SANS_MAX;
         item = strtok_r(NULL, ",", &save), n++) {
        if (inet_pton(AF_INET, item, ip) == 1)
            rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
                                                      GNUTLS_FSAN_APPEND);
        else if (inet_pton(AF_INET6, item, ip) == 1)
            rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
                                                      GNUTLS_FSAN_APPEND);
        else
            rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, item,
                                                      (unsigned)strlen(item),
                                                      GNUTLS_FSAN_APPEND);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int fill_cert(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *cn,
                     const char *sans, unsigned days)
{
    unsigned char serial[16], kid[64];
    size_t kid_len = sizeof(kid);
    time_t now = time(NULL);
    int rc;

    rk_random_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f; /* a positive integer */
    if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400)) < 0 ||
        (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                            (unsigned)strlen(cn))) < 0 ||
        (rc = add_sans(crt, sans)) < 0 || (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
        (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0 ||
        (rc = gnutls_x509_crt_get_key_id(crt, 0, kid, &kid_len)) < 0 ||
        (rc = gnutls_x509_crt_set_subject_key_id(crt, kid, kid_len)) < 0)
        return rc;
    return gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
}

static void fingerprint_hex(const gnutls_datum_t *der, char *out)
{
    uint8_t d[RK_SHA256_LEN];

    rk_sha256(der->data, der->size, d);
    rk_hex_encode(out, d, sizeof(d));
}

int rk_taxii_tls_create_self_signed(const char *key_path, const char *cert_path, const char *cn,
                                    const char *sans, unsigned days, char *fingerprint,
                                    struct rk_err *err)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t key_pem = {NULL, 0}, crt_pem = {NULL, 0}, der = {NULL, 0};
    int rc, grc;

    fingerprint[0] = '\0';
    if ((grc = gnutls_x509_privkey_init(&key)) < 0 || (grc = gnutls_x509_crt_init(&crt)) < 0 ||
        (grc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                            0)) < 0 ||
        (grc = fill_cert(crt, key, cn, sans, days)) < 0 ||
        (grc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &key_pem)) < 0 ||
        (grc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &crt_pem)) < 0 ||
        (grc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der)) < 0) {
        rc = rk_err_set(err, RK_EIO, "cannot make a TLS key and certificate: %s",
                        gnutls_strerror(grc));
        goto out;
    }
    fingerprint_hex(&der, fingerprint);
    if ((rc = write_new(key_path, key_pem.data, key_pem.size, 0600, err)) != 0)
        goto out;
    if ((rc = write_new(cert_path, crt_pem.data, crt_pem.size, 0644, err)) != 0)
        unlink(key_path);
out:
    if (key_pem.data) {
        explicit_bzero(key_pem.data, key_pem.size);
        gnutls_free(key_pem.data);
    }
    gnutls_free(crt_pem.data);
    gnutls_free(der.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return rc;
}

int rk_taxii_tls_fingerprint(const char *cert_path, char *out, size_t cap, struct rk_err *err)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t pem, der = {NULL, 0};
    char hex[2 * RK_SHA256_LEN + 1];
    struct rk_buf b;
    size_t o = 0;
    int rc, grc;

    rk_buf_init(&b, 1 << 20);
    if ((rc = rk_buf_read_file(&b, cert_path, err)) != 0)
        goto out;
    pem.data = (unsigned char *)rk_buf_ptr(&b);
    pem.size = (unsigned)rk_buf_len(&b);
    if ((grc = gnutls_x509_crt_init(&crt)) < 0 ||
        (grc = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM)) < 0 ||
        (grc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der)) < 0) {
        rc = rk_err_set(err, RK_EFORMAT, "%s: not a PEM certificate (%s)", cert_path,
                        gnutls_strerror(grc));
        goto out;
    }
    fingerprint_hex(&der, hex);
    for (size_t i = 0; i < RK_SHA256_LEN && o + 4 <= cap; i++) {
        out[o++] = (char)(hex[2 * i] >= 'a' ? hex[2 * i] - 32 : hex[2 * i]);
        out[o++] = (char)(hex[2 * i + 1] >= 'a' ? hex[2 * i + 1] - 32 : hex[2 * i + 1]);
        if (i + 1 < RK_SHA256_LEN)
            out[o++] = ':';
    }
    out[o] = '\0';
out:
    gnutls_free(der.data);
    gnutls_x509_crt_deinit(crt);
    rk_buf_free(&b);
    return rc;
}
