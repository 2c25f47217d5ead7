/* cmd_stats.c - `renkei stats`: what the store holds. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/rktime.h"

struct stats_ctx {
    struct rk_store *st;
    json_t *collections; /* array, for --json */
    json_t *types;       /* object type -> count */
    int json;
    struct rk_err *err;
};

static void stats_usage(void)
{
    printf("usage: renkei stats [OPTIONS]\n\n"
           "Show the node's store: collections with their object and version counts, counts\n"
           "per STIX type, conflicts and the database size.\n\n"
           "Options:\n"
           "  -c, --collection C   count only this collection's types\n"
           "  --conflicts          list every recorded conflict (same id and version, other\n"
           "                       content; the first copy was kept)\n"
           "  --json               machine-readable output\n");
}

static int count_rows(struct rk_store *st, const char *collection, unsigned versions,
                      uint64_t *out, struct rk_err *err)
{
    struct rk_store_query q;

    rk_store_query_init(&q);
    q.collection = collection;
    q.versions = versions;
    q.without_json = 1;
    return rk_store_count(st, &q, out, err);
}

static int add_collection(const struct rk_collection *c, void *ctxp)
{
    struct stats_ctx *ctx = ctxp;
    uint64_t objects = 0, versions = 0;
    int rc;

    if ((rc = count_rows(ctx->st, c->id, RK_VERSIONS_LAST, &objects, ctx->err)) != 0 ||
        (rc = count_rows(ctx->st, c->id, RK_VERSIONS_ALL, &versions, ctx->err)) != 0)
        return rc;
    if (ctx->json) {
        json_array_append_new(ctx->collections,
                              json_pack("{s:s,s:s,s:s,s:I,s:I}", "id", c->id, "alias", c->alias,
                                        "title", c->title, "objects", (json_int_t)objects,
                                        "versions", (json_int_t)versions));
        return 0;
    }
    printf("  %-12s %-36s %9llu objects %9llu versions  %s\n", c->alias[0] ? c->alias : "-",
           c->id, (unsigned long long)objects, (unsigned long long)versions, c->title);
    return 0;
}

static int add_type(const char *type, uint64_t count, void *ctxp)
{
    struct stats_ctx *ctx = ctxp;

    if (ctx->json)
        json_object_set_new(ctx->types, type, json_integer((json_int_t)count));
    else
        printf("  %-32s %9llu\n", type, (unsigned long long)count);
    return 0;
}

static int print_conflict(const struct rk_store_conflict *c, void *ctx)
{
    char at[RK_TIME_STR_MAX];

    (void)ctx;
    rk_time_format_us(c->at_us, at, sizeof(at));
    printf("  %s %s version %s: kept sha256 %.16s…, refused %.16s… from %s\n", at, c->id,
           c->version ? c->version : "(unversioned)", c->kept_sha256, c->offered_sha256,
           c->source ? c->source : "?");
    return 0;
}

static void print_header(struct rk_store *st, const struct rk_store_stats *s, const char *dir)
{
    char name[256] = "", org[256] = "";

    rk_store_setting_get(st, "node.name", name, sizeof(name), NULL);
    rk_store_setting_get(st, "node.org", org, sizeof(org), NULL);
    printf("node %s (organisation %s), data in %s\n", name[0] ? name : "?", org[0] ? org : "?",
           dir);
    printf("store: %llu collections, %llu objects, %llu versions, %llu conflicts, %.1f MB\n",
           (unsigned long long)s->collections, (unsigned long long)s->objects,
           (unsigned long long)s->versions, (unsigned long long)s->conflicts,
           (double)s->db_bytes / 1e6);
}

static int stats_json(struct stats_ctx *ctx, const struct rk_store_stats *s, const char *coll)
{
    json_t *doc;
    int rc;

    ctx->collections = json_array();
    ctx->types = json_object();
    if ((rc = rk_store_collection_list(ctx->st, add_collection, ctx, ctx->err)) != 0 ||
        (rc = rk_store_count_by_type(ctx->st, coll, add_type, ctx, ctx->err)) != 0) {
        json_decref(ctx->collections);
        json_decref(ctx->types);
        return rc;
    }
    doc = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "collections", (json_int_t)s->collections,
                    "objects", (json_int_t)s->objects, "versions", (json_int_t)s->versions,
                    "conflicts", (json_int_t)s->conflicts, "db_bytes", (json_int_t)s->db_bytes,
                    "by_collection", ctx->collections, "by_type", ctx->types);
    json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(doc);
    return 0;
}

static int stats_text(struct stats_ctx *ctx, const struct rk_store_stats *s, const char *coll,
                      const char *dir, int conflicts)
{
    int rc;

    print_header(ctx->st, s, dir);
    printf("collections:\n");
    if ((rc = rk_store_collection_list(ctx->st, add_collection, ctx, ctx->err)) != 0)
        return rc;
    printf("objects per type (all versions%s%s):\n", coll ? ", collection " : "", coll ? coll : "");
    if ((rc = rk_store_count_by_type(ctx->st, coll, add_type, ctx, ctx->err)) != 0)
        return rc;
    if (conflicts) {
        printf("conflicts:\n");
        rc = rk_store_conflict_list(ctx->st, print_conflict, NULL, ctx->err);
    }
    return rc;
}

int cmd_stats(struct rk_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"collection", required_argument, NULL, 'c'},
                                         {"conflicts", no_argument, NULL, 'C'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct stats_ctx ctx = {0};
    struct rk_store_stats s;
    const char *coll = NULL;
    struct rk_err err;
    int c, conflicts = 0, status, rc;

    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': coll = optarg; break;
        case 'C': conflicts = 1; break;
        case 'j': ctx.json = 1; break;
        case 'h': stats_usage(); return RK_EXIT_OK;
        default: return cli_usage_error("stats", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if ((status = cli_open_store(cli, 0, &ctx.st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    ctx.err = &err;
    rc = rk_store_stats(ctx.st, &s, &err);
    if (rc == 0)
        rc = ctx.json ? stats_json(&ctx, &s, coll) : stats_text(&ctx, &s, coll, cli->data_dir,
                                                                 conflicts);
    rk_store_close(ctx.st);
    return rc ? cli_fail("stats failed", rc, &err) : RK_EXIT_OK;
}
