/* cmd_sync.c - `renkei sync`: pull from and push to partner nodes, once or continuously. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "renkei/store_sync.h"
#include "renkei/sync.h"
#include "util/strparse.h"

#define NAMES_MAX 64

struct sync_opts {
    int once, json, pull_only, push_only;
    uint64_t max_pages;
    const char *names[NAMES_MAX];
    size_t n_names;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int stop_requested(void *ctx)
{
    (void)ctx;
    return stop_signal != 0;
}

static void sync_usage(void)
{
    printf("usage: renkei sync [--once] [--partner NAME]... [--pull-only|--push-only]\n"
           "                   [--max-pages N] [--json]\n\n"
           "Exchange objects with partner nodes (see 'renkei partner'): pull each pull mapping\n"
           "until caught up, then push each push mapping; every object sent is checked against\n"
           "the sharing rules and recorded in the egress log ('renkei audit egress').\n\n"
           "  --once           one run per partner, then exit (otherwise keep syncing every\n"
           "                   partner at its interval until interrupted, as 'renkei serve' does)\n"
           "  --partner NAME   only these partners (repeat); with --once a paused partner runs\n"
           "                   too when named\n"
           "  --pull-only, --push-only   one direction only\n"
           "  --max-pages N    at most N pages per pulled collection in this run\n"
           "  --json           print the counts of each run as JSON\n\n"
           "Runs are safe to interrupt or kill at any moment: cursors move only with the data\n"
           "they describe, so the next run goes on where this one stopped, with nothing lost and\n"
           "nothing stored twice.\n\n"
           "Exit status: 0 every run succeeded, 1 a partner failed (see 'renkei partner\n"
           "status'), 2 usage, 3 the store could not be opened.\n");
}

static int parse_sync_args(struct sync_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
            {"once", no_argument, NULL, 'o'},       {"partner", required_argument, NULL, 'p'},
            {"pull-only", no_argument, NULL, 'l'},  {"push-only", no_argument, NULL, 's'},
            {"max-pages", required_argument, NULL, 'm'}, {"json", no_argument, NULL, 'j'},
            {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->once = 1; break;
        case 'p':
            if (o->n_names >= NAMES_MAX)
                return cli_usage_error("sync", "at most %d partners", NAMES_MAX);
            o->names[o->n_names++] = optarg;
            break;
        case 'l': o->pull_only = 1; break;
        case 's': o->push_only = 1; break;
        case 'm':
            if (rk_parse_uint(optarg, 100000000, &o->max_pages) != 0 || o->max_pages == 0)
                return cli_usage_error("sync", "--max-pages takes a number above 0");
            break;
        case 'j': o->json = 1; break;
        default: return cli_usage_error("sync", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("sync", "unexpected argument '%s'", argv[optind]);
    if (o->pull_only && o->push_only)
        return cli_usage_error("sync", "--pull-only and --push-only exclude each other");
    if (!o->once && (o->pull_only || o->push_only || o->max_pages || o->json))
        return cli_usage_error("sync", "--pull-only, --push-only, --max-pages and --json go "
                                       "with --once");
    return 0;
}

/* ---- one run per partner ------------------------------------------------------------------- */

struct once {
    struct rk_cli *cli;
    struct rk_store *st;
    const struct sync_opts *o;
    struct rk_sync_options so;
    struct cli_progress progress;
    json_t *results;
    int failed, ran;
};

static void on_progress(const char *partner, const char *what, const char *collection,
                        const struct rk_sync_counts *c, void *ctx)
{
    struct once *r = ctx;

    (void)partner, (void)what, (void)collection;
    cli_progress_update(&r->progress, c->bytes_in + c->bytes_out,
                        c->stored + c->duplicates + c->refused_in + c->sent);
}

static uint64_t sum(const uint64_t *v, size_t n)
{
    uint64_t s = 0;

    for (size_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

static void report(struct once *r, const char *name, int rc, const struct rk_sync_counts *c,
                   const struct rk_err *err)
{
    uint64_t not_sent = sum(c->refused_out, RK_EGRESS_VERDICTS);

    if (r->results) {
        json_array_append_new(r->results,
                json_pack("{s:s,s:b,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}",
                          "partner", name, "ok", rc == 0, "error", rc ? err->message : "",
                          "pages", (json_int_t)c->pages, "stored", (json_int_t)c->stored,
                          "duplicates", (json_int_t)c->duplicates, "conflicts",
                          (json_int_t)c->conflicts, "refused_in", (json_int_t)c->refused_in,
                          "batches", (json_int_t)c->batches, "sent", (json_int_t)c->sent,
                          "not_sent", (json_int_t)not_sent, "failed_out",
                          (json_int_t)c->failed_out, "too_large", (json_int_t)c->too_large,
                          "window_at_risk", c->window_at_risk));
        return;
    }
    if (r->cli->quiet && rc == 0)
        return;
    printf("%s: %s; in %llu stored, %llu duplicates, %llu refused; out %llu sent, %llu not "
           "sent by the rules, %llu refused there\n",
           name, rc == 0 ? "ok" : "FAILED", (unsigned long long)c->stored,
           (unsigned long long)c->duplicates, (unsigned long long)c->refused_in,
           (unsigned long long)c->sent, (unsigned long long)not_sent,
           (unsigned long long)c->failed_out);
    if (rc != 0)
        cli_error("sync %s: %s", name, err->message);
}

static int run_one(struct once *r, const char *name)
{
    struct rk_sync_counts c;
    struct rk_err err;
    char label[96];
    int rc;

    rk_err_clear(&err);
    snprintf(label, sizeof(label), "sync %s", name);
    cli_progress_start(&r->progress, r->cli, label, 0);
    rc = rk_sync_run(r->st, name, &r->so, &c, &err);
    cli_progress_finish(&r->progress);
    report(r, name, rc, &c, &err);
    r->ran++;
    r->failed += rc != 0;
    return 0;
}

static int run_listed(const struct rk_partner *p, void *ctx)
{
    struct once *r = ctx;

    if (p->paused || stop_signal)
        return 0;
    return run_one(r, p->name);
}

static int sync_once(struct rk_cli *cli, const struct sync_opts *o)
{
    struct once r = {.cli = cli, .o = o};
    struct rk_err err;
    char lock_dir[4200];
    int status;

    if ((status = cli_open_store(cli, 0, &r.st)) != RK_EXIT_OK)
        return status;
    snprintf(lock_dir, sizeof(lock_dir), "%s/sync", cli->data_dir);
    rk_sync_options_init(&r.so);
    r.so.pull = !o->push_only;
    r.so.push = !o->pull_only;
    r.so.max_pages = o->max_pages;
    r.so.lock_dir = lock_dir;
    r.so.cancelled = stop_requested;
    r.so.progress = on_progress;
    r.so.progress_ctx = &r;
    r.results = o->json ? json_array() : NULL;
    rk_err_clear(&err);
    if (o->n_names)
        for (size_t i = 0; i < o->n_names && !stop_signal; i++)
            run_one(&r, o->names[i]);
    else if (rk_store_partner_list(r.st, run_listed, &r, &err) != 0) {
        cli_fail("sync", err.code, &err);
        r.failed++;
    }
    if (r.results)
        cli_print_json(r.results);
    else if (r.ran == 0 && !cli->quiet)
        printf("no partners to sync; add one with 'renkei partner add'\n");
    json_decref(r.results);
    rk_store_close(r.st);
    return r.failed ? RK_EXIT_FAIL : RK_EXIT_OK;
}

/* ---- continuous ---------------------------------------------------------------------------- */

static int sync_forever(struct rk_cli *cli, const struct sync_opts *o)
{
    struct rk_sync_daemon *d = NULL;
    sigset_t stop;
    struct rk_err err;
    int sig = 0;

    if (o->n_names)
        return cli_usage_error("sync", "--partner goes with --once; to leave partners out of "
                                       "continuous sync, pause them ('partner set NAME --pause')");
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    rk_err_clear(&err);
    if (rk_sync_daemon_start(&d, cli->data_dir, &err) != 0)
        return cli_fail("cannot start sync", err.code, &err);
    if (!cli->quiet)
        fprintf(stderr, "renkei: syncing every partner at its interval; stop with Ctrl-C\n");
    sigwait(&stop, &sig);
    if (!cli->quiet)
        fprintf(stderr, "renkei: stopping (signal %d)\n", sig);
    rk_sync_daemon_stop(d);
    return RK_EXIT_OK;
}

int cmd_sync(struct rk_cli *cli, int argc, char **argv)
{
    struct sync_opts o;
    struct sigaction sa;

    if (cli_wants_help(argc, argv)) {
        sync_usage();
        return RK_EXIT_OK;
    }
    memset(&o, 0, sizeof(o));
    if (parse_sync_args(&o, argc, argv) != 0)
        return RK_EXIT_USAGE;
    signal(SIGPIPE, SIG_IGN);
    if (!o.once)
        return sync_forever(cli, &o);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return sync_once(cli, &o);
}
