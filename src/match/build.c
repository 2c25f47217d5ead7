/* build.c - the index builder: collect indicators and values, then compile an image. */
#include "match/build.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util/alloc.h"
#include "util/map.h"
#include "util/rktime.h"

#define DEFAULT_MAX_VALUES     (64u * 1024 * 1024)
#define DEFAULT_MAX_INDICATORS (64u * 1024 * 1024)
#define STRINGS_MAX            ((size_t)UINT32_MAX - 1)

void *b_arr_push(struct b_arr *a)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        uint8_t *p = rk_reallocarray(a->p, cap, a->elem);

        if (!p)
            return NULL;
        a->p = p;
        a->cap = cap;
    }
    return a->p + a->elem * a->n++;
}

void b_arr_free(struct b_arr *a)
{
    rk_free(a->p);
    a->p = NULL;
    a->n = a->cap = 0;
}

int rk_match_builder_new(struct rk_match_builder **out, const struct rk_match_build_options *opt,
                         struct rk_err *err)
{
    struct rk_match_builder *b;

    *out = NULL;
    b = rk_calloc(1, sizeof(*b));
    if (!b)
        return rk_err_set(err, RK_ENOMEM, "out of memory creating an index builder");
    if (opt)
        b->opt = *opt;
    if (b->opt.max_values == 0)
        b->opt.max_values = DEFAULT_MAX_VALUES;
    if (b->opt.max_indicators == 0)
        b->opt.max_indicators = DEFAULT_MAX_INDICATORS;
    b->ind.elem = sizeof(struct midx_ind);
    b->v4.elem = b->v6.elem = sizeof(struct b_ip);
    b->v4set.elem = sizeof(uint64_t);
    b->names.elem = sizeof(struct b_name);
    for (int i = 0; i < 4; i++)
        b->hashes[i].elem = rk_match__digest_len(RK_MATCH_MD5 + i) + sizeof(uint32_t);
    rk_buf_init(&b->strings, STRINGS_MAX);
    rk_buf_init(&b->keytext, STRINGS_MAX);
    b->interned = rk_map_new(NULL);
    if (!b->interned || rk_buf_putc(&b->strings, '\0') != 0 || rk_buf_putc(&b->keytext, 0) != 0) {
        rk_match_builder_free(b);
        return rk_err_set(err, RK_ENOMEM, "out of memory creating an index builder");
    }
    *out = b;
    return 0;
}

void rk_match_builder_free(struct rk_match_builder *b)
{
    if (!b)
        return;
    b_arr_free(&b->ind);
    b_arr_free(&b->v4);
    b_arr_free(&b->v4set);
    b_arr_free(&b->v6);
    b_arr_free(&b->names);
    for (int i = 0; i < 4; i++)
        b_arr_free(&b->hashes[i]);
    rk_buf_free(&b->strings);
    rk_buf_free(&b->keytext);
    rk_map_free(b->interned);
    rk_free(b);
}

void rk_match_builder_set_stamp(struct rk_match_builder *b, uint64_t stamp, uint64_t stamp_aux)
{
    b->opt.stamp = stamp;
    b->opt.stamp_aux = stamp_aux;
}

/* Offset of s in the string pool; repeated strings (sources) are stored once when intern. */
static int put_string(struct rk_match_builder *b, const char *s, int intern, uint32_t *off_out)
{
    size_t len, off;
    int rc;

    *off_out = MIDX_NONE;
    if (!s)
        return 0;
    len = strlen(s);
    if (intern) {
        void *hit = rk_map_get(b->interned, s, len);

        if (hit) {
            *off_out = (uint32_t)((uintptr_t)hit - 1);
            return 0;
        }
    }
    off = rk_buf_len(&b->strings);
    if ((rc = rk_buf_append(&b->strings, s, len + 1)) != 0)
        return rc;
    if (intern && (rc = rk_map_put_take(b->interned, s, len, (void *)(uintptr_t)(off + 1))) != 0)
        return rc;
    *off_out = (uint32_t)off;
    return 0;
}

int rk_match_builder_add_indicator(struct rk_match_builder *b, const struct rk_match_indicator *ind,
                                   uint32_t *id_out, struct rk_err *err)
{
    struct midx_ind *r;
    int rc;

    *id_out = MIDX_NONE;
    if (b->opt.set_only)
        return 0; /* a set-only index keeps no indicators */
    if (b->ind.n >= b->opt.max_indicators || b->ind.n >= MIDX_DIRECT - 1)
        return rk_err_set(err, RK_ELIMIT, "more than %zu indicators", b->opt.max_indicators);
    if (!ind->id || !*ind->id)
        return rk_err_set(err, RK_EINVAL, "an indicator needs an id");
    if (!(r = b_arr_push(&b->ind)))
        return rk_err_set(err, RK_ENOMEM, "out of memory adding an indicator");
    memset(r, 0, sizeof(*r));
    if ((rc = put_string(b, ind->id, 0, &r->id_off)) != 0 ||
        (rc = put_string(b, ind->source, 1, &r->source_off)) != 0 ||
        (rc = put_string(b, ind->name, 0, &r->name_off)) != 0 ||
        (rc = put_string(b, ind->pattern, 0, &r->pattern_off)) != 0 ||
        (rc = put_string(b, ind->types, 1, &r->types_off)) != 0) {
        b->ind.n--;
        return rk_err_set(err, rc, "indicator strings exceed the index's 4 GiB string pool");
    }
    r->valid_from_us = ind->valid_from_us;
    r->valid_until_us = ind->valid_until_us;
    r->confidence = (int16_t)(ind->confidence < -1 || ind->confidence > 100 ? -1 : ind->confidence);
    r->tlp = (uint8_t)(ind->tlp < 0 || ind->tlp > 255 ? 0 : ind->tlp);
    r->line = ind->line;
    *id_out = (uint32_t)(b->ind.n - 1);
    return 0;
}

/* Store a key's text record [kind][len u16][bytes][NUL]; full index only. */
static int put_keytext(struct rk_match_builder *b, int kind, const char *s, size_t len,
                       uint32_t *off_out)
{
    uint8_t head[3] = {(uint8_t)kind, (uint8_t)(len & 255), (uint8_t)(len >> 8)};
    size_t off = rk_buf_len(&b->keytext);
    int rc;

    if ((rc = rk_buf_append(&b->keytext, head, 3)) != 0 ||
        (rc = rk_buf_append(&b->keytext, s, len)) != 0 || (rc = rk_buf_putc(&b->keytext, 0)) != 0)
        return rc;
    *off_out = (uint32_t)off;
    return 0;
}

static void to_u128(struct b_u128 *o, const uint8_t *a, int v6)
{
    if (v6) {
        o->hi = rk_match__get_be64(a);
        o->lo = rk_match__get_be64(a + 8);
    } else {
        o->hi = 0;
        o->lo = rk_match__get_be32(a);
    }
}

/* A set-only index needs only the range of an IPv4 value: 8 bytes instead of a struct b_ip. */
static int add_v4_range(struct rk_match_builder *b, uint32_t first, uint32_t last)
{
    uint64_t *r = b_arr_push(&b->v4set);

    if (!r)
        return RK_ENOMEM;
    *r = (uint64_t)first << 32 | last;
    return 0;
}

static int add_ip(struct rk_match_builder *b, uint32_t id, const struct rk_match_value *v)
{
    int v6 = v->kind == RK_MATCH_IPV6;
    struct b_ip *r;
    unsigned host_bits = (v6 ? 128 : 32) - v->prefix;

    if (!v6 && b->opt.set_only) {
        uint32_t first = rk_match__get_be32(v->addr);
        uint32_t last = v->is_range ? rk_match__get_be32(v->range_end)
                                    : host_bits >= 32 ? UINT32_MAX
                                                      : first | ((UINT32_C(1) << host_bits) - 1);

        return add_v4_range(b, first, last);
    }
    if (!(r = b_arr_push(v6 ? &b->v6 : &b->v4)))
        return RK_ENOMEM;
    to_u128(&r->first, v->addr, v6);
    if (v->is_range) {
        to_u128(&r->last, v->range_end, 0);
    } else {
        r->last = r->first;
        if (host_bits >= 64) {
            r->last.lo = UINT64_MAX;
            r->last.hi |= host_bits >= 128 ? UINT64_MAX : (((uint64_t)1 << (host_bits - 64)) - 1);
        } else if (host_bits > 0) {
            r->last.lo |= ((uint64_t)1 << host_bits) - 1;
        }
    }
    r->ind = id;
    r->text = 0;
    if (!b->opt.set_only)
        return put_keytext(b, v->kind, v->text, v->len, &r->text);
    return 0;
}

static int add_name(struct rk_match_builder *b, uint32_t id, const struct rk_match_value *v)
{
    struct b_name *r = b_arr_push(&b->names);

    if (!r)
        return RK_ENOMEM;
    r->hash = midx_name_hash(v->kind, v->text, v->len);
    r->ind = id;
    return put_keytext(b, v->kind, v->text, v->len, &r->text);
}

static int add_hash(struct rk_match_builder *b, uint32_t id, const struct rk_match_value *v)
{
    int slot = midx_hash_slot(v->kind);
    size_t dlen = rk_match__digest_len(v->kind);
    uint8_t *r = b_arr_push(&b->hashes[slot]);

    if (!r)
        return RK_ENOMEM;
    memcpy(r, v->digest, dlen);
    memcpy(r + dlen, &id, sizeof(id));
    return 0;
}

int rk_match_builder_add_value(struct rk_match_builder *b, uint32_t id,
                               const struct rk_match_value *v, struct rk_err *err)
{
    int rc;

    if (!b->opt.set_only && id >= b->ind.n)
        return rk_err_set(err, RK_EINVAL, "value for unknown indicator %u", id);
    if (b->n_values >= b->opt.max_values)
        return rk_err_set(err, RK_ELIMIT, "more than %zu indicator values", b->opt.max_values);
    if (b->opt.set_only)
        id = MIDX_NONE;
    switch (v->kind) {
    case RK_MATCH_IPV4:
    case RK_MATCH_IPV6: rc = add_ip(b, id, v); break;
    case RK_MATCH_DOMAIN:
    case RK_MATCH_URL:
    case RK_MATCH_URL_PATH:
    case RK_MATCH_EMAIL: rc = add_name(b, id, v); break;
    case RK_MATCH_MD5:
    case RK_MATCH_SHA1:
    case RK_MATCH_SHA256:
    case RK_MATCH_SHA512: rc = add_hash(b, id, v); break;
    default: return rk_err_set(err, RK_EINVAL, "cannot index a value of kind %d", v->kind);
    }
    if (rc != 0)
        return rk_err_set(err, rc, "%s adding value %s", rc == RK_ELIMIT ? "index text over 4 GiB"
                                                                     : "out of memory", v->text);
    b->n_values++;
    b->kind_count[v->kind]++;
    return 0;
}

/* ---- lists ----------------------------------------------------------------------------------- */

struct list_ctx {
    struct rk_match_builder *b;
    const char *source;
    struct rk_err *err;
};

static int list_value(const struct rk_match_value *v, uint64_t line, long long offset, void *ctx)
{
    struct list_ctx *lc = ctx;
    uint32_t id = MIDX_NONE;
    char idbuf[64 + RK_ERR_PATH_MAX];
    int rc;

    (void)offset;
    if (!lc->b->opt.set_only) {
        struct rk_match_indicator ind = {.id = idbuf, .source = lc->source, .confidence = -1,
                                         .valid_from_us = INT64_MIN, .valid_until_us = INT64_MAX,
                                         .line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line};

        snprintf(idbuf, sizeof(idbuf), "list:%s:%llu", lc->source ? lc->source : "-",
                 (unsigned long long)line);
        if ((rc = rk_match_builder_add_indicator(lc->b, &ind, &id, lc->err)) != 0)
            return rc;
    }
    return rk_match_builder_add_value(lc->b, id, v, lc->err);
}

/* The list parser's shortcut for bare IPv4 lines (set-only indexes). */
static int list_v4(uint32_t first, uint32_t last, void *ctx)
{
    struct list_ctx *lc = ctx;
    struct rk_match_builder *b = lc->b;

    if (b->n_values >= b->opt.max_values)
        return rk_err_set(lc->err, RK_ELIMIT, "more than %zu indicator values",
                          b->opt.max_values);
    if (add_v4_range(b, first, last) != 0)
        return rk_err_set(lc->err, RK_ENOMEM, "out of memory adding an IPv4 value");
    b->n_values++;
    b->kind_count[RK_MATCH_IPV4]++;
    return 0;
}

int rk_match_builder_add_list(struct rk_match_builder *b, const char *text, size_t len,
                              const char *source, struct rk_match_list_stats *stats,
                              struct rk_err *err)
{
    struct list_ctx lc = {b, source, err};

    return rk_match__list_parse_v4(text, len, list_value, b->opt.set_only ? list_v4 : NULL, &lc,
                                   stats, err);
}

/* ---- finishing ------------------------------------------------------------------------------- */

int b_out_pair(struct b_out *o, uint32_t key, uint32_t ind)
{
    if (o->n_pairs == o->cap_pairs) {
        size_t cap = o->cap_pairs ? o->cap_pairs * 2 : 4096;
        uint64_t *p = rk_reallocarray(o->pairs, cap, sizeof(*p));

        if (!p)
            return RK_ENOMEM;
        o->pairs = p;
        o->cap_pairs = cap;
    }
    o->pairs[o->n_pairs++] = (uint64_t)key << 32 | ind;
    return 0;
}

int b_out_key(struct b_out *o, uint32_t text_off, uint32_t *key_out)
{
    if (o->n_key_text >= MIDX_DIRECT - 1)
        return RK_ELIMIT;
    if (o->n_key_text == o->cap_key_text) {
        size_t cap = o->cap_key_text ? o->cap_key_text * 2 : 4096;
        uint32_t *p = rk_reallocarray(o->key_text, cap, sizeof(*p));

        if (!p)
            return RK_ENOMEM;
        o->key_text = p;
        o->cap_key_text = cap;
    }
    o->key_text[o->n_key_text] = text_off;
    *key_out = (uint32_t)o->n_key_text++;
    return 0;
}

static void out_free(struct b_out *o)
{
    for (int i = 0; i < SEC_COUNT; i++)
        rk_free(o->sec[i].p);
    rk_free(o->pairs);
    rk_free(o->key_text);
}

/* Images of 2 MiB and more go to 2 MiB-aligned memory that the kernel may back with huge
 * pages: lookups jump all over the tables, and with 4 KiB pages TLB misses would dominate. */
static uint8_t *alloc_image(size_t total)
{
    const size_t huge = (size_t)2 << 20;
    size_t rounded = (total + huge - 1) & ~(huge - 1);
    uint8_t *p;

    if (total < huge)
        return rk_calloc(1, total);
    if (!(p = aligned_alloc(huge, rounded)))
        return NULL;
    madvise(p, rounded, MADV_HUGEPAGE);
    memset(p, 0, total);
    return p;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Lay the sections out after the header in one buffer and seal it with the checksum. */
static int assemble(struct rk_match_builder *b, struct b_out *o, uint8_t **img_out,
                    size_t *len_out)
{
    struct midx_header h;
    size_t total = align8(sizeof(h));
    uint8_t *img;

    memset(&h, 0, sizeof(h));
    for (int i = 0; i < SEC_COUNT; i++) {
        h.sec[i].off = o->sec[i].size ? total : 0;
        h.sec[i].size = o->sec[i].size;
        total += align8(o->sec[i].size);
    }
    if (!(img = alloc_image(total)))
        return RK_ENOMEM;
    memcpy(h.magic, MIDX_MAGIC, 8);
    h.version = MIDX_VERSION;
    h.header_size = sizeof(h);
    h.file_size = total;
    h.stamp = b->opt.stamp;
    h.stamp_aux = b->opt.stamp_aux;
    h.built_us = rk_time_now_us();
    h.flags = b->opt.set_only ? MIDX_FLAG_SET_ONLY : 0;
    h.n_sections = SEC_COUNT;
    h.n_indicators = (uint32_t)b->ind.n;
    h.n_keys = o->n_keys;
    h.v4_bits = o->v4_bits;
    h.v6_bits = o->v6_bits;
    h.name_bits = o->name_bits;
    h.bloom_bits = o->bloom_bits;
    memcpy(h.hash_bits, o->hash_bits, sizeof(h.hash_bits));
    memcpy(h.hash_base, o->hash_base, sizeof(h.hash_base));
    memcpy(h.n_values, o->n_values, sizeof(h.n_values));
    for (int i = 0; i < SEC_COUNT; i++)
        if (o->sec[i].size)
            memcpy(img + h.sec[i].off, o->sec[i].p, o->sec[i].size);
    memcpy(img, &h, sizeof(h));
    h.checksum = rk_match__checksum(img + MIDX_CHECKSUM_FROM, total - MIDX_CHECKSUM_FROM);
    memcpy(img + offsetof(struct midx_header, checksum), &h.checksum, sizeof(h.checksum));
    *img_out = img;
    *len_out = total;
    return 0;
}

/* Rewrite the key pool in key order, one record per key: lookups that walk keys in order stay
 * local, duplicates' records are dropped, and the loader validates the pool in one pass. */
static int order_key_pool(struct rk_match_builder *b, struct b_out *o)
{
    struct rk_buf pool;
    int rc = 0;

    rk_buf_init(&pool, b->keytext.max);
    if ((rc = rk_buf_putc(&pool, 0)) != 0)
        return rc;
    for (size_t k = 0; k < o->n_key_text && rc == 0; k++) {
        const uint8_t *r = (const uint8_t *)rk_buf_ptr(&b->keytext) + o->key_text[k];
        size_t len = 3 + ((size_t)r[1] | (size_t)r[2] << 8) + 1;

        o->key_text[k] = (uint32_t)rk_buf_len(&pool);
        rc = rk_buf_append(&pool, r, len);
    }
    if (rc == 0) {
        rk_buf_free(&b->keytext);
        b->keytext = pool;
    } else {
        rk_buf_free(&pool);
    }
    return rc;
}

/* Move the indicator records and strings into their sections. */
static int take_indicators(struct rk_match_builder *b, struct b_out *o)
{
    size_t len;
    int rc;

    o->sec[SEC_IND].size = b->ind.n * sizeof(struct midx_ind);
    o->sec[SEC_IND].p = b->ind.p;
    b->ind.p = NULL;
    o->sec[SEC_STRINGS].p = rk_buf_detach(&b->strings, &len);
    o->sec[SEC_STRINGS].size = len;
    if (!o->sec[SEC_STRINGS].p)
        return RK_ENOMEM;
    if ((rc = order_key_pool(b, o)) != 0)
        return rc;
    o->sec[SEC_KEY_POOL].p = rk_buf_detach(&b->keytext, &len);
    o->sec[SEC_KEY_POOL].size = len;
    if (!o->sec[SEC_KEY_POOL].p)
        return RK_ENOMEM;
    o->sec[SEC_KEY_TEXT].p = o->key_text;
    o->sec[SEC_KEY_TEXT].size = o->n_key_text * sizeof(*o->key_text);
    o->key_text = NULL;
    return 0;
}

static int compile_all(struct rk_match_builder *b, struct b_out *o, struct rk_err *err)
{
    int rc;

    if ((rc = rk_match__compile_ip(b, o, 0, err)) != 0 ||
        (rc = rk_match__compile_ip(b, o, 1, err)) != 0 ||
        (rc = rk_match__compile_names(b, o, err)) != 0 ||
        (rc = rk_match__compile_hashes(b, o, err)) != 0)
        return rc;
    o->n_keys = (uint32_t)o->n_key_text;
    if (!b->opt.set_only && (rc = rk_match__compile_postings(b, o, err)) != 0)
        return rc;
    if ((rc = take_indicators(b, o)) != 0)
        return rk_err_set(err, rc, "out of memory compiling the index");
    return 0;
}

int rk_match_builder_finish(struct rk_match_builder *b, struct rk_match_index **out,
                            struct rk_err *err)
{
    struct b_out o;
    struct rk_match_index *ix = NULL;
    uint8_t *img = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    memset(&o, 0, sizeof(o));
    memcpy(o.n_values, b->kind_count, sizeof(o.n_values));
    if ((rc = compile_all(b, &o, err)) != 0)
        goto out;
    if ((rc = assemble(b, &o, &img, &len)) != 0) {
        rk_err_set(err, rc, "out of memory assembling a %zu-byte index", len);
        goto out;
    }
    if (!(ix = rk_calloc(1, sizeof(*ix)))) {
        rc = rk_err_set(err, RK_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = rk_match__index_attach(ix, img, len, err)) != 0)
        goto out;
    ix->owned = img;
    img = NULL;
    *out = ix;
    ix = NULL;
    rc = 0;
out:
    rk_free(ix);
    rk_free(img);
    out_free(&o);
    rk_match_builder_free(b);
    return rc;
}
