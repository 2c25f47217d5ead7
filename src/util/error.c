/* error.c - error detail struct and code names. */
#include "renkei/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void rk_err_clear(struct rk_err *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
    err->offset = -1;
}

int rk_err_set(struct rk_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

void rk_err_set_offset(struct rk_err *err, long long offset)
{
    if (err)
        err->offset = offset;
}

void rk_err_set_object(struct rk_err *err, const char *object_id)
{
    if (err)
        snprintf(err->object_id, sizeof(err->object_id), "%s", object_id ? object_id : "");
}

void rk_err_set_path(struct rk_err *err, const char *path)
{
    if (err)
        snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
}

void rk_err_prefix(struct rk_err *err, const char *fmt, ...)
{
    char prefix[RK_ERR_MESSAGE_MAX];
    char joined[RK_ERR_MESSAGE_MAX];
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    size_t n = strlen(prefix), m = strlen(err->message);

    if (n >= sizeof(joined))
        n = sizeof(joined) - 1;
    if (m > sizeof(joined) - 1 - n)
        m = sizeof(joined) - 1 - n;
    memcpy(joined, prefix, n);
    memcpy(joined + n, err->message, m);
    joined[n + m] = '\0';
    memcpy(err->message, joined, sizeof(err->message));
}

const char *rk_err_format(const struct rk_err *err, char *buf, size_t cap)
{
    size_t n = 0;
    int w;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (!err)
        return buf;
    if (err->object_id[0]) {
        w = snprintf(buf + n, cap - n, "%s: ", err->object_id);
        n = w < 0 ? n : (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
    }
    if (err->path[0] && n < cap - 1) {
        w = snprintf(buf + n, cap - n, "%s: ", err->path);
        n = w < 0 ? n : (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
    }
    if (n < cap - 1) {
        w = snprintf(buf + n, cap - n, "%s", err->message[0] ? err->message : rk_strerror(err->code));
        n = w < 0 ? n : (size_t)w >= cap - n ? cap - 1 : n + (size_t)w;
    }
    if (err->offset >= 0 && n < cap - 1)
        snprintf(buf + n, cap - n, " (byte %lld)", err->offset);
    return buf;
}

const char *rk_strerror(int rc)
{
    switch (rc) {
    case RK_OK:
        return "ok";
    case RK_EINTERNAL:
        return "internal error";
    case RK_ENOMEM:
        return "out of memory";
    case RK_EFORMAT:
        return "bad format";
    case RK_ENOTFOUND:
        return "not found";
    case RK_EEXISTS:
        return "already exists";
    case RK_ELIMIT:
        return "limit reached";
    case RK_EIO:
        return "i/o error";
    case RK_EINVAL:
        return "invalid request";
    case RK_ECONFLICT:
        return "conflict";
    case RK_EPERM:
        return "permission denied";
    case RK_EAUTH:
        return "authentication failed";
    case RK_EUNSUPPORTED:
        return "unsupported";
    default:
        return "unknown error";
    }
}
