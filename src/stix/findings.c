/* findings.c - lists of validation findings (errors and warnings) and the path and reporting
 * helpers of the validation context. */
#include "stix/stix_internal.h"
#include "util/alloc.h"
#include "util/strparse.h"

#include <stdio.h>
#include <string.h>

int rk_stix_findings_add(struct rk_stix_findings **fp, int severity, long long offset,
                         const char *object_id, const char *path, const char *msg)
{
    struct rk_stix_findings *f = *fp;
    struct rk_stix_finding *x;

    if (!f) {
        if ((f = rk_calloc(1, sizeof(*f))) == NULL)
            return RK_ENOMEM;
        *fp = f;
    }
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 4;
        struct rk_stix_finding *v = rk_reallocarray(f->v, cap, sizeof(*v));

        if (!v)
            return RK_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    x = &f->v[f->n++];
    x->severity = severity;
    x->offset = offset;
    rk_strlcpy(x->object_id, object_id ? object_id : "", sizeof(x->object_id));
    rk_strlcpy(x->path, path ? path : "", sizeof(x->path));
    rk_strlcpy(x->message, msg, sizeof(x->message));
    if (severity == RK_STIX_ERROR)
        f->errors++;
    return 0;
}

size_t rk_stix_findings_count(const struct rk_stix_findings *f)
{
    return f ? f->n : 0;
}

size_t rk_stix_findings_errors(const struct rk_stix_findings *f)
{
    return f ? f->errors : 0;
}

const struct rk_stix_finding *rk_stix_findings_at(const struct rk_stix_findings *f, size_t i)
{
    return f && i < f->n ? &f->v[i] : NULL;
}

void rk_stix_findings_free(struct rk_stix_findings *f)
{
    if (!f)
        return;
    rk_free(f->v);
    rk_free(f);
}

void rk_stix_finding_to_err(const struct rk_stix_finding *f, int code, struct rk_err *err)
{
    if (!err)
        return;
    rk_err_set(err, code, "%s", f->message);
    rk_err_set_object(err, f->object_id);
    rk_err_set_path(err, f->path);
    rk_err_set_offset(err, f->offset);
}

/* ---- validation context helpers ------------------------------------------------------------ */

static void vreport(struct rk_stix_vctx *c, int severity, const char *fmt, va_list ap)
{
    char msg[RK_ERR_MESSAGE_MAX];

    if (rk_stix_findings_count(c->findings) >= RK_STIX_FINDINGS_MAX) {
        c->dropped++;
        if (severity == RK_STIX_ERROR && c->findings)
            c->findings->errors++; /* the verdict still counts it */
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (rk_stix_findings_add(&c->findings, severity, c->offset, c->id, c->path, msg) != 0)
        c->oom = 1;
}

void rk_stix_error(struct rk_stix_vctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, RK_STIX_ERROR, fmt, ap);
    va_end(ap);
}

void rk_stix_warn(struct rk_stix_vctx *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(c, RK_STIX_WARNING, fmt, ap);
    va_end(ap);
}

void rk_stix_missing(struct rk_stix_vctx *c, const char *name)
{
    size_t save = rk_stix_path_key(c, name);

    rk_stix_error(c, "missing required property %s", name);
    rk_stix_path_pop(c, save);
}

size_t rk_stix_vctx_errors(const struct rk_stix_vctx *c)
{
    return rk_stix_findings_errors(c->findings) + (c->oom ? 1 : 0);
}

/* Paths longer than the buffer end in "..." and stay so until popped; validation goes on. */
static size_t path_append(struct rk_stix_vctx *c, const char *s, size_t len)
{
    size_t old = c->plen;

    if (old >= 3 && memcmp(c->path + old - 3, "...", 3) == 0)
        return old;
    if (old + len + 1 > sizeof(c->path)) {
        if (old + 4 <= sizeof(c->path)) {
            memcpy(c->path + old, "...", 4);
            c->plen = old + 3;
        }
        return old;
    }
    memcpy(c->path + old, s, len);
    c->plen = old + len;
    c->path[c->plen] = '\0';
    return old;
}

size_t rk_stix_path_key(struct rk_stix_vctx *c, const char *key)
{
    size_t old = c->plen;

    if (old > 0)
        path_append(c, ".", 1);
    path_append(c, key, strlen(key));
    return old;
}

size_t rk_stix_path_index(struct rk_stix_vctx *c, size_t i)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof(tmp), "[%zu]", i);

    return path_append(c, tmp, (size_t)n);
}

void rk_stix_path_pop(struct rk_stix_vctx *c, size_t len)
{
    c->plen = len;
    c->path[len] = '\0';
}
