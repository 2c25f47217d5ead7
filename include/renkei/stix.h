/* stix.h - STIX 2.1 objects: parse, validate, canonical serialisation, markings (TLP 1.0/2.0).
 *
 * JSON values are jansson's json_t (the decided JSON library); everything else is opaque.
 * Typical use, streaming a file of any size:
 *
 *     struct rk_stix_reader *r;
 *     struct rk_stix_item item;
 *     rk_stix_reader_open_file(&r, "bundle.json", NULL, &err);
 *     while ((rc = rk_stix_reader_next(r, &item, &err)) == 1) {
 *         if (item.object) ... store it ...   (rejected objects have item.object == NULL)
 *         rk_stix_item_clear(&item);
 *     }
 *     rk_stix_reader_free(r);                 (rc < 0: the input could not be read further)
 */
#ifndef RENKEI_STIX_H
#define RENKEI_STIX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "renkei/error.h"

/* ---- object kinds and TLP ---------------------------------------------------------------- */

enum rk_stix_kind {
    RK_KIND_UNKNOWN = 0,
    RK_KIND_SDO,  /* domain objects, including custom ones and new-sdo extensions */
    RK_KIND_SRO,  /* relationship, sighting */
    RK_KIND_SCO,  /* cyber-observable objects, including custom ones and new-sco extensions */
    RK_KIND_META, /* marking-definition, language-content, extension-definition */
    RK_KIND_BUNDLE
};

/* TLP levels, ordered from most to least shareable. TLP 1.0 WHITE maps to CLEAR. */
enum rk_tlp {
    RK_TLP_NONE = 0, /* no TLP marking: the node's default applies */
    RK_TLP_CLEAR = 1,
    RK_TLP_GREEN = 2,
    RK_TLP_AMBER = 3,
    RK_TLP_AMBER_STRICT = 4,
    RK_TLP_RED = 5
};

/* "clear", "green", "amber", "amber+strict", "red", "none". */
const char *rk_tlp_name(enum rk_tlp tlp);
/* Parse the names above (case-insensitive; "white" is clear). RK_EFORMAT otherwise. */
int rk_tlp_parse(const char *name, enum rk_tlp *out);
/* The TLP of a marking-definition id (TLP 1.0 or 2.0 fixed ids), RK_TLP_NONE for any other. */
enum rk_tlp rk_tlp_of_marking_id(const char *marking_id);
/* The TLP 2.0 marking-definition id for a level (NULL for RK_TLP_NONE). */
const char *rk_tlp_marking_id(enum rk_tlp tlp);

/* ---- findings ------------------------------------------------------------------------------ */

enum rk_stix_severity {
    RK_STIX_ERROR = 0,  /* a violation of STIX 2.1: the object is rejected */
    RK_STIX_WARNING = 1 /* worth knowing, not a violation (e.g. a reference not in the bundle) */
};

struct rk_stix_finding {
    int severity;
    long long offset;      /* byte offset of the object in the input, -1 when unknown */
    char object_id[RK_ERR_ID_MAX];
    char path[RK_ERR_PATH_MAX]; /* JSON path within the object, e.g. "kill_chain_phases[0]" */
    char message[RK_ERR_MESSAGE_MAX];
};

/* A list of findings; owned by whoever holds it. */
struct rk_stix_findings;
size_t rk_stix_findings_count(const struct rk_stix_findings *f);
size_t rk_stix_findings_errors(const struct rk_stix_findings *f);
const struct rk_stix_finding *rk_stix_findings_at(const struct rk_stix_findings *f, size_t i);
/* The first finding of severity RK_STIX_ERROR, or NULL (f may be NULL). */
const struct rk_stix_finding *rk_stix_findings_first_error(const struct rk_stix_findings *f);
void rk_stix_findings_free(struct rk_stix_findings *f);

/* ---- options ------------------------------------------------------------------------------- */

enum rk_stix_v20 {
    RK_STIX_V20_UPGRADE = 0, /* upgrade STIX 2.0 objects to 2.1 (docs/stix.md lists the rules) */
    RK_STIX_V20_REJECT = 1   /* reject them with a message saying so */
};

/* Checks a pattern of pattern_type "stix"; returns 0 or RK_EFORMAT with the position in err. */
typedef int (*rk_stix_pattern_fn)(const char *pattern, size_t len, struct rk_err *err);

struct rk_stix_options {
    size_t max_object_bytes;   /* one object's JSON text; default 16 MiB */
    size_t max_depth;          /* JSON nesting; default 64 */
    size_t max_string_bytes;   /* any one string; default 1 MiB */
    size_t max_array_items;    /* any one list; default 1,000,000 */
    int v20;                   /* enum rk_stix_v20 */
    int allow_custom;          /* accept custom objects and x_ properties (default 1) */
    rk_stix_pattern_fn check_pattern; /* default: the STIX patterning parser */
};

/* Fill in the defaults. */
void rk_stix_options_init(struct rk_stix_options *opt);

/* ---- objects ------------------------------------------------------------------------------- */

struct rk_stix_object;

/* Parse and validate one object from JSON text. On success *out is a valid object (the caller
 * owns it) and findings (if asked for) may hold warnings. RK_EFORMAT when the object is
 * invalid: err has the first error, *findings_out all of them. opt may be NULL. */
int rk_stix_object_parse(struct rk_stix_object **out, const char *json, size_t len,
                         const struct rk_stix_options *opt, struct rk_stix_findings **findings_out,
                         struct rk_err *err);
/* Validate a json_t object, taking ownership of it (it is released even on failure). */
int rk_stix_object_from_json_take(struct rk_stix_object **out, json_t *obj,
                                  const struct rk_stix_options *opt,
                                  struct rk_stix_findings **findings_out, struct rk_err *err);
void rk_stix_object_free(struct rk_stix_object *o);

/* Common properties, borrowed from the object. modified/created are NULL when absent. */
const char *rk_stix_object_id(const struct rk_stix_object *o);
const char *rk_stix_object_type(const struct rk_stix_object *o);
const char *rk_stix_object_spec_version(const struct rk_stix_object *o);
const char *rk_stix_object_created(const struct rk_stix_object *o);
const char *rk_stix_object_modified(const struct rk_stix_object *o);
/* created_by_ref, or NULL when absent (read from the parsed text; no jansson tree is made). */
const char *rk_stix_object_created_by_ref(const struct rk_stix_object *o);
/* The object's version: modified, else created, else "" (never NULL). */
const char *rk_stix_object_version(const struct rk_stix_object *o);
enum rk_stix_kind rk_stix_object_kind(const struct rk_stix_object *o);
/* 1 when revoked is true. */
int rk_stix_object_revoked(const struct rk_stix_object *o);
/* The most restrictive TLP among object_marking_refs (RK_TLP_NONE when there is none). */
enum rk_tlp rk_stix_object_tlp(const struct rk_stix_object *o);
/* The object's JSON, borrowed; do not modify. */
const json_t *rk_stix_object_json(const struct rk_stix_object *o);
/* Canonical serialisation (sorted keys, no insignificant white space, UTF-8 kept as is,
 * numbers in shortest round-trip form), computed once and cached. Borrowed. */
const char *rk_stix_object_canonical(const struct rk_stix_object *o, size_t *len_out);

/* Serialise any JSON value canonically into a new string (caller frees with free()). */
char *rk_stix_canonical_dump(const json_t *value, size_t *len_out);

/* ---- streaming reader ---------------------------------------------------------------------- */

#define RK_STIX_VERSION_MAX 64 /* room for a version as written (timestamps take 20 to 30) */

/* One object from the input: valid (object != NULL) or rejected (object == NULL, findings say
 * why). Findings may also hold warnings for a valid object. */
struct rk_stix_item {
    struct rk_stix_object *object;
    struct rk_stix_findings *findings;
    size_t index;     /* position in the input, from 0 */
    long long offset; /* byte offset where the object's text starts */
    char id[RK_ERR_ID_MAX]; /* the id as written, "" when there was none */
    /* "modified" as written, else "created", when it is a string that fits; "" otherwise.
     * Set for rejected objects too, so their failures can name the version offered. */
    char version[RK_STIX_VERSION_MAX];
};

/* Free what the item holds and zero it. */
void rk_stix_item_clear(struct rk_stix_item *item);

struct rk_stix_reader;

/* Read a bundle, a bundle without "type", a bare object, a JSON array of objects, or JSON
 * lines (one object per line) from a file ("-" is stdin) or memory. Memory use does not grow
 * with the input: objects are parsed one at a time. */
int rk_stix_reader_open_file(struct rk_stix_reader **out, const char *path,
                             const struct rk_stix_options *opt, struct rk_err *err);
int rk_stix_reader_open_mem(struct rk_stix_reader **out, const char *p, size_t len,
                            const struct rk_stix_options *opt, struct rk_err *err);
/* 1: *item holds the next object (valid or rejected); 0: end of input; < 0: the input is
 * broken beyond this point (err says where and why; earlier items stay good). */
int rk_stix_reader_next(struct rk_stix_reader *r, struct rk_stix_item *item, struct rk_err *err);
/* Bytes consumed so far and the input size (0 when unknown, as for stdin): for progress. */
uint64_t rk_stix_reader_position(const struct rk_stix_reader *r);
uint64_t rk_stix_reader_size(const struct rk_stix_reader *r);
/* Warnings about the whole input, e.g. references to objects the input did not contain,
 * known once it has been read to the end. Borrowed; may be NULL. */
const struct rk_stix_findings *rk_stix_reader_findings(const struct rk_stix_reader *r);
void rk_stix_reader_free(struct rk_stix_reader *r);

/* ---- markings ------------------------------------------------------------------------------ */

/* The TLP 1.0 and 2.0 marking-definition objects as JSON text, for seeding a store. */
size_t rk_stix_tlp_definitions_count(void);
const char *rk_stix_tlp_definition(size_t i);

/* ---- identifiers --------------------------------------------------------------------------- */

/* 1 when s is "<type>--<uuid>" with a valid type name and an RFC 4122 UUID. */
int rk_stix_id_valid(const char *s, size_t len);
/* A new random id for type into out (at least strlen(type) + 39 bytes). */
int rk_stix_id_new(char *out, size_t cap, const char *type);
/* The deterministic id of an SCO from its id-contributing properties (section 3.4). */
int rk_stix_sco_id(char *out, size_t cap, const json_t *sco, struct rk_err *err);

#endif
