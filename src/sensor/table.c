/* table.c - TSUBAME-style top-N tables (rank, key, packets, share, sources) as fixed-width
 * text for the CLI. Approximate figures carry a leading "~". */
#include "sensor/sensor_int.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

const char *rk_sensor_port_label(uint8_t proto, uint16_t port, char *buf, size_t cap)
{
    switch (proto) {
    case 6:
        snprintf(buf, cap, "%u/tcp", port);
        break;
    case 17:
        snprintf(buf, cap, "%u/udp", port);
        break;
    case 1:
        snprintf(buf, cap, "%u/icmp", port);
        break;
    case 58:
        snprintf(buf, cap, "%u/icmpv6", port);
        break;
    default:
        snprintf(buf, cap, "proto-%u", proto);
        break;
    }
    return buf;
}

/* 1234567 -> "1,234,567" (with a "~" in front when approximate). */
static const char *num(uint64_t v, int approx, char *buf, size_t cap)
{
    char digits[32];
    size_t n, w = 0;

    n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    if (approx && w + 1 < cap)
        buf[w++] = '~';
    for (size_t i = 0; i < n && w + 1 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0 && w + 1 < cap)
            buf[w++] = ',';
        if (w + 1 < cap)
            buf[w++] = digits[i];
    }
    buf[w] = '\0';
    return buf;
}

static double share(uint64_t v, uint64_t total)
{
    return total ? 100.0 * (double)v / (double)total : 0.0;
}

int rk_sensor_table_ports(struct rk_buf *out, const struct rk_sensor_port_row *rows, size_t n,
                          size_t top_n, uint64_t total)
{
    char label[24], p[32], s[32];
    int rc;

    if (total == 0) {
        for (size_t i = 0; i < n; i++)
            total += rows[i].packets;
    }
    if ((rc = rk_buf_printf(out, "%4s  %-12s %14s %7s %12s\n", "Rank", "Port", "Packets", "%",
                            "Sources")) != 0)
        return rc;
    for (size_t i = 0; i < n && i < top_n; i++) {
        rc = rk_buf_printf(out, "%4zu  %-12s %14s %6.1f%% %12s\n", i + 1,
                           rk_sensor_port_label(rows[i].proto, rows[i].port, label, sizeof(label)),
                           num(rows[i].packets, 0, p, sizeof(p)), share(rows[i].packets, total),
                           num(rows[i].sources, !rows[i].exact, s, sizeof(s)));
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void fp_short(uint8_t fp, char *buf, size_t cap)
{
    size_t w = 0;

    buf[0] = '\0';
    for (unsigned bit = 0; bit < RK_SENSOR_FP_COUNT; bit++) {
        if (fp & (1U << bit))
            w += (size_t)snprintf(buf + w, w < cap ? cap - w : 0, "%s%s", w ? "," : "",
                                  rk_sensor_fp_name(1U << bit));
        if (w >= cap)
            break;
    }
    if (!buf[0])
        snprintf(buf, cap, "-");
}

int rk_sensor_table_sources(struct rk_buf *out, const struct rk_sensor_source_row *rows, size_t n,
                            size_t top_n, uint64_t total)
{
    char addr[RK_SENSOR_ADDR_STR], p[32], d[32], q[32], asn[16], fp[64];
    int rc;

    if (total == 0) {
        for (size_t i = 0; i < n; i++)
            total += rows[i].packets;
    }
    if ((rc = rk_buf_printf(out, "%4s  %-39s %14s %7s %10s %8s %10s %3s  %s\n", "Rank", "Source",
                            "Packets", "%", "Dsts", "Ports", "ASN", "CC", "Fingerprints")) != 0)
        return rc;
    for (size_t i = 0; i < n && i < top_n; i++) {
        const struct rk_sensor_source_row *r = &rows[i];

        snprintf(asn, sizeof(asn), r->asn ? "AS%u" : "-", r->asn);
        fp_short(r->fp, fp, sizeof(fp));
        rc = rk_buf_printf(out, "%4zu  %-39s %14s %6.1f%% %10s %8s %10s %3s  %s\n", i + 1,
                           rk_sensor_addr_format(&r->addr, addr, sizeof(addr)),
                           num(r->packets, r->packets_err != 0, p, sizeof(p)),
                           share(r->packets, total), num(r->dsts, !r->exact, d, sizeof(d)),
                           num(r->ports, !r->exact, q, sizeof(q)), asn,
                           r->country[0] ? r->country : "-", fp);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int rk_sensor_table_groups(struct rk_buf *out, const char *title,
                           const struct rk_sensor_group_row *rows, size_t n, size_t top_n,
                           uint64_t total)
{
    char key[RK_SENSOR_ADDR_STR + 8], p[32], s[32];
    int rc;

    if (total == 0) {
        for (size_t i = 0; i < n; i++)
            total += rows[i].packets;
    }
    if ((rc = rk_buf_printf(out, "%4s  %-24s %14s %7s %12s  %s\n", "Rank", title, "Packets", "%",
                            "Sources", "Name")) != 0)
        return rc;
    for (size_t i = 0; i < n && i < top_n; i++) {
        const struct rk_sensor_group_row *r = &rows[i];

        if (r->asn)
            snprintf(key, sizeof(key), "AS%u", r->asn);
        else if (r->country[0])
            snprintf(key, sizeof(key), "%s", r->country);
        else
            rk_sensor_prefix_format(&r->prefix, key, sizeof(key));
        rc = rk_buf_printf(out, "%4zu  %-24s %14s %6.1f%% %12s  %s\n", i + 1, key,
                           num(r->packets, r->packets_err != 0, p, sizeof(p)),
                           share(r->packets, total), num(r->sources, !r->exact, s, sizeof(s)),
                           r->name ? r->name : "");
        if (rc != 0)
            return rc;
    }
    return 0;
}
