/* fuzz.c - libFuzzer target: bytes -> the streaming STIX reader over memory -> every object
 * validated and canonicalised; for each valid object, the canonical form must parse, validate
 * and serialise to the same bytes (idempotence). Also the one-object parser on the whole input.
 * Any inconsistency aborts, so the fuzzer reports it. */
#include "renkei/stix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_idempotent(const struct rk_stix_object *o)
{
    size_t len, len2;
    const char *canon = rk_stix_object_canonical(o, &len);
    struct rk_stix_object *again = NULL;
    struct rk_err err;

    if (!canon)
        abort();
    if (rk_stix_object_parse(&again, canon, len, NULL, NULL, &err) != 0)
        abort(); /* a valid object's canonical form must be valid */
    if (strcmp(rk_stix_object_canonical(again, &len2), canon) != 0 || len2 != len)
        abort(); /* canonical(parse(canonical)) must be the same text */
    rk_stix_object_free(again);
}

static void read_all(const uint8_t *data, size_t size, int v20)
{
    struct rk_stix_options opt;
    struct rk_stix_reader *r = NULL;
    struct rk_stix_item it;
    struct rk_err err;
    int rc;

    rk_stix_options_init(&opt);
    opt.max_object_bytes = 1 << 20;
    opt.max_depth = 32;
    opt.v20 = v20;
    if (rk_stix_reader_open_mem(&r, (const char *)data, size, &opt, &err) != 0)
        return;
    while ((rc = rk_stix_reader_next(r, &it, &err)) == 1) {
        if (it.object)
            check_idempotent(it.object);
        else if (rk_stix_findings_errors(it.findings) == 0)
            abort(); /* a rejected object always says why */
        rk_stix_item_clear(&it);
    }
    if (rc < 0 && err.message[0] == '\0')
        abort();
    (void)rk_stix_findings_count(rk_stix_reader_findings(r));
    rk_stix_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_stix_object *o = NULL;
    struct rk_stix_findings *f = NULL;
    struct rk_err err;

    read_all(data, size, RK_STIX_V20_UPGRADE);
    read_all(data, size, RK_STIX_V20_REJECT);
    if (rk_stix_object_parse(&o, (const char *)data, size, NULL, &f, &err) == 0)
        check_idempotent(o);
    rk_stix_object_free(o);
    rk_stix_findings_free(f);
    return 0;
}
