/* lookup.c - look values up: keys that match, then the indicators behind them. */
#include "renkei/match.h"
#include "match/probe.h"

#define MAX_LABELS 128 /* a 253-byte name has at most 127 labels */

/* Collected keys of one lookup, most specific first. */
struct keys {
    uint32_t k[MAX_LABELS + 2];
    size_t n;
};

static void keys_add(struct keys *ks, uint32_t key)
{
    if (ks->n < sizeof(ks->k) / sizeof(ks->k[0]))
        ks->k[ks->n++] = key;
}

/* Keys of an interval payload (IPv4 or IPv6). */
static void payload_keys(const struct rk_match_index *ix, uint32_t p, struct keys *ks)
{
    if (p == MIDX_NONE)
        return;
    if (p & MIDX_DIRECT) {
        keys_add(ks, p & ~MIDX_DIRECT);
        return;
    }
    for (uint32_t i = 1; i <= ix->ivpost[p]; i++)
        keys_add(ks, ix->ivpost[p + i]);
}

static void name_keys(const struct rk_match_index *ix, const struct rk_match_value *v, int exact,
                      struct keys *ks)
{
    uint32_t key;

    if (v->kind == RK_MATCH_DOMAIN && !exact) {
        size_t start[MAX_LABELS];
        uint64_t hash[MAX_LABELS];
        size_t n = midx_name_suffixes(RK_MATCH_DOMAIN, v->text, v->len, start, hash, MAX_LABELS);

        for (size_t i = 0; i < n; i++)
            if (probe_name(ix, RK_MATCH_DOMAIN, hash[i], v->text + start[i], v->len - start[i],
                           &key))
                keys_add(ks, key);
        return;
    }
    if (v->kind != RK_MATCH_URL_PATH &&
        probe_name(ix, v->kind, midx_name_hash(v->kind, v->text, v->len), v->text, v->len, &key))
        keys_add(ks, key);
    if (v->kind == RK_MATCH_URL || v->kind == RK_MATCH_URL_PATH) {
        /* URL paths listed on their own match the path, with or without the query */
        const char *path = memchr(v->text, '/', v->len), *q;
        size_t plen;

        if (!path)
            return;
        plen = v->len - (size_t)(path - v->text);
        if (probe_name(ix, RK_MATCH_URL_PATH, midx_name_hash(RK_MATCH_URL_PATH, path, plen), path,
                       plen, &key))
            keys_add(ks, key);
        q = memchr(path, '?', plen);
        if (q && probe_name(ix, RK_MATCH_URL_PATH,
                            midx_name_hash(RK_MATCH_URL_PATH, path, (size_t)(q - path)), path,
                            (size_t)(q - path), &key))
            keys_add(ks, key);
    }
}

/* Every key the value matches; 1 is returned for a listed value in a set-only index too. */
static int find_keys(const struct rk_match_index *ix, const struct rk_match_value *v, int exact,
                     struct keys *ks)
{
    size_t pos, rank;
    int slot;

    ks->n = 0;
    switch (v->kind) {
    case RK_MATCH_IPV4:
        rank = probe_v4_rank(ix, rk_match__get_be32(v->addr));
        if (ix->set_only)
            return rank & 1;
        payload_keys(ix, ix->v4_pay[rank - 1], ks);
        break;
    case RK_MATCH_IPV6:
        rank = probe_v6_rank(ix, v->addr);
        if (ix->set_only)
            return rank & 1;
        payload_keys(ix, ix->v6_pay[rank - 1], ks);
        break;
    case RK_MATCH_DOMAIN:
    case RK_MATCH_URL:
    case RK_MATCH_URL_PATH:
    case RK_MATCH_EMAIL: name_keys(ix, v, exact, ks); break;
    default:
        if ((slot = midx_hash_slot(v->kind)) < 0 ||
            !probe_hash(ix, slot, v->digest, rk_match__digest_len(v->kind), &pos))
            return 0;
        if (ix->set_only)
            return 1;
        keys_add(ks, ix->h->hash_base[slot] + (uint32_t)pos);
    }
    return ks->n > 0;
}

int rk_match_contains(const struct rk_match_index *ix, const struct rk_match_value *v,
                      int exact_domains)
{
    struct keys ks;

    return find_keys(ix, v, exact_domains, &ks);
}

int rk_match_has_kind(const struct rk_match_index *ix, int kind)
{
    return kind > 0 && kind < RK_MATCH_KIND_COUNT && ix->h->n_values[kind] > 0;
}

static int valid_at(const struct midx_ind *r, int64_t now)
{
    return now == 0 || (r->valid_from_us <= now && now < r->valid_until_us);
}

size_t rk_match_lookup(const struct rk_match_index *ix, const struct rk_match_value *v,
                       const struct rk_match_lookup_options *opt, struct rk_match_hit *hits,
                       size_t cap)
{
    struct keys ks;
    int64_t now = opt ? opt->now_us : 0;
    size_t total = 0;

    if (!find_keys(ix, v, opt ? opt->exact_domains : 0, &ks))
        return 0;
    if (ix->set_only) {
        if (cap > 0)
            hits[0] = (struct rk_match_hit){UINT32_MAX, UINT32_MAX};
        return 1;
    }
    for (size_t i = 0; i < ks.n; i++) {
        uint32_t p = ix->key_post[ks.k[i]];

        for (uint32_t j = 1; j <= ix->post[p]; j++) {
            uint32_t ind = ix->post[p + j];

            if (!valid_at(&ix->ind[ind], now))
                continue;
            if (total < cap)
                hits[total] = (struct rk_match_hit){ks.k[i], ind};
            total++;
        }
    }
    return total;
}

const char *rk_match_key_text(const struct rk_match_index *ix, uint32_t key, size_t *len_out)
{
    int kind;
    size_t len = 0;
    const char *t = "";

    if (key < ix->n_key_text)
        t = probe_key_record(ix, key, &kind, &len);
    if (len_out)
        *len_out = len;
    return t;
}

int rk_match_key_kind(const struct rk_match_index *ix, uint32_t key)
{
    int kind = 0;
    size_t len;

    if (key < ix->n_key_text)
        probe_key_record(ix, key, &kind, &len);
    return kind;
}

static const char *str_at(const struct rk_match_index *ix, uint32_t off)
{
    return off == MIDX_NONE ? NULL : ix->strings + off;
}

int rk_match_indicator_get(const struct rk_match_index *ix, uint32_t id,
                           struct rk_match_indicator_info *out)
{
    const struct midx_ind *r;

    memset(out, 0, sizeof(*out));
    if (id >= ix->h->n_indicators)
        return RK_ENOTFOUND;
    r = &ix->ind[id];
    out->id = str_at(ix, r->id_off);
    out->source = r->source_off == MIDX_NONE ? "" : str_at(ix, r->source_off);
    out->name = r->name_off == MIDX_NONE ? "" : str_at(ix, r->name_off);
    out->types = r->types_off == MIDX_NONE ? "" : str_at(ix, r->types_off);
    out->pattern = str_at(ix, r->pattern_off);
    out->confidence = r->confidence;
    out->tlp = r->tlp;
    out->valid_from_us = r->valid_from_us;
    out->valid_until_us = r->valid_until_us;
    out->line = r->line;
    return 0;
}
