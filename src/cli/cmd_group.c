/* cmd_group.c - `renkei group`: sharing groups of organisations (quad, jp-asean, ...). */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/store_access.h"
#include "util/buf.h"

struct group_opts {
    const char *title;
    int json;
    char **args;
    int n_args;
};

static void group_usage(void)
{
    printf("usage: renkei group add NAME [--title TITLE]\n"
           "       renkei group list [--json]\n"
           "       renkei group remove NAME\n"
           "       renkei group member add GROUP ORG\n"
           "       renkei group member remove GROUP ORG\n\n"
           "A sharing group is a set of organisations, such as quad or jp-asean. TLP:AMBER\n"
           "objects are visible to the organisations of the groups they belong to; objects\n"
           "posted to a collection belong to the collection's sharing groups (see 'renkei\n"
           "collection add --group'), and collection rights may be granted to a group.\n"
           "Removing a group removes its memberships and the grants made to it.\n\n"
           "Exit status: 0 done, 1 refused (exists, not found), 2 usage, 3 store error.\n");
}

struct list_ctx {
    struct rk_store *st;
    json_t *out; /* --json */
    struct rk_err *err;
};

struct members {
    json_t *list; /* --json */
    struct rk_buf *text;
};

static int add_member(const char *org, void *ctx)
{
    struct members *m = ctx;

    if (m->list)
        return json_array_append_new(m->list, json_string(org)) ? RK_ENOMEM : 0;
    return rk_buf_printf(m->text, "%s%s", rk_buf_len(m->text) ? ", " : "", org);
}

static int print_group(const struct rk_org_info *g, void *ctxp)
{
    struct list_ctx *ctx = ctxp;
    json_t *members = ctx->out ? json_array() : NULL;
    struct rk_buf b;
    struct members m = {members, &b};
    int rc;

    rk_buf_init(&b, 1 << 20);
    rc = rk_store_group_members(ctx->st, g->name, add_member, &m, ctx->err);
    if (rc == 0 && ctx->out)
        json_array_append_new(ctx->out, json_pack("{s:s,s:s,s:O}", "name", g->name, "title",
                                                  g->title, "members", members));
    else if (rc == 0)
        printf("%-20s members: %s%s%s\n", g->name, rk_buf_len(&b) ? rk_buf_cstr(&b) : "(none)",
               g->title[0] ? "  # " : "", g->title);
    json_decref(members);
    rk_buf_free(&b);
    return rc;
}

static int group_list(struct rk_store *st, int json, struct rk_err *err)
{
    struct list_ctx ctx = {st, json ? json_array() : NULL, err};
    int rc = rk_store_group_list(st, print_group, &ctx, err);

    if (rc == 0 && ctx.out)
        cli_print_json(ctx.out);
    json_decref(ctx.out);
    return rc;
}

static int parse_group_args(struct group_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {{"title", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, 'j'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': o->title = optarg; break;
        case 'j': o->json = 1; break;
        default: return cli_usage_error("group", "unknown option '%s'", argv[optind - 1]);
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    return 0;
}

/* `group member add|remove GROUP ORG`: o->args = {add|remove, GROUP, ORG}. */
static int member_action(struct rk_store *st, const struct group_opts *o, struct rk_err *err,
                         int *usage)
{
    if (o->n_args != 3 || (strcmp(o->args[0], "add") != 0 && strcmp(o->args[0], "remove") != 0)) {
        *usage = cli_usage_error("group", "expected 'group member add|remove GROUP ORG'");
        return RK_EINVAL;
    }
    if (strcmp(o->args[0], "add") == 0)
        return rk_store_group_member_add(st, o->args[1], o->args[2], err);
    return rk_store_group_member_remove(st, o->args[1], o->args[2], err);
}

static int run_group(struct rk_cli *cli, struct rk_store *st, const char *verb,
                     const struct group_opts *o, struct rk_err *err, int *usage)
{
    if (strcmp(verb, "member") == 0)
        return member_action(st, o, err, usage);
    if (o->n_args != 1) {
        *usage = cli_usage_error("group", "'group %s' takes one NAME", verb);
        return RK_EINVAL;
    }
    (void)cli;
    if (strcmp(verb, "add") == 0)
        return rk_store_group_add(st, o->args[0], o->title, err);
    return rk_store_group_remove(st, o->args[0], err);
}

int cmd_group(struct rk_cli *cli, int argc, char **argv)
{
    struct group_opts o = {.title = ""};
    struct rk_store *st = NULL;
    const char *verb;
    struct rk_err err;
    int status, usage = 0, rc;

    if (cli_wants_help(argc, argv) || argc < 2) {
        group_usage();
        return argc < 2 ? RK_EXIT_USAGE : RK_EXIT_OK;
    }
    verb = argv[1];
    if (strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0 && strcmp(verb, "list") != 0 &&
        strcmp(verb, "member") != 0)
        return cli_usage_error("group", "unknown action '%s' (add, list, remove, member)", verb);
    if (parse_group_args(&o, argc - 1, argv + 1) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    if (strcmp(verb, "list") == 0) {
        status = cli_access_status("group list", group_list(st, o.json, &err), &err);
    } else {
        rc = run_group(cli, st, verb, &o, &err, &usage);
        status = usage ? usage : cli_access_status("group", rc, &err);
        if (!usage)
            cli_audit_admin(cli, st, argc, argv, status);
        if (status == RK_EXIT_OK && !cli->quiet && strcmp(verb, "member") == 0)
            printf("organisation %s %s group %s\n", o.args[2],
                   strcmp(o.args[0], "add") == 0 ? "joined" : "left", o.args[1]);
        else if (status == RK_EXIT_OK && !cli->quiet)
            printf("%s group %s\n", strcmp(verb, "add") == 0 ? "added" : "removed", o.args[0]);
    }
    rk_store_close(st);
    return status;
}
