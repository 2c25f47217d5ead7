/* pattern.h - the STIX 2.1 patterning language (STIX 2.1 section 9): parse, walk, evaluate.
 *
 * A parsed pattern is immutable: several threads may walk and evaluate one pattern at once.
 * Typical use:
 *
 *     struct rk_pattern *p;
 *     if (rk_pattern_parse(&p, text, len, &err) != 0)
 *         ... err.message says what was expected, err.offset where ...
 *     for (size_t i = 0; i < rk_pattern_atom_count(p); i++) {
 *         const struct rk_pattern_atom *a = rk_pattern_atom_at(p, i);
 *         ... a->object_type, a->steps, a->op, a->value ...
 *     }
 *     rc = rk_pattern_match(p, observations, n, NULL, NULL, &err);   (1 match, 0 no match)
 *     rk_pattern_free(p);
 *
 * docs/patterns.md describes the language as renkei implements it and every semantic choice.
 */
#ifndef RENKEI_PATTERN_H
#define RENKEI_PATTERN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"

/* Caps. Reaching one makes parsing fail with RK_ELIMIT. */
#define RK_PATTERN_MAX_LEN   (256 * 1024) /* bytes of pattern text */
#define RK_PATTERN_MAX_DEPTH 64           /* nested brackets and parentheses */
#define RK_PATTERN_MAX_ATOMS 4096         /* comparison expressions in one pattern */
#define RK_PATTERN_MAX_STEPS 64           /* components of one object path */
#define RK_PATTERN_MAX_SET   4096         /* constants in one IN (...) set */

struct rk_pattern;

/* ---- parsing ------------------------------------------------------------------------------- */

/* Parse text[0..len) (UTF-8) into *out, checking syntax and the semantic rules of section 9.
 * RK_EFORMAT (err->offset = byte offset, err->message = what was expected or what is wrong),
 * RK_ELIMIT past a cap, RK_ENOMEM. Free the result with rk_pattern_free. */
int rk_pattern_parse(struct rk_pattern **out, const char *text, size_t len, struct rk_err *err);

/* Free a pattern; accepts NULL. */
void rk_pattern_free(struct rk_pattern *p);

/* Check a pattern without keeping it (what the STIX validator calls for pattern_type "stix").
 * 0 when valid; RK_EFORMAT (or RK_ELIMIT, RK_ENOMEM) with err->offset and err->message. */
int rk_pattern_validate(const char *pattern, size_t len, struct rk_err *err);

/* ---- the parsed pattern, read only --------------------------------------------------------- */

enum rk_pattern_op {
    RK_PATTERN_OP_EQ = 0,     /* =  (also written ==) */
    RK_PATTERN_OP_NE,         /* != (also written <>) */
    RK_PATTERN_OP_LT,         /* <  */
    RK_PATTERN_OP_LE,         /* <= */
    RK_PATTERN_OP_GT,         /* >  */
    RK_PATTERN_OP_GE,         /* >= */
    RK_PATTERN_OP_IN,         /* IN (set) */
    RK_PATTERN_OP_LIKE,       /* LIKE 'SQL % and _' */
    RK_PATTERN_OP_MATCHES,    /* MATCHES 'PCRE' */
    RK_PATTERN_OP_ISSUBSET,   /* ISSUBSET 'CIDR' */
    RK_PATTERN_OP_ISSUPERSET, /* ISSUPERSET 'CIDR' */
    RK_PATTERN_OP_EXISTS      /* EXISTS path (no constant) */
};

enum rk_pattern_const_type {
    RK_PATTERN_CONST_NONE = 0, /* EXISTS has no constant */
    RK_PATTERN_CONST_STRING,
    RK_PATTERN_CONST_INT,
    RK_PATTERN_CONST_FLOAT,
    RK_PATTERN_CONST_BOOL,
    RK_PATTERN_CONST_TIMESTAMP,
    RK_PATTERN_CONST_BINARY, /* b'base64' */
    RK_PATTERN_CONST_HEX,    /* h'hex' */
    RK_PATTERN_CONST_SET     /* (a, b, ...) for IN */
};

/* A constant as written and as decoded. Borrowed from the pattern. */
struct rk_pattern_const {
    enum rk_pattern_const_type type;
    const char *text; /* the literal as written in the pattern, not NUL-terminated */
    size_t text_len;
    const char *str; /* STRING: the value, escapes undone, UTF-8; BINARY, HEX: the decoded bytes;
                      * TIMESTAMP: the text between the quotes. Always NUL-terminated. */
    size_t len;      /* bytes in str (a STRING may contain U+0000) */
    int64_t integer; /* INT; BOOL: 1 or 0 */
    double real;     /* FLOAT; also INT converted */
    int64_t sec;     /* TIMESTAMP: seconds since the epoch (UTC) */
    int32_t nsec;    /* TIMESTAMP: nanoseconds */
    const struct rk_pattern_const *items; /* SET: the members (never sets themselves) */
    size_t n_items;
};

enum rk_pattern_step_kind {
    RK_PATTERN_STEP_KEY = 0, /* .name or .'quoted name' (the first component too) */
    RK_PATTERN_STEP_INDEX,   /* [n]; a negative n never matches */
    RK_PATTERN_STEP_ANY      /* [*] */
};

/* One component of an object path after "type:". */
struct rk_pattern_step {
    enum rk_pattern_step_kind kind;
    const char *key; /* KEY: the property name or dictionary key, quotes and escapes undone */
    size_t key_len;
    int quoted;    /* KEY: 1 when written 'quoted' */
    int64_t index; /* INDEX */
};

/* A comparison expression: object path, operator, constant. */
struct rk_pattern_atom {
    const char *object_type; /* "file", "ipv4-addr", "x-usb-device", ... */
    const struct rk_pattern_step *steps;
    size_t n_steps; /* at least 1 */
    enum rk_pattern_op op;
    int negated;                          /* written with NOT */
    const struct rk_pattern_const *value; /* NULL for EXISTS */
    size_t observation; /* index of the observation expression [...] that holds it */
    long long offset;   /* byte offset of the atom in the pattern text */
};

enum rk_pattern_node_kind {
    /* observation level (section 9.5) */
    RK_PATTERN_NODE_OBSERVATION = 0, /* [ comparison expression ]: left is the expression */
    RK_PATTERN_NODE_OBS_AND,         /* left AND right: matched by different observations */
    RK_PATTERN_NODE_OBS_OR,
    RK_PATTERN_NODE_FOLLOWEDBY,
    RK_PATTERN_NODE_WITHIN,    /* left WITHIN within SECONDS */
    RK_PATTERN_NODE_REPEATS,   /* left REPEATS repeats TIMES */
    RK_PATTERN_NODE_STARTSTOP, /* left START start STOP stop */
    /* comparison level (section 9.6), inside an observation */
    RK_PATTERN_NODE_AND,
    RK_PATTERN_NODE_OR,
    RK_PATTERN_NODE_ATOM
};

/* A node of the syntax tree. Parentheses leave no node of their own; a qualifier is a node
 * whose left operand is what it qualifies. Borrowed from the pattern. */
struct rk_pattern_node {
    enum rk_pattern_node_kind kind;
    const struct rk_pattern_node *left;
    const struct rk_pattern_node *right; /* the binary operators only */
    const struct rk_pattern_atom *atom;  /* ATOM */
    size_t observation;                  /* OBSERVATION: its index, in textual order */
    double within;                       /* WITHIN: seconds, > 0 */
    uint64_t repeats;                    /* REPEATS: > 0 */
    int64_t start_sec, stop_sec;         /* STARTSTOP: start < stop */
    int32_t start_nsec, stop_nsec;
    long long offset; /* byte offset in the pattern text */
};

/* The operator as written: "=", "!=", "IN", "MATCHES", ... Never NULL. */
const char *rk_pattern_op_name(enum rk_pattern_op op);

/* The root of the syntax tree (an observation-level node). */
const struct rk_pattern_node *rk_pattern_root(const struct rk_pattern *p);

/* The comparison expressions in textual order; i < rk_pattern_atom_count(p). */
size_t rk_pattern_atom_count(const struct rk_pattern *p);
const struct rk_pattern_atom *rk_pattern_atom_at(const struct rk_pattern *p, size_t i);

/* Number of observation expressions [...] in the pattern. */
size_t rk_pattern_observation_count(const struct rk_pattern *p);

/* The pattern text as parsed (NUL-terminated copy) and its length. */
const char *rk_pattern_text(const struct rk_pattern *p, size_t *len_out);

/* 1 when the pattern is a single observation expression without qualifiers whose comparison
 * expression is a disjunction (OR only) of atoms that are each `path = constant` or
 * `path IN (set)`, none negated: then the pattern matches an observation exactly when one
 * atom matches one SCO, and a matcher may index the atoms one by one. 0 otherwise. */
int rk_pattern_is_simple_disjunction(const struct rk_pattern *p);

/* Format a step list as pattern text ("hashes.'SHA-256'", "sections[*].entropy") into buf.
 * Returns the length it needed (like snprintf); output is truncated to cap. */
size_t rk_pattern_path_format(const struct rk_pattern_atom *a, char *buf, size_t cap);

/* ---- evaluation ---------------------------------------------------------------------------- */

/* One observation (an observed-data, section 4.14): number_observed observations between
 * first_observed and last_observed, with SCOs by id. Borrowed by the evaluator. */
struct rk_pattern_observation {
    int64_t first_sec; /* first_observed, seconds since the epoch */
    int32_t first_nsec;
    int64_t last_sec; /* last_observed */
    int32_t last_nsec;
    uint64_t number_observed; /* >= 1 */
    const json_t *objects;    /* JSON object: id (or "0", "1", ... in STIX 2.0) -> SCO */
};

/* Fill *out from an observed-data object. SCOs come from its "objects" dictionary (STIX 2.0
 * style) or else from its "object_refs" looked up in scos_by_id (a JSON object id -> SCO,
 * may be NULL: then object_refs contribute nothing). out->objects is a new reference that
 * rk_pattern_observation_clear releases. RK_EFORMAT (bad timestamps, number_observed < 1). */
int rk_pattern_observation_from_json(struct rk_pattern_observation *out, const json_t *observed,
                                     const json_t *scos_by_id, struct rk_err *err);
/* Release what rk_pattern_observation_from_json took; accepts a zeroed struct. */
void rk_pattern_observation_clear(struct rk_pattern_observation *o);

/* Evaluation caps (0 fields take the defaults). */
struct rk_pattern_match_opts {
    size_t max_bindings; /* candidate bindings built in one call (default 65536) */
    size_t max_memory;   /* scratch bytes in one call (default 64 MiB) */
};

/* Evaluate p against obs[0..n): 1 when the pattern matches, 0 when not. When used_out is not
 * NULL it receives n flags: 1 for each observation in the binding that matched. RK_EFORMAT
 * for a malformed observation, RK_ELIMIT past a cap (err says which), RK_ENOMEM. */
int rk_pattern_match(const struct rk_pattern *p, const struct rk_pattern_observation *obs, size_t n,
                     const struct rk_pattern_match_opts *opts, uint8_t *used_out,
                     struct rk_err *err);

/* Test one atom against one SCO (for a matcher confirming an index hit): 1 match, 0 not.
 * objects resolves _ref and _refs paths (may be NULL). The object type must match too. */
int rk_pattern_atom_match(const struct rk_pattern *p, const struct rk_pattern_atom *a,
                          const json_t *sco, const json_t *objects);

#endif
