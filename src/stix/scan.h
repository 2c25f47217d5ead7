/* scan.h - an incremental JSON structure scanner over a regular file mapped into memory, a
 * stream (stdin, a pipe) read in 1 MiB chunks, or memory. It finds where each JSON value ends (tracking strings, escapes and bracket nesting)
 * without building it, and keeps the bytes of one marked span so that a value can be handed to
 * the JSON parser alone. Memory stays bounded by the chunk size plus the largest span kept. */
#ifndef RK_STIX_SCAN_H
#define RK_STIX_SCAN_H

#include "renkei/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RK_SCAN_CHUNK   ((size_t)1 << 20)
#define RK_SCAN_NO_MARK ((size_t)-1)
#define RK_SCAN_EOF     (-1)
#define RK_SCAN_IOERR   (-2)

struct rk_stix_scan {
    FILE *f;
    int own_file;
    char *buf; /* file mode: the window */
    size_t cap;
    const char *p; /* the window (buf, or the caller's memory) */
    size_t len;    /* bytes in the window */
    size_t pos;    /* next byte to read */
    uint64_t base; /* input offset of p[0] */
    size_t mark;   /* window index of the first kept byte, RK_SCAN_NO_MARK for none */
    size_t mark_max; /* a kept span longer than this is dropped and overflow set */
    int overflow;
    int eof;
    int ioerr;
    uint64_t size; /* input size, 0 when unknown */
    void *map;     /* a mapped regular file (the window is all of it), else NULL */
    size_t map_len;
    size_t dropped; /* bytes of the mapping handed back to the kernel so far */
    uint8_t *stack; /* one bit per nesting level: 1 for '{', 0 for '[' */
    size_t stack_bits;
};

/* Open over a file ("-" is stdin) or over memory (not copied; must outlive the scanner). */
int rk_stix_scan_open_file(struct rk_stix_scan *s, const char *path, struct rk_err *err);
void rk_stix_scan_open_mem(struct rk_stix_scan *s, const char *p, size_t len);
void rk_stix_scan_close(struct rk_stix_scan *s);
/* For a mapped file: let the kernel drop the pages already read (they stay in the page cache
 * but leave this process's resident set), keeping the marked span. Cheap to call often. */
void rk_stix_scan_trim(struct rk_stix_scan *s);

/* The next byte without consuming it, RK_SCAN_EOF or RK_SCAN_IOERR. */
int rk_stix_scan_peek(struct rk_stix_scan *s);
/* Consume one byte (after a successful peek). */
void rk_stix_scan_skip(struct rk_stix_scan *s);
/* Skip JSON white space; returns the next byte like peek. */
int rk_stix_scan_ws(struct rk_stix_scan *s);
/* Input offset of the next byte. */
uint64_t rk_stix_scan_offset(const struct rk_stix_scan *s);

/* Keep the bytes from the next one on (up to max bytes), or stop keeping them. */
void rk_stix_scan_mark(struct rk_stix_scan *s, size_t max);
void rk_stix_scan_unmark(struct rk_stix_scan *s);
/* The kept bytes from input offset start to the current position; NULL when they were
 * dropped (longer than the mark's max) or start is no longer in the window. */
const char *rk_stix_scan_span(const struct rk_stix_scan *s, uint64_t start, size_t *len_out);

/* Consume one JSON value; *first_out gets its first byte. RK_EFORMAT with the offset in err
 * when the structure breaks (brackets that do not match, input that ends inside the value). */
int rk_stix_scan_value(struct rk_stix_scan *s, int *first_out, struct rk_err *err);
#endif
