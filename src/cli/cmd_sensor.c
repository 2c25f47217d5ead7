/* cmd_sensor.c - `renkei sensor`: darknet sensors. Dispatch to the subcommands, the shared
 * option and formatting helpers, and the registry commands add, list and remove. */
#include "cmd_sensor.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/rktime.h"
#include "util/strparse.h"

static const struct rk_cli_command subcommands[] = {
        {"add", "register a sensor: its prefixes, country, TLP and bin length", cmd_sensor_add},
        {"list", "list the sensors with what the store holds for each", cmd_sensor_list},
        {"remove", "remove a sensor and its stored data", cmd_sensor_remove},
        {"ingest", "count capture files into the sensors' time series", cmd_sensor_ingest},
        {"capture", "count packets live from an interface", cmd_sensor_capture},
        {"publish", "write pending STIX objects into the sensors' collection", cmd_sensor_publish},
        {"top", "TSUBAME-style top-N tables by port, source, ASN, country, prefix", cmd_sensor_top},
        {"alerts", "list early-warning alerts", cmd_sensor_alerts},
        {"export", "write stored aggregates as CSV, JSON lines or a STIX bundle",
         cmd_sensor_export},
        {"plot", "draw packets per port over time for the top ports (SVG)", cmd_sensor_plot},
};

#define N_SUB (sizeof(subcommands) / sizeof(subcommands[0]))

static void sensor_usage(FILE *out)
{
    fprintf(out,
            "usage: renkei sensor COMMAND [OPTIONS]\n\n"
            "Darknet sensors: traffic to unused address space (scans, worms, backscatter of\n"
            "DoS attacks) counted per sensor, port, source and time bin, stored as time\n"
            "series, watched for surges and new campaigns, and shared as STIX 2.1 over TAXII.\n"
            "A typical start:\n\n"
            "  renkei sensor add tokyo-1 --prefix 198.18.0.0/16 --country JP --tlp green\n"
            "  renkei sensor ingest captures/\n"
            "  renkei sensor top --by port --since 24h\n"
            "  renkei sensor plot -o ports.svg --since 7d\n\n"
            "Commands:\n");
    for (size_t i = 0; i < N_SUB; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "\n'renkei sensor COMMAND --help' explains a command; docs/sensor.md has the "
                 "details.\n");
}

int cmd_sensor(struct rk_cli *cli, int argc, char **argv)
{
    if (argc < 2) {
        sensor_usage(stderr);
        return RK_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        sensor_usage(stdout);
        return RK_EXIT_OK;
    }
    for (size_t i = 0; i < N_SUB; i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0) {
            optind = 0;
            return subcommands[i].run(cli, argc - 1, argv + 1);
        }
    }
    cli_error("sensor: unknown command '%s'; try 'renkei sensor --help'", argv[1]);
    return RK_EXIT_USAGE;
}

/* ---- shared helpers
 * ------------------------------------------------------------------------------ */

void sensor_scope_init(struct sensor_scope *s)
{
    memset(s, 0, sizeof(*s));
    s->since = INT64_MIN;
    s->until = INT64_MAX;
}

int sensor_parse_when(const char *s, int64_t *out)
{
    struct rk_time t;
    uint64_t secs, y, m, d;
    size_t len = strlen(s);

    if (strcmp(s, "now") == 0) {
        *out = (int64_t)time(NULL);
        return 0;
    }
    if (len == 10 && s[4] == '-' && s[7] == '-' && rk_parse_u64(s, 4, 9999, &y) == 0 &&
        rk_parse_u64(s + 5, 2, 12, &m) == 0 && rk_parse_u64(s + 8, 2, 31, &d) == 0 && m && d) {
        *out = rk_days_from_civil((int64_t)y, (unsigned)m, (unsigned)d) * 86400;
        return 0;
    }
    if (rk_time_parse(&t, s, len, RK_TIME_RFC3339, NULL) == 0) {
        *out = t.sec;
        return 0;
    }
    if (rk_parse_duration(s, &secs) == 0 && secs < (uint64_t)1 << 40) {
        *out = (int64_t)time(NULL) - (int64_t)secs;
        return 0;
    }
    return RK_EFORMAT;
}

int sensor_scope_option(struct sensor_scope *s, const char *cmd, int opt, const char *arg)
{
    int64_t *when = opt == 's' ? &s->since : &s->until;

    if (opt == 'S') {
        if (s->n == SENSOR_NAMES_MAX)
            return cli_usage_error(cmd, "at most %d --sensor options", SENSOR_NAMES_MAX);
        s->names[s->n++] = arg;
        return 0;
    }
    if (sensor_parse_when(arg, when) != 0)
        return cli_usage_error(cmd,
                               "--%s '%s': give a date (2024-05-01), an RFC 3339 time "
                               "(2024-05-01T13:00:00Z), 'now', or a time back from now "
                               "(24h, 7d)",
                               opt == 's' ? "since" : "until", arg);
    return 0;
}

const char *sensor_time_text(int64_t secs, char *buf, size_t cap)
{
    time_t t = (time_t)secs;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M", &tm) == 0)
        snprintf(buf, cap, "%lld", (long long)secs);
    return buf;
}

const char *sensor_time_rfc3339(int64_t secs, char *buf, size_t cap)
{
    time_t t = (time_t)secs;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "%lld", (long long)secs);
    return buf;
}

const char *sensor_num(uint64_t v, char *buf, size_t cap)
{
    char digits[32];
    size_t n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v), w = 0;

    for (size_t i = 0; i < n && w + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[w++] = ',';
        buf[w++] = digits[i];
    }
    buf[w] = '\0';
    return buf;
}

const char *sensor_secs_text(uint32_t secs, char *buf, size_t cap)
{
    if (secs % 86400 == 0)
        snprintf(buf, cap, "%u d", secs / 86400);
    else if (secs % 3600 == 0)
        snprintf(buf, cap, "%u h", secs / 3600);
    else if (secs % 60 == 0)
        snprintf(buf, cap, "%u min", secs / 60);
    else
        snprintf(buf, cap, "%u s", secs);
    return buf;
}

void sensor_scope_text(const struct sensor_scope *s, char *buf, size_t cap)
{
    char a[32], b[32];
    size_t w = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < s->n && w < cap; i++)
        w += (size_t)snprintf(buf + w, cap - w, "%s%s", i ? ", " : "", s->names[i]);
    if (s->n == 0)
        w = (size_t)snprintf(buf, cap, "all sensors");
    if (w < cap && s->since != INT64_MIN)
        w += (size_t)snprintf(buf + w, cap - w, ", from %s", sensor_time_text(s->since, a, 32));
    if (w < cap && s->until != INT64_MAX)
        snprintf(buf + w, cap - w, ", until %s", sensor_time_text(s->until, b, 32));
    if (w < cap && (s->since != INT64_MIN || s->until != INT64_MAX))
        snprintf(buf + strlen(buf), cap - strlen(buf), " UTC");
}

FILE *sensor_open_output(const char *path, const char *cmd)
{
    FILE *f;

    if (!path || strcmp(path, "-") == 0)
        return stdout;
    if (!(f = fopen(path, "w")))
        cli_error("sensor %s: cannot create '%s': %s", cmd, path, strerror(errno));
    return f;
}

int sensor_close_output(FILE *f, const char *path, const char *cmd, int status)
{
    int bad = fflush(f) != 0 || ferror(f);

    if (f != stdout && fclose(f) != 0)
        bad = 1;
    if (bad && status == RK_EXIT_OK) {
        cli_error("sensor %s: cannot write '%s': %s", cmd, path ? path : "standard output",
                  strerror(errno));
        return RK_EXIT_ERROR;
    }
    return status;
}
