/* cmd_partner.h - what cmd_partner.c and cmd_partner_status.c share. */
#ifndef RK_CLI_CMD_PARTNER_H
#define RK_CLI_CMD_PARTNER_H

#include <jansson.h>
#include <stdint.h>

#include "cli.h"
#include "renkei/store_sync.h"

#define PARTNER_LIST_MAX  64
#define PARTNER_GIVEN_MAX 256
/* Results of the partner actions besides RK_E* codes. */
#define PARTNER_USAGE    1000 /* a usage error, already printed */
#define PARTNER_PROBLEMS 1001 /* a check found problems, already printed */

struct partner_opt {
    int c;
    const char *arg;
};

struct partner_opts {
    struct partner_opt given[PARTNER_GIVEN_MAX]; /* in command-line order */
    size_t n_given;
    struct rk_partner p;
    int org_given;
    const char *secret_file, *secret_env;
    const char *groups[PARTNER_LIST_MAX], *ungroups[PARTNER_LIST_MAX];
    size_t n_groups, n_ungroups;
    const char *pulls[PARTNER_LIST_MAX], *unpulls[PARTNER_LIST_MAX];
    const char *pushes[PARTNER_LIST_MAX], *unpushes[PARTNER_LIST_MAX];
    size_t n_pulls, n_unpulls, n_pushes, n_unpushes;
    int json;
    uint64_t limit;
    char **args;
    int n_args;
};

struct partner_list {
    struct rk_store *st;
    json_t *json;
};

int partner_parse_args(struct partner_opts *o, int argc, char **argv);
int partner_apply_options(struct partner_opts *o);

/* cmd_partner_groups.c: RK_EINVAL (err says what to do) when a pull mapping of o, or a
 * collection the partner's sync accounts may write, would leave objects from the partner in
 * more than one sharing group once o is applied. add: the partner is new. */
int partner_groups_check(struct rk_store *st, const struct partner_opts *o, int add,
                         struct rk_err *err);

/* cmd_partner_status.c */
int partner_status(struct rk_cli *cli, struct rk_store *st, const char *name, int json,
                   struct rk_err *err);
int partner_check(struct rk_cli *cli, struct rk_store *st, const char *name, struct rk_err *err);
int partner_refused(struct rk_store *st, const char *name, size_t limit, int json,
                    struct rk_err *err);
/* "12 s", "3 min", "2 h", "4 d" for an age in microseconds. */
void partner_age(int64_t us, char *out, size_t cap);

#endif
