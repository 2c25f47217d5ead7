/* cmd_export.c - `renkei export`: stored objects as a STIX bundle or JSON lines. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util/rktime.h"
#include "util/uuid.h"

#define EXPORT_MAX_LIST 256

struct export_opts {
    const char *output; /* NULL: stdout */
    int ndjson;
    int all_versions;
    struct rk_store_query q;
    const char *types[EXPORT_MAX_LIST];
    const char *ids[EXPORT_MAX_LIST];
};

struct export_state {
    FILE *out;
    int ndjson;
    unsigned long long count;
};

static void export_usage(void)
{
    printf("usage: renkei export [OPTIONS]\n\n"
           "Write stored objects, in the order they were added, as one STIX 2.1 bundle or as\n"
           "JSON lines (one object per line). Objects are written exactly as stored (canonical\n"
           "JSON). Without filters every object of every collection is written, latest\n"
           "version only.\n\n"
           "Options:\n"
           "  -o, --output FILE     write to FILE instead of standard output\n"
           "  --format F            bundle (default) or ndjson\n"
           "  -c, --collection C    only this collection (id or alias)\n"
           "  -t, --type T          only this STIX type (repeatable)\n"
           "  --id ID               only this object id (repeatable)\n"
           "  --added-after TS      only objects added after the RFC 3339 timestamp TS\n"
           "  --all-versions        every stored version, not only the latest\n");
}

static int add_to_list(const char **list, size_t *n, const char *v)
{
    if (*n >= EXPORT_MAX_LIST)
        return cli_usage_error("export", "at most %d values per option", EXPORT_MAX_LIST);
    list[(*n)++] = v;
    return 0;
}

static int parse_added_after(const char *s, int64_t *out)
{
    struct rk_time t;
    struct rk_err err;

    rk_err_clear(&err);
    if (rk_time_parse(&t, s, strlen(s), RK_TIME_RFC3339, &err) != 0)
        return cli_usage_error("export", "--added-after: %s", err.message);
    *out = rk_time_to_us(&t);
    return 0;
}

static int parse_export_args(struct export_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"output", required_argument, NULL, 'o'},  {"format", required_argument, NULL, 'f'},
            {"collection", required_argument, NULL, 'c'}, {"type", required_argument, NULL, 't'},
            {"id", required_argument, NULL, 'i'},      {"added-after", required_argument, NULL, 'a'},
            {"all-versions", no_argument, NULL, 'A'},  {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "o:c:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->output = optarg; break;
        case 'f':
            if (strcmp(optarg, "ndjson") != 0 && strcmp(optarg, "bundle") != 0)
                return cli_usage_error("export", "--format is bundle or ndjson, not '%s'", optarg);
            o->ndjson = strcmp(optarg, "ndjson") == 0;
            break;
        case 'c': o->q.collection = optarg; break;
        case 't': rc = add_to_list(o->types, &o->q.n_types, optarg); break;
        case 'i': rc = add_to_list(o->ids, &o->q.n_ids, optarg); break;
        case 'a': rc = parse_added_after(optarg, &o->q.added_after_us); break;
        case 'A': o->q.versions = RK_VERSIONS_ALL; break;
        case 'h': export_usage(); exit(RK_EXIT_OK);
        default: return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc == 0 && optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    return rc;
}

static int write_row(const struct rk_store_row *row, void *ctx)
{
    struct export_state *s = ctx;

    if (!s->ndjson && s->count > 0)
        fputs(",\n", s->out);
    fwrite(row->json, 1, row->json_len, s->out);
    if (s->ndjson)
        fputc('\n', s->out);
    s->count++;
    return ferror(s->out) ? RK_EIO : 0;
}

static int run_export(struct rk_store *st, struct export_opts *o, FILE *out)
{
    struct export_state s = {.out = out, .ndjson = o->ndjson};
    char uuid[RK_UUID_STR];
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    if (!o->ndjson) {
        rk_uuid_v4(uuid);
        fprintf(out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[\n", uuid);
    }
    rc = rk_store_query(st, &o->q, write_row, &s, NULL, &err);
    if (rc == RK_EIO && !err.message[0])
        rk_err_set(&err, rc, "write failed: %s", strerror(errno));
    if (rc != 0)
        return cli_fail("export failed", rc, &err);
    if (!o->ndjson)
        fputs("\n]}\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        cli_error("export: cannot write the output: %s", strerror(errno));
        return RK_EXIT_ERROR;
    }
    if (o->output)
        fprintf(stderr, "export: %llu objects written to %s\n", s.count, o->output);
    return RK_EXIT_OK;
}

int cmd_export(struct rk_cli *cli, int argc, char **argv)
{
    struct export_opts o;
    struct rk_store *st = NULL;
    FILE *out = stdout;
    int status;

    memset(&o, 0, sizeof(o));
    rk_store_query_init(&o.q);
    o.q.types = o.types;
    o.q.ids = o.ids;
    if (parse_export_args(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    if (o.output && !(out = fopen(o.output, "w"))) {
        cli_error("export: cannot create '%s': %s", o.output, strerror(errno));
        rk_store_close(st);
        return RK_EXIT_ERROR;
    }
    status = run_export(st, &o, out);
    if (out != stdout && fclose(out) != 0 && status == RK_EXIT_OK) {
        cli_error("export: cannot write '%s': %s", o.output, strerror(errno));
        status = RK_EXIT_ERROR;
    }
    rk_store_close(st);
    return status;
}
