/* server_next.h - stateless paging tokens (the "next" property and URL parameter).
 *
 * A token is base64url(version | position | MAC). The position is the date_added (in
 * microseconds) of the last row delivered; date_added values are unique and strictly
 * increasing node-wide, so "rows added after the position" is exactly the rest of the result.
 * The MAC is HMAC-SHA256 under the node's paging key (kept in the store, shared by every
 * front-end and kept across restarts) over the position and the scope the token was issued
 * for: endpoint, collection, object, the requesting user and a digest of the filter. A token
 * presented with any other scope fails verification, so it can never widen what a request
 * may see, and the read itself is still filtered for the requester as usual.
 */
#ifndef RK_TAXII_SERVER_NEXT_H
#define RK_TAXII_SERVER_NEXT_H

#include <stddef.h>
#include <stdint.h>

#include "taxii/http_request.h"

#define RK_TAXII_NEXT_KEY_LEN 32
/* A token's text with the NUL: 1 + 8 + 16 bytes in base64url. */
#define RK_TAXII_NEXT_TEXT_MAX 40

/* What a token is bound to. Strings are borrowed; object_id may be NULL, user "" when
 * anonymous. collection is the collection's id, never an alias. */
struct rk_taxii_page_scope {
    enum rk_taxii_endpoint ep;
    const char *collection;
    const char *object_id;
    const char *user;
    const struct rk_taxii_filter *filter; /* limit and next are not part of the scope */
};

/* Write the token for position pos_us into out. RK_ENOMEM. */
int rk_taxii_next_encode(char out[RK_TAXII_NEXT_TEXT_MAX], const uint8_t key[RK_TAXII_NEXT_KEY_LEN],
                         const struct rk_taxii_page_scope *scope, int64_t pos_us);

/* Check token against scope and return its position. RK_EFORMAT (err says why) when the token
 * is malformed or was issued for another scope or by another node. */
int rk_taxii_next_decode(int64_t *pos_out, const char *token,
                         const uint8_t key[RK_TAXII_NEXT_KEY_LEN],
                         const struct rk_taxii_page_scope *scope, struct rk_err *err);

#endif
