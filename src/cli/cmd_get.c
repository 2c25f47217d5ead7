/* cmd_get.c - `renkei get ID`: print one object, some or all of its versions. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define GET_MAX_VERSIONS 64

struct get_state {
    int pretty;
    unsigned long long count;
};

static void get_usage(void)
{
    printf("usage: renkei get [OPTIONS] ID\n\n"
           "Print a stored object, as stored (canonical JSON, one version per line) or\n"
           "indented with --pretty. By default the latest version.\n\n"
           "Options:\n"
           "  -c, --collection C   look only in this collection (id or alias)\n"
           "  --all-versions       every version, oldest first\n"
           "  --first              the earliest version\n"
           "  --version V          the version whose modified timestamp is V (repeatable)\n"
           "  --pretty             indent the JSON\n\n"
           "Exit status: 0 found, 1 not found.\n");
}

static int print_row(const struct rk_store_row *row, void *ctx)
{
    struct get_state *s = ctx;
    json_t *v;

    s->count++;
    if (!s->pretty) {
        fwrite(row->json, 1, row->json_len, stdout);
        fputc('\n', stdout);
        return 0;
    }
    v = json_loadb(row->json, row->json_len, 0, NULL);
    if (!v)
        return RK_EFORMAT;
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(v);
    return 0;
}

static int parse_get_args(struct rk_store_query *q, const char **values, int *pretty, int argc,
                          char **argv)
{
    static const struct option opts[] = {{"collection", required_argument, NULL, 'c'},
                                         {"all-versions", no_argument, NULL, 'A'},
                                         {"first", no_argument, NULL, 'F'},
                                         {"version", required_argument, NULL, 'V'},
                                         {"pretty", no_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': q->collection = optarg; break;
        case 'A': q->versions |= RK_VERSIONS_ALL; break;
        case 'F': q->versions |= RK_VERSIONS_FIRST; break;
        case 'V':
            if (q->n_version_values >= GET_MAX_VERSIONS)
                return cli_usage_error("get", "at most %d --version values", GET_MAX_VERSIONS);
            values[q->n_version_values++] = optarg;
            break;
        case 'p': *pretty = 1; break;
        case 'h': get_usage(); exit(RK_EXIT_OK);
        default: return cli_usage_error("get", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("get", "give exactly one object id");
    return 0;
}

int cmd_get(struct rk_cli *cli, int argc, char **argv)
{
    const char *values[GET_MAX_VERSIONS];
    struct get_state s = {0};
    struct rk_store_query q;
    struct rk_store *st = NULL;
    struct rk_err err;
    const char *id;
    int status, rc;

    rk_store_query_init(&q);
    q.version_values = values;
    if (parse_get_args(&q, values, &s.pretty, argc, argv) != 0)
        return RK_EXIT_USAGE;
    id = argv[argc - 1];
    q.ids = &id;
    q.n_ids = 1;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    rk_err_clear(&err);
    rc = rk_store_query(st, &q, print_row, &s, NULL, &err);
    rk_store_close(st);
    if (rc != 0)
        return cli_fail("get failed", rc, &err);
    if (s.count == 0) {
        cli_error("no object '%s'%s%s", id, q.collection ? " in collection " : "",
                  q.collection ? q.collection : "");
        return RK_EXIT_FAIL;
    }
    return RK_EXIT_OK;
}
