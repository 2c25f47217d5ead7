/* buf.c - growable byte buffers with a hard cap. */
#include "util/buf.h"
#include "util/alloc.h"
#include "renkei/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void rk_buf_init(struct rk_buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void rk_buf_free(struct rk_buf *b)
{
    rk_free(b->ptr);
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
}

void rk_buf_reset(struct rk_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

int rk_buf_reserve(struct rk_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > b->max || b->len > b->max - extra)
        return RK_ELIMIT;
    need = b->len + extra + 1; /* room for the terminating NUL */
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    p = rk_realloc(b->ptr, cap);
    if (!p)
        return RK_ENOMEM;
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int rk_buf_append(struct rk_buf *b, const void *p, size_t len)
{
    int rc;

    if ((rc = rk_buf_reserve(b, len)) != 0)
        return rc;
    if (len)
        memcpy(b->ptr + b->len, p, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return 0;
}

int rk_buf_puts(struct rk_buf *b, const char *s)
{
    return rk_buf_append(b, s, strlen(s));
}

int rk_buf_putc(struct rk_buf *b, char c)
{
    return rk_buf_append(b, &c, 1);
}

int rk_buf_vprintf(struct rk_buf *b, const char *fmt, va_list ap)
{
    va_list copy;
    int n, rc;

    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return RK_EFORMAT;
    if ((rc = rk_buf_reserve(b, (size_t)n)) != 0)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int rk_buf_printf(struct rk_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = rk_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int rk_buf_json_string(struct rk_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;
    int rc;

    if ((rc = rk_buf_putc(b, '"')) != 0)
        return rc;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        size_t esc_len = 2;

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((rc = rk_buf_append(b, s + run, i - run)) != 0)
            return rc;
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            esc_len = 6;
        }
        if ((rc = rk_buf_append(b, esc, esc_len)) != 0)
            return rc;
    }
    if ((rc = rk_buf_append(b, s + run, len - run)) != 0)
        return rc;
    return rk_buf_putc(b, '"');
}

void rk_buf_truncate(struct rk_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->ptr[len] = '\0';
    }
}

const char *rk_buf_cstr(const struct rk_buf *b)
{
    return b->ptr ? b->ptr : "";
}

char *rk_buf_ptr(struct rk_buf *b)
{
    return b->ptr;
}

size_t rk_buf_len(const struct rk_buf *b)
{
    return b->len;
}

char *rk_buf_detach(struct rk_buf *b, size_t *len_out)
{
    char *p = b->ptr;

    *len_out = b->len;
    if (!p) {
        p = rk_strndup("", 0);
        *len_out = 0;
    }
    b->ptr = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

int rk_buf_read_file(struct rk_buf *b, const char *path, struct rk_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = 0;

    if (!f)
        return rk_err_set(err, RK_EIO, "cannot open %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if ((rc = rk_buf_append(b, chunk, n)) != 0) {
            rk_err_set(err, rc, "%s: %s (cap %zu bytes)", path,
                       rc == RK_ELIMIT ? "file too large" : "out of memory", b->max);
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = rk_err_set(err, RK_EIO, "cannot read %s: %s", path, strerror(errno));
    if (f != stdin)
        fclose(f);
    return rc;
}
