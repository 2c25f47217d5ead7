/* cmd_org.c - `renkei org`: the organisations whose users read from and write to this node. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/store_access.h"
#include "util/rktime.h"

struct org_opts {
    const char *title;
    int json;
    char **args; /* positional arguments after the action */
    int n_args;
};

static void org_usage(void)
{
    printf("usage: renkei org add NAME [--title TITLE]\n"
           "       renkei org list [--json]\n"
           "       renkei org remove NAME\n\n"
           "Organisations own the objects their users post and are what sharing groups and\n"
           "collection rights are made of (TLP:AMBER+STRICT goes only to the owning\n"
           "organisation). NAME is 1-64 of a-z A-Z 0-9 . _ - (for example jpcert, cert-in).\n"
           "An organisation with users cannot be removed; remove its users first.\n\n"
           "Exit status: 0 done, 1 refused (exists, not found, has users), 2 usage, 3 store\n"
           "error.\n");
}

int cli_access_status(const char *what, int rc, const struct rk_err *err)
{
    if (rc == 0)
        return RK_EXIT_OK;
    cli_fail(what, rc, err);
    if (rc == RK_EEXISTS || rc == RK_ENOTFOUND || rc == RK_EINVAL || rc == RK_EFORMAT ||
        rc == RK_ELIMIT)
        return RK_EXIT_FAIL;
    return RK_EXIT_ERROR;
}

static int print_org(const struct rk_org_info *o, void *ctx)
{
    json_t *list = ctx;
    char at[RK_TIME_STR_MAX];

    rk_time_format_us(o->created_us, at, sizeof(at));
    if (list)
        json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "name", o->name, "title",
                                              o->title, "created", at));
    else
        printf("%-24s %-28s %s\n", o->name, at, o->title);
    return 0;
}

static int org_list(struct rk_store *st, int json, struct rk_err *err)
{
    json_t *list = json ? json_array() : NULL;
    int rc = rk_store_org_list(st, print_org, list, err);

    if (rc == 0 && list)
        cli_print_json(list);
    json_decref(list);
    return rc;
}

static int parse_org_args(struct org_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"title", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int c;

    /* argv[0] is the action; getopt starts after it */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': o->title = optarg; break;
        case 'j': o->json = 1; break;
        default: return cli_usage_error("org", "unknown option '%s'", argv[optind - 1]);
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    return 0;
}

int cmd_org(struct rk_cli *cli, int argc, char **argv)
{
    struct org_opts o = {.title = ""};
    struct rk_store *st = NULL;
    const char *verb;
    struct rk_err err;
    int status, rc;

    if (cli_wants_help(argc, argv) || argc < 2) {
        org_usage();
        return argc < 2 ? RK_EXIT_USAGE : RK_EXIT_OK;
    }
    verb = argv[1];
    if (parse_org_args(&o, argc - 1, argv + 1) != 0)
        return RK_EXIT_USAGE;
    if (strcmp(verb, "list") != 0 && (strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0))
        return cli_usage_error("org", "unknown action '%s' (add, list, remove)", verb);
    if (strcmp(verb, "list") != 0 && o.n_args != 1)
        return cli_usage_error("org", "'org %s' takes one NAME", verb);
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    if (strcmp(verb, "list") == 0) {
        rc = org_list(st, o.json, &err);
        status = cli_access_status("org list", rc, &err);
    } else {
        rc = strcmp(verb, "add") == 0 ? rk_store_org_add(st, o.args[0], o.title, &err)
                                      : rk_store_org_remove(st, o.args[0], &err);
        status = cli_access_status("org", rc, &err);
        cli_audit_admin(cli, st, argc, argv, status);
        if (status == RK_EXIT_OK && !cli->quiet)
            printf("%s organisation %s\n", strcmp(verb, "add") == 0 ? "added" : "removed",
                   o.args[0]);
    }
    rk_store_close(st);
    return status;
}
