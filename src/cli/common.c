/* common.c - error output, store opening and option helpers shared by the subcommands. */
#include "cli.h"

#include <malloc.h>
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

/* Request bodies and responses of up to tens of megabytes come and go with every request, and
 * an import's buffers with every object: keep them on the heap. Above glibc's default threshold
 * each would be a fresh mapping, faulted in page by page and unmapped again (13 % of the
 * server's CPU time under a load of GET pages), and glibc gives the top of its heap back to the
 * kernel whenever 128 KiB are free there, for the next objects to fault in again (a quarter of
 * an import's page faults, 3 % of its CPU time). */
void cli_keep_freed_memory(void)
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
