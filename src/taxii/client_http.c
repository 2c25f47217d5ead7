/* client_http.c - the TAXII client's handle and its HTTP exchanges (libcurl): TLS trust (a
 * pinned CA file or a pinned certificate fingerprint, checked before any request byte leaves),
 * client certificates, Basic and Bearer, timeouts, capped responses, and retries with
 * exponential backoff and jitter. */
#include "taxii/client.h"

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "renkei/log.h"
#include "renkei/policy.h"
#include "util/alloc.h"
#include "util/digest.h"
#include "util/random.h"
#include "util/strparse.h"

#ifndef RK_VERSION
#define RK_VERSION "0"
#endif

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rk_taxii_client_global_init(void)
{
    pthread_once(&global_once, global_init);
}

void rk_taxii_client_config_init(struct rk_taxii_client_config *c)
{
    memset(c, 0, sizeof(*c));
    c->connect_timeout_s = 10;
    c->timeout_s = 60;
    c->retries = 4;
    c->backoff_ms = 500;
    c->backoff_max_ms = 30000;
    c->max_response_bytes = (size_t)256 << 20;
    c->max_content_length = (size_t)10 << 20;
}

void rk_taxii_reply_init(struct rk_taxii_reply *r, size_t max)
{
    memset(r, 0, sizeof(*r));
    rk_buf_init(&r->body, max);
}

void rk_taxii_reply_free(struct rk_taxii_reply *r)
{
    rk_buf_free(&r->body);
}

int rk_taxii_reply_is_taxii(const struct rk_taxii_reply *r)
{
    return strncasecmp(r->content_type, "application/taxii+json", 22) == 0 ||
           strncasecmp(r->content_type, "application/json", 16) == 0;
}

/* ---- the handle ---------------------------------------------------------------------------- */

static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    return !s || (*out = rk_strdup(s)) ? 0 : RK_ENOMEM;
}

static void wipe_free(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
    rk_free(s);
}

void rk_taxii_client_free(struct rk_taxii_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->get_headers);
    curl_slist_free_all(c->post_headers);
    rk_free(c->url);
    rk_free(c->api_root_cfg);
    rk_free(c->user);
    wipe_free(c->password);
    wipe_free(c->bearer);
    rk_free(c->client_cert);
    rk_free(c->client_key);
    rk_free(c->ca_file);
    rk_free(c->user_agent);
    explicit_bzero(c, sizeof(*c));
    rk_free(c);
}

static int check_config(const struct rk_taxii_client_config *cfg, struct rk_err *err)
{
    int https;

    if (!cfg->url || !cfg->url[0])
        return rk_err_set(err, RK_EINVAL, "no TAXII server URL");
    https = strncasecmp(cfg->url, "https://", 8) == 0;
    if (!https && strncasecmp(cfg->url, "http://", 7) != 0)
        return rk_err_set(err, RK_EINVAL, "'%s' is not an http(s) URL", cfg->url);
    if (!https && !cfg->allow_http)
        return rk_err_set(err, RK_EINVAL, "'%s' is plain HTTP; use https (or allow plain HTTP "
                          "explicitly, for loopback tests)", cfg->url);
    if (!https && (cfg->fingerprint || cfg->ca_file || cfg->client_cert))
        return rk_err_set(err, RK_EINVAL, "TLS settings need an https URL");
    if (cfg->user && !cfg->password)
        return rk_err_set(err, RK_EINVAL, "HTTP Basic needs a password (secret)");
    if (cfg->user && cfg->bearer)
        return rk_err_set(err, RK_EINVAL, "give either Basic credentials or a Bearer token");
    if (!!cfg->client_cert != !!cfg->client_key)
        return rk_err_set(err, RK_EINVAL, "a client certificate needs its key (and the reverse)");
    if (strlen(cfg->url) >= RK_TAXII_URL_MAX ||
        (cfg->api_root && strlen(cfg->api_root) >= RK_TAXII_URL_MAX))
        return rk_err_set(err, RK_ELIMIT, "URL longer than %d bytes", RK_TAXII_URL_MAX - 1);
    return 0;
}

static int copy_config(struct rk_taxii_client *c, const struct rk_taxii_client_config *cfg)
{
    char ua[64];

    c->cfg = *cfg;
    snprintf(ua, sizeof(ua), "renkei/%s", RK_VERSION);
    if (dup_opt(cfg->url, &c->url) || dup_opt(cfg->api_root, &c->api_root_cfg) ||
        dup_opt(cfg->user, &c->user) || dup_opt(cfg->password, &c->password) ||
        dup_opt(cfg->bearer, &c->bearer) || dup_opt(cfg->client_cert, &c->client_cert) ||
        dup_opt(cfg->client_key, &c->client_key) || dup_opt(cfg->ca_file, &c->ca_file) ||
        dup_opt(cfg->user_agent ? cfg->user_agent : ua, &c->user_agent))
        return RK_ENOMEM;
    c->cfg.url = c->url;
    c->cfg.api_root = c->api_root_cfg;
    c->cfg.user = c->user;
    c->cfg.password = c->password;
    c->cfg.bearer = c->bearer;
    c->cfg.client_cert = c->client_cert;
    c->cfg.client_key = c->client_key;
    c->cfg.ca_file = c->ca_file;
    c->cfg.user_agent = c->user_agent;
    c->cfg.fingerprint = NULL; /* kept as c->pin */
    return 0;
}

/* The SHA-256 of the server's certificate against the pin: after the handshake, before the
 * request is sent (so no credential reaches an impostor). */
static int prereq(void *ctx, char *ip, char *local_ip, int port, int local_port)
{
    struct rk_taxii_client *c = ctx;
    struct curl_tlssessioninfo *ti = NULL;
    const gnutls_datum_t *certs;
    unsigned n = 0;
    uint8_t got[RK_SHA256_LEN];

    (void)ip, (void)local_ip, (void)port, (void)local_port;
    if (!c->has_pin)
        return CURL_PREREQFUNC_OK;
    if (curl_easy_getinfo(c->curl, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK || !ti ||
        ti->backend != CURLSSLBACKEND_GNUTLS || !ti->internals)
        return CURL_PREREQFUNC_ABORT;
    certs = gnutls_certificate_get_peers((gnutls_session_t)ti->internals, &n);
    if (!certs || n == 0)
        return CURL_PREREQFUNC_ABORT;
    rk_sha256(certs[0].data, certs[0].size, got);
    return rk_timingsafe_bcmp(got, c->pin, sizeof(got)) == 0 ? CURL_PREREQFUNC_OK
                                                              : CURL_PREREQFUNC_ABORT;
}

static int progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const struct rk_taxii_client *c = ctx;

    (void)dt, (void)dn, (void)ut, (void)un;
    return c->cfg.cancelled && c->cfg.cancelled(c->cfg.cancel_ctx) ? 1 : 0;
}

/* Options that stay for the handle's life. */
static int setup_tls_auth(struct rk_taxii_client *c)
{
    CURL *h = c->curl;
    CURLcode rc = CURLE_OK;

    if (c->ca_file) {
        rc |= curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
        rc |= curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
    } else if (c->has_pin) { /* the pin is the trust: no chain to a CA is expected */
        rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->has_pin)
        rc |= curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    if (c->client_cert) {
        rc |= curl_easy_setopt(h, CURLOPT_SSLCERT, c->client_cert);
        rc |= curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        rc |= curl_easy_setopt(h, CURLOPT_SSLKEY, c->client_key);
        rc |= curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (c->user) {
        rc |= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        rc |= curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
        rc |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    } else if (c->bearer) {
        rc |= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        rc |= curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, c->bearer);
    }
    return rc == CURLE_OK ? 0 : RK_EINTERNAL;
}

static int setup(struct rk_taxii_client *c)
{
    CURL *h = c->curl;
    CURLcode rc = CURLE_OK;

    rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* credentials stay with the host */
    rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->cfg.connect_timeout_s);
    rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->cfg.timeout_s);
    rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
    rc |= curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    rc |= curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, prereq);
    rc |= curl_easy_setopt(h, CURLOPT_PREREQDATA, c);
    rc |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    rc |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    rc |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    rc |= curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (rc != CURLE_OK || setup_tls_auth(c) != 0)
        return RK_EINTERNAL;
    c->get_headers = curl_slist_append(NULL, "Accept: " RK_TAXII_MEDIA_TAXII);
    c->post_headers = curl_slist_append(NULL, "Accept: " RK_TAXII_MEDIA_TAXII);
    if (c->post_headers)
        c->post_headers = curl_slist_append(c->post_headers, "Content-Type: " RK_TAXII_MEDIA_TAXII);
    if (c->post_headers)
        c->post_headers = curl_slist_append(c->post_headers, "Expect:");
    return c->get_headers && c->post_headers ? 0 : RK_ENOMEM;
}

int rk_taxii_client_new(struct rk_taxii_client **out, const struct rk_taxii_client_config *cfg,
                        struct rk_err *err)
{
    struct rk_taxii_client *c = NULL;
    char hex[RK_FINGERPRINT_HEX_LEN + 1];
    int rc;

    *out = NULL;
    rk_taxii_client_global_init();
    if ((rc = check_config(cfg, err)) != 0)
        return rc;
    if (cfg->fingerprint && cfg->fingerprint[0] &&
        (rk_policy_fingerprint_parse(cfg->fingerprint, hex) != 0))
        return rk_err_set(err, RK_EINVAL, "'%s' is not a SHA-256 fingerprint (64 hex digits, "
                          "':' allowed)", cfg->fingerprint);
    if (!(c = rk_calloc(1, sizeof(*c))) || (rc = copy_config(c, cfg)) != 0) {
        rk_taxii_client_free(c);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    if (cfg->fingerprint && cfg->fingerprint[0]) {
        rk_hex_decode(c->pin, sizeof(c->pin), hex, strlen(hex));
        c->has_pin = 1;
    }
    if (!(c->curl = curl_easy_init()) || (rc = setup(c)) != 0) {
        rk_taxii_client_free(c);
        return rk_err_set(err, RK_ENOMEM, "cannot set up libcurl");
    }
    *out = c;
    return 0;
}

void rk_taxii_client_stats(const struct rk_taxii_client *c, struct rk_taxii_client_stats *out)
{
    *out = c->stats;
}

/* ---- one exchange -------------------------------------------------------------------------- */

struct attempt {
    struct rk_taxii_client *c;
    struct rk_taxii_reply *r;
    int too_large;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    struct attempt *a = ctx;

    if (rk_buf_append(&a->r->body, p, n) != 0) {
        a->too_large = 1;
        return 0; /* aborts the transfer */
    }
    return n * size;
}

/* Copy a header's value (trimmed) into out when the line is "name: value". */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name), vl;
    const char *v;

    if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    vl = len - nl - 1;
    v = rk_trim(line + nl + 1, &vl);
    if (vl < cap) {
        memcpy(out, v, vl);
        out[vl] = '\0';
    }
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    struct attempt *a = ctx;
    struct rk_taxii_reply *r = a->r;
    char retry[16] = "";
    uint64_t secs;

    (void)size;
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (after 1xx): start over */
        r->content_type[0] = r->date_first[0] = r->date_last[0] = '\0';
        r->retry_after_s = 0;
        return n;
    }
    header_value(p, n, "content-type", r->content_type, sizeof(r->content_type));
    header_value(p, n, "x-taxii-date-added-first", r->date_first, sizeof(r->date_first));
    header_value(p, n, "x-taxii-date-added-last", r->date_last, sizeof(r->date_last));
    header_value(p, n, "retry-after", retry, sizeof(retry));
    if (retry[0] && rk_parse_uint(retry, 86400, &secs) == 0)
        r->retry_after_s = (unsigned)secs;
    return n;
}

/* Perform once; the curl code, with the reply filled. */
static CURLcode perform(struct rk_taxii_client *c, const char *url, const char *body, size_t len,
                        struct attempt *a)
{
    CURL *h = c->curl;
    long status = 0;
    CURLcode cc;

    rk_buf_reset(&a->r->body);
    a->r->status = 0;
    a->too_large = 0;
    c->errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, body ? c->post_headers : c->get_headers);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        c->stats.bytes_sent += len;
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    c->stats.requests++;
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    a->r->status = (int)status;
    c->stats.bytes_received += rk_buf_len(&a->r->body);
    return cc;
}

static int cancelled(const struct rk_taxii_client *c)
{
    return c->cfg.cancelled && c->cfg.cancelled(c->cfg.cancel_ctx);
}

/* Sleep ms milliseconds in slices, returning early (1) when cancelled. */
static int nap(const struct rk_taxii_client *c, unsigned ms)
{
    while (ms > 0) {
        unsigned slice = ms < 100 ? ms : 100;
        struct timespec ts = {0, (long)slice * 1000000L};

        if (cancelled(c))
            return 1;
        nanosleep(&ts, NULL);
        ms -= slice;
    }
    return cancelled(c);
}

/* The delay before retry number `retry` (1, 2, ...): full jitter over an exponential ceiling,
 * at least what Retry-After asked (within backoff_max_ms). */
static unsigned backoff(const struct rk_taxii_client *c, unsigned retry, unsigned retry_after_s)
{
    uint64_t ceiling = c->cfg.backoff_ms;
    uint32_t rnd;
    unsigned ms;

    for (unsigned i = 1; i < retry && ceiling < c->cfg.backoff_max_ms; i++)
        ceiling *= 2;
    if (ceiling > c->cfg.backoff_max_ms)
        ceiling = c->cfg.backoff_max_ms;
    rk_random_bytes(&rnd, sizeof(rnd));
    ms = (unsigned)(ceiling / 2 + (ceiling / 2 + 1) * rnd / UINT32_MAX);
    if ((uint64_t)retry_after_s * 1000 > ms)
        ms = retry_after_s * 1000 < c->cfg.backoff_max_ms ? retry_after_s * 1000
                                                          : c->cfg.backoff_max_ms;
    return ms;
}

/* The title and description of a TAXII error document, for messages. */
static void error_doc(const struct rk_taxii_reply *r, char *out, size_t cap)
{
    json_t *doc = rk_taxii_reply_is_taxii(r) ? json_loadb(rk_buf_cstr(&r->body),
                                                          rk_buf_len(&r->body), 0, NULL)
                                             : NULL;
    const char *title = json_string_value(json_object_get(doc, "title"));
    const char *desc = json_string_value(json_object_get(doc, "description"));

    snprintf(out, cap, "%s%s%s", title ? title : "", title && desc ? ": " : "", desc ? desc : "");
    for (char *p = out; *p; p++) /* one line, printable */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    json_decref(doc);
}

static int transient_curl(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
        return 1;
    default:
        return 0;
    }
}

/* 408, 429, 5xx; and 401 with Retry-After, which a TAXII server answers an address blocked
 * after too many failed authentications (TAXII allows only 401 or 404 there): the credentials
 * were not checked, so they may well be good. */
static int transient_reply(const struct rk_taxii_reply *r)
{
    return r->status == 408 || r->status == 429 || (r->status >= 500 && r->status <= 599) ||
           (r->status == 401 && r->retry_after_s > 0);
}

/* The final error of an exchange that did not end in 2xx. */
static int fail_status(struct rk_taxii_client *c, const char *url, struct rk_taxii_reply *r,
                       unsigned attempts, struct rk_err *err)
{
    char doc[400];
    int code;

    (void)c;
    error_doc(r, doc, sizeof(doc));
    switch (r->status) {
    case 401: code = RK_EAUTH; break;
    case 403: code = RK_EPERM; break;
    case 404: code = RK_ENOTFOUND; break;
    case 413: code = RK_ELIMIT; break;
    default: code = r->status >= 400 && r->status < 500 ? RK_EINVAL : RK_EIO; break;
    }
    return rk_err_set(err, code, "%s: HTTP %d%s%s%s", url, r->status, doc[0] ? " (" : "", doc,
                      doc[0] ? ")" : attempts > 1 ? " after retries" : "");
}

static int fail_curl(struct rk_taxii_client *c, const char *url, CURLcode cc, int too_large,
                     unsigned attempts, struct rk_err *err)
{
    if (too_large)
        return rk_err_set(err, RK_ELIMIT, "%s: the response is larger than %zu bytes", url,
                          c->cfg.max_response_bytes);
    if (cc == CURLE_ABORTED_BY_CALLBACK && cancelled(c))
        return rk_err_set(err, RK_EIO, "%s: stopped", url);
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return rk_err_set(err, RK_EAUTH, "%s: the server's certificate does not have the pinned "
                          "SHA-256 fingerprint; nothing was sent", url);
    if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
        cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_ISSUER_ERROR)
        return rk_err_set(err, RK_EAUTH, "%s: TLS: %s", url,
                          c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
    return rk_err_set(err, RK_EIO, "%s: %s%s", url,
                      c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc),
                      attempts > 1 ? " (after retries)" : "");
}

int rk_taxii_http(struct rk_taxii_client *c, const char *url, const char *body, size_t len,
                  struct rk_taxii_reply *r, struct rk_err *err)
{
    struct attempt a = {c, r, 0};
    unsigned attempt = 0;
    CURLcode cc;

    for (;;) {
        attempt++;
        cc = perform(c, url, body, len, &a);
        c->stats.last_status = r->status;
        c->stats.last_attempts = attempt;
        if (cc == CURLE_OK && r->status >= 200 && r->status < 300)
            return 0;
        if (a.too_large || cancelled(c))
            return fail_curl(c, url, cc, a.too_large, attempt, err);
        if (cc == CURLE_OK ? !transient_reply(r) : !transient_curl(cc))
            break;
        if (attempt > c->cfg.retries)
            break;
        rk_log_info("retrying url=%s attempt=%u reason=\"%s\"", url, attempt + 1,
                    cc == CURLE_OK ? "HTTP status" : curl_easy_strerror(cc));
        if (nap(c, backoff(c, attempt, r->retry_after_s)))
            return fail_curl(c, url, CURLE_ABORTED_BY_CALLBACK, 0, attempt, err);
    }
    return cc == CURLE_OK ? fail_status(c, url, r, attempt, err)
                          : fail_curl(c, url, cc, 0, attempt, err);
}

/* ---- URLs ---------------------------------------------------------------------------------- */

int rk_taxii_url_resolve(const char *base, const char *ref, char *out, size_t cap,
                         struct rk_err *err)
{
    CURLU *u = curl_url();
    char *s = NULL;
    int rc = RK_EFORMAT;

    if (!u)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        rc = rk_strlcpy(out, s, cap) == 0 ? 0 : RK_ELIMIT;
    curl_free(s);
    curl_url_cleanup(u);
    if (rc != 0)
        return rk_err_set(err, rc, "cannot resolve URL '%.200s' against '%.200s'", ref, base);
    return 0;
}
