/* fake_server.h - a scripted HTTP server on loopback (libmicrohttpd) for the client tests: it
 * answers requests with the scripted responses in turn (the last one repeats) and remembers
 * what it was asked. Hostile behaviour (errors, delays, junk, huge bodies) is scripted. */
#ifndef RK_TEST_SYNC_FAKE_SERVER_H
#define RK_TEST_SYNC_FAKE_SERVER_H

#include <stddef.h>

#define FAKE_STEPS_MAX 16

struct fake_step {
    unsigned status;
    const char *content_type; /* NULL: application/taxii+json;version=2.1 */
    const char *body;         /* NULL: "" */
    size_t body_repeat;       /* > 0: body is repeated this many times */
    const char *date_last;    /* X-TAXII-Date-Added-Last, NULL: none */
    const char *retry_after;  /* Retry-After, NULL: none */
    unsigned delay_ms;        /* wait before answering */
};

struct fake;

/* Start on 127.0.0.1 (a free port) with steps[0..n). */
struct fake *fake_start(const struct fake_step *steps, size_t n);
/* The same over HTTPS with a certificate and key (PEM text). */
struct fake *fake_start_tls(const struct fake_step *steps, size_t n, const char *cert_pem,
                            const char *key_pem);
void fake_stop(struct fake *f);
unsigned fake_port(const struct fake *f);
/* Requests answered so far, and the last request's URL (path and query), Authorization
 * header and body size. */
unsigned fake_requests(struct fake *f);
void fake_last(struct fake *f, char *url, size_t url_cap, char *auth, size_t auth_cap,
               size_t *body_len);

#endif
