/* privs.c - dropping root after a live capture is open: supplementary groups, then the group,
 * then the user, then a check that root cannot be had back. */
#include "renkei/sensor.h"
#include "renkei/log.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int switch_to(const struct passwd *pw, struct rk_err *err)
{
    if (setgroups(1, &pw->pw_gid) != 0)
        return rk_err_set(err, RK_EPERM, "setgroups for %s failed: %s", pw->pw_name,
                          strerror(errno));
    if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0)
        return rk_err_set(err, RK_EPERM, "setgid %u failed: %s", (unsigned)pw->pw_gid,
                          strerror(errno));
    if (setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
        return rk_err_set(err, RK_EPERM, "setuid %u failed: %s", (unsigned)pw->pw_uid,
                          strerror(errno));
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
        return rk_err_set(err, RK_EPERM, "root could be regained after dropping to %s",
                          pw->pw_name);
    rk_log_info("dropped privileges user=%s uid=%u gid=%u", pw->pw_name, (unsigned)pw->pw_uid,
                (unsigned)pw->pw_gid);
    return 0;
}

int rk_sensor_drop_privileges(const char *user, struct rk_err *err)
{
    const struct passwd *pw;

    if (geteuid() != 0) {
        if (!user)
            return 0;
        pw = getpwnam(user);
        if (pw && pw->pw_uid == geteuid())
            return 0;
        return rk_err_set(err, RK_EPERM, "cannot switch to user %s: not running as root", user);
    }
    if (!user)
        user = "nobody";
    errno = 0;
    pw = getpwnam(user);
    if (!pw)
        return rk_err_set(err, RK_EPERM, "unknown user %s", user);
    return switch_to(pw, err);
}
