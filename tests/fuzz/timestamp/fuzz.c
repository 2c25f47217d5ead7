/* fuzz.c - libFuzzer target: bytes -> rk_time_parse in STIX and RFC 3339 modes; whatever
 * parses must format and parse back to the same instant, and a STIX timestamp with at most
 * nine fraction digits and no leap second must format back to exactly the same text. Also the
 * STIX layer's timestamp comparison on the two halves of the input. */
#include "renkei/error.h"
#include "stix/stix_internal.h"
#include "util/rktime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void round_trip(const char *s, size_t len, unsigned flags)
{
    struct rk_time t, back;
    struct rk_err err;
    char out[RK_TIME_STR_MAX];
    int n;

    if (rk_time_parse(&t, s, len, flags, &err) != 0) {
        if (err.offset < 0 || (size_t)err.offset > len)
            abort(); /* the error points into the input */
        return;
    }
    if ((n = rk_time_format(&t, -1, out, sizeof(out))) < 0)
        return; /* an offset moved the instant outside years 0000-9999 */
    if (rk_time_parse(&back, out, (size_t)n, RK_TIME_STIX, NULL) != 0 || rk_time_cmp(&t, &back) != 0)
        abort();
    if (flags == RK_TIME_STIX && len <= 30 && (size_t)n == len && memcmp(out, s, len) != 0 &&
        !(len >= 19 && s[17] == '6' && s[18] == '0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char *a, *b;
    int cmp;

    round_trip(s, size, RK_TIME_STIX);
    round_trip(s, size, RK_TIME_RFC3339);
    if ((a = malloc(size / 2 + 1)) == NULL || (b = malloc(size - size / 2 + 1)) == NULL) {
        free(a);
        return 0;
    }
    memcpy(a, s, size / 2);
    a[size / 2] = '\0';
    memcpy(b, s + size / 2, size - size / 2);
    b[size - size / 2] = '\0';
    if (rk_stix_timestamp_order(a, b, &cmp) == 0 && rk_stix_timestamp_order(b, a, &cmp) != 0)
        abort(); /* both well formed one way round, but not the other */
    free(a);
    free(b);
    return 0;
}
