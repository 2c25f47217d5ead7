/* policy_expect.c - what rk_policy_may_read says, for integration tests that check every HTTP
 * read path against it. Reads lines from stdin:
 *
 *   DEFAULT_TLP TLP OWNER_ORG OBJ_GROUPS OBJ_READERS AUTHENTICATED USER ORG USER_GROUPS
 *
 * (lists comma-separated, "-" for empty) and prints 1 or 0 per line. */
#include <stdio.h>
#include <string.h>

#include "renkei/policy.h"

#define LIST_MAX 16

static size_t split(char *s, const char **out)
{
    size_t n = 0;
    char *save = NULL;

    if (strcmp(s, "-") == 0)
        return 0;
    for (char *t = strtok_r(s, ",", &save); t && n < LIST_MAX; t = strtok_r(NULL, ",", &save))
        out[n++] = t;
    return n;
}

int main(void)
{
    char line[1024];

    while (fgets(line, sizeof(line), stdin)) {
        char def[32], tlp[32], owner[80], og[256], orr[256], user[80], org[80], ug[256];
        const char *ogl[LIST_MAX], *orl[LIST_MAX], *ugl[LIST_MAX];
        int authenticated;
        struct rk_policy pol;
        struct rk_object_meta m;
        struct rk_principal who;
        enum rk_tlp t;

        /* the fields are trusted test input; a fixed-format reader keeps the tool short */
        if (strlen(line) < 3)
            continue;
        {
            char *f[9], *save = NULL;
            int n = 0;

            for (char *p = strtok_r(line, " \n", &save); p && n < 9; p = strtok_r(NULL, " \n", &save))
                f[n++] = p;
            if (n != 9) {
                fprintf(stderr, "policy_expect: 9 fields per line\n");
                return 2;
            }
            snprintf(def, sizeof(def), "%s", f[0]);
            snprintf(tlp, sizeof(tlp), "%s", f[1]);
            snprintf(owner, sizeof(owner), "%s", f[2]);
            snprintf(og, sizeof(og), "%s", f[3]);
            snprintf(orr, sizeof(orr), "%s", f[4]);
            authenticated = f[5][0] == '1';
            snprintf(user, sizeof(user), "%s", f[6]);
            snprintf(org, sizeof(org), "%s", f[7]);
            snprintf(ug, sizeof(ug), "%s", f[8]);
        }
        memset(&pol, 0, sizeof(pol));
        memset(&m, 0, sizeof(m));
        memset(&who, 0, sizeof(who));
        if (rk_tlp_parse(def, &pol.default_tlp) != 0)
            return 2;
        m.tlp = strcmp(tlp, "none") == 0 ? RK_TLP_NONE : (rk_tlp_parse(tlp, &t) ? RK_TLP_NONE : t);
        m.owner_org = owner;
        m.n_groups = split(og, ogl);
        m.groups = ogl;
        m.n_readers = split(orr, orl);
        m.readers = orl;
        who.authenticated = authenticated;
        who.user = user;
        who.org = org;
        who.n_groups = split(ug, ugl);
        who.groups = ugl;
        who.role = authenticated ? RK_ROLE_READER : RK_ROLE_NONE;
        printf("%d\n", rk_policy_may_read(&pol, &who, &m));
    }
    return 0;
}
