/* client.h - the TAXII client's internals: the handle and one HTTP exchange with retries
 * (client_http.c), used by the endpoint calls (client_api.c). */
#ifndef RK_TAXII_CLIENT_H
#define RK_TAXII_CLIENT_H

#include <curl/curl.h>
#include <stdint.h>

#include "renkei/taxii_client.h"
#include "util/buf.h"

#define RK_TAXII_MEDIA_TAXII "application/taxii+json;version=2.1"

struct rk_taxii_client {
    struct rk_taxii_client_config cfg; /* strings point to the owned copies below */
    char *url, *api_root_cfg, *user, *password, *bearer, *client_cert, *client_key, *ca_file,
            *user_agent;
    uint8_t pin[32];
    int has_pin;
    char api_root[RK_TAXII_URL_MAX]; /* resolved; "" until known */
    uint64_t max_content_length;     /* the API root's, 0 until known */
    CURL *curl;
    struct curl_slist *get_headers, *post_headers;
    char errbuf[CURL_ERROR_SIZE];
    struct rk_taxii_client_stats stats;
};

/* What one exchange brought back. */
struct rk_taxii_reply {
    int status;          /* HTTP status of the final answer */
    struct rk_buf body;  /* capped at cfg.max_response_bytes */
    char content_type[128];
    char date_first[RK_TAXII_TS_MAX];
    char date_last[RK_TAXII_TS_MAX];
    unsigned retry_after_s; /* 0 when absent */
};

void rk_taxii_reply_init(struct rk_taxii_reply *r, size_t max);
void rk_taxii_reply_free(struct rk_taxii_reply *r);

/* GET (body NULL) or POST body to url, retrying transient failures (connection errors,
 * timeouts, 408, 429, 5xx, 401 with Retry-After) with exponential backoff and jitter. On a 2xx
 * answer returns 0 with the reply; otherwise an RK_E* code with a message naming the URL, the
 * status and the server's TAXII error document: RK_EAUTH for 401 and TLS trust failures,
 * RK_EPERM 403, RK_ENOTFOUND 404, RK_ELIMIT 413 or a response over the cap, RK_EINVAL other
 * 4xx, RK_EIO when the retries ran out. */
int rk_taxii_http(struct rk_taxii_client *c, const char *url, const char *body, size_t len,
                  struct rk_taxii_reply *r, struct rk_err *err);

/* 1 when the reply is TAXII JSON (application/taxii+json or application/json). */
int rk_taxii_reply_is_taxii(const struct rk_taxii_reply *r);

/* Resolve ref (absolute or relative) against base into out. RK_EFORMAT. */
int rk_taxii_url_resolve(const char *base, const char *ref, char *out, size_t cap,
                         struct rk_err *err);

#endif
