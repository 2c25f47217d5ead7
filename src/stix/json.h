/* json.h - a strict RFC 8259 JSON parser into a compact DOM, for the STIX hot path.
 *
 * One parse makes one document: a single allocation holding every value node, the sorted
 * member order of each object, the strings that needed unescaping, and a copy of the source
 * text. Strings without escapes are slices of that copy, NUL-terminated in place (the closing
 * quote becomes the NUL). Freeing the document frees everything; nodes are never freed alone.
 *
 * A node is 24 bytes. An object's children are 2 * len nodes (key, value, key, value, ...) in
 * source order; x.order lists its members sorted by key (UTF-16 code unit order, as canonical
 * JSON wants), which also finds duplicate keys at parse time and speeds up lookups in large
 * objects. Integers that fit int64 are exact; every number keeps its source text.
 *
 * The accepted language is jansson's with JSON_REJECT_DUPLICATES: UTF-8 validated, no raw
 * control characters in strings, "\u0000" rejected, surrogate escapes paired, integers that do
 * not fit int64 and reals that overflow rejected, nesting capped (2048 by default).
 */
#ifndef RK_STIX_JSON_H
#define RK_STIX_JSON_H

#include "renkei/error.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum rk_json_type {
    RK_JSON_NULL = 0,
    RK_JSON_FALSE,
    RK_JSON_TRUE,
    RK_JSON_INT,
    RK_JSON_REAL,
    RK_JSON_STRING,
    RK_JSON_ARRAY,
    RK_JSON_OBJECT
};

/* A string node whose bytes were unescaped into the document (not a slice of the source), or
 * that was made by rk_json_new_string. A string without it is a slice of the source between
 * its quotes, which the parser accepted only without '"', '\' and control characters: it needs
 * no escaping to be written back. */
#define RK_JSON_F_ESCAPED 1u

struct rk_json {
    uint8_t type;  /* enum rk_json_type */
    uint8_t flags; /* RK_JSON_F_* */
    uint32_t len;  /* string bytes, array elements, object members, number text bytes */
    union {
        const char *s;        /* string (NUL-terminated), number text (not terminated) */
        struct rk_json *kids; /* array: len nodes; object: 2 * len nodes, key then value */
        size_t off;           /* while parsing: an offset, fixed up at the end */
    } u;
    union {
        int64_t i;             /* RK_JSON_INT */
        double d;              /* RK_JSON_REAL */
        int64_t at;            /* RK_JSON_STRING: byte offset of its opening quote */
        const uint32_t *order; /* RK_JSON_OBJECT: members sorted by key; NULL after a change */
        size_t off;            /* while parsing */
    } x;
};

/* Most nesting the parser accepts unless told otherwise (jansson's limit). */
#define RK_JSON_DEPTH_MAX 2048

/* Parse flags. */
enum {
    RK_JSON_ANY = 1u << 0,   /* any value at the top (default: an object or an array) */
    RK_JSON_PREFIX = 1u << 1 /* stop after the first value; *end_out says where */
};

/* What the parser saw, for cheap cap checks: upper bounds over the whole document. */
struct rk_json_stats {
    size_t depth;     /* deepest value (the root is 1) */
    size_t max_str;   /* longest string or key, in bytes after unescaping */
    size_t max_items; /* longest array */
};

struct rk_json_doc;
struct rk_json_parser;

/* A parser: scratch space reused from one document to the next. RK_ENOMEM. */
int rk_json_parser_new(struct rk_json_parser **out);
void rk_json_parser_free(struct rk_json_parser *p);
/* Nesting cap (default RK_JSON_DEPTH_MAX); deeper input is malformed. */
void rk_json_parser_set_depth(struct rk_json_parser *p, size_t max_depth);

/* Parse text[0..len) into a new document (*out, caller frees). RK_EFORMAT for malformed JSON
 * with err->offset at the offending byte and a message saying what is wrong there;
 * RK_ELIMIT when len is 4 GiB or more; RK_ENOMEM. With RK_JSON_PREFIX, *end_out (may be NULL)
 * is the offset just past the first value. */
int rk_json_parse(struct rk_json_parser *p, const char *text, size_t len, unsigned flags,
                  struct rk_json_doc **out, size_t *end_out, struct rk_err *err);
/* The line and column (from 1; columns count characters) of byte at of text, for messages. */
void rk_json_line_col(const char *text, size_t at, int *line, int *col);
/* The same with a parser made for the call. */
int rk_json_parse_once(const char *text, size_t len, unsigned flags, struct rk_json_doc **out,
                       struct rk_err *err);

/* The root value, the stats, and the source text as copied (len bytes; strings in it are
 * NUL-terminated in place, so it is not the source text any more). */
struct rk_json *rk_json_root(const struct rk_json_doc *d);
const struct rk_json_stats *rk_json_doc_stats(const struct rk_json_doc *d);
size_t rk_json_doc_text_len(const struct rk_json_doc *d);
void rk_json_doc_free(struct rk_json_doc *d);

/* ---- reading values (all accept NULL and values of the wrong type) ------------------------- */

static inline int rk_json_type(const struct rk_json *v)
{
    return v ? v->type : -1;
}
static inline int rk_json_is_object(const struct rk_json *v)
{
    return v && v->type == RK_JSON_OBJECT;
}
static inline int rk_json_is_array(const struct rk_json *v)
{
    return v && v->type == RK_JSON_ARRAY;
}
static inline int rk_json_is_string(const struct rk_json *v)
{
    return v && v->type == RK_JSON_STRING;
}
static inline int rk_json_is_integer(const struct rk_json *v)
{
    return v && v->type == RK_JSON_INT;
}
static inline int rk_json_is_number(const struct rk_json *v)
{
    return v && (v->type == RK_JSON_INT || v->type == RK_JSON_REAL);
}
static inline int rk_json_is_true(const struct rk_json *v)
{
    return v && v->type == RK_JSON_TRUE;
}
static inline int rk_json_is_false(const struct rk_json *v)
{
    return v && v->type == RK_JSON_FALSE;
}
static inline int rk_json_is_boolean(const struct rk_json *v)
{
    return v && (v->type == RK_JSON_TRUE || v->type == RK_JSON_FALSE);
}
static inline int rk_json_is_null(const struct rk_json *v)
{
    return v && v->type == RK_JSON_NULL;
}
/* The string's bytes (NUL-terminated), NULL when v is not a string. */
static inline const char *rk_json_str(const struct rk_json *v)
{
    return v && v->type == RK_JSON_STRING ? v->u.s : NULL;
}
/* Whether v is the string s (a NUL-terminated literal, usually: inline, its length is a
 * constant and the comparison needs no call). Strings of a document hold no NUL. */
static inline int rk_json_str_is(const struct rk_json *v, const char *s)
{
    size_t n = strlen(s);

    return v && v->type == RK_JSON_STRING && v->len == n && memcmp(v->u.s, s, n) == 0;
}
/* The string's length in bytes, 0 when v is not a string. */
static inline size_t rk_json_strlen(const struct rk_json *v)
{
    return v && v->type == RK_JSON_STRING ? v->len : 0;
}
static inline int64_t rk_json_int(const struct rk_json *v)
{
    return v && v->type == RK_JSON_INT ? v->x.i : 0;
}
static inline double rk_json_real(const struct rk_json *v)
{
    return v && v->type == RK_JSON_REAL ? v->x.d : 0.0;
}
/* An integer or a real as a double, 0.0 otherwise. */
static inline double rk_json_number(const struct rk_json *v)
{
    return !v ? 0.0 : v->type == RK_JSON_INT ? (double)v->x.i : rk_json_real(v);
}
/* Number of elements of an array, 0 for anything else. */
static inline size_t rk_json_array_size(const struct rk_json *v)
{
    return v && v->type == RK_JSON_ARRAY ? v->len : 0;
}
/* Element i of an array, NULL when out of range or not an array. */
static inline struct rk_json *rk_json_at(const struct rk_json *v, size_t i)
{
    return v && v->type == RK_JSON_ARRAY && i < v->len ? &v->u.kids[i] : NULL;
}
/* Number of members of an object, 0 for anything else. */
static inline size_t rk_json_object_size(const struct rk_json *v)
{
    return v && v->type == RK_JSON_OBJECT ? v->len : 0;
}
/* Member i of an object in source order: its key node and value node. */
static inline const char *rk_json_key_at(const struct rk_json *v, size_t i)
{
    return v->u.kids[2 * i].u.s;
}
static inline struct rk_json *rk_json_value_at(const struct rk_json *v, size_t i)
{
    return &v->u.kids[2 * i + 1];
}

/* The value of member key (len bytes) of object v, NULL when absent or v is no object. */
struct rk_json *rk_json_getn(const struct rk_json *v, const char *key, size_t len);
/* The same for a NUL-terminated key; inline, so that a literal key's length is a constant. */
static inline struct rk_json *rk_json_get(const struct rk_json *v, const char *key)
{
    return key ? rk_json_getn(v, key, strlen(key)) : NULL;
}

#define RK_JSON_CAT2(a, b) a##b
#define RK_JSON_CAT(a, b)  RK_JSON_CAT2(a, b)
/* for each member of object obj in source order: key (const char *) and val (struct rk_json *) */
#define rk_json_object_foreach(obj, key, val)                                                     \
    for (size_t RK_JSON_CAT(rk_i_, __LINE__) = 0;                                               \
         RK_JSON_CAT(rk_i_, __LINE__) < rk_json_object_size(obj) &&                              \
         ((key) = rk_json_key_at((obj), RK_JSON_CAT(rk_i_, __LINE__)),                           \
         (val) = rk_json_value_at((obj), RK_JSON_CAT(rk_i_, __LINE__)), 1);                      \
         RK_JSON_CAT(rk_i_, __LINE__)++)
/* for each element of array arr: index i (size_t) and val (struct rk_json *) */
#define rk_json_array_foreach(arr, i, val)                                                        \
    for ((i) = 0; (i) < rk_json_array_size(arr) && ((val) = rk_json_at((arr), (i)), 1); (i)++)

/* ---- changing a document (rare: the STIX 2.0 upgrade) -------------------------------------- */

/* A new string value owned by document d (s is copied). NULL when out of memory. */
struct rk_json *rk_json_new_string(struct rk_json_doc *d, const char *s);
/* A new true/false/null value owned by d. */
struct rk_json *rk_json_new_literal(struct rk_json_doc *d, int type);
/* Set member key of object obj (a node of d) to a copy of node val: replaced in place when the
 * key exists, appended otherwise. val may belong to d. RK_ENOMEM, RK_EINVAL. */
int rk_json_set(struct rk_json_doc *d, struct rk_json *obj, const char *key,
                const struct rk_json *val);
/* Remove member key of obj; 0 also when it was absent. */
int rk_json_del(struct rk_json *obj, const char *key);

/* ---- keys --------------------------------------------------------------------------------- */

/* Compare keys as canonical JSON orders them (UTF-16 code units). Inline: the parser orders
 * every object's members with it. */
static inline int rk_json_key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl, i = 0;
    unsigned char ca, cb;

    while (i < n && a[i] == b[i])
        i++;
    if (i == n)
        return al < bl ? -1 : (al > bl ? 1 : 0);
    ca = (unsigned char)a[i];
    cb = (unsigned char)b[i];
    /* UTF-16 puts supplementary characters (surrogates D800-DFFF) before U+E000-U+FFFF */
    if (ca >= 0xf0 && (cb == 0xee || cb == 0xef))
        return -1;
    if (cb >= 0xf0 && (ca == 0xee || ca == 0xef))
        return 1;
    return ca < cb ? -1 : 1;
}

#endif
