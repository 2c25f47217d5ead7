/* cli.h - what every renkei subcommand shares: global options, store access, output helpers. */
#ifndef RK_CLI_H
#define RK_CLI_H

#include <stdio.h>

#include "renkei/error.h"
#include "renkei/store.h"
#include "settings.h"

/* Exit statuses of every command. */
enum {
    RK_EXIT_OK = 0,
    RK_EXIT_FAIL = 1,  /* the command ran and found a problem (rejected objects, invalid file) */
    RK_EXIT_USAGE = 2, /* bad command line */
    RK_EXIT_ERROR = 3  /* the command could not run (store, I/O) */
};

struct rk_cli {
    const char *data_dir; /* --data, $RENKEI_DATA, else ./var */
    int verbose;          /* -v: more detail */
    int quiet;            /* -q: only errors */
    int stderr_tty;       /* progress bars only on a terminal */
    const char *prog;     /* "renkei" */
    const char *config;   /* --config FILE, else DATA/renkei.conf when it exists */
    struct rk_settings settings; /* defaults < file; commands apply their own flags on top */
};

/* One subcommand: its name, a one-line summary and its entry point (argv[0] is the name). */
struct rk_cli_command {
    const char *name;
    const char *summary;
    int (*run)(struct rk_cli *cli, int argc, char **argv);
};

/* Print "renkei: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print an error from a library call, with its detail; returns RK_EXIT_ERROR. */
int cli_fail(const char *what, int rc, const struct rk_err *err);
/* Report a bad command line for cmd and point to --help; returns RK_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open the node's store; with create, make it when absent. Prints the error itself. */
int cli_open_store(struct rk_cli *cli, int create, struct rk_store **out);
/* The same with RK_STORE_* flags. */
int cli_open_store_flags(struct rk_cli *cli, unsigned flags, struct rk_store **out);

/* 1 when argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/* Progress on stderr (only on a terminal): done/total bytes plus a counter of items. */
struct cli_progress {
    int enabled;
    const char *label;
    const char *unit; /* what the counter counts: "objects" unless set after start */
    unsigned long long total;
    double started;
    double last_draw;
};
void cli_progress_start(struct cli_progress *p, struct rk_cli *cli, const char *label,
                        unsigned long long total);
void cli_progress_update(struct cli_progress *p, unsigned long long done,
                         unsigned long long items);
void cli_progress_finish(struct cli_progress *p);

/* Seconds from a monotonic clock. */
/* Keep freed memory on the heap for the next request or object (long-running commands). */
void cli_keep_freed_memory(void);
double cli_now(void);

/* The subcommands. */
int cmd_init(struct rk_cli *cli, int argc, char **argv);
int cmd_import(struct rk_cli *cli, int argc, char **argv);
int cmd_export(struct rk_cli *cli, int argc, char **argv);
int cmd_get(struct rk_cli *cli, int argc, char **argv);
int cmd_stats(struct rk_cli *cli, int argc, char **argv);
int cmd_validate(struct rk_cli *cli, int argc, char **argv);
int cmd_config(struct rk_cli *cli, int argc, char **argv);
int cmd_sensor(struct rk_cli *cli, int argc, char **argv);
int cmd_serve(struct rk_cli *cli, int argc, char **argv);
int cmd_org(struct rk_cli *cli, int argc, char **argv);
int cmd_group(struct rk_cli *cli, int argc, char **argv);
int cmd_user(struct rk_cli *cli, int argc, char **argv);
int cmd_collection(struct rk_cli *cli, int argc, char **argv);
int cmd_audit(struct rk_cli *cli, int argc, char **argv);
int cmd_partner(struct rk_cli *cli, int argc, char **argv);
int cmd_sync(struct rk_cli *cli, int argc, char **argv);
/* `renkei audit egress` (cmd_audit_egress.c). */
int cmd_audit_egress(struct rk_cli *cli, int argc, char **argv);
int cmd_match(struct rk_cli *cli, int argc, char **argv);

/* Helpers of the access-control commands (cmd_org.c, cmd_audit.c). */
/* Print err for a failed access command; 1 for refusals the operator can fix, else 3. */
int cli_access_status(const char *what, int rc, const struct rk_err *err);
/* Append an "admin" record for this command line to the audit log. */
void cli_audit_admin(struct rk_cli *cli, struct rk_store *st, int argc, char **argv,
                     int status);
/* A timestamp (2024-05-01T00:00:00Z) or an age counted back from now (90s, 2h, 7d) in
 * microseconds since the epoch. RK_EFORMAT. */
int cli_parse_when(const char *s, int64_t *out);
/* Print a JSON value indented, with a newline. */
void cli_print_json(json_t *j);

#endif
