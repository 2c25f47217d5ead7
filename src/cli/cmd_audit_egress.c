/* cmd_audit_egress.c - `renkei audit egress`: every object this node sent to a partner, from
 * the hash-chained egress log; --verify checks the chain and reports any break. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "renkei/store_sync.h"
#include "util/digest.h"
#include "util/rktime.h"
#include "util/strparse.h"

struct egress_opts {
    struct rk_egress_filter f;
    int json, verify;
};

static void egress_usage(void)
{
    printf("usage: renkei audit egress [--partner P] [--object ID] [--since WHEN] [--until WHEN]\n"
           "                           [--limit N] [--json]\n"
           "       renkei audit egress --verify [--json]\n\n"
           "Print the egress log, oldest first: one entry per object sent to a partner, pushed\n"
           "by sync or read by the partner's sync account over TAXII (when, partner, the\n"
           "collection: theirs for a push, ours for a read, object id and version, the SHA-256\n"
           "of the JSON sent, the request it went in: a push batch id, or read:ID for a page\n"
           "read). Entries are written before the objects leave, so every object that left has\n"
           "one; an object sent again after a failure, a crash or a repeated read has two.\n\n"
           "Each entry carries the SHA-256 of the previous entry and of itself: --verify\n"
           "recomputes the chain from the start and reports the first entry where it breaks\n"
           "(an entry changed, removed or reordered) and how many breaks there are. It prints\n"
           "the last entry's number and hash: keep them elsewhere to notice entries removed\n"
           "from the end.\n\n"
           "WHEN is a timestamp (2024-05-01T00:00:00Z) or an age (90s, 15m, 2h, 7d).\n"
           "--limit N shows the N most recent matching entries (default 1000; 0: all).\n\n"
           "Exit status: 0 done (with --verify: the chain holds), 1 the chain is broken,\n"
           "2 usage, 3 store error.\n");
}

static int parse_egress_args(struct egress_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"partner", required_argument, NULL, 'p'}, {"object", required_argument, NULL, 'o'},
            {"since", required_argument, NULL, 's'},   {"until", required_argument, NULL, 't'},
            {"limit", required_argument, NULL, 'n'},   {"json", no_argument, NULL, 'j'},
            {"verify", no_argument, NULL, 'v'},        {NULL, 0, NULL, 0}};
    uint64_t n;
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p': o->f.partner = optarg; break;
        case 'o': o->f.object_id = optarg; break;
        case 's':
        case 't':
            if (cli_parse_when(optarg, c == 's' ? &o->f.since_us : &o->f.until_us) != 0)
                return cli_usage_error("audit egress", "'%s' is not a timestamp or an age like "
                                                       "2h", optarg);
            break;
        case 'n':
            if (rk_parse_uint(optarg, 100000000, &n) != 0)
                return cli_usage_error("audit egress", "--limit takes a number");
            o->f.limit = (size_t)n;
            break;
        case 'j': o->json = 1; break;
        case 'v': o->verify = 1; break;
        default: return cli_usage_error("audit egress", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("audit egress", "unexpected argument '%s'", argv[optind]);
    return 0;
}

static int print_entry(const struct rk_egress_entry *e, void *ctx)
{
    json_t *list = ctx;
    char at[RK_TIME_STR_MAX], sha[2 * RK_EGRESS_HASH_LEN + 1], hash[2 * RK_EGRESS_HASH_LEN + 1];

    rk_time_format_us(e->at_us, at, sizeof(at));
    rk_hex_encode(sha, e->sha256, RK_EGRESS_HASH_LEN);
    rk_hex_encode(hash, e->hash, RK_EGRESS_HASH_LEN);
    if (list) {
        json_array_append_new(list, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "seq",
                                              (json_int_t)e->seq, "at", at, "partner",
                                              e->partner, "collection", e->collection, "object",
                                              e->object_id, "version", e->version, "sha256",
                                              sha, "batch", e->batch, "hash", hash));
        return 0;
    }
    printf("#%lld %s %-12s %s %s %s sha256:%.16s\n", (long long)e->seq, at, e->partner,
           e->collection, e->object_id, e->version[0] ? e->version : "-", sha);
    return 0;
}

static int verify(struct rk_store *st, int json)
{
    struct rk_egress_check c;
    char head[2 * RK_EGRESS_HASH_LEN + 1];
    struct rk_err err;
    json_t *j;

    rk_err_clear(&err);
    if (rk_store_egress_verify(st, &c, &err) != 0)
        return cli_fail("audit egress --verify", err.code, &err);
    rk_hex_encode(head, c.head, RK_EGRESS_HASH_LEN);
    if (json) {
        j = json_pack("{s:b,s:I,s:I,s:I,s:s,s:I,s:s}", "intact", c.breaks == 0, "entries",
                      (json_int_t)c.entries, "breaks", (json_int_t)c.breaks, "first_bad_seq",
                      (json_int_t)c.first_bad_seq, "problem", c.problem, "head_seq",
                      (json_int_t)c.head_seq, "head_hash", head);
        cli_print_json(j);
        json_decref(j);
    } else if (c.breaks == 0) {
        printf("egress log: %llu entries, the chain holds; last entry #%lld hash %s\n",
               (unsigned long long)c.entries, (long long)c.head_seq, head);
    } else {
        printf("egress log: %llu entries, the CHAIN IS BROKEN at entry #%lld: %s (%llu "
               "break%s in all)\n", (unsigned long long)c.entries, (long long)c.first_bad_seq,
               c.problem, (unsigned long long)c.breaks, c.breaks == 1 ? "" : "s");
    }
    return c.breaks == 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
}

int cmd_audit_egress(struct rk_cli *cli, int argc, char **argv)
{
    struct egress_opts o = {.f = {.limit = 1000}};
    struct rk_store *st = NULL;
    struct rk_err err;
    json_t *list;
    int status, rc;

    if (cli_wants_help(argc, argv)) {
        egress_usage();
        return RK_EXIT_OK;
    }
    if (parse_egress_args(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    if ((status = cli_open_store(cli, 0, &st)) != RK_EXIT_OK)
        return status;
    if (o.verify) {
        status = verify(st, o.json);
        rk_store_close(st);
        return status;
    }
    rk_err_clear(&err);
    list = o.json ? json_array() : NULL;
    rc = rk_store_egress_query(st, &o.f, print_entry, list, &err);
    if (rc == 0 && list)
        cli_print_json(list);
    json_decref(list);
    rk_store_close(st);
    return rc ? cli_fail("audit egress", rc, &err) : RK_EXIT_OK;
}
