/* buf.h - growable byte buffers with a hard cap. */
#ifndef RK_UTIL_BUF_H
#define RK_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A byte buffer that grows up to max bytes; the contents are always NUL-terminated. */
struct rk_buf {
    char *ptr;
    size_t len;
    size_t cap;
    size_t max;
};

#define RK_BUF_UNLIMITED ((size_t)-1)

/* Start empty with a cap of max bytes of content. Allocates nothing. */
void rk_buf_init(struct rk_buf *b, size_t max);
/* Release the storage; the buffer is empty and reusable afterwards. */
void rk_buf_free(struct rk_buf *b);
/* Drop the contents, keep the storage. */
void rk_buf_reset(struct rk_buf *b);

/* Make room for extra more bytes. RK_ELIMIT past the cap, RK_ENOMEM. */
int rk_buf_reserve(struct rk_buf *b, size_t extra);
int rk_buf_append(struct rk_buf *b, const void *p, size_t len);
int rk_buf_puts(struct rk_buf *b, const char *s);
int rk_buf_putc(struct rk_buf *b, char c);
int rk_buf_printf(struct rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rk_buf_vprintf(struct rk_buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
/* Append s as a quoted, escaped JSON string. */
int rk_buf_json_string(struct rk_buf *b, const char *s, size_t len);
/* Drop bytes after the first len. */
void rk_buf_truncate(struct rk_buf *b, size_t len);

/* The contents; "" (never NULL) when empty. Borrowed until the next change. */
const char *rk_buf_cstr(const struct rk_buf *b);
char *rk_buf_ptr(struct rk_buf *b);
size_t rk_buf_len(const struct rk_buf *b);

/* Hand the storage to the caller (free with rk_free); the buffer becomes empty.
 * Returns NULL with *len_out = 0 when nothing was ever allocated and the allocation fails. */
char *rk_buf_detach(struct rk_buf *b, size_t *len_out);

/* Read a whole file (or stdin for "-") into b, up to b's cap. RK_EIO, RK_ELIMIT. */
struct rk_err;
int rk_buf_read_file(struct rk_buf *b, const char *path, struct rk_err *err);

#endif
