/* main.c - the renkei command: global options and dispatch to one file per subcommand. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "renkei/log.h"

static const struct rk_cli_command commands[] = {
        {"init", "create a node: data directory, store, default collection", cmd_init},
        {"import", "validate and store STIX objects from files, directories or stdin", cmd_import},
        {"export", "write stored objects as a STIX bundle or JSON lines", cmd_export},
        {"get", "print one object by id (one, several or all versions)", cmd_get},
        {"stats", "show what the store holds", cmd_stats},
        {"validate", "check STIX files without storing them (a linter)", cmd_validate},
        {"config", "check a configuration file and show the effective settings", cmd_config},
        {"serve", "serve the store over TAXII 2.1 (HTTPS) to partners and their tools", cmd_serve},
        {"org", "add, list or remove organisations", cmd_org},
        {"group", "manage sharing groups of organisations (quad, jp-asean, ...)", cmd_group},
        {"user", "add users with a role and a secret shown once; client certificates", cmd_user},
        {"collection", "add collections, grant read/write rights, set sharing defaults",
         cmd_collection},
        {"audit", "query the append-only log of who read and wrote what", cmd_audit},
        {"partner", "partner nodes: how to reach them, terms, collections exchanged, status",
         cmd_partner},
        {"sync", "pull from and push to partner nodes by the sharing rules", cmd_sync},
        {"match", "look indicators up in lists, logs and captures (grep mode, JSON hits)", cmd_match},
        {"sensor", "darknet sensors: ingest captures, top-N tables, alerts, plots, STIX",
         cmd_sensor},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: renkei [--data DIR] [-v|-q] COMMAND [ARGS]\n\n"
                 "renkei is a STIX 2.1 / TAXII 2.1 threat-information sharing node.\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nGlobal options:\n"
                 "  --data DIR   the node's data directory (default: $RENKEI_DATA, else ./var)\n"
                 "  --config F   settings file (default: DIR/renkei.conf when it exists;\n"
                 "               'renkei config check' lists every setting)\n"
                 "  -v           more detail (warnings, debug log with -vv)\n"
                 "  -q           only errors\n"
                 "  --version    print the version\n"
                 "  -h, --help   this help; 'renkei COMMAND --help' explains a command\n\n"
                 "Exit status: 0 success, 1 problems found (e.g. rejected objects), 2 usage "
                 "error,\n3 the command could not run.\n");
}

static void log_to_stderr(int level, const char *func, const char *msg, void *ctx)
{
    const struct rk_cli *cli = ctx;

    if (cli->verbose > 1)
        fprintf(stderr, "renkei: %s: %s: %s\n", rk_log_level_name(level), func, msg);
    else
        fprintf(stderr, "renkei: %s: %s\n", rk_log_level_name(level), msg);
}

static int parse_global(struct rk_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"config", required_argument, NULL, 'C'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, "+d:hvqV", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cli->data_dir = optarg; break;
        case 'C': cli->config = optarg; break;
        case 'v': cli->verbose++; break;
        case 'q': cli->quiet = 1; break;
        case 'h': usage(stdout); exit(RK_EXIT_OK);
        case 'V': printf("renkei %s\n", RK_VERSION); exit(RK_EXIT_OK);
        default:
            cli_error("unknown option '%s'; try 'renkei --help'", argv[optind - 1]);
            return -1;
        }
    }
    return optind;
}

static int load_settings(struct rk_cli *cli)
{
    char path[4096];
    struct rk_err err;

    rk_err_clear(&err);
    snprintf(path, sizeof(path), "%s/renkei.conf", cli->data_dir);
    if (rk_settings_load(&cli->settings, cli->config ? cli->config : path, cli->config != NULL,
                         &err) != 0) {
        cli_error("%s; 'renkei config check' explains every setting", err.message);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct rk_cli cli = {.prog = "renkei"};
    int first;

    cli.data_dir = getenv("RENKEI_DATA") ? getenv("RENKEI_DATA") : "var";
    cli.stderr_tty = isatty(STDERR_FILENO);
    if ((first = parse_global(&cli, argc, argv)) < 0)
        return RK_EXIT_USAGE;
    if (load_settings(&cli) != 0)
        return RK_EXIT_USAGE;
    rk_log_set_handler(log_to_stderr,
                       cli.quiet ? RK_LOG_ERROR : cli.settings.log_level + cli.verbose, &cli);
    if (first >= argc) {
        usage(stderr);
        return RK_EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[first], commands[i].name) == 0) {
            optind = 0; /* reset getopt for the subcommand */
            return commands[i].run(&cli, argc - first, argv + first);
        }
    }
    cli_error("unknown command '%s'; try 'renkei --help'", argv[first]);
    return RK_EXIT_USAGE;
}
