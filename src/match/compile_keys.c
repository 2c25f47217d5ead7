/* compile_keys.c - names into the open-addressing table, digests into sorted arrays, and the
 * per-key posting lists of indicators. */
#include "match/build.h"

#include "util/alloc.h"
#include "util/digest.h"

/* ---- names ----------------------------------------------------------------------------------- */

static const uint8_t *record(const struct rk_buf *pool, uint32_t off, size_t *len_out, int *kind)
{
    const uint8_t *r = (const uint8_t *)pool->ptr + off;

    *kind = r[0];
    *len_out = (size_t)r[1] | (size_t)r[2] << 8;
    return r + 3;
}

static int same_text(const struct rk_buf *pool, uint32_t a, uint32_t b)
{
    size_t la, lb;
    int ka, kb;
    const uint8_t *ta = record(pool, a, &la, &ka), *tb = record(pool, b, &lb, &kb);

    return ka == kb && la == lb && memcmp(ta, tb, la) == 0;
}

/* Insert one name: a new key, or a pair for the existing key with the same text. */
static int insert_name(struct rk_match_builder *b, struct b_out *o, uint64_t *slots, size_t mask,
                       const struct b_name *nm)
{
    uint32_t fp = midx_fp(nm->hash), key;
    size_t i = midx_name_mix(nm->hash) & mask;
    int rc, kind;
    size_t len;

    for (;; i = (i + 1) & mask) {
        if (slots[i] == MIDX_SLOT_EMPTY) {
            if ((rc = b_out_key(o, nm->text, &key)) != 0)
                return rc;
            slots[i] = (uint64_t)fp << 32 | key;
            record(&b->keytext, nm->text, &len, &kind);
            o->n_values[kind]++;
            break;
        }
        key = (uint32_t)slots[i];
        if ((uint32_t)(slots[i] >> 32) == fp && same_text(&b->keytext, o->key_text[key], nm->text))
            break;
    }
    return b->opt.set_only ? 0 : b_out_pair(o, key, nm->ind);
}

/* 16 bits a distinct name (at least 512), three bits in one word per name. */
static int make_bloom(struct b_out *o, const uint64_t *slots, size_t cap,
                      const struct b_name *names, size_t n, struct rk_err *err)
{
    size_t distinct = 0, words = 8;
    uint64_t *bloom;

    for (size_t i = 0; i < cap; i++)
        distinct += slots[i] != MIDX_SLOT_EMPTY;
    o->bloom_bits = 3;
    while (words * 64 < distinct * 16 && o->bloom_bits < 31) {
        words *= 2;
        o->bloom_bits++;
    }
    if (!(bloom = rk_calloc(words, sizeof(*bloom))))
        return rk_err_set(err, RK_ENOMEM, "out of memory for the name filter");
    for (size_t i = 0; i < n; i++)
        bloom[midx_bloom_word(names[i].hash, words - 1)] |= midx_bloom_bits(names[i].hash);
    o->sec[SEC_NAME_BLOOM].p = bloom;
    o->sec[SEC_NAME_BLOOM].size = words * sizeof(*bloom);
    return 0;
}

int rk_match__compile_names(struct rk_match_builder *b, struct b_out *o, struct rk_err *err)
{
    const struct b_name *names = (const struct b_name *)b->names.p;
    size_t cap = 16, n = b->names.n;
    uint64_t *slots;
    int rc;

    while (cap < n + n / 2 + 1) /* load factor at most 2/3 */
        cap *= 2;
    if (!(slots = rk_reallocarray(NULL, cap, sizeof(*slots))))
        return rk_err_set(err, RK_ENOMEM, "out of memory for a %zu-slot name table", cap);
    memset(slots, 0xff, cap * sizeof(*slots));
    for (int k = RK_MATCH_DOMAIN; k <= RK_MATCH_EMAIL; k++)
        o->n_values[k] = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = insert_name(b, o, slots, cap - 1, &names[i])) != 0) {
            rk_free(slots);
            return rk_err_set(err, rc, "%s compiling the name table", rk_strerror(rc));
        }
    }
    o->sec[SEC_NAME_SLOTS].p = slots;
    o->sec[SEC_NAME_SLOTS].size = cap * sizeof(*slots);
    o->name_bits = 0;
    while (((size_t)1 << o->name_bits) < cap)
        o->name_bits++;
    return make_bloom(o, slots, cap, names, n, err);
}

/* ---- hashes ---------------------------------------------------------------------------------- */

/* Sort the records [digest][u32 indicator] by digest. */
static int sort_digests(struct b_arr *a, size_t dlen)
{
    uint64_t *keys = rk_reallocarray(NULL, a->n ? a->n : 1, sizeof(*keys));
    uint32_t *idx = rk_reallocarray(NULL, a->n ? a->n : 1, sizeof(*idx));
    uint8_t *sorted = rk_reallocarray(NULL, a->n ? a->n : 1, a->elem);
    int rc = RK_ENOMEM;

    if (!keys || !idx || !sorted)
        goto out;
    rc = 0;
    if (a->n < 2)
        goto out;
    for (size_t i = 0; i < a->n; i++) {
        keys[i] = rk_match__get_be64(a->p + i * a->elem);
        idx[i] = (uint32_t)i;
    }
    if ((rc = rk_match__sort_u64(keys, idx, a->n)) != 0)
        goto out;
    for (size_t i = 0; i < a->n; i++) { /* ties on the first 8 bytes: insertion sort */
        size_t j = i;

        while (j > 0 && keys[j - 1] == keys[i] &&
               memcmp(a->p + (size_t)idx[j - 1] * a->elem, a->p + (size_t)idx[i] * a->elem,
                      dlen) > 0)
            j--;
        if (j < i) {
            uint32_t moving = idx[i];

            memmove(idx + j + 1, idx + j, (i - j) * sizeof(*idx));
            idx[j] = moving;
        }
    }
    for (size_t i = 0; i < a->n; i++)
        memcpy(sorted + i * a->elem, a->p + (size_t)idx[i] * a->elem, a->elem);
    memcpy(a->p, sorted, a->n * a->elem);
out:
    rk_free(keys);
    rk_free(idx);
    rk_free(sorted);
    return rc;
}

static int hash_key_text(struct rk_match_builder *b, int kind, const uint8_t *d, size_t dlen,
                         uint32_t *off_out)
{
    char hex[129];
    uint8_t head[3] = {(uint8_t)kind, (uint8_t)(2 * dlen), 0};
    size_t off = rk_buf_len(&b->keytext);
    int rc;

    rk_hex_encode(hex, d, dlen);
    if ((rc = rk_buf_append(&b->keytext, head, 3)) != 0 ||
        (rc = rk_buf_append(&b->keytext, hex, 2 * dlen + 1)) != 0)
        return rc;
    *off_out = (uint32_t)off;
    return 0;
}

/* Unique digests into their section; keys and pairs for a full index. */
static int unique_digests(struct rk_match_builder *b, struct b_out *o, int slot, uint8_t *out,
                          size_t *n_out)
{
    struct b_arr *a = &b->hashes[slot];
    int kind = RK_MATCH_MD5 + slot;
    size_t dlen = rk_match__digest_len(kind), n = 0;
    uint32_t key = 0, text, ind;
    int rc;

    for (size_t i = 0; i < a->n; i++) {
        const uint8_t *r = a->p + i * a->elem;

        if (n == 0 || memcmp(out + (n - 1) * dlen, r, dlen) != 0) {
            memcpy(out + n * dlen, r, dlen);
            n++;
            if (!b->opt.set_only && ((rc = hash_key_text(b, kind, r, dlen, &text)) != 0 ||
                                     (rc = b_out_key(o, text, &key)) != 0))
                return rc;
        }
        memcpy(&ind, r + dlen, sizeof(ind));
        if (!b->opt.set_only && (rc = b_out_pair(o, key, ind)) != 0)
            return rc;
    }
    *n_out = n;
    return 0;
}

static int compile_hash_table(struct rk_match_builder *b, struct b_out *o, int slot)
{
    struct b_arr *a = &b->hashes[slot];
    size_t dlen = rk_match__digest_len(RK_MATCH_MD5 + slot), n = 0;
    uint8_t *digests = rk_reallocarray(NULL, a->n ? a->n : 1, dlen);
    uint32_t *tops = NULL;
    int rc = RK_ENOMEM;

    if (!digests)
        return RK_ENOMEM;
    o->hash_base[slot] = (uint32_t)o->n_key_text;
    if ((rc = sort_digests(a, dlen)) != 0 || (rc = unique_digests(b, o, slot, digests, &n)) != 0)
        goto out;
    if (!(tops = rk_reallocarray(NULL, n ? n : 1, sizeof(*tops)))) {
        rc = RK_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        tops[i] = rk_match__get_be32(digests + i * dlen);
    o->hash_bits[slot] = rk_match__bucket_bits(2 * n, 1, 28);
    if ((rc = rk_match__buckets32(tops, 1, n, o->hash_bits[slot],
                                  (uint32_t **)&o->sec[SEC_HB_MD5 + slot].p,
                                  &o->sec[SEC_HB_MD5 + slot].size)) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) /* the fingerprints reuse tops */
        tops[i] = rk_match__get_be32(digests + i * dlen + 4);
    o->sec[SEC_HF_MD5 + slot].p = tops;
    o->sec[SEC_HF_MD5 + slot].size = n * sizeof(*tops);
    tops = NULL;
    o->sec[SEC_H_MD5 + slot].p = digests;
    o->sec[SEC_H_MD5 + slot].size = n * dlen;
    o->n_values[RK_MATCH_MD5 + slot] = n;
    digests = NULL;
out:
    rk_free(digests);
    rk_free(tops);
    return rc;
}

int rk_match__compile_hashes(struct rk_match_builder *b, struct b_out *o, struct rk_err *err)
{
    int rc;

    for (int slot = 0; slot < 4; slot++)
        if ((rc = compile_hash_table(b, o, slot)) != 0)
            return rk_err_set(err, rc, "%s compiling the %s table", rk_strerror(rc),
                              rk_match_kind_name(RK_MATCH_MD5 + slot));
    return 0;
}

/* ---- postings -------------------------------------------------------------------------------- */

int rk_match__compile_postings(struct rk_match_builder *b, struct b_out *o, struct rk_err *err)
{
    size_t n_keys = o->n_key_text, np = 0;
    uint32_t *post = NULL, *key_post = NULL;
    int rc;

    (void)b;
    if ((rc = rk_match__sort_u64(o->pairs, NULL, o->n_pairs)) != 0)
        goto out;
    post = rk_reallocarray(NULL, n_keys + o->n_pairs + 1, sizeof(*post));
    key_post = rk_reallocarray(NULL, n_keys ? n_keys : 1, sizeof(*key_post));
    if (!post || !key_post) {
        rc = RK_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n_keys; i++)
        key_post[i] = MIDX_NONE;
    for (size_t i = 0; i < o->n_pairs; i++) {
        uint32_t key = (uint32_t)(o->pairs[i] >> 32), ind = (uint32_t)o->pairs[i];

        if (i > 0 && o->pairs[i] == o->pairs[i - 1])
            continue; /* the same indicator gave the same value twice */
        if (key_post[key] == MIDX_NONE) {
            key_post[key] = (uint32_t)np;
            post[np++] = 0;
        }
        post[key_post[key]]++;
        post[np++] = ind;
    }
    o->sec[SEC_POST].p = post;
    o->sec[SEC_POST].size = np * sizeof(*post);
    o->sec[SEC_KEY_POST].p = key_post;
    o->sec[SEC_KEY_POST].size = n_keys * sizeof(*key_post);
    post = key_post = NULL;
out:
    rk_free(post);
    rk_free(key_post);
    if (rc != 0)
        return rk_err_set(err, rc, "%s compiling posting lists", rk_strerror(rc));
    return 0;
}
