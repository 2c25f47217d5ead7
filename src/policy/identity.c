/* identity.c - names of organisations, groups and users. */
#include "renkei/policy.h"

#include <string.h>

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

int rk_policy_name_ok(const char *s)
{
    size_t len = s ? strlen(s) : 0;

    if (len == 0 || len > RK_NAME_MAX || !name_char(s[0]) || s[0] == '.' || s[0] == '_' ||
        s[0] == '-')
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!name_char(s[i]))
            return 0;
    return 1;
}
