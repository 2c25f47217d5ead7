/* cmd_collection.c - `renkei collection`: collections, who may read and write them, and the
 * sharing defaults stamped on objects posted to them over TAXII. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/store_access.h"
#include "util/buf.h"
#include "util/strparse.h"

#define GRANTS_MAX 64

struct coll_opts {
    const char *title, *description, *unmarked;
    const char *read[GRANTS_MAX], *write[GRANTS_MAX];
    size_t n_read, n_write;
    struct rk_collection_sharing sharing;
    int set_sharing, json;
    char **args;
    int n_args;
};

static void collection_usage(void)
{
    printf("usage: renkei collection add ALIAS [--title T] [--description D] [--read SUBJECT]...\n"
           "                                [--write SUBJECT]... [--group G]... [--unmarked RULE]\n"
           "       renkei collection list [--json]\n"
           "       renkei collection remove COLLECTION\n"
           "       renkei collection grant COLLECTION SUBJECT read|write|read,write\n"
           "       renkei collection revoke COLLECTION SUBJECT\n"
           "       renkei collection sharing COLLECTION [--group G]... [--unmarked RULE]\n\n"
           "A collection is what TAXII clients read from and post to. COLLECTION is its id or\n"
           "alias. Rights are granted per SUBJECT:\n"
           "  org:NAME        the users of one organisation\n"
           "  group:NAME      the users of every organisation in a sharing group\n"
           "  authenticated   every user of this node\n"
           "  public          anyone, without credentials (read only)\n"
           "Rights decide who may use a collection at all; within it, each object is shown only\n"
           "to readers its TLP marking allows (see docs/taxii.md). Writing also needs the\n"
           "writer, admin or sync role.\n\n"
           "Objects posted over TAXII are owned by the poster's organisation, belong to the\n"
           "collection's sharing groups (--group, for TLP:AMBER) and name the poster as a\n"
           "reader (for TLP:RED). --unmarked says what happens to objects without a TLP\n"
           "marking: 'node' (default: they count as the node's default TLP), 'reject', or a\n"
           "level (clear, green, amber, amber+strict, red) they are stored as.\n\n"
           "Exit status: 0 done, 1 refused (exists, not found), 2 usage, 3 store error.\n");
}

/* "org:jpcert", "group:quad", "authenticated", "public" into g (subject borrowed). */
static int parse_subject(const char *s, struct rk_collection_grant *g, struct rk_err *err)
{
    const char *colon = strchr(s, ':');
    char kind[16];

    memset(g, 0, sizeof(*g));
    g->subject = "";
    if (colon && (size_t)(colon - s) < sizeof(kind)) {
        memcpy(kind, s, (size_t)(colon - s));
        kind[colon - s] = '\0';
        g->subject = colon + 1;
    } else {
        rk_strlcpy(kind, s, sizeof(kind));
    }
    if (rk_grant_subject_parse(kind, &g->kind) != 0 ||
        ((g->kind == RK_GRANT_ORG || g->kind == RK_GRANT_GROUP) != (colon != NULL)))
        return rk_err_set(err, RK_EINVAL, "'%s' is not a subject: org:NAME, group:NAME, "
                                          "authenticated or public",
                          s);
    return 0;
}

static int parse_unmarked(const char *s, struct rk_collection_sharing *sh, struct rk_err *err)
{
    enum rk_tlp tlp;

    if (strcmp(s, "node") == 0) {
        sh->unmarked = RK_UNMARKED_NODE_DEFAULT;
    } else if (strcmp(s, "reject") == 0) {
        sh->unmarked = RK_UNMARKED_REJECT;
    } else if (rk_tlp_parse(s, &tlp) == 0 && tlp != RK_TLP_NONE) {
        sh->unmarked = RK_UNMARKED_ASSUME;
        sh->assume_tlp = tlp;
    } else {
        return rk_err_set(err, RK_EINVAL, "--unmarked: '%s' is not node, reject or a TLP level",
                          s);
    }
    return 0;
}

static int add_opt(const char **list, size_t *n, const char *v)
{
    if (*n >= GRANTS_MAX)
        return cli_usage_error("collection", "at most %d values per option", GRANTS_MAX);
    list[(*n)++] = v;
    return 0;
}

static int parse_coll_args(struct coll_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"title", required_argument, NULL, 't'}, {"description", required_argument, NULL, 'd'},
            {"read", required_argument, NULL, 'r'},  {"write", required_argument, NULL, 'w'},
            {"group", required_argument, NULL, 'g'}, {"unmarked", required_argument, NULL, 'u'},
            {"json", no_argument, NULL, 'j'},        {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': o->title = optarg; break;
        case 'd': o->description = optarg; break;
        case 'r':
            if (add_opt(o->read, &o->n_read, optarg))
                return -1;
            break;
        case 'w':
            if (add_opt(o->write, &o->n_write, optarg))
                return -1;
            break;
        case 'g':
            if (o->sharing.n_groups >= RK_SHARING_GROUPS_MAX)
                return cli_usage_error("collection", "at most %d groups", RK_SHARING_GROUPS_MAX);
            rk_strlcpy(o->sharing.groups[o->sharing.n_groups++], optarg, RK_NAME_MAX + 1);
            o->set_sharing = 1;
            break;
        case 'u': o->unmarked = optarg; o->set_sharing = 1; break;
        case 'j': o->json = 1; break;
        default: return cli_usage_error("collection", "unknown option '%s'", argv[optind - 1]);
        }
    }
    o->args = argv + optind;
    o->n_args = argc - optind;
    return 0;
}

/* Check every subject before anything is created, so a typo leaves nothing half made. */
static int check_subjects(struct rk_store *st, const char *const *list, size_t n, int write,
                          struct rk_err *err)
{
    struct rk_collection_grant g;
    struct rk_org_info info;
    int rc;

    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_subject(list[i], &g, err)) != 0)
            return rc;
        if (g.kind == RK_GRANT_ORG && (rc = rk_store_org_get(st, g.subject, &info, err)) != 0)
            return rc;
        if (g.kind == RK_GRANT_GROUP && (rc = rk_store_group_get(st, g.subject, &info, err)) != 0)
            return rc;
        if (g.kind == RK_GRANT_PUBLIC && write)
            return rk_err_set(err, RK_EINVAL, "public grants are read only");
    }
    return 0;
}

/* Set the grant of one subject: read when it is in o->read, write when in o->write. */
static int grant_subjects(struct rk_store *st, const char *coll, const struct coll_opts *o,
                          struct rk_err *err)
{
    const char *const *lists[2] = {o->read, o->write};
    size_t ns[2] = {o->n_read, o->n_write};
    struct rk_collection_grant g;
    int rc;

    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < ns[l]; i++) {
            if ((rc = parse_subject(lists[l][i], &g, err)) != 0)
                return rc;
            for (size_t k = 0; k < o->n_read; k++)
                g.can_read |= strcmp(o->read[k], lists[l][i]) == 0;
            for (size_t k = 0; k < o->n_write; k++)
                g.can_write |= strcmp(o->write[k], lists[l][i]) == 0;
            if (g.kind == RK_GRANT_PUBLIC && g.can_write)
                return rk_err_set(err, RK_EINVAL, "public grants are read only");
            if ((rc = rk_store_grant_set(st, coll, &g, err)) != 0)
                return rc;
        }
    }
    return 0;
}

static int sharing_of(const struct coll_opts *o, struct rk_collection_sharing *sh,
                      struct rk_err *err)
{
    *sh = o->sharing;
    return o->unmarked ? parse_unmarked(o->unmarked, sh, err) : 0;
}

static int coll_add(struct rk_store *st, const struct coll_opts *o, struct rk_err *err)
{
    struct rk_collection_sharing sh;
    struct rk_collection c;
    int rc;

    memset(&c, 0, sizeof(c));
    if (rk_strlcpy(c.alias, o->args[0], sizeof(c.alias)) != 0 || !rk_policy_name_ok(c.alias))
        return rk_err_set(err, RK_EINVAL, "'%s' is not a valid alias (1-64 of a-z A-Z 0-9 . _ -)",
                          o->args[0]);
    rk_strlcpy(c.title, o->title ? o->title : o->args[0], sizeof(c.title));
    rk_strlcpy(c.description, o->description ? o->description : "", sizeof(c.description));
    if ((rc = check_subjects(st, o->read, o->n_read, 0, err)) != 0 ||
        (rc = check_subjects(st, o->write, o->n_write, 1, err)) != 0 ||
        (rc = sharing_of(o, &sh, err)) != 0 || (rc = rk_store_collection_add(st, &c, err)) != 0)
        return rc;
    if ((rc = grant_subjects(st, c.id, o, err)) != 0 ||
        (o->set_sharing && (rc = rk_store_sharing_set(st, c.id, &sh, err)) != 0))
        return rc;
    if (o->json)
        printf("{\"id\":\"%s\",\"alias\":\"%s\"}\n", c.id, c.alias);
    else
        printf("added collection %s (id %s)\n", c.alias, c.id);
    return 0;
}

/* `grant COLLECTION SUBJECT read|write|read,write` */
static int coll_grant(struct rk_store *st, const struct coll_opts *o, struct rk_err *err)
{
    struct rk_collection_grant g;
    const char *how;
    int rc;

    if (o->n_args != 3)
        return rk_err_set(err, RK_EINVAL, "expected 'collection grant COLLECTION SUBJECT "
                                          "read|write|read,write'");
    how = o->args[2];
    if ((rc = parse_subject(o->args[1], &g, err)) != 0)
        return rc;
    g.can_read = strcmp(how, "read") == 0 || strcmp(how, "read,write") == 0;
    g.can_write = strcmp(how, "write") == 0 || strcmp(how, "read,write") == 0;
    if (!g.can_read && !g.can_write)
        return rk_err_set(err, RK_EINVAL, "'%s': give read, write or read,write", how);
    if (g.kind == RK_GRANT_PUBLIC && g.can_write)
        return rk_err_set(err, RK_EINVAL, "public grants are read only");
    if ((rc = rk_store_grant_set(st, o->args[0], &g, err)) == 0)
        printf("granted %s on %s to %s\n", how, o->args[0], o->args[1]);
    return rc;
}

static int coll_revoke(struct rk_store *st, const struct coll_opts *o, struct rk_err *err)
{
    struct rk_collection_grant g;
    struct rk_collection c;
    int rc;

    if (o->n_args != 2)
        return rk_err_set(err, RK_EINVAL, "expected 'collection revoke COLLECTION SUBJECT'");
    if ((rc = parse_subject(o->args[1], &g, err)) != 0 ||
        (rc = rk_store_collection_get(st, o->args[0], &c, err)) != 0 ||
        (rc = rk_store_grant_remove(st, c.id, g.kind, g.subject, err)) != 0)
        return rc;
    printf("revoked the rights of %s on %s\n", o->args[1], o->args[0]);
    return 0;
}

static int coll_sharing(struct rk_store *st, const struct coll_opts *o, struct rk_err *err)
{
    struct rk_collection_sharing sh;
    int rc;

    if (o->n_args != 1)
        return rk_err_set(err, RK_EINVAL, "expected 'collection sharing COLLECTION [--group G]... "
                                          "[--unmarked RULE]'");
    if ((rc = sharing_of(o, &sh, err)) != 0 ||
        (rc = rk_store_sharing_set(st, o->args[0], &sh, err)) != 0)
        return rc;
    printf("sharing defaults of %s set (%zu group%s)\n", o->args[0], sh.n_groups,
           sh.n_groups == 1 ? "" : "s");
    return 0;
}

/* ---- list ---- */

struct list_ctx {
    struct rk_store *st;
    json_t *out;
    struct rk_buf grants;
    struct rk_err *err;
};

static const char *rights_text(const struct rk_collection_grant *g)
{
    return g->can_read && g->can_write ? "read,write" : g->can_read ? "read" : "write";
}

static int add_grant(const char *coll, const struct rk_collection_grant *g, void *ctxp)
{
    struct list_ctx *ctx = ctxp;
    const char *kind = rk_grant_subject_name(g->kind);

    (void)coll;
    return rk_buf_printf(&ctx->grants, "%s%s%s%s %s", rk_buf_len(&ctx->grants) ? "; " : "",
                         kind, g->subject[0] ? ":" : "", g->subject, rights_text(g));
}

static void unmarked_text(const struct rk_collection_sharing *sh, char *out, size_t cap)
{
    if (sh->unmarked == RK_UNMARKED_REJECT)
        snprintf(out, cap, "reject");
    else if (sh->unmarked == RK_UNMARKED_ASSUME)
        snprintf(out, cap, "%s", rk_tlp_name(sh->assume_tlp));
    else
        snprintf(out, cap, "node");
}

static int print_collection(const struct rk_collection *c, void *ctxp)
{
    struct list_ctx *ctx = ctxp;
    struct rk_collection_sharing sh;
    char unmarked[32];
    json_t *groups;
    int rc;

    rk_buf_reset(&ctx->grants);
    if ((rc = rk_store_grant_list(ctx->st, c->id, add_grant, ctx, ctx->err)) != 0 ||
        (rc = rk_store_sharing_get(ctx->st, c->id, &sh, ctx->err)) != 0)
        return rc;
    unmarked_text(&sh, unmarked, sizeof(unmarked));
    if (ctx->out) {
        groups = json_array();
        for (size_t i = 0; i < sh.n_groups; i++)
            json_array_append_new(groups, json_string(sh.groups[i]));
        json_array_append_new(ctx->out,
                              json_pack("{s:s,s:s,s:s,s:s,s:o,s:s}", "id", c->id, "alias",
                                        c->alias, "title", c->title, "rights",
                                        rk_buf_cstr(&ctx->grants), "sharing_groups", groups,
                                        "unmarked", unmarked));
        return 0;
    }
    printf("%-16s %s  %s\n", c->alias[0] ? c->alias : "-", c->id, c->title);
    printf("    rights: %s\n", rk_buf_len(&ctx->grants) ? rk_buf_cstr(&ctx->grants)
                                                       : "(none: no TAXII client can use it)");
    printf("    posted objects: groups");
    for (size_t i = 0; i < sh.n_groups; i++)
        printf("%s%s", i ? ", " : " ", sh.groups[i]);
    printf("%s; unmarked: %s\n", sh.n_groups ? "" : " (none)", unmarked);
    return 0;
}

static int coll_list(struct rk_store *st, const struct coll_opts *o, struct rk_err *err)
{
    struct list_ctx ctx = {st, o->json ? json_array() : NULL, {0}, err};
    int rc;

    rk_buf_init(&ctx.grants, 1 << 20);
    if ((rc = rk_store_collection_list(st, print_collection, &ctx, err)) == 0 && ctx.out)
        cli_print_json(ctx.out);
    json_decref(ctx.out);
    rk_buf_free(&ctx.grants);
    return rc;
}

static int run_collection(struct rk_store *st, const char *verb, const struct coll_opts *o,
                          struct rk_err *err)
{
    if (strcmp(verb, "list") == 0)
        return coll_list(st, o, err);
    if (strcmp(verb, "grant") == 0)
        return coll_grant(st, o, err);
    if (strcmp(verb, "revoke") == 0)
        return coll_revoke(st, o, err);
    if (strcmp(verb, "sharing") == 0)
        return coll_sharing(st, o, err);
    if (o->n_args != 1)
        return rk_err_set(err, RK_EINVAL, "'collection %s' takes one collection", verb);
    if (strcmp(verb, "add") == 0)
        return coll_add(st, o, err);
    if (rk_store_collection_remove(st, o->args[0], err) != 0)
        return err->code ? err->code : RK_EIO;
    printf("removed collection %s and every object in it\n", o->args[0]);
    return 0;
}

int cmd_collection(struct rk_cli *cli, int argc, char **argv)
{
    static const char *const verbs[] = {"add", "list", "remove", "grant", "revoke", "sharing"};
    struct coll_opts o;
    struct rk_store *st = NULL;
    struct rk_err err;
    int status, known = 0;

    if (cli_wants_help(argc, argv) || argc < 2) {
        collection_usage();
        return argc < 2 ? RK_EXIT_USAGE : RK_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        known |= strcmp(argv[1], verbs[i]) == 0;
    if (!known)
        return cli_usage_error("collection", "unknown action '%s' (add, list, remove, grant, "
                                             "revoke, sharing)",
                               argv[1]);
    memset(&o, 0, sizeof(o));
    if (parse_coll_args(&o, argc - 1, argv + 1) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    status = cli_access_status("collection", run_collection(st, argv[1], &o, &err), &err);
    if (strcmp(argv[1], "list") != 0)
        cli_audit_admin(cli, st, argc, argv, status);
    rk_store_close(st);
    return status;
}
