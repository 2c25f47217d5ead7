/* plot.c - SVG charts of packets per port over time for the top-N ports, in the manner of
 * TSUBAME's published graphs: a line per port (or stacked areas), a UTC time axis with labels,
 * a y axis with round ticks, a legend and a title. Written by hand: no graphics library. */
#include "sensor/sensor_int.h"
#include "util/alloc.h"
#include "util/buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PLOT_POINTS_MAX (1U << 24)
#define MARGIN_L        80
#define MARGIN_R        170
#define MARGIN_T        44
#define MARGIN_B        56

struct point {
    int64_t t;
    uint32_t key; /* proto << 16 | port */
    uint64_t packets;
};

struct rk_sensor_plot {
    struct rk_sensor_plot_options opt;
    char title[256];
    struct point *p;
    uint32_t n, cap;
    struct kidx idx;
    struct smem mem;
    uint32_t secs;
};

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
                                      "#393b79", "#ad494a", "#637939", "#8c6d31", "#843c39"};
#define PALETTE_N (sizeof(palette) / sizeof(palette[0]))

void rk_sensor_plot_options_init(struct rk_sensor_plot_options *opt)
{
    opt->title = NULL;
    opt->top_n = 10;
    opt->stacked = 0;
    opt->width = 960;
    opt->height = 480;
    opt->log_scale = 0;
}

int rk_sensor_plot_new(struct rk_sensor_plot **out, const struct rk_sensor_plot_options *opt,
                       struct rk_err *err)
{
    struct rk_sensor_plot *p = rk_calloc(1, sizeof(*p));

    *out = NULL;
    if (!p)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if (opt)
        p->opt = *opt;
    else
        rk_sensor_plot_options_init(&p->opt);
    if (p->opt.width < 320 || p->opt.width > 10000 || p->opt.height < 200 ||
        p->opt.height > 10000 || p->opt.top_n < 1 || p->opt.top_n > 50) {
        rk_free(p);
        return rk_err_set(err, RK_EINVAL,
                          "plot: width 320..10000, height 200..10000, top_n "
                          "1..50");
    }
    snprintf(p->title, sizeof(p->title), "%s", p->opt.title ? p->opt.title : "Packets per port");
    p->opt.title = p->title;
    p->mem.cap = p->mem.exact_limit = UINT64_MAX;
    *out = p;
    return 0;
}

void rk_sensor_plot_free(struct rk_sensor_plot *p)
{
    if (!p)
        return;
    kidx_free(&p->idx, &p->mem);
    rk_free(p->p);
    rk_free(p);
}

int rk_sensor_plot_add(struct rk_sensor_plot *p, int64_t t, uint32_t secs, uint8_t proto,
                       uint16_t port, uint64_t packets)
{
    uint32_t key = (uint32_t)proto << 16 | port;
    uint64_t h = hash128((uint64_t)t, key);
    uint32_t i = kidx_find(&p->idx, (uint64_t)t, key, h);
    int rc;

    if (secs && (!p->secs || secs < p->secs))
        p->secs = secs;
    if (i != KIDX_NONE) {
        p->p[i].packets += packets;
        return 0;
    }
    if (p->n >= PLOT_POINTS_MAX)
        return RK_ELIMIT;
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 256;
        struct point *np = rk_reallocarray(p->p, cap, sizeof(*np));

        if (!np)
            return RK_ENOMEM;
        p->p = np;
        p->cap = cap;
    }
    if ((rc = kidx_insert(&p->idx, (uint64_t)t, key, h, p->n, &p->mem, UINT64_MAX)) != 0)
        return rc;
    p->p[p->n++] = (struct point){t, key, packets};
    return 0;
}

int rk_sensor_plot_add_bin(struct rk_sensor_plot *p, const struct rk_sensor_bin *b)
{
    const struct rk_sensor_bin_info *in = rk_sensor_bin_info(b);
    const struct rk_sensor_port_row *r;
    size_t n = rk_sensor_bin_ports(b, &r);
    int rc;

    for (size_t i = 0; i < n; i++) {
        if ((rc = rk_sensor_plot_add(p, in->start, in->secs, r[i].proto, r[i].port,
                                     r[i].packets)) != 0)
            return rc;
    }
    return 0;
}

/* ---- layout ---------------------------------------------------------------------------------- */

#define KEYS_MAX 50

struct layout {
    int64_t *times; /* distinct bin starts, sorted */
    size_t n_times;
    uint32_t keys[KEYS_MAX]; /* the top ports, largest first */
    uint64_t totals[KEYS_MAX];
    size_t n_keys;
    double *v; /* n_keys x n_times values */
    double ymax;
    int x0, y0, w, h; /* the plotting area */
    int64_t t0, t1;   /* time range on the x axis */
};

struct ktot {
    uint32_t key;
    uint64_t total;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

static int cmp_key(const void *a, const void *b)
{
    const struct ktot *x = a, *y = b;

    return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_total(const void *a, const void *b)
{
    const struct ktot *x = a, *y = b;

    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return cmp_key(a, b);
}

/* The top-N keys by total packets. */
static int pick_keys(const struct rk_sensor_plot *p, struct layout *l)
{
    struct ktot *kt = rk_reallocarray(NULL, p->n ? p->n : 1, sizeof(*kt));
    size_t nk = 0;

    if (!kt)
        return RK_ENOMEM;
    for (uint32_t i = 0; i < p->n; i++)
        kt[i] = (struct ktot){p->p[i].key, p->p[i].packets};
    qsort(kt, p->n, sizeof(*kt), cmp_key);
    for (uint32_t i = 0; i < p->n; i++) {
        if (nk > 0 && kt[nk - 1].key == kt[i].key)
            kt[nk - 1].total += kt[i].total;
        else
            kt[nk++] = kt[i];
    }
    qsort(kt, nk, sizeof(*kt), cmp_total);
    for (size_t i = 0; i < nk && i < p->opt.top_n && i < KEYS_MAX; i++) {
        l->keys[i] = kt[i].key;
        l->totals[i] = kt[i].total;
        l->n_keys++;
    }
    rk_free(kt);
    return 0;
}

/* Distinct times, and the value matrix of the chosen keys. */
static int fill_values(const struct rk_sensor_plot *p, struct layout *l)
{
    l->times = rk_reallocarray(NULL, p->n, sizeof(*l->times));
    if (!l->times)
        return RK_ENOMEM;
    for (uint32_t i = 0; i < p->n; i++)
        l->times[i] = p->p[i].t;
    qsort(l->times, p->n, sizeof(*l->times), cmp_i64);
    for (uint32_t i = 0; i < p->n; i++) {
        if (l->n_times == 0 || l->times[i] != l->times[l->n_times - 1])
            l->times[l->n_times++] = l->times[i];
    }
    l->v = rk_calloc(l->n_keys * l->n_times, sizeof(double));
    if (!l->v)
        return RK_ENOMEM;
    for (uint32_t i = 0; i < p->n; i++) {
        const int64_t *t = bsearch(&p->p[i].t, l->times, l->n_times, sizeof(int64_t), cmp_i64);

        for (size_t k = 0; t && k < l->n_keys; k++) {
            if (l->keys[k] == p->p[i].key)
                l->v[k * l->n_times + (size_t)(t - l->times)] += (double)p->p[i].packets;
        }
    }
    return 0;
}

/* Round up to 1, 2 or 5 times a power of ten. */
static double nice_ceil(double v)
{
    double e, f;

    if (v <= 0)
        return 1;
    e = pow(10, floor(log10(v)));
    f = v / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

static void scale_y(const struct rk_sensor_plot *p, struct layout *l)
{
    double m = 0;

    for (size_t t = 0; t < l->n_times; t++) {
        double sum = 0;

        for (size_t k = 0; k < l->n_keys; k++) {
            double v = l->v[k * l->n_times + t];

            sum += v;
            if (!p->opt.stacked && v > m)
                m = v;
        }
        if (p->opt.stacked && sum > m)
            m = sum;
    }
    l->ymax = p->opt.log_scale && !p->opt.stacked ? pow(10, ceil(log10(m + 1))) : nice_ceil(m);
    if (l->ymax < 1)
        l->ymax = 1;
}

static double ypos(const struct rk_sensor_plot *p, const struct layout *l, double v)
{
    double f =
            p->opt.log_scale && !p->opt.stacked ? log10(v + 1) / log10(l->ymax + 1) : v / l->ymax;

    return l->y0 + l->h - f * l->h;
}

static double xpos(const struct layout *l, int64_t t)
{
    if (l->t1 <= l->t0)
        return l->x0;
    return l->x0 + (double)(t - l->t0) * l->w / (double)(l->t1 - l->t0);
}

/* ---- SVG ----------------------------------------------------------------------------------------
 */

static int xml_text(struct rk_buf *out, const char *s)
{
    int rc = 0;

    for (; *s && rc == 0; s++) {
        switch (*s) {
        case '&':
            rc = rk_buf_puts(out, "&amp;");
            break;
        case '<':
            rc = rk_buf_puts(out, "&lt;");
            break;
        case '>':
            rc = rk_buf_puts(out, "&gt;");
            break;
        case '"':
            rc = rk_buf_puts(out, "&quot;");
            break;
        default:
            rc = (unsigned char)*s < 0x20 ? rk_buf_putc(out, ' ') : rk_buf_putc(out, *s);
        }
    }
    return rc;
}

static void human(double v, char *buf, size_t cap)
{
    if (v >= 1e9)
        snprintf(buf, cap, "%.3gG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, cap, "%.3gM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, cap, "%.3gk", v / 1e3);
    else
        snprintf(buf, cap, "%.3g", v);
}

static int axes(const struct rk_sensor_plot *p, const struct layout *l, struct rk_buf *out)
{
    char lab[32];
    int rc = rk_buf_printf(out,
                           "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                           "stroke=\"#444\"/>\n",
                           l->x0, l->y0, l->w, l->h);

    for (int i = 0; i <= 5 && rc == 0; i++) {
        double v = p->opt.log_scale && !p->opt.stacked ? pow(l->ymax + 1, i / 5.0) - 1
                                                       : l->ymax * i / 5.0;
        double y = ypos(p, l, v);

        human(v, lab, sizeof(lab));
        rc = rk_buf_printf(out,
                           "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                           "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s"
                           "</text>\n",
                           l->x0, y, l->x0 + l->w, y, l->x0 - 6, y + 4, lab);
    }
    if (rc == 0)
        rc = rk_buf_printf(out,
                           "<text x=\"16\" y=\"%d\" font-size=\"12\" transform=\"rotate(-90 16 "
                           "%d)\" text-anchor=\"middle\">packets per %u s</text>\n",
                           l->y0 + l->h / 2, l->y0 + l->h / 2, p->secs);
    return rc;
}

static int time_labels(const struct layout *l, struct rk_buf *out)
{
    int64_t span = l->t1 - l->t0, step = 3600;
    static const int64_t steps[] = {60,        300,        900,       1800,  3600,
                                    3 * 3600,  6 * 3600,   12 * 3600, 86400, 2 * 86400,
                                    7 * 86400, 14 * 86400, 28 * 86400};
    char lab[32];
    int rc = 0;

    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        step = steps[i];
        if (span / step <= 8)
            break;
    }
    for (int64_t t = (l->t0 + step - 1) / step * step; t <= l->t1 && rc == 0; t += step) {
        time_t tt = (time_t)t;
        struct tm tm;
        double x = xpos(l, t);

        gmtime_r(&tt, &tm);
        strftime(lab, sizeof(lab), step >= 86400 ? "%Y-%m-%d" : "%m-%d %H:%M", &tm);
        rc = rk_buf_printf(out,
                           "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n"
                           "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s"
                           "</text>\n",
                           x, l->y0 + l->h, x, l->y0 + l->h + 5, x, l->y0 + l->h + 18, lab);
    }
    if (rc == 0)
        rc = rk_buf_printf(out,
                           "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">time "
                           "(UTC)</text>\n",
                           l->x0 + l->w / 2, l->y0 + l->h + 40);
    return rc;
}

/* One series: a polyline, or a stacked band between the running sums. */
static int series(const struct rk_sensor_plot *p, const struct layout *l, size_t k, double *base,
                  struct rk_buf *out)
{
    const char *col = palette[k % PALETTE_N];
    int64_t half = p->secs / 2;
    size_t n = l->n_times;
    int rc;

    if (!p->opt.stacked) {
        rc = rk_buf_printf(out,
                           "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                           "points=\"",
                           col);
        for (size_t t = 0; t < n && rc == 0; t++)
            rc = rk_buf_printf(out, "%s%.1f,%.1f", t ? " " : "", xpos(l, l->times[t] + half),
                               ypos(p, l, l->v[k * n + t]));
        return rc ? rc : rk_buf_puts(out, "\"/>\n");
    }
    rc = rk_buf_printf(out,
                       "<polygon fill=\"%s\" fill-opacity=\"0.85\" stroke=\"none\" "
                       "points=\"",
                       col);
    for (size_t t = 0; t < n && rc == 0; t++)
        rc = rk_buf_printf(out, "%s%.1f,%.1f", t ? " " : "", xpos(l, l->times[t] + half),
                           ypos(p, l, base[t] + l->v[k * n + t]));
    for (size_t t = n; t-- > 0 && rc == 0;)
        rc = rk_buf_printf(out, " %.1f,%.1f", xpos(l, l->times[t] + half), ypos(p, l, base[t]));
    for (size_t t = 0; t < n; t++)
        base[t] += l->v[k * n + t];
    return rc ? rc : rk_buf_puts(out, "\"/>\n");
}

static int legend(const struct layout *l, struct rk_buf *out)
{
    char lab[24], tot[32];
    int rc = 0;

    for (size_t k = 0; k < l->n_keys && rc == 0; k++) {
        int y = l->y0 + 4 + (int)k * 18;

        rk_sensor_port_label((uint8_t)(l->keys[k] >> 16), (uint16_t)l->keys[k], lab, sizeof(lab));
        human((double)l->totals[k], tot, sizeof(tot));
        rc = rk_buf_printf(out,
                           "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n"
                           "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s (%s)</text>\n",
                           l->x0 + l->w + 14, y, palette[k % PALETTE_N], l->x0 + l->w + 32, y + 10,
                           lab, tot);
    }
    return rc;
}

static int render(const struct rk_sensor_plot *p, struct layout *l, struct rk_buf *out)
{
    double *base = rk_calloc(l->n_times, sizeof(double));
    int rc;

    if (!base)
        return RK_ENOMEM;
    rc = rk_buf_printf(out,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                       "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
                       "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                       "<text x=\"%d\" y=\"26\" text-anchor=\"middle\" font-size=\"16\">",
                       p->opt.width, p->opt.height, p->opt.width, p->opt.height, p->opt.width / 2);
    if (rc == 0)
        rc = xml_text(out, p->title);
    if (rc == 0)
        rc = rk_buf_puts(out, "</text>\n");
    if (rc == 0)
        rc = axes(p, l, out);
    if (rc == 0)
        rc = time_labels(l, out);
    for (size_t k = 0; k < l->n_keys && rc == 0; k++)
        rc = series(p, l, k, base, out);
    if (rc == 0)
        rc = legend(l, out);
    if (rc == 0)
        rc = rk_buf_puts(out, "</svg>\n");
    rk_free(base);
    return rc;
}

int rk_sensor_plot_svg(const struct rk_sensor_plot *p, struct rk_buf *out, struct rk_err *err)
{
    struct layout l;
    int rc;

    memset(&l, 0, sizeof(l));
    if (p->n == 0)
        return rk_err_set(err, RK_EINVAL, "plot: no data");
    if ((rc = pick_keys(p, &l)) != 0 || (rc = fill_values(p, &l)) != 0)
        goto out;
    scale_y(p, &l);
    l.x0 = MARGIN_L;
    l.y0 = MARGIN_T;
    l.w = p->opt.width - MARGIN_L - MARGIN_R;
    l.h = p->opt.height - MARGIN_T - MARGIN_B;
    l.t0 = l.times[0];
    l.t1 = l.times[l.n_times - 1] + (p->secs ? p->secs : 1);
    rc = render(p, &l, out);
out:
    rk_free(l.times);
    rk_free(l.v);
    if (rc != 0)
        return rk_err_set(err, rc, "plot: %s",
                          rc == RK_ELIMIT ? "output too large" : "out of memory");
    return 0;
}
