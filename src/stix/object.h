/* object.h - internal entry points of object.c used by the streaming reader. */
#ifndef RK_STIX_OBJECT_H
#define RK_STIX_OBJECT_H

#include "stix/stix_internal.h"

/* How one object is checked: options (NULL: defaults), the byte offset for findings, and a
 * callback receiving every identifier the object references. */
struct rk_stix_check {
    const struct rk_stix_options *opt;
    long long offset;
    size_t text_len; /* length of the source text when known: a size hint for the canonical form */
    void (*on_ref)(void *ctx, const char *id, size_t len);
    void *ref_ctx;
};

/* The options, or the defaults when opt is NULL. */
const struct rk_stix_options *rk_stix_options_or_default(const struct rk_stix_options *opt);

/* Validate the document's root (taking the document: the object keeps it, or it is freed on
 * failure) as rk_stix_object_from_json_take does, with the check's settings. */
int rk_stix_object_check_take(struct rk_stix_object **out, struct rk_json_doc *doc,
                              const struct rk_stix_check *chk,
                              struct rk_stix_findings **findings_out, struct rk_err *err);

/* Parse text into a document (with parser p, or a parser made for the call when p is NULL),
 * with duplicate keys rejected and the object-size cap; a failure is also added to *findings
 * (when findings is not NULL) with the byte offset offset + position ("malformed JSON at byte
 * N: ..."). Any JSON value is accepted at the top: the validator says what is wrong with it. */
int rk_stix_json_load(struct rk_json_doc **out, struct rk_json_parser *p, const char *text,
                      size_t len, long long offset, const struct rk_stix_options *opt,
                      struct rk_stix_findings **findings, struct rk_err *err);

#endif
