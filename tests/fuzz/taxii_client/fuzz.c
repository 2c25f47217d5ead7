/* fuzz.c - libFuzzer target for the TAXII client's parsers of what a (possibly hostile) server
 * answers. The first byte picks the parser: 0 discovery, 1 API root, 2 collections, 3 objects
 * envelope, 4 status, 5 manifest; the rest is the response body. Invariants: every refusal
 * says why; an accepted envelope's objects span lies inside the body and is a list; counts
 * and strings stay within their caps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/taxii_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int each_collection(const struct rk_taxii_collection_info *ci, void *ctx)
{
    (void)ctx;
    if (!ci->id[0] || strlen(ci->id) >= sizeof(ci->id) || (ci->can_read & ~1) ||
        (ci->can_write & ~1))
        abort();
    return 0;
}

static int each_record(const struct rk_taxii_manifest_record *r, void *ctx)
{
    (void)ctx;
    if (!r->id || !r->date_added || !r->version || !r->media_type)
        abort();
    return 0;
}

static void check_envelope(const char *p, size_t len)
{
    struct rk_taxii_page page;
    struct rk_err err;

    memset(&page, 0, sizeof(page));
    if (rk_taxii_parse_envelope(p, len, &page, &err) != 0) {
        if (!err.message[0])
            abort();
        return;
    }
    if (page.objects_len &&
        (page.objects_at + page.objects_len > len || p[page.objects_at] != '[' ||
         p[page.objects_at + page.objects_len - 1] != ']'))
        abort();
    if (!page.objects_len && page.n_objects)
        abort();
    if (strlen(page.next) >= sizeof(page.next) || (page.more & ~1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_taxii_discovery d;
    struct rk_taxii_api_root a;
    struct rk_taxii_status s;
    struct rk_err err;
    char next[RK_TAXII_NEXT_MAX];
    const char *p = (const char *)data + 1;
    size_t len = size ? size - 1 : 0;
    int more = 0, rc = 0;

    if (size == 0)
        return 0;
    rk_err_clear(&err);
    memset(&s, 0, sizeof(s));
    switch (data[0] % 6) {
    case 0: rc = rk_taxii_parse_discovery(p, len, &d, &err);
        if (rc == 0 && d.n_api_roots > RK_TAXII_ROOTS_MAX)
            abort();
        break;
    case 1: rc = rk_taxii_parse_api_root(p, len, &a, &err);
        if (rc == 0 && a.max_content_length == 0)
            abort();
        break;
    case 2: rc = rk_taxii_parse_collections(p, len, each_collection, NULL, &err); break;
    case 3: check_envelope(p, len); return 0;
    case 4: rc = rk_taxii_parse_status(p, len, &s, &err);
        if (rc == 0 && s.n_failures > RK_TAXII_DETAILS_MAX)
            abort();
        rk_taxii_status_free(&s);
        break;
    default: rc = rk_taxii_parse_manifest(p, len, each_record, NULL, &more, next, &err); break;
    }
    if (rc != 0 && !err.message[0])
        abort();
    return 0;
}
