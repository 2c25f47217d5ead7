/* cmd_partner_groups.c - one sharing group per link.
 *
 * Objects received from a partner belong to the sharing groups of the receiving collection
 * that the partner is in (all of the partner's when the collection names none; see
 * rk_policy_received_groups). When that is more than one group, a TLP:AMBER object of one
 * group would be readable by, and forwarded to, the members of the other. So `partner add`
 * and `partner set` refuse a pull mapping, or a collection the partner's sync accounts may
 * write, that leaves more than one group in common with the partner. Groups and grants can
 * still change later (`group member add`, `collection grant`): ingress then refuses the AMBER
 * objects of such a link with a recorded reason (RK_INGRESS_GROUP_AMBIGUOUS). */
#include "cmd_partner.h"

#include <string.h>

#include "renkei/policy.h"
#include "renkei/store_access.h"
#include "util/alloc.h"
#include "util/strparse.h"

#define GROUPS_MAX 256

struct group_set {
    char name[GROUPS_MAX][RK_NAME_MAX + 1];
    const char *ptr[GROUPS_MAX];
    size_t n;
};

static int set_has(const struct group_set *s, const char *g)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], g) == 0)
            return 1;
    return 0;
}

static int set_add(const char *g, void *ctx)
{
    struct group_set *s = ctx;

    if (set_has(s, g))
        return 0;
    if (s->n == GROUPS_MAX || rk_strlcpy(s->name[s->n], g, sizeof(s->name[0])) != 0)
        return RK_ELIMIT;
    s->ptr[s->n] = s->name[s->n];
    s->n++;
    return 0;
}

static void set_remove(struct group_set *s, const char *g)
{
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->name[i], g) == 0) {
            memcpy(s->name[i], s->name[s->n - 1], sizeof(s->name[0]));
            s->n--;
            return;
        }
    }
}

/* The partner's groups once the command has run. */
static int groups_after(struct rk_store *st, const struct partner_opts *o, struct group_set *out,
                        struct rk_err *err)
{
    int rc;

    out->n = 0;
    if ((rc = rk_store_org_groups(st, o->p.org, set_add, out, err)) != 0 && rc != RK_ENOTFOUND)
        return rc;
    for (size_t i = 0; i < o->n_groups; i++)
        if ((rc = set_add(o->groups[i], out)) != 0)
            return rk_err_set(err, rc, "too many sharing groups");
    for (size_t i = 0; i < o->n_ungroups; i++)
        set_remove(out, o->ungroups[i]);
    for (size_t i = 0; i < out->n; i++)
        out->ptr[i] = out->name[i];
    rk_err_clear(err);
    return 0;
}

/* The groups objects received from the partner into collection coll would get, into got
 * (borrowed from g). An unknown collection gets none: adding the mapping reports it. */
static size_t received(struct rk_store *st, const char *coll, const struct group_set *g,
                       const char **got, int *coll_named)
{
    struct rk_collection_sharing sh;
    const char *cg[RK_SHARING_GROUPS_MAX];

    *coll_named = 0;
    if (rk_store_sharing_get(st, coll, &sh, NULL) != 0)
        return 0;
    for (size_t i = 0; i < sh.n_groups; i++)
        cg[i] = sh.groups[i];
    *coll_named = sh.n_groups > 0;
    return rk_policy_received_groups(cg, sh.n_groups, g->ptr, g->n, got);
}

/* RK_EINVAL with what to do when objects the partner sends into coll would get several groups.
 * how says how they would arrive ("--pull X=coll", "its sync accounts may write into it"). */
static int check_one(struct rk_store *st, const struct partner_opts *o, const struct group_set *g,
                     const char *coll, const char *how, struct rk_err *err)
{
    const char *got[GROUPS_MAX];
    struct rk_collection c;
    int named;
    size_t n = received(st, coll, g, got, &named);

    if (n < 2)
        return 0;
    if (rk_store_collection_get(st, coll, &c, NULL) == 0 && c.alias[0])
        coll = c.alias;
    return rk_err_set(err, RK_EINVAL,
                      "partner %s: %s, but collection %s %s, so what the partner sends there "
                      "would belong to %zu sharing groups (%s, %s%s) and a TLP:AMBER object of "
                      "one would reach the members of the other; give each group its own "
                      "collection, e.g. 'renkei collection add %s-in --group %s' and "
                      "'--pull THEIR-%s=%s-in' (and the same for %s)",
                      o->p.name, how, coll,
                      named ? "names several of its groups" : "names no group", n, got[0], got[1],
                      n > 2 ? ", ..." : "", got[0], got[0], got[0], got[0], got[1]);
}

struct mapping_walk {
    struct rk_store *st;
    const struct partner_opts *o;
    const struct group_set *g;
    struct rk_err *err;
};

/* 1 when the command removes the pull mapping remote=local (local: the collection's id). */
static int unpulled(struct rk_store *st, const struct partner_opts *o, const char *remote,
                    const char *local)
{
    struct rk_collection c;

    for (size_t i = 0; i < o->n_unpulls; i++) {
        const char *eq = strchr(o->unpulls[i], '=');
        size_t a = eq ? (size_t)(eq - o->unpulls[i]) : 0;

        if (!eq || strlen(remote) != a || strncmp(o->unpulls[i], remote, a) != 0)
            continue;
        if (strcmp(eq + 1, local) == 0 ||
            (rk_store_collection_get(st, eq + 1, &c, NULL) == 0 && strcmp(c.id, local) == 0))
            return 1;
    }
    return 0;
}

static int existing_pull(const struct rk_sync_mapping *m, void *ctx)
{
    struct mapping_walk *w = ctx;
    struct rk_collection c;
    char how[300];

    if (m->dir != RK_SYNC_PULL || unpulled(w->st, w->o, m->remote, m->local))
        return 0;
    snprintf(how, sizeof(how), "its groups change and it is pulled (--pull %.100s=%.100s)",
             m->remote,
             rk_store_collection_get(w->st, m->local, &c, NULL) == 0 && c.alias[0] ? c.alias
                                                                                   : m->local);
    return check_one(w->st, w->o, w->g, m->local, how, w->err);
}

static int writable(const char *coll, const struct rk_collection_grant *gr, void *ctx)
{
    struct mapping_walk *w = ctx;
    int for_partner = gr->kind == RK_GRANT_AUTHENTICATED ||
                      (gr->kind == RK_GRANT_ORG && strcmp(gr->subject, w->o->p.org) == 0) ||
                      (gr->kind == RK_GRANT_GROUP && set_has(w->g, gr->subject));

    if (!gr->can_write || !for_partner)
        return 0;
    return check_one(w->st, w->o, w->g, coll, "its sync accounts may push into the collection",
                     w->err);
}

int partner_groups_check(struct rk_store *st, const struct partner_opts *o, int add,
                         struct rk_err *err)
{
    struct group_set *g = rk_calloc(1, sizeof(*g));
    struct mapping_walk w = {st, o, g, err};
    int rc = RK_ENOMEM, groups_change = add || o->n_groups || o->n_ungroups;

    if (!g)
        return rk_err_set(err, RK_ENOMEM, "out of memory");
    if ((rc = groups_after(st, o, g, err)) != 0)
        goto out;
    for (size_t i = 0; i < o->n_pulls; i++) {
        const char *eq = strchr(o->pulls[i], '=');
        char how[300];

        snprintf(how, sizeof(how), "--pull %.200s", o->pulls[i]);
        if (eq && (rc = check_one(st, o, g, eq + 1, how, err)) != 0)
            goto out;
    }
    /* mappings and grants made earlier only count when the partner's groups change here */
    if (groups_change && !add &&
        (rc = rk_store_mapping_list(st, o->p.name, existing_pull, &w, err)) != 0)
        goto out;
    if (groups_change)
        rc = rk_store_grant_list(st, NULL, writable, &w, err);
out:
    rk_free(g);
    return rc;
}
