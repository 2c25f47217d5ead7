/* taxii_cert.c - make a key and self-signed certificate for integration tests (client
 * certificates for mutual TLS): taxii_cert KEY.pem CERT.pem COMMON-NAME. Prints the SHA-256
 * fingerprint as hex. */
#include <stdio.h>

#include "renkei/taxii.h"

int main(int argc, char **argv)
{
    char fp[65];
    struct rk_err err;

    if (argc != 4) {
        fprintf(stderr, "usage: taxii_cert KEY.pem CERT.pem COMMON-NAME\n");
        return 2;
    }
    rk_err_clear(&err);
    if (rk_taxii_tls_create_self_signed(argv[1], argv[2], argv[3], "localhost", 30, fp, &err)) {
        fprintf(stderr, "taxii_cert: %s\n", err.message);
        return 1;
    }
    printf("%s\n", fp);
    return 0;
}
