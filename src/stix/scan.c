/* scan.c - the incremental JSON structure scanner (see scan.h). */
#include "stix/scan.h"
#include "stix/swar.h"
#include "util/alloc.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Mapped input is handed back to the kernel in steps of this many bytes. */
#define TRIM_STEP ((size_t)8 << 20)

/* Deeper nesting is still matched by count, not by bracket kind. */
#define STACK_MAX_BITS ((size_t)1 << 20)

/* A regular file: map it whole and read it like memory, without copying. 0 when mapped, 1 when
 * the file should be read in chunks instead (empty, or the mapping failed). */
static int map_file(struct rk_stix_scan *s)
{
    void *m;

    if (s->size == 0 || s->size > SIZE_MAX)
        return 1;
    m = mmap(NULL, (size_t)s->size, PROT_READ, MAP_PRIVATE, fileno(s->f), 0);
    if (m == MAP_FAILED)
        return 1;
    madvise(m, (size_t)s->size, MADV_SEQUENTIAL);
    s->map = m;
    s->map_len = (size_t)s->size;
    s->p = m;
    s->len = s->map_len;
    s->eof = 1;
    fclose(s->f);
    s->f = NULL;
    s->own_file = 0;
    return 0;
}

int rk_stix_scan_open_file(struct rk_stix_scan *s, const char *path, struct rk_err *err)
{
    struct stat st;

    memset(s, 0, sizeof(*s));
    s->mark = RK_SCAN_NO_MARK;
    if (strcmp(path, "-") == 0) {
        s->f = stdin;
    } else if ((s->f = fopen(path, "rb")) == NULL) {
        return rk_err_set(err, RK_EIO, "%s: %s", path, strerror(errno));
    } else {
        s->own_file = 1;
    }
    if (fstat(fileno(s->f), &st) == 0 && S_ISREG(st.st_mode))
        s->size = (uint64_t)st.st_size;
    if (s->own_file && map_file(s) == 0)
        return 0;
    if ((s->buf = rk_malloc(RK_SCAN_CHUNK)) == NULL) {
        rk_stix_scan_close(s);
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    }
    s->cap = RK_SCAN_CHUNK;
    s->p = s->buf;
    return 0;
}

void rk_stix_scan_trim(struct rk_stix_scan *s)
{
    size_t upto = s->mark != RK_SCAN_NO_MARK && s->mark < s->pos ? s->mark : s->pos;
    long page;

    if (!s->map || upto < s->dropped + TRIM_STEP || (page = sysconf(_SC_PAGESIZE)) <= 0)
        return;
    upto &= ~((size_t)page - 1);
    madvise((char *)s->map + s->dropped, upto - s->dropped, MADV_DONTNEED);
    s->dropped = upto;
}

void rk_stix_scan_open_mem(struct rk_stix_scan *s, const char *p, size_t len)
{
    memset(s, 0, sizeof(*s));
    s->mark = RK_SCAN_NO_MARK;
    s->p = p;
    s->len = len;
    s->size = len;
    s->eof = 1;
}

void rk_stix_scan_close(struct rk_stix_scan *s)
{
    if (s->f && s->own_file)
        fclose(s->f);
    if (s->map)
        munmap(s->map, s->map_len);
    rk_free(s->buf);
    rk_free(s->stack);
    memset(s, 0, sizeof(*s));
}

/* Make room: drop consumed bytes not covered by the mark, grow for a long kept span. */
static int make_room(struct rk_stix_scan *s)
{
    size_t keep = s->mark != RK_SCAN_NO_MARK ? s->mark : s->len;
    size_t ncap;
    char *n;

    if (keep > 0) {
        memmove(s->buf, s->buf + keep, s->len - keep);
        s->base += keep;
        s->len -= keep;
        s->pos -= keep;
        if (s->mark != RK_SCAN_NO_MARK)
            s->mark = 0;
    }
    if (s->len < s->cap)
        return 0;
    if (s->len > s->mark_max) { /* the kept span is too long: stop keeping it */
        s->overflow = 1;
        s->mark = RK_SCAN_NO_MARK;
        s->base += s->len;
        s->pos = s->len = 0;
        return 0;
    }
    ncap = s->cap * 2;
    if (s->mark_max < SIZE_MAX / 2 && ncap > s->mark_max + RK_SCAN_CHUNK)
        ncap = s->mark_max + RK_SCAN_CHUNK;
    if (ncap <= s->cap || (n = rk_realloc(s->buf, ncap)) == NULL)
        return RK_ENOMEM;
    s->buf = n;
    s->cap = ncap;
    s->p = n;
    return 0;
}

/* Read more input; the number of bytes added (0 at the end, or on error with ioerr set). */
static size_t fill(struct rk_stix_scan *s)
{
    size_t n;

    if (!s->f || s->eof)
        return 0;
    if (make_room(s) != 0) {
        s->ioerr = ENOMEM;
        return 0;
    }
    n = fread(s->buf + s->len, 1, s->cap - s->len, s->f);
    if (n == 0) {
        if (ferror(s->f))
            s->ioerr = errno ? errno : EIO;
        s->eof = 1;
    }
    s->len += n;
    return n;
}

int rk_stix_scan_peek(struct rk_stix_scan *s)
{
    if (s->pos == s->len && fill(s) == 0)
        return s->ioerr ? RK_SCAN_IOERR : RK_SCAN_EOF;
    return (unsigned char)s->p[s->pos];
}

void rk_stix_scan_skip(struct rk_stix_scan *s)
{
    if (s->pos < s->len)
        s->pos++;
}

int rk_stix_scan_ws(struct rk_stix_scan *s)
{
    int c;

    while ((c = rk_stix_scan_peek(s)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        s->pos++;
    return c;
}

uint64_t rk_stix_scan_offset(const struct rk_stix_scan *s)
{
    return s->base + s->pos;
}

void rk_stix_scan_mark(struct rk_stix_scan *s, size_t max)
{
    s->mark = s->pos;
    s->mark_max = max;
    s->overflow = 0;
}

void rk_stix_scan_unmark(struct rk_stix_scan *s)
{
    s->mark = RK_SCAN_NO_MARK;
}

const char *rk_stix_scan_span(const struct rk_stix_scan *s, uint64_t start, size_t *len_out)
{
    uint64_t end = rk_stix_scan_offset(s);

    *len_out = (size_t)(end - start);
    if (s->overflow || start < s->base || end < start)
        return NULL;
    return s->p + (start - s->base);
}

static int push(struct rk_stix_scan *s, size_t depth, int is_object)
{
    if (depth >= STACK_MAX_BITS)
        return 0;
    if (depth >= s->stack_bits) {
        size_t bits = s->stack_bits ? s->stack_bits * 2 : 512;
        uint8_t *n = rk_realloc(s->stack, bits / 8);

        if (!n)
            return RK_ENOMEM;
        memset(n + s->stack_bits / 8, 0, (bits - s->stack_bits) / 8);
        s->stack = n;
        s->stack_bits = bits;
    }
    if (is_object)
        s->stack[depth / 8] |= (uint8_t)(1u << (depth % 8));
    else
        s->stack[depth / 8] &= (uint8_t)~(1u << (depth % 8));
    return 0;
}

static int top_is_object(const struct rk_stix_scan *s, size_t depth, int want)
{
    if (depth >= STACK_MAX_BITS)
        return want;
    return (s->stack[depth / 8] >> (depth % 8)) & 1u;
}

/* The input ended (or could not be read) inside the value that starts at byte start. */
static int ended_inside(const struct rk_stix_scan *s, uint64_t start, struct rk_err *err)
{
    int rc = s->ioerr ? RK_EIO : RK_EFORMAT;

    if (s->ioerr)
        rk_err_set(err, rc, "read error inside the value that starts at byte %llu: %s",
                   (unsigned long long)start, strerror(s->ioerr));
    else
        rk_err_set(err, rc, "input ends inside the value that starts at byte %llu (truncated?)",
                   (unsigned long long)start);
    rk_err_set_offset(err, (long long)rk_stix_scan_offset(s));
    return rc;
}

/* The scanning loop shared by scan_value and scan_close: runs until depth returns to 0. */
static int scan_nested(struct rk_stix_scan *s, size_t depth, int in_str, uint64_t start,
                       struct rk_err *err)
{
    int esc = 0;

    for (;;) {
        const char *p;
        size_t i, n;

        if (s->pos == s->len && fill(s) == 0)
            return ended_inside(s, start, err);
        p = s->p;
        n = s->len;
        for (i = s->pos; i < n; i++) {
            char ch;

            if (in_str && !esc)
                i = rk_swar_skip_plain(p, i, n, 0);
            if (i == n)
                break;
            ch = p[i];
            if (in_str) {
                if (esc) {
                    esc = 0;
                } else if (ch == '\\') {
                    esc = 1;
                } else if (ch == '"') {
                    in_str = 0;
                    if (depth == 0) {
                        s->pos = i + 1;
                        return 0;
                    }
                }
                continue;
            }
            if (ch == '"') {
                in_str = 1;
            } else if (ch == '{' || ch == '[') {
                if (push(s, depth++, ch == '{') != 0)
                    return rk_err_set(err, RK_ENOMEM, "out of memory");
            } else if (ch == '}' || ch == ']') {
                if (depth == 0 || top_is_object(s, depth - 1, ch == '}') != (ch == '}')) {
                    rk_err_set(err, RK_EFORMAT, "'%c' at byte %llu does not close the bracket "
                               "opened before it (value starts at byte %llu)", ch,
                               (unsigned long long)(s->base + i), (unsigned long long)start);
                    rk_err_set_offset(err, (long long)(s->base + i));
                    s->pos = i;
                    return RK_EFORMAT;
                }
                if (--depth == 0) {
                    s->pos = i + 1;
                    return 0;
                }
            }
        }
        s->pos = n;
    }
}

static int is_scalar_char(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '-' || c == '+' || c == '.';
}

int rk_stix_scan_value(struct rk_stix_scan *s, int *first_out, struct rk_err *err)
{
    uint64_t start = rk_stix_scan_offset(s);
    int c = rk_stix_scan_peek(s);

    *first_out = c;
    if (c < 0) {
        rk_err_set(err, c == RK_SCAN_IOERR ? RK_EIO : RK_EFORMAT,
                   "input ends where a value should start (byte %llu)", (unsigned long long)start);
        rk_err_set_offset(err, (long long)start);
        return c == RK_SCAN_IOERR ? RK_EIO : RK_EFORMAT;
    }
    if (c == '"') {
        s->pos++;
        return scan_nested(s, 0, 1, start, err);
    }
    if (c == '{' || c == '[') {
        s->pos++;
        if (push(s, 0, c == '{') != 0)
            return rk_err_set(err, RK_ENOMEM, "out of memory");
        return scan_nested(s, 1, 0, start, err);
    }
    if (!is_scalar_char(c)) {
        rk_err_set(err, RK_EFORMAT, "unexpected '%c' at byte %llu where a value should start", c,
                   (unsigned long long)start);
        rk_err_set_offset(err, (long long)start);
        return RK_EFORMAT;
    }
    while ((c = rk_stix_scan_peek(s)) >= 0 && is_scalar_char(c))
        s->pos++;
    return c == RK_SCAN_IOERR ? rk_err_set(err, RK_EIO, "read error") : 0;
}
