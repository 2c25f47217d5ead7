/* cmd_match.c - `renkei match`: look indicators up in lists, logs and captures.
 *
 * Two modes. grep mode (only --list sources, no --format): prints the input lines whose value
 * is listed, like grepcidr -x and grep -F -x, or their count. Structured mode (any other
 * case): values are extracted from JSON lines, CSV, text or pcap, each hit is a JSON line,
 * and sightings can go to the store. docs/match.md is the manual.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "renkei/match.h"
#include "renkei/stix.h"
#include "util/buf.h"
#include "util/rktime.h"
#include "util/strparse.h"

#define MATCH_MAX_SOURCES 64
#define MATCH_MAX_LIST    (1u << 30) /* bytes of one list file */
#define MATCH_EXIT_ERROR  2          /* grep's: 0 found, 1 not found, 2 trouble */

struct match_opts {
    const char *lists[MATCH_MAX_SOURCES], *bundles[MATCH_MAX_SOURCES];
    const char *collections[MATCH_MAX_SOURCES], *warnlists[MATCH_MAX_SOURCES];
    size_t n_lists, n_bundles, n_collections, n_warnlists;
    const char *index_in, *index_out, *output, *column, *sight_coll;
    int count, invert, exact, no_warn, show_suppressed, sightings, format_given;
    char sep;
    struct rk_match_extract_options xo;
    int64_t at_us, window_us;
    unsigned threads;
    char **inputs;
    int n_inputs;
};

/* What a structured run counts and prints. */
struct match_run {
    struct rk_cli *cli;
    struct match_opts *o;
    struct rk_match_index *ix;
    struct rk_match_matcher *m;
    FILE *out;
    struct rk_buf line;
    const char *input;
    uint64_t printed, bad_records, records, values;
    int write_failed;
};

static void match_usage(void)
{
    printf("usage: renkei match [OPTIONS] [INPUT...]\n\n"
           "Look indicators up in inputs (files, or - / nothing for standard input).\n\n"
           "Indicators (at least one):\n"
           "  -l, --list FILE         a plain list: IPs, CIDRs, ranges, domains, URLs, e-mail\n"
           "                          addresses, hashes, as real lists come (repeatable)\n"
           "  -b, --bundle FILE       STIX indicators from a bundle, JSON array or JSON lines\n"
           "  -C, --collection C      STIX indicators stored in collection C ('*': all); the\n"
           "                          compiled index is kept in DATA/match/ and rebuilt when\n"
           "                          the collection changes\n"
           "  --index FILE            a compiled index (see --save-index)\n"
           "  --save-index FILE       write the compiled index to FILE\n\n"
           "Grep mode (only --list sources and no --format): INPUT has one value per line;\n"
           "prints the lines whose value is listed, exactly as they are, like grepcidr -x and\n"
           "grep -F -x (domains also match their subdomains, hashes ignore case).\n"
           "  -c, --count             print the number of selected lines instead\n"
           "  -v, --invert-match      select lines holding a value of a listed kind that is\n"
           "                          not listed\n"
           "  -j, --threads N         threads (default: the number of CPUs)\n\n"
           "Structured mode (anything else): one JSON line per value that matched.\n"
           "  -f, --format F          json (Zeek, Suricata eve), csv, text, pcap (also pcapng),\n"
           "                          lines; default: pcap or json by content, else lines\n"
           "  --column NAME[,NAME]    CSV columns to read (implies --format csv)\n"
           "  --separator C           CSV separator (default ',')\n"
           "  -c, --count             print the number of matching values instead\n"
           "  --at TIME               indicators must be valid at TIME (RFC 3339; default now)\n"
           "  -w, --warninglists P    MISP warning lists: a file or a directory of *.json\n"
           "                          (repeatable; default DATA/warninglists when it exists)\n"
           "  --no-warninglists       use none\n"
           "  --show-suppressed       print suppressed values too, with \"suppressed_by\"\n"
           "  --sightings             store a STIX sighting per indicator per time window\n"
           "  --sightings-collection C  where (default: \"default\")\n"
           "  --window DURATION       sighting window (default 1h; s, m, h, d suffixes)\n"
           "  -o, --output FILE       write the JSON lines to FILE\n\n"
           "Both modes:\n"
           "  -x, --exact-domains     a listed domain matches only itself\n\n"
           "Exit status: 0 something matched, 1 nothing did, 2 an error.\n");
}

static int add_src(const char **list, size_t *n, const char *v)
{
    if (*n >= MATCH_MAX_SOURCES)
        return cli_usage_error("match", "at most %d values per option", MATCH_MAX_SOURCES);
    list[(*n)++] = v;
    return 0;
}

static int parse_format(struct match_opts *o, const char *f)
{
    static const struct {
        const char *name;
        int format;
    } names[] = {{"json", RK_MATCH_FMT_JSON}, {"csv", RK_MATCH_FMT_CSV},
                 {"text", RK_MATCH_FMT_TEXT}, {"pcap", RK_MATCH_FMT_PCAP},
                 {"pcapng", RK_MATCH_FMT_PCAP}, {"lines", RK_MATCH_FMT_LINES},
                 {"auto", -1}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(f, names[i].name) == 0) {
            o->xo.format = names[i].format;
            o->format_given = 1;
            return 0;
        }
    }
    return cli_usage_error("match", "--format: unknown format '%s'", f);
}

static int parse_time_opt(const char *s, int64_t *out)
{
    struct rk_time t;

    if (rk_time_parse(&t, s, strlen(s), RK_TIME_RFC3339, NULL) != 0)
        return cli_usage_error("match", "--at: '%s' is not an RFC 3339 time", s);
    *out = rk_time_to_us(&t);
    return 0;
}

static int parse_value_opt(struct match_opts *o, int c, const char *arg)
{
    uint64_t v;

    switch (c) {
    case 'j':
        if (rk_parse_uint(arg, 64, &v) != 0 || v == 0)
            return cli_usage_error("match", "--threads takes a number from 1 to 64");
        o->threads = (unsigned)v;
        return 0;
    case 'W':
        if (rk_parse_duration(arg, &v) != 0 || v == 0 || v > 366ULL * 86400)
            return cli_usage_error("match", "--window takes a duration such as 1h or 15m");
        o->window_us = (int64_t)v * 1000000;
        return 0;
    case 'S':
        if (strlen(arg) != 1)
            return cli_usage_error("match", "--separator takes one character");
        o->sep = arg[0];
        return 0;
    case 'A': return parse_time_opt(arg, &o->at_us);
    case 'f': return parse_format(o, arg);
    default: return cli_usage_error("match", "unknown option");
    }
}

static int parse_match_args(struct match_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"list", required_argument, NULL, 'l'}, {"bundle", required_argument, NULL, 'b'},
            {"collection", required_argument, NULL, 'C'}, {"index", required_argument, NULL, 'I'},
            {"save-index", required_argument, NULL, 'O'}, {"count", no_argument, NULL, 'c'},
            {"invert-match", no_argument, NULL, 'v'}, {"threads", required_argument, NULL, 'j'},
            {"format", required_argument, NULL, 'f'}, {"column", required_argument, NULL, 'K'},
            {"separator", required_argument, NULL, 'S'}, {"at", required_argument, NULL, 'A'},
            {"warninglists", required_argument, NULL, 'w'}, {"no-warninglists", no_argument, NULL, 'N'},
            {"show-suppressed", no_argument, NULL, 'P'}, {"sightings", no_argument, NULL, 's'},
            {"sightings-collection", required_argument, NULL, 'T'},
            {"window", required_argument, NULL, 'W'}, {"output", required_argument, NULL, 'o'},
            {"exact-domains", no_argument, NULL, 'x'}, {"help", no_argument, NULL, 'h'},
            {NULL, 0, NULL, 0}};
    int c, rc = 0;

    while (rc == 0 && (c = getopt_long(argc, argv, "l:b:C:cvj:f:w:o:xh", opts, NULL)) != -1) {
        switch (c) {
        case 'l': rc = add_src(o->lists, &o->n_lists, optarg); break;
        case 'b': rc = add_src(o->bundles, &o->n_bundles, optarg); break;
        case 'C': rc = add_src(o->collections, &o->n_collections, optarg); break;
        case 'w': rc = add_src(o->warnlists, &o->n_warnlists, optarg); break;
        case 'I': o->index_in = optarg; break;
        case 'O': o->index_out = optarg; break;
        case 'c': o->count = 1; break;
        case 'v': o->invert = 1; break;
        case 'K':
            o->column = optarg;
            if (!o->format_given) {
                o->xo.format = RK_MATCH_FMT_CSV;
                o->format_given = 1;
            }
            break;
        case 'N': o->no_warn = 1; break;
        case 'P': o->show_suppressed = 1; break;
        case 's': o->sightings = 1; break;
        case 'T': o->sight_coll = optarg; break;
        case 'o': o->output = optarg; break;
        case 'x': o->exact = 1; break;
        case 'h': match_usage(); exit(RK_EXIT_OK);
        case '?': rc = cli_usage_error("match", "unknown option '%s'", argv[optind - 1]); break;
        default: rc = parse_value_opt(o, c, optarg); break;
        }
    }
    if (rc != 0)
        return rc;
    if (!o->n_lists && !o->n_bundles && !o->n_collections && !o->index_in)
        return cli_usage_error("match", "no indicators: give --list, --bundle, --collection or "
                                        "--index");
    o->inputs = argv + optind;
    o->n_inputs = argc - optind;
    return 0;
}

/* ---- inputs ---------------------------------------------------------------------------------- */

struct input {
    const char *name;
    char *data;   /* mmap'd, or read into memory (stdin) */
    size_t len;
    int mapped;
};

static int input_open(struct input *in, const char *path)
{
    struct stat sb;
    int fd;

    memset(in, 0, sizeof(*in));
    in->name = path;
    if (strcmp(path, "-") == 0) {
        struct rk_buf b;
        struct rk_err err;

        rk_err_clear(&err);
        rk_buf_init(&b, RK_BUF_UNLIMITED);
        if (rk_buf_read_file(&b, "-", &err) != 0) {
            rk_buf_free(&b);
            return cli_fail("standard input", RK_EIO, &err);
        }
        in->len = rk_buf_len(&b);
        in->data = rk_buf_detach(&b, &in->len);
        in->name = "-";
        return in->data || in->len == 0 ? 0 : MATCH_EXIT_ERROR;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return MATCH_EXIT_ERROR;
    }
    in->len = (size_t)sb.st_size;
    if (in->len > 0) {
        in->data = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (in->data == MAP_FAILED) {
            cli_error("%s: %s", path, strerror(errno));
            close(fd);
            return MATCH_EXIT_ERROR;
        }
        madvise(in->data, in->len, MADV_SEQUENTIAL);
        in->mapped = 1;
    }
    close(fd);
    return 0;
}

static void input_close(struct input *in)
{
    if (in->mapped)
        munmap(in->data, in->len);
    else
        free(in->data);
}

/* ---- building the index -------------------------------------------------------------------- */

static int add_lists(struct match_opts *o, struct rk_match_builder *b, struct rk_cli *cli)
{
    for (size_t i = 0; i < o->n_lists; i++) {
        struct rk_match_list_stats st;
        struct input text;
        struct rk_err err;
        int rc;

        rk_err_clear(&err);
        if (input_open(&text, o->lists[i]) != 0) /* mapped: no copy of a large list */
            return RK_EXIT_ERROR;
        if (text.len > MATCH_MAX_LIST)
            rc = rk_err_set(&err, RK_ELIMIT, "file too large (cap %u bytes)", MATCH_MAX_LIST);
        else
            rc = rk_match_builder_add_list(b, text.data ? text.data : "", text.len, o->lists[i],
                                           &st, &err);
        input_close(&text);
        if (rc != 0)
            return cli_fail(o->lists[i], rc, &err);
        for (size_t e = 0; e < st.errors_kept && !cli->quiet; e++)
            cli_error("%s: line %llu (byte %lld): %s, line skipped", o->lists[i],
                      (unsigned long long)st.errors[e].line, st.errors[e].offset,
                      st.errors[e].message);
        if (st.bad > st.errors_kept && !cli->quiet)
            cli_error("%s: %llu more lines skipped", o->lists[i],
                      (unsigned long long)(st.bad - st.errors_kept));
    }
    return 0;
}

static void report_stix(struct rk_cli *cli, const char *what, const struct rk_match_stix_stats *st)
{
    char detail[1024];

    if (cli->quiet)
        return;
    if (st->first_error.code != 0 && cli->verbose)
        cli_error("%s: first skipped: %s", what,
                  rk_err_format(&st->first_error, detail, sizeof(detail)));
    if (st->indicators > st->compiled || st->rejected)
        cli_error("%s: %llu indicators, %llu compiled (%llu revoked, %llu expired, %llu other "
                  "languages, %llu nothing to look up, %llu bad patterns, %llu rejected objects)",
                  what, (unsigned long long)st->indicators, (unsigned long long)st->compiled,
                  (unsigned long long)st->revoked, (unsigned long long)st->expired,
                  (unsigned long long)st->not_stix, (unsigned long long)st->unindexable,
                  (unsigned long long)st->bad_pattern, (unsigned long long)st->rejected);
}

static int add_bundles(struct match_opts *o, struct rk_match_builder *b, struct rk_cli *cli,
                       int64_t now)
{
    for (size_t i = 0; i < o->n_bundles; i++) {
        struct rk_match_stix_stats st;
        struct rk_err err;
        int rc;

        memset(&st, 0, sizeof(st));
        rk_err_clear(&err);
        if ((rc = rk_match_builder_add_stix_file(b, o->bundles[i], o->bundles[i], now, &st,
                                                 &err)) != 0)
            return cli_fail("cannot read the indicators", rc, &err);
        report_stix(cli, o->bundles[i], &st);
    }
    return 0;
}

/* ---- indicators from the store, with a cached snapshot -------------------------------------- */

struct coll_ctx {
    struct rk_match_builder *b;
    struct rk_match_stix_stats *st;
    int64_t now;
    int64_t max_added;
    uint64_t bad_json;
    struct rk_err *err;
};

static int coll_row(const struct rk_store_row *row, void *ctx)
{
    struct coll_ctx *c = ctx;
    json_t *j = json_loadb(row->json, row->json_len, 0, NULL);
    int rc;

    if (row->date_added_us > c->max_added)
        c->max_added = row->date_added_us;
    if (!j) {
        c->bad_json++;
        return 0;
    }
    rc = rk_match_builder_add_stix(c->b, j, row->tlp, row->collection, c->now, c->st, c->err);
    json_decref(j);
    return rc;
}

static const char *const indicator_type[] = {"indicator"};

static void coll_query(struct rk_store_query *q, const char *coll)
{
    rk_store_query_init(q);
    q->collection = strcmp(coll, "*") == 0 ? NULL : coll;
    q->types = indicator_type;
    q->n_types = 1;
}

/* The store's state for the collections: indicator rows, and whether any was added after
 * `after` (the newest date_added a snapshot was built from). */
static int coll_state(struct rk_store *st, struct match_opts *o, int64_t after, uint64_t *count,
                      int *newer, struct rk_err *err)
{
    *count = 0;
    *newer = 0;
    for (size_t i = 0; i < o->n_collections; i++) {
        struct rk_store_query q;
        struct rk_store_page page;
        uint64_t n;
        int rc;

        coll_query(&q, o->collections[i]);
        if ((rc = rk_store_count(st, &q, &n, err)) != 0)
            return rc;
        *count += n;
        q.added_after_us = after;
        q.limit = 1;
        q.without_json = 1;
        memset(&page, 0, sizeof(page));
        if ((rc = rk_store_query(st, &q, NULL, NULL, &page, err)) != 0)
            return rc;
        *newer |= page.count > 0;
    }
    return 0;
}

static int add_collections(struct match_opts *o, struct rk_match_builder *b, struct rk_store *st,
                           struct rk_cli *cli, int64_t now, int64_t *max_added)
{
    struct rk_match_stix_stats stats;
    struct rk_err err;
    struct coll_ctx c = {b, &stats, now, 0, 0, &err};

    memset(&stats, 0, sizeof(stats));
    rk_err_clear(&err);
    for (size_t i = 0; i < o->n_collections; i++) {
        struct rk_store_query q;
        int rc;

        coll_query(&q, o->collections[i]);
        if ((rc = rk_store_query(st, &q, coll_row, &c, NULL, &err)) != 0)
            return cli_fail(o->collections[i], rc, &err);
    }
    report_stix(cli, "collections", &stats);
    *max_added = c.max_added;
    return 0;
}

/* DATA/match/<collections>.idx */
static int snapshot_path(struct rk_cli *cli, struct match_opts *o, char *path, size_t cap)
{
    size_t n = (size_t)snprintf(path, cap, "%s/match", cli->data_dir);

    if (n >= cap || (mkdir(path, 0755) != 0 && errno != EEXIST))
        return -1;
    for (size_t i = 0; i < o->n_collections && n + 2 < cap; i++) {
        const char *s = strcmp(o->collections[i], "*") == 0 ? "all" : o->collections[i];

        path[n++] = i == 0 ? '/' : '+';
        for (; *s && n + 1 < cap; s++)
            path[n++] = (char)((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
                                       *s == '-' || *s == '.'
                               ? *s
                               : '_');
    }
    path[n] = '\0';
    return snprintf(path + n, cap - n, ".idx") < (int)(cap - n) ? 0 : -1;
}

/* The cached snapshot when the collections have not changed since it was built. */
static struct rk_match_index *cached_index(struct rk_cli *cli, struct match_opts *o,
                                           struct rk_store *st, const char *path)
{
    struct rk_match_index *ix = NULL;
    struct rk_match_index_stats s;
    uint64_t count;
    int newer;

    if (rk_match_index_open(&ix, path, NULL) != 0)
        return NULL;
    rk_match_index_stats(ix, &s);
    if (coll_state(st, o, (int64_t)s.stamp, &count, &newer, NULL) != 0 || newer ||
        count != s.stamp_aux || s.set_only) {
        if (cli->verbose)
            cli_error("match: %s is out of date; rebuilding it", path);
        rk_match_index_free(ix);
        return NULL;
    }
    return ix;
}

/* Compile every source into one index (set-only in grep mode). */
static int build_index(struct rk_cli *cli, struct match_opts *o, struct rk_store *st, int grep,
                       struct rk_match_index **out)
{
    struct rk_match_build_options bo = {.set_only = grep};
    struct rk_match_builder *b = NULL;
    struct rk_err err;
    int64_t now = o->at_us ? o->at_us : rk_time_now_us(), max_added = 0;
    uint64_t count = 0;
    int newer, status, rc;

    rk_err_clear(&err);
    if (st && (rc = coll_state(st, o, 0, &count, &newer, &err)) != 0)
        return cli_fail("cannot read the store", rc, &err);
    if ((rc = rk_match_builder_new(&b, &bo, &err)) != 0)
        return cli_fail("match", rc, &err);
    if ((status = add_lists(o, b, cli)) != 0 || (status = add_bundles(o, b, cli, now)) != 0 ||
        (st && (status = add_collections(o, b, st, cli, now, &max_added)) != 0)) {
        rk_match_builder_free(b);
        return status;
    }
    rk_match_builder_set_stamp(b, (uint64_t)max_added, count);
    if ((rc = rk_match_builder_finish(b, out, &err)) != 0)
        return cli_fail("cannot compile the indicators", rc, &err);
    return 0;
}

static int get_index(struct rk_cli *cli, struct match_opts *o, struct rk_store *st, int grep,
                     struct rk_match_index **out)
{
    char path[4096];
    struct rk_err err;
    int status, rc, cacheable = st && !o->n_lists && !o->n_bundles;

    *out = NULL;
    rk_err_clear(&err);
    if (o->index_in) {
        if ((rc = rk_match_index_open(out, o->index_in, &err)) != 0)
            return cli_fail("cannot load the index", rc, &err);
    } else if (cacheable && snapshot_path(cli, o, path, sizeof(path)) == 0 &&
               (*out = cached_index(cli, o, st, path)) != NULL) {
        if (cli->verbose)
            cli_error("match: using %s", path);
    } else {
        if ((status = build_index(cli, o, st, grep, out)) != 0)
            return status;
        if (cacheable && snapshot_path(cli, o, path, sizeof(path)) == 0 &&
            (rc = rk_match_index_save(*out, path, &err)) != 0 && !cli->quiet)
            cli_error("match: cannot keep the compiled index: %s", err.message);
    }
    if (o->index_out && (rc = rk_match_index_save(*out, o->index_out, &err)) != 0)
        return cli_fail("cannot save the index", rc, &err);
    return 0;
}

/* pcap by its magic, JSON by a leading '{', else lines. */
static int detect_format(const struct input *in)
{
    const unsigned char *p = (const unsigned char *)in->data;
    size_t i = 0;

    if (in->len >= 4 && (memcmp(p, "\xd4\xc3\xb2\xa1", 4) == 0 ||
                         memcmp(p, "\xa1\xb2\xc3\xd4", 4) == 0 ||
                         memcmp(p, "\x4d\x3c\xb2\xa1", 4) == 0 ||
                         memcmp(p, "\xa1\xb2\x3c\x4d", 4) == 0 ||
                         memcmp(p, "\x0a\x0d\x0d\x0a", 4) == 0))
        return RK_MATCH_FMT_PCAP;
    while (i < in->len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i < in->len && p[i] == '{' ? RK_MATCH_FMT_JSON : RK_MATCH_FMT_LINES;
}

/* ---- grep mode ------------------------------------------------------------------------------- */

static int write_file(const char *p, size_t len, void *ctx)
{
    return fwrite(p, 1, len, ctx) == len ? 0 : RK_EIO;
}

static int run_grep(struct match_opts *o, struct rk_match_index *ix, FILE *out)
{
    struct rk_match_grep_options go = {o->invert, o->count, o->exact, o->threads, NULL};
    uint64_t total = 0;
    int n_in = o->n_inputs > 0 ? o->n_inputs : 1, status = 0;

    for (int i = 0; i < n_in && status == 0; i++) {
        const char *path = o->n_inputs > 0 ? o->inputs[i] : "-";
        char prefix[4096];
        struct input in;
        struct rk_err err;
        uint64_t n = 0;
        int rc;

        if ((status = input_open(&in, path)) != 0)
            break;
        snprintf(prefix, sizeof(prefix), "%s:", path);
        go.prefix = n_in > 1 ? prefix : NULL; /* as grepcidr: names only with several inputs */
        rk_err_clear(&err);
        if ((rc = rk_match_grep(ix, in.data ? in.data : "", in.len, &go, write_file, out, &n,
                                &err)) != 0) {
            cli_fail(path, rc, &err);
            status = MATCH_EXIT_ERROR;
        }
        total += n;
        input_close(&in);
    }
    if (status == 0 && o->count)
        fprintf(out, "%llu\n", (unsigned long long)total);
    return status ? status : total > 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
}

/* ---- structured mode ------------------------------------------------------------------------- */

static int on_event(const struct rk_match_event *ev, void *ctx)
{
    struct match_run *r = ctx;

    if (ev->suppressed && !r->o->show_suppressed)
        return 0;
    if (!ev->suppressed)
        r->printed++;
    if (r->o->count)
        return 0;
    rk_buf_reset(&r->line);
    if (rk_match_event_json(r->ix, ev, &r->line) != 0 || rk_buf_putc(&r->line, '\n') != 0)
        return RK_ENOMEM;
    if (fwrite(rk_buf_ptr(&r->line), 1, rk_buf_len(&r->line), r->out) != rk_buf_len(&r->line)) {
        r->write_failed = 1;
        return RK_EIO;
    }
    return 0;
}

static int on_obs(const struct rk_match_obs *obs, void *ctx)
{
    struct match_run *r = ctx;

    return rk_match_matcher_observe(r->m, r->input, obs, NULL);
}

static int match_input(struct match_run *r, const char *path)
{
    struct rk_match_extract_options xo = r->o->xo;
    struct rk_match_extract_stats xs;
    struct cli_progress progress;
    struct input in;
    struct rk_err err;
    int rc, status;

    if ((status = input_open(&in, path)) != 0)
        return status;
    if (xo.format < 0)
        xo.format = detect_format(&in);
    r->input = path;
    rk_err_clear(&err);
    cli_progress_start(&progress, r->cli, path, in.len);
    rc = rk_match_extract(in.data ? in.data : "", in.len, &xo, on_obs, r, &xs, &err);
    if (rc == 0)
        rc = rk_match_matcher_flush(r->m, &err);
    cli_progress_finish(&progress);
    r->records += xs.records;
    r->values += xs.values;
    r->bad_records += xs.bad_records;
    if (xs.bad_records && !r->cli->quiet) {
        char detail[1024];

        cli_error("%s: %llu records could not be read; the first: %s", path,
                  (unsigned long long)xs.bad_records,
                  rk_err_format(&xs.first_error, detail, sizeof(detail)));
    }
    input_close(&in);
    if (rc != 0 && !r->write_failed)
        cli_fail(path, rc, &err);
    return rc != 0 ? MATCH_EXIT_ERROR : 0;
}

/* ---- sightings to the store ------------------------------------------------------------------ */

struct sight_ctx {
    struct match_run *r;
    struct rk_store_batch *batch;
    char identity[RK_ERR_ID_MAX];
    uint64_t stored, unchanged, skipped;
    struct rk_err err;
};

static int put_sighting(const struct rk_match_sighting *s, void *ctx)
{
    struct sight_ctx *c = ctx;
    struct rk_stix_object *obj = NULL;
    struct rk_store_object so;
    enum rk_put_outcome outcome;
    json_t *j;
    int rc;

    if ((rc = rk_match_sighting_json(c->r->ix, s, c->identity, &j, &c->err)) != 0) {
        c->skipped++; /* list entries have no STIX id to sight */
        return rc == RK_EINVAL ? 0 : rc;
    }
    if ((rc = rk_stix_object_from_json_take(&obj, j, NULL, NULL, &c->err)) != 0)
        return rc;
    rk_store_object_from_stix(&so, obj);
    rc = rk_store_batch_put(c->batch, &so, &outcome, NULL, &c->err);
    rk_stix_object_free(obj);
    if (rc == 0 && outcome == RK_PUT_STORED)
        c->stored++;
    else if (rc == 0)
        c->unchanged++;
    return rc;
}

static int store_sightings(struct match_run *r, struct rk_store *st)
{
    struct rk_provenance prov = {.kind = "local", .source = "renkei match"};
    struct sight_ctx c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.r = r;
    rk_err_clear(&c.err);
    if ((rc = rk_store_setting_get(st, "node.identity", c.identity, sizeof(c.identity),
                                   &c.err)) != 0)
        return cli_fail("the node has no identity (renkei init makes one)", rc, &c.err);
    if ((rc = rk_store_batch_begin(&c.batch, st, r->o->sight_coll ? r->o->sight_coll : "default",
                                   &prov, &c.err)) != 0)
        return cli_fail("cannot store sightings", rc, &c.err);
    if ((rc = rk_match_matcher_sightings(r->m, put_sighting, &c, &c.err)) != 0) {
        rk_store_batch_abort(c.batch);
        return cli_fail("cannot store sightings", rc, &c.err);
    }
    if ((rc = rk_store_batch_commit(c.batch, &c.err)) != 0)
        return cli_fail("cannot store sightings", rc, &c.err);
    if (!r->cli->quiet)
        cli_error("match: %llu sightings stored, %llu unchanged%s", (unsigned long long)c.stored,
                  (unsigned long long)c.unchanged,
                  c.skipped ? " (hits on plain list entries have no sightings)" : "");
    return 0;
}

/* ---- the command ----------------------------------------------------------------------------- */

static int load_warnlists(struct rk_cli *cli, struct match_opts *o,
                          struct rk_match_warnlists **out)
{
    char dflt[4096];
    struct stat sb;
    struct rk_err err;
    int rc = 0;

    *out = NULL;
    snprintf(dflt, sizeof(dflt), "%s/warninglists", cli->data_dir);
    if (o->no_warn || (o->n_warnlists == 0 && stat(dflt, &sb) != 0))
        return 0;
    rk_err_clear(&err);
    if ((rc = rk_match_warnlists_new(out, &err)) != 0)
        return cli_fail("warning lists", rc, &err);
    for (size_t i = 0; i < o->n_warnlists && rc == 0; i++)
        rc = rk_match_warnlists_add_path(*out, o->warnlists[i], &err);
    if (rc == 0 && o->n_warnlists == 0)
        rc = rk_match_warnlists_add_path(*out, dflt, &err);
    if (rc == 0)
        rc = rk_match_warnlists_finish(*out, &err);
    return rc != 0 ? cli_fail("cannot load the warning lists", rc, &err) : 0;
}

static void summary(struct match_run *r, const struct rk_match_matcher_stats *s)
{
    if (r->cli->quiet)
        return;
    cli_error("match: %llu records, %llu values, %llu matched, %llu suppressed by warning lists, "
              "%llu hits of expired or not yet valid indicators, %llu candidates the patterns "
              "rejected",
              (unsigned long long)r->records, (unsigned long long)r->values,
              (unsigned long long)r->printed, (unsigned long long)s->suppressed,
              (unsigned long long)s->not_valid, (unsigned long long)s->pattern_rejected);
    if (s->pattern_errors)
        cli_error("match: %llu pattern evaluations failed (counted as no match)",
                  (unsigned long long)s->pattern_errors);
}

static int run_structured(struct rk_cli *cli, struct match_opts *o, struct rk_match_index *ix,
                          struct rk_store *st, FILE *out)
{
    struct rk_match_matcher_options mo = {o->exact, o->at_us, o->window_us, 0};
    struct rk_match_warnlists *wl = NULL;
    struct rk_match_matcher_stats ms;
    struct match_run r = {.cli = cli, .o = o, .ix = ix, .out = out};
    struct rk_err err;
    int status, rc;

    if ((status = load_warnlists(cli, o, &wl)) != 0)
        return MATCH_EXIT_ERROR;
    rk_err_clear(&err);
    rk_buf_init(&r.line, RK_BUF_UNLIMITED);
    if ((rc = rk_match_matcher_new(&r.m, ix, wl, &mo, on_event, &r, &err)) != 0) {
        rk_match_warnlists_free(wl);
        cli_fail("match", rc, &err);
        return MATCH_EXIT_ERROR;
    }
    for (int i = 0; i < (o->n_inputs > 0 ? o->n_inputs : 1) && status == 0; i++)
        status = match_input(&r, o->n_inputs > 0 ? o->inputs[i] : "-");
    if (status == 0 && o->count)
        fprintf(out, "%llu\n", (unsigned long long)r.printed);
    rk_match_matcher_stats(r.m, &ms);
    summary(&r, &ms);
    if (status == 0 && o->sightings && store_sightings(&r, st) != 0)
        status = MATCH_EXIT_ERROR;
    rk_match_matcher_free(r.m);
    rk_match_warnlists_free(wl);
    rk_buf_free(&r.line);
    return status ? status : r.printed > 0 ? RK_EXIT_OK : RK_EXIT_FAIL;
}

int cmd_match(struct rk_cli *cli, int argc, char **argv)
{
    struct match_opts o;
    struct rk_match_index *ix = NULL;
    struct rk_store *st = NULL;
    FILE *out = stdout;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int grep, status;

    memset(&o, 0, sizeof(o));
    o.xo.format = -1;
    o.threads = cpus > 0 && cpus < 64 ? (unsigned)cpus : 1;
    if (parse_match_args(&o, argc, argv) != 0)
        return MATCH_EXIT_ERROR;
    o.xo.column = o.column;
    o.xo.csv_sep = o.sep;
    if (o.xo.format == RK_MATCH_FMT_CSV && !o.column) {
        cli_usage_error("match", "--format csv needs --column NAME");
        return MATCH_EXIT_ERROR;
    }
    grep = o.n_lists && !o.n_bundles && !o.n_collections && !o.index_in && !o.format_given &&
           !o.sightings;
    if ((o.n_collections || o.sightings) && cli_open_store(cli, 0, &st) != RK_EXIT_OK)
        return MATCH_EXIT_ERROR;
    if (o.output && !(out = fopen(o.output, "w"))) {
        cli_error("match: cannot create '%s': %s", o.output, strerror(errno));
        rk_store_close(st);
        return MATCH_EXIT_ERROR;
    }
    if ((status = get_index(cli, &o, o.n_collections ? st : NULL, grep, &ix)) != 0)
        status = MATCH_EXIT_ERROR;
    else if (grep)
        status = run_grep(&o, ix, out);
    else
        status = run_structured(cli, &o, ix, st, out);
    if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
        cli_error("match: cannot write the output: %s", strerror(errno));
        status = MATCH_EXIT_ERROR;
    }
    rk_match_index_free(ix);
    rk_store_close(st);
    return status;
}
