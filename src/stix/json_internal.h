/* json_internal.h - the document layout shared by json_parse.c and json_dom.c. */
#ifndef RK_STIX_JSON_INTERNAL_H
#define RK_STIX_JSON_INTERNAL_H

#include "stix/json.h"

/* Memory added to a document after parsing (by rk_json_set and friends). */
struct rk_json_extra {
    struct rk_json_extra *next;
    max_align_t data[];
};

/* One allocation: this header, then the nodes (root first), the member orders, the decoded
 * strings and the copy of the source text. */
struct rk_json_doc {
    struct rk_json *root;
    struct rk_json_stats stats;
    size_t text_len;
    struct rk_json_extra *extra;
};

/* Objects with more members than this are searched through their sorted order. */
#define RK_JSON_LINEAR_MAX 12

#endif
