/* fuzz.c - libFuzzer target for the decoder of stored sensor bins (persist.c): the bytes a
 * store holds are read back as untrusted input. A blob that decodes must encode back to the
 * same bytes, merge with itself, and sum into a range; nothing may crash, leak or read out of
 * bounds. The corpus holds bins of ingested generator captures: exact ones with port sets, an
 * approximate one, an IPv6 one, empty ones. */
#include "renkei/sensor.h"
#include "renkei/sensor_store.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct rk_sensor_bin *b)
{
    struct rk_sensor_bin *m = NULL;
    struct rk_sensor_rollup *r = NULL;

    if (rk_sensor_bin_merge(&m, b, b, NULL) == 0)
        rk_sensor_bin_free(m);
    if (rk_sensor_rollup_new(&r, NULL) == 0 && rk_sensor_rollup_add(r, b, NULL) == 0)
        rk_sensor_rollup_finish(r, NULL);
    rk_sensor_rollup_free(r);
}

/* Encode b; decoding that must give a bin that encodes to the same bytes again (a blob the
 * decoder accepts may be written less tidily than the encoder would, never inconsistently). */
static void round_trip(const struct rk_sensor_bin *b)
{
    struct rk_sensor_bin *d = NULL;
    struct rk_buf e1, e2;

    rk_buf_init(&e1, RK_BUF_UNLIMITED);
    rk_buf_init(&e2, RK_BUF_UNLIMITED);
    if (rk_sensor_bin_encode(b, &e1, NULL) != 0 ||
        rk_sensor_bin_decode(&d, rk_buf_ptr(&e1), rk_buf_len(&e1), NULL) != 0 ||
        rk_sensor_bin_encode(d, &e2, NULL) != 0 || rk_buf_len(&e1) != rk_buf_len(&e2) ||
        memcmp(rk_buf_ptr(&e1), rk_buf_ptr(&e2), rk_buf_len(&e1)) != 0)
        abort();
    rk_sensor_bin_free(d);
    rk_buf_free(&e1);
    rk_buf_free(&e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rk_sensor_bin *b = NULL;

    if (rk_sensor_bin_decode(&b, data, size, NULL) != 0)
        return 0;
    round_trip(b);
    exercise(b);
    rk_sensor_bin_free(b);
    return 0;
}
