/* stix_internal.h - shared internals of the STIX layer: findings, the validation context and the
 * static property tables that drive validation. Not part of the public API. */
#ifndef RK_STIX_INTERNAL_H
#define RK_STIX_INTERNAL_H

#include "renkei/stix.h"
#include "stix/json.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- findings ---------------------------------------------------------------------------- */

struct rk_stix_findings {
    struct rk_stix_finding *v;
    size_t n;
    size_t cap;
    size_t errors;
};

/* Most findings kept per object or per input; later ones are counted, not stored. */
#define RK_STIX_FINDINGS_MAX 1000

/* Append one finding, creating the list on first use. RK_ENOMEM. */
int rk_stix_findings_add(struct rk_stix_findings **fp, int severity, long long offset,
                         const char *object_id, const char *path, const char *msg);
/* Copy finding f into err (code RK_EFORMAT or code). */
void rk_stix_finding_to_err(const struct rk_stix_finding *f, int code, struct rk_err *err);

/* ---- property tables --------------------------------------------------------------------- */

/* Value types of the specification's property tables (section 2). */
enum rk_pt {
    PT_STRING = 1,
    PT_INT,       /* arg: const struct rk_range * or NULL for the 54-bit range */
    PT_FLOAT,     /* arg: const struct rk_range * or NULL */
    PT_BOOL,
    PT_TIMESTAMP, /* P_MILLIS: at least millisecond precision */
    PT_ID,        /* arg: const struct rk_reftarget * */
    PT_HEX,
    PT_BIN,
    PT_HASHES,
    PT_DICT,      /* arg: const struct rk_dictspec * or NULL for any STIX values */
    PT_OV,        /* open vocabulary; arg: const struct rk_vocab * */
    PT_ENUM,      /* closed enumeration; arg: const struct rk_vocab * */
    PT_KCP,       /* kill-chain-phase */
    PT_EXTREF,    /* external-reference */
    PT_GRANULAR,  /* granular-marking */
    PT_STRUCT,    /* a nested object described by arg: const struct rk_struct * */
    PT_EXTENSIONS,
    PT_CONTAINER, /* deprecated observable container (observed-data objects) */
    PT_LANGCONTENTS,
    PT_MARKINGDEF, /* marking-definition "definition" */
    PT_RESERVED,   /* RESERVED FOR FUTURE USE: must not be present */
    PT_LANG        /* an RFC 5646 language tag */
};

enum {
    P_REQ = 1u << 0,
    P_LIST = 1u << 1,
    P_DEPRECATED = 1u << 2,
    P_MILLIS = 1u << 3,    /* timestamp must carry at least 3 fraction digits */
    P_LOWERCASE = 1u << 4, /* string SHOULD be lowercase: a warning otherwise */
    P_ASCII_NAME = 1u << 5 /* string limited to a-z, 0-9 and hyphen */
};

struct rk_prop {
    const char *name;
    uint8_t type;
    uint8_t flags;
    const void *arg;
};

struct rk_range {
    int64_t min;
    int64_t max;
};

struct rk_frange {
    double min;
    double max;
};

struct rk_vocab {
    const char *name; /* e.g. "malware-type-ov" */
    const char *const *v;
    size_t n;
};

/* Classes of objects an identifier may point to (combined with an explicit type list). */
enum {
    RT_ANY = 1u << 0,     /* any STIX object (not a bundle) */
    RT_SDO = 1u << 1,     /* an SDO, including custom types */
    RT_SCO = 1u << 2,     /* an SCO, including custom types */
    RT_SRO = 1u << 3,     /* relationship or sighting */
    RT_MARKING = 1u << 4, /* marking-definition */
    RT_CUSTOM = 1u << 5   /* a type the specification does not define */
};

struct rk_reftarget {
    unsigned classes;
    const char *const *types; /* NULL-terminated list of allowed types, may be NULL */
    const char *what;         /* for messages: "identity", "an SDO or SCO", ... */
};

/* Dictionary values: what each value must be. */
enum { DV_ANY = 0, DV_STRING, DV_INT, DV_INT_OR_STRING, DV_STRING_LIST, DV_STRING_OR_LIST };

struct rk_dictspec {
    uint8_t values;    /* DV_* */
    uint8_t key_rules; /* 1: keys follow the STIX dictionary key rules; 0: any string key */
};

struct rk_stix_vctx;
typedef void (*rk_stix_rule_fn)(struct rk_stix_vctx *c, struct rk_json *obj);

/* A nested structure (email MIME part, PE section, ...) or a predefined extension. */
struct rk_struct {
    const char *name;
    const struct rk_prop *props; /* sorted by name */
    size_t nprops;
    unsigned at_least_one; /* 1: at least one property must be present */
    rk_stix_rule_fn rule;  /* extra rules, may be NULL */
};

/* Object categories for the common-property table (section 3.2). */
enum rk_cat { CAT_SDO = 0, CAT_SRO, CAT_SCO, CAT_EXTDEF, CAT_LANG, CAT_MARKING, CAT_N };

struct rk_type {
    const char *name;
    uint8_t kind; /* enum rk_stix_kind */
    uint8_t cat;  /* enum rk_cat */
    const struct rk_prop *props; /* type-specific properties, sorted by name */
    size_t nprops;
    rk_stix_rule_fn rule;                 /* cross-property rules, may be NULL */
    const char *const *id_contrib;        /* SCO ID contributing properties (NULL-terminated) */
    const struct rk_struct *const *exts;  /* predefined extensions (NULL-terminated), may be NULL */
    unsigned at_least_one;                /* SCO: at least one type-specific property */
};

/* The type table entry for a specification-defined type, NULL for custom types. */
const struct rk_type *rk_stix_type_find(const char *name);
/* The property entry named name in a sorted table, NULL when absent. */
const struct rk_prop *rk_stix_prop_find(const struct rk_prop *props, size_t n, const char *name);
/* The common property entry for name, and whether it is required/optional for a category:
 * *req_out and *opt_out are set to 1/0. NULL when name is not a common property. */
const struct rk_prop *rk_stix_common_find(const char *name, int cat, int *req_out, int *opt_out);
/* Indexes of some common properties in their (sorted) table; rk_stix_tables_check verifies. */
enum {
    RK_COMMON_CREATED = 1,
    RK_COMMON_ID = 7,
    RK_COMMON_MODIFIED = 10,
    RK_COMMON_MARKING_REFS = 11,
    RK_COMMON_REVOKED = 12,
    RK_COMMON_SPEC_VERSION = 13,
    RK_COMMON_TYPE = 14,
    RK_COMMON_N = 15
};

/* The index of a common property entry (< 32). */
size_t rk_stix_common_index(const struct rk_prop *p);
/* Iterate the common properties (for required-property checks). */
size_t rk_stix_common_count(void);
const struct rk_prop *rk_stix_common_at(size_t i, int cat, int *req_out);
/* The predefined extension named name for type t, NULL when t defines none by that name. */
const struct rk_struct *rk_stix_type_ext(const struct rk_type *t, const char *name);
/* 1 when name is a predefined extension of any SCO type. */
int rk_stix_is_predefined_ext(const char *name);
/* Kind of a type name as far as the specification knows it (RK_KIND_UNKNOWN for custom). */
enum rk_stix_kind rk_stix_kind_of_type(const char *type, size_t len);

/* Whether a vocabulary contains s. */
int rk_stix_vocab_has(const struct rk_vocab *v, const char *s);
extern const struct rk_vocab rk_vocab_hash_algorithm;
extern const struct rk_vocab rk_vocab_extension_type;

/* strcmp's order, inline, for the binary searches of the tables: names are short, and many
 * share their first bytes ("created", "created_by_ref"), where a call to strcmp for each probe
 * cost more than the comparison. */
static inline int rk_stix_name_cmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* The same for a name of len bytes that is not NUL-terminated (no NUL within len). */
static inline int rk_stix_name_cmp_n(const char *a, size_t len, const char *b)
{
    size_t i = 0;

    while (i < len && b[i] != '\0' && a[i] == b[i])
        i++;
    return (i < len ? (unsigned char)a[i] : 0) - (unsigned char)b[i];
}

/* For the self-checks: whether same(table, n, probe) holds for name and its neighbours (one
 * byte shorter, one byte longer, the last byte one lower and one higher); same compares a
 * lookup's answer with a linear strcmp search's. */
int rk_stix_lookup_agrees(const void *table, size_t n, const char *name,
                          int (*same)(const void *table, size_t n, const char *probe));

/* Sortedness self-check of every table, and that every lookup answers as a linear strcmp
 * search would (unit tests): 0 or the name of the first bad table. */
const char *rk_stix_tables_check(void);

/* ---- validation context ------------------------------------------------------------------ */

/* Deepest JSON path kept for messages; deeper paths end in "...". */
#define RK_STIX_PATH_SEGS 32

struct rk_stix_vctx {
    const struct rk_stix_options *opt;
    struct rk_stix_findings *findings; /* created on the first finding */
    const char *id;                    /* the object's id for messages, "" until known */
    long long offset;
    struct rk_json_doc *doc; /* the document being validated (for the 2.0 upgrade's changes) */
    struct rk_json *root;
    const struct rk_type *type; /* NULL for custom objects */
    int cat;                    /* enum rk_cat of the object */
    int kind;                   /* enum rk_stix_kind of the object */
    int is_custom;
    int has_toplevel_ext; /* a toplevel-property-extension is declared in extensions */
    int in_container;     /* validating inside a deprecated observable container */
    struct rk_json *container;    /* that container, to resolve its local references */
    int oom;
    int limit_hit; /* a cap of the options was exceeded (RK_ELIMIT) */
    struct {
        const char *key; /* NULL: a list index */
        size_t index;
    } seg[RK_STIX_PATH_SEGS]; /* the JSON path, rendered only when a finding is made */
    size_t nseg;
    struct rk_json *common[RK_COMMON_N]; /* the object's common properties, as the member loop saw them */
    size_t dropped; /* findings beyond RK_STIX_FINDINGS_MAX */
    void (*on_ref)(void *ctx, const char *id, size_t len);
    void *ref_ctx;
};

/* Record an error or warning at the current path. */
void rk_stix_error(struct rk_stix_vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rk_stix_warn(struct rk_stix_vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report a missing required property (the path names it). */
void rk_stix_missing(struct rk_stix_vctx *c, const char *name);
/* Path building: push returns the previous length to pass to pop. */
size_t rk_stix_path_key(struct rk_stix_vctx *c, const char *key);
size_t rk_stix_path_index(struct rk_stix_vctx *c, size_t i);
void rk_stix_path_pop(struct rk_stix_vctx *c, size_t len);
/* Number of errors recorded so far. */
size_t rk_stix_vctx_errors(const struct rk_stix_vctx *c);

/* Check the options' caps (depth, string bytes, array items) over a whole value. */
void rk_stix_check_limits(struct rk_stix_vctx *c, struct rk_json *v);
/* Validate one top-level object (any kind). Findings go to c. */
void rk_stix_validate_object(struct rk_stix_vctx *c, struct rk_json *obj);
/* Validate value v of property p (at the current path). */
void rk_stix_check_prop(struct rk_stix_vctx *c, const struct rk_prop *p, struct rk_json *v);
/* Validate the members of a nested structure s in obj (properties, required, at-least-one). */
void rk_stix_check_struct(struct rk_stix_vctx *c, const struct rk_struct *s, struct rk_json *obj);
/* A property that no table defines: custom-property rules (section 11.1). */
void rk_stix_check_custom_prop(struct rk_stix_vctx *c, const char *name, struct rk_json *v, int top);
/* The "extensions" property, granular_markings selectors, the observable container. */
void rk_stix_check_extensions(struct rk_stix_vctx *c, struct rk_json *ext);
void rk_stix_check_selectors(struct rk_stix_vctx *c, struct rk_json *granular);
void rk_stix_check_container(struct rk_stix_vctx *c, struct rk_json *container);
void rk_stix_check_marking_definition(struct rk_stix_vctx *c, struct rk_json *obj);
void rk_stix_check_lang_contents(struct rk_stix_vctx *c, struct rk_json *contents);

/* ---- value syntax (values.c); each returns 1 when s[0..len) is well formed --------------- */

int rk_stix_type_name_valid(const char *s, size_t len);
int rk_stix_prop_name_valid(const char *s, size_t len);
int rk_stix_dict_key_valid(const char *s, size_t len);
int rk_stix_hex_valid(const char *s, size_t len);
/* Hex digits of either case (hash values). */
int rk_stix_hex_valid_any(const char *s, size_t len);
int rk_stix_base64_valid(const char *s, size_t len);
int rk_stix_ipv4_cidr_valid(const char *s, size_t len);
int rk_stix_ipv6_cidr_valid(const char *s, size_t len);
int rk_stix_mac_valid(const char *s, size_t len);
int rk_stix_url_valid(const char *s, size_t len);
int rk_stix_email_valid(const char *s, size_t len);
int rk_stix_domain_valid(const char *s, size_t len);
int rk_stix_lang_valid(const char *s, size_t len);
/* The expected hex length of a hash algorithm's value (0: not a fixed-length hex hash). */
size_t rk_stix_hash_hex_len(const char *algo);
/* Check a timestamp: 0 when well formed, with the fraction digit count in *digits_out. */
int rk_stix_timestamp_check(const char *s, size_t len, int *digits_out, struct rk_err *err);
/* Compare two STIX timestamps by instant into *cmp_out (<0, 0, >0); RK_EFORMAT when either is
 * malformed. Timestamps written alike are compared as text. */
int rk_stix_timestamp_order(const char *a, const char *b, int *cmp_out);
/* The same as a plain comparison, 0 when either is malformed. */
int rk_stix_timestamp_cmp(const char *a, const char *b);

/* ---- cross-property rules (rules.c, rules_sco.c) ----------------------------------------- */

void rk_stix_rule_indicator(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_malware(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_malware_analysis(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_location(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_observed_data(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_first_last_seen(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_relationship(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_sighting(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_extension_definition(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_artifact(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_email_message(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_mime_part(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_file(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_network_traffic(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_ipv4(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_ipv6(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_mac(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_domain(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_email_addr(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_url(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_registry_key(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_pe_binary(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_http_request(struct rk_stix_vctx *c, struct rk_json *o);
void rk_stix_rule_software(struct rk_stix_vctx *c, struct rk_json *o);

/* ---- identifiers -------------------------------------------------------------------------- */

/* 1 when s[0..len) is "<type>--<uuid>"; *type_len_out gets the length of the type part. */
int rk_stix_id_split(const char *s, size_t len, size_t *type_len_out);
/* 1 when the id is one of the fixed TLP marking-definition ids (1.0 or 2.0). */
int rk_stix_is_tlp_id(const char *id);
/* The TLP 2.0 extension-definition id. */
extern const char RK_STIX_TLP2_EXT_ID[];

/* ---- canonical JSON ----------------------------------------------------------------------- */

struct rk_buf;
enum { RK_CANON_STIX = 0, RK_CANON_JCS = 1 };
/* Append the canonical serialisation of v to b (RK_CANON_JCS: RFC 8785 number form). */
int rk_stix_canon_append(struct rk_buf *b, const struct rk_json *v, int mode);
/* The same for a jansson value. */
int rk_stix_canon_append_json(struct rk_buf *b, const json_t *v, int mode);

/* rk_stix_canonical_dump with room for hint bytes reserved up front (e.g. the source length). */
char *rk_stix_canon_dump(const json_t *value, size_t hint, size_t *len_out);
/* The same from a parsed document's value. */
char *rk_stix_canon_dump_dom(const struct rk_json *value, size_t hint, size_t *len_out);

/* ---- STIX 2.0 upgrade --------------------------------------------------------------------- */

/* 1 when obj is a STIX 2.0 object (a non-SCO without spec_version, or spec_version "2.0"). */
int rk_stix_is_v20(struct rk_json *obj);
/* Upgrade a 2.0 object in place to 2.1 (docs/stix.md lists the rules); warnings go to c. */
int rk_stix_upgrade_v20(struct rk_stix_vctx *c, struct rk_json *obj);

#endif
