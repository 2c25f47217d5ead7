/* cmd_import.c - `renkei import`: stream STIX from files, directories or stdin into the store. */
#include "cli.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "renkei/log.h"
#include "renkei/stix.h"
#include "stix/readahead.h"
#include "util/strparse.h"
#include "util/vec.h"
#include "util/alloc.h"

#define IMPORT_MAX_LIST     64
#define IMPORT_SHOW_CONFLICTS 20

/* Objects between two looks for a process waiting for a node the import has alone. */
#define IMPORT_WANTED_EVERY 1024

struct import_opts {
    char node_org[256]; /* the node's organisation: the owner when --org is not given */
    const char *collection;
    const char *source; /* NULL: the file name */
    const char *org;
    const char *groups[IMPORT_MAX_LIST];
    size_t n_groups;
    const char *readers[IMPORT_MAX_LIST];
    size_t n_readers;
    uint64_t batch_size;
    int reject_v20;
    int exclusive; /* take the node alone (RK_STORE_EXCLUSIVE) */
    int shared;    /* never take it alone: always through the write-ahead log */
    uint64_t alone_batch, shared_batch; /* the settings' batch sizes, when --batch is not given */
};

struct import_totals {
    unsigned long long stored, duplicates, conflicts, rejected, warnings, files, broken_files;
    unsigned long long bytes_done, bytes_total;
};

struct import_run {
    struct rk_cli *cli;
    struct import_opts *opt;
    struct rk_store *st;
    struct import_totals t;
    struct cli_progress progress;
};

static void import_usage(void)
{
    printf("usage: renkei import [OPTIONS] PATH...\n\n"
           "Validate STIX 2.1 objects and store them. PATH is a file (a bundle, a bundle without\n"
           "\"type\", one object, a JSON array of objects, or JSON lines), a directory (every\n"
           "*.json, *.jsonl and *.ndjson file below it) or - for standard input. Input of any\n"
           "size streams with constant memory. STIX 2.0 objects are upgraded to 2.1.\n\n"
           "Valid objects are stored even when others in the same input are rejected; each\n"
           "rejection is printed with its file, position, object id, JSON path and reason.\n"
           "Re-importing an object version that is already stored is a counted no-op; the same\n"
           "id and version with different content is a conflict: the first copy is kept.\n\n"
           "Options:\n"
           "  -c, --collection C   collection id or alias (default: \"default\")\n"
           "  --source NAME        provenance recorded with the objects (default: the file name)\n"
           "  --org ORG            owning organisation, which may read its TLP:AMBER and\n"
           "                       AMBER+STRICT objects (default: the node's organisation)\n"
           "  --group G            sharing group the objects belong to (repeatable)\n"
           "  --reader USER        user named as reader, for TLP:RED (repeatable)\n"
           "  --reject-stix20      reject STIX 2.0 input instead of upgrading it\n"
           "  --batch N            objects per transaction (default: setting\n"
           "                       import.exclusive_batch while the import has the node\n"
           "                       alone, import.batch while it shares it)\n"
           "  --exclusive          take the node alone for the whole import: refused while\n"
           "                       another process has it open, and other processes wait\n"
           "                       until the import ends\n"
           "  --shared             never take the node alone: every batch goes through the\n"
           "                       write-ahead log, which writes each new page twice\n\n"
           "By default an import of files takes the node alone when no other process (renkei\n"
           "serve, another command) has it open: each new page is then written once, with a\n"
           "rollback journal instead of the write-ahead log. A process that opens the node\n"
           "meanwhile waits a moment: the import commits what it has, gives the node back and\n"
           "goes on through the write-ahead log, so a server takes each batch as it commits.\n"
           "An import that reads standard input (-), or starts while another process has the\n"
           "node open, shares it from the start.\n\n"
           "Exit status: 0 all stored or already present, 1 something was rejected or a file\n"
           "could not be read to the end, 3 the store failed (or, with --exclusive, another\n"
           "process has the node open).\n");
}

static int add_list_item(const char **list, size_t *n, const char *value)
{
    if (*n >= IMPORT_MAX_LIST)
        return cli_usage_error("import", "at most %d values per option", IMPORT_MAX_LIST);
    list[(*n)++] = value;
    return 0;
}

static int parse_import_args(struct import_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"collection", required_argument, NULL, 'c'}, {"source", required_argument, NULL, 's'},
            {"org", required_argument, NULL, 'o'},        {"group", required_argument, NULL, 'g'},
            {"reader", required_argument, NULL, 'r'},     {"reject-stix20", no_argument, NULL, '2'},
            {"batch", required_argument, NULL, 'b'},      {"help", no_argument, NULL, 'h'},
            {"exclusive", no_argument, NULL, 'x'},        {"shared", no_argument, NULL, 'S'},
            {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o->collection = optarg; break;
        case 's': o->source = optarg; break;
        case 'o': o->org = optarg; break;
        case 'g':
            if (add_list_item(o->groups, &o->n_groups, optarg))
                return -1;
            break;
        case 'r':
            if (add_list_item(o->readers, &o->n_readers, optarg))
                return -1;
            break;
        case '2': o->reject_v20 = 1; break;
        case 'x': o->exclusive = 1; break;
        case 'S': o->shared = 1; break;
        case 'b':
            if (rk_parse_uint(optarg, 1000000, &o->batch_size) != 0 || o->batch_size == 0) {
                cli_usage_error("import", "--batch takes a number from 1 to 1000000");
                return -1;
            }
            break;
        case 'h': import_usage(); exit(RK_EXIT_OK);
        default: cli_usage_error("import", "unknown option '%s'", argv[optind - 1]); return -1;
        }
    }
    if (optind >= argc) {
        cli_usage_error("import", "no input given (a file, a directory or -)");
        return -1;
    }
    if (o->exclusive && o->shared) {
        cli_usage_error("import", "--exclusive and --shared exclude each other");
        return -1;
    }
    return optind;
}

static int is_stix_file_name(const char *name)
{
    size_t len = strlen(name);

    return rk_has_suffix(name, len, ".json") || rk_has_suffix(name, len, ".jsonl") ||
           rk_has_suffix(name, len, ".ndjson");
}

/* Expand PATH arguments into a sorted list of files ("-" stays "-"). */
static int collect_files(struct rk_vec *files, const char *path, int depth)
{
    struct dirent **entries = NULL;
    struct stat st;
    int n, rc = 0;

    if (strcmp(path, "-") == 0 || (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)))
        return rk_vec_push_take(files, rk_strdup(path));
    if (stat(path, &st) != 0) {
        cli_error("cannot read '%s': no such file or directory", path);
        return RK_EIO;
    }
    if (depth > 32)
        return 0;
    if ((n = scandir(path, &entries, NULL, alphasort)) < 0) {
        cli_error("cannot list directory '%s'", path);
        return RK_EIO;
    }
    size_t len = strlen(path);
    const char *sep = len > 0 && path[len - 1] == '/' ? "" : "/"; /* "dir/" names "dir/a.json" */

    for (int i = 0; i < n; i++) {
        char child[4096];
        struct stat cst;

        if (rc == 0 && entries[i]->d_name[0] != '.' &&
            snprintf(child, sizeof(child), "%s%s%s", path, sep, entries[i]->d_name) <
                    (int)sizeof(child) &&
            stat(child, &cst) == 0 && (S_ISDIR(cst.st_mode) || is_stix_file_name(child)))
            rc = collect_files(files, child, depth + 1);
        free(entries[i]);
    }
    free(entries);
    return rc;
}

static unsigned long long file_size(const char *path)
{
    struct stat st;

    if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
        return 0;
    return (unsigned long long)st.st_size;
}

static void print_finding(const char *file, const struct rk_stix_item *item,
                          const struct rk_stix_finding *f)
{
    fprintf(stderr, "%s: object %zu (byte %lld)%s%s%s%s: %s%s\n", file, item->index + 1,
            f->offset >= 0 ? f->offset : item->offset, f->object_id[0] ? " " : "", f->object_id,
            f->path[0] ? " at " : "", f->path,
            f->severity == RK_STIX_WARNING ? "warning: " : "", f->message);
}

static void report_item(struct import_run *run, const char *file, const struct rk_stix_item *item)
{
    size_t n = item->findings ? rk_stix_findings_count(item->findings) : 0;

    for (size_t i = 0; i < n; i++) {
        const struct rk_stix_finding *f = rk_stix_findings_at(item->findings, i);

        if (f->severity == RK_STIX_WARNING) {
            run->t.warnings++;
            if (!run->cli->verbose)
                continue;
        }
        print_finding(file, item, f);
    }
}

static void report_conflict(struct import_run *run, const char *file,
                            const struct rk_stix_object *o)
{
    const char *version = rk_stix_object_modified(o);

    if (run->t.conflicts <= IMPORT_SHOW_CONFLICTS && !run->cli->quiet)
        fprintf(stderr, "%s: conflict: %s version %s differs from the stored copy; kept the "
                        "first one\n",
                file, rk_stix_object_id(o), version ? version : "(unversioned)");
    if (run->t.conflicts == IMPORT_SHOW_CONFLICTS && !run->cli->quiet)
        fprintf(stderr, "%s: further conflicts are counted, not shown; 'renkei stats "
                        "--conflicts' lists them all\n",
                file);
}

static int store_item(struct import_run *run, struct rk_store_batch *b, const char *file,
                      const struct rk_stix_item *item, struct rk_err *err)
{
    struct rk_store_object so;
    enum rk_put_outcome outcome;
    int rc;

    rk_store_object_from_stix(&so, item->object);
    if ((rc = rk_store_batch_put(b, &so, &outcome, NULL, err)) != 0)
        return rc;
    if (outcome == RK_PUT_STORED)
        run->t.stored++;
    else if (outcome == RK_PUT_DUPLICATE)
        run->t.duplicates++;
    else {
        run->t.conflicts++;
        report_conflict(run, file, item->object);
    }
    return 0;
}

static void set_provenance(const struct import_opts *o, const char *file, struct rk_provenance *p)
{
    memset(p, 0, sizeof(*p));
    p->kind = "file";
    p->source = o->source ? o->source : strcmp(file, "-") == 0 ? "stdin" : file;
    p->org = o->org ? o->org : o->node_org;
    p->groups = o->groups;
    p->n_groups = o->n_groups;
    p->readers = o->readers;
    p->n_readers = o->n_readers;
}

static void report_input_findings(struct import_run *run, const char *file,
                                  const struct rk_stix_reader *r)
{
    const struct rk_stix_findings *f = rk_stix_reader_findings(r);
    size_t n = f ? rk_stix_findings_count(f) : 0;

    for (size_t i = 0; i < n; i++) {
        const struct rk_stix_finding *w = rk_stix_findings_at(f, i);

        run->t.warnings++;
        if (run->cli->verbose)
            fprintf(stderr, "%s: %s%s%s: warning: %s\n", file, w->object_id,
                    w->path[0] ? " at " : "", w->path, w->message);
    }
}

/* Commit the batch b of n objects (logged at debug level: -vv). */
static int commit_batch(struct rk_store_batch *b, uint64_t n, struct rk_err *err)
{
    int rc = rk_store_batch_commit(b, err);

    if (rc == 0)
        rk_log_debug("import committed a batch of %llu objects", (unsigned long long)n);
    return rc;
}

/* Objects per transaction: --batch, else the setting for the way the node is held now (an
 * import alone keeps nobody waiting; one that shares the node commits more often). */
static uint64_t batch_size(const struct import_run *run)
{
    if (run->opt->batch_size)
        return run->opt->batch_size;
    return rk_store_is_alone(run->st) ? run->opt->alone_batch : run->opt->shared_batch;
}

/* Whether to commit after in_batch objects: a full batch, or another process waits for the
 * node this import has alone (the commit gives it back; asked every IMPORT_WANTED_EVERY objects). */
static int batch_full(const struct import_run *run, uint64_t in_batch)
{
    if (in_batch >= batch_size(run))
        return 1;
    return in_batch % IMPORT_WANTED_EVERY == 0 && rk_store_is_wanted(run->st);
}

/* Store one item (or count its rejection), committing every batch_size objects. */
static int take_item(struct import_run *run, const char *file, const struct rk_provenance *prov,
                     struct rk_store_batch **b, uint64_t *in_batch,
                     const struct rk_stix_item *item, struct rk_err *err)
{
    int rc;

    report_item(run, file, item);
    if (!item->object) {
        run->t.rejected++;
        return 0;
    }
    if (!*b && (rc = rk_store_batch_begin(b, run->st, run->opt->collection, prov, err)) != 0)
        return rc;
    if ((rc = store_item(run, *b, file, item, err)) != 0)
        return rc;
    if (!batch_full(run, ++*in_batch))
        return 0;
    rc = commit_batch(*b, *in_batch, err);
    *b = NULL;
    *in_batch = 0;
    return rc;
}

/* Read one file to its end (on the read-ahead's thread, src/stix/readahead.c), committing every batch_size
 * objects. Returns 0, 1 when the file was broken (already reported), or a negative code when
 * the store failed. */
static int import_file(struct import_run *run, const char *file, struct rk_stix_reader *r,
                       struct rk_err *err)
{
    struct rk_provenance prov;
    struct rk_store_batch *b = NULL;
    struct rk_stix_readahead *ra = NULL;
    const struct rk_stix_item *item;
    uint64_t in_batch = 0, position = 0;
    int rc, next;

    set_provenance(run->opt, file, &prov);
    if ((rc = rk_stix_readahead_open(&ra, r, err)) != 0)
        return rc;
    /* the items are the read-ahead's: it frees them on its own thread */
    while ((next = rk_stix_readahead_next(ra, &item, &position, err)) == 1) {
        if ((rc = take_item(run, file, &prov, &b, &in_batch, item, err)) != 0)
            goto out;
        cli_progress_update(&run->progress, run->t.bytes_done + position,
                            run->t.stored + run->t.duplicates + run->t.conflicts);
    }
    rk_stix_readahead_close(ra); /* the reader is this thread's again */
    ra = NULL;
    rc = b ? commit_batch(b, in_batch, err) : 0;
    b = NULL;
    if (rc == 0 && next < 0) {
        char detail[1024];

        cli_progress_finish(&run->progress);
        cli_error("%s: %s; objects before this point were kept", file,
                  rk_err_format(err, detail, sizeof(detail)));
        run->t.broken_files++;
        rc = 1;
    }
    report_input_findings(run, file, r);
out:
    rk_stix_readahead_close(ra);
    rk_store_batch_abort(b);
    return rc;
}

static int import_path(struct import_run *run, const char *file)
{
    struct rk_stix_options sopt;
    struct rk_stix_reader *r = NULL;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    rk_stix_options_init(&sopt);
    sopt.v20 = run->opt->reject_v20 ? RK_STIX_V20_REJECT : RK_STIX_V20_UPGRADE;
    sopt.max_object_bytes = (size_t)run->cli->settings.import_max_object_bytes;
    if ((rc = rk_stix_reader_open_file(&r, file, &sopt, &err)) != 0) {
        cli_progress_finish(&run->progress);
        cli_fail(file, rc, &err);
        run->t.broken_files++;
        return 1;
    }
    run->t.files++;
    rc = import_file(run, file, r, &err);
    run->t.bytes_done += file_size(file);
    rk_stix_reader_free(r);
    if (rc < 0) {
        cli_progress_finish(&run->progress);
        return cli_fail("the store failed; the current batch was rolled back", rc, &err);
    }
    return rc;
}

static void print_summary(const struct import_run *run, double seconds)
{
    unsigned long long seen = run->t.stored + run->t.duplicates + run->t.conflicts +
                              run->t.rejected;

    if (run->cli->quiet)
        return;
    printf("import: %llu stored, %llu duplicate, %llu conflict, %llu rejected, %llu warnings "
           "(%llu objects from %llu files in %.2f s, %.0f objects/s)\n",
           run->t.stored, run->t.duplicates, run->t.conflicts, run->t.rejected, run->t.warnings,
           seen, run->t.files, seconds, seconds > 0 ? (double)seen / seconds : 0.0);
}

/* The target collection exists: checked before any input is read (from a pipe, the first
 * object may be long in coming). */
static int need_collection(struct rk_store *st, const char *collection)
{
    struct rk_collection c;
    struct rk_err err;
    int rc;

    rk_err_clear(&err);
    if ((rc = rk_store_collection_get(st, collection, &c, &err)) == 0)
        return RK_EXIT_OK;
    if (rc == RK_ENOTFOUND) {
        cli_error("no collection %s here (see 'renkei collection list'; create it with "
                  "'renkei collection add %s')", collection, collection);
        return RK_EXIT_FAIL;
    }
    return cli_fail("reading the collections", rc, &err);
}

/* How the import holds the node: alone, shared, or alone until another process asks. */
static unsigned import_store_flags(const struct import_opts *opt, int argc, char **argv,
                                   int first)
{
    if (opt->exclusive)
        return RK_STORE_EXCLUSIVE;
    if (opt->shared)
        return 0;
    /* standard input may pause for as long as its writer likes, and only objects lead to a
     * commit that gives the node back: such an import shares it from the start */
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "-") == 0)
            return 0;
    return RK_STORE_ALONE_WHEN_IDLE;
}

int cmd_import(struct rk_cli *cli, int argc, char **argv)
{
    struct import_opts opt = {.collection = "default", .reject_v20 = cli->settings.reject_stix20};
    struct import_run run = {.cli = cli, .opt = &opt};
    struct rk_vec files;
    const char *file;
    int first, status = RK_EXIT_OK;
    double started;

    if ((first = parse_import_args(&opt, argc, argv)) < 0)
        return RK_EXIT_USAGE;
    cli_keep_freed_memory();
    opt.alone_batch = (uint64_t)cli->settings.import_exclusive_batch;
    opt.shared_batch = (uint64_t)cli->settings.import_batch;
    rk_vec_init(&files, rk_free);
    for (int i = first; i < argc; i++) {
        if (collect_files(&files, argv[i], 0) != 0) {
            rk_vec_free(&files);
            return RK_EXIT_FAIL;
        }
    }
    if ((status = cli_open_store_flags(
                 cli, RK_STORE_BULK | import_store_flags(&opt, argc, argv, first), &run.st)) !=
        RK_EXIT_OK) {
        if (opt.exclusive)
            cli_error("import: stop the other process, or import without --exclusive");
        goto out;
    }
    if ((status = need_collection(run.st, opt.collection)) != RK_EXIT_OK)
        goto out;
    rk_store_setting_get(run.st, "node.org", opt.node_org, sizeof(opt.node_org), NULL);
    rk_vec_foreach(&files, i, file) run.t.bytes_total += file_size(file);
    started = cli_now();
    cli_progress_start(&run.progress, cli, "import", run.t.bytes_total);
    rk_vec_foreach(&files, i, file)
    {
        int rc = import_path(&run, file);

        if (rc == RK_EXIT_ERROR) {
            status = RK_EXIT_ERROR;
            break;
        }
    }
    cli_progress_finish(&run.progress);
    print_summary(&run, cli_now() - started);
    if (status == RK_EXIT_OK && (run.t.rejected || run.t.broken_files))
        status = RK_EXIT_FAIL;
out:
    rk_store_close(run.st);
    rk_vec_free(&files);
    return status;
}
