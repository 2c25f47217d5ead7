/* fuzz.c - libFuzzer target for the TAXII request parser: routing, query filters with
 * match[...], Accept / Content-Type negotiation, Authorization, and the paging token check.
 *
 * Input: up to five lines, "METHOD\nURI\nACCEPT\nCONTENT-TYPE\nAUTHORIZATION"; a missing line
 * is an absent header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taxii/http_request.h"
#include "taxii/server_next.h"
#include "util/arena.h"

#define FIELDS 5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_next(const struct rk_taxii_request *req)
{
    static const uint8_t key[RK_TAXII_NEXT_KEY_LEN] = {7};
    struct rk_taxii_page_scope scope = {req->route.ep, req->route.collection,
                                        req->route.object_id, req->creds.user, &req->filter};
    char tok[RK_TAXII_NEXT_TEXT_MAX];
    int64_t pos;

    if (req->filter.next)
        rk_taxii_next_decode(&pos, req->filter.next, key, &scope, NULL);
    /* a token the server issues for this request always verifies */
    if (rk_taxii_next_encode(tok, key, &scope, 12345) == 0 &&
        (rk_taxii_next_decode(&pos, tok, key, &scope, NULL) != 0 || pos != 12345))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *field[FIELDS] = {NULL};
    struct rk_arena *a = rk_arena_new(1 << 22);
    struct rk_taxii_request req;
    struct rk_err err;
    size_t n = 0;

    if (!copy || !a)
        goto out;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (char *p = copy; n < FIELDS && p; n++) {
        char *nl = strchr(p, '\n');

        field[n] = p;
        if (nl)
            *nl = '\0';
        p = nl ? nl + 1 : NULL;
    }
    {
        struct rk_taxii_raw_request raw = {field[0], field[1], field[2], field[3], field[4]};

        if (rk_taxii_request_parse(&req, &raw, "api1", a, &err) == 0 &&
            req.error == RK_TAXII_REQ_OK) {
            if (req.route.ep == RK_TAXII_EP_NONE)
                abort(); /* a request without error always has an endpoint */
            check_next(&req);
        }
    }
    if (field[3])
        rk_taxii_content_type_check(field[3], strlen(field[3]), NULL);
out:
    rk_arena_free(a);
    free(copy);
    return 0;
}
