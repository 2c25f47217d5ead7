/* sort.c - LSD radix sort of 64-bit keys (with 32-bit payloads) and bucket indexes. */
#include "match/build.h"
#include "util/alloc.h"

/* The counts of every 8-bit digit of every key, all eight digits in one read of the keys. */
static void histograms(const uint64_t *k, size_t n, size_t count[8][256])
{
    memset(count, 0, 8 * 256 * sizeof(count[0][0]));
    for (size_t i = 0; i < n; i++)
        for (unsigned d = 0; d < 8; d++)
            count[d][(k[i] >> (8 * d)) & 255]++;
}

/* One 8-bit pass from (k, v) into (k2, v2) with the digit's counts; 0 when every key has the
 * same digit (skipped). */
static int radix_pass(const uint64_t *k, const uint32_t *v, uint64_t *k2, uint32_t *v2, size_t n,
                      unsigned shift, const size_t *count)
{
    size_t pos[256], sum = 0;

    for (unsigned d = 0; d < 256; d++) {
        if (count[d] == n)
            return 0;
        pos[d] = sum;
        sum += count[d];
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = pos[(k[i] >> shift) & 255]++;

        k2[at] = k[i];
        if (v)
            v2[at] = v[i];
    }
    return 1;
}

int rk_match__sort_u64(uint64_t *keys, uint32_t *vals, size_t n)
{
    size_t(*count)[256];
    uint64_t *k2, *ka = keys, *kb;
    uint32_t *v2 = NULL, *va = vals, *vb;

    if (n < 2)
        return 0;
    k2 = rk_reallocarray(NULL, n, sizeof(*k2));
    count = rk_reallocarray(NULL, 8, sizeof(*count));
    if (vals)
        v2 = rk_reallocarray(NULL, n, sizeof(*v2));
    if (!k2 || !count || (vals && !v2)) {
        rk_free(k2);
        rk_free(v2);
        rk_free(count);
        return RK_ENOMEM;
    }
    histograms(keys, n, count);
    kb = k2;
    vb = v2;
    for (unsigned d = 0; d < 8; d++) {
        if (radix_pass(ka, va, kb, vb, n, 8 * d, count[d])) {
            uint64_t *tk = ka;
            uint32_t *tv = va;

            ka = kb;
            kb = tk;
            va = vb;
            vb = tv;
        }
    }
    if (ka != keys) {
        memcpy(keys, ka, n * sizeof(*keys));
        if (vals)
            memcpy(vals, va, n * sizeof(*vals));
    }
    rk_free(k2);
    rk_free(v2);
    rk_free(count);
    return 0;
}

uint32_t rk_match__bucket_bits(size_t n, uint32_t min, uint32_t max)
{
    uint32_t bits = min;

    while (bits < max && ((size_t)1 << (bits + 1)) <= n)
        bits++;
    return bits;
}

int rk_match__buckets32(const uint32_t *tops, size_t stride, size_t n, uint32_t bits,
                        uint32_t **out, size_t *size_out)
{
    size_t nb = (size_t)1 << bits, i = 0;
    uint32_t *b = rk_reallocarray(NULL, nb + 1, sizeof(*b));

    *out = NULL;
    if (!b)
        return RK_ENOMEM;
    for (size_t bucket = 0; bucket < nb; bucket++) {
        /* first element whose top bits are >= bucket */
        while (i < n && (size_t)(tops[i * stride] >> (32 - bits)) < bucket)
            i++;
        b[bucket] = (uint32_t)i;
    }
    b[nb] = (uint32_t)n;
    *out = b;
    *size_out = (nb + 1) * sizeof(*b);
    return 0;
}
