/* fake_server.c - the scripted HTTP server of the client tests (see fake_server.h). */
#include "fake_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fake {
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t lock;
    struct fake_step steps[FAKE_STEPS_MAX];
    size_t n, next;
    unsigned requests;
    char url[4096];
    char auth[512];
    size_t body_len;
};

struct req {
    size_t body_len;
};

static char *body_of(const struct fake_step *s, size_t *len)
{
    const char *b = s->body ? s->body : "";
    size_t one = strlen(b), times = s->body_repeat ? s->body_repeat : 1;
    char *out = malloc(one * times + 1);

    for (size_t i = 0; out && i < times; i++)
        memcpy(out + i * one, b, one);
    *len = one * times;
    return out;
}

static enum MHD_Result answer(struct fake *f, struct MHD_Connection *conn, const char *url,
                              size_t body_len)
{
    struct fake_step s;
    struct MHD_Response *resp;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *query = NULL;
    enum MHD_Result ret;
    size_t len;
    char *body;

    (void)query;
    pthread_mutex_lock(&f->lock);
    s = f->steps[f->next < f->n ? f->next : f->n - 1];
    f->next++;
    f->requests++;
    snprintf(f->auth, sizeof(f->auth), "%s", auth ? auth : "");
    snprintf(f->url, sizeof(f->url), "%s", url);
    f->body_len = body_len;
    pthread_mutex_unlock(&f->lock);
    if (s.delay_ms) {
        struct timespec ts = {s.delay_ms / 1000, (long)(s.delay_ms % 1000) * 1000000L};

        nanosleep(&ts, NULL);
    }
    body = body_of(&s, &len);
    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type",
                            s.content_type ? s.content_type
                                           : "application/taxii+json;version=2.1");
    if (s.date_last)
        MHD_add_response_header(resp, "X-TAXII-Date-Added-Last", s.date_last);
    if (s.retry_after)
        MHD_add_response_header(resp, "Retry-After", s.retry_after);
    ret = MHD_queue_response(conn, s.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Keep the whole request target: MHD's url has no query, so rebuild it from the arguments. */
static enum MHD_Result add_arg(void *ctx, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    char *u = ctx;
    size_t len = strlen(u);

    (void)kind;
    snprintf(u + len, 4096 - len, "%s%s=%s", strchr(u, '?') ? "&" : "?", key, value ? value : "");
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct fake *f = cls;
    struct req *r = *con_cls;
    char full[4096];
    enum MHD_Result ret;

    (void)method, (void)version, (void)upload;
    if (!r) {
        if (!(r = calloc(1, sizeof(*r))))
            return MHD_NO;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        r->body_len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    snprintf(full, sizeof(full), "%s", url);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, full);
    ret = answer(f, conn, full, r->body_len);
    free(r);
    *con_cls = NULL;
    return ret;
}

struct fake *fake_start_tls(const struct fake_step *steps, size_t n, const char *cert_pem,
                            const char *key_pem)
{
    struct fake *f = calloc(1, sizeof(*f));
    const union MHD_DaemonInfo *info;
    struct sockaddr_in sa;

    if (!f || n == 0 || n > FAKE_STEPS_MAX)
        return NULL;
    memcpy(f->steps, steps, n * sizeof(*steps));
    f->n = n;
    pthread_mutex_init(&f->lock, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7f000001);
    if (cert_pem)
        f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                                        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS,
                                0, NULL, NULL, handle, f, MHD_OPTION_SOCK_ADDR, &sa,
                                MHD_OPTION_HTTPS_MEM_CERT, cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
                                key_pem, MHD_OPTION_END);
    else
        f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
                                0, NULL, NULL, handle, f, MHD_OPTION_SOCK_ADDR, &sa,
                                MHD_OPTION_END);
    if (!f->d) {
        free(f);
        return NULL;
    }
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info ? info->port : 0;
    return f;
}

struct fake *fake_start(const struct fake_step *steps, size_t n)
{
    return fake_start_tls(steps, n, NULL, NULL);
}

void fake_stop(struct fake *f)
{
    if (!f)
        return;
    MHD_stop_daemon(f->d);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

unsigned fake_port(const struct fake *f)
{
    return f->port;
}

unsigned fake_requests(struct fake *f)
{
    unsigned n;

    pthread_mutex_lock(&f->lock);
    n = f->requests;
    pthread_mutex_unlock(&f->lock);
    return n;
}

void fake_last(struct fake *f, char *url, size_t url_cap, char *auth, size_t auth_cap,
               size_t *body_len)
{
    pthread_mutex_lock(&f->lock);
    if (url)
        snprintf(url, url_cap, "%s", f->url);
    if (auth)
        snprintf(auth, auth_cap, "%s", f->auth);
    if (body_len)
        *body_len = f->body_len;
    pthread_mutex_unlock(&f->lock);
}
