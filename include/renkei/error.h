/* error.h - renkei error codes and the caller-owned error detail struct. */
#ifndef RENKEI_ERROR_H
#define RENKEI_ERROR_H

#include <stddef.h>

/* Return codes: 0 is success, every failure is negative. Never renumber. */
enum {
    RK_OK = 0,
    RK_EINTERNAL = -1,    /* a bug: an invariant did not hold */
    RK_ENOMEM = -2,       /* an allocation failed */
    RK_EFORMAT = -3,      /* input is not well formed */
    RK_ENOTFOUND = -4,    /* the thing asked for does not exist */
    RK_EEXISTS = -5,      /* the thing to create exists already */
    RK_ELIMIT = -6,       /* a configured cap was reached */
    RK_EIO = -7,          /* the operating system or storage failed */
    RK_EINVAL = -8,       /* a valid-looking request that is not allowed */
    RK_ECONFLICT = -9,    /* same identity, different content */
    RK_EPERM = -10,       /* not allowed for this user or partner */
    RK_EAUTH = -11,       /* authentication failed */
    RK_EUNSUPPORTED = -12 /* a feature this build or version does not have */
};

#define RK_ERR_MESSAGE_MAX 512
#define RK_ERR_ID_MAX      160
#define RK_ERR_PATH_MAX    256

/* Detail about the last failure of a call. Owned by the caller, passed last, may be NULL. */
struct rk_err {
    int code;                           /* the RK_E* code, 0 when clear */
    long long offset;                   /* byte offset in the input, -1 when unknown */
    char object_id[RK_ERR_ID_MAX];      /* STIX id the error is about, "" when none */
    char path[RK_ERR_PATH_MAX];         /* JSON path such as "objects[3].created", "" when none */
    char message[RK_ERR_MESSAGE_MAX];   /* one line, no trailing period */
};

/* Reset every field; offset becomes -1. Accepts NULL. */
void rk_err_clear(struct rk_err *err);

/* Set code and message (printf style); returns code so callers can `return rk_err_set(...)`.
 * Accepts a NULL err. The object id, path and offset are left as they are. */
int rk_err_set(struct rk_err *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Attach context to an error already set. Each accepts a NULL err. */
void rk_err_set_offset(struct rk_err *err, long long offset);
void rk_err_set_object(struct rk_err *err, const char *object_id);
void rk_err_set_path(struct rk_err *err, const char *path);

/* Prefix the message with context ("file.json: " + message). Accepts a NULL err. */
void rk_err_prefix(struct rk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Format the whole error on one line: "[id] path: message (byte N)". Returns buf. */
const char *rk_err_format(const struct rk_err *err, char *buf, size_t cap);

/* A short name for a code: "format", "not found", ... Never NULL. */
const char *rk_strerror(int rc);

#endif
