/* dos.c - DoS victims from backscatter, after CAIDA Corsaro's RS-DoS plugin (Moore et al.,
 * "Inferring Internet Denial-of-Service Activity", 2006): one attack vector per (victim,
 * protocol); it counts packets, bytes, the distinct sensor addresses and ports hit (the
 * spoofed attacker side), the distinct victim ports, and the largest number of packets in a
 * sliding rate window. A vector is an attack when it passes all three thresholds; it ends
 * after idle_secs without backscatter. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

#define RING          64 /* rate buckets kept: older packets still count, but not in the rate */
#define BIN_SLOTS     4  /* at most this many bins are open at once */
#define PROTO_CLASSES 5
#define TAG_APORT     (1ULL << 56)
#define TAG_TPORT     (2ULL << 56)
#define TAG_ADDR      (3ULL << 56)

struct dos_vec {
    struct rk_sensor_addr victim;
    uint8_t proto;
    int sets_full;
    int64_t start_ns, last_ns;
    uint64_t packets, bytes, mismatches;
    uint64_t n_aport, n_tport, n_addr;
    struct u64set keys; /* tagged attacker ports, victim ports and sensor addresses */
    int64_t ring_top;   /* absolute rate bucket number of the newest bucket */
    uint32_t ring[RING];
    uint64_t max_ppm, rate_late;
    struct {
        int64_t start;
        uint64_t packets;
    } bins[BIN_SLOTS];
};

/* A row of an attack that ended before its bin closed. */
struct pending {
    int64_t bin_start;
    struct rk_sensor_dos_row row;
};

struct dos_state {
    struct kidx idx[PROTO_CLASSES]; /* victim -> vector number, per protocol class */
    struct dos_vec **v;
    uint32_t n, cap;
    struct rk_sensor_dos_row *done; /* attacks that ended, not yet handed over */
    size_t n_done;
    struct pending *pend; /* their rows for bins still open */
    size_t n_pend;
};

static int proto_class(uint8_t proto)
{
    switch (proto) {
    case 6:
        return 0;
    case 17:
        return 1;
    case 1:
        return 2;
    case 58:
        return 3;
    default:
        return 4;
    }
}

int dos_new(struct dos_state **out)
{
    *out = rk_calloc(1, sizeof(**out));
    return *out ? 0 : RK_ENOMEM;
}

static void vec_free(struct dos_vec *v, struct smem *m)
{
    if (!v)
        return;
    u64set_free(&v->keys, m);
    smem_release(m, sizeof(*v));
    rk_free(v);
}

void dos_free(struct dos_state *d, struct smem *m)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->n; i++)
        vec_free(d->v[i], m);
    for (int c = 0; c < PROTO_CLASSES; c++)
        kidx_free(&d->idx[c], m);
    rk_free(d->v);
    rk_free(d->done);
    rk_free(d->pend);
    rk_free(d);
}

/* Victim, attack protocol and the two ports of a backscatter packet (Corsaro's reading). */
static void attack_of(const struct rk_sensor_pkt *p, struct rk_sensor_addr *victim, uint8_t *proto,
                      uint16_t *aport, uint16_t *tport)
{
    *victim = p->src;
    *proto = p->proto;
    if (p->proto == 6) {
        *aport = p->dport; /* the spoofed attacker's port, on our side */
        *tport = p->sport; /* the victim's attacked port */
    } else if (p->has_inner) {
        *victim = p->inner_dst; /* the host the quoted packet was sent to */
        *proto = p->inner_proto;
        *aport = p->inner_sport;
        *tport = p->inner_dport;
    } else {
        *aport = p->icmp_code;
        *tport = p->icmp_type;
    }
}

static int vec_get(struct dos_state *d, const struct rk_sensor_addr *victim, uint8_t proto,
                   int64_t ts, struct smem *m, uint64_t limit, struct dos_vec **out)
{
    int c = proto_class(proto);
    uint64_t k0 = addr_hi(victim), k1 = addr_lo(victim), h = hash128(k0, k1);
    uint32_t i = kidx_find(&d->idx[c], k0, k1, h);
    struct dos_vec *v, **arr;
    int rc;

    if (i != KIDX_NONE) {
        *out = d->v[i];
        return 0;
    }
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 64;

        if (!(arr = rk_reallocarray(d->v, cap, sizeof(*arr))))
            return RK_ENOMEM;
        d->v = arr;
        d->cap = cap;
    }
    if ((rc = smem_charge(m, sizeof(*v), limit)) != 0)
        return rc;
    if (!(v = rk_calloc(1, sizeof(*v)))) {
        smem_release(m, sizeof(*v));
        return RK_ENOMEM;
    }
    if ((rc = kidx_insert(&d->idx[c], k0, k1, h, d->n, m, limit)) != 0) {
        vec_free(v, m);
        return rc;
    }
    v->victim = *victim;
    v->proto = c == 4 ? proto : (uint8_t)(c == 0 ? 6 : c == 1 ? 17 : c == 2 ? 1 : 58);
    v->start_ns = v->last_ns = ts;
    v->ring_top = INT64_MIN;
    d->v[d->n++] = v;
    *out = v;
    return 0;
}

/* Add one packet to the rate ring and update the largest window sum touching it. */
static void rate_add(struct dos_vec *v, int64_t ts_ns, const struct rk_sensor_dos_config *dc)
{
    int64_t b = ts_ns / 1000000000LL / dc->slide_secs;
    int64_t w = dc->window_secs / dc->slide_secs;

    if (v->ring_top == INT64_MIN || b > v->ring_top) {
        int64_t from = v->ring_top == INT64_MIN || b - v->ring_top >= RING ? b - RING + 1
                                                                           : v->ring_top + 1;

        for (int64_t j = from; j <= b; j++)
            v->ring[(uint64_t)j % RING] = 0;
        v->ring_top = b;
    } else if (b <= v->ring_top - RING) {
        v->rate_late++;
        return;
    }
    v->ring[(uint64_t)b % RING]++;
    for (int64_t s = b - w + 1; s <= b; s++) {
        uint64_t sum = 0;

        if (s <= v->ring_top - RING)
            continue;
        for (int64_t j = s; j < s + w && j <= v->ring_top; j++)
            sum += v->ring[(uint64_t)j % RING];
        if (sum > v->max_ppm)
            v->max_ppm = sum;
    }
}

static void bin_add(struct dos_vec *v, int64_t bin_start)
{
    int oldest = 0;

    for (int i = 0; i < BIN_SLOTS; i++) {
        if (v->bins[i].packets && v->bins[i].start == bin_start) {
            v->bins[i].packets++;
            return;
        }
        if (v->bins[i].packets == 0 || v->bins[i].start < v->bins[oldest].start)
            oldest = i;
    }
    for (int i = 0; i < BIN_SLOTS; i++) {
        if (v->bins[i].packets == 0) {
            oldest = i;
            break;
        }
    }
    v->bins[oldest].start = bin_start;
    v->bins[oldest].packets = 1;
}

static void key_add(struct dos_vec *v, uint64_t key, uint64_t *count, struct smem *m,
                    uint64_t limit)
{
    unsigned old;
    int rc = u64set_add(&v->keys, key, 0, &old, m, limit);

    if (rc < 0)
        v->sets_full = 1;
    else
        *count += (uint64_t)rc;
}

static int passes(const struct dos_vec *v, const struct rk_sensor_dos_config *dc);
static void to_row(const struct dos_vec *v, struct rk_sensor_dos_row *r);
static int push_row(struct rk_sensor_dos_row **rows, size_t *n, const struct rk_sensor_dos_row *r);

/* The vector has been idle for idle_secs when a new packet comes: the attack it held is over.
 * Keep its rows and start the vector afresh for the new packet. */
static int restart(struct dos_state *d, struct dos_vec *v, const struct rk_sensor_config *cfg,
                   struct smem *m)
{
    struct rk_sensor_dos_row r;
    struct pending *pd;

    if (passes(v, &cfg->dos)) {
        to_row(v, &r);
        r.finished = 1;
        if (push_row(&d->done, &d->n_done, &r) != 0)
            return RK_ENOMEM;
        for (int s = 0; s < BIN_SLOTS; s++) {
            if (!v->bins[s].packets)
                continue;
            if (!(pd = rk_reallocarray(d->pend, d->n_pend + 1, sizeof(*pd))))
                return RK_ENOMEM;
            d->pend = pd;
            pd[d->n_pend].bin_start = v->bins[s].start;
            pd[d->n_pend].row = r;
            pd[d->n_pend++].row.bin_packets = v->bins[s].packets;
        }
    }
    u64set_free(&v->keys, m);
    v->packets = v->bytes = v->mismatches = 0;
    v->n_aport = v->n_tport = v->n_addr = 0;
    v->sets_full = 0;
    v->max_ppm = v->rate_late = 0;
    v->ring_top = INT64_MIN;
    memset(v->bins, 0, sizeof(v->bins));
    return 0;
}

int dos_update(struct dos_state *d, const struct rk_sensor_pkt *p, int64_t bin_start,
               const struct rk_sensor_config *cfg, struct smem *m)
{
    struct rk_sensor_addr victim;
    uint8_t proto;
    uint16_t aport, tport;
    struct dos_vec *v;
    uint64_t addr_key;
    int rc;

    attack_of(p, &victim, &proto, &aport, &tport);
    if ((rc = vec_get(d, &victim, proto, p->ts_ns, m, m->exact_limit, &v)) != 0)
        return rc;
    if (p->ts_ns - v->last_ns > (int64_t)cfg->dos.idle_secs * 1000000000LL) {
        if ((rc = restart(d, v, cfg, m)) != 0)
            return rc;
        v->start_ns = v->last_ns = p->ts_ns;
    }
    v->packets++;
    v->bytes += p->ip_len;
    if (p->ts_ns < v->start_ns)
        v->start_ns = p->ts_ns;
    if (p->ts_ns > v->last_ns)
        v->last_ns = p->ts_ns;
    if (p->has_inner && memcmp(p->inner_src.a, p->dst.a, 16) != 0)
        v->mismatches++;
    addr_key = addr_v4p(&p->dst) ? addr_v4v(&p->dst) : hash128(addr_hi(&p->dst), addr_lo(&p->dst));
    key_add(v, TAG_APORT | aport, &v->n_aport, m, m->exact_limit);
    key_add(v, TAG_TPORT | tport, &v->n_tport, m, m->exact_limit);
    key_add(v, TAG_ADDR | (addr_key & ((1ULL << 56) - 1)), &v->n_addr, m, m->exact_limit);
    rate_add(v, p->ts_ns, &cfg->dos);
    bin_add(v, bin_start);
    return 0;
}

static int passes(const struct dos_vec *v, const struct rk_sensor_dos_config *dc)
{
    return v->packets >= dc->min_packets &&
           v->last_ns - v->start_ns >= (int64_t)dc->min_duration_secs * 1000000000LL &&
           v->max_ppm >= dc->min_ppm;
}

static void to_row(const struct dos_vec *v, struct rk_sensor_dos_row *r)
{
    memset(r, 0, sizeof(*r));
    r->victim = v->victim;
    r->proto = v->proto;
    r->start_ns = v->start_ns;
    r->last_ns = v->last_ns;
    r->packets = v->packets;
    r->bytes = v->bytes;
    r->attacker_addrs = v->n_addr;
    r->attacker_ports = v->n_aport;
    r->target_ports = v->n_tport;
    r->max_ppm = v->max_ppm;
    r->icmp_mismatches = v->mismatches;
    /* IPv6 sensor addresses are counted by a 56-bit hash: not exact in principle */
    r->exact = !v->sets_full && v->rate_late == 0 && addr_v4p(&v->victim);
}

static int push_row(struct rk_sensor_dos_row **rows, size_t *n, const struct rk_sensor_dos_row *r)
{
    struct rk_sensor_dos_row *a = rk_reallocarray(*rows, *n + 1, sizeof(*a));

    if (!a)
        return RK_ENOMEM;
    a[(*n)++] = *r;
    *rows = a;
    return 0;
}

/* Remove vector i (the last one moves into its place). */
static void vec_remove(struct dos_state *d, uint32_t i, struct smem *m)
{
    struct dos_vec *v = d->v[i], *last = d->v[d->n - 1];
    int c = proto_class(v->proto), lc = proto_class(last->proto);
    uint64_t h;

    kidx_del(&d->idx[c], addr_hi(&v->victim), addr_lo(&v->victim),
             hash128(addr_hi(&v->victim), addr_lo(&v->victim)));
    if (last != v) {
        h = hash128(addr_hi(&last->victim), addr_lo(&last->victim));
        kidx_del(&d->idx[lc], addr_hi(&last->victim), addr_lo(&last->victim), h);
        /* the index keeps its size: this insertion cannot need memory */
        kidx_insert(&d->idx[lc], addr_hi(&last->victim), addr_lo(&last->victim), h, i, m,
                    UINT64_MAX);
        d->v[i] = last;
    }
    d->n--;
    vec_free(v, m);
}

static int cmp_dos_row(const void *a, const void *b)
{
    const struct rk_sensor_dos_row *x = a, *y = b;
    int c;

    if (x->packets != y->packets)
        return x->packets > y->packets ? -1 : 1;
    if ((c = memcmp(x->victim.a, y->victim.a, 16)) != 0)
        return c;
    return (int)x->proto - (int)y->proto;
}

int dos_close_bin(struct dos_state *d, int64_t bin_start, int64_t bin_end,
                  const struct rk_sensor_config *cfg, struct rk_sensor_dos_row **rows,
                  size_t *n_rows, struct rk_sensor_dos_row **finished, size_t *n_finished,
                  struct smem *m)
{
    int64_t end_ns = bin_end * 1000000000LL;
    struct rk_sensor_dos_row r;
    size_t w = 0;
    int rc;

    for (size_t i = 0; i < d->n_pend; i++) {
        if (d->pend[i].bin_start == bin_start &&
            (rc = push_row(rows, n_rows, &d->pend[i].row)) != 0)
            return rc;
        if (d->pend[i].bin_start > bin_start)
            d->pend[w++] = d->pend[i];
    }
    d->n_pend = w;
    for (size_t i = 0; i < d->n_done; i++) {
        if ((rc = push_row(finished, n_finished, &d->done[i])) != 0)
            return rc;
    }
    d->n_done = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        struct dos_vec *v = d->v[i];
        int done = v->last_ns + (int64_t)cfg->dos.idle_secs * 1000000000LL <= end_ns;

        if (!passes(v, &cfg->dos))
            continue;
        for (int s = 0; s < BIN_SLOTS; s++) {
            if (v->bins[s].packets && v->bins[s].start == bin_start) {
                to_row(v, &r);
                r.bin_packets = v->bins[s].packets;
                r.finished = done;
                if ((rc = push_row(rows, n_rows, &r)) != 0)
                    return rc;
            }
        }
    }
    for (uint32_t i = d->n; i-- > 0;) {
        struct dos_vec *v = d->v[i];

        if (v->last_ns + (int64_t)cfg->dos.idle_secs * 1000000000LL > end_ns)
            continue;
        if (passes(v, &cfg->dos)) {
            to_row(v, &r);
            r.finished = 1;
            if ((rc = push_row(finished, n_finished, &r)) != 0)
                return rc;
        }
        vec_remove(d, i, m);
    }
    if (*n_rows > 1)
        qsort(*rows, *n_rows, sizeof(**rows), cmp_dos_row);
    return 0;
}

int dos_finish_all(struct dos_state *d, const struct rk_sensor_config *cfg,
                   struct rk_sensor_dos_row **finished, size_t *n_finished, struct smem *m)
{
    struct rk_sensor_dos_row r;
    int rc;

    for (size_t i = 0; i < d->n_done; i++) {
        if ((rc = push_row(finished, n_finished, &d->done[i])) != 0)
            return rc;
    }
    d->n_done = 0;
    d->n_pend = 0;
    for (uint32_t i = d->n; i-- > 0;) {
        if (passes(d->v[i], &cfg->dos)) {
            to_row(d->v[i], &r);
            r.finished = 1;
            if ((rc = push_row(finished, n_finished, &r)) != 0)
                return rc;
        }
        vec_remove(d, i, m);
    }
    return 0;
}
