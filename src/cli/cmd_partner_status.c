/* cmd_partner_status.c - `renkei partner status|check|refused`: how sync with each partner is
 * going (last success, lag, objects in and out, what was refused, the last error), a live
 * check of the connection and the mapped collections, and the refused objects themselves. */
#include "cmd_partner.h"

#include <string.h>

#include "renkei/sync.h"
#include "renkei/taxii_client.h"
#include "util/rktime.h"

void partner_age(int64_t us, char *out, size_t cap)
{
    int64_t s = us / 1000000;

    if (us < 0)
        snprintf(out, cap, "in the future");
    else if (s < 120)
        snprintf(out, cap, "%lld s", (long long)s);
    else if (s < 7200)
        snprintf(out, cap, "%lld min", (long long)(s / 60));
    else if (s < 172800)
        snprintf(out, cap, "%lld h", (long long)(s / 3600));
    else
        snprintf(out, cap, "%lld d", (long long)(s / 86400));
}

static const char *local_name(struct rk_store *st, const char *id, struct rk_collection *c)
{
    if (rk_store_collection_get(st, id, c, NULL) == 0 && c->alias[0])
        return c->alias;
    return id;
}

/* ---- status -------------------------------------------------------------------------------- */

struct status_sum {
    struct rk_store *st;
    int64_t now;
    uint64_t stored, duplicates, conflicts, refused_in;
    uint64_t sent, failed, too_large, refused_out[RK_EGRESS_VERDICTS], backlog;
    json_t *maps; /* NULL in text mode */
    struct rk_buf *text;
};

static uint64_t backlog(struct rk_store *st, const char *local, int64_t after)
{
    struct rk_store_query q;
    uint64_t n = 0;

    rk_store_query_init(&q);
    q.collection = local;
    q.added_after_us = after;
    q.versions = RK_VERSIONS_ALL;
    q.without_json = 1;
    return rk_store_count(st, &q, &n, NULL) == 0 ? n : 0;
}

static void pull_line(struct status_sum *s, const struct rk_sync_cursor_info *c)
{
    const struct rk_pull_cursor *p = c->pull;
    struct rk_collection coll;
    const char *local = local_name(s->st, c->m->local, &coll);
    char age[32] = "never";

    if (p->caught_up_us)
        partner_age(s->now - p->caught_up_us, age, sizeof(age));
    s->stored += p->stored;
    s->duplicates += p->duplicates;
    s->conflicts += p->conflicts;
    s->refused_in += p->refused;
    if (s->maps)
        json_array_append_new(s->maps,
                json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "dir", "pull",
                          "remote", c->m->remote, "local", local, "cursor", p->added_after,
                          "caught_up_us", (json_int_t)p->caught_up_us, "pages",
                          (json_int_t)p->pages, "stored", (json_int_t)p->stored, "duplicates",
                          (json_int_t)p->duplicates, "conflicts", (json_int_t)p->conflicts,
                          "refused", (json_int_t)p->refused, "lag_s",
                          (json_int_t)(p->caught_up_us ? (s->now - p->caught_up_us) / 1000000
                                                       : -1)));
    else
        rk_buf_printf(s->text, "  pull their %s -> our %s: caught up %s%s; %llu stored, %llu "
                      "duplicates, %llu conflicts, %llu refused; cursor %s\n", c->m->remote,
                      local, age, p->caught_up_us ? " ago" : "", (unsigned long long)p->stored,
                      (unsigned long long)p->duplicates, (unsigned long long)p->conflicts,
                      (unsigned long long)p->refused, p->added_after[0] ? p->added_after : "-");
}

static void refused_text(const uint64_t *r, char *out, size_t cap)
{
    size_t len = 0;

    out[0] = '\0';
    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS && len < cap; v++)
        if (r[v])
            len += (size_t)snprintf(out + len, cap - len, "%s%s %llu", len ? ", " : "",
                                    rk_egress_verdict_name((enum rk_egress_verdict)v),
                                    (unsigned long long)r[v]);
}

static void push_line(struct status_sum *s, const struct rk_sync_cursor_info *c)
{
    const struct rk_push_cursor *p = c->push;
    struct rk_collection coll;
    const char *local = local_name(s->st, c->m->local, &coll);
    uint64_t left = backlog(s->st, c->m->local, p->date_added), not_sent = 0;
    char why[160];
    json_t *refused;

    s->sent += p->sent;
    s->failed += p->failed;
    s->too_large += p->too_large;
    s->backlog += left;
    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS; v++) {
        s->refused_out[v] += p->refused[v];
        not_sent += p->refused[v];
    }
    refused_text(p->refused, why, sizeof(why));
    if (!s->maps) {
        rk_buf_printf(s->text, "  push our %s -> their %s: %llu sent, %llu not sent%s%s%s, "
                      "%llu refused there, %llu too large; backlog %llu\n", local, c->m->remote,
                      (unsigned long long)p->sent, (unsigned long long)not_sent,
                      why[0] ? " (" : "", why, why[0] ? ")" : "", (unsigned long long)p->failed,
                      (unsigned long long)p->too_large, (unsigned long long)left);
        return;
    }
    refused = json_object();
    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS; v++)
        json_object_set_new(refused, rk_egress_verdict_name((enum rk_egress_verdict)v),
                            json_integer((json_int_t)p->refused[v]));
    json_array_append_new(s->maps, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "dir",
                                             "push", "remote", c->m->remote, "local", local,
                                             "sent", (json_int_t)p->sent, "failed",
                                             (json_int_t)p->failed, "too_large",
                                             (json_int_t)p->too_large, "backlog",
                                             (json_int_t)left, "batches",
                                             (json_int_t)p->batches, "refused", refused));
}

static int sum_cursor(const struct rk_sync_cursor_info *c, void *ctx)
{
    if (c->pull)
        pull_line(ctx, c);
    else
        push_line(ctx, c);
    return 0;
}

static const char *state_word(const struct rk_partner *p, const struct rk_sync_state *s)
{
    if (p->paused)
        return "paused";
    if (!s->last_attempt_us)
        return "never run";
    return s->last_error[0] ? "failing" : "ok";
}

static json_t *status_json(const struct rk_partner *p, const struct rk_sync_state *s,
                           struct status_sum *sum)
{
    json_t *refused = json_object();

    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS; v++)
        json_object_set_new(refused, rk_egress_verdict_name((enum rk_egress_verdict)v),
                            json_integer((json_int_t)sum->refused_out[v]));
    return json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:i,s:I,s:i,s:{s:I,s:I,s:I,s:I},"
                     "s:{s:I,s:I,s:I,s:I,s:o},s:o}",
                     "name", p->name, "state", state_word(p, s), "last_attempt_us",
                     (json_int_t)s->last_attempt_us, "last_success_us",
                     (json_int_t)s->last_success_us, "last_error_us",
                     (json_int_t)s->last_error_us, "last_error", s->last_error, "failures",
                     (int)s->failures, "lag_s",
                     (json_int_t)(s->last_success_us
                                          ? (sum->now - s->last_success_us) / 1000000 : -1),
                     "window_s", (int)p->window_s, "in", "stored", (json_int_t)sum->stored,
                     "duplicates", (json_int_t)sum->duplicates, "conflicts",
                     (json_int_t)sum->conflicts, "refused", (json_int_t)sum->refused_in, "out",
                     "sent", (json_int_t)sum->sent, "failed", (json_int_t)sum->failed,
                     "too_large", (json_int_t)sum->too_large, "backlog",
                     (json_int_t)sum->backlog, "refused", refused, "mappings", sum->maps);
}

static void status_text(const struct rk_partner *p, const struct rk_sync_state *s,
                        struct status_sum *sum)
{
    char ok[32] = "never", tried[32] = "never", err_age[32] = "";
    uint64_t not_sent = 0;

    for (int v = RK_EGRESS_NEVER_RED; v < RK_EGRESS_VERDICTS; v++)
        not_sent += sum->refused_out[v];
    if (s->last_success_us)
        partner_age(sum->now - s->last_success_us, ok, sizeof(ok));
    if (s->last_attempt_us)
        partner_age(sum->now - s->last_attempt_us, tried, sizeof(tried));
    printf("%s: %s; last success %s%s, last attempt %s%s\n", p->name, state_word(p, s), ok,
           s->last_success_us ? " ago" : "", tried, s->last_attempt_us ? " ago" : "");
    printf("  in: %llu stored, %llu duplicates, %llu refused; out: %llu sent, %llu not sent by "
           "the rules, %llu refused there; backlog %llu\n",
           (unsigned long long)sum->stored, (unsigned long long)sum->duplicates,
           (unsigned long long)sum->refused_in, (unsigned long long)sum->sent,
           (unsigned long long)not_sent, (unsigned long long)sum->failed,
           (unsigned long long)sum->backlog);
    fputs(rk_buf_cstr(sum->text), stdout);
    if (p->window_s && s->last_success_us)
        printf("  added_after window %u h: %s\n", p->window_s / 3600,
               (sum->now - s->last_success_us) / 1000000 > p->window_s / 2
                       ? "AT RISK: the last success is past half of it"
                       : "within reach");
    if (s->last_error[0]) {
        partner_age(sum->now - s->last_error_us, err_age, sizeof(err_age));
        printf("  last error (%s ago, %u in a row): %s\n", err_age, s->failures, s->last_error);
    }
}

struct status_run {
    struct rk_store *st;
    json_t *list;
    int shown;
    struct rk_err *err;
};

static int status_one(const struct rk_partner *p, void *ctx)
{
    struct status_run *r = ctx;
    struct rk_sync_state s;
    struct rk_buf text;
    struct status_sum sum;
    int rc;

    memset(&sum, 0, sizeof(sum));
    rk_buf_init(&text, 1 << 20);
    sum.st = r->st;
    sum.now = rk_time_now_us();
    sum.text = &text;
    sum.maps = r->list ? json_array() : NULL;
    if ((rc = rk_store_sync_state_get(r->st, p->name, &s, r->err)) == 0 &&
        (rc = rk_store_sync_cursor_list(r->st, p->name, sum_cursor, &sum, r->err)) == 0) {
        if (r->list)
            json_array_append_new(r->list, status_json(p, &s, &sum));
        else
            status_text(p, &s, &sum);
        r->shown++;
    } else {
        json_decref(sum.maps);
    }
    rk_buf_free(&text);
    return rc;
}

int partner_status(struct rk_cli *cli, struct rk_store *st, const char *name, int json,
                   struct rk_err *err)
{
    struct status_run r = {st, json ? json_array() : NULL, 0, err};
    struct rk_partner p;
    int rc;

    (void)cli;
    if (name) {
        if ((rc = rk_store_partner_get(st, name, &p, err)) == 0)
            rc = status_one(&p, &r);
        explicit_bzero(p.secret, sizeof(p.secret));
    } else {
        rc = rk_store_partner_list(st, status_one, &r, err);
    }
    if (rc == 0 && json)
        cli_print_json(r.list);
    else if (rc == 0 && r.shown == 0)
        printf("no partners; add one with 'renkei partner add NAME --url URL ...'\n");
    json_decref(r.list);
    return rc;
}

/* ---- check --------------------------------------------------------------------------------- */

struct check {
    struct rk_taxii_collection_info *colls;
    size_t n, cap;
};

static int keep_coll(const struct rk_taxii_collection_info *ci, void *ctx)
{
    struct check *c = ctx;
    struct rk_taxii_collection_info *grown;

    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;

        if (!(grown = realloc(c->colls, cap * sizeof(*grown))))
            return RK_ENOMEM;
        c->colls = grown;
        c->cap = cap;
    }
    c->colls[c->n++] = *ci;
    printf("  collection %s \"%s\"%s%s\n", ci->id, ci->title, ci->can_read ? " read" : "",
           ci->can_write ? " write" : "");
    return 0;
}

struct map_check {
    struct rk_store *st;
    const struct check *c;
    int problems;
};

static int check_mapping(const struct rk_sync_mapping *m, void *ctx)
{
    struct map_check *mc = ctx;
    const struct rk_taxii_collection_info *ci = NULL;
    struct rk_collection local;
    int pull = m->dir == RK_SYNC_PULL;

    for (size_t i = 0; i < mc->c->n && !ci; i++)
        if (strcmp(mc->c->colls[i].id, m->remote) == 0)
            ci = &mc->c->colls[i];
    if (rk_store_collection_get(mc->st, m->local, &local, NULL) != 0) {
        printf("  PROBLEM: local collection %s is gone\n", m->local);
        mc->problems++;
    } else if (!ci) {
        printf("  PROBLEM: %s %s: the partner shows no collection %s to this account\n",
               pull ? "pull" : "push", m->remote, m->remote);
        mc->problems++;
    } else if (pull ? !ci->can_read : !ci->can_write) {
        printf("  PROBLEM: %s %s: this account may not %s it; ask the partner for the right\n",
               pull ? "pull" : "push", m->remote, pull ? "read" : "write");
        mc->problems++;
    } else {
        printf("  ok: %s their %s %s our %s\n", pull ? "pull" : "push", m->remote,
               pull ? "->" : "<-", local.alias[0] ? local.alias : local.id);
    }
    return 0;
}

int partner_check(struct rk_cli *cli, struct rk_store *st, const char *name, struct rk_err *err)
{
    struct rk_taxii_client *client = NULL;
    struct rk_taxii_api_root root;
    struct check c = {NULL, 0, 0};
    struct map_check mc = {st, &c, 0};
    struct rk_partner p;
    int rc;

    (void)cli;
    if ((rc = rk_store_partner_get(st, name, &p, err)) != 0)
        return rc;
    if ((rc = rk_sync_connect(&p, NULL, &client, err)) == 0 &&
        (rc = rk_taxii_client_api_root(client, &root, err)) == 0) {
        printf("partner %s: API root %s \"%s\", TAXII 2.1, accepts requests up to %llu bytes\n",
               name, root.url, root.title, (unsigned long long)root.max_content_length);
        if ((rc = rk_taxii_client_collections(client, keep_coll, &c, err)) == 0)
            rc = rk_store_mapping_list(st, name, check_mapping, &mc, err);
    }
    if (rc == 0 && mc.problems == 0)
        printf("partner %s: connection and mappings are fine\n", name);
    else if (rc == 0)
        rc = PARTNER_PROBLEMS;
    free(c.colls);
    rk_taxii_client_free(client);
    explicit_bzero(p.secret, sizeof(p.secret));
    return rc;
}

/* ---- refused objects ----------------------------------------------------------------------- */

struct refusals {
    json_t *list; /* NULL: text */
    size_t n;
};

static int print_refusal(const struct rk_sync_refusal *r, void *ctx)
{
    struct refusals *rf = ctx;
    json_t *list = rf->list;
    char at[RK_TIME_STR_MAX];

    rf->n++;
    rk_time_format_us(r->at_us, at, sizeof(at));
    if (list)
        json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "at", at, "dir",
                                              r->dir == RK_SYNC_PULL ? "in" : "out",
                                              "collection", r->collection, "object",
                                              r->object_id, "version", r->version, "reason",
                                              r->reason));
    else
        printf("%s %-3s %s %s %s: %s\n", at, r->dir == RK_SYNC_PULL ? "in" : "out",
               r->collection, r->object_id, r->version[0] ? r->version : "-", r->reason);
    return 0;
}

int partner_refused(struct rk_store *st, const char *name, size_t limit, int json,
                    struct rk_err *err)
{
    struct rk_partner p;
    struct refusals rf = {json ? json_array() : NULL, 0};
    int rc;

    if ((rc = rk_store_partner_get(st, name, &p, err)) == 0 &&
        (rc = rk_store_sync_refusal_list(st, name, limit, print_refusal, &rf, err)) == 0) {
        if (rf.list)
            cli_print_json(rf.list);
        else if (rf.n == 0)
            printf("partner %s: nothing refused in either direction\n", name);
    }
    explicit_bzero(p.secret, sizeof(p.secret));
    json_decref(rf.list);
    return rc;
}
