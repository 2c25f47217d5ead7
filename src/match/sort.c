/* sort.c - LSD radix sort of 64-bit keys (with 32-bit payloads) and bucket indexes. */
#include "match/build.h"
#include "util/alloc.h"

/* The counts of the 8-bit digits from..7 of every key, all in one read of the keys. */
static void histograms(const uint64_t *k, size_t n, unsigned from, size_t count[8][256])
{
    memset(count, 0, 8 * 256 * sizeof(count[0][0]));
    for (size_t i = 0; i < n; i++)
        for (unsigned d = from; d < 8; d++)
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

/* Stable LSD radix sort on the digits from..7 (8-bit digits, digit 0 the lowest). */
static int sort_digits(uint64_t *keys, uint32_t *vals, size_t n, unsigned from)
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
    histograms(keys, n, from, count);
    kb = k2;
    vb = v2;
    for (unsigned d = from; d < 8; d++) {
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

int rk_match__sort_u64(uint64_t *keys, uint32_t *vals, size_t n)
{
    return sort_digits(keys, vals, n, 0);
}

/* Sort each run of keys with the same top 32 bits: insertion for short runs (the usual one
 * or two keys), the radix sort for long ones. */
static int sort_runs(uint64_t *keys, size_t n)
{
    int rc;

    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && keys[j] >> 32 == keys[i] >> 32; j++)
            ;
        if (j - i > 16) {
            if ((rc = rk_match__sort_u64(keys + i, NULL, j - i)) != 0)
                return rc;
            continue;
        }
        for (size_t a = i + 1; a < j; a++) {
            uint64_t k = keys[a];
            size_t b = a;

            for (; b > i && keys[b - 1] > k; b--)
                keys[b] = keys[b - 1];
            keys[b] = k;
        }
    }
    return 0;
}

int rk_match__sort_u64_by_top(uint64_t *keys, size_t n)
{
    int rc;

    if ((rc = sort_digits(keys, NULL, n, 4)) != 0)
        return rc;
    return sort_runs(keys, n);
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
