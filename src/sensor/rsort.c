/* rsort.c - stable LSD radix sort of (64-bit key, 64-bit value) pairs, for the large row sets
 * of a closed bin (sources and prefixes): linear time, and byte passes in which every key
 * agrees are skipped, so small keys (packet counts) cost one or two passes. */
#include "sensor/sensor_int.h"

#include <string.h>

void rsort_kv(struct rkv *a, struct rkv *tmp, size_t n)
{
    struct rkv *src = a, *dst = tmp;

    for (unsigned shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0}, pos = 0;

        for (size_t i = 0; i < n; i++)
            count[src[i].key >> shift & 0xff]++;
        if (n == 0 || count[src[0].key >> shift & 0xff] == n)
            continue; /* every key has the same byte here */
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];

            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[src[i].key >> shift & 0xff]++] = src[i];
        struct rkv *t = src;

        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
}
