/* common.c - error output, store opening and option helpers shared by the subcommands. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

void cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("renkei: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(const char *what, int rc, const struct rk_err *err)
{
    char detail[1024];

    if (err && err->message[0])
        cli_error("%s: %s", what, rk_err_format(err, detail, sizeof(detail)));
    else
        cli_error("%s: %s", what, rk_strerror(rc));
    return RK_EXIT_ERROR;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "renkei %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry 'renkei %s --help'\n", cmd);
    return RK_EXIT_USAGE;
}

int cli_open_store(struct rk_cli *cli, int create, struct rk_store **out)
{
    return cli_open_store_flags(cli, create ? RK_STORE_CREATE : 0, out);
}

int cli_open_store_flags(struct rk_cli *cli, unsigned flags, struct rk_store **out)
{
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    rc = rk_store_open(out, cli->data_dir, flags, &err);
    if (rc == RK_ENOTFOUND) {
        cli_error("no node in '%s'; create one with 'renkei --data %s init' or pass --data DIR",
                  cli->data_dir, cli->data_dir);
        return RK_EXIT_ERROR;
    }
    if (rc != 0)
        return cli_fail("cannot open the store", rc, &err);
    return RK_EXIT_OK;
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
