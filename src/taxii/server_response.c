/* server_response.c - responses: the TAXII media type, date headers, and error documents
 * (TAXII 2.1 section 3.6.1) whose http_status matches the status line. */
#include "taxii/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "renkei/log.h"
#include "util/alloc.h"

#define ERROR_BODY_MAX 8192

const char *rk_taxii_status_title(unsigned status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

void rk_taxii_log_escape(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;

    if (cap == 0)
        return;
    for (; s && *s && o + 5 < cap; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static void add_headers(struct rk_taxii_conn *c, struct MHD_Response *r, unsigned status,
                        const char *date_first, const char *date_last)
{
    char retry[16];

    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, RK_TAXII_MEDIA_TYPE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (date_first)
        MHD_add_response_header(r, "X-TAXII-Date-Added-First", date_first);
    if (date_last)
        MHD_add_response_header(r, "X-TAXII-Date-Added-Last", date_last);
    if (status == 401)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Basic realm=\"renkei\", charset=\"UTF-8\", Bearer realm=\"renkei\"");
    if (status == 405 && c->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, c->allow);
    if (c->retry_after) { /* a 401 of an address blocked after failed authentications */
        snprintf(retry, sizeof(retry), "%u", c->retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
    }
}

/* Queue r with the TAXII headers as the answer; the connection's reference to r ends here. */
static int queue(struct rk_taxii_conn *c, unsigned status, struct MHD_Response *r,
                 const char *date_first, const char *date_last)
{
    int ok;

    add_headers(c, r, status, date_first, date_last);
    ok = MHD_queue_response(c->mhd, status, r) == MHD_YES;
    MHD_destroy_response(r);
    c->responded = 1;
    c->audit.status = (int)status;
    return ok ? 0 : RK_EIO;
}

int rk_taxii_respond(struct rk_taxii_conn *c, unsigned status, struct rk_buf *body,
                     const char *date_first, const char *date_last)
{
    struct MHD_Response *r;
    size_t len = 0;
    char *p = body ? rk_buf_detach(body, &len) : NULL;

    if (p)
        r = MHD_create_response_from_buffer_with_free_callback(len, p, rk_free);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        rk_free(p);
        return RK_ENOMEM;
    }
    return queue(c, status, r, date_first, date_last);
}

int rk_taxii_respond_shared(struct rk_taxii_conn *c, unsigned status, const char *body,
                            size_t len, void (*release)(void *cls), void *cls,
                            const char *date_first, const char *date_last)
{
    struct MHD_Response *r =
            MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)body, release, cls);

    if (!r) {
        release(cls);
        return RK_ENOMEM;
    }
    return queue(c, status, r, date_first, date_last);
}

int rk_taxii_respond_error(struct rk_taxii_conn *c, unsigned status, const char *title,
                           const char *fmt, ...)
{
    char desc[1024], code[8];
    struct rk_buf b;
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(desc, sizeof(desc), fmt, ap);
    va_end(ap);
    snprintf(code, sizeof(code), "%u", status);
    rk_buf_init(&b, ERROR_BODY_MAX);
    rk_buf_puts(&b, "{\"title\":");
    rk_buf_json_string(&b, title ? title : rk_taxii_status_title(status),
                       strlen(title ? title : rk_taxii_status_title(status)));
    rk_buf_puts(&b, ",\"description\":");
    rk_buf_json_string(&b, desc, strlen(desc));
    rk_buf_printf(&b, ",\"http_status\":\"%s\"}", code);
    if (status >= 500 || rk_log_enabled(RK_LOG_DEBUG)) {
        char uri[256], d[512];

        rk_taxii_log_escape(c->uri, uri, sizeof(uri));
        rk_taxii_log_escape(desc, d, sizeof(d));
        if (status >= 500)
            rk_log_error("%u %s uri=\"%s\" description=\"%s\"", status,
                         rk_taxii_status_title(status), uri, d);
        else
            rk_log_debug("%u uri=\"%s\" description=\"%s\"", status, uri, d);
    }
    rc = rk_taxii_respond(c, status, &b, NULL, NULL);
    rk_buf_free(&b);
    return rc;
}
