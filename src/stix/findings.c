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

const struct rk_stix_finding *rk_stix_findings_first_error(const struct rk_stix_findings *f)
{
    for (size_t i = 0; f && i < rk_stix_findings_count(f); i++)
        if (rk_stix_findings_at(f, i)->severity == RK_STIX_ERROR)
            return rk_stix_findings_at(f, i);
    return NULL;
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

/* Render the path segments as "a.b[2].c" into out. */
static void render_path(const struct rk_stix_vctx *c, char *out, size_t cap)
{
    size_t n = 0;
    int w;

    out[0] = '\0';
    for (size_t i = 0; i < c->nseg && n < cap; i++) {
        if (i >= RK_STIX_PATH_SEGS)
            w = snprintf(out + n, cap - n, "...");
        else if (c->seg[i].key)
            w = snprintf(out + n, cap - n, "%s%s", n ? "." : "", c->seg[i].key);
        else
            w = snprintf(out + n, cap - n, "[%zu]", c->seg[i].index);
        if (w < 0 || (size_t)w >= cap - n) {
            if (cap >= 4)
                memcpy(out + cap - 4, "...", 4);
            return;
        }
        n += (size_t)w;
        if (i >= RK_STIX_PATH_SEGS)
            return;
    }
}

static void vreport(struct rk_stix_vctx *c, int severity, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

static void vreport(struct rk_stix_vctx *c, int severity, const char *fmt, va_list ap)
{
    char msg[RK_ERR_MESSAGE_MAX], path[RK_ERR_PATH_MAX];

    if (rk_stix_findings_count(c->findings) >= RK_STIX_FINDINGS_MAX) {
        c->dropped++;
        if (severity == RK_STIX_ERROR && c->findings)
            c->findings->errors++; /* the verdict still counts it */
        return;
    }
    vsnprintf(msg, sizeof(msg), fmt, ap);
    render_path(c, path, sizeof(path));
    if (rk_stix_findings_add(&c->findings, severity, c->offset, c->id, path, msg) != 0)
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

size_t rk_stix_path_key(struct rk_stix_vctx *c, const char *key)
{
    if (c->nseg < RK_STIX_PATH_SEGS) {
        c->seg[c->nseg].key = key;
        c->seg[c->nseg].index = 0;
    }
    return c->nseg++;
}

size_t rk_stix_path_index(struct rk_stix_vctx *c, size_t i)
{
    if (c->nseg < RK_STIX_PATH_SEGS) {
        c->seg[c->nseg].key = NULL;
        c->seg[c->nseg].index = i;
    }
    return c->nseg++;
}

void rk_stix_path_pop(struct rk_stix_vctx *c, size_t len)
{
    c->nseg = len;
}
