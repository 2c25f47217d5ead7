/* fuzz.c - the log extractors: the first byte picks the format (JSON lines, CSV with the
 * columns "dst" and "host", free text, pcap/pcapng, plain lines), the rest is the input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "renkei/match.h"

static int check(const struct rk_match_obs *o, void *ctx)
{
    (void)ctx;
    /* every value handed out is a parsed one with a kind and a NUL-terminated text */
    if (o->value->kind <= RK_MATCH_ANY || o->value->kind >= RK_MATCH_KIND_COUNT ||
        strlen(o->value->text) != o->value->len || !o->field || o->record == 0)
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int formats[] = {RK_MATCH_FMT_JSON, RK_MATCH_FMT_CSV, RK_MATCH_FMT_TEXT,
                                  RK_MATCH_FMT_PCAP, RK_MATCH_FMT_LINES};
    struct rk_match_extract_options o = {.column = "dst,host", .max_line = 4096};
    struct rk_match_extract_stats st;

    if (size < 1)
        return 0;
    o.format = formats[data[0] % 5];
    rk_match_extract((const char *)data + 1, size - 1, &o, check, NULL, &st, NULL);
    if (st.values > 0 && st.records == 0)
        __builtin_trap();
    return 0;
}
