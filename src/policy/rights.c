/* rights.c - read and write rights on collections, checked before the sharing table. */
#include "renkei/policy.h"

#include <string.h>

static const char *const subject_names[] = {"org", "group", "authenticated", "public"};

const char *rk_grant_subject_name(enum rk_grant_subject k)
{
    return (unsigned)k < sizeof(subject_names) / sizeof(subject_names[0]) ? subject_names[k]
                                                                           : "?";
}

int rk_grant_subject_parse(const char *s, enum rk_grant_subject *out)
{
    for (size_t i = 0; i < sizeof(subject_names) / sizeof(subject_names[0]); i++) {
        if (strcmp(s, subject_names[i]) == 0) {
            *out = (enum rk_grant_subject)i;
            return 0;
        }
    }
    return RK_EFORMAT;
}

static int in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (s && strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* 1 when grant g applies to who. */
static int applies(const struct rk_principal *who, const struct rk_collection_grant *g)
{
    switch (g->kind) {
    case RK_GRANT_PUBLIC: return 1;
    case RK_GRANT_AUTHENTICATED: return who->authenticated;
    case RK_GRANT_ORG:
        return who->authenticated && who->org && g->subject && strcmp(who->org, g->subject) == 0;
    case RK_GRANT_GROUP:
        return who->authenticated && in_list(who->groups, who->n_groups, g->subject);
    }
    return 0;
}

void rk_policy_collection_rights(const struct rk_principal *who,
                                 const struct rk_collection_grant *g, size_t n, int *can_read,
                                 int *can_write)
{
    int may_write_role = who->authenticated &&
                         (who->role == RK_ROLE_WRITER || who->role == RK_ROLE_ADMIN ||
                          who->role == RK_ROLE_SYNC);

    *can_read = 0;
    *can_write = 0;
    for (size_t i = 0; i < n; i++) {
        if (!applies(who, &g[i]))
            continue;
        *can_read |= g[i].can_read != 0;
        if (g[i].kind != RK_GRANT_PUBLIC && may_write_role)
            *can_write |= g[i].can_write != 0;
    }
}
