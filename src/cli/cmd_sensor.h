/* cmd_sensor.h - what the `renkei sensor` subcommands share: sensor and time-range options,
 * number and time formatting. */
#ifndef RK_CLI_CMD_SENSOR_H
#define RK_CLI_CMD_SENSOR_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "renkei/sensor_store.h"

#define SENSOR_NAMES_MAX 256

/* --sensor NAME (repeatable) and --since / --until. */
struct sensor_scope {
    const char *names[SENSOR_NAMES_MAX];
    size_t n;
    int64_t since, until; /* bin starts in [since, until); INT64_MIN / INT64_MAX: open */
};

void sensor_scope_init(struct sensor_scope *s);
/* Handle one of the scope options (getopt codes 'S' --sensor, 's' --since, 'u' --until) for
 * subcommand cmd. Returns 0, or RK_EXIT_USAGE after printing the problem. */
int sensor_scope_option(struct sensor_scope *s, const char *cmd, int opt, const char *arg);

/* A point in time from the command line: an RFC 3339 timestamp, a date (YYYY-MM-DD, midnight
 * UTC), "now", or a duration back from now ("24h", "7d", "90m"). Seconds since the epoch. */
int sensor_parse_when(const char *s, int64_t *out);

/* "2024-05-01 13:00" (UTC) into buf. */
const char *sensor_time_text(int64_t secs, char *buf, size_t cap);
/* RFC 3339 "2024-05-01T13:00:00Z". */
const char *sensor_time_rfc3339(int64_t secs, char *buf, size_t cap);
/* 1234567 -> "1,234,567". */
const char *sensor_num(uint64_t v, char *buf, size_t cap);
/* "1 h", "10 min", "1 d", "90 s". */
const char *sensor_secs_text(uint32_t secs, char *buf, size_t cap);
/* The scope in words for titles: "tokyo-1, sydney-1" or "all sensors", with the range. */
void sensor_scope_text(const struct sensor_scope *s, char *buf, size_t cap);

/* Open a file for writing ("-" or NULL: stdout); prints the error itself. */
FILE *sensor_open_output(const char *path, const char *cmd);
/* Close it, reporting a write error; returns the exit status to use. */
int sensor_close_output(FILE *f, const char *path, const char *cmd, int status);

/* The subcommands (cmd_sensor_*.c); argv[0] is the subcommand's name. */
int cmd_sensor_add(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_list(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_remove(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_ingest(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_capture(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_publish(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_top(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_alerts(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_export(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor_plot(struct rk_cli *cli, int argc, char **argv);

/* Publish pending STIX objects and print one line about it (ingest, capture, publish).
 * Returns 0 or an RK_E* code (already reported). */
int sensor_publish_pending(struct rk_cli *cli, struct rk_store *st, const char *collection,
                           int json, struct rk_sensor_publish_stats *out);

#endif
