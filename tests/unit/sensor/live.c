/* live.c - live capture on the loopback interface and the privilege drop that follows it, in a
 * child process (the test runner keeps its own privileges). Skipped when not root or when the
 * loopback cannot be captured on. */
#include "tests.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Send one UDP datagram to 127.0.0.1:port. */
static void send_udp(uint16_t port)
{
    struct sockaddr_in to;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0) {
        sendto(fd, "renkei", 6, 0, (struct sockaddr *)&to, sizeof(to));
        close(fd);
    }
}

/* The child: 0 on success, 77 when capture is impossible here, another code for a failure. */
static int child(void)
{
    struct rk_sensor_live_options opt;
    struct rk_sensor_reader *r;
    struct rk_sensor_frame f;
    struct rk_sensor_pkt k;
    struct passwd *nobody = getpwnam("nobody");
    struct rk_err err;
    int seen = 0, drop;

    memset(&opt, 0, sizeof(opt));
    opt.ifname = "lo";
    opt.filter = "udp and dst port 39999";
    opt.timeout_ms = 50;
    if (!nobody)
        return 77;
    if (rk_sensor_reader_open_live(&r, &opt, &err) != 0)
        return err.code == RK_EIO ? 77 : 10;
    /* privileges are gone: uid and gid are nobody's, and root cannot come back */
    if (getuid() != nobody->pw_uid || geteuid() != nobody->pw_uid || getgid() != nobody->pw_gid)
        return 11;
    if (setuid(0) == 0)
        return 12;
    if (rk_sensor_drop_privileges(NULL, &err) != 0)
        return 13; /* not root any more: a no-op */
    if (rk_sensor_drop_privileges("root", &err) != RK_EPERM)
        return 14;
    /* a quiet link: each call comes back after about the timeout with "nothing yet" (2), so a
     * capture notices a stop request or a closing bin without traffic */
    for (int i = 0; i < 3; i++) {
        struct timespec t0, t1;
        long ms;
        int rc;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = rk_sensor_reader_next(r, &f, &err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (rc != 2 || ms > 1000)
            return 19;
    }
    for (int i = 0; i < 100 && !seen; i++) {
        int rc;

        send_udp(39999);
        while ((rc = rk_sensor_reader_next(r, &f, &err)) == 1) {
            if (rk_sensor_decode(&f, 4, 8, &k, &drop) == 0 && k.proto == 17 && k.dport == 39999) {
                seen = 1;
                break;
            }
        }
        if (rc < 0)
            return 15;
    }
    if (!seen)
        return 16;
    if (rk_sensor_reader_stats(r)->records < 1)
        return 17;
    rk_sensor_reader_stop(r);
    if (rk_sensor_reader_next(r, &f, &err) != 0)
        return 18;
    rk_sensor_reader_free(r);
    return 0;
}

static void test_sensor_live__loopback_capture_drops_privileges(void **state)
{
    int status = 0;
    pid_t pid;

    if (geteuid() != 0)
        skip();
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child());
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77)
        skip();
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_sensor_live__bad_interface_and_filter(void **state)
{
    struct rk_sensor_live_options opt;
    struct rk_sensor_reader *r;
    struct rk_err err;

    memset(&opt, 0, sizeof(opt));
    opt.ifname = "rk-no-such-if0";
    rk_err_clear(&err);
    assert_int_equal(rk_sensor_reader_open_live(&r, &opt, &err), RK_EIO);
    assert_null(r);
    assert_non_null(strstr(err.message, "rk-no-such-if0"));
    if (geteuid() != 0)
        return;
    opt.ifname = "lo";
    opt.filter = "this is not bpf";
    rk_err_clear(&err);
    /* root with a bad filter: the capture is refused before any privilege is dropped */
    int rc = rk_sensor_reader_open_live(&r, &opt, &err);

    assert_true(rc == RK_EFORMAT || rc == RK_EIO);
    assert_int_equal(geteuid(), 0);
}

int test_sensor_live_run(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_sensor_live__loopback_capture_drops_privileges),
            cmocka_unit_test(test_sensor_live__bad_interface_and_filter),
    };

    return cmocka_run_group_tests_name("sensor_live", tests, NULL, NULL);
}
