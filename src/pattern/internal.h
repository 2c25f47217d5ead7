/* internal.h - the pattern component's private structures: pool, tokens, atoms, regexes. */
#ifndef RK_PATTERN_INTERNAL_H
#define RK_PATTERN_INTERNAL_H

#include "renkei/pattern.h"

#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- pool: per-pattern bump allocation, first chunk sized from the pattern length ---------- */

struct pool_chunk;

struct pool {
    struct pool_chunk *head;
    size_t used; /* bytes handed out */
    size_t max;  /* cap on bytes handed out */
};

void pool_init(struct pool *pl, size_t first, size_t max);
void pool_release(struct pool *pl);
/* n bytes, 16-aligned and zeroed; NULL past the cap or when out of memory. */
void *pool_alloc(struct pool *pl, size_t n);
/* Array of count elements of size bytes (overflow checked), zeroed. */
void *pool_array(struct pool *pl, size_t count, size_t size);
char *pool_strndup(struct pool *pl, const char *s, size_t len);

/* ---- UTF-8 ----------------------------------------------------------------------------------- */

/* Decode one code point from s[0..len): bytes used (1..4), or 0 when malformed (overlong,
 * surrogate, > U+10FFFF, truncated). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encode cp into out (4 bytes room); returns bytes written. */
size_t utf8_encode(uint32_t cp, char *out);
/* Offset of the first malformed byte, or len when s is valid UTF-8. */
size_t utf8_check(const char *s, size_t len);
/* 1 when cp is White_Space (Unicode WSpace=Y). */
int utf8_is_space(uint32_t cp);
/* Convert UTF-8 to Latin-1 bytes (code points < U+0100) into out (len bytes room).
 * Returns the byte count, or (size_t)-1 when a code point is >= U+0100. */
size_t utf8_to_latin1(const char *s, size_t len, char *out);

/* ---- NFC (nfc.c) ------------------------------------------------------------------------------
 */

/* Normalise valid UTF-8 s[0..len) to NFC into *out (malloc'd with rk_malloc, NUL-terminated).
 * *out is NULL and 0 returned when s is already in NFC (the caller uses s). RK_ENOMEM,
 * RK_ELIMIT (more than max_len bytes). */
int rk_pattern_nfc(const char *s, size_t len, size_t max_len, char **out, size_t *out_len);

/* ---- IP addresses (ipaddr.c) ----------------------------------------------------------------- */

struct ipnet {
    int family;       /* 4 or 6 */
    uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes; host bits cleared */
    unsigned prefix;  /* 0..32 or 0..128 (a plain address is /32 or /128) */
};

/* Parse "a.b.c.d[/n]" or an IPv6 text form "[/n]". 0 or RK_EFORMAT. */
int ipnet_parse(const char *s, size_t len, struct ipnet *out);
/* 1 when inner lies wholly inside outer (same family), else 0. */
int ipnet_within(const struct ipnet *inner, const struct ipnet *outer);

/* ---- lexer (lexer.c) ------------------------------------------------------------------------- */

enum tok_kind {
    T_EOF = 0,
    T_LBRACK,
    T_RBRACK,
    T_LPAREN,
    T_RPAREN,
    T_COLON,
    T_DOT,
    T_COMMA,
    T_STAR,
    T_EQ,
    T_NEQ,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_AND,
    T_OR,
    T_NOT,
    T_FOLLOWEDBY,
    T_LIKE,
    T_MATCHES,
    T_ISSUPERSET,
    T_ISSUBSET,
    T_EXISTS,
    T_LAST,
    T_IN,
    T_START,
    T_STOP,
    T_SECONDS,
    T_WITHIN,
    T_REPEATS,
    T_TIMES,
    T_TRUE,
    T_FALSE,
    T_IDENT,        /* [a-zA-Z_][a-zA-Z0-9_]* that is not a keyword */
    T_IDENT_HYPHEN, /* [a-zA-Z_][a-zA-Z0-9_-]* with at least one '-' */
    T_STRING,
    T_INT,
    T_INT_NEG,
    T_FLOAT,
    T_FLOAT_NEG,
    T_TIMESTAMP,
    T_BINARY,
    T_HEX,
    T_OTHER /* + - ^ / and any other character the grammar has no use for */
};

struct tok {
    enum tok_kind kind;
    size_t off; /* byte offset in the pattern */
    size_t len;
};

struct lexer {
    const char *s;
    size_t len;
    size_t pos;
    struct rk_err *err;
};

/* The next token into *t. RK_EFORMAT (err set) for an unterminated string or comment, a bad
 * escape, or a malformed typed literal (t'', b'', h''). */
int lex_next(struct lexer *lx, struct tok *t);
/* A short description of a token for messages: "'OR'", "end of pattern", "string 'abc…'". */
void tok_describe(const struct lexer *lx, const struct tok *t, char *buf, size_t cap);
/* Set err: RK_EFORMAT (or code), message " at byte N" appended, offset N. Returns code. */
int pattern_fail(struct rk_err *err, int code, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Decode a literal token into c (text fields, value fields). */
int lit_decode(struct pool *pl, const struct lexer *lx, const struct tok *t,
               struct rk_pattern_const *c);
/* Undo the escapes of a quoted string token into a pool string. */
int lit_string(struct pool *pl, const struct lexer *lx, const struct tok *t, const char **out,
               size_t *len_out);

/* ---- regexes (regex.c) ----------------------------------------------------------------------- */

struct pregex {
    pcre2_code *code; /* NULL when the regex can never match (binary, non-Latin-1 text) */
    int binary;       /* compiled for bytes: no UTF, no UCP */
    struct pregex *next;
};

/* ---- atoms ----------------------------------------------------------------------------------- */

enum {
    PA_BINARY = 1 << 0,  /* the property is binary: the last key ends in _bin or _hex */
    PA_HEXPROP = 1 << 1, /* ... in _hex */
    PA_HASH = 1 << 2     /* the property is a value in a hashes dictionary */
};

/* What a constant is worth for comparisons, computed once at parse time. */
struct cextra {
    const char *latin1; /* STRING as bytes when every code point < U+0100, else NULL */
    size_t latin1_len;
    const char *nfc; /* STRING in NFC (LIKE) */
    size_t nfc_len;
    int is_ip; /* STRING parses as an IPv4/IPv6 address or CIDR */
    struct ipnet ip;
    int is_hex; /* STRING is only hex digits (hash values compare ignoring case) */
};

struct patom {
    struct rk_pattern_atom pub; /* first: public pointers convert back */
    unsigned flags;
    struct rk_pattern_const value;
    const struct cextra *extra; /* one per constant: 1, or n_items for a set */
    struct pregex *re;          /* MATCHES */
    size_t type_off;            /* byte offset of the object type */
};

struct rk_pattern {
    struct pool pool;
    const char *text;
    size_t len;
    struct rk_pattern_node *root;
    struct patom **atoms;
    size_t n_atoms;
    size_t n_obs;
    struct pregex *regexes; /* every compiled regex, freed with the pattern */
    pcre2_general_context *gctx;
    pcre2_match_context *mctx;
};

/* Compile regex text[0..len) for an atom (binary: match bytes). RK_EFORMAT with err at the
 * position inside the pattern (base = offset of the string token). */
int regex_compile(struct rk_pattern *p, struct patom *a, const struct lexer *lx,
                  const struct tok *t, struct rk_err *err);
/* Run a regex over subject; 1 match, 0 none (also when a PCRE2 limit is hit). */
int regex_search(const struct rk_pattern *p, const struct pregex *re, const char *subj, size_t len,
                 pcre2_match_data **md);
void regex_free_all(struct rk_pattern *p);

/* ---- semantic checks (check.c) ----------------------------------------------------------------
 */

/* Check an atom once parsed (object type, hashes, CIDR, sets) and compute its extras. */
int check_atom(struct rk_pattern *p, struct patom *a, struct rk_err *err);
/* 1 when name is a valid STIX object type name. */
int check_type_name(const char *name, size_t len);

/* ---- evaluation helpers (value.c, path.c) ---------------------------------------------------- */

struct eval_scratch {
    pcre2_match_data *md;
};

/* Test atom a against the SCO root (type already checked): 1 match, 0 not, <0 error. */
int atom_test_sco(const struct rk_pattern *p, const struct patom *a, const json_t *sco,
                  const json_t *objects, struct eval_scratch *sc);

#endif
