/* match_grep.c - grep mode through the library alone, for tests and benchmarks before the CLI:
 *     match_grep [-c] [-v] [-x] [-t THREADS] [-f] LIST [INPUT...]
 * -x exact domains, -f a full index (with indicators) instead of a set-only one. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include "renkei/match.h"
#include "util/buf.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_out(const char *p, size_t len, void *ctx)
{
    (void)ctx;
    return fwrite(p, 1, len, stdout) == len ? 0 : RK_EIO;
}

static const char *map_file(const char *path, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    void *p;

    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(2);
    }
    *len = (size_t)st.st_size;
    p = st.st_size ? mmap(NULL, *len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : "";
    if (p == MAP_FAILED) {
        perror(path);
        exit(2);
    }
    close(fd);
    return p;
}

int main(int argc, char **argv)
{
    struct rk_match_grep_options go = {0};
    struct rk_match_build_options bo = {.set_only = 1};
    struct rk_match_builder *b;
    struct rk_match_index *ix;
    struct rk_err err;
    uint64_t total = 0;
    const char *list;
    size_t len;
    int c, any = 0;

    while ((c = getopt(argc, argv, "cvxft:")) != -1) {
        switch (c) {
        case 'c': go.count_only = 1; break;
        case 'v': go.invert = 1; break;
        case 'x': go.exact_domains = 1; break;
        case 'f': bo.set_only = 0; break;
        case 't': go.threads = (unsigned)strtoul(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (optind >= argc)
        return 2;
    rk_err_clear(&err);
    double t0 = now();
    list = map_file(argv[optind++], &len);
    if (rk_match_builder_new(&b, &bo, &err) != 0 ||
        rk_match_builder_add_list(b, list, len, "list", NULL, &err) != 0 ||
        rk_match_builder_finish(b, &ix, &err) != 0) {
        fprintf(stderr, "match_grep: %s\n", err.message);
        return 2;
    }
    double t1 = now();
    if (getenv("MATCH_GREP_STATS")) {
        struct rk_match_index_stats st;

        rk_match_index_stats(ix, &st);
        fprintf(stderr, "bytes=%llu v4_intervals=%llu v4=%llu domains=%llu sha256=%llu\n",
                (unsigned long long)st.bytes, (unsigned long long)st.ipv4_intervals,
                (unsigned long long)st.values[RK_MATCH_IPV4],
                (unsigned long long)st.values[RK_MATCH_DOMAIN],
                (unsigned long long)st.values[RK_MATCH_SHA256]);
    }
    for (int i = optind; i < argc || (i == optind && i == argc); i++) {
        const char *in;
        uint64_t n = 0;
        char prefix[4096];

        if (i < argc) {
            in = map_file(argv[i], &len);
        } else {
            struct rk_buf buf;
            rk_buf_init(&buf, RK_BUF_UNLIMITED);
            if (rk_buf_read_file(&buf, "-", &err) != 0)
                return 2;
            len = rk_buf_len(&buf);
            in = rk_buf_detach(&buf, &len);
        }
        snprintf(prefix, sizeof(prefix), "%s:", i < argc ? argv[i] : "");
        t1 = now();
        go.prefix = argc - optind > 1 ? prefix : NULL;
        if (rk_match_grep(ix, in, len, &go, write_out, NULL, &n, &err) != 0) {
            fprintf(stderr, "match_grep: %s\n", err.message);
            return 2;
        }
        total += n;
        any |= n > 0;
        if (getenv("MATCH_GREP_STATS"))
            fprintf(stderr, "build %.3f s, scan %.3f s (%.1f MB/s)\n", t1 - t0, now() - t1,
                    len / 1e6 / (now() - t1));
        if (i >= argc)
            break;
    }
    if (go.count_only)
        printf("%llu\n", (unsigned long long)total);
    rk_match_index_free(ix);
    return any ? 0 : 1;
}
