/* snapshot.c - the index image: validate, map from a file, save atomically.
 *
 * Validation runs once at load over every section, so lookups can trust what they read: each
 * offset and count is checked against the size of what it points into. The checksum covers
 * every byte after the checksum field; the fields before it are checked one by one.
 */
#include "renkei/match.h"
#include "match/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

static int bad(struct rk_err *err, const char *what, long long offset)
{
    rk_err_set(err, RK_EFORMAT, "corrupt index snapshot: %s", what);
    rk_err_set_offset(err, offset);
    return RK_EFORMAT;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;

    memcpy(&b, &one, 1);
    return b == 1;
}

/* Element sizes of the sections (0: a byte pool). */
static size_t elem_size(int sec)
{
    switch (sec) {
    case SEC_NAME_BLOOM: return 8;
    case SEC_V4_BOUNDS: return 2;
    case SEC_V6_BOUNDS: return 16;
    case SEC_NAME_SLOTS: return 8;
    case SEC_H_MD5: return 16;
    case SEC_H_SHA1: return 20;
    case SEC_H_SHA256: return 32;
    case SEC_H_SHA512: return 64;
    case SEC_IND: return sizeof(struct midx_ind);
    case SEC_STRINGS:
    case SEC_KEY_POOL: return 1;
    default: return 4;
    }
}

static int check_header(const struct midx_header *h, size_t len, struct rk_err *err)
{
    if (len < sizeof(*h) || memcmp(h->magic, MIDX_MAGIC, 8) != 0)
        return bad(err, "not a renkei index (bad magic)", 0);
    if (h->version != MIDX_VERSION)
        return bad(err, "unsupported format version", (long long)offsetof(struct midx_header, version));
    if (h->header_size != sizeof(*h) || h->n_sections != SEC_COUNT)
        return bad(err, "header size or section count", 12);
    if (h->file_size != len)
        return bad(err, "file size differs from the header (truncated?)", 16);
    if (rk_match__checksum((const uint8_t *)h + MIDX_CHECKSUM_FROM, len - MIDX_CHECKSUM_FROM) != h->checksum)
        return bad(err, "checksum mismatch", (long long)offsetof(struct midx_header, checksum));
    if (h->v4_bits < 1 || h->v4_bits > MIDX_V4_BITS || h->v6_bits < 1 || h->v6_bits > 24 ||
        h->name_bits > 31)
        return bad(err, "bucket sizes", (long long)offsetof(struct midx_header, v4_bits));
    for (int i = 0; i < 4; i++)
        if (h->hash_bits[i] < 1 || h->hash_bits[i] > 28)
            return bad(err, "hash bucket sizes", (long long)offsetof(struct midx_header, hash_bits));
    return 0;
}

static int check_sections(const struct midx_header *h, size_t len, struct rk_err *err)
{
    for (int i = 0; i < SEC_COUNT; i++) {
        uint64_t off = h->sec[i].off, size = h->sec[i].size;
        long long at = (long long)offsetof(struct midx_header, sec) + i * 16;

        if (size == 0)
            continue;
        if (off % 8 != 0 || off < sizeof(*h) || off > len || size > len - off)
            return bad(err, "a section lies outside the file", at);
        if (size % elem_size(i) != 0)
            return bad(err, "a section size is not a whole number of entries", at);
    }
    return 0;
}

static const void *sec_ptr(const struct rk_match_index *ix, int s, size_t *n_out)
{
    *n_out = (size_t)(ix->h->sec[s].size / elem_size(s));
    return ix->h->sec[s].size ? ix->base + ix->h->sec[s].off : NULL;
}

static void bind_sections(struct rk_match_index *ix)
{
    size_t n;

    if (ix->h->v4_bits == MIDX_V4_BITS) {
        ix->v4_bounds = sec_ptr(ix, SEC_V4_BOUNDS, &ix->n_v4);
    } else {
        ix->v4_bounds32 = sec_ptr(ix, SEC_V4_BOUNDS, &ix->n_v4);
        ix->n_v4 /= 2;
    }
    ix->v4_pay = sec_ptr(ix, SEC_V4_PAY, &n);
    ix->v4_buckets = sec_ptr(ix, SEC_V4_BUCKETS, &n);
    ix->v6_bounds = sec_ptr(ix, SEC_V6_BOUNDS, &ix->n_v6);
    ix->v6_pay = sec_ptr(ix, SEC_V6_PAY, &n);
    ix->v6_buckets = sec_ptr(ix, SEC_V6_BUCKETS, &n);
    ix->ivpost = sec_ptr(ix, SEC_IVPOST, &ix->n_ivpost);
    ix->name_slots = sec_ptr(ix, SEC_NAME_SLOTS, &ix->n_name_slots);
    ix->name_bloom = sec_ptr(ix, SEC_NAME_BLOOM, &n);
    ix->bloom_mask = n ? n - 1 : 0;
    for (int i = 0; i < 4; i++) {
        ix->hashes[i] = sec_ptr(ix, SEC_H_MD5 + i, &ix->n_hashes[i]);
        ix->hash_buckets[i] = sec_ptr(ix, SEC_HB_MD5 + i, &n);
        ix->hash_fps[i] = sec_ptr(ix, SEC_HF_MD5 + i, &n);
    }
    ix->key_text = sec_ptr(ix, SEC_KEY_TEXT, &ix->n_key_text);
    ix->key_post = sec_ptr(ix, SEC_KEY_POST, &ix->n_key_post);
    ix->post = sec_ptr(ix, SEC_POST, &ix->n_post);
    ix->ind = sec_ptr(ix, SEC_IND, &n);
    ix->strings = sec_ptr(ix, SEC_STRINGS, &ix->n_strings);
    ix->key_pool = sec_ptr(ix, SEC_KEY_POOL, &ix->n_key_pool);
    ix->set_only = (ix->h->flags & MIDX_FLAG_SET_ONLY) != 0;
}

/* A bucket index of 2^bits + 1 entries, non-decreasing, ending at n. */
static int check_buckets(const struct rk_match_index *ix, int s, uint32_t bits, size_t n,
                         struct rk_err *err)
{
    size_t nb, count;
    const uint32_t *b = sec_ptr(ix, s, &count);

    nb = ((size_t)1 << bits) + 1;
    if (count != nb || !b)
        return bad(err, "bucket index size", (long long)ix->h->sec[s].off);
    for (size_t i = 0; i < nb; i++)
        if (b[i] > n || (i > 0 && b[i] < b[i - 1]) || (i == nb - 1 && b[i] != n))
            return bad(err, "bucket index order", (long long)(ix->h->sec[s].off + 4 * i));
    return 0;
}

/* An interval payload: none, one key, or a list in IVPOST. */
static int check_payload(const struct rk_match_index *ix, uint32_t p)
{
    uint32_t count;

    if (p == MIDX_NONE)
        return 1;
    if (p & MIDX_DIRECT)
        return (p & ~MIDX_DIRECT) < ix->h->n_keys;
    if (p >= ix->n_ivpost)
        return 0;
    count = ix->ivpost[p];
    if (count == 0 || count > ix->n_ivpost - p - 1)
        return 0;
    for (uint32_t i = 1; i <= count; i++)
        if (ix->ivpost[p + i] >= ix->h->n_keys)
            return 0;
    return 1;
}

static int check_v4(const struct rk_match_index *ix, struct rk_err *err)
{
    size_t n_pay;
    int rc;

    sec_ptr(ix, SEC_V4_PAY, &n_pay);
    if ((rc = check_buckets(ix, SEC_V4_BUCKETS, ix->h->v4_bits, ix->n_v4, err)) != 0)
        return rc;
    if (ix->v4_bounds32) {
        if (ix->h->sec[SEC_V4_BOUNDS].size % 4 != 0)
            return bad(err, "IPv4 bounds size", (long long)ix->h->sec[SEC_V4_BOUNDS].off);
        for (size_t i = 1; i < ix->n_v4; i++)
            if (ix->v4_bounds32[i] <= ix->v4_bounds32[i - 1])
                return bad(err, "IPv4 bounds out of order",
                           (long long)(ix->h->sec[SEC_V4_BOUNDS].off + 4 * i));
    }
    for (size_t b = 0; ix->v4_bounds && b < ((size_t)1 << MIDX_V4_BITS); b++) /* per bucket */
        for (size_t i = (size_t)ix->v4_buckets[b] + 1; i < ix->v4_buckets[b + 1]; i++)
            if (ix->v4_bounds[i] <= ix->v4_bounds[i - 1])
                return bad(err, "IPv4 bounds out of order",
                           (long long)(ix->h->sec[SEC_V4_BOUNDS].off + 2 * i));
    if (ix->set_only)
        return n_pay == 0 ? 0 : bad(err, "payload in a set-only index", 0);
    if (n_pay != ix->n_v4 || ix->n_v4 == 0 ||
        (ix->v4_bounds ? ix->v4_bounds[0] : ix->v4_bounds32[0]) != 0)
        return bad(err, "IPv4 payload count", (long long)ix->h->sec[SEC_V4_PAY].off);
    for (size_t i = 0; i < n_pay; i++)
        if (!check_payload(ix, ix->v4_pay[i]))
            return bad(err, "IPv4 payload", (long long)(ix->h->sec[SEC_V4_PAY].off + 4 * i));
    return 0;
}

static int check_v6(const struct rk_match_index *ix, struct rk_err *err)
{
    size_t n_pay;
    int rc;

    sec_ptr(ix, SEC_V6_PAY, &n_pay);
    if ((rc = check_buckets(ix, SEC_V6_BUCKETS, ix->h->v6_bits, ix->n_v6, err)) != 0)
        return rc;
    for (size_t i = 1; i < ix->n_v6; i++) {
        const uint64_t *a = ix->v6_bounds + 2 * (i - 1), *b = a + 2;

        if (b[0] < a[0] || (b[0] == a[0] && b[1] <= a[1]))
            return bad(err, "IPv6 bounds out of order", (long long)ix->h->sec[SEC_V6_BOUNDS].off);
    }
    if (ix->set_only)
        return n_pay == 0 ? 0 : bad(err, "payload in a set-only index", 0);
    if (n_pay != ix->n_v6 || ix->n_v6 == 0 || ix->v6_bounds[0] != 0 || ix->v6_bounds[1] != 0)
        return bad(err, "IPv6 payload count", (long long)ix->h->sec[SEC_V6_PAY].off);
    for (size_t i = 0; i < n_pay; i++)
        if (!check_payload(ix, ix->v6_pay[i]))
            return bad(err, "IPv6 payload", (long long)(ix->h->sec[SEC_V6_PAY].off + 4 * i));
    return 0;
}

/* The key pool holds one record per key, in key order, after a leading 0: one linear pass. */
static int check_keys(const struct rk_match_index *ix, struct rk_err *err)
{
    uint64_t expect = 1;

    if (ix->n_key_text != ix->h->n_keys)
        return bad(err, "key count", (long long)ix->h->sec[SEC_KEY_TEXT].off);
    for (size_t k = 0; k < ix->n_key_text; k++) {
        uint64_t off = ix->key_text[k];
        size_t len;

        if (off != expect || off + 4 > ix->n_key_pool)
            return bad(err, "key text offset", (long long)(ix->h->sec[SEC_KEY_TEXT].off + 4 * k));
        len = (size_t)ix->key_pool[off + 1] | (size_t)ix->key_pool[off + 2] << 8;
        expect = off + 4 + len;
        if (ix->key_pool[off] == 0 || ix->key_pool[off] >= RK_MATCH_KIND_COUNT ||
            off + 4 + len > ix->n_key_pool || ix->key_pool[off + 3 + len] != 0)
            return bad(err, "key text record", (long long)(ix->h->sec[SEC_KEY_POOL].off + off));
    }
    for (size_t i = 0; i < ix->n_name_slots; i++) {
        uint64_t s = ix->name_slots[i];

        if (s != MIDX_SLOT_EMPTY && (uint32_t)s >= ix->h->n_keys)
            return bad(err, "name slot", (long long)(ix->h->sec[SEC_NAME_SLOTS].off + 8 * i));
    }
    if (ix->n_name_slots & (ix->n_name_slots - 1) ||
        (ix->n_name_slots && ((size_t)1 << ix->h->name_bits) != ix->n_name_slots))
        return bad(err, "name table size", (long long)ix->h->sec[SEC_NAME_SLOTS].off);
    if (ix->h->bloom_bits > 31 || !ix->name_bloom ||
        ix->h->sec[SEC_NAME_BLOOM].size != ((uint64_t)8 << ix->h->bloom_bits))
        return bad(err, "name filter size", (long long)offsetof(struct midx_header, bloom_bits));
    return 0;
}

static int check_hashes(const struct rk_match_index *ix, struct rk_err *err)
{
    int rc;

    for (int i = 0; i < 4; i++) {
        size_t n_fp;

        if ((rc = check_buckets(ix, SEC_HB_MD5 + i, ix->h->hash_bits[i], ix->n_hashes[i], err)) != 0)
            return rc;
        sec_ptr(ix, SEC_HF_MD5 + i, &n_fp);
        if (n_fp != ix->n_hashes[i])
            return bad(err, "hash fingerprint count", (long long)ix->h->sec[SEC_HF_MD5 + i].off);
        if (!ix->set_only && ((uint64_t)ix->h->hash_base[i] + ix->n_hashes[i] > ix->h->n_keys))
            return bad(err, "hash key numbers", (long long)offsetof(struct midx_header, hash_base));
    }
    return 0;
}

static int check_postings(const struct rk_match_index *ix, struct rk_err *err)
{
    if (ix->n_key_post != ix->h->n_keys)
        return bad(err, "posting list count", (long long)ix->h->sec[SEC_KEY_POST].off);
    for (size_t k = 0; k < ix->n_key_post; k++) {
        uint32_t p = ix->key_post[k], count;

        if (p >= ix->n_post || (count = ix->post[p]) > ix->n_post - p - 1)
            return bad(err, "posting list offset", (long long)(ix->h->sec[SEC_KEY_POST].off + 4 * k));
        for (uint32_t i = 1; i <= count; i++)
            if (ix->post[p + i] >= ix->h->n_indicators)
                return bad(err, "indicator number", (long long)(ix->h->sec[SEC_POST].off + 4 * p));
    }
    return 0;
}

static int str_ok(const struct rk_match_index *ix, uint32_t off, int optional)
{
    return (optional && off == MIDX_NONE) || off < ix->n_strings;
}

static int check_indicators(const struct rk_match_index *ix, struct rk_err *err)
{
    size_t n;

    sec_ptr(ix, SEC_IND, &n);
    if (ix->set_only)
        return n == 0 && ix->h->n_indicators == 0 ? 0 : bad(err, "indicators in a set-only index", 0);
    if (n != ix->h->n_indicators)
        return bad(err, "indicator count", (long long)ix->h->sec[SEC_IND].off);
    if (ix->n_strings == 0 || ix->strings[ix->n_strings - 1] != '\0')
        return bad(err, "string pool not terminated", (long long)ix->h->sec[SEC_STRINGS].off);
    for (size_t i = 0; i < n; i++) {
        const struct midx_ind *r = &ix->ind[i];

        if (!str_ok(ix, r->id_off, 0) || !str_ok(ix, r->source_off, 1) ||
            !str_ok(ix, r->name_off, 1) || !str_ok(ix, r->pattern_off, 1) ||
            !str_ok(ix, r->types_off, 1))
            return bad(err, "indicator string offset",
                       (long long)(ix->h->sec[SEC_IND].off + i * sizeof(*r)));
    }
    return check_postings(ix, err);
}

int rk_match__index_attach(struct rk_match_index *ix, const uint8_t *p, size_t len,
                           struct rk_err *err)
{
    const struct midx_header *h = (const struct midx_header *)p;
    int rc;

    memset(ix, 0, sizeof(*ix));
    if (!host_little_endian())
        return rk_err_set(err, RK_EUNSUPPORTED, "index snapshots need a little-endian host");
    if ((uintptr_t)p % 8 != 0)
        return rk_err_set(err, RK_EINVAL, "index image not 8-byte aligned");
    if ((rc = check_header(h, len, err)) != 0 || (rc = check_sections(h, len, err)) != 0)
        return rc;
    ix->base = p;
    ix->size = len;
    ix->h = h;
    bind_sections(ix);
    if ((rc = check_v4(ix, err)) != 0 || (rc = check_v6(ix, err)) != 0 ||
        (rc = check_keys(ix, err)) != 0 || (rc = check_hashes(ix, err)) != 0 ||
        (rc = check_indicators(ix, err)) != 0)
        return rc;
    return 0;
}

int rk_match_index_open_mem(struct rk_match_index **out, const void *p, size_t len,
                            struct rk_err *err)
{
    struct rk_match_index *ix = rk_calloc(1, sizeof(*ix));
    uint8_t *copy = rk_malloc(len ? len : 1);
    int rc;

    *out = NULL;
    if (!ix || !copy) {
        rk_free(ix);
        rk_free(copy);
        return rk_err_set(err, RK_ENOMEM, "out of memory loading an index");
    }
    memcpy(copy, p, len);
    if ((rc = rk_match__index_attach(ix, copy, len, err)) != 0) {
        rk_free(ix);
        rk_free(copy);
        return rc;
    }
    ix->owned = copy;
    *out = ix;
    return 0;
}

int rk_match_index_open(struct rk_match_index **out, const char *path, struct rk_err *err)
{
    struct rk_match_index *ix = NULL;
    struct stat st;
    void *map = MAP_FAILED;
    int fd, rc;

    *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return rk_err_set(err, errno == ENOENT ? RK_ENOTFOUND : RK_EIO, "%s: %s", path,
                          strerror(errno));
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(struct midx_header)) {
        rc = st.st_size >= 0 ? bad(err, "shorter than its header", 0) : RK_EIO;
        goto out;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
        rc = rk_err_set(err, RK_EIO, "%s: mmap: %s", path, strerror(errno));
        goto out;
    }
    if (!(ix = rk_calloc(1, sizeof(*ix)))) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = rk_match__index_attach(ix, map, (size_t)st.st_size, err)) != 0)
        goto out;
    ix->mapped = 1;
    *out = ix;
    ix = NULL;
    map = MAP_FAILED;
out:
    if (rc != 0)
        rk_err_prefix(err, "%s: ", path);
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    rk_free(ix);
    close(fd);
    return rc;
}

void rk_match_index_free(struct rk_match_index *ix)
{
    if (!ix)
        return;
    if (ix->mapped)
        munmap((void *)ix->base, ix->size);
    rk_free(ix->owned);
    rk_free(ix);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int rk_match_index_save(const struct rk_match_index *ix, const char *path, struct rk_err *err)
{
    char tmp[4096];
    int fd, n;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return rk_err_set(err, RK_ELIMIT, "index path too long");
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return rk_err_set(err, RK_EIO, "%s: %s", tmp, strerror(errno));
    if (write_all(fd, ix->base, ix->size) != 0 || fsync(fd) != 0) {
        rk_err_set(err, RK_EIO, "%s: write: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return RK_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        rk_err_set(err, RK_EIO, "rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return RK_EIO;
    }
    return 0;
}

void rk_match_index_stats(const struct rk_match_index *ix, struct rk_match_index_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->indicators = ix->h->n_indicators;
    memcpy(out->values, ix->h->n_values, sizeof(out->values));
    out->ipv4_intervals = ix->n_v4;
    out->ipv6_intervals = ix->n_v6;
    out->bytes = ix->size;
    out->stamp = ix->h->stamp;
    out->stamp_aux = ix->h->stamp_aux;
    out->built_us = ix->h->built_us;
    out->set_only = ix->set_only;
}

uint64_t rk_match_index_stamp(const struct rk_match_index *ix)
{
    return ix->h->stamp;
}
