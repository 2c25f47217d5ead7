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

/* Validate obj (taking it) as rk_stix_object_from_json_take does, with the check's settings. */
int rk_stix_object_check_take(struct rk_stix_object **out, json_t *obj,
                              const struct rk_stix_check *chk,
                              struct rk_stix_findings **findings_out, struct rk_err *err);

/* json_loadb with duplicate keys rejected and the object-size cap; a failure is also added to
 * *findings (when findings is not NULL) with the byte offset offset + position. */
int rk_stix_json_load(json_t **out, const char *text, size_t len, long long offset,
                      const struct rk_stix_options *opt, struct rk_stix_findings **findings,
                      struct rk_err *err);

#endif
