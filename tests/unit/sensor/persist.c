/* persist.c - bins as bytes and merged bins: encoding round trips byte for byte, damaged bytes
 * are refused without a crash, and a bin counted in two parts (split mid-bin) merges into
 * exactly what one pass over the whole gives. */
#include "tests.h"

#include <stdlib.h>
#include <string.h>

#include "renkei/sensor_store.h"
#include "sensor/sensor_int.h"
#include "util/buf.h"

#define HOUR 3600

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static struct rk_sensor_engine *engine(void)
{
    struct rk_sensor_config cfg;
    struct rk_sensor_engine *e;

    rk_sensor_config_init(&cfg);
    cfg.keep_port_sets = 1;
    cfg.now_ns = TB_T0 + 30 * 86400 * TB_S;
    assert_int_equal(rk_sensor_engine_new(&e, &cfg, NULL), 0);
    assert_int_equal(
            rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", RK_TLP_GREEN, "192.0.2.0/24", NULL), 0);
    return e;
}

/* One pseudo-random packet of the test stream: a SYN or UDP probe from one of 400 sources to
 * one of 12 ports, at second i of the hour. */
static void packet(struct rk_sensor_engine *e, uint64_t i)
{
    uint8_t buf[256];
    char src[32], dst[32];
    static const uint16_t ports[12] = {23, 22, 80, 443, 445, 8080, 2323, 3389, 53, 123, 5555, 7547};
    uint64_t r = rnd();
    struct rk_sensor_frame f;

    snprintf(src, sizeof(src), "45.%u.%u.%u", (unsigned)(r % 3) + 33, (unsigned)(r >> 8) % 7,
             (unsigned)((r >> 16) % 20) + 1);
    snprintf(dst, sizeof(dst), "192.0.2.%u", (unsigned)((r >> 24) % 254) + 1);
    if ((r >> 40) % 4 == 0)
        f = tb_udp_frame(buf, TB_T0 + (int64_t)i * TB_S, src, dst, ports[(r >> 32) % 12]);
    else
        f = tb_syn(buf, TB_T0 + (int64_t)i * TB_S, src, dst, ports[(r >> 32) % 12], 1000, 7,
                   TB_SYN);
    assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
}

/* Packets [from, to) of the stream (seed fixed), into a new engine; its first bin. */
static struct rk_sensor_bin *count(uint64_t from, uint64_t to)
{
    struct rk_sensor_engine *e = engine();
    struct rk_sensor_bin *b = NULL;

    rng = 88172645463325252ULL;
    for (uint64_t i = 0; i < to; i++) {
        if (i >= from)
            packet(e, i * HOUR / 3000);
        else
            rnd();
    }
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    assert_int_equal(rk_sensor_engine_take_bin(e, &b), 1);
    rk_sensor_engine_free(e);
    return b;
}

static void encode(const struct rk_sensor_bin *b, struct rk_buf *out)
{
    rk_buf_init(out, RK_BUF_UNLIMITED);
    assert_int_equal(rk_sensor_bin_encode(b, out, NULL), 0);
}

static void test_sensor_persist__round_trip(void **state)
{
    struct rk_sensor_bin *b = count(0, 3000), *d;
    struct rk_buf x, y;
    const struct rk_sensor_port_row *p1, *p2;
    const struct rk_sensor_group_row *g1, *g2;
    size_t n;

    (void)state;
    assert_true(rk_sensor_bin_mergeable(b));
    encode(b, &x);
    assert_int_equal(rk_sensor_bin_decode(&d, rk_buf_ptr(&x), rk_buf_len(&x), NULL), 0);
    assert_true(rk_sensor_bin_mergeable(d));
    assert_memory_equal(rk_sensor_bin_info(b), rk_sensor_bin_info(d),
                        sizeof(struct rk_sensor_bin_info));
    n = rk_sensor_bin_ports(b, &p1);
    assert_int_equal(rk_sensor_bin_ports(d, &p2), n);
    assert_memory_equal(p1, p2, n * sizeof(*p1));
    /* prefix rows are not stored: they are rebuilt from the sources, identically */
    n = rk_sensor_bin_prefixes(b, &g1);
    assert_true(n > 10);
    assert_int_equal(rk_sensor_bin_prefixes(d, &g2), n);
    assert_memory_equal(g1, g2, n * sizeof(*g1));
    encode(d, &y);
    assert_int_equal(rk_buf_len(&x), rk_buf_len(&y));
    assert_memory_equal(rk_buf_ptr(&x), rk_buf_ptr(&y), rk_buf_len(&x));
    rk_buf_free(&x);
    rk_buf_free(&y);
    rk_sensor_bin_free(b);
    rk_sensor_bin_free(d);
}

/* Every truncation and a few thousand single-byte changes: refused or decoded, never a crash
 * (ASan watches). */
static void test_sensor_persist__damaged(void **state)
{
    struct rk_sensor_bin *b = count(0, 600), *d;
    struct rk_buf x;
    struct rk_err err;
    size_t len;
    uint8_t *copy;

    (void)state;
    encode(b, &x);
    len = rk_buf_len(&x);
    copy = malloc(len);
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_equal(rk_sensor_bin_decode(&d, rk_buf_ptr(&x), cut, &err), RK_EFORMAT);
        assert_null(d);
    }
    assert_non_null(strstr(err.message, "damaged"));
    for (int i = 0; i < 4000; i++) {
        memcpy(copy, rk_buf_ptr(&x), len);
        copy[rnd() % len] ^= (uint8_t)(1 + rnd() % 255);
        if (rk_sensor_bin_decode(&d, copy, len, NULL) == 0)
            rk_sensor_bin_free(d);
    }
    free(copy);
    rk_buf_free(&x);
    rk_sensor_bin_free(b);
}

/* Times at the ends of the range: a span wider than INT64_MAX (a merge of far-apart parts)
 * comes back exactly; a last seen before first seen is refused as damage. */
static void test_sensor_persist__extreme_spans(void **state)
{
    struct rk_sensor_bin *b = count(0, 300), *d;
    struct rk_sensor_source_row *s;
    struct rk_buf x;
    struct rk_err err;

    (void)state;
    assert_true(b->n_sources > 1);
    s = &b->sources[0];
    s->first_ns = INT64_MIN + 5;
    s->last_ns = INT64_MAX - 3;
    b->sources[1].first_ns = INT64_MAX;
    b->sources[1].last_ns = INT64_MAX;
    encode(b, &x);
    assert_int_equal(rk_sensor_bin_decode(&d, rk_buf_ptr(&x), rk_buf_len(&x), NULL), 0);
    assert_true(d->sources[0].first_ns == INT64_MIN + 5);
    assert_true(d->sources[0].last_ns == INT64_MAX - 3);
    assert_true(d->sources[1].first_ns == INT64_MAX && d->sources[1].last_ns == INT64_MAX);
    rk_sensor_bin_free(d);
    rk_buf_free(&x);
    /* last before first: the encoder writes what it is given, the decoder refuses it */
    s->first_ns = 1000;
    s->last_ns = 999;
    encode(b, &x);
    assert_int_equal(rk_sensor_bin_decode(&d, rk_buf_ptr(&x), rk_buf_len(&x), &err), RK_EFORMAT);
    assert_null(d);
    rk_buf_free(&x);
    rk_sensor_bin_free(b);
}

static const struct rk_sensor_source_row *source(const struct rk_sensor_bin *b,
                                                 const struct rk_sensor_addr *a)
{
    const struct rk_sensor_source_row *r;
    size_t n = rk_sensor_bin_sources(b, &r);

    for (size_t i = 0; i < n; i++) {
        if (memcmp(r[i].addr.a, a->a, 16) == 0)
            return &r[i];
    }
    return NULL;
}

static const struct rk_sensor_port_row *port(const struct rk_sensor_bin *b, uint8_t proto,
                                             uint16_t p)
{
    const struct rk_sensor_port_row *r;
    size_t n = rk_sensor_bin_ports(b, &r);

    for (size_t i = 0; i < n; i++) {
        if (r[i].proto == proto && r[i].port == p)
            return &r[i];
    }
    return NULL;
}

/* The merged bin against the whole: every figure exact except per-source distinct counts of
 * sources seen in both parts, which are lower bounds marked approximate. */
static void same_as_whole(const struct rk_sensor_bin *m, const struct rk_sensor_bin *w)
{
    const struct rk_sensor_bin_info *mi = rk_sensor_bin_info(m), *wi = rk_sensor_bin_info(w);
    const struct rk_sensor_source_row *ws;
    const struct rk_sensor_port_row *wp;
    const struct rk_sensor_group_row *g1, *g2;
    size_t n;

    assert_int_equal(mi->packets, wi->packets);
    assert_int_equal(mi->bytes, wi->bytes);
    assert_int_equal(mi->sources, wi->sources);
    assert_int_equal(mi->ports, wi->ports);
    assert_memory_equal(mi->class_packets, wi->class_packets, sizeof(mi->class_packets));
    assert_memory_equal(mi->fp_sources, wi->fp_sources, sizeof(mi->fp_sources));
    assert_true(mi->exact);
    n = rk_sensor_bin_ports(w, &wp);
    for (size_t i = 0; i < n; i++) {
        const struct rk_sensor_port_row *mp = port(m, wp[i].proto, wp[i].port);

        assert_non_null(mp);
        assert_int_equal(mp->packets, wp[i].packets);
        assert_int_equal(mp->sources, wp[i].sources);
        assert_int_equal(mp->sources_clean, wp[i].sources_clean);
        assert_int_equal(mp->packets_clean, wp[i].packets_clean);
        assert_true(mp->exact);
    }
    n = rk_sensor_bin_sources(w, &ws);
    for (size_t i = 0; i < n; i++) {
        const struct rk_sensor_source_row *ms = source(m, &ws[i].addr);

        assert_non_null(ms);
        assert_int_equal(ms->packets, ws[i].packets);
        assert_int_equal(ms->first_ns, ws[i].first_ns);
        assert_int_equal(ms->last_ns, ws[i].last_ns);
        assert_true(ms->exact ? ms->dsts == ws[i].dsts : ms->dsts <= ws[i].dsts);
        assert_true(ms->exact ? ms->ports == ws[i].ports : ms->ports <= ws[i].ports);
    }
    n = rk_sensor_bin_prefixes(w, &g1);
    assert_int_equal(rk_sensor_bin_prefixes(m, &g2), n);
    assert_memory_equal(g1, g2, n * sizeof(*g1));
}

static void test_sensor_persist__merge_exact(void **state)
{
    struct rk_sensor_bin *w = count(0, 3000), *a = count(0, 1234), *b = count(1234, 3000);
    struct rk_sensor_bin *m, *m2, *da, *db;
    struct rk_buf x, y;

    (void)state;
    assert_int_equal(rk_sensor_bin_merge(&m, a, b, NULL), 0);
    same_as_whole(m, w);
    /* through the store's bytes, and merged in the other order */
    encode(a, &x);
    encode(b, &y);
    assert_int_equal(rk_sensor_bin_decode(&da, rk_buf_ptr(&x), rk_buf_len(&x), NULL), 0);
    assert_int_equal(rk_sensor_bin_decode(&db, rk_buf_ptr(&y), rk_buf_len(&y), NULL), 0);
    assert_int_equal(rk_sensor_bin_merge(&m2, db, da, NULL), 0);
    same_as_whole(m2, w);
    assert_true(rk_sensor_bin_mergeable(m2));
    rk_buf_free(&x);
    rk_buf_free(&y);
    rk_sensor_bin_free(m2);
    /* merging three parts */
    rk_sensor_bin_free(m);
    rk_sensor_bin_free(da);
    rk_sensor_bin_free(db);
    da = count(0, 1000);
    db = count(1000, 2000);
    assert_int_equal(rk_sensor_bin_merge(&m, da, db, NULL), 0);
    rk_sensor_bin_free(da);
    da = count(2000, 3000);
    assert_int_equal(rk_sensor_bin_merge(&m2, m, da, NULL), 0);
    same_as_whole(m2, w);
    rk_sensor_bin_free(m);
    rk_sensor_bin_free(m2);
    rk_sensor_bin_free(da);
    rk_sensor_bin_free(db);
    rk_sensor_bin_free(w);
    rk_sensor_bin_free(a);
    rk_sensor_bin_free(b);
}

/* Without per-port sets a port's sources add up: an upper bound, marked approximate. */
static void test_sensor_persist__merge_without_sets(void **state)
{
    struct rk_sensor_bin *w = count(0, 3000), *a = count(0, 1500), *b = count(1500, 3000), *m;
    struct rk_sensor_bin *da;
    const struct rk_sensor_port_row *wp;
    size_t n;

    (void)state;
    /* a bin counted without sets (as an older ingest or an approximate one would be) */
    {
        struct rk_sensor_config cfg;
        struct rk_sensor_engine *e;

        rk_sensor_config_init(&cfg);
        cfg.now_ns = TB_T0 + 30 * 86400 * TB_S;
        assert_int_equal(rk_sensor_engine_new(&e, &cfg, NULL), 0);
        assert_int_equal(
                rk_sensor_engine_add_sensor(e, "tokyo-1", "JP", RK_TLP_GREEN, "192.0.2.0/24", NULL),
                0);
        rng = 88172645463325252ULL;
        for (uint64_t i = 0; i < 1500; i++)
            packet(e, i * HOUR / 3000);
        assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
        assert_int_equal(rk_sensor_engine_take_bin(e, &da), 1);
        rk_sensor_engine_free(e);
    }
    assert_false(rk_sensor_bin_mergeable(da));
    assert_int_equal(rk_sensor_bin_merge(&m, da, b, NULL), 0);
    assert_false(rk_sensor_bin_info(m)->exact);
    assert_int_equal(rk_sensor_bin_info(m)->sources, rk_sensor_bin_info(w)->sources);
    n = rk_sensor_bin_ports(w, &wp);
    for (size_t i = 0; i < n; i++) {
        const struct rk_sensor_port_row *mp = port(m, wp[i].proto, wp[i].port);

        assert_int_equal(mp->packets, wp[i].packets);
        assert_true(mp->sources >= wp[i].sources);
        if (port(da, wp[i].proto, wp[i].port) && port(b, wp[i].proto, wp[i].port))
            assert_false(mp->exact);
    }
    rk_sensor_bin_free(m);
    rk_sensor_bin_free(da);
    rk_sensor_bin_free(w);
    rk_sensor_bin_free(a);
    rk_sensor_bin_free(b);
}

static void test_sensor_persist__merge_mismatch(void **state)
{
    struct rk_sensor_bin *a = count(0, 100), *b = count(0, 3000), *m;
    struct rk_sensor_engine *e = engine();
    struct rk_sensor_bin *later;
    struct rk_err err;
    uint8_t buf[256];
    struct rk_sensor_frame f =
            tb_syn(buf, TB_T0 + 2 * HOUR * TB_S, "45.33.1.1", "192.0.2.9", 23, 1, 1, TB_SYN);

    (void)state;
    assert_int_equal(rk_sensor_engine_packet(e, &f), 0);
    assert_int_equal(rk_sensor_engine_flush(e, NULL), 0);
    assert_int_equal(rk_sensor_engine_take_bin(e, &later), 1);
    assert_int_equal(rk_sensor_bin_merge(&m, a, later, &err), RK_EINVAL);
    assert_null(m);
    assert_non_null(strstr(err.message, "cannot merge"));
    rk_sensor_bin_free(later);
    rk_sensor_engine_free(e);
    rk_sensor_bin_free(a);
    rk_sensor_bin_free(b);
}

/* A range summed from the two parts of a bin counts each source once per port, as the whole
 * bin does; the same bin added twice (two sensors' worth) doubles packets, not sources. */
static void test_sensor_persist__rollup(void **state)
{
    struct rk_sensor_bin *w = count(0, 3000), *a = count(0, 1700), *b = count(1700, 3000);
    struct rk_sensor_rollup *r;
    const struct rk_sensor_port_row *rp, *wp;
    const struct rk_sensor_source_row *rs;
    const struct rk_sensor_group_row *g1, *g2;
    size_t n;

    (void)state;
    assert_int_equal(rk_sensor_rollup_new(&r, NULL), 0);
    assert_int_equal(rk_sensor_rollup_add(r, a, NULL), 0);
    assert_int_equal(rk_sensor_rollup_add(r, b, NULL), 0);
    assert_int_equal(rk_sensor_rollup_finish(r, NULL), 0);
    assert_int_equal(rk_sensor_rollup_info(r)->sources, rk_sensor_bin_info(w)->sources);
    assert_int_equal(rk_sensor_rollup_info(r)->packets, rk_sensor_bin_info(w)->packets);
    assert_true(rk_sensor_rollup_info(r)->exact);
    n = rk_sensor_bin_ports(w, &wp);
    assert_int_equal(rk_sensor_rollup_ports(r, &rp), n);
    for (size_t i = 0; i < n; i++) {
        const struct rk_sensor_port_row *x = port(w, rp[i].proto, rp[i].port);

        assert_int_equal(rp[i].packets, x->packets);
        assert_int_equal(rp[i].sources, x->sources);
        assert_int_equal(rp[i].sources_clean, x->sources_clean);
        assert_true(rp[i].exact);
        assert_true(i == 0 || rp[i - 1].packets >= rp[i].packets);
    }
    n = rk_sensor_rollup_sources(r, &rs);
    assert_int_equal(n, rk_sensor_bin_info(w)->sources);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rs[i].packets, source(w, &rs[i].addr)->packets);
    n = rk_sensor_rollup_groups(r, 0, &g1);
    assert_int_equal(rk_sensor_bin_prefixes(w, &g2), n);
    assert_memory_equal(g1, g2, n * sizeof(*g1));
    rk_sensor_rollup_free(r);
    assert_int_equal(rk_sensor_rollup_new(&r, NULL), 0);
    assert_int_equal(rk_sensor_rollup_add(r, w, NULL), 0);
    assert_int_equal(rk_sensor_rollup_add(r, w, NULL), 0);
    assert_int_equal(rk_sensor_rollup_finish(r, NULL), 0);
    assert_int_equal(rk_sensor_rollup_info(r)->packets, 2 * rk_sensor_bin_info(w)->packets);
    assert_int_equal(rk_sensor_rollup_info(r)->sources, rk_sensor_bin_info(w)->sources);
    assert_int_equal(rk_sensor_rollup_ports(r, &rp), rk_sensor_bin_ports(w, &wp));
    assert_int_equal(rp[0].sources, port(w, rp[0].proto, rp[0].port)->sources);
    rk_sensor_rollup_free(r);
    rk_sensor_bin_free(w);
    rk_sensor_bin_free(a);
    rk_sensor_bin_free(b);
}

int test_sensor_persist_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_persist__round_trip),
            cmocka_unit_test(test_sensor_persist__damaged),
            cmocka_unit_test(test_sensor_persist__extreme_spans),
            cmocka_unit_test(test_sensor_persist__merge_exact),
            cmocka_unit_test(test_sensor_persist__merge_without_sets),
            cmocka_unit_test(test_sensor_persist__merge_mismatch),
            cmocka_unit_test(test_sensor_persist__rollup),
    };

    return cmocka_run_group_tests_name("sensor_persist", tests, NULL, NULL);
}
